//! `salvage.v1.Salvage` as served: the generated server for `Report`, and `ReportStream` read as
//! raw frames and decoded here, so one request that is not a valid `ReportRequest` is answered in
//! line (`error_code` 3, INVALID_ARGUMENT) and the stream goes on.
//!
//! Why not the generated `ReportStream`: tonic's `Streaming` decodes each frame with the codec,
//! and after a decode error it stays in the middle of that frame (its state is reset only by a
//! successful decode), so nothing after a bad frame could be read. Reading each frame's bytes
//! first keeps the framing intact whatever the bytes are. A frame over the size limit is refused
//! by tonic before its bytes are read, so the stream cannot continue past it: that ends the
//! stream with tonic's OUT_OF_RANGE after the requests before it are answered.

use std::{convert::Infallible, future::Future, pin::Pin};

use prost::{Message, bytes::Bytes};
use tonic::{
    Status, Streaming,
    body::Body,
    codegen::{BoxFuture, Context, Poll, Service, StdError, http},
    server::{Grpc, NamedService, StreamingService},
};

use salvage_proto::codec::{FrameCodec, malformed};

use super::service::{ResponseStream, SalvageService, trace_of};
use crate::proto::v1::{self as pb, salvage_server::SalvageServer};

const REPORT_STREAM_PATH: &str = "/salvage.v1.Salvage/ReportStream";

/// The `salvage.v1.Salvage` service for a tonic server (`add_service`).
#[derive(Debug, Clone)]
pub struct SalvageApi {
    generated: SalvageServer<SalvageService>,
    service: SalvageService,
    max_decoding_message_size: Option<usize>,
}

impl SalvageApi {
    /// Serve `service`.
    pub fn new(service: SalvageService) -> Self {
        Self {
            generated: SalvageServer::new(service.clone()),
            service,
            max_decoding_message_size: None,
        }
    }

    /// The largest request accepted, in bytes (tonic's default: 4 MiB). A larger one is refused
    /// with OUT_OF_RANGE, and ends a `ReportStream`.
    #[must_use]
    pub fn max_decoding_message_size(mut self, limit: usize) -> Self {
        self.generated = self.generated.max_decoding_message_size(limit);
        self.max_decoding_message_size = Some(limit);
        self
    }
}

impl NamedService for SalvageApi {
    const NAME: &'static str = <SalvageServer<SalvageService> as NamedService>::NAME;
}

impl<B> Service<http::Request<B>> for SalvageApi
where
    B: tonic::codegen::Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        if req.uri().path() != REPORT_STREAM_PATH {
            return self.generated.call(req);
        }
        let frames = Frames(self.service.clone());
        let mut grpc = Grpc::new(FrameCodec::<pb::ReportResponse>::default());
        if let Some(limit) = self.max_decoding_message_size {
            grpc = grpc.max_decoding_message_size(limit);
        }
        Box::pin(async move { Ok(grpc.streaming(frames, req).await) })
    }
}

/// `ReportStream` over undecoded frames.
struct Frames(SalvageService);

impl StreamingService<Bytes> for Frames {
    type Response = pb::ReportResponse;
    type ResponseStream = ResponseStream;
    type Future =
        Pin<Box<dyn Future<Output = Result<tonic::Response<ResponseStream>, Status>> + Send>>;

    fn call(&mut self, request: tonic::Request<Streaming<Bytes>>) -> Self::Future {
        let service = self.0.clone();
        Box::pin(async move {
            let trace = trace_of(request.metadata());
            let requests = futures::StreamExt::map(request.into_inner(), |frame| {
                frame.map(|bytes| {
                    pb::ReportRequest::decode(bytes).map_err(|e| malformed::<pb::ReportRequest>(&e))
                })
            });
            Ok(tonic::Response::new(service.answer_stream(requests, trace)))
        })
    }
}
