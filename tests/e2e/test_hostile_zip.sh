#!/usr/bin/env bash
# Hostile and broken zip archives through `wheelfix show` and `wheelfix
# repair`: each must fail with exit 1 and a message naming the file and the
# problem, write nothing into the output folder and leave the input
# unchanged.  The archives are built here by a small zip writer (below) that
# can lie in any header field, from the members of the `simple` test wheel.
# A wheel whose RECORD disagrees with its content is repaired, with a
# warning, and gets a correct RECORD.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_build_testwheels
wf_mktemp_dir tmp
base=$(wf_testwheel simple)

# mkzip.py BASE OUTDIR: writes one hostile wheel per case into OUTDIR, named
# <case>-0.1.0-cp311-cp311-linux_x86_64.whl with .dist-info renamed to match.
cat >"$tmp/mkzip.py" <<'PY'
import base64, hashlib, os, random, struct, sys, zipfile, zlib

src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as z:
    members = [(i.filename, z.read(i), i.external_attr) for i in z.infolist()]

def record_for(files, dist_info):
    rows = []
    for n, d, _ in files:
        if n == dist_info + "/RECORD":
            continue
        h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
        rows.append(f"{n},sha256={h},{len(d)}")
    rows.append(dist_info + "/RECORD,,")
    return ("\n".join(rows) + "\n").encode()

def renamed(case):
    """The simple wheel's members with the distribution renamed to `case`."""
    files = []
    for n, d, a in members:
        n = n.replace("simple-0.1.0.dist-info", f"{case}-0.1.0.dist-info")
        if n.endswith("/METADATA"):
            d = d.replace(b"Name: simple", b"Name: " + case.encode())
        files.append([n, d, a])
    dist_info = f"{case}-0.1.0.dist-info"
    for f in files:
        if f[0] == dist_info + "/RECORD":
            f[1] = record_for(files, dist_info)
    return files

class Entry:
    def __init__(self, name, data, attr=0o100644 << 16, method=8):
        self.name = name.encode() if isinstance(name, str) else name
        self.data = data
        self.method = method
        self.payload = zlib.compress(data, 6)[2:-4] if method == 8 else data
        self.crc = zlib.crc32(data)
        self.csize = len(self.payload)
        self.usize = len(data)
        self.attr = attr
        self.made_by = (3 << 8) | 20
        self.flags = 0x800
        self.local_name = None   # override the local header's name
        self.local_crc = None    # override the local header's CRC
        self.zip64 = False       # sizes in a ZIP64 extra field

def local_header(e):
    name = e.local_name if e.local_name is not None else e.name
    crc = e.local_crc if e.local_crc is not None else e.crc
    extra = b""
    cs, us = e.csize, e.usize
    if e.zip64:
        extra = struct.pack("<HHQQ", 1, 16, e.usize, e.csize)
        cs = us = 0xFFFFFFFF
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if e.zip64 else 20, e.flags, e.method,
                       0, 0x21, crc, cs, us, len(name), len(extra)) + name + extra

def central(e, off):
    extra = b""
    cs, us = e.csize, e.usize
    if e.zip64:
        extra = struct.pack("<HHQQ", 1, 16, e.usize, e.csize)
        cs = us = 0xFFFFFFFF
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, e.made_by, 45 if e.zip64 else 20, e.flags,
                       e.method, 0, 0x21, e.crc, cs, us, len(e.name), len(extra), 0, 0, 0,
                       e.attr, off) + e.name + extra

def end_record(n, cd_size, cd_off, comment=b""):
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, cd_size, cd_off, len(comment)) + comment

def write_two_dirs(path, entries, evil):
    """The end record's comment holds a second central directory and end
    record listing `evil` too: Python's zipfile (pip) uses that one."""
    body, offsets = bytearray(), []
    for e in entries + evil:
        offsets.append(len(body))
        body += local_header(e) + e.payload
    cd1 = b"".join(central(e, o) for e, o in zip(entries, offsets))
    cd2 = b"".join(central(e, o) for e, o in zip(entries + evil, offsets))
    cd2_at = len(body) + len(cd1) + 22
    # Padding after the second end record: only the first one's comment
    # reaches the end of the file, so readers disagree on which to use.
    comment = cd2 + end_record(len(entries) + len(evil), len(cd2), cd2_at) + b"\0" * 4
    open(path, "wb").write(bytes(body) + cd1 + end_record(len(entries), len(cd1), len(body), comment))

