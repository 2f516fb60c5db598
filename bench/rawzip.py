"""A minimal zip writer for members that are already deflated.

The benchmark's large wheels repeat the same big libraries (the 2x and 4x
variants), so each distinct file is deflated once (level 6, like real
wheels) into a cache file and its compressed stream is copied into every
wheel that holds it. The archives are ordinary zip files: local headers,
central directory, ZIP64 records when an offset, size or count needs them,
fixed timestamps and modes. Standard library only.
"""

import hashlib
import struct
import zlib

U32 = 0xFFFFFFFF
DOS_TIME = 0           # 00:00:00
DOS_DATE = (40 << 9) | (1 << 5) | 1  # 2020-01-01


def deflate_file(src, dst, level=6, chunk=1 << 22):
    """Raw-deflates file `src` into `dst`; returns (crc32, size, compressed size, sha256 digest)."""
    comp = zlib.compressobj(level, zlib.DEFLATED, -15)
    sha = hashlib.sha256()
    crc, size, csize = 0, 0, 0
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        while True:
            block = fi.read(chunk)
            if not block:
                break
            crc = zlib.crc32(block, crc)
            sha.update(block)
            size += len(block)
            out = comp.compress(block)
            csize += len(out)
            fo.write(out)
        out = comp.flush()
        csize += len(out)
        fo.write(out)
    return crc, size, csize, sha.digest()


class RawZipWriter:
    """Writes members given as (name, crc, size, compressed bytes or file)."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.central = []

    def _local(self, name, method, crc, size, csize):
        big = size >= U32 or csize >= U32
        extra = struct.pack("<HHQQ", 1, 16, size, csize) if big else b""
        hdr = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if big else 20, 0x800, method, DOS_TIME, DOS_DATE,
                          crc, U32 if big else csize, U32 if big else size, len(name), len(extra))
        self.f.write(hdr + name + extra)

    def add_file_stream(self, name, crc, size, csize, stream_path, mode=0o644):
        """Adds a member whose raw deflate stream is the file `stream_path`."""
        offset = self.f.tell()
        n = name.encode()
        self._local(n, 8, crc, size, csize)
        with open(stream_path, "rb") as fi:
            while True:
                block = fi.read(1 << 22)
                if not block:
                    break
                self.f.write(block)
        self.central.append((n, 8, crc, size, csize, offset, mode))

    def add_bytes(self, name, data, level=6, mode=0o644):
        """Deflates `data` at `level` and adds it."""
        comp = zlib.compressobj(level, zlib.DEFLATED, -15)
        payload = comp.compress(data) + comp.flush()
        offset = self.f.tell()
        n = name.encode()
        crc = zlib.crc32(data)
        self._local(n, 8, crc, len(data), len(payload))
        self.f.write(payload)
        self.central.append((n, 8, crc, len(data), len(payload), offset, mode))

    def close(self):
        cd_start = self.f.tell()
        for n, method, crc, size, csize, offset, mode in self.central:
            fields = []
            if size >= U32:
                fields.append(size)
            if csize >= U32:
                fields.append(csize)
            if offset >= U32:
                fields.append(offset)
            extra = struct.pack("<HH", 1, 8 * len(fields)) + struct.pack("<%dQ" % len(fields), *fields) if fields else b""
            hdr = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 45, 45 if fields else 20, 0x800, method,
                              DOS_TIME, DOS_DATE, crc, min(csize, U32), min(size, U32), len(n), len(extra), 0, 0, 0,
                              ((0o100000 | mode) << 16), min(offset, U32))
            self.f.write(hdr + n + extra)
        cd_end = self.f.tell()
        count, cd_size = len(self.central), cd_end - cd_start
        if cd_start >= U32 or count >= 0xFFFF or cd_size >= U32:
            self.f.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, cd_size, cd_start))
            self.f.write(struct.pack("<IIQI", 0x07064B50, 0, cd_end, 1))
        self.f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                                 min(cd_size, U32), min(cd_start, U32), 0))
        self.f.close()
