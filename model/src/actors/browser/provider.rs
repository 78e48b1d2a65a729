//! `ConvexProviderWithAuth` — convex-js `src/react/ConvexAuthState.tsx` (R5/R6 shape,
//! 1.40.0+): state `isConvexAuthenticated` (C) and `isRefreshing` (R), the two
//! render-phase rules, `ConvexAuthStateFirstEffect` (setAuth, cleanup) and
//! `ConvexAuthStateLastEffect` (cleanup: clearAuth), and `useConvexAuth()`.
//!
//! Version switch: `react_provider` (R0–R6, docs/protocol.md "Provider
//! revisions"). Before R5 (ca17912, 1.17.3) the LastEffect cleanup did not set C to
//! null, so a fetcher change showed "unauthenticated" instead of "loading"; R2
//! (1.14.0) deferred `clearAuth` to a `setTimeout(…, 0)` ([`Msg::DeferredClearAuth`]);
//! R0 (≤ 1.13.2) ran `setAuth` after the children's effects (see
//! `Tab::run_mount_effects`). R0, R3 and R4 clean up as FirstEffect then LastEffect
//! do (C := C ? false : null, then `clearAuth`), so they share that code.

use serde::{Deserialize, Serialize};

use super::{Ctx, PendingEffects, Tab};
use crate::actors::AdapterOutput;
use crate::actors::{browser_id, Msg};
use crate::config::ReactProvider;

/// The provider's React state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Provider {
    /// The adapter's `useAuth()` result of the latest render (L, A, F).
    pub inputs: AdapterOutput,
    /// `isConvexAuthenticated`: None is React's `null`.
    pub convex_authenticated: Option<bool>,
    /// `isRefreshing`.
    pub refreshing: bool,
    /// The deps of the committed effects, None before the first commit.
    pub committed: Option<AdapterOutput>,
    /// The `setAuth` generation whose callbacks are still relevant
    /// (`isThisEffectRelevant`), None when no FirstEffect with A=true is mounted.
    pub relevant: Option<u8>,
    /// Generation given to the next `setAuth` call.
    pub next_generation: u8,
    /// No provider is mounted: the app holds the client (`app.auth_by = "app"`).
    pub held_by_app: bool,
}

/// `useConvexAuth()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConvexAuth {
    pub is_loading: bool,
    pub is_authenticated: bool,
    pub is_refreshing: bool,
}

impl std::fmt::Display for ConvexAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{{isLoading:{}, isAuthenticated:{}, isRefreshing:{}}}",
            self.is_loading, self.is_authenticated, self.is_refreshing
        )
    }
}

impl Provider {
    pub fn new(inputs: AdapterOutput) -> Self {
        Provider {
            inputs,
            convex_authenticated: None,
            refreshing: false,
            committed: None,
            relevant: None,
            next_generation: 0,
            held_by_app: false,
        }
    }

    /// No provider: the app holds the client and shows the last value its
    /// `onChange` callbacks reported (C), loading until the first; its inputs are
    /// fixed so that `use_convex_auth` reads C alone.
    pub fn held_by_app() -> Self {
        Provider {
            held_by_app: true,
            ..Provider::new(AdapterOutput {
                is_loading: false,
                is_authenticated: true,
                fetcher: 0,
            })
        }
    }

    /// `useConvexAuth()`: `isLoading = C === null`,
    /// `isAuthenticated = A && (C ?? false)`, `isRefreshing = R && isAuthenticated`.
    pub fn use_convex_auth(&self) -> ConvexAuth {
        let is_authenticated =
            self.inputs.is_authenticated && self.convex_authenticated.unwrap_or(false);
        ConvexAuth {
            is_loading: self.convex_authenticated.is_none(),
            is_authenticated,
            is_refreshing: self.refreshing && is_authenticated,
        }
    }

    /// The two render-phase rules of `ConvexProviderWithAuth`:
    /// 1. `authProviderLoading && C !== null` → C := null, R := false;
    /// 2. `!authProviderLoading && !authProviderAuthenticated && C !== false` →
    ///    C := false, R := false.
    pub fn apply_render_rules(&mut self) {
        let inputs = self.inputs;
        if inputs.is_loading && self.convex_authenticated.is_some() {
            self.convex_authenticated = None;
            self.refreshing = false;
        }
        if !inputs.is_loading
            && !inputs.is_authenticated
            && self.convex_authenticated != Some(false)
        {
            self.convex_authenticated = Some(false);
            self.refreshing = false;
        }
    }
}

impl Tab {
    /// A render of the provider with new adapter values, then React's commit: when
    /// the effect deps `[A, F, L]` changed, every cleanup of the old effects runs
    /// (FirstEffect's, then LastEffect's), then the new FirstEffect runs `setAuth`.
    ///
    /// With `app.effects_after_paint` the effects wait for React's later flush
    /// (`Msg::RunPassiveEffects`), unless they are layout effects (1.14.0,
    /// 1.14.1); a render flushes effects still pending first.
    pub(crate) fn render_and_commit(&mut self, cx: &mut Ctx, inputs: AdapterOutput) {
        if self.pending_effects != PendingEffects::None {
            self.run_pending_effects(cx);
        }
        self.provider.inputs = inputs;
        self.provider.apply_render_rules();
        if self.provider.committed == Some(inputs) {
            return;
        }
        if cx.scenario.app.effects_after_paint
            && self.provider.committed.is_some()
            && !cx.switches.react_provider.effects_in_commit()
        {
            self.pending_effects = PendingEffects::Update;
            cx.out.send(browser_id(), Msg::RunPassiveEffects);
            return;
        }
        self.run_provider_effects(cx);
    }

