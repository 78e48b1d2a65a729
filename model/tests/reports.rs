//! The readable renderings of counterexamples: golden files for the report and ITF
//! trace of #259's null dead end, and every ITF document of the suite parsed by the
//! `itf` crate.
//!
//! To regenerate the golden files on purpose: `UPDATE_GOLDEN=1 cargo test --test reports`.

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
    let link = trace::explorer_link(
        "127.0.0.1",
        trace::DEFAULT_EXPLORER_PORT,
        stuck.path.as_ref().unwrap(),
    );
    let md = narrative::markdown(&m, &check.name, &check.description, stuck, &link).unwrap();
    assert!(md.contains("```mermaid\nsequenceDiagram\n"));
    for words in [
        "fetchAccessToken({forceRefreshToken: true})",
        "fails transiently",
        "resolves with null",
        "useConvexAuth() becomes {isLoading:false, isAuthenticated:false, isRefreshing:false}",
        "AuthKit refreshes the token on its own and is healthy again",
        "*(from here this repeats forever)*",
        "repeat forever, and the goal is never reached again",
        "Note over P,E: from here this repeats forever",
    ] {
        assert!(md.contains(words), "the report lacks {words:?}");
    }
    compare_with_golden("docs-custom-transient-failure/stuck.md", &md);
    let doc = itf::document(&m, &check.name, stuck).unwrap();
    compare_with_golden(
        "docs-custom-transient-failure/stuck.itf.json",
        &(serde_json::to_string_pretty(&doc).unwrap() + "\n"),
    );
}

#[test]
fn every_itf_document_of_the_suite_parses() {
    for file in check::files_in(&repo().join("checks")).unwrap() {
        let check = CheckFile::load(&file).unwrap();
        let result = explore(&check);
        let m = model::build(&check.scenario);
        for (p, path) in result.violations() {
            let doc = itf::document(&m, &check.name, p).unwrap();
            let text = serde_json::to_string(&doc).unwrap();
            let parsed: ::itf::Trace<::itf::Value> = ::itf::trace_from_str(&text)
                .unwrap_or_else(|e| panic!("{} {}: {e}", check.name, p.slug));
            assert_eq!(parsed.vars.len(), itf::VARS.len());
            let expected_states = path.actions.len() + 1 - usize::from(p.loop_start.is_some());
            assert_eq!(
                parsed.states.len(),
                expected_states,
                "{} {}",
                check.name,
                p.slug
            );
            assert_eq!(parsed.loop_index, p.loop_start.map(|l| l as u64));
        }
    }
}
