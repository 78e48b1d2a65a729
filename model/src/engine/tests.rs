//! The engine on tiny graphs whose answers are known by hand.

use super::*;

/// A directed graph over `u8` states; actions are edge indices.
struct Graph {
    init: Vec<u8>,
    edges: Vec<(u8, u8)>,
    boundary: Option<u8>,
}

impl Model for Graph {
    type State = u8;
    type Action = (u8, u8);

    fn init_states(&self) -> Vec<u8> {
        self.init.clone()
    }

    fn actions(&self, state: &u8, actions: &mut Vec<(u8, u8)>) {
        actions.extend(self.edges.iter().filter(|(from, _)| from == state).copied());
    }

    fn next_state(&self, _: &u8, action: (u8, u8)) -> Option<u8> {
        Some(action.1)
    }

    fn within_boundary(&self, state: &u8) -> bool {
        self.boundary.is_none_or(|b| *state <= b)
    }
}

fn prop(name: &str, kind: Kind, holds: fn(&u8) -> bool) -> Property<Graph> {
    Property::new(name, kind, move |_, s| holds(s))
}

fn states_on(g: &Graph, p: &IndexPath) -> Vec<u8> {
    p.replay(g).unwrap().into_iter().map(|(s, _)| s).collect()
}

#[test]
fn keeps_the_shortest_witness_of_every_property() {
    // 0 → 1 → 2 → 9 and 0 → 3 → 9: the bad state 9 is two steps away.
    let g = Graph {
        init: vec![0],
        edges: vec![(0, 1), (1, 2), (2, 9), (0, 3), (3, 9)],
        boundary: None,
    };
    let props = [
        prop("never 9", Kind::Always, |s| *s != 9),
        prop("reaches 2", Kind::Sometimes, |s| *s == 2),
    ];
    let o = explore(&g, &props, Limits::default());
    assert!(o.complete);
    assert_eq!((o.unique_states, o.total_states, o.max_depth), (5, 6, 3));
    assert_eq!(o.properties[0].verdict, Verdict::Violated);
    assert_eq!(
        states_on(&g, o.properties[0].path.as_ref().unwrap()),
        vec![0, 3, 9]
    );
    assert_eq!(o.properties[1].verdict, Verdict::Holds);
    assert_eq!(
        states_on(&g, o.properties[1].path.as_ref().unwrap()),
        vec![0, 1, 2]
    );
}

#[test]
fn judges_at_end_properties_on_dead_ends_only() {
    // 0 → 1 → 2 (dead end, not the goal); 0 → 5 (goal, dead end).
    let g = Graph {
        init: vec![0],
        edges: vec![(0, 1), (1, 2), (0, 5)],
        boundary: None,
    };
    let props = [prop("ends at 5", Kind::AtEnd, |s| *s == 5)];
    let o = explore(&g, &props, Limits::default());
    assert_eq!(o.properties[0].verdict, Verdict::Violated);
    assert_eq!(
        states_on(&g, o.properties[0].path.as_ref().unwrap()),
        vec![0, 1, 2]
    );

    let fixed = Graph {
        init: vec![0],
        edges: vec![(0, 1), (1, 5), (0, 5)],
        boundary: None,
    };
    let o = explore(&fixed, &props, Limits::default());
    assert_eq!(o.properties[0].verdict, Verdict::Holds);
    assert!(o.properties[0].path.is_none());
}

#[test]
fn a_sometimes_property_never_reached_is_violated() {
    let g = Graph {
        init: vec![0],
        edges: vec![(0, 1), (1, 0)],
        boundary: None,
    };
    let o = explore(
        &g,
        &[prop("reaches 7", Kind::Sometimes, |s| *s == 7)],
        Limits::default(),
    );
    assert_eq!(o.properties[0].verdict, Verdict::Violated);
}

#[test]
fn states_beyond_the_boundary_are_judged_but_not_expanded() {
    // 3 is beyond the boundary: it violates, and 4 behind it is never reached.
    let g = Graph {
        init: vec![0],
        edges: vec![(0, 3), (3, 4)],
        boundary: Some(2),
    };
    let props = [
        prop("never 3", Kind::Always, |s| *s != 3),
        prop("reaches 4", Kind::Sometimes, |s| *s == 4),
    ];
    let o = explore(&g, &props, Limits::default());
    assert_eq!(o.properties[0].verdict, Verdict::Violated);
    assert_eq!(o.properties[1].verdict, Verdict::Violated);
    assert_eq!(o.unique_states, 2);
}

