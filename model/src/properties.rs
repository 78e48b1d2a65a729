//! Every property, written first as what it means to an app developer.
//!
//! Tags are the ones the bug catalogue uses (`checks/catalogue/bugs.toml`). Properties read the system state through
//! [`View`], the history variables included (`v.history`, see
//! [`crate::history`]). Each property is judged in one of four ways
//! ([`Kind`]): on every reachable state; on the end states of complete runs (nothing
//! left to happen: no message in flight, no timer, every environment event spent);
//! as liveness — once the faults are spent, the goal must stay reachable from every
//! state (a state from which it is not is doomed: stopped for good or looping in
//! vain); or as something that must be reachable at all.
//!
//! "Signed in" means the IdP has a session: some user (A or B) is signed in.
//! Properties that speak of "the user" mean the user signed in *now*: after an
//! account switch, a connection holding the other account's identity is as wrong
//! as one holding none.
//!
//! What each property's prose says it counts and forgives is tested sentence by
//! sentence against the code, on runs of small worlds (`model/tests/property_prose.rs`).

use crate::actors::browser::{ActionStatus, MutationStatus, SocketState};
use crate::actors::Identity;
use crate::config::Scenario;
use crate::history::is_users;
use crate::view::View;

pub use crate::engine::Kind;

/// One property.
pub struct PropertyDef {
    /// Short id used in check files and file names.
    pub slug: &'static str,
    /// Tag from the bug catalogue.
    pub tag: &'static str,
    /// The property's name.
    pub name: &'static str,
    /// One line in a developer's words.
    pub meaning: &'static str,
    pub kind: Kind,
    /// The condition; for `Eventually`, the goal that must stay reachable.
    pub holds: fn(&Scenario, &View) -> bool,
    /// For `Eventually`: where the goal must stay reachable.
    pub scope: Option<fn(&Scenario, &View) -> bool>,
    /// For `Eventually`: the runs the verdict speaks of (None for the others).
    pub fairness: Option<&'static Fairness>,
}

/// The fairness a liveness verdict assumes: which infinite runs count. A run may
/// leave an action out forever only if the action is not continuously enabled
/// (weak fairness) or not enabled infinitely often (strong fairness). Under these
/// assumptions a state from which the goal is reachable does reach it, so "no
/// doomed state" means "every fair run gets back to the goal".
pub struct Fairness {
    /// Actions that, once enabled, stay enabled until taken, and are taken.
    pub weak: &'static str,
    /// Choices that are offered again and again, and go each way eventually.
    pub strong: &'static str,
}

impl Fairness {
    /// One line for a report's verdict.
    pub fn describe(&self) -> String {
        format!(
            "weak fairness of {}; strong fairness of {}",
            self.weak, self.strong
        )
    }
}

/// The fairness of STUCK and WEDGE. In this model every in-flight message and
/// every armed timer stays enabled until taken, so weak fairness of them is what
/// a real event loop gives; the clock's tick is such a timer (time passes), and so
/// is showing a hidden tab again. The IdP's success-or-failure choice is offered on
/// every refresh, and its failing branch is bounded by the fault budget, so
/// strong fairness of it only says the IdP is not down forever. The budgeted
/// events (sign-outs, drops, data changes, the app's calls, outages) are not
/// assumed to happen: the scope starts once every one of them has.
pub static DELIVERY_TIMERS_AND_IDP: Fairness = Fairness {
    weak:
        "message delivery and timers (each in-flight message is delivered, each armed timer fires, the clock keeps ticking, a hidden tab is shown again)",
    strong: "the IdP's refresh outcome (a refresh offered again and again eventually succeeds)",
};

