//! The SSL object's transport: aws-lc's `BIO`s. Memory BIOs, BIO pairs, socket/fd BIOs and
//! application-defined methods (`BIO_meth_new`) are all aws-lc's, exported from libtls.so as
//! OpenSSL's libcrypto; this module only drives them for the SSL read and write paths.

use aws_lc_sys as sys;
use std::ffi::{c_int, c_long, c_void};

pub use sys::BIO;

pub const BIO_NOCLOSE: c_int = 0x00;

// OpenSSL's (and aws-lc's) numbers; the header side is aws-lc's <openssl/bio.h>.
const BIO_TYPE_DESCRIPTOR: c_int = 0x0100;
const BIO_TYPE_MEM: c_int = 1 | 0x0400;
const BIO_TYPE_BIO: c_int = 19 | 0x0400;
const BIO_C_GET_FD: c_int = 105;

/// Drops one reference; the last one frees the BIO (closing its fd when it owns it).
pub(crate) unsafe fn release(b: *mut BIO) {
    if !b.is_null() {
        // SAFETY: the caller hands over one reference on a live BIO.
        unsafe { sys::BIO_free(b) };
    }
}

/// Takes one more reference on a live BIO.
pub(crate) unsafe fn up_ref(b: *mut BIO) {
    if !b.is_null() {
        // SAFETY: a live BIO.
        unsafe { sys::BIO_up_ref(b) };
    }
}

/// What one transfer on a BIO did, for the SSL driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoOutcome {
    Done(usize),
    WouldBlock,
    Eof,
    Failed(i32),
}

fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// The BIO's method type (`BIO_TYPE_*`).
unsafe fn method_type(b: *mut BIO) -> c_int {
    // SAFETY: a live BIO.
    unsafe { sys::BIO_method_type(b) }
}

/// How many bytes a read would find, for BIOs that know (memory and pair BIOs); None for
/// sockets, fds and custom methods. Lets the SSL driver size its receive space to what is there
/// instead of a maximal record.
pub(crate) unsafe fn readable_now(b: *mut BIO) -> Option<usize> {
    // SAFETY: caller passes a live BIO.
    match unsafe { method_type(b) } {
        // SAFETY: as above; BIO_CTRL_PENDING only reports.
        BIO_TYPE_MEM | BIO_TYPE_BIO => Some(unsafe { sys::BIO_ctrl_pending(b) }),
        _ => None,
    }
}

fn clamp_len(len: usize) -> c_int {
    len.min(c_int::MAX as usize) as c_int
}

/// Maps a BIO_read / BIO_write result to an outcome with OpenSSL's conventions: retry flags
/// mean "would block", 0 from a read is end of input, and a descriptor's errno is kept.
unsafe fn outcome(b: *mut BIO, n: c_int, e: i32, eof_means: Option<i32>) -> IoOutcome {
    if n > 0 {
        return IoOutcome::Done(n as usize);
    }
    // SAFETY: a live BIO.
    if unsafe { sys::BIO_should_retry(b) } != 0 {
        return IoOutcome::WouldBlock;
    }
    if n == 0 {
        if let Some(e) = eof_means {
            return IoOutcome::Failed(e);
        }
        return IoOutcome::Eof;
    }
    // SAFETY: a live BIO.
    if unsafe { method_type(b) } & BIO_TYPE_DESCRIPTOR != 0 {
        IoOutcome::Failed(e)
    } else if eof_means.is_some() {
        IoOutcome::Failed(libc::EPIPE)
    } else {
        IoOutcome::Failed(libc::EIO)
    }
}

/// Reads for the SSL driver, mapping OpenSSL's conventions to an outcome.
pub(crate) unsafe fn transport_read(b: *mut BIO, buf: &mut [u8]) -> IoOutcome {
    // SAFETY: caller passes a live BIO; `buf` is writable for the length given.
    let n = unsafe { sys::BIO_read(b, buf.as_mut_ptr() as *mut c_void, clamp_len(buf.len())) };
    // Keep errno from the read before anything else can change it.
    let e = errno();
    // SAFETY: live BIO.
    unsafe { outcome(b, n, e, None) }
}

pub(crate) unsafe fn transport_write(b: *mut BIO, data: &[u8]) -> IoOutcome {
    // SAFETY: caller passes a live BIO; `data` is readable for the length given.
    let n = unsafe { sys::BIO_write(b, data.as_ptr() as *const c_void, clamp_len(data.len())) };
    let e = errno();
    if n == 0 && data.is_empty() {
        return IoOutcome::Done(0);
    }
    // SAFETY: live BIO.
    unsafe { outcome(b, n, e, Some(libc::EPIPE)) }
}

/// Reads and drops what a socket BIO already holds, up to `limit` bytes, without blocking.
/// After a fatal error the rest of a rejected record may still sit unread in the kernel, and
/// closing a socket with unread data resets the connection: the peer could lose our alert.
// Not inlined: its 4 KiB scratch buffer would sit in the frame of every read (issue 19).
#[inline(never)]
pub(crate) unsafe fn discard_readable(b: *mut BIO, limit: usize) {
    // SAFETY: caller passes a live BIO. recv fails at once (ENOTSOCK) on a descriptor that is
    // not a socket, which ends the loop.
    let Some(fd) = (unsafe { fd_of(b) }) else {
        return;
    };
    let mut scratch = [0u8; 4096];
    let mut left = limit;
    while left > 0 {
        let len = left.min(scratch.len());
        // SAFETY: `scratch` has room for `len` bytes; MSG_DONTWAIT never blocks.
        let n = unsafe { libc::recv(fd, scratch.as_mut_ptr().cast(), len, libc::MSG_DONTWAIT) };
        if n <= 0 {
            return;
        }
        left -= n as usize;
    }
}

/// The descriptor under a socket/fd BIO.
pub(crate) unsafe fn fd_of(b: *mut BIO) -> Option<c_int> {
    // SAFETY: a live BIO (NULL is checked).
    if b.is_null() || unsafe { method_type(b) } & BIO_TYPE_DESCRIPTOR == 0 {
        return None;
    }
    let mut fd: c_int = -1;
    // SAFETY: BIO_C_GET_FD writes an int through the pointer.
    let r = unsafe {
        sys::BIO_ctrl(
            b,
            BIO_C_GET_FD,
            0 as c_long,
            &mut fd as *mut c_int as *mut c_void,
        )
    };
    (r >= 0 && fd >= 0).then_some(fd)
}

/// A socket BIO on `fd` (NULL with aws-lc's error queued when it cannot be made).
pub(crate) fn new_socket(fd: c_int, close_flag: c_int) -> *mut BIO {
    // SAFETY: aws-lc's constructor; the descriptor is not touched until I/O.
    unsafe { sys::BIO_new_socket(fd, close_flag) }
}
