//! Handshake messages of TLS 1.3 (RFC 8446 section 4) and TLS 1.2 (RFC 5246 section 7.4 with
//! RFC 8422 ECDHE and RFC 5077 tickets).
//!
//! Each full message is `msg_type(1) || length(3) || body`. Decoding takes the body alone (the
//! joiner in `deframer` splits messages), plus the negotiated version, because Certificate,
//! CertificateRequest and NewSessionTicket have different layouts in TLS 1.2 and TLS 1.3.
//! Every decoder rejects trailing bytes.

use pki_types::CertificateDer;

use crate::codec::{Reader, Writer};
use crate::error::{Error, Reason};
use crate::msgs::enums::{
    AlertDescription, CipherSuite, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion,
    PskKeyExchangeMode, SignatureScheme,
};
use crate::msgs::extensions::{
    decode_dn_list, decode_extensions, encode_dn_list, encode_extensions, find_extension,
    CertificateEntryExtension, CertificateRequestExtension, ClientExtension, DistinguishedName,
    EncryptedExtension, Extension, HelloRetryExtension, KeyShareEntry, NewSessionTicketExtension,
    PresharedKeyOffer, ProtocolName, ServerHelloExtension, ServerName,
};

/// Bytes of the handshake message header: type(1) and length(3).
pub const HANDSHAKE_HEADER_LEN: usize = 4;

/// The largest body a 3-byte length can describe.
pub const MAX_HANDSHAKE_BODY_LEN: usize = (1 << 24) - 1;

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

/// The longest legacy_session_id (RFC 8446 section 4.1.2).
pub const MAX_SESSION_ID_LEN: usize = 32;

/// The null compression method, the only one this library speaks.
pub const COMPRESSION_NULL: u8 = 0;

/// ECCurveType named_curve (RFC 8422 section 5.4), the only type RFC 8422 still allows.
const CURVE_TYPE_NAMED_CURVE: u8 = 3;

pub type Random = [u8; 32];

/// Which layout to use for messages that differ between TLS 1.2 and TLS 1.3.
fn is_tls13(version: ProtocolVersion) -> bool {
    version == ProtocolVersion::TLSV1_3
}

fn decode_session_id(r: &mut Reader, what: &'static str) -> Result<Vec<u8>, Error> {
    let id = r.vec_u8(what)?;
    if id.len() > MAX_SESSION_ID_LEN {
        return Err(Error::decode(format!("{what} of {} bytes", id.len())));
    }
    Ok(id.to_vec())
}

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
    let mut block = r.sub_u16("extension block")?;
    while !block.is_empty() {
        block.u16("extension type")?;
        block.vec_u16("extension data")?;
    }
    if !r.is_empty() {
        return Err(Error::decode(format!(
            "ClientHello: {} trailing bytes",
            r.remaining()
        )));
    }
    Ok(())
}

impl ClientHello {
    pub fn encode_body(&self, w: &mut Writer) {
        w.u16(self.legacy_version.0);
        w.bytes(&self.random);
        w.vec_u8(&self.legacy_session_id);
        w.nested_u16(|w| self.cipher_suites.iter().for_each(|cs| w.u16(cs.0)));
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
        if !r.is_empty() {
            return Err(Error::decode(format!(
                "ClientHello: {} trailing bytes",
                r.remaining()
            )));
        }
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
                if body.first() == Some(&crate::msgs::extensions::STATUS_TYPE_OCSP)
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
        let mut full = HandshakeMessage::ClientHello(self.clone()).encode().ok()?;
        full.truncate(full.len() - binders_len);
        Some(full)
    }
}

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
    fn decode_rest(
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

    fn decode_rest(legacy_version: ProtocolVersion, r: &mut Reader) -> Result<Self, Error> {
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

/// TLS 1.3 EncryptedExtensions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EncryptedExtensions {
    pub extensions: Vec<EncryptedExtension>,
}

impl EncryptedExtensions {
    pub fn encode_body(&self, w: &mut Writer) {
        encode_extensions(&self.extensions, w);
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        Ok(EncryptedExtensions {
            extensions: decode_extensions(r)?,
        })
    }

    pub fn find(&self, typ: ExtensionType) -> Option<&EncryptedExtension> {
        find_extension(&self.extensions, typ)
    }

    pub fn has(&self, typ: ExtensionType) -> bool {
        self.find(typ).is_some()
    }

    pub fn alpn(&self) -> Option<&[u8]> {
        match self.find(ExtensionType::ALPN)? {
            EncryptedExtension::Alpn(name) => Some(name),
            _ => None,
        }
    }

    pub fn early_data_accepted(&self) -> bool {
        self.has(ExtensionType::EARLY_DATA)
    }

    pub fn record_size_limit(&self) -> Option<u16> {
        match self.find(ExtensionType::RECORD_SIZE_LIMIT)? {
            EncryptedExtension::RecordSizeLimit(l) => Some(*l),
            _ => None,
        }
    }

    pub fn groups(&self) -> Option<&[NamedGroup]> {
        match self.find(ExtensionType::SUPPORTED_GROUPS)? {
            EncryptedExtension::SupportedGroups(g) => Some(g),
            _ => None,
        }
    }
}

fn decode_cert_data(r: &mut Reader) -> Result<CertificateDer<'static>, Error> {
    let der = r.vec_u24("certificate data")?;
    if der.is_empty() {
        return Err(Error::decode("empty certificate in certificate list"));
    }
    Ok(CertificateDer::from(der.to_vec()))
}

/// One certificate of a TLS 1.3 Certificate message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateEntry {
    pub cert: CertificateDer<'static>,
    pub extensions: Vec<CertificateEntryExtension>,
}

impl CertificateEntry {
    pub fn new(cert: CertificateDer<'static>) -> Self {
        CertificateEntry {
            cert,
            extensions: Vec::new(),
        }
    }

    pub fn ocsp_response(&self) -> Option<&[u8]> {
        match find_extension(&self.extensions, ExtensionType::STATUS_REQUEST)? {
            CertificateEntryExtension::OcspResponse(r) => Some(r),
            _ => None,
        }
    }
}

/// TLS 1.3 Certificate (RFC 8446 section 4.4.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertificateTls13 {
    /// Empty in the handshake; echoes CertificateRequest's context after the handshake.
    pub context: Vec<u8>,
    /// End-entity first. Empty when a client has no certificate to send.
    pub entries: Vec<CertificateEntry>,
}

impl CertificateTls13 {
    pub fn encode_body(&self, w: &mut Writer) {
        w.vec_u8(&self.context);
        w.nested_u24(|w| {
            for entry in &self.entries {
                w.vec_u24(entry.cert.as_ref());
                encode_extensions(&entry.extensions, w);
            }
        });
    }

