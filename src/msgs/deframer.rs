//! Reassembly of handshake messages from the handshake-content bytes of successive records.
//!
//! Handshake messages may span records and records may hold several messages (RFC 8446
//! section 5.1). The joiner buffers only what arrived, and rejects a message as soon as its
//! header announces a body longer than the configured bound, so a peer cannot make us reserve
//! memory for a 16 MiB message it never sends.

use crate::error::{Error, Reason};
use crate::msgs::enums::{AlertDescription, HandshakeType};
use crate::msgs::handshake::HANDSHAKE_HEADER_LEN;

/// One complete handshake message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinedMessage {
    pub typ: HandshakeType,
    /// Header and body, exactly as received: this is what enters the transcript hash.
    pub encoded: Vec<u8>,
    /// More handshake bytes were already buffered behind this message when it was taken.
    /// Messages that end the peer's flight or precede a key change must not have any
    /// (RFC 8446 5.1; BoGo's "excess handshake data"): the states check it.
    pub data_follows: bool,
}

impl JoinedMessage {
    pub fn body(&self) -> &[u8] {
        &self.encoded[HANDSHAKE_HEADER_LEN..]
    }
}

/// Accumulates handshake bytes and yields complete messages in order.
///
/// Messages are taken from the front by advancing `start`, not by moving the bytes behind them:
/// a record packed with thousands of small messages costs one copy of each message, not one
/// copy of the rest of the record per message. The consumed front is dropped when more bytes
/// arrive.
#[derive(Debug)]
pub struct HandshakeJoiner {
    buf: Vec<u8>,
    /// Bytes of `buf` already returned as messages.
    start: usize,
    /// Bytes moved or copied while taking messages out, for the test that bounds it.
    #[cfg(test)]
    bytes_moved: usize,
    max_message_len: usize,
}

impl Default for HandshakeJoiner {
    fn default() -> Self {
        Self::new()
    }
}

impl HandshakeJoiner {
    /// Default bound on a message body: OpenSSL's default certificate list limit (100 KiB),
    /// which comfortably covers real certificate chains and dwarfs every other message.
    pub const DEFAULT_MAX_MESSAGE_LEN: usize = 102_400;

    pub fn new() -> Self {
        Self::with_max_message_len(Self::DEFAULT_MAX_MESSAGE_LEN)
    }

    pub fn with_max_message_len(max_message_len: usize) -> Self {
        HandshakeJoiner {
            buf: Vec::new(),
            start: 0,
            #[cfg(test)]
            bytes_moved: 0,
            max_message_len,
        }
    }

    pub fn max_message_len(&self) -> usize {
        self.max_message_len
    }

    pub fn set_max_message_len(&mut self, max_message_len: usize) {
        self.max_message_len = max_message_len;
    }

    /// True when no bytes are buffered. TLS 1.3 forbids a key change while a message is only
    /// partly received; the caller checks this before switching keys (`unexpected_message`).
    pub fn is_empty(&self) -> bool {
        self.buffered_len() == 0
    }

