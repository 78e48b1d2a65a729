//! One browser tab: the React provider, the AuthenticationManager, LocalSyncState and
//! the WebSocketManager of one `ConvexReactClient`.
//!
//! They share one JavaScript event loop, so they are one actor: every delivered
//! message (a WebSocket event, a settled fetch, an adapter re-render, a clock tick)
//! and every timer is one macrotask that runs to completion, microtasks included.
//! An `await` that has not settled yet is an [`Await`] record in [`Tab::pending`],
//! holding what the suspended function captured; it resumes when the event that
//! settles it is delivered. Several may be pending at once (all AM entry points are
//! fire-and-forget).
//!
//! Short labels in this module and its files — await points G1–G8, provider
//! revisions R0–R7, the adapter's inputs L, A, F and the provider's state C, R —
//! are defined in `docs/protocol.md`.
//!
//! One file per convex-js class:
//! - `provider`: `src/react/ConvexAuthState.tsx` (`ConvexProviderWithAuth`)
//! - `auth_manager`: `src/browser/sync/authentication_manager.ts`
//! - `sync_state`: `src/browser/sync/local_state.ts` (`LocalSyncState`)
//! - `socket`: `src/browser/sync/web_socket_manager.ts` (`WebSocketManager`)
//!
//! `BaseConvexClient` (`src/browser/sync/client.ts`) is the glue in this file: the
//! constructor ([`Tab::start`]) and `onMessage` ([`Tab::on_msg`]).

pub mod auth_manager;
pub mod provider;
pub mod socket;
pub mod sync_state;
#[cfg(test)]
mod tests;

use serde::Serialize;
use stateright::actor::Out;

use super::{
    browser_id, server_id, token_provider_id, AdapterOutput, FetchResult, Msg, Node, Timer,
};
use crate::config::{AuthBy, Scenario, Switches};

pub use auth_manager::{AmState, AuthConfig, AuthManager};
pub use provider::{ConvexAuth, Provider};
pub use socket::{SocketManager, SocketState};
pub use sync_state::SyncState;

/// A suspended `await` of the AuthenticationManager, with what it captured.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Await {
    /// G1: `setConfig` awaits `fetchToken({forceRefreshToken:false})`.
    SetConfigFetch { call: u8, config: AuthConfig },
    /// G5 (and G2 when `resume_after`): `refetchToken` awaits a forced fetch;
    /// `resume_after` when `setConfig` awaits this `refetchToken()` and resumes the
    /// socket after it.
    RefetchFetch { call: u8, resume_after: bool },
    /// G3: `tryToReauthenticate` awaits `stopSocket()` of this socket.
    ReauthStop { socket: u8 },
    /// G4: `tryToReauthenticate` awaits a forced fetch.
    ReauthFetch { call: u8 },
}

/// The status of the app's mutation in `RequestManager` (`request_manager.ts`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum MutationStatus {
    /// The app has not called it (or the scenario has none).
    #[default]
    NotCalled,
    /// Called while the socket could not send: `NotSent`.
    NotSent,
    /// Handed to a socket: `Requested`; re-sent on every new socket.
    Requested,
    /// The server answered (`MutationResponse`); the request stays in flight — and
    /// is re-sent on a new socket — until a Transition reaches the mutation's
    /// timestamp (`RequestManager.removeCompleted`).
    Answered,
    /// Removed from the RequestManager: the mutation's promise has settled.
    Completed,
}

/// The status of the app's action in `RequestManager` (`request_manager.ts`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum ActionStatus {
    /// The app has not called it (or the scenario has none).
    #[default]
    NotCalled,
    /// Called while the socket could not send: `NotSent`.
    NotSent,
    /// Handed to a socket: `Requested`.
    Requested,
    /// The server answered (`ActionResponse`): its promise resolved.
    Answered,
    /// A new socket came while it was in flight: `RequestManager.restart()` failed
    /// it with "Connection lost while action was in flight".
    Lost,
}

