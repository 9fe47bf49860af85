//! The boundary kit every exported function uses: one panic guard and one typed handle cast.
//!
//! - [`guard`] runs the body of an `extern "C"` function: a panic never crosses into C, it
//!   becomes an `internal error` on the error queue and the function's failure value; aws-lc's
//!   own error queue is folded into ours on the way out.
//! - [`Handle`] marks a type that C holds by pointer (`SSL`, `SSL_CTX`, `SSL_SESSION`, ...).
//!   [`try_ref`] / [`try_mut`] turn such a pointer into a reference, reporting NULL on the error
//!   queue; [`with_ref`] / [`with_mut`] / [`with_result`] combine the cast with the guard, so an
//!   exported function is usually one call: `with_ref(ssl, 0, |s| ...)`.
//!   [`with_ours_or_theirs`] does the same for the types aws-lc also makes objects of.
//!
//! The pointer-to-reference casts below are the only place the C face trusts a handle; each
//! handle type's pointers come from its own constructor (`Box::into_raw`) and stay live until
//! its free function drops the last reference (OpenSSL's ownership rules).

use super::err;
use crate::error::{Error, Reason, Result};
use std::ffi::c_int;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A type handed to C as an opaque pointer. `NAME` is what a NULL pointer is reported as.
pub(crate) trait Handle {
    const NAME: &'static str;
}

/// Runs `f`, turning a panic into `on_panic` plus an internal error on the queue.
pub(crate) fn guard<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(|| err::awslc_boundary(f))) {
        Ok(v) => v,
        Err(_) => {
            err::push(&Error::local(
                Reason::INTERNAL_ERROR,
                "internal error: a panic was caught at the C API boundary",
            ));
            on_panic
        }
    }
}

/// [`guard`] for a body that may give up: `None` (or a panic) gives `fail`. `fail` need not be
/// `Copy`.
pub(crate) fn guard_or<T>(fail: T, f: impl FnOnce() -> Option<T>) -> T {
    guard(None, f).unwrap_or(fail)
}

/// Pushes a NULL-argument error and returns `fail`.
pub(crate) fn null_arg<T>(what: &str, fail: T) -> T {
    err::push(&Error::local(
        Reason::INVALID_ARGUMENT,
        format!("{what} is NULL"),
    ));
    fail
}

/// Borrows a handle, or reports NULL and gives `None`.
///
/// # Safety
/// `p` is NULL or a live `H` made by its constructor, not mutably borrowed elsewhere for `'a`.
pub(crate) unsafe fn try_ref<'a, H: Handle>(p: *const H) -> Option<&'a H> {
    if p.is_null() {
        return null_arg(H::NAME, None);
    }
    // SAFETY: non-NULL, and live by the caller's contract.
    Some(unsafe { &*p })
}

/// Borrows a handle mutably, or reports NULL and gives `None`.
///
/// # Safety
/// As for [`try_ref`], and the object is used by one thread at a time (OpenSSL's rule for the
/// objects C mutates through a pointer).
pub(crate) unsafe fn try_mut<'a, H: Handle>(p: *mut H) -> Option<&'a mut H> {
    if p.is_null() {
        return null_arg(H::NAME, None);
    }
    // SAFETY: non-NULL, and live and unshared by the caller's contract.
    Some(unsafe { &mut *p })
}

/// Runs `f` on a live handle inside [`guard`]; NULL or a panic gives `fail`.
pub(crate) fn with_ref<H: Handle, T>(p: *const H, fail: T, f: impl FnOnce(&H) -> T) -> T {
    // SAFETY: C passes NULL or a live handle (the contract of every exported function).
    guard_or(fail, || unsafe { try_ref(p) }.map(f))
}

/// Runs `f` on a live handle, mutably, inside [`guard`]; NULL or a panic gives `fail`.
pub(crate) fn with_mut<H: Handle, T>(p: *mut H, fail: T, f: impl FnOnce(&mut H) -> T) -> T {
    // SAFETY: as for with_ref; C uses the object from one thread at a time.
    guard_or(fail, || unsafe { try_mut(p) }.map(f))
}

/// For a type that C may hand over as libtls's object or as aws-lc's object of the same name
/// (`X509_STORE_CTX`, `X509_VERIFY_PARAM`: aws-lc's libcrypto, exported by libtls.so, makes
/// its own): runs `mine` on libtls's, told apart by `is_ours` before any cast, or `theirs` on
/// aws-lc's, inside [`guard`]. NULL (reported) or a panic gives `fail`.
pub(crate) fn with_ours_or_theirs<H: Handle, A, T>(
    p: *mut H,
    fail: T,
    is_ours: impl FnOnce(*const H) -> bool,
    mine: impl FnOnce(&mut H) -> T,
    theirs: impl FnOnce(*mut A) -> T,
) -> T {
    guard_or(fail, || {
        if !p.is_null() && !is_ours(p) {
            return Some(theirs(p.cast()));
        }
        // SAFETY: NULL (reported by try_mut) or an object `is_ours` knows to be libtls's and
        // live; C uses it from one thread at a time.
        unsafe { try_mut(p) }.map(mine)
    })
}

/// Runs a fallible operation on a live handle with OpenSSL's 1/0 convention: an error goes to
/// the queue and gives 0.
pub(crate) fn with_result<H: Handle>(p: *const H, f: impl FnOnce(&H) -> Result<()>) -> c_int {
    with_ref(p, 0, |h| match f(h) {
        Ok(()) => 1,
        Err(e) => {
            err::push(&e);
            0
        }
    })
}
