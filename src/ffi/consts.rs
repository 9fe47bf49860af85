//! Constants with OpenSSL's values. `SSL_R_*` and `X509_V_*` come from the core's tables and
//! are written into the header by `tools/gen-header`.

use std::ffi::c_int;

pub const SSL_ERROR_NONE: c_int = 0;
pub const SSL_ERROR_SSL: c_int = 1;
pub const SSL_ERROR_WANT_READ: c_int = 2;
pub const SSL_ERROR_WANT_WRITE: c_int = 3;
pub const SSL_ERROR_WANT_X509_LOOKUP: c_int = 4;
pub const SSL_ERROR_SYSCALL: c_int = 5;
pub const SSL_ERROR_ZERO_RETURN: c_int = 6;
pub const SSL_ERROR_WANT_CONNECT: c_int = 7;
pub const SSL_ERROR_WANT_ACCEPT: c_int = 8;

// Literal values: cbindgen copies them into the header. ffi/options.rs reads them into the
// core's `VerifyMode`.
pub const SSL_VERIFY_NONE: c_int = 0x00;
pub const SSL_VERIFY_PEER: c_int = 0x01;
pub const SSL_VERIFY_FAIL_IF_NO_PEER_CERT: c_int = 0x02;
pub const SSL_VERIFY_CLIENT_ONCE: c_int = 0x04;
pub const SSL_VERIFY_POST_HANDSHAKE: c_int = 0x08;

pub const SSL_FILETYPE_PEM: c_int = 1;
pub const SSL_FILETYPE_ASN1: c_int = 2;

pub const TLS1_VERSION: c_int = 0x0301;
pub const TLS1_1_VERSION: c_int = 0x0302;
pub const TLS1_2_VERSION: c_int = 0x0303;
pub const TLS1_3_VERSION: c_int = 0x0304;

pub const SSL_SENT_SHUTDOWN: c_int = 1;
pub const SSL_RECEIVED_SHUTDOWN: c_int = 2;

/// Object identifiers OpenSSL uses for the groups (`SSL_get_negotiated_group`).
pub(crate) const NID_X9_62_prime256v1: c_int = 415;
pub(crate) const NID_secp384r1: c_int = 715;
pub(crate) const NID_X25519: c_int = 948;
/// OpenSSL marks a group it has no NID for with this bit plus the TLS codepoint.
pub const TLSEXT_nid_unknown: c_int = 0x0100_0000;

pub const TLSEXT_NAMETYPE_host_name: c_int = 0;

pub const SSL_MODE_ENABLE_PARTIAL_WRITE: u32 = 0x0000_0001;
pub const SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER: u32 = 0x0000_0002;
pub const SSL_MODE_AUTO_RETRY: u32 = 0x0000_0004;
pub const SSL_MODE_NO_AUTO_CHAIN: u32 = 0x0000_0008;
pub const SSL_MODE_RELEASE_BUFFERS: u32 = 0x0000_0010;

