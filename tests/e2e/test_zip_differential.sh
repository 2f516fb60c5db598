#!/usr/bin/env bash
# Differential test of the zip reader: 600 generated odd archives (seeded;
# tests/zipdiff/odd_zips.py), each read by wheelfix's ZipReader (the
# test-only wheelfix_zip_list program), by Python's zipfile as pip reads it
# and by a streaming reader.  wheelfix must refuse an archive or list
# exactly zipfile's members (names, content, executable bit); see
# tests/zipdiff/zip_differential.py.  WHEELFIX_ZIPDIFF_SEED and
# WHEELFIX_ZIPDIFF_COUNT pick other archives (for hunting).
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
lister="$WHEELFIX_BUILD_DIR/tests/wheelfix_zip_list"
[ -x "$lister" ] || wf_fail "test-only program $lister is not built"
command -v python3 >/dev/null || wf_skip "python3 is not installed"
python3 "$WHEELFIX_SOURCE_DIR/tests/zipdiff/zip_differential.py" --lister "$lister" \
  --seed "${WHEELFIX_ZIPDIFF_SEED:-12}" --count "${WHEELFIX_ZIPDIFF_COUNT:-600}" ||
  wf_fail "wheelfix and Python's zipfile disagree (see above)"
echo "ok: zip differential"
