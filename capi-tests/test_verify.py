"""Runs each case of capi-tests/c/test_verify.c (trust locations, host names, flags and
addresses, verified chains, wrong-EKU and self-signed certificates, certificate output) as a
pytest test, with a hashed CA directory made by `openssl rehash` and SSL_CERT_FILE pointing at
the test root."""

import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO_ROOT, accepted_fields, connected_fields, pki, require_tool

C_CASES = [
    "wrong_eku",
    "self_signed_leaf",
    "verified_chain",
    "hashed_ca_dir",
    "empty_trust_fails",
    "default_paths_from_env",
    "in_memory_anchor",
    "host_flags",
    "add1_host",
    "ip_addresses",
    "verify_param_calls",
    "unusable_host_names_fail_closed",
    "callback_sees_the_verified_path",
    "pinned_decoy_is_rejected",
    "failed_path_is_partial",
    "clear_forgets_the_previous_peer",
    "subject_alt_names",
    "pem_write_and_name_print",
    "validity_as_time_t",
]


@pytest.fixture(scope="module")
def test_verify(bin_dir):
    path = bin_dir / "test_verify"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


@pytest.fixture(scope="module")
def verify_env(tmp_path_factory):
    """A hashed CA directory (both test roots, as `openssl rehash` names them), an empty
    SSL_CERT_DIR and SSL_CERT_FILE = the test root."""
    require_tool("openssl")
    ca_dir = tmp_path_factory.mktemp("hashed-ca")
    for name in ("root-ca.pem", "untrusted-root-ca.pem"):
        shutil.copy(pki(name), ca_dir / name)
    subprocess.run(["openssl", "rehash", str(ca_dir)], check=True, capture_output=True)
    hashed = [p.name for p in ca_dir.iterdir() if p.name.endswith(".0")]
    assert len(hashed) == 2, hashed
    empty_dir = tmp_path_factory.mktemp("empty-cert-dir")
    env = dict(os.environ)
    env.update(TEST_CA_DIR=str(ca_dir), SSL_CERT_FILE=pki("root-ca.pem"), SSL_CERT_DIR=str(empty_dir))
    return env


