#!/bin/bash
# Builds the libFuzzer targets with clang + ASan + UBSan and runs each for
# FUZZ_SECONDS on a copy of the checked-in seed corpus (tests/fuzz/corpus),
# both at once. Fails if a fuzzer finds a crash, leak or UB.
# Usage: tests/fuzz/run.sh BUILD_DIR
set -eu
cd "$(dirname "$0")/../.."
dir=${1:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
export CXX=${CXX:-clang++}
if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dcpp_args=-fno-sanitize-recover=all --werror >/dev/null
fi
ninja -C "$dir" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pids=()
for name in decode_fuzzer framer_fuzzer session_fuzzer; do
    mkdir -p "$work/$name"
    cp tests/fuzz/corpus/* "$work/$name/"
    "$dir/tests/fuzz/$name" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$work/$name-" "$work/$name" >"$work/$name.log" 2>&1 &
    pids+=($!)
done
status=0
i=0
for name in decode_fuzzer framer_fuzzer session_fuzzer; do
    if wait "${pids[$i]}"; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$name.log" | grep -o '[0-9]*$')
        echo "$name: ok, ${runs:-?} inputs in ${seconds}s"
    else
        echo "$name: FAILED"; tail -40 "$work/$name.log"
        for crash in "$work/$name"-*; do [ -f "$crash" ] && { echo "input: $(basename "$crash")"; od -A x -t x1z "$crash" | head -20; }; done
        status=1
    fi
    i=$((i + 1))
done
exit $status
