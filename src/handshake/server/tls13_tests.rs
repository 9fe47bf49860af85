//! End-to-end TLS 1.3 handshakes between in-memory connections, client authentication in
//! particular.

use crate::config::{CertifiedKey, Config, VerifyMode};
use crate::conn::Connection;
use crate::crypto::sign::SigningKey;
use crate::error::{Error, Reason};
use crate::msgs::enums::AlertDescription;
use crate::testing;
use crate::verify::{x509_v, VerifyEvent};
use std::sync::{Arc, Mutex};

pub use crate::testing::{certified, chain, pki};

/// A server with the P-256 certificate that trusts the test root for client certificates.
pub fn server_config(verify_mode: VerifyMode) -> Config {
    testing::verifying_server("server-ecdsa-p256", verify_mode)
}

/// A verifying client, with the named client certificate if any.
pub fn client_config(client_cert: Option<&str>) -> Config {
    let mut c = testing::client_config();
    if let Some(name) = client_cert {
        c.set_certified_key(certified(name));
    }
    c
}

pub struct Outcome {
    pub client: Connection,
    pub server: Connection,
}

impl Outcome {
    pub fn client_error(&self) -> Option<&Error> {
        self.client.error()
    }

    pub fn server_error(&self) -> Option<&Error> {
        self.server.error()
    }

    pub fn both_connected(&self) -> bool {
        !self.client.is_handshaking()
            && !self.server.is_handshaking()
            && self.client.error().is_none()
            && self.server.error().is_none()
    }
}

/// Moves bytes both ways until neither side has anything to say, then has the client send
/// one message so that a server-side rejection after the client's Finished reaches it.
pub fn run(client_config: Config, server_config: Config) -> Outcome {
    let mut client = testing::new_client(client_config);
    let mut server = testing::new_server(server_config);
    client.start().unwrap();
    server.start().unwrap();
    let _ = testing::pump(&mut client, &mut server);
    if !client.is_handshaking() && client.error().is_none() {
        client.write_plaintext(b"hello server").unwrap();
        let _ = testing::pump(&mut client, &mut server);
    }
    Outcome { client, server }
}

fn received_by_server(o: &mut Outcome) -> Vec<u8> {
    let mut buf = vec![0u8; 64];
    let n = o.server.read_plaintext(&mut buf);
    buf.truncate(n);
    buf
}

#[test]
fn client_certificate_of_each_key_type_is_verified() {
    for name in [
        "client-ecdsa-p256",
        "client-ecdsa-p384",
        "client-rsa2048",
        "client-ed25519",
    ] {
        let mut o = run(
            client_config(Some(name)),
            server_config(VerifyMode::REQUIRE_PEER_CERT),
        );
        assert!(
            o.both_connected(),
            "{name}: client {:?} server {:?}",
            o.client_error(),
            o.server_error()
        );
        let info = o.server.negotiated();
        assert_eq!(*info.peer_chain, chain(name), "{name}");
        assert_eq!(info.verify_result, x509_v::OK);
        let scheme = info.peer_signature_scheme.expect("client signed");
        assert_eq!(o.client.negotiated().our_signature_scheme, Some(scheme));
        assert_eq!(received_by_server(&mut o), b"hello server");
    }
}

#[test]
fn rsa_client_signs_with_pss_in_tls13() {
    let o = run(
        client_config(Some("client-rsa2048")),
        server_config(VerifyMode::PEER),
    );
    assert!(o.both_connected());
    let scheme = o.server.negotiated().peer_signature_scheme.unwrap();
    assert!(scheme.to_string().starts_with("rsa_pss_rsae"), "{scheme}");
}

#[test]
fn missing_client_certificate_is_accepted_without_fail_if_no_peer_cert() {
    let mut o = run(client_config(None), server_config(VerifyMode::PEER));
    assert!(
        o.both_connected(),
        "{:?} {:?}",
        o.client_error(),
        o.server_error()
    );
    assert!(o.server.negotiated().peer_chain.is_empty());
    assert_eq!(o.server.negotiated().verify_result, x509_v::OK);
    assert_eq!(o.server.negotiated().peer_signature_scheme, None);
    assert_eq!(received_by_server(&mut o), b"hello server");
}

#[test]
fn missing_client_certificate_is_rejected_with_fail_if_no_peer_cert() {
    let o = run(
        client_config(None),
        server_config(VerifyMode::REQUIRE_PEER_CERT),
    );
    let err = o.server_error().expect("server must fail");
    assert_eq!(err.reason, Reason::PEER_DID_NOT_RETURN_A_CERTIFICATE);
    assert_eq!(
        o.server.alert_sent(),
        Some(AlertDescription::CERTIFICATE_REQUIRED)
    );
    assert_eq!(
        o.client.alert_received(),
        Some(AlertDescription::CERTIFICATE_REQUIRED)
    );
}

#[test]
fn server_without_verify_peer_asks_for_no_certificate() {
    let o = run(
        client_config(Some("client-ecdsa-p256")),
        server_config(VerifyMode::NONE),
    );
    assert!(o.both_connected());
    assert!(o.server.negotiated().peer_chain.is_empty());
    assert_eq!(o.client.negotiated().our_signature_scheme, None);
}

#[test]
fn client_certificate_from_an_untrusted_ca_is_rejected_with_unknown_ca() {
    let o = run(
        client_config(Some("untrusted-client")),
        server_config(VerifyMode::PEER),
    );
    let err = o.server_error().expect("server must fail");
    assert_eq!(err.reason, Reason::CERTIFICATE_VERIFY_FAILED);
    assert_eq!(o.server.alert_sent(), Some(AlertDescription::UNKNOWN_CA));
    assert_eq!(
        o.server.negotiated().verify_result,
        x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    );
    assert_eq!(
        o.client.alert_received(),
        Some(AlertDescription::UNKNOWN_CA)
    );
}

