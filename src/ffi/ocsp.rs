//! OCSP stapling (RFC 6066 8, RFC 8446 4.4.2.1) with OpenSSL's API: the status callback (one
//! per context, called in both roles), the status type a client asks for, and the response
//! buffer (set by a server, received by a client). OpenSSL spells these as macros over
//! `SSL_ctrl`, `SSL_CTX_ctrl` and `SSL_CTX_callback_ctrl`; here they are functions, and the
//! `SSL_CTRL_*` commands (feature macros for programs) reach the same code (src/ffi/compat.rs).
//! Reading a response (`d2i_OCSP_RESPONSE`, `OCSP_resp_find_status`, `OCSP_basic_verify`,
//! `OCSP_check_validity`, ...) is aws-lc's libcrypto, which libtls exports.

use super::ctx::SSL_CTX;
use super::ssl::SSL;
use super::{with_mut, with_ref};
use crate::config::{Config, StapleDecision, StatusVerdict};
use crate::conn::Role;
use crate::error::{Error, Reason};
use crate::handshake::ocsp::MAX_OCSP_RESPONSE_LEN;
use std::ffi::{c_int, c_long, c_uchar, c_void};
use std::sync::Arc;

pub const SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB: c_int = 63;
pub const SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB_ARG: c_int = 64;
pub const SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE: c_int = 65;
pub const SSL_CTRL_GET_TLSEXT_STATUS_REQ_OCSP_RESP: c_int = 70;
pub const SSL_CTRL_SET_TLSEXT_STATUS_REQ_OCSP_RESP: c_int = 71;
pub const SSL_CTRL_GET_TLSEXT_STATUS_REQ_TYPE: c_int = 127;
pub const SSL_CTRL_GET_TLSEXT_STATUS_REQ_CB: c_int = 128;
pub const SSL_CTRL_GET_TLSEXT_STATUS_REQ_CB_ARG: c_int = 129;

/// The status type of OCSP (RFC 6066 8); `SSL_set_tlsext_status_type` takes it.
pub const TLSEXT_STATUSTYPE_ocsp: c_int = 1;
/// No status requested (what `SSL_get_tlsext_status_type` reports by default).
pub const TLSEXT_STATUSTYPE_nothing: c_int = -1;
/// The status_request extension's code point (RFC 6066).
pub const TLSEXT_TYPE_status_request: c_int = 5;

/// The status callback (`SSL_CTX_set_tlsext_status_cb`). On a server it runs on full
/// handshakes whose client asked for a response, once the certificate is chosen: it sets the
/// response with `SSL_set_tlsext_status_ocsp_resp` and returns `SSL_TLSEXT_ERR_OK` (staple it,
/// if one is set), `SSL_TLSEXT_ERR_NOACK` (staple nothing) or `SSL_TLSEXT_ERR_ALERT_FATAL` (end
/// the handshake). On a client that asked for stapling it runs once the server's certificate is
/// verified, reads the response with `SSL_get_tlsext_status_ocsp_resp`, and returns 1 to go
/// on, 0 to fail with `bad_certificate_status_response`, or a negative value for an internal
/// error.
pub type SSL_CTX_tlsext_status_cb = Option<unsafe extern "C" fn(*mut SSL, *mut c_void) -> c_int>;

/// A context's stapling settings.
#[derive(Clone, Copy)]
pub(crate) struct CtxOcsp {
    callback: SSL_CTX_tlsext_status_cb,
    /// The callback's `arg`, kept as an address: the library never dereferences it.
    arg: usize,
    /// Copied into each new SSL (`SSL_CTX_set_tlsext_status_type`).
    status_type: c_int,
}

impl Default for CtxOcsp {
    fn default() -> Self {
        CtxOcsp {
            callback: None,
            arg: 0,
            status_type: TLSEXT_STATUSTYPE_nothing,
        }
    }
}

/// An `OPENSSL_malloc`'d response handed over by `SSL_set_tlsext_status_ocsp_resp`; freed with
/// `OPENSSL_free` (aws-lc's, which libtls exports) when replaced or with the SSL.
struct OwnedResponse {
    ptr: *mut c_uchar,
    len: usize,
}

