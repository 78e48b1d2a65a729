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
//! Deterministic: single-threaded, actions in the model's order, a fixed-key hasher.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use stateright::Model;

/// How a property is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Must hold in every reachable state.
    Always,
    /// Must hold in every end state (a state without successor).
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
pub type Predicate<M> = Box<dyn Fn(&M, &<M as Model>::State) -> bool>;

/// A property as the engine sees it.
pub struct Property<M: Model> {
    pub name: String,
    pub kind: Kind,
    /// The condition (for `Eventually`: the goal).
    pub holds: Predicate<M>,
    /// For `Eventually`: the states where the goal must stay reachable (e.g. once
    /// every fault is spent). None: every state.
    pub scope: Option<Predicate<M>>,
}

impl<M: Model> Property<M> {
    pub fn new(
        name: impl Into<String>,
        kind: Kind,
        holds: impl Fn(&M, &M::State) -> bool + 'static,
    ) -> Self {
        Property {
            name: name.into(),
            kind,
            holds: Box::new(holds),
            scope: None,
        }
    }

    /// Restricts an `Eventually` property to the states where `scope` holds.
    pub fn within(mut self, scope: impl Fn(&M, &M::State) -> bool + 'static) -> Self {
        self.scope = Some(Box::new(scope));
        self
    }
}

/// Limits of one exploration.
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    pub max_states: Option<usize>,
    pub max_duration: Option<Duration>,
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
    pub properties: Vec<PropertyOutcome>,
}

fn fingerprint<T: Hash>(value: &T) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// One explored state. Nodes are numbered in BFS order, so a lower number is never
/// deeper.
struct Node {
    parent: Option<u32>,
    /// Index of the initial state (no parent) or of the action from the parent.
    via: u32,
    depth: u32,
    /// Outside the model's boundary: judged, never expanded.
    cut: bool,
    /// (action index, successor) of every effective action; empty for dead ends.
    edges: Vec<(u32, u32)>,
}

/// The explored state graph.
struct Graph {
    nodes: Vec<Node>,
    index: HashMap<u64, u32>,
}

impl Graph {
    fn path_to(&self, mut at: u32) -> IndexPath {
        let mut actions = Vec::new();
        loop {
            let n = &self.nodes[at as usize];
            match n.parent {
                Some(parent) => {
                    actions.push(n.via as usize);
                    at = parent;
                }
                None => {
                    actions.reverse();
                    return IndexPath {
                        init: n.via as usize,
                        actions,
                    };
                }
            }
        }
    }

    /// Which nodes can reach a node in `targets` (cut nodes count as able to: their
    /// future is unknown).
    fn can_reach(&self, targets: &[bool]) -> Vec<bool> {
        let n = self.nodes.len();
        let mut preds: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (from, node) in self.nodes.iter().enumerate() {
            for &(_, to) in &node.edges {
                preds[to as usize].push(from as u32);
            }
        }
        let mut reach = vec![false; n];
        let mut stack: Vec<u32> = Vec::new();
        for i in 0..n {
            if targets[i] || self.nodes[i].cut {
                reach[i] = true;
                stack.push(i as u32);
            }
        }
        while let Some(i) = stack.pop() {
            for &p in &preds[i as usize] {
                if !reach[p as usize] {
                    reach[p as usize] = true;
                    stack.push(p);
                }
            }
        }
        reach
    }

    /// From doomed node `start`, follows the first action of each state (all of a
    /// doomed state's successors are doomed) until a dead end or a repeated state.
    /// Returns the actions taken and, if it looped, the position where the loop
    /// starts (counted from `start`).
    fn doomed_continuation(&self, start: u32) -> (Vec<usize>, Option<usize>) {
        let mut seen: HashMap<u32, usize> = HashMap::new();
        let mut actions = Vec::new();
        let mut at = start;
        loop {
            seen.insert(at, actions.len());
            let Some(&(action, next)) = self.nodes[at as usize].edges.first() else {
                return (actions, None);
            };
            actions.push(action as usize);
            if let Some(&pos) = seen.get(&next) {
                return (actions, Some(pos));
            }
            at = next;
        }
    }
}

