//! What each auth-provider adapter hook does, as data: one row per adapter saying
//! which IdP SDK it wraps, how its `fetchAccessToken` treats `forceRefreshToken`,
//! what it turns each error of the SDK into (the session has ended, a transient
//! error), and when the React inputs it hands to `ConvexProviderWithAuth` change.
//! Each row names its source (the hook's file at a pinned commit or version). The
//! SDK's own facts (its token store, refresh policy and failure behaviour) are its
//! row of [`crate::sdks::SDKS`], which the row names by [`AdapterSpec::sdk`].
//!
//! Facts of the React layer the WorkOS hooks read (authkit-react 0.16.0–0.16.2,
//! `src/provider.tsx`, `src/state.ts`): `isLoading` is true at the first render
//! and false once `createClient` resolves, after the initial session refresh (no
//! token exists while loading); it never turns true again on a token refresh.
//! `getAccessToken` is `NOOP_CLIENT`'s (rejecting with `LoginRequiredError`) until
//! then, and the client's bound method after: it changes identity once per load.
//! `switchToOrganization` replaces the `user` object (same content), and so
//! does every refresh whose access token carries a `roles` claim: `handleRefresh`
//! keeps the old state only when `isEquivalentWorkOSSession` holds, which compares
//! `roles` by reference, and each refresh parses a new array (authkit-react
//! 0.16.1 `src/provider.tsx` l.36-68, l.126; 0.16.2 l.142). The rows model tokens
//! without `roles`; with them, a hook whose deps hold `user` hands Convex a new
//! `fetchAccessToken` at every refresh, as at a session switch
//! (`faults.session_switches`), which `recommended-workos` avoids by `user?.id`.
//!
//! Facts of the other hooks: signed out, clerk-react's `getToken` resolves null
//! (`docs/sources/clerk-auth0.md` §A5); `ConvexProviderWithAuth0` returns the
//! `id_token` and maps every error to null (§B1); `@convex-dev/better-auth`'s hook
//! calls the token endpoint with `throw:false`, so every failure becomes null
//! (`docs/sources/convex-auth-better-auth.md` §B2); `@convex-dev/auth`'s
//! `fetchAccessToken` returns the JWT in memory when not forced, with no expiry
//! check, gives null and signs out on a rejected refresh token, reports
//! `isAuthenticated` as "a JWT is held", and never changes identity (§A1, §A2,
//! §A5).
//!
//! The adapter hook of the token provider actor (`actors::token_provider`) reads
//! these rows; no adapter has a code path of its own. The IdP SDK the adapters wrap
//! is apart from them, in `actors::idp`, which reads the SDK's row.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::sdks::{FailureEffect, FailureKind, Sdk};

/// The adapters the model knows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Adapter {
    /// `@convex-dev/workos` 0.0.3 `ConvexProviderWithAuthKit` (convex-backend commit
    /// 3c63ed8, `npm-packages/@convex-dev/workos/src/index.tsx`).
    #[default]
    #[serde(rename = "workos-0.0.3")]
    WorkOs003,
    /// The custom `useAuthFromAuthKit` of the Convex docs (convex-backend 94a42c3
    /// `npm-packages/docs/docs/auth/authkit/add-to-app.mdx` l.531-583) over the
    /// hooks of `@workos-inc/authkit-nextjs/components` 2.11.1, so over its token
    /// store: forced → `refresh()`, otherwise `getAccessToken()`, any error →
    /// null, `isLoading = useAuth().loading`, `isAuthenticated = !!user`, deps
    /// `[user, refresh, getAccessToken]`. The WorkOS template's revision of the
    /// same hook (PR #8, afd8097) differs in its flags (`isLoading = loading ||
    /// (user xor accessToken)`, `isAuthenticated = !!user && !!accessToken`),
    /// which no row describes.
    #[serde(rename = "docs-custom")]
    DocsCustom,
    /// `@convex-dev/workos` as convex-backend PR #529 first changed it: the PR's
    /// head cd91e8a ("Fix WorkOS AuthKit token refresh handling"; 0c7d3b2 is
    /// `refs/pull/529/merge`, that head merged into main): forced →
    /// `getAccessToken({forceRefresh:true})`, `LoginRequiredError` → null, every other
    /// error rethrown. (On main the hook is still 0.0.3's: `workos-0.0.3`.) The old
    /// name `workos-main` still reads.
    #[serde(rename = "workos-pr529-cd91e8a", alias = "workos-main")]
    WorkOsPr529Cd91e8a,
    /// convex-backend PR #529 on top of main: errors are retried (3 attempts in all)
    /// and only then mapped to null; never throws.
    #[serde(rename = "workos-pr529")]
    WorkOsPr529,
    /// `ConvexProviderWithClerk` of convex 1.49.0 (`dist/esm/react-clerk/
    /// ConvexProviderWithClerk.js`) over `@clerk/clerk-react` 5 / clerk-js 5
    /// (5.58.1 / 5.114.0, November 2025): forced → `getToken({template:"convex",
    /// skipCache:true})`, any error → null, deps `[orgId, orgRole, sessionId]`.
    #[serde(rename = "clerk")]
    Clerk,
    /// The same `ConvexProviderWithClerk` with Clerk's "Convex integration"
    /// activated, as the Convex docs prescribe: the session's claims carry
    /// `aud: "convex"`, so it calls `getToken({skipCache})` with no template
    /// (convex 1.49.0 `src/react-clerk/ConvexProviderWithClerk.tsx` l.73-97):
    /// Clerk's session token, which clerk-js's poller keeps fresh on its own.
    #[serde(rename = "clerk-convex-integration")]
    ClerkConvexIntegration,
    /// `ConvexProviderWithAuth0` of convex 1.49.0 (`dist/esm/react-auth0/
    /// ConvexProviderWithAuth0.js`) over `@auth0/auth0-react` 2.27.0 /
    /// `@auth0/auth0-spa-js` 2.28.3: forced → `getAccessTokenSilently({cacheMode:
    /// "off"})`, returns the `id_token`, any error → null, deps
    /// `[getAccessTokenSilently]` (stable).
    #[serde(rename = "auth0")]
    Auth0,
    /// `ConvexBetterAuthProvider` of `@convex-dev/better-auth` 0.12.5
    /// (`src/react/index.tsx`, `useUseAuthFromBetterAuth`) over `better-auth`
    /// 1.6.34, in a single-page app (no `initialToken`): every fetch asks
    /// `/api/auth/convex/token`, any failure → null, deps `[sessionId]`.
    #[serde(rename = "better-auth")]
    BetterAuth,
    /// `ConvexAuthProvider` of `@convex-dev/auth` 0.0.95 (`src/react/client.tsx`,
    /// `useAuth`'s `fetchAccessToken`): not forced → the JWT in memory; forced →
    /// `auth:signIn` with the refresh token under a browser lock; a network error
    /// is retried once (after 0.5 s), then thrown; deps stable.
    #[serde(rename = "convex-auth")]
    ConvexAuth,
    /// The Convex Next.js template's `useAuthFromAuthKit` (get-convex/templates
    /// `template-nextjs-authkit/components/ConvexClientProvider.tsx` at 0a61d3c,
    /// unchanged to HEAD; WorkOS template revision F, f92fdbc5) over
    /// `@workos-inc/authkit-nextjs` 2.11.1's token store: forced → `refresh()`,
    /// else `getAccessToken()`, any error → null, `isLoading = useAuth().loading`,
    /// `isAuthenticated = !!user`, deps `[user, refresh, getAccessToken]`. The
    /// integration the #259 reporter ran.
    #[serde(rename = "authkit-nextjs")]
    AuthkitNextjs,
    /// WorkOS template revision G (workos/template-convex-nextjs-authkit 456be407,
    /// 2025-11-19, PR #17 "race condition on laptop wake"): as `authkit-nextjs`,
    /// but an error returns the last rendered access token (kept by the token
    /// store, possibly expired) instead of null. Never ported to
    /// get-convex/templates. As published it calls `useEffect` without importing
    /// it (line 31; line 3 imports `ReactNode, useCallback, useState, useRef`):
    /// the row reads it with the import added.
    #[serde(rename = "authkit-nextjs-wake-fix")]
    AuthkitNextjsWakeFix,
    /// The Convex TanStack Start template's `useAuthFromWorkOS` as of November
    /// 2025 (get-convex/templates `template-tanstack-start-authkit/src/router.tsx`
    /// at 71494a3) over `@workos/authkit-tanstack-react-start` 0.2.0: forced (or
    /// no token rendered) → `getAccessToken()`, which refreshes only a token about
    /// to expire; otherwise the rendered `accessToken`, unchecked; errors reach
    /// Convex; deps `[accessToken, getAccessToken]`. The template pinned 0.1.0 then:
    /// 0.2.0 was its pin for six minutes (83bf843, 2025-11-20, reverted by 287b48c);
    /// the row reads 0.2.0's SDK, and 0.1.0's is not compared with it.
    #[serde(rename = "tanstack-start-2025")]
    TanstackStart2025,
    /// The same template from db3b631 (2026-02-06, PR #270, unchanged to HEAD
    /// c9b41801) over `@workos/authkit-tanstack-react-start` 0.11.1: forced →
    /// `refresh()`, else `getAccessToken()`, errors reach Convex, deps
    /// `[user, refresh, getAccessToken]`; the SDK's timer now refreshes short
    /// tokens on its own (de3ea6e, 0.8.2). The template's own pin had that fix only
    /// from 2026-08-11 (0.11.0, 23532f9): before, it pinned 0.5.0 (2026-01-21 to
    /// 2026-03-16) and 0.6.0 (2026-04-11 to 2026-08-07), neither with the fix.
    #[serde(rename = "tanstack-start")]
    TanstackStart,
    /// This project's recommended hook for `@convex-dev/workos` users over
    /// authkit-react 0.16.2 / authkit-js 0.20.2 or later (`fixes/workos/`;
    /// authkit-js 0.20.0, which authkit-react 0.16.1 pins, answers a WorkOS
    /// 5xx, 429 or 408 with the same `LoginRequiredError` as an ended session,
    /// which no hook can tell apart): forced →
    /// `getAccessToken({forceRefresh:true})`, `LoginRequiredError` → null, any
    /// other error retried with a bounded backoff until it succeeds (never null,
    /// never thrown), deps `[user, getAccessToken]`.
    #[serde(rename = "recommended-workos")]
    RecommendedWorkOs,
    /// The recommended hook for the Next.js template over authkit-nextjs 2.11.1
    /// (`fixes/authkit-nextjs/`): the template's hook with errors retried with a
    /// bounded backoff instead of mapped to null.
    #[serde(rename = "recommended-authkit-nextjs")]
    RecommendedAuthkitNextjs,
    /// The recommended hook for the TanStack Start template over
    /// authkit-tanstack-react-start 0.11.1 (`fixes/tanstack-start/`): the
    /// template's hook with a try/catch: an ended session → null, any other error
    /// retried with a bounded backoff.
    #[serde(rename = "recommended-tanstack-start")]
    RecommendedTanstackStart,
    /// The user's own hook, described in the check file (`[scenario.custom_adapter]`,
    /// [`CustomAdapter`]) over the modelled AuthKit-like SDK.
    #[serde(rename = "custom")]
    Custom,
}

