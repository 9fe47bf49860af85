//! `BIO`: OpenSSL's I/O abstraction. Memory BIOs, BIO pairs, socket/fd BIOs and
//! application-defined BIOs (`BIO_meth_new`), with OpenSSL's retry flags and ownership.

use super::{err, guard, null_arg};
use crate::error::{Error, Reason};
use std::collections::VecDeque;
use std::ffi::{c_char, c_int, c_long, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub const BIO_NOCLOSE: c_int = 0x00;
pub const BIO_CLOSE: c_int = 0x01;

pub const BIO_FLAGS_READ: c_int = 0x01;
pub const BIO_FLAGS_WRITE: c_int = 0x02;
pub const BIO_FLAGS_IO_SPECIAL: c_int = 0x04;
pub const BIO_FLAGS_RWS: c_int = BIO_FLAGS_READ | BIO_FLAGS_WRITE | BIO_FLAGS_IO_SPECIAL;
pub const BIO_FLAGS_SHOULD_RETRY: c_int = 0x08;

pub const BIO_CTRL_RESET: c_int = 1;
pub const BIO_CTRL_EOF: c_int = 2;
pub const BIO_CTRL_INFO: c_int = 3;
pub const BIO_CTRL_GET_CLOSE: c_int = 8;
pub const BIO_CTRL_SET_CLOSE: c_int = 9;
pub const BIO_CTRL_PENDING: c_int = 10;
pub const BIO_CTRL_FLUSH: c_int = 11;
pub const BIO_CTRL_DUP: c_int = 12;
pub const BIO_CTRL_WPENDING: c_int = 13;
pub const BIO_C_SET_FD: c_int = 104;
pub const BIO_C_GET_FD: c_int = 105;
pub const BIO_C_SET_BUF_MEM_EOF_RETURN: c_int = 130;
pub const BIO_C_GET_WRITE_GUARANTEE: c_int = 140;
pub const BIO_C_SHUTDOWN_WR: c_int = 142;

pub const BIO_TYPE_DESCRIPTOR: c_int = 0x0100;
pub const BIO_TYPE_SOURCE_SINK: c_int = 0x0400;
pub const BIO_TYPE_MEM: c_int = 1 | BIO_TYPE_SOURCE_SINK;
pub const BIO_TYPE_FD: c_int = 4 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR;
pub const BIO_TYPE_SOCKET: c_int = 5 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR;
pub const BIO_TYPE_BIO: c_int = 19 | BIO_TYPE_SOURCE_SINK;

/// Default write-buffer size of each half of a BIO pair, as OpenSSL.
const PAIR_DEFAULT_SIZE: usize = 17 * 1024;

pub type BioWriteFn = Option<unsafe extern "C" fn(*mut BIO, *const c_char, c_int) -> c_int>;
pub type BioReadFn = Option<unsafe extern "C" fn(*mut BIO, *mut c_char, c_int) -> c_int>;
pub type BioCtrlFn = Option<unsafe extern "C" fn(*mut BIO, c_int, c_long, *mut c_void) -> c_long>;
pub type BioCreateFn = Option<unsafe extern "C" fn(*mut BIO) -> c_int>;
pub type BioDestroyFn = Option<unsafe extern "C" fn(*mut BIO) -> c_int>;

/// A BIO type: ours are statics; `BIO_meth_new` makes application-defined ones.
pub struct BIO_METHOD {
    typ: c_int,
    builtin: Builtin,
    write: BioWriteFn,
    read: BioReadFn,
    ctrl: BioCtrlFn,
    create: BioCreateFn,
    destroy: BioDestroyFn,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Builtin {
    Mem,
    Socket,
    Fd,
    Custom,
}

static MEM_METHOD: BIO_METHOD = builtin(BIO_TYPE_MEM, Builtin::Mem);
static SOCKET_METHOD: BIO_METHOD = builtin(BIO_TYPE_SOCKET, Builtin::Socket);
static FD_METHOD: BIO_METHOD = builtin(BIO_TYPE_FD, Builtin::Fd);

const fn builtin(typ: c_int, b: Builtin) -> BIO_METHOD {
    BIO_METHOD {
        typ,
        builtin: b,
        write: None,
        read: None,
        ctrl: None,
        create: None,
        destroy: None,
    }
}

/// One direction of a BIO pair: bytes written by one half, read by the other.
struct PairBuffer {
    data: VecDeque<u8>,
    capacity: usize,
    /// The writer shut its side down (or was freed): readers see EOF once drained.
    closed: bool,
}

struct PairShared {
    /// `dirs[i]`: bytes written by half `i`, read by half `1 - i`.
    dirs: [PairBuffer; 2],
    /// Half `i` was freed: writing toward it is pointless.
    freed: [bool; 2],
}

enum Kind {
    Mem {
        buf: VecDeque<u8>,
        /// What a read of an empty buffer returns: -1 (retry) by default, 0 for EOF.
        eof_return: c_int,
        read_only: bool,
    },
    Fd {
        fd: c_int,
        socket: bool,
    },
    Pair {
        shared: Arc<Mutex<PairShared>>,
        side: usize,
    },
    Custom,
}

pub struct BIO {
    refs: AtomicUsize,
    method: *const BIO_METHOD,
    kind: Mutex<Kind>,
    flags: std::sync::atomic::AtomicI32,
    close_flag: std::sync::atomic::AtomicI32,
    init: std::sync::atomic::AtomicI32,
    data: std::sync::atomic::AtomicPtr<c_void>,
}

// SAFETY: the method pointer refers to a static or to a BIO_METHOD the application keeps alive
// while BIOs of it exist (OpenSSL's rule); all other state is behind a mutex or atomics.
unsafe impl Send for BIO {}
// SAFETY: as above.
unsafe impl Sync for BIO {}

impl BIO {
    fn new(method: *const BIO_METHOD, kind: Kind) -> *mut BIO {
        Box::into_raw(Box::new(BIO {
            refs: AtomicUsize::new(1),
            method,
            kind: Mutex::new(kind),
            flags: 0.into(),
            close_flag: BIO_CLOSE.into(),
            init: 1.into(),
            data: std::ptr::null_mut::<c_void>().into(),
        }))
    }

    fn kind(&self) -> std::sync::MutexGuard<'_, Kind> {
        self.kind.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set_flags(&self, f: c_int) {
        self.flags.fetch_or(f, Ordering::Relaxed);
    }

    fn clear_retry(&self) {
        self.flags
            .fetch_and(!(BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY), Ordering::Relaxed);
    }

    fn method(&self) -> &BIO_METHOD {
        // SAFETY: see the Send impl.
        unsafe { &*self.method }
    }
}

pub(crate) unsafe fn bio_ref<'a>(b: *const BIO) -> Option<&'a BIO> {
    if b.is_null() {
        return None;
    }
    // SAFETY: non-NULL BIO pointers from C are live BIOs from BIO_new and friends.
    Some(unsafe { &*b })
}

/// Drops one reference; the last one frees the BIO (closing its fd when it owns it).
pub(crate) unsafe fn release(b: *mut BIO) {
    // SAFETY: caller passes a live BIO holding a reference.
    let Some(r) = (unsafe { bio_ref(b) }) else {
        return;
    };
    if r.refs.fetch_sub(1, Ordering::AcqRel) != 1 {
        return;
    }
    let m = r.method();
    if m.builtin == Builtin::Custom {
        if let Some(destroy) = m.destroy {
            // SAFETY: the application's destroy callback, given its own BIO.
            unsafe { destroy(b) };
        }
    }
    {
        let kind = r.kind();
        match &*kind {
            Kind::Fd { fd, .. } if r.close_flag.load(Ordering::Relaxed) == BIO_CLOSE => {
                // SAFETY: the BIO owns the descriptor (BIO_CLOSE).
                unsafe { libc::close(*fd) };
            }
            Kind::Pair { shared, side } => {
                let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
                s.dirs[*side].closed = true;
                s.freed[*side] = true;
            }
            _ => {}
        }
    }
    // SAFETY: last reference; the pointer came from Box::into_raw.
    drop(unsafe { Box::from_raw(b) });
}

pub(crate) fn up_ref(b: &BIO) {
    b.refs.fetch_add(1, Ordering::Relaxed);
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

fn would_block(e: i32) -> bool {
    e == libc::EAGAIN || e == libc::EWOULDBLOCK || e == libc::EINTR
}

/// Moves the oldest bytes of `queue` into `buf` (at most two copies, one per contiguous run of
/// the ring) and returns how many. A queue left empty gives its memory back: an idle BIO
/// should hold nothing, and bulk traffic reallocates one buffer per burst at most.
fn take_front(queue: &mut VecDeque<u8>, buf: &mut [u8]) -> usize {
    let n = buf.len().min(queue.len());
    let (front, back) = queue.as_slices();
    let from_front = n.min(front.len());
    buf[..from_front].copy_from_slice(&front[..from_front]);
    buf[from_front..n].copy_from_slice(&back[..n - from_front]);
    if n == queue.len() {
        *queue = VecDeque::new();
    } else {
        queue.drain(..n);
    }
    n
}

/// Reads into `buf`, setting the retry flags as OpenSSL's BIOs do. Returns OpenSSL's int.
unsafe fn read_raw(b: *mut BIO, buf: &mut [u8]) -> c_int {
    // SAFETY: caller passes a live BIO.
    let r = unsafe { &*b };
    r.clear_retry();
    let len = buf.len().min(c_int::MAX as usize);
    let m = r.method();
    if m.builtin == Builtin::Custom {
        return match m.read {
            // SAFETY: the application's read callback with a buffer of `len` bytes.
            Some(f) => unsafe { f(b, buf.as_mut_ptr() as *mut c_char, len as c_int) },
            None => -2,
        };
    }
    let mut kind = r.kind();
    match &mut *kind {
        Kind::Mem {
            buf: data,
            eof_return,
            ..
        } => {
            if data.is_empty() {
                if *eof_return != 0 {
                    r.set_flags(BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
                }
                return *eof_return;
            }
            take_front(data, &mut buf[..len]) as c_int
        }
        Kind::Fd { fd, socket } => {
            let fd = *fd;
            let socket = *socket;
            drop(kind);
            loop {
                // SAFETY: `buf` has `len` writable bytes.
                let n = unsafe {
                    if socket {
                        libc::recv(fd, buf.as_mut_ptr().cast(), len, 0)
                    } else {
                        libc::read(fd, buf.as_mut_ptr().cast(), len)
                    }
                };
                if n >= 0 {
                    return n as c_int;
                }
                let e = errno();
                if e == libc::EINTR {
                    continue;
                }
                if would_block(e) {
                    r.set_flags(BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
                }
                return -1;
            }
        }
        Kind::Pair { shared, side } => {
            let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
            let dir = &mut s.dirs[1 - *side];
            if dir.data.is_empty() {
                if dir.closed {
                    return 0;
                }
                r.set_flags(BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
                return -1;
            }
            take_front(&mut dir.data, &mut buf[..len]) as c_int
        }
        Kind::Custom => -2,
    }
}

unsafe fn write_raw(b: *mut BIO, data: &[u8]) -> c_int {
    // SAFETY: caller passes a live BIO.
    let r = unsafe { &*b };
    r.clear_retry();
    let len = data.len().min(c_int::MAX as usize);
    let m = r.method();
    if m.builtin == Builtin::Custom {
        return match m.write {
            // SAFETY: the application's write callback with `len` readable bytes.
            Some(f) => unsafe { f(b, data.as_ptr() as *const c_char, len as c_int) },
            None => -2,
        };
    }
    let mut kind = r.kind();
    match &mut *kind {
        Kind::Mem { buf, read_only, .. } => {
            if *read_only {
                return -1;
            }
            buf.extend(&data[..len]);
            len as c_int
        }
        Kind::Fd { fd, socket } => {
            let fd = *fd;
            let socket = *socket;
            drop(kind);
            loop {
                // SAFETY: `data` has `len` readable bytes. MSG_NOSIGNAL keeps a closed peer
                // from killing the process with SIGPIPE.
                let n = unsafe {
                    if socket {
                        libc::send(fd, data.as_ptr().cast(), len, libc::MSG_NOSIGNAL)
                    } else {
                        libc::write(fd, data.as_ptr().cast(), len)
                    }
                };
                if n >= 0 {
                    return n as c_int;
                }
                let e = errno();
                if e == libc::EINTR {
                    continue;
                }
                if would_block(e) {
                    r.set_flags(BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY);
                }
                return -1;
            }
        }
        Kind::Pair { shared, side } => {
            let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
            if s.freed[1 - *side] || s.dirs[*side].closed {
                return -1;
            }
            let dir = &mut s.dirs[*side];
            let room = dir.capacity - dir.data.len();
            if room == 0 {
                r.set_flags(BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY);
                return -1;
            }
            let n = room.min(len);
            dir.data.extend(&data[..n]);
            n as c_int
        }
        Kind::Custom => -2,
    }
}

/// How many bytes a read would find, for BIOs that know (memory and pair BIOs); None for
/// sockets, fds and custom methods. Lets the SSL driver size its receive space to what is there
/// instead of a maximal record.
pub(crate) unsafe fn readable_now(b: *mut BIO) -> Option<usize> {
    // SAFETY: caller passes a live BIO.
    let r = unsafe { &*b };
    let kind = r.kind();
    match &*kind {
        Kind::Mem { buf, .. } => Some(buf.len()),
        Kind::Pair { shared, side } => {
            let s = shared.lock().unwrap_or_else(|p| p.into_inner());
            Some(s.dirs[1 - *side].data.len())
        }
        _ => None,
    }
}

/// Reads for the SSL driver, mapping OpenSSL's conventions to an outcome.
pub(crate) unsafe fn transport_read(b: *mut BIO, buf: &mut [u8]) -> IoOutcome {
    // SAFETY: caller passes a live BIO.
    let n = unsafe { read_raw(b, buf) };
    // Keep errno from the read before anything else can change it.
    let e = errno();
    if n > 0 {
        return IoOutcome::Done(n as usize);
    }
    // SAFETY: live BIO.
    let r = unsafe { &*b };
    if r.flags.load(Ordering::Relaxed) & BIO_FLAGS_SHOULD_RETRY != 0 {
        return IoOutcome::WouldBlock;
    }
    if n == 0 {
        return IoOutcome::Eof;
    }
    match &*r.kind() {
        Kind::Fd { .. } => IoOutcome::Failed(e),
        _ => IoOutcome::Failed(libc::EIO),
    }
}

pub(crate) unsafe fn transport_write(b: *mut BIO, data: &[u8]) -> IoOutcome {
    // SAFETY: caller passes a live BIO.
    let n = unsafe { write_raw(b, data) };
    let e = errno();
    if n > 0 {
        return IoOutcome::Done(n as usize);
    }
    // SAFETY: live BIO.
    let r = unsafe { &*b };
    if r.flags.load(Ordering::Relaxed) & BIO_FLAGS_SHOULD_RETRY != 0 {
        return IoOutcome::WouldBlock;
    }
    match &*r.kind() {
        Kind::Fd { .. } => IoOutcome::Failed(e),
        _ => IoOutcome::Failed(libc::EPIPE),
    }
}

/// Reads and drops what a socket BIO already holds, up to `limit` bytes, without blocking.
/// After a fatal error the rest of a rejected record may still sit unread in the kernel, and
/// closing a socket with unread data resets the connection: the peer could lose our alert.
pub(crate) unsafe fn discard_readable(b: *mut BIO, limit: usize) {
    // SAFETY: caller passes a live BIO.
    let r = unsafe { &*b };
    let Kind::Fd { fd, socket: true } = *r.kind() else {
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
pub(crate) fn fd_of(b: &BIO) -> Option<c_int> {
    match &*b.kind() {
        Kind::Fd { fd, .. } => Some(*fd),
        _ => None,
    }
}

pub(crate) fn new_socket(fd: c_int, close_flag: c_int) -> *mut BIO {
    let b = BIO::new(&SOCKET_METHOD, Kind::Fd { fd, socket: true });
    // SAFETY: just created.
    unsafe { &*b }
        .close_flag
        .store(close_flag, Ordering::Relaxed);
    b
}

#[no_mangle]
pub extern "C" fn BIO_s_mem() -> *const BIO_METHOD {
    &MEM_METHOD
}

#[no_mangle]
pub extern "C" fn BIO_s_socket() -> *const BIO_METHOD {
    &SOCKET_METHOD
}

#[no_mangle]
pub extern "C" fn BIO_s_fd() -> *const BIO_METHOD {
    &FD_METHOD
}

#[no_mangle]
pub unsafe extern "C" fn BIO_new(method: *const BIO_METHOD) -> *mut BIO {
    guard(std::ptr::null_mut(), || {
        if method.is_null() {
            return null_arg("BIO_METHOD", std::ptr::null_mut());
        }
        // SAFETY: a live method (static or from BIO_meth_new).
        let m = unsafe { &*method };
        let kind = match m.builtin {
            Builtin::Mem => Kind::Mem {
                buf: VecDeque::new(),
                eof_return: -1,
                read_only: false,
            },
            Builtin::Socket => Kind::Fd {
                fd: -1,
                socket: true,
            },
            Builtin::Fd => Kind::Fd {
                fd: -1,
                socket: false,
            },
            Builtin::Custom => Kind::Custom,
        };
        let b = BIO::new(method, kind);
        if m.builtin == Builtin::Custom {
            // SAFETY: just created.
            unsafe { &*b }.init.store(0, Ordering::Relaxed);
            if let Some(create) = m.create {
                // SAFETY: the application's create callback on its new BIO.
                if unsafe { create(b) } != 1 {
                    // SAFETY: created above with one reference.
                    drop(unsafe { Box::from_raw(b) });
                    return std::ptr::null_mut();
                }
            }
        }
        b
    })
}

/// A read-only memory BIO over a copy of `buf` (`len` -1: NUL-terminated string).
#[no_mangle]
pub unsafe extern "C" fn BIO_new_mem_buf(buf: *const c_void, len: c_int) -> *mut BIO {
    guard(std::ptr::null_mut(), || {
        if buf.is_null() {
            return null_arg("buffer", std::ptr::null_mut());
        }
        let n = if len < 0 {
            // SAFETY: with len < 0 the caller passes a NUL-terminated string.
            unsafe { libc::strlen(buf as *const c_char) }
        } else {
            len as usize
        };
        // SAFETY: the caller provides `n` readable bytes.
        let bytes = unsafe { std::slice::from_raw_parts(buf as *const u8, n) };
        BIO::new(
            &MEM_METHOD,
            Kind::Mem {
                buf: bytes.iter().copied().collect(),
                eof_return: 0,
                read_only: true,
            },
        )
    })
}

#[no_mangle]
pub extern "C" fn BIO_new_socket(fd: c_int, close_flag: c_int) -> *mut BIO {
    guard(std::ptr::null_mut(), || new_socket(fd, close_flag))
}

#[no_mangle]
pub extern "C" fn BIO_new_fd(fd: c_int, close_flag: c_int) -> *mut BIO {
    guard(std::ptr::null_mut(), || {
        let b = BIO::new(&FD_METHOD, Kind::Fd { fd, socket: false });
        // SAFETY: just created.
        unsafe { &*b }
            .close_flag
            .store(close_flag, Ordering::Relaxed);
        b
    })
}

/// Two connected BIOs: what one writes the other reads. `writebuf` sizes each half's write
/// buffer (0 for the default).
#[no_mangle]
pub unsafe extern "C" fn BIO_new_bio_pair(
    bio1: *mut *mut BIO,
    writebuf1: usize,
    bio2: *mut *mut BIO,
    writebuf2: usize,
) -> c_int {
    guard(0, || {
        if bio1.is_null() || bio2.is_null() {
            return null_arg("BIO pointer", 0);
        }
        let size = |n: usize| if n == 0 { PAIR_DEFAULT_SIZE } else { n };
        let shared = Arc::new(Mutex::new(PairShared {
            dirs: [
                PairBuffer {
                    data: VecDeque::new(),
                    capacity: size(writebuf1),
                    closed: false,
                },
                PairBuffer {
                    data: VecDeque::new(),
                    capacity: size(writebuf2),
                    closed: false,
                },
            ],
            freed: [false; 2],
        }));
        let pair_method: *const BIO_METHOD = &PAIR_METHOD;
        let a = BIO::new(
            pair_method,
            Kind::Pair {
                shared: shared.clone(),
                side: 0,
            },
        );
        let b = BIO::new(pair_method, Kind::Pair { shared, side: 1 });
        // SAFETY: both out-pointers checked non-NULL.
        unsafe {
            *bio1 = a;
            *bio2 = b;
        }
        1
    })
}

static PAIR_METHOD: BIO_METHOD = builtin(BIO_TYPE_BIO, Builtin::Mem);

#[no_mangle]
pub unsafe extern "C" fn BIO_free(b: *mut BIO) -> c_int {
    guard(0, || {
        if b.is_null() {
            return 0;
        }
        // SAFETY: a live BIO; this call gives up one reference.
        unsafe { release(b) };
        1
    })
}

#[no_mangle]
pub unsafe extern "C" fn BIO_free_all(b: *mut BIO) {
    // SAFETY: same contract as BIO_free (libtls BIOs are never chained).
    unsafe { BIO_free(b) };
}

#[no_mangle]
pub unsafe extern "C" fn BIO_vfree(b: *mut BIO) {
    // SAFETY: same contract as BIO_free.
    unsafe { BIO_free(b) };
}

#[no_mangle]
pub unsafe extern "C" fn BIO_up_ref(b: *mut BIO) -> c_int {
    guard(0, || {
        // SAFETY: see bio_ref.
        match unsafe { bio_ref(b) } {
            Some(r) => {
                up_ref(r);
                1
            }
            None => null_arg("BIO", 0),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn BIO_read(b: *mut BIO, data: *mut c_void, dlen: c_int) -> c_int {
    guard(-1, || {
        if b.is_null() || data.is_null() || dlen < 0 {
            return -1;
        }
        // SAFETY: the caller provides `dlen` writable bytes; the BIO is live.
        unsafe {
            let buf = std::slice::from_raw_parts_mut(data as *mut u8, dlen as usize);
            read_raw(b, buf)
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn BIO_write(b: *mut BIO, data: *const c_void, dlen: c_int) -> c_int {
    guard(-1, || {
        if b.is_null() || data.is_null() || dlen < 0 {
            return -1;
        }
        if dlen == 0 {
            return 0;
        }
        // SAFETY: the caller provides `dlen` readable bytes; the BIO is live.
        unsafe {
            let buf = std::slice::from_raw_parts(data as *const u8, dlen as usize);
            write_raw(b, buf)
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn BIO_read_ex(
    b: *mut BIO,
    data: *mut c_void,
    dlen: usize,
    readbytes: *mut usize,
) -> c_int {
    let n = dlen.min(c_int::MAX as usize) as c_int;
    // SAFETY: same contract as BIO_read.
    let r = unsafe { BIO_read(b, data, n) };
    if !readbytes.is_null() {
        // SAFETY: checked non-NULL.
        unsafe { *readbytes = r.max(0) as usize };
    }
    (r > 0) as c_int
}

#[no_mangle]
pub unsafe extern "C" fn BIO_write_ex(
    b: *mut BIO,
    data: *const c_void,
    dlen: usize,
    written: *mut usize,
) -> c_int {
    let n = dlen.min(c_int::MAX as usize) as c_int;
    // SAFETY: same contract as BIO_write.
    let r = unsafe { BIO_write(b, data, n) };
    if !written.is_null() {
        // SAFETY: checked non-NULL.
        unsafe { *written = r.max(0) as usize };
    }
    (r > 0 || (dlen == 0 && r == 0)) as c_int
}

/// OpenSSL's generic control call; the macros (`BIO_pending`, `BIO_eof`, ...) are functions here.
#[no_mangle]
pub unsafe extern "C" fn BIO_ctrl(
    b: *mut BIO,
    cmd: c_int,
    larg: c_long,
    parg: *mut c_void,
) -> c_long {
    guard(0, || {
        // SAFETY: see bio_ref.
        let Some(r) = (unsafe { bio_ref(b) }) else {
            return 0;
        };
        let m = r.method();
        if m.builtin == Builtin::Custom {
            return match m.ctrl {
                // SAFETY: the application's ctrl callback.
                Some(f) => unsafe { f(b, cmd, larg, parg) },
                None => 0,
            };
        }
        match cmd {
            BIO_CTRL_GET_CLOSE => return r.close_flag.load(Ordering::Relaxed) as c_long,
            BIO_CTRL_SET_CLOSE => {
                r.close_flag.store(larg as c_int, Ordering::Relaxed);
                return 1;
            }
            _ => {}
        }
        let mut kind = r.kind();
        match (&mut *kind, cmd) {
            (Kind::Mem { buf, .. }, BIO_CTRL_PENDING) => buf.len() as c_long,
            (
                Kind::Mem {
                    buf, eof_return, ..
                },
                BIO_CTRL_EOF,
            ) => (buf.is_empty() && *eof_return == 0) as c_long,
            (Kind::Mem { eof_return, .. }, BIO_C_SET_BUF_MEM_EOF_RETURN) => {
                *eof_return = larg as c_int;
                1
            }
            (Kind::Mem { buf, read_only, .. }, BIO_CTRL_RESET) => {
                if !*read_only {
                    buf.clear();
                }
                1
            }
            (Kind::Pair { shared, side }, BIO_CTRL_PENDING) => {
                let s = shared.lock().unwrap_or_else(|p| p.into_inner());
                s.dirs[1 - *side].data.len() as c_long
            }
            (Kind::Pair { shared, side }, BIO_CTRL_WPENDING) => {
                let s = shared.lock().unwrap_or_else(|p| p.into_inner());
                s.dirs[*side].data.len() as c_long
            }
            (Kind::Pair { shared, side }, BIO_CTRL_EOF) => {
                let s = shared.lock().unwrap_or_else(|p| p.into_inner());
                let d = &s.dirs[1 - *side];
                (d.closed && d.data.is_empty()) as c_long
            }
            (Kind::Pair { shared, side }, BIO_C_GET_WRITE_GUARANTEE) => {
                let s = shared.lock().unwrap_or_else(|p| p.into_inner());
                let d = &s.dirs[*side];
                (d.capacity - d.data.len()) as c_long
            }
            (Kind::Pair { shared, side }, BIO_C_SHUTDOWN_WR) => {
                let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
                s.dirs[*side].closed = true;
                1
            }
            (Kind::Fd { fd, .. }, BIO_C_SET_FD) => {
                if !parg.is_null() {
                    // SAFETY: BIO_set_fd passes a pointer to the int descriptor.
                    *fd = unsafe { *(parg as *const c_int) };
                }
                r.close_flag.store(larg as c_int, Ordering::Relaxed);
                1
            }
            (Kind::Fd { fd, .. }, BIO_C_GET_FD) => {
                if !parg.is_null() {
                    // SAFETY: BIO_get_fd passes a pointer to an int.
                    unsafe { *(parg as *mut c_int) = *fd };
                }
                *fd as c_long
            }
            (_, BIO_CTRL_FLUSH) => 1,
            (_, BIO_CTRL_PENDING | BIO_CTRL_WPENDING | BIO_CTRL_EOF) => 0,
            _ => 0,
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn BIO_ctrl_pending(b: *mut BIO) -> usize {
    // SAFETY: same contract as BIO_ctrl.
    unsafe { BIO_ctrl(b, BIO_CTRL_PENDING, 0, std::ptr::null_mut()) }.max(0) as usize
}

#[no_mangle]
pub unsafe extern "C" fn BIO_ctrl_wpending(b: *mut BIO) -> usize {
    // SAFETY: same contract as BIO_ctrl.
    unsafe { BIO_ctrl(b, BIO_CTRL_WPENDING, 0, std::ptr::null_mut()) }.max(0) as usize
}

#[no_mangle]
pub unsafe extern "C" fn BIO_pending(b: *mut BIO) -> c_int {
    // SAFETY: same contract as BIO_ctrl.
    unsafe { BIO_ctrl(b, BIO_CTRL_PENDING, 0, std::ptr::null_mut()) as c_int }
}

#[no_mangle]
pub unsafe extern "C" fn BIO_wpending(b: *mut BIO) -> c_int {
    // SAFETY: same contract as BIO_ctrl.
    unsafe { BIO_ctrl(b, BIO_CTRL_WPENDING, 0, std::ptr::null_mut()) as c_int }
}

#[no_mangle]
pub unsafe extern "C" fn BIO_eof(b: *mut BIO) -> c_int {
    // SAFETY: same contract as BIO_ctrl.
    unsafe { BIO_ctrl(b, BIO_CTRL_EOF, 0, std::ptr::null_mut()) as c_int }
}

#[no_mangle]
pub unsafe extern "C" fn BIO_reset(b: *mut BIO) -> c_int {
    // SAFETY: same contract as BIO_ctrl.
    unsafe { BIO_ctrl(b, BIO_CTRL_RESET, 0, std::ptr::null_mut()) as c_int }
}

#[no_mangle]
pub unsafe extern "C" fn BIO_flush(b: *mut BIO) -> c_int {
    // SAFETY: same contract as BIO_ctrl.
    unsafe { BIO_ctrl(b, BIO_CTRL_FLUSH, 0, std::ptr::null_mut()) as c_int }
}

#[no_mangle]
pub unsafe extern "C" fn BIO_set_mem_eof_return(b: *mut BIO, v: c_int) -> c_int {
    // SAFETY: same contract as BIO_ctrl.
    unsafe {
        BIO_ctrl(
            b,
            BIO_C_SET_BUF_MEM_EOF_RETURN,
            v as c_long,
            std::ptr::null_mut(),
        ) as c_int
    }
}

#[no_mangle]
pub unsafe extern "C" fn BIO_ctrl_get_write_guarantee(b: *mut BIO) -> usize {
    // SAFETY: same contract as BIO_ctrl.
    unsafe { BIO_ctrl(b, BIO_C_GET_WRITE_GUARANTEE, 0, std::ptr::null_mut()) }.max(0) as usize
}

#[no_mangle]
pub unsafe extern "C" fn BIO_shutdown_wr(b: *mut BIO) -> c_int {
    // SAFETY: same contract as BIO_ctrl.
    unsafe { BIO_ctrl(b, BIO_C_SHUTDOWN_WR, 0, std::ptr::null_mut()) as c_int }
}

#[no_mangle]
pub unsafe extern "C" fn BIO_set_fd(b: *mut BIO, fd: c_int, close_flag: c_int) -> c_int {
    let mut fd = fd;
    // SAFETY: same contract as BIO_ctrl; `fd` lives for the call.
    unsafe {
        BIO_ctrl(
            b,
            BIO_C_SET_FD,
            close_flag as c_long,
            &mut fd as *mut c_int as *mut c_void,
        ) as c_int
    }
}

#[no_mangle]
pub unsafe extern "C" fn BIO_get_fd(b: *mut BIO, out: *mut c_int) -> c_int {
    // SAFETY: same contract as BIO_ctrl.
    unsafe { BIO_ctrl(b, BIO_C_GET_FD, 0, out as *mut c_void) as c_int }
}

#[no_mangle]
pub unsafe extern "C" fn BIO_test_flags(b: *const BIO, flags: c_int) -> c_int {
    // SAFETY: see bio_ref.
    guard(0, || {
        unsafe { bio_ref(b) }.map_or(0, |r| r.flags.load(Ordering::Relaxed) & flags)
    })
}

#[no_mangle]
pub unsafe extern "C" fn BIO_set_flags(b: *mut BIO, flags: c_int) {
    // SAFETY: see bio_ref.
    guard((), || {
        if let Some(r) = unsafe { bio_ref(b) } {
            r.set_flags(flags)
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn BIO_clear_flags(b: *mut BIO, flags: c_int) {
    // SAFETY: see bio_ref.
    guard((), || {
        if let Some(r) = unsafe { bio_ref(b) } {
            r.flags.fetch_and(!flags, Ordering::Relaxed);
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn BIO_should_retry(b: *const BIO) -> c_int {
    // SAFETY: same contract as BIO_test_flags.
    (unsafe { BIO_test_flags(b, BIO_FLAGS_SHOULD_RETRY) } != 0) as c_int
}

#[no_mangle]
pub unsafe extern "C" fn BIO_should_read(b: *const BIO) -> c_int {
    // SAFETY: same contract as BIO_test_flags.
    (unsafe { BIO_test_flags(b, BIO_FLAGS_READ) } != 0) as c_int
}

#[no_mangle]
pub unsafe extern "C" fn BIO_should_write(b: *const BIO) -> c_int {
    // SAFETY: same contract as BIO_test_flags.
    (unsafe { BIO_test_flags(b, BIO_FLAGS_WRITE) } != 0) as c_int
}

#[no_mangle]
pub unsafe extern "C" fn BIO_set_retry_read(b: *mut BIO) {
    // SAFETY: same contract as BIO_set_flags.
    unsafe { BIO_set_flags(b, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY) }
}

#[no_mangle]
pub unsafe extern "C" fn BIO_set_retry_write(b: *mut BIO) {
    // SAFETY: same contract as BIO_set_flags.
    unsafe { BIO_set_flags(b, BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY) }
}

#[no_mangle]
pub unsafe extern "C" fn BIO_clear_retry_flags(b: *mut BIO) {
    // SAFETY: same contract as BIO_clear_flags.
    unsafe { BIO_clear_flags(b, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY) }
}

#[no_mangle]
pub unsafe extern "C" fn BIO_method_type(b: *const BIO) -> c_int {
    // SAFETY: see bio_ref.
    guard(0, || unsafe { bio_ref(b) }.map_or(0, |r| r.method().typ))
}

// Application-defined BIOs (curl and others drive TLS over their own transports this way).

#[no_mangle]
pub extern "C" fn BIO_get_new_index() -> c_int {
    static NEXT: AtomicUsize = AtomicUsize::new(128);
    NEXT.fetch_add(1, Ordering::Relaxed) as c_int
}

#[no_mangle]
pub unsafe extern "C" fn BIO_meth_new(typ: c_int, _name: *const c_char) -> *mut BIO_METHOD {
    guard(std::ptr::null_mut(), || {
        Box::into_raw(Box::new(BIO_METHOD {
            typ,
            builtin: Builtin::Custom,
            write: None,
            read: None,
            ctrl: None,
            create: None,
            destroy: None,
        }))
    })
}

/// Frees a method from `BIO_meth_new`; BIOs of it must be freed first (OpenSSL's rule).
#[no_mangle]
pub unsafe extern "C" fn BIO_meth_free(m: *mut BIO_METHOD) {
    guard((), || {
        if m.is_null() {
            return;
        }
        // SAFETY: only methods from BIO_meth_new are freed here; statics are Builtin.
        if unsafe { &*m }.builtin == Builtin::Custom {
            // SAFETY: the pointer came from Box::into_raw in BIO_meth_new.
            drop(unsafe { Box::from_raw(m) });
        }
    })
}

/// Changes an application-defined method; built-in methods are refused.
fn set_method_fn(m: *mut BIO_METHOD, set: impl FnOnce(&mut BIO_METHOD)) -> c_int {
    guard(0, || {
        if m.is_null() {
            return null_arg("BIO_METHOD", 0);
        }
        // SAFETY: a live method; statics are recognised by their kind and never written.
        let meth = unsafe { &mut *m };
        if meth.builtin != Builtin::Custom {
            err::push(&Error::local(
                Reason::INVALID_ARGUMENT,
                "built-in BIO methods cannot be changed",
            ));
            return 0;
        }
        set(meth);
        1
    })
}

#[no_mangle]
pub unsafe extern "C" fn BIO_meth_set_write(m: *mut BIO_METHOD, f: BioWriteFn) -> c_int {
    set_method_fn(m, |meth| meth.write = f)
}

#[no_mangle]
pub unsafe extern "C" fn BIO_meth_set_read(m: *mut BIO_METHOD, f: BioReadFn) -> c_int {
    set_method_fn(m, |meth| meth.read = f)
}

#[no_mangle]
pub unsafe extern "C" fn BIO_meth_set_ctrl(m: *mut BIO_METHOD, f: BioCtrlFn) -> c_int {
    set_method_fn(m, |meth| meth.ctrl = f)
}

#[no_mangle]
pub unsafe extern "C" fn BIO_meth_set_create(m: *mut BIO_METHOD, f: BioCreateFn) -> c_int {
    set_method_fn(m, |meth| meth.create = f)
}

#[no_mangle]
pub unsafe extern "C" fn BIO_meth_set_destroy(m: *mut BIO_METHOD, f: BioDestroyFn) -> c_int {
    set_method_fn(m, |meth| meth.destroy = f)
}

#[no_mangle]
pub unsafe extern "C" fn BIO_set_data(b: *mut BIO, data: *mut c_void) {
    // SAFETY: see bio_ref.
    guard((), || {
        if let Some(r) = unsafe { bio_ref(b) } {
            r.data.store(data, Ordering::Relaxed)
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn BIO_get_data(b: *mut BIO) -> *mut c_void {
    // SAFETY: see bio_ref.
    guard(std::ptr::null_mut(), || {
        unsafe { bio_ref(b) }.map_or(std::ptr::null_mut(), |r| r.data.load(Ordering::Relaxed))
    })
}

#[no_mangle]
pub unsafe extern "C" fn BIO_set_init(b: *mut BIO, init: c_int) {
    // SAFETY: see bio_ref.
    guard((), || {
        if let Some(r) = unsafe { bio_ref(b) } {
            r.init.store(init, Ordering::Relaxed)
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn BIO_get_init(b: *mut BIO) -> c_int {
    // SAFETY: see bio_ref.
    guard(0, || {
        unsafe { bio_ref(b) }.map_or(0, |r| r.init.load(Ordering::Relaxed))
    })
}

#[no_mangle]
pub unsafe extern "C" fn BIO_set_shutdown(b: *mut BIO, shut: c_int) {
    // SAFETY: see bio_ref.
    guard((), || {
        if let Some(r) = unsafe { bio_ref(b) } {
            r.close_flag.store(shut, Ordering::Relaxed)
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn BIO_get_shutdown(b: *mut BIO) -> c_int {
    // SAFETY: see bio_ref.
    guard(0, || {
        unsafe { bio_ref(b) }.map_or(0, |r| r.close_flag.load(Ordering::Relaxed))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_front_copies_across_the_ring_wrap_and_releases_an_emptied_queue() {
        let mut queue: VecDeque<u8> = VecDeque::with_capacity(8);
        queue.extend(0u8..6);
        queue.drain(..4);
        // 4 and 5 sit at the end of the ring; 6..=10 wrap around to its start.
        queue.extend(6u8..11);
        let (front, back) = queue.as_slices();
        assert!(
            !front.is_empty() && !back.is_empty(),
            "the test needs a wrapped ring"
        );
        let mut buf = [0u8; 4];
        assert_eq!(take_front(&mut queue, &mut buf), 4);
        assert_eq!(buf, [4, 5, 6, 7]);
        assert_eq!(queue.iter().copied().collect::<Vec<_>>(), [8, 9, 10]);
        let mut rest = [0u8; 16];
        assert_eq!(take_front(&mut queue, &mut rest), 3);
        assert_eq!(&rest[..3], &[8, 9, 10]);
        assert!(queue.is_empty());
        assert_eq!(queue.capacity(), 0, "an idle queue holds no memory");
        assert_eq!(take_front(&mut queue, &mut rest), 0);
    }

    #[test]
    fn memory_bio_reads_what_was_written_and_asks_to_retry_when_empty() {
        // SAFETY: test-local BIOs used per the API contract.
        unsafe {
            let b = BIO_new(BIO_s_mem());
            assert_eq!(BIO_write(b, b"hello".as_ptr().cast(), 5), 5);
            assert_eq!(BIO_ctrl_pending(b), 5);
            let mut buf = [0u8; 8];
            assert_eq!(BIO_read(b, buf.as_mut_ptr().cast(), 8), 5);
            assert_eq!(&buf[..5], b"hello");
            assert_eq!(BIO_read(b, buf.as_mut_ptr().cast(), 8), -1);
            assert_eq!(BIO_should_retry(b), 1);
            assert_eq!(BIO_should_read(b), 1);
            BIO_set_mem_eof_return(b, 0);
            assert_eq!(BIO_read(b, buf.as_mut_ptr().cast(), 8), 0);
            assert_eq!(BIO_should_retry(b), 0);
            assert_eq!(BIO_eof(b), 1);
            BIO_free(b);
        }
    }

    #[test]
    fn bio_pair_respects_capacity_and_shutdown() {
        // SAFETY: test-local BIOs used per the API contract.
        unsafe {
            let mut a = std::ptr::null_mut();
            let mut b = std::ptr::null_mut();
            assert_eq!(BIO_new_bio_pair(&mut a, 4, &mut b, 4), 1);
            assert_eq!(BIO_write(a, b"abcdef".as_ptr().cast(), 6), 4);
            assert_eq!(BIO_write(a, b"x".as_ptr().cast(), 1), -1);
            assert_eq!(BIO_should_retry(a), 1);
            assert_eq!(BIO_ctrl_pending(b), 4);
            let mut buf = [0u8; 8];
            assert_eq!(BIO_read(b, buf.as_mut_ptr().cast(), 8), 4);
            assert_eq!(&buf[..4], b"abcd");
            assert_eq!(BIO_read(b, buf.as_mut_ptr().cast(), 8), -1);
            assert_eq!(BIO_should_retry(b), 1);
            BIO_shutdown_wr(a);
            assert_eq!(BIO_read(b, buf.as_mut_ptr().cast(), 8), 0);
            BIO_free(a);
            BIO_free(b);
        }
    }

    #[test]
    fn read_only_memory_bio() {
        // SAFETY: test-local BIO over a static string.
        unsafe {
            let b = BIO_new_mem_buf(c"abc".as_ptr().cast(), -1);
            assert_eq!(BIO_write(b, b"x".as_ptr().cast(), 1), -1);
            let mut buf = [0u8; 4];
            assert_eq!(BIO_read(b, buf.as_mut_ptr().cast(), 4), 3);
            assert_eq!(BIO_read(b, buf.as_mut_ptr().cast(), 4), 0);
            BIO_free(b);
        }
    }
}
