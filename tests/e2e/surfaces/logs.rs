//! The built binary's log lines, written to a file (not a terminal): valid JSON with every key
//! once, no colour escapes, and no message body from a library, even when RabbitMQ returns a
//! message (NO_ROUTE) and lapin logs it.

use std::{collections::HashSet, fmt, path::Path, time::Duration};

use redis::AsyncCommands;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::support::*;

/// A JSON value whose objects, at any depth, have each key once.
struct UniqueKeys;

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueKeysVisitor)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_unit<E>(self) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueKeys, A::Error> {
        while seq.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("duplicate key {key:?}")));
            }
            map.next_value::<UniqueKeys>()?;
        }
        Ok(UniqueKeys)
    }
}

/// Every line of `text` is a JSON object with unique keys and no ANSI escape.
fn assert_clean_json_lines(text: &str) {
    assert!(!text.trim().is_empty(), "no log lines at all");
    for line in text.lines() {
        assert!(
            !line.contains('\u{1b}'),
            "ANSI escape in a log line: {line}"
        );
        serde_json::from_str::<UniqueKeys>(line)
            .unwrap_or_else(|e| panic!("not JSON with unique keys ({e}): {line}"));
    }
}

async fn log_containing(path: &Path, needle: &str) -> String {
    eventually(Duration::from_secs(20), || async {
        let text = std::fs::read_to_string(path).ok()?;
        text.contains(needle).then_some(text)
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "no log line with {needle:?}:\n{}",
            std::fs::read_to_string(path).unwrap_or_default()
        )
    })
}

/// Human-readable logs to a file carry no colour escapes.
#[tokio::test]
async fn human_logs_have_no_colours_when_not_a_terminal() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut salvage = Process::start(dir.path(), "human", &redis.url(), "").await;
    let _ = salvage.client().await;
    let text = log_containing(&dir.path().join("human.log"), "salvage is listening").await;
    salvage.abort();
    assert!(
        !text.contains('\u{1b}'),
        "ANSI escapes in a log file:\n{text:?}"
    );
}

/// A repaired copy published to a RabbitMQ queue that does not exist comes back NO_ROUTE; lapin
/// logs the returned message (body and headers) at WARN in a field named `message`. No log line
/// carries the body or the headers, and every line stays JSON with unique keys.
#[tokio::test]
async fn a_rabbitmq_no_route_leaves_no_body_in_the_logs() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    // The example rule repairs messages of queue "orders"; the copy is routed to a queue that
    // does not exist.
    let queue = format!("no-such-queue-{}", uuid::Uuid::new_v4());
    let extra = format!(
        "[telemetry]\nlog_format = \"json\"\nlog_level = \"salvage=debug,info\"\n\
                 [destinations.redis]\ntype = \"redis_streams\"\n\
                 [destinations.rabbit]\ntype = \"rabbitmq\"\n\
                 url = \"amqp://guest:guest@127.0.0.1:5672/%2f\"\nexchange = \"\"\n\
                 routing_key = \"{queue}\"\n\
                 [destinations.rabbit.delivery]\ntimeout = \"3s\"\nmax_attempts = 2\n\
                 backoff_initial = \"50ms\"\nbackoff_max = \"200ms\"\n"
    );
    let mut salvage = Process::start(dir.path(), "noroute", &redis.url(), &extra).await;
    let mut client = salvage.client().await;

    let marker = format!("BODY-MARKER-{}", std::process::id());
    let header_marker = format!("HEADER-MARKER-{}", std::process::id());
    let mut req = order_total_as_string("o-noroute");
    message(&mut req).payload =
        format!(r#"{{"order_id":"{marker}","total":"129.90","currency":"EUR"}}"#).into_bytes();
    message(&mut req)
        .headers
        .insert("x-note".into(), header_marker.clone());
    origin(&mut req).destination = "rabbit".into();
    let resp = client.report(req).await.unwrap().into_inner();
    assert_eq!(
        outcome(&resp),
        salvage::proto::v1::Outcome::Requeued,
        "{resp:?}"
    );

    // The broker returned it: parked after max_attempts with the broker's reply.
    let mut conn = connect(&redis.url()).await;
    let reason = eventually(Duration::from_secs(20), || {
        let mut conn = conn.clone();
        let key = format!("{{salvage}}:parked:{}", resp.tracking_id);
        async move {
            let reason: Option<String> = conn.hget(&key, "reason").await.ok()?;
            reason
        }
    })
    .await
    .expect("the returned message is parked");
    assert!(reason.contains("NO_ROUTE"), "{reason}");
    let _: () = conn.ping().await.unwrap();

    let log_path = dir.path().join("noroute.log");
    let text = log_containing(&log_path, "broker refused the message; parked").await;
    salvage.abort();
    let text = std::fs::read_to_string(&log_path).unwrap_or(text);
    assert_clean_json_lines(&text);
    // As text, and as Rust's Debug of the body's bytes (`[66, 79, 68, ...]`).
    let as_bytes = |s: &str| {
        s.bytes()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for needle in [
        marker.clone(),
        header_marker.clone(),
        as_bytes(&marker),
        as_bytes(&header_marker),
    ] {
        assert!(
            !text.contains(&needle),
            "a log line carries the message ({needle}):\n{text}"
        );
    }
}
