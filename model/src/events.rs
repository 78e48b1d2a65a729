//! The vocabulary of the model's steps: every step is one [`Event`], named after what
//! happens in the real system (a `fetchAccessToken` call, an `AuthError` arriving,
//! AuthKit's refresh failing, the tab being hidden), and [`Event::of`] is the one
//! place that tells which event a stateright action is.
//!
//! Everything that shows a step reads the event: the trace JSON and the ITF action
//! labels (`trace`), the report's sentences, Mermaid arrows and turning points
//! (`trace::narrative`), and the replay plan for the real client (`trace::replay`).
//! Each of those is an exhaustive `match` on `Event`, so adding an event means one
//! arm here, one arm in [`Event::of`], and the compiler then points at every
//! renderer that must learn it.
//!
//! An event says what happened, not what came of it: whether the server answered
//! `AuthError`, or which token AuthKit minted, is read from the state after the step.
//!
//! Some events only exist because the model splits one real moment in two: the
//! environment decides that time passes or data changes (`ClockTick`,
//! `DataChanged`, …), and the actors then learn of it over the ordered channels
//! (`TimeReachesTab`, `DataChangeReachesServer`, …; see `actors::environment`).

use stateright::actor::{ActorModelAction, Id};

use crate::actors::{
    browser_id, environment_id, server_id, token_provider_id, AuthErrorReason, FetchResult, Msg,
    Timer, Token, User,
};
use crate::sdks::FailureKind;
use crate::view::{SystemAction, SystemState, View};

