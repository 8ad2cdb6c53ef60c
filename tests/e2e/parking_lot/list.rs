//! ListParked: each filter selects exactly its messages, newest first.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use salvage_model::ManualClock;

use salvage::{api::to_system_time, config::DestinationSettings};

use super::*;

#[tokio::test]
async fn filters_select_exactly_the_expected_messages() {
    let clock = manual_clock();
    let app = spawn_app_with_clock(clock.clone(), |s| {
        s.destinations
            .insert("audit".to_owned(), DestinationSettings::default());
    })
    .await;
    let op = app.operator().await;

    let mut audit_shipment = shipment("s-4", r#"{"note":"no customer"}"#);
    origin(&mut audit_shipment).destination = "audit".to_owned();
    let invoice = report(
        "i-1",
        "invoices",
        "InvoiceIssued",
        pb::ErrorClass::Data,
        "BAD_DATE",
        "due date is not a date",
        r#"{"due":"soon"}"#,
    );
    let before_mid = vec![
        fraud_declined("p-1"),
        fraud_declined("p-2"),
        shipment("s-1", r#"{"customer":{"id":"c-42"},"zip":"1234x"}"#),
    ];
    let after_mid = vec![
        shipment("s-2", r#"{"customer":{"id":42}}"#),
        shipment("s-3", r#"{"customer":{"id":"42"}}"#),
        audit_shipment,
        invoice,
    ];
    // Reported one by one, a few ms apart, so that "newest first" has one right answer.
    for req in before_mid {
        park_slowly(&app, &clock, req).await;
    }
    let mid = UNIX_EPOCH + Duration::from_millis(clock.advance(Duration::from_millis(5)));
    clock.advance(Duration::from_millis(5));
    for req in after_mid {
        park_slowly(&app, &clock, req).await;
    }

    let all = list_all(&op, pb::ParkedFilter::default()).await;
    let newest_first = ["i-1", "s-4", "s-3", "s-2", "s-1", "p-2", "p-1"];
    assert_eq!(message_ids(&all), newest_first, "newest first");
    for pair in all.windows(2) {
        let t = |s: &pb::ParkedSummary| to_system_time(s.parked_at.as_ref().unwrap()).unwrap();
        assert!(t(&pair[0]) >= t(&pair[1]), "{pair:?}");
    }
    let fraud = all.iter().find(|s| s.id == "p-1").unwrap();
    assert_eq!(
        fraud.group,
        fraud_group("p-1"),
        "the group is the failure fingerprint"
    );
    let shipments_group = all.iter().find(|s| s.id == "s-1").unwrap().group.clone();

    let f = pb::ParkedFilter::default;
    let ts = |t: SystemTime| Some(prost_types::Timestamp::from(t));
    let cases: Vec<(&str, pb::ParkedFilter, Vec<&str>)> = vec![
        (
            "queue",
            pb::ParkedFilter {
                queue: "payments".into(),
                ..f()
            },
            vec!["p-2", "p-1"],
        ),
        (
            "group",
            pb::ParkedFilter {
                group: fraud.group.clone(),
                ..f()
            },
            vec!["p-2", "p-1"],
        ),
        (
            "group of shipments across destinations",
            pb::ParkedFilter {
                group: shipments_group,
                ..f()
            },
            vec!["s-4", "s-3", "s-2", "s-1"],
        ),
        (
            "error code",
            pb::ParkedFilter {
                error_code: "ADDRESS_INVALID".into(),
                ..f()
            },
            vec!["s-4", "s-3", "s-2", "s-1"],
        ),
        (
            "event type",
            pb::ParkedFilter {
                event_type: "InvoiceIssued".into(),
                ..f()
            },
            vec!["i-1"],
        ),
        (
            "parked after",
            pb::ParkedFilter {
                parked_after: ts(mid),
                ..f()
            },
            vec!["i-1", "s-4", "s-3", "s-2"],
        ),
        (
            "parked before",
            pb::ParkedFilter {
                parked_before: ts(mid),
                ..f()
            },
            vec!["s-1", "p-2", "p-1"],
        ),
        (
            "time range that holds nothing",
            pb::ParkedFilter {
                parked_after: ts(mid - Duration::from_millis(2)),
                parked_before: ts(mid + Duration::from_millis(2)),
                ..f()
            },
            vec![],
        ),
        (
            "payload text",
            pb::ParkedFilter {
                text: "c-42".into(),
                ..f()
            },
            vec!["s-1"],
        ),
        (
            "payload text, several",
            pb::ParkedFilter {
                text: "42".into(),
                ..f()
            },
            vec!["s-3", "s-2", "s-1"],
        ),
        (
            "payload text is case-sensitive",
            pb::ParkedFilter {
                text: "SOON".into(),
                ..f()
            },
            vec![],
        ),
        (
            "json pointer present",
            pb::ParkedFilter {
                json_pointer: "/customer/id".into(),
                ..f()
            },
            vec!["s-3", "s-2", "s-1"],
        ),
        (
            "json pointer present, another key",
            pb::ParkedFilter {
                json_pointer: "/note".into(),
                ..f()
            },
            vec!["s-4"],
        ),
        (
            "json pointer = 42 (number or string)",
            pb::ParkedFilter {
                json_pointer: "/customer/id".into(),
                json_value: "42".into(),
                ..f()
            },
            vec!["s-3", "s-2"],
        ),
        (
            "json pointer = plain string",
            pb::ParkedFilter {
                json_pointer: "/customer/id".into(),
                json_value: "c-42".into(),
                ..f()
            },
            vec!["s-1"],
        ),
        (
            "json pointer = JSON string",
            pb::ParkedFilter {
                json_pointer: "/customer/id".into(),
                json_value: "\"c-42\"".into(),
                ..f()
            },
            vec!["s-1"],
        ),
        (
            "destination",
            pb::ParkedFilter {
                destination: "audit".into(),
                ..f()
            },
            vec!["s-4"],
        ),
        (
            "destination redis",
            pb::ParkedFilter {
                destination: "redis".into(),
                ..f()
            },
            vec!["i-1", "s-3", "s-2", "s-1", "p-2", "p-1"],
        ),
        (
            "filters AND together",
            pb::ParkedFilter {
                queue: "shipments".into(),
                parked_after: ts(mid),
                text: "\"customer\"".into(),
                ..f()
            },
            vec!["s-3", "s-2"],
        ),
        (
            "unknown queue",
            pb::ParkedFilter {
                queue: "nope".into(),
                ..f()
            },
            vec![],
        ),
    ];
    for (name, filter, want) in cases {
        let got = list_all(&op, filter).await;
        assert_eq!(message_ids(&got), want, "filter: {name}");
    }

    // The index a page was read from: the queue's, before the other filters.
    let page = op
        .clone()
        .list_parked(pb::ListParkedRequest {
            filter: Some(pb::ParkedFilter {
                queue: "shipments".into(),
                text: "c-42".into(),
                ..f()
            }),
            page_size: 10,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.total_in_index, 4, "{page:?}");
    assert_eq!(message_ids(&page.messages), ["s-1"]);
    assert!(page.next_page_token.is_empty());
    assert_eq!(
        page.messages[0].payload_preview,
        r#"{"customer":{"id":"c-42"},"zip":"1234x"}"#
    );
}

/// Report one message (3 ms by `clock` after the previous one) and assert it was parked.
async fn park_slowly(app: &TestApp, clock: &ManualClock, req: pb::ReportRequest) {
    clock.advance(Duration::from_millis(3));
    let resp = app.client().report(req).await.unwrap().into_inner();
    assert_eq!(outcome(&resp), pb::Outcome::Parked, "{resp:?}");
}
