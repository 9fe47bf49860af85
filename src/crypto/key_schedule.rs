//! The TLS 1.3 key schedule (RFC 8446 section 7).
//!
//! The schedule is a chain of typestates, so a secret of a later stage cannot be asked of an
//! earlier one: [`KeySchedule`] (early secret) → [`HandshakeSchedule`] (handshake secret) →
//! [`MasterSchedule`] (master secret). Each `into_*` consumes the previous stage, whose secret is
//! wiped on drop.

use super::aead::AeadAlg;
use super::hash::HashAlg;
use super::secret::Secret;
use aws_lc_rs::{constant_time, hmac};
use std::sync::OnceLock;

/// HKDF-Extract (RFC 5869): `HMAC-Hash(salt, IKM)`. An empty salt is the same as `Hash.length`
/// zero bytes.
pub fn hkdf_extract(alg: HashAlg, salt: &[u8], ikm: &[u8]) -> Secret {
    Secret::new(alg.hmac(salt, ikm))
}

/// HKDF-Extract with a salt already turned into an HMAC key.
fn extract_with(salt: &hmac::Key, ikm: &[u8]) -> Secret {
    Secret::from_slice(hmac::sign(salt, ikm).as_ref())
}

/// A secret ready to be expanded: its HMAC key schedule (the hash states after the inner and
/// outer padded key blocks) is computed once, so each HKDF-Expand-Label of a hash's length or
/// less costs two compression-function calls instead of four. The states are wiped on drop.
#[derive(Clone)]
pub struct Prk {
    alg: HashAlg,
    key: Box<hmac::Key>,
}

impl std::fmt::Debug for Prk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Prk({:?})", self.alg)
    }
}

impl Prk {
    pub fn new(alg: HashAlg, secret: &[u8]) -> Self {
        Prk {
            alg,
            key: boxed_key(alg, secret),
        }
    }

    /// HKDF-Expand-Label(this secret, Label, Context, Length); see [`hkdf_expand_label`].
    pub fn expand_label(&self, label: &[u8], context: &[u8], len: usize) -> Secret {
        with_hkdf_label(label, context, len, |info| {
            hkdf_expand(self.alg, &self.key, info, len)
        })
        .flatten()
        .unwrap_or_else(|| Secret::new(Vec::new()))
    }

    /// Derive-Secret(this secret, Label, Messages) with the transcript hash already computed.
    pub fn derive_secret(&self, label: &[u8], transcript_hash: &[u8]) -> Secret {
        self.expand_label(label, transcript_hash, self.alg.output_len())
    }

    pub fn hash_alg(&self) -> HashAlg {
        self.alg
    }

    /// Record protection keys of this traffic secret (RFC 8446 7.3): the AEAD key and the
    /// 12-byte IV.
    pub fn traffic_keys(&self, aead: AeadAlg) -> (Secret, [u8; 12]) {
        let key = self.expand_label(b"key", b"", aead.key_len());
        let iv_s = self.expand_label(b"iv", b"", 12);
        let mut iv = [0u8; 12];
        iv.copy_from_slice(&iv_s);
        (key, iv)
    }

    /// The Finished key of this base key (a handshake traffic secret or a binder key), RFC 8446
    /// 4.4.4. Made from the prepared secret, so a handshake traffic secret's HMAC key schedule
    /// serves both its record keys and its Finished.
    pub fn finished_key(&self) -> FinishedKey {
        let finished_key = self.expand_label(b"finished", b"", self.alg.output_len());
        FinishedKey {
            key: boxed_key(self.alg, &finished_key),
        }
    }
}

/// finished_key = HKDF-Expand-Label(base_key, "finished", "", Hash.length), as an HMAC key
/// (wiped on drop like [`Prk`]).
pub struct FinishedKey {
    key: Box<hmac::Key>,
}

impl std::fmt::Debug for FinishedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FinishedKey")
    }
}

impl FinishedKey {
    /// verify_data = HMAC(finished_key, transcript_hash).
    pub fn verify_data(&self, transcript_hash: &[u8]) -> Vec<u8> {
        hmac::sign(&self.key, transcript_hash).as_ref().to_vec()
    }

