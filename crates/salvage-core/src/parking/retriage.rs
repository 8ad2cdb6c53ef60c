//! Re-triage: run the rules loaded now over parked messages (after an operator added or fixed a
//! rule). `verdict` is the one decision both the dry run and the apply run use, so what the dry
//! run reports is what apply then does: a message is repaired when a rule decides to requeue it
//! with a changed payload; every other message stays parked.

use std::{collections::BTreeMap, sync::Arc};

use super::{
    Caller, ParkingError, Record, Selection, list::Reader, record::SUMMARY_FIELDS, redact::Redactor,
};
use crate::{
    rules::{LiveRules, Loaded},
    store::Store,
};
use salvage_rules::{Decision, ErrorClass, Input};

/// What the current rules make of one parked message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `repair` (requeue with a changed payload), `requeue` (unchanged), `retry` or `park`.
    pub decision: &'static str,
    /// The deciding rule, or "" (defaults).
    pub rule: String,
    /// The repaired payload, for `repair`.
    pub repaired: Option<Vec<u8>>,
    /// The version of the rules that decided.
    pub rules_version: String,
}

/// Evaluate `rules` (a set in hand: `LiveRules::current`) on a parked record's payload and
/// failure.
pub fn verdict(rules: &Loaded, r: &Record) -> Verdict {
    let class = r
        .failure_str("class")
        .parse::<ErrorClass>()
        .unwrap_or(ErrorClass::Unknown);
    let eval = rules.set.evaluate(&Input {
        queue: &r.message.queue,
        event_type: &r.message.event_type,
        class,
        code: &r.code,
        message: r.failure_str("message"),
        payload: &r.message.payload,
    });
    let rule = eval.rule.as_deref().unwrap_or_default().to_owned();
    let (decision, repaired) = match eval.decision {
        Decision::Requeue { payload: Some(p) } if p != r.message.payload => ("repair", Some(p)),
        Decision::Requeue { .. } => ("requeue", None),
        Decision::Retry { .. } => ("retry", None),
        Decision::Park { .. } => ("park", None),
    };
    Verdict {
        decision,
        rule,
        repaired,
        rules_version: rules.version.clone(),
    }
}

/// A dry run's findings for one failure group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupReport {
    /// The group.
    pub group: String,
    /// Messages of the selection in it.
    pub matched: u64,
    /// Of those, repaired by a rule.
    pub would_repair: u64,
    /// Counts by decision (`repair`, `requeue`, `retry`, `park`).
    pub by_decision: BTreeMap<String, u64>,
    /// Counts by deciding rule (`_default` when none matched).
    pub by_rule: BTreeMap<String, u64>,
    /// (tracking id, rule, before, after) of some repaired messages.
    pub samples: Vec<(String, String, Vec<u8>, Vec<u8>)>,
}

/// A dry run's findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DryRun {
    /// Messages selected.
    pub matched: u64,
    /// Of those, repaired by a rule.
    pub would_repair: u64,
    /// Per group, most messages first.
    pub groups: Vec<GroupReport>,
    /// The selection, oldest first, for an apply run right after.
    pub ids: Vec<String>,
    /// The version of the rules that decided every message of the dry run (one set, taken
    /// once: a reload during the dry run does not mix two).
    pub rules_version: String,
}

impl DryRun {
    /// Mask its before/after samples as `redactor` masks payloads.
    pub fn mask(&mut self, redactor: &Redactor) {
        for g in &mut self.groups {
            for (_, _, before, after) in &mut g.samples {
                for payload in [before, after] {
                    if let Some(masked) = redactor.mask_bytes(payload) {
                        *payload = masked;
                    }
                }
            }
        }
    }
}

/// Re-triage dry runs: what they use of the parking lot (apply runs are runs: `runs/`).
#[derive(Debug)]
pub(super) struct Retriage {
    /// The selection.
    pub(super) read: Reader,
    /// The selected records, payloads and all.
    pub(super) store: Store,
    /// The rules in force.
    pub(super) rules: Arc<LiveRules>,
}

impl Retriage {
    /// What the current rules would do with the selected parked messages; changes nothing.
    pub(super) async fn dry_run(
        &self,
        _caller: &Caller,
        selection: &Selection,
        samples_per_group: usize,
    ) -> Result<DryRun, ParkingError> {
        let ids = self.read.select(selection, false).await?;
        let rules = self.rules.current();
        let mut groups: BTreeMap<String, GroupReport> = BTreeMap::new();
        let mut out = DryRun {
            rules_version: rules.version.clone(),
            ..DryRun::default()
        };
        for chunk in ids.chunks(200) {
            let records = self.store.records(chunk, SUMMARY_FIELDS, false).await?;
            for r in records.iter().filter_map(Record::parse) {
                let v = verdict(&rules, &r);
                let g = groups
                    .entry(r.group.clone())
                    .or_insert_with(|| GroupReport {
                        group: r.group.clone(),
                        ..GroupReport::default()
                    });
                g.matched += 1;
                out.matched += 1;
                *g.by_decision.entry(v.decision.to_owned()).or_default() += 1;
                let rule = if v.rule.is_empty() {
                    "_default"
                } else {
                    &v.rule
                };
                *g.by_rule.entry(rule.to_owned()).or_default() += 1;
                if let Some(after) = v.repaired {
                    g.would_repair += 1;
                    out.would_repair += 1;
                    if g.samples.len() < samples_per_group {
                        g.samples.push((
                            r.tracking_id.clone(),
                            v.rule,
                            r.message.payload.clone(),
                            after,
                        ));
                    }
                }
            }
        }
        out.groups = groups.into_values().collect();
        out.ids = ids;
        out.groups.sort_by_key(|g| std::cmp::Reverse(g.matched));
        Ok(out)
    }
}
