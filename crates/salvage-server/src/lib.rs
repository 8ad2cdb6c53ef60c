//! Salvage's server: the gRPC services and the start-up that wires the core together.
//!
//! - [`api`]: the `salvage.v1.Salvage` and `salvage.v1.ParkingLot` services, health and
//!   reflection; the only module of the server that sees protobuf types (it converts them into
//!   the core's).
//! - [`startup`]: build the application (rules, store, listeners), run until stopped.
//!
//! The core's modules (`salvage-core`: workflow, destinations, relay, parking, console, admin,
//! config, ...) are re-exported under their own names, so `crate::workflow` here is the core's.
//! The tools (the command line, `salvage dev`, the load generator) are the `salvage` package's,
//! built on this crate; nothing here imports them (Cargo: this crate does not depend on it).

pub mod api;
pub mod startup;

pub use salvage_core::{
    admin, config, console, destinations, metrics, parking, relay, rules, shutdown, store,
    telemetry, tls, workflow,
};
/// Generated protobuf and gRPC code: the `salvage-proto` crate.
pub use salvage_proto as proto;
