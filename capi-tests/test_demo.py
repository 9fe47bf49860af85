"""`make demo` (or `make demo-openssl` for the reference build) shows the negotiated line."""

import re
import subprocess

from conftest import REPO_ROOT


def test_make_demo(bin_dir, impl):
    target = "demo" if impl == "libtls" else "demo-openssl"
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", target], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(
        r'^tlsclient: connected: version=TLSv1\.3 cipher=\S+ group=\S+ peer="/CN=localhost" verify=ok alpn=none$',
        result.stdout,
        re.MULTILINE,
    ), result.stdout
    assert "libtls tlsserver status page" in result.stdout
