//! Learning what a user's own hook does from its real code (`convex-auth-check
//! hook`): the candidate descriptions, the worlds that tell them apart, and the
//! recommended hook each is compared with.
//!
//! A description is a [`CustomAdapter`]: the facts a check file's
//! `[scenario.custom_adapter]` table gives. The facts fall into groups, each
//! seen in one small world the harness can play through the real SDK:
//!
//! | group | facts | world |
//! |---|---|---|
//! | force | `force` | the token expires; the server's clock runs ahead, so it rejects tokens early and Convex asks for a forced one |
//! | outputs | `loading_while_refreshing`, `authenticated_needs_token` | as force |
//! | fetcher | `fetcher_follows_sdk_load`, `fetcher_follows_token` | as force |
//! | transient errors | `transient_error`, `retry_attempts`, `retry_waits` | up to five refreshes fail on a network error, a walk failing each with odds of 85 % |
//! | ended session | `login_required`, `retries_no_token_while_signed_in` | the session ends at the IdP |
//!
//! A candidate survives a world when every walk drawn from its model there
//! replays on the hook with the same steps and observations (the comparison
//! of `trace::replay`). The learner (in the CLI, which holds the Node driver)
//! starts from the SDK's template hook and settles the groups in order, each
//! with the facts settled before it: the first world has no failure, so the
//! error handling cannot matter there.
//!
//! Two facts are not learned: `fetcher_follows_user` and
//! `fetcher_follows_session` need a sign-out, a sign-in or an account switch,
//! which the harness cannot play through the real SDKs. They keep the
//! template's value and the report says so.

use crate::adapters::{CustomAdapter, CustomError, CustomForce, CustomSdk};
use crate::check::CheckFile;

/// A group of facts learned together, and the world that shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Force,
    Outputs,
    Fetcher,
    TransientErrors,
    EndedSession,
}

impl Group {
    pub const ALL: [Group; 5] = [
        Group::Force,
        Group::Outputs,
        Group::Fetcher,
        Group::TransientErrors,
        Group::EndedSession,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Group::Force => "force handling",
            Group::Outputs => "isLoading and isAuthenticated",
            Group::Fetcher => "what fetchAccessToken's identity follows",
            Group::TransientErrors => "transient errors (retries and their waits)",
            Group::EndedSession => "an ended session",
        }
    }

    /// The worlds whose walks test this group's alternatives.
    pub fn worlds(self) -> &'static [World] {
        match self {
            Group::Force | Group::Outputs | Group::Fetcher => {
                &[World::Expiry, World::EarlyRejection]
            }
            Group::TransientErrors => &[World::RefreshFailures],
            Group::EndedSession => &[World::SessionEnded],
        }
    }

    /// Every description that differs from `current` in this group's facts
    /// only, `current` first.
    pub fn alternatives(self, current: &CustomAdapter) -> Vec<CustomAdapter> {
        let c = *current;
        let mut out = vec![c];
        let mut add = |a: CustomAdapter| {
            if a.check().is_ok() && !out.contains(&a) {
                out.push(a);
            }
        };
        match self {
            Group::Force => {
                for force in [CustomForce::Refreshes, CustomForce::Ignored] {
                    add(CustomAdapter { force, ..c });
                }
            }
            Group::Outputs => {
                for (loading_while_refreshing, authenticated_needs_token) in
                    [(false, false), (false, true), (true, false), (true, true)]
                {
                    add(CustomAdapter {
                        loading_while_refreshing,
                        authenticated_needs_token,
                        ..c
                    });
                }
            }
            Group::Fetcher => {
                for (fetcher_follows_sdk_load, fetcher_follows_token) in
                    [(true, false), (false, false), (true, true), (false, true)]
                {
                    add(CustomAdapter {
                        fetcher_follows_sdk_load,
                        fetcher_follows_token,
                        ..c
                    });
                }
            }
            Group::TransientErrors => {
                let plain = CustomAdapter {
                    retry_attempts: 3,
                    retry_waits: false,
                    ..c
                };
                for transient_error in [
                    CustomError::Null,
                    CustomError::Rethrow,
                    CustomError::StaleToken,
                ] {
                    add(CustomAdapter {
                        transient_error,
                        ..plain
                    });
                }
                for retry_attempts in 1..=MAX_LEARNED_ATTEMPTS {
                    for retry_waits in [true, false] {
                        add(CustomAdapter {
                            transient_error: CustomError::Retry,
                            retry_attempts,
                            retry_waits,
                            ..c
                        });
                    }
                }
                for retry_attempts in 1..=MAX_LEARNED_ATTEMPTS {
                    add(CustomAdapter {
                        transient_error: CustomError::Backoff,
                        retry_attempts,
                        retry_waits: true,
                        ..c
                    });
                }
                // Last: the hook's own last token is chosen only where no
                // retry explains the walks (a retry over a cache that still
                // holds that token looks the same).
                add(CustomAdapter {
                    transient_error: CustomError::LastReturned,
                    ..plain
                });
            }
            Group::EndedSession => {
                for login_required in [CustomError::Null, CustomError::Rethrow] {
                    for retries_no_token_while_signed_in in [false, true] {
                        add(CustomAdapter {
                            login_required,
                            retries_no_token_while_signed_in,
                            ..c
                        });
                    }
                }
            }
        }
        out
    }
}

