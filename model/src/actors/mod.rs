//! The actors of the model and the messages between them.
//!
//! Four actors, one [`Node`] enum (stateright's `choice!` combinator does not forward
//! `on_random`, so one enum actor is used):
//!
//! | id | actor | stands for |
//! |----|-------|------------|
//! | 0 | [`browser`] | one browser tab: `ConvexProviderWithAuth`, `AuthenticationManager`, `LocalSyncState`, `WebSocketManager` on one event loop |
//! | 1 | [`server`] | the Convex sync worker of the tab's current WebSocket |
//! | 2 | [`token_provider`] | the IdP SDK ([`idp`], AuthKit) together with the adapter hook |
//! | 3 | [`environment`] | clock, tab visibility, network drops, data changes, sign-out |
//!
//! Browser↔server messages carry the id of the WebSocket they travel on, so messages
//! of an old socket can be told apart. The network is ordered per (sender, receiver)
//! pair, like a WebSocket.

pub mod browser;
pub mod environment;
pub mod idp;
pub mod server;
pub mod token_provider;

use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

use stateright::actor::{Actor, Id, Out};

use crate::config::{PageLoad, Scenario};

pub use browser::Tab;
pub use environment::EnvironmentState;
pub use server::ServerState;
pub use token_provider::TokenProviderState;

/// The browser tab's actor id.
pub fn browser_id() -> Id {
    Id::from(0)
}
/// The server's actor id.
pub fn server_id() -> Id {
    Id::from(1)
}
/// The token provider's actor id.
pub fn token_provider_id() -> Id {
    Id::from(2)
}
/// The environment's actor id.
pub fn environment_id() -> Id {
    Id::from(3)
}

/// Readable name of an actor id.
pub fn actor_name(id: Id) -> &'static str {
    match usize::from(id) {
        0 => "browser",
        1 => "server",
        2 => "token provider",
        3 => "environment",
        _ => "?",
    }
}

/// A user of the app. Two are enough to tell "the user signed in now" from "a
/// user": an account switch goes from one to the other.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum User {
    #[default]
    A,
    B,
}

impl User {
    /// The other user: whom an account switch signs in.
    pub fn other(self) -> User {
        match self {
            User::A => User::B,
            User::B => User::A,
        }
    }
}

impl fmt::Display for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            User::A => "A",
            User::B => "B",
        })
    }
}

/// An access token (a JWT). `serial` tells tokens apart; `iat` / `exp` are in ticks;
/// `user` is its subject; `new_key`: the IdP signed it with the key it rotated to
/// (`faults.token_rejection = "rotated-key"`), its header's `kid`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Token {
    pub serial: u8,
    pub iat: u8,
    pub exp: u8,
    pub user: User,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub new_key: bool,
}

impl Token {
    /// The server's rule (`is_expired`): a token is expired once `now >= exp`.
    pub fn is_expired_at(&self, now: u8) -> bool {
        now >= self.exp
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = if self.new_key { ", new key" } else { "" };
        match self.user {
            User::A => write!(
                f,
                "T{}(iat {}, exp {}{key})",
                self.serial, self.iat, self.exp
            ),
            User::B => write!(
                f,
                "T{}(user B, iat {}, exp {}{key})",
                self.serial, self.iat, self.exp
            ),
        }
    }
}

/// The identity a server connection (or one query run) has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Identity {
    /// Anonymous: no `Authenticate` yet on this connection, or
    /// `Authenticate{tokenType:"None"}`.
    Anonymous,
    /// The signed-in user, proven by this token.
    User(Token),
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identity::Anonymous => f.write_str("none"),
            Identity::User(t) => write!(f, "user via {t}"),
        }
    }
}

/// What `useAuth()` of the adapter returns in one render: `isLoading`,
/// `isAuthenticated` and the identity of `fetchAccessToken` (a counter that changes
/// whenever React would create a new function).
///
/// The first render's output depends on the page load (`app.page_load`, see
/// [`AdapterOutput::at_page_load`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct AdapterOutput {
    pub is_loading: bool,
    pub is_authenticated: bool,
    pub fetcher: u8,
}

