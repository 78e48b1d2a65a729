//! `LocalSyncState` — convex-js `src/browser/sync/local_state.ts`: the token the
//! client believes it has sent (`auth`), the per-connection `identityVersion`, the
//! `paused` flag and the subscribed queries.
//!
//! Version rules (85c04f1 / b611892 / fe42c7a, the pause-aware LSS): `setAuth` and
//! `clearAuth` bump `identityVersion` only when not paused; `resume()` re-emits the
//! current auth with `baseVersion = identityVersion++`; `restart()` (every new
//! socket) unpauses and starts over at version 0. Query-set versions are not modelled
//! (no auth behaviour reads them).
//!
//! Before those commits (1.14.0–1.14.1, switch `lss_pause_aware` off) LocalSyncState
//! did not know about the pause: `setAuth` / `clearAuth` bumped `identityVersion`
//! for messages the paused socket dropped, and `resume()` sent the auth with
//! `baseVersion = identityVersion` without a bump, a base the server never saw:
//! its identity check closes the socket, and the reconnect's `restart()` heals
//! it. Query changes made while the socket was paused were dropped, and resume
//! re-added every query without a result; a `ModifyQuerySet` carries the whole
//! set in the model, so it re-sends the set then.

use serde::Serialize;

use super::socket::SocketState;
use super::{ActionStatus, Ctx, MutationStatus, Tab};
use crate::actors::{Msg, Token};

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct SyncState {
    /// `auth`: the user token, None for `undefined`.
    pub auth: Option<Token>,
    pub identity_version: u8,
    pub paused: bool,
    /// Subscribed queries.
    pub queries: u8,
    /// Query-set changes made while paused (`pendingQuerySetModifications`).
    pub pending_query_changes: bool,
}

/// An `Authenticate` message before the socket id is attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthenticateMsg {
    pub token: Option<Token>,
    pub base_version: u8,
}

impl SyncState {
    /// `setAuth(value)`.
    pub fn set_auth(&mut self, token: Token) -> AuthenticateMsg {
        self.auth = Some(token);
        self.bump_identity_version()
    }

    /// `clearAuth()`: `auth := undefined`, returns `Authenticate{None}`.
    pub fn clear_auth(&mut self) -> AuthenticateMsg {
        self.auth = None;
        self.bump_identity_version()
    }

    fn bump_identity_version(&mut self) -> AuthenticateMsg {
        let base_version = self.identity_version;
        if !self.paused {
            self.identity_version = base_version + 1;
        }
        AuthenticateMsg {
            token: self.auth,
            base_version,
        }
    }

    /// `isNewAuth(value)`: the token differs from the one in `auth`.
    pub fn is_new_auth(&self, token: Token) -> bool {
        self.auth != Some(token)
    }

    pub fn has_auth(&self) -> bool {
        self.auth.is_some()
    }

    /// `isCurrentOrNewerAuthVersion(v)`.
    pub fn is_current_or_newer_auth_version(&self, version: u8) -> bool {
        version >= self.identity_version
    }

    /// `restart()`: unpause, re-add every query (version 0 → 1); with auth,
    /// `Authenticate(auth, baseVersion 0)` and `identityVersion := 1`, else 0.
    /// Returns the Authenticate (sent first) and whether a ModifyQuerySet follows.
    pub fn restart(&mut self) -> (Option<AuthenticateMsg>, bool) {
        self.paused = false;
        self.pending_query_changes = false;
        let auth = self.auth.map(|token| AuthenticateMsg {
            token: Some(token),
            base_version: 0,
        });
        self.identity_version = if auth.is_some() { 1 } else { 0 };
        (auth, self.queries > 0)
    }

    /// `resume()`: `Authenticate(auth, baseVersion = identityVersion++)` if auth is
    /// defined (a clearAuth done while paused is never sent), and the pending
    /// query-set change; then unpause.
    pub fn resume(&mut self, pause_aware: bool) -> (Option<AuthenticateMsg>, bool) {
        let queries = self.pending_query_changes;
        let auth = self.auth.map(|token| {
            let base_version = self.identity_version;
            if pause_aware {
                self.identity_version += 1;
            }
            AuthenticateMsg {
                token: Some(token),
                base_version,
            }
        });
        self.paused = false;
        self.pending_query_changes = false;
        (auth, queries)
    }

    pub fn pause(&mut self) {
        self.paused = true;
    }
}

impl Tab {
    /// `useQuery` subscribing one query (`BaseConvexClient.subscribe`): while paused the
    /// change waits in `pendingQuerySetModifications`, otherwise it is sent (and
    /// dropped by a socket that is not ready).
    pub(crate) fn subscribe_query(&mut self, cx: &mut Ctx) {
        self.sync.queries += 1;
        if self.sync.paused || self.dropped_while_paused(cx) {
            self.sync.pending_query_changes = true;
        } else {
            let queries = self.sync.queries;
            self.send_with_socket(cx, |socket| Msg::ModifyQuerySet { socket, queries });
        }
    }

