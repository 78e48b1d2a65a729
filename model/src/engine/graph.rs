//! The explored state graph, stored compactly: about 50 bytes per state.
//!
//! * Nodes are numbered in BFS order (a lower number is never deeper), and their
//!   fields are kept column by column: parent, the action from it, whether the
//!   node is outside the model's boundary, and its 64-bit fingerprint.
//! * Nodes are expanded in number order, so each node's outgoing edges are one
//!   contiguous run of a flat edge array (compressed sparse rows): 8 bytes per edge.
//! * Fingerprints are found through an open-addressing table of node numbers
//!   (4 bytes per slot, at most three quarters full), which reads the fingerprint
//!   itself from the node column: the fingerprint is stored once. Both can be read
//!   from other threads while this one adds nodes ([`Reader`]): the fingerprint
//!   column grows in segments that never move, each fingerprint is written before
//!   the slot that points to it, and a table that grows is replaced, not changed,
//!   so a reader holding the old one sees fewer nodes, never a wrong one.
//! * Predecessors, which only the liveness analysis needs, are built once the
//!   exploration is over ([`Graph::can_reach`]).

use std::ops::Range;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use super::IndexPath;

/// The parent of an initial state.
const NO_PARENT: u32 = u32::MAX;
/// An empty slot of the fingerprint table.
const EMPTY: u32 = u32::MAX;

/// Where a fingerprint was found, or that it was added.
pub(super) enum Visit {
    New(u32),
    Seen(u32),
}

pub(super) struct Graph {
    parent: Vec<u32>,
    /// Index of the initial state (no parent) or of the action from the parent.
    via: Vec<u32>,
    /// Outside the model's boundary: judged, never expanded.
    cut: Vec<bool>,
    fingerprints: Arc<Column>,
    /// Open addressing with linear probing: node numbers, or [`EMPTY`].
    slots: Arc<[AtomicU32]>,
    /// Per expanded node: where its edges start in `edge_to` / `edge_action`.
    edge_start: Vec<u32>,
    edge_to: Vec<u32>,
    edge_action: Vec<u32>,
}

