//! The adapters × faults table of the README's "If you hit #259": every adapter
//! row alone with each fault of the catalogue, in one world, and which properties
//! each combination violates.
//!
//! `checks/matrix/faults.toml` holds the world and the columns:
//!
//! - `adapters`: the rows, by adapter name (`list` shows them);
//! - `[base]`: a check file's `[scenario]` without its adapter (the client, the
//!   switches, the faults every column has);
//! - one `[[fault]]` per column: its `name`, and the tables it sets over the
//!   base's (`faults`, `app`, `switches`, `bounds`), merged key by key.
//!
//! Each cell is one check, validated like a check file: a bad field is one line
//! naming the column and the field. [`table`] renders the verdicts.

use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use crate::check::{self, CheckFile, CheckResult};
use crate::engine::{Kind, Limits, Verdict};
use crate::properties;

/// Where the matrix lives, relative to the checks folder.
pub const FILE: &str = "matrix/faults.toml";

/// One column: a fault, as the tables it sets over the base world.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Column {
    name: String,
    #[serde(default)]
    faults: toml::Table,
    #[serde(default)]
    app: toml::Table,
    #[serde(default)]
    switches: toml::Table,
    #[serde(default)]
    bounds: toml::Table,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    description: String,
    sources: Vec<String>,
    adapters: Vec<String>,
    base: toml::Table,
    fault: Vec<Column>,
}

/// The matrix: its rows, its columns, and one check per cell.
#[derive(Clone, Debug)]
pub struct Matrix {
    pub description: String,
    pub adapters: Vec<String>,
    pub faults: Vec<String>,
    /// `cells[row][column]`: the check, or why the model refuses this adapter
    /// with this fault (the check file's one-line error).
    pub cells: Vec<Vec<Result<CheckFile, String>>>,
}

