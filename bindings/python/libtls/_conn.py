"""TLS connections: the memory-BIO `TLSObject` (like ssl.SSLObject) and the socket-like
`TLSSocket` (like ssl.SSLSocket), sharing one core over an `SSL *`."""

import ctypes
import ipaddress
import os
import select
import socket
import threading
import time
import weakref

from . import _errors
from ._errors import (
    SSL_ERROR_SYSCALL,
    SSL_ERROR_WANT_READ,
    SSL_ERROR_WANT_WRITE,
    SSL_ERROR_ZERO_RETURN,
    TLSEOFError,
    TLSError,
    TLSWantReadError,
    TLSWantWriteError,
    TLSZeroReturnError,
    clear_error_queue,
    diagnosis_of,
    drain_error_queue,
    error_from_queue,
)
from ._lib import lib
from ._session import Session
from ._x509 import decode_certificate

SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER = 2
SSL_MODE_AUTO_RETRY = 4
TLSEXT_NAMETYPE_host_name = 0

# SSL pointer -> connection, for C callbacks that receive only the SSL (see Context's verify
# callback); entries are weak so the registry never keeps a connection alive.
_connections = weakref.WeakValueDictionary()
_connections_lock = threading.Lock()


def connection_for(ssl_ptr):
    with _connections_lock:
        return _connections.get(ssl_ptr)


def _is_ip_address(name):
    try:
        ipaddress.ip_address(name.strip("[]"))
        return True
    except ValueError:
        return False


def _readable_buffer(data):
    """(object ctypes can pass as `const void *`, length)."""
    if isinstance(data, bytes):
        return data, len(data)
    view = memoryview(data).cast("B")
    if view.readonly:
        raw = view.tobytes()
        return raw, len(raw)
    return (ctypes.c_char * len(view)).from_buffer(view), len(view)


class MemoryBIO:
    """A buffer of TLS bytes between a TLSObject and a transport (like ssl.MemoryBIO): write
    what arrived from the peer into the TLSObject's `incoming`, send what its `outgoing` holds."""

    def __init__(self):
        tls = lib()
        bio = tls.BIO_new(tls.BIO_s_mem())
        if not bio:
            raise error_from_queue("BIO_new failed")
        self._bio = bio
        self._eof_written = False
        self._finalizer = weakref.finalize(self, tls.BIO_free, bio)

    @property
    def pending(self):
        """The number of bytes buffered."""
        return lib().BIO_ctrl_pending(self._bio)

    @property
    def eof(self):
        """True once write_eof() was called and every byte was read."""
        return self._eof_written and self.pending == 0

    def read(self, n=-1):
        """Take up to n bytes (all when n < 0)."""
        available = self.pending
        size = available if n is None or n < 0 else min(n, available)
        if size == 0:
            return b""
        buf = ctypes.create_string_buffer(size)
        got = ctypes.c_size_t()
        clear_error_queue()
        if lib().BIO_read_ex(self._bio, buf, size, ctypes.byref(got)) != 1:
            raise error_from_queue("BIO_read_ex failed")
        return buf.raw[: got.value]

    def write(self, data):
        """Append bytes; returns how many."""
        if self._eof_written:
            raise TLSError("cannot write to a MemoryBIO after write_eof()")
        pointer, size = _readable_buffer(data)
        if size == 0:
            return 0
        written = ctypes.c_size_t()
        clear_error_queue()
        if lib().BIO_write_ex(self._bio, pointer, size, ctypes.byref(written)) != 1:
            raise error_from_queue("BIO_write_ex failed")
        return written.value

    def write_eof(self):
        """No more data will come: once drained, reads see end of file instead of 'retry'."""
        self._eof_written = True
        lib().BIO_set_mem_eof_return(self._bio, 0)


