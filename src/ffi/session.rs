//! Sessions in the C API: `SSL_SESSION` objects, resumption on an `SSL`, the context's session
//! cache with its callbacks and statistics, and ticket keys.

use super::ctx::SSL_CTX;
use super::ssl::SSL;
use super::{c_str, err, guard, null_arg};
use super::{try_mut, try_ref, with_ref};
use crate::config::Config;
use crate::crypto::secret::Zeroizing;
use crate::error::{Error, Reason};
use crate::session::ticket::{self, TicketKey, TicketKeyLookup, KEY_LEN, KEY_NAME_LEN};
use crate::session::{Session, SessionStats};
use std::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

// Literal values: cbindgen copies them into the header. A test ties them to the core's.

/// No session caching.
pub const SSL_SESS_CACHE_OFF: c_long = 0x0000;
/// Clients report new sessions to the new-session callback.
pub const SSL_SESS_CACHE_CLIENT: c_long = 0x0001;
/// Servers cache sessions for session-ID resumption (the default).
pub const SSL_SESS_CACHE_SERVER: c_long = 0x0002;
pub const SSL_SESS_CACHE_BOTH: c_long = 0x0003;
/// Adding a session does not first drop expired ones.
pub const SSL_SESS_CACHE_NO_AUTO_CLEAR: c_long = 0x0080;
/// The internal cache is not searched; only the get-session callback is asked.
pub const SSL_SESS_CACHE_NO_INTERNAL_LOOKUP: c_long = 0x0100;
/// New sessions go to the new-session callback only, not into the internal cache.
pub const SSL_SESS_CACHE_NO_INTERNAL_STORE: c_long = 0x0200;
pub const SSL_SESS_CACHE_NO_INTERNAL: c_long = 0x0300;

/// Length of a ticket key name and of a ticket key (`SSL_CTX_set_ticket_key_cb`).
pub const TLSEXT_KEYNAME_LENGTH: c_int = 16;
pub const LIBTLS_TICKET_KEY_LENGTH: c_int = 32;

/// A resumable session, reference counted (`SSL_SESSION_up_ref` / `SSL_SESSION_free`).
pub struct SSL_SESSION {
    refs: AtomicUsize,
    current: Mutex<Arc<Session>>,
    /// The session ID, which no setter changes, for `SSL_SESSION_get_id`: its pointer stays
    /// valid while the object lives, so a setter replaces the session without keeping the old
    /// value (and a copy of its secret) around.
    id: Box<[u8]>,
    /// The server name, which no setter changes, NUL-terminated for `SSL_SESSION_get0_hostname`.
    pub(crate) hostname: Option<std::ffi::CString>,
    /// `SSL_SESSION_set_ex_data`'s slots (src/ffi/session_ex.rs): on this object.
    pub(crate) ex: Mutex<super::exdata::CRYPTO_EX_DATA>,
}

impl super::Handle for SSL_SESSION {
    const NAME: &'static str = "SSL_SESSION";
}

impl SSL_SESSION {
    pub(crate) fn new_raw(session: Arc<Session>) -> *mut SSL_SESSION {
        let id = session.id.clone().into_boxed_slice();
        let hostname = session
            .server_name
            .as_ref()
            .and_then(|n| std::ffi::CString::new(n.as_str()).ok());
        let p = Box::into_raw(Box::new(SSL_SESSION {
            refs: AtomicUsize::new(1),
            current: Mutex::new(session),
            id,
            hostname,
            ex: Mutex::new(Default::default()),
        }));
        super::session_ex::on_new(p);
        p
    }