/// Passive effects React has committed but not run yet (`app.effects_after_paint`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum PendingEffects {
    #[default]
    None,
    /// The mount's: the provider's, the queries' `useQuery`, the app's mutation.
    Mount,
    /// The provider's, after a render whose deps changed.
    Update,
}

/// The browser tab's state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Tab {
    /// The last clock value this tab has seen.
    pub now: u8,
    pub hidden: bool,
    pub provider: Provider,
    pub am: AuthManager,
    pub sync: SyncState,
    pub socket: SocketManager,
    /// The app's one mutation in the RequestManager.
    pub mutation: MutationStatus,
    /// The app's one action in the RequestManager.
    pub action: ActionStatus,
    /// The component with its own query (`app.query_toggles`) is mounted.
    pub extra_query_mounted: bool,
    /// Effects committed but not run yet (`app.effects_after_paint`).
    pub pending_effects: PendingEffects,
    pub pending: Vec<Await>,
    /// An error escaped to the JavaScript runtime in the macrotask that just ran
    /// (an unhandled rejection or an uncaught TypeError): an output of the step, like
    /// the messages it sent. The model moves it into the run's history
    /// (the `history` module) and clears it, so it is false in every state the checker
    /// stores. Nothing in the tab reads it.
    pub uncaught_error: bool,
    /// The client's `onChange` / `onRefreshChange` set the provider's React state
    /// to a new value in the macrotask that just ran, so React renders again
    /// (`app.effects_after_paint`: that render flushes the pending effects first).
    /// Cleared when the macrotask ends: false in every state the checker stores.
    pub react_update: bool,
}

/// What one macrotask of the tab needs besides the state: the scenario and the
/// output buffer of the actor.
pub struct Ctx<'a> {
    pub scenario: &'a Scenario,
    pub switches: Switches,
    pub out: &'a mut Out<Node>,
    /// An error escaped to the runtime in this macrotask.
    pub uncaught_error: bool,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(scenario: &'a Scenario, out: &'a mut Out<Node>) -> Self {
        Ctx {
            scenario,
            switches: scenario.switches(),
            out,
            uncaught_error: false,
        }
    }
}

impl Tab {
    /// `new ConvexReactClient(...)` then the first render and commit of
    /// `<ConvexProviderWithAuth>` with one `useQuery` per subscribed query. While
    /// the adapter reports loading, FirstEffect calls no `setAuth`, so nothing
    /// pauses the socket (unless `expectAuth`) and the queries are sent without
    /// identity.
    ///
    /// `BaseConvexClient` constructor (client.ts): the WebSocketManager connects at
    /// once; with `expectAuth` the socket is paused before anything is sent.
    pub fn start(scenario: &Scenario, out: &mut Out<Node>) -> Tab {
        let initial = AdapterOutput::at_page_load(scenario.app.page_load);
        let mut tab = Tab {
            now: 0,
            hidden: false,
            provider: Provider::new(initial),
            am: AuthManager::default(),
            sync: SyncState::default(),
            socket: SocketManager::default(),
            mutation: MutationStatus::NotCalled,
            action: ActionStatus::NotCalled,
            extra_query_mounted: false,
            pending_effects: PendingEffects::None,
            pending: Vec::new(),
            uncaught_error: false,
            react_update: false,
        };
        let mut cx = Ctx::new(scenario, out);
        tab.socket_connect(&mut cx);
        if cx.switches.expect_auth {
            tab.pause_socket(&cx);
        }
        if scenario.app.effects_after_paint {
            // The first render is committed; its passive effects run in a later
            // task. A provider whose effect is a layout effect (1.14.0, 1.14.1)
            // calls setAuth in the commit itself.
            tab.provider.apply_render_rules();
            if cx.switches.react_provider.effects_in_commit()
                && scenario.app.auth_by == AuthBy::Provider
            {
                let initial = tab.provider.inputs;
                tab.run_provider_effects(&mut cx);
                debug_assert_eq!(tab.provider.committed, Some(initial));
            }
            tab.pending_effects = PendingEffects::Mount;
            cx.out.send(browser_id(), Msg::RunPassiveEffects);
        } else {
            tab.run_mount_effects(&mut cx);
        }
        tab.uncaught_error = cx.uncaught_error;
        tab
    }

