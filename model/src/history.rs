//! The history variables: facts about the run so far that some properties need and
//! that no actor keeps. They live in the history part of the system state (the `H`
//! of stateright's `ActorModel`), apart from the actors' states, as P keeps spec
//! monitors apart from its machines; only the properties read them. (stateright's
//! `record_msg_in` / `record_msg_out` hooks see only messages, and some variables
//! need the tab's state, so the model folds whole steps instead.)
//!
//! No protocol code writes them. After every step the model (`AuthModel`) folds
//! what the step did into the history ([`History::after_step`]): the message the
//! tab took, the messages the tab sent, the tab's state after the step, whether
//! an error escaped to the tab's JavaScript runtime, the session change the IdP
//! took, who is signed in after it, and whether the server ran the queries.
//! Each variable's doc comment says which property reads it and how the step
//! updates it.

use serde::Serialize;

use crate::actors::browser::Tab;
use crate::actors::{AdapterOutput, Identity, Msg, User};
use crate::config::Switches;

/// The history of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct History {
    /// FLASH (`no_flash_while_signed_in`): `useConvexAuth().isAuthenticated` has
    /// been true after some step since the current user's session began. Set
    /// after a step that leaves it true; cleared when the IdP takes a sign-in, an
    /// account switch or a sign-out (a new user's UI may start from loading; a
    /// session switch of the same user is no excuse).
    pub ever_authenticated: bool,
    /// UNAUTH-Q and ZOMBIE: how far news of the latest change of user (sign-in,
    /// account switch, sign-out) has got. Until the adapter's re-render has told
    /// the tab, and everything the tab sent up to then has reached the server, the
    /// app cannot have acted on it, so queries that still run as before are not
    /// held against it.
    pub user_change: UserChangeNews,
    /// UNAUTH-Q and ZOMBIE: while the news is [`UserChangeNews::Told`], how many
    /// of the messages the tab sent to the server before it was told are still
    /// on their way. The network is ordered, so once they have all arrived,
    /// everything still in flight was sent by an app that knew. Set when the tab
    /// takes the news; each of the tab's messages the server takes counts one
    /// down (a closed socket's messages that never arrive count down too).
    pub sent_before_news: u8,
    /// UNAUTH-Q: a user signed in after browsing signed out, and the server has
    /// not yet held their identity. Queries subscribed while signed out keep
    /// re-running as nobody on the server until the client's first Authenticate
    /// for the user arrives; no client can stop that, so those re-runs are not
    /// held against it. Only re-runs are forgiven: a query the app adds, its
    /// mutation or its action running as nobody in that window counts (the
    /// client could have held them back until it had authenticated). Set when
    /// the IdP takes a sign-in; cleared once the server's connection holds the
    /// signed-in user.
    pub first_auth_pending: bool,
    /// UNAUTH-Q (`no_query_without_identity_while_signed_in`): the server ran the
    /// queries or the mutation without the signed-in user's identity (as nobody,
    /// or as another user) while that user was signed in and the app had been
    /// told. Set after a step in which the server ran them so.
    pub ran_without_current_user: bool,
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
    /// LOST (`no_action_lost_to_a_restart`): the network has dropped the WebSocket
    /// at some point of the run. Set when the server's end takes a network drop.
    pub network_dropped: bool,
    /// ZOMBIE (`no_identity_after_sign_out`): the tab sent an `Authenticate` with a
    /// token of a user who is no longer signed in (after sign-out, or the other
    /// account's after a switch), once the app had been told. Set after a step in
    /// which the tab sent one while no user change is unseen.
    pub user_auth_after_sign_out: bool,
}

/// How far news of the latest change of user has got ([`History::user_change`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum UserChangeNews {
    /// No change of user is on its way: the app has had every chance to act.
    #[default]
    Settled,
    /// The IdP changed user; the adapter's latest re-render has not reached the
    /// tab (an older one still in flight tells the app nothing new).
    Unseen,
    /// The tab has taken that re-render; what it sent before may still be on its
    /// way to the server ([`History::sent_before_news`]).
    Told,
}