    /// Checks a received Finished (or PSK binder) in constant time.
    pub fn verify(&self, transcript_hash: &[u8], received: &[u8]) -> bool {
        hmac::verify(&self.key, transcript_hash, received).is_ok()
    }
}

/// An HMAC key on the heap. aws-lc's HMAC_CTX makes an `hmac::Key` 1.2 KB; the schedule's
/// stages, the Finished keys and the handshake states that hold them are moved by value and
/// kept in handshake functions' frames, and boxing the key keeps those frames small enough for
/// a handshake in a 64 KiB thread stack (stunnel's default; issue 19). Not inlined, so the
/// key is built in this short-lived frame and not in the caller's.
#[inline(never)]
fn boxed_key(alg: HashAlg, secret: &[u8]) -> Box<hmac::Key> {
    Box::new(hmac::Key::new(alg.hmac_alg(), secret))
}

/// HKDF-Expand (RFC 5869) with the PRK's HMAC key. `None` if `len > 255 * Hash.length`.
fn hkdf_expand(alg: HashAlg, prk: &hmac::Key, info: &[u8], len: usize) -> Option<Secret> {
    let hash_len = alg.output_len();
    if len > 255 * hash_len {
        return None;
    }
    if len <= hash_len {
        // Every TLS 1.3 secret, key and IV: one block, copied once into its final buffer.
        let mut ctx = hmac::Context::with_key(prk);
        ctx.update(info);
        ctx.update(&[1]);
        return Some(Secret::from_slice(&ctx.sign().as_ref()[..len]));
    }
    let mut out = Vec::with_capacity(len.div_ceil(hash_len) * hash_len);
    let mut prev: Option<hmac::Tag> = None;
    let mut counter = 1u8;
    while out.len() < len {
        let mut ctx = hmac::Context::with_key(prk);
        if let Some(t) = &prev {
            ctx.update(t.as_ref());
        }
        ctx.update(info);
        ctx.update(&[counter]);
        let t = ctx.sign();
        out.extend_from_slice(t.as_ref());
        prev = Some(t);
        counter = counter.wrapping_add(1);
    }
    let mut secret = Secret::new(out);
    if secret.len() != len {
        // Copy the prefix rather than truncating, so the tail is wiped with the old buffer.
        secret = Secret::from_slice(&secret[..len]);
    }
    Some(secret)
}

/// The longest `HkdfLabel`: length, label length, "tls13 " and a 249-byte label, context length
/// and a 255-byte context.
const MAX_HKDF_LABEL: usize = 2 + 1 + 255 + 1 + 255;

