//! The token provider actor: the IdP SDK ([`super::idp`], WorkOS AuthKit) with the
//! adapter hook that wraps it into what `ConvexProviderWithAuth` takes:
//! `fetchAccessToken({forceRefreshToken})`, `isLoading` and `isAuthenticated`.
//! The hook mirrors `useAuthFromAuthKit` of `@convex-dev/workos`
//! (`npm-packages/@convex-dev/workos/src/index.tsx`) and the docs' custom hook; what
//! each adapter does differently is data, its row in [`crate::adapters`]:
//!
//! - a fetch asks the IdP for a token (`getAccessToken`), forced or not as the
//!   adapter passes `forceRefreshToken` on;
//! - what the IdP throws (`LoginRequiredError`, a transient error) becomes null, a
//!   rejection or a retry, as the row says, once the SDK's own retries (its row
//!   of `crate::sdks`) are spent;
//! - at page load the hook reports loading until the SDK has loaded the session
//!   (`app.page_load`), then the user or no user;
//! - when the user signs out, signs in, switches account or session, the hook
//!   re-renders with the new `isAuthenticated`, and a new `fetchAccessToken` when
//!   its deps follow that change (the row's `fetcher_follows_*`).

use serde::Serialize;
use stateright::actor::{model_timeout, Out};

use super::idp::{Idp, Outcome};
use super::{
    browser_id, AdapterOutput, FetchResult, Msg, Node, RefreshOutcome, Settles, Timer, Token,
};
use crate::adapters::{AdapterSpec, AfterError, ErrorHandling, ForceHandling, SdkState};
use crate::config::Scenario;

/// The key of the model's choice of how the refresh serving fetch `call` ends.
pub fn refresh_choice_key(call: u8) -> String {
    format!("refresh for fetch {call}")
}

/// A `fetchAccessToken` call waiting for an IdP refresh to end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PendingFetch {
    pub call: u8,
    /// The IdP calls of this fetch that have thrown so far (the adapter may retry).
    pub failed_attempts: u8,
    /// How the adapter calls the SDK for this fetch, the first time and at each
    /// retry: forced (a refresh) or not, and whether a cached token's expiry is
    /// checked.
    pub force: bool,
    pub checks_expiry: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TokenProviderState {
    /// AuthKit's client.
    pub idp: Idp,
    /// The fetches waiting for the one IdP refresh in flight (single-flight).
    pub pending: Vec<PendingFetch>,
    /// The fetches whose adapter waits before it retries a failed IdP call
    /// (`waits_before_retry`); the `AdapterRetry` timer ends the wait.
    pub retrying: Vec<PendingFetch>,
    /// The fetches whose adapter backs off at its cap (`RetryWithBackoff`): they
    /// wait for the clock to tick, then join `retrying`.
    pub backing_off: Vec<PendingFetch>,
    /// What the adapter hook currently returns.
    pub output: AdapterOutput,
    /// The environment has stalled the adapter's next request: the next
    /// `fetchAccessToken` call's promise never settles.
    pub next_fetch_hangs: bool,
    /// The last token the hook returned, for a hook that answers an error
    /// with it (`ErrorHandling::LastReturned`); always None for any other, so
    /// that their states stay as many as they were.
    pub last_returned: Option<Token>,
}

impl TokenProviderState {
    pub fn start(scenario: &Scenario, out: &mut Out<Node>) -> Self {
        let s = TokenProviderState {
            idp: Idp::start(scenario),
            pending: Vec::new(),
            retrying: Vec::new(),
            backing_off: Vec::new(),
            output: AdapterOutput::at_page_load(scenario.app.page_load),
            next_fetch_hangs: false,
            last_returned: None,
        };
        if s.idp.loading {
            out.set_timer(Timer::IdpLoads, model_timeout());
        }
        s.sync_auto_refresh(scenario, out);
        s
    }

    pub fn on_msg(&mut self, scenario: &Scenario, msg: &Msg, out: &mut Out<Node>) -> bool {
        let before = self.clone();
        match *msg {
            Msg::Clock { now } => {
                self.idp.see_time(now);
                self.end_backoff(out);
            }
            Msg::IdpOutage { ticks } => self.idp.outage_ticks_left = ticks,
            Msg::Visibility { hidden } => {
                let shown = self.idp.hidden && !hidden;
                self.idp.hidden = hidden;
                if shown {
                    self.idp.wake(scenario, !self.pending.is_empty());
                }
            }
            Msg::HangNextFetch => self.next_fetch_hangs = true,
            // A hung call: its promise is never settled, nothing else happens.
            Msg::FetchToken { .. } if self.next_fetch_hangs => self.next_fetch_hangs = false,
            Msg::FetchToken { call, force } => self.fetch_access_token(scenario, call, force, out),
            Msg::SignOut => self.sign_out(scenario, &before, out),
            Msg::SessionEnds => self.idp.end_session(),
            // The IdP's key rotation: the SDK's client code sees nothing of it;
            // the tokens it gets from now on carry the new key.
            Msg::KeyRotates => self.idp.store.key_rotated = true,
            Msg::SignIn { user } | Msg::SwitchAccount { user } => {
                self.idp.start_session(scenario, user);
                let follows =
                    self.fetcher_follows(scenario, &before, |spec| spec.fetcher_follows_user);
                self.rerender(scenario, follows, out);
            }
            Msg::SwitchSession => {
                if let Some(user) = self.idp.store.session {
                    self.idp.start_session(scenario, user);
                    let follows = self
                        .fetcher_follows(scenario, &before, |spec| spec.fetcher_follows_session);
                    self.rerender(scenario, follows, out);
                }
            }
            _ => {}
        }
        self.follow_sdk(scenario, &before, out);
        self.sync_auto_refresh(scenario, out);
        *self != before || !out.is_empty()
    }

