#!/usr/bin/env bash
# `wheelfix show` on wheels packed from Debian's own extension modules
# (lxml, numpy, Pillow, psycopg2), cross-checked against an independent
# reference (ldd + readelf + the policy rules in Python, oracle_tag.py).
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_mktemp_dir tmp
policies="$WHEELFIX_SOURCE_DIR/policies/manylinux-policy.json"
checked=0
for spec in lxml:lxml numpy:numpy PIL:Pillow psycopg2:psycopg2; do
  mod=${spec%%:*} dist=${spec##*:}
  [ -d "/usr/lib/python3/dist-packages/$mod" ] || { wf_skip_case "$mod: Debian python3-$mod not installed"; continue; }
  wheel=$(python3 "$WHEELFIX_SOURCE_DIR/tests/e2e/pack_dist_package.py" "$mod" "$dist" "$tmp")
  mkdir -p "$tmp/$mod" && (cd "$tmp/$mod" && python3 -m zipfile -e "$wheel" .)
  mapfile -t want < <(python3 "$WHEELFIX_SOURCE_DIR/tests/e2e/oracle_tag.py" "$tmp/$mod" "$policies")
  "$WHEELFIX" show --json "$wheel" > "$tmp/$mod.json" || wf_fail "$mod: show exited $?"
  got_policy=$(python3 -c 'import json,sys; w=json.load(open(sys.argv[1]))["wheels"][0]; print(w["best_policy"] or "linux")' "$tmp/$mod.json")
  got_libs=$(python3 -c 'import json,sys; w=json.load(open(sys.argv[1]))["wheels"][0]; print(" ".join(sorted(l["name"] for l in w["external_libs"])))' "$tmp/$mod.json")
  wf_assert_eq "${want[0]}" "$got_policy" "$mod: best policy"
  wf_assert_eq "${want[1]:-}" "$got_libs" "$mod: libraries to vendor"
  echo "$mod: ${want[0]} [${want[1]:-}]"
  checked=$((checked + 1))
done
[ "$checked" -gt 0 ] || wf_skip "none of Debian's python3-lxml/numpy/pil/psycopg2 is installed"
echo "test_show_realworld: $checked packages agree"
