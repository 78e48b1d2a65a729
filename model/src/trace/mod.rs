//! A counterexample (or example) as data: every step names the actor that acted, the
//! event in words, and the observable state after it. Written as
//! `<property>.trace.json` with a `format_version`.

pub mod itf;
pub mod narrative;
pub mod replay;

use serde::Serialize;

use crate::actors::actor_name;
use crate::check::PropertyResult;
use crate::engine::IndexPath;
pub use crate::events::in_words;
use crate::events::Event;
use crate::model::AuthModel;
pub use crate::view::Observation;
use crate::view::{SystemAction, SystemState};

/// The default port of `convex-auth-check explore`.
pub const DEFAULT_EXPLORER_PORT: u16 = 3000;

/// The stateright Explorer URL that opens exactly this path.
pub fn explorer_link(host: &str, port: u16, path: &IndexPath) -> String {
    format!("http://{host}:{port}/#/steps/{}", path.encode())
}

/// Version of the JSON trace schema.
pub const FORMAT_VERSION: u32 = 1;

/// One step of a trace.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub index: usize,
    pub actor: String,
    pub event: String,
    pub after: Observation,
}

/// A whole trace.
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    pub format_version: u32,
    pub check: String,
    pub property: String,
    pub tag: String,
    pub verdict: String,
    /// How the verdict was decided ("bfs", "end-states", "doomed-states", …).
    pub method: String,
    /// Steps up to the state that violates the property; for a liveness lasso, up
    /// to the first doomed state (the steps after it show what happens next).
    pub violation_at: Option<usize>,
    /// For a lasso that cycles: the index of the state where the loop starts (state 0
    /// is `initial`, state k is after step k); the last state equals it. None when
    /// the run stops for good (a dead end).
    pub loop_start: Option<usize>,
    /// The path as stateright's Explorer encodes it (`#/steps/<path>`).
    pub explorer_path: String,
    /// The scenario the path runs in: with `explorer_path` it rebuilds the run
    /// (`convex-auth-check replay`).
    pub scenario: crate::config::Scenario,
    /// The properties the real-side monitors watched when this path was replayed
    /// (`fuzz`); `replay` watches them again. Empty for counterexamples.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub monitored: Vec<String>,
    pub initial: Observation,
    pub steps: Vec<Step>,
}

/// Builds the trace of a property's witness, on the absolute clock (real times
/// and token names; see [`crate::relative_time`]). None if it has none or it
/// does not replay.
pub fn build(model: &AuthModel, check: &str, result: &PropertyResult) -> Option<Trace> {
    let mut trace = of_path(model, check, result.path.as_ref()?)?;
    trace.property = result.name.to_string();
    trace.tag = result.tag.to_string();
    trace.verdict = result.verdict.name().to_string();
    trace.method = result.method.to_string();
    trace.violation_at = result.depth;
    trace.loop_start = result.loop_start;
    Some(trace)
}

/// The trace of any path through a check's model, on the absolute clock, with no
/// property: the caller says what it shows. None if the path does not replay.
pub fn of_path(model: &AuthModel, check: &str, path: &IndexPath) -> Option<Trace> {
    let states = path.replay(&model.absolute())?;
    let initial = Observation::of(&states[0].0);
    let mut steps = Vec::new();
    for (i, window) in states.windows(2).enumerate() {
        let (before, action) = &window[0];
        let action = action
            .as_ref()
            .expect("every state but the last has an action");
        let (actor, event) = describe_action(before, action);
        steps.push(Step {
            index: i + 1,
            actor,
            event,
            after: Observation::of(&window[1].0),
        });
    }
    Some(Trace {
        format_version: FORMAT_VERSION,
        check: check.to_string(),
        property: String::new(),
        tag: String::new(),
        verdict: String::new(),
        method: String::new(),
        violation_at: None,
        loop_start: None,
        explorer_path: path.encode(),
        scenario: model.scenario().clone(),
        monitored: Vec::new(),
        initial,
        steps,
    })
}

/// The acting actor and the event in words, as the trace JSON and the ITF action
/// labels show a step.
pub fn describe_action(before: &SystemState, action: &SystemAction) -> (String, String) {
    let (actor, words) = in_words(&Event::of(before, action));
    (actor_name(actor).to_string(), words)
}
