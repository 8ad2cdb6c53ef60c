//! Runs (`runs`, `run show|cancel|resume`) and the live event feed (`watch`).

use serde_json::{Map, json};

use super::{
    args::RunAction,
    bulk::finish_run,
    client::Ctx,
    json,
    progress::{bar, details, summary},
    render::{Table, or_dash, when},
};
use crate::proto::v1 as pb;

/// `salvage parked runs`.
pub(crate) async fn list(ctx: &Ctx, limit: u32) -> anyhow::Result<()> {
    let resp = ctx
        .client()
        .list_runs(ctx.req(pb::ListRunsRequest { limit }))
        .await
        .map_err(|s| ctx.fail(s))?
        .into_inner();
    if ctx.json {
        json::print(&json!({ "runs": resp.runs.iter().map(json::run).collect::<Vec<_>>() }));
        return Ok(());
    }
    if resp.runs.is_empty() {
        println!("No runs.");
        return Ok(());
    }
    let mut t = Table::new(&["RUN ID", "KIND", "STATE", "CREATED", "BY", "PROGRESS"]);
    for r in &resp.runs {
        t.row(vec![
            r.run_id.clone(),
            r.kind().as_str_name().to_lowercase(),
            r.state().as_str_name().to_owned(),
            when(r.created_at.as_ref()),
            or_dash(&r.created_by),
            bar(r, None),
        ]);
    }
    print!("{}", t.render());
    Ok(())
}

/// `salvage parked run show|cancel|resume RUN_ID`.
pub(crate) async fn action(ctx: &Ctx, action: RunAction) -> anyhow::Result<()> {
    let mut client = ctx.client();
    match action {
        RunAction::Show { run_id } => {
            let run = client
                .get_run(ctx.req(pb::GetRunRequest { run_id }))
                .await
                .map_err(|s| ctx.fail(s))?
                .into_inner();
            if ctx.json {
                json::print(&json::run(&run));
            } else {
                print!("{}", details(&run));
            }
        }
        RunAction::Cancel { run_id } => {
            let run = client
                .cancel_run(ctx.req(pb::GetRunRequest { run_id }))
                .await
                .map_err(|s| ctx.fail(s))?
                .into_inner();
            if ctx.json {
                json::print(&json::run(&run));
            } else {
                println!("{}", summary(&run));
                println!(
                    "It stops after the batch under way; `salvage parked run resume {}` goes on.",
                    run.run_id
                );
            }
        }
        RunAction::Resume { run_id, no_wait } => {
            let run = client
                .resume_run(ctx.req(pb::GetRunRequest { run_id }))
                .await
                .map_err(|s| ctx.fail(s))?
                .into_inner();
            return finish_run(ctx, run, no_wait, Map::new()).await;
        }
    }
    Ok(())
}

/// `salvage parked watch`: one line (or, with `--json`, one JSON object) per event until
/// Ctrl-C or until Salvage ends the stream.
pub(crate) async fn watch(ctx: &Ctx, queue: Option<String>) -> anyhow::Result<()> {
    let req = pb::WatchParkedRequest {
        queue: queue.unwrap_or_default(),
    };
    let mut stream = ctx
        .client()
        .watch_parked(ctx.req(req))
        .await
        .map_err(|s| ctx.fail(s))?
        .into_inner();
    if !ctx.json {
        eprintln!("Watching parking-lot events (Ctrl-C to stop)...");
    }
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let event = tokio::select! {
            _ = &mut ctrl_c => return Ok(()),
            next = stream.message() => next.map_err(|s| ctx.fail(s))?,
        };
        let Some(event) = event else {
            if !ctx.json {
                eprintln!("Salvage ended the stream.");
            }
            return Ok(());
        };
        if ctx.json {
            // JSON Lines: one compact object per event, so a script can read them as they come.
            println!("{}", json::event(&event));
        } else {
            println!("{}", line(&event));
        }
    }
}

/// An event for people.
fn line(e: &pb::ParkingLotEvent) -> String {
    let ids = match e.tracking_ids.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} and {} more", rest.len()),
    };
    format!(
        "{}  {:<11}  {}  group {}  by {}  {}",
        super::render::absolute(e.at.as_ref()),
        e.kind().as_str_name(),
        or_dash(&e.queue),
        or_dash(&e.group),
        or_dash(&e.actor),
        ids
    )
}
