//! From a model trace to a replay script for the conformance driver
//! (`conformance/driver.mjs`, the real `convex@1.49.0` client), and the comparison of
//! what the model predicts with what the client did.
//!
//! Every step of the tab becomes one or more driver steps; steps of the other
//! actors are the driver's business (its fake server and fetchAccessToken) and
//! become nothing. For each tab step the model predicts, and the driver reports:
//! the `fetchAccessToken` calls (with `forceRefreshToken`) and the `Authenticate`
//! messages sent (base version, token or None), then the AuthenticationManager's
//! state, the socket's state and `useConvexAuth()` after it.
//!
//! Time: one tick is the refetch leeway, 10 s. The driver's clock moves to
//! `tick × 10 s` on a clock step, and timers fire only when the model fires them.


use serde::Serialize;
use serde_json::{json, Value};
use stateright::actor::ActorModelAction;

use crate::actors::browser::socket::ReadyPause;
use crate::actors::browser::SocketState;
use crate::actors::{browser_id, FetchResult, Msg, Timer, Token};
use crate::config::{ClientRelease, Scenario, SwitchOverrides};
use crate::engine::IndexPath;
use crate::model::AuthModel;
use crate::view::{in_flight, SystemState, View};

/// What the model says the client does in one step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Expectation {
    /// `fetchAccessToken` calls, by their `forceRefreshToken`.
    pub fetches: Vec<bool>,
    /// `Authenticate` messages sent: base version and token name (None: tokenType None).
    pub authenticates: Vec<(u64, Option<String>)>,
    /// `Mutation` messages sent.
    pub mutations: usize,
    /// Whether a rejection (or TypeError) escaped the AuthenticationManager.
    pub unhandled: bool,
    /// The AuthenticationManager's `authState.state` after the step.
    pub auth_state: String,
    /// `webSocketManager.socket.state` and `paused` after the step.
    pub socket: (String, Option<String>),
    /// `useConvexAuth()` after the step: isLoading, isAuthenticated, isRefreshing.
    pub use_convex_auth: (bool, bool, bool),
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

/// Milliseconds per tick: the leeway is 10 s.
fn tick_ms(scenario: &Scenario) -> u64 {
    10_000 / u64::from(scenario.bounds.refetch_leeway.max(1))
}

fn token_name(t: &Token) -> String {
    format!("T{}", t.serial)
}

fn expectation(before: Option<&SystemState>, after: &SystemState) -> Expectation {
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
        unhandled: v.tab.notes.unhandled_rejection
            && !before.is_some_and(|b| View::of(b).tab.notes.unhandled_rejection),
        auth_state: v.tab.am.state.name().to_string(),
        socket,
        use_convex_auth: (ui.is_loading, ui.is_authenticated, ui.is_refreshing),
    }
}

