//! Handshake-layer alerts the RFCs demand (issue #6): extensions in the wrong message or never
//! offered, fixed fields with other values, handshake data that runs past the end of a flight,
//! each with the alert and the reason the error queue shows.

use std::sync::Arc;
use tls::conn::Connection;
use tls::error::{Error, Reason};
use tls::msgs::enums::{AlertDescription, CipherSuite, ExtensionType, NamedGroup, ProtocolVersion};
use tls::msgs::extensions::{HelloRetryExtension, KeyShareEntry, ServerHelloExtension};
use tls::msgs::handshake::{ClientHello, HandshakeMessage, HelloRetryRequest, ServerHello};
use tls::testing::*;

const TLS12: ProtocolVersion = ProtocolVersion::TLSV1_2;
const TLS13: ProtocolVersion = ProtocolVersion::TLSV1_3;

fn started_client() -> Connection {
    let mut c = Connection::new_client(Arc::new(client_config()), localhost());
    c.start().unwrap();
    c
}

/// The ClientHello a started client wrote (its first record).
fn sent_client_hello(c: &Connection) -> ClientHello {
    let (typ, body) = records(c.pending_tls()).remove(0);
    assert_eq!(typ, 22);
    match HandshakeMessage::decode_encoded(&body, TLS13).unwrap() {
        HandshakeMessage::ClientHello(ch) => ch,
        other => panic!("not a ClientHello: {other:?}"),
    }
}

/// A TLS 1.3 ServerHello answering `ch` (its key share is not a real one: these tests fail
/// before it is used).
fn server_hello_13(ch: &ClientHello, extra: Vec<ServerHelloExtension>) -> ServerHello {
    let mut extensions = vec![
        ServerHelloExtension::SupportedVersions(TLS13),
        ServerHelloExtension::KeyShare(KeyShareEntry::new(NamedGroup::X25519, vec![9; 32])),
    ];
    extensions.extend(extra);
    ServerHello {
        legacy_version: TLS12,
        random: [7; 32],
        legacy_session_id_echo: ch.legacy_session_id.clone(),
        cipher_suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
        compression_method: 0,
        extensions,
    }
}

fn hello_retry(ch: &ClientHello, extra: Vec<HelloRetryExtension>) -> HelloRetryRequest {
    let mut extensions = vec![
        HelloRetryExtension::SupportedVersions(TLS13),
        HelloRetryExtension::KeyShare(NamedGroup::SECP384R1),
    ];
    extensions.extend(extra);
    HelloRetryRequest {
        legacy_version: TLS12,
        legacy_session_id_echo: ch.legacy_session_id.clone(),
        cipher_suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
        extensions,
    }
}

fn assert_fails(result: Result<usize, Error>, alert: AlertDescription, reason: Reason) {
    let e = result.unwrap_err();
    assert_eq!(e.alert, Some(alert), "{e:?}");
    assert_eq!(e.reason, reason, "{e:?}");
}

/// Feeds a fresh client the server_hello-typed message `answer` makes for its ClientHello and
/// expects it to fail as given.
fn client_rejects(
    answer: impl FnOnce(&ClientHello) -> HandshakeMessage,
    alert: AlertDescription,
    reason: Reason,
) {
    let mut c = started_client();
    let msg = answer(&sent_client_hello(&c));
    assert_fails(
        c.read_tls(&record(22, &msg.encode().unwrap())),
        alert,
        reason,
    );
    assert_eq!(c.alert_sent(), Some(alert));
}

#[test]
fn tls13_server_hello_with_an_unknown_extension_is_unsupported_extension() {
    let unknown = ServerHelloExtension::Unknown {
        typ: ExtensionType(0x7f7f),
        data: b"custom extension".to_vec(),
    };
    client_rejects(
        |ch| HandshakeMessage::ServerHello(server_hello_13(ch, vec![unknown])),
        AlertDescription::UNSUPPORTED_EXTENSION,
        Reason::UNSOLICITED_EXTENSION,
    );
}

