"""A seeded generator of odd zip archives for the differential harness.

Every archive is built byte by byte from a random set of members (ASCII and
non-ASCII names, directories, stored and deflated data, data descriptors,
ZIP64 extra fields, Unix and DOS hosts, random modes), then given zero to
two "oddities": the things that make two zip readers disagree (a second end
record in the comment, a prefix, trailing bytes, hidden members between
members, overlaps, local headers that lie, cp437 names, duplicate ZIP64
fields...) or plain damage (flipped bytes, truncation).  The same seed gives
the same archives.  generate() writes them and returns (path, oddities).
"""
import os
import random
import struct
import zlib

SIG_LOCAL, SIG_CENTRAL, SIG_END = 0x04034B50, 0x02014B50, 0x06054B50
SIG_END64, SIG_LOC64, SIG_DD = 0x06064B50, 0x07064B50, 0x08074B50


class Member:
    """One member; every header field can be overridden to lie."""

    def __init__(self, name, data, method=8, attr=0o100644 << 16, host=3):
        self.name = name
        self.data = data
        self.method = method
        self.payload = zlib.compress(data, 6)[2:-4] if method == 8 else data
        self.crc = zlib.crc32(data)
        self.csize = len(self.payload)
        self.usize = len(data)
        self.attr = attr
        self.made_by = (host << 8) | 20
        self.needed = 20
        self.flags = 0x800 if any(b >= 0x80 for b in name) else 0
        self.dd = None        # None, or "sig32", "nosig32", "sig64"
        self.dd_crc = None    # a lying data descriptor
        self.zip64 = False    # sizes in ZIP64 extra fields
        self.cextra = b""     # more central extra fields
        self.lextra = b""     # more local extra fields
        self.local = {}       # overrides of the local header: name, method, flags, crc, csize, usize
        self.offset_delta = 0  # added to the central directory's local header offset

    def local_header(self):
        lo = self.local
        name = lo.get("name", self.name)
        flags = lo.get("flags", self.flags | (0x8 if self.dd else 0))
        crc, cs, us = lo.get("crc", self.crc), lo.get("csize", self.csize), lo.get("usize", self.usize)
        if self.dd and "crc" not in lo:
            crc = cs = us = 0
        extra = b""
        if self.zip64:
            extra = struct.pack("<HHQQ", 1, 16, us, cs)
            cs = us = 0xFFFFFFFF
        extra += self.lextra
        return struct.pack("<IHHHHHIIIHH", SIG_LOCAL, self.needed, flags, lo.get("method", self.method),
                           0x6000, 0x21, crc, cs, us, len(name), len(extra)) + name + extra

    def descriptor(self):
        crc = self.crc if self.dd_crc is None else self.dd_crc
        if self.dd == "sig32":
            return struct.pack("<IIII", SIG_DD, crc, self.csize, self.usize)
        if self.dd == "nosig32":
            return struct.pack("<III", crc, self.csize, self.usize)
        if self.dd == "sig64":
            return struct.pack("<IIQQ", SIG_DD, crc, self.csize, self.usize)
        return b""

    def entry(self):
        """Local header, data and data descriptor."""
        return self.local_header() + self.payload + self.descriptor()

    def central(self, offset):
        cs, us, off = self.csize, self.usize, max(0, offset + self.offset_delta)
        extra = b""
        if self.zip64:
            extra = struct.pack("<HHQQQ", 1, 24, us, cs, off)
            cs = us = off = 0xFFFFFFFF
        extra += self.cextra
        flags = self.flags | (0x8 if self.dd else 0)
        return struct.pack("<IHHHHHHIIIHHHHHII", SIG_CENTRAL, self.made_by, self.needed, flags, self.method,
                           0x6000, 0x21, self.crc, cs, us, len(self.name), len(extra), 0, 0, 0,
                           self.attr, off) + self.name + extra


def end_records(count, cd_size, cd_offset, comment=b"", zip64=False, z64_extra=b"", z64_at=None):
    """The end record (after a ZIP64 record and locator when zip64), placed
    at `z64_at` (the ZIP64 record's offset)."""
    out = b""
    if zip64:
        rec = struct.pack("<IQHHIIQQQQ", SIG_END64, 44 + len(z64_extra), 45, 45, 0, 0, count, count,
                          cd_size, cd_offset) + z64_extra
        out += rec + struct.pack("<IIQI", SIG_LOC64, 0, z64_at, 1)
        count, cd_size, cd_offset = 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF
    return out + struct.pack("<IHHHHIIH", SIG_END, 0, 0, count, count, cd_size, cd_offset,
                             len(comment)) + comment


