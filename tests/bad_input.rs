//! Malformed, truncated and out-of-order input gets the matching alert and reason, never a
//! panic, hang or unbounded allocation.

use std::sync::Arc;
use tls::conn::Connection;
use tls::error::Reason;
use tls::msgs::enums::AlertDescription;
use tls::testing::*;

fn server() -> Connection {
    let mut s = Connection::new_server(Arc::new(server_config("server-ecdsa-p256")));
    s.start().unwrap();
    s
}

fn client() -> Connection {
    let mut c = Connection::new_client(Arc::new(client_config()), localhost());
    c.start().unwrap();
    c
}

fn client_hello() -> Vec<u8> {
    client().pending_tls().to_vec()
}

/// The alert record a peer that failed with `desc` wrote last, in the clear.
fn last_alert(conn: &Connection) -> Option<u8> {
    let out = conn.pending_tls();
    (out.len() >= 7 && out[out.len() - 7] == 21).then(|| out[out.len() - 1])
}

fn expect_failure(conn: &mut Connection, input: &[u8], alert: AlertDescription, reason: Reason) {
    let e = conn.read_tls(input).unwrap_err();
    assert_eq!(e.alert, Some(alert), "{e:?}");
    assert_eq!(e.reason, reason, "{e:?}");
    assert_eq!(conn.alert_sent(), Some(alert));
    assert_eq!(last_alert(conn), Some(alert.0));
    // The error sticks.
    assert_eq!(conn.read_tls(&[22]).unwrap_err(), e);
}

#[test]
fn a_partial_record_waits_for_more() {
    let ch = client_hello();
    let mut s = server();
    for chunk in ch.chunks(7) {
        assert_eq!(s.read_tls(chunk).unwrap(), chunk.len());
    }
    assert!(
        !s.pending_tls().is_empty(),
        "the server answered the reassembled hello"
    );
}

#[test]
fn every_truncation_of_client_hello_is_an_error_or_a_wait() {
    let ch = client_hello();
    let body_len = ch.len() - 5;
    for cut in 1..body_len {
        // The record claims its true length, the handshake message inside is cut short.
        let mut msg = ch[5..5 + cut].to_vec();
        if msg.len() >= 4 {
            let inner = (cut - 4) as u32;
            msg[1..4].copy_from_slice(&inner.to_be_bytes()[1..]);
        }
        let mut s = server();
        match s.read_tls(&record(22, &msg)) {
            Ok(_) => assert!(cut < 4, "cut {cut} accepted"),
            Err(e) => assert!(
                // Cut right after the compression methods, it is a valid extension-less
                // (TLS 1.2-style) hello: then it lacks the extended master secret that TLS 1.2
                // requires (or, with TLS 1.2 disabled, the version is what is wrong).
                matches!(
                    e.alert,
                    Some(AlertDescription::DECODE_ERROR)
                        | Some(AlertDescription::ILLEGAL_PARAMETER)
                        | Some(AlertDescription::PROTOCOL_VERSION)
                        | Some(AlertDescription::HANDSHAKE_FAILURE)
                ),
                "cut {cut}: {e:?}"
            ),
        }
    }
}

#[test]
fn trailing_bytes_in_client_hello_are_decode_error() {
    let ch = client_hello();
    let mut msg = ch[5..].to_vec();
    msg.extend_from_slice(&[0, 0]);
    let inner = (msg.len() - 4) as u32;
    msg[1..4].copy_from_slice(&inner.to_be_bytes()[1..]);
    let mut s = server();
    let e = s.read_tls(&record(22, &msg)).unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::DECODE_ERROR), "{e:?}");
}

#[test]
fn finished_first_is_unexpected_message() {
    let mut fin = vec![20, 0, 0, 32];
    fin.extend_from_slice(&[0; 32]);
    expect_failure(
        &mut server(),
        &record(22, &fin),
        AlertDescription::UNEXPECTED_MESSAGE,
        Reason::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn application_data_first_is_unexpected_message() {
    expect_failure(
        &mut server(),
        &record(23, b"hello"),
        AlertDescription::UNEXPECTED_MESSAGE,
        Reason::UNEXPECTED_RECORD,
    );
}

#[test]
fn oversized_record_is_record_overflow() {
    let mut s = server();
    let e = s.read_tls(&[22, 3, 3, 0x40, 0x01]).unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::RECORD_OVERFLOW));
    assert_eq!(last_alert(&s), Some(22));
}

