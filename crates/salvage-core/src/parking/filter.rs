//! Which parked messages an operation touches: a filter over the record's fields and payload,
//! and the page cursor of listings. Pure: no I/O.

use serde_json::Value;

use super::{ParkingError, record::Record};

/// Every field set must match; an empty filter matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Filter {
    /// Origin queue.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub queue: String,
    /// Failure group.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// Error code.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub error_code: String,
    /// Event type.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub event_type: String,
    /// Origin destination.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub destination: String,
    /// Parked at or after (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_ms: Option<u64>,
    /// Parked before (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_ms: Option<u64>,
    /// Substring of the payload.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// JSON Pointer into the payload.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub json_pointer: String,
    /// With `json_pointer`: the value there.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub json_value: String,
}

impl Filter {
    /// Reject what cannot be meant.
    pub fn validate(&self, field: &'static str) -> Result<(), ParkingError> {
        if !self.json_pointer.is_empty() && !self.json_pointer.starts_with('/') {
            return Err(ParkingError::invalid(
                field,
                format!(
                    "json_pointer {:?} must start with '/', e.g. \"/customer/id\"",
                    self.json_pointer
                ),
            ));
        }
        if self.json_pointer.is_empty() && !self.json_value.is_empty() {
            return Err(ParkingError::invalid(
                field,
                "json_value needs json_pointer (which value to compare)".to_owned(),
            ));
        }
        if let (Some(a), Some(b)) = (self.after_ms, self.before_ms)
            && a >= b
        {
            return Err(ParkingError::invalid(
                field,
                "parked_after must be before parked_before".to_owned(),
            ));
        }
        Ok(())
    }

    /// Is nothing set?
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether matching needs the record itself, not only the index it is read from.
    pub fn needs_record(&self) -> bool {
        !(self.error_code.is_empty()
            && self.event_type.is_empty()
            && self.destination.is_empty()
            && self.text.is_empty()
            && self.json_pointer.is_empty()
            // Both indexes cannot be used at once: the group is then checked on the record.
            && (self.queue.is_empty() || self.group.is_empty()))
    }

    /// Does `r` match? (Time is checked on the index score, not here.)
    pub fn matches(&self, r: &Record) -> bool {
        let eq = |want: &str, got: &str| want.is_empty() || want == got;
        eq(&self.queue, &r.message.queue)
            && eq(&self.group, &r.group)
            && eq(&self.error_code, &r.code)
            && eq(&self.event_type, &r.message.event_type)
            && eq(&self.destination, &r.message.destination)
            && (self.text.is_empty() || contains(&r.message.payload, self.text.as_bytes()))
            && self.pointer_matches(&r.message.payload)
    }

    fn pointer_matches(&self, payload: &[u8]) -> bool {
        if self.json_pointer.is_empty() {
            return true;
        }
        let Ok(doc) = serde_json::from_slice::<Value>(payload) else {
            return false;
        };
        let Some(found) = doc.pointer(&self.json_pointer) else {
            return false;
        };
        if self.json_value.is_empty() {
            return true;
        }
        matches!(found, Value::String(s) if *s == self.json_value)
            || serde_json::from_str::<Value>(&self.json_value)
                .is_ok_and(|want| salvage_rules::json_equal(&want, found))
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || memchr::memmem::find(hay, needle).is_some()
}

/// Where a listing stopped: the (score, member) of the last item returned. The next page starts
/// strictly after it in (score desc, member desc) order, so items added or removed meanwhile never
/// shift what later pages show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Score of the last item (ms).
    pub score: u64,
    /// Its member (tracking id).
    pub member: String,
}

impl Cursor {
    /// The opaque page token.
    pub fn token(&self) -> String {
        format!("{}:{}", self.score, self.member)
    }

    /// Parse a page token; empty means the first page.
    pub fn parse(token: &str) -> Result<Option<Self>, ParkingError> {
        if token.is_empty() {
            return Ok(None);
        }
        let bad = || {
            ParkingError::invalid(
                "page_token",
                "not a page token from an earlier answer; pass next_page_token unchanged"
                    .to_owned(),
            )
        };
        let (score, member) = token.split_once(':').ok_or_else(bad)?;
        let score = score.parse().map_err(|_| bad())?;
        Ok(Some(Self {
            score,
            member: member.to_owned(),
        }))
    }