/// One step of the whole system.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    // ---- the world: the environment decides --------------------------------------
    /// Time advances one tick.
    ClockTick,
    /// The user switches away: the tab is hidden.
    TabHidden,
    /// The tab is visible again.
    TabShown,
    /// Data the app's queries read changes on the server.
    DataChanged,
    /// The network drops the live WebSocket.
    NetworkDropped,
    /// The user signs out at the IdP.
    UserSignedOut,
    /// The session ends at the IdP while the browser keeps its cookie.
    SessionEndsAtIdp,
    /// The user signs in again, without a reload.
    UserSignedIn,
    /// The signed-in user switches to the other account, without a reload.
    AccountSwitched,
    /// The signed-in user's session or organization changes.
    SessionSwitched,
    /// The IdP goes down for a few ticks.
    IdpOutageStarts,
    /// The app decides to call its mutation (the user clicks).
    AppDecidesMutation,
    /// The app decides to call its action.
    AppDecidesAction,
    /// The app decides to mount or unmount the component with its own query.
    AppDecidesQueryToggle,
    /// The app (holding the client) decides to call `setAuth`.
    AppDecidesSetAuth,
    /// The app (holding the client) decides to call `clearAuth`.
    AppDecidesClearAuth,
    /// The network stalls the adapter's next request to the IdP: the next
    /// `fetchAccessToken` will never settle.
    IdpRequestStalls,
    /// The IdP rotates its signing key.
    SigningKeyRotates,
    /// The server's cached JWKS goes stale: it will fetch the IdP's keys again.
    JwksCacheExpires,

    // ---- the world reaching each actor -------------------------------------------
    /// The tab's event loop sees the new time.
    TimeReachesTab { now: u8 },
    /// The IdP client sees the new time.
    TimeReachesIdp { now: u8 },
    /// The server sees the new time.
    TimeReachesServer { now: u8 },
    /// The tab learns it is hidden or visible.
    VisibilityReachesTab { hidden: bool },
    /// AuthKit learns the tab is hidden or visible.
    VisibilityReachesIdp { hidden: bool },
    /// The server learns of the data change and must re-run the queries.
    DataChangeReachesServer,
    /// The server's end of the WebSocket is dropped.
    DropReachesServer,
    /// The IdP ends the session.
    SignOutReachesIdp,
    /// The SDK's next request will find the session ended.
    SessionEndReachesIdp,
    /// The IdP starts `user`'s session (a sign-in).
    SignInReachesIdp { user: User },
    /// The IdP's session becomes `user`'s (an account switch).
    AccountSwitchReachesIdp { user: User },
    /// The IdP starts a new session for the same user.
    SessionSwitchReachesIdp,
    /// The IdP client finds the IdP down for `ticks` ticks.
    OutageReachesIdp { ticks: u8 },
    /// The adapter's next request will stall.
    StallReachesAdapter,
    /// The IdP signs every later token with its new key.
    KeyRotationReachesIdp,
    /// The server fetches the JWKS and learns the IdP's new key.
    JwksRefetchReachesServer,

    // ---- client → server (what the sync worker receives) -------------------------
    /// A new WebSocket connects to the server.
    WebSocketConnects { socket: u8 },
    /// The client's `ws.close()` reaches the server.
    ClientCloseReachesServer { socket: u8 },
    /// `Authenticate{tokenType: "User" | "None", baseVersion}`.
    AuthenticateReceived {
        socket: u8,
        token: Option<Token>,
        base_version: u8,
    },
    /// `ModifyQuerySet` subscribing the app's queries.
    ModifyQuerySetReceived { socket: u8, queries: u8 },
    /// The app's `Mutation`.
    MutationReceived { socket: u8 },
    /// The app's `Action`.
    ActionReceived { socket: u8 },

    // ---- server → client (what the WebSocketManager receives) --------------------
    /// `ws.onopen`.
    WebSocketOpened { socket: u8 },
    /// `ws.onclose`.
    WebSocketClosed { socket: u8 },
    /// A `Transition` moving the identity version from `start` to `end`.
    TransitionReceived { socket: u8, start: u8, end: u8 },
    /// `MutationResponse`.
    MutationResponseReceived { socket: u8 },
    /// `ActionResponse`.
    ActionResponseReceived { socket: u8 },
    /// `AuthError{baseVersion, authUpdateAttempted}`: `attempted` when the server
    /// rejected a token it was just given, not otherwise (the token expired);
    /// `reason`, the server's, which the client only logs.
    AuthErrorReceived {
        socket: u8,
        base_version: u8,
        attempted: Option<bool>,
        reason: AuthErrorReason,
    },

    // ---- the client's timers -----------------------------------------------------
    /// The AuthenticationManager's scheduled token refetch (`setTimeout`) fires.
    ScheduledRefetchFired,
    /// The WebSocketManager's reconnect backoff fires.
    ReconnectTimerFired,

    // ---- the client and the adapter ----------------------------------------------
    /// The client calls the adapter's `fetchAccessToken({forceRefreshToken})`;
    /// `call` is the client's configVersion for it.
    FetchAccessToken { call: u8, force: bool },
    /// The client calls `fetchAccessToken`, and the promise never settles: its
    /// request to the IdP stalled and nothing times it out.
    FetchAccessTokenHangs { call: u8, force: bool },
    /// A `fetchAccessToken` promise settles.
    TokenFetched { call: u8, result: FetchResult },
    /// The app calls `client.mutation(...)`.
    AppCallsMutation,
    /// The app calls `client.action(...)`.
    AppCallsAction,
    /// The component with its own `useQuery` mounts (`mounted`) or unmounts.
    QueryComponentToggled { mounted: bool },
    /// The app calls `client.setAuth(fetchToken, onChange)` with a new closure.
    AppCallsSetAuth,
    /// The app calls `client.clearAuth()`.
    AppCallsClearAuth,
    /// React runs the passive effects it committed in an earlier task.
    PassiveEffectsRun,
    /// The provider's deferred `clearAuth` runs (R2, 1.14.0).
    DeferredClearAuthRuns,
    /// The adapter hook returns new values and `ConvexProviderWithAuth` re-renders.
    AdapterRerendered {
        is_loading: bool,
        is_authenticated: bool,
        fetcher: u8,
    },

    // ---- the IdP (AuthKit) -------------------------------------------------------
    /// AuthKit's auto-refresh loop refreshes a token that is due.
    IdpAutoRefreshed,
    /// The IdP SDK finishes loading at page load (`createClient` resolves).
    IdpLoaded,
    /// The IdP refresh serving fetch `call` fails, with a failure of `kind`.
    IdpRefreshFailed { call: u8, kind: FailureKind },
    /// The IdP refresh serving fetch `call` succeeds.
    IdpRefreshSucceeded { call: u8 },
    /// The adapter's wait before retrying a failed IdP call ends: it calls the
    /// IdP again (PR #529).
    AdapterRetryWaitEnds,
}

