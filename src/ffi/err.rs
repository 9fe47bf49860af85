//! The per-thread error queue (`ERR_*`), packed as OpenSSL 3 packs codes: library in bits
//! 23..30, reason in bits 0..22, so `ERR_GET_LIB` / `ERR_GET_REASON` work unchanged.

use super::{copy_to_c_buf, guard};
use crate::error::{Error, Reason};
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::ffi::{c_char, c_int, c_ulong, CStr, CString};
use std::sync::OnceLock;

pub const ERR_LIB_SYS: c_int = 2;
pub const ERR_LIB_X509: c_int = 11;
pub const ERR_LIB_SSL: c_int = 20;

/// OpenSSL keeps at most 16 entries per thread; older ones are dropped.
const QUEUE_LIMIT: usize = 16;

struct Entry {
    code: c_ulong,
    data: CString,
}

thread_local! {
    static QUEUE: RefCell<VecDeque<Entry>> = const { RefCell::new(VecDeque::new()) };
}

pub(crate) fn pack(lib: c_int, reason: u32) -> c_ulong {
    (((lib as c_ulong) & 0xff) << 23) | (reason as c_ulong & 0x7f_ffff)
}

fn lib_of(code: c_ulong) -> c_int {
    ((code >> 23) & 0xff) as c_int
}

fn reason_of(code: c_ulong) -> u32 {
    (code & 0x7f_ffff) as u32
}

/// Pushes a core error (SSL library) with its plain-words detail as the entry's data.
pub fn push(e: &Error) {
    push_code(pack(ERR_LIB_SSL, e.reason.0), &e.detail);
}

pub fn push_code(code: c_ulong, data: &str) {
    let data = CString::new(data.replace('\0', " ")).unwrap_or_default();
    QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        if q.len() == QUEUE_LIMIT {
            q.pop_front();
        }
        q.push_back(Entry { code, data });
    });
}

/// Pushes an OS error (`ERR_LIB_SYS` with errno as the reason).
pub fn push_errno(errno: i32, what: &str) {
    let text = std::io::Error::from_raw_os_error(errno).to_string();
    push_code(pack(ERR_LIB_SYS, errno as u32), &format!("{what}: {text}"));
}

pub fn clear() {
    QUEUE.with(|q| q.borrow_mut().clear());
}

pub fn has_errors() -> bool {
    QUEUE.with(|q| !q.borrow().is_empty())
}

/// Static C strings for reason texts, built once.
fn reason_cstr(code: c_ulong) -> *const c_char {
    static TABLE: OnceLock<HashMap<(c_int, u32), CString>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut m = HashMap::new();
        for (_, r) in Reason::ALL {
            m.insert((ERR_LIB_SSL, r.0), CString::new(r.text()).unwrap());
        }
        for d in 0..=255u8 {
            let r = Reason::alert_received(crate::msgs::enums::AlertDescription(d));
            if r.text() != "unknown alert" {
                m.insert((ERR_LIB_SSL, r.0), CString::new(r.text()).unwrap());
            }
        }
        m
    });
    match table.get(&(lib_of(code), reason_of(code))) {
        Some(s) => s.as_ptr(),
        None => std::ptr::null(),
    }
}

fn lib_cstr(lib: c_int) -> &'static CStr {
    match lib {
        ERR_LIB_SSL => c"SSL routines",
        ERR_LIB_SYS => c"system library",
        ERR_LIB_X509 => c"X509 certificate routines",
        _ => c"unknown library",
    }
}

