//! The scenario knobs of a check: which adapter, which client version (as named
//! version switches), the bounds that keep the state space finite and the faults
//! the environment may inject.
//!
//! A scenario is data: check files (`checks/*.toml`) deserialize into [`Scenario`],
//! and `convex-auth-check list` prints every knob with its default.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::adapters::{Adapter, AdapterSpec, CustomAdapter};
use crate::sdks::{FailureEffect, FailureKind, ProviderKind, Sdk, SdkSpec};

/// Everything that defines one model instance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    /// The auth-provider adapter that supplies `fetchAccessToken`, `isLoading` and
    /// `isAuthenticated` to `ConvexProviderWithAuth`.
    pub adapter: Adapter,
    /// A released `convex` npm version whose behaviour the version switches default to.
    pub client: ClientRelease,
    /// Overrides of single version switches on top of `client`.
    pub switches: SwitchOverrides,
    /// Sizes that keep the model finite.
    pub bounds: Bounds,
    /// How many times each environment event or fault happens.
    pub faults: Faults,
    /// The app around the client: how the page loads.
    pub app: App,
    /// With `adapter = "custom"`: the user's own hook, field by field.
    pub custom_adapter: Option<CustomAdapter>,
    /// Another version of the SDK the adapter's hook is written for (`list`,
    /// IDP SDKS): the same hook over that version. Unset: the adapter's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sdk: Option<Sdk>,
}

/// How the page loads: what the adapter hook returns at the first render, and
/// what it becomes once the IdP SDK has loaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PageLoad {
    /// The adapter starts loading (`isLoading:true, isAuthenticated:false`), as
    /// every real one does (AuthKit `isLoading`, Clerk `!isLoaded`, Auth0
    /// `isLoading`); the IdP SDK then loads the session and mints the first
    /// token, and the adapter reports a signed-in user.
    #[default]
    #[serde(rename = "loading-signed-in")]
    LoadingSignedIn,
    /// The adapter starts loading and then reports no user (a signed-out visitor;
    /// a sign-in may follow, `faults.sign_ins`).
    #[serde(rename = "loading-signed-out")]
    LoadingSignedOut,
    /// The adapter's first render already reports a signed-in user with a token
    /// in memory: the IdP state came with the page (authkit-nextjs `initialAuth`,
    /// server-rendered session).
    #[serde(rename = "loaded-signed-in")]
    LoadedSignedIn,
}

impl PageLoad {
    pub const ALL: [PageLoad; 3] = [
        PageLoad::LoadingSignedIn,
        PageLoad::LoadingSignedOut,
        PageLoad::LoadedSignedIn,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PageLoad::LoadingSignedIn => "loading-signed-in",
            PageLoad::LoadingSignedOut => "loading-signed-out",
            PageLoad::LoadedSignedIn => "loaded-signed-in",
        }
    }

    /// Whether the adapter's first render reports loading.
    pub fn starts_loading(self) -> bool {
        self != PageLoad::LoadedSignedIn
    }

    /// Whether the visitor has a session (signed in) when the page loads.
    pub fn signed_in(self) -> bool {
        self != PageLoad::LoadingSignedOut
    }
}

/// Who hands the client its auth.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthBy {
    /// `<ConvexProviderWithAuth>` with the adapter's `useAuth` (every adapter's
    /// way).
    #[default]
    #[serde(rename = "provider")]
    Provider,
    /// The app holds the client and calls `client.setAuth(fetchToken, onChange)`
    /// and `client.clearAuth()` itself, at moments of its choosing
    /// (`app.set_auth_calls`, `app.clear_auth_calls`), as convex's own tests do.
    /// Each `setAuth` hands over a new closure; every `onChange` it was given keeps
    /// reporting (nothing like the provider's `isThisEffectRelevant` guards them),
    /// and the app shows the last value reported.
    #[serde(rename = "app")]
    App,
}

impl AuthBy {
    pub fn name(self) -> &'static str {
        match self {
            AuthBy::Provider => "provider",
            AuthBy::App => "app",
        }
    }
}

/// The app around the client.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct App {
    /// How the page loads.
    pub page_load: PageLoad,
    /// `<React.StrictMode>` in development: on mount React runs every effect,
    /// then every cleanup, then every effect again (so `ConvexProviderWithAuth`
    /// calls `setAuth`, `clearAuth`, `setAuth`). Off by default: production builds
    /// do not double-invoke, and that is what users run.
    pub strict_mode: bool,
    /// The app calls its one mutation at some moment after mount (a click), not
    /// at mount: while the socket is paused, stopped, reconnecting or ready.
    pub mutation_later: bool,
    /// The app calls one action at some moment after mount. A new WebSocket fails
    /// an action in flight with "Connection lost while action was in flight"
    /// (`RequestManager.restart`).
    pub action_later: bool,
    /// Times a component with its own `useQuery` mounts or unmounts (alternately,
    /// starting unmounted): `subscribe` / `unsubscribe` of a query no other
    /// component uses, so each changes the query set.
    pub query_toggles: u8,
    /// React runs passive effects (`useEffect`) in a task after the commit, so
    /// other events can come between a render and its effects (a browser after a
    /// non-discrete update, e.g. the adapter's state set from a resolved promise).
    /// Off by default: then effects run in the commit's task, as after discrete
    /// events (clicks) and under `act()`. Layout effects (1.14.0's and 1.14.1's
    /// provider) run in the commit either way. The replays hold passive effects
    /// back until the model's `PassiveEffectsRun` step.
    pub effects_after_paint: bool,
    /// The first query is a `usePreloadedQuery` hydrated from `preloadQuery(…,
    /// {token})` on the server (`convex/nextjs`, App Router). It shows the
    /// preloaded value until its own subscription answers, and subscribes at
    /// mount exactly as `useQuery` does (convex 1.49.0 `react/hydration.js`
    /// `usePreloadedQuery` is `useQuery` plus that fallback), so the protocol's
    /// states are those of a plain query; the reports say when an answer run
    /// without identity replaces the preloaded value (convex-backend #242).
    pub preloaded_query: bool,
    /// Who calls `setAuth` / `clearAuth`.
    pub auth_by: AuthBy,
    /// With `auth_by = "app"`: how many times the app calls `setAuth`.
    pub set_auth_calls: u8,
    /// With `auth_by = "app"`: how many times the app calls `clearAuth`.
    pub clear_auth_calls: u8,
}

impl App {
    /// Combinations the model cannot show, as a one-line error.
    pub fn check(&self, bounds: &Bounds) -> Result<(), String> {
        if self.auth_by == AuthBy::Provider
            && (self.set_auth_calls > 0 || self.clear_auth_calls > 0)
        {
            return Err("scenario.app.set_auth_calls: the app calls setAuth/clearAuth itself only with app.auth_by = \"app\"; valid auth_by: provider, app".into());
        }
        if self.auth_by == AuthBy::App && self.preloaded_query {
            return Err("scenario.app.preloaded_query: usePreloadedQuery is a React hook, and with app.auth_by = \"app\" no React renders; valid auth_by: provider".into());
        }
        if self.preloaded_query && bounds.queries == 0 {
            return Err("scenario.app.preloaded_query: the preloaded query is the first of bounds.queries, which is 0; set queries = 1 or more".into());
        }
        if self.auth_by == AuthBy::App && self.strict_mode {
            return Err("scenario.app.strict_mode: with app.auth_by = \"app\" no provider effects run, so StrictMode changes nothing; set strict_mode = false".into());
        }
        if self.mutation_later && bounds.mutation {
            return Err("scenario.app.mutation_later: the model has one mutation, and bounds.mutation already calls it at mount; set one of them to false".into());
        }
        if self.strict_mode && bounds.mutation {
            return Err("scenario.app.strict_mode: StrictMode runs the mount's effect twice, so the app would call its mutation twice, which the model's one mutation cannot show; set bounds.mutation = false".into());
        }
        Ok(())
    }
}

impl Scenario {
    /// Everything a check file's scenario must satisfy, and a trace's too: every
    /// knob in its range, no combination the model cannot show, and an estimated
    /// size within [`MAX_ESTIMATED_STATES`]. The error is one line,
    /// `scenario.<field>: <problem>; <valid values>`.
    pub fn validate(&self) -> Result<(), String> {
        for knob in knobs() {
            knob.check(self)?;
        }
        self.app.check(&self.bounds)?;
        self.check_adapter()?;
        self.check_release()?;
        check_estimate(self)
    }