impl AdapterOutput {
    /// What the adapter hook returns at the first render: loading and not
    /// authenticated while the IdP SDK loads, or signed in when the session came
    /// with the page.
    pub fn at_page_load(page_load: PageLoad) -> AdapterOutput {
        AdapterOutput {
            is_loading: page_load.starts_loading(),
            is_authenticated: !page_load.starts_loading(),
            fetcher: 0,
        }
    }
}

/// How a `fetchAccessToken` promise settles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum FetchResult {
    Token(Token),
    /// null / undefined: the client reads it as "no session".
    Null,
    /// The promise rejects.
    Rejected,
}

/// Every message of the model.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Msg {
    // browser → server (over WebSocket `socket`)
    /// A new WebSocket connects (the handshake).
    WsOpen { socket: u8 },
    /// The client closes the WebSocket (`ws.close()`).
    WsClose { socket: u8 },
    /// `Authenticate{tokenType:"User"|"None", baseVersion}`.
    Authenticate {
        socket: u8,
        token: Option<Token>,
        base_version: u8,
    },
    /// `ModifyQuerySet` adding the subscribed queries.
    ModifyQuerySet { socket: u8, queries: u8 },
    /// `Mutation` (the app's one mutation; re-sent after a reconnect, idempotent by
    /// request id).
    Mutation { socket: u8 },
    /// `Action` (the app's one action; never re-sent: a new socket fails it).
    Action { socket: u8 },
    // server → browser
    /// `ws.onopen`.
    WsOpened { socket: u8 },
    /// `ws.onclose`.
    WsClosed { socket: u8 },
    /// `Transition` whose identity version moves from `start` to `end`.
    Transition { socket: u8, start: u8, end: u8 },
    /// `MutationResponse`.
    MutationResponse { socket: u8 },
    /// `ActionResponse`.
    ActionResponse { socket: u8 },
    /// `AuthError{baseVersion, authUpdateAttempted}`; None when the server omits
    /// `authUpdateAttempted` (backends before early 2025).
    AuthError {
        socket: u8,
        base_version: u8,
        auth_update_attempted: Option<bool>,
        reason: AuthErrorReason,
    },
    // browser ↔ token provider
    /// A call of `fetchAccessToken({forceRefreshToken})`; `call` is the client's
    /// `configVersion` for that fetch, unique per call.
    FetchToken { call: u8, force: bool },
    /// The fetch promise settles, in the macrotask that `settles` names.
    TokenFetched {
        call: u8,
        result: FetchResult,
        settles: Settles,
    },
    /// The adapter hook returns new values (the provider re-renders).
    AdapterChanged(AdapterOutput),
    // environment → others
    /// The clock reaches `now`.
    Clock { now: u8 },
    /// The tab becomes hidden or visible.
    Visibility { hidden: bool },
    /// Data the subscribed queries read changed: the server re-runs them.
    DataChanged,
    /// The network drops the live WebSocket.
    NetworkDrop,
    /// The user signs out at the IdP.
    SignOut,
    /// The session ends at the IdP (its refresh token revoked or expired) while
    /// the browser keeps its cookie or stored refresh token: the SDK learns it
    /// only when it next asks the IdP.
    SessionEnds,
    /// The user signs in (while signed out) as `user`.
    SignIn { user: User },
    /// The signed-in user switches to account `user`.
    SwitchAccount { user: User },
    /// The signed-in user's session or organization changes.
    SwitchSession,
    /// The IdP goes down for `ticks` clock ticks.
    IdpOutage { ticks: u8 },
    /// The next `fetchAccessToken` the adapter serves will never settle.
    HangNextFetch,
    // environment (the app reacting to its user) → browser
    /// The app calls its mutation now.
    AppCallsMutation,
    /// The app calls its action now.
    AppCallsAction,
    /// A component with its own `useQuery` mounts (or unmounts, if mounted).
    AppTogglesQuery,
    /// The app calls `client.setAuth(fetchToken, onChange)` with a new closure.
    AppSetsAuth,
    /// The app calls `client.clearAuth()`.
    AppClearsAuth,
    // browser → browser
    /// React's scheduled flush of passive effects (`app.effects_after_paint`).
    RunPassiveEffects,
    /// The provider's `setTimeout(() => client.clearAuth(), 0)` fires (R2, 1.14.0).
    DeferredClearAuth,
    // environment → others (`faults.token_rejection = "rotated-key"`)
    /// The IdP rotates its signing key: it signs every later token with the new one.
    KeyRotates,
    /// The server fetches the IdP's JWKS again and finds the new key.
    JwksRefetched,
}

