//! External pre-shared keys in the C API (TLS 1.3, RFC 8446 2.2): OpenSSL's session-based
//! callbacks (`SSL_CTX_set_psk_use_session_callback`, `SSL_CTX_set_psk_find_session_callback`)
//! with the `SSL_SESSION` setters that build a PSK session, and the older identity/key callbacks
//! (`SSL_CTX_set_psk_client_callback`, `SSL_CTX_set_psk_server_callback`) mapped onto TLS 1.3 as
//! OpenSSL 3.0 maps them: the key is used with TLS_AES_128_GCM_SHA256's hash (SHA-256). The
//! identity/key callbacks and the identity hint also drive the TLS 1.2 PSK suites (RFC 4279,
//! RFC 5489; AEAD suites only, see docs/differences-from-openssl.md), which are offered and
//! chosen only while the role's callback is set, as in OpenSSL.

use super::cipher::{self, SSL_CIPHER};
use super::ctx::SSL_CTX;
use super::session::SSL_SESSION;
use super::ssl::SSL;
use super::{err, guard, null_arg};
use super::{try_mut, try_ref, with_ref};
use crate::config::{Config, ExternalPsk, PskLookup};
use crate::crypto::hash::HashAlg;
use crate::crypto::secret::{Secret, Zeroizing};
use crate::error::{Error, Reason};
use crate::msgs::enums::{CipherSuite, ProtocolVersion};
use crate::session::Session;
use std::ffi::{c_char, c_int, c_uint, CStr, CString};
use std::sync::Arc;

pub use aws_lc_sys::EVP_MD;

/// The longest identity (without its NUL) and key the identity/key callbacks may return, as
/// OpenSSL's.
pub const PSK_MAX_IDENTITY_LEN: c_int = 256;
pub const PSK_MAX_PSK_LEN: c_int = 512;
/// The longest key `SSL_SESSION_set1_master_key` takes (OpenSSL 3.0's
/// `TLS13_MAX_RESUMPTION_PSK_LENGTH`).
const MAX_MASTER_KEY_LEN: usize = 512;

/// A client's TLS 1.3 PSK (`SSL_CTX_set_psk_use_session_callback`). `md` is NULL for the first
/// ClientHello. Set `*id`/`*idlen` to the identity and `*sess` to a session holding the key
/// (`SSL_SESSION_new`, `SSL_SESSION_set1_master_key`, `SSL_SESSION_set_cipher`,
/// `SSL_SESSION_set_protocol_version(TLS1_3_VERSION)`), whose reference passes to the library;
/// `*sess` = NULL offers no PSK. Return 1, or 0 to abort the handshake.
pub type SSL_psk_use_session_cb_func = Option<
    unsafe extern "C" fn(
        ssl: *mut SSL,
        md: *const EVP_MD,
        id: *mut *const u8,
        idlen: *mut usize,
        sess: *mut *mut SSL_SESSION,
    ) -> c_int,
>;
/// A server's lookup of a PSK identity (`SSL_CTX_set_psk_find_session_callback`): set `*sess`
/// to a session holding the key (its reference passes to the library) or NULL if unknown.
/// Return 1, or 0 to abort the handshake.
pub type SSL_psk_find_session_cb_func = Option<
    unsafe extern "C" fn(
        ssl: *mut SSL,
        identity: *const u8,
        identity_len: usize,
        sess: *mut *mut SSL_SESSION,
    ) -> c_int,
>;
/// A client's identity and key (`SSL_CTX_set_psk_client_callback`): write a NUL-terminated
/// identity of at most `max_identity_len` bytes and the key; return the key's length, 0 for no
/// PSK. `hint` is the server's identity hint in TLS 1.2 (NULL when it sent none or an empty
/// one) and NULL in TLS 1.3.
pub type SSL_psk_client_cb_func = Option<
    unsafe extern "C" fn(
        ssl: *mut SSL,
        hint: *const c_char,
        identity: *mut c_char,
        max_identity_len: c_uint,
        psk: *mut u8,
        max_psk_len: c_uint,
    ) -> c_uint,
