#!/usr/bin/env bash
# Installs everything wheelfix needs to build and test on Debian 12, from
# Debian's own archive only. Idempotent; run as root (or with sudo).
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

pkgs=(
  # build
  build-essential cmake pkg-config
  libcli11-dev nlohmann-json3-dev catch2 libssl-dev zlib1g-dev libdeflate-dev
  # test tools: reference readers, archive checkers, python
  binutils elfutils patchelf unzip zip libarchive-tools file
  python3 python3-dev python3-venv python3-pip
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
  util-linux
  # hardening: libFuzzer/sanitizer runtimes (scripts/fuzz.sh), /usr/bin/time
  # for peak RSS in tests/e2e/test_faults.sh
  clang libclang-rt-14-dev time
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
