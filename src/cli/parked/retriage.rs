//! `salvage parked retriage`: what the rules loaded now would do with parked messages, per
//! failure group with before/after samples; with `--apply`, resubmit those a rule repairs.

use std::fmt::Write as _;

use anyhow::anyhow;
use serde_json::{Map, json};

use super::{
    args::RetriageArgs,
    bulk::{finish_run, nothing_matches},
    client::Ctx,
    confirm::confirm,
    json,
    render::{count, messages, truncate},
};
use crate::proto::v1 as pb;

/// `salvage parked retriage [--apply]`.
pub(crate) async fn retriage(ctx: &Ctx, args: RetriageArgs) -> anyhow::Result<()> {
    // A dry run changes nothing, so it may look at every parked message without --all-parked.
    let selection = if args.apply {
        args.selection.to_proto("re-triage")?
    } else {
        args.selection.to_proto_unguarded()?
    };
    let request = pb::RetriageParkedRequest {
        selection: Some(selection),
        dry_run: true,
        options: Some(args.redrive.to_proto()?),
        samples_per_group: args.samples.min(10),
        comment: args.comment.clone().unwrap_or_default(),
    };
    let dry = ctx
        .client()
        .retriage_parked(ctx.req(request.clone()))
        .await
        .map_err(|s| ctx.fail(s))?
        .into_inner();
    if !args.apply {
        if ctx.json {
            json::print(&json::retriage(&dry));
        } else {
            print!("{}", render(&dry));
            if dry.would_repair > 0 {
                println!(
                    "Dry run: nothing changed. Run again with --apply to resubmit the {} a rule \
                     repairs.",
                    messages(dry.would_repair)
                );
            } else {
                println!("Dry run: nothing changed.");
            }
        }
        return Ok(());
    }
    if dry.matched == 0 {
        return nothing_matches(ctx, "parked");
    }
    // Stdout is for the result; in JSON mode the dry run goes to stderr, for the person.
    if ctx.json {
        eprint!("{}", render(&dry));
    } else {
        print!("{}", render(&dry));
    }
    if dry.would_repair == 0 {
        if ctx.json {
            json::print(&json::retriage(&dry));
        } else {
            println!("No rule repairs any of them: nothing to do.");
        }
        return Ok(());
    }
    eprintln!(
        "This will resubmit {} with their repaired payloads; the other {} stay parked.",
        messages(dry.would_repair),
        count(dry.matched.saturating_sub(dry.would_repair))
    );
    confirm("Continue? [y/N]", args.yes).await?;
    let resp = ctx
        .client()
        .retriage_parked(ctx.req(pb::RetriageParkedRequest {
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
    extra.insert("would_repair".to_owned(), json!(resp.would_repair));
    extra.insert("rules_version".to_owned(), json!(resp.rules_version));
    finish_run(ctx, run, args.no_wait, extra).await
}

/// The dry run per group, for people.
fn render(r: &pb::RetriageParkedResponse) -> String {
    let mut out = String::new();
    for g in &r.groups {
        let _ = writeln!(
            out,
            "group {}: {} matched, {} would be repaired",
            g.group,
            count(g.matched),
            count(g.would_repair)
        );
        if !g.by_decision.is_empty() {
            let _ = writeln!(out, "  by decision: {}", counts(&g.by_decision));
        }
        if !g.by_rule.is_empty() {
            let _ = writeln!(out, "  by rule:     {}", counts(&g.by_rule));
        }
        for s in &g.samples {
            let rule = if s.rule.is_empty() {
                "no rule".to_owned()
            } else {
                format!("rule {}", s.rule)
            };
            let _ = writeln!(out, "  sample {} ({rule})", s.tracking_id);
            let _ = writeln!(
                out,
                "    before: {}",
                truncate(&String::from_utf8_lossy(&s.before), 200)
            );
            if !s.after.is_empty() {
                let _ = writeln!(
                    out,
                    "    after:  {}",
                    truncate(&String::from_utf8_lossy(&s.after), 200)
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "In all: {} matched, {} would be repaired and resubmitted.",
        messages(r.matched),
        count(r.would_repair)
    );
    if !r.rules_version.is_empty() {
        // `salvage check` prints a rules file's version: the operator can tell these are the
        // rules just edited, not the ones before a reload.
        let _ = writeln!(out, "Decided by rules version {}.", r.rules_version);
    }
    out
}

/// "park 3, retry 1", largest first.
fn counts(m: &std::collections::HashMap<String, u64>) -> String {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.iter()
        .map(|(k, n)| format!("{k} {}", count(**n)))
        .collect::<Vec<_>>()
        .join(", ")
}
