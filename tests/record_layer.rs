//! Record-layer checks (RFC 5246 6.2, RFC 8446 5): record versions, TLS 1.3 outer types and
//! inner-plaintext limits, plaintext HTTP and SSLv2 hellos on a TLS port, the first flight's
//! framing and padding, and how handshake flights are packed into records.

use std::sync::Arc;
use tls::config::Config;
use tls::conn::Connection;
use tls::crypto::secret::Secret;
use tls::error::{Error, Reason};
use tls::events::Event;
use tls::msgs::enums::{AlertDescription, ContentType, NamedGroup, ProtocolVersion};
use tls::testing::*;

const HANDSHAKE: u8 = 22;
const APPLICATION_DATA: u8 = 23;

fn config_for(mut c: Config, max: ProtocolVersion) -> Config {
    c.max_version = max;
    c
}

fn server(max: ProtocolVersion) -> Connection {
    let cfg = config_for(server_config("server-ecdsa-p256"), max);
    let mut s = Connection::new_server(Arc::new(cfg));
    s.start().unwrap();
    s
}

fn client(max: ProtocolVersion) -> Connection {
    let mut c = Connection::new_client(Arc::new(config_for(client_config(), max)), localhost());
    c.start().unwrap();
    c
}

/// (offset, header) of each record in `wire`.
fn records(wire: &[u8]) -> Vec<(usize, [u8; 5])> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 5 <= wire.len() {
        let header: [u8; 5] = wire[at..at + 5].try_into().unwrap();
        out.push((at, header));
        at += 5 + u16::from_be_bytes([header[3], header[4]]) as usize;
    }
    assert_eq!(at, wire.len(), "whole records only");
    out
}

fn assert_failed(conn: &Connection, e: &Error, alert: AlertDescription, reason: Reason) {
    assert_eq!(e.alert, Some(alert), "{e:?}");
    assert_eq!(e.reason, reason, "{e:?}");
    assert_eq!(conn.alert_sent(), Some(alert));
}

/// The server's first flight for a fresh client, and that client.
fn server_flight(max: ProtocolVersion) -> (Connection, Vec<u8>) {
    let c = client(max);
    let mut s = server(max);
    s.read_tls(c.pending_tls()).unwrap();
    (c, s.pending_tls().to_vec())
}

#[test]
fn http_requests_are_named_and_get_no_alert() {
    for (request, reason) in [
        (&b"GET / HTTP/1.0\n"[..], Reason::HTTP_REQUEST),
        (b"POST / HTTP/1.0\n", Reason::HTTP_REQUEST),
        (b"HEAD / HTTP/1.0\n", Reason::HTTP_REQUEST),
        (b"PUT / HTTP/1.0\n", Reason::HTTP_REQUEST),
        (
            b"CONNECT www.example.com:443 HTTP/1.0\n",
            Reason::HTTPS_PROXY_REQUEST,
        ),
    ] {
        let mut s = server(ProtocolVersion::TLSV1_3);
        let e = s.read_tls(request).unwrap_err();
        assert_eq!(e.reason, reason, "{e:?}");
        assert_eq!(e.alert, None, "an HTTP client could not read an alert");
        assert!(s.pending_tls().is_empty());
        assert!(e.detail.contains("HTTP"), "{e:?}");
    }
    // Other garbage is a wrong version, as before.
    let mut s = server(ProtocolVersion::TLSV1_3);
    let e = s.read_tls(b"blah blah").unwrap_err();
    assert!(e.detail.contains("is it speaking TLS?"), "{e:?}");
    assert_failed(
        &s,
        &e,
        AlertDescription::PROTOCOL_VERSION,
        Reason::WRONG_VERSION_NUMBER,
    );
}

