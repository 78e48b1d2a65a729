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
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Always => "always",
            Kind::AtEnd => "at every end state",
            Kind::Sometimes => "sometimes",
        }
    }
}

/// A property as the engine sees it.
pub struct Property<M: Model> {
    pub name: String,
    pub kind: Kind,
    #[allow(clippy::type_complexity)]
    pub holds: Box<dyn Fn(&M, &M::State) -> bool>,
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
    /// The witness: a violation of always / at-end, an example of sometimes.
    pub path: Option<IndexPath>,
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

/// How a visited state was reached.
#[derive(Clone, Copy)]
struct Visit {
    parent: Option<u64>,
    /// Index of the initial state (no parent) or of the action from the parent.
    index: u32,
}

fn path_to(visits: &HashMap<u64, Visit>, fp: u64) -> IndexPath {
    let mut actions = Vec::new();
    let mut at = fp;
    loop {
        let v = visits[&at];
        match v.parent {
            Some(parent) => {
                actions.push(v.index as usize);
                at = parent;
            }
            None => {
                actions.reverse();
                return IndexPath {
                    init: v.index as usize,
                    actions,
                };
            }
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
    let mut visits: HashMap<u64, Visit> = HashMap::new();
    let mut queue: VecDeque<(M::State, u64, usize, bool)> = VecDeque::new();
    let mut found: Vec<Option<u64>> = vec![None; properties.len()];
    let mut total_states = 0usize;
    let mut max_depth = 0usize;
    let mut complete = true;

    // Records a newly generated state; a state seen before is dropped.
    let visit = |visits: &mut HashMap<u64, Visit>,
                 queue: &mut VecDeque<(M::State, u64, usize, bool)>,
                 state: M::State,
                 via: Visit,
                 depth: usize| {
        let fp = fingerprint(&state);
        if let std::collections::hash_map::Entry::Vacant(e) = visits.entry(fp) {
            e.insert(via);
            let inside = model.within_boundary(&state);
            queue.push_back((state, fp, depth, inside));
        }
    };

    for (ix, state) in model.init_states().into_iter().enumerate() {
        total_states += 1;
        let via = Visit {
            parent: None,
            index: ix as u32,
        };
        visit(&mut visits, &mut queue, state, via, 1);
    }

    let mut actions = Vec::new();
    while let Some((state, fp, depth, inside)) = queue.pop_front() {
        max_depth = max_depth.max(depth);
        for (p, prop) in properties.iter().enumerate() {
            if found[p].is_some() {
                continue;
            }
            let hit = match prop.kind {
                Kind::Always => !(prop.holds)(model, &state),
                Kind::Sometimes => (prop.holds)(model, &state),
                Kind::AtEnd => false,
            };
            if hit {
                found[p] = Some(fp);
            }
        }
        if !inside {
            continue;
        }
        actions.clear();
        model.actions(&state, &mut actions);
        let mut has_successor = false;
        for (ix, action) in actions.drain(..).enumerate() {
            let Some(next) = model.next_state(&state, action) else {
                continue;
            };
            has_successor = true;
            total_states += 1;
            let via = Visit {
                parent: Some(fp),
                index: ix as u32,
            };
            visit(&mut visits, &mut queue, next, via, depth + 1);
        }
        if !has_successor {
            for (p, prop) in properties.iter().enumerate() {
                if found[p].is_none() && prop.kind == Kind::AtEnd && !(prop.holds)(model, &state) {
                    found[p] = Some(fp);
                }
            }
        }
        let over_states = limits.max_states.is_some_and(|m| visits.len() >= m);
        let over_time = limits
            .max_duration
            .is_some_and(|d| visits.len().is_multiple_of(1024) && started.elapsed() >= d);
        if (over_states || over_time) && !queue.is_empty() {
            tracing::info!(unique = visits.len(), "exploration stopped at a limit");
            complete = false;
            break;
        }
        if visits.len().is_multiple_of(100_000) {
            tracing::debug!(unique = visits.len(), depth, queued = queue.len(), "exploring");
        }
    }

    let properties = properties
        .iter()
        .zip(found)
        .map(|(prop, fp)| {
            let verdict = match (prop.kind, fp.is_some(), complete) {
                (Kind::Sometimes, true, _) => Verdict::Holds,
                (_, true, _) => Verdict::Violated,
                (_, false, false) => Verdict::Inconclusive,
                (Kind::Sometimes, false, true) => Verdict::Violated,
                (_, false, true) => Verdict::Holds,
            };
            PropertyOutcome {
                name: prop.name.clone(),
                kind: prop.kind,
                verdict,
                path: fp.map(|fp| path_to(&visits, fp)),
            }
        })
        .collect();

    Outcome {
        unique_states: visits.len(),
        total_states,
        max_depth,
        duration: started.elapsed(),
        complete,
        properties,
    }
}

#[cfg(test)]
mod tests;