>;
/// A server's key for an identity (`SSL_CTX_set_psk_server_callback`): write the key, return
/// its length, 0 if the identity is unknown.
pub type SSL_psk_server_cb_func = Option<
    unsafe extern "C" fn(
        ssl: *mut SSL,
        identity: *const c_char,
        psk: *mut u8,
        max_psk_len: c_uint,
    ) -> c_uint,
>;

/// The PSK callbacks of a context, or of one connection (copied from its context at `SSL_new`).
#[derive(Clone, Default)]
pub(crate) struct PskSettings {
    use_session: SSL_psk_use_session_cb_func,
    find_session: SSL_psk_find_session_cb_func,
    client: SSL_psk_client_cb_func,
    server: SSL_psk_server_cb_func,
    /// The identity hint a TLS 1.2 server sends (`SSL_CTX_use_psk_identity_hint`).
    hint: Option<Vec<u8>>,
}

/// One connection's PSK settings, copied from its context at `SSL_new` (`SSL_set_psk_*` change
/// them), and the strings its getters hand out.
#[derive(Default)]
pub(crate) struct SslPsk {
    settings: Option<PskSettings>,
    /// `SSL_get_psk_identity`'s string, made on first use.
    identity: Option<CString>,
    /// `SSL_get_psk_identity_hint`'s string, made on first use.
    hint: Option<CString>,
}

impl SslPsk {
    /// A new connection's copy of its context's PSK settings (OpenSSL copies them at
    /// `SSL_new`).
    pub(crate) fn of_ctx(ctx: &SSL_CTX) -> Self {
        SslPsk {
            settings: Some(ctx.read().psk.clone()),
            ..Default::default()
        }
    }

    fn settings_mut(&mut self, ctx: &SSL_CTX) -> &mut PskSettings {
        self.settings.get_or_insert_with(|| ctx.read().psk.clone())
    }
}

impl PskSettings {
    fn has_callbacks(&self) -> bool {
        self.use_session.is_some()
            || self.find_session.is_some()
            || self.client.is_some()
            || self.server.is_some()
    }
}

/// This connection's PSK settings: its own, else its context's.
fn effective(ssl: &SSL) -> PskSettings {
    match &ssl.psk.settings {
        Some(s) => s.clone(),
        None => ssl.ctx().read().psk.clone(),
    }
}

/// Whether `SSL::config` must wrap PSK callbacks for this connection.
pub(crate) fn needs_config(ssl: &SSL) -> bool {
    effective(ssl).has_callbacks()
}

/// Wraps the connection's PSK callbacks for the core; they receive `ssl_addr`, which stays
/// valid until `SSL_free`.
pub(crate) fn install(ssl: &SSL, config: &mut Config, ssl_addr: usize) {
    let s = effective(ssl);
    if s.use_session.is_some() || s.client.is_some() {
        let (use_session, client) = (s.use_session, s.client);
        config.psk_client = Some(Arc::new(move |hash: Option<HashAlg>| {
            client_lookup(ssl_addr as *mut SSL, use_session, client, hash)
        }));
    }
    if s.find_session.is_some() || s.server.is_some() {
        let (find_session, server) = (s.find_session, s.server);
        config.psk_server = Some(Arc::new(move |identity: &[u8]| {
            server_lookup(ssl_addr as *mut SSL, find_session, server, identity)
        }));
    }
    // TLS 1.2 PSK suites: only the identity/key callbacks, as in OpenSSL.
    if let Some(cb) = s.client {
        config.psk12.client = Some(Arc::new(move |hint: Option<&[u8]>| {
            old_client_lookup(ssl_addr as *mut SSL, cb, hint, true)
        }));
    }
    if let Some(cb) = s.server {
        config.psk12.server = Some(Arc::new(move |identity: &[u8]| {
            server_lookup(ssl_addr as *mut SSL, None, Some(cb), identity)
        }));
    }
    config.psk12.hint = s.hint;
}

/// The suite OpenSSL uses with a key from the identity/key callbacks.
const OLD_CALLBACK_SUITE: CipherSuite = CipherSuite::TLS13_AES_128_GCM_SHA256;