    /// Entry extensions must answer ones we asked for (RFC 8446 4.4.2: status_request or
    /// signed_certificate_timestamp in our ClientHello or CertificateRequest). libtls asks only
    /// for status_request (OCSP stapling), so any other entry extension is unsolicited:
    /// `unsupported_extension` (RFC 8446 4.2). Whether an OCSP response was asked for is the
    /// receiver's check ([`CertificateTls13::leaf_ocsp_response`]).
    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let context = r.vec_u8("certificate request context")?.to_vec();
        let mut list = r.sub_u24("certificate list")?;
        let mut entries = Vec::new();
        while !list.is_empty() {
            let cert = decode_cert_data(&mut list)?;
            let extensions: Vec<CertificateEntryExtension> = decode_extensions(&mut list)?;
            if let Some(unasked) = extensions
                .iter()
                .find(|e| !matches!(e, CertificateEntryExtension::OcspResponse(_)))
            {
                return Err(Error::protocol(
                    AlertDescription::UNSUPPORTED_EXTENSION,
                    Reason::UNSOLICITED_EXTENSION,
                    format!(
                        "{} extension in certificate entry {} of a Certificate, which no \
                         request of ours asked for",
                        unasked.ext_type(),
                        entries.len()
                    ),
                ));
            }
            entries.push(CertificateEntry { cert, extensions });
        }
        Ok(CertificateTls13 { context, entries })
    }

    /// The OCSP response stapled to the leaf (RFC 8446 4.4.2.1), when `requested` (our
    /// ClientHello carried status_request). A response we did not ask for, on any entry, is
    /// `unsupported_extension` (RFC 8446 4.4.2); one on another entry than the leaf is ignored.
    pub fn leaf_ocsp_response(&self, requested: bool) -> Result<Option<&[u8]>, Error> {
        if !requested {
            if let Some(i) = self
                .entries
                .iter()
                .position(|e| e.ocsp_response().is_some())
            {
                return Err(Error::protocol(
                    AlertDescription::UNSUPPORTED_EXTENSION,
                    Reason::UNSOLICITED_EXTENSION,
                    format!(
                        "status_request (an OCSP response) in certificate entry {i} of a \
                         Certificate, which we did not ask for"
                    ),
                ));
            }
        }
        Ok(self
            .entries
            .first()
            .and_then(CertificateEntry::ocsp_response))
    }

    pub fn chain(&self) -> Vec<CertificateDer<'static>> {
        self.entries.iter().map(|e| e.cert.clone()).collect()
    }
}

/// TLS 1.2 Certificate (RFC 5246 section 7.4.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertificateTls12 {
    /// End-entity first. Empty when a client has no certificate to send.
    pub chain: Vec<CertificateDer<'static>>,
}

impl CertificateTls12 {
    pub fn encode_body(&self, w: &mut Writer) {
        w.nested_u24(|w| self.chain.iter().for_each(|c| w.vec_u24(c.as_ref())));
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let mut list = r.sub_u24("certificate list")?;
        let mut chain = Vec::new();
        while !list.is_empty() {
            chain.push(decode_cert_data(&mut list)?);
        }
        Ok(CertificateTls12 { chain })
    }
}

/// TLS 1.3 CertificateRequest (RFC 8446 section 4.3.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertificateRequestTls13 {
    pub context: Vec<u8>,
    /// signature_algorithms is mandatory; checking that is the caller's (missing_extension).
    pub extensions: Vec<CertificateRequestExtension>,
}

impl CertificateRequestTls13 {
    pub fn encode_body(&self, w: &mut Writer) {
        w.vec_u8(&self.context);
        encode_extensions(&self.extensions, w);
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let context = r.vec_u8("certificate request context")?.to_vec();
        let extensions = decode_extensions(r)?;
        Ok(CertificateRequestTls13 {
            context,
            extensions,
        })
    }

    pub fn find(&self, typ: ExtensionType) -> Option<&CertificateRequestExtension> {
        find_extension(&self.extensions, typ)
    }

    pub fn sig_schemes(&self) -> Option<&[SignatureScheme]> {
        match self.find(ExtensionType::SIGNATURE_ALGORITHMS)? {
            CertificateRequestExtension::SignatureAlgorithms(s) => Some(s),
            _ => None,
        }
    }

    pub fn sig_schemes_cert(&self) -> Option<&[SignatureScheme]> {
        match self.find(ExtensionType::SIGNATURE_ALGORITHMS_CERT)? {
            CertificateRequestExtension::SignatureAlgorithmsCert(s) => Some(s),
            _ => None,
        }
    }

    pub fn certificate_authorities(&self) -> Option<&[DistinguishedName]> {
        match self.find(ExtensionType::CERTIFICATE_AUTHORITIES)? {
            CertificateRequestExtension::CertificateAuthorities(n) => Some(n),
            _ => None,
        }
    }
}

/// TLS 1.2 CertificateRequest (RFC 5246 section 7.4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequestTls12 {
    /// ClientCertificateType codes (rsa_sign(1), ecdsa_sign(64), ...).
    pub certificate_types: Vec<u8>,
    pub sig_schemes: Vec<SignatureScheme>,
    /// May be empty: any CA is acceptable.
    pub certificate_authorities: Vec<DistinguishedName>,
}

impl CertificateRequestTls12 {
    pub const RSA_SIGN: u8 = 1;
    pub const ECDSA_SIGN: u8 = 64;

    pub fn encode_body(&self, w: &mut Writer) {
        w.vec_u8(&self.certificate_types);
        w.nested_u16(|w| self.sig_schemes.iter().for_each(|s| w.u16(s.0)));
        encode_dn_list(&self.certificate_authorities, w);
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let certificate_types = r.vec_u8("certificate types")?.to_vec();
        if certificate_types.is_empty() {
            return Err(Error::decode("empty certificate type list"));
        }
        let schemes = r.u16_list("signature algorithms")?;
        if schemes.is_empty() {
            return Err(Error::decode("empty signature algorithm list"));
        }
        let certificate_authorities = decode_dn_list(r, true)?;
        Ok(CertificateRequestTls12 {
            certificate_types,
            sig_schemes: schemes.into_iter().map(SignatureScheme).collect(),
            certificate_authorities,
        })
    }
}

/// A signature with its scheme: CertificateVerify's body, and the tail of TLS 1.2's
/// ServerKeyExchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitallySigned {
    pub scheme: SignatureScheme,
    pub signature: Vec<u8>,
}

impl DigitallySigned {
    pub fn encode(&self, w: &mut Writer) {
        w.u16(self.scheme.0);
        w.vec_u16(&self.signature);
    }

    pub fn decode(r: &mut Reader) -> Result<Self, Error> {
        let scheme = SignatureScheme(r.u16("signature scheme")?);
        let signature = r.vec_u16("signature")?.to_vec();
        Ok(DigitallySigned { scheme, signature })
    }
}

/// Finished: verify_data is the whole body. Its expected length depends on the cipher suite, so
/// the caller compares it (in constant time) against what it computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub verify_data: Vec<u8>,
}

/// TLS 1.3 NewSessionTicket (RFC 8446 section 4.6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSessionTicketTls13 {
    /// Seconds; at most 604800 by the RFC, which the client enforces.
    pub lifetime: u32,
    pub age_add: u32,
    pub nonce: Vec<u8>,
    pub ticket: Vec<u8>,
    pub extensions: Vec<NewSessionTicketExtension>,
}

impl NewSessionTicketTls13 {
    pub fn encode_body(&self, w: &mut Writer) {
        w.u32(self.lifetime);
        w.u32(self.age_add);
        w.vec_u8(&self.nonce);
        w.vec_u16(&self.ticket);
        encode_extensions(&self.extensions, w);
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let lifetime = r.u32("ticket lifetime")?;
        let age_add = r.u32("ticket age add")?;
        let nonce = r.vec_u8("ticket nonce")?.to_vec();
        let ticket = r.vec_u16("ticket")?.to_vec();
        if ticket.is_empty() {
            return Err(Error::decode("empty session ticket"));
        }
        let extensions = decode_extensions(r)?;
        Ok(NewSessionTicketTls13 {
            lifetime,
            age_add,
            nonce,
            ticket,
            extensions,
        })
    }

