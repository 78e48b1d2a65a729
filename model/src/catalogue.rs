//! The bug catalogue: the real bugs of the Convex client's auth (numbered as in the
//! project's bug notes), each with the checks that show it.
//!
//! `checks/catalogue/bugs.toml` holds one `[[bug]]` per bug: its layer, where it
//! is (affected) and where it is gone (fixed), the properties it violates, and its
//! sources. A check file joins the catalogue with a `[bug]` table:
//! `number = N` and `role = "affected"` (the bug is there: each of the bug's
//! properties is expected violated) or `role = "fix"` (the twin on the fix: each
//! is expected to hold). A bug the model cannot show says why in `not_shown`; a
//! bug with no fix to check says why in `no_fix`.
//!
//! [`table`] renders the catalogue as the Markdown table the README carries, from
//! the verdicts of the checks and the replays of their counterexamples.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::check::{CheckFile, Expected};
use crate::properties;

/// Where the catalogue lives, relative to the checks folder.
pub const FILE: &str = "catalogue/bugs.toml";

pub use crate::check::{BugRef, Role};

/// One catalogued bug.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bug {
    pub number: u8,
    pub slug: String,
    /// The code it lives in: AM, WSM, LSS, React provider, an adapter, a template.
    pub layer: String,
    /// The releases or integrations that have it.
    pub affected: String,
    /// The release or integration that fixes it ("open" when none does).
    pub fixed: String,
    /// Property slugs the bug violates.
    #[serde(default)]
    pub properties: Vec<String>,
    /// Why the model cannot show this bug (then no check names it).
    #[serde(default)]
    pub not_shown: Option<String>,
    /// Why no twin check shows it gone (no fix exists, or the fix is another bug).
    #[serde(default)]
    pub no_fix: Option<String>,
    pub sources: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    bug: Vec<Bug>,
}

/// The catalogue, in bug-number order.
#[derive(Clone, Debug)]
pub struct Catalogue {
    pub bugs: Vec<Bug>,
}

