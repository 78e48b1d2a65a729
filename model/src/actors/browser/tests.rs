//! Transition-level tests of the browser tab: each pins one behaviour that
//! protocol.md describes for convex@1.49.0 (or for the release a test names).

use stateright::actor::{Command, Id, Out};

use super::socket::ReadyPause;
use super::*;
use crate::actors::{server_id, token_provider_id, AuthErrorReason, Settles, Token, User};
use crate::config::{App, PageLoad};

/// These tests pin the client core from a mount whose adapter is already signed
/// in (`page_load = "loaded-signed-in"`); the tests of the page load say so.
fn loaded_page() -> Scenario {
    loaded_page_with(App::default())
}

/// [`loaded_page`] with the app's other knobs from `app`.
fn loaded_page_with(app: App) -> Scenario {
    Scenario {
        app: App {
            page_load: PageLoad::LoadedSignedIn,
            ..app
        },
        ..Scenario::default()
    }
}
use crate::adapters::Adapter;
use crate::config::{ClientRelease, Scenario};

const T0: Token = Token {
    serial: 0,
    iat: 0,
    exp: 2,
    user: User::A,
    new_key: false,
};
const T1: Token = Token {
    serial: 1,
    iat: 1,
    exp: 3,
    user: User::A,
    new_key: false,
};

/// A tab and the scenario it runs, driven one event at a time.
struct Harness {
    scenario: Scenario,
    tab: Tab,
}

impl Harness {
    fn new(scenario: Scenario) -> (Harness, Vec<(Id, Msg)>) {
        let mut out = Out::new();
        let tab = Tab::start(&scenario, &mut out);
        (Harness { scenario, tab }, sends(out))
    }

    fn deliver(&mut self, msg: Msg) -> Vec<(Id, Msg)> {
        let mut out = Out::new();
        self.tab.on_msg(&self.scenario, &msg, &mut out);
        sends(out)
    }

    fn deliver_from_server(&mut self, msg: Msg) -> Vec<(Id, Msg)> {
        self.deliver(msg)
    }

    fn fetched(&mut self, call: u8, result: FetchResult) -> Vec<(Id, Msg)> {
        self.deliver(Msg::TokenFetched {
            call,
            result,
            settles: Settles::Later,
        })
    }

    /// The server finds the token of socket 1 expired: AuthError (not an auth
    /// update), then its close.
    fn expire_and_close_socket_1(&mut self) {
        self.deliver_from_server(Msg::AuthError {
            socket: 1,
            base_version: 1,
            auth_update_attempted: Some(false),
            reason: AuthErrorReason::IdentityExpired,
        });
        self.deliver_from_server(Msg::WsClosed { socket: 1 });
    }

    fn ui(&self) -> ConvexAuth {
        self.tab.provider.use_convex_auth()
    }

    /// The pause of a ready socket, None when the socket is not ready.
    fn ready_pause(&self) -> Option<ReadyPause> {
        match self.tab.socket.state {
            SocketState::Ready { paused, .. } => Some(paused),
            _ => None,
        }
    }

    /// The adapter re-renders with a new fetcher (the provider's effects re-run);
    /// returns what the tab sent.
    fn change_fetcher(&mut self) -> Vec<(Id, Msg)> {
        let mut inputs = self.tab.provider.inputs;
        inputs.fetcher += 1;
        let mut out = Out::new();
        let mut cx = super::Ctx::new(&self.scenario, &mut out);
        self.tab.render_and_commit(&mut cx, inputs);
        sends(out)
    }

    /// Page load through the cached-token confirmation, then the forced refetch
    /// returns a fresh token T1, sent to the server and awaiting confirmation.
    fn with_fresh_token() -> Harness {
        Harness::confirmed_then_refetched(loaded_page(), T1)
    }

    /// Page load: socket #1 opens, the cached token T0 is fetched and confirmed by
    /// a Transition, and the forced refetch resolves with `refetched`.
    fn confirmed_then_refetched(scenario: Scenario, refetched: Token) -> Harness {
        let (mut h, _) = Harness::new(scenario);
        h.deliver_from_server(Msg::WsOpened { socket: 1 });
        h.fetched(1, FetchResult::Token(T0));
        h.deliver_from_server(Msg::Transition {
            socket: 1,
            start: 0,
            end: 1,
        });
        h.fetched(2, FetchResult::Token(refetched));
        h
    }

    /// The server confirms the fresh token sent after the cached one: the
    /// Transition of socket #1 from identity version 1 to 2.
    fn confirm_fresh_token(&mut self) -> Vec<(Id, Msg)> {
        self.deliver_from_server(Msg::Transition {
            socket: 1,
            start: 1,
            end: 2,
        })
    }

    /// Page load through the cached-token confirmation and the forced refetch that
    /// returned the same token: authenticated, `notRefetching`, socket #1 ready.
    fn signed_in(adapter: Adapter) -> Harness {
        let scenario = Scenario {
            adapter,
            ..loaded_page()
        };
        let h = Harness::confirmed_then_refetched(scenario, T0);
        assert_eq!(h.tab.am.state.name(), "notRefetching");
        h
    }
}

