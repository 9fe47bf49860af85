//! Record protection with an AEAD: TLS 1.3's inner-plaintext construction (RFC 8446 5.2-5.3).
//! TLS 1.2's AEAD records (RFC 5246 6.2.3.3, RFC 5288, RFC 7905) live beside it.

use super::{PlainRecord, RecordHeader, MAX_CIPHERTEXT_TLS13, MAX_PLAINTEXT};
use crate::crypto::aead::{xor_nonce, AeadAlg, AeadKey};
use crate::error::{Error, Reason, Result};
use crate::msgs::enums::{AlertDescription, ContentType, ProtocolVersion};

/// Which record format the keys protect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordFormat {
    Tls13,
    /// TLS 1.2 AEAD; `explicit_nonce` for AES-GCM (8 bytes sent per record), not for ChaCha20.
    Tls12 {
        explicit_nonce: bool,
    },
}

impl RecordFormat {
    pub fn tls12_for(alg: AeadAlg) -> Self {
        RecordFormat::Tls12 {
            explicit_nonce: alg != AeadAlg::ChaCha20Poly1305,
        }
    }
}

/// Sequence numbers must never wrap (RFC 8446 5.3); we stop well before that.
const SEQ_LIMIT: u64 = u64::MAX - 1;

pub struct RecordEncrypter {
    key: AeadKey,
    iv: [u8; 12],
    seq: u64,
    format: RecordFormat,
}

pub struct RecordDecrypter {
    key: AeadKey,
    iv: [u8; 12],
    seq: u64,
    format: RecordFormat,
}

