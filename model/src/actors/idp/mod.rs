//! The IdP SDK the adapter wraps, as the tab runs it (it sees the tab's clock and
//! visibility). Its shape is WorkOS AuthKit's browser client, authkit-js
//! `src/create-client.ts` (`createClient`: `getAccessToken`, `refreshSession`,
//! `signOut`, the auto-refresh loop); what each SDK does differently (whether it
//! refreshes on its own, waits for a visible tab, refreshes on wake, retries
//! after a failure) is its row of [`crate::sdks::SDKS`], read through the
//! scenario's adapter (`Scenario::sdk_spec`), never from the adapter's row. One
//! module per behaviour:
//!
//! - [`token_store`]: the session and the access token in memory;
//! - [`refresh_policy`]: when a token is due (`#shouldRefresh`) and the
//!   auto-refresh loop;
//! - [`failure_budget`]: the transient refresh failures a scenario allows.
//!
//! What an adapter makes of what this returns is the adapter hook's business
//! (`actors::token_provider`, with its row in `crate::adapters`).

pub mod failure_budget;
pub mod refresh_policy;
pub mod token_store;

use serde::Serialize;

use crate::actors::{Token, User};
use crate::config::Scenario;
use crate::sdks::{FailureEffect, FailureKind};
use failure_budget::FailureBudget;
use token_store::TokenStore;

/// AuthKit's client in the tab.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Idp {
    /// The last clock value the IdP client has seen.
    pub now: u8,
    /// `document.hidden`.
    pub hidden: bool,
    pub store: TokenStore,
    pub budget: FailureBudget,
    /// The SDK is still loading the session (page load): the adapter reports
    /// `isLoading:true`.
    pub loading: bool,
    /// Clock ticks the IdP's outage still lasts: while above 0, every refresh
    /// fails (a network error), whatever the fault budget.
    pub outage_ticks_left: u8,
    /// A failed refresh has armed the SDK's one retry (its
    /// `failures.retries_later`): it refreshes later on its own, once the token
    /// is due.
    pub retry_armed: bool,
    /// The tab became visible while the token was due, and the SDK's wake
    /// listener has started a refresh of its own (its
    /// `refresh_policy.refreshes_on_wake`).
    pub wake_armed: bool,
}

/// How a call of the IdP ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It returns this access token.
    Token(Token),
    /// It throws `LoginRequiredError`: the user has signed out.
    LoginRequired,
    /// It throws a transient error (network error, 5xx).
    TransientError,
    /// It resolves null (or undefined) with a session still present: the
    /// SDK's answer to some kinds of failure ([`FailureEffect::ResolvesNull`]
    /// and its kin). Every hook hands it on as null.
    Null,
}

impl Idp {
    /// The client at page load (`app.page_load`): loading, with or without a
    /// session, or loaded with the page's first token in memory.
    pub fn start(scenario: &Scenario) -> Self {
        let page_load = scenario.app.page_load;
        let store = if !page_load.starts_loading() {
            TokenStore::signed_in(scenario.bounds.token_lifetime)
        } else {
            TokenStore::loading(page_load.signed_in().then_some(User::A))
        };
        Idp {
            now: 0,
            hidden: false,
            store,
            budget: FailureBudget {
                left: scenario.faults.refresh_failures,
                kind: scenario.faults.failure_kind,
            },
            loading: page_load.starts_loading(),
            outage_ticks_left: 0,
            retry_armed: false,
            wake_armed: false,
        }
    }

