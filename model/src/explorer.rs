//! The model as the stateright Explorer shows it: the same states and actions as
//! [`AuthModel`], with two differences so that the Explorer agrees with the CLI.
//!
//! * **Liveness as this crate's engine judges it.** stateright's `Eventually` is
//!   judged only at dead ends reached along the first path into a state, so after
//!   "Run to completion" the Explorer would say the #259 client is never stuck. For
//!   each liveness property whose doomed states the engine computed (the states
//!   from which its goal can no longer be reached), the Explorer instead checks
//!   the safety property "never in a doomed state": its counterexample is the
//!   path to the first doomed state, the one the CLI reports.
//! * **A readable state first.** The Explorer's state box shows the step's
//!   outcome unless "Complete State?" is ticked; here the outcome opens with what a
//!   developer observes — `useConvexAuth()`, the AuthenticationManager, the
//!   socket, the server's identity, the IdP — before the actor that moved.

use std::sync::OnceLock;

use stateright::{Model, Property};

use crate::check::CheckResult;
use crate::engine::{fingerprint, Kind};
use crate::model::{AuthModel, SystemAction, SystemState, View};
use crate::properties;
use crate::trace::Observation;

/// The model served by `explore`.
#[derive(Clone)]
pub struct ExplorerModel {
    pub model: AuthModel,
    /// Per property of [`properties::ALL`], in order: the sorted fingerprints of its
    /// doomed states, or None to leave it to stateright's own judgement.
    doomed: Vec<Option<Vec<u64>>>,
}

impl ExplorerModel {
    /// The Explorer's model of a check, with the doomed states of `result` (a
    /// complete run of this crate's engine on the same model). A liveness property
    /// that holds gets an empty doomed set: "never doomed" then holds too.
    pub fn new(model: AuthModel, result: &CheckResult) -> ExplorerModel {
        let doomed = properties::ALL
            .iter()
            .map(|def| {
                let r = result.properties.iter().find(|p| p.slug == def.slug)?;
                let judged = r.verdict != crate::engine::Verdict::Inconclusive;
                (def.kind == Kind::Eventually && r.method == def.kind.method() && judged)
                    .then(|| r.doomed.clone())
            })
            .collect();
        ExplorerModel { model, doomed }
    }

    /// The name under which the Explorer lists a property.
    pub fn property_name(&self, index: usize) -> &'static str {
        let def = &properties::ALL[index];
        if self.doomed[index].is_some() {
            never_doomed_names()[index].as_str()
        } else {
            def.slug
        }
    }
}

/// "stuck: never in a doomed state (…)" for every property, built once.
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

/// What a developer observes of `state`, one line each.
pub fn summary(state: &SystemState) -> String {
    let o = Observation::of(state);
    let tab = View::of(state).tab;
    format!(
        "useConvexAuth()        {}\n\
         AuthenticationManager  {} (configVersion {})\n\
         WebSocket              {}\n\
         server identity        {}\n\
         IdP                    {}\n\
         clock                  t={}{}",
        o.use_convex_auth,
        o.auth_manager,
        o.config_version,
        o.socket,
        o.server_identity,
        o.idp,
        o.now,
        if tab.hidden { ", tab hidden" } else { "" },
    )
}

impl Model for ExplorerModel {
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

    /// The readable summary of the state after the step, then what the actor
    /// that moved did (stateright's own outcome).
    fn format_step(&self, state: &SystemState, action: SystemAction) -> Option<String> {
        let next = self.model.next_state(state, action.clone())?;
        let actor = self.model.format_step(state, action).unwrap_or_default();
        Some(format!("{}\n\n{actor}", summary(&next)))
    }

    fn as_svg(&self, path: stateright::Path<SystemState, SystemAction>) -> Option<String> {
        self.model.as_svg(path)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        const _: () = assert!(properties::ALL.len() == 11, "list every property below");
        vec![
            explorer_property::<0>(self),
            explorer_property::<1>(self),
            explorer_property::<2>(self),
            explorer_property::<3>(self),
            explorer_property::<4>(self),
            explorer_property::<5>(self),
            explorer_property::<6>(self),
            explorer_property::<7>(self),
            explorer_property::<8>(self),
            explorer_property::<9>(self),
            explorer_property::<10>(self),
        ]
    }

    fn within_boundary(&self, state: &SystemState) -> bool {
        self.model.within_boundary(state)
    }
}

fn condition<const I: usize>(m: &ExplorerModel, s: &SystemState) -> bool {
    (properties::ALL[I].holds)(m.model.scenario(), &View::of(s))
}

fn condition_or_successor<const I: usize>(m: &ExplorerModel, s: &SystemState) -> bool {
    condition::<I>(m, s) || !m.next_states(s).is_empty()
}

fn not_doomed<const I: usize>(m: &ExplorerModel, s: &SystemState) -> bool {
    m.doomed[I]
        .as_ref()
        .is_none_or(|d| d.binary_search(&fingerprint(s)).is_err())
}

fn explorer_property<const I: usize>(m: &ExplorerModel) -> Property<ExplorerModel> {
    let def = &properties::ALL[I];
    let name = m.property_name(I);
    match def.kind {
        Kind::Always => Property::always(name, condition::<I>),
        Kind::Sometimes => Property::sometimes(name, condition::<I>),
        Kind::AtEnd => Property::always(name, condition_or_successor::<I>),
        Kind::Eventually if m.doomed[I].is_some() => Property::always(name, not_doomed::<I>),
        Kind::Eventually => Property::eventually(name, condition::<I>),
    }
}
