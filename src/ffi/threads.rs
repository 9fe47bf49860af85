//! OpenSSL 1.1.0's portable locks (`CRYPTO_THREAD_lock_new` and friends) and
//! `CRYPTO_atomic_add`, which aws-lc does not have; stunnel builds its locking on them
//! (issue 19). A `CRYPTO_RWLOCK` is a POSIX read-write lock.

use super::guard;
use std::ffi::{c_int, c_void};

/// `CRYPTO_RWLOCK`: OpenSSL declares it `void`; each lock is a boxed `pthread_rwlock_t`.
pub type CRYPTO_RWLOCK = c_void;

/// A new read-write lock, or NULL when none can be made.
#[no_mangle]
pub extern "C" fn CRYPTO_THREAD_lock_new() -> *mut CRYPTO_RWLOCK {
    guard(std::ptr::null_mut(), || {
        // The lock must not move once initialised: it lives in its own allocation.
        let lock = Box::into_raw(Box::new(libc::PTHREAD_RWLOCK_INITIALIZER));
        // SAFETY: a fresh, exclusively owned rwlock object.
        if unsafe { libc::pthread_rwlock_init(lock, std::ptr::null()) } != 0 {
            // SAFETY: from Box::into_raw above, never shared.
            drop(unsafe { Box::from_raw(lock) });
            return std::ptr::null_mut();
        }
        lock.cast()
    })
}

/// Takes the lock shared; 1 on success, 0 on failure (NULL lock).
#[no_mangle]
pub unsafe extern "C" fn CRYPTO_THREAD_read_lock(lock: *mut CRYPTO_RWLOCK) -> c_int {
    if lock.is_null() {
        return 0;
    }
    // SAFETY: a live lock from CRYPTO_THREAD_lock_new.
    (unsafe { libc::pthread_rwlock_rdlock(lock.cast()) } == 0) as c_int
}

/// Takes the lock exclusively; 1 on success, 0 on failure (NULL lock).
#[no_mangle]
pub unsafe extern "C" fn CRYPTO_THREAD_write_lock(lock: *mut CRYPTO_RWLOCK) -> c_int {
    if lock.is_null() {
        return 0;
    }
    // SAFETY: a live lock from CRYPTO_THREAD_lock_new.
    (unsafe { libc::pthread_rwlock_wrlock(lock.cast()) } == 0) as c_int
}

/// Releases the lock (taken shared or exclusively by this thread); 1 on success.
#[no_mangle]
pub unsafe extern "C" fn CRYPTO_THREAD_unlock(lock: *mut CRYPTO_RWLOCK) -> c_int {
    if lock.is_null() {
        return 0;
    }
    // SAFETY: a live lock from CRYPTO_THREAD_lock_new, held by this thread.
    (unsafe { libc::pthread_rwlock_unlock(lock.cast()) } == 0) as c_int
}

/// Frees a lock nobody holds; NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn CRYPTO_THREAD_lock_free(lock: *mut CRYPTO_RWLOCK) {
    if lock.is_null() {
        return;
    }
    // SAFETY: a live, unheld lock from CRYPTO_THREAD_lock_new, freed once.
    unsafe {
        libc::pthread_rwlock_destroy(lock.cast());
        drop(Box::from_raw(lock.cast::<libc::pthread_rwlock_t>()));
    }
}

/// Adds `amount` to `*val` atomically and stores the new value in `*ret`; returns 1. The
/// addition is a hardware atomic, so `lock` is not needed (OpenSSL uses it only where the
/// platform has no atomics); a NULL `val` or `ret` returns 0.
#[no_mangle]
pub unsafe extern "C" fn CRYPTO_atomic_add(
    val: *mut c_int,
    amount: c_int,
    ret: *mut c_int,
    lock: *mut CRYPTO_RWLOCK,
) -> c_int {
    let _ = lock;
    if val.is_null() || ret.is_null() {
        return 0;
    }
    // SAFETY: `val` is a live, aligned int that other threads change only through this call
    // (OpenSSL's contract), so viewing it as an AtomicI32 is sound.
    let atomic = unsafe { std::sync::atomic::AtomicI32::from_ptr(val) };
    let new = atomic
        .fetch_add(amount, std::sync::atomic::Ordering::AcqRel)
        .wrapping_add(amount);
    // SAFETY: a writable int from the caller.
    unsafe { *ret = new };
    1
}
