//! Peer input that used to panic, pile up sessions or slip past a key change (issue 16, items
//! 9, 10 and 11): each case ends in the RFC's alert or is handled, never in a panic.

use super::*;
use crate::config::{CertifiedKey, Config};
use crate::handshake::server::tls13::tests::{certified, chain, client_config, run, server_config};
use crate::limits::{MAX_COOKIE_LEN, MAX_TICKETS_KEPT, MAX_TICKET_LEN};
use crate::msgs::enums::{CipherSuite, NamedGroup};
use crate::msgs::extensions::HelloRetryExtension;
use crate::msgs::handshake::{
    ClientHello, HandshakeMessage, HelloRetryRequest, KeyUpdateRequest, NewSessionTicketTls13,
};
use crate::session::cache_mode;
use crate::session::Session;
use crate::testing::{localhost, only, pump, transfer};

/// A TLS 1.3 pair after the handshake and the server's tickets; the client reports sessions.
fn connected13() -> (Connection, Connection) {
    let mut client = client_config(None);
    client.session.cache_mode = cache_mode::BOTH;
    let mut c = Connection::new_client(Arc::new(client), localhost());
    let mut s = Connection::new_server(Arc::new(server_config(crate::config::VerifyMode::NONE)));
    c.start().unwrap();
    s.start().unwrap();
    pump(&mut c, &mut s).unwrap();
    assert!(!c.is_handshaking() && !s.is_handshaking());
    (c, s)
}

