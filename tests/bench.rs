//! `bench` as a user runs it: one JSON document whose state counts are the ones
//! `check` reports for the same check, with each engine. No assertion on speed:
//! speed is what `bench` prints, not what a test decides.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const CHECK: &str = "checks/workos-0.0.3-authkit-expiry.toml";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary in the repository root and parses its stdout as one JSON
/// document; `exit_codes` are the statuses it may end with.
fn json_of(args: &[&str], exit_codes: &[i32]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_convex-auth-check"))
        .current_dir(repo())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| exit_codes.contains(&c)),
        "{args:?}: {}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

/// The unique states `check --json` reports for [`CHECK`] with `engine`.
fn unique_states_of_check(engine: &str) -> u64 {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-check-{engine}"));
    let out = out.to_str().unwrap();
    // stateright's verdicts differ from the file's expectations (exit 1): its
    // `Eventually` sees only dead ends. The states are what matter here.
    let doc = json_of(
        &["check", CHECK, "--json", "--engine", engine, "--out", out],
        &[0, 1],
    );
    doc["checks"][0]["states"]["unique"].as_u64().unwrap()
}

#[test]
fn bench_json_reports_every_run_with_the_states_check_finds() {
    let doc = json_of(&["bench", CHECK, "--json"], &[0]);
    let checks = doc["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 1);
    let check = &checks[0];
    assert_eq!(check["name"], "workos-0.0.3-authkit-expiry");
    assert_eq!(check["file"], CHECK);

    let runs = check["runs"].as_array().unwrap();
    let engines: Vec<(&str, u64)> = runs
        .iter()
        .map(|r| {
            (
                r["engine"].as_str().unwrap(),
                r["threads"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        engines,
        [
            ("native", 1),
            ("native", 2),
            ("stateright", 1),
            ("stateright", 2)
        ],
        "both engines with 1 and 2 threads by default"
    );

    let ours = unique_states_of_check("native");
    let theirs = unique_states_of_check("stateright");
    assert_eq!(ours, 1887, "the 0.0.3 expiry check's state space");
    let baseline = doc["baseline_rss"].as_u64();
    for run in runs {
        let expected = match run["engine"].as_str().unwrap() {
            "native" => ours,
            _ => theirs,
        };
        assert_eq!(run["unique_states"].as_u64(), Some(expected), "{run}");
        assert!(run["total_states"].as_u64().unwrap() >= expected, "{run}");
        assert_eq!(run["complete"], true, "{run}");
        assert!(run["stopped_by"].is_null(), "{run}");
        assert!(run["seconds"].as_f64().unwrap() >= 0.0, "{run}");
        assert!(run["unique_per_second"].as_f64().unwrap() > 0.0, "{run}");
        assert!(run["total_per_second"].as_f64().unwrap() > 0.0, "{run}");
        match (run["peak_rss"].as_u64(), baseline) {
            (Some(peak), Some(idle)) => {
                assert!(peak > idle, "a run uses more than an idle process: {run}");
                assert!(run["bytes_per_state"].as_f64().unwrap() > 0.0, "{run}");
            }
            _ => assert!(run["bytes_per_state"].is_null(), "{run}"),
        }
    }

    let ratios = check["ratios"].as_array().unwrap();
    assert_eq!(ratios.len(), 2, "one row per thread count");
    for (row, threads) in ratios.iter().zip([1, 2]) {
        assert_eq!(row["threads"], threads);
        assert!(
            row["native_vs_stateright"]["unique_per_second"]
                .as_f64()
                .unwrap()
                > 0.0
        );
    }
    assert!(ratios[0]["stateright_vs_1_thread"].is_null());
    assert!(ratios[1]["stateright_vs_1_thread"].as_f64().unwrap() > 0.0);
    assert!(ratios[1]["native_vs_1_thread"].as_f64().unwrap() > 0.0);
}

#[test]
fn bench_refuses_bad_input_in_one_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_convex-auth-check"))
        .current_dir(repo())
        .args(["bench", "checks/no-such-check.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no-such-check.toml"), "{stderr}");
    assert!(out.stdout.is_empty());
}
