//! The Redis key layout of one bucket (`layout.rs`). Every key starts with the bucket's prefix,
//! which carries a hash tag (`{salvage}`, or `{salvage:17}` with several buckets), so all keys of
//! a bucket live in one Redis Cluster slot and the Lua scripts may touch them together.
//! ARCHITECTURE.md documents the layout; keep the two in step.

/// Builds key names under one prefix.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// `prefix` must contain a `{hash tag}` (checked by the configuration).
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    /// The prefix itself (passed to the scripts, which derive the keys they need).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Whether `key` is one of Salvage's own keys: under the prefix, or a delivery marker set
    /// (a queue named so would be mistaken for them).
    pub fn owns(&self, key: &str) -> bool {
        let stem = self.stem();
        key.starts_with(&self.prefix)
            || super::layout::is_bucket_key(&self.prefix, key)
            || key.starts_with(&format!("{stem}:delivered:{{"))
    }

    /// Hash, at home: the number of buckets this deployment's state is laid out in (`layout.rs`).
    pub fn layout(&self) -> String {
        format!("{}:layout", self.prefix)
    }

    /// The prefix without its braces: the start of keys that must not carry its hash tag.
    fn stem(&self) -> String {
        self.prefix
            .chars()
            .filter(|c| *c != '{' && *c != '}')
            .collect()
    }

    /// Sorted set, on a Redis Cluster only: the delivery markers of the slot that the hash tag
    /// `{tag}` falls in (`crossslot.rs`). Outside the prefix's slot on purpose.
    pub fn delivered(&self, tag: u32) -> String {
        let stem = self.stem();
        format!("{stem}:delivered:{{{tag}}}")
    }

    /// Hash: the state of one message (attempts, last outcome, pending flag, history).
    pub fn message(&self, message_key: &str) -> String {
        format!("{}:msg:{message_key}", self.prefix)
    }

    /// Stream: requeues waiting for delivery to one destination.
    pub fn outbox(&self, destination: &str) -> String {
        format!("{}:outbox:{destination}", self.prefix)
    }

    /// Sorted set: scheduled retries (tracking id scored by due time in ms).
    pub fn retries(&self) -> String {
        format!("{}:retries", self.prefix)
    }

    /// Hash: one parked record.
    pub fn parked(&self, tracking_id: &str) -> String {
        format!("{}:parked:{tracking_id}", self.prefix)
    }

    /// Sorted set: every parked record by last-seen time.
    pub fn parked_index(&self) -> String {
        format!("{}:idx:parked", self.prefix)
    }

    /// Sorted set: failure groups by last-seen time.
    pub fn groups(&self) -> String {
        format!("{}:groups", self.prefix)
    }

    /// Sorted set: failure groups by number of parked messages.
    pub fn groups_by_count(&self) -> String {
        format!("{}:groups:count", self.prefix)
    }

    /// Sorted set: origin queues by number of parked messages.
    pub fn queues(&self) -> String {
        format!("{}:queues", self.prefix)
    }

    /// Hash: one failure group's summary.
    pub fn group(&self, group: &str) -> String {
        format!("{}:group:{group}", self.prefix)
    }

    /// Sorted set: the parked records of one origin queue, by parked-at time.
    pub fn queue_index(&self, queue: &str) -> String {
        format!("{}:idx:queue:{queue}", self.prefix)
    }

    /// Sorted set: the parked records of one failure group, by parked-at time.
    pub fn group_index(&self, group: &str) -> String {
        format!("{}:idx:group:{group}", self.prefix)
    }

    /// Hash: one archived (discarded) record.
    pub fn archived(&self, tracking_id: &str) -> String {
        format!("{}:archive:{tracking_id}", self.prefix)
    }

    /// Sorted set: archived records by discarded-at time.
    pub fn archive_index(&self) -> String {
        format!("{}:idx:archive", self.prefix)
    }

    /// Hash: one bulk run.
    pub fn run(&self, run_id: &str) -> String {
        format!("{}:run:{run_id}", self.prefix)
    }

    /// List: the tracking ids a run works through.
    pub fn run_ids(&self, run_id: &str) -> String {
        format!("{}:run:{run_id}:ids", self.prefix)
    }

    /// Sorted set: every run by creation time.
    pub fn runs(&self) -> String {
        format!("{}:runs", self.prefix)
    }

    /// Set: runs not yet finished (running, waiting on a canary).
    pub fn active_runs(&self) -> String {
        format!("{}:runs:active", self.prefix)
    }

    /// Stream: the audit log of operator actions.
    pub fn audit(&self) -> String {
        format!("{}:audit", self.prefix)
    }

    /// A counter the replica waiter bumps before each `WAIT` (see `replication.rs`).
    pub fn replication_mark(&self) -> String {
        format!("{}:replication-mark", self.prefix)
    }

    /// Stream: parking-lot events for live views (capped).
    pub fn events(&self) -> String {
        format!("{}:events", self.prefix)
    }

    /// Hash: one console session, by the SHA-256 (hex) of its cookie; expires when idle.
    pub fn console_session(&self, digest_hex: &str) -> String {
        format!("{}:console:session:{digest_hex}", self.prefix)
    }

    /// Sorted set: the live console sessions of one token (by its SHA-256), scored by sign-in
    /// time (ms), for `console.max_sessions_per_token`.
    pub fn console_sessions(&self, token_digest_hex: &str) -> String {
        format!("{}:console:sessions:{token_digest_hex}", self.prefix)
    }

    /// Hash: outcome counts of one minute (`report.lua`, `resubmit.lua`), kept two hours.
    pub fn stats_minute(&self, minute: u64) -> String {
        format!("{}:stats:{minute}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::Keys;

    #[test]
    fn own_keys_are_the_prefix_and_the_marker_sets() {
        let keys = Keys::new("{salvage}");
        assert!(keys.owns("{salvage}:retries"));
        assert!(keys.owns(&keys.delivered(7)));
        assert!(keys.owns("{salvage:3:7}:msg:x"));
        assert_eq!(keys.delivered(7), "salvage:delivered:{7}");
        assert!(!keys.owns("orders"));
        assert!(!keys.owns("salvage:orders"));
    }
}
