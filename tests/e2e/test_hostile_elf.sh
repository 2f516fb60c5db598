#!/usr/bin/env bash
# Broken ELF files inside otherwise valid wheels, through `wheelfix show` and
# `wheelfix repair`: truncated headers, offsets past the end, overlapping
# segments, absurd counts, looping version chains, string offsets out of
# range.  Each must fail with exit 1 and "wheelfix: error: <wheel>:
# <member>: <problem>", write nothing and leave the input unchanged; none may
# hang (every command has a timeout).  A class that does not fit the machine
# is reported by show (no tag, with the reason) and refused by repair.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_build_testwheels
wf_mktemp_dir tmp
base=$(wf_testwheel simple)
i686=$(wf_testwheel cross_i686)

# mkelf.py SIMPLE I686 OUTDIR: one wheel per case, the simple wheel with its
# extension module replaced by a corrupted copy (RECORD kept correct).
cat >"$tmp/mkelf.py" <<'PY'
import base64, hashlib, os, struct, sys, zipfile

simple, i686, out = sys.argv[1], sys.argv[2], sys.argv[3]
PT_LOAD, PT_DYNAMIC = 1, 2
DT_NEEDED, DT_STRSZ, DT_SONAME, DT_VERNEED, DT_VERNEEDNUM = 1, 10, 14, 0x6FFFFFFE, 0x6FFFFFFF

with zipfile.ZipFile(simple) as z:
    members = [(i, z.read(i)) for i in z.infolist()]
so_name = next(i.filename for i, _ in members if i.filename.endswith(".so"))
good = next(d for i, d in members if i.filename == so_name)
with zipfile.ZipFile(i686) as z:
    i686_so = next(z.read(n) for n in z.namelist() if n.endswith(".so"))

def ehdr(d):
    return dict(zip(["phoff", "shoff", "flags", "ehsize", "phentsize", "phnum"],
                    struct.unpack_from("<QQIHHH", d, 32)))

def phdrs(d):
    h = ehdr(d)
    for i in range(h["phnum"]):
        off = h["phoff"] + i * h["phentsize"]
        t, f, o, va, pa, fs, ms, al = struct.unpack_from("<IIQQQQQQ", d, off)
        yield off, dict(type=t, offset=o, vaddr=va, filesz=fs, memsz=ms)

def phdr(d, ptype):
    return next((o, p) for o, p in phdrs(d) if p["type"] == ptype)

def to_offset(d, vaddr):
    for _, p in phdrs(d):
        if p["type"] == PT_LOAD and p["vaddr"] <= vaddr < p["vaddr"] + p["filesz"]:
            return vaddr - p["vaddr"] + p["offset"]
    raise ValueError(hex(vaddr))

def dyn_slots(d):
    _, p = phdr(d, PT_DYNAMIC)
    for off in range(p["offset"], p["offset"] + p["filesz"], 16):
        tag, val = struct.unpack_from("<qQ", d, off)
        yield off, tag, val
        if tag == 0:
            break

def set_dyn(d, tag, value):
    off = next(o for o, t, _ in dyn_slots(d) if t == tag)
    struct.pack_into("<qQ", d, off, tag, value)

def dyn(d, tag):
    return next(v for _, t, v in dyn_slots(d) if t == tag)

cases = {}
def case(name):
    def reg(f):
        cases[name] = f
        return f
    return reg

@case("truncehdr")
def _(d): return d[:40]
@case("truncphdr")
def _(d): return d[:ehdr(d)["phoff"] + 20]
@case("phoffpast")
def _(d): struct.pack_into("<Q", d, 32, len(d) + 4096); return d
@case("dynpast")
def _(d):
    off, _ = phdr(d, PT_DYNAMIC)
    struct.pack_into("<Q", d, off + 8, len(d) + 64)  # p_offset
    return d
@case("overlap")
def _(d):
    # The last PT_LOAD moves onto the first one's addresses (sizes kept,
    # inside the file): an address would map to two different file bytes.
    loads = [(o, p) for o, p in phdrs(d) if p["type"] == PT_LOAD]
    first, (o2, p2) = loads[0][1], loads[-1]
    struct.pack_into("<QQQ", d, o2 + 8, first["offset"], first["vaddr"] + 16, first["vaddr"] + 16)
    return d
@case("phnumabsurd")
def _(d): struct.pack_into("<H", d, 56, 0xFFFE); return d
@case("vernumabsurd")
def _(d): set_dyn(d, DT_VERNEEDNUM, 0xFFFFFFFF); return d
@case("verloop")
def _(d):
    # vn_next = 0 on the first Verneed with a count of 100000: a chain that
    # names the same entry again and again.
    vn = to_offset(d, dyn(d, DT_VERNEED))
    set_dyn(d, DT_VERNEEDNUM, 100000)
    struct.pack_into("<I", d, vn + 12, 0)
    return d
@case("stroffset")
def _(d): set_dyn(d, DT_NEEDED, 0x7FFFFFF0); return d
@case("wrongclass")
def _(d):
    # A real 32-bit i686 module whose e_machine says x86-64 (62).
    d = bytearray(i686_so)
    struct.pack_into("<H", d, 18, 62)
    return d

