#!/usr/bin/env bash
# `wheelfix repair` options end to end, on the test wheels: --strip,
# -L/--lib-sdir, -z, --no-update-tags, WHEELFIX_PLAT / AUDITWHEEL_PLAT, the
# default output folder, --ldpaths, --root, determinism and idempotence on
# wheels other than privlib, and RECORD.jws / RECORD.p7s being dropped.
# Repaired wheels that vendor libraries are installed into fresh venvs and
# imported with the private libraries hidden (as in test_repair.sh).
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_build_testwheels
wf_mktemp_dir tmp
wf_can_hide_libs || wf_skip "cannot hide libraries (unshare -m) here"
unset LD_LIBRARY_PATH WHEELFIX_PLAT AUDITWHEEL_PLAT

L="$WF_TESTWHEELS/privlib-libs"
WL="$WF_TESTWHEELS/withscript-libs"
hidden="$L/libwfpriv.so.1 $L/libwfdep.so.2 $WL/libwfhello.so.1"
privlib=$(wf_testwheel privlib)
simple=$(wf_testwheel simple)
repaired_name="privlib-0.1.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"

# repair ARGS...: wheelfix repair -q with the privlib libraries on LD_LIBRARY_PATH.
repair() { LD_LIBRARY_PATH="$L:$WL" "$WHEELFIX" repair -q "$@"; }

# installs_and_works WHEEL NAME: fresh venv, pip install, the test wheel's
# call must work with LD_LIBRARY_PATH unset and the private libraries hidden.
installs_and_works() {
  local venv
  venv="$tmp/venv-$(basename "$1" .whl)"
  wf_fresh_venv "$venv"
  wf_pip_install "$venv" "$1" || wf_fail "pip install $(basename "$1")"
  bash -c "$(declare -f); $(declare -p WF_TESTWHEELS); wf_hide_libs '$hidden' wf_check_call '$venv' '$2'" ||
    wf_fail "$(basename "$1"): does not work with the private libraries hidden"
}

# valid WHEEL: RECORD recomputed, zipfile/unzip agree the archive is sound.
valid() {
  python3 "$WHEELFIX_SOURCE_DIR/tests/e2e/check_wheel.py" "$1" || wf_fail "$(basename "$1"): invalid output"
  unzip -tq "$1" >/dev/null || wf_fail "unzip -t $(basename "$1")"
}

# py CODE ARGS...: runs python3 -c CODE ARGS... with zipfile, json, sys imported.
py() {
  local code=$1
  shift
  python3 -c "import hashlib, json, sys, zipfile
$code" "$@"
}

