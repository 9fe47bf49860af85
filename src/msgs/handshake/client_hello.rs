//! ClientHello (RFC 8446 section 4.1.2, RFC 5246 section 7.4.1.2).

use super::common::{decode_session_id, Random, COMPRESSION_NULL};
use crate::codec::{Reader, Writer};
use crate::error::{Error, Reason};
use crate::msgs::enums::{
    CipherSuite, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, PskKeyExchangeMode,
    SignatureScheme,
};
use crate::msgs::extensions::{
    decode_extensions, encode_extensions, find_extension, ClientExtension, DistinguishedName,
    KeyShareEntry, PresharedKeyOffer, ProtocolName, RawExtensions, ServerName, STATUS_TYPE_OCSP,
};

/// A ClientHello (RFC 8446 section 4.1.2, RFC 5246 section 7.4.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    pub legacy_version: ProtocolVersion,
    pub random: Random,
    pub legacy_session_id: Vec<u8>,
    pub cipher_suites: Vec<CipherSuite>,
    /// Always contains null(0) once decoded. TLS 1.3 requires exactly `[0]`; that check is the
    /// caller's, as it depends on the negotiated version.
    pub compression_methods: Vec<u8>,
    /// Empty when the ClientHello had no extension block; encoding then omits the block.
    pub extensions: Vec<ClientExtension>,
}

/// Walks an extension block's framing (types and lengths) up to the message's end without
/// judging any body, so that a misframed ClientHello is a decode error before any extension
/// value is found illegal.
fn check_extension_framing(mut r: Reader) -> Result<(), Error> {
    for entry in RawExtensions::read(&mut r)? {
        entry?;
    }
    reject_trailing_bytes(&r)
}

fn reject_trailing_bytes(r: &Reader) -> Result<(), Error> {
    if r.is_empty() {
        Ok(())
    } else {
        Err(Error::decode(format!(
            "ClientHello: {} trailing bytes",
            r.remaining()
        )))
    }
}

impl ClientHello {
    pub fn encode_body(&self, w: &mut Writer) {
        w.u16(self.legacy_version.0);
        w.bytes(&self.random);
        w.vec_u8(&self.legacy_session_id);
        w.u16_items(self.cipher_suites.iter().map(|cs| cs.0));
        w.vec_u8(&self.compression_methods);
        if !self.extensions.is_empty() {
            encode_extensions(&self.extensions, w);
        }
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let legacy_version = ProtocolVersion(r.u16("client version")?);
        let random = r.array("client random")?;
        let legacy_session_id = decode_session_id(r, "legacy_session_id")?;
        let suites = r.u16_list("cipher suites")?;
        if suites.is_empty() {
            return Err(Error::decode("empty cipher suite list"));
        }
        let compression_methods = r.vec_u8("compression methods")?.to_vec();
        if compression_methods.is_empty() {
            // The list's length is <1..2^8-1> (RFC 8446 4.1.2).
            return Err(Error::decode("empty compression method list"));
        }
        // Extensions are optional in TLS 1.2 (RFC 5246 section 7.4.1.2).
        let extensions = if r.is_empty() {
            Vec::new()
        } else {
            check_extension_framing(r.clone())?;
            decode_extensions::<ClientExtension>(r)?
        };
        // Values are judged only once the whole message parsed (RFC 8446 6: decode_error for
        // what cannot be parsed comes first), so a misframed field is not reported as the
        // illegal value of the field it shifted.
        reject_trailing_bytes(r)?;
        // RFC 8446 4.1.2 names illegal_parameter for a TLS 1.3 list other than [null]; a list
        // without null is as wrong in TLS 1.2 (RFC 5246 7.4.1.2 requires it).
        if !compression_methods.contains(&COMPRESSION_NULL) {
            return Err(Error::illegal(
                Reason::BAD_PACKET,
                "compression methods do not include null compression",
            ));
        }
        if let Some(pos) = extensions
            .iter()
            .position(|e| matches!(e, ClientExtension::PreSharedKey(_)))
        {
            if pos + 1 != extensions.len() {
                return Err(Error::illegal(
                    Reason::BAD_EXTENSION,
                    "pre_shared_key is not the last ClientHello extension",
                ));
            }
        }
        Ok(ClientHello {
            legacy_version,
            random,
            legacy_session_id,
            cipher_suites: suites.into_iter().map(CipherSuite).collect(),
            compression_methods,
            extensions,
        })
    }

    pub fn find(&self, typ: ExtensionType) -> Option<&ClientExtension> {
        find_extension(&self.extensions, typ)
    }

    pub fn has(&self, typ: ExtensionType) -> bool {
        self.find(typ).is_some()
    }

    pub fn offers_cipher_suite(&self, suite: CipherSuite) -> bool {
        self.cipher_suites.contains(&suite)
    }

