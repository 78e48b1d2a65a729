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
//! - `SignOut`: the user signs out at the IdP.
//! - `HangFetch`: the next `fetchAccessToken` the adapter serves never settles (its
//!   request to the IdP stalls; nothing in the adapter or the client times it out).

use serde::Serialize;
use stateright::actor::{model_timeout, Out};

use super::{browser_id, server_id, token_provider_id, Msg, Node, Timer};
use crate::config::Scenario;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct EnvironmentState {
    pub now: u8,
    pub hidden: bool,
    pub ticks_left: u8,
    pub hides_left: u8,
    pub data_changes_left: u8,
    pub drops_left: u8,
    pub sign_outs_left: u8,
    pub hangs_left: u8,
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
            sign_outs_left: f.sign_outs.min(1),
            hangs_left: f.fetch_hangs,
        };
        s.arm_timers(out);
        s
    }

    /// Whether every environment event has happened.
    pub fn is_spent(&self) -> bool {
        self.ticks_left == 0
            && self.hides_left == 0
            && !self.hidden
            && self.data_changes_left == 0
            && self.drops_left == 0
            && self.sign_outs_left == 0
            && self.hangs_left == 0
    }

    pub fn on_timeout(&mut self, timer: &Timer, out: &mut Out<Node>) -> bool {
        let before = self.clone();
        match timer {
            Timer::Tick if self.ticks_left > 0 => {
                self.ticks_left -= 1;
                self.now += 1;
                let now = self.now;
                out.send(browser_id(), Msg::Clock { now });
            }
            Timer::HideTab if self.hides_left > 0 && !self.hidden => {
                self.hides_left -= 1;
                self.hidden = true;
                out.send(browser_id(), Msg::Visibility { hidden: true });
            }
            Timer::ShowTab if self.hidden => {
                self.hidden = false;
                out.send(browser_id(), Msg::Visibility { hidden: false });
            }
            Timer::DataChange if self.data_changes_left > 0 => {
                self.data_changes_left -= 1;
                out.send(server_id(), Msg::DataChanged);
            }
            Timer::DropSocket if self.drops_left > 0 => {
                self.drops_left -= 1;
                out.send(server_id(), Msg::NetworkDrop);
            }
            Timer::SignOut if self.sign_outs_left > 0 => {
                self.sign_outs_left -= 1;
                out.send(token_provider_id(), Msg::SignOut);
            }
            Timer::HangFetch if self.hangs_left > 0 => {
                self.hangs_left -= 1;
                out.send(token_provider_id(), Msg::HangNextFetch);
            }
            _ => {}
        }
        if *self == before {
            return false;
        }
        self.arm_timers(out);
        true
    }

    /// Arms the timer of every event that may still happen.
    fn arm_timers(&self, out: &mut Out<Node>) {
        let armed = [
            (Timer::Tick, self.ticks_left > 0),
            (Timer::HideTab, self.hides_left > 0 && !self.hidden),
            (Timer::ShowTab, self.hidden),
            (Timer::DataChange, self.data_changes_left > 0),
            (Timer::DropSocket, self.drops_left > 0),
            (Timer::SignOut, self.sign_outs_left > 0),
            (Timer::HangFetch, self.hangs_left > 0),
        ];
        for (timer, on) in armed {
            if on {
                out.set_timer(timer, model_timeout());
            }
        }
    }
}
