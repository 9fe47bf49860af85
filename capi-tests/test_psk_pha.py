"""TLS 1.3 external PSKs and post-handshake client authentication against foreign peers
(issue 20 items 3 and 5): `openssl s_server -psk -nocert` / `s_client -psk` both ways, gnutls
with --pskkey, wrong keys and unknown identities; post-handshake authentication with
`openssl s_server`'s `c` command, `s_client -enable_pha` and Python's ssl module, both roles."""

import socket
import ssl
import subprocess
import threading
import time

from conftest import accepted_fields, cert_args, connected_fields, pki, require_tool
from test_interop import harness_wait_text, s_server_cert_args

KEY = "0123456789abcdef0123456789abcdef"
ROOT = pki("root-ca.pem")
CLIENT_CERT = ["-cert", pki("client-ecdsa-p256.chain.pem"), "-key", pki("client-ecdsa-p256.key")]


# ---- external PSK ---------------------------------------------------------------------------------


def test_our_client_psk_against_openssl_s_server_without_certificate(harness):
    server, port = harness.openssl_server("-tls1_3", "-nocert", "-psk", KEY, "-psk_identity", "mosquitto")
    client = harness.tlsclient(f"127.0.0.1:{port}", "-psk", KEY, "-psk_identity", "mosquitto", "-msg", "over a psk\n")
    fields = connected_fields(client)
    assert fields["version"] == "TLSv1.3"
    assert fields["peer"] == "none"
    assert "session: Reused" in client.stderr
    harness_wait_text(server, "over a psk")


def test_our_client_with_the_wrong_psk_fails_on_the_binder(harness):
    server, port = harness.openssl_server("-tls1_3", "-nocert", "-psk", KEY, "-psk_identity", "id")
    client = harness.tlsclient(f"127.0.0.1:{port}", "-psk", "00" * 16, "-psk_identity", "id", "-msg", "x")
    assert client.returncode == 1
    assert "handshake failed" in client.stderr
    # OpenSSL 3.0 answers a bad binder with illegal_parameter (libtls, as RFC 8446 4.2.11,
    # with decrypt_error); either way the handshake fails.
    assert "alert" in client.stderr, client.stderr
    server.popen.stdin.close()
    server.wait()
    assert "binder does not verify" in server.stderr + server.stdout


def test_openssl_s_client_psk_against_our_server(harness):
    require_tool("openssl")
    server, port = harness.tlsserver("-nocert", "-psk", KEY, "-psk_identity", "mosquitto")
    client = harness.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_3", "-psk", KEY,
         "-psk_identity", "mosquitto", "-ign_eof"],
        "s_client-psk",
        input_bytes=b"psk from openssl\n",
    )
    fields = accepted_fields(server)
    assert fields["version"] == "TLSv1.3"
    assert fields["reused"] == "yes"
    assert fields["peer"] == "none"
    assert "Reused, TLSv1.3" in client.stdout
    harness_wait_text(server, "psk from openssl")


def test_openssl_s_client_wrong_psk_gets_decrypt_error(harness):
    require_tool("openssl")
    server, port = harness.tlsserver("-nocert", "-psk", KEY)
    client = harness.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_3", "-psk", "11" * 16],
        "s_client-wrong-psk",
    )
    server.wait()
    assert "binder does not verify" in server.stderr, server.stderr
    assert "decrypt error" in client.stdout + client.stderr


def test_unknown_identity_means_full_handshake_or_failure(harness):
    require_tool("openssl")
    # Without a certificate: handshake_failure, as OpenSSL's s_server -nocert.
    server, port = harness.tlsserver("-nocert", "-psk", KEY, "-psk_identity", "expected")
    client = harness.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_3", "-psk", KEY,
         "-psk_identity", "stranger"],
        "s_client-stranger",
    )
    server.wait()
    assert "is not the expected one" in server.stderr
    assert "handshake failure" in client.stdout + client.stderr
    # With one: a full handshake with the certificate.
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-psk", KEY, "-psk_identity", "expected")
    client = harness.tlsclient(f"127.0.0.1:{port}", "-CAfile", ROOT, "-servername", "localhost",
                               "-psk", KEY, "-psk_identity", "stranger", "-msg", "x")
    fields = connected_fields(client)
    assert fields["peer"] != "none"
    assert "session: New" in client.stderr