/// An SSLv2-compatible ClientHello (not supported) after a no-op record is still named as
/// not-TLS framing, not as an unknown record type.
#[test]
fn sslv2_hello_after_a_prefix_is_wrong_version_number() {
    let v2_hello = [0x80, 0x2e, 1, 3, 1, 0, 0x15, 0, 0, 0, 0x10];
    let empty_handshake = [HANDSHAKE, 3, 1, 0, 0];
    let warning_alert = [21, 3, 1, 0, 2, 1, 30];
    for prefix in [&empty_handshake[..], &warning_alert[..]] {
        let mut s = server(ProtocolVersion::TLSV1_2);
        let e = s.read_tls(&[prefix, &v2_hello[..]].concat()).unwrap_err();
        assert_failed(
            &s,
            &e,
            AlertDescription::PROTOCOL_VERSION,
            Reason::WRONG_VERSION_NUMBER,
        );
    }
}

#[test]
fn empty_handshake_records_spend_the_empty_record_budget() {
    let empty = [HANDSHAKE, 3, 1, 0, 0];
    let hello = client(ProtocolVersion::TLSV1_3).pending_tls().to_vec();
    let mut s = server(ProtocolVersion::TLSV1_3);
    let input = [empty.repeat(tls::limits::MAX_EMPTY_RECORDS as usize), hello].concat();
    assert_eq!(s.read_tls(&input).unwrap(), input.len());
    assert!(!s.pending_tls().is_empty(), "the hello was answered");

    let mut s = server(ProtocolVersion::TLSV1_3);
    let flood = empty.repeat(tls::limits::MAX_EMPTY_RECORDS as usize + 1);
    let e = s.read_tls(&flood).unwrap_err();
    assert_failed(
        &s,
        &e,
        AlertDescription::UNEXPECTED_MESSAGE,
        Reason::RECORD_TOO_SMALL,
    );
}

#[test]
fn tls12_records_after_server_hello_must_say_0303() {
    let (mut c, flight) = server_flight(ProtocolVersion::TLSV1_2);
    let recs = records(&flight);
    assert!(recs.len() > 1);
    // The ServerHello's own record may carry any 3.x version: the version is not known yet.
    let mut loose = flight.clone();
    loose[1..3].copy_from_slice(&[3, 0xff]);
    c.read_tls(&loose).unwrap();

    let (mut c, mut flight) = server_flight(ProtocolVersion::TLSV1_2);
    for (at, _) in records(&flight) {
        flight[at + 1..at + 3].copy_from_slice(&[3, 0xff]);
    }
    let e = c.read_tls(&flight).unwrap_err();
    assert_failed(
        &c,
        &e,
        AlertDescription::PROTOCOL_VERSION,
        Reason::WRONG_VERSION_NUMBER,
    );
    assert!(e.detail.contains("0x03ff"), "{e:?}");
}

#[test]
fn tls12_alerts_may_keep_an_old_record_version() {
    let (mut c, flight) = server_flight(ProtocolVersion::TLSV1_2);
    c.read_tls(&flight).unwrap();
    let e = c.read_tls(&[21, 3, 1, 0, 2, 2, 40]).unwrap_err();
    assert_eq!(
        e.reason,
        Reason::alert_received(AlertDescription::HANDSHAKE_FAILURE)
    );
    assert_eq!(c.alert_sent(), None);
}

#[test]
fn tls13_plaintext_record_versions_are_ignored() {
    let (mut c, mut flight) = server_flight(ProtocolVersion::TLSV1_3);
    for (at, header) in records(&flight) {
        if header[0] != APPLICATION_DATA {
            flight[at + 1..at + 3].copy_from_slice(&[3, 0x99]);
        }
    }
    c.read_tls(&flight).unwrap();
    assert!(c.error().is_none());
}

fn first_protected_record(flight: &[u8]) -> usize {
    records(flight)
        .into_iter()
        .find(|(_, h)| h[0] == APPLICATION_DATA)
        .expect("a protected record")
        .0
}

#[test]
fn tls13_protected_records_must_say_0303() {
    let (mut c, mut flight) = server_flight(ProtocolVersion::TLSV1_3);
    let at = first_protected_record(&flight);
    flight[at + 1..at + 3].copy_from_slice(&[3, 0xff]);
    let e = c.read_tls(&flight).unwrap_err();
    assert_failed(
        &c,
        &e,
        AlertDescription::PROTOCOL_VERSION,
        Reason::WRONG_VERSION_NUMBER,
    );
}

