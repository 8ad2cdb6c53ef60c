//! Headers as the report script takes them: JSON objects of string pairs, in order. The
//! reported headers are kept as given; the requeued copy's put Salvage's own first (the
//! processor's, and a run's resubmitted copies: `parking/runs/batch.rs`).

use std::collections::BTreeMap;

use salvage_model::headers;

use super::trace;

/// A JSON object of string pairs, in the order given. Keys must be unique (both callers pass a
/// map's keys, Salvage's own ones apart from the message's).
pub(super) fn json_object<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = Vec::with_capacity(256);
    out.push(b'{');
    for (i, (k, v)) in pairs.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, k);
        out.push(b':');
        let _ = serde_json::to_writer(&mut out, v);
    }
    out.push(b'}');
    String::from_utf8(out).unwrap_or_default()
}

/// Headers for the requeued copy: Salvage's own first (the script adds `salvage-attempt`), then
/// the message's, less any stale `salvage-*` header from an earlier pass. With `trace`, the
/// copy carries that trace context instead of the message's (`traceparent`, `tracestate`).
pub(crate) fn outgoing_headers(
    headers: &BTreeMap<String, String>,
    tracking_id: &str,
    rule: &str,
    code: &str,
    trace: Option<&trace::TraceContext>,
) -> String {
    let traceparent = trace.map(trace::TraceContext::traceparent);
    let own = [
        (headers::TRACKING_ID, tracking_id),
        (headers::RULE, rule),
        (headers::ERROR_CODE, code),
        (trace::TRACEPARENT, traceparent.as_deref().unwrap_or("")),
        (trace::TRACESTATE, trace.map_or("", |t| t.state.as_str())),
    ];
    let own = own
        .into_iter()
        .filter(|(k, v)| *k == headers::TRACKING_ID || !v.is_empty());
    let theirs = headers
        .iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !k.starts_with("salvage-")
                && !(trace.is_some() && (k == trace::TRACEPARENT || k == trace::TRACESTATE))
        })
        .map(|(k, v)| (k.as_str(), v.as_str()));
    json_object(own.chain(theirs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_object_is_what_a_json_map_wrote() {
        let pairs = [
            ("traceparent", "00-abc"),
            ("t\"e", "x\ny\u{1}é"),
            ("a/b", ""),
        ];
        let map: serde_json::Map<String, serde_json::Value> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
            .collect();
        assert_eq!(
            json_object(pairs.into_iter()),
            serde_json::Value::Object(map).to_string()
        );
        assert_eq!(json_object(std::iter::empty()), "{}");
    }

    #[test]
    fn outgoing_headers_put_salvage_first_and_drop_stale_ones() {
        let mut h = BTreeMap::new();
        h.insert("salvage-attempt".to_owned(), "1".to_owned());
        h.insert("traceparent".to_owned(), "00-abc".to_owned());
        let out = outgoing_headers(&h, "t1", "r1", "E", None);
        assert_eq!(
            out,
            r#"{"salvage-tracking-id":"t1","salvage-rule":"r1","salvage-error-code":"E","traceparent":"00-abc"}"#
        );
        let t = trace::TraceContext::parse(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "",
        );
        let out = outgoing_headers(&h, "t1", "", "E", t.as_ref());
        assert_eq!(
            out,
            r#"{"salvage-tracking-id":"t1","salvage-error-code":"E","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#
        );
    }
}
