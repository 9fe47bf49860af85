//! What an outside conformance suite sends a server (issue #18): empty protected alerts,
//! Finished messages of the wrong length, messages out of order, misframed and odd
//! ClientHellos, and the alerts the established peers agree on where the RFCs leave room.

use std::sync::Arc;
use tls::config::Config;
use tls::conn::Connection;
use tls::error::{Error, Reason};
use tls::events::Event;
use tls::msgs::enums::{
    AlertDescription, CipherSuite, ContentType, ExtensionType, NamedGroup, ProtocolVersion,
};
use tls::msgs::extensions::{ClientExtension, Extension};
use tls::msgs::handshake::{ClientHello, HandshakeMessage};
use tls::record::RecordEncrypter;
use tls::testing::*;

const TLS12: ProtocolVersion = ProtocolVersion::TLSV1_2;
const TLS13: ProtocolVersion = ProtocolVersion::TLSV1_3;
const HANDSHAKE: u8 = 22;

pub fn record(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![typ, 3, 3];
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

fn versioned(mut c: Config, max: ProtocolVersion) -> Config {
    c.max_version = max;
    c
}

fn server_with(cfg: Config) -> Connection {
    let mut s = Connection::new_server(Arc::new(cfg));
    s.start().unwrap();
    s
}

fn server(max: ProtocolVersion) -> Connection {
    server_with(versioned(server_config("server-ecdsa-p256"), max))
}

fn client_with(cfg: Config) -> Connection {
    let mut c = Connection::new_client(Arc::new(cfg), localhost());
    c.enable_events(false, true);
    c.start().unwrap();
    c
}

/// The ClientHello a fresh client of `max` sends, decoded.
fn client_hello(max: ProtocolVersion) -> ClientHello {
    let c = client_with(versioned(client_config(), max));
    let wire = c.pending_tls();
    match HandshakeMessage::decode_encoded(&wire[5..], TLS13).unwrap() {
        HandshakeMessage::ClientHello(ch) => ch,
        other => panic!("not a ClientHello: {other:?}"),
    }
}

fn encode_hello(ch: ClientHello) -> Vec<u8> {
    HandshakeMessage::ClientHello(ch).encode().unwrap()
}

fn assert_fails(conn: &Connection, e: &Error, alert: AlertDescription) {
    assert_eq!(e.alert, Some(alert), "{e:?}");
    assert_eq!(conn.alert_sent(), Some(alert), "{e:?}");
}

fn expect_alert(conn: &mut Connection, input: &[u8], alert: AlertDescription) -> Error {
    let e = conn.read_tls(input).unwrap_err();
    assert_fails(conn, &e, alert);
    e
}

/// A TLS 1.3 server that has sent its flight, and a sealer for the client's records under the
/// client handshake traffic secret (nothing sealed with it yet).
fn tls13_server_awaiting_finished() -> (Connection, RecordEncrypter, usize) {
    let mut c = client_with(versioned(client_config(), TLS13));
    let mut s = server(TLS13);
    transfer(&mut c, &mut s).unwrap();
    transfer(&mut s, &mut c).unwrap();
    let secret = logged_secret(&c.take_events(), "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    let suite = c.negotiated().suite.unwrap();
    let sealer = tls::record::keys::tls13_encrypter(suite, &secret).unwrap();
    (s, sealer, suite.hash.output_len())
}

/// A TLS 1.3 pair after the handshake and a sealer for the client's next records.
fn tls13_established_server() -> (Connection, RecordEncrypter) {
    let mut c = client_with(versioned(client_config(), TLS13));
    let mut s = server(TLS13);
    for _ in 0..4 {
        transfer(&mut c, &mut s).unwrap();
        transfer(&mut s, &mut c).unwrap();
    }
    assert!(!s.is_handshaking());
    let secret = logged_secret(&c.take_events(), "CLIENT_TRAFFIC_SECRET_0");
    let suite = c.negotiated().suite.unwrap();
    (
        s,
        tls::record::keys::tls13_encrypter(suite, &secret).unwrap(),
    )
}

/// Seals `inner` as the whole TLSInnerPlaintext (content, type byte and padding as given).
fn seal_inner(sealer: &mut RecordEncrypter, inner: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    sealer.encrypt(ContentType(0), inner, &mut out).unwrap();
    out
}

#[test]
fn empty_tls13_alerts_are_unexpected_message() {
    for padding in [0usize, 2, 5, 30] {
        let inner = [&[21u8][..], &vec![0; padding]].concat();
        let (mut s, mut sealer, _) = tls13_server_awaiting_finished();
        let e = expect_alert(
            &mut s,
            &seal_inner(&mut sealer, &inner),
            AlertDescription::UNEXPECTED_MESSAGE,
        );
        assert_eq!(e.reason, Reason::BAD_LENGTH, "{e:?}");

        let (mut s, mut sealer) = tls13_established_server();
        expect_alert(
            &mut s,
            &seal_inner(&mut sealer, &inner),
            AlertDescription::UNEXPECTED_MESSAGE,
        );
    }
}

#[test]
fn tls13_finished_of_the_wrong_length_is_decode_error() {
    let cases: [(Option<usize>, isize, AlertDescription); 5] = [
        (Some(0), 0, AlertDescription::DECODE_ERROR),
        (None, 1, AlertDescription::DECODE_ERROR),
        (None, 16, AlertDescription::DECODE_ERROR),
        (None, -1, AlertDescription::DECODE_ERROR),
        (None, 0, AlertDescription::DECRYPT_ERROR),
    ];
    for (fixed, delta, alert) in cases {
        let (mut s, mut sealer, hash_len) = tls13_server_awaiting_finished();
        let len = fixed.unwrap_or((hash_len as isize + delta) as usize);
        let verify_data = vec![7u8; len];
        let fin = handshake_message(20, &verify_data);
        let inner = [&fin[..], &[HANDSHAKE]].concat();
        expect_alert(&mut s, &seal_inner(&mut sealer, &inner), alert);
    }
}

/// (server after the client's ChangeCipherSpec, a sealer for the client's Finished record) of a
/// TLS 1.2 handshake, from the client's logged master secret.
fn tls12_server_awaiting_finished() -> (Connection, RecordEncrypter) {
    let mut c = client_with(versioned(client_config(), TLS12));
    let mut s = server(TLS12);
    transfer(&mut c, &mut s).unwrap();
    let flight = s.pending_tls().to_vec();
    // Record header 5, handshake header 4, version 2: the server random.
    let server_random: [u8; 32] = flight[11..43].try_into().unwrap();
    transfer(&mut s, &mut c).unwrap();
    let events = c.take_events();
    let master = logged_secret(&events, "CLIENT_RANDOM");
    let client_random = events
        .iter()
        .find_map(|e| match e {
            Event::Secret { client_random, .. } => Some(*client_random),
            _ => None,
        })
        .unwrap();
    let suite = c.negotiated().suite.unwrap();
    let keys = tls::crypto::tls12::key_block(
        suite.hash,
        suite.aead,
        master.as_bytes(),
        &client_random,
        &server_random,
    )
    .unwrap();
    // Everything the client wrote but its Finished (the last record).
    let out = c.pending_tls().to_vec();
    let mut at = 0;
    let mut last = 0;
    while at < out.len() {
        last = at;
        at += 5 + u16::from_be_bytes([out[at + 3], out[at + 4]]) as usize;
    }
    s.read_tls(&out[..last]).unwrap();
    (
        s,
        tls::record::keys::tls12_encrypter(suite, &keys, true).unwrap(),
    )
}

#[test]
fn tls12_finished_of_the_wrong_length_is_decode_error() {
    let cases: [(Vec<u8>, AlertDescription); 5] = [
        (vec![], AlertDescription::DECODE_ERROR),
        (vec![7; 13], AlertDescription::DECODE_ERROR),
        (vec![7; 32], AlertDescription::DECODE_ERROR),
        (vec![7; 11], AlertDescription::DECODE_ERROR),
        (vec![7; 12], AlertDescription::DECRYPT_ERROR),
    ];
    for (verify_data, alert) in cases {
        let (mut s, mut sealer) = tls12_server_awaiting_finished();
        let mut rec = Vec::new();
        sealer
            .encrypt(
                ContentType::HANDSHAKE,
                &handshake_message(20, &verify_data),
                &mut rec,
            )
            .unwrap();
        expect_alert(&mut s, &rec, alert);
    }
}

#[test]
fn a_first_message_of_another_type_is_unexpected_whatever_its_body() {
    // hello_request, new_session_ticket, encrypted_extensions, certificate_request,
    // server_hello_done, client_key_exchange: each with a body its own decoder refuses.
    for typ in [0u8, 4, 8, 13, 14, 16] {
        for body in [&[1u8, 2, 3][..], &[0xff; 40][..]] {
            for max in [TLS12, TLS13] {
                let mut s = server(max);
                let msg = handshake_message(typ, body);
                let e = expect_alert(
                    &mut s,
                    &record(HANDSHAKE, &msg),
                    AlertDescription::UNEXPECTED_MESSAGE,
                );
                assert_eq!(e.reason, Reason::UNEXPECTED_MESSAGE, "type {typ}: {e:?}");
            }
        }
    }
}

#[test]
fn a_misframed_client_hello_is_decode_error_not_a_bad_value() {
    // The last suite, 0x0105, read as a compression list (one method, 5) once the suites'
    // length is short by 2: a value that would be illegal, in a message that does not parse.
    let mut ch = client_hello(TLS13);
    ch.cipher_suites.push(CipherSuite(0x0105));
    let hello = encode_hello(ch);
    // Header 4, version 2, random 32, session id: then the cipher suites' length.
    let at = 4 + 2 + 32 + 1 + hello[4 + 2 + 32] as usize;
    let len = u16::from_be_bytes([hello[at], hello[at + 1]]);
    for wrong in [len - 2, len + 2, len - 4, len + 4, len + 1] {
        let mut bad = hello.clone();
        bad[at..at + 2].copy_from_slice(&wrong.to_be_bytes());
        let mut s = server(TLS13);
        expect_alert(
            &mut s,
            &record(HANDSHAKE, &bad),
            AlertDescription::DECODE_ERROR,
        );
    }
}

#[test]
fn legacy_version_ssl3_or_older_with_supported_versions_is_protocol_version() {
    for legacy in [0x0300u16, 0x0200, 0x0000] {
        let mut ch = client_hello(TLS13);
        ch.legacy_version = ProtocolVersion(legacy);
        let mut s = server(TLS13);
        let e = expect_alert(
            &mut s,
            &record(HANDSHAKE, &encode_hello(ch)),
            AlertDescription::PROTOCOL_VERSION,
        );
        assert!(e.detail.contains("legacy_version"), "{e:?}");
    }
}

fn replace_extension(ch: &mut ClientHello, typ: ExtensionType, with: Option<ClientExtension>) {
    let at = ch.extensions.iter().position(|e| e.ext_type() == typ);
    match (at, with) {
        (Some(at), Some(ext)) => ch.extensions[at] = ext,
        (Some(at), None) => {
            ch.extensions.remove(at);
        }
        (None, Some(ext)) => ch.extensions.insert(0, ext),
        (None, None) => {}
    }
}

#[test]
fn ec_point_formats_is_ignored_in_tls13() {
    for body in [&[][..], &[0x5a, 0x17, 0xc3][..], &[3, 1, 2, 0xff][..]] {
        let mut ch = client_hello(TLS13);
        let ext = ClientExtension::Unknown {
            typ: ExtensionType::EC_POINT_FORMATS,
            data: body.to_vec(),
        };
        replace_extension(&mut ch, ExtensionType::EC_POINT_FORMATS, Some(ext));
        let mut s = server(TLS13);
        s.read_tls(&record(HANDSHAKE, &encode_hello(ch))).unwrap();
        assert_eq!(s.negotiated().version, Some(TLS13));
    }
    // TLS 1.2 still judges it (RFC 8422 5.1.2).
    let mut ch = client_hello(TLS12);
    let ext = ClientExtension::Unknown {
        typ: ExtensionType::EC_POINT_FORMATS,
        data: vec![],
    };
    replace_extension(&mut ch, ExtensionType::EC_POINT_FORMATS, Some(ext));
    let mut s = server(TLS12);
    expect_alert(
        &mut s,
        &record(HANDSHAKE, &encode_hello(ch)),
        AlertDescription::DECODE_ERROR,
    );
}

#[test]
fn fallback_scsv_below_tls12_is_protocol_version() {
    let mut ch = client_hello(TLS12);
    ch.legacy_version = ProtocolVersion(0x0301);
    ch.cipher_suites.push(CipherSuite::TLS_FALLBACK_SCSV);
    replace_extension(&mut ch, ExtensionType::SUPPORTED_VERSIONS, None);
    let mut s = server(TLS13);
    expect_alert(
        &mut s,
        &record(HANDSHAKE, &encode_hello(ch)),
        AlertDescription::PROTOCOL_VERSION,
    );
    // A fallback to TLS 1.2 when we do TLS 1.3 is still inappropriate_fallback.
    let mut ch = client_hello(TLS12);
    ch.cipher_suites.push(CipherSuite::TLS_FALLBACK_SCSV);
    let mut s = server(TLS13);
    expect_alert(
        &mut s,
        &record(HANDSHAKE, &encode_hello(ch)),
        AlertDescription::INAPPROPRIATE_FALLBACK,
    );
}

/// A server_name extension body holding `names` as (type, name) entries.
fn sni_body(names: &[(u8, &[u8])]) -> Vec<u8> {
    let mut list = Vec::new();
    for (typ, name) in names {
        list.push(*typ);
        list.extend_from_slice(&(name.len() as u16).to_be_bytes());
        list.extend_from_slice(name);
    }
    [&(list.len() as u16).to_be_bytes()[..], &list].concat()
}

#[test]
fn invalid_host_names_are_illegal_parameter() {
    let cases: [&[(u8, &[u8])]; 6] = [
        &[(0, b"a\0b.example")],
        &[(0, b"a\x07.example")],
        &[(0, b"caf\xc3\xa9.example")],
        &[(0, b"\xff\xfe")],
        &[(0, b"a.example"), (0, b"b.example")],
        &[(0, b"a..example")],
    ];
    for max in [TLS12, TLS13] {
        for names in cases {
            let mut ch = client_hello(max);
            let ext = ClientExtension::Unknown {
                typ: ExtensionType::SERVER_NAME,
                data: sni_body(names),
            };
            replace_extension(&mut ch, ExtensionType::SERVER_NAME, Some(ext));
            let mut s = server(max);
            expect_alert(
                &mut s,
                &record(HANDSHAKE, &encode_hello(ch)),
                AlertDescription::ILLEGAL_PARAMETER,
            );
        }
        // An empty name does not parse: decode_error.
        let mut ch = client_hello(max);
        let ext = ClientExtension::Unknown {
            typ: ExtensionType::SERVER_NAME,
            data: sni_body(&[(0, b"")]),
        };
        replace_extension(&mut ch, ExtensionType::SERVER_NAME, Some(ext));
        let mut s = server(max);
        expect_alert(
            &mut s,
            &record(HANDSHAKE, &encode_hello(ch)),
            AlertDescription::DECODE_ERROR,
        );
    }
}

#[test]
fn tls12_session_offered_without_its_suite_is_illegal_parameter() {
    let sc = versioned(server_config("server-ecdsa-p256"), TLS12);
    let cc = versioned(client_config(), TLS12);
    let first = handshake(cc.clone(), sc.clone(), localhost());
    first.assert_ok();
    let session = first.client.session().cloned().expect("a session");
    let suite = session.suite;
    // The same server context (its ticket keys) sees the session offered again.
    let mut server = first.server;
    let _ = server;
    let sc = Arc::new(sc);
    let mut c = Connection::new_client(Arc::new(cc), localhost());
    c.set_resume_session(Some(session));
    c.start().unwrap();
    let wire = c.pending_tls().to_vec();
    let HandshakeMessage::ClientHello(mut ch) =
        HandshakeMessage::decode_encoded(&wire[5..], TLS13).unwrap()
    else {
        panic!("not a ClientHello")
    };
    assert!(ch.cipher_suites.contains(&suite));
    ch.cipher_suites.retain(|s| *s != suite);
    server = Connection::new_server(sc.clone());
    server.start().unwrap();
    let e = expect_alert(
        &mut server,
        &record(HANDSHAKE, &encode_hello(ch.clone())),
        AlertDescription::ILLEGAL_PARAMETER,
    );
    assert_eq!(e.reason, Reason::REQUIRED_CIPHER_MISSING);
}

#[test]
fn tls12_client_without_supported_groups_gets_p256() {
    let mut ch = client_hello(TLS12);
    replace_extension(&mut ch, ExtensionType::SUPPORTED_GROUPS, None);
    let mut sc = versioned(server_config("server-rsa2048"), TLS12);
    sc.groups = vec![
        NamedGroup::X25519,
        NamedGroup::SECP384R1,
        NamedGroup::SECP256R1,
    ];
    let mut s = server_with(sc);
    s.read_tls(&record(HANDSHAKE, &encode_hello(ch))).unwrap();
    assert_eq!(s.negotiated().group, Some(NamedGroup::SECP256R1));
}

#[test]
fn no_writes_after_a_tls12_close_notify_but_tls13_keeps_half_close() {
    for (max, writable) in [(TLS12, false), (TLS13, true)] {
        let mut p = handshake(
            versioned(client_config(), max),
            versioned(server_config("server-ecdsa-p256"), max),
            localhost(),
        );
        p.assert_ok();
        p.client.send_close_notify();
        transfer(&mut p.client, &mut p.server).unwrap();
        assert!(p.server.received_close_notify());
        let r = p.server.write_plaintext(b"late");
        assert_eq!(r.is_ok(), writable, "{max}: {r:?}");
        if let Err(e) = r {
            assert_eq!(e.reason, Reason::PROTOCOL_IS_SHUTDOWN);
            assert_eq!(e.alert, None);
        }
        // Our close_notify still goes out.
        p.server.send_close_notify();
        assert!(!p.server.pending_tls().is_empty());
    }
}

#[test]
fn tls12_ecdsa_signs_with_the_hash_the_peer_offers_not_only_the_curves() {
    use tls::msgs::enums::SignatureScheme as S;
    for (cert, scheme) in [
        ("server-ecdsa-p256", S::ECDSA_NISTP384_SHA384),
        ("server-ecdsa-p256", S::ECDSA_NISTP521_SHA512),
        ("server-ecdsa-p384", S::ECDSA_NISTP256_SHA256),
        ("server-ecdsa-p384", S::ECDSA_NISTP521_SHA512),
    ] {
        let mut cc = versioned(client_config(), TLS12);
        cc.verify_schemes = vec![scheme];
        let mut p = handshake(cc, server_config(cert), localhost());
        assert!(
            p.server_result.is_ok(),
            "{cert} {scheme}: {:?}",
            p.server_result
        );
        p.assert_ok();
        assert_eq!(p.client.negotiated().peer_signature_scheme, Some(scheme));
        p.exchange(b"signed with another hash");
    }
    // TLS 1.3 binds the curve: a P-256 key cannot answer a client offering only P-384's scheme.
    let mut cc = versioned(client_config(), TLS13);
    cc.min_version = TLS13;
    cc.verify_schemes = vec![S::ECDSA_NISTP384_SHA384];
    let p = handshake(cc, server_config("server-ecdsa-p256"), localhost());
    let e = p.server_result.unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::HANDSHAKE_FAILURE), "{e:?}");
}

