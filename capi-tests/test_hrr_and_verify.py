"""HelloRetryRequest in both directions, and certificate verification failures: what the client
reports (reason, X509_V_ERR_* result) and which alert the server receives."""

import re

import pytest

from conftest import (
    accepted_fields,
    canonical_group,
    cert_args,
    connected_fields,
    pki,
    require_tool,
)
from test_interop import s_server_cert_args

ROOT = pki("root-ca.pem")
# Three groups so a retry is needed even if a client sends key shares for its first two.
CLIENT_GROUPS = "X25519:P-384:P-256"


def test_hrr_client_and_server(harness, sniffer_factory):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-groups", "P-256")
    sniffer = sniffer_factory(port)
    client = harness.tlsclient(
        "-CAfile", ROOT, "-servername", "localhost", "-groups", CLIENT_GROUPS, "-msg", "hrr\n",
        f"127.0.0.1:{sniffer.port}",
    )
    server.wait()
    assert client.returncode == 0, client.stderr + server.stderr
    assert canonical_group(connected_fields(client)["group"]) == "P-256"
    assert canonical_group(accepted_fields(server)["group"]) == "P-256"
    assert sniffer.server_hellos == [True, False], "expected a HelloRetryRequest, then a ServerHello"


def test_hrr_client_to_openssl(harness, sniffer_factory):
    server, port = harness.openssl_server("-tls1_3", *s_server_cert_args("ecdsa-p256"), "-groups", "P-256")
    sniffer = sniffer_factory(port)
    client = harness.tlsclient(
        "-CAfile", ROOT, "-servername", "localhost", "-groups", CLIENT_GROUPS, "-msg", "hrr\n",
        f"127.0.0.1:{sniffer.port}",
    )
    assert client.returncode == 0, client.stderr + server.stdout
    assert canonical_group(connected_fields(client)["group"]) == "P-256"
    assert sniffer.saw_hrr


def test_hrr_openssl_client_to_server(harness, sniffer_factory):
    require_tool("openssl")
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-groups", "P-256")
    sniffer = sniffer_factory(port)
    client = harness.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{sniffer.port}", "-servername", "localhost",
         "-CAfile", ROOT, "-verify_return_error", "-brief", "-no_ign_eof", "-tls1_3", "-groups", "X25519:P-256"],
        "s_client",
        input_bytes=b"hrr\n",
    )
    server.wait()
    assert client.returncode == 0, client.stderr + server.stderr
    assert canonical_group(accepted_fields(server)["group"]) == "P-256"
    assert sniffer.saw_hrr


def test_hrr_gnutls_client_to_server(harness, sniffer_factory):
    require_tool("gnutls-cli")
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-groups", "P-384")
    sniffer = sniffer_factory(port)
    client = harness.run(
        ["gnutls-cli", "-p", str(sniffer.port), "--x509cafile", ROOT, "--verify-hostname", "localhost",
         "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1",
         "127.0.0.1"],
        "gnutls-cli",
        input_bytes=b"hrr\n",
    )
    server.wait()
    assert client.returncode == 0, client.stdout + client.stderr + server.stderr
    assert canonical_group(accepted_fields(server)["group"]) == "P-384"
    assert sniffer.saw_hrr


def test_hrr_impossible_group_fails(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-groups", "P-384")
    client = harness.tlsclient("-CAfile", ROOT, "-groups", "X25519", "-msg", "x", f"localhost:{port}")
    server.wait()
    assert client.returncode == 1
    assert "tlsclient: handshake failed:" in client.stderr
    assert "tlsserver: handshake failed:" in server.stderr


# (certificate, X509_V_ERR_* the client must report, alerts the server may receive)
VERIFY_FAILURES = {
    "wrong-name": (62, "hostname mismatch", r"bad certificate|handshake failure|certificate unknown"),
    "untrusted-localhost": (20, "unable to get local issuer certificate", r"unknown ca"),
    "expired-localhost": (10, "certificate has expired", r"certificate expired|bad certificate"),
    "notyetvalid-localhost": (9, "certificate is not yet valid", r"bad certificate|certificate unknown"),
}


@pytest.mark.parametrize("cert", sorted(VERIFY_FAILURES))
def test_verify_failure_against_our_server(harness, cert):
    code, text, server_alert = VERIFY_FAILURES[cert]
    server, port = harness.tlsserver(*cert_args(cert))
    client = harness.tlsclient("-CAfile", ROOT, "-msg", "x", f"localhost:{port}")
    server.wait()
    assert client.returncode == 1
    failure = re.search(r"^tlsclient: handshake failed: (.*)$", client.stderr, re.MULTILINE)
    assert failure, client.stderr
    assert "certificate verify failed" in failure.group(1)
    assert f'verify=fail:{code}:"{text}"' in failure.group(1)
    server_failure = server.wait_for_stderr(r"^tlsserver: handshake failed: (.*)$").group(1)
    assert re.search(server_alert, server_failure), server_failure


@pytest.mark.parametrize("cert", ["wrong-name", "untrusted-localhost"])
def test_verify_failure_against_openssl_server(harness, cert):
    code, text, server_alert = VERIFY_FAILURES[cert]
    if cert.startswith("untrusted"):
        server_args = ["-cert", pki(f"{cert}.pem"), "-key", pki(f"{cert}.key")]
    else:
        server_args = ["-cert", pki(f"{cert}.pem"), "-cert_chain", pki("intermediate-ca.pem"), "-key", pki(f"{cert}.key")]
    server, port = harness.openssl_server("-tls1_3", *server_args)
    client = harness.tlsclient("-CAfile", ROOT, "-msg", "x", f"localhost:{port}")
    assert client.returncode == 1
    assert "certificate verify failed" in client.stderr
    assert f"verify=fail:{code}:" in client.stderr
    server.wait()
    assert re.search(server_alert, server.stdout + server.stderr), server.stdout + server.stderr


def test_verify_failure_against_gnutls_server(harness):
    require_tool("gnutls-serv")
    server, port = harness.gnutls_server(*gnutls_cert_args_untrusted(), "--priority", "NORMAL")
    client = harness.tlsclient("-CAfile", ROOT, "-msg", "x", f"localhost:{port}")
    assert client.returncode == 1
    assert "verify=fail:20:" in client.stderr


def gnutls_cert_args_untrusted():
    return ["--x509certfile", pki("untrusted-localhost.chain.pem"), "--x509keyfile", pki("untrusted-localhost.key")]


def test_noverify_reports_but_continues(harness):
    server, port = harness.tlsserver(*cert_args("untrusted-localhost"))
    client = harness.tlsclient("-CAfile", ROOT, "-noverify", "-msg", "x\n", f"localhost:{port}")
    server.wait()
    assert client.returncode == 0, client.stderr
    assert connected_fields(client)["verify"] == 'fail:20:"unable to get local issuer certificate"'


def test_wrong_servername_rejected(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"))
    client = harness.tlsclient("-CAfile", ROOT, "-servername", "other.example", "-msg", "x", f"127.0.0.1:{port}")
    server.wait()
    assert client.returncode == 1
    assert "verify=fail:62:" in client.stderr

