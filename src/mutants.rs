//! `mutants`: the mutation score of the model. Every seeded fault of
//! `convex_auth_model::mutants` is activated in turn; every check file runs
//! in-process (and with `--tests`, the model crate's tests run under `cargo test`
//! with `CONVEX_AUTH_MUTANT` set), and the checks and tests that notice the fault
//! "kill" it.
//!
//! A check kills a mutant when one of its verdicts no longer is what the check file
//! expects. A mutant that only changes a check's number of unique states is reported
//! as "changes states of", which is not a kill; the same goes for the test that pins
//! state counts.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::Args;
use serde::Serialize;

use convex_auth_model::check::{self, CheckFile};
use convex_auth_model::engine::{LimitHit, Limits, Verdict};
use convex_auth_model::mutants::{self, Mutant};

#[derive(Args)]
pub struct MutantsArgs {
    /// Also run the model crate's unit tests and its `checks` integration tests
    /// (`cargo test -p convex-auth-model`) once unmutated and once per mutant.
    #[arg(long)]
    tests: bool,
    /// Print exactly one JSON document on stdout instead of the table.
    #[arg(long)]
    json: bool,
    /// Only this mutant (its slug); may be given more than once.
    #[arg(long, value_name = "SLUG")]
    only: Vec<String>,
    /// Folder of the check files.
    #[arg(long, value_name = "DIR", default_value = "checks")]
    checks: PathBuf,
    /// Under a mutant, stop each check at this many times the unique states it
    /// has unmutated (at least 100,000): a mutant that makes a state space explode
    /// ends that check "inconclusive" instead of running for hours. Violations
    /// found before the cap still count.
    #[arg(long, value_name = "FACTOR", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    state_cap_factor: u32,
    /// Limits of every check run, unmutated and under each mutant (the state cap
    /// above applies too, whichever is lower).
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
}

/// The least state cap of a check under a mutant.
const MIN_STATE_CAP: usize = 100_000;

/// The test that pins state counts: its failure means "changes states", not a kill.
const STATE_COUNT_TESTS: [&str; 1] = ["checks: pinned_state_counts"];

/// A `cargo test` run that has not finished after this long is stopped; the mutant
/// then counts as killed by a hang.
const TEST_TIMEOUT: Duration = Duration::from_secs(900);

/// The test suites run per mutant: a label and the `cargo test` selector.
const TEST_SUITES: [(&str, &str); 2] = [("lib", "--lib"), ("checks", "--test=checks")];

/// One check's outcome under one mutant (or none).
#[derive(Serialize)]
struct CheckOutcome {
    check: String,
    unique_states: usize,
    /// Properties whose verdict is not what the check file expects, as
    /// `slug: expected → got` (inconclusive ones excepted).
    wrong: Vec<String>,
    /// The state cap that stopped the check, if one did: its undecided
    /// verdicts are inconclusive, and say nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    capped_at: Option<usize>,
    /// The limit that stopped the check, if one did (`--max-states 100000`).
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_by: Option<String>,
}

#[derive(Serialize)]
struct MutantOutcome {
    slug: &'static str,
    description: &'static str,
    killed: bool,
    /// Checks with a verdict that differs from the expectation, and which.
    killed_by_checks: Vec<CheckOutcome>,
    /// Failing tests as `suite: name` (state-count tests excluded); None without
    /// `--tests`.
    killed_by_tests: Option<Vec<String>>,
    /// Checks whose unique state count differs from the unmutated model's, and
    /// failing state-count tests.
    changes_states_of: Vec<String>,
    /// Checks the state cap stopped (`--state-cap-factor`): inconclusive.
    inconclusive_checks: Vec<String>,
}

#[derive(Serialize)]
struct Score {
    killed: usize,
    total: usize,
    percent: f64,
    killed_by_checks: usize,
    /// None without `--tests`.
    killed_by_tests: Option<usize>,
}

