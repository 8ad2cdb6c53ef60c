//! Live parking-lot events for `WatchParked`: one task per process tails the events stream (a
//! short, capped Redis stream every change writes to, from any process) on its own connection
//! and fans the events out to every watcher.

use std::{sync::Arc, time::Duration};

use tokio::sync::broadcast;
use tracing::warn;

use super::ParkingLot;
use crate::shutdown::ShutdownSignal;

/// One event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    /// The stream entry id.
    pub id: String,
    /// parked, edited, resubmitted, discarded, restored, expired.
    pub kind: String,
    /// The messages concerned.
    pub tracking_ids: Vec<String>,
    /// Origin queue (of the first message, for batches).
    pub queue: String,
    /// Failure group (likewise).
    pub group: String,
    /// Who.
    pub actor: String,
    /// When (ms).
    pub at: u64,
}

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

impl ParkingLot {
    /// Tail the events stream into `hub` until shutdown.
    pub async fn tail_events(self, hub: Hub, mut shutdown: ShutdownSignal) {
        let store = self.inner.store.clone();
        let key = store.keys().events();
        let mut last = "$".to_owned();
        let mut conn = None;
        loop {
            if shutdown.is_triggered() {
                return;
            }
            if conn.is_none() {
                match store.blocking_connection().await {
                    Ok(c) => conn = Some(c),
                    Err(_) => {
                        tokio::select! {
                            () = shutdown.recv() => return,
                            () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        }
                    }
                }
            }
            let Some(c) = conn.as_mut() else { continue };
            if last == "$" {
                // Start after the newest event now, by id: re-reading from "$" after each empty
                // wait would miss an event written between two reads.
                let newest: redis::RedisResult<redis::streams::StreamRangeReply> =
                    redis::cmd("XREVRANGE")
                        .arg(&key)
                        .arg("+")
                        .arg("-")
                        .arg("COUNT")
                        .arg(1)
                        .query_async(c)
                        .await;
                match newest {
                    Ok(r) => {
                        last = r
                            .ids
                            .first()
                            .map_or_else(|| "0-0".to_owned(), |e| e.id.clone());
                    }
                    Err(e) => {
                        warn!(error = %e, "reading parking-lot events failed; reconnecting");
                        conn = None;
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    }
                }
            }
            let mut cmd = redis::cmd("XREAD");
            cmd.arg("BLOCK")
                .arg(1000)
                .arg("COUNT")
                .arg(500)
                .arg("STREAMS")
                .arg(&key)
                .arg(&last);
            let read = cmd.query_async::<Option<redis::streams::StreamReadReply>>(c);
            let reply = tokio::select! {
                () = shutdown.recv() => return,
                r = read => r,
            };
            match reply {
                Ok(Some(reply)) => {
                    for k in reply.keys {
                        for e in k.ids {
                            last.clone_from(&e.id);
                            let get = |f: &str| -> String {
                                e.map
                                    .get(f)
                                    .and_then(|v| redis::from_redis_value_ref::<String>(v).ok())
                                    .unwrap_or_default()
                            };
                            let event = Event {
                                id: e.id.clone(),
                                kind: get("kind"),
                                tracking_ids: get("tids")
                                    .split(',')
                                    .filter(|s| !s.is_empty())
                                    .map(str::to_owned)
                                    .collect(),
                                queue: get("queue"),
                                group: get("group"),
                                actor: get("actor"),
                                at: get("at").parse().unwrap_or(0),
                            };
                            // No watcher is fine.
                            let _ = hub.tx.send(Arc::new(event));
                        }
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    warn!(error = %e, "reading parking-lot events failed; reconnecting");
                    conn = None;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }
}
