//! Keying-material exporters (`SSL_export_keying_material`, RFC 5705 for TLS 1.2 and RFC 8446
//! 7.5 for TLS 1.3) and the TLS 1.3 early exporter, which needs 0-RTT data that libtls neither
//! sends nor accepts, so it always fails as OpenSSL's does without early data.

use super::err;
use super::null_arg;
use super::ssl::SSL;
use super::with_ref;
use crate::error::{Error, Reason};
use std::ffi::{c_char, c_int, c_uchar};

/// Borrows `len` bytes at `p`; NULL is allowed for an empty range.
///
/// # Safety
/// `p` is NULL or points to `len` readable bytes that outlive the call.
unsafe fn bytes<'a>(p: *const c_uchar, len: usize) -> Option<&'a [u8]> {
    if len == 0 {
        return Some(&[]);
    }
    if p.is_null() {
        return None;
    }
    // SAFETY: the caller's promise above.
    Some(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Writes `olen` bytes of keying material for `label` (and `context` if `use_context` is not
/// 0) to `out`. 1 on success; -1 before a handshake completed, 0 on other failures (a label
/// TLS 1.2 reserves, a TLS 1.3 label over 249 bytes, a length the hash cannot give), each
/// with an error on the queue. TLS 1.2 tells no context from an empty one; TLS 1.3 does not.
///
/// # Safety
/// `out` has `olen` writable bytes; `label` `llen` readable ones; `context`, when used,
/// `contextlen` readable ones.
#[no_mangle]
pub unsafe extern "C" fn SSL_export_keying_material(
    s: *mut SSL,
    out: *mut c_uchar,
    olen: usize,
    label: *const c_char,
    llen: usize,
    context: *const c_uchar,
    contextlen: usize,
    use_context: c_int,
) -> c_int {
    with_ref(s, -1, |ssl| {
        if out.is_null() && olen > 0 {
            return null_arg("SSL_export_keying_material: out", 0);
        }
        // SAFETY: the caller provides `llen` bytes at `label`.
        let Some(label) = (unsafe { bytes(label.cast(), llen) }) else {
            return null_arg("SSL_export_keying_material: label", 0);
        };
        let context = if use_context != 0 {
            // SAFETY: the caller provides `contextlen` bytes at `context`.
            match unsafe { bytes(context, contextlen) } {
                Some(c) => Some(c),
                None => return null_arg("SSL_export_keying_material: context", 0),
            }
        } else {
            None
        };
        let Some(conn) = ssl.conn.as_ref().filter(|c| !c.is_handshaking()) else {
            err::push(&Error::local(
                Reason::UNINITIALIZED,
                "SSL_export_keying_material: no handshake has completed on this SSL yet",
            ));
            return -1;
        };
        match conn.export_keying_material(label, context, olen) {
            Ok(material) => {
                if olen > 0 {
                    // SAFETY: `out` has `olen` writable bytes (checked non-NULL above).
                    let dst = unsafe { std::slice::from_raw_parts_mut(out, olen) };
                    dst.copy_from_slice(&material);
                }
                1
            }
            Err(e) => {
                err::push(&e);
                0
            }
        }
    })
}

/// The TLS 1.3 early exporter (RFC 8446 7.5, early_exporter_master_secret). OpenSSL has it
/// only while 0-RTT data is sent (client) or accepted (server); libtls does neither, so this
/// always returns 0 with an error on the queue.
///
/// # Safety
/// As [`SSL_export_keying_material`].
#[no_mangle]
pub unsafe extern "C" fn SSL_export_keying_material_early(
    s: *mut SSL,
    _out: *mut c_uchar,
    _olen: usize,
    _label: *const c_char,
    _llen: usize,
    _context: *const c_uchar,
    _contextlen: usize,
) -> c_int {
    with_ref(s, 0, |_| {
        err::push(&Error::local(
            Reason::UNINITIALIZED,
            "SSL_export_keying_material_early: no early exporter secret, which needs 0-RTT \
             data (libtls neither sends nor accepts early data)",
        ));
        0
    })
}
