#!/usr/bin/env bash
# shellcheck disable=SC2016  # $ORIGIN is meant literally
# The patchelf command line (a symlink named patchelf to wheelfix) for the
# flags test_patchelf.sh does not cover: --set-interpreter, --remove-needed,
# --remove-rpath, --no-default-lib, --add-debug-tag,
# --rename-dynamic-symbols, --page-size, and @FILE values for flags other
# than --set-rpath.  Results are compared with Debian's patchelf (--print-*,
# readelf) where it has the flag, and the patched programs are run.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
command -v patchelf >/dev/null || wf_skip "Debian's patchelf is not installed"
command -v gcc >/dev/null || wf_skip "gcc not installed"
[ "$(uname -m)" = x86_64 ] || wf_skip "fixtures assume an x86_64 host"
REF=$(command -v patchelf)
wf_mktemp_dir T
mkdir "$T/bin"
ln -s "$WHEELFIX" "$T/bin/patchelf"
PE="$T/bin/patchelf"
cd "$T"
unset LD_LIBRARY_PATH

# ref_has FLAG ARGS...: true when Debian's patchelf knows FLAG (it treats an
# unknown flag as a file name).
ref_has() {
  local f
  f=$(mktemp "$T/probe.XXXXXX")
  cp lib/libv.so.1 "$f"
  "$REF" "$@" "$f" >/dev/null 2>&1
}
# same_print WHAT FILE_A FILE_B FLAGS...: our --print-* of A equals Debian's of B.
same_print() {
  local what=$1 a=$2 b=$3
  shift 3
  local oa ob
  oa=$("$PE" "$@" "$a" 2>&1) || wf_fail "$what: wheelfix $* $a: $oa"
  ob=$("$REF" "$@" "$b" 2>&1) || wf_fail "$what: patchelf $* $b: $ob"
  wf_assert_eq "$ob" "$oa" "$what ($*; left: Debian's patchelf on its own edit)"
}
dyn() { readelf -dW "$1"; }

# --- Fixtures.
mkdir lib
printf 'int lib_value(void) { return 42; }\n' >lib.c
gcc -shared -fPIC -o lib/libv.so.1 -Wl,-soname,libv.so.1 lib.c
printf 'extern int lib_value(void);\nint main(void) { return lib_value() == 42 ? 0 : 1; }\n' >p.c
gcc -o prn p.c -Llib -l:libv.so.1 -Wl,--enable-new-dtags,-rpath,'$ORIGIN/lib'
gcc -no-pie -o prp p.c -Llib -l:libv.so.1 -Wl,--disable-new-dtags,-rpath,'$ORIGIN/lib'
# Prints the mapped shared objects (the interpreter among them).
cat >maps.c <<'EOF'
#include <stdio.h>
#include <string.h>
int main(void) {
  FILE* f = fopen("/proc/self/maps", "r");
  char line[4096];
  while (f && fgets(line, sizeof line, f))
    if (strstr(line, ".so")) fputs(line, stdout);
  return f ? 0 : 1;
}
EOF
gcc -o maps maps.c
gcc -no-pie -o maps_nopie maps.c
# dlopens argv[1] and prints NAME=value (or NAME=missing) for each symbol.
cat >dl.c <<'EOF'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char** argv) {
  void* h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 2; }
  for (int i = 2; i < argc; ++i) {
    int (*f)(void) = (int (*)(void))dlsym(h, argv[i]);
    if (f) printf("%s=%d\n", argv[i], f()); else printf("%s=missing\n", argv[i]);
  }
  return 0;
}
EOF
gcc -o dl dl.c -ldl
{ ./prn && ./prp; } || wf_fail "fixture programs do not run"
fresh() {  # fresh DIR FILES...: DIR/ with copies of FILES and lib/
  mkdir -p "$1/lib"
  cp lib/libv.so.1 "$1/lib/"
  local d=$1
  shift
  cp "$@" "$d/"
}

