//! Connection configuration: what an `SSL_CTX` holds, as plain data the handshake reads.
//!
//! A `Config` is immutable once a connection starts: the FFI layer snapshots it into an `Arc`
//! when it creates the connection, so changing a context never disturbs live connections.

use crate::crypto::sign::{KeyType, SigningKey};
use crate::error::{Error, Reason, Result};
use crate::msgs::enums::{
    AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::msgs::extensions::DistinguishedName;
use crate::verify::{RootStore, RootsSource, VerifyCallback};
use std::sync::Arc;

pub mod lists;
mod options;
pub use lists::{group_by_name, scheme_by_name};
pub use options::{Options, VerifyMode};

/// What a server's ALPN selection (RFC 7301) decided about the client's protocol list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlpnDecision {
    /// Use this protocol (one of the client's).
    Selected(Vec<u8>),
    /// Go on without ALPN: the ServerHello carries no answer.
    NoAck,
    /// End the handshake with `no_application_protocol`.
    Fatal,
}

/// Chooses a protocol from the client's list (`SSL_CTX_set_alpn_select_cb`); called only when
/// the client offered ALPN.
pub type AlpnSelectCallback = Arc<dyn Fn(&[Vec<u8>]) -> AlpnDecision + Send + Sync>;

/// How a server answers the name a client asked for (RFC 6066 3), with OpenSSL's
/// `SSL_TLSEXT_ERR_*` meanings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SniOutcome {
    /// The name is served: acknowledged with an empty server_name extension.
    Ack,
    /// Go on without acknowledging the name.
    NoAck,
    /// Go on, after a warning alert in TLS 1.2 (TLS 1.3 has no warnings; nothing is sent).
    Warning(AlertDescription),
    /// End the handshake with this alert.
    Fatal(AlertDescription),
}

/// The server name callback's answer. `settings` is the configuration the application left the
/// connection with: another context's after `SSL_set_SSL_CTX`, or the same context's with the
/// per-connection setters (`SSL_set_verify`, `SSL_set_options`, ...) called in the callback. The
/// rest of the handshake uses its server-side settings (see [`Config::after_server_name`]).
pub struct SniDecision {
    pub outcome: SniOutcome,
    pub settings: Option<Arc<Config>>,
}

/// Runs while a server processes the ClientHello, once the version is chosen and before the
/// certificate and suite are; sees the requested host name, if any
/// (`SSL_CTX_set_tlsext_servername_callback`).
pub type SniCallback = Arc<dyn Fn(Option<&str>) -> SniDecision + Send + Sync>;

/// What a server's status callback decided about a client's request for an OCSP response
/// (RFC 6066 8; OpenSSL's `SSL_CTX_set_tlsext_status_cb` on a server).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StapleDecision {
    /// Staple this DER OCSPResponse (1 to 2^24-1 bytes).
    Staple(Vec<u8>),
    /// Go on without a stapled response.
    NoAck,
    /// End the handshake (`internal_error`).
    Fatal,
}

/// Supplies the response a server staples; called on full handshakes whose client asked for
/// one, once the certificate is chosen.
pub type StapleCallback = Arc<dyn Fn() -> StapleDecision + Send + Sync>;

/// A client's verdict on the server's stapled OCSP response (OpenSSL's status callback on a
/// client).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusVerdict {
    Accept,
    /// `bad_certificate_status_response`, with what was wrong in plain words.
    Reject(String),
    /// `internal_error`: the callback itself failed.
    Failed,
}

/// Checks the stapled response (`None`: the server sent none); called once the server's
/// certificate and its signature are verified, on full handshakes that asked for stapling.
pub type StatusCheckCallback = Arc<dyn Fn(Option<&[u8]>) -> StatusVerdict + Send + Sync>;
/// What the application's ClientHello callback decided (`SSL_CTX_set_client_hello_cb`).
#[derive(Clone)]
pub enum ClientHelloDecision {
    /// Go on with the handshake, with the settings the callback left (as after the server
    /// name callback: see [`Config::after_server_name`]), if any.
    Proceed(Option<Arc<Config>>),
    /// Stop here; the same ClientHello is offered to the callback again on the next drive.
    Retry,
    /// End the handshake with this alert.
    Fail(AlertDescription),
}

/// Runs on a server for the first ClientHello once it decoded, before anything is decided
/// from it (version, server name callback, ALPN, certificate); sees its fields as sent.
pub type ClientHelloCallback =
    Arc<dyn Fn(&crate::msgs::raw_hello::RawClientHello<'_>) -> ClientHelloDecision + Send + Sync>;
/// How the certificate callback answers (`SSL_CTX_set_cert_cb`: 1, 0, -1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertCallbackOutcome {
    /// Go on with the certificates the connection now has.
    Continue,
    /// End the handshake (`internal_error`).
    Fail,
    /// Not ready yet (say, a certificate is being loaded): the handshake pauses
    /// ([`crate::conn::Pause::CertificateCallback`]) and asks again when resumed.
    Retry,
}

