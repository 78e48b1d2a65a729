//! The IdP SDKs the adapters wrap, each described once: one row per SDK, and per
//! version where its behaviour differs, saying how it keeps tokens (its token
//! store), when it refreshes on its own (its refresh policy) and what it does with
//! a failed refresh before the adapter hook sees it (its failure behaviour). Each
//! group of facts names its source: the SDK's file at a pinned npm version, with
//! the notes in `docs/sources/` that read it.
//!
//! The IdP actor (`actors::idp`) has one shape, that of WorkOS AuthKit's browser
//! client (a session, a token in memory, single-flight refreshes), and reads the
//! scenario's row of [`SDKS`] for what differs. An adapter row
//! (the `adapters` module) names its SDK and holds only what its hook does with
//! it.
//!
//! A new failure behaviour of an SDK is a field of [`FailureFacts`], given on
//! every row here.

use std::fmt::{self, Write};

/// The IdP SDKs the adapters wrap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sdk {
    /// WorkOS AuthKit's browser client: `@workos-inc/authkit-js` 0.19.0–0.20.3
    /// under `@workos-inc/authkit-react` 0.16.0–0.16.2.
    AuthkitJs,
    /// The client token store of `@workos-inc/authkit-nextjs` 2.11.1
    /// (`useAccessToken`, `src/components/tokenStore.ts`).
    AuthkitNextjs,
    /// The client token store of `@workos/authkit-tanstack-react-start` 0.2.0:
    /// authkit-nextjs 2.11.1's algorithm (to 0.8.1).
    AuthkitTanstackStart020,
    /// The client token store of `@workos/authkit-tanstack-react-start` 0.11.1:
    /// its timer refreshes short tokens on its own (from 0.8.2, de3ea6e).
    AuthkitTanstackStart0111,
    /// `@clerk/clerk-js` 5 (5.114.0) under `@clerk/clerk-react` 5.58.1, its
    /// "convex" JWT template tokens.
    ClerkJs5,
    /// `@auth0/auth0-spa-js` 2.28.3 under `@auth0/auth0-react` 2.27.0.
    Auth0SpaJs,
    /// `better-auth` 1.6.34's client, through `@convex-dev/better-auth` 0.12.5's
    /// token fetch (`GET /api/auth/convex/token`), in a single-page app.
    BetterAuth,
    /// The React client of `@convex-dev/auth` 0.0.95 (`src/react/client.tsx`).
    ConvexAuth,
}

/// The facts of one SDK: one row of [`SDKS`].
#[derive(Clone, Copy, Debug)]
pub struct SdkSpec {
    pub sdk: Sdk,
    /// As the reports name it.
    pub name: &'static str,
    /// The package and version the facts were read from.
    pub package: &'static str,
    pub token_store: TokenStoreFacts,
    pub refresh_policy: RefreshPolicyFacts,
    pub failures: FailureFacts,
}

/// How the SDK keeps tokens between the adapter's calls.
#[derive(Clone, Copy, Debug)]
pub struct TokenStoreFacts {
    /// Whether it keeps a token between calls: false when every call goes to the
    /// network, sharing only a request already in flight.
    pub keeps_tokens: bool,
    /// Whether a call it answers from memory (a token not yet due, or the error
    /// of an ended session) settles in the macrotask of the call: an `async`
    /// function that awaits nothing then, so the caller's await resumes on a
    /// microtask and nothing else runs in between. Calls that refresh go to the
    /// network.
    pub answers_from_memory_at_once: bool,
    pub source: &'static str,
}

/// When the SDK refreshes the token Convex uses without being asked.
#[derive(Clone, Copy, Debug)]
pub struct RefreshPolicyFacts {
    /// Whether it refreshes a due token on its own, before Convex asks (a timer
    /// or loop over that token).
    pub refreshes_on_its_own: bool,
    /// Whether that refresh waits while the tab is hidden.
    pub waits_for_visible: bool,
    /// Whether it refreshes a due token when the tab becomes visible again (a
    /// wake listener).
    pub refreshes_on_wake: bool,
    pub source: &'static str,
}