    pub(crate) fn get(&self) -> Arc<Session> {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the session by a changed copy. The old value is dropped here (its secret wiped
    /// with it) unless a connection or the cache still uses it; nothing keeps it for pointers
    /// handed out, which point into `id` instead.
    pub(crate) fn update(&self, change: impl FnOnce(&mut Session)) {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = (**current).clone();
        change(&mut next);
        debug_assert_eq!(*next.id, *self.id, "no setter changes the ID");
        *current = Arc::new(next);
    }

    /// Drops one reference; frees the object with the last one.
    pub(crate) unsafe fn release(p: *mut SSL_SESSION) {
        if p.is_null() {
            return;
        }
        // SAFETY: `p` is a live SSL_SESSION holding at least one reference.
        if unsafe { &*p }.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            super::session_ex::on_free(p);
            // SAFETY: the last reference; the pointer came from Box::into_raw.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

/// Called with each new session (`SSL_CTX_sess_set_new_cb`). Return 1 to keep the reference
/// the library hands over (free it later with `SSL_SESSION_free`), 0 to let the library drop it.
pub type SSL_CTX_new_session_cb =
    Option<unsafe extern "C" fn(ssl: *mut SSL, session: *mut SSL_SESSION) -> c_int>;
/// Asked for a session ID the internal cache does not hold (`SSL_CTX_sess_set_get_cb`).
/// Return the session or NULL. Set `*copy` to 1 if the application keeps its own reference
/// (the library then takes another), 0 to give its reference to the library.
pub type SSL_CTX_get_session_cb = Option<
    unsafe extern "C" fn(
        ssl: *mut SSL,
        id: *const u8,
        id_len: c_int,
        copy: *mut c_int,
    ) -> *mut SSL_SESSION,
>;
/// Told of each session leaving the internal cache (`SSL_CTX_sess_set_remove_cb`); the
/// session is only borrowed for the call.
pub type SSL_CTX_remove_session_cb =
    Option<unsafe extern "C" fn(ctx: *mut SSL_CTX, session: *mut SSL_SESSION)>;
/// libtls's ticket key callback (`SSL_CTX_set_ticket_key_cb`). libtls seals tickets itself
/// with AES-256-GCM; the application only supplies keys. With `enc` = 1 it fills `key_name`
/// (16 bytes) and `key` (32 bytes) with the key that seals a new ticket and returns 1, or
/// returns 0 to issue no ticket. With `enc` = 0, `key_name` holds the name found in a ticket:
/// it fills `key` and returns 1, or 2 to also have the ticket replaced by one under the
/// current key, or 0 (or a negative value) if the name is unknown, which means a full
/// handshake.
pub type SSL_ticket_key_cb = Option<
    unsafe extern "C" fn(ssl: *mut SSL, key_name: *mut u8, key: *mut u8, enc: c_int) -> c_int,
>;

/// The application's session callbacks, kept by the context.
#[derive(Clone, Copy, Default)]
pub(crate) struct SessionCallbacks {
    new_cb: SSL_CTX_new_session_cb,
    get_cb: SSL_CTX_get_session_cb,
    remove_cb: SSL_CTX_remove_session_cb,
    ticket_key_cb: SSL_ticket_key_cb,
    /// `SSL_CTX_set_tlsext_ticket_key_cb` (OpenSSL's form; see ticket_key_cb.rs).
    pub(crate) openssl_ticket_key_cb: super::ticket_key_cb::SSL_CTX_tlsext_ticket_key_cb,
    /// `SSL_CTX_set_session_ticket_cb` (see ticket_cb.rs).
    pub(crate) ticket_app: super::ticket_cb::TicketCallbacks,
}

impl SessionCallbacks {
    /// Whether a connection's configuration needs per-SSL wrappers.
    pub(crate) fn needs_wrapping(&self) -> bool {
        self.get_cb.is_some()
            || self.ticket_key_cb.is_some()
            || self.openssl_ticket_key_cb.is_some()
            || self.ticket_app.is_set()
    }

    /// Wraps the callbacks that take the `SSL` for the core's configuration.
    pub(crate) fn install(&self, config: &mut Config, ssl_addr: usize) {
        if let Some(cb) = self.get_cb {
            config.session.get_callback = Some(Arc::new(move |id: &[u8]| {
                let mut copy: c_int = 1;
                // SAFETY: the application's callback with a live SSL and a readable ID.
                let p = unsafe {
                    cb(
                        ssl_addr as *mut SSL,
                        id.as_ptr(),
                        id.len() as c_int,
                        &mut copy,
                    )
                };
                if p.is_null() {
                    return None;
                }
                // SAFETY: the callback returned a live session.
                let session = unsafe { &*p }.get();
                if copy == 0 {
                    // The application handed its reference over; the core keeps its own copy.
                    // SAFETY: that reference is ours to drop.
                    unsafe { SSL_SESSION::release(p) };
                }
                Some(session)
            }));
        }
        if let Some(cb) = self.openssl_ticket_key_cb {
            config.session.ticket_crypto = Some(super::ticket_key_cb::crypto(cb, ssl_addr));
        }
        self.ticket_app.install(config, ssl_addr);
        if let Some(cb) = self.ticket_key_cb {
            config.session.ticket_key_callback =
                Some(Arc::new(move |name: Option<&[u8; KEY_NAME_LEN]>| {
                    call_ticket_key_cb(cb, ssl_addr as *mut SSL, name)
                }));
        }
    }
}

fn call_ticket_key_cb(
    cb: unsafe extern "C" fn(*mut SSL, *mut u8, *mut u8, c_int) -> c_int,
    ssl: *mut SSL,
    name: Option<&[u8; KEY_NAME_LEN]>,
) -> TicketKeyLookup {
    let mut key_name = name.copied().unwrap_or([0; KEY_NAME_LEN]);
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    let enc = name.is_none();
    // SAFETY: both buffers have the documented sizes and live for the call.
    let r = unsafe { cb(ssl, key_name.as_mut_ptr(), key.as_mut_ptr(), enc as c_int) };
    let made = TicketKey::new(key_name, &*key);
    match (r, made) {
        (1, Ok(k)) => TicketKeyLookup::Found(k),
        (2, Ok(k)) if !enc => TicketKeyLookup::FoundRenew(k),
        _ => TicketKeyLookup::Unknown,
    }
}

/// What an `SSL` holds about sessions.
pub(crate) struct SslSessions {
    /// `SSL_set_session`'s session, offered when the connection starts.
    pub(crate) resume: Option<Arc<Session>>,
    /// What `SSL_get_session` handed out (one reference owned here) and the session it wraps.
    handed_out: HandedOut,
    /// The object the ticket decrypt callback was given for the session this server resumed
    /// (ticket_cb.rs): handed out whenever that session is the connection's, so that what the
    /// callback stored on it stays visible while other sessions (new tickets') come and go.
    resumed: HandedOut,
}

/// One `SSL_SESSION` object an `SSL` hands out (a reference owned) and the value it wrapped
/// when handed out.
struct HandedOut {
    object: *mut SSL_SESSION,
    of: Option<Arc<Session>>,
}

impl HandedOut {
    const NONE: HandedOut = HandedOut {
        object: std::ptr::null_mut(),
        of: None,
    };

    fn is_for(&self, session: &Arc<Session>) -> bool {
        !self.object.is_null() && self.of.as_ref().is_some_and(|s| Arc::ptr_eq(s, session))
    }

    /// Replaces the object (taking the reference passed).
    fn set(&mut self, object: *mut SSL_SESSION, of: Option<Arc<Session>>) {
        // SAFETY: the reference owned here.
        unsafe { SSL_SESSION::release(self.object) };
        self.object = object;
        self.of = of;
    }
}

impl Default for SslSessions {
    fn default() -> Self {
        SslSessions {
            resume: None,
            handed_out: HandedOut::NONE,
            resumed: HandedOut::NONE,
        }
    }
}

impl Drop for SslSessions {
    fn drop(&mut self) {
        self.handed_out.set(std::ptr::null_mut(), None);
        self.resumed.set(std::ptr::null_mut(), None);
    }
}

impl SslSessions {
    /// After an application callback that may have changed the `SSL_SESSION` handed out for
    /// `session` (`SSL_SESSION_set1_ticket_appdata` replaces the object's value): the value
    /// the object now holds, which stays associated with it. `session` itself if no object was
    /// handed out for it.
    pub(crate) fn adopt_handed_out(&mut self, session: &Arc<Session>) -> Arc<Session> {
        for slot in [&mut self.resumed, &mut self.handed_out] {
            if slot.is_for(session) {
                // SAFETY: the reference owned here keeps the object alive.
                let now = unsafe { &*slot.object }.get();
                slot.of = Some(now.clone());
                return now;
            }
        }
        session.clone()
    }

    /// Makes `object` (whose reference passes to this SSL) the one `SSL_get_session` hands
    /// out whenever the connection's session is the value it holds (a resumed session), so
    /// that what the application stored on it (ex_data) is seen there.
    pub(crate) fn hand_out_resumed(&mut self, object: *mut SSL_SESSION) {
        // SAFETY: a live object whose reference the caller passed.
        let of = Some(unsafe { &*object }.get());
        self.resumed.set(object, of);
    }
}

impl SSL {
    /// The connection's session, or before the handshake the one set for resumption.
    fn current_session(&self) -> Option<Arc<Session>> {
        self.conn
            .as_ref()
            .and_then(|c| c.session().cloned())
            .or_else(|| self.sessions.resume.clone())
    }

    /// A borrowed `SSL_SESSION` for the current session, stable while the session is.
    fn session_object(&mut self) -> *mut SSL_SESSION {
        let Some(current) = self.current_session() else {
            return std::ptr::null_mut();
        };
        if self.sessions.resumed.is_for(&current) {
            return self.sessions.resumed.object;
        }
        if !self.sessions.handed_out.is_for(&current) {
            let object = SSL_SESSION::new_raw(current.clone());
            self.sessions.handed_out.set(object, Some(current));
        }
        self.sessions.handed_out.object
    }

    /// Gives the sessions the core established to the new-session callback.
    pub(crate) fn deliver_new_sessions(&mut self) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let fresh = conn.take_new_sessions();
        if fresh.is_empty() {
            return;
        }
        let cb = self.ctx().read().session_callbacks.new_cb;
        let Some(cb) = cb else {
            return;
        };
        let ssl = self as *mut SSL;
        for session in fresh {
            let p = SSL_SESSION::new_raw(session);
            // SAFETY: the application's callback with this live SSL and a new reference.
            if unsafe { cb(ssl, p) } == 0 {
                // SAFETY: the callback declined the reference.
                unsafe { SSL_SESSION::release(p) };
            }
        }
    }
}

// ---- SSL_SESSION ------------------------------------------------------------------------------

/// Drops a reference to a session; NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_free(session: *mut SSL_SESSION) {
    // SAFETY: NULL or a live session with a reference owned by the caller.
    guard((), || unsafe { SSL_SESSION::release(session) })
}

/// Takes another reference to a session.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_up_ref(session: *mut SSL_SESSION) -> c_int {
    with_ref(session, 0, |s| {
        s.refs.fetch_add(1, Ordering::Relaxed);
        1
    })
}

/// Serialises a session (libtls's versioned format: the magic "libtlsSS", a format version,
/// then every field with explicit lengths; it holds the session's secret, so store it as
/// carefully as a private key). Returns the length; with `out` non-NULL writes the bytes at
/// `*out` and advances it, or, when `*out` is NULL, allocates the buffer (free with
/// `OPENSSL_free`).
#[no_mangle]
pub unsafe extern "C" fn i2d_SSL_SESSION(session: *const SSL_SESSION, out: *mut *mut u8) -> c_int {
    with_ref(session, 0, |s| {
        let bytes = match s.get().encode() {
            Ok(bytes) => bytes,
            Err(e) => {
                err::push(&e);
                return 0;
            }
        };
        let Ok(len) = c_int::try_from(bytes.len()) else {
            return 0;
        };
        if out.is_null() {
            return len;
        }
        // SAFETY: `out` is non-NULL; `*out` is NULL or points at room for the encoding.
        unsafe {
            if (*out).is_null() {
                let p = aws_lc_sys::OPENSSL_malloc(bytes.len()) as *mut u8;
                if p.is_null() {
                    return 0;
                }
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
                *out = p;
            } else {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), *out, bytes.len());
                *out = (*out).add(bytes.len());
            }
        }
        // `bytes` (Zeroizing) is wiped as it drops.
        len
    })
}