def test_case_list_is_complete(test_verify):
    listed = subprocess.run([test_verify, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_verify(test_verify, verify_env, case):
    result = subprocess.run(
        [test_verify, case], cwd=REPO_ROOT, env=verify_env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout


def test_hashed_directory_only_reads_hashed_names(test_verify, verify_env, tmp_path):
    """A directory with `HHHHHHHH.N` names is read by those names alone, as OpenSSL does: a stray
    PEM file next to them is not trusted."""
    ca_dir = tmp_path / "ca"
    ca_dir.mkdir()
    shutil.copy(pki("untrusted-root-ca.pem"), ca_dir / "untrusted.pem")
    subprocess.run(["openssl", "rehash", str(ca_dir)], check=True, capture_output=True)
    shutil.copy(pki("root-ca.pem"), ca_dir / "stray-root.pem")
    env = dict(verify_env, TEST_CA_DIR=str(ca_dir))
    result = subprocess.run(
        [test_verify, "hashed_ca_dir"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert "FAIL hashed_ca_dir" in result.stdout, result.stdout


# ---- wrong-EKU and self-signed server certificates, with our server and with openssl's ---------

# (certificate, X509_V_ERR_* code and text the client reports, alert the server receives)
REJECTED = {
    "wrong-eku-localhost": (26, "unsuitable certificate purpose", r"unsupported certificate"),
    "selfsigned-localhost": (18, "self-signed certificate", r"unknown ca"),
}


def server_cert_args(cert):
    return ["-cert", pki(f"{cert}.chain.pem"), "-key", pki(f"{cert}.key")]


def client_failure(client, code, text):
    assert client.returncode == 1, client.stderr
    failure = re.search(r"^tlsclient: handshake failed: (.*)$", client.stderr, re.MULTILINE)
    assert failure, client.stderr
    assert "certificate verify failed" in failure.group(1)
    assert f'verify=fail:{code}:"{text}"' in failure.group(1)


@pytest.mark.parametrize("cert", sorted(REJECTED))
def test_rejected_by_our_client_from_our_server(harness, cert):
    code, text, alert = REJECTED[cert]
    server, port = harness.tlsserver(*server_cert_args(cert))
    client = harness.tlsclient("-CAfile", pki("root-ca.pem"), "-msg", "x", f"localhost:{port}")
    server.wait()
    client_failure(client, code, text)
    server_failure = server.wait_for_stderr(r"^tlsserver: handshake failed: (.*)$").group(1)
    assert re.search(alert, server_failure), server_failure


@pytest.mark.parametrize("cert", sorted(REJECTED))
def test_rejected_by_our_client_from_openssl(harness, cert):
    code, text, alert = REJECTED[cert]
    server, port = harness.openssl_server("-tls1_3", "-cert", pki(f"{cert}.pem"), "-key", pki(f"{cert}.key"),
                                          *([] if cert.startswith("selfsigned") else
                                            ["-cert_chain", pki("intermediate-ca.pem")]))
    client = harness.tlsclient("-CAfile", pki("root-ca.pem"), "-msg", "x", f"localhost:{port}")
    client_failure(client, code, text)
    server.wait()
    assert re.search(alert, server.stdout + server.stderr), server.stdout + server.stderr


# ---- the CLIs' client-certificate options and -showcerts ---------------------------------------

CERT_LINE = re.compile(
    r'^(tlsserver|tlsclient): cert (\d+): subject="([^"]*)" issuer="([^"]*)" notBefore=(\S+) notAfter=(\S+)$',
    re.MULTILINE,
)


def client_cert_args(name):
    return ["-cert", pki(f"{name}.chain.pem"), "-key", pki(f"{name}.key")]


def test_require_peer_and_showcerts(harness):
    server, port = harness.tlsserver(*server_cert_args("server-ecdsa-p256"), "-CAfile", pki("root-ca.pem"),
                                     "-require_peer", "-showcerts")
    client = harness.tlsclient("-CAfile", pki("root-ca.pem"), "-showcerts", "-msg", "hi\n",
                               *client_cert_args("client-ecdsa-p256"), f"localhost:{port}")
    server.wait()
    assert client.returncode == 0, client.stderr + server.stderr
    assert accepted_fields(server)["peer"] == "/CN=libtls test client"

    server_certs = [m.groups()[1:] for m in CERT_LINE.finditer(server.stderr)]
    assert [(d, s, i) for d, s, i, _, _ in server_certs] == [
        ("0", "/CN=libtls test client", "/CN=libtls Test Intermediate CA"),
        ("1", "/CN=libtls Test Intermediate CA", "/CN=libtls Test Root CA"),
        ("2", "/CN=libtls Test Root CA", "/CN=libtls Test Root CA"),
    ]
    assert server_certs[0][3:] == ("2026-01-01T00:00:00Z", "2125-12-31T23:59:59Z")
    assert "tlsserver: peer chain: verified, 3 certificates" in server.stderr
    assert "tlsserver: verify result: 0 (ok)" in server.stderr

    client_certs = [m.groups()[1:3] for m in CERT_LINE.finditer(client.stderr)]
    assert client_certs == [
        ("0", "/CN=localhost"),
        ("1", "/CN=libtls Test Intermediate CA"),
        ("2", "/CN=libtls Test Root CA"),
    ]
    assert connected_fields(client)["verify"] == "ok"
    assert "tlsclient: verify result: 0 (ok)" in client.stderr


def test_showcerts_without_verification_shows_what_was_sent(harness):
    server, port = harness.tlsserver(*server_cert_args("selfsigned-localhost"))
    client = harness.tlsclient("-noverify", "-CAfile", pki("root-ca.pem"), "-showcerts", "-msg", "x",
                               f"localhost:{port}")
    server.wait()
    assert client.returncode == 0, client.stderr
    assert "tlsclient: peer chain: as sent, not verified" in client.stderr
    assert [m.group(3) for m in CERT_LINE.finditer(client.stderr)] == ["/CN=localhost"]
    assert "tlsclient: verify result: 18 (self-signed certificate)" in client.stderr


def test_require_peer_rejects_a_client_without_certificate(harness):
    server, port = harness.tlsserver(*server_cert_args("server-ecdsa-p256"), "-CAfile", pki("root-ca.pem"),
                                     "-require_peer")
    client = harness.tlsclient("-tls1_3", "-CAfile", pki("root-ca.pem"), "-msg", "x", f"localhost:{port}")
    server.wait()
    failure = server.wait_for_stderr(r"^tlsserver: handshake failed: (.*)$").group(1)
    assert "peer did not return a certificate" in failure or "certificate required" in failure, failure
    assert client.returncode != 0


def test_verify_peer_accepts_a_client_without_certificate(harness):
    server, port = harness.tlsserver(*server_cert_args("server-ecdsa-p256"), "-CAfile", pki("root-ca.pem"),
                                     "-verify_peer")
    client = harness.tlsclient("-CAfile", pki("root-ca.pem"), "-msg", "x\n", f"localhost:{port}")
    server.wait()
    assert client.returncode == 0, client.stderr + server.stderr
    assert accepted_fields(server)["peer"] == "none"
    assert server.stdout == "x\n"


def test_verify_peer_checks_a_client_certificate(harness):
    server, port = harness.tlsserver(*server_cert_args("server-ecdsa-p256"), "-CAfile", pki("root-ca.pem"),
                                     "-verify_peer")
    client = harness.tlsclient("-tls1_3", "-CAfile", pki("root-ca.pem"), "-msg", "x",
                               *client_cert_args("untrusted-client"), f"localhost:{port}")
    server.wait()
    assert "verify=fail:20:" in server.wait_for_stderr(r"^tlsserver: handshake failed: (.*)$").group(1)
    assert client.returncode != 0
