//! An exhaustive breadth-first exploration over any stateright [`Model`].
//!
//! Why not stateright's own checkers: with several properties at once, stateright
//! 0.31's BFS keeps replacing a property's discovery with later ones (traces longer
//! than the shortest), and its `Eventually` is judged only at dead ends reached on
//! the first path into a state. This engine stores every visited fingerprint with its
//! parent, keeps the *first* discovery of every property (so, in BFS order, the
//! shortest), and judges "at end" properties on every state without a successor.
//!
//! Knows nothing about Convex: properties are closures over the model and a state.
//! Deterministic: actions in the model's order and a fixed-key hasher give the same
//! states, verdicts and shortest paths on every run, whatever the number of threads.

use std::collections::VecDeque;
use std::fmt;
use std::hash::Hash;
use std::time::{Duration, Instant};

use stateright::Model;

mod graph;
pub mod memory;

use graph::{Graph, Visit};

/// How a property is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Must hold in every reachable state.
    Always,
    /// Must hold in every end state: a state without successor, or one the
    /// property's scope marks as at rest (everything settled, only time can
    /// pass).
    AtEnd,
    /// Must hold in at least one reachable state.
    Sometimes,
    /// Liveness: from every reachable state within the property's scope, a state
    /// where it holds must stay reachable (CTL `AG EF goal`). A state from which no
    /// goal state is reachable is *doomed*; the counterexample is a lasso.
    Eventually,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Always => "always",
            Kind::AtEnd => "at every end state",
            Kind::Sometimes => "sometimes",
            Kind::Eventually => "eventually",
        }
    }

    /// How the engine decides it.
    pub fn method(self) -> &'static str {
        match self {
            Kind::Always | Kind::Sometimes => "bfs",
            Kind::AtEnd => "end-states",
            Kind::Eventually => "doomed-states",
        }
    }
}

/// A predicate over states of `M`.
pub type Predicate<M> = Box<dyn Fn(&M, &<M as Model>::State) -> bool + Send + Sync>;

/// A property as the engine sees it.
pub struct Property<M: Model> {
    pub name: String,
    pub kind: Kind,
    /// The condition (for `Eventually`: the goal).
    pub holds: Predicate<M>,
    /// For `Eventually`: the states where the goal must stay reachable (e.g. once
    /// every fault is spent). None: every state. For `AtEnd`: the states at rest,
    /// judged like the dead ends.
    pub scope: Option<Predicate<M>>,
}

impl<M: Model> Property<M> {
    pub fn new(
        name: impl Into<String>,
        kind: Kind,
        holds: impl Fn(&M, &M::State) -> bool + Send + Sync + 'static,
    ) -> Self {
        Property {
            name: name.into(),
            kind,
            holds: Box::new(holds),
            scope: None,
        }
    }

    /// Restricts an `Eventually` property to the states where `scope` holds; for
    /// an `AtEnd` property, marks the states at rest.
    pub fn within(mut self, scope: impl Fn(&M, &M::State) -> bool + Send + Sync + 'static) -> Self {
        self.scope = Some(Box::new(scope));
        self
    }
}

/// Limits of one exploration. Whichever is reached first stops it; the verdicts
/// not yet decided then become inconclusive.
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    /// Unique states.
    pub max_states: Option<usize>,
    pub max_duration: Option<Duration>,
    /// Resident memory of the whole process, in bytes, or its virtual size under
    /// an address space limit (enforced where [`memory::used_bytes`] can read it).
    pub max_memory: Option<u64>,
}

/// The longest time limit taken; longer ones are clamped to it (30 days).
pub const MAX_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);

/// The limit that stopped an exploration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitHit {
    States(usize),
    Duration(Duration),
    /// The cap, in bytes.
    Memory(u64),
}

impl fmt::Display for LimitHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitHit::States(n) => write!(f, "--max-states {n}"),
            LimitHit::Duration(d) => write!(f, "--max-seconds {}", d.as_secs_f64()),
            LimitHit::Memory(b) => write!(f, "--max-memory {}", memory::human(*b)),
        }
    }
}

