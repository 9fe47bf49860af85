//! Client authentication through the application's client-certificate callback (TLS 1.2), and the
//! CA names a CertificateRequest lists (both versions).

use std::sync::{Arc, Mutex};
use tls::config::VerifyMode;
use tls::msgs::enums::ProtocolVersion;
use tls::testing::*;

fn tls12_client() -> tls::config::Config {
    let mut c = client_config();
    c.max_version = ProtocolVersion::TLSV1_2;
    c
}

fn demanding_server() -> tls::config::Config {
    verifying_server("server-ecdsa-p256", VerifyMode::REQUIRE_PEER_CERT)
}

#[test]
fn the_callback_supplies_the_certificate_when_none_is_configured() {
    let called = Arc::new(Mutex::new(0));
    let count = called.clone();
    let mut client = tls12_client();
    client.client_cert_callback = Some(Arc::new(move |_req| {
        *count.lock().unwrap() += 1;
        Some(Arc::new(certified_key("client-ecdsa-p256")))
    }));
    let p = handshake(client, demanding_server(), localhost());
    p.assert_ok();
    assert_eq!(*called.lock().unwrap(), 1);
    assert_eq!(
        p.server.negotiated().version,
        Some(ProtocolVersion::TLSV1_2)
    );
    assert_eq!(
        *p.server.negotiated().peer_chain,
        chain("client-ecdsa-p256")
    );
}

#[test]
fn a_declining_callback_means_an_empty_certificate() {
    let mut client = tls12_client();
    client.client_cert_callback = Some(Arc::new(|_req| None));
    let p = handshake(client, demanding_server(), localhost());
    assert!(
        p.server_result.is_err(),
        "the server requires a certificate"
    );
    assert!(p.server.negotiated().peer_chain.is_empty());
}

#[test]
fn the_request_lists_the_configured_ca_names_in_both_versions() {
    let root_subject = tls::x509::Certificate::from_der(&chain("client-ecdsa-p256")[1])
        .unwrap()
        .issuer()
        .der()
        .to_vec();
    for version in [ProtocolVersion::TLSV1_2, ProtocolVersion::TLSV1_3] {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let mut client = client_config();
        client.max_version = version;
        client.client_cert_callback = Some(Arc::new(move |req| {
            *record.lock().unwrap() = req.authorities.iter().map(|n| n.0.clone()).collect();
            Some(Arc::new(certified_key("client-ecdsa-p256")))
        }));
        let mut server = demanding_server();
        server.client_ca_names = vec![tls::msgs::extensions::DistinguishedName(
            root_subject.clone(),
        )];
        let p = handshake(client, server, localhost());
        p.assert_ok();
        assert_eq!(
            *seen.lock().unwrap(),
            vec![root_subject.clone()],
            "{version}"
        );
        assert_eq!(
            p.client.negotiated().peer_ca_names,
            vec![root_subject.clone()],
            "{version}"
        );
    }
}
