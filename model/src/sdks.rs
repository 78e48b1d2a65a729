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

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt::{self, Write};

/// The IdP SDKs the adapters wrap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sdk {
    /// WorkOS AuthKit's browser client: `@workos-inc/authkit-js` 0.20.0 under
    /// `@workos-inc/authkit-react` 0.16.1 (which pins it): any non-OK answer
    /// wipes the session.
    #[serde(rename = "authkit-js")]
    AuthkitJs,
    /// `@workos-inc/authkit-js` 0.20.2 (0.20.3 alike) under
    /// `@workos-inc/authkit-react` 0.16.2: a WorkOS 408, 429 or 5xx keeps the
    /// session.
    #[serde(rename = "authkit-js-0.20.2")]
    AuthkitJs0202,
    /// The client token store of `@workos-inc/authkit-nextjs` 2.11.1
    /// (`useAccessToken`, `src/components/tokenStore.ts`).
    #[serde(rename = "authkit-nextjs")]
    AuthkitNextjs,
    /// The client token store of `@workos-inc/authkit-nextjs` 4.3.2: 2.11.1's
    /// algorithm, over a server whose middleware keeps the session cookie
    /// through a WorkOS 408, 429, 5xx or network error (from 4.3.1).
    #[serde(rename = "authkit-nextjs-4.3.2")]
    AuthkitNextjs432,
    /// The client token store of `@workos/authkit-tanstack-react-start` 0.2.0:
    /// authkit-nextjs 2.11.1's algorithm (to 0.8.1).
    #[serde(rename = "authkit-tanstack-react-start-0.2.0")]
    AuthkitTanstackStart020,
    /// The client token store of `@workos/authkit-tanstack-react-start` 0.11.1:
    /// its timer refreshes short tokens on its own (from 0.8.2, de3ea6e).
    #[serde(rename = "authkit-tanstack-react-start-0.11.1")]
    AuthkitTanstackStart0111,
    /// `@clerk/clerk-js` 5 (5.114.0) under `@clerk/clerk-react` 5.58.1, its
    /// "convex" JWT template tokens.
    #[serde(rename = "clerk-js-5")]
    ClerkJs5,
    /// `@clerk/clerk-js` 5, Clerk's session token (no template), which its
    /// session poller refreshes on its own: the path of Clerk's "Convex
    /// integration".
    #[serde(rename = "clerk-js-5-session-token")]
    ClerkJs5SessionToken,
    /// `@auth0/auth0-spa-js` 2.28.3 under `@auth0/auth0-react` 2.27.0.
    #[serde(rename = "auth0-spa-js")]
    Auth0SpaJs,
    /// `better-auth` 1.6.34's client, through `@convex-dev/better-auth` 0.12.5's
    /// token fetch (`GET /api/auth/convex/token`), in a single-page app.
    #[serde(rename = "better-auth")]
    BetterAuth,
    /// The React client of `@convex-dev/auth` 0.0.95 (`src/react/client.tsx`).
    #[serde(rename = "convex-auth")]
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
    /// What each kind of failure does, in the order of [`FailureKind::ALL`].
    pub kinds: [KindFact; 8],
    /// Whether a failed refresh makes the SDK try once more later on its own,
    /// once the token is due.
    pub retries_later: bool,
    /// Why the model cannot show an IdP outage under this SDK, where it cannot
    /// (the scenario's `faults.idp_outages` is then refused).
    pub outage_not_shown: Option<&'static str>,
    pub source: &'static str,
}

/// The ways a token request to the IdP fails, told apart as the SDKs tell them
/// apart. The scenario's `faults.failure_kind` names the one its failed
/// refreshes (and outages) are of.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
)]
pub enum FailureKind {
    /// The request never gets an answer: `fetch` rejects (a `TypeError`), the
    /// browser being online.
    #[default]
    #[serde(rename = "network-error")]
    NetworkError,
    /// The same while the browser says it is offline (`navigator.onLine`
    /// false), which some SDKs test.
    #[serde(rename = "offline")]
    Offline,
    /// The IdP answers 500, 502, 503 or 504 with a JSON error body.
    #[serde(rename = "http-5xx")]
    Http5xx,
    /// The IdP answers 429 with a Retry-After header.
    #[serde(rename = "http-429")]
    Http429,
    /// The IdP answers 408, or the SDK's own request timeout fires.
    #[serde(rename = "http-408")]
    Http408,
    /// The session ended at the IdP (its refresh token revoked or expired)
    /// while the browser still holds its cookie or stored refresh token.
    #[serde(rename = "session-ended")]
    SessionEnded,
    /// There is no session at all (a visitor, or after sign-out).
    #[serde(rename = "no-session")]
    NoSession,
    /// The SDK's lock or single-flight wait times out, where it has one.
    #[serde(rename = "lock-timeout")]
    LockTimeout,
}

/// What one kind of failure does under one SDK, with the line that says so.
#[derive(Clone, Copy, Debug)]
pub struct KindFact {
    pub kind: FailureKind,
    pub effect: FailureEffect,
    /// The file and lines at the version the row names (the SDK's package, or
    /// the one named here).
    pub source: &'static str,
}

