//! Tailing the parking lot's events streams (`<p>:events`, home's and each bucket's): short,
//! capped Redis streams that every change writes to, from any process. One [`EventsTail`] per
//! process reads them on a connection of its own (a blocking XREAD must not hold up the shared
//! connection). Also how ids of entries read from several streams are told apart and ordered
//! ([`tag_id`], [`id_order`]: the audit log is read across buckets the same way).

use std::time::Duration;

use super::{Keys, Store, StoreError};

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

/// A reader of the events streams that starts after the newest event of each at its first read
/// and then returns each later event once, in order within each stream.
///
/// With one bucket there is one stream, read with a blocking XREAD. With more, it follows the
/// home stream and every bucket's (`<bucket prefix>:events`, written by the scripts that change
/// that bucket's records): outside a Cluster with one blocking XREAD naming them all; on a
/// Cluster, where keys of different slots cannot share a command, by polling each in turn
/// (every [`POLL`] while none has anything new).
#[derive(Debug)]
pub struct EventsTail {
    store: Store,
    streams: Vec<Followed>,
    conn: Option<super::link::Conn>,
    /// Whether every stream's starting point has been read.
    started: bool,
}

/// One events stream the tail follows.
#[derive(Debug)]
struct Followed {
    key: String,
    /// `None` for home (and for the one stream of a one-bucket layout), else the bucket: its
    /// events' ids carry it ([`tag_id`]), so ids stay unique across streams.
    bucket: Option<u32>,
    /// The id of the last event returned from this stream (its starting point before that).
    last: String,
}

/// How long the Cluster tail waits between rounds that found nothing.
const POLL: Duration = Duration::from_millis(100);

impl Store {
    /// A tail of the events streams (connected at its first read).
    pub fn events_tail(&self) -> EventsTail {
        EventsTail {
            store: self.clone(),
            streams: followed(self, Keys::events)
                .into_iter()
                .map(|(key, bucket)| Followed {
                    key,
                    bucket,
                    last: String::new(),
                })
                .collect(),
            conn: None,
            started: false,
        }
    }
}

/// The streams named by `key` (the events or the audit stream) to read across the layout: with
/// one bucket, its one stream (the home prefix's); with more, home's (bucket `None`) then each
/// bucket's.
pub(crate) fn followed(store: &Store, key: fn(&Keys) -> String) -> Vec<(String, Option<u32>)> {
    let layout = store.layout();
    if layout.count() <= 1 {
        return vec![(key(store.keys()), None)];
    }
    std::iter::once((key(store.keys()), None))
        .chain(layout.buckets().map(|(b, k)| (key(k), Some(b))))
        .collect()
}

/// The id Salvage shows for entry `id` of a stream read across buckets: the stream id itself
/// for home's (and with one bucket), `<id>@<b>` for bucket `b`'s, so that two streams' entries
/// written in the same millisecond (both `<ms>-0`) still have different ids.
pub(crate) fn tag_id(id: &str, bucket: Option<u32>) -> String {
    match bucket {
        None => id.to_owned(),
        Some(b) => format!("{id}@{b}"),
    }
}

/// Where an id made by [`tag_id`] sorts among the entries of every stream: by stream id
/// (milliseconds, then sequence, numerically), then home before bucket 0 before bucket 1 …;
/// `None` if it is not such an id.
pub(crate) fn id_order(tagged: &str) -> Option<(u64, u64, u64)> {
    let (id, place) = match tagged.split_once('@') {
        None => (tagged, 0),
        Some((id, b)) => (id, b.parse::<u64>().ok()? + 1),
    };
    let (ms, seq) = id.split_once('-')?;
    Some((ms.parse().ok()?, seq.parse().ok()?, place))
}

/// The place of a stream in [`id_order`]'s order: home 0, bucket `b` at `b + 1`.
pub(crate) fn place(bucket: Option<u32>) -> u64 {
    bucket.map_or(0, |b| u64::from(b) + 1)
}

