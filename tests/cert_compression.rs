//! Certificate compression (RFC 8879, issue 20 item 6): both roles with each algorithm, the
//! preference rules, HelloRetryRequest, resumption (no certificate at all), the per-context
//! cache, the OpenSSL 3.2 option bits, and hostile CompressedCertificate messages (bombs,
//! wrong lengths, algorithms never offered, empty data, unsolicited messages).

use std::sync::Arc;
use tls::certcomp::{self, SUPPORTED};
use tls::config::{Config, VerifyMode};
use tls::conn::Connection;
use tls::error::{Error, Reason};
use tls::msgs::compressed_cert::CompressedCertificate;
use tls::msgs::enums::{
    AlertDescription, CertCompressionAlgorithm as Alg, ContentType, ExtensionType, NamedGroup,
    ProtocolVersion,
};
use tls::msgs::extensions::ClientExtension;
use tls::msgs::handshake::HandshakeMessage;
use tls::testing::*;

const TLS13: ProtocolVersion = ProtocolVersion::TLSV1_3;

fn prefer(mut c: Config, algs: &[Alg]) -> Config {
    c.cert_compression.preference = Some(algs.to_vec());
    c
}

/// A server that requires a client certificate, and a client that has one.
fn mutual(server_cert: &str) -> (Config, Config) {
    let mut sc = server_config(server_cert);
    let mut roots = tls::verify::RootStore::default();
    roots.add_pem(&pki("root-ca.pem")).unwrap();
    sc.roots = Arc::new(roots);
    sc.verify_mode = VerifyMode::REQUIRE_PEER_CERT;
    let mut cc = client_config();
    cc.set_certified_key(certified_key("client-rsa2048"));
    (sc, cc)
}

#[test]
fn server_certificate_is_compressed_with_each_algorithm() {
    for alg in SUPPORTED {
        let pair = handshake(
            prefer(client_config(), &[alg]),
            server_config("server-rsa2048"),
            localhost(),
        );
        pair.assert_ok();
        assert_eq!(pair.server.negotiated().cert_compression.sent, Some(alg));
        assert_eq!(
            pair.client.negotiated().cert_compression.received,
            Some(alg)
        );
        assert_eq!(pair.client.negotiated().peer_chain.len(), 2, "{alg:?}");
    }
}

#[test]
fn client_certificate_is_compressed_with_each_algorithm() {
    for alg in SUPPORTED {
        let (sc, cc) = mutual("server-ecdsa-p256");
        let mut pair = handshake(cc, prefer(sc, &[alg]), localhost());
        pair.assert_ok();
        pair.exchange(b"ping");
        let (c, s) = (pair.client.negotiated(), pair.server.negotiated());
        assert_eq!(c.cert_compression.sent, Some(alg));
        assert_eq!(s.cert_compression.received, Some(alg));
        assert_eq!(s.peer_chain.len(), 2);
        // The server's own certificate went compressed too, with its configured choice.
        assert_eq!(s.cert_compression.sent, Some(alg));
    }
}

#[test]
fn the_peer_order_decides_unless_we_configured_one() {
    // No preference on the server: the client's first choice.
    let pair = handshake(
        prefer(client_config(), &[Alg::ZSTD, Alg::ZLIB]),
        server_config("server-ecdsa-p256"),
        localhost(),
    );
    pair.assert_ok();
    assert_eq!(
        pair.client.negotiated().cert_compression.received,
        Some(Alg::ZSTD)
    );
    // A server preference: its first choice the client also lists.
    let pair = handshake(
        prefer(client_config(), &[Alg::ZSTD, Alg::ZLIB]),
        prefer(
            server_config("server-ecdsa-p256"),
            &[Alg::BROTLI, Alg::ZLIB],
        ),
        localhost(),
    );
    pair.assert_ok();
    assert_eq!(
        pair.client.negotiated().cert_compression.received,
        Some(Alg::ZLIB)
    );
    // Nothing in common: a plain Certificate.
    let pair = handshake(
        prefer(client_config(), &[Alg::ZSTD]),
        prefer(server_config("server-ecdsa-p256"), &[Alg::BROTLI]),
        localhost(),
    );
    pair.assert_ok();
    assert_eq!(pair.client.negotiated().cert_compression.received, None);
}

