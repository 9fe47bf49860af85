"""TLS 1.3 client certificates with every client key type: our client and server against each
other, against `openssl s_server -Verify` / `openssl s_client -cert`, and against gnutls in both
roles. Also runs the C program capi-tests/c/test_x509.c (verify callbacks, client certificate
callback, X509 object API) case by case, and compares its view of certificates with
`openssl x509`."""

import re
import subprocess

import pytest

from conftest import REPO_ROOT, accepted_fields, cert_args, connected_fields, pki, require_tool

ROOT = pki("root-ca.pem")

# Client certificate files and the subject each carries.
CLIENT_CERTS = {
    "client-ecdsa-p256": "/CN=libtls test client",
    "client-ecdsa-p384": "/CN=libtls test client p384",
    "client-rsa2048": "/CN=libtls test client rsa",
    "client-ed25519": "/CN=libtls test client ed25519",
}


def client_cert_args(name):
    return ["-cert", pki(f"{name}.chain.pem"), "-key", pki(f"{name}.key")]


# ---- our client -> our server --------------------------------------------------------------------


@pytest.mark.parametrize("client_cert", sorted(CLIENT_CERTS))
def test_loopback_client_certificate_types(harness, client_cert):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-CAfile", ROOT, "-Verify")
    client = harness.tlsclient(
        "-tls1_3", "-CAfile", ROOT, "-servername", "localhost", "-msg", "mtls\n",
        *client_cert_args(client_cert), f"127.0.0.1:{port}",
    )
    server.wait()
    assert client.returncode == 0, client.stderr + server.stderr
    accepted = accepted_fields(server)
    assert accepted["peer"] == CLIENT_CERTS[client_cert]
    assert accepted["verify"] == "ok"
    assert connected_fields(client)["verify"] == "ok"
    assert server.stdout == "mtls\n"


