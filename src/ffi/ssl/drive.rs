//! Driving one `SSL`: its transport (fd or BIOs), the handshake, reads, writes and shutdown with
//! OpenSSL's blocking and non-blocking semantics, and what `SSL_get_error` reports.

use super::*;

/// Read granularity: one maximal TLS 1.2 ciphertext record plus its header.
pub(crate) const READ_CHUNK: usize =
    crate::record::MAX_CIPHERTEXT_TLS12 + crate::record::HEADER_LEN;

/// How a drive of the connection ended when it could not finish.
pub(crate) enum Stop {
    /// The ClientHello callback asked to be called again (`SSL_ERROR_WANT_CLIENT_HELLO_CB`).
    ClientHelloCb,
    WantRead,
    WantWrite,
    /// The certificate callback asked to be called again (`SSL_ERROR_WANT_X509_LOOKUP`).
    WantX509Lookup,
    Syscall(i32),
    Eof,
    Failed,
}

impl SSL {
    /// Creates the core connection on first use, once the role is known. Not inlined: the
    /// connection is built in this frame, which would otherwise stay on the stack under every
    /// handshake step (issue 19).
    #[inline(never)]
    fn ensure_conn(&mut self) -> Result<&mut Connection, Stop> {
        if self.conn.is_none() {
            let role = match self.role.or(self.ctx().method.role) {
                Some(r) => r,
                None => {
                    err::push(&Error::local(
                        Reason::CONNECTION_TYPE_NOT_SET,
                        "call SSL_connect/SSL_accept or SSL_set_connect_state/SSL_set_accept_state first",
                    ));
                    return Err(Stop::Failed);
                }
            };
            self.role = Some(role);
            let config = self.config();
            let mut conn = match role {
                Role::Client => Connection::new_client(
                    config,
                    ClientOptions {
                        server_name: self.sni.clone(),
                        verify_identity: self.verify_param.policy.clone().into_identity(),
                    },
                ),
                Role::Server => Connection::new_server(config),
            };
            conn.set_resume_session(self.sessions.resume.clone());
            let (protocol, secrets) = crate::ffi::observe::wanted_events(self);
            conn.enable_events(protocol, secrets);
            let started = conn.start();
            self.conn = Some(conn);
            self.deliver_events();
            if let Err(e) = started {
                self.report(&e);
                return Err(Stop::Failed);
            }
        }
        Ok(self.conn.as_mut().expect("created above"))
    }

    fn report(&mut self, e: &Error) {
        if !self.error_reported {
            self.error_reported = true;
            err::push(e);
        }
    }

    /// Writes all pending TLS bytes.
    fn flush(&mut self) -> Result<(), Stop> {
        self.deliver_events();
        loop {
            let Some(conn) = self.conn.as_mut() else {
                return Ok(());
            };
            let pending = conn.pending_tls();
            if pending.is_empty() {
                self.key_update_pending = SSL_KEY_UPDATE_NONE;
                return Ok(());
            }
            if self.wbio.is_null() {
                err::push(&Error::local(
                    Reason::INVALID_ARGUMENT,
                    "no write BIO or file descriptor set (SSL_set_fd / SSL_set_bio)",
                ));
                return Err(Stop::Failed);
            }
            // SAFETY: the SSL owns a reference on its write BIO.
            match unsafe { bio::transport_write(self.wbio, pending) } {
                IoOutcome::Done(n) => conn.consume_tls(n),
                IoOutcome::WouldBlock => return Err(Stop::WantWrite),
                IoOutcome::Eof => return Err(Stop::Syscall(libc::EPIPE)),
                IoOutcome::Failed(e) => return Err(Stop::Syscall(e)),
            }
        }
    }

