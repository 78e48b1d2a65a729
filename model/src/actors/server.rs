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
//! auth code reads them, so they are not sent — except the one after a mutation,
//! which tells the client's RequestManager the mutation is reflected.

use serde::Serialize;
use stateright::actor::Out;

use super::{browser_id, Identity, Msg, Node, Token};

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
    /// The identity under which the queries or the mutation last ran.
    pub last_query_identity: Option<Identity>,
    /// The queries or the mutation ran in the step that just happened: an output
    /// of the step, like the messages sent. The model moves it into the run's
    /// history (the `history` module) and clears it, so it is false in every state
    /// the checker stores.
    pub ran_now: bool,
    /// The app's mutation has been executed (it is idempotent by request id: a
    /// re-sent copy is answered without running again).
    pub mutation_done: bool,
    /// The backend's version, not its state: whether its `AuthError` carries
    /// `authUpdateAttempted` (switch `server_reports_auth_update_attempted`).
    pub reports_auth_update_attempted: bool,
}

impl ServerState {
    pub fn start(scenario: &crate::config::Scenario) -> Self {
        ServerState {
            now: 0,
            connection: None,
            last_query_identity: None,
            ran_now: false,
            mutation_done: false,
            reports_auth_update_attempted: scenario.switches().server_reports_auth_update_attempted,
        }
    }

    pub fn on_msg(&mut self, msg: &Msg, out: &mut Out<Node>) -> bool {
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
                // Only added queries run (`begin_update_queries`); a removal
                // runs nothing.
                let added = self.connection.is_some_and(|c| queries > c.queries);
                if let Some(c) = &mut self.connection {
                    c.queries = queries;
                }
                if added {
                    self.run_queries(out);
                }
            }
            Msg::Mutation { socket } if self.is_live(socket) => self.run_mutation(out),
            Msg::Action { socket } if self.is_live(socket) => self.run_action(out),
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

