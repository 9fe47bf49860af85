//! Remembers certificate signatures that verified, so a server chain seen again (a client
//! reconnecting to the same servers) costs no public-key operation for its certificate
//! signatures.
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
//!
//! A hit answers in microseconds where a real check takes up to a few hundred, so the memo is a
//! timing oracle: whoever can time our verification learns whether these signatures were
//! checked recently by this trust store. That is why it is consulted only when verifying a
//! server's chain (a client reconnecting to servers whose chains are public), and never when a
//! server verifies client certificates, where it would tell one client whether another
//! client's certificate chain was seen recently (see SECURITY.md).
//!
//! An entry is keyed by the verification algorithm itself (the identity of the algorithm
//! object, besides its AlgorithmIdentifiers): two algorithms sharing identifiers, such as an
//! RSA algorithm restricted to larger keys, never answer for each other.

use super::usage::Usage;
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

/// How many inputs an entry holds: the algorithm's identity and its two identifiers, then the
/// public key, message and signature.
const PARTS: usize = 6;

/// One verified signature: its [`PARTS`], each as given, concatenated; `lens` says where each
/// part ends.
struct Entry {
    bytes: Box<[u8]>,
    lens: [usize; PARTS],
}

impl Entry {
    fn new(parts: &[&[u8]; PARTS]) -> Self {
        let mut bytes = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut lens = [0; PARTS];
        for (len, part) in lens.iter_mut().zip(parts) {
            bytes.extend_from_slice(part);
            *len = part.len();
        }
        Entry {
            bytes: bytes.into_boxed_slice(),
            lens,
        }
    }

    fn matches(&self, parts: &[&[u8]; PARTS]) -> bool {
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
    /// Lookups made (tests check which roles consult the memo).
    #[cfg(test)]
    lookups: std::sync::atomic::AtomicUsize,
}

impl Default for SignatureMemo {
    fn default() -> Self {
        SignatureMemo {
            hasher: RandomState::new(),
            table: Mutex::new(Table::default()),
            #[cfg(test)]
            lookups: Default::default(),
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

    fn hash(&self, parts: &[&[u8]; PARTS]) -> u64 {
        let mut h = self.hasher.build_hasher();
        for part in parts {
            part.hash(&mut h);
        }
        h.finish()
    }

    fn contains(&self, hash: u64, parts: &[&[u8]; PARTS]) -> bool {
        #[cfg(test)]
        self.lookups
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Ok(table) = self.table.lock() else {
            return false;
        };
        table
            .by_hash
            .get(&hash)
            .is_some_and(|bucket| bucket.iter().any(|e| e.matches(parts)))
    }

    fn remember(&self, hash: u64, parts: &[&[u8]; PARTS]) {
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
        Self::wrap_with(Some(self), algs)
    }

    /// The algorithms for verifying a chain of `usage`: remembering ones for a server's chain;
    /// for client certificates the plain algorithms, which neither consult nor fill the memo
    /// (its timing would tell a client whether another client's chain was verified recently).
    pub fn wrap_for<'m>(
        &'m self,
        usage: Usage,
        algs: &[&'static dyn SignatureVerificationAlgorithm],
    ) -> Vec<Remembering<'m>> {
        match usage {
            Usage::ServerAuth => Self::wrap_with(Some(self), algs),
            Usage::ClientAuth => Self::wrap_with(None, algs),
        }
    }

    fn wrap_with<'m>(
        memo: Option<&'m SignatureMemo>,
        algs: &[&'static dyn SignatureVerificationAlgorithm],
    ) -> Vec<Remembering<'m>> {
        algs.iter()
            .map(|alg| Remembering {
                alg: *alg,
                identity: algorithm_identity(*alg),
                public_key_alg_id: alg.public_key_alg_id(),
                signature_alg_id: alg.signature_alg_id(),
                memo,
            })
            .collect()
    }
}

/// The identity of a verification algorithm: the address of its (static) object. Distinct
/// algorithms are distinct objects; should the compiler ever merge two objects, they had the
/// same contents and type, that is they were the same algorithm.
fn algorithm_identity(alg: &'static dyn SignatureVerificationAlgorithm) -> [u8; 8] {
    let address = (alg as *const dyn SignatureVerificationAlgorithm).cast::<()>() as usize;
    (address as u64).to_be_bytes()
}

/// A verification algorithm that first looks its inputs up in a [`SignatureMemo`] (when it
/// has one).
#[derive(Debug)]
pub struct Remembering<'m> {
    alg: &'static dyn SignatureVerificationAlgorithm,
    identity: [u8; 8],
    public_key_alg_id: AlgorithmIdentifier,
    signature_alg_id: AlgorithmIdentifier,
    memo: Option<&'m SignatureMemo>,
}

