#!/usr/bin/env python3
"""Builds the benchmark's input wheels under a scratch folder.

Usage: make_wheels.py SCRATCH [--sizes 1,2,4] [--jobs N] [--no-small] [--no-large] [--no-vendor]

Writes SCRATCH/manifest.json, a list of objects:
  name      short label for the tables ("lxml", "large-1x", ...)
  group     "small", "large" or "vendor"
  wheel     absolute path of the wheel
  env       extra environment for show/repair (LD_LIBRARY_PATH of private libs)
  members, uncompressed, compressed   counts and byte sizes

Small wheels: Debian's lxml/numpy/Pillow/psycopg2 packed as linux_x86_64
wheels (tests/e2e/pack_dist_package.py) and testwheels/build.py's privlib,
cxxext and withscript. Large wheels: big libraries from the CUDA toolkit
(RUNPATH $ORIGIN, like NVIDIA's own wheels) plus an extension module that
needs them and one small private library found only through
LD_LIBRARY_PATH, so a repair vendors and rewrites something. The 1x wheel
is over 1 GB uncompressed; 2x and 4x repeat the library set in more
folders. Each distinct library is deflated once at level 6 and its stream
reused (bench/rawzip.py). Vendor wheel ("vendor-big"): a small wheel whose
extension module needs one large library outside the wheel (libcublasLt
when CUDA is installed, else the largest system library), found through
LD_LIBRARY_PATH, so a repair copies, patches and deflates that library;
the manifest's "vendor" field names the file the naive baseline copies in.
Standard library only.
"""

import argparse
import base64
import glob
import json
import multiprocessing
import os
import subprocess
import sys
import sysconfig

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import rawzip  # noqa: E402

DEBIAN = [("lxml", "lxml"), ("numpy", "numpy"), ("PIL", "Pillow"), ("psycopg2", "psycopg2")]
TESTWHEELS = ["privlib", "cxxext", "withscript"]
# Large libraries with RUNPATH $ORIGIN that only need each other and the
# system's whitelisted libraries (libcusparse needs libnvJitLink).
CUDA_LIBS = ["libcublasLt.so.*", "libcublas.so.*", "libcufft.so.*", "libcusparse.so.*", "libnvJitLink.so.*"]
MIN_LARGE = 1_000_000_000

PRIV_C = "int bench_priv(int x) { return 3 * x + 1; }\n"
EXT_C = """int bench_priv(int x);
int bench_call(int x) { return bench_priv(x); }
"""


def zip_sizes(path):
    import zipfile
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
    return len(infos), sum(i.file_size for i in infos), os.path.getsize(path)


def entry(name, group, wheel, env=None):
    members, usize, csize = zip_sizes(wheel)
    return {"name": name, "group": group, "wheel": os.path.abspath(wheel), "env": env or {},
            "members": members, "uncompressed": usize, "compressed": csize}


def small_wheels(scratch):
    out = []
    for mod, dist in DEBIAN:
        if not os.path.isdir(f"/usr/lib/python3/dist-packages/{mod}"):
            print(f"skipped {dist}: python3 package not installed", file=sys.stderr)
            continue
        d = os.path.join(scratch, "small", dist)
        os.makedirs(d, exist_ok=True)
        whl = subprocess.check_output([sys.executable, os.path.join(ROOT, "tests/e2e/pack_dist_package.py"),
                                       mod, dist, d], text=True).strip()
        out.append(entry(dist, "small", whl))
    tw = os.path.join(scratch, "small", "testwheels")
    subprocess.check_call([sys.executable, os.path.join(ROOT, "testwheels/build.py"), tw, "--only",
                           ",".join(TESTWHEELS)], stdout=subprocess.DEVNULL)
    with open(os.path.join(tw, "manifest.json")) as f:
        for w in json.load(f):
            env = {"LD_LIBRARY_PATH": w["needs_ld_library_path"]} if w["needs_ld_library_path"] else {}
            out.append(entry(w["name"], "small", os.path.join(tw, w["wheel"]), env))
    return out


