"""Each cause of a failed handshake provoked against real peers (openssl s_server/s_client,
gnutls-serv) and against libtls itself through the CLIs: the failure line's SSL_get_error and
error-queue reason (which names the alert received), the alert the other side got, and with
libtls the `diagnosis:` line. Also SSLKEYLOGFILE against OpenSSL's -keylogfile."""

import os
import re
import socket
import subprocess

import pytest

import tlswire
from conftest import pki, require_tool

ROOT = pki("root-ca.pem")


def failure_line(proc, prog):
    match = re.search(rf"^{prog}: handshake failed: (.*)$", proc.stderr, re.MULTILINE)
    assert match, f"{prog} did not report a failed handshake:\n{proc.stderr}"
    return match.group(1)


def diagnosis(proc, prog, impl):
    """The diagnosis line (libtls only; None with OpenSSL, which has none)."""
    if impl != "openssl" and proc.poll() is None:
        # A running server prints it just after its failure line, which is what callers waited
        # for: give it the moment it takes (under the sanitizers, longer).
        try:
            proc.wait_for_stderr(rf"^{prog}: diagnosis: ", timeout=5)
        except AssertionError:
            pass
    match = re.search(rf"^{prog}: diagnosis: (.*) \(cause=(\w+)\)$", proc.stderr, re.MULTILINE)
    if impl == "openssl":
        assert match is None
        return None
    assert match, f"no diagnosis line:\n{proc.stderr}"
    return match.group(1), match.group(2)


def run_client(harness, port, *args):
    client = harness.tlsclient("-CAfile", ROOT, "-servername", "localhost", *args, f"127.0.0.1:{port}")
    assert client.returncode == 1, client.stderr
    return client


def server_output(server):
    server.kill()
    return server.stdout + server.stderr


def chain_args(base):
    return ["-cert", pki(f"{base}.chain.pem"), "-key", pki(f"{base}.key")]


def s_server_args(base):
    """s_server reads only the leaf from -cert; the intermediate goes in -cert_chain."""
    args = ["-cert", pki(f"{base}.pem"), "-key", pki(f"{base}.key")]
    if base != "untrusted-localhost":
        args += ["-cert_chain", pki("intermediate-ca.pem")]
    return args


# ---- no common protocol version ----------------------------------------------------------------


def check_version_refused_client(client, impl):
    line = failure_line(client, "tlsclient")
    assert "ssl_error=1 (SSL_ERROR_SSL)" in line
    assert "tlsv1 alert protocol version" in line
    d = diagnosis(client, "tlsclient", impl)
    if d:
        assert d[1] == "no_common_version"
        assert d[0].startswith(
            "no common protocol version: the server sent alert protocol_version (70) during ServerHello; "
            "we offer TLSv1.3"
        ), d[0]


def test_no_common_version_openssl_server(harness, impl):
    server, port = harness.openssl_server("-tls1_2", *s_server_args("server-ecdsa-p256"))
    client = run_client(harness, port, "-tls1_3")
    check_version_refused_client(client, impl)
    assert "unsupported protocol" in server_output(server)


def test_no_common_version_gnutls_server(harness, impl):
    server, port = harness.gnutls_server(
        "--x509certfile", pki("server-ecdsa-p256.chain.pem"), "--x509keyfile", pki("server-ecdsa-p256.key"),
        "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2",
    )
    client = run_client(harness, port, "-tls1_3")
    # gnutls answers a ClientHello with no acceptable version with handshake_failure, so the
    # diagnosis can only say that the server found nothing acceptable, and list our offer.
    line = failure_line(client, "tlsclient")
    assert "ssl_error=1 (SSL_ERROR_SSL)" in line
    assert "sslv3 alert handshake failure" in line
    d = diagnosis(client, "tlsclient", impl)
    if d:
        assert d[1] == "peer_rejected_hello"
        assert "(versions TLSv1.3; suites " in d[0], d[0]


def test_no_common_version_libtls_both_ends(harness, impl):
    server, port = harness.tlsserver("-tls1_2", *chain_args("server-ecdsa-p256"))
    client = run_client(harness, port, "-tls1_3")
    check_version_refused_client(client, impl)
    server.wait_for_stderr(r"^tlsserver: handshake failed: .*unsupported protocol")
    d = diagnosis(server, "tlsserver", impl)
    if d:
        assert d == ("no common protocol version: we offer TLSv1.2; peer offered TLSv1.3", "no_common_version")


