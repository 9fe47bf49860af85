//! `SSL_CTX_set_client_hello_cb` and the `SSL_client_hello_*` accessors: the server's first look
//! at a ClientHello, before the version, the server name callback, ALPN, the certificate or any
//! resumption are decided. The callback may go on (`SSL_CLIENT_HELLO_SUCCESS`), fail the
//! handshake with the alert it puts in `*al` (`SSL_CLIENT_HELLO_ERROR`), or suspend it
//! (`SSL_CLIENT_HELLO_RETRY`): the handshake call then returns -1 with
//! `SSL_ERROR_WANT_CLIENT_HELLO_CB`, and the next one runs the callback again on the same
//! ClientHello. Runs for the first ClientHello only (a second one after a HelloRetryRequest
//! must repeat it, RFC 8446 4.1.2).
//!
//! The accessors answer only inside the callback, for the `SSL` it was given: the ClientHello's
//! fields are lent to them through a per-thread slot for the callback's duration. The callback
//! runs inside a driving call, so driving the same `SSL` from it is refused (src/ffi/reentry.rs);
//! the accessors only read.

use super::ctx::{with_state, SSL_client_hello_cb_fn, SSL_CTX};
use super::ssl::SSL;
use super::{guard, null_arg};
use crate::config::ClientHelloDecision;
use crate::msgs::enums::{is_grease, AlertDescription, ExtensionType};
use crate::msgs::raw_hello::RawClientHello;
use std::cell::RefCell;
use std::ffi::{c_int, c_uchar, c_uint, c_void};

/// The callback's return values (OpenSSL's; programs test `#ifdef SSL_CLIENT_HELLO_SUCCESS`).
pub const SSL_CLIENT_HELLO_SUCCESS: c_int = 1;
pub const SSL_CLIENT_HELLO_ERROR: c_int = 0;
pub const SSL_CLIENT_HELLO_RETRY: c_int = -1;
/// `SSL_get_error` after a retry.
pub const SSL_ERROR_WANT_CLIENT_HELLO_CB: c_int = 11;
/// `SSL_want` after a retry.
pub const SSL_CLIENT_HELLO_CB: c_int = 7;

/// The ClientHello being shown to a callback, owned for the callback's duration.
struct Shown {
    ssl: usize,
    legacy_version: u16,
    random: Vec<u8>,
    session_id: Vec<u8>,
    ciphers: Vec<u8>,
    compression_methods: Vec<u8>,
    extensions: Vec<(u16, Vec<u8>)>,
}

thread_local! {
    /// Callbacks can nest (a callback that drives another server SSL), so a stack.
    static SHOWN: RefCell<Vec<Shown>> = const { RefCell::new(Vec::new()) };
}

/// Removes the callback's ClientHello when the call ends, a panic included.
struct Unshow;

impl Drop for Unshow {
    fn drop(&mut self) {
        SHOWN.with(|s| s.borrow_mut().pop());
    }
}

/// Runs the application's callback for `ssl` on `hello` (the core's ClientHello callback).
pub(crate) fn call(
    callback: unsafe extern "C" fn(*mut SSL, *mut c_int, *mut c_void) -> c_int,
    arg: usize,
    ssl: *mut SSL,
    hello: &RawClientHello<'_>,
) -> ClientHelloDecision {
    SHOWN.with(|s| {
        s.borrow_mut().push(Shown {
            ssl: ssl as usize,
            legacy_version: hello.legacy_version,
            random: hello.random.to_vec(),
            session_id: hello.session_id.to_vec(),
            ciphers: hello.cipher_suites.to_vec(),
            compression_methods: hello.compression_methods.to_vec(),
            extensions: hello
                .extensions
                .iter()
                .map(|(t, d)| (*t, d.to_vec()))
                .collect(),
        })
    });
    let unshow = Unshow;
    // OpenSSL's default alert for a failing callback.
    let mut al: c_int = AlertDescription::INTERNAL_ERROR.0.into();
    // SAFETY: the application's callback with a writable alert slot, as OpenSSL calls it; the
    // SSL is live for the whole handshake call that runs it.
    let answer = unsafe { callback(ssl, &mut al, arg as *mut c_void) };
    drop(unshow);
    match answer {
        SSL_CLIENT_HELLO_SUCCESS => {
            // What the callback changed on the SSL (SSL_set_SSL_CTX, SSL_set_verify, ...)
            // applies to the rest of the handshake, as after the server name callback.
            // SAFETY: the SSL outlives its handshake; `config` reads its settings and context.
            ClientHelloDecision::Proceed(Some(unsafe { (*ssl).config() }))
        }
        r if r < 0 => ClientHelloDecision::Retry,
        _ => ClientHelloDecision::Fail(
            u8::try_from(al)
                .map(AlertDescription)
                .unwrap_or(AlertDescription::INTERNAL_ERROR),
        ),
    }
}

