//! Relative time: how a run without a horizon keeps a finite state space.
//!
//! Time never stops (unless `bounds.ticks` sets a horizon), and every refresh
//! cycle mints a new token, bumps the identity version, starts a new
//! `fetchAccessToken` call. Read literally, no two states of an endless run would
//! be equal. But no transition of the model reads a clock value or a label for
//! itself; each only compares it with another one:
//!
//! - **Times** (`now` of each actor, a token's `exp`, the refetch timer's due
//!   time) are compared with one another: `now >= exp` (the server's expiry check),
//!   `now + buffer >= exp` (AuthKit's `#shouldRefresh`), `due <= now` (the refetch
//!   timer); or moved by a span: `now + lifetime` (a token minted now), `now +
//!   delay` (`scheduleTokenRefetch`, whose delay comes from `exp - iat`, a
//!   difference), `now - idp.now` (ticks an outage has lasted). A token's `iat`
//!   is read only in `exp - iat`.
//!   (No other deadline is stored: AuthKit's refresh falls due `buffer` before a
//!   token's `exp` and is computed from it; an outage counts its ticks down; the
//!   reconnect backoff is a timer with no time of its own, which may fire at any
//!   moment and so covers every duration.)
//! - **Labels** — a token's serial (the JWT string itself), the `configVersion` of
//!   a fetch call, a WebSocket's id, the identity of a `fetchAccessToken`
//!   function, a `setAuth` generation — are compared for equality only, and a new
//!   one is made unequal to every one before it. (`serial 0`, the first token of
//!   the run, is read by the "token refreshed" sanity property, so it stays 0.)
//! - **Identity versions** (the client's `identityVersion`, the server's two
//!   versions of the connection) are compared with each other and moved by one
//!   (`baseVersion`, `identityVersion + 1`); a new WebSocket sets them all afresh.
//!   The client's version is a dead value while its socket has not run `onOpen`
//!   (connecting, stopped, waiting for the backoff, or opened while paused):
//!   `restart()` in `onOpen` sets it before anything reads it, and an
//!   `Authenticate` sent meanwhile is dropped. It is then rewritten to 0 and left
//!   out of the shift; otherwise two states differing only in it, with futures
//!   alike, would be told apart, or a shift made while a connection lived would
//!   outlive the connection.
//!
//! So the future of a state depends on its times only through their differences,
//! on its labels only through which are equal, and on its identity versions only
//! through their differences. [`canonicalize`] rewrites a state into a
//! representative with the same differences and equalities: every time moved so
//! that `now` is [`CANONICAL_NOW`], every label renamed in its order of creation
//! to 1, 2, 3… (0 stays 0), the identity versions moved so that the smallest is 0.
//! The relation "same canonical form" is a bisimulation: two related states enable
//! the same actions (an action names a message flow, a timer or a choice, never a
//! value), and related states step to related states, because every step computes
//! its results from differences and equalities that the two share.
//!
//! **Caps.** A deadline already past is past for good: `exp <= now` stays true as
//! `now` grows, and no transition tells a token that expired one tick ago from one
//! that expired ten ticks ago (tokens are compared as strings, and the refetch
//! delay reads `exp - iat`, which the rewrite keeps). So every `exp` and due time
//! below `now` is raised to `now` (the token's `iat` moves with its `exp`). With
//! that cap the times of a state lie in `now ..= now + token_lifetime`, the labels
//! number at most the values a state holds at once, and the identity versions
//! span at most the messages in flight: finitely many canonical states, whatever
//! the length of the run.
//!
//! **When.** A state is rewritten only when no message is in flight. Then every
//! actor has seen the same `now` (the clock ticks only when nothing is in flight,
//! and each tick reaches every actor over the channels), no message holds a stale
//! socket id or version, and the server's connection, if any, is the tab's
//! current WebSocket: the values above are all of the state's values. States
//! with messages in flight lie within one tick of such a state, so they are
//! finitely many too.
//!
//! The absolute clock ([`Clock::Absolute`]) skips the rewrite. Paths found on the
//! relative model replay step for step on it (the two enable the same actions,
//! index for index), which is how traces show real times and token names; and
//! the equivalence test compares the two on every shipped check.

