//! The admin HTTP server: `/metrics` (Prometheus text), `/healthz` (the process is up; it never
//! waits on Redis) and `/readyz` (ready means "can accept reports": Redis answers and has room
//! for writes, and the application is not stopping). A broker destination that is down does not
//! make it unready (reports still succeed; copies wait in the outbox): its body names it.
//! `serve.rs` serves them (and the console) with TLS and timeouts.

pub mod config;
mod serve;

pub use self::serve::{ServeOptions, serve};

use std::{sync::Arc, time::Duration};

use axum::{Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};

use crate::{destinations::Destinations, metrics::Metrics, shutdown::ShutdownSignal, store::Store};

#[derive(Clone)]
struct AdminState {
    metrics: Arc<Metrics>,
    store: Store,
    destinations: Destinations,
    shutdown: ShutdownSignal,
}

/// The admin routes.
pub fn router(
    metrics: Arc<Metrics>,
    store: Store,
    destinations: Destinations,
    shutdown: ShutdownSignal,
) -> Router {
    Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .with_state(AdminState {
            metrics,
            store,
            destinations,
            shutdown,
        })
}

async fn metrics_handler(State(s): State<AdminState>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.metrics.render(),
    )
}

/// Why Redis refuses writes, if it does (out of memory under `noeviction`).
async fn out_of_memory(store: &Store) -> Option<String> {
    let m = tokio::time::timeout(Duration::from_secs(1), store.memory())
        .await
        .ok()?
        .ok()?;
    m.refuses_writes().then(|| {
        format!(
            "redis: out of memory ({} of maxmemory {} bytes used, policy noeviction): reports \
             are refused until memory is freed\n",
            m.used, m.max
        )
    })
}

async fn ready(State(s): State<AdminState>) -> (StatusCode, String) {
    if s.shutdown.is_triggered() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting down\n".to_owned(),
        );
    }
    match tokio::time::timeout(Duration::from_secs(1), s.store.ping()).await {
        Ok(Ok(())) => {
            // A broker that is down does not stop reports (they wait in its outbox), so the
            // sidecar stays ready (an unready sidecar takes its consumer's pod out of service);
            // the operator sees it here as well as in `salvage_destination_up`.
            let down: Vec<String> = s
                .destinations
                .iter()
                .filter_map(|d| {
                    let h = d.health()?;
                    (h.up == Some(false)).then(|| {
                        format!(
                            "destination {}: down ({}); reports are accepted, copies wait in \
                             its outbox\n",
                            d.name(),
                            h.last_error
                        )
                    })
                })
                .collect();
            if let Some(full) = out_of_memory(&s.store).await {
                (StatusCode::SERVICE_UNAVAILABLE, full)
            } else {
                (StatusCode::OK, format!("ready\n{}", down.concat()))
            }
        }
        Ok(Err(e)) => (StatusCode::SERVICE_UNAVAILABLE, format!("redis: {e}\n")),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "redis: no answer within 1s\n".to_owned(),
        ),
    }
}
