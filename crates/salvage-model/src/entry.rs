//! A requeued copy as a stream entry: the one codec for the message's fields, under the
//! destination's names ([`StreamFields`]). A Redis Streams destination receives it as its entry;
//! a broker's outbox holds it (default names) with the outbox's own fields beside it.
//!
//! The report and delivery scripts build the same entry in Lua (they commit it in the step that
//! decides); `tests/e2e/golden.rs` pins what they write, and a resubmit run and the broker relay
//! use this module.

use std::collections::HashMap;

use serde::Deserialize;

/// Field names of a requeued stream entry.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct StreamFields {
    /// The message's own id.
    pub id: String,
    /// The payload bytes.
    pub payload: String,
    /// The headers, as one JSON object of strings.
    pub headers: String,
    /// The content type (omitted when empty).
    pub content_type: String,
    /// The event type (omitted when empty).
    pub event_type: String,
    /// The partition key (omitted when empty).
    pub partition_key: String,
}

impl Default for StreamFields {
    fn default() -> Self {
        Self {
            id: "id".to_owned(),
            payload: "payload".to_owned(),
            headers: "headers".to_owned(),
            content_type: "content_type".to_owned(),
            event_type: "event_type".to_owned(),
            partition_key: "partition_key".to_owned(),
        }
    }
}

impl StreamFields {
    /// In the order the report script takes them.
    pub fn as_array(&self) -> [&str; 6] {
        [
            &self.id,
            &self.payload,
            &self.headers,
            &self.content_type,
            &self.event_type,
            &self.partition_key,
        ]
    }
}

/// A message's fields in a requeued entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// The message's own id.
    pub id: String,
    /// The payload.
    pub payload: Vec<u8>,
    /// The headers as one JSON object of strings (with Salvage's `salvage-*` headers).
    pub headers: String,
    /// Content type, or "" (not written).
    pub content_type: String,
    /// Event type, or "" (not written).
    pub event_type: String,
    /// Partition key, or "" (not written).
    pub partition_key: String,
}

impl Entry {
    /// Field/value pairs under `names`, in the order the scripts write them; an empty content
    /// type, event type or partition key is left out.
    pub fn fields<'a>(&'a self, names: &'a StreamFields) -> Vec<(&'a str, &'a [u8])> {
        let mut out: Vec<(&str, &[u8])> = vec![
            (&names.id, self.id.as_bytes()),
            (&names.payload, &self.payload),
            (&names.headers, self.headers.as_bytes()),
        ];
        for (name, v) in [
            (&names.content_type, &self.content_type),
            (&names.event_type, &self.event_type),
            (&names.partition_key, &self.partition_key),
        ] {
            if !v.is_empty() {
                out.push((name, v.as_bytes()));
            }
        }
        out
    }

    /// The message's fields of a stored entry under `names`; `None` without a payload. A field
    /// that is missing reads as empty, bytes that are not UTF-8 as their lossy text.
    pub fn decode(fields: &HashMap<String, Vec<u8>>, names: &StreamFields) -> Option<Self> {
        let text = |k: &str| {
            fields
                .get(k)
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .unwrap_or_default()
        };
        Some(Self {
            payload: fields.get(&names.payload)?.clone(),
            id: text(&names.id),
            headers: text(&names.headers),
            content_type: text(&names.content_type),
            event_type: text(&names.event_type),
            partition_key: text(&names.partition_key),
        })
    }
}

/// `headers` (a JSON object as text) with `salvage-attempt` first, as the scripts add it.
pub fn with_attempt(attempt: u64, headers: &str) -> String {
    let rest = headers.trim_start().strip_prefix('{').unwrap_or("}");
    let sep = if rest.trim_start().starts_with('}') {
        ""
    } else {
        ","
    };
    format!("{{\"{}\":\"{attempt}\"{sep}{rest}", crate::headers::ATTEMPT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_leave_out_empty_optionals_and_decode_reads_them_back() {
        let e = Entry {
            id: "o-1".to_owned(),
            payload: b"{\"total\":12.50}".to_vec(),
            headers: r#"{"salvage-attempt":"1"}"#.to_owned(),
            event_type: "OrderPlaced".to_owned(),
            ..Entry::default()
        };
        let names = StreamFields {
            payload: "body".to_owned(),
            ..StreamFields::default()
        };
        let fields = e.fields(&names);
        let got: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
        assert_eq!(got, ["id", "body", "headers", "event_type"]);
        let stored: HashMap<String, Vec<u8>> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.to_vec()))
            .collect();
        assert_eq!(Entry::decode(&stored, &names), Some(e));
        assert_eq!(Entry::decode(&stored, &StreamFields::default()), None);
    }

    #[test]
    fn the_attempt_header_goes_first() {
        assert_eq!(
            with_attempt(2, r#"{"salvage-tracking-id":"t","x":"y"}"#),
            r#"{"salvage-attempt":"2","salvage-tracking-id":"t","x":"y"}"#
        );
        assert_eq!(with_attempt(0, "{}"), r#"{"salvage-attempt":"0"}"#);
        assert_eq!(with_attempt(1, "not json"), r#"{"salvage-attempt":"1"}"#);
    }
}
