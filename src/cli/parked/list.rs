//! The listing commands: `list` (parked or archived messages), `groups` and `audit`.

use serde_json::json;

use super::{
    args::{AuditArgs, GroupSort, GroupsArgs, ListArgs},
    client::Ctx,
    json,
    render::{Table, count, or_dash, truncate, when},
};
use crate::proto::v1::{self as pb, list_groups_request::Sort};

/// Most messages the server returns per page.
const MAX_PAGE: u32 = 1000;

/// `salvage parked list`: without `--all`, pages are read until `--limit` messages came back
/// or there are no more (a page can come back short when the server's scan budget ran out).
pub(crate) async fn list(ctx: &Ctx, args: ListArgs) -> anyhow::Result<()> {
    let filter = args.filter.to_proto()?;
    let limit = args.limit.clamp(1, MAX_PAGE);
    let mut token = args.page_token.clone().unwrap_or_default();
    let mut messages = Vec::new();
    let mut total_in_index;
    loop {
        let wanted = if args.all {
            limit
        } else {
            limit - u32::try_from(messages.len()).unwrap_or(limit)
        };
        let req = ctx.req(pb::ListParkedRequest {
            filter: Some(filter.clone()),
            page_size: wanted,
            page_token: token.clone(),
        });
        let mut client = ctx.client();
        let page = if args.archived {
            client.list_archived(req).await
        } else {
            client.list_parked(req).await
        }
        .map_err(|s| ctx.fail(s))?
        .into_inner();
        total_in_index = page.total_in_index;
        messages.extend(page.messages);
        // The same token again would loop forever: stop there.
        let stuck = page.next_page_token == token;
        token = page.next_page_token;
        let full = !args.all && messages.len() >= limit as usize;
        if token.is_empty() || full || stuck {
            break;
        }
    }
    if ctx.json {
        json::print(&json!({
            "messages": json::summaries(&messages),
            "next_page_token": token,
            "total_in_index": total_in_index,
        }));
        return Ok(());
    }
    let what = if args.archived { "archived" } else { "parked" };
    if messages.is_empty() {
        println!("No {what} message matches.");
    } else {
        print!("{}", summary_table(&messages, args.archived).render());
    }
    if token.is_empty() {
        println!("{} shown.", super::render::messages(messages.len() as u64));
    } else {
        println!(
            "{} shown; more with --page-token {token} (or --all).",
            super::render::messages(messages.len() as u64)
        );
    }
    Ok(())
}

/// Messages as a table (with the archive columns for archived ones).
pub(crate) fn summary_table(messages: &[pb::ParkedSummary], archived: bool) -> Table {
    let mut t = if archived {
        Table::new(&[
            "TRACKING ID",
            "DISCARDED",
            "BY",
            "QUEUE",
            "CODE",
            "DISCARD REASON",
            "PAYLOAD",
        ])
    } else {
        Table::new(&[
            "TRACKING ID",
            "PARKED",
            "QUEUE",
            "EVENT TYPE",
            "CODE",
            "REASON",
            "PAYLOAD",
        ])
    };
    for m in messages {
        let queue = m.origin.as_ref().map(|o| o.queue.as_str()).unwrap_or("");
        let row = match (&m.archived, archived) {
            (Some(a), true) => vec![
                m.tracking_id.clone(),
                when(a.discarded_at.as_ref()),
                or_dash(&a.discarded_by),
                or_dash(queue),
                or_dash(&m.error_code),
                truncate(&a.reason, 30),
                truncate(&m.payload_preview, 40),
            ],
            _ => vec![
                m.tracking_id.clone(),
                when(m.parked_at.as_ref()),
                or_dash(queue),
                or_dash(&m.event_type),
                or_dash(&m.error_code),
                truncate(&m.reason, 30),
                truncate(&m.payload_preview, 40),
            ],
        };
        t.row(row);
    }
    t
}

/// `salvage parked groups`.
pub(crate) async fn groups(ctx: &Ctx, args: GroupsArgs) -> anyhow::Result<()> {
    let req = pb::ListGroupsRequest {
        sort: match args.sort {
            GroupSort::Count => Sort::Count,
            GroupSort::Recent => Sort::Recent,
        }
        .into(),
        queue: args.queue.unwrap_or_default(),
        limit: args.limit,
    };
    let resp = ctx
        .client()
        .list_groups(ctx.req(req))
        .await
        .map_err(|s| ctx.fail(s))?
        .into_inner();
    if ctx.json {
        json::print(&json!({
            "groups": resp.groups.iter().map(json::group).collect::<Vec<_>>(),
            "total_groups": resp.total_groups,
        }));
        return Ok(());
    }
    if resp.groups.is_empty() {
        println!("No failure group has parked messages.");
        return Ok(());
    }
    let mut t = Table::new(&[
        "GROUP",
        "COUNT",
        "QUEUES",
        "CODE",
        "LAST PARKED",
        "FIRST PARKED",
        "SAMPLE ERROR",
    ]);
    for g in &resp.groups {
        t.row(vec![
            g.group.clone(),
            count(g.count),
            or_dash(&g.origins.join(",")),
            or_dash(&g.error_code),
            when(g.last_seen.as_ref()),
            when(g.first_seen.as_ref()),
            truncate(&g.sample_error, 60),
        ]);
    }
    print!("{}", t.render());
    println!(
        "{} of {} group(s) shown. `salvage parked list --group GROUP` lists one.",
        resp.groups.len(),
        count(resp.total_groups)
    );
    Ok(())
}

/// `salvage parked audit`.
pub(crate) async fn audit(ctx: &Ctx, args: AuditArgs) -> anyhow::Result<()> {
    let req = pb::ListAuditRequest {
        page_size: args.limit,
        page_token: args.page_token.unwrap_or_default(),
        actor: args.actor.unwrap_or_default(),
        tracking_id: args.id.unwrap_or_default(),
    };
    let resp = ctx
        .client()
        .list_audit(ctx.req(req))
        .await
        .map_err(|s| ctx.fail(s))?
        .into_inner();
    if ctx.json {
        json::print(&json!({
            "entries": resp.entries.iter().map(json::audit).collect::<Vec<_>>(),
            "next_page_token": resp.next_page_token,
        }));
        return Ok(());
    }
    if resp.entries.is_empty() {
        println!("No audit entry matches.");
        return Ok(());
    }
    let mut t = Table::new(&[
        "AT", "ACTOR", "ROLE", "ACTION", "MESSAGES", "RUN", "COMMENT",
    ]);
    for e in &resp.entries {
        let messages = match (e.message_count, e.tracking_ids.first()) {
            (1, Some(id)) => id.clone(),
            (0, _) => "-".to_owned(),
            (n, Some(id)) => format!("{} ({id}, ...)", count(n)),
            (n, None) => count(n),
        };
        t.row(vec![
            when(e.at.as_ref()),
            or_dash(&e.actor),
            or_dash(&e.role),
            or_dash(&e.action),
            messages,
            or_dash(&e.run_id),
            truncate(&e.comment, 40),
        ]);
    }
    print!("{}", t.render());
    if !resp.next_page_token.is_empty() {
        println!("More with --page-token {}.", resp.next_page_token);
    }
    Ok(())
}