# --- --strip: no ELF member has a .symtab afterwards; control: without it they do.
symtabs() {  # symtabs WHEEL: "<member> <number of .symtab sections>" per ELF member
  local dir
  dir=$(mktemp -d "$tmp/x.XXXXXX")
  unzip -q "$1" -d "$dir"
  find "$dir" -type f | sort | while read -r f; do
    [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
    echo "${f#"$dir"/} $(readelf -SW "$f" | grep -c ' \.symtab ' || true)"
  done
}
repair -w "$tmp/plain" "$privlib" || wf_fail "repair (no options)"
repair --strip -w "$tmp/strip" "$privlib" || wf_fail "repair --strip"
plain_syms=$(symtabs "$tmp/plain/$repaired_name")
strip_syms=$(symtabs "$tmp/strip/$repaired_name")
wf_assert_eq 3 "$(wc -l <<<"$strip_syms")" "ELF members after --strip ($strip_syms)"
grep -q ' 1$' <<<"$plain_syms" || wf_fail "control: no ELF member of the unstripped repair has .symtab: $plain_syms"
grep -qv ' 0$' <<<"$strip_syms" && wf_fail "--strip left a .symtab: $strip_syms"
valid "$tmp/strip/$repaired_name"
installs_and_works "$tmp/strip/$repaired_name" privlib

# --- -L/--lib-sdir: libraries go to privlib.vendored/, the extension's path points there.
repair -L .vendored -w "$tmp/sdir" "$privlib" || wf_fail "repair -L .vendored"
py '
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
vendored = sorted(n for n in names if n.startswith("privlib.vendored/"))
assert [n.split("/")[1].split("-")[0] for n in vendored] == ["libwfdep", "libwfpriv"], names
assert not any(n.startswith("privlib.libs/") for n in names), names
' "$tmp/sdir/$repaired_name" || wf_fail "-L .vendored: members"
unzip -p "$tmp/sdir/$repaired_name" privlib.cpython-311-x86_64-linux-gnu.so >"$tmp/sdir-ext.so"
readelf -d "$tmp/sdir-ext.so" | wf_has -E 'R(UN)?PATH.*\[\$ORIGIN/privlib\.vendored\]' ||
  wf_fail "-L .vendored: extension path: $(readelf -d "$tmp/sdir-ext.so" | grep PATH)"
valid "$tmp/sdir/$repaired_name"
installs_and_works "$tmp/sdir/$repaired_name" privlib

# --- -z: members written anew are stored at 0 and deflated smaller at 9;
# same contents; every output passes unzip -t and zipfile's testzip.
for z in 0 1 9; do
  repair -z $z -w "$tmp/z$z" "$privlib" || wf_fail "repair -z $z"
  unzip -tq "$tmp/z$z/$repaired_name" >/dev/null || wf_fail "unzip -t of the -z $z output"
done
py '
def infos(p):
    z = zipfile.ZipFile(p)
    assert z.testzip() is None, p
    return {i.filename: (i.compress_type, i.compress_size, i.file_size, z.read(i)) for i in z.infolist()}
z0, z1, z9 = (infos(p) for p in sys.argv[1:4])
assert z0.keys() == z9.keys() == z1.keys()
rewritten = [n for n in z0 if n.endswith((".so", ".so.1", ".so.2", "/WHEEL", "/RECORD", ".cdx.json"))]
assert len(rewritten) == 6, rewritten
for n in z0:
    assert z0[n][3] == z9[n][3] == z1[n][3], n + ": contents depend on -z"
for n in rewritten:
    assert z0[n][0] == zipfile.ZIP_STORED and z0[n][1] == z0[n][2], (n, z0[n][:3])
    assert z9[n][0] == zipfile.ZIP_DEFLATED and z9[n][1] < z9[n][2], (n, z9[n][:3])
elf = [n for n in rewritten if ".so" in n]
assert sum(z9[n][1] for n in elf) < sum(z1[n][1] for n in elf), "-z 9 is not smaller than -z 1"
' "$tmp/z0/$repaired_name" "$tmp/z1/$repaired_name" "$tmp/z9/$repaired_name" || wf_fail "-z 0/1/9 compression"

# --- --no-update-tags: vendored, but the file name and WHEEL tags stay linux_*.
repair --no-update-tags -w "$tmp/notags" "$privlib" || wf_fail "repair --no-update-tags"
out=$(ls "$tmp/notags")
wf_assert_eq "$(basename "$privlib")" "$out" "--no-update-tags output name"
py '
z = zipfile.ZipFile(sys.argv[1])
src = zipfile.ZipFile(sys.argv[2])
tags = lambda zz: [l for l in zz.read("privlib-0.1.0.dist-info/WHEEL").decode().splitlines() if l.startswith("Tag:")]
assert tags(z) == tags(src) == ["Tag: cp311-cp311-linux_x86_64"], (tags(z), tags(src))
assert any(n.startswith("privlib.libs/libwfpriv-") for n in z.namelist()), z.namelist()
' "$tmp/notags/$out" "$privlib" || wf_fail "--no-update-tags content"
valid "$tmp/notags/$out"

# --- WHEELFIX_PLAT is the default for --plat and wins over AUDITWHEEL_PLAT;
# --plat wins over both.
plat_of() {  # plat_of DIR: the platform part of the one wheel in DIR
  local f
  f=$(ls "$1")
  f=${f%.whl}
  echo "${f#simple-0.1.0-cp311-cp311-}"
}
WHEELFIX_PLAT=manylinux_2_28_x86_64 AUDITWHEEL_PLAT=manylinux_2_24_x86_64 \
  "$WHEELFIX" repair -q --only-plat -w "$tmp/p1" "$simple" || wf_fail "repair with WHEELFIX_PLAT"
wf_assert_eq manylinux_2_28_x86_64 "$(plat_of "$tmp/p1")" "WHEELFIX_PLAT over AUDITWHEEL_PLAT"
AUDITWHEEL_PLAT=manylinux_2_24_x86_64 "$WHEELFIX" repair -q --only-plat -w "$tmp/p2" "$simple" ||
  wf_fail "repair with AUDITWHEEL_PLAT"
wf_assert_eq manylinux_2_24_x86_64 "$(plat_of "$tmp/p2")" "AUDITWHEEL_PLAT alone"
WHEELFIX_PLAT=manylinux_2_28_x86_64 AUDITWHEEL_PLAT=manylinux_2_24_x86_64 \
  "$WHEELFIX" repair -q --only-plat --plat manylinux_2_31_x86_64 -w "$tmp/p3" "$simple" || wf_fail "repair --plat"
wf_assert_eq manylinux_2_31_x86_64 "$(plat_of "$tmp/p3")" "--plat over both variables"
WHEELFIX_PLAT=manylinux_2_28_x86_64 "$WHEELFIX" repair -q -w "$tmp/p4" "$simple" || wf_fail "WHEELFIX_PLAT as a floor"
wf_assert_eq manylinux1_x86_64.manylinux_2_28_x86_64.manylinux_2_5_x86_64 "$(plat_of "$tmp/p4")" \
  "WHEELFIX_PLAT without --only-plat (a floor, named too)"
# An unreachable AUDITWHEEL_PLAT fails privlib, but WHEELFIX_PLAT=auto overrides it.
if AUDITWHEEL_PLAT=manylinux_2_5_x86_64 repair -w "$tmp/p5" "$privlib" 2>/dev/null; then
  wf_fail "control: AUDITWHEEL_PLAT=manylinux_2_5_x86_64 repaired privlib"
fi
WHEELFIX_PLAT=auto AUDITWHEEL_PLAT=manylinux_2_5_x86_64 repair -w "$tmp/p6" "$privlib" ||
  wf_fail "WHEELFIX_PLAT=auto did not override AUDITWHEEL_PLAT"
[ -f "$tmp/p6/$repaired_name" ] || wf_fail "WHEELFIX_PLAT=auto: got $(ls "$tmp/p6")"
if WHEELFIX_PLAT=manylinux_2_5_x86_64 repair -w "$tmp/p7" "$privlib" 2>/dev/null; then
  wf_fail "WHEELFIX_PLAT=manylinux_2_5_x86_64 repaired privlib (the variable was ignored)"
fi

# --- The default output folder is ./wheelhouse.
mkdir -p "$tmp/cwd"
(cd "$tmp/cwd" && "$WHEELFIX" repair -q "$simple") || wf_fail "repair without -w"
found=$(cd "$tmp/cwd" && find . -type f | sort)
wf_assert_eq "./wheelhouse/simple-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl" "$found" \
  "files written without -w"

# --- --ldpaths replaces LD_LIBRARY_PATH: the same wheel as with LD_LIBRARY_PATH;
# an --ldpaths without the libraries fails even when LD_LIBRARY_PATH has them.
"$WHEELFIX" repair -q --ldpaths "$L" -w "$tmp/ldp" "$privlib" || wf_fail "repair --ldpaths"
cmp "$tmp/plain/$repaired_name" "$tmp/ldp/$repaired_name" ||
  wf_fail "--ldpaths DIR and LD_LIBRARY_PATH=DIR give different wheels"
mkdir -p "$tmp/empty"
set +e
err=$(LD_LIBRARY_PATH="$L" "$WHEELFIX" repair --ldpaths "$tmp/empty" -w "$tmp/ldp2" "$privlib" 2>&1)
rc=$?
set -e
wf_assert_eq 1 "$rc" "exit status with an --ldpaths that lacks the library"
grep -q "needs libwfpriv.so.1, which was not found" <<<"$err" || wf_fail "--ldpaths did not replace LD_LIBRARY_PATH: $err"

# --- --root: the library is vendored from the sysroot (a copy that differs
# from privlib-libs by trailing bytes), found under DIR/usr/lib.
R="$tmp/sysroot"
mkdir -p "$R/usr/lib"
cp "$L/libwfpriv.so.1" "$L/libwfdep.so.2" "$R/usr/lib/"
printf 'WHEELFIX-SYSROOT-COPY' >>"$R/usr/lib/libwfpriv.so.1"
root_sum=$(sha256sum "$R/usr/lib/libwfpriv.so.1" | cut -c1-64)
"$WHEELFIX" repair -q --root "$R" -w "$tmp/root" "$privlib" || wf_fail "repair --root"
py '
z = zipfile.ZipFile(sys.argv[1])
root_sum, root = sys.argv[2], sys.argv[3]
member = "privlib.libs/libwfpriv-%s.so.1" % root_sum[:8]
assert member in z.namelist(), (member, z.namelist())
assert b"WHEELFIX-SYSROOT-COPY" in z.read(member), "the vendored copy is not the sysroot one"
doc = json.loads(z.read("privlib-0.1.0.dist-info/sboms/wheelfix.cdx.json"))
comp = [c for c in doc["components"] if c["name"] == "libwfpriv.so.1"][0]
assert comp["hashes"][0]["content"] == root_sum, comp
props = {p["name"]: p["value"] for p in comp["properties"]}
assert props["wheelfix:source_path"] == root + "/usr/lib/libwfpriv.so.1", props
' "$tmp/root/$repaired_name" "$root_sum" "$R" || wf_fail "--root: vendored library"
valid "$tmp/root/$repaired_name"
installs_and_works "$tmp/root/$repaired_name" privlib

# --- Determinism and idempotence on withscript and cxxext: the same input
# twice gives the same bytes; repairing the output gives the same members.
members() {  # members WHEEL: "<name> <sha256>" per member, in archive order
  py '
z = zipfile.ZipFile(sys.argv[1])
for i in z.infolist():
    print(i.filename, hashlib.sha256(z.read(i)).hexdigest())
' "$1"
}
for name in withscript cxxext; do
  whl=$(wf_testwheel $name)
  repair -w "$tmp/det-$name-1" "$whl" || wf_fail "repair $name"
  repair -w "$tmp/det-$name-2" "$whl" || wf_fail "repair $name again"
  out1=$(ls "$tmp/det-$name-1"/*.whl)
  cmp "$out1" "$tmp/det-$name-2/$(basename "$out1")" || wf_fail "$name: two repairs differ"
  repair -w "$tmp/idem-$name" "$out1" || wf_fail "repair of the repaired $name"
  again="$tmp/idem-$name/$(basename "$out1")"
  [ -f "$again" ] || wf_fail "$name: repairing $(basename "$out1") gave $(ls "$tmp/idem-$name")"
  wf_assert_eq "$(members "$out1")" "$(members "$again")" "$name: members after a second repair"
done
members "$tmp/det-withscript-1"/*.whl | wf_has '^withscript.libs/bin/wfhello ' ||
  wf_fail "withscript: the program was not moved (the idempotence check would be vacuous)"

# --- RECORD.jws and RECORD.p7s are dropped (RECORD is regenerated unsigned).
mkdir -p "$tmp/signed"
signed="$tmp/signed/$(basename "$simple")"
py '
import base64
src, dst = sys.argv[1:3]
zin = zipfile.ZipFile(src)
di = "simple-0.1.0.dist-info/"
members = {n: zin.read(n) for n in zin.namelist() if n != di + "RECORD"}
members[di + "RECORD.jws"] = b"{\"signatures\": []}\n"
members[di + "RECORD.p7s"] = b"-----BEGIN PKCS7-----\n-----END PKCS7-----\n"
def h(b):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
rows = [f"{n},{h(b)},{len(b)}" for n, b in members.items() if not n.endswith((".jws", ".p7s"))]
rows += [di + "RECORD.jws,,", di + "RECORD.p7s,,", di + "RECORD,,"]
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
    for n, b in members.items():
        z.writestr(n, b)
    z.writestr(di + "RECORD", "\n".join(rows) + "\n")
' "$simple" "$signed"
unzip -l "$signed" | wf_has 'RECORD.p7s' || wf_fail "control: the crafted wheel has no RECORD.p7s"
"$WHEELFIX" repair -q -w "$tmp/unsigned" "$signed" || wf_fail "repair of a signed wheel"
out=$(ls "$tmp/unsigned"/*.whl)
py '
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
assert not [n for n in names if n.endswith((".jws", ".p7s"))], names
record = z.read("simple-0.1.0.dist-info/RECORD").decode()
assert ".jws" not in record and ".p7s" not in record, record
assert "simple.cpython-311-x86_64-linux-gnu.so," in record, record
' "$out" || wf_fail "signatures were not dropped"
valid "$out"
echo "test_repair_options: ok"