impl Limits {
    /// The limit this exploration has reached, if any. The clock and memory are
    /// read only when `growth` is given (every few thousand states): the bytes the
    /// next doubling of the explorer's tables would take, which must still fit.
    fn reached(&self, unique: usize, started: Instant, growth: Option<u64>) -> Option<LimitHit> {
        if let Some(n) = self.max_states.filter(|&n| unique >= n) {
            return Some(LimitHit::States(n));
        }
        let growth = growth?;
        if let Some(d) = self.max_duration.filter(|&d| started.elapsed() >= d) {
            return Some(LimitHit::Duration(d));
        }
        let over_memory =
            |cap: &u64| memory::used_bytes().is_some_and(|r| r.saturating_add(growth) >= *cap);
        self.max_memory.filter(over_memory).map(LimitHit::Memory)
    }
}

/// The judgement of one property.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Holds,
    Violated,
    Inconclusive,
}

impl Verdict {
    /// The verdict of a property of `kind` given whether a witness (a violation, or
    /// for sometimes an example) was found and whether exploration was complete.
    pub fn judge(kind: Kind, witness: bool, complete: bool) -> Verdict {
        match (kind == Kind::Sometimes, witness, complete) {
            (true, true, _) => Verdict::Holds,
            (false, true, _) => Verdict::Violated,
            (_, false, false) => Verdict::Inconclusive,
            (true, false, true) => Verdict::Violated,
            (false, false, true) => Verdict::Holds,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Violated => "violated",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// A path from an initial state: the index of the initial state, then the index of
/// each action in `model.actions(state)` (the encoding stateright's Explorer uses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexPath {
    pub init: usize,
    pub actions: Vec<usize>,
}

impl IndexPath {
    /// `init/a1/a2/...`, the Explorer's `#/steps/` encoding.
    pub fn encode(&self) -> String {
        let mut s = self.init.to_string();
        for a in &self.actions {
            s.push('/');
            s.push_str(&a.to_string());
        }
        s
    }

    /// Reads `init/a1/a2/…` back; None unless every part is a number.
    pub fn decode(text: &str) -> Option<IndexPath> {
        let mut parts = text.split('/').map(|x| x.parse::<usize>().ok());
        let init = parts.next()??;
        let actions = parts.collect::<Option<Vec<_>>>()?;
        Some(IndexPath { init, actions })
    }

    /// Replays the path: every state with the action taken from it (None for the
    /// last). None if an index does not name an enabled, effective action.
    #[allow(clippy::type_complexity)]
    pub fn replay<M>(&self, model: &M) -> Option<Vec<(M::State, Option<M::Action>)>>
    where
        M: Model,
        M::Action: Clone,
    {
        let mut state = model.init_states().into_iter().nth(self.init)?;
        let mut steps = Vec::with_capacity(self.actions.len() + 1);
        let mut actions = Vec::new();
        for &ix in &self.actions {
            actions.clear();
            model.actions(&state, &mut actions);
            let action = actions.get(ix)?.clone();
            let next = model.next_state(&state, action.clone())?;
            steps.push((state, Some(action)));
            state = next;
        }
        steps.push((state, None));
        Some(steps)
    }
}

/// What one property came to.
#[derive(Clone, Debug)]
pub struct PropertyOutcome {
    pub name: String,
    pub kind: Kind,
    pub verdict: Verdict,
    /// The witness: a violation of always / at-end / eventually, an example of
    /// sometimes. For eventually it is a lasso: the shortest path to a doomed state,
    /// then a continuation inside the doomed states to a dead end or round a loop.
    pub path: Option<IndexPath>,
    /// Steps to the violating (or example) state: for a lasso, to the first doomed
    /// state.
    pub depth: Option<usize>,
    /// For a lasso that cycles: the index of the state where the loop starts (the
    /// path's last state is that state again). None for a lasso that ends in a dead
    /// end ("stops forever") and for every other kind.
    pub loop_start: Option<usize>,
    /// For an eventually property judged on the complete graph: the
    /// [`fingerprint`] of every doomed state, sorted (empty when it holds).
    pub doomed: Vec<u64>,
}

/// The result of an exploration.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub unique_states: usize,
    pub total_states: usize,
    pub max_depth: usize,
    pub duration: Duration,
    /// Whether every reachable state was explored.
    pub complete: bool,
    /// The limit that stopped the exploration, or that left the liveness analysis
    /// undone (memory), if any.
    pub stopped_by: Option<LimitHit>,
    pub properties: Vec<PropertyOutcome>,
}

/// The fingerprint under which the engine stores a state: aHash with fixed keys,
/// so the same state has the same fingerprint throughout a process (and in every
/// run of the same build on the same machine). 64 bits: with n states the chance
/// that two collide is about n² / 2⁶⁵ (one in 37,000 at ten million states).
pub fn fingerprint<T: Hash>(value: &T) -> u64 {
    const KEYS: ahash::RandomState = ahash::RandomState::with_seeds(
        0x243f_6a88_85a3_08d3,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
    );
    KEYS.hash_one(value)
}

/// Explores every state reachable from the model's initial states (within its
/// boundary) and judges each property.
pub fn explore<M>(model: &M, properties: &[Property<M>], limits: Limits) -> Outcome
where
    M: Model + Sync,
    M::State: Hash + Send + Sync,
{
    explore_with_progress(model, properties, limits, 1, &mut |_| {})
}

/// How far an exploration has got, reported every few thousand states.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub unique_states: usize,
    pub total_states: usize,
    /// States found but not yet expanded.
    pub queued: usize,
    pub elapsed: Duration,
    /// Resident memory of the process, where it can be read.
    pub resident_bytes: Option<u64>,
}

