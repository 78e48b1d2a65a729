//! Each property's code against its prose.
//!
//! Every property says in words what it counts and what it forgives
//! (`model/src/properties.rs`). Each test here takes one such sentence, finds a
//! reachable step of a small world where that situation happens — described by
//! this file's own predicate over the raw state, not by the property's code — and
//! asserts what the property says about the state after it. A sentence whose
//! situation cannot be reached in its world fails the test: the world is then
//! the wrong one, and the test says so.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashSet, VecDeque};
use std::hash::{Hash, Hasher};

use convex_auth_model::actors::browser::{ActionStatus, MutationStatus};
use convex_auth_model::actors::{FetchResult, Identity, Msg, User};
use convex_auth_model::check::CheckFile;
use convex_auth_model::config::Scenario;
use convex_auth_model::events::Event;
use convex_auth_model::model::{self, SystemState};
use convex_auth_model::properties::{self, PropertyDef};
use convex_auth_model::view::View;
use stateright::Model;

/// A world: the `[scenario]` table of a check file.
fn world(scenario_toml: &str) -> Scenario {
    let text = format!(
        "name = \"prose\"\ndescription = \"a world\"\nsources = [\"https://github.com/get-convex/convex-js\"]\n{scenario_toml}\n[expect]\nviolated = []\n"
    );
    CheckFile::parse(&text)
        .unwrap_or_else(|e| panic!("bad world: {e}"))
        .scenario
}

/// The first step (breadth first) of `scenario`'s runs at which `wanted` holds
/// of the state before, the event and the state after.
fn first_step(
    scenario: &Scenario,
    wanted: impl Fn(&View, &Event, &View) -> bool,
) -> Option<(SystemState, Event, SystemState)> {
    first_step_remembering(
        scenario,
        |_, _, _, _| false,
        |_, before, event, after| wanted(before, event, after),
    )
}

/// As [`first_step`], for a situation that depends on the run so far: each run
/// carries one fact about its past, `remembered` (false at the start, and true
/// from the first step at which `remember` says so).
fn first_step_remembering(
    scenario: &Scenario,
    remember: impl Fn(bool, &View, &Event, &View) -> bool,
    wanted: impl Fn(bool, &View, &Event, &View) -> bool,
) -> Option<(SystemState, Event, SystemState)> {
    let model = model::build(scenario);
    let mut seen = HashSet::new();
    let mut queue: VecDeque<(SystemState, bool)> = model
        .init_states()
        .into_iter()
        .map(|s| (s, false))
        .collect();
    let mut actions = Vec::new();
    while let Some((state, remembered)) = queue.pop_front() {
        let mut hasher = DefaultHasher::new();
        (&state, remembered).hash(&mut hasher);
        if !seen.insert(hasher.finish()) {
            continue;
        }
        actions.clear();
        model.actions(&state, &mut actions);
        for action in actions.drain(..) {
            let event = Event::of(&state, &action);
            let Some(next) = model.next_state(&state, action) else {
                continue;
            };
            let (before, after) = (View::of(&state), View::of(&next));
            if wanted(remembered, &before, &event, &after) {
                return Some((state, event, next));
            }
            let remembered = remembered || remember(remembered, &before, &event, &after);
            queue.push_back((next, remembered));
        }
    }
    None
}

/// What `property` says of the state after the first step where `situation`
/// happens; fails if the situation is unreachable.
fn verdict_after(
    property: &str,
    scenario_toml: &str,
    situation: &str,
    wanted: impl Fn(&View, &Event, &View) -> bool,
) -> bool {
    let scenario = world(scenario_toml);
    let (_, _, after) = first_step(&scenario, wanted)
        .unwrap_or_else(|| panic!("no run reaches the situation: {situation}"));
    let p: &PropertyDef = properties::by_slug(property).expect("a property");
    (p.holds)(&scenario, &View::of(&after))
}

fn signed_in_as(v: &View) -> Option<User> {
    v.token_provider.idp.store.session
}

/// The tab has taken a render of the adapter that says a user is signed in: the
/// app knows.
fn app_told(v: &View) -> bool {
    let told = v.tab.provider.inputs;
    told.is_authenticated && !told.is_loading
}

fn connection_identity(v: &View) -> Option<Identity> {
    v.server.connection.map(|c| c.identity)
}

const SIGN_IN_AFTER_MOUNT: &str = r#"
[scenario]
adapter = "docs-custom"
client = "1.49.0"
app = { page_load = "loading-signed-out", mutation_later = true }
[scenario.faults]
data_changes = 1
sign_ins = 1
"#;

