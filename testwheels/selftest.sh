#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2119
# Self-test of the test wheels and of tests/e2e/lib.sh, independent of the
# wheelfix binary:  testwheels/selftest.sh [BUILD_DIR]
#
# Builds the wheels through wf_build_testwheels (cache in BUILD_DIR, default
# a temporary folder), checks every wheel's archive and RECORD, checks the
# ELF property each wheel exists for with readelf, installs the native
# wheels into a fresh venv and runs each manifest "call", and checks that
# the private libraries are really needed (import fails without them, or
# with one hidden by wf_hide_libs).  Exit 0 pass, 1 fail.
set -uo pipefail

export WHEELFIX_SOURCE_DIR="${WHEELFIX_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
# shellcheck source=../tests/e2e/lib.sh
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_mktemp_dir TMP
export WHEELFIX_BUILD_DIR="${1:-$TMP/build}"

wf_build_testwheels
TW=$WF_TESTWHEELS
stamp=$(stat -c %Y.%s "$TW/manifest.json")
wf_build_testwheels
wf_assert_eq "$stamp" "$(stat -c %Y.%s "$TW/manifest.json")" "manifest after a cached call"
echo "ok: build and cache ($(python3 -c 'import json,sys;print(len(json.load(open(sys.argv[1]))))' "$TW/manifest.json") wheels)"

# Archive, filename and RECORD checks for every wheel, in Python.
python3 - "$TW" <<'EOF' || wf_fail "wheel format checks failed"
import base64, csv, hashlib, io, json, os, sys, zipfile
tw = sys.argv[1]
for e in json.load(open(os.path.join(tw, "manifest.json"))):
    path = os.path.join(tw, e["wheel"])
    dist_info = "%s-%s.dist-info/" % (e["dist"], e["version"])
    assert e["wheel"].endswith("-linux_%s.whl" % e["arch"]), e["wheel"]
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None, path
        names = zf.namelist()
        assert names[-1] == dist_info + "RECORD", names
        wheel = zf.read(dist_info + "WHEEL").decode()
        assert "Root-Is-Purelib: false\n" in wheel and "Wheel-Version: 1.0\n" in wheel
        tag = e["wheel"][len(e["dist"]) + len(e["version"]) + 2:-4]
        assert "Tag: %s\n" % tag in wheel, (wheel, tag)
        rows = list(csv.reader(io.StringIO(zf.read(dist_info + "RECORD").decode())))
        assert sorted(r[0] for r in rows) == sorted(names), path
        for name, digest, size in rows:
            if name.endswith("RECORD"):
                assert digest == "" and size == "", name
                continue
            data = zf.read(name)
            want = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert digest == "sha256=" + want and int(size) == len(data), name
print("ok: archives, tags and RECORD of every wheel")
EOF

