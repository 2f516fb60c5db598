#!/usr/bin/env bash
# `wheelfix repair` on wheels packed from Debian's own extension modules
# (lxml, numpy, Pillow, psycopg2): the repaired wheel is installed into a
# fresh venv and used with every system copy of its vendored libraries hidden.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_mktemp_dir tmp
wf_can_hide_libs || wf_skip "cannot hide libraries (unshare -m) here"
checked=0
declare -A calls=(
  [lxml]='from lxml import etree; assert etree.fromstring("<a><b>x</b></a>").findtext("b") == "x"'
  [numpy]='import numpy as np; a = np.arange(9.0).reshape(3, 3) + np.eye(3); assert np.allclose(a @ np.linalg.inv(a), np.eye(3)); assert abs(np.linalg.det(a) + 5.0) < 1e-9'
  [PIL]='from PIL import Image, features; im = Image.new("RGB", (8, 8), "red"); import io; b = io.BytesIO(); im.save(b, "PNG"); im.save(io.BytesIO(), "WEBP"); assert Image.open(io.BytesIO(b.getvalue())).getpixel((0, 0)) == (255, 0, 0)'
  [psycopg2]='import psycopg2, psycopg2.extensions; assert psycopg2.extensions.libpq_version() > 0'
)
for spec in lxml:lxml numpy:numpy PIL:Pillow psycopg2:psycopg2; do
  mod=${spec%%:*} dist=${spec##*:}
  [ -d "/usr/lib/python3/dist-packages/$mod" ] || { wf_skip_case "$mod: Debian python3-$mod not installed"; continue; }
  mkdir -p "$tmp/$mod"
  wheel=$(python3 "$WHEELFIX_SOURCE_DIR/tests/e2e/pack_dist_package.py" "$mod" "$dist" "$tmp/$mod")
  "$WHEELFIX" repair --json -w "$tmp/$mod/wh" "$wheel" > "$tmp/$mod/report.json" 2>"$tmp/$mod/err.txt" \
    || wf_fail "$mod: repair failed: $(cat "$tmp/$mod/err.txt")"
  out=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["wheels"][0]["output"])' "$tmp/$mod/report.json")
  python3 "$WHEELFIX_SOURCE_DIR/tests/e2e/check_wheel.py" "$out" || wf_fail "$mod: invalid output"
  hidden=$(python3 -c 'import json,sys; print(" ".join(l["source_path"] for l in json.load(open(sys.argv[1]))["wheels"][0]["vendored"]))' "$tmp/$mod/report.json")
  [ -n "$hidden" ] || wf_fail "$mod: nothing was vendored"
  venv="$tmp/$mod/venv"
  wf_fresh_venv "$venv"
  wf_pip_install "$venv" "$out"
  env -u LD_LIBRARY_PATH bash -c "$(declare -f); wf_hide_libs '$hidden' '$venv/bin/python' -c '${calls[$mod]}'" \
    || wf_fail "$mod: the repaired wheel does not work with its vendored libraries' system copies hidden"
  echo "$mod: $(basename "$out") works with $(wc -w <<<"$hidden") system libraries hidden"
  checked=$((checked + 1))
done
[ "$checked" -gt 0 ] || wf_skip "none of Debian's python3-lxml/numpy/pil/psycopg2 is installed"
echo "test_repair_realworld: $checked packages"