/// Every property, in report order.
pub static ALL: [PropertyDef; 13] = [
        PropertyDef {
            slug: "stuck",
            tag: "STUCK",
            name: "eventually authenticated after a valid token",
            meaning: "once faults stop, while a user is signed in the app always gets back to authenticated with the server holding that user's identity in an unexpired token",
            kind: Kind::Eventually,
            holds: eventually_authenticated_after_valid_token,
            scope: Some(faults_spent),
            fairness: Some(&DELIVERY_TIMERS_AND_IDP),
        },
        PropertyDef {
            slug: "wedge",
            tag: "WEDGE",
            name: "socket never left stopped or paused",
            meaning: "once faults stop, the WebSocket always gets back to connected and unpaused, with the app's mutation settled",
            kind: Kind::Eventually,
            holds: socket_not_wedged,
            scope: Some(faults_spent),
            fairness: Some(&DELIVERY_TIMERS_AND_IDP),
        },
        PropertyDef {
            slug: "unauth-q",
            tag: "UNAUTH-Q",
            name: "no query runs without identity while signed in",
            meaning: "while a user is signed in (and the app has been told), the server never runs your queries or mutation without their identity: as nobody or as another user",
            kind: Kind::Always,
            holds: no_query_without_identity_while_signed_in,
            scope: None,
            fairness: None,
        },
        PropertyDef {
            slug: "flash",
            tag: "FLASH",
            name: "no flash to signed-out or loading",
            meaning: "once authenticated, useConvexAuth() never drops to loading or unauthenticated while the user stays signed in",
            kind: Kind::Always,
            holds: no_flash_while_signed_in,
            scope: None,
            fairness: None,
        },
        PropertyDef {
            slug: "mismatch",
            tag: "MISMATCH",
            name: "UI and connection agree on identity",
            meaning: "once everything settles, useConvexAuth() says authenticated exactly when the live connection carries the signed-in user's identity (not loading)",
            kind: Kind::AtEnd,
            holds: ui_matches_connection,
            scope: Some(at_rest),
            fairness: None,
        },
        PropertyDef {
            slug: "zombie",
            tag: "ZOMBIE",
            name: "no identity after sign-out",
            meaning: "after sign-out or an account switch the client never sends the old user's token again and the server ends without their identity",
            kind: Kind::AtEnd,
            holds: no_identity_after_sign_out,
            scope: Some(at_rest),
            fairness: None,
        },
        PropertyDef {
            slug: "unhandled",
            tag: "UNHANDLED",
            name: "no unhandled rejection",
            meaning: "no rejection of fetchAccessToken (or TypeError) escapes the AuthenticationManager",
            kind: Kind::Always,
            holds: no_unhandled_rejection,
            scope: None,
            fairness: None,
        },
        PropertyDef {
            slug: "lost",
            tag: "LOST",
            name: "no action lost to an auth restart",
            meaning: "an action your app calls never fails with \"Connection lost while action was in flight\" while the network stays up",
            kind: Kind::Always,
            holds: no_action_lost_to_a_restart,
            scope: None,
            fairness: None,
        },
        PropertyDef {
            slug: "storm",
            tag: "STORM",
            name: "no refetch or reconnect storm",
            meaning: "the client never makes more forced fetches, setAuth calls and reconnects in one tick than the storm bound",
            kind: Kind::Always,
            holds: no_storm,
            scope: None,
            fairness: None,
        },
        PropertyDef {
            slug: "ghost",
            tag: "GHOST",
            name: "signed out once the session has ended",
            meaning: "once the session has ended at the IdP (its refresh token revoked or expired) and faults stop, the app always gets to showing signed out: useConvexAuth() neither authenticated nor loading",
            kind: Kind::Eventually,
            holds: signed_out_after_the_session_ended,
            scope: Some(session_ended_and_faults_spent),
            fairness: Some(&DELIVERY_TIMERS_AND_IDP),
        },
        PropertyDef {
            slug: "authenticated",
            tag: "SANITY",
            name: "sometimes authenticated",
            meaning: "the app can reach authenticated with the server holding the user's identity",
            kind: Kind::Sometimes,
            holds: authenticated,
            scope: None,
            fairness: None,
        },
        PropertyDef {
            slug: "token-refreshed",
            tag: "SANITY",
            name: "sometimes token refreshed",
            meaning: "the server can come to hold a refreshed token (not the first one) while the app is authenticated",
            kind: Kind::Sometimes,
            holds: token_refreshed,
            scope: None,
            fairness: None,
        },
        PropertyDef {
            slug: "reauthenticated-after-expiry",
            tag: "SANITY",
            name: "sometimes re-authenticated after an expiry",
            meaning: "after the server reported an expired token, the app can be authenticated again with a valid token",
            kind: Kind::Sometimes,
            holds: reauthenticated_after_expiry,
            scope: None,
            fairness: None,
        },
];

/// Every property, in report order.
pub fn all() -> &'static [PropertyDef] {
    &ALL
}

/// Looks a property up by slug.
pub fn by_slug(slug: &str) -> Option<&'static PropertyDef> {
    ALL.iter().find(|p| p.slug == slug)
}

/// A user is signed in: the IdP has a session (not one it has ended, whatever
/// the SDK still believes).
fn signed_in(v: &View) -> bool {
    v.token_provider.idp.store.user_at_idp().is_some()
}

/// The identity on the server's live connection, if there is one.
fn server_identity(v: &View) -> Option<Identity> {
    v.server.connection.map(|c| c.identity)
}

/// The server's live connection holds the identity of the user signed in now.
fn server_holds_current_user(v: &View) -> bool {
    match (server_identity(v), v.token_provider.idp.store.session) {
        (Some(identity), Some(user)) => is_users(identity, user),
        _ => false,
    }
}

