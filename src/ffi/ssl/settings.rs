//! The settings of one `SSL`: what `SSL_set_*` changes over the values copied from its context,
//! and the configuration the core gets from them.

use super::*;

impl SSL {
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
        let cert_cb = crate::ffi::cert_cb::effective(self.cert_cb.unwrap_or(ctx_cert_cb));
        let verify_callback = self.verify_callback.unwrap_or(ctx_verify_callback);
        let mode_changed = self
            .verify_mode
            .is_some_and(|m| crate::ffi::options::verify_mode_from_c(m) != base.verify_mode);
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
            && crate::ffi::options::options_from_c(self.options) == base.options
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
            && !crate::ffi::psk::needs_config(self)
            && self.cert_comp_pref.is_none()
            && !crate::ffi::cert_comp_custom::needs_config(&base)
        {
            return base;
        }
        let mut c = (*base).clone();
        c.options = crate::ffi::options::options_from_c(self.options);
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
            (c.min_version, c.max_version) = crate::ffi::ctx::version_range(
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
            c.verify_mode = crate::ffi::options::verify_mode_from_c(mode);
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
/// master secret; otherwise, the default, such peers are refused. Overrides the context's
/// `SSL_CTX_set_allow_no_ems`. Returns 1.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_allow_no_ems(ssl: *mut SSL, on: c_int) -> c_int {
    with_mut(ssl, 0, |s| {
        s.allow_no_ems = Some(on != 0);
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
        s.verify_mode = Some(mode);
        if callback.is_some() {
            s.verify_callback = Some(callback);
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_verify_mode(ssl: *const SSL) -> c_int {
    with_ref(ssl, 0, |s| {
        s.verify_mode.unwrap_or_else(|| s.ctx().read().verify_mode)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_verify_callback(ssl: *const SSL) -> SSL_verify_cb {
    with_ref(ssl, None, |s| {
        s.verify_callback
            .unwrap_or_else(|| s.ctx().read().verify_callback)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_verify_depth(ssl: *mut SSL, depth: c_int) {
    with_mut(ssl, (), |s| s.verify_depth = Some(depth.max(0) as u32))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_verify_depth(ssl: *const SSL) -> c_int {
    with_ref(ssl, -1, |s| {
        s.verify_depth
            .unwrap_or_else(|| s.ctx().read().config.verify_depth) as c_int
    })
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
        let old = s.max_cert_list;
        s.max_cert_list = max as usize;
        old as c_long
    })
}

/// The largest handshake message this connection accepts (`SSL_set_max_cert_list`).
#[no_mangle]
pub unsafe extern "C" fn SSL_get_max_cert_list(ssl: *const SSL) -> c_long {
    with_ref(ssl, 0, |s| s.max_cert_list as c_long)
}

/// Adds `SSL_OP_*` bits for this connection; returns the new options.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_options(ssl: *mut SSL, op: u64) -> u64 {
    with_mut(ssl, 0, |s| {
        s.options |= op;
        s.options
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_clear_options(ssl: *mut SSL, op: u64) -> u64 {
    with_mut(ssl, 0, |s| {
        s.options &= !op;
        s.options
    })
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
    with_mut(ssl, 0, |s| {
        match crate::ffi::ctx::check_proto_version(Some(version)) {
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
    with_mut(ssl, 0, |s| {
        s.min_proto
            .unwrap_or_else(|| s.ctx().read().min_proto_version_raw())
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_max_proto_version(ssl: *mut SSL) -> c_int {
    with_mut(ssl, 0, |s| {
        s.max_proto
            .unwrap_or_else(|| s.ctx().read().max_proto_version_raw())
    })
}

/// Parses a sigalgs list for one of the connection's overrides; 1 on success, 0 with the error
/// queued.
pub(crate) unsafe fn set_sigalgs_override(
    ssl: *mut SSL,
    list: *const c_char,
    what: &str,
    field: fn(&mut SSL) -> &mut Option<Vec<SignatureScheme>>,
) -> c_int {
    with_mut(ssl, 0, |s| {
        // SAFETY: C string from the caller.
        let Some(text) = (unsafe { c_str(list, what) }) else {
            return 0;
        };
        match crate::config::lists::parse_sigalgs(text).map_err(crate::error::Error::from) {
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
    with_mut(ssl, 1, |s| {
        // SAFETY: forwarded caller buffer.
        match unsafe { crate::ffi::ctx::alpn_list_arg(protos, len) } {
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
