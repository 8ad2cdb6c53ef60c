//! DiscardParked and RestoreArchived: a reason is required, discarded messages move to the
//! archive (still readable), and come back with the same tracking id and group count.

use tonic::Code;

use super::*;

#[tokio::test]
async fn discard_archives_and_restore_brings_back() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let tids = app
        .park_all((1..=3).map(|i| fraud_declined(&format!("p-{i}"))).collect())
        .await;
    let group = fraud_group("p-1");

    // No reason: refused, naming the field; nothing moves.
    let status = op
        .clone()
        .discard_parked(pb::DiscardParkedRequest {
            selection: by_ids(&tids[..1]),
            reason: String::new(),
            dry_run: false,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(status.message().contains("reason"), "{status:?}");
    assert_eq!(list_all(&op, pb::ParkedFilter::default()).await.len(), 3);

    // A dry run counts and changes nothing.
    let dry = op
        .clone()
        .discard_parked(pb::DiscardParkedRequest {
            selection: by_filter(group_filter(&group)),
            reason: "test".to_owned(),
            dry_run: true,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((dry.matched, dry.discarded), (3, 0));
    assert_eq!(group_count(&op, &group).await, 3);
    assert!(
        list_archived(&op, pb::ParkedFilter::default())
            .await
            .is_empty()
    );

    let resp = discard(&op, &tids[..1], "test order, not a real payment").await;
    assert_eq!((resp.matched, resp.discarded), (1, 1));
    let parked = list_ids(&op, pb::ParkedFilter::default()).await;
    assert!(!parked.contains(&tids[0]), "gone from the parking lot");
    assert_eq!(parked.len(), 2);
    assert_eq!(group_count(&op, &group).await, 2);
    let archived = list_archived(&op, pb::ParkedFilter::default()).await;
    assert_eq!(archived.len(), 1);
    assert_eq!(archived[0].tracking_id, tids[0]);
    let a = archived[0].archived.as_ref().expect("archived is set");
    assert_eq!(a.discarded_by, "olivia");
    assert_eq!(a.reason, "test order, not a real payment");
    assert!(a.discarded_at.is_some());
    let rec = get(&op, &tids[0])
        .await
        .expect("archived messages can be read");
    let a = rec.summary.as_ref().unwrap().archived.as_ref().unwrap();
    assert_eq!(a.discarded_by, "olivia");
    assert_eq!(rec.payload, br#"{"payment_id":"p-1","amount_cents":990}"#);
    // The archive takes the same filters.
    assert_eq!(list_archived(&op, queue_filter("payments")).await.len(), 1);
    assert!(list_archived(&op, queue_filter("orders")).await.is_empty());

    // The archive lists the most recently discarded first.
    discard(&op, &tids[1..2], "second").await;
    let order: Vec<_> = list_archived(&op, pb::ParkedFilter::default())
        .await
        .into_iter()
        .map(|s| s.tracking_id)
        .collect();
    assert_eq!(order, [tids[1].clone(), tids[0].clone()]);
    restore(&op, &tids[1..2]).await;

    // A restore dry run counts and changes nothing.
    let dry = op
        .clone()
        .restore_archived(pb::RestoreArchivedRequest {
            selection: by_ids(&tids[..1]),
            comment: String::new(),
            dry_run: true,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((dry.matched, dry.restored), (1, 0), "{dry:?}");
    assert_eq!(
        list_archived(&op, pb::ParkedFilter::default()).await.len(),
        1
    );

    let restored = restore(&op, &tids[..1]).await;
    assert_eq!(
        (restored.matched, restored.restored),
        (1, 1),
        "{restored:?}"
    );
    assert!(restored.not_restored.is_empty());
    let parked = list_all(&op, pb::ParkedFilter::default()).await;
    let back = parked
        .iter()
        .find(|s| s.tracking_id == tids[0])
        .expect("back");
    assert!(back.archived.is_none());
    assert_eq!(back.group, group);
    assert_eq!(group_count(&op, &group).await, 3);
    assert!(
        list_archived(&op, pb::ParkedFilter::default())
            .await
            .is_empty()
    );
    assert!(
        get(&op, &tids[0])
            .await
            .unwrap()
            .summary
            .unwrap()
            .archived
            .is_none()
    );
    assert_eq!(
        list_ids(&op, group_filter(&group)).await.len(),
        3,
        "back in the group's index"
    );
}

/// A message parked again after it was discarded is not restored over the new record.
#[tokio::test]
async fn restore_skips_a_message_parked_again() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let tid = app.park_all(vec![fraud_declined("p-1")]).await.remove(0);
    discard(&op, std::slice::from_ref(&tid), "not needed").await;

    // The producer sends it again and it fails again: whatever the answer, the message must
    // really be parked (a PARKED answer with no parked record would lose it).
    let resp = app
        .client()
        .report(fraud_declined("p-1"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Parked, "{resp:?}");
    let rec = get(&op, &resp.tracking_id).await.unwrap();
    assert!(
        rec.summary.as_ref().unwrap().archived.is_none(),
        "reported again after a discard, answered PARKED, but only in the archive: {rec:?}"
    );
    assert_ne!(resp.tracking_id, tid, "parked anew");
    let restored = restore(&op, std::slice::from_ref(&tid)).await;
    assert_eq!(restored.restored, 0, "{restored:?}");
    assert!(
        restored.not_restored.iter().any(|s| s.contains(&tid)),
        "{restored:?}"
    );
    assert_eq!(
        list_ids(&op, pb::ParkedFilter::default()).await,
        [resp.tracking_id]
    );
}
