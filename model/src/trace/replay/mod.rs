//! From a model trace to a replay script for the conformance driver
//! (`conformance/driver.mjs`, the real `convex@1.49.0` client), and the comparison of
//! what the model predicts with what the client did.
//!
//! Every step of the tab becomes one or more driver steps; steps of the other
//! actors are the driver's business (its fake server and fetchAccessToken) and
//! become nothing. [`drive`] says, per [`Event`](crate::events::Event), which driver
//! ops play it or why none does. For each tab step the model predicts, and the
//! driver reports ([`Expectation`]): everything the client sends — the
//! `fetchAccessToken` calls (with `forceRefreshToken`), the WebSockets it opens and
//! closes, and its `Authenticate` (base version, token or None), `ModifyQuerySet`
//! (the size of the query set after it), `Mutation` and `Action` messages — and
//! every callback the app sees: its mutation's and action's promises settling or
//! failing, an unhandled rejection, and `useConvexAuth()` after the step; then the
//! AuthenticationManager's state and the socket's state.
//!
//! Its limits, named: `Connect` (nothing auth-related) and the client's telemetry
//! `Event` messages are not modelled, so not compared; nor is the empty query set
//! a new socket starts with (convex-js sends `ModifyQuerySet` on every open, the
//! model only when the app has queries: `SyncState::restart`); the bare client's
//! `onChange` / `onRefreshChange` calls are compared by what they leave the app
//! showing after the step (its `useConvexAuth()`), not call by call. A world the
//! harness cannot drive is refused by [`plan`] with the reason, which callers
//! report as "not replayable: <why>", never as a divergence or an agreement.
//!
//! Time: one tick is the refetch leeway, 10 s. The driver's clock moves to
//! `tick × 10 s` on a clock step, and timers fire only when the model fires them.
//!
//! The parts: [`protocol`] (the typed boundary to the driver, and its JSON
//! Schema), [`plan`] (from a path to a [`ReplayPlan`]), [`ops`] (from model
//! events to driver ops) and [`compare`] (observations against expectations).

pub mod compare;
pub mod ops;
pub mod plan;
pub mod protocol;

pub use compare::{compare, read_observations, Comparison, Expectation};
pub use ops::{drive, Drive};
pub use plan::{
    adapter_code, monitored, plan, plan_monitored, plan_walk, PlannedStep, ReplayPlan, MONITORABLE,
};
pub use protocol::{AdapterCode, HookSource, IdpFailure, Observation, Op, Script, Step};