/// Builds the replay plan of `path`, or says why it cannot be replayed.
pub fn plan(model: &AuthModel, path: &IndexPath) -> Result<ReplayPlan, String> {
    let scenario = model.scenario();
    if scenario.client != ClientRelease::V1_49_0 || scenario.switches != SwitchOverrides::default()
    {
        return Err(format!(
            "the trace runs on convex@{}{}, but the conformance harness pins convex@1.49.0 with its default switches",
            scenario.client,
            if scenario.switches == SwitchOverrides::default() {
                ""
            } else {
                " with switch overrides"
            }
        ));
    }
    let states = path
        .replay(model)
        .ok_or("the path does not replay on this model")?;
    let tick = tick_ms(scenario);
    let mut tokens = serde_json::Map::new();
    let mut driver_steps: Vec<Value> = Vec::new();
    let mut planned = vec![PlannedStep {
        trace_step: 0,
        event: "mount".into(),
        driver_steps: 0,
        expect: expectation(None, &states[0].0),
    }];
    for (i, window) in states.windows(2).enumerate() {
        let (before, action) = &window[0];
        let after = &window[1].0;
        let Some(action) = action else { continue };
        let tab = View::of(before).tab;
        let mut ops: Vec<Value> = Vec::new();
        match action {
            ActorModelAction::Deliver { dst, msg, .. } if *dst == browser_id() => match msg {
                Msg::Clock { now } => {
                    if !tab.hidden && tab.am.refetch_timer_armed(tab.now) {
                        ops.push(json!({"op": "fireAuthRefetch"}));
                    }
                    ops.push(json!({"op": "advance", "toMs": u64::from(*now) * tick}));
                }
                Msg::Visibility { .. } => {}
                Msg::AdapterChanged(o) => ops.push(json!({
                    "op": "provider",
                    "isLoading": o.is_loading,
                    "isAuthenticated": o.is_authenticated,
                    "newFetcher": o.fetcher != tab.provider.inputs.fetcher,
                })),
                Msg::TokenFetched { call, result } => {
                    let fetch = u64::from(*call) - 1;
                    ops.push(match result {
                        FetchResult::Token(t) => {
                            tokens.insert(
                                token_name(t),
                                json!({"iat": u64::from(t.iat) * tick / 1000, "exp": u64::from(t.exp) * tick / 1000}),
                            );
                            json!({"op": "fetchResolve", "fetch": fetch, "token": token_name(t)})
                        }
                        FetchResult::Null => json!({"op": "fetchResolve", "fetch": fetch, "token": null}),
                        FetchResult::Rejected => json!({"op": "fetchReject", "fetch": fetch}),
                    });
                }
                Msg::WsOpened { socket } if tab.socket.live_socket() == Some(*socket) => {
                    ops.push(json!({"op": "open"}));
                }
                Msg::WsClosed { socket } => {
                    let ws = u64::from(*socket) - 1;
                    if tab.socket.closing.contains(socket) {
                        ops.push(json!({"op": "closeAck", "ws": ws}));
                    } else if tab.socket.live_socket() == Some(*socket) {
                        ops.push(json!({"op": "serverClose", "ws": ws}));
                    }
                }
                Msg::Transition { socket, start, end } if tab.socket.is_ready_on(*socket) => {
                    ops.push(json!({"op": "transition", "from": start, "to": end}));
                }
                Msg::AuthError {
                    socket,
                    base_version,
                    auth_update_attempted,
                } if tab.socket.is_ready_on(*socket) => ops.push(json!({
                    "op": "authError",
                    "authUpdateAttempted": auth_update_attempted,
                    "baseVersion": base_version,
                })),
                Msg::MutationResponse { socket } if tab.socket.is_ready_on(*socket) => {
                    ops.push(json!({"op": "mutationResponse"}));
                }
                _ => {}
            },
            ActorModelAction::Timeout(id, Timer::ScheduledRefetch) if *id == browser_id() => {
                ops.push(json!({"op": "fireAuthRefetch"}));
            }
            ActorModelAction::Timeout(id, Timer::Reconnect) if *id == browser_id() => {
                ops.push(json!({"op": "fireReconnect"}));
            }
            _ => {}
        }
        if ops.is_empty() {
            continue;
        }
        let (_, event) = super::describe_action(before, action);
        planned.push(PlannedStep {
            trace_step: i + 1,
            event,
            driver_steps: ops.len(),
            expect: expectation(Some(before), after),
        });
        driver_steps.extend(ops);
    }
    // Tokens the client may be handed before any appears in a fetch.
    if let Some(t) = View::of(&states[0].0).token_provider.cached {
        tokens.entry(token_name(&t)).or_insert(
            json!({"iat": u64::from(t.iat) * tick / 1000, "exp": u64::from(t.exp) * tick / 1000}),
        );
    }
    let switches = scenario.switches();
    let script = json!({
        "tokens": tokens,
        "queries": scenario.bounds.queries,
        "mutation": scenario.bounds.mutation,
        "manualCloseAck": true,
        "clientOptions": {
            "expectAuth": switches.expect_auth,
            "authRefreshTokenLeewaySeconds": u64::from(scenario.bounds.refetch_leeway) * tick / 1000,
        },
        "steps": driver_steps,
    });
    Ok(ReplayPlan {
        script,
        steps: planned,
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
    let mut unhandled = false;
    for o in &slice {
        for e in o["events"].as_array()? {
            match e["kind"].as_str()? {
                "fetchToken.call" => fetches.push(e["forceRefreshToken"].as_bool()?),
                "out" if e["type"] == "Mutation" => mutations += 1,
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

/// Errors the client reported that the model never predicts.
fn client_failures(observations: &[Value]) -> Option<(usize, String)> {
    for (k, o) in observations.iter().enumerate() {
        for e in o["events"].as_array().into_iter().flatten() {
            let kind = e["kind"].as_str().unwrap_or("");
            if kind == "client.threw" || kind.starts_with("driver.") {
                return Some((k, format!("{kind} {}", e)));
            }
        }
    }
    None
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
        return Comparison::Diverges {
            trace_step: k,
            event: "driver".into(),
            model: "no error".into(),
            client: what,
        };
    }
    Comparison::Agrees
}
