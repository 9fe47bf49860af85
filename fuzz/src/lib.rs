//! The bodies of the fuzz targets (one thin file each in `fuzz_targets/`). Every target must
//! finish without a panic, a hang or unbounded memory whatever its input; the differential
//! target also checks libtls's record protection against keys derived here independently.

use std::sync::{Arc, OnceLock};
use tls::config::Config;
use tls::conn::{ClientOptions, Connection};
use tls::crypto::secret::Secret;
use tls::msgs::enums::{HandshakeType, ProtocolVersion};
use tls::record::{RecordLayer, HEADER_LEN, MAX_CIPHERTEXT_TLS12};
use tls::suites::SuiteInfo;

/// The suites records are protected with, TLS 1.3 ones first.
fn suites() -> Vec<&'static SuiteInfo> {
    let mut v: Vec<&'static SuiteInfo> = tls::suites::ALL_SUITES.iter().collect();
    v.sort_by_key(|s| s.version != ProtocolVersion::TLSV1_3);
    v
}

fn pick<'a, T>(items: &'a [T], selector: u8) -> &'a T {
    &items[selector as usize % items.len()]
}

/// First byte: which protection the reader has (none, or one suite of either version).
pub fn record(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let mut layer = RecordLayer::default();
    let suites = suites();
    if selector != 0 {
        let suite = *pick(&suites, selector - 1);
        let decrypter = if suite.version == ProtocolVersion::TLSV1_3 {
            tls::record::keys::tls13_decrypter(suite, &Secret::zeros(suite.hash.output_len()))
        } else {
            let keys = tls::crypto::tls12::key_block(
                suite.hash, suite.aead, &[7u8; 48], &[1; 32], &[2; 32],
            )
            .expect("key block");
            tls::record::keys::tls12_decrypter(suite, &keys, true)
        };
        layer.set_reader(decrypter.expect("keys"));
    }
    let mut input = rest;
    while !input.is_empty() {
        match layer.take_record(input) {
            Ok((used, record)) => {
                assert!(used > 0 && used <= input.len());
                input = &input[used..];
                if let Some(r) = record {
                    assert!(r.payload.len() <= MAX_CIPHERTEXT_TLS12);
                }
                assert!(layer.buffered() <= HEADER_LEN + MAX_CIPHERTEXT_TLS12);
            }
            Err(_) => return,
        }
    }
}

/// First byte: the message type; second: the version whose layouts apply; the rest is the body.
/// The same bytes also go through the joiner and the alert decoder.
pub fn handshake_messages(data: &[u8]) {
    use tls::msgs::handshake::HandshakeMessage;
    if data.len() < 2 {
        return;
    }
    let typ = HandshakeType(data[0]);
    let version = if data[1] & 1 == 0 {
        ProtocolVersion::TLSV1_3
    } else {
        ProtocolVersion::TLSV1_2
    };
    let body = &data[2..];
    if let Ok(msg) = HandshakeMessage::decode(typ, body, version) {
        let encoded = msg.encode().unwrap();
        let again = HandshakeMessage::decode_encoded(&encoded, version)
            .expect("what we encode from a decoded message decodes");
        assert_eq!(again, msg, "decode(encode(m)) == m");
    }
    let _ = tls::msgs::alert::Alert::decode_payload(body);

    let mut joiner = tls::msgs::deframer::HandshakeJoiner::with_max_message_len(4096);
    for chunk in data.chunks((data[1] as usize % 64) + 1) {
        if joiner.push(chunk).is_err() {
            break;
        }
        while let Some(m) = joiner.next_message() {
            assert!(m.body().len() <= 4096);
            let _ = HandshakeMessage::decode(m.typ, m.body(), version);
        }
        assert!(joiner.buffered_len() <= 4 + 4096 + 64);
    }
}

/// Feeds `peer` to `conn` in pieces whose sizes come from the input, then uses what the
/// connection offers: plaintext, a write, close_notify.
fn drive(mut conn: Connection, peer: &[u8], split: u8) {
    let piece = if split == 0 {
        usize::MAX
    } else {
        split as usize * 7
    };
    for chunk in peer.chunks(piece.min(peer.len().max(1))) {
        if conn.read_tls(chunk).is_err() {
            assert!(conn.error().is_some());
            assert!(conn.read_tls(chunk).is_err(), "errors stick");
            return;
        }
        let mut buf = [0u8; 4096];
        while conn.read_plaintext(&mut buf) > 0 {}
        // What a connection queues for its peer stays bounded (KeyUpdate answers, alerts).
        assert!(conn.pending_tls().len() < 1 << 20);
        let n = conn.pending_tls().len();
        conn.consume_tls(n);
    }
    if !conn.is_handshaking() {
        let _ = conn.write_plaintext(b"fuzz");
    }
    conn.send_close_notify();
}

fn client_configs() -> &'static [Arc<Config>] {
    static C: OnceLock<Vec<Arc<Config>>> = OnceLock::new();
    C.get_or_init(|| {
        (0..tls::fuzz_support::VARIANTS)
            .map(|v| Arc::new(tls::fuzz_support::client_config(v)))
            .collect()
    })
}