#[test]
fn default_client_offers_all_three_in_openssls_order() {
    let mut c = Connection::new_client(Arc::new(client_config()), localhost());
    c.start().unwrap();
    let HandshakeMessage::ClientHello(ch) =
        HandshakeMessage::decode_encoded(&c.pending_tls()[5..], TLS13).unwrap()
    else {
        panic!("not a ClientHello")
    };
    assert_eq!(
        certcomp::client_hello_algorithms(&ch).unwrap(),
        [Alg::BROTLI, Alg::ZLIB, Alg::ZSTD]
    );
    // A TLS 1.2-only client offers nothing (RFC 8879 3: TLS 1.3 only).
    let mut cfg = client_config();
    cfg.max_version = ProtocolVersion::TLSV1_2;
    let mut c = Connection::new_client(Arc::new(cfg), localhost());
    c.start().unwrap();
    let HandshakeMessage::ClientHello(ch) =
        HandshakeMessage::decode_encoded(&c.pending_tls()[5..], TLS13).unwrap()
    else {
        panic!("not a ClientHello")
    };
    assert!(!ch.has(ExtensionType::COMPRESS_CERTIFICATE));
}

#[test]
fn option_bits_turn_each_direction_off() {
    // NO_RX on the client: no extension, so a plain Certificate.
    let mut cc = client_config();
    cc.options.no_receive_compressed_certificate = true;
    let pair = handshake(cc, server_config("server-ecdsa-p256"), localhost());
    pair.assert_ok();
    assert_eq!(pair.client.negotiated().cert_compression.received, None);
    // NO_TX on the server: it never compresses.
    let mut sc = server_config("server-ecdsa-p256");
    sc.options.no_send_compressed_certificate = true;
    let pair = handshake(client_config(), sc, localhost());
    pair.assert_ok();
    assert_eq!(pair.server.negotiated().cert_compression.sent, None);
    // NO_RX on the server: its CertificateRequest lists nothing, the client sends plain.
    let (mut sc, cc) = mutual("server-ecdsa-p256");
    sc.options.no_receive_compressed_certificate = true;
    let pair = handshake(cc, sc, localhost());
    pair.assert_ok();
    assert_eq!(pair.client.negotiated().cert_compression.sent, None);
    assert_eq!(pair.server.negotiated().cert_compression.received, None);
    assert!(!pair.server.negotiated().peer_chain.is_empty());
}

#[test]
fn tls12_ignores_the_extension() {
    let mut sc = server_config("server-ecdsa-p256");
    sc.max_version = ProtocolVersion::TLSV1_2;
    let pair = handshake(client_config(), sc, localhost());
    pair.assert_ok();
    assert_eq!(
        pair.client.negotiated().version,
        Some(ProtocolVersion::TLSV1_2)
    );
    assert_eq!(pair.client.negotiated().cert_compression.received, None);
}

#[test]
fn compression_survives_a_hello_retry_request() {
    let mut sc = server_config("server-ecdsa-p384");
    sc.groups = vec![NamedGroup::SECP384R1];
    let pair = handshake(client_config(), sc, localhost());
    pair.assert_ok();
    assert!(pair.client.negotiated().hello_retry);
    assert_eq!(
        pair.client.negotiated().cert_compression.received,
        Some(Alg::BROTLI)
    );
}

/// Runs a handshake between two started connections to the end.
fn pump(client: &mut Connection, server: &mut Connection) {
    tls::testing::pump(client, server).unwrap();
    assert!(!client.is_handshaking() && !server.is_handshaking());
}

#[test]
fn resumption_sends_no_certificate_at_all() {
    let sc = Arc::new(server_config("server-ecdsa-p256"));
    let cc = Arc::new(client_config());
    let mut c = Connection::new_client(cc.clone(), localhost());
    let mut s = Connection::new_server(sc.clone());
    c.start().unwrap();
    s.start().unwrap();
    pump(&mut c, &mut s);
    assert_eq!(c.negotiated().cert_compression.received, Some(Alg::BROTLI));
    let session = c.session().cloned().unwrap();
    let mut c = Connection::new_client(cc, localhost());
    c.set_resume_session(Some(session));
    let mut s = Connection::new_server(sc);
    c.start().unwrap();
    s.start().unwrap();
    pump(&mut c, &mut s);
    assert!(c.negotiated().session_reused);
    assert_eq!(c.negotiated().cert_compression.received, None);
    assert_eq!(s.negotiated().cert_compression.sent, None);
}

