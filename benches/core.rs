//! Core benchmark without the C API: in-memory handshakes and bulk transfer through
//! `Connection`, plus raw aws-lc-rs AEAD sealing and opening of 16 KiB records, which is the
//! ceiling bulk TLS can approach. Plain harness (`cargo bench --bench core`); prints one line
//! per measurement.

use std::sync::Arc;
use std::time::{Duration, Instant};
use tls::config::{verify_flags, CertifiedKey, Config};
use tls::conn::{ClientOptions, Connection};
use tls::crypto::sign::SigningKey;
use tls::msgs::enums::{CipherSuite, NamedGroup};
use tls::verify::PeerIdentity;

fn pki(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/pki/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn server_config(cert: &str) -> Arc<Config> {
    let pem = pki(&format!("{cert}.chain.pem"));
    let chain = rustls_pemfile::certs(&mut pem.as_slice())
        .map(|c| c.unwrap().as_ref().to_vec())
        .collect();
    let key = SigningKey::from_pem(&pki(&format!("{cert}.key"))).unwrap();
    let mut c = Config::default();
    c.set_certified_key(CertifiedKey {
        chain,
        key: Arc::new(key),
    });
    Arc::new(c)
}

fn client_config(suite: CipherSuite, group: NamedGroup) -> Arc<Config> {
    let mut c = Config::default();
    let mut roots = tls::verify::RootStore::default();
    roots.add_pem(&pki("root-ca.pem")).unwrap();
    c.roots = Arc::new(roots);
    c.verify_mode = verify_flags::PEER;
    c.tls13_suites = vec![suite];
    c.groups = vec![group];
    Arc::new(c)
}

fn pump(a: &mut Connection, b: &mut Connection) {
    let n = a.pending_tls().len();
    if n > 0 {
        b.read_tls(a.pending_tls()).unwrap();
        a.consume_tls(n);
    }
}

fn connect(client: &Arc<Config>, server: &Arc<Config>) -> (Connection, Connection) {
    let opts = ClientOptions {
        server_name: Some("localhost".into()),
        verify_identity: PeerIdentity::parse("localhost"),
    };
    let mut c = Connection::new_client(client.clone(), opts);
    let mut s = Connection::new_server(server.clone());
    c.start().unwrap();
    s.start().unwrap();
    while c.is_handshaking() || s.is_handshaking() {
        pump(&mut c, &mut s);
        pump(&mut s, &mut c);
    }
    (c, s)
}

fn per_second(label: &str, unit: &str, amount: f64, elapsed: Duration) {
    println!(
        "{label:<44} {:>12.1} {unit}",
        amount / elapsed.as_secs_f64()
    );
}

fn bench_handshakes(label: &str, cert: &str, group: NamedGroup) {
    let server = server_config(cert);
    let client = client_config(CipherSuite::TLS13_AES_128_GCM_SHA256, group);
    connect(&client, &server);
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_secs(2) {
        connect(&client, &server);
        n += 1;
    }
    per_second(label, "handshakes/s", n as f64, start.elapsed());
}

fn bench_bulk(label: &str, suite: CipherSuite) {
    let server = server_config("server-ecdsa-p256");
    let client = client_config(suite, NamedGroup::X25519);
    let (mut c, mut s) = connect(&client, &server);
    let chunk = vec![0x5au8; 16384];
    let mut sink = vec![0u8; 16384];
    let start = Instant::now();
    let mut bytes = 0usize;
    while start.elapsed() < Duration::from_secs(2) {
        c.write_plaintext(&chunk).unwrap();
        pump(&mut c, &mut s);
        while s.read_plaintext(&mut sink) > 0 {}
        bytes += chunk.len();
    }
    per_second(label, "MB/s", bytes as f64 / 1e6, start.elapsed());
}

fn bench_raw_aead(label: &str, alg: &'static aws_lc_rs::aead::Algorithm) {
    use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey};
    const RECORD: usize = 16384;
    let key = LessSafeKey::new(UnboundKey::new(alg, &vec![7u8; alg.key_len()]).unwrap());
    // One record buffer with room for the tag, sealed and opened in place: no allocation or
    // copy, so this is the AEAD alone.
    let mut record = vec![0x5au8; RECORD + alg.tag_len()];
    let start = Instant::now();
    let mut bytes = 0usize;
    let mut seq = 0u64;
    while start.elapsed() < Duration::from_secs(2) {
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&seq.to_be_bytes());
        let (body, tag_space) = record.split_at_mut(RECORD);
        let tag = key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&[0u8; 5]),
                body,
            )
            .unwrap();
        tag_space.copy_from_slice(tag.as_ref());
        key.open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&[0u8; 5]),
            &mut record,
        )
        .unwrap();
        seq += 1;
        bytes += RECORD;
    }
    // One seal plus one open per record: the same work as a TLS sender plus receiver.
    per_second(label, "MB/s", bytes as f64 / 1e6, start.elapsed());
}

fn main() {
    bench_handshakes(
        "handshake TLS 1.3 ECDSA P-256, X25519",
        "server-ecdsa-p256",
        NamedGroup::X25519,
    );
    bench_handshakes(
        "handshake TLS 1.3 RSA-2048, X25519",
        "server-rsa2048",
        NamedGroup::X25519,
    );
    bench_handshakes(
        "handshake TLS 1.3 ECDSA P-256, X25519MLKEM768",
        "server-ecdsa-p256",
        NamedGroup::X25519_MLKEM768,
    );
    bench_bulk(
        "bulk TLS 1.3 AES-128-GCM (seal+open)",
        CipherSuite::TLS13_AES_128_GCM_SHA256,
    );
    bench_bulk(
        "bulk TLS 1.3 AES-256-GCM (seal+open)",
        CipherSuite::TLS13_AES_256_GCM_SHA384,
    );
    bench_bulk(
        "bulk TLS 1.3 ChaCha20-Poly1305 (seal+open)",
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    );
    bench_raw_aead(
        "raw aws-lc-rs AES-128-GCM seal+open 16 KiB",
        &aws_lc_rs::aead::AES_128_GCM,
    );
    bench_raw_aead(
        "raw aws-lc-rs AES-256-GCM seal+open 16 KiB",
        &aws_lc_rs::aead::AES_256_GCM,
    );
    bench_raw_aead(
        "raw aws-lc-rs ChaCha20-Poly1305 seal+open 16 KiB",
        &aws_lc_rs::aead::CHACHA20_POLY1305,
    );
}
