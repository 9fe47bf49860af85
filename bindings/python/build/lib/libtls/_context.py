"""TLS contexts: the settings connections are made from (like ssl.SSLContext)."""

import enum
import os
import weakref

from . import _errors
from ._conn import TLSObject, TLSSocket, connection_for
from ._lib import SSL_verify_cb, lib

SSL_FILETYPE_PEM = 1
SSL_VERIFY_NONE = 0
SSL_VERIFY_PEER = 1
SSL_VERIFY_FAIL_IF_NO_PEER_CERT = 2


class VerifyMode(enum.IntEnum):
    """Same values as ssl.VerifyMode, so ssl.CERT_* constants work too."""

    CERT_NONE = 0
    CERT_OPTIONAL = 1
    CERT_REQUIRED = 2


CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED = VerifyMode


class TLSVersion(enum.IntEnum):
    """Same values as ssl.TLSVersion for the versions libtls speaks."""

    MINIMUM_SUPPORTED = -2
    MAXIMUM_SUPPORTED = -1
    TLSv1_2 = 0x0303
    TLSv1_3 = 0x0304


_VERIFY_FLAGS = {
    CERT_NONE: SSL_VERIFY_NONE,
    CERT_OPTIONAL: SSL_VERIFY_PEER,
    CERT_REQUIRED: SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
}


def _path(value):
    return os.fsencode(value) if value is not None else None


def _must_exist(path):
    # ssl raises FileNotFoundError for a missing file; the C API only says "file error".
    os.stat(path)


