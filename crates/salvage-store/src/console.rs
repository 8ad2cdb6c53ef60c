//! What the operator console keeps in Redis: sessions (a hash per session, expiring when idle,
//! named by the digest of the cookie so a key listing reveals no usable cookie; a sorted set per
//! token of its live sessions, so signing in past the cap ends the oldest) and the per-minute
//! outcome counts behind "the last hour".

use std::{collections::HashMap, time::Duration};

use redis::{AsyncCommands, Script};

use super::{Store, StoreError};

/// Outcome counts over a time window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutcomeCounts {
    /// Parked.
    pub parked: u64,
    /// Requeued (repaired or not).
    pub requeued: u64,
    /// Requeued with a repaired payload.
    pub repaired: u64,
    /// Retries scheduled.
    pub retried: u64,
    /// Resubmitted by operators.
    pub resubmitted: u64,
}

impl Store {
    /// Store a session for `ttl`, made by the token whose SHA-256 is `token_digest_hex`; if
    /// that token then has more than `max_per_token` live sessions, its oldest end (in the same
    /// script). Returns how many ended.
    pub async fn session_put(
        &self,
        digest_hex: &str,
        fields: &[(&str, String)],
        ttl: Duration,
        token_digest_hex: &str,
        max_per_token: u32,
        now_ms: u64,
    ) -> Result<u64, StoreError> {
        let script = Script::new(SESSION_PUT);
        let mut call = script.key(self.keys.console_session(digest_hex));
        call.key(self.keys.console_sessions(token_digest_hex))
            .arg(ttl_ms(ttl))
            .arg(now_ms)
            .arg(max_per_token)
            .arg(digest_hex)
            .arg(self.keys.console_session(""));
        for (field, value) in fields {
            call.arg(*field).arg(value);
        }
        let mut conn = self.link.conn();
        Ok(call.invoke_async(&mut conn).await?)
    }

    /// A session's fields (empty when there is none, or it expired).
    pub async fn session_get(
        &self,
        digest_hex: &str,
    ) -> Result<HashMap<String, String>, StoreError> {
        let mut conn = self.link.conn();
        Ok(conn.hgetall(self.keys.console_session(digest_hex)).await?)
    }

    /// End a session.
    pub async fn session_delete(&self, digest_hex: &str) -> Result<(), StoreError> {
        let mut conn = self.link.conn();
        let _: u64 = conn.del(self.keys.console_session(digest_hex)).await?;
        Ok(())
    }

    /// Add `counts` to the bucket of the minute of `now_ms` (which lives two hours).
    pub async fn add_outcome_counts(
        &self,
        now_ms: u64,
        counts: &OutcomeCounts,
    ) -> Result<(), StoreError> {
        let key = self.keys.stats_minute(now_ms / 60_000);
        let mut pipe = redis::pipe();
        pipe.atomic();
        for (field, n) in [
            ("parked", counts.parked),
            ("requeued", counts.requeued),
            ("repaired", counts.repaired),
            ("retried", counts.retried),
            ("resubmitted", counts.resubmitted),
        ] {
            if n > 0 {
                pipe.hincr(&key, field, n).ignore();
            }
        }
        pipe.expire(&key, 7200).ignore();
        let mut conn = self.link.conn();
        let () = pipe.query_async(&mut conn).await?;
        Ok(())
    }

    /// Outcome counts of the `minutes` whole minutes up to and including the one of `now_ms`.
    ///
    /// Summed over home (the counts [`Self::add_outcome_counts`] flushes) and, with more than
    /// one bucket, every bucket (`resubmitted`, counted by the resubmit script in the bucket of
    /// the messages it resubmits).
    pub async fn outcome_counts(
        &self,
        now_ms: u64,
        minutes: u64,
    ) -> Result<OutcomeCounts, StoreError> {
        let last = now_ms / 60_000;
        let first = last.saturating_sub(minutes.saturating_sub(1));
        let mut conn = self.link.conn();
        let mut out = OutcomeCounts::default();
        // One pipeline per prefix: on a Cluster a pipeline must stay in one slot.
        for keys in self.outcome_count_keys() {
            let mut pipe = redis::pipe();
            for m in first..=last {
                pipe.hgetall(keys.stats_minute(m));
            }
            let per_minute: Vec<HashMap<String, u64>> = pipe.query_async(&mut conn).await?;
            for b in per_minute {
                let n = |k: &str| b.get(k).copied().unwrap_or(0);
                out.parked += n("parked");
                out.requeued += n("requeued");
                out.repaired += n("repaired");
                out.retried += n("retried");
                out.resubmitted += n("resubmitted");
            }
        }
        Ok(out)
    }

    /// The prefixes whose per-minute counts add up: home, and each bucket when there are more
    /// than one (with one, the bucket is home).
    fn outcome_count_keys(&self) -> Vec<&super::Keys> {
        let mut all = vec![&self.keys];
        if self.layout.count() > 1 {
            all.extend(self.layout.buckets().map(|(_, k)| k));
        }
        all
    }
}

/// KEYS: the session, the token's session set. ARGV: ttl ms, now ms, cap, the session's digest,
/// the session key prefix, then field/value pairs. Sessions signed out or expired leave the set;
/// past the cap, the oldest sessions are deleted.
const SESSION_PUT: &str = r"
local key, idx = KEYS[1], KEYS[2]
local ttl, now, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local id, base = ARGV[4], ARGV[5]
for i = 6, #ARGV, 2 do redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', key, ttl)
for _, o in ipairs(redis.call('ZRANGE', idx, 0, -1)) do
  if redis.call('EXISTS', base .. o) == 0 then redis.call('ZREM', idx, o) end
end
redis.call('ZADD', idx, now, id)
local n = redis.call('ZCARD', idx)
local ended = 0
if n > cap then
  for _, o in ipairs(redis.call('ZRANGE', idx, 0, n - cap - 1)) do
    if o ~= id then
      redis.call('DEL', base .. o)
      redis.call('ZREM', idx, o)
      ended = ended + 1
    end
  end
end
redis.call('PEXPIRE', idx, ttl)
return ended
";

fn ttl_ms(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX).max(1)
}