impl Matrix {
    /// Reads `checks/matrix/faults.toml` (or the file at `path`) and builds every
    /// cell's check, with each of `switches` on in the base world. An error is one
    /// line: the file, then the field.
    pub fn load(path: &Path, switches: &[String]) -> Result<Matrix, String> {
        let file = path.display();
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("{file}: cannot read: {e}"))?;
        Matrix::parse(&text, switches).map_err(|e| format!("{file}: {e}"))
    }

    /// The matrix's worlds for one hook of the user's: one row, `adapter =
    /// "custom"` with `hook` as its `[scenario.custom_adapter]`, on `client`.
    /// On a release older than `expectAuth` the worlds are the same without
    /// it: an app on that release cannot ask for it.
    pub fn load_for_hook(
        path: &Path,
        hook: &crate::adapters::CustomAdapter,
        client: &str,
    ) -> Result<Matrix, String> {
        let file = path.display();
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("{file}: cannot read: {e}"))?;
        let mut f: File =
            toml::from_str(&text).map_err(|e| format!("{file}: {}", one_line(&e.to_string())))?;
        f.base
            .insert("client".into(), toml::Value::String(client.to_string()));
        let release = crate::config::ClientRelease::named(client);
        if release.is_some_and(|r| r < crate::config::ClientRelease::EXPECT_AUTH) {
            if let Some(toml::Value::Table(switches)) = f.base.get_mut("switches") {
                switches.remove("expect_auth");
            }
        }
        let table = toml::Table::try_from(hook).map_err(|e| e.to_string())?;
        f.base
            .insert("custom_adapter".into(), toml::Value::Table(table));
        f.adapters = vec!["custom".into()];
        let cells = vec![f.fault.iter().map(|c| cell(&f, "custom", c)).collect()];
        Ok(Matrix {
            description: f.description,
            adapters: f.adapters,
            faults: f.fault.into_iter().map(|c| c.name).collect(),
            cells,
        })
    }

    /// [`Matrix::load`] on the text of the file.
    pub fn parse(text: &str, switches: &[String]) -> Result<Matrix, String> {
        let mut f: File = toml::from_str(text).map_err(|e| one_line(&e.to_string()))?;
        if !switches.is_empty() {
            let base = f
                .base
                .entry("switches")
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            let toml::Value::Table(base) = base else {
                return Err("base.switches: not a table".into());
            };
            for name in switches {
                base.insert(name.clone(), toml::Value::Boolean(true));
            }
        }
        if f.adapters.is_empty() {
            return Err(
                "adapters: empty; name at least one adapter row (`list` shows them)".into(),
            );
        }
        if f.fault.is_empty() {
            return Err("fault: no [[fault]] column; add at least one".into());
        }
        if f.base.contains_key("adapter") {
            return Err("base.adapter: the rows name the adapters; remove it from [base]".into());
        }
        let cells: Vec<Vec<Result<CheckFile, String>>> = f
            .adapters
            .iter()
            .map(|adapter| f.fault.iter().map(|c| cell(&f, adapter, c)).collect())
            .collect();
        // An adapter the model does not know is a mistake in the file.
        for (adapter, row) in f.adapters.iter().zip(&cells) {
            if let Some(Err(e)) = row
                .iter()
                .find(|c| matches!(c, Err(e) if e.starts_with("scenario.adapter:")))
            {
                return Err(format!("adapters: {adapter:?}: {e}"));
            }
        }
        // So is a column the model refuses with every adapter; one it refuses
        // with some adapters is a combination it cannot describe ("n/a").
        for (i, column) in f.fault.iter().enumerate() {
            if cells.iter().all(|row| row[i].is_err()) {
                let e = cells[0][i].as_ref().unwrap_err();
                // A switch turned on from the command line is named as such.
                if let Some(name) = switches
                    .iter()
                    .find(|n| e.starts_with(&format!("scenario.switches.{n}:")))
                {
                    return Err(format!("--switch {name}: {e}"));
                }
                return Err(format!("fault[{i}] ({}): {e}", column.name));
            }
        }
        Ok(Matrix {
            description: f.description,
            adapters: f.adapters,
            faults: f.fault.into_iter().map(|c| c.name).collect(),
            cells,
        })
    }

    /// Runs every cell the model describes within `limits`; `progress` hears of
    /// each cell done.
    ///
    /// The cells are independent checks: they run side by side, one per
    /// core, and `progress` hears of each as it ends.
    pub fn run(
        &self,
        limits: Limits,
        progress: &mut dyn FnMut(&CheckFile, &CheckResult),
    ) -> Vec<Vec<Option<CheckResult>>> {
        self.run_within(&|_, _| limits, progress)
    }

    /// [`Matrix::run`] with each cell's own limits: `limits_of(row, column)`.
    pub fn run_within(
        &self,
        limits_of: &(dyn Fn(usize, usize) -> Limits + Sync),
        progress: &mut dyn FnMut(&CheckFile, &CheckResult),
    ) -> Vec<Vec<Option<CheckResult>>> {
        let mut results: Vec<Vec<Option<CheckResult>>> = self
            .cells
            .iter()
            .map(|row| row.iter().map(|_| None).collect())
            .collect();
        let jobs: Vec<(usize, usize, &CheckFile)> = self
            .cells
            .iter()
            .enumerate()
            .flat_map(|(r, row)| {
                row.iter()
                    .enumerate()
                    .filter_map(move |(c, cell)| Some((r, c, cell.as_ref().ok()?)))
            })
            .collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        std::thread::scope(|scope| {
            let (done, finished) = std::sync::mpsc::channel();
            for _ in 0..workers.min(jobs.len()) {
                let done = done.clone();
                let (jobs, next) = (&jobs, &next);
                scope.spawn(move || loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&(r, c, check)) = jobs.get(i) else {
                        break;
                    };
                    if done
                        .send((r, c, check::run(check, limits_of(r, c))))
                        .is_err()
                    {
                        break;
                    }
                });
            }
            drop(done);
            for (r, c, result) in finished {
                if let Ok(check) = &self.cells[r][c] {
                    progress(check, &result);
                }
                results[r][c] = Some(result);
            }
        });
        results
    }
}

