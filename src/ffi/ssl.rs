//! `SSL`: one connection over a file descriptor, driving the sans-I/O core with OpenSSL's
//! blocking and non-blocking semantics.

use super::bio::{self, IoOutcome, BIO};
use super::cipher::{self, SSL_CIPHER};
use super::consts::*;
use super::ctx::SSL_verify_cb;
use super::ctx::{ctx_ref, SSL_CTX};
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
use crate::verify::{HostPolicy, VerifyEvent};
use std::ffi::{c_char, c_int, c_long, c_uint, c_void, CString};
use std::sync::Arc;

/// Read granularity: one maximal TLS 1.2 ciphertext record plus its header.
const READ_CHUNK: usize = crate::record::MAX_CIPHERTEXT_TLS12 + crate::record::HEADER_LEN;

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
    verify_param: X509_VERIFY_PARAM,
    verify_mode: Option<c_int>,
    /// `SSL_set_verify`'s callback, overriding the context's when set.
    verify_callback: Option<SSL_verify_cb>,
    verify_depth: Option<u32>,
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
    /// `SSL_OP_*`, copied from the context by `SSL_new` as in OpenSSL.
    options: u64,
    /// `SSL_set_{min,max}_proto_version`, overriding the context's bounds.
    min_proto: Option<c_int>,
    max_proto: Option<c_int>,
    /// `SSL_set1_sigalgs_list`.
    sigalgs: Option<Vec<SignatureScheme>>,
    /// `SSL_set1_client_sigalgs_list`.
    client_sigalgs: Option<Vec<SignatureScheme>>,
    /// `SSL_set_alpn_protos`.
    alpn_protos: Option<Vec<Vec<u8>>>,
    /// `SSL_set_cipher_list`: this connection's TLS 1.2 suites.
    pub(crate) tls12_suites: Option<Vec<crate::msgs::enums::CipherSuite>>,
    /// `SSL_use_certificate` / `SSL_use_PrivateKey`: this connection's own certificate and key,
    /// used in place of the context's of the same key type once both are set.
    pub(crate) own_cert: Option<Vec<u8>>,
    pub(crate) own_key: Option<Arc<crate::crypto::sign::SigningKey>>,
    /// `SSL_set0_chain` / `SSL_add1_chain_cert`: the chain sent after `own_cert`.
    pub(crate) own_chain: Vec<Vec<u8>>,
    /// `SSL_set_cert_cb`, overriding the context's (`Some((None, _))` removes it).
    pub(crate) cert_cb: Option<(super::cert_cb::SSL_cert_cb, usize)>,
    /// Info and message callbacks of this connection, and its diagnosis strings.
    pub(crate) observers: super::observe::SslObservers,
    /// A KeyUpdate queued by `SSL_key_update` and not yet flushed (`SSL_KEY_UPDATE_*`).
    key_update_pending: c_int,
    /// The largest handshake message accepted, copied from the context at `SSL_new`.
    max_cert_list: usize,
    /// Whether a call is using this SSL (its callbacks may not free or drive it meanwhile).
    pub(crate) reentry: super::reentry::Reentry,
    /// `SSL_set_allow_no_ems`, overriding the context's choice.
    allow_no_ems: Option<bool>,
    /// OCSP stapling: the status type asked for and the response a server staples.
    pub(crate) ocsp: super::ocsp::SslOcsp,
    /// The objects `SSL_get_certificate` / `SSL_get_privatekey` hand out, owned here.
    pub(crate) own_objects: super::ssl_getters::OwnObjects,
    /// `SSL_set_default_passwd_cb` and its userdata, copied from the context by `SSL_new`.
    pub(crate) passwd: super::pem_key::Passwd,
    /// `SSL_set_psk_*`: this connection's PSK callbacks and hint over the context's.
    pub(crate) psk: super::psk::SslPsk,
    /// `SSL_set_post_handshake_auth`, overriding the context's choice.
    pub(crate) post_handshake_auth: Option<bool>,
    /// `SSL_set1_cert_comp_preference`, overriding the context's (src/ffi/cert_comp.rs).
    pub(crate) cert_comp_pref: Option<Vec<crate::msgs::enums::CertCompressionAlgorithm>>,
}

// SAFETY: an SSL is used by one thread at a time (OpenSSL's rule); the raw context pointer is
// reference counted and the context itself is thread-safe.
unsafe impl Send for SSL {}

pub(crate) unsafe fn ssl_mut<'a>(ssl: *mut SSL) -> Option<&'a mut SSL> {
    if ssl.is_null() {
        return null_arg("SSL", None);
    }
    // SAFETY: non-NULL pointers passed by C are live SSL objects from SSL_new.
    Some(unsafe { &mut *ssl })
}

pub(crate) unsafe fn ssl_ref<'a>(ssl: *const SSL) -> Option<&'a SSL> {
    if ssl.is_null() {
        return null_arg("SSL", None);
    }
    // SAFETY: as for ssl_mut.
    Some(unsafe { &*ssl })
}

/// Runs `f` on a live SSL; NULL or a panic gives `fail`.
pub(crate) fn with_ssl<T: Copy>(ssl: *mut SSL, fail: T, f: impl FnOnce(&mut SSL) -> T) -> T {
    guard(fail, || {
        // SAFETY: see ssl_mut.
        match unsafe { ssl_mut(ssl) } {
            Some(s) => f(s),
            None => fail,
        }
    })
}

pub(crate) fn with_ssl_ref<T: Copy>(ssl: *const SSL, fail: T, f: impl FnOnce(&SSL) -> T) -> T {
    guard(fail, || {
        // SAFETY: see ssl_ref.
        match unsafe { ssl_ref(ssl) } {
            Some(s) => f(s),
            None => fail,
        }
    })
}

/// How a drive of the connection ended when it could not finish.
enum Stop {
    /// The ClientHello callback asked to be called again (`SSL_ERROR_WANT_CLIENT_HELLO_CB`).
    ClientHelloCb,
    WantRead,
    WantWrite,
    /// The certificate callback asked to be called again (`SSL_ERROR_WANT_X509_LOOKUP`).
    WantX509Lookup,
    Syscall(i32),
    Eof,
    Failed,
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

