//! `X509_STORE_load_locations` with a directory (curl's `--capath`): aws-lc's hashed-directory
//! lookup is consulted only by aws-lc's own verification, which libtls does not use (path
//! validation is rustls-webpki's, with the store's certificates as trust anchors). So the
//! directory's `openssl rehash` entries are read at once into the store as well: its CA
//! certificates (`HHHHHHHH.N`) and CRLs (`HHHHHHHH.rN`) become objects of the store, which
//! connections made afterwards take (see `SSL_CTX::snapshot`). Unlike OpenSSL, which reads
//! the directory on demand, files added to it later are not seen
//! (docs/differences-from-openssl.md).

use super::store::X509_STORE;
use crate::ffi::guard;
use aws_lc_sys as sys;
use std::ffi::{c_char, c_int, CStr};

/// A CRL entry of a hashed directory: `HHHHHHHH.rN`.
fn is_hashed_crl_name(name: &str) -> bool {
    name.split_once(".r")
        .is_some_and(|(hash, seq)| crate::ffi::ctx::is_hashed_ca_name(&format!("{hash}.{seq}")))
}

/// Adds the certificates and CRLs of one PEM file to the store (what cannot be parsed is
/// skipped, as aws-lc's lookup skips it).
fn add_pem_file(store: *mut X509_STORE, path: &std::path::Path) {
    let Ok(pem) = std::fs::read(path) else {
        return;
    };
    let mut rd = std::io::BufReader::new(pem.as_slice());
    for item in rustls_pemfile::read_all(&mut rd).flatten() {
        match item {
            rustls_pemfile::Item::X509Certificate(der) => {
                let x = super::x509_from_der(der.as_ref());
                if !x.is_null() {
                    // SAFETY: live objects; the store takes its own reference (a duplicate is
                    // not an error).
                    unsafe {
                        sys::X509_STORE_add_cert(store, x);
                        sys::X509_free(x);
                    }
                }
            }
            rustls_pemfile::Item::Crl(der) => {
                let Ok(len) = std::ffi::c_long::try_from(der.as_ref().len()) else {
                    continue;
                };
                let mut p = der.as_ref().as_ptr();
                // SAFETY: `p` points at `len` readable bytes.
                let crl = unsafe { sys::d2i_X509_CRL(std::ptr::null_mut(), &mut p, len) };
                if !crl.is_null() {
                    // SAFETY: as for certificates.
                    unsafe {
                        sys::X509_STORE_add_crl(store, crl);
                        sys::X509_CRL_free(crl);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Reads every `openssl rehash` entry of `dirs` (a colon-separated list, as OpenSSL takes it)
/// into the store.
fn load_hashed_dirs(store: *mut X509_STORE, dirs: &str) {
    for dir in dirs.split(':').filter(|d| !d.is_empty()) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut files: Vec<std::path::PathBuf> = entries
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_str()
                    .is_some_and(|n| crate::ffi::ctx::is_hashed_ca_name(n) || is_hashed_crl_name(n))
            })
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            add_pem_file(store, &file);
        }
    }
}

/// OpenSSL's `X509_STORE_load_locations`: a CA file (certificates and CRLs) and/or a hashed CA
/// directory. aws-lc does the work; a directory's entries are also read into the store at once
/// so that libtls's verification trusts them (see the module comment).
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_load_locations(
    store: *mut X509_STORE,
    file: *const c_char,
    dir: *const c_char,
) -> c_int {
    guard(0, || {
        // SAFETY: the caller's store and C strings (or NULL), passed on as given.
        let ok = unsafe { sys::X509_STORE_load_locations(store, file, dir) };
        if ok == 1 && !dir.is_null() {
            // SAFETY: a NUL-terminated string from the caller (aws-lc accepted it).
            if let Ok(dirs) = unsafe { CStr::from_ptr(dir) }.to_str() {
                load_hashed_dirs(store, dirs);
            }
        }
        if ok != 1 {
            // aws-lc's reasons (a missing file, ...) for the caller.
            crate::ffi::err::absorb_awslc();
        }
        ok
    })
}
