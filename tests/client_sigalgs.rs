//! Signature algorithms of client authentication (`SSL_CTX_set1_client_sigalgs_list`): what a
//! server requests and accepts in the client's CertificateVerify, and what a client signs with.

use tls::config::{Config, VerifyMode};
use tls::msgs::enums::{AlertDescription, ProtocolVersion, SignatureScheme as S};
use tls::testing::*;

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::TLSV1_2, ProtocolVersion::TLSV1_3];

fn rsa_client(version: ProtocolVersion) -> Config {
    let mut c = client_config();
    c.max_version = version;
    c.set_certified_key(certified_key("client-rsa2048"));
    c
}

fn demanding_server() -> Config {
    verifying_server("server-ecdsa-p256", VerifyMode::REQUIRE_PEER_CERT)
}

#[test]
fn server_requests_and_accepts_only_its_client_list() {
    for version in VERSIONS {
        let mut server = demanding_server();
        server.client_auth_schemes = Some(vec![S::RSA_PSS_RSAE_SHA512]);
        let p = handshake(rsa_client(version), server, localhost());
        p.assert_ok();
        // Unrestricted, an RSA client would pick PSS with SHA-256 first.
        assert_eq!(
            p.server.negotiated().peer_signature_scheme,
            Some(S::RSA_PSS_RSAE_SHA512),
            "{version}"
        );
        assert_eq!(
            p.client.negotiated().our_signature_scheme,
            Some(S::RSA_PSS_RSAE_SHA512),
            "{version}"
        );
        // The server's own signature still follows its general list.
        assert_eq!(
            p.client.negotiated().peer_signature_scheme,
            Some(S::ECDSA_NISTP256_SHA256),
            "{version}"
        );
    }
}

#[test]
fn client_signs_with_its_list_in_its_order() {
    for version in VERSIONS {
        let mut client = rsa_client(version);
        client.client_auth_schemes = Some(vec![
            S::ECDSA_NISTP384_SHA384,
            S::RSA_PSS_RSAE_SHA384,
            S::RSA_PSS_RSAE_SHA256,
        ]);
        let p = handshake(client, demanding_server(), localhost());
        p.assert_ok();
        assert_eq!(
            p.server.negotiated().peer_signature_scheme,
            Some(S::RSA_PSS_RSAE_SHA384),
            "{version}"
        );
    }
}

#[test]
fn tls12_client_list_may_pick_pkcs1() {
    let mut client = rsa_client(ProtocolVersion::TLSV1_2);
    client.client_auth_schemes = Some(vec![S::RSA_PKCS1_SHA384, S::RSA_PSS_RSAE_SHA256]);
    let p = handshake(client, demanding_server(), localhost());
    p.assert_ok();
    assert_eq!(
        p.server.negotiated().peer_signature_scheme,
        Some(S::RSA_PKCS1_SHA384)
    );

    // TLS 1.3 forbids PKCS#1 v1.5 in CertificateVerify: the next one on the list is used.
    let mut client = rsa_client(ProtocolVersion::TLSV1_3);
    client.client_auth_schemes = Some(vec![S::RSA_PKCS1_SHA384, S::RSA_PSS_RSAE_SHA256]);
    let p = handshake(client, demanding_server(), localhost());
    p.assert_ok();
    assert_eq!(
        p.server.negotiated().peer_signature_scheme,
        Some(S::RSA_PSS_RSAE_SHA256)
    );
}

#[test]
fn disjoint_lists_mean_no_client_certificate() {
    for version in VERSIONS {
        let mut client = rsa_client(version);
        client.client_auth_schemes = Some(vec![S::RSA_PSS_RSAE_SHA256]);
        let mut server = demanding_server();
        server.client_auth_schemes = Some(vec![S::RSA_PSS_RSAE_SHA384, S::ECDSA_NISTP256_SHA256]);
        let p = handshake(client, server, localhost());
        // Nothing the client may sign with fits, so it sends an empty Certificate, which a
        // server requiring one refuses.
        let e = p.server_result.as_ref().unwrap_err();
        let expected = if version == ProtocolVersion::TLSV1_3 {
            AlertDescription::CERTIFICATE_REQUIRED
        } else {
            AlertDescription::HANDSHAKE_FAILURE
        };
        assert_eq!(e.alert, Some(expected), "{version}: {e:?}");
        assert!(p.server.negotiated().peer_chain.is_empty(), "{version}");
    }
}

#[test]
fn server_client_list_leaves_server_signing_alone() {
    // A client list without RSA schemes does not stop an RSA server from signing.
    for version in VERSIONS {
        let mut server = server_config("server-rsa2048");
        server.client_auth_schemes = Some(vec![S::ED25519]);
        let mut client = client_config();
        client.max_version = version;
        let p = handshake(client, server, localhost());
        p.assert_ok();
        assert!(p.client.negotiated().peer_signature_scheme.is_some());
    }
}

#[test]
fn pkcs1_only_client_list_cannot_form_a_tls13_request() {
    let mut server = demanding_server();
    server.client_auth_schemes = Some(vec![S::RSA_PKCS1_SHA256]);
    let p = handshake(
        rsa_client(ProtocolVersion::TLSV1_2),
        server.clone(),
        localhost(),
    );
    p.assert_ok();
    assert_eq!(
        p.server.negotiated().peer_signature_scheme,
        Some(S::RSA_PKCS1_SHA256)
    );

    // TLS 1.3 allows no PKCS#1 v1.5 CertificateVerify, and an empty list is malformed: the
    // server stops rather than send one.
    let p = handshake(rsa_client(ProtocolVersion::TLSV1_3), server, localhost());
    let e = p.server_result.as_ref().unwrap_err();
    assert_eq!(
        e.reason,
        tls::error::Reason::NO_SUITABLE_SIGNATURE_ALGORITHM
    );
    assert_eq!(e.alert, Some(AlertDescription::INTERNAL_ERROR));
}
