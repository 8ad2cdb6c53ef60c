//! The relay: moves due retries from the schedule to their outboxes, drains every destination's
//! outbox, and polls the counts behind the gauges. It wakes when the report path committed to an
//! outbox, and otherwise every `relay.poll_interval` (to find due retries and work left by other
//! processes or by a crash). Each step is one atomic script, so any number of Salvage processes
//! may run relays on one Redis.

pub mod config;

use std::{sync::Arc, time::Duration};

use tokio::sync::Notify;
use tracing::{info, warn};

use self::config::RelaySettings;
use crate::{destinations::Destinations, metrics::Metrics, shutdown::ShutdownSignal, store::Store};
use salvage_model::Clock;

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
    /// The application's clock: a retry is due when it shows its time (the report path wrote
    /// that time by the same clock).
    pub clock: Arc<dyn Clock>,
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
                        warn!(error = %e, "relay pass failed; retrying");
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

    /// One pass: promote due retries, drain each outbox once (the store and the destinations
    /// walk every bucket: up to `batch_size` from each). Returns whether a full batch was seen
    /// somewhere (so there may be more right away). A failing destination, or a failed
    /// promotion (on a Cluster, one bucket's primary may be failing over while the others
    /// answer), does not keep the outboxes from being drained; the first error is returned after
    /// all were tried.
    async fn pass(&self) -> Result<bool, crate::destinations::DestinationError> {
        let batch = self.settings.batch_size;
        let now = self.clock.now_ms();
        let mut first_error = None;
        let moved = match self.store.promote_due_retries(now, batch).await {
            Ok(n) => n,
            Err(e) => {
                self.metrics.redis_error("promote");
                first_error = Some(e.into());
                0
            }
        };
        let mut more = moved >= batch as u64;
        for dest in self.destinations.iter() {
            match dest.drain(&self.store, batch, now).await {
                Ok(d) => {
                    if d.delivered > 0 {
                        self.metrics
                            .requeued(dest.name(), "relay", true, d.delivered);
                    }
                    if d.parked > 0 {
                        self.metrics.requeued(dest.name(), "relay", false, d.parked);
                        self.metrics.parked("delivery_failed", d.parked);
                        warn!(
                            destination = dest.name(),
                            parked = d.parked,
                            "undeliverable requeues parked"
                        );
                    }
                    if d.retried > 0 {
                        self.metrics.requeue_retried(dest.name(), d.retried);
                    }
                    more |= d.delivered + d.parked >= batch as u64;
                }
                Err(e) => {
                    self.metrics.redis_error("drain");
                    first_error.get_or_insert(e);
                }
            }
            // Unknown until the first delivery attempt: no sample until then, rather than "up".
            if let Some(up) = dest.health().and_then(|h| h.up) {
                self.metrics.set_destination_up(dest.name(), up);
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(more),
        }
    }
}

/// Polls the parked/retry/outbox counts into the gauges, and tells `on_redis` whether Redis
/// answered (used for the health service). The oldest parked message's age is by `clock`, the
/// clock its park time was written by.
pub async fn poll_stats<F>(
    store: Store,
    destinations: Vec<String>,
    metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
    interval: Duration,
    mut shutdown: ShutdownSignal,
    on_redis: F,
) where
    F: Fn(bool) -> futures::future::BoxFuture<'static, ()>,
{
    // The server holding Salvage's keys as last seen (`None`: a standalone Redis, or not seen).
    let mut home: Option<String> = None;
    loop {
        if let Ok(Some(now)) = store.home_node().await {
            if home.as_ref().is_some_and(|before| *before != now) {
                metrics.redis_primary_changed();
                tracing::warn!(primary = %now, previous = %home.as_deref().unwrap_or(""), "the Redis primary holding Salvage's keys changed");
            }
            home = Some(now);
        }
        let up = match store
            .stats(
                &destinations,
                metrics.max_queue_labels(),
                crate::metrics::TOP_GROUPS,
            )
            .await
        {
            Ok(s) => {
                metrics.set_store_stats(s.parked, s.retries, &s.outbox);
                metrics.set_parking_breakdown(&s.parked_by_queue, &s.top_groups);
                metrics.set_parking_stats(s.archived, s.oldest_parked_ms, clock.now_ms());
                true
            }
            Err(_) => {
                metrics.redis_error("stats");
                false
            }
        };
        metrics.set_redis_up(up);
        // Once stopping, health stays NOT_SERVING: do not let a late poll flip it back.
        if !shutdown.is_triggered() {
            on_redis(up).await;
        }
        metrics.upkeep();
        tokio::select! {
            () = shutdown.recv() => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}