/// The odds that a walk takes the step its world prefers ([`World::prefers`]).
pub const PREFERRED: f64 = 0.85;

/// Attempts the learner tells apart: the failure world fails up to five
/// refreshes, so a hook that gives up after four attempts is seen to give up.
pub const MAX_LEARNED_ATTEMPTS: u8 = 4;

/// A world the learner walks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum World {
    /// Tokens expire and are refreshed; nothing fails.
    Expiry,
    /// The server's clock runs a tick ahead of the IdP's: it rejects tokens
    /// before they expire, and Convex asks the hook for a forced refresh.
    EarlyRejection,
    /// Three refreshes fail on a network error.
    RefreshFailures,
    /// The session ends at the IdP.
    SessionEnded,
}

impl World {
    pub const ALL: [World; 4] = [
        World::Expiry,
        World::EarlyRejection,
        World::RefreshFailures,
        World::SessionEnded,
    ];

    pub fn name(self) -> &'static str {
        match self {
            World::Expiry => "tokens expire",
            World::EarlyRejection => "the server rejects tokens early",
            World::RefreshFailures => "refreshes fail on a network error",
            World::SessionEnded => "the session ends at the IdP",
        }
    }

    /// Whether a walk in this world takes `event` whenever it is offered, with
    /// [`PREFERRED`]'s odds: the failures the world is about, so that a walk
    /// sees several in a row (a retrying hook's last attempt) as often as not.
    pub fn prefers(self, event: &crate::events::Event) -> bool {
        use crate::events::Event;
        match self {
            World::RefreshFailures => matches!(event, Event::IdpRefreshFailed { .. }),
            World::SessionEnded => matches!(event, Event::SessionEndsAtIdp),
            World::Expiry | World::EarlyRejection => false,
        }
    }

    fn faults(self) -> &'static str {
        match self {
            World::Expiry => "",
            World::EarlyRejection => "token_rejection = \"server-clock-ahead\"\n",
            World::RefreshFailures => "refresh_failures = 5\nfailure_kind = \"network-error\"\n",
            World::SessionEnded => "session_ends = 1\n",
        }
    }

    /// The world's check, with `hook` as its adapter, on convex 1.49.0 (the
    /// release the harness runs the SDKs under) with expectAuth. The token
    /// times are the ones the real SDKs use (authkit-js refreshes 10 s before
    /// expiry, the framework stores 30 s before).
    pub fn check(self, hook: &CustomAdapter) -> Result<CheckFile, String> {
        let bounds = if hook.sdk.is_token_store() {
            "token_lifetime = 4\nidp_refresh_buffer = 3\n"
        } else {
            "token_lifetime = 2\nrefetch_leeway = 1\n"
        };
        let table = toml::to_string(hook).map_err(|e| e.to_string())?;
        let text = format!(
            "name = \"learn-{slug}\"\n\
             description = \"A world the learner walks: {name}.\"\n\
             sources = [\"https://www.npmjs.com/package/convex/v/1.49.0\"]\n\
             [scenario]\nadapter = \"custom\"\nclient = \"1.49.0\"\n\
             [scenario.switches]\nexpect_auth = true\n\
             [scenario.bounds]\n{bounds}\
             [scenario.faults]\ndata_changes = 0\n{faults}\
             [scenario.custom_adapter]\n{table}\
             [expect]\nviolated = []\n",
            slug = format!("{self:?}").to_lowercase(),
            name = self.name(),
            faults = self.faults(),
        );
        let mut check = CheckFile::parse(&text)?;
        if let Some(custom) = check.scenario.custom_adapter.as_mut() {
            custom.runs = hook.runs;
        }
        Ok(check)
    }
}

/// A custom description with every fact at its default (the check file's).
fn base(sdk: CustomSdk) -> CustomAdapter {
    CustomAdapter {
        sdk,
        force: CustomForce::Refreshes,
        login_required: CustomError::Null,
        transient_error: CustomError::Null,
        retry_attempts: 3,
        retry_waits: false,
        fetcher_follows_user: false,
        fetcher_follows_session: false,
        fetcher_follows_sdk_load: false,
        fetcher_follows_token: false,
        loading_while_refreshing: false,
        authenticated_needs_token: false,
        retries_no_token_while_signed_in: false,
        runs: None,
    }
}

