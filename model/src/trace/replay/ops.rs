//! The ops: how each model event becomes driver steps ([`Op`]s of
//! `conformance/driver.mjs`), with the fake adapter or with an IdP SDK's real code.

use super::protocol::{load_op, token_name, AdapterCode, IdpFailure, Op, SdkToken};
use crate::actors::{FetchResult, Tab};
use crate::config::Scenario;
use crate::events::Event;
use crate::sdks::{FailureKind, ProviderKind};
use crate::view::{SystemAction, SystemState, View};

/// How the conformance driver plays an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drive {
    /// By these ops of `conformance/driver.mjs` (their [`Op::name`]s) (a step takes one or more of them,
    /// as the tab's state before it requires; none for a message of an old socket,
    /// which the client ignores).
    Ops(&'static [&'static str]),
    /// Not driven, for this reason.
    NotDriven(&'static str),
}

const DECIDED_BY_THE_ENVIRONMENT: &str =
    "the environment decides it; the client sees it only when it reaches the tab, a later event";
const PLAYED_BY_THE_FAKE_SERVER: &str =
    "a server step: the driver's fake server sends what the model's server sent when that reaches the client";
const PLAYED_BY_THE_FAKE_ADAPTER: &str =
    "an IdP or adapter step: the driver settles each fetchAccessToken promise when the model's settles";

/// How the driver plays `event`: the tab's steps are driven, the other actors' are
/// the driver's business (its fake server and fetchAccessToken).
pub fn drive(event: &Event) -> Drive {
    match event {
        Event::TimeReachesTab { .. } => Drive::Ops(&["fireAuthRefetch", "advance"]),
        Event::AdapterRerendered { .. } => Drive::Ops(&["provider"]),
        Event::TokenFetched { .. } => Drive::Ops(&["fetchResolve", "fetchReject"]),
        Event::WebSocketOpened { .. } => Drive::Ops(&["open"]),
        Event::WebSocketClosed { .. } => Drive::Ops(&["closeAck", "serverClose"]),
        Event::TransitionReceived { .. } => Drive::Ops(&["transition"]),
        Event::AuthErrorReceived { .. } => Drive::Ops(&["authError"]),
        Event::MutationResponseReceived { .. } => Drive::Ops(&["mutationResponse"]),
        Event::ActionResponseReceived { .. } => Drive::Ops(&["actionResponse"]),
        Event::AppCallsMutation => Drive::Ops(&["callMutation"]),
        Event::AppCallsSetAuth => Drive::Ops(&["setAuth"]),
        Event::AppCallsClearAuth => Drive::Ops(&["clearAuth"]),
        Event::AppCallsAction => Drive::Ops(&["callAction"]),
        Event::QueryComponentToggled { .. } => Drive::Ops(&["mountQuery", "unmountQuery"]),
        Event::ScheduledRefetchFired => Drive::Ops(&["fireAuthRefetch"]),
        Event::ReconnectTimerFired => Drive::Ops(&["fireReconnect"]),
        Event::DeferredClearAuthRuns => Drive::Ops(&["fireClearAuth"]),
        Event::PassiveEffectsRun => Drive::Ops(&["flushEffects"]),
        Event::VisibilityReachesTab { .. } => Drive::NotDriven(
            "convex@1.49.0 does not read visibility; a hidden tab only fires its refetch timer late, and the driver fires timers when the model does",
        ),
        Event::ClockTick
        | Event::TabHidden
        | Event::TabShown
        | Event::DataChanged
        | Event::NetworkDropped
        | Event::UserSignedOut
        | Event::SessionEndsAtIdp
        | Event::UserSignedIn
        | Event::AccountSwitched
        | Event::SessionSwitched
        | Event::IdpOutageStarts
        | Event::AppDecidesMutation
        | Event::AppDecidesAction
        | Event::AppDecidesQueryToggle
        | Event::AppDecidesSetAuth
        | Event::AppDecidesClearAuth
        | Event::IdpRequestStalls
        | Event::SigningKeyRotates
        | Event::JwksCacheExpires => Drive::NotDriven(DECIDED_BY_THE_ENVIRONMENT),
        Event::FetchAccessTokenHangs { .. } => Drive::Ops(&["fetchHang"]),
        Event::TimeReachesServer { .. }
        | Event::DataChangeReachesServer
        | Event::DropReachesServer
        | Event::WebSocketConnects { .. }
        | Event::ClientCloseReachesServer { .. }
        | Event::AuthenticateReceived { .. }
        | Event::ModifyQuerySetReceived { .. }
        | Event::MutationReceived { .. }
        | Event::ActionReceived { .. }
        | Event::JwksRefetchReachesServer => Drive::NotDriven(PLAYED_BY_THE_FAKE_SERVER),
        Event::KeyRotationReachesIdp => Drive::NotDriven(
            "the IdP's signing key is the server's business alone: the client passes the token on unread, and the driver's fake server answers as the model's did",
        ),
        Event::TimeReachesIdp { .. }
        | Event::VisibilityReachesIdp { .. }
        | Event::SignOutReachesIdp
        | Event::SessionEndReachesIdp
        | Event::SignInReachesIdp { .. }
        | Event::AccountSwitchReachesIdp { .. }
        | Event::SessionSwitchReachesIdp
        | Event::OutageReachesIdp { .. }
        | Event::IdpLoaded
        | Event::StallReachesAdapter
        | Event::FetchAccessToken { .. }
        | Event::IdpAutoRefreshed
        | Event::IdpRefreshFailed { .. }
        | Event::IdpRefreshSucceeded { .. }
        | Event::AdapterRetryWaitEnds => Drive::NotDriven(PLAYED_BY_THE_FAKE_ADAPTER),
    }
}

