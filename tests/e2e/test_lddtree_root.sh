#!/usr/bin/env bash
# `wheelfix lddtree --root DIR`: libraries are looked up inside a sysroot
# (default folders, the root's ld.so.conf, LD_LIBRARY_PATH and --ldpaths
# entries read under DIR), shown as the target sees them; a library that
# exists on the host is taken from the root when the root has its own copy.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_mktemp_dir tmp
unset LD_LIBRARY_PATH
command -v gcc >/dev/null || wf_skip "gcc not installed"

# The sysroot.  Everything is linked with -nostdlib, so the whole tree can
# resolve inside the root without a libc there.
R="$tmp/sysroot"
mkdir -p "$R/usr/lib" "$R/opt/conflib" "$R/etc" "$R/envlib"
so() {  # so OUT SONAME CODE [LINK ARGS...]
  local out=$1 soname=$2 code=$3
  shift 3
  printf '%s\n' "$code" >"$tmp/src.c"
  gcc -shared -fPIC -nostdlib -o "$out" -Wl,-soname,"$soname" "$tmp/src.c" -Wl,--no-as-needed "$@" ||
    wf_fail "cannot build $out"
}
so "$R/usr/lib/libonlyroot.so" libonlyroot.so 'int only_root(void) { return 1; }'
# Named like the host's zlib, but needing libonlyroot.so: if lddtree read the
# host's libz.so.1, libonlyroot.so would not appear in the tree.
so "$R/usr/lib/libz.so.1" libz.so.1 'int only_root(void); int fake_z(void) { return only_root(); }' \
  -L"$R/usr/lib" -lonlyroot
so "$R/opt/conflib/libconf.so" libconf.so 'int conf(void) { return 1; }'
echo /opt/conflib >"$R/etc/ld.so.conf"
so "$R/envlib/libenv.so" libenv.so 'int env(void) { return 1; }'
gcc -shared -fPIC -nostdlib -o "$tmp/ext.so" -x c - -Wl,--no-as-needed \
  -L"$R/usr/lib" -L"$R/opt/conflib" -L"$R/envlib" -lz -lconf -lenv <<<'int ext(void) { return 0; }' ||
  wf_fail "cannot build ext.so"
[ -e /opt/conflib/libconf.so ] && wf_skip "the host has /opt/conflib/libconf.so"

tree() {  # tree ARGS...: lddtree --json on ext.so; sets rc and writes $tmp/t.json
  set +e
  "$WHEELFIX" lddtree --json "$@" "$tmp/ext.so" >"$tmp/t.json"
  rc=$?
  set -e
}
check() {  # check PYTHON-ASSERTIONS: evaluated with `libs` = the JSON's libs
  python3 - "$tmp/t.json" "$1" <<'PY' || wf_fail "lddtree $2: $(cat "$tmp/t.json")"
import json, sys
libs = json.load(open(sys.argv[1]))["libs"]
def lib(name):
    return libs[name]["path"], libs[name]["found_by"]
exec(sys.argv[2])
PY
}

# Control: without --root, the root-only libraries are not found and libz
# is the host's.
tree
wf_assert_eq 1 "$rc" "exit status without --root"
check 'assert lib("libconf.so") == (None, "not_found"), lib("libconf.so")
assert lib("libz.so.1")[0] != "/usr/lib/libz.so.1"
assert "libonlyroot.so" not in libs' "without --root"

# --root: the default folders and ld.so.conf are read under the root, paths
# are shown as the target sees them; LD_LIBRARY_PATH is not set, so libenv
# is missing and the status is 1.
tree --root "$R"
wf_assert_eq 1 "$rc" "exit status with --root and libenv missing"
check 'assert lib("libz.so.1") == ("/usr/lib/libz.so.1", "default"), lib("libz.so.1")
assert libs["libz.so.1"]["needed"] == ["libonlyroot.so"], libs["libz.so.1"]
assert lib("libonlyroot.so") == ("/usr/lib/libonlyroot.so", "default"), lib("libonlyroot.so")
assert libs["libonlyroot.so"]["needed_by"] == "/usr/lib/libz.so.1", libs["libonlyroot.so"]
assert lib("libconf.so") == ("/opt/conflib/libconf.so", "ld_so_conf"), lib("libconf.so")
assert lib("libenv.so") == (None, "not_found"), lib("libenv.so")' "--root"

# LD_LIBRARY_PATH entries are paths inside the root: now everything resolves.
LD_LIBRARY_PATH=/envlib tree --root "$R"
wf_assert_eq 0 "$rc" "exit status with --root and LD_LIBRARY_PATH=/envlib"
check 'assert lib("libenv.so") == ("/envlib/libenv.so", "ld_library_path"), lib("libenv.so")' "LD_LIBRARY_PATH under --root"

# --ldpaths entries too, and they replace ld.so.conf (libconf is lost).
LD_LIBRARY_PATH=/envlib tree --root "$R" --ldpaths /envlib:/usr/lib
wf_assert_eq 1 "$rc" "exit status with --root --ldpaths"
check 'assert lib("libenv.so") == ("/envlib/libenv.so", "ldpaths"), lib("libenv.so")
assert lib("libz.so.1") == ("/usr/lib/libz.so.1", "ldpaths"), lib("libz.so.1")
assert lib("libconf.so") == (None, "not_found"), lib("libconf.so")' "--root --ldpaths"

# Text output: the rule and the target path.
out=$(LD_LIBRARY_PATH=/envlib "$WHEELFIX" lddtree --root "$R" "$tmp/ext.so") || wf_fail "text lddtree --root exited $?"
grep -q "libconf.so => /opt/conflib/libconf.so \[ld.so.conf: /opt/conflib\]" <<<"$out" || wf_fail "text output: $out"
grep -q "    libonlyroot.so => /usr/lib/libonlyroot.so \[default path: /usr/lib\]" <<<"$out" || wf_fail "text output: $out"

# A sysroot that does not exist is a usage error naming it, not a tree of
# "not found" libraries (show and repair share the option).
for cmd in "lddtree $tmp/ext.so" "show $tmp/x-1.0-py3-none-any.whl"; do
  rc=0
  # shellcheck disable=SC2086
  err=$("$WHEELFIX" $cmd --root "$tmp/no-such-root" 2>&1 >/dev/null) || rc=$?
  wf_assert_eq 2 "$rc" "exit status of '$cmd' with a missing --root"
  grep -q "no-such-root" <<<"$err" || wf_fail "'$cmd --root' error does not name the folder: $err"
done
echo "test_lddtree_root: ok"
