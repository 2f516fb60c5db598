#!/usr/bin/env bash
# The main job on a bundled sample: installs the dependencies (Debian 12),
# builds wheelfix, builds the sample wheels from testwheels/, then shows and
# repairs the one that needs a private shared library.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
bash scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
WHEELS="$BUILD_DIR/demo-wheels"
rm -rf "$WHEELS" && python3 testwheels/build.py "$WHEELS" >/dev/null
sample=$(ls "$WHEELS"/privlib-*.whl)
export LD_LIBRARY_PATH="$WHEELS/privlib-libs"
echo "== wheelfix show $sample"
"$BUILD_DIR/wheelfix" show "$sample"
if "$BUILD_DIR/wheelfix" repair --help >/dev/null 2>&1; then
  echo "== wheelfix repair $sample -w $BUILD_DIR/wheelhouse"
  "$BUILD_DIR/wheelfix" repair "$sample" -w "$BUILD_DIR/wheelhouse"
  ls -l "$BUILD_DIR/wheelhouse"
fi
