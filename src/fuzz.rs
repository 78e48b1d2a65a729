//! `fuzz`: model-based testing of the real client. Random walks through each
//! check's model are replayed on the real convex client of the check's release
//! (and the real adapter code where the harness has it), and compared with the
//! model step by step; on the real side, the driver also watches the properties
//! the check expects to hold. A walk whose replay differs, or whose real run
//! breaks a property the model says holds, is a divergence: it is shrunk to a
//! shorter walk that still diverges and written as a trace file `replay` accepts.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, ValueEnum};
use serde::Serialize;

use convex_auth_model::check::CheckFile;
use convex_auth_model::engine::IndexPath;
use convex_auth_model::fuzz::{self, Sampler, Weighting};
use convex_auth_model::model::AuthModel;
use convex_auth_model::trace::replay::{self, Comparison};

use crate::conformance::BatchDriver;

#[derive(Args)]
pub struct FuzzArgs {
    /// Check files (TOML) whose models to walk; default: every *.toml in ./checks.
    files: Vec<PathBuf>,
    /// Walks per check.
    #[arg(long, default_value_t = 100, value_name = "N")]
    walks: usize,
    /// The seed: the same seed draws the same walks (each check's walks are drawn
    /// from the seed and the check's name, so adding a check changes no other's).
    #[arg(long, default_value_t = 1, value_name = "S")]
    seed: u64,
    /// The longest walk, in model steps (at most 10000).
    #[arg(long, default_value_t = 80, value_name = "STEPS")]
    max_steps: usize,
    /// How a walk chooses among the steps offered.
    #[arg(long, value_enum, default_value_t = WeightingArg::Uniform)]
    weighting: WeightingArg,
    /// At most this many replays to shrink one divergence.
    #[arg(long, default_value_t = 200, value_name = "N")]
    shrink_budget: usize,
    /// Print exactly one JSON document on stdout instead of the table.
    #[arg(long)]
    json: bool,
    /// Folder for the divergences' trace files (a sub-folder per check).
    #[arg(long, value_name = "DIR", default_value = "target/fuzz")]
    out: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum WeightingArg {
    /// Every step the model offers is equally likely.
    Uniform,
    /// Kinds of event taken less often in the check's earlier walks are more
    /// likely (weight 1 / (1 + times taken)): rare events come up more.
    Rare,
}

/// What the walks of one check came to.
#[derive(Serialize)]
struct CheckRun {
    check: String,
    release: String,
    /// Walks drawn.
    walks: usize,
    /// Walks replayed and compared (the others' steps the harness cannot play).
    replayed: usize,
    /// Model steps of the walks replayed.
    steps: usize,
    /// Properties the driver watched on the real client.
    monitored: Vec<String>,
    divergences: Vec<Divergence>,
    seconds: f64,
    /// Why the check's walks are not replayed at all, or why some are not.
    not_replayable: Option<String>,
}

#[derive(Serialize)]
struct Divergence {
    walk: usize,
    /// The walk as drawn, and the shrunk walk that still diverges.
    drawn: String,
    shrunk: String,
    /// The shrunk walk's steps.
    shrunk_steps: usize,
    what: String,
    trace: Option<PathBuf>,
}

impl CheckRun {
    fn walks_per_second(&self) -> f64 {
        self.replayed as f64 / self.seconds.max(1e-9)
    }
}

/// The seed of one check's walks: the run's seed mixed with the check's name.
fn check_seed(seed: u64, name: &str) -> u64 {
    name.bytes().fold(seed ^ 0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

pub fn run(args: FuzzArgs) -> Result<ExitCode, String> {
    if args.walks == 0 {
        return Err("--walks 0: give at least one walk per check".into());
    }
    if args.max_steps == 0 {
        return Err("--max-steps 0: a walk needs at least one step".into());
    }
    if args.max_steps > MAX_STEPS {
        return Err(format!(
            "--max-steps {}: too long a walk; valid: 1 to {MAX_STEPS} steps",
            args.max_steps
        ));
    }
    let files = crate::check_files(&args.files)?;
    let loaded = crate::load_all(&files)?;
    let checks: Vec<CheckFile> = loaded.iter().map(|(_, c)| c.clone()).collect();
    crate::report::prepare_out(&args.out, &checks)?;
    for check in &checks {
        crate::conformance::sdk_ready(convex_auth_model::trace::replay::adapter_code(
            &check.scenario,
        ))?;
    }
    let weighting = match args.weighting {
        WeightingArg::Uniform => Weighting::Uniform,
        WeightingArg::Rare => Weighting::Rare,
    };
    let runs = walk_checks_side_by_side(&args, weighting, &checks)?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "seed": args.seed,
                "walks_per_check": args.walks,
                "max_steps": args.max_steps,
                "weighting": format!("{weighting:?}").to_lowercase(),
                "checks": runs.iter().map(|r| {
                    let mut v = serde_json::to_value(r).expect("serializable");
                    v["walks_per_second"] = serde_json::json!(r.walks_per_second());
                    v
                }).collect::<Vec<_>>(),
            })
        );
    } else {
        print_table(&runs, &args);
    }
    let divergences: usize = runs.iter().map(|r| r.divergences.len()).sum();
    // A check none of whose walks could be replayed tested nothing.
    let untested: Vec<&str> = runs
        .iter()
        .filter(|r| r.replayed == 0)
        .map(|r| r.check.as_str())
        .collect();
    if !untested.is_empty() {
        eprintln!(
            "no walk could be replayed for {}: nothing was tested there",
            untested.join(", ")
        );
        return Ok(ExitCode::from(1));
    }
    Ok(if divergences == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Walks every check, the checks shared out among one Node driver per core
/// (each check's walks on one driver, in its order), and returns their runs in
/// the checks' order. Each check's walks come from its own seed, so the result
/// does not depend on which driver took it.
fn walk_checks_side_by_side(
    args: &FuzzArgs,
    weighting: Weighting,
    checks: &[CheckFile],
) -> Result<Vec<CheckRun>, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, checks.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<CheckRun, String>>>> =
        Mutex::new((0..checks.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                let mut driver = match BatchDriver::start() {
                    Ok(driver) => driver,
                    Err(e) => {
                        // Fail the next check, so that the error is reported.
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i < checks.len() {
                            results.lock().expect("no worker panics")[i] = Some(Err(e));
                        }
                        return;
                    }
                };
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(check) = checks.get(i) else { break };
                    if !args.json {
                        eprintln!("walking {} …", check.name);
                    }
                    let run = fuzz_check(args, weighting, check, &mut driver);
                    let failed = run.is_err();
                    results.lock().expect("no worker panics")[i] = Some(run);
                    if failed {
                        break;
                    }
                }
            });
        }
    });
    let results = results.into_inner().expect("no worker panics");
    let mut runs = Vec::new();
    for (check, run) in checks.iter().zip(results) {
        match run {
            Some(run) => runs.push(run?),
            None => {
                return Err(format!(
                    "{}: not walked (a driver failed before it)",
                    check.name
                ))
            }
        }
    }
    Ok(runs)
}

