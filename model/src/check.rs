//! Check files: a scenario plus the verdict expected for each property, with the
//! real issues it reproduces. `checks/*.toml` deserialize into [`CheckFile`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub mod cache;

use crate::adapters::Adapter;
use crate::config::{self, ClientRelease, Scenario};
use crate::engine::{self, IndexPath, LimitHit, Limits, Verdict};
use crate::engines::{native_property, StaterightModel};
use crate::model;
use crate::properties;

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
    /// Expected verdict per property slug (see `list`). The file lists the
    /// violated ones (`violated = ["stuck", …]`) and every other property is
    /// expected to hold; one verdict per property (`stuck = "violated"`, …, all of
    /// them) is read too.
    #[serde(deserialize_with = "expectations")]
    pub expect: BTreeMap<String, Expected>,
    /// The catalogued bug this check shows, or shows fixed (`catalogue`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bug: Option<BugRef>,
}

/// One entry of a check file's `[expect]` table: a property's verdict, or the
/// list of violated properties under the key `violated`.
enum ExpectEntry {
    Verdict(Expected),
    List(Vec<String>),
}

impl<'de> Deserialize<'de> for ExpectEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entry;
        impl<'de> serde::de::Visitor<'de> for Entry {
            type Value = ExpectEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"holds\" or \"violated\" (or, as `violated`, a list of properties)")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<ExpectEntry, E> {
                match s {
                    "holds" => Ok(ExpectEntry::Verdict(Expected::Holds)),
                    "violated" => Ok(ExpectEntry::Verdict(Expected::Violated)),
                    other => Err(E::unknown_variant(other, &["holds", "violated"])),
                }
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ExpectEntry, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(ExpectEntry::List(names))
            }
        }
        d.deserialize_any(Entry)
    }
}

/// A check file's `[expect]` table as one verdict per property: from
/// `violated = [...]` (every property not listed holds), or as written out.
fn expectations<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Expected>, D::Error> {
    use serde::de::Error;
    let entries = BTreeMap::<String, ExpectEntry>::deserialize(d)?;
    let known: Vec<&str> = properties::all().iter().map(|p| p.slug).collect();
    let mut listed = None;
    let mut verdicts = BTreeMap::new();
    for (key, entry) in entries {
        match (key.as_str(), entry) {
            ("violated", ExpectEntry::List(names)) => listed = Some(names),
            ("violated", ExpectEntry::Verdict(_)) => {
                return Err(D::Error::custom(
                    "`violated` is the list of violated properties, e.g. violated = [\"stuck\"]",
                ))
            }
            (_, ExpectEntry::List(_)) => {
                return Err(D::Error::custom(format!(
                "{key}: a list is only for `violated`; a property takes \"holds\" or \"violated\""
            )))
            }
            (_, ExpectEntry::Verdict(v)) => {
                verdicts.insert(key, v);
            }
        }
    }
    let Some(violated) = listed else {
        return Ok(verdicts);
    };
    if let Some(key) = verdicts.keys().next() {
        return Err(D::Error::custom(format!(
            "{key}: give either `violated = [...]` or one verdict per property, not both"
        )));
    }
    if let Some(unknown) = violated.iter().find(|n| !known.contains(&n.as_str())) {
        return Err(D::Error::custom(format!(
            "violated: unknown property {unknown:?}; expected one of {}",
            known.join(", ")
        )));
    }
    Ok(known
        .iter()
        .map(|slug| {
            let verdict = if violated.iter().any(|n| n == slug) {
                Expected::Violated
            } else {
                Expected::Holds
            };
            (slug.to_string(), verdict)
        })
        .collect())
}

/// What a check is to its bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs where the bug is: the bug's properties are violated.
    Affected,
    /// The twin on the fix: the bug's properties hold.
    Fix,
}

