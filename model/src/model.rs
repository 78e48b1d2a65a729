//! The assembled system: the four actors on an ordered network (a WebSocket and
//! every other channel deliver in order per sender/receiver pair). Read-only views
//! of its states live in `view`; the properties, as each engine judges them, in
//! `engines`.
//!
//! Time: a tick stands for the refetch leeway (seconds), messages take
//! milliseconds. So the clock advances only when no message is in flight: every
//! message sent in one tick is delivered in that tick. What may span ticks is what
//! really can: a pending IdP refresh, a timer that fires late in a hidden tab, a
//! reconnect backoff. [`AuthModel`] is the stateright `ActorModel` of the four
//! actors with exactly that one restriction on the environment's `Tick`.

use stateright::actor::{ActorModel, ActorModelAction, Network};
use stateright::Model;

use crate::actors::{environment_id, Msg, Node, Timer};
use crate::config::Scenario;
use crate::view::View;
pub use crate::view::{SystemAction, SystemState};

/// The actor system of one scenario.
pub type ActorSystem = ActorModel<Node, Scenario, ()>;

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

    fn within_boundary(&self, state: &SystemState) -> bool {
        <ActorSystem as Model>::within_boundary(&self.system, state)
    }
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