    /// `createClient` finishes loading: with a session it has refreshed it once
    /// and holds the first access token (that refresh is not a fault target,
    /// but a session ended at the IdP refuses it).
    /// During an outage that refresh fails: the session stays (authkit-js 0.20
    /// keeps it on a transient error) but no token is in memory.
    pub fn finish_loading(&mut self, scenario: &Scenario) {
        self.loading = false;
        if !self.store.session_alive() || self.is_down() {
            return;
        }
        if self.store.ended_at_idp {
            // The session ended while the SDK loaded: its first refresh is
            // refused, as any later one would be (no token). An SDK that wipes
            // its session wipes the user before the app first reads it, and
            // renders no user (authkit-js 0.20.3 src/create-client.ts
            // l.484-494 removeSessionData, then authkit-react reads getUser()).
            // An SDK whose server serves the page reads the token in its
            // session cookie, which WorkOS minted before the session ended:
            // only its refreshes are refused (authkit-nextjs 4.3.2
            // src/actions.ts l.98-101 getAccessTokenAction reads withAuth;
            // authkit-tanstack-react-start alike).
            match self.effect_now(scenario) {
                FailureEffect::WipesSession => {
                    self.sign_out();
                    // Ended at the IdP all the same.
                    self.store.ended_at_idp = true;
                }
                FailureEffect::NullOnceExpired
                | FailureEffect::NullOnceDue
                | FailureEffect::WipedOnceExpired => {
                    self.store_fresh_token(scenario);
                }
                effect => {
                    self.drop_session_for(effect);
                }
            }
            return;
        }
        self.store_fresh_token(scenario);
    }

    /// A sign-in, or a switch of account or session: the session is `user`'s, and
    /// once the SDK has loaded it holds a token for it.
    pub fn start_session(&mut self, scenario: &Scenario, user: User) {
        self.store.sign_in(user);
        if !self.loading {
            self.store_fresh_token(scenario);
        }
    }

    /// `#shouldRefresh()` now.
    pub fn should_refresh(&self, scenario: &Scenario) -> bool {
        refresh_policy::should_refresh(
            self.store.cached,
            self.now,
            scenario.bounds.idp_refresh_buffer,
        )
    }

    /// `getAccessToken({forceRefresh})`: the token in memory unless forced or due
    /// (`checks_expiry`: whether this call looks at the token's expiry at all);
    /// after sign-out `LoginRequiredError`. None: it refreshes the session first
    /// ([`Idp::start_refresh`]).
    pub fn get_access_token(
        &mut self,
        scenario: &Scenario,
        force: bool,
        checks_expiry: bool,
    ) -> Option<Outcome> {
        if !self.store.session_alive() || (self.store.wiped && !force) {
            return Some(Outcome::LoginRequired);
        }
        match self.store.cached {
            Some(token) if !force && (!checks_expiry || !self.should_refresh(scenario)) => {
                self.note_pulled(scenario);
                Some(Outcome::Token(token))
            }
            _ => None,
        }
    }

    /// The token store's memory now holds the token (see
    /// [`TokenStore::pulled`]), where the scenario tracks it.
    fn note_pulled(&mut self, scenario: &Scenario) {
        let session_end = scenario
            .sdk_spec()
            .failures
            .effect(FailureKind::SessionEnded);
        if scenario.failure_effect().store_reads_the_cookie_first()
            || (scenario.faults.session_ends > 0 && session_end.store_reads_the_cookie_first())
        {
            self.store.pulled = true;
        }
    }

    /// The kind of a refresh that fails now: the scenario's failure kind, or
    /// `session-ended` once the session has ended at the IdP.
    pub fn kind_now(&self) -> FailureKind {
        if self.store.ended_at_idp {
            FailureKind::SessionEnded
        } else {
            self.budget.kind
        }
    }

    /// What a failed refresh does now: the SDK's effect of [`Idp::kind_now`].
    fn effect_now(&self, scenario: &Scenario) -> FailureEffect {
        scenario.sdk_spec().failures.effect(self.kind_now())
    }

    /// The session ends at the IdP (`faults.session_ends`): the SDK keeps what
    /// it holds, and its next refresh fails.
    pub fn end_session(&mut self) {
        self.store.ended_at_idp = true;
    }

    /// `refreshSession()` starts. None: its request is on its way, and it ends
    /// when the response comes ([`Idp::finish_refresh`], failing only where the
    /// model chose a failure). Without a session it ends at once; during an
    /// outage it fails.
    pub fn start_refresh(&mut self, scenario: &Scenario) -> Option<Outcome> {
        if !self.store.session_alive() {
            Some(Outcome::LoginRequired)
        } else if self.is_down() {
            Some(self.fail(scenario))
        } else {
            None
        }
    }

