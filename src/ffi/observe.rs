//! Watching a connection: the info callback (`SSL_CB_*`), the message callback (raw handshake
//! messages, alerts, ChangeCipherSpec and record headers, with OpenSSL's arguments), the NSS key
//! log callback, and the plain-words diagnosis of a failed handshake (`SSL_get_failure_*`).
//!
//! The core records events while it runs; [`dispatch`] turns them into callbacks between calls
//! into the core, so a callback may call back into the library for the same `SSL`.

use super::ctx::SSL_CTX;
use super::guard;
use super::ssl::SSL;
use super::state::{state_of_step, OSSL_HANDSHAKE_STATE, TLS_ST_BEFORE, TLS_ST_OK, TLS_ST_UNKNOWN};
use super::{try_ref, with_mut, with_ref};
use crate::conn::{Connection, Role};
use crate::diagnosis::{Cause, Diagnosis, OfferSummary};
use crate::events::{Direction, Event};
use crate::msgs::enums::ProtocolVersion;
use std::ffi::{c_char, c_int, c_void, CString};

pub const SSL_ST_CONNECT: c_int = 0x1000;
pub const SSL_ST_ACCEPT: c_int = 0x2000;
pub const SSL_CB_LOOP: c_int = 0x01;
pub const SSL_CB_EXIT: c_int = 0x02;
pub const SSL_CB_READ: c_int = 0x04;
pub const SSL_CB_WRITE: c_int = 0x08;
pub const SSL_CB_ALERT: c_int = 0x4000;
pub const SSL_CB_READ_ALERT: c_int = 0x4004;
pub const SSL_CB_WRITE_ALERT: c_int = 0x4008;
pub const SSL_CB_ACCEPT_LOOP: c_int = 0x2001;
pub const SSL_CB_ACCEPT_EXIT: c_int = 0x2002;
pub const SSL_CB_CONNECT_LOOP: c_int = 0x1001;
pub const SSL_CB_CONNECT_EXIT: c_int = 0x1002;
pub const SSL_CB_HANDSHAKE_START: c_int = 0x10;
pub const SSL_CB_HANDSHAKE_DONE: c_int = 0x20;

/// Content types the message callback sees besides the record types.
pub const SSL3_RT_CHANGE_CIPHER_SPEC: c_int = 20;
pub const SSL3_RT_ALERT: c_int = 21;
pub const SSL3_RT_HANDSHAKE: c_int = 22;
pub const SSL3_RT_APPLICATION_DATA: c_int = 23;
/// A record header (5 bytes), reported with version 0.
pub const SSL3_RT_HEADER: c_int = 0x100;
/// The true content type of a protected TLS 1.3 record (1 byte).
pub const SSL3_RT_INNER_CONTENT_TYPE: c_int = 0x101;

/// `SSL_get_failure_cause`: why the last handshake failed (0: it did not).
pub const SSL_FAILURE_NONE: c_int = 0;
pub const SSL_FAILURE_NO_COMMON_VERSION: c_int = 1;
pub const SSL_FAILURE_NO_COMMON_CIPHER_SUITE: c_int = 2;
pub const SSL_FAILURE_NO_COMMON_GROUP: c_int = 3;
pub const SSL_FAILURE_CERTIFICATE_EXPIRED: c_int = 4;
pub const SSL_FAILURE_CERTIFICATE_NOT_YET_VALID: c_int = 5;
pub const SSL_FAILURE_CERTIFICATE_NAME_MISMATCH: c_int = 6;
pub const SSL_FAILURE_CERTIFICATE_UNKNOWN_ISSUER: c_int = 7;
pub const SSL_FAILURE_CERTIFICATE_INVALID: c_int = 8;
pub const SSL_FAILURE_PEER_REJECTED_HELLO: c_int = 9;
pub const SSL_FAILURE_PEER_REJECTED_CERTIFICATE: c_int = 10;
pub const SSL_FAILURE_CERTIFICATE_REQUIRED: c_int = 11;
pub const SSL_FAILURE_PEER_ALERT: c_int = 12;
pub const SSL_FAILURE_CLOSED_BEFORE_HELLO: c_int = 13;
pub const SSL_FAILURE_CLOSED_DURING_HANDSHAKE: c_int = 14;
pub const SSL_FAILURE_NOT_TLS: c_int = 15;
pub const SSL_FAILURE_IO_ERROR: c_int = 16;
pub const SSL_FAILURE_PROTOCOL_VIOLATION: c_int = 17;
pub const SSL_FAILURE_INTERCEPTION: c_int = 18;
pub const SSL_FAILURE_LOCAL_PROBLEM: c_int = 19;

