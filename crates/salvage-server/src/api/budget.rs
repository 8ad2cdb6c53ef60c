//! The in-flight budget of the `Salvage` service: how many reports (`server.max_in_flight`) and
//! how many request bytes (`server.max_in_flight_bytes`) are being worked on at once. Over
//! either, a report is answered `RESOURCE_EXHAUSTED` at once instead of waiting, so memory follows
//! the budget, not the number of callers.
//!
//! Unary `Report` calls are charged by [`Shed`] before tonic reads their body: the call count when
//! the HTTP/2 request arrives, and the message's bytes as soon as its 5-byte gRPC length prefix
//! is read (before the message is buffered and decoded). A `ReportStream` request is charged by
//! the service after decoding it (a stream's read-ahead is bounded by `server.stream_window` and
//! the HTTP/2 stream window), and answered in line when over budget.
//!
//! A message larger than `server.max_message_bytes` is not charged here: tonic refuses it with
//! `OUT_OF_RANGE` ("decoded message length too large") before buffering it.

use std::{
    pin::Pin,
    sync::{Arc, Mutex, PoisonError},
    task::{Context, Poll},
};

use bytes::{Buf, Bytes};
use http_body::Frame;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};
use tonic::{Status, body::Body, server::NamedService};

use crate::config::ServerSettings;

/// The unary call that [`Shed`] charges before its body is read.
const REPORT_PATH: &str = "/salvage.v1.Salvage/Report";
/// The gRPC length-prefixed message header: compression flag (1 byte) and length (4 bytes).
const PREFIX: usize = 5;

/// HTTP/2 flow-control window of one call: what a client may send before Salvage reads it.
const STREAM_WINDOW: u32 = 64 * 1024;
/// HTTP/2 flow-control window of one connection (all its calls together).
const CONNECTION_WINDOW: u32 = 1024 * 1024;

/// The gRPC port's HTTP/2 limits, so request bytes Salvage has not read yet stay bounded per
/// connection (`CONNECTION_WINDOW`) and per call (`STREAM_WINDOW`), and one connection opens at
/// most `server.max_concurrent_streams` calls at once.
pub fn http2_limits(
    server: tonic::transport::Server,
    settings: &ServerSettings,
) -> tonic::transport::Server {
    server
        .max_concurrent_streams(settings.max_concurrent_streams)
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .http2_adaptive_window(Some(false))
}

/// Counts and bytes in flight, shared by both RPCs.
#[derive(Debug, Clone)]
pub struct Budget {
    calls: Arc<Semaphore>,
    bytes: Arc<Semaphore>,
    max_calls: usize,
    max_bytes: usize,
    max_message: usize,
}

/// What one report holds of the budget; given back when dropped.
#[derive(Debug, Default)]
pub struct Charge {
    _call: Option<OwnedSemaphorePermit>,
    bytes: Option<OwnedSemaphorePermit>,
}

impl Budget {
    /// The budget `settings` configure.
    pub fn from_settings(settings: &ServerSettings) -> Self {
        Self::new(
            settings.max_in_flight,
            settings.max_in_flight_bytes,
            settings.max_message_bytes,
        )
    }

    /// A budget of `max_calls` reports and `max_bytes` request bytes at once, for messages of at
    /// most `max_message` bytes (larger ones are refused by the decoder, not charged here).
    pub fn new(max_calls: usize, max_bytes: usize, max_message: usize) -> Self {
        let cap = |n: usize| n.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            calls: Arc::new(Semaphore::new(cap(max_calls))),
            bytes: Arc::new(Semaphore::new(cap(max_bytes))),
            max_calls,
            max_bytes,
            max_message,
        }
    }

    /// Take one report's place, or RESOURCE_EXHAUSTED.
    fn try_call(&self) -> Result<OwnedSemaphorePermit, Status> {
        self.calls.clone().try_acquire_owned().map_err(|e| {
            self.refused(
                e,
                format!(
                    "too many reports in flight (server.max_in_flight = {}): nothing was \
                     recorded; keep the message and report it again after a backoff",
                    self.max_calls
                ),
            )
        })
    }

    /// Take `len` bytes, or RESOURCE_EXHAUSTED. A message over `max_message` is let through
    /// uncharged: the decoder refuses it without buffering it.
    fn try_bytes(&self, len: usize) -> Result<Option<OwnedSemaphorePermit>, Status> {
        if len > self.max_message || len == 0 {
            return Ok(None);
        }
        let n = u32::try_from(len).unwrap_or(u32::MAX);
        self.bytes
            .clone()
            .try_acquire_many_owned(n)
            .map(Some)
            .map_err(|e| {
                self.refused(
                    e,
                    format!(
                        "too many report bytes in flight (server.max_in_flight_bytes = {}): \
                         nothing was recorded; keep the message and report it again after a \
                         backoff",
                        self.max_bytes
                    ),
                )
            })
    }

    /// Charge one decoded stream request of `len` encoded bytes (count and bytes).
    pub fn try_charge(&self, len: usize) -> Result<Charge, Status> {
        let call = self.try_call()?;
        let bytes = self.try_bytes(len)?;
        Ok(Charge {
            _call: Some(call),
            bytes,
        })
    }

    fn refused(&self, e: TryAcquireError, message: String) -> Status {
        match e {
            TryAcquireError::NoPermits => Status::resource_exhausted(message),
            // The semaphores are never closed.
            TryAcquireError::Closed => Status::unavailable("Salvage is stopping"),
        }
    }
}