/// What the SDK does with a failed refresh before its caller sees it.
#[derive(Clone, Copy, Debug)]
pub struct FailureFacts {
    /// What the call the adapter made does with a transient failure (a network
    /// error, a 5xx).
    pub transient: TransientFailure,
    /// Whether a failed refresh makes the SDK try once more later on its own,
    /// once the token is due.
    pub retries_later: bool,
    /// Why the model cannot show an IdP outage under this SDK, where it cannot
    /// (the scenario's `faults.idp_outages` is then refused).
    pub outage_not_shown: Option<&'static str>,
    pub source: &'static str,
}

/// What the SDK's call does with a transient failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransientFailure {
    /// It throws the error at once.
    Thrown,
    /// It tries again itself, `attempts` in all, waiting (within a tick) before
    /// each retry, and after the last failure too where `waits_after_last`, then
    /// throws.
    RetriedThenThrown {
        attempts: u8,
        waits_after_last: bool,
    },
}

/// authkit-nextjs 2.11.1's store, which the TanStack Start store 0.2.0 shares.
const AUTHKIT_NEXTJS: SdkSpec = SdkSpec {
    sdk: Sdk::AuthkitNextjs,
    name: "AuthKit (Next.js)",
    package: "@workos-inc/authkit-nextjs 2.11.1",
    token_store: TokenStoreFacts {
        // getAccessToken() hands out a token not expiring (30 s buffer for
        // tokens of 5 minutes or less) with no await; refresh() and an expiring
        // getAccessToken() share one refreshPromise (single flight).
        keeps_tokens: true,
        answers_from_memory_at_once: true,
        source: "https://www.npmjs.com/package/@workos-inc/authkit-nextjs/v/2.11.1 (src/components/tokenStore.ts l.190-224 parseToken, l.238-260 getAccessToken, l.295-389 refreshToken; notes: docs/sources/authkit-nextjs.md §1b, §1c)",
    },
    refresh_policy: RefreshPolicyFacts {
        // The timer fires at exp - 60 s, where a token of 5 minutes or less is
        // not yet "expiring" (30 s buffer), so it returns the cached token and
        // never re-arms: short tokens are refreshed only when Convex asks, or
        // when the tab becomes visible (visibilitychange, focus, online,
        // pageshow call getAccessTokenSilently()). No visibility check.
        refreshes_on_its_own: false,
        waits_for_visible: false,
        refreshes_on_wake: true,
        source: "https://www.npmjs.com/package/@workos-inc/authkit-nextjs/v/2.11.1 (src/components/tokenStore.ts l.10-13, l.94-102 getRefreshDelay; src/components/useAccessToken.ts l.101-131 wake listeners; notes: docs/sources/authkit-nextjs.md §1e, §1h)",
    },
    failures: FailureFacts {
        // The store keeps the stale token, schedules one retry after
        // RETRY_DELAY_SECONDS = 300, and rethrows.
        transient: TransientFailure::Thrown,
        retries_later: true,
        outage_not_shown: None,
        source: "https://www.npmjs.com/package/@workos-inc/authkit-nextjs/v/2.11.1 (src/components/tokenStore.ts l.372-382; notes: docs/sources/authkit-nextjs.md §1d, docs/sources/idp-failure-kinds.md §4)",
    },
};

