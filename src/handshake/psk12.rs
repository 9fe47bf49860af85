//! TLS 1.2 PSK key exchange in both roles, for the AEAD suites only: plain PSK (RFC 4279 2,
//! RFC 5487, RFC 7905) and ECDHE_PSK (RFC 5489 2, RFC 7905, RFC 8442). No certificates: the
//! server's ServerKeyExchange carries an identity hint (optional with plain PSK; with ECDHE_PSK
//! followed by its unsigned ECDH parameters), the client's ClientKeyExchange its identity (and
//! with ECDHE_PSK its ECDH point). The rest (extended master secret, ChangeCipherSpec,
//! Finished, sessions) is the certificate suites' flow in `client::tls12` and
//! `server::tls12_finish`.
//!
//! This file holds what both roles share (which suites are usable, the premaster secret, the
//! key exchange messages' wire form); the states are `client::psk12` and `server::psk12`, which
//! the TLS 1.2 files enter, so that imports go one way.
//!
//! As in OpenSSL, the PSK suites are offered and chosen only when the application's PSK
//! callback is set (`Config::psk12`), and identities and hints are bounded by OpenSSL's
//! `PSK_MAX_IDENTITY_LEN` (256 bytes; RFC 4279 5.3 asks for at least 128).

use crate::codec::{Reader, Writer};
use crate::config::Config;
use crate::crypto::secret::{Secret, Zeroizing};
use crate::error::{Error, Reason, Result};
use crate::msgs::enums::{AlertDescription, CipherSuite, HandshakeType};
use crate::msgs::handshake::EcdheServerParams;
use crate::role::Role;
use crate::suites;

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
pub(in crate::handshake) fn premaster_secret(
    other_secret: Option<&[u8]>,
    psk: &[u8],
) -> Result<Secret> {
    let zeros = Zeroizing::new(vec![0u8; psk.len()]);
    let other = other_secret.unwrap_or(&zeros);
    let mut w = Writer::with_capacity(4 + other.len() + psk.len());
    w.vec_u16(other);
    w.vec_u16(psk);
    Ok(Secret::new(w.finish()?))
}

/// A handshake message of type `typ` around `body`.
pub(in crate::handshake) fn handshake_message(typ: HandshakeType, body: &[u8]) -> Result<Vec<u8>> {
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
pub(in crate::handshake) fn decode_server_key_exchange(
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
pub(in crate::handshake) fn decode_client_key_exchange(
    body: &[u8],
    ecdhe: bool,
) -> Result<(Vec<u8>, Option<Vec<u8>>)> {
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
pub(in crate::handshake) fn hint_of(hint: &[u8]) -> Option<Vec<u8>> {
    (!hint.is_empty()).then(|| hint.to_vec())
}

#[cfg(test)]
#[path = "psk12_tests.rs"]
mod tests;
