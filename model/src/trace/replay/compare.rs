//! The comparison: what the model predicts for each planned step (an
//! [`Expectation`], read from the model's states) against what the driver
//! observed the real client do in the driver steps that play it.

use serde::Serialize;
use serde_json::Value;

use super::plan::ReplayPlan;
use super::protocol::{token_name, ClientEvent, Observation, SentMessage};
use crate::actors::browser::socket::ReadyPause;
use crate::actors::browser::{ActionStatus, MutationStatus, SocketState, Tab};
use crate::actors::{browser_id, Msg};
use crate::view::{in_flight, SystemState, View};

/// What the model says the client does in one step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Expectation {
    /// `fetchAccessToken` calls, by their `forceRefreshToken`.
    pub fetches: Vec<bool>,
    /// `Authenticate` messages sent: base version and token name (None: tokenType None).
    pub authenticates: Vec<(u64, Option<String>)>,
    /// `ModifyQuerySet` messages sent: how many queries the socket's query set
    /// holds after each.
    pub query_sets: Vec<u64>,
    /// WebSockets the client opened (`new WebSocket`).
    pub sockets_opened: usize,
    /// WebSockets the client closed (`ws.close()`).
    pub sockets_closed: usize,
    /// `Mutation` messages sent.
    pub mutations: usize,
    /// `Action` messages sent.
    pub actions: usize,
    /// Whether the app's mutation promise resolved in the step.
    pub mutation_settled: bool,
    /// Whether the app's action promise resolved in the step.
    pub action_settled: bool,
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
    /// Each part of the step in which `self` and `other` differ, in words, as
    /// (what `self` says, what `other` says); the parts both agree on are left out.
    pub fn differences(&self, other: &Expectation) -> (String, String) {
        let parts = |e: &Expectation| -> Vec<String> {
            let fetches = if e.fetches.is_empty() {
                "no fetchAccessToken call".to_string()
            } else {
                let calls: Vec<String> = e
                    .fetches
                    .iter()
                    .map(|f| format!("fetchAccessToken({{forceRefreshToken: {f}}})"))
                    .collect();
                calls.join(", ")
            };
            let authenticates = if e.authenticates.is_empty() {
                "no Authenticate".to_string()
            } else {
                let sent: Vec<String> = e
                    .authenticates
                    .iter()
                    .map(|(base, token)| match token {
                        Some(t) => format!("Authenticate({t}, base {base})"),
                        None => format!("Authenticate(no token, base {base})"),
                    })
                    .collect();
                sent.join(", ")
            };
            let count = |n: usize, what: &str| format!("{n} {what}");
            let flag = |on: bool, what: &str| {
                if on {
                    what.to_string()
                } else {
                    format!("not {what}")
                }
            };
            let (loading, authenticated, refreshing) = e.use_convex_auth;
            vec![
                fetches,
                authenticates,
                format!("ModifyQuerySet sizes {:?}", e.query_sets),
                count(e.sockets_opened, "WebSockets opened"),
                count(e.sockets_closed, "WebSockets closed"),
                count(e.mutations, "Mutation messages"),
                count(e.actions, "Action messages"),
                flag(e.mutation_settled, "the mutation settled"),
                flag(e.action_settled, "the action settled"),
                flag(e.action_lost, "the action lost"),
                flag(e.unhandled, "an unhandled rejection"),
                format!("AuthenticationManager {}", e.auth_state),
                format!(
                    "socket {}{}",
                    e.socket.0,
                    e.socket.1.as_ref().map_or(String::new(), |p| format!(" (paused: {p})"))
                ),
                format!(
                    "useConvexAuth() = {{isLoading:{loading}, isAuthenticated:{authenticated}, isRefreshing:{refreshing}}}"
                ),
            ]
        };
        let (mine, theirs) = (parts(self), parts(other));
        let (mine, theirs): (Vec<String>, Vec<String>) =
            mine.into_iter().zip(theirs).filter(|(a, b)| a != b).unzip();
        (mine.join("; "), theirs.join("; "))
    }

    /// This step's expectation and then `next`'s, as one step: what both send,
    /// and the state after `next`.
    pub(super) fn followed_by(&self, next: Expectation) -> Expectation {
        let mut fetches = self.fetches.clone();
        fetches.extend(next.fetches);
        let mut authenticates = self.authenticates.clone();
        authenticates.extend(next.authenticates);
        let mut query_sets = self.query_sets.clone();
        query_sets.extend(next.query_sets);
        Expectation {
            fetches,
            authenticates,
            query_sets,
            sockets_opened: self.sockets_opened + next.sockets_opened,
            sockets_closed: self.sockets_closed + next.sockets_closed,
            mutations: self.mutations + next.mutations,
            actions: self.actions + next.actions,
            mutation_settled: self.mutation_settled || next.mutation_settled,
            action_settled: self.action_settled || next.action_settled,
            action_lost: self.action_lost || next.action_lost,
            unhandled: self.unhandled || next.unhandled,
            ..next
        }
    }
}

