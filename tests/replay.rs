//! Counterexamples replayed on the real, unmodified convex client of their release
//! (conformance/). The test run installs the harness itself (`npm ci`) when it is
//! missing.

#[path = "../src/conformance.rs"]
mod conformance;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

/// How many counterexamples the shipped checks have (README: "N of N").
const REPLAYED: usize = 205;

use convex_auth_model::check::{self, CheckFile};
use convex_auth_model::engine::IndexPath;
use convex_auth_model::events::Event;
use convex_auth_model::model;
use convex_auth_model::trace::replay::{self, AdapterCode, Comparison, Op, Script};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

static INSTALL: Once = Once::new();

/// `npm ci --prefix conformance` unless the harness is already installed, and
/// `npm ci --prefix fixes` unless the SDKs that the recommended Next.js and
/// TanStack Start hooks replay over are (conformance/authkit-server-actions.mjs).
fn ensure_harness() {
    INSTALL.call_once(|| {
        let npm_ci = |dir: &Path| {
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--prefix"])
                .arg(dir)
                .status()
                .expect("npm is needed to install the conformance harness");
            assert!(status.success(), "npm ci --prefix {} failed", dir.display());
        };
        let dir = repo().join("conformance");
        if !conformance::installed(&dir) {
            npm_ci(&dir);
        }
        let over_fixes = [
            AdapterCode::RecommendedAuthkitNextjs,
            AdapterCode::RecommendedTanstackStart,
        ];
        if over_fixes
            .iter()
            .any(|code| conformance::sdk_ready(Some(*code)).is_err())
        {
            npm_ci(&repo().join("fixes"));
        }
    });
}

fn load(name: &str) -> CheckFile {
    CheckFile::load(&repo().join(format!("checks/{name}.toml"))).unwrap()
}

/// The replay plan of the null dead end's STUCK lasso: the docs' adapter
/// turns AuthKit's failed refresh into null, as in #259, and nothing fetches a
/// token again while AuthKit keeps refreshing on its own.
fn stuck_259_plan() -> replay::ReplayPlan {
    plan_of("docs-custom-transient-failure", "stuck")
}

/// The replay plan of a check's counterexample for `slug`.
fn plan_of(name: &str, slug: &str) -> replay::ReplayPlan {
    let check = load(name);
    let result = explore(&check);
    let (_, path) = result
        .violations()
        .find(|(p, _)| p.slug == slug)
        .unwrap_or_else(|| panic!("{name} violates {slug}"));
    replay::plan(&model::build(&check.scenario), path).unwrap()
}

/// The driver's observations of the replay of a check's counterexample for
/// `slug`, which runs the adapter code `code` and agrees with the model.
fn agreeing_replay_through(name: &str, slug: &str, code: AdapterCode) -> Vec<serde_json::Value> {
    ensure_harness();
    let plan = plan_of(name, slug);
    assert_eq!(plan.script.adapter_code, Some(code));
    let observations = conformance::run_driver(&plan.script).unwrap();
    assert_eq!(replay::compare(&plan, &observations), Comparison::Agrees);
    observations
}

/// Every event the driver reported, in order.
fn all_events(observations: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    observations
        .iter()
        .flat_map(|o| o["events"].as_array().unwrap())
        .collect()
}

/// The `fetchToken.call` events the driver reported.
fn fetch_calls(observations: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    observations
        .iter()
        .flat_map(|o| o["events"].as_array().unwrap())
        .filter(|e| e["kind"] == "fetchToken.call")
        .collect()
}

#[test]
fn the_null_dead_end_of_259_agrees_with_the_real_client() {
    ensure_harness();
    let plan = stuck_259_plan();
    let observations = conformance::run_driver(&plan.script).unwrap();
    assert_eq!(replay::compare(&plan, &observations), Comparison::Agrees);

    // What the real client did, in its own words: onChange(false) after the null …
    let events = all_events(&observations);
    let null_at = plan
        .script
        .steps
        .iter()
        .position(|s| matches!(s.op, Op::FetchResolve { token: None, .. }))
        .expect("the script resolves a fetch with null");
    let after_null = &observations[null_at + 1..];
    let last = &observations.last().unwrap()["state"];
    assert_eq!(last["useConvexAuth"]["isAuthenticated"], false);
    assert_eq!(last["useConvexAuth"]["isLoading"], false);
    assert_eq!(last["auth"], "noAuth");
    // … no later fetchToken call, while the provider still reports authenticated
    // (after the null the script never changes the adapter's output).
    let after_null_events: Vec<&serde_json::Value> = after_null
        .iter()
        .flat_map(|o| o["events"].as_array().unwrap())
        .collect();
    assert!(!after_null_events
        .iter()
        .any(|e| e["kind"] == "fetchToken.call"));
    assert!(!after_null_events.iter().any(|e| e["kind"] == "provider"));
    assert!(events.iter().any(|e| e["kind"] == "fetchToken.call"));
}

/// Replays `plan`, whose step `step` claims something the client does not do,
/// and checks that the comparison reports a divergence there, with the client
/// doing `seen` (the divergence names only the parts of the step that differ).
fn diverges_at(plan: &replay::ReplayPlan, step: usize, seen: &str) {
    let observations = conformance::run_driver(&plan.script).unwrap();
    match replay::compare(plan, &observations) {
        Comparison::Diverges {
            trace_step, client, ..
        } => {
            assert_eq!(trace_step, plan.steps[step].trace_step);
            assert!(client.contains(seen), "{client}");
        }
        Comparison::Agrees => panic!("a wrong prediction must not agree"),
    }
}

#[test]
fn a_wrong_prediction_is_reported_as_a_divergence() {
    ensure_harness();
    let mut plan = stuck_259_plan();
    // Claim the null leaves the app authenticated.
    let null_step = plan
        .steps
        .iter()
        .position(|s| s.event.contains("resolves with null"))
        .unwrap();
    plan.steps[null_step].expect.use_convex_auth = (false, true, false);
    diverges_at(
        &plan,
        null_step,
        "useConvexAuth() = {isLoading:false, isAuthenticated:false, isRefreshing:false}",
    );
}

