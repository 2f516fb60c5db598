#!/usr/bin/env bash
# Wheels whose tag depends on evidence other than symbol versions, built here
# from C: a musl extension that needs nothing from libc (its EXT_SUFFIX says
# musl), PEP 513's fpectl and UCS2 builds (no manylinux/musllinux tag), files
# of an architecture no wheel tag exists for (soft-float ARM, mips64), and
# DT_NEEDED entries that are paths (relative and absolute), which no vendored
# copy can serve.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_mktemp_dir T
command -v gcc >/dev/null || wf_skip "gcc is not installed"
B="$T/build"
mkdir -p "$B"

# mkwheel DIST MEMBER=FILE...: a cp312 linux_x86_64 wheel in $T/in (prints its path).
mkwheel() {
  local dist=$1
  shift
  mkdir -p "$T/in"
  python3 - "$T/in" "$dist" "$@" <<'PY'
import os, sys
sys.dont_write_bytecode = True  # a __pycache__ in testwheels/ would make lib.sh rebuild them
sys.path.insert(0, os.path.join(os.environ["WHEELFIX_SOURCE_DIR"], "testwheels"))
import wheelpack
out, dist = sys.argv[1], sys.argv[2]
files = dict(a.split("=", 1) for a in sys.argv[3:])
print(os.path.join(out, wheelpack.write_wheel(out, dist, "1.0", "cp312-cp312-linux_x86_64", files)))
PY
}

# run_wf OUT ERR ARGS...: runs wheelfix, stores stdout/stderr, echoes the status.
run_wf() {
  local out=$1 err=$2 rc=0
  shift 2
  "$WHEELFIX" "$@" >"$out" 2>"$err" || rc=$?
  echo "$rc"
}

# ---- 2. musl extension without a libc DT_NEEDED --------------------------------
cat >"$B/nolibc.c" <<'EOF'
int PyInit_nolibc(void) { return 42; }
EOF
if command -v musl-gcc >/dev/null; then
  musl_so="$B/nolibc.cpython-312-x86_64-linux-musl.so"
  musl-gcc -shared -fPIC -nostdlib -o "$musl_so" "$B/nolibc.c"
  readelf -d "$musl_so" | wf_has NEEDED && wf_fail "the test extension has a DT_NEEDED entry"
  w=$(mkwheel nolibcmusl "nolibc.cpython-312-x86_64-linux-musl.so=$musl_so")
  rc=$(run_wf "$T/s.out" "$T/s.err" show "$w")
  wf_assert_eq 0 "$rc" "show of a musl-suffixed extension ($(cat "$T/s.err"))"
  grep -q "platform tag: musllinux_1_2_x86_64" "$T/s.out" || wf_fail "musl suffix: $(cat "$T/s.out")"
  grep -q "libc: musl," "$T/s.out" || wf_fail "musl suffix: libc line: $(cat "$T/s.out")"
  [ -s "$T/s.err" ] && wf_fail "musl suffix: unexpected warning: $(cat "$T/s.err")"
  rc=$(run_wf "$T/r.out" "$T/r.err" repair -w "$T/wh-musl" "$w")
  wf_assert_eq 0 "$rc" "repair of a musl-suffixed extension ($(cat "$T/r.err"))"
  wf_assert_eq "nolibcmusl-1.0-cp312-cp312-musllinux_1_2_x86_64.whl" "$(ls "$T/wh-musl")" "musl repair output"
  # The 32-bit ARM musl suffix (musleabihf) is evidence too.
  w=$(mkwheel nolibcarm "nolibc.cpython-312-x86_64-linux-musleabihf.so=$musl_so")
  "$WHEELFIX" show -q "$w" | wf_has "musllinux_1_2_x86_64" || wf_fail "-linux-musleabihf suffix not musl"
else
  wf_skip_case "musl-gcc not installed (Debian musl-tools): musl extension case"
fi
# Nothing says which libc: follow this machine's, with a warning that says so.
plain_so="$B/nolibc.so"
gcc -shared -fPIC -nostdlib -o "$plain_so" "$B/nolibc.c"
host=glibc
[ -e /lib/ld-musl-x86_64.so.1 ] && ! [ -e /lib64/ld-linux-x86-64.so.2 ] && host=musl
w=$(mkwheel nolibcplain "nolibc.so=$plain_so")
rc=$(run_wf "$T/s.out" "$T/s.err" show "$w")
wf_assert_eq 0 "$rc" "show of an extension that names no libc"
grep -q "no file in this wheel says which libc it needs.*assuming $host" "$T/s.err" ||
  wf_fail "no warning about the assumed libc: $(cat "$T/s.err")"