impl RecordEncrypter {
    pub fn new(key: AeadKey, iv: [u8; 12], format: RecordFormat) -> Self {
        RecordEncrypter {
            key,
            iv,
            seq: 0,
            format,
        }
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Appends one protected record holding `payload` (at most 2^14 bytes) of type `typ`.
    pub fn encrypt(&mut self, typ: ContentType, payload: &[u8], out: &mut Vec<u8>) -> Result<()> {
        debug_assert!(payload.len() <= MAX_PLAINTEXT);
        if self.seq >= SEQ_LIMIT {
            return Err(Error::internal("record sequence number exhausted"));
        }
        let tag_len = self.key.alg().tag_len();
        match self.format {
            RecordFormat::Tls13 => {
                let len = payload.len() + 1 + tag_len;
                let header = RecordHeader::encode(
                    ContentType::APPLICATION_DATA,
                    ProtocolVersion::TLSV1_2.0,
                    len,
                );
                let mut body = Vec::with_capacity(len);
                body.extend_from_slice(payload);
                body.push(typ.0);
                let nonce = xor_nonce(&self.iv, self.seq);
                self.key.seal_in_place(nonce, &header, &mut body)?;
                out.extend_from_slice(&header);
                out.extend_from_slice(&body);
            }
            RecordFormat::Tls12 { explicit_nonce } => {
                let nonce = tls12_nonce(&self.iv, self.seq, explicit_nonce);
                let seq_bytes = self.seq.to_be_bytes();
                let explicit: &[u8] = if explicit_nonce { &seq_bytes } else { &[] };
                let aad = tls12_aad(self.seq, typ, payload.len());
                let mut body = Vec::with_capacity(payload.len() + tag_len);
                body.extend_from_slice(payload);
                self.key.seal_in_place(nonce, &aad, &mut body)?;
                let len = explicit.len() + body.len();
                out.extend_from_slice(&RecordHeader::encode(typ, ProtocolVersion::TLSV1_2.0, len));
                out.extend_from_slice(explicit);
                out.extend_from_slice(&body);
            }
        }
        self.seq += 1;
        Ok(())
    }
}

impl RecordDecrypter {
    pub fn new(key: AeadKey, iv: [u8; 12], format: RecordFormat) -> Self {
        RecordDecrypter {
            key,
            iv,
            seq: 0,
            format,
        }
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    pub fn decrypt(&mut self, hdr: RecordHeader, mut payload: Vec<u8>) -> Result<PlainRecord> {
        if self.seq >= SEQ_LIMIT {
            return Err(Error::internal("record sequence number exhausted"));
        }
        let bad_mac = || {
            Error::protocol(
                AlertDescription::BAD_RECORD_MAC,
                Reason::DECRYPTION_FAILED_OR_BAD_RECORD_MAC,
                "a record failed authentication (wrong keys or tampering)",
            )
        };
        let rec = match self.format {
            RecordFormat::Tls13 => {
                if hdr.typ != ContentType::APPLICATION_DATA {
                    return Err(Error::unexpected(format!(
                        "unprotected {} record after keys were installed",
                        hdr.typ
                    )));
                }
                if hdr.len > MAX_CIPHERTEXT_TLS13 {
                    return Err(Error::protocol(
                        AlertDescription::RECORD_OVERFLOW,
                        Reason::ENCRYPTED_LENGTH_TOO_LONG,
                        format!("protected record of {} bytes", hdr.len),
                    ));
                }
                let header = RecordHeader::encode(hdr.typ, hdr.version, hdr.len);
                let nonce = xor_nonce(&self.iv, self.seq);
                let plain_len = self
                    .key
                    .open_in_place(nonce, &header, &mut payload)
                    .map_err(|_| bad_mac())?
                    .len();
                payload.truncate(plain_len);
                // The content type is the last non-zero byte; zeros after it are padding.
                // RFC 8446 5.4 names the alert; the reason is the one BoringSSL gives.
                let type_at = payload.iter().rposition(|&b| b != 0).ok_or_else(|| {
                    Error::protocol(
                        AlertDescription::UNEXPECTED_MESSAGE,
                        Reason::DECRYPTION_FAILED_OR_BAD_RECORD_MAC,
                        "protected record holds only padding, no content type",
                    )
                })?;
                let typ = ContentType(payload[type_at]);
                payload.truncate(type_at);
                if payload.len() > MAX_PLAINTEXT {
                    return Err(Error::protocol(
                        AlertDescription::RECORD_OVERFLOW,
                        Reason::DATA_LENGTH_TOO_LONG,
                        format!("decrypted record of {} bytes", payload.len()),
                    ));
                }
                PlainRecord { typ, payload }
            }
            RecordFormat::Tls12 { explicit_nonce } => {
                let explicit_len = if explicit_nonce { 8 } else { 0 };
                let tag_len = self.key.alg().tag_len();
                if payload.len() < explicit_len + tag_len {
                    return Err(bad_mac());
                }
                let nonce = if explicit_nonce {
                    let mut n = [0u8; 12];
                    n[..4].copy_from_slice(&self.iv[..4]);
                    n[4..].copy_from_slice(&payload[..8]);
                    n
                } else {
                    xor_nonce(&self.iv, self.seq)
                };
                let plain_len = payload.len() - explicit_len - tag_len;
                if plain_len > MAX_PLAINTEXT {
                    return Err(Error::protocol(
                        AlertDescription::RECORD_OVERFLOW,
                        Reason::DATA_LENGTH_TOO_LONG,
                        format!("decrypted record of {plain_len} bytes"),
                    ));
                }
                let aad = tls12_aad(self.seq, hdr.typ, plain_len);
                let n = self
                    .key
                    .open_in_place(nonce, &aad, &mut payload[explicit_len..])
                    .map_err(|_| bad_mac())?
                    .len();
                payload.drain(..explicit_len);
                payload.truncate(n);
                PlainRecord {
                    typ: hdr.typ,
                    payload,
                }
            }
        };
        self.seq += 1;
        Ok(rec)
    }
}

/// TLS 1.2 AEAD nonce: GCM sends an 8-byte explicit part (we use the sequence number, which is
/// unique per key); ChaCha20 XORs the sequence number into the IV like TLS 1.3.
fn tls12_nonce(iv: &[u8; 12], seq: u64, explicit_nonce: bool) -> [u8; 12] {
    if explicit_nonce {
        let mut n = [0u8; 12];
        n[..4].copy_from_slice(&iv[..4]);
        n[4..].copy_from_slice(&seq.to_be_bytes());
        n
    } else {
        xor_nonce(iv, seq)
    }
}

/// additional_data = seq_num + TLSCompressed.type + TLSCompressed.version + length.
fn tls12_aad(seq: u64, typ: ContentType, len: usize) -> [u8; 13] {
    let mut aad = [0u8; 13];
    aad[..8].copy_from_slice(&seq.to_be_bytes());
    aad[8] = typ.0;
    aad[9..11].copy_from_slice(&ProtocolVersion::TLSV1_2.0.to_be_bytes());
    aad[11..13].copy_from_slice(&(len as u16).to_be_bytes());
    aad
}
