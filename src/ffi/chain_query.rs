//! What a context says about its certificate chains: `SSL_CTX_get_extra_chain_certs`,
//! `SSL_CTX_get0_chain_certs` and `SSL_CTX_select_current_cert`, OpenSSL's `SSL_CTX_ctrl`
//! commands that nginx's OCSP stapling set-up uses to find each certificate's issuer.

use super::try_ref;
use std::ffi::{c_int, c_long, c_void};

use super::ctx::SSL_CTX;
use super::guard;
use super::x509::{stack_st_X509, x509_stack_from_ders, X509Stack, X509};

/// `SSL_CTX_get_extra_chain_certs` (`larg` 0) and `SSL_CTX_get_extra_chain_certs_only` (1).
pub const SSL_CTRL_GET_EXTRA_CHAIN_CERTS: c_int = 82;
/// `SSL_CTX_get0_chain_certs`.
pub const SSL_CTRL_GET_CHAIN_CERTS: c_int = 115;
/// `SSL_CTX_select_current_cert`.
pub const SSL_CTRL_SELECT_CURRENT_CERT: c_int = 116;

/// Stores in `*parg` (a `STACK_OF(X509) **`) the chain certificates, leaf excluded, of the
/// certificate loaded or selected last; NULL when it has none. The stack belongs to the context
/// and stays valid until the next such call or the context's end. libtls keeps one chain per
/// certificate, so the extra chain certificates and the certificate's own chain are one list.
pub(crate) unsafe fn ctx_get_chain(ctx: *mut SSL_CTX, parg: *mut c_void) -> c_long {
    guard(0, || {
        // SAFETY: see try_ref (checks NULL).
        let Some(c) = (unsafe { try_ref(ctx) }) else {
            return 0;
        };
        if parg.is_null() {
            return 0;
        }
        let mut st = c.edit();
        let stack = match st.current_chain_certs() {
            Some(certs) if !certs.is_empty() => {
                let sk = x509_stack_from_ders(certs.iter());
                st.chain_query_stack = Some(X509Stack(sk));
                sk
            }
            _ => std::ptr::null_mut(),
        };
        // SAFETY: the caller passes a `STACK_OF(X509) **`, as OpenSSL's macro requires.
        unsafe { *(parg as *mut *mut stack_st_X509) = stack };
        1
    })
}

/// Makes `x` (one of the context's certificates) the current one, which the chain calls act
/// on; 0 when the context has no such certificate.
pub(crate) unsafe fn ctx_select_current(ctx: *mut SSL_CTX, x: *mut X509) -> c_long {
    guard(0, || {
        // SAFETY: see try_ref (checks NULL).
        let Some(c) = (unsafe { try_ref(ctx) }) else {
            return 0;
        };
        // SAFETY: NULL or a live certificate object, as the caller's contract says.
        let Some(der) = (unsafe { super::x509::x509_der(x) }) else {
            return 0;
        };
        c.edit().select_current_leaf(&der) as c_long
    })
}
