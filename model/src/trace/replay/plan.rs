//! Planning: from a model path to a [`ReplayPlan`], the driver's [`Script`] and
//! what the model predicts for each of its steps; and which worlds the harness
//! can drive at all.

use std::collections::BTreeMap;

use serde::Serialize;
use stateright::actor::ActorModelAction;
use stateright::Model;

use super::compare::{expectation, Expectation};
use super::ops::{driver_steps, drives_as_declared, real_sdk_steps, FetchOrder};
use super::protocol::{
    load_op, subject, token_name, AdapterCode, AdapterState, ClientOptions, Monitors, Scheduling,
    Script, SdkToken, Step, TokenTimes, UserChange, WorldFacts,
};
use crate::actors::{AdapterOutput, FetchResult, Msg, Settles, Token};
use crate::config::{AuthBy, ClientRelease, Scenario, SwitchOverrides};
use crate::engine::IndexPath;
use crate::events::Event;
use crate::model::AuthModel;
use crate::sdks::FailureKind;
use crate::trace::Walk;
use crate::view::{in_flight, SystemAction, SystemState, View};

/// One model step and the driver steps it becomes.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedStep {
    /// The trace step (0: the initial state, i.e. the mount).
    pub trace_step: usize,
    pub event: String,
    /// How many driver steps it takes (0 for the mount).
    pub driver_steps: usize,
    pub expect: Expectation,
}

/// A trace made executable.
#[derive(Clone, Debug, Serialize)]
pub struct ReplayPlan {
    pub script: Script,
    pub steps: Vec<PlannedStep>,
}

/// Whether an error escaped to the tab's runtime in the step `action` takes from
/// `before`: read from the actor system's own next state, before the model moves
/// that report into the history (a second unhandled rejection in a run is news
/// to the client, though not to the history's flag).
fn escaped_in_step(model: &AuthModel, before: &SystemState, action: &SystemAction) -> bool {
    model
        .system
        .next_state(before, action.clone())
        .is_some_and(|raw| View::of(&raw).tab.uncaught_error)
}

/// The harness pins convex@1.49.0 with its default switches. The backend's
/// switch is the driver's to play: its fake server sends what the model's does;
/// `expect_auth` is a constructor option of that release, which the driver
/// passes on; the proposal is 1.49.0 with its patch applied, which the harness
/// installs beside it.
fn check_replayable(scenario: &Scenario) -> Result<(), String> {
    let client_switches = SwitchOverrides {
        server_reports_auth_update_attempted: None,
        expect_auth: None,
        initial_auth_token_reuse: None,
        proposal_keep_trying: None,
        ..scenario.switches.clone()
    };
    if client_switches != SwitchOverrides::default() {
        return Err(format!(
            "the trace runs on convex@{} with switch overrides, which no release ships; the harness runs releases as published",
            scenario.client
        ));
    }
    if scenario.app.auth_by == AuthBy::App && scenario.app.query_toggles > 0 {
        return Err(
            "the app calls setAuth itself and a view mounts and unmounts its query: the harness drives such a client without React, and a view's query needs React's useQuery"
                .into(),
        );
    }
    Ok(())
}

/// A token's `iat` and `exp` in seconds and its subject, as the driver mints its
/// JWT. Over authkit-nextjs's token store (`real_sdk`) `exp` is a second earlier:
/// the store counts whole seconds and a token is "expiring" once
/// `exp < now + 30` strictly, where the model's IdP refreshes once
/// `now + buffer >= exp`; a second earlier makes the two agree at the boundary
/// and nowhere else (the client's refetch timer, the other reader of `exp`, is
/// fired by the model's step, not by its delay).
fn token_times(t: &Token, tick: u64, real_sdk: Option<AdapterCode>) -> TokenTimes {
    let early = u64::from(real_sdk == Some(AdapterCode::RecommendedAuthkitNextjs));
    TokenTimes {
        iat: u64::from(t.iat) * tick / 1000,
        exp: u64::from(t.exp) * tick / 1000 - early,
        sub: subject(t.user),
    }
}

