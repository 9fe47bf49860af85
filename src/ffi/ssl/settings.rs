//! The settings of one `SSL`: its own copy of its context's, made at `SSL_new` as in OpenSSL and
//! changed by `SSL_set_*`, and the configuration the core gets from them.

use super::*;

/// Which of the settings that `SSL_set_SSL_CTX` replaces were set on this SSL itself (those
/// stay).
#[derive(Default, Clone, Copy)]
pub(crate) struct SetHere {
    verify_mode: bool,
    verify_depth: bool,
    verify_callback: bool,
    sigalgs: bool,
    client_sigalgs: bool,
    pub(crate) cert_cb: bool,
}

/// This connection's copy (`own`, made at `SSL_new` and changed by `SSL_set_*`) joined to what
/// stays its context's (`now`), as in OpenSSL: the trust anchors (the certificate store is
/// shared), the client CA list, the cipher lists (OpenSSL 3.0 reads the context's until
/// `SSL_set_cipher_list`), the session cache and ticket settings, certificate compression's
/// cache and algorithms, and the callbacks, which are the context's (`SSL::config` wraps them).
fn with_context_parts(own: &Config, now: &Config) -> Config {
    let mut c = now.clone();
    c.min_version = own.min_version;
    c.max_version = own.max_version;
    c.groups = own.groups.clone();
    c.verify_schemes = own.verify_schemes.clone();
    c.client_auth_schemes = own.client_auth_schemes.clone();
    c.certs = own.certs.clone();
    c.verify_mode = own.verify_mode;
    c.verify_depth = own.verify_depth;
    c.max_handshake_message = own.max_handshake_message;
    c.max_send_fragment = own.max_send_fragment;
    c.options = own.options;
    c.allow_no_ems = own.allow_no_ems;
    c.alpn_protocols = own.alpn_protocols.clone();
    c.key_update_after_records = own.key_update_after_records;
    c.record_size_limit = own.record_size_limit;
    c.post_handshake_auth = own.post_handshake_auth;
    c.cert_compression.preference = own.cert_compression.preference.clone();
    c.session.num_tickets = own.session.num_tickets;
    c.session.sid_ctx = own.session.sid_ctx.clone();
    c
}

impl SSL {
    /// Keeps `op` as the `SSL_OP_*` bits set and gives the core what they mean; returns `op`.
    fn set_options(&mut self, op: u64) -> u64 {
        self.options = op;
        self.settings_mut().options = crate::ffi::options::options_from_c(op);
        op
    }

    /// This connection's settings for a copy-on-write change by `SSL_set_*`.
    pub(crate) fn settings_mut(&mut self) -> &mut Config {
        Arc::make_mut(&mut self.settings)
    }

    /// `SSL_set_SSL_CTX`: the new context's certificates, session ID context and, unless set on
    /// this SSL, its signature algorithms, verification settings and certificate callback.
    pub(crate) fn take_context_certificates(&mut self) {
        let new = self.ctx().snapshot();
        let (verify_callback, cert_cb, verify_mode) = {
            let st = self.ctx().read();
            (
                st.verify_callback,
                (st.cert_cb, st.cert_cb_arg),
                st.verify_mode,
            )
        };
        let here = self.set_here;
        if !here.verify_callback {
            self.verify_callback = verify_callback;
        }
        if !here.cert_cb {
            self.cert_cb = cert_cb;
        }
        if !here.verify_mode {
            self.verify_mode = verify_mode;
        }
        let c = self.settings_mut();
        c.certs = new.certs.clone();
        c.session.sid_ctx = new.session.sid_ctx.clone();
        if !here.sigalgs {
            c.verify_schemes = new.verify_schemes.clone();
        }
        if !here.client_sigalgs {
            c.client_auth_schemes = new.client_auth_schemes.clone();
        }
        if !here.verify_mode {
            c.verify_mode = new.verify_mode;
        }
        if !here.verify_depth {
            c.verify_depth = new.verify_depth;
        }
    }

