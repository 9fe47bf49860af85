//! The application callbacks a connection calls during the handshake (client certificate,
//! ALPN selection, server name), wrapped for the core.

use super::*;

/// Asks the application's client certificate callback for a certificate and key; both
/// objects it returns are released here, as OpenSSL does.
pub(crate) fn call_client_cert_cb(
    callback: unsafe extern "C" fn(*mut SSL, *mut *mut X509, *mut *mut EVP_PKEY) -> c_int,
    ssl: *mut SSL,
) -> Option<Arc<CertifiedKey>> {
    let mut x509: *mut X509 = std::ptr::null_mut();
    let mut pkey: *mut EVP_PKEY = std::ptr::null_mut();
    // SAFETY: the application's callback with writable out-parameters.
    let answer = unsafe { callback(ssl, &mut x509, &mut pkey) };
    let chosen = if answer == 1 && !x509.is_null() && !pkey.is_null() {
        // SAFETY: the callback returned live objects.
        let cert = unsafe { crate::ffi::x509::x509_der(x509) };
        // SAFETY: as above.
        let key = unsafe { crate::ffi::x509::signing_key(pkey) };
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
pub(crate) fn call_alpn_select_cb(
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
pub(crate) fn conn_paused(ssl: &SSL) -> bool {
    ssl.conn.as_ref().is_some_and(|c| c.client_hello_paused())
}

/// Runs the application's server name callback. The handshake then continues with the
/// connection's configuration rebuilt from the SSL: the new context's after `SSL_set_SSL_CTX`,
/// and in any case what per-connection setters called in the callback changed
/// (`SSL_set_verify`, `SSL_set_verify_depth`, `SSL_set_options`, ...), so that what
/// `SSL_get_verify_mode` reports is what the handshake does.
pub(crate) fn call_servername_cb(
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

pub(crate) unsafe fn byte_slice<'a>(p: *const u8, len: c_uint) -> &'a [u8] {
    if p.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: the caller guarantees `len` readable bytes at `p`.
    unsafe { std::slice::from_raw_parts(p, len as usize) }
}

/// The well-formed leading entries of a wire-form protocol list: (offset of the name, name).
pub(crate) fn wire_entries(wire: &[u8]) -> Vec<(usize, &[u8])> {
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
