//! Operators racing each other and processes sharing a run: every parked message ends in exactly
//! one place (sent once, or archived), and group counts stay true.

use std::collections::HashSet;

use salvage::proto::v1::run::State;

use super::*;

/// Two operators resubmit the same 200 messages at the same moment: each arrives once.
#[tokio::test]
async fn concurrent_resubmits_of_the_same_messages_send_each_once() {
    let app = spawn_app().await;
    let (a, b) = (app.operator().await, app.operator().await);
    let tids = app
        .park_all(
            (0..200)
                .map(|i| fraud_declined(&format!("p-{i}")))
                .collect(),
        )
        .await;
    let (ra, rb) = tokio::join!(resubmit_ids(&a, &tids), resubmit_ids(&b, &tids));
    let mut resubmitted = 0;
    for r in [ra, rb] {
        let run = wait_run(&a, &r.run.unwrap().run_id, RUN_LIMIT, is_final).await;
        assert_eq!(run.state(), State::Completed, "{run:?}");
        assert_eq!(run.done, run.total, "{run:?}");
        resubmitted += run.resubmitted;
    }
    assert_eq!(
        resubmitted, 200,
        "the two runs together sent each message once"
    );
    let landed = entries(&app.conn, "payments").await;
    assert_eq!(landed.len(), 200);
    let ids: HashSet<_> = landed.iter().map(|e| e.fields["id"].clone()).collect();
    assert_eq!(ids.len(), 200);
    assert_eq!(groups(&a).await.total_groups, 0);
}

/// One operator resubmits while another discards the same 300 messages: each message is either
/// sent or archived, never both, never neither; the group count is right.
#[tokio::test]
async fn resubmit_racing_discard_puts_each_message_in_one_place() {
    let app = spawn_app().await;
    let (a, b) = (app.operator().await, app.operator().await);
    let tids = app
        .park_all(
            (0..300)
                .map(|i| fraud_declined(&format!("p-{i}")))
                .collect(),
        )
        .await;
    // Several smaller calls each, interleaved, so that the two really overlap.
    let resubmitter = async {
        for chunk in tids.chunks(50) {
            let r = resubmit_ids(&a, chunk).await;
            wait_run(&a, &r.run.unwrap().run_id, RUN_LIMIT, is_final).await;
        }
    };
    let discarder = async {
        for chunk in tids.chunks(50).rev() {
            discard(&b, chunk, "race").await;
        }
    };
    tokio::join!(resubmitter, discarder);

    let sent: HashSet<String> = entries(&app.conn, "payments")
        .await
        .into_iter()
        .map(|e| e.fields["id"].clone())
        .collect();
    let archived: HashSet<String> = list_archived(&a, pb::ParkedFilter::default())
        .await
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert!(
        sent.is_disjoint(&archived),
        "sent and archived: {:?}",
        sent.intersection(&archived).collect::<Vec<_>>()
    );
    assert_eq!(
        sent.len() + archived.len(),
        300,
        "every message in one place"
    );
    assert_eq!(
        entries(&app.conn, "payments").await.len(),
        sent.len(),
        "none twice"
    );
    assert!(list_all(&a, pb::ParkedFilter::default()).await.is_empty());
    assert_eq!(group_count(&a, &fraud_group("p-1")).await, 0);
    assert_eq!(groups(&a).await.total_groups, 0);
}

/// Two live processes on one Redis, both running run workers: a background run is driven by
/// one at a time, and every message arrives once.
#[tokio::test]
async fn two_live_processes_do_not_double_a_run() {
    let app = spawn_app().await;
    let mut second = RunningApp::start(test_settings(&app.redis.url())).await;
    let other = second.operator().await;
    let op = app.operator().await;
    app.park_all(
        (0..300)
            .map(|i| fraud_declined(&format!("p-{i}")))
            .collect(),
    )
    .await;
    let resp = op
        .clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_filter(queue_filter("payments")),
            options: Some(pb::RedriveOptions {
                rate_per_second: 200.0,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let run_id = resp.run.unwrap().run_id;
    // Both see the same run.
    let seen_by_other = get_run(&other, &run_id).await;
    assert_eq!(seen_by_other.total, 300);
    let run = wait_run(&other, &run_id, RUN_LIMIT, is_final).await;
    assert_eq!(run.state(), State::Completed, "{run:?}");
    assert_eq!((run.done, run.resubmitted), (300, 300), "{run:?}");
    let landed = entries(&app.conn, "payments").await;
    assert_eq!(landed.len(), 300);
    let ids: HashSet<_> = landed.iter().map(|e| e.fields["id"].clone()).collect();
    assert_eq!(ids.len(), 300);
    second.stop().await;
}
