//! Logging and tracing: a tracing subscriber writing human-readable or JSON lines and, when
//! `telemetry.otlp_endpoint` is set (off by default), an OpenTelemetry layer exporting spans over
//! OTLP/gRPC. Without it, no OpenTelemetry work is done per report: `workflow/trace.rs` still
//! continues the caller's W3C trace with ids of its own. Payloads are never logged at info level
//! or above; spans carry the tracking id and the trace id.
//!
//! Every line is safe to ship: JSON lines have each key once (`json.rs`), colours are written
//! only to a terminal, and library events that would carry a message body are filtered out
//! ([`QUIET_LIBRARY_TARGETS`]) whatever `RUST_LOG` or `telemetry.log_level` say.

pub mod config;
mod json;

use std::io::IsTerminal;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::{
    Resource, runtime,
    trace::{SdkTracerProvider, span_processor_with_async_runtime::BatchSpanProcessor},
};
use tracing_subscriber::{
    EnvFilter, Layer,
    fmt::{self, format::JsonFields},
    prelude::*,
};

use self::config::{LogFormat, TelemetrySettings};

/// Keeps the span exporter alive; flushes what it holds when dropped.
#[derive(Debug, Default)]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(p) = self.provider.take()
            && let Err(e) = p.shutdown()
        {
            eprintln!("warning: flushing spans failed: {e}");
        }
    }
}

/// Library log targets held to a level at which they log no message body, added to every filter.
/// lapin logs a message the broker returned (a RabbitMQ NO_ROUTE: no queue bound to the routing
/// key) at WARN with the whole message, body included, in a field named `message`; Salvage
/// reports that failure itself (the destination's error, then a retry or a park with the
/// broker's reply), without the body.
pub const QUIET_LIBRARY_TARGETS: [&str; 1] = ["lapin::returned_messages=error"];

/// Install the global subscriber. `RUST_LOG` overrides `telemetry.log_level`. Calling it twice
/// (as tests do) keeps the first subscriber. Must run inside the tokio runtime when spans are
/// exported.
pub fn init(settings: &TelemetrySettings) -> TelemetryGuard {
    let mut filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    for quiet in QUIET_LIBRARY_TARGETS {
        if let Ok(directive) = quiet.parse() {
            filter = filter.add_directive(directive);
        }
    }
    let fmt_layer = match settings.log_format {
        LogFormat::Human => fmt::layer()
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .boxed(),
        LogFormat::Json => fmt::layer()
            .with_ansi(false)
            .fmt_fields(JsonFields::new())
            .event_format(json::JsonLines)
            .with_writer(std::io::stderr)
            .boxed(),
    };
    let mut export_error = None;
    let mut provider = None;
    if let Some(endpoint) = settings.otlp_endpoint.as_deref().filter(|e| !e.is_empty()) {
        match opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .build()
        {
            Ok(exporter) => {
                let resource = Resource::builder()
                    .with_service_name(settings.service_name.clone())
                    .build();
                provider = Some(
                    SdkTracerProvider::builder()
                        .with_resource(resource)
                        .with_span_processor(
                            BatchSpanProcessor::builder(exporter, runtime::Tokio).build(),
                        )
                        .build(),
                );
            }
            Err(e) => export_error = Some(e.to_string()),
        }
    }
    let otel_layer = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("salvage")));
    let result = tracing_subscriber::registry()
        .with(filter)
        .with(fmt_layer)
        .with(otel_layer)
        .try_init();
    if let Some(e) = export_error {
        tracing::error!(error = %e, "cannot export spans over OTLP; spans are not exported");
    }
    // Already installed (a test, or an embedding program): keep that one.
    if result.is_err() {
        return TelemetryGuard::default();
    }
    TelemetryGuard { provider }
}
