"""Interoperability with independent implementations: our client against `openssl s_server` and
`gnutls-serv`, and `openssl s_client` / `gnutls-cli` against our server."""

import re

import pytest

from conftest import (
    CLASSIC_GROUPS,
    SERVER_CERTS,
    TLS12_SUITES,
    TLS13_SUITES,
    accepted_fields,
    canonical_group,
    cert_args,
    connected_fields,
    pki,
    require_tool,
)

ROOT = pki("root-ca.pem")
INTEROP_CERTS = ["ecdsa-p256", "rsa2048", "ed25519"]

GNUTLS_SUITE = {
    "TLS_AES_128_GCM_SHA256": "+AES-128-GCM",
    "TLS_AES_256_GCM_SHA384": "+AES-256-GCM",
    "TLS_CHACHA20_POLY1305_SHA256": "+CHACHA20-POLY1305",
}
GNUTLS_GROUP = {"X25519": "+GROUP-X25519", "P-256": "+GROUP-SECP256R1", "P-384": "+GROUP-SECP384R1"}
GNUTLS_GROUP_SHOWN = {"X25519": "X25519", "P-256": "SECP256R1", "P-384": "SECP384R1"}
# gnutls priority parts (cipher, key exchange) for each TLS 1.2 suite.
GNUTLS_TLS12 = {
    "ECDHE-ECDSA-AES128-GCM-SHA256": ("+AES-128-GCM", "+ECDHE-ECDSA"),
    "ECDHE-ECDSA-AES256-GCM-SHA384": ("+AES-256-GCM", "+ECDHE-ECDSA"),
    "ECDHE-ECDSA-CHACHA20-POLY1305": ("+CHACHA20-POLY1305", "+ECDHE-ECDSA"),
    "ECDHE-RSA-AES128-GCM-SHA256": ("+AES-128-GCM", "+ECDHE-RSA"),
    "ECDHE-RSA-AES256-GCM-SHA384": ("+AES-256-GCM", "+ECDHE-RSA"),
    "ECDHE-RSA-CHACHA20-POLY1305": ("+CHACHA20-POLY1305", "+ECDHE-RSA"),
}
OPENSSL_TEMP_KEY = {"X25519": "X25519", "P-256": "prime256v1", "P-384": "secp384r1"}


def s_server_cert_args(kind):
    base = SERVER_CERTS[kind]
    return ["-cert", pki(f"{base}.pem"), "-cert_chain", pki("intermediate-ca.pem"), "-key", pki(f"{base}.key")]


def gnutls_cert_args(kind):
    base = SERVER_CERTS[kind]
    return ["--x509certfile", pki(f"{base}.chain.pem"), "--x509keyfile", pki(f"{base}.key")]


def gnutls_priority(version="TLS1.3", suite=None, group=None):
    parts = ["NORMAL", "-VERS-ALL", f"+VERS-{version}"]
    if suite in GNUTLS_TLS12:
        cipher, kx = GNUTLS_TLS12[suite]
        parts += ["-CIPHER-ALL", cipher, "-KX-ALL", kx]
    elif suite:
        parts += ["-CIPHER-ALL", GNUTLS_SUITE[suite]]
    if group:
        parts += ["-GROUP-ALL", GNUTLS_GROUP[group]]
    return ":".join(parts)


# ---- our client -> openssl s_server ------------------------------------------------------------


def client_to_s_server(harness, server_args, client_args=()):
    server, port = harness.openssl_server("-tls1_3", *server_args)
    client = harness.tlsclient(
        "-CAfile", ROOT, "-servername", "localhost", "-msg", "hello s_server\n", *client_args, f"127.0.0.1:{port}"
    )
    assert client.returncode == 0, client.stderr + server.stdout + server.stderr
    fields = connected_fields(client)
    assert fields["version"] == "TLSv1.3"
    assert fields["verify"] == "ok"
    assert fields["peer"] == "/CN=localhost"
    return fields, server


@pytest.mark.parametrize("cert", INTEROP_CERTS)
def test_client_to_openssl_cert(harness, cert):
    _, server = client_to_s_server(harness, s_server_cert_args(cert))
    harness_wait_text(server, "hello s_server")


@pytest.mark.parametrize("suite", TLS13_SUITES)
def test_client_to_openssl_suite(harness, suite):
    fields, _ = client_to_s_server(harness, [*s_server_cert_args("ecdsa-p256"), "-ciphersuites", suite])
    assert fields["cipher"] == suite