fn sends(out: Out<Node>) -> Vec<(Id, Msg)> {
    out.iter()
        .filter_map(|c| match c {
            Command::Send(id, msg) => Some((*id, msg.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn page_load_pauses_the_socket_and_fetches_a_cached_token() {
    let (h, sent) = Harness::new(loaded_page());
    assert_eq!(
        sent,
        vec![
            (server_id(), Msg::WsOpen { socket: 1 }),
            (
                token_provider_id(),
                Msg::FetchToken {
                    call: 1,
                    force: false
                }
            ),
        ]
    );
    assert_eq!(
        h.tab.socket.state,
        SocketState::Connecting {
            socket: 1,
            paused: true
        }
    );
    assert!(h.tab.sync.paused && h.tab.sync.pending_query_changes);
    assert!(h.ui().is_loading);
}

#[test]
fn cached_token_is_sent_on_open_before_the_queries() {
    let (mut h, _) = Harness::new(loaded_page());
    assert!(h
        .deliver_from_server(Msg::WsOpened { socket: 1 })
        .is_empty());
    assert_eq!(
        h.tab.socket.state,
        SocketState::Ready {
            socket: 1,
            paused: ReadyPause::Uninitialized
        }
    );
    let sent = h.fetched(1, FetchResult::Token(T0));
    assert_eq!(
        sent,
        vec![
            (
                server_id(),
                Msg::Authenticate {
                    socket: 1,
                    token: Some(T0),
                    base_version: 0
                }
            ),
            (
                server_id(),
                Msg::ModifyQuerySet {
                    socket: 1,
                    queries: 1
                }
            ),
        ]
    );
    assert_eq!(h.tab.sync.identity_version, 1);
}

#[test]
fn confirming_a_cached_token_forces_a_refetch_and_reports_authenticated() {
    let (mut h, _) = Harness::new(loaded_page());
    h.deliver_from_server(Msg::WsOpened { socket: 1 });
    h.fetched(1, FetchResult::Token(T0));
    let sent = h.deliver_from_server(Msg::Transition {
        socket: 1,
        start: 0,
        end: 1,
    });
    assert_eq!(
        sent,
        vec![(
            token_provider_id(),
            Msg::FetchToken {
                call: 2,
                force: true
            }
        )]
    );
    assert!(h.ui().is_authenticated && !h.ui().is_loading);
}

#[test]
fn same_token_from_the_forced_refetch_means_not_refetching() {
    let h = Harness::signed_in(Adapter::WorkOs003);
    assert_eq!(h.tab.am.state.name(), "notRefetching");
    assert!(h.ui().is_authenticated);
}

#[test]
fn expiry_error_while_waiting_for_a_fresh_token_is_ignored() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    h.expire_and_close_socket_1();
    h.fetched(3, FetchResult::Token(T1));
    assert_eq!(
        h.tab.am.state.name(),
        "waitingForServerConfirmationOfFreshToken"
    );
    h.deliver_from_server(Msg::WsOpened { socket: 2 });
    let before = h.tab.clone();
    let sent = h.deliver_from_server(Msg::AuthError {
        socket: 2,
        base_version: 0,
        auth_update_attempted: Some(false),
        reason: AuthErrorReason::IdentityExpired,
    });
    assert!(sent.is_empty(), "ignored: nothing sent, got {sent:?}");
    assert_eq!(h.tab.am, before.am);
}

/// Only an explicit `authUpdateAttempted: false` is ignored (`=== false`): from a
/// backend that leaves the field out, the same expiry error while the fresh token
/// awaits confirmation starts a re-authentication.
#[test]
fn an_auth_error_without_auth_update_attempted_is_not_ignored() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    h.expire_and_close_socket_1();
    h.fetched(3, FetchResult::Token(T1));
    h.deliver_from_server(Msg::WsOpened { socket: 2 });
    let before = h.tab.clone();
    h.deliver_from_server(Msg::AuthError {
        socket: 2,
        base_version: 0,
        auth_update_attempted: None,
        reason: AuthErrorReason::TokenExpired,
    });
    assert_ne!(h.tab.am, before.am, "not ignored");
    assert_eq!(
        h.tab.am.token_confirmation_attempts, 1,
        "counted as a retry"
    );
}

#[test]
fn before_d661485_an_expiry_error_while_waiting_for_confirmation_gives_up() {
    let scenario = Scenario {
        client: ClientRelease::V1_20_0,
        ..loaded_page()
    };
    let (mut h, _) = Harness::new(scenario);
    h.deliver_from_server(Msg::WsOpened { socket: 1 });
    h.fetched(1, FetchResult::Token(T0));
    h.deliver_from_server(Msg::AuthError {
        socket: 1,
        base_version: 0,
        auth_update_attempted: Some(false),
        reason: AuthErrorReason::IdentityExpired,
    });
    // Waiting for the cached token's confirmation: not the fresh-token branch, so it
    // re-authenticates (stops the socket).
    assert_eq!(h.tab.socket.state, SocketState::Stopped);
}

#[test]
fn expiry_error_in_not_refetching_stops_the_socket_then_forces_a_fetch() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    let sent = h.deliver_from_server(Msg::AuthError {
        socket: 1,
        base_version: 1,
        auth_update_attempted: Some(false),
        reason: AuthErrorReason::IdentityExpired,
    });
    assert_eq!(sent, vec![(server_id(), Msg::WsClose { socket: 1 })]);
    assert_eq!(h.tab.socket.state, SocketState::Stopped);
    assert!(h.ui().is_refreshing);
    let sent = h.deliver_from_server(Msg::WsClosed { socket: 1 });
    assert_eq!(
        sent,
        vec![(
            token_provider_id(),
            Msg::FetchToken {
                call: 3,
                force: true
            }
        )]
    );
}

#[test]
fn null_after_reauthentication_clears_auth_locally_and_reports_signed_out() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    h.expire_and_close_socket_1();
    let sent = h.fetched(3, FetchResult::Null);
    // No Authenticate{None}: the socket is stopped; tryRestartSocket reconnects.
    assert_eq!(sent, vec![(server_id(), Msg::WsOpen { socket: 2 })]);
    assert_eq!(h.tab.am.state, AmState::NoAuth);
    assert_eq!(h.tab.sync.auth, None);
    assert_eq!(
        h.ui(),
        ConvexAuth {
            is_loading: false,
            is_authenticated: false,
            is_refreshing: false
        }
    );
    // The new socket opens without auth: the queries run as nobody.
    let sent = h.deliver_from_server(Msg::WsOpened { socket: 2 });
    assert_eq!(
        sent,
        vec![(
            server_id(),
            Msg::ModifyQuerySet {
                socket: 2,
                queries: 1
            }
        )]
    );
}

#[test]
fn identical_token_after_reauthentication_is_treated_like_null() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    h.expire_and_close_socket_1();
    h.fetched(3, FetchResult::Token(T0));
    assert_eq!(h.tab.am.state, AmState::NoAuth);
    assert!(!h.ui().is_authenticated);
}

#[test]
fn null_token_in_refetch_sends_authenticate_none_and_reports_false() {
    let (mut h, _) = Harness::new(loaded_page());
    h.deliver_from_server(Msg::WsOpened { socket: 1 });
    h.fetched(1, FetchResult::Token(T0));
    h.deliver_from_server(Msg::Transition {
        socket: 1,
        start: 0,
        end: 1,
    });
    let sent = h.fetched(2, FetchResult::Null);
    assert_eq!(
        sent,
        vec![(
            server_id(),
            Msg::Authenticate {
                socket: 1,
                token: None,
                base_version: 1
            }
        )]
    );
    assert_eq!(h.tab.am.state, AmState::NoAuth);
    assert_eq!(h.tab.provider.convex_authenticated, Some(false));
}

#[test]
fn fresh_token_confirmation_schedules_the_refetch() {
    let mut h = Harness::with_fresh_token();
    assert_eq!(
        h.tab.am.state.name(),
        "waitingForServerConfirmationOfFreshToken"
    );
    h.confirm_fresh_token();
    // Lifetime 2, leeway 1: due one tick after now (0).
    assert!(matches!(
        h.tab.am.state,
        AmState::WaitingForScheduledRefetch {
            refetch_due: Some(1),
            ..
        }
    ));
}

#[test]
fn resume_on_a_stopped_socket_does_nothing() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    h.deliver_from_server(Msg::AuthError {
        socket: 1,
        base_version: 1,
        auth_update_attempted: Some(false),
        reason: AuthErrorReason::IdentityExpired,
    });
    let before = h.tab.clone();
    let mut out = Out::new();
    let mut cx = Ctx::new(&h.scenario, &mut out);
    h.tab.socket_resume(&mut cx);
    assert!(out.is_empty());
    assert_eq!(h.tab, before);
}