/// What the model predicts for the step from `before` (None: the mount) to
/// `after`; `uncaught` when an error escaped to the tab's runtime in it.
pub(super) fn expectation(
    before: Option<&SystemState>,
    after: &SystemState,
    uncaught: bool,
) -> Expectation {
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
    // Whether the tab holds `now` after the step and did not before it.
    let became =
        |now: &dyn Fn(&Tab) -> bool| now(v.tab) && !before.is_some_and(|b| now(View::of(b).tab));
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
        query_sets: sent
            .iter()
            .filter_map(|m| match m {
                Msg::ModifyQuerySet { queries, .. } => Some(u64::from(*queries)),
                _ => None,
            })
            .collect(),
        sockets_opened: sent
            .iter()
            .filter(|m| matches!(m, Msg::WsOpen { .. }))
            .count(),
        sockets_closed: sent
            .iter()
            .filter(|m| matches!(m, Msg::WsClose { .. }))
            .count(),
        mutations: sent
            .iter()
            .filter(|m| matches!(m, Msg::Mutation { .. }))
            .count(),
        actions: sent
            .iter()
            .filter(|m| matches!(m, Msg::Action { .. }))
            .count(),
        mutation_settled: became(&|tab| tab.mutation == MutationStatus::Completed),
        action_settled: became(&|tab| tab.action == ActionStatus::Answered),
        action_lost: became(&|tab| tab.action == ActionStatus::Lost),
        unhandled: uncaught,
        auth_state: v.tab.am.state.name().to_string(),
        socket,
        use_convex_auth: (ui.is_loading, ui.is_authenticated, ui.is_refreshing),
    }
}

/// What the client did in one planned step, read from the driver's observations.
fn observed(observations: &[Observation], from: usize, count: usize) -> Option<Expectation> {
    // Observation 0 is the mount; driver step k is observation k + 1.
    let slice: Vec<&Observation> = if count == 0 {
        vec![observations.first()?]
    } else {
        (from..from + count)
            .map(|k| observations.get(k + 1))
            .collect::<Option<_>>()?
    };
    let mut fetches = Vec::new();
    let mut authenticates = Vec::new();
    let mut query_sets = Vec::new();
    let mut sockets_opened = 0;
    let mut sockets_closed = 0;
    let mut mutations = 0;
    let mut actions = 0;
    let mut mutation_settled = false;
    let mut action_settled = false;
    let mut action_lost = false;
    let mut unhandled = false;
    for o in &slice {
        for e in &o.events {
            match &e.what {
                ClientEvent::FetchCalled {
                    force_refresh_token,
                    ..
                } => fetches.push(*force_refresh_token),
                ClientEvent::Sent { message, .. } => match message {
                    SentMessage::Mutation { .. } => mutations += 1,
                    SentMessage::Action { .. } => actions += 1,
                    SentMessage::Authenticate {
                        base_version,
                        token,
                        ..
                    } => authenticates.push((*base_version, token.clone())),
                    // A new socket's first query set, empty: convex-js sends it on
                    // every open (`onOpen` in browser/sync/client.ts), the model
                    // only when the app has queries (`SyncState::restart`).
                    SentMessage::ModifyQuerySet {
                        base_version: 0,
                        queries: 0,
                        ..
                    } => {}
                    SentMessage::ModifyQuerySet { queries, .. } => query_sets.push(*queries),
                    // Not modelled: `Connect` carries nothing auth-related, and
                    // `Event` is the client's telemetry.
                    SentMessage::Connect | SentMessage::Event => {}
                },
                ClientEvent::SocketMade { .. } => sockets_opened += 1,
                ClientEvent::SocketClosedByClient { .. } => sockets_closed += 1,
                ClientEvent::MutationSettled {} => mutation_settled = true,
                ClientEvent::ActionSettled {} => action_settled = true,
                ClientEvent::ActionFailed { error } => {
                    action_lost = error.contains("Connection lost")
                }
                // An error escaping the client: a rejection nobody awaits, or
                // an exception thrown out of the handler of what the driver
                // delivered (a server message in `ws.onmessage`, a timer), which
                // a browser reports as uncaught.
                ClientEvent::UnhandledRejection { .. } | ClientEvent::ClientThrew { .. } => {
                    unhandled = true
                }
                _ => {}
            }
        }
    }
    let state = &slice.last()?.state;
    let ui = state.use_convex_auth?;
    Some(Expectation {
        fetches,
        authenticates,
        query_sets,
        sockets_opened,
        sockets_closed,
        mutations,
        actions,
        mutation_settled,
        action_settled,
        action_lost,
        unhandled,
        auth_state: state.auth.clone(),
        socket: (state.socket.clone(), state.paused.clone()),
        use_convex_auth: (ui.is_loading, ui.is_authenticated, ui.is_refreshing),
    })
}

