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

/// The check files (`*.toml`) of a folder, sorted by path.
pub fn files_in(dir: &Path) -> Result<Vec<std::path::PathBuf>, CheckFileError> {
    let err = |message: String| CheckFileError {
        file: dir.display().to_string(),
        message,
    };
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| err(format!("cannot read: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

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
    /// How the verdict was decided ("bfs", "end-states", "doomed-states", or a
    /// stateright checker).
    pub method: &'static str,
    /// Steps to the violating (or example) state, if any.
    pub depth: Option<usize>,
    /// For a lasso that cycles, the state index where the loop starts.
    pub loop_start: Option<usize>,
    pub path: Option<IndexPath>,
}

impl PropertyResult {
    pub fn matches(&self) -> bool {
        self.expected.matches(self.verdict)
    }
}

impl CheckResult {
    /// The violated properties that have a counterexample path.
    pub fn violations(&self) -> impl Iterator<Item = (&PropertyResult, &IndexPath)> {
        self.properties
            .iter()
            .filter(|p| p.verdict == Verdict::Violated)
            .filter_map(|p| p.path.as_ref().map(|path| (p, path)))
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
    let property = engine::Property::new(def.slug, def.kind, move |m: &AuthModel, s| {
        holds(m.scenario(), &View::of(s))
    });
    match def.scope {
        Some(scope) => property.within(move |m: &AuthModel, s| scope(m.scenario(), &View::of(s))),
        None => property,
    }
}

/// Which exploration decides the verdicts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// This crate's engine: shortest witnesses, doomed-state liveness.
    #[default]
    Native,
    /// stateright 0.31's own BFS checker, for comparison.
    Stateright,
}

/// Explores the check's scenario with `engine` and compares each verdict with the
/// expectation.
pub fn run_with(check: &CheckFile, limits: Limits, engine: Engine) -> CheckResult {
    match engine {
        Engine::Native => run(check, limits),
        Engine::Stateright => run_stateright(check, limits),
    }
}

/// The same with stateright's BFS checker. Its traces may be longer than the
/// shortest, and its `Eventually` sees only dead ends.
fn run_stateright(check: &CheckFile, limits: Limits) -> CheckResult {
    use stateright::{Checker, Model};
    let model = model::build(&check.scenario);
    let started = std::time::Instant::now();
    let mut builder = model.clone().checker();
    if let Some(n) = limits.max_states {
        builder = builder.target_state_count(n);
    }
    if let Some(d) = limits.max_duration {
        builder = builder.timeout(d);
    }
    let checker = builder.spawn_bfs().join();
    let unique_states = checker.unique_state_count();
    let complete = limits.max_states.is_none_or(|n| unique_states < n)
        && limits.max_duration.is_none_or(|d| started.elapsed() < d);
    let discoveries = checker.discoveries();
    let properties = properties::all()
        .iter()
        .map(|def| {
            let path = discoveries.get(def.slug).map(|p| {
                let encoded = p.encode(&model);
                let mut parts = encoded.split('/').map(|x| x.parse::<usize>().unwrap_or(0));
                IndexPath {
                    init: parts.next().unwrap_or(0),
                    actions: parts.collect(),
                }
            });
            let verdict = Verdict::judge(def.kind, path.is_some(), complete);
            PropertyResult {
                slug: def.slug,
                tag: def.tag,
                name: def.name,
                expected: check.expect[def.slug],
                verdict,
                method: "stateright-bfs",
                depth: path.as_ref().map(|p| p.actions.len()),
                loop_start: None,
                path,
            }
        })
        .collect();
    CheckResult {
        unique_states,
        total_states: checker.state_count(),
        max_depth: checker.max_depth(),
        seconds: started.elapsed().as_secs_f64(),
        complete,
        properties,
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
            method: def.kind.method(),
            depth: o.depth,
            loop_start: o.loop_start,
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
