"""What the configuration calls negotiate, against openssl, gnutls and ourselves: ALPN agreement
and mismatch, SNI-based certificate selection, version bounds (protocol_version), no shared
cipher (handshake_failure), certificate choice among RSA, ECDSA and Ed25519, server cipher
preference, and the TLS 1.3 downgrade sentinel seen through a relay that strips TLS 1.3."""

import re

import pytest

import tlswire

from conftest import accepted_fields, cert_args, connected_fields, pki, require_tool

ROOT = pki("root-ca.pem")
VERSIONS = ["-tls1_2", "-tls1_3"]
SNI_CERT = f"wrong.example:{pki('wrong-name.chain.pem')}:{pki('wrong-name.key')}"


def handshake_failed_line(proc, prog):
    match = re.search(rf"^{prog}: handshake failed: (.*)$", proc.stderr, re.MULTILINE)
    assert match, f"{prog} did not report a failed handshake:\n{proc.stderr}"
    return match.group(1)


def s_client(harness, port, *args, data=b"hello\n"):
    require_tool("openssl")
    return harness.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", ROOT, "-no_ign_eof", *args],
        "s_client",
        input_bytes=data,
    )


def gnutls_cli(harness, port, *args, data=b"hello\n"):
    require_tool("gnutls-cli")
    return harness.run(
        ["gnutls-cli", "-p", str(port), "--x509cafile", ROOT, *args, "127.0.0.1"],
        "gnutls-cli",
        input_bytes=data,
    )


def openssl_server(harness, *args):
    require_tool("openssl")
    return harness.openssl_server(
        "-cert", pki("server-ecdsa-p256.pem"), "-cert_chain", pki("intermediate-ca.pem"),
        "-key", pki("server-ecdsa-p256.key"), *args,
    )


# ---- ALPN ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_alpn_our_client_with_openssl(harness, version):
    server, port = openssl_server(harness, version, "-alpn", "h2,http/1.1")
    client = harness.tlsclient("-CAfile", ROOT, version, "-alpn", "http/1.1,h2", "-msg", "hi\n", f"localhost:{port}")
    assert client.returncode == 0, client.stderr
    # s_server picks by its own order.
    assert connected_fields(client)["alpn"] == "h2"


@pytest.mark.parametrize("version", VERSIONS)
def test_alpn_mismatch_our_client_with_openssl(harness, version):
    server, port = openssl_server(harness, version, "-alpn", "h2")
    client = harness.tlsclient("-CAfile", ROOT, version, "-alpn", "spdy/1", f"localhost:{port}")
    assert client.returncode == 1
    assert "no application protocol" in handshake_failed_line(client, "tlsclient")


def test_alpn_without_server_support_is_no_alpn(harness):
    server, port = openssl_server(harness)
    client = harness.tlsclient("-CAfile", ROOT, "-alpn", "h2", "-msg", "hi\n", f"localhost:{port}")
    assert client.returncode == 0, client.stderr
    assert connected_fields(client)["alpn"] == "none"


@pytest.mark.parametrize("version", ["TLS1.2", "TLS1.3"])
def test_alpn_our_client_with_gnutls(harness, version):
    server, port = harness.gnutls_server(
        "--x509certfile", pki("server-ecdsa-p256.chain.pem"), "--x509keyfile", pki("server-ecdsa-p256.key"),
        "--priority", f"NORMAL:-VERS-ALL:+VERS-{version}", "--alpn", "http/1.1", "--alpn-fatal",
    )
    client = harness.tlsclient("-CAfile", ROOT, "-alpn", "h2,http/1.1", "-msg", "hi\n", f"localhost:{port}")
    assert client.returncode == 0, client.stderr
    assert connected_fields(client)["alpn"] == "http/1.1"


def test_alpn_mismatch_our_client_with_gnutls(harness):
    server, port = harness.gnutls_server(
        "--x509certfile", pki("server-ecdsa-p256.chain.pem"), "--x509keyfile", pki("server-ecdsa-p256.key"),
        "--alpn", "http/1.1", "--alpn-fatal",
    )
    client = harness.tlsclient("-CAfile", ROOT, "-alpn", "h2", f"localhost:{port}")
    assert client.returncode == 1
    assert "no application protocol" in handshake_failed_line(client, "tlsclient")


@pytest.mark.parametrize("version", VERSIONS)
def test_alpn_openssl_client_with_our_server(harness, version):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-alpn", "h2,http/1.1")
    client = s_client(harness, port, version, "-alpn", "http/1.1,h2")
    assert client.returncode == 0, client.stdout + client.stderr
    assert "ALPN protocol: h2" in client.stdout
    assert accepted_fields(server)["alpn"] == "h2"


@pytest.mark.parametrize("version", VERSIONS)
def test_alpn_mismatch_openssl_client_with_our_server(harness, version):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-alpn", "h2")
    client = s_client(harness, port, version, "-alpn", "spdy/1")
    assert client.returncode != 0
    assert "no application protocol" in client.stdout + client.stderr
    server.wait()
    assert "no application protocol" in handshake_failed_line(server, "tlsserver")


