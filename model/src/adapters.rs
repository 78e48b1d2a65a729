//! What each auth-provider adapter does, as data: how its `fetchAccessToken`
//! treats `forceRefreshToken`, what it turns an IdP error into, and when the React
//! inputs it hands to `ConvexProviderWithAuth` change.
//!
//! The token provider actor (`actors::token_provider`) reads these facts; no adapter
//! has a code path of its own.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The adapters the model knows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Adapter {
    /// `@convex-dev/workos` 0.0.3 `ConvexProviderWithAuthKit` (convex-backend commit
    /// 3c63ed8, `npm-packages/@convex-dev/workos/src/index.tsx`).
    #[default]
    #[serde(rename = "workos-0.0.3")]
    WorkOs003,
    /// The custom `useAuthFromAuthKit` of the Convex docs and of the WorkOS Next.js
    /// template after PR #8 (afd8097): forced → `refresh()`, otherwise
    /// `getAccessToken()`, any error → null, deps `[user, refresh, getAccessToken]`.
    #[serde(rename = "docs-custom")]
    DocsCustom,
    /// `@convex-dev/workos` on main (commit 0c7d3b2): forced →
    /// `getAccessToken({forceRefresh:true})`, `LoginRequiredError` → null, every other
    /// error rethrown.
    #[serde(rename = "workos-main")]
    WorkOsMain,
    /// convex-backend PR #529 on top of main: errors are retried (3 attempts in all)
    /// and only then mapped to null; never throws.
    #[serde(rename = "workos-pr529")]
    WorkOsPr529,
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
}

/// What the adapter makes of a transient IdP error (network error, 5xx).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransientErrorHandling {
    /// `catch { return null }`: the client reads null as "signed out".
    Null,
    /// The error is rethrown: `fetchToken` rejects.
    Rethrow,
    /// Retried until this many attempts in all have failed, then null.
    RetryThenNull(u8),
}

/// The facts of one adapter.
#[derive(Clone, Copy, Debug)]
pub struct AdapterSpec {
    pub adapter: Adapter,
    pub force: ForceHandling,
    pub transient_error: TransientErrorHandling,
    /// Whether `fetchAccessToken`'s identity changes when the user object changes
    /// (sign-in / sign-out): true when `user` is in its hook deps.
    pub fetcher_follows_user: bool,
    pub summary: &'static str,
    pub source: &'static str,
}

impl Adapter {
    pub const ALL: [Adapter; 4] = [
        Adapter::WorkOs003,
        Adapter::DocsCustom,
        Adapter::WorkOsMain,
        Adapter::WorkOsPr529,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Adapter::WorkOs003 => "workos-0.0.3",
            Adapter::DocsCustom => "docs-custom",
            Adapter::WorkOsMain => "workos-main",
            Adapter::WorkOsPr529 => "workos-pr529",
        }
    }

    pub fn spec(self) -> AdapterSpec {
        match self {
            Adapter::WorkOs003 => AdapterSpec {
                adapter: self,
                force: ForceHandling::Ignored,
                transient_error: TransientErrorHandling::Null,
                fetcher_follows_user: false,
                summary: "ignores forceRefreshToken; every getAccessToken error → null; isAuthenticated = !!user",
                source: "https://github.com/get-convex/convex-backend/blob/3c63ed8/npm-packages/@convex-dev/workos/src/index.tsx",
            },
            Adapter::DocsCustom => AdapterSpec {
                adapter: self,
                force: ForceHandling::Refreshes,
                transient_error: TransientErrorHandling::Null,
                fetcher_follows_user: true,
                summary: "forced → refresh(), else getAccessToken(); any error → null; deps [user, refresh, getAccessToken]",
                source: "https://github.com/workos/template-convex-nextjs-authkit/pull/8",
            },
            Adapter::WorkOsMain => AdapterSpec {
                adapter: self,
                force: ForceHandling::Refreshes,
                transient_error: TransientErrorHandling::Rethrow,
                fetcher_follows_user: false,
                summary: "forced → getAccessToken({forceRefresh:true}); LoginRequiredError → null; other errors rethrown",
                source: "https://github.com/get-convex/convex-backend/issues/523",
            },
            Adapter::WorkOsPr529 => AdapterSpec {
                adapter: self,
                force: ForceHandling::Refreshes,
                transient_error: TransientErrorHandling::RetryThenNull(3),
                fetcher_follows_user: false,
                summary: "like workos-main, but errors retried (3 attempts) then null; never throws",
                source: "https://github.com/get-convex/convex-backend/pull/529",
            },
        }
    }
}

impl fmt::Display for Adapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
