#!/usr/bin/env bash
# Regenerates the seed corpora under fuzz/corpus/<target>/ from the test
# wheels (testwheels/build.py), small shared libraries built here by the
# local and cross compilers, the repository's policy files and a few
# handwritten metadata texts.  Seeds are kept small (libFuzzer's default
# -max_len is the largest seed): files over 64 KiB are skipped.
#
#   fuzz/make_seeds.sh            (run from anywhere; needs python3, gcc)
#
# Missing cross compilers are skipped.  The corpus is replaced, not merged;
# crash regressions live in fuzz/regressions/ and are never touched here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus="$here/corpus"
work=$(mktemp -d "${TMPDIR:-/tmp}/wf-seeds.XXXXXX")
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=315532800

python3 "$root/testwheels/build.py" "$work/tw" >"$work/tw.log" 2>&1 || {
  cat "$work/tw.log" >&2
  echo "make_seeds.sh: testwheels/build.py failed" >&2
  exit 1
}

rm -rf "$corpus"
mkdir -p "$corpus"/{elf_reader,elf_rewriter,zip_reader,wheel_metadata,policy}

# --- small shared libraries: sonames, needed, rpath, versioned symbols ----
cat >"$work/lib.c" <<'C'
#include <string.h>
int fuzz_seed_value(const char *s) { return (int)strlen(s) + 1; }
int fuzz_seed_other(int x) { return x * 3; }
C
cat >"$work/lib.map" <<'MAP'
FUZZ_1.0 { global: fuzz_seed_value; local: *; };
FUZZ_2.0 { global: fuzz_seed_other; } FUZZ_1.0;
MAP
build_lib() {  # CC SUFFIX EXTRA...
  local cc=$1 suffix=$2
  shift 2
  command -v "$cc" >/dev/null 2>&1 || { echo "skipped $suffix: no $cc"; return 0; }
  "$cc" -shared -fPIC -Os -s -o "$work/lib-$suffix.so" "$work/lib.c" \
    -Wl,-soname,libfuzzseed.so.1 -Wl,--version-script,"$work/lib.map" \
    -Wl,-rpath,'$ORIGIN/../lib' -Wl,-z,max-page-size=4096 "$@" 2>"$work/cc-$suffix.log" ||
    { echo "skipped $suffix: $cc failed"; return 0; }
  cp "$work/lib-$suffix.so" "$corpus/elf_reader/lib-$suffix.so"
}
build_lib gcc x86_64 -Wl,-z,noseparate-code
build_lib gcc x86_64-runpath -Wl,--enable-new-dtags -Wl,-z,noseparate-code -lm
build_lib gcc x86_64-hash-sysv -Wl,--hash-style=sysv -Wl,-z,noseparate-code
build_lib musl-gcc musl -Wl,-z,noseparate-code
build_lib aarch64-linux-gnu-gcc aarch64
build_lib arm-linux-gnueabihf-gcc armhf
build_lib i686-linux-gnu-gcc i686
build_lib powerpc64le-linux-gnu-gcc ppc64le
build_lib s390x-linux-gnu-gcc s390x
build_lib riscv64-linux-gnu-gcc riscv64
# An executable with PT_INTERP.
echo 'int main(void) { return 0; }' >"$work/main.c"
gcc -Os -s -Wl,-z,noseparate-code -o "$corpus/elf_reader/exe-x86_64" "$work/main.c"

