//! Whole-system tests as named runs, in the manner of stateright's
//! `assert_discovery` and Quint's `run … .then(…)`: a run is a list of events from
//! the initial state of a check's scenario, each one step of the model. At each
//! step the run takes the enabled step whose event is the next one named; when no
//! enabled step is, the test fails and lists the events that were enabled.
//!
//! The #259 run is pinned twice: the engine's shortest STUCK counterexample must be
//! exactly its events, and walking those events must end where the issue says.

use std::path::Path;

use convex_auth_model::actors::{AuthErrorReason, FetchResult, Token, User};
use convex_auth_model::check::CheckFile;
use convex_auth_model::events::Event;
use convex_auth_model::model::{self, AuthModel, SystemState};
use convex_auth_model::sdks::FailureKind;
use convex_auth_model::view::{Observation, View};
use stateright::Model;

/// Each world is explored once per test run and shared by every test.
fn explore(check: &convex_auth_model::check::CheckFile) -> convex_auth_model::check::CheckResult {
    convex_auth_model::check::cache::run_shared(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
        check,
    )
}

fn load(check: &str) -> CheckFile {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../checks")
        .join(format!("{check}.toml"));
    CheckFile::load(&file).unwrap()
}

/// A run of the model, step by step, named by its events.
struct Run {
    model: AuthModel,
    state: SystemState,
    taken: Vec<Event>,
}

impl Run {
    /// The initial state of a check's scenario.
    fn of(check: &str) -> Run {
        // Events carry real times and token names: the absolute clock.
        let model = model::build(&load(check).scenario).absolute();
        let state = model.init_states().remove(0);
        Run {
            model,
            state,
            taken: Vec::new(),
        }
    }

    /// Takes the enabled step whose event is `event`.
    fn then(mut self, event: Event) -> Run {
        let mut actions = Vec::new();
        self.model.actions(&self.state, &mut actions);
        let enabled: Vec<Event> = actions.iter().map(|a| Event::of(&self.state, a)).collect();
        let next = actions
            .into_iter()
            .zip(&enabled)
            .filter(|(_, e)| **e == event)
            .find_map(|(a, _)| self.model.next_state(&self.state, a));
        match next {
            Some(state) => {
                self.state = state;
                self.taken.push(event);
                self
            }
            None => panic!(
                "after {} steps {:#?}\n{event:?} is not enabled; enabled are {enabled:#?}",
                self.taken.len(),
                self.taken
            ),
        }
    }

    /// Takes these steps in order.
    fn then_all(self, events: impl IntoIterator<Item = Event>) -> Run {
        events.into_iter().fold(self, Run::then)
    }

    fn observed(&self) -> Observation {
        Observation::of(&self.state)
    }
}

fn token(serial: u8, iat: u8, exp: u8) -> Token {
    Token {
        serial,
        iat,
        exp,
        user: User::A,
        new_key: false,
    }
}

/// `useConvexAuth()` as (isLoading, isAuthenticated, isRefreshing).
fn use_convex_auth(o: &Observation) -> (bool, bool, bool) {
    let ui = &o.use_convex_auth;
    (ui.is_loading, ui.is_authenticated, ui.is_refreshing)
}

/// Time advances to `now` and reaches the tab, then at once the IdP SDK that
/// runs in it, then the server.
fn time_reaches_everyone(now: u8) -> [Event; 4] {
    [
        Event::ClockTick,
        Event::TimeReachesTab { now },
        Event::TimeReachesIdp { now },
        Event::TimeReachesServer { now },
    ]
}

/// Page load to `{isAuthenticated:true}`: connect, fetch the cached token,
/// authenticate, subscribe, and the server's Transition confirms the identity.
/// Signed in on socket #1, the cached token T0 confirmed by a forced fetch that
/// returns the same T0 (the adapter ignores the force), then time up to T0's
/// expiry at 2.
fn confirmed_until_t0_expires() -> Vec<Event> {
    let t0 = token(0, 0, 2);
    let mut run = signed_in_on_socket_1();
    run.extend([
        Event::FetchAccessToken {
            call: 2,
            force: true,
        },
        Event::TokenFetched {
            call: 2,
            result: FetchResult::Token(t0),
        },
    ]);
    run.extend(time_reaches_everyone(1));
    run.extend(time_reaches_everyone(2));
    run
}

