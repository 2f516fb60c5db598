#!/usr/bin/env bash
# Benchmark: `wheelfix patchelf` against Debian's patchelf on a large shared
# library, in the same run. Measures wall time and peak RSS (/usr/bin/time -v)
# of (1) a growing edit (a longer RPATH: tables move) and (2) an in-place
# edit (a shorter RPATH: the string fits), median of N runs each, and prints
# the ratios. Not a test.
#
# Usage: bench/bench_patchelf.sh [LIBRARY] [RUNS]
#   WHEELFIX=path/to/wheelfix, or to a binary named patchelf that runs
#   patchelf_main (default: build-rewriter/wheelfix)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WHEELFIX=${WHEELFIX:-$ROOT/build-rewriter/wheelfix}
RUNS=${2:-3}
REF=$(command -v patchelf) || { echo "Debian patchelf is not installed"; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is not installed (apt-get install time)"; exit 1; }

# A binary named "patchelf" (a symlink to wheelfix) runs in patchelf mode.
if [ "$(basename "$WHEELFIX")" = patchelf ]; then WF=("$WHEELFIX"); else WF=("$WHEELFIX" patchelf); fi

lib=${1:-}
if [ -z "$lib" ]; then  # the largest shared library over 100 MB we can find
  lib=$(find /usr/local/cuda*/lib* /usr/lib/x86_64-linux-gnu /usr/local/lib -maxdepth 2 -name '*.so*' -type f \
          -size +100M -printf '%s %p\n' 2>/dev/null | sort -rn | head -1 | cut -d' ' -f2-)
fi
[ -n "$lib" ] && [ -f "$lib" ] || { echo "no library over 100 MB found; pass one"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/bench-patchelf.XXXXXX")
trap 'rm -rf "$T"' EXIT
size_mb=$(( $(stat -c %s "$lib") / 1024 / 1024 ))
echo "library: $lib (${size_mb} MB)"
echo "wheelfix: $WHEELFIX"
echo "patchelf: $REF ($("$REF" --version))"

long_rpath='$ORIGIN/../lib:$ORIGIN/../../some/long/vendored/library/path/for/the/benchmark:/opt/wheelfix/lib'

# measure <label> <file> <cmd...>: prints "seconds kilobytes"
measure() {
  local out
  out=$( { /usr/bin/time -v "$@" >/dev/null; } 2>&1 )
  local wall rss
  wall=$(echo "$out" | awk -F': ' '/Elapsed \(wall clock\)/ {print $2}')
  rss=$(echo "$out" | awk -F': ' '/Maximum resident set size/ {print $2}')
  # m:ss.ss -> seconds
  echo "$wall" | awk -F: -v rss="$rss" '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.3f %d\n", s, rss }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

run_case() {  # run_case <name> <prepare: grow|fit>
  local name=$1 mode=$2 tool
  for tool in wheelfix patchelf; do
    : > "$T/$tool.times"; : > "$T/$tool.rss"
    for _ in $(seq "$RUNS"); do
      cp --reflink=never "$lib" "$T/lib.so"
      if [ "$mode" = fit ]; then "${WF[@]}" --set-rpath "$long_rpath" "$T/lib.so"; fi
      sync "$T/lib.so"
      local before; before=$(stat -c %s "$T/lib.so")
      if [ "$tool" = wheelfix ]; then
        r=$(measure "${WF[@]}" --set-rpath "$( [ "$mode" = grow ] && echo "$long_rpath" || echo '$ORIGIN')" "$T/lib.so")
      else
        r=$(measure "$REF" --set-rpath "$( [ "$mode" = grow ] && echo "$long_rpath" || echo '$ORIGIN')" "$T/lib.so")
      fi
      echo "${r% *}" >> "$T/$tool.times"
      echo "${r#* }" >> "$T/$tool.rss"
      if [ "$tool" = wheelfix ]; then grow=$(( $(stat -c %s "$T/lib.so") - before )); else ref_grow=$(( $(stat -c %s "$T/lib.so") - before )); fi
    done
  done
  local wt wr pt pr
  wt=$(median < "$T/wheelfix.times"); wr=$(median < "$T/wheelfix.rss")
  pt=$(median < "$T/patchelf.times"); pr=$(median < "$T/patchelf.rss")
  printf '| %s | %.2f s | %.2f s | %.1fx | %d MB | %d MB | %.1fx | %+d B | %+d B |\n' "$name" "$wt" "$pt" \
    "$(awk -v a="$pt" -v b="$wt" 'BEGIN { print (b > 0 ? a / b : 0) }')" $((wr / 1024)) $((pr / 1024)) \
    "$(awk -v a="$pr" -v b="$wr" 'BEGIN { print (b > 0 ? a / b : 0) }')" "$grow" "$ref_grow"
}

echo
echo "| edit | wheelfix time | patchelf time | speed-up | wheelfix peak RSS | patchelf peak RSS | RSS ratio | wheelfix: file grew by | patchelf: file grew by |"
echo "|---|---|---|---|---|---|---|---|---|"
run_case "longer RPATH (tables move)" grow
run_case "shorter RPATH (fits in place)" fit
