//! TLS 1.3 external PSKs and post-handshake client authentication between a libtls client and
//! a libtls server, in memory.

#![allow(clippy::field_reassign_with_default)]

use std::sync::Arc;
use tls::config::{Config, ExternalPsk, PskLookup, VerifyMode};
use tls::crypto::secret::Secret;
use tls::error::Reason;
use tls::msgs::enums::{AlertDescription, CipherSuite, NamedGroup};
use tls::testing::*;

const IDENTITY: &[u8] = b"client1";

fn psk(key: &[u8], suite: CipherSuite) -> ExternalPsk {
    ExternalPsk {
        identity: IDENTITY.to_vec(),
        secret: Secret::new(key.to_vec()),
        suite,
    }
}

fn psk_client(key: &'static [u8]) -> Config {
    let mut c = Config::default();
    c.psk_client = Some(Arc::new(move |_| {
        PskLookup::Found(psk(key, CipherSuite::TLS13_AES_128_GCM_SHA256))
    }));
    c
}

/// A server with no certificate that knows one identity.
fn psk_server(key: &'static [u8]) -> Config {
    let mut c = Config::default();
    c.psk_server = Some(Arc::new(move |id: &[u8]| {
        if id == IDENTITY {
            PskLookup::Found(psk(key, CipherSuite::TLS13_AES_128_GCM_SHA256))
        } else {
            PskLookup::None
        }
    }));
    c
}

#[test]
fn external_psk_handshake_without_certificates() {
    let mut p = handshake(
        psk_client(b"0123456789abcdef"),
        psk_server(b"0123456789abcdef"),
        localhost(),
    );
    p.assert_ok();
    for side in [p.client.negotiated(), p.server.negotiated()] {
        assert!(side.session_reused, "an accepted PSK counts as reuse");
        assert_eq!(side.psk_identity.as_deref(), Some(IDENTITY));
        assert!(side.peer_chain.is_empty(), "no certificate with a PSK");
        assert_eq!(
            side.suite.unwrap().suite,
            CipherSuite::TLS13_AES_128_GCM_SHA256
        );
    }
    p.exchange(b"hello over an external PSK");
}

#[test]
fn external_psk_takes_the_psk_suite_hash() {
    let mut client = Config::default();
    client.psk_client = Some(Arc::new(|_| {
        PskLookup::Found(psk(b"k384", CipherSuite::TLS13_AES_256_GCM_SHA384))
    }));
    let mut server = Config::default();
    server.psk_server = Some(Arc::new(|_: &[u8]| {
        PskLookup::Found(psk(b"k384", CipherSuite::TLS13_AES_256_GCM_SHA384))
    }));
    let mut p = handshake(client, server, localhost());
    p.assert_ok();
    assert_eq!(
        p.server.negotiated().suite.unwrap().suite,
        CipherSuite::TLS13_AES_256_GCM_SHA384
    );
    p.exchange(b"sha384 psk");
}

#[test]
fn wrong_psk_fails_on_the_binder_with_decrypt_error() {
    let p = handshake(
        psk_client(b"the client's key"),
        psk_server(b"the server's key"),
        localhost(),
    );
    let e = p.server_result.unwrap_err();
    assert_eq!(e.reason, Reason::BINDER_DOES_NOT_VERIFY);
    assert_eq!(e.alert, Some(AlertDescription::DECRYPT_ERROR));
    assert_eq!(
        p.client.alert_received(),
        Some(AlertDescription::DECRYPT_ERROR)
    );
}

