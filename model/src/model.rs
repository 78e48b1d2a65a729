//! The assembled system: the four actors on an ordered network (a WebSocket and
//! every other channel deliver in order per sender/receiver pair). Read-only views
//! of its states live in `view`; the properties, as each engine judges them, in
//! `engines`.
//!
//! Time: a tick stands for the refetch leeway (seconds), messages take
//! milliseconds. So the clock advances only when no message is in flight and no
//! wait shorter than a tick runs (an adapter's retry wait): every message sent in
//! one tick is delivered in that tick, every such wait ends in it. What may span ticks is what
//! really can: a pending IdP refresh, a timer that fires late in a hidden tab, a
//! reconnect backoff. [`AuthModel`] is the stateright `ActorModel` of the four
//! actors with exactly that one restriction on the environment's `Tick`.
//!
//! Macrotasks: a `fetchAccessToken` call runs the adapter's code up to its first
//! real wait at once; a call the IdP SDK answers from memory settles before the
//! tab's macrotask ends, and one that waited for the IdP's response settles in the
//! response's macrotask. So while a `FetchToken` is on its way to the token
//! provider, or a `TokenFetched` that settles in the call's or the response's
//! macrotask on its way back, nothing but that channel moves ([`urgent_flow`]): no
//! other message, timer or choice can come in between. Likewise, once the tab has seen a
//! clock tick, the IdP SDK sees it before anything else happens: they read the same
//! Date.now(), so the SDK never acts at a time the tab has left behind.
//!
//! The SDK's refresh loop (authkit-js polls once a second) does not run while the
//! provider's re-render, which React does within milliseconds, is on its way
//! ([`rerender_in_flight`]).
//!
//! History: after every step [`AuthModel`] folds what the tab took, sent and
//! reported into the run's history ([`crate::history`]), which only the
//! properties read.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use stateright::actor::{ActorModel, ActorModelAction, Id, Network};
use stateright::Model;

use crate::actors::{
    browser_id, environment_id, server_id, token_provider_id, Msg, Node, NodeState, Settles, Timer,
};
use crate::config::Scenario;
use crate::history::{History, TabStep, WorldStep};
use crate::relative_time::{self, Clock};
use crate::unordered;
use crate::view::View;
pub use crate::view::{SystemAction, SystemState};

/// The actor system of one scenario.
pub type ActorSystem = ActorModel<Node, Scenario, History>;

/// The model checked for one scenario: the actor system, whose clock ticks only
/// when no message is in flight, with its states kept in the canonical form of
/// [`crate::relative_time`] unless the clock is absolute.
#[derive(Clone)]
pub struct AuthModel {
    pub system: ActorSystem,
    pub clock: Clock,
    /// Keep the collections whose order nothing reads in one order
    /// ([`crate::unordered`]), on the relative clock. Off only to test the
    /// reduction against the model without it.
    pub canonical_order: bool,
}

impl AuthModel {
    pub fn scenario(&self) -> &Scenario {
        &self.system.cfg
    }

    /// The same model on the absolute clock: its paths are the relative model's,
    /// step for step, with real times and token names (for traces and replays).
    pub fn absolute(&self) -> AuthModel {
        AuthModel {
            system: self.system.clone(),
            clock: Clock::Absolute,
            canonical_order: self.canonical_order,
        }
    }

    /// `state` in the model's canonical form.
    fn canonical(&self, state: &mut SystemState) {
        if self.clock == Clock::Relative {
            relative_time::canonicalize(self.scenario(), state);
            if self.canonical_order {
                unordered::sort(state);
            }
        }
    }
}

