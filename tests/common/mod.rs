//! Shared helpers for the in-memory handshake tests: configurations from the committed test
//! PKI, and a pump that moves bytes between a client and a server `Connection`.

#![allow(dead_code)]

use std::sync::Arc;
use tls::config::{verify_flags, CertifiedKey, Config};
use tls::conn::{ClientOptions, Connection};
use tls::crypto::sign::SigningKey;
use tls::error::Error;
use tls::verify::PeerIdentity;

pub fn pki(name: &str) -> Vec<u8> {
    let path = format!("{}/pki/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn chain(name: &str) -> Vec<Vec<u8>> {
    let pem = pki(&format!("{name}.chain.pem"));
    rustls_pemfile::certs(&mut pem.as_slice())
        .map(|c| c.unwrap().as_ref().to_vec())
        .collect()
}

pub fn certified_key(name: &str) -> CertifiedKey {
    CertifiedKey {
        chain: chain(name),
        key: Arc::new(SigningKey::from_pem(&pki(&format!("{name}.key"))).unwrap()),
    }
}

/// A server configuration with the named certificate (e.g. "server-ecdsa-p256").
pub fn server_config(cert: &str) -> Config {
    let mut c = Config::default();
    c.set_certified_key(certified_key(cert));
    c
}

/// A client that trusts the test root and verifies the peer.
pub fn client_config() -> Config {
    let mut c = Config::default();
    let mut roots = tls::verify::RootStore::default();
    roots.add_pem(&pki("root-ca.pem")).unwrap();
    c.roots = Arc::new(roots);
    c.verify_mode = verify_flags::PEER;
    c
}

pub fn localhost() -> ClientOptions {
    ClientOptions {
        server_name: Some("localhost".into()),
        verify_identity: PeerIdentity::parse("localhost"),
    }
}

pub struct Pair {
    pub client: Connection,
    pub server: Connection,
    pub client_result: Result<(), Error>,
    pub server_result: Result<(), Error>,
}

/// Moves bytes both ways until neither side has anything to send; stops feeding a side once
/// it has failed (its alert still reaches the peer).
pub fn transfer(from: &mut Connection, to: &mut Connection) -> Result<bool, Error> {
    let bytes = from.pending_tls().to_vec();
    if bytes.is_empty() {
        return Ok(false);
    }
    from.consume_tls(bytes.len());
    to.read_tls(&bytes)?;
    Ok(true)
}

pub fn handshake(client_cfg: Config, server_cfg: Config, opts: ClientOptions) -> Pair {
    let mut client = Connection::new_client(Arc::new(client_cfg), opts);
    let mut server = Connection::new_server(Arc::new(server_cfg));
    let mut client_result = client.start();
    let mut server_result = server.start();
    for _ in 0..20 {
        let mut progressed = false;
        if server_result.is_ok() || !client.pending_tls().is_empty() {
            match transfer(&mut client, &mut server) {
                Ok(p) => progressed |= p,
                Err(e) => {
                    server_result = Err(e);
                    progressed = true;
                }
            }
        }
        match transfer(&mut server, &mut client) {
            Ok(p) => progressed |= p,
            Err(e) => {
                client_result = Err(e);
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    if client_result.is_ok() {
        if let Some(e) = client.error() {
            client_result = Err(e.clone());
        }
    }
    if server_result.is_ok() {
        if let Some(e) = server.error() {
            server_result = Err(e.clone());
        }
    }
    Pair {
        client,
        server,
        client_result,
        server_result,
    }
}

impl Pair {
    pub fn assert_ok(&self) {
        assert!(
            self.client_result.is_ok(),
            "client: {:?}",
            self.client_result
        );
        assert!(
            self.server_result.is_ok(),
            "server: {:?}",
            self.server_result
        );
        assert!(!self.client.is_handshaking(), "client still handshaking");
        assert!(!self.server.is_handshaking(), "server still handshaking");
    }

    /// Sends `data` from client to server and back, checking both arrive intact.
    pub fn exchange(&mut self, data: &[u8]) {
        self.client.write_plaintext(data).unwrap();
        transfer(&mut self.client, &mut self.server).unwrap();
        let mut got = vec![0u8; data.len()];
        assert_eq!(self.server.read_plaintext(&mut got), data.len());
        assert_eq!(got, data);
        self.server.write_plaintext(&got).unwrap();
        transfer(&mut self.server, &mut self.client).unwrap();
        let mut back = vec![0u8; data.len()];
        assert_eq!(self.client.read_plaintext(&mut back), data.len());
        assert_eq!(back, data);
    }
}
