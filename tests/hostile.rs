//! The CLI used as a hostile but fair user would: links and files of their own
//! where reports go, full disks, unwritable folders, concurrent runs, broken
//! traces, hung harnesses and limits. Each case keeps a promise of the README:
//! bad input is one line and exit 2; a limit ends in "inconclusive", never an
//! abort; nothing the tool did not write is changed, and no file is left
//! half-written; a run that established nothing does not exit 0.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_convex-auth-check"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A small check with a STUCK, a FLASH and an UNAUTH-Q counterexample (about
/// 1,000 states).
const SMALL: &str = "checks/workos-0.0.3-authkit-expiry.toml";
const SMALL_NAME: &str = "workos-0.0.3-authkit-expiry";

/// `export SMALL --out out` plus `extra`, from the repository root.
fn export_into(out: &Path, extra: &[&str]) -> Output {
    bin()
        .current_dir(repo())
        .args(["export", SMALL, "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// A report path that is a link to a file outside `--out` must not make the run
/// write through the link: the file it points to keeps its text, and the run says
/// it left the link alone.
#[cfg(unix)]
#[test]
fn a_link_where_a_report_goes_is_not_followed() {
    let dir = scratch("symlink");
    let out = dir.join("out");
    let folder = out.join(SMALL_NAME);
    std::fs::create_dir_all(&folder).unwrap();
    let precious = dir.join("precious.txt");
    std::fs::write(&precious, "the user's thesis").unwrap();
    std::os::unix::fs::symlink(&precious, folder.join("stuck.md")).unwrap();
    std::os::unix::fs::symlink(&precious, folder.join("flash.trace.json")).unwrap();
    let o = export_into(&out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap(),
        "the user's thesis"
    );
    for link in ["stuck.md", "flash.trace.json"] {
        let meta = std::fs::symlink_metadata(folder.join(link)).unwrap();
        assert!(meta.file_type().is_symlink(), "{link} is still the link");
        assert!(
            stderr(&o).contains(&format!("{link}: left as it is")),
            "says so: {}",
            stderr(&o)
        );
    }
    // The other reports are written as usual.
    assert!(folder.join("stuck.trace.json").is_file());
    assert!(folder.join("flash.md").is_file());
}

/// The user's own `stuck.md` (no mark of this tool) is neither replaced nor
/// removed, and the run says so.
#[test]
fn the_users_own_file_where_a_report_goes_is_kept() {
    let dir = scratch("own-files");
    let out = dir.join("out");
    let folder = out.join(SMALL_NAME);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("stuck.md"), "my notes on the stuck client").unwrap();
    std::fs::write(folder.join("flash.trace.json"), "{\"mine\": true}").unwrap();
    let o = bin()
        .current_dir(repo())
        .args(["check", SMALL, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(folder.join("stuck.md")).unwrap(),
        "my notes on the stuck client"
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("flash.trace.json")).unwrap(),
        "{\"mine\": true}"
    );
    let err = stderr(&o);
    assert!(
        err.contains("stuck.md: left as it is") && err.contains("did not write it"),
        "{err}"
    );
    // A second run replaces its own files and still keeps the user's.
    let o = bin()
        .current_dir(repo())
        .args(["check", SMALL, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(folder.join("stuck.trace.json").is_file());
    assert_eq!(
        std::fs::read_to_string(folder.join("stuck.md")).unwrap(),
        "my notes on the stuck client"
    );
}

/// A full disk (here: a file size limit, which fails writes the same way) leaves
/// no half-written report: every JSON file there is whole, and `check` still
/// prints its table before it fails.
#[cfg(unix)]
#[test]
fn a_full_disk_leaves_no_half_written_file() {
    let dir = scratch("full-disk");
    let out = dir.join("out");
    let o = Command::new("sh")
        .current_dir(repo())
        .arg("-c")
        // Ignore SIGXFSZ, so that a write past the limit fails with EFBIG.
        .arg("trap '' XFSZ; ulimit -f 8; exec \"$0\" check \"$1\" --out \"$2\"")
        .arg(env!("CARGO_BIN_EXE_convex-auth-check"))
        .arg(SMALL)
        .arg(&out)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot write"), "{err}");
    assert!(stdout(&o).contains(SMALL_NAME), "the table is printed");
    for entry in std::fs::read_dir(out.join(SMALL_NAME)).unwrap() {
        let file = entry.unwrap().path();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "temporary file left: {name}");
        if name.ends_with(".json") {
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                "{name} is half-written"
            );
        }
    }
}

/// A check's sub-folder that cannot be written is found before the model check,
/// and the message names the sub-folder.
#[cfg(unix)]
#[test]
fn an_unwritable_check_folder_is_refused_before_the_model_check() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("unwritable");
    let out = dir.join("out");
    let folder = out.join(SMALL_NAME);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(folder.join("probe"), "").is_ok() {
        // Root writes anywhere; make the folder a dangling link instead.
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::remove_dir_all(&folder).unwrap();
        std::os::unix::fs::symlink(dir.join("nowhere"), &folder).unwrap();
    }
    let o = export_into(&out, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&folder.display().to_string()), "{err}");
    assert!(!err.contains("inconclusive"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let _ = std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755));
}