grep -q "libc: $host (assumed" "$T/s.out" || wf_fail "assumed libc not shown: $(cat "$T/s.out")"
"$WHEELFIX" show --json "$w" 2>/dev/null | python3 -c '
import json, sys
w = json.load(sys.stdin)["wheels"][0]
assert w["libc_assumed"] is True and any("assuming" in x for x in w["warnings"]), w' ||
  wf_fail "show --json: libc_assumed / warnings"
# A -linux-gnu suffix is glibc, without a warning.
w=$(mkwheel nolibcgnu "nolibc.cpython-312-x86_64-linux-gnu.so=$plain_so")
rc=$(run_wf "$T/s.out" "$T/s.err" show "$w")
grep -q "platform tag: manylinux1_x86_64.manylinux_2_5_x86_64" "$T/s.out" || wf_fail "gnu suffix: $(cat "$T/s.out")"
[ -s "$T/s.err" ] && wf_fail "gnu suffix: unexpected warning: $(cat "$T/s.err")"

# ---- 3. fpectl and UCS2 builds ----------------------------------------------------
cat >"$B/fpe.c" <<'EOF'
extern char PyFPE_jbuf[];
void *PyInit_fpe(void) { return PyFPE_jbuf; }
EOF
gcc -shared -fPIC -o "$B/fpe.cpython-312-x86_64-linux-gnu.so" "$B/fpe.c"
w=$(mkwheel fpe "fpe.cpython-312-x86_64-linux-gnu.so=$B/fpe.cpython-312-x86_64-linux-gnu.so")
rc=$(run_wf "$T/s.out" "$T/s.err" show "$w")
wf_assert_eq 0 "$rc" "show of an fpectl build"
grep -q "platform tag: linux_x86_64" "$T/s.out" || wf_fail "fpectl: tag: $(cat "$T/s.out")"
grep -q "references PyFPE_jbuf.*fpectl" "$T/s.out" || wf_fail "fpectl: reason: $(cat "$T/s.out")"
rc=$(run_wf "$T/r.out" "$T/r.err" repair -w "$T/wh-fpe" "$w")
wf_assert_eq 1 "$rc" "repair of an fpectl build"
grep -q "PyFPE_jbuf" "$T/r.err" || wf_fail "fpectl: repair error: $(cat "$T/r.err")"
[ -z "$(ls -A "$T/wh-fpe" 2>/dev/null)" ] || wf_fail "fpectl: repair wrote a wheel"

cat >"$B/ucs.c" <<'EOF'
extern void *PyUnicodeUCS2_FromString(const char *);
void *initucs(void) { return PyUnicodeUCS2_FromString("x"); }
EOF
gcc -shared -fPIC -o "$B/ucs.so" "$B/ucs.c"
w=$(mkwheel ucs "ucs.so=$B/ucs.so")
"$WHEELFIX" show "$w" >"$T/s.out" 2>/dev/null || wf_fail "show of a UCS2 build"
grep -q "platform tag: linux_x86_64" "$T/s.out" || wf_fail "ucs2: tag: $(cat "$T/s.out")"
grep -q "uses PyUnicodeUCS2_FromString.*UCS2" "$T/s.out" || wf_fail "ucs2: reason: $(cat "$T/s.out")"
# The same reference from a module that is not a Python 2 extension (no
# init<name>) is not held against it, as auditwheel checks Python 2 only.
cp "$B/ucs.so" "$B/other.so"
w=$(mkwheel ucsother "other.so=$B/other.so")
"$WHEELFIX" show -q "$w" 2>/dev/null | wf_has "manylinux_2_5_x86_64" || wf_fail "UCS2 held against a non-py2 module"