    /// The context's configuration with this connection's overrides, and the application's
    /// callbacks wrapped for the core.
    pub(crate) fn config(&self) -> Arc<Config> {
        let base = self.ctx().snapshot();
        let (
            ctx_verify_callback,
            client_cert_callback,
            alpn_select,
            servername,
            ctx_protos,
            session_callbacks,
            ctx_ocsp,
            client_hello,
            ctx_cert_cb,
        ) = {
            let st = self.ctx().read();
            (
                st.verify_callback,
                st.client_cert_cb,
                st.alpn_select_cb.map(|cb| (cb, st.alpn_select_arg)),
                st.servername_cb.map(|cb| (cb, st.servername_arg)),
                (st.min_proto_version_raw(), st.max_proto_version_raw()),
                st.session_callbacks,
                st.ocsp,
                st.client_hello_cb.map(|cb| (cb, st.client_hello_arg)),
                (st.cert_cb, st.cert_cb_arg),
            )
        };
        let cert_cb = super::cert_cb::effective(self.cert_cb.unwrap_or(ctx_cert_cb));
        let verify_callback = self.verify_callback.unwrap_or(ctx_verify_callback);
        let mode_changed = self.verify_mode.is_some_and(|m| m != base.verify_mode);
        let depth_changed = self.verify_depth.is_some_and(|d| d != base.verify_depth);
        let max_changed = self.max_cert_list != base.max_handshake_message;
        if !mode_changed
            && !depth_changed
            && !max_changed
            && verify_callback.is_none()
            && client_cert_callback.is_none()
            && !session_callbacks.needs_wrapping()
            && alpn_select.is_none()
            && servername.is_none()
            && client_hello.is_none()
            && cert_cb.is_none()
            && self.options == base.options
            && self.min_proto.is_none()
            && self.max_proto.is_none()
            && self.sigalgs.is_none()
            && self.client_sigalgs.is_none()
            && self.alpn_protos.is_none()
            && self.tls12_suites.is_none()
            && !(self.own_cert.is_some() && self.own_key.is_some())
            && self.allow_no_ems.is_none()
            && !self.ocsp.needs_wrapping(&ctx_ocsp)
            && self.post_handshake_auth.is_none()
            && !super::psk::needs_config(self)
            && self.cert_comp_pref.is_none()
            && !super::cert_comp_custom::needs_config(&base)
        {
            return base;
        }
        let mut c = (*base).clone();
        c.options = self.options;
        if let Some(allow) = self.allow_no_ems {
            c.allow_no_ems = allow;
        }
        if let Some(pha) = self.post_handshake_auth {
            c.post_handshake_auth = pha;
        }
        if let Some(pref) = &self.cert_comp_pref {
            c.cert_compression.preference = Some(pref.clone());
        }
        if self.min_proto.is_some() || self.max_proto.is_some() {
            (c.min_version, c.max_version) = super::ctx::version_range(
                self.min_proto.unwrap_or(ctx_protos.0),
                self.max_proto.unwrap_or(ctx_protos.1),
            );
        }
        if let Some(schemes) = &self.sigalgs {
            c.verify_schemes = schemes.clone();
        }
        if let Some(schemes) = &self.client_sigalgs {
            c.client_auth_schemes = Some(schemes.clone());
        }
        if let Some(protos) = &self.alpn_protos {
            c.alpn_protocols = protos.clone();
        }
        if let Some(suites) = &self.tls12_suites {
            c.tls12_suites = suites.clone();
        }
        if let (Some(cert), Some(key)) = (&self.own_cert, &self.own_key) {
            // The pair was checked when its second half was set.
            c.set_certified_key(crate::config::CertifiedKey {
                chain: std::iter::once(cert.clone())
                    .chain(self.own_chain.iter().cloned())
                    .collect(),
                key: key.clone(),
            });
        }
        if let Some(mode) = self.verify_mode {
            c.verify_mode = mode;
        }
        if let Some(depth) = self.verify_depth {
            c.verify_depth = depth;
        }
        c.max_handshake_message = self.max_cert_list;
        // The callbacks receive this SSL, which lives at a fixed address until SSL_free.
        let ssl_addr = self as *const SSL as usize;
        if let Some(callback) = verify_callback {
            c.verify_callback = Some(Arc::new(move |event: &mut VerifyEvent<'_>| {
                let preverify_ok = event.preverify_ok as c_int;
                let (ok, error) = X509_STORE_CTX::with(event, ssl_addr as *mut c_void, |store| {
                    // SAFETY: the application's callback, given a store context that is live
                    // for the call, as OpenSSL calls it.
                    let ok = unsafe { callback(preverify_ok, store) };
                    (ok, store.error())
                });
                event.error = error;
                ok != 0
            }));
        }
        session_callbacks.install(&mut c, ssl_addr);
        super::ocsp::install(&mut c, &self.ocsp, &ctx_ocsp, ssl_addr);
        super::cert_comp_custom::install(&mut c, ssl_addr);
        super::psk::install(self, &mut c, ssl_addr);
        if let Some(callback) = client_cert_callback {
            c.client_cert_callback =
                Some(Arc::new(move |_request: &CertificateRequestView<'_>| {
                    call_client_cert_cb(callback, ssl_addr as *mut SSL)
                }));
        }
        if let Some((callback, arg)) = alpn_select {
            c.alpn_select = Some(Arc::new(move |offered: &[Vec<u8>]| {
                call_alpn_select_cb(callback, arg, ssl_addr as *mut SSL, offered)
            }));
        }
        if let Some((callback, arg)) = cert_cb {
            c.cert_callback = Some(Arc::new(move || {
                super::cert_cb::call(callback, arg, ssl_addr as *mut SSL)
            }));
        }
        if let Some((callback, arg)) = servername {
            c.sni_callback = Some(Arc::new(move |_name: Option<&str>| {
                call_servername_cb(callback, arg, ssl_addr as *mut SSL)
            }));
        }
        if let Some((callback, arg)) = client_hello {
            c.client_hello_callback = Some(Arc::new(move |hello| {
                super::client_hello::call(callback, arg, ssl_addr as *mut SSL, hello)
            }));
        }
        Arc::new(c)
    }

    /// Creates the core connection on first use, once the role is known.
    fn ensure_conn(&mut self) -> Result<&mut Connection, Stop> {
        if self.conn.is_none() {
            let role = match self.role.or(self.ctx().method.role) {
                Some(r) => r,
                None => {
                    err::push(&Error::local(
                        Reason::CONNECTION_TYPE_NOT_SET,
                        "call SSL_connect/SSL_accept or SSL_set_connect_state/SSL_set_accept_state first",
                    ));
                    return Err(Stop::Failed);
                }
            };
            self.role = Some(role);
            let config = self.config();
            let mut conn = match role {
                Role::Client => Connection::new_client(
                    config,
                    ClientOptions {
                        server_name: self.sni.clone(),
                        verify_identity: self.verify_param.policy.clone().into_identity(),
                    },
                ),
                Role::Server => Connection::new_server(config),
            };
            conn.set_resume_session(self.sessions.resume.clone());
            let (protocol, secrets) = super::observe::wanted_events(self);
            conn.enable_events(protocol, secrets);
            let started = conn.start();
            self.conn = Some(conn);
            self.deliver_events();
            if let Err(e) = started {
                self.report(&e);
                return Err(Stop::Failed);
            }
        }
        Ok(self.conn.as_mut().expect("created above"))
    }

    fn report(&mut self, e: &Error) {
        if !self.error_reported {
            self.error_reported = true;
            err::push(e);
        }
    }

    /// Writes all pending TLS bytes.
    fn flush(&mut self) -> Result<(), Stop> {
        self.deliver_events();
        loop {
            let Some(conn) = self.conn.as_mut() else {
                return Ok(());
            };
            let pending = conn.pending_tls();
            if pending.is_empty() {
                self.key_update_pending = SSL_KEY_UPDATE_NONE;
                return Ok(());
            }
            if self.wbio.is_null() {
                err::push(&Error::local(
                    Reason::INVALID_ARGUMENT,
                    "no write BIO or file descriptor set (SSL_set_fd / SSL_set_bio)",
                ));
                return Err(Stop::Failed);
            }
            // SAFETY: the SSL owns a reference on its write BIO.
            match unsafe { bio::transport_write(self.wbio, pending) } {
                IoOutcome::Done(n) => conn.consume_tls(n),
                IoOutcome::WouldBlock => return Err(Stop::WantWrite),
                IoOutcome::Eof => return Err(Stop::Syscall(libc::EPIPE)),
                IoOutcome::Failed(e) => return Err(Stop::Syscall(e)),
            }
        }
    }

    /// Reads once from the transport and feeds the core.
    fn fill(&mut self) -> Result<(), Stop> {
        if self.rbio.is_null() {
            err::push(&Error::local(
                Reason::INVALID_ARGUMENT,
                "no read BIO or file descriptor set (SSL_set_fd / SSL_set_bio)",
            ));
            return Err(Stop::Failed);
        }
        // The transport writes straight into the connection's receive buffer, where records
        // are then opened in place.
        // SAFETY: the SSL owns a reference on its read BIO.
        let len = match unsafe { bio::readable_now(self.rbio) } {
            // A memory or pair BIO says how much it holds: take it all (lend only that much
            // space, at least a record header so an empty BIO still answers the read). Its
            // bytes are in the application's hands either way, invisible to poll/epoll, and a
            // flight's records then cost one pass instead of two reads each (resumption in
            // `make bench`).
            Some(n) => n.clamp(crate::record::HEADER_LEN, READ_CHUNK),
            // Read-ahead: whatever the socket has, up to a maximal record (fewer system calls).
            None if self.read_ahead => READ_CHUNK,
            // OpenSSL's default: a record header, then exactly the rest of that record. Bytes
            // after it stay in the kernel, where an event loop waiting for the socket to become
            // readable sees them (a server's SSL_accept must not swallow the client's first
            // application record along with its Finished).
            None => {
                let conn = self.conn.as_ref().expect("connection exists while reading");
                conn.wanted().clamp(1, READ_CHUNK)
            }
        };
        let conn = self.conn.as_mut().expect("connection exists while reading");
        let space = conn.receive_space(len);
        // SAFETY: the SSL owns a reference on its read BIO.
        let stop = match unsafe { bio::transport_read(self.rbio, space) } {
            IoOutcome::Done(n) => {
                let result = conn.received(n);
                self.deliver_events();
                if conn_paused(self) {
                    return Err(Stop::ClientHelloCb);
                }
                if let Err(e) = result {
                    self.report(&e);
                    // Send the alert the error calls for before giving up.
                    let _ = self.flush();
                    if !self.read_ahead {
                        // SAFETY: the SSL owns a reference on its read BIO.
                        unsafe { bio::discard_readable(self.rbio, 4 * READ_CHUNK) };
                    }
                    return Err(Stop::Failed);
                }
                self.deliver_new_sessions();
                return Ok(());
            }
            IoOutcome::WouldBlock => Stop::WantRead,
            IoOutcome::Eof => Stop::Eof,
            IoOutcome::Failed(e) => Stop::Syscall(e),
        };
        // Nothing arrived: the space lent for it is not kept while the connection waits, unless
        // application data is streaming in (then the next records reuse it).
        conn.release_idle_buffers(self.mode & SSL_MODE_RELEASE_BUFFERS != 0);
        Err(stop)
    }

    /// Turns a stop into `-1` (or 0 for EOF) and records what `SSL_get_error` should say.
    fn stop(&mut self, stop: Stop, during_handshake: bool) -> c_int {
        self.want = match stop {
            Stop::WantRead => SSL_READING,
            Stop::WantWrite => SSL_WRITING,
            Stop::ClientHelloCb => super::client_hello::SSL_CLIENT_HELLO_CB,
            Stop::WantX509Lookup => SSL_X509_LOOKUP,
            _ => SSL_NOTHING,
        };
        if let Some(conn) = self.conn.as_mut() {
            match stop {
                Stop::Syscall(e) => conn.note_transport_end(TransportEnd::Error(e)),
                Stop::Eof => conn.note_transport_end(TransportEnd::Eof),
                _ => {}
            }
        }
        // SSL_OP_IGNORE_UNEXPECTED_EOF: after the handshake, the peer closing the transport
        // without close_notify reads as a clean close, as in OpenSSL 3.
        if matches!(stop, Stop::Eof)
            && !during_handshake
            && self.options & SSL_OP_IGNORE_UNEXPECTED_EOF != 0
        {
            self.shutdown_flags |= SSL_RECEIVED_SHUTDOWN;
            self.last_error = SSL_ERROR_ZERO_RETURN;
            return 0;
        }
        self.last_error = match stop {
            Stop::ClientHelloCb => super::client_hello::SSL_ERROR_WANT_CLIENT_HELLO_CB,
            Stop::WantRead => SSL_ERROR_WANT_READ,
            Stop::WantWrite => SSL_ERROR_WANT_WRITE,
            Stop::WantX509Lookup => SSL_ERROR_WANT_X509_LOOKUP,
            Stop::Syscall(e) => {
                err::push_errno(e, "transport");
                // Keep errno for the caller, as OpenSSL leaves it.
                set_errno(e);
                SSL_ERROR_SYSCALL
            }
            Stop::Eof => {
                let detail = if during_handshake {
                    format!(
                        "the peer closed the connection during the handshake (state: {}){}",
                        self.conn.as_ref().map_or("before", |c| c.state_name()),
                        if self
                            .conn
                            .as_ref()
                            .is_some_and(|c| c.negotiated().version.is_none())
                        {
                            "; is a TLS server listening at this port?"
                        } else {
                            ""
                        }
                    )
                } else {
                    "the peer closed the connection without sending close_notify".to_string()
                };
                err::push(&Error::local(Reason::UNEXPECTED_EOF_WHILE_READING, detail));
                SSL_ERROR_SSL
            }
            Stop::Failed => SSL_ERROR_SSL,
        };
        -1
    }

    fn failed_already(&mut self) -> bool {
        let e = self.conn.as_ref().and_then(|c| c.error().cloned());
        match e {
            Some(e) => {
                self.report(&e);
                true
            }
            None => false,
        }
    }

    /// One handshake call, reported to the info callback as OpenSSL's state machine does.
    fn do_handshake(&mut self) -> c_int {
        self.observers.invalidate();
        let in_init = self.conn.as_ref().is_none_or(|c| c.is_handshaking());
        if in_init {
            // As OpenSSL's handshake state machine does on each entry: errors a program left on
            // the queue (socat's failed PEM_read_bio_DHparams) must not turn a later
            // SSL_ERROR_WANT_READ into SSL_ERROR_SSL (SSL_get_error looks at the queue first).
            err::clear();
        }
        let r = self.drive_handshake();
        if in_init {
            self.deliver_events();
            // SAFETY: this SSL is live; the callback may re-enter the library with it.
            unsafe { super::observe::exit(self as *mut SSL, r) };
        }
        r
    }

    fn drive_handshake(&mut self) -> c_int {
        if let Err(s) = self.ensure_conn() {
            return self.stop(s, true);
        }
        // Paused for the application (the certificate callback asked to be called again): ask
        // it again now. A failure is reported below, as any other.
        let conn = self.conn.as_mut().expect("exists");
        if conn.paused().is_some() {
            let _ = conn.resume();
        }
        loop {
            if let Err(s) = self.flush() {
                return self.stop(s, true);
            }
            if self.failed_already() {
                return self.stop(Stop::Failed, true);
            }
            let conn = self.conn.as_ref().expect("exists");
            if conn.paused().is_some() {
                return self.stop(Stop::WantX509Lookup, true);
            }
            if !conn.is_handshaking() {
                self.last_error = SSL_ERROR_NONE;
                return 1;
            }
            if conn.client_hello_paused() {
                // The ClientHello callback asked to retry: run it again on the same message.
                let result = self.conn.as_mut().expect("exists").resume_client_hello();
                self.deliver_events();
                if conn_paused(self) {
                    return self.stop(Stop::ClientHelloCb, true);
                }
                if let Err(e) = result {
                    self.report(&e);
                    let _ = self.flush();
                    return self.stop(Stop::Failed, true);
                }
                self.deliver_new_sessions();
                continue;
            }
            if conn.received_close_notify() {
                // The peer gave up politely; OpenSSL reports this as a clean close.
                self.conn
                    .as_mut()
                    .expect("exists")
                    .note_transport_end(TransportEnd::Eof);
                self.want = SSL_NOTHING;
                self.last_error = SSL_ERROR_ZERO_RETURN;
                self.shutdown_flags |= SSL_RECEIVED_SHUTDOWN;
                return 0;
            }
            if let Err(s) = self.fill() {
                return self.stop(s, true);
            }
        }
    }

    fn read(&mut self, buf: &mut [u8], peek: bool) -> c_int {
        if self.conn.as_ref().is_none_or(|c| c.is_handshaking()) {
            let r = self.do_handshake();
            if r <= 0 {
                return r;
            }
        }
        loop {
            let conn = self.conn.as_mut().expect("handshake done");
            if conn.plaintext_len() > 0 {
                let n = if peek {
                    conn.peek_plaintext(buf)
                } else {
                    conn.read_plaintext(buf)
                };
                if self.mode & SSL_MODE_RELEASE_BUFFERS != 0 {
                    conn.release_idle_buffers(true);
                }
                self.last_error = SSL_ERROR_NONE;
                return n as c_int;
            }
            if conn.received_close_notify() {
                self.last_error = SSL_ERROR_ZERO_RETURN;
                self.shutdown_flags |= SSL_RECEIVED_SHUTDOWN;
                return 0;
            }
            // Answers to the peer (KeyUpdate) go out before we wait for more.
            if let Err(s) = self.flush() {
                return self.stop(s, false);
            }
            if self.failed_already() {
                return self.stop(Stop::Failed, false);
            }
            if let Err(s) = self.fill() {
                return self.stop(s, false);
            }
        }
    }

    fn write(&mut self, data: &[u8]) -> c_int {
        if self.conn.as_ref().is_none_or(|c| c.is_handshaking()) {
            let r = self.do_handshake();
            if r <= 0 {
                return r;
            }
        }
        if let Some(n) = self.pending_write {
            // A retry after WANT_WRITE: the records are already made; finish sending them.
            if let Err(s) = self.flush() {
                return self.stop(s, false);
            }
            self.pending_write = None;
            self.last_error = SSL_ERROR_NONE;
            return n as c_int;
        }
        if self.shutdown_flags & SSL_SENT_SHUTDOWN != 0 {
            err::push(&Error::local(
                Reason::PROTOCOL_IS_SHUTDOWN,
                "cannot write after SSL_shutdown",
            ));
            return self.stop(Stop::Failed, false);
        }
        // With SSL_MODE_ENABLE_PARTIAL_WRITE one record is a complete call.
        let data = if self.mode & SSL_MODE_ENABLE_PARTIAL_WRITE != 0 {
            &data[..data.len().min(crate::record::MAX_PLAINTEXT)]
        } else {
            data
        };
        let conn = self.conn.as_mut().expect("handshake done");
        if let Err(e) = conn.write_plaintext(data) {
            err::push(&e);
            return self.stop(Stop::Failed, false);
        }
        self.pending_write = Some(data.len());
        if let Err(s) = self.flush() {
            return self.stop(s, false);
        }
        self.pending_write = None;
        if self.mode & SSL_MODE_RELEASE_BUFFERS != 0 {
            if let Some(conn) = self.conn.as_mut() {
                conn.release_idle_buffers(true);
            }
        }
        self.last_error = SSL_ERROR_NONE;
        data.len() as c_int
    }

    fn shutdown(&mut self) -> c_int {
        let Some(conn) = self.conn.as_mut() else {
            err::push(&Error::local(
                Reason::UNINITIALIZED,
                "SSL_shutdown before any handshake",
            ));
            return self.stop(Stop::Failed, false);
        };
        if conn.is_handshaking() {
            err::push(&Error::local(
                Reason::SHUTDOWN_WHILE_IN_INIT,
                "SSL_shutdown during the handshake",
            ));
            return self.stop(Stop::Failed, false);
        }
        if self.quiet_shutdown {
            // No alert at all: just mark both directions closed, as OpenSSL does.
            self.shutdown_flags |= SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;
            return 1;
        }
        let conn = self.conn.as_mut().expect("exists");
        let sent_before = self.shutdown_flags & SSL_SENT_SHUTDOWN != 0 || conn.sent_close_notify();
        if !sent_before {
            conn.send_close_notify();
        }
        if let Err(s) = self.flush() {
            return self.stop(s, false);
        }
        // The core reads ahead, so the peer's close_notify may be processed already; as in
        // OpenSSL it counts once SSL_read has reported it (or SSL_set_shutdown said so), and
        // otherwise the call that sends ours returns 0 and the next one looks for theirs.
        if self.shutdown_flags & SSL_RECEIVED_SHUTDOWN != 0 {
            return 1;
        }
        if !sent_before {
            return 0;
        }
        // Second call: wait for the peer's close_notify. Application data the application has
        // not read fails the shutdown as in OpenSSL 3, so the caller learns it was never read
        // (libtls keeps it readable with SSL_read).
        loop {
            let conn = self.conn.as_mut().expect("exists");
            if conn.plaintext_len() > 0 {
                err::push(&Error::local(
                    Reason::APPLICATION_DATA_AFTER_CLOSE_NOTIFY,
                    "application data arrived while SSL_shutdown waited for the peer's close_notify",
                ));
                return self.stop(Stop::Failed, false);
            }
            if conn.received_close_notify() {
                self.shutdown_flags |= SSL_RECEIVED_SHUTDOWN;
                return 1;
            }
            if let Err(s) = self.fill() {
                return self.stop(s, false);
            }
        }
    }
}