/// Runs into one `--out` at the same time: each cleans up the others' reports,
/// and a file already gone is no error.
#[test]
fn concurrent_runs_into_one_folder_all_succeed() {
    let dir = scratch("concurrent");
    let out = dir.join("out");
    for round in 0..3 {
        let children: Vec<_> = (0..12)
            .map(|_| {
                bin()
                    .current_dir(repo())
                    .args(["export", SMALL, "--out"])
                    .arg(&out)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let o = child.wait_with_output().unwrap();
            assert_eq!(o.status.code(), Some(0), "round {round}: {}", stderr(&o));
        }
    }
    for f in ["stuck.md", "stuck.itf.json", "stuck.trace.json"] {
        assert!(out.join(SMALL_NAME).join(f).is_file(), "{f}");
    }
}

/// `export` of a check whose verdicts differ from its file exits 1, as `check`
/// does, and says which.
#[test]
fn export_with_a_verdict_other_than_expected_exits_1() {
    let dir = scratch("export-mismatch");
    let text = std::fs::read_to_string(repo().join(SMALL))
        .unwrap()
        .replace(
            "violated = [\"stuck\",",
            "violated = [\"wedge\", \"stuck\",",
        );
    let file = dir.join("wrong.toml");
    std::fs::write(&file, text).unwrap();
    let o = bin()
        .arg("export")
        .arg(&file)
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("wedge: expected violated, got holds"),
        "{}",
        stderr(&o)
    );
}

