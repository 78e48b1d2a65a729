//! Running the conformance harness: `node conformance/driver.mjs` on a replay
//! script (built by the model crate's `trace::replay::plan`), returning what the
//! real client did. The model crate builds plans and compares results; starting
//! processes is the CLI's business. (tests/replay.rs includes this file too.)

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use convex_auth_model::trace::replay::{AdapterCode, Script};
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
/// recommended hooks' replays bundle their SDK's client code from `fixes/`
/// (where the hooks are type-checked against it): for Next.js and TanStack
/// Start since installing it in the harness would install its framework
/// (`next`, `@tanstack/react-start`) as a peer, for WorkOS since the harness
/// has the authkit-react that `@convex-dev/workos` 0.0.3 runs over (0.16.1). The error is one line with
/// the command that fixes it.
pub fn sdk_ready(adapter_code: Option<AdapterCode>) -> Result<(), String> {
    let (hook, package) = match adapter_code {
        Some(AdapterCode::RecommendedWorkos) => ("WorkOS", "@workos-inc/authkit-react"),
        Some(AdapterCode::RecommendedAuthkitNextjs) => ("Next.js", "@workos-inc/authkit-nextjs"),
        Some(AdapterCode::RecommendedTanstackStart) => {
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

/// Starts `node driver.mjs` (with `args`) in the harness, its stdin, stdout and
/// stderr piped; errs (one line) when Node or the harness is missing.
fn start_driver(args: &[&str]) -> Result<std::process::Child, String> {
    let dir = ready()?;
    Command::new("node")
        .arg("driver.mjs")
        .args(args)
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start node: {e}"))
}

/// The line the driver writes on stderr before each thing it does
/// (driver.mjs `progress`).
const PROGRESS: &str = "convex-auth-driver at: ";

/// The environment variable that sets [`step_timeout`].
pub const TIMEOUT_VARIABLE: &str = "CONVEX_AUTH_CHECK_DRIVER_TIMEOUT";

/// How long the driver may take over one step (or over loading its libraries,
/// or the mount) before it counts as hung: `CONVEX_AUTH_CHECK_DRIVER_TIMEOUT`
/// seconds, 60 by default. A step takes milliseconds.
pub fn step_timeout() -> Result<Duration, String> {
    match std::env::var(TIMEOUT_VARIABLE) {
        Err(_) => Ok(Duration::from_secs(60)),
        Ok(text) => match text.trim().parse::<f64>() {
            Ok(s) if s > 0.0 && s <= 86_400.0 => Ok(Duration::from_secs_f64(s)),
            _ => Err(format!(
                "{TIMEOUT_VARIABLE}={text}: not a number of seconds; valid: more than 0, at most 86400"
            )),
        },
    }
}

/// What the threads reading a driver's output report.
enum Heard {
    /// A line of stdout (batch mode) or all of it (one script).
    Out(Vec<u8>),
    /// What the driver is about to do.
    At(String),
    /// Everything else it wrote on stderr, once stderr is closed.
    Err(String),
}

/// Reads the driver's stderr: progress lines become [`Heard::At`], the rest is
/// kept and sent at the end.
fn hear_stderr(stderr: std::process::ChildStderr, tx: Sender<Heard>) {
    std::thread::spawn(move || {
        // The last lines only: a long batch run warns a lot.
        let mut rest = std::collections::VecDeque::new();
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            match line.strip_prefix(PROGRESS) {
                Some(at) => {
                    let _ = tx.send(Heard::At(at.to_string()));
                }
                None => {
                    if rest.len() == 200 {
                        rest.pop_front();
                    }
                    rest.push_back(line);
                }
            }
        }
        let _ = tx.send(Heard::Err(Vec::from(rest).join("\n")));
    });
}

/// Writes `bytes` to the driver's stdin on a thread of its own, so that a driver
/// that stopped reading cannot block the caller.
fn feed(mut stdin: std::process::ChildStdin, bytes: Vec<u8>) {
    std::thread::spawn(move || {
        let _ = stdin.write_all(&bytes);
    });
}

/// The error of a driver that did nothing for `timeout` while at `at`.
fn hung(at: &str, timeout: Duration) -> String {
    format!(
        "the driver hung: nothing happened for {} s at {at}; it was stopped (set {TIMEOUT_VARIABLE} to a number of seconds to wait longer)",
        timeout.as_secs_f64()
    )
}

/// Runs the driver on a script and returns its observations. A driver that takes
/// longer than [`step_timeout`] over one step is stopped, and the error names the
/// step.
pub fn run_driver(script: &Script) -> Result<Vec<Value>, String> {
    sdk_ready(script.adapter_code)?;
    let timeout = step_timeout()?;
    let mut child = start_driver(&[])?;
    let (tx, rx) = channel();
    hear_stderr(child.stderr.take().expect("piped"), tx.clone());
    let mut stdout = child.stdout.take().expect("piped");
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        let _ = tx.send(Heard::Out(bytes));
    });
    feed(
        child.stdin.take().expect("piped"),
        serde_json::to_vec(script).expect("a script serializes"),
    );
    let mut at = "the start".to_string();
    let (mut out, mut err) = (None, None);
    while out.is_none() || err.is_none() {
        match rx.recv_timeout(timeout) {
            Ok(Heard::At(what)) => at = what,
            Ok(Heard::Out(bytes)) => out = Some(bytes),
            Ok(Heard::Err(text)) => err = Some(text),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(hung(&at, timeout));
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("the driver failed: {e}"))?;
    if !status.success() {
        let err = err.unwrap_or_default();
        let last = err
            .lines()
            .find(|l| l.contains("driver failed"))
            .unwrap_or("");
        return Err(format!("the driver exited with {status}: {last}"));
    }
    serde_json::from_slice(&out.unwrap_or_default())
        .map_err(|e| format!("the driver printed no JSON: {e}"))
}

/// The driver in batch mode (`node driver.mjs --batch`): one Node process that
/// runs script after script, each from a clean slate, so that many walks share
/// one start of Node, React and the convex client.
pub struct BatchDriver {
    child: std::process::Child,
    /// Scripts for the thread that writes the driver's stdin.
    scripts: Sender<Vec<u8>>,
    heard: Receiver<Heard>,
    timeout: Duration,
    /// Why the process is gone for good.
    dead: Option<String>,
}

impl BatchDriver {
    /// Starts the driver; errs (one line) when Node or the harness is missing.
    pub fn start() -> Result<BatchDriver, String> {
        let timeout = step_timeout()?;
        let mut child = start_driver(&["--batch"])?;
        let (tx, heard) = channel();
        hear_stderr(child.stderr.take().expect("piped"), tx.clone());
        let stdout = child.stdout.take().expect("piped");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).split(b'\n') {
                let Ok(line) = line else { break };
                if tx.send(Heard::Out(line)).is_err() {
                    break;
                }
            }
        });
        let (scripts, to_write) = channel::<Vec<u8>>();
        let mut stdin = child.stdin.take().expect("piped");
        std::thread::spawn(move || {
            for script in to_write {
                if stdin
                    .write_all(&script)
                    .and_then(|()| stdin.flush())
                    .is_err()
                {
                    break;
                }
            }
        });
        Ok(BatchDriver {
            child,
            scripts,
            heard,
            timeout,
            dead: None,
        })
    }

    /// Runs one script and returns its observations. Errs when the driver could
    /// not run the script (the message is the driver's); the process then goes on
    /// with the next one. When the process itself died, or hung in a step for
    /// longer than [`step_timeout`] (it is then stopped), it errs for good.
    pub fn run(&mut self, script: &Script) -> Result<Vec<Value>, String> {
        sdk_ready(script.adapter_code)?;
        if let Some(why) = &self.dead {
            return Err(why.clone());
        }
        let mut line = serde_json::to_vec(script).expect("a script serializes");
        line.push(b'\n');
        if self.scripts.send(line).is_err() {
            return Err(self.die("the driver stopped".into()));
        }
        let mut at = "the start of a script".to_string();
        let answer = loop {
            match self.heard.recv_timeout(self.timeout) {
                Ok(Heard::At(what)) => at = what,
                Ok(Heard::Out(line)) => break line,
                Ok(Heard::Err(_)) | Err(RecvTimeoutError::Disconnected) => {
                    return Err(self.die("the driver stopped without answering".into()))
                }
                Err(RecvTimeoutError::Timeout) => {
                    let why = hung(&at, self.timeout);
                    return Err(self.die(why));
                }
            }
        };
        let value: Value = serde_json::from_slice(&answer)
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

    /// Stops the process for good, and returns why.
    fn die(&mut self, why: String) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.dead = Some(why.clone());
        why
    }
}

impl Drop for BatchDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
