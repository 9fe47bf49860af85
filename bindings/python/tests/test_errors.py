"""Each failure cause raises the matching exception, carrying the error queue's reasons."""

import os
import socket
import ssl
import subprocess
import sys

import pytest
from conftest import (
    PACKAGE_ROOT,
    ThreadedServer,
    client_context,
    connect,
    pki,
    python_server_context,
    server_context,
)

import libtls

X509_V_ERR_CERT_HAS_EXPIRED = 10
X509_V_ERR_CERT_NOT_YET_VALID = 9
X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20
X509_V_ERR_APPLICATION_VERIFICATION = 50
X509_V_ERR_HOSTNAME_MISMATCH = 62
SSL_AD_PROTOCOL_VERSION = 70
SSL_AD_HANDSHAKE_FAILURE = 40
SSL_AD_CERTIFICATE_REQUIRED = 116


@pytest.mark.parametrize(
    "cert, hostname, verify_code",
    [
        ("untrusted-localhost", "localhost", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
        ("expired-localhost", "localhost", X509_V_ERR_CERT_HAS_EXPIRED),
        ("notyetvalid-localhost", "localhost", X509_V_ERR_CERT_NOT_YET_VALID),
        ("wrong-name", "localhost", X509_V_ERR_HOSTNAME_MISMATCH),
        ("server-ecdsa-p256", "other.example", X509_V_ERR_HOSTNAME_MISMATCH),
    ],
)
def test_certificate_rejected(memory_pair, cert, hostname, verify_code):
    pair = memory_pair(server_ctx=server_context(cert), server_hostname=hostname)
    client_error, server_error = pair.handshake()
    assert isinstance(client_error, libtls.CertificateError)
    assert client_error.reason == "CERTIFICATE_VERIFY_FAILED"
    assert client_error.verify_code == verify_code
    assert client_error.verify_message == libtls.lib().X509_verify_cert_error_string(verify_code).decode()
    assert client_error.errors[0].text.startswith("error:0A000086:")
    # The server learns of it through the client's alert.
    assert isinstance(server_error, libtls.AlertReceived)


def test_unverified_client_accepts_any_certificate(memory_pair):
    context = libtls.ClientContext()
    context.check_hostname = False
    context.verify_mode = libtls.CERT_NONE
    pair = memory_pair(client_ctx=context, server_ctx=server_context("untrusted-localhost"))
    assert pair.handshake() == (None, None)
    # As in ssl: an unverified certificate is not decoded.
    assert pair.client.getpeercert() == {}
    assert pair.client.getpeercert(binary_form=True)


def test_no_shared_version(memory_pair):
    client = client_context()
    client.maximum_version = libtls.TLSVersion.TLSv1_2
    server = server_context()
    server.minimum_version = libtls.TLSVersion.TLSv1_3
    client_error, server_error = memory_pair(client, server).handshake()
    assert isinstance(server_error, libtls.ProtocolVersionError)
    assert isinstance(client_error, libtls.ProtocolVersionAlert)
    assert isinstance(client_error, libtls.ProtocolVersionError)
    assert client_error.alert == SSL_AD_PROTOCOL_VERSION
    assert client_error.alert_name == "protocol_version"


def test_no_shared_cipher_suite(memory_pair):
    client = client_context()
    client.set_ciphersuites("TLS_AES_128_GCM_SHA256")
    server = server_context()
    server.set_ciphersuites("TLS_CHACHA20_POLY1305_SHA256")
    client_error, server_error = memory_pair(client, server).handshake()
    assert isinstance(server_error, libtls.NoCipherMatchError)
    assert isinstance(client_error, libtls.AlertReceived)
    assert client_error.alert == SSL_AD_HANDSHAKE_FAILURE


def test_no_shared_group(memory_pair):
    client = client_context()
    client.set_groups(["P-384"])
    server = server_context()
    server.set_groups("X25519:P-256")
    client_error, server_error = memory_pair(client, server).handshake()
    assert isinstance(server_error, libtls.NoSharedGroupError), server_error
    assert isinstance(client_error, libtls.AlertReceived)


def test_cipher_list_naming_nothing_known():
    with pytest.raises(libtls.NoCipherMatchError) as info:
        client_context().set_ciphers("NOT-A-CIPHER")
    assert info.value.reason == "NO_CIPHER_MATCH"


def test_unknown_group_name():
    with pytest.raises(libtls.TLSError):
        client_context().set_groups(["not-a-group"])


def test_missing_client_certificate(memory_pair):
    server = server_context()
    server.verify_mode = libtls.CERT_REQUIRED
    server.load_verify_locations(pki("root-ca.pem"))
    pair = memory_pair(server_ctx=server)
    client_error, server_error = pair.handshake()
    assert isinstance(server_error, libtls.CertificateError)
    assert server_error.reason == "PEER_DID_NOT_RETURN_A_CERTIFICATE"
    # A TLS 1.3 client has finished when the server judges its (absent) certificate: it
    # learns of the refusal on its next read.
    assert client_error is None
    with pytest.raises(libtls.AlertReceived) as info:
        pair.client.read()
    assert info.value.alert == SSL_AD_CERTIFICATE_REQUIRED


def test_untrusted_client_certificate(memory_pair):
    server = server_context()
    server.verify_mode = libtls.CERT_REQUIRED
    server.load_verify_locations(pki("root-ca.pem"))
    client = client_context()
    client.load_cert_chain(pki("untrusted-client.chain.pem"), pki("untrusted-client.key"))
    pair = memory_pair(client, server)
    client_error, server_error = pair.handshake()
    assert isinstance(server_error, libtls.CertificateError)
    assert server_error.verify_code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    assert client_error is None
    with pytest.raises(libtls.AlertReceived) as info:
        pair.client.read()
    assert info.value.alert_name in ("unknown_ca", "bad_certificate")


def test_client_certificate_accepted(memory_pair):
    server = server_context()
    server.verify_mode = libtls.CERT_REQUIRED
    server.load_verify_locations(pki("root-ca.pem"))
    client = client_context()
    client.load_cert_chain(pki("client-rsa2048.chain.pem"), pki("client-rsa2048.key"))
    pair = memory_pair(client, server)
    assert pair.handshake() == (None, None)
    assert pair.server.getpeercert()["subject"] == ((("commonName", "libtls test client rsa"),),)
    assert pair.server.requested_server_name() == "localhost"


def test_configuration_errors():
    context = libtls.ServerContext()
    with pytest.raises(FileNotFoundError):
        context.load_cert_chain(pki("no-such.pem"))
    with pytest.raises(libtls.TLSError) as info:
        context.load_cert_chain(pki("server-ecdsa-p256.chain.pem"), pki("server-rsa2048.key"))
    assert info.value.errors, "the error queue's reasons are carried"
    with pytest.raises(FileNotFoundError):
        client_context("no-such-ca.pem")
    with pytest.raises(ValueError):
        client_context().wrap_bio(libtls.MemoryBIO(), libtls.MemoryBIO())  # check_hostname needs a name
    with pytest.raises(ValueError):
        libtls.ClientContext().verify_mode = libtls.CERT_NONE  # while check_hostname is on


def test_errors_do_not_linger_on_the_queue(memory_pair):
    pair = memory_pair(server_ctx=server_context("wrong-name"))
    pair.handshake()
    assert libtls.lib().ERR_get_error_line_data(None, None, None, None) == 0


def test_verify_callback_can_reject_and_its_exception_is_raised(memory_pair):
    seen = []

    def reject_leaf(ok, depth, error, cert_der, connection):
        seen.append((ok, depth, error, connection is not None, len(cert_der) > 0))
        return depth > 0

    client = client_context()
    client.set_verify_callback(reject_leaf)
    client_error, _ = memory_pair(client_ctx=client).handshake()
    assert isinstance(client_error, libtls.CertificateError)
    assert client_error.verify_code == X509_V_ERR_APPLICATION_VERIFICATION
    assert (True, 0, 0, True, True) in seen

    class Boom(Exception):
        pass

    def explode(*args):
        raise Boom("from the callback")

    client.set_verify_callback(explode)
    pair = memory_pair(client_ctx=client)
    with pytest.raises(Boom):
        for _ in range(5):
            for side in (pair.client, pair.server):
                try:
                    side.do_handshake()
                except libtls.TLSWantReadError:
                    pass
            pair.pump()


def test_verify_callback_can_accept_an_unknown_issuer(memory_pair):
    client = client_context()
    client.set_verify_callback(lambda ok, depth, error, cert, conn: ok or error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
    assert memory_pair(client, server_context("untrusted-localhost")).handshake() == (None, None)


def test_python_server_rejecting_our_version():
    py_ctx = python_server_context(version=ssl.TLSVersion.TLSv1_3)
    server = ThreadedServer(lambda raw: py_ctx.wrap_socket(raw, server_side=True), lambda conn: None)
    client = client_context()
    client.maximum_version = libtls.TLSVersion.TLSv1_2
    with pytest.raises(libtls.ProtocolVersionError):
        client.wrap_socket(connect(server.port), server_hostname="localhost")
    server.join()
    assert isinstance(server.errors[0], ssl.SSLError)


def test_peer_vanishing_mid_handshake_is_an_eof_error():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    sock = connect(port)
    peer, _ = listener.accept()
    peer.close()
    listener.close()
    with pytest.raises((libtls.TLSEOFError, ConnectionResetError)):
        client_context().wrap_socket(sock, server_hostname="localhost")


def test_unexpected_eof_after_handshake_is_reported_unless_suppressed():
    py_ctx = python_server_context()

    def handler(conn):
        conn.sendall(b"partial")
        # Close the TCP connection under the TLS layer: no close_notify.
        sock = socket.socket(fileno=conn.detach())
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    for suppress in (True, False):
        server = ThreadedServer(lambda raw: py_ctx.wrap_socket(raw, server_side=True), handler)
        tls = client_context().wrap_socket(
            connect(server.port), server_hostname="localhost", suppress_ragged_eofs=suppress
        )
        assert tls.recv(100) == b"partial"
        if suppress:
            assert tls.recv(100) == b""
        else:
            with pytest.raises(libtls.TLSEOFError):
                tls.recv(100)
        tls.close()
        server.join()


def test_diagnosis_hook_is_carried_by_exceptions(memory_pair, monkeypatch):
    from libtls import _errors

    monkeypatch.setattr(_errors, "diagnosis_provider", lambda ssl: "the server's name is not on its certificate")
    client_error, _ = memory_pair(server_ctx=server_context("wrong-name")).handshake()
    assert client_error.diagnosis == "the server's name is not on its certificate"
    assert "not on its certificate" in str(client_error)


def test_session_features_are_no_longer_pending():
    # Sessions landed in the C API: these calls work (or reject bad input) instead of
    # raising NotImplementedError.
    context = libtls.ServerContext()
    context.set_ticket_keys(b"k" * 80)
    context.set_session_cache_mode(0)
    with pytest.raises(TypeError):
        context.wrap_bio(libtls.MemoryBIO(), libtls.MemoryBIO(), session=b"s")


def test_library_missing_entirely_raises_on_first_use(tmp_path):
    code = "import libtls\ntry:\n    libtls.ClientContext()\nexcept libtls.LibraryNotFoundError as e:\n    print('missing:', e)\n"
    env = dict(os.environ, LIBTLS_PATH=str(tmp_path / "absent.so"), PYTHONPATH=str(PACKAGE_ROOT))
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30)
    assert result.stdout.startswith("missing:") and "absent.so" in result.stdout