    /// The facts of the scenario's adapter: its row, or the custom hook's.
    pub fn adapter_spec(&self) -> AdapterSpec {
        let mut spec = self.hook_spec();
        if let Some(sdk) = self.sdk {
            spec.sdk = sdk;
        }
        spec
    }

    /// The facts of the adapter's hook as its row (or the custom hook) gives
    /// them, over the SDK it is written for, whatever `sdk` says.
    fn hook_spec(&self) -> AdapterSpec {
        match (self.adapter, self.custom_adapter) {
            (Adapter::Custom, Some(custom)) => custom.spec(),
            (Adapter::Custom, None) => {
                unreachable!("a custom adapter comes with [scenario.custom_adapter]")
            }
            (adapter, _) => *adapter.spec(),
        }
    }

    /// Whether `sdk` puts the hook over another version of its SDK than the
    /// one it is written for.
    pub fn runs_over_another_sdk(&self) -> bool {
        self.sdk.is_some_and(|sdk| sdk != self.hook_spec().sdk)
    }

    /// The facts of the IdP SDK the scenario's adapter wraps.
    pub fn sdk_spec(&self) -> &'static SdkSpec {
        self.adapter_spec().sdk.spec()
    }

    /// What the SDK does with a failed refresh of this scenario's
    /// `faults.failure_kind`.
    pub fn failure_effect(&self) -> FailureEffect {
        self.sdk_spec().failures.effect(self.faults.failure_kind)
    }

    /// Combinations of adapter and faults the model cannot show, as a one-line
    /// error.
    pub fn check_adapter(&self) -> Result<(), String> {
        match (self.adapter, &self.custom_adapter) {
            (Adapter::Custom, None) => {
                return Err("scenario.custom_adapter: adapter = \"custom\" needs a [scenario.custom_adapter] table (force, login_required, transient_error, …; see README \"Your own hook\")".into())
            }
            (Adapter::Custom, Some(custom)) => custom.check()?,
            (_, Some(_)) => {
                return Err(format!(
                    "scenario.custom_adapter: only for adapter = \"custom\", but adapter = \"{}\"",
                    self.adapter
                ))
            }
            (_, None) => {}
        }
        if matches!(
            self.adapter,
            Adapter::Clerk | Adapter::ClerkConvexIntegration
        ) && self.client < ClientRelease::V1_42_2
        {
            return Err(format!(
                "scenario.client: the clerk row is convex 1.49.0's ConvexProviderWithClerk (deps [orgId, orgRole, sessionId], errors become null), the same since 1.42.2; convex {} ships an earlier revision (docs/protocol.md \"Releases\"), which no row describes; valid releases with adapter = \"{}\": 1.42.2, 1.49.0 (or describe that revision as adapter = \"custom\")",
                self.client, self.adapter
            ));
        }
        self.check_sdk()?;
        self.check_failure_kind()?;
        self.check_token_rejection()?;
        if let Some(why) = self.sdk_spec().failures.outage_not_shown {
            if self.faults.idp_outages > 0 {
                return Err(format!(
                    "scenario.faults.idp_outages: {why}; set idp_outages = 0 with adapter = \"{}\"",
                    self.adapter
                ));
            }
        }
        Ok(())
    }

    /// `sdk` must be a version of the SDK the adapter's hook is written for.
    fn check_sdk(&self) -> Result<(), String> {
        let Some(sdk) = self.sdk else {
            return Ok(());
        };
        let own = self.hook_spec().sdk;
        if own.versions().contains(&sdk) {
            return Ok(());
        }
        let valid: Vec<&str> = own.versions().iter().map(|v| v.code()).collect();
        Err(format!(
            "scenario.sdk: adapter = \"{}\" is written for {own}, and \"{sdk}\" is another SDK; valid: {}",
            self.adapter,
            valid.join(", ")
        ))
    }

    /// `faults.failure_kind` must be a failure of one refresh that this
    /// scenario's SDK can produce; the error names the kinds it can.
    fn check_failure_kind(&self) -> Result<(), String> {
        let kind = self.faults.failure_kind;
        let sdk = self.sdk_spec();
        let valid: Vec<&str> = FailureKind::ALL
            .into_iter()
            .filter(|&k| {
                k.is_of_one_refresh()
                    && !matches!(sdk.failures.effect(k), FailureEffect::NotProduced(_))
            })
            .map(FailureKind::code)
            .collect();
        let why = match sdk.failures.effect(kind) {
            _ if !kind.is_of_one_refresh() => format!(
                "\"{kind}\" is a state of the session, not a failure of one refresh (an ended session is faults.session_ends, no session is app.page_load)"
            ),
            FailureEffect::NotProduced(why) => format!("\"{kind}\" cannot happen: {why}"),
            _ => return Ok(()),
        };
        Err(format!(
            "scenario.faults.failure_kind: {why}; valid with adapter = \"{}\" ({}): {}",
            self.adapter,
            sdk.sdk,
            valid.join(", ")
        ))
    }

    /// `faults.token_rejection` must be one the deployment of this scenario's
    /// SDK can meet: an OIDC provider checks neither `iat` nor `nbf`, so a
    /// server clock behind the IdP's rejects nothing there.
    fn check_token_rejection(&self) -> Result<(), String> {
        let provider = self.sdk_spec().sdk.convex_provider();
        if self.faults.token_rejection != TokenRejection::ServerClockBehind
            || provider.kind == ProviderKind::CustomJwt
        {
            return Ok(());
        }
        let valid: Vec<&str> = TokenRejection::ALL
            .into_iter()
            .filter(|&r| r != TokenRejection::ServerClockBehind)
            .map(TokenRejection::code)
            .collect();
        Err(format!(
            "scenario.faults.token_rejection: \"server-clock-behind\" rejects nothing with adapter = \"{}\": its deployment's provider is OIDC, whose verifier checks neither iat nor nbf ({}); valid: {}",
            self.adapter,
            provider.source,
            valid.join(", ")
        ))
    }

    /// The version switches in force: the release's defaults with the overrides applied.
    pub fn switches(&self) -> Switches {
        self.switches.apply(self.client.switches())
    }

    /// The npm package the conformance harness runs this scenario's client from:
    /// the release's, or with `proposal_keep_trying` 1.49.0 with the proposal's
    /// patch applied (conformance/patches/).
    pub fn npm_package(&self) -> String {
        if self.switches().proposal_keep_trying {
            PROPOSAL_PACKAGE.to_string()
        } else {
            self.client.npm_package()
        }
    }

    /// Milliseconds per tick: the release's leeway is `bounds.refetch_leeway` ticks.
    pub fn tick_ms(&self) -> u64 {
        u64::from(self.client.switches().leeway_seconds) * 1000
            / u64::from(self.bounds.refetch_leeway.max(1))
    }

    /// Client options the scenario sets that its release does not have, as a
    /// one-line error.
    pub fn check_release(&self) -> Result<(), String> {
        let options = [
            (
                "expect_auth",
                self.switches.expect_auth == Some(true),
                ClientRelease::EXPECT_AUTH,
            ),
            (
                "initial_auth_token_reuse",
                self.switches.initial_auth_token_reuse == Some(true),
                ClientRelease::INITIAL_AUTH_TOKEN_REUSE,
            ),
        ];
        if self.switches.proposal_keep_trying == Some(true) && self.client != ClientRelease::V1_49_0
        {
            return Err(format!(
                "scenario.switches.proposal_keep_trying: the proposal is a patch on convex 1.49.0, not {}; valid releases for it: 1.49.0",
                self.client
            ));
        }
        for (option, set, since) in options {
            if set && self.client < since {
                return Err(format!(
                    "scenario.switches.{option}: convex {} has no such option (it came with {since}); valid releases for it: {}",
                    self.client,
                    ClientRelease::ALL
                        .iter()
                        .filter(|r| **r >= since)
                        .map(|r| r.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// Released versions of the `convex` npm package, one per release whose auth
/// behaviour changed (each found by diffing the published dist/ of consecutive
/// releases; docs/protocol.md "Releases" lists what each one changed). A preset
/// stands for every release from it up to the next preset. Variants are in
/// release order, which is their order.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum ClientRelease {
    #[serde(rename = "1.13.2")]
    V1_13_2,
    #[serde(rename = "1.14.0")]
    V1_14_0,
    #[serde(rename = "1.14.1")]
    V1_14_1,
    #[serde(rename = "1.14.3")]
    V1_14_3,
    #[serde(rename = "1.14.4")]
    V1_14_4,
    #[serde(rename = "1.17.0")]
    V1_17_0,
    #[serde(rename = "1.17.3")]
    V1_17_3,
    #[serde(rename = "1.17.4")]
    V1_17_4,
    #[serde(rename = "1.20.0")]
    V1_20_0,
    #[serde(rename = "1.21.0")]
    V1_21_0,
    #[serde(rename = "1.26.0")]
    V1_26_0,
    #[serde(rename = "1.27.4")]
    V1_27_4,
    #[serde(rename = "1.28.0")]
    V1_28_0,
    #[serde(rename = "1.32.0")]
    V1_32_0,
    #[serde(rename = "1.33.0")]
    V1_33_0,
    #[serde(rename = "1.33.1")]
    V1_33_1,
    #[serde(rename = "1.34.0")]
    V1_34_0,
    #[serde(rename = "1.34.1")]
    V1_34_1,
    #[serde(rename = "1.40.0")]
    V1_40_0,
    #[serde(rename = "1.42.1")]
    V1_42_1,
    #[serde(rename = "1.42.2")]
    V1_42_2,
    /// The reference version (npm `convex@1.49.0`; the auth code of 1.44.0–1.49.0).
    #[default]
    #[serde(rename = "1.49.0")]
    V1_49_0,
}

/// What one release changed, and what of it the model does not show.
pub struct ReleaseNotes {
    /// The commits it brought, and what they changed for auth.
    pub changed: &'static str,
    /// Changes of this release the model has no switch for, and why.
    pub not_modelled: &'static str,
}

impl ClientRelease {
    /// Oldest first.
    pub const ALL: [ClientRelease; 22] = [
        Self::V1_13_2,
        Self::V1_14_0,
        Self::V1_14_1,
        Self::V1_14_3,
        Self::V1_14_4,
        Self::V1_17_0,
        Self::V1_17_3,
        Self::V1_17_4,
        Self::V1_20_0,
        Self::V1_21_0,
        Self::V1_26_0,
        Self::V1_27_4,
        Self::V1_28_0,
        Self::V1_32_0,
        Self::V1_33_0,
        Self::V1_33_1,
        Self::V1_34_0,
        Self::V1_34_1,
        Self::V1_40_0,
        Self::V1_42_1,
        Self::V1_42_2,
        Self::V1_49_0,
    ];

    /// The preset of this name ("1.49.0"), if there is one.
    pub fn named(name: &str) -> Option<ClientRelease> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::V1_13_2 => "1.13.2",
            Self::V1_14_0 => "1.14.0",
            Self::V1_14_1 => "1.14.1",
            Self::V1_14_3 => "1.14.3",
            Self::V1_14_4 => "1.14.4",
            Self::V1_17_0 => "1.17.0",
            Self::V1_17_3 => "1.17.3",
            Self::V1_17_4 => "1.17.4",
            Self::V1_20_0 => "1.20.0",
            Self::V1_21_0 => "1.21.0",
            Self::V1_26_0 => "1.26.0",
            Self::V1_27_4 => "1.27.4",
            Self::V1_28_0 => "1.28.0",
            Self::V1_32_0 => "1.32.0",
            Self::V1_33_0 => "1.33.0",
            Self::V1_33_1 => "1.33.1",
            Self::V1_34_0 => "1.34.0",
            Self::V1_34_1 => "1.34.1",
            Self::V1_40_0 => "1.40.0",
            Self::V1_42_1 => "1.42.1",
            Self::V1_42_2 => "1.42.2",
            Self::V1_49_0 => "1.49.0",
        }
    }

    /// The npm package the conformance harness installs this release under
    /// (an alias in conformance/package.json; 1.49.0 is plain `convex`).
    pub fn npm_package(self) -> String {
        match self {
            Self::V1_49_0 => "convex".into(),
            other => format!("convex-{}", other.name()),
        }
    }

    /// What this release changed, and what the model leaves out of it.
    pub fn notes(self) -> ReleaseNotes {
        let (changed, not_modelled) = match self {
            Self::V1_13_2 => ("the auth code of 1.10.0–1.13.2: no pause (setConfig sends its token at once), re-authentication closes the socket and reconnects in every path, no retries, a fixed 2 s leeway, an uncapped refetch delay, one provider useEffect (R0)", ""),
            Self::V1_14_0 => ("27fe643: setConfig pauses the socket; refetchToken ends with resume; an outdated re-authentication no longer reconnects; restart() throws unless stopped; LocalSyncState does not know about the pause, so a resume sends a skewed identity version and the server closes the socket. 489d8e5: the refetch delay is capped at 20 days. The provider uses useLayoutEffect (R1) and defers clearAuth with setTimeout (R2)", "the query-set versions' skew (the model's ModifyQuerySet carries the whole set, not a diff with versions)"),
            Self::V1_14_1 => ("6bfb924: clearAuth moves into a second layout-effect cleanup, run at once (R3)", "as 1.14.0: the query-set versions' skew"),
            Self::V1_14_3 => ("11b53f7: FirstEffect/LastEffect children with useEffect (R4). 85c04f1, b611892: LocalSyncState knows about the pause", "a resumed query set may repeat an Add (fixed in 1.14.4); the server tolerates it"),
            Self::V1_14_4 => ("fe42c7a: query-set changes made while paused are kept pending and sent once on resume", ""),
            Self::V1_17_0 => ("256201c: the authRefreshTokenLeewaySeconds option (default still 2 s); a token whose lifetime is not above the leeway is refetched at once instead of never", ""),
            Self::V1_17_3 => ("ca17912: the LastEffect cleanup sets isConvexAuthenticated to null (R5: a fetcher change shows loading, not signed out). Clerk's fetcher depends on getToken", "the Clerk adapter's revisions are not release switches: the clerk row is 1.49.0's adapter"),
            Self::V1_17_4 => ("021e605: Clerk's getToken dependency reverted", "Clerk adapter revision (see 1.17.3)"),
            Self::V1_20_0 => ("the last release before d661485 (1.19.3 dropped onAuthError's check for a missing baseVersion; the model's server always sends one)", ""),
            Self::V1_21_0 => ("d661485: AuthError{authUpdateAttempted:false} is ignored while a token awaits confirmation; 2 retries of a rejected fresh token; refetchToken ends with tryRestartSocket; restart() no longer throws; setConfig resumes after both branches", ""),
            Self::V1_26_0 => ("689c655: the expectAuth option", "the server-inactivity timer grows from 30 s to 60 s; the model's server pings, so that timer never fires"),
            Self::V1_27_4 => ("942b909: Clerk's fetcher awaits getToken, so its errors become null", "Clerk adapter revision (see 1.17.3)"),
            Self::V1_28_0 => ("8902506: messages that arrive on a socket after close() are ignored", ""),
            Self::V1_32_0 => ("750f862: the leeway's default goes from 2 s to 10 s", ""),
            Self::V1_33_0 => ("98278df: Clerk asks for its token without the convex template", "Clerk adapter revision (see 1.17.3)"),
            Self::V1_33_1 => ("714ba38: Clerk uses the template unless the session's aud is convex", "Clerk adapter revision (see 1.17.3)"),
            Self::V1_34_0 => ("99e869d: the reconnect backoff resets only once auth has synced too, and its maximum grows to 64 s", "backoff durations: the model lets a reconnect come at any later point, so how long the backoff is cannot change a verdict (bug 20)"),
            Self::V1_34_1 => ("e81b8ad: every identity-advancing Transition marks auth synced; the backoff maximum is 16 s again", "backoff durations (see 1.34.0)"),
            Self::V1_40_0 => ("b7eca9a: isRefreshing and onRefreshChange (R6); tryToReauthenticate returns when the state became noAuth during stopSocket (before: a TypeError)", ""),
            Self::V1_42_1 => ("8ca1695: the initialAuthTokenReuse option (default off)", ""),
            Self::V1_42_2 => ("7938958: Clerk's fetcher depends on the session id", "Clerk adapter revision (see 1.17.3)"),
            Self::V1_49_0 => ("b96ea1b (1.44.0): the provider's context value is memoized (R7), no protocol change; the auth code of 1.44.0–1.49.0", ""),
        };
        ReleaseNotes {
            changed,
            not_modelled,
        }
    }

    /// The switches as this release ships them: each release is the one before it
    /// with what it changed.
    pub fn switches(self) -> Switches {
        let at = |r: ClientRelease| self >= r;
        Switches {
            leeway_seconds: if at(Self::V1_32_0) { 10 } else { 2 },
            set_config_pauses: at(Self::V1_14_0),
            set_config_resumes_after_refetch: at(Self::V1_21_0),
            restart_throws_unless_stopped: !at(Self::V1_21_0),
            timer_cap: at(Self::V1_14_0),
            lss_pause_aware: at(Self::V1_14_3),
            react_provider: if at(Self::V1_40_0) {
                ReactProvider::R6
            } else if at(Self::V1_17_3) {
                ReactProvider::R5
            } else if at(Self::V1_14_3) {
                ReactProvider::R4
            } else if at(Self::V1_14_1) {
                ReactProvider::R3
            } else if at(Self::V1_14_0) {
                ReactProvider::R2
            } else {
                ReactProvider::R0
            },
            ignore_nonauth_autherror: at(Self::V1_21_0),
            token_confirmation_retries: if at(Self::V1_21_0) { 2 } else { 0 },
            refetch_ends_with_try_restart: at(Self::V1_21_0),
            guard_noauth_after_stop: at(Self::V1_40_0),
            ignore_messages_after_close: at(Self::V1_28_0),
            expect_auth: false,
            initial_auth_token_reuse: false,
            server_reports_auth_update_attempted: true,
            proposal_keep_trying: false,
        }
    }

    /// The first release with the `expectAuth` option.
    pub const EXPECT_AUTH: ClientRelease = Self::V1_26_0;
    /// The first release with the `initialAuthTokenReuse` option.
    pub const INITIAL_AUTH_TOKEN_REUSE: ClientRelease = Self::V1_42_1;
}

impl fmt::Display for ClientRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How `ConvexProviderWithAuth` wires its effects (docs/protocol.md "Provider
/// revisions"). R1 never shipped alone (1.14.0 has R1 and R2), and R7 (1.44.0)
/// changes nothing the protocol sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ReactProvider {
    /// ≤ 1.13: one `useEffect`; the children's effects run first, so their
    /// queries subscribe (and the app's mutation runs) before `setAuth`.
    R0,
    /// 1.14.0: one `useLayoutEffect` (setAuth before the children's effects), whose
    /// cleanup defers `clearAuth` with `setTimeout(…, 0)`.
    R2,
    /// 1.14.1: `clearAuth` in a second layout-effect cleanup, at once.
    R3,
    /// 1.14.3: FirstEffect / LastEffect children with `useEffect`.
    R4,
    /// 1.17.3: the LastEffect cleanup also sets isConvexAuthenticated to null.
    R5,
    /// 1.40.0: `isRefreshing` and `onRefreshChange`.
    R6,
}

impl ReactProvider {
    /// Whether `setAuth` runs before the children's effects at mount.
    pub fn set_auth_before_children(self) -> bool {
        self >= ReactProvider::R2
    }

    /// Whether the provider's effects are layout effects (R2, R3: 1.14.0 and
    /// 1.14.1 call setAuth in a `useLayoutEffect`), which React runs in the commit
    /// itself, never after paint; from R4 they are passive (`useEffect`).
    pub fn effects_in_commit(self) -> bool {
        matches!(self, ReactProvider::R2 | ReactProvider::R3)
    }

    /// Whether a fetcher change shows loading (R5+) rather than signed out.
    pub fn last_effect_sets_loading(self) -> bool {
        self >= ReactProvider::R5
    }

    /// Whether the client reports `onRefreshChange` (R6+, with b7eca9a's AM).
    pub fn reports_refreshing(self) -> bool {
        self >= ReactProvider::R6
    }
}

/// Behaviour switches of the client, each named after the convex-js commit that
/// introduced the behaviour (docs/protocol.md "Releases").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Switches {
    /// `refreshTokenLeewaySeconds`: 2 (hard-coded before 256201c, 1.17.0; the
    /// option's default until 750f862, 1.32.0), then 10. A tick is this many
    /// seconds divided by `bounds.refetch_leeway`.
    pub leeway_seconds: u8,
    /// 27fe643 (1.14.0): `setConfig` pauses the socket and resumes it once the token
    /// is sent; `refetchToken` ends with a socket call; an outdated
    /// re-authentication returns without reconnecting. Before (≤ 1.13.2) setConfig
    /// sent its token at once, refetchToken touched no socket, and
    /// re-authentication reconnected in its outdated path too.
    pub set_config_pauses: bool,
    /// d661485 (1.21.0): `setConfig` resumes after both branches; before, its
    /// no-cached-token branch relied on `refetchToken`'s own trailing resume, which
    /// an outdated refetch skips (the socket stays paused).
    pub set_config_resumes_after_refetch: bool,
    /// Before d661485 (1.21.0): re-authentication ends with `restart()`, which
    /// throws unless the socket is stopped (an unhandled rejection); since,
    /// `tryRestart()` does nothing then.
    pub restart_throws_unless_stopped: bool,
    /// 489d8e5 (1.14.0): the refetch delay is capped at 20 days; before, a token
    /// living longer than setTimeout's 24.8 days overflowed it and the timer fired
    /// at once (`bounds.tokens_outlive_timers`).
    pub timer_cap: bool,
    /// 85c04f1 / b611892 (1.14.3): LocalSyncState knows about the pause (no version
    /// bump for a dropped message; resume bumps). Before, the paused socket's
    /// dropped Authenticate still bumped `identityVersion`, so resume sent a base
    /// the server never saw, and the server closed the socket.
    pub lss_pause_aware: bool,
    /// The provider's effect wiring, R0–R6.
    pub react_provider: ReactProvider,
    /// d661485 (1.21.0): `onAuthError` ignores `AuthError{authUpdateAttempted:false}`
    /// while waiting for the server to confirm a token.
    pub ignore_nonauth_autherror: bool,
    /// d661485 (1.21.0): `MAX_TOKEN_CONFIRMATION_ATTEMPTS`; 0 before (a fresh token's
    /// rejection gave up at once).
    pub token_confirmation_retries: u8,
    /// d661485 (1.21.0): `refetchToken` ends with `tryRestartSocket()`; before it ended
    /// with `resumeSocket()`, a no-op on a stopped socket.
    pub refetch_ends_with_try_restart: bool,
    /// b7eca9a (1.40.0): `tryToReauthenticate` returns when the state became noAuth while
    /// it awaited `stopSocket()`; before, it read `config` of noAuth (TypeError).
    pub guard_noauth_after_stop: bool,
    /// 8902506 (1.28.0): messages that arrive on a socket after `close()` are ignored.
    pub ignore_messages_after_close: bool,
    /// 689c655 (1.26.0) client option `expectAuth`: pause the socket at construction.
    pub expect_auth: bool,
    /// 8ca1695 (1.42.1) client option `initialAuthTokenReuse`: once the server
    /// confirms the cached token, schedule its refetch from the time it has left
    /// instead of forcing a fetch at once.
    pub initial_auth_token_reuse: bool,
    /// Not a client switch: the backend's version. Since early 2025 (the feature
    /// d661485 waited for) the server's `AuthError` carries `authUpdateAttempted`;
    /// older backends omit it, and the client's `=== false` test then fails, so
    /// the error is never ignored as "non-auth". On in every preset.
    pub server_reports_auth_update_attempted: bool,
    /// Not a release: this project's proposal for convex-js
    /// (`docs/proposal-keep-trying.md`, applied to 1.49.0 by the harness as
    /// `conformance/patches/convex-1.49.0-proposal-keep-trying.patch`). Four
    /// changes: a fetch of the current config that yields no token (null, or a
    /// rejection) reports `onAuthChange(false)` and schedules a forced refetch a
    /// tick later instead of ending in noAuth; the app's `clearAuth()` ends the
    /// AuthenticationManager's config (`stop()`); `tryToReauthenticate` restarts
    /// the socket it stopped on every path; and a pause outlives its WebSocket
    /// (the next `connect()` keeps a pause no `resume()` ended). Off in every
    /// release.
    pub proposal_keep_trying: bool,
}

/// The harness's alias of convex 1.49.0 with the proposal applied
/// (`conformance/package.json`, `conformance/patches/apply.mjs`).
pub const PROPOSAL_PACKAGE: &str = "convex-1.49.0-proposal";

/// Optional per-switch overrides written in a check file's `[scenario.switches]`:
/// the client options (`expect_auth`, `initial_auth_token_reuse`), the backend's
/// field, and the retry count; the other switches come with the release.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SwitchOverrides {
    pub ignore_nonauth_autherror: Option<bool>,
    pub token_confirmation_retries: Option<u8>,
    pub refetch_ends_with_try_restart: Option<bool>,
    pub guard_noauth_after_stop: Option<bool>,
    pub ignore_messages_after_close: Option<bool>,
    pub expect_auth: Option<bool>,
    pub initial_auth_token_reuse: Option<bool>,
    pub server_reports_auth_update_attempted: Option<bool>,
    pub proposal_keep_trying: Option<bool>,
}

impl SwitchOverrides {
    fn apply(&self, base: Switches) -> Switches {
        Switches {
            ignore_nonauth_autherror: self
                .ignore_nonauth_autherror
                .unwrap_or(base.ignore_nonauth_autherror),
            token_confirmation_retries: self
                .token_confirmation_retries
                .unwrap_or(base.token_confirmation_retries),
            refetch_ends_with_try_restart: self
                .refetch_ends_with_try_restart
                .unwrap_or(base.refetch_ends_with_try_restart),
            guard_noauth_after_stop: self
                .guard_noauth_after_stop
                .unwrap_or(base.guard_noauth_after_stop),
            ignore_messages_after_close: self
                .ignore_messages_after_close
                .unwrap_or(base.ignore_messages_after_close),
            expect_auth: self.expect_auth.unwrap_or(base.expect_auth),
            initial_auth_token_reuse: self
                .initial_auth_token_reuse
                .unwrap_or(base.initial_auth_token_reuse),
            server_reports_auth_update_attempted: self
                .server_reports_auth_update_attempted
                .unwrap_or(base.server_reports_auth_update_attempted),
            proposal_keep_trying: self
                .proposal_keep_trying
                .unwrap_or(base.proposal_keep_trying),
            ..base
        }
    }
}

/// Sizes of the model. Time is counted in logical ticks; one tick stands for the
/// refetch leeway (10 s by default in the real client).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Bounds {
    /// An optional horizon: after this many clock ticks time stops (time runs
    /// from 0 to `ticks`). None (the default): time runs forever, and the model
    /// keeps it finite by reading every deadline relative to now
    /// (the `relative_time` module).
    pub ticks: Option<u8>,
    /// Lifetime of every access token the IdP mints (`exp - iat`), in ticks.
    pub token_lifetime: u8,
    /// The client's `authRefreshTokenLeewaySeconds`, in ticks: the scheduled refetch
    /// is due at `exp - leeway` (assuming the token was issued when received).
    pub refetch_leeway: u8,
    /// AuthKit's `refreshBufferInterval`, in ticks: the IdP refreshes a token once
    /// `now >= exp - buffer`.
    pub idp_refresh_buffer: u8,
    /// Number of subscribed queries (`useQuery` calls under the provider).
    pub queries: u8,
    /// Whether the app calls one mutation when it mounts.
    pub mutation: bool,
    /// More forced fetches, setAuth calls or reconnects than this within one tick is
    /// a storm (STORM); states beyond it are not explored further.
    pub storm_bound: u8,
    /// Tokens live longer than `setTimeout` can wait (24.8 days; `exp - iat` stays
    /// `token_lifetime` ticks for everything else): without the 20-day cap
    /// (`timer_cap`, 1.14.0) the refetch delay overflows and the timer fires at
    /// once.
    pub tokens_outlive_timers: bool,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            ticks: None,
            token_lifetime: 2,
            refetch_leeway: 1,
            idp_refresh_buffer: 1,
            queries: 1,
            mutation: false,
            storm_bound: 6,
            tokens_outlive_timers: false,
        }
    }
}

