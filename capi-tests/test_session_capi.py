"""Runs each case of capi-tests/c/test_session.c (sessions and resumption through the C API)
as a pytest test."""

import subprocess

import pytest

from conftest import REPO_ROOT

# Kept in step with test_session --list (checked by test_case_list_is_complete).
C_CASES = [
    "resume_tls12_ticket",
    "resume_tls12_session_id",
    "resume_tls13",
    "tls13_one_ticket_after_resumption",
    "i2d_d2i",
    "external_cache_callbacks",
    "cache_size_and_timeout",
    "shared_ticket_keys",
]
# libtls's own calls (ticket key callback, key lists); not built against OpenSSL.
LIBTLS_ONLY_CASES = ["ticket_key_callback", "explicit_key_list_rotation"]


@pytest.fixture(scope="module")
def test_session(bin_dir):
    path = bin_dir / "test_session"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_session, impl):
    listed = subprocess.run([test_session, "--list"], capture_output=True, text=True, timeout=10, check=True)
    expected = C_CASES + (LIBTLS_ONLY_CASES if impl == "libtls" else [])
    assert listed.stdout.split() == expected


@pytest.mark.parametrize("case", C_CASES + LIBTLS_ONLY_CASES)
def test_c_session(test_session, impl, case):
    if case in LIBTLS_ONLY_CASES and impl != "libtls":
        pytest.skip("a libtls-only API")
    result = subprocess.run([test_session, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