    /// A component's `useQuery` unmounting (`BaseConvexClient.unsubscribe`, the
    /// last subscriber of its query): the removal waits while paused, otherwise
    /// it is sent.
    pub(crate) fn unsubscribe_query(&mut self, cx: &mut Ctx) {
        self.sync.queries = self.sync.queries.saturating_sub(1);
        if self.sync.paused || self.dropped_while_paused(cx) {
            self.sync.pending_query_changes = true;
        } else {
            let queries = self.sync.queries;
            self.send_with_socket(cx, |socket| Msg::ModifyQuerySet { socket, queries });
        }
    }

    /// Before 1.14.3: a query change sent to a paused socket is dropped, and
    /// resume re-adds what has no result (here: the set is sent again).
    fn dropped_while_paused(&self, cx: &Ctx) -> bool {
        !cx.switches.lss_pause_aware
            && matches!(
                self.socket.state,
                SocketState::Ready {
                    paused: super::socket::ReadyPause::Yes,
                    ..
                }
            )
    }

    /// The AM's `authenticate(token)` callback: `LSS.setAuth` then `sendMessage`.
    pub(crate) fn authenticate(&mut self, cx: &mut Ctx, token: Token) {
        let msg = self.sync.set_auth(token);
        self.send_authenticate(cx, msg);
    }

    /// `BaseConvexClient.clearAuth()`: `sendMessage(LSS.clearAuth())`.
    pub(crate) fn client_clear_auth(&mut self, cx: &mut Ctx) {
        let msg = self.sync.clear_auth();
        self.send_authenticate(cx, msg);
    }

    /// The app's (or the provider's) `client.clearAuth()`: with the proposal
    /// (`proposal_keep_trying`) it first ends the AuthenticationManager's config
    /// (`stop()`), so that nothing refetches for a user the app signed out; the
    /// manager's own `clearAuth` callback sends the message only.
    pub(crate) fn app_clear_auth(&mut self, cx: &mut Ctx) {
        if cx.switches.proposal_keep_trying {
            self.am_stop(cx);
        }
        self.client_clear_auth(cx);
    }

    pub(crate) fn send_authenticate(&mut self, cx: &mut Ctx, msg: AuthenticateMsg) {
        let authenticate = |socket| Msg::Authenticate {
            socket,
            token: msg.token,
            base_version: msg.base_version,
        };
        self.send_with_socket(cx, authenticate);
    }

    /// `onOpen` (client.ts): `Connect`, then `LSS.restart()`'s Authenticate and
    /// ModifyQuerySet, then `RequestManager.restart()`'s requests. (`Connect` itself carries nothing auth-related and is not
    /// modelled.)
    pub(crate) fn on_open(&mut self, cx: &mut Ctx) {
        let (auth, queries) = self.sync.restart();
        self.send_restart_messages(cx, auth, queries);
        self.send_requests(cx, true);
    }

    /// `onResume` (client.ts): `LSS.resume()`'s Authenticate, then the pending
    /// ModifyQuerySet, then `RequestManager.resume()`'s requests.
    pub(crate) fn on_resume(&mut self, cx: &mut Ctx) {
        let (auth, queries) = self.sync.resume(cx.switches.lss_pause_aware);
        self.send_restart_messages(cx, auth, queries);
        self.send_requests(cx, false);
    }

    /// `BaseConvexClient.mutation`: `sendMessage(Mutation)` then
    /// `RequestManager.request(message, sent)`.
    pub(crate) fn call_mutation(&mut self, cx: &mut Ctx) {
        self.mutation = if self.socket.can_send() {
            self.send_with_socket(cx, |socket| Msg::Mutation { socket });
            MutationStatus::Requested
        } else {
            MutationStatus::NotSent
        };
    }

    /// `BaseConvexClient.action`: `sendMessage(Action)` then
    /// `RequestManager.request(message, sent)`.
    pub(crate) fn call_action(&mut self, cx: &mut Ctx) {
        self.action = if self.socket.can_send() {
            self.send_with_socket(cx, |socket| Msg::Action { socket });
            ActionStatus::Requested
        } else {
            ActionStatus::NotSent
        };
    }

    /// `RequestManager.restart()` (every new socket: NotSent and Requested mutations
    /// are sent, a NotSent action is sent, a Requested one fails with "Connection
    /// lost while action was in flight") or `resume()` (only NotSent ones).
    fn send_requests(&mut self, cx: &mut Ctx, restart: bool) {
        match self.action {
            ActionStatus::NotSent => {
                self.action = ActionStatus::Requested;
                self.send_with_socket(cx, |socket| Msg::Action { socket });
            }
            ActionStatus::Requested if restart => self.action = ActionStatus::Lost,
            _ => {}
        }
        let send = match self.mutation {
            MutationStatus::NotSent => true,
            MutationStatus::Requested | MutationStatus::Answered => restart,
            MutationStatus::NotCalled | MutationStatus::Completed => false,
        };
        if send {
            if self.mutation == MutationStatus::NotSent {
                self.mutation = MutationStatus::Requested;
            }
            self.send_with_socket(cx, |socket| Msg::Mutation { socket });
        }
    }

    fn send_restart_messages(
        &mut self,
        cx: &mut Ctx,
        auth: Option<AuthenticateMsg>,
        queries: bool,
    ) {
        if let Some(msg) = auth {
            self.send_authenticate(cx, msg);
        }
        if queries {
            let queries = self.sync.queries;
            self.send_with_socket(cx, |socket| Msg::ModifyQuerySet { socket, queries });
        }
    }
}
