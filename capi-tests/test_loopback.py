"""Our client against our server over loopback: every certificate type, TLS 1.3 suite and group,
TLS 1.2, client certificates, echo and -www modes."""

import pytest

import tlswire

from conftest import (
    CLASSIC_GROUPS,
    HYBRID_GROUP,
    SERVER_CERTS,
    TLS12_SUITES,
    TLS13_SUITES,
    accepted_fields,
    canonical_group,
    cert_args,
    connected_fields,
    pki,
    skip_hybrid_on_openssl,
)

ROOT = pki("root-ca.pem")


def run_pair(harness, server_args=(), client_args=(), message="ping over tls\n"):
    server, port = harness.tlsserver(*server_args)
    client = harness.tlsclient(
        "-CAfile", ROOT, "-servername", "localhost", "-msg", message, *client_args, f"127.0.0.1:{port}"
    )
    server.wait()
    assert client.returncode == 0, client.stderr + server.stderr
    return connected_fields(client), accepted_fields(server), client, server


@pytest.mark.parametrize("cert", sorted(SERVER_CERTS))
@pytest.mark.parametrize("version", ["-tls1_3", "-tls1_2"])
def test_certificate_types(harness, cert, version):
    if cert == "ed25519" and version == "-tls1_2":
        pytest.skip("Ed25519 server certificates are exercised with TLS 1.3 only")
    client, server, client_proc, server_proc = run_pair(harness, cert_args(cert), [version])
    expected_version = "TLSv1.3" if version == "-tls1_3" else "TLSv1.2"
    assert client["version"] == server["version"] == expected_version
    assert client["cipher"] == server["cipher"]
    assert client["peer"] == "/CN=localhost"
    assert client["verify"] == "ok"
    assert server["peer"] == "none"
    assert client_proc.stdout == "ping over tls\n"  # echoed back
    assert server_proc.stdout == "ping over tls\n"


@pytest.mark.parametrize("suite", TLS13_SUITES)
def test_tls13_suites(harness, suite):
    client, server, _, _ = run_pair(
        harness, [*cert_args("ecdsa-p256"), "-ciphersuites", suite], ["-tls1_3", "-ciphersuites", suite]
    )
    assert client["cipher"] == server["cipher"] == suite
    assert client["version"] == "TLSv1.3"


@pytest.mark.parametrize("suite", sorted(TLS12_SUITES))
def test_tls12_suites(harness, suite):
    client, server, _, _ = run_pair(
        harness,
        [*cert_args("ecdsa-p256"), *cert_args("rsa2048", "-cert2", "-key2"), "-cipher", suite],
        ["-tls1_2", "-cipher", suite],
    )
    assert client["cipher"] == server["cipher"] == suite
    assert client["version"] == server["version"] == "TLSv1.2"


