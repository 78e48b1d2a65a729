//! The history variables: facts about the run so far that some properties need and
//! that no actor keeps. They live in the history part of the system state (the `H`
//! of stateright's `ActorModel`), apart from the actors' states, as P keeps spec
//! monitors apart from its machines; only the properties read them. (stateright's
//! `record_msg_in` / `record_msg_out` hooks see only messages, and some variables
//! need the tab's state, so the model folds whole steps instead.)
//!
//! No protocol code writes them. After every step the model (`AuthModel`) folds
//! what the step did into the history ([`History::after_step`]): the message the
//! tab took, the messages the tab sent, the tab's state after the step, and whether
//! an error escaped to the tab's JavaScript runtime. Each variable's doc comment
//! says which property reads it and how the step updates it.

use serde::Serialize;

use crate::actors::browser::Tab;
use crate::actors::Msg;
use crate::config::Switches;

/// The history of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct History {
    /// FLASH (`no_flash_while_signed_in`): `useConvexAuth().isAuthenticated` has
    /// been true after some step. Set after a step that leaves it true.
    pub ever_authenticated: bool,
    /// UNHANDLED (`no_unhandled_rejection`): a rejection or TypeError escaped the
    /// AuthenticationManager. Set after a step in which the tab's runtime reported
    /// an uncaught error ([`Tab::uncaught_error`]).
    pub unhandled_rejection: bool,
    /// STORM (`no_storm`, and the model's boundary): setAuth calls, forced fetches
    /// and reconnects since the last clock tick. Each `FetchToken` the tab sends
    /// is one setAuth call (unforced: only `setConfig` fetches unforced) or one
    /// forced fetch; each `WsOpen` it sends in a step is a reconnect (the
    /// constructor's connect is part of the page load, not a step). A clock tick
    /// reaching the tab starts over at 0; a refetch it runs before time moves on
    /// still belongs to the old tick.
    pub work_this_tick: u8,
    /// Sanity S3 (`reauthenticated_after_expiry`): the server reported an expired
    /// identity. Set when the tab takes an `AuthError{authUpdateAttempted:false}`
    /// (one its socket filter lets through to `onMessage`).
    pub saw_expiry_error: bool,
    /// ZOMBIE (`no_identity_after_sign_out`): the tab sent an `Authenticate` with a
    /// user token after the adapter reported sign-out. Set after a step in which
    /// the tab sent one while its adapter inputs say `isAuthenticated:false`.
    pub user_auth_after_sign_out: bool,
}

/// What one step did, as the history sees it.
pub struct TabStep<'a> {
    /// The message delivered to the tab in this step, if any.
    pub delivered: Option<&'a Msg>,
    /// The messages the tab sent in this step, in order.
    pub sent: Vec<&'a Msg>,
    /// The tab before the step (its socket filter decides which messages it takes).
    pub before: &'a Tab,
    /// The tab after the step.
    pub after: &'a Tab,
}

impl History {
    /// The history of an initial state: the page load, whose first render may
    /// call setAuth (its unforced fetch counts toward the storm bound).
    pub fn at_page_load(tab: &Tab, sent: &[&Msg]) -> History {
        History {
            ever_authenticated: tab.provider.use_convex_auth().is_authenticated,
            unhandled_rejection: tab.uncaught_error,
            work_this_tick: count(sent.iter().filter(|m| matches!(m, Msg::FetchToken { .. }))),
            saw_expiry_error: false,
            user_auth_after_sign_out: sends_user_token_signed_out(tab, sent),
        }
    }

    /// The history after one more step.
    pub fn after_step(&self, switches: &Switches, step: &TabStep) -> History {
        let work_this_tick = match step.delivered {
            Some(Msg::Clock { .. }) => 0,
            _ => {
                let work = step
                    .sent
                    .iter()
                    .filter(|m| matches!(m, Msg::FetchToken { .. } | Msg::WsOpen { .. }));
                self.work_this_tick.saturating_add(count(work))
            }
        };
        let took_expiry_error = matches!(
            step.delivered,
            Some(&Msg::AuthError { socket, auth_update_attempted: Some(false) | None, .. })
                if step.before.accepts_message_of(switches, socket)
        );
        History {
            ever_authenticated: self.ever_authenticated
                || step.after.provider.use_convex_auth().is_authenticated,
            unhandled_rejection: self.unhandled_rejection || step.after.uncaught_error,
            work_this_tick,
            saw_expiry_error: self.saw_expiry_error || took_expiry_error,
            user_auth_after_sign_out: self.user_auth_after_sign_out
                || sends_user_token_signed_out(step.after, &step.sent),
        }
    }
}

/// Whether `sent` holds an `Authenticate` with a user token while the tab's adapter
/// inputs say signed out.
fn sends_user_token_signed_out(tab: &Tab, sent: &[&Msg]) -> bool {
    !tab.provider.inputs.is_authenticated
        && sent
            .iter()
            .any(|m| matches!(m, Msg::Authenticate { token: Some(_), .. }))
}

fn count<T>(items: impl Iterator<Item = T>) -> u8 {
    u8::try_from(items.count()).unwrap_or(u8::MAX)
}
