//! This attempt as the report script records it: its entry in the message history, the failure
//! kept on the record (its detail cut to `limits.max_detail_bytes`), and the backoff a retry is
//! scheduled with (the script computes the delay from the attempt number).

use std::{borrow::Cow, time::Duration};

use salvage_model::history::ReportedTail;
use salvage_rules::{Backoff, diff::Change};

use super::Failure;

/// This attempt's facts for the message history: a JSON object without its opening brace (the
/// script prepends the attempt number and the final outcome).
pub(super) fn attempt_tail(
    now_ms: u64,
    tracking_id: &str,
    f: &Failure,
    rule: &str,
    decision: &str,
    rules_version: &str,
    repaired: Option<(&[u8], &[Change])>,
) -> String {
    // Valid UTF-8 (any JSON a rule repaired) is checked by the fast path; only invalid bytes
    // take the replacing one.
    let payload = repaired.map(|(p, _)| {
        std::str::from_utf8(p).map_or_else(|_| String::from_utf8_lossy(p), Cow::Borrowed)
    });
    ReportedTail {
        at: now_ms,
        tracking_id,
        class: f.class.as_str(),
        code: &f.code,
        message: &f.message,
        consumer: &f.consumer,
        delivery_attempt: u64::from(f.delivery_attempt),
        rule,
        decision,
        rules_version,
        payload: payload.as_deref(),
        // What the repair changed, so the console can show it and rebuild the payload it was
        // given.
        changes: repaired.map(|(_, c)| c).filter(|c| !c.is_empty()),
    }
    .to_json()
}

/// The failure as a JSON object, its detail cut to `max_detail_bytes` (and said to be).
pub(super) fn failure_json(f: &Failure, max_detail_bytes: usize) -> String {
    /// The members in the order the record has always had them.
    #[derive(serde::Serialize)]
    struct Json<'a> {
        class: &'a str,
        code: &'a str,
        message: &'a str,
        consumer: &'a str,
        delivery_attempt: u32,
        detail: &'a str,
        detail_truncated: bool,
        /// Only when the consumer passed one.
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    }
    let detail = cut(&f.detail, max_detail_bytes);
    serde_json::to_string(&Json {
        class: f.class.as_str(),
        code: &f.code,
        message: &f.message,
        consumer: &f.consumer,
        delivery_attempt: f.delivery_attempt,
        detail,
        detail_truncated: detail.len() < f.detail.len(),
        retry_after_ms: f
            .retry_after
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
    })
    .unwrap_or_else(|_| "{}".to_owned())
}

/// `s` cut to at most `max` bytes on a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The backoff as the script takes it: initial delay (ms), multiplier, longest delay (ms), and
/// this attempt's jitter factor, drawn now.
pub(super) fn backoff_args(b: &Backoff) -> (u64, f64, u64, f64) {
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    (
        ms(b.initial),
        b.multiplier,
        ms(b.max),
        b.jitter_factor(fastrand::f64()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_respects_char_boundaries() {
        assert_eq!(cut("héllo", 2), "h");
        assert_eq!(cut("abc", 10), "abc");
    }

    #[test]
    fn failure_json_is_what_the_json_macro_wrote() {
        for (detail, max) in [("", 10), ("at a.b(c:1)\n\"x\" é", 100), ("héllo wörld", 2)] {
            let f = Failure {
                class: salvage_rules::ErrorClass::Transient,
                code: "C\"1".into(),
                message: "m\u{7}".into(),
                consumer: "c/d".into(),
                delivery_attempt: 7,
                detail: detail.into(),
                retry_after: None,
            };
            let cut = cut(detail, max);
            let before = serde_json::json!({
                "class": f.class.as_str(),
                "code": f.code,
                "message": f.message,
                "consumer": f.consumer,
                "delivery_attempt": f.delivery_attempt,
                "detail": cut,
                "detail_truncated": cut.len() < f.detail.len(),
            })
            .to_string();
            assert_eq!(failure_json(&f, max), before);
        }
    }

    #[test]
    fn attempt_tail_has_no_opening_brace() {
        let f = Failure {
            class: salvage_rules::ErrorClass::Data,
            code: "C".into(),
            message: "m".into(),
            consumer: "c".into(),
            delivery_attempt: 1,
            detail: String::new(),
            retry_after: None,
        };
        let t = attempt_tail(5, "t", &f, "", "park", "", None);
        assert!(t.starts_with("\"at\":5,"), "{t}");
        assert!(t.ends_with('}'));
    }
}