impl Event {
    /// The event a step of the model is.
    ///
    /// Panics on a step this model never takes (a lost message, a crash): its
    /// network is not lossy and no actor crashes.
    pub fn of(before: &SystemState, action: &SystemAction) -> Event {
        match action {
            ActorModelAction::Deliver {
                msg: Msg::FetchToken { call, force },
                ..
            } if View::of(before).token_provider.next_fetch_hangs => Event::FetchAccessTokenHangs {
                call: *call,
                force: *force,
            },
            ActorModelAction::Deliver {
                msg: Msg::AppTogglesQuery,
                ..
            } => Event::QueryComponentToggled {
                mounted: !View::of(before).tab.extra_query_mounted,
            },
            ActorModelAction::Deliver { dst, msg, .. } => delivered(*dst, msg),
            ActorModelAction::Timeout(_, timer) => fired(timer),
            ActorModelAction::SelectRandom { random, .. } => {
                // The failure rule (`FailureBudget::settle`): the choice fails the
                // refresh only while the budget still allows a failure; during an
                // outage every refresh fails.
                // A session ended at the IdP, or a cookie the app's server has
                // deleted, fails whatever the choice.
                let idp = &View::of(before).token_provider.idp;
                if (random.fails && idp.budget.may_fail())
                    || idp.is_down()
                    || idp.store.refuses_every_refresh()
                {
                    Event::IdpRefreshFailed {
                        call: random.call,
                        kind: idp.kind_now(),
                    }
                } else {
                    Event::IdpRefreshSucceeded { call: random.call }
                }
            }
            other => unreachable!("this model loses no message and crashes no actor: {other:?}"),
        }
    }

    /// One example of every event, for tests that every renderer knows them all.
    pub fn examples() -> Vec<Event> {
        let token = Token {
            serial: 1,
            iat: 0,
            exp: 2,
            user: User::A,
            new_key: false,
        };
        vec![
            Event::ClockTick,
            Event::TabHidden,
            Event::TabShown,
            Event::DataChanged,
            Event::NetworkDropped,
            Event::UserSignedOut,
            Event::SessionEndsAtIdp,
            Event::UserSignedIn,
            Event::AccountSwitched,
            Event::SessionSwitched,
            Event::SignInReachesIdp { user: User::A },
            Event::AccountSwitchReachesIdp { user: User::B },
            Event::SessionSwitchReachesIdp,
            Event::IdpLoaded,
            Event::IdpOutageStarts,
            Event::OutageReachesIdp { ticks: 2 },
            Event::AppDecidesMutation,
            Event::AppDecidesAction,
            Event::AppDecidesQueryToggle,
            Event::ActionReceived { socket: 1 },
            Event::ActionResponseReceived { socket: 1 },
            Event::AppCallsMutation,
            Event::AppCallsAction,
            Event::QueryComponentToggled { mounted: true },
            Event::AppDecidesSetAuth,
            Event::AppDecidesClearAuth,
            Event::AppCallsSetAuth,
            Event::AppCallsClearAuth,
            Event::PassiveEffectsRun,
            Event::DeferredClearAuthRuns,
            Event::TimeReachesTab { now: 1 },
            Event::TimeReachesIdp { now: 1 },
            Event::TimeReachesServer { now: 1 },
            Event::VisibilityReachesTab { hidden: true },
            Event::VisibilityReachesIdp { hidden: true },
            Event::DataChangeReachesServer,
            Event::DropReachesServer,
            Event::SignOutReachesIdp,
            Event::SessionEndReachesIdp,
            Event::WebSocketConnects { socket: 1 },
            Event::ClientCloseReachesServer { socket: 1 },
            Event::AuthenticateReceived {
                socket: 1,
                token: Some(token),
                base_version: 0,
            },
            Event::ModifyQuerySetReceived {
                socket: 1,
                queries: 1,
            },
            Event::MutationReceived { socket: 1 },
            Event::WebSocketOpened { socket: 1 },
            Event::WebSocketClosed { socket: 1 },
            Event::TransitionReceived {
                socket: 1,
                start: 0,
                end: 1,
            },
            Event::MutationResponseReceived { socket: 1 },
            Event::AuthErrorReceived {
                socket: 1,
                base_version: 1,
                attempted: Some(false),
                reason: AuthErrorReason::IdentityExpired,
            },
            Event::ScheduledRefetchFired,
            Event::ReconnectTimerFired,
            Event::FetchAccessToken {
                call: 1,
                force: true,
            },
            Event::TokenFetched {
                call: 1,
                result: FetchResult::Null,
            },
            Event::AdapterRerendered {
                is_loading: false,
                is_authenticated: false,
                fetcher: 1,
            },
            Event::IdpAutoRefreshed,
            Event::IdpRefreshFailed {
                call: 1,
                kind: FailureKind::NetworkError,
            },
            Event::IdpRefreshSucceeded { call: 1 },
            Event::AdapterRetryWaitEnds,
            Event::IdpRequestStalls,
            Event::StallReachesAdapter,
            Event::FetchAccessTokenHangs {
                call: 1,
                force: false,
            },
            Event::SigningKeyRotates,
            Event::JwksCacheExpires,
            Event::KeyRotationReachesIdp,
            Event::JwksRefetchReachesServer,
        ]
    }
}

