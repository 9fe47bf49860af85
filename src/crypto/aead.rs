//! Record protection AEADs.

use crate::error::{Error, Result};
use aws_lc_rs::aead;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AeadAlg {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
}

impl AeadAlg {
    pub fn key_len(self) -> usize {
        match self {
            AeadAlg::Aes128Gcm => 16,
            AeadAlg::Aes256Gcm | AeadAlg::ChaCha20Poly1305 => 32,
        }
    }

    pub fn tag_len(self) -> usize {
        16
    }

    /// Nonce (and TLS 1.3 IV) length.
    pub fn nonce_len(self) -> usize {
        12
    }

    fn algorithm(self) -> &'static aead::Algorithm {
        match self {
            AeadAlg::Aes128Gcm => &aead::AES_128_GCM,
            AeadAlg::Aes256Gcm => &aead::AES_256_GCM,
            AeadAlg::ChaCha20Poly1305 => &aead::CHACHA20_POLY1305,
        }
    }
}

/// The per-record nonce of RFC 8446 5.3 (also TLS 1.2 ChaCha20-Poly1305, RFC 7905): the 64-bit
/// sequence number, big-endian and left-padded to 12 bytes, XORed with the IV.
pub fn xor_nonce(iv: &[u8; 12], seq: u64) -> [u8; 12] {
    let mut n = *iv;
    for (b, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
        *b ^= s;
    }
    n
}

/// The TLS 1.2 AES-GCM nonce (RFC 5288 3): the 4-byte implicit salt from the key block followed
/// by the 8-byte explicit part carried in the record.
pub fn tls12_gcm_nonce(salt: &[u8; 4], explicit: &[u8; 8]) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[..4].copy_from_slice(salt);
    n[4..].copy_from_slice(explicit);
    n
}

/// One direction's AEAD key.
pub struct AeadKey {
    alg: AeadAlg,
    key: aead::LessSafeKey,
}

impl std::fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AeadKey({:?})", self.alg)
    }
}

impl AeadKey {
    pub fn new(alg: AeadAlg, key: &[u8]) -> Result<Self> {
        if key.len() != alg.key_len() {
            return Err(Error::internal(format!(
                "{alg:?} key of {} bytes, expected {}",
                key.len(),
                alg.key_len()
            )));
        }
        let unbound = aead::UnboundKey::new(alg.algorithm(), key)
            .map_err(|_| Error::internal(format!("{alg:?} key rejected by the AEAD")))?;
        Ok(AeadKey {
            alg,
            key: aead::LessSafeKey::new(unbound),
        })
    }

    pub fn alg(&self) -> AeadAlg {
        self.alg
    }