#[test]
fn a_context_compresses_its_chain_once_per_algorithm() {
    let sc = server_config("server-rsa2048");
    let cache = sc.cert_compression.cache.clone();
    assert_eq!(cache.compressions(), 0);
    for _ in 0..3 {
        handshake(client_config(), sc.clone(), localhost()).assert_ok();
    }
    assert_eq!(cache.compressions(), 1);
    handshake(
        prefer(client_config(), &[Alg::ZLIB]),
        sc.clone(),
        localhost(),
    )
    .assert_ok();
    assert_eq!(cache.compressions(), 2);
    // Pre-compressing (SSL_CTX_compress_certs) fills in the rest and no handshake compresses.
    assert_eq!(certcomp::precompress(&sc, None).unwrap(), 3);
    assert_eq!(cache.compressions(), 3);
    handshake(
        prefer(client_config(), &[Alg::ZSTD]),
        sc.clone(),
        localhost(),
    )
    .assert_ok();
    assert_eq!(cache.compressions(), 3);
}

/// The bytes saved on the committed test chains, per algorithm: the numbers
/// docs/differences-from-openssl.md quotes (run with `--nocapture` to see them).
#[test]
fn bytes_saved_on_the_test_chains() {
    for name in [
        "server-ecdsa-p256",
        "server-ecdsa-p384",
        "server-ed25519",
        "server-rsa2048",
        "client-rsa2048",
    ] {
        let body = certcomp::handshake_certificate_body(&chain(name)).unwrap();
        let mut line = format!("{name}: Certificate body {} bytes", body.len());
        for alg in SUPPORTED {
            let c = certcomp::compress(alg, &body).unwrap();
            assert!(c.len() < body.len(), "{name} {alg:?}");
            assert_eq!(certcomp::decompress(alg, &c, body.len()).unwrap(), body);
            // The CompressedCertificate adds 2 + 3 + 3 bytes of fields.
            let saved = body.len() as i64 - (c.len() as i64 + 8);
            line += &format!(
                "; {alg:?} {} (saves {saved}, {:.0}%)",
                c.len() + 8,
                100.0 * saved as f64 / body.len() as f64
            );
        }
        println!("{line}");
    }
}

// ---- Hostile peers -------------------------------------------------------------------

fn compressed_body(alg: Alg, uncompressed_length: u32, compressed: Vec<u8>) -> Vec<u8> {
    let m = CompressedCertificate {
        algorithm: alg,
        uncompressed_length,
        compressed,
    };
    m.encode().unwrap()[4..].to_vec()
}

/// A client that has processed the real server's ServerHello (and CCS), and a sealer for the
/// server's handshake records: what we feed it next is what a hostile server sends.
fn client_awaiting_encrypted_extensions(cc: Config) -> (Connection, tls::record::RecordEncrypter) {
    let mut c = Connection::new_client(Arc::new(cc), localhost());
    c.enable_events(false, true);
    c.start().unwrap();
    let mut s = Connection::new_server(Arc::new(server_config("server-ecdsa-p256")));
    s.start().unwrap();
    transfer(&mut c, &mut s).unwrap();
    let flight = s.pending_tls().to_vec();
    // ServerHello and ChangeCipherSpec records, both in the clear.
    let mut at = 0;
    while flight[at] != 23 {
        at += 5 + u16::from_be_bytes([flight[at + 3], flight[at + 4]]) as usize;
    }
    c.read_tls(&flight[..at]).unwrap();
    let secret = logged_secret(&c.take_events(), "SERVER_HANDSHAKE_TRAFFIC_SECRET");
    let suite = c.negotiated().suite.unwrap();
    (
        c,
        tls::record::keys::tls13_encrypter(suite, &secret).unwrap(),
    )
}

/// Feeds a client EncryptedExtensions then `msg` from the hostile server.
fn client_receives(cc: Config, typ: u8, body: &[u8]) -> (Connection, Result<(), Error>) {
    let (mut c, mut sealer) = client_awaiting_encrypted_extensions(cc);
    let mut inner = handshake_message(8, &[0, 0]);
    inner.extend(handshake_message(typ, body));
    let mut record = Vec::new();
    sealer
        .encrypt(ContentType::HANDSHAKE, &inner, &mut record)
        .unwrap();
    let r = c.read_tls(&record).map(|_| ());
    (c, r)
}

