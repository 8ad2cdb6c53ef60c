//! This attempt as the report script records it: its entry in the message history, the failure
//! kept on the record (its detail cut to `limits.max_detail_bytes`), and the backoff a retry is
//! scheduled with (the script computes the delay from the attempt number).

use std::time::Duration;

use salvage_model::history::Attempt;
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
    repaired: Option<(&[u8], &[Change])>,
) -> String {
    Attempt {
        at: now_ms,
        tracking_id: tracking_id.to_owned(),
        class: Some(f.class.as_str().to_owned()),
        code: Some(f.code.clone()),
        message: Some(f.message.clone()),
        consumer: Some(f.consumer.clone()),
        delivery_attempt: Some(u64::from(f.delivery_attempt)),
        rule: rule.to_owned(),
        decision: Some(decision.to_owned()),
        payload: repaired.map(|(p, _)| String::from_utf8_lossy(p).into_owned()),
        // What the repair changed, so the console can show it and rebuild the payload it was
        // given.
        changes: repaired
            .filter(|(_, c)| !c.is_empty())
            .map(|(_, c)| c.to_vec()),
        ..Attempt::default()
    }
    .tail()
}

/// The failure as a JSON object, its detail cut to `max_detail_bytes` (and said to be).
pub(super) fn failure_json(f: &Failure, max_detail_bytes: usize) -> String {
    let detail = cut(&f.detail, max_detail_bytes);
    serde_json::json!({
        "class": f.class.as_str(),
        "code": f.code,
        "message": f.message,
        "consumer": f.consumer,
        "delivery_attempt": f.delivery_attempt,
        "detail": detail,
        "detail_truncated": detail.len() < f.detail.len(),
    })
    .to_string()
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
    fn attempt_tail_has_no_opening_brace() {
        let f = Failure {
            class: salvage_rules::ErrorClass::Data,
            code: "C".into(),
            message: "m".into(),
            consumer: "c".into(),
            delivery_attempt: 1,
            detail: String::new(),
        };
        let t = attempt_tail(5, "t", &f, "", "park", None);
        assert!(t.starts_with("\"at\":5,"), "{t}");
        assert!(t.ends_with('}'));
    }
}