#[test]
fn a_state_cap_makes_unfinished_verdicts_inconclusive() {
    let g = Graph {
        init: vec![0],
        edges: (0..20).map(|i| (i, i + 1)).collect(),
        boundary: None,
    };
    let props = [
        prop("never 20", Kind::Always, |s| *s != 20),
        prop("reaches 1", Kind::Sometimes, |s| *s == 1),
    ];
    let o = explore(
        &g,
        &props,
        Limits {
            max_states: Some(5),
            ..Limits::default()
        },
    );
    assert!(!o.complete);
    assert_eq!(o.stopped_by, Some(LimitHit::States(5)));
    assert_eq!(o.properties[0].verdict, Verdict::Inconclusive);
    assert_eq!(
        o.properties[1].verdict,
        Verdict::Holds,
        "found before the cap"
    );
}

#[test]
fn encodes_paths_as_the_explorer_does() {
    let p = IndexPath {
        init: 0,
        actions: vec![2, 0, 1],
    };
    assert_eq!(p.encode(), "0/2/0/1");
}

fn eventually(name: &str, goal: fn(&u8) -> bool) -> Property<Graph> {
    Property::new(name, Kind::Eventually, move |_, s| goal(s))
}

#[test]
fn a_retry_loop_that_never_authenticates_is_a_lasso() {
    // 0 → 1 (fetch) → 2 (rejected) → 1 …; 0 → 7 (authenticated) is possible only
    // at the start.
    let g = Graph {
        init: vec![0],
        edges: vec![(0, 1), (0, 7), (1, 2), (2, 1)],
        boundary: None,
    };
    let o = explore(
        &g,
        &[eventually("authenticated", |s| *s == 7)],
        Limits::default(),
    );
    let p = &o.properties[0];
    assert_eq!(p.verdict, Verdict::Violated);
    assert_eq!(p.depth, Some(1), "state 1 is the first doomed state");
    let states = states_on(&g, p.path.as_ref().unwrap());
    assert_eq!(states, vec![0, 1, 2, 1]);
    assert_eq!(
        p.loop_start,
        Some(1),
        "retries forever: the loop starts at state 1"
    );
}

#[test]
fn a_dead_end_without_the_goal_is_a_lasso_without_loop() {
    let g = Graph {
        init: vec![0],
        edges: vec![(0, 1), (0, 7), (1, 2)],
        boundary: None,
    };
    let o = explore(
        &g,
        &[eventually("authenticated", |s| *s == 7)],
        Limits::default(),
    );
    let p = &o.properties[0];
    assert_eq!(p.verdict, Verdict::Violated);
    assert_eq!(states_on(&g, p.path.as_ref().unwrap()), vec![0, 1, 2]);
    assert_eq!(p.loop_start, None, "stops forever");
}

#[test]
fn a_loop_from_which_the_goal_stays_reachable_holds_under_fairness() {
    // 1 ⇄ 2 may loop, but 2 → 7 is always possible: a fair run takes it.
    let g = Graph {
        init: vec![0],
        edges: vec![(0, 1), (1, 2), (2, 1), (2, 7)],
        boundary: None,
    };
    let o = explore(
        &g,
        &[eventually("authenticated", |s| *s == 7)],
        Limits::default(),
    );
    assert_eq!(o.properties[0].verdict, Verdict::Holds);
    assert!(o.properties[0].path.is_none());
}

#[test]
fn liveness_is_judged_only_within_its_scope() {
    // 3 is a dead end without the goal, but outside the scope (faults not spent).
    let g = Graph {
        init: vec![0],
        edges: vec![(0, 3), (0, 7)],
        boundary: None,
    };
    let scoped = eventually("authenticated", |s| *s == 7).within(|_, s| *s != 3);
    let o = explore(&g, &[scoped], Limits::default());
    assert_eq!(o.properties[0].verdict, Verdict::Holds);
}

