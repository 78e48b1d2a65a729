//! `AuthenticationManager` — convex-js `src/browser/sync/authentication_manager.ts`
//! (reference: npm `convex@1.49.0`, `dist/esm/browser/sync/authentication_manager.js`).
//!
//! Six states, `configVersion` (the race guard bumped by every fetch), the
//! token-confirmation attempt counter and the `onRefreshChange` de-duplication.
//! Every `await` is a point where other macrotasks interleave: the continuation is
//! an [`Await`] in the tab's pending list and the functions named `*_after_*` are
//! the code after that `await`.
//!
//! Version switches: `set_config_pauses` and `timer_cap` (27fe643 and 489d8e5,
//! 1.14.0), `ignore_nonauth_autherror`, `token_confirmation_retries`,
//! `refetch_ends_with_try_restart`, `set_config_resumes_after_refetch`,
//! `restart_throws_unless_stopped` (all d661485, 1.21.0), `guard_noauth_after_stop`
//! and `onRefreshChange` (b7eca9a, 1.40.0), and the options `expectAuth` (1.26.0)
//! and `initialAuthTokenReuse` (1.42.1).
//!
//! When code after an `await` reads `this.authState.config` while the state is
//! `noAuth` (possible only in rare interleavings: another continuation gave up
//! meanwhile), the real code either calls through it, a TypeError at once, which
//! escapes (UNHANDLED) and ends the continuation, or stores `undefined` as the new
//! state's config ([`AuthManager::config_undefined`]). Every later entry into the
//! AuthenticationManager that reads the config then throws, before it changes
//! anything the model tracks, except where noted.

use serde::Serialize;
use stateright::actor::model_timeout;

use super::{Await, Ctx, Tab};
use crate::actors::{token_provider_id, FetchResult, Msg, Timer, Token};

/// What `setConfig` was given: the fetcher's identity and the `setAuth` generation
/// whose `onChange` / `onRefreshChange` callbacks it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct AuthConfig {
    pub fetcher: u8,
    pub generation: u8,
}

impl AuthConfig {
    /// The placeholder a state holds while its config is `undefined`
    /// ([`AuthManager::config_undefined`]).
    const UNDEFINED: AuthConfig = AuthConfig {
        fetcher: u8::MAX,
        generation: u8::MAX,
    };
}

/// `authState`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum AmState {
    #[default]
    NoAuth,
    WaitingForServerConfirmationOfCachedToken {
        config: AuthConfig,
    },
    InitialRefetch {
        config: AuthConfig,
    },
    WaitingForServerConfirmationOfFreshToken {
        config: AuthConfig,
        had_auth: bool,
        token: Token,
    },
    /// `refetch_due` is when the `setTimeout` fires, None once it has fired.
    WaitingForScheduledRefetch {
        config: AuthConfig,
        refetch_due: Option<u8>,
    },
    NotRefetching {
        config: AuthConfig,
    },
}

impl AmState {
    pub fn config(&self) -> Option<AuthConfig> {
        match *self {
            AmState::NoAuth => None,
            AmState::WaitingForServerConfirmationOfCachedToken { config }
            | AmState::InitialRefetch { config }
            | AmState::WaitingForServerConfirmationOfFreshToken { config, .. }
            | AmState::WaitingForScheduledRefetch { config, .. }
            | AmState::NotRefetching { config } => Some(config),
        }
    }

