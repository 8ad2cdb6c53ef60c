//! The relay: moves due retries from the schedule to their outboxes, drains every destination's
//! outbox, and polls the counts behind the gauges. It wakes when the report path committed to an
//! outbox, and otherwise every `relay.poll_interval` (to find due retries and work left by other
//! processes or by a crash). Each step is one atomic script, so any number of Salvage processes
//! may run relays on one Redis.

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use tokio::sync::Notify;
use tracing::{info, warn};

use crate::{
    config::RelaySettings, destinations::Destinations, metrics::Metrics, shutdown::ShutdownSignal,
    store::Store,
};

/// The relay task.
#[derive(Debug)]
pub struct Relay {
    /// Salvage's Redis.
    pub store: Store,
    /// Where messages go.
    pub destinations: Destinations,
    /// Counts deliveries.
    pub metrics: Arc<Metrics>,
    /// Batch size and intervals.
    pub settings: RelaySettings,
    /// Notified when something was committed to an outbox.
    pub wake: Arc<Notify>,
}

impl Relay {
    /// Run until `shutdown`; the batch under way is finished first.
    pub async fn run(self, mut shutdown: ShutdownSignal) {
        let mut failing = false;
        loop {
            match self.pass().await {
                Ok(more) => {
                    if failing {
                        info!("relay recovered");
                        failing = false;
                    }
                    if more && !shutdown.is_triggered() {
                        continue;
                    }
                }
                Err(e) => {
                    if !failing {
                        warn!(error = %e, "relay cannot reach Redis; retrying");
                        failing = true;
                    }
                }
            }
            tokio::select! {
                () = shutdown.recv() => return,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.settings.poll_interval) => {}
            }
        }
    }

    /// One pass: promote due retries, drain each outbox once. Returns whether a full batch was
    /// seen somewhere (so there may be more right away).
    async fn pass(&self) -> Result<bool, crate::destinations::DestinationError> {
        let batch = self.settings.batch_size;
        let moved = self
            .store
            .promote_due_retries(now_ms(), batch)
            .await
            .inspect_err(|_| {
                self.metrics.redis_error("promote");
            })?;
        let mut more = moved >= batch as u64;
        for dest in self.destinations.iter() {
            match dest.drain(&self.store, batch).await {
                Ok(n) => {
                    if n > 0 {
                        self.metrics.requeued(dest.name(), "relay", true, n);
                    }
                    more |= n >= batch as u64;
                }
                Err(e) => {
                    self.metrics.requeued(dest.name(), "relay", false, 1);
                    self.metrics.redis_error("drain");
                    return Err(e);
                }
            }
        }
        Ok(more)
    }
}

/// Polls the parked/retry/outbox counts into the gauges, and tells `on_redis` whether Redis
/// answered (used for the health service).
pub async fn poll_stats<F>(
    store: Store,
    destinations: Vec<String>,
    metrics: Arc<Metrics>,
    interval: Duration,
    mut shutdown: ShutdownSignal,
    on_redis: F,
) where
    F: Fn(bool) -> futures::future::BoxFuture<'static, ()>,
{
    loop {
        match store.stats(&destinations).await {
            Ok(s) => {
                metrics.set_store_stats(s.parked, s.retries, &s.outbox);
                metrics.set_redis_up(true);
                on_redis(true).await;
            }
            Err(_) => {
                metrics.redis_error("stats");
                metrics.set_redis_up(false);
                on_redis(false).await;
            }
        }
        metrics.upkeep();
        tokio::select! {
            () = shutdown.recv() => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