impl SignatureVerificationAlgorithm for Remembering<'_> {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let Some(memo) = self.memo else {
            return self.alg.verify_signature(public_key, message, signature);
        };
        let parts: [&[u8]; PARTS] = [
            &self.identity,
            self.signature_alg_id.as_ref(),
            self.public_key_alg_id.as_ref(),
            public_key,
            message,
            signature,
        ];
        let hash = memo.hash(&parts);
        if memo.contains(hash, &parts) {
            return Ok(());
        }
        self.alg.verify_signature(public_key, message, signature)?;
        memo.remember(hash, &parts);
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

    /// Same identifiers as [`Reversed`], but a stricter algorithm (think of an RSA algorithm
    /// restricted to larger keys): it accepts nothing.
    #[derive(Debug, Default)]
    struct Stricter;

    impl SignatureVerificationAlgorithm for Stricter {
        fn verify_signature(&self, _: &[u8], _: &[u8], _: &[u8]) -> Result<(), InvalidSignature> {
            Err(InvalidSignature)
        }
        fn public_key_alg_id(&self) -> AlgorithmIdentifier {
            AlgorithmIdentifier::from_slice(b"pk")
        }
        fn signature_alg_id(&self) -> AlgorithmIdentifier {
            AlgorithmIdentifier::from_slice(b"sig")
        }
    }

    static STRICTER: Stricter = Stricter;

    /// Regression (issue 16): entries were keyed by the AlgorithmIdentifiers only, so a
    /// signature remembered under one algorithm was accepted for another with the same
    /// identifiers.
    #[test]
    fn entries_are_keyed_by_the_algorithm_not_just_its_identifiers() {
        let lenient = leak();
        let memo = SignatureMemo::default();
        let wrapped = memo.wrap(&[lenient, &STRICTER]);
        let good = sig(b"key", b"message");
        assert!(wrapped[0]
            .verify_signature(b"key", b"message", &good)
            .is_ok());
        assert_eq!(memo.len(), 1);
        assert!(
            wrapped[1]
                .verify_signature(b"key", b"message", &good)
                .is_err(),
            "the stricter algorithm is asked, not the memo"
        );
    }

    fn lookups(memo: &SignatureMemo) -> usize {
        memo.lookups.load(Ordering::SeqCst)
    }

    /// Regression (issue 16): a server's memo answered client certificate checks in a few
    /// microseconds when the chain had been verified recently, telling one client whether
    /// another client's chain was seen. Verifying client certificates neither consults nor
    /// fills it; verifying servers still does.
    #[test]
    fn client_certificate_checks_do_not_use_the_memo() {
        use super::super::{verify_chain, RootStore, Usage};
        use crate::testing::{certs_in as chain, pki};
        let mut roots = RootStore::default();
        roots.add_pem(&pki("root-ca.pem")).unwrap();
        let now = pki_types::UnixTime::now();
        let client = chain("client-ecdsa-p256.chain.pem");
        for _ in 0..2 {
            verify_chain(&roots, &client, None, Usage::ClientAuth, now, 100)
                .expect("the client chain verifies");
        }
        assert_eq!(roots.signature_memo().len(), 0, "nothing remembered");
        assert_eq!(lookups(roots.signature_memo()), 0, "nothing looked up");
        let server = chain("server-ecdsa-p256.chain.pem");
        verify_chain(&roots, &server, None, Usage::ServerAuth, now, 100).unwrap();
        assert_eq!(
            roots.signature_memo().len(),
            2,
            "server chains are remembered"
        );
        assert!(lookups(roots.signature_memo()) > 0);
    }

    /// The same end to end: after a TLS 1.3 handshake with client authentication the client's
    /// memo holds the server's signatures and the server's holds nothing.
    #[test]
    fn a_server_verifying_a_client_leaves_its_memo_untouched() {
        use crate::config::VerifyMode;
        use crate::handshake::server::tls13::tests::{client_config, run, server_config};
        let server = server_config(VerifyMode::REQUIRE_PEER_CERT);
        let client = client_config(Some("client-ecdsa-p256"));
        let (server_roots, client_roots) = (server.roots.clone(), client.roots.clone());
        let outcome = run(client, server);
        assert!(outcome.both_connected());
        assert_eq!(outcome.server.negotiated().peer_chain.len(), 2);
        assert_eq!(server_roots.signature_memo().len(), 0);
        assert_eq!(lookups(server_roots.signature_memo()), 0);
        assert_eq!(client_roots.signature_memo().len(), 2);
    }
}
