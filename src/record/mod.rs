//! The record layer: framing (RFC 8446 5.1, RFC 5246 6.2) and, per direction, the current
//! protection. It knows nothing of handshake states; the connection tells it when keys change.

pub mod protect;

use crate::error::{Error, Reason, Result};
use crate::msgs::enums::{AlertDescription, ContentType, ProtocolVersion};
pub use protect::{RecordDecrypter, RecordEncrypter};

pub const HEADER_LEN: usize = 5;
/// 2^14: the largest plaintext fragment.
pub const MAX_PLAINTEXT: usize = 16384;
/// The largest TLSCiphertext.length TLS 1.3 allows (RFC 8446 5.2).
pub const MAX_CIPHERTEXT_TLS13: usize = MAX_PLAINTEXT + 256;
/// TLS 1.2 allows 2048 bytes of expansion (RFC 5246 6.2.3).
pub const MAX_CIPHERTEXT_TLS12: usize = MAX_PLAINTEXT + 2048;
/// The AEAD tag of every TLS 1.3 suite libtls offers (AES-GCM, ChaCha20-Poly1305; no CCM_8).
const TLS13_TAG_LEN: usize = 16;
/// The largest TLS 1.3 ciphertext whose TLSInnerPlaintext (content, type byte, padding) stays
/// within 2^14 + 1 bytes (RFC 8446 5.2, 5.4).
const MAX_INNER_CIPHERTEXT_TLS13: usize = MAX_PLAINTEXT + 1 + TLS13_TAG_LEN;
/// The record version of every record once TLS 1.2 or 1.3 is negotiated.
const RECORD_VERSION_TLS12: u16 = 0x0303;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    pub typ: ContentType,
    pub version: u16,
    pub len: usize,
}

impl RecordHeader {
    pub fn parse(b: &[u8; HEADER_LEN]) -> Self {
        RecordHeader {
            typ: ContentType(b[0]),
            version: u16::from_be_bytes([b[1], b[2]]),
            len: u16::from_be_bytes([b[3], b[4]]) as usize,
        }
    }

    pub fn encode(typ: ContentType, version: u16, len: usize) -> [u8; HEADER_LEN] {
        let v = version.to_be_bytes();
        let l = (len as u16).to_be_bytes();
        [typ.0, v[0], v[1], l[0], l[1]]
    }
}

/// A decoded record whose payload is plaintext (either it arrived unprotected or was decrypted).
#[derive(Debug)]
pub struct PlainRecord {
    pub typ: ContentType,
    pub payload: Vec<u8>,
}

/// Both directions of the record layer.
pub struct RecordLayer {
    /// Bytes received but not yet forming a whole record. Never holds more than one record.
    incoming: Vec<u8>,
    reader: Option<RecordDecrypter>,
    writer: Option<RecordEncrypter>,
    /// Version written in outgoing record headers.
    pub write_version: u16,
    /// Set once the first record has been seen, so a non-TLS peer is diagnosed early.
    seen_first_record: bool,
    /// While a TLS 1.3 server skips early data it cannot decrypt (not used yet: no 0-RTT).
    pub max_fragment: usize,
    /// The protocol version once negotiated; the connection keeps it current. It decides
    /// which record versions and outer types are acceptable.
    pub negotiated: Option<ProtocolVersion>,
    /// Protected handshake messages waiting to be packed into as few records as possible
    /// (see [`RecordLayer::flush`]).
    pending_handshake: Vec<u8>,
    /// Records sealed under keys that were replaced before they were handed out.
    sealed_before_key_change: Vec<u8>,
    /// Sealing at a key change failed; the next flush reports it.
    seal_error: Option<Error>,
}

impl Default for RecordLayer {
    fn default() -> Self {
        RecordLayer {
            incoming: Vec::new(),
            reader: None,
            writer: None,
            // RFC 8446 5.1: 0x0301 is allowed for the first ClientHello for compatibility; 0x0303
            // works everywhere we care about and is what OpenSSL sends after the first record.
            write_version: ProtocolVersion::TLSV1_2.0,
            seen_first_record: false,
            max_fragment: MAX_PLAINTEXT,
            negotiated: None,
            pending_handshake: Vec::new(),
            sealed_before_key_change: Vec::new(),
            seal_error: None,
        }
    }
}

