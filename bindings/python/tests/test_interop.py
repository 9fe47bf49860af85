"""libtls against Python's own ssl module (OpenSSL), in both roles, TLS 1.2 and 1.3."""

import http.client
import http.server
import ssl
import threading
from pathlib import Path

import pytest
from conftest import (
    TIMEOUT,
    ThreadedServer,
    client_context,
    connect,
    echo_once,
    pki,
    python_client_context,
    python_server_context,
    server_context,
)

import libtls

VERSIONS = {
    "TLSv1.2": (ssl.TLSVersion.TLSv1_2, libtls.TLSVersion.TLSv1_2),
    "TLSv1.3": (ssl.TLSVersion.TLSv1_3, libtls.TLSVersion.TLSv1_3),
}


def pinned_client(version):
    context = client_context()
    context.minimum_version = context.maximum_version = VERSIONS[version][1]
    return context


@pytest.mark.parametrize("cert", ["server-ecdsa-p256", "server-rsa2048", "server-ed25519"])
@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_libtls_client_python_server(version, cert):
    py_ctx = python_server_context(cert, version=VERSIONS[version][0])
    server = ThreadedServer(lambda raw: py_ctx.wrap_socket(raw, server_side=True), echo_once)
    with pinned_client(version).wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        assert tls.version() == version
        tls.sendall(b"ping " + version.encode())
        assert tls.recv(100) == b"ping " + version.encode()
        name, protocol, bits = tls.cipher()
        assert protocol == version and bits >= 128
        cert_dict = tls.getpeercert()
        assert cert_dict == ssl._ssl._test_decode_cert(pki(f"{cert}.pem"))
        assert ("DNS", "localhost") in cert_dict["subjectAltName"]
        assert tls.getpeercert(binary_form=True) == ssl.PEM_cert_to_DER_cert(Path(pki(f"{cert}.pem")).read_text())
        assert len(tls.get_peer_cert_chain()) == 2
    server.join()
    assert not server.errors


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_python_client_libtls_server(version):
    context = server_context()
    server = ThreadedServer(lambda raw: context.wrap_socket(raw, server_side=True), echo_once)
    py_ctx = python_client_context(version=VERSIONS[version][0])
    with py_ctx.wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        assert tls.version() == version
        tls.sendall(b"hello libtls")
        assert tls.recv(100) == b"hello libtls"
    server.join()
    assert not server.errors
    assert server.results == [b"hello libtls"]


@pytest.mark.parametrize("client_cert", ["client-ecdsa-p256", "client-rsa2048", "client-ed25519"])
@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_libtls_client_certificate_to_python_server(version, client_cert):
    py_ctx = python_server_context(version=VERSIONS[version][0], client_ca="root-ca.pem")
    server = ThreadedServer(
        lambda raw: py_ctx.wrap_socket(raw, server_side=True), lambda conn: conn.getpeercert()["subject"]
    )
    context = pinned_client(version)
    context.load_cert_chain(pki(f"{client_cert}.chain.pem"), pki(f"{client_cert}.key"))
    with context.wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        tls.recv(1)  # the server closes after reading the certificate
    server.join()
    assert not server.errors, server.errors
    assert server.results[0][0][0][0] == "commonName"


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_python_client_certificate_to_libtls_server(version):
    context = server_context()
    context.verify_mode = libtls.CERT_REQUIRED
    context.load_verify_locations(pki("root-ca.pem"))

    def handler(conn):
        return conn.getpeercert()["subject"], conn.version()

    server = ThreadedServer(lambda raw: context.wrap_socket(raw, server_side=True), handler)
    py_ctx = python_client_context(version=VERSIONS[version][0], client_cert="client-ecdsa-p256")
    with py_ctx.wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        tls.recv(1)
    server.join()
    assert not server.errors, server.errors
    assert server.results == [(((("commonName", "libtls test client"),),), version)]


def test_http_client_uses_a_libtls_context():
    # http.client only needs wrap_socket, verify_mode, check_hostname and a makefile()-able socket.
    py_ctx = python_server_context()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"served over " + self.request.version().encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = py_ctx.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.handle_request, daemon=True)
    thread.start()
    connection = http.client.HTTPSConnection("localhost", httpd.server_address[1], context=client_context(), timeout=TIMEOUT)
    connection.request("GET", "/")
    response = connection.getresponse()
    assert response.status == 200
    assert response.read() == b"served over TLSv1.3"
    connection.close()
    thread.join(TIMEOUT)
    httpd.server_close()


def test_unwrap_returns_the_plain_socket():
    py_ctx = python_server_context()

    def handler(conn):
        assert conn.recv(5) == b"first"
        plain = conn.unwrap()
        data = plain.recv(100)
        plain.close()
        return data

    server = ThreadedServer(lambda raw: py_ctx.wrap_socket(raw, server_side=True), handler)
    tls = client_context().wrap_socket(connect(server.port), server_hostname="localhost")
    tls.sendall(b"first")
    plain = tls.unwrap()
    assert tls._closed
    plain.sendall(b"clear text")
    plain.close()
    server.join()
    assert not server.errors, server.errors
    assert server.results == [b"clear text"]


def test_listening_tls_socket_accepts_wrapped_connections():
    context = server_context()
    listener = context.wrap_socket(
        __import__("socket").create_server(("127.0.0.1", 0)), server_side=True
    )
    port = listener.getsockname()[1]
    result = {}

    def serve():
        conn, _ = listener.accept()
        with conn:
            result["version"] = conn.version()
            conn.sendall(conn.recv(100))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    with python_client_context().wrap_socket(connect(port), server_hostname="localhost") as tls:
        tls.sendall(b"via accept")
        assert tls.recv(100) == b"via accept"
    thread.join(TIMEOUT)
    listener.close()
    assert result == {"version": "TLSv1.3"}


def test_recv_times_out_like_a_socket():
    py_ctx = python_server_context()
    done = threading.Event()
    server = ThreadedServer(lambda raw: py_ctx.wrap_socket(raw, server_side=True), lambda conn: done.wait(TIMEOUT))
    tls = client_context().wrap_socket(connect(server.port), server_hostname="localhost")
    tls.settimeout(0.2)
    with pytest.raises(TimeoutError):
        tls.recv(10)
    tls.setblocking(False)
    with pytest.raises(libtls.TLSWantReadError):
        tls.recv(10)
    done.set()
    tls.close()
    server.join()


def test_clean_close_reads_as_end_of_stream():
    py_ctx = python_server_context()

    def handler(conn):
        conn.sendall(b"bye")
        conn.unwrap().close()

    server = ThreadedServer(lambda raw: py_ctx.wrap_socket(raw, server_side=True), handler)
    with client_context().wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        reader = tls.makefile("rb")
        assert reader.read() == b"bye"
        reader.close()
        tls.unwrap().close()
    server.join()
    assert not server.errors, server.errors


def test_ip_address_as_server_hostname():
    py_ctx = python_server_context()
    server = ThreadedServer(lambda raw: py_ctx.wrap_socket(raw, server_side=True), echo_once)
    with client_context().wrap_socket(connect(server.port), server_hostname="127.0.0.1") as tls:
        tls.sendall(b"ip")
        assert tls.recv(10) == b"ip"
    server.join()
