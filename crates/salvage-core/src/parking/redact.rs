//! Masking what operators should not see by default, and the structural diff of two payloads.
//! Pure: no I/O.
//!
//! `parking_lot.sensitive` lists JSON Pointers (RFC 6901; a `*` segment matches any key or
//! index). Every value at such a pointer, and everything under it, is shown as [`MASK`] wherever
//! a payload leaves Salvage for an operator (the admin API, the CLI and the console): the
//! payload, the original, what each repair produced, re-triage samples, the diffs and the audit
//! log's before/after. Only an operator's explicit, audited reveal shows them. An edit that
//! leaves a mask in place keeps the stored value.

use serde_json::Value;

use super::{Record, audit::AuditEntry};
pub use salvage_rules::diff::Change;
use salvage_rules::{
    diff::{join, split},
    jsontext, splice,
};

/// What a masked value is replaced with.
pub const MASK: &str = "[redacted]";

/// The configured sensitive pointers, split into segments.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    patterns: Vec<Vec<String>>,
}

/// A payload ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The text: pretty-printed and masked when it is JSON; as is (lossy UTF-8) otherwise.
    pub text: String,
    /// Whether it parsed as JSON.
    pub is_json: bool,
    /// Pointers of the values masked (empty when nothing was).
    pub masked: Vec<String>,
}

impl Redactor {
    /// From `parking_lot.sensitive` (validated: each starts with `/`).
    pub fn new(pointers: &[String]) -> Self {
        Self {
            patterns: pointers.iter().map(|p| split(p)).collect(),
        }
    }

    /// Whether nothing is sensitive.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// `payload` with its sensitive values masked, compact; `None` when it has none (or is not
    /// JSON), so a payload without them keeps its exact bytes.
    pub fn mask_bytes(&self, payload: &[u8]) -> Option<Vec<u8>> {
        if self.is_empty() {
            return None;
        }
        let original = serde_json::from_slice::<Value>(payload).ok()?;
        let mut doc = original.clone();
        let mut masked = Vec::new();
        self.mask_at(&mut doc, &mut Vec::new(), &mut masked);
        if masked.is_empty() {
            return None;
        }
        // The payload's own text with only the masked values replaced.
        splice::rewrite(payload, &original, &doc).or_else(|| serde_json::to_vec(&doc).ok())
    }

    fn mask_in_place(&self, payload: &mut Vec<u8>) {
        if let Some(masked) = self.mask_bytes(payload) {
            *payload = masked;
        }
    }

    /// Mask every payload a record carries: its payload, what each attempt produced and the
    /// changes its repair made, and what each edit replaced.
    pub fn mask_record(&self, r: &mut Record) {
        if self.is_empty() {
            return;
        }
        self.mask_in_place(&mut r.message.payload);
        for a in &mut r.attempts {
            if let Some(p) = &mut a.payload
                && let Some(masked) = self.mask_bytes(p.as_bytes())
            {
                *p = String::from_utf8_lossy(&masked).into_owned();
            }
            if let Some(changes) = &mut a.changes {
                self.mask_changes(changes);
            }
        }
        for e in &mut r.edits {
            self.mask_in_place(&mut e.previous_payload);
        }
    }

    /// Mask an audit entry's before/after payloads.
    pub fn mask_audit(&self, e: &mut AuditEntry) {
        self.mask_in_place(&mut e.payload_before);
        self.mask_in_place(&mut e.payload_after);
    }