    /// Reads once from the transport and feeds the core.
    fn fill(&mut self) -> Result<(), Stop> {
        if self.rbio.is_null() {
            err::push(&Error::local(
                Reason::INVALID_ARGUMENT,
                "no read BIO or file descriptor set (SSL_set_fd / SSL_set_bio)",
            ));
            return Err(Stop::Failed);
        }
        // The transport writes straight into the connection's receive buffer, where records
        // are then opened in place.
        // SAFETY: the SSL owns a reference on its read BIO.
        let len = match unsafe { bio::readable_now(self.rbio) } {
            // A memory or pair BIO says how much it holds: take it all (lend only that much
            // space, at least a record header so an empty BIO still answers the read). Its
            // bytes are in the application's hands either way, invisible to poll/epoll, and a
            // flight's records then cost one pass instead of two reads each (resumption in
            // `make bench`).
            Some(n) => n.clamp(crate::record::HEADER_LEN, READ_CHUNK),
            // Read-ahead: whatever the socket has, up to a maximal record (fewer system calls).
            None if self.read_ahead => READ_CHUNK,
            // OpenSSL's default: a record header, then exactly the rest of that record. Bytes
            // after it stay in the kernel, where an event loop waiting for the socket to become
            // readable sees them (a server's SSL_accept must not swallow the client's first
            // application record along with its Finished).
            None => {
                let conn = self.conn.as_ref().expect("connection exists while reading");
                conn.wanted().clamp(1, READ_CHUNK)
            }
        };
        let conn = self.conn.as_mut().expect("connection exists while reading");
        let space = conn.receive_space(len);
        // SAFETY: the SSL owns a reference on its read BIO.
        let stop = match unsafe { bio::transport_read(self.rbio, space) } {
            IoOutcome::Done(n) => {
                let result = conn.received(n);
                self.deliver_events();
                if conn_paused(self) {
                    return Err(Stop::ClientHelloCb);
                }
                if let Err(e) = result {
                    self.report(&e);
                    // Send the alert the error calls for before giving up.
                    let _ = self.flush();
                    if !self.read_ahead {
                        // SAFETY: the SSL owns a reference on its read BIO.
                        unsafe { bio::discard_readable(self.rbio, 4 * READ_CHUNK) };
                    }
                    return Err(Stop::Failed);
                }
                self.deliver_new_sessions();
                return Ok(());
            }
            IoOutcome::WouldBlock => Stop::WantRead,
            IoOutcome::Eof => Stop::Eof,
            IoOutcome::Failed(e) => Stop::Syscall(e),
        };
        // Nothing arrived: the space lent for it is not kept while the connection waits, unless
        // application data is streaming in (then the next records reuse it).
        conn.release_idle_buffers(self.mode & SSL_MODE_RELEASE_BUFFERS != 0);
        Err(stop)
    }