#[test]
fn messages_of_a_closing_socket_are_ignored_since_8902506() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    h.deliver_from_server(Msg::AuthError {
        socket: 1,
        base_version: 1,
        auth_update_attempted: Some(false),
        reason: AuthErrorReason::IdentityExpired,
    });
    let before = h.tab.clone();
    let sent = h.deliver_from_server(Msg::AuthError {
        socket: 1,
        base_version: 1,
        auth_update_attempted: Some(true),
        reason: AuthErrorReason::TokenExpired,
    });
    assert!(sent.is_empty());
    assert_eq!(h.tab, before);
}

#[test]
fn sign_out_clears_auth_on_the_server_and_shows_signed_out() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    let sent = h.deliver(Msg::AdapterChanged(AdapterOutput {
        is_loading: false,
        is_authenticated: false,
        fetcher: 0,
    }));
    assert_eq!(
        sent,
        vec![(
            server_id(),
            Msg::Authenticate {
                socket: 1,
                token: None,
                base_version: 1
            }
        )]
    );
    assert_eq!(h.tab.provider.convex_authenticated, Some(false));
    assert_eq!(h.tab.provider.relevant, None);
}

#[test]
fn visible_tab_fires_a_due_refetch_before_time_moves_on() {
    let mut h = Harness::with_fresh_token();
    h.confirm_fresh_token();
    h.deliver(Msg::Clock { now: 1 });
    let sent = h.deliver(Msg::Clock { now: 2 });
    assert_eq!(
        sent[0],
        (
            token_provider_id(),
            Msg::FetchToken {
                call: 3,
                force: true
            }
        )
    );
}

/// Replaying against convex@1.49.0 showed an answered mutation re-sent on a new
/// socket: it leaves the RequestManager only when a Transition reaches it.
#[test]
fn an_answered_mutation_is_resent_on_reconnect_until_a_transition_reaches_it() {
    let scenario = Scenario {
        bounds: crate::config::Bounds {
            mutation: true,
            ..Default::default()
        },
        ..loaded_page()
    };
    let (mut h, _) = Harness::new(scenario);
    h.deliver_from_server(Msg::WsOpened { socket: 1 });
    h.fetched(1, FetchResult::Token(T0));
    h.deliver_from_server(Msg::MutationResponse { socket: 1 });
    h.deliver_from_server(Msg::WsClosed { socket: 1 });
    h.tab
        .on_timeout(&h.scenario, &Timer::Reconnect, &mut Out::new());
    let sent = h.deliver_from_server(Msg::WsOpened { socket: 2 });
    assert!(sent.contains(&(server_id(), Msg::Mutation { socket: 2 })));
}

#[test]
fn a_mutation_called_while_paused_is_sent_after_authenticate_on_open() {
    let scenario = Scenario {
        bounds: crate::config::Bounds {
            mutation: true,
            ..Default::default()
        },
        ..loaded_page()
    };
    let (mut h, _) = Harness::new(scenario);
    assert_eq!(h.tab.mutation, MutationStatus::NotSent);
    h.deliver_from_server(Msg::WsOpened { socket: 1 });
    let sent = h.fetched(1, FetchResult::Token(T0));
    let kinds: Vec<&Msg> = sent.iter().map(|(_, m)| m).collect();
    assert!(matches!(kinds[0], Msg::Authenticate { .. }));
    assert_eq!(kinds.last(), Some(&&Msg::Mutation { socket: 1 }));
    assert_eq!(h.tab.mutation, MutationStatus::Requested);
    h.deliver_from_server(Msg::MutationResponse { socket: 1 });
    assert_eq!(h.tab.mutation, MutationStatus::Answered);
    h.deliver_from_server(Msg::Transition {
        socket: 1,
        start: 1,
        end: 1,
    });
    assert_eq!(h.tab.mutation, MutationStatus::Completed);
}

/// Replaying against convex@1.49.0 shows `onChange(true)` on every fresh-token
/// confirmation, even when the client had auth before.
#[test]
fn every_fresh_token_confirmation_reports_authenticated() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    h.expire_and_close_socket_1();
    h.fetched(3, FetchResult::Token(T1));
    assert!(matches!(
        h.tab.am.state,
        AmState::WaitingForServerConfirmationOfFreshToken { had_auth: true, .. }
    ));
    // Make the UI show "not authenticated" to see the callback fire.
    h.tab.provider.convex_authenticated = Some(false);
    h.deliver_from_server(Msg::WsOpened { socket: 2 });
    h.deliver_from_server(Msg::Transition {
        socket: 2,
        start: 0,
        end: 1,
    });
    assert_eq!(h.tab.provider.convex_authenticated, Some(true));
}

/// A rejection propagates out of `fetchTokenAndGuardAgainstRace` before the
/// configVersion check: even an outdated fetch that rejects escapes unhandled.
#[test]
fn an_outdated_fetch_that_rejects_still_escapes() {
    let mut h = Harness::signed_in(Adapter::WorkOsPr529Cd91e8a);
    h.expire_and_close_socket_1();
    // A new setAuth (new fetcher) makes the re-authentication's fetch #3 outdated.
    h.deliver(Msg::AdapterChanged(AdapterOutput {
        is_loading: false,
        is_authenticated: true,
        fetcher: 1,
    }));
    assert_eq!(h.tab.am.config_version, 4);
    assert!(!h.tab.uncaught_error);
    h.fetched(3, FetchResult::Rejected);
    assert!(h.tab.uncaught_error);
}

/// `onTransition` confirming a fresh token resets `tokenConfirmationAttempts` (and so
/// does `setAuthState` entering waitingForScheduledRefetch): every confirmed token
/// starts with the full `MAX_TOKEN_CONFIRMATION_ATTEMPTS`.
/// A re-authentication's fetch that settles after another continuation gave
/// up (noAuth) stores noAuth's missing config, `undefined`, with its token
/// (convex 1.49.0 `tryToReauthenticate`: `config: this.authState.config`):
/// nothing throws yet, and the token goes out. The server's next answer makes
/// the client read that config, and the TypeError escapes.
#[test]
fn a_fetch_that_settles_after_the_client_gave_up_stores_an_undefined_config() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    h.expire_and_close_socket_1();
    // Call 3, the re-authentication's forced fetch, is under way; another
    // continuation gives up meanwhile.
    h.tab.am.state = AmState::NoAuth;
    let sent = h.fetched(3, FetchResult::Token(T1));
    assert_eq!(sent, vec![(server_id(), Msg::WsOpen { socket: 2 })]);
    assert!(!h.tab.uncaught_error);
    assert_eq!(
        h.tab.am.state.name(),
        "waitingForServerConfirmationOfFreshToken"
    );
    assert!(h.tab.am.config_undefined);
    let sent = h.deliver_from_server(Msg::WsOpened { socket: 2 });
    assert!(sent.iter().any(|(_, m)| matches!(
        m,
        Msg::Authenticate {
            token: Some(T1),
            ..
        }
    )));
    // The server confirms the token: onTransition's notifyRefreshChange reads
    // the config and throws; nothing reaches the app.
    let ui = h.ui();
    h.deliver_from_server(Msg::Transition {
        socket: 2,
        start: 0,
        end: 1,
    });
    assert!(h.tab.uncaught_error);
    assert_eq!(
        h.tab.am.state.name(),
        "waitingForServerConfirmationOfFreshToken"
    );
    assert_eq!(h.ui(), ui);
}