    pub fn supported_versions(&self) -> Option<&[ProtocolVersion]> {
        match self.find(ExtensionType::SUPPORTED_VERSIONS)? {
            ClientExtension::SupportedVersions(v) => Some(v),
            _ => None,
        }
    }

    pub fn key_shares(&self) -> Option<&[KeyShareEntry]> {
        match self.find(ExtensionType::KEY_SHARE)? {
            ClientExtension::KeyShare(shares) => Some(shares),
            _ => None,
        }
    }

    /// The host_name from server_name, already validated as a DNS name.
    pub fn server_name(&self) -> Option<&str> {
        match self.find(ExtensionType::SERVER_NAME)? {
            ClientExtension::ServerName(names) => names.iter().find_map(|n| match n {
                ServerName::HostName(host) => Some(host.as_str()),
                ServerName::Other { .. } => None,
            }),
            _ => None,
        }
    }

    pub fn sig_schemes(&self) -> Option<&[SignatureScheme]> {
        match self.find(ExtensionType::SIGNATURE_ALGORITHMS)? {
            ClientExtension::SignatureAlgorithms(s) => Some(s),
            _ => None,
        }
    }

    pub fn sig_schemes_cert(&self) -> Option<&[SignatureScheme]> {
        match self.find(ExtensionType::SIGNATURE_ALGORITHMS_CERT)? {
            ClientExtension::SignatureAlgorithmsCert(s) => Some(s),
            _ => None,
        }
    }

    pub fn groups(&self) -> Option<&[NamedGroup]> {
        match self.find(ExtensionType::SUPPORTED_GROUPS)? {
            ClientExtension::SupportedGroups(g) => Some(g),
            _ => None,
        }
    }

    pub fn ec_point_formats(&self) -> Option<&[u8]> {
        match self.find(ExtensionType::EC_POINT_FORMATS)? {
            ClientExtension::EcPointFormats(f) => Some(f),
            _ => None,
        }
    }

    pub fn alpn(&self) -> Option<&[ProtocolName]> {
        match self.find(ExtensionType::ALPN)? {
            ClientExtension::Alpn(names) => Some(names),
            _ => None,
        }
    }

    pub fn psk(&self) -> Option<&PresharedKeyOffer> {
        match self.find(ExtensionType::PRE_SHARED_KEY)? {
            ClientExtension::PreSharedKey(offer) => Some(offer),
            _ => None,
        }
    }

    /// For a client filling in binders after computing them over the partial ClientHello.
    pub fn psk_mut(&mut self) -> Option<&mut PresharedKeyOffer> {
        self.extensions.iter_mut().find_map(|e| match e {
            ClientExtension::PreSharedKey(offer) => Some(offer),
            _ => None,
        })
    }

    pub fn psk_modes(&self) -> Option<&[PskKeyExchangeMode]> {
        match self.find(ExtensionType::PSK_KEY_EXCHANGE_MODES)? {
            ClientExtension::PskKeyExchangeModes(m) => Some(m),
            _ => None,
        }
    }

    pub fn cookie(&self) -> Option<&[u8]> {
        match self.find(ExtensionType::COOKIE)? {
            ClientExtension::Cookie(c) => Some(c),
            _ => None,
        }
    }

    pub fn renegotiation_info(&self) -> Option<&[u8]> {
        match self.find(ExtensionType::RENEGOTIATION_INFO)? {
            ClientExtension::RenegotiationInfo(r) => Some(r),
            _ => None,
        }
    }

    pub fn session_ticket(&self) -> Option<&[u8]> {
        match self.find(ExtensionType::SESSION_TICKET)? {
            ClientExtension::SessionTicket(t) => Some(t),
            _ => None,
        }
    }

    pub fn record_size_limit(&self) -> Option<u16> {
        match self.find(ExtensionType::RECORD_SIZE_LIMIT)? {
            ClientExtension::RecordSizeLimit(l) => Some(*l),
            _ => None,
        }
    }

    /// The client asks for an OCSP response: status_request of type ocsp (RFC 6066 8).
    pub fn requests_ocsp(&self) -> bool {
        matches!(
            self.find(ExtensionType::STATUS_REQUEST),
            Some(ClientExtension::StatusRequest(body))
                if body.first() == Some(&STATUS_TYPE_OCSP)
        )
    }

    pub fn certificate_authorities(&self) -> Option<&[DistinguishedName]> {
        match self.find(ExtensionType::CERTIFICATE_AUTHORITIES)? {
            ClientExtension::CertificateAuthorities(names) => Some(names),
            _ => None,
        }
    }

    /// Wire size of the binders list if pre_shared_key is present (and therefore last).
    pub fn binders_encoded_len(&self) -> Option<usize> {
        match self.extensions.last()? {
            ClientExtension::PreSharedKey(offer) => Some(offer.binders_encoded_len()),
            _ => None,
        }
    }

