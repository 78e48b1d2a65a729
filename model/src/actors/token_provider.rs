//! The token provider: the IdP client (WorkOS AuthKit, authkit-js
//! `src/create-client.ts`: `getAccessToken`, `#shouldRefresh`, the 1 s auto-refresh
//! loop) together with the adapter hook that turns it into `fetchAccessToken`,
//! `isLoading` and `isAuthenticated` (see [`crate::adapters`]).
//!
//! - The session is alive until the user signs out; while alive there is a cached
//!   access token. Tokens carry `iat` / `exp` in ticks.
//! - A refresh mints a new token. While the scenario's fault budget lasts, a refresh
//!   may fail transiently (a nondeterministic choice); the adapter then returns null,
//!   rethrows, or retries, as its spec says.
//! - AuthKit refreshes on its own once the token is due (`now >= exp - buffer`), but
//!   not while the tab is hidden (`onBeforeAutoRefresh = () => !document.hidden`).
//!   Auto-refresh failures change nothing visible and are not modelled.
//! - After sign-out every fetch gets `LoginRequiredError`, which every adapter maps
//!   to null.

use serde::Serialize;
use stateright::actor::{model_timeout, Out};

use super::{browser_id, AdapterOutput, FetchResult, Msg, Node, RefreshOutcome, Timer, Token};
use crate::adapters::{ForceHandling, TransientErrorHandling};
use crate::config::Scenario;
use crate::mutants::{self, Mutant};

/// A fetch waiting for its IdP refresh to settle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PendingRefresh {
    pub call: u8,
    pub failed_attempts: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TokenProviderState {
    pub now: u8,
    pub hidden: bool,
    pub session_alive: bool,
    pub cached: Option<Token>,
    pub next_serial: u8,
    pub refresh_failures_left: u8,
    pub pending: Vec<PendingRefresh>,
    /// What the adapter hook currently returns.
    pub output: AdapterOutput,
}

impl TokenProviderState {
    pub fn start(scenario: &Scenario, out: &mut Out<Node>) -> Self {
        let s = TokenProviderState {
            now: 0,
            hidden: false,
            session_alive: true,
            cached: Some(Token {
                serial: 0,
                iat: 0,
                exp: scenario.bounds.token_lifetime,
            }),
            next_serial: 1,
            refresh_failures_left: scenario.faults.refresh_failures,
            pending: Vec::new(),
            output: super::browser::initial_adapter_output(scenario.adapter),
        };
        s.sync_auto_refresh(scenario, out);
        s
    }

    /// AuthKit's `#shouldRefresh()`: no token, or the token is within the refresh
    /// buffer of its expiry.
    pub fn should_refresh(&self, scenario: &Scenario) -> bool {
        match self.cached {
            None => true,
            Some(t) => self.now.saturating_add(scenario.bounds.idp_refresh_buffer) >= t.exp,
        }
    }

    pub fn on_msg(&mut self, scenario: &Scenario, msg: &Msg, out: &mut Out<Node>) -> bool {
        let before = self.clone();
        match *msg {
            Msg::Clock { now } => self.now = now,
            Msg::Visibility { hidden } => self.hidden = hidden,
            Msg::FetchToken { call, force } => self.fetch_access_token(scenario, call, force, out),
            Msg::SignOut => self.sign_out(scenario, out),
            _ => {}
        }
        self.sync_auto_refresh(scenario, out);
        *self != before || !out.is_empty()
    }

    pub fn on_timeout(&mut self, scenario: &Scenario, timer: &Timer, out: &mut Out<Node>) -> bool {
        let before = self.clone();
        if *timer == Timer::AutoRefresh && self.auto_refresh_wanted(scenario) {
            self.mint(scenario);
        }
        self.sync_auto_refresh(scenario, out);
        *self != before
    }

