//! Live parking-lot events for `WatchParked`: one task per process tails the events streams
//! (short, capped Redis streams every change writes to, from any process: home's and, with more
//! than one bucket, each bucket's) on its own connection and fans the events out to every
//! watcher. Events of one stream come in order; of different buckets, as each is read.

use std::{sync::Arc, time::Duration};

use tokio::sync::broadcast;
use tracing::warn;

use crate::{shutdown::ShutdownSignal, store::Store};

/// One event: as the events stream holds it.
pub use crate::store::StoredEvent as Event;

/// Fans events out to watchers.
#[derive(Debug, Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<Event>>,
    /// True once the tail has read the streams (it has the starting point of each): from then
    /// on every event written reaches the subscribers.
    ready: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(1024).0,
            ready: Arc::new(tokio::sync::watch::channel(false).0),
        }
    }
}

impl Hub {
    /// Events from now on. A watcher that falls more than 1024 events behind skips ahead.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }

    /// Wait, at most `limit`, until the tail has its starting point, so that a watcher that
    /// subscribed sees every event written after this returns (the tail starts after the events
    /// already written when it first reads, which can be after a watcher subscribed: the
    /// process just started, or its Redis connection is slow to open). Whether it has.
    pub async fn ready(&self, limit: Duration) -> bool {
        let mut ready = self.ready.subscribe();
        matches!(
            tokio::time::timeout(limit, ready.wait_for(|r| *r)).await,
            Ok(Ok(_))
        )
    }
}

/// Tail the events streams of `store` into `hub` until shutdown.
pub(super) async fn tail_events(store: &Store, hub: &Hub, mut shutdown: ShutdownSignal) {
    let mut tail = store.events_tail();
    loop {
        let was_connected = tail.is_connected();
        let read = tokio::select! {
            biased;
            () = shutdown.recv() => return,
            r = tail.next() => r,
        };
        match read {
            Ok(events) => {
                hub.ready.send_replace(true);
                for event in events {
                    // No watcher is fine.
                    let _ = hub.tx.send(Arc::new(event));
                }
            }
            Err(e) => {
                // A read on a live connection failed: say so once per failure. A failed
                // connect (Redis down) is the readiness probe's to report.
                let pause = if was_connected {
                    warn!(error = %e, "reading parking-lot events failed; reconnecting");
                    Duration::from_millis(500)
                } else {
                    Duration::from_secs(1)
                };
                tokio::select! {
                    biased;
                    () = shutdown.recv() => return,
                    () = tokio::time::sleep(pause) => {}
                }
            }
        }
    }
}
