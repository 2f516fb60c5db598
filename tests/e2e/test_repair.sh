#!/usr/bin/env bash
# `wheelfix repair` end to end: repaired test wheels are installed into fresh
# venvs and imported with LD_LIBRARY_PATH unset and the system copies of the
# vendored libraries hidden; RECORD is recomputed independently; the output
# is checked by zipfile, unzip and bsdtar; determinism and idempotence.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_build_testwheels
wf_mktemp_dir tmp
wf_can_hide_libs || wf_skip "cannot hide libraries (unshare -m) here"

libs="$WF_TESTWHEELS/privlib-libs:$WF_TESTWHEELS/withscript-libs"
hidden="$WF_TESTWHEELS/privlib-libs/libwfpriv.so.1 $WF_TESTWHEELS/privlib-libs/libwfdep.so.2 $WF_TESTWHEELS/withscript-libs/libwfhello.so.1"
privlib=$(wf_testwheel privlib)
privlib_sum=$(sha256sum "$privlib")

# Control: the unrepaired wheel must fail with the private libraries hidden,
# or this test could not tell a good repair from a bad one.
wf_fresh_venv "$tmp/control"
wf_pip_install "$tmp/control" "$privlib"
if env -u LD_LIBRARY_PATH bash -c "$(declare -f); wf_hide_libs '$hidden' '$tmp/control/bin/python' -c 'import privlib'" 2>/dev/null; then
  wf_fail "control: the unrepaired privlib imported without its private libraries"
fi

# Repair every native wheel that can be repaired.
LD_LIBRARY_PATH="$libs" "$WHEELFIX" repair -q -w "$tmp/wh" \
  "$privlib" "$(wf_testwheel simple)" "$(wf_testwheel cxxext)" "$(wf_testwheel pylinked)" \
  "$(wf_testwheel withscript)" "$(wf_testwheel originrpath)" 2>"$tmp/warnings.txt" || wf_fail "repair failed"
grep -q "links libpython3.11.so.1.0: removed" "$tmp/warnings.txt" || wf_fail "no libpython warning"
wf_assert_eq "$privlib_sum" "$(sha256sum "$privlib")" "input wheel checksum"

expect_file() { [ -f "$tmp/wh/$1" ] || wf_fail "missing output $1 (have: $(ls "$tmp/wh"))"; }
expect_file privlib-0.1.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
expect_file simple-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl
expect_file cxxext-0.1.0-cp311-cp311-manylinux_2_24_x86_64.whl
expect_file withscript-0.1.0-cp311-cp311-manylinux_2_34_x86_64.whl

