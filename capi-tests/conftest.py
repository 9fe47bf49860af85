"""Shared fixtures for the C API / CLI / interop tests.

The binaries under test come from LIBTLS_BIN_DIR (or --bin-dir): build/bin for the libtls build,
build/openssl/bin for the OpenSSL reference build. LIBTLS_IMPL (or --impl) says which one it is,
"libtls" or "openssl"; by default it is guessed from the directory name. Every process a test
starts runs in its own process group and is killed at teardown, and every wait has a timeout.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

import tlswire

REPO_ROOT = Path(__file__).resolve().parent.parent
PKI = REPO_ROOT / "pki"
DEFAULT_TIMEOUT = 15

# Handshake outcomes are compared on canonical group names: libraries spell them differently.
GROUP_ALIASES = {
    "x25519": "x25519",
    "secp256r1": "P-256",
    "prime256v1": "P-256",
    "p-256": "P-256",
    "secp384r1": "P-384",
    "p-384": "P-384",
    "x25519mlkem768": "X25519MLKEM768",
}

HYBRID_GROUP = "X25519MLKEM768"

SERVER_CERTS = {
    "ecdsa-p256": "server-ecdsa-p256",
    "ecdsa-p384": "server-ecdsa-p384",
    "rsa2048": "server-rsa2048",
    "ed25519": "server-ed25519",
}

TLS13_SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
CLASSIC_GROUPS = ["X25519", "P-256", "P-384"]
# OpenSSL names of the TLS 1.2 suites, with the certificate type each needs.
TLS12_SUITES = {
    "ECDHE-ECDSA-AES128-GCM-SHA256": "ecdsa-p256",
    "ECDHE-ECDSA-AES256-GCM-SHA384": "ecdsa-p256",
    "ECDHE-ECDSA-CHACHA20-POLY1305": "ecdsa-p256",
    "ECDHE-RSA-AES128-GCM-SHA256": "rsa2048",
    "ECDHE-RSA-AES256-GCM-SHA384": "rsa2048",
    "ECDHE-RSA-CHACHA20-POLY1305": "rsa2048",
}


def pytest_addoption(parser):
    parser.addoption("--bin-dir", default=None, help="directory holding tlsclient/tlsserver/test_api")
    parser.addoption("--impl", default=None, choices=["libtls", "openssl"], help="which build is tested")


def _bin_dir(config):
    chosen = config.getoption("--bin-dir") or os.environ.get("LIBTLS_BIN_DIR") or "build/bin"
    path = Path(chosen)
    return path if path.is_absolute() else REPO_ROOT / path


def _impl(config, bin_dir):
    chosen = config.getoption("--impl") or os.environ.get("LIBTLS_IMPL")
    if chosen:
        return chosen
    return "openssl" if "openssl" in bin_dir.parts else "libtls"


def pytest_configure(config):
    bin_dir = _bin_dir(config)
    config.libtls_bin_dir = bin_dir
    config.libtls_impl = _impl(config, bin_dir)
    config.addinivalue_line("markers", "needs_tool(name): skip unless the external tool is installed")


def pytest_report_header(config):
    return f"binaries under test: {config.libtls_bin_dir} (implementation: {config.libtls_impl})"


@pytest.fixture(scope="session")
def impl(request):
    return request.config.libtls_impl


@pytest.fixture(scope="session")
def bin_dir(request):
    path = request.config.libtls_bin_dir
    for name in ("tlsclient", "tlsserver"):
        if not (path / name).exists():
            pytest.fail(f"{path / name} is missing: build it first (make / make cli-openssl)")
    return path


def canonical_group(name):
    return GROUP_ALIASES.get(name.lower(), name) if name else name


def skip_hybrid_on_openssl(impl, *groups):
    if impl == "openssl" and any(HYBRID_GROUP.lower() in g.lower() for g in groups if g):
        pytest.skip("OpenSSL 3.0 has no X25519MLKEM768 (libtls-only expectation)")


def require_tool(name):
    """Skip unless `name` is on PATH; with LIBTLS_REQUIRE_TOOLS=1 (CI) a missing tool fails.
    The "missing tool:" wording is what `make test`'s closing summary counts."""
    if shutil.which(name) is None:
        if os.environ.get("LIBTLS_REQUIRE_TOOLS") == "1":
            pytest.fail(f"missing tool: {name} is not installed (make setup installs it)")
        pytest.skip(f"missing tool: {name} is not installed (make setup installs it)")


