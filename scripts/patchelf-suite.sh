#!/usr/bin/env bash
# Runs patchelf's own test suite against wheelfix's patchelf mode.
#
# Usage: scripts/patchelf-suite.sh PATCHELF_SOURCE_DIR [WHEELFIX_BINARY]
#
# PATCHELF_SOURCE_DIR is an unpacked NixOS/patchelf tree (e.g.
# `git -C <mirror> archive 0.19.0 | tar -x -C DIR`); it is built with
# autotools (Debian: autoconf automake libtool) if not built yet, its
# src/patchelf is replaced by a copy of wheelfix (so argv[0] is patchelf),
# and `make -C tests check` runs. The real patchelf is kept as
# src/patchelf.real. Prints the suite's summary; exits with its status.
# Nothing of patchelf's is copied into this project (GPL): it is run from
# outside. CI cannot fetch the tree, so the test stage runs this only when
# PATCHELF_SUITE_DIR names such a folder.
set -euo pipefail
src=${1:?usage: $0 PATCHELF_SOURCE_DIR [WHEELFIX_BINARY]}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${2:-$here/build/wheelfix}
[ -x "$bin" ] || { echo "patchelf-suite: $bin is not an executable (build first)" >&2; exit 2; }
[ -f "$src/configure.ac" ] && [ -d "$src/tests" ] || { echo "patchelf-suite: $src is not a patchelf source tree" >&2; exit 2; }
cd "$src"
if [ ! -x src/patchelf.real ]; then
  for t in autoreconf automake libtoolize make gcc g++; do
    command -v "$t" >/dev/null || { echo "patchelf-suite: $t is needed (apt-get install autoconf automake libtool make g++)" >&2; exit 2; }
  done
  [ -f configure ] || ./bootstrap.sh >/dev/null
  [ -f Makefile ] || ./configure >/dev/null
  make -j"$(nproc)" >/dev/null
  cp src/patchelf src/patchelf.real
fi
cp "$bin" src/patchelf
touch src/patchelf  # newer than its sources: make keeps it
status=0
make -C tests check -j"$(nproc)" >tests/wheelfix-suite.log 2>&1 || status=$?
grep -E '^(FAIL|ERROR|XPASS):|^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' tests/wheelfix-suite.log || true
echo "patchelf-suite: log in $src/tests/wheelfix-suite.log (one log per test in $src/tests/*.log)"
exit "$status"
