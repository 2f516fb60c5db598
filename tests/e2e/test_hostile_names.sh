#!/usr/bin/env bash
# Hostile names and paths (issue 12, round two):
#  1. an ELF script in .data/scripts whose name is Python code or holds a
#     newline: the launcher repair writes must name it as an escaped literal
#     (installed in a fresh venv, the script runs the program and nothing
#     else);
#  2. member names with ANSI escapes and newlines: show, show -v, repair -v,
#     warnings and lddtree print them escaped (no ESC byte, no forged line);
#  3. paths that are not UTF-8: show/repair/lddtree/build --json and the SBOM of a
#     plain repair print U+FFFD instead of aborting;
#  4. -L/--lib-sdir that is not one folder-name suffix: a usage error naming
#     the option; an input that already holds the vendored-library member:
#     an error naming the input, nothing written;
#  5. two inputs with the same output name in one call: both refused before
#     either is written, each error naming both inputs.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_build_testwheels
wf_mktemp_dir tmp
unset LD_LIBRARY_PATH WHEELFIX_PLAT AUDITWHEEL_PLAT
L="$WF_TESTWHEELS/privlib-libs"
WL="$WF_TESTWHEELS/withscript-libs"
simple=$(wf_testwheel simple)
privlib=$(wf_testwheel privlib)
withscript=$(wf_testwheel withscript)

# rewheel.py SRC OUT [rename=OLD=>NEW]... [copy=OLD=>NEW]... [add=NAME=>FILE]...
# [unlist=NAME=>]: rewrites wheel SRC as OUT with members renamed, copied
# under another name or added from a file, and RECORD regenerated (without
# the unlisted ones). NAME and NEW may hold any character, written as
# Python escapes: \x1b, \n.
cat >"$tmp/rewheel.py" <<'PY'
import base64, codecs, hashlib, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
ops = [a.split("=", 1) for a in sys.argv[3:]]
unesc = lambda s: codecs.decode(s, "unicode_escape")
with zipfile.ZipFile(src) as z:
    members = [(i.filename, z.read(i), i.external_attr) for i in z.infolist()]
for op, arg in ops:
    old, new = (unesc(x) for x in arg.split("=>", 1))
    if op == "rename":
        members = [(new if n == old else n, d, a) for n, d, a in members]
    elif op == "copy":
        members += [(new, d, a) for n, d, a in members if n == old]
    elif op == "add":
        members.append((old, open(new, "rb").read(), 0o644 << 16))
unlisted = {codecs.decode(a.split("=>")[0], "unicode_escape") for op, a in ops if op == "unlist"}
record = next(n for n, _, _ in members if n.endswith(".dist-info/RECORD"))
h = lambda d: "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
import csv, io
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
for n, d, _ in members:
    if n in unlisted:
        continue
    w.writerow([n, "", ""] if n == record else [n, h(d), len(d)])
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n, d, a in members:
        zi = zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0))
        zi.external_attr = a
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, buf.getvalue().encode() if n == record else d)
PY
rewheel() { python3 "$tmp/rewheel.py" "$@" || wf_fail "rewheel.py $*"; }
member_of() {  # WHEEL SUFFIX: the first member whose name ends with SUFFIX
  python3 -c 'import sys, zipfile; print(next(n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.endswith(sys.argv[2])))' "$1" "$2"
}

