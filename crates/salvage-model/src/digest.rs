//! What identifies a message and a copy of it.

use sha2::{Digest, Sha256};

use crate::hex;

/// The key of a message's state: a digest of (destination, queue, id), so user-supplied ids of
/// any length or content make fixed-size, safe key names. 32 hex characters.
pub fn message_key(destination: &str, queue: &str, id: &str) -> String {
    let mut h = Sha256::new();
    for part in [destination, queue, id] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(&h.finalize()[..16])
}

/// The digest of a payload's bytes: 24 hex characters (96 bits of SHA-256). It lets the report
/// script recognise the copy it sent last when a consumer drops Salvage's headers.
pub fn payload_digest(payload: &[u8]) -> String {
    hex::encode(&Sha256::digest(payload)[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_key_separates_parts() {
        assert_ne!(message_key("a", "bc", "d"), message_key("a", "b", "cd"));
        // Stored keys must not change.
        assert_eq!(
            message_key("redis", "orders", "1"),
            "a4f7d1636eab0aa6d8e266bd3d35b1ed"
        );
    }

    #[test]
    fn payload_digest_is_pinned() {
        // SHA-256("") starts e3b0c44298fc1c149afbf4c8: stored digests must not change.
        assert_eq!(payload_digest(b""), "e3b0c44298fc1c149afbf4c8");
    }
}
