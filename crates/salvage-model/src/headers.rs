//! The headers Salvage adds to a requeued copy. The consumer reads them (and must not send
//! them back as its own: a report's `salvage-*` headers are replaced, never trusted); brokers
//! without a native slot for the message id, event type or partition key carry those as
//! headers too.
//!
//! A message's headers are stored (in its state, parked record, outbox entry and requeued stream
//! entry) as one JSON object of strings: [`parse`] reads that form back.

use std::collections::BTreeMap;

use serde_json::Value;

/// Every Salvage header starts with this.
pub const PREFIX: &str = "salvage-";
/// Salvage's tracking id of the copy.
pub const TRACKING_ID: &str = "salvage-tracking-id";
/// The attempt number (1 for the first report).
pub const ATTEMPT: &str = "salvage-attempt";
/// The rule that repaired the message.
pub const RULE: &str = "salvage-rule";
/// The consumer's error code.
pub const ERROR_CODE: &str = "salvage-error-code";
/// The message id, where the broker has no field for it (NATS, Kafka).
pub const MESSAGE_ID: &str = "salvage-message-id";
/// The event type, where the broker has no field for it.
pub const EVENT_TYPE: &str = "salvage-event-type";
/// The partition key, where the broker has no field for it.
pub const PARTITION_KEY: &str = "salvage-partition-key";

/// Headers stored as a JSON object of strings. A value that is not a string keeps its JSON text;
/// anything but an object reads as no headers.
pub fn parse(json: &str) -> BTreeMap<String, String> {
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(m)) => m
            .into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reads_strings_keeps_other_json_and_refuses_nothing() {
        let h = parse(r#"{"salvage-attempt":"2","n":42,"big":12345678901234567890}"#);
        assert_eq!(h["salvage-attempt"], "2");
        assert_eq!(h["n"], "42");
        assert_eq!(h["big"], "12345678901234567890");
        assert!(parse("[1]").is_empty());
        assert!(parse("not json").is_empty());
    }
}