/// The comparison covers every message the client sends: a wrong prediction of
/// a `ModifyQuerySet` (the size of the query set it leaves) is a divergence.
#[test]
fn a_wrong_query_set_is_reported_as_a_divergence() {
    ensure_harness();
    let mut plan = stuck_259_plan();
    let step = plan
        .steps
        .iter()
        .position(|s| !s.expect.query_sets.is_empty())
        .expect("a step sends ModifyQuerySet");
    let sent = plan.steps[step].expect.query_sets.clone();
    plan.steps[step].expect.query_sets = sent.iter().map(|n| n + 1).collect();
    diverges_at(&plan, step, &format!("ModifyQuerySet sizes {sent:?}"));
}

#[test]
fn every_counterexample_of_the_suite_agrees() {
    ensure_harness();
    // Replays the counterexamples of `files` on one Node driver; returns how many.
    let replay_all = |files: &[PathBuf]| -> usize {
        let mut replayed = 0;
        let mut driver = conformance::BatchDriver::start().unwrap();
        for file in files {
            let check = CheckFile::load(file).unwrap();
            let result = explore(&check);
            let m = model::build(&check.scenario);
            for (p, path) in result.violations() {
                let plan = replay::plan(&m, path).unwrap_or_else(|why| {
                    panic!("{} {}: not replayable: {why}", check.name, p.slug)
                });
                let observations = driver.run(&plan.script).unwrap();
                assert_eq!(
                    replay::compare(&plan, &observations),
                    Comparison::Agrees,
                    "{} {}",
                    check.name,
                    p.slug
                );
                replayed += 1;
            }
        }
        replayed
    };
    // Two drivers side by side, one per core of a 2-core machine: every other
    // check file to each.
    let files = check::files_in(&repo().join("checks")).unwrap();
    let (even, odd): (Vec<_>, Vec<_>) =
        files.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let strip = |v: Vec<(usize, PathBuf)>| v.into_iter().map(|(_, f)| f).collect::<Vec<_>>();
    let (even, odd) = (strip(even), strip(odd));
    let replayed = std::thread::scope(|s| {
        let other = s.spawn(|| replay_all(&odd));
        replay_all(&even) + other.join().expect("the other half agrees")
    });
    assert_eq!(replayed, REPLAYED);
}