/// The model's fetch calls in the order the driver numbers them: the order the
/// adapter is asked (`fetchAccessToken` calls reach it in the order they are
/// made). A call's id is the AuthenticationManager's `configVersion`, which
/// `stop()` also bumps (the proposal's `clearAuth`), so ids can skip.
pub(super) struct FetchOrder(Vec<u8>);

impl FetchOrder {
    pub(super) fn of(states: &[(SystemState, Option<SystemAction>)]) -> FetchOrder {
        FetchOrder(
            states
                .windows(2)
                .filter_map(|w| match w[0].1.as_ref().map(|a| Event::of(&w[0].0, a)) {
                    Some(
                        Event::FetchAccessToken { call, .. }
                        | Event::FetchAccessTokenHangs { call, .. },
                    ) => Some(call),
                    _ => None,
                })
                .collect(),
        )
    }

    /// The driver's index of call `call` (0 for the first fetch).
    fn index(&self, call: u8) -> u64 {
        let position = self.0.iter().position(|c| *c == call);
        position.map_or(u64::from(call).saturating_sub(1), |p| p as u64)
    }
}

/// The driver steps that play `event` on `tab` (the tab before the step), with
/// the server's error texts for `provider`; only ops that [`drive`] names for it.
pub(super) fn driver_steps(
    event: &Event,
    tab: &Tab,
    provider: ProviderKind,
    tick: u64,
    fetches: &FetchOrder,
) -> Vec<Op> {
    let fetch_index = |call: u8| fetches.index(call);
    let ws_index = |socket: u8| u64::from(socket) - 1;
    match *event {
        Event::TimeReachesTab { now } => {
            let advance = Op::Advance {
                to_ms: u64::from(now) * tick,
            };
            // A visible tab runs a due refetch before time moves on (Tab::on_clock).
            if !tab.hidden && tab.am.refetch_timer_armed(tab.now) {
                vec![Op::FireAuthRefetch, advance]
            } else {
                vec![advance]
            }
        }
        // An app that holds the client mounts no provider to re-render.
        Event::AdapterRerendered { .. } if tab.provider.held_by_app => Vec::new(),
        Event::AdapterRerendered {
            is_loading,
            is_authenticated,
            fetcher,
        } => vec![Op::Provider {
            is_loading,
            is_authenticated,
            new_fetcher: fetcher != tab.provider.inputs.fetcher,
        }],
        Event::FetchAccessTokenHangs { call, .. } => {
            vec![Op::FetchHang {
                fetch: fetch_index(call),
            }]
        }
        Event::TokenFetched { call, result } => vec![match result {
            FetchResult::Token(t) => Op::FetchResolve {
                fetch: fetch_index(call),
                token: Some(token_name(&t)),
            },
            FetchResult::Null => Op::FetchResolve {
                fetch: fetch_index(call),
                token: None,
            },
            FetchResult::Rejected => Op::FetchReject {
                fetch: fetch_index(call),
                error: None,
            },
        }],
        Event::WebSocketOpened { socket } if tab.socket.live_socket() == Some(socket) => {
            vec![Op::Open]
        }
        Event::WebSocketClosed { socket } if tab.socket.closing.contains(&socket) => {
            vec![Op::CloseAck {
                ws: ws_index(socket),
            }]
        }
        Event::WebSocketClosed { socket } if tab.socket.live_socket() == Some(socket) => {
            vec![Op::ServerClose {
                ws: ws_index(socket),
            }]
        }
        Event::TransitionReceived { socket, start, end } if tab.socket.is_ready_on(socket) => {
            vec![Op::Transition {
                from: start,
                to: end,
            }]
        }
        Event::AuthErrorReceived {
            socket,
            base_version,
            attempted,
            reason,
        } if tab.socket.is_ready_on(socket) => vec![Op::AuthError {
            auth_update_attempted: attempted,
            base_version,
            error: reason.message(provider).to_string(),
        }],
        Event::MutationResponseReceived { socket } if tab.socket.is_ready_on(socket) => {
            vec![Op::MutationResponse]
        }
        Event::ActionResponseReceived { socket } if tab.socket.is_ready_on(socket) => {
            vec![Op::ActionResponse]
        }
        Event::AppCallsMutation => vec![Op::CallMutation],
        Event::AppCallsSetAuth => vec![Op::SetAuth],
        Event::AppCallsClearAuth => vec![Op::ClearAuth],
        Event::DeferredClearAuthRuns => vec![Op::FireClearAuth],
        Event::PassiveEffectsRun => vec![Op::FlushEffects],
        Event::AppCallsAction => vec![Op::CallAction],
        Event::QueryComponentToggled { mounted: true } => vec![Op::MountQuery],
        Event::QueryComponentToggled { mounted: false } => vec![Op::UnmountQuery],
        Event::ScheduledRefetchFired => vec![Op::FireAuthRefetch],
        Event::ReconnectTimerFired => vec![Op::FireReconnect],
        // Messages of a socket the client no longer listens to.
        Event::WebSocketOpened { .. }
        | Event::WebSocketClosed { .. }
        | Event::TransitionReceived { .. }
        | Event::AuthErrorReceived { .. }
        | Event::MutationResponseReceived { .. }
        | Event::ActionResponseReceived { .. } => Vec::new(),
        // Not driven (see `drive`).
        Event::VisibilityReachesTab { .. }
        | Event::ClockTick
        | Event::TabHidden
        | Event::TabShown
        | Event::DataChanged
        | Event::NetworkDropped
        | Event::UserSignedOut
        | Event::SessionEndsAtIdp
        | Event::UserSignedIn
        | Event::AccountSwitched
        | Event::SessionSwitched
        | Event::IdpRequestStalls
        | Event::StallReachesAdapter
        | Event::SignInReachesIdp { .. }
        | Event::AccountSwitchReachesIdp { .. }
        | Event::SessionSwitchReachesIdp
        | Event::OutageReachesIdp { .. }
        | Event::IdpOutageStarts
        | Event::AppDecidesMutation
        | Event::AppDecidesAction
        | Event::AppDecidesQueryToggle
        | Event::AppDecidesSetAuth
        | Event::AppDecidesClearAuth
        | Event::ActionReceived { .. }
        | Event::IdpLoaded
        | Event::TimeReachesServer { .. }
        | Event::DataChangeReachesServer
        | Event::DropReachesServer
        | Event::WebSocketConnects { .. }
        | Event::ClientCloseReachesServer { .. }
        | Event::AuthenticateReceived { .. }
        | Event::ModifyQuerySetReceived { .. }
        | Event::MutationReceived { .. }
        | Event::TimeReachesIdp { .. }
        | Event::VisibilityReachesIdp { .. }
        | Event::SignOutReachesIdp
        | Event::SessionEndReachesIdp
        | Event::FetchAccessToken { .. }
        | Event::IdpAutoRefreshed
        | Event::IdpRefreshFailed { .. }
        | Event::IdpRefreshSucceeded { .. }
        | Event::AdapterRetryWaitEnds
        | Event::SigningKeyRotates
        | Event::JwksCacheExpires
        | Event::KeyRotationReachesIdp
        | Event::JwksRefetchReachesServer => Vec::new(),
    }
}

