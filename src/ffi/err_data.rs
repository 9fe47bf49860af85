//! OpenSSL 3's `ERR_peek_*_data` / `ERR_peek_*_all` forms of the error-queue readers
//! (`ERR_get_error_all` and the OpenSSL 1.1 `*_line_data` forms are in err.rs).

use super::err::{entry_with_data, Pick};
use super::guard;
use std::ffi::{c_char, c_int, c_ulong};

/// The oldest entry's code and detail (`data`, a string: `*flags` gets `ERR_TXT_STRING`), not
/// removed. `data` stays valid until the next such call on this thread.
#[no_mangle]
pub unsafe extern "C" fn ERR_peek_error_data(
    data: *mut *const c_char,
    flags: *mut c_int,
) -> c_ulong {
    let null = std::ptr::null_mut();
    // SAFETY: the caller's out-pointers, NULL or writable.
    guard(0, || unsafe {
        entry_with_data(Pick::PeekOldest, null, null.cast(), null, data, flags)
    })
}

/// Like `ERR_peek_error_data` for the newest entry.
#[no_mangle]
pub unsafe extern "C" fn ERR_peek_last_error_data(
    data: *mut *const c_char,
    flags: *mut c_int,
) -> c_ulong {
    let null = std::ptr::null_mut();
    // SAFETY: the caller's out-pointers, NULL or writable.
    guard(0, || unsafe {
        entry_with_data(Pick::PeekNewest, null, null.cast(), null, data, flags)
    })
}

/// The oldest entry with everything OpenSSL 3 reports (the function name is always empty),
/// not removed.
#[no_mangle]
pub unsafe extern "C" fn ERR_peek_error_all(
    file: *mut *const c_char,
    line: *mut c_int,
    func: *mut *const c_char,
    data: *mut *const c_char,
    flags: *mut c_int,
) -> c_ulong {
    // SAFETY: the caller's out-pointers, NULL or writable.
    guard(0, || unsafe {
        entry_with_data(Pick::PeekOldest, file, line, func, data, flags)
    })
}

/// Like `ERR_peek_error_all` for the newest entry.
#[no_mangle]
pub unsafe extern "C" fn ERR_peek_last_error_all(
    file: *mut *const c_char,
    line: *mut c_int,
    func: *mut *const c_char,
    data: *mut *const c_char,
    flags: *mut c_int,
) -> c_ulong {
    // SAFETY: the caller's out-pointers, NULL or writable.
    guard(0, || unsafe {
        entry_with_data(Pick::PeekNewest, file, line, func, data, flags)
    })
}
