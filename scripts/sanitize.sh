#!/usr/bin/env bash
# Builds wheelfix and its whole test suite with AddressSanitizer +
# UndefinedBehaviorSanitizer in a separate build folder (default build-asan)
# and runs every ctest test (unit and end-to-end, plus the fuzz corpus and
# crash regressions through fuzz/replay_main.cpp) with leak detection on and
# UBSan fatal.  Any sanitizer report makes the run fail.
#
#   scripts/sanitize.sh [CTEST ARGS...]      e.g. scripts/sanitize.sh -R unit_
#
# Environment: ASAN_BUILD_DIR (build folder), JOBS (build and ctest
# parallelism, default nproc), CC/CXX (compiler, default the system's).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${ASAN_BUILD_DIR:-build-asan}
JOBS=${JOBS:-$(nproc)}
SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"

# No -Werror here: warnings are the normal build's job, and sanitizer
# instrumentation changes what GCC warns about.
start=$(date +%s)
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Debug -DWHEELFIX_WERROR=OFF -DWHEELFIX_FUZZ=ON \
  -DCMAKE_C_FLAGS="$SAN_FLAGS" -DCMAKE_CXX_FLAGS="$SAN_FLAGS" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS"
built=$(date +%s)

# halt_on_error: a UBSan report is a failure, not a warning.  The
# suppressions-free run must stay clean; fix the code rather than add one.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
# Tests that measure memory (test_faults.sh) read this to know RSS is ASan's.
export WHEELFIX_SANITIZED=address,undefined
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# Tests that build and run Python extensions or system tools load
# uninstrumented code; only our own binaries carry the runtime (no
# LD_PRELOAD), so those programs are unaffected.
# Every sanitizer report also goes to a file: a test that only checks for a
# non-zero exit (an error path) would otherwise not notice a leak report
# (LeakSanitizer exits 23), and reports of processes whose stderr a test
# swallows would be lost.  Any file there fails the run.
SAN_LOGS=$(cd "$BUILD_DIR" && pwd)/sanitizer-logs
rm -rf "$SAN_LOGS" && mkdir -p "$SAN_LOGS"
export ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$SAN_LOGS/asan"
export UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$SAN_LOGS/ubsan"
cd "$BUILD_DIR"
rc=0
ctest --output-on-failure -j"$JOBS" --timeout 3600 "$@" || rc=$?
if [ -n "$(ls -A "$SAN_LOGS")" ]; then
  echo "sanitize.sh: sanitizer reports in $SAN_LOGS:" >&2
  for f in "$SAN_LOGS"/*; do
    echo "---- $f" >&2
    head -n 60 "$f" >&2
  done
  [ "$rc" -ne 0 ] || rc=1
fi
end=$(date +%s)
echo "sanitize.sh: build $((built - start)) s, tests $((end - built)) s, exit $rc"
exit $rc
