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
    /// `ERR_set_mark` marks set on this entry (the newest at the time).
    marks: u32,
}

thread_local! {
    static QUEUE: RefCell<VecDeque<Entry>> = const { RefCell::new(VecDeque::new()) };
    /// Marks set while the queue was empty: popping to one of them empties the queue.
    static BOTTOM_MARKS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
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
        q.push_back(Entry {
            code,
            data,
            marks: 0,
        });
    });
}

/// Pushes an OS error (`ERR_LIB_SYS` with errno as the reason).
pub fn push_errno(errno: i32, what: &str) {
    let text = std::io::Error::from_raw_os_error(errno).to_string();
    push_code(pack(ERR_LIB_SYS, errno as u32), &format!("{what}: {text}"));
}

pub fn clear() {
    QUEUE.with(|q| q.borrow_mut().clear());
    BOTTOM_MARKS.with(|m| m.set(0));
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

/// Which entry an `ERR_*_line_data` call reports, and whether it removes it.
#[derive(Clone, Copy)]
enum Pick {
    GetOldest,
    PeekOldest,
    PeekNewest,
}

/// Reports one entry through OpenSSL's out-parameters (each may be NULL). `data` receives the
/// plain-words detail, which stays valid until the next such call on this thread.
unsafe fn entry_with_data(
    pick: Pick,
    file: *mut *const c_char,
    line: *mut c_int,
    func: *mut *const c_char,
    data: *mut *const c_char,
    flags: *mut c_int,
) -> c_ulong {
    thread_local! {
        static LAST_DATA: RefCell<CString> = RefCell::new(CString::default());
    }
    let found = QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        match pick {
            Pick::GetOldest => q.pop_front().map(|e| (e.code, e.data)),
            Pick::PeekOldest => q.front().map(|e| (e.code, e.data.clone())),
            Pick::PeekNewest => q.back().map(|e| (e.code, e.data.clone())),
        }
    });
    let Some((code, text)) = found else {
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
        if !func.is_null() {
            *func = c"".as_ptr();
        }
        if !flags.is_null() {
            // ERR_TXT_STRING: data is a string.
            *flags = 0x02;
        }
    }
    LAST_DATA.with(|d| {
        *d.borrow_mut() = text;
        if !data.is_null() {
            // SAFETY: checked non-NULL; the string lives in the thread slot until the next
            // call of these functions on this thread.
            unsafe { *data = d.borrow().as_ptr() };
        }
    });
    code
}

/// Pops the oldest entry with its detail (`data`), as OpenSSL 1.1's function.
#[no_mangle]
pub unsafe extern "C" fn ERR_get_error_line_data(
    file: *mut *const c_char,
    line: *mut c_int,
    data: *mut *const c_char,
    flags: *mut c_int,
) -> c_ulong {
    // SAFETY: the caller's out-pointers, NULL or writable.
    guard(0, || unsafe {
        entry_with_data(
            Pick::GetOldest,
            file,
            line,
            std::ptr::null_mut(),
            data,
            flags,
        )
    })
}

/// OpenSSL 3's form: also the function name (always empty here).
#[no_mangle]
pub unsafe extern "C" fn ERR_get_error_all(
    file: *mut *const c_char,
    line: *mut c_int,
    func: *mut *const c_char,
    data: *mut *const c_char,
    flags: *mut c_int,
) -> c_ulong {
    // SAFETY: the caller's out-pointers, NULL or writable.
    guard(0, || unsafe {
        entry_with_data(Pick::GetOldest, file, line, func, data, flags)
    })
}