#[test]
fn the_replay_command_says_agrees_or_explains_what_is_missing() {
    ensure_harness();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("replay-cli");
    let _ = std::fs::remove_dir_all(&out);
    let bin = env!("CARGO_BIN_EXE_convex-auth-check");
    let o = Command::new(bin)
        .current_dir(repo())
        .args([
            "export",
            "checks/workos-0.0.3-authkit-expiry.toml",
            "--format",
            "json",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    let trace = out.join("workos-0.0.3-authkit-expiry/stuck.trace.json");
    let o = Command::new(bin)
        .current_dir(repo())
        .arg("replay")
        .arg(&trace)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "agrees");
    assert_eq!(o.status.code(), Some(0));

    // Without node on PATH: one line that says what to install, exit 2, no panic.
    let o = Command::new(bin)
        .current_dir(repo())
        .env("PATH", "")
        .arg("replay")
        .arg(&trace)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("node is not on PATH"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// A `node` first on PATH that runs the real one and misreports one thing the
/// app sees: `useConvexAuth().isRefreshing` never turns true. Returns the PATH
/// to run with.
#[cfg(unix)]
fn node_that_hides_refreshing(dir: &Path) -> std::ffi::OsString {
    use std::os::unix::fs::PermissionsExt;
    let real = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("node"))
        .find(|n| n.is_file())
        .expect("node on PATH");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let node = bin.join("node");
    std::fs::write(
        &node,
        format!(
            "#!/bin/sh\n\
             if [ \"$1\" = --version ]; then exec '{real}' --version; fi\n\
             '{real}' \"$@\" | sed -u 's/\"isRefreshing\":true/\"isRefreshing\":false/g'\n",
            real = real.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&node, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut path = std::ffi::OsString::from(&bin);
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    path
}

/// `check --replay` fails (exit 1) when a counterexample diverges from the real
/// client, even when every verdict is as expected. The divergence comes from a
/// client that misreports `isRefreshing` (a `node` that rewrites the driver's
/// observations), which the model does not share.
#[cfg(unix)]
#[test]
fn check_replay_exits_1_on_a_divergence_even_when_verdicts_match() {
    ensure_harness();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("replay-divergence");
    let lying_path = node_that_hides_refreshing(&out);
    let run = |path: Option<&std::ffi::OsString>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_convex-auth-check"));
        cmd.current_dir(repo())
            .args([
                "check",
                "checks/workos-0.0.3-authkit-expiry.toml",
                "--replay",
                "--json",
                "--out",
            ])
            .arg(out.join("reports"));
        if let Some(path) = path {
            cmd.env("PATH", path);
        }
        let o = cmd.output().unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        (o.status.code(), doc)
    };
    let (code, doc) = run(None);
    assert_eq!(code, Some(0));
    assert_eq!(doc["summary"]["mismatches"], 0);

    let (code, doc) = run(Some(&lying_path));
    assert_eq!(doc["summary"]["mismatches"], 0, "every verdict as expected");
    let replays: Vec<&serde_json::Value> = doc["checks"][0]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.get("replay").filter(|r| !r.is_null()))
        .collect();
    assert!(replays.iter().any(|r| *r == "diverges"), "{replays:?}");
    assert_eq!(code, Some(1), "a divergence fails the run");
}

/// StrictMode's double mount on the real client: the way to "authenticated" that
/// the check `strict-mode-remount` finds (two setAuth calls, the first fetch
/// outdated) replays under `<React.StrictMode>` and agrees step by step.
#[test]
fn the_strict_mode_mount_agrees_with_the_real_client() {
    ensure_harness();
    let check = CheckFile::load(&repo().join("checks/strict-mode-remount.toml")).unwrap();
    let result = explore(&check);
    let example = result
        .properties
        .iter()
        .find(|p| p.slug == "authenticated")
        .and_then(|p| p.path.as_ref())
        .expect("authenticated is reachable, with an example path");
    let m = model::build(&check.scenario);
    let plan = replay::plan(&m, example).unwrap();
    assert!(plan.script.strict_mode);
    // The mount itself calls fetchAccessToken twice: setAuth, clearAuth, setAuth.
    assert_eq!(plan.steps[0].expect.fetches, [false, false]);
    let observations = conformance::run_driver(&plan.script).unwrap();
    assert_eq!(replay::compare(&plan, &observations), Comparison::Agrees);
}

/// #242 through the real `usePreloadedQuery`: the mount shows the value the server
/// rendered as the user, and the client sends the preloaded query's subscription on
/// the new socket before any `Authenticate` (no `expectAuth`); with `expectAuth` the
/// paused socket sends the user's `Authenticate` first.
#[test]
fn the_preloaded_query_subscribes_before_auth_on_the_real_client() {
    ensure_harness();
    let plan = plan_of("nextjs-preloaded-query-2025", "unauth-q");
    assert!(plan.script.preloaded_query);
    let observations = conformance::run_driver(&plan.script).unwrap();
    assert_eq!(replay::compare(&plan, &observations), Comparison::Agrees);
    assert_eq!(
        observations[0]["state"]["preloadedQueryShows"],
        "rendered on the server as the user"
    );
    let first_out = |observations: &[serde_json::Value]| -> Vec<String> {
        observations
            .iter()
            .flat_map(|o| o["events"].as_array().unwrap())
            .filter(|e| e["kind"] == "out")
            .map(|e| e["type"].as_str().unwrap().to_string())
            .filter(|t| t == "Authenticate" || t == "ModifyQuerySet")
            .collect()
    };
    let sent = first_out(&observations);
    assert_eq!(
        sent.first().map(String::as_str),
        Some("ModifyQuerySet"),
        "{sent:?}"
    );
    assert!(!sent.contains(&"Authenticate".to_string()), "{sent:?}");

    // The fix: the same mount with expectAuth, walked until the server has run
    // the query; the subscription goes out only behind the user's Authenticate.
    let check = load("nextjs-preloaded-query");
    let m = model::build(&check.scenario);
    let path = walk_preferring(&m, 12, |_| false);
    let plan = replay::plan(&m, &path).unwrap();
    let observations = conformance::run_driver(&plan.script).unwrap();
    assert_eq!(replay::compare(&plan, &observations), Comparison::Agrees);
    let sent = first_out(&observations);
    assert_eq!(
        sent.first().map(String::as_str),
        Some("Authenticate"),
        "{sent:?}"
    );
}

/// Replays `path` on the real client, asserts it agrees, and adds the driver ops
/// it used to `ops_used`.
fn replay_agrees(
    m: &model::AuthModel,
    path: &IndexPath,
    name: &str,
    ops_used: &mut std::collections::BTreeSet<String>,
) {
    let plan = replay::plan(m, path).unwrap();
    for step in &plan.script.steps {
        ops_used.insert(step.op.name().to_string());
    }
    let observations = conformance::run_driver(&plan.script).unwrap();
    assert_eq!(
        replay::compare(&plan, &observations),
        Comparison::Agrees,
        "{name}"
    );
}

/// A walk through a check's model that takes the app's own steps (calling the
/// mutation or the action, mounting or unmounting a query) as soon as they are
/// offered, and otherwise the first step offered, for at most `steps` steps.
fn walk_taking_app_steps(m: &model::AuthModel, steps: usize) -> IndexPath {
    walk_preferring(m, steps, |e| {
        matches!(
            e,
            Event::AppCallsMutation
                | Event::AppCallsAction
                | Event::QueryComponentToggled { .. }
                | Event::AppDecidesMutation
                | Event::AppDecidesAction
                | Event::AppDecidesQueryToggle
        )
    })
}

/// A walk that takes a step `wanted` says yes to as soon as one is offered, and
/// otherwise the first step offered, for at most `steps` steps.
fn walk_preferring(
    m: &model::AuthModel,
    steps: usize,
    wanted: impl Fn(&Event) -> bool,
) -> IndexPath {
    walk(m, steps, |state, actions, effective| {
        effective
            .iter()
            .copied()
            .find(|&i| wanted(&Event::of(state, &actions[i])))
            .unwrap_or(effective[0])
    })
}

use convex_auth_model::fuzz::walk;

/// mimalloc, as the CLI has (src/main.rs): exploring clones and frees millions
/// of small states, and glibc's allocator spends much of that time in malloc
/// and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Each world is explored once per test run and shared by every test.
fn explore(check: &convex_auth_model::check::CheckFile) -> convex_auth_model::check::CheckResult {
    convex_auth_model::check::cache::run_shared(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
        check,
    )
}

/// The app's own steps on the real client: a walk through each app-activity
/// check that calls the mutation and the action and mounts and unmounts a query
/// replays and agrees step by step, and uses every one of those driver ops.
#[test]
fn app_activity_agrees_with_the_real_client() {
    ensure_harness();
    let mut ops_used = std::collections::BTreeSet::new();
    for name in [
        "mutation-at-any-time",
        "action-lost-to-expiry",
        "query-mount-unmount",
    ] {
        let check = CheckFile::load(&repo().join(format!("checks/{name}.toml"))).unwrap();
        let m = model::build(&check.scenario);
        let path = walk_taking_app_steps(&m, 80);
        replay_agrees(&m, &path, name, &mut ops_used);
    }
    for op in [
        "callMutation",
        "callAction",
        "actionResponse",
        "mountQuery",
        "unmountQuery",
    ] {
        assert!(ops_used.contains(op), "no walk used {op}: {ops_used:?}");
    }
}

/// The ops no counterexample of the suite uses, on the real client: a walk through
/// `sign-in-after-mount` that signs the user in, and one through an app that holds
/// the client and calls `setAuth` then `clearAuth`, replay and agree.
#[test]
fn sign_in_and_app_clear_auth_agree_with_the_real_client() {
    ensure_harness();
    let sign_in = CheckFile::load(&repo().join("checks/sign-in-after-mount.toml")).unwrap();
    let app_held = CheckFile::parse(
        r#"
name = "app-clears-auth"
description = "an app that holds the client calls setAuth, then clearAuth"
sources = ["https://github.com/get-convex/convex-js/blob/main/src/browser/sync/client.ts"]
[scenario]
adapter = "workos-0.0.3"
app = { page_load = "loaded-signed-in", auth_by = "app", set_auth_calls = 1, clear_auth_calls = 1 }
[expect]
stuck = "holds"
wedge = "holds"
unauth-q = "holds"
flash = "holds"
mismatch = "holds"
zombie = "holds"
unhandled = "holds"
lost = "holds"
storm = "holds"
ghost = "holds"
authenticated = "holds"
token-refreshed = "holds"
reauthenticated-after-expiry = "holds"
"#,
    )
    .unwrap();
    let mut ops_used = std::collections::BTreeSet::new();
    for (check, wanted) in [
        (
            &sign_in,
            (|e: &Event| {
                matches!(
                    e,
                    Event::UserSignedIn | Event::SignInReachesIdp { .. } | Event::IdpLoaded
                )
            }) as fn(&Event) -> bool,
        ),
        (&app_held, |e: &Event| {
            matches!(
                e,
                Event::AppDecidesSetAuth | Event::AppCallsSetAuth | Event::TokenFetched { .. }
            ) || matches!(e, Event::AppDecidesClearAuth | Event::AppCallsClearAuth)
        }),
    ] {
        let m = model::build(&check.scenario);
        let path = walk_preferring(&m, 60, wanted);
        let states = path.replay(&m).unwrap();
        let events: Vec<Event> = states
            .windows(2)
            .map(|w| Event::of(&w[0].0, w[0].1.as_ref().unwrap()))
            .collect();
        if check.name == "sign-in-after-mount" {
            assert!(
                events.contains(&Event::SignInReachesIdp {
                    user: convex_auth_model::actors::User::A
                }),
                "{events:?}"
            );
        }
        replay_agrees(&m, &path, &check.name, &mut ops_used);
    }
    for op in ["provider", "setAuth", "clearAuth"] {
        assert!(ops_used.contains(op), "no walk used {op}: {ops_used:?}");
    }
}

/// The fixed-seed sample of `fuzz` that CI runs: 30 random walks (uniform over
/// the steps offered, up to 80 steps) through every shipped check, each replayed
/// on the real client of its check's release and compared step by step, with the
/// properties each check expects to hold watched on the real side. None diverges,
/// and only the checks named here leave walks unreplayed, for the reason given.
#[test]
fn fuzz_sample_of_every_check_agrees_with_the_real_client() {
    ensure_harness();
    let out = std::env::temp_dir().join(format!("convex-auth-fuzz-{}", std::process::id()));
    let run = Command::new(env!("CARGO_BIN_EXE_convex-auth-check"))
        .args(["fuzz", "--walks", "30", "--seed", "1", "--json", "--out"])
        .arg(&out)
        .current_dir(repo())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&run.stderr)));
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(
        checks.len(),
        check::files_in(&repo().join("checks")).unwrap().len()
    );
    let mut walks = 0;
    for c in checks {
        let name = c["check"].as_str().unwrap();
        assert_eq!(c["divergences"], serde_json::json!([]), "{name}: {c}");
        assert_eq!(c["walks"], 30, "{name}");
        let replayed = c["replayed"].as_u64().unwrap();
        if replayed < 30 {
            assert!(
                NOT_EVERY_WALK_REPLAYED.contains(&name),
                "{name} leaves {} walks unreplayed: {}",
                30 - replayed,
                c["not_replayable"]
            );
        }
        assert!(c["steps"].as_u64().unwrap() >= replayed, "{name}");
        assert!(c["walks_per_second"].as_f64().unwrap() > 0.0, "{name}");
        walks += replayed;
    }
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(walks >= 30 * (checks.len() as u64 - NOT_EVERY_WALK_REPLAYED.len() as u64));
    let _ = std::fs::remove_dir_all(&out);
}

