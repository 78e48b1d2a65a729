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

/// A folder of its own holding the named shipped checks.
fn checks_folder(name: &str, checks: &[&str]) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for check in checks {
        std::fs::copy(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("checks/{check}.toml")),
            dir.join(format!("{check}.toml")),
        )
        .unwrap();
    }
    dir
}

/// On three checks (the whole suite's score is `mutants`' own run, stated in the
/// README): the report names the checks that kill the mutant.
#[test]
fn one_mutant_as_json_says_which_checks_kill_it() {
    let checks = checks_folder(
        "mutants-json",
        &[
            "happy-path",
            "expect-auth-signed-out-visitor",
            "workos-0.0.3-authkit-expiry",
        ],
    );
    let o = bin()
        .args([
            "mutants",
            "--only",
            "reauth-no-try-restart",
            "--json",
            "--checks",
        ])
        .arg(&checks)
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

/// A mutant that makes a check's state space explode stops that check at the cap
/// (`--state-cap-factor` × its unmutated states, at least 100,000) and reports it
/// inconclusive, instead of running on.
#[test]
fn an_exploding_mutant_ends_the_check_inconclusive_at_the_cap() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("mutants-cap");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let name = "tanstack-start-2025-expiry";
    std::fs::copy(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("checks/{name}.toml")),
        dir.join(format!("{name}.toml")),
    )
    .unwrap();
    let o = bin()
        .args(["mutants", "--only", "idp-refreshes-independently"])
        .args(["--state-cap-factor", "1", "--json", "--checks"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let m = &doc["mutants"][0];
    assert_eq!(
        m["inconclusive_checks"],
        serde_json::json!([format!("{name} (stopped at 100000 states)")])
    );
    assert_eq!(m["changes_states_of"], serde_json::json!([]));
}