    /// The provider's effects for the latest render, when their deps `[A, F, L]`
    /// changed: every cleanup of the old effects (FirstEffect's, then
    /// LastEffect's), then the new FirstEffect's `setAuth`.
    pub(crate) fn run_provider_effects(&mut self, cx: &mut Ctx) {
        let inputs = self.provider.inputs;
        if self.provider.committed == Some(inputs) {
            return;
        }
        if let Some(old) = self.provider.committed {
            if old.is_authenticated {
                self.first_effect_cleanup();
                self.last_effect_cleanup(cx);
            }
        }
        self.provider.committed = Some(inputs);
        if inputs.is_authenticated {
            self.first_effect_set_auth(cx, inputs.fetcher);
        }
        self.provider.apply_render_rules();
    }

    /// `<React.StrictMode>` on mount, once every effect has run: React runs every
    /// cleanup, then every effect again, in the same commit. With A = true the
    /// provider's effects undo their `setAuth` (FirstEffect's cleanup, then
    /// LastEffect's `clearAuth`) and call it again; with A = false they have no
    /// cleanup and do nothing. The queries' `useQuery` effects unsubscribe and
    /// subscribe again, which leaves the query set as it was (while paused the
    /// pending change is replaced; otherwise the server re-runs the query under the
    /// same identity), so they are not replayed here.
    pub(crate) fn strict_mode_remount(&mut self, cx: &mut Ctx) {
        let Some(committed) = self.provider.committed else {
            return;
        };
        if committed.is_authenticated {
            self.first_effect_cleanup();
            self.last_effect_cleanup(cx);
            self.first_effect_set_auth(cx, committed.fetcher);
            self.provider.apply_render_rules();
        }
    }

    /// The app calls `client.setAuth(fetchToken, onChange, onRefreshChange)` with a
    /// new closure (`BaseConvexClient.setAuth`: `void setConfig(...)`).
    pub(crate) fn app_sets_auth(&mut self, cx: &mut Ctx) {
        let generation = self.provider.next_generation;
        self.provider.next_generation = generation.wrapping_add(1);
        self.set_config(cx, generation, generation);
    }

    /// `ConvexAuthStateFirstEffect` with A = true: `client.setAuth(fetchAccessToken,
    /// onChange, onRefreshChange)`; both callbacks check `isThisEffectRelevant`.
    fn first_effect_set_auth(&mut self, cx: &mut Ctx, fetcher: u8) {
        let generation = self.provider.next_generation;
        self.provider.next_generation = generation.wrapping_add(1);
        self.provider.relevant = Some(generation);
        // BaseConvexClient.setAuth: `void this.authenticationManager.setConfig(...)`.
        self.set_config(cx, fetcher, generation);
    }

    /// FirstEffect cleanup: `isThisEffectRelevant = false`;
    /// `setIsConvexAuthenticated(c => c ? false : null)`; `setIsRefreshing(false)`.
    fn first_effect_cleanup(&mut self) {
        let p = &mut self.provider;
        p.relevant = None;
        p.convex_authenticated = if p.convex_authenticated == Some(true) {
            Some(false)
        } else {
            None
        };
        p.refreshing = false;
    }

    /// LastEffect cleanup: `client.clearAuth()` (sends `Authenticate{None}`), then
    /// C := null (since ca17912) and R := false. With R2 the cleanup schedules
    /// `clearAuth` with `setTimeout(…, 0)` instead.
    fn last_effect_cleanup(&mut self, cx: &mut Ctx) {
        if cx.switches.react_provider == ReactProvider::R2 {
            cx.out.send(browser_id(), Msg::DeferredClearAuth);
        } else {
            self.app_clear_auth(cx);
        }
        if cx.switches.react_provider.last_effect_sets_loading() {
            self.provider.convex_authenticated = None;
        }
        self.provider.refreshing = false;
    }

    /// The `onChange` callback handed to `setAuth` by generation `generation`.
    /// An app that holds the client has no relevance guard: every callback it
    /// handed over sets its state.
    pub(crate) fn report_auth_change(&mut self, generation: u8, authenticated: bool) {
        if self.provider.relevant == Some(generation) || self.provider.held_by_app {
            self.react_update |= self.provider.convex_authenticated != Some(authenticated);
            self.provider.convex_authenticated = Some(authenticated);
            self.provider.apply_render_rules();
        }
    }

    /// The `onRefreshChange` callback handed to `setAuth` by generation `generation`.
    pub(crate) fn report_refresh_change(&mut self, generation: u8, refreshing: bool) {
        if self.provider.relevant == Some(generation) || self.provider.held_by_app {
            self.react_update |= self.provider.refreshing != refreshing;
            self.provider.refreshing = refreshing;
            self.provider.apply_render_rules();
        }
    }
}
