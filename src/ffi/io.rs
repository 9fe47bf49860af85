//! The transport under an `SSL`: a file descriptor for now (BIOs come with the event-loop work).

/// What one read or write on the transport did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoOutcome {
    Done(usize),
    WouldBlock,
    Eof,
    Failed(i32),
}

pub struct FdTransport {
    pub fd: i32,
}

fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

impl FdTransport {
    pub fn read(&mut self, buf: &mut [u8]) -> IoOutcome {
        loop {
            // SAFETY: `buf` is a valid writable slice; the fd is the application's.
            let n = unsafe { libc::read(self.fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n > 0 {
                return IoOutcome::Done(n as usize);
            }
            if n == 0 {
                return IoOutcome::Eof;
            }
            match errno() {
                libc::EINTR => continue,
                e if e == libc::EAGAIN || e == libc::EWOULDBLOCK => return IoOutcome::WouldBlock,
                e => return IoOutcome::Failed(e),
            }
        }
    }

    pub fn write(&mut self, buf: &[u8]) -> IoOutcome {
        loop {
            // send() with MSG_NOSIGNAL keeps a closed peer from killing the process with SIGPIPE;
            // fall back to write() for descriptors that are not sockets.
            // SAFETY: `buf` is a valid readable slice; the fd is the application's.
            let mut n =
                unsafe { libc::send(self.fd, buf.as_ptr().cast(), buf.len(), libc::MSG_NOSIGNAL) };
            if n < 0 && errno() == libc::ENOTSOCK {
                // SAFETY: as above.
                n = unsafe { libc::write(self.fd, buf.as_ptr().cast(), buf.len()) };
            }
            if n >= 0 {
                return IoOutcome::Done(n as usize);
            }
            match errno() {
                libc::EINTR => continue,
                e if e == libc::EAGAIN || e == libc::EWOULDBLOCK => return IoOutcome::WouldBlock,
                e => return IoOutcome::Failed(e),
            }
        }
    }
}
