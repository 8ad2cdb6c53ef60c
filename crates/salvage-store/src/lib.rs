//! Redis: the one place Salvage keeps state. Each operation is one Lua script call, so every
//! outcome is committed atomically (see `lua/` for the scripts and ARCHITECTURE.md for the key
//! layout). The connection manager reconnects by itself; while Redis is unreachable, calls fail
//! fast with [`StoreError::Unavailable`] within the configured timeouts.

mod argv;
pub mod config;
mod console;
mod crossslot;
mod events;
mod isolation;
mod keys;
mod layout;
mod link;
mod memory;
mod outbox;
mod parking;
mod replication;

use redis::{AsyncCommands, IntoConnectionInfo, Script, aio::ConnectionManagerConfig};

use self::argv::NamedArgs;
use self::config::{RedisSettings, RedisTls, StreamFields};
pub use self::{
    console::OutcomeCounts,
    crossslot::slot_of,
    events::{EventsTail, StoredEvent},
    keys::Keys,
    layout::{Layout, MAX_BUCKETS, bucket_slot},
    memory::Memory,
    outbox::{OutboxEntry, Settle},
    parking::{AuditFields, BatchResult, EditResult, Index, RawRecord, ResubmitEntry},
};
use salvage_model::{Message, Outcome};

/// Make ring the process's rustls provider, which the Redis client takes for `rediss://`.
/// Harmless when one is installed already.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Why a Redis operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// Redis could not be reached, timed out, or is loading: the caller may retry later.
    #[error("redis is unavailable: {0}")]
    Unavailable(#[source] redis::RedisError),
    /// Redis refused a write: it reached `maxmemory` (policy `noeviction`). Redis checks this
    /// before a script's first write, so the script changed nothing.
    #[error("redis is out of memory: {0}")]
    OutOfMemory(#[source] redis::RedisError),
    /// Redis answered with an error that retrying will not fix.
    #[error("redis error: {0}")]
    Redis(#[source] redis::RedisError),
    /// A script answered something this version of Salvage does not understand.
    #[error("unexpected reply from redis: {0}")]
    Reply(String),
    /// The state in Redis is laid out in another number of buckets than `redis.buckets` says
    /// (found at the first report when Redis was down at start): nothing is written.
    #[error("{0}")]
    Layout(String),
}

impl From<redis::RedisError> for StoreError {
    fn from(e: redis::RedisError) -> Self {
        if e.code() == Some("OOM") {
            return Self::OutOfMemory(e);
        }
        // A primary that a failover turned into a replica, or one cut off from its replicas:
        // the store follows the new primary; reporting again later is right.
        if matches!(
            e.code(),
            Some("READONLY" | "MASTERDOWN" | "LOADING" | "NOREPLICAS")
        ) {
            return Self::Unavailable(e);
        }
        let unavailable = e.is_io_error()
            || e.is_timeout()
            || e.is_connection_dropped()
            || e.is_connection_refusal()
            || !matches!(e.retry_method(), redis::RetryMethod::NoRetry);
        if unavailable {
            Self::Unavailable(e)
        } else {
            Self::Redis(e)
        }
    }
}

/// The report script (`lua/park.lua`, then `lua/report.lua`), called once per report.
const REPORT_SCRIPT: &str = concat!(include_str!("lua/park.lua"), include_str!("lua/report.lua"));

/// Why the recorded layout does not fit the configuration.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// Redis could not be asked.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The state was laid out in another number of buckets.
    #[error(
        "redis.buckets is {configured}, but the state in this Redis is laid out in {recorded} \
         bucket(s) (recorded in {key}): set redis.buckets = {recorded} (the number of buckets \
         cannot change once a deployment has state)"
    )]
    Mismatch {
        /// What Redis holds.
        recorded: u32,
        /// What the configuration says.
        configured: u32,
        /// The layout record.
        key: String,
    },
}

impl From<redis::RedisError> for LayoutError {
    fn from(e: redis::RedisError) -> Self {
        Self::Store(e.into())
    }
}

/// How a requeue is committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequeueMode {
    /// XADD to the origin stream inside the report script (same Redis; exactly once).
    Inline,
    /// XADD to the destination's outbox; the relay delivers it.
    Outbox,
}

