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
//!
//! With buckets (`layout.rs`) on a Cluster, the reports of one round ran on the primaries of
//! their buckets' slots: a request names its bucket's mark key, and the round sends one pipeline
//! per mark key (INCR, WAIT, the checks), all at once, each on the primary of that bucket's slot.
//! Outside a Cluster every key is on one server, so one pipeline (one `WAIT`) answers the whole
//! round whatever the buckets: the first request's mark is bumped.

use std::collections::HashMap;

use tokio::sync::{mpsc, oneshot};

use super::StoreError;
use super::link::Link;

/// The number of replicas that confirmed, the generation of the primary asked (see
/// `Link::conn_and_generation`), and whether that server holds the report's outcome (checked on
/// a Cluster; always true otherwise), or why the round failed.
type Answer = Result<(u32, u64, bool), StoreError>;

/// A report waiting.
struct Request {
    /// The mark key of the report's bucket: its round's `WAIT` goes where that key is.
    mark_key: String,
    /// Its message state key and tracking id (the check on a Cluster).
    state_key: String,
    tracking_id: String,
    /// Where to send the answer.
    answer: oneshot::Sender<Answer>,
}

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
    pub(crate) fn start(link: Link, replicas: u32, timeout_ms: u64) -> Result<Self, StoreError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            StoreError::Reply("redis.wait_replicas needs a tokio runtime".to_owned())
        })?;
        let (requests, inbox) = mpsc::unbounded_channel();
        runtime.spawn(run(link, replicas, timeout_ms, inbox));
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
    /// `mark_key` is the replication mark of the bucket `state_key` is in (its slot's primary is
    /// the server whose replicas must confirm).
    pub(crate) async fn confirm(
        &self,
        generation: u64,
        mark_key: String,
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
            .send(Request {
                mark_key,
                state_key,
                tracking_id,
                answer: tx,
            })
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
    replicas: u32,
    timeout_ms: u64,
    mut inbox: mpsc::UnboundedReceiver<Request>,
) {
    let check = link.is_cluster();
    let mut round = Vec::new();
    while inbox.recv_many(&mut round, usize::MAX).await > 0 {
        let (generation, conn) = link.conn_and_generation();
        let groups = group_by_mark(round.drain(..), check);
        let asks = groups.into_iter().map(|(mark_key, requests)| {
            let mut conn = conn.clone();
            async move {
                let replies =
                    ask(&mut conn, &mark_key, &requests, replicas, timeout_ms, check).await;
                answer(requests, replies, generation, check);
            }
        });
        futures::future::join_all(asks).await;
    }
}

/// The round's requests by the server that must confirm them: on a Cluster by mark key (one
/// per bucket, on its slot's primary), else all together under the first request's mark.
fn group_by_mark(
    requests: impl Iterator<Item = Request>,
    by_mark: bool,
) -> Vec<(String, Vec<Request>)> {
    let mut groups: Vec<(String, Vec<Request>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for r in requests {
        let slot = if by_mark {
            r.mark_key.clone()
        } else {
            String::new()
        };
        match index.get(&slot) {
            Some(&i) => groups[i].1.push(r),
            None => {
                index.insert(slot, groups.len());
                groups.push((r.mark_key.clone(), vec![r]));
            }
        }
    }
    groups
}

/// One pipeline, so one server (on a Cluster: the primary of the mark's slot, which is the slot
/// of every message state of its bucket): the mark, the WAIT, then the checks.
async fn ask(
    conn: &mut super::link::Conn,
    mark_key: &str,
    requests: &[Request],
    replicas: u32,
    timeout_ms: u64,
    check: bool,
) -> Result<Vec<redis::Value>, StoreError> {
    let mut pipe = redis::pipe();
    pipe.cmd("INCR")
        .arg(mark_key)
        .ignore()
        .cmd("WAIT")
        .arg(replicas)
        .arg(timeout_ms);
    if check {
        for r in requests {
            pipe.cmd("HGET").arg(&r.state_key).arg("last_tid");
        }
    }
    pipe.query_async(conn).await.map_err(StoreError::from)
}

/// Answer each request of a group from its pipeline's replies.
fn answer(
    requests: Vec<Request>,
    replies: Result<Vec<redis::Value>, StoreError>,
    generation: u64,
    check: bool,
) {
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
    for r in requests {
        let answer = match (&confirmed, &mut replies) {
            (Ok(n), Ok(it)) => {
                let present = !check
                    || it
                        .next()
                        .and_then(|v| redis::from_redis_value::<Option<String>>(v).ok().flatten())
                        == Some(r.tracking_id);
                Ok((*n, generation, present))
            }
            (Err(e), _) => Err(e.clone()),
            (_, Err(e)) => Err(e.clone()),
        };
        // A report that stopped waiting (its call was cancelled) needs no answer.
        let _ = r.answer.send(answer);
    }
}

#[cfg(test)]
mod tests {
    use super::{Request, group_by_mark};

    fn request(mark: &str, state: &str) -> Request {
        Request {
            mark_key: mark.to_owned(),
            state_key: state.to_owned(),
            tracking_id: String::new(),
            answer: tokio::sync::oneshot::channel().0,
        }
    }

    fn shape(groups: &[(String, Vec<Request>)]) -> Vec<(String, Vec<String>)> {
        groups
            .iter()
            .map(|(m, rs)| (m.clone(), rs.iter().map(|r| r.state_key.clone()).collect()))
            .collect()
    }

    #[test]
    fn a_cluster_round_asks_each_buckets_primary_once() {
        let round = vec![
            request("{s:1}:replication-mark", "a"),
            request("{s:0}:replication-mark", "b"),
            request("{s:1}:replication-mark", "c"),
        ];
        let groups = group_by_mark(round.into_iter(), true);
        assert_eq!(
            shape(&groups),
            vec![
                (
                    "{s:1}:replication-mark".to_owned(),
                    vec!["a".to_owned(), "c".to_owned()]
                ),
                ("{s:0}:replication-mark".to_owned(), vec!["b".to_owned()]),
            ]
        );
    }

    #[test]
    fn one_server_answers_a_round_with_one_wait() {
        let round = vec![
            request("{s:1}:replication-mark", "a"),
            request("{s:0}:replication-mark", "b"),
        ];
        let groups = group_by_mark(round.into_iter(), false);
        assert_eq!(
            shape(&groups),
            vec![(
                "{s:1}:replication-mark".to_owned(),
                vec!["a".to_owned(), "b".to_owned()]
            )]
        );
    }
}