#[no_mangle]
pub unsafe extern "C" fn ERR_get_error_line(file: *mut *const c_char, line: *mut c_int) -> c_ulong {
    // SAFETY: the caller's out-pointers, NULL or writable.
    guard(0, || unsafe {
        entry_with_data(
            Pick::GetOldest,
            file,
            line,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    })
}

/// Like `ERR_get_error_line_data` without removing the entry.
#[no_mangle]
pub unsafe extern "C" fn ERR_peek_error_line_data(
    file: *mut *const c_char,
    line: *mut c_int,
    data: *mut *const c_char,
    flags: *mut c_int,
) -> c_ulong {
    // SAFETY: the caller's out-pointers, NULL or writable.
    guard(0, || unsafe {
        entry_with_data(
            Pick::PeekOldest,
            file,
            line,
            std::ptr::null_mut(),
            data,
            flags,
        )
    })
}

/// The newest entry with its detail, not removed.
#[no_mangle]
pub unsafe extern "C" fn ERR_peek_last_error_line_data(
    file: *mut *const c_char,
    line: *mut c_int,
    data: *mut *const c_char,
    flags: *mut c_int,
) -> c_ulong {
    // SAFETY: the caller's out-pointers, NULL or writable.
    guard(0, || unsafe {
        entry_with_data(
            Pick::PeekNewest,
            file,
            line,
            std::ptr::null_mut(),
            data,
            flags,
        )
    })
}

/// Marks the current end of the queue, so `ERR_pop_to_mark` can drop what comes after.
#[no_mangle]
pub extern "C" fn ERR_set_mark() -> c_int {
    guard(0, || {
        QUEUE.with(|q| match q.borrow_mut().back_mut() {
            Some(e) => e.marks += 1,
            None => BOTTOM_MARKS.with(|m| m.set(m.get() + 1)),
        });
        1
    })
}

/// Removes the entries added since the last mark, and the mark; 0 (with the queue emptied)
/// when there is no mark.
#[no_mangle]
pub extern "C" fn ERR_pop_to_mark() -> c_int {
    guard(0, || {
        QUEUE.with(|q| {
            let mut q = q.borrow_mut();
            while let Some(e) = q.back_mut() {
                if e.marks > 0 {
                    e.marks -= 1;
                    return 1;
                }
                q.pop_back();
            }
            BOTTOM_MARKS.with(|m| match m.get() {
                0 => 0,
                n => {
                    m.set(n - 1);
                    1
                }
            })
        })
    })
}

/// Removes the last mark without touching the entries; 0 when there is none.
#[no_mangle]
pub extern "C" fn ERR_clear_last_mark() -> c_int {
    guard(0, || {
        QUEUE.with(|q| {
            let mut q = q.borrow_mut();
            if let Some(e) = q.iter_mut().rev().find(|e| e.marks > 0) {
                e.marks -= 1;
                return 1;
            }
            BOTTOM_MARKS.with(|m| match m.get() {
                0 => 0,
                n => {
                    m.set(n - 1);
                    1
                }
            })
        })
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
    fn marks_drop_only_newer_entries() {
        clear();
        assert_eq!(ERR_set_mark(), 1);
        push_code(pack(ERR_LIB_SSL, 101), "kept?");
        assert_eq!(ERR_set_mark(), 1);
        push_code(pack(ERR_LIB_SSL, 102), "dropped");
        push_code(pack(ERR_LIB_SSL, 103), "dropped");
        assert_eq!(ERR_pop_to_mark(), 1);
        assert_eq!(reason_of(ERR_peek_last_error()), 101);
        assert_eq!(ERR_pop_to_mark(), 1);
        assert_eq!(ERR_peek_error(), 0);
        assert_eq!(ERR_pop_to_mark(), 0);
        push_code(pack(ERR_LIB_SSL, 104), "x");
        assert_eq!(ERR_set_mark(), 1);
        assert_eq!(ERR_clear_last_mark(), 1);
        assert_eq!(ERR_pop_to_mark(), 0);
        assert_eq!(ERR_peek_error(), 0);
    }

    #[test]
    fn line_data_reports_the_detail() {
        clear();
        push_code(pack(ERR_LIB_SSL, 258), "no common protocol version");
        let mut data: *const c_char = std::ptr::null();
        let mut flags = 0;
        // SAFETY: valid out-pointers.
        let code = unsafe {
            ERR_peek_last_error_line_data(
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut data,
                &mut flags,
            )
        };
        assert_eq!(code, pack(ERR_LIB_SSL, 258));
        // SAFETY: set by the call above.
        assert_eq!(
            unsafe { CStr::from_ptr(data) }.to_str().unwrap(),
            "no common protocol version"
        );
        let mut func: *const c_char = std::ptr::null();
        // SAFETY: valid out-pointers.
        let code = unsafe {
            ERR_get_error_all(
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut func,
                &mut data,
                std::ptr::null_mut(),
            )
        };
        assert_eq!(code, pack(ERR_LIB_SSL, 258));
        assert_eq!(ERR_get_error(), 0);
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
