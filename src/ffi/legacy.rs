//! Names OpenSSL programs probe for that stand for features libtls does not have (issue 19):
//! the DTLS methods, TLS compression, and `SSL_CTX_set_tmp_ecdh`'s one-curve setting. Each
//! behaves as OpenSSL does when built without the feature (`no-dtls`, `no-comp`), so a program
//! builds unchanged and fails honestly only when it asks for the missing feature.

use super::ctx::SSL_CTX;
use super::{err, guard, null_arg};
use crate::error::{Error, Reason};
use std::ffi::{c_int, c_long, c_void};

/// `STACK_OF(SSL_COMP)`: never created (libtls has no compression methods).
pub struct stack_st_SSL_COMP {
    _private: [u8; 0],
}

/// `SSL_CTRL_SET_TMP_ECDH`, behind `SSL_CTX_set_tmp_ecdh`: restricts the key-exchange groups to
/// the curve of the given `EC_KEY` (P-256, P-384 or P-521), as OpenSSL does.
pub const SSL_CTRL_SET_TMP_ECDH: c_int = 4;

/// SSLv3's version number, for programs that name it (stunnel's protocol table); libtls
/// negotiates neither SSLv3 nor SSLv2 (`OPENSSL_NO_SSL3`, `OPENSSL_NO_SSL2`). `SSL2_VERSION`
/// comes with aws-lc's `<openssl/ssl3.h>`, which `<openssl/ssl.h>` includes.
pub const SSL3_VERSION: c_int = 0x0300;
/// The longest TLS 1.2 session ID (RFC 5246).
pub const SSL_MAX_SSL_SESSION_ID_LENGTH: c_int = 32;

fn no_dtls() -> *const super::ctx::SSL_METHOD {
    guard(std::ptr::null(), || {
        err::push(&Error::local(
            Reason::UNSUPPORTED_PROTOCOL,
            "libtls has no DTLS (its <openssl/opensslconf.h> defines OPENSSL_NO_DTLS)",
        ));
        std::ptr::null()
    })
}

/// Always NULL with `SSL_R_UNSUPPORTED_PROTOCOL` on the error queue: libtls has no DTLS
/// (`OPENSSL_NO_DTLS`). Exported so that programs which look for the function at configure
/// time build as against an OpenSSL built with `no-dtls`, where no DTLS version can be used;
/// `SSL_CTX_new(NULL)` then fails with `SSL_R_NULL_SSL_METHOD_PASSED`.
#[no_mangle]
pub extern "C" fn DTLS_method() -> *const super::ctx::SSL_METHOD {
    no_dtls()
}

/// Always NULL: libtls has no DTLS (see `DTLS_method`).
#[no_mangle]
pub extern "C" fn DTLS_client_method() -> *const super::ctx::SSL_METHOD {
    no_dtls()
}

/// Always NULL: libtls has no DTLS (see `DTLS_method`).
#[no_mangle]
pub extern "C" fn DTLS_server_method() -> *const super::ctx::SSL_METHOD {
    no_dtls()
}

/// NULL, as in an OpenSSL built with `no-comp`: libtls never compresses records
/// (`OPENSSL_NO_COMP`; TLS 1.3 forbids it and TLS 1.2 compression invites CRIME).
#[no_mangle]
pub extern "C" fn SSL_COMP_get_compression_methods() -> *mut stack_st_SSL_COMP {
    std::ptr::null_mut()
}

/// The `SSL_CTRL_SET_TMP_ECDH` command of `SSL_CTX_ctrl`: `key` is an `EC_KEY` whose curve
/// becomes the only key-exchange group offered or accepted. Returns 1, or 0 with an error for
/// a NULL key, a key without a group or a curve libtls does not offer.
pub(crate) unsafe fn ctx_set_tmp_ecdh(ctx: *mut SSL_CTX, key: *mut c_void) -> c_long {
    guard(0, || {
        if key.is_null() {
            return null_arg("EC_KEY", 0);
        }
        // SAFETY: a live EC_KEY from the caller; its group is borrowed for this call only.
        let nid = unsafe {
            let group = aws_lc_sys::EC_KEY_get0_group(key.cast());
            if group.is_null() {
                return null_arg("EC_KEY's group", 0);
            }
            aws_lc_sys::EC_GROUP_get_curve_name(group)
        };
        let name: &[u8] = match nid {
            aws_lc_sys::NID_X9_62_prime256v1 => b"P-256\0",
            aws_lc_sys::NID_secp384r1 => b"P-384\0",
            aws_lc_sys::NID_secp521r1 => b"P-521\0",
            _ => {
                err::push(&Error::local(
                    Reason::INVALID_ARGUMENT,
                    format!("SSL_CTX_set_tmp_ecdh: curve NID {nid} is not a group libtls offers"),
                ));
                return 0;
            }
        };
        // SAFETY: a NUL-terminated constant; `ctx` is checked by the callee.
        unsafe { super::ctx::SSL_CTX_set1_groups_list(ctx, name.as_ptr().cast()) as c_long }
    })
}
