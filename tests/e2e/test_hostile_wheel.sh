#!/usr/bin/env bash
# Wheels whose archive is fine but whose naming or metadata is not: a bad
# file name, no WHEEL, no METADATA, an unknown Wheel-Version major, and
# tags that contradict the binaries.  `repair` must refuse the broken ones
# with exit 1 and a message naming the file and the problem, writing
# nothing and leaving the input unchanged.  A wheel named manylinux whose
# extension needs GLIBC_2.99 is shown with its real tag (linux_x86_64) and
# the blocking version, whatever its name says, and cannot be repaired.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_build_testwheels
wf_mktemp_dir tmp
base=$(wf_testwheel simple)
future=$(wf_testwheel futureglibc)

# mkwheel.py SRC OUT DIST [drop=FILE] [wheel-version=X] [plat=TAG]: rewrites
# wheel SRC as OUT with the distribution DIST, optionally without a
# .dist-info file, with another Wheel-Version or another platform tag.
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
                for fn, fd, _ in files]
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
liar="$tmp/in/liar-0.1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
mk "$future" "$liar" liar plat=manylinux_2_17_x86_64

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

# Tags that lie: the name says manylinux_2_17, the extension needs
# GLIBC_2.99.  show reports the real tag and the reason; repair refuses.
out=$("$WHEELFIX" show "$liar") || wf_fail "show of the mistagged wheel exited $?"
grep -q "platform tag: linux_x86_64" <<<"$out" || wf_fail "show believed the file name: $out"
grep -q "GLIBC_2.99" <<<"$out" || wf_fail "show does not name GLIBC_2.99: $out"
"$WHEELFIX" show --json "$liar" >"$tmp/liar.json" || wf_fail "show --json of the mistagged wheel failed"
python3 - "$tmp/liar.json" <<'PY' || wf_fail "show --json believed the file name: $(cat "$tmp/liar.json")"
import json, sys
w = json.load(open(sys.argv[1]))["wheels"][0]
text = json.dumps(w)
assert "manylinux_2_17_x86_64" not in json.dumps(w.get("platform_tag", w.get("tag", ""))), text
assert "GLIBC_2.99" in text, text
PY
expect_repair_refused "$liar" "GLIBC_2.99|cannot|no .*policy"
echo "ok: hostile wheels"