/// What the SDK's call does with one kind of failure, as its caller (the
/// adapter hook) sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureEffect {
    /// It throws at once; the session is kept.
    Thrown,
    /// It tries again itself, `attempts` in all, waiting (within a tick) before
    /// each retry, and after the last failure too where `waits_after_last`, then
    /// throws; the session is kept.
    RetriedThenThrown {
        attempts: u8,
        waits_after_last: bool,
    },
    /// It throws, except that a call not forced gets the token in memory while
    /// that token has not yet expired; the session is kept.
    ThrownUnlessUnexpired,
    /// It gives its signed-out answer (its "login required" error): there is
    /// no session to keep.
    LoginRequired,
    /// It resolves null (or undefined) at once; the session is kept.
    ResolvesNull,
    /// It resolves null once the access token it holds has expired (the
    /// server's middleware swallows the failed refresh and reports no user),
    /// and throws before; the session is kept.
    NullOnceExpired,
    /// It resolves null once the token it holds is due (the server's
    /// middleware refreshes a token near its expiry itself and swallows the
    /// failure), and throws before; the session is kept.
    NullOnceDue,
    /// It throws while the access token in the session cookie is valid; once
    /// that token has expired, the server's middleware refreshes it itself,
    /// and on that failure deletes the session cookie, whatever the error: the
    /// call resolves null (undefined), and so does every call after it, for
    /// no refresh can succeed without the cookie. The IdP's session survives
    /// unless it had ended.
    WipedOnceExpired,
    /// It wipes its local session (the user, the token in memory) and throws
    /// "login required"; later calls not forced throw that too, with no request.
    /// The IdP's cookie survives, so a forced call refreshes again.
    WipesSession,
    /// It signs the user out (the app sees signed out) and resolves null or
    /// throws.
    SignsOut,
    /// It keeps the user and throws on every call, as long as the browser holds
    /// the ended session's cookie.
    ThrownForever,
    /// The kind cannot happen under this SDK, for this reason.
    NotProduced(&'static str),
}

const fn kind(kind: FailureKind, effect: FailureEffect, source: &'static str) -> KindFact {
    KindFact {
        kind,
        effect,
        source,
    }
}

use FailureEffect::*;
use FailureKind::*;

/// authkit-js 0.20.0 (docs/sources/idp-failure-kinds.md §1): any non-OK answer
/// with a JSON body is a `RefreshError`, which wipes the session.
const AUTHKIT_JS_0200_KINDS: [KindFact; 8] = [
    kind(NetworkError, Thrown, "src/create-client.ts l.424-432 (not a RefreshError: state back to AUTHENTICATED, the TypeError rethrown), l.214-218"),
    kind(Offline, Thrown, "no navigator.onLine test in src/: the fetch rejects as in network-error"),
    kind(Http5xx, WipesSession, "src/http-client.ts l.51-57 (a JSON error body becomes a RefreshError); src/create-client.ts l.412-423 (removeSessionData, state ERROR), l.214-215 (LoginRequiredError)"),
    kind(Http429, WipesSession, "src/http-client.ts l.55-56 (Retry-After never read), then as http-5xx"),
    kind(Http408, WipesSession, "src/http-client.ts l.54-57 (a 408 with a JSON body, as http-5xx), l.88-101 (no client timeout: a request that never ends is faults.fetch_hangs)"),
    kind(SessionEnded, WipesSession, "src/create-client.ts l.412-423 (RefreshError: wiped, LoginRequiredError), l.436-442 (#shouldRefresh false in ERROR)"),
    kind(NoSession, LoginRequired, "src/create-client.ts l.111-131 (no session cookie: no refresh), l.416-421 (LoginRequiredError)"),
    kind(LockTimeout, Thrown, "src/utils/locking.ts l.3, l.25-34 (only AbortError is mapped to LockError; the Web Locks TimeoutError is rethrown raw, inferred from the Web Locks spec); src/create-client.ts l.397-406 (state AUTHENTICATED, session kept)"),
];

/// authkit-js 0.20.2 and 0.20.3 (alike in every failure path): 408, 429 and
/// 500–504 are transient and keep the session.
const AUTHKIT_JS_0202_KINDS: [KindFact; 8] = [
    kind(NetworkError, Thrown, "src/http-client.ts l.119 (a bare fetch); src/create-client.ts l.488-498 (session kept), l.253-254 (the TypeError rethrown, with no fallback to the token in memory)"),
    kind(Offline, Thrown, "no navigator.onLine test in src/: as network-error"),
    kind(Http5xx, ThrownUnlessUnexpired, "src/http-client.ts l.14, l.68-72 (isTransient for 408, 429, 500, 502, 503, 504); src/create-client.ts l.488-498 (session kept), l.245-250 (not forced: the token in memory while expiresAt > Date.now(), l.559-566), l.252"),
    kind(Http429, ThrownUnlessUnexpired, "src/http-client.ts l.14 (429 transient; Retry-After never read), then as http-5xx"),
    kind(Http408, ThrownUnlessUnexpired, "src/http-client.ts l.14 (408 transient), then as http-5xx"),
    kind(SessionEnded, WipesSession, "src/create-client.ts l.476-487 (a non-transient RefreshError: removeSessionData, state ERROR), l.252 (LoginRequiredError), l.507-508 (#shouldRefresh false in ERROR), l.259-262"),
    kind(NoSession, LoginRequired, "src/create-client.ts l.128-138 (no session cookie: no refresh), l.252 (LoginRequiredError)"),
    kind(LockTimeout, ThrownUnlessUnexpired, "src/utils/locking.ts l.3 (10 s), src/create-client.ts l.461-469 (RefreshTimeoutError, transient, state restored), l.220-237 (not forced: the unexpired token; forced: one more wait for the lock before it throws, which the model shows as the throw alone)"),
];