    /// The state's name as convex-js spells it.
    pub fn name(&self) -> &'static str {
        match self {
            AmState::NoAuth => "noAuth",
            AmState::WaitingForServerConfirmationOfCachedToken { .. } => {
                "waitingForServerConfirmationOfCachedToken"
            }
            AmState::InitialRefetch { .. } => "initialRefetch",
            AmState::WaitingForServerConfirmationOfFreshToken { .. } => {
                "waitingForServerConfirmationOfFreshToken"
            }
            AmState::WaitingForScheduledRefetch { .. } => "waitingForScheduledRefetch",
            AmState::NotRefetching { .. } => "notRefetching",
        }
    }

    fn is_waiting_for_confirmation(&self) -> bool {
        matches!(
            self,
            AmState::WaitingForServerConfirmationOfCachedToken { .. }
                | AmState::WaitingForServerConfirmationOfFreshToken { .. }
        )
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct AuthManager {
    pub state: AmState,
    pub config_version: u8,
    pub token_confirmation_attempts: u8,
    pub last_refresh_change: bool,
    /// The state's config is `undefined`: a continuation stored noAuth's missing
    /// config (`config: this.authState.config` after an await), and the state's
    /// `config` field is a placeholder no code reads.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub config_undefined: bool,
}

impl AuthManager {
    /// Whether the scheduled refetch timer is pending and due at `now`.
    pub fn refetch_timer_armed(&self, now: u8) -> bool {
        matches!(self.state, AmState::WaitingForScheduledRefetch { refetch_due: Some(due), .. } if due <= now)
    }
}

/// How a fetch settled, as `fetchTokenAndGuardAgainstRace` sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Settled {
    /// The promise rejected: the error escapes the awaiting function.
    Rejected,
    /// A newer fetch (or setConfig) started meanwhile: `{isFromOutdatedConfig:true}`.
    Outdated,
    /// The value is current.
    Current,
}

impl Tab {
    // ---- helpers -------------------------------------------------------------

    /// `setAuthState(s)`: resets the attempt counter when entering
    /// waitingForScheduledRefetch / notRefetching / noAuth, and clears the pending
    /// refetch timer when leaving waitingForScheduledRefetch.
    fn set_auth_state(&mut self, cx: &mut Ctx, new: AmState) {
        self.am.config_undefined = false;
        if matches!(
            new,
            AmState::WaitingForScheduledRefetch { .. }
                | AmState::NotRefetching { .. }
                | AmState::NoAuth
        ) {
            self.am.token_confirmation_attempts = 0;
        }
        if let AmState::WaitingForScheduledRefetch {
            refetch_due: Some(_),
            ..
        } = self.am.state
        {
            cx.out.cancel_timer(Timer::ScheduledRefetch);
        }
        self.am.state = new;
    }

    /// `resetAuthState()`: `notifyRefreshChange(false)` then noAuth.
    fn reset_auth_state(&mut self, cx: &mut Ctx) {
        self.notify_refresh_change(cx, false);
        self.set_auth_state(cx, AmState::NoAuth);
    }

    /// `setAndReportAuthFailed(onAuthChange)`: `onAuthChange(false)`, then reset.
    fn set_and_report_auth_failed(&mut self, cx: &mut Ctx, config: AuthConfig) {
        self.report_auth_change(config.generation, false);
        self.reset_auth_state(cx);
    }

    /// Where a fetch of the current config yielded no token and the client gives up:
    /// `setAndReportAuthFailed` (noAuth, for good). With the proposal
    /// (`proposal_keep_trying`, `reportAuthFailedAndRetry` in the patch):
    /// `onAuthChange(false)`, `notifyRefreshChange(false)`, and a forced refetch
    /// scheduled a tick later (waitingForScheduledRefetch), so the client asks
    /// again for as long as the app keeps the config.
    fn give_up_or_retry_later(&mut self, cx: &mut Ctx, config: AuthConfig) {
        if !cx.switches.proposal_keep_trying {
            self.set_and_report_auth_failed(cx, config);
            return;
        }
        self.report_auth_change(config.generation, false);
        self.notify_refresh_change(cx, false);
        let due = self.now.saturating_add(1);
        self.set_auth_state(
            cx,
            AmState::WaitingForScheduledRefetch {
                config,
                refetch_due: Some(due),
            },
        );
    }

    /// A fetch's outcome as the code after its `await` sees it: with the proposal,
    /// `fetchTokenAndGuardAgainstRace` catches a rejection and reads it as no
    /// token (null); in convex 1.49.0 the rejection propagates.
    fn seen_result(cx: &Ctx, result: FetchResult) -> FetchResult {
        if cx.switches.proposal_keep_trying && result == FetchResult::Rejected {
            FetchResult::Null
        } else {
            result
        }
    }

