//! `convex-auth-check hook FILE`: the hooks the project can bundle, and hand-made
//! broken variants of them (tests/hooks/), are learned as what they are, and
//! bad input gets one line and exit 2; tsc's errors are reported and do not
//! stop the run.
//!
//! Each learning run replays some 700 random walks through the real SDK (15 to
//! 25 s here): the suite runs two, the recommended WorkOS provider and one
//! broken variant; the others are ignored tests (`cargo test --test hook --
//! --ignored`), each for that reason.

use std::path::Path;
use std::process::{Command, Output};

use convex_auth_model::adapters::{CustomAdapter, CustomSdk};
use convex_auth_model::check::{self, CheckFile};
use convex_auth_model::learn;
use convex_auth_model::matrix::{self, Matrix};
use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_convex-auth-check"))
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Installs the harness and fixes/ when a fresh checkout lacks them.
fn installed() {
    for dir in ["conformance", "fixes"] {
        if !root().join(dir).join("node_modules").is_dir() {
            let ok = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--prefix", dir])
                .current_dir(root())
                .status()
                .expect("npm runs");
            assert!(ok.success(), "npm ci --prefix {dir}");
        }
    }
}

/// The explorations every test binary of a run shares (`check::cache`): the
/// hook command's worlds, and the test's own runs of the same worlds.
fn explorations() -> std::path::PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorations");
    check::cache::enable(&folder);
    folder
}

/// `hook FILE --json` (and `extra`): the exit code and the document.
fn learn_file(file: &str, extra: &[&str]) -> (i32, Value) {
    installed();
    let out = bin()
        .current_dir(root())
        .env(check::cache::ENV_VAR, explorations())
        .args(["hook", file, "--json", "--out"])
        .arg(std::env::temp_dir().join(format!(
            "hook-{}-{}",
            std::process::id(),
            file.replace('/', "-")
        )))
        .args(extra)
        .output()
        .expect("runs");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{file}: no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), doc)
}

fn learned(doc: &Value) -> CustomAdapter {
    serde_json::from_value(doc["learned"]["facts"].clone()).expect("a custom adapter")
}