impl OwnedResponse {
    fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` holds `len` bytes owned by this object (checked non-NULL when taken).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for OwnedResponse {
    fn drop(&mut self) {
        // SAFETY: the caller allocated the buffer with OPENSSL_malloc and gave it to us.
        unsafe { aws_lc_sys::OPENSSL_free(self.ptr.cast()) }
    }
}

/// One connection's stapling settings and the response a server staples.
pub(crate) struct SslOcsp {
    status_type: c_int,
    response: Option<OwnedResponse>,
}

impl SslOcsp {
    /// What `SSL_new` gives a connection of `ctx`.
    pub(crate) fn new(ctx: &SSL_CTX) -> Self {
        SslOcsp {
            status_type: ctx.read().ocsp.status_type,
            response: None,
        }
    }

    /// Whether [`install`] changes anything (else the context's snapshot serves as it is).
    pub(crate) fn needs_wrapping(&self, ctx: &CtxOcsp) -> bool {
        ctx.callback.is_some() || self.status_type == TLSEXT_STATUSTYPE_ocsp
    }
}

/// Puts one connection's stapling settings and the context's callback into its configuration.
/// `ssl_addr` is the SSL's fixed address, which the callbacks receive.
pub(crate) fn install(c: &mut Config, ssl: &SslOcsp, ctx: &CtxOcsp, ssl_addr: usize) {
    c.request_ocsp = ssl.status_type == TLSEXT_STATUSTYPE_ocsp;
    let Some(callback) = ctx.callback else {
        return;
    };
    let arg = ctx.arg;
    c.staple = Some(Arc::new(move || {
        call_server_cb(callback, arg, ssl_addr as *mut SSL)
    }));
    c.status_check = Some(Arc::new(move |response: Option<&[u8]>| {
        call_client_cb(callback, arg, ssl_addr as *mut SSL, response)
    }));
}

fn call_server_cb(
    callback: unsafe extern "C" fn(*mut SSL, *mut c_void) -> c_int,
    arg: usize,
    ssl: *mut SSL,
) -> StapleDecision {
    // SAFETY: the application's callback with the SSL being driven and its own argument.
    let answer = unsafe { callback(ssl, arg as *mut c_void) };
    match answer {
        super::consts::SSL_TLSEXT_ERR_OK => {
            // SAFETY: the SSL outlives its handshake; only its stapling field is read.
            match unsafe { &(*ssl).ocsp.response } {
                Some(r) => StapleDecision::Staple(r.bytes().to_vec()),
                None => StapleDecision::NoAck,
            }
        }
        super::consts::SSL_TLSEXT_ERR_NOACK => StapleDecision::NoAck,
        _ => StapleDecision::Fatal,
    }
}

fn call_client_cb(
    callback: unsafe extern "C" fn(*mut SSL, *mut c_void) -> c_int,
    arg: usize,
    ssl: *mut SSL,
    response: Option<&[u8]>,
) -> StatusVerdict {
    // SAFETY: the application's callback with the SSL being driven and its own argument.
    let answer = unsafe { callback(ssl, arg as *mut c_void) };
    match answer {
        n if n > 0 => StatusVerdict::Accept,
        0 => StatusVerdict::Reject(match response {
            Some(der) => format!(
                "the OCSP status callback rejected the server's stapled OCSP response, which \
                 says {}",
                describe_response(der)
            ),
            None => "the OCSP status callback rejected the handshake: the server stapled no \
                     OCSP response"
                .to_string(),
        }),
        _ => StatusVerdict::Failed,
    }
}

/// What an OCSP response says about its certificates, in plain words, read with aws-lc:
/// "the certificate is revoked (since 2026-01-02, reason keyCompromise)", "the certificate is
/// good", "the responder's status tryLater", "nothing readable".
pub(crate) fn describe_response(der: &[u8]) -> String {
    let Ok(len) = std::ffi::c_long::try_from(der.len()) else {
        return "nothing readable (too long)".to_string();
    };
    let mut p = der.as_ptr();
    // SAFETY: `p` points at `len` readable bytes; aws-lc returns a new object or NULL.
    let resp = unsafe { aws_lc_sys::d2i_OCSP_RESPONSE(std::ptr::null_mut(), &mut p, len) };
    if resp.is_null() {
        return "nothing readable (not a DER OCSP response)".to_string();
    }
    // SAFETY: `resp` is live until freed below; every object read from it is too.
    let text = unsafe {
        let status = aws_lc_sys::OCSP_response_status(resp);
        if status != 0 {
            let name =
                std::ffi::CStr::from_ptr(aws_lc_sys::OCSP_response_status_str(status as c_long));
            format!("the responder's status {}", name.to_string_lossy())
        } else {
            let basic = aws_lc_sys::OCSP_response_get1_basic(resp);
            let text = if basic.is_null() {
                "nothing readable (no basic response)".to_string()
            } else {
                let count = aws_lc_sys::OCSP_resp_count(basic).max(0) as usize;
                let mut worst: Option<String> = None;
                for idx in 0..count {
                    let single = aws_lc_sys::OCSP_resp_get0(basic, idx);
                    if single.is_null() {
                        continue;
                    }
                    let mut reason: c_int = -1;
                    let mut revoked_at = std::ptr::null_mut();
                    let cert_status = aws_lc_sys::OCSP_single_get0_status(
                        single,
                        &mut reason,
                        &mut revoked_at,
                        std::ptr::null_mut(),
                        std::ptr::null_mut(),
                    );
                    let words = match cert_status {
                        0 => "the certificate is good".to_string(),
                        1 => format!(
                            "the certificate is revoked{}",
                            revocation_details(revoked_at, reason)
                        ),
                        _ => "the certificate's status is unknown to the responder".to_string(),
                    };
                    // A revocation outweighs everything; unknown outweighs good.
                    let rank = |w: &str| {
                        if w.contains("revoked") {
                            2
                        } else if w.contains("unknown") {
                            1
                        } else {
                            0
                        }
                    };
                    if worst.as_deref().is_none_or(|w| rank(&words) > rank(w)) {
                        worst = Some(words);
                    }
                }
                aws_lc_sys::OCSP_BASICRESP_free(basic);
                worst.unwrap_or_else(|| "nothing about any certificate".to_string())
            };
            text
        }
    };
    // SAFETY: made by d2i above, freed once.
    unsafe { aws_lc_sys::OCSP_RESPONSE_free(resp) };
    text
}

/// " (since 2026-01-02, reason keyCompromise)".
///
/// # Safety
/// `at` is NULL or a live ASN1_GENERALIZEDTIME.
unsafe fn revocation_details(at: *mut aws_lc_sys::ASN1_GENERALIZEDTIME, reason: c_int) -> String {
    let mut parts = Vec::new();
    if !at.is_null() {
        // SAFETY: an all-zero tm is valid; `at` is live (caller's contract).
        let mut tm: aws_lc_sys::tm = unsafe { std::mem::zeroed() };
        if unsafe { aws_lc_sys::ASN1_TIME_to_tm(at, &mut tm) } == 1 {
            parts.push(format!(
                "since {:04}-{:02}-{:02}",
                tm.tm_year + 1900,
                tm.tm_mon + 1,
                tm.tm_mday
            ));
        }
    }
    if reason >= 0 {
        // SAFETY: aws-lc returns a static string for any code.
        let name =
            unsafe { std::ffi::CStr::from_ptr(aws_lc_sys::OCSP_crl_reason_str(reason as c_long)) };
        parts.push(format!("reason {}", name.to_string_lossy()));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// Sets the status callback of `ctx` (see `SSL_CTX_tlsext_status_cb` for both roles); NULL
/// removes it. Returns 1. Connections use the callback of their context at handshake time.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_tlsext_status_cb(
    ctx: *mut SSL_CTX,
    cb: SSL_CTX_tlsext_status_cb,
) -> c_long {
    with_ref(ctx, 0, |c| {
        c.edit().ocsp.callback = cb;
        1
    })
}

/// Stores the status callback of `ctx` in `*cb` (an `int (**)(SSL *, void *)`, as OpenSSL's
/// macro takes it); returns 1.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_tlsext_status_cb(
    ctx: *mut SSL_CTX,
    cb: *mut c_void,
) -> c_long {
    with_ref(ctx, 0, |c| {
        if cb.is_null() {
            return super::null_arg("cb", 0);
        }
        let callback = c.read().ocsp.callback;
        // SAFETY: the caller passes where to store one callback pointer.
        unsafe { *cb.cast::<SSL_CTX_tlsext_status_cb>() = callback };
        1
    })
}

/// Sets the `arg` the status callback receives; returns 1.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_tlsext_status_arg(
    ctx: *mut SSL_CTX,
    arg: *mut c_void,
) -> c_long {
    with_ref(ctx, 0, |c| {
        c.edit().ocsp.arg = arg as usize;
        1
    })
}

/// Stores the status callback's `arg` in `*arg` (a `void **`); returns 1.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_tlsext_status_arg(
    ctx: *mut SSL_CTX,
    arg: *mut c_void,
) -> c_long {
    with_ref(ctx, 0, |c| {
        if arg.is_null() {
            return super::null_arg("arg", 0);
        }
        let value = c.read().ocsp.arg as *mut c_void;
        // SAFETY: the caller passes where to store one pointer.
        unsafe { *arg.cast::<*mut c_void>() = value };
        1
    })
}

fn valid_status_type(t: c_long) -> bool {
    t == TLSEXT_STATUSTYPE_ocsp as c_long || t == TLSEXT_STATUSTYPE_nothing as c_long
}

fn refuse_status_type(t: c_long) -> c_long {
    super::err::push(&Error::local(
        Reason::INVALID_ARGUMENT,
        format!("status type {t}: only TLSEXT_STATUSTYPE_ocsp (1) and -1 exist"),
    ));
    0
}

/// Makes clients of `ctx` created afterwards ask for OCSP stapling (`TLSEXT_STATUSTYPE_ocsp`)
/// or not (-1). Returns 1, or 0 for another type.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_tlsext_status_type(ctx: *mut SSL_CTX, t: c_int) -> c_long {
    with_ref(ctx, 0, |c| {
        if !valid_status_type(t.into()) {
            return refuse_status_type(t.into());
        }
        c.edit().ocsp.status_type = t;
        1
    })
}

/// `TLSEXT_STATUSTYPE_ocsp` when new clients of `ctx` ask for stapling, else -1.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_tlsext_status_type(ctx: *mut SSL_CTX) -> c_long {
    with_ref(ctx, TLSEXT_STATUSTYPE_nothing.into(), |c| {
        c.read().ocsp.status_type.into()
    })
}

/// Makes this client ask for the server's OCSP response (`TLSEXT_STATUSTYPE_ocsp`; -1: not),
/// for a handshake not yet started. Returns 1, or 0 for another type.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_tlsext_status_type(ssl: *mut SSL, t: c_long) -> c_long {
    with_mut(ssl, 0, |s| {
        if !valid_status_type(t) {
            return refuse_status_type(t);
        }
        s.ocsp.status_type = t as c_int;
        1
    })
}

/// A client: the status type it asks for (`TLSEXT_STATUSTYPE_ocsp` or -1). A server (once the
/// ClientHello is read): `TLSEXT_STATUSTYPE_ocsp` when the client asked for a response, else -1.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_tlsext_status_type(ssl: *mut SSL) -> c_long {
    with_ref(ssl, TLSEXT_STATUSTYPE_nothing.into(), |s| {
        match s.connection().filter(|c| c.role() == Role::Server) {
            Some(c) if c.negotiated().ocsp_requested => TLSEXT_STATUSTYPE_ocsp.into(),
            Some(_) => TLSEXT_STATUSTYPE_nothing.into(),
            None => s.ocsp.status_type.into(),
        }
    })
}

/// A server: the DER OCSP response to staple, `len` bytes in a buffer from `OPENSSL_malloc`,
/// which this call takes over (freed with `OPENSSL_free` when replaced or with the SSL). Called
/// from the status callback, or before the handshake. NULL or `len` 0 sets none. Returns 1; 0
/// (the buffer stays the caller's) when `len` is negative or over 2^24-1, the most a handshake
/// can carry.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_tlsext_status_ocsp_resp(
    ssl: *mut SSL,
    resp: *mut c_uchar,
    len: c_long,
) -> c_long {
    with_mut(ssl, 0, |s| {
        let Ok(n) = usize::try_from(len).map_err(|_| ()).and_then(|n| {
            if n <= MAX_OCSP_RESPONSE_LEN {
                Ok(n)
            } else {
                Err(())
            }
        }) else {
            super::err::push(&Error::local(
                Reason::DATA_LENGTH_TOO_LONG,
                format!("an OCSP response of {len} bytes (at most {MAX_OCSP_RESPONSE_LEN})"),
            ));
            return 0;
        };
        s.ocsp.response = None;
        if !resp.is_null() {
            let owned = OwnedResponse { ptr: resp, len: n };
            if n > 0 {
                s.ocsp.response = Some(owned);
            }
            // (An empty buffer is freed at once: there is nothing to staple.)
        }
        1
    })
}

/// Points `*resp` (an `unsigned char **`) at the OCSP response and returns its length, or -1
/// (and NULL) when there is none. A client: the response the server stapled (valid while the
/// SSL lives and is not cleared). A server: the one set with `SSL_set_tlsext_status_ocsp_resp`.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_tlsext_status_ocsp_resp(
    ssl: *mut SSL,
    resp: *mut c_void,
) -> c_long {
    with_ref(ssl, -1, |s| {
        let bytes: Option<&[u8]> = match s.connection().filter(|c| c.role() == Role::Client) {
            Some(c) => c.negotiated().ocsp_response.as_deref(),
            None => s.ocsp.response.as_ref().map(OwnedResponse::bytes),
        };
        if !resp.is_null() {
            let p = bytes.map_or(std::ptr::null(), <[u8]>::as_ptr);
            // SAFETY: the caller passes where to store one pointer.
            unsafe { *resp.cast::<*const u8>() = p };
        }
        bytes.map_or(-1, |b| b.len() as c_long)
    })
}

/// The `SSL_CTX_ctrl` commands of stapling (OpenSSL's macros `SSL_CTX_set_tlsext_status_arg`,
/// `SSL_CTX_get_tlsext_status_cb`, ... expand to them); 0 for other commands.
///
/// # Safety
/// As for the named functions the commands stand for.
pub(crate) unsafe fn ctx_ctrl(
    ctx: *mut SSL_CTX,
    cmd: c_int,
    larg: c_long,
    parg: *mut c_void,
) -> c_long {
    // SAFETY (each): the arguments go on to the named function, which checks them.
    unsafe {
        match cmd {
            SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB_ARG => SSL_CTX_set_tlsext_status_arg(ctx, parg),
            SSL_CTRL_GET_TLSEXT_STATUS_REQ_CB_ARG => SSL_CTX_get_tlsext_status_arg(ctx, parg),
            SSL_CTRL_GET_TLSEXT_STATUS_REQ_CB => SSL_CTX_get_tlsext_status_cb(ctx, parg),
            SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE => match c_int::try_from(larg) {
                Ok(t) => SSL_CTX_set_tlsext_status_type(ctx, t),
                Err(_) => refuse_status_type(larg),
            },
            SSL_CTRL_GET_TLSEXT_STATUS_REQ_TYPE => SSL_CTX_get_tlsext_status_type(ctx),
            _ => 0,
        }
    }
}

/// The `SSL_ctrl` commands of stapling (`SSL_set_tlsext_status_type`,
/// `SSL_get_tlsext_status_ocsp_resp`, ...); 0 for other commands.
///
/// # Safety
/// As for the named functions the commands stand for.
pub(crate) unsafe fn ssl_ctrl(
    ssl: *mut SSL,
    cmd: c_int,
    larg: c_long,
    parg: *mut c_void,
) -> c_long {
    // SAFETY (each): the arguments go on to the named function, which checks them.
    unsafe {
        match cmd {
            SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE => SSL_set_tlsext_status_type(ssl, larg),
            SSL_CTRL_GET_TLSEXT_STATUS_REQ_TYPE => SSL_get_tlsext_status_type(ssl),
            SSL_CTRL_SET_TLSEXT_STATUS_REQ_OCSP_RESP => {
                SSL_set_tlsext_status_ocsp_resp(ssl, parg.cast(), larg)
            }
            SSL_CTRL_GET_TLSEXT_STATUS_REQ_OCSP_RESP => SSL_get_tlsext_status_ocsp_resp(ssl, parg),
            _ => 0,
        }
    }
}
