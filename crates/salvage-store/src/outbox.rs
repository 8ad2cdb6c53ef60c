//! The outbox as broker destinations use it: read entries in order, keep the delivery attempts of
//! entries a broker refused, settle (remove, or park) entries once their fate is known, and hold
//! the per-destination lease that lets one process at a time publish from an outbox (so messages
//! leave in the order they were committed).

use std::collections::HashMap;

use redis::{AsyncCommands, Script};

use super::{Drained, Store, StoreError};

/// Scripts of the broker outbox.
#[derive(Clone)]
pub(crate) struct OutboxScripts {
    settle: Script,
    lease: Script,
}

impl OutboxScripts {
    pub(crate) fn new() -> Self {
        Self {
            settle: Script::new(concat!(
                include_str!("lua/park.lua"),
                include_str!("lua/settle_remote.lua")
            )),
            lease: Script::new(
                "local v = redis.call('GET', KEYS[1])
                 if v == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
                 if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
                 return 0",
            ),
        }
    }
}

/// One outbox entry: its stream id and fields.
pub type OutboxEntry = (String, HashMap<String, Vec<u8>>);

/// What to do with a published (or refused) entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    /// Delivered: remove it.
    Done(String),
    /// Refused too often: park it with the error, remove it.
    Park(String, String),
}

impl Store {
    /// Take or renew the lease on publishing from `destination`'s outbox.
    pub async fn lease_outbox(
        &self,
        destination: &str,
        owner: &str,
        lease_ms: u64,
    ) -> Result<bool, StoreError> {
        let mut conn = self.link.conn();
        let held: u8 = self
            .outbox
            .lease
            .key(format!("{}:lease", self.keys.outbox(destination)))
            .arg(owner)
            .arg(lease_ms.max(1))
            .invoke_async(&mut conn)
            .await?;
        Ok(held == 1)
    }

    /// The oldest `limit` entries of `destination`'s outbox.
    pub async fn outbox_entries(
        &self,
        destination: &str,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut conn = self.link.conn();
        let reply: redis::streams::StreamRangeReply = conn
            .xrange_count(self.keys.outbox(destination), "-", "+", limit)
            .await?;
        Ok(reply
            .ids
            .into_iter()
            .map(|e| {
                let fields = e
                    .map
                    .into_iter()
                    .filter_map(|(k, v)| redis::from_redis_value::<Vec<u8>>(v).ok().map(|v| (k, v)))
                    .collect();
                (e.id, fields)
            })
            .collect())
    }

    /// Delivery attempts of refused entries: entry id → (attempts so far, next attempt at ms).
    pub async fn delivery_attempts(
        &self,
        destination: &str,
    ) -> Result<HashMap<String, (u32, u64)>, StoreError> {
        let mut conn = self.link.conn();
        let raw: HashMap<String, String> = conn
            .hgetall(format!("{}:attempts", self.keys.outbox(destination)))
            .await?;
        Ok(raw
            .into_iter()
            .filter_map(|(k, v)| {
                let (a, n) = v.split_once(':')?;
                Some((k, (a.parse().ok()?, n.parse().ok()?)))
            })
            .collect())
    }

    /// Record a refused attempt of an entry.
    pub async fn record_delivery_attempt(
        &self,
        destination: &str,
        entry: &str,
        attempts: u32,
        next_at_ms: u64,
    ) -> Result<(), StoreError> {
        let mut conn = self.link.conn();
        let () = conn
            .hset(
                format!("{}:attempts", self.keys.outbox(destination)),
                entry,
                format!("{attempts}:{next_at_ms}"),
            )
            .await?;
        Ok(())
    }

    /// Remove delivered entries and park refused ones, and forget their attempts: one script.
    pub async fn settle_outbox(
        &self,
        destination: &str,
        settles: &[Settle],
        now_ms: u64,
    ) -> Result<Drained, StoreError> {
        if settles.is_empty() {
            return Ok(Drained::default());
        }
        let outbox = self.keys.outbox(destination);
        let mut inv = self.outbox.settle.key(&outbox);
        inv.key(format!("{outbox}:attempts"));
        inv.arg(self.keys.prefix())
            .arg(now_ms)
            .arg(self.state_ttl_secs)
            .arg(self.parking.events_max)
            .arg(settles.len());
        for s in settles {
            let (id, action, err) = match s {
                Settle::Done(id) => (id, "done", ""),
                Settle::Park(id, err) => (id, "park", err.as_str()),
            };
            inv.arg(id).arg(action).arg(err);
        }
        let mut conn = self.link.conn();
        let (delivered, parked): (u64, u64) = inv.invoke_async(&mut conn).await?;
        Ok(Drained {
            delivered,
            parked,
            retried: 0,
        })
    }
}