/// Takes over the session reference a callback handed out and reads its key; a session that is
/// not a TLS 1.3 one with a key and a TLS 1.3 suite is refused, as OpenSSL refuses it.
fn take_session(p: *mut SSL_SESSION, identity: Vec<u8>) -> PskLookup {
    // SAFETY: the callback returned a live session whose reference is now ours.
    let session = unsafe { &*p }.get();
    // SAFETY: that reference is ours to drop.
    unsafe { SSL_SESSION::release(p) };
    let tls13_suite =
        crate::suites::lookup(session.suite).is_some_and(|s| s.version == ProtocolVersion::TLSV1_3);
    if !session.is_tls13() || !tls13_suite || session.secret.is_empty() {
        err::push(&Error::local(
            Reason::BAD_PSK,
            "the PSK session needs TLS1_3_VERSION, a TLS 1.3 cipher and a key",
        ));
        return PskLookup::Failed;
    }
    PskLookup::Found(ExternalPsk {
        identity,
        secret: session.secret.clone(),
        suite: session.suite,
    })
}

fn md_of(hash: Option<HashAlg>) -> *const EVP_MD {
    // SAFETY: aws-lc's static digest tables.
    match hash {
        None => std::ptr::null(),
        Some(HashAlg::Sha256) => unsafe { aws_lc_sys::EVP_sha256() },
        Some(HashAlg::Sha384) => unsafe { aws_lc_sys::EVP_sha384() },
    }
}

fn client_lookup(
    ssl: *mut SSL,
    use_session: SSL_psk_use_session_cb_func,
    client: SSL_psk_client_cb_func,
    hash: Option<HashAlg>,
) -> PskLookup {
    if let Some(cb) = use_session {
        let mut id: *const u8 = std::ptr::null();
        let mut idlen: usize = 0;
        let mut sess: *mut SSL_SESSION = std::ptr::null_mut();
        // SAFETY: the application's callback with a live SSL and writable out-parameters.
        let ok = unsafe { cb(ssl, md_of(hash), &mut id, &mut idlen, &mut sess) };
        if ok == 0 {
            // SAFETY: a session handed out with a failure is still ours to drop.
            unsafe { SSL_SESSION::release(sess) };
            return PskLookup::Failed;
        }
        if !sess.is_null() {
            if id.is_null() || idlen == 0 || idlen > u16::MAX as usize {
                // SAFETY: as above.
                unsafe { SSL_SESSION::release(sess) };
                err::push(&Error::local(
                    Reason::BAD_PSK_IDENTITY,
                    "the PSK callback returned a session without an identity",
                ));
                return PskLookup::Failed;
            }
            // SAFETY: the callback points `id` at `idlen` readable bytes.
            let identity = unsafe { std::slice::from_raw_parts(id, idlen) }.to_vec();
            return take_session(sess, identity);
        }
    }
    let Some(cb) = client else {
        return PskLookup::None;
    };
    old_client_lookup(ssl, cb, None, false)
}

