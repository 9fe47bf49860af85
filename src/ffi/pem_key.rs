//! Private key files, encrypted PEM keys included, and the password callback that unlocks
//! them: `SSL_CTX_use_PrivateKey_file` / `SSL_use_PrivateKey_file` call the
//! `SSL_CTX_set_default_passwd_cb` / `SSL_set_default_passwd_cb` callback (or take the userdata
//! as the password when no callback is set, as OpenSSL's default callback does, without its
//! terminal prompt) for a key under a password, and aws-lc's PEM reader decrypts it.
//!
//! Unencrypted keys keep libtls's own PEM/DER path; an encrypted key (PKCS#8 `ENCRYPTED PRIVATE
//! KEY`, or OpenSSL's traditional `Proc-Type: 4,ENCRYPTED`) goes through aws-lc's
//! `PEM_read_bio_PrivateKey`, and the key it yields becomes a signing key like one from
//! `SSL_CTX_use_PrivateKey`. A wrong or missing password leaves aws-lc's reasons (bad decrypt,
//! bad password read) on the queue, then `SSL routines: PEM lib` (`ERR_R_PEM_LIB`) as in OpenSSL.

use super::compat::LIBTLS_pem_password_cb;
use super::ctx::SSL_CTX;
use super::ssl::SSL;
use super::{c_str, guard};
use super::{with_mut, with_ref};
use crate::crypto::sign::SigningKey;
use crate::error::{Error, Reason, Result};
use std::ffi::{c_char, c_int, c_void};

const SSL_FILETYPE_ASN1: c_int = 2;

/// A password callback and its userdata (an address, never dereferenced by libtls).
#[derive(Clone, Copy, Default)]
pub(crate) struct Passwd {
    cb: LIBTLS_pem_password_cb,
    userdata: usize,
}

impl Passwd {
    /// The context's callback, as `SSL_new` copies it (OpenSSL does the same).
    pub(crate) fn of_ctx(c: &SSL_CTX) -> Self {
        let st = c.read();
        Passwd {
            cb: st.passwd_cb,
            userdata: st.passwd_userdata,
        }
    }
}

/// A PEM private key under a password: PKCS#8 `ENCRYPTED PRIVATE KEY`, or OpenSSL's
/// traditional encryption (`Proc-Type: 4,ENCRYPTED`).
fn is_encrypted_pem_key(pem: &[u8]) -> bool {
    let has = |needle: &[u8]| pem.windows(needle.len()).any(|w| w == needle);
    has(b"-----BEGIN ENCRYPTED PRIVATE KEY-----") || has(b"Proc-Type: 4,ENCRYPTED")
}

/// Decrypts the first private key of `pem` with aws-lc, asking `pw` for the password. The
/// callback runs with no libtls lock held.
fn decrypt_pem_key(path: &str, pem: &[u8], pw: Passwd) -> Result<SigningKey> {
    let len = isize::try_from(pem.len())
        .map_err(|_| Error::local(Reason::BAD_PEM, format!("{path}: too large")))?;
    // What libtls's own use of aws-lc left on its queue in this call is not the reader's (the
    // application's earlier errors were moved to our queue when the call began).
    // SAFETY: aws-lc's per-thread queue.
    unsafe { aws_lc_sys::ERR_clear_error() };
    // SAFETY: a read-only memory BIO over `pem`, which outlives it (freed below).
    let bio = unsafe { aws_lc_sys::BIO_new_mem_buf(pem.as_ptr() as *const c_void, len) };
    if bio.is_null() {
        return Err(Error::local(Reason::INTERNAL_ERROR, "out of memory"));
    }
    // SAFETY: a live BIO; the callback is the application's own, with its own userdata, called
    // as OpenSSL calls it (buffer, its size, rwflag 0, userdata).
    let pkey = unsafe {
        aws_lc_sys::PEM_read_bio_PrivateKey(
            bio,
            std::ptr::null_mut(),
            pw.cb,
            pw.userdata as *mut c_void,
        )
    };
    // SAFETY: ours to free.
    unsafe { aws_lc_sys::BIO_free(bio) };
    if pkey.is_null() {
        // aws-lc's reasons come first on the queue, as libcrypto's do in OpenSSL.
        super::err::absorb_awslc();
        return Err(Error::local(
            Reason::PEM_LIB,
            format!("{path}: cannot decrypt the private key (wrong or no password)"),
        ));
    }
    // SAFETY: a live key, freed right after.
    let key = unsafe { super::x509::signing_key(pkey) };
    // SAFETY: ours to free.
    unsafe { aws_lc_sys::EVP_PKEY_free(pkey) };
    key
}

