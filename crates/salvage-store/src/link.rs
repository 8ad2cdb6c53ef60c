//! Which Redis the store talks to: one fixed address (a standalone Redis), the primary that a
//! set of Redis Sentinels names, followed through failovers without a restart, or a Redis
//! Cluster (redis-rs's cluster client: it follows MOVED and ASK redirections and refreshes its
//! slot map itself; every key of one Salvage script shares a hash tag, so a script runs on the
//! one primary that holds that slot). After a failover the client can stay stuck on a slot's
//! old owner, every command to that slot timing out while the cluster is healthy again (seen
//! with redis-rs 1.8 once the killed primary came back as a replica), so the store opens a new
//! cluster connection when commands keep timing out ([`Renewal`]).
//!
//! With Sentinel, a watcher task asks the sentinels where the primary is every
//! `sentinel.poll_interval` (over TLS, with `redis.tls`, for a `rediss://` sentinel). When they
//! name another address, it builds a client for it (the credentials, database and TLS of
//! `redis.url`), bumps a generation number, and each connection of the store opens a new
//! connection to the new primary on its next command. Commands in flight on the old primary
//! fail and are answered UNAVAILABLE (the consumer reports again; a report that was recorded is
//! answered DUPLICATE), and a primary that came back as a replica refuses writes with READONLY,
//! which is UNAVAILABLE too.

use std::{
    sync::{Arc, Mutex, PoisonError, RwLock, Weak},
    time::{Duration, Instant},
};

use redis::{
    Client, Cmd, ConnectionAddr, IntoConnectionInfo, Pipeline, RedisFuture, Value,
    aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig, MultiplexedConnection},
    cluster::ClusterClient,
    cluster_async::ClusterConnection,
};

use super::StoreError;
use super::config::SentinelSettings;

/// One connection of the store (shared by its clones).
#[derive(Clone)]
pub(crate) enum Link {
    /// A standalone Redis at one address.
    Fixed {
        client: Client,
        conn: ConnectionManager,
    },
    /// The primary the sentinels name.
    Followed(Followed),
    /// A Redis Cluster (boxed: its client is large).
    Cluster(Box<ClusterLink>),
}

/// A Redis Cluster's client and the connection made from it, renewed when it seems stuck.
#[derive(Clone)]
pub(crate) struct ClusterLink {
    client: ClusterClient,
    shared: Arc<ClusterShared>,
}

/// What the store's cluster connections share: the current connection, and the timeouts that
/// decide when to replace it.
struct ClusterShared {
    client: ClusterClient,
    config: redis::cluster::ClusterConfig,
    current: RwLock<ClusterConnection>,
    renewal: Mutex<Renewal>,
}

/// When to open a new cluster connection: after [`Renewal::TIMEOUTS`] commands timed out within
/// [`Renewal::WINDOW`], and at most once per window. A healthy cluster answers within the
/// response timeout, so a few timeouts in a row mean a node is gone or the client is stuck on
/// an old slot owner; a new connection reads the slot map afresh. Commands in flight on the old
/// one finish there (or time out), and the next ones go through the new one.
#[derive(Debug, Default)]
pub(crate) struct Renewal {
    /// When the recent timeouts happened (at most `TIMEOUTS`).
    timeouts: Vec<Instant>,
    /// The last renewal.
    renewed: Option<Instant>,
}

impl Renewal {
    pub(crate) const TIMEOUTS: usize = 3;
    pub(crate) const WINDOW: Duration = Duration::from_secs(3);

    /// Notes a timeout at `now`; true when the connection should be renewed now.
    pub(crate) fn timed_out(&mut self, now: Instant) -> bool {
        self.timeouts
            .retain(|t| now.saturating_duration_since(*t) < Self::WINDOW);
        self.timeouts.push(now);
        let recently_renewed = self
            .renewed
            .is_some_and(|r| now.saturating_duration_since(r) < Self::WINDOW);
        if self.timeouts.len() >= Self::TIMEOUTS && !recently_renewed {
            self.timeouts.clear();
            self.renewed = Some(now);
            return true;
        }
        false
    }
}

impl ClusterShared {
    fn conn(self: &Arc<Self>) -> ClusterConn {
        let conn = self
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        ClusterConn {
            conn,
            shared: Arc::clone(self),
        }
    }

