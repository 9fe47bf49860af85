"""Runs each case of capi-tests/c/test_apps.c (what real OpenSSL programs rely on: read-ahead,
OpenSSL 1.0 spellings, SSL_ctrl commands) as a pytest test; the same source builds against
OpenSSL (make test-openssl)."""

import subprocess

import pytest

from conftest import REPO_ROOT

C_CASES = [
    "read_ahead_off_by_default",
    "read_ahead_on",
    "read_ahead_per_ssl",
    "openssl10_spellings_tls12",
    "openssl10_spellings_tls13",
    "ctrl_commands",
    "extra_chain_cert",
    "extra_chain_cert_needed",
    "default_passwd_cb",
    "per_connection_cert_and_ciphers",
]


@pytest.fixture(scope="module")
def test_apps(bin_dir):
    path = bin_dir / "test_apps"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_apps):
    listed = subprocess.run([test_apps, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_apps(test_apps, case):
    result = subprocess.run([test_apps, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