/// Reads the private key file `path` (`SSL_FILETYPE_PEM` or `SSL_FILETYPE_ASN1`), decrypting a
/// PEM key under a password with `pw`.
pub(crate) fn load_key_file(path: &str, filetype: c_int, pw: Passwd) -> Result<SigningKey> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::local(Reason::FILE_ERROR, format!("cannot read {path}: {e}")))?;
    if filetype == SSL_FILETYPE_ASN1 {
        let der = pki_types::PrivateKeyDer::try_from(bytes.as_slice()).map_err(|e| {
            Error::local(
                Reason::BAD_PEM,
                format!("{path}: not a DER private key: {e}"),
            )
        })?;
        return SigningKey::from_der(der);
    }
    if is_encrypted_pem_key(&bytes) {
        return decrypt_pem_key(path, &bytes, pw);
    }
    SigningKey::from_pem(&bytes)
}

/// This connection's own private key from a file (see `SSL_use_PrivateKey`), decrypted with
/// the connection's password callback (`SSL_set_default_passwd_cb`, else the context's as it
/// was when the SSL was made).
#[no_mangle]
pub unsafe extern "C" fn SSL_use_PrivateKey_file(
    ssl: *mut SSL,
    file: *const c_char,
    filetype: c_int,
) -> c_int {
    // SAFETY: C string from the caller; NULL is reported.
    let Some(path) = (unsafe { c_str(file, "file") }) else {
        return 0;
    };
    let Some(pw) = with_ref(ssl, None, |s| Some(s.passwd)) else {
        return 0;
    };
    // The callback runs outside any use of the SSL.
    let key = match guard(None, || Some(load_key_file(path, filetype, pw))) {
        Some(Ok(k)) => k,
        Some(Err(e)) => {
            super::err::push(&e);
            return 0;
        }
        None => return 0,
    };
    super::compat::ssl_call(ssl, |s| {
        s.own_key = Some(std::sync::Arc::new(key));
        super::compat::check_own_pair(s)
    })
}

/// This connection's own certificate from a file: its first certificate (see
/// `SSL_use_certificate`).
#[no_mangle]
pub unsafe extern "C" fn SSL_use_certificate_file(
    ssl: *mut SSL,
    file: *const c_char,
    filetype: c_int,
) -> c_int {
    super::compat::ssl_call(ssl, |s| {
        // SAFETY: C string from the caller; NULL is reported.
        let path = unsafe { c_str(file, "file") }
            .ok_or_else(|| Error::local(Reason::INVALID_ARGUMENT, "file is NULL"))?;
        let mut chain = super::ctx::load_chain(path, filetype)?;
        s.own_cert = Some(chain.swap_remove(0));
        super::compat::check_own_pair(s)
    })
}

/// The password callback for this connection's `SSL_use_PrivateKey_file`.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_default_passwd_cb(ssl: *mut SSL, cb: LIBTLS_pem_password_cb) {
    with_mut(ssl, (), |s| s.passwd.cb = cb)
}

/// The `userdata` argument this connection's password callback gets.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_default_passwd_cb_userdata(ssl: *mut SSL, u: *mut c_void) {
    with_mut(ssl, (), |s| s.passwd.userdata = u as usize)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_default_passwd_cb(ssl: *mut SSL) -> LIBTLS_pem_password_cb {
    with_ref(ssl, None, |s| s.passwd.cb)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_default_passwd_cb_userdata(ssl: *mut SSL) -> *mut c_void {
    with_ref(ssl, std::ptr::null_mut(), |s| {
        s.passwd.userdata as *mut c_void
    })
}