def build(members, prefix=b"", gaps=None, comment=b"", zip64=False, z64_extra=b"", relative=False,
          count_delta=0, central_extra=None):
    """The archive: prefix, entries (with gaps[i] after entry i), central
    directory (plus `central_extra` headers: (member, entry index)), end records."""
    gaps = gaps or {}
    body, offsets = bytearray(prefix), []
    base = len(prefix) if relative else 0
    for i, m in enumerate(members):
        offsets.append(len(body) - base)
        body += m.entry() + gaps.get(i, b"")
    cd = b"".join(m.central(off) for m, off in zip(members, offsets))
    for m, i in central_extra or []:
        cd += m.central(offsets[i])
    cd_off = len(body)
    body += cd
    n = len(members) + len(central_extra or []) + count_delta
    body += end_records(n, len(cd), cd_off - base, comment, zip64, z64_extra, len(body) - base)
    return bytes(body)


def random_name(rng, i):
    stem = rng.choice(["pkg/mod", "pkg/_ext", "data/file", "top", "pkg/sub/x", "a"])
    name = f"{stem}{i}.{rng.choice(['py', 'so', 'txt', 'bin'])}".encode()
    roll = rng.random()
    if roll < 0.1:
        name = name.replace(b"mod", "m\u00f6d".encode())  # non-ASCII, UTF-8 flag set by Member
    elif roll < 0.15:
        name = name.rstrip(b".pyotxbin").rstrip(b".") + b"/"  # a directory
    return name


def random_data(rng):
    kind = rng.randrange(5)
    if kind == 0:
        return b""
    if kind == 1:
        return b"print('hello %d')\n" % rng.randrange(1000)
    if kind == 2:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
    if kind == 3:
        return b"\0" * rng.randrange(1, 5000)
    return (b"PK\x05\x06" + b"PK\x01\x02" + b"PK\x03\x04") * rng.randrange(1, 4)  # signatures in data


ATTRS = [0o100644 << 16, 0o100755 << 16, 0o755 << 16, 0x20, (0o100755 << 16) | 0x20, 0, 0o100700 << 16,
         0o100611 << 16]


def random_members(rng):
    members = []
    for i in range(rng.randrange(1, 6)):
        name = random_name(rng, i)
        data = b"" if name.endswith(b"/") else random_data(rng)
        attr = (0o40755 << 16) if name.endswith(b"/") and rng.random() < 0.7 else rng.choice(ATTRS)
        if rng.random() < 0.03:
            attr = rng.choice([0o120777 << 16, 0o10644 << 16])  # symlink, FIFO
        m = Member(name, data, method=rng.choice([0, 8, 8]), attr=attr, host=rng.choice([3, 3, 0, 0]))
        if rng.random() < 0.15 and m.method == 8:
            m.dd = rng.choice(["sig32", "nosig32", "sig64"])
        if rng.random() < 0.1:
            m.zip64 = True
            m.needed = 45
        members.append(m)
    return members


