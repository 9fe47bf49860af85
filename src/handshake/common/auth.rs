//! Peer authentication: the one check of the signature with which the peer proves it holds
//! the key of the certificate it sent (a TLS 1.3 CertificateVerify of either role, a TLS 1.2
//! ServerKeyExchange or client CertificateVerify).

use super::Common;
use crate::crypto::sign;
use crate::error::{Error, Reason, Result};
use crate::msgs::enums::{AlertDescription, SignatureScheme};
use crate::msgs::handshake::DigitallySigned;
use crate::role::Role;

/// A client answered our CertificateRequest with no certificate: fine unless the verify mode
/// requires one (`SSL_VERIFY_FAIL_IF_NO_PEER_CERT`), then `certificate_required` in TLS 1.3
/// (RFC 8446 4.4.2.4) and `handshake_failure` in TLS 1.2 (RFC 5246 7.4.6), as OpenSSL.
pub fn check_no_client_certificate(cx: &Common, tls13: bool) -> Result<()> {
    if !cx.config.verify_mode.fail_if_no_peer_cert {
        return Ok(());
    }
    let alert = if tls13 {
        AlertDescription::CERTIFICATE_REQUIRED
    } else {
        AlertDescription::HANDSHAKE_FAILURE
    };
    Err(Error::protocol(
        alert,
        Reason::PEER_DID_NOT_RETURN_A_CERTIFICATE,
        "the client sent no certificate, and this server requires one",
    ))
}