/// `SSL_OP_*` options (OpenSSL 3.0's bits; see docs/differences-from-openssl.md for what each
/// does here). ffi/options.rs reads the ones the core acts on into `crate::config::Options`.
pub const SSL_OP_NO_EXTENDED_MASTER_SECRET: u64 = 0x0000_0001;
pub const SSL_OP_CLEANSE_PLAINTEXT: u64 = 0x0000_0002;
pub const SSL_OP_LEGACY_SERVER_CONNECT: u64 = 0x0000_0004;
pub const SSL_OP_ENABLE_KTLS: u64 = 0x0000_0008;
pub const SSL_OP_TLSEXT_PADDING: u64 = 0x0000_0010;
pub const SSL_OP_SAFARI_ECDHE_ECDSA_BUG: u64 = 0x0000_0040;
pub const SSL_OP_IGNORE_UNEXPECTED_EOF: u64 = 0x0000_0080;
pub const SSL_OP_ALLOW_CLIENT_RENEGOTIATION: u64 = 0x0000_0100;
pub const SSL_OP_DISABLE_TLSEXT_CA_NAMES: u64 = 0x0000_0200;
pub const SSL_OP_ALLOW_NO_DHE_KEX: u64 = 0x0000_0400;
pub const SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS: u64 = 0x0000_0800;
pub const SSL_OP_NO_QUERY_MTU: u64 = 0x0000_1000;
pub const SSL_OP_COOKIE_EXCHANGE: u64 = 0x0000_2000;
pub const SSL_OP_NO_TICKET: u64 = 0x0000_4000;
pub const SSL_OP_CISCO_ANYCONNECT: u64 = 0x0000_8000;
pub const SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION: u64 = 0x0001_0000;
pub const SSL_OP_NO_COMPRESSION: u64 = 0x0002_0000;
pub const SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION: u64 = 0x0004_0000;
pub const SSL_OP_NO_ENCRYPT_THEN_MAC: u64 = 0x0008_0000;
pub const SSL_OP_ENABLE_MIDDLEBOX_COMPAT: u64 = 0x0010_0000;
pub const SSL_OP_PRIORITIZE_CHACHA: u64 = 0x0020_0000;
pub const SSL_OP_CIPHER_SERVER_PREFERENCE: u64 = 0x0040_0000;
pub const SSL_OP_TLS_ROLLBACK_BUG: u64 = 0x0080_0000;
pub const SSL_OP_NO_ANTI_REPLAY: u64 = 0x0100_0000;
pub const SSL_OP_NO_SSLv3: u64 = 0x0200_0000;
pub const SSL_OP_NO_TLSv1: u64 = 0x0400_0000;
pub const SSL_OP_NO_TLSv1_2: u64 = 0x0800_0000;
pub const SSL_OP_NO_TLSv1_1: u64 = 0x1000_0000;
pub const SSL_OP_NO_TLSv1_3: u64 = 0x2000_0000;
pub const SSL_OP_NO_RENEGOTIATION: u64 = 0x4000_0000;
pub const SSL_OP_CRYPTOPRO_TLSEXT_BUG: u64 = 0x8000_0000;
pub const SSL_OP_NO_SSL_MASK: u64 = 0x3e00_0000;
/// OpenSSL's harmless bug workarounds: CRYPTOPRO_TLSEXT_BUG | DONT_INSERT_EMPTY_FRAGMENTS |
/// TLSEXT_PADDING | SAFARI_ECDHE_ECDSA_BUG.
pub const SSL_OP_ALL: u64 = 0x8000_0850;

/// Server name and ALPN callback results (`SSL_TLSEXT_ERR_*`).
pub const SSL_TLSEXT_ERR_OK: c_int = 0;
pub const SSL_TLSEXT_ERR_ALERT_WARNING: c_int = 1;
pub const SSL_TLSEXT_ERR_ALERT_FATAL: c_int = 2;
pub const SSL_TLSEXT_ERR_NOACK: c_int = 3;

/// `SSL_select_next_proto` results.
pub const OPENSSL_NPN_UNSUPPORTED: c_int = 0;
pub const OPENSSL_NPN_NEGOTIATED: c_int = 1;
pub const OPENSSL_NPN_NO_OVERLAP: c_int = 2;

/// Signature and digest NIDs (`SSL_get_peer_signature_type_nid`, `SSL_get_peer_signature_nid`).
/// `EVP_PKEY_RSA`, `EVP_PKEY_EC` and `EVP_PKEY_ED25519` come with the key API.
pub(crate) const EVP_PKEY_RSA_PSS: c_int = 912;
pub(crate) const NID_undef: c_int = 0;
pub(crate) const NID_sha1: c_int = 64;
pub(crate) const NID_sha256: c_int = 672;
pub(crate) const NID_sha384: c_int = 673;
pub(crate) const NID_sha512: c_int = 674;

/// `SSL_want` results.
pub const SSL_NOTHING: c_int = 1;
pub const SSL_WRITING: c_int = 2;
pub const SSL_READING: c_int = 3;
pub const SSL_X509_LOOKUP: c_int = 4;

pub const SSL_KEY_UPDATE_NONE: c_int = -1;
pub const SSL_KEY_UPDATE_NOT_REQUESTED: c_int = 0;
pub const SSL_KEY_UPDATE_REQUESTED: c_int = 1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_masks_are_their_bits() {
        assert_eq!(
            SSL_OP_NO_SSL_MASK,
            SSL_OP_NO_SSLv3
                | SSL_OP_NO_TLSv1
                | SSL_OP_NO_TLSv1_1
                | SSL_OP_NO_TLSv1_2
                | SSL_OP_NO_TLSv1_3
        );
        assert_eq!(
            SSL_OP_ALL,
            SSL_OP_CRYPTOPRO_TLSEXT_BUG
                | SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS
                | SSL_OP_TLSEXT_PADDING
                | SSL_OP_SAFARI_ECDHE_ECDSA_BUG
        );
    }
}
