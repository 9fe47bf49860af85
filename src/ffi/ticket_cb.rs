//! OpenSSL 1.1.1's session ticket application data: `SSL_CTX_set_session_ticket_cb`,
//! `SSL_SESSION_set1_ticket_appdata` and `SSL_SESSION_get0_ticket_appdata`.
//!
//! A server's generate callback runs before each ticket is sealed, with the ticket's session
//! as the connection's (`SSL_get_session`); the application data it sets on that session
//! travels inside the encrypted ticket (libtls's session encoding, bounded to
//! `LIBTLS_MAX_TICKET_APPDATA_LEN` bytes). When a client presents a ticket, the decrypt
//! callback sees the opened session (with its application data restored) or why there is
//! none, and its return value decides whether the ticket is used and whether a new one is
//! issued. The session object it was handed is the one `SSL_get_session` returns afterwards
//! when the ticket is used, so what the callback stored on it (ex_data) stays visible.

use super::ctx::SSL_CTX;
use super::session::SSL_SESSION;
use super::ssl::SSL;
use super::{err, null_arg, with_ref, with_result};
use crate::config::Config;
use crate::error::{Error, Reason};
use crate::msgs::enums::AlertDescription;
use crate::session::{Session, TicketDecision, TicketStatus, MAX_TICKET_APPDATA_LEN};
use std::ffi::{c_int, c_void};
use std::sync::Arc;

/// The result of opening a ticket, as the decrypt callback is told (`SSL_TICKET_*`).
pub type SSL_TICKET_STATUS = c_int;
/// The decrypt callback's verdict (`SSL_TICKET_RETURN_*`).
pub type SSL_TICKET_RETURN = c_int;

/// Fatal errors (OpenSSL's internal statuses; the callback is never called with them).
pub const SSL_TICKET_FATAL_ERR_MALLOC: c_int = 0;
pub const SSL_TICKET_FATAL_ERR_OTHER: c_int = 1;
/// No ticket was presented (the callback is not called).
pub const SSL_TICKET_NONE: c_int = 2;
/// TLS 1.2: an empty ticket (the client asks for one); no session.
pub const SSL_TICKET_EMPTY: c_int = 3;
/// The ticket could not be opened; no session.
pub const SSL_TICKET_NO_DECRYPT: c_int = 4;
/// The ticket opened: the session is available.
pub const SSL_TICKET_SUCCESS: c_int = 5;
/// The ticket opened under an older key: the session is available, and a new ticket is due.
pub const SSL_TICKET_SUCCESS_RENEW: c_int = 6;

/// Fail the handshake (an internal_error alert).
pub const SSL_TICKET_RETURN_ABORT: c_int = 0;
/// Do not use the ticket; issue no new one (TLS 1.2; TLS 1.3 issues tickets regardless).
pub const SSL_TICKET_RETURN_IGNORE: c_int = 1;
/// Do not use the ticket; issue a new one.
pub const SSL_TICKET_RETURN_IGNORE_RENEW: c_int = 2;
/// Use the ticket (only for `SSL_TICKET_SUCCESS`/`_RENEW`, else the handshake fails); issue no
/// new one (TLS 1.2).
pub const SSL_TICKET_RETURN_USE: c_int = 3;
/// Use the ticket and issue a new one.
pub const SSL_TICKET_RETURN_USE_RENEW: c_int = 4;

/// The most ticket application data a session carries (`SSL_SESSION_set1_ticket_appdata`
/// refuses more).
pub const LIBTLS_MAX_TICKET_APPDATA_LEN: usize = MAX_TICKET_APPDATA_LEN;

/// Run by a server before each ticket is made: `SSL_get_session(s)` is the session the ticket
/// will carry, on which `SSL_SESSION_set1_ticket_appdata` sets what the ticket holds. Return 1
/// to go on, 0 to fail the handshake (an internal_error alert).
pub type SSL_CTX_generate_session_ticket_fn =
    Option<unsafe extern "C" fn(s: *mut SSL, arg: *mut c_void) -> c_int>;

