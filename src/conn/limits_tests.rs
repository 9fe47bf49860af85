//! The DoS limits as a peer meets them: each flood is accepted up to its budget, and one more
//! ends the connection with the expected alert and reason, with memory bounded throughout.

use super::*;
use crate::config::{CertifiedKey, Config};
use crate::crypto::sign::SigningKey;
use crate::limits::{MAX_CHAIN_CERTS, MAX_EMPTY_RECORDS, MAX_KEY_UPDATES};
use crate::msgs::enums::NamedGroup;
use crate::testing::{chain, only, pki, pump, transfer};

fn server_config_with_chain(chain: Vec<Vec<u8>>) -> Config {
    let mut c = Config::default();
    c.set_certified_key(CertifiedKey {
        chain,
        key: Arc::new(SigningKey::from_pem(&pki("server-ecdsa-p256.key")).unwrap()),
    });
    c
}

fn server_config() -> Config {
    crate::testing::server_config("server-ecdsa-p256")
}

fn new_pair(client: Config, server: Config) -> (Connection, Connection) {
    let mut c = Connection::new_client(Arc::new(client), ClientOptions::default());
    let mut s = Connection::new_server(Arc::new(server));
    c.start().unwrap();
    s.start().unwrap();
    (c, s)
}

fn connected(version: ProtocolVersion) -> (Connection, Connection) {
    let (mut c, mut s) = new_pair(
        only(version, Config::default()),
        only(version, server_config()),
    );
    pump(&mut c, &mut s).unwrap();
    assert!(!c.is_handshaking() && !s.is_handshaking());
    (c, s)
}

fn assert_fails(e: Error, conn: &Connection, alert: AlertDescription, reason: Reason) {
    assert_eq!(e.alert, Some(alert), "{e:?}");
    assert_eq!(e.reason, reason, "{e:?}");
    assert_eq!(conn.alert_sent(), Some(alert));
    assert_eq!(conn.error(), Some(&e), "the error sticks");
}

fn send_empty_records(from: &mut Connection, n: u32) {
    for _ in 0..n {
        from.common.send_application_data(&[]).unwrap();
    }
}

#[test]
fn empty_records_are_limited_in_both_versions() {
    for version in [ProtocolVersion::TLSV1_3, ProtocolVersion::TLSV1_2] {
        let (mut c, mut s) = connected(version);
        send_empty_records(&mut c, MAX_EMPTY_RECORDS);
        transfer(&mut c, &mut s).unwrap();
        // Content in between starts a new run.
        c.write_plaintext(b"x").unwrap();
        send_empty_records(&mut c, MAX_EMPTY_RECORDS);
        transfer(&mut c, &mut s).unwrap();
        send_empty_records(&mut c, 1);
        let e = transfer(&mut c, &mut s).unwrap_err();
        assert_fails(
            e,
            &s,
            AlertDescription::UNEXPECTED_MESSAGE,
            Reason::RECORD_TOO_SMALL,
        );
        let mut buf = [0u8; 4];
        assert_eq!(s.read_plaintext(&mut buf), 1, "{version}");
    }
}

#[test]
fn tls12_warning_alerts_are_limited() {
    let (mut c, mut s) = connected(ProtocolVersion::TLSV1_2);
    for _ in 0..MAX_WARNING_ALERTS - 1 {
        c.common
            .send_alert(AlertLevel::WARNING, AlertDescription::NO_RENEGOTIATION);
    }
    transfer(&mut c, &mut s).unwrap();
    c.write_plaintext(b"progress").unwrap();
    for _ in 0..MAX_WARNING_ALERTS - 1 {
        c.common
            .send_alert(AlertLevel::WARNING, AlertDescription::NO_RENEGOTIATION);
    }
    transfer(&mut c, &mut s).unwrap();
    c.common
        .send_alert(AlertLevel::WARNING, AlertDescription::NO_RENEGOTIATION);
    let e = transfer(&mut c, &mut s).unwrap_err();
    assert_fails(
        e,
        &s,
        AlertDescription::UNEXPECTED_MESSAGE,
        Reason::TOO_MANY_WARN_ALERTS,
    );
}

#[test]
fn tls13_user_canceled_is_limited_like_a_warning() {
    let (mut c, mut s) = connected(ProtocolVersion::TLSV1_3);
    for _ in 0..MAX_WARNING_ALERTS {
        c.common
            .send_alert(AlertLevel::WARNING, AlertDescription::USER_CANCELED);
    }
    let e = transfer(&mut c, &mut s).unwrap_err();
    assert_eq!(e.reason, Reason::TOO_MANY_WARN_ALERTS);
}

