//! Hash functions of the cipher suites, HMAC, and the handshake transcript.

use crate::error::{Error, Result};
use crate::msgs::enums::HandshakeType;
use aws_lc_rs::{digest, hmac};

/// The hash of a cipher suite (TLS 1.3's HKDF hash, TLS 1.2's PRF hash).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlg {
    Sha256,
    Sha384,
}

impl HashAlg {
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
        }
    }

    pub(crate) fn digest_alg(self) -> &'static digest::Algorithm {
        match self {
            HashAlg::Sha256 => &digest::SHA256,
            HashAlg::Sha384 => &digest::SHA384,
        }
    }

    pub(crate) fn hmac_alg(self) -> hmac::Algorithm {
        match self {
            HashAlg::Sha256 => hmac::HMAC_SHA256,
            HashAlg::Sha384 => hmac::HMAC_SHA384,
        }
    }

    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        digest::digest(self.digest_alg(), data).as_ref().to_vec()
    }

    pub fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        hmac::sign(&hmac::Key::new(self.hmac_alg(), key), data)
            .as_ref()
            .to_vec()
    }

    /// `Hash("")`, the context of `Derive-Secret(., "derived", "")` and binder keys.
    pub fn empty_hash(self) -> Vec<u8> {
        self.hash(&[])
    }
}

/// The running hash of the handshake messages.
///
/// Until [`Transcript::set_hash`] is called (a client learns the hash from the ServerHello) the
/// messages are only buffered. After it, they are hashed incrementally; the raw buffer is kept too
/// until [`Transcript::drop_buffer`] (TLS 1.2 client authentication signs the raw messages, and a
/// client that guessed the hash for a PSK binder may still have to switch).
#[derive(Clone)]
pub struct Transcript {
    buffer: Option<Vec<u8>>,
    ctx: Option<(HashAlg, digest::Context)>,
    /// The hash of the messages so far, once asked for, until the next change: a TLS 1.3
    /// handshake asks twice for the hash after the server Finished (application secrets, then
    /// the client Finished), and each fork of the context costs a copy and a compression.
    latest_hash: std::cell::OnceCell<Vec<u8>>,
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transcript")
            .field("hash", &self.hash_alg())
            .field("buffered", &self.buffer.as_ref().map(Vec::len))
            .finish()
    }
}

impl Transcript {
    pub fn new() -> Self {
        Transcript {
            buffer: Some(Vec::new()),
            ctx: None,
            latest_hash: std::cell::OnceCell::new(),
        }
    }

    /// A transcript with its hash fixed from the start that keeps no raw messages: a TLS 1.3
    /// server, which picks the hash before it hashes anything and never signs raw messages.
    pub fn hashing_only(alg: HashAlg) -> Self {
        Transcript {
            buffer: None,
            ctx: Some((alg, digest::Context::new(alg.digest_alg()))),
            latest_hash: std::cell::OnceCell::new(),
        }
    }

    /// Adds the first part of a message (a ClientHello up to its PSK binders) and returns the
    /// hash of the transcript so far; the rest of the message is added next with
    /// [`Transcript::add`]. Each byte is hashed once. Empty while the hash is not set.
    pub fn add_prefix_and_hash(&mut self, prefix: &[u8]) -> Vec<u8> {
        self.add(prefix);
        self.current_hash()
    }

    /// Adds one whole handshake message (with its 4-byte header).
    pub fn add(&mut self, handshake_msg_bytes: &[u8]) {
        if let Some(buf) = &mut self.buffer {
            buf.extend_from_slice(handshake_msg_bytes);
        }
        self.latest_hash.take();
        if let Some((_, ctx)) = &mut self.ctx {
            ctx.update(handshake_msg_bytes);
        }
    }