/// The server's live connection holds a user's identity who is not signed in now.
fn server_holds_other_user(v: &View) -> bool {
    matches!(server_identity(v), Some(Identity::User(_))) && !server_holds_current_user(v)
}

/// The scope of the liveness properties: every environment event and fault of the
/// scenario has happened ("once faults stop").
pub fn faults_spent(_: &Scenario, v: &View) -> bool {
    v.environment.is_spent()
        && !v.token_provider.next_fetch_hangs
        && !v.token_provider.idp.is_down()
}

/// Where the at-end properties are judged: at rest, once the faults are spent,
/// nothing is in flight, no timer but the clock's is armed and no choice is
/// pending — everything has settled and only time can pass. (With a horizon,
/// `bounds.ticks`, the runs' last states are at rest too.)
pub fn at_rest(scenario: &Scenario, v: &View) -> bool {
    faults_spent(scenario, v) && v.nothing_pending()
}

/// STUCK — "eventually authenticated after a valid token".
///
/// A developer's reading: if my user is still signed in at the IdP (which can then
/// always hand out a valid token), then once things calm down `useConvexAuth()` must
/// come back to `{isLoading:false, isAuthenticated:true}` with the server knowing who
/// the user is. Convex-backend #259 is the violation: stuck at
/// `isAuthenticated:false` until a reload although AuthKit has a fresh token.
///
/// This is the goal; the property is `Eventually` within [`faults_spent`]: from every
/// state after the faults, a goal state must stay reachable. A state from which it
/// is not is doomed — the client stops for good, or retries forever in vain.
///
/// The goal asks for the user signed in *now*: a connection left with the other
/// account's identity is not authenticated in any sense a user cares about. And
/// it asks for a token the server still accepts (`now < exp`): a client that
/// holds an expired identity and never refetches is stuck, however long ago it
/// said authenticated. (With a horizon, `bounds.ticks`, time stops after the last
/// tick, and a token expiring then would count as stuck although its refetch is
/// merely due later: one reason runs have no horizon by default.)
pub fn eventually_authenticated_after_valid_token(_: &Scenario, v: &View) -> bool {
    if !signed_in(v) {
        return true;
    }
    let ui = v.tab.provider.use_convex_auth();
    ui.is_authenticated
        && !ui.is_loading
        && server_holds_current_user(v)
        && matches!(server_identity(v), Some(Identity::User(t)) if !t.is_expired_at(v.server.now))
}

/// WEDGE — "the socket is never left permanently stopped or paused".
///
/// With the network up and the client open, nothing should leave the WebSocket
/// closed for good or paused forever: requests would never be sent and mutation
/// promises never settle (convex-js #22). The goal: the socket is ready and not
/// paused, and the app's mutation (if any) has been answered; `Eventually` within
/// [`faults_spent`].
pub fn socket_not_wedged(_: &Scenario, v: &View) -> bool {
    let mutation_settled = !matches!(
        v.tab.mutation,
        MutationStatus::NotSent | MutationStatus::Requested | MutationStatus::Answered
    );
    mutation_settled
        && matches!(
            v.tab.socket.state,
            SocketState::Ready {
                paused: crate::actors::browser::socket::ReadyPause::No,
                ..
            }
        )
}

/// UNAUTH-Q — "no query runs on the server without identity while signed in".
///
/// While my user is signed in, my queries should never run with
/// `ctx.auth.getUserIdentity() === null` — that is the burst of "Unauthorized"
/// errors users see — nor as the account they switched away from. This includes
/// page load: the page was served to a signed-in user, so queries that run
/// before the client authenticates count (convex's `expectAuth` exists to prevent
/// them). Judged on every run, when it happens
/// (`history.ran_without_current_user`). Two kinds of run are forgiven, because
/// no client can prevent them: runs between a change of user and the adapter's
/// re-render that tells the app (and the app's messages already on their way);
/// and, after a sign-in from signed-out browsing, re-runs as nobody of the
/// queries subscribed while signed out, until the user's first Authenticate
/// reaches the server. A query the app adds, its mutation or its action running
/// as nobody in that window counts.
pub fn no_query_without_identity_while_signed_in(_: &Scenario, v: &View) -> bool {
    !v.history.ran_without_current_user
}

/// FLASH — "the UI never goes authenticated → unauthenticated/loading while the IdP
/// session stays valid".
///
/// Once my app has shown the signed-in UI, it should not drop to a spinner or the
/// signed-out view while the user is still signed in: `<Authenticated>` children
/// unmount and lose their state.
pub fn no_flash_while_signed_in(_: &Scenario, v: &View) -> bool {
    let ui = v.tab.provider.use_convex_auth();
    !(v.history.ever_authenticated && signed_in(v) && !ui.is_authenticated)
}