# ELF properties, read from the files inside the wheels.
X="$TMP/unpacked"
mkdir -p "$X"
for whl in "$TW"/*.whl; do
  n=$(basename "$whl" .whl)
  python3 -m zipfile -e "$whl" "$X/${n%%-*}" || wf_fail "cannot unpack $whl"
done
has() { # has FILE READELF-ARGS REGEX WHAT
  readelf -W "$2" "$1" | grep -Eq "$3" || wf_fail "$1: $4 not found (readelf $2)"
}
one() { compgen -G "$1" | head -n1; }
has "$(one "$X/futureglibc/futureglibc*.so")" -V 'Name: GLIBC_2\.99' "GLIBC_2.99 reference"
has "$(one "$X/zlibbl/zlibbl*.so")" --dyn-syms 'GLOBAL +DEFAULT +UND +zcalloc$' "undefined zcalloc"
has "$(one "$X/cxxext/cxxext*.so")" -V 'Name: GLIBCXX_3\.4' "GLIBCXX_3.4 reference"
has "$(one "$X/cxxext/cxxext*.so")" -V 'Name: CXXABI_1\.3' "CXXABI_1.3 reference"
has "$(one "$X/pylinked/pylinked*.so")" -d 'NEEDED.*\[libpython3' "DT_NEEDED libpython"
has "$(one "$X/privlib/privlib*.so")" -d 'NEEDED.*\[libwfpriv\.so\.1\]' "DT_NEEDED libwfpriv.so.1"
has "$(wf_tw_field privlib private_libs | grep libwfpriv)" -V 'Name: GLIBC_2\.14' "memcpy@GLIBC_2.14"
has "$X/muslext/muslext/_native.so" -d 'NEEDED.*\[libc\.so\]' "DT_NEEDED libc.so (musl)"
has "$(one "$X/originrpath/originrpath/_ext*.so")" -d 'RUNPATH.*\[\$ORIGIN/lib\]' "RUNPATH \$ORIGIN/lib"
has "$X/torchlike/torchlike/lib/libwfsolve.so.1" -d 'NEEDED.*\[libwfsparse\.so\.1\]' "DT_NEEDED libwfsparse.so.1"
has "$(one "$X/torchlike/torchlike/_C*.so")" -d 'RUNPATH.*\[\$ORIGIN/lib\]' "RUNPATH \$ORIGIN/lib"
has "$X/withscript/withscript-0.1.0.data/scripts/wfhello" -d 'NEEDED.*\[libwfhello\.so\.1\]' "DT_NEEDED libwfhello.so.1"
has "$X/abi3clean/abi3clean.abi3.so" --dyn-syms 'UND +_Py_Dealloc$' "undefined _Py_Dealloc (Py_DECREF)"
has "$X/abi3new/abi3new.abi3.so" --dyn-syms 'UND +PyUnicode_AsUTF8AndSize$' "undefined PyUnicode_AsUTF8AndSize"
has "$X/abi3priv/abi3priv.abi3.so" --dyn-syms 'UND +_PyLong_AsByteArray$' "undefined _PyLong_AsByteArray"
if [ -d "$X/isav3" ]; then
  has "$(one "$X/isav3/isav3*.so")" -n 'x86 ISA needed:.*x86-64-v3' "x86-64-v3 ISA note"
fi
declare -A MACHINE=([aarch64]=AArch64 [armv7l]=ARM [i686]="Intel 80386" [ppc64le]=PowerPC64
  [s390x]="IBM S/390" [riscv64]=RISC-V)
for arch in "${!MACHINE[@]}"; do
  f="$X/cross_$arch/cross_$arch/_native.so"
  if [ -f "$f" ]; then has "$f" -h "Machine: +${MACHINE[$arch]}\$" "machine ${MACHINE[$arch]}"; fi
done
echo "ok: ELF properties"

# Install and call every importable wheel in a fresh venv.
wf_fresh_venv "$TMP/venv"
wf_pip_install "$TMP/venv" "$TW"/*linux_"$(uname -m)".whl || wf_fail "pip install failed"
for name in $(python3 -c 'import json,sys;[print(e["name"]) for e in json.load(open(sys.argv[1])) if e["import"]]' "$TW/manifest.json"); do
  libs=$(wf_tw_field "$name" needs_ld_library_path)
  LD_LIBRARY_PATH="$libs" wf_check_call "$TMP/venv" "$name"
  echo "ok: $name imports and works"
done
out=$(LD_LIBRARY_PATH=$(wf_tw_field withscript needs_ld_library_path) "$TMP/venv/bin/wfhello")
wf_assert_eq "hello from wfhello" "$out" "wfhello output"

# The private libraries are really needed.
py="$TMP/venv/bin/python"
"$py" -c "import privlib" 2>/dev/null && wf_fail "privlib imported without its private libs"
"$TMP/venv/bin/wfhello" >/dev/null 2>&1 && wf_fail "wfhello ran without libwfhello.so.1"
err=$("$py" -c "import futureglibc" 2>&1)
grep -q "GLIBC_2.99' not found" <<<"$err" ||
  wf_fail "futureglibc did not fail with GLIBC_2.99 not found"
dep=$(wf_tw_field privlib private_libs | grep libwfdep)
if wf_can_hide_libs; then
  LD_LIBRARY_PATH=$(wf_tw_field privlib needs_ld_library_path) \
    wf_hide_libs "$dep" "$py" -c "import privlib" 2>/dev/null &&
    wf_fail "privlib imported with libwfdep.so.2 hidden"
  echo "ok: private libraries are needed (also with libwfdep.so.2 hidden)"
else
  echo "ok: private libraries are needed (wf_hide_libs unavailable, not checked)"
fi
echo "PASS"
