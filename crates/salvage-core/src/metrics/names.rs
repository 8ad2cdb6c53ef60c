//! Every metric name (with what it counts) and the fixed sets its labels come from.

use metrics::{Level, Metadata};

/// Reports received, by origin `queue`, failure `class` and `outcome`.
pub const REPORTS_TOTAL: &str = "salvage_reports_total";
/// Reports rejected as invalid, by the `field` at fault.
pub const REPORTS_REJECTED_TOTAL: &str = "salvage_reports_rejected_total";
/// Time from receiving a report to answering it, by `rpc` (unary, stream).
pub const REPORT_DURATION_SECONDS: &str = "salvage_report_duration_seconds";
/// Repairs attempted by a rule, by `rule` and `result` (repaired, failed).
pub const REPAIRS_TOTAL: &str = "salvage_repairs_total";
/// Decisions taken, by `rule` (`_default` when none matched) and `decision`.
pub const RULE_DECISIONS_TOTAL: &str = "salvage_rule_decisions_total";
/// Messages parked, by `reason` code (rule, no_rule, attempt_limit, invalid_json, repair_failed,
/// not_a_stream, delivery_failed).
pub const PARKS_TOTAL: &str = "salvage_parks_total";
/// Messages delivered to a destination, by `destination`, `path` (inline, relay) and `result`.
pub const REQUEUES_TOTAL: &str = "salvage_requeues_total";
/// 1 while a broker destination is reachable, 0 while it is down, by `destination`.
pub const DESTINATION_UP: &str = "salvage_destination_up";
/// Parked messages now (read from Redis, so correct across restarts and processes).
pub const PARKED_MESSAGES: &str = "salvage_parked_messages";
/// Outbox entries waiting for delivery, by `destination`.
pub const OUTBOX_PENDING: &str = "salvage_outbox_pending";
/// Retries scheduled and not yet due.
pub const RETRIES_SCHEDULED: &str = "salvage_retries_scheduled";
/// Failed Redis calls, by `op`.
pub const REDIS_ERRORS_TOTAL: &str = "salvage_redis_errors_total";
/// 1 when the last Redis call of the stats poller succeeded, else 0.
pub const REDIS_UP: &str = "salvage_redis_up";
/// Times the server holding Salvage's keys changed (a Sentinel failover followed, or on a
/// Cluster a failover or slot move of the key prefix's slot), as the stats poller saw it.
pub const REDIS_PRIMARY_CHANGES_TOTAL: &str = "salvage_redis_primary_changes_total";
/// Time from parked to resolved, by `outcome` (resubmitted, retriaged, discarded, expired).
pub const PARKED_RESOLUTION_SECONDS: &str = "salvage_parked_resolution_seconds";
/// Age of the oldest parked message (0 when none is parked).
pub const PARKED_OLDEST_AGE_SECONDS: &str = "salvage_parked_oldest_age_seconds";
/// Archived (discarded, restorable) messages now.
pub const ARCHIVED_MESSAGES: &str = "salvage_archived_messages";
/// Resubmitted messages reported failing again (recurrence).
pub const RESUBMITTED_FAILED_AGAIN_TOTAL: &str = "salvage_resubmitted_failed_again_total";
/// Messages expired by retention, by `stage` (parked: moved to the archive; archive: deleted).
pub const PARKING_LOT_EXPIRED_TOTAL: &str = "salvage_parking_lot_expired_total";
/// Operator actions on the parking lot, by `action`.
pub const OPERATOR_ACTIONS_TOTAL: &str = "salvage_operator_actions_total";
/// Parked messages now, by origin `queue` (the `limits.max_queue_labels` largest queues).
pub const PARKED_MESSAGES_BY_QUEUE: &str = "salvage_parked_messages_by_queue";
/// Parked messages of the largest failure groups, by `group`, `queue` and `code` (the 10
/// largest; a group that drops out reads 0).
pub const PARKED_TOP_GROUP_MESSAGES: &str = "salvage_parked_top_group_messages";
/// User and system CPU time of the process, in seconds (a gauge that only grows).
pub const PROCESS_CPU_SECONDS_TOTAL: &str = "process_cpu_seconds_total";
/// Resident memory, in bytes.
pub const PROCESS_RESIDENT_MEMORY_BYTES: &str = "process_resident_memory_bytes";
/// Virtual memory, in bytes.
pub const PROCESS_VIRTUAL_MEMORY_BYTES: &str = "process_virtual_memory_bytes";
/// Open file descriptors.
pub const PROCESS_OPEN_FDS: &str = "process_open_fds";
/// The open file descriptor limit.
pub const PROCESS_MAX_FDS: &str = "process_max_fds";
/// Process start time, in seconds since the Unix epoch.
pub const PROCESS_START_TIME_SECONDS: &str = "process_start_time_seconds";
/// How many failure groups `salvage_parked_top_group_messages` shows.
pub const TOP_GROUPS: usize = 10;
/// Always 1, labelled with the `version`.
pub const BUILD_INFO: &str = "salvage_build_info";
/// 1 for the `version` of the rules in force (a content hash of the rules and schema files),
/// 0 for versions this process ran before a reload.
pub const RULES_INFO: &str = "salvage_rules_info";
/// Reloads of the rules tried, by `result` (applied, failed; files found unchanged are not
/// counted).
pub const RULES_RELOADS_TOTAL: &str = "salvage_rules_reloads_total";
/// 1 while the rules on disk failed to load or their tests failed (the earlier rules stay in
/// force), 0 once a load succeeded.
pub const RULES_RELOAD_FAILING: &str = "salvage_rules_reload_failing";

pub(super) const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Resolution times span minutes to weeks.
pub(super) const RESOLUTION_BUCKETS: &[f64] = &[
    60.0,
    300.0,
    900.0,
    3600.0,
    4.0 * 3600.0,
    12.0 * 3600.0,
    86400.0,
    3.0 * 86400.0,
    7.0 * 86400.0,
    30.0 * 86400.0,
];

pub(super) static METADATA: Metadata<'static> =
    Metadata::new("salvage", Level::INFO, Some("salvage"));

/// The label used for origin queues past the cap.
pub const OTHER_QUEUE: &str = "_other";
