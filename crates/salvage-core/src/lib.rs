//! Salvage's core: the workflow processor for failed event messages, without the wire.
//!
//! A consumer that fails on a message reports it over gRPC; Salvage repairs it by rules and
//! requeues it, schedules a retry, or parks it in Redis for an operator, and answers only once
//! that outcome is durable. See ARCHITECTURE.md for the flow and the Redis key layout.
//!
//! This crate has no protobuf: it does not depend on `salvage-proto` or prost, so Cargo refuses
//! a generated type here. The gRPC services that convert the wire into these types, and the
//! start-up that wires everything together, are the `salvage-server` crate's.
//!
//! Crate map:
//! - [`config`]: typed settings (TOML file + `SALVAGE__*` environment overrides).
//! - [`workflow`]: the processor, a report in and one committed outcome out.
//! - the rule engine is its own crate, `salvage-rules` (`crates/salvage-rules`): pure, no I/O;
//!   [`rules`] loads it from files and holds the set in force, with its version, for reloads.
//! - [`store`]: Redis, its own crate `salvage-store` (`crates/salvage-store`), the only one that
//!   depends on `redis`: key layout and the Lua scripts that commit outcomes atomically.
//! - [`destinations`]: where requeued messages go (Redis Streams, RabbitMQ, NATS, Kafka).
//! - [`relay`]: delivers outboxes and due retries; polls the gauges.
//! - [`parking`]: the parking lot's operations (list, edit, resubmit runs, re-triage, discard,
//!   restore, retention, live events), served over gRPC by `salvage-server` as
//!   `salvage.v1.ParkingLot` and over HTTP by the console.
//! - [`admin`]: `/metrics`, `/healthz`, `/readyz`, and the admin port's HTTP(S) server.
//! - [`tls`]: TLS on the listeners (certificate files, handshakes off the accept loop).
//! - [`console`]: the operator console (a web page and its JSON API on the admin port).
//! - [`metrics`]: metric names and the events that count them.
//! - [`telemetry`], [`shutdown`]: plumbing.

pub mod admin;
pub mod config;
pub mod console;
pub mod destinations;
pub mod metrics;
pub mod parking;
pub mod relay;
pub mod rules;
pub mod shutdown;
pub mod telemetry;
pub mod tls;
pub mod workflow;

/// Redis: the `salvage-store` crate.
pub use salvage_store as store;
