//! The bulk commands `resubmit`, `discard` and `restore`. Each first asks Salvage for a dry run
//! (how many messages match, a sample), shows that, asks for confirmation (unless `--yes`),
//! and only then makes the change.

use anyhow::anyhow;
use serde_json::{Map, Value, json};

use super::{
    args::{DiscardArgs, RestoreArgs, ResubmitArgs},
    client::Ctx,
    confirm::confirm,
    json,
    progress::{follow, is_final, outcome, summary},
    render::{count, messages, or_dash, truncate},
};
use crate::proto::v1 as pb;

/// Sample lines shown before asking.
const SAMPLE_LINES: usize = 5;

/// `salvage parked resubmit`.
pub(crate) async fn resubmit(ctx: &Ctx, args: ResubmitArgs) -> anyhow::Result<()> {
    let selection = args.selection.to_proto("resubmit")?;
    let request = pb::ResubmitParkedRequest {
        selection: Some(selection),
        options: Some(args.redrive.to_proto()?),
        dry_run: true,
        comment: args.comment.clone().unwrap_or_default(),
    };
    let dry = ctx
        .client()
        .resubmit_parked(ctx.req(request.clone()))
        .await
        .map_err(|s| ctx.fail(s))?
        .into_inner();
    if dry.matched == 0 {
        return nothing_matches(ctx, "parked");
    }
    warn_missing_ids(&args.selection.ids, dry.matched);
    plan(
        &format!(
            "This will resubmit {} to their origin queue(s)",
            messages(dry.matched)
        ),
        dry.matched,
        &dry.sample,
    );
    confirm("Continue? [y/N]", args.yes).await?;
    let resp = ctx
        .client()
        .resubmit_parked(ctx.req(pb::ResubmitParkedRequest {
            dry_run: false,
            ..request
        }))
        .await
        .map_err(|s| ctx.fail(s))?
        .into_inner();
    let run = resp
        .run
        .ok_or_else(|| anyhow!("Salvage answered without a run"))?;
    let mut extra = Map::new();
    extra.insert("matched".to_owned(), json!(resp.matched));
    finish_run(ctx, run, args.no_wait, extra).await
}

/// Print a run that is over, or follow it (progress on stderr) unless `no_wait`; the exit
/// status says whether it completed. `extra`: more fields for the JSON output.
pub(crate) async fn finish_run(
    ctx: &Ctx,
    run: pb::Run,
    no_wait: bool,
    mut extra: Map<String, Value>,
) -> anyhow::Result<()> {
    if no_wait && !is_final(&run) {
        if ctx.json {
            extra.insert("run".to_owned(), json::run(&run));
            json::print(&Value::Object(extra));
        } else {
            println!("{}", run.run_id);
            eprintln!(
                "run {id} goes on in Salvage: `salvage parked run show {id}` shows its progress",
                id = run.run_id
            );
        }
        return Ok(());
    }
    let run = follow(ctx, run).await?;
    if ctx.json {
        extra.insert("run".to_owned(), json::run(&run));
        json::print(&Value::Object(extra));
    } else {
        println!("{}", summary(&run));
    }
    outcome(&run)
}

