//! Ticket sealing (RFC 5077 section 4's recommended construction, with an AEAD) and the keys a
//! server, or a fleet of servers, seals with.
//!
//! A ticket is `key_name (16) || nonce (12) || AES-256-GCM(session state) || tag (16)`, the key
//! name being the additional data. The name says which key sealed the ticket, so a server holding
//! several keys tries only that one, and a ticket sealed by a key the server no longer has is
//! simply not resumable.
//!
//! Keys come from one of three places:
//! - automatic (the default): random keys made on demand; a new one every rotation interval,
//!   older ones kept for decryption until no ticket they sealed can still be valid;
//! - explicit ([`TicketKeys::set_explicit`]): keys the operator shares between servers, the first
//!   one sealing and all of them opening;
//! - the application's callback ([`TicketKeyCallback`]), which replaces both.

use crate::crypto::aead::{AeadAlg, AeadKey};
use crate::crypto::secret::{Secret, Zeroizing};
use crate::error::{Error, Reason, Result};
use std::sync::{Arc, Mutex};

pub const KEY_NAME_LEN: usize = 16;
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// One key in the explicit format: its name, then its AES-256-GCM key.
pub const ENCODED_KEY_LEN: usize = KEY_NAME_LEN + KEY_LEN;
/// OpenSSL's `SSL_CTX_set_tlsext_ticket_keys` layout: name, HMAC secret, AES key.
pub const OPENSSL_KEYS_LEN: usize = 80;
/// Default rotation interval of automatic keys, seconds.
pub const DEFAULT_ROTATION_SECS: u64 = 3600;

/// OpenSSL's default session timeout (seconds), used for sessions and ticket lifetimes (and
/// how long a rotated-out ticket key still opens tickets). Defined here, below the session
/// module that re-exports it, so ticket sealing does not import its parent.
pub const DEFAULT_TIMEOUT_SECS: u32 = 7200;

/// One ticket key.
#[derive(Clone)]
pub struct TicketKey {
    pub name: [u8; KEY_NAME_LEN],
    pub key: Secret,
    /// When the key was made (automatic keys), Unix seconds.
    pub created_secs: u64,
    /// `key` expanded for AES-256-GCM once, rather than for every ticket sealed or opened.
    aead: Arc<AeadKey>,
}

impl std::fmt::Debug for TicketKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TicketKey({})", hex(&self.name))
    }
}

impl TicketKey {
    pub fn new(name: [u8; KEY_NAME_LEN], key: &[u8]) -> Result<Self> {
        if key.len() != KEY_LEN {
            return Err(Error::local(
                Reason::INVALID_ARGUMENT,
                format!("a ticket key has {KEY_LEN} bytes, not {}", key.len()),
            ));
        }
        Ok(TicketKey {
            name,
            key: Secret::from_slice(key),
            created_secs: 0,
            aead: Arc::new(AeadKey::new(AeadAlg::Aes256Gcm, key)?),
        })
    }

