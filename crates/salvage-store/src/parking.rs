//! Redis calls of the parking lot: reading records and indexes, and the scripts that change them
//! (edit, discard, restore, resubmit a batch, purge the archive, claim a run). Each change is one
//! script, so it is atomic and records its event (and, for operator actions, its audit entry) in
//! the same step. The parking-lot logic itself lives in the server's `parking` module.

use std::collections::{BTreeMap, HashMap};

use redis::{AsyncCommands, Script};

use super::{Keys, Store, StoreError};

/// A record as stored: field name → raw value.
pub type RawRecord = HashMap<String, Vec<u8>>;

/// The parking lot's scripts and caps.
#[derive(Clone)]
pub(crate) struct ParkingScripts {
    pub(crate) events_max: u64,
    pub(crate) audit_max: u64,
    edit: Script,
    discard: Script,
    restore: Script,
    resubmit: Script,
    purge_archive: Script,
    claim_run: Script,
}

macro_rules! with_park {
    ($file:literal) => {
        Script::new(concat!(
            include_str!("lua/park.lua"),
            include_str!("lua/unpark.lua"),
            include_str!($file)
        ))
    };
}

impl ParkingScripts {
    pub(crate) fn new() -> Self {
        Self {
            events_max: 10_000,
            audit_max: 100_000,
            edit: with_park!("lua/edit.lua"),
            discard: with_park!("lua/discard.lua"),
            restore: with_park!("lua/restore.lua"),
            resubmit: with_park!("lua/resubmit.lua"),
            purge_archive: with_park!("lua/purge_archive.lua"),
            claim_run: Script::new(include_str!("lua/claim_run.lua")),
        }
    }
}

/// What an edit found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditResult {
    /// Done; the new version.
    Edited(u64),
    /// The record is at another version; nothing changed.
    Stale(u64),
    /// No such parked record.
    Missing,
}

/// One message of a resubmit batch, prepared by the caller.
#[derive(Debug, Clone)]
pub struct ResubmitEntry {
    /// The parked record.
    pub tracking_id: String,
    /// The version it was read at.
    pub version: u64,
    /// The tracking id of the copy sent.
    pub new_tracking_id: String,
    /// Where the copy goes: the origin stream (inline) or the destination's outbox.
    pub target: String,
    /// Digest of the payload sent (duplicate detection when a consumer drops headers).
    pub digest: String,
    /// Whether the copy's bytes differ from the parked payload (an edit or a re-triage repair):
    /// only then can a consumer that drops headers be recognised by them (see report.lua).
    pub changed: bool,
    /// The attempt appended to the message's history (a JSON object).
    pub history: String,
    /// The XADD field/value list.
    pub fields: Vec<Vec<u8>>,
}

/// What a resubmit batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchResult {
    /// Committed: how many were resubmitted, how many skipped, and when each resubmitted record
    /// had been parked (ms).
    Done {
        resubmitted: u64,
        skipped: u64,
        parked_at: Vec<u64>,
    },
    /// A record was edited after it was read: nothing done.
    Stale(String),
    /// The run is no longer this process's to work on (lease lost, cancelled): nothing done.
    Lost,
    /// A record's origin queue cannot take it: nothing done.
    Error {
        tracking_id: String,
        message: String,
    },
}

/// A parking-lot index, which every bucket has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index<'a> {
    /// Every parked record, by parked-at time.
    Parked,
    /// Every archived record, by discarded-at time.
    Archive,
    /// The parked records of one origin queue.
    Queue(&'a str),
    /// The parked records of one failure group.
    Group(&'a str),
}

impl Index<'_> {
    /// Its key in one bucket.
    pub fn key(&self, keys: &Keys) -> String {
        match self {
            Self::Parked => keys.parked_index(),
            Self::Archive => keys.archive_index(),
            Self::Queue(q) => keys.queue_index(q),
            Self::Group(g) => keys.group_index(g),
        }
    }
}

/// A zset score Salvage wrote as a ms timestamp (whole, positive).
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "zset scores Salvage wrote as ms timestamps: whole and positive"
)]
fn whole(score: f64) -> u64 {
    score as u64
}

/// One bucket's part of a resubmit batch.
struct BatchPart {
    keys: Keys,
    /// The run hash the script counts on: at home with one bucket, else the bucket's.
    run_key: String,
    /// The owner the script checks ("" with several buckets: checked at home before).
    owner: String,
    lease_until_ms: u64,
    new_cursor: u64,
    actor: String,
    extra_skipped: u64,
    entries: Vec<ResubmitEntry>,
    now_ms: u64,
}

/// The counters of a run that scripts in the buckets add to (summed on read).
const RUN_COUNTERS: [&str; 5] = [
    "resubmitted",
    "skipped",
    "delivered",
    "delivery_failed",
    "failed_again",
];

