#!/usr/bin/env bash
# Installs the dependencies (Debian 12), builds wheelfix and runs its tests.
# Stages:
#   unit      unit and end-to-end tests (ctest, build/)
#   static    the static binary (scripts/build-static.sh) and its e2e test
#   fuzz      every libFuzzer target for FUZZ_SECONDS (default 60) each, after
#             replaying the checked-in seeds and crash regressions (scripts/fuzz.sh)
#   sanitize  the whole ctest suite again under ASan + UBSan (scripts/sanitize.sh)
# Every stage runs even when an earlier one failed; the exit status is
# non-zero if any failed, and the last lines list each stage's result and
# every test that skipped something, with its reason.
#
# WHEELFIX_TEST_STAGES picks stages: default "unit" (the newcomer's run, a
# few minutes); "all" is "unit static fuzz sanitize" (what .ci/run runs).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
stages=${WHEELFIX_TEST_STAGES:-unit}
[ "$stages" = all ] && stages="unit static fuzz sanitize"
BUILD_DIR=${BUILD_DIR:-build}
results=()
failed=0
read -r -a stage_list <<<"$stages"
[ ${#stage_list[@]} -gt 0 ] || { echo "test.sh: WHEELFIX_TEST_STAGES names no stage" >&2; exit 2; }
for s in "${stage_list[@]}"; do
  case $s in
    unit | static | fuzz | sanitize) ;;
    *) echo "test.sh: unknown stage '$s' in WHEELFIX_TEST_STAGES (unit static fuzz sanitize)" >&2; exit 2 ;;
  esac
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wheelfix-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
static_log=$tmp/static-ctest

bash scripts/setup-debian.sh --tests || { echo "test.sh: installing the dependencies failed" >&2; exit 1; }
bash scripts/check-tools.sh "${stage_list[@]}" || exit 1
bash scripts/build.sh || { echo "test.sh: the build failed" >&2; exit 1; }

# run_stage NAME COMMAND...: runs it, timed, and records the outcome.
run_stage() {
  local name=$1 start rc
  shift
  echo "==== test.sh: stage $name"
  start=$(date +%s)
  (cd "$root" && "$@")
  rc=$?
  results+=("$(printf '%-9s %s (%d s)' "$name" "$([ $rc -eq 0 ] && echo passed || echo "FAILED, exit $rc")" \
    $(($(date +%s) - start)))")
  [ $rc -eq 0 ] || failed=1
}

# note_skips STAGE: keeps "test: reason" for every skip that the stage's
# ctest run wrote to $tmp/STAGE.xml (e2e scripts print "SKIP: ..." and exit
# 77; unit tests that skip a case WARN "SKIP: ..."), for the summary: ctest
# itself shows no reason.
note_skips() {
  bash scripts/skip-report.sh "$tmp/$1.xml" >"$tmp/skips-$1"
}
stage_unit() {
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" --timeout 1800 --output-junit "$tmp/unit.xml"
  local rc=$?
  note_skips unit
  return $rc
}
stage_static() {
  bash scripts/build-static.sh &&
    WHEELFIX_STATIC_BINARY="$root/${STATIC_BUILD_DIR:-build-static}/wheelfix" \
      ctest --test-dir "$BUILD_DIR" --output-on-failure -R '^e2e_test_static$' --no-tests=error |
    tee "$static_log" &&
    ! grep -q 'Skipped\|Not Run' "$static_log"
}
# A fixed seed: CI explores the same inputs in the same order each run, so a
# red fuzz stage means a change, not luck (FUZZ_SEED=0 for a random one).
stage_fuzz() { FUZZ_SEED=${FUZZ_SEED:-1} bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"; }
stage_sanitize() {
  bash scripts/sanitize.sh --output-junit "$tmp/sanitize.xml"
  local rc=$?
  note_skips sanitize
  return $rc
}

for s in "${stage_list[@]}"; do run_stage "$s" "stage_$s"; done

echo "==== test.sh: summary"
printf '  %s\n' "${results[@]}"
for s in "${stage_list[@]}"; do
  [ -s "$tmp/skips-$s" ] || continue
  echo "  skipped in stage $s:"
  sed 's/^/    /' "$tmp/skips-$s"
done
exit $failed