/// Why the server sent an `AuthError`: the backend's reason, which the client
/// only logs (`Failed to authenticate: "…"`), read from get-convex/convex-backend
/// 94a42c3 (notes: docs/sources/idp-failure-kinds.md §11).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum AuthErrorReason {
    /// `Authenticate` with a token past its `exp` by the server's clock
    /// (`crates/authentication/src/lib.rs:361-378`, `:267-271`).
    TokenExpired,
    /// The connection's identity expired when a query, mutation or action
    /// needed it (`crates/sync/src/state.rs:282-305`): `authUpdateAttempted: false`.
    IdentityExpired,
    /// A customJwt token whose `iat` lies in the server's future
    /// (`lib.rs:361-378`).
    NotYetValid,
    /// No provider of the deployment matches the token's issuer and audience
    /// (`lib.rs:189-196`).
    NoMatchingProvider,
    /// The token's signing key is not in the server's cached JWKS
    /// (`lib.rs:290-315`).
    UnknownSigningKey,
}

impl AuthErrorReason {
    /// The error text the backend sends, for the provider kind of the
    /// deployment (`crates/authentication/src/lib.rs` at 94a42c3; OIDC tokens
    /// fail the verifier with one generic text, l.267-271), with "…" where the
    /// backend writes a number of seconds or the token's key id.
    pub fn message(self, provider: crate::sdks::ProviderKind) -> &'static str {
        use crate::sdks::ProviderKind::{CustomJwt, Oidc};
        const OIDC: &str = "Could not verify OIDC token claim. Check that the token signature is valid and the token hasn't expired.";
        match (self, provider) {
            (AuthErrorReason::IdentityExpired, _) => "Convex token identity expired",
            (AuthErrorReason::NoMatchingProvider, _) => "No auth provider found matching the given token. Check that your JWT's issuer and audience match one of your configured providers",
            (AuthErrorReason::TokenExpired, CustomJwt) => "Could not validate token: Token expired … seconds ago",
            (AuthErrorReason::NotYetValid, CustomJwt) => "Could not validate token: Token will be valid in … seconds",
            (AuthErrorReason::UnknownSigningKey, CustomJwt) => "Could not decode token. The JWT's 'kid' (key ID) header is '…', does this key match any key in the provider's JWKS?",
            (_, Oidc) => OIDC,
        }
    }

    /// The reason in words, as reports tell it.
    pub fn words(self) -> &'static str {
        match self {
            AuthErrorReason::TokenExpired => "the token has expired",
            AuthErrorReason::IdentityExpired => "the connection's identity has expired",
            AuthErrorReason::NotYetValid => "the token is not valid yet by the server's clock",
            AuthErrorReason::NoMatchingProvider => {
                "no provider of the deployment matches the token's issuer and audience"
            }
            AuthErrorReason::UnknownSigningKey => {
                "the token's signing key is not in the server's cached JWKS"
            }
        }
    }
}