/// `SSL_get_failure_offer`: whose offer, and which list.
pub const SSL_FAILURE_OURS: c_int = 0;
pub const SSL_FAILURE_PEERS: c_int = 1;
pub const SSL_FAILURE_VERSIONS: c_int = 0;
pub const SSL_FAILURE_CIPHER_SUITES: c_int = 1;
pub const SSL_FAILURE_GROUPS: c_int = 2;

/// `SSL_CTX_set_info_callback`'s callback: `where` is a set of `SSL_CB_*` bits, `ret` the
/// alert (`(level << 8) | description`) for `SSL_CB_ALERT`, the call's result for
/// `SSL_CB_EXIT`, else 1.
pub type SSL_info_cb = Option<unsafe extern "C" fn(ssl: *const SSL, where_: c_int, ret: c_int)>;

/// `SSL_CTX_set_msg_callback`'s callback, with OpenSSL's arguments: `write_p` 1 for what we
/// send, `version` the protocol version (0 for `SSL3_RT_HEADER`), `content_type` the record
/// type or `SSL3_RT_HEADER` / `SSL3_RT_INNER_CONTENT_TYPE`, and the bytes.
pub type SSL_msg_cb = Option<
    unsafe extern "C" fn(
        write_p: c_int,
        version: c_int,
        content_type: c_int,
        buf: *const c_void,
        len: usize,
        ssl: *mut SSL,
        arg: *mut c_void,
    ),
>;

/// `SSL_CTX_set_keylog_callback`'s callback: one NSS key log line, without a newline.
pub type SSL_keylog_cb = Option<unsafe extern "C" fn(ssl: *const SSL, line: *const c_char)>;

/// The context's observers, copied into each connection's dispatch.
#[derive(Clone, Copy, Default)]
pub(crate) struct CtxObservers {
    info: SSL_info_cb,
    msg: SSL_msg_cb,
    /// The message callback's argument, kept as an address so the context stays `Send`.
    msg_arg: usize,
    keylog: SSL_keylog_cb,
}

/// A connection's own observers (overriding the context's) and its diagnosis strings.
#[derive(Default)]
pub(crate) struct SslObservers {
    info: Option<SSL_info_cb>,
    msg: Option<SSL_msg_cb>,
    msg_arg: Option<usize>,
    /// What `SSL_state_string_long` reports while a callback runs.
    pub(crate) callback_state: Option<OSSL_HANDSHAKE_STATE>,
    /// The state OpenSSL would be in, for the info callback's LOOP and EXIT calls.
    current_state: Option<OSSL_HANDSHAKE_STATE>,
    /// Boxed: made only when the application asks why a handshake failed, it would otherwise
    /// take some 370 bytes in every connection.
    diagnosis: Option<Box<DiagnosisCache>>,
}

impl SslObservers {
    /// Forgets the diagnosis strings: the connection is about to change.
    pub(crate) fn invalidate(&mut self) {
        self.diagnosis = None;
    }

    /// Starts over for `SSL_clear`.
    pub(crate) fn reset(&mut self) {
        self.callback_state = None;
        self.current_state = None;
        self.diagnosis = None;
    }
}