impl UserChangeNews {
    /// Where the news is after a step, with how many of the tab's messages sent
    /// before it was told are still on their way ([`History::sent_before_news`]).
    fn after(
        self,
        sent_before_news: u8,
        step: &TabStep,
        world: &WorldStep,
    ) -> (UserChangeNews, u8) {
        let mut news = if world.changes_user() {
            UserChangeNews::Unseen
        } else {
            self
        };
        let took_latest_render = matches!(
            step.delivered,
            Some(Msg::AdapterChanged(o)) if *o == world.adapter_output
        );
        let arrived = u8::from(world.server_took_tabs_message);
        let mut still_on_their_way = sent_before_news.saturating_sub(arrived);
        // A step that changes the user is the IdP's and delivers nothing to the tab.
        if news == UserChangeNews::Unseen && took_latest_render {
            news = UserChangeNews::Told;
            // What the tab sends in the step that tells it, it sends knowing; and
            // a step delivers one message, so the step that tells the tab delivers
            // nothing to the server: every message in flight before it was sent
            // before the news.
            still_on_their_way = world.tab_to_server_in_flight_before;
        }
        still_on_their_way = still_on_their_way.min(world.tab_to_server_in_flight);
        if news == UserChangeNews::Told && still_on_their_way == 0 {
            news = UserChangeNews::Settled;
        }
        if news != UserChangeNews::Told {
            still_on_their_way = 0;
        }
        (news, still_on_their_way)
    }
}

/// What one step did outside the tab, as the history sees it.
pub struct WorldStep<'a> {
    /// The message delivered to the token provider in this step, if any.
    pub to_idp: Option<&'a Msg>,
    /// The message delivered to the server in this step, if any.
    pub to_server: Option<&'a Msg>,
    /// Who is signed in after the step, as the IdP SDK believes.
    pub session: Option<User>,
    /// Who is signed in at the IdP itself: nobody once the session has ended
    /// there (`faults.session_ends`), whatever the SDK still believes.
    pub user_at_idp: Option<User>,
    /// What the adapter hook returns after the step (its latest re-render).
    pub adapter_output: AdapterOutput,
    /// How many messages from the tab to the server were in flight before the step.
    pub tab_to_server_in_flight_before: u8,
    /// How many messages from the tab to the server are in flight after the step.
    pub tab_to_server_in_flight: u8,
    /// Whether the server took a message from the tab in this step.
    pub server_took_tabs_message: bool,
    /// The identity the server ran the queries or the mutation under in this step.
    pub server_ran_as: Option<Identity>,
    /// The identity on the server's live connection after the step.
    pub server_identity: Option<Identity>,
}