/// Whether every op of `steps` is one that [`drive`] names for `event`.
pub(super) fn drives_as_declared(event: &Event, steps: &[Op]) -> bool {
    let declared: &[&str] = match drive(event) {
        Drive::Ops(ops) => ops,
        Drive::NotDriven(_) => &[],
    };
    steps.iter().all(|s| declared.contains(&s.name()))
}

/// The driver steps of `event` when the IdP SDK's real code runs (`code`, one whose
/// [`AdapterCode::runs_real_sdk`]): the driver answers the SDK's requests as the model's IdP steps
/// say and fires the SDK's timers, and the adapter's real code settles each fetch.
/// Steps of the tab are as with the fake adapter, but for the adapter's own
/// outputs and answers.
pub(super) fn real_sdk_steps(
    code: AdapterCode,
    event: &Event,
    before: &SystemState,
    after: &SystemState,
    tick: u64,
    fetches: &FetchOrder,
    scenario: &Scenario,
) -> Result<Vec<Op>, String> {
    let authkit = code.is_authkit();
    let tab = View::of(before).tab;
    // The SDK's token after the step, and the moment the model's SDK received it
    // (its `iat`): the driver answers as of then, whatever its clock reads, since
    // authkit-js dates a token's expiry from the moment the response arrives.
    let sdk_token = View::of(after).token_provider.idp.store.cached;
    let with_sdk_token = || SdkToken {
        token: sdk_token.map(|t| token_name(&t)),
        at_ms: sdk_token.map(|t| u64::from(t.iat) * tick),
    };
    let cannot = |what: &str| Err(format!("{code}: the real SDK cannot be made to {what}"));
    Ok(match *event {
        // Better Auth's client is a fake: its session follows the model's outputs.
        Event::AdapterRerendered { .. } if code == AdapterCode::BetterAuth => {
            driver_steps(event, tab, View::of(before).server.provider, tick, fetches)
        }
        // The SDK finishes loading (authkit-react's createClient and its session
        // refresh; Convex Auth's storage read), and the provider re-renders.
        // authkit-js's refresh at load, WorkOS refusing a session that ended
        // meanwhile: the SDK loaded no user.
        Event::AdapterRerendered { .. }
            if tab.provider.inputs.is_loading
                && authkit
                && View::of(after).token_provider.idp.store.ended_at_idp
                && !View::of(after).token_provider.idp.store.session_alive() =>
        {
            vec![
                load_op(code, with_sdk_token()),
                Op::IdpFail(IdpFailure {
                    kind: FailureKind::SessionEnded,
                    no_user: false,
                }),
            ]
        }
        Event::AdapterRerendered { .. } if tab.provider.inputs.is_loading => {
            vec![load_op(code, with_sdk_token())]
        }
        Event::AdapterRerendered { .. } => return cannot("re-render as the model does here"),
        Event::IdpRefreshSucceeded { .. } => vec![Op::IdpAnswer(with_sdk_token())],
        Event::IdpRefreshFailed { kind, .. } => vec![Op::IdpFail(IdpFailure {
            kind,
            no_user: View::of(before)
                .token_provider
                .idp
                .server_answers_no_user(scenario),
        })],
        Event::AdapterRetryWaitEnds if code == AdapterCode::ConvexAuth => {
            vec![Op::ConvexAuthRetry]
        }
        // The recommended hooks' wait (their `sleep`) ends: in the model one
        // timer ends the wait of every fetch waiting for it, in the hook each
        // fetch sleeps on a timer of its own.
        Event::AdapterRetryWaitEnds
            if code == AdapterCode::RecommendedWorkos || code.over_token_store() =>
        {
            let waits = View::of(before).token_provider.retrying.len();
            vec![Op::HookRetry { waits }]
        }
        Event::IdpAutoRefreshed if authkit => vec![Op::WorkosAutoRefresh(with_sdk_token())],
        // The refresh the wake listener started when the tab became visible
        // ends. The driver shows the tab now, and answers the request the
        // listener makes: a Convex fetch arriving in between would have joined
        // that request, and starts its own instead, which the driver answers
        // as the model says (the model clears the wake's refresh then). Convex
        // sees the same either way.
        Event::IdpAutoRefreshed
            if code.over_token_store() && View::of(before).token_provider.idp.wake_armed =>
        {
            vec![Op::StoreWake(with_sdk_token())]
        }
        // The token store's timer: TanStack's refreshes a short token 30 s
        // before its expiry; both retry 5 minutes after a failure.
        Event::IdpAutoRefreshed if code.over_token_store() => {
            vec![Op::StoreTimer(with_sdk_token())]
        }
        Event::AdapterRetryWaitEnds | Event::IdpAutoRefreshed => {
            return cannot("take this step of another SDK")
        }
        // The session ends at WorkOS: nothing in the browser changes; the
        // next refresh the driver answers says so.
        Event::SessionEndsAtIdp | Event::SessionEndReachesIdp => vec![],
        Event::TokenFetched { .. } => return cannot("settle a fetch in a later macrotask"),
        Event::FetchAccessTokenHangs { .. } => return cannot("stall a request for good"),
        _ => driver_steps(event, tab, View::of(before).server.provider, tick, fetches),
    })
}