impl RecordLayer {
    pub fn set_reader(&mut self, r: RecordDecrypter) {
        self.reader = Some(r);
    }

    /// Installs new write keys. Handshake messages still waiting for a record were sent under
    /// the old keys (RFC 8446 5.1: a key change falls on a record boundary), so they are
    /// sealed with those first.
    /// A failure to seal them is reported by the next [`RecordLayer::flush`].
    pub fn set_writer(&mut self, w: RecordEncrypter) {
        if self.seal_error.is_none() {
            let mut sealed = std::mem::take(&mut self.sealed_before_key_change);
            if let Err(e) = self.seal_pending_handshake(&mut sealed) {
                self.seal_error = Some(e);
            }
            self.sealed_before_key_change = sealed;
        }
        self.writer = Some(w);
    }

    pub fn reader_mut(&mut self) -> Option<&mut RecordDecrypter> {
        self.reader.as_mut()
    }

    pub fn writer_mut(&mut self) -> Option<&mut RecordEncrypter> {
        self.writer.as_mut()
    }

    pub fn is_reading_protected(&self) -> bool {
        self.reader.is_some()
    }

    pub fn is_writing_protected(&self) -> bool {
        self.writer.is_some()
    }

    /// Bytes buffered toward an incomplete record.
    pub fn buffered(&self) -> usize {
        self.incoming.len()
    }

    /// How many more bytes complete the record being assembled (at least 1 when empty).
    pub fn wanted(&self) -> usize {
        if self.incoming.len() < HEADER_LEN {
            return HEADER_LEN - self.incoming.len();
        }
        let len = u16::from_be_bytes([self.incoming[3], self.incoming[4]]) as usize;
        (HEADER_LEN + len)
            .saturating_sub(self.incoming.len())
            .max(1)
    }

    /// Takes as many bytes from `data` as the current record needs, and returns the record when
    /// it is complete, with how many bytes were consumed. The buffer never exceeds one record.
    pub fn take_record(&mut self, data: &[u8]) -> Result<(usize, Option<PlainRecord>)> {
        let mut used = 0;
        if self.incoming.len() < HEADER_LEN {
            let n = (HEADER_LEN - self.incoming.len()).min(data.len());
            self.incoming.extend_from_slice(&data[..n]);
            used += n;
            if self.incoming.len() < HEADER_LEN {
                return Ok((used, None));
            }
            self.check_header()?;
        }
        let hdr = self.header();
        let need = HEADER_LEN + hdr.len - self.incoming.len();
        let n = need.min(data.len() - used);
        self.incoming.extend_from_slice(&data[used..used + n]);
        used += n;
        if self.incoming.len() < HEADER_LEN + hdr.len {
            return Ok((used, None));
        }
        let mut record = std::mem::take(&mut self.incoming);
        record.drain(..HEADER_LEN);
        let rec = self.unprotect(hdr, record)?;
        Ok((used, Some(rec)))
    }

    fn header(&self) -> RecordHeader {
        let mut h = [0u8; HEADER_LEN];
        h.copy_from_slice(&self.incoming[..HEADER_LEN]);
        RecordHeader::parse(&h)
    }

