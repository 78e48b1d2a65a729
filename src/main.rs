//! `convex-auth-check`: model-checks the Convex client authentication protocol.
//!
//! Thin CLI over the `convex-auth-model` crate: it finds check files, runs them,
//! prints the table or JSON and writes counterexample traces. No model logic here.

mod bench;
mod conformance;
mod explorer_front;
mod fuzz;
mod hook;
mod limits;
mod replay;
mod report;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use convex_auth_model::check::{self, CheckFile, CheckResult};

use limits::LimitArgs;

/// mimalloc as the allocator: exploring clones and frees millions of small
/// states, on several threads, and glibc's allocator spent about 40 % of a
/// 2-thread exploration in malloc and free (perf), serialising threads on its
/// arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "convex-auth-check",
    version,
    about = "Model-checks the Convex client auth protocol (convex 1.49.0 and every earlier release whose auth changed) and explains every violation",
    long_about = "Model-checks the Convex client authentication protocol exhaustively.\n\n\
        With no subcommand, runs every check file in ./checks and prints one table: \
        check × property → holds / violated (depth N) / inconclusive.\n\
        Exit status: 0 when every verdict is what its check file expects, 1 when one differs \
        (or a replay diverges), 2 on bad input."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run check files (default: every file in ./checks) and compare verdicts with their expectations.
    Check(CheckArgs),
    /// List adapters, client releases, version switches, properties and scenario knobs.
    List,
    /// Serve the stateright Explorer for one check's model and print the deep link of
    /// each counterexample (blocks until interrupted).
    Explore(ExploreArgs),
    /// Check one file and write the counterexample files without running the suite.
    Export(ExportArgs),
    /// Replay a counterexample (a .trace.json file) on the real convex client of its release
    /// and compare it with the model, step by step.
    Replay(ReplayArgs),
    /// Print the bug catalogue as a Markdown table: each catalogued bug, where it is
    /// and where it is fixed, its properties, the verdicts of its checks on the
    /// affected release and on the fix, and the replays of its counterexamples on
    /// the release each check names (checks/catalogue/bugs.toml and the check files
    /// with a [bug] table). The README's table is this output.
    Catalogue(CatalogueArgs),
    /// Print the adapters × faults table as Markdown: every adapter row alone with
    /// each fault of checks/matrix/faults.toml, in that file's world, and the tags
    /// of the properties each cell violates ("holds": every property holds and
    /// every sanity property is reached; "no S2": a sanity property is not). The
    /// README's table in "If you hit #259" is this output.
    Matrix(MatrixArgs),
    /// Model-based testing of the real client: draw random walks through each check's
    /// model, replay each on the real convex client of the check's release (and the
    /// real adapter code where the harness has it) with the properties the check
    /// expects to hold watched on the real side, and report walks, steps,
    /// divergences and walks/s per check. Each divergence is shrunk and written as
    /// a trace file that `replay` accepts. Exit 1 when a walk diverges.
    Fuzz(fuzz::FuzzArgs),
    /// Check your own hook: run the file (a hook for ConvexProviderWithAuth, or a
    /// provider component) over the real SDK it imports, learn which
    /// [scenario.custom_adapter] description every walk agrees with, check it in
    /// every world of checks/matrix/faults.toml, and say what to change. Exit 0
    /// when every property holds, 1 when one is violated, 2 on bad input, 3 when
    /// no description of the model explains what the hook did, 4 when none is
    /// violated but a world's check stopped at --max-states.
    Hook(hook::HookArgs),
    /// Measure both engines on check files, one child process per run: states,
    /// seconds, states/s, peak memory, bytes per state and the ratios between them.
    Bench(bench::BenchArgs),
    /// One measurement of `bench`, in this process (prints one JSON line).
    #[command(hide = true)]
    BenchOne(bench::BenchOneArgs),
}

#[derive(Args)]
struct CatalogueArgs {
    /// The checks folder (with catalogue/bugs.toml).
    #[arg(long, value_name = "DIR", default_value = "checks")]
    checks: PathBuf,
    /// Do not replay counterexamples (the replay column then says "not run").
    #[arg(long)]
    no_replay: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Args)]
