//! Serving the admin router (metrics, health, console) over HTTP/1.1, in the clear or with TLS,
//! with the limits a port reachable by people needs: a connection must send a request's headers
//! within `admin.header_timeout` of being ready for one (so a silent, slow or idle client is
//! disconnected), and a request's body must arrive within `admin.body_timeout` (else 408). Each
//! request carries its client's address (`ConnectInfo<SocketAddr>`) for the sign-in limit.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    body::{Body, HttpBody},
    extract::{ConnectInfo, Request, State},
    http::StatusCode,
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use hyper::server::conn::http1;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use tokio::net::TcpListener;
use tower::ServiceExt;
use tracing::debug;

use crate::tls;

/// Bodies larger than this are refused before any handler runs (handlers set tighter limits).
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// How the admin server serves.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// TLS, when configured.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// See `admin.header_timeout`.
    pub header_timeout: Duration,
    /// See `admin.body_timeout`.
    pub body_timeout: Duration,
}

/// Serve `app` on `listener` until `stop` completes, then let open requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    options: ServeOptions,
    stop: impl Future<Output = ()>,
) {
    let app = app.layer(middleware::from_fn_with_state(
        options.body_timeout,
        read_body_in_time,
    ));
    let mut conns = tls::accept(listener, options.tls);
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let (conn, peer) = tokio::select! {
            c = conns.recv() => match c {
                Some(c) => c,
                None => break,
            },
            () = &mut stop => break,
        };
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let mut req = req.map(Body::new);
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                app.clone().oneshot(req)
            });
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(options.header_timeout);
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(conn), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                debug!(%peer, error = %e, "admin connection ended with an error");
            }
        });
    }
    drop(conns);
    graceful.shutdown().await;
}

/// Read the whole body within `limit` before the handler runs: a client sending it slowly gets
/// 408 and its connection closed, instead of holding a handler.
async fn read_body_in_time(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    if req.body().is_end_stream() {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(limit, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(Err(e)) => (
            StatusCode::BAD_REQUEST,
            format!("cannot read the request body (at most {MAX_BODY_BYTES} bytes): {e}\n"),
        )
            .into_response(),
        Err(_) => (
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {} (admin.body_timeout)\n",
                humantime::format_duration(limit)
            ),
        )
            .into_response(),
    }
}
