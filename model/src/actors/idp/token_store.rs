//! AuthKit's token store — authkit-js `src/create-client.ts` and
//! `src/utils/session-data.ts`: the session (whose user it is), which lives until
//! `signOut()` (`removeSessionData`) and starts at a sign-in, and the access token
//! kept in memory, which every successful `refreshSession()` replaces
//! (`setSessionData`). Tokens carry `iat` / `exp` in ticks and their user.

use serde::Serialize;

use crate::actors::{Token, User};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TokenStore {
    /// The signed-in user, None when signed out.
    pub session: Option<User>,
    /// The access token in memory (None once signed out).
    pub cached: Option<Token>,
    /// The serial of the next token issued.
    pub next_serial: u8,
    /// The SDK wiped its local session after a failed refresh (authkit-js
    /// 0.20.0's `removeSessionData` on a `RefreshError`, state ERROR): no token
    /// in memory, calls not forced answer "login required", while the user the
    /// app renders and the IdP's cookie remain.
    pub wiped: bool,
    /// The app's server deleted its session cookie after a failed refresh
    /// (authkit-nextjs's middleware, [`crate::sdks::FailureEffect::WipedOnceExpired`]):
    /// no token, and every request the SDK still makes answers no user, while
    /// the user the app renders remains.
    pub cookie_deleted: bool,
    /// authkit-tanstack-react-start 0.11.1's (and authkit-nextjs 4.3.2's)
    /// store holds a token in its memory:
    /// it starts empty and reads the cookie's token (`getAccessTokenAction`) at
    /// its first call. Tracked only where the scenario's failure kind is one
    /// its server may answer with no user (`Idp::server_answers_no_user`), the
    /// one place it matters.
    pub pulled: bool,
    /// The session has ended at the IdP (`faults.session_ends`) while the
    /// browser keeps its cookie: the SDK still holds `session` until it learns
    /// otherwise, but no refresh can succeed.
    pub ended_at_idp: bool,
    /// The IdP has rotated its signing key (`faults.token_rejection =
    /// "rotated-key"`): the tokens it mints from now on carry the new key.
    pub key_rotated: bool,
}

impl TokenStore {
    /// A page served to a signed-in user whose first token, issued at 0, came with
    /// the page.
    pub fn signed_in(token_lifetime: u8) -> Self {
        let mut store = TokenStore::loading(Some(User::A));
        store.store_fresh(0, token_lifetime);
        store
    }

    /// The store while the SDK loads: the session (from its cookie or refresh
    /// token), no access token yet.
    pub fn loading(session: Option<User>) -> Self {
        TokenStore {
            session,
            cached: None,
            next_serial: 0,
            wiped: false,
            cookie_deleted: false,
            pulled: false,
            ended_at_idp: false,
            key_rotated: false,
        }
    }

    /// Whether a user is signed in, as the SDK believes.
    pub fn session_alive(&self) -> bool {
        self.session.is_some()
    }

    /// Whether no refresh can succeed, whatever the IdP's answer would be: the
    /// session has ended there, or the app's server has no cookie to refresh.
    pub fn refuses_every_refresh(&self) -> bool {
        self.ended_at_idp || self.cookie_deleted
    }

    /// The user signed in at the IdP itself: the SDK's, unless the session has
    /// ended there.
    pub fn user_at_idp(&self) -> Option<User> {
        self.session.filter(|_| !self.ended_at_idp)
    }

    /// A sign-in (or an account switch) as `user`: the session is now theirs. The
    /// token in memory is dropped; the caller mints theirs.
    pub fn sign_in(&mut self, user: User) {
        self.session = Some(user);
        self.cached = None;
        self.wiped = false;
        self.cookie_deleted = false;
        self.ended_at_idp = false;
    }

    /// `setSessionData` after a successful refresh: a new token issued at `now`, valid for `lifetime`
    /// ticks, replaces the one in memory.
    /// Only called with a session.
    pub fn store_fresh(&mut self, now: u8, lifetime: u8) -> Token {
        let token = Token {
            serial: self.next_serial,
            iat: now,
            exp: now.saturating_add(lifetime),
            user: self.session.unwrap_or_default(),
            new_key: self.key_rotated,
        };
        self.next_serial = self.next_serial.wrapping_add(1);
        self.cached = Some(token);
        self.wiped = false;
        token
    }

    /// `signOut()` (`removeSessionData`): the session ends and the token is dropped. Returns whether there
    /// was a session to end.
    pub fn sign_out(&mut self) -> bool {
        if self.session.is_none() {
            return false;
        }
        self.session = None;
        self.cached = None;
        self.wiped = false;
        self.cookie_deleted = false;
        self.ended_at_idp = false;
        true
    }

    /// `removeSessionData` after a failed refresh the SDK takes for the end of
    /// the session: the token in memory is dropped, the user stays.
    pub fn wipe(&mut self) {
        self.cached = None;
        self.wiped = true;
    }
}
