//! Buckets: how Salvage's state is spread over Redis Cluster slots.
//!
//! Everything about one message (its state, retry job, outbox entries, parked or archived record)
//! lives in one of N buckets, each a complete copy of the key layout under its own hash tag
//! (`{salvage:0}` … `{salvage:N-1}`; with N = 1 the one bucket is the plain prefix `{salvage}`,
//! the layout of a deployment that never set `redis.buckets`). A message's bucket is a hash of
//! (destination, queue, partition key, or the id when there is none), so every message of one
//! partition key shares a bucket, and each script stays in one slot. Bucket `b` of N sits at
//! slot ⌊(2b+1)·16384 / 2N⌋ (its hash tag is `<tag>:<b>:<k>`, `k` the smallest number that lands
//! it there): evenly spaced, so on a Cluster whose slots are split evenly over P primaries (as
//! `redis-cli --cluster create` does) each primary holds N/P buckets when P divides N. The bucket is also carried
//! in every tracking id Salvage mints (its last two bytes), so an operator action that names a
//! tracking id finds its bucket without a lookup.
//!
//! What is not about one message stays at home, the plain prefix: runs, console sessions, the
//! operators' audit entries that name no message, and the layout record
//! (`<prefix>:layout`), which fixes N when a deployment first starts.

use super::{crossslot::slot_of, keys::Keys};

/// The most buckets a deployment may have (a tracking id carries the bucket in 16 bits).
pub const MAX_BUCKETS: u32 = 4096;

/// The buckets of one deployment.
#[derive(Debug, Clone)]
pub struct Layout {
    home: Keys,
    buckets: Vec<Keys>,
}

impl Layout {
    /// `count` buckets under `prefix` (which carries a hash tag: checked by the configuration).
    pub fn new(prefix: &str, count: u32) -> Self {
        let home = Keys::new(prefix);
        let buckets = if count <= 1 {
            vec![home.clone()]
        } else {
            (0..count.min(MAX_BUCKETS))
                .map(|b| Keys::new(bucket_prefix(prefix, b, count.min(MAX_BUCKETS))))
                .collect()
        };
        Self { home, buckets }
    }

    /// How many buckets.
    pub fn count(&self) -> u32 {
        u32::try_from(self.buckets.len()).unwrap_or(MAX_BUCKETS)
    }

    /// The keys that are not about one message (with one bucket, the bucket's keys too).
    pub fn home(&self) -> &Keys {
        &self.home
    }

    /// The keys of bucket `b` (`b` is taken modulo the count).
    pub fn bucket(&self, b: u32) -> &Keys {
        let i = b as usize % self.buckets.len();
        &self.buckets[i]
    }

    /// Every bucket's keys, bucket 0 first.
    pub fn buckets(&self) -> impl ExactSizeIterator<Item = (u32, &Keys)> {
        self.buckets
            .iter()
            .enumerate()
            .map(|(i, k)| (u32::try_from(i).unwrap_or(0), k))
    }

