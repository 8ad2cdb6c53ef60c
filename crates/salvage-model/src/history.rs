//! A message's history as stored: one [`Attempt`] per report that counted and per resubmit, in
//! a JSON array on the message's state (`history`) and on its parked record (`attempts`).
//!
//! Two writers, one shape: the report script writes `attempt`, `outcome` and `reason`, then the
//! rest as the workflow serialised it ([`Attempt::tail`]); a resubmit run writes a whole
//! [`Attempt`]. `tests/e2e/golden.rs` pins both as they land in Redis. Readers (the
//! parking-lot API, the console, redaction) parse it with [`Attempt::parse_list`], which never
//! fails: a damaged entry reads as what could be read of it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One attempt in a message's history. A report fills the failure fields and `decision`; a
/// resubmit fills `actor` and `run_id`. A field not filled is not written (but `rule` and
/// `payload` always are). Flat, not `#[serde(flatten)]`: flattening loses numbers written with
/// their digits (serde_json's `arbitrary_precision`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// The attempt number, from 1 (a resubmit repeats the number of the attempts before it).
    #[serde(default)]
    pub attempt: u64,
    /// What came of it: `REQUEUED`, `RETRY_SCHEDULED`, `PARKED`, `RESUBMITTED`.
    #[serde(default)]
    pub outcome: String,
    /// Why, in words ("" when the outcome says it all).
    #[serde(default)]
    pub reason: String,
    /// When (ms since the epoch).
    #[serde(default)]
    pub at: u64,
    /// The tracking id of this attempt (the copy it sent, if any).
    #[serde(default)]
    pub tracking_id: String,
    /// The failure's class as reported (`data`, `transient`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// The consumer's error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The consumer's error message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The consumer that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer: Option<String>,
    /// The broker's delivery count as the consumer reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_attempt: Option<u64>,
    /// The rule that decided ("" when none did).
    #[serde(default)]
    pub rule: String,
    /// The rules' decision (`requeue`, `retry`, `park`), before any override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// The version of the rules that decided (a content hash of the rules and schema files;
    /// for a re-triage, of the rules that repaired it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules_version: Option<String>,
    /// Who resubmitted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The resubmit or re-triage run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// The payload this attempt produced (a repair's output, an edited or re-triaged copy), or
    /// null when it sent the payload it was given.
    #[serde(default)]
    pub payload: Option<String>,
    /// What the repair changed in the payload it was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<Change>>,
}

/// How an attempt with no number, outcome or reason starts when written.
const EMPTY_HEAD: &str = r#"{"attempt":0,"outcome":"","reason":"","#;

impl Attempt {
    /// The attempt's facts for the report script, which writes the number, the outcome and the
    /// reason itself: this attempt as JSON, without its opening brace and those three fields
    /// (which are expected empty here).
    pub fn tail(&self) -> String {
        let json = if self.attempt == 0 && self.outcome.is_empty() && self.reason.is_empty() {
            serde_json::to_string(self)
        } else {
            serde_json::to_string(&Self {
                attempt: 0,
                outcome: String::new(),
                reason: String::new(),
                ..self.clone()
            })
        };
        json.ok()
            .and_then(|j| j.strip_prefix(EMPTY_HEAD).map(str::to_owned))
            .unwrap_or_else(|| "}".to_owned())
    }

    /// A stored history (a JSON array), leniently: not an array reads as no attempts; an entry
    /// with a field of the wrong type reads without its `changes`, or as its number, outcome,
    /// reason and time alone.
    pub fn parse_list(json: &[u8]) -> Vec<Self> {
        serde_json::from_slice::<Vec<Value>>(json)
            .unwrap_or_default()
            .into_iter()
            .map(Self::lenient)
            .collect()
    }

    fn lenient(v: Value) -> Self {
        if let Ok(a) = serde_json::from_value::<Self>(v.clone()) {
            return a;
        }
        let mut without_changes = v.clone();
        if let Some(o) = without_changes.as_object_mut() {
            o.remove("changes");
        }
        if let Ok(a) = serde_json::from_value::<Self>(without_changes) {
            return a;
        }
        let s = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
        Self {
            attempt: n("attempt"),
            outcome: s("outcome"),
            reason: s("reason"),
            at: n("at"),
            ..Self::default()
        }
    }

    /// The payload this attempt sent back: none for a parked attempt, whatever a rule produced.
    pub fn sent_payload(&self) -> Option<&str> {
        self.payload.as_deref().filter(|_| self.outcome != "PARKED")
    }
}

/// A report's attempt as the workflow hands it to the report script: [`Attempt::tail`]'s text
/// for an attempt with a report's fields, written from borrowed values (the hot path: no copy
/// of the payload or the changes).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ReportedTail<'a> {
    /// When (ms since the epoch).
    pub at: u64,
    /// This attempt's tracking id.
    pub tracking_id: &'a str,
    /// The failure's class.
    pub class: &'a str,
    /// The consumer's error code.
    pub code: &'a str,
    /// The consumer's error message.
    pub message: &'a str,
    /// The consumer that failed.
    pub consumer: &'a str,
    /// The broker's delivery count.
    pub delivery_attempt: u64,
    /// The rule that decided ("" when none did).
    pub rule: &'a str,
    /// The rules' decision.
    pub decision: &'a str,
    /// The version of the rules that decided (not written when empty).
    #[serde(skip_serializing_if = "str::is_empty")]
    pub rules_version: &'a str,
    /// The payload a repair produced, or null.
    pub payload: Option<&'a str>,
    /// What the repair changed (not written when `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<&'a [Change]>,
}