    /// The mount's effects, in tree order: the provider's FirstEffect runs
    /// before the children's effects (R4; since R1 a layout effect did), so setAuth
    /// pauses the socket before the queries subscribe; then the app's mount effect
    /// calls its mutation. With R0 (≤ 1.13.2) the provider's single `useEffect`
    /// ran after its children's: the queries subscribe and the mutation runs
    /// first. An app that holds the client mounts no provider.
    fn run_mount_effects(&mut self, cx: &mut Ctx) {
        let scenario = cx.scenario;
        let provider_first = cx.switches.react_provider.set_auth_before_children();
        if scenario.app.auth_by == AuthBy::App {
            self.provider = Provider::held_by_app();
        } else if provider_first {
            let initial = self.provider.inputs;
            self.render_and_commit(cx, initial);
        }
        for _ in 0..scenario.bounds.queries {
            self.subscribe_query(cx);
        }
        if scenario.bounds.mutation {
            self.call_mutation(cx);
        }
        if scenario.app.auth_by == AuthBy::Provider && !provider_first {
            let initial = self.provider.inputs;
            self.render_and_commit(cx, initial);
        }
        if scenario.app.strict_mode {
            self.strict_mode_remount(cx);
        }
    }

    /// React's flush of the passive effects committed earlier (none left: a later
    /// render flushed them first).
    fn run_pending_effects(&mut self, cx: &mut Ctx) {
        match std::mem::take(&mut self.pending_effects) {
            PendingEffects::None => {}
            PendingEffects::Mount => self.run_mount_effects(cx),
            PendingEffects::Update => self.run_provider_effects(cx),
        }
    }

    /// One delivered message; returns whether the state changed.
    pub fn on_msg(&mut self, scenario: &Scenario, msg: &Msg, out: &mut Out<Node>) -> bool {
        let before = self.clone();
        let mut cx = Ctx::new(scenario, out);
        match *msg {
            Msg::Clock { now } => self.on_clock(&mut cx, now),
            Msg::Visibility { hidden } => {
                self.hidden = hidden;
                cx.out.send(token_provider_id(), Msg::Visibility { hidden });
            }
            Msg::AdapterChanged(output) if scenario.app.auth_by == AuthBy::Provider => {
                self.render_and_commit(&mut cx, output)
            }
            Msg::AppSetsAuth => self.app_sets_auth(&mut cx),
            Msg::RunPassiveEffects => self.run_pending_effects(&mut cx),
            Msg::DeferredClearAuth => self.app_clear_auth(&mut cx),
            Msg::AppClearsAuth => self.app_clear_auth(&mut cx),
            Msg::TokenFetched { call, result, .. } => self.on_token_fetched(&mut cx, call, result),
            Msg::WsOpened { socket } => self.on_ws_open(&mut cx, socket),
            Msg::WsClosed { socket } => self.on_ws_close(&mut cx, socket),
            Msg::Transition { socket, start, end }
                if self.accepts_message_of(&cx.switches, socket) =>
            {
                self.on_transition(&mut cx, start, end);
                // RequestManager.removeCompleted: every Transition after the answer
                // reaches the mutation's timestamp.
                if self.mutation == MutationStatus::Answered {
                    self.mutation = MutationStatus::Completed;
                }
            }
            Msg::MutationResponse { socket }
                if self.accepts_message_of(&cx.switches, socket)
                    && self.mutation == MutationStatus::Requested =>
            {
                self.mutation = MutationStatus::Answered;
            }
            Msg::ActionResponse { socket }
                if self.accepts_message_of(&cx.switches, socket)
                    && self.action == ActionStatus::Requested =>
            {
                self.action = ActionStatus::Answered;
            }
            Msg::AppCallsMutation => self.call_mutation(&mut cx),
            Msg::AppCallsAction => self.call_action(&mut cx),
            Msg::AppTogglesQuery => {
                self.extra_query_mounted = !self.extra_query_mounted;
                if self.extra_query_mounted {
                    self.subscribe_query(&mut cx);
                } else {
                    self.unsubscribe_query(&mut cx);
                }
            }
            Msg::AuthError {
                socket,
                base_version,
                auth_update_attempted,
                ..
            } if self.accepts_message_of(&cx.switches, socket) => {
                self.on_auth_error(&mut cx, base_version, auth_update_attempted)
            }
            _ => {}
        }
        // A render of the provider (or the flush itself) sets its state in the
        // render: it is no news to React.
        if matches!(msg, Msg::AdapterChanged(_) | Msg::RunPassiveEffects) {
            self.react_update = false;
        } else {
            self.render_after_state_change(&mut cx);
        }
        self.uncaught_error = cx.uncaught_error;
        *self != before || !cx.out.is_empty()
    }

