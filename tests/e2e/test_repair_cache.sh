#!/usr/bin/env bash
# The piece cache of `wheelfix repair` (docs/performance.md): a wheel that
# vendors a library above the 32 MiB chunking threshold is repaired with a
# cold cache, a warm cache, no cache, -j 1 and -j 2, a damaged entry and the
# default folders ($WHEELFIX_CACHE_DIR, $XDG_CACHE_HOME); every output is
# byte-identical and a valid zip; --cache-max-mb bounds the folder.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_mktemp_dir tmp
unset LD_LIBRARY_PATH WHEELFIX_PLAT AUDITWHEEL_PLAT WHEELFIX_CACHE_DIR
command -v objcopy >/dev/null || wf_skip "objcopy (binutils) not found"

# libwfbig.so.1: a small library grown to ~40 MB by a non-loaded section of
# text-like (compressible) bytes; an extension module needs it.
mkdir -p "$tmp/lib" "$tmp/ext"
echo 'int wfbig(void) { return 7; }' >"$tmp/big.c"
gcc -shared -fPIC -o "$tmp/lib/libwfbig.so.1" -Wl,-soname,libwfbig.so.1 "$tmp/big.c"
head -c 30000000 /dev/urandom | base64 -w 76 >"$tmp/blob"
objcopy --add-section .wfblob="$tmp/blob" "$tmp/lib/libwfbig.so.1"
ln -s libwfbig.so.1 "$tmp/lib/libwfbig.so"
echo 'int wfbig(void); int use(void) { return wfbig(); }' >"$tmp/ext.c"
gcc -shared -fPIC -o "$tmp/ext/_big.cpython-311-x86_64-linux-gnu.so" "$tmp/ext.c" -L"$tmp/lib" -lwfbig
python3 - "$tmp/ext/_big.cpython-311-x86_64-linux-gnu.so" "$tmp/bigdep-1.0-cp311-cp311-linux_x86_64.whl" <<'PY'
import base64, hashlib, sys, zipfile
ext, whl = sys.argv[1], sys.argv[2]
di = "bigdep-1.0.dist-info"
members = {"bigdep/__init__.py": b"from . import _big\n",
           "bigdep/_big.cpython-311-x86_64-linux-gnu.so": open(ext, "rb").read(),
           f"{di}/METADATA": b"Metadata-Version: 2.1\nName: bigdep\nVersion: 1.0\n",
           f"{di}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n"}
rows = [f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}"
        for n, d in members.items()] + [f"{di}/RECORD,,"]
with zipfile.ZipFile(whl, "w", zipfile.ZIP_DEFLATED) as z:
    for n, d in members.items():
        z.writestr(n, d)
    z.writestr(f"{di}/RECORD", "\n".join(rows) + "\n")
PY
whl="$tmp/bigdep-1.0-cp311-cp311-linux_x86_64.whl"

# repair OUT ARGS...: repairs the wheel into $tmp/OUT, prints the output's path.
repair() {
  local out=$tmp/$1
  shift
  rm -rf "$out"
  LD_LIBRARY_PATH="$tmp/lib" "$WHEELFIX" repair -q -w "$out" "$@" "$whl" >/dev/null ||
    wf_fail "repair $* failed"
  ls "$out"/*.whl
}
entries() { find "$1" -type f -name '????????????????????????????????????????????????????????????????' | wc -l; }

plain=$(repair plain --no-cache -j 2)
python3 -m zipfile -t "$plain" >/dev/null || wf_fail "no-cache output is not a valid zip"
python3 - "$plain" "$tmp/lib/libwfbig.so.1" <<'PY' || wf_fail "vendored library not deflated in the wheel as expected"
import sys, zipfile, zlib
z = zipfile.ZipFile(sys.argv[1])
(info,) = [i for i in z.infolist() if "libwfbig" in i.filename]
assert info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > 32 << 20, info
data = z.read(info)  # zipfile checks the CRC
# The raw stream inflates with zlib to the member (one deflate stream).
with open(sys.argv[1], "rb") as f:
    f.seek(info.header_offset + 26)
    n, m = int.from_bytes(f.read(2), "little"), int.from_bytes(f.read(2), "little")
    f.seek(info.header_offset + 30 + n + m)
    raw = f.read(info.compress_size)
d = zlib.decompressobj(-15)
assert d.decompress(raw) == data and d.eof and not d.unused_data
PY
[ -z "$(ls -A "$tmp" | grep -x cache || true)" ] || wf_fail "--no-cache wrote a cache folder"

cold=$(repair cold --cache-dir "$tmp/cache" -j 2)
[ "$(entries "$tmp/cache")" -gt 5 ] || wf_fail "cold run left $(entries "$tmp/cache") cache entries"
cmp -s "$plain" "$cold" || wf_fail "cold-cache output differs from the no-cache output"
warm=$(repair warm --cache-dir "$tmp/cache" -j 2)
cmp -s "$plain" "$warm" || wf_fail "warm-cache output differs"
warm1=$(repair warm1 --cache-dir "$tmp/cache" -j 1)
cmp -s "$plain" "$warm1" || wf_fail "warm-cache -j 1 output differs"
cold1=$(repair cold1 --cache-dir "$tmp/cache1" -j 1)
cmp -s "$plain" "$cold1" || wf_fail "cold-cache -j 1 output differs"

# A damaged entry (one flipped byte) is ignored and rewritten.
victim=$(find "$tmp/cache" -type f -size +10k | sort | head -n 1)
python3 - "$victim" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x40
open(p, "wb").write(bytes(b))
PY
before=$(sha256sum <"$victim")
damaged=$(repair damaged --cache-dir "$tmp/cache" -j 2)
cmp -s "$plain" "$damaged" || wf_fail "output differs after a cache entry was damaged"
[ "$(sha256sum <"$victim")" != "$before" ] || wf_fail "the damaged entry was not rewritten"

# Default folders: $WHEELFIX_CACHE_DIR, else $XDG_CACHE_HOME/wheelfix.
env_out=$(WHEELFIX_CACHE_DIR="$tmp/envcache" repair envc -j 2)
[ "$(entries "$tmp/envcache")" -gt 5 ] || wf_fail "WHEELFIX_CACHE_DIR not used"
xdg_out=$(XDG_CACHE_HOME="$tmp/xdg" repair xdg -j 2)
[ "$(entries "$tmp/xdg/wheelfix")" -gt 5 ] || wf_fail "XDG_CACHE_HOME/wheelfix not used"
cmp -s "$plain" "$env_out" && cmp -s "$plain" "$xdg_out" || wf_fail "default-folder outputs differ"

# --cache-max-mb 0: every entry is evicted at the end of the run.
zero=$(repair zero --cache-dir "$tmp/zero" --cache-max-mb 0 -j 2)
wf_assert_eq 0 "$(entries "$tmp/zero")" "entries left under --cache-max-mb 0"
cmp -s "$plain" "$zero" || wf_fail "--cache-max-mb 0 output differs"
# --no-cache and --cache-dir together are refused.
if LD_LIBRARY_PATH="$tmp/lib" "$WHEELFIX" repair -q -w "$tmp/x" --no-cache --cache-dir "$tmp/c" "$whl" 2>/dev/null; then
  wf_fail "--no-cache with --cache-dir was accepted"
fi
echo "ok"