/// Parses `i2d_SSL_SESSION`'s output from `*in` (`len` bytes available) and advances `*in`
/// past it. Anything else, including truncated, altered or foreign data, gives NULL and an
/// error on the queue. With `out` non-NULL the new session is also stored in `*out` (a
/// session already there is freed).
#[no_mangle]
pub unsafe extern "C" fn d2i_SSL_SESSION(
    out: *mut *mut SSL_SESSION,
    input: *mut *const u8,
    len: c_long,
) -> *mut SSL_SESSION {
    guard(std::ptr::null_mut(), || {
        // SAFETY: `input` is NULL or points at a pointer to `len` readable bytes.
        if input.is_null() || unsafe { *input }.is_null() || len <= 0 {
            return null_arg("d2i_SSL_SESSION input", std::ptr::null_mut());
        }
        // SAFETY: as above.
        let bytes = unsafe { std::slice::from_raw_parts(*input, len as usize) };
        match Session::decode_prefix(bytes) {
            Ok((session, used)) => {
                let p = SSL_SESSION::new_raw(Arc::new(session));
                // SAFETY: `input` is valid (checked); `out` is NULL or a writable slot.
                unsafe {
                    *input = (*input).add(used);
                    if !out.is_null() {
                        SSL_SESSION::release(*out);
                        *out = p;
                    }
                }
                p
            }
            Err(e) => {
                err::push(&e);
                std::ptr::null_mut()
            }
        }
    })
}

