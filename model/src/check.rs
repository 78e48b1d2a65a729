//! Check files: a scenario plus the verdict expected for each property, with the
//! real issues it reproduces. `checks/*.toml` deserialize into [`CheckFile`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::{self, Scenario};
use crate::engine::{self, IndexPath, LimitHit, Limits, Verdict};
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

    /// Parses and validates the text of a check file. An error is one line,
    /// `<field path>: <problem>; <valid choices or range>`, or names the line and
    /// column of a syntax error.
    pub fn parse(text: &str) -> Result<CheckFile, String> {
        let check: CheckFile = serde_path_to_error::deserialize(toml::Deserializer::new(text))
            .map_err(|e| describe_toml_error(&e, text))?;
        check.validate()?;
        Ok(check)
    }

    fn validate(&self) -> Result<(), String> {
        if !is_slug(&self.name) {
            return Err(format!(
                "name: {:?} is not a slug; 1 to {MAX_NAME_LEN} characters of a-z, 0-9, '.' and '-', \
                 starting with a letter or digit (it names the output folder)",
                self.name
            ));
        }
        if self.sources.is_empty() {
            return Err(
                "sources: empty; name at least one URL of the real issue or code this check reproduces"
                    .into(),
            );
        }
        let known: Vec<&str> = properties::all().iter().map(|p| p.slug).collect();
        if let Some(unknown) = self.expect.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(format!(
                "expect.{unknown}: unknown property; expected one of {}",
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
                "expect: no verdict for {}; every property needs \"holds\" or \"violated\"",
                missing.join(", ")
            ));
        }
        for knob in config::knobs() {
            knob.check(&self.scenario)?;
        }
        config::check_estimate(&self.scenario)
    }
}

/// The longest check name: it names a folder.
const MAX_NAME_LEN: usize = 64;

/// `[a-z0-9][a-z0-9.-]*`, at most [`MAX_NAME_LEN`] characters: safe as a folder name
/// (never `.`, `..`, a path or a hidden file).
fn is_slug(name: &str) -> bool {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    name.len() <= MAX_NAME_LEN
        && name.chars().next().is_some_and(allowed)
        && name.chars().all(|c| allowed(c) || c == '.' || c == '-')
}

/// One line for a toml or serde error: the field path, toml's message with the
/// valid choices (or the knob's range) after a `;`, and the line it points at.
fn describe_toml_error(err: &serde_path_to_error::Error<toml::de::Error>, text: &str) -> String {
    let inner = err.inner();
    let message = inner
        .message()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let line_col = inner.span().map(|span| line_and_column(text, span.start));
    let path = err.path().to_string();
    if path == "." {
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
        {
            return format!(
                "{field}: missing; a check file needs name, description, sources and expect"
            );
        }
        return match line_col {
            Some((line, column)) => {
                format!("syntax error at line {line}, column {column}: {message}")
            }
            None => format!("syntax error: {message}"),
        };
    }
    let (problem, choices) = match message.split_once(", expected ") {
        Some((problem, expected)) => (problem.to_string(), format!("expected {expected}")),
        None => (message.clone(), String::new()),
    };
    let knob = config::knobs()
        .into_iter()
        .find(|k| path == format!("scenario.{}", k.key));
    let choices = match knob.and_then(|k| k.max.map(|max| (k.min, max))) {
        Some((min, max)) => format!("expected a whole number {min}..={max}"),
        None => choices,
    };
    let line = line_col.map_or(String::new(), |(line, _)| format!(" (line {line})"));
    if choices.is_empty() {
        format!("{path}: {problem}{line}")
    } else {
        format!("{path}: {problem}; {choices}{line}")
    }
}

/// The 1-based line and column of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
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
    /// For a violated eventually property: the engine fingerprints of its doomed
    /// states, sorted (what the Explorer serves as "never doomed").
    pub doomed: Vec<u64>,
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
    /// The limit that left verdicts inconclusive, if any.
    pub stopped_by: Option<LimitHit>,
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

/// Bytes per *total* state assumed when a memory cap is turned into a state cap
/// for stateright's BFS (measured: about 200 B per unique state, 2–3 total states
/// per unique one; this leaves room to spare).
const STATERIGHT_BYTES_PER_STATE: u64 = 400;

/// The cap on *total* states (stateright stops once the states it generated reach
/// its target) that stands for `limits` in stateright's checkers, with the limit
/// it stands for: `max_states`, or the memory cap at
/// [`STATERIGHT_BYTES_PER_STATE`], whichever is lower.
pub fn stateright_state_cap(limits: Limits) -> Option<(usize, LimitHit)> {
    let by_memory = limits.max_memory.map(|cap| {
        let states = (cap / STATERIGHT_BYTES_PER_STATE).max(1);
        (
            usize::try_from(states).unwrap_or(usize::MAX),
            LimitHit::Memory(cap),
        )
    });
    let by_count = limits.max_states.map(|n| (n, LimitHit::States(n)));
    match (by_count, by_memory) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// The same with stateright's BFS checker. Its traces may be longer than the
/// shortest, and its `Eventually` sees only dead ends.
fn run_stateright(check: &CheckFile, limits: Limits) -> CheckResult {
    use stateright::{Checker, Model};
    let model = model::build(&check.scenario);
    let started = std::time::Instant::now();
    let mut builder = model.clone().checker();
    let target = stateright_state_cap(limits);
    if let Some((n, _)) = target {
        builder = builder.target_state_count(n);
    }
    let timeout = limits.max_duration.map(|d| d.min(engine::MAX_DURATION));
    if let Some(d) = timeout {
        builder = builder.timeout(d);
    }
    let checker = builder.spawn_bfs().join();
    let unique_states = checker.unique_state_count();
    let total_states = checker.state_count();
    let stopped_by = match (target, timeout) {
        (Some((n, hit)), _) if total_states >= n => Some(hit),
        (_, Some(d)) if started.elapsed() >= d => Some(LimitHit::Duration(d)),
        _ => None,
    };
    let complete = stopped_by.is_none();
    let discoveries = checker.discoveries();
    let properties = properties::all()
        .iter()
        .map(|def| {
            let path = discoveries
                .get(def.slug)
                .map(|p| IndexPath::decode(&p.encode(&model)).expect("stateright encodes numbers"));
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
                doomed: Vec::new(),
            }
        })
        .collect();
    CheckResult {
        unique_states,
        total_states,
        max_depth: checker.max_depth(),
        seconds: started.elapsed().as_secs_f64(),
        complete,
        stopped_by,
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
            doomed: o.doomed,
        })
        .collect();
    CheckResult {
        unique_states: outcome.unique_states,
        total_states: outcome.total_states,
        max_depth: outcome.max_depth,
        seconds: outcome.duration.as_secs_f64(),
        complete: outcome.complete,
        stopped_by: outcome.stopped_by,
        properties,
    }
}
