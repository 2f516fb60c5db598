#!/usr/bin/env bash
# Checks that every command the test suite calls is installed, before any
# test runs, and fails with one line naming what is missing (and the Debian
# package that has it) instead of a test failing deep inside with
# "command not found".  Only tools whose absence FAILS a test are listed;
# tools whose absence a test reports as a skip (cross compilers, qemu-user,
# musl-gcc) are not.
#
#   scripts/check-tools.sh [STAGE...]   stages as in scripts/test.sh
#                                       (default: unit)
# Exit status: 0 all present, 1 something missing.
# Keep in step with the --tests list of scripts/setup-debian.sh.
set -uo pipefail

# command:package pairs the unit and end-to-end tests need.
unit_tools=(
  cc:build-essential c++:build-essential make:build-essential
  readelf:binutils objdump:binutils strip:binutils
  eu-readelf:elfutils eu-elflint:elfutils patchelf:patchelf
  unzip:unzip zip:zip bsdtar:libarchive-tools file:file curl:curl
  cmake:cmake ctest:cmake
  unshare:util-linux flock:util-linux
  sha256sum:coreutils timeout:coreutils ldd:libc-bin dpkg-query:dpkg
  /usr/bin/time:time /usr/bin/python3:python3
)
# the static stage links against the .a archives of these -dev packages,
# which the build already needs; the fuzz stage needs clang's libFuzzer
fuzz_tools=(clang:clang clang++:clang)

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(unit)
want=("${unit_tools[@]}")
for s in "${stages[@]}"; do
  case $s in
    fuzz) want+=("${fuzz_tools[@]}") ;;
    sanitize) want+=("${fuzz_tools[@]}") ;; # sanitize builds the fuzz targets too
  esac
done

missing=()
for pair in "${want[@]}"; do
  cmd=${pair%%:*} pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd ($pkg)")
done
# python3's venv and pip, and the build backends the `build` tests use offline
if [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 -c 'import ensurepip' 2>/dev/null || missing+=("python3 -m venv (python3-venv)")
  /usr/bin/python3 -c 'import setuptools, wheel' 2>/dev/null ||
    missing+=("python3 setuptools+wheel (python3-setuptools python3-wheel)")
  /usr/bin/python3 -m pip --version >/dev/null 2>&1 || missing+=("python3 -m pip (python3-pip)")
  /usr/bin/python3 -c 'import yaml' 2>/dev/null || missing+=("python3 yaml (python3-yaml)")
fi
# the Catch2 v2 header the unit tests compile against
[ -f /usr/include/catch2/catch.hpp ] || missing+=("catch2/catch.hpp (catch2)")

if [ ${#missing[@]} -gt 0 ]; then
  echo "check-tools: the tests need, and this machine lacks: ${missing[*]}; run: bash scripts/setup-debian.sh --tests" >&2
  exit 1
fi
