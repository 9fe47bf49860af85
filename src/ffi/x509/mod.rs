//! Certificates, names, keys and stacks at the C boundary are aws-lc's objects (`X509`,
//! `X509_NAME`, `EVP_PKEY`, `STACK_OF(...)`), the ones its libcrypto API (exported by
//! libtls.so) makes and takes. The core works on DER: this module converts at the boundary.
//!
//! The verify callback's `X509_STORE_CTX` is libtls's own: path validation is rustls-webpki's,
//! and aws-lc has no setters for a store context's current certificate, depth or verified
//! chain. Its accessors below answer for libtls's contexts and pass any other context (one an
//! application made with aws-lc's `X509_STORE_CTX_new`) on to aws-lc.

pub mod store;
pub mod store_dir;

use super::{guard, null_arg};
use crate::error::{Error, Reason, Result};
use aws_lc_sys as sys;
use std::cell::RefCell;
use std::ffi::{c_int, c_void};

pub use sys::{stack_st_X509, stack_st_X509_NAME, EVP_PKEY, X509, X509_NAME};

// `EVP_PKEY_*` key types (NIDs), for SSL_get_peer_signature_type_nid and friends. Not part of
// libtls.h: <openssl/evp.h> (aws-lc's) defines them.
pub(crate) const EVP_PKEY_RSA: c_int = 6;
pub(crate) const EVP_PKEY_EC: c_int = 408;
pub(crate) const EVP_PKEY_ED25519: c_int = 949;

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

/// A new `STACK_OF(X509)` holding a certificate object for each DER certificate that parses.
pub(crate) fn x509_stack_from_ders<'a>(
    ders: impl IntoIterator<Item = &'a Vec<u8>>,
) -> *mut stack_st_X509 {
    // SAFETY: aws-lc's stack constructor.
    let sk = unsafe { sys::OPENSSL_sk_new_null() };
    if sk.is_null() {
        return std::ptr::null_mut();
    }
    for der in ders {
        let x = x509_from_der(der);
        // SAFETY: the stack takes the new object's reference.
        if !x.is_null() && unsafe { sys::OPENSSL_sk_push(sk, x as *mut c_void) } == 0 {
            // SAFETY: not pushed: ours to free.
            unsafe { sys::X509_free(x) };
        }
    }
    sk as *mut stack_st_X509
}

/// Frees a stack and its references (`sk_X509_pop_free(sk, X509_free)`).
pub(crate) unsafe fn x509_stack_free(sk: *mut stack_st_X509) {
    if sk.is_null() {
        return;
    }
    let sk = sk as *mut sys::OPENSSL_STACK;
    loop {
        // SAFETY: a stack of X509 objects the caller owns.
        let x = unsafe { sys::OPENSSL_sk_pop(sk) };
        if x.is_null() {
            break;
        }
        // SAFETY: each element holds one reference.
        unsafe { sys::X509_free(x as *mut X509) };
    }
    // SAFETY: now empty.
    unsafe { sys::OPENSSL_sk_free(sk) };
}

/// A new `STACK_OF(X509_NAME)` holding a name object for each DER name that parses.
pub(crate) fn name_stack_from_ders<'a>(
    ders: impl IntoIterator<Item = &'a [u8]>,
) -> *mut stack_st_X509_NAME {
    // SAFETY: aws-lc's stack constructor.
    let sk = unsafe { sys::OPENSSL_sk_new_null() };
    if sk.is_null() {
        return std::ptr::null_mut();
    }
    for der in ders {
        let n = name_from_der(der);
        // SAFETY: the stack takes the new object.
        if !n.is_null() && unsafe { sys::OPENSSL_sk_push(sk, n as *mut c_void) } == 0 {
            // SAFETY: not pushed: ours to free.
            unsafe { sys::X509_NAME_free(n) };
        }
    }
    sk as *mut stack_st_X509_NAME
}

