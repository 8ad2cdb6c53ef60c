//! Redis Streams on the Redis Salvage keeps its state in: a requeue is an XADD to the origin
//! stream. Inline, the report script does the XADD itself (exactly once, one round trip); through
//! the outbox, `drain_local.lua` moves entries to their streams atomically (exactly once too),
//! and parks an entry whose origin queue is not a stream instead of blocking the outbox. On a
//! Redis Cluster the origin stream is in another slot than Salvage's keys, so requeues always go
//! through the outbox, and the store delivers them in two steps with a marker on the stream's
//! slot (exactly once, with the one exception its `crossslot.rs` states).
//!
//! A requeued entry has the fields `id`, `payload`, `headers` (a JSON object of strings) and,
//! when not empty, `content_type`, `event_type`, `partition_key`; every name is configurable.

pub mod config;

use futures::{FutureExt, future::BoxFuture};

use self::config::{RedisStreamsSettings, StreamFields};
use super::{Destination, DestinationError};
use crate::store::{Drained, RequeueMode, Store};

/// A Redis Streams destination on Salvage's own Redis.
#[derive(Debug)]
pub struct RedisStreams {
    name: String,
    inline: bool,
    fields: StreamFields,
}

impl RedisStreams {
    /// From its settings; `inline_requeues` is the store's [`Store::inline_requeues`].
    pub fn new(name: &str, settings: &RedisStreamsSettings, inline_requeues: bool) -> Self {
        Self {
            name: name.to_owned(),
            inline: settings.inline && inline_requeues,
            fields: settings.fields.clone(),
        }
    }
}

impl Destination for RedisStreams {
    fn name(&self) -> &str {
        &self.name
    }

    fn requeue_mode(&self) -> RequeueMode {
        if self.inline {
            RequeueMode::Inline
        } else {
            RequeueMode::Outbox
        }
    }

    fn fields(&self) -> &StreamFields {
        &self.fields
    }

    fn drain<'a>(
        &'a self,
        store: &'a Store,
        limit: usize,
        now_ms: u64,
    ) -> BoxFuture<'a, Result<Drained, DestinationError>> {
        async move {
            Ok(store
                .drain_local(&self.name, &self.fields, limit, now_ms)
                .await?)
        }
        .boxed()
    }
}
