//! W3C trace context (`traceparent`, `tracestate`): read from the gRPC call's metadata or, if the
//! consumer did not send it there, from the failed message's headers; the report's span joins
//! that trace, and the requeued copy carries the report span's context in its headers, so the
//! consumer's next attempt joins the same trace.
//!
//! When the process exports spans (OpenTelemetry layer installed, see `telemetry.rs`), the ids are
//! the exported span's; otherwise Salvage continues the trace with ids of its own (no
//! OpenTelemetry work on the report path), so propagation never depends on whether export is on.

use std::collections::BTreeMap;

use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The `traceparent` header / metadata key.
pub const TRACEPARENT: &str = "traceparent";
/// The `tracestate` header / metadata key.
pub const TRACESTATE: &str = "tracestate";

/// A trace context as carried by `traceparent` (version 00) and `tracestate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    /// 16 bytes, not all zero.
    pub trace_id: [u8; 16],
    /// The span id: of the caller (incoming) or of Salvage's report span (outgoing).
    pub span_id: [u8; 8],
    /// Trace flags (bit 0: sampled).
    pub flags: u8,
    /// `tracestate`, passed on unchanged ("" when absent).
    pub state: String,
}

/// `N` bytes from `2 * N` lower-case hex digits: W3C trace context allows no upper case.
fn hex_bytes<const N: usize>(s: &str) -> Option<[u8; N]> {
    if !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    salvage_model::hex::decode(s)
}

impl TraceContext {
    /// Parse `traceparent` (and `tracestate`); `None` for anything malformed, as the W3C spec
    /// asks (the trace then restarts rather than failing the report).
    pub fn parse(traceparent: &str, tracestate: &str) -> Option<Self> {
        let mut parts = traceparent.trim().split('-');
        let version = parts.next()?;
        let (trace, span, flags) = (parts.next()?, parts.next()?, parts.next()?);
        // Version 00 has exactly four parts; later versions may append more.
        if version.len() != 2 || version == "ff" || (version == "00" && parts.next().is_some()) {
            return None;
        }
        hex_bytes::<1>(version)?;
        let trace_id = hex_bytes::<16>(trace)?;
        let span_id = hex_bytes::<8>(span)?;
        let [flags] = hex_bytes::<1>(flags)?;
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        Some(Self {
            trace_id,
            span_id,
            flags,
            state: tracestate.trim().to_owned(),
        })
    }

    /// From message headers (names compared case-insensitively).
    pub fn from_headers(headers: &BTreeMap<String, String>) -> Option<Self> {
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map_or("", |(_, v)| v.as_str())
        };
        Self::parse(get(TRACEPARENT), get(TRACESTATE))
    }

    /// The `traceparent` value.
    pub fn traceparent(&self) -> String {
        format!(
            "00-{}-{}-{:02x}",
            salvage_model::hex::encode(&self.trace_id),
            salvage_model::hex::encode(&self.span_id),
            self.flags
        )
    }

    /// The trace id in hex.
    pub fn trace_id_hex(&self) -> String {
        salvage_model::hex::encode(&self.trace_id)
    }

    fn otel(&self) -> opentelemetry::Context {
        let state = self.state.parse::<TraceState>().unwrap_or_default();
        let sc = SpanContext::new(
            TraceId::from_bytes(self.trace_id),
            SpanId::from_bytes(self.span_id),
            TraceFlags::new(self.flags),
            true,
            state,
        );
        opentelemetry::Context::new().with_remote_span_context(sc)
    }
}

/// Make `span` a child of `parent` (if any) and return the context its requeued copies carry:
/// the exported span's ids when spans are exported, else the parent's trace (or a new one) with
/// a fresh span id. The span gets `trace_id` and `span_id` fields for the logs.
pub fn join(span: &tracing::Span, parent: Option<&TraceContext>) -> TraceContext {
    if let Some(p) = parent {
        // Fails only when no OpenTelemetry layer is installed; the fallback below covers that.
        let _ = span.set_parent(p.otel());
    }
    let otel = span.context();
    let sc = otel.span().span_context().clone();
    let own = if sc.is_valid() {
        TraceContext {
            trace_id: sc.trace_id().to_bytes(),
            span_id: sc.span_id().to_bytes(),
            flags: sc.trace_flags().to_u8(),
            state: parent.map(|p| p.state.clone()).unwrap_or_default(),
        }
    } else {
        let mut span_id = [0u8; 8];
        while span_id == [0; 8] {
            fastrand::fill(&mut span_id);
        }
        let (trace_id, flags, state) = match parent {
            Some(p) => (p.trace_id, p.flags, p.state.clone()),
            None => {
                let mut t = [0u8; 16];
                while t == [0; 16] {
                    fastrand::fill(&mut t);
                }
                (t, 1, String::new())
            }
        };
        TraceContext {
            trace_id,
            span_id,
            flags,
            state,
        }
    };
    span.record("trace_id", own.trace_id_hex());
    span.record("span_id", salvage_model::hex::encode(&own.span_id));
    own
}

#[cfg(test)]
mod tests {
    use super::*;

    const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn parses_and_formats_traceparent() {
        let t = TraceContext::parse(TP, "vendor=x").unwrap();
        assert_eq!(t.traceparent(), TP);
        assert_eq!(t.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(t.state, "vendor=x");
    }

    #[test]
    fn malformed_traceparents_are_ignored() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert!(TraceContext::parse(bad, "").is_none(), "{bad:?}");
        }
        // A later version may carry more fields.
        assert!(TraceContext::parse(&format!("01{}-more", &TP[2..]), "").is_some());
    }

    #[test]
    fn headers_are_matched_case_insensitively() {
        let mut h = BTreeMap::new();
        h.insert("TraceParent".to_owned(), TP.to_owned());
        assert!(TraceContext::from_headers(&h).is_some());
    }

    #[test]
    fn join_without_an_exporter_keeps_the_trace_and_makes_a_new_span_id() {
        let parent = TraceContext::parse(TP, "a=1").unwrap();
        let span = tracing::info_span!(
            "t",
            trace_id = tracing::field::Empty,
            span_id = tracing::field::Empty
        );
        let own = join(&span, Some(&parent));
        assert_eq!(own.trace_id, parent.trace_id);
        assert_ne!(own.span_id, parent.span_id);
        assert_eq!((own.flags, own.state.as_str()), (1, "a=1"));
        let fresh = join(&span, None);
        assert_ne!(fresh.trace_id, [0; 16]);
    }
}
