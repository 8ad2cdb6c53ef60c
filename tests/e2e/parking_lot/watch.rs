//! WatchParked: a live view sees PARKED, EDITED, DISCARDED, RESTORED and RESUBMITTED for the
//! message concerned, in order; a watch of one queue sees only that queue.

use std::time::Duration;

use salvage::proto::v1::parking_lot_event::Kind;

use super::*;

#[tokio::test]
async fn watch_sees_each_change_with_its_tracking_id() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let viewer = app.viewer().await;
    let watch = |queue: &str| {
        let viewer = viewer.clone();
        let queue = queue.to_owned();
        async move {
            viewer
                .clone()
                .watch_parked(pb::WatchParkedRequest { queue })
                .await
                .unwrap()
                .into_inner()
        }
    };
    let mut all = watch("").await;
    let mut orders = watch("orders").await;

    let tid = app.park_all(vec![fraud_declined("p-1")]).await.remove(0);
    edit_payload(&op, &tid, 1, r#"{"payment_id":"p-1","amount_cents":99}"#)
        .await
        .unwrap();
    discard(&op, std::slice::from_ref(&tid), "looks wrong").await;
    restore(&op, std::slice::from_ref(&tid)).await;
    resubmit_ids(&op, std::slice::from_ref(&tid)).await;

    let want = [
        (Kind::Parked, "salvage"),
        (Kind::Edited, "olivia"),
        (Kind::Discarded, "olivia"),
        (Kind::Restored, "olivia"),
        (Kind::Resubmitted, "olivia"),
    ];
    let mut ids = std::collections::HashSet::new();
    for (kind, actor) in want {
        let event = next_event(&mut all).await;
        assert_eq!(event.kind(), kind, "{event:?}");
        assert_eq!(event.tracking_ids, std::slice::from_ref(&tid), "{event:?}");
        assert_eq!(event.actor, actor, "{event:?}");
        assert_eq!(event.queue, "payments");
        assert!(event.at.is_some());
        assert!(ids.insert(event.event_id.clone()), "event ids are unique");
    }

    // A message parked on `orders`: the first event the `orders` watch sees (the payments
    // events above were not for it), and the next one of the unfiltered watch.
    let order = report(
        "o-1",
        "orders",
        "OrderPlaced",
        pb::ErrorClass::Data,
        "WHATEVER",
        "no rule for this",
        "{}",
    );
    let order_tid = app.park_all(vec![order]).await.remove(0);
    for events in [&mut orders, &mut all] {
        let event = next_event(events).await;
        assert_eq!(event.kind(), Kind::Parked, "{event:?}");
        assert_eq!(
            event.tracking_ids,
            std::slice::from_ref(&order_tid),
            "{event:?}"
        );
        assert_eq!(event.queue, "orders");
        assert_eq!(
            event.group,
            failure_group("orders", "WHATEVER", "no rule for this")
        );
    }
}

/// Events are shared through Redis: a watch on one Salvage sees what another one parked.
#[tokio::test]
async fn watch_sees_events_of_another_process() {
    let app = spawn_app().await;
    let mut other = RunningApp::start(test_settings(&app.redis.url())).await;
    let viewer = other.viewer().await;
    let mut events = viewer
        .clone()
        .watch_parked(pb::WatchParkedRequest::default())
        .await
        .unwrap()
        .into_inner();
    // The other process's tail may start after its first poll: park until one is seen.
    let mut parked = Vec::new();
    let seen = loop {
        parked.extend(
            app.park_all(vec![fraud_declined(&format!("p-{}", parked.len()))])
                .await,
        );
        match tokio::time::timeout(Duration::from_millis(500), events.message()).await {
            Ok(event) => break event.unwrap().expect("the watch goes on"),
            Err(_) => assert!(parked.len() < 20, "no event seen from the other process"),
        }
    };
    assert_eq!(seen.kind(), Kind::Parked);
    assert!(parked.contains(&seen.tracking_ids[0]), "{seen:?}");
    other.stop().await;
}
