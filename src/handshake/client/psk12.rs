//! The TLS 1.2 client's PSK key exchange (RFC 4279 2, RFC 5489 2): after a PSK suite's
//! ServerHello, the server's [ServerKeyExchange] and ServerHelloDone, then our
//! ClientKeyExchange with the identity the application's PSK callback gives, and the end of
//! the handshake in [`super::tls12`]. The wire pieces both roles share are
//! [`crate::handshake::psk12`]; [`super`] enters these states after the ServerHello.

use super::tls12 as client12;
use crate::codec::Writer;
use crate::config::PskLookup;
use crate::crypto::kx::{self};
use crate::error::{Error, Reason, Result};
use crate::handshake::common::Common;
use crate::handshake::psk12::{
    decode_server_key_exchange, handshake_message, hint_of, premaster_secret, MAX_IDENTITY_LEN,
    MAX_PSK_LEN,
};
use crate::handshake::{unexpected, State};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{AlertDescription, HandshakeType};
use crate::msgs::handshake::EcdheServerParams;
use crate::suites::Kx;

/// After the ServerHello of a PSK suite: [ServerKeyExchange], ServerHelloDone.
pub(super) fn client_expect_key_exchange(hs: client12::Handshake12) -> Box<dyn State> {
    Box::new(ClientExpectKeyExchange {
        hs,
        hint: None,
        params: None,
        seen_key_exchange: false,
    })
}

struct ClientExpectKeyExchange {
    hs: client12::Handshake12,
    hint: Option<Vec<u8>>,
    params: Option<EcdheServerParams>,
    seen_key_exchange: bool,
}

impl State for ClientExpectKeyExchange {
    fn name(&self) -> &'static str {
        if self.seen_key_exchange {
            "TLS client read server done"
        } else {
            "TLS client read server key exchange"
        }
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        let ecdhe = self.hs.suite.kx == Some(Kx::EcdhePsk);
        match msg.typ {
            HandshakeType::HELLO_REQUEST => {
                crate::handshake::decode12(msg)?;
                Ok(self)
            }
            HandshakeType::SERVER_KEY_EXCHANGE if !self.seen_key_exchange => {
                let (hint, params) = decode_server_key_exchange(msg.body(), ecdhe)?;
                if let Some(p) = &params {
                    if !kx::usable_in_tls12(p.group) || !self.hs.offered_groups.contains(&p.group) {
                        return Err(Error::illegal(
                            Reason::WRONG_CURVE,
                            format!("the server chose {}, which we did not offer", p.group),
                        ));
                    }
                    cx.info.group = Some(p.group);
                    cx.info.peer_key_share = Some(p.public.clone());
                }
                self.hs.transcript.add(&msg.encoded);
                self.hint = hint_of(&hint);
                self.params = params;
                self.seen_key_exchange = true;
                Ok(self)
            }
            HandshakeType::SERVER_HELLO_DONE => {
                crate::handshake::decode12(msg)?;
                if ecdhe && self.params.is_none() {
                    return Err(Error::unexpected(
                        "ServerHelloDone without the ServerKeyExchange an ECDHE_PSK suite needs",
                    ));
                }
                crate::handshake::check_flight_end(msg)?;
                self.hs.transcript.add(&msg.encoded);
                client_flight(*self, cx)
            }
            // RFC 4279 2: a PSK server sends no Certificate or CertificateRequest.
            _ => Err(unexpected(self.name(), msg.typ)),
        }
    }
}

/// ClientKeyExchange with our identity (and ECDH point), ChangeCipherSpec, Finished.
fn client_flight(st: ClientExpectKeyExchange, cx: &mut Common) -> Result<Box<dyn State>> {
    let lookup = cx
        .config
        .psk12
        .client
        .clone()
        .ok_or_else(|| Error::internal("a PSK suite was offered without a PSK callback"))?;
    let psk = match lookup(st.hint.as_deref()) {
        PskLookup::Found(p) => p,
        PskLookup::None => {
            return Err(Error::protocol(
                AlertDescription::HANDSHAKE_FAILURE,
                Reason::PSK_IDENTITY_NOT_FOUND,
                "the server chose a PSK cipher suite but our PSK callback has no key for it",
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
    if psk.identity.len() > MAX_IDENTITY_LEN
        || psk.secret.is_empty()
        || psk.secret.len() > MAX_PSK_LEN
    {
        return Err(Error::protocol(
            AlertDescription::INTERNAL_ERROR,
            Reason::BAD_PSK,
            format!(
                "the PSK callback returned a {}-byte identity and a {}-byte key (at most \
                 {MAX_IDENTITY_LEN} and 1 to {MAX_PSK_LEN})",
                psk.identity.len(),
                psk.secret.len()
            ),
        ));
    }
    let mut body = Writer::new();
    body.vec_u16(&psk.identity);
    let other = match &st.params {
        Some(p) => {
            let (public, shared) = kx::respond(p.group, &p.public)?;
            body.vec_u8(&public);
            Some(shared)
        }
        None => None,
    };
    let pre_master_secret = premaster_secret(other.as_deref(), &psk.secret)?;
    drop(other);
    let cke = handshake_message(HandshakeType::CLIENT_KEY_EXCHANGE, &body.finish()?)?;
    cx.info.psk_identity = Some(psk.identity);
    cx.info.psk_identity_hint = st.hint;
    let mut hs = st.hs;
    let master = client12::send_key_exchange(&mut hs, cx, &cke, pre_master_secret)?;
    hs.transcript.drop_buffer();
    client12::send_finished(hs, cx, master)
}