    /// Turns a stop into `-1` (or 0 for EOF) and records what `SSL_get_error` should say.
    fn stop(&mut self, stop: Stop, during_handshake: bool) -> c_int {
        self.want = match stop {
            Stop::WantRead => SSL_READING,
            Stop::WantWrite => SSL_WRITING,
            Stop::ClientHelloCb => crate::ffi::client_hello::SSL_CLIENT_HELLO_CB,
            Stop::WantX509Lookup => SSL_X509_LOOKUP,
            _ => SSL_NOTHING,
        };
        if let Some(conn) = self.conn.as_mut() {
            match stop {
                Stop::Syscall(e) => conn.note_transport_end(TransportEnd::Error(e)),
                Stop::Eof => conn.note_transport_end(TransportEnd::Eof),
                _ => {}
            }
        }
        // SSL_OP_IGNORE_UNEXPECTED_EOF: after the handshake, the peer closing the transport
        // without close_notify reads as a clean close, as in OpenSSL 3.
        if matches!(stop, Stop::Eof)
            && !during_handshake
            && self.options & SSL_OP_IGNORE_UNEXPECTED_EOF != 0
        {
            self.shutdown_flags |= SSL_RECEIVED_SHUTDOWN;
            self.last_error = SSL_ERROR_ZERO_RETURN;
            return 0;
        }
        self.last_error = match stop {
            Stop::ClientHelloCb => crate::ffi::client_hello::SSL_ERROR_WANT_CLIENT_HELLO_CB,
            Stop::WantRead => SSL_ERROR_WANT_READ,
            Stop::WantWrite => SSL_ERROR_WANT_WRITE,
            Stop::WantX509Lookup => SSL_ERROR_WANT_X509_LOOKUP,
            Stop::Syscall(e) => {
                err::push_errno(e, "transport");
                // Keep errno for the caller, as OpenSSL leaves it.
                set_errno(e);
                SSL_ERROR_SYSCALL
            }
            Stop::Eof => {
                let detail = if during_handshake {
                    format!(
                        "the peer closed the connection during the handshake (state: {}){}",
                        self.conn.as_ref().map_or("before", |c| c.state_name()),
                        if self
                            .conn
                            .as_ref()
                            .is_some_and(|c| c.negotiated().version.is_none())
                        {
                            "; is a TLS server listening at this port?"
                        } else {
                            ""
                        }
                    )
                } else {
                    "the peer closed the connection without sending close_notify".to_string()
                };
                err::push(&Error::local(Reason::UNEXPECTED_EOF_WHILE_READING, detail));
                SSL_ERROR_SSL
            }
            Stop::Failed => SSL_ERROR_SSL,
        };
        -1
    }

    fn failed_already(&mut self) -> bool {
        let e = self.conn.as_ref().and_then(|c| c.error().cloned());
        match e {
            Some(e) => {
                self.report(&e);
                true
            }
            None => false,
        }
    }

    /// One handshake call, reported to the info callback as OpenSSL's state machine does.
    fn do_handshake(&mut self) -> c_int {
        self.observers.invalidate();
        let in_init = self.conn.as_ref().is_none_or(|c| c.is_handshaking());
        if in_init {
            // As OpenSSL's handshake state machine does on each entry: errors a program left on
            // the queue (socat's failed PEM_read_bio_DHparams) must not turn a later
            // SSL_ERROR_WANT_READ into SSL_ERROR_SSL (SSL_get_error looks at the queue first).
            err::clear();
        }
        let r = self.drive_handshake();
        if in_init {
            self.deliver_events();
            // SAFETY: this SSL is live; the callback may re-enter the library with it.
            unsafe { crate::ffi::observe::exit(self as *mut SSL, r) };
        }
        r
    }

    fn drive_handshake(&mut self) -> c_int {
        if let Err(s) = self.ensure_conn() {
            return self.stop(s, true);
        }
        // Paused for the application (the certificate callback asked to be called again): ask
        // it again now. A failure is reported below, as any other.
        let conn = self.conn.as_mut().expect("exists");
        if conn.paused().is_some() {
            let _ = conn.resume();
        }
        loop {
            if let Err(s) = self.flush() {
                return self.stop(s, true);
            }
            if self.failed_already() {
                return self.stop(Stop::Failed, true);
            }
            let conn = self.conn.as_ref().expect("exists");
            if conn.paused().is_some() {
                return self.stop(Stop::WantX509Lookup, true);
            }
            if !conn.is_handshaking() {
                self.last_error = SSL_ERROR_NONE;
                return 1;
            }
            if conn.client_hello_paused() {
                // The ClientHello callback asked to retry: run it again on the same message.
                let result = self.conn.as_mut().expect("exists").resume_client_hello();
                self.deliver_events();
                if conn_paused(self) {
                    return self.stop(Stop::ClientHelloCb, true);
                }
                if let Err(e) = result {
                    self.report(&e);
                    let _ = self.flush();
                    return self.stop(Stop::Failed, true);
                }
                self.deliver_new_sessions();
                continue;
            }
            if conn.received_close_notify() {
                // The peer gave up politely; OpenSSL reports this as a clean close.
                self.conn
                    .as_mut()
                    .expect("exists")
                    .note_transport_end(TransportEnd::Eof);
                self.want = SSL_NOTHING;
                self.last_error = SSL_ERROR_ZERO_RETURN;
                self.shutdown_flags |= SSL_RECEIVED_SHUTDOWN;
                return 0;
            }
            if let Err(s) = self.fill() {
                return self.stop(s, true);
            }
        }
    }