/// A message delivered to `dst`. Only the clock and visibility go to more than one
/// actor; every other message has one receiver.
fn delivered(dst: Id, msg: &Msg) -> Event {
    match *msg {
        Msg::Clock { now } if dst == browser_id() => Event::TimeReachesTab { now },
        Msg::Clock { now } if dst == server_id() => Event::TimeReachesServer { now },
        Msg::Clock { now } => Event::TimeReachesIdp { now },
        Msg::Visibility { hidden } if dst == browser_id() => Event::VisibilityReachesTab { hidden },
        Msg::Visibility { hidden } => Event::VisibilityReachesIdp { hidden },
        Msg::DataChanged => Event::DataChangeReachesServer,
        Msg::NetworkDrop => Event::DropReachesServer,
        Msg::SignOut => Event::SignOutReachesIdp,
        Msg::SessionEnds => Event::SessionEndReachesIdp,
        Msg::SignIn { user } => Event::SignInReachesIdp { user },
        Msg::SwitchAccount { user } => Event::AccountSwitchReachesIdp { user },
        Msg::SwitchSession => Event::SessionSwitchReachesIdp,
        Msg::IdpOutage { ticks } => Event::OutageReachesIdp { ticks },
        Msg::HangNextFetch => Event::StallReachesAdapter,
        Msg::KeyRotates => Event::KeyRotationReachesIdp,
        Msg::JwksRefetched => Event::JwksRefetchReachesServer,
        Msg::WsOpen { socket } => Event::WebSocketConnects { socket },
        Msg::WsClose { socket } => Event::ClientCloseReachesServer { socket },
        Msg::Authenticate {
            socket,
            token,
            base_version,
        } => Event::AuthenticateReceived {
            socket,
            token,
            base_version,
        },
        Msg::ModifyQuerySet { socket, queries } => {
            Event::ModifyQuerySetReceived { socket, queries }
        }
        Msg::Mutation { socket } => Event::MutationReceived { socket },
        Msg::Action { socket } => Event::ActionReceived { socket },
        Msg::ActionResponse { socket } => Event::ActionResponseReceived { socket },
        Msg::AppCallsMutation => Event::AppCallsMutation,
        Msg::AppCallsAction => Event::AppCallsAction,
        Msg::AppTogglesQuery => unreachable!("told apart in Event::of, which reads the tab"),
        Msg::AppSetsAuth => Event::AppCallsSetAuth,
        Msg::AppClearsAuth => Event::AppCallsClearAuth,
        Msg::RunPassiveEffects => Event::PassiveEffectsRun,
        Msg::DeferredClearAuth => Event::DeferredClearAuthRuns,
        Msg::WsOpened { socket } => Event::WebSocketOpened { socket },
        Msg::WsClosed { socket } => Event::WebSocketClosed { socket },
        Msg::Transition { socket, start, end } => Event::TransitionReceived { socket, start, end },
        Msg::MutationResponse { socket } => Event::MutationResponseReceived { socket },
        Msg::AuthError {
            socket,
            base_version,
            auth_update_attempted,
            reason,
        } => Event::AuthErrorReceived {
            socket,
            base_version,
            attempted: auth_update_attempted,
            reason,
        },
        Msg::FetchToken { call, force } => Event::FetchAccessToken { call, force },
        Msg::TokenFetched { call, result, .. } => Event::TokenFetched { call, result },
        Msg::AdapterChanged(o) => Event::AdapterRerendered {
            is_loading: o.is_loading,
            is_authenticated: o.is_authenticated,
            fetcher: o.fetcher,
        },
    }
}