/// The session ID and its length (NULL-safe for `len`). TLS 1.3 sessions and TLS 1.2 ticket
/// sessions without a server-assigned ID are named by a digest of their ticket.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_get_id(
    session: *const SSL_SESSION,
    len: *mut c_uint,
) -> *const u8 {
    with_ref(session, std::ptr::null(), |s| {
        // The object's own copy of the ID: valid while the object lives, whatever setters do.
        if !len.is_null() {
            // SAFETY: a writable length slot.
            unsafe { *len = s.id.len() as c_uint };
        }
        s.id.as_ptr()
    })
}

/// When the session was made (server) or received (client), seconds since the epoch.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_get_time(session: *const SSL_SESSION) -> c_long {
    with_ref(session, 0, |s| (s.get().created_ms / 1000) as c_long)
}

/// Sets the creation time (seconds since the epoch). Returns 1.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_set_time(session: *mut SSL_SESSION, t: c_long) -> c_long {
    with_ref(session, 0, |s| {
        s.update(|x| x.created_ms = (t.max(0) as u64).saturating_mul(1000));
        1
    })
}

/// How long after its creation the session may be resumed, seconds.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_get_timeout(session: *const SSL_SESSION) -> c_long {
    with_ref(session, 0, |s| s.get().timeout_secs as c_long)
}

/// Sets the timeout (seconds). Returns 1.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_set_timeout(session: *mut SSL_SESSION, t: c_long) -> c_long {
    with_ref(session, 0, |s| {
        s.update(|x| x.timeout_secs = t.clamp(0, c_long::from(i32::MAX)) as u32);
        1
    })
}

/// 1 if the session carries a ticket (TLS 1.2 SessionTicket or TLS 1.3 PSK identity).
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_has_ticket(session: *const SSL_SESSION) -> c_int {
    with_ref(session, 0, |s| (!s.get().ticket.is_empty()) as c_int)
}

/// The server's ticket lifetime hint (TLS 1.2) or ticket lifetime (TLS 1.3), seconds.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_get_ticket_lifetime_hint(
    session: *const SSL_SESSION,
) -> c_ulong {
    with_ref(session, 0, |s| c_ulong::from(s.get().ticket_lifetime))
}

/// `TLS1_2_VERSION` or `TLS1_3_VERSION`.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_get_protocol_version(session: *const SSL_SESSION) -> c_int {
    with_ref(session, 0, |s| c_int::from(s.get().version.0))
}

/// 1 if a client could offer the session now: it has a ticket or an ID and has not expired.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_is_resumable(session: *const SSL_SESSION) -> c_int {
    with_ref(session, 0, |s| {
        s.get().is_resumable(crate::session::now_ms()) as c_int
    })
}

// ---- SSL ----------------------------------------------------------------------------------------

/// The connection's session, borrowed (valid until the session changes or the SSL is freed):
/// before the handshake the one set with `SSL_set_session`; on a TLS 1.3 client, the one of
/// the latest ticket received. NULL if there is none.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_session(ssl: *const SSL) -> *mut SSL_SESSION {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see try_mut; handing out the session object updates the SSL's own cache.
        match unsafe { try_mut(ssl as *mut SSL) } {
            Some(s) => s.session_object(),
            None => std::ptr::null_mut(),
        }
    })
}

/// Like `SSL_get_session` (the same object), with a new reference for the caller (free with
/// `SSL_SESSION_free`). TLS 1.3 tickets arrive after the handshake: read from the connection
/// before asking.
#[no_mangle]
pub unsafe extern "C" fn SSL_get1_session(ssl: *mut SSL) -> *mut SSL_SESSION {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see try_mut.
        let Some(s) = (unsafe { try_mut(ssl) }) else {
            return std::ptr::null_mut();
        };
        let p = s.session_object();
        if !p.is_null() {
            // SAFETY: the object is live (this SSL holds a reference).
            unsafe { &*p }.refs.fetch_add(1, Ordering::Relaxed);
        }
        p
    })
}

/// Offers `session` for resumption when this client connects (call before the handshake).
/// A session that has expired, or whose version or suite is no longer enabled, is not offered
/// and a full handshake follows. NULL clears it. Returns 1.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_session(ssl: *mut SSL, session: *mut SSL_SESSION) -> c_int {
    guard(0, || {
        // SAFETY: see try_mut.
        let Some(s) = (unsafe { try_mut(ssl) }) else {
            return 0;
        };
        s.sessions.resume = if session.is_null() {
            None
        } else {
            // SAFETY: a live session.
            Some(unsafe { &*session }.get())
        };
        1
    })
}

/// 1 if the handshake resumed a session.
#[no_mangle]
pub unsafe extern "C" fn SSL_session_reused(ssl: *const SSL) -> c_int {
    guard(0, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ssl) }
            .and_then(|s| s.conn.as_ref())
            .is_some_and(|c| c.negotiated().session_reused) as c_int
    })
}

