//! OpenSSL's user-interface API (`<openssl/ui.h>`): a `UI` collects prompts, a `UI_METHOD`
//! (opener, writer, flusher, reader, closer) shows them and reads the answers. aws-lc has only
//! stubs; mosquitto and stunnel build their own methods over `UI_OpenSSL()`'s (issue 19).
//! `UI_OpenSSL()` talks to the terminal (`/dev/tty`, or stdin/stderr without one), reading
//! with echo off unless the prompt asks for echo, as OpenSSL's does.

use super::err::{pack, push_code};
use super::{guard, guard_or, null_arg, try_mut, try_ref, with_mut, with_ref, Handle};
use std::ffi::{c_char, c_int, c_void, CStr, CString};

/// `ERR_LIB_UI` (OpenSSL's number) and the reasons programs name.
const ERR_LIB_UI: c_int = 40;
const UI_R_RESULT_TOO_LARGE: u32 = 100;
const UI_R_RESULT_TOO_SMALL: u32 = 101;
const UI_R_PROCESSING_ERROR: u32 = 107;
const UI_R_NO_RESULT_BUFFER: u32 = 105;

/// `enum UI_string_types`.
const UIT_PROMPT: c_int = 1;
const UIT_VERIFY: c_int = 2;
const UIT_BOOLEAN: c_int = 3;
const UIT_INFO: c_int = 4;
const UIT_ERROR: c_int = 5;
/// `UI_INPUT_FLAG_ECHO`: show what is typed.
const UI_INPUT_FLAG_ECHO: c_int = 0x01;

/// One of a `UI_METHOD`'s callbacks on the whole UI (opener, flusher, closer).
type UiFn = Option<unsafe extern "C" fn(ui: *mut UI) -> c_int>;
/// One of a `UI_METHOD`'s callbacks on one string (writer, reader).
type UiStringFn = Option<unsafe extern "C" fn(ui: *mut UI, uis: *mut UI_STRING) -> c_int>;

/// A set of callbacks showing prompts and reading answers (`UI_create_method`).
pub struct UI_METHOD {
    name: CString,
    opener: UiFn,
    writer: UiStringFn,
    flusher: UiFn,
    reader: UiStringFn,
    closer: UiFn,
}

/// One prompt, message or question of a `UI`.
pub struct UI_STRING {
    kind: c_int,
    flags: c_int,
    text: CString,
    /// The caller's buffer of at least `maxsize + 1` bytes (prompts and verifications).
    result_buf: *mut c_char,
    minsize: c_int,
    maxsize: c_int,
    /// What a verification must match.
    test_buf: *const c_char,
    /// The answer once set (`UI_set_result`), wiped on free.
    result: Option<Vec<u8>>,
}

/// A user-interface session: strings to show and answers read (`UI_new`).
pub struct UI {
    method: *const UI_METHOD,
    /// Boxed: each string's address is handed to the method's callbacks and must not move
    /// when a callback adds a string.
    #[allow(clippy::vec_box)]
    strings: Vec<Box<UI_STRING>>,
    user_data: *mut c_void,
    /// The terminal `UI_OpenSSL()`'s opener opened, and its settings before echo was turned off.
    tty: Option<Tty>,
}

impl Handle for UI {
    const NAME: &'static str = "UI";
}

impl Handle for UI_STRING {
    const NAME: &'static str = "UI_STRING";
}

impl Handle for UI_METHOD {
    const NAME: &'static str = "UI_METHOD";
}

struct Tty {
    fd: c_int,
    owned: bool,
    saved: Option<libc::termios>,
}

impl Drop for UI_STRING {
    fn drop(&mut self) {
        if let Some(r) = self.result.as_mut() {
            r.iter_mut().for_each(|b| *b = 0);
        }
    }
}

static OPENSSL_METHOD: std::sync::OnceLock<SendMethod> = std::sync::OnceLock::new();
struct SendMethod(UI_METHOD);
// SAFETY: the method is immutable once built and its fields are plain function pointers.
unsafe impl Send for SendMethod {}
// SAFETY: see above.
unsafe impl Sync for SendMethod {}

