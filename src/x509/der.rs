//! A strict reader for the DER subset X.509 uses: single-byte tags, definite lengths of at most four
//! length octets in minimal form, and a bounded nesting depth.
//!
//! Every length is checked against the bytes actually present before it is used, so no input can
//! cause an over-read, a large allocation or a panic; malformed input yields a [`DerError`].

use std::fmt;

/// Deepest nesting of constructed values a [`DerReader`] descends into. Certificates need about
/// ten levels; the cap keeps recursive walks over hostile input bounded.
pub const MAX_DEPTH: usize = 32;

/// Why DER input was rejected: names the structure that was being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DerError {
    pub what: &'static str,
    pub problem: &'static str,
}

impl DerError {
    pub fn new(what: &'static str, problem: &'static str) -> Self {
        DerError { what, problem }
    }
}

impl fmt::Display for DerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed {}: {}", self.what, self.problem)
    }
}

impl std::error::Error for DerError {}

pub type DerResult<T> = Result<T, DerError>;

/// Tag octets (class, constructed bit and number together) of the universal types we read.
pub mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const NULL: u8 = 0x05;
    pub const OID: u8 = 0x06;
    pub const UTF8_STRING: u8 = 0x0c;
    pub const NUMERIC_STRING: u8 = 0x12;
    pub const PRINTABLE_STRING: u8 = 0x13;
    pub const TELETEX_STRING: u8 = 0x14;
    pub const IA5_STRING: u8 = 0x16;
    pub const UTC_TIME: u8 = 0x17;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const VISIBLE_STRING: u8 = 0x1a;
    pub const UNIVERSAL_STRING: u8 = 0x1c;
    pub const BMP_STRING: u8 = 0x1e;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;

    pub const CONSTRUCTED: u8 = 0x20;
    const CONTEXT_CLASS: u8 = 0x80;

    /// `[n]` with the constructed bit set: EXPLICIT tagging, or IMPLICIT over a SEQUENCE.
    pub const fn context_constructed(n: u8) -> u8 {
        CONTEXT_CLASS | CONSTRUCTED | n
    }

    /// `[n]` IMPLICIT over a primitive type.
    pub const fn context_primitive(n: u8) -> u8 {
        CONTEXT_CLASS | n
    }
}

/// One decoded tag-length-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u8,
    /// The contents octets.
    pub value: &'a [u8],
    /// The whole encoding, header included (what OpenSSL dumps as `#hex`).
    pub encoded: &'a [u8],
}

impl Tlv<'_> {
    pub fn is_constructed(&self) -> bool {
        self.tag & tag::CONSTRUCTED != 0
    }
}

/// A cursor over the DER values at one nesting level.
#[derive(Debug, Clone)]
pub struct DerReader<'a> {
    buf: &'a [u8],
    pos: usize,
    depth: usize,
}

/// Four length octets already allow 4 GiB; nothing in a certificate comes close.
const MAX_LENGTH_OCTETS: usize = 4;