    fn read(&mut self, buf: &mut [u8], peek: bool) -> c_int {
        if self.conn.as_ref().is_none_or(|c| c.is_handshaking()) {
            let r = self.do_handshake();
            if r <= 0 {
                return r;
            }
        }
        loop {
            let conn = self.conn.as_mut().expect("handshake done");
            if conn.plaintext_len() > 0 {
                let n = if peek {
                    conn.peek_plaintext(buf)
                } else {
                    conn.read_plaintext(buf)
                };
                if self.mode & SSL_MODE_RELEASE_BUFFERS != 0 {
                    conn.release_idle_buffers(true);
                }
                self.last_error = SSL_ERROR_NONE;
                return n as c_int;
            }
            if conn.received_close_notify() {
                self.last_error = SSL_ERROR_ZERO_RETURN;
                self.shutdown_flags |= SSL_RECEIVED_SHUTDOWN;
                return 0;
            }
            // Answers to the peer (KeyUpdate) go out before we wait for more.
            if let Err(s) = self.flush() {
                return self.stop(s, false);
            }
            if self.failed_already() {
                return self.stop(Stop::Failed, false);
            }
            if let Err(s) = self.fill() {
                return self.stop(s, false);
            }
        }
    }

    fn write(&mut self, data: &[u8]) -> c_int {
        if self.conn.as_ref().is_none_or(|c| c.is_handshaking()) {
            let r = self.do_handshake();
            if r <= 0 {
                return r;
            }
        }
        if let Some(n) = self.pending_write {
            // A retry after WANT_WRITE: the records are already made; finish sending them.
            if let Err(s) = self.flush() {
                return self.stop(s, false);
            }
            self.pending_write = None;
            self.last_error = SSL_ERROR_NONE;
            return n as c_int;
        }
        if self.shutdown_flags & SSL_SENT_SHUTDOWN != 0 {
            err::push(&Error::local(
                Reason::PROTOCOL_IS_SHUTDOWN,
                "cannot write after SSL_shutdown",
            ));
            return self.stop(Stop::Failed, false);
        }
        // With SSL_MODE_ENABLE_PARTIAL_WRITE one record is a complete call.
        let data = if self.mode & SSL_MODE_ENABLE_PARTIAL_WRITE != 0 {
            &data[..data.len().min(crate::record::MAX_PLAINTEXT)]
        } else {
            data
        };
        let conn = self.conn.as_mut().expect("handshake done");
        if let Err(e) = conn.write_plaintext(data) {
            err::push(&e);
            return self.stop(Stop::Failed, false);
        }
        self.pending_write = Some(data.len());
        if let Err(s) = self.flush() {
            return self.stop(s, false);
        }
        self.pending_write = None;
        if self.mode & SSL_MODE_RELEASE_BUFFERS != 0 {
            if let Some(conn) = self.conn.as_mut() {
                conn.release_idle_buffers(true);
            }
        }
        self.last_error = SSL_ERROR_NONE;
        data.len() as c_int
    }

