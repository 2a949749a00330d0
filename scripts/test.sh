#!/bin/bash
# The project's test command (see README): installs what is missing, builds
# with warnings as errors, runs every test suite, runs the unit tests again
# under ASan+UBSan, then each fuzzer for a bounded time on its seed corpus.
# The steps in between check the layout (clang-format) and run clang-tidy.
# Exits non-zero when anything fails; ends with "tests: N passed, N failed".
set -u
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-45}  # per target; tests/fuzz/run.sh runs several at once
# Sanitizer findings fail the run (UBSan only prints by default).
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1

scripts/install-deps.sh || { echo "tests: 0 passed, 1 failed"; exit 1; }

passed=0
failed=0
step() {  # step NAME COMMAND...
    local name=$1; shift
    echo "==> $name"
    if "$@"; then
        passed=$((passed + 1)); echo "==> $name: ok"
    else
        failed=$((failed + 1)); echo "==> $name: FAILED"
    fi
}

configure() {  # configure DIR MESON-ARGS...
    local dir=$1; shift
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" "$@" >/dev/null
    else
        meson setup "$dir" "$@" >/dev/null
    fi
}

build_and_test() {  # build_and_test DIR SUITE-ARGS -- MESON-ARGS...
    local dir=$1; shift
    local suites=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do suites+=("$1"); shift; done
    shift
    configure "$dir" --werror "$@" &&
        ninja -C "$dir" &&
        meson test -C "$dir" --print-errorlogs --num-processes 2 "${suites[@]}"
}

step "build and test (all suites)" build_and_test build --
# The layout .clang-format gives, and the clang-tidy checks of .clang-tidy
# over the compile database of the build above (both clang 14, Debian 12).
step "format (scripts/format.sh --check)" scripts/format.sh --check
step "clang-tidy (scripts/tidy.sh)" scripts/tidy.sh build
# GCC 12 reports false -Wmaybe-uninitialized inside std::regex and Catch2,
# and a false -Wrestrict inside std::string's assignment from a literal
# (a memcpy "of 2^63 bytes"), when sanitizers instrument the code; those two
# warnings are not errors there. The normal build keeps both.
step "unit tests under ASan+UBSan" build_and_test build-asan --suite unit -- \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbench=false \
    -Dcpp_args="-Wno-maybe-uninitialized -Wno-restrict"
step "fuzzers (${FUZZ_SECONDS}s each)" env CXX=clang++ FUZZ_SECONDS="$FUZZ_SECONDS" \
    tests/fuzz/run.sh build-fuzz

# CI keeps only the tail of the output: name what failed once more here,
# with the end of each failing test's output.
summarise_failures() {  # summarise_failures DIR
    local log=$1/meson-logs/testlog.json
    [ -f "$log" ] || return 0
    python3 - "$log" <<'PY'
import json, sys
for line in open(sys.argv[1], errors="replace"):
    try:
        t = json.loads(line)
    except ValueError:
        continue
    if t.get("result") in ("OK", "EXPECTEDFAIL", "SKIP"):
        continue
    print(f"==> FAILED: {t['name']} ({t['result']}, {t.get('duration', 0):.0f}s); end of its output:")
    out = (t.get("stdout") or "") + (t.get("stderr") or "")
    for l in out.splitlines()[-40:]:
        print("    " + l)
PY
}
if [ "$failed" -ne 0 ]; then
    summarise_failures build
    summarise_failures build-asan
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