    /// Notes how a command went; renews the connection after repeated timeouts.
    fn observe<T>(&self, result: &redis::RedisResult<T>) {
        let Err(e) = result else { return };
        if !e.is_timeout() {
            return;
        }
        let renew = self
            .renewal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .timed_out(Instant::now());
        if renew {
            tracing::warn!(
                timeouts = Renewal::TIMEOUTS,
                window = ?Renewal::WINDOW,
                "Redis Cluster commands keep timing out; opening a new cluster connection"
            );
            let fresh = self
                .client
                .get_pending_async_connection_with_config(self.config.clone());
            *self.current.write().unwrap_or_else(PoisonError::into_inner) = fresh;
        }
    }
}

/// One use of the store's cluster connection; its outcomes count towards renewing it.
#[derive(Clone)]
pub(crate) struct ClusterConn {
    conn: ClusterConnection,
    shared: Arc<ClusterShared>,
}

impl ClusterConn {
    /// `cmd` sent where `routing` says (for commands that name no key).
    pub(crate) async fn route_command(
        &mut self,
        cmd: Cmd,
        routing: redis::cluster_routing::RoutingInfo,
    ) -> redis::RedisResult<Value> {
        let result = self.conn.route_command(cmd, routing).await;
        self.shared.observe(&result);
        result
    }
}

/// A connection to whichever Redis the store uses: commands go through it the same way for
/// every topology (on a Cluster, each is routed by its first key).
#[derive(Clone)]
pub(crate) enum Conn {
    /// A standalone Redis or a Sentinel-managed primary (reconnects by itself).
    Single(ConnectionManager),
    /// A dedicated connection to one server (for blocking reads).
    Plain(MultiplexedConnection),
    /// A Redis Cluster.
    Cluster(ClusterConn),
    /// A dedicated Redis Cluster connection (for blocking reads).
    ClusterDedicated(ClusterConnection),
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Single(_) => "Conn::Single",
            Self::Plain(_) => "Conn::Plain",
            Self::Cluster(_) => "Conn::Cluster",
            Self::ClusterDedicated(_) => "Conn::ClusterDedicated",
        })
    }
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(c) => c.req_packed_command(cmd),
            Self::Plain(c) => c.req_packed_command(cmd),
            Self::Cluster(c) => Box::pin(async move {
                let result = c.conn.req_packed_command(cmd).await;
                c.shared.observe(&result);
                result
            }),
            Self::ClusterDedicated(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(c) => c.req_packed_commands(cmd, offset, count),
            Self::Plain(c) => c.req_packed_commands(cmd, offset, count),
            Self::Cluster(c) => Box::pin(async move {
                let result = c.conn.req_packed_commands(cmd, offset, count).await;
                c.shared.observe(&result);
                result
            }),
            Self::ClusterDedicated(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(c) => c.get_db(),
            Self::Plain(c) => c.get_db(),
            Self::Cluster(c) => c.conn.get_db(),
            Self::ClusterDedicated(c) => c.get_db(),
        }
    }
}

impl Link {
    pub(crate) fn fixed(
        client: Client,
        config: &ConnectionManagerConfig,
    ) -> Result<Self, StoreError> {
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), config.clone())?;
        Ok(Self::Fixed { client, conn })
    }

    /// A Redis Cluster reached through `client` (connected lazily, in the background).
    pub(crate) fn cluster(client: ClusterClient, config: &ConnectionManagerConfig) -> Self {
        let config = cluster_config(config);
        let conn = client.get_pending_async_connection_with_config(config.clone());
        let shared = Arc::new(ClusterShared {
            client: client.clone(),
            config,
            current: RwLock::new(conn),
            renewal: Mutex::new(Renewal::default()),
        });
        Self::Cluster(Box::new(ClusterLink { client, shared }))
    }

    /// Whether this is a Redis Cluster (keys of different slots may live on different servers).
    pub(crate) fn is_cluster(&self) -> bool {
        matches!(self, Self::Cluster(_))
    }

    /// The connection to use now (cheap: a clone of a multiplexed connection's handle).
    pub(crate) fn conn(&self) -> Conn {
        self.conn_and_generation().1
    }

    /// The connection to use now, and which primary it goes to: 0 for a fixed address or a
    /// Cluster, else the generation the sentinels' answer had when it was opened (two
    /// connections of the same generation reach the same server).
    pub(crate) fn conn_and_generation(&self) -> (u64, Conn) {
        match self {
            Self::Fixed { conn, .. } => (0, Conn::Single(conn.clone())),
            Self::Followed(f) => {
                let (generation, conn) = f.conn();
                (generation, Conn::Single(conn))
            }
            Self::Cluster(c) => (0, Conn::Cluster(c.shared.conn())),
        }
    }

    /// A connection of its own, for blocking commands (which would stall every other command
    /// on a shared multiplexed connection); `response_timeout` must exceed the longest block.
    pub(crate) async fn dedicated(&self, response_timeout: Duration) -> Result<Conn, StoreError> {
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(response_timeout));
        let client = match self {
            Self::Fixed { client, .. } => client.clone(),
            Self::Followed(f) => f.primary.current().1,
            Self::Cluster(c) => {
                let client = &c.client;
                let config = redis::cluster::ClusterConfig::new()
                    .set_connection_timeout(Duration::from_secs(2))
                    .set_response_timeout(response_timeout);
                return Ok(Conn::ClusterDedicated(
                    client.get_async_connection_with_config(config).await?,
                ));
            }
        };
        Ok(Conn::Plain(
            client
                .get_multiplexed_async_connection_with_config(&config)
                .await?,
        ))
    }

    /// Another connection to the same Redis (following the same primary).
    pub(crate) fn another(&self, config: &ConnectionManagerConfig) -> Result<Self, StoreError> {
        match self {
            Self::Fixed { client, .. } => Self::fixed(client.clone(), config),
            Self::Followed(f) => Ok(Self::Followed(Followed::new(f.primary.clone(), config)?)),
            Self::Cluster(c) => Ok(Self::cluster(c.client.clone(), config)),
        }
    }
}

