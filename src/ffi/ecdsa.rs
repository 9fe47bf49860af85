//! ECDSA over a caller-computed digest, through aws-lc's C API: TLS 1.2 (RFC 5246 7.4.1.4.1,
//! RFC 8422 5.10) lets a P-256 key sign with SHA-384 or SHA-512, which aws-lc-rs's key pairs
//! refuse (each is bound to its curve's hash). This is the only `unsafe` outside the C face, and
//! it lives here with it; no C caller reaches it.

use aws_lc_sys::{
    d2i_AutoPrivateKey, EVP_PKEY_CTX_free, EVP_PKEY_CTX_new, EVP_PKEY_free, EVP_PKEY_sign,
    EVP_PKEY_sign_init,
};
use std::ptr::null_mut;

/// The DER ECDSA-Sig-Value of `digest` under the private key `key_der` (PKCS#8 or SEC1), or
/// `None` when aws-lc fails.
pub(crate) fn sign_digest(key_der: &[u8], digest: &[u8]) -> Option<Vec<u8>> {
    let len = libc::c_long::try_from(key_der.len()).ok()?;
    let mut input = key_der.as_ptr();
    // SAFETY: `input` points at `len` readable bytes for the duration of the call; aws-lc
    // returns a new EVP_PKEY we own, or NULL.
    let pkey = unsafe { d2i_AutoPrivateKey(null_mut(), &mut input, len) };
    if pkey.is_null() {
        return None;
    }
    // SAFETY: `pkey` is a live key; the context takes its own reference.
    let ctx = unsafe { EVP_PKEY_CTX_new(pkey, null_mut()) };
    // SAFETY: we own `pkey`; the context (if any) holds its own reference.
    unsafe { EVP_PKEY_free(pkey) };
    if ctx.is_null() {
        return None;
    }
    let mut signature = Vec::new();
    let mut sig_len = 0usize;
    // SAFETY: `ctx` is live; the first EVP_PKEY_sign only writes the maximal length, the second
    // writes at most that many bytes into `signature`, and reads `digest.len()` bytes.
    let ok = unsafe {
        EVP_PKEY_sign_init(ctx) == 1
            && EVP_PKEY_sign(ctx, null_mut(), &mut sig_len, digest.as_ptr(), digest.len()) == 1
            && {
                signature.resize(sig_len, 0);
                EVP_PKEY_sign(
                    ctx,
                    signature.as_mut_ptr(),
                    &mut sig_len,
                    digest.as_ptr(),
                    digest.len(),
                ) == 1
            }
    };
    // SAFETY: we own `ctx`.
    unsafe { EVP_PKEY_CTX_free(ctx) };
    if !ok || sig_len > signature.len() {
        return None;
    }
    signature.truncate(sig_len);
    Some(signature)
}