struct MatrixArgs {
    /// The matrix file: the world, the adapter rows and the fault columns.
    #[arg(long, value_name = "FILE", default_value = "checks/matrix/faults.toml")]
    file: PathBuf,
    /// Turn a version switch on in every cell (`[base.switches] NAME = true`), e.g.
    /// `--switch proposal_keep_trying` for the table of this project's client
    /// proposal. Repeatable; `list` shows the switches.
    #[arg(long = "switch", value_name = "NAME")]
    switches: Vec<String>,
    /// Print one JSON document instead of the table: per cell its adapter, fault,
    /// verdict words and every property's verdict (null where the model cannot
    /// describe the combination, with the reason).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    limits: LimitArgs,
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
    /// Port to listen on (0: any free port; the one bound is printed).
    #[arg(long, default_value_t = convex_auth_model::trace::DEFAULT_EXPLORER_PORT)]
    port: u16,
    /// Address to listen on. Only loopback unless you say otherwise: the Explorer
    /// has no authentication.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Args)]
struct ExportArgs {
    /// The check file.
    file: PathBuf,
    /// Which files to write per counterexample (files of the other formats are left alone).
    #[arg(long, value_enum, default_value_t = FormatArg::All)]
    format: FormatArg,
    /// Folder to write into (a sub-folder per check).
    #[arg(long, value_name = "DIR", default_value = "target/counterexamples")]
    out: PathBuf,
    #[command(flatten)]
    limits: LimitArgs,
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

impl FormatArg {
    fn formats(self) -> report::Formats {
        let only = |json, itf, md| report::Formats { json, itf, md };
        match self {
            FormatArg::Json => only(true, false, false),
            FormatArg::Itf => only(false, true, false),
            FormatArg::Md => only(false, false, true),
            FormatArg::All => report::Formats::ALL,
        }
    }
}

#[derive(Args)]
struct CheckArgs {
    /// Check files (TOML) to run; default: every *.toml in ./checks.
    files: Vec<PathBuf>,
    /// Print exactly one JSON document on stdout instead of the table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    limits: LimitArgs,
    /// Which checker decides: this project's engine (shortest traces, liveness over
    /// cycles) or stateright 0.31's BFS, for comparison.
    #[arg(long, value_enum, default_value_t = EngineArg::Native)]
    engine: EngineArg,
    /// Threads to explore each check with (1 to 1024). The verdicts, counts and
    /// traces are the same whatever the number; on a large check 2 threads are
    /// about 1.5× as fast as 1 (see `bench`).
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = bench::parse_threads)]
    threads: usize,
    /// Replay every counterexample on the real convex client of its check's release (conformance/;
    /// needs Node and `npm ci --prefix conformance`) and compare it with the model.
    /// A divergence makes the exit status 1.
    #[arg(long)]
    replay: bool,
    /// Folder for counterexample traces (a sub-folder per check).
    #[arg(long, value_name = "DIR", default_value = "target/counterexamples")]
    out: PathBuf,
}

impl Default for CheckArgs {
    fn default() -> Self {
        CheckArgs {
            files: Vec::new(),
            json: false,
            limits: LimitArgs::default(),
            engine: EngineArg::Native,
            threads: 1,
            replay: false,
            out: PathBuf::from("target/counterexamples"),
        }
    }
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
    let command = cli.command.unwrap_or(Command::Check(CheckArgs::default()));
    share_explorations_if_asked(&command);
    let outcome = match command {
        Command::Check(args) => run_checks(args),
        Command::List => {
            report::print_list();
            Ok(ExitCode::SUCCESS)
        }
        Command::Explore(args) => explore(args),
        Command::Export(args) => export(args),
        Command::Replay(args) => replay_trace(args),
        Command::Catalogue(args) => catalogue(args),
        Command::Matrix(args) => matrix(args),
        Command::Fuzz(args) => fuzz::run(args),
        Command::Hook(args) => hook::run(args),
        Command::Bench(args) => bench::run(args),
        Command::BenchOne(args) => bench::run_one(args),
    };
    outcome.unwrap_or_else(|message| {
        eprintln!("error: {message}");
        ExitCode::from(2)
    })
}