fn expect_client_alert(cc: Config, body: &[u8], alert: AlertDescription) -> Error {
    let (c, r) = client_receives(cc, 25, body);
    let e = r.unwrap_err();
    assert_eq!(e.alert, Some(alert), "{e:?}");
    assert_eq!(c.alert_sent(), Some(alert));
    e
}

fn genuine_body() -> Vec<u8> {
    certcomp::handshake_certificate_body(&chain("server-ecdsa-p256")).unwrap()
}

#[test]
fn a_genuine_compressed_certificate_is_accepted_by_the_harness() {
    // The control for the hostile cases below: the same path with honest bytes goes on.
    for alg in SUPPORTED {
        let body = genuine_body();
        let msg = compressed_body(
            alg,
            body.len() as u32,
            certcomp::compress(alg, &body).unwrap(),
        );
        let (c, r) = client_receives(client_config(), 25, &msg);
        r.unwrap();
        assert!(c.error().is_none());
        assert_eq!(c.negotiated().cert_compression.received, Some(alg));
    }
}

#[test]
fn a_compression_bomb_is_bad_certificate() {
    // 16 MiB of zeros claiming to be a small certificate: refused after len + 1 bytes.
    let zeros = vec![0u8; 16 << 20];
    for alg in SUPPORTED {
        let bomb = certcomp::compress(alg, &zeros).unwrap();
        let e = expect_client_alert(
            client_config(),
            &compressed_body(alg, 2000, bomb),
            AlertDescription::BAD_CERTIFICATE,
        );
        assert_eq!(e.reason, Reason::BAD_DECOMPRESSION);
    }
}

#[test]
fn a_wrong_uncompressed_length_is_bad_certificate() {
    let body = genuine_body();
    for alg in SUPPORTED {
        let c = certcomp::compress(alg, &body).unwrap();
        for claimed in [body.len() - 1, body.len() + 1, 1] {
            expect_client_alert(
                client_config(),
                &compressed_body(alg, claimed as u32, c.clone()),
                AlertDescription::BAD_CERTIFICATE,
            );
        }
        // Bytes that are not this algorithm's format at all.
        expect_client_alert(
            client_config(),
            &compressed_body(alg, body.len() as u32, vec![0x55; 40]),
            AlertDescription::BAD_CERTIFICATE,
        );
    }
}

#[test]
fn a_length_over_our_limit_is_refused_before_decompressing() {
    let mut cc = client_config();
    // Above the hybrid ServerHello (about 1,200 bytes), far below the default.
    cc.max_handshake_message = 1500;
    let e = expect_client_alert(
        cc,
        &compressed_body(Alg::ZLIB, 1501, vec![0xff; 16]),
        AlertDescription::ILLEGAL_PARAMETER,
    );
    assert_eq!(e.reason, Reason::EXCESSIVE_MESSAGE_SIZE);
}