    /// Fixes the hash: hashes what was buffered, then hashes each message as it is added.
    ///
    /// Setting the same hash again does nothing. Switching to another hash works while the buffer
    /// is kept (the transcript is rehashed); after [`Transcript::drop_buffer`] it is an error.
    pub fn set_hash(&mut self, alg: HashAlg) -> Result<()> {
        if let Some((cur, _)) = &self.ctx {
            if *cur == alg {
                return Ok(());
            }
        }
        let Some(buf) = &self.buffer else {
            return Err(Error::internal(format!(
                "transcript hash cannot change to {alg:?} once the message buffer is dropped"
            )));
        };
        let mut ctx = digest::Context::new(alg.digest_alg());
        ctx.update(buf);
        self.ctx = Some((alg, ctx));
        self.latest_hash.take();
        Ok(())
    }

    /// The hash, once set.
    pub fn hash_alg(&self) -> Option<HashAlg> {
        self.ctx.as_ref().map(|(alg, _)| *alg)
    }

    /// Stops keeping the raw messages. Does nothing while the hash is not set (the buffer is all
    /// there is then).
    pub fn drop_buffer(&mut self) {
        if self.ctx.is_some() {
            self.buffer = None;
        }
    }

    /// The raw messages, while they are kept (TLS 1.2 CertificateVerify signs them).
    pub fn buffer(&self) -> Option<&[u8]> {
        self.buffer.as_deref()
    }

    /// Hash of the messages so far (a fork of the running context). Empty while the hash is not
    /// set, which no correct caller asks for.
    pub fn current_hash(&self) -> Vec<u8> {
        match &self.ctx {
            Some((_, ctx)) => self
                .latest_hash
                .get_or_init(|| ctx.clone().finish().as_ref().to_vec())
                .clone(),
            None => Vec::new(),
        }
    }

    /// Hash of the messages so far followed by `partial` (e.g. a ClientHello truncated before its
    /// binders), leaving the transcript unchanged. Empty while the hash is not set.
    pub fn hash_with(&self, partial: &[u8]) -> Vec<u8> {
        match &self.ctx {
            Some((_, ctx)) => {
                let mut c = ctx.clone();
                c.update(partial);
                c.finish().as_ref().to_vec()
            }
            None => Vec::new(),
        }
    }

    /// Like [`Transcript::hash_with`] with a hash that may not be the one set (or none is set
    /// yet): a client computing PSK binders before the ServerHello. Uses the buffer when the
    /// hash differs; `None` if it was dropped.
    pub fn hash_with_alg(&self, alg: HashAlg, partial: &[u8]) -> Option<Vec<u8>> {
        if let Some((cur, _)) = &self.ctx {
            if *cur == alg {
                return Some(self.hash_with(partial));
            }
        }
        let buf = self.buffer.as_ref()?;
        let mut c = digest::Context::new(alg.digest_alg());
        c.update(buf);
        c.update(partial);
        Some(c.finish().as_ref().to_vec())
    }

