//! Random walks through a check's model, for model-based testing of the real
//! client (`convex-auth-check fuzz`): drawing walks, and shrinking a walk whose
//! replay diverges to a shorter one that still does.
//!
//! A walk starts at the initial state and takes one of the steps the model offers
//! at each state, until `max_steps` or until nothing is left to happen. The draw
//! is reproducible: the same model, seed and weighting give the same walks on
//! every machine.

use std::collections::HashMap;

use stateright::Model;

use crate::engine::IndexPath;
use crate::events::Event;
use crate::model::AuthModel;
use crate::view::{SystemAction, SystemState};

/// A small, fast, reproducible random number generator (SplitMix64). Walks need
/// nothing stronger, and a fixed algorithm keeps a seed's walks the same across
/// versions of any crate.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How a walk chooses among the steps offered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Weighting {
    /// Every step offered is equally likely.
    #[default]
    Uniform,
    /// Rare events first: a step is chosen with a weight of 1 / (1 + the number of
    /// times a step of its kind was taken in the earlier walks of the same
    /// sampler), so the kinds that uniform walks seldom reach (a late sign-out,
    /// a second socket drop, a hang) come up as often as the common ones.
    Rare,
}

/// The kind of an event: its variant, without its data.
fn kind(event: &Event) -> String {
    let debug = format!("{event:?}");
    debug
        .split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Draws walks from one model.
pub struct Sampler<'a> {
    model: &'a AuthModel,
    rng: Rng,
    weighting: Weighting,
    max_steps: usize,
    /// How often each kind of event was taken, for [`Weighting::Rare`].
    taken: HashMap<String, u64>,
}

impl<'a> Sampler<'a> {
    pub fn new(model: &'a AuthModel, seed: u64, weighting: Weighting, max_steps: usize) -> Self {
        Sampler {
            model,
            rng: Rng::new(seed),
            weighting,
            max_steps,
            taken: HashMap::new(),
        }
    }

    /// The next walk.
    pub fn walk(&mut self) -> IndexPath {
        let model = self.model;
        let weighting = self.weighting;
        let (rng, taken) = (&mut self.rng, &mut self.taken);
        walk(model, self.max_steps, |state, actions, effective| {
            let pick = match weighting {
                Weighting::Uniform => effective[rng.below(effective.len())],
                Weighting::Rare => {
                    let weights: Vec<f64> = effective
                        .iter()
                        .map(|&i| {
                            let k = kind(&Event::of(state, &actions[i]));
                            1.0 / (1.0 + *taken.get(&k).unwrap_or(&0) as f64)
                        })
                        .collect();
                    let mut x = rng.unit() * weights.iter().sum::<f64>();
                    let mut pick = *effective.last().expect("not empty");
                    for (&i, w) in effective.iter().zip(&weights) {
                        if x < *w {
                            pick = i;
                            break;
                        }
                        x -= w;
                    }
                    pick
                }
            };
            if weighting == Weighting::Rare {
                *taken
                    .entry(kind(&Event::of(state, &actions[pick])))
                    .or_default() += 1;
            }
            pick
        })
    }
}

/// A walk of at most `steps` steps from the initial state: at each state `choose`
/// picks one of the effective actions (their indices into `actions`, never
/// empty); the walk ends early where nothing is left to happen.
pub fn walk(
    model: &AuthModel,
    steps: usize,
    mut choose: impl FnMut(&SystemState, &[SystemAction], &[usize]) -> usize,
) -> IndexPath {
    let mut state = model.init_states().remove(0);
    let mut path = IndexPath {
        init: 0,
        actions: Vec::new(),
    };
    let mut actions = Vec::new();
    for _ in 0..steps {
        actions.clear();
        model.actions(&state, &mut actions);
        let effective: Vec<usize> = (0..actions.len())
            .filter(|&i| model.next_state(&state, actions[i].clone()).is_some())
            .collect();
        if effective.is_empty() {
            break;
        }
        let pick = choose(&state, &actions, &effective);
        state = model
            .next_state(&state, actions[pick].clone())
            .expect("effective");
        path.actions.push(pick);
    }
    path
}

/// The events of a path, in order; None if the path does not replay.
pub fn events_of(model: &AuthModel, path: &IndexPath) -> Option<Vec<Event>> {
    let states = path.replay(model)?;
    Some(
        states
            .iter()
            .filter_map(|(s, a)| a.as_ref().map(|a| Event::of(s, a)))
            .collect(),
    )
}

/// The path that takes exactly these events from the initial state, if the model
/// offers each of them in turn.
pub fn path_of_events(model: &AuthModel, events: &[Event]) -> Option<IndexPath> {
    let mut state = model.init_states().remove(0);
    let mut path = IndexPath {
        init: 0,
        actions: Vec::new(),
    };
    let mut actions = Vec::new();
    for wanted in events {
        actions.clear();
        model.actions(&state, &mut actions);
        let (ix, next) = actions.iter().enumerate().find_map(|(i, a)| {
            (Event::of(&state, a) == *wanted)
                .then(|| model.next_state(&state, a.clone()).map(|n| (i, n)))
                .flatten()
        })?;
        path.actions.push(ix);
        state = next;
    }
    Some(path)
}