# --- --set-interpreter: a copy of the real loader, under a longer path (the
# string cannot stay in place) and a shorter one; the kernel must map it.
interp=$("$REF" --print-interpreter maps)
[ -f "$interp" ] || wf_fail "cannot find the loader $interp"
mkdir -p "$T/loader/a-longer-folder-name-than-the-original-interpreter"
long="$T/loader/a-longer-folder-name-than-the-original-interpreter/ld-copy.so.2"
short="$T/l.so"
[ "${#short}" -lt "${#interp}" ] || wf_skip "temporary folder path too long for the in-place interpreter case"
cp -L "$interp" "$long"
cp -L "$interp" "$short"
chmod +x "$long" "$short"
./maps | wf_has -F "$long" && wf_fail "control: maps already shows $long"
for prog in maps maps_nopie; do
  for new in "$long" "$short"; do
    fresh wf "$prog"
    fresh ref "$prog"
    "$PE" --set-interpreter "$new" "wf/$prog" || wf_fail "--set-interpreter $new $prog"
    "$REF" --set-interpreter "$new" "ref/$prog"
    same_print "--set-interpreter $prog" "wf/$prog" "ref/$prog" --print-interpreter
    wf_assert_eq "$new" "$("$REF" --print-interpreter "wf/$prog")" "interpreter of $prog as Debian's patchelf reads it"
    out=$("./wf/$prog") || wf_fail "$prog with interpreter $new does not run"
    wf_has -F "$new" <<<"$out" || wf_fail "$prog: $new is not mapped: $out"
  done
done

# --- --remove-needed: a program that needs, but does not use, libv.so.1 and
# libm.so.6 runs without libv afterwards; Debian's patchelf agrees.
printf 'int main(void) { return 0; }\n' >unused.c
gcc -o unused unused.c -Wl,--no-as-needed -Llib -l:libv.so.1 -lm -Wl,--enable-new-dtags,-rpath,'$ORIGIN/lib'
fresh wf unused
fresh ref unused
rm wf/lib/libv.so.1
if (cd wf && ./unused 2>/dev/null); then wf_fail "control: 'unused' ran without libv.so.1"; fi
"$PE" --remove-needed libv.so.1 --remove-needed libm.so.6 wf/unused || wf_fail "--remove-needed"
"$REF" --remove-needed libv.so.1 ref/unused
"$REF" --remove-needed libm.so.6 ref/unused
same_print "--remove-needed" wf/unused ref/unused --print-needed
dyn wf/unused | wf_has -E 'NEEDED.*(libv|libm)' && wf_fail "--remove-needed left: $(dyn wf/unused | grep NEEDED)"
(cd wf && ./unused) || wf_fail "'unused' does not run after --remove-needed libv.so.1"

# --- --remove-rpath (RUNPATH and RPATH): gone; the program then needs
# LD_LIBRARY_PATH to find libv.
for prog in prn prp; do
  fresh wf $prog
  fresh ref $prog
  "$PE" --remove-rpath wf/$prog || wf_fail "--remove-rpath $prog"
  "$REF" --remove-rpath ref/$prog
  same_print "--remove-rpath $prog" wf/$prog ref/$prog --print-rpath
  wf_assert_eq "" "$("$PE" --print-rpath wf/$prog)" "rpath after --remove-rpath"
  dyn wf/$prog | wf_has -E '\((RPATH|RUNPATH)\)' && wf_fail "$prog still has: $(dyn wf/$prog | grep PATH)"
  if (cd wf && ./$prog 2>/dev/null); then wf_fail "$prog found libv.so.1 without a path"; fi
  (cd wf && LD_LIBRARY_PATH=lib ./$prog) || wf_fail "$prog does not run with LD_LIBRARY_PATH after --remove-rpath"
done

