//! The parking lot's admin API (`salvage.v1.ParkingLot`) end to end, against real Redis: finding
//! parked messages, editing and resubmitting them (one, by filter, in bulk across a crash, at a
//! rate, with auto-stop and canary), re-triage with new rules, discard and restore, retention,
//! live events, the audit log, auth, and what it costs in Redis memory.

mod audit;
mod auth;
mod concurrency;
mod discard;
mod edit;
mod get;
mod groups;
mod list;
mod observe;
mod paging;
mod redrive;
mod resubmit;
mod retention;
mod retriage;
mod watch;

use std::{collections::HashMap, time::Duration};

use salvage::proto::v1 as pb;
use salvage_model::failure_group;
use tonic::Status;

use crate::support::{admin::*, *};

/// The failure group of `fraud_declined(id)` (ids of one prefix, e.g. `p-1` and `p-2`, share it).
fn fraud_group(id: &str) -> String {
    failure_group(
        "payments",
        "FRAUD_DECLINED",
        &format!("payment {id} declined by screening (score 0.97)"),
    )
}

/// Discard by ids with a reason; panics unless it succeeds.
async fn discard(op: &Admin, ids: &[String], reason: &str) -> pb::DiscardParkedResponse {
    op.clone()
        .discard_parked(pb::DiscardParkedRequest {
            selection: by_ids(ids),
            reason: reason.to_owned(),
            dry_run: false,
        })
        .await
        .unwrap()
        .into_inner()
}

/// Restore archived messages by ids; panics unless it succeeds.
async fn restore(op: &Admin, ids: &[String]) -> pb::RestoreArchivedResponse {
    op.clone()
        .restore_archived(pb::RestoreArchivedRequest {
            selection: by_ids(ids),
            comment: "restored by the test".to_owned(),
            dry_run: false,
        })
        .await
        .unwrap()
        .into_inner()
}

/// Resubmit by ids, no redrive options; panics unless it succeeds.
async fn resubmit_ids(op: &Admin, ids: &[String]) -> pb::ResubmitParkedResponse {
    op.clone()
        .resubmit_parked(pb::ResubmitParkedRequest {
            selection: by_ids(ids),
            options: None,
            dry_run: false,
            comment: "fixed upstream".to_owned(),
        })
        .await
        .unwrap()
        .into_inner()
}

/// Replace a parked message's payload.
async fn edit_payload(
    op: &Admin,
    tracking_id: &str,
    expected_version: u64,
    payload: &str,
) -> Result<pb::ParkedMessage, Status> {
    op.clone()
        .edit_parked(pb::EditParkedRequest {
            tracking_id: tracking_id.to_owned(),
            expected_version,
            payload: Some(payload.as_bytes().to_vec()),
            headers: HashMap::new(),
            replace_headers: false,
            comment: "corrected by hand".to_owned(),
        })
        .await
        .map(tonic::Response::into_inner)
}

/// The message ids (not tracking ids) of summaries, in order.
fn message_ids(list: &[pb::ParkedSummary]) -> Vec<String> {
    list.iter().map(|s| s.id.clone()).collect()
}

/// Bounds for waiting on background runs.
const RUN_LIMIT: Duration = Duration::from_secs(20);