impl ReportedTail<'_> {
    /// The same text as [`Attempt::tail`] of the equal [`Attempt`]: a JSON object without its
    /// opening brace.
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned());
        out.remove(0);
        out
    }
}

/// What happened at a pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// Only in the after document.
    Added,
    /// Only in the before document.
    Removed,
    /// In both, different.
    Changed,
}

impl Op {
    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Changed => "changed",
        }
    }
}

/// One difference between two JSON documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Where (a JSON Pointer).
    pub pointer: String,
    /// What happened there.
    pub op: Op,
    /// The value before (absent for `added`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// The value after (absent for `removed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the report script writes (see `tests/e2e/golden.rs`), read and written back.
    const REPORTED: &str = r#"{"attempt":1,"outcome":"REQUEUED","reason":"","at":1764979200123,"tracking_id":"t-1","class":"data","code":"INVALID_TYPE","message":"total must be a number","consumer":"billing","delivery_attempt":1,"rule":"order-total-as-string","decision":"requeue","rules_version":"3f2a9c01b7de","payload":"{\"total\":129.90}","changes":[{"pointer":"/total","op":"changed","before":"129.90","after":129.90}]}"#;

    #[test]
    fn a_reported_attempt_reads_and_writes_back_byte_for_byte() {
        let list = Attempt::parse_list(format!("[{REPORTED}]").as_bytes());
        assert_eq!(list.len(), 1);
        let a = &list[0];
        assert_eq!(a.outcome, "REQUEUED");
        assert_eq!(a.code.as_deref(), Some("INVALID_TYPE"));
        assert_eq!(a.changes.as_ref().map(Vec::len), Some(1));
        assert_eq!(serde_json::to_string(a).unwrap(), REPORTED);
        // The script writes the head; the workflow the tail.
        let head = r#"{"attempt":1,"outcome":"REQUEUED","reason":"","#;
        assert_eq!(format!("{head}{}", a.tail()), REPORTED);
        let bare = Attempt {
            attempt: 0,
            outcome: String::new(),
            ..a.clone()
        };
        assert_eq!(bare.tail(), a.tail());
    }

    #[test]
    fn a_reported_tail_is_the_tail_of_the_same_attempt() {
        let list = Attempt::parse_list(format!("[{REPORTED}]").as_bytes());
        let a = &list[0];
        let s = |o: &Option<String>| o.as_deref().unwrap_or_default().to_owned();
        let (class, code, message, consumer) =
            (s(&a.class), s(&a.code), s(&a.message), s(&a.consumer));
        let decision = s(&a.decision);
        let rules_version = s(&a.rules_version);
        let tail = ReportedTail {
            at: a.at,
            tracking_id: &a.tracking_id,
            class: &class,
            code: &code,
            message: &message,
            consumer: &consumer,
            delivery_attempt: a.delivery_attempt.unwrap_or_default(),
            rule: &a.rule,
            decision: &decision,
            rules_version: &rules_version,
            payload: a.payload.as_deref(),
            changes: a.changes.as_deref(),
        };
        assert_eq!(tail.to_json(), a.tail());
        // A park: no payload, no changes, the rule empty, text that needs escaping.
        let parked = Attempt {
            payload: None,
            changes: None,
            rule: String::new(),
            message: Some("bad \"quote\"\n\u{1}é".to_owned()),
            ..a.clone()
        };
        let message = s(&parked.message);
        let tail = ReportedTail {
            rule: "",
            message: &message,
            payload: None,
            changes: None,
            ..tail
        };
        assert_eq!(tail.to_json(), parked.tail());
        // Rules loaded without a version (a tool's fixed set): not written.
        let unversioned = Attempt {
            rules_version: None,
            ..a.clone()
        };
        let tail = ReportedTail {
            rules_version: "",
            ..tail
        };
        assert_eq!(
            tail.to_json(),
            Attempt {
                payload: None,
                changes: None,
                rule: String::new(),
                message: Some("bad \"quote\"\n\u{1}é".to_owned()),
                ..unversioned
            }
            .tail()
        );
    }

    #[test]
    fn a_resubmit_attempt_writes_its_own_fields_only() {
        let a = Attempt {
            attempt: 2,
            outcome: "RESUBMITTED".to_owned(),
            reason: "resubmitted by olivia".to_owned(),
            at: 5,
            tracking_id: "t-2".to_owned(),
            actor: Some("olivia".to_owned()),
            run_id: Some("r-1".to_owned()),
            ..Attempt::default()
        };
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"attempt":2,"outcome":"RESUBMITTED","reason":"resubmitted by olivia","at":5,"tracking_id":"t-2","rule":"","actor":"olivia","run_id":"r-1","payload":null}"#
        );
        assert_eq!(a.sent_payload(), None);
    }

    #[test]
    fn a_damaged_history_reads_as_what_can_be_read() {
        assert!(Attempt::parse_list(b"{nope").is_empty());
        assert!(Attempt::parse_list(b"{}").is_empty());
        let list = Attempt::parse_list(
            br#"[{"attempt":1,"outcome":"PARKED","changes":"oops","payload":"x"},{"attempt":"two","at":7,"outcome":"REQUEUED"}]"#,
        );
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].payload.as_deref(), Some("x"));
        assert_eq!(list[0].changes, None);
        assert_eq!(
            list[0].sent_payload(),
            None,
            "a parked attempt sent nothing"
        );
        assert_eq!((list[1].attempt, list[1].at), (0, 7));
        assert_eq!(list[1].outcome, "REQUEUED");
    }
}