# --- --no-default-lib: DF_1_NODEFLIB joins existing DT_FLAGS_1 bits (PIE) or
# adds the entry; the loader then skips its cache and default folders, so
# even libc is only found through LD_LIBRARY_PATH.
libc_dir=$(dirname "$(ldd ./prn | awk '$1 == "libc.so.6" { print $3 }')")
[ -d "$libc_dir" ] || wf_fail "cannot find libc's folder"
for f in prn prp lib/libv.so.1; do
  fresh wf "$f"
  fresh ref "$f"
  b=$(basename "$f")
  "$PE" --no-default-lib "wf/$b" || wf_fail "--no-default-lib $b"
  "$PE" --no-default-lib "wf/$b" || wf_fail "--no-default-lib $b (twice)"
  "$REF" --no-default-lib "ref/$b"
  wf_assert_eq "$(dyn "ref/$b" | grep FLAGS_1)" "$(dyn "wf/$b" | grep FLAGS_1)" "DT_FLAGS_1 of $b"
  dyn "wf/$b" | wf_has 'FLAGS_1.*NODEFLIB' || wf_fail "$b: no NODEFLIB: $(dyn "wf/$b" | grep FLAGS)"
done
dyn wf/prn | wf_has 'FLAGS_1.*NODEFLIB PIE' || wf_fail "prn lost PIE: $(dyn wf/prn | grep FLAGS)"
for prog in prn prp; do
  if (cd wf && ./$prog 2>/dev/null); then wf_fail "$prog ran with NODEFLIB and no LD_LIBRARY_PATH"; fi
  (cd wf && LD_LIBRARY_PATH="$libc_dir" ./$prog) || wf_fail "$prog does not run with NODEFLIB and LD_LIBRARY_PATH"
done

# --- --add-debug-tag: one DT_DEBUG added to a library; a program that has
# one is left byte-identical.
fresh wf prn lib/libv.so.1
dyn wf/libv.so.1 | wf_has '(DEBUG)' && wf_fail "control: libv.so.1 already has DT_DEBUG"
"$PE" --add-debug-tag wf/libv.so.1 wf/prn || wf_fail "--add-debug-tag"
wf_assert_eq 1 "$(dyn wf/libv.so.1 | grep -c '(DEBUG)')" "DT_DEBUG entries in the library"
cmp -s prn wf/prn || wf_fail "--add-debug-tag changed a program that had DT_DEBUG"
wf_assert_eq "lib_value=42" "$(./dl "$T/wf/libv.so.1" lib_value)" "library after --add-debug-tag"
if ref_has --add-debug-tag; then
  cp lib/libv.so.1 ref/libv.so.1
  "$REF" --add-debug-tag ref/libv.so.1
  wf_assert_eq "$(dyn ref/libv.so.1 | grep -c '(DEBUG)')" "$(dyn wf/libv.so.1 | grep -c '(DEBUG)')" "DT_DEBUG count vs patchelf"
fi

# --- --rename-dynamic-symbols: exported names (with enough symbols that GNU
# hash buckets matter), looked up through dlsym and by a program linked
# against the renamed library; and an imported name in a consumer.
python3 - >ren.c <<'PY'
print("int old_func(void) { return 1234; }")
print("int keep_func(void) { return 5; }")
for i in range(300):
    print(f"int filler_{i}(void) {{ return {i}; }}")
PY
mkdir -p ren
gcc -shared -fPIC -o ren/libren.so -Wl,-soname,libren.so ren.c
printf 'old_func new_func_with_a_longer_name\n\nfiller_7\trenamed_7\n' >ren.map
"$PE" --rename-dynamic-symbols ren.map ren/libren.so || wf_fail "--rename-dynamic-symbols"
got=$(./dl "$T/ren/libren.so" new_func_with_a_longer_name old_func renamed_7 filler_7 keep_func filler_8 filler_299)
wf_assert_eq "new_func_with_a_longer_name=1234
old_func=missing
renamed_7=7
filler_7=missing
keep_func=5
filler_8=8
filler_299=299" "$got" "dlsym after renaming"
printf 'extern int new_func_with_a_longer_name(void);\nint main(void) { return new_func_with_a_longer_name() == 1234 ? 0 : 1; }\n' >ren_main.c
gcc -o ren/main ren_main.c -Lren -lren -Wl,-rpath,'$ORIGIN'
./ren/main || wf_fail "a program linked against the renamed symbol does not run"
if command -v eu-elflint >/dev/null; then
  eu-elflint --gnu-ld ren/libren.so >elflint.txt 2>&1 || wf_fail "eu-elflint on the renamed library: $(head -20 elflint.txt)"
