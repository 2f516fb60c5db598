#!/usr/bin/env bash
# Wheels whose archive is fine but whose naming or metadata is not: a bad
# file name, no WHEEL, no METADATA, an unknown Wheel-Version major, and
# tags that contradict the binaries.  `repair` and `show` (also under the
# auditwheel name) must refuse the broken ones with exit 1 and a message
# naming the file and the problem; repair writes nothing and leaves the
# input unchanged.  A RECORD that disagrees with the archive is only a
# warning.  Several wheels: a failure wins over a pure-Python wheel (exit 1,
# not 3) whatever the order.  A wheel named manylinux whose
# extension needs GLIBC_2.99 is shown with its real tag (linux_x86_64) and
# the blocking version, whatever its name says, and cannot be repaired.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_build_testwheels
wf_mktemp_dir tmp
base=$(wf_testwheel simple)
future=$(wf_testwheel futureglibc)

# mkwheel.py SRC OUT DIST [drop=FILE] [wheel-version=X] [plat=TAG]
# [unlist=MEMBER]: rewrites wheel SRC as OUT with the distribution DIST,
# optionally without a .dist-info file, with another Wheel-Version or
# another platform tag, or with MEMBER missing from RECORD.
cat >"$tmp/mkwheel.py" <<'PY'
import base64, hashlib, re, sys, zipfile
src, out, dist = sys.argv[1], sys.argv[2], sys.argv[3]
opts = dict(a.split("=", 1) for a in sys.argv[4:])
with zipfile.ZipFile(src) as z:
    members = [(i, z.read(i)) for i in z.infolist()]
old_di = next(i.filename.split("/")[0] for i, _ in members if ".dist-info/" in i.filename)
old_dist = old_di.split("-")[0]
new_di = old_di.replace(old_dist + "-", dist + "-", 1)
files = []
for info, data in members:
    n = info.filename.replace(old_di, new_di)
    base = n.split("/")[-1]
    if "drop" in opts and n == f"{new_di}/{opts['drop']}":
        continue
    if base == "METADATA":
        data = data.replace(b"Name: " + old_dist.encode(), b"Name: " + dist.encode())
    if base == "WHEEL":
        if "wheel-version" in opts:
            data = re.sub(rb"Wheel-Version: \S+", b"Wheel-Version: " + opts["wheel-version"].encode(), data)
        if "plat" in opts:
            data = re.sub(rb"(Tag: [^-\n]+-[^-\n]+-)\S+", rb"\g<1>" + opts["plat"].encode(), data)
    if base == "RECORD":
        rows = [f"{fn},sha256={base64.urlsafe_b64encode(hashlib.sha256(fd).digest()).rstrip(b'=').decode()},{len(fd)}"
                for fn, fd, _ in files if fn != opts.get("unlist")]
        data = ("\n".join(rows + [n + ",,"]) + "\n").encode()
    files.append((n, data, info.external_attr))
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n, d, a in files:
        zi = zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0))
        zi.external_attr = a
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, d)
PY
mk() { python3 "$tmp/mkwheel.py" "$@" || wf_fail "mkwheel.py $*"; }
mkdir -p "$tmp/in"
plat=cp311-cp311-linux_x86_64
mk "$base" "$tmp/in/not a wheel name.whl" simple
mk "$base" "$tmp/in/simple-0.1.0-cp311.whl" simple
mk "$base" "$tmp/in/nowheel-0.1.0-$plat.whl" nowheel drop=WHEEL
mk "$base" "$tmp/in/nometa-0.1.0-$plat.whl" nometa drop=METADATA
mk "$base" "$tmp/in/norecord-0.1.0-$plat.whl" norecord drop=RECORD
mk "$base" "$tmp/in/wv2-0.1.0-$plat.whl" wv2 wheel-version=2.0
mk "$base" "$tmp/in/wvbad-0.1.0-$plat.whl" wvbad wheel-version=one
mk "$base" "$tmp/in/mismatch-0.1.0-$plat.whl" other
mk "$base" "$tmp/in/unlisted-0.1.0-$plat.whl" unlisted unlist=unlisted-0.1.0.dist-info/METADATA
liar="$tmp/in/liar-0.1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
mk "$future" "$liar" liar plat=manylinux_2_17_x86_64
# x86_64 binaries in a wheel named (and tagged in WHEEL) for aarch64.
armliar="$tmp/in/armliar-0.1.0-cp311-cp311-linux_aarch64.whl"
mk "$base" "$armliar" armliar plat=linux_aarch64

