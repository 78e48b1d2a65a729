//! Seeded faults ("mutants") in the model's transitions, to measure how many of the
//! bugs one could make in mirroring convex-js the checks and tests would notice.
//!
//! Each [`Mutant`] is one realistic mistake at one transition, named after the
//! convex-js (or server / IdP) function it breaks. A transition asks
//! `if mutants::active(Mutant::X) { … }`; with no mutant active (the default) the
//! model is exactly the unmutated one.
//!
//! At most one mutant is active in a process: the one named by the environment
//! variable `CONVEX_AUTH_MUTANT=<slug>` (read once, on first use), or the one set
//! with [`activate`]. `cargo run --release -- mutants` runs every check (and with
//! `--tests` every test) once per mutant and reports which ones kill it.

use std::sync::atomic::{AtomicU16, Ordering};

/// The environment variable that activates a mutant for a whole process.
pub const ENV_VAR: &str = "CONVEX_AUTH_MUTANT";

/// One seeded fault. The order is the order of [`Mutant::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum Mutant {
    // AuthenticationManager (auth_manager.rs)
    RefetchNoTryRestart,
    AttemptsNeverReset,
    IgnoreConfigVersion,
    InvertAuthUpdateAttempted,
    StaleAuthErrorHandled,
    NoOnChangeFalse,
    NoRefreshChange,
    CachedTokenNoRefetch,
    RefetchNeverArmed,
    LeewayOffByOne,
    ReauthNoTryRestart,
    // ConvexProviderWithAuth (provider.rs)
    SkipEffectRelevance,
    CleanupNoClearAuth,
    SignedOutRenderKeepsState,
    // LocalSyncState and BaseConvexClient (sync_state.rs)
    AuthenticateWhilePaused,
    ResumeKeepsPaused,
    BumpWhilePaused,
    RestartKeepsVersion,
    IsNewAuthAlways,
    // WebSocketManager (socket.rs)
    DeliverAfterClose,
    ResumeStoppedConnects,
    ReconnectSkipsStopped,
    NoReconnectAfterClose,
    OpenIgnoresPause,
    // The server's sync worker (server.rs)
    ServerNeverChecksExpiry,
    ServerAcceptsExpiredToken,
    ServerIgnoresBaseVersion,
    ServerIgnoresClearAuth,
    AuthErrorWithoutClose,
    TransitionVersionNotBumped,
    // The IdP SDK (actors/idp/) and its adapter (token_provider.rs)
    IdpRefreshNeverFails,
    IdpIgnoresFailureBudget,
    AdapterDropsForce,
    AutoRefreshWhileHidden,
    SignOutKeepsToken,
    IdpRefreshesIndependently,
    CacheHitSettlesLater,
}

impl Mutant {
    pub const ALL: [Mutant; 37] = [
        Mutant::RefetchNoTryRestart,
        Mutant::AttemptsNeverReset,
        Mutant::IgnoreConfigVersion,
        Mutant::InvertAuthUpdateAttempted,
        Mutant::StaleAuthErrorHandled,
        Mutant::NoOnChangeFalse,
        Mutant::NoRefreshChange,
        Mutant::CachedTokenNoRefetch,
        Mutant::RefetchNeverArmed,
        Mutant::LeewayOffByOne,
        Mutant::ReauthNoTryRestart,
        Mutant::SkipEffectRelevance,
        Mutant::CleanupNoClearAuth,
        Mutant::SignedOutRenderKeepsState,
        Mutant::AuthenticateWhilePaused,
        Mutant::ResumeKeepsPaused,
        Mutant::BumpWhilePaused,
        Mutant::RestartKeepsVersion,
        Mutant::IsNewAuthAlways,
        Mutant::DeliverAfterClose,
        Mutant::ResumeStoppedConnects,
        Mutant::ReconnectSkipsStopped,
        Mutant::NoReconnectAfterClose,
        Mutant::OpenIgnoresPause,
        Mutant::ServerNeverChecksExpiry,
        Mutant::ServerAcceptsExpiredToken,
        Mutant::ServerIgnoresBaseVersion,
        Mutant::ServerIgnoresClearAuth,
        Mutant::AuthErrorWithoutClose,
        Mutant::TransitionVersionNotBumped,
        Mutant::IdpRefreshNeverFails,
        Mutant::IdpIgnoresFailureBudget,
        Mutant::AdapterDropsForce,
        Mutant::AutoRefreshWhileHidden,
        Mutant::SignOutKeepsToken,
        Mutant::IdpRefreshesIndependently,
        Mutant::CacheHitSettlesLater,
    ];

