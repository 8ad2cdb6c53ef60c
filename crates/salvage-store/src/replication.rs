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
//!
//! Which primary a round asked matters: after a failover the `WAIT` goes to the new primary, and
//! its replicas' acknowledgements say nothing of a report the old one committed and never
//! replicated. With Sentinel, the round carries the generation of the sentinels' answer and a
//! report whose script ran on another generation is answered UNAVAILABLE. On a Redis Cluster the
//! client follows the slot's primary by itself, so the round reads, after its `WAIT` and on the
//! same server, each report's message state: the report's tracking id still there as `last_tid`
//! proves that server has the outcome (it applied it before the mark, so the `WAIT` covered it);
//! otherwise the answer is UNAVAILABLE (report again: answered DUPLICATE if the outcome is there
//! after all, or recorded anew).

use tokio::sync::{mpsc, oneshot};

use super::StoreError;
use super::link::Link;

/// The number of replicas that confirmed, the generation of the primary asked (see
/// `Link::conn_and_generation`), and whether that server holds the report's outcome (checked on
/// a Cluster; always true otherwise), or why the round failed.
type Answer = Result<(u32, u64, bool), StoreError>;

/// A report waiting: its message state key and tracking id (the check on a Cluster), and where
/// to send the answer.
type Request = (String, String, oneshot::Sender<Answer>);

/// A handle to the waiter task (cheap to clone; the task ends when the last handle goes).
#[derive(Clone)]
pub(crate) struct Waiter {
    // Unbounded: each request is a report in flight, and those are bounded by the server's
    // budget (`server.max_in_flight`).
    requests: mpsc::UnboundedSender<Request>,
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
    /// `generation` (the one the script ran on: the sentinels named a new one in between), or
    /// (on a Cluster) a server whose `state_key` does not hold `tracking_id` as `last_tid`.
    pub(crate) async fn confirm(
        &self,
        generation: u64,
        state_key: String,
        tracking_id: String,
    ) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        let gone = || {
            StoreError::Unavailable(redis::RedisError::from((
                redis::ErrorKind::Io,
                "the replica waiter stopped",
            )))
        };
        self.requests
            .send((state_key, tracking_id, tx))
            .map_err(|_| gone())?;
        let (confirmed, asked, present) = rx.await.map_err(|_| gone())??;
        if !present {
            return Err(StoreError::Unavailable(redis::RedisError::from((
                redis::ErrorKind::Io,
                "the report's outcome is not on the primary its replica wait reached (a failover \
                 between the two)",
            ))));
        }
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
    mut inbox: mpsc::UnboundedReceiver<Request>,
) {
    let check = link.is_cluster();
    let mut round = Vec::new();
    while inbox.recv_many(&mut round, usize::MAX).await > 0 {
        let (generation, mut conn) = link.conn_and_generation();
        // One pipeline, so one server (on a Cluster: the primary of the mark's slot, which is
        // the slot of every message state): the mark, the WAIT, then the checks.
        let mut pipe = redis::pipe();
        pipe.cmd("INCR")
            .arg(&mark_key)
            .ignore()
            .cmd("WAIT")
            .arg(replicas)
            .arg(timeout_ms);
        if check {
            for (key, _, _) in &round {
                pipe.cmd("HGET").arg(key).arg("last_tid");
            }
        }
        let replies: Result<Vec<redis::Value>, StoreError> =
            pipe.query_async(&mut conn).await.map_err(StoreError::from);
        let mut replies = replies.map(Vec::into_iter);
        let confirmed: Result<u32, StoreError> = match &mut replies {
            Ok(it) => it
                .next()
                .map(redis::from_redis_value::<u32>)
                .transpose()
                .map_err(|e| StoreError::Reply(e.to_string()))
                .and_then(|n| n.ok_or_else(|| StoreError::Reply("no WAIT reply".to_owned()))),
            Err(e) => Err(e.clone()),
        };
        for (_, tracking_id, asked) in round.drain(..) {
            let answer = match (&confirmed, &mut replies) {
                (Ok(n), Ok(it)) => {
                    let present = !check
                        || it.next().and_then(|v| {
                            redis::from_redis_value::<Option<String>>(v).ok().flatten()
                        }) == Some(tracking_id);
                    Ok((*n, generation, present))
                }
                (Err(e), _) => Err(e.clone()),
                (_, Err(e)) => Err(e.clone()),
            };
            // A report that stopped waiting (its call was cancelled) needs no answer.
            let _ = asked.send(answer);
        }
    }
}