/// The cluster client's timeouts: the same as a single connection's.
fn cluster_config(config: &ConnectionManagerConfig) -> redis::cluster::ClusterConfig {
    let mut c = redis::cluster::ClusterConfig::new();
    if let Some(t) = config.connection_timeout() {
        c = c.set_connection_timeout(t);
    }
    if let Some(t) = config.response_timeout() {
        c = c.set_response_timeout(t);
    }
    c
}

/// Where the primary is.
pub(crate) struct Primary {
    state: RwLock<Current>,
}

/// The primary as last named by the sentinels.
struct Current {
    /// Bumped at each change (0: not named yet, the URL's own address).
    generation: u64,
    /// A client for it.
    client: Client,
    /// Its host and port, once a sentinel named it.
    address: Option<(String, u16)>,
}

impl Primary {
    fn current(&self) -> (u64, Client) {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        (state.generation, state.client.clone())
    }

    /// The generation alone: what every command checks, without cloning the client.
    fn generation(&self) -> u64 {
        self.state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .generation
    }

    fn address(&self) -> Option<(String, u16)> {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        state.address.clone()
    }

    fn follow(&self, client: Client, address: (String, u16)) {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        *state = Current {
            generation: state.generation + 1,
            client,
            address: Some(address),
        };
    }
}

/// A connection that moves to the new primary after a failover.
#[derive(Clone)]
pub(crate) struct Followed {
    primary: Arc<Primary>,
    config: ConnectionManagerConfig,
    /// This connection: the generation it was opened for, and its handle.
    mine: Arc<Mutex<(u64, ConnectionManager)>>,
}

impl Followed {
    fn new(primary: Arc<Primary>, config: &ConnectionManagerConfig) -> Result<Self, StoreError> {
        let (generation, client) = primary.current();
        let conn = ConnectionManager::new_lazy_with_config(client, config.clone())?;
        Ok(Self {
            primary,
            config: config.clone(),
            mine: Arc::new(Mutex::new((generation, conn))),
        })
    }

    /// `host:port` of the primary the sentinels named last (`None` before they answered).
    pub(crate) fn primary_address(&self) -> Option<String> {
        self.primary
            .address()
            .map(|(host, port)| format!("{host}:{port}"))
    }

    fn conn(&self) -> (u64, ConnectionManager) {
        let mut mine = self.mine.lock().unwrap_or_else(PoisonError::into_inner);
        if mine.0 != self.primary.generation() {
            // The primary changed: open a connection to the one named now.
            let (generation, client) = self.primary.current();
            // Opening is lazy (no I/O here); it fails only on a configuration the first
            // connection already passed, so keeping the old one is the right fallback.
            match ConnectionManager::new_lazy_with_config(client, self.config.clone()) {
                Ok(conn) => *mine = (generation, conn),
                Err(e) => {
                    tracing::error!(error = %e, "cannot open a connection to the new primary")
                }
            }
        }
        (mine.0, mine.1.clone())
    }
}

