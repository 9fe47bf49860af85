"""Runs each case of capi-tests/c/test_bio.c (TLS over BIOs, no sockets) as a pytest test."""

import subprocess

import pytest

from conftest import REPO_ROOT

C_CASES = [
    "mem_bio_handshake",
    "bio_pair_tiny_buffers",
    "custom_bio_method",
    "set_bio_ownership",
    "partial_write_mode",
    "ex_data",
    "quiet_shutdown",
    "unexpected_eof",
    "want_and_pending",
    "key_update",
]


@pytest.fixture(scope="module")
def test_bio(bin_dir):
    path = bin_dir / "test_bio"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_bio):
    listed = subprocess.run([test_bio, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_bio(test_bio, case):
    result = subprocess.run([test_bio, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