// ---- SSL_CTX: cache settings ------------------------------------------------------------------

/// Sets `SSL_SESS_CACHE_*`; returns the previous mode.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_session_cache_mode(ctx: *mut SSL_CTX, mode: c_long) -> c_long {
    with_ref(ctx, 0, |c| {
        let mut st = c.edit();
        let old = st.config.session.cache_mode;
        st.config.session.cache_mode = mode as u32;
        old as c_long
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_session_cache_mode(ctx: *const SSL_CTX) -> c_long {
    with_ref(ctx, 0, |c| c.read().config.session.cache_mode as c_long)
}

/// Limits the internal cache to `size` sessions (0: no limit; default 20480), evicting those
/// that expire first (the oldest, when all share one timeout), as OpenSSL does; returns the
/// previous limit.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_set_cache_size(ctx: *mut SSL_CTX, size: c_long) -> c_long {
    with_ref(ctx, 0, |c| {
        let store = c.read().config.session.store.clone();
        let old = store.cache().max_size;
        store.set_cache_size(size.max(0) as usize);
        old as c_long
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_get_cache_size(ctx: *const SSL_CTX) -> c_long {
    with_ref(ctx, 0, |c| {
        c.read().config.session.store.cache().max_size as c_long
    })
}

/// Lifetime of new sessions and tickets, seconds (default 7200); returns the previous value.
/// Servers also refuse older sessions than this.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_timeout(ctx: *mut SSL_CTX, secs: c_long) -> c_long {
    with_ref(ctx, 0, |c| {
        let mut st = c.edit();
        let old = st.config.session.timeout_secs;
        let secs = secs.clamp(0, c_long::from(i32::MAX)) as u32;
        st.config.session.timeout_secs = secs;
        st.config
            .session
            .store
            .ticket_keys
            .set_retention(u64::from(secs));
        old as c_long
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_timeout(ctx: *const SSL_CTX) -> c_long {
    with_ref(ctx, 0, |c| c.read().config.session.timeout_secs as c_long)
}

/// Sessions resume only in a context with the same ID context (at most 32 bytes).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_session_id_context(
    ctx: *mut SSL_CTX,
    sid_ctx: *const u8,
    len: c_uint,
) -> c_int {
    with_ref(ctx, 0, |c| {
        let len = len as usize;
        if len > crate::session::MAX_SESSION_ID_LEN || (sid_ctx.is_null() && len > 0) {
            err::push(&Error::local(
                Reason::INVALID_ARGUMENT,
                "a session ID context has at most 32 bytes",
            ));
            return 0;
        }
        let bytes = if len == 0 {
            Vec::new()
        } else {
            // SAFETY: `len` readable bytes at `sid_ctx`.
            unsafe { std::slice::from_raw_parts(sid_ctx, len) }.to_vec()
        };
        c.edit().config.session.sid_ctx = bytes;
        1
    })
}

/// TLS 1.3 tickets a server sends after each handshake (default 2; 0 disables resumption).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_num_tickets(ctx: *mut SSL_CTX, n: usize) -> c_int {
    with_ref(ctx, 0, |c| {
        c.edit().config.session.num_tickets = n.min(u32::MAX as usize) as u32;
        1
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_num_tickets(ctx: *const SSL_CTX) -> usize {
    with_ref(ctx, 0, |c| c.read().config.session.num_tickets as usize)
}

/// libtls: with `on` non-zero a server accepts each TLS 1.3 ticket once (it remembers used
/// tickets until they expire); a replayed ticket gets a full handshake. At most 65,536 used
/// tickets are remembered per context; while that many unexpired ones are, tickets not seen
/// before get a full handshake too (never a possible replay).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_ticket_single_use(ctx: *mut SSL_CTX, on: c_int) -> c_int {
    with_ref(ctx, 0, |c| {
        c.edit().config.session.single_use_tickets = on != 0;
        1
    })
}

/// libtls: with `on` non-zero, connections of this context do TLS 1.2 without the extended
/// master secret (RFC 7627) when the peer does not offer (server) or answer (client) it, with
/// the classic master secret (RFC 5246 8.1); otherwise, the default, such peers are refused
/// (RFC 9325 3.5). Sessions record which master secret they use and resume as RFC 7627 5.3
/// says. Returns 1.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_allow_no_ems(ctx: *mut SSL_CTX, on: c_int) -> c_int {
    with_ref(ctx, 0, |c| {
        c.edit().config.allow_no_ems = on != 0;
        1
    })
}

// ---- SSL_CTX: the internal cache and its callbacks --------------------------------------------

/// External caches: `cb` sees every new session (servers: those cached for session-ID
/// resumption or stateful TLS 1.3 tickets; clients, with `SSL_SESS_CACHE_CLIENT`: every
/// session, one per TLS 1.3 ticket).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_set_new_cb(ctx: *mut SSL_CTX, cb: SSL_CTX_new_session_cb) {
    with_ref(ctx, (), |c| c.edit().session_callbacks.new_cb = cb)
}

/// External caches: `cb` is asked for session IDs the internal cache does not hold.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_set_get_cb(ctx: *mut SSL_CTX, cb: SSL_CTX_get_session_cb) {
    with_ref(ctx, (), |c| c.edit().session_callbacks.get_cb = cb)
}

/// External caches: `cb` is told of every session leaving the internal cache (expired,
/// evicted, used up, or removed with `SSL_CTX_remove_session`), and of each TLS 1.3 stateful
/// ticket the get-session callback supplied once it is used (so the external cache drops it).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_set_remove_cb(
    ctx: *mut SSL_CTX,
    cb: SSL_CTX_remove_session_cb,
) {
    with_ref(ctx, (), |c| {
        let mut st = c.edit();
        st.session_callbacks.remove_cb = cb;
        let ctx_addr = ctx as usize;
        let hook = cb.map(|cb| -> crate::session::RemoveSessionCallback {
            Arc::new(move |session: &Arc<Session>| {
                let p = SSL_SESSION::new_raw(session.clone());
                // SAFETY: the application's callback with its live context and a session
                // borrowed for the call.
                unsafe {
                    cb(ctx_addr as *mut SSL_CTX, p);
                    SSL_SESSION::release(p);
                }
            })
        });
        st.config.session.store.set_remove_callback(hook);
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_get_new_cb(ctx: *const SSL_CTX) -> SSL_CTX_new_session_cb {
    with_ref(ctx, None, |c| c.read().session_callbacks.new_cb)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_get_get_cb(ctx: *const SSL_CTX) -> SSL_CTX_get_session_cb {
    with_ref(ctx, None, |c| c.read().session_callbacks.get_cb)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_get_remove_cb(
    ctx: *const SSL_CTX,
) -> SSL_CTX_remove_session_cb {
    with_ref(ctx, None, |c| c.read().session_callbacks.remove_cb)
}

/// Puts a session with an ID into the internal cache. Returns 1, or 0 for a session without ID.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_add_session(
    ctx: *mut SSL_CTX,
    session: *mut SSL_SESSION,
) -> c_int {
    with_ref(ctx, 0, |c| {
        // SAFETY: see try_ref.
        let Some(s) = (unsafe { try_ref(session) }) else {
            return 0;
        };
        let s = s.get();
        if s.id.is_empty() {
            return 0;
        }
        let store = c.read().config.session.store.clone();
        store.add(s, crate::session::now_ms(), true);
        1
    })
}

/// Removes a session from the internal cache. The remove callback sees it even if the
/// internal cache did not hold it (an external cache may), as with OpenSSL. Returns 1 if it
/// was there.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_remove_session(
    ctx: *mut SSL_CTX,
    session: *mut SSL_SESSION,
) -> c_int {
    with_ref(ctx, 0, |c| {
        // SAFETY: see try_ref.
        let Some(s) = (unsafe { try_ref(session) }) else {
            return 0;
        };
        let s = s.get();
        if s.id.is_empty() {
            return 0;
        }
        let store = c.read().config.session.store.clone();
        let removed = store.remove(&s.id);
        if removed.is_none() {
            store.notify_removed(&[s]);
        }
        removed.is_some() as c_int
    })
}

/// Drops the cached sessions that have expired at time `t` (seconds since the epoch).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_flush_sessions(ctx: *mut SSL_CTX, t: c_long) {
    with_ref(ctx, (), |c| {
        let store = c.read().config.session.store.clone();
        store.flush((t.max(0) as u64).saturating_mul(1000));
    })
}

fn stat(
    ctx: *const SSL_CTX,
    pick: impl FnOnce(&crate::session::SessionStats) -> &AtomicU64,
) -> c_long {
    with_ref(ctx, 0, |c| {
        let store = c.read().config.session.store.clone();
        SessionStats::get(pick(&store.stats)) as c_long
    })
}

/// Sessions in the internal cache.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_number(ctx: *const SSL_CTX) -> c_long {
    with_ref(ctx, 0, |c| {
        let store = c.read().config.session.store.clone();
        let n = store.cache().len();
        n as c_long
    })
}

/// Client handshakes started.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_connect(ctx: *const SSL_CTX) -> c_long {
    stat(ctx, |s| &s.connect)
}

/// Client handshakes completed.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_connect_good(ctx: *const SSL_CTX) -> c_long {
    stat(ctx, |s| &s.connect_good)
}

/// Client renegotiations: always 0 (libtls does not renegotiate).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_connect_renegotiate(ctx: *const SSL_CTX) -> c_long {
    with_ref(ctx, 0, |_| 0)
}

