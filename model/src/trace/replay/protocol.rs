//! The boundary to the conformance driver (`conformance/driver.mjs`): the
//! [`Script`] Rust sends it on stdin, and the [`Observation`]s it prints back.
//!
//! These types are the boundary's one schema. `conformance/driver-protocol.schema.json`
//! is generated from them ([`schema`]); the driver checks every script it reads and
//! every observation it prints against that file (`conformance/protocol.mjs`), and a
//! test fails when the checked-in file is not what these types generate.
//!
//! Names on the wire are the driver's (camelCase); times are milliseconds of the
//! driver's virtual clock unless a field says seconds.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::actors::{Token, User};
pub use crate::adapters::AdapterCode;
use crate::sdks::FailureKind;

/// Where the generated schema is checked in, relative to the repository root.
pub const SCHEMA_FILE: &str = "conformance/driver-protocol.schema.json";

/// The command that rewrites [`SCHEMA_FILE`] from these types.
pub const SCHEMA_COMMAND: &str =
    "WRITE_DRIVER_SCHEMA=1 cargo test -p convex-auth-model --lib the_checked_in_schema_is_up_to_date";

/// The driver op that loads the real SDK's session (the page's, or at the end of
/// its load), handing it `token`.
pub fn load_op(code: AdapterCode, token: SdkToken) -> Op {
    if code.is_authkit() {
        Op::WorkosLoad(token)
    } else if code.over_token_store() {
        Op::StoreLoad(token)
    } else {
        Op::ConvexAuthLoad(token)
    }
}

/// How the driver names a token: `T<serial>`.
pub(crate) fn token_name(t: &Token) -> String {
    format!("T{}", t.serial)
}

/// How the driver names a user: the `sub` of their tokens, and who is signed in
/// for the monitors, which compare the two.
pub(crate) fn subject(user: User) -> String {
    format!("user{user}")
}

/// What the driver reads: the tokens, the app, the client's options and the
/// steps (`conformance/driver.mjs`, "The script").
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Script {
    /// The tokens by name (`T<serial>`), as the driver mints their JWTs.
    pub tokens: BTreeMap<String, TokenTimes>,
    /// What the adapter hook returns at the first render.
    pub initial_adapter: AdapterState,
    /// The adapter's real code, or null for `ConvexProviderWithAuth` over a fake
    /// adapter hook whose fetches the script settles.
    pub adapter_code: Option<AdapterCode>,
    /// How many queries the app's component subscribes with `useQuery`.
    pub queries: u8,
    /// Whether the app renders under `<React.StrictMode>`.
    pub strict_mode: bool,
    /// Whether the first query is `usePreloadedQuery` over a server-rendered payload.
    pub preloaded_query: bool,
    /// A `ConvexReactClient` under a provider (true), or a bare `BaseConvexClient`
    /// driven by `setAuth` / `clearAuth` steps (false).
    pub react: bool,
    /// Whether the app's component calls its mutation once, in an effect.
    pub mutation: bool,
    /// Whether a client's `ws.close()` waits for a `closeAck` step.
    pub manual_close_ack: bool,
    pub scheduling: Scheduling,
    /// With [`Scheduling::Scheduler`]: a commit's passive effects wait for a
    /// `flushEffects` step.
    pub hold_passive_effects: bool,
    /// The npm package the client is imported from: `convex` (1.49.0) or an
    /// alias of another release (`convex-1.20.0`, `convex-1.49.0-proposal`).
    pub convex_package: String,
    pub client_options: ClientOptions,
    pub steps: Vec<Step>,
    /// The properties the driver watches on the real client (`conformance/monitors.mjs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitors: Option<Monitors>,
    /// With the real AuthKit: whether devMode's refresh token is stored (the page
    /// comes signed in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workos_session: Option<bool>,
    /// With a real SDK: the load of a page that comes with its session, run
    /// during the mount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_at_mount: Option<Op>,
    /// The user's own file, run in place of the recommended hook `adapter_code`
    /// names, over the same SDK (`convex-auth-check hook`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook: Option<HookSource>,
}

