//! Logging: a tracing subscriber writing human-readable or JSON lines. Payloads are never logged
//! at info level or above (they may hold personal data); spans carry the tracking id.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::{LogFormat, TelemetrySettings};

/// Install the global subscriber. `RUST_LOG` overrides `telemetry.log_level`. Calling it twice
/// (as tests do) keeps the first subscriber.
pub fn init(settings: &TelemetrySettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match settings.log_format {
        LogFormat::Human => registry
            .with(fmt::layer().with_writer(std::io::stderr))
            .try_init(),
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    // Already installed (a test, or an embedding program): keep that one.
    drop(result);
}