impl WorldStep<'_> {
    /// Whether what the server ran in this step re-ran queries already
    /// subscribed: an `Authenticate` or a change of data re-runs every
    /// subscribed query (`Server::authenticate`, the `DataChanged` arm of
    /// `Server::on_msg`). A `ModifyQuerySet` runs the queries the app has just
    /// added, and a `Mutation` or an `Action` runs the app's own call: none of
    /// them is a re-run.
    fn reruns_subscribed_queries(&self) -> bool {
        matches!(
            self.to_server,
            Some(Msg::Authenticate { .. } | Msg::DataChanged)
        )
    }

    /// Whether the IdP took a change of user in this step.
    fn changes_user(&self) -> bool {
        matches!(
            self.to_idp,
            Some(Msg::SignIn { .. } | Msg::SwitchAccount { .. } | Msg::SignOut)
        )
    }
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
    /// call setAuth (its unforced fetch counts toward the storm bound). A user
    /// signed in at page load is no news: the page was served to them.
    pub fn at_page_load(tab: &Tab, sent: &[&Msg], session: Option<User>) -> History {
        History {
            ever_authenticated: tab.provider.use_convex_auth().is_authenticated,
            user_change: UserChangeNews::Settled,
            sent_before_news: 0,
            first_auth_pending: false,
            ran_without_current_user: false,
            unhandled_rejection: tab.uncaught_error,
            work_this_tick: count(sent.iter().filter(|m| matches!(m, Msg::FetchToken { .. }))),
            saw_expiry_error: false,
            network_dropped: false,
            user_auth_after_sign_out: sends_other_users_token(sent, session),
        }
    }

    /// The history after one more step.
    pub fn after_step(&self, switches: &Switches, step: &TabStep, world: &WorldStep) -> History {
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
        let (user_change, sent_before_news) =
            self.user_change.after(self.sent_before_news, step, world);
        let holds_current_user = |identity: Option<Identity>| {
            world
                .session
                .is_some_and(|user| identity.is_some_and(|i| is_users(i, user)))
        };
        let first_auth_pending = matches!(world.to_idp, Some(Msg::SignIn { .. }))
            || (self.first_auth_pending && !holds_current_user(world.server_identity));
        let ran_without_current_user = world.user_at_idp.is_some_and(|user| {
            self.user_change == UserChangeNews::Settled
                && world.server_ran_as.is_some_and(|identity| {
                    let forgiven = identity == Identity::Anonymous
                        && self.first_auth_pending
                        && world.reruns_subscribed_queries();
                    !is_users(identity, user) && !forgiven
                })
        });
        History {
            ever_authenticated: !world.changes_user()
                && (self.ever_authenticated
                    || step.after.provider.use_convex_auth().is_authenticated),
            user_change,
            sent_before_news,
            first_auth_pending,
            ran_without_current_user: self.ran_without_current_user || ran_without_current_user,
            unhandled_rejection: self.unhandled_rejection || step.after.uncaught_error,
            work_this_tick,
            saw_expiry_error: self.saw_expiry_error || took_expiry_error,
            network_dropped: self.network_dropped
                || matches!(world.to_server, Some(Msg::NetworkDrop)),
            user_auth_after_sign_out: self.user_auth_after_sign_out
                || (user_change != UserChangeNews::Unseen
                    && sends_other_users_token(&step.sent, world.session)),
        }
    }
}

/// Whether `identity` is `user`'s.
pub fn is_users(identity: Identity, user: User) -> bool {
    matches!(identity, Identity::User(t) if t.user == user)
}

/// Whether `sent` holds an `Authenticate` with a token of someone other than
/// `session` (anyone's, when nobody is signed in).
fn sends_other_users_token(sent: &[&Msg], session: Option<User>) -> bool {
    sent.iter()
        .any(|m| matches!(m, Msg::Authenticate { token: Some(t), .. } if Some(t.user) != session))
}