/// A check file's `[bug]` table: the catalogued bug (`catalogue`) it shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BugRef {
    pub number: u8,
    pub role: Role,
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
        let bytes = std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            let (line, column) = line_and_column(valid, valid.len());
            err(format!(
                "syntax error at line {line}, column {column}: not UTF-8"
            ))
        })?;
        CheckFile::parse(text).map_err(err)
    }

    /// Parses and validates the text of a check file. An error is one line,
    /// `<field path>: <problem>; <valid choices or range>`, or names the line and
    /// column of a syntax error.
    pub fn parse(text: &str) -> Result<CheckFile, String> {
        let check: CheckFile = serde_path_to_error::deserialize(toml::Deserializer::new(text))
            .map_err(|e| one_line(&describe_toml_error(&e, text)))?;
        check.validate().map_err(|e| one_line(&e))?;
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
                "expect: no verdict for {}; list the violated properties (violated = [...]; every other one holds), or give every property \"holds\" or \"violated\"",
                missing.join(", ")
            ));
        }
        self.scenario.validate()
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
    let message = match inner.message().trim() {
        "" => "invalid or missing value".to_string(),
        "wanted string or table" => "not a string".to_string(),
        m => m.replace('\n', "; "),
    };
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
    let (problem, expected) = match message.split_once(", expected ") {
        Some((problem, expected)) => (problem, format!("expected {expected}")),
        None => (message.as_str(), String::new()),
    };
    let choices = choices_of(&path).unwrap_or(expected);
    let line = line_col.map_or(String::new(), |(line, _)| format!(" (line {line})"));
    if choices.is_empty() {
        format!("{path}: {problem}{line}")
    } else {
        format!("{path}: {problem}; {choices}{line}")
    }
}

/// The values a field accepts, for the fields that have a fixed set or a range.
fn choices_of(path: &str) -> Option<String> {
    let one_of = |names: Vec<&str>| Some(format!("expected one of {}", names.join(", ")));
    match path {
        "scenario.adapter" => one_of(
            Adapter::ALL
                .iter()
                .chain([&Adapter::Custom])
                .map(|a| a.name())
                .collect(),
        ),
        "scenario.client" => one_of(ClientRelease::ALL.iter().map(|c| c.name()).collect()),
        "expect.violated" => {
            Some("expected the list of violated properties, e.g. violated = [\"stuck\"]".into())
        }
        _ if path.starts_with("expect.") => Some("expected \"holds\" or \"violated\"".into()),
        _ => config::knobs()
            .into_iter()
            .find(|k| path.strip_prefix("scenario.") == Some(k.key))
            .and_then(|k| {
                k.max
                    .map(|max| format!("expected a whole number {}..={max}", k.min))
            }),
    }
}

/// `message` with control characters (from keys or values quoted in it) escaped, so
/// that it stays on one line.
fn one_line(message: &str) -> String {
    message
        .chars()
        .map(|c| match c {
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                c.escape_default().to_string()
            }
            c => c.to_string(),
        })
        .collect()
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
    /// Per liveness property judged on the complete graph: its doomed states
    /// (empty when it holds), for `StaterightModel::with_doomed_states`.
    pub fn doomed_states(&self) -> Vec<(&'static str, &[u64])> {
        self.properties
            .iter()
            .filter(|p| p.method == engine::Kind::Eventually.method())
            .filter(|p| p.verdict != Verdict::Inconclusive)
            .map(|p| (p.slug, p.doomed.as_slice()))
            .collect()
    }

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

/// Which exploration decides the verdicts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// This crate's engine: shortest witnesses, doomed-state liveness.
    #[default]
    Native,
    /// stateright 0.31's own BFS checker, for comparison.
    Stateright,
}

