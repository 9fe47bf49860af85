//! TLS 1.3 handshakes between a libtls client and a libtls server, in memory.

use tls::config::VerifyMode;
use tls::conn::ClientOptions;
use tls::error::Reason;
use tls::msgs::enums::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion};
use tls::testing::*;
use tls::verify::{x509_v, PeerIdentity};

#[test]
fn default_handshake_prefers_the_hybrid_group() {
    let mut p = handshake(
        client_config(),
        server_config("server-ecdsa-p256"),
        localhost(),
    );
    p.assert_ok();
    for side in [p.client.negotiated(), p.server.negotiated()] {
        assert_eq!(side.version, Some(ProtocolVersion::TLSV1_3));
        assert_eq!(side.group, Some(NamedGroup::X25519_MLKEM768));
        assert!(!side.hello_retry);
    }
    assert_eq!(p.client.negotiated().verify_result, x509_v::OK);
    assert_eq!(p.client.negotiated().peer_chain.len(), 2);
    assert_eq!(
        p.server.negotiated().server_name.as_deref(),
        Some("localhost")
    );
    p.exchange(b"hello over TLS 1.3");
}

#[test]
fn every_certificate_type() {
    for cert in [
        "server-ecdsa-p256",
        "server-ecdsa-p384",
        "server-rsa2048",
        "server-ed25519",
    ] {
        let mut p = handshake(client_config(), server_config(cert), localhost());
        p.assert_ok();
        p.exchange(cert.as_bytes());
    }
}

#[test]
fn every_cipher_suite() {
    for suite in [
        CipherSuite::TLS13_AES_128_GCM_SHA256,
        CipherSuite::TLS13_AES_256_GCM_SHA384,
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    ] {
        let mut client = client_config();
        client.tls13_suites = vec![suite];
        let mut p = handshake(client, server_config("server-ecdsa-p256"), localhost());
        p.assert_ok();
        assert_eq!(p.client.negotiated().suite.unwrap().suite, suite);
        assert_eq!(p.server.negotiated().suite.unwrap().suite, suite);
        p.exchange(&[0x5a; 1000]);
    }
}

#[test]
fn every_group() {
    for group in [
        NamedGroup::X25519,
        NamedGroup::SECP256R1,
        NamedGroup::SECP384R1,
        NamedGroup::X25519_MLKEM768,
    ] {
        let mut client = client_config();
        client.groups = vec![group];
        let p = handshake(client, server_config("server-ecdsa-p256"), localhost());
        p.assert_ok();
        assert_eq!(p.client.negotiated().group, Some(group));
        assert!(!p.client.negotiated().hello_retry);
    }
}

#[test]
fn the_servers_share_is_kept_only_for_a_classic_group() {
    // SSL_get_peer_tmp_key shows it; a hybrid share has no key form and is not kept (it would
    // add 1120 bytes to every idle connection of the default configuration).
    for (group, kept) in [
        (NamedGroup::X25519, Some(32)),
        (NamedGroup::SECP256R1, Some(65)),
        (NamedGroup::SECP384R1, Some(97)),
        (NamedGroup::X25519_MLKEM768, None),
    ] {
        let mut client = client_config();
        client.groups = vec![group];
        let p = handshake(client, server_config("server-ecdsa-p256"), localhost());
        p.assert_ok();
        let share = p.client.negotiated().peer_key_share.as_ref();
        assert_eq!(share.map(Vec::len), kept, "{group:?}");
        assert!(p.server.negotiated().peer_key_share.is_none());
    }
}

#[test]
fn hello_retry_request_when_no_share_fits() {
    let mut client = client_config();
    client.groups = vec![NamedGroup::SECP256R1, NamedGroup::X25519];
    let mut server = server_config("server-ecdsa-p256");
    server.groups = vec![NamedGroup::X25519];
    let mut p = handshake(client, server, localhost());
    p.assert_ok();
    assert!(p.client.negotiated().hello_retry);
    assert!(p.server.negotiated().hello_retry);
    assert_eq!(p.client.negotiated().group, Some(NamedGroup::X25519));
    p.exchange(b"after a retry");
}

#[test]
fn no_common_group_fails_with_handshake_failure() {
    let mut client = client_config();
    client.groups = vec![NamedGroup::SECP384R1];
    let mut server = server_config("server-ecdsa-p256");
    server.groups = vec![NamedGroup::X25519];
    let p = handshake(client, server, localhost());
    let e = p.server_result.unwrap_err();
    assert_eq!(e.reason, Reason::NO_SHARED_GROUPS);
    assert_eq!(
        p.server.alert_sent(),
        Some(AlertDescription::HANDSHAKE_FAILURE)
    );
    assert_eq!(
        p.client.alert_received(),
        Some(AlertDescription::HANDSHAKE_FAILURE)
    );
}

#[test]
fn no_common_suite_fails_with_handshake_failure() {
    let mut client = client_config();
    client.tls13_suites = vec![CipherSuite::TLS13_CHACHA20_POLY1305_SHA256];
    let mut server = server_config("server-ecdsa-p256");
    server.tls13_suites = vec![CipherSuite::TLS13_AES_128_GCM_SHA256];
    let p = handshake(client, server, localhost());
    let e = p.server_result.unwrap_err();
    assert_eq!(e.reason, Reason::NO_SHARED_CIPHER);
    assert!(e.detail.contains("no common cipher suite"), "{}", e.detail);
    let c = p.client_result.unwrap_err();
    assert_eq!(
        c.reason,
        Reason::alert_received(AlertDescription::HANDSHAKE_FAILURE)
    );
}

