//! Read-only views of a system state: the four actor states by name, the messages
//! in flight, and what a developer observes. Properties, traces and the engines'
//! adapters read states only through this module.

use serde::{Deserialize, Serialize};
use stateright::actor::{ActorModelAction, ActorModelState, Network};

use crate::actors::{
    EnvironmentState, Msg, Node, NodeState, RefreshOutcome, ServerState, Tab, Timer,
    TokenProviderState,
};
use crate::history::History;

/// One state of the whole system: the actors, the network, the timers and the
/// run's history.
pub type SystemState = ActorModelState<Node, History>;
/// One step of the whole system.
pub type SystemAction = ActorModelAction<Msg, Timer, RefreshOutcome>;

/// Every message in flight, per (sender, receiver) flow in delivery order.
/// (stateright 0.31's `Network::iter_all` never ends on an ordered network.)
pub fn in_flight(state: &SystemState) -> Vec<(stateright::actor::Id, stateright::actor::Id, &Msg)> {
    match &state.network {
        Network::Ordered(flows) => flows
            .iter()
            .flat_map(|(&(src, dst), msgs)| msgs.iter().map(move |m| (src, dst, m)))
            .collect(),
        _ => state
            .network
            .iter_deliverable()
            .map(|e| (e.src, e.dst, e.msg))
            .collect(),
    }
}

/// The four actor states of a system state, and the run's history.
pub struct View<'a> {
    pub tab: &'a Tab,
    pub server: &'a ServerState,
    pub token_provider: &'a TokenProviderState,
    pub environment: &'a EnvironmentState,
    pub history: &'a History,
    /// The whole state, for what no actor holds (messages, timers, choices).
    pub system: &'a SystemState,
}

impl<'a> View<'a> {
    pub fn of(state: &'a SystemState) -> View<'a> {
        let tab = match &*state.actor_states[0] {
            NodeState::Browser(t) => &**t,
            other => panic!("actor 0 is the browser, found {other:?}"),
        };
        let server = match &*state.actor_states[1] {
            NodeState::Server(s) => s,
            other => panic!("actor 1 is the server, found {other:?}"),
        };
        let token_provider = match &*state.actor_states[2] {
            NodeState::TokenProvider(s) => s,
            other => panic!("actor 2 is the token provider, found {other:?}"),
        };
        let environment = match &*state.actor_states[3] {
            NodeState::Environment(s) => s,
            other => panic!("actor 3 is the environment, found {other:?}"),
        };
        View {
            tab,
            server,
            token_provider,
            environment,
            history: &state.history,
            system: state,
        }
    }

    /// Whether nothing is in flight, no timer of the tab, server or token
    /// provider is armed, no choice is pending and no adapter backs off (waiting
    /// for the clock): nothing can happen but the environment's events (the
    /// passing of time among them).
    pub fn nothing_pending(&self) -> bool {
        let s = self.system;
        s.network.len() == 0
            && s.random_choices.iter().all(|c| c.map.is_empty())
            && s.timers_set[..3].iter().all(|t| t.iter().next().is_none())
            && self.token_provider.backing_off.is_empty()
    }
}

/// What a developer can observe of a system state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// Logical time (the environment's clock).
    pub now: u8,
    /// `useConvexAuth()`.
    pub use_convex_auth: crate::actors::browser::ConvexAuth,
    /// The AuthenticationManager's state and configVersion.
    pub auth_manager: String,
    pub config_version: u8,
    /// The WebSocketManager's state.
    pub socket: String,
    /// The identity on the server's live connection ("no connection" if none).
    pub server_identity: String,
    /// The IdP: session and cached token.
    pub idp: String,
}

impl Observation {
    pub fn of(state: &SystemState) -> Observation {
        let v = View::of(state);
        let idp = &v.token_provider.idp.store;
        Observation {
            now: v.environment.now,
            use_convex_auth: v.tab.provider.use_convex_auth(),
            auth_manager: v.tab.am.state.name().to_string(),
            config_version: v.tab.am.config_version,
            socket: v.tab.socket.state.to_string(),
            server_identity: match v.server.connection {
                None => "no connection".to_string(),
                Some(c) => c.identity.to_string(),
            },
            idp: match (v.token_provider.idp.loading, idp.session, idp.cached) {
                (true, _, _) => "loading".to_string(),
                (false, None, _) => "signed out".to_string(),
                (false, Some(user), Some(t)) => format!("user {user} signed in, token {t}"),
                (false, Some(user), None) => format!("user {user} signed in, no token"),
            },
        }
    }
}

/// What a developer observes of `state`, one line each (the Explorer's state box
/// opens with it).
pub fn summary(state: &SystemState) -> String {
    let o = Observation::of(state);
    let tab = View::of(state).tab;
    format!(
        "useConvexAuth()        {}\n\
         AuthenticationManager  {} (configVersion {})\n\
         WebSocket              {}\n\
         server identity        {}\n\
         IdP                    {}\n\
         clock                  t={}{}",
        o.use_convex_auth,
        o.auth_manager,
        o.config_version,
        o.socket,
        o.server_identity,
        o.idp,
        o.now,
        if tab.hidden { ", tab hidden" } else { "" },
    )
}
