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
    Property {
        name: name.into(),
        kind,
        holds: Box::new(move |_, s| holds(s)),
    }
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
            max_duration: None,
        },
    );
    assert!(!o.complete);
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