/// How many times each environment event happens in every complete run. Each
/// happens exactly that many times, at any point of the run, so every interleaving
/// with the rest of the system is explored.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Faults {
    /// Transient failures of an IdP token refresh that a fetch may run into,
    /// each of `failure_kind`. Each is a choice: a refresh may fail while
    /// budget remains.
    pub refresh_failures: u8,
    /// What kind of failure each failed refresh (and each refresh during an
    /// outage) is: what the SDK then does is its row's
    /// ([`crate::sdks::FailureFacts::kinds`]).
    pub failure_kind: FailureKind,
    /// Server-side data changes that make every subscribed query re-run (the moment
    /// the server notices an expired token).
    pub data_changes: u8,
    /// Network drops that close the live WebSocket.
    pub socket_drops: u8,
    /// Times the tab is hidden (and later shown again).
    pub tab_hides: u8,
    /// Times the user signs out at the IdP (0 or 1 are meaningful).
    pub sign_outs: u8,
    /// Times the session ends at the IdP (its refresh token revoked or
    /// expired) while the browser keeps its cookie: every later refresh fails
    /// as the SDK's row says for `session-ended` (0 or 1).
    pub session_ends: u8,
    /// `fetchAccessToken` calls whose promise never settles (the adapter's request to
    /// the IdP stalls with no timeout): the environment picks which fetch hangs.
    pub fetch_hangs: u8,
    /// Times the user signs in after the page loaded, while signed out (as the user
    /// who was signed in last, user A at first): a modal or popup sign-in, no
    /// reload.
    pub sign_ins: u8,
    /// Times the signed-in user switches to the other account without a reload
    /// (user A ↔ user B: Clerk's multi-session `setActive`, a sign-out then
    /// sign-in in one flow).
    pub account_switches: u8,
    /// Times the same user's session or organization changes (Clerk
    /// `setActive({organization})`, WorkOS `switchToOrganization`): the IdP mints a
    /// new token, and adapters whose deps follow the session hand over a new
    /// `fetchAccessToken`.
    pub session_switches: u8,
    /// Outages of the IdP: for `outage_ticks` ticks every refresh fails, the
    /// auto-refresh loop's too (AuthKit keeps the token it has; calls answered
    /// from memory still succeed). Each starts at any point of the run.
    pub idp_outages: u8,
    /// How many clock ticks each IdP outage lasts.
    pub outage_ticks: u8,
    /// Why the Convex server rejects a token that has not expired, if ever: its
    /// deployment's auth config, its clock, or a signing key it has not fetched.
    pub token_rejection: TokenRejection,
}