/// Frees a stack and its names (`sk_X509_NAME_pop_free(sk, X509_NAME_free)`).
pub(crate) unsafe fn name_stack_free(sk: *mut stack_st_X509_NAME) {
    if sk.is_null() {
        return;
    }
    let sk = sk as *mut sys::OPENSSL_STACK;
    loop {
        // SAFETY: a stack of X509_NAME objects the caller owns.
        let n = unsafe { sys::OPENSSL_sk_pop(sk) };
        if n.is_null() {
            break;
        }
        // SAFETY: each element is owned by the stack.
        unsafe { sys::X509_NAME_free(n as *mut X509_NAME) };
    }
    // SAFETY: now empty.
    unsafe { sys::OPENSSL_sk_free(sk) };
}

/// The DER encodings of a stack's names.
pub(crate) unsafe fn name_stack_ders(sk: *const stack_st_X509_NAME) -> Vec<Vec<u8>> {
    if sk.is_null() {
        return Vec::new();
    }
    let sk = sk as *const sys::OPENSSL_STACK;
    // SAFETY: a live stack of names.
    let n = unsafe { sys::OPENSSL_sk_num(sk) };
    (0..n)
        // SAFETY: index in range; the element is a live name.
        .filter_map(|i| unsafe { name_der(sys::OPENSSL_sk_value(sk, i) as *const X509_NAME) })
        .collect()
}

/// Appends a name to a stack, which takes it; false (and the name freed) on failure.
pub(crate) unsafe fn name_stack_push(sk: *mut stack_st_X509_NAME, n: *mut X509_NAME) -> bool {
    // SAFETY: a live stack; the stack takes the name.
    if n.is_null()
        || unsafe { sys::OPENSSL_sk_push(sk as *mut sys::OPENSSL_STACK, n as *mut c_void) } == 0
    {
        // SAFETY: not pushed: ours to free (NULL is ignored).
        unsafe { sys::X509_NAME_free(n) };
        return false;
    }
    true
}

pub(crate) fn new_name_stack() -> *mut stack_st_X509_NAME {
    // SAFETY: aws-lc's stack constructor.
    unsafe { sys::OPENSSL_sk_new_null() as *mut stack_st_X509_NAME }
}

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

// ---- The verify callback's view -------------------------------------------------------------

/// What a verify callback can see and change: the certificate at the current depth, the
/// depth and the error, and the connection (`SSL_get_ex_data_X509_STORE_CTX_idx`).
pub struct X509_STORE_CTX {
    /// One reference, released when the context goes.
    current: *mut X509,
    chain: *mut stack_st_X509,
    depth: c_int,
    error: c_int,
    ssl: *mut c_void,
}