/// stateright 0.31's BFS, checking several properties at once, keeps replacing a
/// discovery with later ones; this engine keeps the first, shortest one.
#[test]
fn shorter_witness_than_stateright_bfs() {
    use stateright::Checker;

    /// (node, hops): node 9 reached directly after 1 hop, or after 7 along a chain;
    /// the two arrivals are different states.
    struct TwoRoutes;
    impl Model for TwoRoutes {
        type State = (u8, u8);
        type Action = u8;
        fn init_states(&self) -> Vec<(u8, u8)> {
            vec![(0, 0)]
        }
        fn actions(&self, state: &(u8, u8), actions: &mut Vec<u8>) {
            match state.0 {
                0 => actions.extend([1, 9]),
                1..=5 => actions.push(state.0 + 1),
                6 => actions.push(9),
                _ => {}
            }
        }
        fn next_state(&self, state: &(u8, u8), action: u8) -> Option<(u8, u8)> {
            Some((action, state.1 + 1))
        }
        fn properties(&self) -> Vec<stateright::Property<Self>> {
            vec![
                stateright::Property::sometimes("reaches 9", |_, s: &(u8, u8)| s.0 == 9),
                stateright::Property::always("never 200", |_, s: &(u8, u8)| s.0 != 200),
            ]
        }
    }

    let theirs = TwoRoutes.checker().spawn_bfs().join();
    let their_len = theirs.discovery("reaches 9").unwrap().into_actions().len();
    let ours = explore(
        &TwoRoutes,
        &[
            Property::new("reaches 9", Kind::Sometimes, |_, s: &(u8, u8)| s.0 == 9),
            Property::new("never 200", Kind::Always, |_, s: &(u8, u8)| s.0 != 200),
        ],
        Limits::default(),
    );
    assert_eq!(ours.properties[0].depth, Some(1));
    assert_eq!(their_len, 7, "stateright 0.31 keeps the last arrival");
}

/// A counter that goes up to `top` and back to 0: `top + 1` states in one loop.
struct Counter {
    top: u32,
}

impl Model for Counter {
    type State = u32;
    type Action = ();
    fn init_states(&self) -> Vec<u32> {
        vec![0]
    }
    fn actions(&self, _: &u32, actions: &mut Vec<()>) {
        actions.push(());
    }
    fn next_state(&self, state: &u32, _: ()) -> Option<u32> {
        Some(if *state == self.top { 0 } else { state + 1 })
    }
}

fn counter_props() -> [Property<Counter>; 2] {
    [
        Property::new("never top", Kind::Always, |m: &Counter, s: &u32| {
            *s != m.top
        }),
        Property::new("back to 0", Kind::Eventually, |_, s: &u32| *s == 0),
    ]
}

#[test]
fn a_memory_cap_stops_exploring_with_partial_verdicts() {
    let o = explore(
        &Counter { top: 100_000 },
        &counter_props(),
        Limits {
            max_memory: Some(1),
            ..Limits::default()
        },
    );
    if memory::resident_bytes().is_none() {
        return; // not enforced where memory cannot be read
    }
    assert!(!o.complete);
    assert_eq!(o.stopped_by, Some(LimitHit::Memory(1)));
    assert_eq!(o.unique_states, 2049, "checked every 2048 states");
    assert_eq!(o.properties[0].verdict, Verdict::Inconclusive);
    assert_eq!(o.properties[1].verdict, Verdict::Inconclusive);
}

#[test]
fn the_liveness_analysis_is_left_inconclusive_when_it_would_not_fit() {
    // 100 states: explored before the first memory reading, so the cap is seen
    // only when the liveness analysis would start.
    let o = explore(
        &Counter { top: 99 },
        &counter_props(),
        Limits {
            max_memory: Some(1),
            ..Limits::default()
        },
    );
    assert!(o.complete, "every state was explored");
    assert_eq!(o.properties[0].verdict, Verdict::Violated);
    if memory::resident_bytes().is_some() {
        assert_eq!(o.stopped_by, Some(LimitHit::Memory(1)));
        assert_eq!(o.properties[1].verdict, Verdict::Inconclusive);
    }
    let free = explore(&Counter { top: 99 }, &counter_props(), Limits::default());
    assert_eq!(free.properties[1].verdict, Verdict::Holds);
    assert!(free.properties[1].doomed.is_empty());
}

#[test]
fn a_violated_eventually_lists_its_doomed_states_by_fingerprint() {
    // 0 → 1 → 2 → 2 (a self-loop that never gets back to the goal 0).
    let g = Graph {
        init: vec![0],
        edges: vec![(0, 1), (1, 2), (2, 2)],
        boundary: None,
    };
    let o = explore(
        &g,
        &[prop("back to 0", Kind::Eventually, |s| *s == 0)],
        Limits::default(),
    );
    assert_eq!(o.properties[0].verdict, Verdict::Violated);
    let mut expected: Vec<u64> = [1u8, 2].iter().map(fingerprint).collect();
    expected.sort_unstable();
    assert_eq!(o.properties[0].doomed, expected, "0 is the goal itself");
}

#[test]
fn limits_name_the_option_that_set_them() {
    assert_eq!(LimitHit::States(7).to_string(), "--max-states 7");
    assert_eq!(
        LimitHit::Duration(Duration::from_millis(1500)).to_string(),
        "--max-seconds 1.5"
    );
    assert_eq!(
        LimitHit::Memory(2 * 1024 * 1024 * 1024).to_string(),
        "--max-memory 2.0 GiB"
    );
}