/// What a user says of their own adapter hook (`adapter = "custom"`), field by
/// field as the rows of [`ADAPTERS`] say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomAdapter {
    /// The IdP SDK under the hook: `"authkit-js"` (authkit-react's client: a 1 s
    /// auto-refresh loop that waits for a visible tab) or `"authkit-nextjs"` (the
    /// Next.js token store: short tokens refreshed only when asked, once more
    /// after a failure, and when the tab becomes visible with the token due).
    #[serde(default)]
    pub sdk: CustomSdk,
    /// `fetchAccessToken({forceRefreshToken: true})`: `"refreshes"` (asks the
    /// SDK for a new token) or `"ignored"` (returns the cached one).
    pub force: CustomForce,
    /// What the hook returns when the session has ended (the SDK throws
    /// "login required"): `"null"` or `"rethrow"`.
    #[serde(default = "CustomError::null")]
    pub login_required: CustomError,
    /// What it does when a refresh fails transiently: `"null"`, `"rethrow"`,
    /// `"retry"` (then `retry_attempts`, `retry_waits`), `"stale-token"` (the
    /// last token it rendered, which the SDK keeps), `"last-returned"` (the
    /// last token the hook itself returned, kept in a ref) or `"backoff"`
    /// (retried until it succeeds: `retry_attempts` retries after short waits,
    /// then one every tick or two).
    #[serde(default = "CustomError::null")]
    pub transient_error: CustomError,
    /// With `transient_error = "retry"`: attempts in all before it returns null;
    /// with `"backoff"`: retries after a short wait before the wait reaches its
    /// cap (a tick or more).
    #[serde(default = "three")]
    pub retry_attempts: u8,
    /// With `transient_error = "retry"`: whether it waits (less than a tick)
    /// before each retry.
    #[serde(default)]
    pub retry_waits: bool,
    /// `fetchAccessToken`'s deps: a new function when the user changes (sign-in,
    /// sign-out, account switch) …
    #[serde(default)]
    pub fetcher_follows_user: bool,
    /// … when the session or organization changes …
    #[serde(default)]
    pub fetcher_follows_session: bool,
    /// … once when the SDK finishes loading …
    #[serde(default)]
    pub fetcher_follows_sdk_load: bool,
    /// … whenever the SDK's token changes (the token is in the deps).
    #[serde(default)]
    pub fetcher_follows_token: bool,
    /// Whether `isLoading` is true while a refresh made for a fetch is in flight.
    #[serde(default)]
    pub loading_while_refreshing: bool,
    /// Whether `isAuthenticated` needs a token in memory besides a user.
    #[serde(default)]
    pub authenticated_needs_token: bool,
    /// Over a framework SDK's token store: whether the hook retries (as it
    /// retries transient failures) when the store answers no token while
    /// `useAuth()` still has the user, rather than returning null.
    #[serde(default)]
    pub retries_no_token_while_signed_in: bool,
    /// The real code the replays render for this hook (`convex-auth-check hook`
    /// runs the user's file in the harness of the SDK's recommended hook);
    /// unset, the replays play the hook with the fake adapter. Not a field of
    /// the check file.
    #[serde(skip)]
    pub runs: Option<AdapterCode>,
}

fn three() -> u8 {
    3
}

/// [`CustomAdapter::sdk`]: the SDKs a custom hook may name, as the check file
/// spells them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CustomSdk {
    /// authkit-react 0.16.1 over authkit-js 0.20.0.
    #[default]
    AuthkitJs,
    /// authkit-react 0.16.2 over authkit-js 0.20.2 or later.
    #[serde(rename = "authkit-js-0.20.2")]
    AuthkitJs0202,
    /// authkit-nextjs 2.11.1's token store.
    AuthkitNextjs,
    /// authkit-nextjs 4.3.2's token store.
    #[serde(rename = "authkit-nextjs-4.3.2")]
    AuthkitNextjs432,
    /// authkit-tanstack-react-start 0.11.1's token store.
    #[serde(rename = "authkit-tanstack-react-start-0.11.1")]
    AuthkitTanstackStart0111,
}

impl CustomSdk {
    pub const ALL: [CustomSdk; 5] = [
        CustomSdk::AuthkitJs,
        CustomSdk::AuthkitJs0202,
        CustomSdk::AuthkitNextjs,
        CustomSdk::AuthkitNextjs432,
        CustomSdk::AuthkitTanstackStart0111,
    ];