def test_no_common_version_openssl_client(harness, impl):
    require_tool("openssl")
    server, port = harness.tlsserver("-tls1_3", *chain_args("server-ecdsa-p256"))
    s_client = harness.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_2"], "s_client", b""
    )
    assert "alert protocol version" in s_client.stdout + s_client.stderr
    server.wait_for_stderr(r"^tlsserver: handshake failed: ssl_error=1 .*unsupported protocol")
    d = diagnosis(server, "tlsserver", impl)
    if d:
        assert d == ("no common protocol version: we offer TLSv1.3; peer offered TLSv1.2", "no_common_version")


# ---- no common cipher suite --------------------------------------------------------------------


def check_suite_refused_client(client, impl):
    line = failure_line(client, "tlsclient")
    assert "ssl_error=1 (SSL_ERROR_SSL)" in line
    assert "sslv3 alert handshake failure" in line
    d = diagnosis(client, "tlsclient", impl)
    if d:
        assert d[1] == "peer_rejected_hello"
        assert d[0].startswith(
            "the server sent alert handshake_failure (40) during ServerHello: it found nothing acceptable in "
            "our ClientHello (versions TLSv1.3; suites TLS_AES_128_GCM_SHA256; groups "
        ), d[0]


def test_no_common_suite_openssl_server(harness, impl):
    server, port = harness.openssl_server(
        "-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256", *s_server_args("server-ecdsa-p256")
    )
    client = run_client(harness, port, "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256")
    check_suite_refused_client(client, impl)
    assert "no shared cipher" in server_output(server)


def test_no_common_suite_libtls_both_ends(harness, impl):
    server, port = harness.tlsserver(
        "-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256", *chain_args("server-ecdsa-p256")
    )
    client = run_client(harness, port, "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256")
    check_suite_refused_client(client, impl)
    server.wait_for_stderr(r"^tlsserver: handshake failed: .*no shared cipher")
    d = diagnosis(server, "tlsserver", impl)
    if d:
        assert d == (
            "no common cipher suite: peer offered [TLS_AES_128_GCM_SHA256]; we allow [TLS_CHACHA20_POLY1305_SHA256]",
            "no_common_cipher_suite",
        )


def test_no_common_suite_openssl_client(harness, impl):
    require_tool("openssl")
    server, port = harness.tlsserver(
        "-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256", *chain_args("server-ecdsa-p256")
    )
    s_client = harness.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"],
        "s_client",
        b"",
    )
    assert "alert handshake failure" in s_client.stdout + s_client.stderr
    server.wait_for_stderr(r"^tlsserver: handshake failed: .*no shared cipher")
    d = diagnosis(server, "tlsserver", impl)
    if d:
        assert d[1] == "no_common_cipher_suite"
        assert d[0].startswith("no common cipher suite: peer offered [TLS_AES_256_GCM_SHA384]"), d[0]


# ---- the server's certificate ------------------------------------------------------------------

CERT_CASES = {
    # pki base: (X509_V code, alert OpenSSL's peer reports, diagnosis cause, diagnosis text pattern)
    "expired-localhost": (
        10, "certificate expired", "certificate_expired",
        r"^server certificate 'CN=localhost' expired on 2021-01-01 \(now \d{4}-\d\d-\d\d\); "
        r"if the certificate is current, check this machine's clock$",
    ),
    "notyetvalid-localhost": (
        9, "bad certificate", "certificate_not_yet_valid",
        r"^server certificate 'CN=localhost' is not yet valid: valid from 2120-01-01 \(now [-\d]+\); "
        r"this machine's clock may be behind$",
    ),
    "wrong-name": (
        62, "bad certificate", "certificate_name_mismatch",
        r"^certificate for wrong\.example does not match the requested name localhost$",
    ),
    "untrusted-localhost": (
        20, "unknown ca", "certificate_unknown_issuer",
        r"^unknown issuer 'CN=Untrusted Root': a TLS-inspecting proxy or antivirus may be intercepting "
        r"the connection, or the CA bundle is missing it$",
    ),
}


def check_certificate_client(client, impl, code, cause, pattern):
    line = failure_line(client, "tlsclient")
    assert "ssl_error=1 (SSL_ERROR_SSL)" in line
    assert "certificate verify failed" in line
    assert f"verify=fail:{code}:" in line
    d = diagnosis(client, "tlsclient", impl)
    if d:
        assert d[1] == cause
        assert re.match(pattern, d[0]), d[0]


@pytest.mark.parametrize("base", sorted(CERT_CASES))
def test_certificate_problem_openssl_server(harness, impl, base):
    code, alert, cause, pattern = CERT_CASES[base]
    server, port = harness.openssl_server(*s_server_args(base))
    client = run_client(harness, port)
    check_certificate_client(client, impl, code, cause, pattern)
    assert alert in server_output(server)