/// Follow the primary the sentinels name: the first link, and the watcher task (on the current
/// tokio runtime; it ends when the last link is dropped).
pub(crate) fn follow_sentinels(
    url: &str,
    template: impl Fn(redis::ConnectionInfo) -> redis::RedisResult<Client> + Send + Sync + 'static,
    sentinel: &SentinelSettings,
    connect_timeout: Duration,
    config: &ConnectionManagerConfig,
) -> Result<Link, StoreError> {
    let base = url.into_connection_info().map_err(StoreError::Redis)?;
    // Until the sentinels answer, the URL's own address (a command there fails UNAVAILABLE, or
    // reaches the primary if the URL names it).
    let first = template(base.clone()).map_err(StoreError::Redis)?;
    let primary = Arc::new(Primary {
        state: RwLock::new(Current {
            generation: 0,
            client: first,
            address: None,
        }),
    });
    let sentinels = sentinel
        .urls
        .iter()
        .map(|u| sentinel_client(u, &template))
        .collect::<Result<Vec<_>, _>>()
        .map_err(StoreError::Redis)?;
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
        StoreError::Reply("redis.sentinel needs a tokio runtime to follow the primary".to_owned())
    })?;
    let watcher = Watcher {
        primary: Arc::downgrade(&primary),
        sentinels,
        master_name: sentinel.master_name.clone(),
        base,
        template: Box::new(template),
        poll: sentinel.poll_interval,
        timeout: connect_timeout,
    };
    runtime.spawn(watcher.run());
    Ok(Link::Followed(Followed::new(primary, config)?))
}

/// A client for one sentinel. A `rediss://` sentinel is built by `template`, as the primary is,
/// so that it gets the TLS of `redis.tls` (the CA to trust, the client certificate): sentinels
/// that speak TLS are usually set up with the same certificates as the data nodes they watch.
/// A `redis://` sentinel is reached in the clear (the template would refuse it: a client with
/// TLS certificates needs a `rediss://` address). Either way the URL's own credentials apply.
fn sentinel_client(
    url: &str,
    template: &impl Fn(redis::ConnectionInfo) -> redis::RedisResult<Client>,
) -> redis::RedisResult<Client> {
    let info = url.into_connection_info()?;
    match info.addr() {
        ConnectionAddr::TcpTls { .. } => template(info),
        _ => Client::open(info),
    }
}

type Template = Box<dyn Fn(redis::ConnectionInfo) -> redis::RedisResult<Client> + Send + Sync>;

struct Watcher {
    primary: Weak<Primary>,
    sentinels: Vec<Client>,
    master_name: String,
    base: redis::ConnectionInfo,
    template: Template,
    poll: Duration,
    timeout: Duration,
}