/// Where learning starts: the facts of the template hook users copy for the
/// SDK (rows `workos-0.0.3`, `authkit-nextjs` and `tanstack-start` of `list`).
pub fn template(sdk: CustomSdk) -> CustomAdapter {
    let b = base(sdk);
    match sdk {
        CustomSdk::AuthkitJs | CustomSdk::AuthkitJs0202 => CustomAdapter {
            force: CustomForce::Ignored,
            fetcher_follows_sdk_load: true,
            ..b
        },
        CustomSdk::AuthkitNextjs | CustomSdk::AuthkitNextjs432 => CustomAdapter {
            fetcher_follows_user: true,
            fetcher_follows_session: true,
            fetcher_follows_sdk_load: true,
            ..b
        },
        CustomSdk::AuthkitTanstackStart0111 => CustomAdapter {
            transient_error: CustomError::Rethrow,
            fetcher_follows_user: true,
            fetcher_follows_session: true,
            fetcher_follows_sdk_load: true,
            ..b
        },
    }
}

/// The recommended hook for the SDK (rows `recommended-workos`,
/// `recommended-authkit-nextjs`, `recommended-tanstack-start`), as a custom
/// description, and its file.
pub fn recommended(sdk: CustomSdk) -> (CustomAdapter, &'static str) {
    let b = base(sdk);
    let retrying = CustomAdapter {
        transient_error: CustomError::Backoff,
        retry_attempts: 2,
        retry_waits: true,
        fetcher_follows_user: true,
        fetcher_follows_sdk_load: true,
        ..b
    };
    match sdk {
        CustomSdk::AuthkitJs | CustomSdk::AuthkitJs0202 => {
            (retrying, "fixes/workos/ConvexProviderWithAuthKit.tsx")
        }
        CustomSdk::AuthkitNextjs | CustomSdk::AuthkitNextjs432 => {
            (retrying, "fixes/authkit-nextjs/ConvexClientProvider.tsx")
        }
        CustomSdk::AuthkitTanstackStart0111 => (
            CustomAdapter {
                retries_no_token_while_signed_in: true,
                ..retrying
            },
            "fixes/tanstack-start/useAuthFromWorkOS.tsx",
        ),
    }
}

/// The description as a check file's `[scenario.custom_adapter]` table (its
/// body, without the header).
pub fn table(hook: &CustomAdapter) -> String {
    toml::to_string(hook).unwrap_or_default()
}