/// The channel that must move before anything else: the tab → token provider
/// channel while it carries a `fetchAccessToken` call or the time, else the way
/// back while it carries an answer that settles in the caller's macrotask.
fn urgent_flow(state: &SystemState) -> Option<(Id, Id)> {
    let calls = (browser_id(), token_provider_id());
    let answers = (token_provider_id(), browser_id());
    let carries = |flow: &(Id, Id), wanted: fn(&Msg) -> bool| {
        flows(state)
            .get(flow)
            .is_some_and(|msgs| msgs.iter().any(wanted))
    };
    // The IdP SDK runs in the tab and reads the tab's Date.now(): once the tab has
    // seen a tick, the SDK sees it before anything else happens, so it never acts
    // at a time the tab has already left behind.
    if carries(&calls, |m| {
        matches!(m, Msg::FetchToken { .. } | Msg::Clock { .. })
    }) {
        Some(calls)
    } else if carries(&answers, |m| {
        matches!(
            m,
            Msg::TokenFetched {
                settles: Settles::InTheCall | Settles::InTheResponse,
                ..
            }
        )
    }) {
        Some(answers)
    } else {
        None
    }
}

/// Whether the adapter's re-render is on its way to the provider. React renders
/// within milliseconds of the SDK's state change, while the SDK's refresh loop
/// polls once a second (authkit-js `scheduleAutomaticRefresh`, 1000 ms): the loop
/// does not run before the provider has re-rendered.
fn rerender_in_flight(state: &SystemState) -> bool {
    flows(state)
        .get(&(token_provider_id(), browser_id()))
        .is_some_and(|msgs| msgs.iter().any(|m| matches!(m, Msg::AdapterChanged(_))))
}

fn is_sdk_refresh_loop(action: &SystemAction) -> bool {
    matches!(action, ActorModelAction::Timeout(id, Timer::AutoRefresh) if *id == token_provider_id())
}

/// Whether a wait shorter than a tick is running (an adapter's retry wait): the
/// clock does not move on before it ends.
fn waits_within_the_tick(state: &SystemState) -> bool {
    state.timers_set[usize::from(token_provider_id())]
        .iter()
        .any(|t| *t == Timer::AdapterRetry)
}

fn is_tick(action: &SystemAction) -> bool {
    matches!(action, ActorModelAction::Timeout(id, Timer::Tick) if *id == environment_id())
}

/// The messages the tab sent in the step from `before` (None: the page load) to
/// `after`: what was appended to the tab's outgoing flows. (A step appends only to
/// the flows of the actor that moved; a delivery takes from the front of a flow
/// into that actor.)
fn sent_by_tab<'a>(before: Option<&SystemState>, after: &'a SystemState) -> Vec<&'a Msg> {
    let already_sent = |dst| {
        before
            .and_then(|b| flows(b).get(&(browser_id(), dst)))
            .map_or(0, |msgs| msgs.len())
    };
    flows(after)
        .iter()
        .filter(|((src, _), _)| *src == browser_id())
        .flat_map(|(&(_, dst), msgs)| msgs.iter().skip(already_sent(dst)))
        .collect()
}

/// The messages in flight, per (sender, receiver) flow.
/// How many messages from the tab to the server are in flight.
fn tab_to_server_in_flight(state: &SystemState) -> u8 {
    let count = flows(state)
        .get(&(browser_id(), server_id()))
        .map_or(0, VecDeque::len);
    u8::try_from(count).unwrap_or(u8::MAX)
}

fn flows(state: &SystemState) -> &BTreeMap<(Id, Id), VecDeque<Msg>> {
    match &state.network {
        Network::Ordered(flows) => flows,
        _ => unreachable!("the model's network is ordered"),
    }
}

/// Clears the step's outputs kept in actor states (the tab's report of an
/// uncaught error, the server's report of a query run), once the history has them.
fn clear_step_outputs(state: &mut SystemState) {
    if View::of(state).tab.uncaught_error {
        let tab = Arc::make_mut(&mut state.actor_states[usize::from(browser_id())]);
        if let NodeState::Browser(tab) = tab {
            tab.uncaught_error = false;
        }
    }
    if View::of(state).server.ran_now {
        let server = Arc::make_mut(&mut state.actor_states[usize::from(server_id())]);
        if let NodeState::Server(server) = server {
            server.ran_now = false;
        }
    }
}

impl Model for AuthModel {
    type State = SystemState;
    type Action = SystemAction;

