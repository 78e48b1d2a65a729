//! The assembled system: the four actors on an ordered network (a WebSocket and
//! every other channel deliver in order per sender/receiver pair), and read-only
//! views of a system state for properties and traces.
//!
//! Time: a tick stands for the refetch leeway (seconds), messages take
//! milliseconds. So the clock advances only when no message is in flight: every
//! message sent in one tick is delivered in that tick. What may span ticks is what
//! really can: a pending IdP refresh, a timer that fires late in a hidden tab, a
//! reconnect backoff. [`AuthModel`] is the stateright `ActorModel` of the four
//! actors with exactly that one restriction on the environment's `Tick`.

use stateright::actor::{ActorModel, ActorModelAction, ActorModelState, Network};
use stateright::Model;

use crate::actors::{
    environment_id, EnvironmentState, Msg, Node, NodeState, RefreshOutcome, ServerState, Tab,
    Timer, TokenProviderState,
};
use crate::config::Scenario;
use crate::engine::Kind;
use crate::properties;

/// The actor system of one scenario.
pub type ActorSystem = ActorModel<Node, Scenario, ()>;
/// One state of the whole system.
pub type SystemState = ActorModelState<Node, ()>;
/// One step of the whole system.
pub type SystemAction = ActorModelAction<Msg, Timer, RefreshOutcome>;

/// The model checked for one scenario: the actor system, whose clock ticks only
/// when no message is in flight.
#[derive(Clone)]
pub struct AuthModel {
    pub system: ActorSystem,
}

impl AuthModel {
    pub fn scenario(&self) -> &Scenario {
        &self.system.cfg
    }
}

fn is_tick(action: &SystemAction) -> bool {
    matches!(action, ActorModelAction::Timeout(id, Timer::Tick) if *id == environment_id())
}

impl Model for AuthModel {
    type State = SystemState;
    type Action = SystemAction;

    fn init_states(&self) -> Vec<SystemState> {
        <ActorSystem as Model>::init_states(&self.system)
    }

    fn actions(&self, state: &SystemState, actions: &mut Vec<SystemAction>) {
        self.system.actions(state, actions);
        if state.network.len() > 0 {
            actions.retain(|a| !is_tick(a));
        }
    }

    fn next_state(&self, state: &SystemState, action: SystemAction) -> Option<SystemState> {
        self.system.next_state(state, action)
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

    /// The properties as stateright's checkers and Explorer see them: always and
    /// sometimes as they are, at-end as "holds or has a successor", eventually as
    /// stateright's `Eventually` (judged only at dead ends; see the engine).
    fn properties(&self) -> Vec<stateright::Property<Self>> {
        stateright_properties()
    }

    fn within_boundary(&self, state: &SystemState) -> bool {
        <ActorSystem as Model>::within_boundary(&self.system, state)
    }
}

fn condition<const I: usize>(m: &AuthModel, s: &SystemState) -> bool {
    (properties::ALL[I].holds)(m.scenario(), &View::of(s))
}

fn condition_or_successor<const I: usize>(m: &AuthModel, s: &SystemState) -> bool {
    condition::<I>(m, s) || !m.next_states(s).is_empty()
}

fn stateright_property<const I: usize>() -> stateright::Property<AuthModel> {
    let def = &properties::ALL[I];
    match def.kind {
        Kind::Always => stateright::Property::always(def.slug, condition::<I>),
        Kind::Sometimes => stateright::Property::sometimes(def.slug, condition::<I>),
        Kind::AtEnd => stateright::Property::always(def.slug, condition_or_successor::<I>),
        Kind::Eventually => stateright::Property::eventually(def.slug, condition::<I>),
    }
}

/// Every property of [`properties::ALL`] as a stateright `Property`, in order.
pub fn stateright_properties() -> Vec<stateright::Property<AuthModel>> {
    const _: () = assert!(properties::ALL.len() == 11, "list every property below");
    vec![
        stateright_property::<0>(),
        stateright_property::<1>(),
        stateright_property::<2>(),
        stateright_property::<3>(),
        stateright_property::<4>(),
        stateright_property::<5>(),
        stateright_property::<6>(),
        stateright_property::<7>(),
        stateright_property::<8>(),
        stateright_property::<9>(),
        stateright_property::<10>(),
    ]
}

/// Builds the model of `scenario`.
pub fn build(scenario: &Scenario) -> AuthModel {
    let system = ActorModel::new(scenario.clone(), ())
        .actors([
            Node::Browser(scenario.clone()),
            Node::Server(scenario.clone()),
            Node::TokenProvider(scenario.clone()),
            Node::Environment(scenario.clone()),
        ])
        .init_network(Network::new_ordered(
            Vec::<stateright::actor::Envelope<Msg>>::new(),
        ))
        .within_boundary(|scenario, state| {
            View::of(state).tab.notes.work_this_tick <= scenario.bounds.storm_bound
        });
    AuthModel { system }
}

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

/// The four actor states of a system state.
pub struct View<'a> {
    pub tab: &'a Tab,
    pub server: &'a ServerState,
    pub token_provider: &'a TokenProviderState,
    pub environment: &'a EnvironmentState,
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
        }
    }
}
