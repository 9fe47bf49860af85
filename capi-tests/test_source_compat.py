"""Differential source-compatibility test (issue 9).

Each C program in capi-tests/source-compat/ is written against OpenSSL's API only. It is
compiled unchanged twice: against the system OpenSSL (`pkg-config openssl`) and against libtls
through its OpenSSL-named headers (`pkg-config libtls-openssl`, the build tree's uninstalled .pc
files). Both builds then run the same scenario against the same peers and must print the same
lines: negotiated version, cipher, group, verify result, peer, echoed data, and on failure the
SSL_get_error class and the (library, reason) of every error-queue entry.

To add a program, drop NAME.c into source-compat/ and give it scenarios in SCENARIOS below
(a test fails while a program has none). The programs: a blocking client and server, a
non-blocking client (poll on WANT_READ/WANT_WRITE), a memory-BIO pair in one process, and a
client that resumes its session (TLS 1.3 tickets, TLS 1.2 tickets and session IDs).
"""

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import REPO_ROOT, canonical_group, cert_args, pki, require_tool, wait_for_port_via_stdout, free_port

SOURCES = REPO_ROOT / "capi-tests" / "source-compat"
PKGCONFIG_BUILD = REPO_ROOT / "build" / "pkgconfig"
LIB_BUILD = REPO_ROOT / "build" / "lib"
BUILDS = ("openssl", "libtls")
CFLAGS = ["-std=c99", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Wextra", "-Werror", "-O1", "-g"]


def libtls_only(impl, bin_dir):
    if impl != "libtls" or "asan" in Path(bin_dir).parts:
        pytest.skip("distribution tests run once, in the plain libtls build (make test-c)")


def pkg_config(*args, uninstalled=False):
    env = None
    if uninstalled:
        import os

        env = dict(os.environ, PKG_CONFIG_PATH=str(PKGCONFIG_BUILD))
    result = subprocess.run(["pkg-config", *args], capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 0, f"pkg-config {' '.join(args)}: {result.stderr}"
    return result.stdout.split()


def build_flags(build):
    if build == "openssl":
        return pkg_config("--cflags", "--libs", "openssl")
    return pkg_config("--cflags", "--libs", "libtls-openssl", uninstalled=True) + [f"-Wl,-rpath,{LIB_BUILD}"]


@pytest.fixture(scope="session")
def compat_programs(request, tmp_path_factory):
    """{(program, build): path} for every source-compat program and both builds."""
    libtls_only(request.config.libtls_impl, request.config.libtls_bin_dir)
    require_tool("pkg-config")
    if not (PKGCONFIG_BUILD / "libtls-openssl-uninstalled.pc").exists():
        pytest.fail("build/pkgconfig is missing: run 'make' first")
    out = tmp_path_factory.mktemp("source-compat")
    programs = {}
    for source in sorted(SOURCES.glob("*.c")):
        for build in BUILDS:
            exe = out / build / source.stem
            exe.parent.mkdir(exist_ok=True)
            result = subprocess.run(
                ["cc", *CFLAGS, "-o", str(exe), str(source), *build_flags(build)],
                capture_output=True, text=True, timeout=120,
            )
            assert result.returncode == 0, f"{source.name} does not build against {build}:\n{result.stderr}"
            programs[(source.stem, build)] = exe
    return programs


OK = "handshake: ok"
FAILED = "handshake: failed"


@dataclass
class Scenario:
    name: str
    args: list
    peer: str  # how the peer is started: see run_client_scenario / run_server_scenario
    peer_args: list = field(default_factory=list)
    # A line the reference (OpenSSL) build must print, so the scenario tests what it says.
    expect: str = OK
    # Known differences that other work will remove (TLS 1.2, client certificates).
    xfail: str = ""


CA = pki("root-ca.pem")


def s_server_certs(kind):
    """s_server sends only the first certificate of -cert; the intermediate goes in -cert_chain."""
    base = {"ecdsa-p256": "server-ecdsa-p256", "rsa2048": "server-rsa2048", "ed25519": "server-ed25519"}.get(kind, kind)
    return ["-cert", pki(f"{base}.pem"), "-cert_chain", pki("intermediate-ca.pem"), "-key", pki(f"{base}.key")]


def chain_and_key(kind):
    """The positional CERTCHAIN KEY arguments of the compat server."""
    return [arg for arg in cert_args(kind) if not arg.startswith("-")]



CLIENT_SCENARIOS = [
    Scenario("s_server-ecdsa", [], "s_server", s_server_certs("ecdsa-p256")),
    Scenario("s_server-rsa", [], "s_server", s_server_certs("rsa2048")),
    Scenario("s_server-ed25519", [], "s_server", s_server_certs("ed25519")),
    Scenario("s_server-chacha", ["-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"], "s_server",
             s_server_certs("ecdsa-p256"), expect="cipher: TLS_CHACHA20_POLY1305_SHA256"),
    Scenario("s_server-p384-group", ["-groups", "P-384"], "s_server", s_server_certs("ecdsa-p256"),
             expect="group: P-384"),
    Scenario("leaf-without-intermediate", [], "s_server", cert_args("ecdsa-p256"),
             expect="verify: 20"),
    Scenario("untrusted-root", [], "s_server", s_server_certs("untrusted-localhost"), expect="verify: 20"),
    Scenario("wrong-name", [], "s_server", s_server_certs("wrong-name"), expect="verify: 62"),
    Scenario("expired", [], "s_server", s_server_certs("expired-localhost"), expect="verify: 10"),
    Scenario("not-yet-valid", [], "s_server", s_server_certs("notyetvalid-localhost"), expect="verify: 9"),
    Scenario("noverify-untrusted", ["-noverify"], "s_server", s_server_certs("untrusted-localhost")),
    Scenario("server-only-tls12", [], "s_server", [*s_server_certs("ecdsa-p256"), "-tls1_2"],
             expect="version: TLSv1.2"),
    Scenario("client-max-tls12-vs-tls13-server", ["-max", "1.2"], "s_server",
             [*s_server_certs("ecdsa-p256"), "-tls1_3"], expect=FAILED),
    Scenario("unknown-ciphersuite", ["-ciphersuites", "TLS_NOT_A_SUITE"], "s_server", s_server_certs("ecdsa-p256"),
             expect="setup:"),
    Scenario("echo-openssl-compat-server", ["-send", "hello"], "compat-server", chain_and_key("ecdsa-p256"),
             expect="reply: echo: hello"),
    # libtls offers X25519MLKEM768 first by default, which OpenSSL 3.0 lacks: pin the groups so
    # both builds can meet a peer that has it (docs/differences-from-openssl.md).
    Scenario("echo-tlsserver", ["-send", "hello", "-groups", "X25519:P-256"], "tlsserver", cert_args("ecdsa-p256"),
             expect="reply: hello"),
]

SERVER_SCENARIOS = [
    Scenario("s_client", chain_and_key("ecdsa-p256"), "s_client", expect="echo: hello"),
    Scenario("s_client-rsa", chain_and_key("rsa2048"), "s_client"),
    Scenario("s_client-chacha", [*chain_and_key("ecdsa-p256"), "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"],
             "s_client", expect="cipher: TLS_CHACHA20_POLY1305_SHA256"),
    Scenario("s_client-tls12", chain_and_key("ecdsa-p256"), "s_client", ["-tls1_2"],
             expect="version: TLSv1.2"),
    Scenario("s_client-tls12-vs-min-tls13", [*chain_and_key("ecdsa-p256"), "-min", "1.3"], "s_client",
             ["-tls1_2"], expect=FAILED),
    Scenario("s_client-without-required-cert", [*chain_and_key("ecdsa-p256"), "-verify", CA], "s_client",
             expect=FAILED),
    Scenario("echo-openssl-compat-client", chain_and_key("ecdsa-p256"), "compat-client", expect="echo: hello"),
]

# The non-blocking client meets the same servers; the echo comes from tlsserver.
NBCLIENT_SCENARIOS = [
    Scenario("echo-tlsserver", ["-send", "hello"], "tlsserver", cert_args("ecdsa-p256"), expect="reply: hello"),
    Scenario("echo-tlsserver-tls12", ["-send", "hello", "-max", "1.2"], "tlsserver", cert_args("rsa2048"),
             expect="version: TLSv1.2"),
    Scenario("s_server", [], "s_server", s_server_certs("ecdsa-p256"), expect=OK),
    Scenario("untrusted", [], "s_server", s_server_certs("untrusted-localhost"), expect="verify: 20"),
]

# Memory BIOs: both ends in one process, so the "peer" is the program itself.
MEMBIO_SCENARIOS = [
    Scenario("tls13", chain_and_key("ecdsa-p256"), "self", expect="client read: pong"),
    Scenario("tls12", [*chain_and_key("rsa2048"), "-max", "1.2"], "self", expect="version: TLSv1.2"),
    Scenario("chacha", [*chain_and_key("ecdsa-p256"), "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"], "self",
             expect="cipher: TLS_CHACHA20_POLY1305_SHA256"),
    Scenario("wrong-name", [*chain_and_key("ecdsa-p256"), "-name", "wrong.example"], "self",
             expect="client handshake: failed"),
    Scenario("no-shared-suite", [*chain_and_key("ecdsa-p256"), "-max", "1.3", "-ciphersuites",
                                 "TLS_AES_128_GCM_SHA256", "-server-ciphersuites", "TLS_AES_256_GCM_SHA384"],
             "self", expect="client handshake: failed"),
]

# Resumption: two connections to one server (it must accept twice), the second offering the
# first's session.
RESUME_SCENARIOS = [
    Scenario("s_server-tls13", [], "s_server2", s_server_certs("ecdsa-p256"), expect="second: TLSv1.3 reused=1"),
    Scenario("s_server-tls12-ticket", ["-max", "1.2"], "s_server2", s_server_certs("ecdsa-p256"),
             expect="second: TLSv1.2 reused=1"),
    Scenario("s_server-tls12-session-id", ["-max", "1.2", "-no-ticket"], "s_server2", s_server_certs("ecdsa-p256"),
             expect="second: TLSv1.2 reused=1"),
    Scenario("tlsserver-tls13", [], "tlsserver2", cert_args("ecdsa-p256"), expect="second: TLSv1.3 reused=1"),
    Scenario("tlsserver-tls12", ["-max", "1.2"], "tlsserver2", cert_args("ecdsa-p256"),
             expect="second: TLSv1.2 reused=1"),
]

SCENARIOS = {
    "resume": RESUME_SCENARIOS,
    "client": CLIENT_SCENARIOS,
    "server": SERVER_SCENARIOS,
    "nbclient": NBCLIENT_SCENARIOS,
    "membio": MEMBIO_SCENARIOS,
}


def normalise(output):
    lines = []
    for line in output.splitlines():
        if line.startswith("listening:"):
            continue
        if line.startswith("group: "):
            line = "group: " + canonical_group(line[len("group: "):])
        lines.append(line)
    return lines


def run_client_scenario(harness, programs, build, scenario, program="client"):
    if scenario.peer == "s_server2":
        require_tool("openssl")
        port = free_port()
        proc = harness.spawn(
            ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-naccept", "2", "-rev", *scenario.peer_args],
            "s_server", stdin=subprocess.PIPE,
        )
        wait_for_port_via_stdout(proc, r"^ACCEPT", port)
    elif scenario.peer == "tlsserver2":
        _, port = harness.tlsserver(*scenario.peer_args, naccept=2)
    elif scenario.peer == "s_server":
        _, port = harness.openssl_server(*scenario.peer_args)
    elif scenario.peer == "tlsserver":
        _, port = harness.tlsserver(*scenario.peer_args)
    elif scenario.peer == "compat-server":
        server = harness.spawn([programs[("server", "openssl")], *scenario.peer_args], "compat-server-peer")
        port = int(server.wait_for_stdout(r"^listening: (\d+)$").group(1))
    else:
        raise AssertionError(scenario.peer)
    client = harness.spawn([programs[(program, build)], str(port), CA, *scenario.args], f"{program}-{build}")
    client.wait(30)
    return client


def run_server_scenario(harness, programs, build, scenario):
    server = harness.spawn([programs[("server", build)], *scenario.args], f"server-{build}")
    port = int(server.wait_for_stdout(r"^listening: (\d+)$").group(1))
    if scenario.peer == "s_client":
        require_tool("openssl")
        peer = harness.spawn(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", CA, "-servername", "localhost",
             "-ign_eof", *scenario.peer_args],
            "s_client", stdin=subprocess.PIPE,
        )
        try:
            peer.popen.stdin.write(b"hello\n")
            peer.popen.stdin.close()
        except BrokenPipeError:
            pass
    elif scenario.peer == "compat-client":
        peer = harness.spawn([programs[("client", "openssl")], str(port), CA, "-send", "hello", *scenario.peer_args],
                             "compat-client-peer")
    else:
        raise AssertionError(scenario.peer)
    server.wait(30)
    peer.wait(30)
    return server


def run_membio_scenario(harness, programs, build, scenario):
    chain, key, *options = scenario.args
    proc = harness.spawn([programs[("membio", build)], chain, key, CA, *options], f"membio-{build}")
    proc.wait(30)
    return proc


RUNNERS = {
    "client": run_client_scenario,
    "server": run_server_scenario,
    "nbclient": lambda *a: run_client_scenario(*a, program="nbclient"),
    "resume": lambda *a: run_client_scenario(*a, program="resume"),
    "membio": run_membio_scenario,
}


def _add_wait_for_stdout():
    """Process.wait_for_stdout: like wait_for_stderr, for the programs that report on stdout."""
    import time

    from conftest import Process

    def wait_for_stdout(self, pattern, timeout=10.0):
        regex = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = regex.search(self.stdout)
            if found:
                return found
            if self.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"no /{pattern}/ on stdout of {self.args[0]}:\n{self.stdout}\n{self.stderr}")

    if not hasattr(Process, "wait_for_stdout"):
        Process.wait_for_stdout = wait_for_stdout


