"""Writes a small pure-Python wheel for the index and build tests.

Usage: make_pure_wheel.py OUTDIR NAME VERSION [--module MOD] [--value TEXT]
           [--requires-python SPEC] [--requires-dist REQ]... [--file-dist NAME]

NAME is written verbatim as METADATA's Name (so it may be mixed case, as
PyYAML's is). The module MOD (default: NAME lowercased, with '-' and '.'
turned into '_') holds VALUE = TEXT (default: the version). The file name
and the .dist-info folder use --file-dist (default: NAME with '-' and '.'
turned into '_', case kept, as setuptools writes it). RECORD has real
hashes; member times are fixed, so the same arguments give the same bytes.
Prints the wheel's path.
"""
import argparse
import base64
import hashlib
import re
import zipfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("name")
    ap.add_argument("version")
    ap.add_argument("--module")
    ap.add_argument("--value")
    ap.add_argument("--requires-python")
    ap.add_argument("--requires-dist", action="append", default=[])
    ap.add_argument("--file-dist")
    a = ap.parse_args()
    module = a.module or re.sub(r"[-.]", "_", a.name.lower())
    fdist = a.file_dist or re.sub(r"[-.]+", "_", a.name)
    value = a.value if a.value is not None else a.version
    dist_info = f"{fdist}-{a.version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {a.name}\nVersion: {a.version}\n"
    if a.requires_python:
        meta += f"Requires-Python: {a.requires_python}\n"
    for req in a.requires_dist:
        meta += f"Requires-Dist: {req}\n"
    files = {
        f"{module}/__init__.py": f"VALUE = {value!r}\n",
        f"{dist_info}/METADATA": meta,
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: make_pure_wheel.py\n"
                              "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = ""
    for name, data in files.items():
        raw = data.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(raw).digest()).rstrip(b"=").decode()
        record += f"{name},sha256={digest},{len(raw)}\n"
    files[f"{dist_info}/RECORD"] = record + f"{dist_info}/RECORD,,\n"
    path = f"{a.outdir}/{fdist}-{a.version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data)
    print(path)


if __name__ == "__main__":
    main()
