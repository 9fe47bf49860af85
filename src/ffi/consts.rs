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

// Literal values: cbindgen copies them into the header. A test ties them to the core's flags.
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
pub const NID_X9_62_prime256v1: c_int = 415;
pub const NID_secp384r1: c_int = 715;
pub const NID_X25519: c_int = 1034;
/// OpenSSL marks a group it has no NID for with this bit plus the TLS codepoint.
pub const TLSEXT_nid_unknown: c_int = 0x0100_0000;

pub const TLSEXT_NAMETYPE_host_name: c_int = 0;

pub const SSL_MODE_ENABLE_PARTIAL_WRITE: u32 = 0x0000_0001;
pub const SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER: u32 = 0x0000_0002;
pub const SSL_MODE_AUTO_RETRY: u32 = 0x0000_0004;
pub const SSL_MODE_NO_AUTO_CHAIN: u32 = 0x0000_0008;
pub const SSL_MODE_RELEASE_BUFFERS: u32 = 0x0000_0010;

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
    use crate::config::verify_flags as v;

    #[test]
    fn verify_flags_match_the_core() {
        assert_eq!(SSL_VERIFY_NONE, v::NONE);
        assert_eq!(SSL_VERIFY_PEER, v::PEER);
        assert_eq!(SSL_VERIFY_FAIL_IF_NO_PEER_CERT, v::FAIL_IF_NO_PEER_CERT);
        assert_eq!(SSL_VERIFY_CLIENT_ONCE, v::CLIENT_ONCE);
        assert_eq!(SSL_VERIFY_POST_HANDSHAKE, v::POST_HANDSHAKE);
    }
}
