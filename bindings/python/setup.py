"""The wheel carries libtls.so.0 (issue 17): setuptools' build_py copies the shared library into
the package (libtls/libtls.so.0), and the distribution says it has a binary part so the wheel is
tagged for the platform (py3-none-linux_<arch>; `make wheel` then has auditwheel give it its
manylinux tag). The modules are plain Python over ctypes, so one wheel serves every Python 3.

The library comes from $LIBTLS_SO when set (a built libtls.so.0), else from the source tree this
package sits in (../../build/lib/libtls.so.0), which is built with `make lib` when missing."""

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = Path(__file__).resolve().parent
SONAME = "libtls.so.0"


def library():
    explicit = os.environ.get("LIBTLS_SO")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise SystemExit(f"LIBTLS_SO={explicit} is not a file")
        return path
    root = HERE.parent.parent
    built = root / "build" / "lib" / SONAME
    if not built.exists() and (root / "Makefile").exists() and (root / "Cargo.toml").exists():
        subprocess.run(["make", "-C", str(root), "lib"], check=True)
    if not built.exists():
        raise SystemExit(f"no {SONAME} to bundle: set LIBTLS_SO or build the library ({built})")
    return built


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "libtls" / SONAME
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(library().resolve(), target)  # the file itself, not the soname link
        target.chmod(0o755)
        # Cargo's release profile keeps debug info (28 MB); the installed copy needs none.
        if shutil.which("strip"):
            subprocess.run(["strip", "--strip-debug", str(target)], check=True)


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


class PlatformWheel(bdist_wheel):
    def get_tag(self):
        _python, _abi, platform = super().get_tag()
        return "py3", "none", platform


setup(distclass=BinaryDistribution, cmdclass={"build_py": BuildWithLibrary, "bdist_wheel": PlatformWheel})