fn count<T>(items: impl Iterator<Item = T>) -> u8 {
    u8::try_from(items.count()).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::Token;
    use crate::config::Scenario;
    use stateright::actor::Out;

    fn tab() -> Tab {
        Tab::start(&Scenario::default(), &mut Out::new())
    }

    fn step<'a>(tab: &'a Tab, delivered: Option<&'a Msg>) -> TabStep<'a> {
        TabStep {
            delivered,
            sent: Vec::new(),
            before: tab,
            after: tab,
        }
    }

    fn world<'a>(to_idp: Option<&'a Msg>, ran_as: Option<Identity>) -> WorldStep<'a> {
        ran_on(to_idp, None, ran_as)
    }

    /// A step in which the server took `to_server` and ran what it runs as `ran_as`.
    fn ran_on<'a>(
        to_idp: Option<&'a Msg>,
        to_server: Option<&'a Msg>,
        ran_as: Option<Identity>,
    ) -> WorldStep<'a> {
        WorldStep {
            to_idp,
            to_server,
            session: Some(User::A),
            user_at_idp: Some(User::A),
            adapter_output: AdapterOutput {
                is_loading: false,
                is_authenticated: true,
                fetcher: 1,
            },
            server_ran_as: ran_as,
            server_identity: ran_as,
            tab_to_server_in_flight_before: 0,
            tab_to_server_in_flight: 0,
            server_took_tabs_message: false,
        }
    }

    const B_TOKEN: Token = Token {
        serial: 1,
        iat: 0,
        exp: 2,
        user: User::B,
        new_key: false,
    };

    /// UNAUTH-Q's judgement of one run: as nobody or as another user while A is
    /// signed in counts once the app could have acted; not while news of a
    /// change of user is on its way, nor anonymous re-runs of subscribed queries
    /// before the first Authenticate after a sign-in; the app's own calls in
    /// that window count.
    #[test]
    fn unauth_q_counts_runs_the_app_could_have_prevented() {
        let tab = tab();
        let settled = History::default();
        let ran_anonymous = settled.after_step(
            &Scenario::default().switches(),
            &step(&tab, None),
            &world(None, Some(Identity::Anonymous)),
        );
        assert!(ran_anonymous.ran_without_current_user);

        let unseen = History {
            user_change: UserChangeNews::Unseen,
            ..History::default()
        };
        let h = unseen.after_step(
            &Scenario::default().switches(),
            &step(&tab, None),
            &world(None, Some(Identity::User(B_TOKEN))),
        );
        assert!(!h.ran_without_current_user, "the app has not been told yet");

        let after_sign_in = History {
            first_auth_pending: true,
            ..History::default()
        };
        let switches = Scenario::default().switches();
        for rerun in [
            Msg::DataChanged,
            Msg::Authenticate {
                socket: 1,
                token: None,
                base_version: 0,
            },
        ] {
            let h = after_sign_in.after_step(
                &switches,
                &step(&tab, None),
                &ran_on(None, Some(&rerun), Some(Identity::Anonymous)),
            );
            assert!(
                !h.ran_without_current_user,
                "no client can stop a re-run of {rerun:?}"
            );
        }
        for own_call in [
            Msg::Mutation { socket: 1 },
            Msg::Action { socket: 1 },
            Msg::ModifyQuerySet {
                socket: 1,
                queries: 1,
            },
        ] {
            let h = after_sign_in.after_step(
                &switches,
                &step(&tab, None),
                &ran_on(None, Some(&own_call), Some(Identity::Anonymous)),
            );
            assert!(
                h.ran_without_current_user,
                "the app's own {own_call:?} running as nobody counts"
            );
        }
        let h = after_sign_in.after_step(
            &switches,
            &step(&tab, None),
            &world(None, Some(Identity::User(B_TOKEN))),
        );
        assert!(
            h.ran_without_current_user,
            "another user's identity always counts"
        );
    }

    /// The news of a sign-in: unseen until the tab takes the adapter's latest
    /// re-render, then settled once nothing the tab sent is still on its way.
    #[test]
    fn news_of_a_change_of_user_travels_to_the_tab_then_the_server() {
        let tab = tab();
        let switches = Scenario::default().switches();
        let sign_in = Msg::SignIn { user: User::A };
        let h = History::default().after_step(
            &switches,
            &step(&tab, None),
            &world(Some(&sign_in), None),
        );
        assert_eq!(h.user_change, UserChangeNews::Unseen);
        assert!(h.first_auth_pending);
        let stale = Msg::AdapterChanged(AdapterOutput {
            is_loading: false,
            is_authenticated: false,
            fetcher: 0,
        });
        let h = h.after_step(&switches, &step(&tab, Some(&stale)), &world(None, None));
        assert_eq!(h.user_change, UserChangeNews::Unseen, "an older re-render");
        let latest = Msg::AdapterChanged(world(None, None).adapter_output);
        // Two of the tab's messages were on their way when it was told; it
        // sends a third in the step that tells it.
        let mut told = world(None, None);
        told.tab_to_server_in_flight_before = 2;
        told.tab_to_server_in_flight = 3;
        let h = h.after_step(&switches, &step(&tab, Some(&latest)), &told);
        assert_eq!(
            (h.user_change, h.sent_before_news),
            (UserChangeNews::Told, 2)
        );
        let mut first_arrives = world(None, None);
        first_arrives.tab_to_server_in_flight_before = 3;
        first_arrives.server_took_tabs_message = true;
        first_arrives.tab_to_server_in_flight = 2;
        let h = h.after_step(&switches, &step(&tab, None), &first_arrives);
        assert_eq!(
            (h.user_change, h.sent_before_news),
            (UserChangeNews::Told, 1)
        );
        let mut second_arrives = first_arrives;
        second_arrives.tab_to_server_in_flight_before = 2;
        second_arrives.tab_to_server_in_flight = 1;
        let h = h.after_step(&switches, &step(&tab, None), &second_arrives);
        assert_eq!(
            (h.user_change, h.sent_before_news),
            (UserChangeNews::Settled, 0),
            "the message sent knowing is still in flight, and the app acted on the news"
        );
    }
}