    /// The SDK of [`crate::sdks::SDKS`] this name stands for.
    pub fn sdk(self) -> Sdk {
        match self {
            CustomSdk::AuthkitJs => Sdk::AuthkitJs,
            CustomSdk::AuthkitJs0202 => Sdk::AuthkitJs0202,
            CustomSdk::AuthkitNextjs => Sdk::AuthkitNextjs,
            CustomSdk::AuthkitNextjs432 => Sdk::AuthkitNextjs432,
            CustomSdk::AuthkitTanstackStart0111 => Sdk::AuthkitTanstackStart0111,
        }
    }

    /// The name a check file gives it.
    pub fn name(self) -> &'static str {
        match self {
            CustomSdk::AuthkitJs => "authkit-js",
            CustomSdk::AuthkitJs0202 => "authkit-js-0.20.2",
            CustomSdk::AuthkitNextjs => "authkit-nextjs",
            CustomSdk::AuthkitNextjs432 => "authkit-nextjs-4.3.2",
            CustomSdk::AuthkitTanstackStart0111 => "authkit-tanstack-react-start-0.11.1",
        }
    }

    /// Whether it is a framework SDK's token store (its server functions
    /// answer the refreshes), not authkit-js in the browser.
    pub fn is_token_store(self) -> bool {
        !matches!(self, CustomSdk::AuthkitJs | CustomSdk::AuthkitJs0202)
    }
}

/// [`CustomAdapter::force`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CustomForce {
    Refreshes,
    Ignored,
}

/// What a custom hook makes of an SDK error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CustomError {
    Null,
    Rethrow,
    Retry,
    StaleToken,
    /// The last token the hook itself returned (a ref it keeps), null before
    /// the first: not the SDK's newest (`LastReturned`).
    LastReturned,
    /// Retried until it succeeds, with a bounded backoff (`RetryWithBackoff`).
    Backoff,
}

impl CustomError {
    fn null() -> CustomError {
        CustomError::Null
    }
}

impl CustomAdapter {
    /// The row these facts make, over the SDK `sdk` names (its row of
    /// [`crate::sdks::SDKS`]: authkit-js's auto-refresh loop, or the
    /// authkit-nextjs store's retry and wake listener); replays play the hook
    /// with the fake adapter.
    pub fn spec(&self) -> AdapterSpec {
        let handling = |e: CustomError| match e {
            CustomError::Null => ErrorHandling::Null,
            CustomError::Rethrow => ErrorHandling::Rethrow,
            CustomError::Retry => ErrorHandling::RetryThenNull(self.retry_attempts),
            CustomError::StaleToken => ErrorHandling::StaleToken,
            CustomError::LastReturned => ErrorHandling::LastReturned,
            CustomError::Backoff => ErrorHandling::RetryWithBackoff(self.retry_attempts),
        };
        AdapterSpec {
            adapter: Adapter::Custom,
            force: match self.force {
                CustomForce::Refreshes => ForceHandling::Refreshes,
                CustomForce::Ignored => ForceHandling::Ignored,
            },
            login_required: handling(self.login_required),
            transient_error: handling(self.transient_error),
            fetcher_follows_user: self.fetcher_follows_user,
            fetcher_follows_session: self.fetcher_follows_session,
            fetcher_follows_token: self.fetcher_follows_token,
            fetcher_follows_sdk_load: self.fetcher_follows_sdk_load,
            loading_while_refreshing: self.loading_while_refreshing,
            authenticated_needs_token: self.authenticated_needs_token,
            retries_null_while_signed_in: self.retries_no_token_while_signed_in,
            waits_before_retry: self.retry_waits,
            sdk: self.sdk.sdk(),
            cache_checks_expiry: true,
            summary:
                "your own hook, as [scenario.custom_adapter] describes it (over AuthKit's client)",
            source: "the check file's [scenario.custom_adapter]",
            replay_code: self.runs,
        }
    }

    /// Values that contradict each other, as a one-line error.
    pub fn check(&self) -> Result<(), String> {
        if matches!(
            self.login_required,
            CustomError::Retry
                | CustomError::StaleToken
                | CustomError::LastReturned
                | CustomError::Backoff
        ) {
            return Err("scenario.custom_adapter.login_required: an ended session does not come back on a retry, and its token is gone; valid: \"null\", \"rethrow\"".into());
        }
        if self.retries_no_token_while_signed_in && !self.sdk.is_token_store() {
            return Err(format!("scenario.custom_adapter.retries_no_token_while_signed_in: only over a framework SDK's token store, not sdk = \"{}\"; valid sdk: \"authkit-nextjs\", \"authkit-nextjs-4.3.2\", \"authkit-tanstack-react-start-0.11.1\"", self.sdk.name()));
        }
        if !(1..=9).contains(&self.retry_attempts) {
            return Err(format!(
                "scenario.custom_adapter.retry_attempts: {} is out of range; 1..=9",
                self.retry_attempts
            ));
        }
        if !matches!(
            self.transient_error,
            CustomError::Retry | CustomError::Backoff
        ) && (self.retry_waits || self.retry_attempts != 3)
        {
            return Err("scenario.custom_adapter.retry_attempts: retry_attempts and retry_waits apply only with transient_error = \"retry\" or \"backoff\"; valid transient_error: \"null\", \"rethrow\", \"retry\", \"stale-token\", \"last-returned\", \"backoff\"".into());
        }
        Ok(())
    }
}

/// How a fetch with `forceRefreshToken: true` reaches the IdP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForceHandling {
    /// The flag is ignored: every fetch is a plain `getAccessToken()`, which returns
    /// the cached token unless it is about to expire.
    Ignored,
    /// A forced fetch always refreshes at the IdP (`refresh()` or
    /// `getAccessToken({forceRefresh:true})`).
    Refreshes,
    /// A forced fetch is a plain `getAccessToken()`, which checks the cached
    /// token's expiry whatever `cache_checks_expiry` says of fetches that are not
    /// forced (TanStack template 71494a3: forced → `getAccessToken()`, otherwise
    /// the rendered `accessToken`).
    PlainGetAccessToken,
}

/// What the adapter's `fetchAccessToken` makes of an error the IdP throws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorHandling {
    /// `catch { return null }`: the client reads null as "signed out".
    Null,
    /// The error is rethrown: `fetchToken` rejects.
    Rethrow,
    /// Retried until this many attempts in all have failed, then null.
    RetryThenNull(u8),
    /// Retried until this many attempts in all have failed, then rethrown.
    RetryThenRethrow(u8),
    /// The last access token the hook rendered, which the SDK keeps after a
    /// failed refresh (possibly expired); null when it has none (WorkOS template
    /// revision G's `accessTokenRef`).
    StaleToken,
    /// The last token this hook returned (it keeps it in a ref), possibly
    /// expired and possibly older than the SDK's; null before its first.
    /// Found in the wild as a "stable token" ref, and what `hook` learns of
    /// such a file.
    LastReturned,
    /// Retried until it succeeds, never null, never thrown, with a bounded
    /// backoff: the first this-many retries come after short waits (under a
    /// tick, `waits_before_retry`), every later one after the backoff's cap,
    /// which is at least a tick: it waits for the clock to tick, then for the
    /// end of a short wait (the recommended hooks, `fixes/`).
    RetryWithBackoff(u8),
}

/// What `fetchAccessToken` does next, once an IdP call has thrown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterError {
    /// It resolves with null.
    ResolveNull,
    /// It rejects.
    Reject,
    /// It calls the IdP again.
    Retry,
    /// It resolves with the token the SDK still holds (null when none).
    ResolveStaleToken,
    /// It resolves with the last token it returned (null when none).
    ResolveLastReturned,
}

