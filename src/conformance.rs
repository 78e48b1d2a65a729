//! Running the conformance harness: `node conformance/driver.mjs` on a replay
//! script (built by the model crate's `trace::replay::plan`), returning what the
//! real client did. The model crate builds plans and compares results; starting
//! processes is the CLI's business. (tests/replay.rs includes this file too.)

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

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
        _ => {
            return Err(
                "node is not on PATH: install Node.js 18 or newer (https://nodejs.org)".into(),
            )
        }
    }
    if !installed(&dir) {
        return Err(format!(
            "the conformance harness is not installed: run `npm ci --prefix {}`",
            dir.display()
        ));
    }
    Ok(dir)
}

/// Whether every package the driver imports is installed in `dir`: the
/// integrations and every release preset under its alias
/// (conformance/package.json installs them all).
pub fn installed(dir: &Path) -> bool {
    let releases = convex_auth_model::config::ClientRelease::ALL.map(|r| r.npm_package());
    HARNESS_PACKAGES
        .iter()
        .map(|p| p.to_string())
        .chain(releases)
        .all(|p| {
            dir.join("node_modules")
                .join(p)
                .join("package.json")
                .is_file()
        })
}

/// The packages the driver imports besides the convex releases: the harness is
/// installed when all are.
pub const HARNESS_PACKAGES: [&str; 6] = [
    "convex",
    "@auth0/auth0-react",
    "@convex-dev/workos",
    "@workos-inc/authkit-react",
    "@convex-dev/auth",
    "@convex-dev/better-auth",
];

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
    let out = child
        .wait_with_output()
        .map_err(|e| format!("the driver failed: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .find(|l| l.contains("driver failed"))
            .unwrap_or("");
        return Err(format!("the driver exited with {}: {last}", out.status));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("the driver printed no JSON: {e}"))
}