def pick_large_libs():
    """The CUDA libraries (or, without CUDA, the largest system libraries) up to >1 GB."""
    libs = []
    for pattern in CUDA_LIBS:
        for path in sorted(glob.glob(f"/usr/local/cuda*/lib*/{pattern}")):
            if not os.path.islink(path) and os.path.basename(path) not in {os.path.basename(p) for p in libs}:
                libs.append(path)
    if sum(os.path.getsize(p) for p in libs) >= MIN_LARGE:
        return libs
    found = sorted(((os.path.getsize(p), p) for p in glob.glob("/usr/lib/x86_64-linux-gnu/*.so*")
                    if os.path.isfile(p) and not os.path.islink(p)), reverse=True)
    libs, total = [], 0
    for size, path in found:
        libs.append(path)
        total += size
        if total >= MIN_LARGE:
            return libs
    sys.exit("make_wheels: not enough large libraries on this machine for a 1 GB wheel")


def build_ext(work, link_lib):
    """Builds libbenchpriv.so.1 (private, in work/priv) and the extension module."""
    priv = os.path.join(work, "priv")
    os.makedirs(priv, exist_ok=True)
    with open(os.path.join(work, "priv.c"), "w") as f:
        f.write(PRIV_C)
    with open(os.path.join(work, "ext.c"), "w") as f:
        f.write(EXT_C)
    subprocess.check_call(["gcc", "-O2", "-fPIC", "-shared", "-Wl,-soname,libbenchpriv.so.1", "-o",
                           os.path.join(priv, "libbenchpriv.so.1"), os.path.join(work, "priv.c")])
    os.symlink("libbenchpriv.so.1", os.path.join(priv, "libbenchpriv.so"))
    ext = os.path.join(work, "_bench" + sysconfig.get_config_var("EXT_SUFFIX"))
    subprocess.check_call(["gcc", "-O2", "-fPIC", "-shared", "-o", ext, os.path.join(work, "ext.c"),
                           "-Wl,--no-as-needed", "-L" + priv, "-lbenchpriv", link_lib,
                           "-Wl,-rpath-link," + os.path.dirname(link_lib), "-Wl,--enable-new-dtags",
                           "-Wl,-rpath,$ORIGIN/lib"])
    return ext, priv


def deflate_job(args):
    src, dst = args
    return src, rawzip.deflate_file(src, dst, 6)


def large_wheels(scratch, sizes, jobs):
    work = os.path.join(scratch, "large", "work")
    os.makedirs(work, exist_ok=True)
    libs = pick_large_libs()
    link = next((p for p in libs if "libcublas.so" in p), libs[0])
    ext, priv = build_ext(work, link)
    files = libs + [ext]
    jobs_in = [(p, os.path.join(work, os.path.basename(p) + ".deflate")) for p in files]
    jobs_in.sort(key=lambda j: -os.path.getsize(j[0]))
    with multiprocessing.Pool(jobs) as pool:
        streams = {src: (dst, info) for (src, info), (_, dst) in zip(pool.map(deflate_job, jobs_in), jobs_in)}
    out = []
    for k in sizes:
        members = [("bigbench/_bench" + sysconfig.get_config_var("EXT_SUFFIX"), ext)]
        for copy in range(k):
            folder = "bigbench/lib" if copy == 0 else f"bigbench/copy{copy}/lib"
            members += [(f"{folder}/{os.path.basename(p)}", p) for p in libs]
        d = os.path.join(scratch, "large", f"{k}x")
        os.makedirs(d, exist_ok=True)
        whl = os.path.join(d, "bigbench-1.0.0-cp311-cp311-linux_x86_64.whl")
        write_large(whl, members, streams)
        out.append(entry(f"large-{k}x", "large", whl, {"LD_LIBRARY_PATH": priv}))
    return out


def pick_vendor_lib():
    """The library the vendor-big wheel needs: CUDA's libcublasLt, else the largest system library."""
    for path in sorted(glob.glob("/usr/local/cuda*/lib*/libcublasLt.so.*")):
        if not os.path.islink(path):
            return path
    found = sorted(((os.path.getsize(p), p) for p in glob.glob("/usr/lib/x86_64-linux-gnu/*.so.*")
                    if os.path.isfile(p) and not os.path.islink(p)), reverse=True)
    return found[0][1]


def soname_of(path):
    out = subprocess.check_output(["readelf", "-dW", path], text=True)
    for line in out.splitlines():
        if "(SONAME)" in line:
            return line.split("[", 1)[1].rstrip("]")
    return os.path.basename(path)