/// One fact as the check file writes it, e.g. `force = "refreshes"`.
pub fn facts(hook: &CustomAdapter) -> Vec<(String, String)> {
    let table = toml::to_string(hook).unwrap_or_default();
    table
        .lines()
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The facts in which `to` differs from `from`: name, `from`'s value, `to`'s.
pub fn differences(from: &CustomAdapter, to: &CustomAdapter) -> Vec<(String, String, String)> {
    let theirs = facts(to);
    facts(from)
        .into_iter()
        .zip(theirs)
        .filter(|((_, a), (_, b))| a != b)
        .map(|((k, a), (_, b))| (k, a, b))
        .collect()
}

/// `hook` with the fact named `name` taken from `other`.
pub fn with_fact(hook: &CustomAdapter, other: &CustomAdapter, name: &str) -> CustomAdapter {
    let mut h = *hook;
    match name {
        "sdk" => h.sdk = other.sdk,
        "force" => h.force = other.force,
        "login_required" => h.login_required = other.login_required,
        "transient_error" => {
            h.transient_error = other.transient_error;
            h.retry_attempts = other.retry_attempts;
            h.retry_waits = other.retry_waits;
        }
        "retry_attempts" => h.retry_attempts = other.retry_attempts,
        "retry_waits" => h.retry_waits = other.retry_waits,
        "fetcher_follows_user" => h.fetcher_follows_user = other.fetcher_follows_user,
        "fetcher_follows_session" => h.fetcher_follows_session = other.fetcher_follows_session,
        "fetcher_follows_sdk_load" => h.fetcher_follows_sdk_load = other.fetcher_follows_sdk_load,
        "fetcher_follows_token" => h.fetcher_follows_token = other.fetcher_follows_token,
        "loading_while_refreshing" => h.loading_while_refreshing = other.loading_while_refreshing,
        "authenticated_needs_token" => {
            h.authenticated_needs_token = other.authenticated_needs_token
        }
        "retries_no_token_while_signed_in" => {
            h.retries_no_token_while_signed_in = other.retries_no_token_while_signed_in
        }
        _ => {}
    }
    h
}

/// A fact's change in words a user acts on.
pub fn advice(name: &str, to: &str) -> String {
    match (name, to) {
        ("force", "\"refreshes\"") => "when Convex passes forceRefreshToken: true, ask the SDK for a new token (getAccessToken({ forceRefresh: true }) or refresh()), not the cached one".into(),
        ("transient_error", "\"backoff\"") => "retry a failed token request (a network error, a 5xx) after a short wait, and keep retrying with a capped backoff: never return null or throw for it, since Convex treats null as signed out for good".into(),
        ("login_required", "\"null\"") => "return null when the session has really ended (the SDK's login-required error), so the app shows signed out".into(),
        ("fetcher_follows_user", "true") => "put the user's id (user?.id) in fetchAccessToken's deps, so a new user gets a new fetcher".into(),
        ("fetcher_follows_user", "false") => "take the user out of fetchAccessToken's deps".into(),
        ("fetcher_follows_session", "false") => "depend on user?.id, not on the user object or the session: the SDK hands out a new one with every refreshed session, and a new fetchAccessToken makes Convex start over".into(),
        ("fetcher_follows_token", "false") => "take the token out of fetchAccessToken's deps: a new function on every refresh makes Convex start over".into(),
        ("fetcher_follows_sdk_load", _) => format!("fetcher_follows_sdk_load = {to}: whether fetchAccessToken changes once when the SDK has loaded"),
        ("loading_while_refreshing", "false") => "report isLoading only while the SDK loads the session, not while it refreshes a token".into(),
        ("authenticated_needs_token", "false") => "derive isAuthenticated from the user (!!user), not from a token in memory".into(),
        ("retries_no_token_while_signed_in", "true") => "when the token store answers no token while useAuth() still has the user, retry as for a transient error instead of returning null".into(),
        _ => format!("{name} = {to}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::Adapter;

    /// The recommended descriptions are the recommended rows' facts.
    #[test]
    fn the_recommended_descriptions_are_the_recommended_rows() {
        for (sdk, adapter) in [
            (CustomSdk::AuthkitJs0202, Adapter::RecommendedWorkOs),
            (
                CustomSdk::AuthkitNextjs432,
                Adapter::RecommendedAuthkitNextjs,
            ),
            (
                CustomSdk::AuthkitTanstackStart0111,
                Adapter::RecommendedTanstackStart,
            ),
        ] {
            let mine = recommended(sdk).0.spec();
            let row = adapter.spec();
            let facts = |s: &crate::adapters::AdapterSpec| {
                (
                    s.force,
                    s.login_required,
                    s.transient_error,
                    s.fetcher_follows_user,
                    s.fetcher_follows_session,
                    s.fetcher_follows_token,
                    s.fetcher_follows_sdk_load,
                    s.loading_while_refreshing,
                    s.authenticated_needs_token,
                    s.retries_null_while_signed_in,
                    s.waits_before_retry,
                    s.sdk,
                )
            };
            assert_eq!(facts(&mine), facts(row), "{adapter}");
        }
    }

    /// Every alternative is a valid description that differs only in its group.
    #[test]
    fn alternatives_vary_their_group_only() {
        let start = template(CustomSdk::AuthkitNextjs432);
        for group in Group::ALL {
            let alts = group.alternatives(&start);
            assert_eq!(alts[0], start);
            assert!(alts.len() >= 2, "{group:?}");
            for a in &alts {
                assert!(a.check().is_ok());
                assert_eq!(a.fetcher_follows_user, start.fetcher_follows_user);
            }
        }
        assert_eq!(Group::TransientErrors.alternatives(&start).len(), 4 + 8 + 4);
    }

    #[test]
    fn every_world_is_a_valid_check_for_every_sdk() {
        for sdk in CustomSdk::ALL {
            for world in World::ALL {
                world.check(&template(sdk)).unwrap();
            }
        }
    }

    #[test]
    fn differences_name_the_facts_that_differ() {
        let t = template(CustomSdk::AuthkitJs0202);
        let (r, _) = recommended(CustomSdk::AuthkitJs0202);
        let d: Vec<String> = differences(&t, &r).into_iter().map(|(k, _, _)| k).collect();
        assert_eq!(
            d,
            [
                "force",
                "transient_error",
                "retry_attempts",
                "retry_waits",
                "fetcher_follows_user"
            ]
        );
        let mut fixed = t;
        for name in &d {
            fixed = with_fact(&fixed, &r, name);
        }
        assert_eq!(fixed, r);
    }
}