fi
mkdir -p consumer
printf 'int helper_a(void) { return 1; }\nint helper_b(void) { return 2; }\n' >helper.c
printf 'extern int helper_a(void);\nint user_value(void) { return helper_a(); }\n' >user.c
gcc -shared -fPIC -o consumer/libhelper.so -Wl,-soname,libhelper.so helper.c
gcc -shared -fPIC -o consumer/libuser.so -Wl,-soname,libuser.so user.c -Lconsumer -lhelper -Wl,-rpath,'$ORIGIN'
wf_assert_eq "user_value=1" "$(./dl "$T/consumer/libuser.so" user_value)" "control: consumer before renaming"
printf 'helper_a helper_b\n' >consumer.map
"$PE" --rename-dynamic-symbols consumer.map consumer/libuser.so || wf_fail "--rename-dynamic-symbols (import)"
wf_assert_eq "user_value=2" "$(./dl "$T/consumer/libuser.so" user_value)" "consumer after renaming its import"
printf 'only_one_word\n' >bad.map
cp lib/libv.so.1 bad.so
set +e
err=$("$PE" --rename-dynamic-symbols bad.map bad.so 2>&1)
rc=$?
set -e
wf_assert_eq 1 "$rc" "exit status for a malformed rename map"
wf_has -F "bad.map: line 1" <<<"$err" || wf_fail "malformed rename map message: $err"
cmp -s lib/libv.so.1 bad.so || wf_fail "a malformed rename map modified the file"

# --- --page-size: the segment added for a grown .dynstr is aligned to it
# (p_align, and address congruent to offset); the library still loads.
long_rpath="/opt/$(printf 'x%.0s' {1..300})"
last_load() { readelf -lW "$1" | awk '$1 == "LOAD" { l = $2 " " $3 " " $NF } END { print l }'; }
for ps in default 65536 2097152; do
  cp lib/libv.so.1 "ps-$ps.so"
  if [ $ps = default ]; then
    "$PE" --set-rpath "$long_rpath" "ps-$ps.so" || wf_fail "--set-rpath (page size $ps)"
    want=0x1000
  else
    "$PE" --page-size $ps --set-rpath "$long_rpath" "ps-$ps.so" || wf_fail "--page-size $ps"
    want=$(printf '0x%x' $ps)
  fi
  read -r off addr align <<<"$(last_load "ps-$ps.so")"
  wf_assert_eq "$want" "$align" "p_align of the added PT_LOAD (page size $ps)"
  [ $((off % align)) -eq $((addr % align)) ] || wf_fail "page size $ps: offset $off and address $addr disagree modulo $align"
  [ $((addr)) -gt $((off)) ] || wf_fail "page size $ps: the new segment was not placed above the others"
  wf_assert_eq "$long_rpath" "$("$REF" --print-rpath "ps-$ps.so")" "rpath (page size $ps) as Debian's patchelf reads it"
  wf_assert_eq "lib_value=42" "$(./dl "$T/ps-$ps.so" lib_value)" "library with page size $ps"
done
wf_assert_eq 0x1000 "$(readelf -lW lib/libv.so.1 | awk '$1 == "LOAD" && !a { a = $NF } END { print a }')" "control: the fixture's PT_LOAD alignment"
for bad in 3 0 x; do
  if "$PE" --page-size $bad --set-rpath "$long_rpath" "ps-default.so" 2>/dev/null; then
    wf_fail "--page-size $bad accepted"
  fi
done