/// Run by a server after a presented ticket was opened or could not be. `status` is an
/// `SSL_TICKET_*` value; with `SSL_TICKET_SUCCESS` or `SSL_TICKET_SUCCESS_RENEW`, `ss` is the
/// ticket's session (its application data with `SSL_SESSION_get0_ticket_appdata`), otherwise
/// NULL. `keyname` is the ticket's first `keyname_len` (at most 16) bytes. Returns an
/// `SSL_TICKET_RETURN_*` value.
pub type SSL_CTX_decrypt_session_ticket_fn = Option<
    unsafe extern "C" fn(
        s: *mut SSL,
        ss: *mut SSL_SESSION,
        keyname: *const u8,
        keyname_len: usize,
        status: SSL_TICKET_STATUS,
        arg: *mut c_void,
    ) -> SSL_TICKET_RETURN,
>;

/// A context's ticket callbacks and their argument.
#[derive(Clone, Copy, Default)]
pub(crate) struct TicketCallbacks {
    generate: SSL_CTX_generate_session_ticket_fn,
    decrypt: SSL_CTX_decrypt_session_ticket_fn,
    arg: usize,
}

impl TicketCallbacks {
    pub(crate) fn is_set(&self) -> bool {
        self.generate.is_some() || self.decrypt.is_some()
    }

    /// Wraps the callbacks for the core's configuration of the `SSL` at `ssl_addr`.
    pub(crate) fn install(&self, config: &mut Config, ssl_addr: usize) {
        let arg = self.arg;
        config.session.ticket_app.generate = self.generate.map(|cb| {
            let f: crate::session::TicketGenerate =
                Arc::new(move |session: &Arc<Session>| generate(cb, ssl_addr, arg, session));
            f
        });
        config.session.ticket_app.decrypt = self.decrypt.map(|cb| {
            let f: crate::session::TicketDecrypt = Arc::new(
                move |status: TicketStatus, session: Option<Session>, key_name: &[u8]| {
                    decrypt(cb, ssl_addr, arg, status, session, key_name)
                },
            );
            f
        });
    }
}

type GenerateCb = unsafe extern "C" fn(*mut SSL, *mut c_void) -> c_int;
type DecryptCb =
    unsafe extern "C" fn(*mut SSL, *mut SSL_SESSION, *const u8, usize, c_int, *mut c_void) -> c_int;

fn generate(
    cb: GenerateCb,
    ssl_addr: usize,
    arg: usize,
    session: &Arc<Session>,
) -> crate::error::Result<Arc<Session>> {
    let ssl = ssl_addr as *mut SSL;
    // SAFETY: the application's callback, with the SSL being driven (its own callbacks may
    // read it, as in OpenSSL) and the argument it registered.
    if unsafe { cb(ssl, arg as *mut c_void) } == 0 {
        return Err(Error::protocol(
            AlertDescription::INTERNAL_ERROR,
            Reason::CALLBACK_FAILED,
            "the application's session ticket generate callback failed",
        ));
    }
    // SAFETY: the SSL outlives the call that is driving it; only its session bookkeeping is
    // touched (the driving call holds the connection, not this).
    let sessions = unsafe { &mut (*ssl).sessions };
    Ok(sessions.adopt_handed_out(session))
}