#[test]
fn confirming_a_fresh_token_resets_the_confirmation_attempts() {
    const T2: Token = Token {
        serial: 2,
        iat: 1,
        exp: 3,
        user: User::A,
        new_key: false,
    };
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    h.expire_and_close_socket_1();
    h.fetched(3, FetchResult::Token(T1));
    h.deliver_from_server(Msg::WsOpened { socket: 2 });
    // The server rejects the fresh token: one confirmation attempt is spent.
    h.deliver_from_server(Msg::AuthError {
        socket: 2,
        base_version: 0,
        auth_update_attempted: Some(true),
        reason: AuthErrorReason::TokenExpired,
    });
    assert_eq!(h.tab.am.token_confirmation_attempts, 1);
    h.deliver_from_server(Msg::WsClosed { socket: 2 });
    h.fetched(4, FetchResult::Token(T2));
    assert_eq!(h.tab.am.token_confirmation_attempts, 1);
    h.deliver_from_server(Msg::WsOpened { socket: 3 });
    h.deliver_from_server(Msg::Transition {
        socket: 3,
        start: 0,
        end: 1,
    });
    assert_eq!(h.tab.am.state.name(), "waitingForScheduledRefetch");
    assert_eq!(h.tab.am.token_confirmation_attempts, 0);
}

/// `onAuthError` ignores an error about an identity version older than the one
/// before the client's latest Authenticate (`isCurrentOrNewerAuthVersion`).
#[test]
fn an_auth_error_about_an_older_identity_version_is_ignored() {
    let mut h = Harness::with_fresh_token();
    assert_eq!(h.tab.sync.identity_version, 2);
    let before = h.tab.clone();
    let sent = h.deliver_from_server(Msg::AuthError {
        socket: 1,
        base_version: 0,
        auth_update_attempted: Some(true),
        reason: AuthErrorReason::TokenExpired,
    });
    assert!(sent.is_empty(), "ignored: nothing sent, got {sent:?}");
    assert_eq!(h.tab.am, before.am);
    assert_eq!(h.tab.socket, before.socket);
}

/// After the FirstEffect's cleanup (sign-out), the AuthenticationManager still
/// holds that effect's callbacks; `isThisEffectRelevant` makes them no-ops.
#[test]
fn callbacks_of_an_unmounted_set_auth_are_ignored() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    h.deliver(Msg::AdapterChanged(AdapterOutput {
        is_loading: false,
        is_authenticated: false,
        fetcher: 0,
    }));
    assert_eq!(h.tab.provider.relevant, None);
    // An expiry error the server sent before it saw Authenticate{None}: the AM
    // re-authenticates and calls onRefreshChange(true) of the unmounted effect.
    h.deliver_from_server(Msg::AuthError {
        socket: 1,
        base_version: 1,
        auth_update_attempted: Some(false),
        reason: AuthErrorReason::IdentityExpired,
    });
    assert!(
        h.tab.am.last_refresh_change,
        "the AM did call onRefreshChange"
    );
    assert!(!h.tab.provider.refreshing);
    assert_eq!(h.tab.provider.convex_authenticated, Some(false));
}

/// A new `fetchAccessToken` while signed in: `setAuth` again on the ready socket.
/// The socket and LocalSyncState are paused meanwhile (the cached token's `setAuth`
/// does not bump `identityVersion`); `resume()` sends it with the next base version
/// and unpauses.
#[test]
fn a_new_fetcher_reauthenticates_on_the_same_socket_with_the_next_version() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    h.deliver(Msg::AdapterChanged(AdapterOutput {
        is_loading: false,
        is_authenticated: true,
        fetcher: 1,
    }));
    // LastEffect cleanup sent Authenticate{None} at version 1; now paused.
    assert_eq!(h.tab.sync.identity_version, 2);
    assert!(h.tab.sync.paused);
    let sent = h.fetched(3, FetchResult::Token(T0));
    assert_eq!(
        sent,
        vec![(
            server_id(),
            Msg::Authenticate {
                socket: 1,
                token: Some(T0),
                base_version: 2
            }
        )]
    );
    assert!(!h.tab.sync.paused);
    assert_eq!(h.tab.sync.identity_version, 3);
    assert_eq!(
        h.tab.socket.state,
        SocketState::Ready {
            socket: 1,
            paused: ReadyPause::No
        }
    );
}

/// `stop()` does not clear a pending reconnect backoff: its timer calls `connect()`,
/// which also connects a stopped socket.
#[test]
fn the_reconnect_timer_connects_even_a_stopped_socket() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    h.deliver_from_server(Msg::AuthError {
        socket: 1,
        base_version: 1,
        auth_update_attempted: Some(false),
        reason: AuthErrorReason::IdentityExpired,
    });
    assert_eq!(h.tab.socket.state, SocketState::Stopped);
    let mut out = Out::new();
    h.tab.on_timeout(&h.scenario, &Timer::Reconnect, &mut out);
    assert_eq!(sends(out), vec![(server_id(), Msg::WsOpen { socket: 2 })]);
    assert_eq!(
        h.tab.socket.state,
        SocketState::Connecting {
            socket: 2,
            paused: false
        }
    );
}

/// `<React.StrictMode>` on a signed-in mount: setAuth, its cleanup (clearAuth,
/// not sent while paused), setAuth again — two fetches; the first one's answer
/// comes back from an outdated config and changes nothing.
#[test]
fn strict_mode_mount_calls_set_auth_twice_and_drops_the_first_answer() {
    let scenario = loaded_page_with(App {
        strict_mode: true,
        ..App::default()
    });
    let (mut h, sent) = Harness::new(scenario);
    let fetches: Vec<(u8, bool)> = sent
        .iter()
        .filter_map(|(_, m)| match m {
            Msg::FetchToken { call, force } => Some((*call, *force)),
            _ => None,
        })
        .collect();
    assert_eq!(fetches, [(1, false), (2, false)]);
    assert!(
        !sent
            .iter()
            .any(|(_, m)| matches!(m, Msg::Authenticate { .. })),
        "the clearAuth in between is not sent: the socket is paused"
    );
    assert_eq!(h.tab.provider.relevant, Some(1), "the second setAuth's");
    assert!(h.fetched(1, FetchResult::Token(T0)).is_empty(), "outdated");
    assert_eq!(h.tab.am.state.name(), "noAuth");
    h.fetched(2, FetchResult::Token(T0));
    assert_eq!(
        h.tab.am.state.name(),
        "waitingForServerConfirmationOfCachedToken"
    );
}