/// Server handshakes started.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_accept(ctx: *const SSL_CTX) -> c_long {
    stat(ctx, |s| &s.accept)
}

/// Server handshakes completed.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_accept_good(ctx: *const SSL_CTX) -> c_long {
    stat(ctx, |s| &s.accept_good)
}

/// Server renegotiations: always 0 (libtls does not renegotiate).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_accept_renegotiate(ctx: *const SSL_CTX) -> c_long {
    with_ref(ctx, 0, |_| 0)
}

/// Sessions a server resumed (tickets and session IDs).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_hits(ctx: *const SSL_CTX) -> c_long {
    stat(ctx, |s| &s.hits)
}

/// Sessions found through the get-session callback.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_cb_hits(ctx: *const SSL_CTX) -> c_long {
    stat(ctx, |s| &s.cb_hits)
}

/// Offered sessions a server could not resume (unknown, unusable or altered).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_misses(ctx: *const SSL_CTX) -> c_long {
    stat(ctx, |s| &s.misses)
}

/// Offered sessions that had expired.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_timeouts(ctx: *const SSL_CTX) -> c_long {
    stat(ctx, |s| &s.timeouts)
}

/// Sessions evicted because the cache was full.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_sess_cache_full(ctx: *const SSL_CTX) -> c_long {
    stat(ctx, |s| &s.cache_full)
}

// ---- SSL_CTX: ticket keys ---------------------------------------------------------------------