thread_local! {
    /// The libtls store contexts live on this thread (those of verify callbacks running now):
    /// the accessors tell them from aws-lc's own contexts by address.
    static ACTIVE: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

impl X509_STORE_CTX {
    /// Runs `f` with a context for `event`, registered as libtls's while `f` runs.
    pub(crate) fn with<T>(
        event: &crate::verify::VerifyEvent<'_>,
        ssl: *mut c_void,
        f: impl FnOnce(&mut X509_STORE_CTX) -> T,
    ) -> T {
        let mut ctx = X509_STORE_CTX {
            current: event
                .current_cert()
                .map_or(std::ptr::null_mut(), x509_from_der),
            chain: x509_stack_from_ders(event.chain),
            depth: event.depth as c_int,
            error: event.error as c_int,
            ssl,
        };
        let addr = &mut ctx as *mut X509_STORE_CTX as usize;
        ACTIVE.with(|a| a.borrow_mut().push(addr));
        struct Unregister(usize);
        impl Drop for Unregister {
            fn drop(&mut self) {
                ACTIVE.with(|a| a.borrow_mut().retain(|&p| p != self.0));
            }
        }
        let _unregister = Unregister(addr);
        f(&mut ctx)
    }

    pub(crate) fn error(&self) -> i64 {
        i64::from(self.error)
    }
}

impl Drop for X509_STORE_CTX {
    fn drop(&mut self) {
        // SAFETY: the context owns one reference to its certificate and owns its stack.
        unsafe {
            sys::X509_free(self.current);
            x509_stack_free(self.chain);
        }
    }
}

/// libtls's context at `ctx`, or None when `ctx` is not one (then it is aws-lc's).
unsafe fn ours<'a>(ctx: *const X509_STORE_CTX) -> Option<&'a mut X509_STORE_CTX> {
    let addr = ctx as usize;
    if ACTIVE.with(|a| a.borrow().contains(&addr)) {
        // SAFETY: registered contexts are live for the callback that received them.
        Some(unsafe { &mut *(ctx as *mut X509_STORE_CTX) })
    } else {
        None
    }
}

fn theirs(ctx: *const X509_STORE_CTX) -> *mut sys::X509_STORE_CTX {
    ctx as *mut sys::X509_STORE_CTX
}

/// The certificate being verified at the current depth (borrowed; do not free).
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get_current_cert(ctx: *mut X509_STORE_CTX) -> *mut X509 {
    guard(std::ptr::null_mut(), || {
        if ctx.is_null() {
            return null_arg("X509_STORE_CTX", std::ptr::null_mut());
        }
        // SAFETY: see `ours`; otherwise a live aws-lc context from the caller.
        match unsafe { ours(ctx) } {
            Some(c) => c.current,
            None => unsafe { sys::X509_STORE_CTX_get_current_cert(theirs(ctx)) },
        }
    })
}

/// The path being verified, leaf first, as OpenSSL builds it: the certificates that chain from
/// the leaf to the trust anchor (included), not the list the peer sent; after a failure, the
/// path as far as it could be built (borrowed; do not free).
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get0_chain(ctx: *mut X509_STORE_CTX) -> *mut stack_st_X509 {
    guard(std::ptr::null_mut(), || {
        if ctx.is_null() {
            return null_arg("X509_STORE_CTX", std::ptr::null_mut());
        }
        // SAFETY: see `ours`; otherwise a live aws-lc context from the caller.
        match unsafe { ours(ctx) } {
            Some(c) => c.chain,
            None => unsafe { sys::X509_STORE_CTX_get0_chain(theirs(ctx)) },
        }
    })
}

/// [`X509_STORE_CTX_get0_chain`]'s path as a new stack holding its own references (free it with
/// `sk_X509_pop_free(chain, X509_free)`).
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get1_chain(ctx: *mut X509_STORE_CTX) -> *mut stack_st_X509 {
    guard(std::ptr::null_mut(), || {
        if ctx.is_null() {
            return null_arg("X509_STORE_CTX", std::ptr::null_mut());
        }
        // SAFETY: see `ours`; otherwise a live aws-lc context from the caller. A libtls
        // context's chain is live for the callback and X509_chain_up_ref copies it.
        match unsafe { ours(ctx) } {
            Some(c) => unsafe { sys::X509_chain_up_ref(c.chain) },
            None => unsafe { sys::X509_STORE_CTX_get1_chain(theirs(ctx)) },
        }
    })
}

/// The certificate being verified: the peer's leaf (borrowed; do not free).
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get0_cert(ctx: *mut X509_STORE_CTX) -> *mut X509 {
    guard(std::ptr::null_mut(), || {
        if ctx.is_null() {
            return null_arg("X509_STORE_CTX", std::ptr::null_mut());
        }
        // SAFETY: see `ours`; otherwise a live aws-lc context from the caller.
        match unsafe { ours(ctx) } {
            Some(c) if c.chain.is_null() => std::ptr::null_mut(),
            Some(c) => unsafe {
                sys::OPENSSL_sk_value(c.chain as *const sys::OPENSSL_STACK, 0) as *mut X509
            },
            None => unsafe { sys::X509_STORE_CTX_get0_cert(theirs(ctx)) },
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get_error_depth(ctx: *mut X509_STORE_CTX) -> c_int {
    guard(0, || {
        if ctx.is_null() {
            return null_arg("X509_STORE_CTX", 0);
        }
        // SAFETY: see `ours`; otherwise a live aws-lc context from the caller.
        match unsafe { ours(ctx) } {
            Some(c) => c.depth,
            None => unsafe { sys::X509_STORE_CTX_get_error_depth(theirs(ctx)) },
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get_error(ctx: *mut X509_STORE_CTX) -> c_int {
    guard(0, || {
        if ctx.is_null() {
            return null_arg("X509_STORE_CTX", 0);
        }
        // SAFETY: see `ours`; otherwise a live aws-lc context from the caller.
        match unsafe { ours(ctx) } {
            Some(c) => c.error,
            None => unsafe { sys::X509_STORE_CTX_get_error(theirs(ctx)) },
        }
    })
}

/// Changes the error the verification reports (`SSL_get_verify_result`).
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_set_error(ctx: *mut X509_STORE_CTX, error: c_int) {
    guard((), || {
        if ctx.is_null() {
            return;
        }
        // SAFETY: see `ours`; otherwise a live aws-lc context from the caller.
        match unsafe { ours(ctx) } {
            Some(c) => c.error = error,
            None => unsafe { sys::X509_STORE_CTX_set_error(theirs(ctx), error) },
        }
    })
}

/// The only ex_data index a libtls store context has: the one holding its `SSL`.
pub const SSL_X509_STORE_CTX_IDX: c_int = 0;

#[no_mangle]
pub extern "C" fn SSL_get_ex_data_X509_STORE_CTX_idx() -> c_int {
    SSL_X509_STORE_CTX_IDX
}

/// With `SSL_get_ex_data_X509_STORE_CTX_idx()`, the `SSL` whose peer is being verified.
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get_ex_data(
    ctx: *mut X509_STORE_CTX,
    idx: c_int,
) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        if ctx.is_null() {
            return null_arg("X509_STORE_CTX", std::ptr::null_mut());
        }
        // SAFETY: see `ours`; otherwise a live aws-lc context from the caller.
        match unsafe { ours(ctx) } {
            Some(c) if idx == SSL_X509_STORE_CTX_IDX => c.ssl,
            Some(_) => std::ptr::null_mut(),
            None => unsafe { sys::X509_STORE_CTX_get_ex_data(theirs(ctx), idx) },
        }
    })
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

/// An owned `STACK_OF(X509_NAME)` kept in a context (freed with it).
pub(crate) struct NameStack(pub(crate) *mut stack_st_X509_NAME);

// SAFETY: the stack is only read while its owner's lock is held, and aws-lc's stacks and
// names have no thread affinity.
unsafe impl Send for NameStack {}
// SAFETY: see Send.
unsafe impl Sync for NameStack {}

impl Drop for NameStack {
    fn drop(&mut self) {
        // SAFETY: the stack is owned here.
        unsafe { name_stack_free(self.0) };
    }
}

/// An owned `STACK_OF(X509)` lent out by an SSL (freed with it).
pub(crate) struct X509Stack(pub(crate) *mut stack_st_X509);

// SAFETY: aws-lc's certificate objects count their references atomically, and a stack kept in a
// context (see chain_query.rs) is only replaced or freed under the context's lock.
unsafe impl Send for X509Stack {}

impl Drop for X509Stack {
    fn drop(&mut self) {
        // SAFETY: the stack and its references are owned here.
        unsafe { x509_stack_free(self.0) };
    }
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

/// OpenSSL 3's texts for the verification results (aws-lc's differ in case and wording).
#[no_mangle]
pub extern "C" fn X509_verify_cert_error_string(n: std::ffi::c_long) -> *const std::ffi::c_char {
    use std::collections::HashMap;
    use std::ffi::CString;
    use std::sync::OnceLock;
    static TABLE: OnceLock<HashMap<i64, CString>> = OnceLock::new();
    guard(std::ptr::null(), || {
        let t = TABLE.get_or_init(|| {
            (0..=100)
                .map(|c| {
                    (
                        c,
                        CString::new(crate::verify::x509_v::text(c)).unwrap_or_default(),
                    )
                })
                .collect()
        });
        match t.get(&{ n }) {
            Some(s) => s.as_ptr(),
            None => c"unknown certificate verification error".as_ptr(),
        }
    })
}
