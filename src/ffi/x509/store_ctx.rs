//! `X509_STORE_CTX`, the verify callback's view. libtls's own: path validation is
//! rustls-webpki's, and aws-lc has no setters for a store context's current certificate, depth
//! or verified chain. Its accessors answer for libtls's contexts and pass any other context (one
//! an application made with aws-lc's `X509_STORE_CTX_new`) on to aws-lc.

use super::{stack_st_X509, x509_from_der, x509_stack_free, x509_stack_from_ders, X509};
use crate::ffi::{guard, with_ours_or_theirs, Handle};
use aws_lc_sys as sys;
use std::cell::RefCell;
use std::ffi::{c_int, c_void};

/// What a verify callback can see and change: the certificate at the current depth, the
/// depth and the error, and the connection (`SSL_get_ex_data_X509_STORE_CTX_idx`).
pub struct X509_STORE_CTX {
    /// One reference, released when the context goes.
    current: *mut X509,
    chain: *mut stack_st_X509,
    depth: c_int,
    error: c_int,
    ssl: *mut c_void,
}

thread_local! {
    /// The libtls store contexts live on this thread (those of verify callbacks running now):
    /// the accessors tell them from aws-lc's own contexts by address.
    static ACTIVE: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

impl X509_STORE_CTX {
    /// Runs `f` with a context for `event`, registered as libtls's while `f` runs.
    pub(crate) fn with<T>(
        event: &crate::verify::VerifyEvent<'_>,
        ssl: *mut c_void,
        f: impl FnOnce(&mut X509_STORE_CTX) -> T,
    ) -> T {
        let mut ctx = X509_STORE_CTX {
            current: event
                .current_cert()
                .map_or(std::ptr::null_mut(), x509_from_der),
            chain: x509_stack_from_ders(event.chain),
            depth: event.depth as c_int,
            error: event.error as c_int,
            ssl,
        };
        let addr = &mut ctx as *mut X509_STORE_CTX as usize;
        ACTIVE.with(|a| a.borrow_mut().push(addr));
        struct Unregister(usize);
        impl Drop for Unregister {
            fn drop(&mut self) {
                ACTIVE.with(|a| a.borrow_mut().retain(|&p| p != self.0));
            }
        }
        let _unregister = Unregister(addr);
        f(&mut ctx)
    }

    pub(crate) fn error(&self) -> i64 {
        i64::from(self.error)
    }
}

impl Drop for X509_STORE_CTX {
    fn drop(&mut self) {
        // SAFETY: the context owns one reference to its certificate and owns its stack.
        unsafe {
            sys::X509_free(self.current);
            x509_stack_free(self.chain);
        }
    }
}

impl Handle for X509_STORE_CTX {
    const NAME: &'static str = "X509_STORE_CTX";
}

/// Whether `ctx` is one of libtls's contexts (registered by [`X509_STORE_CTX::with`]) rather
/// than aws-lc's.
fn is_ours(ctx: *const X509_STORE_CTX) -> bool {
    let addr = ctx as usize;
    ACTIVE.with(|a| a.borrow().contains(&addr))
}

/// [`with_ours_or_theirs`] for a store context: libtls's are the registered ones.
fn with_ctx<T>(
    ctx: *mut X509_STORE_CTX,
    fail: T,
    mine: impl FnOnce(&mut X509_STORE_CTX) -> T,
    theirs: impl FnOnce(*mut sys::X509_STORE_CTX) -> T,
) -> T {
    with_ours_or_theirs(ctx, fail, is_ours, mine, theirs)
}

/// The certificate being verified at the current depth (borrowed; do not free).
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get_current_cert(ctx: *mut X509_STORE_CTX) -> *mut X509 {
    with_ctx(
        ctx,
        std::ptr::null_mut(),
        |c| c.current,
        |c| {
            // SAFETY: a live aws-lc context from the caller.
            unsafe { sys::X509_STORE_CTX_get_current_cert(c) }
        },
    )
}

/// The path being verified, leaf first, as OpenSSL builds it: the certificates that chain from
/// the leaf to the trust anchor (included), not the list the peer sent; after a failure, the
/// path as far as it could be built (borrowed; do not free).
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get0_chain(ctx: *mut X509_STORE_CTX) -> *mut stack_st_X509 {
    with_ctx(
        ctx,
        std::ptr::null_mut(),
        |c| c.chain,
        |c| {
            // SAFETY: a live aws-lc context from the caller.
            unsafe { sys::X509_STORE_CTX_get0_chain(c) }
        },
    )
}

/// [`X509_STORE_CTX_get0_chain`]'s path as a new stack holding its own references (free it with
/// `sk_X509_pop_free(chain, X509_free)`).
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get1_chain(ctx: *mut X509_STORE_CTX) -> *mut stack_st_X509 {
    with_ctx(
        ctx,
        std::ptr::null_mut(),
        // SAFETY: a libtls context's chain is live for the callback; X509_chain_up_ref copies it.
        |c| unsafe { sys::X509_chain_up_ref(c.chain) },
        // SAFETY: a live aws-lc context from the caller.
        |c| unsafe { sys::X509_STORE_CTX_get1_chain(c) },
    )
}

/// The certificate being verified: the peer's leaf (borrowed; do not free).
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get0_cert(ctx: *mut X509_STORE_CTX) -> *mut X509 {
    with_ctx(
        ctx,
        std::ptr::null_mut(),
        |c| {
            if c.chain.is_null() {
                return std::ptr::null_mut();
            }
            // SAFETY: the context's own live stack; index 0 of an empty stack gives NULL.
            unsafe { sys::OPENSSL_sk_value(c.chain as *const sys::OPENSSL_STACK, 0) as *mut X509 }
        },
        // SAFETY: a live aws-lc context from the caller.
        |c| unsafe { sys::X509_STORE_CTX_get0_cert(c) },
    )
}

#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get_error_depth(ctx: *mut X509_STORE_CTX) -> c_int {
    with_ctx(
        ctx,
        0,
        |c| c.depth,
        |c| {
            // SAFETY: a live aws-lc context from the caller.
            unsafe { sys::X509_STORE_CTX_get_error_depth(c) }
        },
    )
}

