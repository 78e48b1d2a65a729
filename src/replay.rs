//! Replaying counterexamples on the real client, for `check --replay`.

use convex_auth_model::engine::IndexPath;
use convex_auth_model::model::AuthModel;
use convex_auth_model::trace::replay::{self, Comparison};
use convex_auth_model::trace::Walk;

use crate::conformance::run_driver;

/// The verdict of replaying one path.
pub enum Replay {
    Compared(Comparison),
    NotReplayable(String),
}

impl Replay {
    pub fn word(&self) -> &'static str {
        match self {
            Replay::Compared(Comparison::Agrees) => "agrees",
            Replay::Compared(Comparison::Diverges { .. }) => "diverges",
            Replay::NotReplayable(_) => "not-replayable",
        }
    }
}

impl std::fmt::Display for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Replay::Compared(c) => write!(f, "{c}"),
            Replay::NotReplayable(why) => write!(f, "not replayable: {why}"),
        }
    }
}

/// Replays `path` on the real client and compares. Errs only when the harness
/// cannot run at all.
pub fn replay_path(model: &AuthModel, path: &IndexPath) -> Result<Replay, String> {
    run_plan(replay::plan(model, path))
}

/// Replays a counterexample's walk (the one its reports were rendered from) on
/// the real client and compares. Errs only when the harness cannot run at all.
pub fn replay_walk(model: &AuthModel, walk: &Walk) -> Result<Replay, String> {
    run_plan(replay::plan_walk(model, walk, &[]))
}

fn run_plan(plan: Result<replay::ReplayPlan, String>) -> Result<Replay, String> {
    let plan = match plan {
        Ok(p) => p,
        Err(why) => return Ok(Replay::NotReplayable(why)),
    };
    let observations = run_driver(&plan.script)?;
    Ok(Replay::Compared(replay::compare(&plan, &observations)))
}