#[test]
fn huge_handshake_length_is_refused_before_buffering() {
    // A header announcing 16 MiB: rejected at once, nothing waits for the body. No
    // ClientHello can be that long, so the message is malformed (issue #18).
    let mut s = server();
    let e = s.read_tls(&record(22, &[1, 0xff, 0xff, 0xff])).unwrap_err();
    assert_eq!(e.reason, Reason::EXCESSIVE_MESSAGE_SIZE);
    assert_eq!(e.alert, Some(AlertDescription::DECODE_ERROR));
}

#[test]
fn non_tls_bytes_are_diagnosed() {
    let mut s = server();
    let e = s
        .read_tls(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap_err();
    assert!(e.detail.contains("HTTP"), "{e:?}");
    let mut s = server();
    let e = s.read_tls(&[0x80; 64]).unwrap_err();
    assert_eq!(e.reason, Reason::WRONG_VERSION_NUMBER);
}

#[test]
fn malformed_change_cipher_spec_is_rejected() {
    let ch = client_hello();
    let mut s = server();
    s.read_tls(&ch).unwrap();
    let e = s.read_tls(&record(20, &[2])).unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::UNEXPECTED_MESSAGE));
    assert_eq!(e.reason, Reason::INVALID_CCS_MESSAGE);
}

#[test]
fn server_hello_with_a_suite_we_did_not_offer_is_illegal_parameter() {
    let mut c = client();
    let mut s = server();
    s.read_tls(c.pending_tls()).unwrap();
    let mut flight = s.pending_tls().to_vec();
    // record header 5, handshake header 4, version 2, random 32, session id 1 + 32: the suite.
    let at = 5 + 4 + 2 + 32 + 1 + 32;
    flight[at..at + 2].copy_from_slice(&[0x13, 0x05]);
    let e = c.read_tls(&flight).unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
    assert_eq!(e.reason, Reason::WRONG_CIPHER_RETURNED);
}

#[test]
fn tampered_protected_record_is_bad_record_mac() {
    let mut c = client();
    let mut s = server();
    s.read_tls(c.pending_tls()).unwrap();
    let mut flight = s.pending_tls().to_vec();
    let last = flight.len() - 1;
    flight[last] ^= 1;
    let e = c.read_tls(&flight).unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::BAD_RECORD_MAC));
    assert_eq!(e.reason, Reason::DECRYPTION_FAILED_OR_BAD_RECORD_MAC);
}

#[test]
fn a_client_hello_after_the_handshake_is_unexpected() {
    let p = handshake(
        client_config(),
        server_config("server-ecdsa-p256"),
        localhost(),
    );
    p.assert_ok();
    let mut server = p.server;
    let mut client = p.client;
    client.write_plaintext(b"x").unwrap();
    transfer(&mut client, &mut server).unwrap();
    // TLS 1.3 has no renegotiation, and after the handshake every record is protected: a
    // plaintext ClientHello is refused outright.
    let e = server.read_tls(&client_hello()).unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::UNEXPECTED_MESSAGE));
}

#[test]
fn random_bytes_never_panic() {
    // A cheap deterministic generator: every byte string of this shape must end in Ok or Err.
    let mut x: u32 = 0x1234_5678;
    for round in 0..2000 {
        let mut input = vec![22, 3, 3, 0, 0];
        let n = (round % 300) + 4;
        for _ in 0..n {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            input.push(x as u8);
        }
        input[3..5].copy_from_slice(&(n as u16).to_be_bytes());
        input[5] = [1, 2, 8, 11, 15, 20][round % 6];
        let _ = server().read_tls(&input);
        let _ = client().read_tls(&input);
    }
}