struct Effective {
    info: SSL_info_cb,
    msg: SSL_msg_cb,
    msg_arg: usize,
    keylog: SSL_keylog_cb,
}

fn effective(ssl: &SSL) -> Effective {
    let ctx = ssl.ctx_observers();
    let own = &ssl.observers;
    Effective {
        info: own.info.unwrap_or(ctx.info),
        msg: own.msg.unwrap_or(ctx.msg),
        msg_arg: own.msg_arg.unwrap_or(ctx.msg_arg),
        keylog: ctx.keylog,
    }
}

/// Which events a new connection must record: (protocol events, secrets).
pub(crate) fn wanted_events(ssl: &SSL) -> (bool, bool) {
    let e = effective(ssl);
    (e.info.is_some() || e.msg.is_some(), e.keylog.is_some())
}

fn loop_where(role: Role) -> c_int {
    match role {
        Role::Client => SSL_CB_CONNECT_LOOP,
        Role::Server => SSL_CB_ACCEPT_LOOP,
    }
}

/// Calls the info callback with `state` visible to `SSL_state_string_long`.
///
/// # Safety
/// `ssl` is a live SSL; the callback may re-enter the library with it.
unsafe fn call_info(
    ssl: *mut SSL,
    cb: SSL_info_cb,
    state: OSSL_HANDSHAKE_STATE,
    where_: c_int,
    ret: c_int,
) {
    let Some(cb) = cb else { return };
    // SAFETY: live SSL; no Rust borrow of it is held across the callback.
    unsafe { (*ssl).observers.callback_state = Some(state) };
    // SAFETY: the application's callback, called as OpenSSL calls it.
    unsafe { cb(ssl, where_, ret) };
    // SAFETY: as above.
    unsafe { (*ssl).observers.callback_state = None };
}

/// Delivers the connection's recorded events to the application's callbacks.
///
/// # Safety
/// `ssl` is a live SSL owning `events`' connection; no Rust reference to it may be in use
/// across this call except through `ssl` itself.
pub(crate) unsafe fn dispatch(ssl: *mut SSL, events: Vec<Event>) {
    if events.is_empty() {
        return;
    }
    // SAFETY: live SSL (caller's contract).
    let (eff, role, version) = unsafe {
        let s = &*ssl;
        let conn = s.connection();
        (
            effective(s),
            conn.map_or(Role::Client, Connection::role),
            conn.and_then(|c| c.negotiated().version),
        )
    };
    let version = version.unwrap_or(ProtocolVersion::TLSV1_3).0 as c_int;
    for event in events {
        // SAFETY: live SSL; the state only changes between callbacks.
        let state = unsafe { (*ssl).observers.current_state.unwrap_or(TLS_ST_BEFORE) };
        match &event {
            Event::HandshakeStart => {
                // SAFETY: see call_info.
                unsafe {
                    (*ssl).observers.current_state = Some(TLS_ST_BEFORE);
                    call_info(ssl, eff.info, TLS_ST_BEFORE, SSL_CB_HANDSHAKE_START, 1);
                    call_info(ssl, eff.info, TLS_ST_BEFORE, loop_where(role), 1);
                }
            }
            Event::Step(step) => {
                let state = state_of_step(role, *step).unwrap_or(TLS_ST_UNKNOWN);
                // SAFETY: see call_info.
                unsafe {
                    (*ssl).observers.current_state = Some(state);
                    call_info(ssl, eff.info, state, loop_where(role), 1);
                }
            }
            Event::HandshakeDone => {
                // SAFETY: see call_info.
                unsafe {
                    (*ssl).observers.current_state = Some(TLS_ST_OK);
                    call_info(ssl, eff.info, TLS_ST_OK, SSL_CB_HANDSHAKE_DONE, 1);
                }
            }
            Event::Alert {
                direction,
                level,
                description,
            } => {
                let where_ = match direction {
                    Direction::Sent => SSL_CB_WRITE_ALERT,
                    Direction::Received => SSL_CB_READ_ALERT,
                };
                let value = (c_int::from(level.0) << 8) | c_int::from(description.0);
                // SAFETY: see call_info.
                unsafe { call_info(ssl, eff.info, state, where_, value) };
                let bytes = [level.0, description.0];
                // SAFETY: see call_msg.
                unsafe { call_msg(ssl, &eff, *direction, version, SSL3_RT_ALERT, &bytes) };
            }
            Event::RecordHeader { direction, header } => {
                // SAFETY: see call_msg.
                unsafe { call_msg(ssl, &eff, *direction, 0, SSL3_RT_HEADER, header) };
            }
            Event::InnerContentType {
                direction,
                content_type,
            } => {
                let byte = [content_type.0];
                // SAFETY: see call_msg.
                unsafe {
                    call_msg(
                        ssl,
                        &eff,
                        *direction,
                        version,
                        SSL3_RT_INNER_CONTENT_TYPE,
                        &byte,
                    )
                };
            }
            Event::Handshake { direction, encoded } => {
                // SAFETY: see call_msg.
                unsafe { call_msg(ssl, &eff, *direction, version, SSL3_RT_HANDSHAKE, encoded) };
            }
            Event::ChangeCipherSpec { direction } => {
                // SAFETY: see call_msg.
                unsafe {
                    call_msg(
                        ssl,
                        &eff,
                        *direction,
                        version,
                        SSL3_RT_CHANGE_CIPHER_SPEC,
                        &[1],
                    )
                };
            }
            Event::Secret { .. } => {
                if let (Some(cb), Some(line)) = (eff.keylog, event.keylog_line()) {
                    let line = CString::new(line).expect("hex has no NUL");
                    // SAFETY: the application's callback with a NUL-terminated line that lives
                    // for the call.
                    unsafe { cb(ssl, line.as_ptr()) };
                    crate::crypto::secret::zeroize(&mut line.into_bytes());
                }
            }
        }
    }
}