/// `RequestManager.restart()`: an action in flight when a new socket opens fails
/// with "Connection lost"; one called while the socket cannot send waits and is
/// sent on the next open.
#[test]
fn a_new_socket_fails_the_action_in_flight_and_sends_a_waiting_one() {
    let (mut h, _) = Harness::new(loaded_page());
    h.deliver_from_server(Msg::WsOpened { socket: 1 });
    h.fetched(1, FetchResult::Token(T0));
    let sent = h.deliver(Msg::AppCallsAction);
    assert!(sent.iter().any(|(_, m)| *m == Msg::Action { socket: 1 }));
    assert_eq!(h.tab.action, ActionStatus::Requested);
    // The socket closes and a new one opens: the action is lost.
    h.deliver_from_server(Msg::WsClosed { socket: 1 });
    h.tab
        .on_timeout(&h.scenario.clone(), &Timer::Reconnect, &mut Out::new());
    h.deliver_from_server(Msg::WsOpened { socket: 2 });
    assert_eq!(h.tab.action, ActionStatus::Lost);
}

/// An app that holds the client (`app.auth_by = "app"`): no provider, so nothing
/// calls setAuth at mount; each `setAuth` the app makes starts a setConfig, and
/// every onChange it handed over keeps reporting (no relevance guard).
#[test]
fn an_app_holding_the_client_sets_auth_itself_and_every_callback_reports() {
    let scenario = loaded_page_with(App {
        auth_by: crate::config::AuthBy::App,
        set_auth_calls: 2,
        ..App::default()
    });
    let (mut h, sent) = Harness::new(scenario);
    assert!(!sent
        .iter()
        .any(|(_, m)| matches!(m, Msg::FetchToken { .. })));
    assert!(h.tab.provider.use_convex_auth().is_loading);
    let sent = h.deliver(Msg::AppSetsAuth);
    assert!(sent
        .iter()
        .any(|(_, m)| matches!(m, Msg::FetchToken { call: 1, .. })));
    h.deliver(Msg::AppSetsAuth);
    // The first setAuth's onChange still reports.
    h.tab.report_auth_change(0, true);
    assert!(h.tab.provider.use_convex_auth().is_authenticated);
}

/// `app.effects_after_paint`: the mount's effects wait for React's flush (a
/// message the tab sends itself); a render before it flushes them first.
#[test]
fn passive_effects_can_run_a_task_after_their_commit() {
    let scenario = loaded_page_with(App {
        effects_after_paint: true,
        ..App::default()
    });
    let (mut h, sent) = Harness::new(scenario);
    assert!(sent.iter().any(|(_, m)| *m == Msg::RunPassiveEffects));
    assert!(
        !sent
            .iter()
            .any(|(_, m)| matches!(m, Msg::FetchToken { .. })),
        "no setAuth yet"
    );
    assert_eq!(h.tab.pending_effects, PendingEffects::Mount);
    let sent = h.deliver(Msg::RunPassiveEffects);
    assert!(sent
        .iter()
        .any(|(_, m)| matches!(m, Msg::FetchToken { call: 1, .. })));
    assert_eq!(h.tab.pending_effects, PendingEffects::None);
    // A sign-out render commits at once; its cleanup (clearAuth) waits.
    let signed_out = AdapterOutput {
        is_loading: false,
        is_authenticated: false,
        fetcher: 1,
    };
    h.deliver(Msg::AdapterChanged(signed_out));
    assert!(!h.tab.provider.use_convex_auth().is_authenticated);
    assert_eq!(h.tab.pending_effects, PendingEffects::Update);
    assert!(
        h.tab.provider.relevant.is_some(),
        "the old effect is still mounted"
    );
    h.deliver(Msg::RunPassiveEffects);
    assert_eq!(h.tab.provider.relevant, None);
}

/// `app.effects_after_paint`, found by `fuzz` on the real client: while a
/// sign-out's cleanup waits, the client's onChange still reaches the provider
/// (its effect is still relevant) and sets its React state; React's next render
/// runs the pending cleanup first, so clearAuth goes out in the same step. A
/// callback that sets the state it already has renders nothing and runs nothing.
#[test]
fn a_client_state_change_flushes_pending_effects() {
    let scenario = loaded_page_with(App {
        effects_after_paint: true,
        ..App::default()
    });
    let (mut h, _) = Harness::new(scenario);
    h.deliver(Msg::RunPassiveEffects);
    let signed_out = AdapterOutput {
        is_loading: false,
        is_authenticated: false,
        fetcher: 1,
    };
    h.deliver(Msg::AdapterChanged(signed_out));
    assert_eq!(h.tab.pending_effects, PendingEffects::Update);
    let generation = h.tab.provider.relevant.expect("still mounted");
    // Any message of the tab's ends the macrotask in which a callback ran.
    let end_of_task = Msg::Visibility { hidden: false };
    // The state it already has (the signed-out render set it): nothing renders,
    // the cleanup still waits.
    h.tab.report_auth_change(generation, false);
    assert!(!h.tab.react_update);
    h.deliver(end_of_task.clone());
    assert_eq!(h.tab.pending_effects, PendingEffects::Update);
    // The confirmation's onChange(true): React renders, after the cleanup.
    h.tab.report_auth_change(generation, true);
    assert!(h.tab.react_update);
    h.deliver(end_of_task);
    assert_eq!(h.tab.pending_effects, PendingEffects::None);
    assert!(!h.tab.react_update);
    assert_eq!(h.tab.provider.relevant, None, "the cleanup ran");
}

/// 1.14.0 and 1.14.1 call setAuth in a layout effect, which React runs in the
/// commit: with `app.effects_after_paint` only the children's effects wait
/// (found by `fuzz`: the real 1.14.0 fetches at mount); from 1.14.3 on, the
/// provider's effects are passive and wait too.
#[test]
fn a_layout_effect_provider_sets_auth_in_its_commit() {
    for (client, fetches_at_commit) in [
        (ClientRelease::V1_13_2, false),
        (ClientRelease::V1_14_0, true),
        (ClientRelease::V1_14_1, true),
        (ClientRelease::V1_14_3, false),
        (ClientRelease::V1_49_0, false),
    ] {
        let app = App {
            effects_after_paint: true,
            ..App::default()
        };
        let (h, sent) = Harness::new(on_release(client, app));
        let fetched = sent
            .iter()
            .any(|(_, m)| matches!(m, Msg::FetchToken { call: 1, .. }));
        assert_eq!(fetched, fetches_at_commit, "{client}");
        assert_eq!(h.tab.pending_effects, PendingEffects::Mount, "{client}");
    }
}

