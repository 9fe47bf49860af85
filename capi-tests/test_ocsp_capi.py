"""Runs each case of capi-tests/c/test_ocsp.c (OCSP stapling through the C API: the status
callback in both roles, the status type, the response buffer) as a pytest test."""

import subprocess

import pytest

from conftest import REPO_ROOT

# Kept in step with test_ocsp --list (checked by test_case_list_is_complete).
C_CASES = [
    "stapled_tls12",
    "stapled_tls13",
    "not_requested",
    "server_declines",
    "client_rejects",
    "server_fails",
    "getters",
]


@pytest.fixture(scope="module")
def test_ocsp(bin_dir):
    path = bin_dir / "test_ocsp"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_ocsp):
    listed = subprocess.run([test_ocsp, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_ocsp(test_ocsp, case):
    result = subprocess.run([test_ocsp, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
