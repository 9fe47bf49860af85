"""libtls for Python: TLS 1.2/1.3 through libtls.so's C API, with an interface modelled on the
standard library's `ssl` module.

    import socket, libtls
    context = libtls.create_default_context(cafile="root-ca.pem")
    with context.wrap_socket(socket.create_connection(("localhost", 8443)),
                             server_hostname="localhost") as tls:
        tls.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
        print(tls.recv(4096))

The shared library is found on first use: see `use_library` and `load_library`.
"""

from ._conn import MemoryBIO, TLSObject, TLSSocket
from ._context import (
    SESS_CACHE_BOTH,
    SESS_CACHE_CLIENT,
    SESS_CACHE_NO_AUTO_CLEAR,
    SESS_CACHE_NO_INTERNAL,
    SESS_CACHE_NO_INTERNAL_LOOKUP,
    SESS_CACHE_NO_INTERNAL_STORE,
    SESS_CACHE_OFF,
    SESS_CACHE_SERVER,
    CERT_NONE,
    CERT_OPTIONAL,
    CERT_REQUIRED,
    ClientContext,
    Context,
    Options,
    ServerContext,
    TLSVersion,
    VerifyMode,
    create_default_context,
)
from ._errors import (
    AlertReceived,
    CertificateError,
    NoCipherMatchError,
    NoSharedGroupError,
    ProtocolVersionAlert,
    ProtocolVersionError,
    QueuedError,
    TLSEOFError,
    TLSError,
    TLSWantReadError,
    TLSWantWriteError,
    TLSZeroReturnError,
)
from ._session import Session
from ._lib import LibraryNotFoundError, lib, load_library, use_library

# OP_NO_TICKET, OP_CIPHER_SERVER_PREFERENCE, ... as module constants, as ssl has them.
globals().update(Options.__members__)


def library_version():
    """The loaded library's version text, e.g. 'libtls 0.1.0'."""
    return lib().version


__all__ = [
    "AlertReceived",
    "CERT_NONE",
    "CERT_OPTIONAL",
    "CERT_REQUIRED",
    "CertificateError",
    "ClientContext",
    "Context",
    "LibraryNotFoundError",
    "MemoryBIO",
    "NoCipherMatchError",
    "NoSharedGroupError",
    "Options",
    "ProtocolVersionAlert",
    "ProtocolVersionError",
    "QueuedError",
    "SESS_CACHE_BOTH",
    "SESS_CACHE_CLIENT",
    "SESS_CACHE_NO_AUTO_CLEAR",
    "SESS_CACHE_NO_INTERNAL",
    "SESS_CACHE_NO_INTERNAL_LOOKUP",
    "SESS_CACHE_NO_INTERNAL_STORE",
    "SESS_CACHE_OFF",
    "SESS_CACHE_SERVER",
    "ServerContext",
    "Session",
    "TLSEOFError",
    "TLSError",
    "TLSObject",
    "TLSSocket",
    "TLSVersion",
    "TLSWantReadError",
    "TLSWantWriteError",
    "TLSZeroReturnError",
    "VerifyMode",
    "create_default_context",
    "library_version",
    "load_library",
    "use_library",
] + list(Options.__members__)