@pytest.mark.parametrize("group", CLASSIC_GROUPS)
def test_client_to_openssl_group(harness, group):
    fields, _ = client_to_s_server(harness, [*s_server_cert_args("ecdsa-p256"), "-groups", group])
    assert canonical_group(fields["group"]) == canonical_group(group)


@pytest.mark.parametrize("cert", ["ecdsa-p256", "rsa2048"])
def test_client_to_openssl_tls12(harness, cert):
    server, port = harness.openssl_server("-tls1_2", *s_server_cert_args(cert))
    client = harness.tlsclient("-CAfile", ROOT, "-msg", "hi\n", f"localhost:{port}")
    assert client.returncode == 0, client.stderr + server.stdout
    fields = connected_fields(client)
    assert fields["version"] == "TLSv1.2"
    assert "ECDHE" in fields["cipher"]


@pytest.mark.parametrize("suite", sorted(TLS12_SUITES))
def test_client_to_openssl_tls12_suite(harness, suite):
    # A TLS 1.2-only server; our client offers TLS 1.3 and 1.2 and must settle on this suite.
    server, port = harness.openssl_server("-tls1_2", "-cipher", suite, *s_server_cert_args(TLS12_SUITES[suite]))
    client = harness.tlsclient("-CAfile", ROOT, "-msg", "hi\n", f"localhost:{port}")
    assert client.returncode == 0, client.stderr + server.stdout
    fields = connected_fields(client)
    assert fields["version"] == "TLSv1.2"
    assert fields["cipher"] == suite
    assert fields["verify"] == "ok"
    harness_wait_text(server, "hi")


def test_client_cipher_list_to_openssl(harness):
    server, port = harness.openssl_server("-tls1_2", *s_server_cert_args("rsa2048"))
    client = harness.tlsclient(
        "-CAfile", ROOT, "-cipher", "HIGH:!aECDSA:!AESGCM", "-msg", "hi\n", f"localhost:{port}"
    )
    assert client.returncode == 0, client.stderr + server.stdout
    assert connected_fields(client)["cipher"] == "ECDHE-RSA-CHACHA20-POLY1305"


