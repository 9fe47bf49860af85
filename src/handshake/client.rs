//! The client's first flight and the version decision on ServerHello.

use super::{random_bytes, unexpected, State};
use crate::config::Config;
use crate::conn::{ClientOptions, Common};
use crate::crypto::hash::Transcript;
use crate::crypto::kx::{self, KeyShare};
use crate::error::{Error, Reason, Result};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{
    AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, PskKeyExchangeMode,
};
use crate::msgs::extensions::{ClientExtension, KeyShareEntry, ServerName};
use crate::msgs::handshake::{ClientHello, HandshakeMessage};

/// What the client offered, kept to check the server's choices against.
pub struct Offer {
    pub options: ClientOptions,
    pub random: [u8; 32],
    pub session_id: Vec<u8>,
    pub suites: Vec<CipherSuite>,
    pub groups: Vec<NamedGroup>,
    pub key_shares: Vec<KeyShare>,
    pub cookie: Option<Vec<u8>>,
}

pub fn start(cx: &mut Common, options: ClientOptions) -> Result<Box<dyn State>> {
    let config = cx.config.clone();
    if !config.supports_version(ProtocolVersion::TLSV1_3) {
        return Err(Error::local(
            Reason::NO_PROTOCOLS_AVAILABLE,
            "no protocol version is enabled that this build can negotiate (TLS 1.3 is required)",
        ));
    }
    let groups: Vec<NamedGroup> = config
        .groups
        .iter()
        .copied()
        .filter(|g| kx::is_supported(*g))
        .collect();
    if groups.is_empty() || config.tls13_suites.is_empty() {
        return Err(Error::local(
            Reason::NO_CIPHER_MATCH,
            "no cipher suites or groups are enabled",
        ));
    }
    let key_shares = initial_key_shares(&groups)?;
    let offer = Offer {
        options,
        random: random_bytes::<32>()?,
        // A non-empty session ID turns on middlebox compatibility mode (RFC 8446 D.4).
        session_id: random_bytes::<32>()?.to_vec(),
        suites: config.tls13_suites.clone(),
        groups,
        key_shares,
        cookie: None,
    };
    let mut transcript = Transcript::new();
    send_client_hello(cx, &config, &offer, &mut transcript)?;
    cx.ccs_allowed = true;
    Ok(Box::new(ExpectServerHello {
        offer,
        transcript,
        retried: false,
    }))
}

/// A libtls client sends shares for its first group and, when that is the post-quantum hybrid,
/// also for X25519, so a server without the hybrid needs no extra round trip.
fn initial_key_shares(groups: &[NamedGroup]) -> Result<Vec<KeyShare>> {
    let mut shares = vec![KeyShare::generate(groups[0])?];
    if groups[0] == NamedGroup::X25519_MLKEM768 && groups.contains(&NamedGroup::X25519) {
        shares.push(KeyShare::generate(NamedGroup::X25519)?);
    }
    Ok(shares)
}

pub fn send_client_hello(
    cx: &mut Common,
    config: &Config,
    offer: &Offer,
    transcript: &mut Transcript,
) -> Result<()> {
    let mut exts = Vec::new();
    if let Some(name) = &offer.options.server_name {
        // RFC 6066 3: literal IP addresses are not permitted in SNI.
        if name.parse::<std::net::IpAddr>().is_err() {
            exts.push(ClientExtension::ServerName(vec![ServerName::HostName(
                name.clone(),
            )]));
        }
    }
    exts.push(ClientExtension::SupportedVersions(vec![
        ProtocolVersion::TLSV1_3,
    ]));
    exts.push(ClientExtension::SupportedGroups(offer.groups.clone()));
    exts.push(ClientExtension::SignatureAlgorithms(
        config.verify_schemes.clone(),
    ));
    exts.push(ClientExtension::KeyShare(
        offer
            .key_shares
            .iter()
            .map(|ks| KeyShareEntry {
                group: ks.group(),
                payload: ks.public_bytes().to_vec(),
            })
            .collect(),
    ));
    exts.push(ClientExtension::PskKeyExchangeModes(vec![
        PskKeyExchangeMode::PSK_DHE_KE,
    ]));
    if let Some(cookie) = &offer.cookie {
        exts.push(ClientExtension::Cookie(cookie.clone()));
    }
    let ch = ClientHello {
        legacy_version: ProtocolVersion::TLSV1_2,
        random: offer.random,
        legacy_session_id: offer.session_id.clone(),
        cipher_suites: offer.suites.clone(),
        compression_methods: vec![0],
        extensions: exts,
    };
    let encoded = HandshakeMessage::ClientHello(ch).encode();
    transcript.add(&encoded);
    cx.send_handshake_bytes(&encoded)
}

pub struct ExpectServerHello {
    pub offer: Offer,
    pub transcript: Transcript,
    pub retried: bool,
}

impl State for ExpectServerHello {
    fn name(&self) -> &'static str {
        "TLS client read server hello"
    }

    fn handle(self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        let (legacy_version, selected, session_id, suite) = match super::decode13(msg)? {
            HandshakeMessage::ServerHello(sh) => (
                sh.legacy_version,
                sh.selected_version(),
                sh.legacy_session_id_echo.clone(),
                sh.cipher_suite,
            ),
            HandshakeMessage::HelloRetryRequest(hrr) => (
                hrr.legacy_version,
                hrr.selected_version(),
                hrr.legacy_session_id_echo.clone(),
                hrr.cipher_suite,
            ),
            _ => return Err(unexpected(self.name(), msg.typ)),
        };
        let version = selected.unwrap_or(legacy_version);
        if version != ProtocolVersion::TLSV1_3 {
            return Err(Error::protocol(
                AlertDescription::PROTOCOL_VERSION,
                Reason::UNSUPPORTED_PROTOCOL,
                format!("the server chose {version}; this client offered only TLSv1.3"),
            ));
        }
        if legacy_version != ProtocolVersion::TLSV1_2 {
            return Err(Error::illegal(
                Reason::BAD_LEGACY_VERSION,
                "TLS 1.3 ServerHello with legacy_version other than TLS 1.2",
            ));
        }
        if session_id != self.offer.session_id {
            return Err(Error::illegal(
                Reason::BAD_PACKET,
                "the server did not echo our legacy_session_id",
            ));
        }
        if !self.offer.suites.contains(&suite) {
            return Err(Error::illegal(
                Reason::WRONG_CIPHER_RETURNED,
                format!("the server chose {suite} which we did not offer"),
            ));
        }
        match super::decode13(msg)? {
            HandshakeMessage::HelloRetryRequest(hrr) => {
                super::client13::handle_hello_retry(*self, cx, hrr, msg)
            }
            HandshakeMessage::ServerHello(sh) => {
                if sh.compression_method != 0 {
                    return Err(Error::illegal(
                        Reason::BAD_PACKET,
                        "the server chose a compression method",
                    ));
                }
                super::client13::handle_server_hello(*self, cx, sh, msg)
            }
            _ => Err(unexpected(self.name(), msg.typ)),
        }
    }
}
