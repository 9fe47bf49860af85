//! Wire reader and writer for TLS's presentation language.
//!
//! Every length read from the wire goes through [`Reader::sub`] or [`Reader::take`], which check it
//! against the bytes actually present, so a forged length can never cause an over-read or a large
//! allocation.

use std::fmt;

/// Why a message failed to decode. Always maps to the `decode_error` alert unless a caller decides
/// a more specific alert applies (e.g. `illegal_parameter` for a well-formed but forbidden value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub what: &'static str,
}

impl DecodeError {
    pub fn new(what: &'static str) -> Self {
        DecodeError { what }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed {}", self.what)
    }
}

impl std::error::Error for DecodeError {}

pub type DecodeResult<T> = Result<T, DecodeError>;

/// A cursor over a borrowed byte slice.
#[derive(Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread bytes, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn take(&mut self, n: usize, what: &'static str) -> DecodeResult<&'a [u8]> {
        if n > self.remaining() {
            return Err(DecodeError::new(what));
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub fn take_rest(&mut self) -> &'a [u8] {
        let out = &self.buf[self.pos..];
        self.pos = self.buf.len();
        out
    }

    pub fn u8(&mut self, what: &'static str) -> DecodeResult<u8> {
        Ok(self.take(1, what)?[0])
    }

    pub fn u16(&mut self, what: &'static str) -> DecodeResult<u16> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub fn u24(&mut self, what: &'static str) -> DecodeResult<u32> {
        let b = self.take(3, what)?;
        Ok(u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }

    pub fn u32(&mut self, what: &'static str) -> DecodeResult<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u64(&mut self, what: &'static str) -> DecodeResult<u64> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }

    pub fn array<const N: usize>(&mut self, what: &'static str) -> DecodeResult<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    /// Bytes of a vector with a 1-byte length prefix.
    pub fn vec_u8(&mut self, what: &'static str) -> DecodeResult<&'a [u8]> {
        let n = self.u8(what)? as usize;
        self.take(n, what)
    }

    /// Bytes of a vector with a 2-byte length prefix.
    pub fn vec_u16(&mut self, what: &'static str) -> DecodeResult<&'a [u8]> {
        let n = self.u16(what)? as usize;
        self.take(n, what)
    }

    /// Bytes of a vector with a 3-byte length prefix.
    pub fn vec_u24(&mut self, what: &'static str) -> DecodeResult<&'a [u8]> {
        let n = self.u24(what)? as usize;
        self.take(n, what)
    }

    /// A reader over a 1-byte-length-prefixed vector.
    pub fn sub_u8(&mut self, what: &'static str) -> DecodeResult<Reader<'a>> {
        self.vec_u8(what).map(Reader::new)
    }

    /// A reader over a 2-byte-length-prefixed vector.
    pub fn sub_u16(&mut self, what: &'static str) -> DecodeResult<Reader<'a>> {
        self.vec_u16(what).map(Reader::new)
    }

    /// A reader over a 3-byte-length-prefixed vector.
    pub fn sub_u24(&mut self, what: &'static str) -> DecodeResult<Reader<'a>> {
        self.vec_u24(what).map(Reader::new)
    }

    /// Fails unless every byte was consumed: trailing bytes in a message are a decode error.
    pub fn finish(&self, what: &'static str) -> DecodeResult<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::new(what))
        }
    }

    /// Reads a list of u16 values in a 2-byte-length-prefixed vector (cipher suites, groups,
    /// signature schemes, versions use the 1-byte form via [`Reader::u16_list_u8`]).
    pub fn u16_list(&mut self, what: &'static str) -> DecodeResult<Vec<u16>> {
        let mut sub = self.sub_u16(what)?;
        Self::read_u16s(&mut sub, what)
    }

    /// Reads a list of u16 values in a 1-byte-length-prefixed vector.
    pub fn u16_list_u8(&mut self, what: &'static str) -> DecodeResult<Vec<u16>> {
        let mut sub = self.sub_u8(what)?;
        Self::read_u16s(&mut sub, what)
    }

    fn read_u16s(sub: &mut Reader<'a>, what: &'static str) -> DecodeResult<Vec<u16>> {
        if sub.remaining() % 2 != 0 {
            return Err(DecodeError::new(what));
        }
        let mut out = Vec::with_capacity(sub.remaining() / 2);
        while !sub.is_empty() {
            out.push(sub.u16(what)?);
        }
        Ok(out)
    }
}

/// A vector grew past what its length prefix can express. The encoding is unusable; the caller
/// fails (an `internal_error` for the connection) instead of sending a wrong length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError {
    /// Bytes the vector holds.
    pub len: usize,
    /// Bytes of its length prefix.
    pub prefix_bytes: usize,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a vector of {} bytes does not fit a {}-byte length prefix",
            self.len, self.prefix_bytes
        )
    }
}

impl std::error::Error for EncodeError {}

/// An append-only encoder. A vector too long for its length prefix does not panic: the writer
/// remembers the first such error and [`Writer::finish`] reports it.
#[derive(Default)]
pub struct Writer {
    pub buf: Vec<u8>,
    overflow: Option<EncodeError>,
}

impl Writer {
    pub fn new() -> Self {
        Writer::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        Writer {
            buf: Vec::with_capacity(n),
            overflow: None,
        }
    }

    /// The encoding, or the first vector that did not fit its length prefix.
    pub fn finish(self) -> Result<Vec<u8>, EncodeError> {
        match self.overflow {
            None => Ok(self.buf),
            Some(e) => Err(e),
        }
    }

    /// The first vector that did not fit its length prefix, if any.
    pub fn error(&self) -> Option<&EncodeError> {
        self.overflow.as_ref()
    }

    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn u24(&mut self, v: u32) {
        debug_assert!(v < 1 << 24);
        self.buf.extend_from_slice(&v.to_be_bytes()[1..]);
    }

    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    pub fn vec_u8(&mut self, b: &[u8]) {
        self.nested_u8(|w| w.bytes(b));
    }

    pub fn vec_u16(&mut self, b: &[u8]) {
        self.nested_u16(|w| w.bytes(b));
    }

    pub fn vec_u24(&mut self, b: &[u8]) {
        self.nested_u24(|w| w.bytes(b));
    }

    pub fn u16_list(&mut self, items: &[u16]) {
        self.u16_items(items.iter().copied());
    }

    pub fn u16_list_u8(&mut self, items: &[u16]) {
        self.u16_items_u8(items.iter().copied());
    }

    /// Writes 16-bit values (code points: suites, groups, schemes) as a vector with a 2-byte
    /// length prefix: the writing side of [`Reader::u16_list`].
    pub fn u16_items(&mut self, items: impl IntoIterator<Item = u16>) {
        self.nested_u16(|w| items.into_iter().for_each(|v| w.u16(v)));
    }

    /// Writes 16-bit values as a vector with a 1-byte length prefix: the writing side of
    /// [`Reader::u16_list_u8`].
    pub fn u16_items_u8(&mut self, items: impl IntoIterator<Item = u16>) {
        self.nested_u8(|w| items.into_iter().for_each(|v| w.u16(v)));
    }

    /// Writes whatever `f` encodes, preceded by its length in `len_bytes` bytes. A length the
    /// prefix cannot hold is recorded for [`Writer::finish`].
    fn nested(&mut self, len_bytes: usize, f: impl FnOnce(&mut Writer)) {
        let start = self.buf.len();
        self.buf.extend(std::iter::repeat_n(0, len_bytes));
        f(self);
        let len = self.buf.len() - start - len_bytes;
        if len >= 1 << (8 * len_bytes) {
            // The prefix keeps its zeros; `finish` refuses the whole encoding.
            self.overflow.get_or_insert(EncodeError {
                len,
                prefix_bytes: len_bytes,
            });
            return;
        }
        let be = (len as u32).to_be_bytes();
        self.buf[start..start + len_bytes].copy_from_slice(&be[4 - len_bytes..]);
    }

    pub fn nested_u8(&mut self, f: impl FnOnce(&mut Writer)) {
        self.nested(1, f)
    }

    pub fn nested_u16(&mut self, f: impl FnOnce(&mut Writer)) {
        self.nested(2, f)
    }

    pub fn nested_u24(&mut self, f: impl FnOnce(&mut Writer)) {
        self.nested(3, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_round_trip() {
        let mut w = Writer::new();
        w.u8(1);
        w.u16(0x0203);
        w.u24(0x040506);
        w.u32(0x0708090a);
        w.u64(0x0b0c0d0e0f101112);
        let buf = w.finish().unwrap();
        let mut r = Reader::new(&buf);
        assert_eq!(r.u8("a").unwrap(), 1);
        assert_eq!(r.u16("b").unwrap(), 0x0203);
        assert_eq!(r.u24("c").unwrap(), 0x040506);
        assert_eq!(r.u32("d").unwrap(), 0x0708090a);
        assert_eq!(r.u64("e").unwrap(), 0x0b0c0d0e0f101112);
        r.finish("end").unwrap();
    }

    #[test]
    fn nested_vectors_round_trip() {
        let mut w = Writer::new();
        w.nested_u16(|w| {
            w.vec_u8(b"abc");
            w.vec_u24(b"");
        });
        w.u16_list(&[1, 2, 3]);
        let buf = w.finish().unwrap();
        assert_eq!(&buf[..2], &[0, 4 + 3]);
        let mut r = Reader::new(&buf);
        let mut sub = r.sub_u16("outer").unwrap();
        assert_eq!(sub.vec_u8("x").unwrap(), b"abc");
        assert_eq!(sub.vec_u24("y").unwrap(), b"");
        sub.finish("outer").unwrap();
        assert_eq!(r.u16_list("list").unwrap(), vec![1, 2, 3]);
    }

    #[test]
    fn vectors_too_long_for_their_prefix_are_errors_not_panics() {
        let mut w = Writer::new();
        w.vec_u8(&[0; 255]);
        w.vec_u16(&[0; 65_535]);
        assert!(w.error().is_none());
        assert_eq!(w.finish().unwrap().len(), 1 + 255 + 2 + 65_535);

        let mut w = Writer::new();
        w.vec_u8(&[0; 256]);
        w.vec_u16(&[0; 65_536]);
        let e = w.finish().unwrap_err();
        assert_eq!(
            (e.len, e.prefix_bytes),
            (256, 1),
            "the first overflow is reported"
        );

        let mut w = Writer::new();
        w.nested_u16(|w| w.vec_u24(&[0; 70_000]));
        assert_eq!(w.finish().unwrap_err().prefix_bytes, 2);
        let mut w = Writer::new();
        w.vec_u24(&vec![0; 1 << 24]);
        assert_eq!(w.finish().unwrap_err().prefix_bytes, 3);
    }

    #[test]
    fn forged_lengths_are_rejected() {
        // Claims 0xffff bytes but holds 2.
        let mut r = Reader::new(&[0xff, 0xff, 1, 2]);
        assert!(r.vec_u16("v").is_err());
        // Odd-length u16 list.
        let mut r = Reader::new(&[0, 3, 0, 1, 2]);
        assert!(r.u16_list("l").is_err());
        // Truncated integer.
        let mut r = Reader::new(&[1, 2]);
        assert!(r.u24("i").is_err());
        // Trailing bytes.
        let r = Reader::new(&[1]);
        assert!(r.finish("t").is_err());
    }
}