    /// `AuthenticationManager.stop()`: reset (noAuth) and `configVersion++`, so
    /// that a fetch in flight is outdated. With the proposal, the app's (and the
    /// provider's) `clearAuth()` calls it; in 1.49.0 only `close()` does.
    pub(crate) fn am_stop(&mut self, cx: &mut Ctx) {
        if self.refresh_change_throws(cx) {
            return;
        }
        self.reset_auth_state(cx);
        self.am.config_version = self.am.config_version.wrapping_add(1);
    }

    /// `notifyRefreshChange(b)`: calls `onRefreshChange` unless noAuth / initialRefetch
    /// or the value is unchanged. (Since b7eca9a, 1.40.0; before, there was none.)
    fn notify_refresh_change(&mut self, cx: &mut Ctx, refreshing: bool) {
        if !cx.switches.react_provider.reports_refreshing() {
            return;
        }
        if matches!(
            self.am.state,
            AmState::NoAuth | AmState::InitialRefetch { .. }
        ) {
            return;
        }
        if self.throws_on_undefined_config(cx) {
            return;
        }
        if self.am.last_refresh_change != refreshing {
            self.am.last_refresh_change = refreshing;
            if let Some(config) = self.am.state.config() {
                self.report_refresh_change(config.generation, refreshing);
            }
        }
    }

    /// `fetchTokenAndGuardAgainstRace`, first half: `++configVersion`, call
    /// `fetchToken(args)`. Returns the version, which is also the call's id.
    fn fetch_token(&mut self, cx: &mut Ctx, force: bool) -> u8 {
        self.am.config_version = self.am.config_version.wrapping_add(1);
        let call = self.am.config_version;
        cx.out
            .send(token_provider_id(), Msg::FetchToken { call, force });
        call
    }

    /// The second half, when the fetch settles: a rejection propagates at once (no
    /// try/catch, before the version check), otherwise an outdated fetch's value is
    /// dropped.
    fn settle_fetch(&self, cx: &mut Ctx, call: u8, result: FetchResult) -> Settled {
        if result == FetchResult::Rejected {
            escape_error(cx);
            Settled::Rejected
        } else if self.am.config_version != call {
            Settled::Outdated
        } else {
            Settled::Current
        }
    }

    /// Sets `new`, whose config the code read from the state it had: when that
    /// was `undefined` (noAuth), the new state's config is `undefined` too.
    fn set_auth_state_with_config_read(
        &mut self,
        cx: &mut Ctx,
        new: AmState,
        read: Option<AuthConfig>,
    ) {
        self.set_auth_state(cx, new);
        self.am.config_undefined = read.is_none();
    }

    /// Whether `notifyRefreshChange` (since b7eca9a, 1.40.0), which the caller
    /// runs first, throws: it reads `this.authState.config.onRefreshChange` in
    /// any state but noAuth and initialRefetch.
    fn refresh_change_throws(&self, cx: &mut Ctx) -> bool {
        cx.switches.react_provider.reports_refreshing()
            && !matches!(
                self.am.state,
                AmState::NoAuth | AmState::InitialRefetch { .. }
            )
            && self.throws_on_undefined_config(cx)
    }

    /// A call through the state's config (`this.authState.config.x(...)`) when
    /// it is `undefined`: the TypeError escapes, and the caller's continuation
    /// ends. Returns whether it threw.
    fn throws_on_undefined_config(&self, cx: &mut Ctx) -> bool {
        if self.am.config_undefined {
            escape_error(cx);
        }
        self.am.config_undefined
    }

    /// The `pauseSocket` callback BaseConvexClient hands the AM: the socket's
    /// pause, and since 85c04f1 (1.14.3) LocalSyncState's too.
    pub(crate) fn pause_socket(&mut self, cx: &Ctx) {
        self.socket_pause(cx);
        if cx.switches.lss_pause_aware {
            self.sync.pause();
        }
    }

    // ---- setConfig (client.setAuth) -----------------------------------------