/// A hook file of the user's, as the driver bundles and renders it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct HookSource {
    /// The file (TS, TSX or JS), as a path the driver can read.
    pub file: String,
    /// The export to render: a hook (`use…`) of the shape
    /// `ConvexProviderWithAuth` takes, or a provider component that takes
    /// `client`, `useAuth` and `children`. Unset: the file's only hook, or else
    /// its only component.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<String>,
}

/// A token's times, in seconds from the driver's virtual epoch, and its subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct TokenTimes {
    pub iat: u64,
    pub exp: u64,
    pub sub: String,
}

/// What an adapter hook returns (`useAuth()` of `ConvexProviderWithAuth`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdapterState {
    pub is_loading: bool,
    pub is_authenticated: bool,
}

/// How React's work runs between the driver's steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Scheduling {
    /// Every step inside React's `act()`.
    Act,
    /// React schedules its work as in a browser; the driver runs its tasks after
    /// each step (what replays and fuzz use).
    Scheduler,
}

/// The `ConvexReactClient` / `BaseConvexClient` constructor options the script sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientOptions {
    pub expect_auth: bool,
    pub initial_auth_token_reuse: bool,
    pub auth_refresh_token_leeway_seconds: u64,
}

/// The real-side monitors' settings.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Monitors {
    /// Slugs of the properties watched (of `MONITORABLE`).
    pub properties: Vec<String>,
    /// STORM's bound: fetches and reconnects in one tick.
    pub storm_bound: u8,
    /// The world at the mount.
    pub mount_env: WorldFacts,
}

/// The facts of the world after a model step that the real-side monitors need.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorldFacts {
    /// Who is signed in, as the IdP SDK believes (a token's `sub`), or null.
    pub session: Option<String>,
    /// The session has ended at the IdP itself (`faults.session_ends`): nobody
    /// is signed in there, whatever the SDK believes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub session_ended: bool,
    /// How many changes of user the IdP has taken so far.
    pub user_changes: u32,
    pub user_change: UserChange,
    /// Whether the network has dropped the socket.
    pub network_dropped: bool,
}

/// How far news of the latest change of user has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum UserChange {
    Settled,
    Unseen,
    Told,
}

/// One step of a script: an op, and what the model knows of the world after it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    #[serde(flatten)]
    pub op: Op,
    /// The world after the model step this plays, for the monitors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<WorldFacts>,
    /// Over authkit-nextjs's or TanStack Start's token store: the moment the
    /// model's IdP has seen, which the store's expiry test reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_now_ms: Option<u64>,
}

impl From<Op> for Step {
    fn from(op: Op) -> Step {
        Step {
            op,
            env: None,
            idp_now_ms: None,
        }
    }
}

/// A token the real SDK is handed, and the moment the model's SDK received it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SdkToken {
    /// The token's name, or null for none.
    pub token: Option<String>,
    /// When the model's SDK received it (its `iat`): the driver answers as of then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<u64>,
}

/// How the oldest SDK request in flight fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdpFailure {
    /// The kind of failure (`faults.failure_kind`), which the driver builds at
    /// the SDK's HTTP boundary: a rejected `fetch` (network-error, offline with
    /// `navigator.onLine` false) or an answer with that status and a JSON error
    /// body (http-5xx, http-429 with Retry-After, http-408).
    pub kind: FailureKind,
    /// Where the app's own server answers for the IdP (authkit-nextjs's Server
    /// Actions, TanStack Start's server functions, both scripted): it answers
    /// no user (undefined), as the model's server does for this kind now,
    /// instead of rejecting.
    pub no_user: bool,
}