/// The recommended WorkOS hook as a file (fixes/workos/) is what its row's
/// replays run: compiled from its TSX by the harness, over the real
/// authkit-react / authkit-js, and 100 random walks through #259's world agree
/// with the model step by step (FLASH, ZOMBIE, UNHANDLED, LOST and STORM watched
/// on the real side). The same walks on the package's hook would not: the
/// package's check is stuck and flashes there.
#[test]
fn the_recommended_workos_file_agrees_with_its_row_on_the_real_authkit() {
    ensure_harness();
    let check = load("recommended-workos-authkit-expiry");
    assert_eq!(
        replay::adapter_code(&check.scenario),
        Some(AdapterCode::RecommendedWorkos)
    );
    let out = std::env::temp_dir().join(format!("convex-auth-fixes-{}", std::process::id()));
    let run = Command::new(env!("CARGO_BIN_EXE_convex-auth-check"))
        .args(["fuzz", "--walks", "100", "--seed", "2", "--json", "--out"])
        .arg(&out)
        .arg("checks/recommended-workos-authkit-expiry.toml")
        .current_dir(repo())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&run.stderr)));
    let c = &report["checks"][0];
    assert_eq!(c["replayed"], 100, "{c}");
    assert_eq!(c["divergences"].as_array().map(Vec::len), Some(0), "{c}");
    assert!(run.status.success());
    let _ = std::fs::remove_dir_all(&out);
}

/// Whether the real client recovered from a failed token request in these
/// observations of a run (observation k + 1 is `script`'s step k): after an
/// `idpFail` step it sent `Authenticate` with a token and `useConvexAuth()`
/// showed the user authenticated.
fn recovered_on_the_real_client(script: &Script, observations: &[serde_json::Value]) -> bool {
    let Some(failed) = script
        .steps
        .iter()
        .position(|s| matches!(s.op, Op::IdpFail(_)))
    else {
        return false;
    };
    let after = &observations[failed + 2..];
    let authenticated =
        after.iter().position(|o| {
            o["events"].as_array().unwrap().iter().any(|e| {
                e["kind"] == "out" && e["type"] == "Authenticate" && e["token"].is_string()
            })
        });
    authenticated.is_some_and(|k| {
        after[k..]
            .iter()
            .any(|o| o["state"]["useConvexAuth"]["isAuthenticated"] == true)
    })
}

/// Replays 200 random walks (rare-event weighting) of `name` on the real client
/// through its row's real code, `code`, each agreeing with the model step by step
/// with the check's monitored properties watched on the real side; returns how
/// often the walks used each driver op, and in how many walks the real client
/// recovered from a failed token request.
fn walks_agree_through_real_code(
    name: &str,
    code: AdapterCode,
) -> (std::collections::BTreeMap<String, usize>, usize) {
    let (ops, recovered, _) = checked_walks_agree(&load(name), code, 200, 16);
    (ops, recovered)
}

