//! The `Salvage` gRPC service: `Report` and `ReportStream`. Concurrency is bounded by one
//! semaphore shared by both RPCs; a stream keeps up to `server.stream_window` of its requests in
//! flight and answers them in order.

use std::{pin::Pin, sync::Arc, time::Instant};

use futures::{Stream, StreamExt, future};
use tokio::sync::Semaphore;
use tonic::{Request, Response, Status, Streaming};

use crate::{
    proto::v1::{self as pb, salvage_server::Salvage},
    workflow::{FailureReport, Processor, ReportError},
};

/// The service implementation.
#[derive(Debug, Clone)]
pub struct SalvageService {
    processor: Processor,
    in_flight: Arc<Semaphore>,
    stream_window: usize,
}

impl SalvageService {
    /// A service over `processor`, with at most `max_in_flight` reports processed at once.
    pub fn new(processor: Processor, max_in_flight: usize, stream_window: usize) -> Self {
        Self {
            processor,
            in_flight: Arc::new(Semaphore::new(max_in_flight)),
            stream_window,
        }
    }

    async fn handle(
        &self,
        req: pb::ReportRequest,
        rpc: &'static str,
    ) -> Result<pb::ReportResponse, ReportError> {
        let started = Instant::now();
        // The semaphore is never closed, so acquiring cannot fail; waiting here is back-pressure.
        let _permit = self.in_flight.acquire().await.ok();
        let report = FailureReport::try_from(req).inspect_err(|e| {
            if let ReportError::Invalid { field, .. } = e {
                self.processor.metrics().rejected(field);
            }
        })?;
        let result = self
            .processor
            .report(report)
            .await
            .map(pb::ReportResponse::from);
        self.processor
            .metrics()
            .report_duration(rpc, started.elapsed().as_secs_f64());
        result
    }
}

type ResponseStream = Pin<Box<dyn Stream<Item = Result<pb::ReportResponse, Status>> + Send>>;

#[tonic::async_trait]
impl Salvage for SalvageService {
    async fn report(
        &self,
        request: Request<pb::ReportRequest>,
    ) -> Result<Response<pb::ReportResponse>, Status> {
        let resp = self.handle(request.into_inner(), "unary").await?;
        Ok(Response::new(resp))
    }

    type ReportStreamStream = ResponseStream;

    async fn report_stream(
        &self,
        request: Request<Streaming<pb::ReportRequest>>,
    ) -> Result<Response<Self::ReportStreamStream>, Status> {
        let service = self.clone();
        let window = self.stream_window;
        let responses = request
            .into_inner()
            .map(move |item| {
                let service = service.clone();
                async move {
                    let req = item?;
                    match service.handle(req, "stream").await {
                        Ok(resp) => Ok(resp),
                        // An invalid request is answered in line and the stream goes on.
                        Err(e @ ReportError::Invalid { .. }) => Ok(pb::ReportResponse {
                            error: e.to_string(),
                            ..Default::default()
                        }),
                        Err(e) => Err(Status::from(e)),
                    }
                }
            })
            .buffered(window)
            // After the first error the stream ends with it: later requests are not answered
            // (and were not recorded unless already committed, in which case a re-report is a
            // DUPLICATE).
            .scan(false, |failed, item| {
                if *failed {
                    return future::ready(None);
                }
                *failed = item.is_err();
                future::ready(Some(item))
            });
        Ok(Response::new(Box::pin(responses)))
    }
}