impl Catalogue {
    /// Reads `dir/catalogue/bugs.toml`; an error is one line naming the file and field.
    pub fn load(checks_dir: &Path) -> Result<Catalogue, String> {
        let path = checks_dir.join(FILE);
        let file = path.display();
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{file}: cannot read: {e}"))?;
        Catalogue::parse(&text).map_err(|e| format!("{file}: {e}"))
    }

    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let parsed: File = serde_path_to_error::deserialize(toml::Deserializer::new(text))
            .map_err(|e| format!("{}: {}", e.path(), e.inner().message().replace('\n', "; ")))?;
        let mut bugs = parsed.bug;
        let known: Vec<&str> = properties::all().iter().map(|p| p.slug).collect();
        for (i, bug) in bugs.iter().enumerate() {
            let at = format!("bug[{i}] (#{})", bug.number);
            if let Some(p) = bug.properties.iter().find(|p| !known.contains(&p.as_str())) {
                return Err(format!(
                    "{at}.properties: unknown property {p:?}; expected one of {}",
                    known.join(", ")
                ));
            }
            if bug.not_shown.is_none() && bug.properties.is_empty() {
                return Err(format!(
                    "{at}.properties: empty; name the properties the bug violates, or say in not_shown why the model cannot show it"
                ));
            }
        }
        bugs.sort_by_key(|b| b.number);
        if let Some(w) = bugs.windows(2).find(|w| w[0].number == w[1].number) {
            return Err(format!("bug: number {} appears twice", w[0].number));
        }
        Ok(Catalogue { bugs })
    }

    pub fn bug(&self, number: u8) -> Option<&Bug> {
        self.bugs.iter().find(|b| b.number == number)
    }

    /// Checks that the check files and the catalogue agree: every `[bug]` names a
    /// catalogued bug, its file is named `bug-NN-slug…`, an affected check expects
    /// each of the bug's properties violated and a fix expects each to hold; every
    /// bug the model shows has an affected check, and a fix check unless `no_fix`
    /// says why not. Errors name the file and field.
    pub fn check_against(&self, checks: &[(String, CheckFile)]) -> Result<(), String> {
        for (file, check) in checks {
            let Some(r) = check.bug else { continue };
            let Some(bug) = self.bug(r.number) else {
                return Err(format!(
                    "{file}: bug.number: {} is not in {FILE}; catalogued: {}",
                    r.number,
                    self.bugs
                        .iter()
                        .map(|b| b.number.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            let prefix = format!("bug-{:02}-{}", bug.number, bug.slug);
            if !check.name.starts_with(&prefix) {
                return Err(format!(
                    "{file}: name: a check of bug #{} is named {prefix} or {prefix}-…",
                    bug.number
                ));
            }
            if bug.not_shown.is_some() {
                return Err(format!(
                    "{file}: bug.number: #{} is catalogued as not shown by the model; remove not_shown from {FILE} or this [bug] table",
                    bug.number
                ));
            }
            let wanted = match r.role {
                Role::Affected => Expected::Violated,
                Role::Fix => Expected::Holds,
            };
            if let Some(p) = bug
                .properties
                .iter()
                .find(|p| check.expect.get(p.as_str()) != Some(&wanted))
            {
                return Err(format!(
                    "{file}: expect.{p}: a check with bug.role = \"{}\" expects \"{}\" for each of bug #{}'s properties ({})",
                    role_name(r.role),
                    wanted.name(),
                    bug.number,
                    bug.properties.join(", ")
                ));
            }
        }
        for bug in &self.bugs {
            if bug.not_shown.is_some() {
                continue;
            }
            let has = |role| {
                checks.iter().any(|(_, c)| {
                    c.bug
                        == Some(BugRef {
                            number: bug.number,
                            role,
                        })
                })
            };
            if !has(Role::Affected) {
                return Err(format!(
                    "{FILE}: bug #{} ({}) has no check with [bug] number = {} and role = \"affected\"; write one, or say in not_shown why the model cannot show it",
                    bug.number, bug.slug, bug.number
                ));
            }
            if !has(Role::Fix) && bug.no_fix.is_none() {
                return Err(format!(
                    "{FILE}: bug #{} ({}) has no twin with role = \"fix\"; write one, or say in no_fix why there is none",
                    bug.number, bug.slug
                ));
            }
        }
        Ok(())
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Affected => "affected",
        Role::Fix => "fix",
    }
}

/// What a run of one catalogue check found.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub check: String,
    pub bug: BugRef,
    /// The `convex` release the check runs on.
    pub release: String,
    /// Per property slug: the verdict's word and the depth of its witness.
    pub verdicts: BTreeMap<String, (&'static str, Option<usize>)>,
    /// For each counterexample of the bug's properties: how its replay went
    /// ("agrees", "diverges" or "not replayable: why"). None: not replayed.
    pub replays: Option<Vec<String>>,
}

/// The catalogue as a Markdown table, then the notes its cells point to.
pub fn table(catalogue: &Catalogue, outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    out.push_str(
        "| # | bug | layer | affected | fixed | property | on affected | on fix | replay |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|---|\n");
    let mut notes: Vec<String> = Vec::new();
    let mut note = |text: &str| {
        notes.push(text.to_string());
        format!("note {}", notes.len())
    };
    for bug in &catalogue.bugs {
        let tags = bug
            .properties
            .iter()
            .map(|p| tag_of(p))
            .collect::<Vec<_>>()
            .join(", ");
        let of_role = |role| {
            outcomes
                .iter()
                .filter(move |o| o.bug.number == bug.number && o.bug.role == role)
        };
        let verdicts = |role| -> String {
            of_role(role)
                .map(|o| {
                    let each = bug
                        .properties
                        .iter()
                        .map(|p| match o.verdicts.get(p) {
                            Some((word, Some(depth))) => {
                                format!("{} {word} ({depth})", tag_of(p))
                            }
                            Some((word, None)) => format!("{} {word}", tag_of(p)),
                            None => format!("{} not run", tag_of(p)),
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    format!("{each} — `{}`", o.check)
                })
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let (on_affected, on_fix, replay) = if let Some(why) = &bug.not_shown {
            let n = note(why);
            (format!("not shown ({n})"), "—".to_string(), "—".to_string())
        } else {
            let on_fix = match &bug.no_fix {
                Some(why) if of_role(Role::Fix).next().is_none() => {
                    format!("no twin ({})", note(why))
                }
                Some(why) => format!("{} ({})", verdicts(Role::Fix), note(why)),
                None => verdicts(Role::Fix),
            };
            let replay = of_role(Role::Affected)
                .map(replay_cell)
                .collect::<Vec<_>>()
                .join("<br>");
            (verdicts(Role::Affected), on_fix, replay)
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {on_affected} | {on_fix} | {replay} |",
            bug.number,
            bug.slug,
            bug.layer,
            bug.affected,
            bug.fixed,
            if tags.is_empty() { "—".into() } else { tags },
        );
    }
    if !notes.is_empty() {
        out.push('\n');
        for (i, text) in notes.iter().enumerate() {
            let _ = writeln!(
                out,
                "{}. {}",
                i + 1,
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }
    }
    out
}

fn tag_of(slug: &str) -> &'static str {
    properties::all()
        .iter()
        .find(|p| p.slug == slug)
        .map_or("?", |p| p.tag)
}

/// "2 of 2 agree on convex 1.20.0", and why any is not replayable.
fn replay_cell(o: &Outcome) -> String {
    let Some(replays) = &o.replays else {
        return "not run".into();
    };
    if replays.is_empty() {
        return "no counterexample".into();
    }
    let not_replayable: Vec<&String> = replays
        .iter()
        .filter(|r| r.starts_with("not replayable"))
        .collect();
    let compared = replays.len() - not_replayable.len();
    let agree = replays.iter().filter(|r| *r == "agrees").count();
    let mut parts = Vec::new();
    if compared > 0 {
        parts.push(format!(
            "{agree} of {compared} agree on convex {}",
            o.release
        ));
    }
    let mut reasons = not_replayable;
    reasons.dedup();
    for r in reasons {
        parts.push(format!("{r} (convex {})", o.release));
    }
    parts.join("; ")
}
