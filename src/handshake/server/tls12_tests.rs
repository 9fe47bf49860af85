use crate::config::VerifyMode;
use crate::error::Reason;
use crate::handshake::client::tls12::test_pair::*;
use crate::msgs::enums::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion};
use crate::msgs::extensions::ClientExtension;
use crate::msgs::handshake::{ClientHello, HandshakeMessage};

/// A hand-made TLS 1.2 ClientHello record.
fn client_hello(
    legacy_version: ProtocolVersion,
    suites: &[CipherSuite],
    extensions: Vec<ClientExtension>,
) -> Vec<u8> {
    let ch = HandshakeMessage::ClientHello(ClientHello {
        legacy_version,
        random: [7; 32],
        legacy_session_id: Vec::new(),
        cipher_suites: suites.to_vec(),
        compression_methods: vec![0],
        extensions,
    });
    frame(22, &ch.encode().unwrap())
}

fn tls12_extensions() -> Vec<ClientExtension> {
    vec![
        ClientExtension::SupportedGroups(vec![NamedGroup::X25519, NamedGroup::SECP256R1]),
        ClientExtension::SignatureAlgorithms(crate::config::DEFAULT_VERIFY_SCHEMES.to_vec()),
        ClientExtension::EcPointFormats(vec![0]),
        ClientExtension::ExtendedMasterSecret,
        ClientExtension::RenegotiationInfo(Vec::new()),
    ]
}

fn first_message(conn: &crate::conn::Connection) -> HandshakeMessage {
    let recs = records(conn.pending_tls());
    HandshakeMessage::decode_encoded(&recs[0].1, ProtocolVersion::TLSV1_2).unwrap()
}

#[test]
fn no_shared_cipher_is_handshake_failure() {
    // The client wants RSA authentication; the server only has an ECDSA certificate.
    let mut cc = client_config();
    cc.tls12_suites = vec![CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256];
    let mut client = new_client(cc);
    let mut server = new_server(server_config(&["server-ecdsa-p256"]));
    let e = run(&mut client, &mut server).unwrap_err();
    assert_eq!(e.reason, Reason::NO_SHARED_CIPHER);
    assert_eq!(
        server.alert_sent(),
        Some(AlertDescription::HANDSHAKE_FAILURE)
    );
    assert_eq!(
        client.alert_received(),
        Some(AlertDescription::HANDSHAKE_FAILURE)
    );
}

#[test]
fn only_unsupported_suites_is_handshake_failure() {
    let mut server = new_server(server_config(&["server-rsa2048"]));
    // ECDHE-RSA-AES128-SHA (CBC), AES128-GCM-SHA256 (RSA key exchange), NULL-SHA256.
    let ch = client_hello(
        ProtocolVersion::TLSV1_2,
        &[
            CipherSuite(0xc013),
            CipherSuite(0x009c),
            CipherSuite(0x003b),
        ],
        tls12_extensions(),
    );
    let e = server.read_tls(&ch).unwrap_err();
    assert_eq!(e.reason, Reason::NO_SHARED_CIPHER);
    assert_eq!(
        server.alert_sent(),
        Some(AlertDescription::HANDSHAKE_FAILURE)
    );
}

#[test]
fn no_shared_group_is_handshake_failure() {
    let mut server = new_server(server_config(&["server-rsa2048"]));
    let mut exts = tls12_extensions();
    exts[0] = ClientExtension::SupportedGroups(vec![NamedGroup::X25519_MLKEM768]);
    let ch = client_hello(
        ProtocolVersion::TLSV1_2,
        &[CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256],
        exts,
    );
    let e = server.read_tls(&ch).unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::HANDSHAKE_FAILURE));
}

#[test]
fn ecdsa_certificate_needs_its_curve_in_supported_groups() {
    let mut cc = client_config();
    cc.groups = vec![NamedGroup::X25519];
    let mut client = new_client(cc.clone());
    let mut server = new_server(server_config(&["server-ecdsa-p256"]));
    let e = run(&mut client, &mut server).unwrap_err();
    assert_eq!(e.reason, Reason::NO_SHARED_CIPHER);
    // With an RSA certificate beside it, the server picks that one instead.
    let mut client = new_client(cc);
    let mut server = new_server(server_config(&["server-ecdsa-p256", "server-rsa2048"]));
    run(&mut client, &mut server).unwrap();
    let suite = client.negotiated().suite.unwrap();
    assert_eq!(suite.auth, Some(crate::suites::Auth::Rsa));
}

#[test]
fn fallback_scsv_below_our_best_version_is_inappropriate_fallback() {
    let suites = [
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_FALLBACK_SCSV,
    ];
    let mut server = new_server(server_config(&["server-ecdsa-p256"]));
    let e = server
        .read_tls(&client_hello(
            ProtocolVersion::TLSV1_2,
            &suites,
            tls12_extensions(),
        ))
        .unwrap_err();
    assert_eq!(e.reason, Reason::INAPPROPRIATE_FALLBACK);
    assert_eq!(
        server.alert_sent(),
        Some(AlertDescription::INAPPROPRIATE_FALLBACK)
    );

    // A server whose best is TLS 1.2 has nothing better to offer: no fallback happened.
    let mut sc = server_config(&["server-ecdsa-p256"]);
    sc.max_version = ProtocolVersion::TLSV1_2;
    let mut server = new_server(sc);
    server
        .read_tls(&client_hello(
            ProtocolVersion::TLSV1_2,
            &suites,
            tls12_extensions(),
        ))
        .unwrap();
    assert!(matches!(
        first_message(&server),
        HandshakeMessage::ServerHello(_)
    ));
}

