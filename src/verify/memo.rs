//! Remembers certificate signatures that verified, so a chain seen again (a client reconnecting
//! to the same servers, a server seeing the same client certificates) costs no public-key
//! operation for its certificate signatures.
//!
//! Only the signature check is remembered, never a verdict about a chain: whether
//! `signature` is a valid signature by `public_key` over `message` under one algorithm is a pure
//! function of those four inputs, and an entry holds all four in full, so a hit is exactly as
//! good as running the check again. Everything else webpki checks (path building against the
//! current trust anchors, validity times at the current time, basic constraints, name
//! constraints, key and extended key usage) and the host name check run on every connection.
//! Failed checks are not remembered, so a peer cannot fill the table with garbage it does not
//! hold valid signatures for; the table is bounded in entries and bytes and forgets its oldest
//! entries first.

use pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::Mutex;

/// At most this many signatures are remembered.
const MAX_ENTRIES: usize = 256;
/// At most this many bytes of remembered inputs (keys, messages, signatures) in all.
const MAX_TOTAL_BYTES: usize = 1 << 20;
/// A certificate bigger than this is checked every time rather than remembered.
const MAX_ENTRY_BYTES: usize = 16 * 1024;

/// One verified signature: the algorithm's identifiers, then the public key, message and
/// signature, each as given, concatenated; `lens` says where each part ends.
struct Entry {
    bytes: Box<[u8]>,
    lens: [usize; 5],
}

impl Entry {
    fn new(parts: &[&[u8]; 5]) -> Self {
        let mut bytes = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut lens = [0; 5];
        for (len, part) in lens.iter_mut().zip(parts) {
            bytes.extend_from_slice(part);
            *len = part.len();
        }
        Entry {
            bytes: bytes.into_boxed_slice(),
            lens,
        }
    }

    fn matches(&self, parts: &[&[u8]; 5]) -> bool {
        let mut rest: &[u8] = &self.bytes;
        for (len, part) in self.lens.iter().zip(parts) {
            if *len != part.len() {
                return false;
            }
            let (mine, tail) = rest.split_at(*len);
            if mine != *part {
                return false;
            }
            rest = tail;
        }
        true
    }
}

#[derive(Default)]
struct Table {
    /// By a keyed hash of the parts; a bucket holds the entries whose hashes collide.
    by_hash: HashMap<u64, Vec<Entry>>,
    /// Hashes in insertion order, oldest first, one per entry.
    order: VecDeque<u64>,
    total_bytes: usize,
}

/// The remembered signatures of one trust store (shared by its copies).
pub struct SignatureMemo {
    hasher: RandomState,
    table: Mutex<Table>,
}

impl Default for SignatureMemo {
    fn default() -> Self {
        SignatureMemo {
            hasher: RandomState::new(),
            table: Mutex::new(Table::default()),
        }
    }
}

impl std::fmt::Debug for SignatureMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignatureMemo")
            .field("entries", &self.len())
            .finish()
    }
}

impl SignatureMemo {
    /// How many signatures are remembered.
    pub fn len(&self) -> usize {
        self.table.lock().map_or(0, |t| t.order.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn hash(&self, parts: &[&[u8]; 5]) -> u64 {
        let mut h = self.hasher.build_hasher();
        for part in parts {
            part.hash(&mut h);
        }
        h.finish()
    }

    fn contains(&self, hash: u64, parts: &[&[u8]; 5]) -> bool {
        let Ok(table) = self.table.lock() else {
            return false;
        };
        table
            .by_hash
            .get(&hash)
            .is_some_and(|bucket| bucket.iter().any(|e| e.matches(parts)))
    }

    fn remember(&self, hash: u64, parts: &[&[u8]; 5]) {
        let size: usize = parts.iter().map(|p| p.len()).sum();
        if size > MAX_ENTRY_BYTES {
            return;
        }
        let Ok(mut table) = self.table.lock() else {
            return;
        };
        let table = &mut *table;
        if table
            .by_hash
            .get(&hash)
            .is_some_and(|bucket| bucket.iter().any(|e| e.matches(parts)))
        {
            return;
        }
        while table.order.len() >= MAX_ENTRIES || table.total_bytes + size > MAX_TOTAL_BYTES {
            let Some(oldest) = table.order.pop_front() else {
                break;
            };
            if let Some(bucket) = table.by_hash.get_mut(&oldest) {
                // Entries of one bucket were added oldest first too.
                let gone = bucket.remove(0);
                table.total_bytes -= gone.bytes.len();
                if bucket.is_empty() {
                    table.by_hash.remove(&oldest);
                }
            }
        }
        table
            .by_hash
            .entry(hash)
            .or_default()
            .push(Entry::new(parts));
        table.order.push_back(hash);
        table.total_bytes += size;
    }

    /// `algs`, each wrapped so that its successful checks are remembered here.
    pub fn wrap<'m>(
        &'m self,
        algs: &[&'static dyn SignatureVerificationAlgorithm],
    ) -> Vec<Remembering<'m>> {
        algs.iter()
            .map(|alg| Remembering {
                alg: *alg,
                public_key_alg_id: alg.public_key_alg_id(),
                signature_alg_id: alg.signature_alg_id(),
                memo: self,
            })
            .collect()
    }
}

/// A verification algorithm that first looks its inputs up in a [`SignatureMemo`].
#[derive(Debug)]
pub struct Remembering<'m> {
    alg: &'static dyn SignatureVerificationAlgorithm,
    public_key_alg_id: AlgorithmIdentifier,
    signature_alg_id: AlgorithmIdentifier,
    memo: &'m SignatureMemo,
}

