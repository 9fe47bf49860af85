//! `SSL`: one connection over a file descriptor, driving the sans-I/O core with OpenSSL's
//! blocking and non-blocking semantics.
//!
//! This module holds the object itself (`SSL_new`, `SSL_free`, ex data, `SSL_clear`); the rest
//! is split by concern: [`drive`] (transport, handshake, read, write, shutdown), [`settings`]
//! (`SSL_set_*` and the configuration the core gets), [`callbacks`] (application callbacks
//! during the handshake), [`query`] (what the connection reports) and [`getters`] (the
//! certificate and key objects it hands out).

mod callbacks;
mod drive;
pub mod getters;
mod query;
mod settings;

pub use callbacks::*;
pub use drive::*;
pub use query::*;
pub use settings::*;

use super::verify_param::{register_param, unregister_param, X509_VERIFY_PARAM};
use super::{try_ref, with_mut, with_ref};

use super::bio::{self, IoOutcome, BIO};
use super::cipher::{self, SSL_CIPHER};
use super::consts::*;
use super::ctx::SSL_verify_cb;
use super::ctx::SSL_CTX;
use super::exdata::{CRYPTO_EX_DATA, CRYPTO_EX_INDEX_SSL};
use super::x509::{
    stack_st_X509, stack_st_X509_NAME, NameStack, OwnedX509, X509Stack, EVP_PKEY, X509,
    X509_STORE_CTX,
};
use super::{c_str, err, guard, null_arg};
use crate::config::{
    AlpnDecision, CertificateRequestView, CertifiedKey, Config, SniDecision, SniOutcome,
};
use crate::conn::{ClientOptions, Connection, Role};
use crate::diagnosis::TransportEnd;
use crate::error::{Error, Reason};
use crate::msgs::enums::{AlertDescription, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::verify::VerifyEvent;
use std::ffi::{c_char, c_int, c_long, c_uint, c_void, CString};
use std::sync::Arc;

pub struct SSL {
    ctx: *mut SSL_CTX,
    pub(crate) role: Option<Role>,
    /// Each slot owns one reference (the same BIO in both slots holds two).
    rbio: *mut BIO,
    wbio: *mut BIO,
    pub(crate) conn: Option<Connection>,
    /// SNI to send (`SSL_set_tlsext_host_name`).
    sni: Option<String>,
    /// Names and address the server certificate must match (`SSL_set1_host`, `SSL_add1_host`,
    /// `SSL_set_hostflags`, `SSL_get0_param`).
    pub(crate) verify_param: X509_VERIFY_PARAM,
    /// This connection's own copy of its context's settings, taken at `SSL_new` as OpenSSL
    /// copies them, and changed by `SSL_set_*` (copy on write: SSLs that change nothing share
    /// their context's). `SSL::config()` adds what stays the context's (see `settings.rs`).
    pub(crate) settings: Arc<Config>,
    /// The context's snapshot `settings` was copied from: while the context's snapshot is still
    /// this one, nothing of the context changed and `settings` is the whole configuration.
    settings_from: Arc<Config>,
    /// Which settings were set on this SSL (`SSL_set_SSL_CTX` takes the others from the new
    /// context).
    pub(crate) set_here: settings::SetHere,
    /// The verify callback, copied from the context at `SSL_new` (`SSL_set_verify` changes it).
    verify_callback: SSL_verify_cb,
    /// `SSL_set_verify`'s mode as set, every bit, copied from the context at `SSL_new`;
    /// `settings.verify_mode` is what it means.
    verify_mode: c_int,
    /// `SSL_OP_*` bits as set, every bit, copied from the context at `SSL_new`;
    /// `settings.options` holds those the core acts on.
    options: u64,
    /// `SSL_get_peer_cert_chain`'s result, made on first use and owned here.
    peer_chain_stack: Option<X509Stack>,
    /// `SSL_get0_verified_chain`'s result, made on first use and owned here.
    verified_chain_stack: Option<X509Stack>,
    /// A client's `SSL_get_client_CA_list`: the server's names, made on first use, owned here.
    peer_ca_stack: Option<NameStack>,
    /// The peer's leaf certificate object, made on first use; `SSL_get1_peer_certificate`
    /// hands out new references to it, as OpenSSL does.
    peer_cert: Option<OwnedX509>,
    /// What `SSL_get_error` reports for the last failed call, unless the error queue has entries.
    last_error: c_int,
    /// The core's error was already pushed to the queue.
    error_reported: bool,
    /// Length accepted by an `SSL_write` whose records are still being flushed.
    pending_write: Option<usize>,
    /// `SSL_get_servername`'s last answer: the same string is handed out again while the name
    /// stays the same, so repeated calls allocate nothing.
    servername: Option<CString>,
    ex: CRYPTO_EX_DATA,
    /// `SSL_MODE_*` flags.
    mode: u32,
    quiet_shutdown: bool,
    /// `SSL_set_read_ahead`: read more than the record being processed from the transport.
    /// Off (the default), a socket or fd is read a record header and then exactly its body.
    pub(crate) read_ahead: bool,
    /// Shutdown flags set by `SSL_set_shutdown` (or quiet shutdown) without any alert.
    shutdown_flags: c_int,
    /// What the last call was waiting for (`SSL_want`).
    want: c_int,
    pub(crate) sessions: super::session::SslSessions,
    /// The protocol version bounds as set (`TLS1_2_VERSION`, ...; 0: no bound), copied from the
    /// context at `SSL_new`; `settings` holds the versions they allow.
    min_proto: c_int,
    max_proto: c_int,
    /// `SSL_set_cipher_list`: this connection's TLS 1.2 suites. Without it the context's
    /// current lists apply (OpenSSL 3.0 does not copy the cipher lists at `SSL_new`).
    pub(crate) tls12_suites: Option<Vec<crate::msgs::enums::CipherSuite>>,
    /// `SSL_use_certificate` / `SSL_use_PrivateKey`: this connection's own certificate and key,
    /// used in place of the context's of the same key type once both are set.
    pub(crate) own_cert: Option<Vec<u8>>,
    pub(crate) own_key: Option<Arc<crate::crypto::sign::SigningKey>>,
    /// `SSL_set0_chain` / `SSL_add1_chain_cert`: the chain sent after `own_cert`.
    pub(crate) own_chain: Vec<Vec<u8>>,
    /// The certificate callback and its argument, copied from the context at `SSL_new`
    /// (`SSL_set_cert_cb` changes it; `(None, _)`: none).
    pub(crate) cert_cb: (super::cert_cb::SSL_cert_cb, usize),
    /// Info and message callbacks of this connection, and its diagnosis strings.
    pub(crate) observers: super::observe::SslObservers,
    /// A KeyUpdate queued by `SSL_key_update` and not yet flushed (`SSL_KEY_UPDATE_*`).
    key_update_pending: c_int,
    /// Whether a call is using this SSL (its callbacks may not free or drive it meanwhile).
    pub(crate) reentry: super::reentry::Reentry,
    /// OCSP stapling: the status type asked for and the response a server staples.
    pub(crate) ocsp: super::ocsp::SslOcsp,
    /// The objects `SSL_get_certificate` / `SSL_get_privatekey` hand out, owned here.
    pub(crate) own_objects: getters::OwnObjects,
    /// `SSL_set_default_passwd_cb` and its userdata, copied from the context by `SSL_new`.
    pub(crate) passwd: super::pem_key::Passwd,
    /// This connection's PSK callbacks and hint, copied from the context at `SSL_new`
    /// (`SSL_set_psk_*` change them).
    pub(crate) psk: super::psk::SslPsk,
}

// SAFETY: an SSL is used by one thread at a time (OpenSSL's rule); the raw context pointer is
// reference counted and the context itself is thread-safe.
unsafe impl Send for SSL {}

impl super::Handle for SSL {
    const NAME: &'static str = "SSL";
}

impl SSL {
    pub(crate) fn ctx(&self) -> &SSL_CTX {
        // SAFETY: the SSL holds a reference on its context for its whole life.
        unsafe { &*self.ctx }
    }

    pub(crate) fn connection(&self) -> Option<&Connection> {
        self.conn.as_ref()
    }

    pub(crate) fn ctx_observers(&self) -> super::observe::CtxObservers {
        self.ctx().read().observers
    }

    /// Hands what the core recorded to the application's info, message and key log callbacks.
    fn deliver_events(&mut self) {
        let events = match self.conn.as_mut() {
            Some(c) => c.take_events(),
            None => return,
        };
        // SAFETY: this SSL is live; the callbacks may re-enter the library with it, and no
        // borrow of its fields is held across the call.
        unsafe { super::observe::dispatch(self as *mut SSL, events) };
    }
}

#[no_mangle]
pub unsafe extern "C" fn SSL_new(ctx: *mut SSL_CTX) -> *mut SSL {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see try_ref.
        let Some(c) = (unsafe { try_ref(ctx) }) else {
            return std::ptr::null_mut();
        };
        c.up_ref();
        // OpenSSL copies the context's settings into the new SSL; later SSL_CTX_set_* calls
        // leave it alone (see settings.rs for what stays the context's).
        let settings = c.snapshot();
        let (
            mode,
            quiet_shutdown,
            read_ahead,
            verify_mode,
            options,
            min_proto,
            max_proto,
            verify_callback,
            cert_cb,
        ) = {
            let st = c.read();
            (
                st.mode,
                st.quiet_shutdown,
                st.read_ahead,
                st.verify_mode,
                st.options,
                st.min_proto_version_raw(),
                st.max_proto_version_raw(),
                st.verify_callback,
                (st.cert_cb, st.cert_cb_arg),
            )
        };
        let ssl = SSL {
            ctx,
            role: c.method.role,
            rbio: std::ptr::null_mut(),
            wbio: std::ptr::null_mut(),
            conn: None,
            sni: None,
            verify_param: X509_VERIFY_PARAM::default(),
            settings_from: settings.clone(),
            settings,
            set_here: Default::default(),
            verify_callback,
            verify_mode,
            options,
            peer_chain_stack: None,
            verified_chain_stack: None,
            peer_ca_stack: None,
            peer_cert: None,
            last_error: SSL_ERROR_NONE,
            error_reported: false,
            pending_write: None,
            servername: None,
            ex: CRYPTO_EX_DATA::default(),
            mode,
            quiet_shutdown,
            read_ahead,
            shutdown_flags: 0,
            want: SSL_NOTHING,
            sessions: Default::default(),
            min_proto,
            max_proto,
            tls12_suites: None,
            own_cert: None,
            own_key: None,
            own_chain: Vec::new(),
            cert_cb,
            observers: Default::default(),
            key_update_pending: SSL_KEY_UPDATE_NONE,
            reentry: Default::default(),
            ocsp: super::ocsp::SslOcsp::new(c),
            own_objects: Default::default(),
            passwd: super::pem_key::Passwd::of_ctx(c),
            psk: super::psk::SslPsk::of_ctx(c),
        };
        let p = Box::into_raw(Box::new(ssl));
        // SAFETY: just created; its parameter object lives at a fixed address until SSL_free.
        register_param(unsafe { &mut (*p).verify_param });
        // SAFETY: just created; the callbacks see the new object as OpenSSL's do.
        unsafe {
            super::reentry::run_new_callbacks(p, |s| {
                s.ex.on_new(CRYPTO_EX_INDEX_SSL, p as *mut c_void)
            })
        }
    })
}

