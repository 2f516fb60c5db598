#!/usr/bin/env bash
# `wheelfix show` on every test wheel: tags and reasons, error handling and
# exit codes.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_build_testwheels
wf_mktemp_dir tmp

libs="$WF_TESTWHEELS/privlib-libs:$WF_TESTWHEELS/withscript-libs"
# Exit 1: abi3new and abi3priv break their cp37-abi3 tag (test_abi3.sh);
# without them, 0.
set +e
LD_LIBRARY_PATH="$libs" "$WHEELFIX" show --json "$WF_TESTWHEELS"/*.whl > "$tmp/show.json" 2>"$tmp/show.err"
rc=$?
set -e
want=0
ls "$WF_TESTWHEELS"/abi3new-*.whl "$WF_TESTWHEELS"/abi3priv-*.whl >/dev/null 2>&1 && want=1
wf_assert_eq "$want" "$rc" "show --json of every test wheel: exit status ($(cat "$tmp/show.err"))"
python3 "$WHEELFIX_SOURCE_DIR/tests/e2e/check_show.py" "$WF_TESTWHEELS/manifest.json" "$tmp/show.json" \
  || wf_fail "show --json does not match the test wheels"

# Text output names the tag, the vendored library and the blocking symbol.
privlib=$(ls "$WF_TESTWHEELS"/privlib-*.whl)
out=$(LD_LIBRARY_PATH="$libs" "$WHEELFIX" show "$privlib")
grep -q "platform tag: manylinux2014_x86_64.manylinux_2_17_x86_64" <<<"$out" || wf_fail "text tag: $out"
grep -q "libwfpriv.so.1 => $WF_TESTWHEELS/privlib-libs/libwfpriv.so.1" <<<"$out" || wf_fail "text libs: $out"
grep -q "symbol version GLIBC_2.14 in $WF_TESTWHEELS/privlib-libs/libwfpriv.so.1 (from libc.so.6)" <<<"$out" \
  || wf_fail "text reason: $out"

# --disable-isa-ext-check: an x86-64-v3 build is no longer held back by it.
if isav3=$(wf_testwheel isav3 2>/dev/null); then
  out=$("$WHEELFIX" show "$isav3")
  grep -q "needs x86-64-v3" <<<"$out" || wf_fail "isav3 without --disable-isa-ext-check: $out"
  out=$("$WHEELFIX" show --disable-isa-ext-check "$isav3")
  grep -q "platform tag: manylinux1_x86_64.manylinux_2_5_x86_64" <<<"$out" || wf_fail "--disable-isa-ext-check: $out"
  grep -q "x86-64-v3" <<<"$out" && wf_fail "--disable-isa-ext-check still reports the ISA level: $out"
fi

# --policy-file replaces the installed policies: a newer policy file can be
# dropped in. Here manylinux_2_12 is made to allow GLIBC_2.14.
python3 - "$WHEELFIX_SOURCE_DIR/policies/manylinux-policy.json" "$tmp/custom.json" <<'PY'
import json, sys
policies = json.load(open(sys.argv[1]))
for p in policies:
    if p["name"] == "manylinux_2_12":
        p["symbol_versions"]["x86_64"]["GLIBC"].append("2.14")
json.dump(policies, open(sys.argv[2], "w"))
PY
out=$(LD_LIBRARY_PATH="$libs" "$WHEELFIX" show --policy-file "$tmp/custom.json" "$privlib")
grep -q "platform tag: manylinux2010_x86_64.manylinux_2_12_x86_64" <<<"$out" || wf_fail "--policy-file: $out"
echo '[{"name": "broken"' > "$tmp/bad.json"
set +e
err=$("$WHEELFIX" show --policy-file "$tmp/bad.json" "$privlib" 2>&1)
rc=$?
set -e
wf_assert_eq 2 "$rc" "exit status for a malformed policy file"
grep -q "bad.json" <<<"$err" || wf_fail "malformed policy file message: $err"

# Without LD_LIBRARY_PATH the private library cannot be found: said, with the file.
out=$(env -u LD_LIBRARY_PATH "$WHEELFIX" show "$privlib")
grep -q "privlib.cpython-311-x86_64-linux-gnu.so needs libwfpriv.so.1, which was not found" <<<"$out" \
  || wf_fail "missing library not reported: $out"
grep -q "platform tag: linux_x86_64" <<<"$out" || wf_fail "missing library must leave linux tag: $out"

# Corrupt and non-wheel input: clear error naming the file, exit 1; the other
# wheels in the same call are still reported.
head -c 300 "$privlib" > "$tmp/broken-1.0-py3-none-any.whl"
set +e
err=$("$WHEELFIX" show "$tmp/broken-1.0-py3-none-any.whl" "$WF_TESTWHEELS"/simple-*.whl 2>&1 >"$tmp/out.txt")
rc=$?
set -e
wf_assert_eq 1 "$rc" "exit status for a corrupt wheel"
grep -q "wheelfix: error: $tmp/broken-1.0-py3-none-any.whl: " <<<"$err" || wf_fail "corrupt wheel error: $err"
grep -q "platform tag: manylinux1_x86_64" "$tmp/out.txt" || wf_fail "other wheel not reported"

# A pure-Python wheel: exit 3 and a message.
python3 - "$tmp/purepkg-1.0-py3-none-any.whl" <<'PY'
import sys, zipfile, hashlib, base64
path = sys.argv[1]
files = {"purepkg/__init__.py": b"X = 1\n",
         "purepkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: purepkg\nVersion: 1.0\n",
         "purepkg-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
record = ""
for n, d in files.items():
    h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
    record += f"{n},sha256={h},{len(d)}\n"
record += "purepkg-1.0.dist-info/RECORD,,\n"
with zipfile.ZipFile(path, "w") as z:
    for n, d in files.items():
        z.writestr(n, d)
    z.writestr("purepkg-1.0.dist-info/RECORD", record)
PY
set +e
err=$("$WHEELFIX" show "$tmp/purepkg-1.0-py3-none-any.whl" 2>&1)
rc=$?
set -e
wf_assert_eq 3 "$rc" "exit status for a pure-Python wheel"
grep -q "pure-Python" <<<"$err" || wf_fail "pure wheel message: $err"

# A pure-Python wheel and a corrupt one: the failure wins (1), whatever the
# order, and both are reported.
for order in "pure broken" "broken pure"; do
  args=()
  for w in $order; do
    case $w in
      pure) args+=("$tmp/purepkg-1.0-py3-none-any.whl") ;;
      broken) args+=("$tmp/broken-1.0-py3-none-any.whl") ;;
    esac
  done
  set +e
  err=$("$WHEELFIX" show "${args[@]}" 2>&1)
  rc=$?
  set -e
  wf_assert_eq 1 "$rc" "exit status for $order"
  grep -q "pure-Python" <<<"$err" || wf_fail "$order: pure wheel not reported: $err"
  grep -q "error: $tmp/broken-1.0-py3-none-any.whl" <<<"$err" || wf_fail "$order: corrupt wheel not reported: $err"
done

# musllinux: the policy follows the version of the musl the wheel runs on,
# read from the target's musl loader. A sysroot whose ld-musl says 1.1.x
# gives musllinux_1_1; the host's musl (1.2.x on Debian 12) gives 1_2.
muslext=$(ls "$WF_TESTWHEELS"/muslext-*.whl 2>/dev/null || true)
host_musl=/lib/ld-musl-x86_64.so.1
if [ -n "$muslext" ] && [ -e "$host_musl" ]; then
  host_ver=$("$host_musl" 2>&1 | sed -n 's/^Version \([0-9]*\)\.\([0-9]*\).*/\1_\2/p' || true)
  out=$("$WHEELFIX" show "$muslext")
  grep -q "platform tag: musllinux_${host_ver}_x86_64" <<<"$out" || wf_fail "host musl $host_ver: $out"
  mkdir -p "$tmp/muslroot/lib"
  python3 - "$host_musl" "$tmp/muslroot/lib/ld-musl-x86_64.so.1" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
new, n = re.subn(rb"\x001\.\d+\.(\d+)\x00", lambda m: b"\x001.1." + m.group(1) + b"\x00", data)
assert n == 1, f"{n} version strings in {sys.argv[1]}"
open(sys.argv[2], "wb").write(new)
PY
  out=$("$WHEELFIX" show --root "$tmp/muslroot" "$muslext")
  grep -q "platform tag: musllinux_1_1_x86_64" <<<"$out" || wf_fail "sysroot with musl 1.1: $out"
else
  wf_skip_case "musl version check (no muslext wheel or no $host_musl)"
fi

# Usage errors exit 2.
set +e
"$WHEELFIX" show >/dev/null 2>&1
rc=$?
set -e
wf_assert_eq 2 "$rc" "exit status for a usage error"
echo "test_show: ok"
