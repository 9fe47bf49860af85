"""asyncio over libtls: `open_connection` and `start_server` work like asyncio's own, with a
libtls Context instead of an ssl.SSLContext.

TLS runs in a protocol layered on the raw TCP transport: received bytes go into a TLSObject's
incoming MemoryBIO, its outgoing bytes are written to the transport, and the plaintext is
handed to an asyncio.StreamReaderProtocol through a transport of its own.
"""

import asyncio

from ._conn import MemoryBIO
from ._errors import TLSEOFError, TLSWantReadError

_READ_SIZE = 64 * 1024


class _PlaintextTransport(asyncio.Transport):
    """The transport the application protocol writes plaintext to."""

    def __init__(self, tls_protocol):
        super().__init__()
        self._tls_protocol = tls_protocol
        self._closing = False

    def get_extra_info(self, name, default=None):
        return self._tls_protocol.extra_info(name, default)

    def write(self, data):
        if self._closing:
            raise RuntimeError("write on a closing TLS transport")
        self._tls_protocol.write_plaintext(data)

    def writelines(self, chunks):
        for chunk in chunks:
            self.write(chunk)

    def can_write_eof(self):
        return False

    def write_eof(self):
        raise NotImplementedError("TLS has no half-close; close() sends close_notify")

    def is_closing(self):
        return self._closing

    def close(self):
        if not self._closing:
            self._closing = True
            self._tls_protocol.close_tls()

    def abort(self):
        self._closing = True
        self._tls_protocol.abort()

    def pause_reading(self):
        self._tls_protocol.transport.pause_reading()

    def resume_reading(self):
        self._tls_protocol.transport.resume_reading()

    def is_reading(self):
        return self._tls_protocol.transport.is_reading()

    def set_write_buffer_limits(self, high=None, low=None):
        self._tls_protocol.transport.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self):
        return self._tls_protocol.transport.get_write_buffer_size()

    def set_protocol(self, protocol):
        self._tls_protocol.app_protocol = protocol

    def get_protocol(self):
        return self._tls_protocol.app_protocol


