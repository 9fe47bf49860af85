"""record_size_limit (RFC 8449) with independent peers that implement it (OpenSSL does not):
our client offers it, and keeps its records within what tlslite-ng's and gnutls-serv's servers
answer, in TLS 1.2 and TLS 1.3; each server reports the extension negotiated. And our server
keeps its records within gnutls-cli --recordsize."""

import json
import re
import time
from pathlib import Path

import pytest

from conftest import SERVER_CERTS, cert_args, connected_fields, pki, require_tool
from test_interop import gnutls_cert_args, gnutls_priority
from test_scanner import tools_python

ROOT = pki("root-ca.pem")
TLSLITE_SERVER = Path(__file__).resolve().parent / "tools" / "tlslite_server.py"
# A line well above the small limits below, so it needs many records.
LINE = "x" * 3000 + "\n"
VERSIONS = {"TLSv1.2": "-tls1_2", "TLSv1.3": "-tls1_3"}


@pytest.fixture
def libtls_only(impl):
    if impl != "libtls":
        pytest.skip("OpenSSL does not implement record_size_limit")


def tlslite_server(harness, version, limit):
    base = SERVER_CERTS["ecdsa-p256"]
    proc = harness.spawn(
        [tools_python(), TLSLITE_SERVER, pki(f"{base}.chain.pem"), pki(f"{base}.key"), version,
         "--record-size-limit", str(limit)],
        "tlslite-server",
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        match = re.search(r"^PORT (\d+)$", proc.stdout, re.MULTILINE)
        if match:
            return proc, int(match.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"tlslite-ng server did not start:\n{proc.stdout}\n{proc.stderr}")


@pytest.mark.parametrize("version", sorted(VERSIONS))
@pytest.mark.parametrize("limit", [256, 2**14 + 1])
def test_client_to_tlslite_honours_the_servers_limit(harness, libtls_only, version, limit):
    server, port = tlslite_server(harness, version, limit)
    client = harness.tlsclient(
        "-CAfile", ROOT, "-servername", "localhost", VERSIONS[version], "-msg", LINE, f"127.0.0.1:{port}"
    )
    server.wait(30)
    assert client.returncode == 0, client.stderr + server.stdout + server.stderr
    assert connected_fields(client)["version"] == version
    # The whole line came back: tlslite-ng refuses records above its limit (record_overflow).
    assert client.stdout == LINE
    got = json.loads(server.stdout.strip().splitlines()[-1])
    assert got["version"] == version and got["received"] == len(LINE), got
    # It negotiated: its own limit is in force (tlslite-ng counts plaintext without the TLS 1.3
    # content type), and in TLS 1.2 it noted ours (2^14 with TLS 1.2 alone offered).
    if version == "TLSv1.3":
        assert got["recv_limit"] == min(limit - 1, 2**14), got
    else:
        assert got["peer_limit"] == 16384, got
        assert got["recv_limit"] == min(limit, 2**14), got


def gnutls_record_lengths(log):
    """The lengths of the protected application_data records gnutls-serv received (-d 9)."""
    return [int(n) for n in re.findall(r"Application Data packet received\. Epoch [1-9]\d*, length: (\d+)", log)]


@pytest.mark.parametrize("version", ["TLS1.2", "TLS1.3"])
def test_client_to_gnutls_negotiates_record_size_limit(harness, libtls_only, version):
    server, port = harness.gnutls_server(
        *gnutls_cert_args("ecdsa-p256"), "--priority", gnutls_priority(version=version), "--recordsize=512", "-d", "9"
    )
    client = harness.tlsclient("-CAfile", ROOT, "-servername", "localhost", "-msg", LINE, f"127.0.0.1:{port}")
    assert client.returncode == 0, client.stderr + server.stderr[-3000:]
    assert client.stdout == LINE
    server.kill()
    log = server.stderr
    assert re.search(r"record_size_limit \d+ negotiated", log), log[-3000:]
    assert "Sending extension Record Size Limit" in log
    lengths = gnutls_record_lengths(log)
    assert sum(lengths) > len(LINE), lengths
    # 512 bytes of plaintext (TLS 1.3: 512 and the content type) and the AEAD's expansion
    # (TLS 1.2 AES-GCM: 8-byte explicit nonce and 16-byte tag).
    bound = 513 + 16 if version == "TLS1.3" else 512 + 8 + 16
    assert max(lengths) <= bound, lengths


@pytest.mark.parametrize("version", ["TLS1.2", "TLS1.3"])
def test_gnutls_client_limit_is_honoured_by_our_server(harness, libtls_only, version):
    require_tool("gnutls-cli")
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"))
    client = harness.run(
        [
            "gnutls-cli", "-p", str(port), "--x509cafile", ROOT, "--verify-hostname", "localhost",
            "--sni-hostname", "localhost", "--priority", gnutls_priority(version=version),
            "--recordsize=512", "-d", "9", "127.0.0.1",
        ],
        "gnutls-cli",
        input_bytes=LINE.encode(),
    )
    server.wait()
    assert client.returncode == 0, client.stderr[-3000:] + server.stderr
    assert "x" * 100 in client.stdout  # our server echoed the line back
    log = client.stderr
    assert re.search(r"record_size_limit \d+ negotiated", log), log[-3000:]
    # gnutls-cli may quit at the end of its input before the whole echo is in: what did
    # arrive came in records of at most gnutls's limit.
    lengths = gnutls_record_lengths(log)
    assert lengths and max(lengths) > 400, lengths
    bound = 513 + 16 if version == "TLS1.3" else 512 + 8 + 16
    assert max(lengths) <= bound, lengths
