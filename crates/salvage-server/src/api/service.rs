//! The `Salvage` gRPC service: `Report` and `ReportStream`. Reports in flight are bounded by one
//! [`Budget`] (count and bytes) shared by both RPCs: unary calls are charged before their body is
//! read (`budget.rs`), stream requests here; over budget is RESOURCE_EXHAUSTED. A stream keeps up
//! to `server.stream_window` of its requests in flight and answers them in order. On shutdown a stream stops reading new requests, answers
//! those it read, and ends, so open streams never hold the process up.

use std::{pin::Pin, time::Instant};

use futures::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use super::{budget::Budget, convert, drain};
use crate::{
    proto::v1::{self as pb, salvage_server::Salvage},
    shutdown::ShutdownSignal,
    workflow::{
        Processor, ReportError,
        trace::{TRACEPARENT, TRACESTATE, TraceContext},
    },
};

/// The service implementation.
#[derive(Debug, Clone)]
pub struct SalvageService {
    processor: Processor,
    budget: Budget,
    stream_window: usize,
    shutdown: ShutdownSignal,
}

impl SalvageService {
    /// A service over `processor`; stream requests are charged to `budget` (unary calls are
    /// charged by [`super::budget::Shed`], which must wrap this service).
    pub fn new(
        processor: Processor,
        budget: Budget,
        stream_window: usize,
        shutdown: ShutdownSignal,
    ) -> Self {
        Self {
            processor,
            budget,
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
        let result = async {
            let mut report = convert::report_of(req)?;
            report.trace = trace;
            self.processor
                .report(report)
                .await
                .map(convert::response_of)
        }
        .await;
        // Rejections from conversion and from the processor's checks alike, counted once here.
        if let Err(ReportError::Invalid { field, .. }) = &result {
            self.processor.metrics().rejected(field);
        }
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
            self.handle(req, "unary", trace)
                .await
                .map_err(convert::status_of)
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
                            // Over budget: answered in line at once.
                            match service.budget.try_charge(prost::Message::encoded_len(&req)) {
                                Err(status) => Err(status),
                                Ok(charge) => {
                                    let work = async {
                                        service
                                            .handle(req, "stream", trace)
                                            .await
                                            .map_err(convert::status_of)
                                    };
                                    let done =
                                        drain::unless_abandoned(&service.shutdown, work).await;
                                    drop(charge);
                                    done
                                }
                            }
                        }
                        Err(undecodable) => Err(undecodable),
                    };
                    Ok(match result {
                        Ok(resp) => resp,
                        // A failed request is answered in line and the stream goes on.
                        Err(status) => in_line(&status),
                    })
                }
            })
            .buffered(window);
        Box::pin(responses)
    }
}

/// A failed stream request's answer: the status `Report` would have returned, in line.
fn in_line(status: &Status) -> pb::ReportResponse {
    pb::ReportResponse {
        error: status.message().to_owned(),
        error_code: status.code() as u32,
        ..Default::default()
    }
}