    pub fn on_timeout(&mut self, scenario: &Scenario, timer: &Timer, out: &mut Out<Node>) -> bool {
        let before = self.clone();
        if *timer == Timer::AutoRefresh && self.auto_refresh_wanted(scenario) {
            self.idp.auto_refresh(scenario);
        }
        if *timer == Timer::AdapterRetry {
            // The wait is over: every waiting fetch calls the IdP again, or, after
            // its last attempt, gives up (in the macrotask of the wait's end).
            let transient = scenario
                .adapter_spec()
                .transient_error_path(scenario.faults.failure_kind);
            for fetch in std::mem::take(&mut self.retrying) {
                match transient.handling.after(fetch.failed_attempts) {
                    AfterError::Retry => self.call_sdk_again(scenario, fetch, out),
                    gives_up => self.give_up(fetch, gives_up, Settles::InTheResponse, out),
                }
            }
        }
        if *timer == Timer::IdpLoads && self.idp.loading {
            self.idp.finish_loading(scenario);
            let user_appears = self.idp.store.session_alive();
            let follows = self.fetcher_follows(scenario, &before, |spec| {
                spec.fetcher_follows_sdk_load || (user_appears && spec.fetcher_follows_user)
            });
            self.rerender(scenario, follows, out);
        }
        self.follow_sdk(scenario, &before, out);
        self.sync_auto_refresh(scenario, out);
        *self != before
    }

    /// The model's choice of how the refresh serving fetch `outcome.call` ends.
    pub fn on_random(
        &mut self,
        scenario: &Scenario,
        outcome: &RefreshOutcome,
        out: &mut Out<Node>,
    ) -> bool {
        let before = self.clone();
        if self.pending.iter().any(|p| p.call == outcome.call) {
            // The one refresh in flight ends, and with it every fetch sharing it.
            let sharing = std::mem::take(&mut self.pending);
            let ended = self.idp.finish_refresh(scenario, outcome.fails);
            for fetch in sharing {
                self.after_idp_call(scenario, fetch, ended, Settles::InTheResponse, out);
            }
            // An SDK that signs the user out when the IdP refuses the session.
            if before.idp.store.session_alive() && !self.idp.store.session_alive() {
                self.rerender_signed_out(scenario, &before, out);
            }
        }
        self.follow_sdk(scenario, &before, out);
        self.sync_auto_refresh(scenario, out);
        *self != before || !out.is_empty()
    }

    /// `fetchAccessToken({forceRefreshToken})`: `getAccessToken`, forced when the
    /// adapter passes the flag on.
    fn fetch_access_token(
        &mut self,
        scenario: &Scenario,
        call: u8,
        force: bool,
        out: &mut Out<Node>,
    ) {
        let spec = scenario.adapter_spec();
        let store = scenario.sdk_spec().token_store;
        // A forced fetch refreshes where the adapter passes the flag on; with no
        // token kept between calls, every fetch does. A forced fetch the adapter
        // turns into a plain getAccessToken() checks the token's expiry.
        let checks_expiry =
            spec.cache_checks_expiry || (force && spec.force == ForceHandling::PlainGetAccessToken);
        let force = (force && spec.force == ForceHandling::Refreshes) || !store.keeps_tokens;
        let fetch = PendingFetch {
            call,
            failed_attempts: 0,
            force,
            checks_expiry,
        };
        match self.idp.get_access_token(scenario, force, checks_expiry) {
            Some(ended) => {
                let settles = if store.answers_from_memory_at_once {
                    Settles::InTheCall
                } else {
                    Settles::Later
                };
                self.after_idp_call(scenario, fetch, ended, settles, out)
            }
            None => self.refresh(scenario, fetch, out),
        }
    }

    /// The adapter's retry after its wait: it calls the SDK as it did the first
    /// time. A forced call refreshes; a plain one is answered from the SDK's cache
    /// when the cache holds a token it hands out (AuthKit refreshed on its own
    /// meanwhile), in the macrotask of the wait's end, and refreshes otherwise.
    /// (Found by replaying `fixes/workos` on the real authkit-js: a retry is
    /// `getAccessToken()` again, not a refresh.)
    fn call_sdk_again(&mut self, scenario: &Scenario, fetch: PendingFetch, out: &mut Out<Node>) {
        if !fetch.force {
            if let Some(ended) = self
                .idp
                .get_access_token(scenario, false, fetch.checks_expiry)
            {
                return self.after_idp_call(scenario, fetch, ended, Settles::InTheResponse, out);
            }
        }
        self.refresh(scenario, fetch, out)
    }