    /// `setConfig(fetchToken, onChange, onRefreshChange)` up to its first await:
    /// reset, pause the socket (since 27fe643, 1.14.0), fetch a possibly cached
    /// token (G1).
    pub(crate) fn set_config(&mut self, cx: &mut Ctx, fetcher: u8, generation: u8) {
        // resetAuthState's notifyRefreshChange comes first.
        if self.refresh_change_throws(cx) {
            return;
        }
        self.reset_auth_state(cx);
        if cx.switches.set_config_pauses {
            self.pause_socket(cx);
        }
        let call = self.fetch_token(cx, false);
        self.pending.push(Await::SetConfigFetch {
            call,
            config: AuthConfig {
                fetcher,
                generation,
            },
        });
    }

    /// `setConfig` after the fetch: outdated → return (no resume); a token →
    /// waitingForServerConfirmationOfCachedToken + `authenticate` (dropped by the paused
    /// socket, re-sent by resume) and `resumeSocket()`; none → initialRefetch and
    /// `await refetchToken()` (G2), then `resumeSocket()` (since d661485, 1.21.0;
    /// before, only refetchToken's own trailing resume, which an outdated refetch
    /// skips). Before 27fe643 (≤ 1.13.2) nothing was paused, and the token went out
    /// at once.
    pub(crate) fn set_config_after_fetch(
        &mut self,
        cx: &mut Ctx,
        call: u8,
        config: AuthConfig,
        result: FetchResult,
    ) {
        let result = Self::seen_result(cx, result);
        if self.settle_fetch(cx, call, result) != Settled::Current {
            return;
        }
        match result {
            FetchResult::Rejected => {}
            FetchResult::Token(token) => {
                self.set_auth_state(
                    cx,
                    AmState::WaitingForServerConfirmationOfCachedToken { config },
                );
                self.authenticate(cx, token);
                if cx.switches.set_config_pauses {
                    self.socket_resume(cx);
                }
            }
            FetchResult::Null => {
                self.set_auth_state(cx, AmState::InitialRefetch { config });
                let resume_after =
                    cx.switches.set_config_pauses && cx.switches.set_config_resumes_after_refetch;
                self.refetch_token(cx, resume_after);
            }
        }
    }

    // ---- onTransition --------------------------------------------------------

    /// `onTransition(T)`: ignore versions older than the client's and transitions
    /// that do not advance identity; confirm a cached token (then `void
    /// refetchToken()` and `onAuthChange(true)`) or a fresh one (then schedule the
    /// next refetch, and `onAuthChange(true)` — meant only when the client had no auth
    /// before, but in convex@1.49.0 on every confirmation, see below).
    pub(crate) fn on_transition(&mut self, cx: &mut Ctx, start: u8, end: u8) {
        if !self.sync.is_current_or_newer_auth_version(end) || end <= start {
            return;
        }
        match self.am.state {
            AmState::WaitingForServerConfirmationOfCachedToken { config } => {
                let reused = self
                    .sync
                    .auth
                    .filter(|_| cx.switches.initial_auth_token_reuse);
                if let Some(token) = reused {
                    // initialAuthTokenReuse: the time left by the server's clock,
                    // which the client estimates from the clock skew the server
                    // reports (`exp - (Date.now() - clientClockSkew)`); the tab's
                    // clock is the IdP's, the server's may run apart
                    // (`faults.token_rejection`).
                    let server_now = cx.scenario.faults.token_rejection.server_clock_at(self.now);
                    let left =
                        u8::try_from((i16::from(token.exp) - server_now).max(0)).unwrap_or(u8::MAX);
                    self.schedule_token_refetch(cx, config, token, Some(left));
                } else {
                    self.refetch_token(cx, false);
                }
                self.report_auth_change(config.generation, true);
            }
            AmState::WaitingForServerConfirmationOfFreshToken {
                config,
                had_auth,
                token,
            } => {
                // With the config undefined the branch throws at its first read
                // of it (notifyRefreshChange; before 1.40.0, onAuthChange after
                // the refetch is scheduled, which the model leaves out).
                if self.throws_on_undefined_config(cx) {
                    return;
                }
                self.notify_refresh_change(cx, false);
                self.schedule_token_refetch(cx, config, token, None);
                self.am.token_confirmation_attempts = 0;
                // The real code reads `this.authState.hadAuth` *after* scheduling, when
                // the state is already waitingForScheduledRefetch (no `hadAuth`): so
                // `onAuthChange(true)` fires on every fresh-token confirmation.
                let had_auth_now = match self.am.state {
                    AmState::WaitingForServerConfirmationOfFreshToken { .. } => had_auth,
                    _ => false,
                };
                if !had_auth_now {
                    self.report_auth_change(config.generation, true);
                }
            }
            _ => {}
        }
    }