/// OpenSSL 3's layout: `error:0A000086:SSL routines::certificate verify failed`.
fn format_code(code: c_ulong) -> String {
    let lib = lib_of(code);
    let reason = if lib == ERR_LIB_SYS {
        std::io::Error::from_raw_os_error(reason_of(code) as i32).to_string()
    } else {
        let p = reason_cstr(code);
        if p.is_null() {
            format!("reason({})", reason_of(code))
        } else {
            // SAFETY: reason_cstr returns a pointer into a static table.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
    };
    format!(
        "error:{:08X}:{}::{}",
        code,
        lib_cstr(lib).to_string_lossy(),
        reason
    )
}

#[no_mangle]
pub extern "C" fn ERR_get_error() -> c_ulong {
    guard(0, || {
        QUEUE.with(|q| q.borrow_mut().pop_front().map(|e| e.code).unwrap_or(0))
    })
}

#[no_mangle]
pub extern "C" fn ERR_peek_error() -> c_ulong {
    guard(0, || {
        QUEUE.with(|q| q.borrow().front().map(|e| e.code).unwrap_or(0))
    })
}

#[no_mangle]
pub extern "C" fn ERR_peek_last_error() -> c_ulong {
    guard(0, || {
        QUEUE.with(|q| q.borrow().back().map(|e| e.code).unwrap_or(0))
    })
}

/// Pops the oldest entry; `data` receives its plain-words detail, valid until the next call on
/// this thread that changes the queue... kept alive in a per-thread slot.
#[no_mangle]
pub unsafe extern "C" fn ERR_get_error_line_data(
    file: *mut *const c_char,
    line: *mut c_int,
    data: *mut *const c_char,
    flags: *mut c_int,
) -> c_ulong {
    thread_local! {
        static LAST_DATA: RefCell<CString> = RefCell::new(CString::default());
    }
    guard(0, || {
        let Some(entry) = QUEUE.with(|q| q.borrow_mut().pop_front()) else {
            return 0;
        };
        // SAFETY: each out-pointer is checked for NULL and points to caller storage.
        unsafe {
            if !file.is_null() {
                *file = c"libtls".as_ptr();
            }
            if !line.is_null() {
                *line = 0;
            }
            if !flags.is_null() {
                // ERR_TXT_STRING: data is a string.
                *flags = 0x02;
            }
        }
        let code = entry.code;
        LAST_DATA.with(|d| {
            *d.borrow_mut() = entry.data;
            if !data.is_null() {
                // SAFETY: checked non-NULL; the string lives in the thread slot until the
                // next call of this function on this thread.
                unsafe { *data = d.borrow().as_ptr() };
            }
        });
        code
    })
}

#[no_mangle]
pub extern "C" fn ERR_clear_error() {
    guard((), clear)
}

#[no_mangle]
pub unsafe extern "C" fn ERR_error_string_n(e: c_ulong, buf: *mut c_char, len: usize) {
    guard((), || {
        // SAFETY: the caller provides `len` writable bytes at `buf` (NULL is ignored).
        unsafe { copy_to_c_buf(&format_code(e), buf, len) }
    })
}

/// With a NULL `buf`, the string lives in a static buffer (not thread-safe, as in OpenSSL).
#[no_mangle]
pub unsafe extern "C" fn ERR_error_string(e: c_ulong, buf: *mut c_char) -> *mut c_char {
    thread_local! {
        static BUF: RefCell<[c_char; 256]> = const { RefCell::new([0; 256]) };
    }
    guard(std::ptr::null_mut(), || {
        let s = format_code(e);
        if buf.is_null() {
            BUF.with(|b| {
                let mut b = b.borrow_mut();
                // SAFETY: the thread-local buffer has 256 bytes.
                unsafe { copy_to_c_buf(&s, b.as_mut_ptr(), 256) };
                b.as_mut_ptr()
            })
        } else {
            // SAFETY: OpenSSL documents that `buf` must be at least 256 bytes.
            unsafe { copy_to_c_buf(&s, buf, 256) };
            buf
        }
    })
}

#[no_mangle]
pub extern "C" fn ERR_reason_error_string(e: c_ulong) -> *const c_char {
    guard(std::ptr::null(), || reason_cstr(e))
}

#[no_mangle]
pub extern "C" fn ERR_lib_error_string(e: c_ulong) -> *const c_char {
    guard(std::ptr::null(), || lib_cstr(lib_of(e)).as_ptr())
}

/// Prints and clears the queue, one line per entry with its detail, like OpenSSL.
#[no_mangle]
pub unsafe extern "C" fn ERR_print_errors_fp(fp: *mut libc::FILE) {
    guard((), || {
        if fp.is_null() {
            return;
        }
        let entries: Vec<Entry> = QUEUE.with(|q| q.borrow_mut().drain(..).collect());
        let tid = std::thread::current().id();
        for e in entries {
            let line = format!(
                "{:?}:{}:libtls:0:{}\n",
                tid,
                format_code(e.code),
                e.data.to_string_lossy()
            );
            let c = CString::new(line).unwrap_or_default();
            // SAFETY: fp is a non-NULL FILE* supplied by the caller; c is NUL-terminated.
            unsafe { libc::fputs(c.as_ptr(), fp) };
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_pack_like_openssl() {
        // SSL_R_CERTIFICATE_VERIFY_FAILED in OpenSSL 3 prints as 0A000086.
        assert_eq!(pack(ERR_LIB_SSL, 134), 0x0A00_0086);
        assert_eq!(
            format_code(0x0A00_0086),
            "error:0A000086:SSL routines::certificate verify failed"
        );
    }

    #[test]
    fn queue_is_fifo_and_bounded() {
        clear();
        for i in 0..20u32 {
            push_code(pack(ERR_LIB_SSL, 100 + i), "x");
        }
        assert_eq!(reason_of(ERR_peek_error()), 104);
        assert_eq!(reason_of(ERR_peek_last_error()), 119);
        assert_eq!(reason_of(ERR_get_error()), 104);
        clear();
        assert_eq!(ERR_get_error(), 0);
    }
}
