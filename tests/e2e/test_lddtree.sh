#!/usr/bin/env bash
# `wheelfix lddtree` against the real loader: every library ld.so maps for a
# system program and for a Python extension is found at the same path, and
# --json, --ldpaths, not-found and malformed input behave as documented.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_mktemp_dir tmp

compare_with_ldd() {
  local file=$1
  "$WHEELFIX" lddtree --json "$file" > "$tmp/tree.json" || wf_fail "lddtree $file exited $?"
  ldd "$file" > "$tmp/ldd.txt" || wf_fail "ldd $file"
  python3 - "$tmp/tree.json" "$tmp/ldd.txt" "$file" <<'PY' || wf_fail "lddtree disagrees with ldd for $file"
import json, os, re, sys
tree = json.load(open(sys.argv[1]))
ldd = {m.group(1): m.group(2) for m in re.finditer(r"^\s*(\S+) => (/\S+)", open(sys.argv[2]).read(), re.M)}
assert tree["file"] == sys.argv[3], tree["file"]
assert ldd, "ldd listed nothing"
for name, path in ldd.items():
    lib = tree["libs"].get(name)
    assert lib is not None, f"{name} missing from lddtree"
    assert os.path.realpath(lib["path"]) == os.path.realpath(path), f"{name}: {lib['path']} vs {path}"
    assert lib["found_by"] in ("ld_so_conf", "default", "rpath", "runpath", "ld_library_path"), lib
print(f"{sys.argv[3]}: {len(ldd)} libraries agree with ldd")
PY
}

compare_with_ldd /bin/ls
ext=$(/usr/bin/python3 -c 'import _ssl; print(_ssl.__file__)' 2>/dev/null || true)
[ -n "$ext" ] && [ -f "$ext" ] && compare_with_ldd "$ext"

# Text output names the rule that found each library.
out=$("$WHEELFIX" lddtree /bin/ls)
grep -q "libc.so.6 => .* \[" <<<"$out" || wf_fail "text output: $out"

# --ldpaths replaces the search list: libc is then not found (exit 1).
set +e
out=$("$WHEELFIX" lddtree --ldpaths "$tmp/empty" /bin/ls)
rc=$?
set -e
wf_assert_eq 1 "$rc" "exit status when a library is not found"
grep -q "libc.so.6 => not found" <<<"$out" || wf_fail "--ldpaths output: $out"

# Malformed input: an error naming the file.
head -c 100 /bin/ls > "$tmp/truncated"
set +e
err=$("$WHEELFIX" lddtree "$tmp/truncated" 2>&1)
rc=$?
set -e
wf_assert_eq 1 "$rc" "exit status for a truncated file"
grep -q "wheelfix: error: $tmp/truncated: " <<<"$err" || wf_fail "truncated-file message: $err"
echo "test_lddtree: ok"