impl ErrorHandling {
    /// What `fetchAccessToken` does after `failed_attempts` IdP calls in all have
    /// thrown.
    pub fn after(self, failed_attempts: u8) -> AfterError {
        match self {
            ErrorHandling::Null => AfterError::ResolveNull,
            ErrorHandling::Rethrow => AfterError::Reject,
            ErrorHandling::RetryThenNull(attempts) if failed_attempts >= attempts => {
                AfterError::ResolveNull
            }
            ErrorHandling::RetryThenNull(_) => AfterError::Retry,
            ErrorHandling::RetryThenRethrow(attempts) if failed_attempts >= attempts => {
                AfterError::Reject
            }
            ErrorHandling::RetryThenRethrow(_) => AfterError::Retry,
            ErrorHandling::StaleToken => AfterError::ResolveStaleToken,
            ErrorHandling::LastReturned => AfterError::ResolveLastReturned,
            ErrorHandling::RetryWithBackoff(_) => AfterError::Retry,
        }
    }

    /// The count of failed attempts beyond which nothing the hook does changes:
    /// a fetch's count stops there (a backoff at its cap retries forever).
    pub fn counts_up_to(self) -> u8 {
        match self {
            ErrorHandling::RetryWithBackoff(short) => short.saturating_add(1),
            ErrorHandling::RetryThenNull(attempts) | ErrorHandling::RetryThenRethrow(attempts) => {
                attempts
            }
            ErrorHandling::Null
            | ErrorHandling::Rethrow
            | ErrorHandling::StaleToken
            | ErrorHandling::LastReturned => 1,
        }
    }

    /// Whether the retry after `failed_attempts` failures waits for the clock to
    /// tick first (a backoff at its cap).
    pub fn waits_a_tick(self, failed_attempts: u8) -> bool {
        matches!(self, ErrorHandling::RetryWithBackoff(short) if failed_attempts > short)
    }
}

/// The facts of one adapter: one row of [`ADAPTERS`].
#[derive(Clone, Copy, Debug)]
pub struct AdapterSpec {
    pub adapter: Adapter,
    pub force: ForceHandling,
    /// What it makes of AuthKit's `LoginRequiredError` (the session has ended).
    pub login_required: ErrorHandling,
    /// What it makes of a transient IdP error (network error, 5xx) that the SDK
    /// throws, after the SDK's own retries ([`AdapterSpec::transient_error_path`]).
    pub transient_error: ErrorHandling,
    /// Whether `fetchAccessToken`'s identity changes when the user object changes
    /// (sign-in / sign-out / account switch): true when `user` is in its hook deps.
    pub fetcher_follows_user: bool,
    /// Whether it changes when the session or organization changes for the same
    /// user: true when the deps hold something that changes then (authkit-react
    /// replaces the `user` object on `switchToOrganization`; Clerk's deps hold
    /// `orgId` and `sessionId`).
    pub fetcher_follows_session: bool,
    /// Whether it changes whenever the SDK's access token changes: true when the
    /// token itself is in the deps (TanStack template 71494a3, `[accessToken,
    /// getAccessToken]`): each refresh re-renders the provider with a new fetcher.
    pub fetcher_follows_token: bool,
    /// Whether it changes once when the IdP SDK finishes loading: true when the
    /// deps hold an SDK function that is a placeholder until then (authkit-react's
    /// `getAccessToken` is `NOOP_CLIENT`'s until `createClient` resolves).
    pub fetcher_follows_sdk_load: bool,
    /// Whether `isLoading` is true while an IdP refresh made for a fetch is in
    /// flight (authkit-nextjs `useAccessToken().loading` during `refresh()`); false
    /// when it reports only the SDK's first load (authkit-react).
    pub loading_while_refreshing: bool,
    /// Whether `isAuthenticated` needs a token in memory besides a user
    /// (`!!user && !!accessToken`); false for `!!user`.
    pub authenticated_needs_token: bool,
    /// Whether a null (or undefined) answer of the SDK is retried like an
    /// error while the user is still signed in to the SDK, instead of handed
    /// on: for an SDK whose null also means "the IdP failed" (a server
    /// that swallows a failed refresh of an expired token).
    pub retries_null_while_signed_in: bool,
    /// The IdP SDK the hook wraps: its token store, refresh policy and failure
    /// behaviour are its row of [`crate::sdks::SDKS`].
    pub sdk: Sdk,
    /// Whether a call that is not forced looks at the cached token's expiry: false
    /// when the hook hands back whatever token is in memory, expired or not
    /// (Convex Auth's `token.current`, the TanStack template's rendered
    /// `accessToken`).
    pub cache_checks_expiry: bool,
    /// Whether the hook waits before each retry of a failed IdP call it makes
    /// itself (`RetryThenNull`, `RetryWithBackoff`). PR #529 waits 250 ms, then
    /// 500 ms: less than a tick, so each retry comes later in the same tick —
    /// other events may come between, the clock may not move on first (the
    /// `AdapterRetry` timer of the actors).
    pub waits_before_retry: bool,
    pub summary: &'static str,
    pub source: &'static str,
    /// The adapter's real code the replays run (None:
    /// the driver plays the adapter with a fake that settles each fetch as the
    /// model says).
    pub replay_code: Option<AdapterCode>,
}

/// Retries after a short wait before the recommended hooks' backoff reaches its
/// cap (250 ms, then 1 s; the cap is 10 s or more: at least a tick).
const RECOMMENDED_SHORT_RETRIES: u8 = 2;

/// The `workos-pr529` row, which the recommended WorkOS hook's row varies.
const WORKOS_PR529: AdapterSpec = AdapterSpec {
    adapter: Adapter::WorkOsPr529,
    force: ForceHandling::Refreshes,
    login_required: ErrorHandling::Null,
    transient_error: ErrorHandling::RetryThenNull(3),
    fetcher_follows_user: false,
    fetcher_follows_session: false,
    fetcher_follows_token: false,
    fetcher_follows_sdk_load: true,
    loading_while_refreshing: false,
    authenticated_needs_token: false,
    retries_null_while_signed_in: false,
    waits_before_retry: true,
    sdk: Sdk::AuthkitJs,
    cache_checks_expiry: true,
    summary: "like workos-pr529-cd91e8a, but errors retried (3 attempts, after 250 ms and 500 ms) then null; never throws",
    source: "https://github.com/get-convex/convex-backend/pull/529",
    replay_code: None,
};

/// The `tanstack-start` row, which the recommended TanStack hook's row varies.
const TANSTACK_START: AdapterSpec = AdapterSpec {
    adapter: Adapter::TanstackStart,
    force: ForceHandling::Refreshes,
    login_required: ErrorHandling::Null,
    // Still no try/catch.
    transient_error: ErrorHandling::Rethrow,
    fetcher_follows_user: true,
    fetcher_follows_session: true,
    fetcher_follows_token: false,
    fetcher_follows_sdk_load: true,
    loading_while_refreshing: false,
    authenticated_needs_token: false,
    retries_null_while_signed_in: false,
    waits_before_retry: false,
    // From 0.8.2 the store's timer refreshes short tokens on its own.
    sdk: Sdk::AuthkitTanstackStart0111,
    cache_checks_expiry: true,
    summary: "the TanStack Start template since Feb 2026: forced → refresh(), else getAccessToken(); errors rethrown; deps [user, refresh, getAccessToken]",
    source: "https://github.com/get-convex/templates/blob/db3b63136248/template-tanstack-start-authkit/src/router.tsx",
    replay_code: None,
};

