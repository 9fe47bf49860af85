//! `EVP_PKEY`: private keys handed to the core as signing keys, the key types libtls signs with,
//! and OpenSSL 3's names for aws-lc's key accessors.

use super::EVP_PKEY;
use crate::error::{Error, Reason, Result};
use crate::ffi::guard;
use aws_lc_sys as sys;
use std::ffi::{c_int, c_void};

// `EVP_PKEY_*` key types (NIDs), for SSL_get_peer_signature_type_nid and friends. Not part of
// libtls.h: <openssl/evp.h> (aws-lc's) defines them.
pub(crate) const EVP_PKEY_RSA: c_int = 6;
pub(crate) const EVP_PKEY_EC: c_int = 408;
pub(crate) const EVP_PKEY_ED25519: c_int = 949;

/// A signing key for the core from an `EVP_PKEY` holding a private key. The key travels as
/// PKCS#8, wiped after use.
pub(crate) unsafe fn signing_key(pkey: *const EVP_PKEY) -> Result<crate::crypto::sign::SigningKey> {
    let public_only = || {
        Error::local(
            Reason::INVALID_ARGUMENT,
            "the EVP_PKEY holds no private key libtls can use",
        )
    };
    if pkey.is_null() {
        return Err(Error::local(Reason::INVALID_ARGUMENT, "NULL EVP_PKEY"));
    }
    // SAFETY: a live key; EVP_PKEY2PKCS8 only reads it.
    let p8 = unsafe { sys::EVP_PKEY2PKCS8(pkey as *mut EVP_PKEY) };
    if p8.is_null() {
        // SAFETY: aws-lc's queue explains nothing more than we do.
        unsafe { sys::ERR_clear_error() };
        return Err(public_only());
    }
    let mut out: *mut u8 = std::ptr::null_mut();
    // SAFETY: a live PKCS8_PRIV_KEY_INFO; aws-lc allocates the output.
    let len = unsafe { sys::i2d_PKCS8_PRIV_KEY_INFO(p8, &mut out) };
    // SAFETY: ours to free.
    unsafe { sys::PKCS8_PRIV_KEY_INFO_free(p8) };
    if len <= 0 || out.is_null() {
        return Err(public_only());
    }
    // SAFETY: aws-lc wrote `len` bytes at `out`.
    let der = unsafe { std::slice::from_raw_parts(out, len as usize) };
    let key = crate::crypto::sign::SigningKey::from_der_bytes(der);
    // SAFETY: the secret is wiped before the buffer goes back to the allocator.
    unsafe {
        sys::OPENSSL_cleanse(out as *mut c_void, len as usize);
        sys::OPENSSL_free(out as *mut c_void);
    }
    key
}

/// The signing-key type a certificate's public key implies, if libtls can use it.
pub(crate) fn key_type_of(cert: &crate::x509::Certificate) -> Option<crate::crypto::sign::KeyType> {
    use crate::crypto::sign::KeyType;
    use crate::x509::KeyType as K;
    match cert.public_key().key_type() {
        K::Rsa { .. } => Some(KeyType::Rsa),
        K::EcP256 => Some(KeyType::EcdsaP256),
        K::EcP384 => Some(KeyType::EcdsaP384),
        K::Ed25519 => Some(KeyType::Ed25519),
        _ => None,
    }
}

// OpenSSL 3.0 renamed these; aws-lc has the older names (see mod.rs).

/// OpenSSL 3's name of `EVP_PKEY_id`.
#[no_mangle]
pub unsafe extern "C" fn EVP_PKEY_get_id(pkey: *const EVP_PKEY) -> c_int {
    // SAFETY: aws-lc checks nothing more than OpenSSL does: a live key (NULL is refused).
    guard(0, || {
        if pkey.is_null() {
            0
        } else {
            unsafe { sys::EVP_PKEY_id(pkey) }
        }
    })
}

/// OpenSSL 3's name of `EVP_PKEY_bits`.
#[no_mangle]
pub unsafe extern "C" fn EVP_PKEY_get_bits(pkey: *const EVP_PKEY) -> c_int {
    // SAFETY: a live key (NULL is refused).
    guard(0, || {
        if pkey.is_null() {
            0
        } else {
            unsafe { sys::EVP_PKEY_bits(pkey) }
        }
    })
}