    fn shutdown(&mut self) -> c_int {
        let Some(conn) = self.conn.as_mut() else {
            err::push(&Error::local(
                Reason::UNINITIALIZED,
                "SSL_shutdown before any handshake",
            ));
            return self.stop(Stop::Failed, false);
        };
        if conn.is_handshaking() {
            err::push(&Error::local(
                Reason::SHUTDOWN_WHILE_IN_INIT,
                "SSL_shutdown during the handshake",
            ));
            return self.stop(Stop::Failed, false);
        }
        if self.quiet_shutdown {
            // No alert at all: just mark both directions closed, as OpenSSL does.
            self.shutdown_flags |= SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;
            return 1;
        }
        let conn = self.conn.as_mut().expect("exists");
        let sent_before = self.shutdown_flags & SSL_SENT_SHUTDOWN != 0 || conn.sent_close_notify();
        if !sent_before {
            conn.send_close_notify();
        }
        if let Err(s) = self.flush() {
            return self.stop(s, false);
        }
        // The core reads ahead, so the peer's close_notify may be processed already; as in
        // OpenSSL it counts once SSL_read has reported it (or SSL_set_shutdown said so), and
        // otherwise the call that sends ours returns 0 and the next one looks for theirs.
        if self.shutdown_flags & SSL_RECEIVED_SHUTDOWN != 0 {
            return 1;
        }
        if !sent_before {
            return 0;
        }
        // Second call: wait for the peer's close_notify. Application data the application has
        // not read fails the shutdown as in OpenSSL 3, so the caller learns it was never read
        // (libtls keeps it readable with SSL_read).
        loop {
            let conn = self.conn.as_mut().expect("exists");
            if conn.plaintext_len() > 0 {
                err::push(&Error::local(
                    Reason::APPLICATION_DATA_AFTER_CLOSE_NOTIFY,
                    "application data arrived while SSL_shutdown waited for the peer's close_notify",
                ));
                return self.stop(Stop::Failed, false);
            }
            if conn.received_close_notify() {
                self.shutdown_flags |= SSL_RECEIVED_SHUTDOWN;
                return 1;
            }
            if let Err(s) = self.fill() {
                return self.stop(s, false);
            }
        }
    }
}

pub(crate) fn set_errno(e: i32) {
    // SAFETY: __errno_location returns this thread's errno slot.
    unsafe { *libc::__errno_location() = e };
}

impl SSL {
    /// Replaces the read BIO, taking over the caller's reference.
    fn set0_rbio(&mut self, b: *mut BIO) {
        // SAFETY: the slot owns one reference on the old BIO.
        unsafe { bio::release(self.rbio) };
        self.rbio = b;
    }

    fn set0_wbio(&mut self, b: *mut BIO) {
        // SAFETY: the slot owns one reference on the old BIO.
        unsafe { bio::release(self.wbio) };
        self.wbio = b;
    }

    fn socket_bio(fd: c_int) -> Option<*mut BIO> {
        if fd < 0 {
            err::push(&Error::local(
                Reason::INVALID_ARGUMENT,
                "negative file descriptor",
            ));
            return None;
        }
        let b = bio::new_socket(fd, bio::BIO_NOCLOSE);
        (!b.is_null()).then_some(b)
    }
}