const CCS_RECORD: [u8; 6] = [20, 3, 3, 0, 1, 1];

#[test]
fn tls13_change_cipher_spec_flood_is_limited() {
    let (mut c, mut s) = new_pair(Config::default(), server_config());
    transfer(&mut c, &mut s).unwrap();
    // Up to the budget the handshake goes on as if nothing happened (the client's own
    // middlebox-compatibility CCS, still to come, is the last one it allows).
    let flood: Vec<u8> = CCS_RECORD.repeat(MAX_EMPTY_RECORDS as usize - 1);
    s.read_tls(&flood).unwrap();
    pump(&mut c, &mut s).unwrap();
    assert!(!s.is_handshaking());

    let (mut c, mut s) = new_pair(Config::default(), server_config());
    transfer(&mut c, &mut s).unwrap();
    let flood: Vec<u8> = CCS_RECORD.repeat(MAX_EMPTY_RECORDS as usize + 1);
    let e = s.read_tls(&flood).unwrap_err();
    assert_fails(
        e,
        &s,
        AlertDescription::UNEXPECTED_MESSAGE,
        Reason::RECORD_TOO_SMALL,
    );
}

#[test]
fn key_update_storm_is_limited() {
    let (mut c, mut s) = connected(ProtocolVersion::TLSV1_3);
    let key_update = |c: &mut Connection| c.key_update(false).unwrap();
    for _ in 0..MAX_KEY_UPDATES {
        key_update(&mut c);
    }
    transfer(&mut c, &mut s).unwrap();
    c.write_plaintext(b"data resets the count").unwrap();
    for _ in 0..MAX_KEY_UPDATES {
        key_update(&mut c);
    }
    transfer(&mut c, &mut s).unwrap();
    key_update(&mut c);
    let e = transfer(&mut c, &mut s).unwrap_err();
    assert_fails(
        e,
        &s,
        AlertDescription::UNEXPECTED_MESSAGE,
        Reason::TOO_MANY_KEY_UPDATES,
    );
}

#[test]
fn long_certificate_chains_are_refused() {
    let mut long = chain("server-ecdsa-p256");
    let intermediate = long[1].clone();
    while long.len() < MAX_CHAIN_CERTS {
        long.push(intermediate.clone());
    }
    let (mut c, mut s) = new_pair(Config::default(), server_config_with_chain(long.clone()));
    pump(&mut c, &mut s).unwrap();
    assert!(
        !c.is_handshaking(),
        "{MAX_CHAIN_CERTS} certificates are fine"
    );

    long.push(intermediate);
    for version in [ProtocolVersion::TLSV1_3, ProtocolVersion::TLSV1_2] {
        let (mut c, mut s) = new_pair(
            only(version, Config::default()),
            only(version, server_config_with_chain(long.clone())),
        );
        let e = pump(&mut c, &mut s).unwrap_err();
        assert_fails(
            e,
            &c,
            AlertDescription::BAD_CERTIFICATE,
            Reason::EXCESSIVE_MESSAGE_SIZE,
        );
    }
}

#[test]
fn handshake_messages_over_the_configured_size_are_refused() {
    // The server's Certificate message is larger than 600 bytes.
    let client = Config {
        max_handshake_message: 600,
        groups: vec![NamedGroup::X25519],
        ..Config::default()
    };
    let (mut c, mut s) = new_pair(client, server_config());
    let e = pump(&mut c, &mut s).unwrap_err();
    assert_fails(
        e,
        &c,
        AlertDescription::ILLEGAL_PARAMETER,
        Reason::EXCESSIVE_MESSAGE_SIZE,
    );

    // The configured bound is not a ClientHello's: any size its syntax allows (131,396
    // bytes) is accepted, as in OpenSSL; a header announcing more is refused before
    // buffering, as malformed.
    let mut server = server_config();
    server.max_handshake_message = 200;
    let server = Arc::new(server);
    let mut s = Connection::new_server(server.clone());
    s.start().unwrap();
    let header_only = [22, 3, 3, 0, 4, 1, 0, 0x10, 0];
    s.read_tls(&header_only).unwrap();
    let mut s = Connection::new_server(server);
    s.start().unwrap();
    let too_long = [22, 3, 3, 0, 4, 1, 0x02, 0x01, 0x45];
    let e = s.read_tls(&too_long).unwrap_err();
    assert_eq!(e.reason, Reason::EXCESSIVE_MESSAGE_SIZE);
    assert_eq!(e.alert, Some(AlertDescription::DECODE_ERROR));
}

