#!/usr/bin/env bash
# The abi3 check end to end (docs/tags.md#abi3), on three cp37-abi3 test
# wheels built here: abi3clean (-DPy_LIMITED_API=0x03070000, Py_INCREF /
# Py_DECREF / Py_RETURN_NONE macros only: no problem), abi3new (imports
# PyUnicode_AsUTF8AndSize, Stable ABI since 3.10) and abi3priv (imports the
# private _PyLong_AsByteArray). `show` text, `show --json`, exit codes;
# `repair` refusing, --abi3-lower-bound retagging (file name, WHEEL Tag
# lines, RECORD) and --abi3-warn; repaired wheels installed and imported.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_build_testwheels
wf_mktemp_dir tmp
unset LD_LIBRARY_PATH WHEELFIX_PLAT AUDITWHEEL_PLAT

clean=$(wf_testwheel abi3clean)
new=$(wf_testwheel abi3new)
priv=$(wf_testwheel abi3priv)
data="$WHEELFIX_SOURCE_DIR/policies/stable_abi/stable-abi.json"

# added SYMBOL: the version the project's data file says added it ("" if absent).
added() {
  python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["symbols"].get(sys.argv[2])
print(s["added"] if s else "")' "$data" "$1"
}
new_added=$(added PyUnicode_AsUTF8AndSize)
[ -n "$new_added" ] || wf_fail "PyUnicode_AsUTF8AndSize is not in $data"
[ -z "$(added _PyLong_AsByteArray)" ] || wf_fail "_PyLong_AsByteArray is in $data"
new_tag="cp${new_added/./}"

# py_imports WHEEL: the undefined non-weak Py*/_Py* dynamic symbols of the
# wheel's .so files, counted by readelf (an oracle independent of wheelfix).
py_imports() {
  local dir
  dir=$(mktemp -d "$tmp/x.XXXXXX")
  unzip -q "$1" -d "$dir"
  find "$dir" -name '*.so' -exec readelf -W --dyn-syms {} \; |
    awk '$7 == "UND" && $5 != "WEAK" && $8 ~ /^_?Py/ {print $8}' | sort -u | wc -l
}

# jq_py DOC CODE: evaluates CODE with `d` the parsed JSON document DOC.
jq_py() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); $2" "$1"; }

# installs_and_works WHEEL NAME: fresh venv, pip install, the test call works.
installs_and_works() {
  local venv="$tmp/venv-$2"
  wf_fresh_venv "$venv"
  wf_pip_install "$venv" "$1" || wf_fail "pip install $(basename "$1")"
  wf_check_call "$venv" "$2"
}

valid() {
  python3 "$WHEELFIX_SOURCE_DIR/tests/e2e/check_wheel.py" "$1" || wf_fail "$(basename "$1"): invalid output"
}

inputs_sum=$(sha256sum "$clean" "$new" "$priv")

# --- show: the clean wheel holds, and the count of imports is readelf's.
"$WHEELFIX" show "$clean" >"$tmp/clean.txt" 2>"$tmp/clean.err" || wf_fail "show abi3clean exits non-zero: $(cat "$tmp/clean.err")"
n=$(py_imports "$clean")
[ "$n" -ge 4 ] || wf_fail "abi3clean imports only $n Python symbols (readelf)"
wf_has -F "abi3: cp37-abi3 (CPython 3.7 and later), $n Python symbols imported, all in its Stable ABI" <"$tmp/clean.txt" ||
  wf_fail "show abi3clean: no clean abi3 line: $(cat "$tmp/clean.txt")"
"$WHEELFIX" show --json "$clean" >"$tmp/clean.json" || wf_fail "show --json abi3clean exits non-zero"
jq_py "$tmp/clean.json" "a = d['wheels'][0]['abi3']
assert a == {'claimed': '3.7', 'required': '3.7', 'lowest_tag': 'cp37-abi3', 'imports': $n, 'ok': True, 'problems': []}, a" ||
  wf_fail "show --json abi3clean: wrong abi3 object"

# A wheel not tagged abi3 is not checked (abi3 null, no abi3 line).
simple=$(wf_testwheel simple)
"$WHEELFIX" show --json "$simple" >"$tmp/simple.json" || wf_fail "show --json simple exits non-zero"
jq_py "$tmp/simple.json" "assert d['wheels'][0]['abi3'] is None" || wf_fail "simple: abi3 is not null"