impl Graph {
    pub(super) fn new() -> Graph {
        Graph {
            parent: Vec::new(),
            via: Vec::new(),
            cut: Vec::new(),
            fingerprints: Arc::new(Column::default()),
            slots: empty_table(1024),
            edge_start: Vec::new(),
            edge_to: Vec::new(),
            edge_action: Vec::new(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.parent.len()
    }

    pub(super) fn is_cut(&self, id: u32) -> bool {
        self.cut[id as usize]
    }

    pub(super) fn fingerprint(&self, id: u32) -> u64 {
        self.fingerprints.get(id)
    }

    /// The node of fingerprint `fp`, if it has one.
    pub(super) fn lookup(&self, fp: u64) -> Option<u32> {
        probe(&self.slots, &self.fingerprints, fp).ok()
    }

    /// A lookup that other threads can use while this one adds nodes.
    pub(super) fn reader(&self) -> Reader {
        Reader {
            fingerprints: Arc::clone(&self.fingerprints),
            slots: Arc::clone(&self.slots),
        }
    }

    /// The node of fingerprint `fp`, adding it (reached from `parent` by action
    /// `via`) if it is new.
    pub(super) fn visit(&mut self, fp: u64, parent: Option<u32>, via: usize, cut: bool) -> Visit {
        let i = match probe(&self.slots, &self.fingerprints, fp) {
            Ok(id) => return Visit::Seen(id),
            Err(empty) => empty,
        };
        let id = self.len() as u32;
        // The fingerprint first, then the slot: a reader that finds the slot
        // finds the fingerprint.
        self.fingerprints.push(id, fp);
        self.slots[i].store(id, Ordering::Release);
        self.parent.push(parent.unwrap_or(NO_PARENT));
        self.via.push(via as u32);
        self.cut.push(cut);
        if self.len() * 4 >= self.slots.len() * 3 {
            self.grow_table();
        }
        Visit::New(id)
    }

    /// Replaces the table by one twice its size (readers holding the old one
    /// keep it, and find every node added before this).
    fn grow_table(&mut self) {
        let slots = empty_table(self.slots.len() * 2);
        let mask = slots.len() - 1;
        for id in 0..self.len() as u32 {
            let mut i = self.fingerprints.get(id) as usize & mask;
            while slots[i].load(Ordering::Relaxed) != EMPTY {
                i = (i + 1) & mask;
            }
            slots[i].store(id, Ordering::Relaxed);
        }
        self.slots = slots;
    }

    /// Starts the edges of node `id`, which must be the next node to expand.
    pub(super) fn begin_edges(&mut self, id: u32) {
        debug_assert_eq!(id as usize, self.edge_start.len(), "nodes expand in order");
        self.edge_start.push(self.edge_to.len() as u32);
    }

    /// An edge of the node being expanded.
    pub(super) fn add_edge(&mut self, action: usize, to: u32) {
        self.edge_to.push(to);
        self.edge_action.push(action as u32);
    }

    fn edge_range(&self, id: u32) -> Range<usize> {
        let id = id as usize;
        let Some(&start) = self.edge_start.get(id) else {
            return 0..0; // never expanded
        };
        let end = self
            .edge_start
            .get(id + 1)
            .map_or(self.edge_to.len(), |&e| e as usize);
        start as usize..end
    }

    /// The (action, successor) of the node's first edge.
    fn first_edge(&self, id: u32) -> Option<(usize, u32)> {
        let e = self.edge_range(id).next()?;
        Some((self.edge_action[e] as usize, self.edge_to[e]))
    }

    /// Bytes the next doubling of every growing table would take.
    pub(super) fn growth_bytes(&self) -> u64 {
        let column = 4 + 4 + 1 + 8;
        let bytes = self.parent.capacity() * column
            + self.slots.len() * 4 * 2
            + self.edge_to.capacity() * 8
            + self.edge_start.capacity() * 4;
        bytes as u64
    }

    /// The depth of the deepest node plus one (the last node is the deepest).
    pub(super) fn max_depth(&self) -> usize {
        match self.len() {
            0 => 0,
            n => self.path_to(n as u32 - 1).actions.len() + 1,
        }
    }

    pub(super) fn path_to(&self, mut at: u32) -> IndexPath {
        let mut actions = Vec::new();
        loop {
            let parent = self.parent[at as usize];
            let via = self.via[at as usize] as usize;
            if parent == NO_PARENT {
                actions.reverse();
                return IndexPath { init: via, actions };
            }
            actions.push(via);
            at = parent;
        }
    }

    /// Which nodes can reach a node in `targets` (cut nodes count as able to: their
    /// future is unknown). Predecessors are built in one flat array indexed by
    /// offsets, 4 bytes per edge.
    pub(super) fn can_reach(&self, targets: &[bool]) -> Vec<bool> {
        let n = self.len();
        let mut start = vec![0u32; n + 1];
        for &to in &self.edge_to {
            start[to as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut preds = vec![0u32; self.edge_to.len()];
        for from in 0..self.edge_start.len() as u32 {
            for e in self.edge_range(from) {
                let to = self.edge_to[e] as usize;
                preds[fill[to] as usize] = from;
                fill[to] += 1;
            }
        }
        drop(fill);
        let mut reach = vec![false; n];
        let mut stack: Vec<u32> = Vec::new();
        for i in 0..n {
            if targets[i] || self.cut[i] {
                reach[i] = true;
                stack.push(i as u32);
            }
        }
        while let Some(i) = stack.pop() {
            let (lo, hi) = (start[i as usize] as usize, start[i as usize + 1] as usize);
            for &p in &preds[lo..hi] {
                if !reach[p as usize] {
                    reach[p as usize] = true;
                    stack.push(p);
                }
            }
        }
        reach
    }

    /// Bytes [`Graph::can_reach`] allocates.
    pub(super) fn can_reach_cost(&self) -> u64 {
        let n = self.len() as u64;
        let edges = self.edge_to.len() as u64;
        // offsets twice, predecessors, reach flags, and a stack of at most n.
        8 * (n + 1) + 4 * edges + n + 4 * n
    }

    /// From doomed node `start`, follows the first action of each state (all of a
    /// doomed state's successors are doomed) until a dead end or a repeated state.
    /// Returns the actions taken and, if it looped, the position where the loop
    /// starts (counted from `start`).
    pub(super) fn doomed_continuation(&self, start: u32) -> (Vec<usize>, Option<usize>) {
        let mut seen: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
        let mut actions = Vec::new();
        let mut at = start;
        loop {
            seen.insert(at, actions.len());
            let Some((action, next)) = self.first_edge(at) else {
                return (actions, None);
            };
            actions.push(action);
            if let Some(&pos) = seen.get(&next) {
                return (actions, Some(pos));
            }
            at = next;
        }
    }
}

/// A table of `size` empty slots.
fn empty_table(size: usize) -> Arc<[AtomicU32]> {
    (0..size).map(|_| AtomicU32::new(EMPTY)).collect()
}

/// Where `fp` is in the table: its node, or the empty slot where it would go.
fn probe(slots: &[AtomicU32], fingerprints: &Column, fp: u64) -> Result<u32, usize> {
    let mask = slots.len() - 1;
    let mut i = fp as usize & mask;
    loop {
        match slots[i].load(Ordering::Acquire) {
            EMPTY => return Err(i),
            id if fingerprints.get(id) == fp => return Ok(id),
            _ => i = (i + 1) & mask,
        }
    }
}

/// A lookup of fingerprints that another thread can use while the graph grows:
/// it finds every node added before it was made, and maybe later ones.
pub(super) struct Reader {
    fingerprints: Arc<Column>,
    slots: Arc<[AtomicU32]>,
}

impl Reader {
    /// The node of fingerprint `fp`, if it has one (that this reader can see).
    pub(super) fn lookup(&self, fp: u64) -> Option<u32> {
        probe(&self.slots, &self.fingerprints, fp).ok()
    }
}

/// The first segment's length; segment k holds `FIRST << k` fingerprints, so
/// the column's capacity doubles with each segment and no segment ever moves.
const FIRST: usize = 1024;

/// The fingerprint column, in segments that never move once made (a reader on
/// another thread may be reading one while the graph grows).
#[derive(Default)]
struct Column {
    segments: [OnceLock<Box<[AtomicU64]>>; 32],
}

impl Column {
    /// The segment of node `id` and the position in it.
    fn place(id: u32) -> (usize, usize) {
        let n = id as usize / FIRST + 1;
        let segment = (usize::BITS - 1 - n.leading_zeros()) as usize;
        (segment, id as usize - FIRST * ((1 << segment) - 1))
    }

    fn get(&self, id: u32) -> u64 {
        let (segment, at) = Self::place(id);
        self.segments[segment]
            .get()
            .expect("a node's fingerprint is written before it can be looked up")[at]
            .load(Ordering::Acquire)
    }

    /// Writes node `id`'s fingerprint (only the thread that adds nodes does).
    fn push(&self, id: u32, fp: u64) {
        let (segment, at) = Self::place(id);
        let slots = self.segments[segment]
            .get_or_init(|| (0..FIRST << segment).map(|_| AtomicU64::new(0)).collect());
        slots[at].store(fp, Ordering::Release);
    }
}