    /// `scheduleTokenRefetch(token, skew?)`: a token living 2 s or less
    /// (`exp - iat`) schedules nothing and leaves the state as it is; otherwise the
    /// timer is due `validity - leeway` after now, at once if that is not positive
    /// (before 256201c, 1.17.0: never, which for whole-tick lifetimes above 2 s is
    /// the same case as the first). `validity` is `exp - iat` (the client assumes
    /// the token was issued when it got it), or with `initialAuthTokenReuse` the
    /// time the server says is left (`time_left`). Tokens that outlive
    /// `setTimeout` (`bounds.tokens_outlive_timers`) overflow it and fire at once
    /// unless the delay is capped at 20 days (489d8e5, 1.14.0); a capped timer
    /// still fires before expiry, after everything else of the run, so the model
    /// keeps it at `validity - leeway`.
    fn schedule_token_refetch(
        &mut self,
        cx: &mut Ctx,
        config: AuthConfig,
        token: Token,
        time_left: Option<u8>,
    ) {
        let lifetime = token.exp.saturating_sub(token.iat);
        if u64::from(lifetime) * cx.scenario.tick_ms() <= 2000 {
            return;
        }
        let validity = time_left.unwrap_or(lifetime);
        let mut delay = validity.saturating_sub(cx.scenario.bounds.refetch_leeway);
        if cx.scenario.bounds.tokens_outlive_timers && !cx.switches.timer_cap {
            delay = 0;
        }
        let due = self.now.saturating_add(delay);
        self.set_auth_state(
            cx,
            AmState::WaitingForScheduledRefetch {
                config,
                refetch_due: Some(due),
            },
        );
        if due <= self.now {
            cx.out.set_timer(Timer::ScheduledRefetch, model_timeout());
        }
    }

    /// The refetch `setTimeout` fires: `void refetchToken()`.
    pub(crate) fn on_refetch_timer(&mut self, cx: &mut Ctx) {
        if let AmState::WaitingForScheduledRefetch {
            config,
            refetch_due: Some(_),
        } = self.am.state
        {
            self.am.state = AmState::WaitingForScheduledRefetch {
                config,
                refetch_due: None,
            };
            self.refetch_token(cx, false);
        }
    }

    // ---- refetchToken --------------------------------------------------------

    /// `refetchToken()` up to its await: noAuth → return; else a forced fetch (G5).
    /// `resume_after`: called as `await this.refetchToken()` from setConfig, which
    /// resumes the socket when it returns.
    fn refetch_token(&mut self, cx: &mut Ctx, resume_after: bool) {
        if self.am.state == AmState::NoAuth {
            if resume_after {
                self.socket_resume(cx);
            }
            return;
        }
        // `this.authState.config.fetchToken`.
        if self.throws_on_undefined_config(cx) {
            return;
        }
        let call = self.fetch_token(cx, true);
        self.pending
            .push(Await::RefetchFetch { call, resume_after });
    }