#[test]
fn memory_stays_bounded_while_a_handshake_message_trickles_in() {
    let mut s = Connection::new_server(Arc::new(server_config()));
    s.start().unwrap();
    let limit = s.common.config.max_handshake_message;
    let len = limit as u32;
    let mut header = vec![1u8];
    header.extend_from_slice(&len.to_be_bytes()[1..]);
    let record = |body: &[u8]| {
        let mut r = vec![22, 3, 3];
        r.extend_from_slice(&(body.len() as u16).to_be_bytes());
        r.extend_from_slice(body);
        r
    };
    s.read_tls(&record(&header)).unwrap();
    let mut fed = 0;
    let chunk = vec![0u8; 16000];
    while fed + chunk.len() < limit {
        s.read_tls(&record(&chunk)).unwrap();
        fed += chunk.len();
        assert!(s.joiner.buffered_len() <= limit + 4);
        assert_eq!(s.buffered_tls(), 0, "no partial record is kept");
    }
    // The message completes at exactly the limit and is then judged (and refused: zeros).
    let e = s.read_tls(&record(&vec![0u8; limit - fed])).unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::DECODE_ERROR), "{e:?}");
    assert_eq!(s.joiner.buffered_len(), 0, "the message was consumed");
}

#[test]
fn nothing_after_close_notify_is_read() {
    for version in [ProtocolVersion::TLSV1_3, ProtocolVersion::TLSV1_2] {
        let (mut c, mut s) = connected(version);
        c.write_plaintext(b"before").unwrap();
        c.send_close_notify();
        let before_close = c.pending_tls().len();
        // Records the peer may not send any more, then a megabyte of garbage.
        c.common.send_application_data(b"after").unwrap();
        let mut bytes = c.pending_tls().to_vec();
        bytes.extend(std::iter::repeat_n(0x17, 1 << 20));
        let used = s.read_tls(&bytes).unwrap();
        assert_eq!(used, before_close, "{version}");
        assert!(s.received_close_notify());
        assert_eq!(s.read_tls(&bytes[used..]).unwrap(), 0);
        assert_eq!(s.buffered_tls(), 0);
        let mut buf = [0u8; 64];
        assert_eq!(s.read_plaintext(&mut buf), 6);
        assert_eq!(&buf[..6], b"before");
        assert_eq!(s.read_plaintext(&mut buf), 0);
    }
}

#[test]
fn a_second_hello_retry_request_is_refused_by_the_client() {
    let mut server = server_config();
    server.groups = vec![NamedGroup::SECP384R1];
    let (mut c, mut s) = new_pair(Config::default(), server);
    transfer(&mut c, &mut s).unwrap();
    let hrr = s.pending_tls().to_vec();
    assert!(s.negotiated().hello_retry);
    c.read_tls(&hrr).unwrap();
    // The same retry again: the client does not loop.
    let e = c.read_tls(&hrr).unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::UNEXPECTED_MESSAGE), "{e:?}");
}

#[test]
fn a_second_client_hello_without_the_requested_share_is_refused() {
    let mut server = server_config();
    server.groups = vec![NamedGroup::SECP384R1];
    let (mut c, mut s) = new_pair(Config::default(), server);
    let first_hello = c.pending_tls().to_vec();
    transfer(&mut c, &mut s).unwrap();
    assert!(s.negotiated().hello_retry);
    s.consume_tls(s.pending_tls().len());
    // The first ClientHello again, instead of one answering the retry: no second retry.
    let e = s.read_tls(&first_hello).unwrap_err();
    assert_fails(
        e,
        &s,
        AlertDescription::ILLEGAL_PARAMETER,
        Reason::BAD_KEY_SHARE,
    );
    assert!(!s.pending_tls().is_empty());
}

#[test]
fn a_panic_while_processing_input_becomes_internal_error() {
    let (c, mut s) = new_pair(Config::default(), server_config());
    test_hooks::PANIC_ON_NEXT_RECORD.with(|p| p.set(true));
    let e = s.read_tls(c.pending_tls()).unwrap_err();
    assert_fails(
        e,
        &s,
        AlertDescription::INTERNAL_ERROR,
        Reason::INTERNAL_ERROR,
    );
    // The internal_error alert is queued for the peer, in the clear before any keys.
    let out = s.pending_tls();
    assert_eq!(out, &[21, 3, 3, 0, 2, 2, 80]);
}
