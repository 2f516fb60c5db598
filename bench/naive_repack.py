#!/usr/bin/env python3
"""The naive baseline: what an unpack-patch-repack repair tool costs.

Usage: naive_repack.py WHEEL OUTDIR [--level 6] [--vendor LIB]...

Unpacks every member with zipfile (inflating all of them) into a folder
under OUTDIR, regenerates RECORD (sha256 of every file), and writes a new
wheel OUTDIR/<same name> compressing every member again with zipfile at
the given deflate level (6, as real wheels use). No ELF patching: the
baseline is only the archive work such a tool cannot avoid. --vendor
copies a library into <dist>.libs/ first (what vendoring costs such a tool,
without patching it).
"""

import argparse
import base64
import hashlib
import os
import shutil
import zipfile


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wheel")
    ap.add_argument("outdir")
    ap.add_argument("--level", type=int, default=6)
    ap.add_argument("--vendor", action="append", default=[], help="library to copy into <dist>.libs/")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    unpacked = os.path.join(a.outdir, ".naive-unpacked")
    shutil.rmtree(unpacked, ignore_errors=True)
    with zipfile.ZipFile(a.wheel) as z:
        infos = [i for i in z.infolist() if not i.is_dir()]
        z.extractall(unpacked)
    record_name = next(i.filename for i in infos if i.filename.endswith(".dist-info/RECORD"))
    libs = record_name.split("-")[0] + ".libs"
    for lib in a.vendor:
        os.makedirs(os.path.join(unpacked, libs), exist_ok=True)
        dst = os.path.join(unpacked, libs, os.path.basename(lib))
        shutil.copyfile(lib, dst)
        info = zipfile.ZipInfo(f"{libs}/{os.path.basename(lib)}")
        info.file_size = os.path.getsize(dst)
        infos.insert(0, info)
    rows = []
    for info in infos:
        if info.filename == record_name:
            continue
        sha = hashlib.sha256()
        with open(os.path.join(unpacked, info.filename), "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                sha.update(block)
        digest = base64.urlsafe_b64encode(sha.digest()).rstrip(b"=").decode()
        rows.append(f"{info.filename},sha256={digest},{info.file_size}")
    rows.append(f"{record_name},,")
    with open(os.path.join(unpacked, record_name), "w") as f:
        f.write("\n".join(rows) + "\n")
    out = os.path.join(a.outdir, os.path.basename(a.wheel))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=a.level) as z:
        for info in infos:
            z.write(os.path.join(unpacked, info.filename), info.filename)
    shutil.rmtree(unpacked)
    print(out)


if __name__ == "__main__":
    main()
