//! record_size_limit (RFC 8449) on the client side, and what both roles do with a limit below
//! the protocol's: the client offers its own limit, keeps its protected records within the
//! server's answer (TLS 1.3 counting the content type), refuses the server's records above its
//! own limit with record_overflow, and does so again on resumption and after a
//! HelloRetryRequest. The server side's own test is in tests/conformance.rs.

use std::sync::Arc;
use tls::config::Config;
use tls::conn::Connection;
use tls::msgs::enums::{AlertDescription, ContentType, ExtensionType, NamedGroup, ProtocolVersion};
use tls::msgs::extensions::{ClientExtension, Extension};
use tls::msgs::handshake::{ClientHello, HandshakeMessage};
use tls::testing::*;

const TLS12: ProtocolVersion = ProtocolVersion::TLSV1_2;
const TLS13: ProtocolVersion = ProtocolVersion::TLSV1_3;
/// TLS 1.3 AEAD tag; TLS 1.2 AES-GCM adds an 8-byte explicit nonce to it.
const TAG: usize = 16;
const TLS12_GCM_OVERHEAD: usize = 8 + TAG;

fn versioned(mut c: Config, max: ProtocolVersion) -> Config {
    c.max_version = max;
    c
}

fn limited(mut c: Config, limit: u16) -> Config {
    c.record_size_limit = limit;
    c
}

fn first_client_hello(c: &Connection) -> ClientHello {
    let wire = c.pending_tls();
    match HandshakeMessage::decode_encoded(&wire[5..], TLS13).unwrap() {
        HandshakeMessage::ClientHello(ch) => ch,
        other => panic!("not a ClientHello: {other:?}"),
    }
}

fn offered_limit(cfg: Config) -> Option<u16> {
    let mut c = Connection::new_client(Arc::new(cfg), localhost());
    c.start().unwrap();
    first_client_hello(&c).record_size_limit()
}

fn max_protected_record(wire: &[u8]) -> usize {
    record_sizes(wire)
        .into_iter()
        .filter(|(typ, _)| *typ == 23)
        .map(|(_, len)| len)
        .max()
        .unwrap_or(0)
}

/// The most ciphertext a record of `limit` bytes of plaintext makes in `version` (AES-GCM).
fn ciphertext_bound(version: ProtocolVersion, limit: usize) -> usize {
    if version == TLS13 {
        limit + TAG
    } else {
        limit + TLS12_GCM_OVERHEAD
    }
}

/// Writes `len` bytes each way and checks every protected record is within the receiver's
/// limit and that all data arrives.
fn check_limits(p: &mut Pair, version: ProtocolVersion, client_limit: usize, server_limit: usize) {
    let data = vec![0x5a; 3000];
    p.client.write_plaintext(&data).unwrap();
    let wire = p.client.pending_tls().to_vec();
    assert!(
        max_protected_record(&wire) <= ciphertext_bound(version, server_limit),
        "client records {:?} above the server's limit {server_limit}",
        record_sizes(&wire)
    );
    transfer(&mut p.client, &mut p.server).unwrap();
    let mut got = vec![0; data.len()];
    assert_eq!(p.server.read_plaintext(&mut got), data.len());
    p.server.write_plaintext(&data).unwrap();
    let wire = p.server.pending_tls().to_vec();
    assert!(
        max_protected_record(&wire) <= ciphertext_bound(version, client_limit),
        "server records {:?} above the client's limit {client_limit}",
        record_sizes(&wire)
    );
    transfer(&mut p.server, &mut p.client).unwrap();
    assert_eq!(p.client.read_plaintext(&mut got), data.len());
}

#[test]
fn the_client_offers_its_own_limit() {
    // The protocol's maximum: 2^14 + 1 when offering TLS 1.3, 2^14 for TLS 1.2 alone.
    assert_eq!(offered_limit(client_config()), Some(16385));
    assert_eq!(
        offered_limit(versioned(client_config(), TLS12)),
        Some(16384)
    );
    // A configured smaller limit, whatever the versions.
    assert_eq!(offered_limit(limited(client_config(), 512)), Some(512));
    assert_eq!(
        offered_limit(limited(versioned(client_config(), TLS12), 512)),
        Some(512)
    );
    // Never above the protocol's limit, never below the extension's minimum of 64.
    assert_eq!(
        offered_limit(limited(versioned(client_config(), TLS12), 16385)),
        Some(16384)
    );
    assert_eq!(offered_limit(limited(client_config(), 10)), Some(64));
}

#[test]
fn both_roles_keep_their_records_within_the_peers_limit() {
    for version in [TLS12, TLS13] {
        // Small server limit: the client's records shrink; the server's stay full size.
        let mut p = handshake(
            versioned(client_config(), version),
            limited(server_config("server-ecdsa-p256"), 100),
            localhost(),
        );
        p.assert_ok();
        assert_eq!(p.client.negotiated().version, Some(version));
        // TLS 1.3 counts the content type: 99 bytes of data per record.
        check_limits(&mut p, version, 16385, 100);

        // Small client limit: the server's records shrink.
        let mut p = handshake(
            limited(versioned(client_config(), version), 200),
            server_config("server-ecdsa-p256"),
            localhost(),
        );
        p.assert_ok();
        check_limits(&mut p, version, 200, 16385);
    }
}