/// The mount's fetch is a cache hit (AuthKit has T0 in memory): it settles in the
/// macrotask of the call, before anything else happens.
fn signed_in_on_socket_1() -> Vec<Event> {
    let t0 = token(0, 0, 2);
    vec![
        Event::FetchAccessToken {
            call: 1,
            force: false,
        },
        Event::TokenFetched {
            call: 1,
            result: FetchResult::Token(t0),
        },
        Event::WebSocketConnects { socket: 1 },
        Event::WebSocketOpened { socket: 1 },
        Event::AuthenticateReceived {
            socket: 1,
            token: Some(t0),
            base_version: 0,
        },
        Event::ModifyQuerySetReceived {
            socket: 1,
            queries: 1,
        },
        Event::TransitionReceived {
            socket: 1,
            start: 0,
            end: 1,
        },
    ]
}

#[test]
fn the_page_load_reaches_authenticated() {
    let run = Run::of("happy-path").then_all(signed_in_on_socket_1());
    let o = run.observed();
    assert_eq!(use_convex_auth(&o), (false, true, false));
    assert!(o.server_identity.contains("T0"), "{}", o.server_identity);
}

#[test]
fn the_client_reauthenticates_with_authkits_fresh_token_after_an_expiry() {
    let t1 = token(1, 2, 4);
    let mut events = confirmed_until_t0_expires();
    events.extend([
        // T0 has expired: the server answers the data change with AuthError.
        Event::DataChanged,
        Event::DataChangeReachesServer,
        Event::AuthErrorReceived {
            socket: 1,
            base_version: 1,
            attempted: Some(false),
            reason: AuthErrorReason::IdentityExpired,
        },
        Event::ClientCloseReachesServer { socket: 1 },
        Event::WebSocketClosed { socket: 1 },
        // The forced fetch waits for AuthKit's refresh and gets its fresh token;
        // a new socket carries it.
        Event::FetchAccessToken {
            call: 3,
            force: true,
        },
        Event::IdpRefreshSucceeded { call: 3 },
        Event::TokenFetched {
            call: 3,
            result: FetchResult::Token(t1),
        },
        Event::WebSocketConnects { socket: 2 },
        Event::WebSocketOpened { socket: 2 },
        Event::AuthenticateReceived {
            socket: 2,
            token: Some(t1),
            base_version: 0,
        },
        Event::ModifyQuerySetReceived {
            socket: 2,
            queries: 1,
        },
        Event::TransitionReceived {
            socket: 2,
            start: 0,
            end: 1,
        },
    ]);
    let o = Run::of("happy-path").then_all(events).observed();
    assert_eq!(use_convex_auth(&o), (false, true, false));
    assert!(o.server_identity.contains("T1"), "{}", o.server_identity);
}

