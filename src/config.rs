//! Connection configuration: what an `SSL_CTX` holds, as plain data the handshake reads.
//!
//! A `Config` is immutable once a connection starts: the FFI layer snapshots it into an `Arc`
//! when it creates the connection, so changing a context never disturbs live connections.

use crate::crypto::sign::{KeyType, SigningKey};
use crate::error::{Error, Reason, Result};
use crate::msgs::enums::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::msgs::extensions::DistinguishedName;
use crate::verify::{RootStore, VerifyCallback};
use std::sync::Arc;

/// `SSL_VERIFY_*` flags, with OpenSSL's values.
pub mod verify_flags {
    pub const NONE: i32 = 0x00;
    pub const PEER: i32 = 0x01;
    pub const FAIL_IF_NO_PEER_CERT: i32 = 0x02;
    pub const CLIENT_ONCE: i32 = 0x04;
    pub const POST_HANDSHAKE: i32 = 0x08;
}

/// A certificate chain (leaf first, DER) with its private key.
pub struct CertifiedKey {
    pub chain: Vec<Vec<u8>>,
    pub key: Arc<SigningKey>,
}

impl CertifiedKey {
    pub fn key_type(&self) -> KeyType {
        self.key.key_type()
    }

    /// Checks that the private key belongs to the leaf certificate, by signing a message with the
    /// key and verifying it with the certificate's public key.
    pub fn check(&self) -> Result<()> {
        let leaf = self.chain.first().ok_or_else(|| {
            Error::local(Reason::NO_CERTIFICATE_ASSIGNED, "no certificate loaded")
        })?;
        let probe = b"libtls private key consistency check";
        let scheme = self
            .key
            .choose_scheme(DEFAULT_VERIFY_SCHEMES, true)
            .ok_or_else(|| {
                Error::local(Reason::UNSUPPORTED_KEY_TYPE, "key has no usable scheme")
            })?;
        let sig = self.key.sign(scheme, probe)?;
        crate::crypto::sign::verify_signature(scheme, leaf, probe, &sig, true).map_err(|_| {
            Error::local(
                Reason::PRIVATE_KEY_MISMATCH,
                "the private key does not match the certificate's public key",
            )
        })
    }
}

/// What a server's CertificateRequest asked for, shown to a client certificate callback.
pub struct CertificateRequestView<'a> {
    /// Signature schemes the server accepts for our CertificateVerify.
    pub schemes: &'a [SignatureScheme],
    /// Issuer names the server trusts (DER), when it listed any.
    pub authorities: &'a [DistinguishedName],
}

/// Supplies a client certificate at request time when no configured chain fits the request
/// (OpenSSL's `SSL_CTX_set_client_cert_cb`); `None` sends an empty Certificate.
pub type ClientCertCallback =
    Arc<dyn Fn(&CertificateRequestView<'_>) -> Option<Arc<CertifiedKey>> + Send + Sync>;

/// Everything a context configures.
#[derive(Clone)]
pub struct Config {
    pub min_version: ProtocolVersion,
    pub max_version: ProtocolVersion,
    /// TLS 1.3 suites in preference order.
    pub tls13_suites: Vec<CipherSuite>,
    /// TLS 1.2 suites in preference order.
    pub tls12_suites: Vec<CipherSuite>,
    /// Groups in preference order.
    pub groups: Vec<NamedGroup>,
    /// Signature schemes we accept from the peer, in preference order.
    pub verify_schemes: Vec<SignatureScheme>,
    /// Our certificate chains, at most one per key type, in the order they were configured.
    pub certs: Vec<Arc<CertifiedKey>>,
    pub roots: Arc<RootStore>,
    /// `SSL_VERIFY_*` flags.
    pub verify_mode: i32,
    pub verify_depth: u32,
    /// Consulted at each step of verifying the peer's chain (`SSL_CTX_set_verify`'s callback).
    pub verify_callback: Option<VerifyCallback>,
    /// Subject names (DER) a server lists as acceptable issuers of client certificates
    /// (`SSL_CTX_set_client_CA_list`).
    pub client_ca_names: Vec<DistinguishedName>,
    pub client_cert_callback: Option<ClientCertCallback>,
    /// The largest handshake message body we accept (`SSL_CTX_set_max_cert_list`); a longer
    /// one is refused from its header, before any of it is buffered.
    pub max_handshake_message: usize,
    /// A TLS 1.3 sender updates its keys after this many records (RFC 8446 5.5 bounds AES-GCM
    /// at 2^24.5 full records per key).
    pub key_update_after_records: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            min_version: ProtocolVersion::TLSV1_2,
            max_version: ProtocolVersion::TLSV1_3,
            tls13_suites: crate::suites::DEFAULT_TLS13_SUITES.to_vec(),
            tls12_suites: crate::suites::ALL_SUITES
                .iter()
                .filter(|s| s.version == ProtocolVersion::TLSV1_2)
                .map(|s| s.suite)
                .collect(),
            groups: DEFAULT_GROUPS.to_vec(),
            verify_schemes: DEFAULT_VERIFY_SCHEMES.to_vec(),
            certs: Vec::new(),
            roots: Arc::new(RootStore::default()),
            verify_mode: verify_flags::NONE,
            verify_depth: 100,
            verify_callback: None,
            client_ca_names: Vec::new(),
            client_cert_callback: None,
            // OpenSSL's default max_cert_list (100 KiB).
            max_handshake_message: crate::msgs::deframer::HandshakeJoiner::DEFAULT_MAX_MESSAGE_LEN,
            key_update_after_records: 1 << 24,
        }
    }
}