class _TLSCore:
    """What TLSObject and TLSSocket share: the SSL object, its I/O calls and its state."""

    def _setup(self, context, server_side, server_hostname, session):
        if server_side is None:
            server_side = context.server_side
        if server_side != context.server_side:
            role = "server" if context.server_side else "client"
            raise ValueError(f"a {role} context cannot make a {'server' if server_side else 'client'}-side connection")
        if server_side and server_hostname:
            raise ValueError("server_hostname is for client-side connections")
        if not server_side and context.check_hostname and not server_hostname:
            raise ValueError("check_hostname requires server_hostname")
        if session is not None:
            _check_session_to_offer(session, server_side)
            lib().require("SSL_set_session", "resuming a session")
        self._context = context
        self._session_to_offer = session
        self.server_side = server_side
        self.server_hostname = server_hostname
        self._ssl = None
        self._ssl_finalizer = None
        self.callback_exception = None

    @property
    def context(self):
        """The Context in use. A server's SNI callback may assign another server Context: the
        handshake then goes on with its certificates, trust anchors, verification settings and
        ALPN protocols (SSL_set_SSL_CTX)."""
        return self._context

    @context.setter
    def context(self, context):
        if not hasattr(context, "_ctx") or context.server_side != self.server_side:
            raise TypeError("context must be a Context of the same role as the connection")
        if self._ssl is not None:
            lib().require("SSL_set_SSL_CTX", "switching contexts")(self._ssl, context._ctx)
        # Holding the Context keeps its C callbacks alive while the SSL may call them.
        self._context = context

    def _create_ssl(self):
        tls = lib()
        ptr = tls.SSL_new(self.context._ctx)
        if not ptr:
            raise error_from_queue("SSL_new failed")
        self._ssl = ptr
        self._ssl_finalizer = weakref.finalize(self, tls.SSL_free, ptr)
        with _connections_lock:
            _connections[ptr] = self
        tls.SSL_set_mode(ptr, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY)
        if self.server_side:
            tls.SSL_set_accept_state(ptr)
            return
        tls.SSL_set_connect_state(ptr)
        if self._session_to_offer is not None:
            _errors.check(tls.SSL_set_session(ptr, self._session_to_offer._pointer), "SSL_set_session")
        name = self.server_hostname
        if name:
            # SNI carries DNS names only (RFC 6066, section 3).
            if not _is_ip_address(name):
                _errors.check(tls.SSL_set_tlsext_host_name(ptr, name.encode("idna")), "SSL_set_tlsext_host_name")
            if self.context.check_hostname:
                _errors.check(tls.SSL_set1_host(ptr, name.strip("[]").encode("idna")), "SSL_set1_host")

    def _free_ssl(self):
        if self._ssl_finalizer is not None:
            with _connections_lock:
                _connections.pop(self._ssl, None)
            self._ssl_finalizer()
            self._ssl = None

    def _require_ssl(self):
        if self._ssl is None:
            raise ValueError("the TLS connection is not established (or already closed)")
        return self._ssl

    # One attempt of an SSL_* call: its result, or the exception describing why it stopped.
    def _attempt(self, call, what, zero_is_success=False):
        ssl = self._require_ssl()
        clear_error_queue()
        self.callback_exception = None
        ctypes.set_errno(0)
        ret = call(ssl)
        pending_exception = self.callback_exception
        if pending_exception is not None:
            self.callback_exception = None
            drain_error_queue()
            raise pending_exception
        if ret > 0 or (zero_is_success and ret == 0):
            return ret, None
        return ret, self._failure(ret, what)

    def _failure(self, ret, what):
        tls = lib()
        code = tls.SSL_get_error(self._ssl, ret)
        if code == SSL_ERROR_WANT_READ:
            return TLSWantReadError(f"{what}: the operation needs more data from the peer")
        if code == SSL_ERROR_WANT_WRITE:
            return TLSWantWriteError(f"{what}: the transport must accept output first")
        if code == SSL_ERROR_ZERO_RETURN:
            drain_error_queue()
            return TLSZeroReturnError(f"{what}: the peer closed the TLS connection", **diagnosis_of(self._ssl))
        if code == SSL_ERROR_SYSCALL:
            errors = drain_error_queue()
            if errors:
                return error_from_queue(f"{what} failed", self._ssl, errors)
            errno = ctypes.get_errno()
            if errno:
                return OSError(errno, os.strerror(errno))
            return TLSEOFError(f"{what}: EOF occurred in violation of protocol", **diagnosis_of(self._ssl))
        return error_from_queue(f"{what} failed", self._ssl)

    def _run(self, call, what):
        """Run an SSL_* call to completion; how to wait for the transport is the subclass's."""
        while True:
            ret, exc = self._attempt(call, what)
            if exc is None:
                return ret
            self._wait_or_raise(exc, what)

    def _wait_or_raise(self, exc, what):
        raise exc

    # -- the operations --

    def do_handshake(self):
        """Run the handshake to completion."""
        self._run(lib().SSL_do_handshake, "handshake")

    def _read_into(self, buffer, size):
        target = (ctypes.c_char * size).from_buffer(buffer) if size else None
        got = ctypes.c_size_t()
        try:
            self._run(lambda ssl: lib().SSL_read_ex(ssl, target, size, ctypes.byref(got)), "read")
        except TLSZeroReturnError:
            return 0
        return got.value

    def read(self, len=1024, buffer=None):
        """Read up to `len` bytes of application data; into `buffer` (returning the count) when
        given. b'' / 0 after the peer's close_notify."""
        if buffer is not None:
            view = memoryview(buffer).cast("B")
            size = min(len, view.nbytes) if len else view.nbytes
            if size == 0:
                return 0
            return self._read_into(view, size)
        if len <= 0:
            return b""
        scratch = bytearray(len)
        count = self._read_into(scratch, len)
        return bytes(scratch[:count])

    def write(self, data):
        """Write application data; returns the number of bytes written (all of them)."""
        pointer, size = _readable_buffer(data)
        if size == 0:
            return 0
        written = ctypes.c_size_t()
        self._run(lambda ssl: lib().SSL_write_ex(ssl, pointer, size, ctypes.byref(written)), "write")
        return written.value

    def pending(self):
        """Decrypted bytes ready to read without touching the transport."""
        return lib().SSL_pending(self._ssl) if self._ssl else 0

    def _shutdown(self):
        """Send close_notify and wait for the peer's (SSL_shutdown until it returns 1)."""
        tls = lib()
        # 0 means "our close_notify is out, the peer's not in yet": call again to wait for it.
        zeros = 0
        while True:
            ret, exc = self._attempt(tls.SSL_shutdown, "shutdown", zero_is_success=True)
            if exc is None and ret == 1:
                return
            if exc is None:
                zeros += 1
                if zeros == 1:
                    continue
                exc = TLSWantReadError("shutdown: the peer's close_notify has not arrived")
            self._wait_or_raise(exc, "shutdown")

    # -- what the handshake settled --

    def _handshake_done(self):
        return self._ssl is not None and lib().SSL_is_init_finished(self._ssl) == 1

    def version(self):
        """'TLSv1.3' or 'TLSv1.2'; None before the handshake."""
        if not self._handshake_done():
            return None
        return lib().SSL_get_version(self._ssl).decode()

    def cipher(self):
        """(name, protocol version, secret bits) of the negotiated suite, or None."""
        if not self._handshake_done():
            return None
        tls = lib()
        suite = tls.SSL_get_current_cipher(self._ssl)
        if not suite:
            return None
        return (
            tls.SSL_CIPHER_get_name(suite).decode(),
            tls.SSL_CIPHER_get_version(suite).decode(),
            tls.SSL_CIPHER_get_bits(suite, None),
        )

    def group(self):
        """The key-exchange group's name (e.g. 'X25519MLKEM768'), or None."""
        if not self._handshake_done():
            return None
        tls = lib()
        nid = tls.SSL_get_negotiated_group(self._ssl)
        if nid <= 0:
            return None
        name = tls.SSL_group_to_name(self._ssl, nid)
        return name.decode() if name else None

    def requested_server_name(self):
        """The host name in the client's SNI (on a client: the one it sent), or None."""
        if self._ssl is None:
            return None
        name = lib().SSL_get_servername(self._ssl, TLSEXT_NAMETYPE_host_name)
        return name.decode() if name else None

    def _peer_certificate_der(self):
        tls = lib()
        x509 = tls.SSL_get1_peer_certificate(self._ssl)
        if not x509:
            return None
        try:
            return _x509_der(x509)
        finally:
            tls.X509_free(x509)

    def getpeercert(self, binary_form=False):
        """The peer's certificate: DER bytes with binary_form, else a dict like ssl's (empty
        when the certificate was not verified). None when the peer sent none."""
        if not self._handshake_done():
            raise ValueError("handshake not done yet")
        der = self._peer_certificate_der()
        if der is None or binary_form:
            return der
        if self.context.verify_mode == 0:
            return {}
        return decode_certificate(der)

    def get_peer_cert_chain(self):
        """The certificates the peer sent, as DER, leaf first."""
        if not self._handshake_done():
            raise ValueError("handshake not done yet")
        tls = lib()
        chain = tls.SSL_get_peer_cert_chain(self._ssl)
        if not chain:
            return []
        return [_x509_der(tls.OPENSSL_sk_value(chain, i)) for i in range(tls.OPENSSL_sk_num(chain))]

    def get_verify_result(self):
        """(X509_V_* code, text) of the peer certificate's verification."""
        tls = lib()
        code = tls.SSL_get_verify_result(self._require_ssl())
        return code, tls.X509_verify_cert_error_string(code).decode()

    def selected_alpn_protocol(self):
        """The protocol ALPN settled on (a str), or None when none was (no offer, no overlap,
        or the handshake is not done)."""
        tls = lib()
        if self._ssl is None or not tls.has("SSL_get0_alpn_selected"):
            return None
        data = ctypes.c_void_p()
        size = ctypes.c_uint()
        tls.SSL_get0_alpn_selected(self._ssl, ctypes.byref(data), ctypes.byref(size))
        if not data.value or size.value == 0:
            return None
        return ctypes.string_at(data.value, size.value).decode("ascii", errors="replace")

    @property
    def session(self):
        """The connection's session (a Session), to resume in a later connection; None if there
        is none. A TLS 1.3 server sends its tickets after the handshake: read some data first.
        Before the handshake, the session set to be offered."""
        tls = lib()
        if self._ssl is None:
            return self._session_to_offer
        if not tls.has("SSL_get1_session"):
            return None
        pointer = tls.SSL_get1_session(self._ssl)
        return Session._adopt(pointer) if pointer else None

    @session.setter
    def session(self, session):
        """Offer `session` for resumption (client side, before the handshake)."""
        if session is not None:
            _check_session_to_offer(session, self.server_side)
        if self._handshake_done():
            raise ValueError("cannot set the session after the handshake")
        tls = lib()
        if self._ssl is not None:
            offered = None if session is None else session._pointer
            _errors.check(tls.require("SSL_set_session", "resuming a session")(self._ssl, offered), "SSL_set_session")
        elif session is not None:
            tls.require("SSL_set_session", "resuming a session")
        # Held so the offered SSL_SESSION outlives the connection's use of it.
        self._session_to_offer = session

    @property
    def session_reused(self):
        """Whether the handshake resumed a session."""
        tls = lib()
        if self._ssl is None or not tls.has("SSL_session_reused"):
            return False
        return tls.SSL_session_reused(self._ssl) == 1


