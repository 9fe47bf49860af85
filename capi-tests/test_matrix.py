"""The interoperability matrix: {libtls client, libtls server} x {openssl, gnutls, libtls peer} x
{TLS 1.2, TLS 1.3} x {ECDSA, RSA certificate} x every cipher suite of that version, one test per
cell. A libtls client against a libtls server is one pairing, so it is listed once.

To stay fast, each server serves every cell it is part of: one long-running server per
(peer, version, certificate) for our client, and one libtls server per certificate for the
reference clients, which pick version and suite themselves."""

import re
import subprocess
import time

import pytest

from conftest import (
    TLS12_SUITES,
    TLS13_SUITES,
    Harness,
    accepted_fields,
    cert_args,
    connected_fields,
    free_port,
    parse_fields,
    pki,
    require_tool,
    wait_for_port_via_stdout,
)

ROOT = pki("root-ca.pem")
CERTS = {"ecdsa": "ecdsa-p256", "rsa": "rsa2048"}
CERT_FILES = {"ecdsa": "server-ecdsa-p256", "rsa": "server-rsa2048"}
# TLS 1.2 suites name their certificate type; TLS 1.3 suites go with either.
TLS12_CERT = {suite: "ecdsa" if "ECDSA" in suite else "rsa" for suite in TLS12_SUITES}
GNUTLS_CIPHER = {
    "TLS_AES_128_GCM_SHA256": "+AES-128-GCM",
    "TLS_AES_256_GCM_SHA384": "+AES-256-GCM",
    "TLS_CHACHA20_POLY1305_SHA256": "+CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-GCM-SHA256": "+AES-128-GCM",
    "ECDHE-ECDSA-AES256-GCM-SHA384": "+AES-256-GCM",
    "ECDHE-ECDSA-CHACHA20-POLY1305": "+CHACHA20-POLY1305",
    "ECDHE-RSA-AES128-GCM-SHA256": "+AES-128-GCM",
    "ECDHE-RSA-AES256-GCM-SHA384": "+AES-256-GCM",
    "ECDHE-RSA-CHACHA20-POLY1305": "+CHACHA20-POLY1305",
}


def cells():
    for version, suites in (("1.2", sorted(TLS12_SUITES)), ("1.3", TLS13_SUITES)):
        for cert in CERTS:
            for suite in suites:
                if version == "1.2" and TLS12_CERT[suite] != cert:
                    continue
                yield version, cert, suite


PAIRINGS = [("client", "openssl"), ("client", "gnutls"), ("client", "libtls"), ("server", "openssl"), ("server", "gnutls")]
MATRIX = [
    pytest.param(role, peer, version, cert, suite, id=f"libtls-{role}-vs-{peer}-tls{version}-{cert}-{suite}")
    for role, peer in PAIRINGS
    for version, cert, suite in cells()
]


class ServerPool:
    """Long-running servers, started on first use and stopped when the module ends."""

    def __init__(self, harness):
        self.harness = harness
        self.servers = {}

    def get(self, key, start):
        entry = self.servers.get(key)
        if entry is None or entry[0].poll() is not None:
            entry = start()
            self.servers[key] = entry
        return entry

    def openssl(self, version, cert):
        require_tool("openssl")

        def start():
            port = free_port()
            base = CERT_FILES[cert]
            proc = self.harness.spawn(
                [
                    "openssl", "s_server", "-accept", f"127.0.0.1:{port}", f"-tls{version.replace('.', '_')}",
                    "-cert", pki(f"{base}.pem"), "-cert_chain", pki("intermediate-ca.pem"),
                    "-key", pki(f"{base}.key"),
                ],
                "s_server",
                stdin=subprocess.PIPE,
            )
            wait_for_port_via_stdout(proc, r"^ACCEPT", port)
            return proc, port

        return self.get(("openssl", version, cert), start)

    def gnutls(self, version, cert):
        require_tool("gnutls-serv")

        def start():
            base = CERT_FILES[cert]
            return self.harness.gnutls_server(
                "--x509certfile", pki(f"{base}.chain.pem"), "--x509keyfile", pki(f"{base}.key"),
                "--priority", f"NORMAL:-VERS-ALL:+VERS-TLS{version}",
            )

        return self.get(("gnutls", version, cert), start)

    def libtls(self, cert, version=None):
        def start():
            pinned = [f"-tls{version.replace('.', '_')}"] if version else []
            return self.harness.tlsserver(*cert_args(CERTS[cert]), *pinned, naccept=None)

        return self.get(("libtls", version, cert), start)


@pytest.fixture(scope="module")
def pool(bin_dir, impl, tmp_path_factory):
    h = Harness(bin_dir, impl, tmp_path_factory.mktemp("matrix"))
    yield ServerPool(h)
    h.cleanup()
    reports = h.sanitizer_reports()
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)