impl EventsTail {
    /// Whether the tail holds a connection (a failed read drops it; the next read reconnects).
    pub fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// The next events, waiting up to a second for some: empty when none came. An error drops
    /// the connection (the next call reconnects) and loses no event: the tail resumes after
    /// the last event it returned from each stream.
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
        let first = !self.started;
        if first {
            // Start after the newest event now, by id: re-reading from "$" after each empty
            // wait would miss an event written between two reads.
            for s in &mut self.streams {
                let newest: redis::streams::StreamRangeReply = redis::cmd("XREVRANGE")
                    .arg(&s.key)
                    .arg("+")
                    .arg("-")
                    .arg("COUNT")
                    .arg(1)
                    .query_async(conn)
                    .await?;
                s.last = newest
                    .ids
                    .first()
                    .map_or_else(|| "0-0".to_owned(), |e| e.id.clone());
            }
            self.started = true;
        }
        let replies = if self.streams.len() > 1 && self.store.link.is_cluster() {
            poll(conn, &self.streams, first).await?
        } else {
            // One stream, or every stream on one server: one blocking read names them all.
            let mut cmd = redis::cmd("XREAD");
            cmd.arg("BLOCK")
                .arg(u64::try_from(BLOCK.as_millis()).unwrap_or(1000))
                .arg("COUNT")
                .arg(BATCH)
                .arg("STREAMS");
            for s in &self.streams {
                cmd.arg(&s.key);
            }
            for s in &self.streams {
                cmd.arg(&s.last);
            }
            let reply: Option<redis::streams::StreamReadReply> = cmd.query_async(conn).await?;
            reply.map(|r| r.keys).unwrap_or_default()
        };
        // From here on nothing awaits, so a read cancelled (at shutdown) has moved no `last`.
        let mut events = Vec::new();
        for stream in replies {
            let Some(s) = self.streams.iter_mut().find(|s| s.key == stream.key) else {
                continue;
            };
            if let Some(newest) = stream.ids.last() {
                s.last = newest.id.clone();
            }
            events.extend(stream.ids.iter().map(|e| event(e, s.bucket)));
        }
        Ok(events)
    }
}

/// One round of non-blocking reads, one stream at a time (a Cluster cannot read keys of
/// different slots in one command), repeated every [`POLL`] while none has anything new, for
/// at most [`BLOCK`]; only once on the `first` read, so the tail counts as started at once.
async fn poll(
    conn: &mut super::link::Conn,
    streams: &[Followed],
    first: bool,
) -> Result<Vec<redis::streams::StreamKey>, StoreError> {
    let deadline = tokio::time::Instant::now() + BLOCK;
    loop {
        let mut got = Vec::new();
        for s in streams {
            let reply: Option<redis::streams::StreamReadReply> = redis::cmd("XREAD")
                .arg("COUNT")
                .arg(BATCH)
                .arg("STREAMS")
                .arg(&s.key)
                .arg(&s.last)
                .query_async(conn)
                .await?;
            got.extend(
                reply
                    .map(|r| r.keys)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|k| !k.ids.is_empty()),
            );
        }
        if !got.is_empty() || first || tokio::time::Instant::now() + POLL > deadline {
            return Ok(got);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// An event as read from its stream (`bucket`'s, or home's when `None`).
fn event(e: &redis::streams::StreamId, bucket: Option<u32>) -> StoredEvent {
    let get = |f: &str| -> String {
        e.map
            .get(f)
            .and_then(|v| redis::from_redis_value_ref::<String>(v).ok())
            .unwrap_or_default()
    };
    StoredEvent {
        id: tag_id(&e.id, bucket),
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_ids_stay_stream_ids_and_bucket_ids_name_their_bucket() {
        assert_eq!(tag_id("1700000000000-0", None), "1700000000000-0");
        assert_eq!(tag_id("1700000000000-0", Some(3)), "1700000000000-0@3");
        assert_eq!(id_order("1700000000000-2"), Some((1_700_000_000_000, 2, 0)));
        assert_eq!(
            id_order("1700000000000-2@3"),
            Some((1_700_000_000_000, 2, 4))
        );
        // Numerically: a longer sequence is a later entry.
        assert!(id_order("5-10") > id_order("5-9"));
        assert!(id_order("10-0") > id_order("9-99"));
        // Equal stream ids: home, then bucket 0, then bucket 1.
        assert!(id_order("5-0@0") > id_order("5-0"));
        assert!(id_order("5-0@1") > id_order("5-0@0"));
        for bad in ["", "5", "5-x", "x-0", "5-0@", "5-0@x", "+"] {
            assert_eq!(id_order(bad), None, "{bad}");
        }
    }
}