def _check_session_to_offer(session, server_side):
    if not isinstance(session, Session):
        raise TypeError(f"session must be a libtls Session, not {type(session).__name__}")
    if server_side:
        raise ValueError("only a client-side connection can offer a session")


def _x509_der(x509):
    tls = lib()
    size = tls.i2d_X509(x509, None)
    if size <= 0:
        raise error_from_queue("i2d_X509 failed")
    buf = (ctypes.c_ubyte * size)()
    cursor = ctypes.c_void_p(ctypes.addressof(buf))
    if tls.i2d_X509(x509, ctypes.byref(cursor)) != size:
        raise error_from_queue("i2d_X509 failed")
    return bytes(buf)


class TLSObject(_TLSCore):
    """A TLS connection over two MemoryBIOs (like ssl.SSLObject): the caller moves bytes
    between them and the transport. Operations that need more input raise TLSWantReadError."""

    def __init__(self, context, incoming, outgoing, server_side=None, server_hostname=None, session=None):
        self._setup(context, server_side, server_hostname, session)
        self.incoming = incoming
        self.outgoing = outgoing
        self._create_ssl()
        tls = lib()
        # SSL_set_bio takes over one reference of each BIO; the MemoryBIOs keep their own.
        tls.BIO_up_ref(incoming._bio)
        tls.BIO_up_ref(outgoing._bio)
        tls.SSL_set_bio(self._ssl, incoming._bio, outgoing._bio)

    def unwrap(self):
        """Close the TLS layer: send close_notify and take the peer's (TLSWantReadError until it
        has arrived)."""
        self._shutdown()

    def close(self):
        """Free the connection's resources now rather than at garbage collection."""
        self._free_ssl()