/// Asks `SSL_psk_client_cb_func` for an identity and key, passing the server's hint (TLS 1.2;
/// cut at a NUL byte). TLS 1.2 takes an empty identity; TLS 1.3 offers no PSK with one.
fn old_client_lookup(
    ssl: *mut SSL,
    cb: unsafe extern "C" fn(
        *mut SSL,
        *const c_char,
        *mut c_char,
        c_uint,
        *mut u8,
        c_uint,
    ) -> c_uint,
    hint: Option<&[u8]>,
    allow_empty_identity: bool,
) -> PskLookup {
    let hint = hint.map(|h| {
        let cut: Vec<u8> = h.iter().copied().take_while(|b| *b != 0).collect();
        CString::new(cut).unwrap_or_default()
    });
    let mut identity = [0 as c_char; PSK_MAX_IDENTITY_LEN as usize + 1];
    let mut key = Zeroizing::new([0u8; PSK_MAX_PSK_LEN as usize]);
    // SAFETY: the application's callback with buffers of the sizes it is told (the identity's
    // has room for the NUL), as OpenSSL calls it.
    let n = unsafe {
        cb(
            ssl,
            hint.as_ref().map_or(std::ptr::null(), |h| h.as_ptr()),
            identity.as_mut_ptr(),
            PSK_MAX_IDENTITY_LEN as c_uint,
            key.as_mut_ptr(),
            PSK_MAX_PSK_LEN as c_uint,
        )
    } as usize;
    if n == 0 {
        return PskLookup::None;
    }
    if n > key.len() {
        err::push(&Error::local(
            Reason::INTERNAL_ERROR,
            "the PSK client callback returned a key longer than its buffer",
        ));
        return PskLookup::Failed;
    }
    identity[PSK_MAX_IDENTITY_LEN as usize] = 0;
    // SAFETY: NUL-terminated within the buffer (the last byte was just set).
    let id = unsafe { CStr::from_ptr(identity.as_ptr()) }
        .to_bytes()
        .to_vec();
    if id.is_empty() && !allow_empty_identity {
        // TLS 1.3 identities are 1 byte or more (RFC 8446 4.2.11): no TLS 1.3 PSK then, while
        // a TLS 1.2 PSK suite may still use the key.
        return PskLookup::None;
    }
    PskLookup::Found(ExternalPsk {
        identity: id,
        secret: Secret::from_slice(&key[..n]),
        suite: OLD_CALLBACK_SUITE,
    })
}

fn server_lookup(
    ssl: *mut SSL,
    find_session: SSL_psk_find_session_cb_func,
    server: SSL_psk_server_cb_func,
    identity: &[u8],
) -> PskLookup {
    if let Some(cb) = find_session {
        let mut sess: *mut SSL_SESSION = std::ptr::null_mut();
        // SAFETY: the application's callback with a live SSL, the identity's bytes and a
        // writable out-parameter.
        let ok = unsafe { cb(ssl, identity.as_ptr(), identity.len(), &mut sess) };
        if ok == 0 {
            // SAFETY: a session handed out with a failure is still ours to drop.
            unsafe { SSL_SESSION::release(sess) };
            return PskLookup::Failed;
        }
        if !sess.is_null() {
            return take_session(sess, identity.to_vec());
        }
    }
    let Some(cb) = server else {
        return PskLookup::None;
    };
    // OpenSSL passes only identities that fit its limit and hold no NUL, as a C string.
    if identity.len() > PSK_MAX_IDENTITY_LEN as usize {
        return PskLookup::None;
    }
    let Ok(id) = CString::new(identity) else {
        return PskLookup::None;
    };
    let mut key = Zeroizing::new([0u8; PSK_MAX_PSK_LEN as usize]);
    // SAFETY: the application's callback with a C string and a buffer of the size it is told.
    let n = unsafe {
        cb(
            ssl,
            id.as_ptr(),
            key.as_mut_ptr(),
            PSK_MAX_PSK_LEN as c_uint,
        )
    } as usize;
    if n == 0 {
        return PskLookup::None;
    }
    if n > key.len() {
        err::push(&Error::local(
            Reason::INTERNAL_ERROR,
            "the PSK server callback returned a key longer than its buffer",
        ));
        return PskLookup::Failed;
    }
    PskLookup::Found(ExternalPsk {
        identity: identity.to_vec(),
        secret: Secret::from_slice(&key[..n]),
        suite: OLD_CALLBACK_SUITE,
    })
}

// ---- callbacks ------------------------------------------------------------------------------------

fn edit_ctx(ctx: *mut SSL_CTX, f: impl FnOnce(&mut PskSettings)) {
    guard((), || {
        // SAFETY: see try_ref (checks NULL).
        if let Some(c) = unsafe { try_ref(ctx) } {
            f(&mut c.edit().psk);
        }
    })
}

