//! A counterexample as a Markdown report a Convex app developer can follow without
//! knowing the model: what happens, in plain words; a Mermaid sequence diagram that
//! renders on GitHub; and what the app shows at the end.

use std::fmt::Write;

use stateright::actor::ActorModelAction;

use super::Observation;
use crate::actors::{actor_name, FetchResult, Identity, Msg, Timer};
use crate::check::PropertyResult;
use crate::model::AuthModel;
use crate::properties;
use crate::view::{in_flight, SystemAction, SystemState, View};

/// One step worth telling: its number in the trace and what happened.
struct Told {
    step: usize,
    sentence: String,
    arrow: Option<String>,
    /// A turning point: the UI changes, an error arrives, a refresh fails or
    /// succeeds on its own, queries lose identity.
    key: bool,
}

/// The Markdown report of a property's witness; None if it has none.
pub fn markdown(
    model: &AuthModel,
    check: &str,
    description: &str,
    result: &PropertyResult,
    explorer_link: &str,
) -> Option<String> {
    let states = result.path.as_ref()?.replay(model)?;
    let def = properties::by_slug(result.slug)?;
    let told = tell(&states);
    let last = Observation::of(&states.last()?.0);
    let mut md = String::new();
    let _ = writeln!(md, "# {} — {} ({})\n", check, result.name, result.tag);
    let _ = writeln!(md, "**Property.** {}.\n", capitalise(def.meaning));
    let _ = writeln!(
        md,
        "**Scenario.** {}\n",
        description.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    let steps = states.len() - 1;
    let verdict = match (result.depth, result.loop_start) {
        (Some(d), Some(l)) if result.method == "doomed-states" => format!(
            "violated: after step {d} the goal can no longer be reached, and from step {l} the run goes round a loop forever (retries in vain)."
        ),
        (Some(d), None) if result.method == "doomed-states" => format!(
            "violated: after step {d} the goal can no longer be reached; the run then stops for good (step {steps} is a dead end: nothing left to happen)."
        ),
        (Some(d), _) => format!("violated at step {d}."),
        _ => "violated.".to_string(),
    };
    let _ = writeln!(md, "**Verdict.** {verdict}\n");
    let _ = writeln!(md, "Open this path in the stateright Explorer (`convex-auth-check explore checks/{check}.toml`): <{explorer_link}>\n");

    let summary: Vec<String> = told
        .iter()
        .filter(|t| t.key)
        .map(|t| lower_first(t.sentence.trim_end_matches('.')))
        .collect();
    if !summary.is_empty() {
        let ending = if result.method == "doomed-states" && result.loop_start.is_none() {
            "; then nothing is left to happen: stuck until the page is reloaded."
        } else {
            "."
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
            (_, Some(l)) if t.step == l + 1 => " *(the loop starts here)*",
            (Some(d), _) if t.step == d && result.method == "doomed-states" => {
                " *(from here on the goal is out of reach)*"
            }
            (Some(d), _) if t.step == d => " *(the violation)*",
            _ => "",
        };
        let _ = writeln!(md, "{}. {}{}", t.step, t.sentence, mark);
    }
    if result.method == "doomed-states" && result.loop_start.is_none() {
        let _ = writeln!(
            md,
            "\nAfter step {steps} nothing is left to happen: nothing calls `setAuth` again, and the app stays like this until the page is reloaded."
        );
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
            let _ = writeln!(m, "    Note over P,E: the loop starts here");
        }
        if let Some(a) = &t.arrow {
            for line in a.lines() {
                let _ = writeln!(m, "    {}", mermaid_safe(line));
            }
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
fn tell(states: &[(SystemState, Option<SystemAction>)]) -> Vec<Told> {
    let mut told = Vec::new();
    for (i, window) in states.windows(2).enumerate() {
        let (before, action) = &window[0];
        let after = &window[1].0;
        let Some(action) = action else { continue };
        let Some((sentence, mut arrow)) = describe(before, action, after) else {
            continue;
        };
        let mut sentence = sentence.trim_end_matches('.').to_string();
        let (am_before, am_after) = (
            View::of(before).tab.am.state.name(),
            View::of(after).tab.am.state.name(),
        );
        let key = ui_of(before) != ui_of(after)
            || [
                "AuthError",
                "forceRefreshToken: true",
                "fails transiently",
                "on its own",
                "without identity",
                "expired",
            ]
            .iter()
            .any(|w| sentence.contains(w));
        if am_before != am_after {
            let _ = write!(
                sentence,
                " (AuthenticationManager: {am_before} → {am_after})"
            );
        }
        let (ui_before, ui_after) = (ui_of(before), ui_of(after));
        if ui_before != ui_after {
            let _ = write!(sentence, "; useConvexAuth() becomes {ui_after}");
            arrow.push_str(&format!("\nNote over P: useConvexAuth() = {ui_after}"));
        }
        sentence.push('.');
        told.push(Told {
            step: i + 1,
            sentence,
            arrow: Some(arrow),
            key,
        });
    }
    told
}

fn token_words(result: &FetchResult) -> String {
    match result {
        FetchResult::Token(t) => format!("token {t}"),
        FetchResult::Null => "null".to_string(),
        FetchResult::Rejected => "a rejection".to_string(),
    }
}

/// A sentence and diagram lines for one step, or None for bookkeeping steps (the
/// clock and visibility passed on inside the tab).
fn describe(
    before: &SystemState,
    action: &SystemAction,
    after: &SystemState,
) -> Option<(String, String)> {
    let server_after = View::of(after).server;
    let auth_error_sent = |s: &SystemState| {
        in_flight(s)
            .into_iter()
            .filter(|(_, _, m)| matches!(m, Msg::AuthError { .. }))
            .count()
    };
    let new_auth_error = auth_error_sent(after) > auth_error_sent(before);
    Some(match action {
        ActorModelAction::Deliver { dst, msg, .. } => match (actor_name(*dst), msg) {
            (_, Msg::Clock { .. } | Msg::Visibility { .. }) => return None,
            ("server", Msg::WsOpen { socket }) => (
                format!("WebSocket {socket} connects to the server."),
                format!("WS->>S: connect (socket {socket})"),
            ),
            ("server", Msg::WsClose { .. }) => return None,
            ("server", Msg::Authenticate { token: Some(t), base_version, .. }) => {
                if new_auth_error {
                    (
                        format!("The server rejects Authenticate with token {t}: it has expired. It answers AuthError (authUpdateAttempted: true) and closes the socket."),
                        format!("WS->>S: Authenticate({t}, base {base_version})\nS-->>WS: AuthError(rejected), close"),
                    )
                } else {
                    (
                        format!("The server accepts Authenticate with token {t} and re-runs your queries as the user."),
                        format!("WS->>S: Authenticate({t}, base {base_version})"),
                    )
                }
            }
            ("server", Msg::Authenticate { token: None, base_version, .. }) => (
                "The server receives Authenticate{None}: from now on your queries run without identity.".to_string(),
                format!("WS->>S: Authenticate(None, base {base_version})"),
            ),
            ("server", Msg::ModifyQuerySet { .. }) | ("server", Msg::DataChanged) => {
                let what = if matches!(msg, Msg::DataChanged) {
                    "Data changes, so the server re-runs your queries"
                } else {
                    "The server runs your subscribed queries"
                };
                let arrow = if matches!(msg, Msg::DataChanged) {
                    "E->>S: data changes"
                } else {
                    "WS->>S: ModifyQuerySet"
                };
                if new_auth_error {
                    (
                        format!("{what}, finds the access token expired, answers AuthError (token expired, authUpdateAttempted: false) and closes the socket."),
                        format!("{arrow}\nS-->>WS: AuthError(token expired), close"),
                    )
                } else {
                    let who = match server_after.last_query_identity {
                        Some(Identity::User(t)) => format!("as the user (token {t})"),
                        _ => "without identity: ctx.auth.getUserIdentity() returns null".to_string(),
                    };
                    (format!("{what} {who}."), arrow.to_string())
                }
            }
            ("server", Msg::Mutation { .. }) => (
                "The server runs your mutation.".to_string(),
                "WS->>S: Mutation".to_string(),
            ),
            ("server", Msg::NetworkDrop) => (
                "The network drops the WebSocket.".to_string(),
                "E->>S: network drops the socket".to_string(),
            ),
            ("browser", Msg::WsOpened { socket }) => (
                format!("WebSocket {socket} opens."),
                format!("S-->>WS: open (socket {socket})"),
            ),
            ("browser", Msg::WsClosed { socket }) => (
                format!("WebSocket {socket} closes."),
                format!("S-->>WS: closed (socket {socket})"),
            ),
            ("browser", Msg::Transition { start, end, .. }) => (
                format!("The client receives the server's confirmation of the new identity (Transition, identity version {start} → {end})."),
                format!("S-->>AM: Transition (identity {start} → {end})"),
            ),
            ("browser", Msg::AuthError { auth_update_attempted, .. }) => (
                format!(
                    "The client receives the AuthError ({}).",
                    if *auth_update_attempted { "token rejected" } else { "token expired" }
                ),
                "WS->>AM: AuthError".to_string(),
            ),
            ("browser", Msg::MutationResponse { .. }) => (
                "The mutation's result arrives.".to_string(),
                "S-->>WS: MutationResponse".to_string(),
            ),
            ("browser", Msg::TokenFetched { call, result }) => (
                format!("Your adapter's fetchAccessToken (call {call}) resolves with {}.", token_words(result)),
                format!("TP-->>AM: {} (fetch {call})", token_words(result)),
            ),
            ("browser", Msg::AdapterChanged(o)) => (
                format!(
                    "Your auth provider re-renders: isLoading {}, isAuthenticated {}.",
                    o.is_loading, o.is_authenticated
                ),
                format!("TP->>P: isAuthenticated: {}", o.is_authenticated),
            ),
            ("token provider", Msg::FetchToken { call, force }) => (
                format!("The client asks your adapter for a token: fetchAccessToken({{forceRefreshToken: {force}}}) (call {call})."),
                format!("AM->>TP: fetchAccessToken(force: {force}) (fetch {call})"),
            ),
            ("token provider", Msg::SignOut) => (
                "The user signs out at the IdP.".to_string(),
                "E->>TP: sign out".to_string(),
            ),
            (who, m) => (format!("{who} receives {m:?}."), format!("Note over E: {m:?}")),
        },
        ActorModelAction::Timeout(_, timer) => match timer {
            Timer::Tick => {
                let now = View::of(after).environment.now;
                (format!("Time passes: it is now t = {now}."), format!("Note over E: time passes (t = {now})"))
            }
            Timer::ScheduledRefetch => (
                "The client's scheduled token refetch timer fires.".to_string(),
                "Note over AM: refetch timer fires".to_string(),
            ),
            Timer::Reconnect => (
                "The client's reconnect timer fires and it opens a new WebSocket.".to_string(),
                "Note over WS: reconnect".to_string(),
            ),
            Timer::AutoRefresh => {
                let token = View::of(after).token_provider.cached;
                let t = token.map(|t| t.to_string()).unwrap_or_default();
                (
                    format!("AuthKit refreshes the token on its own and is healthy again: it now holds {t}."),
                    format!("Note over TP: AuthKit auto-refresh → {t}"),
                )
            }
            Timer::HideTab => ("The tab is hidden.".to_string(), "Note over E: tab hidden".to_string()),
            Timer::ShowTab => ("The tab is shown again.".to_string(), "Note over E: tab visible".to_string()),
            Timer::DataChange | Timer::DropSocket | Timer::SignOut => return None,
        },
        ActorModelAction::SelectRandom { random, .. } => {
            let failed = View::of(after).token_provider.refresh_failures_left
                < View::of(before).token_provider.refresh_failures_left;
            if failed {
                (
                    format!("AuthKit's token refresh for call {} fails transiently (network error or 5xx).", random.call),
                    format!("Note over TP: refresh fails transiently (fetch {})", random.call),
                )
            } else {
                (
                    format!("AuthKit's token refresh for call {} succeeds.", random.call),
                    format!("Note over TP: refresh succeeds (fetch {})", random.call),
                )
            }
        }
        other => (format!("{other:?}"), format!("Note over E: {other:?}")),
    })
}