/// The `authkit-nextjs` row, which the wake fix's row varies.
const AUTHKIT_NEXTJS: AdapterSpec = AdapterSpec {
    adapter: Adapter::AuthkitNextjs,
    // forceRefreshToken → refresh(): always a refreshAccessTokenAction, or the
    // refresh already in flight (tokenStore.refreshToken, single-flight).
    force: ForceHandling::Refreshes,
    // No session on the server: refresh() resolves undefined → `?? null`.
    login_required: ErrorHandling::Null,
    // The store rethrows; the hook's catch returns null.
    transient_error: ErrorHandling::Null,
    // useCallback(…, [user, refresh, getAccessToken]): AuthKitProvider sets a
    // new user object when getAuthAction resolves at load, at sign-in,
    // sign-out and a switch; refresh and getAccessToken are stable.
    fetcher_follows_user: true,
    fetcher_follows_session: true,
    fetcher_follows_token: false,
    fetcher_follows_sdk_load: true,
    // isLoading = useAuth().loading: only until getAuthAction resolves;
    // useAccessToken().loading, true during refresh(), is not read.
    loading_while_refreshing: false,
    // isAuthenticated = !!user.
    authenticated_needs_token: false,
    retries_null_while_signed_in: false,
    waits_before_retry: false,
    sdk: Sdk::AuthkitNextjs,
    // Not forced: getAccessToken(), which checks the token's expiry.
    cache_checks_expiry: true,
    summary: "the Next.js template hook: forced → refresh() (joins one in flight), else getAccessToken(); any error → null; isLoading = useAuth().loading, isAuthenticated = !!user; deps [user, refresh, getAccessToken]",
    source: "https://github.com/get-convex/templates/blob/0a61d3c06cb5/template-nextjs-authkit/components/ConvexClientProvider.tsx",
    replay_code: None,
};

/// `ConvexProviderWithClerk` over the "convex" JWT template.
const CLERK: AdapterSpec = AdapterSpec {
    adapter: Adapter::Clerk,
    // skipCache: clerk-js always fetches a new token (Session._getToken).
    force: ForceHandling::Refreshes,
    // Signed out, getToken resolves null (createGetToken, Session._getToken).
    login_required: ErrorHandling::Null,
    // What clerk-js throws once its own retries are spent → null.
    transient_error: ErrorHandling::Null,
    // sessionId changes at sign-in, sign-out and an account switch; orgId /
    // sessionId at an organization or session switch; neither when clerk-js
    // loads without a user.
    fetcher_follows_user: true,
    fetcher_follows_session: true,
    fetcher_follows_token: false,
    fetcher_follows_sdk_load: false,
    loading_while_refreshing: false,
    authenticated_needs_token: false,
    retries_null_while_signed_in: false,
    waits_before_retry: false,
    sdk: Sdk::ClerkJs5,
    cache_checks_expiry: true,
    summary: "forced → getToken({skipCache:true}); any error clerk-js throws after its own retries → null; isLoading = !isLoaded, isAuthenticated = isSignedIn; deps [orgId, orgRole, sessionId]",
    source: "https://www.npmjs.com/package/convex/v/1.49.0 (dist/esm/react-clerk/ConvexProviderWithClerk.js)",
    replay_code: Some(AdapterCode::ConvexClerk),
};