/// In which macrotask a `fetchAccessToken` promise settles, once the adapter has
/// its answer: nothing else can happen in between unless it is `Later` (see
/// `model`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Settles {
    /// In the macrotask of the call: the SDK answered from memory (a cached
    /// token, or the error of an ended session), with no network request.
    InTheCall,
    /// In the macrotask of the IdP's response (or of the end of the adapter's
    /// wait after its last failed attempt): from there only microtasks lead to
    /// the adapter's answer.
    InTheResponse,
    /// Some time later (a failure the SDK meets without a response the model
    /// steps through: an IdP outage).
    Later,
}

/// Every timer of the model.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Timer {
    /// The AuthenticationManager's `setTimeout(refetchToken, delay)`; armed once due.
    ScheduledRefetch,
    /// The WebSocketManager's reconnect backoff.
    Reconnect,
    /// AuthKit's 1 s auto-refresh loop finds the token due for refresh.
    AutoRefresh,
    /// The IdP SDK finishes loading at page load.
    IdpLoads,
    /// The adapter's wait before it retries a failed IdP call ends (PR #529:
    /// 250 ms, then 500 ms). Shorter than a tick: the clock does not move on
    /// while it is armed.
    AdapterRetry,
    /// Environment events.
    Tick,
    HideTab,
    ShowTab,
    DataChange,
    DropSocket,
    SignOut,
    SessionEnds,
    HangFetch,
    SignIn,
    SwitchAccount,
    SwitchSession,
    IdpOutage,
    AppMutation,
    AppAction,
    QueryToggle,
    AppSetAuth,
    AppClearAuth,
    RotateKey,
    RefetchJwks,
}

/// A nondeterministic choice: the IdP refresh serving fetch `call` succeeds or fails
/// transiently.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RefreshOutcome {
    pub call: u8,
    pub fails: bool,
}

/// The state of one actor. Its `Debug` form is written for people: it is what the
/// stateright Explorer shows for each actor.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
pub enum NodeState {
    Browser(Box<Tab>),
    Server(ServerState),
    TokenProvider(TokenProviderState),
    Environment(EnvironmentState),
}

impl fmt::Debug for NodeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeState::Browser(t) => {
                let pending: Vec<String> = t.pending.iter().map(|a| format!("{a:?}")).collect();
                write!(
                    f,
                    "browser tab (t={}{}): useConvexAuth() = {} | adapter isLoading:{} isAuthenticated:{} fetcher #{} | \
                     AuthenticationManager {} (configVersion {}, attempts {}) | awaiting [{}] | \
                     LocalSyncState auth {} identityVersion {}{} | socket {} | mutation {:?}",
                    t.now,
                    if t.hidden { ", hidden" } else { "" },
                    t.provider.use_convex_auth(),
                    t.provider.inputs.is_loading,
                    t.provider.inputs.is_authenticated,
                    t.provider.inputs.fetcher,
                    t.am.state.name(),
                    t.am.config_version,
                    t.am.token_confirmation_attempts,
                    pending.join(", "),
                    t.sync.auth.map_or("none".to_string(), |tok| tok.to_string()),
                    t.sync.identity_version,
                    if t.sync.paused { " (paused)" } else { "" },
                    t.socket.state,
                    t.mutation,
                )
            }
            NodeState::Server(s) => match s.connection {
                None => write!(f, "server (t={}): no connection", s.now),
                Some(c) => write!(
                    f,
                    "server (t={}): socket #{} identity {} (versions received {}, sent {}), {} queries, last run as {}",
                    s.now,
                    c.socket,
                    c.identity,
                    c.received_identity,
                    c.current_identity,
                    c.queries,
                    s.last_query_identity.map_or("-".to_string(), |i| i.to_string()),
                ),
            },
            NodeState::TokenProvider(p) => write!(
                f,
                "token provider (t={}{}{}): {} | cached {} | refresh failures left {} | refreshing for {:?}",
                p.idp.now,
                if p.idp.hidden { ", hidden" } else { "" },
                if p.idp.outage_ticks_left > 0 {
                    format!(", IdP down for {} more ticks", p.idp.outage_ticks_left)
                } else {
                    String::new()
                },
                match (p.idp.loading, p.idp.store.session) {
                    (true, _) => "loading".to_string(),
                    (false, Some(user)) => format!("user {user} signed in"),
                    (false, None) => "signed out".to_string(),
                },
                p.idp.store.cached.map_or("none".to_string(), |t| t.to_string()),
                p.idp.budget.left,
                p.pending.iter().map(|r| r.call).collect::<Vec<_>>(),
            ),
            NodeState::Environment(e) => write!(
                f,
                "environment: t={}{} | left: ticks {}, hides {}, data changes {}, drops {}, sign-outs {}",
                e.now,
                if e.hidden { " (tab hidden)" } else { "" },
                e.ticks_left.map_or("unbounded".to_string(), |n| n.to_string()),
                e.hides_left,
                e.data_changes_left,
                e.drops_left,
                e.sign_outs_left,
            ),
        }
    }
}