    /// The transient-failure choice of a refresh settles.
    pub fn on_random(
        &mut self,
        scenario: &Scenario,
        outcome: &RefreshOutcome,
        out: &mut Out<Node>,
    ) -> bool {
        // The budget may have been spent by another refresh since this choice was
        // offered: then this refresh can only succeed.
        let fails = outcome.fails && self.refresh_failures_left > 0;
        let before = self.clone();
        if let Some(ix) = self.pending.iter().position(|p| p.call == outcome.call) {
            let mut p = self.pending.remove(ix);
            if !self.session_alive {
                reply(out, p.call, FetchResult::Null);
            } else if !fails {
                let token = self.mint(scenario);
                reply(out, p.call, FetchResult::Token(token));
            } else {
                if !mutants::active(Mutant::IdpIgnoresFailureBudget) {
                    self.refresh_failures_left -= 1;
                }
                p.failed_attempts += 1;
                match scenario.adapter.spec().transient_error {
                    TransientErrorHandling::Null => reply(out, p.call, FetchResult::Null),
                    TransientErrorHandling::Rethrow => reply(out, p.call, FetchResult::Rejected),
                    TransientErrorHandling::RetryThenNull(attempts) => {
                        if p.failed_attempts >= attempts {
                            reply(out, p.call, FetchResult::Null);
                        } else {
                            self.refresh(scenario, p, out);
                        }
                    }
                }
            }
        }
        self.sync_auto_refresh(scenario, out);
        *self != before || !out.is_empty()
    }

    /// `fetchAccessToken({forceRefreshToken})` as the adapter implements it.
    fn fetch_access_token(
        &mut self,
        scenario: &Scenario,
        call: u8,
        force: bool,
        out: &mut Out<Node>,
    ) {
        if !self.session_alive {
            let result = match self.cached {
                Some(token) if mutants::active(Mutant::SignOutKeepsToken) => {
                    FetchResult::Token(token)
                }
                _ => FetchResult::Null,
            };
            reply(out, call, result);
            return;
        }
        let force = force && !mutants::active(Mutant::AdapterDropsForce);
        let refresh = match scenario.adapter.spec().force {
            ForceHandling::Ignored => self.should_refresh(scenario),
            ForceHandling::Refreshes => force || self.should_refresh(scenario),
        };
        match (refresh, self.cached) {
            (false, Some(token)) => reply(out, call, FetchResult::Token(token)),
            _ => self.refresh(
                scenario,
                PendingRefresh {
                    call,
                    failed_attempts: 0,
                },
                out,
            ),
        }
    }

    /// An IdP refresh for a fetch: may fail while the fault budget lasts (a choice),
    /// otherwise mints a token and answers.
    fn refresh(&mut self, scenario: &Scenario, pending: PendingRefresh, out: &mut Out<Node>) {
        if self.refresh_failures_left > 0 && !mutants::active(Mutant::IdpRefreshNeverFails) {
            self.pending.push(pending);
            out.choose_random(
                format!("refresh for fetch {}", pending.call),
                vec![
                    RefreshOutcome {
                        call: pending.call,
                        fails: false,
                    },
                    RefreshOutcome {
                        call: pending.call,
                        fails: true,
                    },
                ],
            );
        } else {
            let token = self.mint(scenario);
            reply(out, pending.call, FetchResult::Token(token));
        }
    }

    fn mint(&mut self, scenario: &Scenario) -> Token {
        let lifetime = scenario.bounds.token_lifetime;
        let token = Token {
            serial: self.next_serial,
            iat: self.now,
            exp: self.now.saturating_add(lifetime),
        };
        self.next_serial = self.next_serial.wrapping_add(1);
        self.cached = Some(token);
        token
    }

    /// The user signs out: the session ends, `user` becomes null and the hook
    /// re-renders with `isAuthenticated:false` (and a new `fetchAccessToken` when
    /// `user` is in its deps).
    fn sign_out(&mut self, scenario: &Scenario, out: &mut Out<Node>) {
        if !self.session_alive {
            return;
        }
        self.session_alive = false;
        if !mutants::active(Mutant::SignOutKeepsToken) {
            self.cached = None;
        }
        let fetcher = if scenario.adapter.spec().fetcher_follows_user {
            self.output.fetcher.wrapping_add(1)
        } else {
            self.output.fetcher
        };
        self.output = AdapterOutput {
            is_loading: false,
            is_authenticated: false,
            fetcher,
        };
        out.send(browser_id(), Msg::AdapterChanged(self.output));
    }

    fn auto_refresh_wanted(&self, scenario: &Scenario) -> bool {
        // A refresh already in flight for a fetch is shared (AuthKit single-flights
        // refreshes), so the loop does not start another.
        self.session_alive
            && (!self.hidden || mutants::active(Mutant::AutoRefreshWhileHidden))
            && self.pending.is_empty()
            && self.should_refresh(scenario)
    }

    /// Arms AuthKit's auto-refresh exactly while a refresh is due.
    fn sync_auto_refresh(&self, scenario: &Scenario, out: &mut Out<Node>) {
        if self.auto_refresh_wanted(scenario) {
            out.set_timer(Timer::AutoRefresh, model_timeout());
        } else {
            out.cancel_timer(Timer::AutoRefresh);
        }
    }
}