    /// `payload` to show: masked (unless `reveal`) and pretty-printed when it is JSON.
    ///
    /// Pretty-printing works on the text, so numbers, escapes and key order are as sent.
    pub fn show(&self, payload: &[u8], reveal: bool) -> Shown {
        let parsed = std::str::from_utf8(payload)
            .ok()
            .filter(|text| serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok());
        let Some(text) = parsed else {
            return Shown {
                text: String::from_utf8_lossy(payload).into_owned(),
                is_json: false,
                masked: Vec::new(),
            };
        };
        let mut masked = Vec::new();
        let masked_bytes = if reveal || self.is_empty() {
            None
        } else {
            let original = serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
            let mut doc = original.clone();
            self.mask_at(&mut doc, &mut Vec::new(), &mut masked);
            if masked.is_empty() {
                None
            } else {
                splice::rewrite(payload, &original, &doc).or_else(|| serde_json::to_vec(&doc).ok())
            }
        };
        let text = match masked_bytes {
            Some(bytes) => jsontext::pretty_valid(&String::from_utf8_lossy(&bytes)),
            None => jsontext::pretty_valid(text),
        };
        Shown {
            text,
            is_json: true,
            masked,
        }
    }

    /// Mask `value`, which sits at `path` in its document.
    pub fn mask_value(&self, value: &mut Value, path: &[String]) {
        self.mask_at(value, &mut path.to_vec(), &mut Vec::new());
    }

