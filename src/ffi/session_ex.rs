//! Application data on `SSL_SESSION` objects (`SSL_SESSION_get_ex_new_index`,
//! `SSL_SESSION_set_ex_data`, `SSL_SESSION_get_ex_data`), which stunnel uses to remember a
//! session's peer address and whether it was authenticated.
//!
//! The slots live on the `SSL_SESSION` object. libtls makes a new object each time it hands a
//! session out from a different place (the new-session callback; `SSL_get_session` on another
//! connection, including a server connection resumed from the internal cache): data set on one
//! object is not seen through another (docs/differences-from-openssl.md).

use super::exdata::{CRYPTO_EX_dup, CRYPTO_EX_free, CRYPTO_EX_new, CRYPTO_EX_INDEX_SSL_SESSION};
use super::guard;
use super::session::SSL_SESSION;
use std::ffi::{c_int, c_long, c_void};

/// Runs the `new` callbacks for a freshly made object.
pub(crate) fn on_new(p: *mut SSL_SESSION) {
    // SAFETY: `p` was just created by SSL_SESSION::new_raw and is live.
    let s = unsafe { &*p };
    // The callbacks run on a detached copy so that they may call SSL_SESSION_set_ex_data.
    let mut ex = std::mem::take(&mut *s.ex.lock().unwrap_or_else(|e| e.into_inner()));
    ex.on_new(CRYPTO_EX_INDEX_SSL_SESSION, p as *mut c_void);
    s.ex.lock().unwrap_or_else(|e| e.into_inner()).absorb(ex);
}

/// Runs the `free` callbacks before the object goes away.
pub(crate) fn on_free(p: *mut SSL_SESSION) {
    // SAFETY: `p` is live, with its last reference being dropped by the caller.
    let s = unsafe { &*p };
    let mut ex = std::mem::take(&mut *s.ex.lock().unwrap_or_else(|e| e.into_inner()));
    ex.on_free(CRYPTO_EX_INDEX_SSL_SESSION, p as *mut c_void);
}

#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_get_ex_new_index(
    argl: c_long,
    argp: *mut c_void,
    new_func: CRYPTO_EX_new,
    dup_func: CRYPTO_EX_dup,
    free_func: CRYPTO_EX_free,
) -> c_int {
    // SAFETY: forwards the caller's arguments.
    unsafe {
        super::exdata::CRYPTO_get_ex_new_index(
            CRYPTO_EX_INDEX_SSL_SESSION,
            argl,
            argp,
            new_func,
            dup_func,
            free_func,
        )
    }
}

/// Stores `data` in slot `idx` of this session object; 1, or 0 for a bad index or NULL.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_set_ex_data(
    session: *mut SSL_SESSION,
    idx: c_int,
    data: *mut c_void,
) -> c_int {
    guard(0, || {
        // SAFETY: a live SSL_SESSION from the caller, or NULL.
        match unsafe { session.as_ref() } {
            Some(s) => c_int::from(
                s.ex.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .set(idx, data),
            ),
            None => super::null_arg("SSL_SESSION", 0),
        }
    })
}

/// Slot `idx` of this session object; NULL if unset.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_get_ex_data(
    session: *const SSL_SESSION,
    idx: c_int,
) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        // SAFETY: a live SSL_SESSION from the caller, or NULL.
        match unsafe { session.as_ref() } {
            Some(s) => s.ex.lock().unwrap_or_else(|e| e.into_inner()).get(idx),
            None => std::ptr::null_mut(),
        }
    })
}
