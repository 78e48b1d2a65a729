//! The environment: the clock, tab visibility, the network, server data changes and
//! the user's sign-out. Not code of any project; it is what the browser, the device
//! and the user do to the system.
//!
//! Every event has a budget from the scenario and happens exactly that many times, at
//! any point of the run (each is an always-enabled timer while its budget lasts), so
//! the state space stays finite and every complete run ends with the faults spent —
//! "once faults stop" in the properties.
//!
//! - `Tick`: the clock advances one tick. The tab, the IdP client running in it and
//!   the server read one real clock; the model hands each tick to the tab, which
//!   passes it on to the token provider and the server over the same ordered
//!   channels as its other messages. So a fetch always reaches the IdP with the
//!   time it was made at, and a server never sees a time the tab has not (the
//!   server may see it later: latency). A refresh can still be in flight while the
//!   server already finds the token expired.
//! - `HideTab` / `ShowTab`: the tab is hidden, later shown (timers may fire late,
//!   AuthKit pauses its auto-refresh).
//! - `DataChange`: data the queries read changes, so the server re-runs them.
//! - `DropSocket`: the network drops the live WebSocket.
//! - `SignOut`: the user signs out at the IdP (while signed in).
//! - `SignIn`: the user signs in again (while signed out), as the user who was
//!   signed in last.
//! - `SwitchAccount`: the signed-in user switches to the other account.
//! - `SwitchSession`: the signed-in user's session or organization changes.
//! - `IdpOutage`: the IdP goes down for `faults.outage_ticks` ticks.
//! - `AppMutation`, `AppAction`, `QueryToggle`: the app, reacting to its user,
//!   calls its mutation or action, or mounts / unmounts a component with its own
//!   query (`app.mutation_later`, `app.action_later`, `app.query_toggles`).
//! - `AppSetAuth`, `AppClearAuth`: an app that holds the client calls `setAuth` or
//!   `clearAuth` itself (`app.auth_by = "app"`).
//! - `HangFetch`: the next `fetchAccessToken` the adapter serves never settles (its
//!   request to the IdP stalls; nothing in the adapter or the client times it out).
//! - `RotateKey`, `RefetchJwks`: the IdP rotates its signing key, and later the
//!   server fetches the IdP's JWKS again (`faults.token_rejection = "rotated-key"`).

use serde::Serialize;
use stateright::actor::{model_timeout, Out};

use super::{browser_id, server_id, token_provider_id, Msg, Node, Timer, User};
use crate::config::{Scenario, TokenRejection};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct EnvironmentState {
    pub now: u8,
    pub hidden: bool,
    /// Ticks left before time stops (`bounds.ticks`); None: time never stops.
    pub ticks_left: Option<u8>,
    pub hides_left: u8,
    pub data_changes_left: u8,
    pub drops_left: u8,
    pub sign_outs_left: u8,
    /// Ends of the session at the IdP still to come (`faults.session_ends`).
    pub session_ends_left: u8,
    pub hangs_left: u8,
    pub sign_ins_left: u8,
    pub account_switches_left: u8,
    pub session_switches_left: u8,
    pub outages_left: u8,
    /// The app's calls still to come (`app.*`).
    pub app_mutation_left: bool,
    pub app_action_left: bool,
    pub query_toggles_left: u8,
    pub set_auths_left: u8,
    pub clear_auths_left: u8,
    /// The user as the person at the keyboard knows it: who is signed in (None:
    /// signed out). The IdP learns each change over its channel.
    pub user: Option<User>,
    /// Who signed in last: a sign-in signs them in again.
    pub last_user: User,
    /// How long each IdP outage lasts (`faults.outage_ticks`).
    pub outage_ticks: u8,
    /// The IdP's key rotation is still to come (`faults.token_rejection =
    /// "rotated-key"`).
    pub key_rotation_left: bool,
    /// The key has rotated and the server has not fetched the JWKS since.
    pub jwks_refetch_left: bool,
}