/// What the driver does in a step: one handler of its dispatch table `OPS`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum Op {
    // The WebSocket and what the server sends.
    /// The socket connecting opens.
    Open,
    /// The server closes socket `ws`.
    ServerClose {
        ws: u64,
    },
    /// The close the client started on socket `ws` completes.
    CloseAck {
        ws: u64,
    },
    /// A `Transition` whose identity version moves from `from` to `to`.
    Transition {
        from: u8,
        to: u8,
    },
    /// An `AuthError`; `authUpdateAttempted` null leaves the field out (an older backend);
    /// `error`, the backend's text for its reason.
    #[serde(rename_all = "camelCase")]
    AuthError {
        auth_update_attempted: Option<bool>,
        base_version: u8,
        error: String,
    },
    /// A `Ping`.
    Ping,
    /// The `MutationResponse` of the app's mutation.
    MutationResponse,
    /// The `ActionResponse` of the app's action.
    ActionResponse,
    // The app.
    CallMutation,
    CallAction,
    /// A component with its own `useQuery` mounts.
    MountQuery,
    UnmountQuery,
    /// The adapter hook returns new values; `newFetcher`: a new `fetchAccessToken`.
    #[serde(rename_all = "camelCase")]
    Provider {
        is_loading: bool,
        is_authenticated: bool,
        new_fetcher: bool,
    },
    /// The adapter says signed out (hand-written scripts).
    SignOut,
    /// The bare client's app calls `setAuth` with a new fetcher.
    SetAuth,
    /// The bare client's app calls `clearAuth`.
    ClearAuth,
    // fetchAccessToken promises, numbered in the order they were made.
    /// Resolves fetch `fetch` with a token, or null.
    FetchResolve {
        fetch: u64,
        token: Option<String>,
    },
    /// Rejects fetch `fetch`.
    FetchReject {
        fetch: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// Fetch `fetch` never settles.
    FetchHang {
        fetch: u64,
    },
    // Time and timers.
    /// The clock moves to `toMs`.
    #[serde(rename_all = "camelCase")]
    Advance {
        to_ms: u64,
    },
    FireAuthRefetch,
    FireReconnect,
    /// convex 1.14.0's provider's deferred `clearAuth` runs.
    FireClearAuth,
    /// React runs the passive effects it holds since their commit.
    FlushEffects,
    // A real IdP SDK's side.
    /// authkit-react's `createClient` runs; its session refresh is answered.
    WorkosLoad(SdkToken),
    /// authkit-js's refresh loop fires and its request is answered.
    WorkosAutoRefresh(SdkToken),
    /// The page's `getAuthAction` is answered, then with a session the token
    /// store's first request.
    StoreLoad(SdkToken),
    /// The token store's timer fires and its request is answered.
    StoreTimer(SdkToken),
    /// The tab is shown; the stores' wake listener's request is answered.
    StoreWake(SdkToken),
    /// The oldest SDK request in flight succeeds.
    IdpAnswer(SdkToken),
    /// The oldest SDK request in flight fails.
    IdpFail(IdpFailure),
    /// Convex Auth's page storage is read.
    ConvexAuthLoad(SdkToken),
    /// Convex Auth's wait before its retry ends.
    ConvexAuthRetry,
    /// The recommended hooks' wait before they call the SDK again ends, for
    /// `waits` fetches.
    HookRetry {
        waits: usize,
    },
}

impl Op {
    /// The op's name in the driver's dispatch table.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Open => "open",
            Op::ServerClose { .. } => "serverClose",
            Op::CloseAck { .. } => "closeAck",
            Op::Transition { .. } => "transition",
            Op::AuthError { .. } => "authError",
            Op::Ping => "ping",
            Op::MutationResponse => "mutationResponse",
            Op::ActionResponse => "actionResponse",
            Op::CallMutation => "callMutation",
            Op::CallAction => "callAction",
            Op::MountQuery => "mountQuery",
            Op::UnmountQuery => "unmountQuery",
            Op::Provider { .. } => "provider",
            Op::SignOut => "signOut",
            Op::SetAuth => "setAuth",
            Op::ClearAuth => "clearAuth",
            Op::FetchResolve { .. } => "fetchResolve",
            Op::FetchReject { .. } => "fetchReject",
            Op::FetchHang { .. } => "fetchHang",
            Op::Advance { .. } => "advance",
            Op::FireAuthRefetch => "fireAuthRefetch",
            Op::FireReconnect => "fireReconnect",
            Op::FireClearAuth => "fireClearAuth",
            Op::FlushEffects => "flushEffects",
            Op::WorkosLoad(_) => "workosLoad",
            Op::WorkosAutoRefresh(_) => "workosAutoRefresh",
            Op::StoreLoad(_) => "storeLoad",
            Op::StoreTimer(_) => "storeTimer",
            Op::StoreWake(_) => "storeWake",
            Op::IdpAnswer(_) => "idpAnswer",
            Op::IdpFail(_) => "idpFail",
            Op::ConvexAuthLoad(_) => "convexAuthLoad",
            Op::ConvexAuthRetry => "convexAuthRetry",
            Op::HookRetry { .. } => "hookRetry",
        }
    }
}