/// authkit-nextjs 2.11.1: the browser asks its Next server (a Server Action),
/// which asks WorkOS; every failure there rejects the action, and the store
/// keeps its token (docs/sources/idp-failure-kinds.md §4).
const AUTHKIT_NEXTJS_KINDS: [KindFact; 8] = [
    kind(NetworkError, Thrown, "dist/esm/components/tokenStore.js l.291-300 (the stale token kept, error set, one retry in 300 s, rethrown)"),
    kind(Offline, Thrown, "no navigator.onLine test: as network-error; dist/esm/components/useAccessToken.js l.62-88 (the online event refreshes a due token)"),
    kind(Http5xx, WipedOnceExpired, "src/session.ts l.402-412 (refreshSession rewraps the throw of @workos-inc/node 7.82.0 lib/workos.js l.234-290 as \"Failed to refresh session\": the action rejects, as network-error) while the access token in the cookie is valid; once it has expired, authkitMiddleware, which runs on the action's request too, refreshes it itself and on any failure deletes the session cookie (l.350-374): no user from then on. The middleware runs on the action's request where its matcher covers the page, as withAuth requires (src/session.ts l.555-564) and the Convex template's matches every path (get-convex/templates c9b4180 template-nextjs-authkit/proxy.ts). Whether the action on that one request still reads the deleted cookie and rejects once more is not verified in Next.js"),
    kind(Http429, WipedOnceExpired, "@workos-inc/node 7.82.0 lib/workos.js l.267-270 (RateLimitExceededException, no retry, Retry-After unread), then as http-5xx"),
    kind(Http408, WipedOnceExpired, "@workos-inc/node 7.82.0 lib/common/net/fetch-client.js l.140-150 (its 60 s timeout as a 408), then as http-5xx"),
    kind(SessionEnded, WipedOnceExpired, "src/session.ts l.390-396 (undefined only with no session cookie), l.402-412 (authenticateWithRefreshToken throws, the action rejects) while the access token in the cookie is valid; then as http-5xx: the middleware deletes the cookie (l.350-374)"),
    kind(NoSession, ResolvesNull, "src/session.ts l.390-396 ({user:null}: the action answers undefined); dist/esm/components/useAccessToken.js l.89-101 (no user: undefined with no request)"),
    kind(LockTimeout, NotProduced("authkit-nextjs has no lock with a timeout: a refresh in flight is shared (tokenStore.js l.227-230), and one that never ends is faults.fetch_hangs"), "dist/esm/components/tokenStore.js l.227-230"),
];

/// authkit-nextjs 4.3.2: the middleware deletes the session cookie only for a
/// failure WorkOS calls terminal (docs/sources/idp-failure-kinds.md §4).
const AUTHKIT_NEXTJS_432_KINDS: [KindFact; 8] = [
    kind(NetworkError, Thrown, "src/components/tokenStore.ts l.390-400 (the stale token kept, error set, one retry in 300 s, rethrown)"),
    kind(Offline, Thrown, "no navigator.onLine test: as network-error; src/components/useAccessToken.ts l.115-123 (the online event refreshes a due token)"),
    kind(Http5xx, Thrown, "src/actions.ts l.104-121 (refreshAccessTokenAction answers the failure as data, { error }), src/components/tokenStore.ts l.5-10 (rethrown), then as network-error; the middleware keeps the session cookie for a 408, 429, 5xx or network error of WorkOS (src/session.ts l.350-380, l.638-680 isTransientRefreshError), after @workos-inc/node 10's own retries"),
    kind(Http429, Thrown, "as http-5xx (429 is in RETRYABLE_REFRESH_STATUS_CODES, src/session.ts l.638)"),
    kind(Http408, Thrown, "as http-5xx (408 is in RETRYABLE_REFRESH_STATUS_CODES, src/session.ts l.638)"),
    kind(SessionEnded, WipedOnceExpired, "src/session.ts l.423-435 (authenticateWithRefreshToken throws, a TokenRefreshError; the action answers { error }, src/actions.ts l.110-121) while the access token in the cookie is valid; once it has expired, the middleware's own refresh fails with a terminal error (invalid_grant) and deletes the session cookie (l.358-379): no user from then on (src/session.ts l.411-417, src/actions.ts l.113: { accessToken: undefined })"),
    kind(NoSession, ResolvesNull, "src/session.ts l.411-417 ({user:null}: the action answers { accessToken: undefined }); src/components/useAccessToken.ts (no user: undefined with no request)"),
    kind(LockTimeout, NotProduced("authkit-nextjs has no lock with a timeout: a refresh in flight is shared (src/components/tokenStore.ts refreshPromise), and one that never ends is faults.fetch_hangs"), "src/components/tokenStore.ts"),
];

/// authkit-tanstack-react-start 0.11.1 over authkit-session 0.7.1: the server's
/// middleware swallows a failed refresh of an expired access token and reports
/// no user (docs/sources/idp-failure-kinds.md §5).
const AUTHKIT_TANSTACK_0111_KINDS: [KindFact; 8] = [
    kind(NetworkError, Thrown, "dist/client/tokenStore.js l.182-189 (the stale token kept, one retry in 300 s, rethrown)"),
    kind(Offline, Thrown, "no navigator.onLine test: as network-error; dist/client/useAccessToken.js l.62-65 (the online event refreshes a due token)"),
    kind(Http5xx, NullOnceExpired, "@workos/authkit-session 0.7.1 src/service/AuthService.ts l.99-139 (withAuth swallows a failed refresh of an expired access token: no user), dist/server/action-bodies.js l.39-42 (no user: undefined); with an unexpired access token the forced refresh throws TokenRefreshError (src/core/AuthKitCore.ts l.223-281)"),
    kind(Http429, NullOnceExpired, "@workos/authkit-session 0.7.1 src/core/AuthKitCore.ts l.253-274 (one retry after Retry-After, 1-10 s), then as http-5xx"),
    kind(Http408, NullOnceExpired, "@workos-inc/node 8.0.0 (DEFAULT_FETCH_TIMEOUT 60 s, a 408-shaped error), then as http-5xx"),
    kind(SessionEnded, NullOnceExpired, "as http-5xx: refused while the access token in the cookie is valid, no user once it has expired"),
    kind(NoSession, ResolvesNull, "dist/server/action-bodies.js l.39-42; dist/client/useAccessToken.js l.74-81 (no user: undefined)"),
    kind(LockTimeout, NotProduced("authkit-tanstack-react-start has no lock with a timeout: a refresh in flight is shared (dist/client/tokenStore.js l.130-133), and one that never ends is faults.fetch_hangs"), "dist/client/tokenStore.js l.130-133"),
];