def write(path, entries, cut=None, cd_sig=0x02014B50, cd_offset_delta=0, trailing=b""):
    body = bytearray()
    offsets = []
    for e in entries:
        offsets.append(len(body))
        body += local_header(e) + e.payload
    cd = b"".join(struct.pack("<I", cd_sig) + central(e, off)[4:] for e, off in zip(entries, offsets))
    cd_off = len(body)
    body += cd
    body += end_record(len(entries), len(cd), cd_off + cd_offset_delta)
    data = bytes(body) + trailing
    if cut is not None:
        data = data[:cut]
    open(path, "wb").write(data)

def wheel(case, mutate=None, **kw):
    entries = [Entry(n, d, a if a else 0o100644 << 16) for n, d, a in renamed(case)]
    if mutate:
        entries = mutate(entries) or entries
    path = os.path.join(out, f"{case}-0.1.0-cp311-cp311-linux_x86_64.whl")
    write(path, entries, **kw)
    return path

def find(entries, suffix):
    return next(e for e in entries if e.name.endswith(suffix.encode()))

def before_dist_info(entries, e):
    """Inserts e before the .dist-info members (keeps RECORD last)."""
    i = next(i for i, x in enumerate(entries) if b".dist-info/" in x.name)
    entries.insert(i, e)
    return entries

