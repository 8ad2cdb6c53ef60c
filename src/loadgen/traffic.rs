//! What the load generator sends: the mix of failure kinds and realistic reports for each,
//! built to match the example rules (`examples/rules.toml`):
//!
//! - `requeue`: an `OrderPlaced` from `orders<suffix>` failed with DATA `INVALID_TYPE` ("total
//!   must be a number"), its `total` a string: rule `order-total-as-string` repairs and
//!   requeues it.
//! - `retry`: a `PaymentRequested` from `payments<suffix>` failed with TRANSIENT
//!   `GATEWAY_TIMEOUT`: rule `payment-gateway-timeout` schedules a retry.
//! - `park`: a `PaymentCaptured` from `payments<suffix>` failed with DATA `FRAUD_DECLINED`
//!   ("payment 48213 declined by screening (score 0.97)"): parked. All in one failure group,
//!   or, with `--park-groups N`, spread evenly over N groups: the message then names one of N
//!   screening lists by a word of letters ("... (score 0.97) on list bq"), which the group's
//!   masking keeps (it masks words holding digits), so each list is a group of its own.
//! - `missing`: an `OrderPlaced` from `orders<suffix>` without `customer.email`, failed with DATA
//!   `MISSING_FIELD` ("required field 'customer.email' is missing"): rule `order-missing-email`
//!   fills it in with a `default` action and requeues it (the sidecar workload of the README's
//!   Performance section).
//!
//! Every report carries four headers (`traceparent`, `source_service`, `schema_version`,
//! `tenant`) and the customer id as its partition key.
//!
//! The rules match the queues by the globs `orders*` and `payments*`, so a per-run suffix
//! keeps runs apart in Redis without changing which rule applies.

use std::{
    collections::HashMap,
    fmt,
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use super::payloads::{
    Template, customer_of, order_template, order_without_email_template, payment_capture_template,
    payment_request_template,
};
use crate::proto::v1::{ErrorClass, FailedMessage, Failure, Origin, ReportRequest};

/// The destination every generated message names as its origin.
const DESTINATION: &str = "redis";

/// The kinds of failure the generator reports, one per example rule outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// An order whose `total` is a string: repaired and requeued.
    Requeue,
    /// A payment request that timed out at the gateway: retried after a backoff.
    Retry,
    /// A payment declined by fraud screening: parked.
    Park,
    /// An order without the customer's email: filled in by a `default` action and requeued.
    Missing,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Requeue, Kind::Retry, Kind::Park, Kind::Missing];

    fn name(self) -> &'static str {
        match self {
            Kind::Requeue => "requeue",
            Kind::Retry => "retry",
            Kind::Park => "park",
            Kind::Missing => "missing",
        }
    }
}

/// Relative weights of the failure kinds, e.g. `requeue=70,retry=10,park=20`. Kinds left out
/// get weight 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mix {
    /// Weights in the order of `Kind::ALL`.
    weights: [u32; 4],
}

impl Mix {
    fn total(&self) -> u32 {
        self.weights.iter().sum()
    }

    /// Draw a kind with probability proportional to its weight.
    pub(super) fn pick(&self, rng: &mut fastrand::Rng) -> Kind {
        let mut ticket = rng.u32(0..self.total());
        for (kind, weight) in Kind::ALL.into_iter().zip(self.weights) {
            if ticket < weight {
                return kind;
            }
            ticket -= weight;
        }
        Kind::Requeue // unreachable while total() > 0, which FromStr guarantees
    }
}

impl FromStr for Mix {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut weights = [0; 4];
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not KIND=WEIGHT"))?;
            let index = Kind::ALL
                .iter()
                .position(|k| k.name() == name.trim())
                .ok_or_else(|| {
                    format!("unknown kind `{name}` (expected requeue, retry, park, missing)")
                })?;
            weights[index] = weight
                .trim()
                .parse()
                .map_err(|_| format!("weight `{weight}` of `{name}` is not a whole number"))?;
        }
        let mix = Mix { weights };
        if mix.total() == 0 {
            return Err("the weights add up to 0".to_owned());
        }
        Ok(mix)
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (kind, weight)) in Kind::ALL.into_iter().zip(self.weights).enumerate() {
            let sep = if i == 0 { "" } else { "," };
            write!(f, "{sep}{}={weight}", kind.name())?;
        }
        Ok(())
    }
}

