//! `SSL_CTX_set_cert_cb` / `SSL_set_cert_cb`: certificates chosen or loaded late, and the
//! per-connection chain setters (`SSL_set0_chain`, `SSL_add1_chain_cert`, ...) such a callback
//! uses, plus `SSL_CTX_set0_chain` / `SSL_CTX_set1_chain`.
//!
//! A server calls the callback once the ClientHello is processed (the server name is known,
//! `SSL_get_servername` answers, a servername callback has run) and before it chooses its
//! certificate and cipher suite; a client calls it when the server asks for a certificate,
//! before it chooses one. The callback may set this connection's certificate, key and chain
//! (`SSL_use_certificate`, `SSL_use_PrivateKey`, `SSL_set0_chain`, ...) and returns 1 to go on,
//! 0 to fail the handshake (`internal_error`, `SSL_R_CERT_CB_ERROR`), or a negative value to be
//! called again: a server's `SSL_accept` / `SSL_do_handshake` then returns -1 with
//! `SSL_ERROR_WANT_X509_LOOKUP`, reads nothing more from the peer, and calls the callback again
//! on the next call. (A client cannot pause there: a negative value fails its handshake.)

use super::ctx::SSL_CTX;
use super::err;
use super::ssl::SSL;
use super::x509::X509;
use super::{with_mut, with_result};
use crate::config::{CertCallbackDecision, CertCallbackOutcome};
use crate::error::{Error, Reason, Result};
use aws_lc_sys as sys;
use std::ffi::{c_int, c_long, c_void};

/// The certificate callback (`SSL_CTX_set_cert_cb`): 1 go on, 0 fail, negative call again.
pub type SSL_cert_cb = Option<unsafe extern "C" fn(ssl: *mut SSL, arg: *mut c_void) -> c_int>;

type CertCb = unsafe extern "C" fn(*mut SSL, *mut c_void) -> c_int;

/// The callback to wrap for the core, if one is set.
pub(crate) fn effective((cb, arg): (SSL_cert_cb, usize)) -> Option<(CertCb, usize)> {
    cb.map(|cb| (cb, arg))
}

/// Runs the application's callback; the handshake then goes on with the connection's
/// configuration rebuilt from the SSL, so that certificates set in the callback are used.
pub(crate) fn call(cb: CertCb, arg: usize, ssl: *mut SSL) -> CertCallbackDecision {
    // SAFETY: the application's callback with the SSL being driven, as OpenSSL calls it; it may
    // call the setters and getters that do not drive the connection (see reentry.rs).
    let answer = unsafe { cb(ssl, arg as *mut c_void) };
    let outcome = match answer {
        1.. => CertCallbackOutcome::Continue,
        0 => CertCallbackOutcome::Fail,
        _ => CertCallbackOutcome::Retry,
    };
    // SAFETY: the SSL outlives its handshake; `config` reads its settings and its context.
    let settings = (outcome == CertCallbackOutcome::Continue).then(|| unsafe { (*ssl).config() });
    CertCallbackDecision { outcome, settings }
}

/// Sets the certificate callback of every connection made from `ctx` afterwards (NULL removes
/// it); `arg` is passed to it.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_cert_cb(ctx: *mut SSL_CTX, cb: SSL_cert_cb, arg: *mut c_void) {
    with_result(ctx, |c| {
        let mut st = c.edit();
        st.cert_cb = cb;
        st.cert_cb_arg = arg as usize;
        Ok(())
    });
}

/// Sets this connection's certificate callback (NULL removes it, the context's too).
#[no_mangle]
pub unsafe extern "C" fn SSL_set_cert_cb(ssl: *mut SSL, cb: SSL_cert_cb, arg: *mut c_void) {
    with_mut(ssl, (), |s| {
        s.cert_cb = (cb, arg as usize);
        s.set_here.cert_cb = true;
    });
}

