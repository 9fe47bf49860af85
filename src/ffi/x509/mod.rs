//! Certificates, names, keys and stacks at the C boundary are aws-lc's objects (`X509`,
//! `X509_NAME`, `EVP_PKEY`, `STACK_OF(...)`, `X509_STORE`), the ones its libcrypto API (exported
//! by libtls.so) makes and takes. The core works on DER: these modules convert at the boundary,
//! one file per object: certificates and names here, [`stack`], [`pkey`], the verify callback's
//! [`store_ctx`] (libtls's own `X509_STORE_CTX`), a context's [`store`] and its directory
//! loading ([`store_dir`]).

pub mod pkey;
pub mod stack;
pub mod store;
pub mod store_ctx;
pub mod store_dir;

pub use pkey::*;
pub(crate) use stack::*;
pub use store_ctx::*;

use super::{guard, null_arg};
use aws_lc_sys as sys;
use std::ffi::{c_int, c_void};

pub use sys::{stack_st_X509, stack_st_X509_NAME, EVP_PKEY, X509, X509_NAME};

/// Runs an aws-lc call that returns a DER encoding in a buffer it allocates.
unsafe fn i2d_owned(f: impl FnOnce(*mut *mut u8) -> c_int) -> Option<Vec<u8>> {
    let mut out: *mut u8 = std::ptr::null_mut();
    let len = f(&mut out);
    if len <= 0 || out.is_null() {
        return None;
    }
    // SAFETY: aws-lc wrote `len` bytes at `out`, which it allocated.
    let v = unsafe { std::slice::from_raw_parts(out, len as usize) }.to_vec();
    // SAFETY: the buffer came from aws-lc's allocator.
    unsafe { sys::OPENSSL_free(out as *mut c_void) };
    Some(v)
}

/// The DER encoding of a live certificate.
pub(crate) unsafe fn x509_der(x: *const X509) -> Option<Vec<u8>> {
    if x.is_null() {
        return null_arg("X509", None);
    }
    // SAFETY: a live certificate; i2d_X509 does not modify it.
    unsafe { i2d_owned(|out| sys::i2d_X509(x as *mut X509, out)) }
}

/// A new certificate object for DER (NULL with the error queued when it does not parse).
pub(crate) fn x509_from_der(der: &[u8]) -> *mut X509 {
    let Ok(len) = std::ffi::c_long::try_from(der.len()) else {
        return std::ptr::null_mut();
    };
    let mut p = der.as_ptr();
    // SAFETY: `p` points at `len` readable bytes.
    unsafe { sys::d2i_X509(std::ptr::null_mut(), &mut p, len) }
}

/// The DER encoding of a live name.
pub(crate) unsafe fn name_der(n: *const X509_NAME) -> Option<Vec<u8>> {
    if n.is_null() {
        return None;
    }
    // SAFETY: a live name; i2d_X509_NAME does not modify it.
    unsafe { i2d_owned(|out| sys::i2d_X509_NAME(n as *mut X509_NAME, out)) }
}

pub(crate) fn name_from_der(der: &[u8]) -> *mut X509_NAME {
    let Ok(len) = std::ffi::c_long::try_from(der.len()) else {
        return std::ptr::null_mut();
    };
    let mut p = der.as_ptr();
    // SAFETY: `p` points at `len` readable bytes.
    unsafe { sys::d2i_X509_NAME(std::ptr::null_mut(), &mut p, len) }
}

/// One owned reference to a certificate.
pub(crate) struct OwnedX509(pub(crate) *mut X509);

// SAFETY: aws-lc counts a certificate's references atomically; a context keeps these under its
// lock (see CtxState::leaf_objects) and only hands out the pointer.
unsafe impl Send for OwnedX509 {}

impl Drop for OwnedX509 {
    fn drop(&mut self) {
        // SAFETY: one reference is owned here (NULL is ignored).
        unsafe { sys::X509_free(self.0) };
    }
}

// ---- OpenSSL 3 names aws-lc lacks ----------------------------------------------------------
// OpenSSL 3.0 renamed these; aws-lc has the older names. Kept so that code written for 3.0
// (and programs built against earlier libtls) find them.

/// OpenSSL 3's name of `EVP_MD_size`.
#[no_mangle]
pub unsafe extern "C" fn EVP_MD_get_size(md: *const sys::EVP_MD) -> c_int {
    // SAFETY: a live digest (NULL is refused).
    guard(-1, || {
        if md.is_null() {
            -1
        } else {
            unsafe { sys::EVP_MD_size(md) as c_int }
        }
    })
}

/// The bytes waiting to be written (`BIO_wpending` as a `size_t`).
#[no_mangle]
pub unsafe extern "C" fn BIO_ctrl_wpending(bio: *mut sys::BIO) -> usize {
    // SAFETY: a live BIO (NULL is refused).
    guard(0, || {
        if bio.is_null() {
            0
        } else {
            unsafe { sys::BIO_wpending(bio) }
        }
    })
}

/// -1, 0 or 1 as the time is before, at or after `t`; -2 on error.
#[no_mangle]
pub unsafe extern "C" fn ASN1_TIME_cmp_time_t(s: *const sys::ASN1_TIME, t: libc::time_t) -> c_int {
    guard(-2, || {
        if s.is_null() {
            return -2;
        }
        let mut when: i64 = 0;
        // SAFETY: a live time; the output is writable.
        if unsafe { sys::ASN1_TIME_to_posix(s, &mut when) } != 1 {
            return -2;
        }
        // time_t is 64 bits on the platforms libtls builds for; the cast is for the others.
        #[allow(clippy::unnecessary_cast)]
        let t = t as i64;
        match when.cmp(&t) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }
    })
}
