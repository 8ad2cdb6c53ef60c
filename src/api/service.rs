//! The `Salvage` gRPC service: `Report` and `ReportStream`. Reports in flight are bounded by one
//! [`Budget`] (count and bytes) shared by both RPCs: unary calls are charged before their body is
//! read (`budget.rs`), stream requests here; over budget is RESOURCE_EXHAUSTED. A stream keeps up
//! to `server.stream_window` of its requests in flight and answers them in order. On shutdown a stream stops reading new requests, answers
//! those it read, and ends, so open streams never hold the process up.

use std::{pin::Pin, time::Instant};

use futures::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use super::budget::Budget;
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
        self.processor
            .metrics()
            .report_duration(rpc, started.elapsed().as_secs_f64());
        result
    }
}

/// The W3C trace context in a call's metadata, if any (malformed ones are ignored).
fn trace_of(metadata: &tonic::metadata::MetadataMap) -> Option<TraceContext> {
    let get = |k: &str| metadata.get(k).and_then(|v| v.to_str().ok()).unwrap_or("");
    TraceContext::parse(get(TRACEPARENT), get(TRACESTATE))
}

type ResponseStream = Pin<Box<dyn Stream<Item = Result<pb::ReportResponse, Status>> + Send>>;

#[tonic::async_trait]
impl Salvage for SalvageService {
    async fn report(
        &self,
        request: Request<pb::ReportRequest>,
    ) -> Result<Response<pb::ReportResponse>, Status> {
        let trace = trace_of(request.metadata());
        let resp = self.handle(request.into_inner(), "unary", trace).await?;
        Ok(Response::new(resp))
    }

    type ReportStreamStream = ResponseStream;

    async fn report_stream(
        &self,
        request: Request<Streaming<pb::ReportRequest>>,
    ) -> Result<Response<Self::ReportStreamStream>, Status> {
        let service = self.clone();
        let window = self.stream_window;
        // The stream call's context applies to each of its reports.
        let trace = trace_of(request.metadata());
        let mut stop = self.shutdown.clone();
        let responses = request
            .into_inner()
            // On shutdown, stop reading; what was read is still answered below.
            .take_until(async move { stop.recv().await })
            .map(move |item| {
                let service = service.clone();
                let trace = trace.clone();
                async move {
                    let req = item?;
                    // Over budget: answered in line at once, the request dropped unread.
                    let charge = match service.budget.try_charge(prost::Message::encoded_len(&req))
                    {
                        Ok(charge) => charge,
                        Err(status) => return Ok(in_line(&status)),
                    };
                    let result = service.handle(req, "stream", trace).await;
                    drop(charge);
                    Ok(match result {
                        Ok(resp) => resp,
                        // A failed request is answered in line and the stream goes on.
                        Err(e) => in_line(&Status::from(e)),
                    })
                }
            })
            .buffered(window);
        Ok(Response::new(Box::pin(responses)))
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