impl<'a> DerReader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        DerReader {
            buf,
            pos: 0,
            depth: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// The tag of the next value, without consuming it.
    pub fn peek_tag(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Reads the next value whatever its tag.
    pub fn read_any(&mut self, what: &'static str) -> DerResult<Tlv<'a>> {
        let rest = self.buf.get(self.pos..).unwrap_or(&[]);
        let (&tag_octet, after_tag) = rest
            .split_first()
            .ok_or(DerError::new(what, "truncated (no tag)"))?;
        if tag_octet & 0x1f == 0x1f {
            return Err(DerError::new(what, "multi-byte tags are not supported"));
        }
        let (&first_len, mut after_len) = after_tag
            .split_first()
            .ok_or(DerError::new(what, "truncated (no length)"))?;
        let length = if first_len < 0x80 {
            usize::from(first_len)
        } else if first_len == 0x80 {
            return Err(DerError::new(what, "indefinite length is not DER"));
        } else {
            let count = usize::from(first_len & 0x7f);
            if count > MAX_LENGTH_OCTETS {
                return Err(DerError::new(what, "length too large"));
            }
            let octets = after_len
                .get(..count)
                .ok_or(DerError::new(what, "truncated length"))?;
            after_len = &after_len[count..];
            if octets[0] == 0 {
                return Err(DerError::new(what, "length not minimally encoded"));
            }
            let length = octets
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            if length < 0x80 {
                return Err(DerError::new(what, "length not minimally encoded"));
            }
            length
        };
        if length > after_len.len() {
            return Err(DerError::new(what, "length exceeds the data"));
        }
        let header_len = rest.len() - after_len.len();
        let total = header_len + length;
        let tlv = Tlv {
            tag: tag_octet,
            value: &after_len[..length],
            encoded: &rest[..total],
        };
        self.pos += total;
        Ok(tlv)
    }

    /// Reads the next value, which must carry `expected`.
    pub fn read(&mut self, expected: u8, what: &'static str) -> DerResult<Tlv<'a>> {
        match self.peek_tag() {
            Some(t) if t == expected => self.read_any(what),
            Some(_) => Err(DerError::new(what, "unexpected tag")),
            None => Err(DerError::new(what, "truncated")),
        }
    }

    /// Reads the next value if it carries `expected`; leaves the reader untouched otherwise.
    pub fn read_optional(
        &mut self,
        expected: u8,
        what: &'static str,
    ) -> DerResult<Option<Tlv<'a>>> {
        if self.peek_tag() == Some(expected) {
            self.read(expected, what).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Enters a constructed value (SEQUENCE, SET, explicit tag): a reader over its contents.
    pub fn read_constructed(
        &mut self,
        expected: u8,
        what: &'static str,
    ) -> DerResult<DerReader<'a>> {
        let tlv = self.read(expected, what)?;
        self.enter(tlv, what)
    }

    /// A reader over the contents of `tlv`, one level deeper than this one.
    pub fn enter(&self, tlv: Tlv<'a>, what: &'static str) -> DerResult<DerReader<'a>> {
        if !tlv.is_constructed() {
            return Err(DerError::new(what, "expected a constructed value"));
        }
        if self.depth >= MAX_DEPTH {
            return Err(DerError::new(what, "nested too deeply"));
        }
        Ok(DerReader {
            buf: tlv.value,
            pos: 0,
            depth: self.depth + 1,
        })
    }

    /// Fails if anything is left unread at this level.
    pub fn finish(&self, what: &'static str) -> DerResult<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DerError::new(what, "trailing data"))
        }
    }

    /// An INTEGER's contents octets (two's complement, big-endian), checked for minimal form.
    pub fn read_integer_bytes(&mut self, what: &'static str) -> DerResult<&'a [u8]> {
        let v = self.read(tag::INTEGER, what)?.value;
        check_integer(v, what)?;
        Ok(v)
    }

    /// A non-negative INTEGER that fits in a u64.
    pub fn read_small_uint(&mut self, what: &'static str) -> DerResult<u64> {
        let v = self.read_integer_bytes(what)?;
        if v[0] & 0x80 != 0 {
            return Err(DerError::new(what, "negative value"));
        }
        let magnitude = if v[0] == 0 { &v[1..] } else { v };
        if magnitude.len() > 8 {
            return Err(DerError::new(what, "value too large"));
        }
        Ok(magnitude
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    pub fn read_bool(&mut self, what: &'static str) -> DerResult<bool> {
        match self.read(tag::BOOLEAN, what)?.value {
            [0x00] => Ok(false),
            [0xff] => Ok(true),
            _ => Err(DerError::new(what, "BOOLEAN must be one octet 00 or FF")),
        }
    }

    pub fn read_oid(&mut self, what: &'static str) -> DerResult<Oid> {
        Oid::from_value(self.read(tag::OID, what)?.value, what)
    }

    pub fn read_bit_string(&mut self, what: &'static str) -> DerResult<BitString<'a>> {
        BitString::from_value(self.read(tag::BIT_STRING, what)?.value, what)
    }
}

fn check_integer(v: &[u8], what: &'static str) -> DerResult<()> {
    match v {
        [] => Err(DerError::new(what, "empty INTEGER")),
        [0x00, next, ..] if next & 0x80 == 0 => {
            Err(DerError::new(what, "INTEGER not minimally encoded"))
        }
        [0xff, next, ..] if next & 0x80 != 0 => {
            Err(DerError::new(what, "INTEGER not minimally encoded"))
        }
        _ => Ok(()),
    }
}

/// A BIT STRING: whole octets plus a count of unused (zero) bits in the last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitString<'a> {
    pub unused_bits: u8,
    pub bytes: &'a [u8],
}

impl<'a> BitString<'a> {
    fn from_value(v: &'a [u8], what: &'static str) -> DerResult<Self> {
        let (&unused_bits, bytes) = v
            .split_first()
            .ok_or(DerError::new(what, "empty BIT STRING"))?;
        if unused_bits > 7 || (bytes.is_empty() && unused_bits != 0) {
            return Err(DerError::new(what, "bad unused-bits count"));
        }
        if let Some(&last) = bytes.last() {
            if last & ((1u8 << unused_bits) - 1) != 0 {
                return Err(DerError::new(what, "unused bits are not zero"));
            }
        }
        Ok(BitString { unused_bits, bytes })
    }

    /// Bit `n` in ASN.1 numbering: bit 0 is the most significant bit of the first octet.
    pub fn bit(&self, n: usize) -> bool {
        self.bytes
            .get(n / 8)
            .is_some_and(|&b| b & (0x80 >> (n % 8)) != 0)
    }
}

/// An OBJECT IDENTIFIER, kept as its validated contents octets.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Oid(Vec<u8>);

/// Arcs up to 128 bits cover UUID-based OIDs (2.25.x); anything wider is rejected.
const MAX_ARC_BITS: u32 = 128;

impl Oid {
    /// Validates contents octets: non-empty, every arc minimal and terminated, at most 128 bits.
    pub fn from_value(v: &[u8], what: &'static str) -> DerResult<Oid> {
        if v.is_empty() {
            return Err(DerError::new(what, "empty OBJECT IDENTIFIER"));
        }
        if v.last().is_some_and(|&b| b & 0x80 != 0) {
            return Err(DerError::new(what, "unterminated OBJECT IDENTIFIER arc"));
        }
        let mut arc_len = 0u32;
        let mut arc_lead = 0u8;
        for &b in v {
            if arc_len == 0 {
                if b == 0x80 {
                    return Err(DerError::new(what, "OBJECT IDENTIFIER arc not minimal"));
                }
                arc_lead = b & 0x7f;
            }
            arc_len += 1;
            // The arc's significant bits: those of its lead octet plus seven per further octet.
            let lead_bits = u8::BITS - arc_lead.leading_zeros();
            if lead_bits + 7 * (arc_len - 1) > MAX_ARC_BITS {
                return Err(DerError::new(what, "OBJECT IDENTIFIER arc too large"));
            }
            if b & 0x80 == 0 {
                arc_len = 0;
            }
        }
        Ok(Oid(v.to_vec()))
    }

    /// The contents octets (what the `oids` constants hold).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The arcs as numbers. Validation guarantees each fits in a u128.
    pub fn arcs(&self) -> Vec<u128> {
        let mut subidentifiers = Vec::new();
        let mut acc: u128 = 0;
        for &b in &self.0 {
            acc = (acc << 7) | u128::from(b & 0x7f);
            if b & 0x80 == 0 {
                subidentifiers.push(acc);
                acc = 0;
            }
        }
        // The first subidentifier packs the first two arcs as 40 * first + second.
        let mut arcs = Vec::with_capacity(subidentifiers.len() + 1);
        if let Some((&first, rest)) = subidentifiers.split_first() {
            let (top, second) = match first {
                0..=39 => (0, first),
                40..=79 => (1, first - 40),
                _ => (2, first - 80),
            };
            arcs.push(top);
            arcs.push(second);
            arcs.extend_from_slice(rest);
        }
        arcs
    }
}

impl PartialEq<[u8]> for Oid {
    fn eq(&self, other: &[u8]) -> bool {
        self.0 == other
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arc) in self.arcs().iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{arc}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({self})")
    }
}

/// Walks every value in `input`, descending into constructed ones, and checks that the whole is
/// well-formed DER of the shape this reader accepts. Used to vet arbitrary blobs before dumping.
pub fn validate(input: &[u8]) -> DerResult<()> {
    fn walk(reader: &mut DerReader<'_>) -> DerResult<()> {
        while !reader.is_empty() {
            let tlv = reader.read_any("value")?;
            if tlv.is_constructed() {
                let mut inner = reader.enter(tlv, "value")?;
                walk(&mut inner)?;
            }
        }
        Ok(())
    }
    walk(&mut DerReader::new(input))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_lengths() {
        let mut r = DerReader::new(&[0x04, 0x02, 0xaa, 0xbb]);
        let tlv = r.read(tag::OCTET_STRING, "x").unwrap();
        assert_eq!(tlv.value, &[0xaa, 0xbb]);
        assert_eq!(tlv.encoded.len(), 4);
        assert!(r.is_empty());

        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([7; 0x80]);
        let mut r = DerReader::new(&long);
        assert_eq!(r.read_any("x").unwrap().value.len(), 0x80);

        let mut longer = vec![0x04, 0x82, 0x01, 0x00];
        longer.extend([7; 0x100]);
        assert_eq!(
            DerReader::new(&longer).read_any("x").unwrap().value.len(),
            0x100
        );
    }

    #[test]
    fn rejects_bad_lengths() {
        let cases: &[(&[u8], &str)] = &[
            (&[], "truncated (no tag)"),
            (&[0x04], "truncated (no length)"),
            (&[0x30, 0x80, 0x00, 0x00], "indefinite length is not DER"),
            (
                &[0x04, 0x81, 0x05, 1, 2, 3, 4, 5],
                "length not minimally encoded",
            ),
            (&[0x04, 0x82, 0x00, 0x85], "length not minimally encoded"),
            (&[0x04, 0x85, 1, 1, 1, 1, 1], "length too large"),
            (&[0x04, 0x82, 0x01], "truncated length"),
            (&[0x04, 0x03, 1, 2], "length exceeds the data"),
            (
                &[0x04, 0x84, 0xff, 0xff, 0xff, 0xff],
                "length exceeds the data",
            ),
            (
                &[0x1f, 0x81, 0x01, 0x00],
                "multi-byte tags are not supported",
            ),
        ];
        for (input, problem) in cases {
            let err = DerReader::new(input).read_any("x").unwrap_err();
            assert_eq!(err.problem, *problem, "input {input:02x?}");
        }
    }

    #[test]
    fn checks_tags_and_trailing_data() {
        let mut r = DerReader::new(&[0x02, 0x01, 0x05, 0x05, 0x00]);
        assert_eq!(
            r.read(tag::BOOLEAN, "x").unwrap_err().problem,
            "unexpected tag"
        );
        assert_eq!(r.read_optional(tag::BOOLEAN, "x").unwrap(), None);
        assert_eq!(r.read_small_uint("x").unwrap(), 5);
        assert_eq!(r.finish("x").unwrap_err().problem, "trailing data");
        r.read(tag::NULL, "x").unwrap();
        r.finish("x").unwrap();
        assert_eq!(r.read_any("x").unwrap_err().problem, "truncated (no tag)");
    }

    #[test]
    fn integers_must_be_minimal() {
        let ok: &[&[u8]] = &[&[0x00], &[0x7f], &[0x00, 0x80], &[0xff], &[0xff, 0x7f]];
        for v in ok {
            check_integer(v, "x").unwrap();
        }
        let bad: &[&[u8]] = &[&[], &[0x00, 0x7f], &[0xff, 0x80]];
        for v in bad {
            assert!(check_integer(v, "x").is_err(), "{v:02x?}");
        }
        let mut r = DerReader::new(&[0x02, 0x01, 0x80]);
        assert_eq!(
            r.read_small_uint("x").unwrap_err().problem,
            "negative value"
        );
        let mut r = DerReader::new(&[
            0x02, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ]);
        assert_eq!(r.read_small_uint("x").unwrap(), u64::MAX);
    }

    #[test]
    fn booleans_and_bit_strings() {
        assert!(DerReader::new(&[0x01, 0x01, 0xff]).read_bool("x").unwrap());
        assert!(!DerReader::new(&[0x01, 0x01, 0x00]).read_bool("x").unwrap());
        assert!(DerReader::new(&[0x01, 0x01, 0x01]).read_bool("x").is_err());

        let bits = DerReader::new(&[0x03, 0x02, 0x05, 0xa0])
            .read_bit_string("x")
            .unwrap();
        assert!(bits.bit(0) && !bits.bit(1) && bits.bit(2) && !bits.bit(3) && !bits.bit(99));
        assert!(DerReader::new(&[0x03, 0x02, 0x05, 0xa1])
            .read_bit_string("x")
            .is_err());
        assert!(DerReader::new(&[0x03, 0x02, 0x08, 0x00])
            .read_bit_string("x")
            .is_err());
        assert!(DerReader::new(&[0x03, 0x01, 0x01])
            .read_bit_string("x")
            .is_err());
        assert!(DerReader::new(&[0x03, 0x00]).read_bit_string("x").is_err());
    }

    #[test]
    fn oids_display_and_validate() {
        let rsa =
            Oid::from_value(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01], "x").unwrap();
        assert_eq!(rsa.to_string(), "1.2.840.113549.1.1.1");
        assert_eq!(
            Oid::from_value(&[0x55, 0x04, 0x03], "x")
                .unwrap()
                .to_string(),
            "2.5.4.3"
        );
        assert_eq!(
            Oid::from_value(&[0x09, 0x92, 0x26], "x")
                .unwrap()
                .to_string(),
            "0.9.2342"
        );
        // 2.999 packs into a two-octet first subidentifier (999 + 80 = 1079).
        assert_eq!(
            Oid::from_value(&[0x88, 0x37, 0x03], "x")
                .unwrap()
                .to_string(),
            "2.999.3"
        );
        let mut uuid = vec![0x69];
        uuid.extend([0x83; 18]);
        uuid.push(0x7f);
        assert!(Oid::from_value(&uuid, "x").is_ok(), "a 128-bit arc fits");
        uuid.insert(1, 0x83);
        assert!(
            Oid::from_value(&uuid, "x").is_err(),
            "a 135-bit arc does not"
        );
        assert!(Oid::from_value(&[], "x").is_err());
        assert!(Oid::from_value(&[0x2a, 0x86], "x").is_err());
        assert!(Oid::from_value(&[0x2a, 0x80, 0x01], "x").is_err());
    }

    #[test]
    fn nesting_is_bounded() {
        fn nest(levels: usize) -> Vec<u8> {
            let mut der = vec![0x05, 0x00];
            for _ in 0..levels {
                let len = der.len();
                let mut outer = if len < 0x80 {
                    vec![0x30, len as u8]
                } else {
                    vec![0x30, 0x81, len as u8]
                };
                outer.extend(&der);
                der = outer;
            }
            der
        }
        validate(&nest(MAX_DEPTH)).unwrap();
        assert_eq!(
            validate(&nest(MAX_DEPTH + 1)).unwrap_err().problem,
            "nested too deeply"
        );
    }
}
