//! The record layer: framing (RFC 8446 5.1, RFC 5246 6.2) and, per direction, the current
//! protection. It knows nothing of handshake states; the connection tells it when keys change.

pub mod keys;
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
    /// A whole record was taken and dropped as early data we do not accept: look again.
    pub skipped: bool,
}

/// OpenSSL's default bound on early data a server reads or skips (`recv_max_early_data`).
pub const MAX_SKIPPED_EARLY_DATA: usize = MAX_PLAINTEXT;

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
    /// The most plaintext one record we send carries.
    pub max_fragment: usize,
    /// The record_size_limit we advertised and the peer acknowledged (RFC 8449 4): the most
    /// plaintext (TLS 1.2) or TLSInnerPlaintext (TLS 1.3: content, type and padding) one
    /// protected record from the peer may carry. `None`: the protocol's limit.
    recv_limit: Option<usize>,
    /// A TLS 1.3 server reads a plaintext alert from the client until the first record that
    /// opens under the client's handshake keys (as OpenSSL does): a client that cannot use
    /// our flight may say why in the clear.
    plain_alerts_allowed: bool,
    /// A TLS 1.3 server that refused the client's early data (RFC 8446 4.2.10) drops it: the
    /// bytes it may still skip. Under handshake keys a record that fails to open is skipped;
    /// before the second ClientHello (after a HelloRetryRequest) every application_data
    /// record is. The first record that opens (or any other) ends the skipping.
    skip_early_data: Option<usize>,
    /// The protocol version once negotiated; the connection keeps it current. It decides
    /// which record versions and outer types are acceptable.
    pub negotiated: Option<ProtocolVersion>,
    /// Protected handshake messages waiting to be packed into as few records as possible
    /// (see [`RecordLayer::flush`]).
    pending_handshake: Vec<u8>,
    /// Records sealed under keys that were replaced before they were handed out.
    sealed_before_key_change: SendBuffer,
    /// Sealing at a key change failed; the next flush reports it.
    seal_error: Option<Error>,
    /// How many times read keys were installed: a change tells the connection that the rest
    /// of the current record was sent under keys no longer in use.
    read_key_changes: u64,
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
            recv_limit: None,
            plain_alerts_allowed: false,
            skip_early_data: None,
            negotiated: None,
            pending_handshake: Vec::new(),
            sealed_before_key_change: SendBuffer::default(),
            seal_error: None,
            read_key_changes: 0,
        }
    }
}

impl RecordLayer {
    pub fn set_reader(&mut self, r: RecordDecrypter) {
        self.reader = Some(r);
        self.read_key_changes += 1;
        self.plain_alerts_allowed = false;
    }

    /// Lets a plaintext alert through until a record opens under the keys just installed
    /// (see the field [`RecordLayer::plain_alerts_allowed`]).
    pub fn allow_plain_alerts(&mut self) {
        self.plain_alerts_allowed = true;
    }

    /// Whether a record of type `typ` arrives unprotected although read keys are installed:
    /// TLS 1.3's ChangeCipherSpec, and an alert while plaintext alerts are still allowed.
    fn unprotected_despite_keys(&self, typ: ContentType) -> bool {
        typ == ContentType::CHANGE_CIPHER_SPEC
            || (typ == ContentType::ALERT && self.plain_alerts_allowed)
    }

    /// Counts [`RecordLayer::set_reader`] calls, so a caller can tell whether handling a
    /// message changed the read keys (RFC 8446 5.1: then the record must end with it).
    pub fn read_key_changes(&self) -> u64 {
        self.read_key_changes
    }

    /// Honours the peer's record_size_limit (RFC 8449 4): the plaintext of each record we
    /// send stays within `limit`, which in TLS 1.3 also counts the content type (we add no
    /// padding).
    pub fn limit_records_to(&mut self, limit: u16, tls13: bool) {
        let most = usize::from(limit) - usize::from(tls13);
        self.max_fragment = self.max_fragment.min(most).max(1);
    }

    /// Enforces our own record_size_limit once the peer acknowledged it (RFC 8449 4): a
    /// protected record whose plaintext (in TLS 1.3 its whole TLSInnerPlaintext) exceeds
    /// `limit` is record_overflow.
    pub fn accept_records_up_to(&mut self, limit: u16) {
        self.recv_limit = Some(usize::from(limit));
    }

    /// Starts (or, with `None`, stops) skipping the client's early data, up to `budget`
    /// bytes of it (see [`RecordLayer::skip_early_data`]'s field).
    pub fn skip_early_data(&mut self, budget: Option<usize>) {
        self.skip_early_data = budget;
    }

