#!/usr/bin/env bash
# Installs what wheelfix needs on Debian 12, from Debian's own archive only.
# Idempotent; run as root (or with sudo).
#
#   scripts/setup-debian.sh           what building wheelfix and the demo need
#                                     (scripts/demo.sh): compiler, cmake, the
#                                     libraries, python3-dev and python3-venv
#   scripts/setup-debian.sh --tests   that, plus every tool the test suite
#                                     calls (scripts/test.sh): reference ELF
#                                     readers, zip tools, curl, cross and musl
#                                     compilers, qemu-user, clang for fuzzing
#
# scripts/check-tools.sh lists the commands the tests need and fails with one
# line naming what is missing; keep the two files in step.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

want_tests=0
case "${1:-}" in
  "") ;;
  --tests) want_tests=1 ;;
  *) echo "setup-debian.sh: unknown option '$1' (only --tests)" >&2; exit 2 ;;
esac

pkgs=(
  # build (catch2 is for the test suite only; the demo builds without tests)
  build-essential cmake pkg-config
  libcli11-dev nlohmann-json3-dev libssl-dev zlib1g-dev libdeflate-dev
  # the demo: sample wheels are built against python3's headers and the
  # repaired one is installed into a venv; `unzip -l` lists it
  python3 python3-dev python3-venv unzip
)
test_pkgs=(
  catch2
  # reference readers and archive checkers the tests compare against
  elfutils patchelf zip libarchive-tools file curl
  python3-pip
  # the recipe test reads the GitHub Actions workflow to run its steps
  python3-yaml
  # `wheelfix build` tests: offline --no-build-isolation builds of testwheels/projects
  python3-setuptools python3-wheel
  # real-world extension modules packed into wheels by the end-to-end tests
  python3-lxml python3-numpy python3-pil python3-psycopg2
  # test wheels: musl and cross compilers, qemu-user to run cross binaries
  musl-tools
  # (libc6-dev-*-cross: the cross C libraries, only recommended by gcc-*)
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross
  gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
  gcc-i686-linux-gnu libc6-dev-i386-cross
  gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
  gcc-s390x-linux-gnu libc6-dev-s390x-cross
  gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
  qemu-user
  # unshare -m (hiding system libraries from an import), flock
  util-linux
  # hardening: libFuzzer/sanitizer runtimes (scripts/fuzz.sh), /usr/bin/time
  # for peak RSS in tests/e2e/test_faults.sh
  clang libclang-rt-14-dev time
)
if [ $want_tests -eq 1 ]; then pkgs+=("${test_pkgs[@]}"); fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