#[test]
fn an_algorithm_we_did_not_offer_is_illegal_parameter() {
    let body = genuine_body();
    let zstd = certcomp::compress(Alg::ZSTD, &body).unwrap();
    expect_client_alert(
        prefer(client_config(), &[Alg::ZLIB, Alg::BROTLI]),
        &compressed_body(Alg::ZSTD, body.len() as u32, zstd),
        AlertDescription::ILLEGAL_PARAMETER,
    );
    expect_client_alert(
        client_config(),
        &compressed_body(Alg(0x1234), body.len() as u32, vec![1, 2, 3]),
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

#[test]
fn empty_compressed_data_is_decode_error() {
    expect_client_alert(
        client_config(),
        &[0, 1, 0, 1, 0, 0, 0, 0],
        AlertDescription::DECODE_ERROR,
    );
}

#[test]
fn an_unsolicited_compressed_certificate_is_unexpected_message() {
    let body = genuine_body();
    let zlib = certcomp::compress(Alg::ZLIB, &body).unwrap();
    let mut cc = client_config();
    cc.options.no_receive_compressed_certificate = true;
    expect_client_alert(
        cc,
        &compressed_body(Alg::ZLIB, body.len() as u32, zlib),
        AlertDescription::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn a_decompressed_certificate_is_checked_like_a_plain_one() {
    // A non-empty request context inside the compressed bytes: illegal_parameter, as for a
    // plain server Certificate.
    let mut body = genuine_body();
    body[0] = 1;
    body.insert(1, 7);
    let c = certcomp::compress(Alg::BROTLI, &body).unwrap();
    expect_client_alert(
        client_config(),
        &compressed_body(Alg::BROTLI, body.len() as u32, c),
        AlertDescription::ILLEGAL_PARAMETER,
    );
    // Trailing bytes after the Certificate body: decode_error.
    let mut body = genuine_body();
    body.push(0);
    let c = certcomp::compress(Alg::ZLIB, &body).unwrap();
    expect_client_alert(
        client_config(),
        &compressed_body(Alg::ZLIB, body.len() as u32, c),
        AlertDescription::DECODE_ERROR,
    );
}

/// A server that requested a client certificate and awaits it, and a sealer for the client's
/// handshake records.
fn server_awaiting_client_certificate(sc: Config) -> (Connection, tls::record::RecordEncrypter) {
    let (_, cc) = mutual("server-ecdsa-p256");
    server_awaiting_client_flight(cc, sc)
}

fn expect_server_alert(sc: Config, body: &[u8], alert: AlertDescription) {
    let (mut s, mut sealer) = server_awaiting_client_certificate(sc);
    let mut record = Vec::new();
    sealer
        .encrypt(
            ContentType::HANDSHAKE,
            &handshake_message(25, body),
            &mut record,
        )
        .unwrap();
    let e = s.read_tls(&record).unwrap_err();
    assert_eq!(e.alert, Some(alert), "{e:?}");
    assert_eq!(s.alert_sent(), Some(alert));
}

#[test]
fn a_server_refuses_hostile_client_certificates() {
    let (sc, _) = mutual("server-ecdsa-p256");
    let body = certcomp::handshake_certificate_body(&chain("client-rsa2048")).unwrap();
    let zeros = vec![0u8; 4 << 20];
    let bomb = certcomp::compress(Alg::BROTLI, &zeros).unwrap();
    expect_server_alert(
        sc.clone(),
        &compressed_body(Alg::BROTLI, body.len() as u32, bomb),
        AlertDescription::BAD_CERTIFICATE,
    );
    let zlib = certcomp::compress(Alg::ZLIB, &body).unwrap();
    expect_server_alert(
        sc.clone(),
        &compressed_body(Alg::ZLIB, body.len() as u32 + 1, zlib.clone()),
        AlertDescription::BAD_CERTIFICATE,
    );
    expect_server_alert(
        prefer(sc.clone(), &[Alg::ZSTD]),
        &compressed_body(Alg::ZLIB, body.len() as u32, zlib.clone()),
        AlertDescription::ILLEGAL_PARAMETER,
    );
    let mut quiet = sc.clone();
    quiet.options.no_receive_compressed_certificate = true;
    expect_server_alert(
        quiet,
        &compressed_body(Alg::ZLIB, body.len() as u32, zlib),
        AlertDescription::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn a_malformed_client_offer_is_decode_error() {
    let mut c = Connection::new_client(Arc::new(client_config()), localhost());
    c.start().unwrap();
    let HandshakeMessage::ClientHello(mut ch) =
        HandshakeMessage::decode_encoded(&c.pending_tls()[5..], TLS13).unwrap()
    else {
        panic!("not a ClientHello")
    };
    for e in ch.extensions.iter_mut() {
        if let ClientExtension::Unknown { typ, data } = e {
            if *typ == ExtensionType::COMPRESS_CERTIFICATE {
                *data = vec![3, 0, 1, 0];
            }
        }
    }
    let hello = HandshakeMessage::ClientHello(ch).encode().unwrap();
    let mut record = vec![22, 3, 1];
    record.extend_from_slice(&(hello.len() as u16).to_be_bytes());
    record.extend(hello);
    let mut s = Connection::new_server(Arc::new(server_config("server-ecdsa-p256")));
    s.start().unwrap();
    let e = s.read_tls(&record).unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::DECODE_ERROR), "{e:?}");
}