fn edit_ssl(ssl: *mut SSL, f: impl FnOnce(&mut PskSettings)) {
    guard((), || {
        // SAFETY: see try_mut (checks NULL).
        if let Some(s) = unsafe { try_mut(ssl) } {
            let ctx = s.ctx() as *const SSL_CTX;
            // SAFETY: the SSL holds a reference on its context.
            f(s.psk.settings_mut(unsafe { &*ctx }));
        }
    })
}

/// Sets a client's TLS 1.3 PSK callback (NULL removes it).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_psk_use_session_callback(
    ctx: *mut SSL_CTX,
    cb: SSL_psk_use_session_cb_func,
) {
    edit_ctx(ctx, |p| p.use_session = cb)
}

/// Like `SSL_CTX_set_psk_use_session_callback`, for one connection.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_psk_use_session_callback(
    ssl: *mut SSL,
    cb: SSL_psk_use_session_cb_func,
) {
    edit_ssl(ssl, |p| p.use_session = cb)
}

/// Sets a server's TLS 1.3 PSK lookup (NULL removes it). It is asked before the session
/// tickets are.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_psk_find_session_callback(
    ctx: *mut SSL_CTX,
    cb: SSL_psk_find_session_cb_func,
) {
    edit_ctx(ctx, |p| p.find_session = cb)
}

/// Like `SSL_CTX_set_psk_find_session_callback`, for one connection.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_psk_find_session_callback(
    ssl: *mut SSL,
    cb: SSL_psk_find_session_cb_func,
) {
    edit_ssl(ssl, |p| p.find_session = cb)
}

/// Sets a client's identity/key callback, used in TLS 1.3 with TLS_AES_128_GCM_SHA256's hash
/// when no `SSL_psk_use_session_cb_func` supplies a session (NULL removes it).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_psk_client_callback(
    ctx: *mut SSL_CTX,
    cb: SSL_psk_client_cb_func,
) {
    edit_ctx(ctx, |p| p.client = cb)
}

/// Like `SSL_CTX_set_psk_client_callback`, for one connection.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_psk_client_callback(ssl: *mut SSL, cb: SSL_psk_client_cb_func) {
    edit_ssl(ssl, |p| p.client = cb)
}

/// Sets a server's identity-to-key callback, used in TLS 1.3 with TLS_AES_128_GCM_SHA256's
/// hash when no `SSL_psk_find_session_cb_func` finds a session (NULL removes it).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_psk_server_callback(
    ctx: *mut SSL_CTX,
    cb: SSL_psk_server_cb_func,
) {
    edit_ctx(ctx, |p| p.server = cb)
}

/// Like `SSL_CTX_set_psk_server_callback`, for one connection.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_psk_server_callback(ssl: *mut SSL, cb: SSL_psk_server_cb_func) {
    edit_ssl(ssl, |p| p.server = cb)
}

/// Reads an identity hint: NULL or empty means none; longer than 256 bytes (OpenSSL's limit)
/// is an error (`Err`).
fn read_hint(hint: *const c_char) -> Result<Option<Vec<u8>>, ()> {
    if hint.is_null() {
        return Ok(None);
    }
    // SAFETY: a NUL-terminated string from the caller.
    let h = unsafe { CStr::from_ptr(hint) }.to_bytes();
    if h.len() > PSK_MAX_IDENTITY_LEN as usize {
        err::push(&Error::local(
            Reason::DATA_LENGTH_TOO_LONG,
            "the PSK identity hint is longer than 256 bytes",
        ));
        return Err(());
    }
    Ok((!h.is_empty()).then(|| h.to_vec()))
}

/// Sets the identity hint a server sends in the ServerKeyExchange of a TLS 1.2 PSK suite (NULL
/// or "" for none; TLS 1.3 has no hint). Returns 1, or 0 for a hint longer than 256 bytes.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_use_psk_identity_hint(
    ctx: *mut SSL_CTX,
    hint: *const c_char,
) -> c_int {
    with_ref(ctx, 0, |c| match read_hint(hint) {
        Ok(h) => {
            c.edit().psk.hint = h;
            1
        }
        Err(()) => 0,
    })
}