class TLSProtocol(asyncio.Protocol):
    """TLS between a raw transport and `app_protocol`. `handshake_waiter` (a future) gets the
    handshake's outcome; without one (a server), a failed handshake goes to the loop's
    exception handler, so it is never silently dropped."""

    def __init__(self, loop, context, server_side, server_hostname, app_protocol, handshake_waiter=None):
        self.loop = loop
        self.context = context
        self.server_side = server_side
        self.server_hostname = server_hostname
        self.app_protocol = app_protocol
        self.handshake_waiter = handshake_waiter
        self.transport = None
        self.tls = None
        self.app_transport = None
        self._incoming = MemoryBIO()
        self._outgoing = MemoryBIO()
        self._handshake_done = False
        self._peer_closed = False
        self._app_connected = False

    # -- raw transport events --

    def connection_made(self, transport):
        self.transport = transport
        try:
            self.tls = self.context.wrap_bio(
                self._incoming, self._outgoing, server_side=self.server_side,
                server_hostname=self.server_hostname,
            )
        except Exception as exc:
            self._handshake_failed(exc)
            return
        self._step_handshake()

    def data_received(self, data):
        if self.tls is None:
            return
        self._incoming.write(data)
        if not self._handshake_done:
            self._step_handshake()
        else:
            self._read_plaintext()

    def eof_received(self):
        self._incoming.write_eof()
        if self.tls is not None and not self._handshake_done:
            self._step_handshake()
            if not self._handshake_done:
                self._handshake_failed(ConnectionResetError("the peer closed the connection during the TLS handshake"))
            return False
        if self.tls is not None:
            self._read_plaintext()
        self._peer_finished()
        return False

    def connection_lost(self, exc):
        if self.handshake_waiter is not None and not self.handshake_waiter.done():
            self.handshake_waiter.set_exception(exc or ConnectionResetError("connection lost during the TLS handshake"))
        if self._app_connected:
            self._app_connected = False
            self.loop.call_soon(self.app_protocol.connection_lost, exc)
        if self.app_transport is not None:
            self.app_transport._closing = True
        if self.tls is not None:
            self.tls.close()

    def pause_writing(self):
        if self._app_connected:
            self.app_protocol.pause_writing()

    def resume_writing(self):
        if self._app_connected:
            self.app_protocol.resume_writing()

    # -- TLS --

    def _flush(self):
        data = self._outgoing.read()
        if data and not self.transport.is_closing():
            self.transport.write(data)

    def _step_handshake(self):
        try:
            self.tls.do_handshake()
        except TLSWantReadError:
            self._flush()
            return
        except Exception as exc:
            self._flush()  # the alert telling the peer why
            self._handshake_failed(exc)
            return
        self._flush()
        self._handshake_done = True
        self.app_transport = _PlaintextTransport(self)
        self._app_connected = True
        self.app_protocol.connection_made(self.app_transport)
        if self.handshake_waiter is not None and not self.handshake_waiter.done():
            self.handshake_waiter.set_result(None)
        self._read_plaintext()

    def _handshake_failed(self, exc):
        if self.handshake_waiter is not None:
            if not self.handshake_waiter.done():
                self.handshake_waiter.set_exception(exc)
        else:
            self.loop.call_exception_handler(
                {"message": "TLS handshake failed", "exception": exc, "protocol": self, "transport": self.transport}
            )
        self.transport.close()

    def _read_plaintext(self):
        while self._app_connected and not self._peer_closed:
            try:
                chunk = self.tls.read(_READ_SIZE)
            except TLSWantReadError:
                break
            except TLSEOFError:
                # The transport ended without close_notify: reported to the reader as EOF
                # only when the raw transport really ended (eof_received).
                break
            except Exception as exc:
                self._flush()
                self._fatal(exc)
                return
            if not chunk:
                self._flush()
                self._peer_finished()
                return
            self.app_protocol.data_received(chunk)
        self._flush()

    def _peer_finished(self):
        if self._peer_closed or not self._app_connected:
            return
        self._peer_closed = True
        keep_open = self.app_protocol.eof_received()
        if not keep_open:
            self.app_transport.close()

    def _fatal(self, exc):
        self.loop.call_exception_handler(
            {"message": "TLS error on an established connection", "exception": exc, "protocol": self}
        )
        self.transport.abort()

    # -- calls from the plaintext transport --

    def write_plaintext(self, data):
        self.tls.write(data)
        self._flush()

    def close_tls(self):
        try:
            self.tls.unwrap()
        except TLSWantReadError:
            pass  # our close_notify is out; the peer's is not awaited
        except Exception as exc:
            self.loop.call_exception_handler(
                {"message": "TLS close_notify could not be sent", "exception": exc, "protocol": self}
            )
        self._flush()
        self.transport.close()

    def abort(self):
        self.transport.abort()

    def extra_info(self, name, default=None):
        if name == "ssl_object":
            return self.tls
        if name == "sslcontext":
            return self.context
        if name == "peercert":
            return self.tls.getpeercert()
        if name == "cipher":
            return self.tls.cipher()
        if name == "tls_version":
            return self.tls.version()
        return self.transport.get_extra_info(name, default)


async def open_connection(host=None, port=None, *, context, server_hostname=None, limit=2**16, **kwargs):
    """Connect, handshake, and return (StreamReader, StreamWriter) carrying plaintext.
    `server_hostname` defaults to `host`. A failed handshake raises its TLSError."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=limit, loop=loop)
    app_protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
    waiter = loop.create_future()
    name = server_hostname if server_hostname is not None else host
    transport, tls_protocol = await loop.create_connection(
        lambda: TLSProtocol(loop, context, False, name, app_protocol, waiter), host, port, **kwargs
    )
    try:
        await waiter
    except BaseException:
        transport.close()
        raise
    writer = asyncio.StreamWriter(tls_protocol.app_transport, app_protocol, reader, loop)
    return reader, writer


async def start_server(client_connected_cb, host=None, port=None, *, context, limit=2**16, **kwargs):
    """Serve TLS: `client_connected_cb(reader, writer)` runs for each connection after its
    handshake. Returns the asyncio Server. Failed handshakes go to the loop's exception
    handler."""
    loop = asyncio.get_running_loop()

    def factory():
        reader = asyncio.StreamReader(limit=limit, loop=loop)
        app_protocol = asyncio.StreamReaderProtocol(reader, client_connected_cb, loop=loop)
        return TLSProtocol(loop, context, True, None, app_protocol)

    return await loop.create_server(factory, host, port, **kwargs)