/// Sets the ticket keys a fleet of servers shares. `keys` is `len` bytes: one or more 48-byte
/// entries, each a 16-byte key name then a 32-byte AES-256-GCM key, the first sealing new
/// tickets and all opening them; or OpenSSL's 80-byte layout (name, HMAC secret, AES key),
/// whose HMAC part libtls does not use. Replaces the automatic keys. Returns 1, or 0 with an
/// error for a malformed list.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_tlsext_ticket_keys(
    ctx: *mut SSL_CTX,
    keys: *const c_void,
    len: c_long,
) -> c_int {
    with_ref(ctx, 0, |c| {
        if keys.is_null() || len <= 0 {
            return null_arg("ticket keys", 0);
        }
        // SAFETY: `len` readable bytes at `keys`.
        let bytes = unsafe { std::slice::from_raw_parts(keys as *const u8, len as usize) };
        let store = c.read().config.session.store.clone();
        match ticket::parse_explicit_keys(bytes).and_then(|k| store.ticket_keys.set_explicit(k)) {
            Ok(()) => 1,
            Err(e) => {
                err::push(&e);
                0
            }
        }
    })
}

/// libtls: loads the ticket keys from a file, one key per line as 96 hex digits (16-byte
/// name, then 32-byte key); the first line seals, every line opens; blank lines and `#`
/// comments are ignored. Operators rotate by adding a new first line and, once the tickets of
/// the oldest key have expired (the session timeout), deleting its line. Call again to reload.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_load_tlsext_ticket_key_file(
    ctx: *mut SSL_CTX,
    path: *const c_char,
) -> c_int {
    with_ref(ctx, 0, |c| {
        // SAFETY: a NUL-terminated path.
        let Some(path) = (unsafe { c_str(path, "ticket key file") }) else {
            return 0;
        };
        let loaded = read_secret_file(path).and_then(|bytes| {
            let text = std::str::from_utf8(&bytes).map_err(|_| {
                Error::local(
                    Reason::BAD_DATA,
                    format!("ticket key file {path} is not text"),
                )
            })?;
            ticket::parse_key_file(text)
        });
        let store = c.read().config.session.store.clone();
        match loaded.and_then(|k| store.ticket_keys.set_explicit(k)) {
            Ok(()) => 1,
            Err(e) => {
                err::push(&e);
                0
            }
        }
    })
}

/// The largest ticket key file read (about 10,000 keys).
const MAX_KEY_FILE_LEN: u64 = 1 << 20;

/// Reads a file that holds keys into one buffer sized from the file's length (growing it would
/// leave partial copies in freed memory), wiped when dropped.
fn read_secret_file(path: &str) -> crate::error::Result<Zeroizing<Vec<u8>>> {
    use std::io::Read;
    let failed = |e: std::io::Error| {
        Error::local(
            Reason::FILE_ERROR,
            format!("cannot read ticket key file {path}: {e}"),
        )
    };
    let file = std::fs::File::open(path).map_err(failed)?;
    let size = file.metadata().map_err(failed)?.len();
    if size > MAX_KEY_FILE_LEN {
        return Err(Error::local(
            Reason::BAD_DATA,
            format!("ticket key file {path} is larger than {MAX_KEY_FILE_LEN} bytes"),
        ));
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(size as usize));
    file.take(MAX_KEY_FILE_LEN)
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    Ok(bytes)
}

/// libtls: automatic ticket keys (the default), a new random key every `interval_secs`
/// (default 3600); older keys open tickets until those have expired. Drops explicit keys.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_tlsext_ticket_key_rotation(
    ctx: *mut SSL_CTX,
    interval_secs: c_long,
) -> c_int {
    with_ref(ctx, 0, |c| {
        let st = c.read();
        let retain = u64::from(st.config.session.timeout_secs);
        st.config
            .session
            .store
            .ticket_keys
            .set_automatic(interval_secs.max(1) as u64, retain);
        1
    })
}

