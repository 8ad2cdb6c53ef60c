//! Time as Salvage stores it: milliseconds since the Unix epoch.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in milliseconds since the Unix epoch (the unit of every time Salvage stores).
pub fn now_ms() -> u64 {
    millis(SystemTime::now())
}

/// `t` in milliseconds since the Unix epoch (0 before it, `u64::MAX` past what fits).
pub fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn millis_counts_from_the_epoch_and_saturates() {
        assert_eq!(millis(UNIX_EPOCH), 0);
        assert_eq!(
            millis(UNIX_EPOCH + Duration::from_millis(1_764_979_200_123)),
            1_764_979_200_123
        );
        assert_eq!(millis(UNIX_EPOCH - Duration::from_secs(1)), 0);
        assert!(now_ms() > 1_764_979_200_000);
    }
}
