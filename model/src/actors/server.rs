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
//! `Authenticate` judges a token as `validate_id_token` does
//! (`crates/authentication/src/lib.rs:140-388`): the provider its issuer and
//! audience pick, the signing key, then the time claims, by the server's clock,
//! which `faults.token_rejection` may set apart from the IdP's.
//! Transitions that do not move the identity version carry only query results; no
//! auth code reads them, so they are not sent — except the one after a mutation,
//! which tells the client's RequestManager the mutation is reflected.

use serde::Serialize;
use stateright::actor::Out;

use super::{browser_id, AuthErrorReason, Identity, Msg, Node, Token};
use crate::config::TokenRejection;
use crate::sdks::ProviderKind;

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
    /// The deployment, not its state: why it rejects unexpired tokens
    /// (`faults.token_rejection`), and how its provider checks time claims.
    #[serde(skip)]
    pub token_rejection: TokenRejection,
    #[serde(skip)]
    pub provider: ProviderKind,
    /// The server's cached JWKS has the IdP's new key: it fetched the JWKS
    /// again after the rotation (`faults.token_rejection = "rotated-key"`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub knows_new_key: bool,
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
            token_rejection: scenario.faults.token_rejection,
            provider: scenario.sdk_spec().sdk.convex_provider().kind,
            knows_new_key: false,
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
            Msg::JwksRefetched => self.knows_new_key = true,
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

    /// `Authenticate{token, baseVersion}`: validate the token (one the server
    /// rejects, [`ServerState::judge`], is answered
    /// `AuthError{authUpdateAttempted:true}` + close), then
    /// `modify_identity` (base version mismatch → close without error), then the
    /// update that re-runs every query under the new identity and sends a Transition.
    fn authenticate(&mut self, token: Option<Token>, base_version: u8, out: &mut Out<Node>) {
        let Some(c) = self.connection else { return };
        if let Some(reason) = token.and_then(|t| self.judge(t)) {
            self.fail_auth(c.current_identity, true, reason, out);
            return;
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
        if self.identity_expired(c, out) {
            return false;
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
        if self.identity_expired(c, out) {
            return;
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
        if self.identity_expired(c, out) {
            return;
        }
        self.last_query_identity = Some(c.identity);
        self.ran_now = true;
        out.send(browser_id(), Msg::ActionResponse { socket: c.socket });
    }

    /// `revalidate_identity` before a query run, mutation or action: a user
    /// identity past its `exp` is answered `AuthError{authUpdateAttempted:false}`
    /// and the socket closes. Returns whether it had expired.
    fn identity_expired(&mut self, c: Connection, out: &mut Out<Node>) -> bool {
        let expired = matches!(c.identity, Identity::User(t) if self.finds_expired(t));
        if expired {
            self.fail_auth(
                c.current_identity,
                false,
                AuthErrorReason::IdentityExpired,
                out,
            );
        }
        expired
    }

    /// The server's clock: the model's, moved by the skew
    /// `faults.token_rejection` sets between the server and the IdP.
    fn clock(&self) -> i16 {
        self.token_rejection.server_clock_at(self.now)
    }

    /// `now >= exp` by the server's clock, with no leeway: `SyncState::identity`
    /// (`crates/sync/src/state.rs:298-302`) and openidconnect's `exp` check; a
    /// customJwt's 5 s epsilon is below a tick.
    fn finds_expired(&self, token: Token) -> bool {
        self.clock() >= i16::from(token.exp)
    }

    /// Why `validate_id_token` rejects `token`, in its order: no provider
    /// matches its issuer and audience (`lib.rs:161-197`), its key is not in the
    /// cached JWKS (`lib.rs:290-315`), then the time claims (`lib.rs:361-378`
    /// customJwt: `exp`, and `iat` not in the future; OIDC: `exp` only,
    /// https://github.com/ramosbugs/openidconnect-rs/blob/15a9c55/src/verification/mod.rs#L549 and #L825-L833).
    fn judge(&self, token: Token) -> Option<AuthErrorReason> {
        if self.token_rejection == TokenRejection::WrongAudience {
            Some(AuthErrorReason::NoMatchingProvider)
        } else if token.new_key && !self.knows_new_key {
            Some(AuthErrorReason::UnknownSigningKey)
        } else if self.finds_expired(token) {
            Some(AuthErrorReason::TokenExpired)
        } else if self.provider == ProviderKind::CustomJwt && self.clock() < i16::from(token.iat) {
            Some(AuthErrorReason::NotYetValid)
        } else {
            None
        }
    }

    /// `AuthError{baseVersion = current identity version, authUpdateAttempted}`, then
    /// close. Backends before early 2025 leave `authUpdateAttempted` out.
    fn fail_auth(
        &mut self,
        base_version: u8,
        attempted: bool,
        reason: AuthErrorReason,
        out: &mut Out<Node>,
    ) {
        if let Some(c) = self.connection {
            out.send(
                browser_id(),
                Msg::AuthError {
                    socket: c.socket,
                    base_version,
                    auth_update_attempted: self.reports_auth_update_attempted.then_some(attempted),
                    reason,
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
        new_key: false,
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
                    auth_update_attempted: Some(true),
                    reason: AuthErrorReason::TokenExpired,
                },
                Msg::WsClosed { socket: 1 }
            ]
        );
        assert_eq!(s.connection, None);
    }

    /// What the server answers `Authenticate{T}` with at `now`, in a deployment
    /// of `adapter` whose server rejects tokens for `rejection`: the AuthError's
    /// reason, or None when it accepts.
    fn rejection_of(
        adapter: crate::adapters::Adapter,
        rejection: TokenRejection,
        now: u8,
        token: Token,
    ) -> Option<AuthErrorReason> {
        let mut scenario = crate::config::Scenario {
            adapter,
            ..Default::default()
        };
        scenario.faults.token_rejection = rejection;
        let mut s = connected_to(&scenario);
        deliver(&mut s, Msg::Clock { now });
        let out = deliver(
            &mut s,
            Msg::Authenticate {
                socket: 1,
                token: Some(token),
                base_version: 0,
            },
        );
        match out.first() {
            Some(Msg::AuthError { reason, .. }) => {
                assert_eq!(out.last(), Some(&Msg::WsClosed { socket: 1 }));
                Some(*reason)
            }
            Some(Msg::Transition { .. }) => None,
            other => panic!("neither accepted nor rejected: {other:?}"),
        }
    }

    #[test]
    fn a_deployment_whose_provider_matches_no_token_rejects_every_one() {
        use crate::adapters::Adapter::{Clerk, WorkOs003};
        for adapter in [WorkOs003, Clerk] {
            assert_eq!(
                rejection_of(adapter, TokenRejection::WrongAudience, 0, T0),
                Some(AuthErrorReason::NoMatchingProvider),
                "{adapter}"
            );
        }
        assert_eq!(rejection_of(WorkOs003, TokenRejection::None, 0, T0), None);
    }

    #[test]
    fn a_server_clock_ahead_finds_a_token_expired_a_tick_early() {
        use crate::adapters::Adapter::{Clerk, WorkOs003};
        for adapter in [WorkOs003, Clerk] {
            let ahead = TokenRejection::ServerClockAhead;
            assert_eq!(rejection_of(adapter, ahead, 0, T0), None, "{adapter}");
            assert_eq!(
                rejection_of(adapter, ahead, 1, T0),
                Some(AuthErrorReason::TokenExpired),
                "{adapter}"
            );
            assert_eq!(rejection_of(adapter, TokenRejection::None, 1, T0), None);
        }
    }

    /// And the same clock finds the connection's identity expired a tick early
    /// when the queries run again.
    #[test]
    fn a_server_clock_ahead_expires_the_identity_a_tick_early() {
        let mut scenario = crate::config::Scenario::default();
        scenario.faults.token_rejection = TokenRejection::ServerClockAhead;
        let mut s = connected_to(&scenario);
        deliver(
            &mut s,
            Msg::ModifyQuerySet {
                socket: 1,
                queries: 1,
            },
        );
        deliver(
            &mut s,
            Msg::Authenticate {
                socket: 1,
                token: Some(T0),
                base_version: 0,
            },
        );
        deliver(&mut s, Msg::Clock { now: 1 });
        let out = deliver(&mut s, Msg::DataChanged);
        assert_eq!(
            out.first(),
            Some(&Msg::AuthError {
                socket: 1,
                base_version: 1,
                auth_update_attempted: Some(false),
                reason: AuthErrorReason::IdentityExpired,
            })
        );
    }

    #[test]
    fn a_server_clock_behind_rejects_a_new_token_only_with_a_custom_jwt_provider() {
        use crate::adapters::Adapter::{Clerk, WorkOs003};
        let behind = TokenRejection::ServerClockBehind;
        let minted_at_1 = Token {
            serial: 1,
            iat: 1,
            exp: 3,
            ..T0
        };
        assert_eq!(
            rejection_of(WorkOs003, behind, 1, minted_at_1),
            Some(AuthErrorReason::NotYetValid)
        );
        assert_eq!(rejection_of(WorkOs003, behind, 2, minted_at_1), None);
        // Behind, the server takes a token for valid a tick past its expiry.
        assert_eq!(rejection_of(WorkOs003, behind, 3, minted_at_1), None);
        assert_eq!(
            rejection_of(WorkOs003, behind, 4, minted_at_1),
            Some(AuthErrorReason::TokenExpired)
        );
        // OIDC checks no iat (the scenario refuses this pair; the server alone
        // accepts).
        assert_eq!(rejection_of(Clerk, behind, 1, minted_at_1), None);
    }

    #[test]
    fn a_token_signed_with_the_rotated_key_is_rejected_until_the_jwks_is_fetched_again() {
        let mut scenario = crate::config::Scenario::default();
        scenario.faults.token_rejection = TokenRejection::RotatedKey;
        let new_key = Token {
            new_key: true,
            ..T0
        };
        let authenticate = |s: &mut ServerState, token| {
            deliver(
                s,
                Msg::Authenticate {
                    socket: 1,
                    token: Some(token),
                    base_version: 0,
                },
            )
        };
        let mut s = connected_to(&scenario);
        assert!(matches!(
            authenticate(&mut s, new_key).first(),
            Some(Msg::AuthError {
                reason: AuthErrorReason::UnknownSigningKey,
                auth_update_attempted: Some(true),
                ..
            })
        ));
        let mut s = connected_to(&scenario);
        assert!(matches!(
            authenticate(&mut s, T0).first(),
            Some(Msg::Transition { .. })
        ));
        let mut s = connected_to(&scenario);
        deliver(&mut s, Msg::JwksRefetched);
        assert!(matches!(
            authenticate(&mut s, new_key).first(),
            Some(Msg::Transition { .. })
        ));
    }

    /// The text each AuthError carries is the backend's for its reason and the
    /// deployment's provider kind (`crates/authentication/src/lib.rs` at
    /// 94a42c3: customJwt names what failed; OIDC's verifier has one text).
    #[test]
    fn each_rejection_carries_the_backends_text() {
        use AuthErrorReason::*;
        use ProviderKind::{CustomJwt, Oidc};
        for (reason, provider, starts) in [
            (
                TokenExpired,
                CustomJwt,
                "Could not validate token: Token expired",
            ),
            (
                NotYetValid,
                CustomJwt,
                "Could not validate token: Token will be valid",
            ),
            (
                UnknownSigningKey,
                CustomJwt,
                "Could not decode token. The JWT's 'kid'",
            ),
            (
                NoMatchingProvider,
                CustomJwt,
                "No auth provider found matching the given token",
            ),
            (
                NoMatchingProvider,
                Oidc,
                "No auth provider found matching the given token",
            ),
            (IdentityExpired, Oidc, "Convex token identity expired"),
            (TokenExpired, Oidc, "Could not verify OIDC token claim."),
            (
                UnknownSigningKey,
                Oidc,
                "Could not verify OIDC token claim.",
            ),
        ] {
            assert!(
                reason.message(provider).starts_with(starts),
                "{reason:?} with {provider:?}: {}",
                reason.message(provider)
            );
        }
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
                auth_update_attempted: None,
                reason: AuthErrorReason::TokenExpired,
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
                    auth_update_attempted: Some(false),
                    reason: AuthErrorReason::IdentityExpired,
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
