//! The Convex sync worker serving the tab's WebSocket — convex-backend
//! `crates/sync/src/worker.rs` (`SyncWorker::handle_message`, `begin_update_queries`),
//! `crates/sync/src/state.rs` (`SyncState::modify_identity`) and the socket wrapper
//! `crates/local_backend/src/subs/mod.rs` (`run_sync_socket`).
//!
//! Per connection: the identity, the identity version the client has requested
//! (`received_client_version.identity`) and the one last sent in a Transition
//! (`current_version.identity`); both start at 0 on every new WebSocket. Messages
//! are handled one at a time in arrival order.
//!
//! Expiry is lazy: only when the server must run a query (new identity, new
//! subscription, data change) does it check `now >= exp` of the connection's
//! identity, and then answers `AuthError{authUpdateAttempted:false}` and closes.
//! A rejected `Authenticate` answers `AuthError{authUpdateAttempted:true}` and closes.
//! Transitions that do not move the identity version carry only query results; no
//! auth code reads them, so they are not sent.

use serde::Serialize;
use stateright::actor::Out;

use super::{browser_id, Identity, Msg, Node, Token};
use crate::config::Scenario;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Connection {
    pub socket: u8,
    pub identity: Identity,
    pub received_identity: u8,
    pub current_identity: u8,
    pub queries: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ServerState {
    pub now: u8,
    /// The live connection, if any.
    pub connection: Option<Connection>,
    /// The identity under which the queries last ran.
    pub last_query_identity: Option<Identity>,
}

impl ServerState {
    pub fn start(_scenario: &Scenario) -> Self {
        ServerState {
            now: 0,
            connection: None,
            last_query_identity: None,
        }
    }

    pub fn on_msg(&mut self, _scenario: &Scenario, msg: &Msg, out: &mut Out<Node>) -> bool {
        let before = self.clone();
        match *msg {
            Msg::Clock { now } => self.now = now,
            Msg::WsOpen { socket } => self.accept_connection(socket, out),
            Msg::WsClose { socket } if self.is_live(socket) => self.close(out),
            Msg::Authenticate {
                socket,
                token,
                base_version,
            } if self.is_live(socket) => self.authenticate(token, base_version, out),
            Msg::ModifyQuerySet { socket, queries } if self.is_live(socket) => {
                if let Some(c) = &mut self.connection {
                    c.queries = queries;
                }
                self.run_queries(out);
            }
            Msg::DataChanged if self.connection.is_some_and(|c| c.queries > 0) => {
                self.run_queries(out);
            }
            Msg::NetworkDrop => self.close(out),
            _ => {}
        }
        *self != before || !out.is_empty()
    }

    fn is_live(&self, socket: u8) -> bool {
        self.connection.is_some_and(|c| c.socket == socket)
    }

    /// A new WebSocket: a fresh `SyncState` with identity Unknown and versions 0.
    fn accept_connection(&mut self, socket: u8, out: &mut Out<Node>) {
        self.connection = Some(Connection {
            socket,
            identity: Identity::Unknown,
            received_identity: 0,
            current_identity: 0,
            queries: 0,
        });
        out.send(browser_id(), Msg::WsOpened { socket });
    }

    /// The server closes the WebSocket (the client sees `onclose`).
    fn close(&mut self, out: &mut Out<Node>) {
        if let Some(c) = self.connection.take() {
            out.send(browser_id(), Msg::WsClosed { socket: c.socket });
        }
    }

    /// `Authenticate{token, baseVersion}`: validate the token (an expired one is
    /// rejected: `AuthError{authUpdateAttempted:true}` + close), then
    /// `modify_identity` (base version mismatch → close without error), then the
    /// update that re-runs every query under the new identity and sends a Transition.
    fn authenticate(&mut self, token: Option<Token>, base_version: u8, out: &mut Out<Node>) {
        let Some(c) = self.connection else { return };
        if let Some(t) = token {
            if t.is_expired_at(self.now) {
                self.fail_auth(c.current_identity, true, out);
                return;
            }
        }
        if c.received_identity != base_version {
            self.close(out);
            return;
        }
        let c = self.connection.as_mut().expect("checked above");
        c.received_identity += 1;
        c.identity = token.map_or(Identity::Unknown, Identity::User);
        if self.run_queries(out) {
            let c = self
                .connection
                .as_mut()
                .expect("still open after a successful run");
            out.send(
                browser_id(),
                Msg::Transition {
                    socket: c.socket,
                    start: c.current_identity,
                    end: c.received_identity,
                },
            );
            c.current_identity = c.received_identity;
        }
    }

    /// Runs the subscribed queries under the connection's identity, checking expiry
    /// first. Returns false when the identity had expired (AuthError sent, closed).
    fn run_queries(&mut self, out: &mut Out<Node>) -> bool {
        let Some(c) = self.connection else {
            return false;
        };
        if let Identity::User(t) = c.identity {
            if t.is_expired_at(self.now) {
                self.fail_auth(c.current_identity, false, out);
                return false;
            }
        }
        if c.queries > 0 {
            self.last_query_identity = Some(c.identity);
        }
        true
    }

    /// `AuthError{baseVersion = current identity version, authUpdateAttempted}`, then
    /// close.
    fn fail_auth(&mut self, base_version: u8, attempted: bool, out: &mut Out<Node>) {
        if let Some(c) = self.connection {
            out.send(
                browser_id(),
                Msg::AuthError {
                    socket: c.socket,
                    base_version,
                    auth_update_attempted: attempted,
                },
            );
        }
        self.close(out);
    }
}
