//! Metrics: every metric name, its help text, and one method per event that counts it.
//!
//! Each `Application` owns its own Prometheus recorder instead of installing a global one, so
//! several applications (in tests) never mix their counts. Labels come from small fixed sets
//! (outcome, class, rule name, destination, reason code); origin queues are capped at
//! `limits.max_queue_labels` distinct values, further ones count as `_other`, so a client
//! cannot grow the metrics without bound.
//!
//! `names`: every name and its label sets; `recorder`: the recorder, rendering and the capped
//! queue label; `events`: one method per event; `process`: figures from `/proc`; `tally`: the
//! console's last-hour counts.

mod events;
mod names;
mod process;
mod recorder;
mod tally;

pub use self::{names::*, recorder::Metrics, tally::Tally};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_labels_are_capped() {
        let m = Metrics::new(2);
        m.report("a", "data", "parked");
        m.report("b", "data", "parked");
        m.report("c", "data", "parked");
        m.report("d", "data", "parked");
        let text = m.render();
        assert!(text.contains("queue=\"a\""), "{text}");
        assert!(!text.contains("queue=\"c\""), "{text}");
        assert!(
            text.contains("queue=\"_other\",class=\"data\",outcome=\"parked\"} 2"),
            "{text}"
        );
    }

    #[test]
    fn known_series_start_at_zero() {
        let m = Metrics::new(2);
        m.register_known(&[("redis".to_owned(), true)]);
        m.upkeep();
        let text = m.render();
        for line in [
            r#"salvage_redis_errors_total{op="report"} 0"#,
            r#"salvage_requeues_total{destination="redis",path="inline",result="error"} 0"#,
            r#"salvage_parks_total{reason="delivery_failed"} 0"#,
            r#"salvage_operator_actions_total{action="discard"} 0"#,
            r#"salvage_parked_resolution_seconds_count{outcome="expired"} 0"#,
            "salvage_resubmitted_failed_again_total 0",
            "salvage_redis_primary_changes_total 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
        }
    }

    #[test]
    fn latency_is_a_histogram() {
        let m = Metrics::new(2);
        m.report_duration("unary", 0.003);
        m.upkeep();
        let text = m.render();
        assert!(
            text.contains("salvage_report_duration_seconds_bucket"),
            "{text}"
        );
    }
}