/// convex-js #184: after a network drop, a scheduled refetch and a
/// re-authentication race; the adapter ignores forceRefreshToken, so the
/// re-authentication's forced fetch gets the very token the refetch just got, and
/// the client takes the identical token for a sign-out.
#[test]
fn an_identical_token_from_a_forced_fetch_signs_the_client_out() {
    let t0 = token(0, 0, 2);
    let t1 = token(1, 1, 3);
    let t2 = token(2, 3, 5);
    let mut events = vec![
        // The mount's fetch is a cache hit: T0 at once.
        Event::FetchAccessToken {
            call: 1,
            force: false,
        },
        Event::TokenFetched {
            call: 1,
            result: FetchResult::Token(t0),
        },
        Event::WebSocketConnects { socket: 1 },
        Event::WebSocketOpened { socket: 1 },
        // The network drops the first socket; what the client sent on it reaches
        // a server that no longer listens.
        Event::NetworkDropped,
        Event::DropReachesServer,
        Event::WebSocketClosed { socket: 1 },
        Event::AuthenticateReceived {
            socket: 1,
            token: Some(t0),
            base_version: 0,
        },
        Event::ModifyQuerySetReceived {
            socket: 1,
            queries: 1,
        },
        Event::MutationReceived { socket: 1 },
    ];
    events.extend(time_reaches_everyone(1));
    events.extend([
        Event::ClockTick,
        Event::ReconnectTimerFired,
        Event::WebSocketConnects { socket: 2 },
        Event::WebSocketOpened { socket: 2 },
        Event::AuthenticateReceived {
            socket: 2,
            token: Some(t0),
            base_version: 0,
        },
        Event::ModifyQuerySetReceived {
            socket: 2,
            queries: 1,
        },
        Event::MutationReceived { socket: 2 },
        Event::TransitionReceived {
            socket: 2,
            start: 0,
            end: 1,
        },
        Event::FetchAccessToken {
            call: 2,
            force: true,
        },
        Event::MutationResponseReceived { socket: 2 },
        Event::TransitionReceived {
            socket: 2,
            start: 1,
            end: 1,
        },
        Event::IdpRefreshSucceeded { call: 2 },
        Event::TokenFetched {
            call: 2,
            result: FetchResult::Token(t1),
        },
        Event::AuthenticateReceived {
            socket: 2,
            token: Some(t1),
            base_version: 1,
        },
        Event::TimeReachesTab { now: 2 },
        Event::TimeReachesIdp { now: 2 },
        Event::TimeReachesServer { now: 2 },
        Event::TransitionReceived {
            socket: 2,
            start: 1,
            end: 2,
        },
    ]);
    events.extend(time_reaches_everyone(3));
    events.extend([
        // The scheduled refetch asks for a token …
        Event::ScheduledRefetchFired,
        Event::FetchAccessToken {
            call: 3,
            force: true,
        },
        // … while the server finds T1 expired.
        Event::DataChanged,
        Event::DataChangeReachesServer,
        Event::AuthErrorReceived {
            socket: 2,
            base_version: 2,
            attempted: Some(false),
            reason: AuthErrorReason::IdentityExpired,
        },
        Event::IdpRefreshSucceeded { call: 3 },
        Event::TokenFetched {
            call: 3,
            result: FetchResult::Token(t2),
        },
        Event::WebSocketClosed { socket: 2 },
        // The re-authentication's forced fetch gets T2 again.
        Event::FetchAccessToken {
            call: 4,
            force: true,
        },
        Event::TokenFetched {
            call: 4,
            result: FetchResult::Token(t2),
        },
    ]);
    let o = Run::of("workos-0.0.3-identical-token")
        .then_all(events)
        .observed();
    assert_eq!(use_convex_auth(&o), (false, false, false));
    assert_eq!(o.auth_manager, "noAuth");
    assert_eq!(o.idp, format!("user A signed in, token {t2}"));
}

/// Once T0 has expired: a data change makes the server re-run the queries and
/// answer AuthError; the client closes the socket and forces a fetch, whose IdP
/// refresh fails once.
fn expiry_error_then_a_failed_refresh() -> [Event; 6] {
    [
        Event::DataChanged,
        Event::DataChangeReachesServer,
        Event::AuthErrorReceived {
            socket: 1,
            base_version: 1,
            attempted: Some(false),
            reason: AuthErrorReason::IdentityExpired,
        },
        Event::WebSocketClosed { socket: 1 },
        Event::FetchAccessToken {
            call: 3,
            force: true,
        },
        Event::IdpRefreshFailed {
            call: 3,
            kind: FailureKind::NetworkError,
        },
    ]
}

/// convex-backend #259: the token expires, a data change makes the server answer
/// AuthError, the forced fetch's IdP refresh fails once, the adapter maps it to
/// null, and although AuthKit refreshes on its own a moment later nothing calls
/// setAuth again.
fn issue_259_stuck() -> Vec<Event> {
    let mut run = confirmed_until_t0_expires();
    run.push(Event::ClockTick);
    run.extend(expiry_error_then_a_failed_refresh());
    run.extend([
        // The adapter turns the failure into null in the response's macrotask:
        // the client signs out.
        Event::TokenFetched {
            call: 3,
            result: FetchResult::Null,
        },
        Event::ClientCloseReachesServer { socket: 1 },
        Event::WebSocketConnects { socket: 2 },
        Event::WebSocketOpened { socket: 2 },
        Event::ModifyQuerySetReceived {
            socket: 2,
            queries: 1,
        },
        Event::TimeReachesTab { now: 3 },
        Event::TimeReachesIdp { now: 3 },
        Event::TimeReachesServer { now: 3 },
        // AuthKit is healthy again, but nobody asks it.
        Event::IdpAutoRefreshed,
    ]);
    run
}