impl EnvironmentState {
    pub fn start(scenario: &Scenario, out: &mut Out<Node>) -> Self {
        let f = &scenario.faults;
        let s = EnvironmentState {
            now: 0,
            hidden: false,
            ticks_left: scenario.bounds.ticks,
            hides_left: f.tab_hides,
            data_changes_left: f.data_changes,
            drops_left: f.socket_drops,
            sign_outs_left: f.sign_outs,
            session_ends_left: f.session_ends,
            hangs_left: f.fetch_hangs,
            sign_ins_left: f.sign_ins,
            account_switches_left: f.account_switches,
            session_switches_left: f.session_switches,
            outages_left: f.idp_outages,
            app_mutation_left: scenario.app.mutation_later,
            app_action_left: scenario.app.action_later,
            query_toggles_left: scenario.app.query_toggles,
            set_auths_left: scenario.app.set_auth_calls,
            clear_auths_left: scenario.app.clear_auth_calls,
            user: scenario.app.page_load.signed_in().then_some(User::A),
            last_user: User::A,
            outage_ticks: f.outage_ticks,
            key_rotation_left: f.token_rejection == TokenRejection::RotatedKey,
            jwks_refetch_left: false,
        };
        s.arm_timers(out);
        s
    }

    /// Whether no environment event can happen any more, the passing of time
    /// aside when it never stops. (A sign-out left in the budget of a signed-out
    /// user with no sign-in left can never happen.)
    pub fn is_spent(&self) -> bool {
        Self::EVENTS
            .iter()
            .all(|t| !self.may_happen(t) || (*t == Timer::Tick && self.ticks_left.is_none()))
    }

    /// Every environment event's timer.
    const EVENTS: [Timer; 19] = [
        Timer::Tick,
        Timer::HideTab,
        Timer::ShowTab,
        Timer::DataChange,
        Timer::DropSocket,
        Timer::SignOut,
        Timer::SessionEnds,
        Timer::HangFetch,
        Timer::SignIn,
        Timer::SwitchAccount,
        Timer::SwitchSession,
        Timer::IdpOutage,
        Timer::AppMutation,
        Timer::AppAction,
        Timer::QueryToggle,
        Timer::AppSetAuth,
        Timer::AppClearAuth,
        Timer::RotateKey,
        Timer::RefetchJwks,
    ];

    /// Whether the event of `timer` may happen now: its budget lasts and the
    /// world allows it (a sign-out needs a signed-in user, a sign-in a
    /// signed-out one).
    fn may_happen(&self, timer: &Timer) -> bool {
        let signed_in = self.user.is_some();
        match timer {
            Timer::Tick => self.ticks_left != Some(0),
            Timer::HideTab => self.hides_left > 0 && !self.hidden,
            Timer::ShowTab => self.hidden,
            Timer::DataChange => self.data_changes_left > 0,
            Timer::DropSocket => self.drops_left > 0,
            Timer::SignOut => self.sign_outs_left > 0 && signed_in,
            Timer::SessionEnds => self.session_ends_left > 0 && signed_in,
            Timer::HangFetch => self.hangs_left > 0,
            Timer::SignIn => self.sign_ins_left > 0 && !signed_in,
            Timer::SwitchAccount => self.account_switches_left > 0 && signed_in,
            Timer::SwitchSession => self.session_switches_left > 0 && signed_in,
            Timer::IdpOutage => self.outages_left > 0,
            Timer::AppMutation => self.app_mutation_left,
            Timer::AppAction => self.app_action_left,
            Timer::QueryToggle => self.query_toggles_left > 0,
            Timer::AppSetAuth => self.set_auths_left > 0,
            Timer::AppClearAuth => self.clear_auths_left > 0,
            Timer::RotateKey => self.key_rotation_left,
            Timer::RefetchJwks => self.jwks_refetch_left,
            _ => false,
        }
    }

