#!/usr/bin/env bash
# wheelfix benchmark suite: one command. Builds wheelfix (Release, in
# build-bench), builds the input wheels under a scratch folder, measures
# show / repair / scaling against baselines in the same run (bench/bench.py),
# runs bench/bench_patchelf.sh when it exists, the torch-like and many-wheels
# cases against auditwheel (bench/bench_many.py; AUDITWHEEL_SRC, PATCHELF),
# and prints the tables.
# Not part of the test run.
#
# Usage: bench/run.sh [--keep] [--scratch DIR] [--runs N] [--jobs N] [--sizes 1,2,4]
#                     [--naive-scale] [--full-scaling] [--wheelfix PATH | --build-dir DIR]
#                     [--no-many] [--out FILE]
#   --keep         keep the scratch folder (default: $TMPDIR/wheelfix-bench, removed at the end)
#   --runs N       runs per figure, the best is reported (default 3)
#   --jobs N       threads for the parallel repair figures (default 2)
#   --sizes LIST   large wheel multiples (default 1,2,4; 1x is over 1 GB uncompressed)
#   --naive-scale  also run the (slow) naive baseline on the 2x and 4x wheels
#   --full-scaling measure -j 1 on every size (default: on 1x only)
#   --wheelfix P   use this binary instead of building build-bench/wheelfix
#   --build-dir D  build the Release binary in D (default build-bench; relative to the repo)
#   --no-many      skip bench/bench_many.py (torch-like and many-wheels cases, auditwheel)
#   --out FILE     also write the report (Markdown) to FILE
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRATCH=${TMPDIR:-/tmp}/wheelfix-bench
KEEP=0 RUNS=3 JOBS=2 SIZES=1,2,4 NAIVE_SCALE=() FULL=() WHEELFIX="" OUT="" BUILD=build-bench MANY=1
while [ $# -gt 0 ]; do
  case $1 in
    --keep) KEEP=1 ;;
    --scratch) SCRATCH=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --jobs) JOBS=$2; shift ;;
    --sizes) SIZES=$2; shift ;;
    --naive-scale) NAIVE_SCALE=(--naive-scale) ;;
    --full-scaling) FULL=(--full-scaling) ;;
    --wheelfix) WHEELFIX=$2; shift ;;
    --build-dir) BUILD=$2; shift ;;
    --no-many) MANY=0 ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

[ -x /usr/bin/time ] || { echo "run.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
if [ -z "$WHEELFIX" ]; then
  case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DWHEELFIX_WERROR=OFF >/dev/null  # GCC 12 -Wrestrict false positives at -O2
  cmake --build "$BUILD" --target wheelfix -j2 >/dev/null
  WHEELFIX=$BUILD/wheelfix
fi
WHEELFIX=$(realpath "$WHEELFIX")

# The 4x wheel and its outputs need a few GB; the naive baseline unpacks too.
avail_gb=$(df -BG --output=avail "$(dirname "$SCRATCH")" | tail -1 | tr -dc 0-9)
[ "$avail_gb" -ge 20 ] || { echo "run.sh: only ${avail_gb} GB free under $(dirname "$SCRATCH"); need 20" >&2; exit 1; }
mkdir -p "$SCRATCH"
[ "$KEEP" = 1 ] || trap 'rm -rf "$SCRATCH"' EXIT

report() {
  echo "## wheelfix benchmark, $(date -u +%Y-%m-%d)"
  echo
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), " \
       "$(free -h | awk '/^Mem:/ {print $2}') RAM; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- wheelfix: $WHEELFIX ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"
  echo "- inputs:"
  echo '```'
  python3 "$ROOT/bench/make_wheels.py" "$SCRATCH" --sizes "$SIZES" --jobs "$JOBS"
  echo '```'
  python3 "$ROOT/bench/bench.py" "$WHEELFIX" "$SCRATCH" --runs "$RUNS" --jobs "$JOBS" "${NAIVE_SCALE[@]}" "${FULL[@]}" \
    --json "$SCRATCH/results.json"
  if [ -x "$ROOT/bench/bench_patchelf.sh" ]; then
    echo
    echo "### patchelf mode vs Debian patchelf (bench/bench_patchelf.sh)"
    echo
    echo '```'
    WHEELFIX=$WHEELFIX "$ROOT/bench/bench_patchelf.sh" "" "$RUNS" 2>&1 || echo "bench_patchelf.sh failed"
    echo '```'
  fi
  if [ "$MANY" = 1 ]; then
    echo
    echo "## torch-like and many wheels vs auditwheel (bench/bench_many.py)"
    echo
    python3 "$ROOT/bench/bench_many.py" "$WHEELFIX" "$SCRATCH" --runs "$RUNS" --jobs "$JOBS" \
      --json "$SCRATCH/results-many.json" || echo "bench_many.py failed"
  fi
  echo
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

if [ -n "$OUT" ]; then report | tee "$OUT"; else report; fi
