"""Fixtures for the binding's tests: the test PKI, in-memory connection pairs, and servers on
loopback (Python's ssl in a thread, libtls in a thread, or the tlsserver CLI).

The library under test is whatever `libtls` finds (LIBTLS_PATH first: `make test-python` sets
it to build/lib/libtls.so.0). Tests need no network beyond 127.0.0.1.
"""

import os
import socket
import ssl
import sys
import threading
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PACKAGE_ROOT = HERE.parent
REPO_ROOT = PACKAGE_ROOT.parent.parent
PKI = REPO_ROOT / "pki"

# LIBTLS_TEST_INSTALLED=1 (make wheel-test) tests the installed package, not this tree's.
INSTALLED = os.environ.get("LIBTLS_TEST_INSTALLED") == "1"
if not INSTALLED and str(PACKAGE_ROOT) not in sys.path:
    sys.path.insert(0, str(PACKAGE_ROOT))

import libtls  # noqa: E402

TIMEOUT = 15


def pki(name):
    return str(PKI / name)


def pytest_report_header(config):
    lib = libtls.lib()
    return f"libtls under test: {lib.path} ({lib.version})"


# -- contexts --


def client_context(cafile="root-ca.pem"):
    context = libtls.ClientContext()
    context.load_verify_locations(pki(cafile))
    return context


def server_context(cert="server-ecdsa-p256"):
    context = libtls.ServerContext()
    context.load_cert_chain(pki(f"{cert}.chain.pem"), pki(f"{cert}.key"))
    return context


def python_server_context(cert="server-ecdsa-p256", version=None, client_ca=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki(f"{cert}.chain.pem"), pki(f"{cert}.key"))
    if version is not None:
        context.minimum_version = context.maximum_version = version
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(pki(client_ca))
    return context


def python_client_context(version=None, client_cert=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(pki("root-ca.pem"))
    if version is not None:
        context.minimum_version = context.maximum_version = version
    if client_cert is not None:
        context.load_cert_chain(pki(f"{client_cert}.chain.pem"), pki(f"{client_cert}.key"))
    return context


# -- libtls to libtls in memory --


class MemoryPair:
    """A client and a server TLSObject joined by memory BIOs; `pump` moves bytes both ways."""

    def __init__(self, client_ctx, server_ctx, server_hostname="localhost"):
        self.c_in, self.c_out, self.s_in, self.s_out = (libtls.MemoryBIO() for _ in range(4))
        self.client = client_ctx.wrap_bio(self.c_in, self.c_out, server_hostname=server_hostname)
        self.server = server_ctx.wrap_bio(self.s_in, self.s_out)

    def pump(self):
        moved = 0
        for source, sink in ((self.c_out, self.s_in), (self.s_out, self.c_in)):
            data = source.read()
            if data:
                sink.write(data)
                moved += len(data)
        return moved

    def handshake(self):
        """Run both handshakes; returns (client exception, server exception), None for success."""
        outcome = {self.client: "pending", self.server: "pending"}
        for _ in range(50):
            for side in (self.client, self.server):
                if outcome[side] != "pending":
                    continue
                try:
                    side.do_handshake()
                    outcome[side] = None
                except libtls.TLSWantReadError:
                    pass
                except libtls.TLSError as exc:
                    outcome[side] = exc
            moved = self.pump()
            if not moved and "pending" not in outcome.values():
                break
        for side in (self.client, self.server):
            if outcome[side] == "pending":
                outcome[side] = AssertionError("handshake stalled")
        return outcome[self.client], outcome[self.server]

    def close(self):
        self.client.close()
        self.server.close()


# -- servers in threads --


class ThreadedServer:
    """Accepts connections on 127.0.0.1 in a thread and runs `handler(conn)` for each, where
    conn is the wrapped socket (wrap(raw) makes it). Exceptions are kept in `errors`."""

    def __init__(self, wrap, handler, connections=1):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(TIMEOUT)
        self.port = self.listener.getsockname()[1]
        self.wrap = wrap
        self.handler = handler
        self.connections = connections
        self.errors = []
        self.results = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            for _ in range(self.connections):
                raw, _ = self.listener.accept()
                raw.settimeout(TIMEOUT)
                try:
                    conn = self.wrap(raw)
                except Exception as exc:  # noqa: BLE001 - the test inspects it
                    self.errors.append(exc)
                    raw.close()
                    continue
                try:
                    self.results.append(self.handler(conn))
                except Exception as exc:  # noqa: BLE001
                    self.errors.append(exc)
                finally:
                    conn.close()
        except Exception as exc:  # noqa: BLE001
            self.errors.append(exc)
        finally:
            self.listener.close()

    def join(self):
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive(), "server thread did not finish"


def echo_once(conn):
    data = conn.recv(65536)
    conn.sendall(data)
    return data


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    return sock


@pytest.fixture
def memory_pair():
    pairs = []

    def make(client_ctx=None, server_ctx=None, **kwargs):
        pair = MemoryPair(client_ctx or client_context(), server_ctx or server_context(), **kwargs)
        pairs.append(pair)
        return pair

    yield make
    for pair in pairs:
        pair.close()


@pytest.fixture(scope="session")
def tlsserver_binary():
    path = Path(os.environ.get("LIBTLS_BIN_DIR", REPO_ROOT / "build" / "bin")) / "tlsserver"
    if not path.exists():
        pytest.fail(f"{path} is missing: run make first")
    return path
