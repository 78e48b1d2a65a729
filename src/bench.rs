//! `bench`: how fast and how lean each engine explores the checks, measured in the
//! same run: this project's engine and stateright's BFS, each with every thread
//! count asked for.
//!
//! Every measurement runs in a fresh child process (this program's hidden
//! `bench-one` command), so that the peak memory it reports is that run's alone.
//! Bytes per state are the child's peak resident memory, less that of an idle
//! child, divided by the unique states it stored.
//!
//! Also here: the progress line `check` shows on a terminal.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use clap::Args;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use convex_auth_model::check::{self, CheckFile, CheckResult};
use convex_auth_model::engine::{memory, Limits, Progress};

use crate::limits::LimitArgs;
use crate::report;
use crate::{EngineArg, Outcome};

#[derive(Args)]
pub struct BenchArgs {
    /// Check files (TOML) to measure; default: every *.toml in ./checks.
    files: Vec<PathBuf>,
    /// Print exactly one JSON document on stdout instead of the table.
    #[arg(long)]
    json: bool,
    /// Thread counts to run each engine with, comma-separated.
    #[arg(long, value_name = "N,…", value_delimiter = ',', default_value = "1,2", value_parser = parse_threads)]
    threads: Vec<usize>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// One measurement, in this process (what `bench` runs in each child).
#[derive(Args)]
pub struct BenchOneArgs {
    /// The check file.
    #[arg(required_unless_present = "baseline")]
    file: Option<PathBuf>,
    /// Only report the peak memory of this idle process.
    #[arg(long)]
    baseline: bool,
    #[arg(long, value_enum, default_value_t = EngineArg::Native)]
    engine: EngineArg,
    #[arg(long, default_value_t = 1, value_parser = parse_threads)]
    threads: usize,
    #[command(flatten)]
    limits: LimitArgs,
}

pub(crate) fn parse_threads(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n @ 1..=1024) => Ok(n),
        _ => Err(format!("{text:?} is not a thread count from 1 to 1024")),
    }
}

/// What a child reports: one JSON line on stdout.
#[derive(Serialize, Deserialize)]
struct Measured {
    unique_states: usize,
    total_states: usize,
    seconds: f64,
    /// Peak resident memory (`VmHWM`) at the end of the run, where readable.
    peak_rss: Option<u64>,
    stopped_by: Option<String>,
}

/// `bench-one`: runs one exploration and prints what it measured.
pub fn run_one(args: BenchOneArgs) -> Outcome {
    let measured = match args.file.filter(|_| !args.baseline) {
        None => Measured {
            unique_states: 0,
            total_states: 0,
            seconds: 0.0,
            peak_rss: peak_rss(),
            stopped_by: None,
        },
        Some(file) => {
            let check = crate::load_one(&file)?;
            let limits = args.limits.resolve()?;
            let started = Instant::now();
            let n = args.threads;
            let result = match args.engine {
                EngineArg::Native => check::run_with_progress(&check, limits, n, &mut |_| {}),
                EngineArg::Stateright => check::run_stateright_with_threads(&check, limits, n),
            };
            Measured {
                unique_states: result.unique_states,
                total_states: result.total_states,
                seconds: started.elapsed().as_secs_f64(),
                peak_rss: peak_rss(),
                stopped_by: result.stopped_by.map(|l| l.to_string()),
            }
        }
    };
    println!(
        "{}",
        serde_json::to_string(&measured).expect("plain values serialize")
    );
    Ok(ExitCode::SUCCESS)
}

/// The peak resident memory of this process (`VmHWM` of `/proc/self/status`).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    let kib: u64 = kib.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kib * 1024)
}

/// One engine's run of one check, as measured by a child.
struct Run {
    engine: &'static str,
    threads: usize,
    measured: Measured,
    bytes_per_state: Option<f64>,
}

impl Run {
    fn unique_per_second(&self) -> f64 {
        self.measured.unique_states as f64 / self.measured.seconds.max(1e-9)
    }

    fn total_per_second(&self) -> f64 {
        self.measured.total_states as f64 / self.measured.seconds.max(1e-9)
    }
}

/// One check's runs and the ratios between them.
struct Bench {
    name: String,
    file: PathBuf,
    runs: Vec<Run>,
}

impl Bench {
    fn run(&self, engine: &str, threads: usize) -> Option<&Run> {
        self.runs
            .iter()
            .find(|r| r.engine == engine && r.threads == threads)
    }

