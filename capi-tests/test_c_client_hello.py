"""Runs each case of capi-tests/c/test_client_hello.c (SSL_CTX_set_client_hello_cb: the
ClientHello's fields and extensions seen before the servername callback, failing with the
callback's alert, SSL_CLIENT_HELLO_RETRY and SSL_ERROR_WANT_CLIENT_HELLO_CB) as a pytest test.
The C source states OpenSSL's behaviour, so the same cases pass against both implementations;
one case (driving the SSL from its own callback, undefined in OpenSSL) is libtls's only."""

import subprocess

import pytest

from conftest import REPO_ROOT

# Kept in step with test_client_hello --list (checked by test_case_list_is_complete).
C_CASES = ["inspect_tls12", "inspect_tls13", "fail_with_alert", "retry_tls12", "retry_tls13"]
LIBTLS_ONLY = ["driving_from_the_callback_is_refused"]


@pytest.fixture(scope="module")
def test_client_hello(bin_dir):
    path = bin_dir / "test_client_hello"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_client_hello, impl):
    listed = subprocess.run([test_client_hello, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES + (LIBTLS_ONLY if impl == "libtls" else [])


@pytest.mark.parametrize("case", C_CASES + LIBTLS_ONLY)
def test_c_client_hello(test_client_hello, impl, case):
    if case in LIBTLS_ONLY and impl != "libtls":
        pytest.skip("libtls-only behaviour: OpenSSL leaves it undefined")
    result = subprocess.run([test_client_hello, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
