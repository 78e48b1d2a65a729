//! The relative clock against the absolute one (`relative_time`'s bisimulation
//! argument, tested): on every shipped check, the absolute clock with a horizon
//! of 3, 4 and 5 ticks is explored next to the relative clock without one.
//!
//! - Every safety violation the absolute clock finds (always and at-rest
//!   properties), the relative clock finds too; every state a sometimes property
//!   looks for that the absolute clock reaches, the relative clock reaches.
//! - Where the relative clock finds a violation (or an example) the absolute
//!   clock does not, the horizon explains it: the relative clock's path to it
//!   has more ticks than the horizon allows.
//! - A liveness verdict may differ the other way only as the horizon's artefact:
//!   the absolute clock's doomed state is one where time has stopped.
//!
//! And the bisimulation itself, state by state, where the state spaces are small
//! enough to keep whole: with the same horizon, the relative clock's settled
//! states (nothing in flight) are exactly the canonical forms of the absolute
//! clock's settled states (times, labels and the order of awaits: `unordered`).

use std::path::{Path, PathBuf};

use convex_auth_model::check::{self, CheckFile, CheckResult, PropertyResult};
use convex_auth_model::engine::{Kind, Limits, Verdict};
use convex_auth_model::model::{self, AuthModel};
use convex_auth_model::properties;
use convex_auth_model::relative_time::canonicalize;
use convex_auth_model::unordered;
use convex_auth_model::view::{SystemState, View};
use stateright::Model;

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

fn checks_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../checks")
}