/// What a command returns: its exit status, or the one line of a bad-input error
/// (exit 2).
type Outcome = Result<ExitCode, String>;

fn replay_trace(args: ReplayArgs) -> Outcome {
    use convex_auth_model::trace::{replay::MONITORABLE, Trace};
    let file = args.trace.display();
    let text =
        std::fs::read_to_string(&args.trace).map_err(|e| format!("{file}: cannot read: {e}"))?;
    let trace = Trace::from_json(&text).map_err(|e| format!("{file}: {e}"))?;
    let scenario = trace.scenario;
    // The same checks as a check file's scenario: a trace is input too.
    scenario.validate().map_err(|e| format!("{file}: {e}"))?;
    let path = convex_auth_model::engine::IndexPath::decode(&trace.explorer_path).ok_or(
        format!("{file}: field \"explorer_path\" is not of the form init/a1/a2/…"),
    )?;
    // A walk `fuzz` wrote says which properties the driver watched: watch them again.
    let monitored: Vec<&str> = trace
        .monitored
        .iter()
        .map(|p| {
            MONITORABLE.into_iter().find(|m| m == p).ok_or(format!(
                "{file}: field \"monitored\": {p} is not one of {}",
                MONITORABLE.join(", ")
            ))
        })
        .collect::<Result<_, _>>()?;
    let model = convex_auth_model::model::build(&scenario);
    let plan = convex_auth_model::trace::replay::plan_monitored(&model, &path, &monitored)
        .map_err(|why| format!("{file}: not replayable: {why}"))?;
    let observations = conformance::run_driver(&plan.script)?;
    if args.verbose {
        println!(
            "{}",
            serde_json::json!({"script": plan.script, "observations": observations})
        );
    }
    let result = convex_auth_model::trace::replay::compare(&plan, &observations);
    println!("{result}");
    Ok(match result {
        convex_auth_model::trace::replay::Comparison::Agrees => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

fn load_one(file: &Path) -> Result<CheckFile, String> {
    CheckFile::load(file).map_err(|e| e.to_string())
}

/// Says on stderr that a run stopped at a limit, and how far it got.
fn note_inconclusive(check: &CheckFile, result: &CheckResult) {
    if let Some(limit) = result.stopped_by {
        eprintln!(
            "{}: inconclusive after {} states (limit: {limit}); what was found so far is reported",
            check.name, result.unique_states
        );
    }
}

fn export(args: ExportArgs) -> Outcome {
    let check = load_one(&args.file)?;
    report::prepare_out(&args.out, std::slice::from_ref(&check))?;
    let result = check::run(&check, args.limits.resolve()?);
    note_inconclusive(&check, &result);
    let counterexamples = report::Counterexamples::of(&check, &result);
    let (written, failure) = match report::write_traces(
        &args.out,
        &check,
        &args.file,
        &result,
        &counterexamples,
        args.format.formats(),
    ) {
        Ok(written) => (written, None),
        Err(e) => (e.written, Some(e.message)),
    };
    if written.is_empty() && failure.is_none() {
        println!("{}: no counterexample to write", check.name);
    }
    for f in written.iter().flat_map(|w| &w.files) {
        println!("{}", f.display());
    }
    if let Some(message) = failure {
        return Err(message);
    }
    print_mismatches_of(&check, &result);
    Ok(exit_status(&result))
}

/// Exit 0 when every verdict is what the check file expects, else 1.
fn exit_status(result: &CheckResult) -> ExitCode {
    if result.properties.iter().all(|p| p.matches()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Says on stderr which verdicts differ from the check file.
fn print_mismatches_of(check: &CheckFile, result: &CheckResult) {
    for p in result.properties.iter().filter(|p| !p.matches()) {
        eprintln!(
            "{}: {}: expected {}, got {}",
            check.name,
            p.slug,
            p.expected.name(),
            report::verdict_text(p, result)
        );
    }
}

fn explore(args: ExploreArgs) -> Outcome {
    let check = load_one(&args.file)?;
    let limits = args.limits.resolve()?;
    let loopback = matches!(args.host.as_str(), "127.0.0.1" | "localhost" | "::1");
    if !loopback {
        eprintln!(
            "warning: serving the Explorer on {} makes it reachable from other machines; it has no authentication",
            args.host
        );
    }
    // Hold the port while the model check runs, so that nothing takes it meanwhile;
    // with --port 0 this is also how the port gets chosen.
    let listener = std::net::TcpListener::bind((args.host.as_str(), args.port)).map_err(|e| {
        format!(
            "cannot listen on {}:{}: {e} (choose another with --port)",
            args.host, args.port
        )
    })?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?
        .port();
    let result = check::run(&check, limits);
    note_inconclusive(&check, &result);
    if !result.complete {
        eprintln!(
            "note: the exploration did not finish, so the Explorer's page says \"Inconclusive\" for every property it finds no counterexample of before the same limit"
        );
    }
    let url_host = if args.host.contains(':') {
        format!("[{}]", args.host)
    } else {
        args.host.clone()
    };
    println!(
        "stateright Explorer for {} on http://{url_host}:{port}/",
        check.name
    );
    for (p, path) in result.violations() {
        println!(
            "  {} {}: {}",
            p.tag,
            p.slug,
            convex_auth_model::trace::explorer_link(&url_host, port, path)
        );
    }
    println!("(Ctrl-C to stop)");
    let model = convex_auth_model::engines::StaterightModel::with_doomed_states(
        convex_auth_model::model::build(&check.scenario),
        &result.doomed_states(),
    );
    if let Some(limit) = result.stopped_by {
        // The page must not call what the limit left undecided "holds": a front
        // on the port serves the Explorer, which listens on a loopback port.
        let backend = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("cannot find a free loopback port for the Explorer: {e}"))?
            .port();
        explorer_front::serve(listener, backend, limit.to_string());
        serve_explorer(model, "127.0.0.1", backend, limits)?;
        return Ok(ExitCode::SUCCESS);
    }
    drop(listener);
    serve_explorer(model, &args.host, port, limits)?;
    Ok(ExitCode::SUCCESS)
}

/// Serves the Explorer until interrupted. stateright panics when it cannot listen
/// (another process took the port in the instant between our check and its bind):
/// that panic becomes an error line.
/// The limits bound the Explorer's own "Run to completion" too.
fn serve_explorer(
    model: convex_auth_model::engines::StaterightModel,
    host: &str,
    port: u16,
    limits: convex_auth_model::engine::Limits,
) -> Result<(), String> {
    use stateright::Model;
    use std::sync::{Arc, Mutex};
    // The main thread's panic becomes the error line; other threads' panics are
    // reported as usual.
    let message = Arc::new(Mutex::new(String::new()));
    let seen = Arc::clone(&message);
    let previous: Arc<dyn Fn(&std::panic::PanicHookInfo) + Send + Sync> =
        Arc::from(std::panic::take_hook());
    let for_others = Arc::clone(&previous);
    let main_thread = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() != main_thread {
            return for_others(info);
        }
        if let Ok(mut m) = seen.lock() {
            *m = info
                .to_string()
                .lines()
                .last()
                .unwrap_or_default()
                .to_string();
        }
    }));
    let address = (host.to_string(), port);
    let mut checker = model.checker();
    if let Some((n, _)) = check::stateright_state_cap(limits) {
        checker = checker.target_state_count(n);
    }
    if let Some(d) = limits.max_duration {
        checker = checker.timeout(d.min(convex_auth_model::engine::MAX_DURATION));
    }
    let served = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        checker.serve(address);
    }));
    std::panic::set_hook(Box::new(move |info| previous(info)));
    served.map_err(|_| {
        let why = message.lock().map(|m| m.clone()).unwrap_or_default();
        format!("cannot serve the Explorer on {host}:{port}: {why} (choose another with --port)")
    })
}

