//! Stream mode: each worker keeps one `ReportStream` open with up to `window` requests in
//! flight. The server answers every request, in order, so a response belongs to the oldest
//! request still waiting: a ring of send times (capacity `window`, allocated once) is all the
//! matching needs.
//!
//! If a stream breaks before the end, the requests it left unanswered are counted as errors
//! with its status, and the worker opens a new stream after a short pause.

use std::{collections::VecDeque, time::Duration};

use tokio::{
    sync::mpsc,
    time::{Instant, sleep, sleep_until, timeout_at},
};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Streaming, transport::Channel};

use super::{
    pace::{Pacer, Plan},
    stats::{Recorder, status_name},
    traffic::Generator,
};
use crate::proto::v1::{ReportRequest, ReportResponse, salvage_client::SalvageClient};

/// Pause before reopening a broken stream, so a server that rejects streams is not hammered.
const REOPEN_PAUSE: Duration = Duration::from_millis(100);

/// One worker's state that outlives a single stream.
struct Worker {
    client: SalvageClient<Channel>,
    generator: Generator,
    pacer: Pacer,
    plan: Plan,
    window: usize,
    recorder: Recorder,
    /// The requests awaiting an answer, oldest first: when each was due or sent (what its
    /// latency counts from), and whether it was sent in the measured window (not warmup).
    in_flight: VecDeque<(Instant, bool)>,
}

/// Send reports over streams until the end of the plan; returns what this worker measured.
pub(super) async fn worker(
    channel: Channel,
    generator: Generator,
    pacer: Pacer,
    plan: Plan,
    window: usize,
    recorder: Recorder,
) -> Recorder {
    let mut worker = Worker {
        client: SalvageClient::new(channel),
        generator,
        pacer,
        plan,
        window,
        recorder,
        in_flight: VecDeque::with_capacity(window),
    };
    while Instant::now() < plan.end {
        if let Err(code) = worker.one_stream().await {
            for (_, counted) in std::mem::take(&mut worker.in_flight) {
                worker.recorder.failed(counted, code);
            }
            worker.in_flight.reserve(window);
        }
        if Instant::now() < plan.end {
            sleep(REOPEN_PAUSE).await;
        }
    }
    worker.recorder
}

impl Worker {
    /// Run one stream until the end of the plan (then close it and collect the remaining
    /// answers) or until it breaks. On error, `in_flight` holds the unanswered requests.
    async fn one_stream(&mut self) -> Result<(), &'static str> {
        let (tx, rx) = mpsc::channel::<ReportRequest>(self.window);
        // The first request goes in before the call, so that a server which waits for it
        // before sending response headers cannot deadlock us.
        let now = Instant::now();
        let first = self.pacer.due(now);
        if first >= self.plan.end {
            return Ok(());
        }
        let start = if first <= now {
            first
        } else {
            sleep_until(first).await;
            Instant::now()
        };
        self.send(&tx, start);
        let mut inbound = match self.client.report_stream(ReceiverStream::new(rx)).await {
            Ok(response) => response.into_inner(),
            Err(status) => return Err(status_name(&status)),
        };
        let mut tx = Some(tx);
        // Whether the loop woke because the next request fell due while the window had room.
        let mut timer_fired = false;
        loop {
            let now = Instant::now();
            if now >= self.plan.end {
                // Closing our half tells the server no more is coming; it answers the rest and
                // ends the stream.
                tx = None;
            }
            let Some(sender) = tx.as_ref() else {
                return self.drain(&mut inbound).await;
            };
            let due = (self.in_flight.len() < self.window).then(|| self.pacer.due(now));
            if let Some(due) = due.filter(|due| *due <= now) {
                // Latency counts from the intended time when a full window held the request
                // back (coordinated omission); when only our timer did (late by up to a
                // millisecond), from the actual send.
                let start = if timer_fired { now } else { due };
                timer_fired = false;
                if !self.send(sender, start) {
                    // The call is over on the client side; what is left is read from inbound.
                    tx = None;
                }
                continue;
            }
            tokio::select! {
                message = inbound.message() => {
                    timer_fired = false;
                    // The server ended the stream early (e.g. shutting down): reopen.
                    let ended = matches!(message, Ok(None));
                    self.on_message(message)?;
                    if ended {
                        return Ok(());
                    }
                }
                () = sleep_until(due.unwrap_or(self.plan.end)) => timer_fired = true,
            }
        }
    }

    /// Queue the next request on the stream, its latency counted from `start`; false if the
    /// stream is gone.
    fn send(&mut self, tx: &mpsc::Sender<ReportRequest>, start: Instant) -> bool {
        // The channel holds at most `window` requests and never more than are in flight, so
        // it cannot be full here; only a closed stream refuses.
        if tx.try_send(self.generator.next_request()).is_err() {
            return false;
        }
        self.pacer.advance();
        // Counted by when it is actually sent, so that `sent` and throughput cover the
        // measured window even when an open loop runs behind.
        let counted = self.plan.counts(Instant::now());
        self.in_flight.push_back((start, counted));
        self.recorder.sent(counted);
        true
    }

    /// Match one inbound item to the oldest request in flight.
    fn on_message(
        &mut self,
        message: Result<Option<ReportResponse>, tonic::Status>,
    ) -> Result<(), &'static str> {
        match message {
            Ok(Some(response)) => {
                let Some((start, counted)) = self.in_flight.pop_front() else {
                    return Err("UNEXPECTED_RESPONSE");
                };
                self.recorder.answered(start, counted, &response);
                Ok(())
            }
            Ok(None) if self.in_flight.is_empty() => Ok(()),
            Ok(None) => Err("UNANSWERED"),
            Err(status) => Err(status_name(&status)),
        }
    }

    /// After our half is closed: read the answers still owed, then the end of the stream, so it
    /// finishes cleanly instead of being reset. Bounded by the plan's drain deadline.
    async fn drain(&mut self, inbound: &mut Streaming<ReportResponse>) -> Result<(), &'static str> {
        loop {
            let Ok(message) = timeout_at(self.plan.drain_until, inbound.message()).await else {
                return Err("DEADLINE_EXCEEDED");
            };
            let ended = matches!(message, Ok(None));
            self.on_message(message)?;
            if ended {
                return Ok(());
            }
        }
    }
}
