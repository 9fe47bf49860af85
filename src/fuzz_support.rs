//! Support for fuzzing and its seed corpora; compiled only for tests and fuzzing builds
//! (`--cfg fuzzing`), never into the library an application links.
//!
//! A fuzzer goes deep into a handshake only if the handshake is a pure function of the peer's
//! bytes: then a recorded peer flight replays byte for byte, its keys decrypt and its Finished
//! verifies. [`set_deterministic`] makes this thread's connections use fixed randomness and
//! fixed ephemeral keys; the configurations below sign with Ed25519 (deterministic signatures)
//! and use only the classic groups (ML-KEM encapsulation cannot be fixed from outside).

use crate::config::{CertifiedKey, Config, VerifyMode};
use crate::crypto::sign::SigningKey;
use crate::msgs::enums::{NamedGroup, ProtocolVersion};
use crate::verify::RootStore;
use std::sync::Arc;

/// The seam itself is crypto's ([`crate::crypto::rand`]); fuzz targets set it from here.
pub use crate::crypto::rand::set_deterministic;

/// The configuration variants a fuzz input can pick with its first byte.
pub const VARIANTS: u8 = 4;

const ROOT: &[u8] = include_bytes!("../pki/root-ca.pem");
const SERVER_CHAIN: &[u8] = include_bytes!("../pki/server-ed25519.chain.pem");
const SERVER_KEY: &[u8] = include_bytes!("../pki/server-ed25519.key");
const CLIENT_CHAIN: &[u8] = include_bytes!("../pki/client-ed25519.chain.pem");
const CLIENT_KEY: &[u8] = include_bytes!("../pki/client-ed25519.key");

fn certified(chain_pem: &[u8], key_pem: &[u8]) -> CertifiedKey {
    let chain = rustls_pemfile::certs(&mut &chain_pem[..])
        .filter_map(|c| c.ok())
        .map(|c| c.as_ref().to_vec())
        .collect();
    CertifiedKey {
        chain,
        key: Arc::new(SigningKey::from_pem(key_pem).expect("test key")),
    }
}

fn base(variant: u8) -> Config {
    let mut c = Config {
        groups: vec![
            NamedGroup::X25519,
            NamedGroup::SECP256R1,
            NamedGroup::SECP384R1,
        ],
        ..Config::default()
    };
    if variant % VARIANTS == 1 {
        c.max_version = ProtocolVersion::TLSV1_2;
    }
    c
}

/// Variant 0: TLS 1.3 and 1.2; 1: TLS 1.2 only; 2: the server requires a client certificate;
/// 3: the server accepts only P-384, so a client leading with X25519 gets a HelloRetryRequest.
pub fn server_config(variant: u8) -> Config {
    let mut c = base(variant);
    c.set_certified_key(certified(SERVER_CHAIN, SERVER_KEY));
    match variant % VARIANTS {
        2 => {
            let mut roots = RootStore::default();
            roots.add_pem(ROOT).expect("test root");
            c.roots = Arc::new(roots);
            c.verify_mode = VerifyMode::REQUIRE_PEER_CERT;
        }
        3 => c.groups = vec![NamedGroup::SECP384R1],
        _ => {}
    }
    c
}