    fn mask_at(&self, value: &mut Value, path: &mut Vec<String>, masked: &mut Vec<String>) {
        if self.covers(path) {
            *value = Value::String(MASK.to_owned());
            masked.push(join(path));
            return;
        }
        if !self.below(path) {
            return;
        }
        match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    path.push(k.clone());
                    self.mask_at(v, path, masked);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter_mut().enumerate() {
                    path.push(i.to_string());
                    self.mask_at(v, path, masked);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// Whether `path` is at or under a sensitive pointer.
    fn covers(&self, path: &[String]) -> bool {
        self.patterns
            .iter()
            .any(|p| p.len() <= path.len() && matches(p, &path[..p.len()]))
    }

    /// Whether a sensitive pointer lies strictly under `path`.
    fn below(&self, path: &[String]) -> bool {
        self.patterns
            .iter()
            .any(|p| p.len() > path.len() && matches(&p[..path.len()], path))
    }

    /// `edited` with every mask left at a sensitive place replaced by the value `stored` has
    /// there, so an operator who edits a masked payload does not overwrite what they never saw.
    pub fn unmask(&self, edited: &mut Value, stored: &Value) {
        self.unmask_at(edited, &mut Vec::new(), stored);
    }

    fn unmask_at(&self, value: &mut Value, path: &mut Vec<String>, stored: &Value) {
        if value.as_str() == Some(MASK) && self.covers(path) {
            if let Some(original) = stored.pointer(&join(path)) {
                *value = original.clone();
            }
            return;
        }
        match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    path.push(k.clone());
                    self.unmask_at(v, path, stored);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter_mut().enumerate() {
                    path.push(i.to_string());
                    self.unmask_at(v, path, stored);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// Mask the values of `changes` (a repair's, as stored in the history).
    pub fn mask_changes(&self, changes: &mut [Change]) {
        for c in changes {
            let path = split(&c.pointer);
            for v in [&mut c.before, &mut c.after].into_iter().flatten() {
                self.mask_value(v, &path);
            }
        }
    }
}

fn matches(pattern: &[String], path: &[String]) -> bool {
    pattern.iter().zip(path).all(|(p, s)| p == "*" || p == s)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use salvage_rules::diff::diff;

    fn redactor() -> Redactor {
        Redactor::new(&["/card/number".to_owned(), "/customers/*/email".to_owned()])
    }

    #[test]
    fn sensitive_values_are_masked_and_nothing_else() {
        let payload = json!({
            "card": {"number": "4111111111111111", "expiry": "12/29"},
            "customers": [{"email": "a@example.com", "name": "A"}, {"email": "b@example.com"}],
            "total": 12
        });
        let shown = redactor().show(payload.to_string().as_bytes(), false);
        assert!(shown.is_json);
        assert!(!shown.text.contains("4111"), "{}", shown.text);
        assert!(!shown.text.contains("@example.com"), "{}", shown.text);
        assert!(shown.text.contains("12/29") && shown.text.contains("\"A\""));
        assert_eq!(
            shown.masked,
            ["/card/number", "/customers/0/email", "/customers/1/email"]
        );
        let revealed = redactor().show(payload.to_string().as_bytes(), true);
        assert!(revealed.text.contains("4111111111111111"));
        assert!(revealed.masked.is_empty());
    }

    #[test]
    fn a_whole_subtree_under_a_pointer_is_masked() {
        let r = Redactor::new(&["/card".to_owned()]);
        let shown = r.show(br#"{"card":{"number":"4111"},"n":1}"#, false);
        assert_eq!(shown.masked, ["/card"]);
        assert!(!shown.text.contains("4111"));
    }

    #[test]
    fn mask_bytes_keeps_exact_bytes_unless_something_is_masked() {
        let r = redactor();
        assert_eq!(
            r.mask_bytes(br#"{"total": 12.30}"#),
            None,
            "nothing sensitive"
        );
        assert_eq!(r.mask_bytes(b"not json"), None);
        let masked = r
            .mask_bytes(br#"{"card":{"number":"4111"},"n":1}"#)
            .unwrap();
        assert_eq!(masked, br#"{"card":{"number":"[redacted]"},"n":1}"#);
        assert_eq!(
            Redactor::default().mask_bytes(br#"{"card":{"number":"4111"}}"#),
            None
        );
    }

    #[test]
    fn mask_record_masks_every_payload_it_carries() {
        let card = br#"{"card":{"number":"4111"}}"#.to_vec();
        let mut rec = Record {
            message: salvage_model::Message {
                payload: card.clone(),
                ..Default::default()
            },
            attempts: salvage_model::history::Attempt::parse_list(
                br#"[{"attempt": 1, "payload": "{\"card\":{\"number\":\"4111\"}}", "changes": [{"pointer": "/card/number", "op": "changed", "before": "4111 ", "after": "4111"}]}]"#,
            ),
            edits: vec![super::super::record::EditEntry {
                previous_payload: card,
                ..Default::default()
            }],
            ..Record::default()
        };
        redactor().mask_record(&mut rec);
        let all = format!(
            "{} {} {}",
            String::from_utf8_lossy(&rec.message.payload),
            serde_json::to_string(&rec.attempts[0]).unwrap(),
            String::from_utf8_lossy(&rec.edits[0].previous_payload)
        );
        assert!(!all.contains("4111"), "{all}");
        assert_eq!(all.matches(MASK).count(), 5, "{all}");
    }

    #[test]
    fn non_json_is_shown_as_is() {
        let shown = redactor().show(b"not json <b>", false);
        assert!(!shown.is_json);
        assert_eq!(shown.text, "not json <b>");
    }

    #[test]
    fn a_mask_left_in_an_edit_keeps_the_stored_value() {
        let stored = json!({"card": {"number": "4111"}, "total": "12"});
        let mut edited = json!({"card": {"number": MASK}, "total": 12, "note": MASK});
        redactor().unmask(&mut edited, &stored);
        assert_eq!(
            edited,
            json!({"card": {"number": "4111"}, "total": 12, "note": MASK}),
            "only masks at sensitive places are replaced"
        );
    }

    #[test]
    fn changes_are_masked_by_pointer() {
        let before = json!({"total": "12.5", "card": {"number": "4111"}, "gone": 1, "a/b": [1]});
        let after = json!({"total": 12.5, "card": {"number": "4222"}, "new": true, "a/b": [1, 2]});
        let mut d = diff(&before, &after);
        let revealed = d.clone();
        redactor().mask_changes(&mut d);
        let ops: Vec<(&str, &str)> = d
            .iter()
            .map(|c| (c.pointer.as_str(), c.op.as_str()))
            .collect();
        assert_eq!(
            ops,
            [
                ("/total", "changed"),
                ("/card/number", "changed"),
                ("/gone", "removed"),
                ("/a~1b/1", "added"),
                ("/new", "added"),
            ]
        );
        assert_eq!(d[1].before, Some(json!(MASK)));
        assert_eq!(d[1].after, Some(json!(MASK)));
        assert_eq!(d[0].after, Some(json!(12.5)));
        assert_eq!(revealed[1].after, Some(json!("4222")));
    }
}
