"""Finding the shared library: explicit path, LIBTLS_PATH, bundled copy, build tree, system soname."""

import os
import subprocess
import sys

import pytest
from conftest import INSTALLED, PACKAGE_ROOT, REPO_ROOT

import libtls
from libtls import _lib

BUILT = REPO_ROOT / "build" / "lib" / "libtls.so.0"


def run_python(code, **env_changes):
    env = dict(os.environ)
    env.pop("LIBTLS_PATH", None)
    env.update(env_changes)
    env["PYTHONPATH"] = str(PACKAGE_ROOT)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30)


def test_explicit_path_is_used():
    lib = libtls.load_library(str(BUILT))
    assert lib.path == str(BUILT)
    assert lib.version.startswith("libtls ")


def test_missing_explicit_path_is_an_error_naming_it(tmp_path):
    missing = tmp_path / "nope.so"
    with pytest.raises(libtls.LibraryNotFoundError, match="nope.so"):
        libtls.load_library(str(missing))


def test_a_library_that_is_not_libtls_is_refused():
    libc = "libc.so.6"
    with pytest.raises(libtls.LibraryNotFoundError, match="not libtls"):
        _lib.Library(libc)


def test_libtls_path_is_honoured(tmp_path):
    # A directory in LIBTLS_PATH means the soname inside it.
    (tmp_path / "libtls.so.0").symlink_to(BUILT)
    result = run_python("import libtls; print(libtls.lib().path)", LIBTLS_PATH=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "libtls.so.0")


def test_bad_libtls_path_is_not_skipped(tmp_path):
    result = run_python("import libtls; libtls.lib()", LIBTLS_PATH=str(tmp_path / "missing.so"))
    assert result.returncode != 0
    assert "LibraryNotFoundError" in result.stderr and "missing.so" in result.stderr


def test_build_tree_is_found_without_configuration():
    result = run_python("import libtls; print(libtls.lib().path)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(BUILT)


def test_nothing_found_lists_every_place_tried(monkeypatch, tmp_path):
    monkeypatch.delenv("LIBTLS_PATH", raising=False)
    monkeypatch.setattr(_lib, "_bundled_candidates", lambda: [])
    monkeypatch.setattr(_lib, "_build_tree_candidates", lambda: [tmp_path / "build" / "libtls.so.0"])
    monkeypatch.setattr(_lib, "SONAME", "libtls-absent.so.0")
    with pytest.raises(libtls.LibraryNotFoundError) as info:
        libtls.load_library()
    message = str(info.value)
    assert "tried" in message and str(tmp_path / "build") in message and "libtls-absent.so.0" in message


def test_libressl_libtls_is_never_a_candidate(monkeypatch):
    monkeypatch.setattr(_lib.ctypes.util, "find_library", lambda name: "libtls.so.26")
    assert all("so.26" not in path for _, path in _lib.candidate_paths())


def test_optional_function_missing_names_what_waits_on_it():
    lib = libtls.lib()
    with pytest.raises(NotImplementedError, match="SSL_no_such_function"):
        lib.require("SSL_no_such_function", "a future feature")


def test_bundled_copy_comes_after_libtls_path_and_before_the_build_tree(monkeypatch, tmp_path):
    bundled = tmp_path / "libtls.so.0"
    monkeypatch.setenv("LIBTLS_PATH", str(BUILT))
    monkeypatch.setattr(_lib, "_bundled_candidates", lambda: [bundled])
    origins = [origin for origin, _ in _lib.candidate_paths("/explicit/libtls.so.0")]
    assert origins[:3] == ["explicit path", "LIBTLS_PATH", "bundled"]
    assert origins.index("bundled") < origins.index("system")
    if "build tree" in origins:
        assert origins.index("bundled") < origins.index("build tree")


@pytest.mark.skipif(not INSTALLED, reason="tests an installed wheel (make wheel-test)")
def test_installed_wheel_loads_its_bundled_library():
    package_dir = os.path.dirname(libtls.__file__)
    assert not package_dir.startswith(str(PACKAGE_ROOT)), package_dir
    assert "LIBTLS_PATH" not in os.environ
    bundled = os.path.join(package_dir, "libtls.so.0")
    assert libtls.lib().path == bundled
    assert libtls.lib().version.startswith("libtls ")
