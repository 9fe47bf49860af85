//! The TLS 1.2 server's PSK key exchange (RFC 4279 2, RFC 5489 2): after our ServerHello of a
//! PSK suite, [ServerKeyExchange] and ServerHelloDone, then the client's ClientKeyExchange,
//! whose identity the application's PSK callback looks up; the end of the handshake is
//! [`super::tls12_finish`]. The wire pieces both roles share are [`crate::handshake::psk12`].

use super::tls12_finish as server12;
use crate::codec::Writer;
use crate::config::PskLookup;
use crate::crypto::kx::KeyShare;
use crate::error::{Error, Reason, Result};
use crate::handshake::common::flight::Flight;
use crate::handshake::common::Common;
use crate::handshake::psk12::{
    decode_client_key_exchange, handshake_message, premaster_secret, MAX_IDENTITY_LEN, MAX_PSK_LEN,
};
use crate::handshake::State;
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{AlertDescription, HandshakeType, NamedGroup};
use crate::msgs::handshake::{EcdheServerParams, HandshakeMessage};
use crate::suites::Kx;

/// After our ServerHello of a PSK suite: [ServerKeyExchange] (always with ECDHE_PSK; with
/// plain PSK only to carry a configured hint, as OpenSSL), ServerHelloDone.
pub(super) fn server_flight(
    cx: &mut Common,
    mut hs: server12::Handshake12,
    group: Option<NamedGroup>,
) -> Result<Box<dyn State>> {
    let hint = cx.config.psk12.hint.clone().filter(|h| !h.is_empty());
    if hint.as_ref().is_some_and(|h| h.len() > MAX_IDENTITY_LEN) {
        return Err(Error::local(
            Reason::DATA_LENGTH_TOO_LONG,
            "the PSK identity hint is longer than 256 bytes",
        ));
    }
    let share = match (hs.suite.kx, group) {
        (Some(Kx::EcdhePsk), Some(g)) => Some(KeyShare::generate(g)?),
        (Some(Kx::EcdhePsk), None) => {
            return Err(Error::internal(
                "an ECDHE_PSK suite was chosen without a group",
            ))
        }
        _ => None,
    };
    let mut flight = Flight::new(cx, &mut hs.transcript);
    if share.is_some() || hint.is_some() {
        let mut body = Writer::new();
        body.vec_u16(hint.as_deref().unwrap_or(&[]));
        if let Some(share) = &share {
            EcdheServerParams {
                group: share.group(),
                public: share.public_bytes().to_vec(),
            }
            .encode(&mut body);
        }
        let ske = handshake_message(HandshakeType::SERVER_KEY_EXCHANGE, &body.finish()?)?;
        flight.add_encoded(&ske)?;
    }
    flight.cx.info.psk_identity_hint = hint;
    flight.add(&HandshakeMessage::ServerHelloDone)?;
    Ok(Box::new(ServerExpectKeyExchange { hs, share }))
}

struct ServerExpectKeyExchange {
    hs: server12::Handshake12,
    share: Option<KeyShare>,
}

impl State for ServerExpectKeyExchange {
    fn name(&self) -> &'static str {
        "TLS server read client key exchange"
    }

    fn handle(self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::CLIENT_KEY_EXCHANGE])?;
        let (identity, point) = decode_client_key_exchange(msg.body(), self.share.is_some())?;
        let lookup = cx
            .config
            .psk12
            .server
            .clone()
            .ok_or_else(|| Error::internal("a PSK suite was chosen without a PSK callback"))?;
        let psk = match lookup(&identity) {
            PskLookup::Found(p) => p,
            PskLookup::None => {
                return Err(Error::protocol(
                    AlertDescription::UNKNOWN_PSK_IDENTITY,
                    Reason::PSK_IDENTITY_NOT_FOUND,
                    format!(
                        "the client's PSK identity {:?} is not one our PSK callback knows",
                        String::from_utf8_lossy(&identity)
                    ),
                ))
            }
            PskLookup::Failed => {
                return Err(Error::protocol(
                    AlertDescription::INTERNAL_ERROR,
                    Reason::CALLBACK_FAILED,
                    "the PSK callback failed",
                ))
            }
        };
        if psk.secret.is_empty() || psk.secret.len() > MAX_PSK_LEN {
            return Err(Error::protocol(
                AlertDescription::INTERNAL_ERROR,
                Reason::BAD_PSK,
                format!(
                    "the PSK callback returned a {}-byte key (1 to {MAX_PSK_LEN})",
                    psk.secret.len()
                ),
            ));
        }
        let other = match (self.share, point) {
            (Some(share), Some(point)) => Some(share.complete(&point)?),
            _ => None,
        };
        let pre_master_secret = premaster_secret(other.as_deref(), &psk.secret)?;
        drop(other);
        cx.info.psk_identity = Some(identity);
        let mut hs = self.hs;
        hs.transcript.add(&msg.encoded);
        server12::key_exchange_done(hs, cx, pre_master_secret)
    }
}