/// Handshake message bodies as plaintext records of at most 16 KiB.
fn plaintext_records(typ: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in bytes.chunks(crate::record::MAX_PLAINTEXT) {
        out.extend_from_slice(&[typ, 3, 3]);
        out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// The first handshake message in the records of `wire` (a ClientHello may span several);
/// records of other types (a compatibility ChangeCipherSpec) are skipped.
fn first_handshake_message(mut wire: &[u8]) -> HandshakeMessage {
    let mut joiner = crate::msgs::deframer::HandshakeJoiner::new();
    while wire.len() >= 5 {
        let len = u16::from_be_bytes([wire[3], wire[4]]) as usize;
        if wire[0] == 22 {
            joiner.push(&wire[5..5 + len]).unwrap();
        }
        wire = &wire[5 + len..];
    }
    let msg = joiner.next_message().expect("a whole handshake message");
    HandshakeMessage::decode_encoded(&msg.encoded, ProtocolVersion::TLSV1_3).unwrap()
}

fn client_hello_of(wire: &[u8]) -> ClientHello {
    match first_handshake_message(wire) {
        HandshakeMessage::ClientHello(ch) => ch,
        other => panic!("not a ClientHello: {:?}", other.typ()),
    }
}

fn new_session_ticket(ticket: Vec<u8>, nonce: u8) -> Vec<u8> {
    HandshakeMessage::NewSessionTicketTls13(NewSessionTicketTls13 {
        lifetime: 3600,
        age_add: 7,
        nonce: vec![nonce],
        ticket,
        extensions: Vec::new(),
    })
    .encode()
    .unwrap()
}

#[test]
fn a_hello_retry_cookie_too_long_to_echo_is_illegal_parameter() {
    for len in [MAX_COOKIE_LEN + 1, 65_000] {
        let mut c = Connection::new_client(Arc::new(Config::default()), ClientOptions::default());
        c.start().unwrap();
        let ch = client_hello_of(c.pending_tls());
        c.consume_tls(c.pending_tls().len());
        let hrr = HandshakeMessage::HelloRetryRequest(HelloRetryRequest {
            legacy_version: ProtocolVersion::TLSV1_2,
            legacy_session_id_echo: ch.legacy_session_id.clone(),
            cipher_suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
            extensions: vec![
                HelloRetryExtension::SupportedVersions(ProtocolVersion::TLSV1_3),
                HelloRetryExtension::KeyShare(NamedGroup::SECP384R1),
                HelloRetryExtension::Cookie(vec![0xc0; len]),
            ],
        })
        .encode()
        .unwrap();
        let e = c.read_tls(&plaintext_records(22, &hrr)).unwrap_err();
        assert_eq!(
            e.alert,
            Some(AlertDescription::ILLEGAL_PARAMETER),
            "{len}: {e:?}"
        );
        assert_eq!(e.reason, Reason::EXCESSIVE_MESSAGE_SIZE, "{len}: {e:?}");
    }
}

#[test]
fn a_hello_retry_cookie_at_the_limit_is_echoed() {
    let mut c = Connection::new_client(Arc::new(Config::default()), ClientOptions::default());
    c.start().unwrap();
    let ch = client_hello_of(c.pending_tls());
    c.consume_tls(c.pending_tls().len());
    let cookie = vec![0xc0; MAX_COOKIE_LEN];
    let hrr = HandshakeMessage::HelloRetryRequest(HelloRetryRequest {
        legacy_version: ProtocolVersion::TLSV1_2,
        legacy_session_id_echo: ch.legacy_session_id.clone(),
        cipher_suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
        extensions: vec![
            HelloRetryExtension::SupportedVersions(ProtocolVersion::TLSV1_3),
            HelloRetryExtension::KeyShare(NamedGroup::SECP384R1),
            HelloRetryExtension::Cookie(cookie.clone()),
        ],
    })
    .encode()
    .unwrap();
    c.read_tls(&plaintext_records(22, &hrr)).unwrap();
    // The second ClientHello (after a compatibility CCS) carries the cookie.
    let ch2 = client_hello_of(c.pending_tls());
    assert!(ch2.extensions.iter().any(|e| matches!(
        e,
        crate::msgs::extensions::ClientExtension::Cookie(c) if *c == cookie
    )));
}

/// A session as a client keeps it, from a real handshake of `version`.
fn real_session(version: ProtocolVersion) -> Session {
    let mut client = only(version, client_config(None));
    client.session.cache_mode = cache_mode::BOTH;
    let mut c = Connection::new_client(Arc::new(client), localhost());
    let mut s = Connection::new_server(Arc::new(only(
        version,
        server_config(crate::config::VerifyMode::NONE),
    )));
    c.start().unwrap();
    s.start().unwrap();
    pump(&mut c, &mut s).unwrap();
    let sessions = c.take_new_sessions();
    let session = sessions.last().expect("a session");
    assert!(!session.ticket.is_empty());
    (**session).clone()
}

#[test]
fn a_session_with_a_ticket_too_long_for_a_client_hello_is_not_offered() {
    for version in [ProtocolVersion::TLSV1_3, ProtocolVersion::TLSV1_2] {
        let mut session = real_session(version);
        // d2i_SSL_SESSION accepts any ticket the encoding can hold (65,535 bytes).
        session.ticket = vec![0x7e; 64_000];
        let session = Session::decode(&session.encode().unwrap()).unwrap();
        let mut c = Connection::new_client(Arc::new(only(version, client_config(None))), {
            localhost()
        });
        c.set_resume_session(Some(Arc::new(session)));
        // This used to panic in Connection::start, which had no panic guard.
        c.start().unwrap();
        let ch = client_hello_of(c.pending_tls());
        assert!(ch.psk().is_none(), "{version}");
        assert!(
            !ch.extensions.iter().any(|e| matches!(
                e,
                crate::msgs::extensions::ClientExtension::SessionTicket(t) if !t.is_empty()
            )),
            "{version}"
        );
    }
}

#[test]
fn a_client_chain_too_long_for_a_ticket_gets_no_ticket_instead_of_an_error() {
    // 100 certificates, 68 KB: the sealed session would not fit a ticket's 16-bit length.
    let rsa = chain("client-rsa2048");
    let mut long = rsa.clone();
    while long.len() < crate::limits::MAX_CHAIN_CERTS {
        long.push(rsa[0].clone());
    }
    assert!(long.iter().map(Vec::len).sum::<usize>() > 65_535);
    for version in [ProtocolVersion::TLSV1_3, ProtocolVersion::TLSV1_2] {
        let mut client = only(version, client_config(None));
        client.set_certified_key(CertifiedKey {
            chain: long.clone(),
            key: certified("client-rsa2048").key,
        });
        client.session.cache_mode = cache_mode::BOTH;
        let server = only(
            version,
            server_config(crate::config::VerifyMode::REQUIRE_PEER_CERT),
        );
        let mut o = run(client, server);
        assert!(
            o.both_connected(),
            "{version}: client {:?}, server {:?}",
            o.client_error(),
            o.server_error()
        );
        assert_eq!(o.server.negotiated().peer_chain.len(), long.len());
        // No ticket was issued, so nothing to resume with a ticket.
        assert!(
            o.client
                .take_new_sessions()
                .iter()
                .all(|s| s.ticket.is_empty()),
            "{version}"
        );
    }
}

#[test]
fn a_panic_in_start_write_or_key_update_becomes_internal_error() {
    // start
    let mut c = Connection::new_client(Arc::new(Config::default()), ClientOptions::default());
    test_hooks::PANIC_IN_NEXT_CALL.with(|p| p.set(Some("start")));
    let e = c.start().unwrap_err();
    assert_eq!(e.reason, Reason::INTERNAL_ERROR);
    assert_eq!(c.alert_sent(), Some(AlertDescription::INTERNAL_ERROR));
    assert_eq!(c.start().unwrap_err().reason, Reason::INTERNAL_ERROR);

    for method in ["write_plaintext", "key_update"] {
        let (mut c, _s) = connected13();
        test_hooks::PANIC_IN_NEXT_CALL.with(|p| p.set(Some(method)));
        let e = match method {
            "write_plaintext" => c.write_plaintext(b"hello").unwrap_err(),
            _ => c.key_update(true).unwrap_err(),
        };
        assert_eq!(e.reason, Reason::INTERNAL_ERROR, "{method}");
        assert_eq!(c.alert_sent(), Some(AlertDescription::INTERNAL_ERROR));
        // The connection stays failed; later calls report it instead of running on.
        assert_eq!(
            c.write_plaintext(b"again").unwrap_err().reason,
            Reason::INTERNAL_ERROR
        );
        assert!(c.error().is_some());
    }
}

#[test]
fn a_flood_of_new_session_tickets_keeps_a_bounded_number_of_sessions() {
    let (mut c, mut s) = connected13();
    let first = c.take_new_sessions();
    assert_eq!(first.len(), 2, "the server's own two tickets");
    // 18 KiB of small NewSessionTickets: ~700 of them.
    let mut flood = Vec::new();
    let mut n = 0u64;
    while flood.len() < 18 * 1024 {
        flood.extend_from_slice(&new_session_ticket(vec![1; 8], n as u8));
        n += 1;
    }
    s.inject_handshake_for_test(&flood).unwrap();
    transfer(&mut s, &mut c).unwrap();
    assert_eq!(c.negotiated().tickets_received, 2 + n);
    let kept = c.take_new_sessions();
    assert_eq!(kept.len(), MAX_TICKETS_KEPT - first.len());
    // Every session shares the connection's copy of the server's chain.
    for session in first.iter().chain(&kept) {
        assert!(Arc::ptr_eq(&session.peer_chain, &c.negotiated().peer_chain));
    }
    assert_eq!(c.negotiated().peer_chain.len(), 2);
    // The connection still works.
    s.write_plaintext(b"still here").unwrap();
    transfer(&mut s, &mut c).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(c.read_plaintext(&mut buf), 10);
}

#[test]
fn a_new_session_ticket_too_long_to_present_is_not_kept() {
    let (mut c, mut s) = connected13();
    c.take_new_sessions();
    s.inject_handshake_for_test(&new_session_ticket(vec![2; MAX_TICKET_LEN + 1], 1))
        .unwrap();
    s.inject_handshake_for_test(&new_session_ticket(vec![3; MAX_TICKET_LEN], 2))
        .unwrap();
    transfer(&mut s, &mut c).unwrap();
    let kept = c.take_new_sessions();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].ticket.len(), MAX_TICKET_LEN);
    // And it resumes without trouble.
    let mut r = Connection::new_client(Arc::new(client_config(None)), localhost());
    r.set_resume_session(Some(kept[0].clone()));
    r.start().unwrap();
    assert!(client_hello_of(r.pending_tls()).psk().is_some());
}

