//! A ClientHello's fields as the bytes the client sent, for the application's ClientHello
//! callback (`SSL_client_hello_get0_*`): extension bodies raw and in the client's order. Made
//! only from a ClientHello that already decoded, so parsing it again cannot fail on valid
//! input; it still checks every length (it never trusts the earlier pass).

use crate::codec::Reader;
use crate::msgs::extensions::RawExtensions;
use crate::msgs::handshake::HANDSHAKE_HEADER_LEN;

/// One ClientHello, borrowed from its encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawClientHello<'a> {
    pub legacy_version: u16,
    pub random: &'a [u8],
    pub session_id: &'a [u8],
    /// The cipher_suites vector's contents (2 bytes per suite, wire order).
    pub cipher_suites: &'a [u8],
    pub compression_methods: &'a [u8],
    /// (type, body) in the order the client sent them; empty without an extension block.
    pub extensions: Vec<(u16, &'a [u8])>,
}

impl<'a> RawClientHello<'a> {
    /// Parses `encoded`, a whole ClientHello message (handshake header included).
    pub fn parse(encoded: &'a [u8]) -> Option<Self> {
        let body = encoded.get(HANDSHAKE_HEADER_LEN..)?;
        let mut r = Reader::new(body);
        let legacy_version = r.u16("legacy_version").ok()?;
        let random = r.take(32, "random").ok()?;
        let session_id = r.vec_u8("legacy_session_id").ok()?;
        let cipher_suites = r.vec_u16("cipher_suites").ok()?;
        let compression_methods = r.vec_u8("compression_methods").ok()?;
        let mut extensions = Vec::new();
        if !r.is_empty() {
            for entry in RawExtensions::read(&mut r).ok()? {
                let (typ, data) = entry.ok()?;
                extensions.push((typ.0, data));
            }
        }
        r.finish("ClientHello").ok()?;
        Some(RawClientHello {
            legacy_version,
            random,
            session_id,
            cipher_suites,
            compression_methods,
            extensions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_extensions_in_order_and_refuses_bad_lengths() {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.extend_from_slice(&[1, 0xaa]);
        body.extend_from_slice(&[0, 4, 0x13, 0x01, 0x13, 0x02]);
        body.extend_from_slice(&[1, 0]);
        body.extend_from_slice(&[0, 9, 0, 43, 0, 1, 9, 0, 0, 0, 0]);
        let mut msg = vec![1, 0, 0, body.len() as u8];
        msg.extend_from_slice(&body);
        let h = RawClientHello::parse(&msg).unwrap();
        assert_eq!(h.legacy_version, 0x0303);
        assert_eq!(h.session_id, [0xaa]);
        assert_eq!(h.cipher_suites, [0x13, 1, 0x13, 2]);
        assert_eq!(h.compression_methods, [0]);
        assert_eq!(h.extensions, vec![(43, &[9u8][..]), (0, &[][..])]);
        let cut = &msg[..msg.len() - 1];
        assert!(RawClientHello::parse(cut).is_none());
    }
}
