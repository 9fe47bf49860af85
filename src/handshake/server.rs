//! The server's first step: read a ClientHello and decide the protocol version.

use super::{unexpected, State};
use crate::conn::Common;
use crate::error::{Error, Reason, Result};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{AlertDescription, ProtocolVersion};
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
        let version = choose_version(cx, &ch)?;
        cx.ccs_allowed = true;
        match version {
            ProtocolVersion::TLSV1_3 => super::server13::handle_client_hello(cx, ch, msg, None),
            other => Err(Error::internal(format!("version {other} not implemented"))),
        }
    }
}

/// The highest version both sides enable (RFC 8446 4.2.1).
fn choose_version(cx: &Common, ch: &ClientHello) -> Result<ProtocolVersion> {
    let config = &cx.config;
    let offered: Vec<ProtocolVersion> = match ch.supported_versions() {
        Some(list) => list.to_vec(),
        // Without the extension the client speaks at most legacy_version (TLS 1.2 or older).
        None => vec![ch.legacy_version],
    };
    let acceptable = [ProtocolVersion::TLSV1_3];
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
    Err(Error::protocol(
        AlertDescription::PROTOCOL_VERSION,
        Reason::UNSUPPORTED_PROTOCOL,
        format!(
            "no common protocol version: we accept TLSv1.3; the client offered {}",
            if names.is_empty() {
                "nothing".to_string()
            } else {
                names.join(", ")
            }
        ),
    ))
}