/// A timer that fires. Each timer belongs to one actor.
fn fired(timer: &Timer) -> Event {
    match timer {
        Timer::Tick => Event::ClockTick,
        Timer::HideTab => Event::TabHidden,
        Timer::ShowTab => Event::TabShown,
        Timer::DataChange => Event::DataChanged,
        Timer::DropSocket => Event::NetworkDropped,
        Timer::SignOut => Event::UserSignedOut,
        Timer::SessionEnds => Event::SessionEndsAtIdp,
        Timer::HangFetch => Event::IdpRequestStalls,
        Timer::ScheduledRefetch => Event::ScheduledRefetchFired,
        Timer::Reconnect => Event::ReconnectTimerFired,
        Timer::AutoRefresh => Event::IdpAutoRefreshed,
        Timer::IdpLoads => Event::IdpLoaded,
        Timer::AdapterRetry => Event::AdapterRetryWaitEnds,
        Timer::SignIn => Event::UserSignedIn,
        Timer::SwitchAccount => Event::AccountSwitched,
        Timer::SwitchSession => Event::SessionSwitched,
        Timer::IdpOutage => Event::IdpOutageStarts,
        Timer::AppMutation => Event::AppDecidesMutation,
        Timer::AppAction => Event::AppDecidesAction,
        Timer::QueryToggle => Event::AppDecidesQueryToggle,
        Timer::AppSetAuth => Event::AppDecidesSetAuth,
        Timer::AppClearAuth => Event::AppDecidesClearAuth,
        Timer::RotateKey => Event::SigningKeyRotates,
        Timer::RefetchJwks => Event::JwksCacheExpires,
    }
}