/// Explores the check's scenario with `engine` on `threads` threads and compares
/// each verdict with the expectation.
pub fn run_with(check: &CheckFile, limits: Limits, engine: Engine, threads: usize) -> CheckResult {
    match engine {
        Engine::Native => run_with_progress(check, limits, threads, &mut |_| {}),
        Engine::Stateright => run_stateright_with_threads(check, limits, threads),
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

/// The check with stateright's BFS checker on `threads` worker threads (at least
/// 1). Its traces may be longer than the shortest, and its `Eventually` sees only
/// dead ends.
pub fn run_stateright_with_threads(
    check: &CheckFile,
    limits: Limits,
    threads: usize,
) -> CheckResult {
    use stateright::{Checker, Model};
    let model = model::build(&check.scenario);
    let started = std::time::Instant::now();
    let mut builder = StaterightModel::new(model.clone())
        .checker()
        .threads(threads.max(1));
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
    run_with_progress(check, limits, 1, &mut |_| {})
}

/// [`run`] with this crate's engine on `threads` threads (the same result
/// whatever their number), reporting progress as it explores.
pub fn run_with_progress(
    check: &CheckFile,
    limits: Limits,
    threads: usize,
    progress: &mut dyn FnMut(&engine::Progress),
) -> CheckResult {
    cache::explore_shared(check, limits, || {
        run_model(
            check,
            &model::build(&check.scenario),
            limits,
            threads,
            progress,
        )
    })
}

/// [`run_with_progress`] on a given model of the check's scenario (the
/// equivalence test runs it on the absolute clock).
pub fn run_model(
    check: &CheckFile,
    model: &model::AuthModel,
    limits: Limits,
    threads: usize,
    progress: &mut dyn FnMut(&engine::Progress),
) -> CheckResult {
    let defs = properties::all();
    let props: Vec<_> = defs.iter().map(native_property).collect();
    let outcome = engine::explore_with_progress(model, &props, limits, threads, progress);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{knobs, MAX_ESTIMATED_STATES};

    /// A valid check file named `name` with `scenario` as its `[scenario…]` tables.
    fn text(name: &str, scenario: &str) -> String {
        let expect: String = properties::all()
            .iter()
            .map(|p| format!("{} = \"holds\"\n", p.slug))
            .collect();
        format!(
            "name = {name:?}\ndescription = \"d\"\nsources = [\"s\"]\n{scenario}\n[expect]\n{expect}"
        )
    }

    /// The scenario table that sets one knob (`bounds.ticks`) to `value`.
    fn setting(key: &str, value: impl fmt::Display) -> String {
        let (table, leaf) = key.split_once('.').unwrap();
        format!("[scenario.{table}]\n{leaf} = {value}\n")
    }

    /// The same check with its `[expect]` table as `table`.
    fn with_expect(table: &str) -> Result<CheckFile, String> {
        let plain = text("x", "");
        let (head, _) = plain.split_once("[expect]").unwrap();
        CheckFile::parse(&format!("{head}[expect]\n{table}\n"))
    }

    #[test]
    fn expect_lists_the_violated_properties_and_the_rest_hold() {
        let check = with_expect(r#"violated = ["stuck", "flash"]"#).unwrap();
        for p in properties::all() {
            let expected = if ["stuck", "flash"].contains(&p.slug) {
                Expected::Violated
            } else {
                Expected::Holds
            };
            assert_eq!(check.expect[p.slug], expected, "{}", p.slug);
        }
        let none = with_expect("violated = []").unwrap();
        assert!(none.expect.values().all(|e| *e == Expected::Holds));
        // The written-out form reads the same.
        let written: String = properties::all()
            .iter()
            .map(|p| {
                let v = if ["stuck", "flash"].contains(&p.slug) {
                    "violated"
                } else {
                    "holds"
                };
                format!("{} = \"{v}\"\n", p.slug)
            })
            .collect();
        assert_eq!(with_expect(&written).unwrap().expect, check.expect);
    }

    #[test]
    fn a_bad_expect_table_is_one_line_naming_the_field() {
        for (table, needle) in [
            (
                r#"violated = ["stuk"]"#,
                "unknown property \"stuk\"; expected one of stuck,",
            ),
            (
                r#"violated = ["stuck"]
flash = "holds""#,
                "not both",
            ),
            (
                r#"violated = "stuck""#,
                "expect.violated: unknown variant `stuck`; expected the list",
            ),
            (r#"violated = "holds""#, "`violated` is the list"),
            (r#"stuck = ["x"]"#, "a list is only for `violated`"),
            (r#"stuck = "maybe""#, "expect.stuck"),
            ("", "expect: no verdict for stuck"),
        ] {
            let err = with_expect(table).unwrap_err();
            assert!(err.contains(needle), "{table:?}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn check_names_are_slugs() {
        for good in ["a", "0", "happy-path", "v1.2-x", &"a".repeat(64)] {
            assert!(CheckFile::parse(&text(good, "")).is_ok(), "{good:?}");
        }
        let long = "a".repeat(65);
        for bad in [
            "", ".", "..", ".hidden", "-x", "a/b", "../x", "a_b", "Upper", "a b", "é", &long,
        ] {
            let err = CheckFile::parse(&text(bad, "")).unwrap_err();
            assert!(
                err.starts_with("name: ") && err.contains("not a slug"),
                "{bad:?}: {err}"
            );
            assert!(err.contains("a-z, 0-9"), "the rule: {err}");
        }
    }

    #[test]
    fn every_numeric_knob_has_an_enforced_maximum() {
        let defaults = Scenario::default();
        let numeric: Vec<_> = knobs().into_iter().filter(|k| k.max.is_some()).collect();
        for key in [
            "bounds.ticks",
            "bounds.token_lifetime",
            "bounds.refetch_leeway",
            "bounds.idp_refresh_buffer",
            "bounds.queries",
            "bounds.storm_bound",
            "switches.token_confirmation_retries",
            "faults.refresh_failures",
            "faults.data_changes",
            "faults.socket_drops",
            "faults.tab_hides",
            "faults.sign_outs",
        ] {
            assert!(numeric.iter().any(|k| k.key == key), "{key} has no maximum");
        }
        for knob in numeric {
            let max = knob.max.unwrap().of(&defaults);
            let at_max = CheckFile::parse(&text("t", &setting(knob.key, max)));
            match at_max {
                Ok(check) => assert!(knob.check(&check.scenario).is_ok()),
                // Too big a space, or a combination the model cannot show (one
                // line naming the knob).
                Err(e) => assert!(
                    e.starts_with("scenario: about") || e.starts_with("scenario.app."),
                    "{}: {e}",
                    knob.key
                ),
            }
            let err =
                CheckFile::parse(&text("t", &setting(knob.key, u16::from(max) + 1))).unwrap_err();
            assert!(
                err.starts_with(&format!("scenario.{}: ", knob.key))
                    && err.contains(&format!("..={max}")),
                "{}: {err}",
                knob.key
            );
        }
    }

    #[test]
    fn the_maxima_chosen() {
        let defaults = Scenario::default();
        let max = |key: &str| {
            let knob = knobs().into_iter().find(|k| k.key == key).unwrap();
            (knob.min, knob.max.unwrap().of(&defaults))
        };
        assert_eq!(max("bounds.ticks"), (0, 20));
        assert_eq!(max("bounds.token_lifetime"), (1, 20));
        assert_eq!(max("bounds.refetch_leeway"), (0, 2));
        assert_eq!(max("bounds.idp_refresh_buffer"), (0, 1));
        assert_eq!(max("bounds.queries"), (0, 5));
        assert_eq!(max("bounds.storm_bound"), (0, 50));
        assert_eq!(max("switches.token_confirmation_retries"), (0, 5));
        assert_eq!(max("faults.socket_drops"), (0, 5));
        assert_eq!(max("faults.sign_outs"), (0, 3));
    }

    #[test]
    fn a_refresh_buffer_as_long_as_the_lifetime_is_refused() {
        // The default buffer (1) with a lifetime of 1: AuthKit would refresh on every
        // fetch and mint tokens without end.
        let err = CheckFile::parse(&text("t", &setting("bounds.token_lifetime", 1))).unwrap_err();
        assert!(
            err.starts_with("scenario.bounds.idp_refresh_buffer: 1 is out of range; 0..=0"),
            "{err}"
        );
        let err = CheckFile::parse(&text("t", &setting("bounds.token_lifetime", 0))).unwrap_err();
        assert!(err.starts_with("scenario.bounds.token_lifetime: 0 is out of range; 1..=20"));
    }

    #[test]
    fn an_absurd_estimate_is_refused_naming_the_knobs_behind_it() {
        let scenario =
            "[scenario.bounds]\nticks = 20\n[scenario.faults]\nsocket_drops = 5\ntab_hides = 5\n";
        let err = CheckFile::parse(&text("t", scenario)).unwrap_err();
        assert!(
            err.starts_with("scenario: about 1.3e17 unique states"),
            "{err}"
        );
        for knob in [
            "faults.socket_drops",
            "bounds.ticks",
            "faults.tab_hides",
            "1e9",
        ] {
            assert!(err.contains(knob), "{knob}: {err}");
        }
        let check = CheckFile::parse(&text("t", "")).unwrap();
        assert!(config::estimated_states(&check.scenario) < 1e4);
        let mut absurd = Scenario::default();
        absurd.faults.socket_drops = 255;
        absurd.faults.tab_hides = 255;
        assert!(config::check_estimate(&absurd).is_err(), "never NaN");
    }

    #[test]
    fn every_shipped_check_is_estimated_below_the_limit() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../checks");
        let files = files_in(&dir).unwrap();
        assert!(files.len() >= 7);
        for file in files {
            let check = CheckFile::load(&file).unwrap();
            let estimate = config::estimated_states(&check.scenario);
            assert!(
                estimate < MAX_ESTIMATED_STATES / 1000.0,
                "{}: {estimate:e}",
                check.name
            );
        }
    }

    #[test]
    fn toml_errors_are_one_line_with_field_choices_and_line() {
        let cases = [
            ("[scenario]\nadapter = \"okta\"\n", "scenario.adapter: unknown variant `okta`; expected one of workos-0.0.3, docs-custom, workos-pr529-cd91e8a, workos-pr529, clerk, clerk-convex-integration, auth0, better-auth, convex-auth, authkit-nextjs, authkit-nextjs-wake-fix, tanstack-start-2025, tanstack-start, recommended-workos, recommended-authkit-nextjs, recommended-tanstack-start, custom (line 5)"),
            ("[scenario]\nadapter = \"custom\"\n", "scenario.custom_adapter: adapter = \"custom\" needs a [scenario.custom_adapter] table"),
            ("[scenario.custom_adapter]\nforce = \"ignored\"\n", "scenario.custom_adapter: only for adapter = \"custom\", but adapter = \"workos-0.0.3\""),
            ("[scenario]\nadapter = \"custom\"\n[scenario.custom_adapter]\nforce = \"sometimes\"\n", "scenario.custom_adapter.force: unknown variant `sometimes`; expected `refreshes` or `ignored` (line 7)"),
            ("[scenario]\nadapter = \"custom\"\n[scenario.custom_adapter]\nforce = \"ignored\"\nretry_waits = true\n", "scenario.custom_adapter.retry_attempts: retry_attempts and retry_waits apply only with transient_error = \"retry\""),
            ("[scenario]\nadapter = \"clerk\"\n[scenario.faults]\nidp_outages = 1\n", "scenario.faults.idp_outages: clerk-js waits up to 50 s between its retries"),
            ("[scenario]\nadapter = 3\n", "scenario.adapter: not a string; expected one of workos-0.0.3"),
            ("[scenario]\nclient = \"2.0\"\n", "scenario.client: unknown variant `2.0`; expected one of 1.13.2, 1.14.0, 1.14.1"),
            ("[scenario.bounds]\nticks = 300\n", "scenario.bounds.ticks: invalid value: integer `300`; expected a whole number 0..=20 (line 5)"),
            ("[scenario.bounds]\nticks = -1\n", "scenario.bounds.ticks: invalid value: integer `-1`; expected a whole number 0..=20"),
            ("[scenario.bounds]\nticks = 2.5\n", "scenario.bounds.ticks: invalid type: floating point `2.5`; expected a whole number 0..=20"),
            ("[scenario.bounds]\ntickz = 3\n", "scenario.bounds.tickz: unknown field `tickz`; expected one of `ticks`"),
            ("[scenario.switches]\nfoo = true\n", "scenario.switches.foo: unknown field `foo`; expected one of `ignore_nonauth_autherror`"),
            ("[scenario.bounds]\nticks = 3\nticks = 4\n", "syntax error at line 6, column 1: duplicate key `ticks`"),
            ("[scenario.bounds]\nticks = \n", "syntax error at line 5, column 9: "),
            ("[scenario\n", "syntax error at line 4, column 10: invalid table header; expected"),
        ];
        for (scenario, expected) in cases {
            let err = CheckFile::parse(&text("t", scenario)).unwrap_err();
            assert!(
                err.starts_with(expected),
                "{scenario:?}:\n  {err}\n  {expected}"
            );
            assert!(!err.contains('\n'), "{err}");
        }
        let err = CheckFile::parse(&text("t", "").replace("stuck = \"holds\"", "stuck = \"hold\""))
            .unwrap_err();
        assert!(
            err.starts_with(
                "expect.stuck: unknown variant `hold`; expected \"holds\" or \"violated\""
            ),
            "{err}"
        );
        let err = CheckFile::parse(&text("t", "").replace("stuck =", "stuk =")).unwrap_err();
        assert!(
            err.starts_with("expect.stuk: unknown property; expected one of stuck, "),
            "{err}"
        );
        let err = CheckFile::parse("description = \"d\"").unwrap_err();
        assert!(err.starts_with("name: missing"), "{err}");
        let err = CheckFile::parse(&text("t", "\"a\\nb\" = 1\n")).unwrap_err();
        assert!(err.starts_with("a\\nb: unknown field"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_utf8_is_a_syntax_error_with_its_line() {
        let file = std::env::temp_dir().join(format!("not-utf8-{}.toml", std::process::id()));
        std::fs::write(&file, b"name = \"t\"\ndescription = \"\xff\"\n").unwrap();
        let err = CheckFile::load(&file).unwrap_err().to_string();
        let _ = std::fs::remove_file(&file);
        assert_eq!(
            err,
            format!(
                "{}: syntax error at line 2, column 16: not UTF-8",
                file.display()
            )
        );
    }
}
