//! ListGroups: 10,000 failures from one bug are one group; sorting by count and by recency;
//! counts follow messages being resolved.

use salvage::proto::v1::list_groups_request::Sort;
use salvage_model::mask_message;

use super::*;

#[tokio::test]
async fn ten_thousand_failures_of_one_bug_are_one_group() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let fraud = app
        .park_all(
            (0..10_000)
                .map(|i| fraud_declined(&format!("p-{i}")))
                .collect(),
        )
        .await;
    let shipments = app
        .park_all((0..3).map(|i| shipment(&format!("s-{i}"), "{}")).collect())
        .await;
    let fraud_gid = fraud_group("p-1");

    let by_count = groups(&op).await;
    assert_eq!(by_count.total_groups, 2, "{by_count:?}");
    assert_eq!(by_count.groups.len(), 2);
    let g = &by_count.groups[0];
    assert_eq!(g.group, fraud_gid, "most messages first");
    assert_eq!(g.count, 10_000);
    assert_eq!(g.origins, ["payments"]);
    assert_eq!(g.error_code, "FRAUD_DECLINED");
    assert_eq!(
        mask_message(&g.sample_error),
        "payment p-# declined by screening (score #)",
        "{}",
        g.sample_error
    );
    assert!(g.first_seen.is_some() && g.last_seen.is_some());
    let (first, last) = (g.first_seen.unwrap(), g.last_seen.unwrap());
    assert!((first.seconds, first.nanos) <= (last.seconds, last.nanos));
    let s = &by_count.groups[1];
    assert_eq!((s.count, s.error_code.as_str()), (3, "ADDRESS_INVALID"));
    assert_eq!(s.origins, ["shipments"]);
    let shipments_gid = s.group.clone();

    let list = |sort: Sort, queue: &str, limit: u32| {
        let op = op.clone();
        let queue = queue.to_owned();
        async move {
            op.clone()
                .list_groups(pb::ListGroupsRequest {
                    sort: sort.into(),
                    queue,
                    limit,
                })
                .await
                .unwrap()
                .into_inner()
        }
    };
    let recent = list(Sort::Recent, "", 0).await;
    let order: Vec<_> = recent.groups.iter().map(|g| g.group.clone()).collect();
    assert_eq!(
        order,
        [shipments_gid.clone(), fraud_gid.clone()],
        "most recent first"
    );
    let one = list(Sort::Count, "", 1).await;
    assert_eq!(one.groups.len(), 1);
    assert_eq!(one.groups[0].group, fraud_gid);
    assert_eq!(one.total_groups, 2);
    let of_queue = list(Sort::Count, "shipments", 0).await;
    assert_eq!(of_queue.groups.len(), 1);
    assert_eq!(of_queue.groups[0].group, shipments_gid);

    // The group's index agrees with its count.
    let page = op
        .clone()
        .list_parked(pb::ListParkedRequest {
            filter: Some(group_filter(&fraud_gid)),
            page_size: 1,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.total_in_index, 10_000);

    // Resolving messages lowers the counts; an empty group is no longer listed.
    assert_eq!(
        discard(&op, &fraud[..100], "test data").await.discarded,
        100
    );
    assert_eq!(group_count(&op, &fraud_gid).await, 9_900);
    let resubmitted = resubmit_ids(&op, &fraud[100..150]).await;
    assert_eq!(resubmitted.run.unwrap().resubmitted, 50);
    assert_eq!(group_count(&op, &fraud_gid).await, 9_850);
    discard(&op, &shipments, "test data").await;
    let after = groups(&op).await;
    assert_eq!(after.total_groups, 1, "{after:?}");
    assert_eq!(after.groups.len(), 1);
    assert_eq!(after.groups[0].count, 9_850);
}