/// Every SDK's facts, in the order of [`Sdk::ALL`].
pub static SDKS: [SdkSpec; 8] = [
    SdkSpec {
        sdk: Sdk::AuthkitJs,
        name: "AuthKit",
        package: "@workos-inc/authkit-js 0.20.0 under @workos-inc/authkit-react 0.16.1 (0.19.0–0.20.3 alike in these facts)",
        token_store: TokenStoreFacts {
            // The session lives until signOut(); each successful refresh
            // replaces the access token in memory (setSessionData).
            // getAccessToken() with a token not due awaits nothing.
            keeps_tokens: true,
            answers_from_memory_at_once: true,
            source: "https://www.npmjs.com/package/@workos-inc/authkit-js/v/0.20.0 (src/create-client.ts l.209-228 getAccessToken, l.338-352 single-flight refresh; src/utils/session-data.ts; notes: docs/sources/idp-failure-kinds.md §1)",
        },
        refresh_policy: RefreshPolicyFacts {
            // A 1 s loop refreshes a due token (#shouldRefresh: within
            // refreshBufferInterval of its expiry) unless onBeforeAutoRefresh()
            // says no, by default `!document.hidden`. No wake listener.
            refreshes_on_its_own: true,
            waits_for_visible: true,
            refreshes_on_wake: false,
            source: "https://www.npmjs.com/package/@workos-inc/authkit-js/v/0.20.0 (src/create-client.ts l.86-88 onBeforeAutoRefresh, l.300-312 the auto-refresh loop, l.436-459 #shouldRefresh; notes: docs/sources/idp-failure-kinds.md §1)",
        },
        failures: FailureFacts {
            // A network error keeps the session and is rethrown, with no retry in
            // the call; the loop tries again while the tab is visible.
            transient: TransientFailure::Thrown,
            retries_later: false,
            outage_not_shown: None,
            source: "https://www.npmjs.com/package/@workos-inc/authkit-js/v/0.20.0 (src/create-client.ts l.214-218, l.424-432; notes: docs/sources/idp-failure-kinds.md §1)",
        },
    },
    AUTHKIT_NEXTJS,
    SdkSpec {
        sdk: Sdk::AuthkitTanstackStart020,
        name: "AuthKit (TanStack Start)",
        package: "@workos/authkit-tanstack-react-start 0.2.0",
        // The store of 0.2.0 is authkit-nextjs 2.11.1's algorithm (single flight,
        // 60 s / 30 s buffers, a 60 s scheduling buffer, the 5-minute retry,
        // the stale token kept, rethrow), and useAccessToken.ts the same, wake
        // listeners included.
        token_store: TokenStoreFacts {
            source: "https://www.npmjs.com/package/@workos/authkit-tanstack-react-start/v/0.2.0 (src/client/tokenStore.ts: authkit-nextjs 2.11.1's algorithm; notes: docs/sources/authkit-nextjs.md §3)",
            ..AUTHKIT_NEXTJS.token_store
        },
        refresh_policy: RefreshPolicyFacts {
            source: "https://www.npmjs.com/package/@workos/authkit-tanstack-react-start/v/0.2.0 (src/client/tokenStore.ts: the 60 s scheduling buffer; src/client/useAccessToken.ts: the wake listeners; notes: docs/sources/authkit-nextjs.md §3)",
            ..AUTHKIT_NEXTJS.refresh_policy
        },
        failures: FailureFacts {
            source: "https://www.npmjs.com/package/@workos/authkit-tanstack-react-start/v/0.2.0 (src/client/tokenStore.ts: stale token kept, retry in 300 s, rethrow; notes: docs/sources/authkit-nextjs.md §3)",
            ..AUTHKIT_NEXTJS.failures
        },
    },
    SdkSpec {
        sdk: Sdk::AuthkitTanstackStart0111,
        name: "AuthKit (TanStack Start)",
        package: "@workos/authkit-tanstack-react-start 0.11.1",
        token_store: TokenStoreFacts {
            source: "https://www.npmjs.com/package/@workos/authkit-tanstack-react-start/v/0.11.1 (dist/client/tokenStore.js: authkit-nextjs 2.11.1's algorithm; notes: docs/sources/idp-failure-kinds.md §5)",
            ..AUTHKIT_NEXTJS.token_store
        },
        refresh_policy: RefreshPolicyFacts {
            // From 0.8.2 (de3ea6e) the timer's buffer equals the expiry test's
            // (getExpiryBuffer): it refreshes short tokens on its own, hidden tab
            // or not.
            refreshes_on_its_own: true,
            source: "https://www.npmjs.com/package/@workos/authkit-tanstack-react-start/v/0.11.1 (dist/client/tokenStore.js l.9-13, l.61-68 getExpiryBuffer; dist/client/useAccessToken.js l.62-65 wake listeners; notes: docs/sources/idp-failure-kinds.md §5)",
            ..AUTHKIT_NEXTJS.refresh_policy
        },
        failures: FailureFacts {
            source: "https://www.npmjs.com/package/@workos/authkit-tanstack-react-start/v/0.11.1 (dist/client/tokenStore.js l.182-189: stale token kept, retry in 300 s, rethrow; notes: docs/sources/idp-failure-kinds.md §5)",
            ..AUTHKIT_NEXTJS.failures
        },
    },
    SdkSpec {
        sdk: Sdk::ClerkJs5,
        name: "Clerk",
        package: "@clerk/clerk-js 5.114.0 under @clerk/clerk-react 5.58.1",
        token_store: TokenStoreFacts {
            // The "convex" template token is cached per session, template and
            // organization and handed out only while it has 15 s left;
            // concurrent calls share one request; skipCache always fetches. A
            // cached token comes from a resolved promise: microtasks only.
            keeps_tokens: true,
            answers_from_memory_at_once: true,
            source: "https://www.npmjs.com/package/@clerk/clerk-js/v/5.114.0 (core/tokenCache.ts; core/resources/Session.ts _getToken; notes: docs/sources/clerk-auth0.md §A2)",
        },
        refresh_policy: RefreshPolicyFacts {
            // The poller refreshes the session token (no template) every 5 s,
            // never the "convex" template's: that one is fetched only when
            // Convex asks.
            refreshes_on_its_own: false,
            waits_for_visible: false,
            refreshes_on_wake: false,
            source: "https://www.npmjs.com/package/@clerk/clerk-js/v/5.114.0 (core/auth/SessionCookiePoller.ts; notes: docs/sources/clerk-auth0.md §A4)",
        },
        failures: FailureFacts {
            // Session.getToken retries a non-4xx failure 8 times (9 attempts),
            // after 3 s, 4.7 s, … up to 50 s, then throws. The model's waits end
            // within a tick, which holds for the first two; the later ones are
            // why outages are refused.
            transient: TransientFailure::RetriedThenThrown {
                attempts: 9,
                waits_after_last: false,
            },
            retries_later: false,
            outage_not_shown: Some("clerk-js waits up to 50 s between its retries, which the clerk row does not show (its waits end within a tick), so an outage would end them too soon"),
            source: "https://www.npmjs.com/package/@clerk/clerk-js/v/5.114.0 (core/resources/Session.ts getToken: retry with initialDelay 3000, factor 1.55, maxDelayBetweenRetries 50000, not on 4xx; notes: docs/sources/clerk-auth0.md §A5, docs/sources/idp-failure-kinds.md §6)",
        },
    },
    SdkSpec {
        sdk: Sdk::Auth0SpaJs,
        name: "Auth0",
        package: "@auth0/auth0-spa-js 2.28.3 under @auth0/auth0-react 2.27.0",
        token_store: TokenStoreFacts {
            // Tokens are cached in memory and handed out while the access token
            // has 60 s left; cacheMode "off" always fetches; calls are serialised
            // by a lock. A cache hit awaits only the lock and the cache. The id
            // token is assumed to live as long as the access token (the cache
            // never checks the id token's own exp: not modelled).
            keeps_tokens: true,
            answers_from_memory_at_once: true,
            source: "https://www.npmjs.com/package/@auth0/auth0-spa-js/v/2.28.3 (src/Auth0Client.ts _getEntryFromCache, getTokenSilently; src/cache/cache-manager.ts; notes: docs/sources/clerk-auth0.md §B1, §B3)",
        },
        refresh_policy: RefreshPolicyFacts {
            // No poller, no proactive refresh: tokens are fetched when asked.
            refreshes_on_its_own: false,
            waits_for_visible: false,
            refreshes_on_wake: false,
            source: "https://www.npmjs.com/package/@auth0/auth0-spa-js/v/2.28.3 (src/Auth0Client.ts; notes: docs/sources/clerk-auth0.md §B2)",
        },
        failures: FailureFacts {
            // An OAuth error (a 5xx with an error body) throws at once; spa-js
            // retries only network-level failures, with no delay, 3 times, which
            // the model does not show apart.
            transient: TransientFailure::Thrown,
            retries_later: false,
            outage_not_shown: None,
            source: "https://www.npmjs.com/package/@auth0/auth0-spa-js/v/2.28.3 (src/http.ts getJSON, DEFAULT_SILENT_TOKEN_RETRY_COUNT; notes: docs/sources/clerk-auth0.md §B2, docs/sources/idp-failure-kinds.md §7)",
        },
    },
    SdkSpec {
        sdk: Sdk::BetterAuth,
        name: "Better Auth",
        package: "better-auth 1.6.34 through @convex-dev/better-auth 0.12.5",
        token_store: TokenStoreFacts {
            // The token cache is read through the first render's closure, so in a
            // single-page app (no initialToken) it is always empty: every call is
            // a GET /api/auth/convex/token, shared only with one in flight, and
            // nothing is answered from memory.
            keeps_tokens: false,
            answers_from_memory_at_once: false,
            source: "https://www.npmjs.com/package/@convex-dev/better-auth/v/0.12.5 (src/react/index.tsx l.129-159; notes: docs/sources/convex-auth-better-auth.md §B2)",
        },
        refresh_policy: RefreshPolicyFacts {
            // Nothing refreshes the Convex token on its own; the session atom's
            // refetches read /get-session only.
            refreshes_on_its_own: false,
            waits_for_visible: false,
            refreshes_on_wake: false,
            source: "https://www.npmjs.com/package/better-auth/v/1.6.34 (dist/client/session-atom.mjs; notes: docs/sources/convex-auth-better-auth.md §B2, §B3)",
        },
        failures: FailureFacts {
            // better-fetch is created with no retry: a failure reaches the
            // caller at once.
            transient: TransientFailure::Thrown,
            retries_later: false,
            outage_not_shown: None,
            source: "https://www.npmjs.com/package/better-auth/v/1.6.34 (dist/client/config.mjs l.37-53; notes: docs/sources/convex-auth-better-auth.md §B2, docs/sources/idp-failure-kinds.md §9)",
        },
    },
    SdkSpec {
        sdk: Sdk::ConvexAuth,
        name: "Convex Auth",
        package: "@convex-dev/auth 0.0.95",
        token_store: TokenStoreFacts {
            // The JWT in memory (token.current), returned with no await; a forced
            // refresh runs auth:signIn under a browser lock, skipping the call
            // when the token changed while it waited.
            keeps_tokens: true,
            answers_from_memory_at_once: true,
            source: "https://www.npmjs.com/package/@convex-dev/auth/v/0.0.95 (src/react/client.tsx l.277-312 fetchAccessToken; notes: docs/sources/convex-auth-better-auth.md §A1)",
        },
        refresh_policy: RefreshPolicyFacts {
            // No visibility or focus logic: only the Convex client's forced
            // fetches refresh.
            refreshes_on_its_own: false,
            waits_for_visible: false,
            refreshes_on_wake: false,
            source: "https://www.npmjs.com/package/@convex-dev/auth/v/0.0.95 (src/react/client.tsx; notes: docs/sources/convex-auth-better-auth.md §A5)",
        },
        failures: FailureFacts {
            // verifyCode: a network error is retried (RETRY_BACKOFF [500, 2000]
            // ms, 2 attempts in all; it sleeps after each failure, the last one
            // too), then rethrown.
            transient: TransientFailure::RetriedThenThrown {
                attempts: 2,
                waits_after_last: true,
            },
            retries_later: false,
            outage_not_shown: None,
            source: "https://www.npmjs.com/package/@convex-dev/auth/v/0.0.95 (src/react/client.tsx l.175-209 verifyCode; notes: docs/sources/convex-auth-better-auth.md §A2, docs/sources/idp-failure-kinds.md §8)",
        },
    },
];

