//! Application data hung on library objects (`SSL_set_ex_data`, `SSL_CTX_set_ex_data`,
//! `CRYPTO_get_ex_new_index`): per class, an index registry with optional free callbacks, and
//! per object, a slot vector.

use super::guard;
use std::ffi::{c_int, c_long, c_void};
use std::sync::Mutex;

pub const CRYPTO_EX_INDEX_SSL: c_int = 0;
pub const CRYPTO_EX_INDEX_SSL_CTX: c_int = 1;
pub const CRYPTO_EX_INDEX_SSL_SESSION: c_int = 2;
pub const CRYPTO_EX_INDEX_X509: c_int = 3;
pub const CRYPTO_EX_INDEX_BIO: c_int = 12;

/// Per-object storage; opaque to C.
#[derive(Default)]
pub struct CRYPTO_EX_DATA {
    slots: Vec<*mut c_void>,
}

// SAFETY: the slots are opaque application pointers; the library never dereferences them and
// the owning object is used by one thread at a time (or is shared read-only, as OpenSSL).
unsafe impl Send for CRYPTO_EX_DATA {}

pub type CRYPTO_EX_new = Option<
    unsafe extern "C" fn(
        parent: *mut c_void,
        ptr: *mut c_void,
        ad: *mut CRYPTO_EX_DATA,
        idx: c_int,
        argl: c_long,
        argp: *mut c_void,
    ),
>;
pub type CRYPTO_EX_free = CRYPTO_EX_new;
/// OpenSSL 1.1.1's prototype, the API level the compat headers announce
/// (`OPENSSL_VERSION_NUMBER`): `from_d` is `void *` there (OpenSSL 3.0 types it `void **`), so
/// that programs choosing their callback's prototype by the version number compile without
/// warnings. It points at the slot's pointer either way. libtls never copies ex_data and never
/// calls this callback (nor does aws-lc, whose typedef is rewritten to match).
pub type CRYPTO_EX_dup = Option<
    unsafe extern "C" fn(
        to: *mut CRYPTO_EX_DATA,
        from: *const CRYPTO_EX_DATA,
        from_d: *mut c_void,
        idx: c_int,
        argl: c_long,
        argp: *mut c_void,
    ) -> c_int,
>;

#[derive(Clone, Copy)]
struct Registration {
    argl: c_long,
    argp: usize,
    new_func: CRYPTO_EX_new,
    free_func: CRYPTO_EX_free,
}

/// Index registries for the classes OpenSSL numbers.
static REGISTRY: Mutex<[Vec<Registration>; CLASSES]> = Mutex::new([const { Vec::new() }; CLASSES]);

/// OpenSSL's CRYPTO_EX_INDEX__COUNT.
const CLASSES: usize = 18;

fn registry() -> std::sync::MutexGuard<'static, [Vec<Registration>; CLASSES]> {
    REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
}

impl CRYPTO_EX_DATA {
    pub fn get(&self, idx: c_int) -> *mut c_void {
        usize::try_from(idx)
            .ok()
            .and_then(|i| self.slots.get(i).copied())
            .unwrap_or(std::ptr::null_mut())
    }

    pub fn set(&mut self, idx: c_int, data: *mut c_void) -> bool {
        let Ok(i) = usize::try_from(idx) else {
            return false;
        };
        if i >= 4096 {
            return false;
        }
        if self.slots.len() <= i {
            self.slots.resize(i + 1, std::ptr::null_mut());
        }
        self.slots[i] = data;
        true
    }

    /// Takes the slots `other` set, keeping ours where `other` has none.
    pub fn absorb(&mut self, other: CRYPTO_EX_DATA) {
        for (i, p) in other.slots.into_iter().enumerate() {
            if !p.is_null() {
                self.set(i as c_int, p);
            }
        }
    }

