"""Differential check of wheelfix's zip reader against Python's zipfile.

Generates odd archives (odd_zips.py, seeded) and asks three readers about
each: wheelfix (the test-only wheelfix_zip_list program), Python's zipfile
as pip uses it (names, contents, pip's executable rule), and a streaming
reader that walks local headers from the start of the file (as streaming
installers do).  For every archive wheelfix must either refuse it, or list
exactly the members zipfile lists (same names, same content bytes, same
executable bit, same order) and zipfile must not refuse it; a streaming
reader that gets through the file must see the same names and contents.

usage: zip_differential.py --lister PATH [--count N] [--seed S] [--keep DIR]
Exit status 0 when all agree, 1 with the first disagreements otherwise.
"""
import argparse
import collections
import hashlib
import os
import stat
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import odd_zips  # noqa: E402


def pip_executable(info):
    """pip's rule (pip._internal.utils.unpacking.zip_item_is_executable)."""
    mode = info.external_attr >> 16
    return bool(mode and stat.S_ISREG(mode) and mode & 0o111)


def zipfile_view(path):
    """[(name bytes, sha256, executable)] as pip would install them, or the
    error that stops zipfile."""
    try:
        with zipfile.ZipFile(path) as z:
            return [(i.filename.encode("utf-8", "surrogateescape"), hashlib.sha256(z.read(i)).hexdigest(),
                     pip_executable(i)) for i in z.infolist()]
    except Exception as e:  # any failure: pip would not install it
        return f"{type(e).__name__}: {e}"


def stream_view(data):
    """[(name bytes, sha256)] read by walking local headers from offset 0
    (sizes from the local header, or from the deflate stream's end and the
    data descriptor), or the reason it stops."""
    pos, out = 0, []
    try:
        while True:
            sig = struct.unpack_from("<I", data, pos)[0]
            if sig in (odd_zips.SIG_CENTRAL, odd_zips.SIG_END):
                return out
            if sig != odd_zips.SIG_LOCAL:
                return f"no local header at {pos}"
            (_, _, flags, method, _, _, crc, csize, usize, nlen, xlen) = struct.unpack_from("<IHHHHHIIIHH", data, pos)
            name = data[pos + 30:pos + 30 + nlen]
            extra = data[pos + 30 + nlen:pos + 30 + nlen + xlen]
            start = pos + 30 + nlen + xlen
            z64 = extra[4:20] if extra[:2] == b"\x01\x00" and len(extra) >= 20 else None
            if csize == 0xFFFFFFFF and z64:
                usize, csize = struct.unpack("<QQ", z64)
            if flags & 0x8:
                if method != 8:
                    return "stored member with a data descriptor"
                d = zlib.decompressobj(-15)
                content = d.decompress(data[start:])
                if not d.eof:
                    return "deflate stream does not end"
                end = len(data) - len(d.unused_data)
                if struct.unpack_from("<I", data, end)[0] == odd_zips.SIG_DD:
                    end += 4
                crc = struct.unpack_from("<I", data, end)[0]
                pos = end + (20 if z64 else 12)
            else:
                raw = data[start:start + csize]
                content = zlib.decompress(raw, -15) if method == 8 else raw if method == 0 else None
                if content is None:
                    return f"method {method}"
                pos = start + csize
            if zlib.crc32(content) != crc:
                return "CRC mismatch"
            decoded = name.decode("utf-8") if flags & 0x800 else name.decode("cp437")
            out.append((decoded.encode("utf-8"), hashlib.sha256(content).hexdigest()))
    except (struct.error, zlib.error, UnicodeDecodeError) as e:
        return f"{type(e).__name__}: {e}"


def wheelfix_views(lister, paths):
    """{path: [(name bytes, sha256, executable)] or the refusal message}."""
    out = {}
    for i in range(0, len(paths), 200):
        text = subprocess.run([lister] + paths[i:i + 200], check=True, capture_output=True).stdout
        for line in text.decode("utf-8", "replace").splitlines():
            fields = line.split("\t")
            if fields[1] == "REFUSED":
                out[fields[0]] = fields[2]
                continue
            members = []
            for f in fields[2:]:
                name, sha, exe = f.split(":")
                members.append((bytes.fromhex(name), sha, exe == "1"))
            out[fields[0]] = members
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lister", required=True)
    ap.add_argument("--count", type=int, default=600)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--keep", help="write the archives here (kept) instead of a temporary folder")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        outdir = args.keep or tmp
        os.makedirs(outdir, exist_ok=True)
        made = odd_zips.generate(args.seed, args.count, outdir)
        wf = wheelfix_views(args.lister, [p for p, _ in made])
        stats, problems = collections.Counter(), []
        for path, kinds in made:
            mine, theirs = wf[path], zipfile_view(path)
            with open(path, "rb") as f:
                streamed = stream_view(f.read())
            label = f"{os.path.basename(path)} {kinds or ['plain']}"
            if isinstance(mine, str):
                stats["refused by wheelfix"] += 1
                stats["refused by both" if isinstance(theirs, str) else "refused by wheelfix only"] += 1
                continue
            stats["accepted by wheelfix"] += 1
            if isinstance(theirs, str):
                problems.append(f"{label}: wheelfix lists {mine}, zipfile refuses it: {theirs}")
            elif mine != theirs:
                problems.append(f"{label}: wheelfix lists {mine}, zipfile lists {theirs}")
            if not isinstance(streamed, str) and [m[:2] for m in mine] != streamed:
                problems.append(f"{label}: wheelfix lists {mine}, a streaming reader sees {streamed}")
            for k in kinds:
                stats[f"accepted with {k}"] += 1
        print(f"zip differential (seed {args.seed}, {args.count} archives): " +
              ", ".join(f"{k}: {v}" for k, v in sorted(stats.items())))
        if problems:
            print(f"{len(problems)} disagreements, the first ones:")
        for p in problems[:10]:
            print("DISAGREE: " + p)
        # The harness must exercise both sides: many archives accepted (so
        # a reader that refuses everything fails) and many refused.
        if stats["accepted by wheelfix"] < args.count // 5 or stats["refused by wheelfix"] < args.count // 5:
            print("too few archives accepted or refused for a meaningful comparison")
            return 1
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
