#!/usr/bin/env bash
# The auditwheel name as a drop-in for cibuildwheel's manylinux images: the
# --plat tag is always in the name, a --plat for another arch and every
# other usage error exit 2, show --allow-pure-python-wheel, --patcher and
# AUDITWHEEL_PATCHER (none = no ELF edit), AUDITWHEEL_LD_LIBRARY_PATH
# (searched before LD_LIBRARY_PATH), addtag, and a --version whose second
# word is a version.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_mktemp_dir T
wf_build_testwheels
mkdir -p "$T/bin"
ln -s "$(readlink -f "$WHEELFIX")" "$T/bin/auditwheel"
AW="$T/bin/auditwheel"
libs="$WF_TESTWHEELS/privlib-libs"
privlib=$(wf_testwheel privlib)
simple=$(wf_testwheel simple)
simple_so=$(unzip -Z1 "$simple" | grep '\.so$')

# status CMD...: the exit status of CMD (output to $T/out, $T/err).
status() {
  local rc=0
  "$@" >"$T/out" 2>"$T/err" || rc=$?
  echo "$rc"
}

# --- the requested tag is always written ------------------------------------------
"$AW" repair --plat manylinux_2_28_x86_64 -w "$T/p228" "$simple" >/dev/null 2>&1 ||
  wf_fail "auditwheel repair --plat manylinux_2_28_x86_64"
wf_assert_eq "simple-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_28_x86_64.manylinux_2_5_x86_64.whl" \
  "$(ls "$T/p228")" "--plat below the reached policy"
