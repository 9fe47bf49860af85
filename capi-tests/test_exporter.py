"""Keying-material exporters (SSL_export_keying_material; RFC 5705 for TLS 1.2, RFC 8446 7.5 for
TLS 1.3): both ends of one connection print the same bytes, our tlsclient against openssl
s_server and openssl s_client against our tlsserver, each with -keymatexport LABEL
-keymatexportlen N as OpenSSL's tools take and print them."""

import re

import pytest

from conftest import cert_args, connected_fields, pki, require_tool
from test_interop import s_server_cert_args

ROOT = pki("root-ca.pem")
LABEL = "EXPERIMENTAL-libtls-test"
VERSIONS = {"TLSv1.2": "-tls1_2", "TLSv1.3": "-tls1_3"}


def keying_material(text):
    """The (label, length, hex) of OpenSSL's "Keying material exporter:" block in `text`."""
    m = re.search(
        r"Keying material exporter:\n\s+Label: '([^']*)'\n\s+Length: (\d+) bytes\n\s+Keying material: ([0-9A-F]+)\n",
        text,
    )
    assert m, text
    return m.group(1), int(m.group(2)), m.group(3)


@pytest.mark.parametrize("length", [32, 100])
@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_client_exports_what_s_server_exports(harness, version, length):
    server, port = harness.openssl_server(
        VERSIONS[version], *s_server_cert_args("ecdsa-p256"), "-keymatexport", LABEL,
        "-keymatexportlen", str(length),
    )
    client = harness.tlsclient(
        "-CAfile", ROOT, "-servername", "localhost", "-keymatexport", LABEL, "-keymatexportlen", str(length),
        "-msg", "hello\n", f"127.0.0.1:{port}",
    )
    assert connected_fields(client)["version"] == version
    ours = keying_material(client.stderr)
    server.popen.stdin.close()
    server.wait()
    theirs = keying_material(server.stdout)
    assert ours == theirs == (LABEL, length, ours[2])
    assert len(ours[2]) == 2 * length


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_server_exports_what_s_client_exports(harness, version):
    require_tool("openssl")
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-keymatexport", LABEL, "-keymatexportlen", "48")
    client = harness.run(
        [
            "openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
            "-CAfile", ROOT, "-verify_return_error", VERSIONS[version], "-keymatexport", LABEL,
            "-keymatexportlen", "48",
        ],
        "s_client",
        input_bytes=b"hello\n",
    )
    server.wait()
    theirs = keying_material(client.stdout)
    ours = keying_material(server.stderr)
    assert ours == theirs and ours[1] == 48, (ours, theirs)
