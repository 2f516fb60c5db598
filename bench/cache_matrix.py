#!/usr/bin/env python3
"""Piece-cache benchmark: a CI matrix of wheels vendoring the same big libraries.

Usage: cache_matrix.py WHEELFIX SCRATCH [--wheels 5] [--jobs 2] [--libs PATH,PATH]

Builds WHEELS small wheels (tags cp39, cp310, ...), each with an extension
module that needs the same large libraries from outside the wheel (default:
CUDA's libcublasLt and libcurand, about 700 MB; else the two largest system
libraries), found through LD_LIBRARY_PATH, so every repair copies, patches
and deflates them. Then, with a fresh cache folder:

  cold     repair of wheel 1 (empty cache)
  matrix   repair of wheels 2..N (the libraries' pieces are in the cache)
  warm     repair of wheel 1 again
  nocache  repair of wheel 1 with --no-cache (the baseline)

and checks that the cold, warm and no-cache outputs are byte-identical.
Prints Markdown: wall and CPU (user+sys) times, (cold + matrix) / cold
and warm / cold.
Standard library only (and gcc, readelf).
"""

import argparse
import glob
import hashlib
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_wheels  # noqa: E402
import rawzip  # noqa: E402


def pick_libs():
    libs = []
    for pattern in ["/usr/local/cuda*/lib*/libcublasLt.so.*", "/usr/local/cuda*/lib*/libcurand.so.*"]:
        found = [p for p in sorted(glob.glob(pattern)) if not os.path.islink(p)]
        if found:
            libs.append(found[0])
    if len(libs) == 2:
        return libs
    found = sorted(((os.path.getsize(p), p) for p in glob.glob("/usr/lib/x86_64-linux-gnu/*.so.*")
                    if os.path.isfile(p) and not os.path.islink(p)), reverse=True)
    return [p for _, p in found[:2]]


def build_wheel(work, libdir, sonames, py):
    src = os.path.join(work, "ext.c")
    with open(src, "w") as f:
        f.write("int matrix_ext(void) { return %d; }\n" % py)
    ext = os.path.join(work, f"_ext.cpython-3{py}-x86_64-linux-gnu.so")
    cmd = ["gcc", "-O2", "-fPIC", "-shared", "-o", ext, src, "-Wl,--no-as-needed"]
    cmd += [os.path.join(libdir, s) for s in sonames]
    subprocess.check_call(cmd)
    tag = f"cp3{py}-cp3{py}-linux_x86_64"
    whl = os.path.join(work, f"matrix-1.0.0-{tag}.whl")
    z = rawzip.RawZipWriter(whl)
    record = []
    with open(ext, "rb") as f:
        ext_bytes = f.read()
    di = "matrix-1.0.0.dist-info"
    members = [("matrix/__init__.py", b"from . import _ext  # noqa\n"),
               (f"matrix/{os.path.basename(ext)}", ext_bytes),
               (f"{di}/METADATA", b"Metadata-Version: 2.1\nName: matrix\nVersion: 1.0.0\n"),
               (f"{di}/WHEEL", ("Wheel-Version: 1.0\nGenerator: wheelfix-bench\nRoot-Is-Purelib: false\n"
                                f"Tag: {tag}\n").encode())]
    for name, data in members:
        z.add_bytes(name, data)
        record.append(make_wheels.rawzip_row(name, data))
    record.append(f"{di}/RECORD,,")
    z.add_bytes(f"{di}/RECORD", ("\n".join(record) + "\n").encode())
    z.close()
    return whl


def repair(wheelfix, whl, out, env, jobs, cache_args):
    shutil.rmtree(out, ignore_errors=True)
    t = time.monotonic()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.check_call([wheelfix, "repair", "-q", "-j", str(jobs), "-w", out, *cache_args, whl], env=env,
                          stdout=subprocess.DEVNULL)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    elapsed = (time.monotonic() - t, r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    (path,) = glob.glob(os.path.join(out, "*.whl"))
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return elapsed, digest


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wheelfix")
    ap.add_argument("scratch")
    ap.add_argument("--wheels", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--libs", help="comma-separated libraries to vendor (default: see above)")
    a = ap.parse_args()
    libs = a.libs.split(",") if a.libs else pick_libs()
    os.makedirs(a.scratch, exist_ok=True)
    libdir = os.path.join(a.scratch, "lib")
    os.makedirs(libdir, exist_ok=True)
    sonames = []
    for lib in libs:
        soname = make_wheels.soname_of(lib)
        sonames.append(soname)
        if not os.path.lexists(os.path.join(libdir, soname)):
            os.symlink(lib, os.path.join(libdir, soname))
    wheels = []
    for i in range(a.wheels):
        work = os.path.join(a.scratch, f"w{i}")
        os.makedirs(work, exist_ok=True)
        wheels.append(build_wheel(work, libdir, sonames, 9 + i))
    env = dict(os.environ, LD_LIBRARY_PATH=libdir)
    cache = os.path.join(a.scratch, "cache")
    shutil.rmtree(cache, ignore_errors=True)
    cargs = ["--cache-dir", cache]
    cold, cold_sha = repair(a.wheelfix, wheels[0], os.path.join(a.scratch, "out-cold"), env, a.jobs, cargs)
    matrix = [repair(a.wheelfix, w, os.path.join(a.scratch, f"out-{i}"), env, a.jobs, cargs)[0]
              for i, w in enumerate(wheels[1:], 1)]
    warm, warm_sha = repair(a.wheelfix, wheels[0], os.path.join(a.scratch, "out-warm"), env, a.jobs, cargs)
    nocache, plain_sha = repair(a.wheelfix, wheels[0], os.path.join(a.scratch, "out-plain"), env, a.jobs,
                                ["--no-cache"])
    size = sum(os.path.getsize(p) for p in libs)
    print(f"libraries: {', '.join(libs)} ({size / 1e6:.0f} MB); -j {a.jobs}; {a.wheels} wheels\n")
    print("| run | wall s | CPU s (user+sys) |\n|---|---:|---:|")
    rows = [("no cache (wheel 1)", nocache), ("cold cache (wheel 1)", cold)]
    rows += [(f"warm cache (wheel {i})", t) for i, t in enumerate(matrix, 2)]
    rows += [("warm cache (wheel 1 again)", warm)]
    for name, (wall, cpu) in rows:
        print(f"| {name} | {wall:.2f} | {cpu:.2f} |")
    for k, what in ((0, "wall"), (1, "CPU")):
        total = cold[k] + sum(t[k] for t in matrix)
        print(f"\n{what}: matrix of {a.wheels} = {total:.2f} s = {total / cold[k]:.2f} x the first (goal <= 1.3); "
              f"re-repair warm / cold = {warm[k] / cold[k]:.3f} (goal <= 0.1)")
    print(f"\nidentical output cold/warm/no cache: {cold_sha == warm_sha == plain_sha}")
    return 0 if cold_sha == warm_sha == plain_sha else 1


if __name__ == "__main__":
    sys.exit(main())