unzip -p "$T/p228"/*.whl simple-0.1.0.dist-info/WHEEL | wf_has "^Tag: cp311-cp311-manylinux_2_28_x86_64" ||
  wf_fail "WHEEL lacks the requested tag"
# --only-plat: exactly the requested one.
"$AW" repair --plat manylinux_2_28_x86_64 --only-plat -w "$T/o228" "$simple" >/dev/null 2>&1 ||
  wf_fail "auditwheel repair --plat manylinux_2_28_x86_64 --only-plat"
wf_assert_eq "simple-0.1.0-cp311-cp311-manylinux_2_28_x86_64.whl" "$(ls "$T/o228")" "--only-plat name"

# --- usage errors exit 2, writing nothing ------------------------------------------
for args in "--plat manylinux2014_aarch64" "--plat manylinux2014_aarch64 --only-plat" \
  "--plat linux_x86_64" "--plat manylinux_9_99_x86_64" "--patcher chisel" "--patcher none --strip"; do
  for cmd in "$AW" "$WHEELFIX"; do
    # shellcheck disable=SC2086
    rc=$(status "$cmd" repair $args -w "$T/bad" "$simple")
    wf_assert_eq 2 "$rc" "$(basename "$cmd") repair $args ($(cat "$T/err"))"
  done
  [ -z "$(ls -A "$T/bad" 2>/dev/null)" ] || wf_fail "repair $args wrote $(ls "$T/bad")"
done
status "$AW" repair --plat manylinux2014_aarch64 -w "$T/bad" "$simple" >/dev/null
grep -q "plat manylinux2014_aarch64 is for aarch64, but this wheel is x86_64" "$T/err" ||
  wf_fail "no message for a --plat of another arch: $(cat "$T/err")"
# A wheel that cannot reach --plat: 2 under the auditwheel name (as auditwheel),
# 1 for wheelfix (an input problem, docs/exit-codes.md).
rc=$(LD_LIBRARY_PATH="$libs" status "$AW" repair --plat manylinux_2_5_x86_64 -w "$T/bad" "$privlib")
wf_assert_eq 2 "$rc" "auditwheel repair to an unreachable --plat"
grep -q "GLIBC_2.14" "$T/err" || wf_fail "no reason given: $(cat "$T/err")"
rc=$(LD_LIBRARY_PATH="$libs" status "$WHEELFIX" repair --plat manylinux_2_5_x86_64 -w "$T/bad" "$privlib")
wf_assert_eq 1 "$rc" "wheelfix repair to an unreachable --plat"
# A --plat of the other libc family is never reached either.
rc=$(status "$AW" repair --plat musllinux_1_2_x86_64 -w "$T/bad" "$simple")
wf_assert_eq 2 "$rc" "auditwheel repair of a glibc wheel to musllinux"
grep -q "musllinux_1_2 does not apply to this wheel" "$T/err" || wf_fail "musllinux --plat message: $(cat "$T/err")"
rc=$(AUDITWHEEL_PATCHER=chisel status "$AW" repair -w "$T/bad" "$simple")
wf_assert_eq 2 "$rc" "bad AUDITWHEEL_PATCHER"

# --- show --allow-pure-python-wheel ---------------------------------------------
python3 - "$T/purepkg-1.0-py3-none-any.whl" <<'PY'
import sys, zipfile
files = {"purepkg/__init__.py": b"",
         "purepkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: purepkg\nVersion: 1.0\n",
         "purepkg-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
rec = "".join(f"{n},,\n" for n in files) + "purepkg-1.0.dist-info/RECORD,,\n"
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for n, d in files.items():
        z.writestr(n, d)
    z.writestr("purepkg-1.0.dist-info/RECORD", rec)
PY
pure="$T/purepkg-1.0-py3-none-any.whl"
wf_assert_eq 1 "$(status "$AW" show "$pure")" "auditwheel show of a pure wheel"
wf_assert_eq 0 "$(status "$AW" show --allow-pure-python-wheel "$pure")" "show --allow-pure-python-wheel"
grep -q "no ELF file" "$T/out" || wf_fail "show --allow-pure-python-wheel says nothing: $(cat "$T/out")"

# --- --patcher / AUDITWHEEL_PATCHER ------------------------------------------------
for p in patchelf lief-patchelf; do
  LD_LIBRARY_PATH="$libs" "$AW" repair --patcher $p -w "$T/pp-$p" "$privlib" >/dev/null 2>&1 ||
    wf_fail "auditwheel repair --patcher $p"
  cmp "$T/pp-$p"/*.whl "$T/pp-patchelf"/*.whl || wf_fail "--patcher $p wrote another wheel"
done
# none: the wheel is retagged, its ELF file is not touched.
AUDITWHEEL_PATCHER=none "$AW" repair -w "$T/none" "$simple" >/dev/null 2>&1 || wf_fail "AUDITWHEEL_PATCHER=none"
out=$(ls "$T/none")
wf_assert_eq "simple-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl" "$out" "--patcher none name"
cmp <(unzip -p "$simple" "$simple_so") <(unzip -p "$T/none/$out" "$simple_so") || wf_fail "--patcher none edited $simple_so"
# ... and a wheel that needs a library vendored is refused (that takes edits).
rc=$(LD_LIBRARY_PATH="$libs" status "$AW" repair --patcher none -w "$T/none2" "$privlib")
wf_assert_eq 1 "$rc" "--patcher none on a wheel that needs vendoring"
grep -q "libwfpriv.so.1.*not possible with --patcher none" "$T/err" || wf_fail "--patcher none message: $(cat "$T/err")"
[ -z "$(ls -A "$T/none2" 2>/dev/null)" ] || wf_fail "--patcher none wrote a wheel it could not repair"
# ... and so is one whose extension reaches a library the wheel ships only
# through the RPATH entry repair would add (nothing to vendor).
mkdir -p "$T/inw/pkg/lib"
printf 'int wf_foo(void) { return 7; }\n' >"$T/inw/foo.c"
printf 'int wf_foo(void);\nint wf_bar(void) { return wf_foo(); }\n' >"$T/inw/ext.c"
gcc -shared -fPIC -o "$T/inw/pkg/lib/libwffoo.so.1" -Wl,-soname,libwffoo.so.1 "$T/inw/foo.c"
gcc -shared -fPIC -o "$T/inw/pkg/_ext.cpython-311-x86_64-linux-gnu.so" "$T/inw/ext.c" "$T/inw/pkg/lib/libwffoo.so.1"
python3 - "$T/inw" <<'PY'
import sys, zipfile
root = sys.argv[1]
files = {"pkg/lib/libwffoo.so.1": open(root + "/pkg/lib/libwffoo.so.1", "rb").read(),
         "pkg/_ext.cpython-311-x86_64-linux-gnu.so": open(root + "/pkg/_ext.cpython-311-x86_64-linux-gnu.so", "rb").read(),
         "wfinw-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: wfinw\nVersion: 1.0\n",
         "wfinw-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n"}
rows = "".join("%s,,\n" % n for n in files) + "wfinw-1.0.dist-info/RECORD,,\n"
with zipfile.ZipFile(root + "/wfinw-1.0-cp311-cp311-linux_x86_64.whl", "w", zipfile.ZIP_DEFLATED) as z:
    for n, d in files.items():
        z.writestr(n, d)
    z.writestr("wfinw-1.0.dist-info/RECORD", rows)
PY
inw="$T/inw/wfinw-1.0-cp311-cp311-linux_x86_64.whl"
rc=$(status "$WHEELFIX" repair --patcher none -w "$T/none3" "$inw")
wf_assert_eq 1 "$rc" "--patcher none on a wheel whose file needs an added RPATH entry"
grep -q "pkg/_ext.*reaches pkg/lib/libwffoo.so.1 only through an RPATH entry.*--patcher none" "$T/err" ||
  wf_fail "--patcher none in-wheel message: $(cat "$T/err")"
[ -z "$(ls -A "$T/none3" 2>/dev/null)" ] || wf_fail "--patcher none wrote a wheel that would not import"
"$WHEELFIX" repair -w "$T/none4" "$inw" >/dev/null 2>&1 || wf_fail "the same wheel with the rewriter"

# --- AUDITWHEEL_LD_LIBRARY_PATH, before LD_LIBRARY_PATH -----------------------------
cp -r "$libs" "$T/awlibs"
rc=$(AUDITWHEEL_LD_LIBRARY_PATH="$T/awlibs" status "$AW" repair -w "$T/awl" "$privlib")
wf_assert_eq 0 "$rc" "AUDITWHEEL_LD_LIBRARY_PATH alone ($(cat "$T/err"))"
AUDITWHEEL_LD_LIBRARY_PATH="$T/awlibs" LD_LIBRARY_PATH="$libs" "$AW" show "$privlib" >"$T/out" ||
  wf_fail "auditwheel show with both paths"
grep -q "libwfpriv.so.1 => $T/awlibs/" "$T/out" || wf_fail "AUDITWHEEL_LD_LIBRARY_PATH not searched first: $(cat "$T/out")"

# --- addtag ---------------------------------------------------------------------
"$AW" addtag -w "$T/tag" "$simple" >/dev/null 2>&1 || wf_fail "auditwheel addtag"
out=$(ls "$T/tag")
wf_assert_eq "simple-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl" "$out" "addtag name"
cmp <(unzip -p "$simple" "$simple_so") <(unzip -p "$T/tag/$out" "$simple_so") || wf_fail "addtag edited $simple_so"
wf_fresh_venv "$T/venv"
wf_pip_install "$T/venv" "$T/tag/$out" || wf_fail "pip install of the addtag wheel"
wf_check_call "$T/venv" simple
rc=$(LD_LIBRARY_PATH="$libs" status "$AW" addtag -w "$T/tag2" "$privlib")
wf_assert_eq 1 "$rc" "addtag of a wheel that needs repair"

# --- --version -------------------------------------------------------------------
v=$("$AW" --version)
[[ "$v" =~ ^auditwheel\ [0-9]+\.[0-9]+\.[0-9]+\ .*wheelfix ]] || wf_fail "auditwheel --version: '$v'"
echo "auditwheel drop-in: ok"