    pub fn max_early_data_size(&self) -> Option<u32> {
        match find_extension(&self.extensions, ExtensionType::EARLY_DATA)? {
            NewSessionTicketExtension::EarlyData(max) => Some(*max),
            _ => None,
        }
    }
}

/// TLS 1.2 NewSessionTicket (RFC 5077 section 3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSessionTicketTls12 {
    pub lifetime_hint: u32,
    /// Empty means the server will not issue a ticket after all.
    pub ticket: Vec<u8>,
}

impl NewSessionTicketTls12 {
    pub fn encode_body(&self, w: &mut Writer) {
        w.u32(self.lifetime_hint);
        w.vec_u16(&self.ticket);
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let lifetime_hint = r.u32("ticket lifetime hint")?;
        let ticket = r.vec_u16("ticket")?.to_vec();
        Ok(NewSessionTicketTls12 {
            lifetime_hint,
            ticket,
        })
    }
}

/// KeyUpdate's request_update (RFC 8446 section 4.6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUpdateRequest {
    UpdateNotRequested,
    UpdateRequested,
}

impl KeyUpdateRequest {
    pub fn encode(self, w: &mut Writer) {
        w.u8(match self {
            KeyUpdateRequest::UpdateNotRequested => 0,
            KeyUpdateRequest::UpdateRequested => 1,
        });
    }

    pub fn decode(r: &mut Reader) -> Result<Self, Error> {
        match r.u8("request_update")? {
            0 => Ok(KeyUpdateRequest::UpdateNotRequested),
            1 => Ok(KeyUpdateRequest::UpdateRequested),
            other => Err(Error::illegal(
                Reason::BAD_VALUE,
                format!("KeyUpdate request_update {other}"),
            )),
        }
    }
}

/// ECDHE parameters of a TLS 1.2 ServerKeyExchange (RFC 8422 section 5.4). Their encoding is
/// also part of what the server signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdheServerParams {
    pub group: NamedGroup,
    pub public: Vec<u8>,
}

impl EcdheServerParams {
    pub fn encode(&self, w: &mut Writer) {
        w.u8(CURVE_TYPE_NAMED_CURVE);
        w.u16(self.group.0);
        w.vec_u8(&self.public);
    }

    pub fn decode(r: &mut Reader) -> Result<Self, Error> {
        let curve_type = r.u8("curve type")?;
        if curve_type != CURVE_TYPE_NAMED_CURVE {
            return Err(Error::illegal(
                Reason::WRONG_CURVE,
                format!("ECCurveType {curve_type} instead of named_curve"),
            ));
        }
        let group = NamedGroup(r.u16("named curve")?);
        let public = r.vec_u8("ECDH public point")?.to_vec();
        if public.is_empty() {
            return Err(Error::decode("empty ECDH public point"));
        }
        Ok(EcdheServerParams { group, public })
    }
}

/// TLS 1.2 ServerKeyExchange for ECDHE key exchange, the only one this library supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerKeyExchange {
    pub params: EcdheServerParams,
    /// Over client_random || server_random || encoded params.
    pub signed: DigitallySigned,
}

impl ServerKeyExchange {
    pub fn encode_body(&self, w: &mut Writer) {
        self.params.encode(w);
        self.signed.encode(w);
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let params = EcdheServerParams::decode(r)?;
        let signed = DigitallySigned::decode(r)?;
        Ok(ServerKeyExchange { params, signed })
    }

    /// The bytes the signature covers (RFC 8422 section 5.4).
    pub fn signed_message(
        &self,
        client_random: &Random,
        server_random: &Random,
    ) -> Result<Vec<u8>, crate::codec::EncodeError> {
        let mut w = Writer::new();
        w.bytes(client_random);
        w.bytes(server_random);
        self.params.encode(&mut w);
        w.finish()
    }
}

/// TLS 1.2 ClientKeyExchange for ECDHE: the client's public point (RFC 8422 section 5.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientKeyExchange {
    pub public: Vec<u8>,
}

impl ClientKeyExchange {
    pub fn encode_body(&self, w: &mut Writer) {
        w.vec_u8(&self.public);
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let public = r.vec_u8("ECDH public point")?.to_vec();
        if public.is_empty() {
            return Err(Error::decode("empty ECDH public point"));
        }
        Ok(ClientKeyExchange { public })
    }
}

/// Any handshake message this library sends or receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeMessage {
    HelloRequest,
    ClientHello(ClientHello),
    ServerHello(ServerHello),
    HelloRetryRequest(HelloRetryRequest),
    NewSessionTicketTls12(NewSessionTicketTls12),
    NewSessionTicketTls13(NewSessionTicketTls13),
    EndOfEarlyData,
    EncryptedExtensions(EncryptedExtensions),
    CertificateTls12(CertificateTls12),
    CertificateTls13(CertificateTls13),
    ServerKeyExchange(ServerKeyExchange),
    CertificateRequestTls12(CertificateRequestTls12),
    CertificateRequestTls13(CertificateRequestTls13),
    ServerHelloDone,
    CertificateVerify(DigitallySigned),
    ClientKeyExchange(ClientKeyExchange),
    Finished(Finished),
    KeyUpdate(KeyUpdateRequest),
    /// TLS 1.2 CertificateStatus of status_type ocsp (RFC 6066 8): the DER OCSPResponse.
    CertificateStatus(Vec<u8>),
}