/// Shrinks a failing path: `fails` replays a candidate and says whether it still
/// fails, and with the failure at which step (the length of the prefix that shows
/// it). First the path is cut after the failing step; then single events are left
/// out, latest first, as long as the model still offers the rest in order and the
/// replay still fails; every success cuts the path again. At most `budget` calls
/// of `fails`. Returns the shortest failing path found (the given one, cut, at
/// worst).
pub fn shrink(
    model: &AuthModel,
    path: &IndexPath,
    failing_prefix: usize,
    budget: usize,
    mut fails: impl FnMut(&IndexPath) -> Option<usize>,
) -> IndexPath {
    let cut = |p: &IndexPath, len: usize| IndexPath {
        init: p.init,
        actions: p.actions[..len.min(p.actions.len())].to_vec(),
    };
    let mut best = cut(path, failing_prefix);
    let mut calls = 0;
    let mut i = best.actions.len();
    while i > 0 && calls < budget {
        i -= 1;
        let Some(mut events) = events_of(model, &best) else {
            break;
        };
        if i >= events.len() {
            continue;
        }
        events.remove(i);
        let Some(candidate) = path_of_events(model, &events) else {
            continue;
        };
        calls += 1;
        if let Some(at) = fails(&candidate) {
            best = cut(&candidate, at);
            i = i.min(best.actions.len());
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A world with faults of every kind: transient IdP failures, socket drops,
    /// sign-out, a hidden tab.
    fn model() -> AuthModel {
        let check = crate::check::CheckFile::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../checks/docs-custom-transient-failure.toml"
        )))
        .unwrap();
        crate::model::build(&check.scenario)
    }

    #[test]
    fn a_seed_draws_the_same_walks_every_time() {
        let m = model();
        let draw = |seed| {
            let mut s = Sampler::new(&m, seed, Weighting::Uniform, 40);
            (0..5).map(|_| s.walk().encode()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        for w in draw(7) {
            let path = IndexPath::decode(&w).unwrap();
            assert!(path.replay(&m).is_some(), "{w}");
            assert!(!path.actions.is_empty());
        }
    }

    #[test]
    fn rare_weighting_reaches_more_kinds_of_event_than_uniform() {
        let m = model();
        // How often the rarest kind of event comes up, per walk.
        let rarest = |weighting| {
            let mut s = Sampler::new(&m, 3, weighting, 30);
            let mut seen: HashMap<String, u64> = HashMap::new();
            for _ in 0..200 {
                for e in events_of(&m, &s.walk()).unwrap() {
                    *seen.entry(kind(&e)).or_default() += 1;
                }
            }
            (seen.len(), *seen.values().min().unwrap())
        };
        let (uniform_kinds, uniform_rarest) = rarest(Weighting::Uniform);
        let (rare_kinds, rare_rarest) = rarest(Weighting::Rare);
        assert!(rare_kinds >= uniform_kinds);
        assert!(rare_rarest > uniform_rarest);
    }

    #[test]
    fn events_give_back_their_path() {
        let m = model();
        let mut s = Sampler::new(&m, 11, Weighting::Uniform, 50);
        for _ in 0..10 {
            let path = s.walk();
            let events = events_of(&m, &path).unwrap();
            let again = path_of_events(&m, &events).unwrap();
            assert_eq!(events_of(&m, &again).unwrap(), events);
        }
    }

    /// A "failure" that is a certain event: shrinking keeps it and drops what
    /// comes after it and whatever it does not need before it.
    #[test]
    fn shrinking_keeps_the_failure_and_drops_the_rest() {
        let m = model();
        let is_target = |e: &Event| matches!(e, Event::ScheduledRefetchFired);
        let mut s = Sampler::new(&m, 5, Weighting::Uniform, 80);
        let path = (0..200)
            .map(|_| s.walk())
            .find(|p| events_of(&m, p).unwrap().iter().any(is_target))
            .expect("some walk fires the refetch timer");
        let fails = |p: &IndexPath| {
            events_of(&m, p)
                .unwrap()
                .iter()
                .position(is_target)
                .map(|at| at + 1)
        };
        let first = fails(&path).unwrap();
        let shrunk = shrink(&m, &path, first, 1000, fails);
        assert!(shrunk.actions.len() <= first, "{}", shrunk.encode());
        let events = events_of(&m, &shrunk).unwrap();
        assert!(is_target(events.last().unwrap()), "{events:?}");
        // Nothing else can go: every shorter candidate loses the event.
        for i in 0..events.len() - 1 {
            let mut fewer = events.clone();
            fewer.remove(i);
            if let Some(p) = path_of_events(&m, &fewer) {
                assert!(fails(&p).is_none(), "{i} of {events:?}");
            }
        }
    }
}
