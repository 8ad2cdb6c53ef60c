//! Unary mode: each worker makes one `Report` call at a time.

use std::time::Duration;

use tokio::time::{Instant, sleep, sleep_until};
use tonic::{Code, transport::Channel};

use super::{
    pace::{Pacer, Plan},
    stats::{Recorder, status_name},
    traffic::Generator,
};
use crate::proto::v1::salvage_client::SalvageClient;

/// Pause after an error that says "not now" (the server is down or overloaded).
const BACKOFF: Duration = Duration::from_millis(10);

/// Send reports until the end of the plan; returns what this worker measured.
pub(super) async fn worker(
    channel: Channel,
    mut generator: Generator,
    mut pacer: Pacer,
    plan: Plan,
    mut recorder: Recorder,
) -> Recorder {
    let mut client = SalvageClient::new(channel);
    loop {
        let now = Instant::now();
        let due = pacer.due(now);
        // Requests still owed at the end (an open loop fallen behind) are not sent: the run
        // stops on time, and the latency of those sent already shows the backlog.
        if now >= plan.end || due >= plan.end {
            break;
        }
        let start = if due <= now {
            // The previous call held us past this request's intended time (or closed loop):
            // the request goes out at once, and its latency counts from `due`.
            due
        } else {
            // Idle until it is due: the timer's own lateness (up to a millisecond) is ours,
            // not the server's, so latency counts from the actual send.
            sleep_until(due).await;
            Instant::now()
        };
        pacer.advance();
        // Counted by when it is actually sent, so that `sent` and throughput cover the
        // measured window even when an open loop runs behind.
        let counted = plan.counts(Instant::now());
        recorder.sent(counted);
        match client.report(generator.next_request()).await {
            Ok(response) => recorder.answered(start, counted, response.get_ref()),
            Err(status) => {
                recorder.failed(counted, status_name(&status));
                if matches!(status.code(), Code::Unavailable | Code::ResourceExhausted) {
                    // As a consumer would: back off instead of spinning on a server that is
                    // down or shedding load.
                    sleep(BACKOFF).await;
                }
            }
        }
    }
    recorder
}
