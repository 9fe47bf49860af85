//! Collecting CA names for a CertificateRequest's list (`SSL_add_file_cert_subjects_to_stack`,
//! `SSL_add_dir_cert_subjects_to_stack`), as stunnel builds its `CAfile`/`CApath` list.

use super::x509::{name_stack_push, stack_st_X509_NAME, X509_NAME};
use super::{c_str, err, guard, null_arg};
use crate::error::{Error, Reason};
use aws_lc_sys as sys;
use std::ffi::{c_char, c_int, CString};

/// Whether `stack` already holds a name equal to `name` (`X509_NAME_cmp`).
unsafe fn contains(stack: *mut stack_st_X509_NAME, name: *const X509_NAME) -> bool {
    let sk = stack as *const sys::OPENSSL_STACK;
    // SAFETY: a live stack of names from the caller.
    let n = unsafe { sys::OPENSSL_sk_num(sk) };
    // SAFETY: index in range; elements are live names.
    (0..n).any(|i| unsafe { sys::X509_NAME_cmp(sys::OPENSSL_sk_value(sk, i) as *const X509_NAME, name) } == 0)
}

/// Appends the subject of every PEM certificate in `path` not already on `stack`. false (with
/// an error) if the file cannot be opened; a file without certificates adds nothing.
unsafe fn add_file(stack: *mut stack_st_X509_NAME, path: &CString) -> bool {
    // SAFETY: a NUL-terminated path and mode.
    let bio = unsafe { sys::BIO_new_file(path.as_ptr(), c"r".as_ptr()) };
    if bio.is_null() {
        err::push(&Error::local(
            Reason::FILE_ERROR,
            format!("cannot open {}", path.to_string_lossy()),
        ));
        return false;
    }
    let mut ok = true;
    loop {
        // SAFETY: a live file BIO; no password callback (certificates are not encrypted).
        let x = unsafe {
            sys::PEM_read_bio_X509(bio, std::ptr::null_mut(), None, std::ptr::null_mut())
        };
        if x.is_null() {
            break;
        }
        // SAFETY: `x` is ours; its subject is borrowed while it lives, then copied.
        unsafe {
            let subject = sys::X509_get_subject_name(x);
            if !subject.is_null() && !contains(stack, subject) {
                let copy = sys::X509_NAME_dup(subject);
                if !name_stack_push(stack, copy) {
                    ok = false;
                }
            }
            sys::X509_free(x);
        }
        if !ok {
            break;
        }
    }
    // SAFETY: the end of the file reads as a PEM error; OpenSSL clears it too.
    unsafe {
        sys::BIO_free(bio);
        if ok {
            sys::ERR_clear_error();
        }
    }
    ok
}

/// Appends to `stack` the subject names of the PEM certificates in `file` that it does not
/// hold yet. 1, or 0 (with an error) if the file cannot be read.
#[no_mangle]
pub unsafe extern "C" fn SSL_add_file_cert_subjects_to_stack(
    stack: *mut stack_st_X509_NAME,
    file: *const c_char,
) -> c_int {
    guard(0, || {
        if stack.is_null() {
            return null_arg("STACK_OF(X509_NAME)", 0);
        }
        // SAFETY: a C string from the caller.
        let Some(path) = (unsafe { c_str(file, "file") }) else {
            return 0;
        };
        let Ok(path) = CString::new(path) else {
            return 0;
        };
        // SAFETY: a live stack from the caller.
        c_int::from(unsafe { add_file(stack, &path) })
    })
}

/// Like `SSL_add_file_cert_subjects_to_stack` for every file in directory `dir` (in name order;
/// subdirectories are skipped). 1, or 0 if the directory or one of its files cannot be read.
#[no_mangle]
pub unsafe extern "C" fn SSL_add_dir_cert_subjects_to_stack(
    stack: *mut stack_st_X509_NAME,
    dir: *const c_char,
) -> c_int {
    guard(0, || {
        if stack.is_null() {
            return null_arg("STACK_OF(X509_NAME)", 0);
        }
        // SAFETY: a C string from the caller.
        let Some(dir) = (unsafe { c_str(dir, "dir") }) else {
            return 0;
        };
        let entries = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                err::push(&Error::local(
                    Reason::FILE_ERROR,
                    format!("cannot read {dir}: {e}"),
                ));
                return 0;
            }
        };
        let mut files: Vec<std::path::PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for f in files {
            let Ok(path) = CString::new(f.as_os_str().as_encoded_bytes()) else {
                continue;
            };
            // SAFETY: a live stack from the caller.
            if !unsafe { add_file(stack, &path) } {
                return 0;
            }
        }
        1
    })
}