@pytest.mark.parametrize("base", sorted(CERT_CASES))
def test_certificate_problem_libtls_both_ends(harness, impl, base):
    code, alert, cause, pattern = CERT_CASES[base]
    server, port = harness.tlsserver(*chain_args(base))
    client = run_client(harness, port)
    check_certificate_client(client, impl, code, cause, pattern)
    server.wait_for_stderr(rf"^tlsserver: handshake failed: ssl_error=1 .*alert {alert}")
    d = diagnosis(server, "tlsserver", impl)
    if d:
        assert d[1] == "peer_rejected_certificate"
        assert d[0].startswith("the client rejected our certificate with alert "), d[0]


def test_expired_certificate_gnutls_server(harness, impl):
    code, _, cause, pattern = CERT_CASES["expired-localhost"]
    server, port = harness.gnutls_server(
        "--x509certfile", pki("expired-localhost.chain.pem"), "--x509keyfile", pki("expired-localhost.key")
    )
    client = run_client(harness, port)
    check_certificate_client(client, impl, code, cause, pattern)


# ---- no TLS server -----------------------------------------------------------------------------


class OneShotServer(tlswire.OneConnectionServer):
    """Accepts one connection, reads what the client sends, answers `reply` and hangs up."""

    def __init__(self, reply=b""):
        self.reply = reply
        super().__init__(timeout=10, conn_timeout=5, close_when_done=True)

    def serve(self, conn):
        conn.recv(65536)
        if self.reply:
            conn.sendall(self.reply)


def test_connection_closed_before_server_hello(harness, impl):
    peer = OneShotServer()
    client = run_client(harness, peer.port)
    line = failure_line(client, "tlsclient")
    if impl == "libtls":
        assert "ssl_error=1 (SSL_ERROR_SSL)" in line
        assert "unexpected eof while reading" in line
    d = diagnosis(client, "tlsclient", impl)
    if d:
        assert d == (
            "connection closed by peer before ServerHello (no TLS server at this port?)",
            "closed_before_hello",
        )


def test_plain_http_server(harness, impl):
    peer = OneShotServer(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    client = run_client(harness, peer.port)
    line = failure_line(client, "tlsclient")
    assert "ssl_error=1 (SSL_ERROR_SSL)" in line
    assert "wrong version number" in line
    d = diagnosis(client, "tlsclient", impl)
    if d:
        assert d[1] == "not_tls"
        assert "is it speaking TLS?" in d[0] and "plain HTTP" in d[0], d[0]


def test_http_client_at_the_server(harness, impl):
    server, port = harness.tlsserver(*chain_args("server-ecdsa-p256"))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        try:
            sock.recv(100)
        except OSError:
            pass
    server.wait_for_stderr(r"^tlsserver: handshake failed: ssl_error=1")
    if impl == "libtls":
        # The failure line is written in pieces; the diagnosis follows it.
        server.wait_for_stderr(r"^tlsserver: diagnosis: .*\)$")
    d = diagnosis(server, "tlsserver", impl)
    if d:
        assert d[1] == "not_tls"
        assert "HTTP" in d[0]


# ---- SSLKEYLOGFILE -----------------------------------------------------------------------------


def key_lines(path):
    with open(path) as f:
        return sorted(line.strip() for line in f if line.strip() and not line.startswith("#"))


@pytest.mark.parametrize("version", ["-tls1_3", "-tls1_2"])
def test_keylog_matches_openssl(harness, tmp_path, version, monkeypatch):
    ours = tmp_path / "client.keys"
    theirs = tmp_path / "server.keys"
    server, port = harness.openssl_server(version, "-keylogfile", str(theirs), *s_server_args("server-ecdsa-p256"))
    monkeypatch.setenv("SSLKEYLOGFILE", str(ours))
    client = harness.tlsclient(
        "-CAfile", ROOT, "-servername", "localhost", version, "-msg", "hi\n", f"127.0.0.1:{port}"
    )
    monkeypatch.delenv("SSLKEYLOGFILE")
    assert client.returncode == 0, client.stderr
    server.kill()
    lines = key_lines(ours)
    labels = sorted(line.split()[0] for line in lines)
    if version == "-tls1_3":
        assert labels == sorted([
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET",
        ])
    else:
        assert labels == ["CLIENT_RANDOM"]
    for line in lines:
        assert re.fullmatch(r"[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64,96}", line), line
    assert lines == key_lines(theirs)


def test_keylog_is_not_written_without_the_variable(harness, tmp_path):
    env_before = os.environ.get("SSLKEYLOGFILE")
    assert env_before is None
    server, port = harness.tlsserver(*chain_args("server-ecdsa-p256"))
    client = harness.tlsclient("-CAfile", ROOT, "-servername", "localhost", "-msg", "x\n", f"127.0.0.1:{port}")
    assert client.returncode == 0, client.stderr
    assert not list(tmp_path.glob("*.keys"))
