//! Requeues to an origin stream in another Redis Cluster slot than Salvage's keys. On a Cluster a
//! script may only touch keys of one slot, so the same-Redis exactly-once path (the report script
//! or `drain_local.lua` XADDing the origin stream) is not possible there: requeues go through the
//! destination's outbox, and the relay delivers each entry in two steps:
//!
//! 1. on the stream's slot, `deliver_marked.lua` XADDs the copy and adds its tracking id to a
//!    marker set of that slot, in one step, unless the marker is there already;
//! 2. on Salvage's slot, `settle_remote.lua` removes the entry and clears the message's
//!    `pending` flag (as for a broker);
//!
//! A relay that dies between 1 and 2 leaves the entry, and whoever delivers it next finds the
//! marker and only settles: each copy is added to its stream once. The same holds when a
//! failover of Salvage's slot loses a settle that was not replicated yet (the entry comes back,
//! the marker on the other slot did not go). A marker is kept [`MARKER_KEEP_MS`] (each delivery
//! to a slot drops that slot's older ones), so the guarantee spans a relay or a slot coming back
//! within that time: about 150 bytes per requeue for 15 minutes (`MEMORY USAGE` of a set of
//! 10,000 markers: 1.45 MB). One process at a time delivers
//! from an outbox (the outbox lease, renewed before each batch). With buckets (`layout.rs`),
//! each bucket's outbox is delivered on its own, under its own lease, and step 2 runs on that
//! bucket's slot; the markers stay per stream slot, whichever bucket the copy came from (a
//! tracking id is unique across buckets).

use std::sync::OnceLock;

use redis::Script;

use super::{Drained, Settle, Store, StoreError, config::StreamFields};

/// How long a delivery marker is kept (ms).
pub(crate) const MARKER_KEEP_MS: u64 = 15 * 60 * 1000;

/// How long one relay holds an outbox (ms); renewed before every batch.
const LEASE_MS: u64 = 10_000;

/// The script of step 1.
pub(crate) fn deliver_script() -> Script {
    Script::new(include_str!("lua/deliver_marked.lua"))
}

/// The Redis Cluster slot of `key`: CRC16 (XMODEM) of its hash tag (the text between its first
/// `{` and the first `}` after it, when not empty) or of the whole key, modulo 16384.
pub fn slot_of(key: &[u8]) -> u16 {
    let hashed = key
        .iter()
        .position(|&b| b == b'{')
        .and_then(|open| {
            let rest = &key[open + 1..];
            let close = rest.iter().position(|&b| b == b'}')?;
            (close > 0).then(|| &rest[..close])
        })
        .unwrap_or(key);
    crc16_xmodem(hashed) % 16384
}

fn crc16_xmodem(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// A short hash tag for every slot: the smallest number whose decimal text hashes to it.
fn tag_of_slot(slot: u16) -> u32 {
    static TAGS: OnceLock<Vec<u32>> = OnceLock::new();
    let tags = TAGS.get_or_init(|| {
        let mut tags = vec![u32::MAX; 16384];
        let mut missing = tags.len();
        let mut n = 0u32;
        while missing > 0 {
            let s = usize::from(slot_of(n.to_string().as_bytes()));
            if tags[s] == u32::MAX {
                tags[s] = n;
                missing -= 1;
            }
            n += 1;
        }
        tags
    });
    tags[usize::from(slot) % tags.len()]
}

impl Store {
    /// The marker set of the slot that `queue` hashes to: `<prefix without braces>:delivered:{n}`,
    /// `n` chosen so that the key shares the queue's slot.
    pub fn delivery_marker_key(&self, queue: &str) -> String {
        self.keys.delivered(tag_of_slot(slot_of(queue.as_bytes())))
    }

    /// Deliver up to `limit` outbox entries of a same-Redis stream destination from bucket
    /// `bucket` on a Redis Cluster (see the module's comment), parking an entry whose origin
    /// queue is not a stream.
    pub(crate) async fn drain_across_slots(
        &self,
        bucket: u32,
        destination: &str,
        fields: &StreamFields,
        limit: usize,
        now_ms: u64,
    ) -> Result<Drained, StoreError> {
        if !self
            .lease_outbox(bucket, destination, &self.owner, LEASE_MS)
            .await?
        {
            return Ok(Drained::default());
        }
        let entries = self.outbox_entries(bucket, destination, limit).await?;
        if entries.is_empty() {
            return Ok(Drained::default());
        }
        let names = fields.as_array();
        let meta = ["tracking_id", "message_key", "destination", "queue", "run"];
        let mut settles = Vec::with_capacity(entries.len());
        let mut conn = self.link.conn();
        let mut failure = None;
        for (id, entry) in &entries {
            let text = |k: &str| {
                entry
                    .get(k)
                    .map(|v| String::from_utf8_lossy(v).into_owned())
            };
            let (Some(queue), Some(tid)) = (text("queue"), text("tracking_id")) else {
                settles.push(Settle::Park(
                    id.clone(),
                    "outbox entry has no queue or tracking id".to_owned(),
                ));
                continue;
            };
            // The stream entry's own fields, in the destination's order (as drain_local.lua
            // writes them), then any others.
            let mut inv = self.cross_slot.key(&queue);
            inv.key(self.delivery_marker_key(&queue))
                .arg(&tid)
                .arg(now_ms)
                .arg(MARKER_KEEP_MS);
            let mut any = false;
            for name in names {
                if let Some(v) = entry.get(name) {
                    inv.arg(name).arg(v.as_slice());
                    any = true;
                }
            }
            for (k, v) in entry {
                if !names.contains(&k.as_str()) && !meta.contains(&k.as_str()) {
                    inv.arg(k.as_str()).arg(v.as_slice());
                    any = true;
                }
            }
            if !any {
                settles.push(Settle::Park(
                    id.clone(),
                    "outbox entry has no message".to_owned(),
                ));
                continue;
            }
            match inv.invoke_async::<String>(&mut conn).await {
                Ok(answer) => match answer.strip_prefix("type:") {
                    Some(t) => settles.push(Settle::Park(
                        id.clone(),
                        format!("origin queue holds a Redis {t}, not a stream"),
                    )),
                    None => settles.push(Settle::Done(id.clone())),
                },
                // Settle what went out, keep the rest for the next pass (in order).
                Err(e) => {
                    failure = Some(StoreError::from(e));
                    break;
                }
            }
        }
        let drained = self
            .settle_outbox(bucket, destination, &settles, now_ms)
            .await?;
        match failure {
            Some(e) if drained.delivered == 0 && drained.parked == 0 => Err(e),
            _ => Ok(drained),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{slot_of, tag_of_slot};

    #[test]
    fn slots_are_redis_clusters() {
        // Values from Redis's own documentation and `CLUSTER KEYSLOT`.
        assert_eq!(slot_of(b"123456789"), 0x31C3);
        assert_eq!(slot_of(b"foo"), 12182);
        assert_eq!(slot_of(b"bar"), 5061);
        assert_eq!(
            slot_of(b"{user1000}.following"),
            slot_of(b"{user1000}.followers")
        );
        assert_eq!(slot_of(b"{user1000}.following"), slot_of(b"user1000"));
        // An empty tag does not count: the whole key is hashed.
        assert_ne!(slot_of(b"a{}b"), slot_of(b""));
        assert_eq!(slot_of(b"x{y}z"), slot_of(b"y"));
    }

    #[test]
    fn every_slot_has_a_tag_of_its_own() {
        for slot in [0u16, 1, 5061, 12182, 16383] {
            assert_eq!(slot_of(tag_of_slot(slot).to_string().as_bytes()), slot);
        }
    }
}