fn rejected(server_cert: &str, opts: ClientOptions, code: i64, alert: AlertDescription) {
    let p = handshake(client_config(), server_config(server_cert), opts);
    let e = p.client_result.unwrap_err();
    assert_eq!(e.reason, Reason::CERTIFICATE_VERIFY_FAILED, "{e:?}");
    assert_eq!(p.client.negotiated().verify_result, code, "{e:?}");
    assert_eq!(p.client.alert_sent(), Some(alert));
    // The server learns why from the alert, which the client protects with its handshake key.
    assert_eq!(p.server.alert_received(), Some(alert));
    assert_eq!(
        p.server_result.unwrap_err().reason,
        Reason::alert_received(alert)
    );
}

#[test]
fn unknown_ca_is_rejected() {
    rejected(
        "untrusted-localhost",
        localhost(),
        x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
        AlertDescription::UNKNOWN_CA,
    );
}

#[test]
fn wrong_hostname_is_rejected() {
    rejected(
        "wrong-name",
        localhost(),
        x509_v::ERR_HOSTNAME_MISMATCH,
        AlertDescription::BAD_CERTIFICATE,
    );
}

#[test]
fn expired_certificate_is_rejected() {
    rejected(
        "expired-localhost",
        localhost(),
        x509_v::ERR_CERT_HAS_EXPIRED,
        AlertDescription::CERTIFICATE_EXPIRED,
    );
}

#[test]
fn ip_address_identity_is_checked() {
    let ok = ClientOptions {
        server_name: None,
        verify_identity: PeerIdentity::parse("127.0.0.1"),
    };
    handshake(client_config(), server_config("server-ecdsa-p256"), ok).assert_ok();
    let wrong = ClientOptions {
        server_name: None,
        verify_identity: PeerIdentity::parse("10.1.2.3"),
    };
    rejected(
        "server-ecdsa-p256",
        wrong,
        x509_v::ERR_IP_ADDRESS_MISMATCH,
        AlertDescription::BAD_CERTIFICATE,
    );
}

#[test]
fn verify_none_records_the_failure_and_continues() {
    let mut client = client_config();
    client.verify_mode = VerifyMode::NONE;
    let p = handshake(client, server_config("wrong-name"), localhost());
    p.assert_ok();
    assert_eq!(
        p.client.negotiated().verify_result,
        x509_v::ERR_HOSTNAME_MISMATCH
    );
}

#[test]
fn large_writes_are_fragmented_and_reassembled() {
    let mut p = handshake(
        client_config(),
        server_config("server-rsa2048"),
        localhost(),
    );
    p.assert_ok();
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    p.exchange(&data);
}

#[test]
fn close_notify_both_ways() {
    let mut p = handshake(
        client_config(),
        server_config("server-ecdsa-p256"),
        localhost(),
    );
    p.assert_ok();
    p.client.send_close_notify();
    transfer(&mut p.client, &mut p.server).unwrap();
    assert!(p.server.received_close_notify());
    assert!(p.client.write_plaintext(b"late").is_err());
    p.server.send_close_notify();
    transfer(&mut p.server, &mut p.client).unwrap();
    assert!(p.client.received_close_notify());
}

#[test]
fn key_update_both_ways() {
    let mut p = handshake(
        client_config(),
        server_config("server-ecdsa-p256"),
        localhost(),
    );
    p.assert_ok();
    p.client.key_update(true).unwrap();
    p.exchange(b"after the client's update");
    // The server answered the request with its own update.
    assert_eq!(p.server.negotiated().key_updates_received, 1);
    assert_eq!(p.server.negotiated().key_updates_sent, 1);
    assert_eq!(p.client.negotiated().key_updates_received, 1);
    p.server.key_update(false).unwrap();
    p.exchange(b"after the server's update");
    assert_eq!(p.client.negotiated().key_updates_received, 2);
    assert_eq!(
        p.client.negotiated().key_updates_sent,
        1,
        "not requested: no answer"
    );
}

#[test]
fn many_update_requests_while_silent_get_one_answer() {
    let mut p = handshake(
        client_config(),
        server_config("server-ecdsa-p256"),
        localhost(),
    );
    p.assert_ok();
    for _ in 0..5 {
        p.client.key_update(true).unwrap();
    }
    p.exchange(b"after five requests");
    assert_eq!(p.server.negotiated().key_updates_received, 5);
    assert_eq!(
        p.server.negotiated().key_updates_sent,
        1,
        "RFC 8446 4.6.3: one update while silent"
    );
    // Once the server has written under its new keys, a new request gets a new answer.
    p.client.key_update(true).unwrap();
    p.exchange(b"after the sixth request");
    assert_eq!(p.server.negotiated().key_updates_sent, 2);
}

#[test]
fn keys_update_automatically_before_the_record_limit() {
    let mut client = client_config();
    client.key_update_after_records = 3;
    let mut p = handshake(client, server_config("server-ecdsa-p256"), localhost());
    p.assert_ok();
    for i in 0..10u8 {
        p.exchange(&[i; 100]);
    }
    assert!(p.client.negotiated().key_updates_sent >= 3);
    assert_eq!(
        p.server.negotiated().key_updates_received,
        p.client.negotiated().key_updates_sent
    );
}

#[test]
fn key_update_needs_an_established_connection() {
    let mut c =
        tls::conn::Connection::new_client(std::sync::Arc::new(client_config()), localhost());
    c.start().unwrap();
    assert!(c.key_update(false).is_err());
}