/// The certificate callback's answer, with the configuration the application left the
/// connection with (certificates set in the callback with `SSL_use_certificate`, ...); its
/// server-side settings apply as after a server name callback ([`Config::after_server_name`]).
pub struct CertCallbackDecision {
    pub outcome: CertCallbackOutcome,
    pub settings: Option<Arc<Config>>,
}

/// Runs when a server has processed the ClientHello (the server name is known) and before it
/// chooses its certificate, and when a client is asked for a certificate, before it chooses
/// one (`SSL_CTX_set_cert_cb`).
pub type CertCallback = Arc<dyn Fn() -> CertCallbackDecision + Send + Sync>;

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
        crate::crypto::sign::verify_with_certificate_key(scheme, leaf, probe, &sig, true).map_err(
            |_| {
                Error::local(
                    Reason::PRIVATE_KEY_MISMATCH,
                    "the private key does not match the certificate's public key",
                )
            },
        )
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

/// An external pre-shared key (RFC 8446 2.2): agreed out of band, not made by an earlier
/// handshake. Its binder uses the "ext binder" label (RFC 8446 7.1).
#[derive(Clone)]
pub struct ExternalPsk {
    pub identity: Vec<u8>,
    pub secret: crate::crypto::secret::Secret,
    /// The TLS 1.3 suite the key is for; its hash is the PSK's hash (RFC 8446 4.2.11).
    pub suite: CipherSuite,
}

/// What a PSK lookup answered: a key, no key (go on without one), or a failure that ends the
/// handshake (OpenSSL's callbacks returning 0).
pub enum PskLookup {
    Found(ExternalPsk),
    None,
    Failed,
}

/// A client's external PSK, asked for each ClientHello (`SSL_CTX_set_psk_use_session_callback`,
/// `SSL_CTX_set_psk_client_callback`). The argument is the hash a HelloRetryRequest settled, if
/// any.
pub type PskClientLookup =
    Arc<dyn Fn(Option<crate::crypto::hash::HashAlg>) -> PskLookup + Send + Sync>;
/// A server's external PSK for an identity the client offered
/// (`SSL_CTX_set_psk_find_session_callback`, `SSL_CTX_set_psk_server_callback`).
pub type PskServerLookup = Arc<dyn Fn(&[u8]) -> PskLookup + Send + Sync>;

/// A TLS 1.2 client's PSK for the server's identity hint (`None`: no hint or an empty one;
/// `SSL_CTX_set_psk_client_callback`). The `ExternalPsk`'s suite is ignored.
pub type Psk12ClientLookup = Arc<dyn Fn(Option<&[u8]>) -> PskLookup + Send + Sync>;