/// The longest walk `--max-steps` allows.
const MAX_STEPS: usize = 10_000;

/// Draws, replays and compares one check's walks.
fn fuzz_check(
    args: &FuzzArgs,
    weighting: Weighting,
    check: &CheckFile,
    driver: &mut BatchDriver,
) -> Result<CheckRun, String> {
    let started = Instant::now();
    let model = convex_auth_model::model::build(&check.scenario);
    let monitored = replay::monitored(check);
    let mut run = CheckRun {
        check: check.name.clone(),
        release: check.scenario.client.name().to_string(),
        walks: args.walks,
        replayed: 0,
        steps: 0,
        monitored: monitored.iter().map(|p| p.to_string()).collect(),
        divergences: Vec::new(),
        seconds: 0.0,
        not_replayable: None,
    };
    let empty = IndexPath {
        init: 0,
        actions: Vec::new(),
    };
    if let Err(why) = replay::plan(&model, &empty) {
        run.not_replayable = Some(why);
        run.seconds = started.elapsed().as_secs_f64();
        return Ok(run);
    }
    let mut sampler = Sampler::new(
        &model,
        check_seed(args.seed, &check.name),
        weighting,
        args.max_steps,
    );
    let mut unplayable = 0;
    let mut first_reason = None;
    for walk in 0..args.walks {
        let path = sampler.walk();
        let outcome = replay_walk(&model, &monitored, &path, driver)?;
        match outcome {
            Walk::NotPlayable(why) => {
                unplayable += 1;
                first_reason.get_or_insert(why);
            }
            Walk::Agrees => {
                run.replayed += 1;
                run.steps += path.actions.len();
            }
            Walk::Diverges { at, what } => {
                run.replayed += 1;
                run.steps += path.actions.len();
                let shrunk =
                    fuzz::shrink(
                        &model,
                        &path,
                        at,
                        args.shrink_budget,
                        |p| match replay_walk(&model, &monitored, p, driver) {
                            Ok(Walk::Diverges { at, .. }) => Some(at),
                            _ => None,
                        },
                    );
                let what = match replay_walk(&model, &monitored, &shrunk, driver)? {
                    Walk::Diverges { what, .. } => what,
                    _ => what,
                };
                let written = write_divergence(
                    &args.out, check, &model, &shrunk, &monitored, args.seed, walk,
                );
                let trace = written
                    .map_err(|e| format!("cannot write under {}: {e}", args.out.display()))?;
                run.divergences.push(Divergence {
                    walk,
                    drawn: path.encode(),
                    shrunk: shrunk.encode(),
                    shrunk_steps: shrunk.actions.len(),
                    what,
                    trace,
                });
            }
        }
    }
    if unplayable > 0 {
        run.not_replayable = Some(format!(
            "{unplayable} of {} walks: {}",
            args.walks,
            first_reason.unwrap_or_default()
        ));
    }
    run.seconds = started.elapsed().as_secs_f64();
    Ok(run)
}