#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get_error(ctx: *mut X509_STORE_CTX) -> c_int {
    with_ctx(
        ctx,
        0,
        |c| c.error,
        |c| {
            // SAFETY: a live aws-lc context from the caller.
            unsafe { sys::X509_STORE_CTX_get_error(c) }
        },
    )
}

/// Changes the error the verification reports (`SSL_get_verify_result`).
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_set_error(ctx: *mut X509_STORE_CTX, error: c_int) {
    // NULL is ignored, without an error on the queue.
    if ctx.is_null() {
        return;
    }
    with_ctx(
        ctx,
        (),
        |c| c.error = error,
        |c| {
            // SAFETY: a live aws-lc context from the caller.
            unsafe { sys::X509_STORE_CTX_set_error(c, error) }
        },
    )
}

/// The only ex_data index a libtls store context has: the one holding its `SSL`.
pub const SSL_X509_STORE_CTX_IDX: c_int = 0;

#[no_mangle]
pub extern "C" fn SSL_get_ex_data_X509_STORE_CTX_idx() -> c_int {
    SSL_X509_STORE_CTX_IDX
}

/// With `SSL_get_ex_data_X509_STORE_CTX_idx()`, the `SSL` whose peer is being verified.
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get_ex_data(
    ctx: *mut X509_STORE_CTX,
    idx: c_int,
) -> *mut c_void {
    with_ctx(
        ctx,
        std::ptr::null_mut(),
        |c| {
            if idx == SSL_X509_STORE_CTX_IDX {
                c.ssl
            } else {
                std::ptr::null_mut()
            }
        },
        // SAFETY: a live aws-lc context from the caller.
        |c| unsafe { sys::X509_STORE_CTX_get_ex_data(c, idx) },
    )
}

/// OpenSSL 3's texts for the verification results (aws-lc's differ in case and wording).
#[no_mangle]
pub extern "C" fn X509_verify_cert_error_string(n: std::ffi::c_long) -> *const std::ffi::c_char {
    use std::collections::HashMap;
    use std::ffi::CString;
    use std::sync::OnceLock;
    static TABLE: OnceLock<HashMap<i64, CString>> = OnceLock::new();
    guard(std::ptr::null(), || {
        let t = TABLE.get_or_init(|| {
            (0..=100)
                .map(|c| {
                    (
                        c,
                        CString::new(crate::verify::x509_v::text(c)).unwrap_or_default(),
                    )
                })
                .collect()
        });
        match t.get(&{ n }) {
            Some(s) => s.as_ptr(),
            None => c"unknown certificate verification error".as_ptr(),
        }
    })
}
