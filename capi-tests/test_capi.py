"""Runs each case of the C API test program (capi-tests/c/test_api.c) as its own pytest test."""

import subprocess

import pytest

from conftest import REPO_ROOT

# Kept in step with test_api --list (checked by test_case_list_is_complete).
C_CASES = [
    "ctx_refcount",
    "load_pkcs8_keys",
    "load_legacy_keys",
    "key_mismatch_rejected",
    "missing_files_fail",
    "config_setters",
    "strings_and_constants",
    "round_trip_tls13_ecdsa",
    "round_trip_tls13_ed25519",
    "round_trip_tls12_rsa",
    "round_trip_tls12_ecdsa",
    "hostname_mismatch",
    "unknown_ca",
    "expired",
    "not_yet_valid",
    "version_mismatch",
    "no_shared_suite",
    "max_cert_list",
]


@pytest.fixture(scope="module")
def test_api(bin_dir):
    path = bin_dir / "test_api"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_api):
    listed = subprocess.run([test_api, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_api(test_api, case):
    result = subprocess.run([test_api, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