/// Everything the report script needs, prepared by the workflow.
#[derive(Debug)]
pub struct ReportCommit<'a> {
    /// The message's bucket (`Layout::of_message`).
    pub bucket: u32,
    /// Now, in ms since the Unix epoch.
    pub now_ms: u64,
    /// The tracking id this report gets unless it turns out a duplicate.
    pub tracking_id: &'a str,
    /// The `salvage-tracking-id` header of the copy the consumer failed on, or "".
    pub incoming_tracking_id: &'a str,
    /// `requeue`, `retry` or `park`: the rule engine's proposal.
    pub decision: &'static str,
    /// The deciding rule's name, or "".
    pub rule: &'a str,
    /// Why, in words.
    pub reason: &'a str,
    /// The message is parked when this report would be attempt `max_attempts + 1`.
    pub max_attempts: u32,
    /// How a requeue is committed.
    pub mode: RequeueMode,
    /// Retry backoff: initial ms, multiplier, max ms, jitter factor (already drawn).
    pub backoff: (u64, f64, u64, f64),
    /// The shortest retry delay, in ms (the consumer's `retry_after` as the rule honours it;
    /// 0 for none): a retry is scheduled after the longer of this and the backoff's delay.
    pub retry_floor_ms: u64,
    /// The message key (see [`message_key`]).
    pub message_key: &'a str,
    /// The message as reported (its queue is where requeued copies go; its headers are taken
    /// as `headers_in`, already encoded).
    pub message: &'a Message,
    /// The destination name: the message's, or the default one when it names none.
    pub destination: &'a str,
    /// The repaired payload, if a rule changed it.
    pub repaired: Option<&'a [u8]>,
    /// The headers as reported, as a JSON object.
    pub headers_in: &'a str,
    /// The headers for the requeued copy (with Salvage's headers but `salvage-attempt`).
    pub headers_out: &'a str,
    /// The failure as a JSON object.
    pub failure: &'a str,
    /// This attempt's facts: a JSON object without its opening brace.
    pub attempt_tail: &'a str,
    /// The failure group.
    pub group: &'a str,
    /// The error code.
    pub code: &'a str,
    /// The error message.
    pub error_message: &'a str,
    /// Stream entry field names.
    pub fields: &'a StreamFields,
    /// Digest of the payload as reported (see [`payload_digest`]).
    pub in_digest: &'a str,
    /// Digest of the payload a requeue or retry sends.
    pub out_digest: &'a str,
}

/// The PEM files of `redis.tls`, read now (an unreadable file names itself in the error).
/// A client for an address, with the URL's credentials, database and TLS.
fn client_for(
    tls: &Option<redis::TlsCertificates>,
    info: redis::ConnectionInfo,
) -> redis::RedisResult<redis::Client> {
    match tls {
        Some(certs) => redis::Client::build_with_tls(info, certs.clone()),
        None => redis::Client::open(info),
    }
}

fn tls_certificates(tls: &RedisTls) -> Result<redis::TlsCertificates, StoreError> {
    let read = |field: &str, path: &std::path::Path| {
        std::fs::read(path).map_err(|e| {
            StoreError::Redis(redis::RedisError::from((
                redis::ErrorKind::InvalidClientConfig,
                "cannot read a redis.tls file",
                format!("redis.tls.{field} {}: {e}", path.display()),
            )))
        })
    };
    let client_tls = match (&tls.cert_file, &tls.key_file) {
        (Some(cert), Some(key)) => Some(redis::ClientTlsConfig {
            client_cert: read("cert_file", cert)?,
            client_key: read("key_file", key)?,
        }),
        _ => None,
    };
    let root_cert = tls
        .ca_file
        .as_deref()
        .map(|ca| read("ca_file", ca))
        .transpose()?;
    Ok(redis::TlsCertificates {
        client_tls,
        root_cert,
    })
}

/// What one drain pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drained {
    /// Entries delivered.
    pub delivered: u64,
    /// Entries that could not be delivered and were parked with the error as reason.
    pub parked: u64,
    /// Entries a broker refused this time, to be tried again after a backoff.
    pub retried: u64,
}

/// The committed outcome, as the script reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    /// What happened.
    pub outcome: Outcome,
    /// This report's tracking id, or the earlier one for a duplicate or an already parked message.
    pub tracking_id: String,
    /// How many times the message has been reported.
    pub attempt: u32,
    /// For a retry: when it is due (ms since the epoch); else 0.
    pub retry_at_ms: u64,
    /// Why, in words.
    pub reason: String,
    /// The deciding rule, or "".
    pub rule: String,
    /// Why the script did not commit the rules' proposal, if it did not.
    pub overridden: Option<Override>,
    /// This report is the first failure of a copy an operator resubmitted.
    pub recurred: bool,
}

/// Why the report script did not commit what the rules proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Override {
    /// The message was parked before: the report is noted on its record, nothing else changes.
    AlreadyParked,
    /// Duplicate: the previous outcome is still pending.
    Pending,
    /// Duplicate: a copy older than the one Salvage sent last.
    StaleCopy,
    /// Duplicate: the original message, reported again.
    OriginalAgain,
    /// Parked: the attempt limit was passed.
    AttemptLimit,
    /// Parked: the origin queue holds another Redis type.
    NotAStream,
}