/// What the driver reports of one step (or of the mount): what the client did
/// during it, and what it looks like after it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Observation {
    /// The step's index in the script; -1 for the mount.
    pub step: i64,
    /// The step as the script gave it, or the mount.
    pub op: Recorded,
    pub events: Vec<ObservedEvent>,
    pub state: ClientState,
}

/// The op an observation records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Recorded {
    Mount(Mount),
    Step(Step),
}

/// The mount, as an observation records it: `{"op": "mount"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Mount {
    pub op: MountOp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum MountOp {
    Mount,
}

/// The client after a step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientState {
    /// The AuthenticationManager's `authState.state`.
    pub auth: String,
    /// The AuthenticationManager's `configVersion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_version: Option<u64>,
    /// LocalSyncState's `identityVersion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_version: Option<u64>,
    /// The token LocalSyncState holds, by name ("?" for one the script did not mint).
    pub client_auth: Option<String>,
    /// `webSocketManager.socket.state`, in 1.49.0's words.
    pub socket: String,
    /// `webSocketManager.socket.paused` ("yes", "no", "uninitialized"), null
    /// when the socket has none.
    pub paused: Option<String>,
    /// `useConvexAuth()` as last rendered (the bare client's app: as its callbacks said).
    pub use_convex_auth: Option<UseConvexAuth>,
    /// With a preloaded query: what `usePreloadedQuery` returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preloaded_query_shows: Option<serde_json::Value>,
    /// The fetches not settled yet.
    pub pending_fetches: Vec<u64>,
    /// The labels of the timers armed.
    pub timers: Vec<String>,
}

/// `useConvexAuth()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UseConvexAuth {
    pub is_loading: bool,
    pub is_authenticated: bool,
    pub is_refreshing: bool,
}

/// Something the driver saw during a step, at virtual time `t`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObservedEvent {
    pub t: f64,
    #[serde(flatten)]
    pub what: ClientEvent,
}

