//! The outbox as broker destinations use it: read entries in order, keep the delivery attempts of
//! entries a broker refused, settle (remove, or park) entries once their fate is known, and hold
//! the per-destination lease that lets one process at a time publish from an outbox (so messages
//! leave in the order they were committed).
//!
//! A destination has one outbox per bucket (`<bucket prefix>:outbox:<dest>`, see `layout.rs`),
//! each with its own lease and attempts: every function here names the bucket it works on, and
//! the relay walks the buckets whose outbox holds entries ([`Store::outboxes_with_entries`]).
//! Messages of one partition key share a bucket, so per-key order holds across buckets; several
//! processes share the buckets of a destination, and one takes over a dead one's when its lease
//! expires.

use std::collections::HashMap;

use redis::{AsyncCommands, Script};

use super::{Drained, Keys, Store, StoreError};

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
    /// The buckets whose outbox of `destination` holds entries, bucket 0 first (see
    /// [`Store::buckets_with_work`]).
    pub async fn outboxes_with_entries(&self, destination: &str) -> Result<Vec<u32>, StoreError> {
        self.buckets_with_work(|k| {
            let mut cmd = redis::cmd("XLEN");
            cmd.arg(k.outbox(destination));
            cmd
        })
        .await
    }

    /// The buckets for which `probe` (a command on one key of the bucket, answering a count)
    /// answers more than 0. With one bucket, that bucket without asking: the caller's own command
    /// finds out as cheaply (and a deployment without buckets sends what it always sent). On a
    /// standalone Redis the probes go in one pipeline; on a Cluster each goes on its own (a
    /// pipeline there must stay on one node), all at once.
    pub(crate) async fn buckets_with_work(
        &self,
        probe: impl Fn(&Keys) -> redis::Cmd,
    ) -> Result<Vec<u32>, StoreError> {
        if self.layout.count() == 1 {
            return Ok(vec![0]);
        }
        let conn = self.link.conn();
        let counts: Vec<u64> = if self.link.is_cluster() {
            let asks = self.layout.buckets().map(|(_, k)| {
                let cmd = probe(k);
                let mut conn = conn.clone();
                async move { cmd.query_async::<u64>(&mut conn).await }
            });
            futures::future::join_all(asks)
                .await
                .into_iter()
                .collect::<Result<_, _>>()?
        } else {
            let mut pipe = redis::pipe();
            for (_, k) in self.layout.buckets() {
                pipe.add_command(probe(k));
            }
            pipe.query_async(&mut conn.clone()).await?
        };
        Ok(self
            .layout
            .buckets()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|((b, _), _)| b)
            .collect())
    }

    /// Take or renew the lease on publishing from `destination`'s outbox in bucket `bucket`.
    pub async fn lease_outbox(
        &self,
        bucket: u32,
        destination: &str,
        owner: &str,
        lease_ms: u64,
    ) -> Result<bool, StoreError> {
        let mut conn = self.link.conn();
        let held: u8 = self
            .outbox
            .lease
            .key(format!(
                "{}:lease",
                self.layout.bucket(bucket).outbox(destination)
            ))
            .arg(owner)
            .arg(lease_ms.max(1))
            .invoke_async(&mut conn)
            .await?;
        Ok(held == 1)
    }

    /// The oldest `limit` entries of `destination`'s outbox in bucket `bucket`.
    pub async fn outbox_entries(
        &self,
        bucket: u32,
        destination: &str,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut conn = self.link.conn();
        let reply: redis::streams::StreamRangeReply = conn
            .xrange_count(
                self.layout.bucket(bucket).outbox(destination),
                "-",
                "+",
                limit,
            )
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

    /// Delivery attempts of refused entries of `destination`'s outbox in bucket `bucket`: entry
    /// id → (attempts so far, next attempt at ms).
    pub async fn delivery_attempts(
        &self,
        bucket: u32,
        destination: &str,
    ) -> Result<HashMap<String, (u32, u64)>, StoreError> {
        let mut conn = self.link.conn();
        let raw: HashMap<String, String> = conn
            .hgetall(format!(
                "{}:attempts",
                self.layout.bucket(bucket).outbox(destination)
            ))
            .await?;
        Ok(raw
            .into_iter()
            .filter_map(|(k, v)| {
                let (a, n) = v.split_once(':')?;
                Some((k, (a.parse().ok()?, n.parse().ok()?)))
            })
            .collect())
    }

    /// Record a refused attempt of an entry of `destination`'s outbox in bucket `bucket`.
    pub async fn record_delivery_attempt(
        &self,
        bucket: u32,
        destination: &str,
        entry: &str,
        attempts: u32,
        next_at_ms: u64,
    ) -> Result<(), StoreError> {
        let mut conn = self.link.conn();
        let () = conn
            .hset(
                format!(
                    "{}:attempts",
                    self.layout.bucket(bucket).outbox(destination)
                ),
                entry,
                format!("{attempts}:{next_at_ms}"),
            )
            .await?;
        Ok(())
    }

    /// Remove delivered entries and park refused ones (in bucket `bucket`, where their message
    /// lives), and forget their attempts: one script, on the bucket the entries came from.
    pub async fn settle_outbox(
        &self,
        bucket: u32,
        destination: &str,
        settles: &[Settle],
        now_ms: u64,
    ) -> Result<Drained, StoreError> {
        if settles.is_empty() {
            return Ok(Drained::default());
        }
        let keys = self.layout.bucket(bucket);
        let outbox = keys.outbox(destination);
        let mut inv = self.outbox.settle.key(&outbox);
        inv.key(format!("{outbox}:attempts"));
        inv.arg(keys.prefix())
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
