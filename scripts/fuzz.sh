#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/fuzz_*.cpp) with clang and
# -fsanitize=fuzzer,address,undefined in build-fuzz, replays the checked-in
# crash regressions and seed corpus of each target, then fuzzes each target
# for a bounded time.  Exits non-zero on any crash, leak, sanitizer report,
# timeout or out-of-memory; the input is kept under
# build-fuzz/artifacts/<target>/ (add it to fuzz/regressions/<target>/ once
# fixed).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]    default 60 s, every target
#
# Targets: elf_reader elf_rewriter zip_reader wheel_metadata policy.
# Environment: FUZZ_BUILD_DIR (default build-fuzz), CC/CXX (default clang),
# FUZZ_ARGS (extra libFuzzer flags, e.g. "-jobs=2"), FUZZ_SEED (libFuzzer's -seed;
# default 0 = random; test.sh sets 1 so a CI run explores the same inputs).  New corpus entries go
# to build-fuzz/corpus/<target>/, never into the checked-in seed folder.
# WHEELFIX_FUZZ_STRICT=1: the rewriter target also stops on the rewriter's
# read-back errors (a layout its reader would refuse, caught before output).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
SECONDS_PER_TARGET=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(elf_reader elf_rewriter zip_reader wheel_metadata policy)

export CC=${CC:-clang} CXX=${CXX:-clang++}
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1 -g"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=None -DWHEELFIX_FUZZ=ON -DWHEELFIX_TESTS=OFF \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
failed=()
for t in "${targets[@]}"; do
  bin="$BUILD_DIR/fuzz/fuzz_$t"
  art="$BUILD_DIR/artifacts/$t"
  work="$BUILD_DIR/corpus/$t"
  mkdir -p "$art" "$work"
  # 1. Known crashes and the seeds must all pass as they are.
  replay=("$root/fuzz/corpus/$t")
  [ -d "$root/fuzz/regressions/$t" ] && replay+=("$root/fuzz/regressions/$t")
  if ! "$bin" -runs=0 "${replay[@]}" >"$art/replay.log" 2>&1; then
    tail -40 "$art/replay.log" >&2
    echo "fuzz.sh: $t: replaying the seeds/regressions failed (log: $art/replay.log)" >&2
    failed+=("$t")
    continue
  fi
  # 2. Bounded fuzzing from the seeds plus what earlier runs found.
  echo "fuzz.sh: $t: fuzzing for ${SECONDS_PER_TARGET}s"
  # shellcheck disable=SC2086
  if ! "$bin" -max_total_time="$SECONDS_PER_TARGET" -seed="${FUZZ_SEED:-0}" -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$art/" ${FUZZ_ARGS:-} \
    "$work" "$root/fuzz/corpus/$t" >"$art/fuzz.log" 2>&1; then
    tail -60 "$art/fuzz.log" >&2
    echo "fuzz.sh: $t: crash; input in $art/ (log: $art/fuzz.log)" >&2
    failed+=("$t")
    continue
  fi
  grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$art/fuzz.log" |
    sed "s/^/fuzz.sh: $t: /"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: all targets clean (${SECONDS_PER_TARGET}s each)"