/// A libtls client prefers the post-quantum hybrid, then the classic groups.
pub const DEFAULT_GROUPS: &[NamedGroup] = &[
    NamedGroup::X25519_MLKEM768,
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
];

pub const DEFAULT_VERIFY_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::ECDSA_NISTP256_SHA256,
    SignatureScheme::ECDSA_NISTP384_SHA384,
    SignatureScheme::ED25519,
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
];

impl Config {
    /// Adds or replaces the chain for its key type, as OpenSSL keeps one per type.
    pub fn set_certified_key(&mut self, ck: CertifiedKey) {
        let kt = ck.key_type();
        self.certs.retain(|c| c.key_type() != kt);
        self.certs.push(Arc::new(ck));
    }

    /// The schemes a TLS 1.3 CertificateRequest offers: ours, less PKCS#1 v1.5, which TLS 1.3
    /// forbids in CertificateVerify (RFC 8446 4.2.3).
    pub fn tls13_client_auth_schemes(&self) -> Vec<SignatureScheme> {
        self.verify_schemes
            .iter()
            .copied()
            .filter(|s| {
                !matches!(
                    *s,
                    SignatureScheme::RSA_PKCS1_SHA256
                        | SignatureScheme::RSA_PKCS1_SHA384
                        | SignatureScheme::RSA_PKCS1_SHA512
                        | SignatureScheme::RSA_PKCS1_SHA1
                        | SignatureScheme::ECDSA_SHA1
                )
            })
            .collect()
    }

    pub fn supports_version(&self, v: ProtocolVersion) -> bool {
        v.0 >= self.min_version.0 && v.0 <= self.max_version.0
    }

    /// Parses an OpenSSL groups list ("X25519:P-256:X25519MLKEM768"); unknown names are an error.
    pub fn parse_groups_list(list: &str) -> Result<Vec<NamedGroup>> {
        let mut out = Vec::new();
        for name in list.split(':').map(str::trim).filter(|s| !s.is_empty()) {
            let g = group_by_name(name).ok_or_else(|| {
                Error::local(
                    Reason::INVALID_CONFIGURATION_NAME,
                    format!("unknown group '{name}'"),
                )
            })?;
            if !out.contains(&g) {
                out.push(g);
            }
        }
        if out.is_empty() {
            return Err(Error::local(
                Reason::NO_SUITABLE_GROUPS,
                "empty groups list",
            ));
        }
        Ok(out)
    }
}

/// OpenSSL's names for the groups we implement (and their aliases).
pub fn group_by_name(name: &str) -> Option<NamedGroup> {
    let n = name.to_ascii_lowercase();
    Some(match n.as_str() {
        "x25519" => NamedGroup::X25519,
        "p-256" | "secp256r1" | "prime256v1" => NamedGroup::SECP256R1,
        "p-384" | "secp384r1" => NamedGroup::SECP384R1,
        "x25519mlkem768" => NamedGroup::X25519_MLKEM768,
        _ => return None,
    })
}

/// The name OpenSSL prints for a group.
pub fn group_name(g: NamedGroup) -> &'static str {
    match g {
        NamedGroup::X25519 => "X25519",
        NamedGroup::SECP256R1 => "secp256r1",
        NamedGroup::SECP384R1 => "secp384r1",
        NamedGroup::X25519_MLKEM768 => "X25519MLKEM768",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_list_parsing() {
        assert_eq!(
            Config::parse_groups_list("X25519:P-256").unwrap(),
            vec![NamedGroup::X25519, NamedGroup::SECP256R1]
        );
        assert!(Config::parse_groups_list("X25519:bogus").is_err());
        assert!(Config::parse_groups_list("").is_err());
    }
}