    /// An IdP refresh for `fetch`: a request whose response comes in a later step
    /// (the model's choice of how it ends, a success unless it may fail), or an
    /// error at once (an ended session, an outage). authkit-js single-flights
    /// `refreshSession()` (a call while one is in flight gets that one's promise),
    /// so a fetch that needs a refresh while one is pending shares it: one
    /// outcome, success or failure, for all of them.
    fn refresh(&mut self, scenario: &Scenario, fetch: PendingFetch, out: &mut Out<Node>) {
        if !self.pending.is_empty() {
            self.pending.push(fetch);
            return;
        }
        match self.idp.start_refresh(scenario) {
            Some(ended) => self.after_idp_call(scenario, fetch, ended, Settles::Later, out),
            None => {
                self.pending.push(fetch);
                let succeeds = RefreshOutcome {
                    call: fetch.call,
                    fails: false,
                };
                let outcomes = if self.idp.budget.may_fail() {
                    vec![
                        succeeds,
                        RefreshOutcome {
                            call: fetch.call,
                            fails: true,
                        },
                    ]
                } else {
                    vec![succeeds]
                };
                out.choose_random(refresh_choice_key(fetch.call), outcomes);
            }
        }
    }

    /// The adapter after an IdP call of `fetch` ended: a token resolves the fetch;
    /// an error becomes null, a rejection or a retry, as the adapter's row says,
    /// in the macrotask `settles` names (a retry goes to the network).
    fn after_idp_call(
        &mut self,
        scenario: &Scenario,
        mut fetch: PendingFetch,
        ended: Outcome,
        settles: Settles,
        out: &mut Out<Node>,
    ) {
        let spec = scenario.adapter_spec();
        let transient = spec.transient_error_path(scenario.faults.failure_kind);
        let ended = match ended {
            Outcome::TransientError => self.idp.after_transient_error(scenario, fetch.force),
            ended => ended,
        };
        let handling = match ended {
            Outcome::Token(token) => {
                if spec.transient_error == ErrorHandling::LastReturned {
                    self.last_returned = Some(token);
                }
                return reply(out, fetch.call, FetchResult::Token(token), settles);
            }
            // A hook hands the SDK's null (or undefined) on as null, unless it
            // retries it like an error while the user is still signed in.
            Outcome::Null
                if spec.retries_null_while_signed_in && self.idp.store.session_alive() =>
            {
                transient.handling
            }
            Outcome::Null => return reply(out, fetch.call, FetchResult::Null, settles),
            Outcome::LoginRequired => spec.login_required,
            Outcome::TransientError => transient.handling,
        };
        fetch.failed_attempts = fetch
            .failed_attempts
            .saturating_add(1)
            .min(handling.counts_up_to());
        match handling.after(fetch.failed_attempts) {
            AfterError::Retry if handling.waits_a_tick(fetch.failed_attempts) => {
                self.backing_off.push(fetch)
            }
            AfterError::Retry if transient.waits_before_retry => self.wait_before_retry(fetch, out),
            AfterError::Retry => self.refresh(scenario, fetch, out),
            // It sleeps once more before it gives up (`AdapterRetry` ends the wait).
            _ if ended == Outcome::TransientError && transient.waits_after_last_failure => {
                self.wait_before_retry(fetch, out)
            }
            gives_up => self.give_up(fetch, gives_up, settles, out),
        }
    }

    /// The adapter waits before it calls the IdP again (or gives up, after its
    /// last attempt): the `AdapterRetry` timer ends the wait.
    fn wait_before_retry(&mut self, fetch: PendingFetch, out: &mut Out<Node>) {
        self.retrying.push(fetch);
        out.set_timer(Timer::AdapterRetry, model_timeout());
    }

    /// The clock has ticked: the backoff of every fetch waiting at its cap has
    /// lasted a tick, and ends a short wait later (`AdapterRetry`), so the retry
    /// comes between one and two ticks after the failure.
    fn end_backoff(&mut self, out: &mut Out<Node>) {
        for fetch in std::mem::take(&mut self.backing_off) {
            self.wait_before_retry(fetch, out);
        }
    }

    /// The adapter settles `fetch` after an IdP error, as `after` says (not a
    /// retry), in the macrotask `settles` names.
    fn give_up(
        &self,
        fetch: PendingFetch,
        after: AfterError,
        settles: Settles,
        out: &mut Out<Node>,
    ) {
        let result = match after {
            AfterError::Reject => FetchResult::Rejected,
            AfterError::ResolveStaleToken => match self.idp.store.cached {
                Some(token) => FetchResult::Token(token),
                None => FetchResult::Null,
            },
            AfterError::ResolveLastReturned => match self.last_returned {
                Some(token) => FetchResult::Token(token),
                None => FetchResult::Null,
            },
            AfterError::ResolveNull | AfterError::Retry => FetchResult::Null,
        };
        reply(out, fetch.call, result, settles)
    }

