"""Runs each case of capi-tests/c/test_psk.c (external PSKs and post-handshake authentication
through the C API) as a pytest test."""

import subprocess

import pytest

from conftest import REPO_ROOT

# Kept in step with test_psk --list (checked by test_case_list_is_complete).
C_CASES = [
    "psk_session_callbacks",
    "psk_wrong_key_fails_on_the_binder",
    "psk_identity_callbacks",
    "psk12_identity_and_hint",
    "psk12_empty_identity",
    "psk_session_setters",
    "post_handshake_auth",
    "post_handshake_auth_errors",
]


@pytest.fixture(scope="module")
def test_psk(bin_dir):
    path = bin_dir / "test_psk"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_psk):
    listed = subprocess.run([test_psk, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_psk(test_psk, case):
    result = subprocess.run([test_psk, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