def test_alpn_gnutls_client_with_our_server(harness):
    server, port = harness.tlsserver(*cert_args("rsa2048"), "-alpn", "h2,http/1.1")
    client = gnutls_cli(harness, port, "--alpn", "http/1.1", "--sni-hostname", "localhost")
    assert client.returncode == 0, client.stdout + client.stderr
    assert "- Application protocol: http/1.1" in client.stdout + client.stderr
    assert accepted_fields(server)["alpn"] == "http/1.1"


@pytest.mark.parametrize("version", VERSIONS)
def test_alpn_between_libtls_peers(harness, version):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-alpn", "h2,http/1.1", naccept=2)
    client = harness.tlsclient("-CAfile", ROOT, version, "-alpn", "http/1.1", "-msg", "hi\n", f"localhost:{port}")
    assert client.returncode == 0, client.stderr
    assert connected_fields(client)["alpn"] == "http/1.1"
    client = harness.tlsclient("-CAfile", ROOT, version, "-alpn", "spdy/1", f"localhost:{port}")
    assert "no application protocol" in handshake_failed_line(client, "tlsclient")


# ---- SNI -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_sni_selects_the_certificate(harness, version):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-sni_cert", SNI_CERT, naccept=2)
    client = harness.tlsclient("-CAfile", ROOT, version, "-servername", "wrong.example", "-msg", "hi\n", f"127.0.0.1:{port}")
    fields = connected_fields(client)
    assert fields["peer"] == "/CN=wrong.example" and fields["verify"] == "ok"
    client = harness.tlsclient("-CAfile", ROOT, version, "-servername", "localhost", "-msg", "hi\n", f"127.0.0.1:{port}")
    fields = connected_fields(client)
    assert fields["peer"] == "/CN=localhost" and fields["verify"] == "ok"
    server.wait()
    served = re.findall(r"^tlsserver: accepted: .* sni=(\S+)$", server.stderr, re.MULTILINE)
    assert served == ["wrong.example", "localhost"]