impl Sdk {
    /// The SDKs with a row of [`SDKS`], in its order.
    pub const ALL: [Sdk; 8] = [
        Sdk::AuthkitJs,
        Sdk::AuthkitNextjs,
        Sdk::AuthkitTanstackStart020,
        Sdk::AuthkitTanstackStart0111,
        Sdk::ClerkJs5,
        Sdk::Auth0SpaJs,
        Sdk::BetterAuth,
        Sdk::ConvexAuth,
    ];

    /// The SDK's short name, as `list` shows it.
    pub fn code(self) -> &'static str {
        match self {
            Sdk::AuthkitJs => "authkit-js",
            Sdk::AuthkitNextjs => "authkit-nextjs",
            Sdk::AuthkitTanstackStart020 => "authkit-tanstack-react-start-0.2.0",
            Sdk::AuthkitTanstackStart0111 => "authkit-tanstack-react-start-0.11.1",
            Sdk::ClerkJs5 => "clerk-js-5",
            Sdk::Auth0SpaJs => "auth0-spa-js",
            Sdk::BetterAuth => "better-auth",
            Sdk::ConvexAuth => "convex-auth",
        }
    }

    /// This SDK's row of [`SDKS`].
    pub fn spec(self) -> &'static SdkSpec {
        SDKS.iter()
            .find(|row| row.sdk == self)
            .expect("every SDK has a row (sdks::tests)")
    }
}