fn key_update() -> Vec<u8> {
    HandshakeMessage::KeyUpdate(KeyUpdateRequest::UpdateNotRequested)
        .encode()
        .unwrap()
}

/// How many records `wire` holds.
fn record_count(mut wire: &[u8]) -> usize {
    let mut n = 0;
    while wire.len() >= 5 {
        let len = u16::from_be_bytes([wire[3], wire[4]]) as usize;
        wire = &wire[5 + len..];
        n += 1;
    }
    n
}

#[test]
fn a_key_update_must_end_its_record() {
    // RFC 8446 5.1: messages behind a KeyUpdate in its record were protected with the old
    // keys; the receiver already reads with the new ones.
    for next in [key_update(), new_session_ticket(vec![1; 8], 1)] {
        let (mut c, mut s) = connected13();
        s.inject_handshake_for_test(&[key_update(), next].concat())
            .unwrap();
        assert_eq!(record_count(s.pending_tls()), 1);
        let e = transfer(&mut s, &mut c).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::UNEXPECTED_MESSAGE), "{e:?}");
        assert_eq!(e.reason, Reason::UNEXPECTED_MESSAGE, "{e:?}");
        assert_eq!(c.alert_sent(), Some(AlertDescription::UNEXPECTED_MESSAGE));
        assert_eq!(c.negotiated().key_updates_received, 1);
    }
    // In records of their own (the KeyUpdate under the old keys, the ticket under the new),
    // the same messages are fine.
    let (mut c, mut s) = connected13();
    c.take_new_sessions();
    s.key_update(false).unwrap();
    s.inject_handshake_for_test(&new_session_ticket(vec![1; 8], 1))
        .unwrap();
    assert_eq!(record_count(s.pending_tls()), 2);
    transfer(&mut s, &mut c).unwrap();
    assert_eq!(c.negotiated().key_updates_received, 1);
    assert_eq!(c.take_new_sessions().len(), 1);
}
