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
use stateright::actor::{Id, Out};

use super::{server_id, token_provider_id, AdapterOutput, FetchResult, Msg, Node, Timer};
use crate::adapters::Adapter;
use crate::config::{Scenario, Switches};

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
    None,
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

/// Facts about the run so far that properties need (history variables).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Notes {
    /// `useConvexAuth().isAuthenticated` has been true at some point.
    pub ever_authenticated: bool,
    /// A rejection or TypeError escaped the AuthenticationManager.
    pub unhandled_rejection: bool,
    /// Forced fetches, setAuth calls and reconnects since the last clock tick.
    pub work_this_tick: u8,
    /// The server reported an expired identity (`AuthError{authUpdateAttempted:false}`).
    pub saw_expiry_error: bool,
    /// An `Authenticate` with a user token was handed to the socket after the adapter
    /// reported sign-out.
    pub user_auth_after_sign_out: bool,
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
    pub pending: Vec<Await>,
    pub notes: Notes,
}

/// What one macrotask of the tab needs besides the state: the scenario and the
/// output buffer of the actor.
pub struct Ctx<'a> {
    pub scenario: &'a Scenario,
    pub switches: Switches,
    pub out: &'a mut Out<Node>,
}

impl Tab {
    /// `new ConvexReactClient(...)` then the first render and commit of
    /// `<ConvexProviderWithAuth>` with one `useQuery` per subscribed query.
    ///
    /// `BaseConvexClient` constructor (client.ts): the WebSocketManager connects at
    /// once; with `expectAuth` the socket is paused before anything is sent.
    pub fn start(scenario: &Scenario, out: &mut Out<Node>) -> Tab {
        let initial = initial_adapter_output(scenario.adapter);
        let mut tab = Tab {
            now: 0,
            hidden: false,
            provider: Provider::new(initial),
            am: AuthManager::default(),
            sync: SyncState::default(),
            socket: SocketManager::default(),
            mutation: MutationStatus::None,
            pending: Vec::new(),
            notes: Notes::default(),
        };
        let mut cx = Ctx {
            scenario,
            switches: scenario.switches(),
            out,
        };
        tab.socket_connect(&mut cx);
        if cx.switches.expect_auth {
            tab.pause_socket(&mut cx);
        }
        // The provider's FirstEffect runs before the children's effects (R4), so
        // setAuth pauses the socket before the queries subscribe.
        tab.render_and_commit(&mut cx, initial);
        for _ in 0..scenario.bounds.queries {
            tab.subscribe_query(&mut cx);
        }
        if scenario.bounds.mutation {
            tab.call_mutation(&mut cx);
        }
        tab.after_step();
        tab
    }

    /// One delivered message; returns whether the state changed.
    pub fn on_msg(
        &mut self,
        scenario: &Scenario,
        _src: Id,
        msg: &Msg,
        out: &mut Out<Node>,
    ) -> bool {
        let before = self.clone();
        let mut cx = Ctx {
            scenario,
            switches: scenario.switches(),
            out,
        };
        match *msg {
            Msg::Clock { now } => self.on_clock(&mut cx, now),
            Msg::Visibility { hidden } => {
                self.hidden = hidden;
                cx.out.send(token_provider_id(), Msg::Visibility { hidden });
            }
            Msg::AdapterChanged(output) => self.render_and_commit(&mut cx, output),
            Msg::TokenFetched { call, result } => self.on_token_fetched(&mut cx, call, result),
            Msg::WsOpened { socket } => self.on_ws_open(&mut cx, socket),
            Msg::WsClosed { socket } => self.on_ws_close(&mut cx, socket),
            Msg::Transition { socket, start, end } if self.accepts_message_of(&cx, socket) => {
                self.on_transition(&mut cx, start, end);
                // RequestManager.removeCompleted: every Transition after the answer
                // reaches the mutation's timestamp.
                if self.mutation == MutationStatus::Answered {
                    self.mutation = MutationStatus::Completed;
                }
            }
            Msg::MutationResponse { socket }
                if self.accepts_message_of(&cx, socket)
                    && self.mutation == MutationStatus::Requested =>
            {
                self.mutation = MutationStatus::Answered;
            }
            Msg::AuthError {
                socket,
                base_version,
                auth_update_attempted,
            } if self.accepts_message_of(&cx, socket) => {
                self.on_auth_error(&mut cx, base_version, auth_update_attempted)
            }
            _ => {}
        }
        self.after_step();
        *self != before || !cx.out.is_empty()
    }

    /// One timer firing; returns whether the state changed.
    pub fn on_timeout(&mut self, scenario: &Scenario, timer: &Timer, out: &mut Out<Node>) -> bool {
        let before = self.clone();
        let mut cx = Ctx {
            scenario,
            switches: scenario.switches(),
            out,
        };
        match timer {
            Timer::ScheduledRefetch => self.on_refetch_timer(&mut cx),
            Timer::Reconnect => self.on_reconnect_timer(&mut cx),
            _ => {}
        }
        self.after_step();
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
        self.notes.work_this_tick = 0;
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

    /// Bookkeeping after every macrotask: remember what the UI has shown.
    fn after_step(&mut self) {
        if self.provider.use_convex_auth().is_authenticated {
            self.notes.ever_authenticated = true;
        }
    }

    /// Counts a forced fetch, setAuth or reconnect towards the storm bound.
    pub(crate) fn count_work(&mut self) {
        self.notes.work_this_tick = self.notes.work_this_tick.saturating_add(1);
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

/// What the adapter hook returns at first render: the user is signed in and the IdP
/// has loaded (the page was served to a signed-in user).
pub fn initial_adapter_output(_adapter: Adapter) -> AdapterOutput {
    AdapterOutput {
        is_loading: false,
        is_authenticated: true,
        fetcher: 0,
    }
}
