//! Checking that requeued messages really arrive: the entries on the origin streams are counted
//! (XLEN) before the run and after it, waiting a little for Salvage's outbox to catch up.
//!
//! This is end to end from the consumer's point of view: a REQUEUED answer promises the message
//! will be back on its queue, and `landed` says how many were within the wait.

use std::time::Duration;

use anyhow::Context as _;
use tokio::time::{Instant, sleep};

use crate::store::{
    Store,
    config::{ClusterSettings, RedisSettings},
};

/// How often to count while waiting.
const POLL: Duration = Duration::from_millis(100);

/// A connection to the Redis holding the origin streams.
pub(super) struct Streams {
    store: Store,
    keys: Vec<String>,
}

impl Streams {
    pub(super) async fn connect(url: &str, keys: &[&str]) -> anyhow::Result<Self> {
        let settings = RedisSettings {
            url: url.to_owned(),
            ..RedisSettings::default()
        };
        let store = Store::connect(&settings).with_context(|| format!("bad --redis-url {url}"))?;
        store
            .ping()
            .await
            .with_context(|| format!("cannot connect to Redis at {url}"))?;
        Ok(Streams {
            store,
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
        })
    }

    /// The same on a Redis Cluster reached through `urls`.
    pub(super) async fn connect_cluster(urls: &[String], keys: &[&str]) -> anyhow::Result<Self> {
        let settings = RedisSettings {
            cluster: Some(ClusterSettings {
                urls: urls.to_vec(),
            }),
            ..RedisSettings::default()
        };
        settings
            .validate()
            .map_err(|e| anyhow::anyhow!("bad --redis-cluster: {e}"))?;
        let store = Store::connect(&settings).context("bad --redis-cluster")?;
        store.ping().await.with_context(|| {
            format!("cannot connect to the Redis Cluster at {}", urls.join(","))
        })?;
        Ok(Streams {
            store,
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
        })
    }

    /// Entries on all the streams now.
    pub(super) async fn count(&mut self) -> anyhow::Result<u64> {
        let mut total = 0;
        for key in &self.keys {
            let len = self
                .store
                .stream_len(key)
                .await
                .with_context(|| format!("XLEN {key}"))?;
            total += len;
        }
        Ok(total)
    }

    /// Wait up to `within` until at least `expected` entries were added since `before`; returns
    /// how many were (which may fall short, or exceed it when retries land too).
    pub(super) async fn wait_landed(
        &mut self,
        before: u64,
        expected: u64,
        within: Duration,
    ) -> anyhow::Result<u64> {
        let deadline = Instant::now() + within;
        loop {
            let landed = self.count().await?.saturating_sub(before);
            if landed >= expected || Instant::now() >= deadline {
                return Ok(landed);
            }
            sleep(POLL).await;
        }
    }
}