#[test]
fn tls13_protected_record_with_another_outer_type_is_bad_record_type() {
    let (mut c, mut flight) = server_flight(ProtocolVersion::TLSV1_3);
    let at = first_protected_record(&flight);
    flight[at] = HANDSHAKE;
    let e = c.read_tls(&flight).unwrap_err();
    assert_failed(
        &c,
        &e,
        AlertDescription::UNEXPECTED_MESSAGE,
        Reason::BAD_RECORD_TYPE,
    );
}

#[test]
fn server_hello_legacy_version_must_be_tls12_in_tls13() {
    let (mut c, mut flight) = server_flight(ProtocolVersion::TLSV1_3);
    // Record header 5, handshake header 4: legacy_version.
    flight[9..11].copy_from_slice(&[0x12, 0x34]);
    let e = c.read_tls(&flight).unwrap_err();
    assert_failed(
        &c,
        &e,
        AlertDescription::ILLEGAL_PARAMETER,
        Reason::UNSUPPORTED_PROTOCOL,
    );
}

#[test]
fn server_hello_legacy_version_after_hello_retry_is_a_decode_problem() {
    let mut cc = config_for(client_config(), ProtocolVersion::TLSV1_3);
    cc.groups = vec![NamedGroup::X25519, NamedGroup::SECP256R1];
    let mut sc = config_for(server_config("server-ecdsa-p256"), ProtocolVersion::TLSV1_3);
    sc.groups = vec![NamedGroup::SECP256R1];
    let mut c = Connection::new_client(Arc::new(cc), localhost());
    let mut s = Connection::new_server(Arc::new(sc));
    c.start().unwrap();
    s.start().unwrap();
    transfer(&mut c, &mut s).unwrap();
    transfer(&mut s, &mut c).unwrap();
    assert!(c.negotiated().hello_retry);
    transfer(&mut c, &mut s).unwrap();
    let mut flight = s.pending_tls().to_vec();
    flight[9..11].copy_from_slice(&[3, 5]);
    let e = c.read_tls(&flight).unwrap_err();
    assert_failed(
        &c,
        &e,
        AlertDescription::ILLEGAL_PARAMETER,
        Reason::BAD_PACKET,
    );
}

/// A TLS 1.3 pair after the handshake, and a sealer for the client's next records (the client
/// has sent nothing under its application key yet, so its sequence number is 0).
fn tls13_pair_and_client_sealer() -> (Pair, tls::record::RecordEncrypter) {
    let mut cc = config_for(client_config(), ProtocolVersion::TLSV1_3);
    cc.max_version = ProtocolVersion::TLSV1_3;
    let mut client = Connection::new_client(Arc::new(cc), localhost());
    client.enable_events(false, true);
    let mut server = Connection::new_server(Arc::new(config_for(
        server_config("server-ecdsa-p256"),
        ProtocolVersion::TLSV1_3,
    )));
    client.start().unwrap();
    server.start().unwrap();
    pump(&mut client, &mut server).unwrap();
    assert!(!client.is_handshaking() && !server.is_handshaking());
    let secret = client
        .take_events()
        .into_iter()
        .find_map(|e| match e {
            Event::Secret {
                label: "CLIENT_TRAFFIC_SECRET_0",
                secret,
                ..
            } => Some(Secret::from_slice(secret.as_bytes())),
            _ => None,
        })
        .expect("the client logged its traffic secret");
    let suite = client.negotiated().suite.unwrap();
    let sealer = tls::record::keys::tls13_encrypter(suite, &secret).unwrap();
    let pair = Pair {
        client,
        server,
        client_result: Ok(()),
        server_result: Ok(()),
    };
    (pair, sealer)
}

