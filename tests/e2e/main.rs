//! End-to-end tests: a real redis-server per test and Salvage itself (in process, or as the
//! built binary where a test kills it).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub,
    reason = "tests fail by panicking; support modules are `pub` to the tests of this binary only"
)]

mod api;
mod buckets_reads;
// Suites that need more than redis-server are behind the package's `test-*` features, so that a
// plain `cargo test` needs only redis-server; `.ci/run` turns them all on.
#[cfg(feature = "test-brokers")]
mod brokers;
mod buckets;
mod buckets_relay;
mod cluster;
mod cluster_harness;
#[cfg(feature = "test-browser")]
mod console;
mod dedupe;
mod durability;
mod exact_data;
mod golden;
mod hardening;
mod observe;
mod overload;
mod parked_cli;
mod parking_lot;
mod redis_tls_topologies;
mod replication;
mod rules_reload;
mod schemas;
mod sentinel_harness;
mod support;
mod surfaces;
mod tls;
mod tracing;
mod workflow;
