//! Tailing the parking lot's events stream (`<p>:events`): a short, capped Redis stream that
//! every change writes to, from any process. One [`EventsTail`] per process reads it on a
//! connection of its own (a blocking XREAD must not hold up the shared connection).

use std::time::Duration;

use super::{Store, StoreError};

/// How long one read waits for new events before returning empty.
const BLOCK: Duration = Duration::from_secs(1);
/// At most this many events per read.
const BATCH: usize = 500;

/// One event as the stream holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredEvent {
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

/// A reader of the events stream that starts after the newest event at its first read and
/// then returns each later event once, in order.
#[derive(Debug)]
pub struct EventsTail {
    store: Store,
    key: String,
    conn: Option<super::link::Conn>,
    /// The id of the last event returned; `None` until the starting point is read.
    last: Option<String>,
}

impl Store {
    /// A tail of the events stream (connected at its first read).
    pub fn events_tail(&self) -> EventsTail {
        EventsTail {
            store: self.clone(),
            key: self.keys().events(),
            conn: None,
            last: None,
        }
    }
}

impl EventsTail {
    /// Whether the tail holds a connection (a failed read drops it; the next read reconnects).
    pub fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// The next events, waiting up to a second for some: empty when none came. An error drops
    /// the connection (the next call reconnects) and loses no event: the tail resumes after
    /// the last event it returned.
    pub async fn next(&mut self) -> Result<Vec<StoredEvent>, StoreError> {
        let result = self.read().await;
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    async fn read(&mut self) -> Result<Vec<StoredEvent>, StoreError> {
        let conn = match &mut self.conn {
            Some(c) => c,
            None => self.conn.insert(self.store.blocking_connection().await?),
        };
        let last = match &self.last {
            Some(last) => last.clone(),
            None => {
                // Start after the newest event now, by id: re-reading from "$" after each empty
                // wait would miss an event written between two reads.
                let newest: redis::streams::StreamRangeReply = redis::cmd("XREVRANGE")
                    .arg(&self.key)
                    .arg("+")
                    .arg("-")
                    .arg("COUNT")
                    .arg(1)
                    .query_async(conn)
                    .await?;
                let start = newest
                    .ids
                    .first()
                    .map_or_else(|| "0-0".to_owned(), |e| e.id.clone());
                self.last.insert(start).clone()
            }
        };
        let reply: Option<redis::streams::StreamReadReply> = redis::cmd("XREAD")
            .arg("BLOCK")
            .arg(u64::try_from(BLOCK.as_millis()).unwrap_or(1000))
            .arg("COUNT")
            .arg(BATCH)
            .arg("STREAMS")
            .arg(&self.key)
            .arg(&last)
            .query_async(conn)
            .await?;
        let mut events = Vec::new();
        for stream in reply.map(|r| r.keys).unwrap_or_default() {
            for e in stream.ids {
                let get = |f: &str| -> String {
                    e.map
                        .get(f)
                        .and_then(|v| redis::from_redis_value_ref::<String>(v).ok())
                        .unwrap_or_default()
                };
                events.push(StoredEvent {
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
                });
            }
        }
        if let Some(newest) = events.last() {
            self.last = Some(newest.id.clone());
        }
        Ok(events)
    }
}
