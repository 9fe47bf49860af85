//! TLS 1.2 PSK key exchange in both roles, for the AEAD suites only: plain PSK (RFC 4279 2,
//! RFC 5487, RFC 7905) and ECDHE_PSK (RFC 5489 2, RFC 7905, RFC 8442). No certificates: the
//! server's ServerKeyExchange carries an identity hint (optional with plain PSK; with ECDHE_PSK
//! followed by its unsigned ECDH parameters), the client's ClientKeyExchange its identity (and
//! with ECDHE_PSK its ECDH point). The rest (extended master secret, ChangeCipherSpec,
//! Finished, sessions) is the certificate suites' flow in `client12`/`server12`.
//!
//! As in OpenSSL, the PSK suites are offered and chosen only when the application's PSK
//! callback is set (`Config::psk12`), and identities and hints are bounded by OpenSSL's
//! `PSK_MAX_IDENTITY_LEN` (256 bytes; RFC 4279 5.3 asks for at least 128).

use super::client::tls12 as client12;
use super::server::tls12_finish as server12;
use super::{unexpected, State};
use crate::codec::{Reader, Writer};
use crate::config::{Config, PskLookup};
use crate::crypto::kx::{self, KeyShare};
use crate::crypto::secret::{Secret, Zeroizing};
use crate::error::{Error, Reason, Result};
use crate::handshake::common::flight::Flight;
use crate::handshake::common::Common;
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{AlertDescription, CipherSuite, HandshakeType, NamedGroup};
use crate::msgs::handshake::{EcdheServerParams, HandshakeMessage};
use crate::role::Role;
use crate::suites::{self, Kx};

/// The longest identity or identity hint taken or sent (OpenSSL's `PSK_MAX_IDENTITY_LEN`).
pub const MAX_IDENTITY_LEN: usize = 256;
/// The longest key (OpenSSL's `PSK_MAX_PSK_LEN`).
pub const MAX_PSK_LEN: usize = 512;

/// Whether `suite` may be offered (a client) or chosen (a server) with this configuration: a
/// PSK suite needs the role's TLS 1.2 PSK callback; every other suite passes.
pub fn usable(config: &Config, suite: CipherSuite, role: Role) -> bool {
    match suites::lookup(suite) {
        Some(info) if info.is_psk() => match role {
            Role::Client => config.psk12.client.is_some(),
            Role::Server => config.psk12.server.is_some(),
        },
        _ => true,
    }
}

/// The premaster secret (RFC 4279 2; RFC 5489 2): `other_secret` (N zero bytes for plain PSK,
/// the ECDH shared secret for ECDHE_PSK) and the key, each behind a two-byte length.
fn premaster_secret(other_secret: Option<&[u8]>, psk: &[u8]) -> Result<Secret> {
    let zeros = Zeroizing::new(vec![0u8; psk.len()]);
    let other = other_secret.unwrap_or(&zeros);
    let mut w = Writer::with_capacity(4 + other.len() + psk.len());
    w.vec_u16(other);
    w.vec_u16(psk);
    Ok(Secret::new(w.finish()?))
}

/// A handshake message of type `typ` around `body`.
fn handshake_message(typ: HandshakeType, body: &[u8]) -> Result<Vec<u8>> {
    let mut w = Writer::with_capacity(4 + body.len());
    w.u8(typ.0);
    w.vec_u24(body);
    Ok(w.finish()?)
}

fn too_long(what: &str, len: usize) -> Error {
    Error::protocol(
        AlertDescription::HANDSHAKE_FAILURE,
        Reason::DATA_LENGTH_TOO_LONG,
        format!(
            "the peer's PSK {what} is {len} bytes long, more than the {MAX_IDENTITY_LEN} we take"
        ),
    )
}

/// The server's ServerKeyExchange of a PSK suite: the hint and, for ECDHE_PSK, the ECDH
/// parameters (unsigned).
fn decode_server_key_exchange(
    body: &[u8],
    ecdhe: bool,
) -> Result<(Vec<u8>, Option<EcdheServerParams>)> {
    let mut r = Reader::new(body);
    let hint = r.vec_u16("PSK identity hint")?;
    if hint.len() > MAX_IDENTITY_LEN {
        return Err(too_long("identity hint", hint.len()));
    }
    let params = if ecdhe {
        Some(EcdheServerParams::decode(&mut r)?)
    } else {
        None
    };
    r.finish("ServerKeyExchange")?;
    Ok((hint.to_vec(), params))
}

/// The client's ClientKeyExchange of a PSK suite: the identity and, for ECDHE_PSK, its point.
fn decode_client_key_exchange(body: &[u8], ecdhe: bool) -> Result<(Vec<u8>, Option<Vec<u8>>)> {
    let mut r = Reader::new(body);
    let identity = r.vec_u16("PSK identity")?;
    if identity.len() > MAX_IDENTITY_LEN {
        return Err(too_long("identity", identity.len()));
    }
    let point = if ecdhe {
        let p = r.vec_u8("ECDH public point")?;
        if p.is_empty() {
            return Err(Error::decode("empty ECDH public point"));
        }
        Some(p.to_vec())
    } else {
        None
    };
    r.finish("ClientKeyExchange")?;
    Ok((identity.to_vec(), point))
}

/// A received hint as the application sees it: an empty one is none (as OpenSSL).
fn hint_of(hint: &[u8]) -> Option<Vec<u8>> {
    (!hint.is_empty()).then(|| hint.to_vec())
}

// ---- client ---------------------------------------------------------------------------------

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
                super::decode12(msg)?;
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
                super::decode12(msg)?;
                if ecdhe && self.params.is_none() {
                    return Err(Error::unexpected(
                        "ServerHelloDone without the ServerKeyExchange an ECDHE_PSK suite needs",
                    ));
                }
                super::check_flight_end(msg)?;
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

// ---- server ---------------------------------------------------------------------------------

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
        super::expect_types(self.name(), msg, &[HandshakeType::CLIENT_KEY_EXCHANGE])?;
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

#[cfg(test)]
#[path = "psk12_tests.rs"]
mod tests;