use std::collections::HashMap;

use crate::actors::browser::socket::ReadyPause;
use crate::actors::browser::{AmState, Await, SocketState, Tab};
use crate::actors::server::ServerState;
use crate::actors::token_provider::{refresh_choice_key, TokenProviderState};
use crate::actors::{AdapterOutput, EnvironmentState, Identity, NodeState, Token};
use crate::config::Scenario;
use crate::view::SystemState;

/// How the model keeps time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Clock {
    /// Canonical states: times relative to now, labels renamed (this module).
    #[default]
    Relative,
    /// Times as they are: for traces, and to test the abstraction against.
    Absolute,
}

/// The `now` of every canonical state: the token lifetime, so that the `iat` of
/// a token whose `exp` was raised to now is still a whole number.
pub fn canonical_now(scenario: &Scenario) -> u8 {
    scenario.bounds.token_lifetime
}

/// The kinds of label: each is renamed on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    /// A token's serial (with the IdP's next serial).
    Serial,
    /// A fetch call's `configVersion` (with the manager's current one).
    Call,
    /// A WebSocket's id (with the last one created).
    Socket,
    /// The identity of the adapter's `fetchAccessToken`.
    Fetcher,
    /// A `setAuth` generation (with the next one).
    Generation,
}

const LABELS: usize = 5;

/// What [`Relabel::relabel`] shows each value of a state to: first a pass that
/// collects them, then one that rewrites them.
pub trait Values {
    /// An actor's `now`.
    fn now(&mut self, now: &mut u8);
    /// A time that only matters until it has passed (a timer's due time).
    fn deadline(&mut self, at: &mut u8);
    fn token(&mut self, token: &mut Token);
    fn label(&mut self, kind: Label, value: &mut u8);
    fn identity_version(&mut self, version: &mut u8);
    /// An identity version no transition reads before it is overwritten (the
    /// tab's, while its socket has not run `onOpen`): it becomes 0.
    fn dead_identity_version(&mut self, version: &mut u8);
}

/// A part of the state holding times, tokens, labels or identity versions.
pub trait Relabel {
    /// Shows every such value of `self` to `values`.
    fn relabel(&mut self, values: &mut impl Values);
}

/// Rewrites `state` into its canonical representative (see the module doc), when
/// no message is in flight; otherwise leaves it as it is.
pub fn canonicalize(scenario: &Scenario, state: &mut SystemState) {
    if state.network.len() > 0 {
        return;
    }
    let mut seen = Collect::default();
    visit(state, &mut seen);
    let now = match &*state.actor_states[3] {
        NodeState::Environment(e) => e.now,
        _ => unreachable!("actor 3 is the environment"),
    };
    let mut rewrite = Rewrite::new(seen, now, canonical_now(scenario));
    if rewrite.is_identity() {
        return;
    }
    visit(state, &mut rewrite);
}

/// Shows every value of the state to `values`: the four actors and the pending
/// choice of an IdP refresh outcome (keyed by its fetch call).
fn visit(state: &mut SystemState, values: &mut impl Values) {
    for actor in &mut state.actor_states {
        match std::sync::Arc::make_mut(actor) {
            NodeState::Browser(tab) => tab.relabel(values),
            NodeState::Server(server) => server.relabel(values),
            NodeState::TokenProvider(tp) => tp.relabel(values),
            NodeState::Environment(env) => env.relabel(values),
        }
    }
    if let Some(choices) = state.random_choices.get_mut(2) {
        let old: Vec<_> = choices.map.drain().collect();
        for (_, mut outcomes) in old {
            for o in &mut outcomes {
                values.label(Label::Call, &mut o.call);
            }
            let call = outcomes.first().map_or(0, |o| o.call);
            choices.map.insert(refresh_choice_key(call), outcomes);
        }
    }
}

/// The first pass: every label, the smallest identity version.
#[derive(Default)]
struct Collect {
    labels: [Vec<u8>; LABELS],
    min_version: Option<u8>,
    /// A dead identity version that is not 0 yet.
    dead_version_set: bool,
}