/// authkit-tanstack-react-start 0.2.0 over authkit-session 0.1.3: its
/// middleware refreshes a token expiring within 60 s and swallows a failure,
/// reporting no user (docs/sources/idp-failure-kinds.md §5).
const AUTHKIT_TANSTACK_020_KINDS: [KindFact; 8] = [
    kind(NetworkError, Thrown, "dist/client/tokenStore.js l.252-258 (the stale token kept, one retry in 300 s, rethrown)"),
    kind(Offline, Thrown, "no navigator.onLine test: as network-error"),
    kind(Http5xx, NullOnceDue, "dist/server/middleware.js l.31-37 and @workos/authkit-session 0.1.3 dist/core/session/SessionManager.js l.49-52, l.69-94 (the middleware refreshes a token expiring within 60 s and swallows a failure: no user), dist/server/actions.js l.85-103 (no user: undefined); a token not due: the action's own refresh throws TokenRefreshError (SessionManager.js l.105-138). The server's 60 s is at least the store's buffer, which the model shows"),
    kind(Http429, NullOnceDue, "status codes are not told apart: as http-5xx"),
    kind(Http408, NullOnceDue, "as http-5xx"),
    kind(SessionEnded, NullOnceDue, "as http-5xx: refused while the token is not due, no user once it is"),
    kind(NoSession, ResolvesNull, "@workos/authkit-session 0.1.3 dist/core/session/SessionManager.js l.88-91 (no cookie: no user), dist/server/actions.js l.87-88 (undefined)"),
    kind(LockTimeout, NotProduced("authkit-tanstack-react-start has no lock with a timeout: a refresh in flight is shared, and one that never ends is faults.fetch_hangs"), "dist/client/tokenStore.js l.215-236"),
];

/// clerk-js 5, the "convex" JWT template (docs/sources/idp-failure-kinds.md §6,
/// read at the tag @clerk/clerk-js@5.127.2, every string also in 5.128.0's
/// bundle).
const CLERK_JS_5_KINDS: [KindFact; 8] = [
    kind(NetworkError, RetriedThenThrown { attempts: 9, waits_after_last: false }, "src/core/resources/Base.ts l.94-116 (rethrown online); src/core/resources/Session.ts l.108-121 (retried while not 4xx, 8 times); shared src/retry.ts l.77-129 (3 s x 1.55^k, up to 50 s)"),
    kind(Offline, ResolvesNull, "src/core/resources/Base.ts l.103-112 (\"Network request failed while offline, returning null\"), src/core/resources/Session.ts l.449 (the empty token: null, no retry)"),
    kind(Http5xx, RetriedThenThrown { attempts: 9, waits_after_last: false }, "src/core/resources/Base.ts l.135-161 (ClerkAPIResponseError), src/core/resources/Session.ts l.117-119 (not 4xx: retried as network-error)"),
    kind(Http429, Thrown, "src/core/resources/Base.ts l.150-160 (retryAfter parsed); src/core/resources/Session.ts l.117-119 (a 4xx is not retried)"),
    kind(Http408, Thrown, "src/core/resources/Session.ts l.117-119 (a 4xx is not retried); src/core/fapiClient.ts l.251-266 (no client timeout: a request that never ends is faults.fetch_hangs)"),
    kind(SessionEnded, SignsOut, "src/core/resources/Base.ts l.140-145 (a 401 awaits clerk.handleUnauthenticated()), src/core/clerk.ts l.2351-2375 (setActive({session:null}) when the session is gone), then thrown, not retried"),
    kind(NoSession, ResolvesNull, "src/core/resources/Session.ts l.353-356 (no user: null)"),
    kind(LockTimeout, NotProduced("getToken takes no lock in clerk-js 5; only the session poller does, and it skips a timed-out tick silently (src/core/auth/safeLock.ts l.6-28)"), "src/core/auth/safeLock.ts l.6-28"),
];

/// auth0-spa-js 2.28.3 (docs/sources/idp-failure-kinds.md §7).
const AUTH0_SPA_JS_KINDS: [KindFact; 8] = [
    kind(NetworkError, Thrown, "src/http.ts l.155-182 (3 attempts with no wait between them, shown as one, then thrown); tokens kept"),
    kind(Offline, Thrown, "no offline test in src/: as network-error"),
    kind(Http5xx, Thrown, "src/http.ts l.205-247 (a JSON error body: GenericError at once, no retry)"),
    kind(Http429, Thrown, "src/http.ts l.205-247 (GenericError, Retry-After unread)"),
    kind(Http408, Thrown, "src/http.ts l.25-47 (its 10 s timeout: 3 attempts, then \"Timeout when executing 'fetch'\"), l.205-247 (a 408 body: GenericError)"),
    kind(SessionEnded, ThrownForever, "with the refresh tokens in localStorage the Convex docs set up (useRefreshTokens, cacheLocation \"localstorage\": convex-backend 94a42c3 npm-packages/private-demos/quickstarts/react-vite-ts/src/_mainAuth0.tsx l.13-21), no worker (src/Auth0Client.ts l.403-420): invalid_grant is rethrown with no logout (l.1685-1706), the cached id token stays, and @auth0/auth0-react 2.27.0 keeps isAuthenticated (src/auth0-provider.tsx l.358-375)"),
    kind(NoSession, LoginRequired, "src/Auth0Client.ts l.1593-1601 (no refresh token: MissingRefreshTokenError)"),
    kind(LockTimeout, Thrown, "src/lock.ts l.29-56 (TimeoutError after 5000 ms); src/Auth0Client.ts l.1118-1124 (the lock around getTokenSilently)"),
];

