//! Core benchmark without the C API: in-memory handshakes and bulk transfer through
//! `Connection`, alternated with raw aws-lc-rs AEAD sealing and opening of 16 KiB records,
//! which is the ceiling bulk TLS can approach (bulk/raw is the share of it reached). Plain harness (`cargo bench --bench core`); prints one line
//! per measurement.

use std::sync::Arc;
use std::time::{Duration, Instant};
use tls::config::Config;
use tls::conn::Connection;
use tls::msgs::enums::{CipherSuite, NamedGroup};
use tls::testing;

fn server_config(cert: &str) -> Arc<Config> {
    Arc::new(testing::server_config(cert))
}

fn client_config(suite: CipherSuite, group: NamedGroup) -> Arc<Config> {
    Arc::new(Config {
        tls13_suites: vec![suite],
        groups: vec![group],
        ..testing::client_config()
    })
}

fn pump(a: &mut Connection, b: &mut Connection) {
    testing::transfer(a, b).unwrap();
}

fn connect(client: &Arc<Config>, server: &Arc<Config>) -> (Connection, Connection) {
    let mut c = Connection::new_client(client.clone(), testing::localhost());
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

/// Moves 16 KiB records from client to server through `Connection` for `slice`; returns bytes.
fn bulk_slice(c: &mut Connection, s: &mut Connection, slice: Duration) -> usize {
    let chunk = [0x5au8; 16384];
    let mut sink = [0u8; 16384];
    let start = Instant::now();
    let mut bytes = 0usize;
    while start.elapsed() < slice {
        c.write_plaintext(&chunk).unwrap();
        pump(c, s);
        while s.read_plaintext(&mut sink) > 0 {}
        bytes += chunk.len();
    }
    bytes
}

/// Seals and opens 16 KiB records with aws-lc-rs alone for `slice`, in place in one buffer
/// (no allocation or copy): the ceiling a record layer can approach. Returns bytes.
fn raw_aead_slice(
    key: &aws_lc_rs::aead::LessSafeKey,
    record: &mut [u8],
    seq: &mut u64,
    slice: Duration,
) -> usize {
    use aws_lc_rs::aead::{Aad, Nonce};
    let body_len = record.len() - key.algorithm().tag_len();
    let start = Instant::now();
    let mut bytes = 0usize;
    while start.elapsed() < slice {
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&seq.to_be_bytes());
        let (body, tag_space) = record.split_at_mut(body_len);
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
            record,
        )
        .unwrap();
        *seq += 1;
        bytes += body_len;
    }
    bytes
}

/// Bulk transfer through `Connection` (one seal plus one open per record, like the raw
/// measurement) against the raw AEAD, alternated in short slices so both see the same machine
/// load; prints both rates and bulk as a share of raw.
fn bench_bulk_against_raw(
    name: &str,
    suite: CipherSuite,
    alg: &'static aws_lc_rs::aead::Algorithm,
) {
    use aws_lc_rs::aead::{LessSafeKey, UnboundKey};
    let server = server_config("server-ecdsa-p256");
    let client = client_config(suite, NamedGroup::X25519);
    let (mut c, mut s) = connect(&client, &server);
    let key = LessSafeKey::new(UnboundKey::new(alg, &vec![7u8; alg.key_len()]).unwrap());
    let mut record = vec![0x5au8; 16384 + alg.tag_len()];
    let mut seq = 0u64;
    let slice = Duration::from_millis(100);
    let (mut bulk, mut raw) = (0usize, 0usize);
    let (mut bulk_time, mut raw_time) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..10 {
        let t = Instant::now();
        bulk += bulk_slice(&mut c, &mut s, slice);
        bulk_time += t.elapsed();
        let t = Instant::now();
        raw += raw_aead_slice(&key, &mut record, &mut seq, slice);
        raw_time += t.elapsed();
    }
    per_second(
        &format!("bulk TLS 1.3 {name} (seal+open)"),
        "MB/s",
        bulk as f64 / 1e6,
        bulk_time,
    );
    per_second(
        &format!("raw aws-lc-rs {name} seal+open 16 KiB"),
        "MB/s",
        raw as f64 / 1e6,
        raw_time,
    );
    let share = (bulk as f64 / bulk_time.as_secs_f64()) / (raw as f64 / raw_time.as_secs_f64());
    println!(
        "{:<44} {:>12.1} %",
        format!("bulk/raw {name}"),
        share * 100.0
    );
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
    bench_bulk_against_raw(
        "AES-128-GCM",
        CipherSuite::TLS13_AES_128_GCM_SHA256,
        &aws_lc_rs::aead::AES_128_GCM,
    );
    bench_bulk_against_raw(
        "AES-256-GCM",
        CipherSuite::TLS13_AES_256_GCM_SHA384,
        &aws_lc_rs::aead::AES_256_GCM,
    );
    bench_bulk_against_raw(
        "ChaCha20-Poly1305",
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        &aws_lc_rs::aead::CHACHA20_POLY1305,
    );
}