/// Why the Convex backend rejects a token the IdP has just minted, unexpired
/// (`faults.token_rejection`). Each is read from the backend's source
/// (get-convex/convex-backend 94a42c3, `crates/authentication/src/lib.rs`
/// `validate_id_token`; notes: docs/sources/idp-failure-kinds.md §11). A
/// rejection at `Authenticate` reaches the client as
/// `AuthError{authUpdateAttempted: true}` and the socket closes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenRejection {
    /// The server rejects a token only once it has expired.
    #[default]
    #[serde(rename = "none")]
    None,
    /// The deployment's `convex/auth.config.ts` names an issuer or an
    /// application ID (audience) the tokens do not carry: no provider matches,
    /// and every token is rejected ("No auth provider found matching the given
    /// token", `lib.rs:189-196`; customJwt's "Invalid issuer" / "Invalid
    /// audience", `lib.rs:324-360`).
    #[serde(rename = "wrong-audience")]
    WrongAudience,
    /// The server's clock runs one tick ahead of the IdP's: it finds each
    /// token expired one tick early, at `Authenticate` (`lib.rs:361-378`
    /// customJwt, openidconnect's `exp` check for OIDC) and when it runs a
    /// query (`crates/sync/src/state.rs:298-302`).
    #[serde(rename = "server-clock-ahead")]
    ServerClockAhead,
    /// The server's clock runs one tick behind the IdP's: a new token's `iat`
    /// lies in its future, and a customJwt provider (WorkOS, Better Auth)
    /// rejects it for its first tick ("Token will be valid in N seconds":
    /// biscuit's `iat`/`nbf` check with a 5 s epsilon, `lib.rs:361-378`). OIDC
    /// providers check neither claim.
    #[serde(rename = "server-clock-behind")]
    ServerClockBehind,
    /// The IdP rotates its signing key once, at any point of the run, and
    /// signs every later token with the new key. The server's cached JWKS
    /// lacks it until the server fetches the JWKS again, once, at any later
    /// point (its HTTP cache going stale; there is no refetch on an unknown
    /// `kid`, `lib.rs:290-315`, `crates/http_client/src/lib.rs:63-104`): until
    /// then every new token is rejected.
    #[serde(rename = "rotated-key")]
    RotatedKey,
}

