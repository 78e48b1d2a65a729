//! Check files: a scenario plus the verdict expected for each property, with the
//! real issues it reproduces. `checks/*.toml` deserialize into [`CheckFile`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::Scenario;
use crate::engine::{self, IndexPath, Limits, Verdict};
use crate::model::{self, AuthModel, View};
use crate::properties::{self, PropertyDef};

/// What a check file expects of a property.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expected {
    Holds,
    Violated,
}

impl Expected {
    pub fn name(self) -> &'static str {
        match self {
            Expected::Holds => "holds",
            Expected::Violated => "violated",
        }
    }

    pub fn matches(self, verdict: Verdict) -> bool {
        matches!(
            (self, verdict),
            (Expected::Holds, Verdict::Holds) | (Expected::Violated, Verdict::Violated)
        )
    }
}

/// One check file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckFile {
    pub name: String,
    pub description: String,
    /// URLs of the real issues or code this check reproduces.
    pub sources: Vec<String>,
    #[serde(default)]
    pub scenario: Scenario,
    /// Expected verdict per property slug (see `list`).
    pub expect: BTreeMap<String, Expected>,
}

/// Why a check file cannot be used.
#[derive(Debug)]
pub struct CheckFileError {
    pub file: String,
    pub message: String,
}

impl fmt::Display for CheckFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

impl std::error::Error for CheckFileError {}

impl CheckFile {
    /// Reads and validates a check file.
    pub fn load(path: &Path) -> Result<CheckFile, CheckFileError> {
        let file = path.display().to_string();
        let err = |message: String| CheckFileError {
            file: file.clone(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
        CheckFile::parse(&text).map_err(err)
    }

    /// Parses and validates the text of a check file.
    pub fn parse(text: &str) -> Result<CheckFile, String> {
        let check: CheckFile = toml::from_str(text).map_err(|e| e.to_string())?;
        check.validate()?;
        Ok(check)
    }

    fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty()
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        {
            return Err(format!(
                "name {:?} must be non-empty and use only letters, digits, '-', '_' and '.' (it names a folder)",
                self.name
            ));
        }
        if self.sources.is_empty() {
            return Err(
                "sources is empty: name the real issue or code this check reproduces".into(),
            );
        }
        let known: Vec<&str> = properties::all().iter().map(|p| p.slug).collect();
        let unknown: Vec<&String> = self
            .expect
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .collect();
        if !unknown.is_empty() {
            return Err(format!(
                "[expect] names unknown properties {unknown:?}; known: {}",
                known.join(", ")
            ));
        }
        let missing: Vec<&str> = known
            .iter()
            .copied()
            .filter(|k| !self.expect.contains_key(*k))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "[expect] gives no verdict for {}; every property needs \"holds\" or \"violated\"",
                missing.join(", ")
            ));
        }
        let b = &self.scenario.bounds;
        if b.token_lifetime == 0 {
            return Err("bounds.token_lifetime must be at least 1".into());
        }
        if b.ticks > 20 || b.token_lifetime > 20 || b.queries > 5 || b.storm_bound > 50 {
            return Err(
                "bounds too large (ticks ≤ 20, token_lifetime ≤ 20, queries ≤ 5, storm_bound ≤ 50)"
                    .into(),
            );
        }
        let f = &self.scenario.faults;
        if f.refresh_failures > 5
            || f.data_changes > 5
            || f.socket_drops > 5
            || f.tab_hides > 5
            || f.sign_outs > 1
        {
            return Err("faults too large (each ≤ 5, sign_outs ≤ 1)".into());
        }
        Ok(())
    }
}

/// The result of one property in one check.
#[derive(Clone, Debug)]
pub struct PropertyResult {
    pub slug: &'static str,
    pub tag: &'static str,
    pub name: &'static str,
    pub expected: Expected,
    pub verdict: Verdict,
    /// Steps in the witness path, if any.
    pub depth: Option<usize>,
    pub path: Option<IndexPath>,
}

impl PropertyResult {
    pub fn matches(&self) -> bool {
        self.expected.matches(self.verdict)
    }
}

/// The result of one check.
#[derive(Clone, Debug)]
pub struct CheckResult {
    pub unique_states: usize,
    pub total_states: usize,
    pub max_depth: usize,
    pub seconds: f64,
    pub complete: bool,
    pub properties: Vec<PropertyResult>,
}

/// The engine's view of a property of the auth model.
pub fn engine_property(def: &PropertyDef) -> engine::Property<AuthModel> {
    let holds = def.holds;
    engine::Property {
        name: def.slug.to_string(),
        kind: def.kind,
        holds: Box::new(move |m: &AuthModel, s| holds(m.scenario(), &View::of(s))),
    }
}

/// Explores the check's scenario and compares each verdict with the expectation.
pub fn run(check: &CheckFile, limits: Limits) -> CheckResult {
    let model = model::build(&check.scenario);
    let defs = properties::all();
    let props: Vec<_> = defs.iter().map(engine_property).collect();
    let outcome = engine::explore(&model, &props, limits);
    tracing::debug!(
        check = %check.name,
        unique = outcome.unique_states,
        total = outcome.total_states,
        seconds = outcome.duration.as_secs_f64(),
        "explored"
    );
    let properties = defs
        .iter()
        .zip(outcome.properties)
        .map(|(def, o)| PropertyResult {
            slug: def.slug,
            tag: def.tag,
            name: def.name,
            expected: check.expect[def.slug],
            verdict: o.verdict,
            depth: o.path.as_ref().map(|p| p.actions.len()),
            path: o.path,
        })
        .collect();
    CheckResult {
        unique_states: outcome.unique_states,
        total_states: outcome.total_states,
        max_depth: outcome.max_depth,
        seconds: outcome.duration.as_secs_f64(),
        complete: outcome.complete,
        properties,
    }
}