def suite_args(version, suite):
    if version == "1.3":
        return ["-tls1_3", "-ciphersuites", suite]
    return ["-tls1_2", "-cipher", suite]


def wait_for(predicate, what, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(what())


def new_accepted_line(server, seen_before):
    """The fields of the first `accepted:` line after the first `seen_before` ones."""
    pattern = re.compile(r"^tlsserver: accepted: (.*)$", re.MULTILINE)
    wait_for(
        lambda: len(pattern.findall(server.stderr)) > seen_before,
        lambda: f"no new accepted line from tlsserver:\n{server.stderr}",
    )
    return parse_fields(pattern.findall(server.stderr)[seen_before])


def accepted_count(server):
    return len(re.findall(r"^tlsserver: accepted: ", server.stderr, re.MULTILINE))


def our_client(harness, pool, peer, version, cert, suite, message):
    if peer == "openssl":
        server, port = pool.openssl(version, cert)
    elif peer == "gnutls":
        server, port = pool.gnutls(version, cert)
    else:
        server, port = pool.libtls(cert, version)
    before = accepted_count(server)
    client = harness.tlsclient(
        "-CAfile", ROOT, "-servername", "localhost", *suite_args(version, suite), "-msg", message,
        f"127.0.0.1:{port}",
    )
    assert client.returncode == 0, client.stderr + server.stderr[-2000:]
    fields = connected_fields(client)
    if peer == "openssl":
        wait_for(lambda: message in server.stdout, lambda: f"{message!r} not received:\n{server.stdout[-2000:]}")
    else:
        assert client.stdout == message  # the server echoed it
    if peer == "libtls":
        served = new_accepted_line(server, before)
        assert served["cipher"] == suite and served["version"] == f"TLSv{version}"
    return fields


def reference_client(harness, pool, peer, version, cert, suite, message):
    server, port = pool.libtls(cert)
    before = accepted_count(server)
    if peer == "openssl":
        require_tool("openssl")
        client = harness.run(
            [
                "openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
                "-verify_hostname", "localhost", "-CAfile", ROOT, "-verify_return_error", "-brief",
                "-no_ign_eof", *suite_args(version, suite),
            ],
            "s_client",
            input_bytes=message.encode(),
        )
        assert client.returncode == 0, client.stdout + client.stderr + server.stderr[-2000:]
        assert "Verification: OK" in client.stderr
        assert f"Protocol version: TLSv{version}" in client.stderr
        assert f"Ciphersuite: {suite}" in client.stderr
        expected_signature = "ECDSA" if cert == "ecdsa" else "RSA"
        assert re.search(rf"Signature type: {expected_signature}", client.stderr), client.stderr
    else:
        require_tool("gnutls-cli")
        kx = ":-KX-ALL:+ECDHE-ECDSA" if "ECDSA" in suite else ":-KX-ALL:+ECDHE-RSA" if "RSA" in suite else ""
        priority = f"NORMAL:-VERS-ALL:+VERS-TLS{version}:-CIPHER-ALL:{GNUTLS_CIPHER[suite]}{kx}"
        client = harness.run(
            [
                "gnutls-cli", "-p", str(port), "--x509cafile", ROOT, "--verify-hostname", "localhost",
                "--sni-hostname", "localhost", "--priority", priority, "127.0.0.1",
            ],
            "gnutls-cli",
            input_bytes=message.encode(),
        )
        output = client.stdout + client.stderr
        assert client.returncode == 0, output + server.stderr[-2000:]
        assert message.strip() in client.stdout  # echoed back
        description = re.search(r"- Description: (.*)", output)
        assert description and description.group(1).startswith(f"(TLS{version}"), output
        assert ("ECDSA" if cert == "ecdsa" else "RSA") in description.group(1)
    served = new_accepted_line(server, before)
    wait_for(lambda: message in server.stdout, lambda: f"{message!r} not received:\n{server.stdout[-2000:]}")
    return served


@pytest.mark.parametrize("role, peer, version, cert, suite", MATRIX)
def test_matrix(harness, pool, role, peer, version, cert, suite):
    message = f"cell {role} {peer} {version} {cert} {suite}\n"
    if role == "client":
        fields = our_client(harness, pool, peer, version, cert, suite, message)
        assert fields["verify"] == "ok"
        assert fields["peer"] == "/CN=localhost"
    else:
        fields = reference_client(harness, pool, peer, version, cert, suite, message)
    assert fields["version"] == f"TLSv{version}"
    assert fields["cipher"] == suite


def test_matrix_covers_every_suite_and_certificate():
    covered = {(version, cert, suite) for _, _, version, cert, suite in (p.values for p in MATRIX)}
    assert {s for _, _, s in covered} == set(TLS12_SUITES) | set(TLS13_SUITES)
    assert {(v, c) for v, c, _ in covered} == {(v, c) for v in ("1.2", "1.3") for c in CERTS}
    assert len(MATRIX) == len(PAIRINGS) * (6 + 6)
