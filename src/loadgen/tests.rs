//! The load generator end to end against a stand-in Salvage served on port 0: the arguments
//! parse as the CLI would, both modes send, match and count answers, and errors are counted by
//! code.

use std::{pin::Pin, time::Duration};

use clap::Parser;
use futures::Stream;
use tokio_stream::{StreamExt as _, wrappers::TcpListenerStream};
use tonic::{Request, Response, Status, Streaming, transport::Server};

use super::{LoadgenArgs, Summary, run};
use crate::proto::v1::{
    Outcome, ReportRequest, ReportResponse,
    salvage_server::{Salvage, SalvageServer},
};

/// Answers by failure code as the example rules would; fails every message whose number ends
/// in 7 when `fail_sevens` (UNAVAILABLE for `Report`, an `error` response on a stream).
struct Stub {
    fail_sevens: bool,
}

impl Stub {
    fn answer(&self, request: ReportRequest) -> Result<ReportResponse, Status> {
        let message = request
            .message
            .ok_or_else(|| Status::invalid_argument("message"))?;
        let failure = request
            .failure
            .ok_or_else(|| Status::invalid_argument("failure"))?;
        if self.fail_sevens && message.id.ends_with('7') {
            return Err(Status::unavailable("sevens fail"));
        }
        let outcome = match failure.code.as_str() {
            "INVALID_TYPE" => Outcome::Requeued,
            "GATEWAY_TIMEOUT" => Outcome::RetryScheduled,
            _ => Outcome::Parked,
        };
        Ok(ReportResponse {
            tracking_id: message.id,
            outcome: outcome.into(),
            ..Default::default()
        })
    }
}

type ResponseStream = Pin<Box<dyn Stream<Item = Result<ReportResponse, Status>> + Send>>;

#[tonic::async_trait]
impl Salvage for Stub {
    async fn report(
        &self,
        request: Request<ReportRequest>,
    ) -> Result<Response<ReportResponse>, Status> {
        self.answer(request.into_inner()).map(Response::new)
    }

    type ReportStreamStream = ResponseStream;

    async fn report_stream(
        &self,
        request: Request<Streaming<ReportRequest>>,
    ) -> Result<Response<ResponseStream>, Status> {
        let stub = Stub {
            fail_sevens: self.fail_sevens,
        };
        let answers = request.into_inner().map(move |request| {
            request.map(|request| {
                stub.answer(request)
                    .unwrap_or_else(|status| ReportResponse {
                        error: status.message().to_owned(),
                        error_code: status.code() as u32,
                        ..Default::default()
                    })
            })
        });
        Ok(Response::new(Box::pin(answers)))
    }
}

/// Serve a stub on a free port; the server lives until the test's runtime ends.
async fn serve(fail_sevens: bool) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = Server::builder()
        .add_service(SalvageServer::new(Stub { fail_sevens }))
        .serve_with_incoming(TcpListenerStream::new(listener));
    tokio::spawn(server);
    Ok(format!("http://{addr}"))
}

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: LoadgenArgs,
}

async fn loadgen(addr: &str, extra: &[&str]) -> anyhow::Result<Summary> {
    let base = [
        "loadgen",
        "--addr",
        addr,
        "--duration",
        "400ms",
        "--warmup",
        "100ms",
    ];
    let cli = Cli::try_parse_from(base.iter().chain(extra))?;
    run(cli.args).await
}

fn assert_consistent(summary: &Summary) {
    assert_eq!(summary.sent, summary.ok + summary.errors, "{summary:?}");
    assert_eq!(
        summary.outcomes.values().sum::<u64>(),
        summary.ok,
        "{summary:?}"
    );
    assert_eq!(
        summary.error_codes.values().sum::<u64>(),
        summary.errors,
        "{summary:?}"
    );
    assert!(
        summary.p50 <= summary.p99 && summary.p99 <= summary.p999,
        "{summary:?}"
    );
    assert!(summary.p999 <= summary.max, "{summary:?}");
    assert!(summary.elapsed >= Duration::from_millis(400), "{summary:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unary_closed_loop_counts_every_outcome() -> anyhow::Result<()> {
    let addr = serve(false).await?;
    let summary = loadgen(
        &addr,
        &["--concurrency", "3", "--mix", "requeue=1,retry=1,park=1"],
    )
    .await?;
    assert_consistent(&summary);
    assert!(summary.ok > 30, "{summary:?}");
    assert_eq!(summary.errors, 0);
    for outcome in ["REQUEUED", "RETRY_SCHEDULED", "PARKED"] {
        assert!(
            summary.outcomes.get(outcome).is_some_and(|n| *n > 0),
            "{summary:?}"
        );
    }
    assert_eq!(summary.landed, None);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_open_loop_sends_at_the_rate() -> anyhow::Result<()> {
    let addr = serve(false).await?;
    let extra = [
        "--mode",
        "stream",
        "--concurrency",
        "2",
        "--window",
        "8",
        "--rate",
        "500",
        "--json",
    ];
    let summary = loadgen(&addr, &extra).await?;
    assert_consistent(&summary);
    // 500/s for 400 ms; generous bounds for a loaded machine
    assert!((120..=230).contains(&summary.sent), "{summary:?}");
    assert_eq!(summary.errors, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_counted_by_code_in_both_modes() -> anyhow::Result<()> {
    let addr = serve(true).await?;
    let unary = loadgen(&addr, &["--concurrency", "2"]).await?;
    assert_consistent(&unary);
    assert!(
        unary.error_codes.get("UNAVAILABLE").is_some_and(|n| *n > 0),
        "{unary:?}"
    );
    let stream = loadgen(&addr, &["--mode", "stream", "--concurrency", "2"]).await?;
    assert_consistent(&stream);
    // a stream answers a failed request in line (`error`, `error_code`) and goes on; it is
    // counted under its own code (it used to be counted as INVALID_ARGUMENT whatever it was)
    assert!(
        stream
            .error_codes
            .get("UNAVAILABLE")
            .is_some_and(|n| *n > 0),
        "{stream:?}"
    );
    assert!(
        !stream.error_codes.contains_key("INVALID_ARGUMENT"),
        "{stream:?}"
    );
    assert!(stream.ok > stream.errors, "{stream:?}");
    Ok(())
}