/// UNAUTH-Q forgives, after a sign-in from signed-out browsing, the re-runs as
/// nobody of queries subscribed while signed out (no client can stop them).
#[test]
fn unauth_q_forgives_reruns_of_queries_subscribed_while_signed_out() {
    let holds = verdict_after(
        "unauth-q",
        SIGN_IN_AFTER_MOUNT,
        "a change of data re-runs the subscribed queries as nobody after the app was told of the sign-in",
        |before, event, after| {
            *event == Event::DataChangeReachesServer
                && signed_in_as(before).is_some()
                && app_told(before)
                && connection_identity(before) == Some(Identity::Anonymous)
                && before.server.connection.is_some_and(|c| c.queries > 0)
                && after.server.last_query_identity == Some(Identity::Anonymous)
        },
    );
    assert!(holds);
}

/// UNAUTH-Q does not forgive the app's own mutation running as nobody when the
/// app called it knowing the user was signed in.
#[test]
fn unauth_q_counts_the_apps_mutation_running_as_nobody_after_a_sign_in() {
    // On 1.13.2 the client sends what the app asks before it authenticates.
    let scenario = world(
        r#"
[scenario]
adapter = "docs-custom"
client = "1.13.2"
app = { page_load = "loading-signed-out", mutation_later = true }
[scenario.faults]
sign_ins = 1
"#,
    );
    let (_, _, after) = first_step_remembering(
        &scenario,
        // The app calls its mutation after the tab was told of the sign-in.
        |_, before, _, after| {
            app_told(before)
                && before.tab.mutation == MutationStatus::NotCalled
                && after.tab.mutation != MutationStatus::NotCalled
        },
        // The server runs it as nobody while the user is still signed in.
        |called_knowing, before, event, after| {
            called_knowing
                && matches!(event, Event::MutationReceived { .. })
                && signed_in_as(before).is_some()
                && !before.server.mutation_done
                && after.server.mutation_done
                && after.server.last_query_identity == Some(Identity::Anonymous)
        },
    )
    .expect("a mutation called knowing, run as nobody");
    let unauth_q = properties::by_slug("unauth-q").unwrap();
    assert!(!(unauth_q.holds)(&scenario, &View::of(&after)));
}

/// UNAUTH-Q counts queries that run as nobody at page load: the page was served
/// to a signed-in user.
#[test]
fn unauth_q_counts_queries_run_as_nobody_at_page_load() {
    let holds = verdict_after(
        "unauth-q",
        r#"
[scenario]
adapter = "workos-0.0.3"
client = "1.49.0"
"#,
        "the first subscription runs as nobody while the page's user is signed in",
        |before, event, after| {
            matches!(event, Event::ModifyQuerySetReceived { .. })
                && signed_in_as(before).is_some()
                && after.server.last_query_identity == Some(Identity::Anonymous)
        },
    );
    assert!(!holds);
}

/// UNAUTH-Q does not count runs between a change of user and the re-render that
/// tells the app.
#[test]
fn unauth_q_forgives_runs_before_the_app_is_told_of_a_sign_in() {
    let holds = verdict_after(
        "unauth-q",
        SIGN_IN_AFTER_MOUNT,
        "queries run as nobody after the IdP took the sign-in, before the app's re-render",
        |before, event, after| {
            *event == Event::DataChangeReachesServer
                && signed_in_as(before).is_some()
                && !app_told(before)
                && after.server.last_query_identity == Some(Identity::Anonymous)
        },
    );
    assert!(holds);
}

/// FLASH: once authenticated, dropping to signed out while the user stays signed
/// in counts.
#[test]
fn flash_counts_a_drop_while_the_user_stays_signed_in() {
    let holds = verdict_after(
        "flash",
        r#"
[scenario]
adapter = "workos-0.0.3"
client = "1.49.0"
"#,
        "useConvexAuth() goes from authenticated to not while the session lives",
        |before, _, after| {
            before.tab.provider.use_convex_auth().is_authenticated
                && !after.tab.provider.use_convex_auth().is_authenticated
                && signed_in_as(after).is_some()
        },
    );
    assert!(!holds);
}

/// FLASH forgives the drop that follows a sign-out.
#[test]
fn flash_forgives_the_drop_after_a_sign_out() {
    let holds = verdict_after(
        "flash",
        r#"
[scenario]
adapter = "docs-custom"
client = "1.49.0"
app = { page_load = "loaded-signed-in" }
[scenario.faults]
sign_outs = 1
"#,
        "useConvexAuth() goes from authenticated to not after the user signed out",
        |before, _, after| {
            before.tab.provider.use_convex_auth().is_authenticated
                && !after.tab.provider.use_convex_auth().is_authenticated
                && signed_in_as(after).is_none()
        },
    );
    assert!(holds);
}