impl Override {
    fn parse(code: &str) -> Result<Option<Self>, StoreError> {
        Ok(Some(match code {
            "" => return Ok(None),
            "already_parked" => Self::AlreadyParked,
            "pending" => Self::Pending,
            "stale_copy" => Self::StaleCopy,
            "original_again" => Self::OriginalAgain,
            "attempt_limit" => Self::AttemptLimit,
            "not_a_stream" => Self::NotAStream,
            other => return Err(StoreError::Reply(format!("unknown override {other:?}"))),
        }))
    }
}

/// Counts read for the gauges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Parked messages.
    pub parked: u64,
    /// Retries scheduled.
    pub retries: u64,
    /// Outbox length per destination.
    pub outbox: Vec<(String, u64)>,
    /// Archived (discarded) messages.
    pub archived: u64,
    /// When the oldest parked message was parked (ms since the epoch), if any is.
    pub oldest_parked_ms: Option<u64>,
    /// Parked messages per origin queue, most first (at most the asked-for number of queues).
    pub parked_by_queue: Vec<(String, u64)>,
    /// The largest failure groups: (group, queue, code, parked messages), most first.
    pub top_groups: Vec<(String, String, String, u64)>,
}

/// The Redis store.
#[derive(Clone)]
pub struct Store {
    /// The connection: to a fixed address, or to the primary the sentinels name.
    link: link::Link,
    /// How `conn` connects, times out and reconnects: also for [`Store::with_own_connection`].
    manager: ConnectionManagerConfig,
    parking: parking::ParkingScripts,
    outbox: outbox::OutboxScripts,
    /// The home keys (runs, console sessions, the layout record; with one bucket, everything).
    keys: Keys,
    /// The buckets (`layout.rs`).
    layout: Layout,
    /// Set once [`Store::check_layout`] passed: until then a report checks it first (Redis may
    /// have been down at start, when it is checked otherwise).
    layout_checked: std::sync::Arc<std::sync::atomic::AtomicBool>,
    state_ttl_secs: u64,
    /// With `redis.wait_replicas`: confirms that replicas have a report's outcome.
    waiter: Option<replication::Waiter>,
    report: Script,
    promote: Script,
    drain_local: Script,
    /// Step 1 of a requeue to a stream in another cluster slot (`crossslot.rs`).
    cross_slot: Script,
    /// This process, as the holder of outbox leases.
    owner: std::sync::Arc<str>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Prepare a connection to Redis. It connects lazily and reconnects by itself, so Salvage
    /// starts (and reports UNAVAILABLE, not ready) while Redis is down.
    pub fn connect(settings: &RedisSettings) -> Result<Self, StoreError> {
        let tls = match &settings.tls {
            Some(tls) => Some(tls_certificates(tls)?),
            None => None,
        };
        let cluster_tls = settings
            .cluster
            .as_ref()
            .is_some_and(|c| c.urls.iter().any(|u| u.starts_with("rediss://")));
        if tls.is_some() || settings.url.starts_with("rediss://") || cluster_tls {
            install_crypto_provider();
        }
        let config = isolation::manager_config(settings);
        let link = match (&settings.cluster, &settings.sentinel) {
            (Some(cluster), _) => {
                let mut builder = redis::cluster::ClusterClientBuilder::new(
                    cluster.urls.iter().map(String::as_str),
                )
                .connection_timeout(settings.connect_timeout)
                .response_timeout(settings.response_timeout);
                if let Some(certs) = tls {
                    builder = builder.certs(certs);
                }
                link::Link::cluster(builder.build().map_err(StoreError::Redis)?, &config)
            }
            (None, None) => {
                let info = settings
                    .url
                    .as_str()
                    .into_connection_info()
                    .map_err(StoreError::Redis)?;
                link::Link::fixed(client_for(&tls, info).map_err(StoreError::Redis)?, &config)?
            }
            (None, Some(sentinel)) => link::follow_sentinels(
                &settings.url,
                move |info| client_for(&tls, info),
                sentinel,
                settings.connect_timeout,
                &config,
            )?,
        };
        let waiter = match settings.wait_replicas {
            0 => None,
            n => Some(replication::Waiter::start(
                link.another(&config)?,
                n,
                u64::try_from(settings.wait_timeout.as_millis()).unwrap_or(u64::MAX),
            )?),
        };
        Ok(Self::with_link(link, config, settings, waiter))
    }

    fn with_link(
        link: link::Link,
        config: ConnectionManagerConfig,
        settings: &RedisSettings,
        waiter: Option<replication::Waiter>,
    ) -> Self {
        let keys = Keys::new(settings.key_prefix.clone());
        Self {
            layout: Layout::new(&settings.key_prefix, settings.bucket_count()),
            layout_checked: std::sync::Arc::default(),
            link,
            manager: config,
            parking: parking::ParkingScripts::new(),
            outbox: outbox::OutboxScripts::new(),
            keys,
            state_ttl_secs: settings.state_ttl.as_secs().max(1),
            waiter,
            report: Script::new(REPORT_SCRIPT),
            promote: Script::new(include_str!("lua/promote.lua")),
            drain_local: Script::new(concat!(
                include_str!("lua/park.lua"),
                include_str!("lua/drain_local.lua")
            )),
            cross_slot: crossslot::deliver_script(),
            owner: uuid::Uuid::now_v7().to_string().into(),
        }
    }

