"""Runs each case of capi-tests/c/test_reentry.c (callbacks that free or drive the SSL they
were given: SSL_free deferred, SSL_read/SSL_write/SSL_do_handshake/SSL_shutdown/SSL_clear/
SSL_key_update refused) as a pytest test. libtls only: in OpenSSL these calls are use after
free or undefined behaviour. Under make check-asan any use of a freed SSL fails the case."""

import subprocess

import pytest

from conftest import REPO_ROOT

# Kept in step with test_reentry --list (checked by test_case_list_is_complete).
C_CASES = [
    "free_from_info_callback",
    "free_from_msg_callback",
    "free_from_keylog_callback",
    "free_from_verify_callback",
    "free_from_servername_callback",
    "free_from_alpn_callback",
    "free_from_new_session_callback",
    "free_from_cert_callback",
    "driving_calls_from_callbacks_are_refused",
    "calls_after_the_callback_work",
]


@pytest.fixture(scope="module")
def test_reentry(bin_dir, impl):
    if impl != "libtls":
        pytest.skip("libtls-only behaviour: OpenSSL leaves these calls undefined")
    path = bin_dir / "test_reentry"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_reentry):
    listed = subprocess.run([test_reentry, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_reentry(test_reentry, case):
    result = subprocess.run([test_reentry, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
