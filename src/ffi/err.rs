//! The per-thread error queue (`ERR_*`), packed as OpenSSL 3 packs codes: library in bits
//! 23..30, reason in bits 0..22, so `ERR_GET_LIB` / `ERR_GET_REASON` work unchanged.
//!
//! One queue for both halves of the library: aws-lc's libcrypto functions (exported by
//! libtls.so) queue their errors on aws-lc's own per-thread queue, packed its way (library in
//! bits 24..31 with BoringSSL's library numbers). Every access to this queue first moves
//! aws-lc's entries over, renumbering the library as OpenSSL 3 numbers it and keeping aws-lc's
//! reason (which the `*_R_*` macros of aws-lc's headers name); their texts come from aws-lc.

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
    push_entry(code, data);
}

/// After this thread's queue has been destroyed (a call from an `atexit` handler or a
/// thread-specific-data destructor, which run after thread-local destructors), the error is
/// dropped: nothing can read that queue any more, and a panic here would abort the program.
fn push_entry(code: c_ulong, data: CString) {
    let _ = QUEUE.try_with(|q| {
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
    // SAFETY: aws-lc's per-thread queue.
    unsafe { aws_lc_sys::ERR_clear_error() };
    let _ = QUEUE.try_with(|q| q.borrow_mut().clear());
    BOTTOM_MARKS.with(|m| m.set(0));
}

pub fn has_errors() -> bool {
    queue(|q| !q.borrow().is_empty())
}

/// The queue, after aws-lc's entries have joined it.
fn queue<R>(f: impl FnOnce(&RefCell<VecDeque<Entry>>) -> R) -> R {
    if DEPTH.with(|d| d.get()) <= 1 {
        absorb_awslc();
    }
    let mut f = Some(f);
    if let Ok(r) = QUEUE.try_with(|q| (f.take().expect("called once"))(q)) {
        return r;
    }
    // The queue is gone (see push_entry): it reads as empty.
    (f.take().expect("not called yet"))(&RefCell::new(VecDeque::new()))
}

/// aws-lc's library numbers (BoringSSL's) and OpenSSL 3's, for the libraries both have.
const LIBS: &[(u32, c_int)] = &[
    (1, 1),    // NONE
    (2, 2),    // SYS
    (3, 3),    // BN
    (4, 4),    // RSA
    (5, 5),    // DH
    (6, 6),    // EVP
    (7, 7),    // BUF
    (8, 8),    // OBJ
    (9, 9),    // PEM
    (10, 10),  // DSA
    (11, 11),  // X509
    (12, 13),  // ASN1
    (13, 14),  // CONF
    (14, 15),  // CRYPTO
    (15, 16),  // EC
    (16, 20),  // SSL
    (17, 32),  // BIO
    (18, 33),  // PKCS7
    (20, 34),  // X509V3
    (35, 35),  // PKCS12
    (21, 36),  // RAND
    (36, 37),  // DSO
    (22, 38),  // ENGINE
    (23, 39),  // OCSP
    (24, 40),  // UI
    (25, 41),  // COMP
    (26, 42),  // ECDSA
    (27, 43),  // ECDH
    (37, 44),  // OSSL_STORE
    (38, 45),  // FIPS
    (39, 46),  // CMS
    (40, 47),  // TS
    (28, 48),  // HMAC
    (41, 50),  // CT
    (42, 51),  // ASYNC
    (43, 52),  // KDF
    (44, 53),  // SM2
    (33, 128), // USER
];

/// aws-lc libraries OpenSSL 3 has no number for, and the OpenSSL library they join.
const FOLDED_LIBS: &[(u32, c_int)] = &[
    (19, 35),  // PKCS8 -> PKCS12
    (29, 6),   // DIGEST -> EVP
    (30, 6),   // CIPHER -> EVP
    (31, 52),  // HKDF -> KDF
    (32, 128), // TRUST_TOKEN -> USER
];

fn openssl_lib(awslc_lib: u32) -> c_int {
    LIBS.iter()
        .chain(FOLDED_LIBS)
        .find(|(a, _)| *a == awslc_lib)
        .map_or(ERR_LIB_CRYPTO_FALLBACK, |(_, o)| *o)
}

/// Where an aws-lc library without a counterpart lands: OpenSSL's CRYPTO library.
const ERR_LIB_CRYPTO_FALLBACK: c_int = 15;

/// aws-lc's packed code for one of our codes from aws-lc, for its texts.
fn awslc_code(code: c_ulong) -> Option<u32> {
    let lib = lib_of(code);
    let (awslc_lib, _) = LIBS.iter().find(|(_, o)| *o == lib)?;
    Some((awslc_lib << 24) | (reason_of(code) & 0xfff))
}

/// Runs one call of libtls's C API between aws-lc's queue and ours: errors the application's
/// own aws-lc calls left join our queue first; what aws-lc queues during the call, from
/// libtls's internal use of it (aws-lc-rs trying one key encoding after another, ...), is
/// dropped at the end. libtls reports its own failures on our queue.
///
/// Only the outermost call does this: a call the application makes from inside one of
/// libtls's callbacks (an info or verify callback, during a handshake) would otherwise take in
/// what the handshake has left on aws-lc's queue so far.
pub(crate) fn awslc_boundary<T>(f: impl FnOnce() -> T) -> T {
    struct Depth;
    impl Drop for Depth {
        fn drop(&mut self) {
            let outermost = DEPTH.with(|d| {
                d.set(d.get() - 1);
                d.get() == 0
            });
            if outermost {
                // SAFETY: aws-lc's per-thread queue.
                unsafe { aws_lc_sys::ERR_clear_error() };
            }
        }
    }
    let outermost = DEPTH.with(|d| {
        d.set(d.get() + 1);
        d.get() == 1
    });
    let _depth = Depth;
    if outermost {
        absorb_awslc();
    }
    f()
}

thread_local! {
    /// How many calls of libtls's C API are running on this thread (callbacks nest them).
    static DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Moves aws-lc's queued errors (oldest first) to the end of this queue.
pub(crate) fn absorb_awslc() {
    loop {
        let mut file: *const c_char = std::ptr::null();
        let mut line: c_int = 0;
        let mut data: *const c_char = std::ptr::null();
        let mut flags: c_int = 0;
        // SAFETY: aws-lc's per-thread queue; the out-parameters are writable. The strings it
        // returns stay valid until the entry is freed, and are copied at once.
        let code = unsafe {
            aws_lc_sys::ERR_get_error_line_data(&mut file, &mut line, &mut data, &mut flags)
        };
        if code == 0 {
            return;
        }
        let lib = openssl_lib(code >> 24);
        let text = if data.is_null() || flags & 2 == 0 {
            CString::default()
        } else {
            // SAFETY: a NUL-terminated string aws-lc keeps for the entry (ERR_FLAG_STRING).
            unsafe { CStr::from_ptr(data) }.to_owned()
        };
        push_entry(pack(lib, code & 0xfff), text);
    }
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
        None => match awslc_code(code) {
            // SAFETY: aws-lc returns a static string or NULL.
            Some(c) if lib_of(code) != ERR_LIB_SSL => unsafe {
                aws_lc_sys::ERR_reason_error_string(c)
            },
            _ => std::ptr::null(),
        },
    }
}

fn lib_cstr(lib: c_int) -> &'static CStr {
    match lib {
        ERR_LIB_SSL => c"SSL routines",
        ERR_LIB_SYS => c"system library",
        ERR_LIB_X509 => c"X509 certificate routines",
        // SAFETY: aws-lc returns a static string or NULL.
        _ => match awslc_code(pack(lib, 0)).map(|c| unsafe { aws_lc_sys::ERR_lib_error_string(c) })
        {
            // SAFETY: non-NULL static NUL-terminated string from aws-lc.
            Some(p) if !p.is_null() => unsafe { CStr::from_ptr(p) },
            _ => c"unknown library",
        },
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
        queue(|q| q.borrow_mut().pop_front().map(|e| e.code).unwrap_or(0))
    })
}