/// `walks` random walks of `check` (from `seed`) replayed through `code` as
/// [`walks_agree_through_real_code`] does; also returns the `idpFail` steps the
/// scripts took.
fn checked_walks_agree(
    check: &CheckFile,
    code: AdapterCode,
    walks: usize,
    seed: u64,
) -> (
    std::collections::BTreeMap<String, usize>,
    usize,
    Vec<replay::IdpFailure>,
) {
    use convex_auth_model::fuzz::{Sampler, Weighting};
    ensure_harness();
    let name = &check.name;
    assert_eq!(replay::adapter_code(&check.scenario), Some(code));
    let model = model::build(&check.scenario);
    let monitored = replay::monitored(check);
    let mut sampler = Sampler::new(&model, seed, Weighting::Rare, 80);
    let mut driver = conformance::BatchDriver::start().unwrap();
    let mut ops = std::collections::BTreeMap::<String, usize>::new();
    let mut recovered = 0;
    let mut failures = Vec::new();
    for walk in 0..walks {
        let path = sampler.walk();
        let plan = replay::plan_monitored(&model, &path, &monitored).unwrap();
        let script = &plan.script;
        let ops_of_steps = script.steps.iter().map(|s| &s.op);
        for op in ops_of_steps.chain(&script.load_at_mount) {
            *ops.entry(op.name().to_string()).or_default() += 1;
            if let Op::IdpFail(failure) = op {
                failures.push(*failure);
            }
        }
        let observations = driver.run(script).unwrap();
        assert_eq!(
            replay::compare(&plan, &observations),
            Comparison::Agrees,
            "{name} ({}), walk {walk}",
            check.scenario.faults.failure_kind
        );
        recovered += usize::from(recovered_on_the_real_client(script, &observations));
    }
    (ops, recovered, failures)
}

/// A walk in which the server answers no user for a failed refresh (the token
/// has expired), rare in random walks, with the token store's memory holding a
/// token or not as `pulled` says (it keeps the cookie's token when it was
/// empty): the shortest path to such a failure, found breadth-first, then 40
/// random steps; it replays through `code` and agrees with the model. Returns
/// whether such a failure is reachable.
fn no_user_walk_agrees(check: &CheckFile, code: AdapterCode, pulled: bool) -> bool {
    use convex_auth_model::fuzz::{walk, Rng};
    use stateright::Model;
    use std::collections::{HashMap, VecDeque};
    assert_eq!(replay::adapter_code(&check.scenario), Some(code));
    let model = model::build(&check.scenario);
    let scenario = &check.scenario;
    let init = model.init_states().remove(0);
    let mut parent: HashMap<_, Option<(_, usize)>> = HashMap::from([(init.clone(), None)]);
    let mut queue = VecDeque::from([init]);
    let mut found = None;
    'search: while let Some(state) = queue.pop_front() {
        let mut actions = Vec::new();
        model.actions(&state, &mut actions);
        for (i, action) in actions.into_iter().enumerate() {
            let failed = matches!(Event::of(&state, &action), Event::IdpRefreshFailed { .. });
            let idp = &convex_auth_model::view::View::of(&state).token_provider.idp;
            let no_user =
                failed && idp.server_answers_no_user(scenario) && idp.store.pulled == pulled;
            let Some(next) = model.next_state(&state, action) else {
                continue;
            };
            if parent.contains_key(&next) {
                continue;
            }
            parent.insert(next.clone(), Some((state.clone(), i)));
            if no_user {
                found = Some(next);
                break 'search;
            }
            queue.push_back(next);
        }
    }
    let Some(mut state) = found else {
        return false;
    };
    let mut prefix = Vec::new();
    while let Some(Some((before, i))) = parent.get(&state).cloned() {
        prefix.push(i);
        state = before;
    }
    prefix.reverse();
    let mut rng = Rng::new(7);
    let mut step = 0;
    let path = walk(&model, prefix.len() + 40, |_, _, effective| {
        step += 1;
        prefix
            .get(step - 1)
            .copied()
            .unwrap_or_else(|| effective[rng.below(effective.len())])
    });
    let plan = replay::plan_monitored(&model, &path, &replay::monitored(check)).unwrap();
    assert!(plan
        .script
        .steps
        .iter()
        .any(|s| matches!(s.op, Op::IdpFail(f) if f.no_user)));
    let mut driver = conformance::BatchDriver::start().unwrap();
    let observations = driver.run(&plan.script).unwrap();
    assert_eq!(
        replay::compare(&plan, &observations),
        Comparison::Agrees,
        "{}: the walk to a failure answered with no user",
        check.name
    );
    true
}

/// Every kind of failure each recommended file's SDK can produce in one
/// request, injected at that SDK's HTTP boundary (a rejected fetch; a 503, a
/// 429 with Retry-After or a 408, each with a JSON error body; for the
/// framework files, their server's answer to it, undefined where TanStack
/// Start's middleware swallows the failure), agrees with the model: 20 random
/// walks per kind through each file's world of failed refreshes, the real
/// client recovering after a failed request in most of them. (A lock timeout
/// comes before any request, so its walks replay over a fake adapter.)
#[test]
fn every_failure_kind_replays_through_each_recommended_file_on_its_real_sdk() {
    use convex_auth_model::sdks::{FailureEffect, FailureKind};
    for (name, code) in [
        (
            "recommended-workos-authkit-expiry",
            AdapterCode::RecommendedWorkos,
        ),
        (
            "recommended-authkit-nextjs-refresh-failures",
            AdapterCode::RecommendedAuthkitNextjs,
        ),
        (
            "recommended-tanstack-start-refresh-failures",
            AdapterCode::RecommendedTanstackStart,
        ),
    ] {
        let world = load(name);
        let sdk = world.scenario.sdk_spec();
        for kind in FailureKind::ALL {
            if !kind.is_of_one_refresh()
                || kind == FailureKind::LockTimeout
                || matches!(sdk.failures.effect(kind), FailureEffect::NotProduced(_))
            {
                continue;
            }
            let mut check = world.clone();
            check.scenario.faults.failure_kind = kind;
            let (_, recovered, failures) = checked_walks_agree(&check, code, 20, 16);
            assert!(
                failures.len() >= 10 && failures.iter().all(|f| f.kind == kind),
                "{name} {kind}: {failures:?}"
            );
            assert!(
                recovered >= 10,
                "{name} {kind}: {recovered} of 20 recovered"
            );
            // TanStack Start's server answers no user once the token has
            // expired, for every kind WorkOS answers with a status: rarer walks,
            // sought in batches of 30 with new seeds.
            let swallowed = sdk.failures.effect(kind) == FailureEffect::NullOnceExpired;
            let mut no_user = failures.iter().any(|f| f.no_user);
            assert!(!no_user || swallowed, "{name} {kind}");
            // The server's answer is the same for every status WorkOS gives:
            // the walks to it are sought for a 5xx, in both cases of the
            // store: empty (it keeps the cookie's token) and holding a token
            // (no token for the hook).
            if swallowed && kind == FailureKind::Http5xx {
                no_user = no_user_walk_agrees(&check, code, false)
                    && no_user_walk_agrees(&check, code, true);
                assert!(no_user, "{name} {kind}");
            }
        }
    }
}