def test_our_client_and_server_psk(harness):
    server, port = harness.tlsserver("-nocert", "-psk", KEY, "-psk_identity", "me", "-psk_hint", "hint")
    client = harness.tlsclient(f"127.0.0.1:{port}", "-psk", KEY, "-psk_identity", "me", "-msg", "ours\n")
    assert connected_fields(client)["peer"] == "none"
    assert accepted_fields(server)["reused"] == "yes"


def test_gnutls_cli_psk_against_our_server(harness):
    require_tool("gnutls-cli")
    server, port = harness.tlsserver("-nocert", "-psk", KEY, "-psk_identity", "gnutls")
    proc = harness.run(
        ["gnutls-cli", "-p", str(port), "127.0.0.1", "--priority",
         "NORMAL:-VERS-ALL:+VERS-TLS1.3:+ECDHE-PSK:+PSK", "--pskusername", "gnutls", "--pskkey", KEY,
         "--insecure"],
        "gnutls-cli-psk",
        input_bytes=b"psk from gnutls\n",
    )
    fields = accepted_fields(server)
    assert fields["version"] == "TLSv1.3" and fields["reused"] == "yes", proc.stdout + proc.stderr
    harness_wait_text(server, "psk from gnutls")


def test_our_client_psk_against_gnutls_serv(harness, tmp_path):
    require_tool("gnutls-serv")
    passwd = tmp_path / "psk.passwd"
    passwd.write_text(f"gnutlsid:{KEY}\n")
    server, port = harness.gnutls_server(
        "--pskpasswd", str(passwd), "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.3:+ECDHE-PSK:+PSK")
    client = harness.tlsclient(f"127.0.0.1:{port}", "-psk", KEY, "-psk_identity", "gnutlsid", "-msg", "to gnutls\n")
    assert connected_fields(client)["peer"] == "none", client.stderr
    assert "to gnutls" in client.stdout


# ---- post-handshake authentication ----------------------------------------------------------------


def test_our_client_answers_openssl_s_server_post_handshake_request(harness):
    server, port = harness.openssl_server(*s_server_cert_args("ecdsa-p256"), "-CAfile", ROOT, "-msg")
    client = harness.spawn(
        [harness.bin_dir / "tlsclient", "-timeout", "5", f"127.0.0.1:{port}", "-CAfile", ROOT,
         "-servername", "localhost", *CLIENT_CERT, "-enable_pha"],
        "tlsclient-pha",
        stdin=subprocess.PIPE,
    )
    client.popen.stdin.write(b"before\n")
    client.popen.stdin.flush()
    harness_wait_text(server, "before")
    server.popen.stdin.write(b"c\n")  # s_server: send a post-handshake CertificateRequest
    server.popen.stdin.flush()
    harness_wait_text(server, "SSL_do_handshake -> 1")
    deadline = time.monotonic() + 5
    while "<<< TLS 1.3, Handshake [length 0034], Finished" not in server.stdout.split("CertificateRequest", 1)[-1]:
        assert time.monotonic() < deadline, server.stdout
        time.sleep(0.05)
    after = server.stdout.split("CertificateRequest", 1)[-1]
    assert "<<< TLS 1.3, Handshake" in after and "Certificate" in after and "CertificateVerify" in after
    client.popen.stdin.write(b"after\n")
    client.popen.stdin.flush()
    harness_wait_text(server, "after")
    client.popen.stdin.close()
    client.wait()
    assert "read failed" not in client.stderr, client.stderr


