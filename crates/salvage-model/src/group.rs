//! Failure groups: one fingerprint for every failure of one kind, so that 10,000 failures from
//! one bug show as one group. The fingerprint covers the origin queue, the error code and the
//! error message with its variable parts masked: any word holding a digit (numbers, ids such as
//! `o-1234`, UUIDs, timestamps) and long hex words become `#`, and `#.#` folds to `#`.

use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::hex;

/// The error message with numbers and ids masked.
pub fn mask_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            let has_digit = word.bytes().any(|b| b.is_ascii_digit());
            let long_hex = word.len() >= 8 && word.bytes().all(|b| b.is_ascii_hexdigit());
            if has_digit || long_hex {
                out.push('#');
            } else {
                out.push_str(word);
            }
            word.clear();
        }
    };
    for ch in message.chars() {
        if ch.is_alphanumeric() || ch == '_' {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            out.push(ch);
        }
    }
    flush(&mut word, &mut out);
    // 3.50 and 12 are both "a number": fold decimals into one mask.
    while out.contains("#.#") {
        out = out.replace("#.#", "#");
    }
    out
}

/// The failure group of (queue, code, message): 16 hex characters.
pub fn failure_group(queue: &str, code: &str, message: &str) -> String {
    let mut h = Sha256::new();
    for part in [queue, code, &mask_message(message)] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(&h.finalize()[..8])
}

/// The code of a failure to deliver a requeued copy (the broker or Redis refused it, past its
/// retries).
pub const DELIVERY_FAILED: &str = "DELIVERY_FAILED";

/// The failure group of delivery failures to `queue`: one group per queue, whatever the error
/// said. The scripts that park such copies compute it themselves, because they read the entry
/// (`lua/settle_remote.lua`, `lua/drain_local.lua`: Redis' Lua has SHA-1 only, so
/// `string.sub(redis.sha1hex(queue .. '\0DELIVERY_FAILED'), 1, 16)`); this is the same
/// definition for Rust, pinned against the scripts by `tests/e2e/workflow.rs` and by
/// `tests/tidy.rs` (every script writes exactly that expression).
pub fn delivery_failure_group(queue: &str) -> String {
    let mut h = Sha1::new();
    h.update(queue.as_bytes());
    h.update(b"\0");
    h.update(DELIVERY_FAILED.as_bytes());
    hex::encode(&h.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_variable_parts() {
        let cases = [
            (
                "payment 48213 declined (score 0.97)",
                "payment # declined (score #)",
            ),
            ("order o-1234 has no currency", "order o-# has no currency"),
            (
                "id 0192f3a4-7c1e-7b2a-9d4e-1f2a3b4c5d6e unknown",
                "id #-#-#-#-# unknown",
            ),
            ("hash deadbeefcafe bad", "hash # bad"),
            ("no numbers here", "no numbers here"),
        ];
        for (input, want) in cases {
            assert_eq!(mask_message(input), want, "{input}");
        }
    }

    #[test]
    fn the_group_is_pinned() {
        // Stored groups must not change: a new definition would split every existing group.
        assert_eq!(
            failure_group("orders", "E1", "order 17 total 3.50 is not a number"),
            "75cd1dd3adcd6097"
        );
    }

    #[test]
    fn the_delivery_failure_group_is_pinned() {
        // SHA-1 of "orders\0DELIVERY_FAILED", its first 16 hex characters.
        assert_eq!(delivery_failure_group("orders"), "dafc96424ac37509");
    }

    #[test]
    fn one_bug_one_group() {
        let a = failure_group("orders", "E1", "order 17 total 3.50 is not a number");
        let b = failure_group("orders", "E1", "order 99182 total 12 is not a number");
        assert_eq!(a, b);
        assert_ne!(
            a,
            failure_group("orders", "E2", "order 17 total 3.50 is not a number")
        );
        assert_ne!(
            a,
            failure_group("payments", "E1", "order 17 total 3.50 is not a number")
        );
    }
}
