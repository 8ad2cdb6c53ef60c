//! Honest errors and standard surfaces: undecodable and oversized messages get their documented
//! status, one bad frame does not end a `ReportStream` (`grpc.rs`); health and reflection on both
//! gRPC ports (`ports.rs`); shutdown answers calls in flight and `/readyz` says 503 while draining
//! (`shutdown.rs`); log lines are valid JSON with unique keys, without colours or message bodies
//! (`logs.rs`).

mod dev;
mod grpc;
mod logs;
mod ports;
mod shutdown;