    /// Ours ÷ stateright, both on `threads` threads: unique states/s, bytes per state.
    fn versus(&self, threads: usize) -> (Option<f64>, Option<f64>) {
        let (Some(ours), Some(theirs)) =
            (self.run("native", threads), self.run("stateright", threads))
        else {
            return (None, None);
        };
        let bytes = ours.bytes_per_state.zip(theirs.bytes_per_state);
        (
            Some(ours.unique_per_second() / theirs.unique_per_second()),
            bytes.map(|(a, b)| a / b),
        )
    }

    /// `engine` on `threads` threads ÷ on 1, in unique states/s (none for 1 itself).
    fn speedup(&self, engine: &str, threads: usize) -> Option<f64> {
        let one = self.run(engine, 1).filter(|_| threads > 1)?;
        Some(self.run(engine, threads)?.unique_per_second() / one.unique_per_second())
    }
}

/// The engines measured: this project's, then stateright's BFS.
const ENGINES: [&str; 2] = ["native", "stateright"];

/// `bench`: measures every check with each engine, one child process per run.
pub fn run(args: BenchArgs) -> Outcome {
    let files = crate::check_files(&args.files)?;
    let loaded = crate::load_all(&files)?;
    let flags = limit_flags(args.limits.resolve()?);
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find this program to run the measurements: {e}"))?;
    let mut threads = args.threads.clone();
    threads.sort_unstable();
    threads.dedup();
    let baseline = child(&exe, &["--baseline".to_string()])?.peak_rss;
    let mut benches = Vec::new();
    for (file, check) in &loaded {
        if !args.json {
            eprintln!("measuring {} …", check.name);
        }
        let plan = ENGINES
            .iter()
            .flat_map(|&e| threads.iter().map(move |&n| (e, n)));
        let mut runs = Vec::new();
        for (engine, n) in plan {
            let mut child_args = vec![
                "--engine".to_string(),
                engine.to_string(),
                "--threads".to_string(),
                n.to_string(),
            ];
            child_args.extend(flags.iter().cloned());
            child_args.push(file.display().to_string());
            let measured = child(&exe, &child_args)?;
            let bytes_per_state = measured
                .peak_rss
                .zip(baseline)
                .filter(|_| measured.unique_states > 0)
                .map(|(peak, idle)| {
                    peak.saturating_sub(idle) as f64 / measured.unique_states as f64
                });
            runs.push(Run {
                engine,
                threads: n,
                measured,
                bytes_per_state,
            });
        }
        benches.push(Bench {
            name: check.name.clone(),
            file: file.clone(),
            runs,
        });
    }
    if args.json {
        println!("{}", json_document(&benches, &threads, baseline));
    } else {
        print_tables(&benches, &threads, baseline);
    }
    Ok(ExitCode::SUCCESS)
}

/// The limit flags that give a child exactly `limits`.
fn limit_flags(limits: Limits) -> Vec<String> {
    let mut flags = Vec::new();
    if let Some(n) = limits.max_states {
        flags.extend(["--max-states".to_string(), n.to_string()]);
    }
    if let Some(d) = limits.max_duration {
        flags.extend(["--max-seconds".to_string(), d.as_secs_f64().to_string()]);
    }
    let memory = limits
        .max_memory
        .map_or("none".to_string(), |b| b.to_string());
    flags.extend(["--max-memory".to_string(), memory]);
    flags
}

/// Runs `bench-one` with `args` in a child process and reads what it measured.
fn child(exe: &Path, args: &[String]) -> Result<Measured, String> {
    let output = Command::new(exe)
        .arg("bench-one")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let what = format!("bench-one {}", args.join(" "));
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let why = stderr.lines().last().unwrap_or("no message");
        return Err(format!("{what}: failed ({}): {why}", output.status));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("{what}: unexpected output (not one measurement): {e}"))
}

