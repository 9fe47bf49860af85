"""TLS 1.2 without the extended master secret (RFC 7627), end to end: tlslite-ng's client
offering none against tlsserver (refused by default, as the server's policy; accepted with
-allow_no_ems, classic master secret, resumption), and tlsclient against an OpenSSL server with
the extension switched off. tlslite-ng comes from the tools virtualenv (see test_scanner.py)."""

import json
import subprocess

import pytest

from conftest import cert_args, connected_fields, pki
from test_interop import s_server_cert_args
from test_scanner import TOOLS_HELPER, tools_python

ROOT = pki("root-ca.pem")
SERVER = [*cert_args("ecdsa-p256")]


@pytest.fixture
def libtls_only(impl):
    if impl != "libtls":
        pytest.skip("-allow_no_ems is libtls's opt-in")


def tlslite(port, *extra):
    args = [tools_python(), str(TOOLS_HELPER), "127.0.0.1", str(port), "TLSv1.2", *extra]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def test_client_without_ems_is_refused_by_default_as_server_policy(harness, libtls_only):
    server, port = harness.tlsserver(*SERVER)
    proc = tlslite(port, "--no-ems")
    server.wait()
    assert proc.returncode != 0, proc.stdout
    assert "handshake failed" in server.stderr
    # The diagnosis says it is our policy and names the opt-in, not a protocol violation.
    assert "policy" in server.stderr and "-allow_no_ems" in server.stderr, server.stderr
    assert "broke the protocol" not in server.stderr


def test_client_without_ems_with_the_opt_in_connects_and_resumes(harness, libtls_only):
    server, port = harness.tlsserver(*SERVER, "-allow_no_ems", naccept=2)
    proc = tlslite(port, "--no-ems", "--resume")
    server.wait()
    assert proc.returncode == 0, proc.stdout + proc.stderr + server.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["version"] == "TLSv1.2", got
    assert got["echo"] == "hello from tlslite-ng\n", got
    assert got["ems"] is False, got
    assert got["resumed"], got


def test_client_with_ems_still_gets_it_under_the_opt_in(harness, libtls_only):
    server, port = harness.tlsserver(*SERVER, "-allow_no_ems", naccept=2)
    proc = tlslite(port, "--resume")
    server.wait()
    assert proc.returncode == 0, proc.stdout + proc.stderr + server.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["ems"] is True and got["resumed"], got


def test_libtls_client_needs_the_opt_in_for_a_server_without_ems(harness, libtls_only, tmp_path, monkeypatch):
    conf = tmp_path / "no-ems.cnf"
    conf.write_text(
        "openssl_conf = conf\n[conf]\nssl_conf = ssl\n[ssl]\nsystem_default = sd\n"
        "[sd]\nOptions = -ExtendedMasterSecret\n"
    )
    monkeypatch.setenv("OPENSSL_CONF", str(conf))
    server, port = harness.openssl_server("-tls1_2", *s_server_cert_args("ecdsa-p256"))
    client = harness.tlsclient("-CAfile", ROOT, "-msg", "hi\n", f"localhost:{port}")
    assert client.returncode != 0
    assert "-allow_no_ems" in client.stderr and "policy" in client.stderr, client.stderr

    server, port = harness.openssl_server("-tls1_2", *s_server_cert_args("ecdsa-p256"))
    client = harness.tlsclient("-CAfile", ROOT, "-allow_no_ems", "-msg", "hi\n", f"localhost:{port}")
    assert client.returncode == 0, client.stderr + server.stdout
    assert connected_fields(client)["version"] == "TLSv1.2"


def test_libtls_against_itself_with_the_opt_in(harness, libtls_only):
    server, port = harness.tlsserver(*SERVER, "-allow_no_ems")
    client = harness.tlsclient("-CAfile", ROOT, "-tls1_2", "-allow_no_ems", "-msg", "x\n", f"localhost:{port}")
    server.wait()
    assert client.returncode == 0, client.stderr + server.stderr
    assert connected_fields(client)["version"] == "TLSv1.2"
