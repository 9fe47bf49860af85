"""Runs each case of capi-tests/c/test_stack.c as a pytest test: complete TLS 1.3 and TLS 1.2
connections (server and client, client certificates, resumption, HelloRetryRequest,
post-handshake authentication) with each end in a thread whose stack is 64 KiB, stunnel's
default (issue 19). The program faults on an overflow and fails a case whose peak stack use
passes 48 KiB. The C source states OpenSSL's behaviour, so the same cases pass against both
implementations."""

import subprocess

import pytest

from conftest import REPO_ROOT

# Kept in step with test_stack --list (checked by test_case_list_is_complete).
C_CASES = [
    "tls13",
    "tls13_rsa",
    "tls13_mtls",
    "tls13_resumption",
    "tls13_hrr",
    "tls13_pha",
    "tls12",
    "tls12_rsa",
    "tls12_mtls",
    "tls12_resumption",
]


@pytest.fixture(scope="module")
def test_stack(bin_dir):
    path = bin_dir / "test_stack"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_stack):
    listed = subprocess.run([test_stack, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_stack(test_stack, case):
    result = subprocess.run([test_stack, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