def harness_wait_text(proc, text, timeout=5.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in proc.stdout:
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not in output of {proc.args[0]}:\n{proc.stdout}")


# ---- our client -> gnutls-serv -------------------------------------------------------------------


def client_to_gnutls(harness, cert="ecdsa-p256", priority=None, client_args=()):
    server, port = harness.gnutls_server(*gnutls_cert_args(cert), "--priority", priority or gnutls_priority())
    client = harness.tlsclient(
        "-CAfile", ROOT, "-servername", "localhost", "-msg", "hello gnutls\n", *client_args, f"127.0.0.1:{port}"
    )
    assert client.returncode == 0, client.stderr + server.stdout + server.stderr
    assert client.stdout == "hello gnutls\n"  # gnutls-serv --echo sent it back
    fields = connected_fields(client)
    assert fields["verify"] == "ok"
    return fields


@pytest.mark.parametrize("cert", INTEROP_CERTS)
def test_client_to_gnutls_cert(harness, cert):
    assert client_to_gnutls(harness, cert)["version"] == "TLSv1.3"


@pytest.mark.parametrize("suite", TLS13_SUITES)
def test_client_to_gnutls_suite(harness, suite):
    assert client_to_gnutls(harness, priority=gnutls_priority(suite=suite))["cipher"] == suite


@pytest.mark.parametrize("group", CLASSIC_GROUPS)
def test_client_to_gnutls_group(harness, group):
    fields = client_to_gnutls(harness, priority=gnutls_priority(group=group))
    assert canonical_group(fields["group"]) == canonical_group(group)


@pytest.mark.parametrize("cert", ["ecdsa-p256", "rsa2048"])
def test_client_to_gnutls_tls12(harness, cert):
    fields = client_to_gnutls(harness, cert, priority=gnutls_priority(version="TLS1.2"))
    assert fields["version"] == "TLSv1.2"


@pytest.mark.parametrize("suite", sorted(TLS12_SUITES))
def test_client_to_gnutls_tls12_suite(harness, suite):
    fields = client_to_gnutls(harness, TLS12_SUITES[suite], priority=gnutls_priority(version="TLS1.2", suite=suite))
    assert fields["version"] == "TLSv1.2"
    assert fields["cipher"] == suite


# ---- openssl s_client -> our server --------------------------------------------------------------


def s_client_to_server(harness, server_args, s_client_args=()):
    require_tool("openssl")
    server, port = harness.tlsserver(*server_args)
    client = harness.run(
        [
            "openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
            "-verify_hostname", "localhost", "-CAfile", ROOT, "-verify_return_error", "-brief",
            "-no_ign_eof", *s_client_args,
        ],
        "s_client",
        input_bytes=b"hello from s_client\n",
    )
    server.wait()
    assert client.returncode == 0, client.stdout + client.stderr + server.stderr
    assert "Verification: OK" in client.stderr
    # s_client closes at the end of its input, possibly before the echo is back.
    assert server.stdout == "hello from s_client\n"
    return client.stderr, accepted_fields(server)


@pytest.mark.parametrize("cert", INTEROP_CERTS)
def test_openssl_client_cert(harness, cert):
    output, server = s_client_to_server(harness, cert_args(cert), ["-tls1_3"])
    assert "Protocol version: TLSv1.3" in output
    assert server["version"] == "TLSv1.3"


@pytest.mark.parametrize("suite", TLS13_SUITES)
def test_openssl_client_suite(harness, suite):
    output, server = s_client_to_server(harness, cert_args("ecdsa-p256"), ["-tls1_3", "-ciphersuites", suite])
    assert f"Ciphersuite: {suite}" in output
    assert server["cipher"] == suite


@pytest.mark.parametrize("group", CLASSIC_GROUPS)
def test_openssl_client_group(harness, group):
    output, server = s_client_to_server(harness, cert_args("ecdsa-p256"), ["-tls1_3", "-groups", group])
    assert re.search(rf"Server Temp Key: .*{OPENSSL_TEMP_KEY[group]}", output), output
    assert canonical_group(server["group"]) == canonical_group(group)


@pytest.mark.parametrize("cert", ["ecdsa-p256", "rsa2048"])
def test_openssl_client_tls12(harness, cert):
    output, server = s_client_to_server(harness, cert_args(cert), ["-tls1_2"])
    assert "Protocol version: TLSv1.2" in output
    assert server["version"] == "TLSv1.2"


BOTH_CERTS = [*cert_args("ecdsa-p256"), *cert_args("rsa2048", "-cert2", "-key2")]


@pytest.mark.parametrize("suite", sorted(TLS12_SUITES))
def test_openssl_client_tls12_suite(harness, suite):
    # Our server holds an ECDSA and an RSA certificate and must pick the one the suite needs.
    output, server = s_client_to_server(harness, BOTH_CERTS, ["-tls1_2", "-cipher", suite])
    assert f"Ciphersuite: {suite}" in output
    assert server["version"] == "TLSv1.2"
    assert server["cipher"] == suite


def test_openssl_client_renegotiation_refused(harness, impl):
    """s_client's `R` asks our TLS 1.2 server to renegotiate. We decline with a no_renegotiation
    warning and keep the connection; OpenSSL 3's client then gives up on its own (it treats the
    refusal as fatal, against `openssl s_server -no_renegotiation` just the same)."""
    import subprocess
    import time

    if impl != "libtls":
        pytest.skip("OpenSSL servers renegotiate by default")
    require_tool("openssl")
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"))
    client = harness.spawn(
        [
            "openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_2", "-CAfile", ROOT,
            "-servername", "localhost",
        ],
        "s_client-R",
        stdin=subprocess.PIPE,
    )
    accepted = accepted_fields(server)
    assert accepted["version"] == "TLSv1.2"
    client.popen.stdin.write(b"before renegotiation\n")
    client.popen.stdin.flush()
    harness_wait_text(server, "before renegotiation")
    client.popen.stdin.write(b"R\n")
    client.popen.stdin.flush()
    deadline = time.monotonic() + 5
    while "no renegotiation" not in client.stderr and time.monotonic() < deadline:
        time.sleep(0.05)
    client.popen.stdin.close()
    client.wait()
    server.wait()
    # s_client got our warning (OpenSSL reports it as "no renegotiation")...
    assert "RENEGOTIATING" in client.stderr + client.stdout
    assert "no renegotiation" in client.stderr, client.stderr
    # ...and our server sent no fatal alert of its own: it only saw the client's reaction.
    assert "alert handshake failure" in server.stderr, server.stderr


def test_openssl_client_certificate_tls12(harness):
    output, server = s_client_to_server(
        harness,
        [*cert_args("rsa2048"), "-CAfile", ROOT, "-Verify"],
        ["-tls1_2", "-cert", pki("client-rsa2048.pem"), "-cert_chain", pki("intermediate-ca.pem"),
         "-key", pki("client-rsa2048.key")],
    )
    assert server["version"] == "TLSv1.2"
    assert server["peer"] == "/CN=libtls test client rsa"


@pytest.mark.parametrize("client_cert", ["client-ecdsa-p256", "client-rsa2048"])
def test_client_certificate_to_openssl_tls12(harness, client_cert):
    server, port = harness.openssl_server(
        "-tls1_2", "-Verify", "2", "-CAfile", ROOT, *s_server_cert_args("ecdsa-p256")
    )
    client = harness.tlsclient(
        "-CAfile", ROOT, "-cert", pki(f"{client_cert}.chain.pem"), "-key", pki(f"{client_cert}.key"),
        "-msg", "hi\n", f"localhost:{port}",
    )
    assert client.returncode == 0, client.stderr + server.stdout + server.stderr
    assert connected_fields(client)["version"] == "TLSv1.2"
    harness_wait_text(server, "subject=CN = libtls test client")


def test_openssl_client_certificate(harness):
    output, server = s_client_to_server(
        harness,
        [*cert_args("ecdsa-p256"), "-CAfile", ROOT, "-Verify"],
        ["-cert", pki("client-ecdsa-p256.pem"), "-cert_chain", pki("intermediate-ca.pem"),
         "-key", pki("client-ecdsa-p256.key")],
    )
    assert server["peer"] == "/CN=libtls test client"


def test_openssl_client_picks_rsa_of_two_certificates(harness):
    output, server = s_client_to_server(
        harness,
        [*cert_args("ecdsa-p256"), *cert_args("rsa2048", "-cert2", "-key2")],
        ["-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256"],
    )
    assert "Signature type: RSA-PSS" in output


# ---- gnutls-cli -> our server --------------------------------------------------------------------


def gnutls_cli_to_server(harness, server_args, priority):
    require_tool("gnutls-cli")
    server, port = harness.tlsserver(*server_args)
    client = harness.run(
        [
            "gnutls-cli", "-p", str(port), "--x509cafile", ROOT, "--verify-hostname", "localhost",
            "--sni-hostname", "localhost", "--priority", priority, "127.0.0.1",
        ],
        "gnutls-cli",
        input_bytes=b"hello from gnutls-cli\n",
    )
    server.wait()
    assert client.returncode == 0, client.stdout + client.stderr + server.stderr
    assert "Handshake was completed" in client.stdout + client.stderr
    assert "hello from gnutls-cli" in client.stdout
    description = re.search(r"- Description: (.*)", client.stdout + client.stderr)
    assert description, client.stdout
    return description.group(1), accepted_fields(server)


@pytest.mark.parametrize("cert", INTEROP_CERTS)
def test_gnutls_client_cert(harness, cert):
    description, server = gnutls_cli_to_server(harness, cert_args(cert), gnutls_priority())
    assert description.startswith("(TLS1.3-X.509)")
    assert server["version"] == "TLSv1.3"


@pytest.mark.parametrize("suite", TLS13_SUITES)
def test_gnutls_client_suite(harness, suite):
    description, server = gnutls_cli_to_server(harness, cert_args("ecdsa-p256"), gnutls_priority(suite=suite))
    assert server["cipher"] == suite
    assert GNUTLS_SUITE[suite][1:] in description


@pytest.mark.parametrize("group", CLASSIC_GROUPS)
def test_gnutls_client_group(harness, group):
    description, server = gnutls_cli_to_server(harness, cert_args("ecdsa-p256"), gnutls_priority(group=group))
    assert f"ECDHE-{GNUTLS_GROUP_SHOWN[group]}" in description
    assert canonical_group(server["group"]) == canonical_group(group)


@pytest.mark.parametrize("suite", sorted(TLS12_SUITES))
def test_gnutls_client_tls12_suite(harness, suite):
    description, server = gnutls_cli_to_server(harness, BOTH_CERTS, gnutls_priority(version="TLS1.2", suite=suite))
    assert description.startswith("(TLS1.2")
    assert server["cipher"] == suite


@pytest.mark.parametrize("cert", ["ecdsa-p256", "rsa2048"])
def test_gnutls_client_tls12(harness, cert):
    description, server = gnutls_cli_to_server(harness, cert_args(cert), gnutls_priority(version="TLS1.2"))
    assert description.startswith("(TLS1.2")
    assert server["version"] == "TLSv1.2"