    pub fn on_timeout(&mut self, timer: &Timer, out: &mut Out<Node>) -> bool {
        if !self.may_happen(timer) {
            return false;
        }
        match timer {
            Timer::Tick => {
                self.ticks_left = self.ticks_left.map(|n| n - 1);
                self.now += 1;
                let now = self.now;
                out.send(browser_id(), Msg::Clock { now });
            }
            Timer::HideTab => {
                self.hides_left -= 1;
                self.hidden = true;
                out.send(browser_id(), Msg::Visibility { hidden: true });
            }
            Timer::ShowTab => {
                self.hidden = false;
                out.send(browser_id(), Msg::Visibility { hidden: false });
            }
            Timer::DataChange => {
                self.data_changes_left -= 1;
                out.send(server_id(), Msg::DataChanged);
            }
            Timer::DropSocket => {
                self.drops_left -= 1;
                out.send(server_id(), Msg::NetworkDrop);
            }
            Timer::SignOut => {
                self.sign_outs_left -= 1;
                self.user = None;
                out.send(token_provider_id(), Msg::SignOut);
            }
            Timer::SessionEnds => {
                self.session_ends_left -= 1;
                out.send(token_provider_id(), Msg::SessionEnds);
            }
            Timer::HangFetch => {
                self.hangs_left -= 1;
                out.send(token_provider_id(), Msg::HangNextFetch);
            }
            Timer::SignIn => {
                self.sign_ins_left -= 1;
                self.user = Some(self.last_user);
                let user = self.last_user;
                out.send(token_provider_id(), Msg::SignIn { user });
            }
            Timer::SwitchAccount => {
                self.account_switches_left -= 1;
                let user = self.last_user.other();
                self.user = Some(user);
                self.last_user = user;
                out.send(token_provider_id(), Msg::SwitchAccount { user });
            }
            Timer::SwitchSession => {
                self.session_switches_left -= 1;
                out.send(token_provider_id(), Msg::SwitchSession);
            }
            Timer::IdpOutage => {
                self.outages_left -= 1;
                let ticks = self.outage_ticks;
                out.send(token_provider_id(), Msg::IdpOutage { ticks });
            }
            Timer::AppMutation => {
                self.app_mutation_left = false;
                out.send(browser_id(), Msg::AppCallsMutation);
            }
            Timer::AppAction => {
                self.app_action_left = false;
                out.send(browser_id(), Msg::AppCallsAction);
            }
            Timer::QueryToggle => {
                self.query_toggles_left -= 1;
                out.send(browser_id(), Msg::AppTogglesQuery);
            }
            Timer::AppSetAuth => {
                self.set_auths_left -= 1;
                out.send(browser_id(), Msg::AppSetsAuth);
            }
            Timer::AppClearAuth => {
                self.clear_auths_left -= 1;
                out.send(browser_id(), Msg::AppClearsAuth);
            }
            Timer::RotateKey => {
                self.key_rotation_left = false;
                self.jwks_refetch_left = true;
                out.send(token_provider_id(), Msg::KeyRotates);
            }
            Timer::RefetchJwks => {
                self.jwks_refetch_left = false;
                out.send(server_id(), Msg::JwksRefetched);
            }
            _ => return false,
        }
        self.arm_timers(out);
        true
    }

    /// Arms the timer of every event that may happen now and cancels the others
    /// (a sign-out, itself an event, re-arms the sign-in's).
    fn arm_timers(&self, out: &mut Out<Node>) {
        for timer in Self::EVENTS {
            if self.may_happen(&timer) {
                out.set_timer(timer, model_timeout());
            } else {
                out.cancel_timer(timer);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{App, Faults, PageLoad};

    fn env(page_load: PageLoad, faults: Faults) -> EnvironmentState {
        let scenario = Scenario {
            app: App {
                page_load,
                ..App::default()
            },
            faults,
            bounds: crate::config::Bounds {
                ticks: Some(0),
                ..Default::default()
            },
            ..Scenario::default()
        };
        EnvironmentState::start(&scenario, &mut Out::new())
    }

    /// A sign-in happens only while signed out, a sign-out only while signed in;
    /// a budget that can never be used counts as spent.
    #[test]
    fn sign_in_and_out_alternate_and_unusable_budgets_are_spent() {
        let faults = Faults {
            data_changes: 0,
            sign_ins: 1,
            sign_outs: 2,
            ..Faults::default()
        };
        let mut e = env(PageLoad::LoadedSignedIn, faults);
        assert!(
            !e.on_timeout(&Timer::SignIn, &mut Out::new()),
            "already signed in"
        );
        assert!(e.on_timeout(&Timer::SignOut, &mut Out::new()));
        assert!(
            !e.on_timeout(&Timer::SignOut, &mut Out::new()),
            "already signed out"
        );
        let mut out = Out::new();
        assert!(e.on_timeout(&Timer::SignIn, &mut out));
        assert!(out.iter().any(|c| matches!(
            c,
            stateright::actor::Command::Send(_, Msg::SignIn { user: User::A })
        )));
        assert!(e.on_timeout(&Timer::SignOut, &mut Out::new()));
        assert!(e.is_spent(), "no sign-out or sign-in left that can happen");
    }

    /// An account switch goes to the other user, and back.
    #[test]
    fn account_switches_alternate_users() {
        let faults = Faults {
            data_changes: 0,
            account_switches: 2,
            ..Faults::default()
        };
        let mut e = env(PageLoad::LoadedSignedIn, faults);
        e.on_timeout(&Timer::SwitchAccount, &mut Out::new());
        assert_eq!(e.user, Some(User::B));
        e.on_timeout(&Timer::SwitchAccount, &mut Out::new());
        assert_eq!(e.user, Some(User::A));
        assert!(e.is_spent());
    }
}