    /// A new WebSocket: a fresh `SyncState` with identity Anonymous and versions 0.
    fn accept_connection(&mut self, socket: u8, out: &mut Out<Node>) {
        self.connection = Some(Connection {
            socket,
            identity: Identity::Anonymous,
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
        c.identity = token.map_or(Identity::Anonymous, Identity::User);
        if self.run_queries(out) {
            let c = self
                .connection
                .as_mut()
                .expect("still open after a successful run");
            let end = c.received_identity;
            out.send(
                browser_id(),
                Msg::Transition {
                    socket: c.socket,
                    start: c.current_identity,
                    end,
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
            self.ran_now = true;
        }
        true
    }

    /// `Mutation`: the identity is checked for expiry like a query run
    /// (`AuthError{authUpdateAttempted:false}` + close), then the mutation runs once
    /// and is answered.
    fn run_mutation(&mut self, out: &mut Out<Node>) {
        let Some(c) = self.connection else { return };
        if let Identity::User(t) = c.identity {
            if t.is_expired_at(self.now) {
                self.fail_auth(c.current_identity, false, out);
                return;
            }
        }
        if !self.mutation_done {
            self.mutation_done = true;
            self.last_query_identity = Some(c.identity);
            self.ran_now = true;
        }
        out.send(browser_id(), Msg::MutationResponse { socket: c.socket });
        // The next Transition (at or after the mutation's timestamp) follows; it does
        // not move the identity version.
        out.send(
            browser_id(),
            Msg::Transition {
                socket: c.socket,
                start: c.current_identity,
                end: c.current_identity,
            },
        );
    }

    /// `Action`: the identity is checked for expiry like a query run, then the
    /// action runs (every time it arrives: actions are not idempotent) and is
    /// answered.
    fn run_action(&mut self, out: &mut Out<Node>) {
        let Some(c) = self.connection else { return };
        if let Identity::User(t) = c.identity {
            if t.is_expired_at(self.now) {
                self.fail_auth(c.current_identity, false, out);
                return;
            }
        }
        self.last_query_identity = Some(c.identity);
        self.ran_now = true;
        out.send(browser_id(), Msg::ActionResponse { socket: c.socket });
    }

    /// `AuthError{baseVersion = current identity version, authUpdateAttempted}`, then
    /// close. Backends before early 2025 leave `authUpdateAttempted` out.
    fn fail_auth(&mut self, base_version: u8, attempted: bool, out: &mut Out<Node>) {
        if let Some(c) = self.connection {
            out.send(
                browser_id(),
                Msg::AuthError {
                    socket: c.socket,
                    base_version,
                    auth_update_attempted: self.reports_auth_update_attempted.then_some(attempted),
                },
            );
        }
        self.close(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::User;
    use stateright::actor::Command;

    const T0: Token = Token {
        serial: 0,
        iat: 0,
        exp: 2,
        user: User::A,
    };

    fn sent(out: Out<Node>) -> Vec<Msg> {
        out.iter()
            .filter_map(|c| match c {
                Command::Send(_, m) => Some(m.clone()),
                _ => None,
            })
            .collect()
    }

    fn deliver(s: &mut ServerState, msg: Msg) -> Vec<Msg> {
        let mut out = Out::new();
        s.on_msg(&msg, &mut out);
        sent(out)
    }

    fn connected() -> ServerState {
        connected_to(&crate::config::Scenario::default())
    }

    fn connected_to(scenario: &crate::config::Scenario) -> ServerState {
        let mut s = ServerState::start(scenario);
        assert_eq!(
            deliver(&mut s, Msg::WsOpen { socket: 1 }),
            vec![Msg::WsOpened { socket: 1 }]
        );
        s
    }

    #[test]
    fn authenticate_advances_the_identity_version_and_reruns_queries() {
        let mut s = connected();
        deliver(
            &mut s,
            Msg::ModifyQuerySet {
                socket: 1,
                queries: 1,
            },
        );
        assert_eq!(s.last_query_identity, Some(Identity::Anonymous));
        let out = deliver(
            &mut s,
            Msg::Authenticate {
                socket: 1,
                token: Some(T0),
                base_version: 0,
            },
        );
        assert_eq!(
            out,
            vec![Msg::Transition {
                socket: 1,
                start: 0,
                end: 1
            }]
        );
        assert_eq!(s.last_query_identity, Some(Identity::User(T0)));
    }

    /// At t = 2, when T0 has expired, the client authenticates with T0.
    fn authenticate_with_expired_t0(s: &mut ServerState) -> Vec<Msg> {
        deliver(s, Msg::Clock { now: 2 });
        deliver(
            s,
            Msg::Authenticate {
                socket: 1,
                token: Some(T0),
                base_version: 0,
            },
        )
    }

    #[test]
    fn an_expired_token_is_rejected_with_auth_update_attempted_then_closed() {
        let mut s = connected();
        let out = authenticate_with_expired_t0(&mut s);
        assert_eq!(
            out,
            vec![
                Msg::AuthError {
                    socket: 1,
                    base_version: 0,
                    auth_update_attempted: Some(true)
                },
                Msg::WsClosed { socket: 1 }
            ]
        );
        assert_eq!(s.connection, None);
    }

    /// Backends before early 2025 leave `authUpdateAttempted` out of `AuthError`.
    #[test]
    fn an_older_backend_omits_auth_update_attempted() {
        let mut scenario = crate::config::Scenario::default();
        scenario.switches.server_reports_auth_update_attempted = Some(false);
        let mut s = connected_to(&scenario);
        let out = authenticate_with_expired_t0(&mut s);
        assert_eq!(
            out[0],
            Msg::AuthError {
                socket: 1,
                base_version: 0,
                auth_update_attempted: None
            }
        );
    }

    #[test]
    fn expiry_is_noticed_only_when_queries_run() {
        let mut s = connected();
        deliver(
            &mut s,
            Msg::Authenticate {
                socket: 1,
                token: Some(T0),
                base_version: 0,
            },
        );
        deliver(
            &mut s,
            Msg::ModifyQuerySet {
                socket: 1,
                queries: 1,
            },
        );
        assert!(
            deliver(&mut s, Msg::Clock { now: 3 }).is_empty(),
            "an idle server says nothing"
        );
        assert_eq!(
            deliver(&mut s, Msg::DataChanged),
            vec![
                Msg::AuthError {
                    socket: 1,
                    base_version: 1,
                    auth_update_attempted: Some(false)
                },
                Msg::WsClosed { socket: 1 }
            ]
        );
    }

    #[test]
    fn a_base_version_mismatch_closes_without_an_error() {
        let mut s = connected();
        let out = deliver(
            &mut s,
            Msg::Authenticate {
                socket: 1,
                token: None,
                base_version: 3,
            },
        );
        assert_eq!(out, vec![Msg::WsClosed { socket: 1 }]);
    }

    #[test]
    fn a_resent_mutation_runs_once() {
        let mut s = connected();
        assert_eq!(
            deliver(&mut s, Msg::Mutation { socket: 1 }),
            vec![
                Msg::MutationResponse { socket: 1 },
                Msg::Transition {
                    socket: 1,
                    start: 0,
                    end: 0
                }
            ]
        );
        assert_eq!(s.last_query_identity, Some(Identity::Anonymous));
        deliver(
            &mut s,
            Msg::Authenticate {
                socket: 1,
                token: Some(T0),
                base_version: 0,
            },
        );
        deliver(&mut s, Msg::Mutation { socket: 1 });
        assert_eq!(
            s.last_query_identity,
            Some(Identity::Anonymous),
            "not run again"
        );
    }

    /// `begin_update_queries` runs only added queries: unsubscribing one runs
    /// nothing; subscribing one runs it under the connection's identity.
    #[test]
    fn only_an_added_query_runs() {
        let mut s = connected();
        let add = |n| Msg::ModifyQuerySet {
            socket: 1,
            queries: n,
        };
        deliver(&mut s, add(2));
        assert!(s.ran_now);
        s.ran_now = false;
        deliver(&mut s, add(1));
        assert!(!s.ran_now, "a removal runs nothing");
        deliver(&mut s, add(2));
        assert!(s.ran_now);
    }

    /// An action runs every time it arrives and is answered on its socket.
    #[test]
    fn an_action_runs_and_is_answered() {
        let mut s = connected();
        let out = deliver(&mut s, Msg::Action { socket: 1 });
        assert_eq!(out, vec![Msg::ActionResponse { socket: 1 }]);
        assert_eq!(s.last_query_identity, Some(Identity::Anonymous));
    }
}
