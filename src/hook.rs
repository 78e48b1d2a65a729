//! `hook FILE`: checks a user's own hook. It runs the file over the real SDK
//! client code in the harness, learns which description of the model
//! (`[scenario.custom_adapter]`) every walk agrees with, checks that
//! description in every world of the matrix, and says what to change
//! (`convex_auth_model::learn` has the candidates and the worlds).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, ValueEnum};
use serde::Serialize;

use convex_auth_model::adapters::{AdapterCode, CustomAdapter, CustomSdk};
use convex_auth_model::check::{CheckFile, CheckResult, Expected};
use convex_auth_model::config::ClientRelease;
use convex_auth_model::engine::{Kind, Verdict};
use convex_auth_model::events::Event;
use convex_auth_model::fuzz::{self, Rng};
use convex_auth_model::learn::{self, Group, World};
use convex_auth_model::matrix::Matrix;
use convex_auth_model::properties;
use convex_auth_model::trace::replay::{self, Comparison, HookSource};

use crate::conformance::BatchDriver;

/// Exit status when no description of the model explains what the hook did.
pub const CANNOT_DESCRIBE: u8 = 3;

/// Exit status when no property is violated but a world's check stopped at
/// its limit before deciding every property.
pub const INCONCLUSIVE: u8 = 4;

#[derive(Args)]
pub struct HookArgs {
    /// The file (.ts, .tsx, .js or .jsx) with your hook: a function of the shape
    /// ConvexProviderWithAuth takes (`useAuth(): {isLoading, isAuthenticated,
    /// fetchAccessToken}`), or a provider component that takes `client`,
    /// `useAuth` and `children`.
    file: PathBuf,
    /// The export to check (default: the file's only hook, named use…, or else
    /// its only component).
    #[arg(long, value_name = "NAME")]
    export: Option<String>,
    /// The IdP SDK under the hook (default: the one the file imports).
    #[arg(long, value_enum)]
    sdk: Option<SdkArg>,
    /// The convex release your app uses, for the checks (`list` shows the
    /// releases). The hook itself runs over convex 1.49.0.
    #[arg(long, default_value = "1.49.0", value_name = "VERSION")]
    client: String,
    /// Walks per candidate description and world (more tell more apart).
    #[arg(long, default_value_t = 6, value_name = "N")]
    walks: usize,
    /// The seed of the walks.
    #[arg(long, default_value_t = 1, value_name = "S")]
    seed: u64,
    /// Print one JSON document: the learned facts, the walks, the verdicts and
    /// the suggested change.
    #[arg(long)]
    json: bool,
    /// Folder for the stories of the violations (one sub-folder per world).
    #[arg(long, value_name = "DIR", default_value = "target/hook")]
    out: PathBuf,
    /// Stop each world's check after this many unique states (default
    /// 2000000, a few seconds); the verdicts not yet decided become
    /// inconclusive.
    #[arg(long, value_name = "N", value_parser = crate::limits::parse_states)]
    max_states: Option<usize>,
}

/// The SDKs the harness runs a hook over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SdkArg {
    /// @workos-inc/authkit-react 0.16.2 over @workos-inc/authkit-js 0.20.3.
    AuthkitReact,
    /// @workos-inc/authkit-nextjs 4.3.2 (its client code; the Server Actions
    /// answered by the harness).
    AuthkitNextjs,
    /// @workos/authkit-tanstack-react-start 0.11.1 (its client code; the
    /// server functions answered by the harness).
    TanstackStart,
}

/// The release `--client` names, or the one-line error listing the releases.
/// A release between two presets behaves as the earlier one: the error says
/// which.
fn client_release(client: &str) -> Result<ClientRelease, String> {
    ClientRelease::named(client).ok_or_else(|| {
        let known: Vec<&str> = ClientRelease::ALL.iter().map(|r| r.name()).collect();
        let version = |v: &str| -> Option<Vec<u64>> {
            v.split('.').map(|p| p.parse().ok()).collect()
        };
        let covering = version(client).and_then(|mine| {
            ClientRelease::ALL
                .iter()
                .rev()
                .find(|r| version(r.name()).is_some_and(|preset| preset <= mine))
        });
        match covering {
            Some(preset) => format!(
                "--client {client}: not a preset; convex {client} behaves as the preset before it (each stands for every release up to the next): use --client {}",
                preset.name()
            ),
            None => format!(
                "--client {client}: not a release the model knows; valid: {} (each stands for every release up to the next)",
                known.join(", ")
            ),
        }
    })
}

/// The matrix's world of convex-backend #259 (an access token's refresh fails
/// once, as at laptop wake: `checks/issue-259-authkit-expiry.toml`).
const ISSUE_259_WORLD: &str = "refresh fails once";

/// The per-world state limit when `--max-states` is not given.
const DEFAULT_MAX_STATES: usize = 2_000_000;

