//! `[telemetry]`: logs and span export.

use serde::Deserialize;

/// Log output.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetrySettings {
    /// `human` or `json`.
    pub log_format: LogFormat,
    /// A tracing filter such as `info` or `salvage=debug,info`; `RUST_LOG` overrides it.
    pub log_level: String,
    /// Export spans over OTLP/gRPC to this collector, e.g. `http://127.0.0.1:4317`; unset: spans
    /// are not exported (trace context is still propagated).
    pub otlp_endpoint: Option<String>,
    /// The `service.name` of exported spans.
    pub service_name: String,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            log_format: LogFormat::Human,
            log_level: "info".to_owned(),
            otlp_endpoint: None,
            service_name: "salvage".to_owned(),
        }
    }
}

/// Log format.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// One readable line per event.
    Human,
    /// One JSON object per line.
    Json,
}