/// The driver's script: the tokens, the app, the client's options and the steps.
fn script(scenario: &Scenario, tokens: BTreeMap<String, TokenTimes>, steps: Vec<Step>) -> Script {
    let tick = scenario.tick_ms();
    let initial = AdapterOutput::at_page_load(scenario.app.page_load);
    Script {
        tokens,
        initial_adapter: AdapterState {
            is_loading: initial.is_loading,
            is_authenticated: initial.is_authenticated,
        },
        adapter_code: adapter_code(scenario),
        queries: scenario.bounds.queries,
        strict_mode: scenario.app.strict_mode,
        preloaded_query: scenario.app.preloaded_query,
        react: scenario.app.auth_by == AuthBy::Provider,
        mutation: scenario.bounds.mutation,
        manual_close_ack: true,
        // React schedules as it does in a browser; the driver runs its tasks
        // between the model's steps (conformance/driver.mjs, drainReact).
        scheduling: Scheduling::Scheduler,
        // Passive effects wait for their own step (PassiveEffectsRun).
        hold_passive_effects: scenario.app.effects_after_paint,
        convex_package: scenario.npm_package(),
        client_options: ClientOptions {
            expect_auth: scenario.switches().expect_auth,
            initial_auth_token_reuse: scenario.switches().initial_auth_token_reuse,
            auth_refresh_token_leeway_seconds: u64::from(scenario.bounds.refetch_leeway) * tick
                / 1000,
        },
        steps,
        monitors: None,
        workos_session: None,
        load_at_mount: None,
        hook: None,
    }
}

/// The properties the driver can judge on the real client as a run goes
/// (`conformance/monitors.mjs` says how, and why the others are not).
pub const MONITORABLE: [&str; 5] = ["flash", "zombie", "unhandled", "lost", "storm"];

/// The properties of `check` that the driver watches on the real client: those
/// the check expects to hold that [`MONITORABLE`] names.
pub fn monitored(check: &crate::check::CheckFile) -> Vec<&'static str> {
    MONITORABLE
        .into_iter()
        .filter(|p| check.expect.get(*p) == Some(&crate::check::Expected::Holds))
        .collect()
}

/// The facts of the world after a model step that the real-side monitors need:
/// who is signed in at the IdP, how many changes of user it has taken so far,
/// whether the app has been told of the latest, and whether the network has
/// dropped (`conformance/monitors.mjs`).
fn world_facts(state: &SystemState, user_changes: u32) -> WorldFacts {
    let v = View::of(state);
    WorldFacts {
        session: v.token_provider.idp.store.session.map(subject),
        session_ended: v.token_provider.idp.store.ended_at_idp,
        user_changes,
        user_change: match v.history.user_change {
            crate::history::UserChangeNews::Settled => UserChange::Settled,
            crate::history::UserChangeNews::Unseen => UserChange::Unseen,
            crate::history::UserChangeNews::Told => UserChange::Told,
        },
        network_dropped: v.history.network_dropped,
    }
}

/// Builds the replay plan of `path`, or says why it cannot be replayed.
pub fn plan(model: &AuthModel, path: &IndexPath) -> Result<ReplayPlan, String> {
    plan_monitored(model, path, &[])
}

/// Builds the replay plan of `path` with the driver watching `monitors` (slugs of
/// [`MONITORABLE`]) on the real client, or says why it cannot be replayed.
pub fn plan_monitored(
    model: &AuthModel,
    path: &IndexPath,
    monitors: &[&str],
) -> Result<ReplayPlan, String> {
    let walk = Walk::of(model, path).ok_or("the path does not replay on this model")?;
    plan_walk(model, &walk, monitors)
}