def pki(name):
    return str(PKI / name)


def cert_args(kind, cert_flag="-cert", key_flag="-key"):
    base = SERVER_CERTS.get(kind, kind)
    return [cert_flag, pki(f"{base}.chain.pem"), key_flag, pki(f"{base}.key")]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, proc=None, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"server exited early with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


# key=value pairs; a value runs to the next space outside "quotes" (verify=fail:20:"a b").
_KV = re.compile(r'(\w+)=((?:[^\s"]|"[^"]*")+)')


def parse_fields(line):
    fields = {}
    for key, value in _KV.findall(line):
        whole_quoted = len(value) >= 2 and value[0] == value[-1] == '"' and '"' not in value[1:-1]
        fields[key] = value[1:-1] if whole_quoted else value
    return fields


class Process:
    """A child in its own process group, with stdout/stderr captured to files."""

    def __init__(self, args, workdir, name, stdin=subprocess.DEVNULL):
        self.args = [str(a) for a in args]
        self.stdout_path = workdir / f"{name}.out"
        self.stderr_path = workdir / f"{name}.err"
        self._stdout = open(self.stdout_path, "wb")
        self._stderr = open(self.stderr_path, "wb")
        self.popen = subprocess.Popen(
            self.args,
            cwd=REPO_ROOT,
            stdin=stdin,
            stdout=self._stdout,
            stderr=self._stderr,
            start_new_session=True,
        )

    @property
    def stdout(self):
        return self.stdout_path.read_bytes().decode(errors="replace")

    @property
    def stderr(self):
        return self.stderr_path.read_bytes().decode(errors="replace")

    def poll(self):
        return self.popen.poll()

    @property
    def returncode(self):
        return self.popen.returncode

    def wait(self, timeout=DEFAULT_TIMEOUT):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.args[0]} did not finish within {timeout}s:\n{self.stderr}")

    def wait_for_stderr(self, pattern, timeout=10.0):
        """Returns the first match of pattern in stderr, waiting for it to appear."""
        regex = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = regex.search(self.stderr)
            if found:
                return found
            if self.poll() is not None:
                found = regex.search(self.stderr)
                if found:
                    return found
                break
            time.sleep(0.02)
        raise AssertionError(f"no /{pattern}/ in stderr of {self.args[0]}:\n{self.stderr}")

    def kill(self):
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.popen.stdin:
            try:
                self.popen.stdin.close()
            except OSError:
                pass
        self._stdout.close()
        self._stderr.close()


class Harness:
    """Starts the CLIs and reference peers for one test and cleans up after it."""

    def __init__(self, bin_dir, impl, workdir):
        self.bin_dir = bin_dir
        self.impl = impl
        self.workdir = workdir
        self.processes = []
        self._count = 0

    def _name(self, prefix):
        self._count += 1
        return f"{self._count:02d}-{prefix}"

    def spawn(self, args, name, stdin=subprocess.DEVNULL):
        proc = Process(args, self.workdir, self._name(name), stdin=stdin)
        self.processes.append(proc)
        return proc

    def tlsserver(self, *args, naccept=1):
        """Starts our server on a free port; returns (process, port)."""
        extra = ["-naccept", str(naccept)] if naccept else []
        proc = self.spawn([self.bin_dir / "tlsserver", "-timeout", "5", *extra, *args, "127.0.0.1:0"], "tlsserver")
        match = proc.wait_for_stderr(r"^tlsserver: listening on 127\.0\.0\.1:(\d+)$")
        return proc, int(match.group(1))

    def tlsclient(self, *args, timeout=DEFAULT_TIMEOUT, stdin=subprocess.DEVNULL):
        """Runs our client to completion; returns the finished Process."""
        proc = self.spawn([self.bin_dir / "tlsclient", "-timeout", "5", *args], "tlsclient", stdin=stdin)
        proc.wait(timeout)
        return proc

    def openssl_server(self, *args):
        """openssl s_server on a free port. Its stdin stays open: s_server stops at EOF."""
        require_tool("openssl")
        port = free_port()
        proc = self.spawn(
            ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-naccept", "1", *args],
            "s_server",
            stdin=subprocess.PIPE,
        )
        wait_for_port_via_stdout(proc, r"^ACCEPT", port)
        return proc, port

    def gnutls_server(self, *args):
        require_tool("gnutls-serv")
        port = free_port()
        proc = self.spawn(["gnutls-serv", "--echo", "-p", str(port), *args], "gnutls-serv", stdin=subprocess.PIPE)
        wait_for_port_via_stdout(proc, r"listening on IPv4", port)
        return proc, port

    def run(self, args, name, input_bytes=b"", timeout=DEFAULT_TIMEOUT):
        """Runs a reference tool to completion with the given stdin."""
        proc = self.spawn(args, name, stdin=subprocess.PIPE)
        try:
            proc.popen.stdin.write(input_bytes)
            proc.popen.stdin.close()
        except BrokenPipeError:
            pass
        proc.wait(timeout)
        return proc

    def cleanup(self):
        for proc in self.processes:
            proc.kill()

    def sanitizer_reports(self):
        """Reports of AddressSanitizer, LeakSanitizer or UBSan in our programs' stderr (the
        `make check-asan` build); empty for normal builds."""
        markers = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
        found = []
        for proc in self.processes:
            if Path(proc.args[0]).parent != Path(self.bin_dir):
                continue
            text = proc.stderr
            if any(m in text for m in markers):
                found.append(f"{proc.args[0]}:\n{text}")
        return found