/// `salvage parked discard`.
pub(crate) async fn discard(ctx: &Ctx, args: DiscardArgs) -> anyhow::Result<()> {
    if args.reason.trim().is_empty() {
        return Err(anyhow!("--reason must say why (it is kept in the archive)"));
    }
    let request = pb::DiscardParkedRequest {
        selection: Some(args.selection.to_proto("discard")?),
        reason: args.reason.clone(),
        dry_run: true,
    };
    let dry = ctx
        .client()
        .discard_parked(ctx.req(request.clone()))
        .await
        .map_err(|s| ctx.fail(s))?
        .into_inner();
    if dry.matched == 0 {
        return nothing_matches(ctx, "parked");
    }
    warn_missing_ids(&args.selection.ids, dry.matched);
    plan(
        &format!(
            "This will discard {} (moved to the archive, where `salvage parked restore` can \
             bring them back)",
            messages(dry.matched)
        ),
        dry.matched,
        &dry.sample,
    );
    confirm("Continue? [y/N]", args.yes).await?;
    let resp = ctx
        .client()
        .discard_parked(ctx.req(pb::DiscardParkedRequest {
            dry_run: false,
            ..request
        }))
        .await
        .map_err(|s| ctx.fail(s))?
        .into_inner();
    if ctx.json {
        json::print(&json!({
            "matched": resp.matched,
            "discarded": resp.discarded,
            "sample": json::summaries(&resp.sample),
        }));
    } else {
        println!(
            "Discarded {} (reason: {}). `salvage parked list --archived` lists them, `salvage \
             parked restore ID...` brings them back.",
            messages(resp.discarded),
            args.reason
        );
    }
    Ok(())
}

/// `salvage parked restore`.
pub(crate) async fn restore(ctx: &Ctx, args: RestoreArgs) -> anyhow::Result<()> {
    let request = pb::RestoreArchivedRequest {
        selection: Some(args.selection.to_proto("restore")?),
        comment: args.comment.clone().unwrap_or_default(),
        dry_run: true,
    };
    let dry = ctx
        .client()
        .restore_archived(ctx.req(request.clone()))
        .await
        .map_err(|s| ctx.fail(s))?
        .into_inner();
    if dry.matched == 0 {
        return nothing_matches(ctx, "archived");
    }
    warn_missing_ids(&args.selection.ids, dry.matched);
    plan(
        &format!(
            "This will restore {} from the archive to the parking lot",
            messages(dry.matched)
        ),
        dry.matched,
        &[],
    );
    confirm("Continue? [y/N]", args.yes).await?;
    let resp = ctx
        .client()
        .restore_archived(ctx.req(pb::RestoreArchivedRequest {
            dry_run: false,
            ..request
        }))
        .await
        .map_err(|s| ctx.fail(s))?
        .into_inner();
    if ctx.json {
        json::print(&json!({
            "matched": resp.matched,
            "restored": resp.restored,
            "not_restored": resp.not_restored,
        }));
    } else {
        println!("Restored {}.", messages(resp.restored));
        for why in &resp.not_restored {
            println!("not restored: {why}");
        }
    }
    Ok(())
}

/// Nothing to do: say so (a JSON document for scripts) and succeed.
pub(crate) fn nothing_matches(ctx: &Ctx, what: &str) -> anyhow::Result<()> {
    if ctx.json {
        json::print(&json!({ "matched": 0 }));
    } else {
        println!("No {what} message matches: nothing to do.");
    }
    Ok(())
}

/// When some of the ids given are not there, say so before asking.
fn warn_missing_ids(ids: &[String], matched: u64) {
    let given = ids.len() as u64;
    if given > matched {
        eprintln!(
            "note: {} of the {} tracking id(s) given did not match",
            count(given - matched),
            count(given)
        );
    }
}

/// What is about to happen, on stderr (stdout stays for the result): the count and a few
/// sample lines.
pub(crate) fn plan(what: &str, matched: u64, sample: &[pb::ParkedSummary]) {
    if sample.is_empty() {
        eprintln!("{what}.");
        return;
    }
    eprintln!("{what}, for example:");
    for m in sample.iter().take(SAMPLE_LINES) {
        let queue = m.origin.as_ref().map_or("", |o| o.queue.as_str());
        eprintln!(
            "  {}  {}  {}  {}",
            m.tracking_id,
            or_dash(queue),
            or_dash(&m.error_code),
            truncate(&m.payload_preview, 60)
        );
    }
    let shown = sample.len().min(SAMPLE_LINES) as u64;
    if matched > shown {
        eprintln!("  ... and {} more", count(matched - shown));
    }
}