# expect_repair_refused FILE PATTERN: repair exits 1 with "wheelfix: error:
# FILE: ...PATTERN", writes nothing, leaves FILE unchanged.
expect_repair_refused() {
  local in=$1 pattern=$2 sum out rc err
  sum=$(sha256sum "$in")
  out="$tmp/out-$(basename "$in" .whl | tr ' ' _)"
  mkdir -p "$out"
  set +e
  err=$("$WHEELFIX" repair -w "$out" "$in" 2>&1 >/dev/null)
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || wf_fail "$(basename "$in"): repair exited $rc, expected 1 ($err)"
  grep -qF "wheelfix: error: $in: " <<<"$err" || wf_fail "$(basename "$in"): error does not name the file: $err"
  grep -qE "$pattern" <<<"$err" || wf_fail "$(basename "$in"): error does not match /$pattern/: $err"
  [ -z "$(ls -A "$out")" ] || wf_fail "$(basename "$in"): repair left files: $(ls -A "$out")"
  wf_assert_eq "$sum" "$(sha256sum "$in")" "$(basename "$in"): input checksum"
}

expect_repair_refused "$tmp/in/not a wheel name.whl" "name|field"
expect_repair_refused "$tmp/in/simple-0.1.0-cp311.whl" "name|field"
expect_repair_refused "$tmp/in/nowheel-0.1.0-$plat.whl" "WHEEL"
expect_repair_refused "$tmp/in/nometa-0.1.0-$plat.whl" "METADATA"
expect_repair_refused "$tmp/in/norecord-0.1.0-$plat.whl" "RECORD"
expect_repair_refused "$tmp/in/wv2-0.1.0-$plat.whl" "Wheel-Version"
expect_repair_refused "$tmp/in/wvbad-0.1.0-$plat.whl" "Wheel-Version"
expect_repair_refused "$tmp/in/mismatch-0.1.0-$plat.whl" "dist-info"

# expect_show_refused FILE PATTERN [auditwheel]: show (or auditwheel show)
# exits 1 with "wheelfix: error: FILE: ...PATTERN" and prints no report.
expect_show_refused() {
  local in=$1 pattern=$2 rc err out
  local cmd=("$WHEELFIX" show)
  [ "${3:-}" = auditwheel ] && cmd=("$WHEELFIX" auditwheel show)
  set +e
  err=$("${cmd[@]}" "$in" 2>&1 >"$tmp/show.out")
  rc=$?
  set -e
  out="$(basename "$in"): ${cmd[*]:1}"
  [ "$rc" -eq 1 ] || wf_fail "$out exited $rc, expected 1 ($err)"
  grep -qF "wheelfix: error: $in: " <<<"$err" || wf_fail "$out: error does not name the file: $err"
  grep -qE "$pattern" <<<"$err" || wf_fail "$out: error does not match /$pattern/: $err"
  [ ! -s "$tmp/show.out" ] || wf_fail "$out: printed a report: $(cat "$tmp/show.out")"
}

expect_show_refused "$tmp/in/not a wheel name.whl" "name|field"
expect_show_refused "$tmp/in/simple-0.1.0-cp311.whl" "name|field"
expect_show_refused "$tmp/in/nowheel-0.1.0-$plat.whl" "missing nowheel-0\.1\.0\.dist-info/WHEEL"
expect_show_refused "$tmp/in/nometa-0.1.0-$plat.whl" "missing nometa-0\.1\.0\.dist-info/METADATA"
expect_show_refused "$tmp/in/norecord-0.1.0-$plat.whl" "missing norecord-0\.1\.0\.dist-info/RECORD"
expect_show_refused "$tmp/in/wv2-0.1.0-$plat.whl" "dist-info/WHEEL: Wheel-Version 2\.0 is not supported"
expect_show_refused "$tmp/in/wvbad-0.1.0-$plat.whl" "malformed Wheel-Version"
expect_show_refused "$tmp/in/mismatch-0.1.0-$plat.whl" "other-0\.1\.0\.dist-info does not match"
expect_show_refused "$tmp/in/nometa-0.1.0-$plat.whl" "missing nometa-0\.1\.0\.dist-info/METADATA" auditwheel
expect_show_refused "$tmp/in/wv2-0.1.0-$plat.whl" "Wheel-Version 2\.0 is not supported" auditwheel

