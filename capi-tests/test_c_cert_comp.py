"""Runs each case of capi-tests/c/test_cert_comp.c (certificate compression through OpenSSL
3.2's API, in-memory handshakes) as a pytest test."""

import subprocess

import pytest

from conftest import REPO_ROOT

C_CASES = [
    "preference_rules",
    "both_certificates_compressed",
    "option_bits",
    "precompressed_certificates",
]


@pytest.fixture(scope="module")
def test_cert_comp(bin_dir, impl):
    if impl != "libtls":
        pytest.skip("the reference OpenSSL 3.0 has no certificate compression")
    path = bin_dir / "test_cert_comp"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_cert_comp):
    listed = subprocess.run([test_cert_comp, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_cert_comp(test_cert_comp, case):
    result = subprocess.run([test_cert_comp, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