fn check_names() -> Vec<String> {
    check::files_in(&checks_dir())
        .unwrap()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

fn load(name: &str) -> CheckFile {
    CheckFile::load(&checks_dir().join(format!("{name}.toml"))).expect("check file loads")
}

/// The check on the absolute clock, time stopping after `ticks` ticks.
fn absolute(check: &CheckFile, ticks: u8) -> (AuthModel, CheckResult) {
    let mut bounded = check.clone();
    bounded.scenario.bounds.ticks = Some(ticks);
    let m = model::build(&bounded.scenario).absolute();
    let result = check::run_model(&bounded, &m, Limits::default(), 2, &mut |_| {});
    assert!(result.complete, "{}: {ticks} ticks: complete", check.name);
    (m, result)
}

/// The clock ticks along a witness up to its violating (or example) state.
fn ticks_to_witness(m: &AuthModel, p: &PropertyResult) -> usize {
    let path = p.path.as_ref().expect("a witness has a path");
    let states = path.replay(&m.absolute()).expect("the path replays");
    let depth = p.depth.expect("a witness has a depth");
    View::of(&states[depth].0).environment.now.into()
}

/// The absolute witness's violating (or example) state.
fn witness_state(m: &AuthModel, p: &PropertyResult) -> SystemState {
    let path = p.path.as_ref().expect("a witness has a path");
    let mut states = path.replay(m).expect("the path replays");
    states
        .swap_remove(p.depth.expect("a witness has a depth"))
        .0
}

/// Whether time has stopped in the absolute witness's violating state.
fn time_stopped_at_witness(m: &AuthModel, p: &PropertyResult) -> bool {
    View::of(&witness_state(m, p)).environment.ticks_left == Some(0)
}

/// Whether the absolute witness's violating state ends its run only because time
/// has stopped: it is not at rest, so something waits for a tick that never comes.
fn ended_by_the_horizon(m: &AuthModel, p: &PropertyResult) -> bool {
    let state = witness_state(m, p);
    let view = View::of(&state);
    view.environment.ticks_left == Some(0) && !properties::at_rest(m.scenario(), &view)
}

fn compare(name: &str, ticks: u8) -> Vec<String> {
    let check = load(name);
    let relative_model = model::build(&check.scenario);
    let relative = explore(&check);
    assert!(relative.complete, "{name}: the relative clock completes");
    let (absolute_model, absolute) = absolute(&check, ticks);
    let mut problems = Vec::new();
    for ((def, a), r) in properties::all()
        .iter()
        .zip(&absolute.properties)
        .zip(&relative.properties)
    {
        let found = |p: &PropertyResult| match def.kind {
            Kind::Sometimes => p.verdict == Verdict::Holds,
            _ => p.verdict == Verdict::Violated,
        };
        let at = format!("{name} at {ticks} ticks, {}", def.slug);
        match (found(a), found(r)) {
            (true, true) | (false, false) => {}
            (false, true) => {
                let needed = ticks_to_witness(&relative_model, r);
                if needed <= usize::from(ticks) {
                    problems.push(format!(
                        "{at}: only the relative clock finds it, within the horizon ({needed} ticks)"
                    ));
                }
            }
            (true, false) if def.kind == Kind::Eventually => {
                if !time_stopped_at_witness(&absolute_model, a) {
                    problems.push(format!(
                        "{at}: only the absolute clock finds it, before time stops"
                    ));
                }
            }
            // An at-end property is also judged where a run ends without being
            // at rest; when time stopping is what ended it (a fetch backing off
            // until the next tick), the end is the horizon's.
            (true, false) if def.kind == Kind::AtEnd => {
                if !ended_by_the_horizon(&absolute_model, a) {
                    problems.push(format!(
                        "{at}: only the absolute clock finds it, before time stops"
                    ));
                }
            }
            (true, false) => problems.push(format!("{at}: only the absolute clock finds it")),
        }
    }
    problems
}

fn assert_equivalent(names: &[String], ticks: u8) {
    let problems: Vec<String> = names.iter().flat_map(|n| compare(n, ticks)).collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The checks compared in every test run: those whose relative exploration has
/// at most [`COMPARED_BELOW`] states (51 of the 100 shipped checks). On the
/// absolute clock a world is 5 to 10 times larger at 5 ticks (12 million states
/// for `signed-out-mid-refresh`), and comparing every check at 3, 4 and 5 ticks
/// takes about 7 minutes on 2 cores, more than the whole suite's budget: the
/// larger checks are compared by the ignored test below
/// (`cargo test --workspace --test relative_time -- --ignored`).
fn checks_compared_in_every_run() -> (Vec<String>, Vec<String>) {
    let (small, large): (Vec<String>, Vec<String>) = check_names()
        .into_iter()
        .partition(|name| explore(&load(name)).unique_states <= COMPARED_BELOW);
    assert!(small.len() >= 40, "only {} checks compared", small.len());
    (small, large)
}

/// See [`checks_compared_in_every_run`].
const COMPARED_BELOW: usize = 30_000;

#[test]
fn the_relative_clock_agrees_with_a_horizon_of_3_ticks() {
    assert_equivalent(&checks_compared_in_every_run().0, 3);
}

#[test]
fn the_relative_clock_agrees_with_a_horizon_of_4_ticks() {
    assert_equivalent(&checks_compared_in_every_run().0, 4);
}

#[test]
fn the_relative_clock_agrees_with_a_horizon_of_5_ticks() {
    assert_equivalent(&checks_compared_in_every_run().0, 5);
}

/// The larger checks at 3, 4 and 5 ticks: about 7 minutes on 2 cores.
#[test]
#[ignore = "about 7 minutes on 2 cores; run with --ignored"]
fn the_relative_clock_agrees_on_the_larger_checks() {
    let large = checks_compared_in_every_run().1;
    for ticks in [3, 4, 5] {
        assert_equivalent(&large, ticks);
    }
}

/// The comparison can fail: a horizon of 1 tick leaves the token unexpired, so
/// the relative clock's expiry-driven violations of issue-259 need more ticks.
#[test]
fn a_violation_beyond_the_horizon_is_told_apart() {
    let check = load("workos-0.0.3-authkit-expiry");
    let relative = explore(&check);
    let (_, absolute) = absolute(&check, 1);
    let stuck = |r: &CheckResult| r.properties[0].verdict;
    assert_eq!(stuck(&relative), Verdict::Violated);
    assert_eq!(stuck(&absolute), Verdict::Holds, "no expiry within 1 tick");
    let m = model::build(&check.scenario);
    assert!(ticks_to_witness(&m, &relative.properties[0]) > 1);
}

/// Every state `m` reaches with nothing in flight (a plain breadth-first search
/// keeping whole states; like the checkers, it does not go on from a state
/// outside the model's boundary, past a storm).
fn settled_states(m: &AuthModel) -> std::collections::HashSet<SystemState> {
    let mut seen = std::collections::HashSet::new();
    let mut queue: std::collections::VecDeque<SystemState> = m.init_states().into();
    seen.extend(queue.iter().cloned());
    let mut actions = Vec::new();
    while let Some(state) = queue.pop_front() {
        if !m.within_boundary(&state) {
            continue;
        }
        actions.clear();
        m.actions(&state, &mut actions);
        for a in actions.drain(..) {
            if let Some(next) = m.next_state(&state, a) {
                if seen.insert(next.clone()) {
                    queue.push_back(next);
                }
            }
        }
    }
    seen.retain(|s| s.network.len() == 0);
    seen
}

#[test]
fn settled_states_are_exactly_the_canonical_forms_of_the_absolute_ones() {
    let mut compared = 0;
    for name in check_names() {
        let mut check = load(&name);
        check.scenario.bounds.ticks = Some(3);
        let relative = model::build(&check.scenario);
        if explore(&check).unique_states > 60_000 {
            continue; // too big to keep whole states twice
        }
        let images: std::collections::HashSet<SystemState> = settled_states(&relative.absolute())
            .into_iter()
            .map(|mut s| {
                canonicalize(&check.scenario, &mut s);
                unordered::sort(&mut s);
                s
            })
            .collect();
        assert!(images == settled_states(&relative), "{name}");
        compared += 1;
    }
    assert!(compared >= 15, "only {compared} checks compared");
}
