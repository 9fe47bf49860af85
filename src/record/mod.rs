//! The record layer: framing (RFC 8446 5.1, RFC 5246 6.2) and, per direction, the current
//! protection. It knows nothing of handshake states; the connection tells it when keys change.

pub mod protect;

use crate::error::{Error, Reason, Result};
use crate::msgs::enums::{AlertDescription, ContentType, ProtocolVersion};
pub use protect::{RecordDecrypter, RecordEncrypter};
use std::collections::VecDeque;
use std::ops::Range;

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

/// A record taken from the receive buffer: its payload (plaintext, opened in place) lies at
/// `payload` in [`RecordLayer::payload`]'s buffer until the next bytes are received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedRecord {
    pub typ: ContentType,
    pub payload: Range<usize>,
}

/// What one look at the receive buffer found.
#[derive(Debug, Default)]
pub struct ReceiveStep {
    /// The header of the next record, the first time it is seen whole (and found valid).
    pub new_header: Option<[u8; HEADER_LEN]>,
    /// The next record, when all of it has arrived.
    pub record: Option<ReceivedRecord>,
}

/// Received bytes. Records are opened where they lie and the application data they carry is
/// read from here, so received bytes are copied once in (from the transport) and once out
/// (to the application). Layout: dead bytes and kept plaintext before `unparsed`, then bytes
/// not yet taken as records up to `filled`, then free space.
#[derive(Default)]
struct ReceiveBuffer {
    /// Kept initialized to its full length so free space can be lent out without `unsafe`.
    bytes: Vec<u8>,
    /// Application data not yet read, oldest first.
    plaintext: VecDeque<Range<usize>>,
    plaintext_len: usize,
    unparsed: usize,
    filled: usize,
    /// The header at `unparsed` was already checked and reported.
    header_checked: bool,
    /// The last record taken carried application data: more is likely to follow, so the
    /// buffer is kept when it empties.
    streaming: bool,
}

