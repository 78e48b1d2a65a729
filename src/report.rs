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
use convex_auth_model::sdks::SDKS;
use convex_auth_model::trace;
use convex_auth_model::trace::replay::AdapterCode;

/// One check that ran.
pub struct Run {
    pub file: PathBuf,
    pub check: CheckFile,
    pub result: CheckResult,
    /// What was written per violated property.
    pub traces: Vec<Written>,
    /// With `--replay`: the replay verdict per violated property.
    pub replays: Option<Vec<(String, crate::replay::Replay)>>,
}

impl Run {
    fn replay_of(&self, slug: &str) -> Option<&crate::replay::Replay> {
        self.replays
            .as_ref()?
            .iter()
            .find(|(s, _)| s == slug)
            .map(|(_, r)| r)
    }

    fn trace_of(&self, slug: &str) -> Option<&Written> {
        self.traces.iter().find(|w| w.slug == slug)
    }
}

/// Which renderings of a witness to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Formats {
    pub json: bool,
    pub itf: bool,
    pub md: bool,
}

impl Formats {
    pub const ALL: Formats = Formats {
        json: true,
        itf: true,
        md: true,
    };
}

/// The files written for one violated property, and its Explorer link.
pub struct Written {
    pub slug: String,
    pub files: Vec<PathBuf>,
    pub json: Option<PathBuf>,
    pub explorer: String,
}

/// "holds", "violated (depth N)" or "inconclusive after N states (limit: …)".
pub fn verdict_text(p: &PropertyResult, result: &CheckResult) -> String {
    match (p.verdict, p.depth) {
        (Verdict::Violated, Some(d)) => format!("violated (depth {d})"),
        (Verdict::Inconclusive, _) => inconclusive_text(result),
        (v, _) => v.name().to_string(),
    }
}

/// "inconclusive after N states (limit: --max-memory 12.0 GiB)".
pub fn inconclusive_text(result: &CheckResult) -> String {
    match result.stopped_by {
        Some(limit) => format!(
            "inconclusive after {} states (limit: {limit})",
            result.unique_states
        ),
        None => format!("inconclusive after {} states", result.unique_states),
    }
}

