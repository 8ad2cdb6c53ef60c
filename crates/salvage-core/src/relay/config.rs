//! `[relay]`: the relay that delivers outboxes and moves due retries.

use std::time::Duration;

use serde::Deserialize;

/// The relay.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelaySettings {
    /// Run the relay in this process. With several processes on one Redis, any (or all) may run
    /// it: delivery is atomic, so none doubles another's work.
    pub enabled: bool,
    /// Outbox entries or due retries handled per Redis call.
    pub batch_size: usize,
    /// How often the relay looks for work it was not told about (due retries, other processes'
    /// outbox entries).
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    /// How often the parked/outbox/retry gauges are read from Redis.
    #[serde(with = "humantime_serde")]
    pub stats_interval: Duration,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            enabled: true,
            batch_size: 256,
            poll_interval: Duration::from_millis(100),
            stats_interval: Duration::from_secs(5),
        }
    }
}

impl RelaySettings {
    /// Its own checks.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.batch_size == 0 {
            return Err("relay.batch_size must be greater than 0".to_owned());
        }
        let intervals = [
            ("relay.poll_interval", self.poll_interval),
            ("relay.stats_interval", self.stats_interval),
        ];
        for (name, v) in intervals {
            if v.is_zero() {
                return Err(format!("{name} must be greater than 0"));
            }
        }
        Ok(())
    }
}
