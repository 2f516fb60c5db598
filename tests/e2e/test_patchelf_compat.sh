#!/usr/bin/env bash
# What patchelf 0.19's own suite checks beyond the flags, on files built
# here: the old bytes of a .dynstr that moves are cleared and a replaced
# string reads XXX (its shared-rpath test), --no-clobber-old-sections keeps
# them, a dynamic table that only a section header names (no PT_DYNAMIC,
# its phdr-corruption test), and patchelf's words in errors and warnings
# (its invalid-elf test), and --build-resolution-cache. Every edited file
# is loaded and called.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
command -v gcc >/dev/null || wf_skip "gcc not installed"
command -v strings >/dev/null || wf_skip "strings (binutils) not installed"
[ "$(uname -m)" = x86_64 ] || wf_skip "fixtures assume an x86_64 host"
wf_mktemp_dir T
mkdir "$T/bin"
ln -s "$WHEELFIX" "$T/bin/patchelf"
PE="$T/bin/patchelf"
cd "$T"

# The linker lets the RUNPATH share its bytes with the symbol name.
cat > a.c <<'EOF'
int a_symbol_name = 46;
int get_value(void) { return a_symbol_name; }
EOF
gcc -shared -fPIC -o libshared.so a.c -Wl,-rpath,a_symbol_name

count() { strings "$1" | grep -c "$2" || true; }
call() { python3 -c 'import ctypes, sys; print(ctypes.CDLL(sys.argv[1]).get_value())' "$1"; }
runpath() { readelf -dW "$1" | sed -n 's/.*Library runpath: \[\(.*\)\]/\1/p'; }
# section_field FILE NAME FIELD: offset (4) or size (5) of a section, in hex
section_field() { readelf -SW "$1" | awk -v n="$2" -v f="$3" '{sub(/^ *\[ *[0-9]+\] */, "")} $1 == n {print $(f)}'; }
# all_zero FILE OFFSET_HEX SIZE_HEX
all_zero() {
  python3 - "$@" <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read()
off, size = int(sys.argv[2], 16), int(sys.argv[3], 16)
sys.exit(0 if data[off:off + size] == bytes(size) else 1)
EOF
}

before=$(count libshared.so a_symbol_name)
old_off=$(section_field libshared.so .dynstr 4)
old_size=$(section_field libshared.so .dynstr 5)
[ -n "$old_off" ] && [ -n "$old_size" ] || wf_fail "no .dynstr in the fixture"

# Longer: .dynstr moves; its old bytes are cleared, the shared string stays.
"$PE" --set-rpath a_very_big_rpath_that_is_larger_than_original --output large.so libshared.so
wf_assert_eq "$before" "$(count large.so a_symbol_name)" "copies of the symbol name after a .dynstr move"
wf_assert_eq 0 "$(count large.so XXXXXXXX)" "a string still in use was overwritten"
all_zero large.so "$old_off" "$old_size" || wf_fail "the old .dynstr bytes were left in large.so"
wf_assert_eq a_very_big_rpath_that_is_larger_than_original "$(runpath large.so)" "runpath of large.so"
wf_assert_eq 46 "$(call "$T/large.so")" "large.so called"

# --no-clobber-old-sections keeps them.
"$PE" --no-clobber-old-sections --set-rpath a_very_big_rpath_that_is_larger_than_original --output kept.so libshared.so
wf_assert_eq "$((before + 1))" "$(count kept.so a_symbol_name)" "copies of the symbol name with --no-clobber-old-sections"
all_zero kept.so "$old_off" "$old_size" && wf_fail "--no-clobber-old-sections cleared the old .dynstr"
wf_assert_eq 46 "$(call "$T/kept.so")" "kept.so called"

# The RUNPATH is now a string of its own: replacing it leaves one XXX run.
"$PE" --set-rpath a_very_big_rpath_that_is_larger_than_original__even_larger --output large2.so large.so
wf_assert_eq 1 "$(count large2.so XXXXXXXX)" "runs of X after replacing an unshared string"
wf_assert_eq 0 "$(count large2.so 'larger_than_original$')" "the replaced RUNPATH is still readable"
wf_assert_eq 46 "$(call "$T/large2.so")" "large2.so called"

# Replacing it again and again keeps one run and does not grow the file.
cp large2.so flips.so
size2=$(stat -c %s flips.so)
for i in $(seq 1 20); do
  "$PE" --set-rpath "/opt/flip-$((i % 2))-$(printf 'q%.0s' $(seq 1 $((40 + i % 7))))" flips.so
done
wf_assert_eq 1 "$(count flips.so XXXXXXXX)" "runs of X after 20 replacements"
[ "$(stat -c %s flips.so)" -le "$((size2 + 128))" ] || wf_fail "20 replacements grew the file from $size2 to $(stat -c %s flips.so)"
wf_assert_eq 46 "$(call "$T/flips.so")" "flips.so called"

# No PT_DYNAMIC, only the .dynamic section (patchelf edits it there).
python3 - libshared.so nodyn.so <<'EOF'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
phoff, = struct.unpack_from('<Q', d, 32)
phentsize, phnum = struct.unpack_from('<HH', d, 54)
for i in range(phnum):
    at = phoff + i * phentsize
    if struct.unpack_from('<I', d, at)[0] == 2:  # PT_DYNAMIC -> PT_NULL
        struct.pack_into('<I', d, at, 0)