    fn check_header(&mut self) -> Result<()> {
        let hdr = self.header();
        if !self.seen_first_record {
            if let Some(request) = http_request_kind(&self.incoming) {
                return Err(request);
            }
        }
        // The version is checked before the type, so that whatever is not TLS framing (an
        // SSLv2-compatible hello, say) is named as such wherever it appears.
        if hdr.version >> 8 != 0x03 {
            let detail = if self.seen_first_record {
                format!("record version 0x{:04x} is not TLS", hdr.version)
            } else {
                format!(
                    "the peer's first bytes are not a TLS record (content type {}, version \
                     0x{:04x}); is it speaking TLS?",
                    hdr.typ.0, hdr.version
                )
            };
            return Err(Error::protocol(
                AlertDescription::PROTOCOL_VERSION,
                Reason::WRONG_VERSION_NUMBER,
                detail,
            ));
        }
        let known = matches!(
            hdr.typ,
            ContentType::CHANGE_CIPHER_SPEC
                | ContentType::ALERT
                | ContentType::HANDSHAKE
                | ContentType::APPLICATION_DATA
        );
        if !known {
            let detail = if self.seen_first_record {
                format!("record with unknown content type {}", hdr.typ.0)
            } else {
                format!(
                    "the peer's first bytes are not a TLS record (content type {}); is it speaking TLS?",
                    hdr.typ.0
                )
            };
            return Err(Error::protocol(
                AlertDescription::UNEXPECTED_MESSAGE,
                if self.seen_first_record {
                    Reason::UNEXPECTED_RECORD
                } else {
                    Reason::WRONG_VERSION_NUMBER
                },
                detail,
            ));
        }
        let tls13_protected = self.reader.is_some()
            && self.negotiated == Some(ProtocolVersion::TLSV1_3)
            && hdr.typ != ContentType::CHANGE_CIPHER_SPEC;
        if tls13_protected {
            self.check_tls13_ciphertext_header(hdr)?;
        } else if self.negotiated == Some(ProtocolVersion::TLSV1_2)
            && hdr.typ != ContentType::ALERT
            && hdr.version != RECORD_VERSION_TLS12
        {
            // RFC 5246 6.2.1: records carry the negotiated version. Alerts are spared: a peer
            // that fails during version negotiation may still frame its alert with the
            // version it started with.
            return Err(Error::protocol(
                AlertDescription::PROTOCOL_VERSION,
                Reason::WRONG_VERSION_NUMBER,
                format!(
                    "TLS 1.2 record with version 0x{:04x} (0x0303 expected)",
                    hdr.version
                ),
            ));
        }
        let limit = if self.reader.is_some() {
            MAX_CIPHERTEXT_TLS12
        } else {
            MAX_PLAINTEXT
        };
        if hdr.len > limit {
            return Err(Error::protocol(
                AlertDescription::RECORD_OVERFLOW,
                if self.reader.is_some() {
                    Reason::ENCRYPTED_LENGTH_TOO_LONG
                } else {
                    Reason::PACKET_LENGTH_TOO_LONG
                },
                format!("record of {} bytes exceeds the limit of {limit}", hdr.len),
            ));
        }
        self.seen_first_record = true;
        Ok(())
    }

    /// RFC 8446 5.2: a TLSCiphertext is always application_data, version 0x0303, and at most
    /// 2^14 + 256 bytes; and its TLSInnerPlaintext may not exceed 2^14 + 1 bytes, which the
    /// length shows before any decryption work (RFC 8446 5.4).
    fn check_tls13_ciphertext_header(&self, hdr: RecordHeader) -> Result<()> {
        if hdr.typ != ContentType::APPLICATION_DATA {
            return Err(Error::protocol(
                AlertDescription::UNEXPECTED_MESSAGE,
                Reason::BAD_RECORD_TYPE,
                format!(
                    "{} record where TLS 1.3 protection requires the outer type application_data",
                    hdr.typ
                ),
            ));
        }
        if hdr.version != RECORD_VERSION_TLS12 {
            return Err(Error::protocol(
                AlertDescription::PROTOCOL_VERSION,
                Reason::WRONG_VERSION_NUMBER,
                format!(
                    "TLS 1.3 protected record with version 0x{:04x} (always 0x0303)",
                    hdr.version
                ),
            ));
        }
        if hdr.len > MAX_CIPHERTEXT_TLS13 {
            return Err(Error::protocol(
                AlertDescription::RECORD_OVERFLOW,
                Reason::ENCRYPTED_LENGTH_TOO_LONG,
                format!("protected record of {} bytes", hdr.len),
            ));
        }
        if hdr.len > MAX_INNER_CIPHERTEXT_TLS13 {
            return Err(Error::protocol(
                AlertDescription::RECORD_OVERFLOW,
                Reason::DATA_LENGTH_TOO_LONG,
                format!(
                    "protected record of {} bytes: its content and padding exceed 2^14 + 1 bytes",
                    hdr.len
                ),
            ));
        }
        Ok(())
    }