#[no_mangle]
pub extern "C" fn ERR_peek_error() -> c_ulong {
    guard(0, || {
        queue(|q| q.borrow().front().map(|e| e.code).unwrap_or(0))
    })
}

#[no_mangle]
pub extern "C" fn ERR_peek_last_error() -> c_ulong {
    guard(0, || {
        queue(|q| q.borrow().back().map(|e| e.code).unwrap_or(0))
    })
}

/// Which entry an `ERR_*_line_data` call reports, and whether it removes it.
#[derive(Clone, Copy)]
pub(crate) enum Pick {
    GetOldest,
    PeekOldest,
    PeekNewest,
}

/// Reports one entry through OpenSSL's out-parameters (each may be NULL). `data` receives the
/// plain-words detail, which stays valid until the next such call on this thread.
pub(crate) unsafe fn entry_with_data(
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
    let found = queue(|q| {
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
        queue(|q| match q.borrow_mut().back_mut() {
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
        queue(|q| {
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
        queue(|q| {
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
        for c in drain_lines() {
            // SAFETY: fp is a non-NULL FILE* supplied by the caller; c is NUL-terminated.
            unsafe { libc::fputs(c.as_ptr(), fp) };
        }
    })
}

/// The callback of `ERR_print_errors_cb`: one line (with its newline) and its length.
pub type ERR_print_errors_callback = Option<
    unsafe extern "C" fn(line: *const c_char, len: usize, u: *mut std::ffi::c_void) -> c_int,
>;

/// The lines `ERR_print_errors_fp` prints, each ending in a newline; the queue is emptied.
fn drain_lines() -> Vec<CString> {
    let entries: Vec<Entry> = queue(|q| q.borrow_mut().drain(..).collect());
    let tid = std::thread::current().id();
    entries
        .into_iter()
        .map(|e| {
            let line = format!(
                "{:?}:{}:libtls:0:{}\n",
                tid,
                format_code(e.code),
                e.data.to_string_lossy()
            );
            CString::new(line).unwrap_or_default()
        })
        .collect()
}

/// Hands each queued error to `cb` as one line, emptying the queue; stops when `cb` returns
/// 0 or less.
#[no_mangle]
pub unsafe extern "C" fn ERR_print_errors_cb(
    cb: ERR_print_errors_callback,
    u: *mut std::ffi::c_void,
) {
    guard((), || {
        let Some(cb) = cb else {
            return;
        };
        for line in drain_lines() {
            let bytes = line.as_bytes();
            // SAFETY: the application's callback with a NUL-terminated line of that length.
            if unsafe { cb(line.as_ptr(), bytes.len(), u) } <= 0 {
                break;
            }
        }
    })
}

/// Writes each queued error to `bio` as one line, emptying the queue.
#[no_mangle]
pub unsafe extern "C" fn ERR_print_errors(bio: *mut super::bio::BIO) {
    guard((), || {
        if bio.is_null() {
            return;
        }
        for line in drain_lines() {
            let bytes = line.as_bytes();
            // SAFETY: a live BIO from the caller; the line has that many bytes.
            unsafe { aws_lc_sys::BIO_write(bio, bytes.as_ptr().cast(), bytes.len() as c_int) };
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