/// better-auth 1.6.34 through @convex-dev/better-auth 0.12.5's fetch with
/// `throw:false` (docs/sources/idp-failure-kinds.md §9).
const BETTER_AUTH_KINDS: [KindFact; 8] = [
    kind(NetworkError, ResolvesNull, "@convex-dev/better-auth 0.12.5 src/react/index.tsx l.146-149 (a rejection caught: null, no retry)"),
    kind(Offline, ResolvesNull, "as network-error; dist/client/online-manager.mjs drives only the session's refetches"),
    kind(Http5xx, ResolvesNull, "@convex-dev/better-auth 0.12.5 src/react/index.tsx l.140-145 (throw:false: data null, so null)"),
    kind(Http429, ResolvesNull, "as http-5xx, Retry-After unread"),
    kind(Http408, ResolvesNull, "as http-5xx; no client timeout (a request that never ends is faults.fetch_hangs)"),
    kind(SessionEnded, SignsOut, "/convex/token answers 401: null (src/react/index.tsx l.140-145); the session atom's next refetch reports no session (docs/sources/convex-auth-better-auth.md §B3)"),
    kind(NoSession, ResolvesNull, "401: null, as session-ended"),
    kind(LockTimeout, NotProduced("better-auth takes no lock: a request in flight is shared (pendingTokenRef)"), "@convex-dev/better-auth 0.12.5 src/react/index.tsx l.136-153"),
];

/// @convex-dev/auth 0.0.95: its refresh is an action on the Convex deployment
/// (docs/sources/idp-failure-kinds.md §8).
const CONVEX_AUTH_KINDS: [KindFact; 8] = [
    kind(NetworkError, RetriedThenThrown { attempts: 2, waits_after_last: true }, "src/react/client.tsx l.175-209 (verifyCode: a network error, by is-network-error 1.3.2, retried after RETRY_BACKOFF [500, 2000] ms, a sleep after the last too, then thrown); tokens kept"),
    kind(Offline, RetriedThenThrown { attempts: 2, waits_after_last: true }, "no offline test: as network-error"),
    kind(Http5xx, Thrown, "convex 1.49.0 src/browser/http_client.ts (a non-OK status other than 560: Error(body text)); src/react/client.tsx l.195-197 (not a network error: thrown at once)"),
    kind(Http429, Thrown, "as http-5xx, Retry-After unread"),
    kind(Http408, Thrown, "as http-5xx; no client timeout (a request that never ends is faults.fetch_hangs)"),
    kind(SessionEnded, SignsOut, "src/react/client.tsx l.211-220 (tokens null: setToken(null) wipes the JWT and refresh token, isAuthenticated false, resolves null)"),
    kind(NoSession, ResolvesNull, "src/react/client.tsx l.291-305 (no refresh token: null with no request)"),
    kind(LockTimeout, NotProduced("@convex-dev/auth waits for its browser lock with no timeout (src/react/client.tsx l.469-477)"), "src/react/client.tsx l.469-477"),
];

/// authkit-js 0.20.0, the version authkit-react 0.16.1 pins.
const AUTHKIT_JS_0200: SdkSpec = SdkSpec {
    sdk: Sdk::AuthkitJs,
    name: "AuthKit",
    package: "@workos-inc/authkit-js 0.20.0 under @workos-inc/authkit-react 0.16.1 (its token store and refresh policy alike from 0.19.0 to 0.20.3)",
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
        kinds: AUTHKIT_JS_0200_KINDS,
        retries_later: false,
        outage_not_shown: None,
        source: "https://www.npmjs.com/package/@workos-inc/authkit-js/v/0.20.0 (src/create-client.ts l.214-218, l.424-432; notes: docs/sources/idp-failure-kinds.md §1)",
    },
};

/// clerk-js 5 through the "convex" JWT template.
const CLERK_JS_5: SdkSpec = SdkSpec {
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
        kinds: CLERK_JS_5_KINDS,
        retries_later: false,
        outage_not_shown: Some("clerk-js waits up to 50 s between its retries, which the clerk row does not show (its waits end within a tick), so an outage would end them too soon"),
        source: "https://www.npmjs.com/package/@clerk/clerk-js/v/5.114.0 (core/resources/Session.ts getToken: retry with initialDelay 3000, factor 1.55, maxDelayBetweenRetries 50000, not on 4xx; notes: docs/sources/clerk-auth0.md §A5, docs/sources/idp-failure-kinds.md §6)",
    },
};

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
        kinds: AUTHKIT_NEXTJS_KINDS,
        retries_later: true,
        outage_not_shown: None,
        source: "https://www.npmjs.com/package/@workos-inc/authkit-nextjs/v/2.11.1 (src/components/tokenStore.ts l.372-382; notes: docs/sources/authkit-nextjs.md §1d, docs/sources/idp-failure-kinds.md §4)",
    },
};

