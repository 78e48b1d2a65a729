//! The mutation harness in-process: a seeded fault changes a check's verdict, and
//! with none active the model meets every expectation again.
//!
//! Activating a mutant changes the whole process, so this file is its own test
//! binary with one test whose cases run one after another.

use std::path::Path;

use convex_auth_model::check::{self, CheckFile};
use convex_auth_model::engine::{Limits, Verdict};
use convex_auth_model::mutants::{self, Mutant};

fn load(name: &str) -> CheckFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../checks")
        .join(format!("{name}.toml"));
    CheckFile::load(&path).expect("check file loads")
}

/// The properties whose verdict is not what the check file expects, and the
/// unique state count.
fn run(check: &CheckFile) -> (Vec<(&'static str, Verdict)>, usize) {
    let result = check::run(check, Limits::default());
    assert!(result.complete, "{}: exploration must complete", check.name);
    let wrong = result
        .properties
        .iter()
        .filter(|p| !p.matches())
        .map(|p| (p.slug, p.verdict))
        .collect();
    (wrong, result.unique_states)
}

#[test]
fn seeded_faults_change_verdicts_and_the_unmutated_model_meets_every_expectation() {
    let pr529 = load("workos-pr529-transient-failure");
    let happy = load("happy-path");

    mutants::activate(None);
    let (wrong, pr529_states) = run(&pr529);
    assert!(wrong.is_empty(), "unmutated: {wrong:?}");
    let (wrong, happy_states) = run(&happy);
    assert!(wrong.is_empty(), "unmutated: {wrong:?}");
    assert_eq!(happy_states, 11263);

    // Without tryRestartSocket() at the end of refetchToken, a socket stopped by a
    // re-authentication whose fetch lost the race stays stopped: retrying in the
    // adapter no longer saves the app.
    mutants::activate(Some(Mutant::RefetchNoTryRestart));
    assert_eq!(mutants::current(), Some(Mutant::RefetchNoTryRestart));
    let (wrong, _) = run(&pr529);
    assert!(
        wrong.contains(&("stuck", Verdict::Violated)),
        "refetch-no-try-restart: {wrong:?}"
    );

    // Without it at the end of tryToReauthenticate, even the happy path wedges
    // after the first expiry.
    mutants::activate(Some(Mutant::ReauthNoTryRestart));
    let (wrong, _) = run(&happy);
    assert!(
        wrong.contains(&("wedge", Verdict::Violated)),
        "reauth-no-try-restart: {wrong:?}"
    );

    // A mutant the checks cannot see changes no verdict, only the state count.
    mutants::activate(Some(Mutant::AttemptsNeverReset));
    let (wrong, states) = run(&pr529);
    assert!(wrong.is_empty(), "attempts-never-reset: {wrong:?}");
    assert_ne!(states, pr529_states);

    mutants::activate(None);
    assert_eq!(mutants::current(), None);
    let (wrong, states) = run(&pr529);
    assert!(wrong.is_empty(), "unmutated again: {wrong:?}");
    assert_eq!(states, pr529_states);
}