impl TokenRejection {
    pub const ALL: [TokenRejection; 5] = [
        TokenRejection::None,
        TokenRejection::WrongAudience,
        TokenRejection::ServerClockAhead,
        TokenRejection::ServerClockBehind,
        TokenRejection::RotatedKey,
    ];

    /// The name check files use.
    pub fn code(self) -> &'static str {
        match self {
            TokenRejection::None => "none",
            TokenRejection::WrongAudience => "wrong-audience",
            TokenRejection::ServerClockAhead => "server-clock-ahead",
            TokenRejection::ServerClockBehind => "server-clock-behind",
            TokenRejection::RotatedKey => "rotated-key",
        }
    }

    /// The server's clock when the IdP's (and the tab's) reads `now`: one tick
    /// ahead or behind with a skew, in ticks (negative before the first tick).
    pub fn server_clock_at(self, now: u8) -> i16 {
        let offset = match self {
            TokenRejection::ServerClockAhead => 1,
            TokenRejection::ServerClockBehind => -1,
            _ => 0,
        };
        i16::from(now) + offset
    }
}

impl fmt::Display for TokenRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            refresh_failures: 0,
            failure_kind: FailureKind::NetworkError,
            data_changes: 1,
            socket_drops: 0,
            tab_hides: 0,
            sign_outs: 0,
            session_ends: 0,
            fetch_hangs: 0,
            sign_ins: 0,
            account_switches: 0,
            session_switches: 0,
            idp_outages: 0,
            outage_ticks: 2,
            token_rejection: TokenRejection::None,
        }
    }
}