fn server_configs() -> &'static [Arc<Config>] {
    static C: OnceLock<Vec<Arc<Config>>> = OnceLock::new();
    C.get_or_init(|| {
        (0..tls::fuzz_support::VARIANTS)
            .map(|v| Arc::new(tls::fuzz_support::server_config(v)))
            .collect()
    })
}

/// First byte: the configuration variant (and, in its high bits, how the bytes are split);
/// the rest is everything the server sends. The client is deterministic, so the committed
/// recordings (fuzz/corpus/client) replay to the end of the session.
pub fn client(data: &[u8]) {
    let Some((&selector, peer)) = data.split_first() else {
        return;
    };
    tls::fuzz_support::set_deterministic(true);
    let config = pick(client_configs(), selector).clone();
    let mut conn = Connection::new_client(config, ClientOptions::default());
    if conn.start().is_ok() {
        drive(conn, peer, selector >> 4);
    }
}

/// As [`client`], for a server fed what a client sends (fuzz/corpus/server).
pub fn server(data: &[u8]) {
    let Some((&selector, peer)) = data.split_first() else {
        return;
    };
    tls::fuzz_support::set_deterministic(true);
    let config = pick(server_configs(), selector).clone();
    let mut conn = Connection::new_server(config);
    if conn.start().is_ok() {
        drive(conn, peer, selector >> 4);
    }
}

/// The loaders an application reaches through `SSL_CTX_use_*` and `X509` calls.
pub fn pem_der(data: &[u8]) {
    let _ = tls::crypto::sign::SigningKey::from_pem(data);
    let _ = tls::crypto::sign::SigningKey::from_der_bytes(data);
    if let Ok(cert) = tls::x509::Certificate::from_der(data) {
        let _ = cert.subject().to_text();
        let _ = cert.issuer().to_text();
        let _ = cert.serial_hex();
        let _ = cert.dns_names().count();
        let _ = cert.key_usage();
        let _ = cert.basic_constraints();
        for name in cert.subject_alt_names() {
            let _ = name.openssl_text();
        }
    }
    if let Ok(certs) = tls::x509::from_pem_bundle(data) {
        for c in certs {
            let _ = c.subject().to_text_utf8();
        }
    }
    if let Ok(name) = tls::x509::name::Name::from_der(data) {
        let _ = name.to_text();
    }
    let mut roots = tls::verify::RootStore::default();
    let _ = roots.add_der(data);
    let _ = roots.add_pem(data);
    // A chain of whatever DER the input holds, verified against the input's roots.
    let _ = tls::verify::verify_chain(
        &roots,
        &[data.to_vec()],
        None,
        tls::verify::Usage::ServerAuth,
        pki_types_now(),
        10,
    );
}

fn pki_types_now() -> pki_types::UnixTime {
    pki_types::UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_750_000_000))
}

/// The strings `SSL_CTX_set_cipher_list`, `SSL_CTX_set_ciphersuites`, `SSL_CTX_set1_groups_list`,
/// `SSL_CTX_set1_sigalgs_list` and `SSL_set1_host` parse, and the ALPN lists of
/// `SSL_CTX_set_alpn_protos` (wire form).
pub fn config_strings(data: &[u8]) {
    if let Some(names) = tls::config::parse_alpn_wire(data) {
        assert!(names.iter().all(|n| !n.is_empty() && n.len() <= 255));
        assert_eq!(
            tls::config::encode_alpn_wire(&names),
            data,
            "ALPN wire round trip"
        );
        let (a, b) = names.split_at(names.len() / 2);
        if let Some(chosen) = tls::config::select_alpn(a, b) {
            assert!(a.contains(&chosen) && b.contains(&chosen));
        }
    }
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = tls::config::lists::parse_sigalgs(s);
    if let Ok(list) = tls::config::lists::parse_cipher_list(s) {
        assert!(list.iter().all(|c| tls::suites::lookup(*c).is_some()));
    }
    let _ = tls::config::lists::parse_tls13_suites(s);
    if let Ok(groups) = tls::config::lists::parse_groups(s) {
        assert!(!groups.is_empty());
    }
    let _ = tls::verify::PeerIdentity::parse(s);
}

pub mod differential;
pub use differential::differential;

/// Session and ticket decoding: `d2i_SSL_SESSION`'s format, sealed tickets under a fixed key
/// (as received in a ClientHello), and the ticket-key file and key-list formats.
pub fn session(data: &[u8]) {
    use tls::session::{ticket, Session};
    if let Ok(s) = Session::decode(data) {
        // Whatever decodes must encode back to the same bytes.
        assert_eq!(&s.encode().unwrap()[..], data, "session re-encoding differs");
    }
    let _ = Session::decode_prefix(data);
    let key = ticket::TicketKey::new([7; 16], &[9; 32]).expect("fixed key");
    if let Some(state) = ticket::open(&key, data) {
        let _ = Session::decode(&state);
    }
    let _ = ticket::key_name(data);
    let _ = ticket::parse_explicit_keys(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ticket::parse_key_file(text);
    }
}