/// TLS 1.2 PSK key exchange (RFC 4279, RFC 5489): the PSK suites are offered (a client) or
/// chosen (a server) only when the matching lookup is set, as OpenSSL uses them only with a
/// PSK callback.
#[derive(Clone, Default)]
pub struct Psk12Config {
    pub client: Option<Psk12ClientLookup>,
    /// A server's key for the identity in the ClientKeyExchange.
    pub server: Option<PskServerLookup>,
    /// The identity hint a server sends (`SSL_CTX_use_psk_identity_hint`).
    pub hint: Option<Vec<u8>>,
}

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
    /// Signature schemes of client authentication (`SSL_CTX_set1_client_sigalgs_list`): a
    /// server requests and accepts only these in the client's CertificateVerify; a client signs
    /// only with these, preferring earlier ones. `None`: a server uses `verify_schemes`, a
    /// client whatever its key and the server's request allow.
    pub client_auth_schemes: Option<Vec<SignatureScheme>>,
    /// Our certificate chains, at most one per key type, in the order they were configured.
    pub certs: Vec<Arc<CertifiedKey>>,
    pub roots: Arc<RootStore>,
    /// When set, consulted for the roots at verification time instead of `roots`.
    pub roots_source: Option<RootsSource>,
    /// How the peer is verified (`SSL_CTX_set_verify`'s mode).
    pub verify_mode: VerifyMode,
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
    /// The most plaintext one record we send carries (`SSL_CTX_set_max_send_fragment`,
    /// 512..=16384): small records for peers or links with small buffers.
    pub max_send_fragment: usize,
    /// Behaviours turned on or off (`SSL_CTX_set_options`).
    pub options: Options,
    /// TLS 1.2 without the extended master secret (RFC 7627), which libtls otherwise requires
    /// (RFC 9325): a server accepts clients that do not offer it, a client servers that do not
    /// answer it; the classic master secret is then used (`SSL_CTX_set_allow_no_ems`).
    pub allow_no_ems: bool,
    /// Protocols a client offers with ALPN, in preference order; empty: no ALPN.
    pub alpn_protocols: Vec<Vec<u8>>,
    /// A server's ALPN choice; without it the client's ALPN offer is ignored, as in OpenSSL.
    pub alpn_select: Option<AlpnSelectCallback>,
    pub sni_callback: Option<SniCallback>,
    pub client_hello_callback: Option<ClientHelloCallback>,
    /// Sets up certificates late (`SSL_CTX_set_cert_cb`); see [`CertCallback`].
    pub cert_callback: Option<CertCallback>,
    /// A TLS 1.3 sender updates its keys after this many records (RFC 8446 5.5 bounds AES-GCM
    /// at 2^24.5 full records per key).
    pub key_update_after_records: u64,
    /// The record_size_limit (RFC 8449) this endpoint advertises: the most plaintext one
    /// protected record from the peer may carry, counted as TLS 1.3 counts it (content type
    /// and padding included), 64..=16385. A TLS 1.2 handshake uses at most 16384. Enforced
    /// once the peer acknowledged the extension.
    pub record_size_limit: u16,
    /// Sessions, tickets and the session cache.
    pub session: crate::session::SessionConfig,
    /// A client asks for the server's OCSP response (status_request, RFC 6066 8).
    pub request_ocsp: bool,
    /// A client's check of the stapled response, when it asked for one.
    pub status_check: Option<StatusCheckCallback>,
    /// A server's source of OCSP responses to staple.
    pub staple: Option<StapleCallback>,
    /// A TLS 1.3 client's external PSK, if any.
    pub psk_client: Option<PskClientLookup>,
    /// A TLS 1.3 server's lookup of external PSKs by identity, if any.
    pub psk_server: Option<PskServerLookup>,
    /// TLS 1.2 PSK suites' callbacks and hint.
    pub psk12: Psk12Config,
    /// A TLS 1.3 client offers post-handshake authentication (RFC 8446 4.2.6) and answers a
    /// CertificateRequest after the handshake (`SSL_CTX_set_post_handshake_auth`).
    pub post_handshake_auth: bool,
    /// Certificate compression (RFC 8879): preference and the compressed-message cache.
    pub cert_compression: crate::certcomp::alg::CertCompression,
}

/// The largest record_size_limit TLS 1.3 allows (RFC 8449 4: 2^14 + 1).
pub const RECORD_SIZE_LIMIT_MAX: u16 = crate::record::MAX_PLAINTEXT as u16 + 1;

impl Config {
    /// The record_size_limit we advertise for `version` (RFC 8449 4: TLS 1.2 allows at most
    /// 2^14, TLS 1.3 2^14 + 1), never below the extension's minimum of 64.
    pub fn own_record_size_limit(&self, tls13: bool) -> u16 {
        let most = if tls13 {
            RECORD_SIZE_LIMIT_MAX
        } else {
            RECORD_SIZE_LIMIT_MAX - 1
        };
        self.record_size_limit.clamp(64, most)
    }
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
            client_auth_schemes: None,
            certs: Vec::new(),
            roots: Arc::new(RootStore::default()),
            roots_source: None,
            verify_mode: VerifyMode::NONE,
            verify_depth: 100,
            verify_callback: None,
            client_ca_names: Vec::new(),
            client_cert_callback: None,
            // OpenSSL's default max_cert_list (100 KiB).
            max_handshake_message: crate::msgs::deframer::HandshakeJoiner::DEFAULT_MAX_MESSAGE_LEN,
            max_send_fragment: crate::record::MAX_PLAINTEXT,
            options: Options::default(),
            allow_no_ems: false,
            alpn_protocols: Vec::new(),
            alpn_select: None,
            sni_callback: None,
            client_hello_callback: None,
            cert_callback: None,
            key_update_after_records: 1 << 24,
            record_size_limit: RECORD_SIZE_LIMIT_MAX,
            session: crate::session::SessionConfig::default(),
            request_ocsp: false,
            status_check: None,
            staple: None,
            psk_client: None,
            psk_server: None,
            psk12: Psk12Config::default(),
            post_handshake_auth: false,
            cert_compression: Default::default(),
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
    // TLS 1.2's (SHA-512, ECDSA), which a P-256 or P-384 key signs when a peer asks for it;
    // in TLS 1.3 it means P-521, which libtls has no certificates for (OpenSSL lists it too).
    SignatureScheme::ECDSA_NISTP521_SHA512,
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

    /// The schemes a server requests for the client's CertificateVerify, before per-version
    /// filtering.
    pub fn requested_client_auth_schemes(&self) -> &[SignatureScheme] {
        self.client_auth_schemes
            .as_deref()
            .unwrap_or(&self.verify_schemes)
    }

