//! Destinations: where requeued messages go. A destination decides how the report path commits a
//! requeue (inline in the report script, or through its outbox) and drains its outbox, removing
//! an entry only once the message is confirmed delivered.
//!
//! Adding a broker is a new file implementing [`Destination`] plus one arm in [`build`].
//! Only Redis Streams exists so far (`redis_streams.rs`).

mod redis_streams;

use std::{collections::BTreeMap, sync::Arc};

use futures::future::BoxFuture;

pub use self::redis_streams::RedisStreams;
use crate::{
    config::{DestinationSettings, StreamFields},
    store::{Drained, RequeueMode, Store, StoreError},
};

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum DestinationError {
    /// Salvage's own Redis failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The destination refused or could not be reached.
    #[error("publish failed: {0}")]
    Publish(String),
}

/// A place requeued messages are delivered to.
pub trait Destination: Send + Sync + std::fmt::Debug {
    /// The configured name (`origin.destination`).
    fn name(&self) -> &str;
    /// How the report path commits a requeue to this destination.
    fn requeue_mode(&self) -> RequeueMode;
    /// The field names of outbox entries (and, for streams, of the delivered entry).
    fn fields(&self) -> &StreamFields;
    /// Deliver up to `limit` entries of this destination's outbox. An entry leaves the outbox
    /// only once its delivery is confirmed, or parked when the destination refuses it for good.
    fn drain<'a>(
        &'a self,
        store: &'a Store,
        limit: usize,
        now_ms: u64,
    ) -> BoxFuture<'a, Result<Drained, DestinationError>>;
}

/// The configured destinations, by name.
#[derive(Debug, Clone, Default)]
pub struct Destinations {
    by_name: BTreeMap<String, Arc<dyn Destination>>,
}

impl Destinations {
    /// Build every configured destination.
    pub fn build(settings: &BTreeMap<String, DestinationSettings>) -> Self {
        let by_name = settings
            .iter()
            .map(|(name, s)| (name.clone(), build(name, s)))
            .collect();
        Self { by_name }
    }

    /// The destination called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Destination>> {
        self.by_name.get(name)
    }

    /// Every destination.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Destination>> {
        self.by_name.values()
    }

    /// Every name, for error messages and gauges.
    pub fn names(&self) -> Vec<String> {
        self.by_name.keys().cloned().collect()
    }
}

fn build(name: &str, settings: &DestinationSettings) -> Arc<dyn Destination> {
    match settings {
        DestinationSettings::RedisStreams(s) => Arc::new(RedisStreams::new(name, s)),
    }
}