    /// The configuration the core gets: this connection's settings with what stays its
    /// context's, and the application's callbacks wrapped for the core.
    pub(crate) fn config(&self) -> Arc<Config> {
        let now = self.ctx().snapshot();
        let (
            client_cert_callback,
            alpn_select,
            servername,
            session_callbacks,
            ctx_ocsp,
            client_hello,
        ) = {
            let st = self.ctx().read();
            (
                st.client_cert_cb,
                st.alpn_select_cb.map(|cb| (cb, st.alpn_select_arg)),
                st.servername_cb.map(|cb| (cb, st.servername_arg)),
                st.session_callbacks,
                st.ocsp,
                st.client_hello_cb.map(|cb| (cb, st.client_hello_arg)),
            )
        };
        let cert_cb = crate::ffi::cert_cb::effective(self.cert_cb);
        let verify_callback = self.verify_callback;
        // The context did not change since SSL_new: this SSL's copy is the whole configuration
        // (and shared with the context while no SSL_set_* changed it).
        let base = if Arc::ptr_eq(&self.settings_from, &now) && self.tls12_suites.is_none() {
            self.settings.clone()
        } else {
            let mut c = with_context_parts(&self.settings, &now);
            if let Some(suites) = &self.tls12_suites {
                c.tls12_suites = suites.clone();
            }
            Arc::new(c)
        };
        if verify_callback.is_none()
            && client_cert_callback.is_none()
            && !session_callbacks.needs_wrapping()
            && alpn_select.is_none()
            && servername.is_none()
            && client_hello.is_none()
            && cert_cb.is_none()
            && !(self.own_cert.is_some() && self.own_key.is_some())
            && !self.ocsp.needs_wrapping(&ctx_ocsp)
            && !crate::ffi::psk::needs_config(self)
            && !crate::ffi::cert_comp_custom::needs_config(&base)
        {
            return base;
        }
        let mut c = (*base).clone();
        if let (Some(cert), Some(key)) = (&self.own_cert, &self.own_key) {
            // The pair was checked when its second half was set.
            c.set_certified_key(crate::config::CertifiedKey {
                chain: std::iter::once(cert.clone())
                    .chain(self.own_chain.iter().cloned())
                    .collect(),
                key: key.clone(),
            });
        }
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
        crate::ffi::ocsp::install(&mut c, &self.ocsp, &ctx_ocsp, ssl_addr);
        crate::ffi::cert_comp_custom::install(&mut c, ssl_addr);
        crate::ffi::psk::install(self, &mut c, ssl_addr);
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
                crate::ffi::cert_cb::call(callback, arg, ssl_addr as *mut SSL)
            }));
        }
        if let Some((callback, arg)) = servername {
            c.sni_callback = Some(Arc::new(move |_name: Option<&str>| {
                call_servername_cb(callback, arg, ssl_addr as *mut SSL)
            }));
        }
        if let Some((callback, arg)) = client_hello {
            c.client_hello_callback = Some(Arc::new(move |hello| {
                crate::ffi::client_hello::call(callback, arg, ssl_addr as *mut SSL, hello)
            }));
        }
        Arc::new(c)
    }
}

/// libtls: with `on` non-zero this connection does TLS 1.2 without the extended master secret
/// (RFC 7627) when the peer does not offer (server) or answer (client) it, with the classic
/// master secret; otherwise, the default, such peers are refused. Changes this connection's
/// copy of the context's `SSL_CTX_set_allow_no_ems`. Returns 1.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_allow_no_ems(ssl: *mut SSL, on: c_int) -> c_int {
    with_mut(ssl, 0, |s| {
        s.settings_mut().allow_no_ems = on != 0;
        1
    })
}

