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
        }
    }
}

impl RecordLayer {
    pub fn set_reader(&mut self, r: RecordDecrypter) {
        self.reader = Some(r);
    }

    pub fn set_writer(&mut self, w: RecordEncrypter) {
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
        let known = matches!(
            hdr.typ,
            ContentType::CHANGE_CIPHER_SPEC
                | ContentType::ALERT
                | ContentType::HANDSHAKE
                | ContentType::APPLICATION_DATA
        );
        if !known {
            let detail = if !self.seen_first_record && looks_like_http(&self.incoming) {
                "the peer sent an HTTP request, not TLS (plain HTTP sent to a TLS port?)"
                    .to_string()
            } else if !self.seen_first_record {
                format!(
                    "the peer's first bytes are not a TLS record (content type {}); is it speaking TLS?",
                    hdr.typ.0
                )
            } else {
                format!("record with unknown content type {}", hdr.typ.0)
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
        if hdr.version >> 8 != 0x03 {
            return Err(Error::protocol(
                AlertDescription::PROTOCOL_VERSION,
                Reason::WRONG_VERSION_NUMBER,
                format!("record version 0x{:04x} is not TLS", hdr.version),
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

    fn unprotect(&mut self, hdr: RecordHeader, payload: Vec<u8>) -> Result<PlainRecord> {
        // ChangeCipherSpec is never protected in TLS 1.3; the connection decides if it is allowed.
        let reader = match &mut self.reader {
            Some(r) if hdr.typ != ContentType::CHANGE_CIPHER_SPEC => r,
            _ => {
                if hdr.len == 0 && hdr.typ != ContentType::APPLICATION_DATA {
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
    pub fn write(&mut self, typ: ContentType, data: &[u8], out: &mut Vec<u8>) -> Result<()> {
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

fn looks_like_http(b: &[u8]) -> bool {
    [
        &b"GET "[..],
        b"POST",
        b"HEAD",
        b"PUT ",
        b"OPTI",
        b"CONN",
        b"DELE",
        b"PATC",
    ]
    .iter()
    .any(|m| b.len() >= 4 && &b[..4] == *m)
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
    fn http_request_is_diagnosed() {
        let mut rl = RecordLayer::default();
        let e = rl.take_record(b"GET / HTTP/1.1\r\n").unwrap_err();
        assert!(e.detail.contains("HTTP"), "{e:?}");
    }

    #[test]
    fn empty_handshake_record_is_rejected() {
        let mut rl = RecordLayer::default();
        assert!(rl.take_record(&[22, 3, 3, 0, 0]).is_err());
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
