//! A counterexample (or example) as data: every step names the actor that acted, the
//! event in words, and the observable state after it. Written as
//! `<property>.trace.json` with a `format_version`, and read back by `replay`.
//! Every rendering is made from one [`Walk`]: this trace, the ITF document
//! ([`itf`]) and the narrative with its Mermaid diagram ([`narrative`]).

pub mod itf;
pub mod narrative;
pub mod replay;
pub mod walk;

use serde::{Deserialize, Serialize};

use crate::actors::actor_name;
use crate::check::PropertyResult;
use crate::config::Scenario;
use crate::engine::IndexPath;
pub use crate::events::in_words;
pub use crate::view::Observation;
pub use walk::{Walk, WalkStep};

/// The default port of `convex-auth-check explore`.
pub const DEFAULT_EXPLORER_PORT: u16 = 3000;

/// The stateright Explorer URL that opens exactly this path.
pub fn explorer_link(host: &str, port: u16, path: &IndexPath) -> String {
    format!("http://{host}:{port}/#/steps/{}", path.encode())
}

/// Version of the JSON trace schema.
pub const FORMAT_VERSION: u32 = 1;

/// One step of a trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub index: usize,
    pub actor: String,
    pub event: String,
    pub after: Observation,
}

/// A whole trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    pub scenario: Scenario,
    /// The properties the real-side monitors watched when this path was replayed
    /// (`fuzz`); `replay` watches them again. Empty for counterexamples.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub monitored: Vec<String>,
    pub initial: Observation,
    pub steps: Vec<Step>,
}

/// The trace of a property's witness, as `walk` went: the path of `result`,
/// replayed on the absolute clock of `scenario`'s model.
pub fn build(check: &str, scenario: &Scenario, walk: &Walk, result: &PropertyResult) -> Trace {
    let mut trace = of_walk(check, scenario, walk);
    trace.property = result.name.to_string();
    trace.tag = result.tag.to_string();
    trace.verdict = result.verdict.name().to_string();
    trace.method = result.method.to_string();
    trace.violation_at = result.depth;
    trace.loop_start = result.loop_start;
    trace
}

/// The trace of any walk through `scenario`'s model, with no property: the caller
/// says what it shows.
pub fn of_walk(check: &str, scenario: &Scenario, walk: &Walk) -> Trace {
    Trace {
        format_version: FORMAT_VERSION,
        check: check.to_string(),
        property: String::new(),
        tag: String::new(),
        verdict: String::new(),
        method: String::new(),
        violation_at: None,
        loop_start: None,
        explorer_path: walk.path.encode(),
        scenario: scenario.clone(),
        monitored: Vec::new(),
        initial: Observation::of(&walk.initial),
        steps: walk
            .steps
            .iter()
            .map(|s| Step {
                index: s.index,
                actor: actor_name(s.actor).to_string(),
                event: s.event_in_words.clone(),
                after: Observation::of(&s.after),
            })
            .collect(),
    }
}

impl Trace {
    /// Reads a trace file's text (JSON): first its `format_version`, then, when this
    /// tool reads that version, the whole trace. An error is one line naming the
    /// field, e.g. `field "scenario.faults.sign_outs": invalid type: …`.
    pub fn from_json(text: &str) -> Result<Trace, String> {
        #[derive(Deserialize)]
        struct Versioned {
            #[serde(default)]
            format_version: serde_json::Value,
        }
        let versioned: Versioned = serde_json::from_str(text).map_err(|e| {
            if e.is_data() {
                "not a trace: a trace file is a JSON object with format_version, scenario, explorer_path, initial and steps".to_string()
            } else {
                format!("not JSON: {e}")
            }
        })?;
        if versioned.format_version != FORMAT_VERSION {
            return Err(format!(
                "field \"format_version\": {} is not a version this tool reads; valid: {FORMAT_VERSION}",
                versioned.format_version
            ));
        }
        let mut reader = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut reader).map_err(|e| match e.path().to_string() {
            root if root == "." => e.inner().to_string(),
            field => format!("field \"{field}\": {}", e.inner()),
        })
    }
}
