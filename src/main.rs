//! `convex-auth-check`: model-checks the Convex client authentication protocol.
//!
//! Thin CLI over the `convex-auth-model` crate: it finds check files, runs them,
//! prints the table or JSON and writes counterexample traces. No model logic here.

mod replay;
mod report;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use convex_auth_model::check::{self, CheckFile, CheckFileError};

use convex_auth_model::engine::Limits;

#[derive(Parser)]
#[command(
    name = "convex-auth-check",
    version,
    about = "Model-checks the Convex client auth protocol (convex@1.49.0) and explains every violation",
    long_about = "Model-checks the Convex client authentication protocol exhaustively.\n\n\
        With no subcommand, runs every check file in checks/ and prints one table: \
        check × property → holds / violated (depth N) / inconclusive.\n\
        Exit status: 0 when every verdict is what its check file expects, 1 when one differs, 2 on bad input."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run check files (default: every file in checks/) and compare verdicts with their expectations.
    Check(CheckArgs),
    /// List adapters, client releases, version switches, properties and scenario knobs.
    List,
    /// Serve the stateright Explorer for one check's model and print the deep link of
    /// each counterexample (blocks until interrupted).
    Explore(ExploreArgs),
    /// Check one file and write the counterexample files without running the suite.
    Export(ExportArgs),
    /// Replay a counterexample (a .trace.json file) on the real convex@1.49.0 client
    /// and compare it with the model, step by step.
    Replay(ReplayArgs),
}

#[derive(Args)]
struct ReplayArgs {
    /// A trace written by `check` (target/counterexamples/<check>/<property>.trace.json).
    trace: PathBuf,
    /// Also print the replay script and the driver's observations as JSON.
    #[arg(long)]
    verbose: bool,
}

#[derive(Args)]
struct ExploreArgs {
    /// The check file whose model to serve.
    file: PathBuf,
    /// Port to listen on.
    #[arg(long, default_value_t = convex_auth_model::trace::DEFAULT_EXPLORER_PORT)]
    port: u16,
    /// Address to listen on. Only loopback unless you say otherwise: the Explorer
    /// has no authentication.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
}

#[derive(Args)]
struct ExportArgs {
    /// The check file.
    file: PathBuf,
    /// Which files to write per counterexample.
    #[arg(long, value_enum, default_value_t = FormatArg::All)]
    format: FormatArg,
    /// Folder to write into (a sub-folder per check).
    #[arg(long, value_name = "DIR", default_value = "target/counterexamples")]
    out: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// `<property>.trace.json`: this project's trace schema.
    Json,
    /// `<property>.itf.json`: Informal Trace Format.
    Itf,
    /// `<property>.md`: narrative, Mermaid diagram and end state.
    Md,
    /// All three.
    All,
}

#[derive(Args, Default)]
struct CheckArgs {
    /// Check files (TOML) to run; default: every *.toml in checks/.
    files: Vec<PathBuf>,
    /// Print exactly one JSON document on stdout instead of the table.
    #[arg(long)]
    json: bool,
    /// Stop exploring a check after this many unique states (verdicts become inconclusive).
    #[arg(long, value_name = "N")]
    max_states: Option<usize>,
    /// Stop exploring a check after this many seconds (verdicts become inconclusive).
    #[arg(long, value_name = "SECONDS")]
    max_seconds: Option<f64>,
    /// Which checker decides: this project's engine (shortest traces, liveness over
    /// cycles) or stateright 0.31's BFS, for comparison.
    #[arg(long, value_enum, default_value_t = EngineArg::Native)]
    engine: EngineArg,
    /// Replay every counterexample on the real convex@1.49.0 client (conformance/;
    /// needs Node and `npm ci --prefix conformance`) and compare it with the model.
    #[arg(long)]
    replay: bool,
    /// Folder for counterexample traces.
    #[arg(long, value_name = "DIR", default_value = "target/counterexamples")]
    out: PathBuf,
}

#[derive(Clone, Copy, Default, ValueEnum)]
enum EngineArg {
    /// BFS with parent pointers; liveness as doomed states (AG EF goal) with lassos.
    #[default]
    Native,
    /// stateright's own BFS checker (discoveries may not be shortest; Eventually
    /// judged at dead ends only).
    Stateright,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Check(CheckArgs {
        out: PathBuf::from("target/counterexamples"),
        ..CheckArgs::default()
    })) {
        Command::Check(args) => run_checks(args),
        Command::List => {
            report::print_list();
            ExitCode::SUCCESS
        }
        Command::Explore(args) => explore(args),
        Command::Export(args) => export(args),
        Command::Replay(args) => replay_trace(args),
    }
}

fn replay_trace(args: ReplayArgs) -> ExitCode {
    let fail = |msg: String| {
        eprintln!("error: {msg}");
        ExitCode::from(2)
    };
    let text = match std::fs::read_to_string(&args.trace) {
        Ok(t) => t,
        Err(e) => return fail(format!("{}: cannot read: {e}", args.trace.display())),
    };
    let trace: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return fail(format!("{}: not JSON: {e}", args.trace.display())),
    };
    let scenario = match serde_json::from_value(trace["scenario"].clone()) {
        Ok(s) => s,
        Err(e) => {
            return fail(format!(
                "{}: no usable \"scenario\": {e}",
                args.trace.display()
            ))
        }
    };
    let Some(path) = trace["explorer_path"].as_str().and_then(parse_path) else {
        return fail(format!(
            "{}: no usable \"explorer_path\"",
            args.trace.display()
        ));
    };
    let model = convex_auth_model::model::build(&scenario);
    let plan = match convex_auth_model::trace::replay::plan(&model, &path) {
        Ok(p) => p,
        Err(why) => {
            println!("not replayable: {why}");
            return ExitCode::SUCCESS;
        }
    };
    let observations = match convex_auth_model::trace::replay::run_driver(&plan.script) {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    if args.verbose {
        println!(
            "{}",
            serde_json::json!({"script": plan.script, "observations": observations})
        );
    }
    let result = convex_auth_model::trace::replay::compare(&plan, &observations);
    println!("{result}");
    match result {
        convex_auth_model::trace::replay::Comparison::Agrees => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    }
}