/// Asks the application's client certificate callback for a certificate and key; both
/// objects it returns are released here, as OpenSSL does.
fn call_client_cert_cb(
    callback: unsafe extern "C" fn(*mut SSL, *mut *mut X509, *mut *mut EVP_PKEY) -> c_int,
    ssl: *mut SSL,
) -> Option<Arc<CertifiedKey>> {
    let mut x509: *mut X509 = std::ptr::null_mut();
    let mut pkey: *mut EVP_PKEY = std::ptr::null_mut();
    // SAFETY: the application's callback with writable out-parameters.
    let answer = unsafe { callback(ssl, &mut x509, &mut pkey) };
    let chosen = if answer == 1 && !x509.is_null() && !pkey.is_null() {
        // SAFETY: the callback returned live objects.
        let cert = unsafe { super::x509::x509_der(x509) };
        // SAFETY: as above.
        let key = unsafe { super::x509::signing_key(pkey) };
        match (cert, key) {
            (Some(cert), Ok(key)) => {
                let ck = CertifiedKey {
                    chain: vec![cert],
                    key: Arc::new(key),
                };
                match ck.check() {
                    Ok(()) => Some(Arc::new(ck)),
                    Err(e) => {
                        err::push(&e);
                        None
                    }
                }
            }
            (_, Err(e)) => {
                err::push(&e);
                None
            }
            _ => None,
        }
    } else {
        None
    };
    // SAFETY: ownership of both objects passed to us; NULL is ignored.
    unsafe {
        aws_lc_sys::X509_free(x509);
        aws_lc_sys::EVP_PKEY_free(pkey);
    }
    chosen
}

/// Asks the application's ALPN callback to pick one of the client's protocols. As in OpenSSL,
/// any answer but a protocol or `SSL_TLSEXT_ERR_NOACK` ends the handshake.
fn call_alpn_select_cb(
    callback: unsafe extern "C" fn(
        *mut SSL,
        *mut *const u8,
        *mut u8,
        *const u8,
        c_uint,
        *mut c_void,
    ) -> c_int,
    arg: usize,
    ssl: *mut SSL,
    offered: &[Vec<u8>],
) -> AlpnDecision {
    let wire = crate::config::encode_alpn_wire(offered);
    let mut out: *const u8 = std::ptr::null();
    let mut out_len: u8 = 0;
    // SAFETY: the application's callback, given the client's list (live for the call) and
    // writable out-parameters.
    let answer = unsafe {
        callback(
            ssl,
            &mut out,
            &mut out_len,
            wire.as_ptr(),
            wire.len() as c_uint,
            arg as *mut c_void,
        )
    };
    match answer {
        SSL_TLSEXT_ERR_OK if !out.is_null() && out_len > 0 => {
            // SAFETY: the callback points at `out_len` bytes in `wire` or in memory it keeps.
            AlpnDecision::Selected(
                unsafe { std::slice::from_raw_parts(out, out_len.into()) }.to_vec(),
            )
        }
        SSL_TLSEXT_ERR_NOACK => AlpnDecision::NoAck,
        _ => AlpnDecision::Fatal,
    }
}

/// Whether the connection waits for its ClientHello callback to be run again.
fn conn_paused(ssl: &SSL) -> bool {
    ssl.conn.as_ref().is_some_and(|c| c.client_hello_paused())
}

