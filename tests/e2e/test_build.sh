#!/usr/bin/env bash
# `wheelfix build`: the projects in testwheels/projects are built from source
# with /usr/bin/python3's pip (offline, --no-build-isolation), repaired into a
# wheelhouse and tested in fresh venvs.
#  - wfbuild_priv links libwfbpriv.so.1, built here into $T/prefix and found
#    through LD_LIBRARY_PATH only during the build: it must be vendored, and
#    the test command (which runs without LD_LIBRARY_PATH) must import it;
#    the same project built with --no-repair must FAIL its test command, so a
#    leaked LD_LIBRARY_PATH or a wrong repair cannot go unnoticed.
#  - wfbuild_simple is retagged, wfbuild_pure copied as it is.
#  - a failing test command, a failing pip build, -q logs, -r requirements,
#    usage errors and {project}/{wheel} placeholders.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_mktemp_dir T

PY=/usr/bin/python3
command -v cc >/dev/null || wf_skip "no C compiler (cc)"
"$PY" -c 'import setuptools, wheel, pip, venv' 2>/dev/null ||
  wf_skip "$PY lacks setuptools/wheel/pip/venv (Debian: python3-setuptools python3-wheel python3-pip python3-venv)"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INDEX=1

# pip builds inside the source tree: work on copies.
mkdir -p "$T/src" "$T/prefix/include" "$T/prefix/lib"
cp -r "$WHEELFIX_SOURCE_DIR"/testwheels/projects/wfbuild_* "$T/src/"
cp "$T/src/wfbuild_priv/privlib/wfbpriv.h" "$T/prefix/include/"
cc -shared -fPIC -O2 -Wl,-soname,libwfbpriv.so.1 -o "$T/prefix/lib/libwfbpriv.so.1" \
  "$T/src/wfbuild_priv/privlib/wfbpriv.c" || wf_fail "cannot build libwfbpriv.so.1"
ln -s libwfbpriv.so.1 "$T/prefix/lib/libwfbpriv.so"
export WFB_PRIV_PREFIX="$T/prefix"
BUILD_LIBS="$T/prefix/lib"

# The test command: imports the project's module, checks it, and records
# what it saw (placeholders, interpreter, environment) in $T/ran.txt.
cat >"$T/check.py" <<'PYEOF'
import os, sys
project, wheel, record = sys.argv[1], sys.argv[2], sys.argv[3]
name = os.path.basename(project)
if name == "wfbuild_simple":
    import wfbsimple
    assert wfbsimple.add(2, 3) == 5
elif name == "wfbuild_priv":
    import wfbpriv
    assert wfbpriv.answer() == 42, wfbpriv.answer()
elif name == "wfbuild_pure":
    import wfbpure
    assert wfbpure.hello("x") == "hello x"
else:
    raise SystemExit("unknown project " + project)
with open(record, "a") as f:
    f.write("%s %s %s %s %s\n" % (name, os.path.basename(wheel), sys.prefix != sys.base_prefix,
                                  "LD_LIBRARY_PATH" in os.environ, os.path.isfile(wheel)))
PYEOF

# --- 1. three projects, repaired, tested ----------------------------------
cd "$T"
LD_LIBRARY_PATH="$BUILD_LIBS" "$WHEELFIX" build --python "$PY" --no-build-isolation --no-index -w "$T/house" --json \
  src/wfbuild_simple src/wfbuild_priv src/wfbuild_pure \
  --test-command "python $T/check.py {project} {wheel} $T/ran.txt" >"$T/build.json" 2>"$T/build.err" ||
  { cat "$T/build.err" >&2; wf_fail "wheelfix build of the three projects failed"; }
grep -q "wheelfix build \[3/3\]" "$T/build.err" || wf_fail "no progress lines on stderr: $(cat "$T/build.err")"
"$PY" - "$T/build.json" "$T/house" <<'PYEOF' || wf_fail "build --json report or wheelhouse"
import json, os, sys, zipfile
doc = json.load(open(sys.argv[1]))
assert doc["schema_version"] == 1, doc
builds = {os.path.basename(b["source"]): b for b in doc["builds"]}
assert sorted(builds) == ["wfbuild_priv", "wfbuild_pure", "wfbuild_simple"], builds
for b in builds.values():
    assert b["ok"] and b["python"] == "/usr/bin/python3" and len(b["wheels"]) == 1, b
    assert b["wheels"][0]["test"] == "passed", b
simple, priv, pure = (builds[n]["wheels"][0] for n in ("wfbuild_simple", "wfbuild_priv", "wfbuild_pure"))
assert simple["action"] == "repaired" and simple["vendored"] == [], simple
assert "manylinux" in simple["tag"] and simple["input"].endswith("-linux_x86_64.whl"), simple
assert priv["action"] == "repaired", priv
assert [v["name"] for v in priv["vendored"]] == ["libwfbpriv.so.1"], priv
assert pure["action"] == "copied" and pure["tag"] == "any", pure
files = sorted(os.listdir(sys.argv[2]))
assert len(files) == 3, files
for f in files:
    assert f.endswith("-py3-none-any.whl") or "-manylinux" in f, f
    assert "linux_" not in f.split("-")[-1].replace("manylinux_", ""), f
