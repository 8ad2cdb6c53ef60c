//! Replicas: `redis.wait_replicas` holds a report's answer until replicas have its outcome, and
//! `redis.sentinel` follows the primary through a failover (with the replica wait, nothing that
//! was answered is lost).

use std::time::Duration;

use salvage::proto::v1 as pb;
use tonic::Code;

use crate::support::*;

/// Waits (bounded) until `primary` counts a replica online: the primary's view, since a replica
/// says its link is up before the primary has its first acknowledgement.
fn await_replica_online(primary: &RedisServer) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !primary
        .command(&["INFO", "replication"])
        .contains("state=online")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no replica came online: {}",
            primary.command(&["INFO", "replication"])
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// No replica confirms: the report is answered UNAVAILABLE (it is recorded on the primary, so the
/// consumer keeps the message and reports again). Once a replica has it, reporting again is
/// answered DUPLICATE, and a new report is answered as usual.
#[tokio::test]
async fn a_report_no_replica_confirmed_is_answered_unavailable_then_duplicate_once_one_has_it() {
    let app = spawn_app_with(|s| {
        s.redis.wait_replicas = 1;
        s.redis.wait_timeout = Duration::from_millis(50);
    })
    .await;
    let mut client = app.client();

    let refused = client
        .report(order_total_as_string("o-1"))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");
    assert!(
        refused.message().contains("report it again"),
        "{}",
        refused.message()
    );
    // Recorded on the primary all the same: the requeued copy is there.
    assert_eq!(app.stream("orders").await.len(), 1);

    // A replica's first sync at once, not after the default 5 s of waiting for more replicas.
    app.redis
        .command(&["CONFIG", "SET", "repl-diskless-sync-delay", "0"]);
    let replica = RedisServer::start();
    replica.command(&["REPLICAOF", "127.0.0.1", &app.redis.port().to_string()]);
    await_replica_online(&app.redis);

    let again = client
        .report(order_total_as_string("o-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&again), pb::Outcome::Duplicate);
    let fresh = client
        .report(order_total_as_string("o-2"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&fresh), pb::Outcome::Requeued);
    // The replica holds both requeued copies, once each.
    assert_eq!(replica.command(&["XLEN", "orders"]), "2");
}