    /// The name used on the command line and in `CONVEX_AUTH_MUTANT`.
    pub fn slug(self) -> &'static str {
        match self {
            Mutant::RefetchNoTryRestart => "refetch-no-try-restart",
            Mutant::AttemptsNeverReset => "attempts-never-reset",
            Mutant::IgnoreConfigVersion => "ignore-config-version",
            Mutant::InvertAuthUpdateAttempted => "invert-auth-update-attempted",
            Mutant::StaleAuthErrorHandled => "stale-auth-error-handled",
            Mutant::NoOnChangeFalse => "no-onchange-false",
            Mutant::NoRefreshChange => "no-refresh-change",
            Mutant::CachedTokenNoRefetch => "cached-token-no-refetch",
            Mutant::RefetchNeverArmed => "refetch-never-armed",
            Mutant::LeewayOffByOne => "leeway-off-by-one",
            Mutant::ReauthNoTryRestart => "reauth-no-try-restart",
            Mutant::SkipEffectRelevance => "skip-effect-relevance",
            Mutant::CleanupNoClearAuth => "cleanup-no-clear-auth",
            Mutant::SignedOutRenderKeepsState => "signed-out-render-keeps-state",
            Mutant::AuthenticateWhilePaused => "authenticate-while-paused",
            Mutant::ResumeKeepsPaused => "resume-keeps-paused",
            Mutant::BumpWhilePaused => "bump-while-paused",
            Mutant::RestartKeepsVersion => "restart-keeps-version",
            Mutant::IsNewAuthAlways => "is-new-auth-always",
            Mutant::DeliverAfterClose => "deliver-after-close",
            Mutant::ResumeStoppedConnects => "resume-stopped-connects",
            Mutant::ReconnectSkipsStopped => "reconnect-skips-stopped",
            Mutant::NoReconnectAfterClose => "no-reconnect-after-close",
            Mutant::OpenIgnoresPause => "open-ignores-pause",
            Mutant::ServerNeverChecksExpiry => "server-never-checks-expiry",
            Mutant::ServerAcceptsExpiredToken => "server-accepts-expired-token",
            Mutant::ServerIgnoresBaseVersion => "server-ignores-base-version",
            Mutant::ServerIgnoresClearAuth => "server-ignores-clear-auth",
            Mutant::AuthErrorWithoutClose => "auth-error-without-close",
            Mutant::TransitionVersionNotBumped => "transition-version-not-bumped",
            Mutant::IdpRefreshNeverFails => "idp-refresh-never-fails",
            Mutant::IdpIgnoresFailureBudget => "idp-ignores-failure-budget",
            Mutant::AdapterDropsForce => "adapter-drops-force",
            Mutant::AutoRefreshWhileHidden => "auto-refresh-while-hidden",
            Mutant::SignOutKeepsToken => "sign-out-keeps-token",
            Mutant::IdpRefreshesIndependently => "idp-refreshes-independently",
            Mutant::CacheHitSettlesLater => "cache-hit-settles-later",
        }
    }

    /// The fault in one line, naming the function it breaks.
    pub fn description(self) -> &'static str {
        match self {
            Mutant::RefetchNoTryRestart => {
                "refetchToken: the tryRestartSocket() at its end is dropped"
            }
            Mutant::AttemptsNeverReset => {
                "setAuthState / onTransition: tokenConfirmationAttempts is never reset to 0"
            }
            Mutant::IgnoreConfigVersion => {
                "fetchTokenAndGuardAgainstRace: configVersion is ignored, stale continuations run"
            }
            Mutant::InvertAuthUpdateAttempted => "onAuthError: authUpdateAttempted is read inverted",
            Mutant::StaleAuthErrorHandled => {
                "onAuthError: the isCurrentOrNewerAuthVersion(baseVersion + 1) guard is dropped"
            }
            Mutant::NoOnChangeFalse => {
                "setAndReportAuthFailed: resets without calling onAuthChange(false)"
            }
            Mutant::NoRefreshChange => "notifyRefreshChange: onRefreshChange is never called",
            Mutant::CachedTokenNoRefetch => {
                "onTransition: confirming the cached token does not call refetchToken()"
            }
            Mutant::RefetchNeverArmed => {
                "scheduleTokenRefetch: the refetch setTimeout is never armed"
            }
            Mutant::LeewayOffByOne => {
                "scheduleTokenRefetch: the delay is exp - iat - leeway + 1 (one tick late)"
            }
            Mutant::ReauthNoTryRestart => {
                "tryToReauthenticate: the tryRestartSocket() at its end is dropped"
            }
            Mutant::SkipEffectRelevance => {
                "ConvexAuthStateFirstEffect: onChange / onRefreshChange skip the isThisEffectRelevant guard"
            }
            Mutant::CleanupNoClearAuth => {
                "ConvexAuthStateLastEffect cleanup: client.clearAuth() is not called"
            }
            Mutant::SignedOutRenderKeepsState => {
                "ConvexProviderWithAuth render: signed out (!isLoading && !isAuthenticated) does not set isConvexAuthenticated to false"
            }
            Mutant::AuthenticateWhilePaused => {
                "BaseConvexClient.authenticate / sendMessage: Authenticate is sent on a paused socket"
            }
            Mutant::ResumeKeepsPaused => "LocalSyncState.resume: paused stays true",
            Mutant::BumpWhilePaused => {
                "LocalSyncState.setAuth / clearAuth: identityVersion is bumped even while paused"
            }
            Mutant::RestartKeepsVersion => {
                "LocalSyncState.restart: identityVersion is not started over on a new socket"
            }
            Mutant::IsNewAuthAlways => {
                "LocalSyncState.isNewAuth: always true, the same token counts as new"
            }
            Mutant::DeliverAfterClose => {
                "WebSocketManager.close: onmessage is not replaced, messages of a closed socket are delivered"
            }
            Mutant::ResumeStoppedConnects => "WebSocketManager.resume: a stopped socket connects",
            Mutant::ReconnectSkipsStopped => {
                "WebSocketManager.scheduleReconnect: the backoff timer's connect() skips a stopped socket"
            }
            Mutant::NoReconnectAfterClose => {
                "WebSocketManager onclose: an unexpected close never schedules a reconnect"
            }
            Mutant::OpenIgnoresPause => {
                "WebSocketManager onopen: onOpen runs even though the socket is paused"
            }
            Mutant::ServerNeverChecksExpiry => {
                "server SyncWorker: query and mutation runs never check the identity's expiry"
            }
            Mutant::ServerAcceptsExpiredToken => {
                "server SyncWorker::handle_message Authenticate: an expired token is accepted"
            }
            Mutant::ServerIgnoresBaseVersion => {
                "server SyncState::modify_identity: an Authenticate with the wrong baseVersion is applied"
            }
            Mutant::ServerIgnoresClearAuth => {
                "server SyncState::modify_identity: Authenticate{tokenType:None} keeps the user's identity"
            }
            Mutant::AuthErrorWithoutClose => {
                "server SyncWorker: AuthError is sent but the WebSocket is not closed"
            }
            Mutant::TransitionVersionNotBumped => {
                "server SyncState::modify_identity: the Transition does not move the identity version"
            }
            Mutant::IdpRefreshNeverFails => {
                "AuthKit refresh: never fails, whatever the fault budget"
            }
            Mutant::IdpIgnoresFailureBudget => {
                "AuthKit refresh: a failure does not spend the fault budget (fails forever)"
            }
            Mutant::AdapterDropsForce => {
                "adapter fetchAccessToken: forceRefreshToken is dropped, the cached token is returned"
            }
            Mutant::AutoRefreshWhileHidden => {
                "AuthKit onBeforeAutoRefresh: the auto-refresh ignores document.hidden"
            }
            Mutant::SignOutKeepsToken => {
                "AuthKit getAccessToken after sign-out: the old token is still returned"
            }
            Mutant::IdpRefreshesIndependently => {
                "AuthKit refreshSession: not single-flighted, each fetch refreshes (and fails) on its own"
            }
            Mutant::CacheHitSettlesLater => {
                "adapter fetchAccessToken: a token from memory settles in a later macrotask"
            }
        }
    }

    /// The mutant named `slug`.
    pub fn by_slug(slug: &str) -> Option<Mutant> {
        Mutant::ALL.into_iter().find(|m| m.slug() == slug)
    }

    /// Every slug, comma-separated (for error messages).
    pub fn slugs() -> String {
        Mutant::ALL.map(Mutant::slug).join(", ")
    }

    fn code(self) -> u16 {
        self as u16 + 1
    }
}