/// [`explore`] on `threads` threads (the same result whatever their number),
/// calling `progress` every 2048 expanded states.
pub fn explore_with_progress<M>(
    model: &M,
    properties: &[Property<M>],
    limits: Limits,
    threads: usize,
    progress: &mut dyn FnMut(&Progress),
) -> Outcome
where
    M: Model + Sync,
    M::State: Hash + Send + Sync,
{
    assert!(
        properties.len() <= 64,
        "an exploration judges at most 64 properties"
    );
    let mut search = Search::new(model, properties, limits);
    search.visit_initial_states();
    search.breadth_first(progress, threads);
    search.outcome()
}

/// A successor as an expansion finds it.
enum Successor<S> {
    /// Already in the graph before this chunk: only its edge is needed, so the
    /// state is dropped at once.
    Known(u32),
    /// Not in the graph before this chunk (another state of the chunk may still
    /// reach it first).
    Unseen { state: S, fp: u64, cut: bool },
}

/// What expanding one state found, computed apart from the graph so that several
/// threads can compute it. Per-property answers are bits (property `p` is bit `p`;
/// an exploration judges at most 64 properties).
struct Expansion<S> {
    /// The condition of each property judged here: always and sometimes
    /// properties not decided before this chunk, and eventually properties (goal).
    holds: u64,
    /// Whether the state is in each eventually property's scope.
    in_scope: u64,
    /// For a dead end or a state at rest: the at-end properties not decided
    /// before this chunk that do not hold here.
    fails_at_end: u64,
    /// (action index, successor) in action order; empty for a state outside the
    /// boundary.
    successors: Vec<(usize, Successor<S>)>,
}

fn bit(set: u64, p: usize) -> bool {
    set & (1 << p) != 0
}

