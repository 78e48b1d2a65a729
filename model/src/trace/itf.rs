//! A witness in the Informal Trace Format (Apalache ADR-015, as Quint writes it),
//! written with the `itf` crate's types: `vars`, `states` (each with
//! `#meta.index`), `#meta`, and `loop` for a lasso that cycles.
//!
//! Every value is data an ITF tool can read, never a sentence: integers are
//! `{"#bigint": "…"}`, structs are records, sets are `{"#set": [...]}` (sorted, so
//! the same trace is always written the same way), and an enum value is a variant
//! `{"tag": <variant>, "value": <its fields>}` (Quint's form: an option is
//! `Some`/`None`, and a variant without fields has the empty tuple as its value).
//! Only `action`, the label of the step that led to a state, is words.

use std::collections::BTreeMap;

use ::itf::state::Meta as StateMeta;
use ::itf::trace::Meta as TraceMeta;
use ::itf::value::{Record, Set};
use ::itf::{State, Trace, Value};
use serde::Serialize;

use super::Walk;
use crate::actors::{actor_name, Token, User};
use crate::check::PropertyResult;
use crate::view::{in_flight, SystemState, View};

mod value;

pub use value::to_value;

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

/// The ITF document of a property's witness, as `walk` went. For a lasso that
/// cycles the walk's last state repeats the loop's first; ITF's `loop` says the
/// successor of the last state is `states[loop]`, so the repeat is left out.
pub fn document(walk: &Walk, check: &str, result: &PropertyResult) -> Trace<Value> {
    let mut labels = vec!["init".to_string()];
    labels.extend(
        walk.steps
            .iter()
            .map(|s| format!("{}: {}", actor_name(s.actor), s.event_in_words)),
    );
    let shown = walk.steps.len() + 1 - usize::from(result.loop_start.is_some());
    let states = walk
        .states()
        .zip(&labels)
        .take(shown)
        .enumerate()
        .map(|(index, (state, action))| State {
            meta: StateMeta {
                index: Some(index as u64),
                other: BTreeMap::new(),
            },
            value: variables(state, action),
        })
        .collect();
    Trace {
        meta: TraceMeta {
            format: Some("ITF".into()),
            format_description: Some("https://apalache-mc.org/docs/adr/015adr-trace.html".into()),
            source: Some(format!("checks/{check}.toml")),
            description: Some(format!(
                "{} ({}) {}",
                result.name,
                result.tag,
                result.verdict.name()
            )),
            var_types: BTreeMap::new(),
            timestamp: None,
            other: BTreeMap::from([
                ("method".to_string(), result.method.to_string()),
                (
                    "violation_at".to_string(),
                    result.depth.map(|d| d.to_string()).unwrap_or_default(),
                ),
            ]),
        },
        params: Vec::new(),
        vars: VARS.iter().map(|v| v.to_string()).collect(),
        loop_index: result.loop_start.map(|l| l as u64),
        states,
    }
}

/// The document as JSON text (pretty, with a final newline). Optional fields the
/// crate's types leave empty (`timestamp`, `loop` of a run that does not cycle)
/// are left out rather than written as `null`.
pub fn to_json(document: &Trace<Value>) -> serde_json::Result<String> {
    let mut json = serde_json::to_value(document)?;
    if let Some(top) = json.as_object_mut() {
        top.retain(|_, v| !v.is_null());
        if let Some(meta) = top.get_mut("#meta").and_then(|m| m.as_object_mut()) {
            meta.retain(|_, v| !v.is_null());
        }
    }
    Ok(serde_json::to_string_pretty(&json)? + "\n")
}

/// The IdP as the app sees it: still loading, whose session, which token.
#[derive(Serialize)]
struct Idp {
    loading: bool,
    session: Option<User>,
    token: Option<Token>,
}

/// A timer armed by an actor.
#[derive(Serialize)]
struct ArmedTimer<'a> {
    actor: &'static str,
    timer: &'a crate::actors::Timer,
}

/// A message sent and not yet delivered.
#[derive(Serialize)]
struct InFlight<'a> {
    from: &'static str,
    to: &'static str,
    message: &'a crate::actors::Msg,
}

/// The variables of one state (a record with the fields of [`VARS`]); `action` is
/// the step that led to it.
fn variables(state: &SystemState, action: &str) -> Value {
    let v = View::of(state);
    let ui = v.tab.provider.use_convex_auth();
    let store = &v.token_provider.idp.store;
    let timers = state
        .timers_set
        .iter()
        .enumerate()
        .flat_map(|(actor, timers)| {
            timers.iter().map(move |timer| ArmedTimer {
                actor: actor_name(actor.into()),
                timer,
            })
        });
    let messages = in_flight(state)
        .into_iter()
        .map(|(from, to, message)| InFlight {
            from: actor_name(from),
            to: actor_name(to),
            message,
        });
    let record = [
        ("now", to_value(&v.environment.now)),
        (
            "useConvexAuth",
            Value::Record(Record::from_iter([
                ("isLoading".to_string(), Value::Bool(ui.is_loading)),
                (
                    "isAuthenticated".to_string(),
                    Value::Bool(ui.is_authenticated),
                ),
                ("isRefreshing".to_string(), Value::Bool(ui.is_refreshing)),
            ])),
        ),
        (
            // The variant's tag is the state's name in convex-js (`noAuth`, …).
            "authManager",
            value::renamed_variant(to_value(&v.tab.am.state), v.tab.am.state.name()),
        ),
        ("configVersion", to_value(&v.tab.am.config_version)),
        ("socket", to_value(&v.tab.socket.state)),
        (
            // None: no live connection.
            "serverIdentity",
            to_value(&v.server.connection.map(|c| c.identity)),
        ),
        (
            "idp",
            to_value(&Idp {
                loading: v.token_provider.idp.loading,
                session: store.session,
                token: store.cached,
            }),
        ),
        (
            "pendingAwaits",
            Value::Set(v.tab.pending.iter().map(to_value).collect::<Set<_>>()),
        ),
        ("timers", Value::Set(timers.map(|t| to_value(&t)).collect())),
        (
            "inFlight",
            Value::List(messages.map(|m| to_value(&m)).collect()),
        ),
        ("action", Value::String(action.to_string())),
    ];
    Value::Record(
        record
            .into_iter()
            .map(|(name, value)| (name.to_string(), value))
            .collect(),
    )
}