impl HookArgs {
    /// Each world's limits: `--max-states`, and the memory cap every command
    /// has by default.
    fn limits(&self) -> Result<convex_auth_model::engine::Limits, String> {
        crate::limits::LimitArgs {
            max_states: Some(self.max_states.unwrap_or(DEFAULT_MAX_STATES)),
            max_seconds: None,
            max_memory: None,
        }
        .resolve()
    }
}

impl SdkArg {
    fn name(self) -> &'static str {
        match self {
            SdkArg::AuthkitReact => "authkit-react",
            SdkArg::AuthkitNextjs => "authkit-nextjs",
            SdkArg::TanstackStart => "tanstack-start",
        }
    }

    fn package(self) -> &'static str {
        match self {
            SdkArg::AuthkitReact => "@workos-inc/authkit-react 0.16.2 (authkit-js 0.20.3)",
            SdkArg::AuthkitNextjs => "@workos-inc/authkit-nextjs 4.3.2",
            SdkArg::TanstackStart => "@workos/authkit-tanstack-react-start 0.11.1",
        }
    }

    fn model_sdk(self) -> CustomSdk {
        match self {
            SdkArg::AuthkitReact => CustomSdk::AuthkitJs0202,
            SdkArg::AuthkitNextjs => CustomSdk::AuthkitNextjs432,
            SdkArg::TanstackStart => CustomSdk::AuthkitTanstackStart0111,
        }
    }

    /// The harness that runs the recommended hook over this SDK.
    fn code(self) -> AdapterCode {
        match self {
            SdkArg::AuthkitReact => AdapterCode::RecommendedWorkos,
            SdkArg::AuthkitNextjs => AdapterCode::RecommendedAuthkitNextjs,
            SdkArg::TanstackStart => AdapterCode::RecommendedTanstackStart,
        }
    }
}

/// The SDK the file imports, or why none the harness runs.
fn sdk_of(file: &Path, text: &str) -> Result<SdkArg, String> {
    let imports = |package: &str| {
        ['"', '\''].iter().any(|q| {
            text.contains(&format!("{q}{package}{q}")) || text.contains(&format!("{q}{package}/"))
        })
    };
    if imports("@workos-inc/authkit-nextjs") {
        return Ok(SdkArg::AuthkitNextjs);
    }
    if imports("@workos/authkit-tanstack-react-start") {
        return Ok(SdkArg::TanstackStart);
    }
    if imports("@workos-inc/authkit-react") || imports("@workos-inc/authkit-js") {
        return Ok(SdkArg::AuthkitReact);
    }
    let file = file.display();
    for (package, sdk) in [
        ("@clerk/", "Clerk"),
        ("@auth0/auth0-react", "Auth0"),
        ("@convex-dev/auth", "Convex Auth"),
        ("better-auth", "Better Auth"),
        ("@convex-dev/better-auth", "Better Auth"),
    ] {
        if text.contains(&format!("\"{package}")) || text.contains(&format!("'{package}")) {
            return Err(format!(
                "{file}: imports {sdk}'s SDK; `hook` runs hooks over authkit-react, authkit-nextjs and authkit-tanstack-react-start only, so far (the model's {sdk} rows are in `list`)"
            ));
        }
    }
    Err(format!(
        "{file}: imports none of the SDKs `hook` runs over; name one with --sdk authkit-react, authkit-nextjs or tanstack-start"
    ))
}

/// What the learner found.
#[derive(Serialize)]
struct Learned {
    /// The description every walk agreed with.
    facts: CustomAdapter,
    /// Walks replayed on the hook, and how many of them the final description
    /// was checked against.
    walks: usize,
    walks_of_final: usize,
    /// Per group: other values no walk told apart from the learned one.
    undetermined: Vec<Undetermined>,
    /// Facts not learned from the code, and why.
    not_learned: Vec<String>,
    seconds: f64,
}

#[derive(Serialize)]
struct Undetermined {
    group: &'static str,
    also: Vec<Alternative>,
}

/// A description no walk told apart from the learned one.
#[derive(Serialize)]
struct Alternative {
    /// Where it differs from the learned one, as "fact = value, …".
    facts: String,
    /// The worlds whose verdict it changes (filled once the learned
    /// description is checked): empty when the verdicts do not depend on it.
    verdicts_differ_in: Vec<String>,
    /// The worlds where its check stopped at its limit (twice the learned
    /// description's states) before it found a difference.
    not_settled_in: Vec<String>,
    #[serde(skip)]
    hook: CustomAdapter,
}

/// A walk no description explains.
#[derive(Serialize)]
struct Unexplained {
    world: &'static str,
    /// The walk, as the Explorer's path.
    walk: String,
    steps: usize,
    /// The step where the file and the description part ways, its event, and
    /// what each did there (only where they differ).
    step: usize,
    event: String,
    model: String,
    file: String,
}

/// One world's verdicts for the hook.
#[derive(Serialize)]
struct WorldVerdict {
    world: String,
    /// "n/a: why" where the model cannot describe the combination.
    verdict: String,
    violated: Vec<&'static str>,
}