/// The largest value validation accepts for a numeric knob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Max {
    /// A fixed number.
    Fixed(u8),
    /// `bounds.token_lifetime` of the same scenario: a leeway beyond the lifetime
    /// acts like the lifetime itself.
    TokenLifetime,
    /// `bounds.token_lifetime - 1`: with a buffer as long as the lifetime AuthKit
    /// refreshes on every fetch and mints tokens without end.
    BelowTokenLifetime,
}

impl Max {
    /// The maximum in force for `scenario`.
    pub fn of(self, scenario: &Scenario) -> u8 {
        let lifetime = scenario.bounds.token_lifetime;
        match self {
            Max::Fixed(n) => n,
            Max::TokenLifetime => lifetime,
            Max::BelowTokenLifetime => lifetime.saturating_sub(1),
        }
    }
}

impl fmt::Display for Max {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Max::Fixed(n) => write!(f, "{n}"),
            Max::TokenLifetime => f.write_str("token_lifetime"),
            Max::BelowTokenLifetime => f.write_str("token_lifetime-1"),
        }
    }
}

/// One scenario knob, for `list` and for validation.
pub struct Knob {
    /// The key under `[scenario]`, e.g. `bounds.ticks`.
    pub key: &'static str,
    pub default: String,
    pub meaning: &'static str,
    /// The smallest value accepted (numeric knobs).
    pub min: u8,
    /// The largest value accepted; `None` for knobs that are not numbers.
    pub max: Option<Max>,
    /// The value a scenario sets, for numeric knobs (`None` when unset).
    value: fn(&Scenario) -> Option<u8>,
}

impl Knob {
    /// Checks the knob's value in `scenario` against its range; the error is one
    /// line: `scenario.<key>: <problem>; <range>`.
    pub fn check(&self, scenario: &Scenario) -> Result<(), String> {
        let (Some(max), Some(value)) = (self.max, (self.value)(scenario)) else {
            return Ok(());
        };
        let limit = max.of(scenario);
        if (self.min..=limit).contains(&value) {
            return Ok(());
        }
        let why = match max {
            Max::Fixed(_) => String::new(),
            _ => format!(
                " (at most {max}, token_lifetime = {})",
                scenario.bounds.token_lifetime
            ),
        };
        Err(format!(
            "scenario.{}: {value} is out of range; {}..={limit}{why}",
            self.key, self.min
        ))
    }
}

/// Every knob a check file may set, with its default and its range. The maxima
/// keep each run to seconds: see [`estimated_states`] for how they combine.
pub fn knobs() -> Vec<Knob> {
    let b = Bounds::default();
    let f = Faults::default();
    let other = |key, default: String, meaning| Knob {
        key,
        default,
        meaning,
        min: 0,
        max: None,
        value: |_| None,
    };
    let num = |key, default: u8, min, max, meaning, value: fn(&Scenario) -> Option<u8>| Knob {
        key,
        default: default.to_string(),
        meaning,
        min,
        max: Some(max),
        value,
    };
    vec![
        other(
            "adapter",
            Adapter::default().name().into(),
            "auth-provider adapter (see adapters)",
        ),
        other(
            "client",
            ClientRelease::default().name().into(),
            "convex npm release the switches default to",
        ),
        other(
            "faults.failure_kind",
            f.failure_kind.code().into(),
            "what each failed refresh is: network-error, offline, http-5xx, http-429, http-408, lock-timeout (what the SDK does with each: IDP SDKS)",
        ),
        other(
            "faults.token_rejection",
            f.token_rejection.code().into(),
            "why the server rejects an unexpired token: none, wrong-audience, server-clock-ahead, server-clock-behind (customJwt providers only), rotated-key",
        ),
        other(
            "app.page_load",
            PageLoad::default().name().into(),
            "adapter's first render: loading-signed-in, loading-signed-out, loaded-signed-in",
        ),
        other(
            "app.strict_mode",
            false.to_string(),
            "<React.StrictMode>: mount effects run, clean up and run again",
        ),
        other(
            "app.preloaded_query",
            false.to_string(),
            "the first query is usePreloadedQuery over a server preloadQuery (Next.js App Router)",
        ),
        other(
            "app.mutation_later",
            false.to_string(),
            "the app calls its mutation at any moment after mount",
        ),
        other(
            "app.action_later",
            false.to_string(),
            "the app calls one action at any moment after mount",
        ),
        other(
            "app.effects_after_paint",
            false.to_string(),
            "passive effects run in a later task than their render (others may come between)",
        ),
        other(
            "app.auth_by",
            AuthBy::default().name().into(),
            "who calls setAuth/clearAuth: provider (ConvexProviderWithAuth) or app",
        ),
        num(
            "app.set_auth_calls",
            0,
            0,
            Max::Fixed(3),
            "auth_by = app: times the app calls setAuth (at any moment)",
            |s| Some(s.app.set_auth_calls),
        ),
        num(
            "app.clear_auth_calls",
            0,
            0,
            Max::Fixed(3),
            "auth_by = app: times the app calls clearAuth (at any moment)",
            |s| Some(s.app.clear_auth_calls),
        ),
        num(
            "app.query_toggles",
            0,
            0,
            Max::Fixed(4),
            "a component with its own useQuery mounts/unmounts (alternately)",
            |s| Some(s.app.query_toggles),
        ),
        Knob {
            default: "per client".into(),
            ..num(
                "switches.token_confirmation_retries",
                0,
                0,
                Max::Fixed(5),
                "retries of a rejected fresh token (overrides the release's)",
                |s| s.switches.token_confirmation_retries,
            )
        },
        Knob {
            default: "unbounded".into(),
            ..num(
                "bounds.ticks",
                0,
                0,
                Max::Fixed(20),
                "optional horizon: time stops after this many clock ticks",
                |s| s.bounds.ticks,
            )
        },
        num(
            "bounds.token_lifetime",
            b.token_lifetime,
            1,
            Max::Fixed(20),
            "access-token lifetime exp - iat, in ticks",
            |s| Some(s.bounds.token_lifetime),
        ),
        num(
            "bounds.refetch_leeway",
            b.refetch_leeway,
            0,
            Max::TokenLifetime,
            "client refetch leeway, in ticks",
            |s| Some(s.bounds.refetch_leeway),
        ),
        num(
            "bounds.idp_refresh_buffer",
            b.idp_refresh_buffer,
            0,
            Max::BelowTokenLifetime,
            "IdP proactive refresh buffer, in ticks",
            |s| Some(s.bounds.idp_refresh_buffer),
        ),
        num(
            "bounds.queries",
            b.queries,
            0,
            Max::Fixed(5),
            "subscribed queries",
            |s| Some(s.bounds.queries),
        ),
        other(
            "bounds.mutation",
            b.mutation.to_string(),
            "the app calls one mutation at mount",
        ),
        other(
            "bounds.tokens_outlive_timers",
            b.tokens_outlive_timers.to_string(),
            "tokens live longer than setTimeout can wait (24.8 days)",
        ),
        num(
            "bounds.storm_bound",
            b.storm_bound,
            0,
            Max::Fixed(50),
            "fetches/setAuth/reconnects per tick counted as a storm",
            |s| Some(s.bounds.storm_bound),
        ),
        num(
            "faults.refresh_failures",
            f.refresh_failures,
            0,
            Max::Fixed(5),
            "transient IdP refresh failures",
            |s| Some(s.faults.refresh_failures),
        ),
        num(
            "faults.data_changes",
            f.data_changes,
            0,
            Max::Fixed(5),
            "server data changes (queries re-run)",
            |s| Some(s.faults.data_changes),
        ),
        num(
            "faults.socket_drops",
            f.socket_drops,
            0,
            Max::Fixed(5),
            "network drops of the WebSocket",
            |s| Some(s.faults.socket_drops),
        ),
        num(
            "faults.tab_hides",
            f.tab_hides,
            0,
            Max::Fixed(5),
            "tab hidden then shown",
            |s| Some(s.faults.tab_hides),
        ),
        num(
            "faults.sign_outs",
            f.sign_outs,
            0,
            Max::Fixed(3),
            "user signs out at the IdP",
            |s| Some(s.faults.sign_outs),
        ),
        num(
            "faults.session_ends",
            f.session_ends,
            0,
            Max::Fixed(1),
            "the session ends at the IdP (refresh token revoked or expired) while the browser keeps its cookie",
            |s| Some(s.faults.session_ends),
        ),
        num(
            "faults.sign_ins",
            f.sign_ins,
            0,
            Max::Fixed(3),
            "user signs in after page load, while signed out (no reload)",
            |s| Some(s.faults.sign_ins),
        ),
        num(
            "faults.account_switches",
            f.account_switches,
            0,
            Max::Fixed(3),
            "signed-in user switches to the other account (A <-> B, no reload)",
            |s| Some(s.faults.account_switches),
        ),
        num(
            "faults.idp_outages",
            f.idp_outages,
            0,
            Max::Fixed(2),
            "IdP outages: every refresh fails for outage_ticks ticks",
            |s| Some(s.faults.idp_outages),
        ),
        num(
            "faults.outage_ticks",
            f.outage_ticks,
            1,
            Max::Fixed(10),
            "ticks each IdP outage lasts",
            |s| Some(s.faults.outage_ticks),
        ),
        num(
            "faults.session_switches",
            f.session_switches,
            0,
            Max::Fixed(3),
            "same user, new session or organization (new token; fetcher per adapter deps)",
            |s| Some(s.faults.session_switches),
        ),
        num(
            "faults.fetch_hangs",
            f.fetch_hangs,
            0,
            Max::Fixed(2),
            "fetchAccessToken calls that never settle",
            |s| Some(s.faults.fetch_hangs),
        ),
    ]
}

