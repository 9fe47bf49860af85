//! Cryptography of the TLS core, on aws-lc-rs: secrets, hashes and the transcript, the TLS 1.3
//! key schedule, TLS 1.2's PRF, record AEADs, key exchange groups, and signatures.
//!
//! Errors follow `crate::error`: a peer's bad data is an alert-carrying error
//! (`illegal_parameter`, `decrypt_error`), local problems (key files) carry no alert, and failures
//! of our own are `internal_error`. Nothing here panics on input.

pub mod aead;
pub mod hash;
pub mod key_schedule;
pub mod kx;
pub mod rand;
pub mod secret;
pub mod sign;
pub mod tls12;

pub use aead::{xor_nonce, AeadAlg, AeadKey};
pub use hash::{HashAlg, Transcript};
pub use key_schedule::{HandshakeSchedule, KeySchedule, MasterSchedule};
pub use kx::KeyShare;
pub use secret::Secret;
pub use sign::{KeyType, SigningKey};

pub use rand::{fill_random, random_array, verify_mac};

#[cfg(test)]
mod rfc8448;

#[cfg(test)]
pub(crate) mod test_util {
    /// Hex to bytes; whitespace is ignored (so RFC hex dumps can be pasted as they are).
    pub fn hex(s: &str) -> Vec<u8> {
        let digits: Vec<u8> = s
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .map(|b| match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => panic!("not a hex digit: {:?}", b as char),
            })
            .collect();
        assert!(digits.len() % 2 == 0, "odd number of hex digits");
        digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect()
    }

    #[test]
    fn hex_helper() {
        assert_eq!(hex("00 ff\n 1A"), vec![0, 255, 26]);
        assert!(hex("").is_empty());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn random_is_random() {
        let a: [u8; 32] = super::random_array().unwrap();
        let b: [u8; 32] = super::random_array().unwrap();
        assert_ne!(a, b);
    }
}