    /// Bytes buffered and not yet returned as messages.
    pub fn buffered_len(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Adds the payload of one handshake record. Fails if any message header now visible
    /// announces a body over the bound; the joiner should then be discarded with the connection.
    pub fn push(&mut self, fragment: &[u8]) -> Result<(), Error> {
        // Once per record: forget the messages already taken.
        #[cfg(test)]
        {
            self.bytes_moved += self.buffered_len();
        }
        self.buf.drain(..self.start);
        self.start = 0;
        self.buf.extend_from_slice(fragment);
        // Walking every buffered header again is one step per message, and callers drain
        // complete messages after each push, so this stays short.
        self.check_headers()
    }

    fn check_headers(&self) -> Result<(), Error> {
        let mut pos = self.start;
        while let Some(header) = self.buf.get(pos..pos + HANDSHAKE_HEADER_LEN) {
            let body_len = body_len_of(header);
            let typ = HandshakeType(header[0]);
            if let Some(most) = structural_max_len(typ).filter(|most| body_len > *most) {
                return Err(Error::protocol(
                    AlertDescription::DECODE_ERROR,
                    Reason::EXCESSIVE_MESSAGE_SIZE,
                    format!(
                        "{typ} message of {body_len} bytes: no {typ} can be longer than {most}"
                    ),
                ));
            }
            // A ClientHello may reach its structural maximum whatever the configured bound
            // (which is about certificate chains), as in OpenSSL.
            let limit = if typ == HandshakeType::CLIENT_HELLO {
                MAX_CLIENT_HELLO_LEN
            } else {
                self.max_message_len
            };
            if body_len > limit {
                return Err(Error::protocol(
                    AlertDescription::ILLEGAL_PARAMETER,
                    Reason::EXCESSIVE_MESSAGE_SIZE,
                    format!("{typ} message of {body_len} bytes exceeds the limit of {limit}"),
                ));
            }
            pos += HANDSHAKE_HEADER_LEN + body_len;
        }
        Ok(())
    }

    /// Takes the next complete message, if one is fully buffered.
    pub fn next_message(&mut self) -> Option<JoinedMessage> {
        let header = self
            .buf
            .get(self.start..self.start + HANDSHAKE_HEADER_LEN)?;
        let total = HANDSHAKE_HEADER_LEN + body_len_of(header);
        if self.buffered_len() < total {
            return None;
        }
        let typ = HandshakeType(header[0]);
        let encoded = if self.start == 0 && self.buf.len() == total {
            // The only message buffered (the usual case, and every large one): no copy.
            std::mem::take(&mut self.buf)
        } else {
            let end = self.start + total;
            let message = self.buf[self.start..end].to_vec();
            #[cfg(test)]
            {
                self.bytes_moved += total;
            }
            self.start = end;
            if self.start == self.buf.len() {
                // Freed, not kept: after the handshake a connection would hold the capacity
                // of the peer's largest flight for its whole life.
                self.buf = Vec::new();
                self.start = 0;
            }
            message
        };
        Some(JoinedMessage {
            typ,
            encoded,
            data_follows: !self.is_empty(),
        })
    }
}

/// The longest ClientHello body the syntax allows (RFC 8446 4.1.2): version 2, random 32,
/// session ID 1 + 32, cipher suites 2 + 65534, compression methods 1 + 255, extensions
/// 2 + 65535.
pub const MAX_CLIENT_HELLO_LEN: usize = 131_396;

/// The longest body a message of type `typ` can have by its syntax (RFC 8446 4, RFC 5246 7.4,
/// RFC 8422 5.4 and 5.7 for ECDHE), where it is bounded below what the header can say; a
/// header announcing more is malformed (`decode_error`), not merely too large.
fn structural_max_len(typ: HandshakeType) -> Option<usize> {
    const VEC16: usize = 2 + 65_535;
    Some(match typ {
        HandshakeType::HELLO_REQUEST
        | HandshakeType::END_OF_EARLY_DATA
        | HandshakeType::SERVER_HELLO_DONE => 0,
        HandshakeType::CLIENT_HELLO => MAX_CLIENT_HELLO_LEN,
        // version, random, session ID, suite, compression, extensions.
        HandshakeType::SERVER_HELLO => 2 + 32 + 1 + 32 + 2 + 1 + VEC16,
        // TLS 1.3: lifetime, age_add, nonce <0..255>, ticket, extensions.
        HandshakeType::NEW_SESSION_TICKET => 4 + 4 + 1 + 255 + VEC16 + VEC16,
        HandshakeType::ENCRYPTED_EXTENSIONS => VEC16,
        // ECDHE: curve type, named curve, point <1..255>, scheme, signature.
        HandshakeType::SERVER_KEY_EXCHANGE => 1 + 2 + 1 + 255 + 2 + VEC16,
        // TLS 1.2: types <1..255>, schemes, authorities (TLS 1.3's is shorter).
        HandshakeType::CERTIFICATE_REQUEST => 1 + 255 + VEC16 + VEC16,
        HandshakeType::CERTIFICATE_VERIFY => 2 + VEC16,
        // An RSA premaster secret <0..2^16-1> is the longest (ECDHE's point is <1..255>).
        HandshakeType::CLIENT_KEY_EXCHANGE => VEC16,
        HandshakeType::KEY_UPDATE => 1,
        _ => return None,
    })
}

fn body_len_of(header: &[u8]) -> usize {
    u32::from_be_bytes([0, header[1], header[2], header[3]]) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(typ: u8, body: &[u8]) -> Vec<u8> {
        let len = body.len() as u32;
        let mut m = vec![typ];
        m.extend_from_slice(&len.to_be_bytes()[1..]);
        m.extend_from_slice(body);
        m
    }

    #[test]
    fn message_split_across_three_chunks() {
        let body: Vec<u8> = (0..100u8).collect();
        let full = message(11, &body);
        let mut joiner = HandshakeJoiner::new();
        assert!(joiner.is_empty());

        joiner.push(&full[..2]).unwrap();
        assert!(!joiner.is_empty());
        assert_eq!(joiner.next_message(), None);
        joiner.push(&full[2..50]).unwrap();
        assert_eq!(joiner.next_message(), None);
        joiner.push(&full[50..]).unwrap();

        let msg = joiner.next_message().unwrap();
        assert_eq!(msg.typ, HandshakeType::CERTIFICATE);
        assert_eq!(msg.body(), &body[..]);
        assert_eq!(msg.encoded, full);
        assert!(joiner.is_empty());
        assert_eq!(joiner.next_message(), None);
    }

    #[test]
    fn several_messages_in_one_chunk() {
        let a = message(8, &[0, 0]);
        let b = message(20, &[7; 32]);
        let c = message(14, &[]);
        let d = message(15, &[1, 2, 3, 4]);
        let mut chunk = [a.clone(), b.clone(), c.clone()].concat();
        chunk.extend_from_slice(&d[..3]);

        let mut joiner = HandshakeJoiner::new();
        joiner.push(&chunk).unwrap();
        let first = joiner.next_message().unwrap();
        assert_eq!(first.encoded, a);
        assert!(first.data_follows);
        assert_eq!(joiner.next_message().unwrap().encoded, b);
        let done = joiner.next_message().unwrap();
        assert_eq!(done.typ, HandshakeType::SERVER_HELLO_DONE);
        assert!(done.body().is_empty());
        assert!(done.data_follows, "part of the fourth message is behind it");
        assert_eq!(joiner.next_message(), None);
        assert!(!joiner.is_empty(), "part of the fourth message is buffered");
        assert_eq!(joiner.buffered_len(), 3);

        joiner.push(&d[3..]).unwrap();
        let last = joiner.next_message().unwrap();
        assert_eq!(last.encoded, d);
        assert!(!last.data_follows);
        assert!(joiner.is_empty());
    }

    #[test]
    fn buffer_is_freed_once_every_message_is_taken() {
        // A flight of several messages in one record (a TLS 1.3 server's encrypted flight):
        // once the last is taken nothing stays reserved, or every idle connection would keep
        // the capacity of the largest flight it received.
        let flight = [
            message(8, &[0, 0]),
            message(11, &[7; 900]),
            message(20, &[1; 48]),
        ]
        .concat();
        let mut joiner = HandshakeJoiner::new();
        joiner.push(&flight).unwrap();
        while joiner.next_message().is_some() {}
        assert!(joiner.is_empty());
        assert_eq!(joiner.buf.capacity(), 0);
    }

    #[test]
    fn oversized_message_is_rejected_from_its_header() {
        let mut joiner = HandshakeJoiner::with_max_message_len(1000);
        // The header alone announces 1001 bytes: rejected before any body arrives.
        let err = joiner.push(&[11, 0, 0x03, 0xe9]).unwrap_err();
        assert_eq!(err.reason, Reason::EXCESSIVE_MESSAGE_SIZE);
        assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));