    fn random(now_secs: u64) -> Result<Self> {
        let name = crate::crypto::rand::random_array::<KEY_NAME_LEN>()?;
        let key = Zeroizing::new(crate::crypto::rand::random_array::<KEY_LEN>()?);
        let mut k = TicketKey::new(name, &*key)?;
        k.created_secs = now_secs;
        Ok(k)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What an application's key callback answers.
pub enum TicketKeyLookup {
    /// Use this key.
    Found(TicketKey),
    /// Opening: the key is still good, but issue a fresh ticket under the current key.
    FoundRenew(TicketKey),
    /// Sealing: issue no ticket. Opening: the name is unknown (a full handshake follows).
    Unknown,
}

/// Asked for the sealing key (`None`) or for the key of a name found in a ticket.
pub type TicketKeyCallback =
    Arc<dyn Fn(Option<&[u8; KEY_NAME_LEN]>) -> TicketKeyLookup + Send + Sync>;

/// Seals `plaintext` under `key` with a fresh random nonce. The plaintext is encrypted straight
/// into the ticket: no copy of it is made (it holds the session's secret).
pub fn seal(key: &TicketKey, plaintext: &[u8]) -> Result<Vec<u8>> {
    let nonce = crate::crypto::rand::random_array::<NONCE_LEN>()?;
    let header = KEY_NAME_LEN + NONCE_LEN;
    let mut out = vec![0u8; header + plaintext.len() + TAG_LEN];
    out[..KEY_NAME_LEN].copy_from_slice(&key.name);
    out[KEY_NAME_LEN..header].copy_from_slice(&nonce);
    let (ciphertext, tag) = out[header..].split_at_mut(plaintext.len());
    key.aead
        .seal_out_of_place(nonce, &key.name, plaintext, ciphertext, &[], tag)?;
    Ok(out)
}

/// The key name a ticket claims, if it is long enough to be one of ours.
pub fn key_name(sealed: &[u8]) -> Option<[u8; KEY_NAME_LEN]> {
    if sealed.len() < KEY_NAME_LEN + NONCE_LEN + TAG_LEN {
        return None;
    }
    sealed[..KEY_NAME_LEN].try_into().ok()
}

/// Opens a ticket sealed by [`seal`]; `None` if it was not sealed by `key` or was altered.
pub fn open(key: &TicketKey, sealed: &[u8]) -> Option<Secret> {
    if key_name(sealed)? != key.name {
        return None;
    }
    let aead = &key.aead;
    let nonce: [u8; NONCE_LEN] = sealed[KEY_NAME_LEN..KEY_NAME_LEN + NONCE_LEN]
        .try_into()
        .ok()?;
    let mut body = sealed[KEY_NAME_LEN + NONCE_LEN..].to_vec();
    let plain_len = aead.open_in_place(nonce, &key.name, &mut body).ok()?.len();
    body.truncate(plain_len);
    Some(Secret::new(body))
}

enum Mode {
    /// Random keys, newest first, rotated every `rotation_secs`.
    Automatic { rotation_secs: u64 },
    /// Operator-supplied keys: the first seals, all open.
    Explicit,
}

struct KeyRing {
    mode: Mode,
    keys: Vec<TicketKey>,
    /// How long after a key stops sealing its tickets may still be presented (the longest
    /// ticket lifetime), seconds.
    retain_secs: u64,
}

/// A context's ticket keys.
pub struct TicketKeys {
    ring: Mutex<KeyRing>,
}

impl Default for TicketKeys {
    fn default() -> Self {
        TicketKeys {
            ring: Mutex::new(KeyRing {
                mode: Mode::Automatic {
                    rotation_secs: DEFAULT_ROTATION_SECS,
                },
                keys: Vec::new(),
                retain_secs: u64::from(DEFAULT_TIMEOUT_SECS),
            }),
        }
    }
}

impl TicketKeys {
    fn ring(&self) -> std::sync::MutexGuard<'_, KeyRing> {
        self.ring.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Automatic keys rotated every `rotation_secs` (at least 1), kept for opening tickets for
    /// `retain_secs` more. Drops explicit keys.
    pub fn set_automatic(&self, rotation_secs: u64, retain_secs: u64) {
        let mut ring = self.ring();
        if !matches!(ring.mode, Mode::Automatic { .. }) {
            ring.keys.clear();
        }
        ring.mode = Mode::Automatic {
            rotation_secs: rotation_secs.max(1),
        };
        ring.retain_secs = retain_secs;
    }

    /// How long tickets stay valid, so that automatic keys are kept long enough.
    pub fn set_retention(&self, retain_secs: u64) {
        self.ring().retain_secs = retain_secs;
    }

    /// Operator keys: the first seals new tickets; every one opens tickets.
    pub fn set_explicit(&self, keys: Vec<TicketKey>) -> Result<()> {
        if keys.is_empty() {
            return Err(Error::local(
                Reason::INVALID_ARGUMENT,
                "an explicit ticket key list needs at least one key",
            ));
        }
        let mut ring = self.ring();
        ring.mode = Mode::Explicit;
        ring.keys = keys;
        Ok(())
    }

    /// The key that seals new tickets at `now_secs`, making or rotating automatic keys.
    pub fn encrypting_key(&self, now_secs: u64) -> Result<TicketKey> {
        let mut ring = self.ring();
        if let Mode::Automatic { rotation_secs } = ring.mode {
            let stale = ring
                .keys
                .first()
                .is_none_or(|k| now_secs >= k.created_secs.saturating_add(rotation_secs));
            if stale {
                ring.keys.insert(0, TicketKey::random(now_secs)?);
            }
            Self::prune(&mut ring, now_secs);
        }
        ring.keys
            .first()
            .cloned()
            .ok_or_else(|| Error::internal("no ticket key"))
    }

    /// The key named `name` if it may still open tickets at `now_secs`, and whether tickets it
    /// sealed should be replaced (it no longer seals).
    pub fn decrypting_key(
        &self,
        name: &[u8; KEY_NAME_LEN],
        now_secs: u64,
    ) -> Option<(TicketKey, bool)> {
        let mut ring = self.ring();
        if matches!(ring.mode, Mode::Automatic { .. }) {
            Self::prune(&mut ring, now_secs);
        }
        let position = ring.keys.iter().position(|k| &k.name == name)?;
        Some((ring.keys[position].clone(), position != 0))
    }

    /// Forgets automatic keys whose tickets have all expired: a key seals until the next key is
    /// made, and its tickets live `retain_secs` after that.
    fn prune(ring: &mut KeyRing, now_secs: u64) {
        let retain = ring.retain_secs;
        let mut keep = 1;
        for i in 1..ring.keys.len() {
            let superseded_at = ring.keys[i - 1].created_secs;
            if now_secs < superseded_at.saturating_add(retain) {
                keep = i + 1;
            } else {
                break;
            }
        }
        ring.keys.truncate(keep);
    }

    /// How many keys are held (for tests and diagnostics).
    pub fn len(&self) -> usize {
        self.ring().keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Parses explicit keys: a concatenation of 48-byte entries (16-byte name, 32-byte AES-256-GCM
/// key), the first sealing; or OpenSSL's 80-byte layout (name, HMAC secret, AES key), whose HMAC
/// part libtls does not need.
pub fn parse_explicit_keys(bytes: &[u8]) -> Result<Vec<TicketKey>> {
    if bytes.len() == OPENSSL_KEYS_LEN {
        let name: [u8; KEY_NAME_LEN] = bytes[..KEY_NAME_LEN].try_into().expect("16 bytes");
        return Ok(vec![TicketKey::new(name, &bytes[48..80])?]);
    }
    if bytes.is_empty() || bytes.len() % ENCODED_KEY_LEN != 0 {
        return Err(Error::local(
            Reason::INVALID_ARGUMENT,
            format!(
                "ticket keys are {ENCODED_KEY_LEN}-byte entries (16-byte name, 32-byte key) or \
                 OpenSSL's {OPENSSL_KEYS_LEN}-byte layout; got {} bytes",
                bytes.len()
            ),
        ));
    }
    let mut keys = Vec::new();
    for entry in bytes.chunks(ENCODED_KEY_LEN) {
        let name: [u8; KEY_NAME_LEN] = entry[..KEY_NAME_LEN].try_into().expect("16 bytes");
        if keys.iter().any(|k: &TicketKey| k.name == name) {
            return Err(Error::local(
                Reason::INVALID_ARGUMENT,
                format!("ticket key name {} appears twice", hex(&name)),
            ));
        }
        keys.push(TicketKey::new(name, &entry[KEY_NAME_LEN..])?);
    }
    Ok(keys)
}

/// Parses a ticket key file: one key per line as 96 hex digits (the 16-byte name, then the
/// 32-byte key), the first line sealing new tickets; blank lines and lines starting with `#`
/// are ignored. Operators rotate by adding a new first line and, once the tickets it sealed
/// have expired, removing the last.
pub fn parse_key_file(text: &str) -> Result<Vec<TicketKey>> {
    // Sized up front (each key line is longer than the key it encodes): growing the buffer
    // would leave copies of keys in freed memory.
    let mut bytes = Zeroizing::new(Vec::with_capacity(text.len() / 2));
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let decoded = decode_hex(line).filter(|b| b.len() == ENCODED_KEY_LEN);
        let Some(decoded) = decoded else {
            return Err(Error::local(
                Reason::BAD_DATA,
                format!(
                    "ticket key file line {}: expected {} hex digits (16-byte name, 32-byte key)",
                    n + 1,
                    2 * ENCODED_KEY_LEN
                ),
            ));
        };
        bytes.extend_from_slice(&decoded);
    }
    debug_assert!(bytes.len() <= text.len() / 2);
    if bytes.is_empty() {
        return Err(Error::local(
            Reason::BAD_DATA,
            "the ticket key file holds no key",
        ));
    }
    parse_explicit_keys(&bytes)
}

/// Decodes hex into a buffer that is wiped when dropped (key file lines are keys).
fn decode_hex(s: &str) -> Option<Zeroizing<Vec<u8>>> {
    if s.len() % 2 != 0 {
        return None;
    }
    let mut out = Zeroizing::new(Vec::with_capacity(s.len() / 2));
    for i in (0..s.len()).step_by(2) {
        out.push(
            s.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())?,
        );
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> TicketKey {
        TicketKey::new([n; 16], &[n.wrapping_add(100); 32]).unwrap()
    }

    #[test]
    fn seal_and_open() {
        let k = key(1);
        let sealed = seal(&k, b"session state").unwrap();
        assert_eq!(&sealed[..16], &[1; 16]);
        assert_eq!(&open(&k, &sealed).unwrap()[..], b"session state");
        // Two seals of the same state differ (fresh nonce).
        assert_ne!(seal(&k, b"session state").unwrap(), sealed);
    }

    #[test]
    fn tampering_and_wrong_keys_are_rejected() {
        let k = key(1);
        let sealed = seal(&k, b"session state").unwrap();
        for i in 0..sealed.len() {
            let mut t = sealed.clone();
            t[i] ^= 0x40;
            assert!(open(&k, &t).is_none(), "byte {i} flipped");
        }
        assert!(open(&k, &sealed[..sealed.len() - 1]).is_none());
        assert!(open(&k, &sealed[..10]).is_none());
        assert!(open(&key(2), &sealed).is_none());
        // Same name, different key material.
        let impostor = TicketKey::new([1; 16], &[0; 32]).unwrap();
        assert!(open(&impostor, &sealed).is_none());
    }

    #[test]
    fn automatic_keys_rotate_and_expire() {
        let keys = TicketKeys::default();
        keys.set_automatic(100, 500);
        let k0 = keys.encrypting_key(1000).unwrap();
        assert_eq!(keys.encrypting_key(1099).unwrap().name, k0.name);
        let (_, renew) = keys.decrypting_key(&k0.name, 1099).unwrap();
        assert!(!renew);
        let k1 = keys.encrypting_key(1100).unwrap();
        assert_ne!(k1.name, k0.name, "rotated after the interval");
        // The old key still opens, and asks for renewal; until its tickets must have expired.
        let (_, renew) = keys.decrypting_key(&k0.name, 1599).unwrap();
        assert!(renew);
        assert!(keys.decrypting_key(&k0.name, 1600).is_none());
        assert!(keys.decrypting_key(&[0xee; 16], 1100).is_none());
    }

    #[test]
    fn explicit_keys_and_formats() {
        let keys = TicketKeys::default();
        let mut bytes = Vec::new();
        for n in [3u8, 4] {
            bytes.extend_from_slice(&[n; 16]);
            bytes.extend_from_slice(&[n; 32]);
        }
        keys.set_explicit(parse_explicit_keys(&bytes).unwrap())
            .unwrap();
        assert_eq!(keys.encrypting_key(u64::MAX / 2).unwrap().name, [3; 16]);
        assert!(keys.decrypting_key(&[4; 16], 0).unwrap().1);
        assert!(parse_explicit_keys(&bytes[..47]).is_err());
        assert!(parse_explicit_keys(&[]).is_err());
        let dup = [&bytes[..48], &bytes[..48]].concat();
        assert!(parse_explicit_keys(&dup).is_err());
        // OpenSSL's layout: name, HMAC secret (ignored), AES key.
        let mut openssl = vec![5u8; 16];
        openssl.extend_from_slice(&[6; 32]);
        openssl.extend_from_slice(&[7; 32]);
        let parsed = parse_explicit_keys(&openssl).unwrap();
        assert_eq!(parsed[0].name, [5; 16]);
        assert_eq!(&parsed[0].key[..], &[7; 32]);
    }

    /// Sealing encrypts straight into the ticket, with the tag, in one allocation.
    #[test]
    fn a_sealed_ticket_is_one_allocation() {
        let sealed = seal(&key(1), &[5u8; 300]).unwrap();
        assert_eq!(sealed.len(), KEY_NAME_LEN + NONCE_LEN + 300 + TAG_LEN);
        assert_eq!(sealed.capacity(), sealed.len());
        assert_eq!(&open(&key(1), &sealed).unwrap()[..], &[5u8; 300]);
    }

    #[test]
    fn decoded_key_lines_are_wiped_on_drop() {
        let decoded: Zeroizing<Vec<u8>> = decode_hex("00ff10").unwrap();
        assert_eq!(&decoded[..], &[0, 0xff, 0x10]);
        assert!(decode_hex("0g").is_none());
        assert!(decode_hex("abc").is_none());
    }

    #[test]
    fn key_file_parsing() {
        let line = |n: u8| hex(&[[n; 16].as_slice(), &[n; 32]].concat());
        let text = format!("# fleet keys\n{}\n\n  {}  \n", line(1), line(2));
        let keys = parse_key_file(&text).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].name, [1; 16]);
        assert!(parse_key_file("# nothing\n").is_err());
        assert!(parse_key_file("abcd\n").is_err());
        assert!(parse_key_file(&format!("{}zz\n", &line(1)[..94])).is_err());
    }
}
