//! From a model trace to a replay script for the conformance driver
//! (`conformance/driver.mjs`, the real `convex@1.49.0` client), and the comparison of
//! what the model predicts with what the client did.
//!
//! Every step of the tab becomes one or more driver steps; steps of the other
//! actors are the driver's business (its fake server and fetchAccessToken) and
//! become nothing. [`drive`] says, per [`Event`](crate::events::Event), which driver
//! ops play it or why none does. For each tab step the model predicts, and the
//! driver reports: the `fetchAccessToken` calls (with `forceRefreshToken`) and the
//! `Authenticate` messages sent (base version, token or None), then the
//! AuthenticationManager's state, the socket's state and `useConvexAuth()` after it.
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
    adapter_code, monitored, plan, plan_monitored, PlannedStep, ReplayPlan, MONITORABLE,
};
pub use protocol::{AdapterCode, Observation, Op, Script, Step};