impl Values for Collect {
    fn now(&mut self, _: &mut u8) {}
    fn deadline(&mut self, _: &mut u8) {}
    fn token(&mut self, token: &mut Token) {
        self.labels[Label::Serial as usize].push(token.serial);
    }
    fn label(&mut self, kind: Label, value: &mut u8) {
        self.labels[kind as usize].push(*value);
    }
    fn identity_version(&mut self, version: &mut u8) {
        self.min_version = Some(self.min_version.map_or(*version, |m| m.min(*version)));
    }
    fn dead_identity_version(&mut self, version: &mut u8) {
        self.dead_version_set |= *version != 0;
    }
}

/// The second pass: times moved to the canonical now (past deadlines raised to
/// it), labels renamed in order, identity versions moved down.
struct Rewrite {
    now: u8,
    canonical_now: u8,
    renames: [HashMap<u8, u8>; LABELS],
    version_shift: u8,
    dead_version_set: bool,
}

impl Rewrite {
    fn new(seen: Collect, now: u8, canonical_now: u8) -> Rewrite {
        let renames = seen.labels.map(|mut values| {
            values.sort_unstable();
            values.dedup();
            let mut next = 1;
            values
                .into_iter()
                .map(|v| {
                    if v == 0 {
                        (0, 0)
                    } else {
                        next += 1;
                        (v, next - 1)
                    }
                })
                .collect()
        });
        Rewrite {
            now,
            canonical_now,
            renames,
            version_shift: seen.min_version.unwrap_or(0),
            dead_version_set: seen.dead_version_set,
        }
    }

    /// Whether the rewrite would change nothing.
    fn is_identity(&self) -> bool {
        self.now == self.canonical_now
            && self.version_shift == 0
            && !self.dead_version_set
            && self.renames.iter().all(|m| m.iter().all(|(a, b)| a == b))
    }

    /// `at` moved so that now is the canonical now, raised to it if it has passed.
    fn relative(&self, at: u8) -> u8 {
        let at = at.max(self.now);
        (u16::from(at) + u16::from(self.canonical_now) - u16::from(self.now)) as u8
    }
}

impl Values for Rewrite {
    fn now(&mut self, now: &mut u8) {
        *now = self.relative(*now);
    }
    fn deadline(&mut self, at: &mut u8) {
        *at = self.relative(*at);
    }
    fn token(&mut self, token: &mut Token) {
        let lifetime = token.exp.saturating_sub(token.iat);
        token.exp = self.relative(token.exp);
        token.iat = token.exp.saturating_sub(lifetime);
        self.label(Label::Serial, &mut token.serial);
    }
    fn label(&mut self, kind: Label, value: &mut u8) {
        *value = self.renames[kind as usize][value];
    }
    fn dead_identity_version(&mut self, version: &mut u8) {
        *version = 0;
    }
    fn identity_version(&mut self, version: &mut u8) {
        *version -= self.version_shift;
    }
}

fn identity(values: &mut impl Values, identity: &mut Identity) {
    if let Identity::User(token) = identity {
        values.token(token);
    }
}

fn adapter_output(values: &mut impl Values, output: &mut AdapterOutput) {
    values.label(Label::Fetcher, &mut output.fetcher);
}