def oddity(rng, kind, members, opts):
    """Applies one oddity to the members or build options; returns a
    post-processing function for the built bytes (or None)."""
    m = rng.choice(members)
    if kind == "second_end_in_comment":
        extra = Member(b"evil.py", b"import os\n")
        opts.setdefault("hidden", []).append(extra)
    elif kind == "end_sig_in_comment":
        opts["comment"] = b"note PK\x05\x06" + bytes(18) + b" end"
    elif kind == "comment":
        opts["comment"] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 60))).replace(b"PK", b"pk")
    elif kind == "prefix":
        opts["prefix"] = b"#!/bin/sh\nexit 0\n" * rng.randrange(1, 4)
        opts["relative"] = rng.random() < 0.5
    elif kind == "prefix_with_member":
        opts["prefix"] = Member(b"hidden.py", b"x = 1\n").entry()
    elif kind == "trailing":
        junk = rng.choice([b"\0" * 7, b"trailing garbage", b"PK\x05\x06"])
        return lambda b: b + junk
    elif kind == "gap":
        opts.setdefault("gaps", {})[members.index(m)] = b"JUNK" * rng.randrange(1, 3)
    elif kind == "hidden_member":
        opts.setdefault("gaps", {})[members.index(m)] = Member(b"evil.py", b"import os\n").entry()
    elif kind == "duplicate":
        opts.setdefault("central_extra", []).append((m, members.index(m)))
    elif kind == "duplicate_name":
        members.append(Member(m.name, b"other content\n"))
    elif kind == "overlap":
        m.offset_delta = rng.choice([-1, 1, 30, len(m.name) + 30])
    elif kind == "local_name":
        m.local["name"] = m.name[:-1] + b"X"
    elif kind == "local_method":
        m.local["method"] = 8 - m.method
    elif kind == "local_crc":
        m.local["crc"] = m.crc ^ 1
    elif kind == "local_size":
        m.local["usize"] = m.usize + 1
    elif kind == "local_flags":
        m.local["flags"] = m.flags ^ rng.choice([0x8, 0x800, 0x1])
    elif kind == "cp437_name":
        m.name = m.name.rstrip(b"/") + "\u00e9".encode()
        m.local.pop("name", None)
        m.flags &= ~0x800
    elif kind == "unicode_path":
        other = b"evil.py"
        m.cextra += struct.pack("<HHBI", 0x7075, 5 + len(other), 1, zlib.crc32(m.name)) + other
    elif kind == "two_zip64":
        m.zip64 = True
        m.cextra += struct.pack("<HHQQQ", 1, 24, m.usize + 1, m.csize, 0)
    elif kind == "bad_extra":
        m.cextra += b"\x01"
    elif kind == "version":
        m.needed = rng.choice([64, 99, 200])
    elif kind == "patch_flag":
        m.flags |= 0x20
        m.local["flags"] = m.flags
    elif kind == "bad_crc":
        m.crc ^= 0x5A5A
        m.local["crc"] = m.crc
    elif kind == "dd_lies":
        m.dd = m.dd or "sig32"
        m.dd_crc = m.crc ^ 1
    elif kind == "deflate_junk" and m.method == 8:
        m.payload += b"junk"
        m.csize = len(m.payload)
    elif kind == "stored_sizes" and m.method == 0:
        m.usize += 1
    elif kind == "count":
        opts["count_delta"] = rng.choice([-1, 1])
    elif kind == "zip64_end":
        opts["zip64"] = True
    elif kind == "zip64_end_extensible":
        opts["zip64"] = True
        opts["z64_extra"] = b"\0" * 8
    elif kind == "flip":
        def flip(b):
            b = bytearray(b)
            for _ in range(rng.randrange(1, 4)):
                b[rng.randrange(len(b))] = rng.randrange(256)
            return bytes(b)
        return flip
    elif kind == "truncate":
        return lambda b: b[:rng.randrange(len(b))]
    return None


KINDS = ["second_end_in_comment", "end_sig_in_comment", "comment", "prefix", "prefix_with_member", "trailing",
         "gap", "hidden_member", "duplicate", "duplicate_name", "overlap", "local_name", "local_method",
         "local_crc", "local_size", "local_flags", "cp437_name", "unicode_path", "two_zip64", "bad_extra",
         "version", "patch_flag", "bad_crc", "dd_lies", "deflate_junk", "stored_sizes", "count", "zip64_end",
         "zip64_end_extensible", "flip", "truncate"]


def make_archive(rng):
    """(bytes, list of oddities) for one archive."""
    members = random_members(rng)
    kinds = [] if rng.random() < 0.3 else rng.sample(KINDS, rng.choice([1, 1, 1, 2]))
    opts, posts = {}, []
    for kind in kinds:
        post = oddity(rng, kind, members, opts)
        if post:
            posts.append(post)
    hidden = opts.pop("hidden", None)
    if hidden:
        pad = rng.choice([b"", b"\0" * 4, b"padding"])
        data = two_directories(members, hidden[0], rng.random() < 0.5, pad)
    else:
        data = build(members, **opts)
    for post in posts:
        data = post(data)
    return data, kinds


def two_directories(members, evil, replace, pad=b""):
    """The issue's attack: the real end record's comment holds a second
    central directory and end record, listing `evil` too (in place of the
    first member when `replace`, under that member's name). With `pad`
    after the second end record, only the first one's comment reaches the
    end of the file: zipfile uses the second, a reader that wants the
    comment to end the file uses the first."""
    if replace:
        evil.name = members[0].name
    entries, offsets = b"", []
    for m in members:
        offsets.append(len(entries))
        entries += m.entry()
    evil_at = len(entries)
    entries += evil.entry()
    cd1 = b"".join(m.central(o) for m, o in zip(members, offsets))
    cd2 = b"".join(m.central(o) for m, o in zip(members[1:] if replace else members,
                                                   offsets[1:] if replace else offsets))
    cd2 += evil.central(evil_at)
    n2 = len(members) + (0 if replace else 1)
    cd2_at = len(entries) + len(cd1) + 22
    comment = cd2 + end_records(n2, len(cd2), cd2_at) + pad
    return entries + cd1 + end_records(len(members), len(cd1), len(entries), comment)


def generate(seed, count, outdir):
    """Writes `count` archives into `outdir`; returns [(path, oddities)]."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        data, kinds = make_archive(rng)
        path = os.path.join(outdir, f"odd{i:04d}.zip")
        with open(path, "wb") as f:
            f.write(data)
        out.append((path, kinds))
    return out