# ---- 4. architectures no wheel tag exists for -----------------------------------
# expect_no_tag WHEEL MEMBER MACHINE-TEXT
expect_no_tag() {
  local rc
  rc=$(run_wf "$T/s.out" "$T/s.err" show "$1")
  wf_assert_eq 1 "$rc" "show of $2 ($(cat "$T/s.err"))"
  grep -q "platform tag: none" "$T/s.out" || wf_fail "$2: show tag: $(cat "$T/s.out")"
  grep -qF "$2 has an architecture no wheel tag exists for ($3" "$T/s.out" || wf_fail "$2: reason: $(cat "$T/s.out")"
  grep -q "error: .*no platform tag exists for this wheel" "$T/s.err" || wf_fail "$2: show error: $(cat "$T/s.err")"
  "$WHEELFIX" show --json "$1" >"$T/s.json" 2>/dev/null || true
  python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["wheels"][0]["tag"] is None' "$T/s.json" ||
    wf_fail "$2: show --json tag is not null"
  rc=$(run_wf "$T/r.out" "$T/r.err" repair -w "$T/wh-arch" "$1")
  wf_assert_eq 1 "$rc" "repair of $2"
  grep -qF "no platform tag exists for this wheel" "$T/r.err" || wf_fail "$2: repair error: $(cat "$T/r.err")"
  grep -qF "$3" "$T/r.err" || wf_fail "$2: repair error lacks the ELF machine: $(cat "$T/r.err")"
  [ -z "$(ls -A "$T/wh-arch" 2>/dev/null)" ] || wf_fail "$2: repair wrote a wheel"
}
if command -v arm-linux-gnueabihf-gcc >/dev/null; then
  arm-linux-gnueabihf-gcc -mfloat-abi=soft -shared -fPIC -nostdlib -o "$B/soft.so" "$B/nolibc.c"
  w=$(mkwheel armsoft "soft.so=$B/soft.so")
  expect_no_tag "$w" soft.so "EM_ARM (40), 32-bit little-endian, e_flags 0x05000200 (EABI5, soft-float)"
else
  wf_skip_case "arm-linux-gnueabihf-gcc not installed: soft-float ARM case"
fi
# mips64 (big-endian, no cross compiler here): a 64-bit big-endian s390x
# library whose e_machine says EM_MIPS.
if command -v s390x-linux-gnu-gcc >/dev/null; then
  s390x-linux-gnu-gcc -shared -fPIC -nostdlib -o "$B/mips.so" "$B/nolibc.c"
  printf '\x00\x08' | dd of="$B/mips.so" bs=1 seek=18 conv=notrunc status=none
  w=$(mkwheel mips "mips.so=$B/mips.so")
  expect_no_tag "$w" mips.so "EM_MIPS (8), 64-bit big-endian"
else
  wf_skip_case "s390x-linux-gnu-gcc not installed: mips64 case"
fi

# ---- 5. DT_NEEDED entries with a '/' --------------------------------------------
mkdir -p "$B/sub"
echo 'int evil(void) { return 7; }' >"$B/evil.c"
gcc -shared -fPIC -o "$B/sub/libevil.so" "$B/evil.c"   # no SONAME: DT_NEEDED is the link path
cp "$B/sub/libevil.so" "$B/libabsevil.so"
cat >"$B/uses.c" <<'EOF'
int evil(void);
int PyInit_uses(void) { return evil(); }
EOF
(cd "$B" && gcc -shared -fPIC -o rel.so uses.c sub/libevil.so && gcc -shared -fPIC -o abs.so uses.c "$B/libabsevil.so")
readelf -d "$B/rel.so" | wf_has -F "[sub/libevil.so]" || wf_fail "rel.so lacks DT_NEEDED sub/libevil.so"
readelf -d "$B/abs.so" | wf_has -F "[$B/libabsevil.so]" || wf_fail "abs.so lacks the absolute DT_NEEDED"
for kind in rel abs; do
  entry="sub/libevil.so"
  [ $kind = abs ] && entry="$B/libabsevil.so"
  w=$(mkwheel "needs$kind" "pkg/$kind.so=$B/$kind.so")
  # Run where the relative path resolves, as the broken repair did.
  rc=0
  (cd "$B" && "$WHEELFIX" show "$w" >"$T/s.out" 2>"$T/s.err") || rc=$?
  wf_assert_eq 0 "$rc" "$kind: show ($(cat "$T/s.err"))"
  grep -q "platform tag: linux_x86_64" "$T/s.out" || wf_fail "$kind: show tag: $(cat "$T/s.out")"
  grep -qF "pkg/$kind.so has DT_NEEDED $entry: a name with a '/'" "$T/s.out" || wf_fail "$kind: reason: $(cat "$T/s.out")"
  rc=0
  (cd "$B" && "$WHEELFIX" repair -w "$T/wh-$kind" "$w" >"$T/r.out" 2>"$T/r.err") || rc=$?
  wf_assert_eq 1 "$rc" "$kind: repair exit status"
  grep -qF "pkg/$kind.so has DT_NEEDED $entry" "$T/r.err" || wf_fail "$kind: repair error: $(cat "$T/r.err")"
  [ -z "$(ls -A "$T/wh-$kind" 2>/dev/null)" ] || wf_fail "$kind: repair wrote a wheel"
done
echo "abi evidence: ok"
