"""Runs each case of capi-tests/c/test_config.c (options, version bounds, sigalgs lists and
client-authentication sigalgs lists, Finished copies and EMS support, ALPN, server name callback
with a context switch or verify settings, server cipher preference, peer signature NIDs, context settings copied at SSL_new) as a
pytest test."""

import subprocess

import pytest

from conftest import REPO_ROOT

C_CASES = [
    "options",
    "proto_version_bounds",
    "version_mismatch",
    "sigalgs_lists",
    "client_sigalgs_lists",
    "finished_and_extms",
    "peer_signature_ecdsa",
    "alpn",
    "select_next_proto",
    "servername_switch",
    "servername_set_verify",
    "server_cipher_preference",
    "getter_strings_are_stable",
    "ctx_settings_after_new",
]


@pytest.fixture(scope="module")
def test_config(bin_dir):
    path = bin_dir / "test_config"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_config):
    listed = subprocess.run([test_config, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_config(test_config, case):
    result = subprocess.run([test_config, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
