"""Packs a Python package installed by Debian (e.g. python3-lxml) into a
linux_x86_64 wheel, the way a project's own build would produce one.

Usage: pack_dist_package.py IMPORT_NAME DIST_NAME OUTDIR [TOP_LEVEL_FILE...] -> prints the wheel path.

TOP_LEVEL_FILE: a module beside the package in dist-packages that the
distribution also installs (cffi's _cffi_backend.cpython-*.so), by its
file name there.
"""
import base64
import hashlib
import os
import sys
import sysconfig
import zipfile

SITE = "/usr/lib/python3/dist-packages"


def main():
    import_name, dist, outdir = sys.argv[1], sys.argv[2], sys.argv[3]
    extra = sys.argv[4:]
    pkg = os.path.join(SITE, import_name)
    if not os.path.isdir(pkg):
        sys.exit(f"{pkg} not installed")
    version = "0.0.0"
    for entry in os.listdir(SITE):
        if entry.lower().startswith(dist.lower() + "-") and entry.endswith((".dist-info", ".egg-info")):
            version = entry[len(dist) + 1:].split(".egg-info")[0].split(".dist-info")[0].split("-")[0]
    files = []
    for d, dirs, fs in os.walk(pkg):
        dirs.sort()
        for f in sorted(fs):
            if f.endswith(".pyc"):
                continue
            full = os.path.join(d, f)
            files.append((os.path.relpath(full, SITE), full))
    for name in extra:
        full = os.path.join(SITE, name)
        if not os.path.isfile(full):
            sys.exit(f"{full} not installed")
        files.append((name, full))
    di = f"{dist}-{version}.dist-info"
    meta = {
        f"{di}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n".encode(),
        f"{di}/WHEEL": b"Wheel-Version: 1.0\nGenerator: pack_dist_package\nRoot-Is-Purelib: false\n"
                       b"Tag: cp311-cp311-linux_x86_64\n",
    }
    path = os.path.join(outdir, f"{dist}-{version}-cp311-cp311-linux_x86_64.whl")
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for arc, full in files:
            data = open(full, "rb").read()
            info = zipfile.ZipInfo(arc, (2020, 1, 1, 0, 0, 0))
            info.external_attr = (os.stat(full).st_mode & 0o777 | 0o100000) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
            h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{arc},sha256={h},{len(data)}")
        for arc, data in meta.items():
            z.writestr(arc, data)
            h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{arc},sha256={h},{len(data)}")
        record.append(f"{di}/RECORD,,")
        z.writestr(f"{di}/RECORD", "\n".join(record) + "\n")
    print(path)


if __name__ == "__main__":
    main()
