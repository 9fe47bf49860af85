//! OpenSSL's `SSL_VERIFY_*` and `SSL_OP_*` numbers, translated to the core's [`VerifyMode`] and
//! [`Options`]. The context and each `SSL` keep the numbers a program set, every bit of them
//! (`SSL_CTX_get_options` and `SSL_get_verify_mode` read them back as they were set, bits libtls
//! ignores included); the core sees only what these functions make of them.

use super::cert_comp::{
    SSL_OP_NO_RX_CERTIFICATE_COMPRESSION, SSL_OP_NO_TX_CERTIFICATE_COMPRESSION,
};
use super::consts::*;
use crate::config::{Options, VerifyMode};
use std::ffi::c_int;

/// What a new context starts with, as in OpenSSL 3.0.
pub(crate) const SSL_OP_DEFAULT: u64 = SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_MIDDLEBOX_COMPAT;

/// A `SSL_VERIFY_*` mode as the core reads it; other bits mean nothing.
pub(crate) fn verify_mode_from_c(mode: c_int) -> VerifyMode {
    VerifyMode {
        peer: mode & SSL_VERIFY_PEER != 0,
        fail_if_no_peer_cert: mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT != 0,
        client_once: mode & SSL_VERIFY_CLIENT_ONCE != 0,
        post_handshake: mode & SSL_VERIFY_POST_HANDSHAKE != 0,
    }
}

/// `SSL_OP_*` bits as the core reads them: the options libtls acts on (see
/// docs/differences-from-openssl.md); the others change nothing.
pub(crate) fn options_from_c(op: u64) -> Options {
    let set = |bit: u64| op & bit != 0;
    Options {
        no_tickets: set(SSL_OP_NO_TICKET),
        allow_psk_ke: set(SSL_OP_ALLOW_NO_DHE_KEX),
        server_preference: set(SSL_OP_CIPHER_SERVER_PREFERENCE),
        no_tls12: set(SSL_OP_NO_TLSv1_2),
        no_tls13: set(SSL_OP_NO_TLSv1_3),
        no_send_compressed_certificate: set(SSL_OP_NO_TX_CERTIFICATE_COMPRESSION),
        no_receive_compressed_certificate: set(SSL_OP_NO_RX_CERTIFICATE_COMPRESSION),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_flags_name_the_core_fields() {
        assert_eq!(verify_mode_from_c(SSL_VERIFY_NONE), VerifyMode::NONE);
        assert_eq!(verify_mode_from_c(SSL_VERIFY_PEER), VerifyMode::PEER);
        assert_eq!(
            verify_mode_from_c(SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT),
            VerifyMode::REQUIRE_PEER_CERT
        );
        let all = verify_mode_from_c(0x0f);
        assert!(all.peer && all.fail_if_no_peer_cert && all.client_once && all.post_handshake);
        assert!(verify_mode_from_c(SSL_VERIFY_CLIENT_ONCE).client_once);
        assert!(verify_mode_from_c(SSL_VERIFY_POST_HANDSHAKE).post_handshake);
        assert_eq!(verify_mode_from_c(0x10 | !0x0f), VerifyMode::NONE);
    }

    #[test]
    fn each_option_bit_sets_its_field() {
        let one = |bit| options_from_c(bit);
        let o = |f: fn(&mut Options)| {
            let mut o = Options::default();
            f(&mut o);
            o
        };
        assert_eq!(one(SSL_OP_NO_TICKET), o(|o| o.no_tickets = true));
        assert_eq!(one(SSL_OP_ALLOW_NO_DHE_KEX), o(|o| o.allow_psk_ke = true));
        assert_eq!(
            one(SSL_OP_CIPHER_SERVER_PREFERENCE),
            o(|o| o.server_preference = true)
        );
        assert_eq!(one(SSL_OP_NO_TLSv1_2), o(|o| o.no_tls12 = true));
        assert_eq!(one(SSL_OP_NO_TLSv1_3), o(|o| o.no_tls13 = true));
        assert_eq!(
            one(SSL_OP_NO_TX_CERTIFICATE_COMPRESSION),
            o(|o| o.no_send_compressed_certificate = true)
        );
        assert_eq!(
            one(SSL_OP_NO_RX_CERTIFICATE_COMPRESSION),
            o(|o| o.no_receive_compressed_certificate = true)
        );
        // The default and the bits libtls does not act on change nothing in the core.
        for ignored in [
            SSL_OP_DEFAULT,
            SSL_OP_ALL,
            SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1,
            SSL_OP_NO_EXTENDED_MASTER_SECRET,
            SSL_OP_PRIORITIZE_CHACHA,
            SSL_OP_NO_RENEGOTIATION,
            SSL_OP_IGNORE_UNEXPECTED_EOF,
            1 << 63,
        ] {
            assert_eq!(options_from_c(ignored), Options::default(), "{ignored:#x}");
        }
        let all = options_from_c(u64::MAX);
        assert!(
            all.no_tickets
                && all.allow_psk_ke
                && all.server_preference
                && all.no_tls12
                && all.no_tls13
                && all.no_send_compressed_certificate
                && all.no_receive_compressed_certificate
        );
    }
}