impl HandshakeMessage {
    pub fn typ(&self) -> HandshakeType {
        match self {
            Self::HelloRequest => HandshakeType::HELLO_REQUEST,
            Self::ClientHello(_) => HandshakeType::CLIENT_HELLO,
            Self::ServerHello(_) | Self::HelloRetryRequest(_) => HandshakeType::SERVER_HELLO,
            Self::NewSessionTicketTls12(_) | Self::NewSessionTicketTls13(_) => {
                HandshakeType::NEW_SESSION_TICKET
            }
            Self::EndOfEarlyData => HandshakeType::END_OF_EARLY_DATA,
            Self::EncryptedExtensions(_) => HandshakeType::ENCRYPTED_EXTENSIONS,
            Self::CertificateTls12(_) | Self::CertificateTls13(_) => HandshakeType::CERTIFICATE,
            Self::ServerKeyExchange(_) => HandshakeType::SERVER_KEY_EXCHANGE,
            Self::CertificateRequestTls12(_) | Self::CertificateRequestTls13(_) => {
                HandshakeType::CERTIFICATE_REQUEST
            }
            Self::ServerHelloDone => HandshakeType::SERVER_HELLO_DONE,
            Self::CertificateVerify(_) => HandshakeType::CERTIFICATE_VERIFY,
            Self::ClientKeyExchange(_) => HandshakeType::CLIENT_KEY_EXCHANGE,
            Self::Finished(_) => HandshakeType::FINISHED,
            Self::KeyUpdate(_) => HandshakeType::KEY_UPDATE,
            Self::CertificateStatus(_) => HandshakeType::CERTIFICATE_STATUS,
        }
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::HelloRequest | Self::EndOfEarlyData | Self::ServerHelloDone => {}
            Self::ClientHello(m) => m.encode_body(w),
            Self::ServerHello(m) => m.encode_body(w),
            Self::HelloRetryRequest(m) => m.encode_body(w),
            Self::NewSessionTicketTls12(m) => m.encode_body(w),
            Self::NewSessionTicketTls13(m) => m.encode_body(w),
            Self::EncryptedExtensions(m) => m.encode_body(w),
            Self::CertificateTls12(m) => m.encode_body(w),
            Self::CertificateTls13(m) => m.encode_body(w),
            Self::ServerKeyExchange(m) => m.encode_body(w),
            Self::CertificateRequestTls12(m) => m.encode_body(w),
            Self::CertificateRequestTls13(m) => m.encode_body(w),
            Self::CertificateVerify(m) => m.encode(w),
            Self::ClientKeyExchange(m) => m.encode_body(w),
            Self::Finished(m) => w.bytes(&m.verify_data),
            Self::KeyUpdate(m) => m.encode(w),
            Self::CertificateStatus(response) => {
                w.u8(crate::msgs::extensions::STATUS_TYPE_OCSP);
                w.vec_u24(response);
            }
        }
    }

    /// Appends the full message (header and body).
    pub fn encode_into(&self, w: &mut Writer) {
        w.u8(self.typ().0);
        w.nested_u24(|w| self.encode_body(w));
    }

    /// The full message (header and body), as it enters the transcript. Fails (an internal
    /// error) if a field is too long for its length prefix, such as a peer's cookie or ticket
    /// that was not bounded when it arrived.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let mut w = Writer::new();
        self.encode_into(&mut w);
        Ok(w.finish()?)
    }

    /// Decodes a body of type `typ`. `version` picks the layout of Certificate,
    /// CertificateRequest and NewSessionTicket: `TLSV1_3` for TLS 1.3's, anything else for
    /// TLS 1.2's. A server_hello carrying the HelloRetryRequest random becomes
    /// [`HandshakeMessage::HelloRetryRequest`]. Types we do not know are `unexpected_message`.
    pub fn decode(
        typ: HandshakeType,
        body: &[u8],
        version: ProtocolVersion,
    ) -> Result<Self, Error> {
        let mut r = Reader::new(body);
        let msg = Self::decode_body(typ, &mut r, version).map_err(|mut e| {
            e.detail = format!("{typ}: {}", e.detail);
            e
        })?;
        if !r.is_empty() {
            return Err(Error::decode(format!(
                "{typ}: {} trailing bytes",
                r.remaining()
            )));
        }
        Ok(msg)
    }

    /// Decodes one complete message with its header; the header's length must match exactly.
    pub fn decode_encoded(encoded: &[u8], version: ProtocolVersion) -> Result<Self, Error> {
        let mut r = Reader::new(encoded);
        let typ = HandshakeType(r.u8("handshake type")?);
        let body = r.vec_u24("handshake body")?;
        r.finish("handshake message")?;
        Self::decode(typ, body, version)
    }

    fn decode_body(
        typ: HandshakeType,
        r: &mut Reader,
        version: ProtocolVersion,
    ) -> Result<Self, Error> {
        let tls13 = is_tls13(version);
        Ok(match typ {
            HandshakeType::HELLO_REQUEST => Self::HelloRequest,
            HandshakeType::CLIENT_HELLO => Self::ClientHello(ClientHello::decode_body(r)?),
            HandshakeType::SERVER_HELLO => {
                let legacy_version = ProtocolVersion(r.u16("server version")?);
                let random: Random = r.array("server random")?;
                if random == HELLO_RETRY_REQUEST_RANDOM {
                    Self::HelloRetryRequest(HelloRetryRequest::decode_rest(legacy_version, r)?)
                } else {
                    Self::ServerHello(ServerHello::decode_rest(legacy_version, random, r)?)
                }
            }
            HandshakeType::NEW_SESSION_TICKET if tls13 => {
                Self::NewSessionTicketTls13(NewSessionTicketTls13::decode_body(r)?)
            }
            HandshakeType::NEW_SESSION_TICKET => {
                Self::NewSessionTicketTls12(NewSessionTicketTls12::decode_body(r)?)
            }
            HandshakeType::END_OF_EARLY_DATA => Self::EndOfEarlyData,
            HandshakeType::ENCRYPTED_EXTENSIONS => {
                Self::EncryptedExtensions(EncryptedExtensions::decode_body(r)?)
            }
            HandshakeType::CERTIFICATE if tls13 => {
                Self::CertificateTls13(CertificateTls13::decode_body(r)?)
            }
            HandshakeType::CERTIFICATE => Self::CertificateTls12(CertificateTls12::decode_body(r)?),
            HandshakeType::SERVER_KEY_EXCHANGE => {
                Self::ServerKeyExchange(ServerKeyExchange::decode_body(r)?)
            }
            HandshakeType::CERTIFICATE_REQUEST if tls13 => {
                Self::CertificateRequestTls13(CertificateRequestTls13::decode_body(r)?)
            }
            HandshakeType::CERTIFICATE_REQUEST => {
                Self::CertificateRequestTls12(CertificateRequestTls12::decode_body(r)?)
            }
            HandshakeType::SERVER_HELLO_DONE => Self::ServerHelloDone,
            HandshakeType::CERTIFICATE_VERIFY => {
                Self::CertificateVerify(DigitallySigned::decode(r)?)
            }
            HandshakeType::CLIENT_KEY_EXCHANGE => {
                Self::ClientKeyExchange(ClientKeyExchange::decode_body(r)?)
            }
            HandshakeType::FINISHED => Self::Finished(Finished {
                verify_data: r.take_rest().to_vec(),
            }),
            HandshakeType::KEY_UPDATE => Self::KeyUpdate(KeyUpdateRequest::decode(r)?),
            HandshakeType::CERTIFICATE_STATUS => {
                // RFC 6066 8: status_type ocsp, then OCSPResponse<1..2^24-1>.
                let status_type = r.u8("certificate status type")?;
                if status_type != crate::msgs::extensions::STATUS_TYPE_OCSP {
                    return Err(Error::decode(format!(
                        "certificate status of type {status_type}; only ocsp (1) was requested"
                    )));
                }
                let response = r.vec_u24("OCSP response")?;
                if response.is_empty() {
                    return Err(Error::decode("empty OCSP response in CertificateStatus"));
                }
                Self::CertificateStatus(response.to_vec())
            }
            _ => return Err(Error::unexpected("handshake message of unknown type")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::enums::AlertDescription;
    use crate::msgs::extensions::{PskIdentity, ServerName};

    // Handshake messages from RFC 8448 (section 3 simple 1-RTT, section 4 resumption, section 5
    // HelloRetryRequest).
    const CLIENT_HELLO: &str = concat!(
        "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef",
        "6283024dece7000006130113031302010000910000000b000900000673657276",
        "6572ff01000100000a00140012001d0017001800190100010101020103010400",
        "230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e",
        "51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603",
        "020308040805080604010501060102010402050206020202002d00020101001c",
        "00024001",
    );
    const SERVER_HELLO: &str = concat!(
        "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155",
        "772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdb",
        "f7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304",
    );
    const ENCRYPTED_EXTENSIONS: &str = concat!(
        "080000240022000a00140012001d00170018001901000101010201030104001c",
        "0002400100000000",
    );
    const CERTIFICATE: &str = concat!(
        "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a",
        "864886f70d01010b0500300e310c300a06035504031303727361301e170d3136",
        "303733303031323335395a170d3236303733303031323335395a300e310c300a",
        "0603550403130372736130819f300d06092a864886f70d010101050003818d00",
        "30818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826",
        "d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced4312",
        "0998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda4308467480",
        "30530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a",
        "8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b060355",
        "1d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5",
        "b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a5",
        "8c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102",
        "702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0",
        "a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de10000",
    );
    const CERTIFICATE_VERIFY: &str = concat!(
        "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145a",
        "b3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248ee",
        "aaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c",
        "9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea2",
        "0d53dfacd42f74f3",
    );
    const SERVER_FINISHED: &str = concat!(
        "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454",
        "b78f0718",
    );
    const NEW_SESSION_TICKET: &str = concat!(
        "040000c90000001efad6aac502000000b22c035d829359ee5ff7af4ec9000000",
        "00262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c9367c09a2be785a",
        "bc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827",
        "db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529",
        "513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf297b5aea61764",
        "6fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934a",
        "e4d3570008002a000400000400",
    );
    const RESUMPTION_CLIENT_HELLO: &str = concat!(
        "010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc41",
        "9d7876487d95000006130113031302010001cd0000000b000900000673657276",
        "6572ff01000100000a00140012001d0017001800190100010101020103010400",
        "3300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe",
        "051a66b4f18d668f0b002a0000002b0003020304000d0020001e040305030603",
        "020308040805080604010501060102010402050206020202002d00020101001c",
        "0002400100150057000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "2900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a",
        "34cb33fa90bf1b0070ad3c498883c9367c09a2be785abc55cd226097a3a98211",
        "7283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3",
        "664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b",
        "3f7d8f92f228bda40dda721470f9fbf297b5aea617646fac5c03272e970727c6",
        "21a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb002120",
        "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d",
    );
    const RESUMPTION_CLIENT_HELLO_PREFIX: &str = concat!(
        "010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc41",
        "9d7876487d95000006130113031302010001cd0000000b000900000673657276",
        "6572ff01000100000a00140012001d0017001800190100010101020103010400",
        "3300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe",
        "051a66b4f18d668f0b002a0000002b0003020304000d0020001e040305030603",
        "020308040805080604010501060102010402050206020202002d00020101001c",
        "0002400100150057000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "2900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a",
        "34cb33fa90bf1b0070ad3c498883c9367c09a2be785abc55cd226097a3a98211",
        "7283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3",
        "664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b",
        "3f7d8f92f228bda40dda721470f9fbf297b5aea617646fac5c03272e970727c6",
        "21a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb",
    );
    const RESUMPTION_SERVER_HELLO: &str = concat!(
        "0200005c03033ccfd2dec890222763472ae8136777c9d7358777bb66e91ea512",
        "2495f559ea2d00130100003400290002000000330024001d0020121761ee42c3",
        "33e1b9e77b60dd57c2053cd94512ab47f115e86eff50942cea31002b00020304",
    );
    const RESUMPTION_ENCRYPTED_EXTENSIONS: &str = concat!(
        "080000280026000a00140012001d00170018001901000101010201030104001c",
        "0002400100000000002a0000",
    );
    const HELLO_RETRY_REQUEST: &str = concat!(
        "020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e",
        "09e2c8a8339c001301000084003300020017002c0074007271dcd04bb88bc318",
        "9119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf6256",
        "36e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d",
        "6e50781b5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0c",
        "af571fb2b7cff0f934b0002b00020304",
    );
    const SECOND_CLIENT_HELLO: &str = concat!(
        "010001fc0303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee92",
        "58a346677b6f000006130113031302010001cd0000000b000900000673657276",
        "6572ff01000100000a00080006001d001700180033004700450017004104a6da",
        "7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac8f01518126",
        "77c4d6d2237e85cf01d6910cfb83954e76ba7352830534159897e8065780002b",
        "0003020304000d0020001e040305030603020308040805080604010501060102",
        "010402050206020202002c0074007271dcd04bb88bc3189119398a00000000ee",
        "fafc76c146b823b096f8aacad365dd0030953f4edf625636e5f21bb2e23fcc65",
        "4b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b",
        "0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934",
        "b0002d00020101001c00024001001500af000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
    );
    const HRR_SERVER_HELLO: &str = concat!(
        "020000770303bb341d847fd789c47c387172dc0c9bf147fccacb5043d86ca4c5",
        "98d3ff571b9800130100004f003300450017004104583e054b7a66672ae020ad",
        "9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b04ac07d835",
        "40eab3e3d9c547bc6528c4317d294686093a6cad7d002b00020304",
    );

    fn unhex(s: &str) -> Vec<u8> {
        assert!(s.len() % 2 == 0);
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    const TLS13: ProtocolVersion = ProtocolVersion::TLSV1_3;
    const TLS12: ProtocolVersion = ProtocolVersion::TLSV1_2;

    /// Decodes a full message, checks the re-encoding is byte-identical, and returns it.
    fn decode_and_reencode(hex: &str, version: ProtocolVersion) -> HandshakeMessage {
        let wire = unhex(hex);
        let msg = HandshakeMessage::decode_encoded(&wire, version).unwrap();
        assert_eq!(
            msg.encode().unwrap(),
            wire,
            "re-encoding of {:?} differs",
            msg.typ()
        );
        msg
    }

    fn round_trip(msg: HandshakeMessage, version: ProtocolVersion) {
        let wire = msg.encode().unwrap();
        let decoded = HandshakeMessage::decode_encoded(&wire, version).unwrap();
        assert_eq!(decoded, msg);
        assert_eq!(decoded.encode().unwrap(), wire);
    }

    fn body_error(typ: HandshakeType, body: &[u8], version: ProtocolVersion) -> Error {
        HandshakeMessage::decode(typ, body, version).unwrap_err()
    }

    #[test]
    fn rfc8448_client_hello() {
        let HandshakeMessage::ClientHello(ch) = decode_and_reencode(CLIENT_HELLO, TLS13) else {
            panic!("not a ClientHello");
        };
        assert_eq!(ch.legacy_version, ProtocolVersion::TLSV1_2);
        assert_eq!(ch.random[..4], [0xcb, 0x34, 0xec, 0xb1]);
        assert!(ch.legacy_session_id.is_empty());
        assert_eq!(
            ch.cipher_suites,
            [
                CipherSuite::TLS13_AES_128_GCM_SHA256,
                CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
                CipherSuite::TLS13_AES_256_GCM_SHA384
            ]
        );
        assert_eq!(ch.compression_methods, [0]);
        assert_eq!(ch.server_name(), Some("server"));
        assert_eq!(ch.supported_versions(), Some(&[TLS13][..]));
        assert_eq!(
            ch.groups().unwrap()[..4],
            [
                NamedGroup::X25519,
                NamedGroup::SECP256R1,
                NamedGroup::SECP384R1,
                NamedGroup::SECP521R1
            ]
        );
        let shares = ch.key_shares().unwrap();
        assert_eq!(shares.len(), 1);
        assert_eq!(shares[0].group, NamedGroup::X25519);
        assert_eq!(shares[0].payload[..2], [0x99, 0x38]);
        assert_eq!(shares[0].payload.len(), 32);
        let schemes = ch.sig_schemes().unwrap();
        assert_eq!(schemes[0], SignatureScheme::ECDSA_NISTP256_SHA256);
        assert!(schemes.contains(&SignatureScheme::RSA_PSS_RSAE_SHA256));
        assert_eq!(ch.psk_modes(), Some(&[PskKeyExchangeMode::PSK_DHE_KE][..]));
        assert_eq!(ch.record_size_limit(), Some(0x4001));
        assert_eq!(ch.renegotiation_info(), Some(&[][..]));
        assert_eq!(ch.session_ticket(), Some(&[][..]));
        assert!(ch.psk().is_none());
        assert!(ch.binders_encoded_len().is_none());
        assert!(ch.encode_partial().is_none());
        assert!(ch.alpn().is_none());
        assert!(ch.has(ExtensionType::SESSION_TICKET));
        assert!(!ch.has(ExtensionType::EARLY_DATA));
    }

    #[test]
    fn rfc8448_server_flight() {
        let HandshakeMessage::ServerHello(sh) = decode_and_reencode(SERVER_HELLO, TLS13) else {
            panic!("not a ServerHello");
        };
        assert_eq!(sh.cipher_suite, CipherSuite::TLS13_AES_128_GCM_SHA256);
        assert_eq!(sh.compression_method, 0);
        assert_eq!(sh.selected_version(), Some(TLS13));
        let share = sh.key_share().unwrap();
        assert_eq!(share.group, NamedGroup::X25519);
        assert_eq!(share.payload.len(), 32);
        assert!(!sh.is_hello_retry_request());
        assert_eq!(sh.downgrade_sentinel(), None);
        assert_eq!(sh.selected_psk_identity(), None);

        let HandshakeMessage::EncryptedExtensions(ee) =
            decode_and_reencode(ENCRYPTED_EXTENSIONS, TLS13)
        else {
            panic!("not EncryptedExtensions");
        };
        assert_eq!(ee.groups().unwrap()[0], NamedGroup::X25519);
        assert_eq!(ee.record_size_limit(), Some(0x4001));
        assert!(ee.has(ExtensionType::SERVER_NAME));
        assert!(!ee.early_data_accepted());
        assert_eq!(ee.alpn(), None);

        let HandshakeMessage::CertificateTls13(cert) = decode_and_reencode(CERTIFICATE, TLS13)
        else {
            panic!("not a TLS 1.3 Certificate");
        };
        assert!(cert.context.is_empty());
        assert_eq!(cert.entries.len(), 1);
        assert_eq!(cert.entries[0].cert.as_ref().len(), 0x1b0);
        assert_eq!(cert.entries[0].cert.as_ref()[..2], [0x30, 0x82]);
        assert!(cert.entries[0].extensions.is_empty());
        assert_eq!(cert.entries[0].ocsp_response(), None);
        assert_eq!(cert.chain().len(), 1);

        let HandshakeMessage::CertificateVerify(cv) =
            decode_and_reencode(CERTIFICATE_VERIFY, TLS13)
        else {
            panic!("not a CertificateVerify");
        };
        assert_eq!(cv.scheme, SignatureScheme::RSA_PSS_RSAE_SHA256);
        assert_eq!(cv.signature.len(), 128);

        let HandshakeMessage::Finished(fin) = decode_and_reencode(SERVER_FINISHED, TLS13) else {
            panic!("not a Finished");
        };
        assert_eq!(fin.verify_data.len(), 32);
        assert_eq!(fin.verify_data[..2], [0x9b, 0x9b]);

        let HandshakeMessage::NewSessionTicketTls13(nst) =
            decode_and_reencode(NEW_SESSION_TICKET, TLS13)
        else {
            panic!("not a TLS 1.3 NewSessionTicket");
        };
        assert_eq!(nst.lifetime, 0x1e);
        assert_eq!(nst.age_add, 0xfad6aac5);
        assert_eq!(nst.nonce, [0, 0]);
        assert_eq!(nst.ticket.len(), 0xb2);
        assert_eq!(nst.max_early_data_size(), Some(0x400));
    }

    #[test]
    fn rfc8448_resumption_and_binders() {
        let wire = unhex(RESUMPTION_CLIENT_HELLO);
        let HandshakeMessage::ClientHello(ch) = decode_and_reencode(RESUMPTION_CLIENT_HELLO, TLS13)
        else {
            panic!("not a ClientHello");
        };
        let offer = ch.psk().unwrap();
        assert_eq!(offer.identities.len(), 1);
        assert_eq!(offer.identities[0].identity.len(), 0xb2);
        assert_eq!(offer.identities[0].obfuscated_ticket_age, 0xfad6aacb);
        assert_eq!(offer.binders.len(), 1);
        assert_eq!(offer.binders[0].len(), 32);
        assert!(ch.has(ExtensionType::EARLY_DATA));
        assert!(matches!(
            ch.extensions.last(),
            Some(ClientExtension::PreSharedKey(_))
        ));

        // Both the server's view (truncating received bytes) and the client's (encoding the
        // partial ClientHello) give RFC 8448's "ClientHello prefix".
        let prefix = unhex(RESUMPTION_CLIENT_HELLO_PREFIX);
        let binders_len = ch.binders_encoded_len().unwrap();
        assert_eq!(binders_len, 35);
        assert_eq!(wire[..wire.len() - binders_len], prefix[..]);
        assert_eq!(ch.encode_partial().unwrap(), prefix);

        // Filling the binders in place keeps the prefix.
        let mut ch2 = ch.clone();
        ch2.psk_mut().unwrap().binders[0] = vec![0; 32];
        assert_eq!(ch2.encode_partial().unwrap(), prefix);

        let HandshakeMessage::ServerHello(sh) = decode_and_reencode(RESUMPTION_SERVER_HELLO, TLS13)
        else {
            panic!("not a ServerHello");
        };
        assert_eq!(sh.selected_psk_identity(), Some(0));

        let HandshakeMessage::EncryptedExtensions(ee) =
            decode_and_reencode(RESUMPTION_ENCRYPTED_EXTENSIONS, TLS13)
        else {
            panic!("not EncryptedExtensions");
        };
        assert!(ee.early_data_accepted());
    }

    #[test]
    fn rfc8448_hello_retry_request() {
        let HandshakeMessage::HelloRetryRequest(hrr) =
            decode_and_reencode(HELLO_RETRY_REQUEST, TLS13)
        else {
            panic!("not a HelloRetryRequest");
        };
        assert_eq!(hrr.cipher_suite, CipherSuite::TLS13_AES_128_GCM_SHA256);
        assert_eq!(hrr.selected_group(), Some(NamedGroup::SECP256R1));
        assert_eq!(hrr.selected_version(), Some(TLS13));
        let cookie = hrr.cookie().unwrap();
        assert_eq!(cookie.len(), 0x72);

        let HandshakeMessage::ClientHello(ch2) = decode_and_reencode(SECOND_CLIENT_HELLO, TLS13)
        else {
            panic!("not a ClientHello");
        };
        assert_eq!(ch2.cookie(), Some(cookie));
        assert_eq!(ch2.key_shares().unwrap()[0].group, NamedGroup::SECP256R1);
        assert!(ch2.has(ExtensionType::PADDING));

        let HandshakeMessage::ServerHello(sh) = decode_and_reencode(HRR_SERVER_HELLO, TLS13) else {
            panic!("the ServerHello after HRR is not a ServerHello");
        };
        assert_eq!(sh.key_share().unwrap().group, NamedGroup::SECP256R1);
    }

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

    fn sample_server_hello() -> ServerHello {
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

    fn sample_certificate(n: u8) -> CertificateDer<'static> {
        CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, n])
    }

    #[test]
    fn certificate_entry_extensions_are_unsolicited() {
        let with_extensions = |extensions| {
            HandshakeMessage::CertificateTls13(CertificateTls13 {
                context: vec![],
                entries: vec![
                    CertificateEntry::new(sample_certificate(1)),
                    CertificateEntry {
                        cert: sample_certificate(2),
                        extensions,
                    },
                ],
            })
            .encode()
            .unwrap()
        };
        let wire = with_extensions(vec![CertificateEntryExtension::Unknown {
            typ: ExtensionType(0x7f),
            data: vec![],
        }]);
        let e = HandshakeMessage::decode_encoded(&wire, TLS13).unwrap_err();
        assert_eq!(e.reason, Reason::UNSOLICITED_EXTENSION, "{e:?}");
        assert_eq!(e.alert, Some(AlertDescription::UNSUPPORTED_EXTENSION));
        assert!(e.detail.contains("certificate entry 1"), "{}", e.detail);
        // An OCSP response decodes; whether we asked for it is the receiver's check.
        let wire = with_extensions(vec![CertificateEntryExtension::OcspResponse(vec![
            0x30, 0, 1,
        ])]);
        let HandshakeMessage::CertificateTls13(cert) =
            HandshakeMessage::decode_encoded(&wire, TLS13).unwrap()
        else {
            panic!("not a Certificate");
        };
        let e = cert.leaf_ocsp_response(false).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::UNSUPPORTED_EXTENSION));
        assert!(e.detail.contains("certificate entry 1"), "{}", e.detail);
        // Asked for: only the leaf's counts.
        assert_eq!(cert.leaf_ocsp_response(true).unwrap(), None);
        // A repeated type is malformed before it is unsolicited.
        let ocsp = CertificateEntryExtension::OcspResponse(vec![0x30, 0, 1]);
        let wire = with_extensions(vec![ocsp.clone(), ocsp]);
        let e = HandshakeMessage::decode_encoded(&wire, TLS13).unwrap_err();
        assert_eq!(e.reason, Reason::BAD_EXTENSION);
    }

    #[test]
    fn tls12_messages_round_trip() {
        let sh = sample_server_hello();
        assert_eq!(sh.alpn(), Some(&b"h2"[..]));
        assert_eq!(sh.renegotiation_info(), Some(&[][..]));
        assert_eq!(sh.ec_point_formats(), Some(&[0][..]));
        assert!(sh.has(ExtensionType::EXTENDED_MASTER_SECRET));
        round_trip(HandshakeMessage::ServerHello(sh), TLS12);

        round_trip(HandshakeMessage::HelloRequest, TLS12);
        round_trip(HandshakeMessage::ServerHelloDone, TLS12);
        round_trip(
            HandshakeMessage::CertificateStatus(vec![0x30, 3, 1, 2, 3]),
            TLS12,
        );
        // RFC 6066 8: status_type ocsp and a non-empty response, nothing else.
        for bad in [
            &[22, 0, 0, 4, 1, 0, 0, 0][..],
            &[22, 0, 0, 5, 2, 0, 0, 1, 0x30],
            &[22, 0, 0, 5, 1, 0, 0, 2, 0x30],
            &[22, 0, 0, 0],
        ] {
            let e = HandshakeMessage::decode_encoded(bad, TLS12).unwrap_err();
            assert_eq!(
                e.alert,
                Some(AlertDescription::DECODE_ERROR),
                "{bad:?}: {e:?}"
            );
        }
        round_trip(
            HandshakeMessage::CertificateTls12(CertificateTls12 {
                chain: vec![sample_certificate(1), sample_certificate(2)],
            }),
            TLS12,
        );
        round_trip(
            HandshakeMessage::CertificateTls12(CertificateTls12::default()),
            TLS12,
        );
        let ske = ServerKeyExchange {
            params: EcdheServerParams {
                group: NamedGroup::SECP256R1,
                public: vec![4; 65],
            },
            signed: DigitallySigned {
                scheme: SignatureScheme::RSA_PKCS1_SHA256,
                signature: vec![0x55; 256],
            },
        };
        let signed = ske.signed_message(&[1; 32], &[2; 32]).unwrap();
        assert_eq!(signed.len(), 64 + 1 + 2 + 1 + 65);
        assert_eq!(signed[64..68], [3, 0, 0x17, 65]);
        round_trip(HandshakeMessage::ServerKeyExchange(ske), TLS12);
        round_trip(
            HandshakeMessage::CertificateRequestTls12(CertificateRequestTls12 {
                certificate_types: vec![
                    CertificateRequestTls12::RSA_SIGN,
                    CertificateRequestTls12::ECDSA_SIGN,
                ],
                sig_schemes: vec![SignatureScheme::RSA_PSS_RSAE_SHA256],
                certificate_authorities: vec![DistinguishedName(vec![0x30, 0])],
            }),
            TLS12,
        );
        round_trip(
            HandshakeMessage::CertificateRequestTls12(CertificateRequestTls12 {
                certificate_types: vec![1],
                sig_schemes: vec![SignatureScheme::ECDSA_NISTP256_SHA256],
                certificate_authorities: vec![],
            }),
            TLS12,
        );
        round_trip(
            HandshakeMessage::ClientKeyExchange(ClientKeyExchange {
                public: vec![9; 32],
            }),
            TLS12,
        );
        round_trip(
            HandshakeMessage::NewSessionTicketTls12(NewSessionTicketTls12 {
                lifetime_hint: 7200,
                ticket: vec![3; 100],
            }),
            TLS12,
        );
        round_trip(
            HandshakeMessage::NewSessionTicketTls12(NewSessionTicketTls12 {
                lifetime_hint: 0,
                ticket: vec![],
            }),
            TLS12,
        );
        round_trip(
            HandshakeMessage::Finished(Finished {
                verify_data: vec![1; 12],
            }),
            TLS12,
        );
        // A TLS 1.2 ClientHello without an extension block.
        let ch = ClientHello {
            legacy_version: TLS12,
            random: [7; 32],
            legacy_session_id: vec![5; 32],
            cipher_suites: vec![
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
            ],
            compression_methods: vec![1, 0],
            extensions: vec![],
        };
        assert!(ch.offers_cipher_suite(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV));
        assert_eq!(ch.supported_versions(), None);
        assert_eq!(ch.server_name(), None);
        round_trip(HandshakeMessage::ClientHello(ch), TLS12);
    }

    #[test]
    fn tls13_messages_round_trip() {
        round_trip(HandshakeMessage::EndOfEarlyData, TLS13);
        round_trip(
            HandshakeMessage::KeyUpdate(KeyUpdateRequest::UpdateRequested),
            TLS13,
        );
        round_trip(
            HandshakeMessage::KeyUpdate(KeyUpdateRequest::UpdateNotRequested),
            TLS13,
        );
        round_trip(
            HandshakeMessage::EncryptedExtensions(EncryptedExtensions::default()),
            TLS13,
        );
        round_trip(
            HandshakeMessage::CertificateTls13(CertificateTls13 {
                context: vec![1, 2, 3],
                entries: vec![
                    CertificateEntry::new(sample_certificate(1)),
                    CertificateEntry::new(sample_certificate(2)),
                ],
            }),
            TLS13,
        );
        round_trip(
            HandshakeMessage::CertificateTls13(CertificateTls13::default()),
            TLS13,
        );
        let cr = CertificateRequestTls13 {
            context: vec![],
            extensions: vec![
                CertificateRequestExtension::SignatureAlgorithms(vec![SignatureScheme::ED25519]),
                CertificateRequestExtension::CertificateAuthorities(vec![DistinguishedName(vec![
                    0x30, 0,
                ])]),
            ],
        };
        assert_eq!(cr.sig_schemes(), Some(&[SignatureScheme::ED25519][..]));
        assert_eq!(cr.sig_schemes_cert(), None);
        assert_eq!(cr.certificate_authorities().unwrap().len(), 1);
        round_trip(HandshakeMessage::CertificateRequestTls13(cr), TLS13);
        round_trip(
            HandshakeMessage::NewSessionTicketTls13(NewSessionTicketTls13 {
                lifetime: 604800,
                age_add: 1,
                nonce: vec![],
                ticket: vec![1],
                extensions: vec![NewSessionTicketExtension::Unknown {
                    typ: ExtensionType(0x2a2a),
                    data: vec![],
                }],
            }),
            TLS13,
        );
    }

    #[test]
    fn version_hint_selects_layout() {
        let nst12 = HandshakeMessage::NewSessionTicketTls12(NewSessionTicketTls12 {
            lifetime_hint: 1,
            ticket: vec![1, 2],
        })
        .encode()
        .unwrap();
        assert!(HandshakeMessage::decode_encoded(&nst12, TLS13).is_err());
        let cert13 = HandshakeMessage::CertificateTls13(CertificateTls13 {
            context: vec![],
            entries: vec![CertificateEntry::new(sample_certificate(1))],
        })
        .encode()
        .unwrap();
        assert!(HandshakeMessage::decode_encoded(&cert13, TLS12).is_err());
    }

    #[test]
    fn every_truncation_is_an_error() {
        for hex in [
            CLIENT_HELLO,
            SERVER_HELLO,
            ENCRYPTED_EXTENSIONS,
            CERTIFICATE,
            CERTIFICATE_VERIFY,
            SERVER_FINISHED,
            NEW_SESSION_TICKET,
            RESUMPTION_CLIENT_HELLO,
            HELLO_RETRY_REQUEST,
            SECOND_CLIENT_HELLO,
        ] {
            let wire = unhex(hex);
            let typ = HandshakeType(wire[0]);
            for len in 0..wire.len() {
                // With the header, the length no longer matches.
                assert!(HandshakeMessage::decode_encoded(&wire[..len], TLS13).is_err());
                // Body alone: some cut points are valid messages (a ClientHello or ServerHello
                // without extensions, any Finished), but none may panic.
                if len >= HANDSHAKE_HEADER_LEN {
                    let result =
                        HandshakeMessage::decode(typ, &wire[HANDSHAKE_HEADER_LEN..len], TLS13);
                    let may_succeed = matches!(
                        typ,
                        HandshakeType::CLIENT_HELLO
                            | HandshakeType::SERVER_HELLO
                            | HandshakeType::FINISHED
                    );
                    assert!(may_succeed || result.is_err(), "{typ} cut at {len}");
                }
            }
            // Trailing bytes are rejected too.
            let mut long = wire[HANDSHAKE_HEADER_LEN..].to_vec();
            long.push(0);
            if typ != HandshakeType::FINISHED {
                assert!(HandshakeMessage::decode(typ, &long, TLS13).is_err());
            }
        }
    }

    #[test]
    fn byte_mutations_never_panic() {
        for hex in [
            CLIENT_HELLO,
            SERVER_HELLO,
            ENCRYPTED_EXTENSIONS,
            CERTIFICATE,
            NEW_SESSION_TICKET,
            RESUMPTION_CLIENT_HELLO,
            HELLO_RETRY_REQUEST,
            SECOND_CLIENT_HELLO,
        ] {
            let wire = unhex(hex);
            let typ = HandshakeType(wire[0]);
            let body = &wire[HANDSHAKE_HEADER_LEN..];
            for i in 0..body.len() {
                for replacement in [0x00, 0x01, 0x7f, 0xff, body[i] ^ 0x20] {
                    let mut mutated = body.to_vec();
                    mutated[i] = replacement;
                    for version in [TLS12, TLS13] {
                        if let Ok(msg) = HandshakeMessage::decode(typ, &mutated, version) {
                            // Whatever decodes must re-encode without panicking.
                            let _ = msg.encode().unwrap();
                        }
                    }
                }
            }
        }
    }

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

    #[test]
    fn bad_bodies() {
        // Empty certificate in a list, both layouts.
        let err = body_error(HandshakeType::CERTIFICATE, &[0, 0, 0, 3, 0, 0, 0], TLS12);
        assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
        let err = body_error(
            HandshakeType::CERTIFICATE,
            &[0, 0, 0, 5, 0, 0, 0, 0, 0],
            TLS13,
        );
        assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));

        // KeyUpdate values other than 0 and 1.
        let err = body_error(HandshakeType::KEY_UPDATE, &[2], TLS13);
        assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        let err = body_error(HandshakeType::KEY_UPDATE, &[1, 0], TLS13);
        assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));

        // Empty-bodied messages with a body.
        for typ in [
            HandshakeType::HELLO_REQUEST,
            HandshakeType::SERVER_HELLO_DONE,
            HandshakeType::END_OF_EARLY_DATA,
        ] {
            let err = body_error(typ, &[0], TLS13);
            assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
        }

        // ServerKeyExchange with an explicit curve type.
        let err = body_error(
            HandshakeType::SERVER_KEY_EXCHANGE,
            &[1, 0, 0x17, 1, 4],
            TLS12,
        );
        assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));

        // Empty ECDH point, empty TLS 1.3 ticket.
        let err = body_error(HandshakeType::CLIENT_KEY_EXCHANGE, &[0], TLS12);
        assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
        let err = body_error(
            HandshakeType::NEW_SESSION_TICKET,
            &[0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0],
            TLS13,
        );
        assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));

        // Unknown and non-wire handshake types.
        for typ in [HandshakeType::MESSAGE_HASH, HandshakeType(99)] {
            let err = body_error(typ, &[], TLS13);
            assert_eq!(err.alert, Some(AlertDescription::UNEXPECTED_MESSAGE));
        }

        // Header length disagreeing with the bytes present.
        let err = HandshakeMessage::decode_encoded(&[14, 0, 0, 1], TLS12).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
        let err = HandshakeMessage::decode_encoded(&[14, 0, 0, 0, 0], TLS12).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
    }
}
