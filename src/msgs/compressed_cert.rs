//! Certificate compression on the wire (RFC 8879): the compress_certificate extension's list of
//! algorithms (in a ClientHello or a TLS 1.3 CertificateRequest) and the CompressedCertificate
//! handshake message that replaces a TLS 1.3 Certificate.
//!
//! The extension travels as an opaque `Unknown` extension of its carrying message; these
//! functions give its contents meaning. Compressing and decompressing is `crate::certcomp`'s.

use crate::codec::{Reader, Writer};
use crate::error::Error;
use crate::msgs::enums::CertCompressionAlgorithm;

/// The most algorithms the extension can list: `algorithms<2..2^8-2>` (RFC 8879 3).
pub const MAX_ALGORITHMS: usize = 127;

/// Encodes a compress_certificate extension's data: `CertificateCompressionAlgorithms`.
pub fn encode_algorithms(algs: &[CertCompressionAlgorithm]) -> Vec<u8> {
    let mut w = Writer::new();
    let codes: Vec<u16> = algs.iter().take(MAX_ALGORITHMS).map(|a| a.0).collect();
    w.u16_list_u8(&codes);
    // At most 254 bytes in a u8-length vector: cannot fail.
    w.finish().unwrap_or_default()
}

/// Decodes a compress_certificate extension's data. An empty list, an odd length or trailing
/// bytes are `decode_error` (RFC 8879 3: `algorithms<2..2^8-2>`), and so is an algorithm listed
/// twice (`SSL_R_BAD_EXTENSION`; RFC 8879 is silent, BoringSSL refuses it too, and a list of
/// preferences has no use for repeats). Unknown values are kept (a caller picks the ones it
/// knows).
pub fn decode_algorithms(data: &[u8]) -> Result<Vec<CertCompressionAlgorithm>, Error> {
    let mut r = Reader::new(data);
    let codes = r.u16_list_u8("compress_certificate algorithms")?;
    r.finish("compress_certificate extension")?;
    if codes.is_empty() {
        return Err(Error::decode(
            "compress_certificate extension with an empty algorithm list",
        ));
    }
    // At most 127 entries: the quadratic check costs nothing.
    if let Some((i, c)) = codes
        .iter()
        .enumerate()
        .find(|(i, c)| codes[..*i].contains(c))
    {
        return Err(Error::protocol(
            crate::msgs::enums::AlertDescription::DECODE_ERROR,
            crate::error::Reason::BAD_EXTENSION,
            format!("compress_certificate lists algorithm {c} twice (entry {i})"),
        ));
    }
    Ok(codes.into_iter().map(CertCompressionAlgorithm).collect())
}

/// A CompressedCertificate message body (RFC 8879 4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompressedCertificate {
    pub algorithm: CertCompressionAlgorithm,
    /// The length of the Certificate message body once decompressed.
    pub uncompressed_length: u32,
    /// `compressed_certificate_message<1..2^24-1>`.
    pub compressed: Vec<u8>,
}

impl CompressedCertificate {
    pub fn encode_body(&self, w: &mut Writer) {
        w.u16(self.algorithm.0);
        w.u24(self.uncompressed_length);
        w.vec_u24(&self.compressed);
    }

    /// The full handshake message: type 25, length, body.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let mut w = Writer::with_capacity(4 + 2 + 3 + 3 + self.compressed.len());
        w.u8(crate::msgs::enums::HandshakeType::COMPRESSED_CERTIFICATE.0);
        w.nested_u24(|w| self.encode_body(w));
        Ok(w.finish()?)
    }

    /// Decodes a body; empty compressed data and trailing bytes are `decode_error`. The
    /// compressed bytes are borrowed from `body`'s lifetime only while decoding.
    pub fn decode_body(body: &[u8]) -> Result<Self, Error> {
        let mut r = Reader::new(body);
        let algorithm = CertCompressionAlgorithm(r.u16("certificate compression algorithm")?);
        let uncompressed_length = r.u24("uncompressed_length")?;
        let compressed = r.vec_u24("compressed_certificate_message")?;
        r.finish("CompressedCertificate")?;
        if compressed.is_empty() {
            return Err(Error::decode(
                "CompressedCertificate with empty compressed_certificate_message",
            ));
        }
        Ok(CompressedCertificate {
            algorithm,
            uncompressed_length,
            compressed: compressed.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::enums::AlertDescription;

    #[test]
    fn algorithms_round_trip() {
        let algs = [
            CertCompressionAlgorithm::BROTLI,
            CertCompressionAlgorithm::ZLIB,
            CertCompressionAlgorithm::ZSTD,
        ];
        let data = encode_algorithms(&algs);
        assert_eq!(data, [6, 0, 2, 0, 1, 0, 3]);
        assert_eq!(decode_algorithms(&data).unwrap(), algs);
    }

    #[test]
    fn malformed_algorithm_lists_are_decode_errors() {
        for bad in [
            &[][..],
            &[0],
            &[1, 0],
            &[2, 0],
            &[3, 0, 1, 0],
            &[2, 0, 1, 0],
            &[6, 0, 1, 0, 2, 0, 1],
        ] {
            let err = decode_algorithms(bad).unwrap_err();
            assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR), "{bad:?}");
        }
    }

    #[test]
    fn message_round_trip_and_errors() {
        let m = CompressedCertificate {
            algorithm: CertCompressionAlgorithm::ZSTD,
            uncompressed_length: 0x01_02_03,
            compressed: vec![9, 8, 7],
        };
        let enc = m.encode().unwrap();
        assert_eq!(enc, [25, 0, 0, 11, 0, 3, 1, 2, 3, 0, 0, 3, 9, 8, 7]);
        assert_eq!(CompressedCertificate::decode_body(&enc[4..]).unwrap(), m);
        // Empty compressed data, trailing bytes, truncation: decode_error.
        for bad in [
            &[0, 1, 0, 0, 5, 0, 0, 0][..],
            &[0, 1, 0, 0, 5, 0, 0, 1, 7, 0],
            &[0, 1, 0, 0, 5, 0, 0, 2, 7],
            &[0, 1, 0],
        ] {
            let err = CompressedCertificate::decode_body(bad).unwrap_err();
            assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR), "{bad:?}");
        }
    }
}