/// What the driver reported it could not do, and properties the real-side
/// monitors saw broken: the first, with its observation's index (0: the mount;
/// driver step k is k + 1). (An error the client throws is compared as an
/// escaped error, `Expectation::unhandled`.)
fn client_failures(observations: &[Observation]) -> Option<(usize, String)> {
    for (k, o) in observations.iter().enumerate() {
        for e in &o.events {
            let kind = e.what.kind();
            if kind.starts_with("driver.") {
                let text = serde_json::to_string(e).unwrap_or_default();
                return Some((k, format!("{kind} {text}")));
            }
            if let ClientEvent::MonitorViolated { property, detail } = &e.what {
                return Some((
                    k,
                    format!(
                        "{} on the real client: {}",
                        property.to_uppercase(),
                        detail.lines().next().unwrap_or("")
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

/// Reads the driver's observations; errs (one line) on the first that does not
/// follow the protocol, naming it.
pub fn read_observations(observations: &[Value]) -> Result<Vec<Observation>, String> {
    observations
        .iter()
        .enumerate()
        .map(|(k, o)| {
            serde_json::from_value(o.clone())
                .map_err(|e| format!("observation {k} does not follow the driver protocol: {e}"))
        })
        .collect()
}

/// Compares every planned step with the driver's observations.
pub fn compare(plan: &ReplayPlan, observations: &[Value]) -> Comparison {
    let observations = match read_observations(observations) {
        Ok(o) => o,
        Err(why) => {
            return Comparison::Diverges {
                trace_step: 0,
                event: "mount".into(),
                model: "observations that follow the driver protocol".into(),
                client: why,
            }
        }
    };
    let mut driver_step = 0;
    for step in &plan.steps {
        let seen = observed(&observations, driver_step, step.driver_steps);
        driver_step += step.driver_steps;
        let diverges = |model: String, client: String| Comparison::Diverges {
            trace_step: step.trace_step,
            event: step.event.clone(),
            model,
            client,
        };
        match seen {
            None => {
                return diverges(
                    format!("{:?}", step.expect),
                    "no readable observation".into(),
                )
            }
            Some(seen) if seen != step.expect => {
                let (model, client) = step.expect.differences(&seen);
                return diverges(model, client);
            }
            Some(_) => {}
        }
    }
    if let Some((k, what)) = client_failures(&observations) {
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

#[cfg(test)]
mod tests {
    use super::Expectation;

    #[test]
    fn a_divergence_names_only_the_parts_that_differ() {
        let model = Expectation {
            authenticates: vec![(1, None)],
            auth_state: "noAuth".into(),
            socket: ("ready".into(), Some("no".into())),
            ..Default::default()
        };
        let client = Expectation {
            auth_state: "notRefetching".into(),
            use_convex_auth: (false, true, false),
            ..model.clone()
        };
        let client = Expectation {
            authenticates: Vec::new(),
            ..client
        };
        assert_eq!(
            model.differences(&client),
            (
                "Authenticate(no token, base 1); AuthenticationManager noAuth; \
                 useConvexAuth() = {isLoading:false, isAuthenticated:false, isRefreshing:false}"
                    .to_string(),
                "no Authenticate; AuthenticationManager notRefetching; \
                 useConvexAuth() = {isLoading:false, isAuthenticated:true, isRefreshing:false}"
                    .to_string()
            )
        );
    }
}