# --- the test wheels and their ELF members ---------------------------------
cp "$work"/tw/*.whl "$corpus/zip_reader/"
python3 - "$work/tw" "$corpus" <<'PY'
import glob, os, sys, zipfile
tw, corpus = sys.argv[1], sys.argv[2]
for whl in sorted(glob.glob(os.path.join(tw, "*.whl"))):
    stem = os.path.basename(whl).split("-")[0]
    with zipfile.ZipFile(whl) as z:
        for info in z.infolist():
            data = z.read(info)
            base = os.path.basename(info.filename)
            if data[:4] == b"\x7fELF":
                open(os.path.join(corpus, "elf_reader", f"tw-{stem}-{base}"), "wb").write(data)
            elif base in ("WHEEL", "METADATA", "RECORD"):
                open(os.path.join(corpus, "wheel_metadata", f"tw-{stem}-{base}"), "wb").write(data)
for lib in sorted(glob.glob(os.path.join(tw, "*-libs", "*.so*"))):
    data = open(lib, "rb").read()
    if data[:4] == b"\x7fELF":
        open(os.path.join(corpus, "elf_reader", "tw-lib-" + os.path.basename(lib)), "wb").write(data)
PY

# --- hand-made archives: stored, data descriptors, zip64, comment ------------
python3 - "$corpus/zip_reader" <<'PY'
import base64, hashlib, io, sys, zipfile
out = sys.argv[1]
def rec(files):
    lines = []
    for n, d in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
        lines.append(f"{n},sha256={h},{len(d)}")
    return "\n".join(lines + ["seedpkg-1.0.dist-info/RECORD,,"]) + "\n"
files = {"seedpkg/__init__.py": b"X = 1\n",
         "seedpkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: seedpkg\nVersion: 1.0\n",
         "seedpkg-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: seed\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
def write(name, method, zip64=False, comment=b""):
    with zipfile.ZipFile(f"{out}/{name}", "w", method) as z:
        for n, d in files.items():
            zi = zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0))
            zi.compress_type = method
            with z.open(zi, "w", force_zip64=zip64) as f:
                f.write(d)
        z.writestr(zipfile.ZipInfo("seedpkg-1.0.dist-info/RECORD", (1980, 1, 1, 0, 0, 0)), rec(files))
        z.comment = comment
write("seed-stored.whl", zipfile.ZIP_STORED)
write("seed-deflated.whl", zipfile.ZIP_DEFLATED)
write("seed-zip64.whl", zipfile.ZIP_DEFLATED, zip64=True)
write("seed-comment.whl", zipfile.ZIP_STORED, comment=b"a comment")
# Streamed members (data descriptors): write through a non-seekable sink.
class Sink(io.RawIOBase):
    def __init__(self): self.buf = bytearray()
    def writable(self): return True
    def write(self, b): self.buf += b; return len(b)
sink = Sink()
with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as z:
    for n, d in files.items():
        z.writestr(zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0)), d, zipfile.ZIP_DEFLATED)
open(f"{out}/seed-descriptor.whl", "wb").write(bytes(sink.buf))
PY

# --- metadata texts and file names -----------------------------------------
md="$corpus/wheel_metadata"
printf 'a.py,sha256=AAAA,3\n"quoted, name.py",sha256=BBBB,10\r\n"x""y",,\n\nr/RECORD,,\n' >"$md/record-quoted"
printf 'Metadata-Version: 2.1\nName: x\nVersion: 1\nDescription: first\n  continued\n\tagain\n\nBody text\n' >"$md/metadata-body"
printf 'Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\nTag: cp311-abi3-linux_x86_64\nBuild: 1x\n' >"$md/wheel-tags"
printf 'numpy-1.26.0-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl' >"$md/filename-build"
printf 'foo_bar-2.0.post1-py2.py3-none-any.whl' >"$md/filename-compressed"

# --- policies: the musl file whole, the glibc file cut to a few entries -----
cp "$root/policies/musllinux-policy.json" "$corpus/policy/musllinux.json"
python3 - "$root/policies/manylinux-policy.json" "$corpus/policy" <<'PY'
import json, sys
pol = json.load(open(sys.argv[1]))
def trim(p):
    p = dict(p)
    p["symbol_versions"] = {a: {k: v[:3] for k, v in vs.items()} for a, vs in list(p.get("symbol_versions", {}).items())[:2]}
    p["lib_whitelist"] = p.get("lib_whitelist", [])[:4]
    p["blacklist"] = {k: v[:2] for k, v in list(p.get("blacklist", {}).items())[:2]}
    return p
json.dump([trim(p) for p in pol[:3]], open(sys.argv[2] + "/manylinux-trimmed.json", "w"), indent=1)
json.dump([trim(pol[-1])], open(sys.argv[2] + "/manylinux-one.json", "w"))
PY

# The rewriter takes the same ELF seeds as the reader.
cp "$corpus"/elf_reader/* "$corpus/elf_rewriter/"
find "$corpus" -type f -size +64k -print -delete
for d in "$corpus"/*/; do
  echo "$(basename "$d"): $(find "$d" -type f | wc -l) seeds, $(du -sk "$d" | cut -f1) KiB"
done
