"""Threads sharing contexts (capi-tests/c/test_threads.c): 8 threads x 500 connections over
one server SSL_CTX and one client SSL_CTX with resumption on. In `make check-asan` the same
program runs under AddressSanitizer/LeakSanitizer, and `make check-tsan` (tools/tsan/run.sh)
runs it under ThreadSanitizer with the library and Rust's std instrumented."""

import re
import subprocess

from conftest import REPO_ROOT


def test_threads_share_contexts(bin_dir):
    result = subprocess.run([bin_dir / "test_threads", "8", "500"], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"(\d+) ok, (\d+) failed, (\d+) resumed", result.stdout)
    assert match, result.stdout
    ok, failed, resumed = map(int, match.groups())
    assert (ok, failed) == (4000, 0)
    # Every connection after each thread's first resumes the previous session.
    assert resumed >= 4000 - 8, result.stdout
    assert "AddressSanitizer" not in result.stderr and "LeakSanitizer" not in result.stderr, result.stderr
