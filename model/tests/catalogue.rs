//! The bug catalogue: its file agrees with the check files that name a bug, each
//! of those checks gives the verdicts it expects (so each bug is violated where it
//! is and holds on its fix), and a few of their state counts are pinned.

use std::path::{Path, PathBuf};

use convex_auth_model::catalogue::{Catalogue, Role};
use convex_auth_model::check::{self, CheckFile};
use convex_auth_model::engine::Verdict;

/// Each world is explored once per test run and shared by every test.
fn explore(check: &convex_auth_model::check::CheckFile) -> convex_auth_model::check::CheckResult {
    convex_auth_model::check::cache::run_shared(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
        check,
    )
}

fn checks_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../checks")
}

fn bug_checks() -> Vec<(String, CheckFile)> {
    check::files_in(&checks_dir())
        .unwrap()
        .into_iter()
        .map(|p| (p.display().to_string(), CheckFile::load(&p).unwrap()))
        .filter(|(_, c)| c.bug.is_some())
        .collect()
}

#[test]
fn the_catalogue_and_the_check_files_agree() {
    let catalogue = Catalogue::load(&checks_dir()).unwrap();
    let checks = bug_checks();
    catalogue.check_against(&checks).unwrap();
    // Every check named bug-NN-… belongs to the catalogue, and the other way round.
    for (file, check) in &checks {
        assert!(check.name.starts_with("bug-"), "{file}");
    }
    let all = check::files_in(&checks_dir()).unwrap();
    let named_bug = all
        .iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("bug-"))
        .count();
    assert_eq!(named_bug, checks.len());
}

#[test]
fn every_bug_is_violated_where_it_is_and_holds_on_its_fix() {
    let catalogue = Catalogue::load(&checks_dir()).unwrap();
    for (_, check) in bug_checks() {
        let result = explore(&check);
        assert!(result.complete, "{}", check.name);
        let wrong: Vec<String> = result
            .properties
            .iter()
            .filter(|p| !p.matches())
            .map(|p| format!("{}: got {}", p.slug, p.verdict.name()))
            .collect();
        assert!(wrong.is_empty(), "{}: {wrong:?}", check.name);
        let r = check.bug.unwrap();
        let wanted = match r.role {
            Role::Affected => Verdict::Violated,
            Role::Fix => Verdict::Holds,
        };
        for slug in &catalogue.bug(r.number).unwrap().properties {
            let p = result.properties.iter().find(|p| p.slug == slug).unwrap();
            assert_eq!(p.verdict, wanted, "{}: {slug}", check.name);
        }
    }
}

/// Regression numbers of the catalogue's checks on old releases.
#[test]
fn pinned_state_counts_on_old_releases() {
    let count = |name: &str| {
        let check = CheckFile::load(&checks_dir().join(format!("{name}.toml"))).unwrap();
        explore(&check).unique_states
    };
    assert_eq!(count("bug-01-reauth-outdated-leaves-socket-stopped"), 28857);
    assert_eq!(
        count("bug-01-reauth-outdated-leaves-socket-stopped-on-fix"),
        47336
    );
    assert_eq!(count("bug-10-queries-before-authenticate"), 379);
    assert_eq!(count("bug-16-settimeout-overflow-refetch-storm"), 1071);
    assert_eq!(count("bug-18-noauth-after-stop-typeerror"), 138415);
}

#[test]
fn a_bug_check_that_expects_the_wrong_verdict_is_refused_by_the_catalogue() {
    let catalogue = Catalogue::load(&checks_dir()).unwrap();
    let mut checks = bug_checks();
    let (_, fix) = checks
        .iter_mut()
        .find(|(_, c)| c.name == "bug-01-reauth-outdated-leaves-socket-stopped-on-fix")
        .unwrap();
    fix.expect
        .insert("wedge".into(), convex_auth_model::check::Expected::Violated);
    let err = catalogue.check_against(&checks).unwrap_err();
    assert!(
        err.contains("expect.wedge") && err.contains("\"fix\""),
        "{err}"
    );
}
