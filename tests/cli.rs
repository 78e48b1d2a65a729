//! The CLI as a user runs it: exit codes, the JSON document, trace files, `list`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_convex-auth-check"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn check_json_prints_one_document_with_every_field() {
    let out_dir = scratch("json");
    let o = bin()
        .current_dir(repo())
        .args([
            "check",
            "checks/workos-0.0.3-authkit-expiry.toml",
            "--json",
            "--out",
        ])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_str(&stdout(&o)).expect("stdout is one JSON document");
    assert_eq!(doc["summary"]["checks"], 1);
    assert_eq!(doc["summary"]["mismatches"], 0);
    let check = &doc["checks"][0];
    assert_eq!(check["name"], "workos-0.0.3-authkit-expiry");
    assert_eq!(check["file"], "checks/workos-0.0.3-authkit-expiry.toml");
    assert!(check["sources"][1]
        .as_str()
        .unwrap()
        .contains("convex-backend/issues/259"));
    assert!(check["states"]["unique"].as_u64().unwrap() > 0);
    assert!(
        check["states"]["total"].as_u64().unwrap() >= check["states"]["unique"].as_u64().unwrap()
    );
    assert!(check["states"]["max_depth"].as_u64().unwrap() > 0);
    assert!(check["seconds"].is_number());
    let stuck = check["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "stuck")
        .unwrap();
    assert_eq!(stuck["tag"], "STUCK");
    assert_eq!(
        stuck["name"], "eventually authenticated after a valid token",
        "name is the property's name, slug its short id"
    );
    assert_eq!(stuck["expected"], "violated");
    assert_eq!(stuck["verdict"], "violated");
    assert_eq!(stuck["matches"], true);
    assert_eq!(stuck["method"], "doomed-states");
    assert!(stuck["fairness"]
        .as_str()
        .unwrap()
        .starts_with("weak fairness of message delivery and timers"));
    assert_eq!(check["horizon"], "unbounded");
    assert_eq!(
        check["adapter_replay"], "@convex-dev/workos@0.0.3",
        "workos-0.0.3 replays through the real adapter over the real authkit"
    );
    assert!(
        stuck["loop_start"].as_u64().unwrap() >= stuck["depth"].as_u64().unwrap(),
        "time runs on: the stuck #259 client's lasso is a loop after its doomed state"
    );
    let unauth = check["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "unauth-q")
        .unwrap();
    assert_eq!(unauth["method"], "bfs");
    let depth = stuck["depth"].as_u64().unwrap();
    let trace_path = PathBuf::from(stuck["trace"].as_str().unwrap());
    assert_eq!(
        trace_path,
        out_dir.join("workos-0.0.3-authkit-expiry/stuck.trace.json")
    );
    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&trace_path).unwrap()).unwrap();
    assert_eq!(trace["format_version"], 1);
    assert_eq!(trace["violation_at"].as_u64(), Some(depth));
    assert_eq!(trace["method"], "doomed-states");
    assert!(trace["steps"].as_array().unwrap().len() as u64 >= depth);
    let step = &trace["steps"][0];
    for key in ["actor", "event", "after"] {
        assert!(!step[key].is_null(), "step lacks {key}");
    }
    for key in [
        "use_convex_auth",
        "auth_manager",
        "socket",
        "server_identity",
        "idp",
    ] {
        assert!(!step["after"][key].is_null(), "observation lacks {key}");
    }
    let holds = check["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "wedge")
        .unwrap();
    assert_eq!(holds["verdict"], "holds");
    assert!(holds["depth"].is_null() && holds["trace"].is_null());
}

#[test]
fn a_wrong_expectation_exits_1_and_says_so() {
    let dir = scratch("wrong");
    let text = std::fs::read_to_string(repo().join("checks/happy-path.toml"))
        .unwrap()
        .replace(
            "violated = [\"stuck\"]",
            "violated = [\"stuck\", \"wedge\"]",
        );
    let file = dir.join("wrong.toml");
    std::fs::write(&file, text).unwrap();
    let o = bin()
        .arg("check")
        .arg(&file)
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("happy-path wedge: expected violated, got holds"));
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let dir = scratch("bad");
    let cases = [
        ("missing.toml", None, "cannot read"),
        ("syntax.toml", Some("name = \n"), "syntax.toml"),
        (
            "unknown-property.toml",
            Some("name = \"x\"\ndescription = \"d\"\nsources = [\"s\"]\n[expect]\nnope = \"holds\"\n"),
            "unknown property",
        ),
        (
            "unknown-adapter.toml",
            Some("name = \"x\"\ndescription = \"d\"\nsources = [\"s\"]\n[scenario]\nadapter = \"clerk-9\"\n[expect]\n"),
            "clerk-9",
        ),
    ];
    for (name, text, needle) in cases {
        let file = dir.join(name);
        if let Some(text) = text {
            std::fs::write(&file, text).unwrap();
        }
        let o = bin().arg("check").arg(&file).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(needle),
            "{name}: stderr {err:?} lacks {needle:?}"
        );
        assert!(!err.contains("panicked"), "{name} panicked: {err}");
    }
}

