//! ListAudit: each operator action is recorded with its actor, role and messages, newest
//! first; filters by actor and tracking id; paging.

use std::collections::HashSet;

use super::*;

async fn audit(op: &Admin, req: pb::ListAuditRequest) -> pb::ListAuditResponse {
    op.clone().list_audit(req).await.unwrap().into_inner()
}

#[tokio::test]
async fn actions_are_audited_and_can_be_filtered_and_paged() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let viewer = app.viewer().await;
    let mut reqs: Vec<_> = (1..=3).map(|i| fraud_declined(&format!("p-{i}"))).collect();
    reqs.extend((1..=3).map(|i| shipment(&format!("s-{i}"), "{}")));
    let tids = app.park_all(reqs).await;
    let (t1, t2, t3) = (&tids[0], &tids[1], &tids[2]);

    edit_payload(&op, t1, 1, r#"{"payment_id":"p-1","amount_cents":1}"#)
        .await
        .unwrap();
    discard(&op, std::slice::from_ref(t2), "duplicate").await;
    restore(&op, std::slice::from_ref(t2)).await;
    let run = resubmit_ids(&op, std::slice::from_ref(t3))
        .await
        .run
        .unwrap();
    let bulk = op
        .clone()
        .discard_parked(pb::DiscardParkedRequest {
            selection: by_filter(queue_filter("shipments")),
            reason: "test shipments".to_owned(),
            dry_run: false,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(bulk.discarded, 3);
    // Reads and dry runs are not operator actions.
    list_all(&viewer, pb::ParkedFilter::default()).await;
    viewer
        .clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_ids(std::slice::from_ref(t1)),
            dry_run: true,
            ..Default::default()
        })
        .await
        .unwrap();

    let all = audit(&op, pb::ListAuditRequest::default()).await;
    let actions: Vec<_> = all.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["discard", "resubmit", "restore", "discard", "edit"],
        "newest first: {:#?}",
        all.entries
    );
    assert!(all.next_page_token.is_empty());
    for e in &all.entries {
        assert_eq!(e.actor, "olivia", "{e:?}");
        assert_eq!(e.role, "operator", "{e:?}");
        assert!(!e.id.is_empty() && e.at.is_some(), "{e:?}");
    }
    for pair in all.entries.windows(2) {
        let (a, b) = (pair[0].at.unwrap(), pair[1].at.unwrap());
        assert!((a.seconds, a.nanos) >= (b.seconds, b.nanos));
    }
    let [bulk_e, resubmit_e, restore_e, discard_e, edit_e] = &all.entries[..] else {
        unreachable!()
    };
    assert_eq!(bulk_e.message_count, 3);
    let mut bulk_ids = bulk_e.tracking_ids.clone();
    bulk_ids.sort();
    let mut want: Vec<String> = tids[3..].to_vec();
    want.sort();
    assert_eq!(bulk_ids, want);
    assert!(bulk_e.filter.contains("shipments"), "{bulk_e:?}");
    assert_eq!(resubmit_e.tracking_ids, std::slice::from_ref(t3));
    assert_eq!(resubmit_e.run_id, run.run_id);
    assert_eq!(resubmit_e.comment, "fixed upstream");
    assert_eq!(restore_e.tracking_ids, std::slice::from_ref(t2));
    assert_eq!(discard_e.tracking_ids, std::slice::from_ref(t2));
    assert_eq!(discard_e.message_count, 1);
    assert_eq!(edit_e.tracking_ids, std::slice::from_ref(t1));
    assert_eq!(
        edit_e.payload_before,
        br#"{"payment_id":"p-1","amount_cents":990}"#
    );
    assert_eq!(
        edit_e.payload_after,
        br#"{"payment_id":"p-1","amount_cents":1}"#
    );

    // Filters.
    let by_actor = |actor: &str| pb::ListAuditRequest {
        actor: actor.to_owned(),
        ..Default::default()
    };
    assert_eq!(audit(&viewer, by_actor("olivia")).await.entries.len(), 5);
    assert!(audit(&viewer, by_actor("victor")).await.entries.is_empty());
    let of_t2 = audit(
        &viewer,
        pb::ListAuditRequest {
            tracking_id: t2.clone(),
            ..Default::default()
        },
    )
    .await;
    let actions: Vec<_> = of_t2.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["restore", "discard"]);
    let of_bulk = audit(
        &viewer,
        pb::ListAuditRequest {
            tracking_id: tids[4].clone(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        of_bulk.entries.len(),
        1,
        "bulk entries are found by a member"
    );

    // Paging: 2 + 2 + 1, the same entries in the same order.
    let mut paged = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = audit(
            &op,
            pb::ListAuditRequest {
                page_size: 2,
                page_token: token,
                ..Default::default()
            },
        )
        .await;
        assert!(page.entries.len() <= 2);
        pages += 1;
        paged.extend(page.entries);
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
        assert!(pages < 10, "paging does not end");
    }
    let ids: Vec<_> = paged.iter().map(|e| e.id.clone()).collect();
    let want: Vec<_> = all.entries.iter().map(|e| e.id.clone()).collect();
    assert_eq!(ids, want);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 5);
    assert!(pages >= 3);
}