/// The actor that takes an event's step, and the event in words.
pub fn in_words(event: &Event) -> (Id, String) {
    let (browser, server, idp, environment) = (
        browser_id(),
        server_id(),
        token_provider_id(),
        environment_id(),
    );
    match event {
        Event::ClockTick => (environment, "time advances one tick".into()),
        Event::TabHidden => (environment, "the tab is hidden".into()),
        Event::TabShown => (environment, "the tab is shown again".into()),
        Event::DataChanged => (environment, "data changes on the server".into()),
        Event::NetworkDropped => (environment, "the network drops".into()),
        Event::UserSignedOut => (environment, "the user signs out".into()),
        Event::SessionEndsAtIdp => (
            environment,
            "the session ends at the IdP (its refresh token revoked), the browser keeps its cookie".into(),
        ),
        Event::UserSignedIn => (environment, "the user signs in again".into()),
        Event::AccountSwitched => (
            environment,
            "the user switches to their other account".into(),
        ),
        Event::SessionSwitched => (
            environment,
            "the user switches session or organization".into(),
        ),
        Event::SignInReachesIdp { user } => (idp, format!("signs user {user} in")),
        Event::AccountSwitchReachesIdp { user } => {
            (idp, format!("switches the session to user {user}"))
        }
        Event::SessionSwitchReachesIdp => (
            idp,
            "starts a new session for the same user (new token)".into(),
        ),
        Event::IdpLoaded => (idp, "finishes loading the session".into()),
        Event::IdpOutageStarts => (environment, "the IdP goes down".into()),
        Event::AppDecidesMutation => (environment, "the user triggers the mutation".into()),
        Event::AppDecidesAction => (environment, "the user triggers the action".into()),
        Event::AppDecidesQueryToggle => (
            environment,
            "the user opens or closes a view with its own query".into(),
        ),
        Event::ActionReceived { socket } => (server, format!("receives Action on #{socket}")),
        Event::ActionResponseReceived { socket } => {
            (browser, format!("receives ActionResponse on #{socket}"))
        }
        Event::AppCallsMutation => (browser, "the app calls its mutation".into()),
        Event::AppDecidesSetAuth => (environment, "the app decides to call setAuth".into()),
        Event::AppDecidesClearAuth => (environment, "the app decides to call clearAuth".into()),
        Event::AppCallsSetAuth => (browser, "the app calls client.setAuth".into()),
        Event::AppCallsClearAuth => (browser, "the app calls client.clearAuth".into()),
        Event::PassiveEffectsRun => (browser, "React runs the pending effects".into()),
        Event::DeferredClearAuthRuns => (browser, "the provider's deferred clearAuth runs".into()),
        Event::AppCallsAction => (browser, "the app calls its action".into()),
        Event::QueryComponentToggled { mounted: true } => {
            (browser, "a component with its own query mounts".into())
        }
        Event::QueryComponentToggled { mounted: false } => {
            (browser, "the component with its own query unmounts".into())
        }
        Event::OutageReachesIdp { ticks } => (
            idp,
            format!("finds the IdP down: every refresh fails for {ticks} ticks"),
        ),
        Event::IdpRequestStalls => (
            environment,
            "the network stalls the adapter's next request to the IdP".into(),
        ),
        Event::StallReachesAdapter => (idp, "will not get an answer to its next request".into()),
        Event::SigningKeyRotates => (environment, "the IdP rotates its signing key".into()),
        Event::JwksCacheExpires => (
            environment,
            "the server's cached copy of the IdP's keys (JWKS) goes stale".into(),
        ),
        Event::KeyRotationReachesIdp => (
            idp,
            "signs every token it mints from now on with its new key (from environment)".into(),
        ),
        Event::JwksRefetchReachesServer => (
            server,
            "fetches the IdP's keys again and finds the new one (from environment)".into(),
        ),
        Event::TimeReachesTab { now } => (browser, format!("sees the clock reach {now}")),
        Event::TimeReachesIdp { now } => (idp, format!("sees the clock reach {now}")),
        Event::TimeReachesServer { now } => (server, format!("sees the clock reach {now}")),
        Event::VisibilityReachesTab { hidden } => (browser, visibility_words(*hidden)),
        Event::VisibilityReachesIdp { hidden } => (idp, visibility_words(*hidden)),
        Event::DataChangeReachesServer => {
            (server, "sees data change: queries must re-run".into())
        }
        Event::DropReachesServer => (server, "the network drops the WebSocket".into()),
        Event::SignOutReachesIdp => (idp, "the user signs out (from environment)".into()),
        Event::SessionEndReachesIdp => (
            idp,
            "the IdP has ended the session: its next refresh will fail (from environment)".into(),
        ),
        Event::WebSocketConnects { socket } => {
            (server, format!("WebSocket #{socket} connects"))
        }
        Event::ClientCloseReachesServer { socket } => {
            (server, format!("the client closes WebSocket #{socket}"))
        }
        Event::AuthenticateReceived {
            socket,
            token,
            base_version,
        } => {
            let token = match token {
                Some(t) => format!("User {t}"),
                None => "None".to_string(),
            };
            (
                server,
                format!("receives Authenticate{{{token}, baseVersion {base_version}}} on #{socket}"),
            )
        }
        Event::ModifyQuerySetReceived { socket, queries } => (
            server,
            format!("receives ModifyQuerySet ({queries} queries) on #{socket}"),
        ),
        Event::MutationReceived { socket } => (server, format!("receives Mutation on #{socket}")),
        Event::WebSocketOpened { socket } => {
            (browser, format!("WebSocket #{socket} opens (onopen)"))
        }
        Event::WebSocketClosed { socket } => {
            (browser, format!("WebSocket #{socket} closes (onclose)"))
        }
        Event::TransitionReceived { socket, start, end } => (
            browser,
            format!("receives Transition (identity version {start} → {end}) on #{socket}"),
        ),
        Event::MutationResponseReceived { socket } => {
            (browser, format!("receives MutationResponse on #{socket}"))
        }
        Event::AuthErrorReceived {
            socket,
            base_version,
            attempted,
            reason,
        } => (
            browser,
            match attempted {
                Some(a) => format!(
                    "receives AuthError{{baseVersion {base_version}, authUpdateAttempted:{a}}} on #{socket} ({}: {})",
                    if *a { "token rejected" } else { "token expired" },
                    reason.words()
                ),
                None => format!(
                    "receives AuthError{{baseVersion {base_version}}} on #{socket} (an older backend: no authUpdateAttempted; {})",
                    reason.words()
                ),
            },
        ),
        Event::ScheduledRefetchFired => {
            (browser, "the scheduled token refetch timer fires".into())
        }
        Event::ReconnectTimerFired => (browser, "the reconnect backoff timer fires".into()),
        Event::FetchAccessToken { call, force } => (
            idp,
            format!("is asked fetchAccessToken({{forceRefreshToken:{force}}}) (fetch #{call})"),
        ),
        Event::FetchAccessTokenHangs { call, force } => (
            idp,
            format!(
                "is asked fetchAccessToken({{forceRefreshToken:{force}}}) (fetch #{call}); its request stalls: the promise never settles"
            ),
        ),
        Event::TokenFetched { call, result } => {
            let settles = match result {
                FetchResult::Token(t) => format!("resolves with {t}"),
                FetchResult::Null => "resolves with null".to_string(),
                FetchResult::Rejected => "rejects".to_string(),
            };
            (browser, format!("fetch #{call} {settles}"))
        }
        Event::AdapterRerendered {
            is_loading,
            is_authenticated,
            fetcher,
        } => (
            browser,
            format!(
                "the adapter re-renders: isLoading:{is_loading}, isAuthenticated:{is_authenticated}, fetchAccessToken #{fetcher}"
            ),
        ),
        Event::IdpAutoRefreshed => (idp, "the SDK's auto-refresh refreshes the token".into()),
        Event::IdpRefreshFailed { call, kind } => (
            idp,
            format!("the IdP refresh for fetch #{call} fails: {}", kind.words()),
        ),
        Event::IdpRefreshSucceeded { call } => {
            (idp, format!("the IdP refresh for fetch #{call} succeeds"))
        }
        Event::AdapterRetryWaitEnds => (
            idp,
            "the adapter's retry wait ends: it calls the IdP again".into(),
        ),
    }
}