    fn unprotect(&mut self, hdr: RecordHeader, payload: Vec<u8>) -> Result<PlainRecord> {
        // ChangeCipherSpec is never protected in TLS 1.3; the connection decides if it is allowed.
        let reader = match &mut self.reader {
            Some(r) if hdr.typ != ContentType::CHANGE_CIPHER_SPEC => r,
            _ => {
                // An empty handshake fragment is a no-op the connection counts against its
                // empty-record budget (RFC 5246 6.2.1 forbids sending one, not receiving).
                let may_be_empty = matches!(
                    hdr.typ,
                    ContentType::APPLICATION_DATA | ContentType::HANDSHAKE
                );
                if hdr.len == 0 && !may_be_empty {
                    return Err(Error::protocol(
                        AlertDescription::UNEXPECTED_MESSAGE,
                        Reason::BAD_LENGTH,
                        format!("empty {} record", hdr.typ),
                    ));
                }
                return Ok(PlainRecord {
                    typ: hdr.typ,
                    payload,
                });
            }
        };
        reader.decrypt(hdr, payload)
    }

    /// Appends records carrying `data` of type `typ` to `out`, fragmenting at the record limit.
    /// Protected handshake messages are held back instead, so that a flight shares records;
    /// anything else written, and [`RecordLayer::flush`], hands them out first.
    pub fn write(&mut self, typ: ContentType, data: &[u8], out: &mut Vec<u8>) -> Result<()> {
        if typ == ContentType::HANDSHAKE && self.writer.is_some() {
            self.pending_handshake.extend_from_slice(data);
            return Ok(());
        }
        self.flush(out)?;
        self.write_fragments(typ, data, out)
    }

    /// Appends what is held back: records sealed before a key change, then the pending
    /// handshake messages in as few records as the fragment limit allows. The connection
    /// flushes before it returns to its caller.
    pub fn flush(&mut self, out: &mut Vec<u8>) -> Result<()> {
        if let Some(e) = self.seal_error.take() {
            return Err(e);
        }
        out.append(&mut self.sealed_before_key_change);
        self.seal_pending_handshake(out)
    }

    /// Whether handshake messages are waiting for [`RecordLayer::flush`].
    pub fn has_pending(&self) -> bool {
        !self.pending_handshake.is_empty() || !self.sealed_before_key_change.is_empty()
    }

    fn seal_pending_handshake(&mut self, out: &mut Vec<u8>) -> Result<()> {
        if self.pending_handshake.is_empty() {
            return Ok(());
        }
        let mut pending = std::mem::take(&mut self.pending_handshake);
        let sealed = self.write_fragments(ContentType::HANDSHAKE, &pending, out);
        // Keep the allocation for the next flight.
        pending.clear();
        self.pending_handshake = pending;
        sealed
    }

    fn write_fragments(&mut self, typ: ContentType, data: &[u8], out: &mut Vec<u8>) -> Result<()> {
        let max = self.max_fragment;
        let mut chunks = data.chunks(max);
        // An empty payload still produces one record (used only for alerts and CCS, never empty).
        let first = chunks.next().unwrap_or(&[]);
        for chunk in std::iter::once(first).chain(chunks) {
            match (&mut self.writer, typ) {
                (Some(w), t) if t != ContentType::CHANGE_CIPHER_SPEC => {
                    w.encrypt(typ, chunk, out)?;
                }
                _ => {
                    out.extend_from_slice(&RecordHeader::encode(
                        typ,
                        self.write_version,
                        chunk.len(),
                    ));
                    out.extend_from_slice(chunk);
                }
            }
        }
        Ok(())
    }
}

