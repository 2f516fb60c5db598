#!/usr/bin/env bash
# Builds a statically linked wheelfix (no DT_NEEDED entry, policies embedded)
# into STATIC_BUILD_DIR (default: build-static/) and checks it: the result is
# STATIC_BUILD_DIR/wheelfix, a single file to copy into manylinux/musllinux
# build images. See docs/static-build.md. (No -Werror: GCC 12 at -O3 gives
# false -Wrestrict warnings in libstdc++ string code.)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${STATIC_BUILD_DIR:-build-static}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} -DWHEELFIX_STATIC=ON -DWHEELFIX_TESTS=OFF -DWHEELFIX_WERROR=OFF \
  ${CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" --target wheelfix -j"${JOBS:-$(nproc)}"
bin="$BUILD_DIR/wheelfix"
dyn=$(readelf -d "$bin" 2>/dev/null || true)
if grep -q '(NEEDED)' <<<"$dyn"; then
  echo "build-static.sh: $bin still has DT_NEEDED entries:" >&2
  readelf -d "$bin" | grep '(NEEDED)' >&2
  exit 1
fi
"$bin" --version
echo "static binary: $bin (run tests/e2e/test_static.sh with WHEELFIX_STATIC_BINARY=$PWD/$bin)"