fn visibility_words(hidden: bool) -> String {
    if hidden {
        "sees the tab hidden".to_string()
    } else {
        "sees the tab visible".to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::trace::replay::{drive, Drive};
    use crate::trace::{in_words, narrative};

    /// How many variants `Event` has.
    const VARIANTS: usize = 65;

    /// A distinct number per variant. The match has no wildcard: a new variant does
    /// not compile until it gets a number here, and then fails
    /// `examples_cover_every_event` until [`Event::examples`] has it.
    fn variant_number(event: &Event) -> usize {
        match event {
            Event::ClockTick => 0,
            Event::TabHidden => 1,
            Event::TabShown => 2,
            Event::DataChanged => 3,
            Event::NetworkDropped => 4,
            Event::UserSignedOut => 5,
            Event::TimeReachesTab { .. } => 6,
            Event::TimeReachesIdp { .. } => 7,
            Event::TimeReachesServer { .. } => 8,
            Event::VisibilityReachesTab { .. } => 9,
            Event::VisibilityReachesIdp { .. } => 10,
            Event::DataChangeReachesServer => 11,
            Event::DropReachesServer => 12,
            Event::SignOutReachesIdp => 13,
            Event::WebSocketConnects { .. } => 14,
            Event::ClientCloseReachesServer { .. } => 15,
            Event::AuthenticateReceived { .. } => 16,
            Event::ModifyQuerySetReceived { .. } => 17,
            Event::MutationReceived { .. } => 18,
            Event::WebSocketOpened { .. } => 19,
            Event::WebSocketClosed { .. } => 20,
            Event::TransitionReceived { .. } => 21,
            Event::MutationResponseReceived { .. } => 22,
            Event::AuthErrorReceived { .. } => 23,
            Event::ScheduledRefetchFired => 24,
            Event::ReconnectTimerFired => 25,
            Event::FetchAccessToken { .. } => 26,
            Event::TokenFetched { .. } => 27,
            Event::AdapterRerendered { .. } => 28,
            Event::IdpAutoRefreshed => 29,
            Event::IdpRefreshFailed { .. } => 30,
            Event::IdpRefreshSucceeded { .. } => 31,
            Event::IdpRequestStalls => 32,
            Event::StallReachesAdapter => 33,
            Event::FetchAccessTokenHangs { .. } => 34,
            Event::UserSignedIn => 35,
            Event::AccountSwitched => 36,
            Event::SessionSwitched => 37,
            Event::SignInReachesIdp { .. } => 38,
            Event::AccountSwitchReachesIdp { .. } => 39,
            Event::SessionSwitchReachesIdp => 40,
            Event::IdpLoaded => 41,
            Event::IdpOutageStarts => 42,
            Event::OutageReachesIdp { .. } => 43,
            Event::AppDecidesMutation => 44,
            Event::AppDecidesAction => 45,
            Event::AppDecidesQueryToggle => 46,
            Event::ActionReceived { .. } => 47,
            Event::ActionResponseReceived { .. } => 48,
            Event::AppCallsMutation => 49,
            Event::AppCallsAction => 50,
            Event::QueryComponentToggled { .. } => 51,
            Event::AppDecidesSetAuth => 52,
            Event::AppDecidesClearAuth => 53,
            Event::AppCallsSetAuth => 54,
            Event::AppCallsClearAuth => 55,
            Event::PassiveEffectsRun => 56,
            Event::AdapterRetryWaitEnds => 57,
            Event::DeferredClearAuthRuns => 58,
            Event::SessionEndsAtIdp => 59,
            Event::SessionEndReachesIdp => 60,
            Event::SigningKeyRotates => 61,
            Event::JwksCacheExpires => 62,
            Event::KeyRotationReachesIdp => 63,
            Event::JwksRefetchReachesServer => 64,
        }
    }

    #[test]
    fn examples_cover_every_event() {
        let covered: BTreeSet<usize> = Event::examples().iter().map(variant_number).collect();
        let missing: Vec<usize> = (0..VARIANTS).filter(|n| !covered.contains(n)).collect();
        assert!(missing.is_empty(), "no example of variants {missing:?}");
        assert_eq!(covered.len(), VARIANTS, "VARIANTS is out of date");
    }

    use crate::trace::replay::protocol::tests::driver_ops;

    #[test]
    fn every_event_has_words_a_story_and_a_replay() {
        let known_ops = driver_ops();
        for event in Event::examples() {
            let (_, words) = in_words(&event);
            assert!(!words.is_empty(), "{event:?} has no words");
            let (sentence, arrows) = narrative::told_example(&event);
            assert_eq!(
                sentence.is_some(),
                arrows.is_some(),
                "{event:?} is told in the report but not drawn, or the other way round"
            );
            assert!(
                sentence.iter().chain(&arrows).all(|s| !s.is_empty()),
                "{event:?}"
            );
            match drive(&event) {
                Drive::Ops(ops) => {
                    assert!(!ops.is_empty(), "{event:?} is driven by no op");
                    for op in ops {
                        assert!(
                            known_ops.iter().any(|k| k == op),
                            "{event:?} is driven by `{op}`, which driver.mjs's OPS lacks ({known_ops:?})"
                        );
                    }
                }
                Drive::NotDriven(because) => {
                    assert!(!because.is_empty(), "{event:?}: not driven, but why?")
                }
            }
        }
    }
}