impl SignatureVerificationAlgorithm for Remembering<'_> {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let parts: [&[u8]; 5] = [
            self.signature_alg_id.as_ref(),
            self.public_key_alg_id.as_ref(),
            public_key,
            message,
            signature,
        ];
        let hash = self.memo.hash(&parts);
        if self.memo.contains(hash, &parts) {
            return Ok(());
        }
        self.alg.verify_signature(public_key, message, signature)?;
        self.memo.remember(hash, &parts);
        Ok(())
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.public_key_alg_id
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_alg_id
    }

    fn fips(&self) -> bool {
        self.alg.fips()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Accepts a signature equal to the message reversed, and counts its calls.
    #[derive(Debug, Default)]
    struct Reversed {
        calls: AtomicUsize,
    }

    impl SignatureVerificationAlgorithm for Reversed {
        fn verify_signature(
            &self,
            public_key: &[u8],
            message: &[u8],
            signature: &[u8],
        ) -> Result<(), InvalidSignature> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let expected: Vec<u8> = message.iter().rev().chain(public_key).copied().collect();
            if expected == signature {
                Ok(())
            } else {
                Err(InvalidSignature)
            }
        }
        fn public_key_alg_id(&self) -> AlgorithmIdentifier {
            AlgorithmIdentifier::from_slice(b"pk")
        }
        fn signature_alg_id(&self) -> AlgorithmIdentifier {
            AlgorithmIdentifier::from_slice(b"sig")
        }
    }

    fn leak() -> &'static Reversed {
        Box::leak(Box::default())
    }

    fn sig(key: &[u8], msg: &[u8]) -> Vec<u8> {
        msg.iter().rev().chain(key).copied().collect()
    }

    #[test]
    fn a_verified_signature_is_checked_once() {
        let alg = leak();
        let memo = SignatureMemo::default();
        let wrapped = memo.wrap(&[alg]);
        for _ in 0..3 {
            assert!(wrapped[0]
                .verify_signature(b"key", b"message", &sig(b"key", b"message"))
                .is_ok());
        }
        assert_eq!(alg.calls.load(Ordering::SeqCst), 1);
        assert_eq!(memo.len(), 1);
    }

    #[test]
    fn failures_are_not_remembered_and_every_input_counts() {
        let alg = leak();
        let memo = SignatureMemo::default();
        let wrapped = memo.wrap(&[alg]);
        let good = sig(b"key", b"message");
        assert!(wrapped[0]
            .verify_signature(b"key", b"message", &good)
            .is_ok());
        // A changed key, message or signature is not a hit, and a bad signature stays bad.
        assert!(wrapped[0]
            .verify_signature(b"kez", b"message", &good)
            .is_err());
        assert!(wrapped[0]
            .verify_signature(b"key", b"messagf", &good)
            .is_err());
        let mut bad = good.clone();
        bad[0] ^= 1;
        assert!(wrapped[0]
            .verify_signature(b"key", b"message", &bad)
            .is_err());
        assert!(wrapped[0]
            .verify_signature(b"key", b"message", &bad)
            .is_err());
        // Parts are compared with their boundaries: moving a byte from one to the next differs.
        assert!(wrapped[0]
            .verify_signature(b"ke", b"ymessage", &good)
            .is_err());
        assert_eq!(alg.calls.load(Ordering::SeqCst), 6);
        assert_eq!(memo.len(), 1);
    }

    #[test]
    fn the_table_is_bounded_and_forgets_the_oldest_first() {
        let alg = leak();
        let memo = SignatureMemo::default();
        let wrapped = memo.wrap(&[alg]);
        let msgs: Vec<Vec<u8>> = (0..MAX_ENTRIES + 10)
            .map(|i| format!("message {i}").into_bytes())
            .collect();
        for m in &msgs {
            assert!(wrapped[0].verify_signature(b"k", m, &sig(b"k", m)).is_ok());
        }
        assert_eq!(memo.len(), MAX_ENTRIES);
        let calls = alg.calls.load(Ordering::SeqCst);
        // The newest is remembered, the first was forgotten.
        let last = msgs.last().unwrap();
        assert!(wrapped[0]
            .verify_signature(b"k", last, &sig(b"k", last))
            .is_ok());
        assert_eq!(alg.calls.load(Ordering::SeqCst), calls);
        assert!(wrapped[0]
            .verify_signature(b"k", &msgs[0], &sig(b"k", &msgs[0]))
            .is_ok());
        assert_eq!(alg.calls.load(Ordering::SeqCst), calls + 1);
        // Too big to remember: checked each time.
        let huge = vec![7u8; MAX_ENTRY_BYTES];
        for _ in 0..2 {
            assert!(wrapped[0]
                .verify_signature(b"k", &huge, &sig(b"k", &huge))
                .is_ok());
        }
        assert_eq!(alg.calls.load(Ordering::SeqCst), calls + 3);
        assert!(memo.table.lock().unwrap().total_bytes <= MAX_TOTAL_BYTES);
    }
}
