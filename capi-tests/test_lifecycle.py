"""Runs each case of capi-tests/c/test_lifecycle.c (SSL_get_state and the state strings through
a handshake, SSL_shutdown in both orders with data in flight) as a pytest test. The C source
states OpenSSL's behaviour, so the same cases pass against both implementations."""

import subprocess

import pytest

from conftest import REPO_ROOT

# Kept in step with test_lifecycle --list (checked by test_case_list_is_complete).
C_CASES = [
    "states_tls12",
    "states_tls13",
    "we_close_first_tls12",
    "we_close_first_tls13",
    "peer_closes_first_tls12",
    "peer_closes_first_tls13",
    "peer_close_not_yet_read_tls12",
    "peer_close_not_yet_read_tls13",
    "data_in_flight_when_we_close_tls12",
    "data_in_flight_when_we_close_tls13",
]


@pytest.fixture(scope="module")
def test_lifecycle(bin_dir):
    path = bin_dir / "test_lifecycle"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_lifecycle):
    listed = subprocess.run([test_lifecycle, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_lifecycle(test_lifecycle, case):
    result = subprocess.run([test_lifecycle, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
