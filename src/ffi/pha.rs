//! TLS 1.3 post-handshake client authentication in the C API (RFC 8446 4.2.6, 4.6.2).

use super::ctx::SSL_CTX;
use super::ssl::SSL;
use super::{err, guard};
use super::{try_ref, with_mut};
use crate::error::{Error, Reason};
use std::ffi::c_int;

/// Whether a client offers post-handshake authentication (the post_handshake_auth extension)
/// in TLS 1.3 and answers a server's CertificateRequest after the handshake, during `SSL_read`,
/// with the certificate it is configured with (or the client certificate callback's). Off by
/// default, as in OpenSSL.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_post_handshake_auth(ctx: *mut SSL_CTX, val: c_int) {
    guard((), || {
        // SAFETY: see try_ref (checks NULL).
        if let Some(c) = unsafe { try_ref(ctx) } {
            c.edit().config.post_handshake_auth = val != 0;
        }
    })
}

/// Like `SSL_CTX_set_post_handshake_auth`, for one connection (before its handshake starts).
#[no_mangle]
pub unsafe extern "C" fn SSL_set_post_handshake_auth(ssl: *mut SSL, val: c_int) {
    with_mut(ssl, (), |s| s.settings_mut().post_handshake_auth = val != 0)
}

/// A TLS 1.3 server asks the client for its certificate after the handshake. The
/// CertificateRequest goes out with the next `SSL_do_handshake`, `SSL_write` or `SSL_read`;
/// the client's answer is processed by `SSL_read` and verified as during a handshake (verify
/// mode, depth and callback), after which `SSL_get_peer_certificate` returns it. Needs
/// `SSL_VERIFY_PEER` in the verify mode (with `SSL_VERIFY_POST_HANDSHAKE` the handshake itself
/// asks for nothing). Returns 1, or 0 with `SSL_R_WRONG_SSL_VERSION` (not TLS 1.3),
/// `SSL_R_NOT_SERVER`, `SSL_R_STILL_IN_INIT` (before the handshake completed),
/// `SSL_R_EXTENSION_NOT_RECEIVED` (the client did not offer it), `SSL_R_REQUEST_SENT` (a
/// request is unanswered) or `SSL_R_INVALID_CONFIG` (no `SSL_VERIFY_PEER`).
#[no_mangle]
pub unsafe extern "C" fn SSL_verify_client_post_handshake(ssl: *mut SSL) -> c_int {
    with_mut(ssl, 0, |s| {
        let Some(conn) = s.conn.as_mut() else {
            err::push(&Error::local(
                Reason::STILL_IN_INIT,
                "SSL_verify_client_post_handshake before the handshake",
            ));
            return 0;
        };
        match conn.request_client_certificate() {
            Ok(()) => 1,
            Err(e) => {
                err::push(&e);
                0
            }
        }
    })
}