/// The counterexample `export` writes for STUCK of the small check, as JSON.
fn small_trace(dir: &Path) -> serde_json::Value {
    let out = dir.join("out");
    let o = export_into(&out, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(out.join(SMALL_NAME).join("stuck.trace.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A trace's scenario is input like a check file's, and is validated the same
/// way: what `check` refuses, `replay` refuses in one line naming the file and
/// the field (exit 2), never a panic and never a replay that "agrees".
#[test]
fn replay_refuses_what_check_refuses() {
    let dir = scratch("replay-validation");
    let base = small_trace(&dir);
    type Edit = fn(&mut serde_json::Value);
    let cases: [(&str, Edit, &str); 9] = [
        (
            "custom-null",
            |t| {
                t["scenario"]["adapter"] = "custom".into();
                t["scenario"]["custom_adapter"] = serde_json::Value::Null;
            },
            "scenario.custom_adapter",
        ),
        (
            "faults-255",
            |t| t["scenario"]["faults"]["refresh_failures"] = 255.into(),
            "scenario.faults.refresh_failures",
        ),
        (
            "set-auth-calls",
            |t| t["scenario"]["app"]["set_auth_calls"] = 2.into(),
            "scenario.app.set_auth_calls",
        ),
        (
            "login-required-retry",
            |t| {
                t["scenario"]["adapter"] = "custom".into();
                t["scenario"]["custom_adapter"] =
                    serde_json::json!({"force": "refreshes", "login_required": "retry"});
            },
            "login_required",
        ),
        (
            "leeway-above-lifetime",
            |t| t["scenario"]["bounds"]["refetch_leeway"] = 5.into(),
            "scenario.bounds.refetch_leeway",
        ),
        (
            "clerk-on-1.13.2",
            |t| {
                t["scenario"]["adapter"] = "clerk".into();
                t["scenario"]["client"] = "1.13.2".into();
            },
            "scenario.client",
        ),
        (
            "outage-ticks-0",
            |t| t["scenario"]["faults"]["outage_ticks"] = 0.into(),
            "scenario.faults.outage_ticks",
        ),
        (
            "format-99",
            |t| t["format_version"] = 99.into(),
            "format_version",
        ),
        (
            "too-large",
            |t| {
                t["scenario"]["faults"]["socket_drops"] = 5.into();
                t["scenario"]["faults"]["tab_hides"] = 5.into();
                t["scenario"]["faults"]["data_changes"] = 5.into();
            },
            "unique states",
        ),
    ];
    for (name, edit, field) in cases {
        let mut trace = base.clone();
        edit(&mut trace);
        let file = dir.join(format!("{name}.trace.json"));
        std::fs::write(&file, trace.to_string()).unwrap();
        let o = bin().arg("replay").arg(&file).output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(
            err.contains(&format!("{name}.trace.json")) && err.contains(field),
            "{name}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "{name}: one line: {err}");
    }
}

/// A harness under `dir` whose `node` (first on the PATH this returns) says it is
/// Node, reports that it started `step 3 (tick)`, and then hangs there.
#[cfg(unix)]
fn hanging_harness(dir: &Path) -> std::ffi::OsString {
    use std::os::unix::fs::PermissionsExt;
    let harness = dir.join("conformance");
    let modules = harness.join("node_modules");
    let releases = convex_auth_model::config::ClientRelease::ALL.map(|r| r.npm_package());
    for package in conformance::HARNESS_PACKAGES
        .iter()
        .map(|p| p.to_string())
        .chain(releases)
    {
        std::fs::create_dir_all(modules.join(&package)).unwrap();
        std::fs::write(modules.join(package).join("package.json"), "{}").unwrap();
    }
    let proposal = modules.join(convex_auth_model::config::PROPOSAL_PACKAGE);
    std::fs::create_dir_all(&proposal).unwrap();
    std::fs::write(proposal.join("PROPOSAL-APPLIED"), "").unwrap();
    std::fs::write(harness.join("driver.mjs"), "// not run").unwrap();
    let bin_dir = dir.join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let node = bin_dir.join("node");
    std::fs::write(
        &node,
        "#!/bin/sh\n\
         if [ \"$1\" = --version ]; then echo v22.0.0; exit 0; fi\n\
         echo 'convex-auth-driver at: loading the libraries' >&2\n\
         echo 'convex-auth-driver at: step 3 (tick)' >&2\n\
         exec sleep 600\n",
    )
    .unwrap();
    std::fs::set_permissions(&node, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut path = std::ffi::OsString::from(&bin_dir);
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    path
}

#[allow(dead_code)]
#[path = "../src/conformance.rs"]
mod conformance;

/// A driver that hangs in a step is stopped after the step timeout, and the error
/// names the step: in `replay`, `check --replay` and `fuzz`.
#[cfg(unix)]
#[test]
fn a_hung_driver_is_stopped_and_the_step_named() {
    let dir = scratch("hung-driver");
    let trace = dir.join("stuck.trace.json");
    std::fs::write(&trace, small_trace(&dir).to_string()).unwrap();
    let path = hanging_harness(&dir);
    let small = repo().join(SMALL);
    let out = dir.join("reports");
    let runs: [Vec<&std::ffi::OsStr>; 3] = [
        vec!["replay".as_ref(), trace.as_os_str()],
        vec![
            "check".as_ref(),
            small.as_os_str(),
            "--replay".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        vec![
            "fuzz".as_ref(),
            small.as_os_str(),
            "--walks".as_ref(),
            "1".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
    ];
    for args in runs {
        let o = bin()
            .current_dir(&dir)
            .env("PATH", &path)
            .env("CONVEX_AUTH_CHECK_DRIVER_TIMEOUT", "0.5")
            .args(&args)
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("hung") && err.contains("step 3 (tick)"),
            "{args:?}: {err}"
        );
    }
}

/// Whether Node and the installed harness are here; the tests that run the real
/// driver skip, saying so, where they are not.
fn harness_here() -> bool {
    match conformance::ready() {
        Ok(_) => true,
        Err(why) => {
            eprintln!("skipped: {why}");
            false
        }
    }
}

/// A long replay's output (past the 64 KiB a pipe holds) reaches the reader whole,
/// even when the reader is slow: the driver waits for its output to be written
/// before it exits.
#[test]
fn a_long_replay_loses_no_output() {
    use convex_auth_model::fuzz::{Sampler, Weighting};
    use std::io::{Read, Write};
    if !harness_here() {
        return;
    }
    let check =
        convex_auth_model::check::CheckFile::load(&repo().join("checks/happy-path.toml")).unwrap();
    let model = convex_auth_model::model::build(&check.scenario);
    let path = Sampler::new(&model, 7, Weighting::Uniform, 1200).walk();
    assert!(path.actions.len() > 1000, "a long walk");
    let plan = convex_auth_model::trace::replay::plan(&model, &path).unwrap();
    let mut child = Command::new("node")
        .arg("driver.mjs")
        .current_dir(repo().join("conformance"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&serde_json::to_vec(&plan.script).unwrap())
        .unwrap();
    // A slow reader: nothing is read until the driver has exited, or for 3 s.
    for _ in 0..60 {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut text = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert!(
        text.len() > 1 << 16,
        "more than a pipe holds: {} bytes, {} steps",
        text.len(),
        plan.script.steps.len()
    );
    let observations: Vec<serde_json::Value> =
        serde_json::from_str(&text).expect("the whole output");
    assert_eq!(observations.len(), plan.script.steps.len() + 1);
}

/// `matrix` where a limit cut every cell short established no cell: exit 1, as
/// `catalogue` and `check` do for an inconclusive verdict.
#[test]
fn a_matrix_of_inconclusive_cells_does_not_exit_0() {
    let o = bin()
        .current_dir(repo())
        .args(["matrix", "--max-states", "10"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("inconclusive"), "{}", stderr(&o));
    assert!(stdout(&o).contains("inconclusive"), "the table is printed");
}

/// `fuzz` where no walk of a check could be replayed tested nothing: exit 1.
#[cfg(unix)]
#[test]
fn fuzz_that_replays_no_walk_does_not_exit_0() {
    let dir = scratch("fuzz-nothing");
    // No release ships a switch override, so the harness cannot drive this check
    // (and no script reaches the driver, which would hang).
    let text = std::fs::read_to_string(repo().join(SMALL))
        .unwrap()
        .replace(
            "[scenario.bounds]",
            "[scenario.switches]\ntoken_confirmation_retries = 0\n\n[scenario.bounds]",
        );
    let file = dir.join("overridden.toml");
    std::fs::write(&file, text).unwrap();
    let path = hanging_harness(&dir);
    let o = bin()
        .current_dir(&dir)
        .env("PATH", &path)
        .env("CONVEX_AUTH_CHECK_DRIVER_TIMEOUT", "0.5")
        .args(["fuzz", "--walks", "2", "--out"])
        .arg(dir.join("out"))
        .arg(&file)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("no walk could be replayed"), "{err}");
    assert!(stdout(&o).contains("not replayed"), "{}", stdout(&o));
}

/// `fuzz --max-steps` has an upper bound, refused in one line before anything
/// runs.
#[test]
fn fuzz_refuses_an_endless_walk() {
    let o = bin()
        .current_dir(repo())
        .args([
            "fuzz",
            "checks/happy-path.toml",
            "--max-steps",
            "1000000000000",
        ])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--max-steps") && err.contains("10000"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// `sh -c 'ulimit -v KIB; exec convex-auth-check ARGS…'` from the repository root.
#[cfg(unix)]
fn under_address_space_limit(kib: u64, args: &[&str]) -> Output {
    Command::new("sh")
        .current_dir(repo())
        .arg("-c")
        .arg(format!("ulimit -v {kib} && exec \"$@\""))
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_convex-auth-check"))
        .args(args)
        .output()
        .unwrap()
}

/// Under an address space limit (`ulimit -v`), the default memory cap keeps the
/// run within it: the check ends inconclusive with its table, never an abort.
#[cfg(unix)]
#[test]
fn an_address_space_limit_ends_inconclusive_not_in_an_abort() {
    let dir = scratch("rlimit-as");
    let out = dir.join("out");
    let o = under_address_space_limit(
        200_000,
        &[
            "check",
            "checks/signed-out-mid-refresh.toml",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        stdout(&o).contains("inconclusive after") && stdout(&o).contains("--max-memory"),
        "{}",
        stdout(&o)
    );
}

/// Kills a child process when the test ends, however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An HTTP/1.0 request to 127.0.0.1:port; the answer's body.
fn http(port: u16, method: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.contains(" 200"), "{method} {path}: {head}");
    body.to_string()
}

/// Explored with a limit, the Explorer's page never calls a property "holds"
/// that the limit left undecided: after "Run to completion" it says
/// "Inconclusive" with the limit, where the CLI finds STUCK and MISMATCH
/// violated without one.
#[test]
fn the_explorer_says_inconclusive_for_what_a_limit_left_undecided() {
    use std::io::BufRead;
    let mut child = Killed(
        bin()
            .current_dir(repo())
            .args([
                "explore",
                "checks/issue-259-authkit-expiry.toml",
                "--max-states",
                "2000",
                "--port",
                "0",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut first = String::new();
    // Kept open to the end: the Explorer goes on printing.
    let mut out = std::io::BufReader::new(child.0.stdout.take().unwrap());
    out.read_line(&mut first).unwrap();
    let port: u16 = first
        .trim()
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {first:?}"));
    http(port, "POST", "/.runtocompletion");
    let status = loop {
        let status: serde_json::Value =
            serde_json::from_str(&http(port, "GET", "/.status")).unwrap();
        if status["done"] == true {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let undecided: Vec<&str> = status["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p[2].is_null())
        .map(|p| p[1].as_str().unwrap())
        .collect();
    assert!(
        undecided.contains(&"stuck") && undecided.contains(&"mismatch"),
        "{status}"
    );
    // The page's script: what has no counterexample reads "Inconclusive".
    let script = http(port, "GET", "/app.js");
    for verdict in ["Safety holds", "Liveness holds", "Example not found"] {
        assert!(!script.contains(verdict), "the page still says {verdict:?}");
    }
    assert!(script.contains("Inconclusive, not decided before the limit (--max-states 2000)"));
    assert!(http(port, "GET", "/").contains("app.js"));
}

/// The README's screenshot shows the model as it is: the deep link it was taken
/// at (recorded beside it by scripts/explorer-screenshot.sh) is still the path of
/// STUCK's counterexample.
#[test]
fn the_explorer_screenshot_is_current() {
    let recorded = std::fs::read_to_string(repo().join("docs/explorer-issue-259.steps"))
        .expect("docs/explorer-issue-259.steps: run scripts/explorer-screenshot.sh");
    let check = convex_auth_model::check::CheckFile::load(
        &repo().join("checks/issue-259-authkit-expiry.toml"),
    )
    .unwrap();
    let result = convex_auth_model::check::run(&check, Default::default());
    let (_, path) = result
        .violations()
        .find(|(p, _)| p.tag == "STUCK")
        .expect("STUCK is violated");
    assert_eq!(
        recorded.trim(),
        path.encode(),
        "docs/explorer-issue-259.png shows another path: run scripts/explorer-screenshot.sh"
    );
}