/// One actor: its role and the scenario it runs.
#[derive(Clone, Debug)]
pub enum Node {
    Browser(Scenario),
    Server(Scenario),
    TokenProvider(Scenario),
    Environment(Scenario),
}

/// Applies `f` to the inner state if it is the expected variant; marks the `Cow`
/// owned only when `f` reports a change.
macro_rules! with_state {
    ($state:expr, $variant:path, |$s:ident| $body:expr) => {{
        if let $variant(inner) = &**$state {
            let mut $s = inner.clone();
            let changed: bool = $body;
            if changed {
                *$state.to_mut() = $variant($s);
            }
        }
    }};
}

impl Actor for Node {
    type Msg = Msg;
    type State = NodeState;
    type Timer = Timer;
    type Random = RefreshOutcome;
    type Storage = ();

    fn on_start(&self, _id: Id, _storage: &Option<()>, o: &mut Out<Self>) -> NodeState {
        match self {
            Node::Browser(sc) => NodeState::Browser(Box::new(Tab::start(sc, o))),
            Node::Server(sc) => NodeState::Server(ServerState::start(sc)),
            Node::TokenProvider(sc) => NodeState::TokenProvider(TokenProviderState::start(sc, o)),
            Node::Environment(sc) => NodeState::Environment(EnvironmentState::start(sc, o)),
        }
    }

    fn on_msg(&self, _id: Id, state: &mut Cow<NodeState>, _src: Id, msg: Msg, o: &mut Out<Self>) {
        match self {
            Node::Browser(sc) => {
                with_state!(state, NodeState::Browser, |s| s.on_msg(sc, &msg, o))
            }
            Node::Server(_) => {
                with_state!(state, NodeState::Server, |s| s.on_msg(&msg, o))
            }
            Node::TokenProvider(sc) => {
                with_state!(state, NodeState::TokenProvider, |s| s.on_msg(sc, &msg, o))
            }
            Node::Environment(_) => {}
        }
    }

    fn on_timeout(&self, _id: Id, state: &mut Cow<NodeState>, timer: &Timer, o: &mut Out<Self>) {
        match self {
            Node::Browser(sc) => {
                with_state!(state, NodeState::Browser, |s| s.on_timeout(sc, timer, o))
            }
            Node::TokenProvider(sc) => {
                with_state!(state, NodeState::TokenProvider, |s| s
                    .on_timeout(sc, timer, o))
            }
            Node::Environment(_) => {
                with_state!(state, NodeState::Environment, |s| s.on_timeout(timer, o))
            }
            Node::Server(_) => {}
        }
    }

    fn on_random(
        &self,
        _id: Id,
        state: &mut Cow<NodeState>,
        random: &RefreshOutcome,
        o: &mut Out<Self>,
    ) {
        if let Node::TokenProvider(sc) = self {
            with_state!(state, NodeState::TokenProvider, |s| s
                .on_random(sc, random, o))
        }
    }

    fn name(&self) -> String {
        match self {
            Node::Browser(_) => "browser tab",
            Node::Server(_) => "server",
            Node::TokenProvider(_) => "token provider",
            Node::Environment(_) => "environment",
        }
        .to_string()
    }
}