#[test]
fn versions_below_tls12_get_protocol_version() {
    let mut server = new_server(server_config(&["server-ecdsa-p256"]));
    let e = server
        .read_tls(&client_hello(
            ProtocolVersion(0x0302),
            &[CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
            tls12_extensions(),
        ))
        .unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::PROTOCOL_VERSION));
}

#[test]
fn extended_master_secret_is_required_from_the_client() {
    let mut server = new_server(server_config(&["server-ecdsa-p256"]));
    let mut exts = tls12_extensions();
    exts.retain(|e| !matches!(e, ClientExtension::ExtendedMasterSecret));
    let e = server
        .read_tls(&client_hello(
            ProtocolVersion::TLSV1_2,
            &[CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
            exts,
        ))
        .unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::HANDSHAKE_FAILURE));
    assert!(e.detail.contains("extended master secret"), "{e:?}");
}

#[test]
fn renegotiation_scsv_or_extension_is_answered() {
    for with_extension in [true, false] {
        let mut exts = tls12_extensions();
        let mut suites = vec![CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256];
        if !with_extension {
            exts.retain(|e| !matches!(e, ClientExtension::RenegotiationInfo(_)));
            suites.push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
        }
        let mut server = new_server(server_config(&["server-ecdsa-p256"]));
        server
            .read_tls(&client_hello(ProtocolVersion::TLSV1_2, &suites, exts))
            .unwrap();
        let HandshakeMessage::ServerHello(sh) = first_message(&server) else {
            panic!("not a ServerHello")
        };
        assert_eq!(sh.renegotiation_info(), Some(&[][..]));
    }
    // A non-empty value on an initial handshake is an attack or a bug.
    let mut exts = tls12_extensions();
    exts.push(ClientExtension::RenegotiationInfo(vec![1; 12]));
    exts.remove(4);
    let mut server = new_server(server_config(&["server-ecdsa-p256"]));
    let e = server
        .read_tls(&client_hello(
            ProtocolVersion::TLSV1_2,
            &[CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
            exts,
        ))
        .unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::HANDSHAKE_FAILURE));
}

#[test]
fn client_hello_after_the_handshake_is_declined_and_the_connection_goes_on() {
    let mut client = new_client(client_config());
    let mut server = new_server(server_config(&["server-ecdsa-p256"]));
    run(&mut client, &mut server).unwrap();
    let renegotiation = client_hello(
        ProtocolVersion::TLSV1_2,
        &[CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
        tls12_extensions(),
    );
    client
        .inject_handshake_for_test(&records(&renegotiation)[0].1)
        .unwrap();
    transfer(&mut client, &mut server).unwrap();
    let reply = records(server.pending_tls());
    assert_eq!(reply.len(), 1);
    assert_eq!(reply[0].0, 21, "an alert record");
    // The client tolerates the warning; data still flows both ways.
    transfer(&mut server, &mut client).unwrap();
    assert!(client.error().is_none() && server.error().is_none());
    exchange_data(&mut client, &mut server);
}

fn client_auth_server(mode: VerifyMode) -> crate::conn::Connection {
    let mut sc = server_config(&["server-ecdsa-p256"]);
    sc.verify_mode = mode;
    new_server(sc)
}

#[test]
fn client_certificates_ecdsa_and_rsa() {
    for base in ["client-ecdsa-p256", "client-rsa2048"] {
        let mut cc = client_config();
        cc.set_certified_key(certified(base));
        let mut client = new_client(cc);
        let mut server = client_auth_server(VerifyMode::PEER);
        run(&mut client, &mut server).unwrap_or_else(|e| panic!("{base}: {e:?}"));
        let n = server.negotiated();
        assert_eq!(n.peer_chain.len(), 2, "{base}");
        assert_eq!(n.verify_result, crate::verify::x509_v::OK);
        assert!(n.peer_signature_scheme.is_some());
        assert_eq!(
            n.peer_signature_scheme,
            client.negotiated().our_signature_scheme
        );
        exchange_data(&mut client, &mut server);
    }
}

#[test]
fn missing_client_certificate_is_accepted_unless_required() {
    let mut client = new_client(client_config());
    let mut server = client_auth_server(VerifyMode::PEER);
    run(&mut client, &mut server).unwrap();
    assert!(server.negotiated().peer_chain.is_empty());
    exchange_data(&mut client, &mut server);

    let mut client = new_client(client_config());
    let mut server = client_auth_server(VerifyMode::REQUIRE_PEER_CERT);
    let e = run(&mut client, &mut server).unwrap_err();
    assert_eq!(e.reason, Reason::PEER_DID_NOT_RETURN_A_CERTIFICATE);
    assert_eq!(
        client.alert_received(),
        Some(AlertDescription::HANDSHAKE_FAILURE)
    );
}

#[test]
fn untrusted_client_certificate_fails_with_verify_peer() {
    let mut cc = client_config();
    cc.set_certified_key(certified("untrusted-localhost"));
    let mut client = new_client(cc);
    let mut server = client_auth_server(VerifyMode::PEER);
    let e = run(&mut client, &mut server).unwrap_err();
    assert_ne!(server.negotiated().verify_result, crate::verify::x509_v::OK);
    assert!(e.alert.is_some());
}

#[test]
fn tampered_client_finished_is_decrypt_error() {
    let mut client = new_client(client_config());
    let mut server = new_server(server_config(&["server-rsa2048"]));
    client.start().unwrap();
    transfer(&mut client, &mut server).unwrap();
    transfer(&mut server, &mut client).unwrap();
    // The last record is the encrypted Finished: flip a bit of its tag.
    let mut flight = client.pending_tls().to_vec();
    client.consume_tls(flight.len());
    *flight.last_mut().unwrap() ^= 1;
    let e = server.read_tls(&flight).unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::BAD_RECORD_MAC));
}