/// Every version switch with its meaning, for `list`.
pub fn switch_docs() -> Vec<(&'static str, &'static str)> {
    vec![
        ("ignore_nonauth_autherror", "d661485 (1.21.0): ignore AuthError{authUpdateAttempted:false} while waiting for confirmation"),
        ("token_confirmation_retries", "d661485 (1.21.0): retries after a fresh token is rejected (0 before, 2 after)"),
        ("refetch_ends_with_try_restart", "d661485 (1.21.0): refetchToken ends with tryRestartSocket (before: resumeSocket)"),
        ("guard_noauth_after_stop", "b7eca9a (1.40.0): tryToReauthenticate returns if noAuth after stopSocket"),
        ("ignore_messages_after_close", "8902506 (1.28.0): messages on a closed socket are ignored"),
        ("expect_auth", "689c655 (1.26.0) option expectAuth: socket paused at construction"),
        ("initial_auth_token_reuse", "8ca1695 (1.42.1) option initialAuthTokenReuse: a confirmed cached token is refetched when due, not at once"),
        ("server_reports_auth_update_attempted", "the backend (since early 2025) sends AuthError.authUpdateAttempted; older ones omit it, which the client reads as not false"),
        ("proposal_keep_trying", "this project's proposal (docs/proposal-keep-trying.md), a patch on 1.49.0 only: no token from the current config → onAuthChange(false) and a forced refetch a tick later, not noAuth; the app's clearAuth() stops the AuthenticationManager; tryToReauthenticate restarts the socket it stopped on every path; a pause outlives its WebSocket"),
    ]
}

/// The horizon an unbounded run costs about as much as, in [`estimate_factors`]:
/// relative time folds every later tick onto the states of the first few. On the
/// 24 checks shipped when it was measured (unbounded) the estimate is then, in the
/// geometric mean, 0.84× the measured count (RMS of the log 1.7; the app's knobs,
/// never fitted, account for most of the spread).
pub const UNBOUNDED_TICKS_EQUIVALENT: u8 = 3;

/// The most unique states [`estimated_states`] may predict for a check to run.
pub const MAX_ESTIMATED_STATES: f64 = 1e9;

/// About how many unique states exploring `scenario` visits: the product of the
/// factors of [`estimate_factors`].
pub fn estimated_states(scenario: &Scenario) -> f64 {
    estimate_factors(scenario).iter().map(|(_, f)| f).product()
}