# show --json: the refused wheel is an entry with only wheel and error.
set +e
"$WHEELFIX" show --json "$tmp/in/wv2-0.1.0-$plat.whl" >"$tmp/wv2.json" 2>/dev/null
rc=$?
set -e
wf_assert_eq 1 "$rc" "show --json of a Wheel-Version 2.0 wheel: exit status"
python3 - "$tmp/wv2.json" "$tmp/in/wv2-0.1.0-$plat.whl" <<'PY' || wf_fail "show --json entry: $(cat "$tmp/wv2.json")"
import json, sys
w = json.load(open(sys.argv[1]))["wheels"]
assert len(w) == 1 and set(w[0]) == {"wheel", "error"}, w
assert w[0]["wheel"] == sys.argv[2] and "Wheel-Version 2.0" in w[0]["error"], w
PY

# A member missing from RECORD: show warns, naming the wheel and the
# member, and succeeds; repair succeeds and writes a RECORD listing it.
unlisted="$tmp/in/unlisted-0.1.0-$plat.whl"
err=$("$WHEELFIX" show "$unlisted" 2>&1 >"$tmp/unlisted.txt") || wf_fail "show refused a wheel whose only fault is RECORD: $err"
grep -qF "wheelfix: warning: $unlisted: unlisted-0.1.0.dist-info/RECORD disagrees with the archive" <<<"$err" ||
  wf_fail "show: no RECORD warning naming the wheel: $err"
