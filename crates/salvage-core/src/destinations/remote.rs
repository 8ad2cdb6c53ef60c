//! A broker destination: requeues go through its outbox, and the relay publishes them with the
//! broker's [`Publisher`], removing an entry only once the broker confirmed it.
//!
//! - One process at a time publishes from an outbox (a short lease in Redis), oldest entry first,
//!   so messages leave in the order they were committed (and keep their per-key order).
//! - With buckets (the store's `layout.rs`) a destination has one outbox per bucket, each with
//!   its own lease: a pass walks every bucket whose outbox holds entries, so processes share
//!   the buckets and one takes over a dead one's when its lease expires. A partition key's
//!   messages share a bucket, so per-key order holds; there is no order across buckets.
//! - Broker unreachable (or no confirmation in time): the entry stays, the destination is marked
//!   down (`salvage_destination_up`, `/readyz`), and the relay tries again after a pause. Reports
//!   keep succeeding meanwhile; the outbox grows.
//! - Broker refuses an entry (no such queue, ...): it is tried again with exponential backoff
//!   (attempts kept in Redis), and parked with the broker's error after
//!   `delivery.max_attempts`, in the step that removes it from the outbox.
//!
//! Delivery is at least once: a process that dies after the broker confirmed and before the
//! entry was removed publishes it again. Consumers deduplicate with `salvage-tracking-id` (NATS
//! does it itself with `Nats-Msg-Id`).

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use futures::{FutureExt, future::BoxFuture};
use tracing::{info, warn};

use super::{
    Destination, DestinationError, DestinationHealth, StreamFields,
    publish::{Broker, BrokerSettings, DeliverySettings, Outgoing, PublishError, Publisher},
};
use crate::store::{Drained, RequeueMode, Settle, Store};
use salvage_model::{Message, entry::Entry};

/// How long the relay leaves a down broker alone before trying again, at most.
const MAX_PAUSE: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
struct State {
    /// `None` until the first publish.
    up: Option<bool>,
    last_error: String,
    /// Do not try before this (after the broker was found down).
    paused_until: Option<Instant>,
    /// Consecutive failed tries while down.
    failures: u32,
}

/// A broker destination.
#[derive(Debug)]
pub struct Remote {
    name: String,
    kind: &'static str,
    publisher: Box<dyn Publisher>,
    delivery: DeliverySettings,
    fields: StreamFields,
    owner: String,
    state: Mutex<State>,
}

impl Remote {
    /// A destination called `name` publishing with broker `B`, made from `settings` (`kind`
    /// names the broker in logs: its `type`).
    pub fn of<B: Broker>(name: &str, kind: &'static str, settings: &B::Settings) -> Self {
        Self {
            name: name.to_owned(),
            kind,
            publisher: Box::new(B::new(settings)),
            delivery: settings.delivery().clone(),
            fields: StreamFields::default(),
            owner: uuid::Uuid::now_v7().to_string(),
            state: Mutex::default(),
        }
    }

    fn set_up(&self) {
        if let Ok(mut s) = self.state.lock() {
            if s.up == Some(false) {
                info!(destination = %self.name, kind = self.kind, "destination is reachable again");
            }
            *s = State {
                up: Some(true),
                ..State::default()
            };
        }
    }

    fn set_down(&self, error: &str) {
        if let Ok(mut s) = self.state.lock() {
            if s.up != Some(false) {
                warn!(destination = %self.name, kind = self.kind, error, "destination is unavailable; requeues wait in its outbox");
            }
            s.failures = s.failures.saturating_add(1);
            let pause = Duration::from_millis(100 * 2u64.saturating_pow(s.failures.min(10)));
            s.paused_until = Some(Instant::now() + pause.min(MAX_PAUSE));
            s.up = Some(false);
            error.clone_into(&mut s.last_error);
        }
    }

    fn paused(&self) -> bool {
        self.state
            .lock()
            .ok()
            .and_then(|s| s.paused_until)
            .is_some_and(|t| Instant::now() < t)
    }

    /// Backoff before attempt `attempt + 1` of a refused entry.
    fn backoff(&self, attempt: u32) -> u64 {
        let d = &self.delivery;
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let factor = 2u64.saturating_pow(attempt.saturating_sub(1).min(30));
        ms(d.backoff_initial)
            .saturating_mul(factor)
            .min(ms(d.backoff_max))
    }