/// Both directions of the record layer.
pub struct RecordLayer {
    /// Bytes received: whole records not yet processed, at most one partial record, and
    /// application data not yet read.
    incoming: ReceiveBuffer,
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
            incoming: ReceiveBuffer::default(),
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
        self.incoming.filled - self.incoming.unparsed
    }

    /// The received bytes not yet taken as records.
    fn unparsed(&self) -> &[u8] {
        &self.incoming.bytes[self.incoming.unparsed..self.incoming.filled]
    }

    /// How many more bytes complete the record being assembled (at least 1 when empty).
    pub fn wanted(&self) -> usize {
        let have = self.unparsed();
        if have.len() < HEADER_LEN {
            return HEADER_LEN - have.len();
        }
        let len = u16::from_be_bytes([have[3], have[4]]) as usize;
        (HEADER_LEN + len).saturating_sub(have.len()).max(1)
    }

    /// Lends `len` bytes of free space for bytes from the transport; [`RecordLayer::received`]
    /// then says how many were written. Space freed by read plaintext and processed records is
    /// reused first, so a steady stream needs no allocation.
    pub fn receive_space(&mut self, len: usize) -> &mut [u8] {
        let rx = &mut self.incoming;
        let keep_from = rx.plaintext.front().map_or(rx.unparsed, |r| r.start);
        let free = rx.bytes.len() - rx.filled;
        // Move what is still needed to the front when that saves growing the buffer (and
        // always when it is at most a partial record, which is cheap).
        if keep_from > 0 && (rx.plaintext.is_empty() || free < len) {
            rx.bytes.copy_within(keep_from..rx.filled, 0);
            for range in rx.plaintext.iter_mut() {
                *range = range.start - keep_from..range.end - keep_from;
            }
            rx.unparsed -= keep_from;
            rx.filled -= keep_from;
        }
        if rx.bytes.len() < rx.filled + len {
            rx.bytes.resize(rx.filled + len, 0);
        }
        &mut rx.bytes[rx.filled..rx.filled + len]
    }

    /// Counts `n` bytes written into the space [`RecordLayer::receive_space`] lent.
    pub fn received(&mut self, n: usize) {
        let rx = &mut self.incoming;
        rx.filled = (rx.filled + n).min(rx.bytes.len());
    }

    /// Drops received bytes not yet taken as records (those after a close_notify); returns how
    /// many.
    pub fn discard_unparsed(&mut self) -> usize {
        let rx = &mut self.incoming;
        let n = rx.filled - rx.unparsed;
        rx.filled = rx.unparsed;
        rx.header_checked = false;
        n
    }

    /// Gives the receive buffer's memory back when it holds nothing, so idle connections cost
    /// little; while application data streams in it is kept for the next records unless
    /// `even_when_streaming`.
    pub fn release_if_empty(&mut self, even_when_streaming: bool) {
        let rx = &self.incoming;
        if rx.plaintext.is_empty()
            && rx.unparsed == rx.filled
            && (even_when_streaming || !rx.streaming)
        {
            self.incoming = ReceiveBuffer::default();
        }
    }

    /// Bytes the receive buffer holds allocated.
    #[cfg(test)]
    pub(crate) fn receive_capacity(&self) -> usize {
        self.incoming.bytes.capacity()
    }

    /// The payload of a record just taken (valid until more bytes are received).
    pub fn payload(&self, range: Range<usize>) -> &[u8] {
        &self.incoming.bytes[range]
    }

    /// Keeps a record's application data for the application to read.
    pub fn keep_plaintext(&mut self, range: Range<usize>) {
        if !range.is_empty() {
            self.incoming.plaintext_len += range.len();
            self.incoming.plaintext.push_back(range);
        }
    }

    /// Application data received and not yet read.
    pub fn plaintext_len(&self) -> usize {
        self.incoming.plaintext_len
    }

    /// Copies application data into `buf`, consuming it when `consume`; returns how many bytes.
    pub fn read_plaintext(&mut self, buf: &mut [u8], consume: bool) -> usize {
        let rx = &mut self.incoming;
        let mut copied = 0;
        for range in rx.plaintext.iter() {
            let n = range.len().min(buf.len() - copied);
            buf[copied..copied + n].copy_from_slice(&rx.bytes[range.start..range.start + n]);
            copied += n;
            if copied == buf.len() {
                break;
            }
        }
        if consume {
            rx.plaintext_len -= copied;
            let mut left = copied;
            while left > 0 {
                let front = rx.plaintext.front_mut().expect("copied from it");
                let n = left.min(front.len());
                front.start += n;
                left -= n;
                if front.start == front.end {
                    rx.plaintext.pop_front();
                }
            }
        }
        copied
    }

    /// Takes the next record from the received bytes when it is complete, opening it in place.
    /// Its header is checked (and returned once) as soon as it is whole.
    pub fn next_record(&mut self) -> Result<ReceiveStep> {
        let mut step = ReceiveStep::default();
        let available = self.buffered();
        if available < HEADER_LEN {
            return Ok(step);
        }
        let hdr = self.header();
        if !self.incoming.header_checked {
            self.check_header()?;
            self.incoming.header_checked = true;
            let mut raw = [0u8; HEADER_LEN];
            raw.copy_from_slice(&self.unparsed()[..HEADER_LEN]);
            step.new_header = Some(raw);
        }
        if available < HEADER_LEN + hdr.len {
            return Ok(step);
        }
        let body_start = self.incoming.unparsed + HEADER_LEN;
        let body = body_start..body_start + hdr.len;
        self.incoming.unparsed = body.end;
        self.incoming.header_checked = false;
        let record = self.unprotect(hdr, body)?;
        self.incoming.streaming = record.typ == ContentType::APPLICATION_DATA;
        step.record = Some(record);
        Ok(step)
    }

    /// Takes as many bytes from `data` as the current record needs, and returns the record when
    /// it is complete, with how many bytes were consumed. The buffer never exceeds one record.
    pub fn take_record(&mut self, data: &[u8]) -> Result<(usize, Option<PlainRecord>)> {
        let n = self.wanted().min(data.len());
        self.receive_space(n).copy_from_slice(&data[..n]);
        self.received(n);
        let record = self.next_record()?.record.map(|r| PlainRecord {
            typ: r.typ,
            payload: self.payload(r.payload).to_vec(),
        });
        Ok((n, record))
    }

    fn header(&self) -> RecordHeader {
        let mut h = [0u8; HEADER_LEN];
        h.copy_from_slice(&self.unparsed()[..HEADER_LEN]);
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
            let detail = if !self.seen_first_record && looks_like_http(self.unparsed()) {
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

    fn unprotect(&mut self, hdr: RecordHeader, body: Range<usize>) -> Result<ReceivedRecord> {
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
                return Ok(ReceivedRecord {
                    typ: hdr.typ,
                    payload: body,
                });
            }
        };
        let (typ, plain) = reader.open_in_place(hdr, &mut self.incoming.bytes[body.clone()])?;
        Ok(ReceivedRecord {
            typ,
            payload: body.start + plain.start..body.start + plain.end,
        })
    }

    /// Appends records carrying `data` of type `typ` to `out`, fragmenting at the record limit.
    pub fn write(&mut self, typ: ContentType, data: &[u8], out: &mut SendBuffer) -> Result<()> {
        let max = self.max_fragment;
        let mut chunks = data.chunks(max);
        // An empty payload still produces one record (used only for alerts and CCS, never empty).
        let first = chunks.next().unwrap_or(&[]);
        for chunk in std::iter::once(first).chain(chunks) {
            match (&mut self.writer, typ) {
                (Some(w), t) if t != ContentType::CHANGE_CIPHER_SPEC => {
                    let len = w.record_len(chunk.len());
                    if let Err(e) = w.seal_into(typ, chunk, out.append_space(len)) {
                        out.unappend(len);
                        return Err(e);
                    }
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

/// Records waiting to be written to the peer, `bytes[start..end]`. The space after `end` is
/// reused without being cleared: protected records are sealed into it straight from the
/// caller's plaintext, so it only ever holds bytes that were meant for the wire.
#[derive(Default)]
pub struct SendBuffer {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
}

impl SendBuffer {
    pub fn pending(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// Marks the first `n` pending bytes as written.
    pub fn consume(&mut self, n: usize) {
        self.start += n.min(self.len());
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Frees the memory when nothing is pending.
    pub fn release_if_empty(&mut self) {
        if self.is_empty() {
            *self = SendBuffer::default();
        }
    }

    /// Appends `len` bytes for a record to be written into.
    pub fn append_space(&mut self, len: usize) -> &mut [u8] {
        if self.start > 0 && self.bytes.len() - self.end < len {
            self.bytes.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.bytes.len() < self.end + len {
            self.bytes.resize(self.end + len, 0);
        }
        let at = self.end;
        self.end += len;
        &mut self.bytes[at..self.end]
    }

    /// Takes back the last `len` bytes appended (a record that could not be sealed).
    pub fn unappend(&mut self, len: usize) {
        self.end = self.end.saturating_sub(len).max(self.start);
    }

    pub fn extend_from_slice(&mut self, data: &[u8]) {
        self.append_space(data.len()).copy_from_slice(data);
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
    fn send_buffer_keeps_pending_bytes_in_order_and_reuses_written_space() {
        let mut out = SendBuffer::default();
        out.extend_from_slice(&[1; 100]);
        out.append_space(50).copy_from_slice(&[2; 50]);
        out.consume(120);
        assert_eq!(out.pending(), &[2; 30]);
        let capacity = out.capacity();
        // Written bytes make room for new ones before the buffer grows.
        out.extend_from_slice(&[3; 100]);
        assert_eq!(out.capacity(), capacity);
        assert_eq!(&out.pending()[..30], &[2; 30]);
        assert_eq!(&out.pending()[30..], &[3; 100]);
        out.unappend(40);
        assert_eq!(out.len(), 90);
        out.consume(1000);
        assert!(out.is_empty());
        assert_eq!(out.capacity(), capacity, "kept until released");
        out.release_if_empty();
        assert_eq!(out.capacity(), 0);
    }

    #[test]
    fn writes_fragment_at_the_limit() {
        let mut rl = RecordLayer::default();
        let mut out = SendBuffer::default();
        rl.write(
            ContentType::HANDSHAKE,
            &vec![7u8; MAX_PLAINTEXT + 10],
            &mut out,
        )
        .unwrap();
        assert_eq!(out.len(), 2 * HEADER_LEN + MAX_PLAINTEXT + 10);
        assert_eq!(&out.pending()[3..5], &[0x40, 0x00]);
    }
}
