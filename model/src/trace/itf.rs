//! A witness in the Informal Trace Format (Apalache ADR-015, as Quint writes it):
//! `vars`, `states` (each with `#meta.index`), `#meta`, and `loop` for a lasso that
//! cycles. Sets are `{"#set": [...]}` with their elements sorted, so the same trace
//! is always written the same way.

use serde_json::{json, Value};

use super::{describe_action, Observation};
use crate::actors::actor_name;
use crate::check::PropertyResult;
use crate::model::AuthModel;
use crate::view::{in_flight, SystemState, View};

/// The variables of every state, in order.
pub const VARS: [&str; 11] = [
    "now",
    "useConvexAuth",
    "authManager",
    "configVersion",
    "socket",
    "serverIdentity",
    "idp",
    "pendingAwaits",
    "timers",
    "inFlight",
    "action",
];

fn set(mut items: Vec<String>) -> Value {
    items.sort();
    json!({ "#set": items })
}

fn state_record(index: usize, state: &SystemState, action: &str) -> Value {
    let o = Observation::of(state);
    let v = View::of(state);
    let pending: Vec<String> = v.tab.pending.iter().map(|a| format!("{a:?}")).collect();
    let timers: Vec<String> = state
        .timers_set
        .iter()
        .enumerate()
        .flat_map(|(actor, timers)| {
            timers
                .iter()
                .map(move |t| format!("{t:?} ({})", actor_name(actor.into())))
        })
        .collect();
    let in_flight: Vec<String> = in_flight(state)
        .into_iter()
        .map(|(src, dst, msg)| format!("{} → {}: {msg:?}", actor_name(src), actor_name(dst)))
        .collect();
    json!({
        "#meta": { "index": index },
        "now": o.now,
        "useConvexAuth": {
            "isLoading": o.use_convex_auth.is_loading,
            "isAuthenticated": o.use_convex_auth.is_authenticated,
            "isRefreshing": o.use_convex_auth.is_refreshing,
        },
        "authManager": o.auth_manager,
        "configVersion": o.config_version,
        "socket": o.socket,
        "serverIdentity": o.server_identity,
        "idp": o.idp,
        "pendingAwaits": set(pending),
        "timers": set(timers),
        "inFlight": in_flight,
        "action": action,
    })
}

/// The ITF document of a property's witness; None if it has none.
pub fn document(model: &AuthModel, check: &str, result: &PropertyResult) -> Option<Value> {
    let mut states = result.path.as_ref()?.replay(&model.absolute())?;
    if result.loop_start.is_some() {
        // The last state repeats the loop's first; ITF's `loop` says the successor
        // of the last state is `states[loop]`, so the repeat is left out.
        states.pop();
    }
    let mut records = Vec::with_capacity(states.len());
    let mut previous: Option<String> = None;
    for (i, (state, action)) in states.iter().enumerate() {
        let taken = previous.take().unwrap_or_else(|| "init".to_string());
        records.push(state_record(i, state, &taken));
        if let Some(a) = action {
            let (actor, event) = describe_action(state, a);
            previous = Some(format!("{actor}: {event}"));
        }
    }
    let mut doc = json!({
        "#meta": {
            "format": "ITF",
            "format-description": "https://apalache-mc.org/docs/adr/015adr-trace.html",
            "source": format!("checks/{check}.toml"),
            "description": format!("{} ({}) {}", result.name, result.tag, result.verdict.name()),
            "method": result.method,
            "violation_at": result.depth.map(|d| d.to_string()).unwrap_or_default(),
        },
        "vars": VARS,
        "states": records,
    });
    if let Some(l) = result.loop_start {
        doc["loop"] = json!(l);
    }
    Some(doc)
}
