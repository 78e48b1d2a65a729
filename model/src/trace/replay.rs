//! From a model trace to a replay script for the conformance driver
//! (`conformance/driver.mjs`, the real `convex@1.49.0` client), and the comparison of
//! what the model predicts with what the client did.
//!
//! Every step of the tab becomes one or more driver steps; steps of the other
//! actors are the driver's business (its fake server and fetchAccessToken) and
//! become nothing. [`drive`] says, per [`Event`], which driver ops play it or why
//! none does. For each tab step the model predicts, and the driver reports:
//! the `fetchAccessToken` calls (with `forceRefreshToken`) and the `Authenticate`
//! messages sent (base version, token or None), then the AuthenticationManager's
//! state, the socket's state and `useConvexAuth()` after it.
//!
//! Time: one tick is the refetch leeway, 10 s. The driver's clock moves to
//! `tick × 10 s` on a clock step, and timers fire only when the model fires them.

use serde::Serialize;
use serde_json::{json, Value};
use stateright::actor::ActorModelAction;
use stateright::Model;

use crate::actors::browser::socket::ReadyPause;
use crate::actors::browser::{ActionStatus, SocketState};
use crate::actors::{browser_id, AdapterOutput, FetchResult, Msg, Settles, Tab, Token};
use crate::config::{AuthBy, ClientRelease, Scenario, SwitchOverrides};
use crate::engine::IndexPath;
use crate::events::Event;
use crate::model::AuthModel;
use crate::view::{in_flight, SystemAction, SystemState, View};

/// What the model says the client does in one step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Expectation {
    /// `fetchAccessToken` calls, by their `forceRefreshToken`.
    pub fetches: Vec<bool>,
    /// `Authenticate` messages sent: base version and token name (None: tokenType None).
    pub authenticates: Vec<(u64, Option<String>)>,
    /// `Mutation` messages sent.
    pub mutations: usize,
    /// `Action` messages sent.
    pub actions: usize,
    /// Whether the app's action failed with "Connection lost" in the step.
    pub action_lost: bool,
    /// Whether a rejection (or TypeError) escaped the AuthenticationManager.
    pub unhandled: bool,
    /// The AuthenticationManager's `authState.state` after the step.
    pub auth_state: String,
    /// `webSocketManager.socket.state` and `paused` after the step.
    pub socket: (String, Option<String>),
    /// `useConvexAuth()` after the step: isLoading, isAuthenticated, isRefreshing.
    pub use_convex_auth: (bool, bool, bool),
}

impl Expectation {
    /// This step's expectation and then `next`'s, as one step: what both send,
    /// and the state after `next`.
    fn followed_by(&self, next: Expectation) -> Expectation {
        let mut fetches = self.fetches.clone();
        fetches.extend(next.fetches);
        let mut authenticates = self.authenticates.clone();
        authenticates.extend(next.authenticates);
        Expectation {
            fetches,
            authenticates,
            mutations: self.mutations + next.mutations,
            actions: self.actions + next.actions,
            action_lost: self.action_lost || next.action_lost,
            unhandled: self.unhandled || next.unhandled,
            ..next
        }
    }
}

/// One model step and the driver steps it becomes.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedStep {
    /// The trace step (0: the initial state, i.e. the mount).
    pub trace_step: usize,
    pub event: String,
    /// How many driver steps it takes (0 for the mount).
    pub driver_steps: usize,
    pub expect: Expectation,
}

/// A trace made executable.
#[derive(Clone, Debug, Serialize)]
pub struct ReplayPlan {
    pub script: Value,
    pub steps: Vec<PlannedStep>,
}

fn token_name(t: &Token) -> String {
    format!("T{}", t.serial)
}