/// Audit fields: name/value pairs.
pub type AuditFields = Vec<(&'static str, String)>;

fn push_audit(inv: &mut redis::ScriptInvocation<'_>, audit: &AuditFields) {
    inv.arg(audit.len());
    for (k, v) in audit {
        inv.arg(*k).arg(v);
    }
}

/// The audit fields of one bucket's part of an operator action: none but for the last part,
/// which writes the entry and counts `before` moved by the parts before it.
fn push_part_audit(
    inv: &mut redis::ScriptInvocation<'_>,
    audit: &AuditFields,
    last: bool,
    before: usize,
) {
    if last {
        push_audit(inv, audit);
    } else {
        inv.arg(0);
    }
    inv.arg(before);
}

impl Store {
    /// A parked record (or, with `archived`, an archived one): every field.
    pub async fn record(&self, tracking_id: &str, archived: bool) -> Result<RawRecord, StoreError> {
        let Some(b) = self.layout.of_tracking_id(tracking_id) else {
            return Ok(RawRecord::new());
        };
        let keys = self.layout.bucket(b);
        let key = if archived {
            keys.archived(tracking_id)
        } else {
            keys.parked(tracking_id)
        };
        let mut conn = self.link.conn();
        Ok(conn.hgetall(key).await?)
    }

    /// The positions of `tracking_ids` grouped by bucket (ids no bucket holds are left out).
    fn by_bucket(&self, tracking_ids: &[String]) -> BTreeMap<u32, Vec<usize>> {
        let mut by: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (i, t) in tracking_ids.iter().enumerate() {
            if let Some(b) = self.layout.of_tracking_id(t) {
                by.entry(b).or_default().push(i);
            }
        }
        by
    }

    /// Some fields of many records (empty maps for records that do not exist), in one pipeline.
    pub async fn records(
        &self,
        tracking_ids: &[String],
        fields: &[&str],
        archived: bool,
    ) -> Result<Vec<RawRecord>, StoreError> {
        if tracking_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = vec![RawRecord::new(); tracking_ids.len()];
        let mut conn = self.link.conn();
        // One pipeline per bucket: a Cluster pipeline goes to one node.
        for (b, positions) in self.by_bucket(tracking_ids) {
            let keys = self.layout.bucket(b);
            let mut pipe = redis::pipe();
            for &i in &positions {
                let t = &tracking_ids[i];
                let key = if archived {
                    keys.archived(t)
                } else {
                    keys.parked(t)
                };
                pipe.cmd("HMGET").arg(key).arg(fields);
            }
            let rows: Vec<Vec<Option<Vec<u8>>>> = pipe.query_async(&mut conn).await?;
            for (i, row) in positions.into_iter().zip(rows) {
                out[i] = fields
                    .iter()
                    .zip(row)
                    .filter_map(|(f, v)| v.map(|v| ((*f).to_owned(), v)))
                    .collect();
            }
        }
        Ok(out)
    }

    /// One page of a parking-lot index across every bucket, newest first: up to `count`
    /// entries with scores in `[min, max]` (Redis score bounds, e.g. "-inf", "(123") that come
    /// strictly after `after` in listing order (score descending, then member descending), so a
    /// walk that resumes after the last entry it saw neither repeats nor skips one.
    pub async fn index_page(
        &self,
        index: Index<'_>,
        max: &str,
        min: &str,
        after: Option<(u64, &str)>,
        count: usize,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let count = count.max(1);
        let mut merged: Vec<(String, u64)> = Vec::new();
        // The highest of the last entries read from buckets that may hold more: below it, such a
        // bucket may hold entries not read yet.
        let mut frontier: Option<(u64, String)> = None;
        for (_, keys) in self.layout.buckets() {
            let key = index.key(keys);
            let mut offset = 0;
            loop {
                let rows = self.zrange_rev(&key, max, min, offset, count).await?;
                let full = rows.len() == count;
                let before = |(m, s): &(String, u64)| {
                    after.is_none_or(|(a, am)| *s < a || (*s == a && m.as_str() < am))
                };
                let fresh: Vec<(String, u64)> =
                    rows.iter().filter(|r| before(r)).cloned().collect();
                if fresh.is_empty() && full {
                    // Only entries tied with the cursor: look further along the tie.
                    offset += rows.len();
                    continue;
                }
                if full && let Some((m, s)) = rows.last() {
                    let higher = frontier
                        .as_ref()
                        .is_none_or(|(fs, fm)| (*s, m.as_str()) > (*fs, fm.as_str()));
                    if higher {
                        frontier = Some((*s, m.clone()));
                    }
                }
                merged.extend(fresh);
                break;
            }
        }
        merged.sort_by(|(am, a), (bm, b)| b.cmp(a).then_with(|| bm.cmp(am)));
        // Past the highest of the buckets' last entries, a bucket may hold entries not read.
        if let Some((fs, fm)) = frontier {
            merged.retain(|(m, s)| (*s, m.as_str()) >= (fs, fm.as_str()));
        }
        merged.truncate(count);
        Ok(merged)
    }

    /// The `count` oldest entries of a parking-lot index across every bucket, oldest first.
    pub async fn index_oldest(
        &self,
        index: Index<'_>,
        count: usize,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let mut conn = self.link.conn();
        let mut merged: Vec<(String, u64)> = Vec::new();
        let last = isize::try_from(count).unwrap_or(isize::MAX) - 1;
        for (_, keys) in self.layout.buckets() {
            let rows: Vec<(String, f64)> = conn.zrange_withscores(index.key(keys), 0, last).await?;
            merged.extend(rows.into_iter().map(|(m, s)| (m, whole(s))));
        }
        merged.sort_by(|(am, a), (bm, b)| a.cmp(b).then_with(|| am.cmp(bm)));
        merged.truncate(count);
        Ok(merged)
    }

    /// Entries of a parking-lot index, summed over the buckets.
    pub async fn index_len(&self, index: Index<'_>) -> Result<u64, StoreError> {
        let mut conn = self.link.conn();
        let mut n = 0;
        for (_, keys) in self.layout.buckets() {
            let k: u64 = conn.zcard(index.key(keys)).await?;
            n += k;
        }
        Ok(n)
    }

    /// `ZRANGE key max min BYSCORE REV LIMIT offset count WITHSCORES`.
    async fn zrange_rev(
        &self,
        key: &str,
        max: &str,
        min: &str,
        offset: usize,
        count: usize,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let mut conn = self.link.conn();
        let rows: Vec<(String, f64)> = redis::cmd("ZRANGE")
            .arg(key)
            .arg(max)
            .arg(min)
            .arg("BYSCORE")
            .arg("REV")
            .arg("LIMIT")
            .arg(offset)
            .arg(count)
            .arg("WITHSCORES")
            .query_async(&mut conn)
            .await?;
        Ok(rows.into_iter().map(|(m, s)| (m, whole(s))).collect())
    }

    /// Every failure group with parked messages: id and summary fields, most recent first.
    ///
    /// With more than one bucket, one line per group across them: `count` summed, `first_seen`
    /// the earliest and `last_seen` the latest, the other fields (`queue`, `code`,
    /// `sample_message`) those of the bucket where the group was seen first; ordered by the
    /// latest `groups` score (ties: the greater id first, as ZREVRANGE orders them).
    pub async fn groups(&self) -> Result<Vec<(String, HashMap<String, String>)>, StoreError> {
        let mut conn = self.link.conn();
        let mut per_bucket = Vec::new();
        // One bucket at a time, each in a pipeline of its own: on a Cluster a pipeline must
        // stay in one slot.
        for (_, keys) in self.layout.buckets() {
            let ids: Vec<(String, f64)> = conn.zrevrange_withscores(keys.groups(), 0, -1).await?;
            let mut pipe = redis::pipe();
            for (g, _) in &ids {
                pipe.hgetall(keys.group(g));
            }
            let rows: Vec<HashMap<String, String>> = if ids.is_empty() {
                Vec::new()
            } else {
                pipe.query_async(&mut conn).await?
            };
            per_bucket.push(ids.into_iter().zip(rows).collect::<Vec<_>>());
        }
        if let [one] = &mut per_bucket[..] {
            return Ok(std::mem::take(one)
                .into_iter()
                .map(|((g, _), row)| (g, row))
                .collect());
        }
        // Merge by group id: (the latest score, the line so far).
        let num = |row: &HashMap<String, String>, k: &str| -> Option<u64> {
            row.get(k).and_then(|v| v.parse().ok())
        };
        let mut merged: HashMap<String, (f64, HashMap<String, String>)> = HashMap::new();
        for ((g, score), row) in per_bucket.into_iter().flatten() {
            if row.is_empty() {
                // Gone between the two reads (its last message left the bucket).
                merged.entry(g).or_insert((score, row));
                continue;
            }
            let Some((best, line)) = merged.get_mut(&g) else {
                merged.insert(g, (score, row));
                continue;
            };
            *best = best.max(score);
            let count = num(line, "count").unwrap_or(0) + num(&row, "count").unwrap_or(0);
            let first = [num(line, "first_seen"), num(&row, "first_seen")]
                .into_iter()
                .flatten()
                .min();
            let last = [num(line, "last_seen"), num(&row, "last_seen")]
                .into_iter()
                .flatten()
                .max();
            // The descriptive fields of the bucket that saw the group first.
            let earlier = match (num(&row, "first_seen"), num(line, "first_seen")) {
                (Some(r), Some(l)) => r < l,
                (r, _) => r.is_some() || line.is_empty(),
            };
            if earlier {
                *line = row;
            }
            line.insert("count".to_owned(), count.to_string());
            for (k, v) in [("first_seen", first), ("last_seen", last)] {
                if let Some(v) = v {
                    line.insert(k.to_owned(), v.to_string());
                }
            }
        }
        let mut lines: Vec<(String, f64, HashMap<String, String>)> = merged
            .into_iter()
            .map(|(g, (score, line))| (g, score, line))
            .collect();
        lines.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
        Ok(lines.into_iter().map(|(g, _, line)| (g, line)).collect())
    }

    /// Replace a parked record's payload and/or headers if it is at `expected` version.
    #[allow(
        clippy::too_many_arguments,
        reason = "one argument per field of the script's audit entry"
    )]
    pub async fn edit_parked(
        &self,
        tracking_id: &str,
        expected: u64,
        payload: Option<&[u8]>,
        headers: Option<&str>,
        actor: &str,
        now_ms: u64,
        audit: &AuditFields,
    ) -> Result<EditResult, StoreError> {
        let Some(b) = self.layout.of_tracking_id(tracking_id) else {
            return Ok(EditResult::Missing);
        };
        let keys = self.layout.bucket(b);
        let mut inv = self.parking.edit.key(keys.parked(tracking_id));
        inv.arg(keys.prefix())
            .arg(now_ms)
            .arg(expected)
            .arg(u8::from(payload.is_some()))
            .arg(payload.unwrap_or_default())
            .arg(u8::from(headers.is_some()))
            .arg(headers.unwrap_or_default())
            .arg(actor)
            .arg(self.parking.events_max)
            .arg(self.parking.audit_max);
        push_audit(&mut inv, audit);
        let mut conn = self.link.conn();
        let reply: Vec<String> = inv.invoke_async(&mut conn).await?;
        let num = |i: usize| reply.get(i).and_then(|v| v.parse().ok()).unwrap_or(0);
        match reply.first().map(String::as_str) {
            Some("ok") => Ok(EditResult::Edited(num(1))),
            Some("stale") => Ok(EditResult::Stale(num(1))),
            Some("missing") => Ok(EditResult::Missing),
            other => Err(StoreError::Reply(format!("edit answered {other:?}"))),
        }
    }

    /// Move parked records to the archive. Returns the parked-at time of each one moved.
    #[allow(
        clippy::too_many_arguments,
        reason = "one argument per field of the script's audit entry"
    )]
    pub async fn discard_parked(
        &self,
        tracking_ids: &[String],
        actor: &str,
        reason: &str,
        expired: bool,
        now_ms: u64,
        state_ttl_secs: u64,
        audit: &AuditFields,
    ) -> Result<Vec<u64>, StoreError> {
        // One script per bucket, each atomic within it. The audit entry goes with the last part,
        // counting what every part moved: one entry per operator action. (A crash between parts
        // leaves the earlier parts done, with their events, and no audit entry.)
        let mut parked_at = Vec::new();
        let parts = self.by_bucket(tracking_ids);
        let last = parts.len().saturating_sub(1);
        for (i, (b, positions)) in parts.into_iter().enumerate() {
            let keys = self.layout.bucket(b);
            // The index names the slot the script runs on (on a Cluster, a script without keys
            // goes to any node); the script derives its keys from the prefix.
            let mut inv = self.parking.discard.key(keys.parked_index());
            inv.arg(keys.prefix())
                .arg(now_ms)
                .arg(state_ttl_secs)
                .arg(self.parking.events_max)
                .arg(self.parking.audit_max)
                .arg(actor)
                .arg(reason)
                .arg(if expired { "expired" } else { "discarded" })
                .arg(positions.len());
            for &p in &positions {
                inv.arg(&tracking_ids[p]);
            }
            push_part_audit(&mut inv, audit, i == last, parked_at.len());
            let mut conn = self.link.conn();
            let reply: Vec<u64> = inv.invoke_async(&mut conn).await?;
            parked_at.extend(reply.into_iter().skip(1));
        }
        Ok(parked_at)
    }

    /// Bring archived records back. Returns how many, and (tracking id, why) for the others.
    pub async fn restore_archived(
        &self,
        tracking_ids: &[String],
        actor: &str,
        now_ms: u64,
        audit: &AuditFields,
    ) -> Result<(u64, Vec<(String, String)>), StoreError> {
        let mut restored = 0;
        let mut not = Vec::new();
        for t in tracking_ids {
            if self.layout.of_tracking_id(t).is_none() {
                not.push((t.clone(), "not in the archive".to_owned()));
            }
        }
        let parts = self.by_bucket(tracking_ids);
        let last = parts.len().saturating_sub(1);
        for (i, (b, positions)) in parts.into_iter().enumerate() {
            let keys = self.layout.bucket(b);
            let mut inv = self.parking.restore.key(keys.archive_index());
            inv.arg(keys.prefix())
                .arg(now_ms)
                .arg(self.parking.events_max)
                .arg(self.parking.audit_max)
                .arg(actor)
                .arg(positions.len());
            for &p in &positions {
                inv.arg(&tracking_ids[p]);
            }
            push_part_audit(
                &mut inv,
                audit,
                i == last,
                usize::try_from(restored).unwrap_or(0),
            );
            let mut conn = self.link.conn();
            let reply: Vec<String> = inv.invoke_async(&mut conn).await?;
            restored += reply
                .first()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
            not.extend(
                reply[1.min(reply.len())..]
                    .chunks(2)
                    .map(|c| (c[0].clone(), c.get(1).cloned().unwrap_or_default())),
            );
        }
        Ok((restored, not))
    }

    /// Delete archived records discarded before `cutoff_ms` (0: no age limit), then the oldest
    /// past `max_count` (0: none) across the buckets; at most `limit`. Returns how many were
    /// deleted.
    pub async fn purge_archive(
        &self,
        cutoff_ms: u64,
        max_count: u64,
        limit: usize,
        now_ms: u64,
    ) -> Result<u64, StoreError> {
        if self.layout.count() == 1 {
            return self
                .purge_bucket(self.layout.bucket(0), cutoff_ms, max_count, limit, now_ms)
                .await;
        }
        let mut deleted = 0;
        if cutoff_ms > 0 {
            for (_, keys) in self.layout.buckets() {
                let left = limit.saturating_sub(usize::try_from(deleted).unwrap_or(limit));
                if left == 0 {
                    return Ok(deleted);
                }
                deleted += self.purge_bucket(keys, cutoff_ms, 0, left, now_ms).await?;
            }
        }
        let left = limit.saturating_sub(usize::try_from(deleted).unwrap_or(limit));
        if max_count == 0 || left == 0 {
            return Ok(deleted);
        }
        let total = self.index_len(Index::Archive).await?;
        let excess = usize::try_from(total.saturating_sub(max_count)).unwrap_or(left);
        if excess == 0 {
            return Ok(deleted);
        }
        // The oldest `excess` across buckets: in each bucket, its oldest few, up to the newest
        // of them, deleted there by age (ties at that time are ordered by member, as here).
        let oldest = self.index_oldest(Index::Archive, excess.min(left)).await?;
        let mut upto: BTreeMap<u32, (u64, usize)> = BTreeMap::new();
        for (t, score) in &oldest {
            if let Some(b) = self.layout.of_tracking_id(t) {
                let e = upto.entry(b).or_insert((0, 0));
                e.0 = e.0.max(*score);
                e.1 += 1;
            }
        }
        for (b, (newest, n)) in upto {
            deleted += self
                .purge_bucket(self.layout.bucket(b), newest + 1, 0, n, now_ms)
                .await?;
        }
        Ok(deleted)
    }

    async fn purge_bucket(
        &self,
        keys: &Keys,
        cutoff_ms: u64,
        max_count: u64,
        limit: usize,
        now_ms: u64,
    ) -> Result<u64, StoreError> {
        let mut conn = self.link.conn();
        Ok(self
            .parking
            .purge_archive
            .key(keys.archive_index())
            .arg(keys.prefix())
            .arg(cutoff_ms)
            .arg(max_count)
            .arg(limit)
            .arg(now_ms)
            .arg(self.parking.events_max)
            .invoke_async(&mut conn)
            .await?)
    }

    /// Resubmit one batch of a run (see `lua/resubmit.lua`). With one bucket the batch is one
    /// script, all or nothing. With several, one script per bucket, each all or nothing and
    /// counting on the run's counters in its bucket (`<bucket>:run:<id>`, summed by
    /// [`Self::run_fields`]); the run's owner is checked at home first, and its cursor moves
    /// at home once every bucket's part is done. A batch cut short between buckets (a crash, a
    /// stale record) is done again: its records already resubmitted are gone from the lot and
    /// count as skipped the second time, never resubmitted twice.
    #[allow(
        clippy::too_many_arguments,
        reason = "one argument per field of the script's audit entry"
    )]
    pub async fn resubmit_batch(
        &self,
        run_id: &str,
        owner: &str,
        lease_until_ms: u64,
        new_cursor: u64,
        actor: &str,
        extra_skipped: u64,
        entries: &[ResubmitEntry],
        now_ms: u64,
    ) -> Result<BatchResult, StoreError> {
        let part =
            |keys: &'_ Keys, owner: &'_ str, skipped: u64, entries: Vec<&'_ ResubmitEntry>| {
                BatchPart {
                    keys: keys.clone(),
                    run_key: keys.run(run_id),
                    owner: owner.to_owned(),
                    lease_until_ms,
                    new_cursor,
                    actor: actor.to_owned(),
                    extra_skipped: skipped,
                    entries: entries.into_iter().cloned().collect(),
                    now_ms,
                }
            };
        if self.layout.count() == 1 {
            let one = part(
                self.layout.bucket(0),
                owner,
                extra_skipped,
                entries.iter().collect(),
            );
            return self.resubmit_part(&one).await;
        }
        let mut conn = self.link.conn();
        let (holder, state): (Option<String>, Option<String>) = redis::cmd("HMGET")
            .arg(self.keys.run(run_id))
            .arg("owner")
            .arg("state")
            .query_async(&mut conn)
            .await?;
        if holder.as_deref() != Some(owner) || state.as_deref() != Some("running") {
            return Ok(BatchResult::Lost);
        }
        let mut by: BTreeMap<u32, Vec<&ResubmitEntry>> = BTreeMap::new();
        // What no bucket counts: records the caller left out, and ids no bucket can hold.
        let mut home_skipped = extra_skipped;
        for e in entries {
            match self.layout.of_tracking_id(&e.tracking_id) {
                Some(b) => by.entry(b).or_default().push(e),
                None => home_skipped += 1,
            }
        }
        let mut skipped = home_skipped;
        let (mut resubmitted, mut parked_at) = (0, Vec::new());
        for (b, es) in by {
            // The owner was checked at home: the bucket's part does not check it again.
            match self
                .resubmit_part(&part(self.layout.bucket(b), "", 0, es))
                .await?
            {
                BatchResult::Done {
                    resubmitted: r,
                    skipped: k,
                    parked_at: at,
                } => {
                    resubmitted += r;
                    skipped += k;
                    parked_at.extend(at);
                }
                other => return Ok(other),
            }
        }
        let run = self.keys.run(run_id);
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.hset_multiple(
            &run,
            &[
                ("cursor", new_cursor),
                ("updated_at", now_ms),
                ("lease_until", lease_until_ms),
            ],
        )
        .ignore();
        pipe.hincr(&run, "skipped", home_skipped).ignore();
        let () = pipe.query_async(&mut conn).await?;
        Ok(BatchResult::Done {
            resubmitted,
            skipped,
            parked_at,
        })
    }

    /// One bucket's part of a batch: one script.
    async fn resubmit_part(&self, p: &BatchPart) -> Result<BatchResult, StoreError> {
        let mut inv = self.parking.resubmit.key(&p.run_key);
        inv.arg(p.keys.prefix())
            .arg(p.now_ms)
            .arg(self.state_ttl_secs)
            .arg(self.parking.events_max)
            .arg(&p.owner)
            .arg(p.lease_until_ms)
            .arg(p.new_cursor)
            .arg(&p.actor)
            .arg(p.extra_skipped)
            .arg(p.entries.len());
        for e in &p.entries {
            inv.arg(&e.tracking_id)
                .arg(e.version)
                .arg(&e.new_tracking_id)
                .arg(&e.target)
                .arg(&e.digest)
                .arg(if e.changed { "1" } else { "0" })
                .arg(&e.history)
                .arg(e.fields.len());
            for f in &e.fields {
                inv.arg(f.as_slice());
            }
        }
        let mut conn = self.link.conn();
        let reply: Vec<String> = inv.invoke_async(&mut conn).await?;
        let at = |i: usize| reply.get(i).cloned().unwrap_or_default();
        match reply.first().map(String::as_str) {
            Some("ok") => Ok(BatchResult::Done {
                resubmitted: at(1).parse().unwrap_or(0),
                skipped: at(2).parse().unwrap_or(0),
                parked_at: reply[3.min(reply.len())..]
                    .iter()
                    .filter_map(|v| v.parse().ok())
                    .collect(),
            }),
            Some("stale") => Ok(BatchResult::Stale(at(1))),
            Some("lost") => Ok(BatchResult::Lost),
            Some("error") => Ok(BatchResult::Error {
                tracking_id: at(1),
                message: at(2),
            }),
            other => Err(StoreError::Reply(format!("resubmit answered {other:?}"))),
        }
    }

    /// Take or renew the lease on a run (or give it up with `release`). Returns the run's state
    /// when this owner holds it.
    pub async fn claim_run(
        &self,
        run_id: &str,
        owner: &str,
        now_ms: u64,
        lease_until_ms: u64,
        release: bool,
    ) -> Result<Option<String>, StoreError> {
        let mut conn = self.link.conn();
        let state: String = self
            .parking
            .claim_run
            .key(self.keys.run(run_id))
            .arg(owner)
            .arg(now_ms)
            .arg(lease_until_ms)
            .arg(u8::from(release))
            .invoke_async(&mut conn)
            .await?;
        Ok((!state.is_empty()).then_some(state))
    }

    /// Create a run: its hash, its id list, its place among the runs, and its audit entry, in one
    /// transaction.
    pub async fn create_run(
        &self,
        run_id: &str,
        fields: &[(&str, String)],
        tracking_ids: &[String],
        audit: &AuditFields,
        created_ms: u64,
    ) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.hset_multiple(self.keys.run(run_id), fields).ignore();
        let ids_key = self.keys.run_ids(run_id);
        for chunk in tracking_ids.chunks(1000) {
            pipe.rpush(&ids_key, chunk).ignore();
        }
        pipe.zadd(self.keys.runs(), run_id, created_ms).ignore();
        pipe.sadd(self.keys.active_runs(), run_id).ignore();
        self.audit_into(&mut pipe, audit);
        let mut conn = self.link.conn();
        let () = pipe.query_async(&mut conn).await?;
        Ok(())
    }

    fn audit_into(&self, pipe: &mut redis::Pipeline, audit: &AuditFields) {
        let mut cmd = redis::cmd("XADD");
        cmd.arg(self.keys.audit())
            .arg("MAXLEN")
            .arg("~")
            .arg(self.parking.audit_max)
            .arg("*");
        for (k, v) in audit {
            cmd.arg(*k).arg(v);
        }
        pipe.add_command(cmd).ignore();
    }

    /// Append an audit entry.
    pub async fn audit(&self, audit: &AuditFields) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        self.audit_into(&mut pipe, audit);
        let mut conn = self.link.conn();
        let () = pipe.query_async(&mut conn).await?;
        Ok(())
    }

    /// A run's fields.
    pub async fn run_fields(&self, run_id: &str) -> Result<HashMap<String, String>, StoreError> {
        let mut conn = self.link.conn();
        let mut fields: HashMap<String, String> = conn.hgetall(self.keys.run(run_id)).await?;
        if self.layout.count() == 1 || fields.is_empty() {
            return Ok(fields);
        }
        // With several buckets, the scripts count in each bucket's copy of the run hash.
        for (_, keys) in self.layout.buckets() {
            let counts: Vec<Option<u64>> = redis::cmd("HMGET")
                .arg(keys.run(run_id))
                .arg(&RUN_COUNTERS[..])
                .query_async(&mut conn)
                .await?;
            for (name, n) in RUN_COUNTERS.iter().zip(counts) {
                if let Some(n) = n {
                    let v = fields
                        .entry((*name).to_owned())
                        .or_insert_with(|| "0".to_owned());
                    *v = (v.parse::<u64>().unwrap_or(0) + n).to_string();
                }
            }
        }
        Ok(fields)
    }

    /// Set some fields of a run.
    pub async fn set_run_fields(
        &self,
        run_id: &str,
        fields: &[(&str, String)],
    ) -> Result<(), StoreError> {
        let mut conn = self.link.conn();
        let () = conn.hset_multiple(self.keys.run(run_id), fields).await?;
        Ok(())
    }

    /// Mark a run finished: out of the active set, kept for `ttl_secs`.
    pub async fn finish_run(
        &self,
        run_id: &str,
        fields: &[(&str, String)],
        ttl_secs: u64,
    ) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.hset_multiple(self.keys.run(run_id), fields).ignore();
        pipe.srem(self.keys.active_runs(), run_id).ignore();
        #[allow(
            clippy::cast_possible_wrap,
            reason = "a TTL in seconds from settings, far below 2^63"
        )]
        let ttl = ttl_secs as i64;
        pipe.expire(self.keys.run(run_id), ttl).ignore();
        pipe.expire(self.keys.run_ids(run_id), ttl).ignore();
        let mut conn = self.link.conn();
        let () = pipe.query_async(&mut conn).await?;
        self.each_bucket_run(run_id, Some(ttl)).await
    }

    /// Put a run back among the active ones (resume), keeping it until it ends.
    pub async fn reactivate_run(
        &self,
        run_id: &str,
        fields: &[(&str, String)],
    ) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.hset_multiple(self.keys.run(run_id), fields).ignore();
        pipe.sadd(self.keys.active_runs(), run_id).ignore();
        pipe.persist(self.keys.run(run_id)).ignore();
        pipe.persist(self.keys.run_ids(run_id)).ignore();
        let mut conn = self.link.conn();
        let () = pipe.query_async(&mut conn).await?;
        self.each_bucket_run(run_id, None).await
    }

    /// With several buckets: give each bucket's counters of a run a TTL (a finished run), or
    /// keep them (`None`: resumed).
    async fn each_bucket_run(&self, run_id: &str, ttl: Option<i64>) -> Result<(), StoreError> {
        if self.layout.count() == 1 {
            return Ok(());
        }
        let mut conn = self.link.conn();
        for (_, keys) in self.layout.buckets() {
            let key = keys.run(run_id);
            let _: bool = match ttl {
                Some(t) => conn.expire(key, t).await?,
                None => conn.persist(key).await?,
            };
        }
        Ok(())
    }

    /// Tracking ids `start..start+count` of a run's list.
    pub async fn run_ids(
        &self,
        run_id: &str,
        start: u64,
        count: u64,
    ) -> Result<Vec<String>, StoreError> {
        let mut conn = self.link.conn();
        #[allow(clippy::cast_possible_wrap, reason = "list positions, far below 2^63")]
        let (a, b) = (start as isize, (start + count) as isize - 1);
        Ok(conn.lrange(self.keys.run_ids(run_id), a, b).await?)
    }

    /// Runs not finished.
    pub async fn active_runs(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.link.conn();
        Ok(conn.smembers(self.keys.active_runs()).await?)
    }

    /// The most recent runs' ids (dropping those whose hash expired).
    pub async fn recent_runs(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        let mut conn = self.link.conn();
        #[allow(clippy::cast_possible_wrap, reason = "a page size, far below 2^63")]
        let ids: Vec<String> = conn
            .zrevrange(self.keys.runs(), 0, limit as isize - 1)
            .await?;
        Ok(ids)
    }

    /// Audit entries, newest first, with ids at most `max_id` (exclusive with `(`; `+` for the
    /// newest), at most `count`.
    ///
    /// With more than one bucket, the audit streams of home and of every bucket, merged: each
    /// entry's id is then tagged with its stream (`<id>@<b>` for bucket `b`'s, home's as is:
    /// `events::tag_id`) and they are ordered by stream id, then stream (`events::id_order`),
    /// so two entries written in the same millisecond in two buckets, with the same stream id,
    /// are still strictly ordered and a `(`-cursor between them skips neither.
    pub async fn audit_page(
        &self,
        max_id: &str,
        count: usize,
    ) -> Result<Vec<(String, HashMap<String, Vec<u8>>)>, StoreError> {
        let streams = super::events::followed(self, super::Keys::audit);
        // The cursor, if it is one: which entries of each stream come after it.
        let (exclusive, bound) = match max_id.strip_prefix('(') {
            Some(id) => (true, id),
            None => (false, max_id),
        };
        let cursor = super::events::id_order(bound).map(|o| {
            let id = bound.split_once('@').map_or(bound, |(id, _)| id);
            (id, o.2)
        });
        let mut conn = self.link.conn();
        let mut merged = Vec::new();
        // One stream at a time: on a Cluster each is in a slot of its own.
        for (key, bucket) in streams {
            let max = match cursor {
                // An entry with the cursor's stream id is within the bound if its stream comes
                // before the cursor's in `id_order` (or is the cursor's, for an inclusive bound).
                Some((id, at)) => {
                    let p = super::events::place(bucket);
                    if p < at || (p == at && !exclusive) {
                        id.to_owned()
                    } else {
                        format!("({id}")
                    }
                }
                // `+`, or a cursor that is no id: Redis answers (or refuses) it as before.
                None => max_id.to_owned(),
            };
            let reply: redis::streams::StreamRangeReply = redis::cmd("XREVRANGE")
                .arg(&key)
                .arg(max)
                .arg("-")
                .arg("COUNT")
                .arg(count)
                .query_async(&mut conn)
                .await?;
            merged.extend(reply.ids.into_iter().map(|e| {
                let map = e
                    .map
                    .into_iter()
                    .filter_map(|(k, v)| redis::from_redis_value::<Vec<u8>>(v).ok().map(|v| (k, v)))
                    .collect();
                (super::events::tag_id(&e.id, bucket), map)
            }));
        }
        // Newest first across the streams (each one's entries came newest first already).
        merged.sort_by_cached_key(|(id, _)| std::cmp::Reverse(super::events::id_order(id)));
        merged.truncate(count);
        Ok(merged)
    }

    /// A dedicated connection for blocking reads of the events stream (a blocking command on the
    /// shared multiplexed connection would stall every other call).
    pub(super) async fn blocking_connection(&self) -> Result<super::link::Conn, StoreError> {
        self.link
            .dedicated(std::time::Duration::from_secs(10))
            .await
    }

    /// The age of the oldest parked message (ms since the epoch of its parking), if any, across
    /// the buckets.
    pub async fn oldest_parked_ms(&self) -> Result<Option<u64>, StoreError> {
        let oldest = self.index_oldest(Index::Parked, 1).await?;
        Ok(oldest.first().map(|(_, s)| *s))
    }
}