    /// Counts a skipped record of `len` bytes (its whole ciphertext, as BoringSSL counts)
    /// against the budget.
    fn spend_skip_budget(&mut self, len: usize) -> Result<()> {
        let left = self.skip_early_data.unwrap_or(0);
        let plain = len;
        if plain > left {
            return Err(Error::protocol(
                AlertDescription::UNEXPECTED_MESSAGE,
                Reason::TOO_MUCH_EARLY_DATA,
                format!(
                    "the client sent more than {MAX_SKIPPED_EARLY_DATA} bytes of early data, \
                     which this server does not accept"
                ),
            ));
        }
        self.skip_early_data = Some(left - plain);
        Ok(())
    }

    /// Installs new write keys. Handshake messages still waiting for a record were sent under
    /// the old keys (RFC 8446 5.1: a key change falls on a record boundary), so they are
    /// sealed with those first. A failure to seal them is reported by the next
    /// [`RecordLayer::flush`].
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
        if self.skip_early_data.is_some() {
            if hdr.typ != ContentType::APPLICATION_DATA {
                // The second ClientHello ends the early data (a compatibility
                // ChangeCipherSpec may come before it).
                if self.reader.is_none() && hdr.typ == ContentType::HANDSHAKE {
                    self.skip_early_data = None;
                }
            } else if self.reader.is_none() {
                // After a HelloRetryRequest: early data until the second ClientHello.
                self.spend_skip_budget(hdr.len)?;
                step.skipped = true;
                return Ok(step);
            } else {
                match self.unprotect(hdr, body) {
                    Ok(record) => {
                        self.skip_early_data = None;
                        self.incoming.streaming = false;
                        step.record = Some(record);
                        return Ok(step);
                    }
                    Err(e) if e.reason == Reason::DECRYPTION_FAILED_OR_BAD_RECORD_MAC => {
                        self.spend_skip_budget(hdr.len)?;
                        step.skipped = true;
                        return Ok(step);
                    }
                    Err(e) => return Err(e),
                }
            }
        }
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
        if !self.seen_first_record {
            if let Some(request) = http_request_kind(self.unparsed()) {
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
            && !self.unprotected_despite_keys(hdr.typ);
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
        // Early data being skipped before the second ClientHello is ciphertext in plain
        // framing.
        let skipping_ciphertext =
            self.skip_early_data.is_some() && hdr.typ == ContentType::APPLICATION_DATA;
        let limit = if self.reader.is_some() {
            MAX_CIPHERTEXT_TLS12
        } else if skipping_ciphertext {
            MAX_CIPHERTEXT_TLS13
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

    fn unprotect(&mut self, hdr: RecordHeader, body: Range<usize>) -> Result<ReceivedRecord> {
        // ChangeCipherSpec is never protected in TLS 1.3; the connection decides if it is allowed.
        let plain = self.unprotected_despite_keys(hdr.typ);
        let reader = match &mut self.reader {
            Some(r) if !plain => r,
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
                // Only a fatal alert is read in the clear once keys are installed: the
                // peer gives up and says why (level 2, RFC 8446 6).
                const FATAL: u8 = 2;
                let in_clear_despite_keys = self.reader.is_some() && hdr.typ == ContentType::ALERT;
                if in_clear_despite_keys && self.incoming.bytes[body.start] != FATAL {
                    return Err(Error::protocol(
                        AlertDescription::UNEXPECTED_MESSAGE,
                        Reason::BAD_RECORD_TYPE,
                        "a plaintext alert other than a fatal one after handshake keys",
                    ));
                }
                return Ok(ReceivedRecord {
                    typ: hdr.typ,
                    payload: body,
                });
            }
        };
        let (typ, plain) = reader.open_in_place(hdr, &mut self.incoming.bytes[body.clone()])?;
        self.plain_alerts_allowed = false;
        if let Some(limit) = self.recv_limit {
            // TLS 1.3 counts the type byte and padding: all that the tag protects.
            let len = if reader.is_tls13() {
                hdr.len.saturating_sub(TLS13_TAG_LEN)
            } else {
                plain.len()
            };
            if len > limit {
                return Err(Error::protocol(
                    AlertDescription::RECORD_OVERFLOW,
                    Reason::DATA_LENGTH_TOO_LONG,
                    format!(
                        "protected record with {len} bytes of plaintext, above the \
                         record_size_limit of {limit} we advertised (RFC 8449)"
                    ),
                ));
            }
        }
        Ok(ReceivedRecord {
            typ,
            payload: body.start + plain.start..body.start + plain.end,
        })
    }

    /// Appends records carrying `data` of type `typ` to `out`, fragmenting at the record limit.
    /// Protected handshake messages are held back instead, so that a flight shares records;
    /// anything else written, and [`RecordLayer::flush`], hands them out first.
    pub fn write(&mut self, typ: ContentType, data: &[u8], out: &mut SendBuffer) -> Result<()> {
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
    pub fn flush(&mut self, out: &mut SendBuffer) -> Result<()> {
        if let Some(e) = self.seal_error.take() {
            return Err(e);
        }
        if !self.sealed_before_key_change.is_empty() {
            out.extend_from_slice(self.sealed_before_key_change.pending());
            self.sealed_before_key_change = SendBuffer::default();
        }
        self.seal_pending_handshake(out)
    }

    /// Whether handshake messages are waiting for [`RecordLayer::flush`].
    pub fn has_pending(&self) -> bool {
        !self.pending_handshake.is_empty() || !self.sealed_before_key_change.is_empty()
    }

    fn seal_pending_handshake(&mut self, out: &mut SendBuffer) -> Result<()> {
        if self.pending_handshake.is_empty() {
            return Ok(());
        }
        // The buffer is freed, not kept: flights are rare and idle connections should be small.
        let pending = std::mem::take(&mut self.pending_handshake);
        self.write_fragments(ContentType::HANDSHAKE, &pending, out)
    }

    fn write_fragments(
        &mut self,
        typ: ContentType,
        data: &[u8],
        out: &mut SendBuffer,
    ) -> Result<()> {
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
            super::keys::tls13_encrypter(suite, &secret).unwrap(),
            super::keys::tls13_decrypter(suite, &secret).unwrap(),
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
        let mut out = SendBuffer::default();
        for msg in [&[8u8, 0, 0, 0][..], &[11, 0, 0, 1, 9], &[20, 0, 0, 0]] {
            rl.write(ContentType::HANDSHAKE, msg, &mut out).unwrap();
        }
        assert!(out.is_empty() && rl.has_pending());
        rl.flush(&mut out).unwrap();
        assert!(!rl.has_pending());
        let recs = open_all(out.pending(), &mut [dec], &[0]);
        assert_eq!(recs[0].typ, ContentType::HANDSHAKE);
        assert_eq!(recs[0].payload, [8, 0, 0, 0, 11, 0, 0, 1, 9, 20, 0, 0, 0]);

        // More than one record's worth: every record but the last is full.
        let (enc, dec) = keys(2);
        let mut rl = RecordLayer::default();
        rl.set_writer(enc);
        let mut out = SendBuffer::default();
        for _ in 0..3 {
            rl.write(ContentType::HANDSHAKE, &[7u8; 6000], &mut out)
                .unwrap();
        }
        rl.flush(&mut out).unwrap();
        let recs = open_all(out.pending(), &mut [dec], &[0, 0]);
        assert_eq!(recs[0].payload.len(), MAX_PLAINTEXT);
        assert_eq!(recs[1].payload.len(), 18000 - MAX_PLAINTEXT);
    }

    #[test]
    fn a_key_change_seals_pending_messages_under_the_old_keys() {
        let (old_enc, old_dec) = keys(3);
        let (new_enc, new_dec) = keys(4);
        let mut rl = RecordLayer::default();
        rl.set_writer(old_enc);
        let mut out = SendBuffer::default();
        rl.write(ContentType::HANDSHAKE, &[20, 0, 0, 1, 1], &mut out)
            .unwrap();
        rl.set_writer(new_enc);
        rl.write(ContentType::HANDSHAKE, &[24, 0, 0, 1, 0], &mut out)
            .unwrap();
        assert!(out.is_empty());
        // Anything else written hands out what is held back first.
        rl.write(ContentType::ALERT, &[1, 0], &mut out).unwrap();
        assert!(!rl.has_pending());
        let recs = open_all(out.pending(), &mut [old_dec, new_dec], &[0, 1, 1]);
        assert_eq!(recs[0].payload, [20, 0, 0, 1, 1]);
        assert_eq!(recs[1].payload, [24, 0, 0, 1, 0]);
        assert_eq!(recs[2].typ, ContentType::ALERT);
        assert_eq!(recs[2].payload, [1, 0]);
    }

    #[test]
    fn plaintext_handshake_messages_are_written_at_once() {
        let mut rl = RecordLayer::default();
        let mut out = SendBuffer::default();
        rl.write(ContentType::HANDSHAKE, &[1, 0, 0, 0], &mut out)
            .unwrap();
        assert_eq!(out.pending(), [22, 3, 3, 0, 4, 1, 0, 0, 0]);
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