/// The active mutant's code (index + 1), 0 for none, `UNREAD` before the
/// environment variable has been read.
static ACTIVE: AtomicU16 = AtomicU16::new(UNREAD);
const UNREAD: u16 = u16::MAX;

/// Whether mutant `m` is active in this process.
pub fn active(m: Mutant) -> bool {
    code() == m.code()
}

/// The active mutant, if any.
pub fn current() -> Option<Mutant> {
    Mutant::ALL.into_iter().find(|m| m.code() == code())
}

/// Makes `m` the active mutant of this whole process (None: the unmutated model),
/// whatever `CONVEX_AUTH_MUTANT` says.
pub fn activate(m: Option<Mutant>) {
    ACTIVE.store(m.map_or(0, Mutant::code), Ordering::SeqCst);
}

fn code() -> u16 {
    let code = ACTIVE.load(Ordering::Relaxed);
    if code != UNREAD {
        return code;
    }
    let from_env = from_env().map_or(0, Mutant::code);
    // Only the first reader stores: an `activate` that came first wins.
    let _ = ACTIVE.compare_exchange(UNREAD, from_env, Ordering::SeqCst, Ordering::SeqCst);
    ACTIVE.load(Ordering::SeqCst)
}

/// The mutant `CONVEX_AUTH_MUTANT` names. An unknown name is a mistake that would
/// otherwise silently check the unmutated model, so it panics.
fn from_env() -> Option<Mutant> {
    let slug = std::env::var(ENV_VAR).ok()?;
    let slug = slug.trim();
    if slug.is_empty() {
        return None;
    }
    Some(Mutant::by_slug(slug).unwrap_or_else(|| {
        panic!(
            "{ENV_VAR}={slug:?} names no mutant; valid: {}",
            Mutant::slugs()
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_mutant_once_in_declaration_order() {
        for (i, m) in Mutant::ALL.into_iter().enumerate() {
            assert_eq!(m as usize, i, "{m:?}");
            assert_eq!(Mutant::by_slug(m.slug()), Some(m));
        }
    }

    #[test]
    fn slugs_are_kebab_case_and_descriptions_one_line() {
        for m in Mutant::ALL {
            assert!(m
                .slug()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            assert!(!m.description().contains('\n'));
        }
    }
}
