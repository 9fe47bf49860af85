//! ServerHello and HelloRetryRequest (RFC 8446 sections 4.1.3 and 4.1.4, RFC 5246 section
//! 7.4.1.3): one wire message, told apart by its random.

use super::common::{decode_session_id, Random, COMPRESSION_NULL};
use crate::codec::{Reader, Writer};
use crate::error::Error;
use crate::msgs::enums::{CipherSuite, ExtensionType, NamedGroup, ProtocolVersion};
use crate::msgs::extensions::{
    decode_extensions, encode_extensions, find_extension, HelloRetryExtension, KeyShareEntry,
    ServerHelloExtension,
};

/// ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 4.1.3).
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Last 8 bytes of ServerHello.random when a TLS 1.3-capable server negotiates TLS 1.2
/// ("DOWNGRD" followed by 01; RFC 8446 section 4.1.3).
pub const DOWNGRADE_TLS12: [u8; 8] = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01];

/// Last 8 bytes of ServerHello.random when a TLS 1.3-capable server negotiates TLS 1.1 or below.
pub const DOWNGRADE_TLS11: [u8; 8] = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00];

/// A ServerHello that is not a HelloRetryRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    pub legacy_version: ProtocolVersion,
    pub random: Random,
    pub legacy_session_id_echo: Vec<u8>,
    pub cipher_suite: CipherSuite,
    pub compression_method: u8,
    /// Empty when the ServerHello had no extension block; encoding then omits the block.
    pub extensions: Vec<ServerHelloExtension>,
}

/// A downgrade sentinel found at the end of ServerHello.random.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DowngradeSentinel {
    Tls12,
    Tls11OrBelow,
}

impl ServerHello {
    pub fn encode_body(&self, w: &mut Writer) {
        w.u16(self.legacy_version.0);
        w.bytes(&self.random);
        w.vec_u8(&self.legacy_session_id_echo);
        w.u16(self.cipher_suite.0);
        w.u8(self.compression_method);
        if !self.extensions.is_empty() {
            encode_extensions(&self.extensions, w);
        }
    }

    /// Decodes what follows legacy_version and random.
    pub(super) fn decode_rest(
        legacy_version: ProtocolVersion,
        random: Random,
        r: &mut Reader,
    ) -> Result<Self, Error> {
        let legacy_session_id_echo = decode_session_id(r, "legacy_session_id_echo")?;
        let cipher_suite = CipherSuite(r.u16("cipher suite")?);
        let compression_method = r.u8("compression method")?;
        let extensions = if r.is_empty() {
            Vec::new()
        } else {
            decode_extensions::<ServerHelloExtension>(r)?
        };
        Ok(ServerHello {
            legacy_version,
            random,
            legacy_session_id_echo,
            cipher_suite,
            compression_method,
            extensions,
        })
    }

    /// True if this server_hello carries the HelloRetryRequest random. [`HandshakeMessage`]
    /// decodes those as [`HelloRetryRequest`], so this is for hand-built values.
    pub fn is_hello_retry_request(&self) -> bool {
        self.random == HELLO_RETRY_REQUEST_RANDOM
    }

    /// RFC 8446 4.1.3: a TLS 1.3 client negotiating TLS 1.2 or below must reject these.
    pub fn downgrade_sentinel(&self) -> Option<DowngradeSentinel> {
        let tail = &self.random[32 - DOWNGRADE_TLS12.len()..];
        if tail == DOWNGRADE_TLS12 {
            Some(DowngradeSentinel::Tls12)
        } else if tail == DOWNGRADE_TLS11 {
            Some(DowngradeSentinel::Tls11OrBelow)
        } else {
            None
        }
    }

    pub fn find(&self, typ: ExtensionType) -> Option<&ServerHelloExtension> {
        find_extension(&self.extensions, typ)
    }

    pub fn has(&self, typ: ExtensionType) -> bool {
        self.find(typ).is_some()
    }

    pub fn selected_version(&self) -> Option<ProtocolVersion> {
        match self.find(ExtensionType::SUPPORTED_VERSIONS)? {
            ServerHelloExtension::SupportedVersions(v) => Some(*v),
            _ => None,
        }
    }

    pub fn key_share(&self) -> Option<&KeyShareEntry> {
        match self.find(ExtensionType::KEY_SHARE)? {
            ServerHelloExtension::KeyShare(share) => Some(share),
            _ => None,
        }
    }

    pub fn selected_psk_identity(&self) -> Option<u16> {
        match self.find(ExtensionType::PRE_SHARED_KEY)? {
            ServerHelloExtension::PreSharedKey(index) => Some(*index),
            _ => None,
        }
    }

    pub fn alpn(&self) -> Option<&[u8]> {
        match self.find(ExtensionType::ALPN)? {
            ServerHelloExtension::Alpn(name) => Some(name),
            _ => None,
        }
    }

    pub fn renegotiation_info(&self) -> Option<&[u8]> {
        match self.find(ExtensionType::RENEGOTIATION_INFO)? {
            ServerHelloExtension::RenegotiationInfo(r) => Some(r),
            _ => None,
        }
    }

    pub fn ec_point_formats(&self) -> Option<&[u8]> {
        match self.find(ExtensionType::EC_POINT_FORMATS)? {
            ServerHelloExtension::EcPointFormats(f) => Some(f),
            _ => None,
        }
    }
}

