//! `SSL_METHOD` and `SSL_CTX`: the shared configuration of many connections.
//!
//! This module holds the object and its settings; [`certs`] holds its certificates, keys,
//! trust anchors, CA name lists and verification settings.

mod certs;

pub use certs::*;

use super::{guard_or, try_ref, with_result};

use super::consts::*;
use super::exdata::{CRYPTO_EX_DATA, CRYPTO_EX_INDEX_SSL_CTX};
use super::ssl::SSL;
use super::x509::{stack_st_X509_NAME, NameStack, EVP_PKEY, X509, X509_STORE_CTX};
use super::{c_str, err, guard};
use crate::config::{CertifiedKey, Config};
use crate::conn::Role;
use crate::crypto::sign::{KeyType, SigningKey};
use crate::error::{Error, Reason, Result};
use crate::msgs::enums::ProtocolVersion;
use crate::verify::RootStore;
use std::ffi::{c_char, c_int, c_uint, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Which roles a method allows; `None` for `TLS_method`, which allows both.
pub struct SSL_METHOD {
    pub(crate) role: Option<Role>,
}

static TLS_METHOD: SSL_METHOD = SSL_METHOD { role: None };
static TLS_CLIENT_METHOD: SSL_METHOD = SSL_METHOD {
    role: Some(Role::Client),
};
static TLS_SERVER_METHOD: SSL_METHOD = SSL_METHOD {
    role: Some(Role::Server),
};

#[no_mangle]
pub extern "C" fn TLS_method() -> *const SSL_METHOD {
    &TLS_METHOD
}

#[no_mangle]
pub extern "C" fn TLS_client_method() -> *const SSL_METHOD {
    &TLS_CLIENT_METHOD
}

#[no_mangle]
pub extern "C" fn TLS_server_method() -> *const SSL_METHOD {
    &TLS_SERVER_METHOD
}

/// The verify callback's type, as OpenSSL declares it.
pub type SSL_verify_cb =
    Option<unsafe extern "C" fn(preverify_ok: c_int, x509_ctx: *mut X509_STORE_CTX) -> c_int>;

/// `SSL_CTX_set_client_cert_cb`'s callback: on a CertificateRequest that no configured
/// certificate answers, it may return 1 with a new certificate and private key in `*x509` and
/// `*pkey` (the library frees both); 0 sends no certificate.
pub type SSL_client_cert_cb = Option<
    unsafe extern "C" fn(ssl: *mut SSL, x509: *mut *mut X509, pkey: *mut *mut EVP_PKEY) -> c_int,
>;

/// `SSL_CTX_set_alpn_select_cb`'s callback: picks one protocol of the client's list `input`
/// (wire form) into `*out`/`*outlen` (pointing into `input` or into memory that outlives the
/// handshake) and returns `SSL_TLSEXT_ERR_OK`, `SSL_TLSEXT_ERR_NOACK` (no ALPN) or
/// `SSL_TLSEXT_ERR_ALERT_FATAL` (`no_application_protocol`).
pub type SSL_CTX_alpn_select_cb_func = Option<
    unsafe extern "C" fn(
        ssl: *mut SSL,
        out: *mut *const u8,
        outlen: *mut u8,
        input: *const u8,
        inlen: c_uint,
        arg: *mut c_void,
    ) -> c_int,
>;

/// `SSL_CTX_set_tlsext_servername_callback`'s callback, run while the server reads the
/// ClientHello (`SSL_get_servername` gives the requested name; `SSL_set_SSL_CTX` may switch
/// contexts). It returns an `SSL_TLSEXT_ERR_*` value and may set `*al` to the alert to send
/// (default `SSL_AD_UNRECOGNIZED_NAME`).
pub type SSL_servername_cb =
    Option<unsafe extern "C" fn(ssl: *mut SSL, al: *mut c_int, arg: *mut c_void) -> c_int>;

/// `SSL_CTX_set_client_hello_cb`'s callback (see src/ffi/client_hello.rs).
pub type SSL_client_hello_cb_fn =
    Option<unsafe extern "C" fn(ssl: *mut SSL, al: *mut c_int, arg: *mut c_void) -> c_int>;

/// A certificate chain or a key waiting for its partner, per key type, as OpenSSL lets either
/// be loaded first.
#[derive(Default)]
struct Slot {
    chain: Option<Vec<Vec<u8>>>,
    key: Option<Arc<SigningKey>>,
}

pub(crate) struct CtxState {
    pub(crate) config: Config,
    /// `SSL_CTX_set_verify`'s mode as set, every bit; `config.verify_mode` is what it means.
    pub(crate) verify_mode: c_int,
    /// `SSL_OP_*` bits as set, every bit; `config.options` holds those libtls acts on.
    pub(crate) options: u64,
    slots: Vec<(KeyType, Slot)>,
    /// The key type of the last certificate or key loaded (`SSL_CTX_check_private_key` checks it).
    current: Option<KeyType>,
    pub(crate) verify_callback: SSL_verify_cb,
    pub(crate) client_cert_cb: SSL_client_cert_cb,
    /// What `SSL_CTX_set_client_CA_list` installed; `config.client_ca_names` mirrors it.
    client_ca_list: Option<NameStack>,
    /// Cached immutable copy for new connections; dropped when the configuration changes.
    snapshot: Option<Arc<Config>>,
    /// `SSL_CTX_get_cert_store`'s store, and how many objects it held when the snapshot took
    /// its certificates as trust anchors.
    pub(crate) cert_store: Arc<super::store::StoreCell>,
    store_generation: (usize, usize),
    min_proto: c_int,
    max_proto: c_int,
    /// `SSL_MODE_*` copied into each new SSL (AUTO_RETRY on by default, as OpenSSL 1.1.1+).
    pub(crate) mode: u32,
    pub(crate) alpn_select_cb: SSL_CTX_alpn_select_cb_func,
    /// The callbacks' `arg`, kept as an address: the library never dereferences it.
    pub(crate) alpn_select_arg: usize,
    pub(crate) servername_cb: SSL_servername_cb,
    pub(crate) servername_arg: usize,
    pub(crate) client_hello_cb: SSL_client_hello_cb_fn,
    pub(crate) client_hello_arg: usize,
    /// `SSL_CTX_set_cert_cb` and its `arg` (an address, never dereferenced).
    pub(crate) cert_cb: super::cert_cb::SSL_cert_cb,
    pub(crate) cert_cb_arg: usize,
    pub(crate) quiet_shutdown: bool,
    /// `SSL_CTX_set_read_ahead`: copied into each new SSL (off by default, as in OpenSSL).
    pub(crate) read_ahead: bool,
    /// `SSL_CTX_set_default_passwd_cb` and its userdata (kept as an address, never dereferenced).
    pub(crate) passwd_cb: super::compat::LIBTLS_pem_password_cb,
    pub(crate) passwd_userdata: usize,
    pub(crate) session_callbacks: super::session::SessionCallbacks,
    /// External PSK callbacks and identity hint (`SSL_CTX_set_psk_*`).
    pub(crate) psk: super::psk::PskSettings,
    /// Info, message and key log callbacks for new connections.
    pub(crate) observers: super::observe::CtxObservers,
    /// OCSP stapling: the status callback, its argument, the status type new clients ask for.
    pub(crate) ocsp: super::ocsp::CtxOcsp,
    /// The stack `SSL_CTX_get_extra_chain_certs` handed out last (see chain_query.rs).
    pub(crate) chain_query_stack: Option<super::x509::X509Stack>,
    /// The certificate objects given to `SSL_CTX_use_certificate`, by DER, one reference each:
    /// `SSL_get_certificate` hands back the caller's own object, as OpenSSL does, with whatever
    /// the program attached to it (nginx keeps its OCSP staple in the certificate's ex_data).
    leaf_objects: Vec<(Vec<u8>, super::x509::OwnedX509)>,
    /// `SSL_CTX_get_ciphers`'s stack and the security level.
    pub(crate) ciphers: super::ciphers::CtxCiphers,
}

pub struct SSL_CTX {
    refs: AtomicUsize,
    pub(crate) method: &'static SSL_METHOD,
    state: Mutex<CtxState>,
    ex: Mutex<CRYPTO_EX_DATA>,
}

impl super::Handle for SSL_CTX {
    const NAME: &'static str = "SSL_CTX";
}

impl SSL_CTX {
    /// Locks the state for a change; the cached snapshot is invalidated.
    pub(crate) fn edit(&self) -> MutexGuard<'_, CtxState> {
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        g.snapshot = None;
        g
    }

    pub(crate) fn read(&self) -> MutexGuard<'_, CtxState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The configuration a new connection starts from.
    pub(crate) fn snapshot(&self) -> Arc<Config> {
        let mut g = self.read();
        let generation = g.cert_store.generation();
        if let Some(s) = &g.snapshot {
            if generation == g.store_generation {
                return s.clone();
            }
        }
        let mut config = g.config.clone();
        // The certificate store's certificates join the trust anchors (a certificate that is
        // not a usable anchor is skipped, as one in a CA file is), and its CRLs.
        let base = config.roots.clone();
        g.cert_store.add_to(Arc::make_mut(&mut config.roots));
        // A store the application fills (or replaces) after a connection began is consulted
        // when the peer's chain is verified, as OpenSSL does (curl fills it then).
        let cell = g.cert_store.clone();
        config.roots_source = Some(Arc::new(move || cell.roots_if_changed(&base, generation)));
        let s = Arc::new(config);
        g.snapshot = Some(s.clone());
        g.store_generation = generation;
        s
    }

    pub(crate) fn up_ref(&self) {
        self.refs.fetch_add(1, Ordering::Relaxed);
    }

    /// Drops one reference; frees the context with the last one.
    pub(crate) unsafe fn release(ctx: *mut SSL_CTX) {
        // SAFETY: `ctx` came from SSL_CTX_new and holds at least one reference.
        let c = unsafe { &*ctx };
        if c.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            let mut ex = std::mem::take(&mut *c.ex.lock().unwrap_or_else(|p| p.into_inner()));
            ex.on_free(CRYPTO_EX_INDEX_SSL_CTX, ctx as *mut std::ffi::c_void);
            // SAFETY: this was the last reference; the pointer came from Box::into_raw.
            drop(unsafe { Box::from_raw(ctx) });
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_new(method: *const SSL_METHOD) -> *mut SSL_CTX {
    guard(std::ptr::null_mut(), || {
        if method.is_null() {
            err::push(&Error::local(
                Reason::NULL_SSL_METHOD_PASSED,
                "SSL_CTX_new needs a method (TLS_method() and friends)",
            ));
            return std::ptr::null_mut();
        }
        // Only our three statics can be methods; compare addresses instead of dereferencing.
        let method: &'static SSL_METHOD = [&TLS_METHOD, &TLS_CLIENT_METHOD, &TLS_SERVER_METHOD]
            .into_iter()
            .find(|m| std::ptr::eq(*m, method))
            .unwrap_or(&TLS_METHOD);
        let ctx = SSL_CTX {
            refs: AtomicUsize::new(1),
            method,
            state: Mutex::new(CtxState {
                config: Config::default(),
                verify_mode: SSL_VERIFY_NONE,
                options: super::options::SSL_OP_DEFAULT,
                slots: Vec::new(),
                current: None,
                chain_query_stack: None,
                leaf_objects: Vec::new(),
                verify_callback: None,
                client_cert_cb: None,
                client_ca_list: None,
                snapshot: None,
                cert_store: Default::default(),
                store_generation: (0, 0),
                min_proto: 0,
                max_proto: 0,
                mode: SSL_MODE_AUTO_RETRY,
                quiet_shutdown: false,
                read_ahead: false,
                passwd_cb: None,
                passwd_userdata: 0,
                session_callbacks: Default::default(),
                psk: Default::default(),
                alpn_select_cb: None,
                alpn_select_arg: 0,
                servername_cb: None,
                servername_arg: 0,
                client_hello_cb: None,
                client_hello_arg: 0,
                cert_cb: None,
                cert_cb_arg: 0,
                observers: Default::default(),
                ocsp: Default::default(),
                ciphers: Default::default(),
            }),
            ex: Mutex::new(CRYPTO_EX_DATA::default()),
        };
        let p = Box::into_raw(Box::new(ctx));
        // The callbacks run without the lock held, so they may call SSL_CTX_set_ex_data.
        let mut ex = CRYPTO_EX_DATA::default();
        ex.on_new(CRYPTO_EX_INDEX_SSL_CTX, p as *mut std::ffi::c_void);
        // SAFETY: just created.
        unsafe { &*p }
            .ex
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .absorb(ex);
        p
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_free(ctx: *mut SSL_CTX) {
    guard((), || {
        if !ctx.is_null() {
            // SAFETY: a non-NULL pointer is a context holding a reference.
            unsafe { SSL_CTX::release(ctx) }
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_up_ref(ctx: *mut SSL_CTX) -> c_int {
    with_result(ctx, |c| {
        c.up_ref();
        Ok(())
    })
}

/// A version for `SSL_*_set_{min,max}_proto_version`: 0 (no bound) or SSL 3.0 to TLS 1.3.
pub(crate) fn check_proto_version(v: Option<c_int>) -> Result<()> {
    match v {
        Some(v) if !(v == 0 || (TLS1_VERSION..=TLS1_3_VERSION).contains(&v) || v == 0x0300) => Err(
            Error::local(Reason::UNSUPPORTED_PROTOCOL, "unknown protocol version"),
        ),
        _ => Ok(()),
    }
}

/// The versions `SSL_*_set_{min,max}_proto_version` bounds allow. TLS 1.1 and older are never
/// negotiated: a lower minimum means TLS 1.2 (and a lower maximum leaves nothing).
pub(crate) fn version_range(min: c_int, max: c_int) -> (ProtocolVersion, ProtocolVersion) {
    let min = ProtocolVersion((min as u16).max(TLS1_2_VERSION as u16));
    let max = if max == 0 {
        ProtocolVersion::TLSV1_3
    } else {
        ProtocolVersion(max as u16)
    };
    (min, max)
}

/// TLS 1.3 suites, OpenSSL syntax ("TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256").
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_ciphersuites(ctx: *mut SSL_CTX, list: *const c_char) -> c_int {
    with_result(ctx, |c| {
        // SAFETY: C string from the caller.
        let s = unsafe { c_str(list, "ciphersuites") }.ok_or_else(bad_arg)?;
        let suites = crate::config::lists::parse_tls13_suites(s)?;
        c.edit().config.tls13_suites = suites;
        Ok(())
    })
}

/// TLS 1.2 suites, OpenSSL cipher-string syntax ("ECDHE-ECDSA-AES128-GCM-SHA256:HIGH:!aNULL").
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_cipher_list(ctx: *mut SSL_CTX, list: *const c_char) -> c_int {
    with_result(ctx, |c| {
        // SAFETY: C string from the caller.
        let s = unsafe { c_str(list, "cipher list") }.ok_or_else(bad_arg)?;
        let suites = crate::config::lists::parse_cipher_list(s)?;
        c.edit().config.tls12_suites = suites;
        Ok(())
    })
}

/// Groups in preference order ("X25519MLKEM768:X25519:P-256").
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set1_groups_list(ctx: *mut SSL_CTX, list: *const c_char) -> c_int {
    with_result(ctx, |c| {
        // SAFETY: C string from the caller.
        let s = unsafe { c_str(list, "groups") }.ok_or_else(bad_arg)?;
        let groups = crate::config::lists::parse_groups(s)?;
        c.edit().config.groups = groups;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set1_curves_list(ctx: *mut SSL_CTX, list: *const c_char) -> c_int {
    // SAFETY: same contract as SSL_CTX_set1_groups_list.
    unsafe { SSL_CTX_set1_groups_list(ctx, list) }
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_min_proto_version(ctx: *mut SSL_CTX, version: c_int) -> c_int {
    with_result(ctx, |c| c.edit().set_proto_bounds(Some(version), None))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_max_proto_version(ctx: *mut SSL_CTX, version: c_int) -> c_int {
    with_result(ctx, |c| c.edit().set_proto_bounds(None, Some(version)))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_min_proto_version(ctx: *mut SSL_CTX) -> c_int {
    guard(0, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(0, |c| c.read().min_proto)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_max_proto_version(ctx: *mut SSL_CTX) -> c_int {
    guard(0, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(0, |c| c.read().max_proto)
    })
}

fn bad_arg() -> Error {
    Error::local(Reason::INVALID_ARGUMENT, "invalid argument")
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_ex_data(
    ctx: *mut SSL_CTX,
    idx: c_int,
    data: *mut std::ffi::c_void,
) -> c_int {
    guard(0, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(0, |c| {
            c.ex.lock()
                .unwrap_or_else(|p| p.into_inner())
                .set(idx, data) as c_int
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_ex_data(
    ctx: *const SSL_CTX,
    idx: c_int,
) -> *mut std::ffi::c_void {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(std::ptr::null_mut(), |c| {
            c.ex.lock().unwrap_or_else(|p| p.into_inner()).get(idx)
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_mode(
    ctx: *mut SSL_CTX,
    mode: std::ffi::c_long,
) -> std::ffi::c_long {
    guard(0, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(0, |c| {
            let mut st = c.edit();
            st.mode |= mode as u32;
            st.mode as std::ffi::c_long
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_clear_mode(
    ctx: *mut SSL_CTX,
    mode: std::ffi::c_long,
) -> std::ffi::c_long {
    guard(0, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(0, |c| {
            let mut st = c.edit();
            st.mode &= !(mode as u32);
            st.mode as std::ffi::c_long
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_mode(ctx: *mut SSL_CTX) -> std::ffi::c_long {
    guard(0, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(0, |c| c.read().mode as std::ffi::c_long)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_quiet_shutdown(ctx: *mut SSL_CTX, mode: c_int) {
    with_result(ctx, |c| {
        c.edit().quiet_shutdown = mode != 0;
        Ok(())
    });
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_quiet_shutdown(ctx: *const SSL_CTX) -> c_int {
    guard(0, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(0, |c| c.read().quiet_shutdown as c_int)
    })
}

/// Sets the largest handshake message (certificate list) connections made from this context
/// accept, in bytes (default 102400, as OpenSSL); returns the previous limit. A larger message
/// is refused from its header, so a peer cannot make a connection buffer more than this.
/// The most plaintext bytes one record sent carries, 512 to 16384 (the default); returns 1, or
/// 0 for a size outside that range. A macro over `SSL_CTX_ctrl` in OpenSSL.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_max_send_fragment(
    ctx: *mut SSL_CTX,
    max: std::ffi::c_long,
) -> c_int {
    if !(512..=crate::record::MAX_PLAINTEXT as std::ffi::c_long).contains(&max) {
        err::push(&Error::local(
            Reason::INVALID_ARGUMENT,
            "SSL_CTX_set_max_send_fragment: the size must be 512 to 16384",
        ));
        return 0;
    }
    with_result(ctx, |c| {
        c.edit().config.max_send_fragment = max as usize;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_max_cert_list(
    ctx: *mut SSL_CTX,
    max: std::ffi::c_long,
) -> std::ffi::c_long {
    let mut old = 0;
    // As OpenSSL: a negative limit changes nothing and returns 0.
    if max < 0 {
        return 0;
    }
    with_result(ctx, |c| {
        let mut st = c.edit();
        old = st.config.max_handshake_message as std::ffi::c_long;
        st.config.max_handshake_message = max as usize;
        Ok(())
    });
    old
}

/// The largest handshake message connections from this context accept.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_max_cert_list(ctx: *const SSL_CTX) -> std::ffi::c_long {
    guard(0, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(0, |c| {
            c.read().config.max_handshake_message as std::ffi::c_long
        })
    })
}

/// Runs `f` on the locked state of a live context; NULL or a panic gives `fail`.
pub(crate) fn with_state<T>(ctx: *const SSL_CTX, fail: T, f: impl FnOnce(&mut CtxState) -> T) -> T {
    guard_or(fail, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map(|c| f(&mut c.edit()))
    })
}

impl CtxState {
    /// Keeps `op` as the `SSL_OP_*` bits set and gives the core what they mean; returns `op`.
    fn set_options(&mut self, op: u64) -> u64 {
        self.options = op;
        self.config.options = super::options::options_from_c(op);
        op
    }
}

/// Adds `SSL_OP_*` bits; returns the new options.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_options(ctx: *mut SSL_CTX, op: u64) -> u64 {
    with_state(ctx, 0, |st| st.set_options(st.options | op))
}

/// Removes `SSL_OP_*` bits; returns the new options.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_clear_options(ctx: *mut SSL_CTX, op: u64) -> u64 {
    with_state(ctx, 0, |st| st.set_options(st.options & !op))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_options(ctx: *const SSL_CTX) -> u64 {
    guard(0, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(0, |c| c.read().options)
    })
}

/// Signature algorithms we offer and accept, and may sign with, in preference order, OpenSSL
/// syntax ("ECDSA+SHA256:RSA-PSS+SHA256:ed25519:rsa_pss_rsae_sha256"). Unknown names, duplicates
/// or a list that leaves nothing are an error.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set1_sigalgs_list(
    ctx: *mut SSL_CTX,
    list: *const c_char,
) -> c_int {
    with_result(ctx, |c| {
        // SAFETY: C string from the caller.
        let s = unsafe { c_str(list, "sigalgs") }.ok_or_else(bad_arg)?;
        let schemes = crate::config::lists::parse_sigalgs(s)?;
        c.edit().config.verify_schemes = schemes;
        Ok(())
    })
}

/// Signature algorithms of client authentication, same syntax: a server requests and accepts
/// these for the client's CertificateVerify, a client signs its CertificateVerify only with
/// these, preferring earlier ones. Without it a server uses the `SSL_CTX_set1_sigalgs_list`
/// list.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set1_client_sigalgs_list(
    ctx: *mut SSL_CTX,
    list: *const c_char,
) -> c_int {
    with_result(ctx, |c| {
        // SAFETY: C string from the caller.
        let s = unsafe { c_str(list, "client sigalgs") }.ok_or_else(bad_arg)?;
        let schemes = crate::config::lists::parse_sigalgs(s)?;
        c.edit().config.client_auth_schemes = Some(schemes);
        Ok(())
    })
}

/// An ALPN list in wire form from C (`protos`, `len` bytes); an empty one clears the list.
pub(crate) unsafe fn alpn_list_arg(protos: *const u8, len: c_uint) -> Result<Vec<Vec<u8>>> {
    if len == 0 {
        return Ok(Vec::new());
    }
    if protos.is_null() {
        return Err(bad_arg());
    }
    // SAFETY: the caller provides `len` readable bytes at `protos`.
    let wire = unsafe { std::slice::from_raw_parts(protos, len as usize) };
    crate::config::parse_alpn_wire(wire).ok_or_else(|| {
        Error::local(
            Reason::INVALID_ARGUMENT,
            "malformed ALPN protocol list (expected length-prefixed, non-empty names)",
        )
    })
}

/// The protocols a client offers with ALPN, in wire form ("\x02h2\x08http/1.1"); `len` 0
/// clears them. As in OpenSSL, 0 means success and 1 failure.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_alpn_protos(
    ctx: *mut SSL_CTX,
    protos: *const u8,
    len: c_uint,
) -> c_int {
    let r = with_result(ctx, |c| {
        // SAFETY: forwarded caller buffer.
        let list = unsafe { alpn_list_arg(protos, len) }?;
        c.edit().config.alpn_protocols = list;
        Ok(())
    });
    (r != 1) as c_int
}

/// Sets the server's ALPN callback (NULL: ignore clients' ALPN offers).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_alpn_select_cb(
    ctx: *mut SSL_CTX,
    cb: SSL_CTX_alpn_select_cb_func,
    arg: *mut c_void,
) {
    with_state(ctx, (), |st| {
        st.alpn_select_cb = cb;
        st.alpn_select_arg = arg as usize;
    })
}

/// Sets the server name callback. OpenSSL defines this as a macro returning long; here it is
/// a function returning 1.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_tlsext_servername_callback(
    ctx: *mut SSL_CTX,
    cb: SSL_servername_cb,
) -> c_int {
    with_state(ctx, 0, |st| {
        st.servername_cb = cb;
        1
    })
}

/// The `arg` the server name callback receives. A function returning 1 (OpenSSL: a macro).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_tlsext_servername_arg(
    ctx: *mut SSL_CTX,
    arg: *mut c_void,
) -> c_int {
    with_state(ctx, 0, |st| {
        st.servername_arg = arg as usize;
        1
    })
}

#[cfg(test)]
mod tests {
    use super::is_hashed_ca_name;

    #[test]
    fn hashed_ca_names_are_eight_hex_digits_dot_a_number() {
        for good in ["9d0f2b9e.0", "B31F2E91.12"] {
            assert!(is_hashed_ca_name(good), "{good}");
        }
        for bad in [
            "9d0f2b9e",
            "9d0f2b9e.",
            "9d0f2b9.0",
            "9d0f2b9ez.0",
            "9d0f2b9e.r0",
            "ca.pem",
        ] {
            assert!(!is_hashed_ca_name(bad), "{bad}");
        }
    }
}