/// What the driver saw.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind")]
pub enum ClientEvent {
    /// A message the client sent on socket `ws`.
    #[serde(rename = "out")]
    Sent {
        ws: u64,
        #[serde(flatten)]
        message: SentMessage,
    },
    /// The client made a WebSocket.
    #[serde(rename = "ws.new")]
    SocketMade { ws: u64 },
    /// The client closed socket `ws`.
    #[serde(rename = "ws.clientClose")]
    SocketClosedByClient { ws: u64 },
    /// The driver completed the client's close of socket `ws`.
    #[serde(rename = "ws.closeAck")]
    CloseAcknowledged { ws: u64 },
    /// The server's close reached a socket the client had closed.
    #[serde(rename = "server.closeIgnored")]
    ServerCloseIgnored { ws: u64 },
    /// A `fetchAccessToken` call (`gen`: the fake adapter's fetcher; `template`,
    /// `cacheMode`: what Clerk's or Auth0's adapter passed).
    #[serde(rename = "fetchToken.call", rename_all = "camelCase")]
    FetchCalled {
        fetch: u64,
        force_refresh_token: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gen: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        template: Option<serde_json::Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache_mode: Option<serde_json::Value>,
    },
    /// The real adapter's fetch settled with a token (by name) or null.
    #[serde(rename = "fetchToken.settled")]
    FetchSettled { fetch: u64, token: Option<String> },
    /// The real adapter's fetch rejected.
    #[serde(rename = "fetchToken.rejected")]
    FetchRejected { fetch: u64, error: String },
    /// A `fetchHang` step: the fetch is left unsettled.
    #[serde(rename = "fetch.hangs")]
    FetchHangs { fetch: u64 },
    /// The adapter re-rendered with these values.
    #[serde(rename = "provider", rename_all = "camelCase")]
    ProviderRendered {
        is_loading: bool,
        is_authenticated: bool,
        gen: u64,
    },
    /// `useConvexAuth()` changed.
    #[serde(rename = "useConvexAuth", rename_all = "camelCase")]
    UseConvexAuthChanged {
        is_loading: bool,
        is_authenticated: bool,
        is_refreshing: bool,
    },
    /// The bare client's `onChange` callback.
    #[serde(rename = "onChange")]
    OnChange { gen: u64, value: bool },
    /// The bare client's `onRefreshChange` callback.
    #[serde(rename = "onRefreshChange")]
    OnRefreshChange { gen: u64, value: bool },
    #[serde(rename = "mutation.settled")]
    MutationSettled {},
    #[serde(rename = "mutation.failed")]
    MutationFailed { error: String },
    #[serde(rename = "action.settled")]
    ActionSettled {},
    #[serde(rename = "action.failed")]
    ActionFailed { error: String },
    /// A timer fired.
    #[serde(rename = "timer.fire")]
    TimerFired { timer: String },
    /// A step fired a timer that was not armed.
    #[serde(rename = "timer.none")]
    NoTimer { timer: String },
    /// A rejection nobody handled.
    #[serde(rename = "unhandledRejection")]
    UnhandledRejection { error: String },
    /// An op threw.
    #[serde(rename = "client.threw")]
    ClientThrew { error: String },
    /// The client's logger.
    #[serde(rename = "log")]
    Log { msg: String },
    #[serde(rename = "warn")]
    Warn { msg: String },
    #[serde(rename = "error")]
    Error { msg: String },
    /// What a library wrote to the console.
    #[serde(rename = "console")]
    Console { level: String, msg: String },
    /// A property the real-side monitors saw broken.
    #[serde(rename = "monitor.violated")]
    MonitorViolated { property: String, detail: String },
    /// A request to the WorkOS API (`conformance/workos.mjs`).
    #[serde(rename = "workos.request", rename_all = "camelCase")]
    WorkosRequest {
        id: u64,
        path: String,
        grant: Option<String>,
        refresh_token: Option<String>,
    },
    /// A request to Convex Auth's backend (`conformance/convex-auth.mjs`).
    #[serde(rename = "convexAuth.request", rename_all = "camelCase")]
    ConvexAuthRequest {
        id: u64,
        url: String,
        path: Option<String>,
        refresh_token: Option<String>,
    },
    /// A request Better Auth's fake client makes.
    #[serde(rename = "betterAuth.request")]
    BetterAuthRequest { id: u64, path: String },
    /// A server function of authkit-nextjs or TanStack Start called
    /// (`conformance/authkit-server-actions.mjs`).
    #[serde(rename = "serverAction.request")]
    ServerActionRequest { id: u64, action: String },
    // The driver's own troubles: each is a divergence.
    #[serde(rename = "driver.noSocket")]
    DriverNoSocket { op: String },
    #[serde(rename = "driver.noFetch")]
    DriverNoFetch { fetch: u64 },
    #[serde(rename = "driver.noRequest")]
    DriverNoRequest { op: String },
    #[serde(rename = "driver.unknownOp")]
    DriverUnknownOp { op: String },
    #[serde(rename = "driver.unsupportedOption")]
    DriverUnsupportedOption { option: String },
}