for whl in "$tmp"/wh/*.whl; do
  python3 "$WHEELFIX_SOURCE_DIR/tests/e2e/check_wheel.py" "$whl" || wf_fail "$(basename "$whl"): invalid output"
  unzip -tq "$whl" >/dev/null || wf_fail "unzip -t $(basename "$whl")"
  bsdtar -tf "$whl" >/dev/null || wf_fail "bsdtar -tf $(basename "$whl")"
done

# Install each and call it with the private libraries hidden.
for name in privlib simple cxxext pylinked withscript originrpath; do
  venv="$tmp/venv-$name"
  wf_fresh_venv "$venv"
  wf_pip_install "$venv" "$tmp"/wh/"$name"-*.whl
  env -u LD_LIBRARY_PATH bash -c "$(declare -f); $(declare -p WF_TESTWHEELS); wf_hide_libs '$hidden' wf_check_call '$venv' '$name'" \
    || wf_fail "$name: repaired wheel does not work with the private libraries hidden"
done
out=$(env -u LD_LIBRARY_PATH bash -c "$(declare -f); wf_hide_libs '$hidden' '$tmp/venv-withscript/bin/wfhello'") \
  || wf_fail "wfhello does not run after repair"
grep -q "hello from wfhello" <<<"$out" || wf_fail "wfhello printed: $out"

# The SBOM lists each vendored library with its hash.
python3 - "$tmp"/wh/privlib-*.whl <<'PY' || wf_fail "SBOM"
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
doc = json.loads(z.read("privlib-0.1.0.dist-info/sboms/wheelfix.cdx.json"))
assert doc["bomFormat"] == "CycloneDX", doc
names = sorted(c["name"] for c in doc["components"])
assert names == ["libwfdep.so.2", "libwfpriv.so.1"], names
for c in doc["components"]:
    assert len(c["hashes"][0]["content"]) == 64
    member = [p["value"] for p in c["properties"] if p["name"] == "wheelfix:vendored_as"][0]
    assert member in z.namelist(), member
PY

# Determinism: other thread count, TMPDIR and output folder, same bytes.
for j in 1 2; do
  mkdir -p "$tmp/det$j/tmp"
  TMPDIR="$tmp/det$j/tmp" LD_LIBRARY_PATH="$libs" SOURCE_DATE_EPOCH=1700000000 \
    "$WHEELFIX" repair -q -j $j -w "$tmp/det$j/out" "$privlib" || wf_fail "repair -j $j"
done
cmp "$tmp"/det1/out/*.whl "$tmp"/det2/out/*.whl || wf_fail "output differs between -j 1 and -j 2"

# Idempotence: repairing the repaired wheel gives the same wheel.
LD_LIBRARY_PATH="$libs" "$WHEELFIX" repair -q -w "$tmp/again" "$tmp"/wh/privlib-*.whl || wf_fail "second repair"
cmp "$tmp"/wh/privlib-*.whl "$tmp"/again/privlib-*.whl || wf_fail "repairing a repaired wheel changed it"

# --plat is a floor (the requested tags are named too, as auditwheel does);
# --only-plat pins; an unreachable policy fails with reasons.
"$WHEELFIX" repair -q -w "$tmp/plat" --plat manylinux2014_x86_64 "$(wf_testwheel simple)"
expect_plat() { [ -f "$tmp/plat/$1" ] || wf_fail "expected $1, have: $(ls "$tmp/plat")"; }
expect_plat simple-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_5_x86_64.whl
AUDITWHEEL_PLAT=manylinux_2_28_x86_64 "$WHEELFIX" repair -q -w "$tmp/plat" --only-plat "$(wf_testwheel simple)"
expect_plat simple-0.1.0-cp311-cp311-manylinux_2_28_x86_64.whl
set +e
err=$(LD_LIBRARY_PATH="$libs" "$WHEELFIX" repair -w "$tmp/fail" --plat manylinux_2_5_x86_64 "$privlib" 2>&1)
rc=$?
set -e
wf_assert_eq 1 "$rc" "exit status for an unreachable --plat"
grep -q "cannot be repaired to manylinux_2_5" <<<"$err" || wf_fail "unreachable plat message: $err"
grep -q "symbol version GLIBC_2.14 in $WF_TESTWHEELS/privlib-libs/libwfpriv.so.1 (from libc.so.6)" <<<"$err" \
  || wf_fail "unreachable plat reasons: $err"
[ -z "$(ls -A "$tmp/fail" 2>/dev/null)" ] || wf_fail "a failed repair left files: $(ls -A "$tmp/fail")"

# Wheels that no policy accepts fail with the reason; others in the call complete.
set +e
err=$("$WHEELFIX" repair -w "$tmp/mixed" "$(wf_testwheel zlibbl)" "$(wf_testwheel simple)" 2>&1)
rc=$?
set -e
wf_assert_eq 1 "$rc" "exit status when one wheel fails"
grep -q "blacklisted symbol zcalloc" <<<"$err" || wf_fail "zlibbl message: $err"
ls "$tmp"/mixed/simple-*.whl >/dev/null || wf_fail "the good wheel was not written"

# --exclude: a matching library (and what only it needs) is not vendored.
LD_LIBRARY_PATH="$libs" "$WHEELFIX" repair --json -w "$tmp/excl" --exclude 'libwfdep*' "$privlib" > "$tmp/excl.json"
vendored=$(python3 -c 'import json,sys; print(" ".join(l["name"] for l in json.load(open(sys.argv[1]))["wheels"][0]["vendored"]))' "$tmp/excl.json")
wf_assert_eq "libwfpriv.so.1" "$vendored" "vendored with --exclude libwfdep*"

# Missing library: clear error naming the wheel, the file and the library.
set +e
err=$(env -u LD_LIBRARY_PATH "$WHEELFIX" repair -w "$tmp/missing" "$privlib" 2>&1)
set -e
grep -q "needs libwfpriv.so.1, which was not found" <<<"$err" || wf_fail "missing-library message: $err"

# Unwritable output folder.
touch "$tmp/a-file"
set +e
err=$("$WHEELFIX" repair -w "$tmp/a-file/out" "$(wf_testwheel simple)" 2>&1)
rc=$?
set -e
wf_assert_eq 1 "$rc" "exit status for an unwritable output folder"
grep -q "$tmp/a-file/out" <<<"$err" || wf_fail "unwritable folder message: $err"
echo "test_repair: ok"