class TLSSocket(_TLSCore, socket.socket):
    """A socket speaking TLS (like ssl.SSLSocket), made by Context.wrap_socket. recv/send
    carry application data; timeouts and non-blocking mode behave as in ssl."""

    def __init__(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} has no public constructor; use Context.wrap_socket()")

    @classmethod
    def _create(cls, sock, context, server_side, server_hostname, do_handshake_on_connect,
                suppress_ragged_eofs, session):
        if sock.type != socket.SOCK_STREAM:
            raise NotImplementedError("only stream sockets carry TLS")
        kwargs = dict(family=sock.family, type=sock.type, proto=sock.proto, fileno=sock.fileno())
        self = cls.__new__(cls, **kwargs)
        socket.socket.__init__(self, **kwargs)
        self._setup(context, server_side, server_hostname, session)
        self.settimeout(sock.gettimeout())
        sock.detach()
        self.do_handshake_on_connect = do_handshake_on_connect
        self.suppress_ragged_eofs = suppress_ragged_eofs
        try:
            self.getpeername()
            connected = True
        except OSError:
            connected = False
        if connected:
            try:
                self._attach()
            except BaseException:
                self.close()
                raise
        return self

    def _attach(self):
        self._create_ssl()
        _errors.check(lib().SSL_set_fd(self._ssl, self.fileno()), "SSL_set_fd")
        if self.do_handshake_on_connect:
            timeout = self.gettimeout()
            if timeout == 0.0:
                # Non-blocking: the caller drives do_handshake() itself.
                return
            self.do_handshake()

    def _wait_or_raise(self, exc, what):
        if not isinstance(exc, (TLSWantReadError, TLSWantWriteError)):
            raise exc
        timeout = self.gettimeout()
        if timeout == 0.0:
            raise exc
        deadline = getattr(self, "_deadline", None)
        remaining = None if timeout is None else timeout
        if deadline is not None:
            remaining = max(0.0, deadline - time.monotonic())
        want_read = isinstance(exc, TLSWantReadError)
        readable, writable, _ = select.select(
            [self] if want_read else [], [] if want_read else [self], [], remaining
        )
        if not readable and not writable:
            raise TimeoutError(f"The {what} operation timed out")

    def _run(self, call, what):
        timeout = self.gettimeout()
        self._deadline = None if not timeout else time.monotonic() + timeout
        try:
            return super()._run(call, what)
        finally:
            self._deadline = None

    def connect(self, address):
        if self._ssl is not None:
            raise ValueError("already connected")
        socket.socket.connect(self, address)
        self._attach()

    def connect_ex(self, address):
        try:
            self.connect(address)
        except OSError as exc:
            if exc.errno:
                return exc.errno
            raise
        return 0

    def accept(self):
        """Accept a connection on a listening TLS socket: a new TLSSocket (handshake done
        unless do_handshake_on_connect is false) and the peer's address."""
        newsock, addr = socket.socket.accept(self)
        wrapped = self.context.wrap_socket(
            newsock,
            server_side=self.server_side,
            do_handshake_on_connect=self.do_handshake_on_connect,
            suppress_ragged_eofs=self.suppress_ragged_eofs,
        )
        return wrapped, addr

    def _read_suppressing_eof(self, read):
        try:
            return read()
        except TLSEOFError:
            if self.suppress_ragged_eofs:
                return None
            raise

    def recv(self, bufsize=1024, flags=0):
        if flags:
            raise ValueError("flags are not allowed on a TLS socket")
        if self._ssl is None:
            return socket.socket.recv(self, bufsize, flags)
        data = self._read_suppressing_eof(lambda: self.read(bufsize))
        return b"" if data is None else data

    def recv_into(self, buffer, nbytes=None, flags=0):
        if flags:
            raise ValueError("flags are not allowed on a TLS socket")
        if self._ssl is None:
            return socket.socket.recv_into(self, buffer, nbytes or 0, flags)
        count = self._read_suppressing_eof(lambda: self.read(nbytes or 0, buffer))
        return 0 if count is None else count

    def send(self, data, flags=0):
        if flags:
            raise ValueError("flags are not allowed on a TLS socket")
        if self._ssl is None:
            return socket.socket.send(self, data, flags)
        return self.write(data)

    def sendall(self, data, flags=0):
        view = memoryview(data).cast("B")
        sent = 0
        while sent < len(view):
            sent += self.send(view[sent:], flags)

    def _unsupported(self, *args, **kwargs):
        raise NotImplementedError("datagram calls do not apply to a TLS socket")

    recvfrom = recvfrom_into = recvmsg = recvmsg_into = sendto = sendmsg = _unsupported

    def dup(self):
        raise NotImplementedError("a TLS socket cannot be duplicated")

    def unwrap(self):
        """Close TLS (close_notify both ways) and return the plain socket; this object is
        closed afterwards."""
        self._shutdown()
        self._free_ssl()
        timeout = self.gettimeout()
        plain = socket.socket(self.family, self.type, self.proto, fileno=self.detach())
        plain.settimeout(timeout)
        return plain

    def _real_close(self):
        self._free_ssl()
        super()._real_close()

    def __repr__(self):
        state = self.version() or ("listening" if self._ssl is None else "handshaking")
        return f"<TLSSocket fd={self.fileno()} {state}>"
