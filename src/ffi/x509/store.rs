//! `SSL_CTX_get_cert_store`: an aws-lc `X509_STORE` per context. Path validation stays
//! rustls-webpki's: the certificates the store holds (`X509_STORE_add_cert`,
//! `X509_STORE_load_locations` with a file, `X509_LOOKUP_file`) join the context's trust anchors
//! when a connection takes its configuration, and so do its CRLs when its flags ask for CRL
//! checking (`X509_V_FLAG_CRL_CHECK`, `X509_V_FLAG_CRL_CHECK_ALL`). Directory lookups
//! (`X509_LOOKUP_hash_dir`), which aws-lc consults only during its own verification, are not;
//! `X509_STORE_load_locations` with a directory reads it into the store (src/ffi/x509/store_dir.rs).

use crate::ffi::ctx::SSL_CTX;
use crate::ffi::guard;
use crate::ffi::try_ref;
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
const X509_LU_CRL: std::ffi::c_int = 2;
const X509_V_FLAG_CRL_CHECK: std::ffi::c_ulong = 0x4;
const X509_V_FLAG_CRL_CHECK_ALL: std::ffi::c_ulong = 0x8;

/// The context's store slot (`SSL_CTX_get_cert_store`, `SSL_CTX_set_cert_store`), shared
/// with the roots source of the configurations taken from the context.
#[derive(Default)]
pub(crate) struct StoreCell(std::sync::Mutex<Option<CertStore>>);

impl StoreCell {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<CertStore>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The store's address (0: none) and generation: a change means new roots.
    pub(crate) fn generation(&self) -> (usize, usize) {
        self.lock()
            .as_ref()
            .map_or((0, 0), |s| (s.0 as usize, s.generation()))
    }

    /// Adds the store's certificates as trust anchors, its CRLs, and the CRL checking its
    /// flags ask for. A CRL webpki cannot read is left out: with checking on, the certificates
    /// it would cover then fail (unknown revocation status), never pass unchecked.
    pub(crate) fn add_to(&self, roots: &mut crate::verify::RootStore) {
        let g = self.lock();
        let Some(store) = g.as_ref() else {
            return;
        };
        for der in store.certificates() {
            let _ = roots.add_der(&der);
        }
        for der in store.crls() {
            let _ = roots.add_crl_der(&der);
        }
        roots.set_crl_check(store.crl_check());
    }

    /// `base` plus the store, when the store changed since `taken` (else `None`: the
    /// configuration's roots are current).
    pub(crate) fn roots_if_changed(
        &self,
        base: &std::sync::Arc<crate::verify::RootStore>,
        taken: (usize, usize),
    ) -> Option<std::sync::Arc<crate::verify::RootStore>> {
        if self.generation() == taken {
            return None;
        }
        let mut roots = (**base).clone();
        self.add_to(&mut roots);
        Some(std::sync::Arc::new(roots))
    }

    /// The store, made on first use (borrowed).
    fn get_or_new(&self) -> *mut X509_STORE {
        let mut g = self.lock();
        if g.is_none() {
            // SAFETY: aws-lc's constructor.
            let s = unsafe { sys::X509_STORE_new() };
            if s.is_null() {
                return std::ptr::null_mut();
            }
            *g = Some(CertStore(s));
        }
        g.as_ref().map_or(std::ptr::null_mut(), |s| s.0)
    }

    fn set(&self, store: Option<CertStore>) {
        *self.lock() = store;
    }
}

impl CertStore {
    /// How many objects (certificates, CRLs) the store holds, and its CRL flags: a change means
    /// new anchors or revocation settings.
    pub(crate) fn generation(&self) -> usize {
        // SAFETY: a live store; the stack is only counted.
        let n = unsafe {
            sys::OPENSSL_sk_num(sys::X509_STORE_get0_objects(self.0) as *const sys::OPENSSL_STACK)
        };
        n.wrapping_mul(4) | self.crl_flags() as usize >> 2
    }

    fn crl_flags(&self) -> std::ffi::c_ulong {
        // SAFETY: a live store and its own parameters, only read.
        let flags = unsafe { sys::X509_VERIFY_PARAM_get_flags(sys::X509_STORE_get0_param(self.0)) };
        flags & (X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL)
    }

    /// The revocation checking the store's flags ask for (`X509_STORE_set_flags`).
    pub(crate) fn crl_check(&self) -> Option<crate::verify::CrlCheck> {
        let flags = self.crl_flags();
        if flags & X509_V_FLAG_CRL_CHECK_ALL != 0 {
            Some(crate::verify::CrlCheck::Chain)
        } else if flags & X509_V_FLAG_CRL_CHECK != 0 {
            Some(crate::verify::CrlCheck::Leaf)
        } else {
            None
        }
    }

    /// The DER encodings of the CRLs the store holds (`X509_load_crl_file`, `X509_STORE_add_crl`).
    pub(crate) fn crls(&self) -> Vec<Vec<u8>> {
        self.objects_of(X509_LU_CRL, |o| {
            // SAFETY: a CRL object of the store; the CRL is borrowed for the encoding.
            unsafe {
                let crl = sys::X509_OBJECT_get0_X509_CRL(o);
                let mut out: *mut u8 = std::ptr::null_mut();
                let len = sys::i2d_X509_CRL(crl, &mut out);
                if len <= 0 || out.is_null() {
                    return None;
                }
                let der = std::slice::from_raw_parts(out, len as usize).to_vec();
                sys::OPENSSL_free(out as *mut std::ffi::c_void);
                Some(der)
            }
        })
    }

    /// `f` of each object of type `kind`, where it gives something.
    fn objects_of<T>(
        &self,
        kind: std::ffi::c_int,
        f: impl Fn(*mut sys::X509_OBJECT) -> Option<T>,
    ) -> Vec<T> {
        // SAFETY: a live store; its objects are read, not kept.
        let objects = unsafe { sys::X509_STORE_get0_objects(self.0) } as *const sys::OPENSSL_STACK;
        // SAFETY: as above.
        let n = unsafe { sys::OPENSSL_sk_num(objects) };
        (0..n)
            .filter_map(|i| {
                // SAFETY: index in range; each element is an X509_OBJECT.
                let o = unsafe { sys::OPENSSL_sk_value(objects, i) } as *mut sys::X509_OBJECT;
                // SAFETY: a live object of the store.
                if unsafe { sys::X509_OBJECT_get_type(o) } != kind {
                    return None;
                }
                f(o)
            })
            .collect()
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
                unsafe { super::x509_der(sys::X509_OBJECT_get0_X509(o)) }
            })
            .collect()
    }
}

/// The context's certificate store (borrowed; made on first use). Certificates added to it are
/// trusted by connections made afterwards.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_cert_store(ctx: *const SSL_CTX) -> *mut X509_STORE {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see try_ref.
        let Some(c) = (unsafe { try_ref(ctx) }) else {
            return std::ptr::null_mut();
        };
        let cell = c.read().cert_store.clone();
        cell.get_or_new()
    })
}

/// Replaces the context's store, taking over the caller's reference (NULL drops it).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_cert_store(ctx: *mut SSL_CTX, store: *mut X509_STORE) {
    guard((), || {
        // SAFETY: see try_ref.
        if let Some(c) = unsafe { try_ref(ctx) } {
            let st = c.edit();
            st.cert_store
                .set((!store.is_null()).then_some(CertStore(store)));
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