def test_loopback_untrusted_client_certificate(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-CAfile", ROOT)
    client = harness.tlsclient(
        "-tls1_3", "-CAfile", ROOT, "-servername", "localhost", "-msg", "x\n",
        *client_cert_args("untrusted-client"), f"127.0.0.1:{port}",
    )
    server.wait()
    assert "tlsserver: handshake failed:" in server.stderr
    assert "certificate verify failed" in server.stderr
    assert 'verify=fail:20:' in server.stderr
    # The rejection comes after the client's Finished: the client sees the alert on read, or
    # a reset when its write reaches the closed connection first.
    assert client.returncode != 0
    assert re.search(r"unknown ca|reset by peer|Broken pipe", client.stderr), client.stderr


def test_loopback_optional_client_certificate(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-CAfile", ROOT)
    client = harness.tlsclient("-tls1_3", "-CAfile", ROOT, "-servername", "localhost", "-msg", "x\n",
                               f"127.0.0.1:{port}")
    server.wait()
    assert client.returncode == 0, client.stderr + server.stderr
    accepted = accepted_fields(server)
    assert accepted["peer"] == "none"
    assert accepted["verify"] == "ok"


# ---- our client -> openssl s_server -Verify ------------------------------------------------------


@pytest.mark.parametrize("client_cert", sorted(CLIENT_CERTS))
def test_client_certificate_to_openssl(harness, client_cert):
    server, port = harness.openssl_server(
        "-tls1_3", "-cert", pki("server-ecdsa-p256.pem"), "-cert_chain", pki("intermediate-ca.pem"),
        "-key", pki("server-ecdsa-p256.key"), "-Verify", "1", "-CAfile", ROOT, "-verify_return_error",
    )
    client = harness.tlsclient(
        "-CAfile", ROOT, "-servername", "localhost", "-msg", "hello s_server\n",
        *client_cert_args(client_cert), f"127.0.0.1:{port}",
    )
    assert client.returncode == 0, client.stderr + server.stdout + server.stderr
    assert connected_fields(client)["version"] == "TLSv1.3"
    wait_for_text(server, "hello s_server")
    cn = CLIENT_CERTS[client_cert].removeprefix("/CN=")
    assert re.search(rf"subject=.*CN ?= ?{re.escape(cn)}", server.stdout + server.stderr), server.stdout


def test_no_client_certificate_to_openssl_requiring_one(harness):
    server, port = harness.openssl_server(
        "-tls1_3", "-cert", pki("server-ecdsa-p256.pem"), "-cert_chain", pki("intermediate-ca.pem"),
        "-key", pki("server-ecdsa-p256.key"), "-Verify", "1", "-CAfile", ROOT,
    )
    client = harness.tlsclient("-CAfile", ROOT, "-servername", "localhost", "-msg", "x\n", f"127.0.0.1:{port}")
    assert client.returncode != 0
    assert "certificate required" in client.stderr, client.stderr


# ---- openssl s_client -cert -> our server --------------------------------------------------------


@pytest.mark.parametrize("client_cert", sorted(CLIENT_CERTS))
def test_openssl_client_certificate_types(harness, client_cert):
    require_tool("openssl")
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-CAfile", ROOT, "-Verify")
    client = harness.run(
        [
            "openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
            "-verify_hostname", "localhost", "-CAfile", ROOT, "-verify_return_error", "-brief",
            "-no_ign_eof", "-tls1_3", "-cert", pki(f"{client_cert}.pem"),
            "-cert_chain", pki("intermediate-ca.pem"), "-key", pki(f"{client_cert}.key"),
        ],
        "s_client",
        input_bytes=b"hello from s_client\n",
    )
    server.wait()
    assert client.returncode == 0, client.stdout + client.stderr + server.stderr
    accepted = accepted_fields(server)
    assert accepted["peer"] == CLIENT_CERTS[client_cert]
    assert accepted["verify"] == "ok"
    assert server.stdout == "hello from s_client\n"


# ---- gnutls in both roles -----------------------------------------------------------------------


@pytest.mark.parametrize("client_cert", sorted(CLIENT_CERTS))
def test_gnutls_client_certificate_types(harness, client_cert):
    require_tool("gnutls-cli")
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-CAfile", ROOT, "-Verify")
    client = harness.run(
        [
            "gnutls-cli", "-p", str(port), "--x509cafile", ROOT, "--verify-hostname", "localhost",
            "--sni-hostname", "localhost", "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.3",
            "--x509certfile", pki(f"{client_cert}.chain.pem"), "--x509keyfile", pki(f"{client_cert}.key"),
            "127.0.0.1",
        ],
        "gnutls-cli",
        input_bytes=b"hello from gnutls-cli\n",
    )
    server.wait()
    assert client.returncode == 0, client.stdout + client.stderr + server.stderr
    accepted = accepted_fields(server)
    assert accepted["peer"] == CLIENT_CERTS[client_cert]
    assert accepted["verify"] == "ok"


@pytest.mark.parametrize("client_cert", sorted(CLIENT_CERTS))
def test_client_certificate_to_gnutls(harness, client_cert):
    server, port = harness.gnutls_server(
        "--x509certfile", pki("server-ecdsa-p256.chain.pem"), "--x509keyfile", pki("server-ecdsa-p256.key"),
        "--x509cafile", ROOT, "--require-client-cert", "--verify-client-cert",
        "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.3",
    )
    client = harness.tlsclient(
        "-CAfile", ROOT, "-servername", "localhost", "-msg", "hello gnutls\n",
        *client_cert_args(client_cert), f"127.0.0.1:{port}",
    )
    assert client.returncode == 0, client.stderr + server.stdout + server.stderr
    assert client.stdout == "hello gnutls\n"
    cn = CLIENT_CERTS[client_cert].removeprefix("/CN=")
    wait_for_text(server, cn)


def wait_for_text(proc, text, timeout=5.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in proc.stdout or text in proc.stderr:
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not in output of {proc.args[0]}:\n{proc.stdout}\n{proc.stderr}")


# ---- the C program test_x509 ------------------------------------------------------------------

# Kept in step with test_x509 --list (checked by test_x509_case_list_is_complete).
X509_CASES = [
    "mtls_ecdsa_p256",
    "mtls_ecdsa_p384",
    "mtls_rsa2048",
    "mtls_ed25519",
    "no_client_cert_accepted",
    "no_client_cert_required",
    "untrusted_client_cert",
    "server_cert_is_not_a_client_cert",
    "client_cert_callback",
    "verify_callback_sees_good_chain",
    "verify_callback_overrides_expired",
    "verify_callback_overrides_unknown_ca",
    "verify_callback_rejects_good_chain",
    "ssl_set_verify_callback",
    "verify_controls",
    "pem_chain_and_names",
    "name_print_styles",
    "der_round_trip",
    "name_der_round_trip",
    "validity_and_serial",
    "names_and_addresses",
    "public_keys_and_fingerprint",
    "certificate_and_key_objects",
    "cert_store_trust",
    "verify_param_objects",
]


@pytest.fixture(scope="module")
def test_x509(bin_dir):
    path = bin_dir / "test_x509"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_x509_case_list_is_complete(test_x509):
    listed = subprocess.run([test_x509, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == X509_CASES


@pytest.mark.parametrize("case", X509_CASES)
def test_x509_c_api(test_x509, case):
    result = subprocess.run([test_x509, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout


def openssl_view(path):
    """The fields test_x509 --dump prints, as `openssl x509` reports them."""
    require_tool("openssl")

    def x509(*args):
        return subprocess.run(
            ["openssl", "x509", "-in", path, "-noout", *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    def epoch(text):
        out = subprocess.run(["date", "-u", "-d", text, "+%s"], capture_output=True, text=True, check=True)
        return out.stdout.strip()

    serial = x509("-serial").split("=", 1)[1].lstrip("0") or "0"
    if len(serial) % 2:
        serial = "0" + serial
    return {
        "serial": serial,
        "notBefore": epoch(x509("-startdate").split("=", 1)[1]),
        "notAfter": epoch(x509("-enddate").split("=", 1)[1]),
        "sha256": x509("-fingerprint", "-sha256").split("=", 1)[1],
        "subject": x509("-subject", "-nameopt", "oneline").split("=", 1)[1].strip(),
        "issuer_rfc2253": x509("-issuer", "-nameopt", "RFC2253").split("=", 1)[1],
    }


@pytest.mark.parametrize(
    "cert",
    ["server-ecdsa-p256.pem", "server-rsa2048.pem", "server-ed25519.pem", "client-ecdsa-p384.pem",
     "intermediate-ca.pem", "root-ca.pem", "expired-localhost.pem", "notyetvalid-localhost.pem"],
)
def test_certificate_fields_match_openssl(test_x509, cert):
    result = subprocess.run([test_x509, "--dump", pki(cert)], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=10)
    assert result.returncode == 0, result.stderr
    ours = dict(line.split("=", 1) for line in result.stdout.splitlines())
    reference = openssl_view(pki(cert))
    for key, value in reference.items():
        assert ours[key] == value, f"{key}: ours {ours[key]!r}, openssl {value!r}"
