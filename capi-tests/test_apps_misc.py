"""Runs each case of capi-tests/c/test_apps_misc.c (what socat, stunnel and mosquitto rely on:
DTLS and compression probes, SSL_CTX_set_tmp_ecdh, the UI API, OpenSSL 1.1.0's locks, calls
while a thread exits) as a pytest
test; the same source builds against OpenSSL (make test-openssl)."""

import subprocess

import pytest

from conftest import REPO_ROOT

C_CASES = [
    "dtls_methods",
    "compression_methods",
    "set_tmp_ecdh",
    "stale_error_before_handshake",
    "ui_method",
    "thread_locks",
    "error_queue_after_thread_exit",
]


@pytest.fixture(scope="module")
def test_apps_misc(bin_dir):
    path = bin_dir / "test_apps_misc"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_apps_misc):
    listed = subprocess.run([test_apps_misc, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_apps_misc(test_apps_misc, case):
    result = subprocess.run([test_apps_misc, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
