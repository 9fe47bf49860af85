"""make test's self-setup (issue 17): tools/setup.sh names the exact command when it cannot
install a missing tool, and tools/test-summary.py counts the tests skipped for a missing tool.

Run once, in the plain libtls run of `make test-c`."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

SETUP = REPO_ROOT / "tools" / "setup.sh"
SUMMARY = REPO_ROOT / "tools" / "test-summary.py"


@pytest.fixture(autouse=True)
def once(impl, bin_dir):
    if impl != "libtls" or "asan" in Path(bin_dir).parts:
        pytest.skip("setup tests run once, in the plain libtls build (make test-c)")


def path_without(tmp_path, missing, uid):
    """A PATH holding every tool setup.sh looks for except `missing`, and an `id` saying `uid`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "cc", "c++", "make", "readelf", "objdump", "nm", "pkg-config", "openssl",
                 "gnutls-cli", "gnutls-serv", "python3", "rustc", "apt-get", "nghttpd"):
        # python3: this interpreter itself (a PATH shim such as pyenv's needs its own PATH).
        found = sys.executable if tool == "python3" else shutil.which(tool)
        if tool not in missing and found:
            (bin_dir / tool).symlink_to(found)
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (bin_dir / "id").chmod(0o755)
    return str(bin_dir)


@pytest.mark.skipif(not Path("/etc/debian_version").exists(), reason="the message names apt-get on Debian")
def test_missing_tool_without_root_stops_with_one_line_naming_the_command(tmp_path):
    env = dict(os.environ, PATH=path_without(tmp_path, {"gnutls-cli", "gnutls-serv"}, 1000))
    result = subprocess.run(["bash", str(SETUP), "test"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "setup: missing gnutls-bin; run: sudo apt-get install -y --no-install-recommends gnutls-bin"
    ]


def test_nothing_missing_installs_nothing(tmp_path):
    for tool in ("cc", "c++", "make", "readelf", "objdump", "nm", "pkg-config", "openssl", "gnutls-cli",
                 "gnutls-serv", "python3", "rustc", "nghttpd"):
        if shutil.which(tool) is None:
            pytest.skip(f"missing tool: {tool} is not installed")
    env = dict(os.environ, PATH=path_without(tmp_path, set(), 1000))
    result = subprocess.run(["bash", str(SETUP), "test"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "installing" not in result.stdout


def test_summary_counts_tests_skipped_for_a_missing_tool(tmp_path):
    tally = tmp_path / "tally.jsonl"
    runs = [
        {"run": "a", "passed": 10, "failed": 0, "skipped": 3, "missing_tools": {"gnutls-cli": 2}},
        {"run": "b", "passed": 5, "failed": 0, "skipped": 1, "missing_tools": {"gnutls-cli": 1, "openssl": 1}},
    ]
    tally.write_text("".join(json.dumps(r) + "\n" for r in runs))
    result = subprocess.run([sys.executable, str(SUMMARY), str(tally)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "make test: 4 tests skipped for a missing tool (gnutls-cli: 3, openssl: 1)"
    assert lines[-1] == "pytest: 15 passed, 0 failed, 4 skipped"