/// One cell's check file: the base world with the adapter and the column's tables.
fn cell(f: &File, adapter: &str, column: &Column) -> Result<CheckFile, String> {
    let mut scenario = f.base.clone();
    scenario.insert("adapter".into(), toml::Value::String(adapter.into()));
    for (key, overlay) in [
        ("faults", &column.faults),
        ("app", &column.app),
        ("switches", &column.switches),
        ("bounds", &column.bounds),
    ] {
        if overlay.is_empty() {
            continue;
        }
        let table = scenario
            .entry(key)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let toml::Value::Table(table) = table else {
            return Err(format!("base.{key}: not a table"));
        };
        for (k, v) in overlay {
            table.insert(k.clone(), v.clone());
        }
    }
    let expect: toml::Table = properties::all()
        .iter()
        .map(|p| (p.slug.to_string(), toml::Value::String("holds".into())))
        .collect();
    let mut doc = toml::Table::new();
    doc.insert(
        "name".into(),
        slug(&format!("matrix-{adapter}-{}", column.name)).into(),
    );
    doc.insert("description".into(), f.description.clone().into());
    doc.insert(
        "sources".into(),
        toml::Value::Array(f.sources.iter().cloned().map(toml::Value::String).collect()),
    );
    doc.insert("scenario".into(), toml::Value::Table(scenario));
    doc.insert("expect".into(), toml::Value::Table(expect));
    let text = toml::to_string(&doc).map_err(|e| e.to_string())?;
    // Every property is expected to hold: the table reports the verdicts. A
    // syntax error's line would be the generated text's: it is left out.
    CheckFile::parse(&text).map_err(|e| match e.rsplit_once(" (line ") {
        Some((message, _)) => message.to_string(),
        None => e,
    })
}

/// A check name for a cell: lower case, one '-' for every run of other characters.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(64).collect()
}

fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// What one cell says: "holds" when every safety and liveness property holds
/// and every sanity property is reached; otherwise the tags of the violated
/// properties, the sanity properties not reached ("no S2"), or "inconclusive".
pub fn verdict(result: &CheckResult) -> String {
    let mut parts = Vec::new();
    for p in &result.properties {
        let kind = properties::all()
            .iter()
            .find(|d| d.slug == p.slug)
            .map(|d| d.kind);
        match (kind, p.verdict) {
            (_, Verdict::Inconclusive) => return "inconclusive".into(),
            (Some(Kind::Sometimes), Verdict::Violated) => parts.push(format!("no {}", p.tag)),
            (Some(Kind::Sometimes), _) | (_, Verdict::Holds) => {}
            (_, Verdict::Violated) => parts.push(p.tag.to_string()),
        }
    }
    if parts.is_empty() {
        "holds".into()
    } else {
        parts.join(" ")
    }
}

/// The Markdown table: one row per adapter, one column per fault; a cell the
/// model cannot describe says "n/a" and a note below the table says why.
pub fn table(matrix: &Matrix, results: &[Vec<Option<CheckResult>>]) -> String {
    let mut out = String::new();
    let _ = write!(out, "| adapter |");
    for f in &matrix.faults {
        let _ = write!(out, " {f} |");
    }
    out.push('\n');
    out.push_str("|---|");
    out.push_str(&"---|".repeat(matrix.faults.len()));
    out.push('\n');
    let mut notes: Vec<String> = Vec::new();
    for ((adapter, row), cells) in matrix.adapters.iter().zip(results).zip(&matrix.cells) {
        let _ = write!(out, "| `{adapter}` |");
        for (r, c) in row.iter().zip(cells) {
            match (r, c) {
                (Some(r), _) => {
                    let _ = write!(out, " {} |", verdict(r));
                }
                (None, Err(why)) => {
                    let why = why.rsplit_once("; ").map_or(why.as_str(), |(w, _)| w);
                    let k = match notes.iter().position(|n| n == why) {
                        Some(k) => k,
                        None => {
                            notes.push(why.to_string());
                            notes.len() - 1
                        }
                    };
                    let _ = write!(out, " n/a ({}) |", k + 1);
                }
                (None, Ok(_)) => out.push_str(" not run |"),
            }
        }
        out.push('\n');
    }
    for (k, n) in notes.iter().enumerate() {
        let _ = write!(out, "\n({}) {n}\n", k + 1);
    }
    out
}