/// One walk's replay.
enum Walk {
    Agrees,
    /// Diverges in the model step `at` (the length of the prefix that shows it).
    Diverges {
        at: usize,
        what: String,
    },
    NotPlayable(String),
}

/// Plans, runs and compares one walk. Errs only when the driver is gone.
/// `monitored`: the properties the driver watches on the real client.
fn replay_walk(
    model: &AuthModel,
    monitored: &[&str],
    path: &IndexPath,
    driver: &mut BatchDriver,
) -> Result<Walk, String> {
    let plan = match replay::plan_monitored(model, path, monitored) {
        Ok(p) => p,
        Err(why) => return Ok(Walk::NotPlayable(why)),
    };
    let observations = match driver.run(&plan.script) {
        Ok(o) => o,
        Err(why) if why.starts_with("the driver could not run") => {
            return Ok(Walk::Diverges {
                at: path.actions.len(),
                what: why,
            })
        }
        Err(why) => return Err(why),
    };
    Ok(match replay::compare(&plan, &observations) {
        Comparison::Agrees => Walk::Agrees,
        d @ Comparison::Diverges { trace_step, .. } => Walk::Diverges {
            at: trace_step.min(path.actions.len()),
            what: d.to_string(),
        },
    })
}

/// Writes the shrunk walk as `<out>/<check>/divergence-seed<S>-walk<N>.trace.json`,
/// a trace `replay` accepts.
fn write_divergence(
    out: &Path,
    check: &CheckFile,
    model: &AuthModel,
    path: &IndexPath,
    monitored: &[&str],
    seed: u64,
    walk: usize,
) -> std::io::Result<Option<PathBuf>> {
    let Some(replayed) = convex_auth_model::trace::Walk::of(model, path) else {
        return Ok(None);
    };
    let mut trace = convex_auth_model::trace::of_walk(&check.name, model.scenario(), &replayed);
    trace.property = "replay on the real client".into();
    trace.tag = "DIVERGES".into();
    trace.verdict = "diverges".into();
    trace.method = format!("fuzz --seed {seed}, walk {walk}, shrunk");
    trace.violation_at = Some(path.actions.len());
    trace.monitored = monitored.iter().map(|p| p.to_string()).collect();
    let dir = out.join(&check.name);
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("divergence-seed{seed}-walk{walk}.trace.json"));
    let text = serde_json::to_string_pretty(&trace).map_err(std::io::Error::other)?;
    let written = crate::report::write_own_file(&file, &check.name, (text + "\n").as_bytes())?;
    Ok(written.then_some(file))
}