/// The #259 check's FLASH counterexample is exactly the #259 run up to the null
/// that signs the app out.
#[test]
fn the_259_flash_counterexample_is_exactly_these_events() {
    let check = load("workos-0.0.3-authkit-expiry");
    let result = explore(&check);
    let (_, path) = result
        .violations()
        .find(|(p, _)| p.slug == "flash")
        .expect("#259 violates FLASH");
    let states = path
        .replay(&model::build(&check.scenario).absolute())
        .unwrap();
    let events: Vec<Event> = states
        .windows(2)
        .map(|w| Event::of(&w[0].0, w[0].1.as_ref().unwrap()))
        .collect();
    // The shortest way: the data change comes as soon as T0 has expired (t = 2),
    // and the null before the old socket's close reaches the server.
    let mut story = confirmed_until_t0_expires();
    story.extend(expiry_error_then_a_failed_refresh());
    story.extend([Event::TokenFetched {
        call: 3,
        result: FetchResult::Null,
    }]);
    assert_eq!(events, story);
}

#[test]
fn the_259_run_ends_signed_out_while_authkit_has_a_fresh_token() {
    let run = Run::of("workos-0.0.3-authkit-expiry").then_all(issue_259_stuck());
    let o = run.observed();
    assert_eq!(use_convex_auth(&o), (false, false, false));
    assert_eq!(o.auth_manager, "noAuth");
    assert_eq!(o.idp, format!("user A signed in, token {}", token(1, 3, 5)));
    // Time runs on and AuthKit keeps refreshing, but in every run of the next
    // 30 steps (three ticks and more) nothing asks the adapter for a token again.
    let start = View::of(&run.state).environment.now;
    let mut seen = std::collections::HashSet::new();
    let mut frontier = vec![run.state.clone()];
    let mut latest = start;
    for _ in 0..30 {
        let mut next = Vec::new();
        let mut actions = Vec::new();
        for state in &frontier {
            actions.clear();
            run.model.actions(state, &mut actions);
            for a in actions.drain(..) {
                let event = Event::of(state, &a);
                assert!(
                    !matches!(event, Event::FetchAccessToken { .. }),
                    "a fetch after the null"
                );
                let s = run
                    .model
                    .next_state(state, a)
                    .expect("every step changes something");
                latest = latest.max(View::of(&s).environment.now);
                if seen.insert(s.clone()) {
                    next.push(s);
                }
            }
        }
        frontier = next;
    }
    assert!(latest >= start + 3, "time runs on: {start} → {latest}");
}

/// A cache hit settles in the macrotask of the call: right after the mount's
/// `fetchAccessToken` call, which AuthKit answers from memory, the only step the
/// model offers is that answer — no socket event, timer or tick comes between.
#[test]
fn nothing_happens_between_a_cache_hit_and_its_answer() {
    let run = Run::of("happy-path").then(Event::FetchAccessToken {
        call: 1,
        force: false,
    });
    let mut actions = Vec::new();
    run.model.actions(&run.state, &mut actions);
    let enabled: Vec<Event> = actions.iter().map(|a| Event::of(&run.state, a)).collect();
    assert_eq!(
        enabled,
        [Event::TokenFetched {
            call: 1,
            result: FetchResult::Token(token(0, 0, 2)),
        }]
    );
}

/// PR #529 waits 250 ms, then 500 ms before each retry: less than a tick. While
/// its wait runs other events may come between, but the clock may not move on.
#[test]
fn the_clock_waits_for_an_adapters_retry() {
    use convex_auth_model::actors::Timer;
    let m = model::build(&load("workos-pr529-transient-failure").scenario);
    let mut seen = std::collections::HashSet::new();
    let mut queue: std::collections::VecDeque<SystemState> = m.init_states().into();
    let (mut waiting, mut other_steps_while_waiting) = (0, 0);
    let mut actions = Vec::new();
    while let Some(state) = queue.pop_front() {
        if seen.len() > 30_000 {
            break;
        }
        let waits = state.timers_set[2]
            .iter()
            .any(|t| *t == Timer::AdapterRetry);
        actions.clear();
        m.actions(&state, &mut actions);
        if waits {
            waiting += 1;
            let events: Vec<Event> = actions.iter().map(|a| Event::of(&state, a)).collect();
            assert!(
                !events.contains(&Event::ClockTick),
                "the clock moved on during a retry wait"
            );
            // (A fetchAccessToken call in flight settles first, as it must.)
            let ends = usize::from(events.contains(&Event::AdapterRetryWaitEnds));
            other_steps_while_waiting += events.len() - ends;
        }
        for a in actions.drain(..) {
            if let Some(next) = m.next_state(&state, a) {
                if seen.insert(next.clone()) {
                    queue.push_back(next);
                }
            }
        }
    }
    assert!(waiting > 0, "a retry wait is reached");
    assert!(other_steps_while_waiting > 0, "other events come between");
}
