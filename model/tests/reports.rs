//! The readable renderings of counterexamples: golden files for the report and ITF
//! trace of #259's null dead end, and every ITF document of the suite loaded back
//! through the `itf` crate.
//!
//! To regenerate the golden files on purpose:
//! `UPDATE_GOLDEN=1 cargo test -p convex-auth-model --test reports`.

use std::path::{Path, PathBuf};

use convex_auth_model::check::{self, CheckFile};
use convex_auth_model::model;
use convex_auth_model::trace::{self, itf, narrative};

/// Each world is explored once per test run and shared by every test.
fn explore(check: &convex_auth_model::check::CheckFile) -> convex_auth_model::check::CheckResult {
    convex_auth_model::check::cache::run_shared(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
        check,
    )
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn compare_with_golden(name: &str, actual: &str) {
    let file = repo().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", file.display()));
    assert!(
        expected == actual,
        "{} differs from what the code now writes; if the change is meant, regenerate with UPDATE_GOLDEN=1",
        file.display()
    );
}

/// The null dead end of #259 (the docs' adapter, which honours forceRefreshToken,
/// so STUCK's shortest lasso is the null after a failed refresh), as a report and
/// an ITF document: a lasso whose loop repeats forever.
#[test]
fn the_259_null_dead_end_report_and_itf_match_their_golden_files() {
    let check = CheckFile::load(&repo().join("checks/docs-custom-transient-failure.toml")).unwrap();
    let result = explore(&check);
    let stuck = result
        .properties
        .iter()
        .find(|p| p.slug == "stuck")
        .unwrap();
    let m = model::build(&check.scenario);
    let walk = trace::Walk::of(&m, stuck.path.as_ref().unwrap()).unwrap();
    let link = trace::explorer_link("127.0.0.1", trace::DEFAULT_EXPLORER_PORT, &walk.path);
    let md = narrative::markdown(
        &walk,
        m.scenario(),
        &check.name,
        &check.description,
        stuck,
        "checks/docs-custom-transient-failure.toml",
        &link,
    )
    .unwrap();
    assert!(md.contains("```mermaid\nsequenceDiagram\n"));
    for words in [
        "fetchAccessToken({forceRefreshToken: true})",
        "fails: a network error",
        "resolves with null",
        "useConvexAuth() becomes {isLoading:false, isAuthenticated:false, isRefreshing:false}",
        "AuthKit (Next.js) refreshes the token on its own and is healthy again",
        "*(from here this repeats forever)*",
        "repeat forever, and the goal is never reached again",
        "Note over P,E: from here this repeats forever",
    ] {
        assert!(md.contains(words), "the report lacks {words:?}");
    }
    compare_with_golden("docs-custom-transient-failure/stuck.md", &md);
    let doc = itf::document(&walk, &check.name, stuck);
    compare_with_golden(
        "docs-custom-transient-failure/stuck.itf.json",
        &itf::to_json(&doc).unwrap(),
    );
}

/// Every ITF document of the suite, as written, loads back through the `itf`
/// crate as exactly what was written: the states, their variables, the loop.
#[test]
fn every_itf_document_of_the_suite_loads_back_as_written() {
    for file in check::files_in(&repo().join("checks")).unwrap() {
        let check = CheckFile::load(&file).unwrap();
        let result = explore(&check);
        let m = model::build(&check.scenario);
        for (p, path) in result.violations() {
            let walk = trace::Walk::of(&m, path).unwrap();
            let doc = itf::document(&walk, &check.name, p);
            let text = itf::to_json(&doc).unwrap();
            let parsed: ::itf::Trace<::itf::Value> = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} {}: {e}", check.name, p.slug));
            assert!(
                parsed == doc,
                "{} {}: read back differently",
                check.name,
                p.slug
            );
            assert_eq!(parsed.vars, itf::VARS);
            let expected_states = path.actions.len() + 1 - usize::from(p.loop_start.is_some());
            assert_eq!(
                parsed.states.len(),
                expected_states,
                "{} {}",
                check.name,
                p.slug
            );
            assert_eq!(parsed.loop_index, p.loop_start.map(|l| l as u64));
            for state in &parsed.states {
                let ::itf::Value::Record(variables) = &state.value else {
                    panic!("{} {}: a state is not a record", check.name, p.slug);
                };
                let names: Vec<&str> = variables.iter().map(|(k, _)| k.as_str()).collect();
                let mut expected = itf::VARS.to_vec();
                expected.sort();
                assert_eq!(names, expected, "{} {}", check.name, p.slug);
            }
        }
    }
}

/// The IdP, as an ITF tool reads it from a state: typed fields, not words.
#[derive(Debug, PartialEq, serde::Deserialize)]
struct Idp {
    loading: bool,
    #[serde(with = "::itf::de::As::<::itf::de::Option::<_>>")]
    session: Option<User>,
    #[serde(with = "::itf::de::As::<::itf::de::Option::<_>>")]
    token: Option<Token>,
}

/// A variant whose value is the empty tuple (a user: `A` or `B`).
#[derive(Debug, PartialEq, serde::Deserialize)]
struct User {
    tag: String,
}

fn user(tag: &str) -> User {
    User { tag: tag.into() }
}

#[derive(Debug, PartialEq, serde::Deserialize)]
struct Token {
    serial: u8,
    iat: u8,
    exp: u8,
    user: User,
}

/// The variables an ITF reader of the null dead end looks at, decoded into Rust
/// types through the `itf` crate.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Observed {
    now: u8,
    config_version: u8,
    idp: Idp,
}

/// The golden ITF document decodes into typed state: the IdP's session and token
/// are data (user, serial, iat, exp), the clock and configVersion integers.
#[test]
fn the_golden_itf_document_decodes_into_typed_states() {
    let text = std::fs::read_to_string(
        repo().join("tests/golden/docs-custom-transient-failure/stuck.itf.json"),
    )
    .unwrap();
    let trace: ::itf::Trace<Observed> = ::itf::trace_from_str(&text).unwrap();
    let first = &trace.states[0].value;
    assert_eq!((first.now, first.config_version), (0, 0));
    assert_eq!(
        first.idp,
        Idp {
            loading: true,
            session: Some(user("A")),
            token: None
        }
    );
    let last = &trace.states.last().unwrap().value;
    assert_eq!(
        last.idp.token,
        Some(Token {
            serial: 1,
            iat: 1,
            exp: 3,
            user: user("A")
        })
    );
    assert!(last.now >= 1, "{last:?}");
}