pub fn run(args: HookArgs) -> Result<ExitCode, String> {
    let started = Instant::now();
    let file = &args.file;
    let shown = file.display().to_string();
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    if !["ts", "tsx", "js", "jsx", "mts", "mjs"].contains(&ext) {
        return Err(format!(
            "{shown}: not a TypeScript or JavaScript file; valid: .ts, .tsx, .js, .jsx"
        ));
    }
    let text = std::fs::read_to_string(file).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    if args.walks == 0 {
        return Err("--walks 0: give at least one walk".into());
    }
    client_release(&args.client)?;
    let sdk = match args.sdk {
        Some(sdk) => sdk,
        None => sdk_of(file, &text)?,
    };
    crate::conformance::ready()?;
    crate::conformance::sdk_ready(Some(sdk.code()))?;
    let absolute = std::fs::canonicalize(file).map_err(|e| format!("{shown}: {e}"))?;
    let picked = preflight(&absolute, &shown, sdk, args.export.as_deref())?;
    let source = HookSource {
        file: absolute.display().to_string(),
        export: Some(picked.export.clone()),
    };
    if !args.json {
        eprintln!(
            "running {} ({}) of {shown} over {} …",
            picked.export,
            picked.kind,
            sdk.package()
        );
    }
    let mut driver = BatchDriver::start()?;
    let mut learner = Learner {
        driver: &mut driver,
        source,
        shown: shown.clone(),
        seed: args.seed,
        walks: args.walks,
        replayed: 0,
    };
    let learned = match learner.learn(sdk)? {
        Ok(learned) => learned,
        Err(unexplained) => {
            return report_unexplained(&args, &shown, &picked, &unexplained);
        }
    };
    let learned = Learned {
        seconds: started.elapsed().as_secs_f64(),
        ..learned
    };
    if !args.json {
        eprintln!("checking the learned description in every world …");
    }
    let on = CheckedOn {
        client: args.client.clone(),
        limits: args.limits()?,
    };
    let checked = check_everywhere(&learned.facts, &on)?;
    let learned = weigh_undetermined(learned, &checked, &on)?;
    let suggestion = suggest(&learned.facts, &checked, &on)?;
    let stories = write_stories(&args.out, &checked, &shown, &picked.export)?;
    let violated = !violated_properties(&checked.results).is_empty();
    if args.json {
        println!(
            "{:#}",
            serde_json::json!({
                "file": shown,
                "export": picked.export,
                "kind": picked.kind,
                "type_errors": picked.type_errors,
                "sdk": sdk.package(),
                "client": args.client,
                "learned": learned,
                "custom_adapter": learn::table(&learned.facts),
                "worlds": world_verdicts(&checked),
                "properties": property_verdicts(&checked.results),
                "suggestion": suggestion,
                "stories": stories,
                "seconds": started.elapsed().as_secs_f64(),
            })
        );
    } else {
        print_report(
            &args,
            &shown,
            &picked,
            sdk,
            &learned,
            &checked,
            &suggestion,
            &stories,
        );
    }
    let stopped = checked.results.iter().flatten().any(|r| !r.complete);
    Ok(if violated {
        ExitCode::from(1)
    } else if stopped {
        ExitCode::from(INCONCLUSIVE)
    } else {
        ExitCode::SUCCESS
    })
}

/// The export the harness renders.
struct Picked {
    export: String,
    kind: String,
    /// What tsc reports in the file, one error each as tsc prints it.
    type_errors: Vec<String>,
}

impl Picked {
    /// tsc's errors, before the report: they do not stop the run (esbuild
    /// compiles the file without its types), but the app's build would stop.
    fn print_type_errors(&self) {
        if self.type_errors.is_empty() {
            return;
        }
        let n = self.type_errors.len();
        println!(
            "tsc reports {n} type error{} in the file (checked strict against the pinned packages; the run goes on without types):",
            if n == 1 { "" } else { "s" }
        );
        for e in &self.type_errors {
            for line in e.lines() {
                println!("  {line}");
            }
        }
        println!();
    }
}

/// Bundles the file over the SDK and finds its export (`conformance/check-hook.mjs`).
fn preflight(
    file: &Path,
    shown: &str,
    sdk: SdkArg,
    export: Option<&str>,
) -> Result<Picked, String> {
    let dir = crate::conformance::harness_dir();
    let mut command = std::process::Command::new("node");
    command
        .current_dir(&dir)
        .arg("check-hook.mjs")
        .arg(file)
        .arg(sdk.name());
    if let Some(e) = export {
        command.arg(e);
    }
    let out = command
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|_| {
        format!(
            "{shown}: the harness could not load it: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .next()
                .unwrap_or("no reason given")
        )
    })?;
    if let Some(error) = answer["error"].as_str() {
        // The harness names the file by its full path: name it as the user did.
        let error = error.replace(&file.display().to_string(), shown);
        return Err(if error.starts_with(shown) {
            error
        } else {
            format!("{shown}: {error}")
        });
    }
    Ok(Picked {
        export: answer["export"].as_str().unwrap_or_default().to_string(),
        kind: answer["kind"].as_str().unwrap_or_default().to_string(),
        type_errors: answer["type_errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e.as_str())
            .map(|e| e.replace(&file.display().to_string(), shown))
            .collect(),
    })
}

