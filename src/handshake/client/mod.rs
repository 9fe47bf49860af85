//! The client's handshake: the ClientHello and what answers it ([`hs`]), then TLS 1.2
//! ([`tls12`]) or TLS 1.3 ([`tls13`]). This module only hands the ServerHello to the version
//! it selected, so the versions import the hello part and never this module. A TLS 1.2 PSK
//! suite's key exchange ([`psk12`]) is handed to [`tls12`] from here, for the same reason.

pub mod hs;
mod psk12;
pub mod tls12;
pub mod tls13;

pub use hs::start;

use crate::error::{Error, Reason, Result};
use crate::handshake::common::Common;
use crate::handshake::{unexpected, State};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{AlertDescription, HandshakeType, ProtocolVersion};
use crate::msgs::handshake::HandshakeMessage;
use hs::ExpectServerHello;

impl State for ExpectServerHello {
    fn name(&self) -> &'static str {
        "TLS client read server hello"
    }

    fn handle(self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::SERVER_HELLO])?;
        let (legacy_version, selected, session_id, suite) = match crate::handshake::decode13(msg)? {
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
        if selected.is_none()
            && legacy_version == ProtocolVersion::TLSV1_2
            && self.offer.tls12
            && !self.retried
        {
            let HandshakeMessage::ServerHello(sh) = crate::handshake::decode13(msg)? else {
                return Err(Error::illegal(
                    Reason::BAD_HRR_VERSION,
                    "HelloRetryRequest without supported_versions",
                ));
            };
            return tls12::handle_server_hello(
                *self,
                cx,
                sh,
                msg,
                psk12::client_expect_key_exchange,
            );
        }
        // RFC 8446 4.1.4: the ServerHello after a HelloRetryRequest keeps its version.
        if self.retried && selected != Some(ProtocolVersion::TLSV1_3) {
            return Err(Error::illegal(
                Reason::UNSUPPORTED_PROTOCOL,
                match selected {
                    Some(v) => {
                        format!("the ServerHello after HelloRetryRequest selected {v}, not TLSv1.3")
                    }
                    None => "the ServerHello after HelloRetryRequest has no supported_versions"
                        .to_string(),
                },
            ));
        }
        // RFC 8446 4.1.3: with supported_versions, legacy_version is fixed at TLS 1.2. In the
        // first hello another value is a version we do not speak; after a HelloRetryRequest
        // settled TLS 1.3 it is a malformed ServerHello (the reasons BoGo expects for each).
        if selected.is_some() && legacy_version != ProtocolVersion::TLSV1_2 {
            return Err(Error::illegal(
                if self.retried {
                    Reason::BAD_PACKET
                } else {
                    Reason::UNSUPPORTED_PROTOCOL
                },
                format!(
                    "ServerHello legacy_version is {legacy_version} next to supported_versions; \
                     it must be TLSv1.2"
                ),
            ));
        }
        let version = selected.unwrap_or(legacy_version);
        if version != ProtocolVersion::TLSV1_3 || !self.offer.tls13 {
            let offered = match (self.offer.tls13, self.offer.tls12) {
                (true, true) => "TLSv1.3 and TLSv1.2",
                (true, false) => "only TLSv1.3",
                _ => "only TLSv1.2",
            };
            // RFC 8446 4.2.1: supported_versions may only select TLS 1.3 (or a later version);
            // a TLS 1.2 ServerHello has no business carrying it.
            if selected.is_some() && self.offer.tls13 {
                let reason = if version.0 <= ProtocolVersion::TLSV1_2.0 {
                    Reason::UNSOLICITED_EXTENSION
                } else {
                    Reason::UNSUPPORTED_PROTOCOL
                };
                return Err(Error::illegal(
                    reason,
                    format!(
                        "the server's supported_versions selected {version}; we offered {offered}"
                    ),
                ));
            }
            return Err(Error::protocol(
                AlertDescription::PROTOCOL_VERSION,
                Reason::UNSUPPORTED_PROTOCOL,
                format!("the server chose {version}; this client offered {offered}"),
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
        // Our answer (a second ClientHello, or our flight under new keys) comes next.
        crate::handshake::check_flight_end(msg)?;
        match crate::handshake::decode13(msg)? {
            HandshakeMessage::HelloRetryRequest(hrr) => {
                tls13::handle_hello_retry(*self, cx, hrr, msg)
            }
            HandshakeMessage::ServerHello(sh) => {
                if sh.compression_method != 0 {
                    return Err(Error::illegal(
                        Reason::BAD_PACKET,
                        "the server chose a compression method",
                    ));
                }
                tls13::handle_server_hello(*self, cx, sh, msg)
            }
            _ => Err(unexpected(self.name(), msg.typ)),
        }
    }
}