/// What the model predicts for the step from `before` (None: the mount) to
/// `after`; `uncaught` when an error escaped to the tab's runtime in it.
fn expectation(before: Option<&SystemState>, after: &SystemState, uncaught: bool) -> Expectation {
    let flows = |s: &SystemState| -> Vec<Msg> {
        in_flight(s)
            .into_iter()
            .filter(|(src, _, _)| *src == browser_id())
            .map(|(_, _, m)| m.clone())
            .collect()
    };
    // The tab's own messages are appended to its outgoing flows; nothing on them is
    // delivered during a tab step, so the new ones are the tail.
    let sent: Vec<Msg> = {
        let a = flows(after);
        match before {
            None => a,
            Some(b) => {
                let b = flows(b);
                let mut rest = a;
                for m in b {
                    if let Some(ix) = rest.iter().position(|x| *x == m) {
                        rest.remove(ix);
                    }
                }
                rest
            }
        }
    };
    let v = View::of(after);
    let ui = v.tab.provider.use_convex_auth();
    let socket = match v.tab.socket.state {
        SocketState::Disconnected => ("disconnected".to_string(), None),
        SocketState::Stopped => ("stopped".to_string(), None),
        SocketState::Connecting { paused, .. } => (
            "connecting".to_string(),
            Some(if paused { "yes" } else { "no" }.to_string()),
        ),
        SocketState::Ready { paused, .. } => (
            "ready".to_string(),
            Some(
                match paused {
                    ReadyPause::No => "no",
                    ReadyPause::Yes => "yes",
                    ReadyPause::Uninitialized => "uninitialized",
                }
                .to_string(),
            ),
        ),
    };
    Expectation {
        fetches: sent
            .iter()
            .filter_map(|m| match m {
                Msg::FetchToken { force, .. } => Some(*force),
                _ => None,
            })
            .collect(),
        authenticates: sent
            .iter()
            .filter_map(|m| match m {
                Msg::Authenticate {
                    token,
                    base_version,
                    ..
                } => Some((u64::from(*base_version), token.as_ref().map(token_name))),
                _ => None,
            })
            .collect(),
        mutations: sent
            .iter()
            .filter(|m| matches!(m, Msg::Mutation { .. }))
            .count(),
        actions: sent
            .iter()
            .filter(|m| matches!(m, Msg::Action { .. }))
            .count(),
        action_lost: v.tab.action == ActionStatus::Lost
            && !before.is_some_and(|b| View::of(b).tab.action == ActionStatus::Lost),
        unhandled: uncaught,
        auth_state: v.tab.am.state.name().to_string(),
        socket,
        use_convex_auth: (ui.is_loading, ui.is_authenticated, ui.is_refreshing),
    }
}

/// Whether an error escaped to the tab's runtime in the step `action` takes from
/// `before`: read from the actor system's own next state, before the model moves
/// that report into the history (a second unhandled rejection in a run is news
/// to the client, though not to the history's flag).
fn escaped_in_step(model: &AuthModel, before: &SystemState, action: &SystemAction) -> bool {
    model
        .system
        .next_state(before, action.clone())
        .is_some_and(|raw| View::of(&raw).tab.uncaught_error)
}

/// How the conformance driver plays an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drive {
    /// By these ops of `conformance/driver.mjs` (a step takes one or more of them,
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
        | Event::UserSignedIn
        | Event::AccountSwitched
        | Event::SessionSwitched
        | Event::IdpOutageStarts
        | Event::AppDecidesMutation
        | Event::AppDecidesAction
        | Event::AppDecidesQueryToggle
        | Event::AppDecidesSetAuth
        | Event::AppDecidesClearAuth
        | Event::IdpRequestStalls => Drive::NotDriven(DECIDED_BY_THE_ENVIRONMENT),
        Event::FetchAccessTokenHangs { .. } => Drive::Ops(&["fetchHang"]),
        Event::TimeReachesServer { .. }
        | Event::DataChangeReachesServer
        | Event::DropReachesServer
        | Event::WebSocketConnects { .. }
        | Event::ClientCloseReachesServer { .. }
        | Event::AuthenticateReceived { .. }
        | Event::ModifyQuerySetReceived { .. }
        | Event::MutationReceived { .. }
        | Event::ActionReceived { .. } => Drive::NotDriven(PLAYED_BY_THE_FAKE_SERVER),
        Event::TimeReachesIdp { .. }
        | Event::VisibilityReachesIdp { .. }
        | Event::SignOutReachesIdp
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
struct FetchOrder(Vec<u8>);

