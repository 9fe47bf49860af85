//! Calls into an `SSL` from the application's own callbacks.
//!
//! The library hands the `SSL*` to the application's callbacks (info, message, key log,
//! verify, ClientHello, servername, ALPN, certificate, client certificate, session and ticket
//! key callbacks) while it is in the middle of changing that `SSL`: reading records, running the
//! handshake, writing. A callback that frees, clears or drives the same `SSL` would pull the
//! connection out from under the call that is running (in OpenSSL too, where it is undefined
//! behaviour).
//!
//! So every call that drives the connection marks its `SSL` busy for its duration. While it is
//! busy:
//! - `SSL_read`, `SSL_peek`, `SSL_write`, `SSL_do_handshake`, `SSL_connect`, `SSL_accept`,
//!   `SSL_shutdown`, `SSL_key_update` and `SSL_clear` on it fail at once (-1, or 0 where 0
//!   is the failure value) with `SSL_R_CALLED_FROM_CALLBACK` on the error queue, changing
//!   nothing;
//! - `SSL_free` on it is deferred: the object stays valid until the outermost call returns,
//!   which then frees it (the caller of that call must not use the pointer afterwards).
//!
//! Reading state (`SSL_get_*`) and the settings a servername callback is meant to change
//! (`SSL_set_SSL_CTX`, `SSL_set_verify`, ...) keep working from callbacks, as in OpenSSL.

use super::err;
use super::ssl::SSL;
use super::with_mut;
use crate::error::{Error, Reason};

/// The re-entry state of one `SSL`.
#[derive(Debug, Default)]
pub(crate) struct Reentry {
    /// A call that may run callbacks with this `SSL` is in progress.
    busy: bool,
    /// `SSL_free` was called while busy.
    free_requested: bool,
}

/// Clears the busy mark when the driving call ends, a caught panic included.
struct BusyMark(*mut SSL);

impl Drop for BusyMark {
    fn drop(&mut self) {
        // SAFETY: the SSL is live for the whole driving call (its free is deferred meanwhile).
        unsafe { (*self.0).reentry.busy = false };
    }
}

/// Runs `f`, a call named `what` that drives the connection of `ssl` and may run the
/// application's callbacks with it. Refused from inside such a call on the same `SSL` (that
/// is, from one of its callbacks); a free requested meanwhile happens when `f` returns.
pub(crate) fn driving<T: Copy>(
    ssl: *mut SSL,
    fail: T,
    what: &'static str,
    f: impl FnOnce(&mut SSL) -> T,
) -> T {
    let r = with_mut(ssl, fail, |s| {
        if s.reentry.busy {
            err::push(&Error::local(
                Reason::CALLED_FROM_CALLBACK,
                format!(
                    "{what} was called from one of this SSL's own callbacks, while the library \
                     was using the SSL; it is refused (call it after the callback returns)"
                ),
            ));
            return fail;
        }
        s.reentry.busy = true;
        let _mark = BusyMark(s as *mut SSL);
        f(s)
    });
    // SAFETY: `ssl` is NULL or was live when the call began; only a free requested during the
    // call (deferred until now) can end it, and that happens here.
    unsafe { free_if_requested(ssl) };
    r
}

/// `SSL_free`: frees at once, or (while busy) when the running call returns.
///
/// # Safety
/// `ssl` is NULL or a live `SSL` from `SSL_new` that the caller owns.
pub(crate) unsafe fn free(ssl: *mut SSL) {
    if ssl.is_null() {
        return;
    }
    // SAFETY: live, as the caller promises.
    let s = unsafe { &mut (*ssl).reentry };
    if s.busy {
        s.free_requested = true;
        return;
    }
    // SAFETY: live and not in use by any call.
    unsafe { free_now(ssl) };
}

/// Frees `ssl` if an `SSL_free` was deferred and no call is using it any more.
///
/// # Safety
/// `ssl` is NULL or a live `SSL`.
unsafe fn free_if_requested(ssl: *mut SSL) {
    if ssl.is_null() {
        return;
    }
    // SAFETY: live, as the caller promises.
    let s = unsafe { &(*ssl).reentry };
    if s.free_requested && !s.busy {
        // SAFETY: live, no call is using it, and the application asked for it to go.
        unsafe { free_now(ssl) };
    }
}

/// Frees `ssl`. Its ex_data free callbacks run first, with the `SSL` marked busy, so an
/// `SSL_free` from them is only noted and other driving calls are refused.
///
/// # Safety
/// `ssl` is a live `SSL` no call is using.
unsafe fn free_now(ssl: *mut SSL) {
    // SAFETY: live, as the caller promises; the mark keeps nested frees from freeing it.
    unsafe {
        (*ssl).reentry.busy = true;
        super::ssl::release(ssl);
    }
}

/// `SSL_new` runs the ex_data new callbacks with the new `SSL`: an `SSL_free` from them is
/// deferred to the end of `SSL_new`, which then returns NULL.
///
/// # Safety
/// `ssl` is a live `SSL` just made by `SSL_new`.
pub(crate) unsafe fn run_new_callbacks(ssl: *mut SSL, f: impl FnOnce(&mut SSL)) -> *mut SSL {
    // SAFETY: live, as the caller promises.
    let s = unsafe { &mut *ssl };
    s.reentry.busy = true;
    {
        let _mark = BusyMark(ssl);
        f(s);
    }
    // SAFETY: live; no call is using it any more.
    if unsafe { (*ssl).reentry.free_requested } {
        // SAFETY: as above.
        unsafe { free_now(ssl) };
        err::push(&Error::local(
            Reason::CALLED_FROM_CALLBACK,
            "an ex_data new callback freed the SSL being made",
        ));
        return std::ptr::null_mut();
    }
    ssl
}