/// Builds the replay plan of a counterexample's walk (the one its reports were
/// rendered from) with the driver watching `monitors`, or says why it cannot be
/// replayed.
pub fn plan_walk(model: &AuthModel, walk: &Walk, monitors: &[&str]) -> Result<ReplayPlan, String> {
    let scenario = model.scenario();
    check_replayable(scenario)?;
    let real_sdk = adapter_code(scenario).filter(|c| c.runs_real_sdk());
    let absolute = model.absolute();
    let mut states = walk.states_and_actions();
    if real_sdk.is_some() {
        // The real SDK settles a call in the macrotask of the call or of the
        // response: a path that stops before that answer is completed with the
        // steps the model cannot but take.
        while states.last().is_some_and(|(s, _)| call_unanswered(s)) {
            let last = states.last().expect("not empty").0.clone();
            let mut actions = Vec::new();
            absolute.actions(&last, &mut actions);
            let [only] = actions.as_slice() else { break };
            let Some(next) = absolute.next_state(&last, only.clone()) else {
                break;
            };
            states.last_mut().expect("not empty").1 = Some(only.clone());
            states.push((next, None));
        }
    }
    let tick = scenario.tick_ms();
    let mut tokens = BTreeMap::new();
    let mut all_steps: Vec<Step> = Vec::new();
    let mut planned = vec![PlannedStep {
        trace_step: 0,
        event: "mount".into(),
        driver_steps: 0,
        expect: expectation(
            None,
            &states[0].0,
            View::of(&states[0].0).history.unhandled_rejection,
        ),
    }];
    let fetches = FetchOrder::of(&states);
    let mut user_changes = 0;
    for (i, window) in states.windows(2).enumerate() {
        let (before, action) = &window[0];
        let Some(action) = action else { continue };
        let event = Event::of(before, action);
        let after = &window[1].0;
        if matches!(
            event,
            Event::SignOutReachesIdp
                | Event::SignInReachesIdp { .. }
                | Event::AccountSwitchReachesIdp { .. }
        ) {
            user_changes += 1;
        }
        if real_sdk.is_some() && settles_at_once(action) {
            // The real SDK settled the fetch in the macrotask of the call or of the
            // response: the step that made the call, or answered the request,
            // already shows what this one does.
            let merged = planned.last_mut().expect("the mount comes first");
            merged.expect = merged.expect.followed_by(expectation(
                Some(before),
                after,
                escaped_in_step(model, before, action),
            ));
            continue;
        }
        let ops = match real_sdk {
            Some(code) => real_sdk_steps(code, &event, before, after, tick, &fetches, scenario)?,
            None => {
                let view = View::of(before);
                driver_steps(&event, view.tab, view.server.provider, tick, &fetches)
            }
        };
        debug_assert!(
            real_sdk.is_some() || drives_as_declared(&event, &ops),
            "{event:?}: {ops:?}"
        );
        // The world after the step, for the monitors.
        let env = (!monitors.is_empty()).then(|| world_facts(after, user_changes));
        // The moment the model's IdP has seen: the token store tests a token's
        // expiry as of then (the model's IdP sees each tick in a step of its own).
        let idp_now_ms = real_sdk
            .is_some_and(AdapterCode::over_token_store)
            .then(|| u64::from(View::of(after).token_provider.idp.now) * tick);
        let steps: Vec<Step> = ops
            .into_iter()
            .map(|op| Step {
                op,
                env: env.clone(),
                idp_now_ms,
            })
            .collect();
        if steps.is_empty() {
            continue;
        }
        if real_sdk.is_some() {
            // The tokens the real SDK is handed.
            if let Some(t) = View::of(after).token_provider.idp.store.cached {
                tokens.insert(token_name(&t), token_times(&t, tick, real_sdk));
            }
        }
        if let Event::TokenFetched {
            result: FetchResult::Token(t),
            ..
        } = event
        {
            tokens.insert(token_name(&t), token_times(&t, tick, real_sdk));
        }
        planned.push(PlannedStep {
            trace_step: i + 1,
            event: crate::trace::in_words(&event).1,
            driver_steps: steps.len(),
            expect: expectation(
                Some(before),
                &window[1].0,
                escaped_in_step(model, before, action),
            ),
        });
        all_steps.extend(steps);
    }
    // Tokens the client may be handed before any appears in a fetch.
    if let Some(t) = View::of(&states[0].0).token_provider.idp.store.cached {
        tokens
            .entry(token_name(&t))
            .or_insert(token_times(&t, tick, real_sdk));
    }
    let mut script = script(scenario, tokens, all_steps);
    if !monitors.is_empty() {
        script.monitors = Some(Monitors {
            properties: monitors.iter().map(|p| p.to_string()).collect(),
            storm_bound: scenario.bounds.storm_bound,
            mount_env: world_facts(&states[0].0, 0),
        });
    }
    if let Some(code) = real_sdk {
        let idp = &View::of(&states[0].0).token_provider.idp;
        if code.is_authkit() {
            script.workos_session = Some(scenario.app.page_load.signed_in());
        }
        // A page that comes with its session: the real SDK loads it during the mount
        // (at time 0, when the model's first token was minted).
        if !idp.loading && code != AdapterCode::BetterAuth {
            script.load_at_mount = Some(load_op(
                code,
                SdkToken {
                    token: idp.store.cached.map(|t| token_name(&t)),
                    at_ms: None,
                },
            ));
        }
    }
    Ok(ReplayPlan {
        script,
        steps: planned,
    })
}