/// Runs the application's server name callback. The handshake then continues with the
/// connection's configuration rebuilt from the SSL: the new context's after `SSL_set_SSL_CTX`,
/// and in any case what per-connection setters called in the callback changed
/// (`SSL_set_verify`, `SSL_set_verify_depth`, `SSL_set_options`, ...), so that what
/// `SSL_get_verify_mode` reports is what the handshake does.
fn call_servername_cb(
    callback: unsafe extern "C" fn(*mut SSL, *mut c_int, *mut c_void) -> c_int,
    arg: usize,
    ssl: *mut SSL,
) -> SniDecision {
    let mut alert: c_int = AlertDescription::UNRECOGNIZED_NAME.0.into();
    // SAFETY: the application's callback with a writable alert slot.
    let answer = unsafe { callback(ssl, &mut alert, arg as *mut c_void) };
    // SAFETY: the SSL outlives its handshake; `config` reads its settings and context (which
    // SSL_set_SSL_CTX keeps live), not the connection being driven.
    let settings = Some(unsafe { (*ssl).config() });
    let alert = u8::try_from(alert)
        .map(AlertDescription)
        .unwrap_or(AlertDescription::INTERNAL_ERROR);
    let outcome = match answer {
        SSL_TLSEXT_ERR_ALERT_FATAL => SniOutcome::Fatal(alert),
        SSL_TLSEXT_ERR_ALERT_WARNING => SniOutcome::Warning(alert),
        SSL_TLSEXT_ERR_NOACK => SniOutcome::NoAck,
        // OpenSSL treats any other value as success.
        _ => SniOutcome::Ack,
    };
    SniDecision { outcome, settings }
}

fn set_errno(e: i32) {
    // SAFETY: __errno_location returns this thread's errno slot.
    unsafe { *libc::__errno_location() = e };
}

