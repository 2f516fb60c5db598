#!/usr/bin/env bash
# patchelf's own test suite (NixOS/patchelf, e.g. 0.19.0) with our binary as
# its src/patchelf, through scripts/patchelf-suite.sh. It needs a patchelf
# source tree, which CI cannot fetch: set PATCHELF_SUITE_DIR to one.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
[ -n "${PATCHELF_SUITE_DIR:-}" ] || wf_skip "PATCHELF_SUITE_DIR is not set (an unpacked NixOS/patchelf source tree; see scripts/patchelf-suite.sh)"
out=$(bash "$WHEELFIX_SOURCE_DIR/scripts/patchelf-suite.sh" "$PATCHELF_SUITE_DIR" "$WHEELFIX" 2>&1) || {
  echo "$out"
  wf_fail "patchelf's suite failed with our binary"
}
echo "$out"
grep -q '^# FAIL: *0$' <<<"$out" || wf_fail "patchelf's suite reported failures"
echo "PASS"