impl<S: Hash> Expansion<S> {
    /// Expands `state`: judges it and lists its successors. `known` finds a
    /// successor's node when the graph already has it (its state is then dropped
    /// at once); a lookup that always says None is right too, only slower to merge.
    fn of<M>(
        model: &M,
        properties: &[Property<M>],
        known: &dyn Fn(u64) -> Option<u32>,
        decided_before: u64,
        state: &S,
        cut: bool,
        actions: &mut Vec<M::Action>,
    ) -> Expansion<S>
    where
        M: Model<State = S> + Sync,
        S: Send + Sync,
    {
        let mut e = Expansion {
            holds: 0,
            in_scope: 0,
            fails_at_end: 0,
            successors: Vec::new(),
        };
        for (p, prop) in properties.iter().enumerate() {
            let needed = match prop.kind {
                Kind::Eventually => true,
                Kind::AtEnd => false,
                Kind::Always | Kind::Sometimes => !bit(decided_before, p),
            };
            if needed && (prop.holds)(model, state) {
                e.holds |= 1 << p;
            }
            let scoped = prop.kind == Kind::Eventually
                && prop.scope.as_ref().is_none_or(|s| s(model, state));
            if scoped {
                e.in_scope |= 1 << p;
            }
        }
        if !cut {
            e.successors = successors(model, known, state, actions);
        }
        if !cut {
            let dead_end = e.successors.is_empty();
            for (p, prop) in properties.iter().enumerate() {
                let judged = prop.kind == Kind::AtEnd
                    && !bit(decided_before, p)
                    && (dead_end || prop.scope.as_ref().is_some_and(|s| s(model, state)));
                if judged && !(prop.holds)(model, state) {
                    e.fails_at_end |= 1 << p;
                }
            }
        }
        e
    }
}

/// Every successor of a state, with its fingerprint; one that `known` finds in
/// the graph is dropped at once.
fn successors<M>(
    model: &M,
    known: &dyn Fn(u64) -> Option<u32>,
    state: &M::State,
    actions: &mut Vec<M::Action>,
) -> Vec<(usize, Successor<M::State>)>
where
    M: Model,
    M::State: Hash,
{
    actions.clear();
    model.actions(state, actions);
    let mut successors = Vec::with_capacity(actions.len());
    for (ix, action) in actions.drain(..).enumerate() {
        let Some(next) = model.next_state(state, action) else {
            continue;
        };
        let fp = fingerprint(&next);
        let successor = match known(fp) {
            Some(id) => Successor::Known(id),
            None => Successor::Unseen {
                cut: !model.within_boundary(&next),
                state: next,
                fp,
            },
        };
        successors.push((ix, successor));
    }
    successors
}

/// One exploration in progress: the graph so far, the frontier, and what each
/// property has found.
struct Search<'a, M: Model> {
    model: &'a M,
    properties: &'a [Property<M>],
    limits: Limits,
    started: Instant,
    graph: Graph,
    /// States to expand, with their nodes, in BFS order.
    queue: VecDeque<(M::State, u32)>,
    /// Per property: its first witness (violation, or example of sometimes).
    found: Vec<Option<u32>>,
    /// Per eventually property: whether each node is a goal state…
    goal: Vec<Vec<bool>>,
    /// … and whether it is in the property's scope.
    scope: Vec<Vec<bool>>,
    total_states: usize,
    expanded: usize,
    stopped_by: Option<LimitHit>,
}

