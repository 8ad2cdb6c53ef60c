//! Redis memory: whether Redis refuses writes because it reached `maxmemory` under the
//! `noeviction` policy. Reports are then answered RESOURCE_EXHAUSTED (see
//! [`super::StoreError::OutOfMemory`]) and `/readyz` says not ready.

use super::{Store, StoreError};

/// Room a report needs: with less than this left under `maxmemory`, Redis may refuse it.
const HEADROOM: u64 = 1024 * 1024;

/// Redis's memory figures (`INFO memory`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Memory {
    /// `used_memory`, bytes.
    pub used: u64,
    /// `maxmemory`, bytes (0: no limit).
    pub max: u64,
    /// `maxmemory_policy`.
    pub policy: String,
}

impl Memory {
    /// Redis refuses (or is about to refuse) writes: `noeviction` and less than a report's room
    /// left under `maxmemory`.
    pub fn refuses_writes(&self) -> bool {
        self.max > 0 && self.policy == "noeviction" && self.used.saturating_add(HEADROOM) > self.max
    }
}

impl Store {
    /// Redis's memory figures.
    pub async fn memory(&self) -> Result<Memory, StoreError> {
        let info: String = self.query_home(redis::cmd("INFO").arg("memory")).await?;
        let mut m = Memory::default();
        for line in info.lines() {
            let Some((k, v)) = line.trim().split_once(':') else {
                continue;
            };
            match k {
                "used_memory" => m.used = v.parse().unwrap_or(0),
                "maxmemory" => m.max = v.parse().unwrap_or(0),
                "maxmemory_policy" => v.clone_into(&mut m.policy),
                _ => {}
            }
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_full_noeviction_redis_refuses_writes() {
        let m = |used, max, policy: &str| Memory {
            used,
            max,
            policy: policy.to_owned(),
        };
        assert!(m(10 << 20, 10 << 20, "noeviction").refuses_writes());
        assert!(m((10 << 20) - 1000, 10 << 20, "noeviction").refuses_writes());
        assert!(!m(5 << 20, 10 << 20, "noeviction").refuses_writes());
        assert!(!m(10 << 20, 10 << 20, "allkeys-lru").refuses_writes());
        assert!(!m(10 << 20, 0, "noeviction").refuses_writes());
    }
}