    /// A `refreshSession()` that may fail ends, after the model chose whether it
    /// fails: a transient error is rethrown; a success stores the new token.
    pub fn finish_refresh(&mut self, scenario: &Scenario, chose_failure: bool) -> Outcome {
        if !self.store.session_alive() {
            Outcome::LoginRequired
        } else if self.store.refuses_every_refresh() {
            // Whatever the model chose: the IdP refuses an ended session, and
            // the app's server has no session to refresh once it deleted its
            // cookie.
            self.fail(scenario)
        } else if self.is_down() || self.budget.settle(chose_failure) {
            // During an outage it fails without spending the budget.
            self.fail(scenario)
        } else {
            let token = self.store_fresh_token(scenario);
            self.note_pulled(scenario);
            Outcome::Token(token)
        }
    }

    /// A refresh fails with the scenario's `faults.failure_kind`: what the SDK
    /// does with that kind is its row's
    /// ([`crate::sdks::FailureFacts::kinds`]). The session is kept, except
    /// where the SDK wipes it; an answer of null comes before any throw.
    fn fail(&mut self, scenario: &Scenario) -> Outcome {
        self.arm_retry(scenario);
        let effect = self.effect_now(scenario);
        let outcome = match effect {
            _ if self.drop_session_for(effect) => Outcome::LoginRequired,
            FailureEffect::ResolvesNull => Outcome::Null,
            _ if self.server_answers_no_user(scenario) => {
                // A refresh that started with nothing in the store's memory
                // read the cookie's token first, and keeps it when the refresh
                // answers no user (authkit-tanstack-react-start 0.11.1
                // dist/client/tokenStore.js l.146-164, authkit-nextjs 4.3.2
                // src/components/tokenStore.ts l.346-366: `if (refreshedToken)`).
                let kept = self
                    .store
                    .cached
                    .filter(|_| !self.store.pulled && effect.store_reads_the_cookie_first());
                // authkit-nextjs's middleware deletes the session cookie
                // (2.11.1 src/session.ts l.350-374, 4.3.2 l.358-379).
                if effect == FailureEffect::WipedOnceExpired {
                    self.store.cookie_deleted = true;
                    self.store.cached = kept;
                }
                kept.map_or(Outcome::Null, Outcome::Token)
            }
            _ => Outcome::TransientError,
        };
        self.note_pulled(scenario);
        outcome
    }

    /// What a failure with `effect` does to the SDK's own session: it wipes it
    /// (authkit-js's `removeSessionData`), or signs the user out (clerk-js's
    /// handleUnauthenticated, Convex Auth's `setToken(null)`, Better Auth's
    /// session refetch). Returns whether it did either, so that the call gives
    /// the SDK's signed-out answer.
    fn drop_session_for(&mut self, effect: FailureEffect) -> bool {
        match effect {
            FailureEffect::WipesSession => self.store.wipe(),
            FailureEffect::SignsOut => {
                self.sign_out();
            }
            _ => return false,
        }
        true
    }

    /// Whether the app's server answers a refresh failing now with no user
    /// (undefined), by the SDK's effect of the scenario's failure kind: once
    /// the token has expired, or once it is due.
    pub fn server_answers_no_user(&self, scenario: &Scenario) -> bool {
        match self.effect_now(scenario) {
            FailureEffect::NullOnceExpired => {
                self.store.cached.is_none_or(|token| self.now >= token.exp)
            }
            FailureEffect::NullOnceDue => self.should_refresh(scenario),
            FailureEffect::WipedOnceExpired => {
                self.store.cookie_deleted
                    || self.store.cached.is_none_or(|token| self.now >= token.exp)
            }
            _ => false,
        }
    }

