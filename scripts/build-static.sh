#!/usr/bin/env bash
# Builds a statically linked wheelfix (no DT_NEEDED entry, policies embedded)
# into STATIC_BUILD_DIR (default: build-static/) and checks it: the result is
# STATIC_BUILD_DIR/wheelfix, a single file to copy into manylinux/musllinux
# build images. See docs/static-build.md. (No -Werror: warnings are the
# -Werror RelWithDebInfo build's job; GCC 12's -O3 -Wrestrict false positives
# on `"literal" + std::string&&` were written out of the code, so a clean
# static build prints only the linker's notes on libcrypto.a, explained below.)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${STATIC_BUILD_DIR:-build-static}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} -DWHEELFIX_STATIC=ON -DWHEELFIX_TESTS=OFF -DWHEELFIX_WERROR=OFF \
  ${CMAKE_ARGS:-} >/dev/null
log=$(mktemp "${TMPDIR:-/tmp}/wheelfix-static-build.XXXXXX")
trap 'rm -f "$log"' EXIT
cmake --build "$BUILD_DIR" --target wheelfix -j"${JOBS:-$(nproc)}" 2>&1 | tee "$log"
if grep -q 'in statically linked applications requires at runtime' "$log"; then
  echo "build-static.sh: note: the linker's \"Using 'dlopen'/'getaddrinfo'... in statically linked applications\" warnings above come from OpenSSL code in libcrypto.a that wheelfix never calls (it uses libcrypto for SHA-256 only); they are expected and harmless."
fi
bin="$BUILD_DIR/wheelfix"
dyn=$(readelf -d "$bin" 2>/dev/null || true)
if grep -q '(NEEDED)' <<<"$dyn"; then
  echo "build-static.sh: $bin still has DT_NEEDED entries:" >&2
  readelf -d "$bin" | grep '(NEEDED)' >&2
  exit 1
fi
"$bin" --version
echo "static binary: $bin (run tests/e2e/test_static.sh with WHEELFIX_STATIC_BINARY=$PWD/$bin)"