impl TokenStoreFacts {
    /// The facts in words, as `list` shows them.
    pub fn describe(&self) -> String {
        match (self.keeps_tokens, self.answers_from_memory_at_once) {
            (true, true) => "keeps a token between calls and hands it out in the call".into(),
            (true, false) => "keeps a token between calls".into(),
            (false, _) => {
                "keeps no token: every call is a request (one in flight is shared)".into()
            }
        }
    }
}

impl RefreshPolicyFacts {
    /// The facts in words, as `list` shows them.
    pub fn describe(&self) -> String {
        let mut text = match (self.refreshes_on_its_own, self.waits_for_visible) {
            (true, true) => "refreshes a due token on its own while the tab is visible",
            (true, false) => "refreshes a due token on its own, hidden tab or not",
            (false, _) => "refreshes only when asked",
        }
        .to_string();
        if self.refreshes_on_wake {
            text.push_str("; refreshes a due token when the tab becomes visible");
        }
        text
    }
}

impl FailureFacts {
    /// The facts in words, as `list` shows them.
    pub fn describe(&self) -> String {
        let mut text = match self.transient {
            TransientFailure::Thrown => "a transient failure is thrown at once".to_string(),
            TransientFailure::RetriedThenThrown {
                attempts,
                waits_after_last,
            } => format!(
                "a transient failure is retried ({attempts} attempts in all, a wait before each retry{}), then thrown",
                if waits_after_last {
                    " and after the last"
                } else {
                    ""
                }
            ),
        };
        if self.retries_later {
            text.push_str(
                "; after a failed refresh it tries once more later, once the token is due",
            );
        }
        if let Some(why) = self.outage_not_shown {
            let _ = write!(text, "; IdP outages refused: {why}");
        }
        text
    }
}