/// Seals `inner` as the whole TLSInnerPlaintext: content, type byte and padding as given.
fn seal_inner(sealer: &mut tls::record::RecordEncrypter, inner: &[u8]) -> Vec<u8> {
    // The encrypter appends the content type; a zero there is one more byte of padding.
    let mut out = Vec::new();
    sealer.encrypt(ContentType(0), inner, &mut out).unwrap();
    out
}

#[test]
fn tls13_padding_is_removed_and_padding_only_records_are_refused() {
    let (mut p, mut sealer) = tls13_pair_and_client_sealer();
    let padded = [&b"hi"[..], &[APPLICATION_DATA], &[0; 100]].concat();
    let record = seal_inner(&mut sealer, &padded);
    p.server.read_tls(&record).unwrap();
    let mut got = [0u8; 8];
    assert_eq!(p.server.read_plaintext(&mut got), 2);
    assert_eq!(&got[..2], b"hi");

    for only_padding in [&[][..], &[0; 10][..]] {
        let (mut p, mut sealer) = tls13_pair_and_client_sealer();
        let record = seal_inner(&mut sealer, only_padding);
        let e = p.server.read_tls(&record).unwrap_err();
        assert_failed(
            &p.server,
            &e,
            AlertDescription::UNEXPECTED_MESSAGE,
            Reason::DECRYPTION_FAILED_OR_BAD_RECORD_MAC,
        );
    }
}

#[test]
fn tls13_inner_plaintext_over_2_14_plus_1_is_record_overflow() {
    // 2^14 + 1 bytes of TLSInnerPlaintext and a 16-byte tag fit; one byte more does not,
    // whatever part of it is padding, and that shows before decryption.
    let cases = [
        (16384 + 1 + 16, AlertDescription::BAD_RECORD_MAC),
        (16384 + 2 + 16, AlertDescription::RECORD_OVERFLOW),
        (16384 + 256, AlertDescription::RECORD_OVERFLOW),
        (16384 + 257, AlertDescription::RECORD_OVERFLOW),
    ];
    for (len, alert) in cases {
        let (mut p, _) = tls13_pair_and_client_sealer();
        let mut record = vec![APPLICATION_DATA, 3, 3];
        record.extend_from_slice(&(len as u16).to_be_bytes());
        record.resize(5 + len, 0x5a);
        let e = p.server.read_tls(&record).unwrap_err();
        let reason = match len {
            16401 => Reason::DECRYPTION_FAILED_OR_BAD_RECORD_MAC,
            16402..=16640 => Reason::DATA_LENGTH_TOO_LONG,
            _ => Reason::ENCRYPTED_LENGTH_TOO_LONG,
        };
        assert_failed(&p.server, &e, alert, reason);
    }
}

#[test]
fn first_client_hello_record_says_0301_and_later_records_0303() {
    let c = client(ProtocolVersion::TLSV1_3);
    let recs = records(c.pending_tls());
    assert_eq!(recs.len(), 1);
    assert_eq!(&recs[0].1[..3], &[HANDSHAKE, 3, 1]);

    // After a HelloRetryRequest the second ClientHello is not an initial one (RFC 8446 5.1).
    let mut cc = config_for(client_config(), ProtocolVersion::TLSV1_3);
    cc.groups = vec![NamedGroup::X25519, NamedGroup::SECP256R1];
    let mut sc = config_for(server_config("server-ecdsa-p256"), ProtocolVersion::TLSV1_3);
    sc.groups = vec![NamedGroup::SECP256R1];
    let mut c = Connection::new_client(Arc::new(cc), localhost());
    let mut s = Connection::new_server(Arc::new(sc));
    c.start().unwrap();
    s.start().unwrap();
    transfer(&mut c, &mut s).unwrap();
    transfer(&mut s, &mut c).unwrap();
    assert!(c.negotiated().hello_retry);
    let second = c.pending_tls().to_vec();
    assert!(!second.is_empty());
    for (_, header) in records(&second) {
        assert_eq!(&header[1..3], &[3, 3], "{header:?}");
    }
}