    /// One pass over every bucket's outbox of this destination, up to `limit` entries from each.
    /// A bucket that fails is tried again next pass; its error is returned when no bucket got
    /// anything delivered or parked (else it is logged), so the counts of what went out are kept.
    async fn drain_inner(
        &self,
        store: &Store,
        limit: usize,
        now_ms: u64,
    ) -> Result<Drained, DestinationError> {
        if self.paused() {
            return Ok(Drained::default());
        }
        let buckets = store.outboxes_with_entries(&self.name).await?;
        let mut total = Drained::default();
        let mut first_error = None;
        for b in buckets {
            // The broker went down on an earlier bucket: leave the rest for after the pause.
            if self.paused() {
                break;
            }
            match self.drain_bucket(store, b, limit, now_ms).await {
                Ok(d) => {
                    total.delivered += d.delivered;
                    total.parked += d.parked;
                    total.retried += d.retried;
                }
                Err(e) => {
                    warn!(destination = %self.name, bucket = b, error = %e, "draining a bucket's outbox failed; tried again next pass");
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) if total.delivered == 0 && total.parked == 0 && total.retried == 0 => Err(e),
            _ => Ok(total),
        }
    }

    /// Publish up to `limit` entries of bucket `bucket`'s outbox, holding its lease.
    async fn drain_bucket(
        &self,
        store: &Store,
        bucket: u32,
        limit: usize,
        now_ms: u64,
    ) -> Result<Drained, DestinationError> {
        let lease = u64::try_from(
            (self.delivery.timeout * 3)
                .max(Duration::from_secs(5))
                .as_millis(),
        )
        .unwrap_or(u64::MAX);
        if !store
            .lease_outbox(bucket, &self.name, &self.owner, lease)
            .await?
        {
            return Ok(Drained::default());
        }
        let entries = store.outbox_entries(bucket, &self.name, limit).await?;
        if entries.is_empty() {
            return Ok(Drained::default());
        }
        let attempts = store.delivery_attempts(bucket, &self.name).await?;
        let mut settles = Vec::new();
        let mut retried = 0;
        for (id, fields) in &entries {
            let known = attempts.get(id).copied();
            if known.is_some_and(|(_, next)| next > now_ms) {
                continue;
            }
            let Some(copy) = outgoing(fields) else {
                settles.push(Settle::Park(
                    id.clone(),
                    "outbox entry has no queue or payload".to_owned(),
                ));
                continue;
            };
            match self.publisher.publish(&copy).await {
                Ok(()) => {
                    self.set_up();
                    settles.push(Settle::Done(id.clone()));
                }
                Err(PublishError::Unavailable(e)) => {
                    self.set_down(&e);
                    break;
                }
                Err(PublishError::Rejected(e)) => {
                    // The broker answered: it is up, it just will not take this one.
                    self.set_up();
                    let attempt = known.map_or(0, |(a, _)| a) + 1;
                    if attempt >= self.delivery.max_attempts {
                        warn!(destination = %self.name, queue = %copy.message.queue, tracking_id = %copy.tracking_id, error = %e, attempt, "broker refused the message; parked");
                        settles.push(Settle::Park(id.clone(), e));
                    } else {
                        let next = now_ms + self.backoff(attempt);
                        store
                            .record_delivery_attempt(bucket, &self.name, id, attempt, next)
                            .await?;
                        retried += 1;
                    }
                }
            }
        }
        let mut drained = store
            .settle_outbox(bucket, &self.name, &settles, now_ms)
            .await?;
        drained.retried = retried;
        Ok(drained)
    }
}

/// The message an outbox entry holds (default field names: brokers use no custom ones), and
/// the outbox's own fields beside it.
fn outgoing(fields: &std::collections::HashMap<String, Vec<u8>>) -> Option<Outgoing> {
    let text = |k: &str| {
        fields
            .get(k)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default()
    };
    let queue = text("queue");
    if queue.is_empty() {
        return None;
    }
    let entry = Entry::decode(fields, &StreamFields::default())?;
    Some(Outgoing {
        tracking_id: text("tracking_id"),
        message: Message {
            id: entry.id,
            destination: text("destination"),
            queue,
            partition_key: entry.partition_key,
            payload: entry.payload,
            content_type: entry.content_type,
            headers: salvage_model::headers::parse(&entry.headers),
            event_type: entry.event_type,
        },
    })
}

impl Destination for Remote {
    fn name(&self) -> &str {
        &self.name
    }

    fn requeue_mode(&self) -> RequeueMode {
        RequeueMode::Outbox
    }

    fn fields(&self) -> &StreamFields {
        &self.fields
    }

    fn health(&self) -> Option<DestinationHealth> {
        let s = self.state.lock().ok()?;
        Some(DestinationHealth {
            up: s.up,
            last_error: s.last_error.clone(),
        })
    }

    fn drain<'a>(
        &'a self,
        store: &'a Store,
        limit: usize,
        now_ms: u64,
    ) -> BoxFuture<'a, Result<Drained, DestinationError>> {
        self.drain_inner(store, limit, now_ms).boxed()
    }
}
