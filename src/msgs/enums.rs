//! Protocol codepoints. Unknown values are representable (GREASE, future extensions), so these
//! are transparent newtypes with named constants rather than closed enums.

macro_rules! codepoint {
    ($(#[$m:meta])* $name:ident($ty:ty) { $($(#[$vm:meta])* $konst:ident = $val:expr => $text:expr,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $ty);

        impl $name {
            $($(#[$vm])* pub const $konst: $name = $name($val);)*

            /// The RFC's name for this value, if it is one we know.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($val => Some($text),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}(0x{:x})", stringify!($name), self.0),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(self, f)
            }
        }
    };
}

codepoint!(ContentType(u8) {
    CHANGE_CIPHER_SPEC = 20 => "change_cipher_spec",
    ALERT = 21 => "alert",
    HANDSHAKE = 22 => "handshake",
    APPLICATION_DATA = 23 => "application_data",
});

codepoint!(HandshakeType(u8) {
    HELLO_REQUEST = 0 => "hello_request",
    CLIENT_HELLO = 1 => "client_hello",
    SERVER_HELLO = 2 => "server_hello",
    NEW_SESSION_TICKET = 4 => "new_session_ticket",
    END_OF_EARLY_DATA = 5 => "end_of_early_data",
    ENCRYPTED_EXTENSIONS = 8 => "encrypted_extensions",
    CERTIFICATE = 11 => "certificate",
    SERVER_KEY_EXCHANGE = 12 => "server_key_exchange",
    CERTIFICATE_REQUEST = 13 => "certificate_request",
    SERVER_HELLO_DONE = 14 => "server_hello_done",
    CERTIFICATE_VERIFY = 15 => "certificate_verify",
    CLIENT_KEY_EXCHANGE = 16 => "client_key_exchange",
    FINISHED = 20 => "finished",
    CERTIFICATE_STATUS = 22 => "certificate_status",
    KEY_UPDATE = 24 => "key_update",
    COMPRESSED_CERTIFICATE = 25 => "compressed_certificate",
    MESSAGE_HASH = 254 => "message_hash",
});

codepoint!(
    /// A certificate compression algorithm (RFC 8879 3), with OpenSSL's `TLSEXT_comp_cert_*`
    /// values.
    CertCompressionAlgorithm(u16) {
    ZLIB = 1 => "zlib",
    BROTLI = 2 => "brotli",
    ZSTD = 3 => "zstd",
});

codepoint!(ProtocolVersion(u16) {
    SSLV3 = 0x0300 => "SSLv3",
    TLSV1_0 = 0x0301 => "TLSv1",
    TLSV1_1 = 0x0302 => "TLSv1.1",
    TLSV1_2 = 0x0303 => "TLSv1.2",
    TLSV1_3 = 0x0304 => "TLSv1.3",
});

codepoint!(CipherSuite(u16) {
    TLS13_AES_128_GCM_SHA256 = 0x1301 => "TLS_AES_128_GCM_SHA256",
    TLS13_AES_256_GCM_SHA384 = 0x1302 => "TLS_AES_256_GCM_SHA384",
    TLS13_CHACHA20_POLY1305_SHA256 = 0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    TLS_PSK_WITH_AES_128_GCM_SHA256 = 0x00a8 => "TLS_PSK_WITH_AES_128_GCM_SHA256",
    TLS_PSK_WITH_AES_256_GCM_SHA384 = 0x00a9 => "TLS_PSK_WITH_AES_256_GCM_SHA384",
    TLS_PSK_WITH_CHACHA20_POLY1305_SHA256 = 0xccab => "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
    TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256 = 0xccac => "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
    TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256 = 0xd001 => "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256",
    TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384 = 0xd002 => "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384",
    TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff => "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
    TLS_FALLBACK_SCSV = 0x5600 => "TLS_FALLBACK_SCSV",
});

codepoint!(NamedGroup(u16) {
    SECP256R1 = 0x0017 => "secp256r1",
    SECP384R1 = 0x0018 => "secp384r1",
    SECP521R1 = 0x0019 => "secp521r1",
    X25519 = 0x001d => "x25519",
    X448 = 0x001e => "x448",
    FFDHE2048 = 0x0100 => "ffdhe2048",
    SECP256R1_MLKEM768 = 0x11eb => "SecP256r1MLKEM768",
    X25519_MLKEM768 = 0x11ec => "X25519MLKEM768",
    SECP384R1_MLKEM1024 = 0x11ed => "SecP384r1MLKEM1024",
});

codepoint!(SignatureScheme(u16) {
    RSA_PKCS1_SHA1 = 0x0201 => "rsa_pkcs1_sha1",
    ECDSA_SHA1 = 0x0203 => "ecdsa_sha1",
    RSA_PKCS1_SHA256 = 0x0401 => "rsa_pkcs1_sha256",
    RSA_PKCS1_SHA384 = 0x0501 => "rsa_pkcs1_sha384",
    RSA_PKCS1_SHA512 = 0x0601 => "rsa_pkcs1_sha512",
    ECDSA_NISTP256_SHA256 = 0x0403 => "ecdsa_secp256r1_sha256",
    ECDSA_NISTP384_SHA384 = 0x0503 => "ecdsa_secp384r1_sha384",
    ECDSA_NISTP521_SHA512 = 0x0603 => "ecdsa_secp521r1_sha512",
    RSA_PSS_RSAE_SHA256 = 0x0804 => "rsa_pss_rsae_sha256",
    RSA_PSS_RSAE_SHA384 = 0x0805 => "rsa_pss_rsae_sha384",
    RSA_PSS_RSAE_SHA512 = 0x0806 => "rsa_pss_rsae_sha512",
    ED25519 = 0x0807 => "ed25519",
    ED448 = 0x0808 => "ed448",
    RSA_PSS_PSS_SHA256 = 0x0809 => "rsa_pss_pss_sha256",
    RSA_PSS_PSS_SHA384 = 0x080a => "rsa_pss_pss_sha384",
    RSA_PSS_PSS_SHA512 = 0x080b => "rsa_pss_pss_sha512",
});

codepoint!(ExtensionType(u16) {
    SERVER_NAME = 0 => "server_name",
    MAX_FRAGMENT_LENGTH = 1 => "max_fragment_length",
    STATUS_REQUEST = 5 => "status_request",
    SUPPORTED_GROUPS = 10 => "supported_groups",
    EC_POINT_FORMATS = 11 => "ec_point_formats",
    SIGNATURE_ALGORITHMS = 13 => "signature_algorithms",
    USE_SRTP = 14 => "use_srtp",
    HEARTBEAT = 15 => "heartbeat",
    ALPN = 16 => "application_layer_protocol_negotiation",
    SIGNED_CERTIFICATE_TIMESTAMP = 18 => "signed_certificate_timestamp",
    PADDING = 21 => "padding",
    ENCRYPT_THEN_MAC = 22 => "encrypt_then_mac",
    EXTENDED_MASTER_SECRET = 23 => "extended_master_secret",
    COMPRESS_CERTIFICATE = 27 => "compress_certificate",
    RECORD_SIZE_LIMIT = 28 => "record_size_limit",
    SESSION_TICKET = 35 => "session_ticket",
    PRE_SHARED_KEY = 41 => "pre_shared_key",
    EARLY_DATA = 42 => "early_data",
    SUPPORTED_VERSIONS = 43 => "supported_versions",
    COOKIE = 44 => "cookie",
    PSK_KEY_EXCHANGE_MODES = 45 => "psk_key_exchange_modes",
    CERTIFICATE_AUTHORITIES = 47 => "certificate_authorities",
    OID_FILTERS = 48 => "oid_filters",
    POST_HANDSHAKE_AUTH = 49 => "post_handshake_auth",
    SIGNATURE_ALGORITHMS_CERT = 50 => "signature_algorithms_cert",
    KEY_SHARE = 51 => "key_share",
    RENEGOTIATION_INFO = 0xff01 => "renegotiation_info",
});

codepoint!(AlertLevel(u8) {
    WARNING = 1 => "warning",
    FATAL = 2 => "fatal",
});

codepoint!(AlertDescription(u8) {
    CLOSE_NOTIFY = 0 => "close_notify",
    UNEXPECTED_MESSAGE = 10 => "unexpected_message",
    BAD_RECORD_MAC = 20 => "bad_record_mac",
    DECRYPTION_FAILED = 21 => "decryption_failed",
    RECORD_OVERFLOW = 22 => "record_overflow",
    DECOMPRESSION_FAILURE = 30 => "decompression_failure",
    HANDSHAKE_FAILURE = 40 => "handshake_failure",
    NO_CERTIFICATE = 41 => "no_certificate",
    BAD_CERTIFICATE = 42 => "bad_certificate",
    UNSUPPORTED_CERTIFICATE = 43 => "unsupported_certificate",
    CERTIFICATE_REVOKED = 44 => "certificate_revoked",
    CERTIFICATE_EXPIRED = 45 => "certificate_expired",
    CERTIFICATE_UNKNOWN = 46 => "certificate_unknown",
    ILLEGAL_PARAMETER = 47 => "illegal_parameter",
    UNKNOWN_CA = 48 => "unknown_ca",
    ACCESS_DENIED = 49 => "access_denied",
    DECODE_ERROR = 50 => "decode_error",
    DECRYPT_ERROR = 51 => "decrypt_error",
    EXPORT_RESTRICTION = 60 => "export_restriction",
    PROTOCOL_VERSION = 70 => "protocol_version",
    INSUFFICIENT_SECURITY = 71 => "insufficient_security",
    INTERNAL_ERROR = 80 => "internal_error",
    INAPPROPRIATE_FALLBACK = 86 => "inappropriate_fallback",
    USER_CANCELED = 90 => "user_canceled",
    NO_RENEGOTIATION = 100 => "no_renegotiation",
    MISSING_EXTENSION = 109 => "missing_extension",
    UNSUPPORTED_EXTENSION = 110 => "unsupported_extension",
    CERTIFICATE_UNOBTAINABLE = 111 => "certificate_unobtainable",
    UNRECOGNIZED_NAME = 112 => "unrecognized_name",
    BAD_CERTIFICATE_STATUS_RESPONSE = 113 => "bad_certificate_status_response",
    BAD_CERTIFICATE_HASH_VALUE = 114 => "bad_certificate_hash_value",
    UNKNOWN_PSK_IDENTITY = 115 => "unknown_psk_identity",
    CERTIFICATE_REQUIRED = 116 => "certificate_required",
    NO_APPLICATION_PROTOCOL = 120 => "no_application_protocol",
});

codepoint!(PskKeyExchangeMode(u8) {
    PSK_KE = 0 => "psk_ke",
    PSK_DHE_KE = 1 => "psk_dhe_ke",
});

/// GREASE values (RFC 8701) are 0x?A?A with both bytes equal.
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_unknowns() {
        assert_eq!(
            format!("{:?}", NamedGroup::X25519_MLKEM768),
            "X25519MLKEM768"
        );
        assert_eq!(format!("{:?}", NamedGroup(0x1234)), "NamedGroup(0x1234)");
        assert_eq!(AlertDescription::CERTIFICATE_REQUIRED.0, 116);
    }

    #[test]
    fn grease_detection() {
        assert!(is_grease(0x0a0a));
        assert!(is_grease(0xfafa));
        assert!(!is_grease(0x0a1a));
        assert!(!is_grease(0x1301));
    }
}
