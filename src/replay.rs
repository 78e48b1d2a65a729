//! Running the conformance driver (`conformance/driver.mjs`) with Node.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use convex_auth_model::engine::IndexPath;
use convex_auth_model::model::AuthModel;
use convex_auth_model::trace::replay::{self, Comparison};

/// Where the harness lives: `conformance/` here, or next to this crate's sources.
pub fn harness_dir() -> PathBuf {
    [
        PathBuf::from("conformance"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance"),
    ]
    .into_iter()
    .find(|d| d.join("driver.mjs").is_file())
    .unwrap_or_else(|| PathBuf::from("conformance"))
}

/// Checks that Node and the installed harness are there; the error is one line
/// with the command that fixes it.
pub fn ready() -> Result<PathBuf, String> {
    let dir = harness_dir();
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => return Err("node is not on PATH: install Node.js 18 or newer (https://nodejs.org)".into()),
    }
    if !dir.join("node_modules/convex/package.json").is_file() {
        return Err(format!(
            "the conformance harness is not installed: run `npm ci --prefix {}`",
            dir.display()
        ));
    }
    Ok(dir)
}

/// Runs the driver on a script and returns its observations.
pub fn run_driver(script: &Value) -> Result<Vec<Value>, String> {
    let dir = ready()?;
    let mut child = Command::new("node")
        .arg("driver.mjs")
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start node: {e}"))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(script.to_string().as_bytes())
        .map_err(|e| format!("cannot write to the driver: {e}"))?;
    let out = child.wait_with_output().map_err(|e| format!("the driver failed: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().find(|l| l.contains("driver failed")).unwrap_or("");
        return Err(format!("the driver exited with {}: {last}", out.status));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("the driver printed no JSON: {e}"))
}

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
    let plan = match replay::plan(model, path) {
        Ok(p) => p,
        Err(why) => return Ok(Replay::NotReplayable(why)),
    };
    let observations = run_driver(&plan.script)?;
    Ok(Replay::Compared(replay::compare(&plan, &observations)))
}
