//! `X509` and `X509_NAME`: reference-counted parsed certificates for inspection from C.

use super::{copy_to_c_buf, guard};
use crate::crypto::sign::KeyType;
use crate::error::Result;
use std::ffi::{c_char, c_int, c_long, CString};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct X509_NAME {
    name: crate::x509::Name,
}

pub struct X509 {
    refs: AtomicUsize,
    cert: crate::x509::Certificate,
    subject: X509_NAME,
    issuer: X509_NAME,
}

impl X509 {
    pub(crate) fn from_der(der: &[u8]) -> Result<X509> {
        let cert = crate::x509::Certificate::from_der(der)?;
        Ok(X509 {
            refs: AtomicUsize::new(1),
            subject: X509_NAME {
                name: cert.subject().clone(),
            },
            issuer: X509_NAME {
                name: cert.issuer().clone(),
            },
            cert,
        })
    }
}

/// The signing-key type a certificate's public key implies, if libtls can use it.
pub(crate) fn key_type_of(cert: &crate::x509::Certificate) -> Option<KeyType> {
    use crate::x509::KeyType as K;
    match cert.public_key().key_type() {
        K::Rsa { .. } => Some(KeyType::Rsa),
        K::EcP256 => Some(KeyType::EcdsaP256),
        K::EcP384 => Some(KeyType::EcdsaP384),
        K::Ed25519 => Some(KeyType::Ed25519),
        _ => None,
    }
}

#[no_mangle]
pub unsafe extern "C" fn X509_free(x: *mut X509) {
    guard((), || {
        if x.is_null() {
            return;
        }
        // SAFETY: non-NULL X509 pointers come from Box::into_raw and hold a reference.
        let r = unsafe { &*x };
        if r.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            // SAFETY: last reference.
            drop(unsafe { Box::from_raw(x) });
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn X509_up_ref(x: *mut X509) -> c_int {
    guard(0, || {
        if x.is_null() {
            return super::null_arg("X509", 0);
        }
        // SAFETY: a live X509.
        unsafe { &*x }.refs.fetch_add(1, Ordering::Relaxed);
        1
    })
}

/// Borrowed from the certificate: valid while the X509 lives; do not free.
#[no_mangle]
pub unsafe extern "C" fn X509_get_subject_name(x: *const X509) -> *mut X509_NAME {
    guard(std::ptr::null_mut(), || {
        if x.is_null() {
            return super::null_arg("X509", std::ptr::null_mut());
        }
        // SAFETY: a live X509; the name lives inside it.
        &unsafe { &*x }.subject as *const X509_NAME as *mut X509_NAME
    })
}

#[no_mangle]
pub unsafe extern "C" fn X509_get_issuer_name(x: *const X509) -> *mut X509_NAME {
    guard(std::ptr::null_mut(), || {
        if x.is_null() {
            return super::null_arg("X509", std::ptr::null_mut());
        }
        // SAFETY: a live X509; the name lives inside it.
        &unsafe { &*x }.issuer as *const X509_NAME as *mut X509_NAME
    })
}

/// "/C=US/O=Example/CN=host". With a NULL `buf` the result is malloc'd (free with
/// `OPENSSL_free`); otherwise it is truncated to `size` bytes.
#[no_mangle]
pub unsafe extern "C" fn X509_NAME_oneline(
    name: *const X509_NAME,
    buf: *mut c_char,
    size: c_int,
) -> *mut c_char {
    guard(std::ptr::null_mut(), || {
        if name.is_null() {
            return super::null_arg("X509_NAME", std::ptr::null_mut());
        }
        // SAFETY: a live X509_NAME.
        let text = unsafe { &*name }.name.oneline();
        if buf.is_null() {
            let c = CString::new(text.replace('\0', "\\0")).unwrap_or_default();
            let bytes = c.as_bytes_with_nul();
            // SAFETY: malloc'd memory of the right size, filled completely below.
            let p = unsafe { libc::malloc(bytes.len()) } as *mut c_char;
            if !p.is_null() {
                // SAFETY: p has bytes.len() bytes.
                unsafe {
                    std::ptr::copy_nonoverlapping(bytes.as_ptr() as *const c_char, p, bytes.len())
                };
            }
            p
        } else {
            if size <= 0 {
                return std::ptr::null_mut();
            }
            // SAFETY: the caller provides `size` bytes at `buf`.
            unsafe { copy_to_c_buf(&text, buf, size as usize) };
            buf
        }
    })
}

/// DER encoding: returns its length; with `out` non-NULL writes it at `*out` and advances
/// `*out`, or, when `*out` is NULL, allocates the buffer (free with `OPENSSL_free`).
#[no_mangle]
pub unsafe extern "C" fn i2d_X509(x: *const X509, out: *mut *mut u8) -> c_int {
    guard(-1, || {
        if x.is_null() {
            return super::null_arg("X509", -1);
        }
        // SAFETY: a live X509.
        let der = unsafe { &*x }.cert.der();
        if out.is_null() {
            return der.len() as c_int;
        }
        // SAFETY: `out` is non-NULL; `*out` is NULL or points at room for the encoding.
        unsafe {
            if (*out).is_null() {
                let p = libc::malloc(der.len()) as *mut u8;
                if p.is_null() {
                    return -1;
                }
                std::ptr::copy_nonoverlapping(der.as_ptr(), p, der.len());
                *out = p;
            } else {
                std::ptr::copy_nonoverlapping(der.as_ptr(), *out, der.len());
                *out = (*out).add(der.len());
            }
        }
        der.len() as c_int
    })
}

/// Frees memory the library allocated for the caller (OpenSSL defines it as a macro).
#[no_mangle]
pub unsafe extern "C" fn OPENSSL_free(p: *mut std::ffi::c_void) {
    // SAFETY: `p` came from malloc in this library (or is NULL).
    guard((), || unsafe { libc::free(p) })
}

#[no_mangle]
pub extern "C" fn X509_verify_cert_error_string(n: c_long) -> *const c_char {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static TABLE: OnceLock<HashMap<i64, CString>> = OnceLock::new();
    guard(std::ptr::null(), || {
        let t = TABLE.get_or_init(|| {
            (0..=100)
                .map(|c| (c, CString::new(crate::verify::x509_v::text(c)).unwrap()))
                .collect()
        });
        match t.get(&{ n }) {
            Some(s) => s.as_ptr(),
            None => c"unknown certificate verification error".as_ptr(),
        }
    })
}
