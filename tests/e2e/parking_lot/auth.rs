//! Auth: no token or an unknown one is UNAUTHENTICATED; a viewer reads and dry-runs but every
//! change is PERMISSION_DENIED, and nothing changes.

use tonic::Code;

use super::*;

#[tokio::test]
async fn tokens_and_roles() {
    let app = spawn_app().await;
    let tid = app.park_all(vec![fraud_declined("p-1")]).await.remove(0);
    let op = app.operator().await;
    let viewer = app.viewer().await;
    let list = pb::ListParkedRequest::default;

    for (name, client) in [
        ("no token", anonymous(&app.parking_url()).await),
        (
            "unknown token",
            admin(&app.parking_url(), "not-a-token").await,
        ),
    ] {
        let status = client.clone().list_parked(list()).await.unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated, "{name}: {status:?}");
        let status = get(&client, &tid).await.unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated, "{name}: {status:?}");
        let status = client
            .clone()
            .watch_parked(pb::WatchParkedRequest::default())
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated, "{name}: {status:?}");
    }

    // The token without the `Bearer ` scheme is not accepted either.
    let channel = tonic::transport::Channel::from_shared(app.parking_url())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let raw: tonic::metadata::MetadataValue<tonic::metadata::Ascii> = OPERATOR.parse().unwrap();
    let mut no_scheme = pb::parking_lot_client::ParkingLotClient::with_interceptor(
        channel,
        move |mut req: tonic::Request<()>| {
            req.metadata_mut().insert("authorization", raw.clone());
            Ok::<_, tonic::Status>(req)
        },
    );
    let status = no_scheme.list_parked(list()).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");

    // A viewer reads.
    let page = viewer
        .clone()
        .list_parked(list())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.messages.len(), 1);
    get(&viewer, &tid).await.unwrap();
    assert_eq!(groups(&viewer).await.total_groups, 1);
    viewer
        .clone()
        .list_audit(pb::ListAuditRequest::default())
        .await
        .unwrap();
    viewer.clone().list_archived(list()).await.unwrap();

    // ... and dry-runs.
    let dry = viewer
        .clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_ids(std::slice::from_ref(&tid)),
            dry_run: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(dry.matched, 1);
    let dry = viewer
        .clone()
        .retriage_parked(pb::RetriageParkedRequest {
            selection: by_ids(std::slice::from_ref(&tid)),
            dry_run: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(dry.matched, 1);
    let dry = viewer
        .clone()
        .discard_parked(pb::DiscardParkedRequest {
            selection: by_ids(std::slice::from_ref(&tid)),
            reason: "just looking".to_owned(),
            dry_run: true,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((dry.matched, dry.discarded), (1, 0));

    // Every change is denied.
    let denied = |name: &str, status: tonic::Status| {
        assert_eq!(status.code(), Code::PermissionDenied, "{name}: {status:?}");
    };
    denied(
        "edit",
        edit_payload(&viewer, &tid, 1, "{}").await.unwrap_err(),
    );
    denied(
        "discard",
        viewer
            .clone()
            .discard_parked(pb::DiscardParkedRequest {
                selection: by_ids(std::slice::from_ref(&tid)),
                reason: "no".to_owned(),
                dry_run: false,
            })
            .await
            .unwrap_err(),
    );
    denied(
        "resubmit",
        viewer
            .clone()
            .resubmit_parked(pb::ResubmitParkedRequest {
                selection: by_ids(std::slice::from_ref(&tid)),
                ..Default::default()
            })
            .await
            .unwrap_err(),
    );
    denied(
        "retriage",
        viewer
            .clone()
            .retriage_parked(pb::RetriageParkedRequest {
                selection: by_ids(std::slice::from_ref(&tid)),
                ..Default::default()
            })
            .await
            .unwrap_err(),
    );
    denied(
        "restore",
        viewer
            .clone()
            .restore_archived(pb::RestoreArchivedRequest {
                selection: by_ids(std::slice::from_ref(&tid)),
                ..Default::default()
            })
            .await
            .unwrap_err(),
    );
    // A real run for the run calls: a canary run waiting long enough to be cancelled.
    let other = app.park_all(vec![fraud_declined("p-2")]).await.remove(0);
    let run = op
        .clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_ids(std::slice::from_ref(&other)),
            options: Some(pb::RedriveOptions {
                rate_per_second: 0.5,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .run
        .unwrap();
    let run_req = || pb::GetRunRequest {
        run_id: run.run_id.clone(),
    };
    denied(
        "cancel",
        viewer.clone().cancel_run(run_req()).await.unwrap_err(),
    );
    denied(
        "resume",
        viewer.clone().resume_run(run_req()).await.unwrap_err(),
    );
    viewer.clone().get_run(run_req()).await.unwrap();
    viewer
        .clone()
        .list_runs(pb::ListRunsRequest { limit: 5 })
        .await
        .unwrap();

    // Nothing changed: still parked, version 1, nothing sent, nothing audited but the run.
    let rec = get(&op, &tid).await.unwrap();
    assert_eq!(rec.summary.as_ref().unwrap().version, 1);
    assert!(rec.summary.as_ref().unwrap().archived.is_none());
    assert!(
        app.stream("payments").await.len() <= 1,
        "only the operator's run sends"
    );
    let audit = op
        .clone()
        .list_audit(pb::ListAuditRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(
        audit.entries.iter().all(|e| e.actor == "olivia"),
        "{:#?}",
        audit.entries
    );
    assert_eq!(audit.entries.len(), 1, "{:#?}", audit.entries);
}

/// A token configured by its SHA-256 only works like the token itself; its name is the actor.
#[tokio::test]
async fn token_configured_by_digest() {
    use sha2::{Digest, Sha256};
    let secret = "sam-secret-token";
    let digest: String = Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let app = spawn_app_with(|s| {
        s.parking_lot.tokens.push(salvage::config::TokenSettings {
            name: "sam".to_owned(),
            role: salvage::config::Role::Operator,
            token: None,
            token_sha256: Some(digest),
        });
    })
    .await;
    let tid = app.park_all(vec![fraud_declined("p-1")]).await.remove(0);
    let sam = admin(&app.parking_url(), secret).await;
    discard(&sam, std::slice::from_ref(&tid), "by sam").await;
    let rec = get(&sam, &tid).await.unwrap();
    assert_eq!(rec.summary.unwrap().archived.unwrap().discarded_by, "sam");
    let status = admin(&app.parking_url(), &format!("{secret}x"))
        .await
        .list_parked(pb::ListParkedRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}