/// With `CONVEX_AUTH_CHECK_CACHE=DIR` in the environment (the test suite sets it
/// for the runs it starts), explorations are stored in DIR and reused by later
/// runs of the same model (`convex_auth_model::check::cache`). Never for
/// the command that measures exploration, `bench`.
fn share_explorations_if_asked(command: &Command) {
    use convex_auth_model::check::cache as exploration_cache;
    let measures = matches!(command, Command::Bench(_) | Command::BenchOne(_));
    match std::env::var_os(exploration_cache::ENV_VAR) {
        Some(dir) if !measures && !dir.is_empty() => exploration_cache::enable(dir),
        _ => {}
    }
}

/// The check files to run: the given ones, or every `*.toml` of `./checks`.
fn check_files(given: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    let dir = PathBuf::from("checks");
    if !dir.is_dir() {
        let here = std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|_| ".".into());
        return Err(format!(
            "no check files given and no checks/ folder in {here}; give check files as arguments or run from the repository root"
        ));
    }
    check_files_in(&dir)
}

/// Every `*.toml` of `dir`, sorted; an error when there is none.
fn check_files_in(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let files = check::files_in(dir).map_err(|e| e.to_string())?;
    if files.is_empty() {
        return Err(format!("no *.toml check files in {}", dir.display()));
    }
    Ok(files)
}