/// The values no walk told apart from the learned ones, as "fact = value".
fn undetermined(doc: &Value) -> Vec<String> {
    doc["learned"]["undetermined"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|u| u["also"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v["facts"].as_str().map(String::from))
        .collect()
}

/// Worlds whose verdicts read the facts the learner cannot learn.
const READ_UNLEARNED_FACTS: [&str; 3] = ["sign-out", "account switch", "session switch"];

#[test]
fn the_recommended_workos_provider_is_learned_as_its_row() {
    let (code, doc) = learn_file("fixes/workos/ConvexProviderWithAuthKit.tsx", &[]);
    assert_eq!(doc["export"], "ConvexProviderWithAuthKit");
    assert_eq!(doc["kind"], "provider");
    let facts = learned(&doc);
    let (row, file) = learn::recommended(CustomSdk::AuthkitJs0202);
    assert_eq!(file, "fixes/workos/ConvexProviderWithAuthKit.tsx");
    // Every fact the worlds show is the row's …
    assert_eq!(
        (
            facts.sdk,
            facts.force,
            facts.login_required,
            facts.transient_error,
            facts.retry_waits,
            facts.fetcher_follows_token,
            facts.loading_while_refreshing,
        ),
        (
            row.sdk,
            row.force,
            row.login_required,
            row.transient_error,
            row.retry_waits,
            row.fetcher_follows_token,
            row.loading_while_refreshing,
        )
    );
    // … or the row's value is among those no walk told apart.
    assert_learned_as("fixes/workos/ConvexProviderWithAuthKit.tsx", &doc, &row);
    assert!(doc["learned"]["walks"].as_u64().unwrap() >= 100);
    // The verdicts are the row's wherever they do not read the unlearned facts.
    let path = root().join("checks").join(matrix::FILE);
    let theirs = Matrix::load_for_hook(&path, &row, "1.49.0").unwrap();
    let results = theirs.run(Default::default(), &mut |_, _| {});
    for ((world, result), mine) in theirs
        .faults
        .iter()
        .zip(&results[0])
        .zip(doc["worlds"].as_array().unwrap())
    {
        assert_eq!(mine["world"], world.as_str());
        if READ_UNLEARNED_FACTS.contains(&world.as_str()) {
            continue;
        }
        let Some(result) = result else { continue };
        assert_eq!(mine["verdict"], matrix::verdict(result), "{world}");
    }
    // The client's own violations (a socket drop's anonymous query run) are
    // not the hook's to fix, and the exit status says a property is violated.
    assert_eq!(code, 1);
    let not_the_hooks = doc["suggestion"]["not_the_hooks"].as_array().unwrap();
    assert!(not_the_hooks.contains(&Value::from("UNAUTH-Q")));
}

#[test]
fn a_hook_that_returns_null_on_every_error_is_learned_and_told_to_retry() {
    let (code, doc) = learn_file("tests/hooks/workos-null-on-every-error.tsx", &[]);
    let facts = learned(&doc);
    assert_eq!(
        learn::table(&facts).lines().nth(3),
        Some("transient_error = \"null\"")
    );
    assert_eq!(code, 1);
    // A refresh that fails once signs the user out for good: #259.
    let worlds = doc["worlds"].as_array().unwrap();
    let once = worlds
        .iter()
        .find(|w| w["world"] == "refresh fails once")
        .unwrap();
    assert!(
        once["violated"]
            .as_array()
            .unwrap()
            .contains(&Value::from("STUCK")),
        "{once}"
    );
    let changes = doc["suggestion"]["changes"].as_array().unwrap();
    let retry = changes
        .iter()
        .find(|c| c["fact"] == "transient_error")
        .expect("the suggestion changes the error handling");
    assert_eq!(retry["yours"], "\"null\"");
    assert_eq!(retry["recommended"], "\"backoff\"");
    // Each world with a violation gets a check file of the learned hook, which
    // the stories name for the Explorer and which `check` reproduces.
    let stories: Vec<&str> = doc["stories"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let check_file = stories
        .iter()
        .find(|f| f.ends_with("check.toml"))
        .expect("a check file among the stories");
    let check = CheckFile::load(Path::new(check_file)).expect("the written check file loads");
    assert_eq!(check.scenario.custom_adapter, Some(facts));
    let result = check::run(&check, Default::default());
    for p in &result.properties {
        assert!(
            check.expect[p.slug].matches(p.verdict),
            "{}: {p:?}",
            check.name
        );
    }
    let story = stories
        .iter()
        .find(|f| f.ends_with(".md") && Path::new(f).parent() == Path::new(check_file).parent())
        .expect("a story beside the check file");
    let text = std::fs::read_to_string(story).unwrap();
    assert!(
        text.contains(&format!("convex-auth-check explore {check_file}")),
        "{text}"
    );
}

/// The export check-hook.mjs finds in `file` over `sdk`, and tsc's errors.
fn preflight(file: &str, sdk: &str) -> Value {
    installed();
    let out = Command::new("node")
        .current_dir(root().join("conformance"))
        .arg("check-hook.mjs")
        .arg(root().join(file))
        .arg(sdk)
        .output()
        .expect("node runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{file}: no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A type error does not stop the run, and is reported as tsc prints it:
/// `file(line,col): error TSnnnn: message`.
#[test]
fn type_errors_are_reported_as_tsc_prints_them() {
    let misnamed = preflight("tests/hooks/workos-force-misnamed.tsx", "authkit-react");
    assert_eq!(misnamed["export"], "ConvexProviderWithAuthKit");
    let errors: Vec<&str> = misnamed["type_errors"]
        .as_array()
        .expect("type_errors")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].ends_with(
            "workos-force-misnamed.tsx(43,43): error TS2561: Object literal may only specify known properties, \
             but 'forceRefreshToken' does not exist in type '{ forceRefresh?: boolean | undefined; }'. \
             Did you mean to write 'forceRefresh'?"
        ),
        "{}",
        errors[0]
    );
    let recommended = preflight(
        "fixes/workos/ConvexProviderWithAuthKit.tsx",
        "authkit-react",
    );
    assert_eq!(recommended["type_errors"], serde_json::json!([]));
}

/// A file in a project with its own node_modules runs over the pinned SDK:
/// the project's copy of it (here one that throws when loaded) is not bundled.
#[test]
fn the_pinned_sdk_is_bundled_even_where_the_project_has_its_own() {
    let project = std::env::temp_dir().join(format!("hook-project-{}", std::process::id()));
    let own = project.join("node_modules/@workos-inc/authkit-nextjs");
    std::fs::create_dir_all(&own).unwrap();
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::write(
        own.join("package.json"),
        r#"{ "name": "@workos-inc/authkit-nextjs", "version": "0.0.0", "exports": { "./components": "./components.js" } }"#,
    )
    .unwrap();
    std::fs::write(
        own.join("components.js"),
        "throw new Error(\"the project's own copy was bundled\");\n",
    )
    .unwrap();
    let file = project.join("src/ConvexClientProvider.tsx");
    std::fs::copy(
        root().join("tests/hooks/authkit-nextjs-docs-shape.tsx"),
        &file,
    )
    .unwrap();
    let answer = preflight(file.to_str().unwrap(), "authkit-nextjs");
    std::fs::remove_dir_all(&project).unwrap();
    assert_eq!(answer["export"], "useAuthFromAuthKit", "{answer}");
}

/// Each broken variant's one changed fact, learned.
#[test]
#[ignore = "about 20 s per file on 2 cores (some 700 walks through the real SDK each); run with --ignored"]
fn each_hand_made_variant_is_learned_as_what_it_is() {
    for (file, line) in [
        (
            "tests/hooks/workos-force-ignored.tsx",
            "force = \"ignored\"",
        ),
        (
            "tests/hooks/workos-force-misnamed.tsx",
            "force = \"ignored\"",
        ),
        (
            "tests/hooks/workos-rethrows.tsx",
            "transient_error = \"rethrow\"",
        ),
        (
            "tests/hooks/workos-stale-token.tsx",
            "transient_error = \"last-returned\"",
        ),
    ] {
        let (_, doc) = learn_file(file, &[]);
        let table = learn::table(&learned(&doc));
        assert!(table.lines().any(|l| l == line), "{file}: {table}");
        // Only the misnamed option is a type error, and the run goes on.
        let type_errors = doc["type_errors"].as_array().unwrap();
        assert_eq!(
            type_errors.len(),
            usize::from(file.ends_with("misnamed.tsx")),
            "{file}: {type_errors:?}"
        );
    }
}

/// Every fact the learning worlds show is `row`'s, or `row`'s value is among
/// those no walk told apart from the learned one (the two facts the learner
/// does not learn are left out).
fn assert_learned_as(file: &str, doc: &Value, row: &CustomAdapter) {
    let facts = learned(doc);
    let also = undetermined(doc);
    for (fact, mine, theirs) in learn::differences(&facts, row) {
        if matches!(
            fact.as_str(),
            "fetcher_follows_user" | "fetcher_follows_session"
        ) {
            continue;
        }
        assert!(
            also.iter().any(|a| a.contains(&format!("{fact} = {theirs}"))),
            "{file}: {fact}: learned {mine}, the row has {theirs}, and no undetermined value says so: {also:?}"
        );
    }
}

/// The published and the documented hooks: `@convex-dev/workos` 0.0.3 (as npm
/// ships it; it imports no SDK, it takes AuthKit's `useAuth` as a prop) is the
/// authkit-react template description, and gets the `workos-0.0.3` row's
/// verdict in every world; a hook of the docs' shape over authkit-nextjs, and
/// one of the TanStack Start template's shape, are their SDK's template
/// description.
#[test]
#[ignore = "about 20 to 40 s per file on 2 cores (some 500 walks through the real SDK each); run with --ignored"]
fn the_published_and_documented_hooks_are_learned_as_their_rows() {
    let file = "conformance/node_modules/@convex-dev/workos/dist/index.js";
    let (_, doc) = learn_file(file, &["--sdk", "authkit-react"]);
    assert_eq!(doc["export"], "ConvexProviderWithAuthKit");
    assert_learned_as(file, &doc, &learn::template(CustomSdk::AuthkitJs0202));
    let mut published = Matrix::load(&root().join("checks").join(matrix::FILE), &[]).unwrap();
    let row = published
        .adapters
        .iter()
        .position(|a| a == "workos-0.0.3")
        .unwrap();
    published.cells = vec![published.cells.swap_remove(row)];
    let results = published.run(Default::default(), &mut |_, _| {});
    for ((world, result), mine) in published
        .faults
        .iter()
        .zip(&results[0])
        .zip(doc["worlds"].as_array().unwrap())
    {
        let result = result.as_ref().unwrap();
        assert_eq!(mine["verdict"], matrix::verdict(result), "{world}");
    }

    for (file, sdk) in [
        (
            "tests/hooks/authkit-nextjs-docs-shape.tsx",
            CustomSdk::AuthkitNextjs432,
        ),
        (
            "tests/hooks/tanstack-start-template-shape.tsx",
            CustomSdk::AuthkitTanstackStart0111,
        ),
    ] {
        let (_, doc) = learn_file(file, &[]);
        assert_eq!(doc["export"], "useAuthFromAuthKit");
        assert_learned_as(file, &doc, &learn::template(sdk));
    }
}

/// A hook that reports loading until it has a token is outside the model:
/// the report names the world, the step and, in words, what each side did
/// there, and exits 3.
#[test]
#[ignore = "about 5 s (some 100 walks through the real SDK); run with --ignored"]
fn a_hook_the_model_cannot_describe_is_reported_with_the_step_where_it_parts_ways() {
    let (code, doc) = learn_file("tests/hooks/workos-loading-until-token.tsx", &[]);
    assert_eq!(code, 3);
    assert_eq!(doc["describable"], false);
    let u = &doc["unexplained"];
    assert_eq!(u["world"], learn::World::Expiry.name());
    assert_eq!(u["step"], 2, "{u}");
    // Only the parts of the step that differ, in words.
    assert_eq!(u["model"], "fetchAccessToken({forceRefreshToken: false})");
    assert_eq!(
        u["file"],
        "fetchAccessToken({forceRefreshToken: false}), fetchAccessToken({forceRefreshToken: false})"
    );
}

/// The framework SDKs' recommended hooks, learned over their real client code.
#[test]
#[ignore = "about 15 to 30 s per file on 2 cores (some 800 walks through the real SDK each); run with --ignored"]
fn the_framework_hooks_are_learned_as_their_rows() {
    for (file, sdk) in [
        (
            "fixes/authkit-nextjs/ConvexClientProvider.tsx",
            CustomSdk::AuthkitNextjs432,
        ),
        (
            "fixes/tanstack-start/useAuthFromWorkOS.tsx",
            CustomSdk::AuthkitTanstackStart0111,
        ),
    ] {
        let (_, doc) = learn_file(file, &[]);
        let facts = learned(&doc);
        let (row, _) = learn::recommended(sdk);
        assert_eq!(
            (
                facts.force,
                facts.transient_error,
                facts.retries_no_token_while_signed_in
            ),
            (
                row.force,
                row.transient_error,
                row.retries_no_token_while_signed_in
            ),
            "{file}"
        );
    }
}

fn bad(args: &[&str]) -> String {
    installed();
    let out: Output = bin().current_dir(root()).args(args).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("running "))
        .collect();
    assert_eq!(lines.len(), 1, "{args:?}: one line, got {stderr}");
    lines[0].to_string()
}

#[test]
fn bad_input_is_one_line_naming_the_file() {
    assert!(
        bad(&["hook", "tests/hooks/missing.tsx"]).contains("tests/hooks/missing.tsx: cannot read")
    );
    assert!(bad(&["hook", "README.md"]).contains("README.md: not a TypeScript or JavaScript file"));
    // A release between two presets is named by the preset that stands for it.
    let client = &[
        "hook",
        "tests/hooks/clerk.tsx",
        "--sdk",
        "authkit-react",
        "--client",
    ];
    assert!(
        bad(&[client as &[&str], &["1.31.0"]].concat()).ends_with("use --client 1.28.0"),
        "{}",
        bad(&[client as &[&str], &["1.31.0"]].concat())
    );
    assert!(bad(&[client as &[&str], &["next"]].concat()).contains("valid: 1.13.2, 1.14.0"));
    assert!(bad(&["hook", "tests/hooks/clerk.tsx"]).contains("imports Clerk's SDK"));
    assert_eq!(
        bad(&["hook", "tests/hooks/does-not-compile.tsx"]),
        "error: tests/hooks/does-not-compile.tsx:5:28: does not compile: Unexpected \";\""
    );
    let no_hook = bad(&["hook", "tests/hooks/no-hook.ts"]);
    assert!(
        no_hook.contains("no hook") && no_hook.contains("fetchToken, sdkHook"),
        "{no_hook}"
    );
    let named = bad(&[
        "hook",
        "fixes/workos/ConvexProviderWithAuthKit.tsx",
        "--export",
        "useNothing",
    ]);
    assert!(
        named.contains("no function export named useNothing"),
        "{named}"
    );
    assert_eq!(
        bad(&["hook", "tests/hooks/throws-at-render.tsx"]),
        "error: tests/hooks/throws-at-render.tsx: useAuthThatThrows throws when the harness renders it: this hook throws at render"
    );
}