def test_tls12_no_shared_cipher(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-tls1_2")
    client = harness.tlsclient(
        "-CAfile", ROOT, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-msg", "x", f"127.0.0.1:{port}"
    )
    server.wait()
    assert client.returncode == 1
    assert "handshake failure" in client.stderr, client.stderr
    assert "no shared cipher" in server.stderr, server.stderr


def test_bad_cipher_list_is_a_usage_error(harness):
    client = harness.tlsclient("-cipher", "RC4-MD5:NO-SUCH-CIPHER", "127.0.0.1:1")
    assert client.returncode != 0
    assert "bad -cipher" in client.stderr


@pytest.mark.parametrize("group", CLASSIC_GROUPS + [HYBRID_GROUP])
def test_groups(harness, impl, group):
    skip_hybrid_on_openssl(impl, group)
    client, server, _, _ = run_pair(harness, [*cert_args("ecdsa-p256"), "-groups", group], ["-groups", group])
    assert canonical_group(client["group"]) == canonical_group(server["group"]) == canonical_group(group)


@pytest.mark.parametrize("group", ["X25519", "P-256"])
def test_tls12_groups(harness, group):
    # The P-256 certificate's curve must be acceptable to the client in TLS 1.2, hence RSA here.
    client, server, _, _ = run_pair(
        harness, [*cert_args("rsa2048"), "-groups", group], ["-tls1_2", "-groups", group]
    )
    assert client["version"] == "TLSv1.2"
    assert canonical_group(client["group"]) == canonical_group(group)


def test_default_negotiation_is_tls13(harness, impl):
    client, server, _, _ = run_pair(harness, cert_args("ecdsa-p256"))
    assert client["version"] == "TLSv1.3"
    if impl == "libtls":
        # libtls prefers the post-quantum hybrid when both sides support it.
        assert canonical_group(client["group"]) == HYBRID_GROUP


def test_two_certificates(harness):
    client, _, _, _ = run_pair(
        harness, [*cert_args("ecdsa-p256"), *cert_args("rsa2048", "-cert2", "-key2")], ["-tls1_3"]
    )
    assert client["verify"] == "ok"


@pytest.mark.parametrize("client_cert", ["client-ecdsa-p256", "client-rsa2048"])
def test_client_certificate(harness, client_cert):
    client, server, _, _ = run_pair(
        harness,
        [*cert_args("ecdsa-p256"), "-CAfile", ROOT, "-Verify"],
        ["-cert", pki(f"{client_cert}.chain.pem"), "-key", pki(f"{client_cert}.key")],
    )
    assert server["peer"].startswith("/CN=libtls test client")
    assert server["verify"] == "ok"


@pytest.mark.parametrize("client_cert", ["client-ecdsa-p256", "client-rsa2048"])
def test_tls12_client_certificate(harness, client_cert):
    client, server, _, _ = run_pair(
        harness,
        [*cert_args("ecdsa-p256"), "-CAfile", ROOT, "-Verify"],
        ["-tls1_2", "-cert", pki(f"{client_cert}.chain.pem"), "-key", pki(f"{client_cert}.key")],
    )
    assert server["version"] == "TLSv1.2"
    assert server["peer"].startswith("/CN=libtls test client")
    assert server["verify"] == "ok"


def test_tls12_client_certificate_required(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-CAfile", ROOT, "-Verify")
    client = harness.tlsclient("-CAfile", ROOT, "-tls1_2", "-servername", "localhost", "-msg", "x", f"127.0.0.1:{port}")
    server.wait()
    assert "tlsserver: handshake failed:" in server.stderr
    assert "peer did not return a certificate" in server.stderr, server.stderr
    # In TLS 1.2 the server decides before its Finished, so the client fails in the handshake.
    assert client.returncode == 1


def test_client_certificate_required(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-CAfile", ROOT, "-Verify")
    client = harness.tlsclient("-CAfile", ROOT, "-servername", "localhost", "-msg", "x", f"127.0.0.1:{port}")
    server.wait()
    assert "tlsserver: handshake failed:" in server.stderr
    # TLS 1.3 client auth fails after the client's Finished, so the client may only notice on read.
    assert client.returncode == 1 or "tlsclient: read failed" in client.stderr


def test_www_status_page(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p384"), "-www")
    client = harness.tlsclient("-CAfile", ROOT, "-get", "/status", f"localhost:{port}")
    server.wait()
    assert client.returncode == 0, client.stderr
    assert client.stdout.startswith("HTTP/1.0 200 OK\r\n")
    assert "path: /status" in client.stdout
    assert "version=TLSv1.3" in client.stdout


def test_ip_address_verified_against_ip_san(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"))
    client = harness.tlsclient("-CAfile", ROOT, "-msg", "ip\n", f"127.0.0.1:{port}")
    server.wait()
    assert connected_fields(client)["verify"] == "ok"


def test_stdin_relay(harness):
    import subprocess

    server, port = harness.tlsserver(*cert_args("ecdsa-p256"))
    client = harness.spawn(
        [harness.bin_dir / "tlsclient", "-timeout", "5", "-CAfile", ROOT, f"localhost:{port}"],
        "tlsclient-stdin",
        stdin=subprocess.PIPE,
    )
    client.popen.stdin.write(b"line one\nline two\n")
    client.popen.stdin.close()
    client.wait()
    server.wait()
    assert client.returncode == 0, client.stderr
    assert client.stdout == "line one\nline two\n"


def test_usage_errors(harness):
    bad = harness.tlsclient("-nonsense")
    assert bad.returncode == 2
    missing = harness.tlsclient("-CAfile", ROOT, "127.0.0.1:1")
    assert missing.returncode == 1
    assert "cannot connect" in missing.stderr


def _records_after_close_notify(port, version):
    """Completes a handshake with Python's TLS, sends close_notify without a request, and
    returns the (content type, length) of every record the server sends after that."""
    import socket
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ctx.maximum_version = version
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                sock.sendall(outgoing.read())
                data = sock.recv(65536)
                assert data, "the server closed during the handshake"
                incoming.write(data)
        sock.sendall(outgoing.read())
        try:
            tls.unwrap()
        except ssl.SSLWantReadError:
            pass
        sock.sendall(outgoing.read())
        received = b""
        while True:
            data = sock.recv(65536)
            if not data:
                break
            received += data
    return tlswire.record_headers(received)


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_www_sends_nothing_after_a_close_notify_without_request(harness, version):
    import ssl

    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-www")
    records = _records_after_close_notify(port, getattr(ssl.TLSVersion, version))
    server.wait()
    # TLS 1.3 tickets may come first; no page, only the close_notify alert at the end.
    if version == "TLSv1_2":
        assert len(records) == 1 and records[0][0] == 21, records
    else:
        assert records and all(typ == 23 for typ, _ in records), records
        # Tickets (one record) and the close_notify: no third record carrying a page.
        assert len(records) <= 2, records