/// Loads every file, then refuses two checks with the same name: they would write
/// into the same folder.
fn load_all(files: &[PathBuf]) -> Result<Vec<(PathBuf, CheckFile)>, String> {
    let mut loaded = Vec::new();
    let mut by_name: BTreeMap<String, PathBuf> = BTreeMap::new();
    for file in files {
        let check = load_one(file)?;
        if let Some(first) = by_name.insert(check.name.clone(), file.clone()) {
            return Err(format!(
                "{}: name {:?} is already the name of {}; check names must be unique (each names its output folder)",
                file.display(),
                check.name,
                first.display()
            ));
        }
        loaded.push((file.clone(), check));
    }
    Ok(loaded)
}

fn run_checks(args: CheckArgs) -> Outcome {
    let files = check_files(&args.files)?;
    let loaded = load_all(&files)?;
    let limits = args.limits.resolve()?;
    let checks: Vec<CheckFile> = loaded.iter().map(|(_, c)| c.clone()).collect();
    report::prepare_out(&args.out, &checks)?;
    let engine = match args.engine {
        EngineArg::Native => check::Engine::Native,
        EngineArg::Stateright => check::Engine::Stateright,
    };
    let mut runs = Vec::new();
    let mut write_failures = Vec::new();
    let progress_bar = !args.json && std::io::stderr().is_terminal();
    for (file, check) in loaded {
        let estimate = convex_auth_model::config::estimated_states(&check.scenario);
        if estimate >= LARGE_ESTIMATE && !args.json {
            eprintln!(
                "{}: about {estimate:.1e} unique states estimated; --max-seconds or --max-states bounds the run",
                check.name
            );
        }
        let result = if progress_bar && engine == check::Engine::Native {
            bench::run_showing_progress(&check, limits, args.threads)
        } else {
            if !args.json {
                eprintln!("checking {} …", check.name);
            }
            check::run_with(&check, limits, engine, args.threads)
        };
        let counterexamples = report::Counterexamples::of(&check, &result);
        let traces = match report::write_traces(
            &args.out,
            &check,
            &file,
            &result,
            &counterexamples,
            report::Formats::ALL,
        ) {
            Ok(traces) => traces,
            Err(e) => {
                write_failures.push(e.message);
                e.written
            }
        };
        let replays = if args.replay {
            Some(replay_all(&result, &counterexamples)?)
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
    let divergences = runs
        .iter()
        .flat_map(|r| r.replays.iter().flatten())
        .filter(|(_, x)| x.word() == "diverges")
        .count();
    // The table is out; a counterexample file that could not be written (a full
    // disk) still makes the run fail.
    if !write_failures.is_empty() {
        for message in &write_failures {
            eprintln!("error: {message}");
        }
        return Ok(ExitCode::from(2));
    }
    Ok(if mismatches == 0 && divergences == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// An estimate from which `check` says how large a check is before it runs.
const LARGE_ESTIMATE: f64 = 1e7;

/// Runs every check of the catalogue and prints its table. Exit 1 when a verdict
/// is not what its check expects or a replay diverges.
fn catalogue(args: CatalogueArgs) -> Outcome {
    use convex_auth_model::catalogue::{self, Catalogue};
    let cat = Catalogue::load(&args.checks)?;
    let loaded = load_all(&check_files_in(&args.checks)?)?;
    let named: Vec<(String, CheckFile)> = loaded
        .iter()
        .map(|(f, c)| (f.display().to_string(), c.clone()))
        .collect();
    cat.check_against(&named)?;
    let limits = args.limits.resolve()?;
    let mut outcomes = Vec::new();
    let mut failed = false;
    for (_, check) in loaded {
        let Some(bug) = check.bug else { continue };
        let properties = &cat.bug(bug.number).expect("checked").properties;
        eprintln!("checking {} …", check.name);
        let result = check::run(&check, limits);
        note_inconclusive(&check, &result);
        failed |= result.properties.iter().any(|p| !p.matches());
        let replays = if args.no_replay || bug.role == catalogue::Role::Fix {
            None
        } else {
            let model = convex_auth_model::model::build(&check.scenario);
            let mut words = Vec::new();
            for (p, path) in result.violations() {
                if properties.iter().any(|s| s == p.slug) {
                    let r = replay::replay_path(&model, path)?;
                    failed |= r.word() == "diverges";
                    words.push(match r {
                        replay::Replay::NotReplayable(_) => r.to_string(),
                        _ => r.word().to_string(),
                    });
                }
            }
            Some(words)
        };
        outcomes.push(catalogue::Outcome {
            check: check.name.clone(),
            bug,
            release: check.scenario.client.name().to_string(),
            verdicts: result
                .properties
                .iter()
                .map(|p| (p.slug.to_string(), (p.verdict.name(), p.depth)))
                .collect(),
            replays,
        });
    }
    print!("{}", catalogue::table(&cat, &outcomes));
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs every cell of the adapters × faults matrix and prints its table.
fn matrix(args: MatrixArgs) -> Outcome {
    use convex_auth_model::matrix::{self, Matrix};
    let m = Matrix::load(&args.file, &args.switches)?;
    let limits = args.limits.resolve()?;
    let results = m.run(limits, &mut |check, result| {
        note_inconclusive(check, result);
        eprintln!("{}: {}", check.name, matrix::verdict(result));
    });
    if args.json {
        println!("{:#}", matrix::json(&m, &results));
    } else {
        print!("{}", matrix::table(&m, &results));
    }
    // A cell a limit cut short is not established: the table is not either.
    let cells: Vec<&CheckResult> = results.iter().flatten().flatten().collect();
    let cut = cells.iter().filter(|r| !r.complete).count();
    if cut > 0 {
        eprintln!(
            "{cut} of {} cells are inconclusive (a limit was hit): the table is incomplete",
            cells.len()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Replays every counterexample of one check on the real client, each from the
/// walk its reports were rendered from.
fn replay_all(
    result: &CheckResult,
    counterexamples: &report::Counterexamples,
) -> Result<Vec<(String, replay::Replay)>, String> {
    result
        .violations()
        .map(|(p, _)| {
            let replay = match counterexamples.walk_of(p.slug) {
                Some(walk) => replay::replay_walk(&counterexamples.model, walk)?,
                None => {
                    replay::Replay::NotReplayable("the path does not replay on this model".into())
                }
            };
            Ok((p.slug.to_string(), replay))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_taken_at_serve_time_is_an_error_not_a_panic() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let check = CheckFile::load(&PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/checks/workos-0.0.3-authkit-expiry.toml"
        )))
        .unwrap();
        let result = check::run(&check, Default::default());
        let model = convex_auth_model::engines::StaterightModel::with_doomed_states(
            convex_auth_model::model::build(&check.scenario),
            &result.doomed_states(),
        );
        let err = serve_explorer(model, "127.0.0.1", port, Default::default()).unwrap_err();
        assert!(err.contains("cannot serve the Explorer"), "{err}");
        assert!(err.contains(&port.to_string()), "{err}");
    }
}