/// Like `SSL_CTX_use_psk_identity_hint`, for one connection.
#[no_mangle]
pub unsafe extern "C" fn SSL_use_psk_identity_hint(ssl: *mut SSL, hint: *const c_char) -> c_int {
    guard(0, || match read_hint(hint) {
        Ok(h) => {
            let mut set = false;
            edit_ssl(ssl, |p| {
                p.hint = h;
                set = true;
            });
            set as c_int
        }
        Err(()) => 0,
    })
}

/// The identity hint of a TLS 1.2 PSK handshake: on a client the one the server sent, on a
/// server the one it sent; NULL when there was none (and in TLS 1.3, which has no hint). A hint
/// holding a NUL byte is cut there.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_psk_identity_hint(ssl: *const SSL) -> *const c_char {
    guard(std::ptr::null(), || {
        // SAFETY: see try_mut; the string is cached in the object as for SSL_get_psk_identity.
        let Some(s) = (unsafe { try_mut(ssl as *mut SSL) }) else {
            return std::ptr::null();
        };
        let hint = s
            .connection()
            .and_then(|c| c.negotiated().psk_identity_hint.clone());
        let Some(hint) = hint else {
            return std::ptr::null();
        };
        let cut: Vec<u8> = hint.into_iter().take_while(|b| *b != 0).collect();
        let fresh = CString::new(cut).unwrap_or_default();
        if s.psk.hint.as_ref() != Some(&fresh) {
            s.psk.hint = Some(fresh);
        }
        s.psk.hint.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
    })
}

/// The identity of the external PSK the handshake used, or NULL. An identity holding a NUL
/// byte is cut there.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_psk_identity(ssl: *const SSL) -> *const c_char {
    guard(std::ptr::null(), || {
        // SAFETY: see try_ref; `SSL_get_psk_identity` takes a const SSL in OpenSSL but caches
        // its string in the object, as `SSL_get_servername` does.
        let Some(s) = (unsafe { try_mut(ssl as *mut SSL) }) else {
            return std::ptr::null();
        };
        let identity = s
            .connection()
            .and_then(|c| c.negotiated().psk_identity.clone());
        let Some(identity) = identity else {
            return std::ptr::null();
        };
        let cut: Vec<u8> = identity.into_iter().take_while(|b| *b != 0).collect();
        let fresh = CString::new(cut).unwrap_or_default();
        if s.psk.identity.as_ref() != Some(&fresh) {
            s.psk.identity = Some(fresh);
        }
        s.psk
            .identity
            .as_ref()
            .map_or(std::ptr::null(), |c| c.as_ptr())
    })
}

// ---- building a PSK session -----------------------------------------------------------------------

/// A new, empty session (one reference), to be filled with `SSL_SESSION_set1_master_key`,
/// `SSL_SESSION_set_cipher` and `SSL_SESSION_set_protocol_version` for an external PSK.
#[no_mangle]
pub extern "C" fn SSL_SESSION_new() -> *mut SSL_SESSION {
    guard(std::ptr::null_mut(), || {
        SSL_SESSION::new_raw(Arc::new(Session::new(
            ProtocolVersion(0),
            CipherSuite(0),
            Secret::new(Vec::new()),
            crate::session::DEFAULT_TIMEOUT_SECS,
        )))
    })
}

/// Sets the session's key: the external PSK, or a TLS 1.2 master secret. Returns 1, or 0 for a
/// key longer than 512 bytes.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_set1_master_key(
    sess: *mut SSL_SESSION,
    input: *const u8,
    len: usize,
) -> c_int {
    guard(0, || {
        // SAFETY: see `session`.
        let Some(s) = (unsafe { try_ref(sess) }) else {
            return 0;
        };
        if len > MAX_MASTER_KEY_LEN || (input.is_null() && len > 0) {
            err::push(&Error::local(
                Reason::INVALID_ARGUMENT,
                "the master key is NULL or longer than 512 bytes",
            ));
            return 0;
        }
        let key = if len == 0 {
            Secret::new(Vec::new())
        } else {
            // SAFETY: the caller provides `len` readable bytes.
            Secret::from_slice(unsafe { std::slice::from_raw_parts(input, len) })
        };
        s.update(|x| x.secret = key);
        1
    })
}

