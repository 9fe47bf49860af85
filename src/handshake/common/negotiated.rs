//! What the handshake settled: the facts the `SSL_get_*` calls and diagnosis read.

use crate::crypto::secret::Secret;
use crate::msgs::enums::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::session::Session;
use crate::suites::SuiteInfo;
use crate::verify::x509_v;

/// What the handshake settled, for the `SSL_get_*` calls and for diagnosis.
#[derive(Clone, Debug)]
pub struct Negotiated {
    pub version: Option<ProtocolVersion>,
    pub suite: Option<&'static SuiteInfo>,
    pub group: Option<NamedGroup>,
    /// The peer's (EC)DHE public key as it sent it (a client: the server's share;
    /// `SSL_get_peer_tmp_key`). `None` without (EC)DHE, with a hybrid ML-KEM group (whose share
    /// has no public-key form) or on a server.
    pub peer_key_share: Option<Vec<u8>>,
    /// The peer's certificate chain as it sent it, leaf first (DER); the sessions made from
    /// this connection share it.
    pub peer_chain: crate::session::PeerChain,
    /// `X509_V_*` result of verifying the peer's chain (`X509_V_OK` when not verified).
    pub verify_result: i64,
    /// The path verification built, leaf to trust anchor; empty when none was built. It refers
    /// to `peer_chain` for the certificates the peer sent ([`Negotiated::verified_chain_ders`]).
    pub verified_chain: crate::verify::VerifiedChain,
    pub peer_signature_scheme: Option<SignatureScheme>,
    pub our_signature_scheme: Option<SignatureScheme>,
    /// SNI: what the client sent (client side) or received (server side).
    pub server_name: Option<String>,
    /// Whether a HelloRetryRequest happened.
    pub hello_retry: bool,
    /// Whether the handshake resumed a session (`SSL_session_reused`).
    pub session_reused: bool,
    /// The ALPN protocol agreed on (RFC 7301), if any.
    pub alpn: Option<Vec<u8>>,
    /// A server acknowledges the client's server name (RFC 6066 3).
    pub server_name_acked: bool,
    /// TLS 1.3 KeyUpdates we sent and received after the handshake.
    pub key_updates_sent: u64,
    pub key_updates_received: u64,
    /// A TLS 1.3 client: NewSessionTicket messages received (only the first
    /// [`crate::limits::MAX_TICKETS_KEPT`] become sessions).
    pub tickets_received: u64,
    /// The verify_data of the last Finished we sent and received (`SSL_get_finished`,
    /// `SSL_get_peer_finished`; RFC 5929's tls-unique is the first Finished of a TLS 1.2
    /// handshake).
    pub our_finished: Vec<u8>,
    pub peer_finished: Vec<u8>,
    /// A client: the issuer names (DER) the server's CertificateRequest listed.
    pub peer_ca_names: Vec<Vec<u8>>,
    /// TLS 1.2: the master secret is the extended one (RFC 7627); always true for TLS 1.3,
    /// whose key schedule binds the transcript.
    pub extended_master_secret: bool,
    /// OCSP stapling (RFC 6066 8): a client asked for a response (a server: its client did).
    pub ocsp_requested: bool,
    /// The DER OCSP response the server stapled (a server: the one it sent).
    pub ocsp_response: Option<Vec<u8>>,
    /// The identity of the external PSK the handshake used (TLS 1.3, or a TLS 1.2 PSK suite),
    /// if any.
    pub psk_identity: Option<Vec<u8>>,
    /// A TLS 1.2 PSK suite's identity hint (RFC 4279 2): the one the server sent (a server: the
    /// one it sent); `None` when none or an empty one was sent.
    pub psk_identity_hint: Option<Vec<u8>>,
    /// TLS 1.3 post-handshake authentication (RFC 8446 4.2.6): a client offered it, a server
    /// received the offer.
    pub post_handshake_auth: bool,
    /// A server: the suites libtls knows among those the client's ClientHello offered, in the
    /// client's order, each once (so at most the size of the suite table;
    /// `SSL_get_shared_ciphers`).
    pub peer_suites: Vec<&'static SuiteInfo>,
    /// Certificate compression (RFC 8879) used in each direction.
    pub cert_compression: crate::certcomp::Used,
}

impl Negotiated {
    /// [`Session::new`] with what this handshake learned that each session of the connection
    /// keeps: the server name, the peer's chain and its verdict, the key exchange group.
    pub fn new_session(
        &self,
        version: ProtocolVersion,
        suite: CipherSuite,
        secret: Secret,
        timeout_secs: u32,
    ) -> Session {
        Session {
            server_name: self.server_name.clone(),
            peer_chain: self.peer_chain.clone(),
            verify_result: self.verify_result,
            group: self.group,
            ..Session::new(version, suite, secret, timeout_secs)
        }
    }

    /// The verified path's certificates (DER), leaf to trust anchor.
    pub fn verified_chain_ders(&self) -> Vec<&[u8]> {
        self.verified_chain.certificates(&self.peer_chain)
    }
}

impl Default for Negotiated {
    fn default() -> Self {
        Negotiated {
            version: None,
            suite: None,
            group: None,
            peer_key_share: None,
            peer_chain: Default::default(),
            verify_result: x509_v::OK,
            verified_chain: Default::default(),
            peer_signature_scheme: None,
            our_signature_scheme: None,
            server_name: None,
            hello_retry: false,
            session_reused: false,
            alpn: None,
            server_name_acked: false,
            key_updates_sent: 0,
            key_updates_received: 0,
            tickets_received: 0,
            our_finished: Vec::new(),
            peer_finished: Vec::new(),
            peer_ca_names: Vec::new(),
            extended_master_secret: false,
            ocsp_requested: false,
            ocsp_response: None,
            psk_identity: None,
            psk_identity_hint: None,
            post_handshake_auth: false,
            peer_suites: Vec::new(),
            cert_compression: Default::default(),
        }
    }
}
