//! `STACK_OF(X509)` and `STACK_OF(X509_NAME)`: aws-lc's stacks made from, and read back as, the
//! DER the core works on, and the owners that free them with the object that keeps them.

use super::{
    name_der, name_from_der, stack_st_X509, stack_st_X509_NAME, x509_from_der, X509, X509_NAME,
};
use aws_lc_sys as sys;
use std::ffi::c_void;

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
