//! No project text points at a file the repository lacks: every relative link of
//! a Markdown file, and every path into the repository's own folders named in
//! prose, code comments, check files or the harness, names a file or folder that
//! exists.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The project's own text files: Markdown, Rust, TOML, the harness's JavaScript,
/// the recommended hooks and the scripts (not installed packages, build output
/// or test fixtures that stand for a user's files).
fn project_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            // tests/ names missing files on purpose (bad input).
            if !matches!(name.as_str(), "target" | "node_modules" | ".git" | "tests") {
                project_files(&path, into);
            }
        } else if ["md", "rs", "toml", "mjs", "tsx", "sh"]
            .iter()
            .any(|e| name.ends_with(&format!(".{e}")))
        {
            into.push(path);
        }
    }
}

/// The folders a path into this repository starts with. `reference/` is listed
/// because the repository has no such folder: a path into it points outside.
const ROOTS: [&str; 9] = [
    "checks/",
    "docs/",
    "model/",
    "src/",
    "tests/",
    "conformance/",
    "fixes/",
    "scripts/",
    "reference/",
];

/// The paths into the repository that `text` names: a root folder at the start of
/// a word (not inside a URL or another path), up to the first character that
/// cannot be part of a path. Patterns (`<check>`, `*`, `{a,b}`) are not paths.
fn named_paths(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for root in ROOTS {
        for (i, _) in text.match_indices(root) {
            let before = text[..i].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || "/._-@:".contains(c)) {
                continue;
            }
            let path: String = text[i..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || "/._-<>*{}".contains(*c))
                .collect();
            let path = path.trim_end_matches(['.', ',']).to_string();
            if path.contains(['<', '>', '*', '{', '}']) || path == root {
                continue;
            }
            // `src/…` other than Rust is an upstream package's file (convex-js,
            // an SDK), cited as its source.
            if root == "src/" && !path.ends_with(".rs") {
                continue;
            }
            found.push(path);
        }
    }
    found
}

/// The relative targets of Markdown links in `text` (`[text](target)`), without
/// their `#anchor`.
fn markdown_links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, _) in text.match_indices("](") {
        let rest = &text[i + 2..];
        let Some(end) = rest.find(')') else { continue };
        let target = rest[..end].split('#').next().unwrap_or("").trim();
        if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        found.push(target.to_string());
    }
    found
}

#[test]
fn no_project_text_points_at_a_missing_file() {
    let root = repo();
    let mut files = Vec::new();
    project_files(&root, &mut files);
    assert!(files.len() > 50, "found only {} files", files.len());
    let mut missing = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let here = file.parent().unwrap();
        let rel = file.strip_prefix(&root).unwrap().display().to_string();
        // Notes on other projects' sources name those projects' files (an npm
        // package's `src/…`), not this repository's.
        let about_other_sources = rel.starts_with("docs/sources/");
        for path in named_paths(&text) {
            if about_other_sources && !path.starts_with("reference/") {
                continue;
            }
            // The model crate's own comments name its files from its folder.
            let exists = [root.join(&path), root.join("model").join(&path)]
                .iter()
                .any(|p| p.exists());
            if !exists {
                missing.push(format!("{rel}: {path}"));
            }
        }
        if rel.ends_with(".md") {
            for target in markdown_links(&text) {
                if !here.join(&target).exists() && !root.join(&target).exists() {
                    missing.push(format!("{rel}: link to {target}"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "paths to files the repository lacks:\n{}",
        missing.join("\n")
    );
}

/// The checker above finds what it looks for (so a pass means something).
#[test]
fn the_path_finder_finds_paths_and_skips_urls_and_patterns() {
    let text = "see `reference/bugs.md`, checks/happy-path.toml and \
        https://react.dev/reference/react/StrictMode, target/counterexamples/<check>/x, \
        model/src/check.rs. and ../shared/reference/x.md, src/react/client.tsx";
    assert_eq!(
        named_paths(text),
        vec![
            "checks/happy-path.toml",
            "model/src/check.rs",
            "reference/bugs.md"
        ]
    );
    assert_eq!(
        markdown_links("[a](docs/x.md#top) [b](https://x.y/z) [c](#here)"),
        vec!["docs/x.md"]
    );
}
