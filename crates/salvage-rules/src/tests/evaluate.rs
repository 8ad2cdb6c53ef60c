//! Evaluation: first match wins, defaults, JSON handling, repairs and their failures.

use std::time::Duration;

use super::{input, rules};
use crate::{
    Backoff, Decision, Defaults, ErrorClass, Evaluation, INVALID_JSON_REASON, NO_RULE_MATCHED,
    Repair, RuleSet,
};

pub(super) const ORDERS: &str = r#"
[[rule]]
name = "first"
when.code = "X"
decision = "park"

[[rule]]
name = "second"
when.code = ["X", "Y"]
decision = "requeue"

[[rule]]
name = "json-check"
when.code = "J"
when.payload = [{ pointer = "/kind", equals = "a" }]
decision = "park"
reason = "kind a"

[[rule]]
name = "json-fix"
when.code = "J"
actions = [
  { op = "coerce", path = "/total", to = "number" },
  { op = "lowercase", path = "/status" },
]
max_attempts = 2
"#;

#[test]
fn the_first_matching_rule_decides() {
    let set = rules(ORDERS);
    let x = set.evaluate(&input(ErrorClass::Data, "X", "{}"));
    assert_eq!(x.rule.as_deref(), Some("first"));
    assert_eq!(
        x.decision,
        Decision::Park {
            reason: "parked by rule first".to_owned()
        }
    );
    let y = set.evaluate(&input(ErrorClass::Data, "Y", "{}"));
    assert_eq!(y.rule.as_deref(), Some("second"));
}

#[test]
fn a_requeue_rule_without_actions_leaves_the_payload_unchanged() {
    let set = rules(ORDERS);
    let evaluation = set.evaluate(&input(ErrorClass::Data, "Y", "not JSON either"));
    assert_eq!(
        evaluation,
        Evaluation {
            rule: Some("second".into()),
            decision: Decision::Requeue { payload: None },
            max_attempts: 5,
            repair: Repair::None,
            changes: Vec::new(),
        }
    );
}

#[test]
fn a_repair_keeps_the_payload_text_except_what_it_changed() {
    let set = rules(ORDERS);
    let payload = "{\n  \"status\": \"PAID\",\n  \"total\": \"12.50\",\n  \"id\": \"o-1\"\n}";
    let evaluation = set.evaluate(&input(ErrorClass::Data, "J", payload));
    assert_eq!(evaluation.rule.as_deref(), Some("json-fix"));
    assert_eq!(evaluation.repair, Repair::Repaired);
    assert_eq!(evaluation.max_attempts, 2);
    let Decision::Requeue {
        payload: Some(bytes),
    } = evaluation.decision
    else {
        panic!("expected a repaired requeue, got {:?}", evaluation.decision);
    };
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "{\n  \"status\": \"paid\",\n  \"total\": 12.50,\n  \"id\": \"o-1\"\n}"
    );
}