/// MISMATCH — "the UI never says authenticated while the live connection has no (or
/// another) identity, beyond the confirmation round trip".
///
/// If `useConvexAuth()` says authenticated, my queries must really run as the
/// signed-in user; and if the server holds the signed-in user's identity, the UI
/// must not say signed out — the symptom of convex-backend #259 ("the backend
/// accepts the new token … useConvexAuth() never recovers"). Judged at end states,
/// so confirmation round trips in flight do not count.
pub fn ui_matches_connection(_: &Scenario, v: &View) -> bool {
    if v.token_provider.idp.store.ended_at_idp {
        // The session has ended at the IdP: GHOST judges what the UI shows.
        return true;
    }
    let ui = v.tab.provider.use_convex_auth();
    let holds = server_holds_current_user(v);
    (!ui.is_authenticated || holds) && (ui.is_authenticated || ui.is_loading || !holds)
}

/// ZOMBIE — "after sign-out, the server never (re)gains the user's identity".
///
/// After my user signs out, or switches to their other account, the client must
/// not send the old user's token again, and the connection must end up without
/// their identity.
pub fn no_identity_after_sign_out(_: &Scenario, v: &View) -> bool {
    !v.history.user_auth_after_sign_out && !server_holds_other_user(v)
}

/// UNHANDLED — "no rejection from `fetchToken` escapes the manager unhandled".
///
/// An adapter that throws makes `setConfig`, `refetchToken` or
/// `tryToReauthenticate` reject with nobody listening: an "Uncaught (in promise)"
/// in the console and a half-finished state change (convex-js #181).
pub fn no_unhandled_rejection(_: &Scenario, v: &View) -> bool {
    !v.history.unhandled_rejection
}

/// LOST — "no action fails with Connection lost while the network stays up".
///
/// Convex fails an action that is in flight when the client opens a new
/// WebSocket (`RequestManager.restart`): it may or may not have run. After a
/// network drop that is the documented price; but the auth code also restarts the
/// socket (an expired token's AuthError closes it; `tryToReauthenticate` stops and
/// restarts it), and then my action fails although the network never went away.
/// Judged on the action's status and the run's history of drops.
pub fn no_action_lost_to_a_restart(_: &Scenario, v: &View) -> bool {
    v.tab.action != ActionStatus::Lost || v.history.network_dropped
}

/// STORM — "no unbounded refetch / setAuth / reconnect loop".
///
/// The client should not hammer the IdP or the server: more forced fetches, setAuth
/// calls and reconnects within one tick than the scenario's storm bound is a storm.
pub fn no_storm(scenario: &Scenario, v: &View) -> bool {
    v.history.work_this_tick <= scenario.bounds.storm_bound
}

/// Where GHOST is judged: the session has ended at the IdP, and every fault and
/// environment event has happened.
pub fn session_ended_and_faults_spent(scenario: &Scenario, v: &View) -> bool {
    v.token_provider.idp.store.ended_at_idp && faults_spent(scenario, v)
}

/// GHOST — "signed out once the session has ended".
///
/// The other side of STUCK. When the session ends at the IdP (an admin revokes
/// it, the refresh token expires) while the browser keeps its cookie, no token
/// can be had any more, and the app should say so: `useConvexAuth()` should come
/// to `{isLoading:false, isAuthenticated:false}` within bounded time. A hook
/// that retries every failure forever never hands Convex the null that says
/// so, and the app keeps showing a signed-in user while the server holds no
/// valid identity: a ghost user. `Eventually` within
/// [`session_ended_and_faults_spent`], under the same fairness as STUCK; the
/// SDK's signed-out answer (null, "login required") is what the goal needs.
pub fn signed_out_after_the_session_ended(_: &Scenario, v: &View) -> bool {
    let ui = v.tab.provider.use_convex_auth();
    !ui.is_authenticated && !ui.is_loading
}

/// Sanity: the app can be authenticated at all.
pub fn authenticated(_: &Scenario, v: &View) -> bool {
    v.tab.provider.use_convex_auth().is_authenticated && server_holds_current_user(v)
}

/// Sanity: a refreshed token (serial > 0) reaches the server while authenticated.
pub fn token_refreshed(_: &Scenario, v: &View) -> bool {
    v.tab.provider.use_convex_auth().is_authenticated
        && matches!(server_identity(v), Some(Identity::User(t)) if t.serial > 0)
}

/// Sanity: after an expired-token error, authenticated again with a valid token.
pub fn reauthenticated_after_expiry(_: &Scenario, v: &View) -> bool {
    v.history.saw_expiry_error
        && v.tab.provider.use_convex_auth().is_authenticated
        && matches!(server_identity(v), Some(Identity::User(t)) if !t.is_expired_at(v.server.now))
}
