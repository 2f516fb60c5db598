#!/usr/bin/env python3
"""The torch-like and many-wheels cases of issue 13, with auditwheel side by side.

Usage: bench_many.py WHEELFIX SCRATCH [--runs 1] [--jobs 2] [--torch-sizes 1,2]
                     [--no-torch] [--no-many] [--auditwheel-runs 1] [--json FILE]

Environment: AUDITWHEEL_SRC (an auditwheel source tree, run as
`PYTHONPATH=$AUDITWHEEL_SRC/src $AUDITWHEEL_PYTHON -m auditwheel`, the
python by default /usr/bin/python3, where Debian's python3-packaging and
python3-pyelftools are; else an `auditwheel` on PATH), PATCHELF (the
patchelf auditwheel runs, 0.14.5 or newer for auditwheel 6.8; else the one
on PATH).
A column whose tool is missing or does not run is skipped with the reason.

Cases (inputs built under SCRATCH/many at run time):

  torch-like  one wheel like torch's CUDA builds: large libraries inside
              (libcufft, libcusparse, libnvJitLink from /usr/local/cuda*,
              in torchlike/lib/, RUNPATH $ORIGIN) and an extension module
              that needs them and libcublas, which is outside the wheel
              (found through LD_LIBRARY_PATH) and needs libcublasLt: repair
              vendors both (595 MB). 2x repeats the libraries inside in a
              second folder (RSS must stay flat; -j 1, the floor and
              auditwheel run on 1x only). Skipped without CUDA.
  many        the corpus of small real wheels packed from Debian's python3-*
              packages (tests/e2e/pack_dist_package.py), repaired by one
              `wheelfix repair -j JOBS` call, by one `-j 1` call, one wheel
              per call (-j JOBS), by auditwheel (one call for all), and the
              floor: bench/naive_repack.py per wheel.

Every figure is the best of --runs runs (wall time and the smallest peak RSS,
from /usr/bin/time). The outputs of each run are removed after it.
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import sysconfig

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import rawzip  # noqa: E402
from make_wheels import b64, finish_wheel, rawzip_row, soname_of  # noqa: E402

# (import name, distribution): the corpus of the measurement.
CORPUS = [("lxml", "lxml"), ("numpy", "numpy"), ("scipy", "scipy"), ("h5py", "h5py"), ("PIL", "Pillow"),
          ("psycopg2", "psycopg2"), ("zmq", "pyzmq"), ("gmpy2", "gmpy2"), ("yaml", "PyYAML"),
          ("cryptography", "cryptography"), ("cffi", "cffi")]
INSIDE = ["libcufft.so.12", "libcusparse.so.12", "libnvJitLink.so.13"]  # in the wheel
OUTSIDE = ["libcublas.so.13", "libcublasLt.so.13"]  # vendored


def find_cuda(names):
    """name -> real path of each CUDA library (any version suffix), or None when one is missing."""
    out = {}
    for n in names:
        stem = n.split(".so")[0] + ".so.*"
        hits = sorted(p for p in glob.glob(f"/usr/local/cuda*/lib*/{stem}") if not os.path.islink(p))
        if not hits:
            return None, n
        out[n] = hits[-1]
    return out, None


def torch_like(scratch, sizes):
    """Builds the torch-like wheels; returns (list of entries, None) or (None, reason)."""
    libs, missing = find_cuda(INSIDE + OUTSIDE)
    if libs is None:
        return None, f"no CUDA toolkit library like {missing} under /usr/local/cuda*/lib*"
    work = os.path.join(scratch, "torch", "work")
    outside = os.path.join(work, "outside")  # only the vendored libraries, under their SONAMEs
    os.makedirs(outside, exist_ok=True)
    for n in OUTSIDE:
        so = soname_of(libs[n])
        if not os.path.exists(os.path.join(outside, so)):
            os.symlink(libs[n], os.path.join(outside, so))
    src = os.path.join(work, "c.c")
    with open(src, "w") as f:
        f.write("int torchlike_answer(void) { return 42; }\n")
    ext = os.path.join(work, "_C" + sysconfig.get_config_var("EXT_SUFFIX"))
    inside_paths = [libs[n] for n in INSIDE]
    subprocess.check_call(["gcc", "-O2", "-fPIC", "-shared", "-o", ext, src, "-Wl,--no-as-needed",
                           *inside_paths, os.path.join(outside, soname_of(libs["libcublas.so.13"])),
                           "-Wl,-rpath-link," + outside, "-Wl,-rpath-link," + os.path.dirname(inside_paths[0]),
                           "-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/lib"])
    streams = {}

    def stream(p):  # deflated once, only when a wheel is (re)built
        if p not in streams:
            dst = os.path.join(work, os.path.basename(p) + ".deflate")
            streams[p] = (dst, rawzip.deflate_file(p, dst, 6))
        return streams[p]
    out = []
    for k in sizes:
        members = [(f"torchlike/{os.path.basename(ext)}", ext)]
        for copy in range(k):
            folder = "torchlike/lib" if copy == 0 else f"torchlike/copy{copy}/lib"
            members += [(f"{folder}/{soname_of(libs[n])}", libs[n]) for n in INSIDE]
        d = os.path.join(scratch, "torch", f"{k}x")
        os.makedirs(d, exist_ok=True)
        whl = os.path.join(d, "torchlike-1.0.0-cp311-cp311-linux_x86_64.whl")
        if not os.path.exists(whl):
            z = rawzip.RawZipWriter(whl)
            init = b"from . import _C  # noqa\n"
            z.add_bytes("torchlike/__init__.py", init)
            record = [rawzip_row("torchlike/__init__.py", init)]
            for name, path in sorted(members):
                dst, (crc, size, csize, sha) = stream(path)
                z.add_file_stream(name, crc, size, csize, dst, 0o755)
                record.append(f"{name},sha256={b64(sha)},{size}")
            finish_wheel(z, "torchlike", record)
        out.append({"name": f"torch-like-{k}x", "wheel": whl, "env": {"LD_LIBRARY_PATH": outside},
                    "vendor": [libs[n] for n in OUTSIDE], **sizes_of(whl)})
    return out, None


def sizes_of(whl):
    import zipfile
    with zipfile.ZipFile(whl) as z:
        infos = z.infolist()
    return {"members": len(infos), "uncompressed": sum(i.file_size for i in infos),
            "compressed": os.path.getsize(whl)}


def corpus(scratch):
    """The small real wheels; returns (list of paths, list of skipped names)."""
    wheels, skipped = [], []
    for mod, dist in CORPUS:
        if not os.path.isdir(f"/usr/lib/python3/dist-packages/{mod}"):
            skipped.append(f"{dist} (python3 package not installed)")
            continue
        d = os.path.join(scratch, "corpus", dist)
        os.makedirs(d, exist_ok=True)
        # cffi's C part is a module beside the package (python3-cffi-backend).
        extra = [os.path.basename(p) for p in glob.glob("/usr/lib/python3/dist-packages/_cffi_backend.cpython-*.so")
                 ] if dist == "cffi" else []
        wheels.append(subprocess.check_output([sys.executable, os.path.join(ROOT, "tests/e2e/pack_dist_package.py"),
                                               mod, dist, d, *extra], text=True).strip())
    return wheels, skipped


def out_dir():
    return os.path.join(ARGS.scratch, "out")


def clean_out():
    shutil.rmtree(out_dir(), ignore_errors=True)
    os.makedirs(out_dir())


def measure(cmd, env_extra, runs):
    """Best wall time (s), smallest peak RSS (KiB) and least CPU time (user + system s, children
    included) of `runs` runs, or an error string."""
    env = dict(os.environ, **env_extra)
    best = None
    tfile = os.path.join(ARGS.scratch, ".time")
    for _ in range(runs):
        clean_out()
        p = subprocess.run(["/usr/bin/time", "-f", "%e %M %U %S", "-o", tfile] + cmd, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            clean_out()
            last = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""
            return f"failed ({p.returncode}): {last}"
        with open(tfile) as f:
            t, rss, user, system = f.read().split()[-4:]
        r = (float(t), int(rss), float(user) + float(system))
        best = r if best is None else tuple(min(a, b) for a, b in zip(best, r))
    clean_out()
    return best


def auditwheel_cmd():
    """(argv prefix, extra env, description) of auditwheel, or (None, None, why not)."""
    env = {}
    patchelf = os.environ.get("PATCHELF")
    if patchelf:
        env["PATH"] = os.path.dirname(os.path.abspath(patchelf)) + os.pathsep + os.environ.get("PATH", "")
    src = os.environ.get("AUDITWHEEL_SRC")
    if src:
        # A source tree has no installed metadata, which auditwheel reads
        # for its version: a dist-info folder beside it gives the version
        # of CHANGELOG.md's newest release, as an install would.
        version = "0"
        try:
            with open(os.path.join(src, "CHANGELOG.md")) as f:
                for line in f:
                    if line.startswith("## ") and line[3:4].isdigit():
                        version = line[3:].strip()
                        break
        except OSError:
            pass
        meta = os.path.join(ARGS.scratch, "auditwheel-meta", f"auditwheel-{version}.dist-info")
        os.makedirs(meta, exist_ok=True)
        with open(os.path.join(meta, "METADATA"), "w") as f:
            f.write(f"Metadata-Version: 2.1\nName: auditwheel\nVersion: {version}\n")
        env["PYTHONPATH"] = os.path.join(src, "src") + os.pathsep + os.path.dirname(meta)
        # Its dependencies (packaging, pyelftools) from Debian's python3.
        python = os.environ.get("AUDITWHEEL_PYTHON") or ("/usr/bin/python3" if os.path.exists("/usr/bin/python3")
                                                         else sys.executable)
        argv = [python, "-m", "auditwheel"]
    elif shutil.which("auditwheel"):
        argv = [shutil.which("auditwheel")]
    else:
        return None, None, "no auditwheel (set AUDITWHEEL_SRC to a source tree, or put auditwheel on PATH)"
    full = dict(os.environ, **env)
    pe = shutil.which("patchelf", path=full.get("PATH"))
    if not pe:
        return None, None, "auditwheel needs patchelf, which is not on PATH (set PATCHELF)"
    p = subprocess.run(argv + ["repair", "--help"], env=full, capture_output=True, text=True)
    if p.returncode != 0:
        why = (p.stderr.strip().splitlines() or ["?"])[-1]
        return None, None, f"auditwheel does not run: {why}"
    pv = subprocess.run([pe, "--version"], capture_output=True, text=True).stdout.strip()
    v = subprocess.run(argv + ["--version"], env=full, capture_output=True, text=True).stdout.split(" installed")[0]
    return argv, env, f"{v.strip()} ({src or argv[0]}), {pv} ({pe})"


def fmt(r):
    return f"{r[0]:.2f} s" if isinstance(r, tuple) else r


def mb(r):
    return f"{r[1] / 1024:.0f} MB" if isinstance(r, tuple) else "n/a"


def cpu(r):
    return f"{r[2]:.2f} s" if isinstance(r, tuple) else "n/a"


def ratio(base, ours, field=0):
    if isinstance(base, tuple) and isinstance(ours, tuple) and ours[field] > 0:
        return f"{base[field] / ours[field]:.1f}x"
    return "n/a"


def run_torch(results, aw):
    wheels, why = torch_like(ARGS.scratch, [int(s) for s in ARGS.torch_sizes.split(",")])
    print("### torch-like wheel: large libraries inside and vendored\n")
    if wheels is None:
        print(f"skipped: {why}\n")
        results["torch_like"] = {"skipped": why}
        return
    rows = []
    for w in wheels:
        wf = measure([ARGS.wheelfix, "repair", "-q", "-j", str(ARGS.jobs), "-w", out_dir(), w["wheel"]],
                     w["env"], ARGS.runs)
        first = w is wheels[0]
        wf1 = (measure([ARGS.wheelfix, "repair", "-q", "-j", "1", "-w", out_dir(), w["wheel"]], w["env"], ARGS.runs)
               if first else "not run (1x only)")
        floor = measure([sys.executable, os.path.join(HERE, "naive_repack.py"), w["wheel"], out_dir(),
                         *[a for v in w["vendor"] for a in ("--vendor", v)]], w["env"], 1) if first else "not run"
        if aw[0] is None:
            awr = f"skipped: {aw[2]}"
        elif first:
            awr = measure(aw[0] + ["repair", "-w", out_dir(), w["wheel"]], dict(aw[1], **w["env"]),
                          ARGS.auditwheel_runs)
        else:
            awr = "not run (1x only)"
        rows.append((w, wf, wf1, floor, awr))
        results.setdefault("torch_like", []).append(
            {"name": w["name"], "uncompressed": w["uncompressed"], "compressed": w["compressed"],
             "wheelfix": wf, "wheelfix_j1": wf1, "floor_naive": floor, "auditwheel": awr})
    print(f"| wheel | in / out of wheel | wheelfix -j {ARGS.jobs} | CPU | RSS | -j 1 | RSS | floor (naive) | auditwheel "
          f"| CPU | RSS | auditwheel / wheelfix (time) | (CPU) | floor / wheelfix |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for w, wf, wf1, floor, awr in rows:
        size = (f"{w['uncompressed'] / 1e6:.0f} MB ({w['compressed'] / 1e6:.0f} MB zip) / "
                f"{sum(os.path.getsize(v) for v in w['vendor']) / 1e6:.0f} MB")
        print(f"| {w['name']} | {size} | {fmt(wf)} | {cpu(wf)} | {mb(wf)} | {fmt(wf1)} | {mb(wf1)} | {fmt(floor)} "
              f"| {fmt(awr)} | {cpu(awr)} | {mb(awr)} | {ratio(awr, wf)} | {ratio(awr, wf, 2)} | {ratio(floor, wf)} |")
    print()


def run_many(results, aw):
    wheels, skipped = corpus(ARGS.scratch)
    print("### many wheels: the corpus of small real wheels\n")
    if len(wheels) < 2:
        why = "fewer than two of Debian's python3 packages of the corpus are installed"
        print(f"skipped: {why}\n")
        results["many"] = {"skipped": why}
        return
    total = sum(os.path.getsize(w) for w in wheels)
    print(f"{len(wheels)} wheels, {total / 1e6:.1f} MB: " + ", ".join(os.path.basename(w).split("-")[0] for w in wheels)
          + (f"; not installed: {', '.join(skipped)}" if skipped else "") + "\n")
    one = measure([ARGS.wheelfix, "repair", "-q", "-j", str(ARGS.jobs), "-w", out_dir(), *wheels], {}, ARGS.runs)
    one_j1 = measure([ARGS.wheelfix, "repair", "-q", "-j", "1", "-w", out_dir(), *wheels], {}, ARGS.runs)
    loop = 'w=$1; o=$2; j=$3; shift 3; for x in "$@"; do "$w" repair -q -j "$j" -w "$o" "$x" || exit 1; done'
    each = measure(["bash", "-c", loop, "loop", ARGS.wheelfix, out_dir(), str(ARGS.jobs), *wheels], {}, ARGS.runs)
    floor_loop = 'p=$1; n=$2; o=$3; shift 3; for x in "$@"; do "$p" "$n" "$x" "$o" >/dev/null || exit 1; done'
    floor = measure(["bash", "-c", floor_loop, "loop", sys.executable, os.path.join(HERE, "naive_repack.py"),
                     out_dir(), *wheels], {}, ARGS.runs)
    awr = (measure(aw[0] + ["repair", "-w", out_dir(), *wheels], aw[1], ARGS.auditwheel_runs)
           if aw[0] is not None else f"skipped: {aw[2]}")
    results["many"] = {"wheels": [os.path.basename(w) for w in wheels], "bytes": total, "one_call": one,
                       "one_call_j1": one_j1, "one_per_call": each, "floor_naive": floor, "auditwheel": awr}
    print("| run | time | CPU (user+sys) | peak RSS | auditwheel / this (time) | (CPU) |")
    print("|---|---|---|---|---|---|")
    for label, r in [(f"wheelfix, one call, -j {ARGS.jobs}", one), ("wheelfix, one call, -j 1", one_j1),
                     (f"wheelfix, one call per wheel, -j {ARGS.jobs}", each),
                     ("floor: naive_repack.py per wheel", floor), ("auditwheel, one call", awr)]:
        print(f"| {label} | {fmt(r)} | {cpu(r)} | {mb(r)} | {ratio(awr, r)} | {ratio(awr, r, 2)} |")
    print()
    if isinstance(one, tuple) and isinstance(one_j1, tuple):
        print(f"one call -j {ARGS.jobs} vs -j 1: {one_j1[0] / one[0]:.2f}x; "
              f"vs one call per wheel: {ratio(each, one)}\n")


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wheelfix")
    ap.add_argument("scratch")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--auditwheel-runs", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--torch-sizes", default="1,2")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--no-many", action="store_true")
    ap.add_argument("--json")
    ARGS = ap.parse_args()
    ARGS.scratch = os.path.abspath(os.path.join(ARGS.scratch, "many"))
    os.makedirs(ARGS.scratch, exist_ok=True)
    aw = auditwheel_cmd()
    print(f"- auditwheel: {aw[2]}\n")
    results = {"auditwheel": aw[2], "jobs": ARGS.jobs}
    if not ARGS.no_many:
        run_many(results, aw)
    if not ARGS.no_torch:
        run_torch(results, aw)
    if ARGS.json:
        with open(ARGS.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
