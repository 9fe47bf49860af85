"""Certificate compression (RFC 8879) end to end against a foreign peer: tlslite-ng (with the
brotli and zstandard modules of the tools virtualenv) as client and as server, each algorithm,
server and client certificates, and the CLI switches. The system's OpenSSL 3.0 and gnutls 3.7
have no certificate compression (gnutls-cli here answers "Unknown compression method")."""

import json
import re

import pytest

from conftest import cert_args, connected_fields, free_port, pki, wait_for_port_via_stdout
from test_scanner import tools_python

from pathlib import Path

HELPER = Path(__file__).resolve().parent / "tools" / "tlslite_certcomp.py"
ALGS = ["zlib", "brotli", "zstd"]
ROOT = pki("root-ca.pem")
CLIENT_CERT = [pki("client-rsa2048.chain.pem"), pki("client-rsa2048.key")]


@pytest.fixture
def libtls_only(impl):
    if impl != "libtls":
        pytest.skip("the reference OpenSSL 3.0 has no certificate compression")


def tlslite_client(harness, port, *extra):
    proc = harness.run([tools_python(), str(HELPER), "client", "127.0.0.1", str(port), *extra],
                       "tlslite-client", timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def tlslite_server(harness, *extra):
    port = free_port()
    proc = harness.spawn([tools_python(), str(HELPER), "server", str(port), *extra], "tlslite-server")
    wait_for_port_via_stdout(proc, r"^listening", port)
    return proc, port


def server_result(proc):
    proc.wait(30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cert_comp_line(text, prog):
    m = re.search(rf"^{prog}: cert_comp: server=(\S+) client=(\S+)$", text, re.MULTILINE)
    return (m.group(1), m.group(2)) if m else ("none", "none")


@pytest.mark.parametrize("alg", ALGS)
def test_tlsserver_compresses_for_tlslite(harness, libtls_only, alg):
    server, port = harness.tlsserver(*cert_args("rsa2048"))
    got = tlslite_client(harness, port, "--receive", alg)
    server.wait()
    assert got["server"] == alg, got
    assert got["echo"] == "hello from tlslite-ng\n"
    assert cert_comp_line(server.stderr, "tlsserver") == (alg, "none"), server.stderr


@pytest.mark.parametrize("alg", ALGS)
def test_tlsserver_decompresses_tlslite_client_certificate(harness, libtls_only, alg):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-CAfile", ROOT, "-Verify",
                                     "-cert_comp_algs", alg)
    got = tlslite_client(harness, port, "--send", alg, "--cert", CLIENT_CERT[0], "--key", CLIENT_CERT[1])
    server.wait()
    assert got["client"] == alg, got
    assert got["server"] == alg, got
    assert re.search(r"^tlsserver: accepted: .*verify=ok", server.stderr, re.MULTILINE), server.stderr
    assert cert_comp_line(server.stderr, "tlsserver") == (alg, alg), server.stderr


@pytest.mark.parametrize("alg", ALGS)
def test_tlsclient_decompresses_tlslite_server_certificate(harness, libtls_only, alg):
    server, port = tlslite_server(harness, "--send", alg, *cert_args("rsa2048", "--cert", "--key"))
    client = harness.tlsclient("-CAfile", ROOT, "-servername", "localhost", "-msg", "ping",
                               f"127.0.0.1:{port}")
    got = server_result(server)
    assert connected_fields(client)["verify"] == "ok", client.stderr
    assert got["server"] == alg, got
    assert cert_comp_line(client.stderr, "tlsclient") == (alg, "none"), client.stderr


@pytest.mark.parametrize("alg", ALGS)
def test_tlsclient_compresses_its_certificate_for_tlslite(harness, libtls_only, alg):
    server, port = tlslite_server(harness, "--request", "--receive", alg, *cert_args("rsa2048", "--cert", "--key"))
    client = harness.tlsclient("-CAfile", ROOT, "-servername", "localhost", "-msg", "ping",
                               "-cert", CLIENT_CERT[0], "-key", CLIENT_CERT[1], f"127.0.0.1:{port}")
    got = server_result(server)
    connected_fields(client)
    assert got["client"] == alg, got
    assert cert_comp_line(client.stderr, "tlsclient")[1] == alg, client.stderr


def test_switches_turn_compression_off(harness, libtls_only):
    # -no_tx_cert_comp: tlslite offers, we send plain.
    server, port = harness.tlsserver(*cert_args("rsa2048"), "-no_tx_cert_comp")
    got = tlslite_client(harness, port)
    server.wait()
    assert got["server"] is None, got
    assert "cert_comp:" not in server.stderr
    # -no_rx_cert_comp: we offer nothing, so tlslite sends plain.
    server, port = tlslite_server(harness, *cert_args("rsa2048", "--cert", "--key"))
    client = harness.tlsclient("-CAfile", ROOT, "-servername", "localhost", "-msg", "ping",
                               "-no_rx_cert_comp", f"127.0.0.1:{port}")
    got = server_result(server)
    connected_fields(client)
    assert got["server"] is None, got
    # -cert_comp pre-compresses at start-up; the handshake uses it.
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-cert_comp")
    got = tlslite_client(harness, port, "--receive", "zstd")
    server.wait()
    assert got["server"] == "zstd", got


def test_bad_algorithm_list_is_refused(harness, libtls_only):
    client = harness.tlsclient("-cert_comp_algs", "lzma", "127.0.0.1:1")
    assert client.returncode != 0
    assert "bad -cert_comp_algs lzma" in client.stderr


def test_tlsclient_offers_only_the_listed_algorithms(harness, libtls_only):
    server, port = tlslite_server(harness, *cert_args("rsa2048", "--cert", "--key"))
    client = harness.tlsclient("-CAfile", ROOT, "-servername", "localhost", "-msg", "ping",
                               "-cert_comp_algs", "zstd", f"127.0.0.1:{port}")
    got = server_result(server)
    connected_fields(client)
    assert got["server"] == "zstd", got
    assert cert_comp_line(client.stderr, "tlsclient") == ("zstd", "none"), client.stderr