/// Runs `f` on the ClientHello shown to `ssl`'s callback; `fail` outside one.
fn with_shown<T: Copy>(ssl: *const SSL, fail: T, f: impl FnOnce(&Shown) -> T) -> T {
    guard(fail, || {
        if ssl.is_null() {
            return null_arg("SSL", fail);
        }
        SHOWN.with(
            |s| match s.borrow().iter().rev().find(|h| h.ssl == ssl as usize) {
                Some(h) => f(h),
                None => fail,
            },
        )
    })
}

/// Sets `*out` (if not NULL) to `field` and returns its length.
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn lend(field: &[u8], out: *mut *const c_uchar) -> usize {
    if !out.is_null() {
        // SAFETY: the caller's promise; the bytes live until the callback returns.
        unsafe { *out = field.as_ptr() };
    }
    field.len()
}

/// The extensions OpenSSL would report: those it recognises, in the client's order (no
/// GREASE, no unknown types).
fn recognised(h: &Shown) -> impl Iterator<Item = u16> + '_ {
    h.extensions
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| !is_grease(*t) && ExtensionType(*t).name().is_some())
}

/// Sets the ClientHello callback and its `arg`.
///
/// # Safety
/// `ctx` is a live context; `cb` stays callable while it is set.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_client_hello_cb(
    ctx: *mut SSL_CTX,
    cb: SSL_client_hello_cb_fn,
    arg: *mut c_void,
) {
    with_state(ctx, (), |st| {
        st.client_hello_cb = cb;
        st.client_hello_arg = arg as usize;
    })
}

/// Always 0: libtls does not accept SSLv2-format ClientHellos.
///
/// # Safety
/// `s` is a live SSL.
#[no_mangle]
pub unsafe extern "C" fn SSL_client_hello_isv2(s: *mut SSL) -> c_int {
    with_shown(s, 0, |_| 0)
}

/// # Safety
/// `s` is a live SSL.
#[no_mangle]
pub unsafe extern "C" fn SSL_client_hello_get0_legacy_version(s: *mut SSL) -> c_uint {
    with_shown(s, 0, |h| h.legacy_version.into())
}

/// # Safety
/// `s` is a live SSL; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn SSL_client_hello_get0_random(
    s: *mut SSL,
    out: *mut *const c_uchar,
) -> usize {
    // SAFETY: `out` as the caller promises.
    with_shown(s, 0, |h| unsafe { lend(&h.random, out) })
}

/// # Safety
/// `s` is a live SSL; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn SSL_client_hello_get0_session_id(
    s: *mut SSL,
    out: *mut *const c_uchar,
) -> usize {
    // SAFETY: `out` as the caller promises.
    with_shown(s, 0, |h| unsafe { lend(&h.session_id, out) })
}

/// The cipher_suites field: two bytes per suite, as sent.
///
/// # Safety
/// `s` is a live SSL; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn SSL_client_hello_get0_ciphers(
    s: *mut SSL,
    out: *mut *const c_uchar,
) -> usize {
    // SAFETY: `out` as the caller promises.
    with_shown(s, 0, |h| unsafe { lend(&h.ciphers, out) })
}

