//! Retention: parked messages past `parking_lot.retention` (age or count) move to the archive
//! (restorable, discarded_by "retention"); archived messages past `parking_lot.archive` are
//! deleted. Nothing expires silently: every expiry is counted
//! (`salvage_parking_lot_expired_total`) and logged.

use std::{sync::Arc, time::Duration};

use salvage_model::Clock;
use tracing::warn;

use super::{ParkingError, config::RetentionSettings};
use crate::{
    metrics::Metrics,
    shutdown::ShutdownSignal,
    store::{Index, Store},
};

/// Most messages handled per retention step (the loop goes on while there is more).
const STEP: usize = 500;

/// What one retention pass expired.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expired {
    /// Parked messages moved to the archive.
    pub parked: u64,
    /// Archived messages deleted.
    pub archive: u64,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Retention: what it uses of the parking lot.
#[derive(Debug)]
pub(super) struct Retention {
    /// The indexes, and the scripts that archive and purge.
    pub(super) store: Store,
    /// What expired, and how long it had been parked.
    pub(super) metrics: Arc<Metrics>,
    /// Ages are by it (the park and discard times were written by it).
    pub(super) clock: Arc<dyn Clock>,
    /// `parking_lot.retention`: parked messages kept.
    pub(super) parked: RetentionSettings,
    /// `parking_lot.archive`: archived messages kept.
    pub(super) archive: RetentionSettings,
    /// `parking_lot.retention_interval`.
    pub(super) interval: Duration,
}

impl Retention {
    /// One retention pass.
    pub(super) async fn expire(&self) -> Result<Expired, ParkingError> {
        let store = &self.store;
        let mut out = Expired::default();
        let now = self.clock.now_ms();
        loop {
            let mut victims = Vec::new();
            let mut reason = String::new();
            if let Some(age) = self.parked.max_age {
                let cutoff = now.saturating_sub(ms(age));
                victims = store
                    .index_page(Index::Parked, &format!("({cutoff}"), "-inf", None, STEP)
                    .await?;
                reason = format!(
                    "retention: parked longer than {}",
                    humantime::format_duration(age)
                );
            }
            if victims.is_empty()
                && let Some(max) = self.parked.max_count
            {
                let n = store.index_len(Index::Parked).await?;
                if n > max {
                    let excess = usize::try_from(n - max).unwrap_or(STEP).min(STEP);
                    victims = store.index_oldest(Index::Parked, excess).await?;
                    reason = format!("retention: more than {max} parked messages");
                }
            }
            if victims.is_empty() {
                break;
            }
            let ids: Vec<String> = victims.into_iter().map(|(m, _)| m).collect();
            let parked_at = store
                .discard_parked(
                    &ids,
                    "retention",
                    &reason,
                    true,
                    now,
                    store.state_ttl_secs(),
                    &Vec::new(),
                )
                .await?;
            let n = parked_at.len() as u64;
            out.parked += n;
            self.metrics.expired("parked", n);
            self.metrics.resolved("expired", &parked_at, now);
            warn!(
                expired = n,
                reason, "parked messages moved to the archive by retention"
            );
            if n == 0 {
                break;
            }
        }
        let cutoff = self
            .archive
            .max_age
            .map_or(0, |a| now.saturating_sub(ms(a)));
        let max = self.archive.max_count.unwrap_or(0);
        if cutoff > 0 || max > 0 {
            loop {
                let n = store.purge_archive(cutoff, max, STEP, now).await?;
                if n == 0 {
                    break;
                }
                out.archive += n;
                self.metrics.expired("archive", n);
                warn!(deleted = n, "archived messages deleted by retention");
            }
        }
        Ok(out)
    }

    /// Run retention every `parking_lot.retention_interval` until shutdown.
    pub(super) async fn work(&self, mut shutdown: ShutdownSignal) {
        let interval = self.interval;
        loop {
            if let Err(e) = self.expire().await {
                warn!(error = %e, "retention pass failed; retrying");
            }
            tokio::select! {
                () = shutdown.recv() => return,
                () = tokio::time::sleep(interval) => {}
            }
        }
    }
}
