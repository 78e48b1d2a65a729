//! A canonical order for the collections of a state whose order nothing reads.
//!
//! Two interleavings can leave the same suspended `await`s behind in a different
//! order: a `tryToReauthenticate` that awaits `stopSocket()` (G3) and a
//! `refetchToken` that awaits a forced fetch (G5), started in either order. The
//! states differ only in the order of [`Tab::pending`], and both have the same
//! future, so the checker need only keep one: [`sort`] puts such collections in
//! one fixed order.
//!
//! **Why it loses no behaviour.** The relation "equal up to the order of the
//! collections below" is a bisimulation: related states enable the same actions
//! (an action names a message flow, a timer or a choice, never a position in these
//! collections), and each step reads the collections only in ways that give the
//! same result in any order, so related states step to related states. What each
//! collection is read by, in `actors/browser`:
//!
//! - [`Tab::pending`], the suspended `await`s of the AuthenticationManager. A
//!   settled fetch finds its await by its call label, which is unique (every
//!   `fetchToken` gets a fresh `configVersion`-like call). A closed WebSocket
//!   removes *every* `ReauthStop` await of that socket and resumes as many
//!   `tryToReauthenticate`s, which are identical. Everything else asks whether
//!   the collection is empty. Traces and the Explorer print it, but they print
//!   states of the absolute clock, which is not sorted.
//! - `SocketManager::closing`, the WebSockets asked to close: looked up by socket
//!   label (unique), never iterated for effect.
//!
//! **Not sorted, because order is read:**
//!
//! - the token provider's `pending` fetches: when the IdP refresh they share
//!   ends, they settle in the order they were made, and the tab sees the
//!   responses in that order on the ordered channel;
//! - its `retrying` fetches: retried in the order they failed; likewise its
//!   `backing_off` fetches (the recommended hooks' backoff at its cap);
//! - messages in flight: each channel is first-in first-out (a WebSocket, a
//!   promise chain), and the network keeps one queue per channel, keyed by
//!   sender and receiver in a sorted map, so channels have one order already.
//!
//! The order chosen is by kind of await, then by label. Labels are renamed by
//! value (`relative_time`), which keeps their order, so sorting before or after
//! the renaming gives the same state.
//!
//! `reductions_lose_no_behaviour` in `model/tests/reductions.rs` explores every
//! shipped check with and without this sort: the same verdicts and the same
//! shortest counterexamples, with fewer states.

use std::sync::Arc;

use crate::actors::browser::{Await, Tab};
use crate::actors::NodeState;
use crate::view::SystemState;

/// The position of an await in the canonical order: its kind, then its label.
fn await_key(a: &Await) -> (u8, u8) {
    match a {
        Await::SetConfigFetch { call, .. } => (0, *call),
        Await::RefetchFetch { call, .. } => (1, *call),
        Await::ReauthStop { socket } => (2, *socket),
        Await::ReauthFetch { call } => (3, *call),
    }
}

fn in_order(tab: &Tab) -> bool {
    tab.pending
        .windows(2)
        .all(|w| await_key(&w[0]) <= await_key(&w[1]))
        && tab.socket.closing.windows(2).all(|w| w[0] <= w[1])
}

/// Puts the tab's unordered collections in the canonical order (see the module
/// doc). A state already in order is not touched (no copy of the shared tab).
pub fn sort(state: &mut SystemState) {
    let NodeState::Browser(tab) = &*state.actor_states[0] else {
        unreachable!("actor 0 is the browser")
    };
    if in_order(tab) {
        return;
    }
    if let NodeState::Browser(tab) = Arc::make_mut(&mut state.actor_states[0]) {
        tab.pending.sort_by_key(await_key);
        tab.socket.closing.sort_unstable();
    }
}