/// Every adapter's facts, in the order of [`Adapter::ALL`].
pub static ADAPTERS: [AdapterSpec; 16] = [
    AdapterSpec {
        adapter: Adapter::WorkOs003,
        force: ForceHandling::Ignored,
        login_required: ErrorHandling::Null,
        transient_error: ErrorHandling::Null,
        fetcher_follows_user: false,
        fetcher_follows_session: false,
        fetcher_follows_token: false,
        fetcher_follows_sdk_load: true,
        loading_while_refreshing: false,
        authenticated_needs_token: false,
        retries_null_while_signed_in: false,
        waits_before_retry: false,
        sdk: Sdk::AuthkitJs,
        cache_checks_expiry: true,
        summary: "ignores forceRefreshToken; every getAccessToken error → null; isAuthenticated = !!user; deps [getAccessToken]",
        source: "https://github.com/get-convex/convex-backend/blob/3c63ed8/npm-packages/@convex-dev/workos/src/index.tsx",
        replay_code: Some(AdapterCode::Workos),
    },
    AdapterSpec {
        adapter: Adapter::DocsCustom,
        // The template's hook, as the Convex docs print it: the same facts.
        summary: "the Convex docs' hook over authkit-nextjs's useAccessToken: forced → refresh(), else getAccessToken(); any error → null; isLoading = useAuth().loading, isAuthenticated = !!user; deps [user, refresh, getAccessToken]",
        source: "https://github.com/get-convex/convex-backend/blob/94a42c3db8d7ba6d9fe36f2698f9d9d9daaac731/npm-packages/docs/docs/auth/authkit/add-to-app.mdx",
        ..AUTHKIT_NEXTJS
    },
    AdapterSpec {
        adapter: Adapter::WorkOsPr529Cd91e8a,
        force: ForceHandling::Refreshes,
        login_required: ErrorHandling::Null,
        transient_error: ErrorHandling::Rethrow,
        fetcher_follows_user: false,
        fetcher_follows_session: false,
        fetcher_follows_token: false,
        fetcher_follows_sdk_load: true,
        loading_while_refreshing: false,
        authenticated_needs_token: false,
        retries_null_while_signed_in: false,
        waits_before_retry: false,
        sdk: Sdk::AuthkitJs,
        cache_checks_expiry: true,
        summary: "forced → getAccessToken({forceRefresh:true}); LoginRequiredError → null; other errors rethrown",
        source: "https://github.com/get-convex/convex-backend/issues/523",
        replay_code: None,
    },
    WORKOS_PR529,
    CLERK,
    AdapterSpec {
        adapter: Adapter::ClerkConvexIntegration,
        // Clerk's session token (no template), which the poller refreshes.
        sdk: Sdk::ClerkJs5SessionToken,
        summary: "as clerk, with Clerk's Convex integration (sessionClaims.aud = \"convex\"): getToken({skipCache}) with no template, Clerk's session token",
        source: "https://www.npmjs.com/package/convex/v/1.49.0 (src/react-clerk/ConvexProviderWithClerk.tsx l.73-97)",
        // The driver's fake Clerk has no session claims to pick the path by.
        replay_code: None,
        ..CLERK
    },
    AdapterSpec {
        adapter: Adapter::Auth0,
        retries_null_while_signed_in: false,
        // cacheMode "off": spa-js skips its cache and always fetches.
        force: ForceHandling::Refreshes,
        // login_required throws; the adapter catches: null.
        login_required: ErrorHandling::Null,
        // What spa-js throws → null.
        transient_error: ErrorHandling::Null,
        // getAccessTokenSilently is a useCallback on the provider's client: one
        // identity for the provider's lifetime.
        fetcher_follows_user: false,
        fetcher_follows_session: false,
        fetcher_follows_token: false,
        fetcher_follows_sdk_load: false,
        // isLoading changes only at the first load (and around loginWithPopup).
        loading_while_refreshing: false,
        authenticated_needs_token: false,
        waits_before_retry: false,
        sdk: Sdk::Auth0SpaJs,
        cache_checks_expiry: true,
        summary: "forced → getAccessTokenSilently({cacheMode:\"off\"}), returns id_token; any error → null; isLoading/isAuthenticated from useAuth0; deps [getAccessTokenSilently] (stable)",
        source: "https://www.npmjs.com/package/convex/v/1.49.0 (dist/esm/react-auth0/ConvexProviderWithAuth0.js); https://www.npmjs.com/package/@auth0/auth0-react/v/2.27.0 (src/auth0-provider.tsx)",
        replay_code: Some(AdapterCode::ConvexAuth0),
    },
    AdapterSpec {
        adapter: Adapter::BetterAuth,
        retries_null_while_signed_in: false,
        // A forced fetch always starts a new GET /convex/token.
        force: ForceHandling::Refreshes,
        // throw:false: a 401 (no session) resolves data null → null.
        login_required: ErrorHandling::Null,
        // throw:false and a .catch: a 5xx or a thrown fetch → null.
        transient_error: ErrorHandling::Null,
        // useCallback(…, [sessionId]): a new session id at load with a user,
        // sign-in, sign-out, an account switch, a session rotation.
        fetcher_follows_user: true,
        fetcher_follows_session: true,
        fetcher_follows_token: false,
        fetcher_follows_sdk_load: false,
        // isLoading = useSession().isPending: true until /get-session answers.
        loading_while_refreshing: false,
        // isAuthenticated = !!session.
        authenticated_needs_token: false,
        waits_before_retry: false,
        sdk: Sdk::BetterAuth,
        cache_checks_expiry: true,
        summary: "every fetch → GET /api/auth/convex/token (no cache in a single-page app); any failure → null, no retry; isLoading = isPending, isAuthenticated = !!session; deps [sessionId]",
        source: "https://www.npmjs.com/package/@convex-dev/better-auth/v/0.12.5 (src/react/index.tsx)",
        replay_code: Some(AdapterCode::BetterAuth),
    },
    AdapterSpec {
        adapter: Adapter::ConvexAuth,
        retries_null_while_signed_in: false,
        // Forced: auth:signIn with the refresh token (under the lock, unless the
        // token changed while it waited).
        force: ForceHandling::Refreshes,
        // An invalid or expired refresh token: the server answers no tokens, the
        // client clears storage and returns null.
        login_required: ErrorHandling::Null,
        // No catch: what the client throws once its own retry is spent reaches
        // Convex.
        transient_error: ErrorHandling::Rethrow,
        // useCallback over stable functions: one fetcher for the provider's life.
        fetcher_follows_user: false,
        fetcher_follows_session: false,
        fetcher_follows_token: false,
        fetcher_follows_sdk_load: false,
        // isLoading only until storage is read.
        loading_while_refreshing: false,
        // isAuthenticated = a JWT is held locally.
        authenticated_needs_token: true,
        waits_before_retry: false,
        sdk: Sdk::ConvexAuth,
        // Not forced: token.current, expired or not.
        cache_checks_expiry: false,
        summary: "not forced → the JWT in memory, expired or not; forced → refresh via auth:signIn; errors thrown (after the client's own retry of a network error); isAuthenticated = a JWT held; deps stable",
        source: "https://www.npmjs.com/package/@convex-dev/auth/v/0.0.95 (src/react/client.tsx)",
        replay_code: Some(AdapterCode::ConvexAuth),
    },
    AUTHKIT_NEXTJS,
    AdapterSpec {
        adapter: Adapter::AuthkitNextjsWakeFix,
        // catch: `return accessTokenRef.current ?? null` — the store keeps the
        // stale token after a failed refresh.
        transient_error: ErrorHandling::StaleToken,
        summary: "like authkit-nextjs, but an error returns the last rendered token (possibly expired) instead of null (WorkOS template PR #17)",
        source: "https://github.com/workos/template-convex-nextjs-authkit/blob/456be407/components/ConvexClientProvider.tsx",
        ..AUTHKIT_NEXTJS
    },
    AdapterSpec {
        adapter: Adapter::TanstackStart2025,
        retries_null_while_signed_in: false,
        // `!accessToken || forceRefreshToken` → getAccessToken(): the cached
        // token unless it expires within 30 s.
        force: ForceHandling::PlainGetAccessToken,
        // No session: getAccessToken() resolves undefined → `?? null`.
        login_required: ErrorHandling::Null,
        // No try/catch: the store's rethrow reaches Convex.
        transient_error: ErrorHandling::Rethrow,
        // Deps [accessToken, getAccessToken]: a new fetcher per token; the user
        // is not in them (a sign-in changes the token, which is).
        fetcher_follows_user: false,
        fetcher_follows_session: false,
        fetcher_follows_token: true,
        fetcher_follows_sdk_load: false,
        loading_while_refreshing: false,
        authenticated_needs_token: false,
        waits_before_retry: false,
        // 0.2.0's store has authkit-nextjs 2.11.1's timer (60 s vs 30 s).
        sdk: Sdk::AuthkitTanstackStart020,
        // Not forced: the rendered accessToken, expired or not.
        cache_checks_expiry: false,
        summary: "the TanStack Start template of Nov 2025: forced → getAccessToken() (refreshes only a token about to expire), else the rendered token unchecked; errors rethrown; deps [accessToken, getAccessToken]",
        source: "https://github.com/get-convex/templates/blob/71494a3605e5/template-tanstack-start-authkit/src/router.tsx",
        replay_code: None,
    },
    TANSTACK_START,

    AdapterSpec {
        adapter: Adapter::RecommendedWorkOs,
        transient_error: ErrorHandling::RetryWithBackoff(RECOMMENDED_SHORT_RETRIES),
        waits_before_retry: true,
        // `user?.id` in the deps, not `user`: a new user (sign-in, sign-out,
        // account switch) gets a new fetcher, a new session of the same user
        // (authkit-react replaces the user object) does not: the SDK's next
        // token is the new session's anyway, and a new fetcher while the client
        // re-authenticates can leave its socket stopped (see README, "If you hit
        // #259").
        fetcher_follows_user: true,
        fetcher_follows_session: false,
        summary: "this project's hook over authkit-react: forced → getAccessToken({forceRefresh:true}); LoginRequiredError → null; other errors retried with a bounded backoff until they succeed (never null, never thrown); deps [user?.id, getAccessToken]",
        source: "this project's recommendation (fixes/workos/), modelled from the model's counterexamples",
        // The file itself, over the real authkit-react (conformance/workos.mjs).
        replay_code: Some(AdapterCode::RecommendedWorkos),
        // authkit-react 0.16.2, whose authkit-js (0.20.2 and later) keeps the
        // session on a WorkOS 408, 429 or 5xx: over 0.20.0 a 5xx wipes it and
        // throws LoginRequiredError, the hook's null, and #259 again
        // (`checks/recommended-workos-http-5xx-on-authkit-js-0.20.0.toml`).
        sdk: Sdk::AuthkitJs0202,
        ..WORKOS_PR529
    },
    AdapterSpec {
        adapter: Adapter::RecommendedAuthkitNextjs,
        transient_error: ErrorHandling::RetryWithBackoff(RECOMMENDED_SHORT_RETRIES),
        waits_before_retry: true,
        // Deps `[user?.id, refresh, getAccessToken]`: as recommended-workos.
        fetcher_follows_session: false,
        // The file itself, over the real client side of authkit-nextjs 4.3.2
        // (conformance/authkit-server-actions.mjs).
        replay_code: Some(AdapterCode::RecommendedAuthkitNextjs),
        // authkit-nextjs 4.3.2, whose middleware keeps the session cookie
        // through a WorkOS 408, 429, 5xx or network error: 2.11.1's deletes it
        // once the access token has expired, which signs the user out after
        // an outage longer than a token's life, and no hook can undo
        // (`checks/recommended-authkit-nextjs-http-5xx-on-authkit-nextjs-2.11.1.toml`).
        sdk: Sdk::AuthkitNextjs432,
        summary: "this project's hook for the Next.js template, over authkit-nextjs 4.3.2: as authkit-nextjs, but errors other than an ended session are retried with a bounded backoff until they succeed (never null, never thrown); deps [user?.id, refresh, getAccessToken]",
        source: "this project's recommendation (fixes/authkit-nextjs/), on the template hook https://github.com/get-convex/templates/blob/0a61d3c06cb5/template-nextjs-authkit/components/ConvexClientProvider.tsx",
        ..AUTHKIT_NEXTJS
    },
    AdapterSpec {
        adapter: Adapter::RecommendedTanstackStart,
        transient_error: ErrorHandling::RetryWithBackoff(RECOMMENDED_SHORT_RETRIES),
        waits_before_retry: true,
        // Deps `[user?.id, refresh, getAccessToken]`: as recommended-workos.
        fetcher_follows_session: false,
        // The file itself, over the real client side of
        // authkit-tanstack-react-start 0.11.1 (conformance/authkit-server-actions.mjs).
        replay_code: Some(AdapterCode::RecommendedTanstackStart),
        // authkit-tanstack-react-start 0.11.1's server answers undefined, as for
        // no session, when WorkOS fails to refresh an expired access token: the
        // hook retries it while useAuth() still has the user.
        retries_null_while_signed_in: true,
        summary: "this project's hook for the TanStack Start template: as tanstack-start, with a try/catch: errors, and no token while useAuth() still has the user, retried with a bounded backoff until they succeed (never thrown); null once the user is gone; deps [user?.id, refresh, getAccessToken]",
        source: "this project's recommendation (fixes/tanstack-start/), on the template hook https://github.com/get-convex/templates/blob/db3b63136248/template-tanstack-start-authkit/src/router.tsx",
        ..TANSTACK_START
    },
];

