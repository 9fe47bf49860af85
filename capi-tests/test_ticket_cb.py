"""Runs each case of capi-tests/c/test_ticket_cb.c (session ticket application data:
SSL_CTX_set_session_ticket_cb, SSL_SESSION_set1_ticket_appdata, TLS 1.2 and 1.3) as a pytest
test; the same cases run against OpenSSL."""

import subprocess

import pytest

from conftest import REPO_ROOT

# Kept in step with test_ticket_cb --list (checked by test_case_list_is_complete).
C_CASES = [
    "appdata_tls12",
    "appdata_tls13",
    "empty_ticket_tls12",
    "ignore_tls12",
    "ignore_renew_tls12",
    "use_renew_tls12",
    "ignore_tls13",
    "ignore_renew_tls13",
    "use_tls13",
    "use_renew_tls13",
    "abort_tls12",
    "abort_tls13",
    "no_decrypt_tls12",
    "no_decrypt_tls13",
    "generate_failure_tls12",
    "generate_failure_tls13",
    "second_ticket_carries_data_tls13",
    "set_get_appdata",
]


@pytest.fixture(scope="module")
def test_ticket_cb(bin_dir):
    path = bin_dir / "test_ticket_cb"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_ticket_cb):
    listed = subprocess.run([test_ticket_cb, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_ticket_cb(test_ticket_cb, case):
    result = subprocess.run([test_ticket_cb, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
