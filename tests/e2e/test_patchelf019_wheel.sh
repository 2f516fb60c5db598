#!/usr/bin/env bash
# Libraries that a real patchelf 0.18/0.19 grew (section header table inside
# the PT_LOAD it appends) in wheels: wheelfix reads them, shows and repairs
# a wheel that needs them, rewrites them again, and the installed wheel
# imports with every other copy hidden. With AUDITWHEEL_SRC (an auditwheel
# source tree whose dependencies Debian has: python3-pyelftools,
# python3-packaging) the wheel is first repaired by auditwheel with that
# patchelf (run by AUDITWHEEL_PYTHON, default /usr/bin/python3), and
# wheelfix shows and repairs auditwheel's output.
# Needs a patchelf >= 0.18 that is not wheelfix: PATCHELF019, else
# $PATCHELF_SUITE_DIR/src/patchelf.real (scripts/patchelf-suite.sh keeps
# one), else a patchelf on PATH. Debian 12 has 0.14.3, so CI skips this.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
real=${PATCHELF019:-}
[ -n "$real" ] || [ -z "${PATCHELF_SUITE_DIR:-}" ] || real="$PATCHELF_SUITE_DIR/src/patchelf.real"
[ -n "$real" ] || real=$(command -v patchelf || true)
[ -n "$real" ] && [ -x "$real" ] || wf_skip "no patchelf >= 0.18 (set PATCHELF019 or PATCHELF_SUITE_DIR)"
[ "$(readlink -f "$real")" != "$(readlink -f "$WHEELFIX")" ] || wf_skip "$real is wheelfix itself"
ver=$("$real" --version 2>/dev/null | awk '{print $2}')
case "$ver" in
  0.1[89].* | 0.[2-9]* | [1-9]*) ;;
  *) wf_skip "$real is patchelf $ver; the layout under test is 0.18's and later's" ;;
esac
"$real" --help 2>&1 | grep -q build-resolution-cache || [ "$ver" != 0.19.0 ] ||
  wf_skip "$real says 0.19.0 but lacks its options: is it a copy of wheelfix?"
wf_can_hide_libs || wf_skip "cannot hide libraries (unshare -m) here"
wf_build_testwheels
wf_mktemp_dir tmp
unset LD_LIBRARY_PATH
privlib=$(wf_testwheel privlib)
orig_libs="$WF_TESTWHEELS/privlib-libs"

# The libraries, grown by the real patchelf.
mkdir -p "$tmp/pbin" "$tmp/libs"
ln -s "$(readlink -f "$real")" "$tmp/pbin/patchelf"
cp "$orig_libs"/libwfpriv.so.1 "$orig_libs"/libwfdep.so.2 "$tmp/libs/"
for lib in "$tmp"/libs/*; do
  "$real" --set-rpath '/build/a/very/long/run/path/so/the/table/grows:$ORIGIN' "$lib"
  # The layout under test: the section header table inside the last PT_LOAD.
  python3 - "$lib" <<'PY' || wf_fail "$(basename "$lib"): patchelf $ver did not put the section header table in a loaded segment"
import struct, sys
d = open(sys.argv[1], 'rb').read()
phoff, shoff = struct.unpack_from('<QQ', d, 32)
phentsize, phnum = struct.unpack_from('<HH', d, 54)
loads = [struct.unpack_from('<IIQQQQQQ', d, phoff + i * phentsize) for i in range(phnum)]
assert any(p[0] == 1 and p[2] <= shoff < p[2] + p[5] for p in loads)
PY
  out=$("$WHEELFIX" patchelf --print-rpath "$lib") || wf_fail "wheelfix cannot read $(basename "$lib") after patchelf $ver: $out"
done
hidden="$orig_libs/libwfpriv.so.1 $orig_libs/libwfdep.so.2 $tmp/libs/libwfpriv.so.1 $tmp/libs/libwfdep.so.2"

# check_installed WHEEL: installed into a fresh venv, it imports and calls
# with every copy of the private libraries hidden.
check_installed() {
  local venv="$tmp/venv-$(basename "$1" .whl)"
  wf_fresh_venv "$venv"
  wf_pip_install "$venv" "$1"
  env -u LD_LIBRARY_PATH bash -c "$(declare -f); $(declare -p WF_TESTWHEELS); wf_hide_libs '$hidden' wf_check_call '$venv' privlib" ||
    wf_fail "$(basename "$1"): does not work with the private libraries hidden"
}

# wheelfix alone: show and repair vendor the grown libraries (rewriting them
# again), and the result works.
LD_LIBRARY_PATH="$tmp/libs" "$WHEELFIX" show "$privlib" >"$tmp/show.txt" || wf_fail "show: $(cat "$tmp/show.txt")"
wf_has -F libwfpriv.so.1 <"$tmp/show.txt" || wf_fail "show does not list libwfpriv.so.1"
LD_LIBRARY_PATH="$tmp/libs" "$WHEELFIX" repair -q -w "$tmp/wh" "$privlib" || wf_fail "repair with libraries grown by patchelf $ver"
check_installed "$(ls "$tmp"/wh/privlib-*.whl)"

# auditwheel with the real patchelf, then wheelfix on its output.
awpy=${AUDITWHEEL_PYTHON:-/usr/bin/python3}
if [ -z "${AUDITWHEEL_SRC:-}" ]; then
  wf_skip_case "auditwheel repair with patchelf $ver" "AUDITWHEEL_SRC is not set (an auditwheel source tree)"
elif ! PYTHONPATH="$AUDITWHEEL_SRC/src" "$awpy" -c 'import auditwheel.main_repair' >/dev/null 2>&1; then
  wf_skip_case "auditwheel repair with patchelf $ver" "auditwheel from $AUDITWHEEL_SRC does not import with $awpy (python3-pyelftools, python3-packaging?)"
else
  # A source tree has no installed metadata; auditwheel asks for its version.
  mkdir -p "$tmp/awmeta/auditwheel-0+src.dist-info"
  printf 'Metadata-Version: 2.1\nName: auditwheel\nVersion: 0+src\n' >"$tmp/awmeta/auditwheel-0+src.dist-info/METADATA"
  PATH="$tmp/pbin:$PATH" LD_LIBRARY_PATH="$tmp/libs" PYTHONPATH="$AUDITWHEEL_SRC/src:$tmp/awmeta" \
    "$awpy" -m auditwheel repair -w "$tmp/aw" "$privlib" >"$tmp/aw.log" 2>&1 || wf_fail "auditwheel repair: $(cat "$tmp/aw.log")"
  aw=$(ls "$tmp"/aw/privlib-*.whl)
  "$WHEELFIX" show --json "$aw" >"$tmp/aw-show.json" || wf_fail "show of auditwheel's wheel: $(cat "$tmp/aw-show.json")"
  python3 - "$tmp/aw-show.json" <<'PY' || wf_fail "show of auditwheel's wheel"
import json, sys
r = json.load(open(sys.argv[1]))["wheels"][0]
assert r["tag"].startswith("manylinux"), r["tag"]
assert not r["external_libs"], r["external_libs"]
PY
  "$WHEELFIX" repair -q -w "$tmp/aw-wh" "$aw" || wf_fail "wheelfix repair of auditwheel's wheel"
  check_installed "$aw"
  check_installed "$(ls "$tmp"/aw-wh/privlib-*.whl)"
fi
echo "PASS"
