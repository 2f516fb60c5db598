#!/usr/bin/env bash
# The main job on a bundled sample: installs the dependencies (Debian 12),
# builds wheelfix, builds the sample wheels from testwheels/, then shows and
# repairs the one that needs a private shared library, and imports the
# repaired wheel in a fresh venv without that library's folder.
# Run as root (or with sudo). BUILD_DIR (default build/) is the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
LOG="$BUILD_DIR/demo.log"
mkdir -p "$BUILD_DIR"
: >"$LOG"

step() { printf '\n=== %s\n' "$*"; }
# quietly CMD...: runs CMD with its output in $LOG; shows the end of it on failure.
quietly() {
  if ! "$@" >>"$LOG" 2>&1; then
    echo "failed: $*  (last lines of $LOG:)" >&2
    tail -n 30 "$LOG" >&2
    exit 1
  fi
}

step "1/5 Debian packages (scripts/setup-debian.sh: compiler, cmake, libraries, python3-venv)"
quietly bash scripts/setup-debian.sh
echo "ok"

step "2/5 Building wheelfix into $BUILD_DIR/ (scripts/build.sh; a few minutes on a small machine)"
quietly env WHEELFIX_TESTS=OFF bash scripts/build.sh
WHEELFIX="$BUILD_DIR/wheelfix"
"$WHEELFIX" --version

step "3/5 Sample wheels from testwheels/ (built with the local compilers)"
WHEELS="$BUILD_DIR/demo-wheels"
rm -rf "$WHEELS" "$BUILD_DIR/wheelhouse"
quietly python3 testwheels/build.py "$WHEELS"
sample=$(ls "$WHEELS"/privlib-*.whl)
libs="$(cd "$WHEELS/privlib-libs" && pwd)"
echo "sample: $sample"
echo "its extension needs libwfpriv.so.1 (which needs libwfdep.so.2); both are only in $libs"

step "4/5 wheelfix show (library folder on LD_LIBRARY_PATH, as during a build)"
echo "\$ LD_LIBRARY_PATH=$libs $WHEELFIX show $sample"
LD_LIBRARY_PATH="$libs" "$WHEELFIX" show "$sample"

step "5/5 wheelfix repair, then install and import without the library folder"
echo "\$ LD_LIBRARY_PATH=$libs $WHEELFIX repair -w $BUILD_DIR/wheelhouse $sample"
LD_LIBRARY_PATH="$libs" "$WHEELFIX" repair -w "$BUILD_DIR/wheelhouse" "$sample"
repaired=$(ls "$BUILD_DIR"/wheelhouse/privlib-*.whl)
echo "\$ unzip -l $repaired"
unzip -l "$repaired"
venv="$BUILD_DIR/demo-venv"
rm -rf "$venv"
quietly /usr/bin/python3 -m venv "$venv"
quietly "$venv/bin/python" -m pip install --no-index --no-deps "$repaired"
echo "\$ env -u LD_LIBRARY_PATH $venv/bin/python -c 'import privlib; print(privlib.describe(\"abc\"))'"
env -u LD_LIBRARY_PATH "$venv/bin/python" -c 'import privlib; print(privlib.describe("abc"))'
printf '\nDone. The repaired wheel is %s\n' "$repaired"