def test_sni_openssl_client_gets_the_named_certificate(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-sni_cert", SNI_CERT)
    client = s_client(
        harness, port, "-servername", "wrong.example", "-verify_hostname", "wrong.example",
        "-verify_return_error", "-brief",
    )
    assert client.returncode == 0, client.stdout + client.stderr
    assert "Peer certificate: CN = wrong.example" in client.stderr
    assert "Verification: OK" in client.stderr
    assert accepted_fields(server)["sni"] == "wrong.example"


def test_sni_gnutls_client_gets_the_named_certificate(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-sni_cert", SNI_CERT)
    client = gnutls_cli(harness, port, "--sni-hostname", "wrong.example", "--verify-hostname", "wrong.example")
    assert client.returncode == 0, client.stdout + client.stderr
    assert "wrong.example" in client.stdout
    assert accepted_fields(server)["sni"] == "wrong.example"


@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_name_is_unrecognized_name_when_fatal(harness, version):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-sni_cert", SNI_CERT, "-sni_fatal")
    client = harness.tlsclient("-CAfile", ROOT, version, "-servername", "other.example", f"127.0.0.1:{port}")
    assert "unrecognized name" in handshake_failed_line(client, "tlsclient")


@pytest.mark.parametrize("version", VERSIONS)
def test_our_client_sni_reaches_openssl(harness, tmp_path, version):
    server, port = openssl_server(
        harness, version, "-servername", "wrong.example",
        "-cert2", pki("wrong-name.pem"), "-key2", pki("wrong-name.key"),
    )
    # s_server sends no chain with its second certificate: trust the intermediate too.
    anchors = tmp_path / "anchors.pem"
    anchors.write_text(open(ROOT).read() + open(pki("intermediate-ca.pem")).read())
    client = harness.tlsclient(
        "-CAfile", anchors, "-servername", "wrong.example", "-msg", "hi\n", f"127.0.0.1:{port}"
    )
    fields = connected_fields(client)
    assert fields["peer"] == "/CN=wrong.example"


# ---- versions and suites -------------------------------------------------------------------------


def test_version_mismatch_between_libtls_peers(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-tls1_3")
    client = harness.tlsclient("-CAfile", ROOT, "-tls1_2", f"localhost:{port}")
    assert "protocol version" in handshake_failed_line(client, "tlsclient")
    server.wait()
    assert "unsupported protocol" in handshake_failed_line(server, "tlsserver")


def test_version_mismatch_our_client_with_openssl(harness):
    server, port = openssl_server(harness, "-tls1_2")
    client = harness.tlsclient("-CAfile", ROOT, "-tls1_3", f"localhost:{port}")
    assert "protocol version" in handshake_failed_line(client, "tlsclient")


@pytest.mark.parametrize("old", ["-tls1", "-tls1_1"])
def test_old_versions_get_protocol_version(harness, impl, old):
    server, port = harness.tlsserver(*cert_args("rsa2048"))
    client = s_client(harness, port, old, "-cipher", "DEFAULT@SECLEVEL=0")
    assert client.returncode != 0
    server.wait()
    failure = handshake_failed_line(server, "tlsserver")
    if impl == "libtls":
        # OpenSSL's own server, at its default security level, answers internal_error.
        assert "protocol version" in client.stdout + client.stderr
        assert "unsupported protocol" in failure


def test_version_mismatch_openssl_client_with_our_server(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-tls1_3")
    client = s_client(harness, port, "-tls1_2")
    assert client.returncode != 0
    assert "protocol version" in client.stdout + client.stderr


def test_no_shared_cipher_tls12(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"))
    client = harness.tlsclient("-CAfile", ROOT, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", f"localhost:{port}")
    assert "handshake failure" in handshake_failed_line(client, "tlsclient")
    server.wait()
    assert "no shared cipher" in handshake_failed_line(server, "tlsserver")


def test_no_shared_cipher_tls13_openssl_client(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256")
    client = s_client(harness, port, "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256")
    assert client.returncode != 0
    assert "handshake failure" in client.stdout + client.stderr
    server.wait()
    assert "no shared cipher" in handshake_failed_line(server, "tlsserver")


def test_no_shared_cipher_our_client_with_openssl(harness):
    server, port = openssl_server(harness, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384")
    client = harness.tlsclient("-CAfile", ROOT, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", f"localhost:{port}")
    assert "handshake failure" in handshake_failed_line(client, "tlsclient")


THREE_CERTS = [
    *cert_args("ecdsa-p256"),
    *cert_args("rsa2048", "-cert2", "-key2"),
    *cert_args("ed25519", "-cert3", "-key3"),
]


@pytest.mark.parametrize(
    "client_args, signature",
    [
        (["-tls1_3", "-sigalgs", "ed25519"], "ed25519"),
        (["-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256"], "RSA-PSS"),
        (["-tls1_3", "-sigalgs", "ECDSA+SHA256:rsa_pss_rsae_sha256"], "ECDSA"),
        (["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"], "RSA-PSS"),
        (["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", "-sigalgs", "ed25519"], "ed25519"),
        (["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"], "ECDSA"),
    ],
    ids=["tls13-ed25519", "tls13-rsa", "tls13-ecdsa", "tls12-rsa-suite", "tls12-ecdsa-suite-ed25519", "tls12-ecdsa"],
)
def test_certificate_per_sigalgs_and_suite(harness, client_args, signature):
    server, port = harness.tlsserver(*THREE_CERTS)
    client = s_client(harness, port, "-servername", "localhost", "-verify_return_error", "-brief", *client_args)
    assert client.returncode == 0, client.stdout + client.stderr
    assert f"Signature type: {signature}" in client.stderr, client.stderr


@pytest.mark.parametrize("server_preference", [False, True])
@pytest.mark.parametrize("version", VERSIONS)
def test_server_cipher_preference(harness, version, server_preference):
    ours = ["-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
            "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256"]
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), *ours, *(["-serverpref"] if server_preference else []))
    client = harness.tlsclient(
        "-CAfile", ROOT, version, "-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256",
        "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305", "-msg", "hi\n",
        f"localhost:{port}",
    )
    cipher = connected_fields(client)["cipher"]
    assert ("CHACHA20" in cipher) == server_preference, cipher


# ---- downgrade sentinel --------------------------------------------------------------------------


class VersionStripper(tlswire.Relay):
    """A relay that hides TLS 1.3 from the server: in the client's first record it turns
    0x0304 in supported_versions into a GREASE value, which servers ignore. A TLS 1.3-capable
    server then negotiates TLS 1.2 and marks its random with the downgrade sentinel."""

    def __init__(self, target_port):
        self.stripped = False
        self._first = b""  # the client's bytes until its first record is whole
        self._first_done = False
        super().__init__(target_port)

    def strip(self, record):
        hello = bytearray(record)
        # record header 5, handshake header 4, then the ClientHello body
        base = 5 + 4
        for typ, at, length in tlswire.hello_extension_spans(tlswire.CLIENT_HELLO, hello[base:]):
            if typ == 43:  # supported_versions: u8 length, then versions
                for i in range(base + at + 1, base + at + length, 2):
                    if hello[i:i + 2] == b"\x03\x04":
                        hello[i:i + 2] = b"\x0a\x0a"
                        self.stripped = True
        return bytes(hello)

    def forward(self, side, data):
        if side == "server" or self._first_done:
            return data
        self._first += data
        length = tlswire.first_record_length(self._first)
        if length is None or len(self._first) < length:
            return b""  # held back until the first record is whole
        self._first_done = True
        return self.strip(self._first[:length]) + self._first[length:]

    def close(self):
        super().close(join_timeout=5)


def test_downgrade_sentinel_from_openssl_is_detected(harness, impl):
    if impl != "libtls":
        pytest.skip("the reason and its wording are libtls's")
    server, port = openssl_server(harness)
    relay = VersionStripper(port)
    try:
        client = harness.tlsclient("-CAfile", ROOT, "-servername", "localhost", f"127.0.0.1:{relay.port}")
    finally:
        relay.close()
    assert relay.stripped
    assert "downgrade detected" in handshake_failed_line(client, "tlsclient")