    /// Encrypts `in_out` in place and appends the tag.
    pub fn seal_in_place(&self, nonce: [u8; 12], aad: &[u8], in_out: &mut Vec<u8>) -> Result<()> {
        self.key
            .seal_in_place_append_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                in_out,
            )
            .map_err(|_| Error::internal(format!("{:?} encryption failed", self.alg)))
    }

    /// Encrypts `plaintext` followed by `extra_plaintext` into `ciphertext` (as long as
    /// `plaintext`) and `extra_out_and_tag` (as long as `extra_plaintext` plus the tag), so a
    /// record is sealed from the caller's buffer straight into the output without a copy.
    pub fn seal_out_of_place(
        &self,
        nonce: [u8; 12],
        aad: &[u8],
        plaintext: &[u8],
        ciphertext: &mut [u8],
        extra_plaintext: &[u8],
        extra_out_and_tag: &mut [u8],
    ) -> Result<()> {
        self.key
            .seal_out_of_place_scatter(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                plaintext,
                ciphertext,
                extra_plaintext,
                extra_out_and_tag,
            )
            .map_err(|_| Error::internal(format!("{:?} encryption failed", self.alg)))
    }

    /// Decrypts ciphertext-with-tag in place; the plaintext is the returned prefix of `in_out`.
    /// Any failure (short input, bad tag) is `Err(())`: the caller answers `bad_record_mac`.
    #[allow(clippy::result_unit_err)] // one failure mode; callers map it to their alert
    pub fn open_in_place<'a>(
        &self,
        nonce: [u8; 12],
        aad: &[u8],
        in_out: &'a mut [u8],
    ) -> std::result::Result<&'a mut [u8], ()> {
        if in_out.len() < self.alg.tag_len() {
            return Err(());
        }
        self.key
            .open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                in_out,
            )
            .map_err(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::hash::{HashAlg, Transcript};
    use crate::crypto::key_schedule::{traffic_keys, KeySchedule};
    use crate::crypto::rfc8448::*;
    use crate::crypto::test_util::hex;

    #[test]
    fn nonce_construction() {
        let iv = [0xffu8; 12];
        assert_eq!(xor_nonce(&iv, 0), iv);
        let n = xor_nonce(&iv, 0x0102030405060708);
        assert_eq!(&n[..4], &[0xff; 4]);
        assert_eq!(&n[4..], &[0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8, 0xf7]);
        assert_eq!(
            tls12_gcm_nonce(&[1, 2, 3, 4], &[5, 6, 7, 8, 9, 10, 11, 12]),
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
        );
    }

    #[test]
    fn lengths_and_bad_keys() {
        assert_eq!(AeadAlg::Aes128Gcm.key_len(), 16);
        assert_eq!(AeadAlg::Aes256Gcm.key_len(), 32);
        assert_eq!(AeadAlg::ChaCha20Poly1305.key_len(), 32);
        for a in [
            AeadAlg::Aes128Gcm,
            AeadAlg::Aes256Gcm,
            AeadAlg::ChaCha20Poly1305,
        ] {
            assert_eq!(a.tag_len(), 16);
            assert!(AeadKey::new(a, &[0; 17]).is_err());
            assert!(AeadKey::new(a, &vec![0; a.key_len()]).is_ok());
        }
    }

    #[test]
    fn round_trip_and_tamper() {
        for a in [
            AeadAlg::Aes128Gcm,
            AeadAlg::Aes256Gcm,
            AeadAlg::ChaCha20Poly1305,
        ] {
            let k = AeadKey::new(a, &vec![0x42; a.key_len()]).unwrap();
            let nonce = xor_nonce(&[9; 12], 5);
            let mut buf = b"hello, world".to_vec();
            k.seal_in_place(nonce, b"hdr", &mut buf).unwrap();
            assert_eq!(buf.len(), 12 + 16);
            let mut copy = buf.clone();
            assert_eq!(
                k.open_in_place(nonce, b"hdr", &mut copy).unwrap(),
                b"hello, world"
            );
            let mut copy = buf.clone();
            assert!(k.open_in_place(nonce, b"hdX", &mut copy).is_err());
            let mut copy = buf.clone();
            copy[0] ^= 1;
            assert!(k.open_in_place(nonce, b"hdr", &mut copy).is_err());
            let mut copy = buf.clone();
            assert!(k
                .open_in_place(xor_nonce(&[9; 12], 6), b"hdr", &mut copy)
                .is_err());
            assert!(k.open_in_place(nonce, b"hdr", &mut [0u8; 15]).is_err());
            assert!(k.open_in_place(nonce, b"hdr", &mut []).is_err());
        }
    }

    fn record_parts(record: &[u8]) -> (Vec<u8>, Vec<u8>) {
        (record[..5].to_vec(), record[5..].to_vec())
    }

    /// The whole chain: shared secret → key schedule → traffic keys → decrypt the server's first
    /// encrypted record of RFC 8448 section 3 and compare with the traced plaintext.
    #[test]
    fn rfc8448_decrypt_server_handshake_record() {
        let h = HashAlg::Sha256;
        let mut t = Transcript::new();
        t.add(&hex(S3_CLIENT_HELLO));
        t.add(&hex(S3_SERVER_HELLO));
        t.set_hash(h).unwrap();
        let hs = KeySchedule::new(h, None).into_handshake(&hex(S3_ECDHE));
        let s_hs = hs.server_handshake_traffic_secret(&t.current_hash());
        let (key, iv) = traffic_keys(h, AeadAlg::Aes128Gcm, &s_hs);
        let k = AeadKey::new(AeadAlg::Aes128Gcm, &key).unwrap();

        let (hdr, mut body) = record_parts(&hex(S3_SERVER_HS_RECORD));
        assert_eq!(&hdr[..3], &[0x17, 0x03, 0x03]);
        let plain = k.open_in_place(xor_nonce(&iv, 0), &hdr, &mut body).unwrap();
        // TLSInnerPlaintext: content || type (handshake) with no padding.
        let payload = hex(S3_SERVER_HS_PAYLOAD);
        assert_eq!(plain.len(), payload.len() + 1);
        assert_eq!(&plain[..payload.len()], &payload[..]);
        assert_eq!(plain[payload.len()], 22);

        // Sealing the same inner plaintext reproduces the record.
        let mut inner = payload.clone();
        inner.push(22);
        k.seal_in_place(xor_nonce(&iv, 0), &hdr, &mut inner)
            .unwrap();
        assert_eq!(inner, record_parts(&hex(S3_SERVER_HS_RECORD)).1);
    }

    #[test]
    fn rfc8448_application_data_records() {
        // Server application record (seq 0 of the server application keys).
        let k = AeadKey::new(AeadAlg::Aes128Gcm, &hex(S3_S_AP_KEY)).unwrap();
        let mut iv = [0u8; 12];
        iv.copy_from_slice(&hex(S3_S_AP_IV));
        // The NewSessionTicket record was seq 0; the application data is seq 1.
        let (hdr, mut body) = record_parts(&hex(S3_SERVER_APP_RECORD));
        let plain = k.open_in_place(xor_nonce(&iv, 1), &hdr, &mut body).unwrap();
        let payload = hex(S3_SERVER_APP_PAYLOAD);
        assert_eq!(&plain[..payload.len()], &payload[..]);
        assert_eq!(plain[payload.len()], 23);

        // 0-RTT application data of section 4, with the early traffic key.
        let k = AeadKey::new(AeadAlg::Aes128Gcm, &hex(S4_EARLY_KEY)).unwrap();
        iv.copy_from_slice(&hex(S4_EARLY_IV));
        let (hdr, mut body) = record_parts(&hex(S4_EARLY_APP_RECORD));
        let plain = k.open_in_place(xor_nonce(&iv, 0), &hdr, &mut body).unwrap();
        let payload = hex(S4_EARLY_APP_PAYLOAD);
        assert_eq!(&plain[..payload.len()], &payload[..]);
        assert_eq!(plain[payload.len()], 23);
    }
}
