//! The default pass-phrase prompt (`EVP_set_pw_prompt`, `EVP_get_pw_prompt`), which stunnel
//! sets at start-up.

use super::guard;
use std::ffi::{c_char, CStr};
use std::sync::Mutex;

/// OpenSSL keeps the prompt in a static 80-byte buffer (longer prompts are cut): so does
/// libtls, so `EVP_get_pw_prompt`'s pointer stays valid and nothing is allocated.
const PROMPT_LEN: usize = 80;

struct Prompt {
    buf: [u8; PROMPT_LEN],
    set: bool,
}

static PROMPT: Mutex<Prompt> = Mutex::new(Prompt {
    buf: [0; PROMPT_LEN],
    set: false,
});

/// Sets the default prompt (at most 79 bytes are kept); NULL or "" restores none
/// (`EVP_get_pw_prompt` then returns NULL).
#[no_mangle]
pub unsafe extern "C" fn EVP_set_pw_prompt(prompt: *const c_char) {
    guard((), || {
        let mut p = PROMPT.lock().unwrap_or_else(|e| e.into_inner());
        p.buf = [0; PROMPT_LEN];
        p.set = false;
        if prompt.is_null() {
            return;
        }
        // SAFETY: a NUL-terminated string from the caller, copied here.
        let s = unsafe { CStr::from_ptr(prompt) }.to_bytes();
        let n = s.len().min(PROMPT_LEN - 1);
        p.buf[..n].copy_from_slice(&s[..n]);
        p.set = n > 0;
    })
}

/// The prompt `EVP_set_pw_prompt` set, or NULL if none was. The pointer stays valid; a later
/// `EVP_set_pw_prompt` changes what it points to.
#[no_mangle]
pub extern "C" fn EVP_get_pw_prompt() -> *mut c_char {
    guard(std::ptr::null_mut(), || {
        let mut p = PROMPT.lock().unwrap_or_else(|e| e.into_inner());
        if p.set {
            p.buf.as_mut_ptr() as *mut c_char
        } else {
            std::ptr::null_mut()
        }
    })
}
