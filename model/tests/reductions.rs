//! The reductions keep every verdict: each shipped check explored with and
//! without a reduction gives the same verdict for every property, with a
//! shortest witness of the same length and the same lasso shape, while the
//! reduced model keeps no more states than the plain one.

use std::path::{Path, PathBuf};

use convex_auth_model::check::{self, CheckFile, CheckResult};
use convex_auth_model::engine::Limits;
use convex_auth_model::model;

/// mimalloc, as the CLI has (src/main.rs): exploring clones and frees millions
/// of small states, and glibc's allocator spends much of that time in malloc
/// and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Each world is explored once per test run and shared by every test.
fn explore(check: &CheckFile) -> convex_auth_model::check::CheckResult {
    convex_auth_model::check::cache::run_shared(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
        check,
    )
}

fn checks_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../checks")
}

/// What a reduction must keep: per property, the verdict, the witness's length
/// and where its loop starts.
fn outcome(r: &CheckResult) -> Vec<String> {
    r.properties
        .iter()
        .map(|p| {
            format!(
                "{} {:?} {:?} {:?}",
                p.slug, p.verdict, p.depth, p.loop_start
            )
        })
        .collect()
}

/// `unordered`: the tab's suspended awaits and closing sockets in one order.
///
/// Every check but the largest runs in every test run; the largest (the
/// benchmark's `signed-out-mid-refresh`, 0.7 million states, about 8 seconds of this
/// comparison) runs with `--ignored`.
#[test]
fn a_canonical_order_of_awaits_loses_no_behaviour() {
    let (fewer, states_plain, states_reduced, large) =
        compare_with_the_plain_model(|states| states <= LARGE_CHECK);
    assert_eq!(large, ["signed-out-mid-refresh"]);
    // It can fail: a sort that merged nothing would be dead weight.
    assert!(fewer >= 40, "only {fewer} checks keep fewer states");
    assert!(states_reduced < states_plain);
}

/// See [`a_canonical_order_of_awaits_loses_no_behaviour`].
#[test]
#[ignore = "the largest check: about 20 seconds on 2 cores; run with --ignored"]
fn a_canonical_order_of_awaits_loses_no_behaviour_on_the_largest_check() {
    let (_, plain, reduced, _) = compare_with_the_plain_model(|states| states > LARGE_CHECK);
    assert!(reduced > LARGE_CHECK && reduced <= plain);
}

/// Unique states above which a check is left to the ignored test.
const LARGE_CHECK: usize = 500_000;

/// Explores each check whose (reduced) state count `included` accepts with and
/// without the reduction and asserts the same outcome. Returns how many keep
/// fewer states reduced, the states without and with the reduction, and the
/// checks left out.
fn compare_with_the_plain_model(
    included: impl Fn(usize) -> bool,
) -> (usize, usize, usize, Vec<String>) {
    let mut fewer = 0;
    let (mut states_plain, mut states_reduced) = (0, 0);
    let mut left_out = Vec::new();
    for file in check::files_in(&checks_dir()).unwrap() {
        let check = CheckFile::load(&file).expect("check file loads");
        if !included(explore(&check).unique_states) {
            left_out.push(check.name.clone());
            continue;
        }
        let reduced = model::build(&check.scenario);
        assert!(reduced.canonical_order, "the reduction is on by default");
        let mut plain = reduced.clone();
        plain.canonical_order = false;
        let run = |m: &model::AuthModel| {
            let r = check::run_model(&check, m, Limits::default(), 2, &mut |_| {});
            assert!(r.complete, "{}: complete", check.name);
            r
        };
        // The reduced model is the one every check runs: its exploration is shared.
        let (p, r) = (run(&plain), explore(&check));
        assert_eq!(outcome(&p), outcome(&r), "{}", check.name);
        assert!(r.unique_states <= p.unique_states, "{}", check.name);
        fewer += usize::from(r.unique_states < p.unique_states);
        states_plain += p.unique_states;
        states_reduced += r.unique_states;
    }
    (fewer, states_plain, states_reduced, left_out)
}
