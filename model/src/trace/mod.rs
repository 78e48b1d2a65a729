//! A counterexample (or example) as data: every step names the actor that acted, the
//! event in words, and the observable state after it. Written as
//! `<property>.trace.json` with a `format_version`.

pub mod itf;
pub mod narrative;
pub mod replay;

use serde::Serialize;
use stateright::actor::{ActorModelAction, Id};

use crate::actors::{actor_name, FetchResult, Msg, RefreshOutcome, Timer};
use crate::check::PropertyResult;
use crate::engine::IndexPath;
use crate::model::AuthModel;
pub use crate::view::Observation;
use crate::view::{SystemState, View};

/// The default port of `convex-auth-check explore`.
pub const DEFAULT_EXPLORER_PORT: u16 = 3000;

/// The stateright Explorer URL that opens exactly this path.
pub fn explorer_link(host: &str, port: u16, path: &IndexPath) -> String {
    format!("http://{host}:{port}/#/steps/{}", path.encode())
}

/// Version of the JSON trace schema.
pub const FORMAT_VERSION: u32 = 1;

/// One step of a trace.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub index: usize,
    pub actor: String,
    pub event: String,
    pub after: Observation,
}

/// A whole trace.
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    pub format_version: u32,
    pub check: String,
    pub property: String,
    pub tag: String,
    pub verdict: String,
    /// How the verdict was decided ("bfs", "end-states", "doomed-states", …).
    pub method: String,
    /// Steps up to the state that violates the property; for a liveness lasso, up
    /// to the first doomed state (the steps after it show what happens next).
    pub violation_at: Option<usize>,
    /// For a lasso that cycles: the index of the state where the loop starts (state 0
    /// is `initial`, state k is after step k); the last state equals it. None when
    /// the run stops for good (a dead end).
    pub loop_start: Option<usize>,
    /// The path as stateright's Explorer encodes it (`#/steps/<path>`).
    pub explorer_path: String,
    /// The scenario the path runs in: with `explorer_path` it rebuilds the run
    /// (`convex-auth-check replay`).
    pub scenario: crate::config::Scenario,
    pub initial: Observation,
    pub steps: Vec<Step>,
}

/// Builds the trace of a property's witness. None if it has none or it does not
/// replay.
pub fn build(model: &AuthModel, check: &str, result: &PropertyResult) -> Option<Trace> {
    let path = result.path.as_ref()?;
    let states = path.replay(model)?;
    let initial = Observation::of(&states[0].0);
    let mut steps = Vec::new();
    for (i, window) in states.windows(2).enumerate() {
        let (before, action) = &window[0];
        let action = action
            .as_ref()
            .expect("every state but the last has an action");
        let (actor, event) = describe_action(before, action);
        steps.push(Step {
            index: i + 1,
            actor,
            event,
            after: Observation::of(&window[1].0),
        });
    }
    Some(Trace {
        format_version: FORMAT_VERSION,
        check: check.to_string(),
        property: result.name.to_string(),
        tag: result.tag.to_string(),
        verdict: result.verdict.name().to_string(),
        method: result.method.to_string(),
        violation_at: result.depth,
        loop_start: result.loop_start,
        explorer_path: path.encode(),
        scenario: model.scenario().clone(),
        initial,
        steps,
    })
}

/// The acting actor and the event in words.
pub fn describe_action(
    before: &SystemState,
    action: &ActorModelAction<Msg, Timer, RefreshOutcome>,
) -> (String, String) {
    match action {
        ActorModelAction::Deliver { src, dst, msg } => {
            (actor_name(*dst).to_string(), describe_message(*src, msg))
        }
        ActorModelAction::Timeout(id, timer) => {
            (actor_name(*id).to_string(), describe_timer(timer))
        }
        ActorModelAction::SelectRandom { actor, random, .. } => (
            actor_name(*actor).to_string(),
            if random.fails && refresh_failures_left(before) > 0 {
                format!(
                    "the IdP refresh for fetch #{} fails transiently (network error / 5xx)",
                    random.call
                )
            } else {
                format!("the IdP refresh for fetch #{} succeeds", random.call)
            },
        ),
        other => ("?".to_string(), format!("{other:?}")),
    }
}

fn refresh_failures_left(state: &SystemState) -> u8 {
    View::of(state).token_provider.refresh_failures_left
}

fn describe_message(src: Id, msg: &Msg) -> String {
    let from = actor_name(src);
    match msg {
        Msg::WsOpen { socket } => format!("WebSocket #{socket} connects"),
        Msg::WsClose { socket } => format!("the client closes WebSocket #{socket}"),
        Msg::Authenticate {
            socket,
            token,
            base_version,
        } => match token {
            Some(t) => format!("receives Authenticate{{User {t}, baseVersion {base_version}}} on #{socket}"),
            None => format!("receives Authenticate{{None, baseVersion {base_version}}} on #{socket}"),
        },
        Msg::ModifyQuerySet { socket, queries } => {
            format!("receives ModifyQuerySet ({queries} queries) on #{socket}")
        }
        Msg::Mutation { socket } => format!("receives Mutation on #{socket}"),
        Msg::MutationResponse { socket } => format!("receives MutationResponse on #{socket}"),
        Msg::WsOpened { socket } => format!("WebSocket #{socket} opens (onopen)"),
        Msg::WsClosed { socket } => format!("WebSocket #{socket} closes (onclose)"),
        Msg::Transition { socket, start, end } => {
            format!("receives Transition (identity version {start} → {end}) on #{socket}")
        }
        Msg::AuthError {
            socket,
            base_version,
            auth_update_attempted,
        } => format!(
            "receives AuthError{{baseVersion {base_version}, authUpdateAttempted:{auth_update_attempted}}} on #{socket}{}",
            if *auth_update_attempted { " (token rejected)" } else { " (token expired)" }
        ),
        Msg::FetchToken { call, force } => {
            format!("is asked fetchAccessToken({{forceRefreshToken:{force}}}) (fetch #{call})")
        }
        Msg::TokenFetched { call, result } => match result {
            FetchResult::Token(t) => format!("fetch #{call} resolves with {t}"),
            FetchResult::Null => format!("fetch #{call} resolves with null"),
            FetchResult::Rejected => format!("fetch #{call} rejects"),
        },
        Msg::AdapterChanged(o) => format!(
            "the adapter re-renders: isLoading:{}, isAuthenticated:{}, fetchAccessToken #{}",
            o.is_loading, o.is_authenticated, o.fetcher
        ),
        Msg::Clock { now } => format!("sees the clock reach {now}"),
        Msg::Visibility { hidden } => {
            if *hidden {
                "sees the tab hidden".to_string()
            } else {
                "sees the tab visible".to_string()
            }
        }
        Msg::DataChanged => "sees data change: queries must re-run".to_string(),
        Msg::NetworkDrop => "the network drops the WebSocket".to_string(),
        Msg::SignOut => format!("the user signs out (from {from})"),
    }
}

fn describe_timer(timer: &Timer) -> String {
    match timer {
        Timer::ScheduledRefetch => "the scheduled token refetch timer fires".to_string(),
        Timer::Reconnect => "the reconnect backoff timer fires".to_string(),
        Timer::AutoRefresh => "AuthKit's auto-refresh refreshes the token".to_string(),
        Timer::Tick => "time advances one tick".to_string(),
        Timer::HideTab => "the tab is hidden".to_string(),
        Timer::ShowTab => "the tab is shown again".to_string(),
        Timer::DataChange => "data changes on the server".to_string(),
        Timer::DropSocket => "the network drops".to_string(),
        Timer::SignOut => "the user signs out".to_string(),
    }
}