    /// RFC 8446 4.4.1: after a HelloRetryRequest, the transcript so far (ClientHello1) is replaced
    /// by the synthetic message `message_hash(254) || 00 00 Hash.length || Hash(ClientHello1)`.
    /// Call this after adding ClientHello1 and before adding the HelloRetryRequest.
    pub fn rollup_for_hello_retry(&mut self) -> Result<()> {
        let Some((alg, _)) = &self.ctx else {
            return Err(Error::internal(
                "transcript rollup for HelloRetryRequest before the hash is set",
            ));
        };
        let alg = *alg;
        let h = self.current_hash();
        let mut synthetic = Vec::with_capacity(4 + h.len());
        synthetic.extend_from_slice(&[HandshakeType::MESSAGE_HASH.0, 0, 0, h.len() as u8]);
        synthetic.extend_from_slice(&h);
        let mut ctx = digest::Context::new(alg.digest_alg());
        ctx.update(&synthetic);
        self.ctx = Some((alg, ctx));
        self.latest_hash.take();
        if self.buffer.is_some() {
            self.buffer = Some(synthetic);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::rfc8448::*;
    use crate::crypto::test_util::hex;

    #[test]
    fn hash_basics() {
        assert_eq!(HashAlg::Sha256.output_len(), 32);
        assert_eq!(HashAlg::Sha384.output_len(), 48);
        assert_eq!(
            HashAlg::Sha256.empty_hash(),
            hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(HashAlg::Sha384.empty_hash().len(), 48);
        assert_eq!(
            HashAlg::Sha256.hash(b"abc"),
            hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
    }

    #[test]
    fn hmac_rfc4231_case2() {
        let key = b"Jefe";
        let data = b"what do ya want for nothing?";
        assert_eq!(
            HashAlg::Sha256.hmac(key, data),
            hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        );
        assert_eq!(
            HashAlg::Sha384.hmac(key, data),
            hex(concat!(
                "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e",
                "8e2240ca5e69e2c78b3239ecfab21649"
            ))
        );
    }

    #[test]
    fn buffers_until_hash_set_then_hashes_incrementally() {
        let ch = hex(S3_CLIENT_HELLO);
        let sh = hex(S3_SERVER_HELLO);
        let mut t = Transcript::new();
        assert_eq!(t.hash_alg(), None);
        assert!(t.current_hash().is_empty());
        t.add(&ch);
        t.add(&sh);
        t.set_hash(HashAlg::Sha256).unwrap();
        assert_eq!(t.hash_alg(), Some(HashAlg::Sha256));
        assert_eq!(t.current_hash(), hex(S3_HS_HASH));
        // Setting the same hash again is a no-op.
        t.set_hash(HashAlg::Sha256).unwrap();
        assert_eq!(t.current_hash(), hex(S3_HS_HASH));

        for m in [
            S3_ENCRYPTED_EXTENSIONS,
            S3_CERTIFICATE,
            S3_CERTIFICATE_VERIFY,
            S3_SERVER_FINISHED,
        ] {
            t.add(&hex(m));
        }
        assert_eq!(t.current_hash(), hex(S3_AP_HASH));
        // current_hash does not consume anything.
        assert_eq!(t.current_hash(), hex(S3_AP_HASH));
        assert_eq!(t.hash_with(&hex(S3_CLIENT_FINISHED)), hex(S3_RES_HASH));
        assert_eq!(t.current_hash(), hex(S3_AP_HASH));
        t.add(&hex(S3_CLIENT_FINISHED));
        assert_eq!(t.current_hash(), hex(S3_RES_HASH));
    }

    #[test]
    fn buffer_kept_until_dropped_and_switching_hash() {
        let mut t = Transcript::new();
        t.drop_buffer(); // no-op before the hash is set
        t.add(b"\x01\x00\x00\x00");
        assert_eq!(t.buffer(), Some(&b"\x01\x00\x00\x00"[..]));
        t.set_hash(HashAlg::Sha384).unwrap();
        assert_eq!(t.current_hash(), HashAlg::Sha384.hash(b"\x01\x00\x00\x00"));
        // A client that guessed SHA-384 for its PSK can still switch while the buffer is kept.
        t.set_hash(HashAlg::Sha256).unwrap();
        assert_eq!(t.current_hash(), HashAlg::Sha256.hash(b"\x01\x00\x00\x00"));
        t.add(b"\x02\x00\x00\x00");
        assert_eq!(t.buffer(), Some(&b"\x01\x00\x00\x00\x02\x00\x00\x00"[..]));
        t.drop_buffer();
        assert_eq!(t.buffer(), None);
        assert!(t.set_hash(HashAlg::Sha384).is_err());
        assert_eq!(t.hash_alg(), Some(HashAlg::Sha256));
        assert_eq!(
            t.current_hash(),
            HashAlg::Sha256.hash(b"\x01\x00\x00\x00\x02\x00\x00\x00")
        );
    }

    #[test]
    fn psk_binder_hash_from_partial_client_hello() {
        // RFC 8448 section 4: the binder hash is Hash(truncated ClientHello).
        let t = Transcript::new();
        let prefix = hex(S4_CH_PREFIX);
        assert_eq!(
            t.hash_with_alg(HashAlg::Sha256, &prefix).unwrap(),
            hex(S4_BINDER_HASH)
        );
        let mut t = Transcript::new();
        assert!(t.hash_with(&prefix).is_empty());
        t.set_hash(HashAlg::Sha256).unwrap();
        assert_eq!(t.hash_with(&prefix), hex(S4_BINDER_HASH));
        assert_eq!(
            t.hash_with_alg(HashAlg::Sha256, &prefix).unwrap(),
            hex(S4_BINDER_HASH)
        );
        t.drop_buffer();
        assert!(t.hash_with_alg(HashAlg::Sha384, &prefix).is_none());
    }

    #[test]
    fn binder_prefix_is_hashed_once_into_the_transcript() {
        // RFC 8448 section 4: the binder signs the hash of the ClientHello up to its binders;
        // the transcript then goes on with the rest of the same message.
        let ch = hex(S4_CLIENT_HELLO);
        let prefix_len = hex(S4_CH_PREFIX).len();
        let mut t = Transcript::hashing_only(HashAlg::Sha256);
        assert_eq!(t.buffer(), None);
        assert_eq!(
            t.add_prefix_and_hash(&ch[..prefix_len]),
            hex(S4_BINDER_HASH)
        );
        t.add(&ch[prefix_len..]);
        assert_eq!(t.current_hash(), hex(S4_C_E_HASH));

        // A client guessing the hash keeps its buffer, so another hash is still possible.
        let mut guessed = Transcript::new();
        guessed.set_hash(HashAlg::Sha256).unwrap();
        assert_eq!(
            guessed.add_prefix_and_hash(&ch[..prefix_len]),
            hex(S4_BINDER_HASH)
        );
        guessed.add(&ch[prefix_len..]);
        guessed.set_hash(HashAlg::Sha384).unwrap();
        assert_eq!(guessed.current_hash(), HashAlg::Sha384.hash(&ch));
    }

    #[test]
    fn remembered_hash_follows_every_change() {
        let mut t = Transcript::new();
        t.add(b"\x01\x00\x00\x01a");
        assert!(t.current_hash().is_empty());
        t.set_hash(HashAlg::Sha256).unwrap();
        let first = t.current_hash();
        assert_eq!(first, HashAlg::Sha256.hash(b"\x01\x00\x00\x01a"));
        assert_eq!(t.current_hash(), first);
        t.add(b"\x02\x00\x00\x01b");
        let both = HashAlg::Sha256.hash(b"\x01\x00\x00\x01a\x02\x00\x00\x01b");
        assert_eq!(t.current_hash(), both);
        t.set_hash(HashAlg::Sha384).unwrap();
        assert_eq!(
            t.current_hash(),
            HashAlg::Sha384.hash(b"\x01\x00\x00\x01a\x02\x00\x00\x01b")
        );
        t.rollup_for_hello_retry().unwrap();
        assert_eq!(t.current_hash().len(), 48);
        assert_ne!(
            t.current_hash(),
            HashAlg::Sha384.hash(b"\x01\x00\x00\x01a\x02\x00\x00\x01b")
        );
        let mut p = Transcript::hashing_only(HashAlg::Sha256);
        let empty = p.current_hash();
        assert_eq!(p.add_prefix_and_hash(b"xy"), HashAlg::Sha256.hash(b"xy"));
        assert_ne!(p.current_hash(), empty);
    }

    #[test]
    fn hello_retry_rollup() {
        let ch1 = b"\x01\x00\x00\x03abc".to_vec();
        let hrr = b"\x02\x00\x00\x02hr".to_vec();
        let mut t = Transcript::new();
        t.add(&ch1);
        assert!(t.rollup_for_hello_retry().is_err());
        t.set_hash(HashAlg::Sha384).unwrap();
        t.rollup_for_hello_retry().unwrap();
        t.add(&hrr);

        let mut expect = vec![254, 0, 0, 48];
        expect.extend_from_slice(&HashAlg::Sha384.hash(&ch1));
        let mut all = expect.clone();
        all.extend_from_slice(&hrr);
        assert_eq!(t.current_hash(), HashAlg::Sha384.hash(&all));
        assert_eq!(t.buffer(), Some(&all[..]));
    }
}