# --- show: a too-new import is an error naming file, symbol and both versions.
set +e
"$WHEELFIX" show "$new" >"$tmp/new.txt" 2>"$tmp/new.err"
rc=$?
set -e
wf_assert_eq 1 "$rc" "show abi3new exit status"
msg="abi3new.abi3.so imports PyUnicode_AsUTF8AndSize, in the Stable ABI only since $new_added (the tag claims 3.7)"
wf_has -F "wheelfix: error: $new: abi3: $msg" <"$tmp/new.err" || wf_fail "show abi3new stderr: $(cat "$tmp/new.err")"
wf_has -F -- "- $msg" <"$tmp/new.txt" || wf_fail "show abi3new text: $(cat "$tmp/new.txt")"
wf_has -F "the lowest tag that holds: $new_tag-abi3" <"$tmp/new.txt" || wf_fail "show abi3new: no lowest tag"
set +e
"$WHEELFIX" show --json "$new" >"$tmp/new.json" 2>/dev/null
rc=$?
set -e
wf_assert_eq 1 "$rc" "show --json abi3new exit status"
jq_py "$tmp/new.json" "a = d['wheels'][0]['abi3']
assert d['schema_version'] == 1
assert a['ok'] is False and a['lowest_tag'] == '$new_tag-abi3' and a['required'] == '$new_added', a
assert a['problems'] == [{'kind': 'too_new', 'file': 'abi3new.abi3.so', 'symbol': 'PyUnicode_AsUTF8AndSize',
                          'added': '$new_added', 'claimed': '3.7', 'message': '$msg'}], a['problems']" ||
  wf_fail "show --json abi3new: wrong abi3 object"

# --- show: a symbol outside the Stable ABI; no abi3 tag holds.
set +e
"$WHEELFIX" show --json "$priv" >"$tmp/priv.json" 2>"$tmp/priv.err"
rc=$?
set -e
wf_assert_eq 1 "$rc" "show --json abi3priv exit status"
pmsg="abi3priv.abi3.so imports _PyLong_AsByteArray, which is not in the Stable ABI"
wf_has -F "abi3: $pmsg" <"$tmp/priv.err" || wf_fail "show abi3priv stderr: $(cat "$tmp/priv.err")"
jq_py "$tmp/priv.json" "a = d['wheels'][0]['abi3']
assert a['lowest_tag'] is None and [p['kind'] for p in a['problems']] == ['not_stable'], a
assert a['problems'][0]['symbol'] == '_PyLong_AsByteArray' and a['problems'][0]['added'] is None, a" ||
  wf_fail "show --json abi3priv: wrong abi3 object"