    /// `refetchToken()` after the fetch: a new token → waitingForServerConfirmationOf
    /// FreshToken{hadAuth: LSS.hasAuth()} and `authenticate`; the same token →
    /// notRefetching (no refetch is ever scheduled again); null → `clearAuth()` (sends
    /// `Authenticate{None}`) and report failure. Then `tryRestartSocket()` (before
    /// d661485: `resumeSocket()`).
    pub(crate) fn refetch_token_after_fetch(
        &mut self,
        cx: &mut Ctx,
        call: u8,
        resume_after: bool,
        result: FetchResult,
    ) {
        let result = Self::seen_result(cx, result);
        let settled = self.settle_fetch(cx, call, result);
        if settled == Settled::Rejected {
            // The rejection escapes refetchToken and the setConfig awaiting it.
            return;
        }
        if settled == Settled::Current {
            // `this.authState.config`, which noAuth lacks (`undefined`).
            let read = self.am.state.config();
            let config = read.unwrap_or(AuthConfig::UNDEFINED);
            match result {
                FetchResult::Token(token) if self.sync.is_new_auth(token) => {
                    let had_auth = self.sync.has_auth();
                    self.set_auth_state_with_config_read(
                        cx,
                        AmState::WaitingForServerConfirmationOfFreshToken {
                            config,
                            had_auth,
                            token,
                        },
                        read,
                    );
                    self.authenticate(cx, token);
                }
                FetchResult::Token(_) => {
                    self.set_auth_state_with_config_read(
                        cx,
                        AmState::NotRefetching { config },
                        read,
                    );
                }
                _ => {
                    if self.sync.has_auth() {
                        self.client_clear_auth(cx);
                    }
                    if read.is_none() {
                        // `this.authState.config.onAuthChange`: a TypeError.
                        escape_error(cx);
                        return;
                    }
                    self.give_up_or_retry_later(cx, config);
                }
            }
            if !cx.switches.set_config_pauses {
                // ≤ 1.13.2: refetchToken touches no socket.
            } else if !cx.switches.refetch_ends_with_try_restart {
                self.socket_resume(cx);
            } else {
                self.socket_try_restart(cx);
            }
        }
        if resume_after {
            self.socket_resume(cx);
        }
    }

    // ---- onAuthError / tryToReauthenticate ------------------------------------

    /// `onAuthError(E)`: ignore `authUpdateAttempted:false` while waiting for a
    /// confirmation (since d661485), ignore stale base versions, otherwise
    /// `void tryToReauthenticate(E)`.
    /// `attempted` is None when the server left `authUpdateAttempted` out: only an
    /// explicit `false` is ignored (`=== false`).
    pub(crate) fn on_auth_error(
        &mut self,
        cx: &mut Ctx,
        base_version: u8,
        attempted: Option<bool>,
    ) {
        if attempted == Some(false)
            && cx.switches.ignore_nonauth_autherror
            && self.am.state.is_waiting_for_confirmation()
        {
            return;
        }
        if !self
            .sync
            .is_current_or_newer_auth_version(base_version.saturating_add(1))
        {
            return;
        }
        self.try_to_reauthenticate(cx);
    }

    /// `tryToReauthenticate(E)` up to its first await: give up when noAuth or when a
    /// fresh token was already retried `MAX_TOKEN_CONFIRMATION_ATTEMPTS` times (local
    /// `LSS.clearAuth()`, report failure); otherwise count the attempt,
    /// `notifyRefreshChange(true)` and `await stopSocket()` (G3).
    fn try_to_reauthenticate(&mut self, cx: &mut Ctx) {
        let gives_up = match self.am.state {
            AmState::NoAuth => true,
            AmState::WaitingForServerConfirmationOfFreshToken { .. } => {
                self.am.token_confirmation_attempts >= cx.switches.token_confirmation_retries
            }
            _ => false,
        };
        if gives_up {
            if self.sync.has_auth() {
                // Local only: no message is sent.
                self.sync.clear_auth();
            }
            if self.throws_on_undefined_config(cx) {
                return;
            }
            if let Some(config) = self.am.state.config() {
                self.set_and_report_auth_failed(cx, config);
            }
            return;
        }
        if let AmState::WaitingForServerConfirmationOfFreshToken { .. } = self.am.state {
            self.am.token_confirmation_attempts += 1;
        }
        if self.refresh_change_throws(cx) {
            return;
        }
        self.notify_refresh_change(cx, true);
        match self.socket_stop(cx) {
            Some(socket) => self.pending.push(Await::ReauthStop { socket }),
            // `close()` resolves at once without a socket: the await continues in a
            // microtask of this same macrotask.
            None => self.reauthenticate_after_stop(cx),
        }
    }

