#!/usr/bin/env bash
# Configures and builds wheelfix into BUILD_DIR (default: build/), with the
# test suite unless WHEELFIX_TESTS=OFF (the demo's build: no catch2 needed).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} -DWHEELFIX_WERROR=ON \
  -DWHEELFIX_TESTS=${WHEELFIX_TESTS:-ON} ${CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
