//! OpenSSL 1.1.0's initialisation settings (`OPENSSL_INIT_new` and its setters), which aws-lc
//! declares as a type only. Neither aws-lc nor libtls reads a configuration file (aws-lc's
//! `OPENSSL_INIT_LOAD_CONFIG` is 0): the settings are kept and freed, and change nothing.

use super::guard;
use std::ffi::{c_char, c_int, c_ulong, CStr, CString};

/// What a program asked `OPENSSL_init_crypto` to load (kept, not used).
pub struct OPENSSL_INIT_SETTINGS {
    filename: Option<CString>,
    appname: Option<CString>,
    flags: c_ulong,
}

/// New, empty settings (free with `OPENSSL_INIT_free`).
#[no_mangle]
pub extern "C" fn OPENSSL_INIT_new() -> *mut OPENSSL_INIT_SETTINGS {
    guard(std::ptr::null_mut(), || {
        Box::into_raw(Box::new(OPENSSL_INIT_SETTINGS {
            filename: None,
            appname: None,
            flags: 0,
        }))
    })
}

/// Frees settings from `OPENSSL_INIT_new`; NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn OPENSSL_INIT_free(settings: *mut OPENSSL_INIT_SETTINGS) {
    guard((), || {
        if !settings.is_null() {
            // SAFETY: from OPENSSL_INIT_new, freed once.
            drop(unsafe { Box::from_raw(settings) });
        }
    })
}

unsafe fn set_string(
    settings: *mut OPENSSL_INIT_SETTINGS,
    value: *const c_char,
    field: fn(&mut OPENSSL_INIT_SETTINGS) -> &mut Option<CString>,
) -> c_int {
    guard(0, || {
        if settings.is_null() {
            return super::null_arg("OPENSSL_INIT_SETTINGS", 0);
        }
        // SAFETY: a live settings object; `value` is NULL or a NUL-terminated string.
        let s = unsafe { &mut *settings };
        *field(s) = (!value.is_null()).then(|| unsafe { CStr::from_ptr(value) }.to_owned());
        1
    })
}

/// Records the configuration file's name; returns 1. libtls reads no configuration file.
#[no_mangle]
pub unsafe extern "C" fn OPENSSL_INIT_set_config_filename(
    settings: *mut OPENSSL_INIT_SETTINGS,
    filename: *const c_char,
) -> c_int {
    // SAFETY: checked by set_string.
    unsafe { set_string(settings, filename, |s| &mut s.filename) }
}

/// Records the application name (the configuration section); returns 1. Not used.
#[no_mangle]
pub unsafe extern "C" fn OPENSSL_INIT_set_config_appname(
    settings: *mut OPENSSL_INIT_SETTINGS,
    appname: *const c_char,
) -> c_int {
    // SAFETY: checked by set_string.
    unsafe { set_string(settings, appname, |s| &mut s.appname) }
}

/// Records the configuration flags (`CONF_MFLAGS_*`); no effect.
#[no_mangle]
pub unsafe extern "C" fn OPENSSL_INIT_set_config_file_flags(
    settings: *mut OPENSSL_INIT_SETTINGS,
    flags: c_ulong,
) {
    guard((), || {
        if !settings.is_null() {
            // SAFETY: a live settings object.
            unsafe { (*settings).flags = flags };
        }
    })
}
