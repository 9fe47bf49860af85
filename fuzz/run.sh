#!/usr/bin/env bash
# Builds and runs the libFuzzer targets on the stable toolchain.
#
#   fuzz/run.sh build                 build every target
#   fuzz/run.sh smoke [SECONDS]       replay corpora and regressions, then fuzz each target
#                                     for SECONDS (default 6); fails on any crash
#   fuzz/run.sh run TARGET [SECONDS]  fuzz one target (default: until stopped), growing
#                                     fuzz/work/TARGET; crashes land in fuzz/artifacts/TARGET
#   fuzz/run.sh all [SECONDS]         fuzz every target in turn (default 600 s each)
#
# The flags are those `cargo fuzz` uses (SanitizerCoverage for libFuzzer, --cfg fuzzing, debug
# assertions and overflow checks, AddressSanitizer); RUSTC_BOOTSTRAP=1 lets the stable
# compiler accept -Zsanitizer, so no nightly toolchain is needed. FUZZ_SANITIZER=none builds
# without ASan. `cargo fuzz run TARGET` works as well where cargo-fuzz is installed.
set -euo pipefail

cd "$(dirname "$0")"
FUZZ_DIR=$PWD
TARGETS=(record handshake_messages client server pem_der config_strings differential session)
HOST=$(rustc -vV | sed -n 's/^host: //p')
SANITIZER=${FUZZ_SANITIZER:-address}

build() {
    local flags="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
    flags+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters"
    flags+=" -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares"
    flags+=" --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
    if [[ $SANITIZER != none ]]; then
        flags+=" -Zsanitizer=$SANITIZER"
    fi
    # --target keeps the flags off build scripts and proc macros, as cargo fuzz does.
    RUSTC_BOOTSTRAP=1 RUSTFLAGS="$flags" cargo build --release --target "$HOST" --bins
}

bin() {
    echo "$FUZZ_DIR/target/$HOST/release/$1"
}

# libFuzzer options shared by every run: bounded memory and time per input.
run_target() {
    local target=$1
    shift
    mkdir -p "work/$target" "artifacts/$target" "corpus/$target" "regressions/$target"
    "$(bin "$target")" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 \
        -artifact_prefix="artifacts/$target/" "$@" \
        "work/$target" "corpus/$target" "regressions/$target"
}

cmd=${1:-smoke}
case $cmd in
build)
    build
    ;;
smoke)
    seconds=${2:-6}
    build
    for t in "${TARGETS[@]}"; do
        echo "fuzz-smoke: $t (${seconds}s)"
        log=$(mktemp)
        if ! run_target "$t" -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
            tail -n 60 "$log" >&2
            echo "fuzz-smoke: $t FAILED; the input is in fuzz/artifacts/$t/" >&2
            rm -f "$log"
            exit 1
        fi
        grep -E '^stat::number_of_executed_units|^Done' "$log" | tr '\n' ' '
        echo
        rm -f "$log"
    done
    echo "fuzz-smoke: ${#TARGETS[@]} passed, 0 failed"
    ;;
run)
    target=${2:?usage: run.sh run TARGET [SECONDS]}
    build
    if [[ -n ${3:-} ]]; then
        run_target "$target" -max_total_time="$3"
    else
        run_target "$target"
    fi
    ;;
all)
    seconds=${2:-600}
    build
    for t in "${TARGETS[@]}"; do
        run_target "$t" -max_total_time="$seconds"
    done
    ;;
*)
    sed -n '2,13p' "$0" >&2
    exit 2
    ;;
esac
