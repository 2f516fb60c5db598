#!/usr/bin/env bash
# Multi-call names: the binary symlinked as `auditwheel` accepts auditwheel's
# command lines (cibuildwheel's default `auditwheel repair -w {dest_dir}
# {wheel}`, AUDITWHEEL_PLAT, --exclude, show, lddtree, --version) and as
# `patchelf` runs patchelf mode; `wheelfix install-links` makes those links.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_mktemp_dir T
wf_build_testwheels
self=$(readlink -f "$WHEELFIX")

mkdir -p "$T/bin" "$T/work"
ln -s "$self" "$T/bin/auditwheel"
ln -s "$self" "$T/bin/patchelf"
AW="$T/bin/auditwheel"
libs="$WF_TESTWHEELS/privlib-libs"
privlib=$(wf_testwheel privlib)
simple=$(wf_testwheel simple)

# --- auditwheel repair, cibuildwheel style ------------------------------------
cd "$T/work"
LD_LIBRARY_PATH="$libs" "$AW" repair -w "$T/dest" "$privlib" >"$T/aw.out" 2>&1 ||
  { cat "$T/aw.out" >&2; wf_fail "auditwheel repair -w DEST WHEEL failed"; }
out=$(ls "$T/dest")
wf_assert_eq "privlib-0.1.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl" "$out" "auditwheel repair output"
# Same logic as `wheelfix repair`: byte-identical output.
LD_LIBRARY_PATH="$libs" "$WHEELFIX" repair -q -w "$T/ref" "$privlib" || wf_fail "wheelfix repair"
cmp "$T/dest/$out" "$T/ref/$out" || wf_fail "auditwheel repair and wheelfix repair wrote different wheels"
# The repaired wheel works without the private libraries.
wf_fresh_venv "$T/venv"
wf_pip_install "$T/venv" "$T/dest/$out" || wf_fail "pip install of the auditwheel-repaired wheel"
(unset LD_LIBRARY_PATH; wf_check_call "$T/venv" privlib)

# --exclude before the wheel takes one value (the wheel is not swallowed).
LD_LIBRARY_PATH="$libs" "$AW" repair --exclude 'libwfdep.so.*' -w "$T/excl" "$privlib" >/dev/null 2>&1 ||
  wf_fail "auditwheel repair --exclude GLOB -w DIR WHEEL failed"
python3 - "$T"/excl/privlib-*.whl <<'PYEOF' || wf_fail "--exclude was not applied"
import sys, zipfile
libs = sorted(n.split("/")[1] for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.startswith("privlib.libs/"))
assert len(libs) == 1 and libs[0].startswith("libwfpriv-"), libs
PYEOF

# AUDITWHEEL_PLAT is the default --plat; an unreachable one fails with reasons
# and, as auditwheel, status 2.
rc=0
AUDITWHEEL_PLAT=manylinux_2_5_x86_64 LD_LIBRARY_PATH="$libs" "$AW" repair -w "$T/low" "$privlib" 2>"$T/low.err" || rc=$?
wf_assert_eq 2 "$rc" "exit status with an unreachable AUDITWHEEL_PLAT"
grep -q "GLIBC_2.14" "$T/low.err" || wf_fail "no reason given: $(cat "$T/low.err")"
AUDITWHEEL_PLAT=manylinux2014_x86_64 "$AW" repair --only-plat -w "$T/only" "$simple" >/dev/null 2>&1 ||
  wf_fail "AUDITWHEEL_PLAT=manylinux2014_x86_64 auditwheel repair --only-plat"
wf_assert_eq "simple-0.1.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl" "$(ls "$T/only")" \
  "AUDITWHEEL_PLAT + --only-plat tag"
AUDITWHEEL_ZIP_COMPRESSION_LEVEL=1 "$AW" repair -w "$T/z1" "$simple" >/dev/null 2>&1 ||
  wf_fail "AUDITWHEEL_ZIP_COMPRESSION_LEVEL=1"
rc=0; AUDITWHEEL_ZIP_COMPRESSION_LEVEL=x "$AW" repair -w "$T/zx" "$simple" >/dev/null 2>&1 || rc=$?
wf_assert_eq 2 "$rc" "exit status for a bad AUDITWHEEL_ZIP_COMPRESSION_LEVEL"
rc=0; "$AW" repair --strip-level=debug -w "$T/sd" "$simple" >/dev/null 2>&1 || rc=$?
wf_assert_eq 2 "$rc" "exit status for the unsupported --strip-level=debug"

