"""Runs each case of capi-tests/c/test_diag.c (alerts, info/msg/keylog callbacks, the error
queue and the handshake-failure diagnosis, both ends in one process) as a pytest test."""

import subprocess

import pytest

from conftest import REPO_ROOT

C_CASES = [
    "alert_strings",
    "info_callback_order_tls13",
    "info_callback_order_tls12",
    "msg_callback",
    "keylog",
    "alerts_no_common_version",
    "alerts_no_common_suite",
    "alerts_certificate_expired",
    "alerts_certificate_not_yet_valid",
    "alerts_name_mismatch",
    "alerts_unknown_issuer",
    "alerts_client_certificate_required",
    "eof_before_server_hello",
    "syscall_error_keeps_errno",
    "error_queue_marks",
]


@pytest.fixture(scope="module")
def test_diag(bin_dir):
    path = bin_dir / "test_diag"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_diag):
    listed = subprocess.run([test_diag, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_diag(test_diag, case):
    result = subprocess.run([test_diag, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
