#!/bin/bash
# Builds the libFuzzer targets with clang + ASan + UBSan and runs each for
# FUZZ_SECONDS (default 45) on a copy of its seed corpus: tests/fuzz/corpus/
# <target>/ when it exists, else the wire Messages at the top of
# tests/fuzz/corpus. As many run at once as there are processors (FUZZ_JOBS
# overrides), so the whole run takes about ceil(targets / jobs) x FUZZ_SECONDS.
# Fails if a fuzzer finds a crash, leak, UB or a broken property (abort).
#
# The test command runs each target from a fixed seed (FUZZ_SEED, default 1)
# and for at most FUZZ_RUNS inputs (default 2,000,000): the inputs tried are
# then the same on every machine, a slower machine trying a prefix of them,
# so a result does not depend on which CI run drew which random inputs.
# Exploring further is a different run: FUZZ_SEED=0 (libFuzzer draws a seed)
# and FUZZ_RUNS=-1 (no bound), for as long as FUZZ_SECONDS allows. A failing
# input is kept in BUILD_DIR/fuzz-crashes/ and printed whole in base64.
# Usage: tests/fuzz/run.sh [BUILD_DIR] [TARGET...]
set -eu
cd "$(dirname "$0")/../.."
dir=${1:-build-fuzz}
shift || true
seconds=${FUZZ_SECONDS:-45}
seed=${FUZZ_SEED:-1}
max_runs=${FUZZ_RUNS:-2000000}
jobs=${FUZZ_JOBS:-$(nproc)}
# One target per line (tests/fuzz/meson.build has the same list).
targets=(
    decode_fuzzer
    framer_fuzzer
    from_restore_fuzzer
    trace_headers_fuzzer
    certificate_fuzzer
    smtp_reply_fuzzer
    session_fuzzer
)
[ $# -gt 0 ] && targets=("$@")
export CXX=${CXX:-clang++}
if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dcpp_args=-fno-sanitize-recover=all --werror >/dev/null
fi
ninja -C "$dir" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_one() {  # run_one NAME: fuzzes NAME, leaves NAME.log and NAME.rc in $work
    local name=$1 seeds=tests/fuzz/corpus/$1
    [ -d "$seeds" ] || seeds=tests/fuzz/corpus
    mkdir -p "$work/$name"
    find "$seeds" -maxdepth 1 -type f -exec cp {} "$work/$name/" \;
    local rc=0
    "$dir/tests/fuzz/$name" -seed="$seed" -runs="$max_runs" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$work/$name-" "$work/$name" >"$work/$name.log" 2>&1 || rc=$?
    echo "$rc" >"$work/$name.rc"
}

running=0
for name in "${targets[@]}"; do
    if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
    run_one "$name" &
    running=$((running + 1))
done
wait

status=0
for name in "${targets[@]}"; do
    if [ "$(cat "$work/$name.rc")" = 0 ]; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$name.log" | grep -o '[0-9]*$')
        echo "$name: ok, ${runs:-?} inputs (seed $seed, at most ${seconds}s and $max_runs inputs)"
    else
        echo "$name: FAILED"; tail -40 "$work/$name.log"
        mkdir -p "$dir/fuzz-crashes"
        for crash in "$work/$name"-*; do
            [ -f "$crash" ] || continue
            cp "$crash" "$dir/fuzz-crashes/"
            echo "input: $dir/fuzz-crashes/$(basename "$crash"), base64:"
            base64 -w 0 "$crash"; echo
        done
        status=1
    fi
done
exit $status