grep -qF "unlisted-0.1.0.dist-info/METADATA: not listed" <<<"$err" || wf_fail "show: RECORD warning does not name the member: $err"
grep -q "platform tag: manylinux1_x86_64" "$tmp/unlisted.txt" || wf_fail "show: no report: $(cat "$tmp/unlisted.txt")"
"$WHEELFIX" show --json "$unlisted" 2>/dev/null >"$tmp/unlisted.json" || wf_fail "show --json of the unlisted wheel failed"
python3 - "$tmp/unlisted.json" <<'PY' || wf_fail "show --json warnings: $(cat "$tmp/unlisted.json")"
import json, sys
w = json.load(open(sys.argv[1]))["wheels"][0]
assert len(w["warnings"]) == 1 and "unlisted-0.1.0.dist-info/METADATA: not listed" in w["warnings"][0], w["warnings"]
PY
"$WHEELFIX" show --json "$(wf_testwheel simple)" | python3 -c '
import json, sys
assert json.load(sys.stdin)["wheels"][0]["warnings"] == []' || wf_fail "show --json warns about a valid wheel"
"$WHEELFIX" repair -w "$tmp/out-unlisted" "$unlisted" >/dev/null 2>&1 || wf_fail "repair refused the unlisted wheel"
python3 - "$tmp"/out-unlisted/*.whl <<'PY' || wf_fail "repaired RECORD does not list METADATA"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
rec = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
assert any(l.startswith("unlisted-0.1.0.dist-info/METADATA,sha256=") for l in z.read(rec).decode().splitlines())
PY

# Several wheels: a failure wins over a pure-Python wheel (1, not 3), in
# either order; the good wheel is still handled.
python3 - "$tmp/in/purepkg-1.0-py3-none-any.whl" <<'PY'
import base64, hashlib, sys, zipfile
files = {"purepkg/__init__.py": b"X = 1\n",
         "purepkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: purepkg\nVersion: 1.0\n",
         "purepkg-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
rows = [f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}"
        for n, d in files.items()]
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for n, d in files.items():
        z.writestr(n, d)
    z.writestr("purepkg-1.0.dist-info/RECORD", "\n".join(rows + ["purepkg-1.0.dist-info/RECORD,,"]) + "\n")
PY
pure="$tmp/in/purepkg-1.0-py3-none-any.whl"
bad="$tmp/in/nometa-0.1.0-$plat.whl"
status_of() {
  local rc=0
  "$@" >/dev/null 2>"$tmp/status.err" || rc=$?
  echo "$rc"
}
wf_assert_eq 3 "$(status_of "$WHEELFIX" show "$pure" "$base")" "show pure + good"
wf_assert_eq 1 "$(status_of "$WHEELFIX" show "$pure" "$bad")" "show pure + invalid"
wf_assert_eq 1 "$(status_of "$WHEELFIX" show "$bad" "$pure" "$base")" "show invalid + pure + good"
grep -q "pure-Python" "$tmp/status.err" || wf_fail "show did not report the pure wheel after the invalid one"
wf_assert_eq 1 "$(status_of "$WHEELFIX" show --json "$pure" "$bad")" "show --json pure + invalid"
wf_assert_eq 3 "$(status_of "$WHEELFIX" repair -w "$tmp/mixed0" "$pure" "$base")" "repair pure + good"
ls "$tmp"/mixed0/simple-*.whl >/dev/null 2>&1 || wf_fail "repair pure + good: the good wheel was not written"
wf_assert_eq 1 "$(status_of "$WHEELFIX" repair -w "$tmp/mixed1" "$pure" "$bad")" "repair pure + invalid"
wf_assert_eq 1 "$(status_of "$WHEELFIX" repair -w "$tmp/mixed2" "$bad" "$pure" "$base")" "repair invalid + pure + good"
grep -q "pure-Python" "$tmp/status.err" || wf_fail "repair did not report the pure wheel after the invalid one"
ls "$tmp"/mixed2/simple-*.whl >/dev/null 2>&1 || wf_fail "repair invalid + pure + good: the good wheel was not written"
wf_assert_eq 1 "$(status_of "$WHEELFIX" repair --json -w "$tmp/mixed3" "$pure" "$bad")" "repair --json pure + invalid"
wf_assert_eq 0 "$(status_of "$WHEELFIX" repair --allow-pure-python-wheel -w "$tmp/mixed4" "$pure" "$base")" \
  "repair --allow-pure-python-wheel pure + good"

# Tags that lie: the name says manylinux_2_17, the extension needs
# GLIBC_2.99.  show reports the real tag and the reason, then an error for
# the claimed tag (exit 1); repair refuses.
rc=0
out=$("$WHEELFIX" show "$liar" 2>"$tmp/liar.err") || rc=$?
wf_assert_eq 1 "$rc" "show exit status of the mistagged wheel"
grep -q "platform tag: linux_x86_64" <<<"$out" || wf_fail "show believed the file name: $out"
grep -q "GLIBC_2.99" <<<"$out" || wf_fail "show does not name GLIBC_2.99: $out"
grep -qF "wheelfix: error: $liar: tagged manylinux_2_17_x86_64, but manylinux_2_17 is not reached: symbol version GLIBC_2.99" \
  "$tmp/liar.err" || wf_fail "show does not call the claimed tag false: $(cat "$tmp/liar.err")"
rc=0
"$WHEELFIX" show --json "$liar" >"$tmp/liar.json" 2>/dev/null || rc=$?
wf_assert_eq 1 "$rc" "show --json exit status of the mistagged wheel"
python3 - "$tmp/liar.json" <<'PY' || wf_fail "show --json believed the file name: $(cat "$tmp/liar.json")"
import json, sys
w = json.load(open(sys.argv[1]))["wheels"][0]
text = json.dumps(w)
assert "manylinux_2_17_x86_64" not in json.dumps(w.get("platform_tag", w.get("tag", ""))), text
assert "GLIBC_2.99" in text, text
assert len(w["tag_problems"]) == 1 and w["tag_problems"][0].startswith("tagged manylinux_2_17_x86_64, but"), text
PY
expect_repair_refused "$liar" "tagged manylinux_2_17_x86_64, but manylinux_2_17 is not reached"

# The arch in the name is not the binaries' arch: show and repair refuse it
# (repair used to retag it x86_64 silently).
rc=0
"$WHEELFIX" show "$armliar" >/dev/null 2>"$tmp/armliar.err" || rc=$?
wf_assert_eq 1 "$rc" "show exit status of the wheel tagged for another arch"
grep -qF "wheelfix: error: $armliar: tagged linux_aarch64, but its ELF files are x86_64" "$tmp/armliar.err" ||
  wf_fail "show does not report the arch contradiction: $(cat "$tmp/armliar.err")"
expect_repair_refused "$armliar" "tagged linux_aarch64, but its ELF files are x86_64"
# A wheel whose name holds is no problem.
"$WHEELFIX" show "$base" >/dev/null || wf_fail "show of the base wheel"
echo "ok: hostile wheels"