/// A HelloRetryRequest: a server_hello with [`HELLO_RETRY_REQUEST_RANDOM`] and compression 0,
/// both implied here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelloRetryRequest {
    pub legacy_version: ProtocolVersion,
    pub legacy_session_id_echo: Vec<u8>,
    pub cipher_suite: CipherSuite,
    pub extensions: Vec<HelloRetryExtension>,
}

impl HelloRetryRequest {
    pub fn encode_body(&self, w: &mut Writer) {
        w.u16(self.legacy_version.0);
        w.bytes(&HELLO_RETRY_REQUEST_RANDOM);
        w.vec_u8(&self.legacy_session_id_echo);
        w.u16(self.cipher_suite.0);
        w.u8(COMPRESSION_NULL);
        encode_extensions(&self.extensions, w);
    }

    pub(super) fn decode_rest(
        legacy_version: ProtocolVersion,
        r: &mut Reader,
    ) -> Result<Self, Error> {
        let legacy_session_id_echo = decode_session_id(r, "legacy_session_id_echo")?;
        let cipher_suite = CipherSuite(r.u16("cipher suite")?);
        let compression_method = r.u8("compression method")?;
        // The field is fixed at 0 in TLS 1.3 (RFC 8446 4.1.3): anything else is not a valid
        // HelloRetryRequest encoding.
        if compression_method != COMPRESSION_NULL {
            return Err(Error::decode(format!(
                "HelloRetryRequest compression method {compression_method}"
            )));
        }
        let extensions = decode_extensions::<HelloRetryExtension>(r)?;
        Ok(HelloRetryRequest {
            legacy_version,
            legacy_session_id_echo,
            cipher_suite,
            extensions,
        })
    }

    pub fn find(&self, typ: ExtensionType) -> Option<&HelloRetryExtension> {
        find_extension(&self.extensions, typ)
    }

    pub fn has(&self, typ: ExtensionType) -> bool {
        self.find(typ).is_some()
    }

    pub fn selected_group(&self) -> Option<NamedGroup> {
        match self.find(ExtensionType::KEY_SHARE)? {
            HelloRetryExtension::KeyShare(g) => Some(*g),
            _ => None,
        }
    }

    pub fn cookie(&self) -> Option<&[u8]> {
        match self.find(ExtensionType::COOKIE)? {
            HelloRetryExtension::Cookie(c) => Some(c),
            _ => None,
        }
    }

    pub fn selected_version(&self) -> Option<ProtocolVersion> {
        match self.find(ExtensionType::SUPPORTED_VERSIONS)? {
            HelloRetryExtension::SupportedVersions(v) => Some(*v),
            _ => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::error::Reason;
    use crate::msgs::enums::AlertDescription;
    use crate::msgs::handshake::tests::*;
    use crate::msgs::handshake::HandshakeMessage;

    #[test]
    fn hrr_detection_by_random() {
        let hrr = HelloRetryRequest {
            legacy_version: TLS12,
            legacy_session_id_echo: vec![1; 32],
            cipher_suite: CipherSuite::TLS13_AES_256_GCM_SHA384,
            extensions: vec![
                HelloRetryExtension::SupportedVersions(TLS13),
                HelloRetryExtension::KeyShare(NamedGroup::X25519_MLKEM768),
            ],
        };
        let wire = HandshakeMessage::HelloRetryRequest(hrr.clone())
            .encode()
            .unwrap();
        assert_eq!(wire[6..38], HELLO_RETRY_REQUEST_RANDOM);
        round_trip(HandshakeMessage::HelloRetryRequest(hrr), TLS13);

        // A ServerHello with any other random stays a ServerHello, and one built with the HRR
        // random knows it.
        let mut sh = sample_server_hello();
        assert!(!sh.is_hello_retry_request());
        sh.random = HELLO_RETRY_REQUEST_RANDOM;
        assert!(sh.is_hello_retry_request());

        // An HRR with non-null compression is not a valid HRR encoding.
        let mut bad = wire.clone();
        bad[4 + 2 + 32 + 1 + 32 + 2] = 1;
        let err = HandshakeMessage::decode_encoded(&bad, TLS13).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
        assert_eq!(err.reason, Reason::BAD_PACKET);
    }

    pub(crate) fn sample_server_hello() -> ServerHello {
        ServerHello {
            legacy_version: TLS12,
            random: [0x42; 32],
            legacy_session_id_echo: vec![],
            cipher_suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            compression_method: 0,
            extensions: vec![
                ServerHelloExtension::RenegotiationInfo(vec![]),
                ServerHelloExtension::ExtendedMasterSecret,
                ServerHelloExtension::EcPointFormats(vec![0]),
                ServerHelloExtension::Alpn(b"h2".to_vec()),
                ServerHelloExtension::SessionTicketAck,
            ],
        }
    }

    #[test]
    fn downgrade_sentinels() {
        let mut sh = sample_server_hello();
        sh.random[24..].copy_from_slice(&DOWNGRADE_TLS12);
        assert_eq!(sh.downgrade_sentinel(), Some(DowngradeSentinel::Tls12));
        sh.random[24..].copy_from_slice(&DOWNGRADE_TLS11);
        assert_eq!(
            sh.downgrade_sentinel(),
            Some(DowngradeSentinel::Tls11OrBelow)
        );
        assert_eq!(&DOWNGRADE_TLS12[..7], b"DOWNGRD");
    }
}