    /// The encoded handshake message (header included) up to but excluding the binders list:
    /// the "partial ClientHello" that PSK binders are computed over (RFC 8446 4.2.11.2). The
    /// header keeps the length of the full message, as the RFC requires. `None` unless
    /// pre_shared_key is the last extension.
    ///
    /// A server must instead truncate the bytes it received, by
    /// [`ClientHello::binders_encoded_len`].
    pub fn encode_partial(&self) -> Option<Vec<u8>> {
        let binders_len = self.binders_encoded_len()?;
        let mut w = Writer::new();
        w.u8(HandshakeType::CLIENT_HELLO.0);
        w.nested_u24(|w| self.encode_body(w));
        let mut full = w.finish().ok()?;
        full.truncate(full.len() - binders_len);
        Some(full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::enums::{AlertDescription, HandshakeType};
    use crate::msgs::extensions::PskIdentity;
    use crate::msgs::handshake::tests::*;
    use crate::msgs::handshake::{HandshakeMessage, HANDSHAKE_HEADER_LEN};

    fn client_hello_with(extensions: Vec<ClientExtension>) -> Vec<u8> {
        HandshakeMessage::ClientHello(ClientHello {
            legacy_version: TLS12,
            random: [0; 32],
            legacy_session_id: vec![],
            cipher_suites: vec![CipherSuite::TLS13_AES_128_GCM_SHA256],
            compression_methods: vec![0],
            extensions,
        })
        .encode()
        .unwrap()
    }

    fn psk_offer() -> ClientExtension {
        ClientExtension::PreSharedKey(PresharedKeyOffer {
            identities: vec![PskIdentity {
                identity: vec![1; 16],
                obfuscated_ticket_age: 5,
            }],
            binders: vec![vec![0; 32]],
        })
    }

    #[test]
    fn client_hello_extension_rules() {
        let dup = client_hello_with(vec![
            ClientExtension::SupportedVersions(vec![TLS13]),
            ClientExtension::EarlyData,
            ClientExtension::SupportedVersions(vec![TLS13]),
        ]);
        let err = HandshakeMessage::decode_encoded(&dup, TLS13).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        assert_eq!(err.reason, Reason::BAD_EXTENSION);

        let psk_not_last = client_hello_with(vec![psk_offer(), ClientExtension::EarlyData]);
        let err = HandshakeMessage::decode_encoded(&psk_not_last, TLS13).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));

        let psk_last = client_hello_with(vec![ClientExtension::EarlyData, psk_offer()]);
        HandshakeMessage::decode_encoded(&psk_last, TLS13).unwrap();

        // GREASE and unknown extensions survive and do not disturb lookups.
        let greased = client_hello_with(vec![
            ClientExtension::Unknown {
                typ: ExtensionType(0x3a3a),
                data: vec![0],
            },
            ClientExtension::ServerName(vec![ServerName::HostName("example.org".into())]),
            ClientExtension::Unknown {
                typ: ExtensionType(0x7777),
                data: vec![1, 2, 3],
            },
        ]);
        let HandshakeMessage::ClientHello(ch) =
            HandshakeMessage::decode_encoded(&greased, TLS13).unwrap()
        else {
            panic!()
        };
        assert_eq!(ch.server_name(), Some("example.org"));
        assert!(ch.has(ExtensionType(0x3a3a)));
        assert_eq!(ch.encode_partial(), None);
    }

    #[test]
    fn client_hello_field_bounds() {
        let good = client_hello_with(vec![]);
        // Offsets into the body: version(2) random(32) session id at 34.
        let body = &good[HANDSHAKE_HEADER_LEN..];

        // Session id of 33 bytes.
        let mut w = Writer::new();
        w.bytes(&body[..34]);
        w.vec_u8(&[0; 33]);
        w.bytes(&body[35..]);
        assert!(
            body_error(HandshakeType::CLIENT_HELLO, &w.buf, TLS13).alert
                == Some(AlertDescription::DECODE_ERROR)
        );

        let with_suites_and_compression = |suites: &[u8], compression: &[u8]| {
            let mut w = Writer::new();
            w.bytes(&body[..35]);
            w.vec_u16(suites);
            w.vec_u8(compression);
            w.finish().unwrap()
        };
        for (suites, compression) in [
            (&[][..], &[0][..]),
            (&[0x13, 0x01, 0x13][..], &[0][..]),
            (&[0x13, 0x01][..], &[][..]),
        ] {
            let err = body_error(
                HandshakeType::CLIENT_HELLO,
                &with_suites_and_compression(suites, compression),
                TLS13,
            );
            assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
        }
        // A well-formed list without null compression is a forbidden value (RFC 8446 4.1.2).
        for compression in [&[1][..], &[1, 2, 3, 4, 5, 6][..]] {
            let err = body_error(
                HandshakeType::CLIENT_HELLO,
                &with_suites_and_compression(&[0x13, 0x01], compression),
                TLS13,
            );
            assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
            assert_eq!(err.reason, Reason::BAD_PACKET);
        }
    }
}
