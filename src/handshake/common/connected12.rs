//! The state both roles share once a TLS 1.2 handshake is complete (RFC 5246 7.2.2: renegotiation
//! declined).

use crate::crypto::secret::Secret;
use crate::error::{Error, Reason, Result};
use crate::handshake::common::Common;
use crate::handshake::{decode12, unexpected, State};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{AlertDescription, AlertLevel, HandshakeType};
use crate::role::Role;
use crate::suites::SuiteInfo;

/// After a TLS 1.2 handshake, in either role. Renegotiation is refused: a HelloRequest (to a
/// client) or a ClientHello (to a server) gets a `no_renegotiation` warning (RFC 5246 7.2.2)
/// and the connection goes on. Once our close_notify is out no warning can follow it, so the
/// request cannot be declined and ends the connection (NO_RENEGOTIATION, as BoringSSL).
pub(crate) struct Connected12 {
    /// Kept for keying-material export (RFC 5705).
    #[allow(dead_code)]
    pub master: Secret,
}

impl Connected12 {
    /// The state after a completed TLS 1.2 handshake in either role; makes the connection's
    /// exporter (RFC 5705) from the master secret and both randoms.
    pub(crate) fn after(cx: &mut Common, suite: &SuiteInfo, master: Secret) -> Box<Self> {
        cx.exporter = Some(crate::exporter::Exporter::Tls12 {
            hash: suite.hash,
            master: master.clone(),
            client_random: cx.client_random,
            server_random: cx.server_random,
        });
        Box::new(Connected12 { master })
    }
}

impl State for Connected12 {
    fn name(&self) -> &'static str {
        "SSL negotiation finished successfully"
    }

    fn handle(self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        let asks_for_renegotiation = matches!(
            (cx.role, msg.typ),
            (Role::Client, HandshakeType::HELLO_REQUEST)
                | (Role::Server, HandshakeType::CLIENT_HELLO)
        );
        if !asks_for_renegotiation {
            return Err(unexpected(self.name(), msg.typ));
        }
        // Malformed requests are still errors; well-formed ones are declined.
        decode12(msg)?;
        if cx.sent_close_notify {
            return Err(Error::local(
                Reason::NO_RENEGOTIATION,
                "the peer asked to renegotiate after our close_notify, when no refusal can be sent",
            ));
        }
        cx.send_alert(AlertLevel::WARNING, AlertDescription::NO_RENEGOTIATION);
        Ok(self)
    }
}