/// LOST forgives an action lost after the network dropped the socket.
#[test]
fn lost_forgives_an_action_lost_to_a_network_drop() {
    let holds = verdict_after(
        "lost",
        r#"
[scenario]
adapter = "docs-custom"
client = "1.49.0"
app = { page_load = "loaded-signed-in", action_later = true }
[scenario.faults]
socket_drops = 1
"#,
        "the app's action fails with Connection lost after a network drop",
        |before, _, after| {
            before.tab.action != ActionStatus::Lost && after.tab.action == ActionStatus::Lost
        },
    );
    assert!(holds);
}

/// LOST counts an action lost to a restart of the auth code while the network
/// stays up (this world has no network drop: an expired token's AuthError
/// closes the socket).
#[test]
fn lost_counts_an_action_lost_to_an_auth_restart() {
    let holds = verdict_after(
        "lost",
        r#"
[scenario]
adapter = "workos-0.0.3"
client = "1.49.0"
app = { page_load = "loaded-signed-in", action_later = true }
"#,
        "the app's action fails with Connection lost, the network never dropped",
        |before, _, after| {
            before.tab.action != ActionStatus::Lost && after.tab.action == ActionStatus::Lost
        },
    );
    assert!(!holds);
}

/// STUCK's goal asks for a token the server still accepts: a server holding the
/// user's expired token is not the goal, whatever the UI says.
#[test]
fn stuck_goal_is_not_an_expired_identity() {
    let holds = verdict_after(
        "stuck",
        r#"
[scenario]
adapter = "workos-0.0.3"
client = "1.49.0"
"#,
        "the UI says authenticated while the server holds the user's expired token",
        |_, _, after| {
            after.tab.provider.use_convex_auth().is_authenticated
                && matches!(connection_identity(after), Some(Identity::User(t)) if t.is_expired_at(after.server.now))
                && signed_in_as(after).is_some()
        },
    );
    assert!(!holds);
}

/// STUCK speaks only while a user is signed in.
#[test]
fn stuck_goal_holds_while_nobody_is_signed_in() {
    let holds = verdict_after(
        "stuck",
        r#"
[scenario]
adapter = "docs-custom"
client = "1.49.0"
app = { page_load = "loaded-signed-in" }
[scenario.faults]
sign_outs = 1
"#,
        "the user has signed out",
        |_, _, after| signed_in_as(after).is_none(),
    );
    assert!(holds);
}

/// WEDGE's goal asks for the app's mutation to be settled, not merely sent.
#[test]
fn wedge_goal_waits_for_the_mutation_to_settle() {
    let holds = verdict_after(
        "wedge",
        r#"
[scenario]
adapter = "docs-custom"
client = "1.49.0"
app = { page_load = "loaded-signed-in", mutation_later = true }
"#,
        "the app's mutation has been sent and not answered",
        |_, _, after| after.tab.mutation == MutationStatus::Requested,
    );
    assert!(!holds);
}

/// MISMATCH does not count a loading UI: a spinner claims nothing.
#[test]
fn mismatch_forgives_a_loading_ui() {
    let holds = verdict_after(
        "mismatch",
        r#"
[scenario]
adapter = "docs-custom"
client = "1.49.0"
app = { page_load = "loaded-signed-in" }
"#,
        "the server holds the user's identity while the UI is loading",
        |_, _, after| {
            after.tab.provider.use_convex_auth().is_loading
                && matches!(connection_identity(after), Some(Identity::User(_)))
        },
    );
    assert!(holds);
}

/// ZOMBIE counts a connection left with the old user's identity after sign-out.
#[test]
fn zombie_counts_an_identity_left_after_sign_out() {
    let holds = verdict_after(
        "zombie",
        r#"
[scenario]
adapter = "docs-custom"
client = "1.49.0"
app = { page_load = "loaded-signed-in" }
[scenario.faults]
sign_outs = 1
"#,
        "the server still holds the user's identity after the IdP signed them out",
        |_, _, after| {
            signed_in_as(after).is_none()
                && matches!(connection_identity(after), Some(Identity::User(_)))
        },
    );
    assert!(!holds);
}

/// MISMATCH counts a UI that says authenticated while the live connection holds
/// nobody's identity.
#[test]
fn mismatch_counts_authenticated_ui_over_an_anonymous_connection() {
    let holds = verdict_after(
        "mismatch",
        r#"
[scenario]
adapter = "workos-0.0.3"
client = "1.49.0"
"#,
        "useConvexAuth() says authenticated while the connection is anonymous",
        |_, _, after| {
            after.tab.provider.use_convex_auth().is_authenticated
                && connection_identity(after) == Some(Identity::Anonymous)
        },
    );
    assert!(!holds);
}