/// The adapter code the replays of this check run: the row's real code where the
/// driver can play every event the check's world has through it, otherwise None
/// (the fake adapter).
pub fn adapter_code(scenario: &Scenario) -> Option<AdapterCode> {
    let code = scenario.adapter_spec().replay_code?;
    if !code.runs_real_sdk() {
        return Some(code);
    }
    let package = scenario.npm_package();
    // The SDKs' adapters import convex 1.49.0 themselves: an older release's
    // (or the proposal's patched) hooks cannot see the provider they render.
    // The framework hooks' bundles import the run's convex
    // (conformance/authkit-server-actions.mjs), the proposal's among them.
    let runs_there = package == ClientRelease::V1_49_0.npm_package()
        || (code.over_token_store() && package == crate::config::PROPOSAL_PACKAGE);
    if !runs_there {
        return None;
    }
    let f = &scenario.faults;
    let b = &scenario.bounds;
    let tick = scenario.tick_ms();
    let unplayable = f.fetch_hangs > 0
        || f.sign_outs > 0
        || f.sign_ins > 0
        || f.account_switches > 0
        || f.session_switches > 0
        || f.idp_outages > 0
        // The end of a session is the IdP's alone: the harness plays it at
        // WorkOS's HTTP boundary and in the app's server functions, not in the
        // other SDKs' servers.
        || (f.session_ends > 0 && !code.is_authkit() && !code.over_token_store())
        // A lock wait times out before any request, but the harness has
        // queued the request by the time the model says how it ends.
        || (f.refresh_failures > 0 && f.failure_kind == FailureKind::LockTimeout)
        // The harness has the SDK version the row names, not another one.
        || scenario.runs_over_another_sdk()
        || scenario.app.auth_by == AuthBy::App
        // The real SDKs render loading first and load the session after the
        // mount: a page whose provider mounts signed in, its effects run twice
        // by StrictMode, is not one they can show (Better Auth's session is the
        // driver's).
        || (scenario.app.strict_mode
            && !scenario.app.page_load.starts_loading()
            && code != AdapterCode::BetterAuth)
        // authkit-js refreshes a token 10 s before it expires: one tick.
        || (code.is_authkit() && u64::from(b.idp_refresh_buffer) * tick != 10_000)
        // authkit-nextjs's and TanStack Start's token stores: a token of 5
        // minutes or less is "expiring" 30 s before its expiry.
        || (code.over_token_store()
            && (u64::from(b.idp_refresh_buffer) * tick != 30_000
                || u64::from(b.token_lifetime) * tick > 300_000));
    (!unplayable).then_some(code)
}

/// Whether a `fetchAccessToken` call is on its way to the adapter, or an answer
/// that settles at once on its way back.
fn call_unanswered(state: &SystemState) -> bool {
    in_flight(state).into_iter().any(|(_, _, m)| {
        matches!(
            m,
            Msg::FetchToken { .. }
                | Msg::TokenFetched {
                    settles: Settles::InTheCall | Settles::InTheResponse,
                    ..
                }
        )
    })
}

/// Whether the step delivers an answer that settles the fetch in the macrotask of
/// the call (the SDK answered from memory) or of the IdP's response.
fn settles_at_once(action: &SystemAction) -> bool {
    matches!(
        action,
        ActorModelAction::Deliver {
            msg: Msg::TokenFetched {
                settles: Settles::InTheCall | Settles::InTheResponse,
                ..
            },
            ..
        }
    )
}

#[cfg(test)]
mod replayable_tests {
    use super::*;

    /// A world the harness cannot drive is refused before anything runs, with
    /// the reason, never left to the driver (where it would read as a divergence).
    #[test]
    fn an_app_held_client_with_a_toggled_view_is_not_replayable() {
        let mut scenario = Scenario::default();
        scenario.app.auth_by = AuthBy::App;
        scenario.app.set_auth_calls = 1;
        scenario.app.query_toggles = 1;
        let why = check_replayable(&scenario).unwrap_err();
        assert!(why.contains("without React"), "{why}");
        scenario.app.query_toggles = 0;
        assert_eq!(check_replayable(&scenario), Ok(()));
        scenario.app.auth_by = AuthBy::Provider;
        scenario.app.set_auth_calls = 0;
        scenario.app.query_toggles = 1;
        assert_eq!(check_replayable(&scenario), Ok(()));
    }
}