    fn init_states(&self) -> Vec<SystemState> {
        let mut states = <ActorSystem as Model>::init_states(&self.system);
        for state in &mut states {
            let v = View::of(state);
            let session = v.token_provider.idp.store.session;
            let history = History::at_page_load(v.tab, &sent_by_tab(None, state), session);
            state.history = history;
            clear_step_outputs(state);
            self.canonical(state);
        }
        states
    }

    fn actions(&self, state: &SystemState, actions: &mut Vec<SystemAction>) {
        self.system.actions(state, actions);
        if state.network.len() > 0 || waits_within_the_tick(state) {
            actions.retain(|a| !is_tick(a));
        }
        if rerender_in_flight(state) {
            actions.retain(|a| !is_sdk_refresh_loop(a));
        }
        if let Some((from, to)) = urgent_flow(state) {
            actions.retain(
                |a| matches!(a, ActorModelAction::Deliver { src, dst, .. } if *src == from && *dst == to),
            );
        }
    }

    fn next_state(&self, state: &SystemState, action: SystemAction) -> Option<SystemState> {
        let delivered_to = |actor| match &action {
            ActorModelAction::Deliver { dst, msg, .. } if *dst == actor => Some(msg.clone()),
            _ => None,
        };
        let delivered = delivered_to(browser_id());
        let to_idp = delivered_to(token_provider_id());
        let to_server = delivered_to(server_id());
        let server_took_tabs_message = matches!(
            &action,
            ActorModelAction::Deliver { src, dst, .. } if *src == browser_id() && *dst == server_id()
        );
        let tab_to_server_in_flight_before = tab_to_server_in_flight(state);
        let mut next = self.system.next_state(state, action)?;
        let step = TabStep {
            delivered: delivered.as_ref(),
            sent: sent_by_tab(Some(state), &next),
            before: View::of(state).tab,
            after: View::of(&next).tab,
        };
        let after = View::of(&next);
        let world = WorldStep {
            to_idp: to_idp.as_ref(),
            to_server: to_server.as_ref(),
            session: after.token_provider.idp.store.session,
            user_at_idp: after.token_provider.idp.store.user_at_idp(),
            adapter_output: after.token_provider.output,
            server_identity: after.server.connection.map(|c| c.identity),
            tab_to_server_in_flight_before,
            tab_to_server_in_flight: tab_to_server_in_flight(&next),
            server_took_tabs_message,
            server_ran_as: after
                .server
                .ran_now
                .then_some(after.server.last_query_identity)
                .flatten(),
        };
        let history = state
            .history
            .after_step(&self.scenario().switches(), &step, &world);
        next.history = history;
        clear_step_outputs(&mut next);
        self.canonical(&mut next);
        Some(next)
    }

    fn format_action(&self, action: &SystemAction) -> String {
        self.system.format_action(action)
    }

    fn format_step(&self, state: &SystemState, action: SystemAction) -> Option<String> {
        self.system.format_step(state, action)
    }

    fn as_svg(&self, path: stateright::Path<SystemState, SystemAction>) -> Option<String> {
        self.system.as_svg(path)
    }

    fn within_boundary(&self, state: &SystemState) -> bool {
        <ActorSystem as Model>::within_boundary(&self.system, state)
    }
}

/// Builds the model of `scenario`.
pub fn build(scenario: &Scenario) -> AuthModel {
    let system = ActorModel::new(scenario.clone(), History::default())
        .actors([
            Node::Browser(scenario.clone()),
            Node::Server(scenario.clone()),
            Node::TokenProvider(scenario.clone()),
            Node::Environment(scenario.clone()),
        ])
        .init_network(Network::new_ordered(
            Vec::<stateright::actor::Envelope<Msg>>::new(),
        ))
        // The first state past the storm bound (STORM's violation) stays inside
        // the boundary: stateright's checkers skip states outside it, so they
        // would never evaluate STORM on it. Its successors are cut.
        .within_boundary(|scenario, state| {
            state.history.work_this_tick <= scenario.bounds.storm_bound.saturating_add(1)
        });
    AuthModel {
        system,
        clock: Clock::Relative,
        canonical_order: true,
    }
}