/// Every SDK's facts, in the order of [`Sdk::ALL`].
pub static SDKS: [SdkSpec; 11] = [
    AUTHKIT_JS_0200,
    SdkSpec {
        sdk: Sdk::AuthkitJs0202,
        name: "AuthKit",
        package: "@workos-inc/authkit-js 0.20.2 under @workos-inc/authkit-react 0.16.2 (0.20.3 alike in these facts)",
        token_store: TokenStoreFacts {
            source: "https://www.npmjs.com/package/@workos-inc/authkit-js/v/0.20.2 (src/create-client.ts getAccessToken, #refreshSession; src/utils/session-data.ts: as 0.20.0; notes: docs/sources/idp-failure-kinds.md §2)",
            ..AUTHKIT_JS_0200.token_store
        },
        refresh_policy: RefreshPolicyFacts {
            source: "https://www.npmjs.com/package/@workos-inc/authkit-js/v/0.20.2 (src/create-client.ts l.91-93 onBeforeAutoRefresh, l.355-367 the auto-refresh loop, l.521-523 #shouldRefresh; notes: docs/sources/idp-failure-kinds.md §2)",
            ..AUTHKIT_JS_0200.refresh_policy
        },
        failures: FailureFacts {
            // A transient RefreshError (408, 429, 500-504) keeps the session; a
            // call not forced still gets the token in memory until it expires.
            kinds: AUTHKIT_JS_0202_KINDS,
            source: "https://www.npmjs.com/package/@workos-inc/authkit-js/v/0.20.2 (src/create-client.ts l.220-262, l.461-498; src/http-client.ts l.14, l.66-85; src/errors.ts l.14-46; notes: docs/sources/idp-failure-kinds.md §2)",
            ..AUTHKIT_JS_0200.failures
        },
    },
    AUTHKIT_NEXTJS,
    SdkSpec {
        sdk: Sdk::AuthkitNextjs432,
        name: "AuthKit (Next.js)",
        package: "@workos-inc/authkit-nextjs 4.3.2",
        // The store is 2.11.1's, but for the timer, armed at the first
        // subscriber instead of at construction, and the refresh action's
        // answer, unwrapped (diff of dist/esm/components/tokenStore.js).
        token_store: TokenStoreFacts {
            source: "https://www.npmjs.com/package/@workos-inc/authkit-nextjs/v/4.3.2 (src/components/tokenStore.ts l.5-10 unwrapRefreshResult, l.60-75 subscribe, l.208 parseToken, l.280 getAccessTokenSilently: 2.11.1's algorithm; notes: docs/sources/idp-failure-kinds.md §4)",
            ..AUTHKIT_NEXTJS.token_store
        },
        refresh_policy: RefreshPolicyFacts {
            source: "https://www.npmjs.com/package/@workos-inc/authkit-nextjs/v/4.3.2 (src/components/tokenStore.ts l.21, l.60-75, l.102-106; src/components/useAccessToken.ts l.115-129 wake listeners: as 2.11.1; notes: docs/sources/idp-failure-kinds.md §4)",
            ..AUTHKIT_NEXTJS.refresh_policy
        },
        failures: FailureFacts {
            kinds: AUTHKIT_NEXTJS_432_KINDS,
            source: "https://www.npmjs.com/package/@workos-inc/authkit-nextjs/v/4.3.2 (src/components/tokenStore.ts l.390-400: stale token kept, retry in 300 s, rethrow; src/session.ts l.332-390 the middleware keeps the cookie for a transient failure; notes: docs/sources/idp-failure-kinds.md §4)",
            ..AUTHKIT_NEXTJS.failures
        },
    },
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
            kinds: AUTHKIT_TANSTACK_020_KINDS,
            source: "https://www.npmjs.com/package/@workos/authkit-tanstack-react-start/v/0.2.0 (dist/client/tokenStore.js: stale token kept, retry in 300 s, rethrow; the server through @workos/authkit-session 0.1.3; notes: docs/sources/authkit-nextjs.md §3, docs/sources/idp-failure-kinds.md §5)",
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
            kinds: AUTHKIT_TANSTACK_0111_KINDS,
            source: "https://www.npmjs.com/package/@workos/authkit-tanstack-react-start/v/0.11.1 (dist/client/tokenStore.js l.182-189: stale token kept, retry in 300 s, rethrow; notes: docs/sources/idp-failure-kinds.md §5)",
            ..AUTHKIT_NEXTJS.failures
        },
    },
    CLERK_JS_5,
    SdkSpec {
        sdk: Sdk::ClerkJs5SessionToken,
        name: "Clerk (session token)",
        package: "@clerk/clerk-js 5 (5.127.2 source, 5.128.0 bundle) under @clerk/clerk-react 5, Clerk's session token",
        token_store: TokenStoreFacts {
            // The session token (no template) in the same cache as the
            // template's: handed out while it has 15 s left; skipCache fetches.
            source: "https://www.npmjs.com/package/@clerk/clerk-js/v/5.128.0 (src/core/tokenCache.ts; src/core/resources/Session.ts _getToken; notes: docs/sources/clerk-auth0.md §A2, docs/sources/idp-failure-kinds.md §6)",
            ..CLERK_JS_5.token_store
        },
        refresh_policy: RefreshPolicyFacts {
            // SessionCookiePoller ticks every 5 s and calls session.getToken()
            // (no template), which refetches once fewer than 15 s are left: it
            // refreshes the very token Convex uses, on its own. Its timers run
            // in a worker, so a hidden tab does not stop them.
            refreshes_on_its_own: true,
            waits_for_visible: false,
            refreshes_on_wake: false,
            source: "https://www.npmjs.com/package/@clerk/clerk-js/v/5.128.0 (src/core/auth/SessionCookiePoller.ts l.6, l.20-24 INTERVAL_IN_MS = 5 * 1_000, tag @clerk/clerk-js@5.127.2; notes: docs/sources/idp-failure-kinds.md §6)",
        },
        failures: FailureFacts {
            // Convex's own calls take the same getToken path; the poller's
            // failures reach nobody (a 4xx calls handleUnauthenticated, others
            // set the status to degraded).
            source: "https://www.npmjs.com/package/@clerk/clerk-js/v/5.128.0 (src/core/resources/Session.ts l.108-121; src/core/auth/AuthCookieService.ts l.276-300; notes: docs/sources/idp-failure-kinds.md §6)",
            ..CLERK_JS_5.failures
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
            kinds: AUTH0_SPA_JS_KINDS,
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
            kinds: BETTER_AUTH_KINDS,
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
            kinds: CONVEX_AUTH_KINDS,
            retries_later: false,
            outage_not_shown: None,
            source: "https://www.npmjs.com/package/@convex-dev/auth/v/0.0.95 (src/react/client.tsx l.175-209 verifyCode; notes: docs/sources/convex-auth-better-auth.md §A2, docs/sources/idp-failure-kinds.md §8)",
        },
    },
];

/// How the Convex backend verifies this SDK's tokens: the provider kind in the
/// deployment's `convex/auth.config.ts` the integration's setup writes
/// (get-convex/convex-backend 94a42c3 `crates/common/src/auth.rs:48-82`; notes:
/// docs/sources/idp-failure-kinds.md §11).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProviderKind {
    /// `type: "customJwt"`: the JWKS at a URL, biscuit's claim checks with a 5 s
    /// epsilon on `exp`, `nbf` and `iat` (`crates/authentication/src/lib.rs:361-378`).
    CustomJwt,
    /// `domain` + `applicationID`: OpenID discovery, and openidconnect's verifier,
    /// which checks `exp` with no leeway and neither `iat` nor `nbf`
    /// (https://github.com/ramosbugs/openidconnect-rs/blob/15a9c55/src/verification/mod.rs#L549 and #L825-L833).
    Oidc,
}