/// Explores every state reachable from the model's initial states (within its
/// boundary) and judges each property.
pub fn explore<M>(model: &M, properties: &[Property<M>], limits: Limits) -> Outcome
where
    M: Model,
    M::State: Hash,
{
    let started = Instant::now();
    let mut graph = Graph {
        nodes: Vec::new(),
        index: HashMap::new(),
    };
    let mut queue: VecDeque<(M::State, u32)> = VecDeque::new();
    let mut found: Vec<Option<u32>> = vec![None; properties.len()];
    // Per eventually property: goal and scope of every node.
    let mut goal: Vec<Vec<bool>> = vec![Vec::new(); properties.len()];
    let mut scope: Vec<Vec<bool>> = vec![Vec::new(); properties.len()];
    let mut total_states = 0usize;
    let mut complete = true;

    // Records a newly generated state; returns its node if it is new.
    let visit =
        |graph: &mut Graph, state: &M::State, parent: Option<u32>, via: usize| -> Option<u32> {
            let fp = fingerprint(state);
            if graph.index.contains_key(&fp) {
                if let Some(p) = parent {
                    let to = graph.index[&fp];
                    graph.nodes[p as usize].edges.push((via as u32, to));
                }
                return None;
            }
            let id = graph.nodes.len() as u32;
            let depth = parent.map_or(0, |p| graph.nodes[p as usize].depth + 1);
            graph.index.insert(fp, id);
            graph.nodes.push(Node {
                parent,
                via: via as u32,
                depth,
                cut: !model.within_boundary(state),
                edges: Vec::new(),
            });
            if let Some(p) = parent {
                graph.nodes[p as usize].edges.push((via as u32, id));
            }
            Some(id)
        };

    for (ix, state) in model.init_states().into_iter().enumerate() {
        total_states += 1;
        if let Some(id) = visit(&mut graph, &state, None, ix) {
            queue.push_back((state, id));
        }
    }

    let mut actions = Vec::new();
    while let Some((state, id)) = queue.pop_front() {
        for (p, prop) in properties.iter().enumerate() {
            match prop.kind {
                Kind::Eventually => {
                    goal[p].push((prop.holds)(model, &state));
                    scope[p].push(prop.scope.as_ref().is_none_or(|s| s(model, &state)));
                }
                _ if found[p].is_some() => {}
                Kind::Always if !(prop.holds)(model, &state) => found[p] = Some(id),
                Kind::Sometimes if (prop.holds)(model, &state) => found[p] = Some(id),
                _ => {}
            }
        }
        if graph.nodes[id as usize].cut {
            continue;
        }
        actions.clear();
        model.actions(&state, &mut actions);
        for (ix, action) in actions.drain(..).enumerate() {
            let Some(next) = model.next_state(&state, action) else {
                continue;
            };
            total_states += 1;
            if let Some(next_id) = visit(&mut graph, &next, Some(id), ix) {
                queue.push_back((next, next_id));
            }
        }
        if graph.nodes[id as usize].edges.is_empty() {
            for (p, prop) in properties.iter().enumerate() {
                if found[p].is_none() && prop.kind == Kind::AtEnd && !(prop.holds)(model, &state) {
                    found[p] = Some(id);
                }
            }
        }
        let explored = graph.nodes.len();
        if explored.is_multiple_of(100_000) {
            tracing::debug!(unique = explored, queued = queue.len(), "exploring");
        }
        let over_states = limits.max_states.is_some_and(|m| explored >= m);
        let over_time = limits
            .max_duration
            .is_some_and(|d| explored.is_multiple_of(1024) && started.elapsed() >= d);
        if (over_states || over_time) && !queue.is_empty() {
            tracing::info!(unique = explored, "exploration stopped at a limit");
            complete = false;
            break;
        }
    }

    let mut outcomes = Vec::with_capacity(properties.len());
    for (p, prop) in properties.iter().enumerate() {
        let mut outcome = PropertyOutcome {
            name: prop.name.clone(),
            kind: prop.kind,
            verdict: Verdict::Inconclusive,
            path: None,
            depth: None,
            loop_start: None,
        };
        if prop.kind == Kind::Eventually {
            if complete {
                let reach = graph.can_reach(&goal[p]);
                let doomed = (0..graph.nodes.len()).find(|&i| scope[p][i] && !reach[i]);
                outcome.verdict = Verdict::judge(prop.kind, doomed.is_some(), true);
                if let Some(d) = doomed {
                    let mut path = graph.path_to(d as u32);
                    let prefix = path.actions.len();
                    let (more, loop_at) = graph.doomed_continuation(d as u32);
                    path.actions.extend(more);
                    outcome.depth = Some(prefix);
                    outcome.loop_start = loop_at.map(|at| prefix + at);
                    outcome.path = Some(path);
                }
            }
        } else {
            outcome.verdict = Verdict::judge(prop.kind, found[p].is_some(), complete);
            if let Some(id) = found[p] {
                let path = graph.path_to(id);
                outcome.depth = Some(path.actions.len());
                outcome.path = Some(path);
            }
        }
        outcomes.push(outcome);
    }

    Outcome {
        unique_states: graph.nodes.len(),
        total_states,
        max_depth: graph.nodes.last().map_or(0, |n| n.depth as usize + 1),
        duration: started.elapsed(),
        complete,
        properties: outcomes,
    }
}

#[cfg(test)]
mod tests;
