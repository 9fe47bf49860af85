//! `SSL_get_certificate` and `SSL_get_privatekey`: the certificate and key a connection would
//! send, as aws-lc `X509` / `EVP_PKEY` objects owned by the SSL (the caller takes no reference,
//! as in OpenSSL).
//!
//! Which pair is "current" follows OpenSSL: the connection's own certificate or key
//! (`SSL_use_certificate`, `SSL_use_PrivateKey`) with the other half of the same key type from
//! its context, else the pair its context loaded last. The objects are made on first use and
//! kept until the pair changes or the SSL is freed, so repeated calls return the same pointer.
//! A certificate given to the context as an object (`SSL_CTX_use_certificate`) is handed back
//! as that very object, as OpenSSL does.

use super::super::with_ref;
use super::SSL;
use crate::crypto::sign::{cert_key_type, SigningKey};
use crate::ffi::x509::{x509_from_der, OwnedX509, EVP_PKEY, X509};
use std::cell::RefCell;
use std::sync::Arc;

/// One owned reference to a key.
struct OwnedPkey(*mut EVP_PKEY);

impl Drop for OwnedPkey {
    fn drop(&mut self) {
        // SAFETY: one reference is owned here (NULL is ignored).
        unsafe { aws_lc_sys::EVP_PKEY_free(self.0) };
    }
}

/// The objects handed out, with what they were made from (to notice a change of pair).
#[derive(Default)]
pub(crate) struct OwnObjects {
    cert: RefCell<Option<(Vec<u8>, OwnedX509)>>,
    key: RefCell<Option<(Arc<SigningKey>, OwnedPkey)>>,
}

/// The leaf certificate and key this connection would send (see the module comment).
fn current_pair(s: &SSL) -> (Option<Vec<u8>>, Option<Arc<SigningKey>>) {
    let st = s.ctx().read();
    match (&s.own_cert, &s.own_key) {
        (Some(cert), key) => {
            let key = key.clone().or_else(|| {
                let kt = cert_key_type(cert).ok().flatten()?;
                st.current_pair(Some(kt)).1
            });
            (Some(cert.clone()), key)
        }
        (None, Some(key)) => (st.current_pair(Some(key.key_type())).0, Some(key.clone())),
        (None, None) => st.current_pair(None),
    }
}

/// A new `EVP_PKEY` holding `key` (NULL if aws-lc cannot take it back).
fn pkey_from(key: &SigningKey) -> *mut EVP_PKEY {
    let Some(der) = key.to_pkcs8() else {
        return std::ptr::null_mut();
    };
    let Ok(len) = std::ffi::c_long::try_from(der.len()) else {
        return std::ptr::null_mut();
    };
    let mut p = der.as_ptr();
    // SAFETY: `p` points at `len` readable bytes; aws-lc copies what it parses.
    unsafe { aws_lc_sys::d2i_AutoPrivateKey(std::ptr::null_mut(), &mut p, len) }
}

/// The certificate this connection would send, or NULL when none is loaded. Not a new
/// reference: valid until the certificate changes or the SSL is freed.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_certificate(ssl: *const SSL) -> *mut X509 {
    with_ref(ssl, std::ptr::null_mut(), |s| {
        let Some(der) = current_pair(s).0 else {
            return std::ptr::null_mut();
        };
        // The program's own object when it gave one to its context (OpenSSL hands back that
        // object, and programs find what they attached to it).
        if let Some(x) = s.ctx().read().leaf_object(&der) {
            return x;
        }
        let mut cache = s.own_objects.cert.borrow_mut();
        if let Some((cached, x)) = cache.as_ref() {
            if *cached == der {
                return x.0;
            }
        }
        let x = x509_from_der(&der);
        if x.is_null() {
            return x;
        }
        *cache = Some((der, OwnedX509(x)));
        x
    })
}

/// The private key this connection would sign with, or NULL when none is loaded. Not a new
/// reference: valid until the key changes or the SSL is freed.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_privatekey(ssl: *const SSL) -> *mut EVP_PKEY {
    with_ref(ssl, std::ptr::null_mut(), |s| {
        let Some(key) = current_pair(s).1 else {
            return std::ptr::null_mut();
        };
        let mut cache = s.own_objects.key.borrow_mut();
        if let Some((cached, k)) = cache.as_ref() {
            if Arc::ptr_eq(cached, &key) {
                return k.0;
            }
        }
        let k = pkey_from(&key);
        if k.is_null() {
            return k;
        }
        *cache = Some((key, OwnedPkey(k)));
        k
    })
}