#[test]
fn a_state_limit_makes_verdicts_inconclusive() {
    let dir = scratch("limit");
    let o = bin()
        .current_dir(repo())
        .args([
            "check",
            "checks/happy-path.toml",
            "--max-states",
            "50",
            "--json",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let stuck = &doc["checks"][0]["properties"][0];
    assert_eq!(stuck["verdict"], "inconclusive");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn list_names_every_adapter_property_and_knob() {
    let o = bin().arg("list").output().unwrap();
    assert!(o.status.success());
    let text = stdout(&o);
    for needle in [
        "workos-0.0.3",
        "docs-custom",
        "STUCK",
        "UNAUTH-Q",
        "reauthenticated-after-expiry",
        "faults.refresh_failures",
        "guard_noauth_after_stop",
        "1.49.0",
    ] {
        assert!(text.contains(needle), "list lacks {needle}");
    }
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["check", "--help"],
        vec!["list", "--help"],
        vec!["fuzz", "--help"],
    ] {
        let o = bin().args(&args).output().unwrap();
        assert!(o.status.success(), "{args:?}");
        assert!(stdout(&o).contains("Usage"), "{args:?}");
    }
}

/// `check --threads N` reports what one thread does, and refuses 0 threads in one
/// line with exit 2.
#[test]
fn check_on_two_threads_reports_what_one_thread_does() {
    let run = |threads: &str, out: &str| {
        bin()
            .current_dir(repo())
            .args([
                "check",
                "checks/workos-pr529-cd91e8a-transient-failure.toml",
                "--json",
            ])
            .args(["--threads", threads, "--out"])
            .arg(scratch(out))
            .output()
            .unwrap()
    };
    let (one, two) = (run("1", "threads-1"), run("2", "threads-2"));
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(two.status.code(), Some(0));
    // Every field but where the trace files went.
    let doc = |o: &Output| -> serde_json::Value {
        let mut doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        for p in doc["checks"][0]["properties"].as_array_mut().unwrap() {
            p.as_object_mut().unwrap().remove("trace");
        }
        doc
    };
    let (one, two) = (doc(&one), doc(&two));
    assert_eq!(one["checks"][0]["states"], two["checks"][0]["states"]);
    assert_eq!(
        one["checks"][0]["properties"],
        two["checks"][0]["properties"]
    );
    let zero = run("0", "threads-0");
    let err = String::from_utf8_lossy(&zero.stderr);
    assert_eq!(zero.status.code(), Some(2), "{err}");
    assert!(err.contains("not a thread count from 1 to 1024"), "{err}");
}

/// `fuzz` answers bad input with one line and exit 2, before it starts Node.
#[test]
fn fuzz_bad_input_exits_2_with_one_line() {
    let out = scratch("fuzz-bad");
    let happy = "checks/happy-path.toml";
    for (args, needle) in [
        (vec!["--walks", "0", happy], "--walks 0"),
        (vec!["--max-steps", "0", happy], "--max-steps 0"),
        (vec!["missing.toml"], "missing.toml: cannot read"),
        (vec!["--weighting", "sometimes", happy], "sometimes"),
    ] {
        let o = bin()
            .current_dir(repo())
            .arg("fuzz")
            .args(&args)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// Runs `check` on `files` with `--out out` from `cwd`.
fn check_into(cwd: &Path, files: &[&Path], out: &Path, extra: &[&str]) -> Output {
    bin()
        .current_dir(cwd)
        .arg("check")
        .args(files)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// A copy of a shipped check file under `dir`, with `name = …` replaced.
fn renamed_check(dir: &Path, from: &str, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(repo().join(format!("checks/{from}.toml"))).unwrap();
    let first = text.lines().next().unwrap();
    let file = dir.join(format!("{}-{from}.toml", name.replace(['.', '/'], "x")));
    std::fs::write(&file, text.replacen(first, &format!("name = {name:?}"), 1)).unwrap();
    file
}

/// A check named `..` (or `.`) once made the cleanup delete reports one folder up.
#[test]
fn a_check_named_dot_dot_deletes_nothing_and_is_refused() {
    let dir = scratch("dotdot");
    let out = dir.join("reports");
    std::fs::create_dir_all(&out).unwrap();
    let precious = [
        "README.md",
        "notes.trace.json",
        "stuck.md",
        "stuck.itf.json",
    ];
    for f in precious {
        std::fs::write(dir.join(f), "the user's own file").unwrap();
        std::fs::write(out.join(f), "the user's own file").unwrap();
    }
    for name in ["..", ".", "../x", "a/b", "Upper", ""] {
        let file = renamed_check(&dir, "workos-0.0.3-authkit-expiry", name);
        let o = check_into(&dir, &[&file], &out, &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "name {name:?}: {err}");
        assert!(err.contains("name"), "name {name:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
    for f in precious {
        assert!(dir.join(f).is_file(), "{f} was deleted");
        assert!(out.join(f).is_file(), "reports/{f} was deleted");
    }
}

#[test]
fn two_checks_with_one_name_are_refused_before_anything_runs() {
    let dir = scratch("duplicate");
    let a = renamed_check(&dir, "happy-path", "same");
    let b = renamed_check(&dir, "workos-0.0.3-authkit-expiry", "same");
    let out = dir.join("out");
    let o = check_into(&dir, &[&a, &b], &out, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("same") && err.contains("unique"), "{err}");
    assert!(!out.join("same").exists(), "nothing ran");
}

/// Cleanup removes only what this tool wrote: reports of known properties that
/// carry its mark. A user's file of the same name, and files of other formats
/// (`export --format json` after `check`), stay.
#[test]
fn cleanup_removes_only_this_tools_files_of_the_formats_written() {
    let dir = scratch("cleanup");
    let out = dir.join("out");
    let file = repo().join("checks/workos-0.0.3-authkit-expiry.toml");
    let o = check_into(&repo(), &[&file], &out, &[]);
    assert_eq!(o.status.code(), Some(0));
    let folder = out.join("workos-0.0.3-authkit-expiry");
    for f in ["stuck.md", "stuck.itf.json", "stuck.trace.json"] {
        assert!(folder.join(f).is_file(), "{f} written");
    }
    // A stale report of ours (a property that holds here) and a user's files.
    let ours_stale = std::fs::read_to_string(folder.join("stuck.trace.json")).unwrap();
    std::fs::write(folder.join("wedge.trace.json"), &ours_stale).unwrap();
    std::fs::write(folder.join("zombie.md"), "# my notes on zombies").unwrap();
    std::fs::write(folder.join("notes.md"), "mine").unwrap();

    let o = bin()
        .current_dir(repo())
        .args([
            "export",
            "checks/workos-0.0.3-authkit-expiry.toml",
            "--format",
            "json",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        folder.join("stuck.md").is_file(),
        "export json kept the report"
    );
    assert!(
        folder.join("stuck.itf.json").is_file(),
        "export json kept the ITF"
    );
    assert!(
        !folder.join("wedge.trace.json").exists(),
        "our stale trace removed"
    );
    assert!(
        folder.join("zombie.md").is_file(),
        "the user's zombie.md kept"
    );
    assert!(folder.join("notes.md").is_file(), "the user's notes kept");
}

#[test]
fn a_bad_output_folder_is_refused_before_the_model_check() {
    let dir = scratch("badout");
    let not_a_folder = dir.join("file");
    std::fs::write(&not_a_folder, "x").unwrap();
    let file = repo().join("checks/signed-out-mid-refresh.toml");
    let started = std::time::Instant::now();
    let o = check_into(&repo(), &[&file], &not_a_folder, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--out") && err.contains("not a folder"),
        "{err}"
    );
    assert!(!err.contains("checking"), "refused before checking: {err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // A check whose folder would be a file.
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("signed-out-mid-refresh"), "x").unwrap();
    let o = check_into(&repo(), &[&file], &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a file"));
}

/// stateright stops at a total-state target; the run once judged completeness by
/// unique states and called 14,000 of 30,701 states complete: MISMATCH "holds"
/// where the full run finds it violated.
#[test]
fn the_stateright_engine_never_calls_a_cut_run_complete() {
    let dir = scratch("stateright-cap");
    let file = repo().join("checks/workos-pr529-cd91e8a-transient-failure.toml");
    let run = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["--engine", "stateright", "--json"];
        args.extend(extra);
        let o = check_into(&repo(), &[&file], &dir, &args);
        serde_json::from_str(&stdout(&o)).unwrap()
    };
    let verdict = |doc: &serde_json::Value, slug: &str| {
        doc["checks"][0]["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["slug"] == slug)
            .unwrap()["verdict"]
            .clone()
    };
    let full = run(&[]);
    assert_eq!(verdict(&full, "mismatch"), "violated");
    let cut = run(&["--max-states", "31000"]);
    let check = &cut["checks"][0];
    assert!(check["states"]["unique"].as_u64().unwrap() < 30_701);
    assert_eq!(check["complete"], false);
    assert_eq!(check["stopped_by"], "--max-states 31000");
    assert_ne!(verdict(&cut, "mismatch"), "holds", "never a false holds");
}

/// Durations beyond any sense clamp instead of panicking, in both engines.
#[test]
fn absurd_durations_clamp_instead_of_panicking() {
    let dir = scratch("durations");
    let file = repo().join("checks/workos-0.0.3-authkit-expiry.toml");
    for extra in [
        vec!["--max-seconds", "1e20"],
        vec!["--engine", "stateright", "--max-seconds", "1e19"],
    ] {
        let o = check_into(&repo(), &[&file], &dir, &extra);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{extra:?}: {err}");
        assert!(err.contains("clamped"), "{extra:?}: {err}");
        assert_ne!(o.status.code(), Some(101), "{extra:?}");
    }
}

/// A memory cap ends in "inconclusive after N states (limit: …)" with what was
/// found so far written out, never in an abort.
#[test]
fn a_memory_cap_ends_inconclusive_with_partial_results_written() {
    let dir = scratch("memory-cap");
    let file = repo().join("checks/fetch-hang-never-settles.toml");
    let o = check_into(&repo(), &[&file], &dir, &["--max-memory", "40M"]);
    let text = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "inconclusive is not what the file expects"
    );
    assert!(
        text.contains("inconclusive after") && text.contains("(limit: --max-memory 40.0 MiB)"),
        "{text}"
    );
    // UNAUTH-Q is violated at depth 3, long before the cap: its report is written.
    assert!(dir.join("fetch-hang-never-settles/unauth-q.md").is_file());
}

#[test]
fn limits_are_options_of_explore_and_export_too() {
    for cmd in ["check", "explore", "export"] {
        let o = bin().args([cmd, "--help"]).output().unwrap();
        let help = stdout(&o);
        for option in ["--max-states", "--max-seconds", "--max-memory"] {
            assert!(help.contains(option), "{cmd} --help lacks {option}");
        }
    }
}

#[test]
fn without_files_or_a_checks_folder_it_says_where_it_looked() {
    let dir = scratch("no-checks");
    let o = bin().current_dir(&dir).arg("check").output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("no checks/ folder in"), "{err}");
    assert!(
        err.contains(dir.file_name().unwrap().to_str().unwrap()),
        "{err}"
    );
}

/// A trace the harness cannot drive (here: a switch override, which no release
/// ships) is exit 2 with the reason, not a quiet exit 0.
#[test]
fn replaying_an_unreplayable_trace_exits_2_with_the_reason() {
    let dir = scratch("unreplayable");
    let file = repo().join("checks/workos-0.0.3-authkit-expiry.toml");
    let o = check_into(&repo(), &[&file], &dir, &[]);
    assert_eq!(o.status.code(), Some(0));
    let trace = dir.join("workos-0.0.3-authkit-expiry/stuck.trace.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    doc["scenario"]["switches"]["token_confirmation_retries"] = 0.into();
    let other = dir.join("other-release.trace.json");
    std::fs::write(&other, doc.to_string()).unwrap();
    let o = bin().arg("replay").arg(&other).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("not replayable") && err.contains("switch overrides"),
        "{err}"
    );
    // A walk of `fuzz` names the properties it watched; a name that is none is
    // refused in one line.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    doc["monitored"] = serde_json::json!(["flash", "wedge"]);
    let watched = dir.join("watched.trace.json");
    std::fs::write(&watched, doc.to_string()).unwrap();
    let o = bin().arg("replay").arg(&watched).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("field \"monitored\": wedge is not one of flash, zombie"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
