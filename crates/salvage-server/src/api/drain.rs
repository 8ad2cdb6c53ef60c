//! What a call in flight gets when Salvage stops. While draining (`server.shutdown_grace`), calls
//! finish as usual; once the grace period is over, each one still waiting (for Redis, most
//! likely) is answered UNAVAILABLE at once, instead of being cut off with its connection (which a
//! client sees as CANCELLED or a reset, with no hint of what to do). The parking-lot port's calls
//! get the same treatment through [`Abandon`].

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use tonic::{Status, body::Body, server::NamedService};

use crate::shutdown::ShutdownSignal;

/// The status of a report abandoned at the end of the grace period. Its script may have reached
/// Redis, so the text does not claim that nothing was recorded.
pub(super) fn abandoned() -> Status {
    Status::unavailable(
        "Salvage is shutting down and stopped waiting for this report's outcome: it may or may \
         not have been recorded. Keep the message and report it again (a recorded report is \
         answered DUPLICATE)",
    )
}

/// `work`'s result, or [`abandoned`] if the grace period ends first.
pub(super) async fn unless_abandoned<T>(
    shutdown: &ShutdownSignal,
    work: impl Future<Output = Result<T, Status>>,
) -> Result<T, Status> {
    let mut shutdown = shutdown.clone();
    tokio::select! {
        biased;
        result = work => result,
        () = shutdown.abandoned() => Err(abandoned()),
    }
}

/// The status of a parking-lot call abandoned at the end of the grace period: a change it asked
/// for may have reached Redis.
pub const PARKING_LOT_ABANDONED: &str = "Salvage is shutting down and stopped waiting for Redis to \
     answer this call: a change it asked for may or may not have been made. Look (GetParked, \
     GetRun) before calling again";

/// Wraps a gRPC service (the parking lot's) so that a call still waiting when the grace period
/// ends is answered UNAVAILABLE with `message`, instead of being cut off with its connection.
/// A streaming answer that has begun is not touched: its stream ends on the stop by itself.
#[derive(Debug, Clone)]
pub struct Abandon<S> {
    inner: S,
    shutdown: ShutdownSignal,
    message: &'static str,
}

impl<S> Abandon<S> {
    /// `inner`, its calls abandoned on `shutdown`'s second phase with `message`.
    pub fn new(inner: S, shutdown: ShutdownSignal, message: &'static str) -> Self {
        Self {
            inner,
            shutdown,
            message,
        }
    }
}

impl<S: NamedService> NamedService for Abandon<S> {
    const NAME: &'static str = S::NAME;
}

impl<S> tower_service::Service<http::Request<Body>> for Abandon<S>
where
    S: tower_service::Service<http::Request<Body>, Response = http::Response<Body>>
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future =
        Pin<Box<dyn Future<Output = Result<http::Response<Body>, S::Error>> + Send + 'static>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        let fut = self.inner.call(req);
        let mut shutdown = self.shutdown.clone();
        let message = self.message;
        Box::pin(async move {
            tokio::select! {
                biased;
                response = fut => response,
                () = shutdown.abandoned() => Ok(Status::unavailable(message).into_http()),
            }
        })
    }
}
