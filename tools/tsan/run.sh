#!/usr/bin/env bash
# ThreadSanitizer run of the threads test (make check-tsan).
#
# The library is rebuilt with -Zsanitizer=thread, Rust's standard library included
# (-Zbuild-std, from the rust-src component, on the stable toolchain through RUSTC_BOOTSTRAP):
# TSan must see std's futex-based Mutex and Arc operations, or every access they guard looks
# like a race. aws-lc's C is not instrumented; its pthread locks are intercepted by the runtime.
# C programs are compiled with gcc -fsanitize=thread and linked against the runtime rustc ships
# (gcc 12's libtsan lacks entry points the Rust instrumentation calls) and the static library.
#
#   tools/tsan/run.sh BUILD_DIR [THREADS CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."

out=${1:-build/tsan}
threads=${2:-8}
connections=${3:-500}
host=$(rustc -vV | sed -n 's/^host: //p')
sysroot=$(rustc --print sysroot)
if [[ ! -d $sysroot/lib/rustlib/src/rust/library ]]; then
    echo "check-tsan: the rust-src component is missing (rustup component add rust-src)" >&2
    exit 1
fi
runtime=$(ls "$sysroot"/lib/rustlib/"$host"/lib/librustc-*_rt.tsan.a 2>/dev/null | head -n 1)
if [[ -z $runtime ]]; then
    echo "check-tsan: rustc's ThreadSanitizer runtime is missing from $sysroot" >&2
    exit 1
fi

RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zsanitizer=thread" \
    cargo build --release --lib -Zbuild-std --target "$host" --target-dir target/tsan
staticlib=target/tsan/$host/release/libtls.a

mkdir -p "$out"
link() { # link NAME SOURCE...
    local name=$1
    shift
    gcc -O1 -g -fsanitize=thread -fno-omit-frame-pointer -Wall -Wextra -Werror -Icapi-tests \
        -Ibuild/include/libtls -Iinclude -c -o "$out/$name.o" "$@"
    # aws-lc's libcrypto under OpenSSL's names, as libtls.so exports it (build/lib/awslc-alias.ld,
    # written when the shared library is linked; its targets need the whole archive).
    gcc -o "$out/$name" "$out/$name.o" -Wl,--whole-archive "$runtime" "$staticlib" -Wl,--no-whole-archive \
        build/lib/awslc-alias.ld -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -lstdc++
}
link canary tools/tsan/canary.c
link test_threads capi-tests/c/test_threads.c

if TSAN_OPTIONS=exitcode=0 "$out/canary" >/dev/null 2>"$out/canary.log" &&
    grep -q "WARNING: ThreadSanitizer: data race" "$out/canary.log"; then
    echo "check-tsan: the detector reports the canary's deliberate race"
else
    echo "check-tsan: ThreadSanitizer did not report the canary's race; this build cannot be trusted" >&2
    cat "$out/canary.log" >&2
    exit 1
fi

status=0
TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1" \
    timeout 600 "$out/test_threads" "$threads" "$connections" >"$out/test_threads.log" 2>&1 || status=$?
cat "$out/test_threads.log"
if ((status != 0)) || grep -q "ThreadSanitizer" "$out/test_threads.log"; then
    echo "check-tsan: FAILED (exit $status): see the reports above" >&2
    exit 1
fi
echo "check-tsan: $threads threads x $connections connections, no ThreadSanitizer reports"