    /// `app.effects_after_paint`: the client's `onChange` / `onRefreshChange` set
    /// the provider's React state, and React renders again. React 19 runs the
    /// passive effects still pending first thing in the root's next task, before
    /// that render (conformance/driver.mjs, drainHoldingEffects, plays it so):
    /// the model runs them in the same step as the state change that leads to
    /// the render. (Events that could come between the state change and that task
    /// are not explored; the UI shows the new state only with the render.)
    fn render_after_state_change(&mut self, cx: &mut Ctx) {
        if std::mem::take(&mut self.react_update) && self.pending_effects != PendingEffects::None {
            self.run_pending_effects(cx);
        }
    }

    /// One timer firing; returns whether the state changed.
    pub fn on_timeout(&mut self, scenario: &Scenario, timer: &Timer, out: &mut Out<Node>) -> bool {
        let before = self.clone();
        let mut cx = Ctx::new(scenario, out);
        match timer {
            Timer::ScheduledRefetch => self.on_refetch_timer(&mut cx),
            Timer::Reconnect => self.on_reconnect_timer(&mut cx),
            _ => {}
        }
        self.render_after_state_change(&mut cx);
        self.uncaught_error = cx.uncaught_error;
        *self != before || !cx.out.is_empty()
    }

    /// A clock tick seen by the tab. A visible tab runs a due refetch timer before
    /// time moves on; a hidden tab's timers may fire late (G6). The tick is passed on
    /// to the token provider and the server (see `environment`).
    fn on_clock(&mut self, cx: &mut Ctx, now: u8) {
        if !self.hidden && self.am.refetch_timer_armed(self.now) {
            cx.out.cancel_timer(Timer::ScheduledRefetch);
            self.on_refetch_timer(cx);
        }
        self.now = now;
        cx.out.send(token_provider_id(), Msg::Clock { now });
        cx.out.send(server_id(), Msg::Clock { now });
        if self.am.refetch_timer_armed(self.now) {
            cx.out
                .set_timer(Timer::ScheduledRefetch, stateright::actor::model_timeout());
        }
    }

    /// A settled `fetchAccessToken` promise resumes the await that made the call.
    fn on_token_fetched(&mut self, cx: &mut Ctx, call: u8, result: FetchResult) {
        let Some(ix) = self.pending.iter().position(|a| a.call() == Some(call)) else {
            return;
        };
        match self.pending.remove(ix) {
            Await::SetConfigFetch { call, config } => {
                self.set_config_after_fetch(cx, call, config, result)
            }
            Await::RefetchFetch { call, resume_after } => {
                self.refetch_token_after_fetch(cx, call, resume_after, result)
            }
            Await::ReauthFetch { call } => self.reauthenticate_after_fetch(cx, call, result),
            Await::ReauthStop { .. } => {}
        }
    }
}

impl Await {
    fn call(&self) -> Option<u8> {
        match self {
            Await::SetConfigFetch { call, .. }
            | Await::RefetchFetch { call, .. }
            | Await::ReauthFetch { call } => Some(*call),
            Await::ReauthStop { .. } => None,
        }
    }
}