/// A session that ends at WorkOS replays through each recommended file over
/// its real SDK and agrees with the model: 20 random walks per file through
/// its world of an ended session. WorkOS refuses the refresh (a 400
/// `invalid_grant` to authkit-js; a failed server function to the framework
/// SDKs), and the framework SDKs' servers answer no user once the access
/// token has expired (authkit-nextjs 4.3.2's middleware deletes the session
/// cookie; TanStack Start's swallows the failure): walks to that answer are
/// sought breadth-first as well.
#[test]
fn an_ended_session_replays_through_each_recommended_file_on_its_real_sdk() {
    use convex_auth_model::sdks::FailureKind;
    for (name, code, answers_no_user) in [
        (
            "recommended-workos-session-ended",
            AdapterCode::RecommendedWorkos,
            false,
        ),
        (
            "recommended-authkit-nextjs-session-ended",
            AdapterCode::RecommendedAuthkitNextjs,
            true,
        ),
        (
            "recommended-tanstack-start-session-ended",
            AdapterCode::RecommendedTanstackStart,
            true,
        ),
    ] {
        let mut check = load(name);
        if code.is_authkit() {
            // authkit-js refreshes a token 10 s before it expires: one tick.
            check.scenario.bounds.idp_refresh_buffer = 1;
        }
        let (_, _, failures) = checked_walks_agree(&check, code, 20, 16);
        assert!(
            failures.iter().any(|f| f.kind == FailureKind::SessionEnded),
            "{name}: {failures:?}"
        );
        if answers_no_user {
            assert!(no_user_walk_agrees(&check, code, false), "{name}");
        }
    }
}

/// The recommended hook for the Next.js template as a file
/// (fixes/authkit-nextjs/) is what its row's replays run, bundled with the
/// real client side of authkit-nextjs 4.3.2 (its token store, AuthKitProvider
/// and useAccessToken; the Server Actions scripted): 200 random walks through
/// a world of two failed token requests agree with the model step by step, with
/// FLASH, ZOMBIE, UNHANDLED, LOST and STORM watched on the real side. The walks
/// take every step of that SDK the driver has: the page's session loaded,
/// requests answered and failed, the hook's backoff and the store's own retry;
/// and in most of them the real client, after a failed request, authenticates
/// and shows the user signed in (where the template's hook leaves it signed out,
/// bug-29-authkit-nextjs-permanent-unauth).
#[test]
fn the_recommended_nextjs_file_agrees_with_its_row_on_the_real_authkit_nextjs() {
    let (ops, recovered) = walks_agree_through_real_code(
        "recommended-authkit-nextjs-refresh-failures",
        AdapterCode::RecommendedAuthkitNextjs,
    );
    for op in [
        "storeLoad",
        "idpAnswer",
        "idpFail",
        "hookRetry",
        "storeTimer",
    ] {
        assert!(ops.get(op).is_some_and(|n| *n >= 10), "{op}: {ops:?}");
    }
    assert!(recovered >= 150, "{recovered} of 200 walks recovered");
}

/// The same for the recommended TanStack Start hook (fixes/tanstack-start/)
/// over the real client side of authkit-tanstack-react-start 0.11.1, whose
/// token store also refreshes a token on its own before it expires: its timer
/// is most of the walks' `storeTimer` steps. After a failed request the real
/// client authenticates again in most walks (where the template's hook makes
/// it give up, tanstack-start-transient-failure).
#[test]
fn the_recommended_tanstack_file_agrees_with_its_row_on_the_real_authkit_tanstack() {
    let (ops, recovered) = walks_agree_through_real_code(
        "recommended-tanstack-start-refresh-failures",
        AdapterCode::RecommendedTanstackStart,
    );
    for op in ["storeLoad", "idpAnswer", "idpFail", "hookRetry"] {
        assert!(ops.get(op).is_some_and(|n| *n >= 10), "{op}: {ops:?}");
    }
    assert!(ops.get("storeTimer").is_some_and(|n| *n >= 200), "{ops:?}");
    assert!(recovered >= 150, "{recovered} of 200 walks recovered");
}

/// When the tab becomes visible with the token due, the stores' wake listener
/// (useAccessToken's `handleWake`) refreshes it on its own: random walks
/// through the hidden-tab worlds of both framework files in which that refresh
/// happens (the model's `IdpAutoRefreshed` after a wake, the driver's
/// `storeWake`: it shows the tab and answers the request the real listener
/// makes) agree with the model step by step.
#[test]
fn the_stores_wake_refresh_agrees_with_the_real_sdks() {
    use convex_auth_model::fuzz::{Sampler, Weighting};
    ensure_harness();
    let mut driver = conformance::BatchDriver::start().unwrap();
    for name in [
        "recommended-authkit-nextjs-hidden-tab",
        "recommended-tanstack-start-hidden-tab",
    ] {
        let check = load(name);
        let model = model::build(&check.scenario);
        let monitored = replay::monitored(&check);
        let mut sampler = Sampler::new(&model, 5, Weighting::Rare, 80);
        let mut woken = 0;
        for walk in 0..20000 {
            let path = sampler.walk();
            let plan = replay::plan_monitored(&model, &path, &monitored).unwrap();
            let steps = &plan.script.steps;
            if !steps.iter().any(|s| matches!(s.op, Op::StoreWake(_))) {
                continue;
            }
            let observations = driver.run(&plan.script).unwrap();
            assert_eq!(
                replay::compare(&plan, &observations),
                Comparison::Agrees,
                "{name}, walk {walk}"
            );
            woken += 1;
            if woken == 20 {
                break;
            }
        }
        assert_eq!(woken, 20, "{name}: walks with a wake refresh");
    }
}