for name, mutate in cases.items():
    so = bytes(mutate(bytearray(good)))
    path = os.path.join(out, f"{name}-0.1.0-cp311-cp311-linux_x86_64.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        files = []
        for info, data in members:
            n = info.filename.replace("simple-0.1.0.dist-info", f"{name}-0.1.0.dist-info")
            if info.filename == so_name:
                data = so
            if n.endswith("/METADATA"):
                data = data.replace(b"Name: simple", b"Name: " + name.encode())
            if n.endswith("/RECORD"):
                rows = []
                for fn, fd in files:
                    h = base64.urlsafe_b64encode(hashlib.sha256(fd).digest()).rstrip(b"=").decode()
                    rows.append(f"{fn},sha256={h},{len(fd)}")
                data = ("\n".join(rows + [n + ",,"]) + "\n").encode()
            files.append((n, data))
            zi = zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0))
            zi.external_attr = info.external_attr
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
print(so_name)
PY
mkdir -p "$tmp/in"
so=$(python3 "$tmp/mkelf.py" "$base" "$i686" "$tmp/in") || wf_fail "mkelf.py failed"
whl() { echo "$tmp/in/$1-0.1.0-cp311-cp311-linux_x86_64.whl"; }

# expect_refused CASE PATTERN: show and repair exit 1 with
# "wheelfix: error: <wheel>: <member>: ...PATTERN", within 60 s, leave the
# output folder empty and the input unchanged.
expect_refused() {
  local case=$1 pattern=$2 in sum out rc err cmd
  in=$(whl "$case")
  sum=$(sha256sum "$in")
  out="$tmp/out-$case"
  mkdir -p "$out"
  for cmd in show repair; do
    set +e
    if [ $cmd = show ]; then
      err=$(timeout 60 "$WHEELFIX" show "$in" 2>&1 >/dev/null)
    else
      err=$(timeout 60 "$WHEELFIX" repair -w "$out" "$in" 2>&1 >/dev/null)
    fi
    rc=$?
    set -e
    [ "$rc" -eq 1 ] || wf_fail "$case: $cmd exited $rc, expected 1 ($err)"
    grep -qF "wheelfix: error: $in: $so: " <<<"$err" ||
      wf_fail "$case: $cmd error does not name the wheel and the member: $err"
    grep -qE "$pattern" <<<"$err" || wf_fail "$case: $cmd error does not match /$pattern/: $err"
  done
  [ -z "$(ls -A "$out")" ] || wf_fail "$case: repair left files in the output folder: $(ls -A "$out")"
  wf_assert_eq "$sum" "$(sha256sum "$in")" "$case: input checksum"
}

expect_refused truncehdr "file is too short for an ELF header"
expect_refused truncphdr "program header table runs past the end of the file"
expect_refused phoffpast "program header table runs past the end of the file"
expect_refused dynpast "PT_DYNAMIC segment runs past the end of the file"
expect_refused overlap "PT_LOAD segment [0-9]+ at 0x10 overlaps or precedes the previous one"
expect_refused phnumabsurd "program header table runs past the end of the file"
expect_refused vernumabsurd "DT_VERNEEDNUM 4294967295 is larger than its segment holds"
expect_refused verloop "version need|DT_VERNEEDNUM"
expect_refused stroffset "DT_NEEDED string offset 0x7ffffff0 is outside the string table"

# A 32-bit file claiming x86-64 parses (its header is consistent); no wheel
# arch fits it.  show reports that as the reason there is no tag (and exits
# 1); repair refuses with the same reason and writes nothing.
in=$(whl wrongclass)
sum=$(sha256sum "$in")
set +e
out=$(timeout 60 "$WHEELFIX" show "$in" 2>/dev/null)
rc=$?
set -e
wf_assert_eq 1 "$rc" "wrongclass: show exit status"
grep -q "platform tag: none" <<<"$out" || wf_fail "wrongclass: show tag: $out"
grep -qF "$so has an architecture no wheel tag exists for" <<<"$out" || wf_fail "wrongclass: show reason: $out"
mkdir -p "$tmp/out-wrongclass"
set +e
err=$(timeout 60 "$WHEELFIX" repair -w "$tmp/out-wrongclass" "$in" 2>&1 >/dev/null)
rc=$?
set -e
wf_assert_eq 1 "$rc" "wrongclass: repair exit status ($err)"
grep -qF "wheelfix: error: $in: no platform tag exists for this wheel" <<<"$err" || wf_fail "wrongclass: repair error: $err"
grep -qF "$so has an architecture no wheel tag exists for" <<<"$err" || wf_fail "wrongclass: repair reason: $err"
[ -z "$(ls -A "$tmp/out-wrongclass")" ] || wf_fail "wrongclass: repair left files"
wf_assert_eq "$sum" "$(sha256sum "$in")" "wrongclass: input checksum"
echo "ok: hostile ELF files in wheels"