// ---- release presets ---------------------------------------------------------------

fn on_release(client: ClientRelease, app: App) -> Scenario {
    Scenario {
        client,
        ..loaded_page_with(app)
    }
}

const T2: Token = Token {
    serial: 2,
    iat: 1,
    exp: 3,
    user: User::A,
    new_key: false,
};

/// ≤ 1.13.2 (before 27fe643): setConfig pauses nothing, so the socket stays
/// unpaused while the cached token is fetched; since 1.14.0 it is paused until
/// the token is sent. Either way the token reaches the server in the fetch's step
/// (at once, or by the resume that follows).
#[test]
fn before_27fe643_set_config_does_not_pause() {
    for client in [
        ClientRelease::V1_13_2,
        ClientRelease::V1_14_0,
        ClientRelease::V1_49_0,
    ] {
        let (mut h, _) = Harness::new(on_release(client, App::default()));
        h.deliver_from_server(Msg::WsOpened { socket: 1 });
        let paused = matches!(
            h.ready_pause(),
            Some(ReadyPause::Yes | ReadyPause::Uninitialized)
        );
        assert_eq!(
            paused,
            client != ClientRelease::V1_13_2,
            "{client}: paused while the cached token is fetched"
        );
        let sent = h.fetched(1, FetchResult::Token(T0));
        assert!(
            sent.iter()
                .any(|(_, m)| matches!(m, Msg::Authenticate { token: Some(_), .. })),
            "{client}: {sent:?}"
        );
    }
}

/// R0 (≤ 1.13.2): the provider's useEffect runs after its children's, so on a
/// socket that opened before the effects ran the query's subscription goes out
/// before setAuth (and nothing pauses); since R1 setAuth pauses first.
#[test]
fn before_r1_the_queries_subscribe_before_set_auth() {
    for (client, subscribed_unpaused) in [
        (ClientRelease::V1_13_2, true),
        (ClientRelease::V1_14_0, false),
        (ClientRelease::V1_49_0, false),
    ] {
        let app = App {
            effects_after_paint: true,
            ..App::default()
        };
        // What the tab sends from the mount on (1.14.0's layout effect calls
        // setAuth in the commit itself).
        let (mut h, mut sent) = Harness::new(on_release(client, app));
        sent.extend(h.deliver_from_server(Msg::WsOpened { socket: 1 }));
        sent.extend(h.deliver(Msg::RunPassiveEffects));
        let query = sent
            .iter()
            .position(|(_, m)| matches!(m, Msg::ModifyQuerySet { .. }));
        let fetch = sent
            .iter()
            .position(|(_, m)| matches!(m, Msg::FetchToken { .. }));
        assert!(fetch.is_some(), "{client}: setAuth ran");
        assert_eq!(query.is_some(), subscribed_unpaused, "{client}: {sent:?}");
        if let (Some(q), Some(f)) = (query, fetch) {
            assert!(q < f, "{client}: the subscription before setAuth");
        }
    }
}

/// R2 (1.14.0): a fetcher change's cleanup defers clearAuth to a
/// `setTimeout(…, 0)`, which runs in a later task; R3 and later clear at once.
#[test]
fn on_1_14_0_a_fetcher_change_clears_auth_in_a_later_task() {
    for (client, deferred) in [
        (ClientRelease::V1_14_0, true),
        (ClientRelease::V1_14_1, false),
        (ClientRelease::V1_49_0, false),
    ] {
        let (mut h, _) = Harness::new(on_release(client, App::default()));
        h.deliver_from_server(Msg::WsOpened { socket: 1 });
        h.fetched(1, FetchResult::Token(T0));
        let sent = h.change_fetcher();
        assert_eq!(
            sent.iter().any(|(_, m)| *m == Msg::DeferredClearAuth),
            deferred,
            "{client}"
        );
        if deferred {
            assert!(h.tab.sync.auth.is_some(), "not cleared yet");
            h.deliver(Msg::DeferredClearAuth);
            assert!(h.tab.sync.auth.is_none(), "cleared by the timer");
        }
    }
}

/// Before d661485 (≤ 1.20.0) an outdated initialRefetch leaves setConfig without
/// a resume: a setConfig whose forced fetch is outdated by a newer setAuth keeps
/// the socket paused. Since 1.21.0 setConfig resumes after both branches.
#[test]
fn before_d661485_an_outdated_initial_refetch_does_not_resume() {
    for (client, resumed) in [
        (ClientRelease::V1_20_0, false),
        (ClientRelease::V1_21_0, true),
    ] {
        let app = App {
            auth_by: crate::config::AuthBy::App,
            set_auth_calls: 2,
            ..App::default()
        };
        let (mut h, _) = Harness::new(on_release(client, app));
        h.deliver_from_server(Msg::WsOpened { socket: 1 });
        h.deliver(Msg::AppSetsAuth);
        h.fetched(1, FetchResult::Null); // initialRefetch: forced fetch call 2
        h.deliver(Msg::AppSetsAuth); // fetch call 3 outdates call 2
        h.fetched(2, FetchResult::Token(T1));
        let unpaused = h.ready_pause() == Some(ReadyPause::No);
        assert_eq!(unpaused, resumed, "{client}");
    }
}

/// Before d661485 a re-authentication ends with `restart()`, which throws when
/// something reconnected the socket meanwhile: here a second AuthError, delivered
/// on the closing socket (before 8902506), re-authenticated and reconnected first.
#[test]
fn before_d661485_restart_throws_when_the_socket_is_not_stopped() {
    for (client, throws) in [
        (ClientRelease::V1_20_0, true),
        (ClientRelease::V1_21_0, false),
    ] {
        let scenario = Scenario {
            adapter: Adapter::WorkOs003,
            ..on_release(client, App::default())
        };
        let mut h = Harness::confirmed_then_refetched(scenario, T0);
        let expired = Msg::AuthError {
            socket: 1,
            base_version: 1,
            auth_update_attempted: Some(false),
            reason: AuthErrorReason::IdentityExpired,
        };
        h.deliver_from_server(expired.clone()); // A: stop, awaits socket 1's close
        h.deliver_from_server(expired); // B: nothing to close, fetches at once (call 3)
        h.fetched(3, FetchResult::Token(T1)); // B reconnects: socket 2 connecting
        assert!(matches!(h.tab.socket.state, SocketState::Connecting { .. }));
        h.deliver_from_server(Msg::WsClosed { socket: 1 }); // A fetches (call 4)
        h.fetched(4, FetchResult::Token(T2));
        assert_eq!(h.tab.uncaught_error, throws, "{client}");
    }
}

