//! Redis calls of the parking lot: reading records and indexes, and the scripts that change them
//! (edit, discard, restore, resubmit a batch, purge the archive, claim a run). Each change is one
//! script, so it is atomic and records its event (and, for operator actions, its audit entry) in
//! the same step. The parking-lot logic itself lives in the server's `parking` module.

use std::collections::HashMap;

use redis::{AsyncCommands, Script};

use super::{Store, StoreError};

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

/// Audit fields: name/value pairs.
pub type AuditFields = Vec<(&'static str, String)>;

fn push_audit(inv: &mut redis::ScriptInvocation<'_>, audit: &AuditFields) {
    inv.arg(audit.len());
    for (k, v) in audit {
        inv.arg(*k).arg(v);
    }
}

impl Store {
    /// A parked record (or, with `archived`, an archived one): every field.
    pub async fn record(&self, tracking_id: &str, archived: bool) -> Result<RawRecord, StoreError> {
        let key = if archived {
            self.keys.archived(tracking_id)
        } else {
            self.keys.parked(tracking_id)
        };
        let mut conn = self.link.conn();
        Ok(conn.hgetall(key).await?)
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
        let mut pipe = redis::pipe();
        for t in tracking_ids {
            let key = if archived {
                self.keys.archived(t)
            } else {
                self.keys.parked(t)
            };
            pipe.cmd("HMGET").arg(key).arg(fields);
        }
        let mut conn = self.link.conn();
        let rows: Vec<Vec<Option<Vec<u8>>>> = pipe.query_async(&mut conn).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                fields
                    .iter()
                    .zip(row)
                    .filter_map(|(f, v)| v.map(|v| ((*f).to_owned(), v)))
                    .collect()
            })
            .collect())
    }

    /// Members of a sorted-set index with scores in `[min, max]` (inclusive bounds as Redis
    /// score strings, e.g. "-inf", "(123"), highest score first, skipping `offset`.
    pub async fn index_range_rev(
        &self,
        index: &str,
        max: &str,
        min: &str,
        offset: usize,
        count: usize,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let mut conn = self.link.conn();
        let rows: Vec<(String, f64)> = redis::cmd("ZRANGE")
            .arg(index)
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
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "zset scores Salvage wrote as ms timestamps: whole and positive"
        )]
        Ok(rows.into_iter().map(|(m, s)| (m, s as u64)).collect())
    }

    /// Members of a sorted set.
    pub async fn zcard(&self, key: &str) -> Result<u64, StoreError> {
        let mut conn = self.link.conn();
        Ok(conn.zcard(key).await?)
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
        let mut inv = self.parking.edit.key(self.keys.parked(tracking_id));
        inv.arg(self.keys.prefix())
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
        // The index names the slot the script runs on (on a Cluster, a script without keys goes
        // to any node); the script derives its keys from the prefix.
        let mut inv = self.parking.discard.key(self.keys.parked_index());
        inv.arg(self.keys.prefix())
            .arg(now_ms)
            .arg(state_ttl_secs)
            .arg(self.parking.events_max)
            .arg(self.parking.audit_max)
            .arg(actor)
            .arg(reason)
            .arg(if expired { "expired" } else { "discarded" })
            .arg(tracking_ids.len());
        for t in tracking_ids {
            inv.arg(t);
        }
        push_audit(&mut inv, audit);
        let mut conn = self.link.conn();
        let reply: Vec<u64> = inv.invoke_async(&mut conn).await?;
        Ok(reply.into_iter().skip(1).collect())
    }

    /// Bring archived records back. Returns how many, and (tracking id, why) for the others.
    pub async fn restore_archived(
        &self,
        tracking_ids: &[String],
        actor: &str,
        now_ms: u64,
        audit: &AuditFields,
    ) -> Result<(u64, Vec<(String, String)>), StoreError> {
        let mut inv = self.parking.restore.key(self.keys.archive_index());
        inv.arg(self.keys.prefix())
            .arg(now_ms)
            .arg(self.parking.events_max)
            .arg(self.parking.audit_max)
            .arg(actor)
            .arg(tracking_ids.len());
        for t in tracking_ids {
            inv.arg(t);
        }
        push_audit(&mut inv, audit);
        let mut conn = self.link.conn();
        let reply: Vec<String> = inv.invoke_async(&mut conn).await?;
        let restored = reply.first().and_then(|n| n.parse().ok()).unwrap_or(0);
        let not = reply[1.min(reply.len())..]
            .chunks(2)
            .map(|c| (c[0].clone(), c.get(1).cloned().unwrap_or_default()))
            .collect();
        Ok((restored, not))
    }

    /// Delete archived records discarded before `cutoff_ms` (0: no age limit), then the oldest
    /// past `max_count` (0: none); at most `limit`. Returns how many were deleted.
    pub async fn purge_archive(
        &self,
        cutoff_ms: u64,
        max_count: u64,
        limit: usize,
        now_ms: u64,
    ) -> Result<u64, StoreError> {
        let mut conn = self.link.conn();
        Ok(self
            .parking
            .purge_archive
            .key(self.keys.archive_index())
            .arg(self.keys.prefix())
            .arg(cutoff_ms)
            .arg(max_count)
            .arg(limit)
            .arg(now_ms)
            .arg(self.parking.events_max)
            .invoke_async(&mut conn)
            .await?)
    }

    /// Resubmit one batch of a run (see `lua/resubmit.lua`).
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
        let mut inv = self.parking.resubmit.key(self.keys.run(run_id));
        inv.arg(self.keys.prefix())
            .arg(now_ms)
            .arg(self.state_ttl_secs)
            .arg(self.parking.events_max)
            .arg(owner)
            .arg(lease_until_ms)
            .arg(new_cursor)
            .arg(actor)
            .arg(extra_skipped)
            .arg(entries.len());
        for e in entries {
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
        Ok(conn.hgetall(self.keys.run(run_id)).await?)
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
        Ok(())
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

    /// The age of the oldest parked message (ms since the epoch of its parking), if any.
    pub async fn oldest_parked_ms(&self) -> Result<Option<u64>, StoreError> {
        let mut conn = self.link.conn();
        let rows: Vec<(String, f64)> = conn
            .zrange_withscores(self.keys.parked_index(), 0, 0)
            .await?;
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "zset scores Salvage wrote as ms timestamps: whole and positive"
        )]
        Ok(rows.first().map(|(_, s)| *s as u64))
    }
}