    /// Cap the parking-lot events and audit streams at about these many entries.
    pub fn set_parking_caps(&mut self, events_max: u64, audit_max: u64) {
        self.parking.events_max = events_max;
        self.parking.audit_max = audit_max;
    }

    /// How long a message's state is kept after its last outcome, in seconds.
    pub fn state_ttl_secs(&self) -> u64 {
        self.state_ttl_secs
    }

    /// The home keys: runs, console sessions, the layout record. With one bucket (the default
    /// outside a Cluster) every key; otherwise a message's keys are its bucket's ([`Self::layout`]).
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The buckets.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Whether any key but the layout record is under the plain prefix (a one-bucket
    /// deployment's state: message states, outboxes, parked records, runs...). On a Cluster, the keys of the prefix's slot
    /// are counted there; otherwise a `SCAN` of the keyspace for the prefix (once, at the first
    /// start of a deployment with several buckets).
    async fn has_unbucketed_state(&self) -> Result<bool, StoreError> {
        let layout = self.keys.layout();
        if self.link.is_cluster() {
            // Two keys at most: the layout record (another process starting at the same time may
            // have written it) and one more.
            let slot = crossslot::slot_of(self.keys.prefix().as_bytes());
            let keys: Vec<String> = self
                .query_home(redis::cmd("CLUSTER").arg("GETKEYSINSLOT").arg(slot).arg(2))
                .await?;
            return Ok(keys.iter().any(|k| *k != layout));
        }
        // Glob-escape the prefix: `{salvage}` has no special characters, a custom one may.
        let mut pattern = String::new();
        for c in self.keys.prefix().chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push_str(":*");
        let mut conn = self.link.conn();
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await?;
            if keys.iter().any(|k| *k != layout) {
                return Ok(true);
            }
            if next == 0 {
                return Ok(false);
            }
            cursor = next;
        }
    }

