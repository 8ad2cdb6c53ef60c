//! What the parking lot costs and shows: Redis memory per parked message, and the parking-lot
//! gauges on `/metrics`.

use super::*;

/// Upper bound of Redis memory per parked message with a 1 KiB payload: the record (payload,
/// headers, failure, history), its three index entries, the message state and the PARKED event.
/// Measured at about 5.7 KiB when this test was written (Redis 7.0; see the output with
/// `--nocapture`), about 4.9 KiB since a parked message's state holds only its small fields
/// (the record ~3.6 KiB: a hash with a value over 64 bytes is a real hash table, not a listpack;
/// the state ~0.3 KiB, a listpack, its history being the record's while parked; the indexes
/// ~0.4 KiB and the event ~0.1 KiB).
const MAX_BYTES_PER_PARKED: u64 = 6 * 1024;

/// A JSON payload of exactly 1024 bytes.
fn one_kib_payload(id: &str) -> String {
    let head = format!(r#"{{"payment_id":"{id}","amount_cents":990,"note":""#);
    let tail = r#""}"#;
    let fill = 1024 - head.len() - tail.len();
    format!("{head}{}{tail}", "x".repeat(fill))
}

#[tokio::test]
#[allow(
    clippy::print_stdout,
    reason = "prints the measured bytes per message for the README"
)]
async fn redis_memory_per_parked_message_is_bounded() {
    const N: u64 = 1_000;
    let app = spawn_app().await;
    let before = used_memory(&app.conn).await;
    let reqs = (0..N)
        .map(|i| {
            let id = format!("p-{i}");
            let mut req = fraud_declined(&id);
            message(&mut req).payload = one_kib_payload(&id).into_bytes();
            assert_eq!(message(&mut req).payload.len(), 1024);
            req
        })
        .collect();
    app.park_all(reqs).await;
    let after = used_memory(&app.conn).await;
    let per_message = after.saturating_sub(before) / N;
    println!(
        "redis used_memory: {before} -> {after} bytes for {N} parked messages with 1 KiB \
         payloads: {per_message} bytes per parked message"
    );
    assert!(
        per_message <= MAX_BYTES_PER_PARKED,
        "{per_message} bytes per parked message, over {MAX_BYTES_PER_PARKED}"
    );
    assert!(
        per_message >= 1024,
        "the payload itself is stored: {per_message}"
    );
}

#[tokio::test]
async fn parking_lot_gauges_follow_what_happens() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let tids = app
        .park_all(vec![fraud_declined("p-1"), fraud_declined("p-2")])
        .await;
    let url = &app.admin_url;
    await_metric(url, "salvage_parked_oldest_age_seconds", |v| v > 0.0).await;
    await_metric(url, "salvage_parked_messages", |v| v == 2.0).await;

    discard(&op, &tids[..1], "noise").await;
    await_metric(url, "salvage_archived_messages", |v| v == 1.0).await;
    await_metric(url, "salvage_parked_messages", |v| v == 1.0).await;
    discard(&op, &tids[1..], "noise").await;
    await_metric(url, "salvage_archived_messages", |v| v == 2.0).await;
    await_metric(url, "salvage_parked_messages", |v| v == 0.0).await;
    restore(&op, &tids[..1]).await;
    await_metric(url, "salvage_archived_messages", |v| v == 1.0).await;
    await_metric(url, "salvage_parked_messages", |v| v == 1.0).await;

    await_metric(
        url,
        r#"salvage_parked_resolution_seconds_count{outcome="discarded"}"#,
        |v| v == 2.0,
    )
    .await;
    await_metric(
        url,
        r#"salvage_operator_actions_total{action="discard"}"#,
        |v| v == 2.0,
    )
    .await;
    await_metric(
        url,
        r#"salvage_operator_actions_total{action="restore"}"#,
        |v| v == 1.0,
    )
    .await;
}

/// Parked messages by origin queue and the largest failure groups, for the dashboard; a group
/// resolved reads 0. The process figures are there too.
#[tokio::test]
async fn parked_breakdown_by_queue_and_top_groups() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let tids = app
        .park_all((1..=3).map(|i| fraud_declined(&format!("p-{i}"))).collect())
        .await;
    let group = fraud_group("p-1");
    let by_queue = r#"salvage_parked_messages_by_queue{queue="payments"}"#;
    await_metric(&app.admin_url, by_queue, |v| v == 3.0).await;
    let top = format!(
        r#"salvage_parked_top_group_messages{{group="{group}",queue="payments",code="FRAUD_DECLINED"}}"#
    );
    await_metric(&app.admin_url, &top, |v| v == 3.0).await;

    discard(&op, &tids, "test").await;
    await_metric(&app.admin_url, &top, |v| v == 0.0).await;
    await_metric(&app.admin_url, by_queue, |v| v == 0.0).await;

    let text = app.metrics().await;
    for name in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_start_time_seconds",
    ] {
        let v = metric(&text, name).unwrap_or_else(|| panic!("{name} missing:\n{text}"));
        assert!(v > 0.0, "{name} = {v}");
    }
}
