//! Property-based tests of check-file validation: mutated copies of the shipped
//! checks never panic the loader, and every refusal is one line that starts with the
//! file and names a field of the check file (or the line of a syntax error). A
//! smaller sample of files built to be invalid goes through the real binary: exit 2,
//! one line on stderr naming the file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use convex_auth_model::check::CheckFile;
use convex_auth_model::config::{self, MAX_ESTIMATED_STATES};
use convex_auth_model::properties;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;

/// Each world is explored once per test run and shared by every test.
fn explore(check: &convex_auth_model::check::CheckFile) -> convex_auth_model::check::CheckResult {
    convex_auth_model::check::cache::run_shared(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
        check,
    )
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The text of every shipped check file.
fn shipped() -> Vec<String> {
    convex_auth_model::check::files_in(&repo().join("checks"))
        .unwrap()
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect()
}

/// A fresh folder for this test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every key a check file can have, at any level.
fn known_keys() -> BTreeSet<String> {
    let mut keys: BTreeSet<String> = [
        "name",
        "description",
        "sources",
        "scenario",
        "expect",
        "adapter",
        "client",
        "switches",
        "bounds",
        "faults",
    ]
    .map(String::from)
    .into();
    for knob in config::knobs() {
        keys.extend(knob.key.split('.').map(String::from));
    }
    keys.extend(config::switch_docs().iter().map(|(k, _)| k.to_string()));
    keys.extend(properties::all().iter().map(|p| p.slug.to_string()));
    keys
}

/// Asserts that `err` is one line, starts with `file` and names a field: each segment
/// of its field path is a key of the check file (known, or present in `text`), or it
/// is a syntax error with a line number.
fn assert_names_file_and_field(err: &str, file: &str, text: &str) {
    assert!(!err.contains(['\n', '\r']), "not one line: {err:?}");
    let rest = err
        .strip_prefix(&format!("{file}: "))
        .unwrap_or_else(|| panic!("does not start with the file: {err:?}"));
    if let Some(at) = rest.strip_prefix("syntax error at line ") {
        assert!(
            at.starts_with(|c: char| c.is_ascii_digit()),
            "no line number: {err:?}"
        );
        return;
    }
    let path = rest.split(": ").next().unwrap();
    let known = known_keys();
    assert!(!path.is_empty(), "no field: {err:?}");
    for segment in path.split('.') {
        let key = segment.split('[').next().unwrap();
        assert!(
            known.contains(key) || text.contains(key),
            "{key:?} is not a key of the file: {err:?}"
        );
    }
}

/// One edit of a check file's text.
#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(Index),
    DuplicateLine(Index),
    /// The value of a `key = value` line.
    ReplaceValue(Index, String),
    /// The key of a `key = value` line.
    RenameKey(Index, String),
    InsertBytes(Index, Vec<u8>),
    Truncate(Index),
    /// A `[table]` line.
    ChangeHeader(Index, String),
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 _./-]{0,12}".prop_map(|s| format!("{s:?}")),
        "[a-zA-Z0-9_-]{1,8}",
        any::<u8>().prop_map(|n| n.to_string()),
        (0u32..100_000).prop_map(|n| n.to_string()),
        Just("99999999999999999999999999".to_string()),
        Just(i64::MAX.to_string()),
        any::<i64>().prop_map(|n| (-n.saturating_abs()).to_string()),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        Just("nan".to_string()),
        Just("-inf".to_string()),
        Just(String::new()),
        Just("true".to_string()),
        Just("[]".to_string()),
        Just("{ a = 1 }".to_string()),
        Just("\"\"\"".to_string()),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::DeleteLine),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), value()).prop_map(|(i, v)| Mutation::ReplaceValue(i, v)),
        (
            any::<Index>(),
            prop_oneof![
                "[a-zA-Z0-9_-]{1,12}",
                "[a-z ]{1,8}".prop_map(|k| format!("{k:?}"))
            ]
        )
            .prop_map(|(i, k)| Mutation::RenameKey(i, k)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Mutation::InsertBytes(i, b)),
        any::<Index>().prop_map(Mutation::Truncate),
        (
            any::<Index>(),
            prop_oneof![
                Just("[scenario]".to_string()),
                Just("[scenario.bound]".to_string()),
                Just("[expect".to_string()),
                Just("[[expect]]".to_string()),
                Just("[scenario.faults.extra]".to_string()),
                Just("[]".to_string()),
                "[a-z._]{1,16}".prop_map(|h| format!("[{h}]")),
            ]
        )
            .prop_map(|(i, h)| Mutation::ChangeHeader(i, h)),
    ]
}

