"""Resumable TLS sessions (like ssl.SSLSession): a reference to an SSL_SESSION, which can be
offered again by a later client connection, saved as bytes and loaded back."""

import ctypes
import weakref

from ._errors import TLSError, clear_error_queue, error_from_queue
from ._lib import lib


class Session:
    """A session a client can resume (pass it as `session=` or assign `TLSSocket.session`
    before the handshake). Get one from a connection's `session`, or `Session.from_bytes`."""

    def __init__(self, *args, **kwargs):
        raise TypeError("Session has no public constructor; use a connection's session or Session.from_bytes()")

    @classmethod
    def _adopt(cls, pointer):
        """Wrap an SSL_SESSION* whose reference the caller hands over."""
        tls = lib()
        self = cls.__new__(cls)
        self._pointer = pointer
        # The library that made the session is the one that frees it, even after use_library.
        self._finalizer = weakref.finalize(self, tls.SSL_SESSION_free, pointer)
        return self

    @classmethod
    def from_bytes(cls, data):
        """The session `to_bytes` saved. Bytes that are not one raise TLSError."""
        tls = lib()
        load = tls.require("d2i_SSL_SESSION", "loading sessions")
        raw = bytes(data)
        if not raw:
            raise TLSError("an empty byte string is not a saved session")
        buffer = ctypes.create_string_buffer(raw, len(raw))
        cursor = ctypes.c_void_p(ctypes.addressof(buffer))
        clear_error_queue()
        pointer = load(None, ctypes.byref(cursor), len(raw))
        if not pointer:
            raise error_from_queue("d2i_SSL_SESSION failed: not a saved session")
        return cls._adopt(pointer)

    def to_bytes(self):
        """The session serialised (it holds the session's secret: store it like a key)."""
        save = lib().require("i2d_SSL_SESSION", "saving sessions")
        clear_error_queue()
        size = save(self._pointer, None)
        if size <= 0:
            raise error_from_queue("i2d_SSL_SESSION failed")
        buffer = (ctypes.c_ubyte * size)()
        cursor = ctypes.c_void_p(ctypes.addressof(buffer))
        if save(self._pointer, ctypes.byref(cursor)) != size:
            raise error_from_queue("i2d_SSL_SESSION failed")
        return bytes(buffer)

    @property
    def id(self):
        """The session ID (for TLS 1.3 and ticket sessions, a digest of the ticket)."""
        tls = lib()
        size = ctypes.c_uint()
        data = tls.SSL_SESSION_get_id(self._pointer, ctypes.byref(size))
        return ctypes.string_at(data, size.value) if data and size.value else b""

    @property
    def time(self):
        """When the session was made or received, seconds since the epoch."""
        return lib().SSL_SESSION_get_time(self._pointer)

    @property
    def timeout(self):
        """How many seconds after `time` the session may be resumed."""
        return lib().SSL_SESSION_get_timeout(self._pointer)

    @property
    def has_ticket(self):
        """Whether the session carries a ticket (TLS 1.2 SessionTicket or TLS 1.3 PSK)."""
        return lib().SSL_SESSION_has_ticket(self._pointer) == 1

    @property
    def is_resumable(self):
        """Whether a client could offer the session now (it has a ticket or ID, unexpired)."""
        return lib().SSL_SESSION_is_resumable(self._pointer) == 1

    def __eq__(self, other):
        if not isinstance(other, Session):
            return NotImplemented
        return self.id == other.id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return f"<Session id={self.id.hex()[:16]} resumable={self.is_resumable}>"