        // Exactly at the limit is fine.
        let mut joiner = HandshakeJoiner::with_max_message_len(1000);
        let full = message(11, &[0; 1000]);
        joiner.push(&full).unwrap();
        assert_eq!(joiner.next_message().unwrap().encoded, full);

        // An oversized header behind a complete message is also caught, even when the header
        // is itself split across pushes.
        let mut joiner = HandshakeJoiner::with_max_message_len(1000);
        let mut chunk = message(20, &[0; 12]);
        chunk.extend_from_slice(&[4, 0xff]);
        joiner.push(&chunk).unwrap();
        assert!(joiner.push(&[0xff, 0xff]).is_err());
    }

    #[test]
    fn default_limit_admits_large_certificate_chains() {
        let mut joiner = HandshakeJoiner::new();
        assert_eq!(
            joiner.max_message_len(),
            HandshakeJoiner::DEFAULT_MAX_MESSAGE_LEN
        );
        let big = message(11, &vec![0; 90_000]);
        for chunk in big.chunks(16384) {
            joiner.push(chunk).unwrap();
        }
        assert_eq!(joiner.next_message().unwrap().encoded.len(), big.len());
        joiner.set_max_message_len(10);
        assert!(joiner.push(&[11, 0, 0, 11]).is_err());
    }

    #[test]
    fn a_record_of_tiny_messages_costs_linear_work() {
        // 16 KiB of empty messages, the most one record can carry: taking them out must not
        // move the rest of the buffer once per message (quadratic: ~33 MB moved).
        let stream = message(0, &[]).repeat(4096);
        let mut joiner = HandshakeJoiner::new();
        joiner.push(&stream).unwrap();
        let mut n = 0;
        while let Some(m) = joiner.next_message() {
            assert_eq!(m.encoded, [0, 0, 0, 0]);
            n += 1;
        }
        assert_eq!(n, 4096);
        assert!(joiner.is_empty());
        // A partial message behind the batch is kept across the next push.
        joiner.push(&[20, 0, 0]).unwrap();
        joiner.push(&[1, 7]).unwrap();
        assert_eq!(joiner.next_message().unwrap().encoded, [20, 0, 0, 1, 7]);
        assert!(
            joiner.bytes_moved <= 2 * stream.len(),
            "{} bytes moved for {} bytes of messages",
            joiner.bytes_moved,
            stream.len()
        );
    }

    #[test]
    fn byte_at_a_time() {
        let msgs = [message(1, &[9; 5]), message(2, &[8; 3])];
        let stream = msgs.concat();
        let mut joiner = HandshakeJoiner::new();
        let mut out = Vec::new();
        for b in &stream {
            joiner.push(std::slice::from_ref(b)).unwrap();
            while let Some(m) = joiner.next_message() {
                out.push(m.encoded);
            }
        }
        assert_eq!(out, msgs);
        assert!(joiner.is_empty());
    }
}
