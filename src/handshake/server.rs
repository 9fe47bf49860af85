//! The server's first step: read a ClientHello and decide the protocol version.

use super::{unexpected, State};
use crate::conn::Common;
use crate::error::{Error, Reason, Result};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{AlertDescription, CipherSuite, ProtocolVersion};
use crate::msgs::handshake::{ClientHello, HandshakeMessage};

pub fn start(_cx: &Common) -> Box<dyn State> {
    Box::new(ExpectClientHello)
}

pub struct ExpectClientHello;

impl State for ExpectClientHello {
    fn name(&self) -> &'static str {
        "TLS server read client hello"
    }

    fn handle(self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        let HandshakeMessage::ClientHello(ch) = super::decode13(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        cx.client_random = ch.random;
        cx.evidence.peer_offer = Some(crate::diagnosis::OfferSummary::from_client_hello(&ch));
        let version = choose_version(cx, &ch)?;
        cx.ccs_allowed = true;
        match version {
            ProtocolVersion::TLSV1_3 => super::server13::handle_client_hello(cx, ch, msg, None),
            ProtocolVersion::TLSV1_2 => super::server12::handle_client_hello(cx, ch, msg),
            other => Err(Error::internal(format!("version {other} not implemented"))),
        }
    }
}

/// The highest version both sides enable (RFC 8446 4.2.1); TLS 1.1 and older never.
fn choose_version(cx: &Common, ch: &ClientHello) -> Result<ProtocolVersion> {
    let config = &cx.config;
    let offered: Vec<ProtocolVersion> = match ch.supported_versions() {
        Some(list) => list.to_vec(),
        // Without the extension the client speaks at most legacy_version, and any version up to
        // it (RFC 5246 E.1), so a higher legacy_version still allows TLS 1.2.
        None if ch.legacy_version.0 >= ProtocolVersion::TLSV1_2.0 => vec![ProtocolVersion::TLSV1_2],
        None => vec![ch.legacy_version],
    };
    let acceptable = [ProtocolVersion::TLSV1_3, ProtocolVersion::TLSV1_2];
    // RFC 7507: a client retrying with a lower version than it supports says so; if we could
    // have done better, someone interfered with the first attempt.
    if ch.offers_cipher_suite(CipherSuite::TLS_FALLBACK_SCSV) {
        let client_max = offered
            .iter()
            .filter(|v| !crate::msgs::enums::is_grease(v.0))
            .map(|v| v.0)
            .max()
            .unwrap_or(0);
        let ours = acceptable.iter().find(|v| config.supports_version(**v));
        if let Some(ours) = ours.filter(|v| v.0 > client_max) {
            return Err(Error::protocol(
                AlertDescription::INAPPROPRIATE_FALLBACK,
                Reason::INAPPROPRIATE_FALLBACK,
                format!(
                    "the client signals a fallback (TLS_FALLBACK_SCSV) to 0x{client_max:04x} \
                     but we support {ours}: a downgrade attack or a broken middlebox"
                ),
            ));
        }
    }
    for v in acceptable {
        if config.supports_version(v) && offered.contains(&v) {
            return Ok(v);
        }
    }
    let names: Vec<String> = offered
        .iter()
        .filter(|v| !crate::msgs::enums::is_grease(v.0))
        .map(|v| v.to_string())
        .collect();
    let ours: Vec<String> = acceptable
        .iter()
        .filter(|v| config.supports_version(**v))
        .map(|v| v.to_string())
        .collect();
    Err(Error::protocol(
        AlertDescription::PROTOCOL_VERSION,
        Reason::UNSUPPORTED_PROTOCOL,
        format!(
            "no common protocol version: we accept {}; the client offered {}",
            if ours.is_empty() {
                "nothing".to_string()
            } else {
                ours.join(", ")
            },
            if names.is_empty() {
                "nothing".to_string()
            } else {
                names.join(", ")
            }
        ),
    ))
}
