//! Live parking-lot events for `WatchParked`: one task per process tails the events stream (a
//! short, capped Redis stream every change writes to, from any process) on its own connection
//! and fans the events out to every watcher.

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
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(1024).0,
        }
    }
}

impl Hub {
    /// Events from now on. A watcher that falls more than 1024 events behind skips ahead.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }
}

/// Tail the events stream of `store` into `hub` until shutdown.
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