/// A plaintext HTTP request where a TLS record should start: OpenSSL's reasons for it, and no
/// alert, since an HTTP client could not read one.
fn http_request_kind(first_bytes: &[u8]) -> Option<Error> {
    const REQUESTS: [&[u8]; 7] = [
        b"GET ", b"POST", b"HEAD", b"PUT ", b"OPTI", b"DELE", b"PATC",
    ];
    let (reason, detail) = if first_bytes.starts_with(b"CONNE") {
        (
            Reason::HTTPS_PROXY_REQUEST,
            "the peer sent an HTTP CONNECT request, not TLS (is it configured to use this port as an HTTPS proxy?)",
        )
    } else if REQUESTS.iter().any(|m| first_bytes.starts_with(m)) {
        (
            Reason::HTTP_REQUEST,
            "the peer sent an HTTP request, not TLS (plain HTTP sent to a TLS port?)",
        )
    } else {
        return None;
    };
    Some(Error {
        reason,
        alert: None,
        detail: detail.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassembles_a_record_fed_one_byte_at_a_time() {
        let mut rl = RecordLayer::default();
        let rec = [22u8, 3, 3, 0, 3, 1, 2, 3, 99];
        let mut got = None;
        let mut i = 0;
        while got.is_none() {
            let (used, r) = rl.take_record(&rec[i..i + 1]).unwrap();
            assert_eq!(used, 1);
            i += 1;
            got = r;
        }
        let r = got.unwrap();
        assert_eq!(r.typ, ContentType::HANDSHAKE);
        assert_eq!(r.payload, vec![1, 2, 3]);
        assert_eq!(i, 8, "the trailing byte belongs to the next record");
    }

    #[test]
    fn oversized_plaintext_record_is_record_overflow() {
        let mut rl = RecordLayer::default();
        let len = (MAX_PLAINTEXT + 1) as u16;
        let hdr = [22, 3, 3, (len >> 8) as u8, len as u8];
        let e = rl.take_record(&hdr).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::RECORD_OVERFLOW));
    }

    #[test]
    fn empty_plaintext_records_other_than_handshake_and_data_are_rejected() {
        for typ in [20u8, 21] {
            let mut rl = RecordLayer::default();
            let e = rl.take_record(&[typ, 3, 3, 0, 0]).unwrap_err();
            assert_eq!(e.reason, Reason::BAD_LENGTH);
            assert_eq!(e.alert, Some(AlertDescription::UNEXPECTED_MESSAGE));
        }
        // An empty handshake fragment is passed on for the connection to count.
        let mut rl = RecordLayer::default();
        let (used, rec) = rl.take_record(&[22, 3, 1, 0, 0]).unwrap();
        assert_eq!(used, 5);
        let rec = rec.unwrap();
        assert_eq!(rec.typ, ContentType::HANDSHAKE);
        assert!(rec.payload.is_empty());
    }

    fn keys(byte: u8) -> (RecordEncrypter, RecordDecrypter) {
        let suite =
            crate::suites::lookup(crate::msgs::enums::CipherSuite::TLS13_AES_128_GCM_SHA256)
                .unwrap();
        let secret = crate::crypto::secret::Secret::from_slice(&[byte; 32]);
        (
            crate::handshake::tls13_encrypter(suite, &secret).unwrap(),
            crate::handshake::tls13_decrypter(suite, &secret).unwrap(),
        )
    }

    /// Opens the records of `wire` in turn, record `i` with `decrypters[which[i]]`.
    fn open_all(
        wire: &[u8],
        decrypters: &mut [RecordDecrypter],
        which: &[usize],
    ) -> Vec<PlainRecord> {
        let mut at = 0;
        let mut opened = Vec::new();
        for &d in which {
            let hdr = RecordHeader::parse(&wire[at..at + HEADER_LEN].try_into().unwrap());
            let body = wire[at + HEADER_LEN..at + HEADER_LEN + hdr.len].to_vec();
            opened.push(decrypters[d].decrypt(hdr, body).unwrap());
            at += HEADER_LEN + hdr.len;
        }
        assert_eq!(at, wire.len(), "no records left over");
        opened
    }

    #[test]
    fn protected_handshake_messages_share_records_until_flushed() {
        let (enc, dec) = keys(1);
        let mut rl = RecordLayer::default();
        rl.set_writer(enc);
        let mut out = Vec::new();
        for msg in [&[8u8, 0, 0, 0][..], &[11, 0, 0, 1, 9], &[20, 0, 0, 0]] {
            rl.write(ContentType::HANDSHAKE, msg, &mut out).unwrap();
        }
        assert!(out.is_empty() && rl.has_pending());
        rl.flush(&mut out).unwrap();
        assert!(!rl.has_pending());
        let recs = open_all(&out, &mut [dec], &[0]);
        assert_eq!(recs[0].typ, ContentType::HANDSHAKE);
        assert_eq!(recs[0].payload, [8, 0, 0, 0, 11, 0, 0, 1, 9, 20, 0, 0, 0]);

        // More than one record's worth: every record but the last is full.
        let (enc, dec) = keys(2);
        let mut rl = RecordLayer::default();
        rl.set_writer(enc);
        let mut out = Vec::new();
        for _ in 0..3 {
            rl.write(ContentType::HANDSHAKE, &[7u8; 6000], &mut out)
                .unwrap();
        }
        rl.flush(&mut out).unwrap();
        let recs = open_all(&out, &mut [dec], &[0, 0]);
        assert_eq!(recs[0].payload.len(), MAX_PLAINTEXT);
        assert_eq!(recs[1].payload.len(), 18000 - MAX_PLAINTEXT);
    }

    #[test]
    fn a_key_change_seals_pending_messages_under_the_old_keys() {
        let (old_enc, old_dec) = keys(3);
        let (new_enc, new_dec) = keys(4);
        let mut rl = RecordLayer::default();
        rl.set_writer(old_enc);
        let mut out = Vec::new();
        rl.write(ContentType::HANDSHAKE, &[20, 0, 0, 1, 1], &mut out)
            .unwrap();
        rl.set_writer(new_enc);
        rl.write(ContentType::HANDSHAKE, &[24, 0, 0, 1, 0], &mut out)
            .unwrap();
        assert!(out.is_empty());
        // Anything else written hands out what is held back first.
        rl.write(ContentType::ALERT, &[1, 0], &mut out).unwrap();
        assert!(!rl.has_pending());
        let recs = open_all(&out, &mut [old_dec, new_dec], &[0, 1, 1]);
        assert_eq!(recs[0].payload, [20, 0, 0, 1, 1]);
        assert_eq!(recs[1].payload, [24, 0, 0, 1, 0]);
        assert_eq!(recs[2].typ, ContentType::ALERT);
        assert_eq!(recs[2].payload, [1, 0]);
    }

    #[test]
    fn plaintext_handshake_messages_are_written_at_once() {
        let mut rl = RecordLayer::default();
        let mut out = Vec::new();
        rl.write(ContentType::HANDSHAKE, &[1, 0, 0, 0], &mut out)
            .unwrap();
        assert_eq!(out, [22, 3, 3, 0, 4, 1, 0, 0, 0]);
        assert!(!rl.has_pending());
    }

    #[test]
    fn http_requests_are_told_from_other_garbage() {
        for (bytes, reason) in [
            (&b"GET / HTTP/1.1\r\n"[..], Reason::HTTP_REQUEST),
            (b"POST /x", Reason::HTTP_REQUEST),
            (b"CONNECT host:443", Reason::HTTPS_PROXY_REQUEST),
            (b"\x80\x2e\x01\x03\x01", Reason::WRONG_VERSION_NUMBER),
        ] {
            let e = RecordLayer::default().take_record(bytes).unwrap_err();
            assert_eq!(e.reason, reason, "{bytes:?}");
        }
    }

    #[test]
    fn writes_fragment_at_the_limit() {
        let mut rl = RecordLayer::default();
        let mut out = Vec::new();
        rl.write(
            ContentType::HANDSHAKE,
            &vec![7u8; MAX_PLAINTEXT + 10],
            &mut out,
        )
        .unwrap();
        assert_eq!(out.len(), 2 * HEADER_LEN + MAX_PLAINTEXT + 10);
        assert_eq!(&out[3..5], &[0x40, 0x00]);
    }
}