    /// Runs the class's `new` callbacks for a freshly made object.
    pub(crate) fn on_new(&mut self, class: c_int, parent: *mut c_void) {
        let regs: Vec<Registration> = registry().get(class as usize).cloned().unwrap_or_default();
        for (i, r) in regs.iter().enumerate() {
            if let Some(f) = r.new_func {
                // SAFETY: the application's callback, with OpenSSL's arguments.
                unsafe {
                    f(
                        parent,
                        std::ptr::null_mut(),
                        self,
                        i as c_int,
                        r.argl,
                        r.argp as *mut c_void,
                    )
                };
            }
        }
    }

    /// Runs the class's `free` callbacks before the object goes away.
    pub(crate) fn on_free(&mut self, class: c_int, parent: *mut c_void) {
        let regs: Vec<Registration> = registry().get(class as usize).cloned().unwrap_or_default();
        for (i, r) in regs.iter().enumerate() {
            if let Some(f) = r.free_func {
                let ptr = self.get(i as c_int);
                // SAFETY: the application's callback, with OpenSSL's arguments.
                unsafe { f(parent, ptr, self, i as c_int, r.argl, r.argp as *mut c_void) };
            }
        }
    }
}

/// A new index for `class_index` (`CRYPTO_EX_INDEX_SSL`, ...); -1 on a bad class.
#[no_mangle]
pub unsafe extern "C" fn CRYPTO_get_ex_new_index(
    class_index: c_int,
    argl: c_long,
    argp: *mut c_void,
    new_func: CRYPTO_EX_new,
    _dup_func: CRYPTO_EX_dup,
    free_func: CRYPTO_EX_free,
) -> c_int {
    guard(-1, || {
        let mut reg = registry();
        let Some(list) = reg.get_mut(class_index as usize) else {
            return -1;
        };
        list.push(Registration {
            argl,
            argp: argp as usize,
            new_func,
            free_func,
        });
        (list.len() - 1) as c_int
    })
}

#[no_mangle]
pub unsafe extern "C" fn CRYPTO_get_ex_data(ad: *const CRYPTO_EX_DATA, idx: c_int) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        if ad.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: a live CRYPTO_EX_DATA handed to a callback by the library.
        unsafe { &*ad }.get(idx)
    })
}

#[no_mangle]
pub unsafe extern "C" fn CRYPTO_set_ex_data(
    ad: *mut CRYPTO_EX_DATA,
    idx: c_int,
    val: *mut c_void,
) -> c_int {
    guard(0, || {
        if ad.is_null() {
            return 0;
        }
        // SAFETY: a live CRYPTO_EX_DATA handed to a callback by the library.
        unsafe { &mut *ad }.set(idx, val) as c_int
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_ex_new_index(
    argl: c_long,
    argp: *mut c_void,
    new_func: CRYPTO_EX_new,
    dup_func: CRYPTO_EX_dup,
    free_func: CRYPTO_EX_free,
) -> c_int {
    // SAFETY: forwards the caller's arguments.
    unsafe {
        CRYPTO_get_ex_new_index(
            CRYPTO_EX_INDEX_SSL,
            argl,
            argp,
            new_func,
            dup_func,
            free_func,
        )
    }
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_ex_new_index(
    argl: c_long,
    argp: *mut c_void,
    new_func: CRYPTO_EX_new,
    dup_func: CRYPTO_EX_dup,
    free_func: CRYPTO_EX_free,
) -> c_int {
    // SAFETY: forwards the caller's arguments.
    unsafe {
        CRYPTO_get_ex_new_index(
            CRYPTO_EX_INDEX_SSL_CTX,
            argl,
            argp,
            new_func,
            dup_func,
            free_func,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_grow_and_read_back() {
        let mut d = CRYPTO_EX_DATA::default();
        let mut x = 5;
        assert!(d.set(3, &mut x as *mut i32 as *mut c_void));
        assert_eq!(d.get(3), &mut x as *mut i32 as *mut c_void);
        assert!(d.get(0).is_null());
        assert!(d.get(99).is_null());
        assert!(!d.set(-1, std::ptr::null_mut()));
    }
}