# --- repair: the clean wheel keeps cp37-abi3, installs and imports.
"$WHEELFIX" repair -q -w "$tmp/wh-clean" "$clean" || wf_fail "repair abi3clean failed"
out=$(ls "$tmp/wh-clean"/*.whl)
case "$(basename "$out")" in abi3clean-0.1.0-cp37-abi3-manylinux*) ;; *) wf_fail "repair abi3clean wrote $out" ;; esac
valid "$out"
installs_and_works "$out" abi3clean

# --- repair: too new by default is an error (exit 1), nothing written.
set +e
"$WHEELFIX" repair -w "$tmp/wh-new" "$new" 2>"$tmp/rnew.err"
rc=$?
set -e
wf_assert_eq 1 "$rc" "repair abi3new exit status"
wf_has -F "its abi3 tag does not hold (cp37-abi3 claims CPython 3.7 and later; --abi3-lower-bound retags it $new_tag-abi3" \
  <"$tmp/rnew.err" || wf_fail "repair abi3new error: $(cat "$tmp/rnew.err")"
wf_has -F -- "- $msg" <"$tmp/rnew.err" || wf_fail "repair abi3new error lacks the evidence"
[ -z "$(ls -A "$tmp/wh-new")" ] || wf_fail "repair abi3new left output: $(ls -A "$tmp/wh-new")"
set +e
"$WHEELFIX" repair --json -w "$tmp/wh-new" "$new" >"$tmp/rnew.json" 2>/dev/null
set -e
jq_py "$tmp/rnew.json" "w = d['wheels'][0]
assert w['ok'] is False and [p['symbol'] for p in w['abi3_problems']] == ['PyUnicode_AsUTF8AndSize'], w" ||
  wf_fail "repair --json abi3new: no abi3_problems"

# --- --abi3-lower-bound: retagged to the lowest version that holds.
"$WHEELFIX" repair --json --abi3-lower-bound -w "$tmp/wh-new" "$new" >"$tmp/rnew2.json" 2>"$tmp/rnew2.err" ||
  wf_fail "repair --abi3-lower-bound abi3new failed: $(cat "$tmp/rnew2.err")"
out=$(ls "$tmp/wh-new"/*.whl)
case "$(basename "$out")" in "abi3new-0.1.0-$new_tag-abi3-manylinux"*) ;; *) wf_fail "--abi3-lower-bound wrote $out" ;; esac
jq_py "$tmp/rnew2.json" "assert d['wheels'][0]['python_tag'] == '$new_tag', d" || wf_fail "repair --json python_tag"
wf_has -F "python tag cp37 raised to $new_tag" <"$tmp/rnew2.err" || wf_fail "no retag warning: $(cat "$tmp/rnew2.err")"
valid "$out"  # RECORD recomputed, WHEEL Tag lines agree with the name
unzip -p "$out" abi3new-0.1.0.dist-info/WHEEL | grep '^Tag:' | grep -v "^Tag: $new_tag-abi3-" &&
  wf_fail "WHEEL keeps a Tag line other than $new_tag-abi3"
"$WHEELFIX" show "$out" >/dev/null || wf_fail "show of the retagged wheel finds a problem"
installs_and_works "$out" abi3new

# --no-update-tags keeps the platform tag but still raises the python tag,
# in the name and in WHEEL.
"$WHEELFIX" repair -q --abi3-lower-bound --no-update-tags -w "$tmp/wh-nut" "$new" || wf_fail "--no-update-tags failed"
out=$(ls "$tmp/wh-nut"/*.whl)
wf_assert_eq "abi3new-0.1.0-$new_tag-abi3-linux_x86_64.whl" "$(basename "$out")" "--no-update-tags output name"
valid "$out"

# --abi3-warn: written as it is, with the problem as a warning.
"$WHEELFIX" repair --abi3-warn -w "$tmp/wh-warn" "$new" >/dev/null 2>"$tmp/warn.err" || wf_fail "--abi3-warn failed"
wf_has -F "wheelfix: warning: abi3: $msg" <"$tmp/warn.err" || wf_fail "--abi3-warn: $(cat "$tmp/warn.err")"
ls "$tmp/wh-warn"/abi3new-0.1.0-cp37-abi3-manylinux*.whl >/dev/null || wf_fail "--abi3-warn did not keep cp37-abi3"

# --- a symbol outside the Stable ABI: no retag can help; --abi3-warn can.
set +e
"$WHEELFIX" repair --abi3-lower-bound -w "$tmp/wh-priv" "$priv" 2>"$tmp/rpriv.err"
rc=$?
set -e
wf_assert_eq 1 "$rc" "repair --abi3-lower-bound abi3priv exit status"
wf_has -F "no abi3 tag can hold a symbol outside the Stable ABI" <"$tmp/rpriv.err" ||
  wf_fail "repair abi3priv error: $(cat "$tmp/rpriv.err")"
wf_has -F -- "- $pmsg" <"$tmp/rpriv.err" || wf_fail "repair abi3priv error lacks the evidence"
[ -z "$(ls -A "$tmp/wh-priv")" ] || wf_fail "repair abi3priv left output"
"$WHEELFIX" repair --abi3-warn -w "$tmp/wh-priv" "$priv" 2>"$tmp/wpriv.err" >/dev/null || wf_fail "abi3priv --abi3-warn failed"
wf_has -F "wheelfix: warning: abi3: $pmsg" <"$tmp/wpriv.err" || wf_fail "abi3priv --abi3-warn: $(cat "$tmp/wpriv.err")"
out=$(ls "$tmp/wh-priv"/*.whl)
case "$(basename "$out")" in abi3priv-0.1.0-cp37-abi3-manylinux*) ;; *) wf_fail "abi3priv --abi3-warn wrote $out" ;; esac
installs_and_works "$out" abi3priv

# --- the data file beside the binary is read instead of the compiled-in
# copy, so a newer one can be dropped in: one that says
# PyUnicode_AsUTF8AndSize came in 3.7 clears abi3new; a binary alone uses
# its compiled-in copy; a malformed file is a usage error naming it.
mkdir -p "$tmp/bin/policies/stable_abi"
cp "$WHEELFIX" "$tmp/bin/wheelfix"
"$tmp/bin/wheelfix" show "$new" >/dev/null 2>&1 && wf_fail "binary alone: abi3new passes (no compiled-in data?)"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["symbols"]["PyUnicode_AsUTF8AndSize"]["added"] = "3.7"
json.dump(d, open(sys.argv[2], "w"))' "$data" "$tmp/bin/policies/stable_abi/stable-abi.json"
"$tmp/bin/wheelfix" show "$new" >/dev/null || wf_fail "the dropped-in data file was not used"
echo '{"symbols": {"PyFoo": {"kind": "function"}}}' >"$tmp/bin/policies/stable_abi/stable-abi.json"
set +e
"$tmp/bin/wheelfix" show "$clean" >/dev/null 2>"$tmp/bad.err"
rc=$?
set -e
wf_assert_eq 2 "$rc" "show with a malformed data file: exit status"
wf_has -F "stable-abi.json: symbols.PyFoo.added must be a version string" <"$tmp/bad.err" ||
  wf_fail "malformed data file: $(cat "$tmp/bad.err")"

# --- two inputs that --abi3-lower-bound retags to one output name: both
# refused before anything is written (the cp37 one is raised to $new_tag).
mkdir -p "$tmp/clash"
cp "$new" "$tmp/clash/"
cp "$new" "$tmp/clash/$(basename "$new" | sed "s/-cp37-abi3-/-$new_tag-abi3-/")"
if "$WHEELFIX" repair --abi3-lower-bound -w "$tmp/clash/out" "$tmp/clash"/*.whl 2>"$tmp/clash.err"; then
  wf_fail "two inputs retagged to one output name were both written"
fi
[ "$(grep -c "would all be written to" "$tmp/clash.err")" -eq 2 ] || wf_fail "same-output refusal: $(cat "$tmp/clash.err")"
[ -z "$(ls -A "$tmp/clash/out" 2>/dev/null)" ] || wf_fail "same-output refusal wrote $(ls "$tmp/clash/out")"

wf_assert_eq "$inputs_sum" "$(sha256sum "$clean" "$new" "$priv")" "input wheels after the repairs"
echo "ok: abi3 check in show and repair"
