//! AuthKit's token store — authkit-js `src/create-client.ts` and
//! `src/utils/session-data.ts`: the session, which lives until `signOut()`
//! (`removeSessionData`), and the access token kept in memory, which every
//! successful `refreshSession()` replaces (`setSessionData`). Tokens carry `iat` /
//! `exp` in ticks.

use serde::Serialize;

use crate::actors::Token;
use crate::mutants::{self, Mutant};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TokenStore {
    /// The user has not signed out.
    pub session_alive: bool,
    /// The access token in memory (None once signed out).
    pub cached: Option<Token>,
    /// The serial of the next token issued.
    pub next_serial: u8,
}

impl TokenStore {
    /// A page served to a signed-in user: the session is alive and the first token,
    /// issued at 0, is in memory.
    pub fn signed_in(token_lifetime: u8) -> Self {
        TokenStore {
            session_alive: true,
            cached: Some(Token {
                serial: 0,
                iat: 0,
                exp: token_lifetime,
            }),
            next_serial: 1,
        }
    }

    /// `setSessionData` after a successful refresh: a new token issued at `now`, valid for `lifetime`
    /// ticks, replaces the one in memory.
    pub fn store_fresh(&mut self, now: u8, lifetime: u8) -> Token {
        let token = Token {
            serial: self.next_serial,
            iat: now,
            exp: now.saturating_add(lifetime),
        };
        self.next_serial = self.next_serial.wrapping_add(1);
        self.cached = Some(token);
        token
    }

    /// `signOut()` (`removeSessionData`): the session ends and the token is dropped. Returns whether there
    /// was a session to end.
    pub fn sign_out(&mut self) -> bool {
        if !self.session_alive {
            return false;
        }
        self.session_alive = false;
        if !mutants::active(Mutant::SignOutKeepsToken) {
            self.cached = None;
        }
        true
    }

    /// What `getAccessToken()` returns once signed out: nothing (it throws
    /// `LoginRequiredError`).
    pub fn token_after_sign_out(&self) -> Option<Token> {
        self.cached
            .filter(|_| mutants::active(Mutant::SignOutKeepsToken))
    }
}