/// The provider kind of an SDK's deployment, with its source.
#[derive(Clone, Copy, Debug)]
pub struct ConvexProvider {
    pub kind: ProviderKind,
    pub source: &'static str,
}

impl ConvexProvider {
    /// The server's checks in words, as `list` shows them.
    pub fn describe(&self) -> &'static str {
        match self.kind {
            ProviderKind::CustomJwt => "customJwt provider: exp, nbf and iat checked with 5 s of leeway, so a server clock behind the IdP's rejects a new token (server-clock-behind)",
            ProviderKind::Oidc => "OIDC provider: exp checked with no leeway, iat and nbf not at all (server-clock-behind rejects nothing and is refused)",
        }
    }
}

impl Sdk {
    /// How the Convex deployment behind this SDK verifies its tokens.
    pub fn convex_provider(self) -> ConvexProvider {
        let (kind, source) = match self {
            Sdk::AuthkitJs
            | Sdk::AuthkitJs0202
            | Sdk::AuthkitNextjs
            | Sdk::AuthkitNextjs432
            | Sdk::AuthkitTanstackStart020
            | Sdk::AuthkitTanstackStart0111 => (
                ProviderKind::CustomJwt,
                "customJwt: get-convex/templates c9b4180 template-react-vite-authkit/convex/auth.config.ts (template-nextjs-authkit, template-tanstack-start-authkit alike)",
            ),
            Sdk::BetterAuth => (
                ProviderKind::CustomJwt,
                "customJwt: @convex-dev/better-auth 0.12.5 src/auth-config.ts (getAuthConfigProvider)",
            ),
            Sdk::ClerkJs5 | Sdk::ClerkJs5SessionToken => (
                ProviderKind::Oidc,
                "OIDC: domain + applicationID \"convex\", get-convex/templates c9b4180 template-react-vite-clerk-shadcn/convex/auth.config.js",
            ),
            Sdk::Auth0SpaJs => (
                ProviderKind::Oidc,
                "OIDC: domain + applicationID (the Auth0 client ID), https://docs.convex.dev/auth/auth0",
            ),
            Sdk::ConvexAuth => (
                ProviderKind::Oidc,
                "OIDC: domain CONVEX_SITE_URL + applicationID \"convex\", get-convex/templates c9b4180 template-react-vite-convexauth/convex/auth.config.ts",
            ),
        };
        ConvexProvider { kind, source }
    }

    /// The SDKs with a row of [`SDKS`], in its order.
    pub const ALL: [Sdk; 11] = [
        Sdk::AuthkitJs,
        Sdk::AuthkitJs0202,
        Sdk::AuthkitNextjs,
        Sdk::AuthkitNextjs432,
        Sdk::AuthkitTanstackStart020,
        Sdk::AuthkitTanstackStart0111,
        Sdk::ClerkJs5,
        Sdk::ClerkJs5SessionToken,
        Sdk::Auth0SpaJs,
        Sdk::BetterAuth,
        Sdk::ConvexAuth,
    ];

    /// The SDK's short name, as `list` shows it.
    pub fn code(self) -> &'static str {
        match self {
            Sdk::AuthkitJs => "authkit-js",
            Sdk::AuthkitJs0202 => "authkit-js-0.20.2",
            Sdk::AuthkitNextjs => "authkit-nextjs",
            Sdk::AuthkitNextjs432 => "authkit-nextjs-4.3.2",
            Sdk::AuthkitTanstackStart020 => "authkit-tanstack-react-start-0.2.0",
            Sdk::AuthkitTanstackStart0111 => "authkit-tanstack-react-start-0.11.1",
            Sdk::ClerkJs5 => "clerk-js-5",
            Sdk::ClerkJs5SessionToken => "clerk-js-5-session-token",
            Sdk::Auth0SpaJs => "auth0-spa-js",
            Sdk::BetterAuth => "better-auth",
            Sdk::ConvexAuth => "convex-auth",
        }
    }

    /// The versions of this SDK a hook written for it runs over unchanged (one
    /// package, one API): what `scenario.sdk` may choose from.
    pub fn versions(self) -> &'static [Sdk] {
        match self {
            Sdk::AuthkitJs | Sdk::AuthkitJs0202 => &[Sdk::AuthkitJs, Sdk::AuthkitJs0202],
            Sdk::AuthkitTanstackStart020 | Sdk::AuthkitTanstackStart0111 => {
                &[Sdk::AuthkitTanstackStart020, Sdk::AuthkitTanstackStart0111]
            }
            Sdk::AuthkitNextjs | Sdk::AuthkitNextjs432 => {
                &[Sdk::AuthkitNextjs, Sdk::AuthkitNextjs432]
            }
            Sdk::ClerkJs5 => &[Sdk::ClerkJs5],
            Sdk::ClerkJs5SessionToken => &[Sdk::ClerkJs5SessionToken],
            Sdk::Auth0SpaJs => &[Sdk::Auth0SpaJs],
            Sdk::BetterAuth => &[Sdk::BetterAuth],
            Sdk::ConvexAuth => &[Sdk::ConvexAuth],
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
    /// What `kind` does under this SDK.
    pub fn effect(&self, kind: FailureKind) -> FailureEffect {
        self.fact(kind).effect
    }

    /// The fact of `kind`, with its source.
    pub fn fact(&self, kind: FailureKind) -> &KindFact {
        self.kinds
            .iter()
            .find(|fact| fact.kind == kind)
            .expect("every row names every kind (sdks::tests)")
    }

    /// The facts besides the kinds' in words, as `list` shows them (each kind's
    /// on a line of its own: [`KindFact::describe`]).
    pub fn describe(&self) -> String {
        let mut text = if self.retries_later {
            "after a failed refresh it tries once more later, once the token is due".to_string()
        } else {
            "no retry of its own after a failed refresh".to_string()
        };
        if let Some(why) = self.outage_not_shown {
            let _ = write!(text, "; IdP outages refused: {why}");
        }
        text
    }
}

