#!/usr/bin/env bash
# `repair --json` reports for every wheel (failed ones with the reasons of
# the policy they cannot reach, pure-Python ones copied or refused), -v on
# repair/lddtree/index/install-links, "no such file" for a missing wheel,
# and the progress line on a terminal.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_build_testwheels
wf_mktemp_dir tmp
libs="$WF_TESTWHEELS/privlib-libs"
privlib=$(wf_testwheel privlib)

# Runs "$@", stdout to $tmp/out, stderr to $tmp/err; prints the exit status.
run() {
  local rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  echo "$rc"
}

python3 - "$tmp/in/purepkg-1.0-py3-none-any.whl" <<'PY'
import base64, hashlib, os, sys, zipfile
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
files = {"purepkg/__init__.py": b"X = 1\n",
         "purepkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: purepkg\nVersion: 1.0\n",
         "purepkg-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
with zipfile.ZipFile(sys.argv[1], "w") as z:
    rows = []
    for name, data in files.items():
        z.writestr(name, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append("%s,sha256=%s,%d" % (name, digest, len(data)))
    z.writestr("purepkg-1.0.dist-info/RECORD", "\n".join(rows + ["purepkg-1.0.dist-info/RECORD,,"]) + "\n")
PY
pure="$tmp/in/purepkg-1.0-py3-none-any.whl"

# --- failures carry seconds and the unreached policy's reasons, as show has them
future=$(wf_testwheel futureglibc)
cxxext=$(wf_testwheel cxxext)
"$WHEELFIX" show --json "$future" "$cxxext" >"$tmp/show.json" || wf_fail "show --json"
wf_assert_eq 1 "$(run "$WHEELFIX" repair --json -w "$tmp/wh" "$future")" "repair --json futureglibc: exit status"
cp "$tmp/out" "$tmp/future.json"
wf_assert_eq 1 "$(run "$WHEELFIX" repair --json -w "$tmp/wh" --plat manylinux_2_17 --only-plat "$cxxext")" \
  "repair --json --plat manylinux_2_17 cxxext: exit status"
cp "$tmp/out" "$tmp/cxx.json"
python3 - "$tmp/show.json" "$tmp/future.json" "$tmp/cxx.json" <<'PY' || wf_fail "repair --json failure entries: $(cat "$tmp/future.json" "$tmp/cxx.json")"
import json, sys
show = json.load(open(sys.argv[1]))["wheels"]
def show_reasons(i, name):
    return [p["reasons"] for p in show[i]["policies"] if p["name"] == name][0]
for doc, i, expect in ((sys.argv[2], 0, None), (sys.argv[3], 1, "manylinux_2_17")):
    d = json.load(open(doc))
    assert d["schema_version"] == 1, d
    [w] = d["wheels"]
    assert w["ok"] is False and w["pure"] is False, w
    assert w["input"] == show[i]["wheel"], w
    assert isinstance(w["seconds"], float) and 0 <= w["seconds"] < 600, w
    assert "cannot be repaired" in w["error"], w
    policy = w["unreached_policy"]
    if expect:
        assert policy == expect, w
    else:  # nothing reached: the newest policy evaluated
        assert policy == show[i]["policies"][-1]["name"], (policy, show[i]["policies"][-1]["name"])
    assert w["reasons"], w
    for r in w["reasons"]:
        assert set(r) == {"kind", "file", "library", "symbol", "detail", "message"}, r
        assert r["message"] in w["error"], (r, w["error"])
    assert w["reasons"] == show_reasons(i, policy), (w["reasons"], show_reasons(i, policy))
fut = json.load(open(sys.argv[2]))["wheels"][0]["reasons"]
assert [r["symbol"] for r in fut] == ["GLIBC_2.99"], fut
cxx = json.load(open(sys.argv[3]))["wheels"][0]["reasons"]
assert {r["symbol"] for r in cxx} >= {"CXXABI_1.3.9", "GLIBCXX_3.4.21"}, cxx
PY

# --- pure-Python wheels: copied (an entry at last), refused, next to a repaired one
simple=$(wf_testwheel simple)
wf_assert_eq 0 "$(run "$WHEELFIX" repair --json --allow-pure-python-wheel -w "$tmp/pure" "$pure" "$simple")" \
  "repair --json --allow-pure-python-wheel: exit status"
cmp "$pure" "$tmp/pure/purepkg-1.0-py3-none-any.whl" || wf_fail "the pure wheel was not copied unchanged"
cp "$tmp/out" "$tmp/pure.json"
wf_assert_eq 3 "$(run "$WHEELFIX" repair --json -w "$tmp/pure2" "$pure")" "repair --json of a pure wheel: exit status"
cp "$tmp/out" "$tmp/refused.json"
python3 - "$tmp/pure.json" "$tmp/refused.json" "$pure" "$tmp/pure" <<'PY' || wf_fail "pure entries: $(cat "$tmp/pure.json" "$tmp/refused.json")"
import json, sys
copied, repaired = json.load(open(sys.argv[1]))["wheels"]
assert copied["input"] == sys.argv[3], copied
assert copied["ok"] is True and copied["pure"] is True and copied["copied"] is True, copied
assert copied["output"] == sys.argv[4] + "/purepkg-1.0-py3-none-any.whl", copied
assert copied["tag"] == "any" and copied["policy"] is None and copied["vendored"] == [], copied
assert isinstance(copied["seconds"], float), copied
assert repaired["ok"] is True and repaired["pure"] is False and repaired["copied"] is False, repaired
for k in ("input", "output", "tag", "policy", "vendored", "warnings", "seconds"):
    assert k in repaired, (k, repaired)
[refused] = json.load(open(sys.argv[2]))["wheels"]
assert refused["ok"] is False and refused["pure"] is True, refused
assert "pure-Python" in refused["error"] and refused["reasons"] == [], refused
assert refused["unreached_policy"] is None and isinstance(refused["seconds"], float), refused
PY

# --- a missing wheel (an unexpanded glob) is "no such file", in repair and show
cd "$tmp"
for cmd in "repair -w $tmp/none" show; do
  # shellcheck disable=SC2086
  wf_assert_eq 1 "$(run "$WHEELFIX" $cmd 'all/privlib*.whl')" "$cmd of a missing file: exit status"
  wf_assert_eq "wheelfix: error: all/privlib*.whl: no such file" "$(cat "$tmp/err")" "$cmd of a missing file"
done
wf_assert_eq 1 "$(run "$WHEELFIX" repair --json -w "$tmp/none" missing-1.0-py3-none-any.whl)" "repair --json missing"
python3 -c '
import json, sys
[w] = json.load(open(sys.argv[1]))["wheels"]
assert w["error"] == "missing-1.0-py3-none-any.whl: no such file" and w["ok"] is False, w' "$tmp/out" ||
  wf_fail "repair --json of a missing file: $(cat "$tmp/out")"

# --- repair -v: the plan (vendored libraries, each file's edits)
wf_assert_eq 0 "$(LD_LIBRARY_PATH="$libs" run "$WHEELFIX" repair -v -w "$tmp/v" "$privlib")" "repair -v"
plan=$(cat "$tmp/out")
wf_has -F "$privlib: target manylinux_2_17, tag manylinux2014_x86_64.manylinux_2_17_x86_64" <<<"$plan" ||
  wf_fail "repair -v: no target line: $plan"
wf_has -E "^  vendor $libs/libwfpriv.so.1 -> privlib.libs/libwfpriv-[0-9a-f]{8}.so.1$" <<<"$plan" ||
  wf_fail "repair -v: no vendor line: $plan"
wf_has -E "^    replace DT_NEEDED libwfdep.so.2 -> libwfdep-[0-9a-f]{8}.so.2$" <<<"$plan" ||
  wf_fail "repair -v: the vendored library's edits are missing: $plan"
wf_has -E "^  edit privlib\.cpython-311-x86_64-linux-gnu\.so$" <<<"$plan" || wf_fail "repair -v: no edit line: $plan"
wf_has -F "    set DT_RPATH \$ORIGIN/privlib.libs" <<<"$plan" || wf_fail "repair -v: no RPATH edit: $plan"
wf_has -F "Fixed-up wheel written to" <<<"$plan" || wf_fail "repair -v lost the usual output: $plan"
# With --json the plan goes to stderr, stdout stays one JSON document.
wf_assert_eq 0 "$(LD_LIBRARY_PATH="$libs" run "$WHEELFIX" repair -v --json -w "$tmp/vj" "$privlib")" "repair -v --json"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" || wf_fail "repair -v --json: stdout is not JSON"
wf_has -F "  vendor $libs/libwfdep.so.2" <"$tmp/err" || wf_fail "repair -v --json: no plan on stderr"
wf_assert_eq 2 "$(run "$WHEELFIX" repair -v -q -w "$tmp/vq" "$privlib")" "repair -v -q: usage error"

# --- lddtree -v: the search path, in the loader's order
ext="$tmp/x/privlib.cpython-311-x86_64-linux-gnu.so"
(cd "$tmp" && mkdir -p x && cd x && unzip -q "$privlib")
wf_assert_eq 0 "$(LD_LIBRARY_PATH="$libs:/nonexistent-wf" run "$WHEELFIX" lddtree -v "$ext")" "lddtree -v"
order=$(grep -n -E "^  (LD_LIBRARY_PATH|ld.so.conf|default path):" "$tmp/out" | cut -d: -f1 | tr '\n' ' ')
first_env=$(grep -n -F "  LD_LIBRARY_PATH: $libs" "$tmp/out" | cut -d: -f1)
second_env=$(grep -n -F "  LD_LIBRARY_PATH: /nonexistent-wf" "$tmp/out" | cut -d: -f1)
first_default=$(grep -n -E "^  default path: " "$tmp/out" | head -1 | cut -d: -f1)
[ -n "$first_env" ] && [ -n "$second_env" ] && [ -n "$first_default" ] || wf_fail "lddtree -v: $(cat "$tmp/out")"
[ "$first_env" -lt "$second_env" ] && [ "$second_env" -lt "$first_default" ] ||
  wf_fail "lddtree -v: search path out of order ($order): $(cat "$tmp/out")"
wf_has -F "    libwfpriv.so.1 => $libs/libwfpriv.so.1 [LD_LIBRARY_PATH: $libs]" <"$tmp/out" ||
  wf_fail "lddtree -v lost the tree: $(cat "$tmp/out")"
# (libc may not be in /lib or /usr/lib here: the exit status does not matter)
LD_LIBRARY_PATH=/ignored run "$WHEELFIX" lddtree -v --ldpaths "$libs:/lib:/usr/lib" "$ext" >/dev/null
wf_assert_eq "  --ldpaths: $libs|  --ldpaths: /lib|  --ldpaths: /usr/lib" \
  "$(grep -E '^  [^ ]' "$tmp/out" | grep -v ' => ' | paste -sd '|')" "lddtree -v --ldpaths: search path"
run "$WHEELFIX" lddtree -v --json --ldpaths "$libs:/lib:/usr/lib" "$ext" >/dev/null
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" || wf_fail "lddtree -v --json: stdout is not JSON"
wf_has -F "  --ldpaths: $libs" <"$tmp/err" || wf_fail "lddtree -v --json: no search path on stderr"

# --- index -v: each input added, skipped or unchanged
mkdir -p "$tmp/ix1" "$tmp/ix2"
cp "$pure" "$tmp/ix1/" && cp "$pure" "$tmp/ix2/"
wf_assert_eq 0 "$(run "$WHEELFIX" index -v "$tmp/ix1" "$tmp/ix2" -o "$tmp/repo")" "index -v"
wf_has -Fx "  added purepkg-1.0-py3-none-any.whl (from $tmp/ix1/purepkg-1.0-py3-none-any.whl)" <"$tmp/out" ||
  wf_fail "index -v: $(cat "$tmp/out")"
wf_has -Fx "  skipped $tmp/ix2/purepkg-1.0-py3-none-any.whl (same file as $tmp/ix1/purepkg-1.0-py3-none-any.whl)" \
  <"$tmp/out" || wf_fail "index -v: $(cat "$tmp/out")"
wf_assert_eq 0 "$(run "$WHEELFIX" index -v "$tmp/ix2" -o "$tmp/repo")" "index -v again"
wf_has -Fx "  unchanged purepkg-1.0-py3-none-any.whl (already in $tmp/repo/files)" <"$tmp/out" ||
  wf_fail "index -v again: $(cat "$tmp/out")"

# --- install-links -v: each link and what it replaced
self=$(readlink -f "$WHEELFIX")
wf_assert_eq 0 "$(run "$WHEELFIX" install-links -v "$tmp/links")" "install-links -v"
wf_has -Fx "$tmp/links/patchelf -> $self (new)" <"$tmp/out" || wf_fail "install-links -v: $(cat "$tmp/out")"
wf_assert_eq 0 "$(run "$WHEELFIX" install-links -v "$tmp/links")" "install-links -v again"
wf_has -Fx "$tmp/links/auditwheel -> $self (unchanged)" <"$tmp/out" || wf_fail "install-links -v again: $(cat "$tmp/out")"

# --- progress: on a terminal only, "analyzing" included, also with --json
wf_assert_eq 0 "$(LD_LIBRARY_PATH="$libs" run "$WHEELFIX" repair --json -w "$tmp/p0" "$privlib")" "repair --json, no tty"
if wf_has -e analyzing <"$tmp/err"; then wf_fail "progress printed without a terminal: $(cat "$tmp/err")"; fi
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
  LD_LIBRARY_PATH="$libs" script -qec "'$WHEELFIX' repair --json -w '$tmp/p1' '$privlib'" /dev/null >"$tmp/tty.txt" ||
    wf_fail "repair on a terminal failed: $(cat "$tmp/tty.txt")"
  wf_has -E "privlib-0.1.0-cp311-cp311-linux_x86_64.whl: analyzing [0-9]+/[0-9]+, [0-9.]+ MB" <"$tmp/tty.txt" ||
    wf_fail "no analyzing stage on a terminal: $(cat -v "$tmp/tty.txt")"
  wf_has -E "writing [0-9]+/[0-9]+" <"$tmp/tty.txt" || wf_fail "no writing stage on a terminal: $(cat -v "$tmp/tty.txt")"
  LD_LIBRARY_PATH="$libs" script -qec "'$WHEELFIX' repair -q -w '$tmp/p2' '$privlib'" /dev/null >"$tmp/tty-q.txt" ||
    wf_fail "repair -q on a terminal failed"
  if wf_has -e analyzing <"$tmp/tty-q.txt"; then wf_fail "progress printed with -q: $(cat -v "$tmp/tty-q.txt")"; fi
else
  wf_skip_case "script(1) unavailable: the terminal progress part was not tested"
fi
echo "repair_json: ok"