impl FetchOrder {
    fn of(states: &[(SystemState, Option<SystemAction>)]) -> FetchOrder {
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

/// The driver steps that play `event` on `tab` (the tab before the step); only
/// ops that [`drive`] names for it.
fn driver_steps(event: &Event, tab: &Tab, tick: u64, fetches: &FetchOrder) -> Vec<Value> {
    let fetch_index = |call: u8| fetches.index(call);
    let ws_index = |socket: u8| u64::from(socket) - 1;
    match *event {
        Event::TimeReachesTab { now } => {
            let advance = json!({"op": "advance", "toMs": u64::from(now) * tick});
            // A visible tab runs a due refetch before time moves on (Tab::on_clock).
            if !tab.hidden && tab.am.refetch_timer_armed(tab.now) {
                vec![json!({"op": "fireAuthRefetch"}), advance]
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
        } => vec![json!({
            "op": "provider",
            "isLoading": is_loading,
            "isAuthenticated": is_authenticated,
            "newFetcher": fetcher != tab.provider.inputs.fetcher,
        })],
        Event::FetchAccessTokenHangs { call, .. } => {
            vec![json!({"op": "fetchHang", "fetch": fetch_index(call)})]
        }
        Event::TokenFetched { call, result } => vec![match result {
            FetchResult::Token(t) => {
                json!({"op": "fetchResolve", "fetch": fetch_index(call), "token": token_name(&t)})
            }
            FetchResult::Null => {
                json!({"op": "fetchResolve", "fetch": fetch_index(call), "token": null})
            }
            FetchResult::Rejected => json!({"op": "fetchReject", "fetch": fetch_index(call)}),
        }],
        Event::WebSocketOpened { socket } if tab.socket.live_socket() == Some(socket) => {
            vec![json!({"op": "open"})]
        }
        Event::WebSocketClosed { socket } if tab.socket.closing.contains(&socket) => {
            vec![json!({"op": "closeAck", "ws": ws_index(socket)})]
        }
        Event::WebSocketClosed { socket } if tab.socket.live_socket() == Some(socket) => {
            vec![json!({"op": "serverClose", "ws": ws_index(socket)})]
        }
        Event::TransitionReceived { socket, start, end } if tab.socket.is_ready_on(socket) => {
            vec![json!({"op": "transition", "from": start, "to": end})]
        }
        Event::AuthErrorReceived {
            socket,
            base_version,
            attempted,
        } if tab.socket.is_ready_on(socket) => vec![json!({
            "op": "authError",
            "authUpdateAttempted": attempted,
            "baseVersion": base_version,
        })],
        Event::MutationResponseReceived { socket } if tab.socket.is_ready_on(socket) => {
            vec![json!({"op": "mutationResponse"})]
        }
        Event::ActionResponseReceived { socket } if tab.socket.is_ready_on(socket) => {
            vec![json!({"op": "actionResponse"})]
        }
        Event::AppCallsMutation => vec![json!({"op": "callMutation"})],
        Event::AppCallsSetAuth => vec![json!({"op": "setAuth"})],
        Event::AppCallsClearAuth => vec![json!({"op": "clearAuth"})],
        Event::DeferredClearAuthRuns => vec![json!({"op": "fireClearAuth"})],
        Event::PassiveEffectsRun => vec![json!({"op": "flushEffects"})],
        Event::AppCallsAction => vec![json!({"op": "callAction"})],
        Event::QueryComponentToggled { mounted: true } => vec![json!({"op": "mountQuery"})],
        Event::QueryComponentToggled { mounted: false } => vec![json!({"op": "unmountQuery"})],
        Event::ScheduledRefetchFired => vec![json!({"op": "fireAuthRefetch"})],
        Event::ReconnectTimerFired => vec![json!({"op": "fireReconnect"})],
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
        | Event::FetchAccessToken { .. }
        | Event::IdpAutoRefreshed
        | Event::IdpRefreshFailed { .. }
        | Event::IdpRefreshSucceeded { .. }
        | Event::AdapterRetryWaitEnds => Vec::new(),
    }
}

/// Whether every op of `steps` is one that [`drive`] names for `event`.
fn drives_as_declared(event: &Event, steps: &[Value]) -> bool {
    let declared: &[&str] = match drive(event) {
        Drive::Ops(ops) => ops,
        Drive::NotDriven(_) => &[],
    };
    steps
        .iter()
        .all(|s| s["op"].as_str().is_some_and(|op| declared.contains(&op)))
}

/// The harness pins convex@1.49.0 with its default switches. The backend's
/// switch is the driver's to play: its fake server sends what the model's does;
/// `expect_auth` is a constructor option of that release, which the driver
/// passes on; the proposal is 1.49.0 with its patch applied, which the harness
/// installs beside it.
fn check_replayable(scenario: &Scenario) -> Result<(), String> {
    let client_switches = SwitchOverrides {
        server_reports_auth_update_attempted: None,
        expect_auth: None,
        initial_auth_token_reuse: None,
        proposal_keep_trying: None,
        ..scenario.switches.clone()
    };
    if client_switches != SwitchOverrides::default() {
        return Err(format!(
            "the trace runs on convex@{} with switch overrides, which no release ships; the harness runs releases as published",
            scenario.client
        ));
    }
    if scenario.app.auth_by == AuthBy::App && scenario.app.query_toggles > 0 {
        return Err(
            "the app calls setAuth itself and a view mounts and unmounts its query: the harness drives such a client without React, and a view's query needs React's useQuery"
                .into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod replayable_tests {
    use super::*;

    /// A world the harness cannot drive is refused before anything runs, with
    /// the reason, never left to the driver (where it would read as a divergence).
    #[test]
    fn an_app_held_client_with_a_toggled_view_is_not_replayable() {
        let mut scenario = Scenario::default();
        scenario.app.auth_by = AuthBy::App;
        scenario.app.set_auth_calls = 1;
        scenario.app.query_toggles = 1;
        let why = check_replayable(&scenario).unwrap_err();
        assert!(why.contains("without React"), "{why}");
        scenario.app.query_toggles = 0;
        assert_eq!(check_replayable(&scenario), Ok(()));
        scenario.app.auth_by = AuthBy::Provider;
        scenario.app.set_auth_calls = 0;
        scenario.app.query_toggles = 1;
        assert_eq!(check_replayable(&scenario), Ok(()));
    }
}

/// A token's `iat` and `exp` in seconds and its subject, as the driver mints its
/// JWT. Over authkit-nextjs's token store (`real_sdk`) `exp` is a second earlier:
/// the store counts whole seconds and a token is "expiring" once
/// `exp < now + 30` strictly, where the model's IdP refreshes once
/// `now + buffer >= exp`; a second earlier makes the two agree at the boundary
/// and nowhere else (the client's refetch timer, the other reader of `exp`, is
/// fired by the model's step, not by its delay).
fn token_times(t: &Token, tick: u64, real_sdk: Option<&str>) -> Value {
    let early = u64::from(real_sdk == Some(REAL_AUTHKIT_NEXTJS_RECOMMENDED));
    json!({
        "iat": u64::from(t.iat) * tick / 1000,
        "exp": u64::from(t.exp) * tick / 1000 - early,
        "sub": subject(t.user),
    })
}

/// The driver's script: the tokens, the app, the client's options and the steps.
fn script(scenario: &Scenario, tokens: serde_json::Map<String, Value>, steps: Vec<Value>) -> Value {
    let tick = scenario.tick_ms();
    let initial = AdapterOutput::at_page_load(scenario.app.page_load);
    json!({
        "tokens": tokens,
        "initialAdapter": {
            "isLoading": initial.is_loading,
            "isAuthenticated": initial.is_authenticated,
        },
        "adapterCode": adapter_code(scenario),
        "queries": scenario.bounds.queries,
        "strictMode": scenario.app.strict_mode,
        "preloadedQuery": scenario.app.preloaded_query,
        "react": scenario.app.auth_by == AuthBy::Provider,
        "mutation": scenario.bounds.mutation,
        "manualCloseAck": true,
        // React schedules as it does in a browser; the driver runs its tasks
        // between the model's steps (conformance/driver.mjs, drainReact).
        "scheduling": "scheduler",
        // Passive effects wait for their own step (PassiveEffectsRun).
        "holdPassiveEffects": scenario.app.effects_after_paint,
        "convexPackage": scenario.npm_package(),
        "clientOptions": {
            "expectAuth": scenario.switches().expect_auth,
            "initialAuthTokenReuse": scenario.switches().initial_auth_token_reuse,
            "authRefreshTokenLeewaySeconds": u64::from(scenario.bounds.refetch_leeway) * tick / 1000,
        },
        "steps": steps,
    })
}

/// The properties the driver can judge on the real client as a run goes
/// (`conformance/monitors.mjs` says how, and why the others are not).
pub const MONITORABLE: [&str; 5] = ["flash", "zombie", "unhandled", "lost", "storm"];

/// The properties of `check` that the driver watches on the real client: those
/// the check expects to hold that [`MONITORABLE`] names.
pub fn monitored(check: &crate::check::CheckFile) -> Vec<&'static str> {
    MONITORABLE
        .into_iter()
        .filter(|p| check.expect.get(*p) == Some(&crate::check::Expected::Holds))
        .collect()
}

/// A user as the driver names them: the `sub` of their tokens, and who is signed
/// in for the monitors, which compare the two.
fn subject(user: crate::actors::User) -> String {
    format!("user{user}")
}

/// The facts of the world after a model step that the real-side monitors need:
/// who is signed in at the IdP, how many changes of user it has taken so far,
/// whether the app has been told of the latest, and whether the network has
/// dropped (`conformance/monitors.mjs`).
fn world_facts(state: &SystemState, user_changes: u32) -> Value {
    let v = View::of(state);
    json!({
        "session": v.token_provider.idp.store.session.map(subject),
        "userChanges": user_changes,
        "userChange": match v.history.user_change {
            crate::history::UserChangeNews::Settled => "settled",
            crate::history::UserChangeNews::Unseen => "unseen",
            crate::history::UserChangeNews::Told => "told",
        },
        "networkDropped": v.history.network_dropped,
    })
}

/// Builds the replay plan of `path`, or says why it cannot be replayed.
pub fn plan(model: &AuthModel, path: &IndexPath) -> Result<ReplayPlan, String> {
    plan_monitored(model, path, &[])
}

/// Builds the replay plan of `path` with the driver watching `monitors` (slugs of
/// [`MONITORABLE`]) on the real client, or says why it cannot be replayed.
pub fn plan_monitored(
    model: &AuthModel,
    path: &IndexPath,
    monitors: &[&str],
) -> Result<ReplayPlan, String> {
    let scenario = model.scenario();
    check_replayable(scenario)?;
    let real_sdk = adapter_code(scenario).filter(|c| REAL_SDKS.contains(c));
    let absolute = model.absolute();
    let mut states = path
        .replay(&absolute)
        .ok_or("the path does not replay on this model")?;
    if real_sdk.is_some() {
        // The real SDK settles a call in the macrotask of the call or of the
        // response: a path that stops before that answer is completed with the
        // steps the model cannot but take.
        while states.last().is_some_and(|(s, _)| call_unanswered(s)) {
            let last = states.last().expect("not empty").0.clone();
            let mut actions = Vec::new();
            absolute.actions(&last, &mut actions);
            let [only] = actions.as_slice() else { break };
            let Some(next) = absolute.next_state(&last, only.clone()) else {
                break;
            };
            states.last_mut().expect("not empty").1 = Some(only.clone());
            states.push((next, None));
        }
    }
    let tick = scenario.tick_ms();
    let mut tokens = serde_json::Map::new();
    let mut all_steps: Vec<Value> = Vec::new();
    let mut planned = vec![PlannedStep {
        trace_step: 0,
        event: "mount".into(),
        driver_steps: 0,
        expect: expectation(
            None,
            &states[0].0,
            View::of(&states[0].0).history.unhandled_rejection,
        ),
    }];
    let fetches = FetchOrder::of(&states);
    let mut user_changes = 0;
    for (i, window) in states.windows(2).enumerate() {
        let (before, action) = &window[0];
        let Some(action) = action else { continue };
        let event = Event::of(before, action);
        let after = &window[1].0;
        if matches!(
            event,
            Event::SignOutReachesIdp
                | Event::SignInReachesIdp { .. }
                | Event::AccountSwitchReachesIdp { .. }
        ) {
            user_changes += 1;
        }
        if real_sdk.is_some() && settles_at_once(action) {
            // The real SDK settled the fetch in the macrotask of the call or of the
            // response: the step that made the call, or answered the request,
            // already shows what this one does.
            let merged = planned.last_mut().expect("the mount comes first");
            merged.expect = merged.expect.followed_by(expectation(
                Some(before),
                after,
                escaped_in_step(model, before, action),
            ));
            continue;
        }
        let mut steps = match real_sdk {
            Some(code) => real_sdk_steps(code, &event, before, after, tick, &fetches)?,
            None => driver_steps(&event, View::of(before).tab, tick, &fetches),
        };
        if !monitors.is_empty() {
            for step in &mut steps {
                step["env"] = world_facts(after, user_changes);
            }
        }
        if real_sdk.is_some_and(over_token_store) {
            // The moment the model's IdP has seen: the token store tests a
            // token's expiry as of then (the model's IdP sees each tick in a step
            // of its own).
            let idp_now = u64::from(View::of(after).token_provider.idp.now) * tick;
            for step in &mut steps {
                step["idpNowMs"] = json!(idp_now);
            }
        }
        debug_assert!(
            real_sdk.is_some() || drives_as_declared(&event, &steps),
            "{event:?}: {steps:?}"
        );
        if steps.is_empty() {
            continue;
        }
        if real_sdk.is_some() {
            // The tokens the real SDK is handed.
            if let Some(t) = View::of(after).token_provider.idp.store.cached {
                tokens.insert(token_name(&t), token_times(&t, tick, real_sdk));
            }
        }
        if let Event::TokenFetched {
            result: FetchResult::Token(t),
            ..
        } = event
        {
            tokens.insert(token_name(&t), token_times(&t, tick, real_sdk));
        }
        planned.push(PlannedStep {
            trace_step: i + 1,
            event: super::in_words(&event).1,
            driver_steps: steps.len(),
            expect: expectation(
                Some(before),
                &window[1].0,
                escaped_in_step(model, before, action),
            ),
        });
        all_steps.extend(steps);
    }
    // Tokens the client may be handed before any appears in a fetch.
    if let Some(t) = View::of(&states[0].0).token_provider.idp.store.cached {
        tokens
            .entry(token_name(&t))
            .or_insert(token_times(&t, tick, real_sdk));
    }
    let mut script = script(scenario, tokens, all_steps);
    if !monitors.is_empty() {
        script["monitors"] = json!({
            "properties": monitors,
            "stormBound": scenario.bounds.storm_bound,
            "mountEnv": world_facts(&states[0].0, 0),
        });
    }
    if let Some(code) = real_sdk {
        let idp = &View::of(&states[0].0).token_provider.idp;
        if is_authkit(code) {
            script["workosSession"] = json!(scenario.app.page_load.signed_in());
        }
        // A page that comes with its session: the real SDK loads it during the mount
        // (at time 0, when the model's first token was minted).
        if !idp.loading && code != REAL_BETTER_AUTH {
            script["loadAtMount"] = json!({
                "op": load_op(code),
                "token": idp.store.cached.map(|t| token_name(&t)),
            });
        }
    }
    Ok(ReplayPlan {
        script,
        steps: planned,
    })
}

/// The adapter code the replays of this check run: the row's real code where the
/// driver can play every event the check's world has through it, otherwise None
/// (the fake adapter).
pub fn adapter_code(scenario: &Scenario) -> Option<&'static str> {
    let code = scenario.adapter_spec().replay_code?;
    if !REAL_SDKS.contains(&code) {
        return Some(code);
    }
    let package = scenario.npm_package();
    // The SDKs' adapters import convex 1.49.0 themselves: an older release's
    // (or the proposal's patched) hooks cannot see the provider they render.
    // The framework hooks' bundles import the run's convex
    // (conformance/authkit-server-actions.mjs), the proposal's among them.
    let runs_there = package == ClientRelease::V1_49_0.npm_package()
        || (over_token_store(code) && package == crate::config::PROPOSAL_PACKAGE);
    if !runs_there {
        return None;
    }
    let f = &scenario.faults;
    let b = &scenario.bounds;
    let tick = scenario.tick_ms();
    let unplayable = f.fetch_hangs > 0
        || f.sign_outs > 0
        || f.sign_ins > 0
        || f.account_switches > 0
        || f.session_switches > 0
        || f.idp_outages > 0
        || scenario.app.auth_by == AuthBy::App
        // The real SDKs render loading first and load the session after the
        // mount: a page whose provider mounts signed in, its effects run twice
        // by StrictMode, is not one they can show (Better Auth's session is the
        // driver's).
        || (scenario.app.strict_mode
            && !scenario.app.page_load.starts_loading()
            && code != REAL_BETTER_AUTH)
        // authkit-js refreshes a token 10 s before it expires: one tick.
        || (is_authkit(code) && u64::from(b.idp_refresh_buffer) * tick != 10_000)
        // authkit-nextjs's and TanStack Start's token stores: a token of 5
        // minutes or less is "expiring" 30 s before its expiry.
        || (over_token_store(code)
            && (u64::from(b.idp_refresh_buffer) * tick != 30_000
                || u64::from(b.token_lifetime) * tick > 300_000));
    (!unplayable).then_some(code)
}

/// The driver op that loads the real SDK's session (the page's, or at the end
/// of its load).
fn load_op(code: &str) -> &'static str {
    if is_authkit(code) {
        "workosLoad"
    } else if over_token_store(code) {
        "storeLoad"
    } else {
        "convexAuthLoad"
    }
}

/// `@convex-dev/workos` 0.0.3 over the real authkit-react / authkit-js, the WorkOS
/// API scripted (`conformance/workos.mjs`).
pub const REAL_AUTHKIT: &str = "@convex-dev/workos@0.0.3";

/// `@convex-dev/auth` 0.0.95's `ConvexAuthProvider`, its storage and backend
/// scripted (`conformance/convex-auth.mjs`).
pub const REAL_CONVEX_AUTH: &str = "@convex-dev/auth@0.0.95";

/// `@convex-dev/better-auth` 0.12.5's `ConvexBetterAuthProvider` over a fake Better
/// Auth client whose `/convex/token` requests the driver answers.
pub const REAL_BETTER_AUTH: &str = "@convex-dev/better-auth@0.12.5";

/// The adapters whose replays answer the SDK's requests rather than fetches: the
/// adapter's real code (and AuthKit's and Convex Auth's own SDK) settles each fetch
/// itself.
const REAL_SDKS: [&str; 6] = [
    REAL_AUTHKIT,
    REAL_AUTHKIT_RECOMMENDED,
    REAL_AUTHKIT_NEXTJS_RECOMMENDED,
    REAL_TANSTACK_START_RECOMMENDED,
    REAL_CONVEX_AUTH,
    REAL_BETTER_AUTH,
];

/// This project's recommended `ConvexProviderWithAuthKit`
/// (`fixes/workos/ConvexProviderWithAuthKit.tsx`, compiled by the harness) over
/// the real authkit-react / authkit-js, the WorkOS API scripted as for
/// [`REAL_AUTHKIT`].
pub const REAL_AUTHKIT_RECOMMENDED: &str = "fixes/workos";

/// This project's recommended hook for the Next.js template
/// (`fixes/authkit-nextjs/ConvexClientProvider.tsx`, bundled by the harness with
/// the real client side of authkit-nextjs 2.11.1, its Server Actions scripted:
/// `conformance/authkit-server-actions.mjs`).
pub const REAL_AUTHKIT_NEXTJS_RECOMMENDED: &str = "fixes/authkit-nextjs";

/// This project's recommended hook for the TanStack Start template
/// (`fixes/tanstack-start/useAuthFromWorkOS.tsx`, bundled by the harness with
/// the real client side of authkit-tanstack-react-start 0.11.1, its server
/// functions scripted: `conformance/authkit-server-actions.mjs`).
pub const REAL_TANSTACK_START_RECOMMENDED: &str = "fixes/tanstack-start";

/// Whether `code` runs over the real token store of authkit-nextjs or of
/// authkit-tanstack-react-start (their server functions scripted).
fn over_token_store(code: &str) -> bool {
    code == REAL_AUTHKIT_NEXTJS_RECOMMENDED || code == REAL_TANSTACK_START_RECOMMENDED
}

/// Whether `code` runs over the real authkit-react / authkit-js.
fn is_authkit(code: &str) -> bool {
    code == REAL_AUTHKIT || code == REAL_AUTHKIT_RECOMMENDED
}

/// Whether a `fetchAccessToken` call is on its way to the adapter, or an answer
/// that settles at once on its way back.
fn call_unanswered(state: &SystemState) -> bool {
    in_flight(state).into_iter().any(|(_, _, m)| {
        matches!(
            m,
            Msg::FetchToken { .. }
                | Msg::TokenFetched {
                    settles: Settles::InTheCall | Settles::InTheResponse,
                    ..
                }
        )
    })
}

/// Whether the step delivers an answer that settles the fetch in the macrotask of
/// the call (the SDK answered from memory) or of the IdP's response.
fn settles_at_once(action: &SystemAction) -> bool {
    matches!(
        action,
        ActorModelAction::Deliver {
            msg: Msg::TokenFetched {
                settles: Settles::InTheCall | Settles::InTheResponse,
                ..
            },
            ..
        }
    )
}

/// The driver steps of `event` when the IdP SDK's real code runs (`code`, one of
/// [`REAL_SDKS`]): the driver answers the SDK's requests as the model's IdP steps
/// say and fires the SDK's timers, and the adapter's real code settles each fetch.
/// Steps of the tab are as with the fake adapter, but for the adapter's own
/// outputs and answers.
fn real_sdk_steps(
    code: &str,
    event: &Event,
    before: &SystemState,
    after: &SystemState,
    tick: u64,
    fetches: &FetchOrder,
) -> Result<Vec<Value>, String> {
    let authkit = is_authkit(code);
    let tab = View::of(before).tab;
    // The SDK's token after the step, and the moment the model's SDK received it
    // (its `iat`): the driver answers as of then, whatever its clock reads, since
    // authkit-js dates a token's expiry from the moment the response arrives.
    let sdk_token = View::of(after).token_provider.idp.store.cached;
    let with_sdk_token = |op: &str| {
        let mut step = sdk_token.map_or(
            json!({"token": null}),
            |t| json!({"token": token_name(&t), "atMs": u64::from(t.iat) * tick}),
        );
        step["op"] = json!(op);
        step
    };
    let cannot = |what: &str| Err(format!("{code}: the real SDK cannot be made to {what}"));
    Ok(match *event {
        // Better Auth's client is a fake: its session follows the model's outputs.
        Event::AdapterRerendered { .. } if code == REAL_BETTER_AUTH => {
            driver_steps(event, tab, tick, fetches)
        }
        // The SDK finishes loading (authkit-react's createClient and its session
        // refresh; Convex Auth's storage read), and the provider re-renders.
        Event::AdapterRerendered { .. } if tab.provider.inputs.is_loading => {
            vec![with_sdk_token(load_op(code))]
        }
        Event::AdapterRerendered { .. } => return cannot("re-render as the model does here"),
        Event::IdpRefreshSucceeded { .. } => vec![with_sdk_token("idpAnswer")],
        Event::IdpRefreshFailed { .. } => vec![json!({"op": "idpFail"})],
        Event::AdapterRetryWaitEnds if code == REAL_CONVEX_AUTH => {
            vec![json!({"op": "convexAuthRetry"})]
        }
        // The recommended hooks' wait (their `sleep`) ends: in the model one
        // timer ends the wait of every fetch waiting for it, in the hook each
        // fetch sleeps on a timer of its own.
        Event::AdapterRetryWaitEnds
            if code == REAL_AUTHKIT_RECOMMENDED || over_token_store(code) =>
        {
            let waits = View::of(before).token_provider.retrying.len();
            vec![json!({"op": "hookRetry", "waits": waits})]
        }
        Event::IdpAutoRefreshed if authkit => vec![with_sdk_token("workosAutoRefresh")],
        // The refresh the wake listener started when the tab became visible
        // ends. The driver shows the tab now, and answers the request the
        // listener makes: a Convex fetch arriving in between would have joined
        // that request, and starts its own instead, which the driver answers
        // as the model says (the model clears the wake's refresh then). Convex
        // sees the same either way.
        Event::IdpAutoRefreshed
            if over_token_store(code) && View::of(before).token_provider.idp.wake_armed =>
        {
            vec![with_sdk_token("storeWake")]
        }
        // The token store's timer: TanStack's refreshes a short token 30 s
        // before its expiry; both retry 5 minutes after a failure.
        Event::IdpAutoRefreshed if over_token_store(code) => vec![with_sdk_token("storeTimer")],
        Event::AdapterRetryWaitEnds | Event::IdpAutoRefreshed => {
            return cannot("take this step of another SDK")
        }
        Event::TokenFetched { .. } => return cannot("settle a fetch in a later macrotask"),
        Event::FetchAccessTokenHangs { .. } => return cannot("stall a request for good"),
        _ => driver_steps(event, tab, tick, fetches),
    })
}

/// What the client did in one planned step, read from the driver's observations.
fn observed(observations: &[Value], from: usize, count: usize) -> Option<Expectation> {
    // Observation 0 is the mount; driver step k is observation k + 1.
    let slice: Vec<&Value> = if count == 0 {
        vec![observations.first()?]
    } else {
        (from..from + count)
            .map(|k| observations.get(k + 1))
            .collect::<Option<_>>()?
    };
    let mut fetches = Vec::new();
    let mut authenticates = Vec::new();
    let mut mutations = 0;
    let mut actions = 0;
    let mut action_lost = false;
    let mut unhandled = false;
    for o in &slice {
        for e in o["events"].as_array()? {
            match e["kind"].as_str()? {
                "fetchToken.call" => fetches.push(e["forceRefreshToken"].as_bool()?),
                "out" if e["type"] == "Mutation" => mutations += 1,
                "out" if e["type"] == "Action" => actions += 1,
                "action.failed" => {
                    action_lost = e["error"]
                        .as_str()
                        .is_some_and(|m| m.contains("Connection lost"))
                }
                "unhandledRejection" => unhandled = true,
                "out" if e["type"] == "Authenticate" => authenticates.push((
                    e["baseVersion"].as_u64()?,
                    e["token"].as_str().map(str::to_string),
                )),
                _ => {}
            }
        }
    }
    let state = &slice.last()?["state"];
    let ui = &state["useConvexAuth"];
    Some(Expectation {
        fetches,
        authenticates,
        mutations,
        actions,
        action_lost,
        unhandled,
        auth_state: state["auth"].as_str()?.to_string(),
        socket: (
            state["socket"].as_str()?.to_string(),
            state["paused"].as_str().map(str::to_string),
        ),
        use_convex_auth: (
            ui["isLoading"].as_bool()?,
            ui["isAuthenticated"].as_bool()?,
            ui["isRefreshing"].as_bool()?,
        ),
    })
}

/// Errors the client reported that the model never predicts, and properties the
/// real-side monitors saw broken: the first, with its observation's index
/// (0: the mount; driver step k is k + 1).
fn client_failures(observations: &[Value]) -> Option<(usize, String)> {
    for (k, o) in observations.iter().enumerate() {
        for e in o["events"].as_array().into_iter().flatten() {
            let kind = e["kind"].as_str().unwrap_or("");
            if kind == "client.threw" || kind.starts_with("driver.") {
                return Some((k, format!("{kind} {e}")));
            }
            if kind == "monitor.violated" {
                return Some((
                    k,
                    format!(
                        "{} on the real client: {}",
                        e["property"].as_str().unwrap_or("?").to_uppercase(),
                        e["detail"]
                            .as_str()
                            .and_then(|d| d.lines().next())
                            .unwrap_or("")
                    ),
                ));
            }
        }
    }
    None
}

/// The trace step whose driver steps include observation `k` (0: the mount).
fn trace_step_of_observation(plan: &ReplayPlan, k: usize) -> usize {
    let mut seen = 0;
    for step in &plan.steps {
        seen += step.driver_steps;
        if k <= seen {
            return step.trace_step;
        }
    }
    plan.steps.last().map_or(0, |s| s.trace_step)
}

/// The outcome of comparing a replay with the model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Comparison {
    Agrees,
    Diverges {
        trace_step: usize,
        event: String,
        model: String,
        client: String,
    },
}

impl std::fmt::Display for Comparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Comparison::Agrees => f.write_str("agrees"),
            Comparison::Diverges {
                trace_step,
                event,
                model,
                client,
            } => write!(
                f,
                "diverges at step {trace_step} ({event}): model said {model}, client did {client}"
            ),
        }
    }
}

/// Compares every planned step with the driver's observations.
pub fn compare(plan: &ReplayPlan, observations: &[Value]) -> Comparison {
    let mut driver_step = 0;
    for step in &plan.steps {
        let seen = observed(observations, driver_step, step.driver_steps);
        driver_step += step.driver_steps;
        let diverges = |client: String| Comparison::Diverges {
            trace_step: step.trace_step,
            event: step.event.clone(),
            model: format!("{:?}", step.expect),
            client,
        };
        match seen {
            None => return diverges("no readable observation".into()),
            Some(seen) if seen != step.expect => return diverges(format!("{seen:?}")),
            Some(_) => {}
        }
    }
    if let Some((k, what)) = client_failures(observations) {
        let trace_step = trace_step_of_observation(plan, k);
        let event = plan
            .steps
            .iter()
            .find(|s| s.trace_step == trace_step)
            .map_or_else(|| "driver".into(), |s| s.event.clone());
        return Comparison::Diverges {
            trace_step,
            event,
            model: "no error, every monitored property holds".into(),
            client: what,
        };
    }
    Comparison::Agrees
}
