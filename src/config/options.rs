//! The switches a context or connection sets, by what they mean in TLS: how the peer is
//! verified ([`VerifyMode`]) and which behaviours are turned on or off ([`Options`]). OpenSSL's
//! `SSL_VERIFY_*` and `SSL_OP_*` numbers are translated to and from these in `ffi/` only, which
//! also keeps the bits a program set that libtls does not act on.

/// How an endpoint verifies its peer (what OpenSSL's `SSL_VERIFY_*` flags say). The default
/// verifies nothing: a client accepts any server certificate, a server asks for none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct VerifyMode {
    /// Verify the peer's certificate chain; a server asks the client for a certificate
    /// (CertificateRequest).
    pub peer: bool,
    /// A server that asked for a client certificate ends the handshake when the client sends
    /// none.
    pub fail_if_no_peer_cert: bool,
    /// A server asks for the certificate only in the first handshake. libtls never renegotiates,
    /// so nothing depends on it; it is kept so a mode reads back as it was set.
    pub client_once: bool,
    /// A TLS 1.3 server asks for the client certificate only after the handshake, when the
    /// application requests it (RFC 8446 4.6.2), not in the handshake itself.
    pub post_handshake: bool,
}

impl VerifyMode {
    /// Verify nothing.
    pub const NONE: VerifyMode = VerifyMode {
        peer: false,
        fail_if_no_peer_cert: false,
        client_once: false,
        post_handshake: false,
    };
    /// Verify the peer; a server asks for a client certificate but goes on without one.
    pub const PEER: VerifyMode = VerifyMode {
        peer: true,
        ..VerifyMode::NONE
    };
    /// Verify the peer; a server requires a client certificate.
    pub const REQUIRE_PEER_CERT: VerifyMode = VerifyMode {
        fail_if_no_peer_cert: true,
        ..VerifyMode::PEER
    };

    /// Whether a server requires a client certificate: it asks for one and fails without it.
    pub fn requires_peer_cert(self) -> bool {
        self.peer && self.fail_if_no_peer_cert
    }
}

/// Behaviours a context or connection turns on or off (the `SSL_OP_*` options libtls acts on;
/// see docs/differences-from-openssl.md for the others). The default is OpenSSL's: none of
/// these is set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Options {
    /// No session tickets: a TLS 1.2 server resumes by session ID only and a TLS 1.3 server
    /// issues stateful tickets (RFC 8446 4.6.1); a client offers none.
    pub no_tickets: bool,
    /// TLS 1.3 resumption may go without a key exchange (the `psk_ke` mode, RFC 8446 4.2.9).
    pub allow_psk_ke: bool,
    /// A server picks the cipher suite by its own preference order, not the client's.
    pub server_preference: bool,
    /// TLS 1.2 is disabled, whatever the version bounds allow.
    pub no_tls12: bool,
    /// TLS 1.3 is disabled, whatever the version bounds allow.
    pub no_tls13: bool,
    /// Send no compressed certificates (RFC 8879).
    pub no_send_compressed_certificate: bool,
    /// Offer no certificate compression (no compress_certificate extension, RFC 8879).
    pub no_receive_compressed_certificate: bool,
}

impl Options {
    /// These options with the version switches taken from `versions`: what a server keeps of
    /// the first context's options when a callback hands the connection to another one.
    pub fn with_versions_of(self, versions: Options) -> Options {
        Options {
            no_tls12: versions.no_tls12,
            no_tls13: versions.no_tls13,
            ..self
        }
    }
}