impl ClientEvent {
    /// The event's kind, as the driver names it.
    pub fn kind(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v["kind"].as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// A message the client sent on a WebSocket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type")]
pub enum SentMessage {
    Connect,
    /// `Authenticate`: the token by name ("?" for one the script did not mint;
    /// null for tokenType None) and its subject.
    #[serde(rename_all = "camelCase")]
    Authenticate {
        base_version: u64,
        token: Option<String>,
        sub: Option<String>,
    },
    /// `ModifyQuerySet`; `queries`: how many queries the socket's query set
    /// holds after it.
    #[serde(rename_all = "camelCase")]
    ModifyQuerySet {
        base_version: u64,
        new_version: u64,
        queries: u64,
    },
    #[serde(rename_all = "camelCase")]
    Mutation {
        request_id: u64,
    },
    #[serde(rename_all = "camelCase")]
    Action {
        request_id: u64,
    },
    /// A client event (telemetry); nothing the model sends.
    Event,
}

/// The driver's whole exchange, as one schema: the script it reads and the
/// observations it prints (one per step, the mount first).
#[derive(JsonSchema)]
#[allow(dead_code)]
struct DriverProtocol {
    script: Script,
    observations: Vec<Observation>,
}

/// The JSON Schema of the driver's protocol, as checked in at [`SCHEMA_FILE`].
pub fn schema() -> String {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let schema = generator.into_root_schema_for::<DriverProtocol>();
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}

impl Op {
    /// One op of each kind.
    pub fn examples() -> Vec<Op> {
        let token = || SdkToken {
            token: Some("T1".into()),
            at_ms: Some(10_000),
        };
        vec![
            Op::Open,
            Op::ServerClose { ws: 0 },
            Op::CloseAck { ws: 0 },
            Op::Transition { from: 0, to: 1 },
            Op::AuthError {
                auth_update_attempted: None,
                base_version: 1,
                error: "Convex token identity expired".into(),
            },
            Op::Ping,
            Op::MutationResponse,
            Op::ActionResponse,
            Op::CallMutation,
            Op::CallAction,
            Op::MountQuery,
            Op::UnmountQuery,
            Op::Provider {
                is_loading: false,
                is_authenticated: true,
                new_fetcher: false,
            },
            Op::SignOut,
            Op::SetAuth,
            Op::ClearAuth,
            Op::FetchResolve {
                fetch: 0,
                token: None,
            },
            Op::FetchReject {
                fetch: 0,
                error: None,
            },
            Op::FetchHang { fetch: 0 },
            Op::Advance { to_ms: 10_000 },
            Op::FireAuthRefetch,
            Op::FireReconnect,
            Op::FireClearAuth,
            Op::FlushEffects,
            Op::WorkosLoad(token()),
            Op::WorkosAutoRefresh(token()),
            Op::StoreLoad(token()),
            Op::StoreTimer(token()),
            Op::StoreWake(token()),
            Op::IdpAnswer(token()),
            Op::IdpFail(IdpFailure {
                kind: FailureKind::Http5xx,
                no_user: false,
            }),
            Op::ConvexAuthLoad(SdkToken {
                token: None,
                at_ms: None,
            }),
            Op::ConvexAuthRetry,
            Op::HookRetry { waits: 1 },
        ]
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Each adapter code's name is its serialized form.
    #[test]
    fn adapter_code_names_are_their_wire_form() {
        for code in AdapterCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.name());
            let back: AdapterCode = serde_json::from_value(code.name().into()).unwrap();
            assert_eq!(back, code);
        }
    }

    /// Each op's name is its `op` tag on the wire.
    #[test]
    fn op_names_are_their_wire_tags() {
        for op in Op::examples() {
            let wire = serde_json::to_value(Step::from(op.clone())).unwrap();
            assert_eq!(wire["op"], op.name(), "{op:?}");
            let back: Step = serde_json::from_value(wire).unwrap();
            assert_eq!(back.op, op);
        }
    }

    /// The checked-in schema is the one these types generate.
    #[test]
    fn the_checked_in_schema_is_up_to_date() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../",
            "conformance/driver-protocol.schema.json"
        );
        if std::env::var_os("WRITE_DRIVER_SCHEMA").is_some() {
            std::fs::write(path, schema()).expect("the schema file is writable");
        }
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            checked_in == schema(),
            "{SCHEMA_FILE} is not what the driver protocol's types generate: run `{SCHEMA_COMMAND}`"
        );
    }

    /// The ops of the conformance driver's dispatch table (`const OPS = { … }`).
    pub(crate) fn driver_ops() -> Vec<String> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance/driver.mjs");
        let driver = std::fs::read_to_string(path).expect("conformance/driver.mjs");
        let table = driver
            .split_once("const OPS = {")
            .and_then(|(_, rest)| rest.split_once("\n};"))
            .expect("driver.mjs has its dispatch table `const OPS = { … };`")
            .0;
        table
            .lines()
            .filter_map(|line| {
                let name = line.trim().split([':', ',', '(']).next()?;
                (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()))
                    .then(|| name.to_string())
            })
            .collect()
    }

    /// The driver's dispatch table has exactly the ops of the schema.
    #[test]
    fn the_drivers_ops_are_the_schemas() {
        let mut driver_ops = driver_ops();
        driver_ops.sort();
        driver_ops.dedup();
        let mut schema_ops: Vec<String> = Op::examples()
            .iter()
            .map(|op| op.name().to_string())
            .collect();
        schema_ops.sort();
        assert_eq!(driver_ops, schema_ops);
    }
}