/// Wraps the `Salvage` gRPC service: charges each unary `Report` before tonic reads its body,
/// and answers RESOURCE_EXHAUSTED (trailers only, the body left unread) when over budget.
#[derive(Debug, Clone)]
pub struct Shed<S> {
    inner: S,
    budget: Budget,
}

impl<S> Shed<S> {
    /// `inner`, charged against `budget`.
    pub fn new(inner: S, budget: Budget) -> Self {
        Self { inner, budget }
    }
}

impl<S: NamedService> NamedService for Shed<S> {
    const NAME: &'static str = S::NAME;
}

type Held = Arc<Mutex<Charge>>;

impl<S> tower_service::Service<http::Request<Body>> for Shed<S>
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
        if req.uri().path() != REPORT_PATH {
            return Box::pin(self.inner.call(req));
        }
        let call = match self.budget.try_call() {
            Ok(call) => call,
            Err(status) => return Box::pin(std::future::ready(Ok(status.into_http()))),
        };
        let held: Held = Arc::new(Mutex::new(Charge {
            _call: Some(call),
            bytes: None,
        }));
        let budget = self.budget.clone();
        let body_held = held.clone();
        let req = req.map(|body| {
            Body::new(Metered {
                inner: body,
                budget,
                held: body_held,
                header: Vec::with_capacity(PREFIX),
                remaining: 0,
            })
        });
        let fut = self.inner.call(req);
        Box::pin(async move {
            let response = fut.await;
            // The handler has answered: the request is gone, give its share back.
            drop(held);
            response
        })
    }
}

/// A request body that reads each gRPC message's length prefix as it passes and charges its
/// bytes before handing the frame on, so an over-budget message is refused before tonic buffers
/// it.
struct Metered {
    inner: Body,
    budget: Budget,
    held: Held,
    /// Prefix bytes of the next message read so far.
    header: Vec<u8>,
    /// Bytes of the current message's body still to come.
    remaining: usize,
}

impl Metered {
    /// Walk `data`'s framing; charge each message whose prefix completes here.
    fn charge(&mut self, mut data: &[u8]) -> Result<(), Status> {
        while !data.is_empty() {
            if self.remaining > 0 {
                let n = self.remaining.min(data.len());
                self.remaining -= n;
                data.advance(n);
                continue;
            }
            let n = (PREFIX - self.header.len()).min(data.len());
            self.header.extend_from_slice(&data[..n]);
            data.advance(n);
            if self.header.len() == PREFIX {
                let len = u32::from_be_bytes([
                    self.header[1],
                    self.header[2],
                    self.header[3],
                    self.header[4],
                ]) as usize;
                self.header.clear();
                self.remaining = len;
                if let Some(permit) = self.budget.try_bytes(len)? {
                    let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
                    // A unary call holds one message; a second one (a malformed call) keeps
                    // the larger share, and tonic refuses the call anyway.
                    if held.bytes.as_ref().is_none_or(|p| p.num_permits() < len) {
                        held.bytes = Some(permit);
                    }
                }
            }
        }
        Ok(())
    }
}

impl http_body::Body for Metered {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref()
                    && let Err(status) = this.charge(data)
                {
                    return Poll::Ready(Some(Err(status)));
                }
                Poll::Ready(Some(Ok(frame)))
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metered(budget: &Budget) -> Metered {
        Metered {
            inner: Body::empty(),
            budget: budget.clone(),
            held: Arc::new(Mutex::new(Charge::default())),
            header: Vec::new(),
            remaining: 0,
        }
    }

    fn message(len: u32) -> Vec<u8> {
        let mut m = vec![0];
        m.extend_from_slice(&len.to_be_bytes());
        m.resize(PREFIX + len as usize, 7);
        m
    }

    #[test]
    fn a_prefix_split_across_frames_is_charged_once_complete() {
        let budget = Budget::new(10, 1_000, 1_000);
        let mut body = metered(&budget);
        let m = message(300);
        body.charge(&m[..3]).unwrap();
        assert_eq!(budget.bytes.available_permits(), 1_000);
        body.charge(&m[3..100]).unwrap();
        assert_eq!(budget.bytes.available_permits(), 700);
        body.charge(&m[100..]).unwrap();
        assert_eq!(body.remaining, 0);
        drop(body);
        assert_eq!(
            budget.bytes.available_permits(),
            1_000,
            "given back on drop"
        );
    }

    #[test]
    fn over_the_byte_budget_is_resource_exhausted() {
        let budget = Budget::new(10, 500, 1_000);
        let _first = budget.try_charge(400).unwrap();
        let mut body = metered(&budget);
        let err = body.charge(&message(200)).unwrap_err();
        assert_eq!(err.code(), tonic::Code::ResourceExhausted);
        assert!(err.message().contains("server.max_in_flight_bytes"));
    }

    #[test]
    fn over_the_count_is_resource_exhausted() {
        let budget = Budget::new(1, 500, 1_000);
        let first = budget.try_charge(10).unwrap();
        let err = budget.try_charge(10).unwrap_err();
        assert_eq!(err.code(), tonic::Code::ResourceExhausted);
        assert!(err.message().contains("server.max_in_flight"));
        drop(first);
        assert!(budget.try_charge(10).is_ok());
    }

    #[test]
    fn an_oversized_message_is_left_to_the_decoder() {
        let budget = Budget::new(10, 500, 1_000);
        let mut body = metered(&budget);
        body.charge(&message(2_000)[..50]).unwrap();
        assert_eq!(budget.bytes.available_permits(), 500);
    }
}