/// Calls `f` with the `HkdfLabel` structure: `uint16 length || opaque label<7..255> ("tls13 " +
/// label) || opaque context<0..255>`, built on the stack. `None` if a field does not fit.
fn with_hkdf_label<R>(
    label: &[u8],
    context: &[u8],
    len: usize,
    f: impl FnOnce(&[u8]) -> R,
) -> Option<R> {
    const PREFIX: &[u8] = b"tls13 ";
    let full_label_len = PREFIX.len() + label.len();
    if len > u16::MAX as usize || full_label_len > 255 || context.len() > 255 {
        return None;
    }
    let mut info = [0u8; MAX_HKDF_LABEL];
    let mut at = 0;
    for part in [
        &(len as u16).to_be_bytes()[..],
        &[full_label_len as u8],
        PREFIX,
        label,
        &[context.len() as u8],
        context,
    ] {
        info[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    Some(f(&info[..at]))
}

/// HKDF-Expand-Label(Secret, Label, Context, Length) of RFC 8446 7.1; `label` without the
/// "tls13 " prefix. To expand one secret several times, make a [`Prk`] once.
///
/// Every caller passes protocol constants, for which this cannot fail; out-of-range arguments
/// (label over 249 bytes, context over 255, `len` over 255 * Hash.length) give an empty secret
/// rather than a panic.
pub fn hkdf_expand_label(
    alg: HashAlg,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Secret {
    Prk::new(alg, secret).expand_label(label, context, len)
}

/// Derive-Secret(Secret, Label, Messages) with the transcript hash already computed.
pub fn derive_secret(alg: HashAlg, secret: &[u8], label: &[u8], transcript_hash: &[u8]) -> Secret {
    hkdf_expand_label(alg, secret, label, transcript_hash, alg.output_len())
}

/// The salt for the next extraction, Derive-Secret(secret, "derived", ""), as an HMAC key.
fn derived_salt(prk: &Prk) -> Box<hmac::Key> {
    let salt = prk.derive_secret(b"derived", empty_hash(prk.alg));
    boxed_key(prk.alg, &salt)
}

/// `Hash("")`, computed once per hash.
fn empty_hash(alg: HashAlg) -> &'static [u8] {
    static HASHES: OnceLock<[Vec<u8>; 2]> = OnceLock::new();
    let hashes =
        HASHES.get_or_init(|| [HashAlg::Sha256.empty_hash(), HashAlg::Sha384.empty_hash()]);
    &hashes[alg_index(alg)]
}

fn alg_index(alg: HashAlg) -> usize {
    match alg {
        HashAlg::Sha256 => 0,
        HashAlg::Sha384 => 1,
    }
}

/// What a handshake without a PSK starts from: the early secret is HKDF-Extract(0, 0), a
/// constant of the hash, and so is the salt of the handshake secret derived from it.
struct NoPskStart {
    early_secret: Secret,
    early: Prk,
    handshake_salt: Box<hmac::Key>,
}

fn no_psk_start(alg: HashAlg) -> &'static NoPskStart {
    static STARTS: OnceLock<[NoPskStart; 2]> = OnceLock::new();
    let starts = STARTS.get_or_init(|| {
        [HashAlg::Sha256, HashAlg::Sha384].map(|alg| {
            let early_secret = hkdf_extract(alg, &[], &Secret::zeros(alg.output_len()));
            let early = Prk::new(alg, &early_secret);
            let handshake_salt = derived_salt(&early);
            NoPskStart {
                early_secret,
                early,
                handshake_salt,
            }
        })
    });
    &starts[alg_index(alg)]
}

/// Finished verify_data (RFC 8446 4.4.4): HMAC(finished_key, transcript_hash) with
/// finished_key = HKDF-Expand-Label(base_key, "finished", "", Hash.length). `base_key` is the
/// sender's handshake (or application, post-handshake) traffic secret, or a binder key.
pub fn finished_verify_data(alg: HashAlg, base_key: &[u8], transcript_hash: &[u8]) -> Vec<u8> {
    Prk::new(alg, base_key)
        .finished_key()
        .verify_data(transcript_hash)
}

/// Checks a received Finished (or PSK binder) in constant time.
pub fn verify_finished(
    alg: HashAlg,
    base_key: &[u8],
    transcript_hash: &[u8],
    received: &[u8],
) -> bool {
    let expected = finished_verify_data(alg, base_key, transcript_hash);
    constant_time::verify_slices_are_equal(&expected, received).is_ok()
}

/// application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length).
pub fn next_traffic_secret(alg: HashAlg, secret: &[u8]) -> Secret {
    hkdf_expand_label(alg, secret, b"traffic upd", b"", alg.output_len())
}

/// The PSK of a ticket: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce,
/// Hash.length) (RFC 8446 4.6.1).
pub fn resumption_psk(
    alg: HashAlg,
    resumption_master_secret: &[u8],
    ticket_nonce: &[u8],
) -> Secret {
    hkdf_expand_label(
        alg,
        resumption_master_secret,
        b"resumption",
        ticket_nonce,
        alg.output_len(),
    )
}

/// Record protection keys of a traffic secret (RFC 8446 7.3): the AEAD key and the 12-byte IV.
pub fn traffic_keys(alg_hash: HashAlg, aead: AeadAlg, secret: &[u8]) -> (Secret, [u8; 12]) {
    Prk::new(alg_hash, secret).traffic_keys(aead)
}

/// TLS-Exporter (RFC 8446 7.5): HKDF-Expand-Label(Derive-Secret(exporter_master_secret, label,
/// ""), "exporter", Hash(context_value), length). Labels of SSL_export_keying_material are full
/// strings (e.g. "EXPORTER-foo"); they are used after the "tls13 " prefix as RFC 8446 says.
/// Empty if `len` or `label` is out of range.
pub fn export_keying_material(
    alg: HashAlg,
    exporter_master_secret: &[u8],
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Secret {
    let s = derive_secret(alg, exporter_master_secret, label, empty_hash(alg));
    if s.is_empty() {
        return s;
    }
    hkdf_expand_label(alg, &s, b"exporter", &alg.hash(context), len)
}

/// The early-secret stage. With no PSK the early secret is extracted from zeros.
#[derive(Debug)]
pub struct KeySchedule {
    alg: HashAlg,
    early_secret: Secret,
    early: Prk,
    /// Known in advance when there is no PSK.
    handshake_salt: Option<Box<hmac::Key>>,
}

impl KeySchedule {
    pub fn new(alg: HashAlg, psk: Option<&[u8]>) -> Self {
        match psk {
            Some(psk) => {
                let early_secret = extract_with(zero_salt(alg), psk);
                KeySchedule {
                    alg,
                    early: Prk::new(alg, &early_secret),
                    early_secret,
                    handshake_salt: None,
                }
            }
            None => {
                let start = no_psk_start(alg);
                KeySchedule {
                    alg,
                    early_secret: start.early_secret.clone(),
                    early: start.early.clone(),
                    handshake_salt: Some(start.handshake_salt.clone()),
                }
            }
        }
    }

    pub fn hash_alg(&self) -> HashAlg {
        self.alg
    }

    pub fn early_secret(&self) -> &Secret {
        &self.early_secret
    }

    /// "ext binder" for external PSKs, "res binder" for resumption PSKs. The binder value is
    /// [`finished_verify_data`] with this key and the partial-ClientHello transcript hash.
    pub fn binder_key(&self, external: bool) -> Secret {
        let label: &[u8] = if external {
            b"ext binder"
        } else {
            b"res binder"
        };
        self.early.derive_secret(label, empty_hash(self.alg))
    }

    /// The Finished key of [`KeySchedule::binder_key`]: a binder is its
    /// [`FinishedKey::verify_data`] of the partial-ClientHello transcript hash.
    pub fn binder_finished_key(&self, external: bool) -> FinishedKey {
        Prk::new(self.alg, &self.binder_key(external)).finished_key()
    }

    /// `hash` = Hash(ClientHello).
    pub fn client_early_traffic_secret(&self, hash: &[u8]) -> Secret {
        self.early.derive_secret(b"c e traffic", hash)
    }

    /// `hash` = Hash(ClientHello).
    pub fn early_exporter_master_secret(&self, hash: &[u8]) -> Secret {
        self.early.derive_secret(b"e exp master", hash)
    }

    /// Mixes in the (EC)DHE shared secret. Pass an empty slice for a PSK-only (psk_ke) handshake:
    /// the zero value is used then.
    pub fn into_handshake(self, shared_secret: &[u8]) -> HandshakeSchedule {
        let salt = match self.handshake_salt {
            Some(salt) => salt,
            None => derived_salt(&self.early),
        };
        let ikm = if shared_secret.is_empty() {
            zero_ikm(self.alg)
        } else {
            shared_secret
        };
        let handshake_secret = extract_with(&salt, ikm);
        HandshakeSchedule {
            alg: self.alg,
            prk: Prk::new(self.alg, &handshake_secret),
            handshake_secret,
        }
    }
}

/// The "0" input of RFC 8446 7.1's extractions: `Hash.length` zero bytes (not secret).
fn zero_ikm(alg: HashAlg) -> &'static [u8] {
    const ZEROS: [u8; 48] = [0; 48];
    &ZEROS[..alg.output_len()]
}

/// The HMAC key of HKDF-Extract's empty salt (`Hash.length` zero bytes), made once per hash.
fn zero_salt(alg: HashAlg) -> &'static hmac::Key {
    static SALTS: OnceLock<[hmac::Key; 2]> = OnceLock::new();
    let salts = SALTS.get_or_init(|| {
        [HashAlg::Sha256, HashAlg::Sha384].map(|alg| hmac::Key::new(alg.hmac_alg(), &[]))
    });
    &salts[alg_index(alg)]
}

