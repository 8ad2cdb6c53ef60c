//! Build the application from settings: load the rules, prepare the Redis store, bind both
//! listeners (port 0 picks a free one, and the bound ports are reported, so tests can run many
//! applications at once), then run everything until the shutdown signal.

use std::{net::SocketAddr, path::Path, sync::Arc};

use anyhow::Context;
use futures::FutureExt;
use tokio::{net::TcpListener, sync::Notify};
use tracing::{info, warn};

use salvage_model::{Clock, SystemClock};

use crate::{
    admin,
    api::{Budget, ParkingLotService, PortsHealth, SalvageApi, SalvageService, Shed, http2_limits},
    config::Settings,
    console::{self, ConsoleState},
    destinations::Destinations,
    metrics::Metrics,
    parking::{ParkingLot, Tokens, watch::Hub},
    relay::{Relay, poll_stats},
    rules::{self, LiveRules, Loaded, Reloader},
    shutdown::{ABANDONED_ANSWER_WINDOW, Shutdown},
    store::Store,
    tls::Alpn,
    workflow::Processor,
};

/// Load and check a rules file and the schema files it names (including its embedded tests'
/// syntax, not their results), with the version of what was read.
pub fn load_rules(path: &Path) -> anyhow::Result<Loaded> {
    Ok(rules::load(path)?)
}

/// A built application, listeners bound, not yet running.
pub struct Application {
    settings: Settings,
    grpc: TcpListener,
    admin: TcpListener,
    /// The console's own listener (`console.addr`), if it has one.
    console: Option<TcpListener>,
    parking: TcpListener,
    parking_lot: ParkingLot,
    store: Store,
    processor: Processor,
    destinations: Destinations,
    metrics: Arc<Metrics>,
    relay_wake: Arc<Notify>,
    clock: Arc<dyn Clock>,
    tls: ListenerTlsConfigs,
    shutdown: Shutdown,
    /// The rules in force, reloaded on SIGHUP and when their files change.
    rules: Arc<LiveRules>,
}

/// The TLS configuration of each listener that has one, read at build time.
#[derive(Default)]
struct ListenerTlsConfigs {
    grpc: Option<Arc<rustls::ServerConfig>>,
    parking: Option<Arc<rustls::ServerConfig>>,
    admin: Option<Arc<rustls::ServerConfig>>,
    console: Option<Arc<rustls::ServerConfig>>,
}