    /// The user signs out: the session ends, `user` becomes null and the hook
    /// re-renders with `isAuthenticated:false` (and a new `fetchAccessToken` when
    /// `user`, or the token, is in its deps).
    fn sign_out(&mut self, scenario: &Scenario, before: &TokenProviderState, out: &mut Out<Node>) {
        if self.idp.sign_out() {
            self.rerender_signed_out(scenario, before, out);
        }
    }

    /// The SDK has no user any more (since `before`): the hook re-renders
    /// signed out, with a new `fetchAccessToken` where `user` is in its deps.
    fn rerender_signed_out(
        &mut self,
        scenario: &Scenario,
        before: &TokenProviderState,
        out: &mut Out<Node>,
    ) {
        let follows = self.fetcher_follows(scenario, before, |spec| spec.fetcher_follows_user);
        self.rerender(scenario, follows, out);
    }

    /// Whether the re-render after this step hands over a new `fetchAccessToken`:
    /// what changed is in its deps by `rule` (the user, the session, the SDK's
    /// load), or the token is and the SDK's token changed since `before`.
    fn fetcher_follows(
        &self,
        scenario: &Scenario,
        before: &TokenProviderState,
        rule: impl Fn(&AdapterSpec) -> bool,
    ) -> bool {
        let spec = scenario.adapter_spec();
        rule(&spec)
            || (spec.fetcher_follows_token && self.idp.store.cached != before.idp.store.cached)
    }

    /// The hook re-renders after the SDK's state changed: loading while the SDK
    /// loads, otherwise authenticated exactly while a user is signed in; a new
    /// `fetchAccessToken` when `new_fetcher` (what changed is in its deps). The
    /// re-render reaches the provider even when nothing it reads changed (the
    /// `user` object did).
    fn rerender(&mut self, scenario: &Scenario, new_fetcher: bool, out: &mut Out<Node>) {
        let loading = self.idp.loading;
        let fetcher = if new_fetcher && !loading {
            self.output.fetcher.wrapping_add(1)
        } else {
            self.output.fetcher
        };
        let (is_loading, is_authenticated) = self.hook_flags(scenario);
        self.output = AdapterOutput {
            is_loading,
            is_authenticated,
            fetcher,
        };
        if !loading {
            out.send(browser_id(), Msg::AdapterChanged(self.output));
        }
    }

    /// The hook's `isLoading` / `isAuthenticated` for the SDK's state now, by the
    /// adapter's row (`AdapterSpec::hook_flags`).
    fn hook_flags(&self, scenario: &Scenario) -> (bool, bool) {
        scenario.adapter_spec().hook_flags(SdkState {
            loading: self.idp.loading,
            signed_in: self.idp.store.session_alive(),
            has_token: self.idp.store.cached.is_some(),
            refreshing: !self.pending.is_empty(),
        })
    }

    /// After a step of the SDK: where the row's rules make the hook's outputs
    /// follow the SDK (loading while refreshing, authenticated only with a token),
    /// a change of them re-renders the provider.
    /// Where the token itself is in the fetcher's deps (`fetcher_follows_token`),
    /// a new token in the SDK since `before` re-renders the provider with a new
    /// `fetchAccessToken`, unless this step's re-render already did.
    fn follow_sdk(
        &mut self,
        scenario: &Scenario,
        before: &TokenProviderState,
        out: &mut Out<Node>,
    ) {
        if self.idp.loading {
            return;
        }
        let token_changed = self.idp.store.cached != before.idp.store.cached;
        if scenario.adapter_spec().fetcher_follows_token
            && token_changed
            && self.output.fetcher == before.output.fetcher
        {
            return self.rerender(scenario, true, out);
        }
        let now = self.hook_flags(scenario);
        if now != (self.output.is_loading, self.output.is_authenticated) {
            self.rerender(scenario, false, out);
        }
    }

