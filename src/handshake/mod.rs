//! Handshake state machines. Each state is a type that handles exactly the messages valid at
//! that step and returns the next state; anything else is `unexpected_message`.

pub mod client;
pub mod common;
pub mod ocsp;
pub mod pha;
pub mod psk12;
pub mod server;

use crate::config::CertifiedKey;
use crate::crypto::hash::HashAlg;
use crate::error::{Error, Reason, Result};
use crate::handshake::common::Common;
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{AlertDescription, SignatureScheme};
use crate::msgs::enums::{HandshakeType, ProtocolVersion};
use crate::msgs::handshake::HandshakeMessage;
use crate::session::Session;
use crate::verify::{self, PeerIdentity, Usage};
use std::sync::Arc;

pub trait State: Send {
    /// Handles one complete handshake message.
    fn handle(self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>>;

    /// The state's name, in OpenSSL's `SSL_state_string_long` spirit.
    fn name(&self) -> &'static str;

    /// Handles a TLS 1.2 ChangeCipherSpec (the connection has checked its form). Only the
    /// states that wait for the peer's key change accept it.
    fn handle_change_cipher_spec(self: Box<Self>, _cx: &mut Common) -> Result<Box<dyn State>> {
        Err(Error::protocol(
            crate::msgs::enums::AlertDescription::UNEXPECTED_MESSAGE,
            crate::error::Reason::CCS_RECEIVED_EARLY,
            format!("ChangeCipherSpec received while {}", self.name()),
        ))
    }

    /// Goes on after this state paused the handshake for the application
    /// ([`crate::handshake::common::Pause`]). Only the states that pause accept it.
    fn resume(self: Box<Self>, _cx: &mut Common) -> Result<Box<dyn State>> {
        Err(Error::internal(format!(
            "resumed while {}, which does not wait for the application",
            self.name()
        )))
    }

    /// Sends a TLS 1.3 KeyUpdate and switches our sending keys; `request_peer` asks the peer to
    /// update its keys too. Only an established TLS 1.3 connection can.
    fn send_key_update(&mut self, _cx: &mut Common, _request_peer: bool) -> Result<()> {
        Err(Error::local(
            crate::error::Reason::BAD_HANDSHAKE_STATE,
            "KeyUpdate needs an established TLS 1.3 connection",
        ))
    }

    /// A TLS 1.3 server sends a post-handshake CertificateRequest (RFC 8446 4.6.2). Only an
    /// established TLS 1.3 server connection can.
    fn request_client_certificate(&mut self, _cx: &mut Common) -> Result<()> {
        Err(Error::local(
            crate::error::Reason::WRONG_SSL_VERSION,
            "post-handshake authentication needs an established TLS 1.3 connection",
        ))
    }
}

/// The error when the certificate callback fails (OpenSSL's `SSL_R_CERT_CB_ERROR`, with an
/// `internal_error` alert).
pub fn certificate_callback_failed() -> Error {
    Error::protocol(
        AlertDescription::INTERNAL_ERROR,
        Reason::CERT_CB_ERROR,
        "the application's certificate callback failed",
    )
}

/// A client asked for a certificate runs the certificate callback, if any, before it chooses
/// one; the chain and key the callback set are then among those it chooses from. A client
/// cannot pause here: a callback that asks to be called again fails the handshake.
pub fn client_certificate_callback(cx: &mut Common) -> Result<()> {
    use crate::config::CertCallbackOutcome;
    let Some(callback) = cx.config.cert_callback.clone() else {
        return Ok(());
    };
    let decision = callback();
    match decision.outcome {
        CertCallbackOutcome::Continue => {
            if let Some(settings) = decision.settings {
                cx.config = Arc::new(cx.config.after_server_name(&settings));
            }
            Ok(())
        }
        CertCallbackOutcome::Fail => Err(certificate_callback_failed()),
        CertCallbackOutcome::Retry => Err(Error::protocol(
            crate::msgs::enums::AlertDescription::INTERNAL_ERROR,
            crate::error::Reason::CERT_CB_ERROR,
            "the certificate callback asked to be called again (-1); a libtls client cannot \
             pause for it: return 1 once the certificate is set",
        )),
    }
}

/// The error for a message the current state does not accept.
pub fn unexpected(state: &str, got: HandshakeType) -> Error {
    Error::unexpected(format!("received {got} while {state}"))
}

/// Rejects handshake bytes the peer sent behind a message that ends its flight or precedes a
/// key change (ClientHello, HelloRetryRequest, a TLS 1.3 ServerHello, ServerHelloDone,
/// Finished): the peer cannot have had our answer yet, so those bytes break the message order
/// (RFC 8446 5.1: no message may straddle a key change; RFC 5246 7.4: flights alternate).
pub fn check_flight_end(msg: &JoinedMessage) -> Result<()> {
    if msg.data_follows {
        return Err(Error::unexpected(format!(
            "more handshake data in the same record after {}, which must end the peer's flight",
            msg.typ
        )));
    }
    Ok(())
}

/// Checks a message's type against those the current state accepts, before its body is
/// decoded (RFC 8446 4, RFC 5246 7.4): a message out of order is `unexpected_message` whatever
/// its body holds, not a decode error of a body no state wanted.
pub fn expect_types(state: &str, msg: &JoinedMessage, accepted: &[HandshakeType]) -> Result<()> {
    if accepted.contains(&msg.typ) {
        Ok(())
    } else {
        Err(unexpected(state, msg.typ))
    }
}

/// A Finished whose verify_data is not `expected_len` bytes long is malformed (RFC 8446 4.4.4,
/// RFC 5246 7.4.9): `decode_error`, not the `decrypt_error` of a right-sized wrong value.
pub fn check_finished_len(verify_data: &[u8], expected_len: usize) -> Result<()> {
    if verify_data.len() != expected_len {
        return Err(Error::decode(format!(
            "Finished of {} bytes; its verify_data is {expected_len} bytes",
            verify_data.len()
        )));
    }
    Ok(())
}

/// Decodes a TLS 1.3 handshake message body by its type.
pub fn decode13(msg: &JoinedMessage) -> Result<HandshakeMessage> {
    HandshakeMessage::decode(msg.typ, msg.body(), ProtocolVersion::TLSV1_3)
}

/// Decodes a TLS 1.2 handshake message body by its type.
pub fn decode12(msg: &JoinedMessage) -> Result<HandshakeMessage> {
    HandshakeMessage::decode(msg.typ, msg.body(), ProtocolVersion::TLSV1_2)
}

/// `N` random bytes from the system's secure random generator (fixed under the fuzzing seam).
pub use crate::crypto::rand::random_array as random_bytes;

/// Verifies the peer's chain (leaf first), makes it the connection's `peer_chain` and records
/// the `X509_V_*` result. The configured verify callback, if any, sees each step and may
/// overrule the verdict. With `SSL_VERIFY_PEER` unset a failure is only recorded, as OpenSSL
/// does; otherwise it ends the handshake with the alert the failure calls for. Servers verify
/// clients with `Usage::ClientAuth` and no identity.
pub fn verify_peer_chain(
    cx: &mut Common,
    chain: &[Vec<u8>],
    usage: Usage,
    identity: Option<&PeerIdentity>,
) -> Result<()> {
    crate::limits::check_chain_len(chain.len())?;
    let config = cx.config.clone();
    // The peer's chain from now on (callers need not set it), kept even when verification
    // fails: the diagnosis and SSL_get_peer_cert_chain show it, the verified chain refers to it.
    // A copy of exactly its size: the caller's may have spare capacity.
    if cx.info.peer_chain.as_slice() != chain {
        cx.info.peer_chain = std::sync::Arc::new(chain.to_vec());
    }
    let live_roots = config.roots_source.as_ref().and_then(|source| source());
    let roots = live_roots.as_deref().unwrap_or(&config.roots);
    let checked = verify::verify_peer(
        roots,
        chain,
        identity,
        usage,
        pki_types::UnixTime::now(),
        config.verify_depth,
        config.verify_callback.as_ref(),
    );
    cx.info.verified_chain = verify::VerifiedChain::new(checked.verified_chain, chain, roots);
    match checked.verdict {
        verify::Verdict::Accepted(code) => {
            cx.info.verify_result = code;
            Ok(())
        }
        verify::Verdict::Rejected(failure) => {
            cx.info.verify_result = failure.code;
            if config.verify_mode.peer {
                Err(failure.into_error())
            } else {
                Ok(())
            }
        }
    }
}

/// Whether a server may resume `session` under its current settings as far as client
/// authentication goes: a session made without a client certificate never resumes while this
/// server requires one (`SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT`), whatever context
/// or name it came from; the full handshake then asks for the certificate.
pub fn session_meets_client_auth(config: &crate::config::Config, session: &Session) -> bool {
    !config.verify_mode.requires_peer_cert() || !session.peer_chain.is_empty()
}

/// Our certificate for a peer that accepts `schemes`: the first configured chain whose key can
/// sign with one of them (servers answering ClientHello, clients answering CertificateRequest).
pub fn choose_certified_key(
    certs: &[Arc<CertifiedKey>],
    schemes: &[SignatureScheme],
    tls13: bool,
) -> Option<(Arc<CertifiedKey>, SignatureScheme)> {
    certs
        .iter()
        .find_map(|c| c.key.choose_scheme(schemes, tls13).map(|s| (c.clone(), s)))
}

/// The scheme a client signs its CertificateVerify with, of those the server `offered`: with
/// `SSL_CTX_set1_client_sigalgs_list` set, the first of that list the key can use, else the key's
/// own preference.
pub fn client_auth_scheme(
    config: &crate::config::Config,
    key: &crate::crypto::sign::SigningKey,
    offered: &[SignatureScheme],
    tls13: bool,
) -> Option<SignatureScheme> {
    match &config.client_auth_schemes {
        None => key.choose_scheme(offered, tls13),
        Some(ours) => ours
            .iter()
            .copied()
            .find(|s| offered.contains(s) && key.can_sign(*s, tls13)),
    }
}

/// A client's certificate for a CertificateRequest offering `offered`: the first of `certs`
/// that can sign with a scheme [`client_auth_scheme`] allows.
pub fn choose_client_certified_key(
    config: &crate::config::Config,
    certs: &[Arc<CertifiedKey>],
    offered: &[SignatureScheme],
    tls13: bool,
) -> Option<(Arc<CertifiedKey>, SignatureScheme)> {
    certs
        .iter()
        .find_map(|c| client_auth_scheme(config, &c.key, offered, tls13).map(|s| (c.clone(), s)))
}

/// The suites both sides enable, best first: in the client's order, as OpenSSL does by
/// default, or in ours with `SSL_OP_CIPHER_SERVER_PREFERENCE`.
pub fn suites_in_preference_order(
    config: &crate::config::Config,
    ours: &[crate::msgs::enums::CipherSuite],
    theirs: &[crate::msgs::enums::CipherSuite],
) -> Vec<crate::msgs::enums::CipherSuite> {
    let (first, second) = if config.options.server_preference {
        (ours, theirs)
    } else {
        (theirs, ours)
    };
    first
        .iter()
        .copied()
        .filter(|s| second.contains(s))
        .collect()
}

pub use crate::crypto::rand::verify_mac;

/// The hash of the empty string, used by "derived" secrets.
pub fn empty_hash(alg: HashAlg) -> Vec<u8> {
    alg.hash(&[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Reason;
    use crate::msgs::deframer::HandshakeJoiner;
    use crate::msgs::enums::AlertDescription;

    #[test]
    fn flight_end_rejects_data_behind_it_only() {
        // A Finished, then the first bytes of another message in the same push.
        let mut joiner = HandshakeJoiner::new();
        let mut bytes = vec![20, 0, 0, 2, 0xaa, 0xbb];
        joiner.push(&bytes).unwrap();
        let alone = joiner.next_message().unwrap();
        check_flight_end(&alone).unwrap();

        bytes.extend_from_slice(&[4, 0]);
        joiner.push(&bytes).unwrap();
        let followed = joiner.next_message().unwrap();
        let e = check_flight_end(&followed).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::UNEXPECTED_MESSAGE));
        assert_eq!(e.reason, Reason::UNEXPECTED_MESSAGE);
    }
}
