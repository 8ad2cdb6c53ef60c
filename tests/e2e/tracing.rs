//! W3C trace context through repairs: read from gRPC metadata or the message's headers, carried
//! into the requeued copy's headers, and (when configured) exported over OTLP.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
    trace_service_server::{TraceService, TraceServiceServer},
};
use salvage::proto::v1 as pb;

use crate::support::*;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn headers_of(entry: &HashMap<String, String>) -> HashMap<String, String> {
    serde_json::from_str(&entry["headers"]).unwrap()
}

/// (trace id, span id, flags) of a traceparent.
fn parts(traceparent: &str) -> (String, String, String) {
    let p: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(p.len(), 4, "{traceparent}");
    assert_eq!(p[0], "00");
    (p[1].to_owned(), p[2].to_owned(), p[3].to_owned())
}

fn with_metadata(req: pb::ReportRequest, traceparent: &str) -> tonic::Request<pb::ReportRequest> {
    let mut r = tonic::Request::new(req);
    r.metadata_mut()
        .insert("traceparent", traceparent.parse().unwrap());
    r.metadata_mut()
        .insert("tracestate", "vendor=salvage-test".parse().unwrap());
    r
}

#[tokio::test]
async fn trace_context_from_metadata_reaches_the_requeued_copy() {
    let app = spawn_app().await;
    let mut client = app.client();
    let req = with_metadata(order_total_as_string("o-t1"), PARENT);
    client.report(req).await.unwrap();
    let copy = &app.await_stream("orders", 1).await[0];
    let h = headers_of(copy);
    let (trace, span, flags) = parts(&h["traceparent"]);
    assert_eq!(trace, TRACE, "the copy joins the caller's trace");
    assert_ne!(
        span, "00f067aa0ba902b7",
        "with Salvage's span as its parent"
    );
    assert_eq!(span.len(), 16);
    assert_eq!(flags, "01");
    assert_eq!(h["tracestate"], "vendor=salvage-test");

    // The consumer fails on the copy again and reports it with the copy's headers: the next copy
    // is still in the same trace, one hop further.
    let mut again = order_total_as_string("o-t1");
    message(&mut again).headers = h.clone();
    client.report(again).await.unwrap();
    let next = headers_of(&app.await_stream("orders", 2).await[1]);
    let (trace2, span2, _) = parts(&next["traceparent"]);
    assert_eq!(trace2, TRACE);
    assert_ne!(span2, span);
}

#[tokio::test]
async fn trace_context_from_the_message_headers_is_used_without_metadata() {
    let app = spawn_app().await;
    let mut client = app.client();
    let mut req = gateway_timeout("pay-t2");
    message(&mut req)
        .headers
        .insert("TraceParent".to_owned(), PARENT.to_owned());
    let resp = client.report(req).await.unwrap().into_inner();
    assert_eq!(resp.outcome(), pb::Outcome::RetryScheduled);
    // The retried copy (after its backoff) carries the trace, and only one traceparent.
    let entries = eventually(Duration::from_secs(10), || async {
        let e = app.stream("payments").await;
        (!e.is_empty()).then_some(e)
    })
    .await
    .expect("the retry is delivered");
    let h = headers_of(&entries[0]);
    let (trace, span, _) = parts(&h["traceparent"]);
    assert_eq!(trace, TRACE);
    assert_ne!(span, "00f067aa0ba902b7");
    assert!(
        !h.contains_key("TraceParent"),
        "the old header is replaced: {h:?}"
    );
}

#[tokio::test]
async fn a_report_without_context_starts_a_trace_and_a_malformed_one_is_ignored() {
    let app = spawn_app().await;
    let mut client = app.client();
    client.report(order_total_as_string("o-t3")).await.unwrap();
    let req = with_metadata(order_total_as_string("o-t4"), "00-nonsense-01");
    client
        .report(req)
        .await
        .expect("a bad traceparent does not fail the report");
    let entries = app.await_stream("orders", 2).await;
    let (t1, _, _) = parts(&headers_of(&entries[0])["traceparent"]);
    let (t2, _, _) = parts(&headers_of(&entries[1])["traceparent"]);
    assert_eq!(t1.len(), 32);
    assert_ne!(t1, "0".repeat(32));
    assert_ne!(t1, t2, "two new traces");
}

/// A minimal OTLP collector: keeps every span it is sent.
#[derive(Default, Clone)]
struct Collector {
    spans: Arc<Mutex<Vec<opentelemetry_proto::tonic::trace::v1::Span>>>,
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut spans = self.spans.lock().unwrap();
        for rs in request.into_inner().resource_spans {
            for ss in rs.scope_spans {
                spans.extend(ss.spans);
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tokio::test]
async fn spans_are_exported_over_otlp_when_configured() {
    let collector = Collector::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(collector.clone()))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let extra = format!("[telemetry]\notlp_endpoint = \"http://{addr}\"\n");
    let salvage = Process::start(dir.path(), "otlp", &redis.url(), &extra).await;
    let mut client = salvage.client().await;
    let resp = client
        .report(with_metadata(order_total_as_string("o-otlp"), PARENT))
        .await
        .unwrap()
        .into_inner();
    let span = eventually(Duration::from_secs(20), || async {
        let spans = collector.spans.lock().unwrap();
        spans
            .iter()
            .find(|s| {
                s.name == "report"
                    && s.attributes.iter().any(|a| {
                        a.key == "tracking_id"
                            && format!("{:?}", a.value).contains(&resp.tracking_id)
                    })
            })
            .cloned()
    })
    .await
    .expect("the report's span reaches the collector");
    assert_eq!(hex(&span.trace_id), TRACE);
    assert_eq!(hex(&span.parent_span_id), "00f067aa0ba902b7");
    // The requeued copy names the exported span as its parent.
    let mut conn = connect(&redis.url()).await;
    let copy = &await_stream(&mut conn, "orders", 1).await[0];
    let (_, span_id, _) = parts(&headers_of(copy)["traceparent"]);
    assert_eq!(span_id, hex(&span.span_id));
    drop(salvage);
    server.abort();
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