/// libtls's replacement for OpenSSL's `SSL_CTX_set_tlsext_ticket_key_cb`: the application
/// manages ticket keys and libtls does the cryptography (see `SSL_ticket_key_cb`). NULL
/// returns to the context's own keys.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_ticket_key_cb(
    ctx: *mut SSL_CTX,
    cb: SSL_ticket_key_cb,
) -> c_int {
    with_ref(ctx, 0, |c| {
        c.edit().session_callbacks.ticket_key_cb = cb;
        1
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::cache_mode;

    #[test]
    fn constants_match_the_core() {
        assert_eq!(SSL_SESS_CACHE_OFF as u32, cache_mode::OFF);
        assert_eq!(SSL_SESS_CACHE_CLIENT as u32, cache_mode::CLIENT);
        assert_eq!(SSL_SESS_CACHE_SERVER as u32, cache_mode::SERVER);
        assert_eq!(SSL_SESS_CACHE_BOTH as u32, cache_mode::BOTH);
        assert_eq!(
            SSL_SESS_CACHE_NO_AUTO_CLEAR as u32,
            cache_mode::NO_AUTO_CLEAR
        );
        assert_eq!(
            SSL_SESS_CACHE_NO_INTERNAL_LOOKUP as u32,
            cache_mode::NO_INTERNAL_LOOKUP
        );
        assert_eq!(
            SSL_SESS_CACHE_NO_INTERNAL_STORE as u32,
            cache_mode::NO_INTERNAL_STORE
        );
        assert_eq!(SSL_SESS_CACHE_NO_INTERNAL as u32, cache_mode::NO_INTERNAL);
        assert_eq!(TLSEXT_KEYNAME_LENGTH as usize, KEY_NAME_LEN);
        assert_eq!(LIBTLS_TICKET_KEY_LENGTH as usize, KEY_LEN);
    }

    /// Regression (issue 16): every setter kept the replaced session, with a copy of its
    /// secret, until the object was freed. Now the old value goes (and its `Secret` is wiped)
    /// as soon as nothing else uses it, and the ID pointer handed out stays valid.
    #[test]
    fn setters_keep_no_copy_of_the_replaced_session() {
        let session = Arc::new(crate::session::tests::sample(
            crate::msgs::enums::ProtocolVersion::TLSV1_3,
        ));
        let first = Arc::downgrade(&session);
        let obj = SSL_SESSION::new_raw(session);
        // SAFETY: a live object, freed once at the end.
        unsafe {
            let mut id_len = 0;
            let id = SSL_SESSION_get_id(obj, &mut id_len);
            assert_eq!(SSL_SESSION_set_timeout(obj, 42), 1);
            assert!(
                first.upgrade().is_none(),
                "the replaced session was dropped"
            );
            let second = Arc::downgrade(&(*obj).get());
            assert_eq!(SSL_SESSION_set_time(obj, 1_800_000_000), 1);
            assert!(
                second.upgrade().is_none(),
                "the replaced session was dropped"
            );
            assert_eq!(std::slice::from_raw_parts(id, id_len as usize), &[1u8; 32]);
            assert_eq!(SSL_SESSION_get_timeout(obj), 42);
            assert_eq!(SSL_SESSION_get_time(obj), 1_800_000_000);
            SSL_SESSION_free(obj);
        }
    }

    /// The ticket key file is read into one wiped buffer of the file's size.
    #[test]
    fn key_files_are_read_into_one_wiped_buffer() {
        let dir = std::env::temp_dir().join(format!("libtls-keyfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keys");
        let text = format!("# keys\n{}\n", "ab".repeat(48)).repeat(50);
        std::fs::write(&path, &text).unwrap();
        let bytes: Zeroizing<Vec<u8>> = read_secret_file(path.to_str().unwrap()).unwrap();
        assert_eq!(&bytes[..], text.as_bytes());
        assert_eq!(bytes.capacity(), text.len(), "no reallocation");
        std::fs::write(&path, vec![b'#'; MAX_KEY_FILE_LEN as usize + 1]).unwrap();
        assert!(read_secret_file(path.to_str().unwrap()).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Regression: a session whose peer sent 20 certificates came back from `i2d_SSL_SESSION`
    /// as bytes `d2i_SSL_SESSION` refused (the decoder allowed 16).
    #[test]
    fn i2d_d2i_round_trip_a_twenty_certificate_chain() {
        let mut session =
            crate::session::tests::sample(crate::msgs::enums::ProtocolVersion::TLSV1_2);
        session.peer_chain = Arc::new((0..20u8).map(|i| vec![0x30, i, 0xaa, 0xbb]).collect());
        let chain = session.peer_chain.clone();
        let obj = SSL_SESSION::new_raw(Arc::new(session));
        // SAFETY: a live object and a buffer of the size the call reports.
        unsafe {
            let len = i2d_SSL_SESSION(obj, std::ptr::null_mut());
            assert!(len > 0);
            let mut buf = vec![0u8; len as usize];
            let mut out = buf.as_mut_ptr();
            assert_eq!(i2d_SSL_SESSION(obj, &mut out), len);
            let mut input = buf.as_ptr();
            let back = d2i_SSL_SESSION(std::ptr::null_mut(), &mut input, len as c_long);
            assert!(!back.is_null(), "a 20-certificate session decodes");
            assert_eq!((*back).get().peer_chain, chain);
            SSL_SESSION_free(back);
            SSL_SESSION_free(obj);
        }
    }

    #[test]
    fn d2i_rejects_garbage_and_i2d_round_trips() {
        let garbage = b"definitely not a session";
        let mut p = garbage.as_ptr();
        // SAFETY: a readable buffer of the given length.
        let s = unsafe { d2i_SSL_SESSION(std::ptr::null_mut(), &mut p, garbage.len() as c_long) };
        assert!(s.is_null());
        assert_eq!(p, garbage.as_ptr(), "not advanced on failure");
        err::clear();

        let session = crate::session::tests::sample(crate::msgs::enums::ProtocolVersion::TLSV1_3);
        let obj = SSL_SESSION::new_raw(Arc::new(session));
        // SAFETY: live objects and buffers of the sizes the calls report.
        unsafe {
            let len = i2d_SSL_SESSION(obj, std::ptr::null_mut());
            let mut buf = vec![0u8; len as usize + 3];
            let mut out = buf.as_mut_ptr();
            assert_eq!(i2d_SSL_SESSION(obj, &mut out), len);
            assert_eq!(out, buf.as_mut_ptr().add(len as usize));
            let mut input = buf.as_ptr();
            let back = d2i_SSL_SESSION(std::ptr::null_mut(), &mut input, buf.len() as c_long);
            assert!(!back.is_null());
            assert_eq!(
                input,
                buf.as_ptr().add(len as usize),
                "advanced past one session"
            );
            assert_eq!(SSL_SESSION_get_protocol_version(back), 0x0304);
            assert_eq!(SSL_SESSION_has_ticket(back), 1);
            let mut id_len = 0;
            let id = SSL_SESSION_get_id(back, &mut id_len);
            assert_eq!(std::slice::from_raw_parts(id, id_len as usize), &[1u8; 32]);
            assert_eq!(SSL_SESSION_set_timeout(back, 42), 1);
            // The ID pointer handed out before stays valid after a setter.
            assert_eq!(*id, 1);
            assert_eq!(SSL_SESSION_get_timeout(back), 42);
            // Every truncation is refused.
            for n in 1..len as usize {
                let mut input = buf.as_ptr();
                assert!(d2i_SSL_SESSION(std::ptr::null_mut(), &mut input, n as c_long).is_null());
            }
            err::clear();
            SSL_SESSION_free(back);
            SSL_SESSION_free(obj);
        }
    }
}