# A good one, to prove the writer itself makes valid wheels.
wheel("good")
full = open(os.path.join(out, "good-0.1.0-cp311-cp311-linux_x86_64.whl"), "rb").read()
# Truncated in the middle, and inside the end record.
wheel("truncmid", cut=len(full) // 2)
wheel("truncend", cut=len(full) - 7)
# Central directory: a bad header signature; an offset pointing elsewhere.
wheel("badcd", cd_sig=0x02014B51)
wheel("cdoffset", cd_offset_delta=-5)
# Local header disagrees with the central directory.
def local_name(es):
    find(es, ".so").local_name = find(es, ".so").name[:-3] + b".sX"
wheel("localname", local_name)
def local_crc(es):
    find(es, ".so").local_crc = find(es, ".so").crc ^ 1
wheel("localcrc", local_crc)
# The same member twice.
def duplicate(es):
    so = find(es, ".so")
    return before_dist_info(es, Entry(so.name, so.data, so.attr))
wheel("duplicate", duplicate)
# CRC mismatch (headers agree with each other, not with the data): in the
# extension module and in a plain member.
def crc_so(es):
    e = find(es, ".so")
    e.crc ^= 0x1234
wheel("crcso", crc_so)
def crc_py(es):
    e = Entry("simple_extra.py", b"X = 1\n")
    e.crc = 0xDEADBEEF
    return before_dist_info(es, e)
wheel("crcpy", crc_py)
# Path traversal and absolute paths.
wheel("dotdot", lambda es: before_dist_info(es, Entry("pkg/../../evil.py", b"x = 1\n")))
wheel("absolute", lambda es: before_dist_info(es, Entry("/tmp/evil.py", b"x = 1\n")))
# A symlink member (Unix mode 0120777).
wheel("symlink", lambda es: before_dist_info(es, Entry("link.so", b"/etc/passwd", attr=0o120777 << 16, method=0)))
# Zip bombs.  Declared: 64 MiB of zeros honestly declared (ratio ~1000:1).
def bomb_declared(es):
    return before_dist_info(es, Entry("zeros.bin", bytes(64 << 20)))
wheel("bombdeclared", bomb_declared)
# Actual: headers declare 1 MiB, the deflate stream inflates to 64 MiB.
def bomb_actual(es):
    e = Entry("zeros.bin", bytes(64 << 20))
    e.usize = 1 << 20
    e.crc = zlib.crc32(bytes(1 << 20))
    return before_dist_info(es, e)
wheel("bombactual", bomb_actual)
# A member declaring 5 GiB (ZIP64 sizes) with a few bytes of data.
def over4g(es):
    e = Entry("huge.bin", b"\0" * 1000)
    e.usize = 5 << 30
    e.zip64 = True
    return before_dist_info(es, e)
wheel("over4g", over4g)
# A name that is not UTF-8 (flag bit 11 set, byte 0xff).
wheel("nonutf8", lambda es: before_dist_info(es, Entry(b"pkg/\xffbad.py", b"x = 1\n")))
# The issue-12 attack: a second central directory in the archive comment,
# with an extra evil.py that only pip (zipfile) would install.
case = "twodirs"
write_two_dirs(os.path.join(out, f"{case}-0.1.0-cp311-cp311-linux_x86_64.whl"),
               [Entry(n, d, a if a else 0o100644 << 16) for n, d, a in renamed(case)],
               [Entry("evil.py", b"import os\n")])
# Trailing bytes after the end record (zipfile ignores them).
wheel("trailing", trailing=b"TRAILING DATA")
# A local header and data between two members that the central directory
# does not list (a streaming reader installs it).
def hidden(es):
    so = find(es, ".so")
    ghost = Entry("ghost.py", b"import os\n")
    so.payload += local_header(ghost) + ghost.payload
    return es
wheel("hidden", hidden)
# A 9 MiB METADATA (deflates ~100:1) over the 8 MiB limit.
def big_metadata(es):
    meta = find(es, "/METADATA")
    line = bytes(random.Random(5).randbytes(400).hex(), "ascii") + b"\n"
    new = Entry(meta.name, meta.data + b"\n" + line * (9 * 1024 * 1024 // len(line)))
    es[es.index(meta)] = new
    return es
wheel("bigmeta", big_metadata)
# Made on Windows (create_system 0) with Unix modes: a 0755 script that pip
# installs executable.
def dos_host(es):
    for e in es:
        e.made_by = 20
    return before_dist_info(es, Entry("simple/tool.sh", b"#!/bin/sh\necho hi\n", attr=(0o100755 << 16) | 0x20))
wheel("doshost", dos_host)
# RECORD lists a wrong hash for a member whose content is otherwise fine.
def bad_record(es):
    es = before_dist_info(es, Entry("simple_extra.py", b"X = 1\n"))
    rec = find(es, "/RECORD")
    good = base64.urlsafe_b64encode(hashlib.sha256(b"X = 1\n").digest()).rstrip(b"=")
    text = rec.data.decode().rstrip("\n").split("\n")
    text.insert(0, "simple_extra.py,sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b"X = 2\n").digest()).rstrip(b"=").decode() + ",6")
    new = Entry(rec.name, ("\n".join(text) + "\n").encode())
    es[es.index(rec)] = new
    return es
wheel("badrecord", bad_record)
PY
mkdir -p "$tmp/in"
python3 "$tmp/mkzip.py" "$base" "$tmp/in" || wf_fail "mkzip.py failed"
whl() { echo "$tmp/in/$1-0.1.0-cp311-cp311-linux_x86_64.whl"; }

# The writer's control case is valid: python's zipfile reads it, show and
# repair accept it.
python3 -c "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None" "$(whl good)" ||
  wf_fail "the generated control wheel is not a valid zip"
"$WHEELFIX" show "$(whl good)" >"$tmp/good.txt" || wf_fail "show refused the control wheel"
grep -q "platform tag: manylinux1_x86_64" "$tmp/good.txt" || wf_fail "control wheel tag: $(cat "$tmp/good.txt")"
"$WHEELFIX" repair -w "$tmp/good-out" "$(whl good)" >/dev/null || wf_fail "repair refused the control wheel"

# expect_refused CASE PATTERN [show|repair|both]: the command(s) exit 1
# with "wheelfix: error: <input>: ...PATTERN" on stderr, leave the output
# folder empty and the input unchanged.
expect_refused() {
  local case=$1 pattern=$2 which=${3:-both} in sum out rc err
  in=$(whl "$case")
  sum=$(sha256sum "$in")
  if [ "$which" != repair ]; then
    set +e
    err=$("$WHEELFIX" show "$in" 2>&1 >/dev/null)
    rc=$?
    set -e
    [ "$rc" -eq 1 ] || wf_fail "$case: show exited $rc, expected 1 ($err)"
    grep -qF "wheelfix: error: $in: " <<<"$err" || wf_fail "$case: show error does not name the file: $err"
    grep -qE "$pattern" <<<"$err" || wf_fail "$case: show error does not match /$pattern/: $err"
  fi
  if [ "$which" != show ]; then
    out="$tmp/out-$case"
    mkdir -p "$out"
    set +e
    err=$("$WHEELFIX" repair -w "$out" "$in" 2>&1 >/dev/null)
    rc=$?
    set -e
    [ "$rc" -eq 1 ] || wf_fail "$case: repair exited $rc, expected 1 ($err)"
    grep -qF "wheelfix: error: $in: " <<<"$err" || wf_fail "$case: repair error does not name the file: $err"
    grep -qE "$pattern" <<<"$err" || wf_fail "$case: repair error does not match /$pattern/: $err"
    [ -z "$(ls -A "$out")" ] || wf_fail "$case: repair left files in the output folder: $(ls -A "$out")"
  fi
  wf_assert_eq "$sum" "$(sha256sum "$in")" "$case: input checksum"
}

expect_refused truncmid "truncated|no end of central directory"
expect_refused truncend "truncated|no end of central directory"
expect_refused badcd "bad central directory header"
expect_refused cdoffset "central directory|no local header"
expect_refused localname "local header names"
expect_refused localcrc "local header CRC/sizes"
expect_refused duplicate "duplicate member name"
expect_refused crcso "simple\.cpython[^:]*\.so: CRC-32 mismatch"
# show reads only the ELF members; repair copies and hashes every member
# (a lying deflate stream is only seen when it is inflated).
expect_refused crcpy "simple_extra\.py: CRC-32 mismatch" repair
expect_refused dotdot "pkg/\.\./\.\./evil\.py: .*'\.\.'"
expect_refused absolute "/tmp/evil\.py: absolute path"
expect_refused symlink "link\.so: symlink members are not allowed"
expect_refused bombdeclared "zeros\.bin: declared compression ratio"
expect_refused bombactual "zeros\.bin: inflates to more than its declared size" repair
expect_refused over4g "huge\.bin: .*(ratio|over the limit|declared size)"
expect_refused nonutf8 "not valid UTF-8"
expect_refused twodirs "holds another end record signature .*zip readers disagree"
expect_refused trailing "13 bytes of trailing data after the end of central directory record"
expect_refused hidden "bytes at offset [0-9]+ after member '[^']*\.so' belong to no member"
expect_refused bigmeta "bigmeta-0\.1\.0\.dist-info/METADATA: [0-9]+ bytes is over the limit of 8388608 bytes for this file"

# What pip would see in the two-directory wheel: evil.py, which show
# would not have listed before the fix.
python3 -c "import sys, zipfile; assert 'evil.py' in zipfile.ZipFile(sys.argv[1]).namelist()" "$(whl twodirs)" ||
  wf_fail "twodirs: zipfile does not see the second central directory (the case tests nothing)"
# The METADATA limit is checked before reading: quick, small.
start=$(date +%s%N)
"$WHEELFIX" show "$(whl bigmeta)" >/dev/null 2>&1 && wf_fail "bigmeta accepted"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 2000 ] || wf_fail "bigmeta took ${ms} ms to refuse"
out="$tmp/out-index"
set +e
err=$("$WHEELFIX" index -o "$out" "$(whl bigmeta)" 2>&1 >/dev/null)
rc=$?
set -e
wf_assert_eq 1 "$rc" "index of bigmeta: exit status ($err)"
grep -qF "METADATA: " <<<"$err" || wf_fail "index of bigmeta: $err"
[ ! -e "$out" ] || [ -z "$(find "$out" -name '*.metadata')" ] || wf_fail "index wrote a .metadata for bigmeta"

# Executable bits are read as pip reads them, whatever host made the zip:
# the repaired wheel keeps tool.sh executable (pip's rule on the output).
"$WHEELFIX" repair -w "$tmp/out-doshost" "$(whl doshost)" >/dev/null || wf_fail "repair refused doshost"
python3 - "$tmp"/out-doshost/*.whl <<'PY' || wf_fail "doshost: repaired wheel lost the executable bit of tool.sh"
import stat, sys, zipfile
i = zipfile.ZipFile(sys.argv[1]).getinfo("simple/tool.sh")
mode = i.external_attr >> 16
assert mode and stat.S_ISREG(mode) and mode & 0o111, oct(mode)
PY

# The bombs are refused without inflating them: well under a second each and
# far less memory than the 64 MiB they expand to (checked on the declared
# one: refused at open, before any member is read).
start=$(date +%s%N)
"$WHEELFIX" show "$(whl bombdeclared)" >/dev/null 2>&1 && wf_fail "bombdeclared accepted"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 5000 ] || wf_fail "bombdeclared took ${ms} ms to refuse"

# RECORD disagreeing with the content: repair succeeds, warns with the
# member's name and writes a RECORD that matches every member.
in=$(whl badrecord)
sum=$(sha256sum "$in")
"$WHEELFIX" show "$in" >"$tmp/badrecord.txt" || wf_fail "show refused a wheel whose only fault is RECORD"
set +e
err=$("$WHEELFIX" repair -w "$tmp/out-badrecord" "$in" 2>&1 >/dev/null)
rc=$?
set -e
wf_assert_eq 0 "$rc" "repair of a wheel with a wrong RECORD: exit status ($err)"
grep -qF "RECORD of the input disagrees with simple_extra.py (regenerated)" <<<"$err" ||
  wf_fail "no RECORD warning: $err"
wf_assert_eq "$sum" "$(sha256sum "$in")" "badrecord: input checksum"
python3 - "$tmp"/out-badrecord/*.whl <<'PY' || wf_fail "repaired RECORD does not match the content"
import base64, csv, hashlib, io, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
rec = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
rows = {r[0]: r for r in csv.reader(io.StringIO(z.read(rec).decode())) if r}
for n in z.namelist():
    if n == rec:
        continue
    d = z.read(n)
    h = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
    assert rows[n][1] == h and rows[n][2] == str(len(d)), (n, rows[n])
assert set(rows) == set(z.namelist())
PY
echo "ok: hostile zip archives"