/// The checks some of whose walks the harness cannot play (their reasons are in
/// `fuzz`'s report).
const NOT_EVERY_WALK_REPLAYED: [&str; 0] = [];

/// The real-side monitors see what they watch: each counterexample of a
/// property they can judge, replayed with that property watched, is a
/// divergence that names the property, seen on the real client's own events
/// and commits (the model's verdict is not the monitor's input). With nothing
/// watched the same replay agrees.
#[test]
fn monitors_catch_each_property_they_watch_on_its_counterexample() {
    ensure_harness();
    let mut driver = conformance::BatchDriver::start().unwrap();
    let mut caught = Vec::new();
    for (name, slug) in [
        ("workos-0.0.3-authkit-expiry", "flash"),
        ("effects-after-paint-sign-out", "zombie"),
        ("bug-04-fetcher-reject-wedges-client", "unhandled"),
        ("action-lost-to-expiry", "lost"),
        ("bug-16-settimeout-overflow-refetch-storm", "storm"),
    ] {
        let check = load(name);
        let result = explore(&check);
        let (_, path) = result.violations().find(|(p, _)| p.slug == slug).unwrap();
        let m = model::build(&check.scenario);
        let unwatched = replay::plan(&m, path).unwrap();
        let observations = driver.run(&unwatched.script).unwrap();
        assert_eq!(
            replay::compare(&unwatched, &observations),
            Comparison::Agrees
        );
        let watched = replay::plan_monitored(&m, path, &[slug]).unwrap();
        let observations = driver.run(&watched.script).unwrap();
        match replay::compare(&watched, &observations) {
            Comparison::Diverges { client, .. } => {
                let tag = format!("{} on the real client", slug.to_uppercase());
                assert!(client.contains(&tag), "{name}: {client}");
                caught.push(slug);
            }
            Comparison::Agrees => panic!("{name}: the {slug} monitor saw nothing"),
        }
    }
    assert_eq!(caught, replay::MONITORABLE);
}