/// Everything the workers share to generate traffic for one run.
pub(super) struct Traffic {
    run_id: String,
    orders_queue: String,
    payments_queue: String,
    mix: Mix,
    order: Template,
    payment_request: Template,
    payment_capture: Template,
    order_without_email: Template,
    /// Numbers messages across all workers, so every id in the run is unique.
    next: AtomicU64,
    /// `failure.detail` of every report (a stack trace's worth of text; empty by default).
    detail: String,
    /// How many failure groups parked messages are spread over (1: one group).
    park_groups: u64,
}

impl Traffic {
    pub(super) fn new(run_id: &str, suffix: &str, mix: Mix, payload_bytes: usize) -> Self {
        Traffic {
            run_id: run_id.to_owned(),
            orders_queue: format!("orders{suffix}"),
            payments_queue: format!("payments{suffix}"),
            mix,
            order: order_template(payload_bytes),
            payment_request: payment_request_template(payload_bytes),
            payment_capture: payment_capture_template(payload_bytes),
            order_without_email: order_without_email_template(payload_bytes),
            next: AtomicU64::new(0),
            detail: String::new(),
            park_groups: 1,
        }
    }

    /// Parked messages are spread evenly over `groups` failure groups (message `n` in group
    /// `n % groups`); 1 (or 0) keeps them all in one.
    pub(super) fn with_park_groups(mut self, groups: u64) -> Self {
        self.park_groups = groups.max(1);
        self
    }

    /// Every report carries a `failure.detail` of `bytes` bytes.
    pub(super) fn with_detail(mut self, bytes: usize) -> Self {
        self.detail = "at com.example.Consumer.handle(Consumer.java:42)\n"
            .chars()
            .cycle()
            .take(bytes)
            .collect();
        self
    }

    /// The origin streams that repaired or retried messages are written back to.
    pub(super) fn queues(&self) -> [&str; 2] {
        [&self.orders_queue, &self.payments_queue]
    }
}

/// One worker's source of requests (its own random generator, the shared templates).
pub(super) struct Generator {
    traffic: Arc<Traffic>,
    rng: fastrand::Rng,
}

