//! Retention: past `max_count` the oldest parked messages move to the archive (by
//! "retention"); past the archive's `max_age` they are deleted. Both are counted and announced.

use std::time::Duration;

use salvage::{config::RetentionSettings, proto::v1::parking_lot_event::Kind as EventKind};
use tonic::Code;

use super::*;

#[tokio::test]
async fn retention_archives_the_oldest_then_the_archive_expires() {
    let clock = manual_clock();
    let mut app = spawn_app_with_clock(clock.clone(), |s| {
        s.parking_lot.retention = RetentionSettings {
            max_age: None,
            max_count: Some(5),
        };
        s.parking_lot.archive = RetentionSettings {
            max_age: None,
            max_count: None,
        };
        s.parking_lot.retention_interval = Duration::from_millis(100);
    })
    .await;
    let op = app.operator().await;
    let mut events = op
        .clone()
        .watch_parked(pb::WatchParkedRequest::default())
        .await
        .unwrap()
        .into_inner();

    let mut tids = Vec::new();
    for i in 0..8 {
        // A few ms apart, so that "the oldest" is well defined.
        clock.advance(Duration::from_millis(3));
        tids.extend(app.park_all(vec![fraud_declined(&format!("p-{i}"))]).await);
    }
    let oldest: Vec<String> = tids[..3].to_vec();

    let archived = eventually(Duration::from_secs(10), || async {
        let parked = list_ids(&op, pb::ParkedFilter::default()).await;
        let archived = list_archived(&op, pb::ParkedFilter::default()).await;
        (parked.len() == 5 && archived.len() == 3).then_some(archived)
    })
    .await
    .expect("retention keeps 5 parked and archives 3");
    let mut archived_ids: Vec<_> = archived.iter().map(|s| s.tracking_id.clone()).collect();
    archived_ids.sort();
    let mut want = oldest.clone();
    want.sort();
    assert_eq!(archived_ids, want, "the oldest are archived");
    for s in &archived {
        assert_eq!(
            s.archived.as_ref().unwrap().discarded_by,
            "retention",
            "{s:?}"
        );
    }
    assert_eq!(group_count(&op, &fraud_group("p-1")).await, 5);
    await_metric(
        &app.admin_url,
        r#"salvage_parking_lot_expired_total{stage="parked"}"#,
        |v| v == 3.0,
    )
    .await;
    await_metric(
        &app.admin_url,
        r#"salvage_parked_resolution_seconds_count{outcome="expired"}"#,
        |v| v == 3.0,
    )
    .await;

    // The EXPIRED events name the three, by "retention".
    let mut expired = Vec::new();
    while expired.len() < 3 {
        let event = tokio::time::timeout(Duration::from_secs(10), events.message())
            .await
            .expect("EXPIRED events arrive")
            .unwrap()
            .expect("the watch goes on");
        if event.kind() == EventKind::Expired {
            assert_eq!(event.actor, "retention", "{event:?}");
            expired.extend(event.tracking_ids);
        }
    }
    expired.sort();
    assert_eq!(expired, want);
    drop(events);
    app.stop().await;

    // Another Salvage on the same Redis keeps archived messages for one second only.
    let mut settings = test_settings(&app.redis.url());
    settings.parking_lot.retention = RetentionSettings {
        max_age: None,
        max_count: Some(5),
    };
    settings.parking_lot.archive = RetentionSettings {
        max_age: Some(Duration::from_secs(1)),
        max_count: None,
    };
    settings.parking_lot.retention_interval = Duration::from_millis(100);
    let mut other = RunningApp::start_with_clock(settings, clock.clone()).await;
    let op = other.operator().await;
    clock.advance(Duration::from_millis(1_001));
    let gone = eventually(Duration::from_secs(10), || async {
        list_archived(&op, pb::ParkedFilter::default())
            .await
            .is_empty()
            .then_some(())
    })
    .await;
    assert!(gone.is_some(), "the archive expires");
    await_metric(
        &other.admin_url,
        r#"salvage_parking_lot_expired_total{stage="archive"}"#,
        |v| v == 3.0,
    )
    .await;
    for tid in &oldest {
        assert_eq!(get(&op, tid).await.unwrap_err().code(), Code::NotFound);
    }
    assert_eq!(list_ids(&op, pb::ParkedFilter::default()).await.len(), 5);
    other.stop().await;
}

/// Parked longer than `retention.max_age`: archived by retention.
#[tokio::test]
async fn retention_archives_what_is_parked_too_long() {
    let clock = manual_clock();
    let app = spawn_app_with_clock(clock.clone(), |s| {
        s.parking_lot.retention = RetentionSettings {
            max_age: Some(Duration::from_millis(500)),
            max_count: None,
        };
        s.parking_lot.retention_interval = Duration::from_millis(100);
    })
    .await;
    let op = app.operator().await;
    let tids = app
        .park_all(vec![fraud_declined("p-1"), fraud_declined("p-2")])
        .await;
    // Not before its time.
    let parked = list_ids(&op, pb::ParkedFilter::default()).await;
    assert_eq!(parked.len(), 2, "archived too early");
    clock.advance(Duration::from_millis(501));
    let archived = eventually(Duration::from_secs(10), || async {
        let archived = list_archived(&op, pb::ParkedFilter::default()).await;
        (archived.len() == 2).then_some(archived)
    })
    .await
    .expect("both archived after max_age");
    for s in &archived {
        assert!(tids.contains(&s.tracking_id));
        assert_eq!(s.archived.as_ref().unwrap().discarded_by, "retention");
    }
    assert!(list_ids(&op, pb::ParkedFilter::default()).await.is_empty());
    assert_eq!(groups(&op).await.total_groups, 0);
}