impl ListenerTlsConfigs {
    fn load(s: &Settings) -> anyhow::Result<Self> {
        let load = |tls: &Option<crate::config::ListenerTls>, key: &str, alpn| {
            tls.as_ref()
                .map(|t| crate::tls::server_config(t, key, alpn))
                .transpose()
        };
        Ok(Self {
            grpc: load(&s.server.tls, "server.tls", Alpn::H2)?,
            parking: load(&s.parking_lot.tls, "parking_lot.tls", Alpn::H2)?,
            admin: load(&s.admin.tls, "admin.tls", Alpn::Http11)?,
            console: load(&s.console.tls, "console.tls", Alpn::Http11)?,
        })
    }
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("grpc", &self.grpc_addr())
            .field("admin", &self.admin_addr())
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Load the rules, prepare Redis, bind the listeners. Times are the system clock's.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// [`Application::build`], with the times it records (on messages, in the audit log, on
    /// runs) and compares with them (retries due, run leases, retention) read from `clock`:
    /// tests pass a `ManualClock` to get distinct or exact times without waiting.
    pub async fn build_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let loaded = load_rules(&settings.rules.path)?;
        info!(rules = loaded.set.len(), version = %loaded.version, file = %settings.rules.path.display(), "rules loaded");
        let rules = LiveRules::new(loaded);
        let mut store = Store::connect(&settings.redis).context("invalid redis settings")?;
        info!(redis = %settings.redis.topology(), buckets = settings.redis.bucket_count(), "redis");
        store.set_parking_caps(
            settings.parking_lot.events_max_entries,
            settings.parking_lot.audit_max_entries,
        );
        let metrics = Arc::new(Metrics::new(settings.limits.max_queue_labels));
        let destinations = Destinations::build(&settings.destinations, store.inline_requeues())
            .map_err(|e| anyhow::anyhow!(e))?;
        let known: Vec<(String, bool)> = destinations
            .iter()
            .map(|d| {
                let inline = d.requeue_mode() == crate::store::RequeueMode::Inline;
                (d.name().to_owned(), inline)
            })
            .collect();
        metrics.register_known(&known);
        let relay_wake = Arc::new(Notify::new());
        // Operator work gets its own connection, so it never queues in front of reports.
        let operator_store = store.with_own_connection()?;
        let parking_lot = ParkingLot::new(
            operator_store,
            rules.clone(),
            destinations.clone(),
            metrics.clone(),
            settings.parking_lot.clone(),
            settings.limits.max_payload_bytes,
            relay_wake.clone(),
            clock.clone(),
        );
        let processor = Processor::new(
            rules.clone(),
            store.clone(),
            destinations.clone(),
            settings.default_destination.clone(),
            settings.limits.clone(),
            metrics.clone(),
            relay_wake.clone(),
            clock.clone(),
        );
        let grpc = TcpListener::bind(settings.server.grpc_addr)
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {} (server.grpc_addr)",
                    settings.server.grpc_addr
                )
            })?;
        let admin = TcpListener::bind(settings.admin.addr)
            .await
            .with_context(|| format!("cannot listen on {} (admin.addr)", settings.admin.addr))?;
        let console = match settings.console.addr.filter(|_| settings.console.enabled) {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr} (console.addr)"))?,
            ),
            None => None,
        };
        settings
            .check_plaintext_listeners()
            .map_err(|e| anyhow::anyhow!(e))?;
        let tls = ListenerTlsConfigs::load(&settings)?;
        let parking = TcpListener::bind(settings.parking_lot.addr)
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {} (parking_lot.addr)",
                    settings.parking_lot.addr
                )
            })?;
        if let Err(e) = store.ping().await {
            warn!(error = %e, "Redis is not answering yet; reports get UNAVAILABLE until it does");
        } else if let Err(e) = store.check_layout().await {
            // A different number of buckets would look for every message in the wrong place.
            return Err(anyhow::anyhow!(e));
        } else if let Some(policy) = store.check_eviction_policy().await {
            warn!(
                policy,
                "Redis maxmemory-policy is not noeviction: under memory pressure Redis may evict \
                 scheduled retries or message state; set maxmemory-policy noeviction"
            );
        }
        Ok(Self {
            settings,
            grpc,
            admin,
            console,
            parking,
            parking_lot,
            store,
            processor,
            destinations,
            metrics,
            relay_wake,
            clock,
            tls,
            shutdown: Shutdown::new(),
            rules,
        })
    }

    /// The bound gRPC address.
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc
            .local_addr()
            .unwrap_or(self.settings.server.grpc_addr)
    }

    /// The bound admin HTTP address.
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin.local_addr().unwrap_or(self.settings.admin.addr)
    }

    /// Where the console is served: its own listener (`console.addr`), else the admin port.
    pub fn console_addr(&self) -> SocketAddr {
        self.console
            .as_ref()
            .and_then(|c| c.local_addr().ok())
            .unwrap_or_else(|| self.admin_addr())
    }

    /// The bound address of the parking lot's admin gRPC API.
    pub fn parking_lot_addr(&self) -> SocketAddr {
        self.parking
            .local_addr()
            .unwrap_or(self.settings.parking_lot.addr)
    }

    /// A handle that stops the application when triggered.
    pub fn shutdown_handle(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Run until the shutdown handle is triggered: stop accepting, mark health not serving,
    /// finish in-flight reports (those still waiting after `server.shutdown_grace` answer
    /// UNAVAILABLE) and the relay's batch, then close the admin port (`/readyz` answers 503
    /// until then) and return.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let Self {
            settings,
            grpc,
            admin,
            console: console_listener,
            parking,
            parking_lot,
            store,
            processor,
            destinations,
            metrics,
            relay_wake,
            clock,
            tls,
            shutdown,
            rules,
        } = self;
        let health = PortsHealth::new().await;
        let budget = Budget::from_settings(&settings.server);
        let service = SalvageService::new(
            processor,
            budget.clone(),
            settings.server.stream_window,
            shutdown.signal(),
        );

        let grpc_addr = grpc.local_addr()?;
        let admin_addr = admin.local_addr()?;
        let parking_addr = parking.local_addr()?;
        info!(%grpc_addr, %admin_addr, %parking_addr, "salvage is listening");
        if settings.parking_lot.tokens.is_empty() {
            warn!("no [[parking_lot.tokens]] configured: every parking lot API call is refused");
        }

        let mut tasks = tokio::task::JoinSet::new();
        let reloader = Arc::new(Reloader::new(
            rules,
            settings.rules.path.clone(),
            metrics.clone(),
        ));
        tasks.spawn(reloader.run(settings.rules.watch_interval, shutdown.signal()));
        if settings.relay.enabled {
            let relay = Relay {
                store: store.clone(),
                destinations: destinations.clone(),
                metrics: metrics.clone(),
                settings: settings.relay.clone(),
                wake: relay_wake,
                clock: clock.clone(),
            };
            tasks.spawn(relay.run(shutdown.signal()));
        }
        {
            let health = health.clone();
            let on_redis = move |up: bool| {
                let health = health.clone();
                async move {
                    if up {
                        health.serving().await;
                    } else {
                        health.not_serving().await;
                    }
                }
                .boxed()
            };
            tasks.spawn(poll_stats(
                store.clone(),
                destinations.names(),
                metrics.clone(),
                clock,
                settings.relay.stats_interval,
                shutdown.signal(),
                on_redis,
            ));
        }
        let hub = Hub::default();
        {
            let (metrics, store) = (metrics.clone(), store.clone());
            let stop = shutdown.signal();
            tasks.spawn(async move { metrics.tally().flush(store, stop).await });
        }
        tasks.spawn(parking_lot.clone().run_worker(shutdown.signal()));
        tasks.spawn(parking_lot.clone().retention_worker(shutdown.signal()));
        tasks.spawn(
            parking_lot
                .clone()
                .tail_events(hub.clone(), shutdown.signal()),
        );
        let tokens = Tokens::new(&settings.parking_lot.tokens);
        // The console's listener and TLS: its own, or the admin port's.
        let (console_ip, console_tls) = match &console_listener {
            Some(l) => (l.local_addr()?.ip(), tls.console.clone()),
            None => (settings.admin.addr.ip(), tls.admin.clone()),
        };
        if settings.console.enabled
            && !settings.console.secure_cookie
            && console_tls.is_none()
            && !console_ip.is_loopback()
        {
            warn!(
                addr = %console_ip,
                "the console is served beyond loopback without console.secure_cookie: put it \
                 behind HTTPS and set console.secure_cookie = true, or the session cookie and the \
                 token typed at sign-in cross the network in the clear"
            );
        }
        let console = settings.console.enabled.then(|| {
            let mut console_settings = settings.console.clone();
            // Served over HTTPS: the session cookie is `Secure`.
            console_settings.secure_cookie |= console_tls.is_some();
            console::router(ConsoleState::new(
                parking_lot.clone(),
                tokens.clone(),
                hub.clone(),
                console_settings,
                shutdown.signal(),
            ))
        });
        let parking_service = ParkingLotService::new(parking_lot, tokens, hub, shutdown.signal());
        let parking_routes = health.parking_lot_routes(parking_service, shutdown.signal())?;
        let mut parking_stop = shutdown.signal();
        tasks.spawn(async move {
            let incoming = crate::tls::grpc_incoming(parking, tls.parking);
            let serve = tonic::transport::Server::builder()
                .add_routes(parking_routes)
                .serve_with_incoming_shutdown(incoming, async move { parking_stop.recv().await });
            if let Err(e) = serve.await {
                warn!(error = %e, "parking lot API server stopped with an error");
            }
        });
        let mut admin_app = admin::router(metrics, store, destinations.clone(), shutdown.signal());
        // The admin port outlives the drain, so `/readyz` answers 503 through it.
        let admin_stop = Shutdown::new();
        let options = |tls| admin::ServeOptions {
            tls,
            header_timeout: settings.admin.header_timeout,
            body_timeout: settings.admin.body_timeout,
        };
        let mut console_task = None;
        match (console, console_listener) {
            (Some(console), Some(listener)) => {
                let mut stopped = admin_stop.signal();
                console_task = Some(tokio::spawn(admin::serve(
                    listener,
                    console,
                    options(tls.console),
                    async move { stopped.recv().await },
                )));
            }
            (Some(console), None) => admin_app = admin_app.merge(console),
            (None, _) => {}
        }
        let mut admin_stopped = admin_stop.signal();
        let admin_task = tokio::spawn(admin::serve(
            admin,
            admin_app,
            options(tls.admin),
            async move {
                admin_stopped.recv().await;
            },
        ));

        // Without TCP_NODELAY, small answers wait for delayed ACKs (~40 ms tail latency).
        let incoming = crate::tls::grpc_incoming(grpc, tls.grpc);
        let mut grpc_stop = shutdown.signal();
        let health_on_stop = health.clone();
        let salvage =
            SalvageApi::new(service).max_decoding_message_size(settings.server.max_message_bytes);
        let serve = http2_limits(tonic::transport::Server::builder(), &settings.server)
            .add_routes(health.consumer_routes(Shed::new(salvage, budget))?)
            .serve_with_incoming_shutdown(incoming, async move {
                grpc_stop.recv().await;
                health_on_stop.not_serving().await;
                info!("shutting down: finishing in-flight reports");
            });
        // Graceful shutdown waits for connections to close; bound it so a client holding a
        // connection open cannot keep the process up past the grace period. The grace period runs from the stop for both gRPC ports: then calls still waiting on
        // either are answered UNAVAILABLE (`api/drain.rs`).
        let grace = settings.server.shutdown_grace;
        let abandon_timer = {
            let (shutdown, mut stop) = (shutdown.clone(), shutdown.signal());
            tokio::spawn(async move {
                stop.recv().await;
                tokio::time::sleep(grace).await;
                shutdown.abandon();
            })
        };
        let mut abandoned = shutdown.signal();
        tokio::pin!(serve);
        let grpc_result = tokio::select! {
            r = &mut serve => r,
            () = abandoned.abandoned() => {
                warn!(?grace, "reports still in flight after the shutdown grace period; answering them UNAVAILABLE");
                tokio::time::timeout(ABANDONED_ANSWER_WINDOW, serve).await.unwrap_or_else(|_| {
                    warn!("connections still open after the answers; closing them");
                    Ok(())
                })
            }
        };
        // The server ended (stopped, or failed): stop the rest too and let it finish its batch.
        shutdown.trigger();
        // The parking-lot server is one of the tasks: its calls still waiting are answered when
        // the grace period ends, so give it the answer window on top.
        let tasks_done = async { while tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(grace + ABANDONED_ANSWER_WINDOW, tasks_done)
            .await
            .is_err()
        {
            warn!(
                ?grace,
                "background tasks did not finish within the shutdown grace period"
            );
        }
        admin_stop.trigger();
        if let Some(task) = console_task
            && tokio::time::timeout(grace, task).await.is_err()
        {
            warn!(
                ?grace,
                "the console's server did not stop within the shutdown grace period"
            );
        }
        if tokio::time::timeout(grace, admin_task).await.is_err() {
            warn!(
                ?grace,
                "the admin server did not stop within the shutdown grace period"
            );
        }
        abandon_timer.abort();
        grpc_result.context("gRPC server failed")?;
        info!("salvage stopped");
        Ok(())
    }

    /// Run until Ctrl-C / SIGTERM.
    pub async fn run_until_signal(self) -> anyhow::Result<()> {
        let shutdown = self.shutdown_handle();
        tokio::spawn(async move {
            crate::shutdown::os_signal().await;
            shutdown.trigger();
        });
        self.run_until_stopped().await
    }
}
