//! convex-auth-model: a stateright model of the Convex client authentication
//! protocol — the React provider, AuthenticationManager, LocalSyncState and
//! WebSocketManager of `convex@1.49.0`, the server sync worker, the IdP with its
//! adapter, and the environment — with the properties app developers care about and
//! an exploration engine that turns every violation into a shortest trace.

pub mod actors;
pub mod adapters;
pub mod catalogue;
pub mod check;
pub mod config;
pub mod engine;
pub mod engines;
pub mod events;
pub mod fuzz;
pub mod history;
pub mod learn;
pub mod matrix;
pub mod model;
pub mod properties;
pub mod relative_time;
pub mod sdks;
pub mod trace;
pub mod unordered;
pub mod view;