/// The handshake-secret stage.
#[derive(Debug)]
pub struct HandshakeSchedule {
    alg: HashAlg,
    handshake_secret: Secret,
    prk: Prk,
}

impl HandshakeSchedule {
    pub fn hash_alg(&self) -> HashAlg {
        self.alg
    }

    pub fn handshake_secret(&self) -> &Secret {
        &self.handshake_secret
    }

    /// `hash` = Hash(ClientHello..ServerHello).
    pub fn client_handshake_traffic_secret(&self, hash: &[u8]) -> Secret {
        self.prk.derive_secret(b"c hs traffic", hash)
    }

    /// `hash` = Hash(ClientHello..ServerHello).
    pub fn server_handshake_traffic_secret(&self, hash: &[u8]) -> Secret {
        self.prk.derive_secret(b"s hs traffic", hash)
    }

    pub fn into_master(self) -> MasterSchedule {
        let salt = derived_salt(&self.prk);
        let master_secret = extract_with(&salt, zero_ikm(self.alg));
        MasterSchedule {
            alg: self.alg,
            prk: Prk::new(self.alg, &master_secret),
            master_secret,
        }
    }
}

/// The master-secret stage.
#[derive(Debug)]
pub struct MasterSchedule {
    alg: HashAlg,
    master_secret: Secret,
    prk: Prk,
}

