"""OCSP stapling (RFC 6066 8, RFC 8446 4.4.2.1) end to end: `tlsclient -status` against
`openssl s_server -status_file` and `gnutls-serv --ocsp-response`, `openssl s_client -status` and
`gnutls-cli --ocsp` against `tlsserver -status_file`, in TLS 1.2 and TLS 1.3.

The responses are made at test time with `openssl ocsp` from an index file (good and revoked
entries for pki/server-ecdsa-p256.pem), signed by the issuing intermediate CA, valid for a week."""

import pytest

from conftest import accepted_fields, cert_args, connected_fields, pki, require_tool

ROOT = pki("root-ca.pem")
VERSIONS = ["-tls1_2", "-tls1_3"]
VERSION_NAME = {"-tls1_2": "TLSv1.2", "-tls1_3": "TLSv1.3"}
S_SERVER_CERT = ["-cert", pki("server-ecdsa-p256.pem"), "-cert_chain", pki("intermediate-ca.pem"),
                 "-key", pki("server-ecdsa-p256.key")]


@pytest.fixture(scope="module")
def responses(tmp_path_factory):
    """DER OCSP responses for server-ecdsa-p256: {"good": path, "revoked": path}."""
    require_tool("openssl")
    import subprocess

    out = tmp_path_factory.mktemp("ocsp")
    serial = subprocess.run(
        ["openssl", "x509", "-in", pki("server-ecdsa-p256.pem"), "-noout", "-serial"],
        check=True, capture_output=True, text=True, timeout=15,
    ).stdout.strip().split("=", 1)[1]
    entries = {
        "good": f"V\t21251231235959Z\t\t{serial}\tunknown\t/CN=localhost\n",
        "revoked": f"R\t21251231235959Z\t260101000000Z,keyCompromise\t{serial}\tunknown\t/CN=localhost\n",
    }
    made = {}
    for kind, line in entries.items():
        index = out / f"{kind}.idx"
        index.write_text(line)
        der = out / f"{kind}.der"
        subprocess.run(
            ["openssl", "ocsp", "-index", str(index), "-rsigner", pki("intermediate-ca.pem"),
             "-rkey", pki("intermediate-ca.key"), "-CA", pki("intermediate-ca.pem"),
             "-issuer", pki("intermediate-ca.pem"), "-cert", pki("server-ecdsa-p256.pem"),
             "-ndays", "7", "-respout", str(der)],
            check=True, capture_output=True, timeout=15,
        )
        assert der.stat().st_size > 0
        made[kind] = str(der)
    return made


def client(harness, port, *args):
    return harness.tlsclient("-CAfile", ROOT, "-servername", "localhost", "-status", "-msg", "hi\n", *args,
                             f"127.0.0.1:{port}")


# ---- tlsclient -status -> openssl s_server / gnutls-serv ----------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_client_reads_a_good_stapled_response(harness, responses, version):
    server, port = harness.openssl_server(version, *S_SERVER_CERT, "-status_file", responses["good"])
    c = client(harness, port, version)
    assert c.returncode == 0, c.stderr + server.stdout + server.stderr
    assert "tlsclient: OCSP response: good" in c.stderr
    assert connected_fields(c)["version"] == VERSION_NAME[version]


@pytest.mark.parametrize("version", VERSIONS)
def test_client_refuses_a_revoked_certificate_in_plain_words(harness, impl, responses, version):
    server, port = harness.openssl_server(version, *S_SERVER_CERT, "-status_file", responses["revoked"])
    c = client(harness, port, version)
    assert c.returncode == 1, c.stderr
    assert "tlsclient: OCSP response: revoked (reason keyCompromise)" in c.stderr
    assert "invalid status response" in c.stderr
    if impl == "libtls":
        diagnosis = [line for line in c.stderr.splitlines() if line.startswith("tlsclient: diagnosis:")]
        assert diagnosis, c.stderr
        assert "certificate is revoked (since 2026-01-01, reason keyCompromise)" in diagnosis[0]
        assert "OCSP status callback" in diagnosis[0]
        assert "(cause=certificate_invalid)" in diagnosis[0]


@pytest.mark.parametrize("version", VERSIONS)
def test_client_without_a_stapled_response(harness, version):
    server, port = harness.openssl_server(version, *S_SERVER_CERT)
    c = client(harness, port, version)
    assert c.returncode == 0, c.stderr + server.stderr
    assert "tlsclient: OCSP response: no response sent" in c.stderr


@pytest.mark.parametrize("version", ["TLS1.2", "TLS1.3"])
def test_client_against_gnutls(harness, responses, version):
    server, port = harness.gnutls_server(
        "--x509certfile", pki("server-ecdsa-p256.chain.pem"), "--x509keyfile", pki("server-ecdsa-p256.key"),
        "--ocsp-response", responses["good"], "--priority", f"NORMAL:-VERS-ALL:+VERS-{version}",
    )
    c = client(harness, port)
    assert c.returncode == 0, c.stderr + server.stdout + server.stderr
    assert "tlsclient: OCSP response: good" in c.stderr
    assert connected_fields(c)["version"] == "TLSv" + version[3:]


# ---- openssl s_client -status / gnutls-cli --ocsp -> tlsserver -status_file ---------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("kind", ["good", "revoked"])
def test_server_staples_for_s_client(harness, responses, version, kind):
    require_tool("openssl")
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-status_file", responses[kind], version)
    c = harness.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost", "-CAfile", ROOT,
         "-status", "-no_ign_eof", version],
        "s_client", input_bytes=b"hi\n",
    )
    server.wait()
    assert c.returncode == 0, c.stdout + c.stderr + server.stderr
    assert "OCSP Response Status: successful" in c.stdout, c.stdout
    assert f"Cert Status: {kind}" in c.stdout
    assert accepted_fields(server)["version"] == VERSION_NAME[version]


def test_server_staples_nothing_to_a_client_that_does_not_ask(harness, responses):
    require_tool("openssl")
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-status_file", responses["good"])
    c = harness.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost", "-CAfile", ROOT,
         "-no_ign_eof", "-msg"],
        "s_client", input_bytes=b"hi\n",
    )
    server.wait()
    assert c.returncode == 0, c.stdout + c.stderr
    assert "CertificateStatus" not in c.stdout
    assert "OCSP response" not in c.stdout


@pytest.mark.parametrize("version", ["TLS1.2", "TLS1.3"])
def test_server_staples_for_gnutls_cli(harness, responses, version, tmp_path):
    require_tool("gnutls-cli")
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-status_file", responses["good"])
    saved = tmp_path / "saved.der"
    c = harness.run(
        ["gnutls-cli", "--x509cafile", ROOT, "--ocsp", "--save-ocsp", str(saved),
         "--priority", f"NORMAL:-VERS-ALL:+VERS-{version}", "-p", str(port), "localhost"],
        "gnutls-cli", input_bytes=b"hi\n",
    )
    server.wait()
    assert c.returncode == 0, c.stdout + c.stderr + server.stderr
    with open(responses["good"], "rb") as f:
        assert saved.read_bytes() == f.read()


def test_server_refuses_an_empty_status_file(harness, tmp_path):
    empty = tmp_path / "empty.der"
    empty.write_bytes(b"")
    proc = harness.spawn([harness.bin_dir / "tlsserver", *cert_args("ecdsa-p256"), "-status_file", str(empty),
                          "127.0.0.1:0"], "tlsserver")
    assert proc.wait() == 1
    assert "must hold 1 to 16777215 bytes" in proc.stderr