/// The factors of [`estimated_states`], one per knob (or pair of knobs), largest
/// first. With `T = ticks + 1` (ticks = [`UNBOUNDED_TICKS_EQUIVALENT`] without a
/// horizon) and `n!` for the factorial of a fault count:
///
/// | knob | factor |
/// |---|---|
/// | `bounds.ticks` | `4 · T^2.7` |
/// | `faults.data_changes` (n) | `(1.5 · T)^n / n!` |
/// | `faults.socket_drops` (n) | `(5 · T)^n / n!` |
/// | `faults.tab_hides` (n) | `9^n / n!` |
/// | `faults.refresh_failures` (n ≥ 1) | `6 · 1.2^(n-1)`; `1.5 · 1.2^(n-1)` with `workos-0.0.3`, which refreshes less |
/// | `faults.sign_outs` (n) | `4.5^n` |
/// | `faults.fetch_hangs` (n) | `4.5^n` (not fitted: taken to cost what a sign-out does) |
/// | `adapter` other than `workos-0.0.3` | `3 · T^0.7` (a forced fetch refreshes at the IdP: more tokens) |
/// | `bounds.mutation` | `2` |
/// | `app.page_load` loading (the default) | `7` (measured: 6.3× on `signed-out-mid-refresh`, 8.6× on the happy path's world) |
/// | each sign-in, switch, outage, app call or query toggle | `4.5` (not fitted: taken to cost what a sign-out does) |
/// | `bounds.token_lifetime`, `bounds.idp_refresh_buffer` | `lifetime^-1.8 · 6.5^(buffer / lifetime)` |
/// | `custom_adapter` | see [`custom_adapter_factor`]: up to `600 · 2.4` |
///
/// A fault can happen in any tick, hence a power of `T` per data change or socket
/// drop; faults of one kind are interchangeable, hence `n!` (though no further fault
/// divides: the `i`-th multiplies by `max(x / i, 1)`). The other knobs
/// (queries, leeway, storm bound, client, switches) move the count by less than 2×.
///
/// Calibrated (before the page load and the app's activity existed, with
/// `loaded-signed-in` counts) by least squares on the logarithm over 231 complete runs (random
/// scenarios with ticks ≤ 6 and every knob varied, plus one or two knobs at a time up
/// to ticks = 20), each measured with `check FILE --json`: the estimate is typically
/// within 2.2× of the measured count (RMS of the log 0.79) and within 15× at worst.
/// Measured vs estimated:
///
/// | scenario | measured | estimated |
/// |---|---|---|
/// | `docs-custom-transient-failure` | 35,046 | 35,000 |
/// | `happy-path` | 7,055 | 6,700 |
/// | `workos-0.0.3-authkit-expiry` | 1,135 | 1,100 |
/// | `signed-out-mid-refresh` | 496,129 | 530,000 |
/// | `workos-0.0.3-identical-token` | 27,297 | 30,000 |
/// | `workos-pr529-cd91e8a-transient-failure` | 30,701 | 35,000 |
/// | `workos-pr529-transient-failure` | 37,295 | 35,000 |
/// | defaults, ticks = 20 | 242,666 | 340,000 |
/// | defaults, ticks = 20, sign_outs = 1 | 1,152,044 | 1,500,000 |
/// | defaults, ticks = 16, tab_hides = 1 | 1,949,515 | 1,400,000 |
/// | defaults, ticks = 10, socket_drops = 1 | 2,478,963 | 1,700,000 |
/// | defaults, ticks = 6, socket_drops = 2 | 2,987,711 | 3,600,000 |
/// | defaults, ticks = 10, data_changes = 3 | 2,190,451 | 1,400,000 |
/// | `docs-custom`, ticks = 10 | 1,332,950 | 500,000 |
/// | ticks = 20, socket_drops = 5, tab_hides = 5 | (refused) | 1.3e17 (the default page load, ×7) |
pub fn estimate_factors(scenario: &Scenario) -> Vec<(&'static str, f64)> {
    let b = &scenario.bounds;
    let f = &scenario.faults;
    let t = f64::from(b.ticks.unwrap_or(UNBOUNDED_TICKS_EQUIVALENT)) + 1.0;
    // `x^n / n!`, except that a further fault never divides: `Π max(x / i, 1)`.
    let power_over_factorial =
        |x: f64, n: u8| (1..=n).map(|i| (x / f64::from(i)).max(1.0)).product();
    let refreshing = scenario.adapter != Adapter::WorkOs003;
    let refresh_failures = match (f.refresh_failures, refreshing) {
        (0, _) => 1.0,
        (n, true) => 6.0 * 1.2f64.powi(i32::from(n) - 1),
        (n, false) => 1.5 * 1.2f64.powi(i32::from(n) - 1),
    };
    let lifetime = f64::from(b.token_lifetime.max(1));
    let mut factors = vec![
        ("bounds.ticks", 4.0 * t.powf(2.7)),
        (
            "faults.data_changes",
            power_over_factorial(1.5 * t, f.data_changes),
        ),
        (
            "faults.socket_drops",
            power_over_factorial(5.0 * t, f.socket_drops),
        ),
        ("faults.tab_hides", power_over_factorial(9.0, f.tab_hides)),
        ("faults.refresh_failures", refresh_failures),
        ("faults.sign_outs", 4.5f64.powi(f.sign_outs.into())),
        ("faults.session_ends", 4.5f64.powi(f.session_ends.into())),
        ("faults.fetch_hangs", 4.5f64.powi(f.fetch_hangs.into())),
        (
            "faults.sign_ins + account_switches + session_switches",
            4.5f64.powi(
                i32::from(f.sign_ins)
                    + i32::from(f.account_switches)
                    + i32::from(f.session_switches),
            ),
        ),
        ("adapter", if refreshing { 3.0 * t.powf(0.7) } else { 1.0 }),
        ("bounds.mutation", if b.mutation { 2.0 } else { 1.0 }),
        (
            "app.page_load",
            if scenario.app.page_load.starts_loading() {
                7.0
            } else {
                1.0
            },
        ),
        (
            "bounds.token_lifetime",
            lifetime.powf(-1.8) * 6.5f64.powf(f64::from(b.idp_refresh_buffer) / lifetime),
        ),
        ("custom_adapter", custom_adapter_factor(scenario)),
    ];
    factors.sort_by(|a, b| b.1.total_cmp(&a.1));
    factors
}

/// The factor of [`estimate_factors`] for the knobs of `adapter = "custom"`,
/// measured on the README's example hook (90,870 states) and on it without the
/// data change (2,997 states):
///
/// | knob | measured | factor |
/// |---|---|---|
/// | `loading_while_refreshing` | over 138× (not finished in 60 s); 940× | `400` |
/// | `fetcher_follows_token` | 41×; 131× | `70` |
/// | both | 1,036× without the data change | `600` |
/// | `retry_waits` (with `transient_error = "retry"`) | 1.6× | `1.6` |
/// | `transient_error = "stale-token"` | 2.4× (against `"retry"` without waits) | `2.4` |
/// | `transient_error = "last-returned"` | not measured: taken as `"stale-token"`'s (one more token in the state) | `2.4` |
///
/// The other fields move that count by less than 2× (`force = "ignored"` and
/// `transient_error = "rethrow"` lower it), or not at all in a world without
/// sign-ins and switches (`fetcher_follows_user`, `_session`, `_sdk_load`,
/// `authenticated_needs_token`).
fn custom_adapter_factor(scenario: &Scenario) -> f64 {
    use crate::adapters::CustomError;
    let Some(c) = scenario
        .custom_adapter
        .filter(|_| scenario.adapter == Adapter::Custom)
    else {
        return 1.0;
    };
    let deps = match (c.loading_while_refreshing, c.fetcher_follows_token) {
        (true, true) => 600.0,
        (true, false) => 400.0,
        (false, true) => 70.0,
        (false, false) => 1.0,
    };
    let errors = match c.transient_error {
        CustomError::Retry if c.retry_waits => 1.6,
        CustomError::StaleToken | CustomError::LastReturned => 2.4,
        _ => 1.0,
    };
    deps * errors
}

/// Refuses a scenario whose [`estimated_states`] exceeds [`MAX_ESTIMATED_STATES`],
/// naming the knobs that contribute most.
pub fn check_estimate(scenario: &Scenario) -> Result<(), String> {
    let estimate = estimated_states(scenario);
    if estimate <= MAX_ESTIMATED_STATES {
        return Ok(());
    }
    let top: Vec<String> = estimate_factors(scenario)
        .iter()
        .take(3)
        .map(|(knob, factor)| format!("{knob} ×{factor:.1e}"))
        .collect();
    Err(format!(
        "scenario: about {estimate:.1e} unique states, mostly from {}; at most {MAX_ESTIMATED_STATES:.0e}: lower those knobs",
        top.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server clock behind the IdP's is refused, in one line naming the
    /// field and the valid choices, where the deployment's provider is OIDC;
    /// a customJwt one takes it.
    #[test]
    fn a_server_clock_behind_is_refused_where_the_provider_checks_no_iat() {
        let mut s = Scenario {
            adapter: Adapter::Clerk,
            ..Default::default()
        };
        s.faults.token_rejection = TokenRejection::ServerClockBehind;
        let e = s.validate().unwrap_err();
        assert!(
            e.starts_with("scenario.faults.token_rejection: \"server-clock-behind\" rejects nothing with adapter = \"clerk\""),
            "{e}"
        );
        assert!(
            e.ends_with("valid: none, wrong-audience, server-clock-ahead, rotated-key"),
            "{e}"
        );
        assert!(!e.contains('\n'));
        s.adapter = Adapter::WorkOs003;
        assert_eq!(s.validate(), Ok(()));
    }

    /// The README's example of a custom hook ("Your own hook").
    fn readme_hook() -> Scenario {
        toml::from_str(
            r#"
            adapter = "custom"
            [custom_adapter]
            sdk = "authkit-js"
            force = "refreshes"
            login_required = "null"
            transient_error = "retry"
            retry_attempts = 3
            retry_waits = true
            fetcher_follows_user = true
            [faults]
            refresh_failures = 1
            data_changes = 1
            "#,
        )
        .unwrap()
    }

    /// The custom hook's knobs count in the estimate: the token in the deps made
    /// the README's example 41× larger, and `loading_while_refreshing` more than
    /// 138× (measured), while the estimate stayed the same.
    #[test]
    fn the_custom_hooks_knobs_count_in_the_estimate() {
        let base = readme_hook();
        assert!(base.validate().is_ok());
        let with = |change: fn(&mut crate::adapters::CustomAdapter)| {
            let mut s = base.clone();
            change(s.custom_adapter.as_mut().unwrap());
            estimated_states(&s) / estimated_states(&base)
        };
        assert!(with(|c| c.fetcher_follows_token = true) >= 40.0);
        assert!(with(|c| c.loading_while_refreshing = true) >= 138.0);
        let all = with(|c| {
            c.fetcher_follows_token = true;
            c.loading_while_refreshing = true;
            c.fetcher_follows_session = true;
            c.fetcher_follows_sdk_load = true;
            c.authenticated_needs_token = true;
        });
        assert!(all >= 500.0, "{all}");
        eprintln!("base {:e}, all ×{all}", estimated_states(&base));
    }
}