#[test]
fn server_certificate_is_not_a_client_certificate() {
    // The server leaf lacks the clientAuth extended key usage.
    let o = run(
        client_config(Some("server-ecdsa-p384")),
        server_config(VerifyMode::PEER),
    );
    assert_eq!(
        o.server.negotiated().verify_result,
        x509_v::ERR_INVALID_PURPOSE
    );
    assert_eq!(
        o.server.alert_sent(),
        Some(AlertDescription::UNSUPPORTED_CERTIFICATE)
    );
}

#[test]
fn bad_client_certificate_verify_is_rejected_with_decrypt_error() {
    let mut client = client_config(None);
    // The client certificate with somebody else's P-256 key: the signature cannot verify.
    let wrong_key = SigningKey::from_pem(&pki("server-ecdsa-p256.key")).unwrap();
    client.set_certified_key(CertifiedKey {
        chain: chain("client-ecdsa-p256"),
        key: Arc::new(wrong_key),
    });
    let o = run(client, server_config(VerifyMode::PEER));
    let err = o.server_error().expect("server must fail");
    assert_eq!(err.reason, Reason::BAD_SIGNATURE);
    assert_eq!(o.server.alert_sent(), Some(AlertDescription::DECRYPT_ERROR));
    assert_eq!(
        o.client.alert_received(),
        Some(AlertDescription::DECRYPT_ERROR)
    );
}

#[test]
fn failed_client_chain_is_only_recorded_without_verify_peer_failure() {
    // A verify callback that accepts everything keeps the handshake going while
    // verify_result still records the failure, as OpenSSL's callbacks do.
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let mut server = server_config(VerifyMode::PEER);
    server.verify_callback = Some(Arc::new(move |e: &mut VerifyEvent<'_>| {
        seen.lock()
            .unwrap()
            .push((e.depth, e.preverify_ok, e.error));
        true
    }));
    let o = run(client_config(Some("untrusted-client")), server);
    assert!(
        o.both_connected(),
        "{:?} {:?}",
        o.client_error(),
        o.server_error()
    );
    assert_eq!(
        o.server.negotiated().verify_result,
        x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    );
    assert_eq!(*o.server.negotiated().peer_chain, chain("untrusted-client"));
    assert_eq!(
        *events.lock().unwrap(),
        vec![(0, false, x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)]
    );
}

#[test]
fn verify_callback_can_reject_a_good_client_chain() {
    let mut server = server_config(VerifyMode::PEER);
    server.verify_callback = Some(Arc::new(|e: &mut VerifyEvent<'_>| {
        if e.depth == 0 {
            e.error = x509_v::ERR_APPLICATION_VERIFICATION;
            return false;
        }
        e.preverify_ok
    }));
    let o = run(client_config(Some("client-ecdsa-p256")), server);
    assert!(o.server_error().is_some());
    assert_eq!(
        o.server.negotiated().verify_result,
        x509_v::ERR_APPLICATION_VERIFICATION
    );
    assert_eq!(
        o.server.alert_sent(),
        Some(AlertDescription::HANDSHAKE_FAILURE)
    );
}

#[test]
fn certificate_authorities_reach_the_client_certificate_callback() {
    let root_subject = crate::x509::Certificate::from_der(&chain("client-ecdsa-p256")[1])
        .unwrap()
        .issuer()
        .der()
        .to_vec();
    let mut server = server_config(VerifyMode::REQUIRE_PEER_CERT);
    server.client_ca_names = vec![crate::msgs::extensions::DistinguishedName(
        root_subject.clone(),
    )];
    let asked = Arc::new(Mutex::new(Vec::new()));
    let record = asked.clone();
    let mut client = client_config(None);
    client.client_cert_callback = Some(Arc::new(move |req| {
        record
            .lock()
            .unwrap()
            .extend(req.authorities.iter().map(|dn| dn.0.clone()));
        Some(Arc::new(certified("client-ed25519")))
    }));
    let o = run(client, server);
    assert!(
        o.both_connected(),
        "{:?} {:?}",
        o.client_error(),
        o.server_error()
    );
    assert_eq!(*asked.lock().unwrap(), vec![root_subject]);
    assert_eq!(*o.server.negotiated().peer_chain, chain("client-ed25519"));
}

#[test]
fn client_certificate_callback_declining_sends_an_empty_certificate() {
    let mut client = client_config(None);
    client.client_cert_callback = Some(Arc::new(|_| None));
    let o = run(client, server_config(VerifyMode::PEER));
    assert!(o.both_connected());
    assert!(o.server.negotiated().peer_chain.is_empty());
}

#[test]
fn client_without_a_fitting_key_sends_an_empty_certificate() {
    // The server accepts only ECDSA P-256 signatures; the client has only an RSA key.
    let mut server = server_config(VerifyMode::PEER);
    server.verify_schemes = vec![crate::msgs::enums::SignatureScheme::ECDSA_NISTP256_SHA256];
    let o = run(client_config(Some("client-rsa2048")), server);
    assert!(
        o.both_connected(),
        "{:?} {:?}",
        o.client_error(),
        o.server_error()
    );
    assert!(o.server.negotiated().peer_chain.is_empty());
}

#[test]
fn verify_callback_on_the_client_can_accept_an_untrusted_server() {
    let mut server = server_config(VerifyMode::NONE);
    server.certs.clear();
    server.set_certified_key(certified("untrusted-localhost"));
    let mut client = client_config(None);
    client.verify_callback = Some(Arc::new(|_: &mut VerifyEvent<'_>| true));
    let o = run(client, server);
    assert!(o.both_connected());
    assert_eq!(
        o.client.negotiated().verify_result,
        x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    );
}
