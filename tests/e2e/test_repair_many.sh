#!/usr/bin/env bash
# `wheelfix repair A B C ...` repairs its wheels side by side on the -j
# budget: the wheels written, the stdout/stderr text and the --json report
# (but for its "seconds") are the same bytes with -j 1, -j 2 and -j 3 as
# when each wheel is repaired on its own, in input order whichever finishes
# first; a wheel that fails (a broken file, a pure wheel) keeps its place
# and the exit status.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_mktemp_dir tmp
unset WHEELFIX_PLAT AUDITWHEEL_PLAT SOURCE_DATE_EPOCH

wheels=()
for spec in lxml:lxml numpy:numpy PIL:Pillow psycopg2:psycopg2 yaml:PyYAML; do
  mod=${spec%%:*} dist=${spec##*:}
  [ -d "/usr/lib/python3/dist-packages/$mod" ] || { wf_skip_case "$mod: Debian python3-$mod not installed"; continue; }
  mkdir -p "$tmp/in/$mod"
  wheels+=("$(python3 "$WHEELFIX_SOURCE_DIR/tests/e2e/pack_dist_package.py" "$mod" "$dist" "$tmp/in/$mod")")
done
[ "${#wheels[@]}" -ge 2 ] || wf_skip "fewer than two of Debian's python3-lxml/numpy/pil/psycopg2/yaml are installed"
# A file that is no wheel, and a pure-Python wheel (refused, exit 3 without
# --allow-pure-python-wheel), among the others, not last.
printf 'not a zip' >"$tmp/in/broken-1.0-py3-none-linux_x86_64.whl"
pure=$(python3 "$WHEELFIX_SOURCE_DIR/tests/e2e/make_pure_wheel.py" "$tmp/in" purepkg 1.0)
inputs=("${wheels[0]}" "$tmp/in/broken-1.0-py3-none-linux_x86_64.whl" "${wheels[@]:1}")
inputs=("${inputs[@]:0:3}" "$pure" "${inputs[@]:3}")

# Strips the per-wheel "seconds" from a --json report.
no_seconds() {
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for w in d["wheels"]:
    assert isinstance(w.pop("seconds"), (int, float)), w
print(json.dumps(d, indent=1, sort_keys=True))' "$1"
}

# Each run writes to wh/ under its own folder, given relatively so that
# the printed output paths are the same text in every run.
run() {  # run NAME ARGS... : output folder $tmp/NAME/wh, exit status, stdout, stderr
  local name=$1
  shift
  local rc=0
  (cd "$tmp/$name" && "$WHEELFIX" repair -w wh "$@" >out.txt 2>err.txt) || rc=$?
  echo "$rc" >"$tmp/$name/rc"
}

for j in 1 2 3; do
  for mode in text json; do
    mkdir -p "$tmp/j$j-$mode"
    flags=()
    [ "$mode" = json ] && flags=(--json)
    run "j$j-$mode" -j "$j" "${flags[@]}" "${inputs[@]}"
  done
done
# One at a time (-j 2 each): the reference.
mkdir -p "$tmp/single-text" "$tmp/single-json"
: >"$tmp/single-text/out.txt"
: >"$tmp/single-text/err.txt"
singles=()
status=0
for w in "${inputs[@]}"; do
  rc=0
  (cd "$tmp/single-text" && "$WHEELFIX" repair -j 2 -w wh "$w" >>out.txt 2>>err.txt) || rc=$?
  # As one call combines them: a failure (1) wins, else the highest.
  if [ "$rc" = 1 ] || [ "$status" = 1 ]; then status=1; elif [ "$rc" -gt "$status" ]; then status=$rc; fi
  rc=0
  (cd "$tmp/single-json" && "$WHEELFIX" repair -j 2 --json -w wh "$w" >one.json 2>/dev/null) || rc=$?
  singles+=("$(python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["wheels"][0]))' "$tmp/single-json/one.json")")
done
echo "$status" >"$tmp/single-text/rc"
python3 - "$tmp/single-json/out.txt" "${singles[@]}" <<'PY'
import json, sys
json.dump({"schema_version": 1, "wheels": [json.loads(s) for s in sys.argv[2:]]}, open(sys.argv[1], "w"))
PY

ls "$tmp/single-text/wh" | wf_has . || wf_fail "nothing was written by the single repairs"
n_out=$(ls "$tmp/single-text/wh" | wc -l)
[ "$n_out" -eq "${#wheels[@]}" ] || wf_fail "expected ${#wheels[@]} repaired wheels one at a time, got $n_out"
grep -q "broken-1.0" "$tmp/single-text/err.txt" || wf_fail "the broken input's error is missing"
[ "$(cat "$tmp/single-text/rc")" -ne 0 ] || wf_fail "a run with a broken input exited 0"
no_seconds "$tmp/single-json/out.txt" >"$tmp/single-json/report.txt"

for j in 1 2 3; do
  for mode in text json; do
    d="$tmp/j$j-$mode"
    ref="$tmp/single-$mode"
    # Every wheel, byte for byte.
    diff <(cd "$ref/wh" && ls) <(cd "$d/wh" && ls) || wf_fail "-j $j ($mode): other wheels written than one at a time"
    for f in "$ref"/wh/*.whl; do
      cmp -s "$f" "$d/wh/$(basename "$f")" || wf_fail "-j $j ($mode): $(basename "$f") differs from the one repaired alone"
    done
    [ "$(cat "$d/rc")" = "$(cat "$tmp/single-text/rc")" ] ||
      wf_fail "-j $j ($mode): exit status $(cat "$d/rc"), one at a time the worst was $(cat "$tmp/single-text/rc")"
    if [ "$mode" = text ]; then
      diff "$ref/out.txt" "$d/out.txt" || wf_fail "-j $j: stdout differs from the single repairs' (order?)"
      diff "$ref/err.txt" "$d/err.txt" || wf_fail "-j $j: stderr differs from the single repairs' (order?)"
    else
      diff "$tmp/single-json/report.txt" <(no_seconds "$d/out.txt") ||
        wf_fail "-j $j: the --json report differs from the single repairs' (order?)"
    fi
  done
done
# The reports name the inputs in the order given.
python3 - "$tmp/j2-json/out.txt" "${inputs[@]}" <<'PY' || wf_fail "--json entries not in input order"
import json, sys
d = json.load(open(sys.argv[1]))
assert [w["input"] for w in d["wheels"]] == sys.argv[2:], [w["input"] for w in d["wheels"]]
PY
echo "test_repair_many: ${#inputs[@]} inputs (${#wheels[@]} repaired), same bytes and output with -j 1/2/3 and one at a time"