class Context:
    """Settings shared by the connections made from it; safe to share between threads once
    configured. `server_side` chooses the role; ClientContext and ServerContext fix it."""

    def __init__(self, server_side=False):
        tls = lib()
        method = tls.TLS_server_method() if server_side else tls.TLS_client_method()
        ctx = tls.SSL_CTX_new(method)
        if not ctx:
            raise _errors.error_from_queue("SSL_CTX_new failed")
        self._ctx = ctx
        self._finalizer = weakref.finalize(self, tls.SSL_CTX_free, ctx)
        self.server_side = server_side
        self._verify_mode = CERT_NONE if server_side else CERT_REQUIRED
        self._check_hostname = not server_side
        self._verify_callback = None
        # The C function pointer handed to the library: kept here so it lives as long as the
        # SSL_CTX that may call it.
        self._c_verify_callback = None
        self._apply_verify()

    # -- verification --

    def _apply_verify(self):
        lib().SSL_CTX_set_verify(self._ctx, _VERIFY_FLAGS[self._verify_mode], self._c_verify_callback)

    @property
    def verify_mode(self):
        return self._verify_mode

    @verify_mode.setter
    def verify_mode(self, value):
        value = VerifyMode(value)
        if value == CERT_NONE and self._check_hostname:
            raise ValueError("cannot set verify_mode to CERT_NONE when check_hostname is enabled")
        self._verify_mode = value
        self._apply_verify()

    @property
    def check_hostname(self):
        """Whether a client checks the certificate against server_hostname (SSL_set1_host)."""
        return self._check_hostname

    @check_hostname.setter
    def check_hostname(self, value):
        value = bool(value)
        if value and self._verify_mode == CERT_NONE:
            self._verify_mode = CERT_REQUIRED
            self._apply_verify()
        self._check_hostname = value

    def set_verify_callback(self, callback):
        """Call `callback(ok, depth, error, cert_der, connection)` for each certificate of the
        peer's chain as it is verified; its truth value decides. `ok`/`error` are the library's
        verdict (error: X509_V_* code); returning True overrides a failure, False fails the
        handshake with X509_V_ERR_APPLICATION_VERIFICATION unless an error is already set.
        An exception from the callback fails the handshake and is re-raised by the call that
        ran it. None removes the callback."""
        if callback is None:
            self._verify_callback = None
            self._c_verify_callback = None
        else:
            self._verify_callback = callback
            self._c_verify_callback = SSL_verify_cb(self._make_verify_trampoline(callback))
        self._apply_verify()

    @staticmethod
    def _make_verify_trampoline(callback):
        from ._conn import _x509_der

        def trampoline(preverify_ok, store_ctx):
            tls = lib()
            connection = None
            try:
                ssl = tls.X509_STORE_CTX_get_ex_data(store_ctx, tls.SSL_get_ex_data_X509_STORE_CTX_idx())
                connection = connection_for(ssl) if ssl else None
                cert = tls.X509_STORE_CTX_get_current_cert(store_ctx)
                verdict = callback(
                    bool(preverify_ok),
                    tls.X509_STORE_CTX_get_error_depth(store_ctx),
                    tls.X509_STORE_CTX_get_error(store_ctx),
                    _x509_der(cert) if cert else None,
                    connection,
                )
            except BaseException as exc:  # noqa: BLE001 - carried to the caller, not swallowed
                if connection is None:
                    raise  # ctypes reports it through sys.unraisablehook and returns 0
                connection.callback_exception = exc
                return 0
            if not verdict and tls.X509_STORE_CTX_get_error(store_ctx) == 0:
                tls.X509_STORE_CTX_set_error(store_ctx, 50)  # X509_V_ERR_APPLICATION_VERIFICATION
            if verdict and not preverify_ok:
                tls.X509_STORE_CTX_set_error(store_ctx, 0)
            return 1 if verdict else 0

        return trampoline

    @property
    def verify_depth(self):
        return lib().SSL_CTX_get_verify_depth(self._ctx)

    @verify_depth.setter
    def verify_depth(self, depth):
        lib().SSL_CTX_set_verify_depth(self._ctx, int(depth))

    def load_verify_locations(self, cafile=None, capath=None, cadata=None):
        """Trust the CA certificates in `cafile` (PEM) and/or the hashed directory `capath`."""
        if cadata is not None:
            raise NotImplementedError("cadata needs an X509_STORE API, which the C API lacks; use cafile")
        if cafile is None and capath is None:
            raise TypeError("cafile or capath must be given")
        for path in (cafile, capath):
            if path is not None:
                _must_exist(path)
        _errors.clear_error_queue()
        _errors.check(
            lib().SSL_CTX_load_verify_locations(self._ctx, _path(cafile), _path(capath)),
            "load_verify_locations",
        )

    def load_default_certs(self):
        """Trust the system's CA store (honouring SSL_CERT_FILE / SSL_CERT_DIR)."""
        _errors.clear_error_queue()
        _errors.check(lib().SSL_CTX_set_default_verify_paths(self._ctx), "load_default_certs")

    set_default_verify_paths = load_default_certs

    # -- own certificate --

    def load_cert_chain(self, certfile, keyfile=None, password=None):
        """Use the certificate chain in `certfile` (leaf first, PEM) and its private key from
        `keyfile` (or from `certfile` when omitted)."""
        if password is not None:
            raise NotImplementedError("encrypted keys need a PEM password callback, which the C API lacks")
        keyfile = certfile if keyfile is None else keyfile
        _must_exist(certfile)
        _must_exist(keyfile)
        tls = lib()
        _errors.clear_error_queue()
        _errors.check(tls.SSL_CTX_use_certificate_chain_file(self._ctx, _path(certfile)), "loading the certificate chain")
        _errors.check(tls.SSL_CTX_use_PrivateKey_file(self._ctx, _path(keyfile), SSL_FILETYPE_PEM), "loading the private key")
        _errors.check(tls.SSL_CTX_check_private_key(self._ctx), "checking the private key")

    def load_client_ca_names(self, cafile):
        """A server names the CAs it accepts client certificates from (the certificate
        request's certificate_authorities) from the certificates in `cafile`."""
        _must_exist(cafile)
        _errors.clear_error_queue()
        names = lib().SSL_load_client_CA_file(_path(cafile))
        if not names:
            raise _errors.error_from_queue("SSL_load_client_CA_file failed")
        lib().SSL_CTX_set_client_CA_list(self._ctx, names)

    # -- algorithms and versions --

    def set_ciphers(self, spec):
        """TLS 1.2 cipher suites, in OpenSSL cipher-list syntax (as ssl's set_ciphers)."""
        _errors.clear_error_queue()
        _errors.check(lib().SSL_CTX_set_cipher_list(self._ctx, spec.encode()), "set_ciphers")

    def set_ciphersuites(self, spec):
        """TLS 1.3 cipher suites, colon separated (e.g. 'TLS_AES_256_GCM_SHA384')."""
        _errors.clear_error_queue()
        _errors.check(lib().SSL_CTX_set_ciphersuites(self._ctx, spec.encode()), "set_ciphersuites")

    def set_groups(self, groups):
        """Key-exchange groups in preference order: a list or a colon-separated string
        (e.g. ['X25519MLKEM768', 'X25519', 'P-256'])."""
        text = groups if isinstance(groups, str) else ":".join(groups)
        _errors.clear_error_queue()
        _errors.check(lib().SSL_CTX_set1_groups_list(self._ctx, text.encode()), "set_groups")

    def _get_version(self, getter, unbounded):
        value = getter(self._ctx)
        return unbounded if value == 0 else TLSVersion(value)

    def _set_version(self, setter, value, what):
        value = TLSVersion(value)
        wire = 0 if value in (TLSVersion.MINIMUM_SUPPORTED, TLSVersion.MAXIMUM_SUPPORTED) else int(value)
        _errors.clear_error_queue()
        _errors.check(setter(self._ctx, wire), what)

    @property
    def minimum_version(self):
        return self._get_version(lib().SSL_CTX_get_min_proto_version, TLSVersion.MINIMUM_SUPPORTED)

    @minimum_version.setter
    def minimum_version(self, value):
        self._set_version(lib().SSL_CTX_set_min_proto_version, value, "minimum_version")

    @property
    def maximum_version(self):
        return self._get_version(lib().SSL_CTX_get_max_proto_version, TLSVersion.MAXIMUM_SUPPORTED)

    @maximum_version.setter
    def maximum_version(self, value):
        self._set_version(lib().SSL_CTX_set_max_proto_version, value, "maximum_version")

    # -- features the C API is gaining; each names the function it waits on --

    def set_alpn_protocols(self, protocols):
        lib().require("SSL_CTX_set_alpn_protos", "ALPN")
        raise NotImplementedError("ALPN: binding pending for SSL_CTX_set_alpn_protos")

    @property
    def sni_callback(self):
        return None

    @sni_callback.setter
    def sni_callback(self, callback):
        lib().require("SSL_CTX_set_tlsext_servername_callback", "the SNI callback")
        raise NotImplementedError("SNI callback: binding pending")

    def set_ticket_keys(self, keys):
        lib().require("SSL_CTX_set_tlsext_ticket_keys", "session ticket keys")
        raise NotImplementedError("ticket keys: binding pending")

    def set_session_cache_mode(self, mode):
        lib().require("SSL_CTX_set_session_cache_mode", "the session cache")
        raise NotImplementedError("session cache: binding pending")

    @property
    def keylog_filename(self):
        return None

    @keylog_filename.setter
    def keylog_filename(self, path):
        lib().require("SSL_CTX_set_keylog_callback", "the key log")
        raise NotImplementedError("keylog: binding pending")

    # -- making connections --

    def wrap_socket(self, sock, server_side=None, do_handshake_on_connect=True,
                    suppress_ragged_eofs=True, server_hostname=None, session=None):
        """A TLSSocket over `sock` (which it takes over). A connected socket handshakes now
        (unless do_handshake_on_connect is false or the socket is non-blocking); an unconnected
        one at connect(); a listening one at each accept()."""
        return TLSSocket._create(sock, self, server_side, server_hostname, do_handshake_on_connect,
                                 suppress_ragged_eofs, session)

    def wrap_bio(self, incoming, outgoing, server_side=None, server_hostname=None, session=None):
        """A TLSObject reading the peer's bytes from `incoming` and writing its own to
        `outgoing` (both MemoryBIO)."""
        return TLSObject(self, incoming, outgoing, server_side, server_hostname, session)


class ClientContext(Context):
    """A client context: verifies the server's certificate and name by default (load the CAs
    with load_verify_locations or load_default_certs)."""

    def __init__(self):
        super().__init__(server_side=False)


class ServerContext(Context):
    """A server context: load_cert_chain before use; set verify_mode to ask for client
    certificates."""

    def __init__(self):
        super().__init__(server_side=True)


def create_default_context(cafile=None, capath=None):
    """A ClientContext that verifies against `cafile`/`capath`, or the system store."""
    context = ClientContext()
    if cafile is not None or capath is not None:
        context.load_verify_locations(cafile, capath)
    else:
        context.load_default_certs()
    return context