/// Frees the SSL and its BIOs. Called from one of this SSL's own callbacks, the free waits
/// until the library call that ran the callback returns (libtls; in OpenSSL a use after free).
#[no_mangle]
pub unsafe extern "C" fn SSL_free(ssl: *mut SSL) {
    // SAFETY: NULL or a live SSL owned by the caller.
    guard((), || unsafe { super::reentry::free(ssl) })
}

/// Frees a live SSL that no call is using (see `reentry::free`).
///
/// # Safety
/// `ssl` came from `SSL_new`, is live, and is freed once.
pub(crate) unsafe fn release(ssl: *mut SSL) {
    guard((), || {
        // SAFETY: the object is live until the Box below takes it.
        unsafe { (*ssl).ex.on_free(CRYPTO_EX_INDEX_SSL, ssl as *mut c_void) };
        // SAFETY: the pointer came from SSL_new and is freed once, by this call.
        let s = unsafe { Box::from_raw(ssl) };
        unregister_param(&s.verify_param);
        let ctx = s.ctx;
        // SAFETY: each slot owns one reference.
        unsafe {
            bio::release(s.rbio);
            bio::release(s.wbio);
        }
        drop(s);
        // SAFETY: the SSL held one reference on its context.
        unsafe { SSL_CTX::release(ctx) };
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_SSL_CTX(ssl: *const SSL) -> *mut SSL_CTX {
    with_ref(ssl, std::ptr::null_mut(), |s| s.ctx)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_ex_data(ssl: *mut SSL, idx: c_int, data: *mut c_void) -> c_int {
    with_mut(ssl, 0, |s| s.ex.set(idx, data) as c_int)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_ex_data(ssl: *const SSL, idx: c_int) -> *mut c_void {
    with_ref(ssl, std::ptr::null_mut(), |s| s.ex.get(idx))
}

/// OpenSSL's macro: ex_data slot 0.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_app_data(ssl: *mut SSL, data: *mut c_void) -> c_int {
    // SAFETY: same contract as SSL_set_ex_data.
    unsafe { SSL_set_ex_data(ssl, 0, data) }
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_app_data(ssl: *const SSL) -> *mut c_void {
    // SAFETY: same contract as SSL_get_ex_data.
    unsafe { SSL_get_ex_data(ssl, 0) }
}

/// Resets the SSL for a new connection over the same BIOs, keeping its settings. Everything
/// learnt from the previous peer goes: the objects handed out for it (peer and verified chains,
/// CA names, server name, diagnosis strings) are freed, so pointers to them must not be used
/// after this call.
#[no_mangle]
pub unsafe extern "C" fn SSL_clear(ssl: *mut SSL) -> c_int {
    super::reentry::driving(ssl, 0, "SSL_clear", |s| {
        s.conn = None;
        s.peer_cert = None;
        s.last_error = SSL_ERROR_NONE;
        s.error_reported = false;
        s.pending_write = None;
        s.shutdown_flags = 0;
        s.want = SSL_NOTHING;
        s.key_update_pending = SSL_KEY_UPDATE_NONE;
        s.peer_chain_stack = None;
        s.verified_chain_stack = None;
        s.peer_ca_stack = None;
        s.servername = None;
        s.observers.reset();
        1
    })
}

/// Moves the connection to another context. Called from a server name callback, the
/// handshake then uses the new context's certificates, signature algorithms (unless set on the
/// SSL), trust anchors, client CA list, verification settings and certificate callback (unless
/// set on the SSL), ALPN callback and session ID context. The connection's other settings
/// (copied at `SSL_new`) stay its own, as in OpenSSL: options (`SSL_set_options` in the
/// callback changes them), versions and groups; during the handshake the suites stay too, and
/// so do the first context's session cache and ticket keys, as in OpenSSL. NULL keeps the
/// current context. Returns the context now in use.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_SSL_CTX(ssl: *mut SSL, ctx: *mut SSL_CTX) -> *mut SSL_CTX {
    with_mut(ssl, std::ptr::null_mut(), |s| {
        if ctx.is_null() || ctx == s.ctx {
            return s.ctx;
        }
        // SAFETY: a live context from the caller; the SSL takes a reference on it and drops
        // the one it held on the old context.
        unsafe {
            (*ctx).up_ref();
            SSL_CTX::release(s.ctx);
        }
        s.ctx = ctx;
        s.take_context_certificates();
        ctx
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_next_proto_follows_the_server_order() {
        let server = b"\x08http/1.1\x02h2";
        let client = b"\x02h2\x08http/1.1";
        let mut out: *mut u8 = std::ptr::null_mut();
        let mut len = 0u8;
        // SAFETY: valid buffers and out-parameters.
        let r = unsafe {
            SSL_select_next_proto(&mut out, &mut len, server.as_ptr(), 12, client.as_ptr(), 12)
        };
        assert_eq!(r, OPENSSL_NPN_NEGOTIATED);
        // SAFETY: points into `server`.
        assert_eq!(
            unsafe { std::slice::from_raw_parts(out, len.into()) },
            b"http/1.1"
        );

        let other = b"\x06spdy/1";
        // SAFETY: as above.
        let r = unsafe {
            SSL_select_next_proto(&mut out, &mut len, server.as_ptr(), 12, other.as_ptr(), 7)
        };
        assert_eq!(r, OPENSSL_NPN_NO_OVERLAP);
        // SAFETY: points into `other`.
        assert_eq!(
            unsafe { std::slice::from_raw_parts(out, len.into()) },
            b"spdy/1"
        );

        // A truncated client list: only its whole entries count.
        let truncated = b"\x09h2";
        // SAFETY: as above.
        let r = unsafe {
            SSL_select_next_proto(
                &mut out,
                &mut len,
                server.as_ptr(),
                12,
                truncated.as_ptr(),
                3,
            )
        };
        assert_eq!(r, OPENSSL_NPN_NO_OVERLAP);
        assert!(out.is_null());
    }

    #[test]
    fn signature_nids_match_openssl() {
        assert_eq!(
            signature_nids(SignatureScheme::RSA_PSS_RSAE_SHA256),
            Some((912, 672))
        );
        assert_eq!(
            signature_nids(SignatureScheme::ECDSA_NISTP384_SHA384),
            Some((408, 673))
        );
        assert_eq!(signature_nids(SignatureScheme::ED25519), Some((949, 0)));
        assert_eq!(
            signature_nids(SignatureScheme::RSA_PKCS1_SHA512),
            Some((6, 674))
        );
    }
}

#[cfg(test)]
mod panic_tests;