#[test]
fn payload_predicates_fall_through_to_later_rules_on_the_same_parse() {
    let set = rules(ORDERS);
    let a = set.evaluate(&input(ErrorClass::Data, "J", r#"{"kind":"a"}"#));
    assert_eq!(
        a.decision,
        Decision::Park {
            reason: "kind a".to_owned()
        }
    );
    let b = set.evaluate(&input(
        ErrorClass::Data,
        "J",
        r#"{"kind":"b","total":"1","status":"X"}"#,
    ));
    assert_eq!(b.rule.as_deref(), Some("json-fix"));
    assert_eq!(b.repair, Repair::Repaired);
}

#[test]
fn an_action_failure_parks_with_the_action_and_reason() {
    let set = rules(ORDERS);
    let evaluation = set.evaluate(&input(ErrorClass::Data, "J", r#"{"total":"1","status":7}"#));
    assert_eq!(evaluation.rule.as_deref(), Some("json-fix"));
    assert_eq!(evaluation.repair, Repair::Failed);
    assert_eq!(
        evaluation.decision,
        Decision::Park {
            reason: "rule json-fix: action 2 (lowercase /status) failed: expected a string, \
                     found number"
                .to_owned()
        }
    );
    let missing = set.evaluate(&input(ErrorClass::Data, "J", r#"{"status":"x"}"#));
    assert_eq!(
        missing.decision,
        Decision::Park {
            reason: "rule json-fix: action 1 (coerce /total) failed: /total does not exist"
                .to_owned()
        }
    );
}

#[test]
fn a_non_json_payload_parks_when_the_matching_rule_needs_json() {
    let set = rules(ORDERS);
    for payload in ["total=12", "", "{\"unterminated\": "] {
        let evaluation = set.evaluate(&input(ErrorClass::Data, "J", payload));
        assert_eq!(
            evaluation,
            Evaluation {
                // The first rule needing JSON decides, even though its predicate is unknowable.
                rule: Some("json-check".into()),
                decision: Decision::Park {
                    reason: INVALID_JSON_REASON.to_owned()
                },
                max_attempts: 5,
                repair: Repair::Failed,
                changes: Vec::new(),
            },
            "{payload:?}"
        );
    }
    // Rules whose envelope does not match never look at the payload.
    let other = set.evaluate(&input(ErrorClass::Data, "Z", "total=12"));
    assert_eq!(other.rule, None);
    assert_eq!(
        other.decision,
        Decision::Park {
            reason: NO_RULE_MATCHED.to_owned()
        }
    );
    assert_eq!(INVALID_JSON_REASON, "payload is not valid JSON");
}

#[test]
fn built_in_defaults_retry_transient_and_park_the_rest() {
    let set = rules("");
    assert!(set.is_empty());
    assert_eq!(set.defaults(), &Defaults::default());
    let transient = set.evaluate(&input(ErrorClass::Transient, "X", ""));
    assert_eq!(
        transient,
        Evaluation {
            rule: None,
            decision: Decision::Retry {
                backoff: Backoff::default()
            },
            max_attempts: 5,
            repair: Repair::None,
            changes: Vec::new(),
        }
    );
    for class in [ErrorClass::Data, ErrorClass::Unknown] {
        let evaluation = set.evaluate(&input(class, "X", ""));
        assert_eq!(
            evaluation.decision,
            Decision::Park {
                reason: "no rule matched".to_owned()
            }
        );
        assert_eq!(evaluation.rule, None);
    }
}

#[test]
fn configured_defaults_apply_and_fill_rule_backoffs() {
    let set = rules(
        r#"
[defaults]
max_attempts = 9
backoff = { initial = "2s", max = "1m" }
on_transient = "park"
on_other = "retry"

[[rule]]
name = "slow"
when.code = "SLOW"
decision = "retry"
backoff = { multiplier = 3.0 }
"#,
    );
    let defaults = set.defaults();
    assert_eq!(defaults.max_attempts, 9);
    let backoff = Backoff {
        initial: Duration::from_secs(2),
        multiplier: 2.0,
        max: Duration::from_secs(60),
        jitter: 0.2,
        ..Backoff::default()
    };
    assert_eq!(defaults.backoff, backoff);

    let transient = set.evaluate(&input(ErrorClass::Transient, "X", ""));
    assert_eq!(
        transient.decision,
        Decision::Park {
            reason: NO_RULE_MATCHED.to_owned()
        }
    );
    assert_eq!(transient.max_attempts, 9);
    let data = set.evaluate(&input(ErrorClass::Data, "X", ""));
    assert_eq!(
        data.decision,
        Decision::Retry {
            backoff: backoff.clone()
        }
    );

    let slow = set.evaluate(&input(ErrorClass::Transient, "SLOW", ""));
    assert_eq!(
        slow.decision,
        Decision::Retry {
            backoff: Backoff {
                multiplier: 3.0,
                ..backoff
            }
        }
    );
    assert_eq!(slow.max_attempts, 9);
}

#[test]
fn an_empty_when_matches_everything() {
    let set = rules("[[rule]]\nname = \"all\"\ndecision = \"park\"\nreason = \"everything\"\n");
    for class in [ErrorClass::Transient, ErrorClass::Data, ErrorClass::Unknown] {
        let evaluation = set.evaluate(&input(class, "", "\u{0}"));
        assert_eq!(evaluation.rule.as_deref(), Some("all"));
    }
    assert_eq!(set.rule_names().collect::<Vec<_>>(), ["all"]);
    assert_eq!(set.len(), 1);
}

#[test]
fn rule_sets_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RuleSet>();
}

/// A rule that trims `/email` and the first element of a root array (read whole: a root
/// that is not an object), parking when that changed nothing.
const IF_UNCHANGED: &str = r#"
[[rule]]
name = "tidy"
when.code = "T"
actions = [{ op = "trim", path = "/email" }]
if_unchanged = "park"

[[rule]]
name = "tidy-list"
when.code = "L"
actions = [{ op = "trim", path = "/0" }]
if_unchanged = "park"

[[rule]]
name = "reorder"
when.code = "O"
actions = [{ op = "remove", path = "/a" }, { op = "add", path = "/a", value = 1 }]
if_unchanged = "park"

[[rule]]
name = "tidy-anyway"
when.code = "A"
actions = [{ op = "trim", path = "/email" }]
if_unchanged = "requeue"
"#;

#[test]
fn if_unchanged_park_parks_a_repair_that_changed_nothing() {
    let set = rules(IF_UNCHANGED);
    let parked = |rule: &str| Decision::Park {
        reason: format!("rule {rule}: its actions changed nothing"),
    };
    for (code, payload, rule) in [
        ("T", r#"{"email": "a@b", "n": 1}"#, "tidy"),
        ("L", r#"["a", " b "]"#, "tidy-list"),
        // The same values, member order aside: nothing a consumer reads differs.
        ("O", r#"{"a": 1, "b": 2}"#, "reorder"),
    ] {
        let evaluation = set.evaluate(&input(ErrorClass::Data, code, payload));
        assert_eq!(
            evaluation,
            Evaluation {
                rule: Some(rule.into()),
                decision: parked(rule),
                max_attempts: 5,
                repair: Repair::Failed,
                changes: Vec::new(),
            },
            "{payload}"
        );
    }
    // A repair that changes something requeues as ever, in place and parsed whole.
    for (code, payload, repaired) in [
        (
            "T",
            r#"{"email": " a@b ", "n": 1}"#,
            r#"{"email": "a@b", "n": 1}"#,
        ),
        ("L", r#"[" a", " b "]"#, r#"["a", " b "]"#),
        ("O", r#"{"a": 2, "b": 2}"#, r#"{"b": 2,"a": 1}"#),
    ] {
        let evaluation = set.evaluate(&input(ErrorClass::Data, code, payload));
        assert_eq!(evaluation.repair, Repair::Repaired, "{payload}");
        assert_eq!(
            evaluation.decision,
            Decision::Requeue {
                payload: Some(repaired.as_bytes().to_vec())
            },
            "{payload}"
        );
    }
    // A failing action still parks with its own reason; `requeue` (the default) requeues an
    // unchanged copy.
    let failed = set.evaluate(&input(ErrorClass::Data, "T", r#"{"n": 1}"#));
    assert_eq!(
        failed.decision,
        Decision::Park {
            reason: "rule tidy: action 1 (trim /email) failed: /email does not exist".to_owned()
        }
    );
    let payload = r#"{"email": "a@b"}"#;
    let anyway = set.evaluate(&input(ErrorClass::Data, "A", payload));
    assert_eq!(anyway.repair, Repair::Repaired);
    assert_eq!(
        anyway.decision,
        Decision::Requeue {
            payload: Some(payload.as_bytes().to_vec())
        }
    );
}

#[test]
fn a_retry_rule_says_whether_and_how_far_the_consumers_retry_after_is_honoured() {
    let set = RuleSet::parse(
        r#"
[defaults]
backoff = { retry_after_max = "10m" }

[[rule]]
name = "rate-limited"
when.code = "RATE_LIMITED"
decision = "retry"
backoff = { max = "1m", retry_after_max = "2h" }

[[rule]]
name = "flaky"
when.code = "FLAKY"
decision = "retry"
backoff = { use_retry_after = false }
"#,
        "rules.toml",
    )
    .unwrap();
    let hour = Duration::from_secs(3600);
    let floor = |code: &str| match set
        .evaluate(&input(ErrorClass::Transient, code, ""))
        .decision
    {
        Decision::Retry { backoff } => backoff.retry_floor(Some(3 * hour)),
        other => panic!("{other:?}"),
    };
    // A rule's own cap, the defaults' cap for the default retry, and a rule that ignores it.
    assert_eq!(floor("RATE_LIMITED"), 2 * hour);
    assert_eq!(floor("OTHER"), Duration::from_secs(600));
    assert_eq!(floor("FLAKY"), Duration::ZERO);
}