fn decrypt(
    cb: DecryptCb,
    ssl_addr: usize,
    arg: usize,
    status: TicketStatus,
    session: Option<Session>,
    key_name: &[u8],
) -> (TicketDecision, Option<Arc<Session>>) {
    let ssl = ssl_addr as *mut SSL;
    let object = session.map_or(std::ptr::null_mut(), |s| SSL_SESSION::new_raw(Arc::new(s)));
    let code = match status {
        TicketStatus::Empty => SSL_TICKET_EMPTY,
        TicketStatus::NoDecrypt => SSL_TICKET_NO_DECRYPT,
        TicketStatus::Success => SSL_TICKET_SUCCESS,
        TicketStatus::SuccessRenew => SSL_TICKET_SUCCESS_RENEW,
    };
    // SAFETY: the application's callback with the SSL being driven, the session object (a
    // reference this function owns) or NULL, and the key name bytes, valid for the call.
    let verdict = unsafe {
        cb(
            ssl,
            object,
            key_name.as_ptr(),
            key_name.len(),
            code,
            arg as *mut c_void,
        )
    };
    let decision = match verdict {
        SSL_TICKET_RETURN_IGNORE => TicketDecision::Ignore,
        SSL_TICKET_RETURN_IGNORE_RENEW => TicketDecision::IgnoreRenew,
        SSL_TICKET_RETURN_USE => TicketDecision::Use,
        SSL_TICKET_RETURN_USE_RENEW => TicketDecision::UseRenew,
        // SSL_TICKET_RETURN_ABORT, and anything else (as OpenSSL).
        _ => TicketDecision::Abort,
    };
    let using = matches!(decision, TicketDecision::Use | TicketDecision::UseRenew);
    if object.is_null() {
        return (decision, None);
    }
    if !using {
        // SAFETY: the reference this function owns.
        unsafe { SSL_SESSION::release(object) };
        return (decision, None);
    }
    // SAFETY: the object is live (this function's reference).
    let value = unsafe { &*object }.get();
    // SAFETY: as in `generate`; the SSL takes this function's reference.
    unsafe { &mut (*ssl).sessions }.hand_out_resumed(object);
    (decision, Some(value))
}

/// Sets the server's ticket callbacks of `ctx` (either may be NULL) and the argument both are
/// passed. Returns 1.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_session_ticket_cb(
    ctx: *mut SSL_CTX,
    gen_cb: SSL_CTX_generate_session_ticket_fn,
    dec_cb: SSL_CTX_decrypt_session_ticket_fn,
    arg: *mut c_void,
) -> c_int {
    with_result(ctx, |c| {
        c.edit().session_callbacks.ticket_app = TicketCallbacks {
            generate: gen_cb,
            decrypt: dec_cb,
            arg: arg as usize,
        };
        Ok(())
    })
}

/// Sets the application data `ss` carries into the tickets made from it: a copy of `len`
/// bytes at `data` (NULL or 0 removes it). Returns 1, or 0 for more than
/// `LIBTLS_MAX_TICKET_APPDATA_LEN` bytes or a NULL session.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_set1_ticket_appdata(
    ss: *mut SSL_SESSION,
    data: *const c_void,
    len: usize,
) -> c_int {
    with_ref(ss, 0, |s| {
        if len > MAX_TICKET_APPDATA_LEN {
            err::push(&Error::local(
                Reason::INVALID_ARGUMENT,
                format!(
                    "ticket application data of {len} bytes; at most {MAX_TICKET_APPDATA_LEN} \
                     fit in a ticket"
                ),
            ));
            return 0;
        }
        let bytes = if data.is_null() || len == 0 {
            Vec::new()
        } else {
            // SAFETY: the caller passes `len` readable bytes at `data`.
            unsafe { std::slice::from_raw_parts(data as *const u8, len) }.to_vec()
        };
        s.update(|session| session.ticket_appdata = bytes);
        1
    })
}

/// Points `*data` at the session's ticket application data and sets `*len` to its length
/// (NULL and 0 when it has none). The pointer stays valid until the session is freed or
/// changed by a setter (`SSL_SESSION_set*`). Returns 1, or 0 for a NULL argument.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_get0_ticket_appdata(
    ss: *mut SSL_SESSION,
    data: *mut *mut c_void,
    len: *mut usize,
) -> c_int {
    with_ref(ss, 0, |s| {
        if data.is_null() || len.is_null() {
            return null_arg("SSL_SESSION_get0_ticket_appdata output", 0);
        }
        let value = s.get();
        let (p, n) = if value.ticket_appdata.is_empty() {
            (std::ptr::null_mut(), 0)
        } else {
            (
                value.ticket_appdata.as_ptr() as *mut c_void,
                value.ticket_appdata.len(),
            )
        };
        // SAFETY: both outputs are non-NULL and writable. The bytes live in the session value
        // the object holds, which changes only when a setter replaces it.
        unsafe {
            *data = p;
            *len = n;
        }
        1
    })
}
