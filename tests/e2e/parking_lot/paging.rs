//! ListParked paging: consistent while messages are parked and discarded concurrently, page
//! sizes, and a scan budget that runs out on rare matches.

use std::{
    collections::HashSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use salvage::api::to_system_time;

use super::*;

/// Paging with page_size 40 through 300 parked messages while another task parks 200 more and
/// discards some of the 300: nothing twice, newest first across pages, nothing parked after the
/// first page shows up, and every original that was not discarded is seen.
#[tokio::test]
async fn paging_is_consistent_under_concurrent_parks_and_discards() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let originals = app
        .park_all(
            (0..300)
                .map(|i| fraud_declined(&format!("orig-{i}")))
                .collect(),
        )
        .await;

    let first = op
        .clone()
        .list_parked(pb::ListParkedRequest {
            filter: None,
            page_size: 40,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.messages.len(), 40);
    assert_eq!(first.total_in_index, 300);
    assert!(!first.next_page_token.is_empty());

    let progress = Arc::new(AtomicUsize::new(0));
    let discarded = Arc::new(Mutex::new(HashSet::new()));
    let writer = tokio::spawn({
        let (mut client, op, progress, discarded) = (
            app.client(),
            op.clone(),
            progress.clone(),
            discarded.clone(),
        );
        let originals = originals.clone();
        async move {
            for i in 0..200 {
                let resp = client
                    .report(fraud_declined(&format!("new-{i}")))
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(outcome(&resp), pb::Outcome::Parked);
                if i % 4 == 0 {
                    // Originals from the whole range: some already listed, some not yet.
                    let victim = originals[(i / 4) * 6].clone();
                    let resp = discard(&op, std::slice::from_ref(&victim), "duplicate").await;
                    assert_eq!(resp.discarded, 1);
                    discarded.lock().unwrap().insert(victim);
                }
                progress.fetch_add(1, Ordering::SeqCst);
            }
        }
    });

    let mut pages = vec![first.messages];
    let mut token = first.next_page_token;
    while !token.is_empty() {
        // Let the writer get ahead between pages, so pages and writes really interleave.
        let want = (pages.len() * 25).min(200);
        let caught_up = eventually(Duration::from_secs(20), || async {
            (progress.load(Ordering::SeqCst) >= want).then_some(())
        })
        .await;
        assert!(caught_up.is_some(), "the writer is stuck");
        let page = op
            .clone()
            .list_parked(pb::ListParkedRequest {
                filter: None,
                page_size: 40,
                page_token: token,
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.messages.len() <= 40, "page of {}", page.messages.len());
        pages.push(page.messages);
        token = page.next_page_token;
        assert!(pages.len() < 100, "paging does not end");
    }
    writer.await.unwrap();

    let seen: Vec<pb::ParkedSummary> = pages.into_iter().flatten().collect();
    let mut unique = HashSet::new();
    for s in &seen {
        assert!(
            unique.insert(s.tracking_id.clone()),
            "{} listed twice",
            s.id
        );
        assert!(
            s.id.starts_with("orig-"),
            "{} was parked after the first page and must not be listed",
            s.id
        );
    }
    let t = |s: &pb::ParkedSummary| to_system_time(s.parked_at.as_ref().unwrap()).unwrap();
    for pair in seen.windows(2) {
        assert!(
            t(&pair[0]) >= t(&pair[1]),
            "not newest first across pages: {} then {}",
            pair[0].id,
            pair[1].id
        );
    }
    let discarded = discarded.lock().unwrap().clone();
    assert_eq!(discarded.len(), 50);
    let missing: Vec<_> = originals
        .iter()
        .filter(|t| !discarded.contains(*t) && !unique.contains(*t))
        .collect();
    assert!(
        missing.is_empty(),
        "{} originals never listed",
        missing.len()
    );
    assert_eq!(
        list_all(&op, pb::ParkedFilter::default()).await.len(),
        300 - 50 + 200
    );
}

/// A payload filter that matches 3 of 12,000: the scan budget of one call runs out, pages come
/// back short with a token, and paging on finds exactly the 3, newest first. A JSON Pointer
/// filter skips payloads that are not JSON.
#[tokio::test]
async fn rare_matches_are_found_across_the_scan_budget() {
    const N: usize = 12_000;
    let app = spawn_app().await;
    let op = app.operator().await;
    let marked = [10, 6_000, N - 10];
    let reqs = (0..N)
        .map(|i| {
            let id = format!("p-{i}");
            let mut req = fraud_declined(&id);
            if marked.contains(&i) {
                message(&mut req).payload =
                    format!(r#"{{"payment_id":"{id}","marker":"needle"}}"#).into_bytes();
            } else if i % 1000 == 1 {
                message(&mut req).payload = format!("not JSON: marker {id}").into_bytes();
            }
            req
        })
        .collect();
    app.park_all(reqs).await;
    let want: Vec<String> = marked.iter().rev().map(|i| format!("p-{i}")).collect();

    // Page sizes: 0 means 50, more than 1000 means 1000.
    for (asked, got) in [(0, 50), (5_000, 1_000)] {
        let page = op
            .clone()
            .list_parked(pb::ListParkedRequest {
                filter: None,
                page_size: asked,
                page_token: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.messages.len(), got, "page_size {asked}");
        assert!(!page.next_page_token.is_empty());
    }

    let mut found = Vec::new();
    let mut token = String::new();
    let (mut pages, mut short_with_token, mut scanned) = (0, 0, 0u64);
    loop {
        let page = op
            .clone()
            .list_parked(pb::ListParkedRequest {
                filter: Some(pb::ParkedFilter {
                    text: "needle".into(),
                    ..Default::default()
                }),
                page_size: 10,
                page_token: token,
            })
            .await
            .unwrap()
            .into_inner();
        pages += 1;
        scanned += u64::from(page.scanned);
        assert_eq!(page.total_in_index, N as u64);
        if page.messages.len() < 10 && !page.next_page_token.is_empty() {
            short_with_token += 1;
        }
        found.extend(message_ids(&page.messages));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
        assert!(pages < 1_000, "paging does not end");
    }
    assert_eq!(found, want);
    assert!(
        short_with_token >= 1,
        "one call scanned all {N}: no budget?"
    );
    assert!(
        scanned >= (N - 10) as u64,
        "scanned {scanned} in {pages} pages"
    );

    let by_pointer = list_all(
        &op,
        pb::ParkedFilter {
            json_pointer: "/marker".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        message_ids(&by_pointer),
        want,
        "non-JSON payloads are skipped"
    );
    let by_value = list_all(
        &op,
        pb::ParkedFilter {
            json_pointer: "/marker".into(),
            json_value: "needle".into(),
            text: "p-6000".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(message_ids(&by_value), ["p-6000"]);
}
