//! TLS 1.3 post-handshake client authentication (RFC 8446 4.2.6, 4.6.2): the server's
//! CertificateRequest after the handshake and the client's Certificate, CertificateVerify and
//! Finished in answer, each keyed to the client's current application traffic secret and to
//! the handshake transcript plus the request (RFC 8446 4.4).

use super::{decode13, unexpected};
use crate::config::Config;
use crate::crypto::hash::Transcript;
use crate::crypto::key_schedule::Prk;
use crate::crypto::secret::Secret;
use crate::error::{Error, Reason, Result};
use crate::handshake::common::auth::{
    check_no_client_certificate, check_peer_signature, SignedContent,
};
use crate::handshake::common::flight::{emit_finished13, Flight};
use crate::handshake::common::Common;
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{AlertDescription, HandshakeType, SignatureScheme};
use crate::msgs::extensions::CertificateRequestExtension;
use crate::msgs::handshake::{CertificateRequestTls13, HandshakeMessage};
use crate::suites::SuiteInfo;
use crate::verify::Usage;
use std::sync::Arc;

/// Length of the certificate_request_context a libtls server sends (random, so unique within
/// the connection, as RFC 8446 4.3.2 asks; OpenSSL sends 32 bytes too).
const CONTEXT_LEN: usize = 32;

/// What a server's post-handshake CertificateRequest waits for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Certificate,
    CertificateVerify,
    Finished,
}

/// A server's post-handshake CertificateRequest and the client's answer so far.
pub struct PendingRequest {
    context: Vec<u8>,
    schemes: Vec<SignatureScheme>,
    /// The handshake transcript, the request and the client's answer so far.
    transcript: Transcript,
    expect: Expect,
}

/// Sends a post-handshake CertificateRequest; `handshake` is the transcript up to the client's
/// Finished (`None` when the client did not offer post-handshake authentication).
pub fn send_request(
    cx: &mut Common,
    handshake: Option<&Transcript>,
    pending: Option<&PendingRequest>,
) -> Result<PendingRequest> {
    let Some(handshake) = handshake.filter(|_| cx.info.post_handshake_auth) else {
        return Err(Error::local(
            Reason::EXTENSION_NOT_RECEIVED,
            "the client did not offer post-handshake authentication (post_handshake_auth)",
        ));
    };
    if pending.is_some() {
        // The request goes out at once, so it is never merely queued (REQUEST_PENDING).
        return Err(Error::local(
            Reason::REQUEST_SENT,
            "a post-handshake CertificateRequest is still waiting for its answer",
        ));
    }
    let config: Arc<Config> = cx.config.clone();
    if !config.verify_mode.peer {
        return Err(Error::local(
            Reason::INVALID_CONFIG,
            "post-handshake authentication needs SSL_VERIFY_PEER in the verify mode",
        ));
    }
    let schemes = config.tls13_client_auth_schemes();
    if schemes.is_empty() {
        return Err(Error::local(
            Reason::NO_SUITABLE_SIGNATURE_ALGORITHM,
            "no configured client-authentication signature scheme is allowed in TLS 1.3",
        ));
    }
    let context = super::random_bytes::<CONTEXT_LEN>()?.to_vec();
    let mut extensions = vec![CertificateRequestExtension::SignatureAlgorithms(
        schemes.clone(),
    )];
    if !config.client_ca_names.is_empty() {
        extensions.push(CertificateRequestExtension::CertificateAuthorities(
            config.client_ca_names.clone(),
        ));
    }
    let mut transcript = handshake.clone();
    Flight::new(cx, &mut transcript).add(&HandshakeMessage::CertificateRequestTls13(
        CertificateRequestTls13 {
            context: context.clone(),
            extensions,
        },
    ))?;
    Ok(PendingRequest {
        context,
        schemes,
        transcript,
        expect: Expect::Certificate,
    })
}

/// A client's Finished after its post-handshake Certificate (and CertificateVerify), keyed to
/// its current application traffic secret (RFC 8446 4.4). It is not the connection's Finished
/// (`SSL_get_finished` still gives the handshake's).
pub fn emit_finished(
    flight: &mut Flight<'_>,
    suite: &SuiteInfo,
    client_app: &Secret,
) -> Result<()> {
    let key = Prk::new(suite.hash, client_app).finished_key();
    emit_finished13(flight, &key).map(drop)
}