#[test]
fn unknown_identity_means_a_full_handshake() {
    let mut client = client_config();
    client.psk_client = Some(Arc::new(|_| {
        PskLookup::Found(ExternalPsk {
            identity: b"stranger".to_vec(),
            secret: Secret::new(b"whatever".to_vec()),
            suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
        })
    }));
    // With a certificate the server goes on with a full handshake.
    let mut server = server_config("server-ecdsa-p256");
    server.psk_server = psk_server(b"k").psk_server;
    let p = handshake(client, server, localhost());
    p.assert_ok();
    assert!(!p.server.negotiated().session_reused);
    assert_eq!(p.client.negotiated().peer_chain.len(), 2);
    // Without one it cannot.
    let mut client = Config::default();
    client.psk_client = Some(Arc::new(|_| {
        PskLookup::Found(ExternalPsk {
            identity: b"stranger".to_vec(),
            secret: Secret::new(b"whatever".to_vec()),
            suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
        })
    }));
    let p = handshake(client, psk_server(b"k"), localhost());
    let e = p.server_result.unwrap_err();
    assert_eq!(e.reason, Reason::NO_CERTIFICATE_ASSIGNED);
    assert_eq!(e.alert, Some(AlertDescription::HANDSHAKE_FAILURE));
    assert!(e.detail.contains("PSK is not one this server knows"), "{e}");
}

#[test]
fn psk_ke_mode_needs_no_key_exchange() {
    let mut client = psk_client(b"0123456789abcdef");
    client.options.allow_psk_ke = true;
    let mut server = psk_server(b"0123456789abcdef");
    server.options.allow_psk_ke = true;
    // The client offers psk_dhe_ke too and sends a share: psk_dhe_ke is preferred.
    let mut p = handshake(client.clone(), server.clone(), localhost());
    p.assert_ok();
    assert!(p.server.negotiated().group.is_some());
    p.exchange(b"psk_dhe_ke");
    // No share the server can use: psk_ke, with no key exchange at all.
    client.groups = vec![NamedGroup::X25519];
    server.groups = vec![NamedGroup::SECP256R1];
    let mut p = handshake(client.clone(), server.clone(), localhost());
    p.assert_ok();
    assert_eq!(p.server.negotiated().group, None);
    assert_eq!(p.client.negotiated().group, None);
    p.exchange(b"psk_ke");
    // Without the option the server retries for a share instead (psk_dhe_ke only).
    server.options.allow_psk_ke = false;
    client.groups = vec![NamedGroup::X25519, NamedGroup::SECP256R1];
    // (The retry keeps the suite it names, so the server must pick one of the PSK's hash.)
    server.tls13_suites = vec![CipherSuite::TLS13_AES_128_GCM_SHA256];
    let p = handshake(client, server, localhost());
    p.assert_ok();
    assert!(p.server.negotiated().hello_retry);
    assert_eq!(p.server.negotiated().group, Some(NamedGroup::SECP256R1));
}

#[test]
fn failing_psk_callbacks_end_the_handshake() {
    let mut client = Config::default();
    client.psk_client = Some(Arc::new(|_| PskLookup::Failed));
    let mut c = tls::conn::Connection::new_client(Arc::new(client), localhost());
    assert_eq!(c.start().unwrap_err().reason, Reason::CALLBACK_FAILED);

    let mut server = Config::default();
    server.psk_server = Some(Arc::new(|_: &[u8]| PskLookup::Failed));
    let p = handshake(psk_client(b"k"), server, localhost());
    assert_eq!(
        p.client.alert_received(),
        Some(AlertDescription::INTERNAL_ERROR)
    );
}

#[test]
fn tickets_from_a_psk_connection_resume_with_the_resumption_binder() {
    let server_cfg = Arc::new(psk_server(b"k"));
    let run = |resume: Option<Arc<tls::session::Session>>| {
        let mut client = tls::conn::Connection::new_client(Arc::new(psk_client(b"k")), localhost());
        client.set_resume_session(resume);
        let mut server = tls::conn::Connection::new_server(server_cfg.clone());
        client.start().unwrap();
        server.start().unwrap();
        for _ in 0..6 {
            transfer(&mut client, &mut server).unwrap();
            transfer(&mut server, &mut client).unwrap();
        }
        assert!(!client.is_handshaking() && !server.is_handshaking());
        (client, server)
    };
    let (first, first_server) = run(None);
    assert_eq!(
        first_server.negotiated().psk_identity.as_deref(),
        Some(IDENTITY)
    );
    let session = first.session().cloned().unwrap();
    assert!(!session.ticket.is_empty(), "a ticket arrived");
    // The resumption offer replaces the external PSK; the server finds its ticket.
    let (_, server) = run(Some(session));
    assert!(server.negotiated().session_reused);
    assert_eq!(server.negotiated().psk_identity, None);
}