    /// Record the number of buckets if this is the deployment's first start, or check it against
    /// the recorded one. A different number is refused: the state would be looked for in the
    /// wrong buckets. So is more than one bucket over state a single-bucket deployment left
    /// (parked records, scheduled retries or runs under the plain prefix, and no record).
    pub async fn check_layout(&self) -> Result<(), LayoutError> {
        let n = self.layout.count();
        let key = self.keys.layout();
        let mut conn = self.link.conn();
        let recorded: Option<u32> = conn.hget(&key, "buckets").await?;
        if recorded.is_none() && n > 1 && self.has_unbucketed_state().await? {
            return Err(LayoutError::Mismatch {
                recorded: 1,
                configured: n,
                key,
            });
        }
        let _: bool = conn.hset_nx(&key, "buckets", n).await?;
        let recorded: u32 = conn.hget(&key, "buckets").await?;
        if recorded != n {
            return Err(LayoutError::Mismatch {
                recorded,
                configured: n,
                key,
            });
        }
        self.layout_checked
            .store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Run a command that names no key on the server that holds Salvage's keys (on a Cluster,
    /// the primary of the key prefix's slot; the client would otherwise pick any node).
    pub(crate) async fn query_home<T: redis::FromRedisValue>(
        &self,
        cmd: &redis::Cmd,
    ) -> Result<T, StoreError> {
        self.query_on(self.keys.prefix(), cmd).await
    }

    /// Run a command that names no key on the primary of `key`'s slot (on a Cluster).
    async fn query_on<T: redis::FromRedisValue>(
        &self,
        key: &str,
        cmd: &redis::Cmd,
    ) -> Result<T, StoreError> {
        let mut conn = self.link.conn();
        match &mut conn {
            link::Conn::Cluster(c) => {
                use redis::cluster_routing::{Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr};
                let route = Route::with_key(key, SlotAddr::Master);
                let value = c
                    .route_command(
                        cmd.clone(),
                        RoutingInfo::SingleNode(SingleNodeRoutingInfo::SpecificNode(route)),
                    )
                    .await?;
                redis::from_redis_value(value).map_err(|e| StoreError::Reply(e.to_string()))
            }
            _ => Ok(cmd.query_async(&mut conn).await?),
        }
    }

    /// Which servers hold Salvage's keys now: with Sentinel, the primary's address as the
    /// sentinels named it; on a Cluster, the node ids of the primaries of the key prefix's slot
    /// and of every bucket's (`CLUSTER MYID` there), comma-separated; `None` for a standalone
    /// Redis (one fixed address).
    pub async fn home_node(&self) -> Result<Option<String>, StoreError> {
        match &self.link {
            link::Link::Fixed { .. } => Ok(None),
            link::Link::Followed(f) => Ok(f.primary_address()),
            link::Link::Cluster(_) => {
                // Every slot of Salvage's keys (home and each bucket): a change of any of their
                // primaries is a change. A keyed command first, so a slot that moved answers
                // MOVED and the client refreshes its map (a keyless one would still reach the
                // old owner).
                let mut ids = Vec::new();
                let mut prefixes = vec![&self.keys];
                if self.layout.count() > 1 {
                    prefixes.extend(self.layout.buckets().map(|(_, k)| k));
                }
                let mut conn = self.link.conn();
                for keys in prefixes {
                    let _: bool = conn.exists(keys.layout()).await?;
                    let id: String = self
                        .query_on(keys.prefix(), redis::cmd("CLUSTER").arg("MYID"))
                        .await?;
                    ids.push(id);
                }
                Ok(Some(ids.join(",")))
            }
        }
    }

    /// Is Redis answering? (On a Cluster: the primary that holds Salvage's keys.)
    pub async fn ping(&self) -> Result<(), StoreError> {
        let _: String = self.query_home(&redis::cmd("PING")).await?;
        Ok(())
    }

    /// How many entries the stream `key` holds (0 when there is no such key). For tools: the
    /// load generator counts what landed on the origin streams.
    pub async fn stream_len(&self, key: &str) -> Result<u64, StoreError> {
        let mut conn = self.link.conn();
        Ok(redis::cmd("XLEN").arg(key).query_async(&mut conn).await?)
    }

    /// Commit one report's outcome (one script call).
    pub async fn commit_report(&self, c: &ReportCommit<'_>) -> Result<Committed, StoreError> {
        if !self
            .layout_checked
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            self.check_layout().await.map_err(|e| match e {
                LayoutError::Store(e) => e,
                mismatch => StoreError::Layout(mismatch.to_string()),
            })?;
        }
        // On a Cluster the origin stream is in another slot: through the outbox.
        let mode = if self.inline_requeues() {
            c.mode
        } else {
            RequeueMode::Outbox
        };
        let keys = self.layout.bucket(c.bucket);
        let state_key = keys.message(c.message_key);
        let target = match mode {
            RequeueMode::Inline => c.message.queue.as_str(),
            RequeueMode::Outbox => &keys.outbox(c.destination),
        };
        let (initial, mult, max, jitter) = c.backoff;
        // EVALSHA written directly (the hot path: each argument copied once into the command,
        // not first into a `ScriptInvocation`); routed on a Cluster by its first key.
        let mut inv = redis::cmd("EVALSHA");
        inv.arg(self.report.get_hash())
            .arg(2)
            .arg(&state_key)
            .arg(target);
        let mut args = NamedArgs::new(&mut inv, argv::REPORT);
        args.arg("prefix", keys.prefix())
            .arg("now", c.now_ms)
            .arg("tid", c.tracking_id)
            .arg("incoming", c.incoming_tracking_id)
            .arg("decision", c.decision)
            .arg("rule", c.rule)
            .arg("reason", c.reason)
            .arg("max_attempts", c.max_attempts)
            .arg(
                "mode",
                if mode == RequeueMode::Inline {
                    "inline"
                } else {
                    "outbox"
                },
            )
            .arg("ttl", self.state_ttl_secs)
            .arg("b_initial", initial)
            .arg("b_mult", mult)
            .arg("b_max", max)
            .arg("b_jitter", jitter)
            .arg("msg_id", &c.message.id)
            .arg("destination", c.destination)
            .arg("queue", &c.message.queue)
            .arg("partition_key", &c.message.partition_key)
            .arg("content_type", &c.message.content_type)
            .arg("event_type", &c.message.event_type)
            .arg("payload_in", &c.message.payload)
            .arg("payload_out", c.repaired.unwrap_or_default())
            .arg("repaired", if c.repaired.is_some() { "1" } else { "0" })
            .arg("headers_in", c.headers_in)
            .arg("headers_out", c.headers_out)
            .arg("failure", c.failure)
            .arg("attempt_tail", c.attempt_tail)
            .arg("group", c.group)
            .arg("code", c.code)
            .arg("err_message", c.error_message)
            .arg("mkey", c.message_key);
        for (name, field) in argv::STREAM_FIELDS.into_iter().zip(c.fields.as_array()) {
            args.arg(name, field);
        }
        args.arg("in_hash", c.in_digest)
            .arg("out_hash", c.out_digest)
            .arg("events_max", self.parking.events_max)
            .arg("retry_floor", c.retry_floor_ms)
            .done();
        let (generation, mut conn) = self.link.conn_and_generation();
        type Reply = (String, String, u32, u64, String, String, String, u8);
        let reply: redis::RedisResult<Reply> = inv.query_async(&mut conn).await;
        let (outcome, tracking_id, attempt, retry_at_ms, reason, rule, code, recurred): Reply =
            match reply {
                // Not in this server's script cache (a restart, a promoted replica, SCRIPT
                // FLUSH): load it there, on the primary of the state key's slot, and run it again.
                Err(e)
                    if e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) =>
                {
                    let _: String = self
                        .query_on(
                            &state_key,
                            redis::cmd("SCRIPT").arg("LOAD").arg(REPORT_SCRIPT),
                        )
                        .await?;
                    inv.query_async(&mut conn).await?
                }
                other => other?,
            };
        if let Some(waiter) = &self.waiter {
            waiter
                .confirm(
                    generation,
                    keys.replication_mark(),
                    state_key,
                    tracking_id.clone(),
                )
                .await?;
        }
        let outcome = match outcome.as_str() {
            "REQUEUED" => Outcome::Requeued,
            "RETRY_SCHEDULED" => Outcome::RetryScheduled,
            "PARKED" => Outcome::Parked,
            "DUPLICATE" => Outcome::Duplicate,
            other => return Err(StoreError::Reply(format!("unknown outcome {other:?}"))),
        };
        Ok(Committed {
            outcome,
            tracking_id,
            attempt,
            retry_at_ms,
            reason,
            rule,
            overridden: Override::parse(&code)?,
            recurred: recurred == 1,
        })
    }

    /// Move up to `limit` due retries of each bucket into their destinations' outboxes (in the
    /// same bucket). Returns how many moved. Only buckets with a retry due are asked to move
    /// (one probe per bucket first, see [`Self::buckets_with_work`]); every such bucket is
    /// tried, and the first error is returned after all were (one bucket's primary failing does
    /// not hold back the others').
    pub async fn promote_due_retries(&self, now_ms: u64, limit: usize) -> Result<u64, StoreError> {
        let due = self
            .buckets_with_work(|k| {
                let mut cmd = redis::cmd("ZCOUNT");
                cmd.arg(k.retries()).arg("-inf").arg(now_ms);
                cmd
            })
            .await?;
        let moves = due.into_iter().map(|b| {
            let keys = self.layout.bucket(b);
            let mut conn = self.link.conn();
            async move {
                self.promote
                    .key(keys.retries())
                    .arg(keys.prefix())
                    .arg(now_ms)
                    .arg(limit)
                    .invoke_async::<u64>(&mut conn)
                    .await
            }
        });
        let mut moved = 0;
        let mut first_error = None;
        for result in futures::future::join_all(moves).await {
            match result {
                Ok(n) => moved += n,
                Err(e) => {
                    first_error.get_or_insert(StoreError::from(e));
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(moved),
        }
    }

    /// Whether a requeue to a stream on this Redis can be committed inline, in the report
    /// script: not on a Redis Cluster, where the stream lives in another slot than Salvage's
    /// keys (such requeues go through the outbox: `crossslot.rs`).
    pub fn inline_requeues(&self) -> bool {
        !self.link.is_cluster()
    }

    /// Deliver up to `limit` outbox entries of a same-Redis stream destination from each bucket,
    /// each exactly once; an entry that cannot be delivered is parked with the error as its
    /// reason (in its bucket). One atomic script per bucket with entries on a standalone Redis;
    /// two steps with a marker on a Cluster. A bucket that fails is tried again next pass; its
    /// error is returned when no bucket delivered or parked anything (else it is logged), so the
    /// counts of what did go out are not lost.
    pub async fn drain_local(
        &self,
        destination: &str,
        fields: &StreamFields,
        limit: usize,
        now_ms: u64,
    ) -> Result<Drained, StoreError> {
        let buckets = self.outboxes_with_entries(destination).await?;
        let mut total = Drained::default();
        let mut first_error = None;
        // One bucket after the other: on a Cluster each takes its own lease, and a pass stays
        // bounded by `limit` entries at a time.
        for b in buckets {
            match self
                .drain_bucket(b, destination, fields, limit, now_ms)
                .await
            {
                Ok(d) => {
                    total.delivered += d.delivered;
                    total.parked += d.parked;
                }
                Err(e) => {
                    tracing::warn!(bucket = b, destination, error = %e, "draining a bucket's outbox failed; tried again next pass");
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) if total.delivered == 0 && total.parked == 0 => Err(e),
            _ => Ok(total),
        }
    }

    /// [`Self::drain_local`] on the outbox of bucket `bucket`.
    async fn drain_bucket(
        &self,
        bucket: u32,
        destination: &str,
        fields: &StreamFields,
        limit: usize,
        now_ms: u64,
    ) -> Result<Drained, StoreError> {
        if self.link.is_cluster() {
            return self
                .drain_across_slots(bucket, destination, fields, limit, now_ms)
                .await;
        }
        let keys = self.layout.bucket(bucket);
        let mut conn = self.link.conn();
        let mut inv = self.drain_local.key(keys.outbox(destination));
        inv.arg(keys.prefix())
            .arg(limit)
            .arg(now_ms)
            .arg(self.state_ttl_secs);
        for f in fields.as_array() {
            inv.arg(f);
        }
        inv.arg(self.parking.events_max);
        let (delivered, parked): (u64, u64) = inv.invoke_async(&mut conn).await?;
        Ok(Drained {
            delivered,
            parked,
            retried: 0,
        })
    }

    /// Warn when Redis may evict Salvage's keys (anything but `noeviction` can drop a scheduled
    /// retry or a message's state under memory pressure). Silent if CONFIG is not allowed.
    pub async fn check_eviction_policy(&self) -> Option<String> {
        let reply: Vec<String> = self
            .query_home(redis::cmd("CONFIG").arg("GET").arg("maxmemory-policy"))
            .await
            .ok()?;
        let policy = reply.get(1)?;
        (policy != "noeviction").then(|| policy.clone())
    }

    /// Read the counts behind the gauges: totals, then parked messages of up to `queues` origin
    /// queues and of the `groups` largest failure groups, over every bucket.
    ///
    /// Totals and outbox lengths are summed over the buckets, the oldest parked message is the
    /// oldest of any bucket. A queue or a group spans buckets (its messages' bucket is a hash of
    /// their keys), so each is one line with the counts of every bucket added. Ranking them
    /// exactly would read every bucket's whole `queues`/`groups:count` set; instead each bucket's
    /// largest `max(n, 1000)` are read and merged: a queue or group missing from a bucket's top
    /// 1000 loses that bucket's share, so with over 1000 queues (groups) the tail of the list may
    /// be undercounted or missing. With one bucket the lists are exact, as before.
    ///
    /// One pipeline per bucket (on a Cluster a pipeline must stay on one node), sent together.
    pub async fn stats(
        &self,
        destinations: &[String],
        queues: usize,
        groups: usize,
    ) -> Result<StoreStats, StoreError> {
        const MERGE_DEPTH: usize = 1000;
        let depth = |n: usize| match (n, self.layout.count()) {
            (0, _) => 0,
            (n, 1) => n,
            (n, _) => n.max(MERGE_DEPTH),
        };
        let (queue_depth, group_depth) = (depth(queues), depth(groups));
        let reads = self.layout.buckets().map(|(b, keys)| {
            let mut conn = self.link.conn();
            async move {
                let read =
                    read_bucket_stats(&mut conn, keys, destinations, queue_depth, group_depth)
                        .await;
                (b, read)
            }
        });
        let mut total = StoreStats {
            outbox: destinations.iter().map(|d| (d.clone(), 0)).collect(),
            ..StoreStats::default()
        };
        let mut by_queue: std::collections::HashMap<String, u64> = Default::default();
        // A group's count, and the first bucket that holds it (for its labels).
        let mut by_group: std::collections::HashMap<String, (u64, u32)> = Default::default();
        for (b, read) in futures::future::join_all(reads).await {
            let s = read?;
            total.parked += s.parked;
            total.retries += s.retries;
            total.archived += s.archived;
            for ((_, sum), (_, n)) in total.outbox.iter_mut().zip(s.outbox) {
                *sum += n;
            }
            total.oldest_parked_ms = match (total.oldest_parked_ms, s.oldest_parked_ms) {
                (Some(a), Some(o)) => Some(a.min(o)),
                (a, o) => a.or(o),
            };
            for (q, n) in s.parked_by_queue {
                *by_queue.entry(q).or_default() += n;
            }
            for (g, _, _, n) in s.top_groups {
                by_group.entry(g).or_insert((0, b)).0 += n;
            }
        }
        total.parked_by_queue = top(by_queue.into_iter(), queues);
        let top_groups = top(by_group.iter().map(|(g, (n, _))| (g.clone(), *n)), groups);
        total.top_groups = self.label_groups(top_groups, &by_group).await?;
        Ok(total)
    }

    /// The (queue, code) labels of groups, each read from a bucket that holds it: one pipeline
    /// per bucket, sent together.
    async fn label_groups(
        &self,
        groups: Vec<(String, u64)>,
        holder: &std::collections::HashMap<String, (u64, u32)>,
    ) -> Result<Vec<(String, String, String, u64)>, StoreError> {
        let mut by_bucket: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
        for (i, (g, _)) in groups.iter().enumerate() {
            let b = holder.get(g).map_or(0, |(_, b)| *b);
            by_bucket.entry(b).or_default().push(i);
        }
        let reads = by_bucket.into_iter().map(|(b, at)| {
            let keys = self.layout.bucket(b);
            let mut pipe = redis::pipe();
            for &i in &at {
                pipe.cmd("HMGET")
                    .arg(keys.group(&groups[i].0))
                    .arg("queue")
                    .arg("code");
            }
            let mut conn = self.link.conn();
            async move {
                let labels: redis::RedisResult<Vec<(Option<String>, Option<String>)>> =
                    pipe.query_async(&mut conn).await;
                (at, labels)
            }
        });
        let mut labels = vec![(String::new(), String::new()); groups.len()];
        for (at, read) in futures::future::join_all(reads).await {
            for (i, (q, c)) in at.into_iter().zip(read?) {
                labels[i] = (q.unwrap_or_default(), c.unwrap_or_default());
            }
        }
        Ok(groups
            .into_iter()
            .zip(labels)
            .map(|((g, n), (q, c))| (g, q, c, n))
            .collect())
    }
}

/// The `n` largest counts, most first; equal counts in reverse name order (as `ZREVRANGE` gives
/// them, so one bucket's list is the same as Redis's).
fn top(counts: impl Iterator<Item = (String, u64)>, n: usize) -> Vec<(String, u64)> {
    let mut rows: Vec<(String, u64)> = counts.collect();
    rows.sort_unstable_by(|(a, x), (b, y)| y.cmp(x).then_with(|| b.cmp(a)));
    rows.truncate(n);
    rows
}

/// One bucket's counts for [`Store::stats`], in one pipeline (`top_groups` without labels).
async fn read_bucket_stats(
    conn: &mut link::Conn,
    keys: &Keys,
    destinations: &[String],
    queues: usize,
    groups: usize,
) -> Result<StoreStats, StoreError> {
    let rank = |n: usize| isize::try_from(n).unwrap_or(isize::MAX) - 1;
    let mut pipe = redis::pipe();
    pipe.zcard(keys.parked_index())
        .zcard(keys.retries())
        .zcard(keys.archive_index());
    for d in destinations {
        pipe.xlen(keys.outbox(d));
    }
    // The oldest parked message of the bucket (`Store::oldest_parked_ms`, for one bucket).
    pipe.zrange_withscores(keys.parked_index(), 0, 0);
    if queues > 0 {
        pipe.zrevrange_withscores(keys.queues(), 0, rank(queues));
    }
    if groups > 0 {
        pipe.zrevrange_withscores(keys.groups_by_count(), 0, rank(groups));
    }
    let replies: Vec<redis::Value> = pipe.query_async(conn).await?;
    let mut it = replies.into_iter();
    let mut next = || it.next().unwrap_or(redis::Value::Nil);
    let count = |v: redis::Value| -> Result<u64, StoreError> {
        redis::from_redis_value::<Option<u64>>(v)
            .map(Option::unwrap_or_default)
            .map_err(|e| StoreError::Reply(e.to_string()))
    };
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "zset scores that are whole counts or ms timestamps; negatives are clamped to 0 first"
    )]
    let scored = |v: redis::Value| -> Result<Vec<(String, u64)>, StoreError> {
        let rows: Vec<(String, f64)> =
            redis::from_redis_value(v).map_err(|e| StoreError::Reply(e.to_string()))?;
        Ok(rows
            .into_iter()
            .map(|(k, n)| (k, n.max(0.0) as u64))
            .collect())
    };
    let parked = count(next())?;
    let retries = count(next())?;
    let archived = count(next())?;
    let mut outbox = Vec::with_capacity(destinations.len());
    for d in destinations {
        outbox.push((d.clone(), count(next())?));
    }
    let oldest_parked_ms = scored(next())?.first().map(|(_, at)| *at);
    let parked_by_queue = if queues > 0 {
        scored(next())?
    } else {
        Vec::new()
    };
    let top_groups = if groups > 0 {
        scored(next())?
            .into_iter()
            .map(|(g, n)| (g, String::new(), String::new(), n))
            .collect()
    } else {
        Vec::new()
    };
    Ok(StoreStats {
        parked,
        retries,
        outbox,
        archived,
        oldest_parked_ms,
        parked_by_queue,
        top_groups,
    })
}

#[cfg(test)]
mod tests {
    use super::top;

    #[test]
    fn merged_counts_rank_as_one_bucket_would() {
        let rows = [("b", 2), ("a", 5), ("c", 2), ("d", 1)]
            .map(|(k, n)| (k.to_owned(), n))
            .into_iter();
        // Most first; ties in reverse name order, as ZREVRANGE ranks them.
        assert_eq!(
            top(rows, 3),
            vec![
                ("a".to_owned(), 5),
                ("c".to_owned(), 2),
                ("b".to_owned(), 2)
            ]
        );
    }
}