/// # Safety
/// `s` is a live SSL; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn SSL_client_hello_get0_compression_methods(
    s: *mut SSL,
    out: *mut *const c_uchar,
) -> usize {
    // SAFETY: `out` as the caller promises.
    with_shown(s, 0, |h| unsafe { lend(&h.compression_methods, out) })
}

/// The types of the recognised extensions, in the client's order, in an array the caller
/// frees with `OPENSSL_free` (NULL and 0 when there are none). 1 on success.
///
/// # Safety
/// `s` is a live SSL; `out` and `outlen` are writable.
#[no_mangle]
pub unsafe extern "C" fn SSL_client_hello_get1_extensions_present(
    s: *mut SSL,
    out: *mut *mut c_int,
    outlen: *mut usize,
) -> c_int {
    if out.is_null() || outlen.is_null() {
        return null_arg("SSL_client_hello_get1_extensions_present: out", 0);
    }
    with_shown(s, 0, |h| {
        let types: Vec<c_int> = recognised(h).map(c_int::from).collect();
        let mut array: *mut c_int = std::ptr::null_mut();
        if !types.is_empty() {
            // SAFETY: aws-lc's allocator, so that the caller's OPENSSL_free releases it; the
            // copy stays within the allocation.
            unsafe {
                array = aws_lc_sys::OPENSSL_malloc(std::mem::size_of_val(&types[..])).cast();
                if array.is_null() {
                    return 0;
                }
                std::ptr::copy_nonoverlapping(types.as_ptr(), array, types.len());
            }
        }
        // SAFETY: both checked non-NULL above.
        unsafe {
            *out = array;
            *outlen = types.len();
        }
        1
    })
}

/// OpenSSL 3.2's order query: with `exts` NULL, `*num_exts` becomes the number of recognised
/// extensions; otherwise their types are written to `exts` (room for `*num_exts`, which must
/// be enough) and `*num_exts` is set to how many. 1 on success, 0 otherwise.
///
/// # Safety
/// `s` is a live SSL; `num_exts` is writable; `exts` is NULL or has `*num_exts` slots.
#[no_mangle]
pub unsafe extern "C" fn SSL_client_hello_get_extension_order(
    s: *mut SSL,
    exts: *mut u16,
    num_exts: *mut usize,
) -> c_int {
    if num_exts.is_null() {
        return null_arg("SSL_client_hello_get_extension_order: num_exts", 0);
    }
    with_shown(s, 0, |h| {
        let types: Vec<u16> = recognised(h).collect();
        // SAFETY: `num_exts` is writable (checked); `exts`, when set, has `*num_exts` slots.
        unsafe {
            if exts.is_null() {
                *num_exts = types.len();
                return 1;
            }
            if *num_exts < types.len() {
                return 0;
            }
            std::ptr::copy_nonoverlapping(types.as_ptr(), exts, types.len());
            *num_exts = types.len();
        }
        1
    })
}

/// The body of extension `type_` as sent (any type, recognised or not). 1 if present.
///
/// # Safety
/// `s` is a live SSL; `out` and `outlen` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn SSL_client_hello_get0_ext(
    s: *mut SSL,
    type_: c_uint,
    out: *mut *const c_uchar,
    outlen: *mut usize,
) -> c_int {
    with_shown(s, 0, |h| {
        let Some((_, data)) = h.extensions.iter().find(|(t, _)| c_uint::from(*t) == type_) else {
            return 0;
        };
        // SAFETY: `out` and `outlen` as the caller promises.
        unsafe {
            let len = lend(data, out);
            if !outlen.is_null() {
                *outlen = len;
            }
        }
        1
    })
}

/// `SSL_want(s) == SSL_CLIENT_HELLO_CB` (a macro in OpenSSL).
///
/// # Safety
/// `s` is a live SSL.
#[no_mangle]
pub unsafe extern "C" fn SSL_want_client_hello_cb(s: *const SSL) -> c_int {
    // SAFETY: as the caller promises.
    (unsafe { super::ssl::SSL_want(s) } == SSL_CLIENT_HELLO_CB) as c_int
}
