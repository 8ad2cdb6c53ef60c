//! `[server]`: the gRPC server consumers call (`Salvage` and its `ReportStream`): address, the
//! in-flight budget, HTTP/2 limits, shutdown grace, TLS.

use std::{net::SocketAddr, time::Duration};

use serde::Deserialize;

use crate::tls::ListenerTls;

/// The gRPC server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address to listen on; port 0 picks a free port.
    pub grpc_addr: SocketAddr,
    /// Reports processed at once across all connections; more are answered RESOURCE_EXHAUSTED.
    pub max_in_flight: usize,
    /// Request bytes (encoded) of the reports processed at once; more are answered
    /// RESOURCE_EXHAUSTED (a unary call before its body is read). At least `max_message_bytes`.
    pub max_in_flight_bytes: usize,
    /// Largest request message (encoded) the gRPC port accepts; a larger one is refused with
    /// OUT_OF_RANGE before it is buffered. At least `limits.max_payload_bytes +
    /// limits.max_header_bytes + 16 KiB`.
    pub max_message_bytes: usize,
    /// HTTP/2 streams (calls) one connection may have open at once; clients queue the rest.
    pub max_concurrent_streams: u32,
    /// Requests of one `ReportStream` processed at once (answers stay in order).
    pub stream_window: usize,
    /// How long shutdown waits for in-flight reports and the relay to finish.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
    /// Serve TLS (with `client_ca_file`: mutual TLS, every client shows a certificate).
    pub tls: Option<ListenerTls>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            grpc_addr: SocketAddr::from(([127, 0, 0, 1], 50051)),
            max_in_flight: 4096,
            // These two set memory under overload: each admitted byte costs about six in
            // buffers and copies, and each open call holds its HTTP/2 window and a message
            // being read (bench/overload.sh: 16 and 8 MiB keep the peak near 120 MiB).
            max_in_flight_bytes: 8 * 1024 * 1024,
            max_message_bytes: 2 * 1024 * 1024,
            max_concurrent_streams: 16,
            stream_window: 128,
            shutdown_grace: Duration::from_secs(10),
            tls: None,
        }
    }
}

impl ServerSettings {
    /// Its own checks (the budget against `limits` is checked by `Settings`).
    pub(crate) fn validate(&self) -> Result<(), String> {
        let positive = [
            ("server.max_in_flight", self.max_in_flight),
            ("server.stream_window", self.stream_window),
            (
                "server.max_concurrent_streams",
                self.max_concurrent_streams as usize,
            ),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(format!("{name} must be greater than 0"));
            }
        }
        Ok(())
    }
}