// ---- post-handshake authentication ------------------------------------------------------------

fn pha_client() -> Config {
    let mut c = client_config();
    c.set_certified_key(certified_key("client-ecdsa-p256"));
    c.post_handshake_auth = true;
    c
}

fn pha_server() -> Config {
    verifying_server(
        "server-ecdsa-p256",
        VerifyMode {
            post_handshake: true,
            ..VerifyMode::PEER
        },
    )
}

#[test]
fn post_handshake_auth_gets_the_client_certificate() {
    let mut p = handshake(pha_client(), pha_server(), localhost());
    p.assert_ok();
    assert!(p.server.negotiated().post_handshake_auth);
    assert!(
        p.server.negotiated().peer_chain.is_empty(),
        "SSL_VERIFY_POST_HANDSHAKE: nothing asked in the handshake"
    );
    p.server.request_client_certificate().unwrap();
    // A second request while the first is unanswered is refused.
    assert_eq!(
        p.server.request_client_certificate().unwrap_err().reason,
        Reason::REQUEST_SENT
    );
    transfer(&mut p.server, &mut p.client).unwrap();
    transfer(&mut p.client, &mut p.server).unwrap();
    assert!(p.server.error().is_none(), "{:?}", p.server.error());
    assert_eq!(p.server.negotiated().peer_chain.len(), 2);
    p.exchange(b"authenticated after the handshake");
    // And again, after a key update on the client side.
    p.client.key_update(false).unwrap();
    transfer(&mut p.client, &mut p.server).unwrap();
    p.server.request_client_certificate().unwrap();
    transfer(&mut p.server, &mut p.client).unwrap();
    transfer(&mut p.client, &mut p.server).unwrap();
    assert!(p.server.error().is_none(), "{:?}", p.server.error());
    p.exchange(b"twice");
}

#[test]
fn post_handshake_auth_without_a_client_certificate() {
    let mut client = pha_client();
    client.certs.clear();
    let mut server = pha_server();
    server.verify_mode.fail_if_no_peer_cert = true;
    let mut p = handshake(client, server, localhost());
    p.assert_ok();
    p.server.request_client_certificate().unwrap();
    transfer(&mut p.server, &mut p.client).unwrap();
    let e = transfer(&mut p.client, &mut p.server).unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::CERTIFICATE_REQUIRED));
}

#[test]
fn post_handshake_auth_error_cases() {
    // The client did not offer it.
    let mut client = pha_client();
    client.post_handshake_auth = false;
    let mut p = handshake(client, pha_server(), localhost());
    p.assert_ok();
    assert_eq!(
        p.server.request_client_certificate().unwrap_err().reason,
        Reason::EXTENSION_NOT_RECEIVED
    );
    // A client cannot ask.
    assert_eq!(
        p.client.request_client_certificate().unwrap_err().reason,
        Reason::NOT_SERVER
    );
    // TLS 1.2.
    let mut server = pha_server();
    server.max_version = tls::msgs::enums::ProtocolVersion::TLSV1_2;
    let mut p = handshake(pha_client(), server, localhost());
    p.assert_ok();
    assert_eq!(
        p.server.request_client_certificate().unwrap_err().reason,
        Reason::WRONG_SSL_VERSION
    );
    // Before the handshake.
    let mut s = tls::conn::Connection::new_server(Arc::new(pha_server()));
    s.start().unwrap();
    assert_eq!(
        s.request_client_certificate().unwrap_err().reason,
        Reason::STILL_IN_INIT
    );
    // Without SSL_VERIFY_PEER.
    let mut server = pha_server();
    server.verify_mode = VerifyMode::NONE;
    let mut p = handshake(pha_client(), server, localhost());
    p.assert_ok();
    assert_eq!(
        p.server.request_client_certificate().unwrap_err().reason,
        Reason::INVALID_CONFIG
    );
}