/// STORM counts forced fetches, setAuth calls and reconnects in one tick beyond
/// the bound, and nothing within it.
#[test]
fn storm_counts_work_beyond_the_bound_in_one_tick() {
    let file = CheckFile::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../checks/bug-16-settimeout-overflow-refetch-storm.toml"),
    )
    .unwrap();
    let bound = file.scenario.bounds.storm_bound;
    let fetches_since_tick = |v: &View| v.history.work_this_tick;
    let storm = properties::by_slug("storm").unwrap();
    let (_, _, after) = first_step(&file.scenario, |_, _, after| {
        fetches_since_tick(after) == bound
    })
    .expect("work up to the bound in one tick");
    assert!((storm.holds)(&file.scenario, &View::of(&after)));
    let (_, _, after) = first_step(&file.scenario, |_, event, after| {
        matches!(event, Event::FetchAccessToken { .. }) && fetches_since_tick(after) > bound
    })
    .expect("one fetch beyond the bound");
    assert!(!(storm.holds)(&file.scenario, &View::of(&after)));
}

/// Authenticate messages carrying a user's token on their way to the server.
fn tokens_in_flight(v: &View) -> usize {
    convex_auth_model::view::in_flight(v.system)
        .into_iter()
        .filter(|(_, _, m)| matches!(m, Msg::Authenticate { token: Some(_), .. }))
        .count()
}

/// ZOMBIE forgives the old token sent before the app is told of the sign-out
/// (the adapter's re-render has not reached the tab: the app could not act).
#[test]
fn zombie_forgives_a_token_sent_before_the_app_is_told_of_the_sign_out() {
    let holds = verdict_after(
        "zombie",
        r#"
[scenario]
adapter = "docs-custom"
client = "1.49.0"
app = { page_load = "loaded-signed-in" }
[scenario.faults]
sign_outs = 1
socket_drops = 1
"#,
        "the tab sends the signed-out user's token while it still shows them signed in",
        |before, _, after| {
            signed_in_as(before).is_none()
                && after.tab.provider.inputs.is_authenticated
                && tokens_in_flight(after) > tokens_in_flight(before)
        },
    );
    assert!(holds);
}

/// UNHANDLED counts a rejection of fetchAccessToken that escapes the
/// AuthenticationManager; it forgives nothing.
#[test]
fn unhandled_counts_a_rejection_that_escapes() {
    let holds = verdict_after(
        "unhandled",
        r#"
[scenario]
adapter = "workos-pr529-cd91e8a"
client = "1.49.0"
app = { page_load = "loaded-signed-in" }
[scenario.faults]
refresh_failures = 1
"#,
        "the adapter's fetchAccessToken rejects",
        |_, event, _| {
            matches!(
                event,
                Event::TokenFetched {
                    result: FetchResult::Rejected,
                    ..
                }
            )
        },
    );
    assert!(!holds);
}

const SESSION_ENDS: &str = r#"
[scenario]
adapter = "recommended-workos"
client = "1.49.0"
app = { page_load = "loaded-signed-in" }
[scenario.switches]
expect_auth = true
[scenario.faults]
session_ends = 1
data_changes = 0
"#;

/// GHOST's goal is the app showing signed out: while useConvexAuth() still says
/// authenticated after the session has ended, the goal is not met; once the
/// SDK's signed-out answer has reached Convex, it is.
#[test]
fn ghost_goal_is_the_app_showing_signed_out() {
    let authenticated_after_end = verdict_after(
        "ghost",
        SESSION_ENDS,
        "the session has ended while the app shows the user",
        |_, _, after| {
            after.token_provider.idp.store.ended_at_idp
                && after.tab.provider.use_convex_auth().is_authenticated
        },
    );
    assert!(!authenticated_after_end);
    let signed_out_after_end = verdict_after(
        "ghost",
        SESSION_ENDS,
        "the app shows signed out after the session has ended",
        |before, _, after| {
            drops_after_the_session_ended(before, after)
                && !after.tab.provider.use_convex_auth().is_loading
        },
    );
    assert!(signed_out_after_end);
}

/// Once the session has ended at the IdP nobody is signed in, whatever the SDK
/// still believes: STUCK asks for nothing, and FLASH forgives the drop to
/// signed out.
#[test]
fn stuck_and_flash_forgive_a_session_ended_at_the_idp() {
    let ended_while_sdk_believes = |_: &View, _: &Event, after: &View| {
        after.token_provider.idp.store.ended_at_idp && signed_in_as(after).is_some()
    };
    assert!(verdict_after(
        "stuck",
        SESSION_ENDS,
        "the session has ended, the SDK still holds it",
        ended_while_sdk_believes
    ));
    assert!(verdict_after(
        "flash",
        SESSION_ENDS,
        "the app drops to signed out after the session ended",
        |before, _, after| drops_after_the_session_ended(before, after)
    ));
}

/// The step takes useConvexAuth() from authenticated to not, after the session
/// has ended at the IdP.
fn drops_after_the_session_ended(before: &View, after: &View) -> bool {
    after.token_provider.idp.store.ended_at_idp
        && before.tab.provider.use_convex_auth().is_authenticated
        && !after.tab.provider.use_convex_auth().is_authenticated
}
