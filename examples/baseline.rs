//! The yardstick for Salvage's throughput figures: a bare tonic handler for the same gRPC
//! contract that does only one minimal Lua commit per report (dedupe SET NX + attempt HINCRBY +
//! XADD to the origin stream) — no rules, no history, no parking. Run it, then point
//! `salvage loadgen` at it, to see what this machine allows at best.
//!
//! ```sh
//! cargo run --release --example baseline -- 127.0.0.1:50052 redis://127.0.0.1:6379
//! ```

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark yardstick, not a product: it prints its address and stops on any error"
)]

use std::pin::Pin;

use futures::{Stream, StreamExt};
use redis::{Script, aio::ConnectionManager};
use salvage::proto::v1::{
    self as pb,
    salvage_server::{Salvage, SalvageServer},
};
use tonic::{Request, Response, Status, Streaming};

const COMMIT: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', 3600) then
  local n = redis.call('HINCRBY', KEYS[2], 'attempts', 1)
  redis.call('XADD', KEYS[3], '*', 'id', ARGV[2], 'payload', ARGV[3])
  return n
end
return 0
";

#[derive(Clone)]
struct Bare {
    conn: ConnectionManager,
    script: Script,
}

impl Bare {
    async fn commit(&self, req: pb::ReportRequest) -> Result<pb::ReportResponse, Status> {
        let m = req
            .message
            .ok_or_else(|| Status::invalid_argument("message"))?;
        let queue = m.origin.map(|o| o.queue).unwrap_or_default();
        let tid = uuid::Uuid::now_v7().to_string();
        let mut conn = self.conn.clone();
        let n: u32 = self
            .script
            .key(format!("{{bare}}:dedupe:{}", m.id))
            .key(format!("{{bare}}:msg:{}", m.id))
            .key(&queue)
            .arg(&tid)
            .arg(&m.id)
            .arg(m.payload)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?;
        Ok(pb::ReportResponse {
            tracking_id: tid,
            outcome: pb::Outcome::Requeued.into(),
            attempt: n,
            ..Default::default()
        })
    }
}

#[tonic::async_trait]
impl Salvage for Bare {
    async fn report(
        &self,
        request: Request<pb::ReportRequest>,
    ) -> Result<Response<pb::ReportResponse>, Status> {
        Ok(Response::new(self.commit(request.into_inner()).await?))
    }

    type ReportStreamStream =
        Pin<Box<dyn Stream<Item = Result<pb::ReportResponse, Status>> + Send>>;

    async fn report_stream(
        &self,
        request: Request<Streaming<pb::ReportRequest>>,
    ) -> Result<Response<Self::ReportStreamStream>, Status> {
        let this = self.clone();
        let out = request
            .into_inner()
            .map(move |r| {
                let this = this.clone();
                async move { this.commit(r?).await }
            })
            .buffered(128);
        Ok(Response::new(Box::pin(out)))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:50052".into())
        .parse()?;
    let url = args
        .next()
        .unwrap_or_else(|| "redis://127.0.0.1:6379".into());
    let conn = ConnectionManager::new(redis::Client::open(url)?).await?;
    println!("bare handler on {addr}");
    tonic::transport::Server::builder()
        .add_service(SalvageServer::new(Bare {
            conn,
            script: Script::new(COMMIT),
        }))
        .serve(addr)
        .await?;
    Ok(())
}