open(sys.argv[2], 'wb').write(d)
EOF
readelf -lW nodyn.so | grep -q DYNAMIC && wf_fail "fixture still has PT_DYNAMIC"
err=$("$PE" --set-rpath /a/new/and/longer/run/path/for/nodyn nodyn.so 2>&1) || wf_fail "no PT_DYNAMIC: $err"
readelf -p .dynstr nodyn.so | grep -q /a/new/and/longer/run/path/for/nodyn || wf_fail "the new run path is not in .dynstr"
wf_assert_eq /a/new/and/longer/run/path/for/nodyn "$("$PE" --print-rpath nodyn.so)" "--print-rpath without PT_DYNAMIC"
warn=$(readelf -lW nodyn.so 2>&1 >/dev/null)
wf_assert_eq "" "$warn" "readelf's complaints about the edited program headers"

# patchelf's words, which its invalid-elf test (and scripts) look for.
# expect_error NAME PHRASE PATCHELF-ARGS...: fails, saying PHRASE.
expect_error() {
  local name=$1 phrase=$2
  shift 2
  local out
  if out=$("$PE" "$@" 2>&1); then wf_fail "$name: accepted"; fi
  grep -q -- "$phrase" <<<"$out" || wf_fail "$name: expected '$phrase', got: $out"
}
# poke FILE OFFSET BYTES(python bytes literal)
poke() { python3 -c "import sys; d = bytearray(open(sys.argv[1], 'rb').read()); d[$2:$2 + len($3)] = $3; open(sys.argv[1], 'wb').write(d)" "$1"; }
cp libshared.so noterm.so
poke noterm.so "$((0x$old_off + 0x$old_size - 1))" "b'A'"
expect_error dynstr-noterm 'string table is not NUL-terminated' --print-needed noterm.so
cp libshared.so shentsize.so
poke shentsize.so 58 "b'\\x30\\x00'"
expect_error shentsize 'section headers have wrong size' --set-rpath /x shentsize.so
cp libshared.so shstrndx.so
poke shstrndx.so 62 "b'\\xff\\xff'"
expect_error shstrndx 'string table index out of bounds' --output /dev/null shstrndx.so
# An unnamed section is only warned about.
cp libshared.so unnamed.so
shoff=$(python3 -c "import struct; print(struct.unpack_from('<Q', open('libshared.so', 'rb').read(), 40)[0])")
poke unnamed.so "$((shoff + 64))" "b'\\0\\0\\0\\0'"
out=$("$PE" --set-rpath /x unnamed.so 2>&1) || wf_fail "unnamed section refused: $out"
grep -q 'warning: .* refers to an unnamed section' <<<"$out" || wf_fail "no warning about the unnamed section: $out"
wf_assert_eq 46 "$(call "$T/unnamed.so")" "unnamed.so called"

# --build-resolution-cache (patchelf 0.19): a program whose libraries are
# found through its RUNPATH gets a note recording where; it still runs,
# a second run changes nothing, an edit of the run path retires the note.
mkdir -p libsA libsB
echo 'int foo(void) { return 46; }' > foo.c
echo 'int foo(void); int main(void) { return foo(); }' > main.c
gcc -shared -fPIC -o libsA/libfoo.so foo.c
cp libsA/libfoo.so libsB/
gcc -o prog main.c -LlibsA -lfoo
cp prog norp
"$PE" --set-rpath "$T/libsA" prog
"$PE" --build-resolution-cache prog
readelf -nW prog | grep -q NixOS || wf_fail "no NixOS note after --build-resolution-cache"
readelf -p .note.nixos.ldcache prog | grep -q "=$T/libsA/libfoo.so" || wf_fail "the note does not resolve libfoo.so"
readelf -lW prog | grep -q NOTE || wf_fail "no PT_NOTE"
set +e; ./prog; rc=$?; set -e
wf_assert_eq 46 "$rc" "prog with a resolution cache note"
cp prog prog.cached
"$PE" --build-resolution-cache prog
cmp -s prog prog.cached || wf_fail "a second --build-resolution-cache changed the file"
"$PE" --add-rpath /nonexistent prog
readelf -SW prog | grep -q nixos.ldcache && wf_fail "--add-rpath kept a stale resolution cache note"
set +e; ./prog; rc=$?; set -e
wf_assert_eq 46 "$rc" "prog after its note was retired"
"$PE" --build-resolution-cache prog
readelf -p .note.nixos.ldcache prog | grep -q "=$T/libsA/libfoo.so" || wf_fail "no new note after the run path changed"
# A note that no longer matches what the run path gives is an error.
cp prog.cached stale
"$PE" --no-clobber-old-sections --output stale2 --set-rpath "$T/libsB" stale
readelf -SW stale2 | grep -q nixos.ldcache && wf_fail "--set-rpath kept a stale note"
expect_error force-rpath 'force-rpath' --force-rpath --build-resolution-cache prog.cached
rm libsA/libfoo.so
expect_error stale-note 'already present' --build-resolution-cache prog.cached
# No run path: a warning, nothing written.
out=$("$PE" --build-resolution-cache norp 2>&1) || wf_fail "no run path: $out"
grep -q 'no DT_NEEDED entries or run path' <<<"$out" || wf_fail "no warning without a run path: $out"
readelf -SW norp | grep -q nixos.ldcache && wf_fail "a note was written without a run path"
echo "PASS"
