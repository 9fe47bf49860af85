//! The library's version, for the header's `LIBTLS_VERSION_*` macros (written by
//! `tools/gen-header`) and for the runtime query, so a program can check that the library it
//! loaded is the one it was compiled against. Everything derives from Cargo.toml's version.

use super::guard;
use std::ffi::{c_char, c_ulong, CStr};

const fn parse_component(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut value = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        assert!(
            bytes[i].is_ascii_digit(),
            "version component is not a number"
        );
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    // One byte per component in the packed number.
    assert!(value <= 0xff, "version component does not fit in a byte");
    value
}

/// cbindgen:ignore
pub const VERSION_MAJOR: u32 = parse_component(env!("CARGO_PKG_VERSION_MAJOR"));
/// cbindgen:ignore
pub const VERSION_MINOR: u32 = parse_component(env!("CARGO_PKG_VERSION_MINOR"));
/// cbindgen:ignore
pub const VERSION_PATCH: u32 = parse_component(env!("CARGO_PKG_VERSION_PATCH"));

/// `0xMMmmpp00`: major, minor and patch one byte each, so versions compare as numbers. The low
/// byte is reserved (zero).
///
/// cbindgen:ignore
pub const VERSION_NUMBER: u32 =
    (VERSION_MAJOR << 24) | (VERSION_MINOR << 16) | (VERSION_PATCH << 8);

/// cbindgen:ignore
pub const VERSION_TEXT: &CStr = {
    match CStr::from_bytes_with_nul(concat!("libtls ", env!("CARGO_PKG_VERSION"), "\0").as_bytes())
    {
        Ok(text) => text,
        Err(_) => panic!("the package version contains a NUL byte"),
    }
};

/// The library's version text, "libtls MAJOR.MINOR.PATCH"; equal to `LIBTLS_VERSION_TEXT`
/// of the header it was built with. The string is static: do not free it.
#[no_mangle]
pub extern "C" fn libtls_version() -> *const c_char {
    guard(VERSION_TEXT.as_ptr(), || VERSION_TEXT.as_ptr())
}

/// The library's version as a number, laid out as `LIBTLS_VERSION_NUMBER`; a program compares
/// it with the macro to detect a library older than the header it was compiled against.
#[no_mangle]
pub extern "C" fn libtls_version_num() -> c_ulong {
    guard(VERSION_NUMBER as c_ulong, || VERSION_NUMBER as c_ulong)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_and_text_agree_with_the_package_version() {
        let text = VERSION_TEXT.to_str().unwrap();
        assert_eq!(text, format!("libtls {}", env!("CARGO_PKG_VERSION")));
        let packed = format!(
            "{}.{}.{}",
            (VERSION_NUMBER >> 24) & 0xff,
            (VERSION_NUMBER >> 16) & 0xff,
            (VERSION_NUMBER >> 8) & 0xff
        );
        assert_eq!(packed, env!("CARGO_PKG_VERSION"));
        assert_eq!(VERSION_NUMBER & 0xff, 0);
    }

    #[test]
    fn runtime_query_returns_the_constants() {
        // SAFETY: libtls_version returns a static NUL-terminated string.
        let text = unsafe { CStr::from_ptr(libtls_version()) };
        assert_eq!(text, VERSION_TEXT);
        assert_eq!(libtls_version_num(), VERSION_NUMBER as c_ulong);
    }

    #[test]
    fn components_parse_as_decimal() {
        assert_eq!(parse_component("0"), 0);
        assert_eq!(parse_component("17"), 17);
        assert_eq!(parse_component("255"), 255);
    }
}
