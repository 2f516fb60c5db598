#!/usr/bin/env bash
# End-to-end: `wheelfix patchelf` and a `patchelf` symlink to wheelfix,
# compared with Debian's patchelf on the same files, and patched programs run.
set -euo pipefail

: "${WHEELFIX:?WHEELFIX must name the wheelfix binary}"
SRC=${WHEELFIX_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
FIX="$SRC/tests/e2e/rewriter"
if ! command -v patchelf >/dev/null; then echo "SKIP: test_patchelf.sh: Debian patchelf not installed (apt-get install patchelf)" >&2; exit 77; fi
REF=$(command -v patchelf)

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir "$T/bin"
ln -s "$WHEELFIX" "$T/bin/patchelf"  # the same binary under the name patchelf
PE="$T/bin/patchelf"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
same() {  # same <description> <cmd-a...> -- <cmd-b...>: output and status agree
  local what=$1; shift
  local a=() b=()
  while [ "$1" != "--" ]; do a+=("$1"); shift; done; shift
  b=("$@")
  local oa ob sa=0 sb=0
  oa=$("${a[@]}" 2>/dev/null) || sa=$?
  ob=$("${b[@]}" 2>/dev/null) || sb=$?
  [ "$oa" = "$ob" ] && [ "$sa" = "$sb" ] || fail "$what: wheelfix [$sa] '$oa' vs patchelf [$sb] '$ob'"
}

# Fixtures: a versioned library pair and programs with RUNPATH / RPATH.
cd "$T"
gcc -shared -fPIC -o libdep.so.1 -Wl,-soname,libdep.so.1 -Wl,--version-script="$FIX/dep.map" "$FIX/dep.c"
gcc -shared -fPIC -o libfix.so -Wl,-soname,libfix.so -Wl,--enable-new-dtags,-rpath,'$ORIGIN' \
  -Wl,--version-script="$FIX/fix.map" "$FIX/fix.c" -L. -l:libdep.so.1
gcc -o prog "$FIX/prog.c" -L. -lfix -Wl,--enable-new-dtags,-rpath,'$ORIGIN' -Wl,-rpath-link,.
gcc -no-pie -o prog_rpath "$FIX/prog.c" -L. -lfix -Wl,--disable-new-dtags,-rpath,'$ORIGIN' -Wl,-rpath-link,.
./prog >/dev/null || fail "fixture program does not run"

# 1. --print-* agree with Debian's patchelf (system libraries and fixtures).
files=(prog prog_rpath libfix.so libdep.so.1)
for l in libz.so.1 libxml2.so.2 libssl.so.3 libstdc++.so.6 libgfortran.so.5; do
  p=/usr/lib/x86_64-linux-gnu/$l
  [ -e "$p" ] && files+=("$p")
done
for f in "${files[@]}"; do
  for flag in --print-soname --print-needed --print-rpath --print-interpreter; do
    same "$flag $f" "$PE" "$flag" "$f" -- "$REF" "$flag" "$f"
  done
  same "combined prints $f" "$WHEELFIX" patchelf --print-needed --print-rpath "$f" -- "$REF" --print-needed --print-rpath "$f"
done
same "two files" "$PE" --print-needed prog libfix.so -- "$REF" --print-needed prog libfix.so
same "missing file" "$PE" --print-needed /nonexistent -- "$REF" --print-needed /nonexistent
same "no file" "$PE" --print-needed -- "$REF" --print-needed

# 2. The same edits with both tools print the same results; ours run.
#    Debian's patchelf gets one edit per call: its 0.14 corrupts strings
#    when --set-rpath, --replace-needed and --set-soname are combined.
for tool in wf ref; do
  mkdir -p "$tool"
  cp prog prog_rpath libfix.so libdep.so.1 "$tool/"
done
edit=(--set-rpath '$ORIGIN/a/longer/runpath:$ORIGIN' --replace-needed libfix.so libfix-1234abcd.so)
"$PE" "${edit[@]}" wf/prog
"$REF" --set-rpath '$ORIGIN/a/longer/runpath:$ORIGIN' ref/prog
"$REF" --replace-needed libfix.so libfix-1234abcd.so ref/prog
"$PE" --force-rpath --set-rpath '$ORIGIN:/opt/x' wf/prog_rpath
"$REF" --force-rpath --set-rpath '$ORIGIN:/opt/x' ref/prog_rpath
"$PE" --set-soname libfix-1234abcd.so --add-needed libm.so.6 --set-rpath '$ORIGIN' wf/libfix.so
"$REF" --set-soname libfix-1234abcd.so ref/libfix.so
"$REF" --add-needed libm.so.6 ref/libfix.so
"$REF" --set-rpath '$ORIGIN' ref/libfix.so
for f in prog prog_rpath libfix.so; do
  same "after edit $f" "$PE" --print-soname --print-rpath --print-needed "wf/$f" -- "$REF" --print-soname --print-rpath --print-needed "ref/$f"
  [ "$(readelf -d "wf/$f" | grep -c 'R.*PATH')" = "$(readelf -d "ref/$f" | grep -c 'R.*PATH')" ] || fail "RPATH/RUNPATH kind differs for $f"
done
cp wf/libfix.so wf/libfix-1234abcd.so
(cd wf && ./prog >/dev/null) || fail "program patched by wheelfix does not run"
(cd wf && LD_LIBRARY_PATH=. ./prog_rpath >/dev/null) || fail "non-PIE program patched by wheelfix does not run"

# 3. Command-line conventions: @file values, --output, --version, --help,
#    bad options, several files, the subcommand form.
printf '%s' '$ORIGIN/from/a/file' > rpath.txt
"$PE" --set-rpath @rpath.txt --output out.so libfix.so
[ "$("$PE" --print-rpath out.so)" = '$ORIGIN/from/a/file' ] || fail "@file argument"
[ "$("$PE" --print-rpath libfix.so)" = '$ORIGIN' ] || fail "--output modified the input"
# Captured first: `CMD | grep -q` may SIGPIPE CMD, a failure under pipefail.
# --version is exactly patchelf's line (maturin parses the rest as semver).
v=$("$PE" --version) && [ "$v" = "patchelf 0.19.0" ] || fail "--version: '$v'"
h=$("$PE" --help 2>&1 >/dev/null) && grep -q -- '--set-rpath' <<<"$h" || fail "--help (on stderr)"
if "$PE" --no-such-flag prog 2>/dev/null; then fail "unknown option accepted"; fi
cp prog p1 && cp prog p2
"$WHEELFIX" patchelf --add-rpath /opt/extra p1 p2
for p in p1 p2; do [ "$("$PE" --print-rpath $p)" = '$ORIGIN:/opt/extra' ] || fail "several files: $p"; done
./p1 >/dev/null || fail "p1 does not run"
[ "$("$PE" --print-execstack prog)" = "execstack: -" ] || fail "--print-execstack"
"$PE" --set-execstack p1 && [ "$("$PE" --print-execstack p1)" = "execstack: X" ] || fail "--set-execstack"
"$PE" --clear-execstack p1 && [ "$("$PE" --print-execstack p1)" = "execstack: -" ] || fail "--clear-execstack"
"$PE" --set-os-abi FreeBSD p2 && [ "$("$PE" --print-os-abi p2)" = "FreeBSD" ] || fail "--set-os-abi"
"$PE" --set-os-abi linux p2 && [ "$("$PE" --print-os-abi p2)" = "Linux" ] || fail "--set-os-abi linux"
"$PE" --clear-symbol-version fix_value p1 && ./p1 >/dev/null || fail "--clear-symbol-version"

# 4. --shrink-rpath (with and without allowed prefixes) agrees with patchelf.
mkdir -p shrink/empty
for tool in wf ref; do cp libfix.so "shrink/$tool.so"; done
rp="$T/shrink/empty:$T:/nonexistent:\$ORIGIN"
"$PE" --set-rpath "$rp" shrink/wf.so && "$REF" --set-rpath "$rp" shrink/ref.so
"$PE" --shrink-rpath shrink/wf.so && "$REF" --shrink-rpath shrink/ref.so
same "shrink-rpath" "$PE" --print-rpath shrink/wf.so -- "$REF" --print-rpath shrink/ref.so
"$PE" --set-rpath "$rp" shrink/wf.so && "$REF" --set-rpath "$rp" shrink/ref.so
"$PE" --shrink-rpath --allowed-rpath-prefixes /nonexistent shrink/wf.so
"$REF" --shrink-rpath --allowed-rpath-prefixes /nonexistent shrink/ref.so
same "shrink-rpath with prefixes" "$PE" --print-rpath shrink/wf.so -- "$REF" --print-rpath shrink/ref.so

# 5. Unchanged files are not rewritten (inode kept).
ino=$(stat -c %i prog)
"$PE" --set-rpath '$ORIGIN' prog
[ "$(stat -c %i prog)" = "$ino" ] || fail "an edit that changes nothing rewrote the file"

if [ "$fails" -ne 0 ]; then echo "$fails failure(s)"; exit 1; fi
echo "patchelf e2e: all checks passed"