    /// The schemes a TLS 1.3 CertificateRequest offers: ours, less PKCS#1 v1.5, which TLS 1.3
    /// forbids in CertificateVerify (RFC 8446 4.2.3).
    pub fn tls13_client_auth_schemes(&self) -> Vec<SignatureScheme> {
        self.requested_client_auth_schemes()
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
        let disabled_by_option = match v {
            ProtocolVersion::TLSV1_3 => self.options.no_tls13,
            ProtocolVersion::TLSV1_2 => self.options.no_tls12,
            _ => false,
        };
        v.0 >= self.min_version.0 && v.0 <= self.max_version.0 && !disabled_by_option
    }

    /// This configuration after a server name callback left the connection with `settings`
    /// (another context's after `SSL_set_SSL_CTX`, or this one's with per-connection setters
    /// called in the callback): the server's identity (certificates and signature schemes), what
    /// it trusts and how it verifies clients (mode, depth, callback, CA names), its ALPN choice,
    /// its OCSP stapling, its options and the session ID context come from `settings`. The versions, suites and
    /// groups, and the version options, which already shaped the handshake, stay, and so does
    /// the session store (ticket keys and cache), which OpenSSL also keeps from the first
    /// context.
    pub fn after_server_name(&self, settings: &Config) -> Config {
        let mut c = self.clone();
        c.certs = settings.certs.clone();
        c.verify_schemes = settings.verify_schemes.clone();
        c.client_auth_schemes = settings.client_auth_schemes.clone();
        c.roots = settings.roots.clone();
        c.roots_source = settings.roots_source.clone();
        c.verify_mode = settings.verify_mode;
        c.verify_depth = settings.verify_depth;
        c.verify_callback = settings.verify_callback.clone();
        c.client_ca_names = settings.client_ca_names.clone();
        c.alpn_select = settings.alpn_select.clone();
        c.staple = settings.staple.clone();
        c.cert_callback = settings.cert_callback.clone();
        c.options = settings.options.with_versions_of(self.options);
        c.session.sid_ctx = settings.session.sid_ctx.clone();
        c
    }

    /// Of the schemes a peer accepts, those we enable too, in the peer's order: what we may
    /// sign with.
    pub fn shared_schemes(&self, peer: &[SignatureScheme]) -> Vec<SignatureScheme> {
        peer.iter()
            .copied()
            .filter(|s| self.verify_schemes.contains(s))
            .collect()
    }
}

/// Parses an ALPN protocol list in wire form (`SSL_CTX_set_alpn_protos`): each name preceded
/// by its one-byte length, names non-empty. `None` if malformed.
pub fn parse_alpn_wire(wire: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut names = Vec::new();
    let mut rest = wire;
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len);
        if len == 0 || tail.len() < len {
            return None;
        }
        names.push(tail[..len].to_vec());
        rest = &tail[len..];
    }
    Some(names)
}

/// The wire form of an ALPN list (names longer than 255 bytes cannot be in one).
pub fn encode_alpn_wire(names: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for n in names.iter().filter(|n| !n.is_empty() && n.len() <= 255) {
        out.push(n.len() as u8);
        out.extend_from_slice(n);
    }
    out
}

/// RFC 7301's standard choice: the first of the server's protocols the client also offers.
pub fn select_alpn(server_prefs: &[Vec<u8>], client_offer: &[Vec<u8>]) -> Option<Vec<u8>> {
    server_prefs
        .iter()
        .find(|p| client_offer.contains(p))
        .cloned()
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
    fn options_limit_the_versions() {
        let mut c = Config::default();
        assert!(c.supports_version(ProtocolVersion::TLSV1_3));
        c.options.no_tls13 = true;
        assert!(!c.supports_version(ProtocolVersion::TLSV1_3));
        assert!(c.supports_version(ProtocolVersion::TLSV1_2));
        c.options.no_tls12 = true;
        assert!(!c.supports_version(ProtocolVersion::TLSV1_2));
        assert!(!c.supports_version(ProtocolVersion(0x0302)));
    }

    #[test]
    fn alpn_wire_form_and_selection() {
        let wire = b"\x02h2\x08http/1.1";
        let names = parse_alpn_wire(wire).unwrap();
        assert_eq!(names, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
        assert_eq!(encode_alpn_wire(&names), wire.to_vec());
        assert_eq!(parse_alpn_wire(b"").unwrap(), Vec::<Vec<u8>>::new());
        assert!(parse_alpn_wire(b"\x00").is_none(), "empty name");
        assert!(parse_alpn_wire(b"\x05h2").is_none(), "truncated");
        let server = vec![b"http/1.1".to_vec(), b"h2".to_vec()];
        assert_eq!(select_alpn(&server, &names), Some(b"http/1.1".to_vec()));
        assert_eq!(select_alpn(&server, &[b"spdy/1".to_vec()]), None);
    }
}
