//! `redis.wait_replicas`: a report is answered only once that many replicas have its outcome.
//!
//! Redis `WAIT` blocks the connection it is sent on and covers what that connection wrote. Sent
//! on the reports' shared connection after each script, it would hold every other report's
//! script behind it (measured: half the throughput). Instead one task, the waiter, has its own
//! connection and commits in groups: a report whose script has returned asks the waiter; the
//! waiter takes every request waiting, bumps a counter (`<p>:replication-mark`, a write on its
//! own connection made after all those scripts ran) and sends `WAIT n timeout`, which covers
//! that write and so everything Redis ran before it. One round answers all of them; requests
//! that arrive meanwhile go in the next round.

use tokio::sync::{mpsc, oneshot};

use super::StoreError;
use super::link::Link;

/// The number of replicas that confirmed and the generation of the primary asked (see
/// `Link::conn_and_generation`), or why the round failed.
type Answer = Result<(u32, u64), StoreError>;

/// A handle to the waiter task (cheap to clone; the task ends when the last handle goes).
#[derive(Clone)]
pub(crate) struct Waiter {
    // Unbounded: each request is a report in flight, and those are bounded by the server's
    // budget (`server.max_in_flight`).
    requests: mpsc::UnboundedSender<oneshot::Sender<Answer>>,
    replicas: u32,
    timeout_ms: u64,
}

impl Waiter {
    /// Start the waiter on its own connection, on the current tokio runtime.
    pub(crate) fn start(
        link: Link,
        mark_key: String,
        replicas: u32,
        timeout_ms: u64,
    ) -> Result<Self, StoreError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            StoreError::Reply("redis.wait_replicas needs a tokio runtime".to_owned())
        })?;
        let (requests, inbox) = mpsc::unbounded_channel();
        runtime.spawn(run(link, mark_key, replicas, timeout_ms, inbox));
        Ok(Self {
            requests,
            replicas,
            timeout_ms,
        })
    }

    /// Wait until `replicas` replicas have everything Redis ran before this call; fewer within
    /// the timeout is UNAVAILABLE, and so is a round that asked another primary than
    /// `generation` (the one the script ran on: the sentinels named a new one in between).
    pub(crate) async fn confirm(&self, generation: u64) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        let gone = || {
            StoreError::Unavailable(redis::RedisError::from((
                redis::ErrorKind::Io,
                "the replica waiter stopped",
            )))
        };
        self.requests.send(tx).map_err(|_| gone())?;
        let (confirmed, asked) = rx.await.map_err(|_| gone())??;
        if asked != generation {
            return Err(StoreError::Unavailable(redis::RedisError::from((
                redis::ErrorKind::Io,
                "the primary changed while the report was committed",
            ))));
        }
        if confirmed < self.replicas {
            return Err(StoreError::Unavailable(redis::RedisError::from((
                redis::ErrorKind::Io,
                "not confirmed by enough replicas",
                format!(
                    "{confirmed} of redis.wait_replicas = {} replicas confirmed within {} ms",
                    self.replicas, self.timeout_ms
                ),
            ))));
        }
        Ok(())
    }
}

async fn run(
    link: Link,
    mark_key: String,
    replicas: u32,
    timeout_ms: u64,
    mut inbox: mpsc::UnboundedReceiver<oneshot::Sender<Answer>>,
) {
    let mut round = Vec::new();
    while inbox.recv_many(&mut round, usize::MAX).await > 0 {
        let (generation, mut conn) = link.conn_and_generation();
        let answer: Answer = async {
            let (_, confirmed): (u64, u32) = redis::pipe()
                .cmd("INCR")
                .arg(&mark_key)
                .cmd("WAIT")
                .arg(replicas)
                .arg(timeout_ms)
                .query_async(&mut conn)
                .await?;
            Ok((confirmed, generation))
        }
        .await;
        for asked in round.drain(..) {
            // A report that stopped waiting (its call was cancelled) needs no answer.
            let _ = asked.send(answer.clone());
        }
    }
}
