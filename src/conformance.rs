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
    let modules = dir.join("node_modules");
    HARNESS_PACKAGES
        .iter()
        .map(|p| p.to_string())
        .chain(releases)
        .all(|p| modules.join(p).join("package.json").is_file())
        // The proposal's release, patched by the install (patches/apply.mjs).
        && modules
            .join(convex_auth_model::config::PROPOSAL_PACKAGE)
            .join("PROPOSAL-APPLIED")
            .is_file()
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

/// The packages a script's adapter code needs besides the harness: the
/// recommended Next.js and TanStack Start hooks' replays bundle their SDK's
/// client code from `fixes/` (where the hooks are type-checked against it),
/// since installing it in the harness would install its framework (`next`,
/// `@tanstack/react-start`) as a peer. The error is one line with
/// the command that fixes it.
pub fn sdk_ready(adapter_code: Option<&str>) -> Result<(), String> {
    use convex_auth_model::trace::replay::{
        REAL_AUTHKIT_NEXTJS_RECOMMENDED, REAL_TANSTACK_START_RECOMMENDED,
    };
    let (hook, package) = match adapter_code {
        Some(REAL_AUTHKIT_NEXTJS_RECOMMENDED) => ("Next.js", "@workos-inc/authkit-nextjs"),
        Some(REAL_TANSTACK_START_RECOMMENDED) => {
            ("TanStack Start", "@workos/authkit-tanstack-react-start")
        }
        _ => return Ok(()),
    };
    let harness = harness_dir();
    let fixes = harness.parent().unwrap_or(Path::new("")).join("fixes");
    if fixes
        .join("node_modules")
        .join(package)
        .join("package.json")
        .is_file()
    {
        Ok(())
    } else {
        Err(format!(
            "the recommended {hook} hook replays over the {package} that fixes/ pins, which is not installed: run `npm ci --prefix {}`",
            fixes.display()
        ))
    }
}

/// The adapter code a replay script names.
fn script_adapter(script: &Value) -> Option<&str> {
    script["adapterCode"].as_str()
}

/// Starts `node driver.mjs` (with `args`) in the harness, its stdin and stdout
/// piped; errs (one line) when Node or the harness is missing.
fn start_driver(args: &[&str], stderr: Stdio) -> Result<std::process::Child, String> {
    let dir = ready()?;
    Command::new("node")
        .arg("driver.mjs")
        .args(args)
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start node: {e}"))
}

/// Runs the driver on a script and returns its observations.
pub fn run_driver(script: &Value) -> Result<Vec<Value>, String> {
    sdk_ready(script_adapter(script))?;
    let mut child = start_driver(&[], Stdio::piped())?;
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

/// The driver in batch mode (`node driver.mjs --batch`): one Node process that
/// runs script after script, each from a clean slate, so that many walks share
/// one start of Node, React and the convex client.
pub struct BatchDriver {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl BatchDriver {
    /// Starts the driver; errs (one line) when Node or the harness is missing.
    pub fn start() -> Result<BatchDriver, String> {
        let mut child = start_driver(&["--batch"], Stdio::null())?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = std::io::BufReader::new(child.stdout.take().expect("piped"));
        Ok(BatchDriver {
            child,
            stdin,
            stdout,
        })
    }

    /// Runs one script and returns its observations. Errs when the driver could
    /// not run the script (the message is the driver's); the process then goes on
    /// with the next one. When the process itself died, it errs for good.
    pub fn run(&mut self, script: &Value) -> Result<Vec<Value>, String> {
        use std::io::BufRead;
        sdk_ready(script_adapter(script))?;
        let mut line = script.to_string();
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("the driver stopped: {e}"))?;
        let mut answer = String::new();
        let n = self
            .stdout
            .read_line(&mut answer)
            .map_err(|e| format!("cannot read the driver: {e}"))?;
        if n == 0 {
            return Err("the driver stopped without answering".into());
        }
        let value: Value = serde_json::from_str(&answer)
            .map_err(|e| format!("the driver printed no JSON: {e}"))?;
        match value {
            Value::Array(observations) => Ok(observations),
            other => Err(format!(
                "the driver could not run the script: {}",
                other["error"]
                    .as_str()
                    .and_then(|e| e.lines().next())
                    .unwrap_or("no reason given")
            )),
        }
    }
}

impl Drop for BatchDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