/// Applies `m` to `text` (bytes: an insertion may break UTF-8).
fn apply(text: &[u8], m: &Mutation) -> Vec<u8> {
    let lossy = String::from_utf8_lossy(text).into_owned();
    let mut lines: Vec<String> = lossy.split('\n').map(String::from).collect();
    let pick = |lines: &[String], i: &Index, keep: fn(&str) -> bool| {
        let candidates: Vec<usize> = (0..lines.len()).filter(|&n| keep(&lines[n])).collect();
        (!candidates.is_empty()).then(|| candidates[i.index(candidates.len())])
    };
    let is_pair = |l: &str| l.contains(" = ");
    let is_header = |l: &str| l.starts_with('[');
    match m {
        Mutation::DeleteLine(i) => {
            lines.remove(i.index(lines.len()));
        }
        Mutation::DuplicateLine(i) => {
            let n = i.index(lines.len());
            let line = lines[n].clone();
            lines.insert(n, line);
        }
        Mutation::ReplaceValue(i, v) => {
            if let Some(n) = pick(&lines, i, is_pair) {
                let key = lines[n].split(" = ").next().unwrap().to_string();
                lines[n] = format!("{key} = {v}");
            }
        }
        Mutation::RenameKey(i, k) => {
            if let Some(n) = pick(&lines, i, is_pair) {
                let value = lines[n].split_once(" = ").unwrap().1.to_string();
                lines[n] = format!("{k} = {value}");
            }
        }
        Mutation::ChangeHeader(i, h) => {
            if let Some(n) = pick(&lines, i, is_header) {
                lines[n] = h.clone();
            }
        }
        Mutation::InsertBytes(i, bytes) => {
            let mut out = text.to_vec();
            let at = i.index(out.len() + 1);
            out.splice(at..at, bytes.iter().copied());
            return out;
        }
        Mutation::Truncate(i) => return text[..i.index(text.len() + 1)].to_vec(),
    }
    lines.join("\n").into_bytes()
}

#[test]
fn mutated_check_files_never_panic_and_name_file_and_field() {
    let bases = shipped();
    let dir = scratch("check-files-mutated");
    let file = dir.join("mutated.toml");
    let shown = file.display().to_string();
    let strategy = (0..bases.len(), prop::collection::vec(mutation(), 1..=3));
    let config = Config {
        cases: 2000,
        failure_persistence: None,
        ..Config::default()
    };
    proptest!(config, |((base, mutations) in strategy)| {
        let mut text = bases[base].clone().into_bytes();
        for m in &mutations {
            text = apply(&text, m);
        }
        std::fs::write(&file, &text).unwrap();
        let loaded = std::panic::catch_unwind(|| CheckFile::load(&file));
        let loaded = loaded.unwrap_or_else(|_| panic!("load panicked on {mutations:?}"));
        match loaded {
            Ok(check) => {
                prop_assert!(config::estimated_states(&check.scenario) <= MAX_ESTIMATED_STATES);
                prop_assert!(!check.name.is_empty() && !check.name.starts_with('.'));
            }
            Err(e) => assert_names_file_and_field(
                &e.to_string(),
                &shown,
                &String::from_utf8_lossy(&text),
            ),
        }
    });
}

