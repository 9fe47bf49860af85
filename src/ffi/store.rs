//! `SSL_CTX_get_cert_store`: an aws-lc `X509_STORE` per context. Path validation stays
//! rustls-webpki's: the certificates the store holds (`X509_STORE_add_cert`,
//! `X509_STORE_load_locations` with a file, `X509_LOOKUP_file`) join the context's trust anchors
//! when a connection takes its configuration. Directory lookups (`X509_LOOKUP_hash_dir`), which
//! aws-lc consults only during its own verification, are not.

use super::ctx::{ctx_ref, SSL_CTX};
use super::guard;
use aws_lc_sys as sys;

pub use sys::X509_STORE;

/// One owned reference to a store.
pub(crate) struct CertStore(pub(crate) *mut X509_STORE);

// SAFETY: aws-lc's stores lock themselves; libtls reads one only under its context's lock.
unsafe impl Send for CertStore {}
// SAFETY: see Send.
unsafe impl Sync for CertStore {}

impl Drop for CertStore {
    fn drop(&mut self) {
        // SAFETY: one reference is owned here.
        unsafe { sys::X509_STORE_free(self.0) };
    }
}

const X509_LU_X509: std::ffi::c_int = 1;

impl CertStore {
    /// How many objects (certificates, CRLs) the store holds: a change means new anchors.
    pub(crate) fn generation(&self) -> usize {
        // SAFETY: a live store; the stack is only counted.
        unsafe {
            sys::OPENSSL_sk_num(sys::X509_STORE_get0_objects(self.0) as *const sys::OPENSSL_STACK)
        }
    }

    /// The DER encodings of the certificates the store holds.
    pub(crate) fn certificates(&self) -> Vec<Vec<u8>> {
        // SAFETY: a live store; its objects are read, not kept.
        let objects = unsafe { sys::X509_STORE_get0_objects(self.0) } as *const sys::OPENSSL_STACK;
        // SAFETY: as above.
        let n = unsafe { sys::OPENSSL_sk_num(objects) };
        (0..n)
            .filter_map(|i| {
                // SAFETY: index in range; each element is an X509_OBJECT.
                let o = unsafe { sys::OPENSSL_sk_value(objects, i) } as *mut sys::X509_OBJECT;
                // SAFETY: a live object of the store.
                if unsafe { sys::X509_OBJECT_get_type(o) } != X509_LU_X509 {
                    return None;
                }
                // SAFETY: a certificate object; the certificate is borrowed for the encoding.
                unsafe { super::x509::x509_der(sys::X509_OBJECT_get0_X509(o)) }
            })
            .collect()
    }
}

/// The context's certificate store (borrowed; made on first use). Certificates added to it are
/// trusted by connections made afterwards.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_cert_store(ctx: *const SSL_CTX) -> *mut X509_STORE {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see ctx_ref.
        let Some(c) = (unsafe { ctx_ref(ctx) }) else {
            return std::ptr::null_mut();
        };
        let mut st = c.read();
        if st.cert_store.is_none() {
            // SAFETY: aws-lc's constructor.
            let s = unsafe { sys::X509_STORE_new() };
            if s.is_null() {
                return std::ptr::null_mut();
            }
            st.cert_store = Some(CertStore(s));
        }
        st.cert_store.as_ref().map_or(std::ptr::null_mut(), |s| s.0)
    })
}

/// Replaces the context's store, taking over the caller's reference (NULL drops it).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_cert_store(ctx: *mut SSL_CTX, store: *mut X509_STORE) {
    guard((), || {
        // SAFETY: see ctx_ref.
        if let Some(c) = unsafe { ctx_ref(ctx) } {
            c.edit().cert_store = (!store.is_null()).then_some(CertStore(store));
        }
    })
}

/// Like `SSL_CTX_set_cert_store`, but takes a reference of its own.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set1_cert_store(ctx: *mut SSL_CTX, store: *mut X509_STORE) {
    guard((), || {
        if !store.is_null() {
            // SAFETY: a live store from the caller.
            unsafe { sys::X509_STORE_up_ref(store) };
        }
        // SAFETY: the reference just taken is handed over.
        unsafe { SSL_CTX_set_cert_store(ctx, store) }
    })
}