def wait_for_port_via_stdout(proc, pattern, port, timeout=10.0):
    """Waits until a reference server announces itself, without connecting to it (a probe
    connection would use up -naccept)."""
    regex = re.compile(pattern, re.MULTILINE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if regex.search(proc.stdout) or regex.search(proc.stderr):
            time.sleep(0.05)
            return
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args[0]} exited early:\n{proc.stdout}\n{proc.stderr}")
        time.sleep(0.02)
    raise AssertionError(f"{proc.args[0]} did not start on port {port}:\n{proc.stdout}\n{proc.stderr}")


@pytest.fixture
def harness(bin_dir, impl, tmp_path):
    h = Harness(bin_dir, impl, tmp_path)
    yield h
    h.cleanup()
    reports = h.sanitizer_reports()
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)


def connected_fields(client):
    """The fields of tlsclient's success line; fails the test with its stderr otherwise."""
    match = re.search(r"^tlsclient: connected: (.*)$", client.stderr, re.MULTILINE)
    assert match, f"tlsclient did not connect (exit {client.returncode}):\n{client.stderr}"
    return parse_fields(match.group(1))


def accepted_fields(server, timeout=10.0):
    match = server.wait_for_stderr(r"^tlsserver: accepted: (.*)$", timeout)
    return parse_fields(match.group(1))


HRR_RANDOM = bytes.fromhex("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C")


class HandshakeSniffer(tlswire.Relay):
    """A loopback TCP relay in front of a server that reads the plaintext records the server
    sends and notes whether the first ServerHello was a HelloRetryRequest (RFC 8446 4.1.3: a
    ServerHello whose random is the fixed HRR value). Serves one connection."""

    def __init__(self, target_port):
        self.server_hellos = []  # True for each HRR, False for a real ServerHello
        super().__init__(target_port)

    @property
    def saw_hrr(self):
        return any(self.server_hellos)

    def sniff(self, side):
        return side == "server"

    def on_record(self, side, content_type, body):
        # Handshake records in the clear: type 22, message type 2 = ServerHello.
        if content_type == tlswire.HANDSHAKE and len(body) >= 38 and body[0] == tlswire.SERVER_HELLO:
            self.server_hellos.append(bytes(body[6:38]) == HRR_RANDOM)

    def close(self):
        super().close(join_timeout=5)


@pytest.fixture
def relays():
    """relays(RelayClass, port) starts a tlswire.Relay subclass in front of `port`; every relay
    started is closed when the test ends."""
    made = []

    def make(relay_class, target_port):
        relay = relay_class(target_port)
        made.append(relay)
        return relay

    yield make
    for relay in made:
        relay.close()


@pytest.fixture
def sniffer_factory(relays):
    return lambda target_port: relays(HandshakeSniffer, target_port)