    /// `tryToReauthenticate` after `stopSocket()`: noAuth → return (since b7eca9a;
    /// before, reading noAuth's config threw); otherwise a forced fetch (G4).
    pub(crate) fn reauthenticate_after_stop(&mut self, cx: &mut Ctx) {
        // `this.authState.config.fetchToken`.
        if self.throws_on_undefined_config(cx) {
            return;
        }
        if self.am.state == AmState::NoAuth {
            if !cx.switches.guard_noauth_after_stop {
                escape_error(cx);
            } else if cx.switches.proposal_keep_trying {
                // The proposal: the socket this call stopped is restarted.
                self.socket_try_restart(cx);
            }
            return;
        }
        let call = self.fetch_token(cx, true);
        self.pending.push(Await::ReauthFetch { call });
    }

    /// `tryToReauthenticate` after the forced fetch: outdated → return (the socket
    /// stays stopped; ≤ 1.13.2 it reconnected first); a new token → `authenticate`
    /// (dropped: the socket is stopped; ≤ 1.13.2 `LSS.setAuth`, the same without a
    /// message) and waitingForServerConfirmationOfFreshToken{hadAuth: was
    /// notRefetching or waitingForScheduledRefetch}; null or the same token → local
    /// `LSS.clearAuth()` and report failure. Then `tryRestartSocket()` (before
    /// d661485: `restart()`, see [`Tab::restart_after_reauthentication`]).
    pub(crate) fn reauthenticate_after_fetch(
        &mut self,
        cx: &mut Ctx,
        call: u8,
        result: FetchResult,
    ) {
        let result = Self::seen_result(cx, result);
        match self.settle_fetch(cx, call, result) {
            Settled::Current => {}
            // ≤ 1.13.2, and the proposal: the socket this call stopped is
            // restarted on the outdated path too.
            Settled::Outdated
                if !cx.switches.set_config_pauses || cx.switches.proposal_keep_trying =>
            {
                self.restart_after_reauthentication(cx);
                return;
            }
            _ => return,
        }
        // `this.authState.config`, which noAuth lacks (`undefined`).
        let read = self.am.state.config();
        let config = read.unwrap_or(AuthConfig::UNDEFINED);
        match result {
            FetchResult::Token(token) if self.sync.is_new_auth(token) => {
                self.authenticate(cx, token);
                let had_auth = matches!(
                    self.am.state,
                    AmState::NotRefetching { .. } | AmState::WaitingForScheduledRefetch { .. }
                );
                self.set_auth_state_with_config_read(
                    cx,
                    AmState::WaitingForServerConfirmationOfFreshToken {
                        config,
                        had_auth,
                        token,
                    },
                    read,
                );
            }
            _ => {
                if self.sync.has_auth() {
                    self.sync.clear_auth();
                }
                if read.is_none() {
                    // `this.authState.config.onAuthChange`: a TypeError.
                    escape_error(cx);
                    return;
                }
                self.give_up_or_retry_later(cx, config);
            }
        }
        self.restart_after_reauthentication(cx);
    }

    /// The reconnect that ends a re-authentication: `tryRestartSocket()` (since
    /// d661485) does nothing unless the socket is stopped; `restart()` (before)
    /// throws then, and the rejection of the `void`ed tryToReauthenticate
    /// escapes (its state changes are already made).
    fn restart_after_reauthentication(&mut self, cx: &mut Ctx) {
        if cx.switches.restart_throws_unless_stopped
            && self.socket.state != super::socket::SocketState::Stopped
        {
            escape_error(cx);
            return;
        }
        self.socket_try_restart(cx);
    }
}

/// An escaped rejection or TypeError: it reaches the JavaScript runtime (an
/// `unhandledrejection`), and the continuation ends here.
fn escape_error(cx: &mut Ctx) {
    cx.uncaught_error = true;
}
