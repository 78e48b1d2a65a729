//! Output of the CLI: the verdict table, the JSON document, trace files and `list`.

use std::io;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use convex_auth_model::adapters::Adapter;
use convex_auth_model::check::{CheckFile, CheckResult, PropertyResult};
use convex_auth_model::config::{knobs, switch_docs, ClientRelease};
use convex_auth_model::engine::Verdict;
use convex_auth_model::model;
use convex_auth_model::properties;
use convex_auth_model::trace;

/// One check that ran.
pub struct Run {
    pub file: PathBuf,
    pub check: CheckFile,
    pub result: CheckResult,
    /// Trace file per property slug (violations only).
    pub traces: Vec<(String, PathBuf)>,
}

impl Run {
    fn trace_of(&self, slug: &str) -> Option<&PathBuf> {
        self.traces.iter().find(|(s, _)| s == slug).map(|(_, p)| p)
    }
}

/// "holds", "violated (depth N)" or "inconclusive (explored N states)".
pub fn verdict_text(p: &PropertyResult, result: &CheckResult) -> String {
    match (p.verdict, p.depth) {
        (Verdict::Violated, Some(d)) => format!("violated (depth {d})"),
        (Verdict::Inconclusive, _) => {
            format!("inconclusive (explored {} states)", result.unique_states)
        }
        (v, _) => v.name().to_string(),
    }
}

/// Writes `<out>/<check>/<property>.trace.json` for every violation with a path,
/// after removing the check's old traces.
pub fn write_traces(
    out: &Path,
    check: &CheckFile,
    result: &CheckResult,
) -> io::Result<Vec<(String, PathBuf)>> {
    let dir = out.join(&check.name);
    if dir.is_dir() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.to_string_lossy().ends_with(".trace.json") {
                std::fs::remove_file(path)?;
            }
        }
    }
    let model = model::build(&check.scenario);
    let mut written = Vec::new();
    for p in &result.properties {
        let (Verdict::Violated, Some(path)) = (p.verdict, &p.path) else {
            continue;
        };
        let Some(t) = trace::build(&model, path, &check.name, p.name, p.tag, "violated") else {
            continue;
        };
        std::fs::create_dir_all(&dir)?;
        let file = dir.join(format!("{}.trace.json", p.slug));
        let text = serde_json::to_string_pretty(&t).map_err(io::Error::other)?;
        std::fs::write(&file, text + "\n")?;
        written.push((p.slug.to_string(), file));
    }
    Ok(written)
}

/// The single JSON document of `check --json`.
pub fn json(runs: &[Run]) -> String {
    let checks: Vec<Value> = runs
        .iter()
        .map(|r| {
            let properties: Vec<Value> = r
                .result
                .properties
                .iter()
                .map(|p| {
                    json!({
                        "name": p.slug,
                        "tag": p.tag,
                        "description": p.name,
                        "expected": p.expected.name(),
                        "verdict": p.verdict.name(),
                        "matches": p.matches(),
                        "depth": p.depth,
                        "trace": r.trace_of(p.slug).map(|t| t.display().to_string()),
                    })
                })
                .collect();
            json!({
                "name": r.check.name,
                "file": r.file.display().to_string(),
                "sources": r.check.sources,
                "states": {
                    "unique": r.result.unique_states,
                    "total": r.result.total_states,
                    "max_depth": r.result.max_depth,
                },
                "complete": r.result.complete,
                "seconds": (r.result.seconds * 1000.0).round() / 1000.0,
                "properties": properties,
            })
        })
        .collect();
    let mismatches = runs
        .iter()
        .flat_map(|r| &r.result.properties)
        .filter(|p| !p.matches())
        .count();
    serde_json::to_string_pretty(&json!({
        "checks": checks,
        "summary": { "checks": runs.len(), "mismatches": mismatches },
    }))
    .expect("JSON values always serialize")
}

/// The verdict table of a run.
pub fn print_table(runs: &[Run]) {
    let mut rows: Vec<[String; 5]> = vec![[
        "CHECK".into(),
        "PROPERTY".into(),
        "EXPECTED".into(),
        "VERDICT".into(),
        "".into(),
    ]];
    let mut stats = Vec::new();
    for r in runs {
        for (i, p) in r.result.properties.iter().enumerate() {
            rows.push([
                if i == 0 {
                    r.check.name.clone()
                } else {
                    String::new()
                },
                format!("{:<9} {}", p.tag, p.slug),
                p.expected.name().into(),
                verdict_text(p, &r.result),
                if p.matches() {
                    "ok".into()
                } else {
                    "UNEXPECTED".into()
                },
            ]);
        }
        stats.push(format!(
            "{}: {} unique states, {} total, max depth {}, {:.2} s{}",
            r.check.name,
            r.result.unique_states,
            r.result.total_states,
            r.result.max_depth,
            r.result.seconds,
            if r.result.complete {
                ""
            } else {
                " (stopped at a limit)"
            }
        ));
        rows.push(Default::default());
    }
    rows.pop();
    let widths: Vec<usize> = (0..5)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
    println!();
    for s in stats {
        println!("{s}");
    }
    let traces: Vec<&PathBuf> = runs
        .iter()
        .flat_map(|r| r.traces.iter().map(|(_, p)| p))
        .collect();
    if !traces.is_empty() {
        println!("\ncounterexample traces:");
        for t in traces {
            println!("  {}", t.display());
        }
    }
    let mismatches: usize = runs
        .iter()
        .map(|r| r.result.properties.iter().filter(|p| !p.matches()).count())
        .sum();
    if mismatches == 0 {
        println!("\nall {} checks: every verdict is as expected", runs.len());
    } else {
        println!("\n{mismatches} verdict(s) differ from what their check files expect");
    }
}

/// `list`: adapters, releases, switches, properties and knobs.
pub fn print_list() {
    println!("ADAPTERS (scenario.adapter)");
    for a in Adapter::ALL {
        let s = a.spec();
        println!("  {:<14} {}", a.name(), s.summary);
        println!("  {:<14} source: {}", "", s.source);
    }
    println!("\nCLIENT RELEASES (scenario.client)");
    for c in ClientRelease::ALL {
        let s = c.switches();
        println!("  {:<8} {s:?}", c.name());
    }
    println!("\nVERSION SWITCHES ([scenario.switches], override the release's value)");
    for (name, doc) in switch_docs() {
        println!("  {name:<30} {doc}");
    }
    println!("\nPROPERTIES ([expect] keys: \"holds\" or \"violated\")");
    for p in properties::all() {
        println!(
            "  {:<29} {:<9} {:<19} {}",
            p.slug,
            p.tag,
            p.kind.name(),
            p.meaning
        );
    }
    println!("\nSCENARIO KNOBS (default)");
    for k in knobs() {
        println!("  {:<28} {:<14} {}", k.key, k.default, k.meaning);
    }
}