#[test]
fn a_maximal_client_hello_is_accepted() {
    // TLS 1.2 (TLS 1.3 allows only one compression method).
    let mut ch = client_hello(TLS12);
    ch.legacy_session_id = vec![7; 32];
    // 32,767 suites (65,534 bytes): ours, then unassigned values.
    let mut filler = 0x7a00u16;
    while ch.cipher_suites.len() < 32_767 {
        ch.cipher_suites.push(CipherSuite(filler));
        filler += 1;
    }
    ch.compression_methods = (0..=254).collect();
    // Padding fills the extension block to 65,535 bytes.
    ch.extensions
        .retain(|e| e.ext_type() != ExtensionType::PADDING);
    let base = encode_hello(ch.clone()).len();
    let block = base - (4 + 2 + 32 + 1 + 32 + 2 + 65_534 + 1 + 255);
    // Block = 2 + extensions; padding adds 4 + n; psk must stay last, so insert first.
    let n = (2 + 65_535) - block - 4;
    ch.extensions.insert(0, ClientExtension::Padding(n));
    let hello = encode_hello(ch);
    assert_eq!(hello.len(), 4 + 131_396);
    let mut wire = Vec::new();
    for chunk in hello.chunks(16_384) {
        wire.extend_from_slice(&record(HANDSHAKE, chunk));
    }
    let mut s = server(TLS12);
    s.read_tls(&wire).unwrap();
    assert_eq!(s.negotiated().version, Some(TLS12));
    assert!(!s.pending_tls().is_empty(), "the server answered");

    // One byte more, or any impossible length, is malformed.
    for len in [131_397u32, 0xff_ffff] {
        let header = [1, (len >> 16) as u8, (len >> 8) as u8, len as u8];
        let mut s = server(TLS13);
        let e = expect_alert(
            &mut s,
            &record(HANDSHAKE, &header),
            AlertDescription::DECODE_ERROR,
        );
        assert_eq!(e.reason, Reason::EXCESSIVE_MESSAGE_SIZE);
    }
    // Messages with a fixed size: a ServerHelloDone or KeyUpdate with a longer header.
    for header in [[14u8, 0, 0, 1], [24, 0, 0, 2]] {
        let mut c = client_with(versioned(client_config(), TLS13));
        let e = expect_alert(
            &mut c,
            &record(HANDSHAKE, &header),
            AlertDescription::DECODE_ERROR,
        );
        assert_eq!(e.reason, Reason::EXCESSIVE_MESSAGE_SIZE);
    }
}