/// # Safety
/// `ssl` is live; the callback may re-enter the library with it.
unsafe fn call_msg(
    ssl: *mut SSL,
    eff: &Effective,
    direction: Direction,
    version: c_int,
    content_type: c_int,
    bytes: &[u8],
) {
    let Some(cb) = eff.msg else { return };
    let write_p = c_int::from(direction == Direction::Sent);
    // SAFETY: the application's callback; the bytes live for the call.
    unsafe {
        cb(
            write_p,
            version,
            content_type,
            bytes.as_ptr() as *const c_void,
            bytes.len(),
            ssl,
            eff.msg_arg as *mut c_void,
        )
    };
}

/// The info callback's `SSL_CB_*_EXIT` at the end of a handshake call.
///
/// # Safety
/// `ssl` is live; the callback may re-enter the library with it.
pub(crate) unsafe fn exit(ssl: *mut SSL, ret: c_int) {
    // SAFETY: live SSL (caller's contract).
    let (info, role, state) = unsafe {
        let s = &*ssl;
        (
            effective(s).info,
            s.connection().map_or(Role::Client, Connection::role),
            s.observers.current_state.unwrap_or(TLS_ST_BEFORE),
        )
    };
    let where_ = match role {
        Role::Client => SSL_CB_CONNECT_EXIT,
        Role::Server => SSL_CB_ACCEPT_EXIT,
    };
    // SAFETY: see call_info.
    unsafe { call_info(ssl, info, state, where_, ret) };
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_info_callback(ctx: *mut SSL_CTX, callback: SSL_info_cb) {
    guard((), || {
        // SAFETY: see try_ref.
        if let Some(c) = unsafe { try_ref(ctx) } {
            c.read().observers.info = callback;
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_info_callback(ctx: *const SSL_CTX) -> SSL_info_cb {
    guard(None, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.and_then(|c| c.read().observers.info)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_msg_callback(ctx: *mut SSL_CTX, callback: SSL_msg_cb) {
    guard((), || {
        // SAFETY: see try_ref.
        if let Some(c) = unsafe { try_ref(ctx) } {
            c.read().observers.msg = callback;
        }
    })
}

/// The `arg` the message callback receives (a macro over `SSL_CTX_ctrl` in OpenSSL).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_msg_callback_arg(ctx: *mut SSL_CTX, arg: *mut c_void) {
    guard((), || {
        // SAFETY: see try_ref.
        if let Some(c) = unsafe { try_ref(ctx) } {
            c.read().observers.msg_arg = arg as usize;
        }
    })
}

/// Receives the NSS key log lines (`CLIENT_RANDOM` for TLS 1.2; the handshake and traffic
/// secrets and `EXPORTER_SECRET` for TLS 1.3) of the context's connections, for Wireshark.
/// The library never writes `SSLKEYLOGFILE` by itself.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_keylog_callback(ctx: *mut SSL_CTX, callback: SSL_keylog_cb) {
    guard((), || {
        // SAFETY: see try_ref.
        if let Some(c) = unsafe { try_ref(ctx) } {
            c.read().observers.keylog = callback;
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_keylog_callback(ctx: *const SSL_CTX) -> SSL_keylog_cb {
    guard(None, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.and_then(|c| c.read().observers.keylog)
    })
}

/// This connection's info callback, overriding the context's (NULL falls back to it).
#[no_mangle]
pub unsafe extern "C" fn SSL_set_info_callback(ssl: *mut SSL, callback: SSL_info_cb) {
    with_mut(ssl, (), |s| {
        s.observers.info = callback.map(Some);
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_info_callback(ssl: *const SSL) -> SSL_info_cb {
    with_ref(ssl, None, |s| effective(s).info)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_msg_callback(ssl: *mut SSL, callback: SSL_msg_cb) {
    with_mut(ssl, (), |s| s.observers.msg = Some(callback))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_msg_callback_arg(ssl: *mut SSL, arg: *mut c_void) {
    with_mut(ssl, (), |s| s.observers.msg_arg = Some(arg as usize))
}

/// The diagnosis of the last failed handshake and the C strings handed out for it; both live
/// until the connection changes (the next I/O call on the SSL, `SSL_clear` or `SSL_free`).
struct DiagnosisCache {
    diagnosis: Option<Diagnosis>,
    strings: Vec<CString>,
}

impl DiagnosisCache {
    /// The C string for `s`: the one handed out before when the text is the same, so asking
    /// again allocates nothing (a diagnosis has a handful of distinct strings).
    fn keep(&mut self, s: String) -> *const c_char {
        let text = s.replace('\0', " ");
        if let Some(kept) = self
            .strings
            .iter()
            .find(|c| c.as_bytes() == text.as_bytes())
        {
            return kept.as_ptr();
        }
        let c = CString::new(text).unwrap_or_default();
        let p = c.as_ptr();
        self.strings.push(c);
        p
    }
}

/// Runs `f` on the SSL's diagnosis, made on first use after the connection last changed.
fn with_diagnosis<T: Copy>(
    ssl: *const SSL,
    fail: T,
    f: impl FnOnce(&Diagnosis, &mut DiagnosisCache) -> T,
) -> T {
    with_mut(ssl as *mut SSL, fail, |s| {
        if s.observers.diagnosis.is_none() {
            let diagnosis = s.connection().and_then(Connection::diagnosis);
            s.observers.diagnosis = Some(Box::new(DiagnosisCache {
                diagnosis,
                strings: Vec::new(),
            }));
        }
        let cache = s.observers.diagnosis.as_mut().expect("made above");
        match cache.diagnosis.take() {
            Some(d) => {
                let r = f(&d, cache);
                cache.diagnosis = Some(d);
                r
            }
            None => fail,
        }
    })
}

fn cause_code(cause: Cause) -> c_int {
    cause as c_int
}

/// Why the last handshake on `ssl` failed, in plain words with the evidence: which of the usual
/// causes (no common version or cipher suite, a wrong clock, interception, an invalid
/// certificate, a peer that refused us, no TLS server) and what each side offered or sent.
/// NULL when the handshake has not failed. The string lives until the next I/O call on `ssl`.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_failure_diagnosis(ssl: *const SSL) -> *const c_char {
    with_diagnosis(ssl, std::ptr::null(), |d, cache| cache.keep(d.text.clone()))
}

/// The cause of the last failed handshake as an `SSL_FAILURE_*` code; `SSL_FAILURE_NONE` when
/// it has not failed.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_failure_cause(ssl: *const SSL) -> c_int {
    with_diagnosis(ssl, SSL_FAILURE_NONE, |d, _| cause_code(d.cause))
}

/// A stable name for an `SSL_FAILURE_*` code ("no_common_version", ...); "none" for 0 and
/// "unknown" for other values.
#[no_mangle]
pub extern "C" fn SSL_failure_cause_name(cause: c_int) -> *const c_char {
    use std::sync::OnceLock;
    static NAMES: OnceLock<Vec<(c_int, CString)>> = OnceLock::new();
    guard(c"unknown".as_ptr(), || {
        if cause == SSL_FAILURE_NONE {
            return c"none".as_ptr();
        }
        let names = NAMES.get_or_init(|| {
            Cause::ALL
                .iter()
                .map(|c| (cause_code(*c), CString::new(c.name()).expect("no NUL")))
                .collect()
        });
        names
            .iter()
            .find(|(code, _)| *code == cause)
            .map_or(c"unknown".as_ptr(), |(_, name)| name.as_ptr())
    })
}

/// The alert we sent because of the failure, or -1.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_failure_alert_sent(ssl: *const SSL) -> c_int {
    with_diagnosis(ssl, -1, |d, _| {
        d.alert_sent.map_or(-1, |a| c_int::from(a.0))
    })
}

/// The fatal alert the peer sent, or -1.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_failure_alert_received(ssl: *const SSL) -> c_int {
    with_diagnosis(ssl, -1, |d, _| {
        d.alert_received.map_or(-1, |a| c_int::from(a.0))
    })
}

/// The handshake step where it failed (e.g. "TLS client read server hello"), or NULL.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_failure_step(ssl: *const SSL) -> *const c_char {
    with_diagnosis(ssl, std::ptr::null(), |d, cache| {
        cache.keep(d.step.to_string())
    })
}

fn offer_list(offer: &OfferSummary, what: c_int) -> Option<String> {
    let items: Vec<String> = match what {
        SSL_FAILURE_VERSIONS => offer
            .versions
            .iter()
            .map(|v| crate::diagnosis::version_name(*v))
            .collect(),
        SSL_FAILURE_CIPHER_SUITES => offer
            .suites
            .iter()
            .map(|s| {
                crate::suites::lookup(*s).map_or_else(
                    || format!("0x{:04X}", s.0),
                    |info| info.openssl_name.to_string(),
                )
            })
            .collect(),
        SSL_FAILURE_GROUPS => offer
            .groups
            .iter()
            .map(|g| crate::config::group_name(*g).to_string())
            .collect(),
        _ => return None,
    };
    Some(items.join(":"))
}

/// What one side put forward, colon separated: `whose` is `SSL_FAILURE_OURS` or
/// `SSL_FAILURE_PEERS`, `what` one of `SSL_FAILURE_VERSIONS`, `SSL_FAILURE_CIPHER_SUITES`,
/// `SSL_FAILURE_GROUPS`. NULL when not known (a client never sees the server's lists).
#[no_mangle]
pub unsafe extern "C" fn SSL_get_failure_offer(
    ssl: *const SSL,
    whose: c_int,
    what: c_int,
) -> *const c_char {
    with_diagnosis(ssl, std::ptr::null(), |d, cache| {
        let offer = match whose {
            SSL_FAILURE_OURS => d.our_offer.as_ref(),
            SSL_FAILURE_PEERS => d.peer_offer.as_ref(),
            _ => None,
        };
        match offer.and_then(|o| offer_list(o, what)) {
            Some(s) => cache.keep(s),
            None => std::ptr::null(),
        }
    })
}

/// The subject (RFC 2253) of the certificate a verification failure concerns, or NULL.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_failure_cert_subject(ssl: *const SSL) -> *const c_char {
    with_diagnosis(ssl, std::ptr::null(), |d, cache| match &d.certificate {
        Some(c) => cache.keep(c.subject.clone()),
        None => std::ptr::null(),
    })
}

/// The issuer (RFC 2253) of the certificate a verification failure concerns, or NULL.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_failure_cert_issuer(ssl: *const SSL) -> *const c_char {
    with_diagnosis(ssl, std::ptr::null(), |d, cache| match &d.certificate {
        Some(c) => cache.keep(c.issuer.clone()),
        None => std::ptr::null(),
    })
}

/// That certificate's notBefore in seconds since the epoch, or 0.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_failure_cert_not_before(ssl: *const SSL) -> i64 {
    with_diagnosis(ssl, 0, |d, _| {
        d.certificate.as_ref().map_or(0, |c| c.not_before)
    })
}

/// That certificate's notAfter in seconds since the epoch, or 0.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_failure_cert_not_after(ssl: *const SSL) -> i64 {
    with_diagnosis(ssl, 0, |d, _| {
        d.certificate.as_ref().map_or(0, |c| c.not_after)
    })
}

/// The name a client expected in the server's certificate, or NULL.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_failure_expected_name(ssl: *const SSL) -> *const c_char {
    with_diagnosis(ssl, std::ptr::null(), |d, cache| match &d.expected_name {
        Some(n) => cache.keep(n.clone()),
        None => std::ptr::null(),
    })
}

/// The errno of a transport failure behind `SSL_FAILURE_IO_ERROR`, else 0.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_failure_errno(ssl: *const SSL) -> c_int {
    with_diagnosis(ssl, 0, |d, _| d.os_error.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cause_codes_match_the_core() {
        assert_eq!(
            cause_code(Cause::NoCommonVersion),
            SSL_FAILURE_NO_COMMON_VERSION
        );
        assert_eq!(cause_code(Cause::LocalProblem), SSL_FAILURE_LOCAL_PROBLEM);
        assert_eq!(
            cause_code(Cause::CertificateUnknownIssuer),
            SSL_FAILURE_CERTIFICATE_UNKNOWN_ISSUER
        );
        assert_eq!(cause_code(Cause::Interception), SSL_FAILURE_INTERCEPTION);
        for (i, c) in Cause::ALL.iter().enumerate() {
            assert_eq!(cause_code(*c), i as c_int + 1);
        }
    }

    #[test]
    fn asking_again_hands_out_the_same_string() {
        let mut cache = DiagnosisCache {
            diagnosis: None,
            strings: Vec::new(),
        };
        let first = cache.keep("no common version".to_string());
        let other = cache.keep("TLS client read server hello".to_string());
        for _ in 0..1000 {
            assert_eq!(cache.keep("no common version".to_string()), first);
            assert_eq!(
                cache.keep("TLS client read server hello".to_string()),
                other
            );
        }
        assert_ne!(first, other);
        assert_eq!(cache.strings.len(), 2);
    }

    #[test]
    fn cause_names() {
        let name = |c| {
            // SAFETY: static strings.
            unsafe { std::ffi::CStr::from_ptr(SSL_failure_cause_name(c)) }
                .to_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(name(0), "none");
        assert_eq!(
            name(SSL_FAILURE_NO_COMMON_CIPHER_SUITE),
            "no_common_cipher_suite"
        );
        assert_eq!(name(999), "unknown");
    }
}