/// Tokens that outlive setTimeout: before 489d8e5 (≤ 1.13.2) the delay overflows
/// and the refetch timer is due at once; since 1.14.0 it is capped and waits.
#[test]
fn before_489d8e5_a_long_lived_token_is_refetched_at_once() {
    for (client, at_once) in [
        (ClientRelease::V1_13_2, true),
        (ClientRelease::V1_14_0, false),
    ] {
        let mut scenario = on_release(client, App::default());
        scenario.bounds.tokens_outlive_timers = true;
        let h = Harness::confirmed_then_refetched(scenario, T1);
        let mut h = h;
        h.confirm_fresh_token();
        let due = match h.tab.am.state {
            AmState::WaitingForScheduledRefetch { refetch_due, .. } => refetch_due,
            other => panic!("{client}: {other:?}"),
        };
        assert_eq!(due == Some(h.tab.now), at_once, "{client}: due {due:?}");
    }
}

/// `initialAuthTokenReuse` (1.42.1): once the cached token is confirmed, its
/// refetch is scheduled from the time it has left instead of a forced fetch.
#[test]
fn initial_auth_token_reuse_schedules_instead_of_refetching() {
    for (reuse, forced) in [(false, true), (true, false)] {
        let mut scenario = loaded_page();
        scenario.switches.initial_auth_token_reuse = Some(reuse);
        let (mut h, _) = Harness::new(scenario);
        h.deliver_from_server(Msg::WsOpened { socket: 1 });
        h.fetched(1, FetchResult::Token(T0));
        let sent = h.deliver_from_server(Msg::Transition {
            socket: 1,
            start: 0,
            end: 1,
        });
        let fetched = sent
            .iter()
            .any(|(_, m)| matches!(m, Msg::FetchToken { force: true, .. }));
        assert_eq!(fetched, forced, "reuse {reuse}");
        if reuse {
            assert_eq!(h.tab.am.state.name(), "waitingForScheduledRefetch");
        }
    }
}

/// With `initialAuthTokenReuse` the time a confirmed cached token has left is
/// read on the server's clock (`exp - (Date.now() - clientClockSkew)`): a
/// server one tick ahead of the IdP's clock leaves it a tick less, and the
/// refetch is due a tick earlier.
#[test]
fn initial_auth_token_reuse_reads_the_time_left_on_the_servers_clock() {
    use crate::config::TokenRejection;
    let four_ticks = Token {
        serial: 0,
        iat: 0,
        exp: 4,
        user: User::A,
        new_key: false,
    };
    for (rejection, due) in [
        (TokenRejection::None, 3),
        (TokenRejection::ServerClockAhead, 2),
    ] {
        let mut scenario = loaded_page();
        scenario.switches.initial_auth_token_reuse = Some(true);
        scenario.faults.token_rejection = rejection;
        let (mut h, _) = Harness::new(scenario);
        h.deliver_from_server(Msg::WsOpened { socket: 1 });
        h.fetched(1, FetchResult::Token(four_ticks));
        h.deliver(Msg::Clock { now: 1 });
        h.deliver_from_server(Msg::Transition {
            socket: 1,
            start: 0,
            end: 1,
        });
        assert!(
            matches!(
                h.tab.am.state,
                AmState::WaitingForScheduledRefetch {
                    refetch_due: Some(d),
                    ..
                } if d == due
            ),
            "{rejection}: {:?}",
            h.tab.am.state
        );
    }
}

/// The options a release lacks are refused, naming the releases that have them.
#[test]
fn an_option_the_release_lacks_is_an_error() {
    let mut scenario = on_release(ClientRelease::V1_20_0, App::default());
    scenario.switches.expect_auth = Some(true);
    let err = scenario.check_release().unwrap_err();
    assert!(
        err.starts_with("scenario.switches.expect_auth: convex 1.20.0 has no such option (it came with 1.26.0); valid releases for it: 1.26.0, "),
        "{err}"
    );
    scenario.client = ClientRelease::V1_26_0;
    assert!(scenario.check_release().is_ok());
}

/// Before 85c04f1 (1.14.0–1.14.1) LocalSyncState bumps its identity version for
/// the Authenticate the paused socket drops, so resume sends a base the server
/// never saw (here 3 where the server is at 2); since 1.14.3 it sends 2.
#[test]
fn before_85c04f1_resume_sends_a_skewed_identity_version() {
    for (client, base) in [(ClientRelease::V1_14_1, 3), (ClientRelease::V1_14_3, 2)] {
        let scenario = Scenario {
            adapter: Adapter::WorkOs003,
            ..on_release(client, App::default())
        };
        let mut h = Harness::confirmed_then_refetched(scenario, T0);
        h.change_fetcher(); // clearAuth (base 1), then setAuth
        let sent = h.fetched(3, FetchResult::Token(T1));
        let resumed = sent.iter().find_map(|(_, m)| match m {
            Msg::Authenticate {
                token: Some(_),
                base_version,
                ..
            } => Some(*base_version),
            _ => None,
        });
        assert_eq!(resumed, Some(base), "{client}: {sent:?}");
    }
}

/// The clerk row is today's ConvexProviderWithClerk: on a release with an
/// earlier revision of it the check is refused, naming the releases it fits.
#[test]
fn the_clerk_row_is_refused_on_releases_with_an_older_clerk_adapter() {
    let mut scenario = Scenario {
        adapter: Adapter::Clerk,
        ..on_release(ClientRelease::V1_40_0, App::default())
    };
    let err = scenario.check_adapter().unwrap_err();
    assert!(
        err.starts_with("scenario.client: the clerk row is convex 1.49.0's"),
        "{err}"
    );
    assert!(
        err.contains("valid releases with adapter = \"clerk\": 1.42.2, 1.49.0"),
        "{err}"
    );
    scenario.client = ClientRelease::V1_42_2;
    assert!(scenario.check_adapter().is_ok());
}

/// A response to a mutation or an action the app never called is ignored
/// (`RequestManager` holds no such request): the model's server never sends
/// one, so only a hand-made message reaches these guards.
#[test]
fn a_response_to_a_request_never_made_is_ignored() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    assert_eq!(h.tab.mutation, MutationStatus::NotCalled);
    assert_eq!(h.tab.action, ActionStatus::NotCalled);
    let before = h.tab.clone();
    assert!(h
        .deliver_from_server(Msg::MutationResponse { socket: 1 })
        .is_empty());
    assert!(h
        .deliver_from_server(Msg::ActionResponse { socket: 1 })
        .is_empty());
    assert_eq!(h.tab, before);
}

/// The socket's state as reports and traces write it.
#[test]
fn the_socket_state_reads_as_reports_write_it() {
    let ready = |paused| SocketState::Ready { socket: 1, paused };
    assert_eq!(SocketState::Disconnected.to_string(), "disconnected");
    assert_eq!(
        SocketState::Connecting {
            socket: 2,
            paused: true
        }
        .to_string(),
        "connecting #2 (paused)"
    );
    assert_eq!(ready(ReadyPause::No).to_string(), "ready #1");
    assert_eq!(ready(ReadyPause::Yes).to_string(), "ready #1 (paused)");
    assert_eq!(SocketState::Stopped.to_string(), "stopped");
}