#[test]
fn the_limits_hold_on_resumption() {
    for version in [TLS12, TLS13] {
        let cc = limited(versioned(client_config(), version), 300);
        let sc = limited(server_config("server-ecdsa-p256"), 150);
        let mut p = handshake(cc.clone(), sc.clone(), localhost());
        p.assert_ok();
        p.exchange(b"ping");
        let session = p
            .client
            .take_new_sessions()
            .pop()
            .or_else(|| p.client.session().cloned())
            .unwrap();
        let mut client = Connection::new_client(Arc::new(cc), localhost());
        client.set_resume_session(Some(session));
        let mut server = Connection::new_server(Arc::new(sc));
        client.start().unwrap();
        // The resuming ClientHello offers the limit again (RFC 8449 4: it is renegotiated).
        assert_eq!(first_client_hello(&client).record_size_limit(), Some(300));
        server.start().unwrap();
        for _ in 0..4 {
            transfer(&mut client, &mut server).unwrap();
            transfer(&mut server, &mut client).unwrap();
        }
        assert!(!client.is_handshaking() && !server.is_handshaking());
        assert!(client.negotiated().session_reused, "{version:?} resumed");
        let mut p = Pair {
            client,
            server,
            client_result: Ok(()),
            server_result: Ok(()),
        };
        check_limits(&mut p, version, 300, 150);
    }
}

#[test]
fn the_limits_hold_after_a_hello_retry_request() {
    // The server wants P-384 only: the client's first share (X25519 or the hybrid) is retried.
    let mut sc = limited(server_config("server-ecdsa-p256"), 120);
    sc.groups = vec![NamedGroup::SECP384R1];
    let cc = limited(client_config(), 250);
    let mut p = handshake(cc, sc, localhost());
    p.assert_ok();
    assert!(p.client.negotiated().hello_retry);
    check_limits(&mut p, TLS13, 250, 120);
}

#[test]
fn the_client_refuses_server_records_above_its_limit() {
    // A TLS 1.3 client advertising 200; the server (which sends no tickets, so its first
    // application record has sequence number 0) is impersonated with its traffic secret.
    let cc = limited(client_config(), 200);
    let mut sc = server_config("server-ecdsa-p256");
    sc.session.num_tickets = 0;
    let mut client = Connection::new_client(Arc::new(cc), localhost());
    let mut server = Connection::new_server(Arc::new(sc));
    server.enable_events(false, true);
    client.start().unwrap();
    server.start().unwrap();
    for _ in 0..4 {
        transfer(&mut client, &mut server).unwrap();
        transfer(&mut server, &mut client).unwrap();
    }
    assert!(!client.is_handshaking());
    let secret = logged_secret(&server.take_events(), "SERVER_TRAFFIC_SECRET_0");
    let suite = client.negotiated().suite.unwrap();
    let mut sealer = tls::record::keys::tls13_encrypter(suite, &secret).unwrap();
    let mut seal = |content_len: usize| {
        let mut out = Vec::new();
        sealer
            .encrypt(
                ContentType::APPLICATION_DATA,
                &vec![1; content_len],
                &mut out,
            )
            .unwrap();
        out
    };
    // 199 bytes of data and the type byte: exactly the limit, accepted.
    client.read_tls(&seal(199)).unwrap();
    let mut buf = [0u8; 300];
    assert_eq!(client.read_plaintext(&mut buf), 199);
    // One byte more: record_overflow.
    let over = seal(200);
    let e = client.read_tls(&over).unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::RECORD_OVERFLOW), "{e:?}");
    assert_eq!(client.alert_sent(), Some(AlertDescription::RECORD_OVERFLOW));
}

#[test]
fn a_second_client_hello_changing_record_size_limit_is_illegal_parameter() {
    // First ClientHello offers only X25519 shares; the server wants P-256 and retries.
    let mut sc = server_config("server-ecdsa-p256");
    sc.groups = vec![NamedGroup::SECP256R1];
    let mut cc = client_config();
    cc.groups = vec![NamedGroup::X25519, NamedGroup::SECP256R1];
    let mut client = Connection::new_client(Arc::new(cc), localhost());
    let mut server = Connection::new_server(Arc::new(sc));
    client.start().unwrap();
    server.start().unwrap();
    transfer(&mut client, &mut server).unwrap();
    transfer(&mut server, &mut client).unwrap();
    // The client answered the retry; take its second ClientHello and change the limit.
    let wire = client.pending_tls().to_vec();
    let sizes = record_sizes(&wire);
    let mut at = 0;
    let mut hello = None;
    for (typ, len) in sizes {
        if typ == 22 {
            hello = Some(wire[at + 5..at + 5 + len].to_vec());
        }
        at += 5 + len;
    }
    let hello = hello.expect("a second ClientHello");
    let HandshakeMessage::ClientHello(mut ch) =
        HandshakeMessage::decode_encoded(&hello, TLS13).unwrap()
    else {
        panic!("not a ClientHello")
    };
    assert_eq!(ch.record_size_limit(), Some(16385));
    let pos = ch
        .extensions
        .iter()
        .position(|e| e.ext_type() == ExtensionType::RECORD_SIZE_LIMIT)
        .unwrap();
    ch.extensions[pos] = ClientExtension::RecordSizeLimit(1000);
    let body = HandshakeMessage::ClientHello(ch).encode().unwrap();
    let mut rec = vec![22, 3, 3];
    rec.extend_from_slice(&(body.len() as u16).to_be_bytes());
    rec.extend_from_slice(&body);
    let e = server.read_tls(&rec).unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER), "{e:?}");
    assert_eq!(
        server.alert_sent(),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
}