/// What the hook reads of the IdP SDK to compute its outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SdkState {
    /// The SDK is still loading the session (page load).
    pub loading: bool,
    /// A user is signed in.
    pub signed_in: bool,
    /// An access token is in memory.
    pub has_token: bool,
    /// A refresh made for a fetch is in flight.
    pub refreshing: bool,
}

impl AdapterSpec {
    /// The hook's `isLoading` and `isAuthenticated` for the SDK in `sdk`, by this
    /// row's rules: loading while the SDK loads (and while it refreshes, where the
    /// hook says so); authenticated once loaded with a user (and a token, where
    /// the hook asks for one).
    pub fn hook_flags(&self, sdk: SdkState) -> (bool, bool) {
        let is_loading = sdk.loading || (self.loading_while_refreshing && sdk.refreshing);
        let is_authenticated =
            !sdk.loading && sdk.signed_in && (sdk.has_token || !self.authenticated_needs_token);
        (is_loading, is_authenticated)
    }

    /// How a fetch meets a transient IdP error of `kind`: the SDK's own retries
    /// first (its row's [`crate::sdks::FailureFacts::kinds`]), then what this
    /// hook makes of the error the SDK throws. A hook that retries sits on an
    /// SDK that throws at once (no row, and no SDK a custom hook may name,
    /// retries on both sides: `adapters::tests`).
    pub fn transient_error_path(&self, kind: FailureKind) -> TransientErrorPath {
        match self.sdk.spec().failures.effect(kind) {
            FailureEffect::RetriedThenThrown {
                attempts,
                waits_after_last,
            } => TransientErrorPath {
                handling: match self.transient_error {
                    ErrorHandling::Null => ErrorHandling::RetryThenNull(attempts),
                    ErrorHandling::Rethrow => ErrorHandling::RetryThenRethrow(attempts),
                    hook => unreachable!(
                        "{}: a hook that does not settle at once ({hook:?}) over {}, which retries",
                        self.adapter, self.sdk
                    ),
                },
                waits_before_retry: true,
                waits_after_last_failure: waits_after_last,
            },
            _ => TransientErrorPath {
                handling: self.transient_error,
                waits_before_retry: self.waits_before_retry,
                waits_after_last_failure: false,
            },
        }
    }
}

/// What a fetch does with a transient IdP error, the SDK's retries and the
/// hook's handling together ([`AdapterSpec::transient_error_path`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransientErrorPath {
    /// Whether the IdP is called again, and how the fetch settles once not.
    pub handling: ErrorHandling,
    /// Whether each retry comes after a wait (less than a tick).
    pub waits_before_retry: bool,
    /// Whether it also waits after the last failed attempt before it gives up
    /// (Convex Auth's `verifyCode` sleeps `RETRY_BACKOFF[retry]` after every
    /// network error, the last one included, then throws).
    pub waits_after_last_failure: bool,
}

impl Adapter {
    /// The adapters with a row of [`ADAPTERS`] (every one but `custom`).
    pub const ALL: [Adapter; 16] = [
        Adapter::WorkOs003,
        Adapter::DocsCustom,
        Adapter::WorkOsPr529Cd91e8a,
        Adapter::WorkOsPr529,
        Adapter::Clerk,
        Adapter::ClerkConvexIntegration,
        Adapter::Auth0,
        Adapter::BetterAuth,
        Adapter::ConvexAuth,
        Adapter::AuthkitNextjs,
        Adapter::AuthkitNextjsWakeFix,
        Adapter::TanstackStart2025,
        Adapter::TanstackStart,
        Adapter::RecommendedWorkOs,
        Adapter::RecommendedAuthkitNextjs,
        Adapter::RecommendedTanstackStart,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Adapter::WorkOs003 => "workos-0.0.3",
            Adapter::DocsCustom => "docs-custom",
            Adapter::WorkOsPr529Cd91e8a => "workos-pr529-cd91e8a",
            Adapter::WorkOsPr529 => "workos-pr529",
            Adapter::Clerk => "clerk",
            Adapter::ClerkConvexIntegration => "clerk-convex-integration",
            Adapter::Auth0 => "auth0",
            Adapter::BetterAuth => "better-auth",
            Adapter::ConvexAuth => "convex-auth",
            Adapter::AuthkitNextjs => "authkit-nextjs",
            Adapter::AuthkitNextjsWakeFix => "authkit-nextjs-wake-fix",
            Adapter::TanstackStart2025 => "tanstack-start-2025",
            Adapter::TanstackStart => "tanstack-start",
            Adapter::RecommendedWorkOs => "recommended-workos",
            Adapter::RecommendedAuthkitNextjs => "recommended-authkit-nextjs",
            Adapter::RecommendedTanstackStart => "recommended-tanstack-start",
            Adapter::Custom => "custom",
        }
    }

    /// This adapter's row of [`ADAPTERS`] (`custom` has none: its facts are in
    /// the scenario, `Scenario::adapter_spec`).
    pub fn spec(self) -> &'static AdapterSpec {
        ADAPTERS
            .iter()
            .find(|row| row.adapter == self)
            .expect("every adapter but custom has a row; custom is read from the scenario")
    }
}

impl fmt::Display for Adapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The adapter code a replay renders instead of `ConvexProviderWithAuth` over a
/// fake adapter hook: each name is the code's package at its pinned version, or
/// this project's recommended file under `fixes/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum AdapterCode {
    /// convex 1.49.0's `ConvexProviderWithClerk` (`convex/react-clerk`) over a
    /// fake Clerk `useAuth`.
    #[serde(rename = "convex/react-clerk@1.49.0")]
    ConvexClerk,
    /// convex 1.49.0's `ConvexProviderWithAuth0` (`convex/react-auth0`) over the
    /// harness's stand-in for `@auth0/auth0-react` (`conformance/fakes/auth0-react`).
    #[serde(rename = "convex/react-auth0@1.49.0")]
    ConvexAuth0,
    /// `@convex-dev/workos` 0.0.3 over the real authkit-react / authkit-js, the
    /// WorkOS API scripted (`conformance/workos.mjs`).
    #[serde(rename = "@convex-dev/workos@0.0.3")]
    Workos,
    /// This project's recommended `ConvexProviderWithAuthKit`
    /// (`fixes/workos/ConvexProviderWithAuthKit.tsx`, compiled by the harness)
    /// over the real authkit-react / authkit-js, the WorkOS API scripted as for
    /// [`AdapterCode::Workos`].
    #[serde(rename = "fixes/workos")]
    RecommendedWorkos,
    /// This project's recommended hook for the Next.js template
    /// (`fixes/authkit-nextjs/ConvexClientProvider.tsx`, bundled by the harness
    /// with the real client side of authkit-nextjs 4.3.2, its Server Actions
    /// scripted: `conformance/authkit-server-actions.mjs`).
    #[serde(rename = "fixes/authkit-nextjs")]
    RecommendedAuthkitNextjs,
    /// This project's recommended hook for the TanStack Start template
    /// (`fixes/tanstack-start/useAuthFromWorkOS.tsx`, bundled by the harness
    /// with the real client side of authkit-tanstack-react-start 0.11.1, its
    /// server functions scripted: `conformance/authkit-server-actions.mjs`).
    #[serde(rename = "fixes/tanstack-start")]
    RecommendedTanstackStart,
    /// `@convex-dev/auth` 0.0.95's `ConvexAuthProvider`, its storage and backend
    /// scripted (`conformance/convex-auth.mjs`).
    #[serde(rename = "@convex-dev/auth@0.0.95")]
    ConvexAuth,
    /// `@convex-dev/better-auth` 0.12.5's `ConvexBetterAuthProvider` over a fake
    /// Better Auth client whose `/convex/token` requests the driver answers.
    #[serde(rename = "@convex-dev/better-auth@0.12.5")]
    BetterAuth,
}

