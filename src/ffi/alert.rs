//! `SSL_alert_*_string*`: OpenSSL's texts for alert levels and descriptions. `value` is
//! `(level << 8) | description`, as the info callback reports it.

use super::guard;
use std::ffi::{c_char, c_int, CStr};

/// (description, short, long). OpenSSL 3.0's strings; 86, 109 and 116, which 3.0 calls
/// "unknown", get names of our own.
const DESCRIPTIONS: &[(u8, &CStr, &CStr)] = &[
    (0, c"CN", c"close notify"),
    (10, c"UM", c"unexpected_message"),
    (20, c"BM", c"bad record mac"),
    (21, c"DC", c"decryption failed"),
    (22, c"RO", c"record overflow"),
    (30, c"DF", c"decompression failure"),
    (40, c"HF", c"handshake failure"),
    (41, c"NC", c"no certificate"),
    (42, c"BC", c"bad certificate"),
    (43, c"UC", c"unsupported certificate"),
    (44, c"CR", c"certificate revoked"),
    (45, c"CE", c"certificate expired"),
    (46, c"CU", c"certificate unknown"),
    (47, c"IP", c"illegal parameter"),
    (48, c"CA", c"unknown CA"),
    (49, c"AD", c"access denied"),
    (50, c"DE", c"decode error"),
    (51, c"CY", c"decrypt error"),
    (60, c"ER", c"export restriction"),
    (70, c"PV", c"protocol version"),
    (71, c"IS", c"insufficient security"),
    (80, c"IE", c"internal error"),
    (86, c"IF", c"inappropriate fallback"),
    (90, c"US", c"user canceled"),
    (100, c"NR", c"no renegotiation"),
    (109, c"ME", c"missing extension"),
    (110, c"UE", c"unsupported extension"),
    (111, c"CO", c"certificate unobtainable"),
    (112, c"UN", c"unrecognized name"),
    (113, c"BR", c"bad certificate status response"),
    (114, c"BH", c"bad certificate hash value"),
    (115, c"UP", c"unknown PSK identity"),
    (116, c"CQ", c"certificate required"),
    (120, c"UK", c"no application protocol"),
];

fn describe(value: c_int) -> Option<&'static (u8, &'static CStr, &'static CStr)> {
    let desc = (value & 0xff) as u8;
    DESCRIPTIONS.iter().find(|(d, _, _)| *d == desc)
}

#[no_mangle]
pub extern "C" fn SSL_alert_type_string_long(value: c_int) -> *const c_char {
    guard(c"unknown".as_ptr(), || match value >> 8 {
        1 => c"warning".as_ptr(),
        2 => c"fatal".as_ptr(),
        _ => c"unknown".as_ptr(),
    })
}

#[no_mangle]
pub extern "C" fn SSL_alert_type_string(value: c_int) -> *const c_char {
    guard(c"U".as_ptr(), || match value >> 8 {
        1 => c"W".as_ptr(),
        2 => c"F".as_ptr(),
        _ => c"U".as_ptr(),
    })
}

#[no_mangle]
pub extern "C" fn SSL_alert_desc_string_long(value: c_int) -> *const c_char {
    guard(c"unknown".as_ptr(), || {
        describe(value).map_or(c"unknown".as_ptr(), |d| d.2.as_ptr())
    })
}

#[no_mangle]
pub extern "C" fn SSL_alert_desc_string(value: c_int) -> *const c_char {
    guard(c"UK".as_ptr(), || {
        describe(value).map_or(c"UK".as_ptr(), |d| d.1.as_ptr())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(p: *const c_char) -> String {
        // SAFETY: the functions return static NUL-terminated strings.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }

    #[test]
    fn every_alert_code_has_openssl_strings() {
        assert_eq!(s(SSL_alert_desc_string_long(40)), "handshake failure");
        assert_eq!(s(SSL_alert_desc_string_long(2 << 8 | 48)), "unknown CA");
        assert_eq!(s(SSL_alert_desc_string(10)), "UM");
        assert_eq!(s(SSL_alert_desc_string(255)), "UK");
        assert_eq!(s(SSL_alert_desc_string_long(255)), "unknown");
        assert_eq!(s(SSL_alert_type_string_long(1 << 8)), "warning");
        assert_eq!(s(SSL_alert_type_string(2 << 8)), "F");
        for (code, _, long) in DESCRIPTIONS {
            let name = crate::msgs::enums::AlertDescription(*code).name();
            assert!(
                name.is_some(),
                "alert {code} ({long:?}) has no protocol name"
            );
        }
    }
}
