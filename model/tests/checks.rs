//! Every check file's verdicts, pinned state counts, and the story the #259
//! counterexample tells.

use std::path::{Path, PathBuf};

use convex_auth_model::adapters::{CustomAdapter, CustomError, CustomSdk};
use convex_auth_model::check::{self, CheckFile, CheckResult};
use convex_auth_model::engine::{Limits, Verdict};
use convex_auth_model::model;
use convex_auth_model::trace;

/// mimalloc, as the CLI has (src/main.rs): exploring clones and frees millions
/// of small states, and glibc's allocator spends much of that time in malloc
/// and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Each world is explored once per test run and shared by every test.
fn explore(check: &convex_auth_model::check::CheckFile) -> convex_auth_model::check::CheckResult {
    convex_auth_model::check::cache::run_shared(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
        check,
    )
}

fn checks_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../checks")
}

fn load(name: &str) -> CheckFile {
    CheckFile::load(&checks_dir().join(format!("{name}.toml"))).expect("check file loads")
}

fn run(name: &str) -> (CheckFile, CheckResult) {
    let check = load(name);
    let result = explore(&check);
    assert!(result.complete, "{name}: exploration must complete");
    (check, result)
}

fn assert_verdicts_match(name: &str) {
    let (_, result) = run(name);
    let wrong: Vec<String> = result
        .properties
        .iter()
        .filter(|p| !p.matches())
        .map(|p| {
            format!(
                "{}: expected {}, got {}",
                p.slug,
                p.expected.name(),
                p.verdict.name()
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{name}: {wrong:?}");
}

#[test]
fn every_check_file_in_checks_is_tested_here() {
    let mut names: Vec<String> = std::fs::read_dir(checks_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        // The bug catalogue's checks are tested in tests/catalogue.rs.
        .filter(|n| !n.starts_with("bug-"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "account-switch-workos-0.0.3",
            "action-lost-to-expiry",
            "app-sets-auth-twice",
            "auth0-transient-failure",
            "authkit-nextjs-wake-fix-transient-failure",
            "better-auth-transient-failure",
            "clerk-convex-integration-transient-failure",
            "clerk-offline",
            "clerk-org-switch",
            "clerk-transient-failure",
            "convex-auth-transient-failure",
            "docs-custom-transient-failure",
            "effects-after-paint-sign-out",
            "expect-auth-signed-out-visitor",
            "fetch-hang-never-settles",
            "happy-path",
            "issue-259-authkit-expiry",
            "issue-259-without-idp-failure",
            "mutation-at-any-time",
            "nextjs-preloaded-query",
            "nextjs-preloaded-query-2025",
            "page-load-expect-auth",
            "page-load-hidden-tab-identical-token",
            "page-load-queries-without-identity",
            "proposal-keep-trying-account-switch",
            "proposal-keep-trying-nextjs-socket-drop",
            "proposal-keep-trying-prolonged-outage",
            "proposal-keep-trying-rejection",
            "proposal-keep-trying-socket-drop",
            "proposal-keep-trying-tanstack-socket-drop",
            "proposal-keep-trying-transient-failure",
            "query-mount-unmount",
            "recommended-authkit-nextjs-hidden-tab",
            "recommended-authkit-nextjs-http-5xx",
            "recommended-authkit-nextjs-http-5xx-on-authkit-nextjs-2.11.1",
            "recommended-authkit-nextjs-prolonged-outage",
            "recommended-authkit-nextjs-refresh-failures",
            "recommended-authkit-nextjs-session-ended",
            "recommended-tanstack-start-hidden-tab",
            "recommended-tanstack-start-http-5xx",
            "recommended-tanstack-start-prolonged-outage",
            "recommended-tanstack-start-refresh-failures",
            "recommended-tanstack-start-session-ended",
            "recommended-workos-authkit-expiry",
            "recommended-workos-http-5xx",
            "recommended-workos-http-5xx-on-authkit-js-0.20.0",
            "recommended-workos-prolonged-outage",
            "recommended-workos-session-ended",
            "server-clock-ahead-of-idp",
            "server-clock-behind-idp",
            "server-key-rotation",
            "server-wrong-audience",
            "session-switch-docs-custom",
            "sign-in-after-mount",
            "signed-out-mid-refresh",
            "strict-mode-remount",
            "tanstack-start-2025-expiry",
            "tanstack-start-transient-failure",
            "workos-0.0.3-authkit-expiry",
            "workos-0.0.3-identical-token",
            "workos-0.0.3-identical-token-older-backend",
            "workos-pr529-cd91e8a-transient-failure",
            "workos-pr529-older-backend",
            "workos-pr529-prolonged-outage",
            "workos-pr529-transient-failure",
        ]
    );
}

#[test]
fn check_account_switch_workos_0_0_3() {
    assert_verdicts_match("account-switch-workos-0.0.3");
}

#[test]
fn check_expect_auth_signed_out_visitor() {
    assert_verdicts_match("expect-auth-signed-out-visitor");
}

#[test]
fn check_page_load_expect_auth() {
    assert_verdicts_match("page-load-expect-auth");
}

#[test]
fn check_page_load_hidden_tab_identical_token() {
    assert_verdicts_match("page-load-hidden-tab-identical-token");
}

#[test]
fn check_page_load_queries_without_identity() {
    assert_verdicts_match("page-load-queries-without-identity");
}

#[test]
fn check_session_switch_docs_custom() {
    assert_verdicts_match("session-switch-docs-custom");
}

#[test]
fn check_sign_in_after_mount() {
    assert_verdicts_match("sign-in-after-mount");
}

#[test]
fn check_workos_pr529_prolonged_outage() {
    assert_verdicts_match("workos-pr529-prolonged-outage");
}

#[test]
fn check_recommended_workos_prolonged_outage() {
    assert_verdicts_match("recommended-workos-prolonged-outage");
}

#[test]
fn check_recommended_authkit_nextjs_prolonged_outage() {
    assert_verdicts_match("recommended-authkit-nextjs-prolonged-outage");
}

#[test]
fn check_recommended_authkit_nextjs_refresh_failures() {
    assert_verdicts_match("recommended-authkit-nextjs-refresh-failures");
}

#[test]
fn check_clerk_convex_integration_transient_failure() {
    assert_verdicts_match("clerk-convex-integration-transient-failure");
}

#[test]
fn check_recommended_workos_session_ended() {
    assert_verdicts_match("recommended-workos-session-ended");
}

#[test]
fn check_recommended_authkit_nextjs_session_ended() {
    assert_verdicts_match("recommended-authkit-nextjs-session-ended");
}

#[test]
fn check_recommended_authkit_nextjs_http_5xx() {
    assert_verdicts_match("recommended-authkit-nextjs-http-5xx");
}

#[test]
fn check_recommended_authkit_nextjs_http_5xx_on_authkit_nextjs_2_11_1() {
    assert_verdicts_match("recommended-authkit-nextjs-http-5xx-on-authkit-nextjs-2.11.1");
}

#[test]
fn check_recommended_tanstack_start_session_ended() {
    assert_verdicts_match("recommended-tanstack-start-session-ended");
}

#[test]
fn check_clerk_offline() {
    assert_verdicts_match("clerk-offline");
}

#[test]
fn check_recommended_workos_http_5xx() {
    assert_verdicts_match("recommended-workos-http-5xx");
}

#[test]
fn check_recommended_workos_http_5xx_on_authkit_js_0_20_0() {
    assert_verdicts_match("recommended-workos-http-5xx-on-authkit-js-0.20.0");
}

#[test]
fn check_recommended_tanstack_start_http_5xx() {
    assert_verdicts_match("recommended-tanstack-start-http-5xx");
}

/// Each recommended hook, in each of its checks' worlds where refreshes fail
/// (failed refreshes, an outage), holds every property under every kind of
/// failure its SDK can produce, each kind alone; the sanity properties stay
/// reachable.
#[test]
fn the_recommended_hooks_hold_under_every_failure_kind_their_sdk_produces() {
    use convex_auth_model::adapters::Adapter;
    use convex_auth_model::sdks::{FailureEffect, FailureKind};
    let mut checked = Vec::new();
    for path in check::files_in(&checks_dir()).unwrap() {
        let world = CheckFile::load(&path).unwrap();
        let s = &world.scenario;
        let recommended = matches!(
            s.adapter,
            Adapter::RecommendedWorkOs
                | Adapter::RecommendedAuthkitNextjs
                | Adapter::RecommendedTanstackStart
        );
        if !recommended
            || s.sdk.is_some()
            || s.switches.proposal_keep_trying == Some(true)
            || (s.faults.refresh_failures == 0 && s.faults.idp_outages == 0)
        {
            continue;
        }
        let sdk = s.sdk_spec();
        for kind in FailureKind::ALL {
            if !kind.is_of_one_refresh()
                || matches!(sdk.failures.effect(kind), FailureEffect::NotProduced(_))
            {
                continue;
            }
            let mut check = world.clone();
            check.scenario.faults.failure_kind = kind;
            let result = explore(&check);
            assert!(result.complete, "{} with {kind}", world.name);
            for p in &result.properties {
                assert_eq!(
                    p.verdict,
                    Verdict::Holds,
                    "{} with {kind}: {}",
                    world.name,
                    p.slug
                );
            }
            checked.push(format!("{} {kind}", world.name));
        }
    }
    // Every recommended row, in a world of failed refreshes and in an outage.
    for world in [
        "recommended-workos-authkit-expiry http-5xx",
        "recommended-workos-prolonged-outage lock-timeout",
        "recommended-authkit-nextjs-refresh-failures http-429",
        "recommended-authkit-nextjs-prolonged-outage http-408",
        "recommended-tanstack-start-refresh-failures http-5xx",
        "recommended-tanstack-start-prolonged-outage offline",
    ] {
        assert!(
            checked.iter().any(|c| c == world),
            "{world} not checked: {checked:#?}"
        );
    }
}

/// Every world of the suite where a template hook (the Next.js template's,
/// with or without the wake fix; the TanStack Start template's, of November
/// 2025 or since) is stuck is one where that template's recommended hook
/// recovers, and more: with the recommended hook every property holds there
/// and every sanity property is reached. The worlds are the check files
/// themselves, only the adapter swapped.
#[test]
fn the_recommended_hooks_recover_where_the_templates_are_stuck() {
    use convex_auth_model::adapters::Adapter;
    let recommended = |a: Adapter| match a {
        Adapter::AuthkitNextjs | Adapter::AuthkitNextjsWakeFix => {
            Some(Adapter::RecommendedAuthkitNextjs)
        }
        Adapter::TanstackStart | Adapter::TanstackStart2025 => {
            Some(Adapter::RecommendedTanstackStart)
        }
        _ => None,
    };
    let mut recovered = Vec::new();
    for path in check::files_in(&checks_dir()).unwrap() {
        let template = CheckFile::load(&path).unwrap();
        let Some(fix) = recommended(template.scenario.adapter) else {
            continue;
        };
        let verdicts = |c: &CheckFile| -> Vec<(&'static str, Verdict)> {
            let result = explore(c);
            result
                .properties
                .iter()
                .map(|p| (p.slug, p.verdict))
                .collect()
        };
        let before = verdicts(&template);
        if before[0] != ("stuck", Verdict::Violated) {
            continue;
        }
        let mut fixed = template.clone();
        fixed.scenario.adapter = fix;
        for (slug, verdict) in verdicts(&fixed) {
            assert_eq!(
                verdict,
                Verdict::Holds,
                "{} with {}: {slug}",
                template.name,
                fix.name()
            );
        }
        recovered.push(template.name.clone());
    }
    recovered.sort();
    assert_eq!(
        recovered,
        [
            "authkit-nextjs-wake-fix-transient-failure",
            "bug-28-workos-wake-network-error",
            "bug-29-authkit-nextjs-permanent-unauth",
            "bug-30-authkit-flash-on-refocus",
            "issue-259-authkit-expiry",
            "tanstack-start-2025-expiry",
            "tanstack-start-transient-failure",
        ]
    );
}

#[test]
fn check_recommended_authkit_nextjs_hidden_tab() {
    assert_verdicts_match("recommended-authkit-nextjs-hidden-tab");
}

#[test]
fn check_recommended_tanstack_start_hidden_tab() {
    assert_verdicts_match("recommended-tanstack-start-hidden-tab");
}

#[test]
fn check_recommended_tanstack_start_refresh_failures() {
    assert_verdicts_match("recommended-tanstack-start-refresh-failures");
}

#[test]
fn check_recommended_tanstack_start_prolonged_outage() {
    assert_verdicts_match("recommended-tanstack-start-prolonged-outage");
}

/// The recommended hook's one change to PR #529, retries with a backoff that
/// reaches a tick instead of null after three quick attempts, is what holds
/// through the outage: PR #529's row on the same check is stuck.
#[test]
fn backoff_is_what_recovers_from_the_prolonged_outage() {
    use convex_auth_model::adapters::Adapter;
    let (recommended, result) = run("recommended-workos-prolonged-outage");
    assert!(result
        .properties
        .iter()
        .all(|p| p.verdict == Verdict::Holds));
    let mut pr529 = recommended.clone();
    pr529.scenario.adapter = Adapter::WorkOsPr529;
    let stuck = explore(&pr529).properties[0].clone();
    assert_eq!((stuck.slug, stuck.verdict), ("stuck", Verdict::Violated));
    // The same hook written as a custom adapter is the row: same states.
    let mut custom = recommended.clone();
    custom.scenario.adapter = Adapter::Custom;
    custom.scenario.custom_adapter = Some(CustomAdapter {
        transient_error: CustomError::Backoff,
        retry_attempts: 2,
        retry_waits: true,
        fetcher_follows_session: false,
        ..template_hook(CustomSdk::AuthkitJs)
    });
    let custom_result = explore(&custom);
    assert_eq!(custom_result.unique_states, result.unique_states);
    assert!(custom_result
        .properties
        .iter()
        .all(|p| p.verdict == Verdict::Holds));
}

#[test]
fn check_proposal_keep_trying_transient_failure() {
    assert_verdicts_match("proposal-keep-trying-transient-failure");
}

#[test]
fn check_proposal_keep_trying_rejection() {
    assert_verdicts_match("proposal-keep-trying-rejection");
}

#[test]
fn check_proposal_keep_trying_prolonged_outage() {
    assert_verdicts_match("proposal-keep-trying-prolonged-outage");
}

#[test]
fn check_proposal_keep_trying_account_switch() {
    assert_verdicts_match("proposal-keep-trying-account-switch");
}

/// The proposal is what removes the dead end: each proposal check run on
/// convex 1.49.0 as published (the switch off) violates the property named
/// here, and with the switch on STUCK, WEDGE, UNHANDLED and that property hold.
#[test]
fn the_proposal_is_what_removes_the_dead_end() {
    for (name, on_1_49_0) in [
        ("proposal-keep-trying-transient-failure", "stuck"),
        ("proposal-keep-trying-rejection", "stuck"),
        ("proposal-keep-trying-prolonged-outage", "stuck"),
        ("proposal-keep-trying-account-switch", "stuck"),
        ("proposal-keep-trying-socket-drop", "unauth-q"),
        ("proposal-keep-trying-nextjs-socket-drop", "unauth-q"),
        ("proposal-keep-trying-tanstack-socket-drop", "unauth-q"),
    ] {
        let (proposal, result) = run(name);
        let verdict = |r: &check::CheckResult, slug: &str| {
            r.properties
                .iter()
                .find(|p| p.slug == slug)
                .unwrap()
                .verdict
        };
        for slug in ["stuck", "wedge", "unhandled", on_1_49_0] {
            assert_eq!(verdict(&result, slug), Verdict::Holds, "{name}: {slug}");
        }
        let mut published = proposal.clone();
        published.scenario.switches.proposal_keep_trying = None;
        let before = explore(&published);
        assert_eq!(
            verdict(&before, on_1_49_0),
            Verdict::Violated,
            "{name} on 1.49.0"
        );
    }
}

#[test]
fn check_proposal_keep_trying_socket_drop() {
    assert_verdicts_match("proposal-keep-trying-socket-drop");
}

#[test]
fn check_proposal_keep_trying_nextjs_socket_drop() {
    assert_verdicts_match("proposal-keep-trying-nextjs-socket-drop");
}

#[test]
fn check_proposal_keep_trying_tanstack_socket_drop() {
    assert_verdicts_match("proposal-keep-trying-tanstack-socket-drop");
}

#[test]
fn check_recommended_workos_authkit_expiry() {
    assert_verdicts_match("recommended-workos-authkit-expiry");
}

/// Wherever `@convex-dev/workos` 0.0.3 is stuck on convex 1.49.0, the
/// recommended hook (the same world, the adapter swapped) recovers: in every run,
/// the counterexamples' among them, the user is authenticated again once the
/// faults stop. Three worlds stay stuck for reasons no hook reaches, each
/// named: the client's, as the README's matrix says.
#[test]
fn the_recommended_workos_hook_recovers_where_the_package_is_stuck() {
    use convex_auth_model::adapters::Adapter;
    let stays_stuck = [
        // The switch's setAuth can land while tryToReauthenticate has stopped
        // the socket (the client; the proposal's third change).
        "account-switch-workos-0.0.3",
        // The app calls setAuth itself, twice: no hook is involved.
        "app-sets-auth-twice",
        // The client awaits a fetch that never settles, with no timeout.
        "fetch-hang-never-settles",
    ];
    let mut recovered = 0;
    for path in check::files_in(&checks_dir()).unwrap() {
        let package = CheckFile::load(&path).unwrap();
        if package.scenario.adapter != Adapter::WorkOs003 {
            continue;
        }
        let stuck = |c: &CheckFile| explore(c).properties[0].verdict;
        if stuck(&package) != Verdict::Violated {
            continue;
        }
        let mut fixed = package.clone();
        fixed.scenario.adapter = Adapter::RecommendedWorkOs;
        let expected = if stays_stuck.contains(&package.name.as_str()) {
            Verdict::Violated
        } else {
            recovered += 1;
            Verdict::Holds
        };
        assert_eq!(
            stuck(&fixed),
            expected,
            "{} with the recommended hook",
            package.name
        );
    }
    assert!(recovered >= 8, "{recovered} worlds recovered");
}

#[test]
fn check_server_clock_ahead_of_idp() {
    assert_verdicts_match("server-clock-ahead-of-idp");
}

#[test]
fn check_server_clock_behind_idp() {
    assert_verdicts_match("server-clock-behind-idp");
}

#[test]
fn check_server_wrong_audience() {
    assert_verdicts_match("server-wrong-audience");
}

/// The rotated key is what signs the user out: the same world with a server
/// that accepts every unexpired token holds STUCK. And the client proposal
/// does not rescue it: it keeps convex 1.49.0's give-up after a fresh token is
/// rejected twice more.
#[test]
fn a_rotated_signing_key_signs_the_user_out_with_or_without_the_proposal() {
    use convex_auth_model::config::TokenRejection;
    assert_verdicts_match("server-key-rotation");
    let stuck = |c: &CheckFile| explore(c).properties[0].verdict;
    let rotated = load("server-key-rotation");
    assert_eq!(stuck(&rotated), Verdict::Violated);
    let mut accepted = rotated.clone();
    accepted.scenario.faults.token_rejection = TokenRejection::None;
    assert_eq!(stuck(&accepted), Verdict::Holds);
    let mut proposal = rotated.clone();
    proposal.scenario.switches.proposal_keep_trying = Some(true);
    assert_eq!(stuck(&proposal), Verdict::Violated);
}

#[test]
fn check_strict_mode_remount() {
    assert_verdicts_match("strict-mode-remount");
}

#[test]
fn check_action_lost_to_expiry() {
    assert_verdicts_match("action-lost-to-expiry");
}

#[test]
fn check_mutation_at_any_time() {
    assert_verdicts_match("mutation-at-any-time");
}

#[test]
fn check_query_mount_unmount() {
    assert_verdicts_match("query-mount-unmount");
}

#[test]
fn check_app_sets_auth_twice() {
    assert_verdicts_match("app-sets-auth-twice");
}

#[test]
fn check_effects_after_paint_sign_out() {
    assert_verdicts_match("effects-after-paint-sign-out");
}

#[test]
fn check_docs_custom_transient_failure() {
    assert_verdicts_match("docs-custom-transient-failure");
}

#[test]
fn check_fetch_hang_never_settles() {
    assert_verdicts_match("fetch-hang-never-settles");
}

#[test]
fn check_happy_path() {
    assert_verdicts_match("happy-path");
}

#[test]
fn check_workos_0_0_3_authkit_expiry() {
    assert_verdicts_match("workos-0.0.3-authkit-expiry");
}

#[test]
fn check_issue_259_authkit_expiry() {
    assert_verdicts_match("issue-259-authkit-expiry");
}

#[test]
fn check_issue_259_without_idp_failure() {
    assert_verdicts_match("issue-259-without-idp-failure");
}

#[test]
fn check_authkit_nextjs_wake_fix_transient_failure() {
    assert_verdicts_match("authkit-nextjs-wake-fix-transient-failure");
}

#[test]
fn check_nextjs_preloaded_query_2025() {
    assert_verdicts_match("nextjs-preloaded-query-2025");
}

#[test]
fn check_nextjs_preloaded_query() {
    assert_verdicts_match("nextjs-preloaded-query");
}

/// usePreloadedQuery subscribes exactly as useQuery does: the flag changes the
/// reports, not the states or the verdicts; the report says what the user sees.
#[test]
fn a_preloaded_query_is_a_plain_query_to_the_protocol() {
    let (preloaded, with_flag) = run("nextjs-preloaded-query-2025");
    let mut plain = preloaded.clone();
    plain.scenario.app.preloaded_query = false;
    let without = explore(&plain);
    assert_eq!(with_flag.unique_states, without.unique_states);
    for (a, b) in with_flag.properties.iter().zip(&without.properties) {
        assert_eq!((a.verdict, a.depth), (b.verdict, b.depth), "{}", a.slug);
    }
    let (t, events) = trace_of("nextjs-preloaded-query-2025", "unauth-q");
    assert!(
        events.iter().all(|e| !e.contains("Authenticate")),
        "{events:#?}"
    );
    let m = model::build(&preloaded.scenario);
    let p = with_flag
        .properties
        .iter()
        .find(|p| p.slug == "unauth-q")
        .unwrap();
    let walk = trace::Walk::of(&m, p.path.as_ref().unwrap()).unwrap();
    let md = convex_auth_model::trace::narrative::markdown(
        &walk,
        m.scenario(),
        &preloaded.name,
        "",
        p,
        "checks/nextjs-preloaded-query-2025.toml",
        "",
    )
    .unwrap();
    assert!(
        md.contains("in place of the value the server rendered"),
        "{md}"
    );
    assert_eq!(t.violation_at, Some(3));
}

#[test]
fn check_tanstack_start_2025_expiry() {
    assert_verdicts_match("tanstack-start-2025-expiry");
}

#[test]
fn check_tanstack_start_transient_failure() {
    assert_verdicts_match("tanstack-start-transient-failure");
}

#[test]
fn check_signed_out_mid_refresh() {
    assert_verdicts_match("signed-out-mid-refresh");
}

#[test]
fn check_workos_0_0_3_identical_token() {
    assert_verdicts_match("workos-0.0.3-identical-token");
}

#[test]
fn check_workos_0_0_3_identical_token_older_backend() {
    assert_verdicts_match("workos-0.0.3-identical-token-older-backend");
}

#[test]
fn check_workos_pr529_older_backend() {
    assert_verdicts_match("workos-pr529-older-backend");
}

/// Against a backend that leaves authUpdateAttempted out, the identical-token dead
/// end is reached sooner: the expiry error is no longer ignored while a token
/// awaits confirmation. (STUCK's shortest lasso is the same quiet stop on both.)
#[test]
fn an_older_backend_shortens_the_identical_token_dead_end() {
    let depth = |name: &str, slug: &str| {
        let (_, r) = run(name);
        r.properties.iter().find(|p| p.slug == slug).unwrap().depth
    };
    assert_eq!(depth("workos-0.0.3-identical-token", "flash"), Some(42));
    assert_eq!(
        depth("workos-0.0.3-identical-token-older-backend", "flash"),
        Some(36)
    );
    assert_eq!(
        depth("workos-0.0.3-identical-token", "stuck"),
        depth("workos-0.0.3-identical-token-older-backend", "stuck")
    );
}

#[test]
fn check_auth0_transient_failure() {
    assert_verdicts_match("auth0-transient-failure");
}

#[test]
fn check_better_auth_transient_failure() {
    assert_verdicts_match("better-auth-transient-failure");
}

#[test]
fn check_convex_auth_transient_failure() {
    assert_verdicts_match("convex-auth-transient-failure");
}

#[test]
fn check_clerk_transient_failure() {
    assert_verdicts_match("clerk-transient-failure");
}

#[test]
fn check_clerk_org_switch() {
    assert_verdicts_match("clerk-org-switch");
}

#[test]
fn check_workos_pr529_cd91e8a_transient_failure() {
    assert_verdicts_match("workos-pr529-cd91e8a-transient-failure");
}

#[test]
fn check_workos_pr529_transient_failure() {
    assert_verdicts_match("workos-pr529-transient-failure");
}

/// Regression numbers: a change to the model that changes these must be deliberate.
#[test]
fn pinned_state_counts() {
    let (_, happy) = run("happy-path");
    assert_eq!((happy.unique_states, happy.total_states), (11263, 24814));
    let (_, workos_003) = run("workos-0.0.3-authkit-expiry");
    assert_eq!(
        (workos_003.unique_states, workos_003.total_states),
        (1887, 3037)
    );
    let (_, issue_259) = run("issue-259-authkit-expiry");
    assert_eq!(
        (issue_259.unique_states, issue_259.total_states),
        (8300, 13545)
    );
    // The default page load: the adapter starts loading, then signs in.
    let (_, page_load) = run("page-load-queries-without-identity");
    assert_eq!(
        (page_load.unique_states, page_load.total_states),
        (11092, 17612)
    );
}

/// The trace of one property's counterexample in a check, with its steps as
/// "actor: event" lines.
fn trace_of(name: &str, slug: &str) -> (trace::Trace, Vec<String>) {
    let (check, result) = run(name);
    let p = result.properties.iter().find(|p| p.slug == slug).unwrap();
    assert_eq!(p.verdict, Verdict::Violated, "{name} {slug}");
    let m = model::build(&check.scenario);
    let walk = trace::Walk::of(&m, p.path.as_ref().unwrap()).expect("the path replays");
    let t = trace::build(&check.name, m.scenario(), &walk, p);
    assert_eq!(t.violation_at, p.depth);
    assert_eq!(t.loop_start, p.loop_start);
    let events = t
        .steps
        .iter()
        .map(|s| format!("{}: {}", s.actor, s.event))
        .collect();
    (t, events)
}

/// The first step at or after `from` whose line contains `needle`.
fn position(events: &[String], needle: &str, from: usize) -> usize {
    from + events[from..]
        .iter()
        .position(|e| e.contains(needle))
        .unwrap_or_else(|| panic!("no step containing {needle:?} after step {from} in {events:#?}"))
}

/// The #259 story on the reporter's integration (the Next.js template hook over
/// authkit-nextjs), as STUCK's lasso: the client's forced refetch reaches
/// refresh(), the Server Action fails once, the hook returns null, the app says
/// signed out, and from then on nothing asks for a token again — while the token
/// store, healthy again, is refreshed by its own retry.
#[test]
fn issue_259_on_authkit_nextjs_needs_one_failed_refresh() {
    let (t, events) = trace_of("issue-259-authkit-expiry", "stuck");
    let forced = position(&events, "forceRefreshToken:true", 0);
    let failed = position(&events, "fails: a network error", forced);
    let null = position(&events, "resolves with null", failed);
    let at_null = &t.steps[null].after;
    assert!(!at_null.use_convex_auth.is_authenticated && !at_null.use_convex_auth.is_loading);
    assert_eq!(at_null.auth_manager, "noAuth");
    assert!(t.loop_start.expect("a lasso") > null);
    assert!(
        !events[null + 1..]
            .iter()
            .any(|e| e.contains("fetchAccessToken")),
        "nothing asks for a token after the null"
    );
    let last = &t.steps.last().unwrap().after;
    assert!(!last.use_convex_auth.is_authenticated);
    assert!(last.idp.starts_with("user A signed in"), "{}", last.idp);
    // Without the failed refresh, the same world has no violation at all.
    let (_, without) = run("issue-259-without-idp-failure");
    assert!(without
        .properties
        .iter()
        .all(|p| p.verdict == Verdict::Holds));
}

/// The #259 story on @convex-dev/workos 0.0.3, as FLASH's counterexample: the
/// expired token meets AuthError, the client forces a fetch, AuthKit's refresh
/// fails once, the adapter returns null and the app drops to signed out.
#[test]
fn workos_0_0_3_flash_trace_tells_the_story() {
    let (t, events) = trace_of("workos-0.0.3-authkit-expiry", "flash");
    let expired = position(&events, "browser: receives AuthError", 0);
    assert!(events[expired].contains("authUpdateAttempted:false"));
    let forced = position(&events, "forceRefreshToken:true", expired);
    let failed = position(&events, "fails: a network error", forced);
    let null = position(&events, "resolves with null", failed);
    let at_null = &t.steps[null].after;
    assert!(!at_null.use_convex_auth.is_authenticated && !at_null.use_convex_auth.is_loading);
    assert_eq!(at_null.auth_manager, "noAuth");
    assert!(at_null.idp.starts_with("user A signed in"));
}

/// … and why it never ends, as STUCK's lasso where the adapter honours
/// forceRefreshToken: after the null nothing fetches a token again, while
/// the SDK, healthy again, holds a fresh token Convex never asks for.
#[test]
fn the_null_after_a_failed_refresh_is_stuck_for_good() {
    let (t, events) = trace_of("docs-custom-transient-failure", "stuck");
    let forced = position(&events, "forceRefreshToken:true", 0);
    let failed = position(&events, "fails: a network error", forced);
    let null = position(&events, "resolves with null", failed);
    assert_eq!(t.steps[null].after.auth_manager, "noAuth");
    let loop_start = t.loop_start.expect("time runs on: a loop");
    assert!(loop_start > null);
    // The SDK is healthy again (the Next.js store's retry after the failure
    // refreshes on its own), and Convex never asks it.
    let healthy = position(&events, "auto-refresh refreshes the token", null);
    assert!(healthy < loop_start);
    assert!(
        !events[null..]
            .iter()
            .any(|e| e.contains("fetchAccessToken")),
        "nothing fetches a token (calls setAuth) after the null"
    );
    let last = &t.steps.last().unwrap().after;
    assert!(last.idp.starts_with("user A signed in, token T"));
    assert!(!last.use_convex_auth.is_authenticated);
}

/// On @convex-dev/workos 0.0.3 STUCK's shortest lasso is quieter still: the
/// forced refetch gets AuthKit's cached token back, the client stops refreshing
/// (notRefetching) while saying authenticated, and the connection's token
/// expires with nothing to replace it.
#[test]
fn workos_0_0_3_stuck_trace_shows_the_client_stop_refreshing() {
    let (t, events) = trace_of("workos-0.0.3-authkit-expiry", "stuck");
    let forced = position(&events, "forceRefreshToken:true", 0);
    let same = position(&events, "resolves with T0", forced);
    assert_eq!(t.steps[same].after.auth_manager, "notRefetching");
    let loop_start = t.loop_start.expect("time runs on: a loop");
    assert!(
        !events[same + 1..]
            .iter()
            .any(|e| e.contains("fetchAccessToken")),
        "the client never asks for a token again"
    );
    let last = &t.steps.last().unwrap().after;
    assert!(last.use_convex_auth.is_authenticated);
    assert!(
        last.server_identity.contains("T0"),
        "{}",
        last.server_identity
    );
    assert!(last.now >= 2, "T0 has expired (exp 2)");
    assert!(events[loop_start..]
        .iter()
        .any(|e| e.contains("time advances one tick")));
}

/// Every violation of the suite replays to a state that violates the property.
#[test]
fn every_counterexample_replays_to_a_violating_state() {
    for file in check::files_in(&checks_dir()).unwrap() {
        let check = CheckFile::load(&file).unwrap();
        let result = explore(&check);
        let m = model::build(&check.scenario);
        for (p, path) in result.violations() {
            let states = path.replay(&m).expect("path replays");
            let at = p.depth.unwrap();
            let def = convex_auth_model::properties::by_slug(p.slug).unwrap();
            if def.kind == convex_auth_model::engine::Kind::Eventually {
                // A lasso: the doomed state is in scope and the run from it never
                // meets the goal.
                let scope = def.scope.unwrap();
                assert!(scope(
                    m.scenario(),
                    &convex_auth_model::view::View::of(&states[at].0)
                ));
                assert!(
                    states[at..].iter().all(|(s, _)| !(def.holds)(
                        m.scenario(),
                        &convex_auth_model::view::View::of(s)
                    )),
                    "{}: {} lasso meets the goal",
                    check.name,
                    p.slug
                );
                continue;
            }
            assert!(
                !(def.holds)(
                    m.scenario(),
                    &convex_auth_model::view::View::of(&states[at].0)
                ),
                "{}: {} trace does not end in a violating state",
                check.name,
                p.slug
            );
        }
    }
}

/// The same counts and the same traces on every run.
#[test]
fn exploration_is_deterministic() {
    // Explored here, not shared: the point is two explorations.
    let check = load("docs-custom-transient-failure");
    let explore_afresh = || {
        let m = model::build(&check.scenario);
        check::run_model(&check, &m, Limits::default(), 1, &mut |_| {})
    };
    let (first, second) = (explore_afresh(), explore_afresh());
    assert_eq!(first.unique_states, second.unique_states);
    assert_eq!(first.total_states, second.total_states);
    for (a, b) in first.properties.iter().zip(&second.properties) {
        assert_eq!(a.path, b.path, "{}", a.slug);
    }
}

/// stateright's own checker, for comparison, misses the #259 liveness violation:
/// its `Eventually` is satisfied by the authenticated state early on every path.
#[test]
fn stateright_engine_misses_the_stuck_client() {
    let check = load("workos-0.0.3-authkit-expiry");
    let result = check::run_with(&check, Limits::default(), check::Engine::Stateright, 1);
    let stuck = result
        .properties
        .iter()
        .find(|p| p.slug == "stuck")
        .unwrap();
    assert_eq!(stuck.verdict, Verdict::Holds);
    assert_eq!(stuck.method, "stateright-bfs");
    let unauth = result
        .properties
        .iter()
        .find(|p| p.slug == "unauth-q")
        .unwrap();
    let (_, native) = run("workos-0.0.3-authkit-expiry");
    let native_unauth = native
        .properties
        .iter()
        .find(|p| p.slug == "unauth-q")
        .unwrap();
    assert_eq!(unauth.verdict, Verdict::Violated);
    assert!(
        unauth.depth > native_unauth.depth,
        "stateright's trace is longer"
    );
    assert_eq!(result.unique_states, native.unique_states);
}

/// stateright's checkers stop at a total-state target: the lower of --max-states
/// and the memory cap at 400 bytes per state stands for the limits there.
#[test]
fn limits_become_one_state_cap_for_stateright() {
    use convex_auth_model::engine::LimitHit;
    let limits = |max_states, max_memory| Limits {
        max_states,
        max_memory,
        ..Limits::default()
    };
    assert_eq!(check::stateright_state_cap(limits(None, None)), None);
    assert_eq!(
        check::stateright_state_cap(limits(Some(10), Some(400_000))),
        Some((10, LimitHit::States(10)))
    );
    assert_eq!(
        check::stateright_state_cap(limits(Some(10_000), Some(400_000))),
        Some((1_000, LimitHit::Memory(400_000)))
    );
    assert_eq!(
        check::stateright_state_cap(limits(None, Some(1))),
        Some((1, LimitHit::Memory(1)))
    );
}

/// Fairness is written next to each liveness property, and only there.
#[test]
fn every_liveness_property_states_its_fairness() {
    for def in convex_auth_model::properties::all() {
        let liveness = def.kind == convex_auth_model::engine::Kind::Eventually;
        assert_eq!(def.fairness.is_some(), liveness, "{}", def.slug);
    }
    let stuck = convex_auth_model::properties::by_slug("stuck").unwrap();
    let text = stuck.fairness.unwrap().describe();
    assert!(
        text.starts_with("weak fairness of message delivery and timers"),
        "{text}"
    );
}

/// The engine's result is the same whatever the thread count: counts, verdicts,
/// witnesses (shortest, in BFS order) and doomed states; and a run stopped at a
/// state cap stops at the same state.
#[test]
fn two_threads_find_exactly_what_one_finds() {
    let capped = Limits {
        max_states: Some(5_000),
        ..Limits::default()
    };
    for name in [
        "workos-pr529-cd91e8a-transient-failure",
        "workos-0.0.3-authkit-expiry",
    ] {
        let check = load(name);
        for limits in [Limits::default(), capped] {
            // Explored here, not shared: each thread count explores afresh.
            let m = model::build(&check.scenario);
            let one = check::run_model(&check, &m, limits, 1, &mut |_| {});
            for threads in [2, 3] {
                let more = check::run_model(&check, &m, limits, threads, &mut |_| {});
                assert_eq!(
                    (one.unique_states, one.total_states, one.max_depth),
                    (more.unique_states, more.total_states, more.max_depth),
                    "{name} on {threads} threads"
                );
                assert_eq!(one.stopped_by, more.stopped_by, "{name}");
                for (a, b) in one.properties.iter().zip(&more.properties) {
                    let what = format!("{name} {} on {threads} threads", a.slug);
                    assert_eq!(a.verdict, b.verdict, "{what}");
                    assert_eq!(a.path, b.path, "{what}");
                    assert_eq!(a.loop_start, b.loop_start, "{what}");
                    assert_eq!(a.doomed, b.doomed, "{what}");
                }
            }
        }
    }
}

/// A custom hook described with docs-custom's facts is docs-custom: the same
/// state space, the same verdicts at the same depths.
/// The Next.js template's hook (forced → refresh(), errors → null, deps [user,
/// refresh, getAccessToken]) as a custom adapter over `sdk`.
fn template_hook(sdk: CustomSdk) -> CustomAdapter {
    CustomAdapter {
        sdk,
        ..convex_auth_model::learn::template(CustomSdk::AuthkitNextjs)
    }
}

#[test]
fn a_custom_hook_with_docs_customs_facts_is_docs_custom() {
    use convex_auth_model::adapters::Adapter;
    let (docs, docs_result) = run("docs-custom-transient-failure");
    let mut custom = docs.clone();
    custom.scenario.adapter = Adapter::Custom;
    custom.scenario.custom_adapter = Some(template_hook(CustomSdk::AuthkitNextjs));
    let custom_result = explore(&custom);
    assert_eq!(custom_result.unique_states, docs_result.unique_states);
    for (a, b) in docs_result.properties.iter().zip(&custom_result.properties) {
        assert_eq!((a.verdict, a.depth), (b.verdict, b.depth), "{}", a.slug);
    }
    // One fact changed, the verdicts follow: a hook that retries absorbs the
    // failure that the null dead end needs.
    let mut retrying = custom.clone();
    retrying.scenario.custom_adapter = Some(CustomAdapter {
        transient_error: CustomError::Retry,
        ..custom.scenario.custom_adapter.unwrap()
    });
    let stuck = explore(&retrying).properties[0].verdict;
    assert_eq!(stuck, Verdict::Holds);
}

/// The same hook over the Next.js token store (`sdk = "authkit-nextjs"`) is the
/// `authkit-nextjs` row: the #259 check's verdicts and state count.
#[test]
fn a_custom_hook_over_the_nextjs_store_is_authkit_nextjs() {
    use convex_auth_model::adapters::Adapter;
    let (nextjs, nextjs_result) = run("issue-259-authkit-expiry");
    let mut custom = nextjs.clone();
    custom.scenario.adapter = Adapter::Custom;
    let hook = template_hook(CustomSdk::AuthkitNextjs);
    custom.scenario.custom_adapter = Some(hook);
    let custom_result = explore(&custom);
    assert_eq!(custom_result.unique_states, nextjs_result.unique_states);
    for (a, b) in nextjs_result
        .properties
        .iter()
        .zip(&custom_result.properties)
    {
        assert_eq!((a.verdict, a.depth), (b.verdict, b.depth), "{}", a.slug);
    }
    // The wake fix is one field away.
    let (wake, wake_result) = run("authkit-nextjs-wake-fix-transient-failure");
    let mut custom = wake.clone();
    custom.scenario.adapter = Adapter::Custom;
    custom.scenario.custom_adapter = Some(CustomAdapter {
        transient_error: CustomError::StaleToken,
        ..hook
    });
    let custom_result = explore(&custom);
    assert_eq!(custom_result.unique_states, wake_result.unique_states);
}

/// A check replays through a recommended framework hook's file (over its SDK's
/// real token store) only where the model's world is one that code can show:
/// the store's own time (a 30 s buffer, tokens of 5 minutes or less), and no
/// provider mounted signed in under StrictMode (the SDKs render loading first).
/// Elsewhere the fake hook plays the row.
#[test]
fn the_framework_files_replay_only_worlds_their_sdks_can_show() {
    use convex_auth_model::trace::replay::{self, AdapterCode};
    let check = load("recommended-authkit-nextjs-refresh-failures");
    let code = |f: &dyn Fn(&mut CheckFile)| {
        let mut c = check.clone();
        f(&mut c);
        replay::adapter_code(&c.scenario)
    };
    assert_eq!(code(&|_| {}), Some(AdapterCode::RecommendedAuthkitNextjs));
    assert_eq!(code(&|c| c.scenario.bounds.idp_refresh_buffer = 2), None);
    assert_eq!(code(&|c| c.scenario.bounds.token_lifetime = 31), None);
    assert_eq!(
        code(&|c| c.scenario.faults.tab_hides = 1),
        Some(AdapterCode::RecommendedAuthkitNextjs)
    );
    assert_eq!(
        code(&|c| c.scenario.faults.refresh_failures = 0),
        Some(AdapterCode::RecommendedAuthkitNextjs)
    );
    assert_eq!(
        code(&|c| c.scenario.app.strict_mode = true),
        Some(AdapterCode::RecommendedAuthkitNextjs)
    );
    assert_eq!(
        code(&|c| {
            c.scenario.app.strict_mode = true;
            c.scenario.app.page_load = convex_auth_model::config::PageLoad::LoadedSignedIn;
        }),
        None
    );
    let tanstack = load("recommended-tanstack-start-refresh-failures");
    assert_eq!(
        replay::adapter_code(&tanstack.scenario),
        Some(AdapterCode::RecommendedTanstackStart)
    );
}

/// The README's run table ("What a run prints") has every check's verdicts with
/// their depths and its unique and total state counts, as `check` prints them.
/// This pins all of them: a change to the model that moves a verdict, a
/// counterexample's length or a state count anywhere must be deliberate, and the
/// README follows it.
#[test]
fn every_check_is_as_the_readme_run_table_says() {
    let readme = std::fs::read_to_string(checks_dir().join("../README.md")).unwrap();
    let (_, after) = readme
        .split_once("## What a run prints")
        .expect("README.md has \"What a run prints\"");
    let mut lines = after.lines().skip_while(|l| !l.starts_with("CHECK "));
    assert!(lines.next().is_some_and(|h| h.ends_with("SECONDS")));
    // Each row: the check, its verdict cells, UNIQUE and TOTAL (SECONDS dropped),
    // the spacing collapsed.
    let documented: std::collections::BTreeMap<String, String> = lines
        .take_while(|l| !l.trim().is_empty() && !l.starts_with("```"))
        .map(|l| {
            let mut cells: Vec<&str> = l.split_whitespace().collect();
            cells.pop();
            (cells[0].to_string(), cells[1..].join(" "))
        })
        .collect();
    let mut differ = Vec::new();
    let files = check::files_in(&checks_dir()).unwrap();
    for path in &files {
        let check = CheckFile::load(path).unwrap();
        let result = explore(&check);
        let mut cells: Vec<String> = result
            .properties
            .iter()
            .map(|p| match (p.verdict, p.depth) {
                (Verdict::Holds, _) => "holds".to_string(),
                (Verdict::Violated, Some(depth)) => format!("✗ {depth}"),
                (Verdict::Violated, None) => "✗".to_string(),
                (Verdict::Inconclusive, _) => "inconclusive".to_string(),
            })
            .collect();
        cells.push(result.unique_states.to_string());
        cells.push(result.total_states.to_string());
        let found = cells.join(" ");
        if documented.get(&check.name) != Some(&found) {
            differ.push(format!(
                "{}: finds {found:?}, README has {:?}",
                check.name,
                documented.get(&check.name)
            ));
        }
    }
    assert_eq!(
        documented.len(),
        files.len(),
        "one README row per check file"
    );
    assert!(
        differ.is_empty(),
        "README.md's run table is out of date: paste the table `cargo run --release` prints\n{}",
        differ.join("\n")
    );
}

/// A shared exploration that completed within a run's state limit is what that
/// run would find, so it is reused (its stored time comes back); under a lower
/// limit the run explores, and stops at the limit.
#[test]
fn a_shared_exploration_is_reused_under_a_state_limit_it_fits_in() {
    let (check, full) = run("happy-path");
    let within = check::run(
        &check,
        Limits {
            max_states: Some(full.unique_states),
            ..Limits::default()
        },
    );
    assert!(within.complete);
    assert_eq!(within.unique_states, full.unique_states);
    assert_eq!(within.seconds, full.seconds, "the stored exploration");
    let below = check::run(
        &check,
        Limits {
            max_states: Some(full.unique_states / 2),
            ..Limits::default()
        },
    );
    assert!(!below.complete);
    assert!(below.stopped_by.is_some());
}
