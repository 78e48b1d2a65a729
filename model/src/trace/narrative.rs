//! A counterexample as a Markdown report a Convex app developer can follow without
//! knowing the model: what happens, in plain words; a Mermaid sequence diagram that
//! renders on GitHub; and what the app shows at the end.

use std::fmt::Write;

use super::{Observation, Walk};
use crate::actors::browser::ActionStatus;
use crate::actors::{AuthErrorReason, FetchResult, Identity, Msg, Token};
use crate::check::PropertyResult;
use crate::config::Scenario;
use crate::events::Event;
use crate::properties;
use crate::view::{in_flight, SystemState, View};

/// One step worth telling: its number in the trace and what happened.
struct Told {
    step: usize,
    sentence: String,
    /// Its lines in the Mermaid diagram (none when empty).
    arrow: String,
    /// A turning point: the UI changes, an error arrives, a refresh fails or
    /// succeeds on its own, queries lose identity.
    turning_point: bool,
}

/// The Markdown report of a property's witness, as `walk` went through
/// `scenario`'s model; None if the property is not one this tool knows.
/// `check_file` is the path the report tells the reader to open in the
/// Explorer (`convex-auth-check explore <check_file>`).
pub fn markdown(
    walk: &Walk,
    scenario: &Scenario,
    check: &str,
    description: &str,
    result: &PropertyResult,
    check_file: &str,
    explorer_link: &str,
) -> Option<String> {
    let def = properties::by_slug(result.slug)?;
    let told = tell(walk, scenario);
    let last = Observation::of(walk.last());
    let mut md = String::new();
    let _ = writeln!(md, "# {} — {} ({})\n", check, result.name, result.tag);
    let _ = writeln!(md, "**Property.** {}.\n", capitalise(def.meaning));
    let _ = writeln!(
        md,
        "**Scenario.** {}\n",
        description.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    let steps = walk.steps.len();
    let verdict = match (result.depth, result.loop_start) {
        (Some(d), Some(l)) if result.method == "doomed-states" => format!(
            "violated: after step {d} the goal can no longer be reached; from step {l} the run repeats forever without reaching it (steps {} to {steps} come round again and again).",
            l + 1
        ),
        (Some(d), None) if result.method == "doomed-states" => format!(
            "violated: after step {d} the goal can no longer be reached; the run then stops for good (step {steps} is a dead end: nothing left to happen)."
        ),
        (Some(d), _) => format!("violated at step {d}."),
        _ => "violated.".to_string(),
    };
    let verdict = match def.fairness {
        Some(f) => format!("{verdict} Assumed: {}.", f.describe()),
        None => verdict,
    };
    let _ = writeln!(md, "**Verdict.** {verdict}\n");
    let _ = writeln!(md, "Open this path in the stateright Explorer (`convex-auth-check explore {check_file}`): <{explorer_link}>\n");

    let summary: Vec<String> = told
        .iter()
        .filter(|t| t.turning_point)
        .map(|t| lower_first(t.sentence.trim_end_matches('.')))
        .collect();
    if !summary.is_empty() {
        let ending = match (result.method, result.loop_start) {
            ("doomed-states", None) => {
                "; then nothing is left to happen: stuck until the page is reloaded."
            }
            ("doomed-states", Some(_)) => {
                "; from then on the same steps repeat forever: stuck until the page is reloaded."
            }
            _ => ".",
        };
        let _ = writeln!(
            md,
            "**In short.** {}{ending}\n",
            capitalise(&summary.join("; "))
        );
    }

    let _ = writeln!(md, "## What happens\n");
    for t in &told {
        let mark = match (result.depth, result.loop_start) {
            (_, Some(l)) if t.step == l + 1 => " *(from here this repeats forever)*",
            (Some(d), _) if t.step == d && result.method == "doomed-states" => {
                " *(from here on the goal is out of reach)*"
            }
            (Some(d), _) if t.step == d => " *(the violation)*",
            _ => "",
        };
        let _ = writeln!(md, "{}. {}{}", t.step, t.sentence, mark);
    }
    match (result.method, result.loop_start) {
        ("doomed-states", None) => {
            let _ = writeln!(
                md,
                "\nAfter step {steps} nothing is left to happen: nothing calls `setAuth` again, and the app stays like this until the page is reloaded."
            );
        }
        ("doomed-states", Some(l)) => {
            let _ = writeln!(
                md,
                "\nAfter step {steps} the run is back where it was after step {l}: from there steps {} to {steps} repeat forever, and the goal is never reached again until the page is reloaded.",
                l + 1
            );
        }
        _ => {}
    }
    let _ = writeln!(md);

    let _ = writeln!(md, "## Sequence\n");
    let _ = writeln!(md, "```mermaid\n{}```\n", mermaid(&told, result));

    let _ = writeln!(md, "## At the end\n");
    let _ = writeln!(md, "- `useConvexAuth()` = {}", last.use_convex_auth);
    let _ = writeln!(
        md,
        "- AuthenticationManager: `{}` (configVersion {})",
        last.auth_manager, last.config_version
    );
    let _ = writeln!(md, "- WebSocket: {}", last.socket);
    let _ = writeln!(md, "- server connection identity: {}", last.server_identity);
    let _ = writeln!(md, "- IdP: {}", last.idp);
    let _ = writeln!(md, "- time: {}", last.now);
    Some(md)
}

/// Lower-cases a sentence's first word when it is an ordinary word (not a name
/// such as AuthKit or WebSocket), to join sentences into one.
fn lower_first(s: &str) -> String {
    let first = s.split_whitespace().next().unwrap_or("");
    if ["The", "Your", "Data", "Time"].contains(&first) {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    } else {
        s.to_string()
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The Mermaid `sequenceDiagram` of the told steps.
fn mermaid(told: &[Told], result: &PropertyResult) -> String {
    let mut m = String::from("sequenceDiagram\n");
    for (id, name) in [
        ("P", "React provider"),
        ("AM", "AuthenticationManager"),
        ("WS", "WebSocket"),
        ("S", "Server"),
        ("TP", "Token provider"),
        ("E", "Environment"),
    ] {
        let _ = writeln!(m, "    participant {id} as {name}");
    }
    for t in told {
        if result.loop_start.is_some_and(|l| t.step == l + 1) {
            let _ = writeln!(m, "    Note over P,E: from here this repeats forever");
        }
        for line in t.arrow.lines() {
            let _ = writeln!(m, "    {}", mermaid_safe(line));
        }
        if result.method == "doomed-states" && result.depth == Some(t.step) {
            let _ = writeln!(
                m,
                "    Note over P,E: from here on the goal is out of reach"
            );
        }
    }
    m
}

/// Mermaid reads `;` as a line break and `#` as an entity start.
fn mermaid_safe(line: &str) -> String {
    line.replace(';', ",").replace('#', "no. ")
}

fn ui_of(s: &SystemState) -> crate::actors::browser::ConvexAuth {
    View::of(s).tab.provider.use_convex_auth()
}

/// The steps worth telling, with their sentence and diagram lines.
/// Sentences name the IdP SDK as "AuthKit"; `sdk` is the one the adapter wraps.
fn tell(walk: &Walk, scenario: &Scenario) -> Vec<Told> {
    let spec = scenario.adapter_spec();
    let sdk = spec.sdk.spec().name;
    let mut preloaded_shown = scenario.app.preloaded_query;
    let mut told = Vec::new();
    for step in &walk.steps {
        let (before, after, event) = (&*step.before, &*step.after, &step.event);
        let outcome = Outcome::of(before, after);
        let Some(sentence) = sentence(event, &outcome) else {
            continue;
        };
        let mut sentence = sentence.trim_end_matches('.').replace("AuthKit", sdk);
        // A custom adapter is the reader's own hook: say so.
        if scenario.adapter == crate::adapters::Adapter::Custom {
            sentence = sentence
                .replace("your adapter", "your hook")
                .replace("Your adapter", "Your hook")
                .replace("Your auth provider re-renders", "Your hook re-renders");
        }
        // usePreloadedQuery shows the server-rendered result until the client's
        // subscription answers: the first answer run without identity replaces it.
        if preloaded_shown && sentence.ends_with("ctx.auth.getUserIdentity() returns null") {
            preloaded_shown = false;
            sentence.push_str("; its answer is what usePreloadedQuery shows next, in place of the value the server rendered with the user's token");
        }
        let mut arrow = arrows(event, &outcome)
            .unwrap_or_default()
            .replace("AuthKit", sdk);
        let (ui_before, ui_after) = (ui_of(before), ui_of(after));
        let turning_point = ui_before != ui_after || is_turning_point(event, &outcome);
        let (am_before, am_after) = (
            View::of(before).tab.am.state.name(),
            View::of(after).tab.am.state.name(),
        );
        if am_before != am_after {
            let _ = write!(
                sentence,
                " (AuthenticationManager: {am_before} → {am_after})"
            );
        }
        if ui_before != ui_after {
            let _ = write!(sentence, "; useConvexAuth() becomes {ui_after}");
            arrow.push_str(&format!("\nNote over P: useConvexAuth() = {ui_after}"));
        }
        sentence.push('.');
        told.push(Told {
            step: step.index,
            sentence,
            arrow,
            turning_point,
        });
    }
    told
}

/// What a step led to, read from the states around it: the event says what
/// happened, this says what came of it.
struct Outcome {
    /// The server answered with a new AuthError (and closed the socket).
    server_sent_auth_error: bool,
    /// Why, when it did: the reason of the newest AuthError on its way.
    auth_error_reason: Option<AuthErrorReason>,
    /// The user token the server's queries last ran with; None when they ran
    /// without identity (or have not run).
    queries_ran_as: Option<Token>,
    /// The clock after the step.
    now: u8,
    /// The token the IdP holds after the step.
    idp_token: Option<Token>,
    /// The user whose session the IdP holds after the step.
    idp_session: Option<crate::actors::User>,
    /// The server is an older backend: its AuthError leaves authUpdateAttempted out.
    omits_attempted: bool,
    /// The server's live connection has queries subscribed (so a data change or a
    /// query-set change runs them).
    queries_subscribed: bool,
    /// The app's action in flight was failed with "Connection lost" in the step.
    action_lost: bool,
}

impl Outcome {
    /// How the server's AuthError states `authUpdateAttempted`.
    fn attempted_words(&self, attempted: bool) -> String {
        if self.omits_attempted {
            "without authUpdateAttempted: an older backend".to_string()
        } else {
            format!("authUpdateAttempted: {attempted}")
        }
    }
}

impl Outcome {
    fn of(before: &SystemState, after: &SystemState) -> Outcome {
        let auth_errors_in_flight = |s: &SystemState| {
            in_flight(s)
                .into_iter()
                .filter(|(_, _, m)| matches!(m, Msg::AuthError { .. }))
                .count()
        };
        let after_view = View::of(after);
        let server_sent_auth_error = auth_errors_in_flight(after) > auth_errors_in_flight(before);
        let auth_error_reason = in_flight(after)
            .into_iter()
            .filter_map(|(_, _, m)| match m {
                Msg::AuthError { reason, .. } => Some(*reason),
                _ => None,
            })
            .next_back()
            .filter(|_| server_sent_auth_error);
        Outcome {
            server_sent_auth_error,
            auth_error_reason,
            queries_ran_as: match after_view.server.last_query_identity {
                Some(Identity::User(t)) => Some(t),
                _ => None,
            },
            now: after_view.environment.now,
            idp_token: after_view.token_provider.idp.store.cached,
            idp_session: after_view.token_provider.idp.store.session,
            omits_attempted: !after_view.server.reports_auth_update_attempted,
            queries_subscribed: after_view.server.connection.is_some_and(|c| c.queries > 0),
            action_lost: after_view.tab.action == ActionStatus::Lost
                && View::of(before).tab.action != ActionStatus::Lost,
        }
    }
}

/// A turning point of the story (told in "In short"), besides a change of
/// `useConvexAuth()`: an AuthError, a forced fetch, a failed or spontaneous IdP
/// refresh, queries that run without identity.
fn is_turning_point(event: &Event, outcome: &Outcome) -> bool {
    match event {
        Event::AuthErrorReceived { .. }
        | Event::IdpRefreshFailed { .. }
        | Event::IdpAutoRefreshed
        | Event::AuthenticateReceived { token: None, .. }
        | Event::FetchAccessTokenHangs { .. }
        | Event::SignInReachesIdp { .. }
        | Event::AccountSwitchReachesIdp { .. }
        | Event::SessionSwitchReachesIdp
        | Event::SessionEndReachesIdp
        | Event::KeyRotationReachesIdp
        | Event::JwksRefetchReachesServer
        | Event::OutageReachesIdp { .. } => true,
        Event::WebSocketOpened { .. } => outcome.action_lost,
        Event::AppCallsMutation
        | Event::AppCallsAction
        | Event::QueryComponentToggled { .. }
        | Event::ActionReceived { .. }
        | Event::ActionResponseReceived { .. }
        | Event::AppDecidesMutation
        | Event::AppDecidesAction
        | Event::AppDecidesQueryToggle
        | Event::AppDecidesSetAuth
        | Event::AppDecidesClearAuth => false,
        Event::AppCallsSetAuth | Event::AppCallsClearAuth | Event::DeferredClearAuthRuns => true,
        Event::PassiveEffectsRun | Event::AdapterRetryWaitEnds => false,
        Event::FetchAccessToken { force, .. } => *force,
        Event::AuthenticateReceived { token: Some(_), .. } => outcome.server_sent_auth_error,
        Event::ModifyQuerySetReceived { .. } | Event::DataChangeReachesServer => {
            outcome.server_sent_auth_error
                || (outcome.queries_subscribed && outcome.queries_ran_as.is_none())
        }
        Event::ClockTick
        | Event::TabHidden
        | Event::TabShown
        | Event::DataChanged
        | Event::NetworkDropped
        | Event::UserSignedOut
        | Event::SessionEndsAtIdp
        | Event::UserSignedIn
        | Event::AccountSwitched
        | Event::SessionSwitched
        | Event::IdpLoaded
        | Event::IdpOutageStarts
        | Event::IdpRequestStalls
        | Event::StallReachesAdapter
        | Event::SigningKeyRotates
        | Event::JwksCacheExpires
        | Event::TimeReachesTab { .. }
        | Event::TimeReachesIdp { .. }
        | Event::TimeReachesServer { .. }
        | Event::VisibilityReachesTab { .. }
        | Event::VisibilityReachesIdp { .. }
        | Event::DropReachesServer
        | Event::SignOutReachesIdp
        | Event::WebSocketConnects { .. }
        | Event::ClientCloseReachesServer { .. }
        | Event::MutationReceived { .. }
        | Event::WebSocketClosed { .. }
        | Event::TransitionReceived { .. }
        | Event::MutationResponseReceived { .. }
        | Event::ScheduledRefetchFired
        | Event::ReconnectTimerFired
        | Event::TokenFetched { .. }
        | Event::AdapterRerendered { .. }
        | Event::IdpRefreshSucceeded { .. } => false,
    }
}

fn token_words(result: &FetchResult) -> String {
    match result {
        FetchResult::Token(t) => format!("token {t}"),
        FetchResult::Null => "null".to_string(),
        FetchResult::Rejected => "a rejection".to_string(),
    }
}

/// The report's sentence for an event, or None for bookkeeping the reader need not
/// follow (the clock and visibility passed on to each actor, the environment
/// deciding on an event whose effect is told when it arrives).
fn sentence(event: &Event, outcome: &Outcome) -> Option<String> {
    Some(match event {
        Event::ClockTick => format!("Time passes: it is now t = {}.", outcome.now),
        Event::TabHidden => "The tab is hidden.".into(),
        Event::TabShown => "The tab is shown again.".into(),
        Event::DataChanged
        | Event::NetworkDropped
        | Event::UserSignedOut
        | Event::SessionEndsAtIdp
        | Event::UserSignedIn
        | Event::AccountSwitched
        | Event::SessionSwitched
        | Event::IdpOutageStarts
        | Event::SigningKeyRotates
        | Event::JwksCacheExpires
        | Event::AppDecidesMutation
        | Event::AppDecidesAction
        | Event::AppDecidesQueryToggle
        | Event::AppDecidesSetAuth
        | Event::AppDecidesClearAuth
        | Event::StallReachesAdapter
        | Event::TimeReachesTab { .. }
        | Event::TimeReachesIdp { .. }
        | Event::TimeReachesServer { .. }
        | Event::VisibilityReachesTab { .. }
        | Event::VisibilityReachesIdp { .. }
        | Event::ClientCloseReachesServer { .. } => return None,
        Event::AppCallsSetAuth => {
            "The app calls client.setAuth(fetchToken, onChange) with a new fetchToken.".into()
        }
        Event::AppCallsClearAuth => "The app calls client.clearAuth().".into(),
        Event::PassiveEffectsRun => {
            "React runs the effects of its last commit (in a task of their own).".into()
        }
        Event::DeferredClearAuthRuns => {
            "The provider's setTimeout(() => client.clearAuth(), 0) fires (R2, convex 1.14.0).".into()
        }
        Event::AppCallsMutation => "The app calls its mutation.".into(),
        Event::AppCallsAction => "The app calls its action.".into(),
        Event::QueryComponentToggled { mounted: true } => {
            "A component with its own query mounts: useQuery subscribes.".into()
        }
        Event::QueryComponentToggled { mounted: false } => {
            "The component with its own query unmounts: useQuery unsubscribes.".into()
        }
        Event::ActionReceived { .. } => format!(
            "The server runs your action{}.",
            match outcome.queries_ran_as {
                Some(t) => format!(" as the user (token {t})"),
                None => " without identity".into(),
            }
        ),
        Event::ActionResponseReceived { .. } => "The action's result arrives.".into(),
        Event::OutageReachesIdp { ticks } => format!(
            "The IdP goes down for {ticks} ticks: every AuthKit refresh fails until it is back."
        ),
        Event::SignInReachesIdp { user } => match outcome.idp_token {
            Some(t) => format!("User {user} signs in (no reload): AuthKit holds {t}."),
            None => format!("User {user} signs in (no reload) while AuthKit is still loading."),
        },
        Event::AccountSwitchReachesIdp { user } => format!(
            "The user switches to account {user} (no reload): AuthKit holds {}.",
            idp_token_words(outcome)
        ),
        Event::SessionSwitchReachesIdp => format!(
            "The user switches session or organization: AuthKit holds a new token, {}.",
            idp_token_words(outcome)
        ),
        Event::IdpLoaded => format!(
            "AuthKit finishes loading the session at page load{}.",
            match (outcome.idp_token, outcome.idp_session) {
                (Some(t), _) => format!(": it holds token {t}"),
                (None, Some(user)) => format!(
                    ": user {user}'s session, but no token (its refresh failed: the IdP is down)"
                ),
                (None, None) => ": nobody is signed in".into(),
            }
        ),
        Event::IdpRequestStalls => {
            "The network stalls your adapter's next request to the IdP.".into()
        }
        Event::DataChangeReachesServer => {
            queries_run("Data changes, so the server re-runs your queries", outcome)
        }
        Event::DropReachesServer => "The network drops the WebSocket.".into(),
        Event::SignOutReachesIdp => "The user signs out at the IdP.".into(),
        Event::SessionEndReachesIdp => "The IdP ends the session (its refresh token revoked or expired); the browser keeps its cookie, and the SDK learns it only at its next refresh.".into(),
        Event::KeyRotationReachesIdp => "The IdP rotates its signing key: every token it mints from now on carries the new key, which the server's cached JWKS lacks.".into(),
        Event::JwksRefetchReachesServer => "The server's cached JWKS has gone stale: it fetches the IdP's keys again and from now on accepts tokens signed with the new key.".into(),
        Event::WebSocketConnects { socket } => format!("WebSocket {socket} connects to the server."),
        Event::AuthenticateReceived { token: Some(t), .. } if outcome.server_sent_auth_error => format!(
            "The server rejects Authenticate with token {t}: {}. It answers AuthError ({}) and closes the socket.",
            outcome
                .auth_error_reason
                .map_or("it has expired", AuthErrorReason::words),
            outcome.attempted_words(true)
        ),
        Event::AuthenticateReceived { token: Some(t), .. } => format!(
            "The server accepts Authenticate with token {t} and re-runs your queries as the user."
        ),
        Event::AuthenticateReceived { token: None, .. } => "The server receives Authenticate{None}: from now on your queries run without identity.".into(),
        Event::ModifyQuerySetReceived { .. } => {
            queries_run("The server runs your subscribed queries", outcome)
        }
        Event::MutationReceived { .. } => "The server runs your mutation.".into(),
        Event::WebSocketOpened { socket } if outcome.action_lost => format!(
            "WebSocket {socket} opens; the action in flight on the old one fails: \"Connection lost while action was in flight\"."
        ),
        Event::WebSocketOpened { socket } => format!("WebSocket {socket} opens."),
        Event::WebSocketClosed { socket } => format!("WebSocket {socket} closes."),
        Event::TransitionReceived { start, end, .. } => format!(
            "The client receives the server's confirmation of the new identity (Transition, identity version {start} → {end})."
        ),
        Event::MutationResponseReceived { .. } => "The mutation's result arrives.".into(),
        Event::AuthErrorReceived { attempted, .. } => format!(
            "The client receives the AuthError ({}).",
            match attempted {
                Some(true) => "token rejected",
                Some(false) => "token expired",
                None => "the server does not say which: an older backend",
            }
        ),
        Event::ScheduledRefetchFired => "The client's scheduled token refetch timer fires.".into(),
        Event::ReconnectTimerFired => {
            "The client's reconnect timer fires and it opens a new WebSocket.".into()
        }
        Event::FetchAccessToken { call, force } => format!(
            "The client asks your adapter for a token: fetchAccessToken({{forceRefreshToken: {force}}}) (call {call})."
        ),
        Event::FetchAccessTokenHangs { call, force } => format!(
            "The client asks your adapter for a token: fetchAccessToken({{forceRefreshToken: {force}}}) (call {call}); the request stalls and the promise never settles: nothing in the client times it out."
        ),
        Event::TokenFetched { call, result } => format!(
            "Your adapter's fetchAccessToken (call {call}) resolves with {}.",
            token_words(result)
        ),
        Event::AdapterRerendered {
            is_loading,
            is_authenticated,
            ..
        } => format!(
            "Your auth provider re-renders: isLoading {is_loading}, isAuthenticated {is_authenticated}."
        ),
        Event::IdpAutoRefreshed => format!(
            "AuthKit refreshes the token on its own and is healthy again: it now holds {}.",
            idp_token_words(outcome)
        ),
        Event::IdpRefreshFailed { call, kind } => format!(
            "AuthKit's token refresh for call {call} fails: {}.",
            kind.words()
        ),
        Event::IdpRefreshSucceeded { call } => {
            format!("AuthKit's token refresh for call {call} succeeds.")
        }
        Event::AdapterRetryWaitEnds => {
            "After a short wait (less than a tick), the failed call to AuthKit is retried.".into()
        }
    })
}

/// The server ran the queries (`what`), or found the token expired instead.
fn queries_run(what: &str, outcome: &Outcome) -> String {
    if outcome.server_sent_auth_error {
        return format!(
            "{what}, finds the access token expired, answers AuthError (token expired, {}) and closes the socket.",
            outcome.attempted_words(false)
        );
    }
    if !outcome.queries_subscribed {
        return format!("{what}: none is subscribed on this connection yet, so none runs.");
    }
    match outcome.queries_ran_as {
        Some(t) => format!("{what} as the user (token {t})."),
        None => format!("{what} without identity: ctx.auth.getUserIdentity() returns null."),
    }
}

fn idp_token_words(outcome: &Outcome) -> String {
    outcome.idp_token.map(|t| t.to_string()).unwrap_or_default()
}

/// The Mermaid lines for an event, or None when the diagram leaves it out.
fn arrows(event: &Event, outcome: &Outcome) -> Option<String> {
    let auth_error_answer = |cause: &str| {
        if outcome.server_sent_auth_error {
            format!("\nS-->>WS: AuthError({cause}), close")
        } else {
            String::new()
        }
    };
    Some(match event {
        Event::ClockTick => format!("Note over E: time passes (t = {})", outcome.now),
        Event::TabHidden => "Note over E: tab hidden".into(),
        Event::TabShown => "Note over E: tab visible".into(),
        Event::DataChanged
        | Event::NetworkDropped
        | Event::UserSignedOut
        | Event::SessionEndsAtIdp
        | Event::UserSignedIn
        | Event::AccountSwitched
        | Event::SessionSwitched
        | Event::IdpOutageStarts
        | Event::SigningKeyRotates
        | Event::JwksCacheExpires
        | Event::AppDecidesMutation
        | Event::AppDecidesAction
        | Event::AppDecidesQueryToggle
        | Event::AppDecidesSetAuth
        | Event::AppDecidesClearAuth
        | Event::StallReachesAdapter
        | Event::TimeReachesTab { .. }
        | Event::TimeReachesIdp { .. }
        | Event::TimeReachesServer { .. }
        | Event::VisibilityReachesTab { .. }
        | Event::VisibilityReachesIdp { .. }
        | Event::ClientCloseReachesServer { .. } => return None,
        Event::AppCallsSetAuth => "P->>AM: client.setAuth(fetchToken)".into(),
        Event::AppCallsClearAuth => "P->>AM: client.clearAuth()".into(),
        Event::PassiveEffectsRun => "Note over P: passive effects run".into(),
        Event::DeferredClearAuthRuns => "P->>C: clearAuth() (deferred)".into(),
        Event::AppCallsMutation => "Note over P: app calls mutation".into(),
        Event::AppCallsAction => "Note over P: app calls action".into(),
        Event::QueryComponentToggled { mounted } => {
            format!(
                "Note over P: query component {}",
                if *mounted { "mounts" } else { "unmounts" }
            )
        }
        Event::ActionReceived { .. } => "WS->>S: Action".into(),
        Event::ActionResponseReceived { .. } => "S-->>WS: ActionResponse".into(),
        Event::OutageReachesIdp { ticks } => format!("E->>TP: IdP down for {ticks} ticks"),
        Event::SignInReachesIdp { user } => format!("E->>TP: user {user} signs in"),
        Event::AccountSwitchReachesIdp { user } => format!("E->>TP: switch to user {user}"),
        Event::SessionSwitchReachesIdp => "E->>TP: switch session".into(),
        Event::IdpLoaded => "Note over TP: AuthKit loaded".into(),
        Event::IdpRequestStalls => "Note over TP: the next request to the IdP stalls".into(),
        Event::DataChangeReachesServer => {
            format!("E->>S: data changes{}", auth_error_answer("token expired"))
        }
        Event::DropReachesServer => "E->>S: network drops the socket".into(),
        Event::SignOutReachesIdp => "E->>TP: sign out".into(),
        Event::SessionEndReachesIdp => "E->>TP: session ends at the IdP".into(),
        Event::KeyRotationReachesIdp => "E->>TP: signing key rotates".into(),
        Event::JwksRefetchReachesServer => "E->>S: JWKS fetched again (new key)".into(),
        Event::WebSocketConnects { socket } => format!("WS->>S: connect (socket {socket})"),
        Event::AuthenticateReceived {
            token,
            base_version,
            ..
        } => match token {
            Some(t) => format!(
                "WS->>S: Authenticate({t}, base {base_version}){}",
                auth_error_answer("rejected")
            ),
            None => format!("WS->>S: Authenticate(None, base {base_version})"),
        },
        Event::ModifyQuerySetReceived { .. } => {
            format!(
                "WS->>S: ModifyQuerySet{}",
                auth_error_answer("token expired")
            )
        }
        Event::MutationReceived { .. } => "WS->>S: Mutation".into(),
        Event::WebSocketOpened { socket } => format!("S-->>WS: open (socket {socket})"),
        Event::WebSocketClosed { socket } => format!("S-->>WS: closed (socket {socket})"),
        Event::TransitionReceived { start, end, .. } => {
            format!("S-->>AM: Transition (identity {start} → {end})")
        }
        Event::MutationResponseReceived { .. } => "S-->>WS: MutationResponse".into(),
        Event::AuthErrorReceived { .. } => "WS->>AM: AuthError".into(),
        Event::ScheduledRefetchFired => "Note over AM: refetch timer fires".into(),
        Event::ReconnectTimerFired => "Note over WS: reconnect".into(),
        Event::FetchAccessToken { call, force } => {
            format!("AM->>TP: fetchAccessToken(force: {force}) (fetch {call})")
        }
        Event::FetchAccessTokenHangs { call, force } => {
            format!("AM-xTP: fetchAccessToken(force: {force}) (fetch {call}) never settles")
        }
        Event::TokenFetched { call, result } => {
            format!("TP-->>AM: {} (fetch {call})", token_words(result))
        }
        Event::AdapterRerendered {
            is_authenticated, ..
        } => format!("TP->>P: isAuthenticated: {is_authenticated}"),
        Event::IdpAutoRefreshed => format!(
            "Note over TP: AuthKit auto-refresh → {}",
            idp_token_words(outcome)
        ),
        Event::IdpRefreshFailed { call, kind } => {
            format!("Note over TP: refresh fails, {kind} (fetch {call})")
        }
        Event::IdpRefreshSucceeded { call } => {
            format!("Note over TP: refresh succeeds (fetch {call})")
        }
        Event::AdapterRetryWaitEnds => "Note over TP: retry after a wait".into(),
    })
}

/// An event's sentence and diagram lines after an ordinary step, for tests that
/// every event is told.
#[cfg(test)]
pub(crate) fn told_example(event: &Event) -> (Option<String>, Option<String>) {
    let token = Token {
        serial: 1,
        iat: 0,
        exp: 2,
        user: crate::actors::User::A,
        new_key: false,
    };
    let outcome = Outcome {
        server_sent_auth_error: false,
        auth_error_reason: None,
        queries_ran_as: Some(token),
        now: 1,
        idp_token: Some(token),
        idp_session: Some(crate::actors::User::A),
        omits_attempted: false,
        queries_subscribed: true,
        action_lost: false,
    };
    (sentence(event, &outcome), arrows(event, &outcome))
}