/// Uses `fd` for both directions through a socket BIO that does not close it.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_fd(ssl: *mut SSL, fd: c_int) -> c_int {
    with_mut(ssl, 0, |s| {
        let Some(b) = SSL::socket_bio(fd) else {
            return 0;
        };
        // SAFETY: freshly made BIO; the second slot takes a second reference.
        unsafe { bio::up_ref(b) };
        s.set0_rbio(b);
        s.set0_wbio(b);
        1
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_rfd(ssl: *mut SSL, fd: c_int) -> c_int {
    with_mut(ssl, 0, |s| match SSL::socket_bio(fd) {
        Some(b) => {
            s.set0_rbio(b);
            1
        }
        None => 0,
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_wfd(ssl: *mut SSL, fd: c_int) -> c_int {
    with_mut(ssl, 0, |s| match SSL::socket_bio(fd) {
        Some(b) => {
            s.set0_wbio(b);
            1
        }
        None => 0,
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_fd(ssl: *const SSL) -> c_int {
    // SAFETY: the slot's BIO is live while the SSL holds it.
    with_ref(ssl, -1, |s| unsafe { bio::fd_of(s.rbio) }.unwrap_or(-1))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_rfd(ssl: *const SSL) -> c_int {
    // SAFETY: same as SSL_get_fd.
    unsafe { SSL_get_fd(ssl) }
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_wfd(ssl: *const SSL) -> c_int {
    // SAFETY: the slot's BIO is live while the SSL holds it.
    with_ref(ssl, -1, |s| unsafe { bio::fd_of(s.wbio) }.unwrap_or(-1))
}

/// Takes over the caller's reference on `rbio` (NULL clears the slot).
#[no_mangle]
pub unsafe extern "C" fn SSL_set0_rbio(ssl: *mut SSL, rbio: *mut BIO) {
    with_mut(ssl, (), |s| s.set0_rbio(rbio))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set0_wbio(ssl: *mut SSL, wbio: *mut BIO) {
    with_mut(ssl, (), |s| s.set0_wbio(wbio))
}

/// OpenSSL's ownership rules (`SSL_set_bio(3)`): the caller hands over one reference per
/// slot it changes; passing the same BIO twice hands over one reference for both slots.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_bio(ssl: *mut SSL, rbio: *mut BIO, wbio: *mut BIO) {
    with_mut(ssl, (), |s| {
        if rbio == s.rbio {
            // Only the write side changes; when it becomes the read BIO too, that slot needs
            // a reference of its own.
            if !wbio.is_null() && wbio == rbio && s.wbio != wbio {
                // SAFETY: a live BIO passed by the caller.
                unsafe { bio::up_ref(wbio) };
            }
            if wbio != s.wbio {
                s.set0_wbio(wbio);
            }
            return;
        }
        if wbio == s.wbio && s.rbio != s.wbio {
            s.set0_rbio(rbio);
            return;
        }
        if !rbio.is_null() && rbio == wbio {
            // SAFETY: a live BIO passed by the caller; each slot owns one reference.
            unsafe { bio::up_ref(rbio) };
        }
        s.set0_rbio(rbio);
        s.set0_wbio(wbio);
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_rbio(ssl: *const SSL) -> *mut BIO {
    with_ref(ssl, std::ptr::null_mut(), |s| s.rbio)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_wbio(ssl: *const SSL) -> *mut BIO {
    with_ref(ssl, std::ptr::null_mut(), |s| s.wbio)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_connect_state(ssl: *mut SSL) {
    with_mut(ssl, (), |s| s.role = Some(Role::Client))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_set_accept_state(ssl: *mut SSL) {
    with_mut(ssl, (), |s| s.role = Some(Role::Server))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_is_server(ssl: *const SSL) -> c_int {
    with_ref(ssl, 0, |s| (s.role == Some(Role::Server)) as c_int)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_connect(ssl: *mut SSL) -> c_int {
    crate::ffi::reentry::driving(ssl, -1, "SSL_connect", |s| {
        if s.conn.is_none() {
            s.role = Some(Role::Client);
        }
        s.do_handshake()
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_accept(ssl: *mut SSL) -> c_int {
    crate::ffi::reentry::driving(ssl, -1, "SSL_accept", |s| {
        if s.conn.is_none() {
            s.role = Some(Role::Server);
        }
        s.do_handshake()
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_do_handshake(ssl: *mut SSL) -> c_int {
    crate::ffi::reentry::driving(ssl, -1, "SSL_do_handshake", |s| s.do_handshake())
}

#[no_mangle]
pub unsafe extern "C" fn SSL_read(ssl: *mut SSL, buf: *mut c_void, num: c_int) -> c_int {
    crate::ffi::reentry::driving(ssl, -1, "SSL_read", |s| {
        if buf.is_null() || num < 0 {
            return null_arg("SSL_read buffer", -1);
        }
        // SAFETY: the caller provides `num` writable bytes at `buf`.
        let b = unsafe { std::slice::from_raw_parts_mut(buf as *mut u8, num as usize) };
        s.read(b, false)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_peek(ssl: *mut SSL, buf: *mut c_void, num: c_int) -> c_int {
    crate::ffi::reentry::driving(ssl, -1, "SSL_peek", |s| {
        if buf.is_null() || num < 0 {
            return null_arg("SSL_peek buffer", -1);
        }
        // SAFETY: the caller provides `num` writable bytes at `buf`.
        let b = unsafe { std::slice::from_raw_parts_mut(buf as *mut u8, num as usize) };
        s.read(b, true)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_write(ssl: *mut SSL, buf: *const c_void, num: c_int) -> c_int {
    crate::ffi::reentry::driving(ssl, -1, "SSL_write", |s| {
        if buf.is_null() || num < 0 {
            return null_arg("SSL_write buffer", -1);
        }
        if num == 0 {
            return 0;
        }
        // SAFETY: the caller provides `num` readable bytes at `buf`.
        let b = unsafe { std::slice::from_raw_parts(buf as *const u8, num as usize) };
        s.write(b)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_pending(ssl: *const SSL) -> c_int {
    with_ref(ssl, 0, |s| {
        s.conn.as_ref().map_or(0, |c| c.plaintext_len() as c_int)
    })
}

/// Closes the connection as OpenSSL does: the first call sends our close_notify and returns 0,
/// or 1 when the peer's close_notify was already read. Later calls wait for the peer's and return
/// 1 once it arrives; -1 with `SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY` when application data
/// comes first (libtls keeps it readable with `SSL_read`), `SSL_R_NO_RENEGOTIATION` for a TLS 1.2
/// renegotiation request, or `SSL_ERROR_WANT_READ` on a non-blocking transport.
#[no_mangle]
pub unsafe extern "C" fn SSL_shutdown(ssl: *mut SSL) -> c_int {
    crate::ffi::reentry::driving(ssl, -1, "SSL_shutdown", |s| s.shutdown())
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_shutdown(ssl: *const SSL) -> c_int {
    with_ref(ssl, 0, |s| {
        let mut flags = s.shutdown_flags;
        if let Some(c) = &s.conn {
            if c.sent_close_notify() {
                flags |= SSL_SENT_SHUTDOWN;
            }
            if c.received_close_notify() {
                flags |= SSL_RECEIVED_SHUTDOWN;
            }
        }
        flags
    })
}

/// OpenSSL's classification: the error queue first, then what the last call recorded.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_error(ssl: *const SSL, ret: c_int) -> c_int {
    with_ref(ssl, SSL_ERROR_SSL, |s| {
        if ret > 0 {
            return SSL_ERROR_NONE;
        }
        let top = crate::ffi::err::ERR_peek_error();
        if top != 0 {
            return if (top >> 23) & 0xff == crate::ffi::err::ERR_LIB_SYS as std::ffi::c_ulong {
                SSL_ERROR_SYSCALL
            } else {
                SSL_ERROR_SSL
            };
        }
        match s.last_error {
            SSL_ERROR_NONE => SSL_ERROR_SYSCALL,
            e => e,
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_is_init_finished(ssl: *const SSL) -> c_int {
    with_ref(ssl, 0, |s| {
        s.conn.as_ref().is_some_and(|c| !c.is_handshaking()) as c_int
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_in_init(ssl: *const SSL) -> c_int {
    with_ref(ssl, 0, |s| {
        s.conn.as_ref().is_none_or(|c| c.is_handshaking()) as c_int
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_read_ex(
    ssl: *mut SSL,
    buf: *mut c_void,
    num: usize,
    readbytes: *mut usize,
) -> c_int {
    // SAFETY: same contract as SSL_read, with the length clamped to int.
    let r = unsafe { SSL_read(ssl, buf, num.min(c_int::MAX as usize) as c_int) };
    ex_result(r, readbytes)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_peek_ex(
    ssl: *mut SSL,
    buf: *mut c_void,
    num: usize,
    readbytes: *mut usize,
) -> c_int {
    // SAFETY: same contract as SSL_peek.
    let r = unsafe { SSL_peek(ssl, buf, num.min(c_int::MAX as usize) as c_int) };
    ex_result(r, readbytes)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_write_ex(
    ssl: *mut SSL,
    buf: *const c_void,
    num: usize,
    written: *mut usize,
) -> c_int {
    // SAFETY: same contract as SSL_write.
    let r = unsafe { SSL_write(ssl, buf, num.min(c_int::MAX as usize) as c_int) };
    ex_result(r, written)
}

/// The `_ex` convention: 1 with the count stored, or 0.
pub(crate) fn ex_result(r: c_int, out: *mut usize) -> c_int {
    if !out.is_null() {
        // SAFETY: checked non-NULL; caller storage.
        unsafe { *out = r.max(0) as usize };
    }
    (r > 0) as c_int
}

/// Decrypted data waiting, or received bytes not yet processed.
#[no_mangle]
pub unsafe extern "C" fn SSL_has_pending(ssl: *const SSL) -> c_int {
    with_ref(ssl, 0, |s| {
        s.conn
            .as_ref()
            .is_some_and(|c| c.plaintext_len() > 0 || c.buffered_tls() > 0) as c_int
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_want(ssl: *const SSL) -> c_int {
    with_ref(ssl, SSL_NOTHING, |s| s.want)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_want_read(ssl: *const SSL) -> c_int {
    with_ref(ssl, 0, |s| (s.want == SSL_READING) as c_int)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_want_write(ssl: *const SSL) -> c_int {
    with_ref(ssl, 0, |s| (s.want == SSL_WRITING) as c_int)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_want_nothing(ssl: *const SSL) -> c_int {
    with_ref(ssl, 1, |s| (s.want == SSL_NOTHING) as c_int)
}

/// Sets shutdown flags without sending anything (a later SSL_shutdown then sends no alert if
/// SSL_SENT_SHUTDOWN is set).
#[no_mangle]
pub unsafe extern "C" fn SSL_set_shutdown(ssl: *mut SSL, mode: c_int) {
    with_mut(ssl, (), |s| {
        s.shutdown_flags = mode & (SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN)
    })
}

/// Queues a TLS 1.3 KeyUpdate (`SSL_KEY_UPDATE_REQUESTED` also asks the peer to update); it
/// goes out with the next write, read or `SSL_do_handshake`.
#[no_mangle]
pub unsafe extern "C" fn SSL_key_update(ssl: *mut SSL, updatetype: c_int) -> c_int {
    crate::ffi::reentry::driving(ssl, 0, "SSL_key_update", |s| {
        if updatetype != SSL_KEY_UPDATE_NOT_REQUESTED && updatetype != SSL_KEY_UPDATE_REQUESTED {
            err::push(&Error::local(
                Reason::INVALID_ARGUMENT,
                "SSL_key_update needs SSL_KEY_UPDATE_REQUESTED or SSL_KEY_UPDATE_NOT_REQUESTED",
            ));
            return 0;
        }
        let Some(conn) = s.conn.as_mut() else {
            err::push(&Error::local(
                Reason::STILL_IN_INIT,
                "SSL_key_update before the handshake",
            ));
            return 0;
        };
        match conn.key_update(updatetype == SSL_KEY_UPDATE_REQUESTED) {
            Ok(()) => {
                s.key_update_pending = updatetype;
                1
            }
            Err(e) => {
                err::push(&e);
                0
            }
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_key_update_type(ssl: *const SSL) -> c_int {
    with_ref(ssl, SSL_KEY_UPDATE_NONE, |s| s.key_update_pending)
}
