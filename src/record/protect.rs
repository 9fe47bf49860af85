//! Record protection with an AEAD: TLS 1.3's inner-plaintext construction (RFC 8446 5.2-5.3).
//! TLS 1.2's AEAD records (RFC 5246 6.2.3.3, RFC 5288, RFC 7905) live beside it.

use super::{PlainRecord, RecordHeader, HEADER_LEN, MAX_CIPHERTEXT_TLS13, MAX_PLAINTEXT};
use crate::crypto::aead::{xor_nonce, AeadAlg, AeadKey};
use crate::error::{Error, Reason, Result};
use crate::msgs::enums::{AlertDescription, ContentType, ProtocolVersion};
use std::ops::Range;

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

    /// The length on the wire, header included, of a record carrying `payload_len` bytes.
    pub fn record_len(&self, payload_len: usize) -> usize {
        let tag_len = self.key.alg().tag_len();
        match self.format {
            RecordFormat::Tls13 => HEADER_LEN + payload_len + 1 + tag_len,
            RecordFormat::Tls12 { explicit_nonce } => {
                HEADER_LEN + if explicit_nonce { 8 } else { 0 } + payload_len + tag_len
            }
        }
    }

    /// Writes one protected record holding `payload` (at most 2^14 bytes) of type `typ` into
    /// `out`, which is exactly [`RecordEncrypter::record_len`] bytes. The payload is sealed
    /// from where it lies straight into `out`.
    pub fn seal_into(&mut self, typ: ContentType, payload: &[u8], out: &mut [u8]) -> Result<()> {
        debug_assert!(payload.len() <= MAX_PLAINTEXT);
        if self.seq >= SEQ_LIMIT {
            return Err(Error::internal("record sequence number exhausted"));
        }
        if out.len() != self.record_len(payload.len()) {
            return Err(Error::internal("record buffer of the wrong length"));
        }
        let (header, body) = out.split_at_mut(HEADER_LEN);
        match self.format {
            RecordFormat::Tls13 => {
                header.copy_from_slice(&RecordHeader::encode(
                    ContentType::APPLICATION_DATA,
                    ProtocolVersion::TLSV1_2.0,
                    body.len(),
                ));
                let nonce = xor_nonce(&self.iv, self.seq);
                let (ciphertext, type_and_tag) = body.split_at_mut(payload.len());
                // The inner content type follows the payload (RFC 8446 5.2); no padding.
                self.key.seal_out_of_place(
                    nonce,
                    header,
                    payload,
                    ciphertext,
                    &[typ.0],
                    type_and_tag,
                )?;
            }
            RecordFormat::Tls12 { explicit_nonce } => {
                header.copy_from_slice(&RecordHeader::encode(
                    typ,
                    ProtocolVersion::TLSV1_2.0,
                    body.len(),
                ));
                let nonce = tls12_nonce(&self.iv, self.seq, explicit_nonce);
                let explicit_len = if explicit_nonce { 8 } else { 0 };
                let (explicit, sealed) = body.split_at_mut(explicit_len);
                if explicit_nonce {
                    explicit.copy_from_slice(&self.seq.to_be_bytes());
                }
                let aad = tls12_aad(self.seq, typ, payload.len());
                let (ciphertext, tag) = sealed.split_at_mut(payload.len());
                self.key
                    .seal_out_of_place(nonce, &aad, payload, ciphertext, &[], tag)?;
            }
        }
        self.seq += 1;
        Ok(())
    }

    /// [`RecordEncrypter::seal_into`] appending to a `Vec`.
    pub fn encrypt(&mut self, typ: ContentType, payload: &[u8], out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        out.resize(start + self.record_len(payload.len()), 0);
        let sealed = self.seal_into(typ, payload, &mut out[start..]);
        if sealed.is_err() {
            out.truncate(start);
        }
        sealed
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

    /// Whether records are protected as TLS 1.3 does (an inner content type and padding).
    pub fn is_tls13(&self) -> bool {
        matches!(self.format, RecordFormat::Tls13)
    }

    /// Opens the record whose header is `hdr` and whose body is `body`, in place. Returns the
    /// content type and where in `body` the plaintext now lies.
    pub fn open_in_place(
        &mut self,
        hdr: RecordHeader,
        body: &mut [u8],
    ) -> Result<(ContentType, Range<usize>)> {
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
        let opened = match self.format {
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
                let inner = self
                    .key
                    .open_in_place(nonce, &header, body)
                    .map_err(|_| bad_mac())?;
                // The content type is the last non-zero byte; zeros after it are padding.
                // RFC 8446 5.4 names the alert; the reason is the one BoringSSL gives.
                let type_at = inner.iter().rposition(|&b| b != 0).ok_or_else(|| {
                    Error::protocol(
                        AlertDescription::UNEXPECTED_MESSAGE,
                        Reason::DECRYPTION_FAILED_OR_BAD_RECORD_MAC,
                        "protected record holds only padding, no content type",
                    )
                })?;
                if type_at > MAX_PLAINTEXT {
                    return Err(Error::protocol(
                        AlertDescription::RECORD_OVERFLOW,
                        Reason::DATA_LENGTH_TOO_LONG,
                        format!("decrypted record of {type_at} bytes"),
                    ));
                }
                (ContentType(inner[type_at]), 0..type_at)
            }
            RecordFormat::Tls12 { explicit_nonce } => {
                let explicit_len = if explicit_nonce { 8 } else { 0 };
                let tag_len = self.key.alg().tag_len();
                if body.len() < explicit_len + tag_len {
                    return Err(bad_mac());
                }
                let nonce = if explicit_nonce {
                    let mut n = [0u8; 12];
                    n[..4].copy_from_slice(&self.iv[..4]);
                    n[4..].copy_from_slice(&body[..8]);
                    n
                } else {
                    xor_nonce(&self.iv, self.seq)
                };
                let plain_len = body.len() - explicit_len - tag_len;
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
                    .open_in_place(nonce, &aad, &mut body[explicit_len..])
                    .map_err(|_| bad_mac())?
                    .len();
                (hdr.typ, explicit_len..explicit_len + n)
            }
        };
        self.seq += 1;
        Ok(opened)
    }

    /// [`RecordDecrypter::open_in_place`] for a record body held on its own.
    pub fn decrypt(&mut self, hdr: RecordHeader, mut body: Vec<u8>) -> Result<PlainRecord> {
        let (typ, plain) = self.open_in_place(hdr, &mut body)?;
        body.truncate(plain.end);
        body.drain(..plain.start);
        Ok(PlainRecord { typ, payload: body })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{RecordLayer, HEADER_LEN};

    const FORMATS: [(AeadAlg, RecordFormat); 4] = [
        (AeadAlg::Aes128Gcm, RecordFormat::Tls13),
        (AeadAlg::ChaCha20Poly1305, RecordFormat::Tls13),
        (
            AeadAlg::Aes256Gcm,
            RecordFormat::Tls12 {
                explicit_nonce: true,
            },
        ),
        (
            AeadAlg::ChaCha20Poly1305,
            RecordFormat::Tls12 {
                explicit_nonce: false,
            },
        ),
    ];

    fn pair(alg: AeadAlg, format: RecordFormat) -> (RecordEncrypter, RecordDecrypter) {
        let key = vec![0x42u8; alg.key_len()];
        let iv = [9u8; 12];
        (
            RecordEncrypter::new(AeadKey::new(alg, &key).unwrap(), iv, format),
            RecordDecrypter::new(AeadKey::new(alg, &key).unwrap(), iv, format),
        )
    }

    fn split(record: &[u8]) -> (RecordHeader, Vec<u8>) {
        let header = RecordHeader::parse(&record[..HEADER_LEN].try_into().unwrap());
        assert_eq!(header.len, record.len() - HEADER_LEN);
        (header, record[HEADER_LEN..].to_vec())
    }

    #[test]
    fn records_sealed_in_the_output_buffer_open_in_place() {
        for (alg, format) in FORMATS {
            let (mut sealer, mut opener) = pair(alg, format);
            // Records go after bytes already queued, which must stay as they were.
            let mut out = b"queued".to_vec();
            let payloads: [&[u8]; 3] = [b"first", &[0u8; MAX_PLAINTEXT], b""];
            let types = [
                ContentType::HANDSHAKE,
                ContentType::APPLICATION_DATA,
                ContentType::ALERT,
            ];
            let mut starts = Vec::new();
            for (payload, typ) in payloads.iter().zip(types) {
                starts.push(out.len());
                sealer.encrypt(typ, payload, &mut out).unwrap();
            }
            starts.push(out.len());
            assert_eq!(&out[..6], b"queued");
            for (i, (payload, typ)) in payloads.iter().zip(types).enumerate() {
                let (header, mut body) = split(&out[starts[i]..starts[i + 1]]);
                if !payload.is_empty() {
                    let shown = payload.len().min(8);
                    let at = if format == RecordFormat::Tls13 {
                        0
                    } else {
                        body.len() - payload.len() - 16
                    };
                    assert_ne!(
                        &body[at..at + shown],
                        &payload[..shown],
                        "{alg:?}: the payload is not on the wire in the clear"
                    );
                }
                let (got_typ, plain) = opener.open_in_place(header, &mut body).unwrap();
                assert_eq!(got_typ, typ, "{alg:?} {format:?}");
                assert_eq!(&body[plain], *payload, "{alg:?} {format:?}");
            }
            assert_eq!((sealer.seq(), opener.seq()), (3, 3));
        }
    }

    #[test]
    fn a_record_that_cannot_be_sealed_leaves_the_send_buffer_as_it_was() {
        let (mut sealer, _) = pair(AeadAlg::Aes128Gcm, RecordFormat::Tls13);
        sealer.seq = SEQ_LIMIT;
        let mut layer = RecordLayer::default();
        layer.set_writer(sealer);
        let mut out = crate::record::SendBuffer::default();
        out.extend_from_slice(b"queued");
        assert!(layer
            .write(ContentType::APPLICATION_DATA, b"secret", &mut out)
            .is_err());
        assert_eq!(out.pending(), b"queued");
        let mut vec = b"queued".to_vec();
        let (mut sealer, _) = pair(AeadAlg::Aes128Gcm, RecordFormat::Tls13);
        sealer.seq = SEQ_LIMIT;
        assert!(sealer
            .encrypt(ContentType::APPLICATION_DATA, b"secret", &mut vec)
            .is_err());
        assert_eq!(vec, b"queued");
    }

    #[test]
    fn a_tampered_record_is_bad_record_mac_and_is_not_counted() {
        for (alg, format) in FORMATS {
            let (mut sealer, mut opener) = pair(alg, format);
            let mut out = Vec::new();
            sealer
                .encrypt(ContentType::APPLICATION_DATA, b"payload", &mut out)
                .unwrap();
            let (header, mut body) = split(&out);
            let last = body.len() - 1;
            body[last] ^= 1;
            let e = opener.open_in_place(header, &mut body).unwrap_err();
            assert_eq!(e.alert, Some(AlertDescription::BAD_RECORD_MAC), "{alg:?}");
            assert_eq!(opener.seq(), 0);
        }
    }

    #[test]
    fn a_record_layer_opens_records_where_they_arrived() {
        let (mut sealer, opener) = pair(AeadAlg::Aes128Gcm, RecordFormat::Tls13);
        let mut wire = Vec::new();
        for text in [&b"one"[..], b"two", b"three"] {
            sealer
                .encrypt(ContentType::APPLICATION_DATA, text, &mut wire)
                .unwrap();
        }
        let mut layer = RecordLayer::default();
        layer.set_reader(opener);
        layer.receive_space(wire.len()).copy_from_slice(&wire);
        layer.received(wire.len());
        for text in [&b"one"[..], b"two", b"three"] {
            let record = layer.next_record().unwrap().record.unwrap();
            assert_eq!(record.typ, ContentType::APPLICATION_DATA);
            assert_eq!(layer.payload(record.payload.clone()), text);
            layer.keep_plaintext(record.payload);
        }
        assert!(layer.next_record().unwrap().record.is_none());
        assert_eq!(layer.plaintext_len(), 11);
        let mut buf = [0u8; 5];
        assert_eq!(layer.read_plaintext(&mut buf, false), 5);
        assert_eq!(&buf, b"onetw");
        assert_eq!(layer.read_plaintext(&mut buf, true), 5);
        assert_eq!(layer.read_plaintext(&mut buf, true), 5);
        assert_eq!(&buf, b"othre");
        let mut rest = [0u8; 8];
        assert_eq!(layer.read_plaintext(&mut rest, true), 1);
        assert_eq!(&rest[..1], b"e");
        assert_eq!(layer.plaintext_len(), 0);
    }
}