def test_openssl_s_client_enable_pha_against_our_server(harness):
    require_tool("openssl")
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-CAfile", ROOT, "-verify_post_handshake")
    client = harness.spawn(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_3", "-CAfile", ROOT,
         "-cert", pki("client-ecdsa-p256.pem"), "-cert_chain", pki("client-ecdsa-p256.chain.pem"),
         "-key", pki("client-ecdsa-p256.key"), "-enable_pha", "-quiet"],
        "s_client-pha",
        stdin=subprocess.PIPE,
    )
    client.popen.stdin.write(b"one\n")
    client.popen.stdin.flush()
    harness_wait_text(server, "one")
    # The server reports the certificate with the data that follows the client's answer.
    time.sleep(0.3)
    client.popen.stdin.write(b"two\n")
    client.popen.stdin.flush()
    harness_wait_text(server, "two")
    match = server.wait_for_stderr(r"^tlsserver: post-handshake auth: (.*)$")
    assert 'peer="/CN=libtls test client"' in match.group(1)
    assert "verify=ok" in match.group(1)
    client.popen.stdin.close()
    server.wait()


def test_post_handshake_auth_refused_when_the_client_did_not_offer(harness):
    require_tool("openssl")
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-CAfile", ROOT, "-verify_post_handshake")
    harness.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_3", "-CAfile", ROOT, "-quiet"],
        "s_client-no-pha",
        input_bytes=b"hello\n",
    )
    match = server.wait_for_stderr(r"^tlsserver: post-handshake auth refused: (.*)$")
    assert "extension not received" in match.group(1)


def _python_pha_server(ctx, listener, result):
    try:
        conn, _ = listener.accept()
        conn.settimeout(5)
        with ctx.wrap_socket(conn, server_side=True) as s:
            result["before"] = s.getpeercert()
            result["first"] = s.recv(100)
            s.verify_client_post_handshake()
            s.sendall(b"authenticate, please\n")
            result["second"] = s.recv(100)
            result["after"] = s.getpeercert()
            s.sendall(b"bye\n")
    except Exception as e:  # reported by the test
        result["error"] = repr(e)


def test_our_client_answers_python_post_handshake_request(harness):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki("server-ecdsa-p256.chain.pem"), pki("server-ecdsa-p256.key"))
    ctx.load_verify_locations(ROOT)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.post_handshake_auth = True
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(10)
    port = listener.getsockname()[1]
    result = {}
    thread = threading.Thread(target=_python_pha_server, args=(ctx, listener, result), daemon=True)
    thread.start()
    client = harness.spawn(
        [harness.bin_dir / "tlsclient", "-timeout", "5", f"127.0.0.1:{port}", "-CAfile", ROOT,
         "-servername", "localhost", *CLIENT_CERT, "-enable_pha"],
        "tlsclient-pha-python",
        stdin=subprocess.PIPE,
    )
    client.popen.stdin.write(b"first\n")
    client.popen.stdin.flush()
    harness_wait_text(client, "authenticate, please")
    client.popen.stdin.write(b"second\n")
    client.popen.stdin.flush()
    thread.join(10)
    listener.close()
    client.popen.stdin.close()
    client.wait()
    assert "error" not in result, result
    assert result["before"] is None, "SSL_VERIFY_POST_HANDSHAKE: nothing asked in the handshake"
    assert result["after"]["subject"] == ((("commonName", "libtls test client"),),)
    assert result["second"] == b"second\n"


def test_python_client_answers_our_post_handshake_request(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-CAfile", ROOT, "-verify_post_handshake")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ROOT)
    ctx.load_cert_chain(pki("client-ecdsa-p256.chain.pem"), pki("client-ecdsa-p256.key"))
    ctx.post_handshake_auth = True
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        with ctx.wrap_socket(sock, server_hostname="localhost") as s:
            s.sendall(b"one\n")
            assert s.recv(100) == b"one\n"
            s.sendall(b"two\n")
            assert s.recv(100) == b"two\n"
            s.unwrap()
    match = server.wait_for_stderr(r"^tlsserver: post-handshake auth: (.*)$")
    assert 'peer="/CN=libtls test client"' in match.group(1)
    server.wait()
