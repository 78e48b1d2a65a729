//! The `mutants` subcommand as a user runs it.

use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_convex-auth-check"));
    cmd.current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .env_remove("CONVEX_AUTH_MUTANT");
    cmd
}

#[test]
fn an_unknown_mutant_is_exit_2_naming_the_valid_ones() {
    let o = bin().args(["mutants", "--only", "nope"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("\"nope\""), "{stderr}");
    assert!(stderr.contains("refetch-no-try-restart"), "{stderr}");
}

#[test]
fn one_mutant_as_json_says_which_checks_kill_it() {
    let o = bin()
        .args(["mutants", "--only", "reauth-no-try-restart", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    let m = &doc["mutants"][0];
    assert_eq!(m["slug"], "reauth-no-try-restart");
    assert_eq!(m["killed"], true);
    assert!(m["killed_by_checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["check"] == "happy-path"));
    assert_eq!(m["killed_by_tests"], serde_json::Value::Null);
    assert_eq!(doc["score"]["killed"], 1);
    assert_eq!(doc["score"]["total"], 1);
}
