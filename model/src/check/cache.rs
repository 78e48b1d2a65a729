//! Explorations shared by every test of one test run.
//!
//! The test suite asks for the verdicts of the same worlds many times: each check
//! file's own test, the replay of every counterexample, the Explorer's comparison,
//! the catalogue and the README's tables. Exploring a world is deterministic (the
//! same counts, verdicts and paths on every run, and whatever the number of
//! threads), so the suite explores each world once and shares the result.
//!
//! Off unless a process turns it on with [`enable`] (the tests do, and so does the
//! CLI when `CONVEX_AUTH_CHECK_CACHE` names a folder). Then a native exploration
//! of a scenario is looked up by a key made of
//! - the fingerprint of the model's own source (`build.rs`: every file of
//!   `model/src`, the crate manifest and the lockfile), so a changed model never
//!   reads another model's results;
//! - the scenario, as JSON.
//!
//! Only complete explorations are stored, and one is reused only for a run whose
//! limits cannot cut it short: no time limit, no memory cap below
//! [`SMALLEST_CAP_REUSED`], and no state limit below its count of states. Within a
//! process results are kept in memory (concurrent askers of one world wait for
//! one exploration); across processes, as one JSON file per world in the folder,
//! written to a temporary file and renamed, so a reader never sees half a file.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use super::{CheckFile, CheckResult, PropertyResult};
use crate::config::Scenario;
use crate::engine::{IndexPath, Limits, Verdict};
use crate::properties;

/// The environment variable with which the CLI turns the cache on.
pub const ENV_VAR: &str = "CONVEX_AUTH_CHECK_CACHE";

/// A memory cap at least this large (1 GiB) is taken not to cut short a world
/// whose exploration completed: the largest shipped check peaks near 300 MB.
pub const SMALLEST_CAP_REUSED: u64 = 1 << 30;

const SOURCE_DIGEST: &str = env!("CONVEX_AUTH_MODEL_SOURCE_DIGEST");

/// The folder of this process's cache, once turned on.
static FOLDER: OnceLock<PathBuf> = OnceLock::new();

type Slot = Arc<OnceLock<Stored>>;

/// This process's results, by key.
static MEMORY: OnceLock<Mutex<HashMap<String, Slot>>> = OnceLock::new();

/// Turns the cache on for this process, stored in `folder` (created if missing).
/// The first folder given is kept; later calls change nothing.
pub fn enable(folder: impl Into<PathBuf>) {
    let _ = FOLDER.set(folder.into());
}

/// Whether [`enable`] was called in this process.
pub fn enabled() -> bool {
    FOLDER.get().is_some()
}

/// The result of exploring `check`'s scenario under `limits`: the shared one where
/// the cache may be used, otherwise (or the first time) what `explore` returns.
pub(crate) fn explore_shared(
    check: &CheckFile,
    limits: Limits,
    explore: impl FnOnce() -> CheckResult,
) -> CheckResult {
    let Some(folder) = FOLDER.get() else {
        return explore();
    };
    let state_limit = limits.max_states;
    if !reusable_under(Limits {
        max_states: None,
        ..limits
    }) {
        return explore();
    }
    let key = key_of(&check.scenario);
    let slot = {
        let memory = MEMORY.get_or_init(Default::default);
        let mut map = memory.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(map.entry(key.clone()).or_default())
    };
    // Under a state limit, a stored exploration that completed within it is
    // what the limited run would find (exploring is deterministic); any other
    // run explores, and is stored when it completes.
    if let Some(limit) = state_limit {
        let file = folder.join(format!("{key}.json"));
        let stored = slot.get().cloned().or_else(|| read(&file));
        if let Some(stored) = stored.filter(|s| s.unique_states <= limit) {
            return stored.to_result(check);
        }
        let result = explore();
        if result.complete {
            let stored = Stored::of(&result);
            write(&file, &stored);
            let _ = slot.set(stored);
        }
        return result;
    }
    let mut fresh = None;
    let stored = slot.get_or_init(|| {
        let file = folder.join(format!("{key}.json"));
        if let Some(stored) = read(&file) {
            return stored;
        }
        let result = explore();
        let stored = Stored::of(&result);
        if result.complete {
            write(&file, &stored);
        }
        fresh = Some(result);
        stored
    });
    match fresh {
        Some(result) => result,
        None => stored.to_result(check),
    }
}