impl FailureKind {
    /// Every kind, in the order each row of [`SDKS`] lists them.
    pub const ALL: [FailureKind; 8] = [
        FailureKind::NetworkError,
        FailureKind::Offline,
        FailureKind::Http5xx,
        FailureKind::Http429,
        FailureKind::Http408,
        FailureKind::SessionEnded,
        FailureKind::NoSession,
        FailureKind::LockTimeout,
    ];

    /// Whether one failed refresh can be of this kind (`faults.failure_kind`):
    /// the others are states of the session (an ended one is
    /// `faults.session_ends`, none at all is `app.page_load`).
    pub fn is_of_one_refresh(self) -> bool {
        !matches!(self, FailureKind::SessionEnded | FailureKind::NoSession)
    }

    /// The failure in words, as traces tell it.
    pub fn words(self) -> &'static str {
        match self {
            FailureKind::NetworkError => "a network error",
            FailureKind::Offline => "a network error while the browser is offline",
            FailureKind::Http5xx => "the IdP answers 5xx",
            FailureKind::Http429 => "the IdP answers 429 (rate limited)",
            FailureKind::Http408 => "the IdP answers 408 (timed out)",
            FailureKind::SessionEnded => "the session has ended at the IdP",
            FailureKind::NoSession => "there is no session",
            FailureKind::LockTimeout => "the SDK's lock wait times out",
        }
    }

    /// The name check files use.
    pub fn code(self) -> &'static str {
        match self {
            FailureKind::NetworkError => "network-error",
            FailureKind::Offline => "offline",
            FailureKind::Http5xx => "http-5xx",
            FailureKind::Http429 => "http-429",
            FailureKind::Http408 => "http-408",
            FailureKind::SessionEnded => "session-ended",
            FailureKind::NoSession => "no-session",
            FailureKind::LockTimeout => "lock-timeout",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FailureEffect {
    /// The effect in words, as `list` shows it.
    pub fn describe(&self) -> String {
        match *self {
            Thrown => "thrown at once, session kept".into(),
            RetriedThenThrown {
                attempts,
                waits_after_last,
            } => format!(
                "retried by the SDK ({attempts} attempts in all, a wait before each retry{}), then thrown; session kept",
                if waits_after_last {
                    " and after the last"
                } else {
                    ""
                }
            ),
            ThrownUnlessUnexpired => "thrown, but a call not forced gets the token in memory until it expires; session kept".into(),
            LoginRequired => "its signed-out answer (there is no session)".into(),
            ResolvesNull => "null at once, session kept".into(),
            NullOnceExpired => "thrown while the token in memory is valid, null once it has expired; session kept".into(),
            NullOnceDue => "thrown while the token in memory is not due, null once it is; session kept".into(),
            WipedOnceExpired => "thrown while the token in the session cookie is valid; once it has expired, the server deletes the cookie: null from then on, the session lost".into(),
            WipesSession => "wipes the session and throws \"login required\"".into(),
            SignsOut => "signs the user out, then null".into(),
            ThrownForever => "thrown on every call, the user kept (a ghost user)".into(),
            NotProduced(why) => format!("cannot happen: {why}"),
        }
    }
}

impl FailureEffect {
    /// Whether the SDK's store, with nothing in its memory, reads the token
    /// in the app's session cookie before it refreshes, and keeps it when the
    /// refresh answers no user: where the server may answer no user, what the
    /// store holds matters (the token store's `pulled`).
    pub fn store_reads_the_cookie_first(self) -> bool {
        matches!(
            self,
            FailureEffect::NullOnceExpired | FailureEffect::WipedOnceExpired
        )
    }
}

impl KindFact {
    /// The fact in words, as `list` shows it.
    pub fn describe(&self) -> String {
        format!("{}: {}", self.kind, self.effect.describe())
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

    /// Every row says what each kind of failure does, in the order of
    /// [`FailureKind::ALL`], with a source; a kind a row cannot produce says why.
    #[test]
    fn every_row_names_every_failure_kind_with_its_source() {
        for row in &SDKS {
            for (fact, kind) in row.failures.kinds.iter().zip(FailureKind::ALL) {
                assert_eq!(fact.kind, kind, "{}", row.sdk);
                assert!(fact.source.len() > 10, "{} {kind}", row.sdk);
                if let NotProduced(why) = fact.effect {
                    assert!(!why.is_empty(), "{} {kind}", row.sdk);
                    assert_eq!(kind, FailureKind::LockTimeout, "{}", row.sdk);
                }
            }
            // With no session, every SDK gives its signed-out answer.
            assert!(matches!(
                row.failures.effect(FailureKind::NoSession),
                LoginRequired | ResolvesNull
            ));
        }
    }

    /// authkit-js 0.20.0 wipes the session on a WorkOS 5xx, 429 or 408; 0.20.2
    /// keeps it, and both wipe it once the session has ended at WorkOS.
    #[test]
    fn authkit_js_0_20_2_keeps_the_session_on_a_transient_answer() {
        let (old, new) = (Sdk::AuthkitJs.spec(), Sdk::AuthkitJs0202.spec());
        for kind in [
            FailureKind::Http5xx,
            FailureKind::Http429,
            FailureKind::Http408,
        ] {
            assert_eq!(old.failures.effect(kind), WipesSession);
            assert_eq!(new.failures.effect(kind), ThrownUnlessUnexpired);
        }
        for row in [old, new] {
            assert_eq!(row.failures.effect(FailureKind::SessionEnded), WipesSession);
            assert_eq!(row.failures.effect(FailureKind::NetworkError), Thrown);
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
            for kind in [FailureKind::NetworkError, FailureKind::Offline] {
                assert_eq!(a.failures.effect(kind), b.failures.effect(kind));
            }
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