struct Learner<'a> {
    driver: &'a mut BatchDriver,
    source: HookSource,
    /// The file as the user named it.
    shown: String,
    seed: u64,
    walks: usize,
    /// Walks replayed so far.
    replayed: usize,
}

/// A candidate's walks in one world.
enum Tested {
    Agrees(usize),
    Diverges(Unexplained),
    /// No walk of the description could be played in this world.
    Unplayable(&'static str),
}

impl Learner<'_> {
    /// Settles the groups in order (twice, if the second pass changes
    /// anything), then checks the result in every world. Errs (outer) when the
    /// driver fails; the inner error is the shortest walk nothing explains.
    fn learn(&mut self, sdk: SdkArg) -> Result<Result<Learned, Unexplained>, String> {
        let mut current = CustomAdapter {
            runs: Some(sdk.code()),
            ..learn::template(sdk.model_sdk())
        };
        let mut undetermined = Vec::new();
        for _pass in 0..2 {
            let before = current;
            undetermined.clear();
            for group in Group::ALL {
                let mut survivors = Vec::new();
                let mut shortest: Option<Unexplained> = None;
                for alternative in group.alternatives(&current) {
                    match self.test_in(&alternative, group.worlds(), self.walks)? {
                        Tested::Agrees(_) => survivors.push(alternative),
                        Tested::Diverges(d) => {
                            if shortest.as_ref().is_none_or(|s| d.steps < s.steps) {
                                shortest = Some(d);
                            }
                        }
                        Tested::Unplayable(_) => {}
                    }
                }
                // More walks for the ones left, to tell them apart.
                if survivors.len() > 1 {
                    let mut kept = Vec::new();
                    for s in &survivors {
                        if let Tested::Agrees(_) =
                            self.test_in(s, group.worlds(), self.walks * 3)?
                        {
                            kept.push(*s);
                        }
                    }
                    if !kept.is_empty() {
                        survivors = kept;
                    }
                }
                let Some(first) = survivors.first() else {
                    return match shortest {
                        Some(d) => Ok(Err(d)),
                        None => Err(format!(
                            "no description of {} could be played in its worlds (a limit of the harness)",
                            group.name()
                        )),
                    };
                };
                current = *first;
                let also: Vec<Alternative> = survivors[1..]
                    .iter()
                    .map(|s| Alternative {
                        facts: learn::differences(&current, s)
                            .into_iter()
                            .map(|(k, _, v)| format!("{k} = {v}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        verdicts_differ_in: Vec::new(),
                        not_settled_in: Vec::new(),
                        hook: *s,
                    })
                    .collect();
                if !also.is_empty() {
                    undetermined.push(Undetermined {
                        group: group.name(),
                        also,
                    });
                }
            }
            if current == before {
                break;
            }
        }
        let final_walks = self.walks * 3;
        let mut walks_of_final = 0;
        match self.test_in(&current, &World::ALL, final_walks)? {
            Tested::Agrees(n) => walks_of_final += n,
            Tested::Diverges(d) => return Ok(Err(d)),
            Tested::Unplayable(world) => {
                return Err(format!(
                    "the learned description cannot be played in the world \"{world}\" (a limit of the harness)"
                ))
            }
        }
        Ok(Ok(Learned {
            facts: current,
            walks: self.replayed,
            walks_of_final,
            undetermined,
            not_learned: vec![format!(
                "fetcher_follows_user = {}, fetcher_follows_session = {}: the template's values, not learned (they need a sign-out, a sign-in or an account switch, which the harness cannot play through the real SDK)",
                current.fetcher_follows_user, current.fetcher_follows_session
            )],
            seconds: 0.0,
        }))
    }

    /// `walks` walks of `hook`'s model in each of `worlds`, replayed on the
    /// file: the first that diverges, or how many agreed.
    fn test_in(
        &mut self,
        hook: &CustomAdapter,
        worlds: &[World],
        walks: usize,
    ) -> Result<Tested, String> {
        let mut agreed = 0;
        for &world in worlds {
            let check = world.check(hook)?;
            let model = convex_auth_model::model::build(&check.scenario);
            let seed = self.seed ^ (world as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut rng = Rng::new(seed);
            let mut played = 0;
            for _ in 0..walks {
                let path = fuzz::walk(&model, MAX_STEPS, |state, actions, offered| {
                    let preferred: Vec<usize> = offered
                        .iter()
                        .copied()
                        .filter(|&i| world.prefers(&Event::of(state, &actions[i])))
                        .collect();
                    if !preferred.is_empty() && rng.unit() < learn::PREFERRED {
                        preferred[rng.below(preferred.len())]
                    } else {
                        offered[rng.below(offered.len())]
                    }
                });
                let Ok(mut plan) = replay::plan(&model, &path) else {
                    continue;
                };
                played += 1;
                plan.script.hook = Some(self.source.clone());
                self.replayed += 1;
                let observations = match self.driver.run(&plan.script) {
                    Ok(o) => o,
                    // The file threw where the harness renders or calls it
                    // (a render, an effect): bad input, not a description.
                    Err(why) if why.starts_with("the driver could not run") => {
                        let why = why
                            .trim_start_matches("the driver could not run the script: ")
                            .trim_start_matches("Error: ")
                            .replace(&self.source.file, "the file");
                        return Err(format!(
                            "{}: {} throws when the harness renders it: {why}",
                            self.shown,
                            self.source.export.as_deref().unwrap_or("the hook")
                        ));
                    }
                    Err(why) => return Err(why),
                };
                match replay::compare(&plan, &observations) {
                    Comparison::Agrees => agreed += 1,
                    Comparison::Diverges {
                        trace_step,
                        event,
                        model,
                        client,
                    } => {
                        return Ok(Tested::Diverges(Unexplained {
                            world: world.name(),
                            walk: path.encode(),
                            steps: path.actions.len(),
                            step: trace_step,
                            event,
                            model,
                            file: client,
                        }))
                    }
                }
            }
            // A description none of whose walks the harness can play here
            // (the real SDK cannot be made to do what its model does) is not
            // supported by this world.
            if played == 0 {
                return Ok(Tested::Unplayable(world.name()));
            }
        }
        Ok(Tested::Agrees(agreed))
    }
}

/// The longest walk the learner draws.
const MAX_STEPS: usize = 60;

fn report_unexplained(
    args: &HookArgs,
    shown: &str,
    picked: &Picked,
    u: &Unexplained,
) -> Result<ExitCode, String> {
    if args.json {
        println!(
            "{:#}",
            serde_json::json!({
                "file": shown,
                "export": picked.export,
                "type_errors": picked.type_errors,
                "describable": false,
                "unexplained": u,
            })
        );
    } else {
        picked.print_type_errors();
        println!(
            "{shown}: {}: your hook does something the model cannot describe.\n\
             In the world \"{}\", no description of the model agrees with it. On the shortest walk that shows it ({} steps), they part ways at step {}, {}:\n\
             \x20 the model expected: {}\n\
             \x20 your file did:      {}\n\
             Describe the hook by hand with a [scenario.custom_adapter] table (README, \"Your own hook\"), or tell us what it does.",
            picked.export, u.world, u.steps, u.step, u.event, u.model, u.file
        );
    }
    Ok(ExitCode::from(CANNOT_DESCRIBE))
}

/// The matrix's worlds, each checked with the hook.
struct Checked {
    matrix: Matrix,
    results: Vec<Option<CheckResult>>,
}

/// Where a description is checked: the user's convex release, and the limits
/// of each world's check.
struct CheckedOn {
    client: String,
    limits: convex_auth_model::engine::Limits,
}

fn check_everywhere(hook: &CustomAdapter, on: &CheckedOn) -> Result<Checked, String> {
    // `run` has checked the release (`client_release`).
    let matrix = Matrix::load_for_hook(&matrix_file(), &without_code(hook), &on.client)?;
    let mut results = matrix.run(on.limits, &mut |_, _| {});
    Ok(Checked {
        results: results.remove(0),
        matrix,
    })
}

/// Checks each description no walk told apart from the learned one in every
/// world, and notes the worlds whose verdict it would change: the report's
/// verdicts hold whichever of them the file is when that list is empty.
///
/// Each world's check of an alternative stops at twice the states of the
/// learned description's (and 10,000 more): a world where it stops before it
/// finds a violation the learned description does not have is "not settled".
fn weigh_undetermined(
    mut learned: Learned,
    checked: &Checked,
    on: &CheckedOn,
) -> Result<Learned, String> {
    let states: Vec<usize> = checked
        .results
        .iter()
        .map(|r| r.as_ref().map_or(0, |r| r.unique_states))
        .collect();
    let limits_of = |_: usize, c: usize| convex_auth_model::engine::Limits {
        max_states: Some(
            on.limits
                .max_states
                .unwrap_or(usize::MAX)
                .min(2 * states[c] + 10_000),
        ),
        ..on.limits
    };
    for u in &mut learned.undetermined {
        for a in &mut u.also {
            let matrix = Matrix::load_for_hook(&matrix_file(), &without_code(&a.hook), &on.client)?;
            let mut results = matrix.run_within(&limits_of, &mut |_, _| {});
            let theirs = results.remove(0);
            for ((world, mine), theirs) in matrix.faults.iter().zip(&checked.results).zip(&theirs) {
                let (Some(mine), Some(theirs)) = (mine, theirs) else {
                    continue;
                };
                let newly_violated = theirs.properties.iter().any(|t| {
                    t.verdict == Verdict::Violated
                        && mine
                            .properties
                            .iter()
                            .any(|m| m.slug == t.slug && m.verdict != Verdict::Violated)
                });
                if newly_violated
                    || (theirs.complete
                        && convex_auth_model::matrix::verdict(mine)
                            != convex_auth_model::matrix::verdict(theirs))
                {
                    a.verdicts_differ_in.push(world.clone());
                } else if !theirs.complete {
                    a.not_settled_in.push(world.clone());
                }
            }
        }
    }
    Ok(learned)
}

/// `hook` as the model checks it: the replay's code is not part of it.
fn without_code(hook: &CustomAdapter) -> CustomAdapter {
    CustomAdapter {
        runs: None,
        ..*hook
    }
}

/// The matrix file: its worlds are the ones a hook is checked in.
fn matrix_file() -> PathBuf {
    checks_dir().join(convex_auth_model::matrix::FILE)
}

/// The shipped checks folder: ./checks, or the one beside this build.
fn checks_dir() -> PathBuf {
    [
        PathBuf::from("checks"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("checks"),
    ]
    .into_iter()
    .find(|d| d.join(convex_auth_model::matrix::FILE).is_file())
    .unwrap_or_else(|| PathBuf::from("checks"))
}

/// The properties some world violates (sanity properties not reached count).
fn violated_properties(results: &[Option<CheckResult>]) -> Vec<&'static str> {
    let mut out = Vec::new();
    for p in properties::all() {
        let broken = results.iter().flatten().any(|r| {
            r.properties
                .iter()
                .any(|x| x.slug == p.slug && x.verdict == Verdict::Violated)
        });
        if broken {
            out.push(p.tag);
        }
    }
    out
}

fn world_verdicts(checked: &Checked) -> Vec<WorldVerdict> {
    checked
        .matrix
        .faults
        .iter()
        .zip(&checked.results)
        .zip(&checked.matrix.cells[0])
        .map(|((world, result), cell)| match (result, cell) {
            (Some(r), _) => {
                let violated = violated_properties(std::slice::from_ref(result));
                let verdict = match r.stopped_by {
                    None => convex_auth_model::matrix::verdict(r),
                    Some(limit) if violated.is_empty() => {
                        format!("inconclusive (stopped at {limit}; raise it to decide)")
                    }
                    Some(limit) => format!(
                        "{}, the rest inconclusive (stopped at {limit}; raise it to decide)",
                        violated.join(" ")
                    ),
                };
                WorldVerdict {
                    world: world.clone(),
                    verdict,
                    violated,
                }
            }
            (None, Err(why)) => WorldVerdict {
                world: world.clone(),
                verdict: format!("n/a: {why}"),
                violated: Vec::new(),
            },
            (None, Ok(_)) => WorldVerdict {
                world: world.clone(),
                verdict: "not run".into(),
                violated: Vec::new(),
            },
        })
        .collect()
}

/// Each property: "holds", or the worlds that violate it.
fn property_verdicts(results: &[Option<CheckResult>]) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for p in properties::all() {
        let broken: usize = results
            .iter()
            .flatten()
            .filter(|r| {
                r.properties
                    .iter()
                    .any(|x| x.slug == p.slug && x.verdict == Verdict::Violated)
            })
            .count();
        let inconclusive = results.iter().flatten().any(|r| {
            r.properties
                .iter()
                .any(|x| x.slug == p.slug && x.verdict == Verdict::Inconclusive)
        });
        let word = match (broken, inconclusive, p.kind) {
            (0, true, _) => "inconclusive".to_string(),
            (0, false, Kind::Sometimes) => "reached".to_string(),
            (0, false, _) => "holds".to_string(),
            (n, _, Kind::Sometimes) => format!("not reached in {n} worlds"),
            (n, _, _) => format!("violated in {n} worlds"),
        };
        out.insert(p.tag.to_string(), serde_json::Value::String(word));
    }
    serde_json::Value::Object(out)
}

/// What to change.
#[derive(Serialize)]
struct Suggestion {
    /// The recommended file for the SDK.
    recommended_file: &'static str,
    /// The facts to change, each with its new value and what to do in the code.
    changes: Vec<Change>,
    /// Other facts in which the recommended file differs (not needed for the
    /// properties, in the worlds checked).
    other_differences: Vec<Change>,
    /// Properties that stay violated with the recommended file too: the
    /// client's own, which no hook can change.
    not_the_hooks: Vec<&'static str>,
}

#[derive(Serialize)]
struct Change {
    fact: String,
    yours: String,
    recommended: String,
    advice: String,
    /// Whether `yours` was learned from the file, or assumed (the template's).
    learned: bool,
}

/// Facts the learner cannot learn from the code (`learn` module doc).
const NOT_LEARNED: [&str; 2] = ["fetcher_follows_user", "fetcher_follows_session"];

fn violations_of(
    hook: &CustomAdapter,
    on: &CheckedOn,
) -> Result<Vec<(String, &'static str)>, String> {
    Ok(violations(&check_everywhere(hook, on)?))
}

/// Each (world, property) the checked hook violates.
fn violations(checked: &Checked) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for (world, r) in checked.matrix.faults.iter().zip(&checked.results) {
        for tag in violated_properties(std::slice::from_ref(r)) {
            out.push((world.clone(), tag));
        }
    }
    out
}

/// The smallest set of the recommended file's facts that makes every
/// violation the hook can change go away: start from all the differences and
/// drop each one whose absence keeps the result.
fn suggest(hook: &CustomAdapter, checked: &Checked, on: &CheckedOn) -> Result<Suggestion, String> {
    let (recommended, file) = learn::recommended(hook.sdk);
    let recommended = without_code(&recommended);
    let hook = without_code(hook);
    let mine = violations(checked);
    let change = |k: &str, a: &str, b: &str| Change {
        fact: k.to_string(),
        yours: a.to_string(),
        recommended: b.to_string(),
        advice: learn::advice(k, b),
        learned: !NOT_LEARNED.contains(&k),
    };
    // The retry count and waits go with transient_error.
    let differences: Vec<(String, String, String)> = learn::differences(&hook, &recommended)
        .into_iter()
        .filter(|(k, _, _)| k != "retry_attempts" && k != "retry_waits")
        .collect();
    if mine.is_empty() {
        return Ok(Suggestion {
            recommended_file: file,
            changes: Vec::new(),
            other_differences: differences
                .iter()
                .map(|(k, a, b)| change(k, a, b))
                .collect(),
            not_the_hooks: Vec::new(),
        });
    }
    let theirs = violations_of(&recommended, on)?;
    let apply = |names: &[&String]| {
        names
            .iter()
            .fold(hook, |h, name| learn::with_fact(&h, &recommended, name))
    };
    let mut needed: Vec<&String> = differences.iter().map(|(k, _, _)| k).collect();
    for (k, _, _) in &differences {
        let without: Vec<&String> = needed.iter().copied().filter(|n| *n != k).collect();
        let left = violations_of(&apply(&without), on)?;
        if left.iter().all(|v| theirs.contains(v)) {
            needed = without;
        }
    }
    let not_the_hooks: Vec<&'static str> = properties::all()
        .iter()
        .map(|p| p.tag)
        .filter(|tag| mine.iter().any(|v| v.1 == *tag && theirs.contains(v)))
        .collect();
    let (changes, other): (Vec<_>, Vec<_>) = differences
        .iter()
        .partition(|(k, _, _)| needed.contains(&k));
    Ok(Suggestion {
        recommended_file: file,
        changes: changes
            .into_iter()
            .map(|(k, a, b)| change(k, a, b))
            .collect(),
        other_differences: other.into_iter().map(|(k, a, b)| change(k, a, b)).collect(),
        not_the_hooks,
    })
}

/// Writes each violated property's story (Markdown, and the trace `replay`
/// reads) under `out/<world>/`, in the words of the user's file.
fn write_stories(
    out: &Path,
    checked: &Checked,
    shown: &str,
    export: &str,
) -> Result<Vec<PathBuf>, String> {
    let mut written = Vec::new();
    let checks: Vec<CheckFile> = checked.matrix.cells[0].iter().flatten().cloned().collect();
    crate::report::prepare_out(out, &checks)?;
    for (cell, result) in checked.matrix.cells[0].iter().zip(&checked.results) {
        let (Ok(check), Some(result)) = (cell, result) else {
            continue;
        };
        if result
            .properties
            .iter()
            .all(|p| p.verdict != Verdict::Violated)
        {
            continue;
        }
        let mut check = check.clone();
        check.description =
            format!("Your hook, {export} in {shown}, as it was learned from the file.");
        // What this run found, so that `check` on the written file agrees.
        for p in &result.properties {
            let found = match p.verdict {
                Verdict::Violated => Expected::Violated,
                _ => Expected::Holds,
            };
            check.expect.insert(p.slug.to_string(), found);
        }
        let check_file = out.join(&check.name).join("check.toml");
        std::fs::create_dir_all(out.join(&check.name))
            .and_then(|()| {
                let toml = toml::to_string(&check).map_err(std::io::Error::other)?;
                let text = format!("{}{toml}", crate::report::check_file_mark(&check.name));
                crate::report::write_own_file(&check_file, &check.name, text.as_bytes())
            })
            .map_err(|e| format!("{}: cannot write: {e}", check_file.display()))?;
        written.push(check_file.clone());
        let counterexamples = crate::report::Counterexamples::of(&check, result);
        let formats = crate::report::Formats {
            json: true,
            itf: false,
            md: true,
        };
        match crate::report::write_traces(
            out,
            &check,
            &check_file,
            result,
            &counterexamples,
            formats,
        ) {
            Ok(w) => written.extend(w.into_iter().flat_map(|w| w.files)),
            Err(e) => return Err(e.message),
        }
    }
    Ok(written)
}

#[allow(clippy::too_many_arguments)]
fn print_report(
    args: &HookArgs,
    shown: &str,
    picked: &Picked,
    sdk: SdkArg,
    learned: &Learned,
    checked: &Checked,
    suggestion: &Suggestion,
    stories: &[PathBuf],
) {
    println!(
        "Your hook: {} ({}) in {shown}, over {}.",
        picked.export,
        picked.kind,
        sdk.package()
    );
    println!();
    picked.print_type_errors();
    println!(
        "What it does, learned from {} walks on the real SDK ({} of them with this description, every one agreeing step by step), in {:.0} s:\n",
        learned.walks, learned.walks_of_final, learned.seconds
    );
    println!("[scenario.custom_adapter]");
    print!("{}", learn::table(&learned.facts));
    for u in &learned.undetermined {
        let also: Vec<String> = u
            .also
            .iter()
            .map(|a| {
                let mut notes = Vec::new();
                if !a.verdicts_differ_in.is_empty() {
                    notes.push(format!(
                        "other verdicts in: {}",
                        worlds_named(&a.verdicts_differ_in, checked)
                    ));
                }
                if !a.not_settled_in.is_empty() {
                    notes.push(format!(
                        "not settled within twice your hook's states in: {}",
                        worlds_named(&a.not_settled_in, checked)
                    ));
                }
                if notes.is_empty() {
                    notes.push("the same verdicts".into());
                }
                format!("{} ({})", a.facts, notes.join("; "))
            })
            .collect();
        println!(
            "  (not told apart, {}: also consistent with {})",
            u.group,
            also.join("; ")
        );
    }
    for n in &learned.not_learned {
        println!("  ({n})");
    }
    println!(
        "\nChecked on convex {} in every world of {}{}:\n",
        args.client,
        convex_auth_model::matrix::FILE,
        if client_release(&args.client).is_ok_and(|r| r < ClientRelease::EXPECT_AUTH) {
            format!(
                " (without expectAuth, which came with convex {})",
                ClientRelease::EXPECT_AUTH.name()
            )
        } else {
            String::new()
        }
    );
    let mut rows = vec![vec!["WORLD".to_string(), "VERDICT".to_string()]];
    for w in world_verdicts(checked) {
        // The world of convex-backend #259: a token's refresh fails once.
        let world = if w.world == ISSUE_259_WORLD {
            format!("{} (#259)", w.world)
        } else {
            w.world
        };
        rows.push(vec![world, w.verdict]);
    }
    crate::report::print_aligned(&rows);
    println!(
        "(sign-out, account switch and session switch read fetcher_follows_user and fetcher_follows_session, which were not learned)"
    );
    println!(
        "(#259: github.com/get-convex/convex-backend/issues/259, useConvexAuth() stuck signed out after an access token's refresh fails once)"
    );
    let uncertain: Vec<String> = checked
        .matrix
        .faults
        .iter()
        .filter(|w| {
            learned.undetermined.iter().flat_map(|u| &u.also).any(|a| {
                a.verdicts_differ_in
                    .iter()
                    .chain(&a.not_settled_in)
                    .any(|d| d == *w)
            })
        })
        .cloned()
        .collect();
    if !uncertain.is_empty() {
        println!(
            "(the verdicts are for the learned values: with a value no walk ruled out, listed above, they differ or may differ in {})",
            worlds_named(&uncertain, checked)
        );
    }
    let violated = violated_properties(&checked.results);
    println!();
    if violated.is_empty() {
        println!("Every property holds in every world.");
    } else {
        for tag in &violated {
            let p = properties::all()
                .iter()
                .find(|p| p.tag == *tag)
                .expect("known");
            println!("{}: {}", p.tag, p.name);
        }
        if !stories.is_empty() {
            println!(
                "\nThe stories (shortest runs, in {shown}'s terms) are under {}/.",
                args.out.display()
            );
        }
    }
    if !suggestion.changes.is_empty() {
        println!(
            "\nWhat to change (the smallest set of the recommended file's facts that makes every property your hook can affect hold; {}):",
            suggestion.recommended_file
        );
        for c in &suggestion.changes {
            if c.learned {
                println!(
                    "- {}: {} (yours: {}, recommended: {})",
                    c.fact, c.advice, c.yours, c.recommended
                );
            } else {
                println!(
                    "- {} (not learned: check your deps): {} (assumed: {}, recommended: {})",
                    c.fact, c.advice, c.yours, c.recommended
                );
            }
        }
    }
    if !suggestion.not_the_hooks.is_empty() {
        println!(
            "\nNo change to the hook helps with {}: the recommended file violates {} in the same worlds; the fix belongs in the client (README, \"A client-level proposal for convex-js\").",
            suggestion.not_the_hooks.join(", "),
            if suggestion.not_the_hooks.len() == 1 { "it" } else { "them" }
        );
    }
}

/// Worlds by name, in the matrix's order, or "every world".
fn worlds_named(worlds: &[String], checked: &Checked) -> String {
    if worlds.len() == checked.matrix.faults.len() {
        "every world".to_string()
    } else {
        worlds.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report labels the #259 world by its column's name in the matrix.
    #[test]
    fn the_259_world_is_a_column_of_the_matrix() {
        let matrix = Matrix::load(&matrix_file(), &[]).unwrap();
        assert!(matrix.faults.iter().any(|f| f == ISSUE_259_WORLD));
    }
}
