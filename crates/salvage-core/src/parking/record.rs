//! A parked (or archived) record as read from Redis, parsed leniently: a field that is missing
//! or malformed reads as empty, so one damaged record never breaks a listing.

use std::collections::BTreeMap;

use serde_json::Value;

use salvage_model::{Message, history::Attempt};

use crate::store::RawRecord;

/// The fields a listing needs (everything but the history and the edits).
pub const SUMMARY_FIELDS: &[&str] = &[
    "tracking_id",
    "id",
    "destination",
    "queue",
    "partition_key",
    "content_type",
    "event_type",
    "code",
    "failure",
    "reason",
    "rule",
    "group",
    "first_seen",
    "last_seen",
    "reports",
    "version",
    "payload",
    "headers",
    "message_key",
    "discarded_at",
    "discarded_by",
    "discard_reason",
];

/// A parked or archived message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// Salvage's id for it.
    pub tracking_id: String,
    /// The message: its id, origin destination and queue, partition key, content type, event
    /// type, payload and headers.
    pub message: Message,
    /// The failure as reported (JSON object: class, code, message, consumer, ...).
    pub failure: Value,
    /// The consumer's error code.
    pub code: String,
    /// Why it was parked.
    pub reason: String,
    /// The rule that parked it, or "".
    pub rule: String,
    /// Failure group.
    pub group: String,
    /// The message-state key.
    pub message_key: String,
    /// When it was parked (ms).
    pub parked_at: u64,
    /// Last report (ms).
    pub last_seen: u64,
    /// Reports while parked.
    pub reports: u32,
    /// Edit version, from 1.
    pub version: u64,
    /// The headers as stored (a JSON object).
    pub headers_json: String,
    /// Every attempt, oldest first.
    pub attempts: Vec<Attempt>,
    /// Every edit, oldest first.
    pub edits: Vec<EditEntry>,
    /// Set for archived records.
    pub archived: Option<ArchivedInfo>,
}

/// One edit of a parked record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditEntry {
    /// The version it replaced.
    pub version: u64,
    /// When (ms).
    pub at: u64,
    /// Who.
    pub actor: String,
    /// The payload it replaced.
    pub previous_payload: Vec<u8>,
    /// The headers it replaced.
    pub previous_headers: BTreeMap<String, String>,
}

/// Why and when a record was archived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchivedInfo {
    /// When (ms).
    pub at: u64,
    /// Who: a token name, or "retention".
    pub by: String,
    /// Why.
    pub reason: String,
}

fn text(raw: &RawRecord, field: &str) -> String {
    raw.get(field)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_default()
}

fn num<T: std::str::FromStr + Default>(raw: &RawRecord, field: &str) -> T {
    text(raw, field).parse().unwrap_or_default()
}

impl Record {
    /// Parse a stored record; `None` when it does not exist (no fields at all).
    pub fn parse(raw: &RawRecord) -> Option<Self> {
        if raw.is_empty() || !raw.contains_key("tracking_id") {
            return None;
        }
        let failure: Value = raw
            .get("failure")
            .and_then(|v| serde_json::from_slice(v).ok())
            .unwrap_or(Value::Null);
        let mut code = text(raw, "code");
        if code.is_empty() {
            code = failure
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
        }
        let headers_json = raw.get("headers").map_or_else(
            || "{}".to_owned(),
            |v| String::from_utf8_lossy(v).into_owned(),
        );
        let attempts = raw
            .get("attempts")
            .map(|v| Attempt::parse_list(v))
            .unwrap_or_default();
        let edits = raw
            .get("edits")
            .and_then(|v| serde_json::from_slice::<Vec<Value>>(v).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|e| {
                let version = e.get("version").and_then(Value::as_u64).unwrap_or(0);
                EditEntry {
                    version,
                    at: e.get("at").and_then(Value::as_u64).unwrap_or(0),
                    actor: e
                        .get("actor")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    previous_payload: raw
                        .get(&format!("edit:{version}:payload"))
                        .cloned()
                        .unwrap_or_default(),
                    previous_headers: salvage_model::headers::parse(&text(
                        raw,
                        &format!("edit:{version}:headers"),
                    )),
                }
            })
            .collect();
        let archived = raw.contains_key("discarded_at").then(|| ArchivedInfo {
            at: num(raw, "discarded_at"),
            by: text(raw, "discarded_by"),
            reason: text(raw, "discard_reason"),
        });
        Some(Self {
            tracking_id: text(raw, "tracking_id"),
            message: Message {
                id: text(raw, "id"),
                destination: text(raw, "destination"),
                queue: text(raw, "queue"),
                partition_key: text(raw, "partition_key"),
                payload: raw.get("payload").cloned().unwrap_or_default(),
                content_type: text(raw, "content_type"),
                headers: salvage_model::headers::parse(&headers_json),
                event_type: text(raw, "event_type"),
            },
            code,
            failure,
            reason: text(raw, "reason"),
            rule: text(raw, "rule"),
            group: text(raw, "group"),
            message_key: text(raw, "message_key"),
            parked_at: num(raw, "first_seen"),
            last_seen: num(raw, "last_seen"),
            reports: num(raw, "reports"),
            version: num(raw, "version"),
            headers_json,
            attempts,
            edits,
            archived,
        })
    }

    /// A string field of the failure.
    pub fn failure_str(&self, field: &str) -> &str {
        self.failure
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawRecord {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn parses_a_record_with_edits() {
        let r = Record::parse(&raw(&[
            ("tracking_id", "t1"),
            ("failure", r#"{"code":"X","message":"boom"}"#),
            ("headers", r#"{"a":"1"}"#),
            ("version", "2"),
            ("edits", r#"[{"version":1,"at":5,"actor":"olivia"}]"#),
            ("edit:1:payload", "old"),
            ("edit:1:headers", r#"{"b":"2"}"#),
            ("attempts", r#"[{"attempt":1}]"#),
        ]))
        .unwrap();
        assert_eq!(r.code, "X");
        assert_eq!(r.failure_str("message"), "boom");
        assert_eq!(r.message.headers["a"], "1");
        assert_eq!(r.edits[0].previous_payload, b"old");
        assert_eq!(r.edits[0].previous_headers["b"], "2");
        assert_eq!(r.attempts.len(), 1);
        assert!(r.archived.is_none());
    }

    #[test]
    fn damaged_fields_read_as_empty() {
        let r = Record::parse(&raw(&[("tracking_id", "t"), ("attempts", "{nope")])).unwrap();
        assert!(r.attempts.is_empty());
        assert!(Record::parse(&RawRecord::new()).is_none());
    }
}