    /// What a call of `getAccessToken({forceRefresh: force})` that met a
    /// transient error answers: the error, except under an SDK that hands a
    /// call not forced the token in memory until it expires (authkit-js
    /// 0.20.2's `#getUnexpiredAccessToken`).
    pub fn after_transient_error(&self, scenario: &Scenario, force: bool) -> Outcome {
        match self.store.cached {
            Some(token)
                if !force
                    && self.now < token.exp
                    && self.effect_now(scenario) == FailureEffect::ThrownUnlessUnexpired =>
            {
                Outcome::Token(token)
            }
            _ => Outcome::TransientError,
        }
    }

    /// After a failed refresh, an SDK that retries on its own arms its retry. A
    /// refresh the wake started was that one (refreshes are single-flighted):
    /// it is over.
    fn arm_retry(&mut self, scenario: &Scenario) {
        self.wake_armed = false;
        self.retry_armed |= scenario.sdk_spec().failures.retries_later;
    }

    /// The tab becomes visible again: an SDK with a wake listener (authkit-nextjs
    /// / TanStack `useAccessToken`'s `handleWake`, registered once the user is
    /// known) calls `getAccessTokenSilently()`, which refreshes a token that is
    /// due now; the refresh ends in a step of its own (the auto-refresh's). With
    /// a refresh already in flight it joins that one, whose end is the fetch's.
    pub fn wake(&mut self, scenario: &Scenario, refresh_in_flight: bool) {
        if scenario.sdk_spec().refresh_policy.refreshes_on_wake
            && !self.loading
            && !refresh_in_flight
            && self.store.session_alive()
            && !self.store.wiped
            && !self.store.refuses_every_refresh()
            && self.should_refresh(scenario)
        {
            self.wake_armed = true;
        }
    }

    /// Whether the IdP is down (an outage lasts).
    pub fn is_down(&self) -> bool {
        self.outage_ticks_left > 0
    }

    /// The IdP's clock reaches `now`: an outage lasts one tick less per tick.
    pub fn see_time(&mut self, now: u8) {
        let passed = now.saturating_sub(self.now);
        self.outage_ticks_left = self.outage_ticks_left.saturating_sub(passed);
        self.now = now;
    }

    /// Whether the SDK refreshes on its own now, given whether a refresh for a
    /// fetch is in flight: its auto-refresh loop (an SDK that refreshes on its
    /// own), its one retry after a failed refresh ([`Idp::retry_armed`]), or the
    /// refresh its wake listener started ([`Idp::wake_armed`]). Not while it
    /// loads: authkit-js arms its loop once `createClient` has loaded the
    /// session. During an outage its attempts fail and change nothing, so it is
    /// not taken; nor after the SDK wiped its session (`#shouldRefresh` is
    /// false in state ERROR).
    pub fn auto_refresh_wanted(&self, scenario: &Scenario, refresh_in_flight: bool) -> bool {
        let sdk = scenario.sdk_spec();
        !self.loading
            && (sdk.refresh_policy.refreshes_on_its_own || self.retry_armed || self.wake_armed)
            && !self.is_down()
            && !self.store.wiped
            && !self.store.ended_at_idp
            && refresh_policy::auto_refresh_wanted(
                self.store.session_alive(),
                self.hidden && sdk.refresh_policy.waits_for_visible,
                refresh_in_flight,
                self.should_refresh(scenario),
            )
    }

    /// The auto-refresh loop (or the SDK's retry after a failure) calls
    /// `refreshSession()` (its failures are not modelled).
    pub fn auto_refresh(&mut self, scenario: &Scenario) {
        self.store_fresh_token(scenario);
    }

    /// `signOut()` (`removeSessionData`); returns whether there was a session to
    /// end.
    pub fn sign_out(&mut self) -> bool {
        self.retry_armed = false;
        self.wake_armed = false;
        self.store.sign_out()
    }

    fn store_fresh_token(&mut self, scenario: &Scenario) -> Token {
        // A new token re-arms the SDK's timer for it: the retry is over, and so
        // is a refresh the wake started (the two share one request).
        self.retry_armed = false;
        self.wake_armed = false;
        self.store
            .store_fresh(self.now, scenario.bounds.token_lifetime)
    }
}