impl<'a, M> Search<'a, M>
where
    M: Model + Sync,
    M::State: Hash + Send + Sync,
{
    fn new(model: &'a M, properties: &'a [Property<M>], limits: Limits) -> Self {
        Search {
            model,
            properties,
            limits,
            started: Instant::now(),
            graph: Graph::new(),
            queue: VecDeque::new(),
            found: vec![None; properties.len()],
            goal: vec![Vec::new(); properties.len()],
            scope: vec![Vec::new(); properties.len()],
            total_states: 0,
            expanded: 0,
            stopped_by: None,
        }
    }

    fn visit_initial_states(&mut self) {
        for (ix, state) in self.model.init_states().into_iter().enumerate() {
            self.total_states += 1;
            if let Some(id) = self.visit_initial(&state, ix) {
                self.queue.push_back((state, id));
            }
        }
    }

    /// Records an initial state; returns its node if it is new.
    fn visit_initial(&mut self, state: &M::State, ix: usize) -> Option<u32> {
        let cut = !self.model.within_boundary(state);
        match self.graph.visit(fingerprint(state), None, ix, cut) {
            Visit::New(id) => Some(id),
            Visit::Seen(_) => None,
        }
    }

    /// Expands states in BFS order until none is left or a limit is reached, on
    /// `threads` threads. Node numbers, counts and witnesses are the same whatever
    /// the thread count: states are merged into the graph one at a time, in BFS
    /// order.
    fn breadth_first(&mut self, progress: &mut dyn FnMut(&Progress), threads: usize) {
        if threads > 1 {
            return self.breadth_first_pipelined(progress, threads);
        }
        while let Some((state, id)) = self.queue.pop_front() {
            let cut = self.graph.is_cut(id);
            let known = |fp| self.graph.lookup(fp);
            let expansion = Expansion::of(
                self.model,
                self.properties,
                &known,
                self.decided(),
                &state,
                cut,
                &mut Vec::new(),
            );
            // States are freed in the order they were made, which allocators
            // handle best.
            drop(state);
            if self.merge_counted(id, expansion, false, progress) {
                return;
            }
        }
    }

    /// The multi-threaded BFS: worker threads expand the frontier in jobs of
    /// consecutive states while this thread merges the jobs' expansions in
    /// order; several jobs are in flight, so expanding and merging overlap.
    /// Workers look successors up in the graph while this thread writes it
    /// ([`graph::Reader`]: they may miss the newest nodes, which then come back
    /// with their state and are found by the merge), and judge the properties not
    /// decided when the job left, which can only be more than needed.
    fn breadth_first_pipelined(&mut self, progress: &mut dyn FnMut(&Progress), threads: usize) {
        use std::collections::BTreeMap;
        use std::sync::{mpsc, Arc, Mutex};
        /// States per job.
        const JOB_LEN: usize = 256;
        let max_in_flight = 4 * threads;
        let (model, properties) = (self.model, self.properties);
        type Expanded<S> = Vec<(u32, Expansion<S>)>;
        std::thread::scope(|scope| {
            type Job<S> = (usize, u64, graph::Reader, Vec<(S, u32, bool)>);
            let (job_tx, job_rx) = mpsc::channel::<Job<M::State>>();
            let job_rx = Arc::new(Mutex::new(job_rx));
            let (done_tx, done_rx) = mpsc::channel::<(usize, Expanded<M::State>)>();
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let (job_rx, done_tx) = (Arc::clone(&job_rx), done_tx.clone());
                    scope.spawn(move || {
                        let mut actions = Vec::new();
                        loop {
                            let job = job_rx.lock().map(|rx| rx.recv());
                            let Ok(Ok((seq, decided_before, reader, part))) = job else {
                                break;
                            };
                            let known = |fp| reader.lookup(fp);
                            let expanded: Expanded<M::State> = part
                                .into_iter()
                                .map(|(state, id, cut)| {
                                    let e = Expansion::of(
                                        model,
                                        properties,
                                        &known,
                                        decided_before,
                                        &state,
                                        cut,
                                        &mut actions,
                                    );
                                    (id, e)
                                })
                                .collect();
                            if done_tx.send((seq, expanded)).is_err() {
                                break;
                            }
                        }
                    })
                })
                .collect();
            drop(done_tx);
            let (mut next_job, mut next_merge) = (0usize, 0usize);
            let mut arrived: BTreeMap<usize, Expanded<M::State>> = BTreeMap::new();
            loop {
                while next_job - next_merge < max_in_flight && !self.queue.is_empty() {
                    let n = self.queue.len().min(JOB_LEN);
                    let graph = &self.graph;
                    let part: Vec<(M::State, u32, bool)> = self
                        .queue
                        .drain(..n)
                        .map(|(state, id)| (state, id, graph.is_cut(id)))
                        .collect();
                    let reader = self.graph.reader();
                    let sent = job_tx.send((next_job, self.decided(), reader, part));
                    assert!(sent.is_ok(), "every expansion thread stopped");
                    next_job += 1;
                }
                if next_merge == next_job {
                    break; // nothing queued, nothing in flight
                }
                let expanded = loop {
                    if let Some(e) = arrived.remove(&next_merge) {
                        break e;
                    }
                    match done_rx.recv_timeout(Duration::from_millis(100)) {
                        Ok((seq, e)) => {
                            arrived.insert(seq, e);
                        }
                        Err(_) => assert!(
                            !workers.iter().any(|w| w.is_finished()),
                            "an expansion thread panicked"
                        ),
                    }
                };
                next_merge += 1;
                let mut left = expanded.len();
                for (id, expansion) in expanded {
                    left -= 1;
                    let more = left > 0 || next_job > next_merge;
                    if self.merge_counted(id, expansion, more, progress) {
                        return;
                    }
                }
            }
        });
    }

    /// The properties decided so far, as bits.
    fn decided(&self) -> u64 {
        self.found
            .iter()
            .enumerate()
            .filter(|(_, f)| f.is_some())
            .fold(0u64, |set, (p, _)| set | 1 << p)
    }

    /// Merges one state's expansion and counts it; true when a limit stops the
    /// exploration (checked only while states are left to expand: in the queue,
    /// or, when `more_elsewhere`, taken from it and not merged yet).
    fn merge_counted(
        &mut self,
        id: u32,
        expansion: Expansion<M::State>,
        more_elsewhere: bool,
        progress: &mut dyn FnMut(&Progress),
    ) -> bool {
        if !self.merge(id, expansion) {
            return false; // outside the boundary: judged, not expanded
        }
        self.expanded += 1;
        self.report(progress);
        if more_elsewhere || !self.queue.is_empty() {
            self.stopped_by = self.limit_reached();
        }
        if let Some(limit) = self.stopped_by {
            let unique = self.graph.len();
            tracing::info!(unique, %limit, "exploration stopped at a limit");
            return true;
        }
        false
    }

    /// Every 2048 expansions: progress for the caller (and every 100,000, a log line).
    fn report(&self, progress: &mut dyn FnMut(&Progress)) {
        if self.expanded.is_multiple_of(100_000) {
            let (unique, queued) = (self.graph.len(), self.queue.len());
            tracing::debug!(unique, queued, "exploring");
        }
        if self.expanded.is_multiple_of(2048) {
            progress(&Progress {
                unique_states: self.graph.len(),
                total_states: self.total_states,
                queued: self.queue.len(),
                elapsed: self.started.elapsed(),
                resident_bytes: memory::resident_bytes(),
            });
        }
    }

    /// Merges one state's expansion into the graph: judges its properties, adds its
    /// edges and queues its new successors. False for a state outside the
    /// boundary, which is judged but not expanded.
    fn merge(&mut self, id: u32, expansion: Expansion<M::State>) -> bool {
        self.judge_state(id, &expansion);
        self.graph.begin_edges(id);
        if self.graph.is_cut(id) {
            return false;
        }
        for (ix, successor) in expansion.successors {
            self.total_states += 1;
            let to = match successor {
                Successor::Known(to) => to,
                Successor::Unseen { state, fp, cut } => {
                    match self.graph.visit(fp, Some(id), ix, cut) {
                        Visit::New(to) => {
                            self.queue.push_back((state, to));
                            to
                        }
                        Visit::Seen(to) => to,
                    }
                }
            };
            self.graph.add_edge(ix, to);
        }
        self.judge_end_state(id, expansion.fails_at_end);
        true
    }

    /// Judges always and sometimes properties on a state, and records goal and
    /// scope of the eventually ones.
    fn judge_state(&mut self, id: u32, e: &Expansion<M::State>) {
        for (p, prop) in self.properties.iter().enumerate() {
            match prop.kind {
                Kind::Eventually => {
                    self.goal[p].push(bit(e.holds, p));
                    self.scope[p].push(bit(e.in_scope, p));
                }
                _ if self.found[p].is_some() => {}
                Kind::Always if !bit(e.holds, p) => self.found[p] = Some(id),
                Kind::Sometimes if bit(e.holds, p) => self.found[p] = Some(id),
                _ => {}
            }
        }
    }

    /// Judges at-end properties on a state without successor or at rest.
    fn judge_end_state(&mut self, id: u32, fails_at_end: u64) {
        for p in 0..self.properties.len() {
            if self.found[p].is_none() && bit(fails_at_end, p) {
                self.found[p] = Some(id);
            }
        }
    }

    /// The limit reached, if any; the clock and memory are read every 2048
    /// expansions, with room left for the next doubling of the tables.
    fn limit_reached(&self) -> Option<LimitHit> {
        let growth = self.expanded.is_multiple_of(2048).then(|| {
            let queue = self.queue.capacity() * std::mem::size_of::<(M::State, u32)>();
            self.graph.growth_bytes() + queue as u64
        });
        self.limits.reached(self.graph.len(), self.started, growth)
    }

    /// Whether the liveness analysis fits in memory; if not, the limit that says so.
    fn liveness_memory_limit(&self) -> Option<LimitHit> {
        if !self.properties.iter().any(|p| p.kind == Kind::Eventually) {
            return None;
        }
        let cap = self.limits.max_memory?;
        let now = memory::used_bytes()?;
        (now + self.graph.can_reach_cost() > cap).then_some(LimitHit::Memory(cap))
    }

    /// The verdicts and witnesses, once exploring is over.
    fn outcome(mut self) -> Outcome {
        let complete = self.stopped_by.is_none();
        if complete {
            // The liveness analysis needs memory of its own: rather than run out
            // of it, leave those verdicts inconclusive.
            self.stopped_by = self.liveness_memory_limit();
        }
        let liveness_possible = self.stopped_by.is_none();
        let properties = (0..self.properties.len())
            .map(|p| match self.properties[p].kind {
                Kind::Eventually if liveness_possible => self.judge_liveness(p),
                Kind::Eventually => self.unjudged(p),
                _ => self.judge_found(p, complete),
            })
            .collect();
        Outcome {
            unique_states: self.graph.len(),
            total_states: self.total_states,
            max_depth: self.graph.max_depth(),
            duration: self.started.elapsed(),
            complete,
            stopped_by: self.stopped_by,
            properties,
        }
    }

    fn unjudged(&self, p: usize) -> PropertyOutcome {
        let prop = &self.properties[p];
        PropertyOutcome {
            name: prop.name.clone(),
            kind: prop.kind,
            verdict: Verdict::Inconclusive,
            path: None,
            depth: None,
            loop_start: None,
            doomed: Vec::new(),
        }
    }

    /// An always, sometimes or at-end property: its first witness, if any.
    fn judge_found(&self, p: usize, complete: bool) -> PropertyOutcome {
        let mut outcome = self.unjudged(p);
        outcome.verdict = Verdict::judge(outcome.kind, self.found[p].is_some(), complete);
        if let Some(id) = self.found[p] {
            let path = self.graph.path_to(id);
            outcome.depth = Some(path.actions.len());
            outcome.path = Some(path);
        }
        outcome
    }

    /// An eventually property on the complete graph: its doomed states (in scope,
    /// goal unreachable) and a lasso through the first one.
    fn judge_liveness(&self, p: usize) -> PropertyOutcome {
        let mut outcome = self.unjudged(p);
        let reach = self.graph.can_reach(&self.goal[p]);
        let is_doomed = |i: usize| self.scope[p][i] && !reach[i];
        let first = (0..self.graph.len()).find(|&i| is_doomed(i));
        outcome.verdict = Verdict::judge(outcome.kind, first.is_some(), true);
        let Some(first) = first else {
            return outcome;
        };
        outcome.doomed = (0..self.graph.len())
            .filter(|&i| is_doomed(i))
            .map(|i| self.graph.fingerprint(i as u32))
            .collect();
        outcome.doomed.sort_unstable();
        let mut path = self.graph.path_to(first as u32);
        let prefix = path.actions.len();
        let (more, loop_at) = self.graph.doomed_continuation(first as u32);
        path.actions.extend(more);
        outcome.depth = Some(prefix);
        outcome.loop_start = loop_at.map(|at| prefix + at);
        outcome.path = Some(path);
        outcome
    }
}

#[cfg(test)]
mod tests;