/// A walk that breaks on the real client a property its check expects to hold is
/// found, shrunk and written as a trace that `replay` reproduces: here a copy of
/// `action-lost-to-expiry` that (wrongly) expects LOST to hold, so the driver
/// watches LOST, and a walk whose action fails with "Connection lost" diverges.
#[test]
fn fuzz_shrinks_a_real_side_violation_and_replay_reproduces_it() {
    ensure_harness();
    let dir = std::env::temp_dir().join(format!("convex-auth-fuzz-lost-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(repo().join("checks/action-lost-to-expiry.toml"))
        .unwrap()
        .replace(
            "name = \"action-lost-to-expiry\"",
            "name = \"action-lost-watched\"",
        )
        .replace(
            "violated = [\"stuck\", \"unauth-q\", \"flash\", \"lost\"]",
            "violated = [\"stuck\", \"unauth-q\", \"flash\"]",
        );
    let file = dir.join("action-lost-watched.toml");
    std::fs::write(&file, text).unwrap();
    let bin = env!("CARGO_BIN_EXE_convex-auth-check");
    let run = Command::new(bin)
        .args(["fuzz", "--walks", "300", "--seed", "1", "--json", "--out"])
        .arg(dir.join("out"))
        .arg(&file)
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let check = &report["checks"][0];
    assert_eq!(
        check["monitored"],
        serde_json::json!(["zombie", "unhandled", "lost", "storm"])
    );
    let divergence = &check["divergences"][0];
    assert!(
        divergence["what"]
            .as_str()
            .unwrap()
            .contains("LOST on the real client"),
        "{divergence}"
    );
    let drawn = divergence["drawn"].as_str().unwrap().split('/').count() - 1;
    let shrunk = divergence["shrunk_steps"].as_u64().unwrap() as usize;
    assert!(shrunk < drawn, "{shrunk} of {drawn}");
    let trace = divergence["trace"].as_str().unwrap();
    let replayed = Command::new(bin).arg("replay").arg(trace).output().unwrap();
    assert_eq!(replayed.status.code(), Some(1));
    let said = String::from_utf8_lossy(&replayed.stdout);
    assert!(said.contains("LOST on the real client"), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Divergences `fuzz` found, kept as regression tests (tests/fuzz-regressions/).
///
/// `authkit-session-outlives-its-run`: in one driver process, a signed-out
/// visitor's page load on the real AuthKit came up signed in after an earlier
/// walk had signed a user in: authkit-js keeps its session in module memory that
/// authkit-react never clears. The harness now empties it before each run
/// (conformance/workos.mjs, forgetWorkosSession); the test replays a signed-in
/// AuthKit counterexample and then the visitor's walk in the same process.
#[test]
fn fuzz_regressions_agree_with_the_real_client() {
    ensure_harness();
    let mut driver = conformance::BatchDriver::start().unwrap();
    let signed_in = plan_of("workos-0.0.3-authkit-expiry", "flash");
    let observations = driver.run(&signed_in.script).unwrap();
    assert_eq!(
        replay::compare(&signed_in, &observations),
        Comparison::Agrees
    );
    let dir = repo().join("tests/fuzz-regressions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".trace.json"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for file in files {
        let trace: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let scenario = serde_json::from_value(trace["scenario"].clone()).unwrap();
        let path = IndexPath::decode(trace["explorer_path"].as_str().unwrap()).unwrap();
        let m = model::build(&scenario);
        let plan = replay::plan(&m, &path).unwrap();
        let observations = driver.run(&plan.script).unwrap();
        assert_eq!(
            replay::compare(&plan, &observations),
            Comparison::Agrees,
            "{}",
            file.display()
        );
    }
}

/// A Clerk check replays through convex's own ConvexProviderWithClerk: the
/// fetches reach the fake Clerk `getToken` with the "convex" template the
/// adapter asks for, forced ones with skipCache; and the organization switch's
/// new fetcher comes from the adapter's deps.
#[test]
fn clerk_replays_run_convexs_own_clerk_adapter() {
    let observations =
        agreeing_replay_through("clerk-org-switch", "flash", AdapterCode::ConvexClerk);
    let calls = fetch_calls(&observations);
    assert!(calls.len() >= 2, "{calls:?}");
    assert!(calls.iter().all(|c| c["template"] == "convex"), "{calls:?}");
    assert!(calls.iter().any(|c| c["forceRefreshToken"] == true));
}

/// A @convex-dev/workos 0.0.3 check replays through the real ConvexProviderWithAuthKit
/// over the real authkit-react and authkit-js: the forced refetch after the first
/// confirmation is answered from authkit-js's memory with no WorkOS request (0.0.3
/// drops forceRefreshToken), the failed refresh of #259 is a WorkOS request that
/// fails, and the adapter's own catch turns it into null.
#[test]
fn workos_replays_run_the_real_authkit() {
    let observations =
        agreeing_replay_through("workos-0.0.3-authkit-expiry", "flash", AdapterCode::Workos);
    let events = all_events(&observations);
    let requests = events
        .iter()
        .filter(|e| e["kind"] == "workos.request")
        .count();
    let calls = fetch_calls(&observations);
    assert!(
        requests >= 2 && calls.len() > requests,
        "{requests} requests for {} calls",
        calls.len()
    );
    // The forced fetch after the page's token is confirmed: answered from memory.
    let forced = calls
        .iter()
        .position(|c| c["forceRefreshToken"] == true)
        .unwrap();
    let settled = events
        .iter()
        .find(|e| e["kind"] == "fetchToken.settled" && e["fetch"] == calls[forced]["fetch"])
        .unwrap();
    assert_eq!(settled["token"], "T0");
    assert!(events
        .iter()
        .any(|e| e["kind"] == "fetchToken.settled" && e["token"].is_null()));
    // A world the driver cannot play through authkit-js falls back to the fake.
    let switch = load("account-switch-workos-0.0.3");
    assert_eq!(replay::adapter_code(&switch.scenario), None);
}

/// The Convex Auth check replays through the real ConvexAuthProvider of
/// @convex-dev/auth 0.0.95: the page's storage is read as a step of its own, each
/// refresh is an `auth:signIn` request to the deployment's HTTP API, and the
/// network error it meets twice escapes the client after the package's own retry
/// and its two waits.
#[test]
fn convex_auth_replays_run_the_real_provider() {
    let observations = agreeing_replay_through(
        "convex-auth-transient-failure",
        "unhandled",
        AdapterCode::ConvexAuth,
    );
    let events = all_events(&observations);
    let requests: Vec<_> = events
        .iter()
        .filter(|e| e["kind"] == "convexAuth.request")
        .collect();
    assert_eq!(requests.len(), 2, "one attempt and its retry: {requests:?}");
    assert!(requests.iter().all(|r| r["path"] == "auth:signIn"));
    let waits = events
        .iter()
        .filter(|e| e["kind"] == "timer.fire" && e["timer"] == "convexAuth.retry")
        .count();
    assert_eq!(waits, 2, "it sleeps after each failure, the last one too");
    assert!(events.iter().any(|e| e["kind"] == "fetchToken.rejected"));
    assert!(events.iter().any(|e| e["kind"] == "unhandledRejection"));
}

/// The Better Auth check replays through @convex-dev/better-auth 0.12.5's own
/// ConvexBetterAuthProvider over a fake Better Auth client: every fetch is a
/// `/convex/token` request, and the failed one comes back as an error object that
/// the adapter turns into null.
#[test]
fn better_auth_replays_run_the_real_provider() {
    let observations = agreeing_replay_through(
        "better-auth-transient-failure",
        "stuck",
        AdapterCode::BetterAuth,
    );
    let events = all_events(&observations);
    let requests = events
        .iter()
        .filter(|e| e["kind"] == "betterAuth.request")
        .count();
    assert!(requests >= 2, "{requests} requests");
    assert!(events
        .iter()
        .any(|e| e["kind"] == "fetchToken.settled" && e["token"].is_null()));
}

/// An Auth0 check replays through convex's own ConvexProviderWithAuth0 over the
/// harness's stand-in useAuth0: the adapter asks with cacheMode "on", and "off"
/// when forced, and the null after the failed refresh is the adapter's catch.
#[test]
fn auth0_replays_run_convexs_own_auth0_adapter() {
    let observations =
        agreeing_replay_through("auth0-transient-failure", "stuck", AdapterCode::ConvexAuth0);
    let modes: Vec<&str> = fetch_calls(&observations)
        .iter()
        .map(|e| e["cacheMode"].as_str().unwrap())
        .collect();
    assert_eq!(modes.first(), Some(&"on"), "{modes:?}");
    assert!(modes.contains(&"off"), "{modes:?}");
}

/// The README's bug catalogue is what `catalogue` prints: the verdicts of the bug
/// checks and the replays of their counterexamples on their own releases.
#[test]
fn the_readme_catalogue_is_the_catalogue_command_output() {
    ensure_harness();
    let o = Command::new(env!("CARGO_BIN_EXE_convex-auth-check"))
        .current_dir(repo())
        .arg("catalogue")
        .env(
            convex_auth_model::check::cache::ENV_VAR,
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorations"),
        )
        .output()
        .unwrap();
    let table = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = "<!-- catalogue: the output of `cargo run --release -- catalogue` -->\n";
    let inside = readme
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once("<!-- end of catalogue -->"))
        .expect("README.md has the catalogue between its markers")
        .0;
    assert_eq!(
        inside.trim(),
        table.trim(),
        "README.md's catalogue is out of date: paste `cargo run --release -- catalogue` between the markers"
    );
    assert!(table.contains("| 1 | reauth-outdated-leaves-socket-stopped |"));
    assert!(table.contains("agree on convex 1.20.0"));
}