fn openssl_method() -> &'static UI_METHOD {
    &OPENSSL_METHOD
        .get_or_init(|| {
            SendMethod(UI_METHOD {
                name: CString::new("OpenSSL default user interface").expect("no NUL"),
                opener: Some(tty_open),
                writer: Some(tty_write),
                flusher: Some(tty_flush),
                reader: Some(tty_read),
                closer: Some(tty_close),
            })
        })
        .0
}

fn ui_error(reason: u32, detail: &str) {
    push_code(pack(ERR_LIB_UI, reason), detail);
}

/// A new UI using `UI_OpenSSL()`'s method (`UI_get_default_method`).
#[no_mangle]
pub extern "C" fn UI_new() -> *mut UI {
    // SAFETY: NULL selects the default method.
    unsafe { UI_new_method(std::ptr::null()) }
}

/// A new UI using `method` (NULL: the default method). The method must outlive the UI.
#[no_mangle]
pub unsafe extern "C" fn UI_new_method(method: *const UI_METHOD) -> *mut UI {
    guard(std::ptr::null_mut(), || {
        let method = if method.is_null() {
            UI_get_default_method()
        } else {
            method
        };
        Box::into_raw(Box::new(UI {
            method,
            strings: Vec::new(),
            user_data: std::ptr::null_mut(),
            tty: None,
        }))
    })
}