/// An edit that makes any shipped check invalid.
#[derive(Clone, Debug)]
enum Breakage {
    UnknownKey(Index, String),
    OutOfRange(&'static str, u32),
    UnknownViolated(Index),
    BadName(String),
    NulByte(Index),
    BadHeader,
}

fn breakage() -> impl Strategy<Value = Breakage> {
    prop_oneof![
        (any::<Index>(), "zz_[a-z]{1,6}").prop_map(|(i, k)| Breakage::UnknownKey(i, k)),
        (21u32..100_000).prop_map(|n| Breakage::OutOfRange("ticks", n)),
        prop_oneof![Just(0u32), 21u32..300].prop_map(|n| Breakage::OutOfRange("token_lifetime", n)),
        // At least any shipped check's token_lifetime (at most 20 ticks), which it must stay under.
        (21u32..300).prop_map(|n| Breakage::OutOfRange("refetch_leeway", n)),
        any::<Index>().prop_map(Breakage::UnknownViolated),
        "[A-Z_/ ][a-z]{0,5}".prop_map(Breakage::BadName),
        any::<Index>().prop_map(Breakage::NulByte),
        Just(Breakage::BadHeader),
    ]
}

fn break_check(text: &str, b: &Breakage) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    match b {
        Breakage::UnknownKey(i, key) => {
            let headers: Vec<usize> = (0..lines.len())
                .filter(|&n| lines[n].starts_with('['))
                .collect();
            let after = headers[i.index(headers.len())];
            lines.insert(after + 1, format!("{key} = 1"));
        }
        Breakage::OutOfRange(key, n) => {
            match lines
                .iter()
                .position(|l| l.starts_with(&format!("{key} = ")))
            {
                Some(at) => lines[at] = format!("{key} = {n}"),
                // A knob left at its default (the optional horizon): set it.
                None => {
                    let bounds = lines.iter().position(|l| l == "[scenario.bounds]").unwrap();
                    lines.insert(bounds + 1, format!("{key} = {n}"));
                }
            }
        }
        Breakage::UnknownViolated(i) => {
            let slugs = properties::all();
            let slug = slugs[i.index(slugs.len())].slug;
            let line = lines
                .iter_mut()
                .find(|l| l.starts_with("violated = "))
                .unwrap();
            *line = format!("violated = [\"{slug}-x\"]");
        }
        Breakage::BadName(name) => lines[0] = format!("name = {name:?}"),
        Breakage::NulByte(i) => {
            let n = i.index(lines.len());
            lines[n].push('\0');
        }
        Breakage::BadHeader => {
            let line = lines
                .iter_mut()
                .find(|l| *l == "[scenario.bounds]")
                .unwrap();
            *line = "[scenario.bound]".into();
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn the_binary_answers_broken_check_files_with_exit_2_and_one_line() {
    // Shipped checks that set every knob a breakage edits (the bounds among them).
    let bases: Vec<String> = shipped()
        .into_iter()
        .filter(|text| {
            text.contains("[scenario.bounds]")
                && text.contains("token_lifetime = ")
                && text.contains("refetch_leeway = ")
        })
        .collect();
    let dir = scratch("check-files-binary");
    let file = dir.join("broken.toml");
    let out = dir.join("out");
    let config = Config {
        cases: 40,
        failure_persistence: None,
        ..Config::default()
    };
    proptest!(config, |((base, b) in (0..bases.len(), breakage()))| {
        std::fs::write(&file, break_check(&bases[base], &b)).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_convex-auth-check"))
            .arg("check")
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        prop_assert_eq!(o.status.code(), Some(2), "{:?}: {}", b, err);
        prop_assert_eq!(err.trim_end().lines().count(), 1, "{:?}: {}", b, err);
        prop_assert!(err.contains(&file.display().to_string()), "{:?}: {}", b, err);
        prop_assert!(!err.contains("panicked"), "{:?}: {}", b, err);
    });
}

/// The README's "Your own hook" example is a check file that loads and runs with
/// every verdict as it says.
#[test]
fn the_readmes_own_hook_example_runs_as_it_says() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = &readme[readme.find("## Your own hook").expect("the section")..];
    let start = section.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let text = &section[start..start + section[start..].find("```").unwrap()];
    let check = convex_auth_model::check::CheckFile::parse(text).expect("the example parses");
    assert_eq!(check.scenario.adapter.name(), "custom");
    let result = explore(&check);
    assert!(result.complete);
    let wrong: Vec<&str> = result
        .properties
        .iter()
        .filter(|p| !p.matches())
        .map(|p| p.slug)
        .collect();
    assert!(wrong.is_empty(), "{wrong:?}");
}