/// Application_data records of `lens` bytes of noise: early data sealed with keys the server
/// does not have.
fn early_data_records(lens: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, &len) in lens.iter().enumerate() {
        out.extend_from_slice(&record(23, &vec![0x40 + i as u8; len]));
    }
    out
}

/// A ClientHello offering early data with a PSK the server cannot know.
fn client_hello_with_early_data(mut ch: ClientHello, with_psk: bool) -> Vec<u8> {
    use tls::msgs::enums::PskKeyExchangeMode;
    use tls::msgs::extensions::{PresharedKeyOffer, PskIdentity};
    replace_extension(
        &mut ch,
        ExtensionType::EARLY_DATA,
        Some(ClientExtension::EarlyData),
    );
    if with_psk {
        replace_extension(
            &mut ch,
            ExtensionType::PSK_KEY_EXCHANGE_MODES,
            Some(ClientExtension::PskKeyExchangeModes(vec![
                PskKeyExchangeMode::PSK_DHE_KE,
            ])),
        );
        replace_extension(&mut ch, ExtensionType::PRE_SHARED_KEY, None);
        ch.extensions
            .push(ClientExtension::PreSharedKey(PresharedKeyOffer {
                identities: vec![PskIdentity {
                    identity: b"a ticket of another server".to_vec(),
                    obfuscated_ticket_age: 1234,
                }],
                binders: vec![vec![0x5a; 32]],
            }));
    }
    record(HANDSHAKE, &encode_hello(ch))
}