/// How many different divergences the table's notes show per check.
const SHOWN_PER_CHECK: usize = 5;

fn print_table(runs: &[CheckRun], args: &FuzzArgs) {
    let mut rows = vec![[
        "CHECK",
        "RELEASE",
        "WALKS",
        "REPLAYED",
        "STEPS",
        "DIVERGENCES",
        "WALKS/S",
        "MONITORED ON THE REAL CLIENT",
    ]
    .map(String::from)
    .to_vec()];
    for r in runs {
        rows.push(vec![
            r.check.clone(),
            r.release.clone(),
            r.walks.to_string(),
            r.replayed.to_string(),
            r.steps.to_string(),
            r.divergences.len().to_string(),
            format!("{:.1}", r.walks_per_second()),
            if r.monitored.is_empty() {
                "-".into()
            } else {
                r.monitored.join(",")
            },
        ]);
    }
    let replayed: usize = runs.iter().map(|r| r.replayed).sum();
    let seconds: f64 = runs.iter().map(|r| r.seconds).sum();
    rows.push(vec![
        "TOTAL".into(),
        String::new(),
        runs.iter().map(|r| r.walks).sum::<usize>().to_string(),
        replayed.to_string(),
        runs.iter().map(|r| r.steps).sum::<usize>().to_string(),
        runs.iter()
            .map(|r| r.divergences.len())
            .sum::<usize>()
            .to_string(),
        format!("{:.1}", replayed as f64 / seconds.max(1e-9)),
        String::new(),
    ]);
    crate::report::print_aligned(&rows);
    println!(
        "\nseed {}, {} walks per check of at most {} steps, {} weighting",
        args.seed,
        args.walks,
        args.max_steps,
        match args.weighting {
            WeightingArg::Uniform => "uniform",
            WeightingArg::Rare => "rare-event",
        }
    );
    for r in runs {
        if let Some(why) = &r.not_replayable {
            println!("{}: not replayed: {why}", r.check);
        }
        // Walks that shrink to the same walk are one divergence, told once.
        let mut told: Vec<&str> = Vec::new();
        for d in &r.divergences {
            if told.contains(&d.shrunk.as_str()) {
                continue;
            }
            if told.len() == SHOWN_PER_CHECK {
                println!("{}: and more divergences (--json lists every one)", r.check);
                break;
            }
            told.push(&d.shrunk);
            let same = r
                .divergences
                .iter()
                .filter(|x| x.shrunk == d.shrunk)
                .count();
            println!(
                "{}: walk {} diverges{}; shrunk from {} to {} steps: {}",
                r.check,
                d.walk,
                if same > 1 {
                    format!(" (and {} more walks shrink to the same)", same - 1)
                } else {
                    String::new()
                },
                d.drawn.split('/').count() - 1,
                d.shrunk_steps,
                d.what
            );
            if let Some(t) = &d.trace {
                println!(
                    "  convex-auth-check replay {}   (explorer path {})",
                    t.display(),
                    d.shrunk
                );
            }
        }
    }
}