#[test]
fn tls13_server_hello_with_an_offered_extension_of_encrypted_extensions_is_illegal_parameter() {
    // The client offered ALPN, but its answer belongs in EncryptedExtensions (RFC 8446 4.2).
    let mut config = client_config();
    config.alpn_protocols = vec![b"foo".to_vec()];
    let mut c = Connection::new_client(Arc::new(config), localhost());
    c.start().unwrap();
    let ch = sent_client_hello(&c);
    let sh = server_hello_13(&ch, vec![ServerHelloExtension::Alpn(b"foo".to_vec())]);
    assert_fails(
        c.read_tls(&record(
            22,
            &HandshakeMessage::ServerHello(sh).encode().unwrap(),
        )),
        AlertDescription::ILLEGAL_PARAMETER,
        Reason::UNSOLICITED_EXTENSION,
    );
}

#[test]
fn tls13_server_hello_selecting_a_psk_never_offered_is_unsupported_extension() {
    client_rejects(
        |ch| {
            assert!(ch.find(ExtensionType::PRE_SHARED_KEY).is_none());
            HandshakeMessage::ServerHello(server_hello_13(
                ch,
                vec![ServerHelloExtension::PreSharedKey(0)],
            ))
        },
        AlertDescription::UNSUPPORTED_EXTENSION,
        Reason::UNSOLICITED_EXTENSION,
    );
}

#[test]
fn tls13_server_hello_legacy_version_must_be_tls12() {
    let mut c = started_client();
    let ch = sent_client_hello(&c);
    let mut sh = server_hello_13(&ch, vec![]);
    sh.legacy_version = ProtocolVersion(0x0305);
    assert_fails(
        c.read_tls(&record(
            22,
            &HandshakeMessage::ServerHello(sh).encode().unwrap(),
        )),
        AlertDescription::ILLEGAL_PARAMETER,
        Reason::UNSUPPORTED_PROTOCOL,
    );
}

#[test]
fn tls12_server_hello_with_supported_versions_is_illegal_parameter() {
    // RFC 8446 4.2.1: supported_versions never selects a version before TLS 1.3.
    let mut c = started_client();
    let ch = sent_client_hello(&c);
    let mut sh = server_hello_13(&ch, vec![]);
    sh.extensions = vec![ServerHelloExtension::SupportedVersions(TLS12)];
    sh.cipher_suite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    assert_fails(
        c.read_tls(&record(
            22,
            &HandshakeMessage::ServerHello(sh).encode().unwrap(),
        )),
        AlertDescription::ILLEGAL_PARAMETER,
        Reason::UNSOLICITED_EXTENSION,
    );
}

#[test]
fn hello_retry_request_with_an_unknown_extension_is_unsupported_extension() {
    // 0xfe0d is encrypted_client_hello, which libtls never offers.
    let ech = HelloRetryExtension::Unknown {
        typ: ExtensionType(0xfe0d),
        data: vec![0; 8],
    };
    client_rejects(
        |ch| HandshakeMessage::HelloRetryRequest(hello_retry(ch, vec![ech])),
        AlertDescription::UNSUPPORTED_EXTENSION,
        Reason::UNSOLICITED_EXTENSION,
    );
}

#[test]
fn hello_retry_request_with_an_offered_extension_of_another_message_is_illegal_parameter() {
    let groups = HelloRetryExtension::Unknown {
        typ: ExtensionType::SUPPORTED_GROUPS,
        data: vec![0, 2, 0, 0x18],
    };
    client_rejects(
        |ch| HandshakeMessage::HelloRetryRequest(hello_retry(ch, vec![groups])),
        AlertDescription::ILLEGAL_PARAMETER,
        Reason::UNSOLICITED_EXTENSION,
    );
}

#[test]
fn hello_retry_request_with_compression_is_decode_error() {
    let c = started_client();
    let ch = sent_client_hello(&c);
    let mut hrr = HandshakeMessage::HelloRetryRequest(hello_retry(&ch, vec![]))
        .encode()
        .unwrap();
    // type(1) len(3) version(2) random(32) session_id(1 + n) suite(2), then compression.
    let at = 4 + 2 + 32 + 1 + ch.legacy_session_id.len() + 2;
    assert_eq!(hrr[at], 0);
    hrr[at] = 1;
    let mut c = c;
    assert_fails(
        c.read_tls(&record(22, &hrr)),
        AlertDescription::DECODE_ERROR,
        Reason::BAD_PACKET,
    );
}