#[test]
fn refused_early_data_is_skipped_under_handshake_keys() {
    let hello = client_hello_with_early_data(client_hello(TLS13), true);
    let mut s = server(TLS13);
    s.enable_events(false, true);
    let input = [hello, early_data_records(&[100, 1000, 5000])].concat();
    assert_eq!(s.read_tls(&input).unwrap(), input.len());
    assert!(s.is_handshaking());
    // The handshake goes on under the client's handshake keys: a Finished sealed with them
    // is opened (and found wrong, as this test cannot compute the right one).
    let secret = logged_secret(&s.take_events(), "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    let suite = s.negotiated().suite.unwrap();
    let mut sealer = tls::record::keys::tls13_encrypter(suite, &secret).unwrap();
    let fin = handshake_message(20, &vec![0; suite.hash.output_len()]);
    let inner = [&fin[..], &[HANDSHAKE]].concat();
    expect_alert(
        &mut s,
        &seal_inner(&mut sealer, &inner),
        AlertDescription::DECRYPT_ERROR,
    );

    // More early data than the server skips (16 KiB) ends the connection.
    let hello = client_hello_with_early_data(client_hello(TLS13), true);
    let mut s = server(TLS13);
    let input = [hello, early_data_records(&[16_000, 16_000])].concat();
    let e = expect_alert(&mut s, &input, AlertDescription::UNEXPECTED_MESSAGE);
    assert_eq!(e.reason, Reason::TOO_MUCH_EARLY_DATA);
}

#[test]
fn refused_early_data_is_skipped_until_the_second_client_hello() {
    let mut cc = versioned(client_config(), TLS13);
    cc.groups = vec![NamedGroup::X25519, NamedGroup::SECP256R1];
    let mut sc = versioned(server_config("server-ecdsa-p256"), TLS13);
    sc.groups = vec![NamedGroup::SECP256R1];
    let mut c = client_with(cc);
    let mut s = server_with(sc);
    let first = c.pending_tls().to_vec();
    c.consume_tls(first.len());
    let ch = match HandshakeMessage::decode_encoded(&first[5..], TLS13).unwrap() {
        HandshakeMessage::ClientHello(ch) => ch,
        other => panic!("{other:?}"),
    };
    let input = [
        client_hello_with_early_data(ch, false),
        record(20, &[1]),
        early_data_records(&[300, 700]),
    ]
    .concat();
    assert_eq!(s.read_tls(&input).unwrap(), input.len());
    assert!(s.negotiated().hello_retry);
    // The client answers the HelloRetryRequest; its second ClientHello ends the skipping.
    transfer(&mut s, &mut c).unwrap();
    transfer(&mut c, &mut s).unwrap();
    assert_eq!(s.negotiated().group, Some(NamedGroup::SECP256R1));
    assert!(
        !s.pending_tls().is_empty(),
        "the server answered the second hello"
    );
    // After it nothing is skipped: a record that does not open under the handshake keys is
    // an error again.
    expect_alert(
        &mut s,
        &early_data_records(&[40]),
        AlertDescription::BAD_RECORD_MAC,
    );
}

#[test]
fn the_server_answers_and_honours_record_size_limit() {
    // TLS 1.3: answered in EncryptedExtensions; every protected record's TLSInnerPlaintext
    // (content and type byte) stays within the limit.
    let mut ch = client_hello(TLS13);
    replace_extension(
        &mut ch,
        ExtensionType::RECORD_SIZE_LIMIT,
        Some(ClientExtension::RecordSizeLimit(64)),
    );
    let mut s = server(TLS13);
    s.enable_events(false, true);
    s.read_tls(&record(HANDSHAKE, &encode_hello(ch))).unwrap();
    let flight = s.pending_tls().to_vec();
    let protected: Vec<usize> = record_sizes(&flight)
        .into_iter()
        .filter(|(typ, _)| *typ == 23)
        .map(|(_, len)| len)
        .collect();
    assert!(protected.len() > 5, "{protected:?}");
    assert!(protected.iter().all(|len| *len <= 64 + 16), "{protected:?}");
    // The first protected record starts with EncryptedExtensions, which carries 16385.
    let secret = logged_secret(&s.take_events(), "SERVER_HANDSHAKE_TRAFFIC_SECRET");
    let suite = s.negotiated().suite.unwrap();
    let mut opener = tls::record::keys::tls13_decrypter(suite, &secret).unwrap();
    let at = record_sizes(&flight)
        .iter()
        .take_while(|(typ, _)| *typ != 23)
        .map(|(_, len)| 5 + len)
        .sum::<usize>();
    let len = u16::from_be_bytes([flight[at + 3], flight[at + 4]]) as usize;
    let hdr = tls::record::RecordHeader::parse(&flight[at..at + 5].try_into().unwrap());
    let plain = opener
        .decrypt(hdr, flight[at + 5..at + 5 + len].to_vec())
        .unwrap();
    assert_eq!(plain.payload[0], 8, "EncryptedExtensions first");
    assert!(
        plain
            .payload
            .windows(6)
            .any(|w| w == [0, 0x1c, 0, 2, 0x40, 0x01]),
        "{:?}",
        plain.payload
    );

    // TLS 1.2: answered in the ServerHello (16384) and every record kept within the limit.
    let mut ch = client_hello(TLS12);
    replace_extension(
        &mut ch,
        ExtensionType::RECORD_SIZE_LIMIT,
        Some(ClientExtension::RecordSizeLimit(100)),
    );
    let mut s = server(TLS12);
    s.read_tls(&record(HANDSHAKE, &encode_hello(ch))).unwrap();
    let flight = s.pending_tls().to_vec();
    let sizes = record_sizes(&flight);
    assert!(sizes.iter().all(|(_, len)| *len <= 100), "{sizes:?}");
    // The ServerHello, reassembled from its records.
    let mut hello = Vec::new();
    let mut at = 0;
    while hello.len() < 4
        || hello.len() < 4 + u32::from_be_bytes([0, hello[1], hello[2], hello[3]]) as usize
    {
        let len = u16::from_be_bytes([flight[at + 3], flight[at + 4]]) as usize;
        hello.extend_from_slice(&flight[at + 5..at + 5 + len]);
        at += 5 + len;
    }
    let sh_len = 4 + u32::from_be_bytes([0, hello[1], hello[2], hello[3]]) as usize;
    match HandshakeMessage::decode_encoded(&hello[..sh_len], TLS12).unwrap() {
        HandshakeMessage::ServerHello(sh) => assert!(sh
            .extensions
            .contains(&tls::msgs::extensions::ServerHelloExtension::RecordSizeLimit(16384))),
        other => panic!("{other:?}"),
    }
}
