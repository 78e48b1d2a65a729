//! Every short label the code uses (await points G1–G8, provider revisions R0–R7,
//! the adapter's inputs L, A, F and the provider's state C, R) is defined in
//! docs/protocol.md, so a reader of this repository alone can look it up.

use std::path::Path;

fn sources(dir: &Path, into: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// Whole-word labels such as `G3` or `R5` in `text`.
fn labels(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    for i in 0..chars.len().saturating_sub(1) {
        let starts = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        let ends = chars.get(i + 2).is_none_or(|c| !c.is_ascii_alphanumeric());
        if starts && ends && matches!(chars[i], 'G' | 'R') && chars[i + 1].is_ascii_digit() {
            found.push(format!("{}{}", chars[i], chars[i + 1]));
        }
    }
    found
}

#[test]
fn every_label_in_the_code_is_defined_in_docs_protocol_md() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("../docs/protocol.md")).unwrap();
    let mut code = Vec::new();
    sources(&root.join("src"), &mut code);
    let used: std::collections::BTreeSet<String> = code.iter().flat_map(|t| labels(t)).collect();
    assert!(used.contains("G1"), "the scan finds labels");
    for label in &used {
        assert!(
            doc.contains(&format!("| **{label}** |")),
            "{label} is used in model/src but not defined in docs/protocol.md"
        );
    }
    for letter in ["L", "A", "F", "C", "R"] {
        assert!(
            doc.contains(&format!("| **{letter}** |")),
            "{letter} is not defined in docs/protocol.md"
        );
    }
}