#[no_mangle]
pub unsafe extern "C" fn SSL_new(ctx: *mut SSL_CTX) -> *mut SSL {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see ctx_ref.
        let Some(c) = (unsafe { ctx_ref(ctx) }) else {
            return std::ptr::null_mut();
        };
        c.up_ref();
        let (mode, quiet_shutdown, read_ahead, options, max_cert_list) = {
            let st = c.read();
            (
                st.mode,
                st.quiet_shutdown,
                st.read_ahead,
                st.config.options,
                st.config.max_handshake_message,
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
            verify_mode: None,
            verify_callback: None,
            verify_depth: None,
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
            options,
            min_proto: None,
            max_proto: None,
            sigalgs: None,
            client_sigalgs: None,
            alpn_protos: None,
            tls12_suites: None,
            own_cert: None,
            own_key: None,
            own_chain: Vec::new(),
            cert_cb: None,
            observers: Default::default(),
            key_update_pending: SSL_KEY_UPDATE_NONE,
            max_cert_list,
            reentry: Default::default(),
            allow_no_ems: None,
            ocsp: super::ocsp::SslOcsp::new(c),
            own_objects: Default::default(),
            passwd: super::pem_key::Passwd::of_ctx(c),
            psk: Default::default(),
            post_handshake_auth: None,
            cert_comp_pref: None,
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
    with_ssl_ref(ssl, std::ptr::null_mut(), |s| s.ctx)
}

impl SSL {
    /// Replaces the read BIO, taking over the caller's reference.
    fn set0_rbio(&mut self, b: *mut BIO) {
        // SAFETY: the slot owns one reference on the old BIO.
        unsafe { bio::release(self.rbio) };
        self.rbio = b;
    }

    fn set0_wbio(&mut self, b: *mut BIO) {
        // SAFETY: the slot owns one reference on the old BIO.
        unsafe { bio::release(self.wbio) };
        self.wbio = b;
    }

    fn socket_bio(fd: c_int) -> Option<*mut BIO> {
        if fd < 0 {
            err::push(&Error::local(
                Reason::INVALID_ARGUMENT,
                "negative file descriptor",
            ));
            return None;
        }
        let b = bio::new_socket(fd, bio::BIO_NOCLOSE);
        (!b.is_null()).then_some(b)
    }
}

/// Uses `fd` for both directions through a socket BIO that does not close it.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_fd(ssl: *mut SSL, fd: c_int) -> c_int {
    with_ssl(ssl, 0, |s| {
        let Some(b) = SSL::socket_bio(fd) else {
            return 0;
        };
        // SAFETY: freshly made BIO; the second slot takes a second reference.
        unsafe { bio::up_ref(b) };
        s.set0_rbio(b);
        s.set0_wbio(b);
        1
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_rfd(ssl: *mut SSL, fd: c_int) -> c_int {
    with_ssl(ssl, 0, |s| match SSL::socket_bio(fd) {
        Some(b) => {
            s.set0_rbio(b);
            1
        }
        None => 0,
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_wfd(ssl: *mut SSL, fd: c_int) -> c_int {
    with_ssl(ssl, 0, |s| match SSL::socket_bio(fd) {
        Some(b) => {
            s.set0_wbio(b);
            1
        }
        None => 0,
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_fd(ssl: *const SSL) -> c_int {
    // SAFETY: the slot's BIO is live while the SSL holds it.
    with_ssl_ref(ssl, -1, |s| unsafe { bio::fd_of(s.rbio) }.unwrap_or(-1))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_rfd(ssl: *const SSL) -> c_int {
    // SAFETY: same as SSL_get_fd.
    unsafe { SSL_get_fd(ssl) }
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_wfd(ssl: *const SSL) -> c_int {
    // SAFETY: the slot's BIO is live while the SSL holds it.
    with_ssl_ref(ssl, -1, |s| unsafe { bio::fd_of(s.wbio) }.unwrap_or(-1))
}

/// Takes over the caller's reference on `rbio` (NULL clears the slot).
#[no_mangle]
pub unsafe extern "C" fn SSL_set0_rbio(ssl: *mut SSL, rbio: *mut BIO) {
    with_ssl(ssl, (), |s| s.set0_rbio(rbio))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set0_wbio(ssl: *mut SSL, wbio: *mut BIO) {
    with_ssl(ssl, (), |s| s.set0_wbio(wbio))
}

/// OpenSSL's ownership rules (`SSL_set_bio(3)`): the caller hands over one reference per
/// slot it changes; passing the same BIO twice hands over one reference for both slots.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_bio(ssl: *mut SSL, rbio: *mut BIO, wbio: *mut BIO) {
    with_ssl(ssl, (), |s| {
        if rbio == s.rbio {
            // Only the write side changes; when it becomes the read BIO too, that slot needs
            // a reference of its own.
            if !wbio.is_null() && wbio == rbio && s.wbio != wbio {
                // SAFETY: a live BIO passed by the caller.
                unsafe { bio::up_ref(wbio) };
            }
            if wbio != s.wbio {
                s.set0_wbio(wbio);
            }
            return;
        }
        if wbio == s.wbio && s.rbio != s.wbio {
            s.set0_rbio(rbio);
            return;
        }
        if !rbio.is_null() && rbio == wbio {
            // SAFETY: a live BIO passed by the caller; each slot owns one reference.
            unsafe { bio::up_ref(rbio) };
        }
        s.set0_rbio(rbio);
        s.set0_wbio(wbio);
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_rbio(ssl: *const SSL) -> *mut BIO {
    with_ssl_ref(ssl, std::ptr::null_mut(), |s| s.rbio)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_wbio(ssl: *const SSL) -> *mut BIO {
    with_ssl_ref(ssl, std::ptr::null_mut(), |s| s.wbio)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_connect_state(ssl: *mut SSL) {
    with_ssl(ssl, (), |s| s.role = Some(Role::Client))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_accept_state(ssl: *mut SSL) {
    with_ssl(ssl, (), |s| s.role = Some(Role::Server))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_is_server(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, 0, |s| (s.role == Some(Role::Server)) as c_int)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_connect(ssl: *mut SSL) -> c_int {
    super::reentry::driving(ssl, -1, "SSL_connect", |s| {
        if s.conn.is_none() {
            s.role = Some(Role::Client);
        }
        s.do_handshake()
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_accept(ssl: *mut SSL) -> c_int {
    super::reentry::driving(ssl, -1, "SSL_accept", |s| {
        if s.conn.is_none() {
            s.role = Some(Role::Server);
        }
        s.do_handshake()
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_do_handshake(ssl: *mut SSL) -> c_int {
    super::reentry::driving(ssl, -1, "SSL_do_handshake", |s| s.do_handshake())
}

#[no_mangle]
pub unsafe extern "C" fn SSL_read(ssl: *mut SSL, buf: *mut c_void, num: c_int) -> c_int {
    super::reentry::driving(ssl, -1, "SSL_read", |s| {
        if buf.is_null() || num < 0 {
            return null_arg("SSL_read buffer", -1);
        }
        // SAFETY: the caller provides `num` writable bytes at `buf`.
        let b = unsafe { std::slice::from_raw_parts_mut(buf as *mut u8, num as usize) };
        s.read(b, false)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_peek(ssl: *mut SSL, buf: *mut c_void, num: c_int) -> c_int {
    super::reentry::driving(ssl, -1, "SSL_peek", |s| {
        if buf.is_null() || num < 0 {
            return null_arg("SSL_peek buffer", -1);
        }
        // SAFETY: the caller provides `num` writable bytes at `buf`.
        let b = unsafe { std::slice::from_raw_parts_mut(buf as *mut u8, num as usize) };
        s.read(b, true)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_write(ssl: *mut SSL, buf: *const c_void, num: c_int) -> c_int {
    super::reentry::driving(ssl, -1, "SSL_write", |s| {
        if buf.is_null() || num < 0 {
            return null_arg("SSL_write buffer", -1);
        }
        if num == 0 {
            return 0;
        }
        // SAFETY: the caller provides `num` readable bytes at `buf`.
        let b = unsafe { std::slice::from_raw_parts(buf as *const u8, num as usize) };
        s.write(b)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_pending(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, 0, |s| {
        s.conn.as_ref().map_or(0, |c| c.plaintext_len() as c_int)
    })
}

/// Closes the connection as OpenSSL does: the first call sends our close_notify and returns 0,
/// or 1 when the peer's close_notify was already read. Later calls wait for the peer's and return
/// 1 once it arrives; -1 with `SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY` when application data
/// comes first (libtls keeps it readable with `SSL_read`), `SSL_R_NO_RENEGOTIATION` for a TLS 1.2
/// renegotiation request, or `SSL_ERROR_WANT_READ` on a non-blocking transport.
#[no_mangle]
pub unsafe extern "C" fn SSL_shutdown(ssl: *mut SSL) -> c_int {
    super::reentry::driving(ssl, -1, "SSL_shutdown", |s| s.shutdown())
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_shutdown(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, 0, |s| {
        let mut flags = s.shutdown_flags;
        if let Some(c) = &s.conn {
            if c.sent_close_notify() {
                flags |= SSL_SENT_SHUTDOWN;
            }
            if c.received_close_notify() {
                flags |= SSL_RECEIVED_SHUTDOWN;
            }
        }
        flags
    })
}

/// OpenSSL's classification: the error queue first, then what the last call recorded.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_error(ssl: *const SSL, ret: c_int) -> c_int {
    with_ssl_ref(ssl, SSL_ERROR_SSL, |s| {
        if ret > 0 {
            return SSL_ERROR_NONE;
        }
        let top = super::err::ERR_peek_error();
        if top != 0 {
            return if (top >> 23) & 0xff == super::err::ERR_LIB_SYS as std::ffi::c_ulong {
                SSL_ERROR_SYSCALL
            } else {
                SSL_ERROR_SSL
            };
        }
        match s.last_error {
            SSL_ERROR_NONE => SSL_ERROR_SYSCALL,
            e => e,
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_is_init_finished(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, 0, |s| {
        s.conn.as_ref().is_some_and(|c| !c.is_handshaking()) as c_int
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_in_init(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, 0, |s| {
        s.conn.as_ref().is_none_or(|c| c.is_handshaking()) as c_int
    })
}

/// Copies the verify_data of the last Finished message we sent into `buf` (at most `count`
/// bytes) and returns its full length; 0 before we sent one. Its TLS 1.2 value is RFC 5929's
/// tls-unique channel binding for a full handshake (the client's Finished) and a resumption
/// (the server's).
#[no_mangle]
pub unsafe extern "C" fn SSL_get_finished(
    ssl: *const SSL,
    buf: *mut c_void,
    count: usize,
) -> usize {
    with_ssl_ref(ssl, 0, |s| {
        let data = s
            .conn
            .as_ref()
            .map_or(&[][..], |c| &c.negotiated().our_finished[..]);
        // SAFETY: the caller provides `count` writable bytes at `buf`.
        unsafe { copy_finished(data, buf, count) }
    })
}

/// Like `SSL_get_finished`, for the last Finished message the peer sent.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_peer_finished(
    ssl: *const SSL,
    buf: *mut c_void,
    count: usize,
) -> usize {
    with_ssl_ref(ssl, 0, |s| {
        let data = s
            .conn
            .as_ref()
            .map_or(&[][..], |c| &c.negotiated().peer_finished[..]);
        // SAFETY: the caller provides `count` writable bytes at `buf`.
        unsafe { copy_finished(data, buf, count) }
    })
}

/// Copies as much of `data` as fits in `count` bytes at `buf` (none when `buf` is NULL) and
/// returns the whole length, so a caller can size its buffer from a first call.
///
/// # Safety
/// `buf` is NULL or points to `count` writable bytes.
unsafe fn copy_finished(data: &[u8], buf: *mut c_void, count: usize) -> usize {
    let n = data.len().min(count);
    if !buf.is_null() && n > 0 {
        // SAFETY: `n` <= `count` bytes fit at `buf` (the caller's promise); `data` is ours and
        // cannot overlap the caller's buffer.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), buf.cast::<u8>(), n) };
    }
    data.len()
}

/// 1 if the session used the extended master secret (RFC 7627), 0 if not, -1 while a handshake
/// is in progress or before one. libtls requires it in TLS 1.2, and TLS 1.3's key schedule
/// binds the whole transcript the same way, so a finished handshake reports 1. A macro over
/// `SSL_ctrl` in OpenSSL, a function here.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_extms_support(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, -1, |s| match s.conn.as_ref() {
        Some(c) if !c.is_handshaking() && c.negotiated().version.is_some() => {
            let n = c.negotiated();
            c_int::from(n.version == Some(ProtocolVersion::TLSV1_3) || n.extended_master_secret)
        }
        _ => -1,
    })
}

/// libtls: with `on` non-zero this connection does TLS 1.2 without the extended master secret
/// (RFC 7627) when the peer does not offer (server) or answer (client) it, with the classic
/// master secret; otherwise, the default, such peers are refused. Overrides the context's
/// `SSL_CTX_set_allow_no_ems`. Returns 1.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_allow_no_ems(ssl: *mut SSL, on: c_int) -> c_int {
    with_ssl(ssl, 0, |s| {
        s.allow_no_ems = Some(on != 0);
        1
    })
}

/// SNI for a client. OpenSSL defines this as a macro returning long; here it is a function.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_tlsext_host_name(ssl: *mut SSL, name: *const c_char) -> c_int {
    with_ssl(ssl, 0, |s| {
        if name.is_null() {
            s.sni = None;
            return 1;
        }
        // SAFETY: C string from the caller.
        let Some(n) = (unsafe { c_str(name, "host name") }) else {
            return 0;
        };
        if n.is_empty() || n.len() > 255 {
            err::push(&Error::local(
                Reason::INVALID_ARGUMENT,
                "SNI host name must be 1..255 bytes",
            ));
            return 0;
        }
        s.sni = Some(n.to_string());
        1
    })
}

/// The verification parameters of one connection that libtls supports: the expected host names,
/// IP address and host flags. `SSL_get0_param` hands out a pointer into the `SSL`.
#[derive(Default)]
pub struct X509_VERIFY_PARAM {
    policy: HostPolicy,
}

impl X509_VERIFY_PARAM {
    /// OpenSSL's `SSL_set1_host`: an IP literal sets the address, a name replaces the names (and
    /// clears the address); NULL or "" clears the names.
    fn set_host(&mut self, host: Option<&str>) -> Result<(), Error> {
        if let Some(ip) = host.and_then(|h| h.parse::<std::net::IpAddr>().ok()) {
            self.policy.ip = Some(ip);
            return Ok(());
        }
        self.policy.ip = None;
        self.set_name(host)
    }

    /// `X509_VERIFY_PARAM_set1_host`: `host` replaces the names; NULL or "" clears them.
    fn set_name(&mut self, host: Option<&str>) -> Result<(), Error> {
        self.policy.hosts.clear();
        self.add_name(host)
    }

    /// A further acceptable name (`SSL_add1_host`); an IP literal sets the address, of which
    /// there can be only one.
    fn add_host(&mut self, host: Option<&str>) -> Result<(), Error> {
        if let Some(ip) = host.and_then(|h| h.parse::<std::net::IpAddr>().ok()) {
            if self.policy.ip.is_some_and(|old| old != ip) {
                return Err(Error::local(
                    Reason::INVALID_ARGUMENT,
                    "only one IP address can be expected",
                ));
            }
            self.policy.ip = Some(ip);
            return Ok(());
        }
        self.add_name(host)
    }

    /// `X509_VERIFY_PARAM_add1_host`: one more name. A name that is not a valid DNS name (say
    /// "host:443") is refused with an error, but kept all the same, as OpenSSL keeps it: it
    /// matches no certificate, so a caller that ignores the error gets a failing name check,
    /// never none (fail closed).
    fn add_name(&mut self, host: Option<&str>) -> Result<(), Error> {
        let Some(host) = host.filter(|h| !h.is_empty()) else {
            return Ok(());
        };
        self.policy.hosts.push(host.to_string());
        if pki_types::DnsName::try_from(host).is_err() {
            return Err(Error::local(
                Reason::INVALID_ARGUMENT,
                format!(
                    "'{host}' is neither a DNS name nor an IP address; it matches no certificate"
                ),
            ));
        }
        Ok(())
    }

    fn set_ip(&mut self, ip: Option<&str>) -> Result<(), Error> {
        self.policy.ip = match ip {
            None => None,
            Some(text) => Some(text.parse().map_err(|_| {
                Error::local(
                    Reason::INVALID_ARGUMENT,
                    format!("'{text}' is not an IPv4 or IPv6 address"),
                )
            })?),
        };
        Ok(())
    }
}

/// Maps a result to 1/0, queueing the error.
fn one_or_zero(r: Result<(), Error>) -> c_int {
    match r {
        Ok(()) => 1,
        Err(e) => {
            err::push(&e);
            0
        }
    }
}

/// `name` of `len` bytes (a final NUL allowed), or up to its NUL when `len` is 0, as OpenSSL's
/// `*_host` calls take it. A name with a NUL inside is refused before anything changes, as
/// OpenSSL refuses it; bytes that are not UTF-8 become U+FFFD, so such a name matches nothing.
unsafe fn name_arg(name: *const c_char, len: usize) -> Result<Option<String>, Error> {
    if name.is_null() {
        return Ok(None);
    }
    let mut bytes = if len == 0 {
        // SAFETY: a NUL-terminated string from the caller.
        unsafe { std::ffi::CStr::from_ptr(name) }.to_bytes()
    } else {
        // SAFETY: the caller passes `len` readable bytes.
        unsafe { std::slice::from_raw_parts(name as *const u8, len) }
    };
    if let [rest @ .., 0] = bytes {
        bytes = rest;
    }
    if bytes.contains(&0) {
        return Err(Error::local(
            Reason::INVALID_ARGUMENT,
            "host name contains a NUL byte",
        ));
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// The name the peer's certificate must match (an IP literal: the address it must hold);
/// NULL clears the names.
#[no_mangle]
pub unsafe extern "C" fn SSL_set1_host(ssl: *mut SSL, hostname: *const c_char) -> c_int {
    with_ssl(ssl, 0, |s| {
        // SAFETY: C string from the caller, or NULL.
        let host = unsafe { name_arg(hostname, 0) };
        one_or_zero(host.and_then(|h| s.verify_param.set_host(h.as_deref())))
    })
}

/// A further name the peer's certificate may match instead (any one suffices).
#[no_mangle]
pub unsafe extern "C" fn SSL_add1_host(ssl: *mut SSL, hostname: *const c_char) -> c_int {
    with_ssl(ssl, 0, |s| {
        // SAFETY: C string from the caller, or NULL.
        let host = unsafe { name_arg(hostname, 0) };
        one_or_zero(host.and_then(|h| s.verify_param.add_host(h.as_deref())))
    })
}

/// `X509_CHECK_FLAG_*` for the host-name check. libtls honours `X509_CHECK_FLAG_NO_WILDCARDS`;
/// partial and multi-label wildcards and subject-CN matching never happen anyway.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_hostflags(ssl: *mut SSL, flags: c_uint) {
    with_ssl(ssl, (), |s| s.verify_param.policy.flags = flags)
}

/// The connection's verification parameters, owned by the `SSL` (valid until `SSL_free`).
#[no_mangle]
pub unsafe extern "C" fn SSL_get0_param(ssl: *mut SSL) -> *mut X509_VERIFY_PARAM {
    with_ssl(ssl, std::ptr::null_mut(), |s| {
        &mut s.verify_param as *mut X509_VERIFY_PARAM
    })
}

/// The addresses of libtls's parameter objects (one in each SSL). aws-lc's libcrypto, which
/// libtls.so exports, has `X509_VERIFY_PARAM` objects of its own (`X509_VERIFY_PARAM_new`,
/// `X509_STORE_get0_param`): the functions below answer for libtls's and pass aws-lc's on.
fn params() -> std::sync::MutexGuard<'static, std::collections::HashSet<usize>> {
    static PARAMS: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<usize>>> =
        std::sync::OnceLock::new();
    PARAMS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

fn register_param(p: &mut X509_VERIFY_PARAM) {
    params().insert(p as *mut X509_VERIFY_PARAM as usize);
}

fn unregister_param(p: &X509_VERIFY_PARAM) {
    params().remove(&(p as *const X509_VERIFY_PARAM as usize));
}

/// Runs `f` on a parameter object from `SSL_get0_param`, or `theirs` on aws-lc's.
fn with_param<T: Copy>(
    param: *mut X509_VERIFY_PARAM,
    fail: T,
    f: impl FnOnce(&mut X509_VERIFY_PARAM) -> T,
    theirs: impl FnOnce(*mut aws_lc_sys::X509_VERIFY_PARAM) -> T,
) -> T {
    guard(fail, || {
        if param.is_null() {
            return super::null_arg("X509_VERIFY_PARAM", fail);
        }
        if !params().contains(&(param as usize)) {
            return theirs(param as *mut aws_lc_sys::X509_VERIFY_PARAM);
        }
        // SAFETY: registered parameters belong to a live SSL (SSL_get0_param).
        f(unsafe { &mut *param })
    })
}

#[no_mangle]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set1_host(
    param: *mut X509_VERIFY_PARAM,
    name: *const c_char,
    namelen: usize,
) -> c_int {
    with_param(
        param,
        0,
        |p| {
            // SAFETY: see name_arg.
            let host = unsafe { name_arg(name, namelen) };
            one_or_zero(host.and_then(|h| p.set_name(h.as_deref())))
        },
        // SAFETY: aws-lc's object and the caller's arguments, as aws-lc takes them.
        |a| unsafe { aws_lc_sys::X509_VERIFY_PARAM_set1_host(a, name, namelen) },
    )
}

#[no_mangle]
pub unsafe extern "C" fn X509_VERIFY_PARAM_add1_host(
    param: *mut X509_VERIFY_PARAM,
    name: *const c_char,
    namelen: usize,
) -> c_int {
    with_param(
        param,
        0,
        |p| {
            // SAFETY: see name_arg.
            let host = unsafe { name_arg(name, namelen) };
            one_or_zero(host.and_then(|h| p.add_name(h.as_deref())))
        },
        // SAFETY: aws-lc's object and the caller's arguments, as aws-lc takes them.
        |a| unsafe { aws_lc_sys::X509_VERIFY_PARAM_add1_host(a, name, namelen) },
    )
}

#[no_mangle]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set_hostflags(
    param: *mut X509_VERIFY_PARAM,
    flags: c_uint,
) {
    with_param(
        param,
        (),
        |p| p.policy.flags = flags,
        // SAFETY: aws-lc's object.
        |a| unsafe { aws_lc_sys::X509_VERIFY_PARAM_set_hostflags(a, flags) },
    )
}

#[no_mangle]
pub unsafe extern "C" fn X509_VERIFY_PARAM_get_hostflags(
    param: *const X509_VERIFY_PARAM,
) -> c_uint {
    with_param(
        param as *mut X509_VERIFY_PARAM,
        0,
        |p| p.policy.flags,
        // SAFETY: aws-lc's object.
        |a| unsafe { aws_lc_sys::X509_VERIFY_PARAM_get_hostflags(a) },
    )
}

/// The IP address (dotted IPv4 or IPv6 text) the peer's certificate must hold; NULL clears it.
#[no_mangle]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set1_ip_asc(
    param: *mut X509_VERIFY_PARAM,
    ipasc: *const c_char,
) -> c_int {
    with_param(
        param,
        0,
        |p| {
            // SAFETY: C string from the caller, or NULL.
            let ip = unsafe { name_arg(ipasc, 0) };
            one_or_zero(ip.and_then(|i| p.set_ip(i.as_deref())))
        },
        // SAFETY: aws-lc's object and the caller's string.
        |a| unsafe { aws_lc_sys::X509_VERIFY_PARAM_set1_ip_asc(a, ipasc) },
    )
}

/// libtls shorthand for `X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), ip)`.
#[no_mangle]
pub unsafe extern "C" fn SSL_set1_ip_asc(ssl: *mut SSL, ipasc: *const c_char) -> c_int {
    with_ssl(ssl, 0, |s| {
        // SAFETY: C string from the caller, or NULL.
        let ip = unsafe { name_arg(ipasc, 0) };
        one_or_zero(ip.and_then(|i| s.verify_param.set_ip(i.as_deref())))
    })
}

/// This connection's verify mode and, when `callback` is not NULL, its verify callback (a NULL
/// callback keeps the current one, as in OpenSSL). Takes effect for a handshake not yet started.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_verify(ssl: *mut SSL, mode: c_int, callback: SSL_verify_cb) {
    with_ssl(ssl, (), |s| {
        s.verify_mode = Some(mode);
        if callback.is_some() {
            s.verify_callback = Some(callback);
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_verify_mode(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, 0, |s| {
        s.verify_mode
            .unwrap_or_else(|| s.ctx().read().config.verify_mode)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_verify_callback(ssl: *const SSL) -> SSL_verify_cb {
    with_ssl_ref(ssl, None, |s| {
        s.verify_callback
            .unwrap_or_else(|| s.ctx().read().verify_callback)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_verify_depth(ssl: *mut SSL, depth: c_int) {
    with_ssl(ssl, (), |s| s.verify_depth = Some(depth.max(0) as u32))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_verify_depth(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, -1, |s| {
        s.verify_depth
            .unwrap_or_else(|| s.ctx().read().config.verify_depth) as c_int
    })
}

/// The chain the peer sent, borrowed (valid until `SSL_clear` or `SSL_free`). As in OpenSSL, a
/// client's list starts with the server's certificate, while a server's omits the client's own
/// certificate (get that with `SSL_get1_peer_certificate`). NULL before the peer sent
/// certificates.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_peer_cert_chain(ssl: *const SSL) -> *mut stack_st_X509 {
    with_ssl(ssl as *mut SSL, std::ptr::null_mut(), |s| {
        if s.peer_chain_stack.is_none() {
            let Some(conn) = s.conn.as_ref() else {
                return std::ptr::null_mut();
            };
            let chain = &conn.negotiated().peer_chain;
            if chain.is_empty() {
                return std::ptr::null_mut();
            }
            let skip = usize::from(conn.role() == Role::Server);
            s.peer_chain_stack = Some(X509Stack(super::x509::x509_stack_from_ders(&chain[skip..])));
        }
        s.peer_chain_stack
            .as_ref()
            .map_or(std::ptr::null_mut(), |b| b.0)
    })
}

/// The path verification built, leaf to trust anchor, borrowed (valid until `SSL_clear` or
/// `SSL_free`). As in OpenSSL, after a failed verification (that the verify mode or callback let
/// pass) it is the path as far as it could be built, at least the leaf; check
/// `SSL_get_verify_result` before trusting it. NULL when the peer sent no certificate.
#[no_mangle]
pub unsafe extern "C" fn SSL_get0_verified_chain(ssl: *const SSL) -> *mut stack_st_X509 {
    with_ssl(ssl as *mut SSL, std::ptr::null_mut(), |s| {
        if s.verified_chain_stack.is_none() {
            let Some(conn) = s.conn.as_ref() else {
                return std::ptr::null_mut();
            };
            let chain: Vec<Vec<u8>> = conn
                .negotiated()
                .verified_chain_ders()
                .into_iter()
                .map(<[u8]>::to_vec)
                .collect();
            if chain.is_empty() {
                return std::ptr::null_mut();
            }
            s.verified_chain_stack = Some(X509Stack(super::x509::x509_stack_from_ders(&chain)));
        }
        s.verified_chain_stack
            .as_ref()
            .map_or(std::ptr::null_mut(), |b| b.0)
    })
}

/// On a server, the CA names it sends in CertificateRequest (the context's list). On a client,
/// the names the server's CertificateRequest listed (borrowed, valid until `SSL_clear` or
/// `SSL_free`), from the client certificate callback on; NULL before a request or when it
/// listed none.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_client_CA_list(ssl: *const SSL) -> *mut stack_st_X509_NAME {
    with_ssl(ssl as *mut SSL, std::ptr::null_mut(), |s| {
        if s.role != Some(Role::Client) {
            // SAFETY: the SSL's context is live.
            return unsafe { super::ctx::SSL_CTX_get_client_CA_list(s.ctx) };
        }
        if s.peer_ca_stack.is_none() {
            let Some(conn) = s.conn.as_ref() else {
                return std::ptr::null_mut();
            };
            let names = &conn.negotiated().peer_ca_names;
            if names.is_empty() {
                return std::ptr::null_mut();
            }
            // A name that does not parse cannot be shown as an X509_NAME; the rest still can.
            let ders = names
                .iter()
                .filter(|der| crate::x509::Name::from_der(der).is_ok())
                .map(|der| der.as_slice());
            s.peer_ca_stack = Some(NameStack(super::x509::name_stack_from_ders(ders)));
        }
        s.peer_ca_stack
            .as_ref()
            .map_or(std::ptr::null_mut(), |b| b.0)
    })
}

/// The server name: what the client set (client side) or what the client sent (server side).
#[no_mangle]
pub unsafe extern "C" fn SSL_get_servername(ssl: *const SSL, name_type: c_int) -> *const c_char {
    with_ssl(ssl as *mut SSL, std::ptr::null(), |s| {
        if name_type != 0 {
            return std::ptr::null();
        }
        let name = match &s.conn {
            Some(c) => c.negotiated().server_name.as_deref(),
            None => s.sni.as_deref(),
        };
        let Some(name) = name else {
            return std::ptr::null();
        };
        // A changed name replaces the string (OpenSSL also frees the old name when it changes).
        if s.servername.as_ref().map(|c| c.as_bytes()) != Some(name.as_bytes()) {
            s.servername = CString::new(name).ok();
        }
        s.servername
            .as_ref()
            .map_or(std::ptr::null(), |c| c.as_ptr())
    })
}

fn version_of(s: &SSL) -> Option<ProtocolVersion> {
    s.conn.as_ref().and_then(|c| c.negotiated().version)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_version(ssl: *const SSL) -> *const c_char {
    with_ssl_ref(ssl, c"unknown".as_ptr(), |s| match version_of(s) {
        Some(ProtocolVersion::TLSV1_3) => c"TLSv1.3".as_ptr(),
        Some(ProtocolVersion::TLSV1_2) => c"TLSv1.2".as_ptr(),
        _ => c"unknown".as_ptr(),
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_version(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, 0, |s| version_of(s).map_or(0, |v| v.0 as c_int))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_current_cipher(ssl: *const SSL) -> *const SSL_CIPHER {
    with_ssl_ref(ssl, std::ptr::null(), |s| {
        s.conn
            .as_ref()
            .and_then(|c| c.negotiated().suite)
            .map_or(std::ptr::null(), cipher::to_c)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_verify_result(ssl: *const SSL) -> c_long {
    let ok = crate::verify::x509_v::OK as c_long;
    with_ssl_ref(ssl, ok, |s| {
        s.conn
            .as_ref()
            .map_or(ok, |c| c.negotiated().verify_result as c_long)
    })
}

/// OpenSSL's NID for a group; groups without one carry `TLSEXT_nid_unknown | codepoint`.
fn group_nid(g: NamedGroup) -> c_int {
    match g {
        NamedGroup::SECP256R1 => NID_X9_62_prime256v1,
        NamedGroup::SECP384R1 => NID_secp384r1,
        NamedGroup::X25519 => NID_X25519,
        other => TLSEXT_nid_unknown | other.0 as c_int,
    }
}

fn group_from_nid(nid: c_int) -> Option<NamedGroup> {
    match nid {
        NID_X9_62_prime256v1 => Some(NamedGroup::SECP256R1),
        NID_secp384r1 => Some(NamedGroup::SECP384R1),
        NID_X25519 => Some(NamedGroup::X25519),
        n if n & TLSEXT_nid_unknown != 0 => Some(NamedGroup((n & 0xffff) as u16)),
        _ => None,
    }
}

/// The key exchange group; 0 before the handshake chose one. OpenSSL makes this a macro.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_negotiated_group(ssl: *mut SSL) -> c_int {
    with_ssl(ssl, 0, |s| {
        s.conn
            .as_ref()
            .and_then(|c| c.negotiated().group)
            .map_or(0, group_nid)
    })
}

/// The name of a group NID, as OpenSSL 3's `SSL_group_to_name`.
#[no_mangle]
pub unsafe extern "C" fn SSL_group_to_name(ssl: *mut SSL, nid: c_int) -> *const c_char {
    with_ssl(ssl, std::ptr::null(), |_| {
        let Some(g) = group_from_nid(nid) else {
            return std::ptr::null();
        };
        static_c_string(crate::config::group_name(g))
    })
}

/// A NUL-terminated copy of a static string, made once per process and kept for its lifetime.
fn static_c_string(name: &'static str) -> *const c_char {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashMap<&'static str, CString>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    names
        .entry(name)
        .or_insert_with(|| CString::new(name).unwrap_or_default())
        .as_ptr()
}

/// The peer's leaf certificate with a new reference (free it with `X509_free`).
#[no_mangle]
pub unsafe extern "C" fn SSL_get1_peer_certificate(ssl: *const SSL) -> *mut X509 {
    with_ssl(ssl as *mut SSL, std::ptr::null_mut(), |s| {
        if s.peer_cert.is_none() {
            let Some(leaf) = s
                .conn
                .as_ref()
                .and_then(|c| c.negotiated().peer_chain.first())
            else {
                return std::ptr::null_mut();
            };
            let x = super::x509::x509_from_der(leaf);
            if x.is_null() {
                err::push(&Error::local(
                    Reason::INTERNAL_ERROR,
                    "the peer's certificate does not parse as an X509",
                ));
                return std::ptr::null_mut();
            }
            s.peer_cert = Some(OwnedX509(x));
        }
        let x = s.peer_cert.as_ref().map_or(std::ptr::null_mut(), |c| c.0);
        // SAFETY: the cached object is live; the caller gets a reference of its own.
        unsafe { aws_lc_sys::X509_up_ref(x) };
        x
    })
}

/// The pre-3.0 name of [`SSL_get1_peer_certificate`] (it also returns a new reference).
#[no_mangle]
pub unsafe extern "C" fn SSL_get_peer_certificate(ssl: *const SSL) -> *mut X509 {
    // SAFETY: same contract.
    unsafe { SSL_get1_peer_certificate(ssl) }
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_ex_data(ssl: *mut SSL, idx: c_int, data: *mut c_void) -> c_int {
    with_ssl(ssl, 0, |s| s.ex.set(idx, data) as c_int)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_ex_data(ssl: *const SSL, idx: c_int) -> *mut c_void {
    with_ssl_ref(ssl, std::ptr::null_mut(), |s| s.ex.get(idx))
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

#[no_mangle]
pub unsafe extern "C" fn SSL_read_ex(
    ssl: *mut SSL,
    buf: *mut c_void,
    num: usize,
    readbytes: *mut usize,
) -> c_int {
    // SAFETY: same contract as SSL_read, with the length clamped to int.
    let r = unsafe { SSL_read(ssl, buf, num.min(c_int::MAX as usize) as c_int) };
    ex_result(r, readbytes)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_peek_ex(
    ssl: *mut SSL,
    buf: *mut c_void,
    num: usize,
    readbytes: *mut usize,
) -> c_int {
    // SAFETY: same contract as SSL_peek.
    let r = unsafe { SSL_peek(ssl, buf, num.min(c_int::MAX as usize) as c_int) };
    ex_result(r, readbytes)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_write_ex(
    ssl: *mut SSL,
    buf: *const c_void,
    num: usize,
    written: *mut usize,
) -> c_int {
    // SAFETY: same contract as SSL_write.
    let r = unsafe { SSL_write(ssl, buf, num.min(c_int::MAX as usize) as c_int) };
    ex_result(r, written)
}

/// The `_ex` convention: 1 with the count stored, or 0.
fn ex_result(r: c_int, out: *mut usize) -> c_int {
    if !out.is_null() {
        // SAFETY: checked non-NULL; caller storage.
        unsafe { *out = r.max(0) as usize };
    }
    (r > 0) as c_int
}

/// Decrypted data waiting, or received bytes not yet processed.
#[no_mangle]
pub unsafe extern "C" fn SSL_has_pending(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, 0, |s| {
        s.conn
            .as_ref()
            .is_some_and(|c| c.plaintext_len() > 0 || c.buffered_tls() > 0) as c_int
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_want(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, SSL_NOTHING, |s| s.want)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_want_read(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, 0, |s| (s.want == SSL_READING) as c_int)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_want_write(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, 0, |s| (s.want == SSL_WRITING) as c_int)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_want_nothing(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, 1, |s| (s.want == SSL_NOTHING) as c_int)
}

/// Adds mode bits; returns the new mode (OpenSSL's macro over SSL_ctrl). Record buffers are
/// kept while application data streams and freed once handshake traffic is through; with
/// `SSL_MODE_RELEASE_BUFFERS` they are freed whenever they empty.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_mode(ssl: *mut SSL, mode: c_long) -> c_long {
    with_ssl(ssl, 0, |s| {
        s.mode |= mode as u32;
        s.mode as c_long
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_clear_mode(ssl: *mut SSL, mode: c_long) -> c_long {
    with_ssl(ssl, 0, |s| {
        s.mode &= !(mode as u32);
        s.mode as c_long
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_mode(ssl: *mut SSL) -> c_long {
    with_ssl(ssl, 0, |s| s.mode as c_long)
}

/// With quiet shutdown on, `SSL_shutdown` sends no close_notify and just marks the SSL closed.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_quiet_shutdown(ssl: *mut SSL, mode: c_int) {
    with_ssl(ssl, (), |s| s.quiet_shutdown = mode != 0)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_quiet_shutdown(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, 0, |s| s.quiet_shutdown as c_int)
}

/// Sets shutdown flags without sending anything (a later SSL_shutdown then sends no alert if
/// SSL_SENT_SHUTDOWN is set).
#[no_mangle]
pub unsafe extern "C" fn SSL_set_shutdown(ssl: *mut SSL, mode: c_int) {
    with_ssl(ssl, (), |s| {
        s.shutdown_flags = mode & (SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN)
    })
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

/// Sets the largest handshake message (certificate list) this connection accepts from the
/// peer, in bytes; returns the previous limit. A larger message is refused from its header
/// with `illegal_parameter` and `SSL_R_EXCESSIVE_MESSAGE_SIZE`. A ClientHello is accepted up
/// to its syntax's 131,396 bytes whatever this says, as in OpenSSL. Takes effect for a
/// handshake not yet started.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_max_cert_list(ssl: *mut SSL, max: c_long) -> c_long {
    with_ssl(ssl, 0, |s| {
        if max < 0 {
            return 0;
        }
        let old = s.max_cert_list;
        s.max_cert_list = max as usize;
        old as c_long
    })
}

/// The largest handshake message this connection accepts (`SSL_set_max_cert_list`).
#[no_mangle]
pub unsafe extern "C" fn SSL_get_max_cert_list(ssl: *const SSL) -> c_long {
    with_ssl_ref(ssl, 0, |s| s.max_cert_list as c_long)
}

/// Queues a TLS 1.3 KeyUpdate (`SSL_KEY_UPDATE_REQUESTED` also asks the peer to update); it
/// goes out with the next write, read or `SSL_do_handshake`.
#[no_mangle]
pub unsafe extern "C" fn SSL_key_update(ssl: *mut SSL, updatetype: c_int) -> c_int {
    super::reentry::driving(ssl, 0, "SSL_key_update", |s| {
        if updatetype != SSL_KEY_UPDATE_NOT_REQUESTED && updatetype != SSL_KEY_UPDATE_REQUESTED {
            err::push(&Error::local(
                Reason::INVALID_ARGUMENT,
                "SSL_key_update needs SSL_KEY_UPDATE_REQUESTED or SSL_KEY_UPDATE_NOT_REQUESTED",
            ));
            return 0;
        }
        let Some(conn) = s.conn.as_mut() else {
            err::push(&Error::local(
                Reason::STILL_IN_INIT,
                "SSL_key_update before the handshake",
            ));
            return 0;
        };
        match conn.key_update(updatetype == SSL_KEY_UPDATE_REQUESTED) {
            Ok(()) => {
                s.key_update_pending = updatetype;
                1
            }
            Err(e) => {
                err::push(&e);
                0
            }
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_key_update_type(ssl: *const SSL) -> c_int {
    with_ssl_ref(ssl, SSL_KEY_UPDATE_NONE, |s| s.key_update_pending)
}

/// Adds `SSL_OP_*` bits for this connection; returns the new options.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_options(ssl: *mut SSL, op: u64) -> u64 {
    with_ssl(ssl, 0, |s| {
        s.options |= op;
        s.options
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_clear_options(ssl: *mut SSL, op: u64) -> u64 {
    with_ssl(ssl, 0, |s| {
        s.options &= !op;
        s.options
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_options(ssl: *const SSL) -> u64 {
    with_ssl_ref(ssl, 0, |s| s.options)
}

/// This connection's lowest protocol version (`TLS1_2_VERSION`, ...; 0: no bound). A function
/// here, a macro in OpenSSL.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_min_proto_version(ssl: *mut SSL, version: c_int) -> c_int {
    with_ssl(ssl, 0, |s| {
        match super::ctx::check_proto_version(Some(version)) {
            Ok(()) => {
                s.min_proto = Some(version);
                1
            }
            Err(e) => {
                err::push(&e);
                0
            }
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_max_proto_version(ssl: *mut SSL, version: c_int) -> c_int {
    with_ssl(ssl, 0, |s| {
        match super::ctx::check_proto_version(Some(version)) {
            Ok(()) => {
                s.max_proto = Some(version);
                1
            }
            Err(e) => {
                err::push(&e);
                0
            }
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_min_proto_version(ssl: *mut SSL) -> c_int {
    with_ssl(ssl, 0, |s| {
        s.min_proto
            .unwrap_or_else(|| s.ctx().read().min_proto_version_raw())
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_max_proto_version(ssl: *mut SSL) -> c_int {
    with_ssl(ssl, 0, |s| {
        s.max_proto
            .unwrap_or_else(|| s.ctx().read().max_proto_version_raw())
    })
}

/// Parses a sigalgs list for one of the connection's overrides; 1 on success, 0 with the error
/// queued.
unsafe fn set_sigalgs_override(
    ssl: *mut SSL,
    list: *const c_char,
    what: &str,
    field: fn(&mut SSL) -> &mut Option<Vec<SignatureScheme>>,
) -> c_int {
    with_ssl(ssl, 0, |s| {
        // SAFETY: C string from the caller.
        let Some(text) = (unsafe { c_str(list, what) }) else {
            return 0;
        };
        match Config::parse_sigalgs_list(text) {
            Ok(schemes) => {
                *field(s) = Some(schemes);
                1
            }
            Err(e) => {
                err::push(&e);
                0
            }
        }
    })
}

/// Like `SSL_CTX_set1_sigalgs_list`, for this connection.
#[no_mangle]
pub unsafe extern "C" fn SSL_set1_sigalgs_list(ssl: *mut SSL, list: *const c_char) -> c_int {
    // SAFETY: C string from the caller.
    unsafe { set_sigalgs_override(ssl, list, "sigalgs", |s| &mut s.sigalgs) }
}

/// Like `SSL_CTX_set1_client_sigalgs_list`, for this connection.
#[no_mangle]
pub unsafe extern "C" fn SSL_set1_client_sigalgs_list(ssl: *mut SSL, list: *const c_char) -> c_int {
    // SAFETY: C string from the caller.
    unsafe { set_sigalgs_override(ssl, list, "client sigalgs", |s| &mut s.client_sigalgs) }
}

/// Like `SSL_CTX_set_alpn_protos`, for this connection: 0 on success, 1 on failure.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_alpn_protos(
    ssl: *mut SSL,
    protos: *const u8,
    len: c_uint,
) -> c_int {
    with_ssl(ssl, 1, |s| {
        // SAFETY: forwarded caller buffer.
        match unsafe { super::ctx::alpn_list_arg(protos, len) } {
            Ok(list) => {
                s.alpn_protos = Some(list);
                0
            }
            Err(e) => {
                err::push(&e);
                1
            }
        }
    })
}

/// The agreed ALPN protocol (not NUL-terminated, owned by the SSL), or NULL and 0.
#[no_mangle]
pub unsafe extern "C" fn SSL_get0_alpn_selected(
    ssl: *const SSL,
    data: *mut *const u8,
    len: *mut c_uint,
) {
    with_ssl_ref(ssl, (), |s| {
        let chosen = s.conn.as_ref().and_then(|c| c.negotiated().alpn.as_deref());
        let (p, n) = chosen.map_or((std::ptr::null(), 0), |p| (p.as_ptr(), p.len() as c_uint));
        // SAFETY: caller storage, checked non-NULL.
        unsafe {
            if !data.is_null() {
                *data = p;
            }
            if !len.is_null() {
                *len = n;
            }
        }
    })
}

/// RFC 7301's choice: the first protocol of `server` (wire form) that `client` also lists,
/// with `OPENSSL_NPN_NEGOTIATED`; otherwise the client's first protocol (or NULL if it has
/// none) with `OPENSSL_NPN_NO_OVERLAP`. `*out` points into one of the two lists.
#[no_mangle]
pub unsafe extern "C" fn SSL_select_next_proto(
    out: *mut *mut u8,
    outlen: *mut u8,
    server: *const u8,
    server_len: c_uint,
    client: *const u8,
    client_len: c_uint,
) -> c_int {
    guard(OPENSSL_NPN_NO_OVERLAP, || {
        if out.is_null() || outlen.is_null() {
            return null_arg("SSL_select_next_proto output", OPENSSL_NPN_NO_OVERLAP);
        }
        // SAFETY: the caller provides the lengths it passes (a NULL list counts as empty).
        let (server, client) = unsafe {
            (
                byte_slice(server, server_len),
                byte_slice(client, client_len),
            )
        };
        let client_names = wire_entries(client);
        for (s_off, s_name) in wire_entries(server) {
            if client_names.iter().any(|(_, c)| *c == s_name) {
                // SAFETY: caller storage; the result points into the caller's server list.
                unsafe {
                    *out = server.as_ptr().add(s_off) as *mut u8;
                    *outlen = s_name.len() as u8;
                }
                return OPENSSL_NPN_NEGOTIATED;
            }
        }
        let first = client_names.first();
        // SAFETY: caller storage; the result points into the caller's client list or is NULL.
        unsafe {
            match first {
                Some((off, name)) => {
                    *out = client.as_ptr().add(*off) as *mut u8;
                    *outlen = name.len() as u8;
                }
                None => {
                    *out = std::ptr::null_mut();
                    *outlen = 0;
                }
            }
        }
        OPENSSL_NPN_NO_OVERLAP
    })
}

unsafe fn byte_slice<'a>(p: *const u8, len: c_uint) -> &'a [u8] {
    if p.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: the caller guarantees `len` readable bytes at `p`.
    unsafe { std::slice::from_raw_parts(p, len as usize) }
}

/// The well-formed leading entries of a wire-form protocol list: (offset of the name, name).
fn wire_entries(wire: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(&len) = wire.get(at) {
        let len = usize::from(len);
        let Some(name) = wire.get(at + 1..at + 1 + len) else {
            break;
        };
        if len == 0 {
            break;
        }
        out.push((at + 1, name));
        at += 1 + len;
    }
    out
}

/// Moves the connection to another context. Called from a server name callback, the
/// handshake then uses the new context's certificates, signature algorithms, trust anchors,
/// client CA list, verification settings (unless set on the SSL), ALPN callback and session ID
/// context. The connection's options stay its own, as in OpenSSL (`SSL_set_options` in the
/// callback changes them); versions, suites and groups stay, and so do the first context's
/// session cache and ticket keys, as in OpenSSL. NULL keeps the current context. Returns the
/// context now in use.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_SSL_CTX(ssl: *mut SSL, ctx: *mut SSL_CTX) -> *mut SSL_CTX {
    with_ssl(ssl, std::ptr::null_mut(), |s| {
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
        ctx
    })
}

/// The signature scheme's `(signature type NID, digest NID)`, as OpenSSL reports them.
fn signature_nids(scheme: SignatureScheme) -> Option<(c_int, c_int)> {
    use super::x509::{EVP_PKEY_EC, EVP_PKEY_ED25519, EVP_PKEY_RSA};
    use SignatureScheme as S;
    Some(match scheme {
        S::RSA_PKCS1_SHA1 => (EVP_PKEY_RSA, NID_sha1),
        S::RSA_PKCS1_SHA256 => (EVP_PKEY_RSA, NID_sha256),
        S::RSA_PKCS1_SHA384 => (EVP_PKEY_RSA, NID_sha384),
        S::RSA_PKCS1_SHA512 => (EVP_PKEY_RSA, NID_sha512),
        S::RSA_PSS_RSAE_SHA256 => (EVP_PKEY_RSA_PSS, NID_sha256),
        S::RSA_PSS_RSAE_SHA384 => (EVP_PKEY_RSA_PSS, NID_sha384),
        S::RSA_PSS_RSAE_SHA512 => (EVP_PKEY_RSA_PSS, NID_sha512),
        S::ECDSA_SHA1 => (EVP_PKEY_EC, NID_sha1),
        S::ECDSA_NISTP256_SHA256 => (EVP_PKEY_EC, NID_sha256),
        S::ECDSA_NISTP384_SHA384 => (EVP_PKEY_EC, NID_sha384),
        S::ECDSA_NISTP521_SHA512 => (EVP_PKEY_EC, NID_sha512),
        S::ED25519 => (EVP_PKEY_ED25519, NID_undef),
        _ => return None,
    })
}

fn peer_signature_nids(ssl: *const SSL) -> Option<(c_int, c_int)> {
    with_ssl_ref(ssl, None, |s| {
        s.conn
            .as_ref()
            .and_then(|c| c.negotiated().peer_signature_scheme)
            .and_then(signature_nids)
    })
}

/// The kind of signature the peer made in the handshake (`EVP_PKEY_RSA`, `EVP_PKEY_RSA_PSS`,
/// `EVP_PKEY_EC`, `EVP_PKEY_ED25519`); 0 when it made none (e.g. a client without a
/// certificate).
#[no_mangle]
pub unsafe extern "C" fn SSL_get_peer_signature_type_nid(
    ssl: *const SSL,
    pnid: *mut c_int,
) -> c_int {
    store_nid(peer_signature_nids(ssl).map(|(sig, _)| sig), pnid)
}

/// The digest of the peer's handshake signature (`NID_sha256`, ...; `NID_undef` for Ed25519);
/// 0 when it made none. A function here, a macro in OpenSSL.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_peer_signature_nid(ssl: *const SSL, pnid: *mut c_int) -> c_int {
    store_nid(peer_signature_nids(ssl).map(|(_, md)| md), pnid)
}

fn store_nid(nid: Option<c_int>, out: *mut c_int) -> c_int {
    match nid {
        Some(n) => {
            if !out.is_null() {
                // SAFETY: caller storage, checked non-NULL.
                unsafe { *out = n };
            }
            1
        }
        None => 0,
    }
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
#[path = "ssl_panic_tests.rs"]
mod panic_tests;