/// Whether no limit in `limits` could stop an exploration that completed.
fn reusable_under(limits: Limits) -> bool {
    limits.max_states.is_none()
        && limits.max_duration.is_none()
        && limits
            .max_memory
            .is_none_or(|cap| cap >= SMALLEST_CAP_REUSED)
}

/// The model's source fingerprint and a hash of the scenario.
fn key_of(scenario: &Scenario) -> String {
    let json = serde_json::to_string(scenario).expect("a scenario serializes");
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    json.hash(&mut hasher);
    format!("{SOURCE_DIGEST}-{:016x}", hasher.finish())
}

fn read(file: &Path) -> Option<Stored> {
    let text = std::fs::read_to_string(file).ok()?;
    serde_json::from_str(&text).ok()
}

/// Writes `stored` to `file` through a temporary file renamed over it. A failure
/// only means the next process explores the world again.
fn write(file: &Path, stored: &Stored) {
    let Some(folder) = file.parent() else { return };
    if std::fs::create_dir_all(folder).is_err() {
        return;
    }
    // Unique among this process's writers, and (by the time) among processes'.
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let temporary = folder.join(format!(
        ".{}.{nanos}-{}.tmp",
        file.file_name().unwrap_or_default().to_string_lossy(),
        WRITES.fetch_add(1, Ordering::Relaxed)
    ));
    let Ok(text) = serde_json::to_string(stored) else {
        return;
    };
    if std::fs::write(&temporary, text).is_ok() && std::fs::rename(&temporary, file).is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
}

/// A complete native exploration, as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Stored {
    unique_states: usize,
    total_states: usize,
    max_depth: usize,
    seconds: f64,
    properties: Vec<StoredProperty>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct StoredProperty {
    slug: String,
    verdict: String,
    depth: Option<usize>,
    loop_start: Option<usize>,
    /// [`IndexPath::encode`].
    path: Option<String>,
    doomed: Vec<u64>,
}

impl Stored {
    fn of(result: &CheckResult) -> Stored {
        Stored {
            unique_states: result.unique_states,
            total_states: result.total_states,
            max_depth: result.max_depth,
            seconds: result.seconds,
            properties: result
                .properties
                .iter()
                .map(|p| StoredProperty {
                    slug: p.slug.to_string(),
                    verdict: p.verdict.name().to_string(),
                    depth: p.depth,
                    loop_start: p.loop_start,
                    path: p.path.as_ref().map(IndexPath::encode),
                    doomed: p.doomed.clone(),
                })
                .collect(),
        }
    }

    /// The result as [`super::run_model`] builds it, with `check`'s
    /// expectations.
    fn to_result(&self, check: &CheckFile) -> CheckResult {
        let properties = self
            .properties
            .iter()
            .map(|p| {
                let def = properties::by_slug(&p.slug).expect("stored under this model's source");
                PropertyResult {
                    slug: def.slug,
                    tag: def.tag,
                    name: def.name,
                    expected: check.expect[def.slug],
                    verdict: match p.verdict.as_str() {
                        "holds" => Verdict::Holds,
                        "violated" => Verdict::Violated,
                        _ => Verdict::Inconclusive,
                    },
                    method: def.kind.method(),
                    depth: p.depth,
                    loop_start: p.loop_start,
                    path: p.path.as_deref().and_then(IndexPath::decode),
                    doomed: p.doomed.clone(),
                }
            })
            .collect();
        CheckResult {
            unique_states: self.unique_states,
            total_states: self.total_states,
            max_depth: self.max_depth,
            seconds: self.seconds,
            complete: true,
            stopped_by: None,
            properties,
        }
    }
}

/// [`super::run`] with the cache on in `folder`: what the tests call,
/// each test binary with its build's shared folder (`CARGO_TARGET_TMPDIR`).
pub fn run_shared(folder: &Path, check: &CheckFile) -> CheckResult {
    enable(folder.join("explorations"));
    super::run(check, Limits::default())
}