fn rounded(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

fn json_document(benches: &[Bench], threads: &[usize], baseline: Option<u64>) -> String {
    let checks: Vec<Value> = benches
        .iter()
        .map(|b| {
            let runs: Vec<Value> = b
                .runs
                .iter()
                .map(|r| {
                    json!({
                        "engine": r.engine,
                        "threads": r.threads,
                        "unique_states": r.measured.unique_states,
                        "total_states": r.measured.total_states,
                        "seconds": rounded(r.measured.seconds, 4),
                        "unique_per_second": r.unique_per_second().round(),
                        "total_per_second": r.total_per_second().round(),
                        "peak_rss": r.measured.peak_rss,
                        "bytes_per_state": r.bytes_per_state.map(|x| rounded(x, 1)),
                        "complete": r.measured.stopped_by.is_none(),
                        "stopped_by": r.measured.stopped_by,
                    })
                })
                .collect();
            let ratio = |x: Option<f64>| x.map(|x| rounded(x, 3));
            let ratios: Vec<Value> = threads
                .iter()
                .map(|&n| {
                    let (speed, bytes) = b.versus(n);
                    json!({
                        "threads": n,
                        "native_vs_stateright": {
                            "unique_per_second": ratio(speed),
                            "bytes_per_state": ratio(bytes),
                        },
                        "native_vs_1_thread": ratio(b.speedup("native", n)),
                        "stateright_vs_1_thread": ratio(b.speedup("stateright", n)),
                    })
                })
                .collect();
            json!({
                "name": b.name,
                "file": b.file.display().to_string(),
                "runs": runs,
                "ratios": ratios,
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).ok(),
        "baseline_rss": baseline,
        "checks": checks,
    }))
    .expect("JSON values always serialize")
}

/// The measurements, one row per run, then the ratios, one row per thread count.
fn print_tables(benches: &[Bench], threads: &[usize], baseline: Option<u64>) {
    let header = [
        "CHECK", "ENGINE", "THREADS", "UNIQUE", "TOTAL", "SECONDS", "UNIQUE/S", "TOTAL/S",
        "PEAK RSS", "B/STATE",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    for b in benches {
        for (i, r) in b.runs.iter().enumerate() {
            let m = &r.measured;
            let unique = match &m.stopped_by {
                Some(_) => format!("{} ?", m.unique_states),
                None => m.unique_states.to_string(),
            };
            rows.push(vec![
                if i == 0 {
                    b.name.clone()
                } else {
                    String::new()
                },
                r.engine.replace("native", "ours"),
                r.threads.to_string(),
                unique,
                m.total_states.to_string(),
                format!("{:.3}", m.seconds),
                format!("{:.0}", r.unique_per_second()),
                format!("{:.0}", r.total_per_second()),
                m.peak_rss.map_or("n/a".into(), memory::human),
                r.bytes_per_state
                    .map_or("n/a".into(), |x| format!("{x:.0}")),
            ]);
        }
    }
    report::print_aligned(&rows);
    println!();
    let times = |x: Option<f64>| x.map_or("n/a".into(), |x| format!("{x:.2}×"));
    let header = [
        "CHECK",
        "THREADS",
        "OURS÷SR STATES/S",
        "OURS÷SR B/STATE",
        "OURS N÷1",
        "SR N÷1",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    for b in benches {
        for (i, &n) in threads.iter().enumerate() {
            let (speed, bytes) = b.versus(n);
            rows.push(vec![
                if i == 0 {
                    b.name.clone()
                } else {
                    String::new()
                },
                n.to_string(),
                times(speed),
                times(bytes),
                times(b.speedup("native", n)),
                times(b.speedup("stateright", n)),
            ]);
        }
    }
    report::print_aligned(&rows);
    println!();
    for b in benches {
        for r in b.runs.iter() {
            if let Some(limit) = &r.measured.stopped_by {
                let engine = r.engine.replace("native", "ours");
                println!(
                    "{} {engine} {} thread(s): stopped by {limit} (UNIQUE ?)",
                    b.name, r.threads
                );
            }
        }
    }
    println!(
        "states/s count unique states · SR = stateright's BFS · N÷1 = states/s on N threads ÷ on 1 · B/STATE = (peak RSS − {} of an idle process) ÷ unique states · one child process per run · {} cores",
        baseline.map_or("n/a".into(), memory::human),
        std::thread::available_parallelism().map_or("?".into(), |n| n.to_string())
    );
}

/// `check`'s run of one check with this crate's engine, showing a progress line on
/// stderr (states, states/s, memory). Meant for a terminal; the line stays as a
/// summary once the check is done.
pub fn run_showing_progress(check: &CheckFile, limits: Limits, threads: usize) -> CheckResult {
    let bar = indicatif::ProgressBar::new_spinner();
    let style = indicatif::ProgressStyle::with_template("{spinner} {prefix} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.set_prefix(check.name.clone());
    bar.enable_steady_tick(Duration::from_millis(120));
    let result = check::run_with_progress(check, limits, threads, &mut |p: &Progress| {
        let rate = p.unique_states as f64 / p.elapsed.as_secs_f64().max(1e-9);
        let memory = p.resident_bytes.map_or("n/a".into(), memory::human);
        bar.set_message(format!(
            "{} states ({} queued), {rate:.0} states/s, {memory}",
            p.unique_states, p.queued
        ));
    });
    bar.finish_with_message(format!(
        "{} states in {:.2} s",
        result.unique_states, result.seconds
    ));
    result
}
