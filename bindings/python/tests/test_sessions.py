"""Session resumption through the binding: libtls client against Python's ssl server and
Python's ssl client against a libtls server, TLS 1.2 and 1.3; sessions saved as bytes."""

import ssl

import pytest
from conftest import (
    ThreadedServer,
    client_context,
    connect,
    echo_once,
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


def echo_and_report_reuse(conn):
    echo_once(conn)
    return conn.session_reused


def exchange(tls, data=b"ping"):
    # Reading the reply also takes in the TLS 1.3 tickets the server sent after its handshake.
    tls.sendall(data)
    assert tls.recv(100) == data


def libtls_client_session_round(port, context, session=None):
    """One connection; returns (session after the exchange, whether it resumed)."""
    with context.wrap_socket(connect(port), server_hostname="localhost", session=session) as tls:
        exchange(tls)
        return tls.session, tls.session_reused


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_libtls_client_resumes_with_python_server(version):
    py_ctx = python_server_context(version=VERSIONS[version][0])
    server = ThreadedServer(
        lambda raw: py_ctx.wrap_socket(raw, server_side=True), echo_and_report_reuse, connections=2
    )
    context = pinned_client(version)
    session, reused = libtls_client_session_round(server.port, context)
    assert not reused
    assert isinstance(session, libtls.Session) and session.is_resumable
    _, reused = libtls_client_session_round(server.port, context, session)
    server.join()
    assert not server.errors
    assert reused and server.results == [False, True]


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_python_client_resumes_with_libtls_server(version):
    context = server_context()
    server = ThreadedServer(
        lambda raw: context.wrap_socket(raw, server_side=True), echo_and_report_reuse, connections=2
    )
    py_ctx = python_client_context(version=VERSIONS[version][0])
    with py_ctx.wrap_socket(connect(server.port), server_hostname="localhost") as tls:
        exchange(tls)
        assert not tls.session_reused
        session = tls.session
    with py_ctx.wrap_socket(connect(server.port), server_hostname="localhost", session=session) as tls:
        exchange(tls)
        assert tls.session_reused
    server.join()
    assert not server.errors
    assert server.results == [False, True]


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_session_saved_as_bytes_resumes_from_a_fresh_context(version):
    py_ctx = python_server_context(version=VERSIONS[version][0])
    server = ThreadedServer(
        lambda raw: py_ctx.wrap_socket(raw, server_side=True), echo_and_report_reuse, connections=2
    )
    session, _ = libtls_client_session_round(server.port, pinned_client(version))
    saved = session.to_bytes()
    del session
    restored = libtls.Session.from_bytes(saved)
    assert restored.is_resumable and restored.to_bytes() == saved
    _, reused = libtls_client_session_round(server.port, pinned_client(version), restored)
    server.join()
    assert not server.errors and reused and server.results == [False, True]


def test_session_set_on_the_socket_before_connect():
    py_ctx = python_server_context(version=ssl.TLSVersion.TLSv1_3)
    server = ThreadedServer(
        lambda raw: py_ctx.wrap_socket(raw, server_side=True), echo_and_report_reuse, connections=2
    )
    context = pinned_client("TLSv1.3")
    session, _ = libtls_client_session_round(server.port, context)
    import socket

    tls = context.wrap_socket(socket.socket(), server_hostname="localhost")
    tls.session = session
    assert tls.session is session
    tls.connect(("127.0.0.1", server.port))
    exchange(tls)
    assert tls.session_reused
    with pytest.raises(ValueError):
        tls.session = session
    tls.close()
    server.join()
    assert not server.errors


def test_memory_connections_resume_between_libtls_peers():
    server_ctx = server_context()
    client_ctx = client_context()

    def run(session=None):
        c_in, c_out, s_in, s_out = (libtls.MemoryBIO() for _ in range(4))
        client = client_ctx.wrap_bio(c_in, c_out, server_hostname="localhost", session=session)
        server = server_ctx.wrap_bio(s_in, s_out)
        for _ in range(20):
            for side in (client, server):
                try:
                    side.do_handshake()
                except libtls.TLSWantReadError:
                    pass
            s_in.write(c_out.read())
            c_in.write(s_out.read())
        server.write(b"x")
        c_in.write(s_out.read())
        assert client.read(10) == b"x"
        return client.session, client.session_reused, server.session_reused

    session, client_reused, server_reused = run()
    assert not client_reused and not server_reused
    _, client_reused, server_reused = run(session)
    assert client_reused and server_reused


@pytest.mark.parametrize("garbage", [b"x", b"libtlsSS", b"\x30\x03\x02\x01\x01", bytes(200)])
def test_garbage_bytes_are_not_a_session(garbage):
    with pytest.raises(libtls.TLSError):
        libtls.Session.from_bytes(garbage)


def test_empty_bytes_are_not_a_session():
    with pytest.raises(libtls.TLSError):
        libtls.Session.from_bytes(b"")


def test_session_arguments_are_checked():
    context = client_context()
    with pytest.raises(TypeError):
        context.wrap_bio(libtls.MemoryBIO(), libtls.MemoryBIO(), server_hostname="x", session=b"s")
    with pytest.raises(TypeError):
        libtls.Session()


def test_context_session_settings():
    context = server_context()
    assert context.session_cache_mode == libtls.SESS_CACHE_SERVER
    assert context.set_session_cache_mode(libtls.SESS_CACHE_OFF) == libtls.SESS_CACHE_SERVER
    assert context.session_cache_mode == libtls.SESS_CACHE_OFF
    context.num_tickets = 1
    assert context.num_tickets == 1
    context.set_ticket_keys(bytes(range(48)))
    with pytest.raises(libtls.TLSError):
        context.set_ticket_keys(b"short")


def test_shared_ticket_keys_let_another_server_resume():
    keys = bytes(range(16)) + bytes(range(100, 132))
    first, second = server_context(), server_context()
    for context in (first, second):
        context.set_ticket_keys(keys)
    servers = [
        ThreadedServer(lambda raw, c=c: c.wrap_socket(raw, server_side=True), echo_and_report_reuse)
        for c in (first, second)
    ]
    context = pinned_client("TLSv1.3")
    session, _ = libtls_client_session_round(servers[0].port, context)
    _, reused = libtls_client_session_round(servers[1].port, context, session)
    for server in servers:
        server.join()
        assert not server.errors
    assert reused


def test_sessions_are_freed_when_collected():
    import gc

    from test_leak import rss_bytes

    server_ctx = server_context()
    client_ctx = client_context()
    c_in, c_out, s_in, s_out = (libtls.MemoryBIO() for _ in range(4))
    client = client_ctx.wrap_bio(c_in, c_out, server_hostname="localhost")
    server = server_ctx.wrap_bio(s_in, s_out)
    for _ in range(10):
        for side in (client, server):
            try:
                side.do_handshake()
            except libtls.TLSWantReadError:
                pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
    saved = client.session.to_bytes()

    def churn(count):
        for _ in range(count):
            assert libtls.Session.from_bytes(saved).to_bytes() == saved
            assert client.session is not None

    churn(2_000)
    gc.collect()
    baseline = rss_bytes()
    churn(30_000)
    gc.collect()
    growth = rss_bytes() - baseline
    # 60,000 leaked sessions would add far more than this.
    assert growth < 4 * 1024 * 1024, f"RSS grew by {growth / 1e6:.1f} MB"