/// Makes sure counterexamples can be written under `out` before any model check
/// runs: the folder exists or can be made, each check's sub-folder is not a file,
/// and a file can be written there and in each check's sub-folder that exists (a
/// probe file, removed at once).
pub fn prepare_out(out: &Path, checks: &[CheckFile]) -> Result<(), String> {
    let shown = out.display();
    if out.exists() && !out.is_dir() {
        return Err(format!(
            "--out {shown}: is a file, not a folder; choose a folder for the counterexamples"
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("--out {shown}: cannot create: {e}"))?;
    probe(out).map_err(|e| format!("--out {shown}: cannot write there: {e}"))?;
    for check in checks {
        let dir = check_folder(out, &check.name).map_err(|e| e.to_string())?;
        if std::fs::symlink_metadata(&dir).is_err() {
            continue;
        }
        if !dir.is_dir() {
            return Err(format!(
                "--out {shown}: {} is a file or a broken link, but check {} writes its counterexamples into a folder of that name; move it away or choose another --out",
                dir.display(),
                check.name
            ));
        }
        probe(&dir).map_err(|e| {
            format!(
                "--out {shown}: cannot write into {}, where check {} writes its counterexamples: {e}",
                dir.display(),
                check.name
            )
        })?;
    }
    Ok(())
}

/// Writes an empty probe file into `dir` and removes it.
fn probe(dir: &Path) -> io::Result<()> {
    let probe = dir.join(format!(".convex-auth-check-probe-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

/// A failure to write a counterexample file: what was written before it, and one
/// line naming the file.
pub struct WriteError {
    pub written: Vec<Written>,
    pub message: String,
}

/// Writes, for every violation with a path, `<out>/<check>/<property>.trace.json`,
/// `.itf.json` and `.md` (as `formats` says). Stale files of those formats are
/// removed first, but only files this tool wrote: named after a known property,
/// in this check's own folder, and carrying the mark each format starts with.
/// A file of that name that this tool did not write (no mark, a link, a folder)
/// is left as it is, and a line on stderr says so. Each file is written whole or
/// not at all.
/// A check's model and each violated property's counterexample, replayed once
/// as a walk: every report file and the replay on the real client read it.
pub struct Counterexamples {
    pub model: model::AuthModel,
    pub walks: Vec<(&'static str, trace::Walk)>,
}

impl Counterexamples {
    pub fn of(check: &CheckFile, result: &CheckResult) -> Counterexamples {
        let model = model::build(&check.scenario);
        let walks = result
            .violations()
            .filter_map(|(p, path)| Some((p.slug, trace::Walk::of(&model, path)?)))
            .collect();
        Counterexamples { model, walks }
    }

    /// The walk of `slug`'s counterexample.
    pub fn walk_of(&self, slug: &str) -> Option<&trace::Walk> {
        self.walks.iter().find(|(s, _)| *s == slug).map(|(_, w)| w)
    }
}

/// Writes the report files of every violated property of `check` under
/// `out/<check name>/`; their Explorer links are paths of the model of
/// `check_file`, the file the reports name.
pub fn write_traces(
    out: &Path,
    check: &CheckFile,
    check_file: &Path,
    result: &CheckResult,
    counterexamples: &Counterexamples,
    formats: Formats,
) -> Result<Vec<Written>, WriteError> {
    let mut written = Vec::new();
    let fail = |written, message| WriteError { written, message };
    let dir = match check_folder(out, &check.name) {
        Ok(d) => d,
        Err(e) => return Err(fail(written, e.to_string())),
    };
    if let Err(e) = remove_stale(&dir, &check.name, formats) {
        return Err(fail(written, format!("{}: {e}", dir.display())));
    }
    let model = &counterexamples.model;
    for p in &result.properties {
        if p.verdict != Verdict::Violated {
            continue;
        }
        // Every file is rendered from the one walk of the counterexample.
        let Some(walk) = counterexamples.walk_of(p.slug) else {
            continue;
        };
        if let Err(e) = std::fs::create_dir_all(&dir) {
            return Err(fail(
                written,
                format!("{}: cannot create: {e}", dir.display()),
            ));
        }
        let explorer = trace::explorer_link("127.0.0.1", trace::DEFAULT_EXPLORER_PORT, &walk.path);
        let mut w = Written {
            slug: p.slug.to_string(),
            files: Vec::new(),
            json: None,
            explorer: explorer.clone(),
        };
        let mut texts: Vec<(&str, Option<io::Result<String>>)> = Vec::new();
        if formats.json {
            let t = trace::build(&check.name, model.scenario(), walk, p);
            texts.push((".trace.json", Some(pretty(&t))));
        }
        if formats.itf {
            let doc = trace::itf::document(walk, &check.name, p);
            texts.push((
                ".itf.json",
                Some(trace::itf::to_json(&doc).map_err(io::Error::other)),
            ));
        }
        if formats.md {
            let md = trace::narrative::markdown(
                walk,
                model.scenario(),
                &check.name,
                &check.description,
                p,
                &check_file.display().to_string(),
                &explorer,
            );
            texts.push((".md", md.map(Ok)));
        }
        for (ext, text) in texts {
            let Some(text) = text else { continue };
            let file = dir.join(format!("{}{ext}", p.slug));
            match text.and_then(|text| write_own_file(&file, &check.name, text.as_bytes())) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    written.push(w);
                    return Err(fail(
                        written,
                        format!("{}: cannot write: {e}", file.display()),
                    ));
                }
            }
            if ext == ".trace.json" {
                w.json = Some(file.clone());
            }
            w.files.push(file);
        }
        written.push(w);
    }
    Ok(written)
}

/// Pretty JSON with a final newline.
fn pretty<T: serde::Serialize>(value: &T) -> io::Result<String> {
    Ok(serde_json::to_string_pretty(value).map_err(io::Error::other)? + "\n")
}

/// Writes `bytes` as `file` of `check`, unless a file of that name is there that
/// this tool did not write: then it is left alone, a line on stderr says so, and
/// the answer is `false`. The file is written whole or not at all.
pub fn write_own_file(file: &Path, check: &str, bytes: &[u8]) -> io::Result<bool> {
    if let Some(why) = not_ours(file, check)? {
        eprintln!(
            "{}: left as it is, and this run's report not written there: {why}; move it away to get the report",
            file.display()
        );
        return Ok(false);
    }
    write_atomically(file, bytes)?;
    Ok(true)
}

/// The first line of a check file this tool writes for `check` (`hook`'s
/// learned worlds): a TOML comment that marks it as this tool's.
pub fn check_file_mark(check: &str) -> String {
    format!("# {check}: written by convex-auth-check; run it with `convex-auth-check check` or `explore`\n")
}

/// Why the file at `file` is not one this tool wrote for `check`; `None` when
/// there is none or it is this tool's. Never follows a symbolic link.
fn not_ours(file: &Path, check: &str) -> io::Result<Option<&'static str>> {
    match std::fs::symlink_metadata(file) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
        Ok(m) if m.file_type().is_symlink() => Ok(Some("it is a symbolic link")),
        Ok(m) if !m.is_file() => Ok(Some("it is not a plain file")),
        Ok(_) if written_by_this_tool(file, check) => Ok(None),
        Ok(_) => Ok(Some(
            "this tool did not write it (it lacks this tool's mark)",
        )),
    }
}

/// Writes `bytes` into a new temporary file beside `file`, then renames it over
/// `file`: a reader sees the old file or the whole new one, never a part, and a
/// failed write (a full disk) leaves no half-written file. A rename replaces a
/// symbolic link itself, never the file it points to.
pub fn write_atomically(file: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = file.with_file_name(format!(
        ".{name}.{}-{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let result = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&temp, file));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// `<out>/<name>`, refusing a name that is not one plain folder name (a check
/// named `..` must never make the cleanup reach outside `out`).
fn check_folder(out: &Path, name: &str) -> io::Result<PathBuf> {
    let mut parts = Path::new(name).components();
    match (parts.next(), parts.next()) {
        (Some(std::path::Component::Normal(_)), None) => Ok(out.join(name)),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("check name {name:?} is not a plain folder name"),
        )),
    }
}

/// The file extension of each format this tool writes.
fn extensions(formats: Formats) -> Vec<&'static str> {
    [
        (formats.json, ".trace.json"),
        (formats.itf, ".itf.json"),
        (formats.md, ".md"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, ext)| ext)
    .collect()
}

/// Removes the files of `formats` that an earlier run wrote for this check.
fn remove_stale(dir: &Path, check: &str, formats: Formats) -> io::Result<()> {
    for p in properties::all() {
        for ext in extensions(formats) {
            let file = dir.join(format!("{}{ext}", p.slug));
            // Never a link (nor what it points to), and a file another run
            // removed meanwhile is gone as wanted.
            let plain = std::fs::symlink_metadata(&file).is_ok_and(|m| m.is_file());
            if plain && written_by_this_tool(&file, check) {
                match std::fs::remove_file(&file) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// Whether `file` starts the way this tool writes it for `check`: a report's
/// title line, or a JSON trace naming the check (ITF: in its `#meta`).
fn written_by_this_tool(file: &Path, check: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(file) else {
        return false;
    };
    let name = file.to_string_lossy();
    if name.ends_with(".md") {
        return text.starts_with(&format!("# {check} — "));
    }
    if name.ends_with(".toml") {
        return text.starts_with(&check_file_mark(check));
    }
    let Ok(doc) = serde_json::from_str::<Value>(&text) else {
        return false;
    };
    if name.ends_with(".itf.json") {
        doc["#meta"]["format"] == "ITF"
            && doc["#meta"]["source"]
                .as_str()
                .is_some_and(|s| s.ends_with(&format!("/{check}.toml")) || s == check)
    } else {
        doc["format_version"].is_number() && doc["check"] == check
    }
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
                        "slug": p.slug,
                        "tag": p.tag,
                        "name": p.name,
                        "expected": p.expected.name(),
                        "verdict": p.verdict.name(),
                        "matches": p.matches(),
                        "method": p.method,
                        "depth": p.depth,
                        "loop_start": p.loop_start,
                        "fairness": properties::by_slug(p.slug).and_then(|d| d.fairness).map(|f| f.describe()),
                        "replay": r.replay_of(p.slug).map(|x| x.word()),
                        "replay_detail": r.replay_of(p.slug).map(|x| x.to_string()),
                        "trace": r.trace_of(p.slug).and_then(|w| w.json.as_ref()).map(|t| t.display().to_string()),
                        "explorer": r.trace_of(p.slug).map(|w| w.explorer.clone()),
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
                "adapter_replay": convex_auth_model::trace::replay::adapter_code(&r.check.scenario).map_or("fake", AdapterCode::name),
                "horizon": match r.check.scenario.bounds.ticks {
                    None => json!("unbounded"),
                    Some(ticks) => json!(ticks),
                },
                "complete": r.result.complete,
                "stopped_by": r.result.stopped_by.map(|l| l.to_string()),
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

/// A short cell: "holds", "✗ 33" (violated, counterexample of 33 steps) or "?"
/// (inconclusive); "!" marks a verdict that differs from the check file.
fn cell(p: &PropertyResult) -> String {
    let text = match (p.verdict, p.depth) {
        (Verdict::Holds, _) => "holds".to_string(),
        (Verdict::Violated, Some(d)) => format!("✗ {d}"),
        (Verdict::Violated, None) => "✗".to_string(),
        (Verdict::Inconclusive, _) => "?".to_string(),
    };
    if p.matches() {
        text
    } else {
        format!("{text} !")
    }
}

/// Column header of a property: its tag, or S1, S2, … for the sanity properties.
fn headers(results: &[PropertyResult]) -> (Vec<String>, Vec<String>) {
    let mut legend = Vec::new();
    let headers = results
        .iter()
        .map(|p| {
            if p.tag == "SANITY" {
                legend.push(format!("S{} = {}", legend.len() + 1, p.name));
                format!("S{}", legend.len())
            } else {
                p.tag.to_string()
            }
        })
        .collect();
    (headers, legend)
}

/// The verdict table of a run: one row per check, one column per property, then
/// the limits hit, the counterexample files, the replays and the mismatches.
pub fn print_table(runs: &[Run]) {
    let Some(first) = runs.first() else { return };
    let (props, legend) = headers(&first.result.properties);
    print_aligned(&verdict_rows(runs, props));
    println!();
    println!("holds · ✗ N = violated, shortest counterexample N steps · ? = inconclusive (a limit was hit) · ! = not what the check file expects");
    println!("{}", legend.join(" · "));
    for r in runs.iter().filter(|r| r.result.stopped_by.is_some()) {
        println!("{}: {}", r.check.name, inconclusive_text(&r.result));
    }
    print_counterexamples(runs);
    print_replays(runs);
    print_mismatches(runs);
}

/// The header row and one row per check.
fn verdict_rows(runs: &[Run], props: Vec<String>) -> Vec<Vec<String>> {
    let replaying = runs.iter().any(|r| r.replays.is_some());
    let mut header = vec!["CHECK".to_string()];
    header.extend(props);
    header.extend(["UNIQUE", "TOTAL", "SECONDS"].map(String::from));
    if replaying {
        header.push("REPLAY".into());
    }
    let mut rows = vec![header];
    for r in runs {
        let mut row = vec![r.check.name.clone()];
        row.extend(r.result.properties.iter().map(cell));
        row.push(r.result.unique_states.to_string());
        row.push(r.result.total_states.to_string());
        row.push(format!("{:.2}", r.result.seconds));
        if let Some(replays) = &r.replays {
            let agree = replays.iter().filter(|(_, x)| x.word() == "agrees").count();
            row.push(format!("{agree}/{} agree", replays.len()));
        }
        rows.push(row);
    }
    rows
}

/// Prints rows as columns padded to their widest cell.
pub fn print_aligned(rows: &[Vec<String>]) {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
}

/// Where each counterexample was written, with its Explorer link.
fn print_counterexamples(runs: &[Run]) {
    let traces: Vec<&Written> = runs.iter().flat_map(|r| &r.traces).collect();
    if traces.is_empty() {
        return;
    }
    println!("\ncounterexamples (report, ITF and JSON trace; Explorer link for `convex-auth-check explore <check>`):");
    for w in traces {
        if let Some(first) = w.files.first() {
            let stem = first.with_file_name(&w.slug);
            println!("  {}.{{md,itf.json,trace.json}}", stem.display());
        }
        println!("    {}", w.explorer);
    }
}

/// With `--replay`: how many counterexamples agree, and each that does not.
fn print_replays(runs: &[Run]) {
    if runs.iter().all(|r| r.replays.is_none()) {
        return;
    }
    let all: Vec<(&str, &String, &crate::replay::Replay)> = runs
        .iter()
        .flat_map(|r| {
            r.replays
                .iter()
                .flatten()
                .map(move |(s, x)| (r.check.name.as_str(), s, x))
        })
        .collect();
    let agree = all.iter().filter(|(_, _, x)| x.word() == "agrees").count();
    println!(
        "\nreplay on each check's convex release: {agree} of {} counterexamples agree with the real client",
        all.len()
    );
    for (check, slug, x) in all.iter().filter(|(_, _, x)| x.word() != "agrees") {
        println!("  {check} {slug}: {x}");
    }
}

/// Every verdict that differs from its check file, or a line saying none does.
fn print_mismatches(runs: &[Run]) {
    let mismatches: Vec<String> = runs
        .iter()
        .flat_map(|r| {
            r.result
                .properties
                .iter()
                .filter(|p| !p.matches())
                .map(move |p| {
                    format!(
                        "  {} {}: expected {}, got {}",
                        r.check.name,
                        p.slug,
                        p.expected.name(),
                        verdict_text(p, &r.result)
                    )
                })
        })
        .collect();
    if mismatches.is_empty() {
        println!("\nall {} checks: every verdict is as expected", runs.len());
        return;
    }
    println!(
        "\n{} verdict(s) differ from what their check files expect:",
        mismatches.len()
    );
    for m in mismatches {
        println!("{m}");
    }
}

/// Where a real SDK's replays use the fake adapter instead
/// (`trace::replay::adapter_code`).
const FAKE_ELSEWHERE: &str = "a fake adapter for a page mounted signed in under StrictMode and for checks with sign-ins, sign-outs, switches, outages, stalled fetches or app-held auth";

/// `list`: adapters, releases, switches, properties and knobs.
pub fn print_list() {
    println!("ADAPTERS (scenario.adapter)");
    for a in Adapter::ALL {
        let s = a.spec();
        println!("  {:<14} {}", a.name(), s.summary);
        println!("  {:<14} source: {}", "", s.source);
        println!("  {:<14} sdk: {} (IDP SDKS below)", "", s.sdk);
        println!(
            "  {:<14} replays: {}",
            "",
            match s.replay_code {
                None => "a fake adapter settles each fetch as the model says".to_string(),
                Some(code @ AdapterCode::Workos) => format!(
                    "the adapter's real code, {code}, over the real authkit-react 0.16.1 / authkit-js 0.20.0 (WorkOS API scripted); {FAKE_ELSEWHERE}"
                ),
                Some(code @ AdapterCode::RecommendedWorkos) => format!(
                    "the file itself, {code}/ConvexProviderWithAuthKit.tsx (compiled by the harness), over the real authkit-react 0.16.2 / authkit-js 0.20.3 that fixes/ pins (WorkOS API scripted); {FAKE_ELSEWHERE}"
                ),
                Some(
                    code @ (AdapterCode::RecommendedAuthkitNextjs
                    | AdapterCode::RecommendedTanstackStart),
                ) => {
                    let (file, sdk, calls) = if code == AdapterCode::RecommendedAuthkitNextjs {
                        ("ConvexClientProvider.tsx", "authkit-nextjs 4.3.2", "Server Actions")
                    } else {
                        ("useAuthFromWorkOS.tsx", "authkit-tanstack-react-start 0.11.1", "server functions")
                    };
                    format!(
                        "the file itself, {code}/{file} (bundled by the harness with the real client side of {sdk}: token store, AuthKitProvider, useAccessToken; {calls} scripted) where the check's bounds are the store's (idp_refresh_buffer 30 s, tokens of 5 minutes or less); a fake adapter for other bounds, and {FAKE_ELSEWHERE}"
                    )
                }
                Some(code @ AdapterCode::BetterAuth) => format!(
                    "the adapter's real code, {code}, over a fake Better Auth client (useSession from the model, /convex/token requests scripted)"
                ),
                Some(code @ AdapterCode::ConvexAuth) => format!(
                    "the adapter's real code, {code} (storage and auth:signIn requests scripted); {FAKE_ELSEWHERE}"
                ),
                Some(code) => format!("the adapter's real code, {code}"),
            }
        );
    }
    println!(
        "  {:<14} your own hook, described field by field in [scenario.custom_adapter] (or learned from",
        Adapter::Custom.name()
    );
    println!("  {:<14} your file: `convex-auth-check hook FILE`):", "");
    let sdks: Vec<&str> = convex_auth_model::adapters::CustomSdk::ALL
        .iter()
        .map(|s| s.name())
        .collect();
    println!("  {:<14} sdk ({}),", "", sdks.join("|"));
    println!(
        "  {:<14} force (refreshes|ignored), login_required (null|rethrow),",
        ""
    );
    println!(
        "  {:<14} transient_error (null|rethrow|retry|stale-token|last-returned|backoff),",
        ""
    );
    println!(
        "  {:<14} retry_attempts, retry_waits, fetcher_follows_user / _session / _sdk_load / _token,",
        ""
    );
    println!(
        "  {:<14} loading_while_refreshing, authenticated_needs_token, retries_no_token_while_signed_in",
        ""
    );
    println!("  {:<14} (README: \"Your own hook\")", "");
    println!(
        "\nIDP SDKS (the SDK each adapter's hook wraps: token store, refresh policy, failures)"
    );
    for sdk in &SDKS {
        println!("  {:<14} {}: {}", sdk.sdk.code(), sdk.name, sdk.package);
        for (what, facts, source) in [
            (
                "token store",
                sdk.token_store.describe(),
                sdk.token_store.source,
            ),
            (
                "refresh policy",
                sdk.refresh_policy.describe(),
                sdk.refresh_policy.source,
            ),
            ("failures", sdk.failures.describe(), sdk.failures.source),
        ] {
            println!("  {:<14} {what}: {facts}", "");
            println!("  {:<14}   source: {source}", "");
        }
        let provider = sdk.sdk.convex_provider();
        println!(
            "  {:<14} the server's check (faults.token_rejection): {}",
            "",
            provider.describe()
        );
        println!("  {:<14}   source: {}", "", provider.source);
        println!("  {:<14} each kind of failure (faults.failure_kind):", "");
        for fact in &sdk.failures.kinds {
            println!("  {:<14}   {}", "", fact.describe());
            println!("  {:<14}     source: {}", "", fact.source);
        }
    }
    println!("\nCLIENT RELEASES (scenario.client)");
    for c in ClientRelease::ALL {
        let s = serde_json::to_value(c.switches()).expect("switches serialize");
        let pairs: Vec<String> = s
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        println!("  {:<8} {}", c.name(), pairs.join(" "));
        let notes = c.notes();
        println!("  {:<8} changed: {}", "", notes.changed);
        if !notes.not_modelled.is_empty() {
            println!("  {:<8} not modelled: {}", "", notes.not_modelled);
        }
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
    println!("\nSCENARIO KNOBS (default, largest value accepted; a check estimated above 1e9 states is refused)");
    println!("  {:<36} {:<13} {:<17} MEANING", "KNOB", "DEFAULT", "MAX");
    for k in knobs() {
        let max = k.max.map_or("-".to_string(), |m| m.to_string());
        println!(
            "  {:<36} {:<13} {:<17} {}",
            k.key, k.default, max, k.meaning
        );
    }
}
