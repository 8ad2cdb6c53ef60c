//! Buckets: how Salvage's state is spread over Redis Cluster slots.
//!
//! Everything about one message (its state, retry job, outbox entries, parked or archived record)
//! lives in one of N buckets, each a complete copy of the key layout under its own hash tag
//! (`{salvage:0}` … `{salvage:N-1}`; with N = 1 the one bucket is the plain prefix `{salvage}`,
//! the layout of a deployment that never set `redis.buckets`). A message's bucket is a hash of
//! (destination, queue, partition key, or the id when there is none), so every message of one
//! partition key shares a bucket, and each script stays in one slot. The bucket is also carried
//! in every tracking id Salvage mints (its last two bytes), so an operator action that names a
//! tracking id finds its bucket without a lookup.
//!
//! What is not about one message stays at home, the plain prefix: runs, console sessions, the
//! operators' audit entries that name no message, and the layout record
//! (`<prefix>:layout`), which fixes N when a deployment first starts.

use super::keys::Keys;

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
                .map(|b| Keys::new(bucket_prefix(prefix, b)))
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

/// The prefix of bucket `b`: the hash tag gets `:b` before its closing brace
/// (`{salvage}` → `{salvage:3}`).
fn bucket_prefix(prefix: &str, b: u32) -> String {
    match prefix
        .find('{')
        .and_then(|o| prefix[o..].find('}').map(|c| o + c))
    {
        Some(close) => format!("{}:{b}{}", &prefix[..close], &prefix[close..]),
        None => format!("{prefix}:{b}"),
    }
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
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && rest[digits..].starts_with(tail)
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
        assert_eq!(l.bucket(3).prefix(), "app:{salvage:3}:x");
        assert_eq!(l.home().prefix(), "app:{salvage}:x");
        assert!(is_bucket_key("app:{salvage}:x", "app:{salvage:12}:x:msg:1"));
        assert!(!is_bucket_key("app:{salvage}:x", "app:{salvage:}:x"));
        assert!(!is_bucket_key("app:{salvage}:x", "app:{salvage:1a}:x"));
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