/// The matrix as one JSON document: `{"cells": [{adapter, fault, verdict,
/// properties: {slug: "holds"|"violated"|"inconclusive"}}]}`; a cell the model
/// cannot describe has `"verdict": null` and its `"not_described"` reason.
pub fn json(matrix: &Matrix, results: &[Vec<Option<CheckResult>>]) -> serde_json::Value {
    let mut cells = Vec::new();
    for ((adapter, row), checks) in matrix.adapters.iter().zip(results).zip(&matrix.cells) {
        for ((fault, r), c) in matrix.faults.iter().zip(row).zip(checks) {
            cells.push(match (r, c) {
                (Some(r), _) => serde_json::json!({
                    "adapter": adapter,
                    "fault": fault,
                    "verdict": verdict(r),
                    "properties": r
                        .properties
                        .iter()
                        .map(|p| (p.slug.to_string(), serde_json::json!(p.verdict.name())))
                        .collect::<serde_json::Map<_, _>>(),
                }),
                (None, c) => serde_json::json!({
                    "adapter": adapter,
                    "fault": fault,
                    "verdict": null,
                    "not_described": c.as_ref().err(),
                }),
            });
        }
    }
    serde_json::json!({ "cells": cells })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
description = "d"
sources = ["https://example.com"]
adapters = ["recommended-workos"]
[base]
client = "1.49.0"
[base.faults]
data_changes = 1
[[fault]]
name = "hidden tab"
faults = { tab_hides = 1 }
"#;

    /// A hook on a release older than expectAuth is checked in the same
    /// worlds without it; on a newer one, with it.
    #[test]
    fn a_hook_on_a_release_without_expect_auth_is_checked_without_it() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../checks/matrix/faults.toml");
        let hook = crate::learn::template(crate::adapters::CustomSdk::AuthkitJs0202);
        for (client, expect_auth) in [("1.13.2", None), ("1.49.0", Some(true))] {
            let m = Matrix::load_for_hook(&path, &hook, client).unwrap();
            for cell in &m.cells[0] {
                let cell = cell.as_ref().unwrap();
                assert_eq!(cell.scenario.switches.expect_auth, expect_auth, "{client}");
            }
        }
    }

    #[test]
    fn a_column_sets_its_tables_over_the_base() {
        let m = Matrix::parse(SMALL, &[]).unwrap();
        let c = m.cells[0][0].as_ref().unwrap();
        assert_eq!(c.name, "matrix-recommended-workos-hidden-tab");
        assert_eq!(c.scenario.faults.tab_hides, 1);
        assert_eq!(c.scenario.faults.data_changes, 1);
    }

    #[test]
    fn a_bad_field_names_the_column_and_the_field() {
        let bad = SMALL.replace("tab_hides = 1", "tab_hide = 1");
        let e = Matrix::parse(&bad, &[]).unwrap_err();
        assert!(
            e.starts_with("fault[0] (hidden tab): scenario.faults.tab_hide: unknown field"),
            "{e}"
        );
        assert!(e.ends_with("`token_rejection`"), "{e}");
        let bad = SMALL.replace("recommended-workos", "nope");
        let e = Matrix::parse(&bad, &[]).unwrap_err();
        assert!(
            e.starts_with("adapters: \"nope\": scenario.adapter: unknown variant"),
            "{e}"
        );
        assert!(e.ends_with("custom"), "{e}");
        let e = Matrix::parse(SMALL, &["nope".to_string()]).unwrap_err();
        assert!(
            e.starts_with("--switch nope: scenario.switches.nope: unknown field"),
            "{e}"
        );
        assert!(e.contains("proposal_keep_trying"), "{e}");
    }
}
