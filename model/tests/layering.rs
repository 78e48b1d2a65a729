//! The model crate's layering, read from its sources: the top-level modules depend
//! on each other without a cycle, and the library starts no processes (running
//! the Node harness is the CLI's business).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`actors` for actors/browser/x.rs).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// A file's code before its test module (`#[cfg(test)]`), which may do anything.
fn code_before_tests(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or(text)
}

/// Module → the modules its non-test code names as `crate::<module>`.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let from = module_of(&src, &file);
        if from == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = code_before_tests(&text);
        let deps = graph.entry(from.clone()).or_default();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `use crate::{a, b}` names several.
            if name.is_empty() && rest.starts_with('{') {
                let inner = &rest[1..rest.find('}').unwrap_or(rest.len())];
                for part in inner.split(',') {
                    let m = part.trim().split("::").next().unwrap_or("").trim();
                    if !m.is_empty() && m != from {
                        deps.insert(m.to_string());
                    }
                }
            } else if !name.is_empty() && name != from {
                deps.insert(name);
            }
        }
    }
    graph
}

/// A cycle through `at`, if any (depth-first search).
fn cycle(
    graph: &BTreeMap<String, BTreeSet<String>>,
    at: &str,
    stack: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(pos) = stack.iter().position(|m| m == at) {
        let mut c = stack[pos..].to_vec();
        c.push(at.to_string());
        return Some(c);
    }
    if done.contains(at) {
        return None;
    }
    stack.push(at.to_string());
    for next in graph.get(at).into_iter().flatten() {
        if let Some(c) = cycle(graph, next, stack, done) {
            return Some(c);
        }
    }
    stack.pop();
    done.insert(at.to_string());
    None
}

#[test]
fn the_modules_depend_on_each_other_without_a_cycle() {
    let graph = dependencies();
    assert!(graph.contains_key("model") && graph.contains_key("properties"));
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(c) = cycle(&graph, module, &mut Vec::new(), &mut done) {
            panic!("module cycle: {}\n{graph:#?}", c.join(" → "));
        }
    }
    // The engine knows nothing about Convex.
    assert!(
        graph["engine"].is_empty(),
        "engine depends on {:?}",
        graph["engine"]
    );
}

#[test]
fn the_library_starts_no_processes() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let code = code_before_tests(&text);
        assert!(
            !code.contains("std::process") && !code.contains("Command::new"),
            "{} starts processes",
            file.display()
        );
    }
}
