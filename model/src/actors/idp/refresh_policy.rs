//! AuthKit's refresh policy — authkit-js `src/create-client.ts`: `#shouldRefresh()`
//! (no token, or the token is within `refreshBufferInterval` of its expiry) and the
//! auto-refresh loop, which every second refreshes a due token unless
//! `onBeforeAutoRefresh()` says no (by default `() => !document.hidden`: not while
//! the tab is hidden). Refreshes are single-flighted: a refresh already in flight
//! is shared, so the loop does not start another. Auto-refresh failures change
//! nothing visible and are not modelled.

use crate::actors::Token;

/// `#shouldRefresh()`: no token, or `now` is within `buffer` ticks of its expiry.
pub fn should_refresh(cached: Option<Token>, now: u8, buffer: u8) -> bool {
    match cached {
        None => true,
        Some(t) => now.saturating_add(buffer) >= t.exp,
    }
}

/// Whether the auto-refresh loop refreshes now: a session to refresh, a visible tab
/// (`onBeforeAutoRefresh`), no refresh in flight, and a token due.
pub fn auto_refresh_wanted(
    session_alive: bool,
    hidden: bool,
    refresh_in_flight: bool,
    due: bool,
) -> bool {
    session_alive && !hidden && !refresh_in_flight && due
}