_add_wait_for_stdout()


def test_every_program_has_scenarios():
    names = sorted(p.stem for p in SOURCES.glob("*.c"))
    assert names, "no source-compat programs"
    assert sorted(SCENARIOS) == names, "each source-compat program needs scenarios (and only those)"


CASES = [
    pytest.param(program, scenario, id=f"{program}-{scenario.name}",
                 marks=[pytest.mark.xfail(reason=scenario.xfail, strict=False)] if scenario.xfail else [])
    for program, scenarios in SCENARIOS.items()
    for scenario in scenarios
]


@pytest.mark.parametrize("program,scenario", CASES)
def test_same_behaviour_as_openssl(compat_programs, harness, program, scenario):
    outputs = {}
    for build in BUILDS:
        proc = RUNNERS[program](harness, compat_programs, build, scenario)
        outputs[build] = (proc.returncode, normalise(proc.stdout), proc.stderr)
    ref_code, ref_lines, _ = outputs["openssl"]
    got_code, got_lines, got_err = outputs["libtls"]
    # The reference run must itself be meaningful: it printed an outcome.
    assert any(line.startswith(scenario.expect) for line in ref_lines), (
        f"the OpenSSL build did not print {scenario.expect!r}:\n" + "\n".join(ref_lines))
    assert got_lines == ref_lines, (
        f"libtls build differs from the OpenSSL build\n--- openssl\n" + "\n".join(ref_lines)
        + "\n--- libtls\n" + "\n".join(got_lines) + f"\n--- libtls stderr\n{got_err}"
    )
    assert got_code == ref_code
