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
            "checks/issue-259-authkit-expiry.toml",
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
    assert_eq!(check["name"], "issue-259-authkit-expiry");
    assert_eq!(check["file"], "checks/issue-259-authkit-expiry.toml");
    assert!(check["sources"][0]
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
        .find(|p| p["name"] == "stuck")
        .unwrap();
    assert_eq!(stuck["tag"], "STUCK");
    assert_eq!(stuck["expected"], "violated");
    assert_eq!(stuck["verdict"], "violated");
    assert_eq!(stuck["matches"], true);
    assert_eq!(stuck["method"], "doomed-states");
    assert!(
        stuck["loop_start"].is_null(),
        "the #259 client stops for good"
    );
    let unauth = check["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "unauth-q")
        .unwrap();
    assert_eq!(unauth["method"], "bfs");
    let depth = stuck["depth"].as_u64().unwrap();
    let trace_path = PathBuf::from(stuck["trace"].as_str().unwrap());
    assert_eq!(
        trace_path,
        out_dir.join("issue-259-authkit-expiry/stuck.trace.json")
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
        .find(|p| p["name"] == "wedge")
        .unwrap();
    assert_eq!(holds["verdict"], "holds");
    assert!(holds["depth"].is_null() && holds["trace"].is_null());
}

#[test]
fn a_wrong_expectation_exits_1_and_says_so() {
    let dir = scratch("wrong");
    let text = std::fs::read_to_string(repo().join("checks/happy-path.toml"))
        .unwrap()
        .replace("stuck = \"holds\"", "stuck = \"violated\"");
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
    assert!(stdout(&o).contains("happy-path stuck: expected violated, got holds"));
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
            "unknown properties",
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
    ] {
        let o = bin().args(&args).output().unwrap();
        assert!(o.status.success(), "{args:?}");
        assert!(stdout(&o).contains("Usage"), "{args:?}");
    }
}