pub fn run(args: MutantsArgs) -> ExitCode {
    let selected = match select(&args.only) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let checks = match load_checks(&args.checks) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let limits = match args.limits.resolve() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };

    eprintln!("unmutated model …");
    mutants::activate(None);
    let baseline = run_checks(&checks, &vec![None; checks.len()], limits);
    for c in baseline.iter().filter(|c| c.stopped_by.is_some()) {
        eprintln!(
            "{}: unmutated, inconclusive after {} states (limit: {}); its verdicts under mutants say less",
            c.check,
            c.unique_states,
            c.stopped_by.as_deref().unwrap_or_default()
        );
    }
    let broken: Vec<&CheckOutcome> = baseline.iter().filter(|c| !c.wrong.is_empty()).collect();
    if !broken.is_empty() {
        for c in broken {
            eprintln!("error: unmutated, {}: {}", c.check, c.wrong.join("; "));
        }
        eprintln!(
            "error: the unmutated model must meet every expectation before mutants can be judged"
        );
        return ExitCode::from(1);
    }
    if args.tests {
        match run_tests(None) {
            Ok(failed) if failed.is_empty() => {}
            Ok(failed) => {
                eprintln!(
                    "error: the unmutated model fails tests: {}",
                    failed.join(", ")
                );
                return ExitCode::from(1);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        }
    }

    let mut outcomes = Vec::new();
    for (i, &m) in selected.iter().enumerate() {
        eprintln!("mutant {}/{}: {} …", i + 1, selected.len(), m.slug());
        mutants::activate(Some(m));
        let caps: Vec<Option<usize>> = baseline
            .iter()
            .map(|b| {
                Some(
                    b.unique_states
                        .saturating_mul(args.state_cap_factor as usize)
                        .max(MIN_STATE_CAP),
                )
            })
            .collect();
        let results = run_checks(&checks, &caps, limits);
        mutants::activate(None);
        let inconclusive_checks: Vec<String> = results
            .iter()
            .filter_map(|r| match (r.capped_at, &r.stopped_by) {
                (Some(cap), _) => Some(format!("{} (stopped at {cap} states)", r.check)),
                (None, Some(limit)) => Some(format!("{} (stopped by {limit})", r.check)),
                (None, None) => None,
            })
            .collect();
        let mut changes_states_of: Vec<String> = results
            .iter()
            .zip(&baseline)
            .filter(|(r, b)| {
                r.stopped_by.is_none()
                    && b.stopped_by.is_none()
                    && r.unique_states != b.unique_states
            })
            .map(|(r, b)| format!("{} ({} → {})", r.check, b.unique_states, r.unique_states))
            .collect();
        let killed_by_checks: Vec<CheckOutcome> = results
            .into_iter()
            .filter(|r| !r.wrong.is_empty())
            .collect();
        let killed_by_tests = if args.tests {
            let failed = match run_tests(Some(m)) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(1);
                }
            };
            let (state_counts, killers): (Vec<String>, Vec<String>) = failed
                .into_iter()
                .partition(|t| STATE_COUNT_TESTS.contains(&t.as_str()));
            changes_states_of.extend(state_counts);
            Some(killers)
        } else {
            None
        };
        let killed =
            !killed_by_checks.is_empty() || killed_by_tests.as_ref().is_some_and(|t| !t.is_empty());
        outcomes.push(MutantOutcome {
            slug: m.slug(),
            description: m.description(),
            killed,
            killed_by_checks,
            killed_by_tests,
            changes_states_of,
            inconclusive_checks,
        });
    }

    let score = score(&outcomes, args.tests);
    if args.json {
        let doc = serde_json::json!({
            "baseline": baseline
                .iter()
                .map(|c| serde_json::json!({"check": c.check, "unique_states": c.unique_states}))
                .collect::<Vec<_>>(),
            "tests_run": args.tests,
            "mutants": outcomes,
            "score": score,
        });
        println!("{doc:#}");
    } else {
        print_table(&outcomes, &score);
    }
    ExitCode::SUCCESS
}

/// The mutants named by `--only`, or all of them.
fn select(only: &[String]) -> Result<Vec<Mutant>, String> {
    if only.is_empty() {
        return Ok(Mutant::ALL.to_vec());
    }
    only.iter()
        .map(|slug| {
            Mutant::by_slug(slug).ok_or_else(|| {
                format!(
                    "--only {slug:?} names no mutant; valid: {}",
                    Mutant::slugs()
                )
            })
        })
        .collect()
}

fn load_checks(dir: &Path) -> Result<Vec<CheckFile>, String> {
    if !dir.is_dir() {
        return Err(format!(
            "no check folder {} (run from the repository root or give --checks DIR)",
            dir.display()
        ));
    }
    let files = crate::check_files_in(dir)?;
    files.iter().map(|f| crate::load_one(f)).collect()
}

/// Runs every check in-process under the active mutant, each stopped at its
/// state cap (None: no cap) or at `limits`.
fn run_checks(checks: &[CheckFile], caps: &[Option<usize>], limits: Limits) -> Vec<CheckOutcome> {
    checks
        .iter()
        .zip(caps)
        .map(|(c, &cap)| {
            let max_states = match (cap, limits.max_states) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let limits = Limits {
                max_states,
                ..limits
            };
            let result = check::run(c, limits);
            let wrong = result
                .properties
                .iter()
                .filter(|p| !p.matches() && p.verdict != Verdict::Inconclusive)
                .map(|p| format!("{}: {} → {}", p.slug, p.expected.name(), p.verdict.name()))
                .collect();
            CheckOutcome {
                check: c.name.clone(),
                unique_states: result.unique_states,
                wrong,
                capped_at: match result.stopped_by {
                    Some(LimitHit::States(n)) if Some(n) == cap => cap,
                    _ => None,
                },
                stopped_by: result.stopped_by.map(|l| l.to_string()),
            }
        })
        .collect()
}

