//! The recommended hooks as files (fixes/): they type-check with `tsc` against
//! the real packages they are written for (fixes/package.json pins them). The
//! test run installs those packages itself (`npm ci --prefix fixes`) when they are
//! missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Once;

fn fixes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixes")
}

static INSTALL: Once = Once::new();

/// `npm ci --prefix fixes` unless TypeScript is already installed there.
fn ensure_installed() {
    INSTALL.call_once(|| {
        if fixes().join("node_modules/typescript/bin/tsc").exists() {
            return;
        }
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(fixes())
            .status()
            .expect("npm is needed to install the packages the fixes are checked against");
        assert!(status.success(), "npm ci --prefix fixes failed");
    });
}

/// `tsc -p <project>` with the fixes' TypeScript.
fn tsc(project: &Path) -> Output {
    ensure_installed();
    Command::new("node")
        .arg(fixes().join("node_modules/typescript/bin/tsc"))
        .arg("-p")
        .arg(project)
        .output()
        .expect("node runs tsc")
}

#[test]
fn every_fix_type_checks_against_its_real_packages() {
    let o = tsc(&fixes());
    assert!(
        o.status.success(),
        "tsc -p fixes:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The type-check can fail: a hook that passes authkit-js's getAccessToken an
/// option it does not have is refused.
#[test]
fn a_hook_that_misuses_the_sdk_does_not_type_check() {
    let dir = fixes().join("typecheck-probe");
    std::fs::create_dir_all(dir.join("workos")).unwrap();
    let hook =
        std::fs::read_to_string(fixes().join("workos/ConvexProviderWithAuthKit.tsx")).unwrap();
    let broken = hook.replace("{ forceRefresh: true }", "{ forceRefresh: \"yes\" }");
    assert_ne!(hook, broken, "the probe edits the hook's forced refresh");
    std::fs::write(dir.join("workos/ConvexProviderWithAuthKit.tsx"), broken).unwrap();
    std::fs::write(
        dir.join("tsconfig.json"),
        r#"{ "extends": "../tsconfig.json", "include": ["*/**/*.tsx"], "exclude": [] }"#,
    )
    .unwrap();
    let o = tsc(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "the broken hook type-checked");
    assert!(out.contains("forceRefresh"), "{out}");
}