/// A client that got a HelloRetryRequest for P-384 and answered it.
fn client_after_retry() -> (Connection, ClientHello) {
    let mut c = started_client();
    let ch = sent_client_hello(&c);
    c.consume_tls(c.pending_tls().len());
    let hrr = HandshakeMessage::HelloRetryRequest(hello_retry(&ch, vec![]))
        .encode()
        .unwrap();
    c.read_tls(&record(22, &hrr)).unwrap();
    let out = records(c.pending_tls());
    // RFC 8446 D.4: the compatibility CCS comes right before the second ClientHello.
    assert_eq!(out.len(), 2, "CCS and the second ClientHello");
    assert_eq!(out[0], (20, vec![1]));
    assert_eq!(out[1].0, 22);
    c.consume_tls(c.pending_tls().len());
    (c, ch)
}

#[test]
fn server_hello_after_retry_must_keep_tls13() {
    for selected in [None, Some(ProtocolVersion(0x1234)), Some(TLS12)] {
        let (mut c, ch) = client_after_retry();
        let mut sh = server_hello_13(&ch, vec![]);
        sh.extensions
            .retain(|e| !matches!(e, ServerHelloExtension::SupportedVersions(_)));
        if let Some(v) = selected {
            sh.extensions
                .push(ServerHelloExtension::SupportedVersions(v));
        }
        // RFC 8446 4.1.4: a changed version after HelloRetryRequest is illegal_parameter.
        assert_fails(
            c.read_tls(&record(
                22,
                &HandshakeMessage::ServerHello(sh).encode().unwrap(),
            )),
            AlertDescription::ILLEGAL_PARAMETER,
            Reason::UNSUPPORTED_PROTOCOL,
        );
    }
}

#[test]
fn hello_retry_request_with_the_start_of_a_server_hello_is_unexpected_message() {
    let mut c = started_client();
    let ch = sent_client_hello(&c);
    c.consume_tls(c.pending_tls().len());
    let mut body = HandshakeMessage::HelloRetryRequest(hello_retry(&ch, vec![]))
        .encode()
        .unwrap();
    body.push(2); // the first byte of a ServerHello, in the HelloRetryRequest's record
    assert_fails(
        c.read_tls(&record(22, &body)),
        AlertDescription::UNEXPECTED_MESSAGE,
        Reason::UNEXPECTED_MESSAGE,
    );
    // The alert is all we wrote: no second ClientHello went out first.
    assert_eq!(records(c.pending_tls()), vec![(21, vec![2, 10])]);
}

fn started_server() -> Connection {
    let mut s = Connection::new_server(Arc::new(server_config("server-ecdsa-p256")));
    s.start().unwrap();
    s
}

/// The server's answer to a client's ClientHello changed by `edit`.
fn server_reading(edit: impl FnOnce(&mut ClientHello)) -> (Connection, Result<usize, Error>) {
    let mut ch = sent_client_hello(&started_client());
    edit(&mut ch);
    let mut s = started_server();
    let result = s.read_tls(&record(
        22,
        &HandshakeMessage::ClientHello(ch).encode().unwrap(),
    ));
    (s, result)
}

#[test]
fn client_hello_without_null_compression_is_illegal_parameter() {
    let (s, result) = server_reading(|ch| ch.compression_methods = vec![1, 2, 3, 4, 5, 6]);
    assert_fails(
        result,
        AlertDescription::ILLEGAL_PARAMETER,
        Reason::BAD_PACKET,
    );
    assert_eq!(s.alert_sent(), Some(AlertDescription::ILLEGAL_PARAMETER));
}

#[test]
fn client_hello_with_the_start_of_the_next_message_is_unexpected_message() {
    let ch = sent_client_hello(&started_client());
    let mut body = HandshakeMessage::ClientHello(ch).encode().unwrap();
    body.extend_from_slice(&[16, 0]); // the start of a ClientKeyExchange
    let mut s = started_server();
    assert_fails(
        s.read_tls(&record(22, &body)),
        AlertDescription::UNEXPECTED_MESSAGE,
        Reason::UNEXPECTED_MESSAGE,
    );
    // Nothing but the alert: the server did not answer the hello first.
    assert_eq!(records(s.pending_tls()), vec![(21, vec![2, 10])]);
}