/// Runs the model crate's test suites with `CONVEX_AUTH_MUTANT` set to `m` (unset
/// for None); returns the failing tests as `suite: name`.
fn run_tests(m: Option<Mutant>) -> Result<Vec<String>, String> {
    let mut failed = Vec::new();
    for (suite, selector) in TEST_SUITES {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let mut cmd = Command::new(cargo);
        cmd.args(["test", "-p", "convex-auth-model", selector])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match m {
            Some(m) => cmd.env(mutants::ENV_VAR, m.slug()),
            None => cmd.env_remove(mutants::ENV_VAR),
        };
        let (status, stdout, stderr) = run_with_timeout(cmd, TEST_TIMEOUT)
            .map_err(|e| format!("cannot run cargo test: {e}"))?;
        let Some(status) = status else {
            failed.push(format!(
                "{suite}: (timed out after {} s)",
                TEST_TIMEOUT.as_secs()
            ));
            continue;
        };
        let names = failed_tests(&stdout);
        if !status.success() && names.is_empty() {
            // Not a test failure: the build or the harness itself failed.
            let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(format!(
                "cargo test {selector} failed without a failing test:\n{}",
                tail.join("\n")
            ));
        }
        failed.extend(names.into_iter().map(|n| format!("{suite}: {n}")));
    }
    Ok(failed)
}

/// The names of the lines `test NAME ... FAILED` of libtest's output.
fn failed_tests(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test ")?.strip_suffix(" ... FAILED"))
        .map(str::to_string)
        .collect()
}

/// Runs `cmd`, collecting stdout and stderr; the status is None when it was killed
/// after `timeout`.
fn run_with_timeout(
    mut cmd: Command,
    timeout: Duration,
) -> std::io::Result<(Option<std::process::ExitStatus>, String, String)> {
    let mut child = cmd.spawn()?;
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if started.elapsed() > timeout {
            child.kill()?;
            child.wait()?;
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Ok((status, stdout, stderr))
}

fn score(outcomes: &[MutantOutcome], tests: bool) -> Score {
    let total = outcomes.len();
    let killed = outcomes.iter().filter(|o| o.killed).count();
    let killed_by_checks = outcomes
        .iter()
        .filter(|o| !o.killed_by_checks.is_empty())
        .count();
    let killed_by_tests = tests.then(|| {
        outcomes
            .iter()
            .filter(|o| o.killed_by_tests.as_ref().is_some_and(|t| !t.is_empty()))
            .count()
    });
    let percent = if total == 0 {
        0.0
    } else {
        (1000.0 * killed as f64 / total as f64).round() / 10.0
    };
    Score {
        killed,
        total,
        percent,
        killed_by_checks,
        killed_by_tests,
    }
}

fn print_table(outcomes: &[MutantOutcome], score: &Score) {
    let width = outcomes
        .iter()
        .map(|o| o.slug.len())
        .max()
        .unwrap_or(6)
        .max(6);
    println!("{:<width$}  KILLED BY", "MUTANT");
    for o in outcomes {
        let mut killers: Vec<String> = o
            .killed_by_checks
            .iter()
            .map(|c| {
                let props: Vec<&str> = c
                    .wrong
                    .iter()
                    .map(|w| w.split(':').next().unwrap_or(w))
                    .collect();
                format!("{} ({})", c.check, props.join(", "))
            })
            .collect();
        if let Some(tests) = &o.killed_by_tests {
            killers.extend(tests.iter().map(|t| format!("test {t}")));
        }
        let verdict = if o.killed {
            killers.join("; ")
        } else {
            "SURVIVED".to_string()
        };
        println!("{:<width$}  {verdict}", o.slug);
        println!("{:<width$}    {}", "", o.description);
        if !o.changes_states_of.is_empty() {
            println!(
                "{:<width$}    changes states of: {}",
                "",
                o.changes_states_of.join(", ")
            );
        }
        if !o.inconclusive_checks.is_empty() {
            println!(
                "{:<width$}    inconclusive (state cap): {}",
                "",
                o.inconclusive_checks.join(", ")
            );
        }
    }
    println!();
    let tests = match score.killed_by_tests {
        Some(n) => format!("{n} of {}", score.total),
        None => "not run (--tests)".to_string(),
    };
    println!(
        "killed by the checks: {} of {} · by the tests: {tests}",
        score.killed_by_checks, score.total
    );
    println!(
        "mutation score: {} of {} killed ({} %)",
        score.killed, score.total, score.percent
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_test_lines_are_parsed() {
        let out = "running 3 tests\ntest a::b ... ok\ntest a::c ... FAILED\ntest d ... FAILED\n";
        assert_eq!(failed_tests(out), vec!["a::c", "d"]);
    }

    #[test]
    fn an_unknown_slug_names_the_valid_ones() {
        let e = select(&["nope".to_string()]).unwrap_err();
        assert!(e.contains("refetch-no-try-restart"), "{e}");
    }
}
