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
            root if root == "." => format!("not a trace: {}", e.inner()),
            field => format!("field \"{field}\": {}", e.inner()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckFile;

    /// The trace of a short walk through a small shipped check, as JSON.
    fn small_trace() -> (Trace, serde_json::Value) {
        let check = CheckFile::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../checks/workos-0.0.3-authkit-expiry.toml"
        )))
        .unwrap();
        let model = crate::model::build(&check.scenario);
        let path = IndexPath {
            init: 0,
            actions: vec![0, 0, 1],
        };
        let walk = Walk::of(&model, &path).unwrap();
        let trace = of_walk(&check.name, model.scenario(), &walk);
        let json = serde_json::to_value(&trace).unwrap();
        (trace, json)
    }

    #[test]
    fn a_written_trace_reads_back_as_the_same_trace() {
        let (trace, json) = small_trace();
        assert_eq!(trace.steps.len(), 3);
        assert_eq!(Trace::from_json(&json.to_string()), Ok(trace));
    }

    /// Bad input is one line naming the field and what is wrong with it.
    #[test]
    fn a_bad_trace_is_refused_naming_the_field() {
        let (_, json) = small_trace();
        type Edit = fn(&mut serde_json::Value);
        let cases: [(Edit, &str); 5] = [
            (
                |t| t["format_version"] = 2.into(),
                "field \"format_version\": 2 is not a version this tool reads; valid: 1",
            ),
            (
                |t| {
                    t.as_object_mut().unwrap().remove("format_version");
                },
                "field \"format_version\": null is not a version this tool reads; valid: 1",
            ),
            (
                |t| t["explorer_path"] = 5.into(),
                "field \"explorer_path\": invalid type: integer `5`, expected a string",
            ),
            (
                |t| t["scenario"]["faults"]["sign_outs"] = "x".into(),
                "field \"scenario.faults.sign_outs\": invalid type: string \"x\"",
            ),
            (
                |t| {
                    t.as_object_mut().unwrap().remove("steps");
                },
                "not a trace: missing field `steps`",
            ),
        ];
        for (edit, expected) in cases {
            let mut bad = json.clone();
            edit(&mut bad);
            let err = Trace::from_json(&bad.to_string()).unwrap_err();
            assert!(err.starts_with(expected), "{err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        for (text, expected) in [
            ("{", "not JSON: "),
            ("[1]", "not a trace: "),
            ("true", "not a trace: a trace file is a JSON object"),
        ] {
            let err = Trace::from_json(text).unwrap_err();
            assert!(err.starts_with(expected), "{err}");
        }
    }
}
