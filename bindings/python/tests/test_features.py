"""ALPN, the SNI callback, the key log, options and the failure diagnosis, against Python's ssl
in both roles and libtls to libtls in memory."""

import re
import ssl
from pathlib import Path

import pytest
from conftest import (
    REPO_ROOT,
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


def pinned(context, version):
    context.minimum_version = context.maximum_version = VERSIONS[version][1]
    return context


def run_python_server(py_ctx, handler=echo_once):
    return ThreadedServer(lambda raw: py_ctx.wrap_socket(raw, server_side=True), handler)


def run_libtls_server(context, handler=echo_once):
    return ThreadedServer(lambda raw: context.wrap_socket(raw, server_side=True), handler)


def exchange(tls, data=b"ping"):
    tls.sendall(data)
    assert tls.recv(100) == data


# -- ALPN --


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_alpn_libtls_client_python_server_agree(version):
    py_ctx = python_server_context(version=VERSIONS[version][0])
    py_ctx.set_alpn_protocols(["http/1.1", "h2"])
    server = run_python_server(py_ctx, lambda conn: (conn.selected_alpn_protocol(), echo_once(conn))[0])
    context = pinned(client_context(), version)
    context.set_alpn_protocols(["h2", "http/1.1"])
    with context.wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        exchange(tls)
        # The server chooses by its own order.
        assert tls.selected_alpn_protocol() == "http/1.1"
    server.join()
    assert not server.errors and server.results == ["http/1.1"]


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_alpn_python_client_libtls_server_agree(version):
    context = server_context()
    context.set_alpn_protocols(["h2", "http/1.1"])
    server = run_libtls_server(context, lambda conn: (conn.selected_alpn_protocol(), echo_once(conn))[0])
    py_ctx = python_client_context(version=VERSIONS[version][0])
    py_ctx.set_alpn_protocols(["http/1.1", "h2"])
    with py_ctx.wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        exchange(tls)
        assert tls.selected_alpn_protocol() == "h2"
    server.join()
    assert not server.errors and server.results == ["h2"]


def test_alpn_mismatch_goes_on_without_a_protocol_in_both_roles():
    # As ssl does: no overlap is not an error, the handshake just settles on no protocol.
    py_ctx = python_server_context()
    py_ctx.set_alpn_protocols(["spdy/3"])
    server = run_python_server(py_ctx, lambda conn: (conn.selected_alpn_protocol(), echo_once(conn))[0])
    context = client_context()
    context.set_alpn_protocols(["h2"])
    with context.wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        exchange(tls)
        assert tls.selected_alpn_protocol() is None
    server.join()
    assert not server.errors and server.results == [None]

    context = server_context()
    context.set_alpn_protocols(["http/1.1"])
    server = run_libtls_server(context, lambda conn: (conn.selected_alpn_protocol(), echo_once(conn))[0])
    py_ctx = python_client_context()
    py_ctx.set_alpn_protocols(["h2"])
    with py_ctx.wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        exchange(tls)
        assert tls.selected_alpn_protocol() is None
    server.join()
    assert not server.errors and server.results == [None]


def test_alpn_in_memory_and_without_an_offer(memory_pair):
    client, server = client_context(), server_context()
    client.set_alpn_protocols([b"x-proto", "h2"])
    server.set_alpn_protocols(["h2", "x-proto"])
    pair = memory_pair(client, server)
    assert pair.handshake() == (None, None)
    assert pair.client.selected_alpn_protocol() == pair.server.selected_alpn_protocol() == "h2"

    # A server with ALPN protocols meets a client offering none; then ALPN is turned off.
    pair = memory_pair(client_context(), server)
    assert pair.handshake() == (None, None)
    assert pair.client.selected_alpn_protocol() is None and pair.server.selected_alpn_protocol() is None
    server.set_alpn_protocols([])
    pair = memory_pair(client, server)
    assert pair.handshake() == (None, None)
    assert pair.client.selected_alpn_protocol() is None


def test_alpn_protocol_names_are_checked():
    context = libtls.ClientContext()
    with pytest.raises(ValueError):
        context.set_alpn_protocols([""])
    with pytest.raises(ValueError):
        context.set_alpn_protocols(["x" * 256])
    context.set_alpn_protocols(["x" * 255])


# -- SNI --


def test_sni_callback_switches_the_certificate_for_python_clients():
    default = server_context("server-ecdsa-p256")
    other = server_context("wrong-name")
    seen = []

    def choose(connection, server_name, context):
        seen.append((server_name, context is default, connection.context is default))
        if server_name == "wrong.example":
            connection.context = other

    default.sni_callback = choose
    assert default.sni_callback is choose
    server = run_libtls_server(default, lambda conn: (conn.requested_server_name(), echo_once(conn))[0])
    py_ctx = python_client_context()
    with py_ctx.wrap_socket(connect(server.port), server_hostname="wrong.example") as tls:
        exchange(tls)
        assert tls.getpeercert(binary_form=True) == ssl.PEM_cert_to_DER_cert(Path(pki("wrong-name.pem")).read_text())
    server.join()
    assert not server.errors and server.results == ["wrong.example"]

    server = run_libtls_server(default)
    with py_ctx.wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        exchange(tls)
        assert tls.getpeercert(binary_form=True) == ssl.PEM_cert_to_DER_cert(Path(pki("server-ecdsa-p256.pem")).read_text())
    server.join()
    assert not server.errors
    assert seen == [("wrong.example", True, True), ("localhost", True, True)]


def test_sni_python_server_switches_the_certificate_for_libtls_clients():
    default = python_server_context("server-ecdsa-p256")
    other = python_server_context("wrong-name")

    def choose(sslobject, server_name, context):
        if server_name == "wrong.example":
            sslobject.context = other

    default.sni_callback = choose
    server = run_python_server(default)
    with client_context().wrap_socket(connect(server.port), server_hostname="wrong.example") as tls:
        exchange(tls)
        assert tls.getpeercert()["subjectAltName"] == (("DNS", "wrong.example"),)
    server.join()
    assert not server.errors


def test_sni_callback_refusing_with_an_alert():
    context = server_context()
    context.sni_callback = lambda connection, name, ctx: ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
    server = run_libtls_server(context)
    with pytest.raises(ssl.SSLError, match="UNRECOGNIZED_NAME|unrecognized name"):
        python_client_context().wrap_socket(connect(server.port), server_hostname="localhost")
    server.join()
    assert len(server.errors) == 1 and isinstance(server.errors[0], libtls.TLSError)


def test_sni_callback_exception_fails_the_handshake_and_is_raised(memory_pair):
    class Boom(Exception):
        pass

    def explode(connection, name, ctx):
        raise Boom(name)

    context = server_context()
    context.sni_callback = explode
    pair = memory_pair(server_ctx=context)
    with pytest.raises(libtls.TLSWantReadError):
        pair.client.do_handshake()
    pair.pump()
    with pytest.raises(Boom, match="localhost"):
        pair.server.do_handshake()
    pair.pump()
    with pytest.raises(libtls.AlertReceived) as caught:
        pair.client.do_handshake()
    assert caught.value.alert_name == "handshake_failure"


def test_sni_callback_without_a_name_and_removed(memory_pair):
    names = []
    context = server_context()
    context.sni_callback = lambda connection, name, ctx: names.append(name)
    client = client_context()
    client.check_hostname = False
    pair = memory_pair(client_ctx=client, server_ctx=context, server_hostname="127.0.0.1")
    assert pair.handshake() == (None, None)
    assert names == [None]  # an IP address is not sent as SNI
    context.sni_callback = None
    assert memory_pair(server_ctx=context).handshake() == (None, None)
    assert names == [None]


def test_sni_callback_is_for_servers_and_contexts_keep_their_role():
    with pytest.raises(ValueError):
        libtls.ClientContext().sni_callback = lambda *args: None
    pair_ctx = server_context()
    obj = pair_ctx.wrap_bio(libtls.MemoryBIO(), libtls.MemoryBIO())
    with pytest.raises(TypeError):
        obj.context = libtls.ClientContext()


# -- key log --


def keylog_lines(path):
    return {line for line in Path(path).read_text().splitlines() if line and not line.startswith("#")}


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_keylog_matches_pythons_for_the_same_connection(tmp_path, version):
    # libtls server, Python client: both log the same connection's secrets.
    ours, theirs = tmp_path / "libtls.keys", tmp_path / "python.keys"
    context = server_context()
    context.keylog_filename = str(ours)
    assert context.keylog_filename == str(ours)
    server = run_libtls_server(context)
    py_ctx = python_client_context(version=VERSIONS[version][0])
    py_ctx.keylog_filename = str(theirs)
    with py_ctx.wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        exchange(tls)
    server.join()
    assert not server.errors
    lines = keylog_lines(ours)
    assert lines == keylog_lines(theirs)
    labels = {line.split()[0] for line in lines}
    if version == "TLSv1.3":
        assert labels == {
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0",
            "SERVER_TRAFFIC_SECRET_0",
            "EXPORTER_SECRET",
        }
    else:
        assert labels == {"CLIENT_RANDOM"}
    for line in lines:
        label, client_random, secret = line.split()
        assert re.fullmatch(r"[0-9a-f]{64}", client_random) and re.fullmatch(r"[0-9a-f]{64,96}", secret)
    assert Path(ours).read_text().startswith("#")

    # The other way round, appended to the same files.
    py_server = python_server_context(version=VERSIONS[version][0])
    py_server.keylog_filename = str(tmp_path / "python-server.keys")
    server = run_python_server(py_server)
    client = pinned(client_context(), version)
    client.keylog_filename = str(tmp_path / "libtls-client.keys")
    with client.wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        exchange(tls)
    server.join()
    assert not server.errors
    assert keylog_lines(tmp_path / "libtls-client.keys") == keylog_lines(tmp_path / "python-server.keys")


def test_keylog_appends_and_stops(tmp_path, memory_pair):
    path = tmp_path / "keys"
    client = client_context()
    client.keylog_filename = path
    assert memory_pair(client_ctx=client).handshake() == (None, None)
    first = keylog_lines(path)
    assert len(first) == 5  # TLS 1.3 by default
    assert memory_pair(client_ctx=client).handshake() == (None, None)
    assert len(keylog_lines(path)) == 10 and first < keylog_lines(path)
    assert Path(path).read_text().count("\n#") == 0  # one header only
    client.keylog_filename = None
    assert client.keylog_filename is None
    assert memory_pair(client_ctx=client).handshake() == (None, None)
    assert len(keylog_lines(path)) == 10
    with pytest.raises(OSError):
        client.keylog_filename = tmp_path / "missing-dir" / "keys"


# -- options --


def test_options_are_openssls_bits_and_the_headers():
    header = (REPO_ROOT / "include" / "libtls.h").read_text()
    defined = {name: int(value) for name, value in re.findall(r"#define SSL_(OP_\w+) (\d+)", header)}
    defined.pop("OP_NO_SSL_MASK")
    assert {name: int(value) for name, value in libtls.Options.__members__.items()} == defined
    for name in ("OP_NO_TICKET", "OP_CIPHER_SERVER_PREFERENCE", "OP_NO_TLSv1_3", "OP_NO_COMPRESSION"):
        assert getattr(libtls, name) == getattr(ssl, name)


def test_options_set_and_clear_like_ssl():
    context = libtls.ServerContext()
    assert context.options & libtls.OP_NO_COMPRESSION
    context.options |= libtls.OP_NO_TICKET | ssl.OP_CIPHER_SERVER_PREFERENCE
    assert context.options & libtls.OP_NO_TICKET and context.options & libtls.OP_CIPHER_SERVER_PREFERENCE
    context.options &= ~libtls.OP_NO_COMPRESSION
    assert not context.options & libtls.OP_NO_COMPRESSION
    assert context.options & libtls.OP_NO_TICKET
    assert isinstance(context.options, libtls.Options)


def test_option_no_tls13_in_both_roles():
    server = run_python_server(python_server_context())
    context = client_context()
    context.options |= libtls.OP_NO_TLSv1_3
    with context.wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        assert tls.version() == "TLSv1.2"
        exchange(tls)
    server.join()
    assert not server.errors

    context = server_context()
    context.options |= libtls.OP_NO_TLSv1_3
    server = run_libtls_server(context)
    with python_client_context().wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        assert tls.version() == "TLSv1.2"
        exchange(tls)
    server.join()
    assert not server.errors


@pytest.mark.parametrize("server_preference", [False, True])
def test_option_cipher_server_preference(server_preference):
    # Python's client offers TLS_AES_256_GCM_SHA384 before TLS_AES_128_GCM_SHA256.
    context = server_context()
    context.set_ciphersuites("TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384")
    if server_preference:
        context.options |= libtls.OP_CIPHER_SERVER_PREFERENCE
    server = run_libtls_server(context)
    with python_client_context().wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        expected = "TLS_AES_128_GCM_SHA256" if server_preference else "TLS_AES_256_GCM_SHA384"
        assert tls.cipher()[0] == expected
        exchange(tls)
    server.join()
    assert not server.errors


# -- the failure diagnosis --


@pytest.mark.parametrize(
    "cert, hostname, cause, words",
    [
        ("server-ecdsa-p256", "other.example", "certificate_name_mismatch", "other.example"),
        ("untrusted-localhost", "localhost", "certificate_unknown_issuer", "Untrusted Root"),
    ],
)
def test_diagnosis_of_a_rejected_certificate(cert, hostname, cause, words):
    server = run_python_server(python_server_context(cert))
    with pytest.raises(libtls.CertificateError) as caught:
        client_context().wrap_socket(connect(server.port), server_hostname=hostname)
    server.join()
    error = caught.value
    assert error.cause == cause
    assert error.diagnosis and words in error.diagnosis
    assert error.diagnosis in str(error)


def test_diagnosis_on_the_side_that_was_refused(memory_pair):
    pair = memory_pair(server_ctx=server_context("untrusted-localhost"))
    client_error, server_error = pair.handshake()
    assert client_error.cause == "certificate_unknown_issuer"
    assert isinstance(server_error, libtls.AlertReceived)
    assert server_error.cause == "peer_rejected_certificate" and server_error.diagnosis


def test_diagnosis_of_no_common_version(memory_pair):
    client, server = client_context(), server_context()
    client.maximum_version = libtls.TLSVersion.TLSv1_2
    server.minimum_version = libtls.TLSVersion.TLSv1_3
    client_error, server_error = memory_pair(client, server).handshake()
    assert isinstance(server_error, libtls.ProtocolVersionError) and server_error.cause == "no_common_version"
    assert isinstance(client_error, libtls.ProtocolVersionError)
    assert "TLS" in server_error.diagnosis


def test_no_diagnosis_when_nothing_failed(memory_pair):
    from libtls import _errors

    pair = memory_pair()
    assert pair.handshake() == (None, None)
    assert _errors.library_diagnosis(pair.client._ssl) == (None, None)
