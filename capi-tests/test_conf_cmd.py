"""Runs each case of capi-tests/c/test_conf_cmd.c (what stunnel relies on: the SSL_CONF API,
SSL_CTX_get_ciphers and SSL_CIPHER_description, the security level, SSL_SESSION ex_data, CA name
lists from files and directories, EVP_set_pw_prompt, SSL_get_server_tmp_key) as a pytest test; the same source builds
against OpenSSL (make test-openssl)."""

import subprocess

import pytest

from conftest import REPO_ROOT

C_CASES = [
    "conf_server_file_commands",
    "conf_return_values",
    "ctx_ciphers",
    "security_level",
    "session_ex_data",
    "cert_subjects",
    "pw_prompt",
    "server_tmp_key",
]


@pytest.fixture(scope="module")
def test_conf_cmd(bin_dir):
    path = bin_dir / "test_conf_cmd"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it first")
    return path


def test_case_list_is_complete(test_conf_cmd):
    listed = subprocess.run([test_conf_cmd, "--list"], capture_output=True, text=True, timeout=10, check=True)
    assert listed.stdout.split() == C_CASES


@pytest.mark.parametrize("case", C_CASES)
def test_c_apps_misc(test_conf_cmd, case):
    result = subprocess.run([test_conf_cmd, case], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok {case}" in result.stdout
