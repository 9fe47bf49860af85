//! Configurations built from the committed test PKI (pki/, made by pki/make.sh): a root CA,
//! server and client certificates of each key type, chains with their intermediate.

use crate::config::{CertifiedKey, Config, VerifyMode};
use crate::conn::ClientOptions;
use crate::crypto::sign::SigningKey;
use crate::msgs::enums::ProtocolVersion;
use crate::verify::{PeerIdentity, RootStore};
use std::sync::Arc;

/// The bytes of `pki/<name>`.
pub fn pki(name: &str) -> Vec<u8> {
    let path = format!("{}/pki/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The DER certificates of the PEM file `pki/<file>`, in order.
pub fn certs_in(file: &str) -> Vec<Vec<u8>> {
    rustls_pemfile::certs(&mut pki(file).as_slice())
        .map(|c| c.expect("certificate PEM").as_ref().to_vec())
        .collect()
}

/// The chain (leaf, then intermediate) of a base name such as "server-ecdsa-p256".
pub fn chain(name: &str) -> Vec<Vec<u8>> {
    certs_in(&format!("{name}.chain.pem"))
}

/// The chain and private key of a base name such as "server-ecdsa-p256".
pub fn certified_key(name: &str) -> CertifiedKey {
    CertifiedKey {
        chain: chain(name),
        key: Arc::new(SigningKey::from_pem(&pki(&format!("{name}.key"))).expect("key PEM")),
    }
}

/// The name the crate's own tests use for [`certified_key`].
pub use self::certified_key as certified;

/// A root store holding the certificates of the PEM file `pki/<file>`.
pub fn roots(file: &str) -> Arc<RootStore> {
    let mut store = RootStore::default();
    store.add_pem(&pki(file)).expect("root PEM");
    Arc::new(store)
}

/// The test root CA, which issued every test certificate.
pub fn test_roots() -> Arc<RootStore> {
    roots("root-ca.pem")
}

/// A server with the named certificate (e.g. "server-ecdsa-p256"), TLS 1.2 and 1.3 enabled.
pub fn server_config(cert: &str) -> Config {
    let mut c = Config::default();
    c.set_certified_key(certified_key(cert));
    c
}

/// A server with the named certificate that trusts the test root for client certificates and
/// asks for them as `verify_mode` says ([`VerifyMode`]).
pub fn verifying_server(cert: &str, verify_mode: VerifyMode) -> Config {
    let mut c = server_config(cert);
    c.roots = test_roots();
    c.verify_mode = verify_mode;
    c
}

/// A client that trusts the test root and verifies the peer, TLS 1.2 and 1.3 enabled.
pub fn client_config() -> Config {
    Config {
        roots: test_roots(),
        verify_mode: VerifyMode::PEER,
        ..Config::default()
    }
}

/// `config` with `version` as its highest protocol version.
pub fn up_to(version: ProtocolVersion, mut config: Config) -> Config {
    config.max_version = version;
    config
}

/// `config` with `version` as its only protocol version.
pub fn only(version: ProtocolVersion, mut config: Config) -> Config {
    config.min_version = version;
    config.max_version = version;
    config
}

/// A client that sends SNI "localhost" and expects the server's certificate to name it (as
/// every test server certificate does).
pub fn localhost() -> ClientOptions {
    ClientOptions {
        server_name: Some("localhost".into()),
        verify_identity: PeerIdentity::parse("localhost"),
    }
}