# --- 1. Launcher code injection.
script=$(member_of "$withscript" /scripts/wfhello)
data=${script%/wfhello}
evil1='wf"+__import__("os").system("touch PWNED1")+"'
evil2='wf\n__import__("os").system("touch PWNED2")\n#'
mkdir -p "$tmp/inj" "$tmp/inj-out" "$tmp/run"
inj="$tmp/inj/$(basename "$withscript")"
rewheel "$withscript" "$inj" "rename=$script=>$data/$evil1" "copy=$data/$evil1=>$data/$evil2"
LD_LIBRARY_PATH="$WL" "$WHEELFIX" repair -q -w "$tmp/inj-out" "$inj" || wf_fail "repair of the hostile-script wheel failed"
repaired=$(ls "$tmp"/inj-out/*.whl)
# The launchers are plain ASCII Python that compiles, one line per statement.
python3 - "$repaired" <<'PY' || wf_fail "the launchers are not safe Python"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
launchers = [n for n in z.namelist() if "/scripts/" in n]
assert len(launchers) == 2, launchers
for n in launchers:
    text = z.read(n).decode("ascii")
    compile(text, n, "exec")
    assert "system" not in "".join(l for l in text.splitlines() if not l.startswith(("#", "exe = "))), text
PY
venv="$tmp/venv-inj"
wf_fresh_venv "$venv"
wf_pip_install "$venv" "$repaired" || wf_fail "pip install of the repaired hostile-script wheel failed"
for name in "$evil1" "$(printf 'wf\n__import__("os").system("touch PWNED2")\n#')"; do
  out=$(cd "$tmp/run" && "$venv/bin/$name") || wf_fail "the installed script $name failed"
  wf_assert_eq "hello from wfhello" "$out" "output of the installed script"
done
[ -z "$(ls -A "$tmp/run")" ] || wf_fail "a launcher ran injected code: $(ls -A "$tmp/run")"
echo "ok: launchers name hostile scripts as literals"

# --- 2. Terminal escapes in member names.
so=$(member_of "$privlib" .so)
evil_so="privlib/\x1b[1A\x1b[2K\rFAKE verdict: manylinux_2_99_x86_64\n.so"
mkdir -p "$tmp/esc" "$tmp/esc-out"
esc="$tmp/esc/$(basename "$privlib")"
rewheel "$privlib" "$esc" "copy=$so=>$evil_so" "unlist=$evil_so=>"  # unlisted: the RECORD warning names it too
check_escaped() {  # WHAT FILE: no ESC byte, no line starting with FAKE, the escape shown
  ! grep -q $'\x1b' "$2" || wf_fail "$1: an ESC byte reached the terminal: $(cat -v "$2")"
  ! grep -q '^FAKE' "$2" || wf_fail "$1: a forged line: $(cat -v "$2")"
  grep -qF '\x1b[1A' "$2" || wf_fail "$1: the hostile name is not shown escaped: $(cat -v "$2")"
}
LD_LIBRARY_PATH="$L" "$WHEELFIX" show -v "$esc" >"$tmp/esc.out" 2>"$tmp/esc.err" || wf_fail "show -v failed: $(cat -v "$tmp/esc.err")"
check_escaped "show -v" "$tmp/esc.out"
check_escaped "show warning" "$tmp/esc.err"
LD_LIBRARY_PATH="$L" "$WHEELFIX" repair -v -w "$tmp/esc-out" "$esc" >"$tmp/rep.out" 2>&1 || wf_fail "repair -v failed: $(cat -v "$tmp/rep.out")"
check_escaped "repair -v" "$tmp/rep.out"
echo "ok: hostile member names printed escaped"

# --- 3. Paths that are not UTF-8 (a Latin-1 folder name).
bad="$tmp/"$'caf\xe9'
mkdir -p "$bad/in" "$bad/libs" "$tmp/u8out"
cp "$simple" "$privlib" "$bad/in/"
cp "$L"/* "$bad/libs/"
json_ok() {  # WHAT FILE: valid JSON that holds U+FFFD
  python3 -c 'import json, sys; d = open(sys.argv[1], encoding="utf-8").read(); json.loads(d); assert "\ufffd" in d' "$2" ||
    wf_fail "$1: not valid JSON with U+FFFD: $(head -c 400 "$2" | cat -v)"
}
run_json() {  # WHAT OUT CMD...: CMD must exit 0 (not abort) and print JSON
  local what=$1 out=$2 rc=0
  shift 2
  "$@" >"$out" 2>"$out.err" || rc=$?
  wf_assert_eq 0 "$rc" "$what: exit status ($(cat -v "$out.err"))"
  json_ok "$what" "$out"
}
run_json "show --json" "$tmp/u8-show.json" "$WHEELFIX" show --json "$bad/in/$(basename "$simple")"
so=$(member_of "$simple" .so)
so_file="$bad/$(basename "$so")"
python3 -c 'import sys, zipfile; open(sys.argv[3], "wb").write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
  "$simple" "$so" "$so_file"
run_json "lddtree --json" "$tmp/u8-ldd.json" "$WHEELFIX" lddtree --json "$so_file"
run_json "repair --json" "$tmp/u8-rep.json" env LD_LIBRARY_PATH="$bad/libs" "$WHEELFIX" repair --json -w "$bad/out" \
  "$bad/in/$(basename "$privlib")"
# build --json: a source folder that is not a project fails in pip, and the
# report naming it is still printed.
if python3 -m pip --version >/dev/null 2>&1; then
  mkdir -p "$bad/proj"
  rc=0
  PIP_NO_INDEX=1 "$WHEELFIX" build --json -w "$tmp/u8build" "$bad/proj" >"$tmp/u8-build.json" 2>"$tmp/u8-build.err" || rc=$?
  wf_assert_eq 1 "$rc" "build --json of a non-project in a Latin-1 folder: exit status ($(tail -c 300 "$tmp/u8-build.err" | cat -v))"
  json_ok "build --json" "$tmp/u8-build.json"
else
  wf_skip_case "python3 -m pip unavailable; build --json case"
fi
# Plain repair: the SBOM names the vendored libraries' source paths.
rc=0
LD_LIBRARY_PATH="$bad/libs" "$WHEELFIX" repair -q -w "$tmp/u8out" "$privlib" 2>"$tmp/u8.err" || rc=$?
wf_assert_eq 0 "$rc" "plain repair with libraries in a Latin-1 folder: exit status ($(cat -v "$tmp/u8.err"))"
python3 - "$(ls "$tmp"/u8out/*.whl)" <<'PY' || wf_fail "the SBOM of the repaired wheel is not JSON with U+FFFD"
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
sbom = z.read(next(n for n in z.namelist() if n.endswith("sboms/wheelfix.cdx.json"))).decode("utf-8")
json.loads(sbom)
assert "\ufffd" in sbom
PY
echo "ok: paths that are not UTF-8 give JSON with U+FFFD"

# --- 4. -L that is not one folder-name suffix; an input already holding the member.
for bad_l in "/../../x" "a/b" $'\x1b[2J'; do
  rc=0
  LD_LIBRARY_PATH="$L" "$WHEELFIX" repair -w "$tmp/lout" -L "$bad_l" "$privlib" >/dev/null 2>"$tmp/l.err" || rc=$?
  wf_assert_eq 2 "$rc" "-L '$bad_l': exit status ($(cat -v "$tmp/l.err"))"
  grep -q "^wheelfix: error: -L/--lib-sdir " "$tmp/l.err" || wf_fail "-L '$bad_l': error does not name the option: $(cat -v "$tmp/l.err")"
  [ ! -e "$tmp/lout" ] || [ -z "$(ls -A "$tmp/lout")" ] || wf_fail "-L '$bad_l': files written"
done
mkdir -p "$tmp/pre" "$tmp/pre-out" "$tmp/twice"
LD_LIBRARY_PATH="$L" "$WHEELFIX" repair -q -w "$tmp/pre" "$privlib" || wf_fail "repair of privlib failed"
vendored=$(python3 -c 'import sys, zipfile; print(next(n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.startswith("privlib.libs/")))' "$(ls "$tmp"/pre/*.whl)")
python3 -c 'import sys, zipfile; open(sys.argv[3], "wb").write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
  "$(ls "$tmp"/pre/*.whl)" "$vendored" "$tmp/vendored.so"
twice="$tmp/twice/$(basename "$privlib")"
rewheel "$privlib" "$twice" "add=$vendored=>$tmp/vendored.so"
rc=0
LD_LIBRARY_PATH="$L" "$WHEELFIX" repair -w "$tmp/pre-out" "$twice" 2>"$tmp/twice.err" || rc=$?
wf_assert_eq 1 "$rc" "input already holding $vendored: exit status ($(cat "$tmp/twice.err"))"
grep -qF "wheelfix: error: $twice: already has a member $vendored" "$tmp/twice.err" ||
  wf_fail "the error does not name the input and the member: $(cat "$tmp/twice.err")"
[ -z "$(ls -A "$tmp/pre-out")" ] || wf_fail "files written for the input holding $vendored: $(ls -A "$tmp/pre-out")"
echo "ok: -L checked as an option; an input holding the vendored member is named"

# --- 5. Two inputs, one output name.
mkdir -p "$tmp/a" "$tmp/b" "$tmp/same-out"
cp "$simple" "$tmp/a/"
echo extra >"$tmp/extra.txt"
rewheel "$simple" "$tmp/b/$(basename "$simple")" "add=simple/extra.txt=>$tmp/extra.txt"  # another wheel, same name
for args in "$tmp/a/$(basename "$simple") $tmp/b/$(basename "$simple")" \
  "$tmp/a/$(basename "$simple") $tmp/a/$(basename "$simple")"; do
  rc=0
  # shellcheck disable=SC2086
  "$WHEELFIX" repair -w "$tmp/same-out" $args >/dev/null 2>"$tmp/same.err" || rc=$?
  wf_assert_eq 1 "$rc" "two inputs with one output name: exit status ($(cat "$tmp/same.err"))"
  wf_assert_eq 2 "$(grep -c "would all be written to" "$tmp/same.err")" "errors about the shared output"
  for f in $args; do
    wf_assert_eq 2 "$(grep -cF "$f" "$tmp/same.err")" "lines naming $f"
  done
  [ -z "$(ls -A "$tmp/same-out")" ] || wf_fail "an output was written: $(ls -A "$tmp/same-out")"
done
# The other inputs of the call are still repaired.
rc=0
LD_LIBRARY_PATH="$L" "$WHEELFIX" repair -q -w "$tmp/same-out" "$tmp/a/$(basename "$simple")" \
  "$tmp/b/$(basename "$simple")" "$privlib" 2>/dev/null || rc=$?
wf_assert_eq 1 "$rc" "a clash beside a good input: exit status"
wf_assert_eq "privlib-0.1.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl" "$(ls "$tmp/same-out")" \
  "outputs beside the clash"
echo "ok: two inputs with the same output name are refused"
echo "ok: hostile names"
