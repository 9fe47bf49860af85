"""Runs each case of capi-tests/c/test_server_cb.c (the certificate callback and OpenSSL's ticket
key callback, TLS 1.2 and 1.3) as a pytest test; the same cases run against OpenSSL."""

import subprocess

import pytest

from conftest import REPO_ROOT

# Kept in step with test_server_cb --list (checked by test_case_list_is_complete).
C_CASES = [
    "cert_cb_sni_tls12",
    "cert_cb_sni_tls13",
    "cert_cb_retry_tls12",
    "cert_cb_retry_tls13",
    "cert_cb_failure_tls12",
    "cert_cb_failure_tls13",
    "cert_cb_client_tls12",
    "cert_cb_client_tls13",
    "ticket_key_cb_tls12",
    "ticket_key_cb_tls13",
    "ticket_key_cb_renew",
    "ticket_key_cb_unknown_tls12",
    "ticket_key_cb_unknown_tls13",
    "ticket_key_cb_failure_tls12",
    "ticket_key_cb_failure_tls13",
    "ticket_key_cb_shared",
    "ticket_keys_ctrl",
    "getters_nginx_uses",
    "chain_certs_of_current",
    "certificate_object_identity",
]


@pytest.fixture(scope="module")
def test_server_cb(bin_dir):
    path = bin_dir / "test_server_cb"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_server_cb):
    listed = subprocess.run([test_server_cb, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_server_cb(test_server_cb, case):
    result = subprocess.run([test_server_cb, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
