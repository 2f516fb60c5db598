#!/usr/bin/env bash
# Installs the dependencies (Debian 12), builds wheelfix and runs the whole
# test suite (unit tests and end-to-end tests) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
bash scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure -j"$(nproc)" --timeout 1800