# --- @FILE values: each flag given "@file" produces the same bytes as the
# value given literally; Debian's patchelf agrees where it reads @file.
at() { printf '%s' "$2" >"$1"; }  # at FILE VALUE (no trailing newline)
at a-interp "$long"
at a-soname libv-renamed.so.1
at a-needed libm.so.6
at a-needed2 libv.so.1
at a-rpath '$ORIGIN/extra'
at a-page 65536
at a-abi FreeBSD
at a-sym fopen
at a-out "$T/at-output.so"
check_at() {  # check_at FILE FLAG VALUE ATFILE: @ATFILE and VALUE give the same result
  local file=$1 flag=$2 value=$3 atfile=$4
  cp "$file" at-lit
  cp "$file" at-file
  "$PE" "$flag" "$value" at-lit || wf_fail "$flag $value"
  "$PE" "$flag" "@$atfile" at-file || wf_fail "$flag @$atfile"
  cmp -s at-lit at-file || wf_fail "$flag @$atfile differs from $flag $value"
  cmp -s "$file" at-lit && wf_fail "$flag $value changed nothing (the check would be vacuous)"
  return 0
}
check_at maps --set-interpreter "$long" a-interp
check_at lib/libv.so.1 --set-soname libv-renamed.so.1 a-soname
check_at lib/libv.so.1 --add-needed libm.so.6 a-needed
check_at unused --remove-needed libv.so.1 a-needed2
check_at prn --add-rpath '$ORIGIN/extra' a-rpath
check_at maps --set-os-abi FreeBSD a-abi
check_at maps --clear-symbol-version fopen a-sym
# --page-size @file: with a growing edit, so the alignment shows.
cp lib/libv.so.1 at-lit && cp lib/libv.so.1 at-file
"$PE" --page-size 65536 --set-rpath "$long_rpath" at-lit
"$PE" --page-size @a-page --set-rpath "$long_rpath" at-file || wf_fail "--page-size @a-page"
cmp -s at-lit at-file || wf_fail "--page-size @file differs from the literal value"
# --output @file writes to the path held in the file.
"$PE" --set-soname libout.so --output @a-out lib/libv.so.1 || wf_fail "--output @a-out"
wf_assert_eq libout.so "$("$REF" --print-soname "$T/at-output.so")" "--output @file"
wf_assert_eq libv.so.1 "$("$REF" --print-soname lib/libv.so.1)" "input of --output @file"
# A missing @file: patchelf's "getting info about" error, the file untouched.
before=$(sha256sum lib/libv.so.1)
if err=$("$PE" --set-rpath @"$T/no-such-file" lib/libv.so.1 2>&1); then wf_fail "a missing @file was accepted"; fi
wf_has -F "getting info about '$T/no-such-file': No such file or directory" <<<"$err" ||
  wf_fail "missing @file message: $err"
wf_assert_eq "$before" "$(sha256sum lib/libv.so.1)" "input after a missing @file"
# The same @file edits with Debian's patchelf, where it supports them.
for edit in --set-soname:a-soname --add-needed:a-needed; do
  flag=${edit%%:*} value_file=${edit#*:}
  cp lib/libv.so.1 at-wf
  cp lib/libv.so.1 at-ref
  "$PE" "$flag" "@$value_file" at-wf
  "$REF" "$flag" "@$value_file" at-ref 2>/dev/null || continue
  same_print "$flag @file" at-wf at-ref --print-soname --print-needed
done
# A missing @file is an error naming it, and the target is untouched.
cp lib/libv.so.1 at-missing
set +e
err=$("$PE" --set-soname @no-such-file at-missing 2>&1)
rc=$?
set -e
wf_assert_eq 1 "$rc" "exit status for a missing @file"
wf_has -F "no-such-file" <<<"$err" || wf_fail "missing @file message: $err"
cmp -s lib/libv.so.1 at-missing || wf_fail "a missing @file modified the target"
echo "test_patchelf_flags: ok"
