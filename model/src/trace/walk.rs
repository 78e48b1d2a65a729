//! A path through a check's model, replayed once on the absolute clock (real times
//! and token names; see [`crate::relative_time`]): each step with the action taken,
//! the event it is, the actor that took it, and the states before and after it.
//! Every rendering of a counterexample reads one walk: the JSON trace, the ITF
//! document, and the narrative with its Mermaid diagram.

use std::sync::Arc;

use stateright::actor::Id;

use crate::engine::IndexPath;
use crate::events::{in_words, Event};
use crate::model::AuthModel;
use crate::view::{SystemAction, SystemState};

/// A replayed path: its initial state and its steps. Consecutive steps share the
/// state between them (one step's `after` is the next one's `before`).
#[derive(Clone, Debug)]
pub struct Walk {
    /// The path the walk replays (the Explorer's `#/steps/<path>`).
    pub path: IndexPath,
    /// The state before the first step.
    pub initial: Arc<SystemState>,
    pub steps: Vec<WalkStep>,
}

/// One step of a walk.
#[derive(Clone, Debug)]
pub struct WalkStep {
    /// Its number: 1 for the first step (state 0 is the walk's initial state).
    pub index: usize,
    pub action: SystemAction,
    pub event: Event,
    /// The actor that took the step.
    pub actor: Id,
    /// The event in words, as the JSON trace and the ITF action labels show it.
    pub event_in_words: String,
    pub before: Arc<SystemState>,
    pub after: Arc<SystemState>,
}

impl Walk {
    /// Replays `path` on `model`'s absolute clock. None if the path does not
    /// replay on this model.
    pub fn of(model: &AuthModel, path: &IndexPath) -> Option<Walk> {
        let mut replayed = path.replay(&model.absolute())?.into_iter();
        let (first, mut action) = replayed.next()?;
        let initial = Arc::new(first);
        let mut before = Arc::clone(&initial);
        let mut steps = Vec::with_capacity(replayed.len());
        for (state, next_action) in replayed {
            let taken = action.expect("every state but the last has an action");
            let after = Arc::new(state);
            let event = Event::of(&before, &taken);
            let (actor, event_in_words) = in_words(&event);
            steps.push(WalkStep {
                index: steps.len() + 1,
                action: taken,
                event,
                actor,
                event_in_words,
                before,
                after: Arc::clone(&after),
            });
            before = after;
            action = next_action;
        }
        Some(Walk {
            path: path.clone(),
            initial,
            steps,
        })
    }

    /// Every state of the walk in order: the initial state, then the state after
    /// each step (state k is after step k).
    pub fn states(&self) -> impl Iterator<Item = &SystemState> {
        std::iter::once(&*self.initial).chain(self.steps.iter().map(|s| &*s.after))
    }

    /// The state the walk ends in.
    pub fn last(&self) -> &SystemState {
        self.steps.last().map_or(&self.initial, |s| &s.after)
    }

    /// The walk as [`IndexPath::replay`] gives a path: each state with the action
    /// taken from it, None after the last. For whoever extends or rewrites the
    /// states (the replay plan completes a walk whose last call is unanswered).
    pub fn states_and_actions(&self) -> Vec<(SystemState, Option<SystemAction>)> {
        let mut states: Vec<_> = self
            .steps
            .iter()
            .map(|s| ((*s.before).clone(), Some(s.action.clone())))
            .collect();
        states.push((self.last().clone(), None));
        states
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckFile;

    /// The model of a small shipped check.
    fn small_model() -> AuthModel {
        let check = CheckFile::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../checks/workos-0.0.3-authkit-expiry.toml"
        )))
        .unwrap();
        crate::model::build(&check.scenario)
    }

    /// A walk holds the path's states once, in order, and gives them back exactly
    /// as the path replays.
    #[test]
    fn a_walk_is_the_replayed_path_with_shared_states() {
        let model = small_model();
        let path = IndexPath {
            init: 0,
            actions: vec![0, 0, 1, 0, 0],
        };
        let walk = Walk::of(&model, &path).expect("the path replays");
        let replayed = path.replay(&model.absolute()).unwrap();
        assert_eq!(walk.steps.len(), path.actions.len());
        assert_eq!(walk.states().count(), replayed.len());
        for (state, (replayed, _)) in walk.states().zip(&replayed) {
            assert!(state == replayed);
        }
        assert!(Arc::ptr_eq(&walk.initial, &walk.steps[0].before));
        for pair in walk.steps.windows(2) {
            assert!(Arc::ptr_eq(&pair[0].after, &pair[1].before));
        }
        for (i, step) in walk.steps.iter().enumerate() {
            assert_eq!(step.index, i + 1);
            assert_eq!(Some(&step.action), replayed[i].1.as_ref());
            assert_eq!(step.event, Event::of(&replayed[i].0, &step.action));
        }
        let back = walk.states_and_actions();
        assert_eq!(back.len(), replayed.len());
        assert!(back == replayed);
    }

    #[test]
    fn a_path_that_does_not_replay_has_no_walk() {
        let model = small_model();
        let path = IndexPath {
            init: 0,
            actions: vec![99],
        };
        assert!(Walk::of(&model, &path).is_none());
    }
}
