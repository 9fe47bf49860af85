//! `SSL_CIPHER`: a pointer into the core's static suite table, never allocated or freed.

use super::guard;
use crate::suites::{SuiteInfo, ALL_SUITES};
use std::collections::HashMap;
use std::ffi::{c_char, c_int, CString};
use std::sync::OnceLock;

/// Opaque to C; points at a `SuiteInfo` in `ALL_SUITES`.
pub struct SSL_CIPHER {
    _private: [u8; 0],
}

pub(crate) fn to_c(info: &'static SuiteInfo) -> *const SSL_CIPHER {
    info as *const SuiteInfo as *const SSL_CIPHER
}

pub(crate) fn from_c_pub(c: *const SSL_CIPHER) -> Option<&'static SuiteInfo> {
    from_c(c)
}

fn from_c(c: *const SSL_CIPHER) -> Option<&'static SuiteInfo> {
    let p = c as *const SuiteInfo;
    // Only pointers into the static table are accepted, so a stray pointer is never read.
    ALL_SUITES.iter().find(|s| std::ptr::eq(*s, p))
}

struct Names {
    openssl: CString,
    standard: CString,
    version: CString,
}

fn names(info: &SuiteInfo) -> &'static Names {
    static TABLE: OnceLock<HashMap<u16, Names>> = OnceLock::new();
    let t = TABLE.get_or_init(|| {
        ALL_SUITES
            .iter()
            .map(|s| {
                let standard = s.suite.name().unwrap_or("UNKNOWN");
                let version = if s.version == crate::msgs::enums::ProtocolVersion::TLSV1_3 {
                    "TLSv1.3"
                } else {
                    "TLSv1.2"
                };
                (
                    s.suite.0,
                    Names {
                        openssl: CString::new(s.openssl_name).unwrap(),
                        standard: CString::new(standard).unwrap(),
                        version: CString::new(version).unwrap(),
                    },
                )
            })
            .collect()
    });
    &t[&info.suite.0]
}

/// OpenSSL's name; "(NONE)" for NULL, as OpenSSL.
#[no_mangle]
pub extern "C" fn SSL_CIPHER_get_name(c: *const SSL_CIPHER) -> *const c_char {
    guard(c"(NONE)".as_ptr(), || match from_c(c) {
        Some(info) => names(info).openssl.as_ptr(),
        None => c"(NONE)".as_ptr(),
    })
}

/// The IANA name ("TLS_AES_128_GCM_SHA256"); NULL for NULL.
#[no_mangle]
pub extern "C" fn SSL_CIPHER_standard_name(c: *const SSL_CIPHER) -> *const c_char {
    guard(std::ptr::null(), || match from_c(c) {
        Some(info) => names(info).standard.as_ptr(),
        None => std::ptr::null(),
    })
}

#[no_mangle]
pub extern "C" fn SSL_CIPHER_get_version(c: *const SSL_CIPHER) -> *const c_char {
    guard(c"(NONE)".as_ptr(), || match from_c(c) {
        Some(info) => names(info).version.as_ptr(),
        None => c"(NONE)".as_ptr(),
    })
}

/// Secret bits of the cipher; `alg_bits` receives the algorithm's bits too.
#[no_mangle]
pub unsafe extern "C" fn SSL_CIPHER_get_bits(c: *const SSL_CIPHER, alg_bits: *mut c_int) -> c_int {
    guard(0, || {
        let bits = from_c(c).map_or(0, |i| i.bits as c_int);
        if !alg_bits.is_null() {
            // SAFETY: checked non-NULL; points to caller storage.
            unsafe { *alg_bits = bits };
        }
        bits
    })
}

/// The two-byte suite codepoint in the low 16 bits, as `SSL_CIPHER_get_protocol_id`.
#[no_mangle]
pub extern "C" fn SSL_CIPHER_get_protocol_id(c: *const SSL_CIPHER) -> u16 {
    guard(0, || from_c(c).map_or(0, |i| i.suite.0))
}
