//! The adapters × faults table (`matrix`, checks/matrix/faults.toml) and the
//! README's copy of it.

use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn matrix_output(args: &[&str]) -> (Option<i32>, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_convex-auth-check"))
        .current_dir(repo())
        .arg("matrix")
        .env(
            convex_auth_model::check::cache::ENV_VAR,
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorations"),
        )
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

/// The README's text between the line `start` and the line `end`.
fn readme_between(start: &str, end: &str) -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let (_, rest) = readme
        .split_once(&format!("{start}\n"))
        .unwrap_or_else(|| panic!("README.md has the marker {start}"));
    let (inside, _) = rest
        .split_once(end)
        .unwrap_or_else(|| panic!("README.md has the marker {end}"));
    inside.to_string()
}

/// The cell of `adapter` under `fault` in a printed table.
fn cell<'a>(table: &'a str, adapter: &str, fault: &str) -> &'a str {
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap()
        .split('|')
        .map(str::trim)
        .collect();
    let column = header
        .iter()
        .position(|h| *h == fault)
        .expect("the fault's column");
    let row = table
        .lines()
        .find(|l| l.starts_with(&format!("| `{adapter}` |")))
        .expect("the adapter's row");
    row.split('|').map(str::trim).nth(column).unwrap()
}

/// The README's table is what `matrix` prints, and the table says what the
/// recommended hooks are for: where the hook is the cause (a transient failure
/// read as a sign-out, an outage outlasting quick retries, a new fetcher for a
/// new session), the recommended rows hold and their unfixed counterparts do not.
#[test]
fn the_readme_matrix_is_the_matrix_command_output() {
    let (code, table, stderr) = matrix_output(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    let inside = readme_between(
        "<!-- matrix: the output of `cargo run --release -- matrix` -->",
        "<!-- end of matrix -->",
    );
    assert_eq!(
        inside.trim(),
        table.trim(),
        "README.md's matrix is out of date: paste `cargo run --release -- matrix` between the markers"
    );
    for (fixed, unfixed) in [
        ("recommended-workos", "workos-0.0.3"),
        ("recommended-authkit-nextjs", "authkit-nextjs"),
        ("recommended-tanstack-start", "tanstack-start"),
    ] {
        for fault in [
            "none",
            "refresh fails once",
            "IdP down 20 s",
            "tab hidden",
            "session switch",
            "StrictMode",
            "IdP 5xx 20 s",
            "429 once",
            "offline once",
        ] {
            assert_eq!(cell(&table, fixed, fault), "holds", "{fixed} under {fault}");
        }
        assert!(
            cell(&table, unfixed, "IdP down 20 s").contains("STUCK"),
            "{unfixed}"
        );
    }
    assert!(cell(&table, "workos-pr529", "IdP down 20 s").contains("STUCK"));
    // An ended session: the Next.js hook shows signed out; the TanStack Start
    // one cannot tell it from an outage and keeps a ghost user.
    assert_eq!(
        cell(&table, "recommended-authkit-nextjs", "session ended"),
        "holds"
    );
    assert!(cell(&table, "recommended-tanstack-start", "session ended").contains("GHOST"));
}

/// The README's table for the proposal is `matrix --switch proposal_keep_trying`,
/// and the proposal does what it says: no row that returns null (or rejects)
/// for a transient failure stays stuck, and for the recommended hooks the account
/// switch is no longer stuck nor the socket drop unauthenticated.
#[test]
fn the_readme_proposal_matrix_is_the_matrix_command_output() {
    let (code, table, stderr) = matrix_output(&["--switch", "proposal_keep_trying"]);
    assert_eq!(code, Some(0), "{stderr}");
    let inside = readme_between(
        "<!-- matrix with the proposal: the output of `cargo run --release -- matrix --switch proposal_keep_trying` -->",
        "<!-- end of matrix with the proposal -->",
    );
    assert_eq!(
        inside.trim(),
        table.trim(),
        "README.md's proposal matrix is out of date: paste `cargo run --release -- matrix --switch proposal_keep_trying` between the markers"
    );
    for adapter in [
        "docs-custom",
        "workos-pr529-cd91e8a",
        "authkit-nextjs",
        "tanstack-start",
        "auth0",
        "better-auth",
    ] {
        assert!(
            !cell(&table, adapter, "refresh fails once").contains("STUCK"),
            "{adapter}"
        );
    }
    for adapter in [
        "recommended-workos",
        "recommended-authkit-nextjs",
        "recommended-tanstack-start",
    ] {
        let switch = cell(&table, adapter, "account switch");
        assert!(
            !switch.contains("STUCK") && !switch.contains("WEDGE"),
            "{adapter}: {switch}"
        );
        assert_eq!(cell(&table, adapter, "socket drop"), "holds", "{adapter}");
    }
}

#[test]
fn a_bad_matrix_file_is_one_line_naming_the_file_and_the_field() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("bad-matrix.toml");
    let text = std::fs::read_to_string(repo().join("checks/matrix/faults.toml")).unwrap();
    std::fs::write(&path, text.replace("tab_hides = 1", "tab_hidden = 1")).unwrap();
    let (code, table, stderr) = matrix_output(&["--file", path.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(table.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("bad-matrix.toml: fault[3] (tab hidden)"),
        "{stderr}"
    );
    assert!(stderr.contains("tab_hidden"), "{stderr}");
}

/// `--json`: one document, a cell per adapter and fault, with every property's
/// verdict, and the reason where the model cannot describe the combination (a
/// column no adapter can take is an error instead).
#[test]
fn the_json_matrix_has_every_cell_and_says_why_one_is_not_described() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("small-matrix.toml");
    std::fs::write(
        &path,
        r#"
description = "two adapters alone, and through an outage"
sources = ["https://www.npmjs.com/package/convex/v/1.49.0"]
adapters = ["clerk", "docs-custom"]
[base]
client = "1.49.0"
[[fault]]
name = "none"
[[fault]]
name = "IdP down"
faults = { idp_outages = 1, outage_ticks = 2 }
"#,
    )
    .unwrap();
    let (code, out, stderr) = matrix_output(&["--json", "--file", path.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let cells = doc["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 4);
    assert_eq!(
        (&cells[0]["adapter"], &cells[0]["fault"]),
        (&"clerk".into(), &"none".into())
    );
    assert_eq!(cells[0]["properties"]["stuck"], "holds");
    assert_eq!(cells[0]["properties"].as_object().unwrap().len(), 13);
    // docs-custom returns null for the outage's failed refresh: #259.
    assert_eq!(cells[3]["properties"]["stuck"], "violated");
    assert!(cells[3]["verdict"].as_str().unwrap().contains("STUCK"));
    assert!(cells[1]["verdict"].is_null());
    assert!(cells[1]["not_described"]
        .as_str()
        .unwrap()
        .starts_with("scenario.faults.idp_outages: clerk-js waits"));
}
