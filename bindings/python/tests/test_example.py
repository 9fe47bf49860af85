"""examples/https_get.py fetches the status page of a local `tlsserver -www`."""

import os
import re
import subprocess
import sys
import time

import pytest
from conftest import PACKAGE_ROOT, REPO_ROOT, TIMEOUT, pki

EXAMPLE = PACKAGE_ROOT / "examples" / "https_get.py"


@pytest.fixture
def www_server(tlsserver_binary, tmp_path):
    def start(cert="server-ecdsa-p256", extra=()):
        stderr_path = tmp_path / f"tlsserver-{cert}.err"
        with open(stderr_path, "wb") as stderr:
            proc = subprocess.Popen(
                [str(tlsserver_binary), "-www", "-naccept", "1", "-cert", pki(f"{cert}.chain.pem"),
                 "-key", pki(f"{cert}.key"), *extra, "127.0.0.1:0"],
                cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
            )
        procs.append(proc)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            found = re.search(r"listening on 127\.0\.0\.1:(\d+)", stderr_path.read_text())
            if found:
                return int(found.group(1)), stderr_path
            if proc.poll() is not None:
                pytest.fail(f"tlsserver exited: {stderr_path.read_text()}")
            time.sleep(0.05)
        pytest.fail("tlsserver did not start listening")

    procs = []
    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(TIMEOUT)


def run_example(*args):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the example finds the package next to it
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, timeout=TIMEOUT, env=env, cwd=REPO_ROOT
    )


@pytest.mark.parametrize("version_flag, version", [("--tls1_3", "TLSv1.3"), ("--tls1_2", "TLSv1.2")])
def test_example_fetches_the_status_page(www_server, version_flag, version):
    port, server_log = www_server()
    result = run_example("--cafile", pki("root-ca.pem"), version_flag, f"https://localhost:{port}/from-python?x=1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("libtls tlsserver status page\n")
    assert "path: /from-python?x=1\n" in result.stdout
    assert f"version={version}" in result.stdout
    assert re.match(rf"https_get: HTTP 200 version={version} cipher=\S+ group=\S+$", result.stderr.strip())


def test_example_reports_a_verification_failure(www_server):
    port, _ = www_server("untrusted-localhost")
    result = run_example("--cafile", pki("root-ca.pem"), f"https://localhost:{port}/")
    assert result.returncode == 1
    assert "https_get: TLS failed: CertificateError" in result.stderr
    assert "unable to get local issuer certificate" in result.stderr