impl fmt::Display for Sdk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sdk_has_one_row_in_order() {
        for (row, sdk) in SDKS.iter().zip(Sdk::ALL) {
            assert_eq!(row.sdk, sdk);
            assert_eq!(sdk.spec().sdk, sdk);
        }
        assert_eq!(SDKS.len(), Sdk::ALL.len());
    }

    /// Every group of facts names a published source, at a version.
    #[test]
    fn every_fact_names_its_source() {
        for row in &SDKS {
            for source in [
                row.token_store.source,
                row.refresh_policy.source,
                row.failures.source,
            ] {
                assert!(
                    source.starts_with("https://www.npmjs.com/package/") && source.contains("/v/"),
                    "{}: {source}",
                    row.sdk
                );
            }
        }
    }

    /// The two TanStack Start stores differ in the timer alone; the earlier one
    /// is authkit-nextjs 2.11.1's store.
    #[test]
    fn the_tanstack_stores_differ_in_their_timer_alone() {
        let (early, fixed, nextjs) = (
            Sdk::AuthkitTanstackStart020.spec(),
            Sdk::AuthkitTanstackStart0111.spec(),
            Sdk::AuthkitNextjs.spec(),
        );
        for (a, b) in [(early, fixed), (early, nextjs)] {
            assert_eq!(a.token_store.keeps_tokens, b.token_store.keeps_tokens);
            assert_eq!(a.failures.transient, b.failures.transient);
            assert_eq!(a.failures.retries_later, b.failures.retries_later);
            assert_eq!(
                a.refresh_policy.refreshes_on_wake,
                b.refresh_policy.refreshes_on_wake
            );
        }
        assert!(!early.refresh_policy.refreshes_on_its_own);
        assert!(fixed.refresh_policy.refreshes_on_its_own);
        assert!(!nextjs.refresh_policy.refreshes_on_its_own);
    }
}
