//! Every property of [`properties::ALL`] as each engine judges it: one adapter from
//! [`PropertyDef`] to this crate's engine ([`native_property`]) and to stateright's
//! checkers and Explorer ([`StaterightModel`]).
//!
//! stateright's `Eventually` is judged only at dead ends reached along the first
//! path into a state, so its "Run to completion" would call the #259 client live.
//! Given the doomed states this crate's engine computed for a liveness property
//! (the states from which its goal can no longer be reached), [`StaterightModel`]
//! serves it instead as the safety property "never in a doomed state", whose
//! counterexample is the path the CLI reports. Without them (`--engine
//! stateright`, or an unfinished exploration) stateright judges as it does.

use std::sync::OnceLock;

use stateright::{Expectation, Model, Property};

use crate::actors::actor_name;
use crate::engine::{self, fingerprint, Kind};
use crate::events::{in_words, Event};
use crate::model::AuthModel;
use crate::properties::{self, PropertyDef};
use crate::view::{summary, SystemAction, SystemState, View};

/// A property as this crate's engine judges it.
pub fn native_property(def: &PropertyDef) -> engine::Property<AuthModel> {
    let holds = def.holds;
    let property = engine::Property::new(def.slug, def.kind, move |m: &AuthModel, s| {
        holds(m.scenario(), &View::of(s))
    });
    match def.scope {
        Some(scope) => property.within(move |m: &AuthModel, s| scope(m.scenario(), &View::of(s))),
        None => property,
    }
}

/// The model as stateright's checkers and Explorer see it: the same states and
/// actions as [`AuthModel`], with the properties judged as the CLI judges them
/// where the doomed states are known, and steps that show a readable state first.
#[derive(Clone)]
pub struct StaterightModel {
    pub model: AuthModel,
    /// Per property of [`properties::ALL`], in order: the sorted fingerprints of its
    /// doomed states, or None to leave it to stateright's own judgement.
    doomed: Vec<Option<Vec<u64>>>,
}

impl StaterightModel {
    /// Every property judged by stateright alone (`--engine stateright`).
    pub fn new(model: AuthModel) -> StaterightModel {
        StaterightModel {
            model,
            doomed: vec![None; properties::ALL.len()],
        }
    }

    /// With the doomed states this crate's engine computed on the same model, per
    /// liveness property it judged (see `CheckResult::doomed_states`): each is
    /// served as "never doomed" (an empty set when it holds, so that holds too).
    pub fn with_doomed_states(model: AuthModel, judged: &[(&str, &[u64])]) -> StaterightModel {
        let doomed = properties::ALL
            .iter()
            .map(|def| {
                let (_, states) = judged.iter().find(|(slug, _)| *slug == def.slug)?;
                Some(states.to_vec())
            })
            .collect();
        StaterightModel { model, doomed }
    }
}

/// "stuck (STUCK): never in a state from which … can no longer happen", built once.
fn never_doomed_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        properties::ALL
            .iter()
            .map(|d| {
                format!(
                    "{} ({}): never in a state from which \"{}\" can no longer happen",
                    d.slug, d.tag, d.name
                )
            })
            .collect()
    })
}

/// Property `I` of [`properties::ALL`] in one state, as stateright checks it:
/// at-end as "holds, or is not at rest and has a successor", a liveness property with known doomed
/// states as "not doomed", everything else as its condition.
fn judge<const I: usize>(m: &StaterightModel, s: &SystemState) -> bool {
    let def = &properties::ALL[I];
    if let Some(doomed) = &m.doomed[I] {
        return doomed.binary_search(&fingerprint(s)).is_err();
    }
    let (scenario, view) = (m.model.scenario(), View::of(s));
    let holds = (def.holds)(scenario, &view);
    match def.kind {
        Kind::AtEnd => {
            let at_rest = def.scope.is_some_and(|scope| scope(scenario, &view));
            holds || (!at_rest && !m.next_states(s).is_empty())
        }
        _ => holds,
    }
}

/// [`judge`] for every property, in order.
const JUDGES: [fn(&StaterightModel, &SystemState) -> bool; 13] = [
    judge::<0>,
    judge::<1>,
    judge::<2>,
    judge::<3>,
    judge::<4>,
    judge::<5>,
    judge::<6>,
    judge::<7>,
    judge::<8>,
    judge::<9>,
    judge::<10>,
    judge::<11>,
    judge::<12>,
];
const _: () = assert!(JUDGES.len() == properties::ALL.len());

impl Model for StaterightModel {
    type State = SystemState;
    type Action = SystemAction;

    fn init_states(&self) -> Vec<SystemState> {
        self.model.init_states()
    }

    fn actions(&self, state: &SystemState, actions: &mut Vec<SystemAction>) {
        self.model.actions(state, actions)
    }

    fn next_state(&self, state: &SystemState, action: SystemAction) -> Option<SystemState> {
        self.model.next_state(state, action)
    }

    fn format_action(&self, action: &SystemAction) -> String {
        self.model.format_action(action)
    }

    /// What a developer observes after the step, the step as an event in words,
    /// then what the actor that moved did (stateright's own outcome): the
    /// Explorer's state box shows this unless "Complete State?" is ticked.
    fn format_step(&self, state: &SystemState, action: SystemAction) -> Option<String> {
        let next = self.model.next_state(state, action.clone())?;
        let (actor, words) = in_words(&Event::of(state, &action));
        let outcome = self.model.format_step(state, action).unwrap_or_default();
        Some(format!(
            "{}\n\nstep: {} {words}\n\n{outcome}",
            summary(&next),
            actor_name(actor)
        ))
    }

    fn as_svg(&self, path: stateright::Path<SystemState, SystemAction>) -> Option<String> {
        self.model.as_svg(path)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        properties::ALL
            .iter()
            .enumerate()
            .map(|(i, def)| {
                let (expectation, name) = match (def.kind, &self.doomed[i]) {
                    (Kind::Eventually, Some(_)) => {
                        (Expectation::Always, never_doomed_names()[i].as_str())
                    }
                    (Kind::Eventually, None) => (Expectation::Eventually, def.slug),
                    (Kind::Sometimes, _) => (Expectation::Sometimes, def.slug),
                    (Kind::Always | Kind::AtEnd, _) => (Expectation::Always, def.slug),
                };
                Property {
                    expectation,
                    name,
                    condition: JUDGES[i],
                }
            })
            .collect()
    }

    fn within_boundary(&self, state: &SystemState) -> bool {
        self.model.within_boundary(state)
    }
}
