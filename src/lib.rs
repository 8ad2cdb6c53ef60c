//! Salvage: the workflow processor for failed event messages.
//!
//! A consumer that fails on a message reports it over gRPC; Salvage repairs it by rules and
//! requeues it, schedules a retry, or parks it in Redis for an operator, and answers only once
//! that outcome is durable. See ARCHITECTURE.md for the flow, the crate graph and the Redis key
//! layout.
//!
//! This package is the `salvage` binary and its tools; the server is the `salvage-server` crate,
//! whose modules are re-exported here under their own names (`salvage::workflow`, ...):
//! - [`cli`]: the command line (`serve`, `check`, `parked`, ...).
//! - [`dev`]: `salvage dev`, a local Redis and Salvage with the example rules.
//! - [`loadgen`]: the load generator behind `bench/run.sh`.

pub mod cli;
pub mod dev;
pub mod loadgen;

pub use salvage_server::{
    admin, api, config, console, destinations, metrics, parking, proto, relay, rules, shutdown,
    startup, store, telemetry, tls, workflow,
};