impl Relabel for Tab {
    fn relabel(&mut self, values: &mut impl Values) {
        values.now(&mut self.now);
        let provider = &mut self.provider;
        adapter_output(values, &mut provider.inputs);
        if let Some(committed) = &mut provider.committed {
            adapter_output(values, committed);
        }
        if let Some(generation) = &mut provider.relevant {
            values.label(Label::Generation, generation);
        }
        values.label(Label::Generation, &mut provider.next_generation);
        let am = &mut self.am;
        values.label(Label::Call, &mut am.config_version);
        match &mut am.state {
            AmState::NoAuth => {}
            AmState::WaitingForServerConfirmationOfCachedToken { config }
            | AmState::InitialRefetch { config }
            | AmState::NotRefetching { config } => config.relabel(values),
            AmState::WaitingForServerConfirmationOfFreshToken { config, token, .. } => {
                config.relabel(values);
                values.token(token);
            }
            AmState::WaitingForScheduledRefetch {
                config,
                refetch_due,
            } => {
                config.relabel(values);
                if let Some(due) = refetch_due {
                    values.deadline(due);
                }
            }
        }
        if let Some(token) = &mut self.sync.auth {
            values.token(token);
        }
        // `identityVersion` counts per connection: `restart()` in `onOpen` sets it
        // afresh, and nothing reads it before while the socket has not opened (or
        // opened paused and waits to run `onOpen`), so then it is dropped.
        match self.socket.state {
            SocketState::Ready {
                paused: ReadyPause::No | ReadyPause::Yes,
                ..
            } => values.identity_version(&mut self.sync.identity_version),
            _ => values.dead_identity_version(&mut self.sync.identity_version),
        }
        let socket = &mut self.socket;
        match &mut socket.state {
            SocketState::Connecting { socket, .. } | SocketState::Ready { socket, .. } => {
                values.label(Label::Socket, socket)
            }
            SocketState::Disconnected | SocketState::Stopped => {}
        }
        values.label(Label::Socket, &mut socket.last_socket);
        for closing in &mut socket.closing {
            values.label(Label::Socket, closing);
        }
        for pending in &mut self.pending {
            match pending {
                Await::SetConfigFetch { call, config } => {
                    values.label(Label::Call, call);
                    config.relabel(values);
                }
                Await::RefetchFetch { call, .. } | Await::ReauthFetch { call } => {
                    values.label(Label::Call, call)
                }
                Await::ReauthStop { socket } => values.label(Label::Socket, socket),
            }
        }
    }
}

impl Relabel for crate::actors::browser::AuthConfig {
    fn relabel(&mut self, values: &mut impl Values) {
        values.label(Label::Fetcher, &mut self.fetcher);
        values.label(Label::Generation, &mut self.generation);
    }
}

impl Relabel for ServerState {
    fn relabel(&mut self, values: &mut impl Values) {
        values.now(&mut self.now);
        if let Some(c) = &mut self.connection {
            values.label(Label::Socket, &mut c.socket);
            identity(values, &mut c.identity);
            values.identity_version(&mut c.received_identity);
            values.identity_version(&mut c.current_identity);
        }
        if let Some(last) = &mut self.last_query_identity {
            identity(values, last);
        }
    }
}

impl Relabel for TokenProviderState {
    fn relabel(&mut self, values: &mut impl Values) {
        values.now(&mut self.idp.now);
        if let Some(token) = &mut self.idp.store.cached {
            values.token(token);
        }
        values.label(Label::Serial, &mut self.idp.store.next_serial);
        for fetch in self
            .pending
            .iter_mut()
            .chain(&mut self.retrying)
            .chain(&mut self.backing_off)
        {
            values.label(Label::Call, &mut fetch.call);
        }
        adapter_output(values, &mut self.output);
    }
}