impl MasterSchedule {
    pub fn hash_alg(&self) -> HashAlg {
        self.alg
    }

    pub fn master_secret(&self) -> &Secret {
        &self.master_secret
    }

    /// `hash` = Hash(ClientHello..server Finished).
    pub fn client_application_traffic_secret_0(&self, hash: &[u8]) -> Secret {
        self.prk.derive_secret(b"c ap traffic", hash)
    }

    /// `hash` = Hash(ClientHello..server Finished).
    pub fn server_application_traffic_secret_0(&self, hash: &[u8]) -> Secret {
        self.prk.derive_secret(b"s ap traffic", hash)
    }

    /// `hash` = Hash(ClientHello..server Finished).
    pub fn exporter_master_secret(&self, hash: &[u8]) -> Secret {
        self.prk.derive_secret(b"exp master", hash)
    }

    /// `hash` = Hash(ClientHello..client Finished).
    pub fn resumption_master_secret(&self, hash: &[u8]) -> Secret {
        self.prk.derive_secret(b"res master", hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hash::Transcript;
    use crate::crypto::rfc8448::*;
    use crate::crypto::test_util::hex;

    const H: HashAlg = HashAlg::Sha256;

    #[test]
    fn rfc5869_test_case_1() {
        let ikm = [0x0bu8; 22];
        let salt = hex("000102030405060708090a0b0c");
        let info = hex("f0f1f2f3f4f5f6f7f8f9");
        let prk = hkdf_extract(H, &salt, &ikm);
        assert_eq!(
            &prk[..],
            &hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")[..]
        );
        let okm = hkdf_expand(H, &hmac::Key::new(H.hmac_alg(), &prk), &info, 42).unwrap();
        assert_eq!(
            &okm[..],
            &hex(concat!(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf",
                "34007208d5b887185865"
            ))[..]
        );
    }

    #[test]
    fn single_block_expansion_is_a_prefix_of_the_longer_output() {
        // Outputs of one hash length or less take a shortcut; they must equal the start of
        // the general multi-block expansion (RFC 5869 2.3: T(1) first).
        let prk = hkdf_extract(H, b"salt", b"input key material");
        let key = hmac::Key::new(H.hmac_alg(), &prk);
        let long = hkdf_expand(H, &key, b"info", 80).unwrap();
        for len in [0, 1, 12, 16, 31, 32] {
            let short = hkdf_expand(H, &key, b"info", len).unwrap();
            assert_eq!(&short[..], &long[..len], "{len}");
        }
        assert_eq!(&hkdf_expand(H, &key, b"info", 33).unwrap()[..], &long[..33]);
    }

    #[test]
    fn traffic_secret_prk_serves_record_keys_and_finished() {
        let secret = [9u8; 48];
        let prk = Prk::new(HashAlg::Sha384, &secret);
        let (key, iv) = prk.traffic_keys(AeadAlg::Aes256Gcm);
        let label = |l: &[u8], len| hkdf_expand_label(HashAlg::Sha384, &secret, l, b"", len);
        assert_eq!(&key[..], &label(b"key", 32)[..]);
        assert_eq!(&iv[..], &label(b"iv", 12)[..]);
        let hash = [3u8; 48];
        // RFC 8446 4.4.4, spelled out with the one-shot HMAC.
        let expected = HashAlg::Sha384.hmac(&label(b"finished", 48), &hash);
        let finished = prk.finished_key();
        assert_eq!(finished.verify_data(&hash), expected);
        assert!(finished.verify(&hash, &expected));
        assert!(!finished.verify(&[4u8; 48], &expected));
    }

    #[test]
    fn expand_label_limits_do_not_panic() {
        assert!(hkdf_expand_label(H, &[1; 32], &[b'x'; 250], b"", 32).is_empty());
        assert!(hkdf_expand_label(H, &[1; 32], &[b'x'; 249], b"", 32).len() == 32);
        assert!(hkdf_expand_label(H, &[1; 32], b"key", &[0; 256], 32).is_empty());
        assert!(hkdf_expand_label(H, &[1; 32], b"key", b"", 255 * 32 + 1).is_empty());
        assert_eq!(
            hkdf_expand_label(H, &[1; 32], b"key", b"", 255 * 32).len(),
            255 * 32
        );
        assert_eq!(hkdf_expand_label(H, &[1; 32], b"key", b"", 0).len(), 0);
    }

    #[test]
    fn hkdf_label_encoding_matches_trace() {
        // "derive secret for handshake "tls13 derived"" info, RFC 8448 section 3.
        let label = |label: &[u8], context: &[u8], len| {
            with_hkdf_label(label, context, len, <[u8]>::to_vec).unwrap()
        };
        let info = label(b"derived", &H.empty_hash(), 32);
        assert_eq!(
            info,
            hex(concat!(
                "00200d746c733133206465726976656420e3b0c44298fc1c149afbf4c8996fb924",
                "27ae41e4649b934ca495991b7852b855"
            ))
        );
        assert_eq!(label(b"key", b"", 16), hex("001009746c733133206b657900"));
    }

    /// The transcript hashes of the trace, computed from its message bytes.
    fn s3_transcript() -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
        let mut t = Transcript::new();
        t.add(&hex(S3_CLIENT_HELLO));
        t.add(&hex(S3_SERVER_HELLO));
        t.set_hash(H).unwrap();
        let hs_hash = t.current_hash();
        t.add(&hex(S3_ENCRYPTED_EXTENSIONS));
        t.add(&hex(S3_CERTIFICATE));
        t.add(&hex(S3_CERTIFICATE_VERIFY));
        let before_server_finished = t.current_hash();
        t.add(&hex(S3_SERVER_FINISHED));
        let ap_hash = t.current_hash();
        t.add(&hex(S3_CLIENT_FINISHED));
        let res_hash = t.current_hash();
        (hs_hash, before_server_finished, ap_hash, res_hash)
    }

    #[test]
    fn rfc8448_simple_1rtt() {
        let (hs_hash, cv_hash, ap_hash, res_hash) = s3_transcript();
        assert_eq!(hs_hash, hex(S3_HS_HASH));
        assert_eq!(ap_hash, hex(S3_AP_HASH));
        assert_eq!(res_hash, hex(S3_RES_HASH));

        let ks = KeySchedule::new(H, None);
        assert_eq!(&ks.early_secret()[..], &hex(S3_EARLY_SECRET)[..]);
        assert_eq!(
            &Prk::new(H, ks.early_secret()).derive_secret(b"derived", &H.empty_hash())[..],
            &hex(S3_DERIVED_FOR_HS)[..]
        );

        let hs = ks.into_handshake(&hex(S3_ECDHE));
        assert_eq!(&hs.handshake_secret()[..], &hex(S3_HANDSHAKE_SECRET)[..]);
        let c_hs = hs.client_handshake_traffic_secret(&hs_hash);
        let s_hs = hs.server_handshake_traffic_secret(&hs_hash);
        assert_eq!(&c_hs[..], &hex(S3_C_HS_TRAFFIC)[..]);
        assert_eq!(&s_hs[..], &hex(S3_S_HS_TRAFFIC)[..]);

        let (key, iv) = traffic_keys(H, AeadAlg::Aes128Gcm, &s_hs);
        assert_eq!(&key[..], &hex(S3_S_HS_KEY)[..]);
        assert_eq!(&iv[..], &hex(S3_S_HS_IV)[..]);
        let (key, iv) = traffic_keys(H, AeadAlg::Aes128Gcm, &c_hs);
        assert_eq!(&key[..], &hex(S3_C_HS_KEY)[..]);
        assert_eq!(&iv[..], &hex(S3_C_HS_IV)[..]);

        // Server Finished covers ClientHello..CertificateVerify.
        let server_verify = finished_verify_data(H, &s_hs, &cv_hash);
        assert_eq!(server_verify, hex(S3_S_FINISHED_VERIFY));
        assert_eq!(&hex(S3_SERVER_FINISHED)[4..], &server_verify[..]);
        assert!(verify_finished(H, &s_hs, &cv_hash, &server_verify));
        assert!(!verify_finished(H, &c_hs, &cv_hash, &server_verify));
        assert!(!verify_finished(H, &s_hs, &cv_hash, &server_verify[..31]));
        // Client Finished covers ClientHello..server Finished.
        let client_verify = finished_verify_data(H, &c_hs, &ap_hash);
        assert_eq!(client_verify, hex(S3_C_FINISHED_VERIFY));

        let ms = hs.into_master();
        assert_eq!(&ms.master_secret()[..], &hex(S3_MASTER_SECRET)[..]);
        let c_ap = ms.client_application_traffic_secret_0(&ap_hash);
        let s_ap = ms.server_application_traffic_secret_0(&ap_hash);
        assert_eq!(&c_ap[..], &hex(S3_C_AP_TRAFFIC)[..]);
        assert_eq!(&s_ap[..], &hex(S3_S_AP_TRAFFIC)[..]);
        assert_eq!(
            &ms.exporter_master_secret(&ap_hash)[..],
            &hex(S3_EXP_MASTER)[..]
        );
        let (key, iv) = traffic_keys(H, AeadAlg::Aes128Gcm, &s_ap);
        assert_eq!(&key[..], &hex(S3_S_AP_KEY)[..]);
        assert_eq!(&iv[..], &hex(S3_S_AP_IV)[..]);
        let (key, iv) = traffic_keys(H, AeadAlg::Aes128Gcm, &c_ap);
        assert_eq!(&key[..], &hex(S3_C_AP_KEY)[..]);
        assert_eq!(&iv[..], &hex(S3_C_AP_IV)[..]);

        let rms = ms.resumption_master_secret(&res_hash);
        assert_eq!(&rms[..], &hex(S3_RES_MASTER)[..]);
        let psk = resumption_psk(H, &rms, &hex(S3_TICKET_NONCE));
        assert_eq!(&psk[..], &hex(S3_RESUMPTION_PSK)[..]);
    }

    #[test]
    fn rfc8448_resumed_0rtt_binder_and_early_secrets() {
        // The PSK of section 4 is the resumption secret derived in section 3.
        let psk = hex(S3_RESUMPTION_PSK);
        let ks = KeySchedule::new(H, Some(&psk));
        assert_eq!(&ks.early_secret()[..], &hex(S4_EARLY_SECRET)[..]);
        let binder_key = ks.binder_key(false);
        assert_eq!(&binder_key[..], &hex(S4_BINDER_KEY)[..]);
        assert_ne!(ks.binder_key(true), binder_key);

        let t = Transcript::new();
        let binder_hash = t.hash_with_alg(H, &hex(S4_CH_PREFIX)).unwrap();
        assert_eq!(binder_hash, hex(S4_BINDER_HASH));
        let binder = finished_verify_data(H, &binder_key, &binder_hash);
        assert_eq!(binder, hex(S4_BINDER));
        let binder_finished = ks.binder_finished_key(false);
        assert_eq!(binder_finished.verify_data(&binder_hash), binder);
        assert!(binder_finished.verify(&binder_hash, &binder));
        assert!(!binder_finished.verify(&binder_hash, &binder[..31]));
        assert!(!ks.binder_finished_key(true).verify(&binder_hash, &binder));
        // The full ClientHello ends with the binders list: 2-byte list length, 1-byte binder
        // length, binder.
        let ch = hex(S4_CLIENT_HELLO);
        assert_eq!(&ch[ch.len() - 32..], &binder[..]);
        assert_eq!(&ch[..ch.len() - 35], &hex(S4_CH_PREFIX)[..]);

        let ch_hash = H.hash(&ch);
        assert_eq!(ch_hash, hex(S4_C_E_HASH));
        let cets = ks.client_early_traffic_secret(&ch_hash);
        assert_eq!(&cets[..], &hex(S4_C_E_TRAFFIC)[..]);
        assert_eq!(
            &ks.early_exporter_master_secret(&ch_hash)[..],
            &hex(S4_E_EXP_MASTER)[..]
        );
        let (key, iv) = traffic_keys(H, AeadAlg::Aes128Gcm, &cets);
        assert_eq!(&key[..], &hex(S4_EARLY_KEY)[..]);
        assert_eq!(&iv[..], &hex(S4_EARLY_IV)[..]);
    }

    #[test]
    fn psk_only_and_key_update_and_exporter_shapes() {
        // psk_ke: an empty shared secret means the zero value.
        let a = KeySchedule::new(H, Some(&[7; 32])).into_handshake(&[]);
        let b = KeySchedule::new(H, Some(&[7; 32])).into_handshake(&[0; 32]);
        assert_eq!(a.handshake_secret(), b.handshake_secret());

        let s = Secret::from_slice(&[3; 48]);
        let n1 = next_traffic_secret(HashAlg::Sha384, &s);
        assert_eq!(n1.len(), 48);
        assert_ne!(n1, s);
        assert_eq!(
            n1,
            hkdf_expand_label(HashAlg::Sha384, &s, b"traffic upd", b"", 48)
        );

        let e1 = export_keying_material(H, &[5; 32], b"EXPORTER-test", b"ctx", 20);
        let e2 = export_keying_material(H, &[5; 32], b"EXPORTER-test", b"ctx2", 20);
        assert_eq!(e1.len(), 20);
        assert_ne!(e1, e2);

        let (k, _) = traffic_keys(HashAlg::Sha384, AeadAlg::Aes256Gcm, &s);
        assert_eq!(k.len(), 32);
        let (k, _) = traffic_keys(H, AeadAlg::ChaCha20Poly1305, &s);
        assert_eq!(k.len(), 32);
    }

    /// The schedule step by step from the generic functions, as RFC 8446 7.1 writes it.
    fn naive_secrets(alg: HashAlg, psk: Option<&[u8]>, ecdhe: &[u8]) -> [Secret; 3] {
        let zeros = vec![0u8; alg.output_len()];
        let early = hkdf_extract(alg, &[], psk.unwrap_or(&zeros));
        let salt = derive_secret(alg, &early, b"derived", &alg.empty_hash());
        let handshake = hkdf_extract(alg, &salt, ecdhe);
        let salt = derive_secret(alg, &handshake, b"derived", &alg.empty_hash());
        let master = hkdf_extract(alg, &salt, &zeros);
        [early, handshake, master]
    }

    #[test]
    fn precomputed_steps_match_the_step_by_step_schedule() {
        for alg in [HashAlg::Sha256, HashAlg::Sha384] {
            for psk in [None, Some(&[9u8; 48][..alg.output_len()])] {
                // Twice: the second run uses what the first precomputed.
                for _ in 0..2 {
                    let [early, handshake, master] = naive_secrets(alg, psk, &[4; 32]);
                    let ks = KeySchedule::new(alg, psk);
                    assert_eq!(ks.early_secret(), &early);
                    assert_eq!(
                        ks.binder_key(false),
                        derive_secret(alg, &early, b"res binder", &alg.empty_hash())
                    );
                    let hs = ks.into_handshake(&[4; 32]);
                    assert_eq!(hs.handshake_secret(), &handshake);
                    assert_eq!(
                        hs.client_handshake_traffic_secret(&[1; 48][..alg.output_len()]),
                        derive_secret(
                            alg,
                            &handshake,
                            b"c hs traffic",
                            &[1; 48][..alg.output_len()]
                        )
                    );
                    let ms = hs.into_master();
                    assert_eq!(ms.master_secret(), &master);
                    assert_eq!(
                        ms.resumption_master_secret(&[2; 48][..alg.output_len()]),
                        derive_secret(alg, &master, b"res master", &[2; 48][..alg.output_len()])
                    );
                }
            }
        }
    }
}
