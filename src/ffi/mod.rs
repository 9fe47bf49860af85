//! The C API: OpenSSL's names, constants and return conventions over the sans-I/O core.
//!
//! Every exported function runs inside the boundary kit ([`boundary`]): [`guard`] so a panic never
//! crosses into C (it becomes an `internal error` on the error queue and the function's failure
//! value), and [`try_ref`] / [`with_ref`] and friends so every handle is cast in one place and
//! checked for NULL before use.

#![allow(unsafe_code)]
#![allow(non_camel_case_types)]
#![allow(non_upper_case_globals)]
#![allow(clippy::missing_safety_doc)]

pub mod alert;
pub mod bio;
mod boundary;
pub mod ca_names;
pub mod cert_cb;
pub mod cert_comp;
pub mod cert_comp_custom;
pub mod chain_query;
pub mod cipher;
pub mod ciphers;
pub mod client_hello;
pub mod compat;
pub mod conf;
pub mod consts;
pub mod ctx;
pub(crate) mod ecdsa;
pub mod err;
pub mod err_data;
pub mod exdata;
pub mod export;
pub mod init;
pub mod legacy;
pub(crate) mod lists;
pub mod observe;
pub mod ocsp;
pub(crate) mod options;
pub mod pem_key;
pub mod pha;
pub mod psk;
pub mod pwprompt;
mod reentry;
pub mod session;
pub mod session_ex;
pub mod session_hostname;
pub mod shared_ciphers;
pub mod ssl;
pub mod state;
pub mod threads;
pub mod ticket_cb;
pub mod ticket_key_cb;
pub mod tmp_key;
pub mod ui;
pub mod verify_param;
pub mod version;
pub mod x509;
/// The store modules under their old paths (`ffi::store`, `ffi::store_dir`).
pub use x509::{store, store_dir};

use crate::error::{Error, Reason};
pub(crate) use boundary::{
    guard, guard_or, null_arg, try_mut, try_ref, with_mut, with_ours_or_theirs, with_ref,
    with_result, Handle,
};
use std::ffi::{c_char, CStr};

/// Borrows a C string as UTF-8. NULL or invalid UTF-8 is an error on the queue.
pub(crate) unsafe fn c_str<'a>(p: *const c_char, what: &str) -> Option<&'a str> {
    if p.is_null() {
        return null_arg(what, None);
    }
    // SAFETY: the caller passes a NUL-terminated string that outlives this call.
    match unsafe { CStr::from_ptr(p) }.to_str() {
        Ok(s) => Some(s),
        Err(_) => {
            err::push(&Error::local(
                Reason::INVALID_ARGUMENT,
                format!("{what} is not valid UTF-8"),
            ));
            None
        }
    }
}

/// Copies `s` into a caller buffer of `size` bytes with NUL termination, like `snprintf`.
pub(crate) unsafe fn copy_to_c_buf(s: &str, buf: *mut c_char, size: usize) {
    if buf.is_null() || size == 0 {
        return;
    }
    let n = s.len().min(size - 1);
    // SAFETY: the caller guarantees `buf` has room for `size` bytes; we write at most `size`.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr() as *const c_char, buf, n);
        *buf.add(n) = 0;
    }
}