    /// Whether the SDK refreshes on its own now (`Idp::auto_refresh_wanted`),
    /// with or without a refresh for a fetch in flight.
    fn auto_refresh_wanted(&self, scenario: &Scenario) -> bool {
        self.idp
            .auto_refresh_wanted(scenario, !self.pending.is_empty())
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

fn reply(out: &mut Out<Node>, call: u8, result: FetchResult, settles: Settles) {
    out.send(
        browser_id(),
        Msg::TokenFetched {
            call,
            result,
            settles,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::{Token, User};
    use crate::adapters::Adapter;
    use crate::config::{App, Faults, PageLoad};
    use stateright::actor::Command;

    fn scenario(adapter: Adapter, refresh_failures: u8) -> Scenario {
        Scenario {
            adapter,
            faults: Faults {
                refresh_failures,
                ..Faults::default()
            },
            app: App {
                page_load: PageLoad::LoadedSignedIn,
                ..App::default()
            },
            ..Scenario::default()
        }
    }

    fn fetch(sc: &Scenario, s: &mut TokenProviderState, force: bool) -> Out<Node> {
        let mut out = Out::new();
        s.on_msg(sc, &Msg::FetchToken { call: 7, force }, &mut out);
        out
    }

    /// `out`, or, where it waits for the IdP's response and only a success can
    /// come, what the response brings.
    fn responded(sc: &Scenario, s: &mut TokenProviderState, mut out: Out<Node>) -> Out<Node> {
        while let Some(only) = out.iter().find_map(|c| match c {
            Command::ChooseRandom(_, choices) if choices.len() == 1 => Some(choices[0].clone()),
            _ => None,
        }) {
            out = Out::new();
            s.on_random(sc, &only, &mut out);
        }
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
        let cached = s.idp.store.cached.unwrap();
        assert_eq!(
            answer(&fetch(&sc, &mut s, true)),
            Some(FetchResult::Token(cached))
        );
    }

    /// A stalled request: the fetch after `HangNextFetch` is never answered, and
    /// only that one.
    #[test]
    fn a_stalled_fetch_is_never_answered() {
        let sc = scenario(Adapter::WorkOs003, 0);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        assert!(s.on_msg(&sc, &Msg::HangNextFetch, &mut Out::new()));
        assert!(s.next_fetch_hangs);
        let hung = fetch(&sc, &mut s, false);
        assert_eq!(answer(&hung), None, "the promise never settles");
        assert!(!s.next_fetch_hangs, "one stall, one fetch");
        assert!(answer(&fetch(&sc, &mut s, false)).is_some());
    }

    #[test]
    fn docs_custom_refreshes_on_a_forced_fetch() {
        let sc = scenario(Adapter::DocsCustom, 0);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        let cached = s.idp.store.cached.unwrap();
        let asked = fetch(&sc, &mut s, true);
        assert_eq!(answer(&asked), None, "it waits for the IdP's response");
        let Some(FetchResult::Token(t)) = answer(&responded(&sc, &mut s, asked)) else {
            panic!("a token")
        };
        assert_ne!(t, cached);
        assert_eq!(s.idp.store.cached, Some(t));
    }

    #[test]
    fn a_refresh_may_fail_while_the_budget_lasts_and_the_adapter_maps_it() {
        for (adapter, expected) in [
            (Adapter::DocsCustom, Some(FetchResult::Null)),
            (Adapter::WorkOsPr529Cd91e8a, Some(FetchResult::Rejected)),
            // Retried: the budget is spent, so the second attempt succeeds.
            (
                Adapter::WorkOsPr529,
                Some(FetchResult::Token(Token {
                    serial: 1,
                    iat: 0,
                    exp: 2,
                    user: User::A,
                    new_key: false,
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
            let out = after_retry_waits(&sc, &mut s, out);
            assert_eq!(answer(&out), expected, "{adapter}");
            assert_eq!(s.idp.budget.left, 0);
        }
    }

    fn fail_the_refresh(sc: &Scenario, s: &mut TokenProviderState) -> Out<Node> {
        let mut out = Out::new();
        s.on_random(
            sc,
            &RefreshOutcome {
                call: 7,
                fails: true,
            },
            &mut out,
        );
        out
    }

    fn arms_auto_refresh(out: &Out<Node>) -> bool {
        out.iter()
            .any(|c| matches!(c, Command::SetTimer(Timer::AutoRefresh, _)))
    }

    /// Convex Auth's verifyCode sleeps after every network error, the last one
    /// too, and only then throws: two failures, two waits, a rejection.
    #[test]
    fn convex_auth_waits_after_its_last_attempt_too() {
        let sc = scenario(Adapter::ConvexAuth, 2);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        assert!(answer(&fetch(&sc, &mut s, true)).is_none());
        let mut waits = 0;
        let mut out = fail_the_refresh(&sc, &mut s);
        while out
            .iter()
            .any(|c| matches!(c, Command::SetTimer(Timer::AdapterRetry, _)))
        {
            waits += 1;
            assert_eq!(answer(&out), None);
            out = Out::new();
            s.on_timeout(&sc, &Timer::AdapterRetry, &mut out);
            if let Some(Command::ChooseRandom(..)) =
                out.iter().find(|c| matches!(c, Command::ChooseRandom(..)))
            {
                out = fail_the_refresh(&sc, &mut s);
            }
        }
        assert_eq!(waits, 2);
        assert_eq!(answer(&out), Some(FetchResult::Rejected));
    }

    /// WorkOS template revision G: a failed refresh hands back the token the
    /// store kept, not null.
    #[test]
    fn the_wake_fix_returns_the_stale_token_on_an_error() {
        let sc = scenario(Adapter::AuthkitNextjsWakeFix, 1);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        let stale = s.idp.store.cached.unwrap();
        assert!(answer(&fetch(&sc, &mut s, true)).is_none());
        let out = fail_the_refresh(&sc, &mut s);
        assert_eq!(answer(&out), Some(FetchResult::Token(stale)));
    }

    /// A hook that answers a transient error with the last token it returned
    /// (`transient_error = "last-returned"`, a ref it keeps): null before it
    /// has returned one, where "stale-token" hands on the SDK's cached token;
    /// once it has, that token.
    #[test]
    fn last_returned_answers_an_error_with_the_hooks_own_last_token() {
        use crate::adapters::{CustomAdapter, CustomError, CustomForce, CustomSdk};
        let custom = |transient_error| Scenario {
            adapter: Adapter::Custom,
            custom_adapter: Some(CustomAdapter {
                force: CustomForce::Refreshes,
                transient_error,
                ..crate::learn::template(CustomSdk::AuthkitJs0202)
            }),
            ..scenario(Adapter::Custom, 1)
        };
        // The first fetch is forced and its refresh fails.
        for (transient_error, first_answer) in [
            (CustomError::LastReturned, None),
            (CustomError::StaleToken, Some(())),
        ] {
            let sc = custom(transient_error);
            let mut s = TokenProviderState::start(&sc, &mut Out::new());
            let cached = s.idp.store.cached.unwrap();
            assert_eq!(answer(&fetch(&sc, &mut s, true)), None);
            assert_eq!(
                answer(&fail_the_refresh(&sc, &mut s)),
                Some(first_answer.map_or(FetchResult::Null, |()| FetchResult::Token(cached))),
                "{transient_error:?}"
            );
        }
        // A token returned first is what a failure gets.
        let sc = custom(CustomError::LastReturned);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        let asked = fetch(&sc, &mut s, false);
        let Some(FetchResult::Token(returned)) = answer(&responded(&sc, &mut s, asked)) else {
            panic!("a token")
        };
        assert_eq!(s.last_returned, Some(returned));
        assert_eq!(answer(&fetch(&sc, &mut s, true)), None);
        assert_eq!(
            answer(&fail_the_refresh(&sc, &mut s)),
            Some(FetchResult::Token(returned))
        );
        // Any other hook keeps no token of its own (its states stay as many).
        let sc = custom(CustomError::StaleToken);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        let asked = fetch(&sc, &mut s, false);
        assert!(answer(&responded(&sc, &mut s, asked)).is_some());
        assert_eq!(s.last_returned, None);
    }

    /// authkit-nextjs's token store never refreshes a short token on its own,
    /// but after a failed refresh it retries once, on its own, when the token
    /// is due; the hook's fetcher does not change (the token is not in its deps).
    #[test]
    fn the_nextjs_store_refreshes_on_its_own_only_to_retry_a_failure() {
        let sc = scenario(Adapter::AuthkitNextjs, 1);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        let due = sc.bounds.token_lifetime;
        let mut out = Out::new();
        s.on_msg(&sc, &Msg::Clock { now: due }, &mut out);
        assert!(!arms_auto_refresh(&out), "no refresh of its own");
        assert!(answer(&fetch(&sc, &mut s, true)).is_none());
        let out = fail_the_refresh(&sc, &mut s);
        assert_eq!(answer(&out), Some(FetchResult::Null));
        assert!(s.idp.retry_armed && arms_auto_refresh(&out));
        let fetcher = s.output.fetcher;
        let mut out = Out::new();
        s.on_timeout(&sc, &Timer::AutoRefresh, &mut out);
        assert_eq!(s.idp.store.cached.unwrap().iat, due, "a fresh token");
        assert!(!s.idp.retry_armed && !arms_auto_refresh(&out));
        assert_eq!(s.output.fetcher, fetcher);
    }

    /// TanStack template 71494a3: a forced fetch is a plain getAccessToken()
    /// (the cached token while it is not due), a fetch that is not forced hands
    /// back the rendered token even when expired, and every new token in the
    /// store gives the provider a new fetcher.
    #[test]
    fn tanstack_2025_checks_expiry_only_when_forced_and_follows_the_token() {
        let sc = scenario(Adapter::TanstackStart2025, 0);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        let first = s.idp.store.cached.unwrap();
        assert_eq!(
            answer(&fetch(&sc, &mut s, true)),
            Some(FetchResult::Token(first)),
            "not due: the same token"
        );
        s.on_msg(&sc, &Msg::Clock { now: first.exp }, &mut Out::new());
        assert_eq!(
            answer(&fetch(&sc, &mut s, false)),
            Some(FetchResult::Token(first)),
            "expired, but not checked"
        );
        let fetcher = s.output.fetcher;
        let asked = fetch(&sc, &mut s, true);
        let Some(FetchResult::Token(fresh)) = answer(&responded(&sc, &mut s, asked)) else {
            panic!("due: a refresh")
        };
        assert_ne!(fresh, first);
        assert_eq!(s.output.fetcher, fetcher.wrapping_add(1), "a new fetcher");
    }

    /// `out`, or, while it arms the adapter's retry wait, what the retry after
    /// the wait sends (PR #529 waits before each retry: nothing is answered
    /// until the wait ends).
    fn after_retry_waits(
        sc: &Scenario,
        s: &mut TokenProviderState,
        mut out: Out<Node>,
    ) -> Out<Node> {
        while out
            .iter()
            .any(|c| matches!(c, Command::SetTimer(Timer::AdapterRetry, _)))
        {
            assert!(answer(&out).is_none(), "nothing answered during the wait");
            assert!(!s.retrying.is_empty());
            out = Out::new();
            s.on_timeout(sc, &Timer::AdapterRetry, &mut out);
            out = responded(sc, s, out);
        }
        responded(sc, s, out)
    }

    /// The recommended hooks' bounded backoff: two retries after short waits,
    /// then each retry waits for the clock to tick before its short wait, and
    /// the fetch is never answered with null while the IdP keeps failing.
    #[test]
    fn a_backing_off_adapter_waits_a_tick_at_its_cap_and_never_gives_up() {
        let sc = scenario(Adapter::RecommendedWorkOs, 5);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        let _ = fetch(&sc, &mut s, true);
        let waits_short = |out: &Out<Node>| {
            out.iter()
                .any(|c| matches!(c, Command::SetTimer(Timer::AdapterRetry, _)))
        };
        for _ in 0..2 {
            let out = fail_the_refresh(&sc, &mut s);
            assert!(answer(&out).is_none() && waits_short(&out), "a short wait");
            s.on_timeout(&sc, &Timer::AdapterRetry, &mut Out::new());
        }
        for _ in 0..3 {
            let out = fail_the_refresh(&sc, &mut s);
            assert!(answer(&out).is_none(), "never null");
            assert!(!waits_short(&out) && s.backing_off.len() == 1, "at its cap");
            let now = s.idp.now + 1;
            let mut out = Out::new();
            s.on_msg(&sc, &Msg::Clock { now }, &mut out);
            assert!(
                waits_short(&out) && s.backing_off.is_empty(),
                "a tick later"
            );
            s.on_timeout(&sc, &Timer::AdapterRetry, &mut Out::new());
            assert_eq!(s.pending.len(), 1, "it calls the IdP again");
        }
    }

    /// authkit-js `onBeforeAutoRefresh = () => !document.hidden`: the auto-refresh
    /// loop refreshes a due token only while the tab is visible.
    #[test]
    fn a_hidden_tab_pauses_the_auto_refresh() {
        let sc = scenario(Adapter::WorkOs003, 0);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        let cached = s.idp.store.cached;
        let now = sc.bounds.token_lifetime;
        s.on_msg(&sc, &Msg::Clock { now }, &mut Out::new());
        assert!(s.idp.should_refresh(&sc));
        s.on_msg(&sc, &Msg::Visibility { hidden: true }, &mut Out::new());
        s.on_timeout(&sc, &Timer::AutoRefresh, &mut Out::new());
        assert_eq!(s.idp.store.cached, cached, "no refresh while hidden");
        s.on_msg(&sc, &Msg::Visibility { hidden: false }, &mut Out::new());
        s.on_timeout(&sc, &Timer::AutoRefresh, &mut Out::new());
        assert_ne!(s.idp.store.cached, cached, "refreshed once visible");
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

    fn rerendered(out: &Out<Node>) -> Option<AdapterOutput> {
        out.iter().find_map(|c| match c {
            Command::Send(_, Msg::AdapterChanged(o)) => Some(*o),
            _ => None,
        })
    }

    /// `app.page_load` = loading-signed-in (the default): the hook starts loading
    /// with no token; once AuthKit has loaded it reports the user, with a new
    /// fetcher (authkit-react's getAccessToken changes identity once it loads).
    #[test]
    fn page_load_starts_loading_then_reports_the_user() {
        let sc = Scenario {
            adapter: Adapter::WorkOs003,
            ..Scenario::default()
        };
        let mut out = Out::new();
        let mut s = TokenProviderState::start(&sc, &mut out);
        assert!(out
            .iter()
            .any(|c| matches!(c, Command::SetTimer(Timer::IdpLoads, _))));
        assert_eq!(
            s.output,
            AdapterOutput {
                is_loading: true,
                is_authenticated: false,
                fetcher: 0
            }
        );
        assert_eq!(s.idp.store.cached, None, "no token while loading");
        let mut out = Out::new();
        assert!(s.on_timeout(&sc, &Timer::IdpLoads, &mut out));
        assert_eq!(
            rerendered(&out),
            Some(AdapterOutput {
                is_loading: false,
                is_authenticated: true,
                fetcher: 1
            })
        );
        assert_eq!(s.idp.store.cached.map(|t| t.user), Some(User::A));
    }

    /// loading-signed-out: AuthKit loads with no user; a later sign-in mints the
    /// user's token and the hook reports them (docs-custom: `user` is in its deps).
    #[test]
    fn a_visitor_loads_signed_out_and_signs_in_later() {
        let sc = Scenario {
            adapter: Adapter::DocsCustom,
            app: App {
                page_load: PageLoad::LoadingSignedOut,
                ..App::default()
            },
            ..Scenario::default()
        };
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        let mut out = Out::new();
        s.on_timeout(&sc, &Timer::IdpLoads, &mut out);
        assert_eq!(rerendered(&out).map(|o| o.is_authenticated), Some(false));
        assert_eq!(answer(&fetch(&sc, &mut s, false)), Some(FetchResult::Null));
        let before = s.output.fetcher;
        let mut out = Out::new();
        s.on_msg(&sc, &Msg::SignIn { user: User::A }, &mut out);
        let o = rerendered(&out).expect("the hook re-renders");
        assert!(o.is_authenticated && !o.is_loading);
        assert_eq!(o.fetcher, before + 1);
        assert!(matches!(
            answer(&fetch(&sc, &mut s, false)),
            Some(FetchResult::Token(t)) if t.user == User::A
        ));
    }

    /// An account switch: AuthKit now hands out user B's tokens; the fetcher
    /// changes only for adapters whose deps hold `user`.
    #[test]
    fn an_account_switch_hands_out_the_other_users_tokens() {
        for (adapter, new_fetcher) in [(Adapter::WorkOs003, false), (Adapter::DocsCustom, true)] {
            let sc = scenario(adapter, 0);
            let mut s = TokenProviderState::start(&sc, &mut Out::new());
            let mut out = Out::new();
            s.on_msg(&sc, &Msg::SwitchAccount { user: User::B }, &mut out);
            let o = rerendered(&out).expect("the user object changed: a re-render");
            assert_eq!(o.fetcher == 1, new_fetcher, "{adapter}");
            assert!(matches!(
                answer(&fetch(&sc, &mut s, false)),
                Some(FetchResult::Token(t)) if t.user == User::B
            ));
        }
    }

    /// A session or organization switch: same user, a new token; the fetcher
    /// changes where the deps follow the session.
    #[test]
    fn a_session_switch_mints_a_new_token_for_the_same_user() {
        for (adapter, new_fetcher) in [(Adapter::WorkOs003, false), (Adapter::DocsCustom, true)] {
            let sc = scenario(adapter, 0);
            let mut s = TokenProviderState::start(&sc, &mut Out::new());
            let old = s.idp.store.cached.unwrap();
            let mut out = Out::new();
            s.on_msg(&sc, &Msg::SwitchSession, &mut out);
            assert_eq!(
                rerendered(&out).unwrap().fetcher == 1,
                new_fetcher,
                "{adapter}"
            );
            let new = s.idp.store.cached.unwrap();
            assert_ne!(new, old);
            assert_eq!(new.user, old.user);
        }
    }

    /// authkit-js single-flights refreshSession: a second fetch that needs a
    /// refresh while one is in flight shares it, and one failure fails both.
    #[test]
    fn fetches_sharing_one_refresh_fail_together() {
        let sc = scenario(Adapter::DocsCustom, 1);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        let first = fetch(&sc, &mut s, true);
        assert!(first.iter().any(|c| matches!(c, Command::ChooseRandom(..))));
        let mut second = Out::new();
        s.on_msg(
            &sc,
            &Msg::FetchToken {
                call: 8,
                force: true,
            },
            &mut second,
        );
        assert!(
            !second
                .iter()
                .any(|c| matches!(c, Command::ChooseRandom(..))),
            "no second refresh: it joins the one in flight"
        );
        let mut out = Out::new();
        s.on_random(
            &sc,
            &RefreshOutcome {
                call: 7,
                fails: true,
            },
            &mut out,
        );
        let answers: Vec<(u8, FetchResult)> = out
            .iter()
            .filter_map(|c| match c {
                Command::Send(_, Msg::TokenFetched { call, result, .. }) => Some((*call, *result)),
                _ => None,
            })
            .collect();
        assert_eq!(answers, [(7, FetchResult::Null), (8, FetchResult::Null)]);
        assert_eq!(s.idp.budget.left, 0, "one failure, spent once");
    }

    /// An IdP outage: every refresh fails while it lasts, so PR #529's three
    /// quick attempts all fail and it returns null; the auto-refresh loop waits;
    /// after `ticks` ticks the IdP is back.
    #[test]
    fn an_outage_fails_every_refresh_until_it_ends() {
        let sc = scenario(Adapter::WorkOsPr529, 0);
        let mut s = TokenProviderState::start(&sc, &mut Out::new());
        s.on_msg(&sc, &Msg::IdpOutage { ticks: 2 }, &mut Out::new());
        let out = fetch(&sc, &mut s, true);
        assert_eq!(
            answer(&after_retry_waits(&sc, &mut s, out)),
            Some(FetchResult::Null)
        );
        s.on_msg(&sc, &Msg::Clock { now: 1 }, &mut Out::new());
        assert!(s.idp.should_refresh(&sc), "T0 is due at 1");
        assert!(!s.auto_refresh_wanted(&sc), "no auto-refresh while down");
        s.on_msg(&sc, &Msg::Clock { now: 2 }, &mut Out::new());
        assert!(!s.idp.is_down(), "back after 2 ticks");
        assert!(s.auto_refresh_wanted(&sc));
        let asked = fetch(&sc, &mut s, true);
        assert!(matches!(
            answer(&responded(&sc, &mut s, asked)),
            Some(FetchResult::Token(_))
        ));
    }
}
