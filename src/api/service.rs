//! The `Salvage` gRPC service: `Report` and `ReportStream`. Concurrency is bounded by one
//! semaphore shared by both RPCs; a stream keeps up to `server.stream_window` of its requests in
//! flight and answers them in order. On shutdown a stream stops reading new requests, answers
//! those it read, and ends, so open streams never hold the process up.

use std::{pin::Pin, sync::Arc, time::Instant};

use futures::{Stream, StreamExt};
use tokio::sync::Semaphore;
use tonic::{Request, Response, Status, Streaming};

use super::drain;
use crate::{
    proto::v1::{self as pb, salvage_server::Salvage},
    shutdown::ShutdownSignal,
    workflow::{
        FailureReport, Processor, ReportError,
        trace::{TRACEPARENT, TRACESTATE, TraceContext},
    },
};

/// The service implementation.
#[derive(Debug, Clone)]
pub struct SalvageService {
    processor: Processor,
    in_flight: Arc<Semaphore>,
    stream_window: usize,
    shutdown: ShutdownSignal,
}

impl SalvageService {
    /// A service over `processor`, with at most `max_in_flight` reports processed at once.
    pub fn new(
        processor: Processor,
        max_in_flight: usize,
        stream_window: usize,
        shutdown: ShutdownSignal,
    ) -> Self {
        let in_flight = Arc::new(Semaphore::new(max_in_flight));
        Self {
            processor,
            in_flight,
            stream_window,
            shutdown,
        }
    }

    async fn handle(
        &self,
        req: pb::ReportRequest,
        rpc: &'static str,
        trace: Option<TraceContext>,
    ) -> Result<pb::ReportResponse, ReportError> {
        let started = Instant::now();
        // The semaphore is never closed, so acquiring cannot fail; waiting here is back-pressure.
        let permit = self.in_flight.acquire().await.ok();
        let result = async {
            let mut report = FailureReport::try_from(req)?;
            report.trace = trace;
            self.processor
                .report(report)
                .await
                .map(pb::ReportResponse::from)
        }
        .await;
        // Rejections from conversion and from the processor's checks alike, counted once here.
        if let Err(ReportError::Invalid { field, .. }) = &result {
            self.processor.metrics().rejected(field);
        }
        drop(permit);
        self.processor
            .metrics()
            .report_duration(rpc, started.elapsed().as_secs_f64());
        result
    }
}

/// The W3C trace context in a call's metadata, if any (malformed ones are ignored).
pub(super) fn trace_of(metadata: &tonic::metadata::MetadataMap) -> Option<TraceContext> {
    let get = |k: &str| metadata.get(k).and_then(|v| v.to_str().ok()).unwrap_or("");
    TraceContext::parse(get(TRACEPARENT), get(TRACESTATE))
}

pub(super) type ResponseStream =
    Pin<Box<dyn Stream<Item = Result<pb::ReportResponse, Status>> + Send>>;

#[tonic::async_trait]
impl Salvage for SalvageService {
    async fn report(
        &self,
        request: Request<pb::ReportRequest>,
    ) -> Result<Response<pb::ReportResponse>, Status> {
        let trace = trace_of(request.metadata());
        let work = async {
            let req = request.into_inner();
            self.handle(req, "unary", trace).await.map_err(Status::from)
        };
        let resp = drain::unless_abandoned(&self.shutdown, work).await?;
        Ok(Response::new(resp))
    }

    type ReportStreamStream = ResponseStream;

    async fn report_stream(
        &self,
        request: Request<Streaming<pb::ReportRequest>>,
    ) -> Result<Response<Self::ReportStreamStream>, Status> {
        // Served through `report_stream.rs` (undecodable requests answered in line); this is
        // the same stream for callers of the generated server.
        let trace = trace_of(request.metadata());
        let requests = request.into_inner().map(|item| item.map(Ok));
        Ok(Response::new(self.answer_stream(requests, trace)))
    }
}

impl SalvageService {
    /// Answer a stream of requests in order, up to `stream_window` at once. An item `Ok(Err)` is
    /// a request that could not be decoded: answered in line like any invalid request, and the
    /// stream goes on. An item `Err` is a transport error: the stream ends with it after the
    /// requests before it are answered.
    pub(super) fn answer_stream(
        &self,
        requests: impl Stream<Item = Result<Result<pb::ReportRequest, Status>, Status>> + Send + 'static,
        trace: Option<TraceContext>,
    ) -> ResponseStream {
        let service = self.clone();
        let window = self.stream_window;
        // The stream call's context applies to each of its reports.
        let mut stop = self.shutdown.clone();
        let responses = requests
            // On shutdown, stop reading; what was read is still answered below.
            .take_until(async move { stop.recv().await })
            .map(move |item| {
                let service = service.clone();
                let trace = trace.clone();
                async move {
                    let result = match item? {
                        Ok(req) => {
                            let work = async {
                                service
                                    .handle(req, "stream", trace)
                                    .await
                                    .map_err(Status::from)
                            };
                            drain::unless_abandoned(&service.shutdown, work).await
                        }
                        Err(undecodable) => Err(undecodable),
                    };
                    Ok(match result {
                        Ok(resp) => resp,
                        // A failed request is answered in line and the stream goes on.
                        Err(status) => pb::ReportResponse {
                            error: status.message().to_owned(),
                            error_code: status.code() as u32,
                            ..Default::default()
                        },
                    })
                }
            })
            .buffered(window);
        Box::pin(responses)
    }
}