    /// Is (score, member) after this cursor in listing order?
    pub fn is_before(&self, score: u64, member: &str) -> bool {
        score < self.score || (score == self.score && member < self.member.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(payload: &str) -> Record {
        Record {
            message: salvage_model::Message {
                queue: "orders".into(),
                event_type: "OrderPlaced".into(),
                destination: "redis".into(),
                payload: payload.as_bytes().to_vec(),
                ..Default::default()
            },
            code: "BAD".into(),
            ..Record::default()
        }
    }

    #[test]
    fn filters_match_data_driven() {
        let r = rec(r#"{"customer":{"id":42,"name":"Ann"},"n":"7"}"#);
        let cases: &[(Filter, bool)] = &[
            (Filter::default(), true),
            (
                Filter {
                    queue: "orders".into(),
                    ..Filter::default()
                },
                true,
            ),
            (
                Filter {
                    queue: "payments".into(),
                    ..Filter::default()
                },
                false,
            ),
            (
                Filter {
                    error_code: "BAD".into(),
                    ..Filter::default()
                },
                true,
            ),
            (
                Filter {
                    event_type: "X".into(),
                    ..Filter::default()
                },
                false,
            ),
            (
                Filter {
                    text: "Ann".into(),
                    ..Filter::default()
                },
                true,
            ),
            (
                Filter {
                    text: "Bob".into(),
                    ..Filter::default()
                },
                false,
            ),
            (
                Filter {
                    json_pointer: "/customer/id".into(),
                    ..Filter::default()
                },
                true,
            ),
            (
                Filter {
                    json_pointer: "/customer/zip".into(),
                    ..Filter::default()
                },
                false,
            ),
            (
                Filter {
                    json_pointer: "/customer/id".into(),
                    json_value: "42".into(),
                    ..Filter::default()
                },
                true,
            ),
            (
                Filter {
                    json_pointer: "/customer/id".into(),
                    json_value: "43".into(),
                    ..Filter::default()
                },
                false,
            ),
            (
                Filter {
                    json_pointer: "/customer/name".into(),
                    json_value: "Ann".into(),
                    ..Filter::default()
                },
                true,
            ),
            (
                Filter {
                    json_pointer: "/n".into(),
                    json_value: "7".into(),
                    ..Filter::default()
                },
                true,
            ),
            (
                // Numbers by value, as the rules compare them: 42.0 is 42.
                Filter {
                    json_pointer: "/customer/id".into(),
                    json_value: "42.0".into(),
                    ..Filter::default()
                },
                true,
            ),
            (
                Filter {
                    json_pointer: "/customer/name".into(),
                    json_value: "\"Ann\"".into(),
                    ..Filter::default()
                },
                true,
            ),
        ];
        for (i, (f, want)) in cases.iter().enumerate() {
            assert_eq!(f.matches(&r), *want, "case {i}: {f:?}");
        }
        let not_json = rec("plain text");
        let f = Filter {
            json_pointer: "/a".into(),
            ..Filter::default()
        };
        assert!(!f.matches(&not_json));
    }

    #[test]
    fn bad_filters_are_named() {
        let f = Filter {
            json_pointer: "customer".into(),
            ..Filter::default()
        };
        assert!(
            f.validate("filter")
                .unwrap_err()
                .to_string()
                .contains("'/'")
        );
        let f = Filter {
            json_value: "1".into(),
            ..Filter::default()
        };
        assert!(f.validate("filter").is_err());
    }

    #[test]
    fn cursor_round_trips_and_orders() {
        let c = Cursor {
            score: 10,
            member: "b".into(),
        };
        assert_eq!(Cursor::parse(&c.token()).unwrap(), Some(c.clone()));
        assert!(c.is_before(9, "z"));
        assert!(c.is_before(10, "a"));
        assert!(!c.is_before(10, "b"));
        assert!(!c.is_before(11, "a"));
        assert!(Cursor::parse("nope").is_err());
        assert_eq!(Cursor::parse("").unwrap(), None);
    }
}
