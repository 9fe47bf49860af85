//! `SSL_SESSION_get0_hostname`: the server name a session was established for.

use super::session::SSL_SESSION;
use super::with_ref;
use std::ffi::c_char;

/// The server name (SNI) the session was established with: the name a client asked for, or
/// the name a server received. NULL when there was none. The string belongs to the session.
/// NULL, without an error, for a NULL session: during a server's handshake `SSL_get0_session`
/// is NULL in libtls (OpenSSL has a session under construction there), and nginx's servername
/// callback asks this of it.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_get0_hostname(session: *const SSL_SESSION) -> *const c_char {
    if session.is_null() {
        return std::ptr::null();
    }
    with_ref(session, std::ptr::null(), |s| {
        s.hostname.as_ref().map_or(std::ptr::null(), |h| h.as_ptr())
    })
}