/// Frees the UI and its strings (answers are wiped). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn UI_free(ui: *mut UI) {
    guard((), || {
        if !ui.is_null() {
            // SAFETY: a live UI from UI_new, freed once.
            drop(unsafe { Box::from_raw(ui) });
        }
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn add_string(
    ui: *mut UI,
    kind: c_int,
    text: *const c_char,
    flags: c_int,
    result_buf: *mut c_char,
    minsize: c_int,
    maxsize: c_int,
    test_buf: *const c_char,
) -> c_int {
    with_mut(ui, -1, |u| {
        if text.is_null() {
            return null_arg("UI prompt", -1);
        }
        let needs_buffer = kind == UIT_PROMPT || kind == UIT_VERIFY;
        if needs_buffer && result_buf.is_null() {
            ui_error(UI_R_NO_RESULT_BUFFER, "a prompt needs a result buffer");
            return -1;
        }
        if needs_buffer && (minsize < 0 || maxsize < minsize) {
            ui_error(
                UI_R_PROCESSING_ERROR,
                "minsize and maxsize are inconsistent",
            );
            return -1;
        }
        // SAFETY: a NUL-terminated string from the caller, copied here.
        let text = unsafe { CStr::from_ptr(text) }.to_owned();
        u.strings.push(Box::new(UI_STRING {
            kind,
            flags,
            text,
            result_buf,
            minsize,
            maxsize,
            test_buf,
            result: None,
        }));
        u.strings.len() as c_int
    })
}

/// Adds a prompt; the answer (`minsize`..=`maxsize` bytes) goes into `result_buf`, which must
/// hold `maxsize + 1` bytes. Returns the number of strings (positive), or -1.
#[no_mangle]
pub unsafe extern "C" fn UI_add_input_string(
    ui: *mut UI,
    prompt: *const c_char,
    flags: c_int,
    result_buf: *mut c_char,
    minsize: c_int,
    maxsize: c_int,
) -> c_int {
    // SAFETY: the caller's pointers, checked or copied by add_string.
    unsafe {
        add_string(
            ui,
            UIT_PROMPT,
            prompt,
            flags,
            result_buf,
            minsize,
            maxsize,
            std::ptr::null(),
        )
    }
}

/// Like `UI_add_input_string` (the prompt is always copied in libtls).
#[no_mangle]
pub unsafe extern "C" fn UI_dup_input_string(
    ui: *mut UI,
    prompt: *const c_char,
    flags: c_int,
    result_buf: *mut c_char,
    minsize: c_int,
    maxsize: c_int,
) -> c_int {
    // SAFETY: as UI_add_input_string.
    unsafe { UI_add_input_string(ui, prompt, flags, result_buf, minsize, maxsize) }
}

/// Adds a prompt whose answer must equal `test_buf` (an earlier answer): `UI_process` fails
/// otherwise.
#[no_mangle]
pub unsafe extern "C" fn UI_add_verify_string(
    ui: *mut UI,
    prompt: *const c_char,
    flags: c_int,
    result_buf: *mut c_char,
    minsize: c_int,
    maxsize: c_int,
    test_buf: *const c_char,
) -> c_int {
    // SAFETY: the caller's pointers, checked or copied by add_string.
    unsafe {
        add_string(
            ui, UIT_VERIFY, prompt, flags, result_buf, minsize, maxsize, test_buf,
        )
    }
}

/// Like `UI_add_verify_string` (the prompt is always copied in libtls).
#[no_mangle]
pub unsafe extern "C" fn UI_dup_verify_string(
    ui: *mut UI,
    prompt: *const c_char,
    flags: c_int,
    result_buf: *mut c_char,
    minsize: c_int,
    maxsize: c_int,
    test_buf: *const c_char,
) -> c_int {
    // SAFETY: as UI_add_verify_string.
    unsafe { UI_add_verify_string(ui, prompt, flags, result_buf, minsize, maxsize, test_buf) }
}

/// Adds a message shown to the user.
#[no_mangle]
pub unsafe extern "C" fn UI_add_info_string(ui: *mut UI, text: *const c_char) -> c_int {
    // SAFETY: the caller's pointers, checked or copied by add_string.
    unsafe {
        add_string(
            ui,
            UIT_INFO,
            text,
            0,
            std::ptr::null_mut(),
            0,
            0,
            std::ptr::null(),
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn UI_dup_info_string(ui: *mut UI, text: *const c_char) -> c_int {
    // SAFETY: as UI_add_info_string.
    unsafe { UI_add_info_string(ui, text) }
}

/// Adds an error message shown to the user.
#[no_mangle]
pub unsafe extern "C" fn UI_add_error_string(ui: *mut UI, text: *const c_char) -> c_int {
    // SAFETY: the caller's pointers, checked or copied by add_string.
    unsafe {
        add_string(
            ui,
            UIT_ERROR,
            text,
            0,
            std::ptr::null_mut(),
            0,
            0,
            std::ptr::null(),
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn UI_dup_error_string(ui: *mut UI, text: *const c_char) -> c_int {
    // SAFETY: as UI_add_error_string.
    unsafe { UI_add_error_string(ui, text) }
}

/// Attaches data for the method's callbacks (`UI_get0_user_data`); returns 0.
#[no_mangle]
pub unsafe extern "C" fn UI_add_user_data(ui: *mut UI, user_data: *mut c_void) -> c_int {
    with_mut(ui, -1, |u| {
        u.user_data = user_data;
        0
    })
}

#[no_mangle]
pub unsafe extern "C" fn UI_get0_user_data(ui: *mut UI) -> *mut c_void {
    with_ref(ui, std::ptr::null_mut(), |u| u.user_data)
}

/// The answer to the `i`-th string (0-based) once `UI_process` has run, or NULL.
#[no_mangle]
pub unsafe extern "C" fn UI_get0_result(ui: *mut UI, i: c_int) -> *const c_char {
    with_mut(ui, std::ptr::null(), |u| {
        match usize::try_from(i).ok().and_then(|i| u.strings.get_mut(i)) {
            Some(s) => UI_get0_result_string(&mut **s),
            None => {
                ui_error(UI_R_PROCESSING_ERROR, "no such string index");
                std::ptr::null()
            }
        }
    })
}

/// Shows every string and reads every answer with the UI's method: opener, writer for each
/// string, flusher, reader for each string, closer. Returns 0, -1 when a callback fails, or
/// -2 when the reader or flusher reports an interruption (answers read so far stay set).
/// `UI_OpenSSL()`'s reader checks a verification against its test string.
#[no_mangle]
pub unsafe extern "C" fn UI_process(ui: *mut UI) -> c_int {
    with_mut(ui, -1, |u| {
        if u.method.is_null() {
            ui_error(UI_R_PROCESSING_ERROR, "the UI has no method");
            return -1;
        }
        // SAFETY: the method outlives the UI (the caller's contract, as in OpenSSL).
        let m = unsafe { &*u.method };
        let (opener, writer, flusher, reader, closer) =
            (m.opener, m.writer, m.flusher, m.reader, m.closer);
        let strings: Vec<*mut UI_STRING> = u
            .strings
            .iter_mut()
            .map(|s| &mut **s as *mut UI_STRING)
            .collect();
        // SAFETY (callbacks below): the method's functions get this live UI and its strings;
        // they may call UI_* functions on them, which go through the pointers again. As in
        // OpenSSL, the reader sees every string (it skips what is not a prompt), a callback
        // returning 0 (-1 for the reader and flusher: interrupted) fails the run with -1 (-2).
        let mut ok = if opener.is_none_or(|f| unsafe { f(ui) } > 0) {
            0
        } else {
            -1
        };
        if ok == 0 {
            for &s in &strings {
                if let Some(f) = writer {
                    if unsafe { f(ui, s) } <= 0 {
                        ok = -1;
                        break;
                    }
                }
            }
        }
        if ok == 0 {
            if let Some(f) = flusher {
                ok = match unsafe { f(ui) } {
                    r if r > 0 => 0,
                    r if r < 0 => -2,
                    _ => -1,
                };
            }
        }
        if ok == 0 {
            for &s in &strings {
                if let Some(f) = reader {
                    match unsafe { f(ui, s) } {
                        r if r > 0 => {}
                        r if r < 0 => {
                            ok = -2;
                            break;
                        }
                        _ => {
                            ok = -1;
                            break;
                        }
                    }
                }
            }
        }
        if closer.is_some_and(|f| unsafe { f(ui) } <= 0) {
            ok = -1;
        }
        if ok == -1 {
            ui_error(UI_R_PROCESSING_ERROR, "a UI method callback failed");
        }
        ok
    })
}

unsafe fn verify_matches(s: &UI_STRING) -> bool {
    match (&s.result, s.test_buf.is_null()) {
        (Some(r), false) => {
            // SAFETY: the caller's NUL-terminated string.
            let want = unsafe { CStr::from_ptr(s.test_buf) }.to_bytes();
            aws_lc_rs::constant_time::verify_slices_are_equal(r, want).is_ok()
        }
        _ => false,
    }
}

#[no_mangle]
pub unsafe extern "C" fn UI_get_method(ui: *mut UI) -> *const UI_METHOD {
    with_ref(ui, std::ptr::null(), |u| u.method)
}

#[no_mangle]
pub unsafe extern "C" fn UI_set_method(ui: *mut UI, method: *const UI_METHOD) -> *const UI_METHOD {
    with_mut(ui, std::ptr::null(), |u| {
        u.method = method;
        method
    })
}

/// The terminal method: prompts on `/dev/tty` (stderr without one), answers read from it
/// (stdin without one) with echo off unless `UI_INPUT_FLAG_ECHO`.
#[no_mangle]
pub extern "C" fn UI_OpenSSL() -> *const UI_METHOD {
    guard(std::ptr::null(), || openssl_method() as *const UI_METHOD)
}

/// The method `UI_new` uses: `UI_OpenSSL()` (setting another is not supported).
#[no_mangle]
pub extern "C" fn UI_get_default_method() -> *const UI_METHOD {
    UI_OpenSSL()
}

/// A new method with no callbacks (each `UI_process` step then succeeds doing nothing).
#[no_mangle]
pub unsafe extern "C" fn UI_create_method(name: *const c_char) -> *mut UI_METHOD {
    guard(std::ptr::null_mut(), || {
        let name = if name.is_null() {
            CString::default()
        } else {
            // SAFETY: a NUL-terminated string from the caller, copied here.
            unsafe { CStr::from_ptr(name) }.to_owned()
        };
        Box::into_raw(Box::new(UI_METHOD {
            name,
            opener: None,
            writer: None,
            flusher: None,
            reader: None,
            closer: None,
        }))
    })
}

/// Frees a method from `UI_create_method` (NULL and `UI_OpenSSL()`'s are no-ops).
#[no_mangle]
pub unsafe extern "C" fn UI_destroy_method(method: *mut UI_METHOD) {
    guard((), || {
        if !method.is_null() && !std::ptr::eq(method, openssl_method()) {
            // SAFETY: a method from UI_create_method, freed once.
            drop(unsafe { Box::from_raw(method) });
        }
    })
}

/// The boundary kit for changing a method: runs `f` on a method from `UI_create_method`
/// inside [`guard`] and gives 0; NULL or `UI_OpenSSL()`'s method (reported) or a panic gives -1.
fn with_own_method(method: *mut UI_METHOD, f: impl FnOnce(&mut UI_METHOD)) -> c_int {
    guard_or(-1, || {
        if method.is_null() || std::ptr::eq(method, openssl_method()) {
            return null_arg("UI_METHOD (from UI_create_method)", None);
        }
        // SAFETY: a live method from UI_create_method (not NULL: checked above).
        unsafe { try_mut(method) }.map(|m| {
            f(m);
            0
        })
    })
}

/// Sets the callback `UI_process` calls first; returns 0, or -1 (NULL or `UI_OpenSSL()`'s method).
#[no_mangle]
pub unsafe extern "C" fn UI_method_set_opener(
    method: *mut UI_METHOD,
    f: Option<unsafe extern "C" fn(ui: *mut UI) -> c_int>,
) -> c_int {
    with_own_method(method, |m| m.opener = f)
}

/// The method's opener (NULL if none).
#[no_mangle]
pub unsafe extern "C" fn UI_method_get_opener(
    method: *const UI_METHOD,
) -> Option<unsafe extern "C" fn(ui: *mut UI) -> c_int> {
    with_ref(method, None, |m| m.opener)
}

/// Sets the callback that shows each string; returns 0, or -1 (NULL or `UI_OpenSSL()`'s method).
#[no_mangle]
pub unsafe extern "C" fn UI_method_set_writer(
    method: *mut UI_METHOD,
    f: Option<unsafe extern "C" fn(ui: *mut UI, uis: *mut UI_STRING) -> c_int>,
) -> c_int {
    with_own_method(method, |m| m.writer = f)
}

/// The method's writer (NULL if none).
#[no_mangle]
pub unsafe extern "C" fn UI_method_get_writer(
    method: *const UI_METHOD,
) -> Option<unsafe extern "C" fn(ui: *mut UI, uis: *mut UI_STRING) -> c_int> {
    with_ref(method, None, |m| m.writer)
}

/// Sets the callback run after every string is shown; returns 0, or -1 (NULL or `UI_OpenSSL()`'s method).
#[no_mangle]
pub unsafe extern "C" fn UI_method_set_flusher(
    method: *mut UI_METHOD,
    f: Option<unsafe extern "C" fn(ui: *mut UI) -> c_int>,
) -> c_int {
    with_own_method(method, |m| m.flusher = f)
}

/// The method's flusher (NULL if none).
#[no_mangle]
pub unsafe extern "C" fn UI_method_get_flusher(
    method: *const UI_METHOD,
) -> Option<unsafe extern "C" fn(ui: *mut UI) -> c_int> {
    with_ref(method, None, |m| m.flusher)
}

/// Sets the callback that reads each answer (it calls `UI_set_result`); returns 0, or -1 (NULL or `UI_OpenSSL()`'s method).
#[no_mangle]
pub unsafe extern "C" fn UI_method_set_reader(
    method: *mut UI_METHOD,
    f: Option<unsafe extern "C" fn(ui: *mut UI, uis: *mut UI_STRING) -> c_int>,
) -> c_int {
    with_own_method(method, |m| m.reader = f)
}

/// The method's reader (NULL if none).
#[no_mangle]
pub unsafe extern "C" fn UI_method_get_reader(
    method: *const UI_METHOD,
) -> Option<unsafe extern "C" fn(ui: *mut UI, uis: *mut UI_STRING) -> c_int> {
    with_ref(method, None, |m| m.reader)
}

/// Sets the callback `UI_process` calls last; returns 0, or -1 (NULL or `UI_OpenSSL()`'s method).
#[no_mangle]
pub unsafe extern "C" fn UI_method_set_closer(
    method: *mut UI_METHOD,
    f: Option<unsafe extern "C" fn(ui: *mut UI) -> c_int>,
) -> c_int {
    with_own_method(method, |m| m.closer = f)
}

/// The method's closer (NULL if none).
#[no_mangle]
pub unsafe extern "C" fn UI_method_get_closer(
    method: *const UI_METHOD,
) -> Option<unsafe extern "C" fn(ui: *mut UI) -> c_int> {
    with_ref(method, None, |m| m.closer)
}

/// The method's name (`UI_create_method`'s argument).
#[no_mangle]
pub unsafe extern "C" fn UI_method_get0_name(method: *const UI_METHOD) -> *const c_char {
    with_ref(method, std::ptr::null(), |m| m.name.as_ptr())
}

/// `UIT_PROMPT`, `UIT_VERIFY`, `UIT_BOOLEAN`, `UIT_INFO` or `UIT_ERROR` (`UIT_NONE` for NULL).
#[no_mangle]
pub unsafe extern "C" fn UI_get_string_type(uis: *mut UI_STRING) -> c_int {
    with_ref(uis, 0, |s| s.kind)
}

/// The `UI_INPUT_FLAG_*` the string was added with.
#[no_mangle]
pub unsafe extern "C" fn UI_get_input_flags(uis: *mut UI_STRING) -> c_int {
    with_ref(uis, 0, |s| s.flags)
}

/// The prompt or message to show.
#[no_mangle]
pub unsafe extern "C" fn UI_get0_output_string(uis: *mut UI_STRING) -> *const c_char {
    with_ref(uis, std::ptr::null(), |s| s.text.as_ptr())
}

/// NULL: boolean prompts' action descriptions are not kept.
#[no_mangle]
pub unsafe extern "C" fn UI_get0_action_string(_uis: *mut UI_STRING) -> *const c_char {
    std::ptr::null()
}

/// The answer set so far (in the caller's result buffer), or NULL.
#[no_mangle]
pub unsafe extern "C" fn UI_get0_result_string(uis: *mut UI_STRING) -> *const c_char {
    with_ref(uis, std::ptr::null(), |s| {
        if s.result.is_some() && !s.result_buf.is_null() {
            s.result_buf as *const c_char
        } else {
            std::ptr::null()
        }
    })
}

/// The answer's length, or -1 when there is none.
#[no_mangle]
pub unsafe extern "C" fn UI_get_result_string_length(uis: *mut UI_STRING) -> c_int {
    with_ref(uis, -1, |s| {
        s.result.as_ref().map_or(-1, |r| r.len() as c_int)
    })
}

/// What a verification must match, or NULL.
#[no_mangle]
pub unsafe extern "C" fn UI_get0_test_string(uis: *mut UI_STRING) -> *const c_char {
    with_ref(uis, std::ptr::null(), |s| {
        if s.kind == UIT_VERIFY {
            s.test_buf
        } else {
            std::ptr::null()
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn UI_get_result_minsize(uis: *mut UI_STRING) -> c_int {
    with_ref(uis, -1, |s| match s.kind {
        UIT_PROMPT | UIT_VERIFY => s.minsize,
        _ => -1,
    })
}

#[no_mangle]
pub unsafe extern "C" fn UI_get_result_maxsize(uis: *mut UI_STRING) -> c_int {
    with_ref(uis, -1, |s| match s.kind {
        UIT_PROMPT | UIT_VERIFY => s.maxsize,
        _ => -1,
    })
}

/// Sets the answer to a prompt (`result` NUL-terminated): 0, or -1 with
/// `UI_R_RESULT_TOO_SMALL` / `UI_R_RESULT_TOO_LARGE` when its length is outside the prompt's
/// `minsize`..=`maxsize`. The answer is copied into the prompt's result buffer.
#[no_mangle]
pub unsafe extern "C" fn UI_set_result(
    ui: *mut UI,
    uis: *mut UI_STRING,
    result: *const c_char,
) -> c_int {
    if result.is_null() {
        return null_arg("UI result", -1);
    }
    // SAFETY: a NUL-terminated string from the caller.
    let len = unsafe { CStr::from_ptr(result) }.to_bytes().len();
    // SAFETY: as UI_set_result_ex.
    unsafe { UI_set_result_ex(ui, uis, result, len as c_int) }
}

/// `UI_set_result` with an explicit length (`len` bytes of `result`).
#[no_mangle]
pub unsafe extern "C" fn UI_set_result_ex(
    _ui: *mut UI,
    uis: *mut UI_STRING,
    result: *const c_char,
    len: c_int,
) -> c_int {
    with_mut(uis, -1, |s| {
        if result.is_null() || len < 0 {
            return null_arg("UI result", -1);
        }
        if s.kind != UIT_PROMPT && s.kind != UIT_VERIFY {
            // Boolean prompts are not supported: nothing to set.
            ui_error(UI_R_PROCESSING_ERROR, "only prompts take a result");
            return -1;
        }
        if len < s.minsize {
            ui_error(
                UI_R_RESULT_TOO_SMALL,
                &format!("You must type in {} to {} characters", s.minsize, s.maxsize),
            );
            return -1;
        }
        if len > s.maxsize {
            ui_error(
                UI_R_RESULT_TOO_LARGE,
                &format!("You must type in {} to {} characters", s.minsize, s.maxsize),
            );
            return -1;
        }
        // SAFETY: `len` readable bytes at `result`; the result buffer holds maxsize + 1 bytes
        // (UI_add_input_string's contract) and len <= maxsize.
        let bytes = unsafe { std::slice::from_raw_parts(result as *const u8, len as usize) };
        unsafe {
            std::ptr::copy_nonoverlapping(result, s.result_buf, len as usize);
            *s.result_buf.add(len as usize) = 0;
        }
        if let Some(old) = s.result.as_mut() {
            old.iter_mut().for_each(|b| *b = 0);
        }
        s.result = Some(bytes.to_vec());
        0
    })
}

// ---- UI_OpenSSL(): the terminal ------------------------------------------------------------

unsafe extern "C" fn tty_open(ui: *mut UI) -> c_int {
    with_mut(ui, 0, |u| {
        // SAFETY: opening a path; the descriptor is ours and closed by tty_close.
        let fd = unsafe { libc::open(c"/dev/tty".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
        u.tty = Some(if fd >= 0 {
            Tty {
                fd,
                owned: true,
                saved: None,
            }
        } else {
            Tty {
                fd: libc::STDIN_FILENO,
                owned: false,
                saved: None,
            }
        });
        1
    })
}

fn write_fd(fd: c_int, bytes: &[u8]) -> bool {
    let mut rest = bytes;
    while !rest.is_empty() {
        // SAFETY: writing `rest.len()` bytes from a live slice.
        let n = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return false;
        }
        rest = &rest[n as usize..];
    }
    true
}

unsafe extern "C" fn tty_write(ui: *mut UI, uis: *mut UI_STRING) -> c_int {
    guard(0, || {
        // SAFETY: the live UI and string UI_process passes (NULL is reported).
        let (Some(u), Some(s)) = (unsafe { try_ref(ui) }, unsafe { try_ref(uis) }) else {
            return 0;
        };
        let out = match &u.tty {
            Some(t) if t.owned => t.fd,
            _ => libc::STDERR_FILENO,
        };
        let fd = if s.kind == UIT_ERROR {
            libc::STDERR_FILENO
        } else {
            out
        };
        write_fd(fd, s.text.as_bytes()) as c_int
    })
}

unsafe extern "C" fn tty_flush(_ui: *mut UI) -> c_int {
    1
}

unsafe extern "C" fn tty_read(ui: *mut UI, uis: *mut UI_STRING) -> c_int {
    guard(0, || {
        // SAFETY: the live UI and string UI_process passes (NULL is reported).
        let (Some(u), Some(s)) = (unsafe { try_mut(ui) }, unsafe { try_ref(uis) }) else {
            return 0;
        };
        if s.kind == UIT_BOOLEAN {
            ui_error(UI_R_PROCESSING_ERROR, "boolean prompts are not supported");
            return 0;
        }
        let Some(tty) = u.tty.as_mut() else {
            ui_error(UI_R_PROCESSING_ERROR, "the UI was not opened");
            return 0;
        };
        let echo = s.flags & UI_INPUT_FLAG_ECHO != 0;
        // SAFETY: termios calls on a descriptor we hold; a non-terminal fails tcgetattr and
        // is read as it is.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if !echo && libc::tcgetattr(tty.fd, &mut t) == 0 {
                tty.saved = Some(t);
                t.c_lflag &= !libc::ECHO;
                libc::tcsetattr(tty.fd, libc::TCSANOW, &t);
            }
        }
        let line = read_line(tty.fd, s.maxsize.max(0) as usize + 1);
        if let Some(saved) = tty.saved.take() {
            // SAFETY: restoring the settings read above.
            unsafe { libc::tcsetattr(tty.fd, libc::TCSANOW, &saved) };
            let out = if tty.owned {
                tty.fd
            } else {
                libc::STDERR_FILENO
            };
            write_fd(out, b"\n");
        }
        let Some(mut line) = line else {
            ui_error(UI_R_PROCESSING_ERROR, "no answer could be read");
            return 0;
        };
        let r = {
            let c = CString::new(line.clone()).unwrap_or_default();
            // SAFETY: this UI and string; `c` is NUL-terminated.
            unsafe { UI_set_result(ui, uis, c.as_ptr()) }
        };
        line.iter_mut().for_each(|b| *b = 0);
        if r != 0 {
            return 0;
        }
        // SAFETY: this UI's string; test_buf is the caller's NUL-terminated string.
        if s.kind == UIT_VERIFY && !unsafe { verify_matches(s) } {
            write_fd(libc::STDERR_FILENO, b"Verify failure\n");
            ui_error(UI_R_PROCESSING_ERROR, "the verification does not match");
            return 0;
        }
        1
    })
}

/// Reads one line (without its newline) of at most `limit` bytes; longer input is consumed up
/// to the newline and reported as too long by `UI_set_result`. None at EOF before any byte.
fn read_line(fd: c_int, limit: usize) -> Option<Vec<u8>> {
    let mut line = Vec::new();
    let mut got_any = false;
    loop {
        let mut b = 0u8;
        // SAFETY: reading one byte into a local.
        let n = unsafe { libc::read(fd, (&mut b as *mut u8).cast(), 1) };
        if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        if n <= 0 {
            return got_any.then_some(line);
        }
        got_any = true;
        if b == b'\n' {
            return Some(line);
        }
        if line.len() <= limit {
            line.push(b);
        }
    }
}

unsafe extern "C" fn tty_close(ui: *mut UI) -> c_int {
    with_mut(ui, 0, |u| {
        if let Some(t) = u.tty.take() {
            if t.owned {
                // SAFETY: the descriptor tty_open opened.
                unsafe { libc::close(t.fd) };
            }
        }
        1
    })
}