/// The ClientHello handshake message (without its record header).
fn client_hello_message(c: &Connection) -> Vec<u8> {
    let wire = c.pending_tls();
    let recs = records(wire);
    assert_eq!(recs.len(), 1);
    wire[5..].to_vec()
}

fn has_padding_extension(hello: &[u8]) -> bool {
    // Extensions follow: header 4, version 2, random 32, session id, suites, compression.
    let mut at = 4 + 2 + 32;
    at += 1 + hello[at] as usize;
    at += 2 + u16::from_be_bytes([hello[at], hello[at + 1]]) as usize;
    at += 1 + hello[at] as usize;
    let end = at + 2 + u16::from_be_bytes([hello[at], hello[at + 1]]) as usize;
    assert_eq!(end, hello.len());
    at += 2;
    while at < end {
        let typ = u16::from_be_bytes([hello[at], hello[at + 1]]);
        let len = u16::from_be_bytes([hello[at + 2], hello[at + 3]]) as usize;
        if typ == 21 {
            assert!(hello[at + 4..at + 4 + len].iter().all(|&b| b == 0));
            return true;
        }
        at += 4 + len;
    }
    false
}

#[test]
fn client_hellos_between_256_and_511_bytes_are_padded_to_512() {
    let hello_for = |name: &str, groups: Vec<NamedGroup>| {
        let mut cc = config_for(client_config(), ProtocolVersion::TLSV1_3);
        cc.groups = groups;
        let mut opts = localhost();
        opts.server_name = Some(name.to_string());
        let mut c = Connection::new_client(Arc::new(cc), opts);
        c.start().unwrap();
        client_hello_message(&c)
    };
    let mut padded = 0;
    for extra in 0..120 {
        let name = format!("{}.example", "a".repeat(extra + 1));
        let hello = hello_for(&name, vec![NamedGroup::X25519]);
        if has_padding_extension(&hello) {
            padded += 1;
            // At least one byte of padding: 508..=511 bytes become 513..=516.
            assert!((512..=516).contains(&hello.len()), "{}", hello.len());
        } else {
            assert!(!(256..512).contains(&hello.len()), "{}", hello.len());
        }
    }
    assert!(padded > 0, "some names land in the padded range");
    // With the post-quantum share the hello is far above 512: no padding.
    let big = hello_for(
        "example.com",
        vec![NamedGroup::X25519_MLKEM768, NamedGroup::X25519],
    );
    assert!(big.len() > 1024);
    assert!(!has_padding_extension(&big));
    // And a padded hello still completes a handshake.
    let mut cc = config_for(client_config(), ProtocolVersion::TLSV1_3);
    cc.groups = vec![NamedGroup::X25519];
    let p = handshake(cc, server_config("server-ecdsa-p256"), localhost());
    p.assert_ok();
}

#[test]
fn tls13_flights_are_packed_into_as_few_records_as_possible() {
    let (_, flight) = server_flight(ProtocolVersion::TLSV1_3);
    let kinds: Vec<u8> = records(&flight).iter().map(|(_, h)| h[0]).collect();
    // ServerHello, the compatibility ChangeCipherSpec, then EncryptedExtensions, Certificate,
    // CertificateVerify and Finished in one protected record.
    assert_eq!(kinds, [HANDSHAKE, 20, APPLICATION_DATA]);

    // The tickets after the client's Finished share a record too.
    let mut cc = config_for(client_config(), ProtocolVersion::TLSV1_3);
    cc.max_version = ProtocolVersion::TLSV1_3;
    let mut c = Connection::new_client(Arc::new(cc), localhost());
    let mut s = server(ProtocolVersion::TLSV1_3);
    c.start().unwrap();
    transfer(&mut c, &mut s).unwrap();
    transfer(&mut s, &mut c).unwrap();
    transfer(&mut c, &mut s).unwrap();
    assert!(!s.is_handshaking());
    let tickets = records(s.pending_tls());
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    transfer(&mut s, &mut c).unwrap();
    assert!(c.session().is_some());
}