/// Parses `init/a1/a2/…`.
fn parse_path(s: &str) -> Option<convex_auth_model::engine::IndexPath> {
    let mut parts = s.split('/').map(|x| x.parse::<usize>().ok());
    let init = parts.next()??;
    let actions = parts.collect::<Option<Vec<_>>>()?;
    Some(convex_auth_model::engine::IndexPath { init, actions })
}

fn load_one(file: &Path) -> Result<CheckFile, ExitCode> {
    CheckFile::load(file).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

fn export(args: ExportArgs) -> ExitCode {
    let check = match load_one(&args.file) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let formats = match args.format {
        FormatArg::Json => report::Formats {
            json: true,
            itf: false,
            md: false,
        },
        FormatArg::Itf => report::Formats {
            json: false,
            itf: true,
            md: false,
        },
        FormatArg::Md => report::Formats {
            json: false,
            itf: false,
            md: true,
        },
        FormatArg::All => report::Formats::ALL,
    };
    let result = check::run(&check, Limits::default());
    match report::write_traces(&args.out, &check, &result, formats) {
        Ok(written) => {
            if written.is_empty() {
                println!("{}: no counterexample to write", check.name);
            }
            for w in written {
                for f in w.files {
                    println!("{}", f.display());
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write under {}: {e}", args.out.display());
            ExitCode::from(2)
        }
    }
}

fn explore(args: ExploreArgs) -> ExitCode {
    let check = match load_one(&args.file) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let loopback = matches!(args.host.as_str(), "127.0.0.1" | "localhost" | "::1");
    if !loopback {
        eprintln!(
            "warning: serving the Explorer on {} makes it reachable from other machines; it has no authentication",
            args.host
        );
    }
    let address = format!("{}:{}", args.host, args.port);
    // stateright panics when the port is taken: find out first.
    if let Err(e) = std::net::TcpListener::bind(&address) {
        eprintln!("error: cannot listen on {address}: {e} (choose another with --port)");
        return ExitCode::from(2);
    }
    let result = check::run(&check, Limits::default());
    let url_host = if args.host.contains(':') {
        format!("[{}]", args.host)
    } else {
        args.host.clone()
    };
    println!(
        "stateright Explorer for {} on http://{url_host}:{}/",
        check.name, args.port
    );
    for (p, path) in result.violations() {
        println!(
            "  {} {}: {}",
            p.tag,
            p.slug,
            convex_auth_model::trace::explorer_link(&url_host, args.port, path)
        );
    }
    println!("(Ctrl-C to stop)");
    use stateright::Model;
    let model = convex_auth_model::model::build(&check.scenario);
    model.checker().serve(address);
    ExitCode::SUCCESS
}

/// The check files to run: the given ones, or every `*.toml` of `checks/`.
fn check_files(given: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    let dir = [
        PathBuf::from("checks"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("checks"),
    ]
    .into_iter()
    .find(|d| d.is_dir())
    .ok_or("no checks/ folder here; give check files as arguments")?;
    let files = check::files_in(&dir).map_err(|e| e.to_string())?;
    if files.is_empty() {
        return Err(format!("no *.toml check files in {}", dir.display()));
    }
    Ok(files)
}

fn run_checks(args: CheckArgs) -> ExitCode {
    let files = match check_files(&args.files) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(s) = args.max_seconds {
        if !(s.is_finite() && s > 0.0) {
            eprintln!("error: --max-seconds must be a positive number");
            return ExitCode::from(2);
        }
    }
    let loaded: Result<Vec<(PathBuf, CheckFile)>, CheckFileError> = files
        .iter()
        .map(|f| CheckFile::load(f).map(|c| (f.clone(), c)))
        .collect();
    let loaded = match loaded {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let limits = Limits {
        max_states: args.max_states,
        max_duration: args.max_seconds.map(Duration::from_secs_f64),
    };
    let mut runs = Vec::new();
    for (file, check) in loaded {
        if !args.json {
            eprintln!("checking {} …", check.name);
        }
        let engine = match args.engine {
            EngineArg::Native => check::Engine::Native,
            EngineArg::Stateright => check::Engine::Stateright,
        };
        let result = check::run_with(&check, limits, engine);
        let traces = match report::write_traces(&args.out, &check, &result, report::Formats::ALL) {
            Ok(t) => t,
            Err(e) => {
                eprintln!(
                    "error: cannot write traces under {}: {e}",
                    args.out.display()
                );
                return ExitCode::from(2);
            }
        };
        let replays = if args.replay {
            let model = convex_auth_model::model::build(&check.scenario);
            let mut replays = Vec::new();
            for (p, path) in result.violations() {
                match replay::replay_path(&model, path) {
                    Ok(r) => replays.push((p.slug.to_string(), r)),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            Some(replays)
        } else {
            None
        };
        runs.push(report::Run {
            file,
            check,
            result,
            traces,
            replays,
        });
    }
    if args.json {
        println!("{}", report::json(&runs));
    } else {
        report::print_table(&runs);
    }
    let mismatches = runs
        .iter()
        .flat_map(|r| &r.result.properties)
        .filter(|p| !p.matches())
        .count();
    if mismatches == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