def vendor_wheel(scratch):
    """A wheel whose one extension module needs a big library from outside the wheel."""
    lib = pick_vendor_lib()
    work = os.path.join(scratch, "vendor", "work")
    os.makedirs(work, exist_ok=True)
    libdir = os.path.join(work, "lib")  # the library under its SONAME only, nothing else beside it
    os.makedirs(libdir, exist_ok=True)
    soname = soname_of(lib)
    if not os.path.exists(os.path.join(libdir, soname)):
        os.symlink(lib, os.path.join(libdir, soname))
    src = os.path.join(work, "ext.c")
    with open(src, "w") as f:
        f.write("int bench_vendor(void) { return 0; }\n")
    ext = os.path.join(work, "_vendor" + sysconfig.get_config_var("EXT_SUFFIX"))
    subprocess.check_call(["gcc", "-O2", "-fPIC", "-shared", "-o", ext, src, "-Wl,--no-as-needed",
                           os.path.join(libdir, soname), "-Wl,-rpath-link," + os.path.dirname(lib)])
    d = os.path.join(scratch, "vendor", "wheel")
    os.makedirs(d, exist_ok=True)
    whl = os.path.join(d, "vendorbig-1.0.0-cp311-cp311-linux_x86_64.whl")
    with open(ext, "rb") as f:
        ext_bytes = f.read()
    z = rawzip.RawZipWriter(whl)
    record = []
    for name, data in [("vendorbig/__init__.py", b"from . import _vendor  # noqa\n"),
                       (f"vendorbig/{os.path.basename(ext)}", ext_bytes)]:
        z.add_bytes(name, data)
        record.append(rawzip_row(name, data))
    finish_wheel(z, "vendorbig", record)
    e = entry("vendor-big", "vendor", whl, {"LD_LIBRARY_PATH": libdir})
    e["vendor"] = lib
    e["vendor_size"] = os.path.getsize(lib)
    return e


def write_large(whl, members, streams):
    record = []
    z = rawzip.RawZipWriter(whl)
    init = b"from . import _bench  # noqa\n"
    z.add_bytes("bigbench/__init__.py", init)
    record.append(rawzip_row("bigbench/__init__.py", init))
    for name, src in sorted(members):
        dst, (crc, size, csize, sha) = streams[src]
        z.add_file_stream(name, crc, size, csize, dst, 0o755)
        record.append(f"{name},sha256={b64(sha)},{size}")
    finish_wheel(z, "bigbench", record)


def finish_wheel(z, dist, record):
    """Adds <dist>-1.0.0.dist-info METADATA, WHEEL (cp311 linux_x86_64) and RECORD (`record` rows plus
    theirs) to the open RawZipWriter `z` and closes it."""
    di = f"{dist}-1.0.0.dist-info"
    meta = {f"{di}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0.0\n".encode(),
            f"{di}/WHEEL": b"Wheel-Version: 1.0\nGenerator: wheelfix-bench\nRoot-Is-Purelib: false\n"
                           b"Tag: cp311-cp311-linux_x86_64\n"}
    for name, data in meta.items():
        z.add_bytes(name, data)
        record.append(rawzip_row(name, data))
    record.append(f"{di}/RECORD,,")
    z.add_bytes(f"{di}/RECORD", ("\n".join(record) + "\n").encode())
    z.close()


def b64(digest):
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def rawzip_row(name, data):
    import hashlib
    return f"{name},sha256={b64(hashlib.sha256(data).digest())},{len(data)}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scratch")
    ap.add_argument("--sizes", default="1,2,4", help="large wheel size multiples (default 1,2,4)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="deflate processes")
    ap.add_argument("--no-small", action="store_true")
    ap.add_argument("--no-large", action="store_true")
    ap.add_argument("--no-vendor", action="store_true")
    a = ap.parse_args()
    scratch = os.path.abspath(a.scratch)
    os.makedirs(scratch, exist_ok=True)
    wheels = [] if a.no_small else small_wheels(scratch)
    if not a.no_large:
        wheels += large_wheels(scratch, [int(s) for s in a.sizes.split(",")], a.jobs)
    if not a.no_vendor:
        wheels.append(vendor_wheel(scratch))
    with open(os.path.join(scratch, "manifest.json"), "w") as f:
        json.dump(wheels, f, indent=1)
    for w in wheels:
        print(f"{w['name']:>12}  {w['members']:5d} members  {w['uncompressed'] / 1e6:9.1f} MB  "
              f"-> {w['compressed'] / 1e6:8.1f} MB  {w['wheel']}")


if __name__ == "__main__":
    main()