fn reply(out: &mut Out<Node>, call: u8, result: FetchResult) {
    out.send(browser_id(), Msg::TokenFetched { call, result });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::Adapter;
    use crate::config::Faults;
    use stateright::actor::Command;

    fn scenario(adapter: Adapter, refresh_failures: u8) -> Scenario {
        Scenario {
            adapter,
            faults: Faults {
                refresh_failures,
                ..Faults::default()
            },
            ..Scenario::default()
        }
    }

    fn fetch(sc: &Scenario, s: &mut TokenProviderState, force: bool) -> Out<Node> {
        let mut out = Out::new();
        s.on_msg(sc, &Msg::FetchToken { call: 7, force }, &mut out);
        out
    }

    fn answer(out: &Out<Node>) -> Option<FetchResult> {
        out.iter().find_map(|c| match c {
            Command::Send(_, Msg::TokenFetched { result, .. }) => Some(*result),
            _ => None,
        })
    }

    #[test]
    fn workos_0_0_3_ignores_force_and_returns_the_cached_token() {
        let sc = scenario(Adapter::WorkOs003, 0);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        let cached = s.cached.unwrap();
        assert_eq!(
            answer(&fetch(&sc, &mut s, true)),
            Some(FetchResult::Token(cached))
        );
    }

    #[test]
    fn docs_custom_refreshes_on_a_forced_fetch() {
        let sc = scenario(Adapter::DocsCustom, 0);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        let cached = s.cached.unwrap();
        let Some(FetchResult::Token(t)) = answer(&fetch(&sc, &mut s, true)) else {
            panic!("a token")
        };
        assert_ne!(t, cached);
        assert_eq!(s.cached, Some(t));
    }

    #[test]
    fn a_refresh_may_fail_while_the_budget_lasts_and_the_adapter_maps_it() {
        for (adapter, expected) in [
            (Adapter::DocsCustom, Some(FetchResult::Null)),
            (Adapter::WorkOsMain, Some(FetchResult::Rejected)),
            // Retried: the budget is spent, so the second attempt succeeds.
            (
                Adapter::WorkOsPr529,
                Some(FetchResult::Token(Token {
                    serial: 1,
                    iat: 0,
                    exp: 2,
                })),
            ),
        ] {
            let sc = scenario(adapter, 1);
            let mut s = TokenProviderState::start(&sc, &mut Out::new());
            let out = fetch(&sc, &mut s, true);
            assert!(answer(&out).is_none(), "{adapter}: waits for the refresh");
            let mut out = Out::new();
            s.on_random(
                &sc,
                &RefreshOutcome {
                    call: 7,
                    fails: true,
                },
                &mut out,
            );
            assert_eq!(answer(&out), expected, "{adapter}");
            assert_eq!(s.refresh_failures_left, 0);
        }
    }

    /// authkit-js `onBeforeAutoRefresh = () => !document.hidden`: the auto-refresh
    /// loop refreshes a due token only while the tab is visible.
    #[test]
    fn a_hidden_tab_pauses_the_auto_refresh() {
        let sc = scenario(Adapter::WorkOs003, 0);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        let cached = s.cached;
        let now = sc.bounds.token_lifetime;
        s.on_msg(&sc, &Msg::Clock { now }, &mut Out::new());
        assert!(s.should_refresh(&sc));
        s.on_msg(&sc, &Msg::Visibility { hidden: true }, &mut Out::new());
        s.on_timeout(&sc, &Timer::AutoRefresh, &mut Out::new());
        assert_eq!(s.cached, cached, "no refresh while hidden");
        s.on_msg(&sc, &Msg::Visibility { hidden: false }, &mut Out::new());
        s.on_timeout(&sc, &Timer::AutoRefresh, &mut Out::new());
        assert_ne!(s.cached, cached, "refreshed once visible");
    }

    #[test]
    fn after_sign_out_every_fetch_gets_null() {
        let sc = scenario(Adapter::DocsCustom, 0);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        let mut out = Out::new();
        s.on_msg(&sc, &Msg::SignOut, &mut out);
        assert!(!s.output.is_authenticated);
        assert_eq!(s.output.fetcher, 1, "docs-custom's fetcher follows user");
        assert_eq!(answer(&fetch(&sc, &mut s, false)), Some(FetchResult::Null));
    }
}