impl Watcher {
    async fn run(mut self) {
        let mut unanswered_since_logged = 0u32;
        let mut conns = vec![None; self.sentinels.len()];
        loop {
            let Some(primary) = self.primary.upgrade() else {
                return;
            };
            match self.ask(&mut conns).await {
                Some(address) if primary.address().as_ref() != Some(&address) => {
                    let addr = match self.base.addr() {
                        ConnectionAddr::TcpTls {
                            insecure,
                            tls_params,
                            ..
                        } => ConnectionAddr::TcpTls {
                            host: address.0.clone(),
                            port: address.1,
                            insecure: *insecure,
                            tls_params: tls_params.clone(),
                        },
                        _ => ConnectionAddr::Tcp(address.0.clone(), address.1),
                    };
                    match (self.template)(self.base.clone().set_addr(addr)) {
                        Ok(client) => {
                            let at = format!("{}:{}", address.0, address.1);
                            match primary.address() {
                                // A failover: worth an operator's attention.
                                Some((host, port)) => tracing::warn!(
                                    master = %self.master_name,
                                    primary = %at,
                                    previous = %format!("{host}:{port}"),
                                    "the sentinels name a new primary; following it"
                                ),
                                None => tracing::info!(
                                    master = %self.master_name,
                                    primary = %at,
                                    "the sentinels name the primary"
                                ),
                            }
                            primary.follow(client, address);
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "cannot build a client for the primary")
                        }
                    }
                    unanswered_since_logged = 0;
                }
                Some(_) => unanswered_since_logged = 0,
                None => {
                    // Say so once, then every minute or so.
                    if unanswered_since_logged == 0 {
                        tracing::warn!(
                            master = %self.master_name,
                            "no sentinel named a primary; keeping the last one"
                        );
                    }
                    unanswered_since_logged += 1;
                    let per_minute = (60_000 / self.poll.as_millis().max(1)) as u32;
                    if unanswered_since_logged > per_minute {
                        unanswered_since_logged = 0;
                    }
                }
            }
            drop(primary);
            tokio::time::sleep(self.poll).await;
        }
    }

    /// The primary's address, from the first sentinel that names one. `conns` keeps a
    /// connection per sentinel between polls (dropped when it fails).
    async fn ask(
        &mut self,
        conns: &mut [Option<redis::aio::MultiplexedConnection>],
    ) -> Option<(String, u16)> {
        for (sentinel, slot) in self.sentinels.iter().zip(conns.iter_mut()) {
            let asked = async {
                let mut conn = match slot.take() {
                    Some(conn) => conn,
                    None => sentinel.get_multiplexed_async_connection().await?,
                };
                let answer = redis::cmd("SENTINEL")
                    .arg("get-master-addr-by-name")
                    .arg(&self.master_name)
                    .query_async::<Option<(String, u16)>>(&mut conn)
                    .await?;
                *slot = Some(conn);
                Ok::<_, redis::RedisError>(answer)
            };
            if let Ok(Ok(Some(address))) = tokio::time::timeout(self.timeout, asked).await {
                return Some(address);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn a_cluster_connection_is_renewed_after_three_timeouts_in_three_seconds_at_most_once_per_window()
     {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut r = Renewal::default();
        // Two timeouts, then a third after the first left the window: no renewal yet.
        assert!(!r.timed_out(at(0)));
        assert!(!r.timed_out(at(500)));
        assert!(!r.timed_out(at(3_100)));
        // The third within three seconds of the second: renewed.
        assert!(r.timed_out(at(3_200)));
        // Three more right away: not again within the window of the renewal.
        assert!(!r.timed_out(at(3_300)));
        assert!(!r.timed_out(at(3_400)));
        assert!(!r.timed_out(at(3_500)));
        // Past it, the next timeout (with two others still in the window) renews again.
        assert!(r.timed_out(at(6_300)));
    }

    /// A template that records the addresses it is asked for and opens them as given.
    fn recording(
        seen: &Mutex<Vec<String>>,
    ) -> impl Fn(redis::ConnectionInfo) -> redis::RedisResult<Client> {
        move |info| {
            seen.lock().unwrap().push(info.addr().to_string());
            Client::open(info)
        }
    }

    #[test]
    fn a_rediss_sentinel_is_built_by_the_template_with_its_own_address_and_password() {
        let seen = Mutex::new(Vec::new());
        let client = sentinel_client("rediss://:pw@10.0.0.1:26379", &recording(&seen)).unwrap();
        assert_eq!(seen.into_inner().unwrap(), ["10.0.0.1:26379"]);
        let info = client.get_connection_info();
        assert!(
            matches!(info.addr(), ConnectionAddr::TcpTls { host, port: 26379, .. } if host == "10.0.0.1"),
            "{:?}",
            info.addr()
        );
        assert_eq!(info.redis_settings().password(), Some("pw"));
    }

    #[test]
    fn a_redis_sentinel_is_reached_in_the_clear_without_the_template() {
        let seen = Mutex::new(Vec::new());
        let client = sentinel_client("redis://10.0.0.2:26379", &recording(&seen)).unwrap();
        assert!(seen.into_inner().unwrap().is_empty());
        let addr = client.get_connection_info().addr();
        assert!(
            matches!(addr, ConnectionAddr::Tcp(host, 26379) if host == "10.0.0.2"),
            "{addr:?}"
        );
    }

    #[test]
    fn with_tls_certificates_a_rediss_sentinel_gets_them_and_a_redis_one_still_opens() {
        // The template `Store::connect` makes when `redis.tls` is set (an empty CA list parses:
        // no files needed here).
        let certs = redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(Vec::new()),
        };
        let template = move |info| Client::build_with_tls(info, certs.clone());
        let tls = sentinel_client("rediss://10.0.0.1:26379", &template).unwrap();
        let addr = tls.get_connection_info().addr();
        assert!(
            matches!(
                addr,
                ConnectionAddr::TcpTls {
                    tls_params: Some(_),
                    ..
                }
            ),
            "the sentinel gets the TLS parameters: {addr:?}"
        );
        // The template alone refuses a plaintext address; a plaintext sentinel still opens.
        let plain = "redis://10.0.0.2:26379".into_connection_info().unwrap();
        assert!(template(plain).is_err());
        assert!(sentinel_client("redis://10.0.0.2:26379", &template).is_ok());
    }
}