impl AdapterCode {
    pub const ALL: [AdapterCode; 8] = [
        AdapterCode::ConvexClerk,
        AdapterCode::ConvexAuth0,
        AdapterCode::Workos,
        AdapterCode::RecommendedWorkos,
        AdapterCode::RecommendedAuthkitNextjs,
        AdapterCode::RecommendedTanstackStart,
        AdapterCode::ConvexAuth,
        AdapterCode::BetterAuth,
    ];

    /// The name the driver knows the code by (its serialized form).
    pub fn name(self) -> &'static str {
        match self {
            AdapterCode::ConvexClerk => "convex/react-clerk@1.49.0",
            AdapterCode::ConvexAuth0 => "convex/react-auth0@1.49.0",
            AdapterCode::Workos => "@convex-dev/workos@0.0.3",
            AdapterCode::RecommendedWorkos => "fixes/workos",
            AdapterCode::RecommendedAuthkitNextjs => "fixes/authkit-nextjs",
            AdapterCode::RecommendedTanstackStart => "fixes/tanstack-start",
            AdapterCode::ConvexAuth => "@convex-dev/auth@0.0.95",
            AdapterCode::BetterAuth => "@convex-dev/better-auth@0.12.5",
        }
    }

    /// Whether the replays answer the SDK's requests rather than fetches: the
    /// adapter's real code (and AuthKit's and Convex Auth's own SDK) settles each
    /// fetch itself. Clerk's and Auth0's adapters run over fakes whose token calls
    /// the driver settles as fetches.
    pub fn runs_real_sdk(self) -> bool {
        !matches!(self, AdapterCode::ConvexClerk | AdapterCode::ConvexAuth0)
    }

    /// Whether the code runs over the real authkit-react / authkit-js.
    pub fn is_authkit(self) -> bool {
        matches!(self, AdapterCode::Workos | AdapterCode::RecommendedWorkos)
    }

    /// Whether the code runs over the real token store of authkit-nextjs or of
    /// authkit-tanstack-react-start (their server functions scripted).
    pub fn over_token_store(self) -> bool {
        matches!(
            self,
            AdapterCode::RecommendedAuthkitNextjs | AdapterCode::RecommendedTanstackStart
        )
    }
}

impl std::fmt::Display for AdapterCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_adapter_has_one_row_in_order() {
        for (row, adapter) in ADAPTERS.iter().zip(Adapter::ALL) {
            assert_eq!(row.adapter, adapter);
            assert_eq!(adapter.spec().adapter, adapter);
        }
        assert_eq!(ADAPTERS.len(), Adapter::ALL.len());
    }

    /// The output rules as data: a row that loads while refreshing and needs a
    /// token (authkit-nextjs's hooks) against the modelled rows, which report
    /// only the first load and, but for Convex Auth, `!!user`.
    #[test]
    fn hook_outputs_follow_the_sdk_by_the_rows_rules() {
        let refreshing_without_token = SdkState {
            loading: false,
            signed_in: true,
            has_token: false,
            refreshing: true,
        };
        let nextjs_like = AdapterSpec {
            loading_while_refreshing: true,
            authenticated_needs_token: true,
            ..*Adapter::DocsCustom.spec()
        };
        assert_eq!(
            nextjs_like.hook_flags(refreshing_without_token),
            (true, false)
        );
        // Only Convex Auth's isAuthenticated needs a JWT held; none loads while
        // refreshing.
        for adapter in Adapter::ALL {
            assert_eq!(
                adapter.spec().hook_flags(refreshing_without_token),
                (false, adapter != Adapter::ConvexAuth),
                "{adapter}"
            );
        }
        let loading = SdkState {
            loading: true,
            signed_in: true,
            has_token: false,
            refreshing: false,
        };
        assert_eq!(nextjs_like.hook_flags(loading), (true, false));
    }

    /// A fetch meets a transient error through the SDK's retries, then the
    /// hook's handling: clerk-js's 9 attempts end in the hook's null, Convex
    /// Auth's client's 2 (with a wait after the last) in the hook's rethrow;
    /// over an SDK that throws at once the hook's handling is the whole path.
    #[test]
    fn a_transient_error_meets_the_sdks_retries_then_the_hook() {
        let path = |adapter: Adapter| {
            adapter
                .spec()
                .transient_error_path(FailureKind::NetworkError)
        };
        assert_eq!(
            path(Adapter::Clerk),
            TransientErrorPath {
                handling: ErrorHandling::RetryThenNull(9),
                waits_before_retry: true,
                waits_after_last_failure: false,
            }
        );
        assert_eq!(
            path(Adapter::ConvexAuth),
            TransientErrorPath {
                handling: ErrorHandling::RetryThenRethrow(2),
                waits_before_retry: true,
                waits_after_last_failure: true,
            }
        );
        assert_eq!(
            path(Adapter::WorkOsPr529),
            TransientErrorPath {
                handling: ErrorHandling::RetryThenNull(3),
                waits_before_retry: true,
                waits_after_last_failure: false,
            }
        );
        for adapter in Adapter::ALL {
            let row = adapter.spec();
            let retried = FailureKind::ALL.iter().any(|&kind| {
                matches!(
                    row.sdk.spec().failures.effect(kind),
                    FailureEffect::RetriedThenThrown { .. }
                )
            });
            if !retried {
                assert_eq!(path(adapter).handling, row.transient_error, "{adapter}");
            } else {
                // The SDK's retries are not the hook's.
                assert!(
                    matches!(
                        row.transient_error,
                        ErrorHandling::Null | ErrorHandling::Rethrow
                    ) && !row.waits_before_retry,
                    "{adapter}"
                );
            }
        }
        // A custom hook may retry: every SDK it may name throws at once.
        for sdk in CustomSdk::ALL {
            for kind in FailureKind::ALL {
                assert!(!matches!(
                    sdk.sdk().spec().failures.effect(kind),
                    FailureEffect::RetriedThenThrown { .. }
                ));
            }
        }
    }

    #[test]
    fn a_retrying_adapter_gives_up_after_its_attempts() {
        let retry = ErrorHandling::RetryThenNull(3);
        assert_eq!(retry.after(1), AfterError::Retry);
        assert_eq!(retry.after(2), AfterError::Retry);
        assert_eq!(retry.after(3), AfterError::ResolveNull);
        assert_eq!(ErrorHandling::Rethrow.after(1), AfterError::Reject);
        let convex_auth = ErrorHandling::RetryThenRethrow(2);
        assert_eq!(convex_auth.after(1), AfterError::Retry);
        assert_eq!(convex_auth.after(2), AfterError::Reject);
        assert_eq!(ErrorHandling::Null.after(1), AfterError::ResolveNull);
    }
}