/// The DER encodings of a `STACK_OF(X509)`.
unsafe fn stack_ders(sk: *const sys::OPENSSL_STACK) -> Result<Vec<Vec<u8>>> {
    // SAFETY: a live stack of X509 from the caller.
    let n = unsafe { sys::OPENSSL_sk_num(sk) };
    if n > crate::limits::MAX_CHAIN_CERTS {
        return Err(Error::local(
            Reason::INVALID_ARGUMENT,
            format!(
                "a chain of {n} certificates; at most {}",
                crate::limits::MAX_CHAIN_CERTS
            ),
        ));
    }
    (0..n)
        .map(|i| {
            // SAFETY: index in range; the element is a live X509.
            let x = unsafe { sys::OPENSSL_sk_value(sk, i) } as *const X509;
            // SAFETY: a live X509 (NULL is refused).
            unsafe { super::x509::x509_der(x) }
                .ok_or_else(|| Error::local(Reason::INVALID_ARGUMENT, "X509 has no DER encoding"))
        })
        .collect()
}

/// Frees a `STACK_OF(X509)` handed over by a set0 call, with its certificates.
unsafe fn free_stack(sk: *mut sys::OPENSSL_STACK) {
    // SAFETY: the caller handed the stack and its references over.
    unsafe {
        for i in 0..sys::OPENSSL_sk_num(sk) {
            sys::X509_free(sys::OPENSSL_sk_value(sk, i) as *mut sys::X509);
        }
        sys::OPENSSL_sk_free(sk);
    }
}

/// `SSL_ctrl`'s `SSL_CTRL_CHAIN` (`SSL_set0_chain` / `SSL_set1_chain`; NULL clears) and
/// `SSL_CTRL_CHAIN_CERT` (`SSL_add0_chain_cert` / `SSL_add1_chain_cert`) for this connection's
/// own certificate: `larg` 0 takes the caller's references on success, 1 copies.
pub(crate) unsafe fn ssl_chain_ctrl(
    ssl: *mut SSL,
    set: bool,
    larg: c_long,
    parg: *mut c_void,
) -> c_long {
    let r = with_mut(ssl, 0, |s| {
        let ders = if set {
            if parg.is_null() {
                Ok(Vec::new())
            } else {
                // SAFETY: a live STACK_OF(X509) from the caller.
                unsafe { stack_ders(parg as *const sys::OPENSSL_STACK) }
            }
        } else {
            // SAFETY: a live X509 from the caller (NULL is refused).
            unsafe { super::x509::x509_der(parg as *const X509) }
                .map(|d| vec![d])
                .ok_or_else(|| Error::local(Reason::INVALID_ARGUMENT, "X509 has no DER encoding"))
        };
        match ders {
            Ok(ders) => {
                if set {
                    s.own_chain = ders;
                } else if s.own_chain.len() >= crate::limits::MAX_CHAIN_CERTS {
                    err::push(&Error::local(Reason::INVALID_ARGUMENT, "the chain is full"));
                    return 0;
                } else {
                    s.own_chain.extend(ders);
                }
                1
            }
            Err(e) => {
                err::push(&e);
                0
            }
        }
    });
    if r == 1 && larg == 0 && !parg.is_null() {
        // SAFETY: set0/add0 take the caller's references on success, as OpenSSL's do.
        unsafe {
            if set {
                free_stack(parg as *mut sys::OPENSSL_STACK);
            } else {
                sys::X509_free(parg as *mut sys::X509);
            }
        }
    }
    r as c_long
}

/// `SSL_CTX_ctrl`'s `SSL_CTRL_CHAIN` with a stack (`SSL_CTX_set0_chain` / `SSL_CTX_set1_chain`):
/// replaces the chain of the certificate loaded last.
pub(crate) unsafe fn ctx_set_chain(ctx: *mut SSL_CTX, larg: c_long, parg: *mut c_void) -> c_long {
    let sk = parg as *mut sys::OPENSSL_STACK;
    let r = with_result(ctx, |c| {
        // SAFETY: a live STACK_OF(X509) from the caller.
        let ders = unsafe { stack_ders(sk) }?;
        let mut st = c.edit();
        st.clear_chain_certs()?;
        ders.into_iter().try_for_each(|d| st.add_chain_cert(d))
    });
    if r == 1 && larg == 0 {
        // SAFETY: set0 takes the caller's stack and references on success.
        unsafe { free_stack(sk) };
    }
    r as c_long
}