/// The client side of each variant. It does not insist on a valid server chain, so replays
/// stay deep whatever the clock says about the test certificates.
pub fn client_config(variant: u8) -> Config {
    let mut c = base(variant);
    if variant % VARIANTS == 2 {
        c.set_certified_key(certified(CLIENT_CHAIN, CLIENT_KEY));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conn::{ClientOptions, Connection};
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::time::Duration;

    /// Everything each side sent during a whole session: handshake, data both ways, a
    /// KeyUpdate each way (TLS 1.3), close_notify.
    struct Transcript {
        client_sent: Vec<u8>,
        server_sent: Vec<u8>,
        completed: bool,
    }

    fn pump(from: &mut Connection, to: &mut Connection, log: &mut Vec<u8>) -> bool {
        let bytes = from.pending_tls().to_vec();
        from.consume_tls(bytes.len());
        log.extend_from_slice(&bytes);
        let _ = to.read_tls(&bytes);
        !bytes.is_empty()
    }

    fn key_update(conn: &mut Connection) {
        if conn.negotiated().version == Some(ProtocolVersion::TLSV1_3) {
            conn.key_update(false).unwrap();
        }
    }

    fn session(client: Config, server: Config) -> Transcript {
        set_deterministic(true);
        let mut c = Connection::new_client(Arc::new(client), ClientOptions::default());
        let mut s = Connection::new_server(Arc::new(server));
        let (mut client_sent, mut server_sent) = (Vec::new(), Vec::new());
        c.start().unwrap();
        s.start().unwrap();
        for _ in 0..10 {
            let a = pump(&mut c, &mut s, &mut client_sent);
            let b = pump(&mut s, &mut c, &mut server_sent);
            if !a && !b {
                break;
            }
        }
        let completed = !c.is_handshaking() && !s.is_handshaking();
        if completed {
            c.write_plaintext(b"GET / HTTP/1.0\r\n\r\n").unwrap();
            key_update(&mut c);
            c.write_plaintext(b"after key update").unwrap();
            pump(&mut c, &mut s, &mut client_sent);
            s.write_plaintext(b"HTTP/1.0 200 OK\r\n\r\nhello").unwrap();
            key_update(&mut s);
            s.write_plaintext(b"after key update").unwrap();
            pump(&mut s, &mut c, &mut server_sent);
            c.send_close_notify();
            s.send_close_notify();
            pump(&mut c, &mut s, &mut client_sent);
            pump(&mut s, &mut c, &mut server_sent);
        }
        set_deterministic(false);
        Transcript {
            client_sent,
            server_sent,
            completed,
        }
    }

    fn only_tls12(mut c: Config) -> Config {
        c.max_version = ProtocolVersion::TLSV1_2;
        c
    }

    /// (name, the fuzzed side's variant, the other side's configuration).
    fn server_target_sessions() -> Vec<(&'static str, u8, Config)> {
        vec![
            ("tls13", 0, client_config(0)),
            ("tls12-from-tls12-client", 0, client_config(1)),
            ("tls12-only-server", 1, client_config(0)),
            ("tls13-client-auth", 2, client_config(2)),
            ("tls12-client-auth", 2, only_tls12(client_config(2))),
            ("tls13-hello-retry", 3, client_config(0)),
        ]
    }

    fn client_target_sessions() -> Vec<(&'static str, u8, Config)> {
        vec![
            ("tls13", 0, server_config(0)),
            ("tls12-from-tls12-server", 0, server_config(1)),
            ("tls12-only-client", 1, server_config(0)),
            ("tls13-client-auth", 2, server_config(2)),
            ("tls12-client-auth", 2, only_tls12(server_config(2))),
            ("tls13-hello-retry", 0, server_config(3)),
        ]
    }

    fn seed(variant: u8, bytes: &[u8]) -> Vec<u8> {
        let mut v = vec![variant];
        v.extend_from_slice(bytes);
        v
    }

    /// Replays `peer_bytes` into a fresh deterministic connection: does it get as far as the
    /// recording did?
    fn replay_completes(server_side: bool, variant: u8, peer_bytes: &[u8]) -> bool {
        replay_reaches(server_side, variant, peer_bytes, true)
    }

    fn replay_reaches(server_side: bool, variant: u8, peer_bytes: &[u8], close: bool) -> bool {
        set_deterministic(true);
        let mut conn = if server_side {
            Connection::new_server(Arc::new(server_config(variant)))
        } else {
            Connection::new_client(Arc::new(client_config(variant)), ClientOptions::default())
        };
        conn.start().unwrap();
        let r = conn.read_tls(peer_bytes);
        set_deterministic(false);
        r.is_ok() && !conn.is_handshaking() && (conn.received_close_notify() || !close)
    }

    #[test]
    fn recorded_sessions_replay_to_the_end() {
        for (name, variant, client) in server_target_sessions() {
            let t = session(client, server_config(variant));
            assert!(t.completed, "{name}");
            assert!(
                replay_completes(true, variant, &t.client_sent),
                "server replay {name}"
            );
        }
        for (name, variant, server) in client_target_sessions() {
            let t = session(client_config(variant), server);
            assert!(t.completed, "{name}");
            assert!(
                replay_completes(false, variant, &t.server_sent),
                "client replay {name}"
            );
        }
    }

    /// The committed seeds still go deep. If this fails, the handshake bytes changed (a new
    /// extension, say): run `make fuzz-seeds` and commit fuzz/corpus.
    #[test]
    fn committed_session_seeds_replay_through_the_handshake() {
        for (target, server_side) in [("client", false), ("server", true)] {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fuzz/corpus")
                .join(target);
            let mut seen = 0;
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                // Recordings of libtls peers end with close_notify; OpenSSL's may not.
                let close = name.starts_with("libtls-");
                assert!(
                    replay_reaches(server_side, bytes[0], &bytes[1..], close),
                    "fuzz/corpus/{target}/{name} no longer replays: run `make fuzz-seeds`"
                );
                seen += 1;
            }
            assert!(seen >= 8, "{target}: {seen} seeds");
        }
    }

    fn corpus_dir(target: &str) -> PathBuf {
        let d = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(target);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn write_seed(target: &str, name: &str, bytes: &[u8]) {
        std::fs::write(corpus_dir(target).join(name), bytes).unwrap();
    }

    /// Records the bytes an OpenSSL peer sends to a deterministic libtls connection.
    fn record_openssl_server(variant: u8, extra: &[&str]) -> Option<Vec<u8>> {
        let pki = Path::new(env!("CARGO_MANIFEST_DIR")).join("pki");
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").ok()?;
            l.local_addr().ok()?.port()
        };
        let mut child = Command::new("openssl")
            .args(["s_server", "-quiet", "-naccept", "1", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(pki.join("server-ed25519.chain.pem"))
            .arg("-key")
            .arg(pki.join("server-ed25519.key"))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let mut sock = None;
        for _ in 0..50 {
            std::thread::sleep(Duration::from_millis(100));
            if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
                sock = Some(s);
                break;
            }
        }
        let mut sock = sock?;
        sock.set_read_timeout(Some(Duration::from_millis(500)))
            .ok()?;
        set_deterministic(true);
        let mut c =
            Connection::new_client(Arc::new(client_config(variant)), ClientOptions::default());
        c.start().ok()?;
        let mut received = Vec::new();
        let mut sent_data = false;
        for _ in 0..40 {
            let out = c.pending_tls().to_vec();
            c.consume_tls(out.len());
            sock.write_all(&out).ok()?;
            if !c.is_handshaking() && !sent_data {
                c.write_plaintext(b"hello from libtls\n").ok()?;
                c.send_close_notify();
                sent_data = true;
                continue;
            }
            let mut buf = [0u8; 16384];
            match sock.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    received.extend_from_slice(&buf[..n]);
                    if c.read_tls(&buf[..n]).is_err() {
                        break;
                    }
                }
                Err(_) if sent_data => break,
                Err(_) => {}
            }
        }
        set_deterministic(false);
        let _ = child.kill();
        let _ = child.wait();
        Some(received)
    }

    /// Records the bytes an OpenSSL client sends to a deterministic libtls server.
    fn record_openssl_client(variant: u8, extra: &[&str]) -> Option<Vec<u8>> {
        let listener = TcpListener::bind("127.0.0.1:0").ok()?;
        let port = listener.local_addr().ok()?.port();
        let mut child = Command::new("openssl")
            .args(["s_client", "-quiet", "-no_ign_eof", "-connect"])
            .arg(format!("127.0.0.1:{port}"))
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let (mut sock, _) = listener.accept().ok()?;
        sock.set_read_timeout(Some(Duration::from_millis(500)))
            .ok()?;
        set_deterministic(true);
        let mut s = Connection::new_server(Arc::new(server_config(variant)));
        s.start().ok()?;
        let mut received = Vec::new();
        let mut stdin = child.stdin.take();
        for _ in 0..40 {
            let out = s.pending_tls().to_vec();
            s.consume_tls(out.len());
            sock.write_all(&out).ok()?;
            if !s.is_handshaking() {
                if let Some(mut i) = stdin.take() {
                    let _ = i.write_all(b"hello from openssl\n");
                }
            }
            let mut buf = [0u8; 16384];
            match sock.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    received.extend_from_slice(&buf[..n]);
                    if s.read_tls(&buf[..n]).is_err() {
                        break;
                    }
                }
                Err(_) => {}
            }
        }
        set_deterministic(false);
        let _ = child.kill();
        let _ = child.wait();
        Some(received)
    }

    /// The plaintext handshake messages in a stream of records, as (type, body).
    fn plaintext_messages(stream: &[u8]) -> Vec<(u8, Vec<u8>)> {
        let mut handshake = Vec::new();
        let mut rest = stream;
        while rest.len() >= 5 {
            let len = u16::from_be_bytes([rest[3], rest[4]]) as usize;
            let Some(body) = rest.get(5..5 + len) else {
                break;
            };
            if rest[0] == 22 {
                handshake.extend_from_slice(body);
            } else if rest[0] == 23 {
                break;
            }
            rest = &rest[5 + len..];
        }
        let mut out = Vec::new();
        let mut m = &handshake[..];
        while m.len() >= 4 {
            let len = u32::from_be_bytes([0, m[1], m[2], m[3]]) as usize;
            let Some(body) = m.get(4..4 + len) else {
                break;
            };
            out.push((m[0], body.to_vec()));
            m = &m[4 + len..];
        }
        out
    }

    /// Seeds for the record, message, loader, string and differential targets.
    fn write_other_seeds() {
        let t13 = session(client_config(0), server_config(0));
        let t12 = session(client_config(1), server_config(1));
        let t12auth = session(only_tls12(client_config(2)), server_config(2));
        // Record layer: plain records (selector 0) and protected ones under some suite.
        write_seed("record", "plain-tls13-client", &seed(0, &t13.client_sent));
        write_seed("record", "plain-tls12-server", &seed(0, &t12.server_sent));
        write_seed(
            "record",
            "protected-tls13",
            &seed(1, &t13.server_sent[200..]),
        );
        write_seed(
            "record",
            "protected-tls12",
            &seed(5, &t12.server_sent[100..]),
        );
        // Handshake messages: every plaintext message of the recorded sessions.
        for (name, stream, version) in [
            ("tls13-client", &t13.client_sent, 0u8),
            ("tls13-server", &t13.server_sent, 0),
            ("tls12-client", &t12.client_sent, 1),
            ("tls12-server", &t12.server_sent, 1),
            ("tls12-auth-client", &t12auth.client_sent, 1),
            ("tls12-auth-server", &t12auth.server_sent, 1),
        ] {
            for (i, (typ, body)) in plaintext_messages(stream).into_iter().enumerate() {
                let mut bytes = vec![typ, version];
                bytes.extend_from_slice(&body);
                write_seed("handshake_messages", &format!("{name}-{i}"), &bytes);
            }
        }
        for (name, bytes) in [
            ("key-update", &[24u8, 0, 1][..]),
            (
                "finished",
                &[20, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12][..],
            ),
            ("encrypted-extensions", &[8, 0, 0, 0][..]),
        ] {
            write_seed("handshake_messages", name, bytes);
        }
        // Loaders: the test PKI's PEM files and a DER certificate.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pki");
        for f in [
            "root-ca.pem",
            "server-ecdsa-p256.key",
            "server-ecdsa-p256.sec1.key",
            "server-rsa2048.pkcs1.key",
            "client-ed25519.key",
            "server-ecdsa-p384.pem",
        ] {
            write_seed("pem_der", f, &std::fs::read(root.join(f)).unwrap());
        }
        let der = rustls_pemfile::certs(&mut &SERVER_CHAIN[..])
            .next()
            .unwrap()
            .unwrap();
        write_seed("pem_der", "server-ed25519.der", der.as_ref());
        for (i, text) in [
            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:!aNULL",
            "HIGH:!aNULL:!MD5:@STRENGTH",
            "DEFAULT:-ECDHE-RSA-AES256-GCM-SHA384",
            "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256",
            "X25519MLKEM768:X25519:P-256:secp384r1",
            "ECDSA+SHA256:RSA-PSS+SHA256:ed25519",
            "\x02h2\x08http/1.1",
            "www.example.com",
            "192.0.2.1",
        ]
        .iter()
        .enumerate()
        {
            write_seed("config_strings", &format!("seed-{i}"), text.as_bytes());
        }
        // Differential: each suite, a secret, three records.
        for s in 0..crate::suites::ALL_SUITES.len() as u8 {
            let mut bytes = vec![s];
            bytes.extend((0..48u8).map(|i| i.wrapping_mul(37)));
            for (typ, content) in [
                (0u8, &b"handshake"[..]),
                (1, &[1, 0][..]),
                (2, &b"data"[..]),
            ] {
                bytes.push(typ);
                bytes.extend_from_slice(&(content.len() as u16).to_be_bytes());
                bytes.push(3);
                bytes.extend_from_slice(content);
            }
            write_seed("differential", &format!("suite-{s}"), &bytes);
        }
    }

    /// Regenerates the seed corpora (`make fuzz-seeds`; needs the openssl command).
    #[test]
    #[ignore]
    fn write_seed_corpora() {
        write_other_seeds();
        for (name, variant, client) in server_target_sessions() {
            let t = session(client, server_config(variant));
            write_seed(
                "server",
                &format!("libtls-{name}"),
                &seed(variant, &t.client_sent),
            );
        }
        for (name, variant, server) in client_target_sessions() {
            let t = session(client_config(variant), server);
            write_seed(
                "client",
                &format!("libtls-{name}"),
                &seed(variant, &t.server_sent),
            );
        }
        for (name, variant, extra) in [("tls13", 0, &[][..]), ("tls12", 0, &["-tls1_2"][..])] {
            let got = record_openssl_server(variant, extra).expect("openssl s_server");
            assert!(!got.is_empty());
            assert!(replay_reaches(false, variant, &got, false), "{name}");
            write_seed("client", &format!("openssl-{name}"), &seed(variant, &got));
            let got = record_openssl_client(variant, extra).expect("openssl s_client");
            assert!(!got.is_empty());
            assert!(replay_reaches(true, variant, &got, false), "{name}");
            write_seed("server", &format!("openssl-{name}"), &seed(variant, &got));
        }
    }
}
