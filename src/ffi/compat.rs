//! libssl calls and controls that real OpenSSL programs use beyond the basics (issue 19):
//! read-ahead, OpenSSL's `SSL_ctrl` / `SSL_CTX_ctrl` commands that its macros expand to, and the
//! small conveniences of OpenSSL 1.0-era code.

use super::ctx::{ctx_ref, SSL_CTX};
use super::guard;
use super::ssl::{with_ssl, with_ssl_ref, SSL};
use std::ffi::{c_int, c_long};

/// Turns read-ahead on (`yes` non-zero) for connections made from `ctx` afterwards; returns the
/// previous setting. Off by default, as in OpenSSL: a socket or fd BIO is then read a record
/// header and exactly that record's body, so bytes after the record being processed stay in
/// the kernel where `poll`/`epoll` see them. On, libtls reads whatever is there (up to a maximal
/// record) and `SSL_has_pending` reports what it holds. Memory and pair BIOs are read the same
/// way (see docs/differences-from-openssl.md).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_read_ahead(ctx: *mut SSL_CTX, yes: c_int) -> c_long {
    guard(0, || {
        // SAFETY: see ctx_ref.
        unsafe { ctx_ref(ctx) }.map_or(0, |c| {
            let mut st = c.edit();
            std::mem::replace(&mut st.read_ahead, yes != 0) as c_long
        })
    })
}

/// 1 when connections made from `ctx` read ahead.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_read_ahead(ctx: *mut SSL_CTX) -> c_long {
    guard(0, || {
        // SAFETY: see ctx_ref.
        unsafe { ctx_ref(ctx) }.map_or(0, |c| c.read().read_ahead as c_long)
    })
}

/// Read-ahead for this connection only (see `SSL_CTX_set_read_ahead`).
#[no_mangle]
pub unsafe extern "C" fn SSL_set_read_ahead(ssl: *mut SSL, yes: c_int) {
    with_ssl(ssl, (), |s| s.read_ahead = yes != 0)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_read_ahead(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, 0, |s| s.read_ahead as c_int)
}