/// A server handles one message of the client's answer; `None` once the answer is complete.
pub fn server_answer(
    cx: &mut Common,
    suite: &SuiteInfo,
    client_app: &Secret,
    mut p: PendingRequest,
    msg: &JoinedMessage,
) -> Result<Option<PendingRequest>> {
    const STATE: &str = "TLS server read post-handshake client authentication";
    let wanted = match p.expect {
        Expect::Certificate => HandshakeType::CERTIFICATE,
        Expect::CertificateVerify => HandshakeType::CERTIFICATE_VERIFY,
        Expect::Finished => HandshakeType::FINISHED,
    };
    super::expect_types(STATE, msg, &[wanted])?;
    match decode13(msg)? {
        HandshakeMessage::CertificateTls13(cert) => {
            // RFC 8446 4.4.2: the context of the request this answers.
            if cert.context != p.context {
                return Err(Error::illegal(
                    Reason::BAD_PACKET,
                    "the client's Certificate does not echo our certificate_request_context",
                ));
            }
            p.transcript.add(&msg.encoded);
            if cert.entries.is_empty() {
                check_no_client_certificate(cx, true)?;
                p.expect = Expect::Finished;
                return Ok(Some(p));
            }
            let chain: Vec<Vec<u8>> = cert
                .entries
                .into_iter()
                .map(|e| e.cert.as_ref().to_vec())
                .collect();
            super::verify_peer_chain(cx, &chain, Usage::ClientAuth, None)?;
            p.expect = Expect::CertificateVerify;
            Ok(Some(p))
        }
        HandshakeMessage::CertificateVerify(cv) => {
            let hash = p.transcript.current_hash();
            let content = SignedContent::Tls13Transcript(&hash);
            check_peer_signature(cx, &p.schemes, &cv, content)?;
            p.transcript.add(&msg.encoded);
            p.expect = Expect::Finished;
            Ok(Some(p))
        }
        HandshakeMessage::Finished(fin) => {
            super::check_finished_len(&fin.verify_data, suite.hash.output_len())?;
            let key = Prk::new(suite.hash, client_app).finished_key();
            if !key.verify(&p.transcript.current_hash(), &fin.verify_data) {
                return Err(Error::protocol(
                    AlertDescription::DECRYPT_ERROR,
                    Reason::DIGEST_CHECK_FAILED,
                    "the client's post-handshake Finished does not match",
                ));
            }
            // The connection's session now carries the client's certificate, as OpenSSL's.
            if let Some(s) = cx.session.as_ref() {
                let mut updated = (**s).clone();
                updated.peer_chain = cx.info.peer_chain.clone();
                updated.verify_result = cx.info.verify_result;
                cx.session = Some(Arc::new(updated));
            }
            Ok(None)
        }
        _ => Err(unexpected(STATE, msg.typ)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::VerifyMode;
    use crate::handshake::server::tls13::tests::{client_config, run, server_config};
    use crate::msgs::handshake::CertificateTls13;
    use crate::testing::transfer as send;

    fn request(context: &[u8]) -> Vec<u8> {
        HandshakeMessage::CertificateRequestTls13(CertificateRequestTls13 {
            context: context.to_vec(),
            extensions: vec![CertificateRequestExtension::SignatureAlgorithms(vec![
                SignatureScheme::ECDSA_NISTP256_SHA256,
            ])],
        })
        .encode()
        .unwrap()
    }

    #[test]
    fn unsolicited_post_handshake_certificate_request_is_unexpected_message() {
        let mut o = run(
            client_config(Some("client-ecdsa-p256")),
            server_config(VerifyMode::NONE),
        );
        assert!(o.both_connected());
        o.server
            .inject_handshake_for_test(&request(b"ctx"))
            .unwrap();
        let e = send(&mut o.server, &mut o.client).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::UNEXPECTED_MESSAGE));
    }

    #[test]
    fn offered_post_handshake_request_is_answered() {
        let mut client = client_config(Some("client-ecdsa-p256"));
        client.post_handshake_auth = true;
        let mut o = run(client, server_config(VerifyMode::NONE));
        assert!(o.both_connected());
        // A request the server's state machine did not make: the client answers it (the
        // server, with no request pending, then refuses the Certificate).
        o.server
            .inject_handshake_for_test(&request(b"ctx"))
            .unwrap();
        send(&mut o.server, &mut o.client).unwrap();
        assert!(!o.client.pending_tls().is_empty(), "the client answered");
        let e = send(&mut o.client, &mut o.server).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::UNEXPECTED_MESSAGE));
    }

    #[test]
    fn certificate_with_another_request_context_is_illegal_parameter() {
        let mut client = client_config(Some("client-ecdsa-p256"));
        client.post_handshake_auth = true;
        let mut o = run(
            client,
            server_config(VerifyMode {
                post_handshake: true,
                ..VerifyMode::PEER
            }),
        );
        assert!(o.both_connected());
        o.server.request_client_certificate().unwrap();
        // The client's answer is replaced by a Certificate for some other request.
        let _request = o.server.pending_tls().to_vec();
        o.server.consume_tls(_request.len());
        let wrong = HandshakeMessage::CertificateTls13(CertificateTls13 {
            context: b"not the server's context".to_vec(),
            entries: Vec::new(),
        })
        .encode()
        .unwrap();
        o.client.inject_handshake_for_test(&wrong).unwrap();
        let e = send(&mut o.client, &mut o.server).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        assert_eq!(e.reason, Reason::BAD_PACKET);
    }
}