(privwhl,) = [f for f in files if f.startswith("wfbuild_priv-")]
names = zipfile.ZipFile(os.path.join(sys.argv[2], privwhl)).namelist()
assert any(n.startswith("wfbuild_priv.libs/libwfbpriv-") and n.endswith(".so.1") for n in names), names
PYEOF
[ "$(wc -l <"$T/ran.txt")" -eq 3 ] || wf_fail "the test command did not run once per wheel: $(cat "$T/ran.txt" 2>/dev/null)"
while read -r name whl in_venv ldpath exists; do
  [ "$in_venv" = True ] || wf_fail "$name: the test command did not run inside a venv"
  [ "$ldpath" = False ] || wf_fail "$name: LD_LIBRARY_PATH leaked into the test command"
  [ "$exists" = True ] || wf_fail "$name: {wheel} ($whl) is not the wheelhouse file"
  [ -f "$T/house/$whl" ] || wf_fail "$name: {wheel} is $whl, not a file of the wheelhouse"
done <"$T/ran.txt"
[ ! -e "$T/house/.wheelfix-logs" ] || wf_fail "a run without -q made a log folder"

# --- 2. a failing test command fails the build, with -q logs ---------------
rc=0
LD_LIBRARY_PATH="$BUILD_LIBS" "$WHEELFIX" build -q --python "$PY" --no-build-isolation --no-index -w "$T/fail" \
  src/wfbuild_simple --test-command 'python -c "import wfbsimple; assert wfbsimple.add(2, 2) == 5"' \
  >"$T/fail.out" 2>"$T/fail.err" || rc=$?
wf_assert_eq 1 "$rc" "exit status with a failing test command"
grep -q "build: src/wfbuild_simple with $PY: .*the test command failed" "$T/fail.err" ||
  wf_fail "the failure does not name project, interpreter and step: $(cat "$T/fail.err")"
log=$(sed -n 's/.*(log: \(.*\))$/\1/p' "$T/fail.err" | head -n1)
[ -n "$log" ] && [ -f "$log" ] || wf_fail "-q: no log path printed or the log is missing: $(cat "$T/fail.err")"
case $log in "$T/fail/.wheelfix-logs/"*) ;; *) wf_fail "log not in DIR/.wheelfix-logs: $log" ;; esac
grep -q AssertionError "$log" || wf_fail "the log lacks the test command's output"
grep -qi "Successfully built\|Created wheel\|Building wheel" "$log" || wf_fail "the log lacks pip's output"
[ ! -s "$T/fail.out" ] || wf_fail "-q printed on stdout: $(cat "$T/fail.out")"

# --- 3. without repair the private library is missing in the test venv -----
rc=0
LD_LIBRARY_PATH="$BUILD_LIBS" "$WHEELFIX" build -q --no-repair --python "$PY" --no-build-isolation --no-index \
  -w "$T/norepair" src/wfbuild_priv --test-command "python $T/check.py {project} {wheel} $T/ran-norepair.txt" \
  2>"$T/norepair.err" || rc=$?
wf_assert_eq 1 "$rc" "exit status of an unrepaired wheel whose test needs the build-only library"
grep -q "libwfbpriv.so.1" "$T"/norepair/.wheelfix-logs/*.log ||
  wf_fail "the unrepaired test failed for another reason than the missing library: $(cat "$T"/norepair/.wheelfix-logs/*.log)"
ls "$T"/norepair/wfbuild_priv-1.0.0-*-linux_x86_64.whl >/dev/null 2>&1 ||
  wf_fail "--no-repair did not copy pip's linux_* wheel: $(ls "$T/norepair")"

# --- 4. a failing pip build names the project and interpreter ---------------
rc=0
env -u WFB_PRIV_PREFIX "$WHEELFIX" build --python "$PY" --no-build-isolation --no-index -w "$T/pipfail" \
  src/wfbuild_priv src/wfbuild_simple >"$T/pipfail.out" 2>"$T/pipfail.err" || rc=$?
wf_assert_eq 1 "$rc" "exit status of a failing pip wheel"
grep -q "build: src/wfbuild_priv with $PY: pip wheel failed" "$T/pipfail.err" ||
  wf_fail "pip failure message: $(cat "$T/pipfail.err")"
grep -q "WFB_PRIV_PREFIX" "$T/pipfail.err" || wf_fail "pip's own output was not shown"
ls "$T"/pipfail/wfbuild_simple-*manylinux*.whl >/dev/null 2>&1 || wf_fail "the other project was not built after a failure"

# --- 5. -r requirements.txt -------------------------------------------------
printf '%s\n' "./src/wfbuild_simple" "./src/wfbuild_pure" >"$T/requirements.txt"
"$WHEELFIX" build -q -r requirements.txt --python "$PY" --no-build-isolation --no-index -w "$T/req" ||
  wf_fail "build -r requirements.txt"
[ "$(ls "$T/req" | sort | tr '\n' ' ')" = "$(cd "$T/req" && ls wfbuild_pure-1.0.0-py3-none-any.whl wfbuild_simple-*manylinux*.whl | sort | tr '\n' ' ')" ] ||
  wf_fail "build -r: unexpected wheelhouse: $(ls -a "$T/req")"

# --- 6. usage errors ----------------------------------------------------------
rc=0; "$WHEELFIX" build -w "$T/x" "$T/no-such-project" 2>"$T/usage.err" || rc=$?
wf_assert_eq 2 "$rc" "exit status for a missing source"
grep -q "no-such-project: no such project folder or sdist" "$T/usage.err" || wf_fail "missing source message"
rc=0; "$WHEELFIX" build src/wfbuild_pure 2>/dev/null || rc=$?
wf_assert_eq 2 "$rc" "exit status without -w"
rc=0; "$WHEELFIX" build -w "$T/x" --plat manylinux_9_99 src/wfbuild_pure 2>/dev/null || rc=$?
wf_assert_eq 2 "$rc" "exit status for an unknown --plat"
echo "build: ok"