/// SNI for a client. OpenSSL defines this as a macro returning long; here it is a function.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_tlsext_host_name(ssl: *mut SSL, name: *const c_char) -> c_int {
    with_mut(ssl, 0, |s| {
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

/// This connection's verify mode and, when `callback` is not NULL, its verify callback (a NULL
/// callback keeps the current one, as in OpenSSL). Takes effect for a handshake not yet started.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_verify(ssl: *mut SSL, mode: c_int, callback: SSL_verify_cb) {
    with_mut(ssl, (), |s| {
        s.verify_mode = mode;
        s.settings_mut().verify_mode = crate::ffi::options::verify_mode_from_c(mode);
        s.set_here.verify_mode = true;
        if callback.is_some() {
            s.verify_callback = callback;
            s.set_here.verify_callback = true;
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_verify_mode(ssl: *const SSL) -> c_int {
    with_ref(ssl, 0, |s| s.verify_mode)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_verify_callback(ssl: *const SSL) -> SSL_verify_cb {
    with_ref(ssl, None, |s| s.verify_callback)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_verify_depth(ssl: *mut SSL, depth: c_int) {
    with_mut(ssl, (), |s| {
        s.settings_mut().verify_depth = depth.max(0) as u32;
        s.set_here.verify_depth = true;
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_verify_depth(ssl: *const SSL) -> c_int {
    with_ref(ssl, -1, |s| s.settings.verify_depth as c_int)
}

/// Adds mode bits; returns the new mode (OpenSSL's macro over SSL_ctrl). Record buffers are
/// kept while application data streams and freed once handshake traffic is through; with
/// `SSL_MODE_RELEASE_BUFFERS` they are freed whenever they empty.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_mode(ssl: *mut SSL, mode: c_long) -> c_long {
    with_mut(ssl, 0, |s| {
        s.mode |= mode as u32;
        s.mode as c_long
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_clear_mode(ssl: *mut SSL, mode: c_long) -> c_long {
    with_mut(ssl, 0, |s| {
        s.mode &= !(mode as u32);
        s.mode as c_long
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_mode(ssl: *mut SSL) -> c_long {
    with_mut(ssl, 0, |s| s.mode as c_long)
}

/// With quiet shutdown on, `SSL_shutdown` sends no close_notify and just marks the SSL closed.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_quiet_shutdown(ssl: *mut SSL, mode: c_int) {
    with_mut(ssl, (), |s| s.quiet_shutdown = mode != 0)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_quiet_shutdown(ssl: *const SSL) -> c_int {
    with_ref(ssl, 0, |s| s.quiet_shutdown as c_int)
}

/// Sets the largest handshake message (certificate list) this connection accepts from the
/// peer, in bytes; returns the previous limit. A larger message is refused from its header
/// with `illegal_parameter` and `SSL_R_EXCESSIVE_MESSAGE_SIZE`. A ClientHello is accepted up
/// to its syntax's 131,396 bytes whatever this says, as in OpenSSL. Takes effect for a
/// handshake not yet started.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_max_cert_list(ssl: *mut SSL, max: c_long) -> c_long {
    with_mut(ssl, 0, |s| {
        if max < 0 {
            return 0;
        }
        let old = s.settings.max_handshake_message;
        s.settings_mut().max_handshake_message = max as usize;
        old as c_long
    })
}

/// The largest handshake message this connection accepts (`SSL_set_max_cert_list`).
#[no_mangle]
pub unsafe extern "C" fn SSL_get_max_cert_list(ssl: *const SSL) -> c_long {
    with_ref(ssl, 0, |s| s.settings.max_handshake_message as c_long)
}

/// Adds `SSL_OP_*` bits for this connection; returns the new options.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_options(ssl: *mut SSL, op: u64) -> u64 {
    with_mut(ssl, 0, |s| s.set_options(s.options | op))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_clear_options(ssl: *mut SSL, op: u64) -> u64 {
    with_mut(ssl, 0, |s| s.set_options(s.options & !op))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_options(ssl: *const SSL) -> u64 {
    with_ref(ssl, 0, |s| s.options)
}

/// This connection's lowest protocol version (`TLS1_2_VERSION`, ...; 0: no bound). A function
/// here, a macro in OpenSSL.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_min_proto_version(ssl: *mut SSL, version: c_int) -> c_int {
    with_mut(ssl, 0, |s| {
        match crate::ffi::ctx::check_proto_version(Some(version)) {
            Ok(()) => {
                s.min_proto = version;
                s.apply_version_bounds();
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
    with_mut(ssl, 0, |s| {
        match crate::ffi::ctx::check_proto_version(Some(version)) {
            Ok(()) => {
                s.max_proto = version;
                s.apply_version_bounds();
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
    with_mut(ssl, 0, |s| s.min_proto)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_max_proto_version(ssl: *mut SSL) -> c_int {
    with_mut(ssl, 0, |s| s.max_proto)
}

/// Parses a sigalgs list for one of the connection's settings (`set` stores it); 1 on success,
/// 0 with the error queued.
unsafe fn set_sigalgs(
    ssl: *mut SSL,
    list: *const c_char,
    what: &str,
    set: fn(&mut SSL, Vec<SignatureScheme>),
) -> c_int {
    with_mut(ssl, 0, |s| {
        // SAFETY: C string from the caller.
        let Some(text) = (unsafe { c_str(list, what) }) else {
            return 0;
        };
        match crate::config::lists::parse_sigalgs(text).map_err(crate::error::Error::from) {
            Ok(schemes) => {
                set(s, schemes);
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
    unsafe {
        set_sigalgs(ssl, list, "sigalgs", |s, schemes| {
            s.settings_mut().verify_schemes = schemes;
            s.set_here.sigalgs = true;
        })
    }
}

/// Like `SSL_CTX_set1_client_sigalgs_list`, for this connection.
#[no_mangle]
pub unsafe extern "C" fn SSL_set1_client_sigalgs_list(ssl: *mut SSL, list: *const c_char) -> c_int {
    // SAFETY: C string from the caller.
    unsafe {
        set_sigalgs(ssl, list, "client sigalgs", |s, schemes| {
            s.settings_mut().client_auth_schemes = Some(schemes);
            s.set_here.client_sigalgs = true;
        })
    }
}

/// Like `SSL_CTX_set_alpn_protos`, for this connection: 0 on success, 1 on failure.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_alpn_protos(
    ssl: *mut SSL,
    protos: *const u8,
    len: c_uint,
) -> c_int {
    with_mut(ssl, 1, |s| {
        // SAFETY: forwarded caller buffer.
        match unsafe { crate::ffi::ctx::alpn_list_arg(protos, len) } {
            Ok(list) => {
                s.settings_mut().alpn_protocols = list;
                0
            }
            Err(e) => {
                err::push(&e);
                1
            }
        }
    })
}

impl SSL {
    /// `SSL_set_{min,max}_proto_version`: the versions this connection's bounds allow.
    fn apply_version_bounds(&mut self) {
        let (min, max) = crate::ffi::ctx::version_range(self.min_proto, self.max_proto);
        let c = self.settings_mut();
        (c.min_version, c.max_version) = (min, max);
    }
}
