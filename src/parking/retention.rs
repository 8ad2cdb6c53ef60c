//! Retention: parked messages past `parking_lot.retention` (age or count) move to the archive
//! (restorable, discarded_by "retention"); archived messages past `parking_lot.archive` are
//! deleted. Nothing expires silently: every expiry is counted
//! (`salvage_parking_lot_expired_total`) and logged.

use std::time::Duration;

use tracing::warn;

use super::{ParkingError, ParkingLot};

use crate::shutdown::ShutdownSignal;

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

impl ParkingLot {
    /// One retention pass.
    pub async fn expire(&self) -> Result<Expired, ParkingError> {
        let store = &self.inner.store;
        let keys = store.keys();
        let settings = &self.inner.settings;
        let mut out = Expired::default();
        let now = self.inner.clock.now_ms();
        loop {
            let mut victims = Vec::new();
            let mut reason = String::new();
            if let Some(age) = settings.retention.max_age {
                let cutoff = now.saturating_sub(ms(age));
                victims = store
                    .index_range_rev(&keys.parked_index(), &format!("({cutoff}"), "-inf", 0, STEP)
                    .await?;
                reason = format!(
                    "retention: parked longer than {}",
                    humantime::format_duration(age)
                );
            }
            if victims.is_empty()
                && let Some(max) = settings.retention.max_count
            {
                let n = store.zcard(&keys.parked_index()).await?;
                if n > max {
                    let excess = usize::try_from(n - max).unwrap_or(STEP).min(STEP);
                    // The oldest: the last `excess` in newest-first order.
                    let all = store
                        .index_range_rev(
                            &keys.parked_index(),
                            "+inf",
                            "-inf",
                            usize::try_from(max).unwrap_or(usize::MAX),
                            excess,
                        )
                        .await?;
                    victims = all;
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
            self.inner.metrics.expired("parked", n);
            self.inner.metrics.resolved("expired", &parked_at, now);
            warn!(
                expired = n,
                reason, "parked messages moved to the archive by retention"
            );
            if n == 0 {
                break;
            }
        }
        let cutoff = settings
            .archive
            .max_age
            .map_or(0, |a| now.saturating_sub(ms(a)));
        let max = settings.archive.max_count.unwrap_or(0);
        if cutoff > 0 || max > 0 {
            loop {
                let n = store.purge_archive(cutoff, max, STEP, now).await?;
                if n == 0 {
                    break;
                }
                out.archive += n;
                self.inner.metrics.expired("archive", n);
                warn!(deleted = n, "archived messages deleted by retention");
            }
        }
        Ok(out)
    }

    /// Run retention every `parking_lot.retention_interval` until shutdown.
    pub async fn retention_worker(self, mut shutdown: ShutdownSignal) {
        let interval = self.inner.settings.retention_interval;
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