    /// The bucket of a message: a hash of its destination, its queue and its partition key, or
    /// its id when it has none.
    pub fn of_message(&self, destination: &str, queue: &str, partition_key: &str, id: &str) -> u32 {
        if self.buckets.len() == 1 {
            return 0;
        }
        let key = if partition_key.is_empty() {
            id
        } else {
            partition_key
        };
        // FNV-1a over length-prefixed parts: cheap, and even for any spread of keys.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [destination, queue, key] {
            for byte in (part.len() as u64)
                .to_be_bytes()
                .iter()
                .chain(part.as_bytes())
            {
                h ^= u64::from(*byte);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        u32::try_from(h % self.buckets.len() as u64).unwrap_or(0)
    }

    /// The bucket a tracking id was minted in, or `None` for one Salvage cannot have minted in
    /// this layout (not a UUID, or a bucket past the count).
    pub fn of_tracking_id(&self, tracking_id: &str) -> Option<u32> {
        if self.buckets.len() == 1 {
            return Some(0);
        }
        let id = uuid::Uuid::parse_str(tracking_id).ok()?;
        let bytes = id.as_bytes();
        let b = u32::from(u16::from_be_bytes([bytes[14], bytes[15]]));
        (b < self.count()).then_some(b)
    }

    /// A new tracking id (a UUID v7) that carries bucket `b` in its last two bytes (random bits
    /// of the UUID otherwise). With one bucket, a plain UUID v7.
    pub fn new_tracking_id(&self, b: u32) -> String {
        let id = uuid::Uuid::now_v7();
        if self.buckets.len() == 1 {
            return id.to_string();
        }
        let mut bytes = *id.as_bytes();
        let b = u16::try_from(b % self.count()).unwrap_or(0).to_be_bytes();
        bytes[14] = b[0];
        bytes[15] = b[1];
        uuid::Uuid::from_bytes(bytes).to_string()
    }

    /// Group tracking ids by bucket, keeping their order within each; ids no bucket can hold
    /// are returned apart.
    pub fn split<'a>(
        &self,
        tracking_ids: &'a [String],
    ) -> (Vec<(u32, Vec<&'a String>)>, Vec<&'a String>) {
        let mut by: Vec<Vec<&String>> = vec![Vec::new(); self.buckets.len()];
        let mut unknown = Vec::new();
        for t in tracking_ids {
            match self.of_tracking_id(t) {
                Some(b) => by[b as usize].push(t),
                None => unknown.push(t),
            }
        }
        let groups = by
            .into_iter()
            .enumerate()
            .filter(|(_, v)| !v.is_empty())
            .map(|(b, v)| (u32::try_from(b).unwrap_or(0), v))
            .collect();
        (groups, unknown)
    }
}

/// The slot bucket `b` of `n` sits at: evenly spaced over the 16384 slots.
pub fn bucket_slot(b: u32, n: u32) -> u16 {
    let n = u64::from(n.max(1));
    u16::try_from((2 * u64::from(b) + 1) * 16384 / (2 * n)).unwrap_or(0)
}

/// The prefix of bucket `b` of `n`: the hash tag gets `:b:k` before its closing brace, `k` the
/// smallest number that puts the tag in [`bucket_slot`] (`{salvage}` → `{salvage:3:2071}`).
fn bucket_prefix(prefix: &str, b: u32, n: u32) -> String {
    let Some((open, close)) = prefix
        .find('{')
        .and_then(|o| prefix[o..].find('}').map(|c| (o, o + c)))
    else {
        return format!("{prefix}:{b}");
    };
    let tag = &prefix[open + 1..close];
    let target = bucket_slot(b, n);
    // About 16384 tries on average: microseconds each, once per bucket at start.
    let k = (0u32..)
        .find(|k| slot_of(format!("{tag}:{b}:{k}").as_bytes()) == target)
        .unwrap_or(0);
    format!("{}:{b}:{k}{}", &prefix[..close], &prefix[close..])
}

/// Whether `key` starts with the prefix of some bucket of `prefix` (any number).
pub(crate) fn is_bucket_key(prefix: &str, key: &str) -> bool {
    let Some(close) = prefix
        .find('{')
        .and_then(|o| prefix[o..].find('}').map(|c| o + c))
    else {
        return false;
    };
    let (head, tail) = (&prefix[..close], &prefix[close..]);
    let Some(rest) = key.strip_prefix(head).and_then(|r| r.strip_prefix(':')) else {
        return false;
    };
    // `<b>:<k>` then the rest of the prefix.
    let b = rest.bytes().take_while(u8::is_ascii_digit).count();
    let Some(rest) = rest[b..].strip_prefix(':') else {
        return false;
    };
    let k = rest.bytes().take_while(u8::is_ascii_digit).count();
    b > 0 && k > 0 && rest[k..].starts_with(tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bucket_is_the_plain_prefix() {
        let l = Layout::new("{salvage}", 1);
        assert_eq!(l.count(), 1);
        assert_eq!(l.bucket(0).prefix(), "{salvage}");
        assert_eq!(l.of_message("d", "q", "", "id"), 0);
        assert_eq!(l.of_tracking_id("not a uuid"), Some(0));
    }

    #[test]
    fn buckets_get_their_own_hash_tag() {
        let l = Layout::new("app:{salvage}:x", 16);
        assert!(l.bucket(3).prefix().starts_with("app:{salvage:3:"));
        assert!(l.bucket(3).prefix().ends_with("}:x"));
        assert_eq!(l.home().prefix(), "app:{salvage}:x");
        assert!(is_bucket_key(
            "app:{salvage}:x",
            &format!("{}:msg:1", l.bucket(12).prefix())
        ));
        assert!(!is_bucket_key("app:{salvage}:x", "app:{salvage:}:x"));
        assert!(!is_bucket_key("app:{salvage}:x", "app:{salvage:1a}:x"));
        assert!(!is_bucket_key("app:{salvage}:x", "app:{salvage:12}:x"));
    }

    #[test]
    fn buckets_sit_at_evenly_spaced_slots() {
        let l = Layout::new("{salvage}", 48);
        let slots: Vec<u16> = l
            .buckets()
            .map(|(_, k)| slot_of(k.prefix().as_bytes()))
            .collect();
        for (b, s) in slots.iter().enumerate() {
            assert_eq!(*s, bucket_slot(b as u32, 48));
        }
        // Three primaries with the slots split as redis-cli --cluster create does: 16 each.
        let ranges = [(0u16, 5460u16), (5461, 10922), (10923, 16383)];
        for (lo, hi) in ranges {
            assert_eq!(slots.iter().filter(|s| (lo..=hi).contains(*s)).count(), 16);
        }
    }

    #[test]
    fn a_tracking_id_carries_its_bucket() {
        let l = Layout::new("{salvage}", 16);
        for b in 0..16 {
            let t = l.new_tracking_id(b);
            assert_eq!(l.of_tracking_id(&t), Some(b), "{t}");
            assert_eq!(
                uuid::Uuid::parse_str(&t).map(|u| u.get_version_num()).ok(),
                Some(7)
            );
        }
        assert_eq!(
            l.of_tracking_id("0190a5b2-0000-7000-8000-0000000000ff"),
            None
        );
        assert_eq!(l.of_tracking_id("nope"), None);
    }

    #[test]
    fn a_partition_key_keeps_messages_together_and_ids_spread() {
        let l = Layout::new("{salvage}", 16);
        let a = l.of_message("d", "orders", "customer-7", "1");
        assert_eq!(a, l.of_message("d", "orders", "customer-7", "2"));
        let mut seen = [0u32; 16];
        for i in 0..16_000 {
            seen[l.of_message("d", "orders", "", &format!("m-{i}")) as usize] += 1;
        }
        // Uniformly random ids: each bucket within ±10 % of the mean (1,000).
        assert!(seen.iter().all(|n| (900..=1100).contains(n)), "{seen:?}");
    }
}