# --disable-isa-ext-check is honoured: without it an x86-64-v3 build cannot be
# repaired to manylinux, with it the wheel is retagged.
if isav3=$(wf_testwheel isav3 2>/dev/null); then
  rc=0; "$AW" repair -w "$T/isa-checked" "$isav3" 2>"$T/isa.err" || rc=$?
  wf_assert_eq 2 "$rc" "exit status of auditwheel repair of an x86-64-v3 wheel"
  grep -q "x86-64-v3" "$T/isa.err" || wf_fail "no ISA reason given: $(cat "$T/isa.err")"
  "$AW" repair --disable-isa-ext-check -w "$T/isa" "$isav3" >/dev/null 2>&1 ||
    wf_fail "auditwheel repair --disable-isa-ext-check"
  wf_assert_eq "isav3-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl" "$(ls "$T/isa")" \
    "tag with --disable-isa-ext-check"
  "$AW" show --disable-isa-ext-check "$isav3" | wf_has "manylinux_2_5_x86_64" ||
    wf_fail "auditwheel show --disable-isa-ext-check"
fi

# --- show, lddtree, --version, -h -------------------------------------------------
"$AW" show "$simple" >"$T/show.out" || wf_fail "auditwheel show"
grep -q "manylinux_2_5_x86_64" "$T/show.out" || wf_fail "auditwheel show output: $(cat "$T/show.out")"
"$WHEELFIX" auditwheel show "$simple" | cmp - "$T/show.out" || wf_fail "'wheelfix auditwheel show' differs"
"$AW" lddtree /bin/ls >"$T/ldd.out" || wf_fail "auditwheel lddtree /bin/ls"
grep -q "libc.so.6 => " "$T/ldd.out" || wf_fail "auditwheel lddtree output: $(cat "$T/ldd.out")"
"$AW" --version | wf_has "wheelfix" || wf_fail "auditwheel --version"
"$AW" -V >/dev/null || wf_fail "auditwheel -V"
"$AW" --help | wf_has "repair" || wf_fail "auditwheel --help"
rc=0; "$AW" frobnicate 2>/dev/null || rc=$?
wf_assert_eq 2 "$rc" "exit status for an unknown auditwheel command"

# --- patchelf name ------------------------------------------------------------
lib=$WF_TESTWHEELS/privlib-libs/libwfpriv.so.1
expected=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
wf_assert_eq "$expected" "$("$T/bin/patchelf" --print-needed "$lib")" "patchelf --print-needed"

# --- install-links -------------------------------------------------------------
"$WHEELFIX" install-links "$T/links/sub" >"$T/links.out" || wf_fail "install-links into a new folder"
for n in auditwheel patchelf; do
  [ -L "$T/links/sub/$n" ] || wf_fail "install-links made no symlink $n"
  wf_assert_eq "$self" "$(readlink "$T/links/sub/$n")" "$n link target"
done
wf_assert_eq "$expected" "$("$T/links/sub/patchelf" --print-needed "$lib")" "installed patchelf link"
"$T/links/sub/auditwheel" --version | wf_has wheelfix || wf_fail "installed auditwheel link"
# An existing symlink is replaced.
ln -sfn /nonexistent "$T/links/sub/patchelf"
"$WHEELFIX" install-links -q "$T/links/sub" || wf_fail "install-links over existing symlinks"
wf_assert_eq "$self" "$(readlink "$T/links/sub/patchelf")" "replaced link target"
# A regular file is kept unless --force; a folder always.
rm "$T/links/sub/auditwheel"
echo "mine" >"$T/links/sub/auditwheel"
rc=0; "$WHEELFIX" install-links "$T/links/sub" >/dev/null 2>"$T/links.err" || rc=$?
wf_assert_eq 1 "$rc" "install-links over a regular file"
grep -q "auditwheel: exists and is not a symlink" "$T/links.err" || wf_fail "message: $(cat "$T/links.err")"
wf_assert_eq mine "$(cat "$T/links/sub/auditwheel")" "regular file content after a refused install-links"
"$WHEELFIX" install-links --force -q "$T/links/sub" || wf_fail "install-links --force"
wf_assert_eq "$self" "$(readlink "$T/links/sub/auditwheel")" "--force replaced the file"
mkdir -p "$T/links/dir/patchelf"
rc=0; "$WHEELFIX" install-links --force "$T/links/dir" >/dev/null 2>&1 || rc=$?
wf_assert_eq 1 "$rc" "install-links over a folder"
[ -d "$T/links/dir/patchelf" ] && [ -L "$T/links/dir/auditwheel" ] || wf_fail "folder replaced or other link not made"
[ -z "$(ls -A "$T/links/dir" | grep wheelfix-link)" ] || wf_fail "temporary link left behind"
echo "multicall: ok"