impl Relabel for EnvironmentState {
    fn relabel(&mut self, values: &mut impl Values) {
        values.now(&mut self.now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::User;
    use crate::config::{PageLoad, Scenario};
    use crate::model::{self, AuthModel};
    use crate::view::View;
    use stateright::Model;

    fn scenario() -> Scenario {
        let mut s = Scenario::default();
        s.app.page_load = PageLoad::LoadedSignedIn;
        s
    }

    /// The first state on `m`'s clock with nothing in flight, reached by always
    /// taking the first action, then `ticks` more ticks with everything settled.
    fn settled_after(m: &AuthModel, ticks: usize) -> SystemState {
        let mut state = m.init_states().remove(0);
        let mut seen_ticks = 0;
        loop {
            let mut actions = Vec::new();
            m.actions(&state, &mut actions);
            let settled = state.network.len() == 0;
            let tick = actions.iter().position(|a| {
                matches!(
                    a,
                    stateright::actor::ActorModelAction::Timeout(_, crate::actors::Timer::Tick)
                )
            });
            if settled && seen_ticks == ticks {
                return state;
            }
            let pick = match (settled, tick) {
                (true, Some(t)) => {
                    seen_ticks += 1;
                    t
                }
                _ => actions
                    .iter()
                    .position(|a| {
                        !matches!(
                            a,
                            stateright::actor::ActorModelAction::Timeout(
                                _,
                                crate::actors::Timer::Tick
                            )
                        )
                    })
                    .unwrap_or(0),
            };
            state = m.next_state(&state, actions[pick].clone()).unwrap();
        }
    }

    /// With nothing in flight, the canonical state's `now` is the canonical now
    /// for every actor, and every token expires within a lifetime of it.
    #[test]
    fn a_settled_state_reads_its_times_from_the_canonical_now() {
        let sc = scenario();
        let m = model::build(&sc);
        let s = settled_after(&m, 2);
        let v = View::of(&s);
        let now = canonical_now(&sc);
        assert_eq!(
            (
                v.tab.now,
                v.server.now,
                v.token_provider.idp.now,
                v.environment.now
            ),
            (now, now, now, now)
        );
        let token = v
            .token_provider
            .idp
            .store
            .cached
            .expect("a token in memory");
        assert!((now..=now + sc.bounds.token_lifetime).contains(&token.exp));
        assert_eq!(token.exp - token.iat, sc.bounds.token_lifetime);
    }

    /// The same run on the absolute clock, canonicalized afterwards, is the
    /// relative clock's state: the rewrite commutes with the steps.
    #[test]
    fn canonicalizing_the_absolute_run_gives_the_relative_run() {
        let sc = scenario();
        let relative = model::build(&sc);
        let absolute = relative.absolute();
        for ticks in 0..5 {
            let mut a = settled_after(&absolute, ticks);
            let r = settled_after(&relative, ticks);
            assert_eq!(View::of(&a).environment.now as usize, ticks);
            canonicalize(&sc, &mut a);
            assert!(a == r, "after {ticks} ticks");
        }
    }

    /// A token that expired long ago reads as one that expires now; its lifetime
    /// is kept, so the refetch delay the client computes from it is too.
    #[test]
    fn a_past_expiry_is_raised_to_now() {
        let mut old = Token {
            serial: 0,
            iat: 3,
            exp: 5,
            user: User::A,
            new_key: false,
        };
        let mut seen = Collect::default();
        seen.token(&mut old);
        let mut rewrite = Rewrite::new(seen, 9, 2);
        rewrite.token(&mut old);
        assert_eq!((old.iat, old.exp), (0, 2));
        let mut due = 4;
        rewrite.deadline(&mut due);
        assert_eq!(due, 2);
        let mut later = 10;
        rewrite.deadline(&mut later);
        assert_eq!(later, 3, "one tick after now stays one tick after now");
    }

    /// Labels are renamed in their order, 0 kept; identity versions shifted.
    #[test]
    fn labels_keep_their_order_and_versions_their_differences() {
        let mut seen = Collect::default();
        for mut v in [0u8, 7, 3, 7] {
            seen.label(Label::Socket, &mut v);
        }
        for mut v in [5u8, 6] {
            seen.identity_version(&mut v);
        }
        let mut rewrite = Rewrite::new(seen, 2, 2);
        let renamed: Vec<u8> = [0u8, 3, 7]
            .into_iter()
            .map(|mut v| {
                rewrite.label(Label::Socket, &mut v);
                v
            })
            .collect();
        assert_eq!(renamed, [0, 1, 2]);
        let (mut a, mut b) = (5u8, 6u8);
        rewrite.identity_version(&mut a);
        rewrite.identity_version(&mut b);
        assert_eq!((a, b), (0, 1));
    }

    /// A run with no horizon stays within finitely many states: after a few
    /// ticks with nothing happening but refresh cycles, the canonical state
    /// comes round again.
    #[test]
    fn a_quiet_run_comes_round_again() {
        let sc = scenario();
        let m = model::build(&sc);
        let states: Vec<SystemState> = (4..9).map(|t| settled_after(&m, t)).collect();
        assert!(
            states.windows(2).any(|w| w[0] == w[1])
                || states.iter().skip(1).any(|s| *s == states[0]),
            "no canonical state repeats over five ticks"
        );
    }
}