impl Generator {
    pub(super) fn new(traffic: Arc<Traffic>, seed: u64) -> Self {
        Generator {
            traffic,
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// The next report to send.
    pub(super) fn next_request(&mut self) -> ReportRequest {
        let t = &*self.traffic;
        let n = t.next.fetch_add(1, Ordering::Relaxed);
        let kind = t.mix.pick(&mut self.rng);
        let (queue, event_type, payload, mut failure) = match kind {
            Kind::Requeue => (
                &t.orders_queue,
                "OrderPlaced",
                t.order.render(n),
                failure(
                    ErrorClass::Data,
                    "INVALID_TYPE",
                    "total must be a number".into(),
                    "billing",
                ),
            ),
            Kind::Retry => (
                &t.payments_queue,
                "PaymentRequested",
                t.payment_request.render(n),
                failure(
                    ErrorClass::Transient,
                    "GATEWAY_TIMEOUT",
                    format!("payment gateway timed out after {} ms", 5000 + n % 3 * 2500),
                    "payments",
                ),
            ),
            Kind::Park => (
                &t.payments_queue,
                "PaymentCaptured",
                t.payment_capture.render(n),
                failure(
                    ErrorClass::Data,
                    "FRAUD_DECLINED",
                    format!(
                        "payment {} declined by screening (score 0.{}){}",
                        10_000 + n % 90_000,
                        90 + n % 10,
                        screening_list(n, t.park_groups)
                    ),
                    "settlement",
                ),
            ),
            Kind::Missing => (
                &t.orders_queue,
                "OrderPlaced",
                t.order_without_email.render(n),
                failure(
                    ErrorClass::Data,
                    "MISSING_FIELD",
                    "required field 'customer.email' is missing".into(),
                    "fulfilment",
                ),
            ),
        };
        failure.detail.clone_from(&t.detail);
        let headers = HashMap::from([
            (
                "traceparent".to_owned(),
                format!("00-{:032x}-{:016x}-01", self.rng.u128(..), n),
            ),
            ("source_service".to_owned(), "checkout".to_owned()),
            ("schema_version".to_owned(), "2".to_owned()),
            ("tenant".to_owned(), "acme-eu".to_owned()),
        ]);
        ReportRequest {
            message: Some(FailedMessage {
                id: format!("lg-{}-{n}", t.run_id),
                origin: Some(Origin {
                    destination: DESTINATION.to_owned(),
                    queue: queue.clone(),
                    partition_key: format!("cus-{}", customer_of(n)),
                }),
                payload,
                content_type: "application/json".to_owned(),
                headers,
                event_type: event_type.to_owned(),
            }),
            failure: Some(failure),
        }
    }
}

/// The part of a fraud decline's message that puts message `n` in one of `groups` failure
/// groups: nothing with one group, else " on list <word>", the word spelling `n % groups` in
/// letters (`a`..`z`, then `ba`, `bb`, ...): no digit, so the group's masking keeps it (it
/// would mask a hex word of 8 letters or more too, which takes over 26^7 groups).
fn screening_list(n: u64, groups: u64) -> String {
    if groups <= 1 {
        return String::new();
    }
    let mut i = n % groups;
    let mut word = Vec::new();
    loop {
        word.push(b'a' + u8::try_from(i % 26).unwrap_or(0));
        i /= 26;
        if i == 0 {
            break;
        }
    }
    word.reverse();
    format!(" on list {}", String::from_utf8_lossy(&word))
}

fn failure(class: ErrorClass, code: &str, message: String, consumer: &str) -> Failure {
    Failure {
        class: class.into(),
        code: code.to_owned(),
        message,
        consumer: consumer.to_owned(),
        delivery_attempt: 1,
        detail: String::new(),
        retry_after: None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_json::Value;

    use super::*;

    #[test]
    fn mix_parses_and_defaults_missing_kinds_to_zero() {
        assert_eq!(
            "requeue=70,retry=10,park=20".parse(),
            Ok(Mix {
                weights: [70, 10, 20, 0]
            })
        );
        assert_eq!(
            "park=1".parse(),
            Ok(Mix {
                weights: [0, 0, 1, 0]
            })
        );
        assert_eq!(
            "missing=1".parse(),
            Ok(Mix {
                weights: [0, 0, 0, 1]
            })
        );
        assert_eq!(
            Mix {
                weights: [70, 10, 20, 0]
            }
            .to_string(),
            "requeue=70,retry=10,park=20,missing=0"
        );
        assert!("requeue=0".parse::<Mix>().is_err());
        assert!("nap=3".parse::<Mix>().is_err());
        assert!("requeue".parse::<Mix>().is_err());
        assert!("requeue=x".parse::<Mix>().is_err());
    }

    #[test]
    fn mix_draws_only_weighted_kinds() {
        let mix: Mix = "retry=1,park=3".parse().unwrap_or_else(|e| panic!("{e}"));
        let mut rng = fastrand::Rng::with_seed(7);
        let kinds: Vec<Kind> = (0..1000).map(|_| mix.pick(&mut rng)).collect();
        let parks = kinds.iter().filter(|k| **k == Kind::Park).count();
        assert!(!kinds.contains(&Kind::Requeue));
        assert!((650..850).contains(&parks), "{parks} parks of 1000");
    }

    /// The groups Salvage forms (`salvage_model::failure_group`) of `count` parked reports.
    fn park_groups_of(traffic: Traffic, count: usize) -> Vec<String> {
        let mut generator = Generator::new(Arc::new(traffic), 3);
        (0..count)
            .map(|_| {
                let request = generator.next_request();
                let (Some(message), Some(failure)) = (request.message, request.failure) else {
                    panic!("message and failure are required");
                };
                assert_eq!(failure.code, "FRAUD_DECLINED");
                let queue = message.origin.unwrap_or_default().queue;
                salvage_model::failure_group(&queue, &failure.code, &failure.message)
            })
            .collect()
    }

    #[test]
    fn parked_messages_spread_evenly_over_the_park_groups() {
        let park = || "park=1".parse().unwrap_or_else(|e: String| panic!("{e}"));
        // Default: one group, and the message as before.
        let one = park_groups_of(Traffic::new("t", "-x", park(), 600), 500);
        assert_eq!(one.iter().collect::<HashSet<_>>().len(), 1);
        // 1,000 groups over 5,000 messages: each group holds exactly 5 (message n in n % 1000).
        let traffic = Traffic::new("t", "-x", park(), 600).with_park_groups(1000);
        let mut per_group: HashMap<String, usize> = HashMap::new();
        for g in park_groups_of(traffic, 5000) {
            *per_group.entry(g).or_default() += 1;
        }
        assert_eq!(per_group.len(), 1000);
        assert!(per_group.values().all(|n| *n == 5), "{per_group:?}");
        // The words stay letters: the group's masking keeps them.
        assert_eq!(screening_list(0, 1), "");
        assert_eq!(screening_list(0, 1000), " on list a");
        assert_eq!(screening_list(25, 1000), " on list z");
        assert_eq!(screening_list(26, 1000), " on list ba");
        assert_eq!(screening_list(1999, 1000), " on list bml");
        assert_eq!(
            salvage_model::group::mask_message("declined (score 0.97) on list bml"),
            "declined (score #) on list bml"
        );
    }

    #[test]
    fn requests_match_the_example_rules_and_have_unique_ids() {
        let mix = "requeue=1,retry=1,park=1,missing=1"
            .parse()
            .unwrap_or_else(|e: String| panic!("{e}"));
        let traffic = Arc::new(Traffic::new("t1", "-x", mix, 600));
        let mut generator = Generator::new(traffic, 1);
        let mut ids = std::collections::HashSet::new();
        let mut codes = std::collections::HashSet::new();
        for _ in 0..80 {
            let request = generator.next_request();
            let (Some(message), Some(failure)) = (request.message, request.failure) else {
                panic!("message and failure are required");
            };
            assert!(
                ids.insert(message.id.clone()),
                "duplicate id {}",
                message.id
            );
            assert!(message.id.starts_with("lg-t1-"));
            let mut names: Vec<&str> = message.headers.keys().map(String::as_str).collect();
            names.sort_unstable();
            assert_eq!(
                names,
                ["schema_version", "source_service", "tenant", "traceparent"]
            );
            codes.insert(failure.code.clone());
            let origin = message.origin.unwrap_or_default();
            assert_eq!(origin.destination, "redis");
            let payload: Value = serde_json::from_slice(&message.payload)
                .unwrap_or_else(|e| panic!("payload is not JSON: {e}"));
            assert!(
                (580..900).contains(&message.payload.len()),
                "{}",
                message.payload.len()
            );
            match failure.code.as_str() {
                "INVALID_TYPE" => {
                    assert_eq!(origin.queue, "orders-x");
                    assert_eq!(message.event_type, "OrderPlaced");
                    assert_eq!(payload["total"], "129.90");
                    assert_eq!(failure.message, "total must be a number");
                    assert_eq!(failure.class, i32::from(ErrorClass::Data));
                }
                "GATEWAY_TIMEOUT" => {
                    assert_eq!(origin.queue, "payments-x");
                    assert_eq!(message.event_type, "PaymentRequested");
                    assert_eq!(failure.class, i32::from(ErrorClass::Transient));
                }
                "FRAUD_DECLINED" => {
                    assert_eq!(origin.queue, "payments-x");
                    assert_eq!(message.event_type, "PaymentCaptured");
                    assert!(
                        failure.message.starts_with("payment "),
                        "{}",
                        failure.message
                    );
                    assert_eq!(failure.class, i32::from(ErrorClass::Data));
                }
                "MISSING_FIELD" => {
                    assert_eq!(origin.queue, "orders-x");
                    assert_eq!(message.event_type, "OrderPlaced");
                    assert_eq!(payload["customer"].get("email"), None);
                    assert_eq!(
                        failure.message,
                        "required field 'customer.email' is missing"
                    );
                }
                other => panic!("unexpected code {other}"),
            }
            if message.event_type == "OrderPlaced" {
                assert_eq!(payload["customer"]["id"], origin.partition_key.as_str());
            }
            let number = message.id.rsplit('-').next().unwrap_or_default();
            assert!(
                payload.to_string().contains(&format!("-{number}\"")),
                "{payload}"
            );
        }
        assert_eq!(codes.len(), 4, "{codes:?}");
    }
}