/// Copies up to `outlen` bytes of the session's key to `out` and returns how many; with
/// `outlen` 0, returns the key's length.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_get_master_key(
    sess: *const SSL_SESSION,
    out: *mut u8,
    outlen: usize,
) -> usize {
    guard(0, || {
        // SAFETY: see `session`.
        let Some(s) = (unsafe { try_ref(sess) }) else {
            return 0;
        };
        let current = s.get();
        if outlen == 0 {
            return current.secret.len();
        }
        let n = outlen.min(current.secret.len());
        if !out.is_null() {
            // SAFETY: the caller provides `outlen` writable bytes.
            unsafe { std::ptr::copy_nonoverlapping(current.secret.as_ptr(), out, n) };
        }
        n
    })
}

/// Sets the session's cipher suite (for an external PSK, a TLS 1.3 one: its hash is the
/// PSK's). Returns 1, or 0 for a cipher not from this library.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_set_cipher(
    sess: *mut SSL_SESSION,
    c: *const SSL_CIPHER,
) -> c_int {
    guard(0, || {
        // SAFETY: see `session`.
        let Some(s) = (unsafe { try_ref(sess) }) else {
            return 0;
        };
        let Some(info) = cipher::from_c(c) else {
            return null_arg("SSL_CIPHER", 0);
        };
        s.update(|x| x.suite = info.suite);
        1
    })
}

/// The session's cipher suite, or NULL if none is set.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_get0_cipher(sess: *const SSL_SESSION) -> *const SSL_CIPHER {
    guard(std::ptr::null(), || {
        // SAFETY: see `session`.
        let Some(s) = (unsafe { try_ref(sess) }) else {
            return std::ptr::null();
        };
        crate::suites::lookup(s.get().suite).map_or(std::ptr::null(), cipher::to_c)
    })
}

/// Sets the session's protocol version (`TLS1_2_VERSION` or `TLS1_3_VERSION`). Returns 1, or 0
/// for another version.
#[no_mangle]
pub unsafe extern "C" fn SSL_SESSION_set_protocol_version(
    sess: *mut SSL_SESSION,
    version: c_int,
) -> c_int {
    guard(0, || {
        // SAFETY: see `session`.
        let Some(s) = (unsafe { try_ref(sess) }) else {
            return 0;
        };
        if version != super::consts::TLS1_2_VERSION && version != super::consts::TLS1_3_VERSION {
            err::push(&Error::local(
                Reason::UNSUPPORTED_PROTOCOL,
                format!("protocol version {version:#x} is not one libtls speaks"),
            ));
            return 0;
        }
        s.update(|x| x.version = ProtocolVersion(version as u16));
        1
    })
}

/// The cipher of this library with the two-byte codepoint at `ptr` (e.g. {0x13, 0x01}), or
/// NULL.
#[no_mangle]
pub unsafe extern "C" fn SSL_CIPHER_find(ssl: *mut SSL, ptr: *const u8) -> *const SSL_CIPHER {
    guard(std::ptr::null(), || {
        // SAFETY: see try_ref (checks NULL).
        if unsafe { try_ref(ssl) }.is_none() {
            return std::ptr::null();
        }
        if ptr.is_null() {
            return null_arg("cipher codepoint", std::ptr::null());
        }
        // SAFETY: the caller provides two readable bytes.
        let code = unsafe { u16::from_be_bytes([*ptr, *ptr.add(1)]) };
        crate::suites::lookup(CipherSuite(code)).map_or(std::ptr::null(), cipher::to_c)
    })
}

/// The handshake hash of a TLS 1.3 suite (aws-lc's static `EVP_MD`), or of a TLS 1.2 suite its
/// PRF hash; NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn SSL_CIPHER_get_handshake_digest(c: *const SSL_CIPHER) -> *const EVP_MD {
    guard(std::ptr::null(), || {
        cipher::from_c(c).map_or(std::ptr::null(), |info| md_of(Some(info.hash)))
    })
}