/// An app that holds the client calls `clearAuth`: the client drops its token
/// and tells the server (`Authenticate` with none), whatever the adapter shows;
/// and a re-render of the adapter reaches no provider, since none is mounted.
#[test]
fn an_app_holding_the_client_clears_auth_itself_and_ignores_the_adapter() {
    let scenario = loaded_page_with(App {
        auth_by: crate::config::AuthBy::App,
        set_auth_calls: 1,
        clear_auth_calls: 1,
        ..App::default()
    });
    let (mut h, _) = Harness::new(scenario);
    h.deliver(Msg::AppSetsAuth);
    h.deliver_from_server(Msg::WsOpened { socket: 1 });
    h.fetched(1, FetchResult::Token(T0));
    assert!(h.tab.sync.auth.is_some());
    let before = h.tab.clone();
    let sent = h.deliver(Msg::AdapterChanged(AdapterOutput {
        is_loading: false,
        is_authenticated: false,
        fetcher: 0,
    }));
    assert!(sent.is_empty());
    assert_eq!(h.tab, before);
    let sent = h.deliver(Msg::AppClearsAuth);
    assert!(sent.iter().any(|(_, m)| matches!(
        m,
        Msg::Authenticate {
            socket: 1,
            token: None,
            ..
        }
    )));
    assert!(h.tab.sync.auth.is_none());
}

/// `scheduleTokenRefetch` schedules nothing for a token that lives 2 s or
/// less (`exp - iat`), and the state stays where it was. Before 1.32 the leeway
/// is 2 s, so with `refetch_leeway = 1` a tick is 2 s and a token of one tick
/// is such a token: once the server confirms it, no refetch is due.
#[test]
fn a_token_of_two_seconds_schedules_no_refetch() {
    let on_1_27_4 = || Scenario {
        client: ClientRelease::V1_27_4,
        ..loaded_page()
    };
    assert_eq!(on_1_27_4().tick_ms(), 2000);
    let two_seconds = Token {
        serial: 1,
        iat: 1,
        exp: 2,
        user: User::A,
        new_key: false,
    };
    let mut h = Harness::confirmed_then_refetched(on_1_27_4(), two_seconds);
    assert_eq!(
        h.tab.am.state.name(),
        "waitingForServerConfirmationOfFreshToken"
    );
    h.confirm_fresh_token();
    assert_eq!(
        h.tab.am.state.name(),
        "waitingForServerConfirmationOfFreshToken"
    );
    // A token of two ticks (4 s) is scheduled, one tick before it expires.
    let four_seconds = Token {
        exp: 3,
        ..two_seconds
    };
    let mut h = Harness::confirmed_then_refetched(on_1_27_4(), four_seconds);
    h.confirm_fresh_token();
    assert!(matches!(
        h.tab.am.state,
        AmState::WaitingForScheduledRefetch {
            refetch_due: Some(1),
            ..
        }
    ));
}

/// An app that holds the client mounts no provider, whatever the release: on
/// 1.13.2, whose provider's effect ran after its children's, the mount still
/// leaves the client without auth until the app calls `setAuth`, and asks no
/// one for a token.
#[test]
fn an_app_holding_the_client_on_1_13_2_sets_no_auth_at_mount() {
    let scenario = Scenario {
        client: ClientRelease::V1_13_2,
        ..loaded_page_with(App {
            auth_by: crate::config::AuthBy::App,
            set_auth_calls: 1,
            ..App::default()
        })
    };
    assert!(!scenario
        .client
        .switches()
        .react_provider
        .set_auth_before_children());
    let (h, sent) = Harness::new(scenario);
    assert_eq!(h.tab.am.state.name(), "noAuth");
    assert!(!sent
        .iter()
        .any(|(_, m)| matches!(m, Msg::FetchToken { .. })));
}

// ---- query-set changes and requests around a pause -----------------------------------

impl Harness {
    /// Runs `step` on the tab in one step, as an event handler would; returns
    /// what it sent.
    fn step(&mut self, step: impl FnOnce(&mut Tab, &mut super::Ctx)) -> Vec<(Id, Msg)> {
        let mut out = Out::new();
        let mut cx = super::Ctx::new(&self.scenario, &mut out);
        step(&mut self.tab, &mut cx);
        sends(out)
    }
}

/// A query view that unmounts while LocalSyncState is paused (a second
/// `setConfig` fetching its token) sends nothing: the removal waits in the
/// pending query-set change, which the resume sends.
#[test]
fn a_query_removed_during_a_later_pause_waits_for_the_resume() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    h.tab.sync.pause();
    let sent = h.step(|tab, cx| tab.unsubscribe_query(cx));
    assert_eq!(sent, vec![]);
    assert!(h.tab.sync.pending_query_changes);
    assert_eq!(h.tab.sync.queries, 0);
}

/// Before 85c04f1 (1.14.0, 1.14.1) LocalSyncState has no pause of its own: a
/// query change made while `setConfig` has paused the open socket is dropped
/// by the socket, and marked pending so that the resume sends the set again.
#[test]
fn before_85c04f1_a_query_change_on_a_paused_socket_is_sent_again_at_resume() {
    let scenario = Scenario {
        adapter: Adapter::WorkOs003,
        ..on_release(ClientRelease::V1_14_0, App::default())
    };
    let mut h = Harness::confirmed_then_refetched(scenario, T0);
    h.change_fetcher();
    assert_eq!(h.ready_pause(), Some(ReadyPause::Yes));
    assert!(!h.tab.sync.paused, "1.14.0's LocalSyncState has no pause");
    let sent = h.step(|tab, cx| tab.subscribe_query(cx));
    assert_eq!(sent, vec![], "the paused socket sends nothing");
    assert!(h.tab.sync.pending_query_changes);
}

/// A resume is not a new socket: an action in flight stays in flight
/// (`RequestManager.resume()` sends only what was never sent); only a restart
/// on a new socket fails it with "Connection lost while action was in flight".
#[test]
fn a_resume_keeps_the_action_in_flight() {
    let mut h = Harness::signed_in(Adapter::WorkOs003);
    h.step(|tab, cx| tab.call_action(cx));
    assert_eq!(h.tab.action, ActionStatus::Requested);
    let sent = h.step(|tab, cx| tab.on_resume(cx));
    assert!(!sent.iter().any(|(_, m)| matches!(m, Msg::Action { .. })));
    assert_eq!(h.tab.action, ActionStatus::Requested);
    h.step(|tab, cx| tab.on_open(cx));
    assert_eq!(h.tab.action, ActionStatus::Lost);
}