/// What the peer's signature covers.
#[derive(Clone, Copy, Debug)]
pub enum SignedContent<'a> {
    /// TLS 1.3: the transcript hash up to the CertificateVerify, behind the context string of
    /// the peer's role (RFC 8446 4.4.3).
    Tls13Transcript(&'a [u8]),
    /// TLS 1.2: these bytes as they are: the randoms and the key exchange parameters of a
    /// ServerKeyExchange (RFC 5246 7.4.3), every handshake message before a client's
    /// CertificateVerify (RFC 5246 7.4.8).
    Tls12(&'a [u8]),
}

/// Checks the peer's `signed`: its scheme is one we `offered` (our signature_algorithms, or
/// those of our CertificateRequest), else `illegal_parameter` (`WRONG_SIGNATURE_TYPE`); it
/// verifies with the key of the peer's leaf certificate over `content`, else the alert and
/// reason [`sign::verify_signature`] gives (the scheme not usable with that key or in this
/// version, a signature that does not verify). Records the peer's scheme
/// (`SSL_get_peer_signature_type_nid`).
pub fn check_peer_signature(
    cx: &mut Common,
    offered: &[SignatureScheme],
    signed: &DigitallySigned,
    content: SignedContent<'_>,
) -> Result<()> {
    let scheme = signed.scheme;
    let peer_is_server = cx.role == Role::Client;
    if !offered.contains(&scheme) {
        let detail = if peer_is_server {
            format!("the server signed with {scheme}, which we did not offer")
        } else {
            format!("the client signed with {scheme}, which our CertificateRequest did not offer")
        };
        return Err(Error::illegal(Reason::WRONG_SIGNATURE_TYPE, detail));
    }
    let leaf = cx.info.peer_chain.first().ok_or_else(|| {
        Error::internal(if peer_is_server {
            "no peer certificate"
        } else {
            "no client certificate"
        })
    })?;
    match content {
        SignedContent::Tls13Transcript(hash) => {
            let message = sign::tls13_signed_message(peer_is_server, hash);
            sign::verify_signature(scheme, leaf, &message, &signed.signature, true)?;
        }
        SignedContent::Tls12(message) => {
            sign::verify_signature(scheme, leaf, message, &signed.signature, false)?;
        }
    }
    cx.info.peer_signature_scheme = Some(scheme);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::testing::pki::{certified_key, chain};
    use std::sync::Arc;

    const SCHEME: SignatureScheme = SignatureScheme::ECDSA_NISTP256_SHA256;

    /// A connection of `role` whose peer sent the chain of `peer`.
    fn common(role: Role, peer: &str) -> Common {
        let mut cx = Common::new(role, Arc::new(Config::default()));
        cx.info.peer_chain = Arc::new(chain(peer));
        cx
    }

    fn signed(peer: &str, message: &[u8]) -> DigitallySigned {
        let signature = certified_key(peer).key.sign(SCHEME, message).unwrap();
        DigitallySigned {
            scheme: SCHEME,
            signature,
        }
    }

    #[test]
    fn a_tls13_signature_is_checked_under_the_peer_role_context() {
        let hash = [0x5a; 32];
        // The server signs as a server; a client checks it as the server's.
        let by_server = signed(
            "server-ecdsa-p256",
            &sign::tls13_signed_message(true, &hash),
        );
        let mut client = common(Role::Client, "server-ecdsa-p256");
        let content = SignedContent::Tls13Transcript(&hash);
        check_peer_signature(&mut client, &[SCHEME], &by_server, content).unwrap();
        assert_eq!(client.info.peer_signature_scheme, Some(SCHEME));
        // The same bytes as a client's CertificateVerify: the context string differs.
        let mut server = common(Role::Server, "server-ecdsa-p256");
        let e = check_peer_signature(&mut server, &[SCHEME], &by_server, content).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::DECRYPT_ERROR));
        assert_eq!(server.info.peer_signature_scheme, None);
        // Another transcript.
        let other = SignedContent::Tls13Transcript(&[0xa5; 32]);
        let e = check_peer_signature(&mut client, &[SCHEME], &by_server, other).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::DECRYPT_ERROR));
    }

    #[test]
    fn a_tls12_signature_covers_the_bytes_as_they_are() {
        let messages = b"every handshake message so far";
        let by_client = signed("client-ecdsa-p256", messages);
        let mut server = common(Role::Server, "client-ecdsa-p256");
        let content = SignedContent::Tls12(messages);
        check_peer_signature(&mut server, &[SCHEME], &by_client, content).unwrap();
        assert_eq!(server.info.peer_signature_scheme, Some(SCHEME));
        let e = check_peer_signature(
            &mut server,
            &[SCHEME],
            &by_client,
            SignedContent::Tls12(b"other messages"),
        )
        .unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::DECRYPT_ERROR));
    }

    #[test]
    fn no_client_certificate_fails_only_when_one_is_required() {
        use crate::config::VerifyMode;
        let mut config = Config {
            verify_mode: VerifyMode::PEER,
            ..Config::default()
        };
        let cx = Common::new(Role::Server, Arc::new(config.clone()));
        check_no_client_certificate(&cx, true).unwrap();
        check_no_client_certificate(&cx, false).unwrap();
        config.verify_mode = VerifyMode::REQUIRE_PEER_CERT;
        let cx = Common::new(Role::Server, Arc::new(config));
        for (tls13, alert) in [
            (true, AlertDescription::CERTIFICATE_REQUIRED),
            (false, AlertDescription::HANDSHAKE_FAILURE),
        ] {
            let e = check_no_client_certificate(&cx, tls13).unwrap_err();
            assert_eq!(e.alert, Some(alert));
            assert_eq!(e.reason, Reason::PEER_DID_NOT_RETURN_A_CERTIFICATE);
        }
    }

    #[test]
    fn a_scheme_we_did_not_offer_is_wrong_signature_type() {
        let by_server = signed("server-ecdsa-p256", b"params");
        for role in [Role::Client, Role::Server] {
            let mut cx = common(role, "server-ecdsa-p256");
            let offered = [SignatureScheme::ED25519];
            let content = SignedContent::Tls12(b"params");
            let e = check_peer_signature(&mut cx, &offered, &by_server, content).unwrap_err();
            assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
            assert_eq!(e.reason, Reason::WRONG_SIGNATURE_TYPE);
            assert_eq!(cx.info.peer_signature_scheme, None);
        }
    }
}
