"""The C example in README.md compiles against the build under test."""

import re
import subprocess

from conftest import REPO_ROOT


def test_readme_c_example_compiles(impl, tmp_path):
    readme = (REPO_ROOT / "README.md").read_text()
    example = re.search(r"```c\n(.*?)```", readme, re.DOTALL)
    assert example, "README.md has no C example"
    source = tmp_path / "example.c"
    source.write_text(example.group(1).replace("#include <libtls.h>", '#include "compat.h"'))
    flags = (["-DLIBTLS_TEST_OPENSSL"] if impl == "openssl"
             else ["-I", str(REPO_ROOT / "build" / "include" / "libtls"), "-I", str(REPO_ROOT / "include")])
    result = subprocess.run(
        ["cc", "-Wall", "-Wextra", "-Werror", "-c", "-I", str(REPO_ROOT / "capi-tests"), *flags,
         str(source), "-o", str(tmp_path / "example.o")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