#[test]
fn tls13_server_sends_the_compatibility_ccs_even_for_an_empty_session_id() {
    for session_id in [Vec::new(), vec![5; 32]] {
        let (s, result) = server_reading(|ch| ch.legacy_session_id = session_id.clone());
        result.unwrap();
        let out = records(s.pending_tls());
        assert_eq!(out[0].0, 22, "ServerHello");
        assert_eq!(out[1], (20, vec![1]), "the CCS right after it");
        assert!(
            out[2..].iter().all(|(typ, _)| *typ == 23),
            "then protected records"
        );
    }
}

fn tls12_client() -> Connection {
    let mut config = client_config();
    config.max_version = TLS12;
    let mut c = Connection::new_client(Arc::new(config), localhost());
    c.start().unwrap();
    c
}

/// The server's first TLS 1.2 flight for `client`'s hello, as (type, payload) records.
fn tls12_server_flight(client: &mut Connection) -> Vec<(u8, Vec<u8>)> {
    let mut s = started_server();
    s.read_tls(client.pending_tls()).unwrap();
    client.consume_tls(client.pending_tls().len());
    records(s.pending_tls())
}

fn encode_records(records: &[(u8, Vec<u8>)]) -> Vec<u8> {
    records.iter().flat_map(|(t, b)| record(*t, b)).collect()
}

#[test]
fn tls12_server_hello_done_with_more_data_behind_it_is_unexpected_message() {
    let mut c = tls12_client();
    let mut flight = tls12_server_flight(&mut c);
    let (typ, done) = flight.last_mut().unwrap();
    assert_eq!(
        (*typ, &done[..]),
        (22, &[14, 0, 0, 0][..]),
        "ServerHelloDone"
    );
    done.extend_from_slice(&[4, 0, 0]); // the start of a NewSessionTicket
    assert_fails(
        c.read_tls(&encode_records(&flight)),
        AlertDescription::UNEXPECTED_MESSAGE,
        Reason::UNEXPECTED_MESSAGE,
    );
    // The alert is all the client wrote: its own flight did not go out.
    assert_eq!(records(c.pending_tls()), vec![(21, vec![2, 10])]);
}

#[test]
fn tls12_server_hello_with_supported_groups_is_tolerated() {
    let mut c = tls12_client();
    let mut flight = tls12_server_flight(&mut c);
    let HandshakeMessage::ServerHello(mut sh) =
        HandshakeMessage::decode_encoded(&flight[0].1, TLS12).unwrap()
    else {
        panic!("the flight does not start with a ServerHello");
    };
    sh.extensions.push(ServerHelloExtension::Unknown {
        typ: ExtensionType::SUPPORTED_GROUPS,
        data: vec![0, 2, 0, 0x1d],
    });
    flight[0].1 = HandshakeMessage::ServerHello(sh).encode().unwrap();
    // Accepted: the client answers with its flight (the server would then see a transcript
    // that differs from its own, which is not what this checks).
    c.read_tls(&encode_records(&flight)).unwrap();
    let out = records(c.pending_tls());
    assert!(
        out.iter().any(|(typ, _)| *typ == 20),
        "the client's CCS went out"
    );
    assert!(out.iter().all(|(typ, _)| *typ != 21), "no alert");
}

#[test]
fn tls12_server_key_exchange_instead_of_certificate_is_unexpected_message() {
    let mut c = tls12_client();
    let flight = tls12_server_flight(&mut c);
    assert_eq!(flight[1].1[0], 11, "Certificate follows the ServerHello");
    // A ServerKeyExchange the client cannot parse without a certificate's key type: the order
    // is what is wrong, so the answer is unexpected_message, not decode_error.
    let skipped = [flight[0].clone(), (22, vec![12, 0, 0, 1, 0xff])];
    assert_fails(
        c.read_tls(&encode_records(&skipped)),
        AlertDescription::UNEXPECTED_MESSAGE,
        Reason::UNEXPECTED_MESSAGE,
    );
}
