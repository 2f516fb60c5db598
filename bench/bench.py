#!/usr/bin/env python3
"""Measures wheelfix against baselines in the same run and prints tables.

Usage: bench.py WHEELFIX SCRATCH [--runs 3] [--jobs 2] [--naive-scale] [--json FILE]

Reads SCRATCH/manifest.json (bench/make_wheels.py). Every figure is the best
of --runs runs (wall time from /usr/bin/time, and the smallest peak RSS of
those runs), so that other load on the machine inflates them as little as
possible. Figures:

  show     `wheelfix show` vs `python3 -m zipfile -l` of the same wheel
  repair   `wheelfix repair -j JOBS` vs bench/naive_repack.py (unpack all,
           rehash, recompress all at level 6): time ratio, and peak RSS as a
           fraction of the wheel's uncompressed size
  scaling  repair of the large wheels (1x, 2x, 4x) with -j JOBS (1x reuses
           the repair figure), -j 1 on 1x (on all with --full-scaling), the
           naive baseline too with --naive-scale (slow)

  vendor   repair of the vendor-big wheel (one big library outside the
           wheel, copied in, patched and deflated) vs naive_repack.py
           --vendor (copy it in, recompress all): time and peak RSS

Outputs are written under SCRATCH/out and removed after each run.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def measure(cmd, env_extra, runs, cleanup=None):
    """Runs cmd `runs` times; returns (best seconds, smallest peak RSS in KiB) or an error string."""
    env = dict(os.environ, **env_extra)
    best_t, best_rss = None, None
    for _ in range(runs):
        if cleanup:
            cleanup()
        tfile = os.path.join(ARGS.scratch, ".time")
        p = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", tfile] + cmd, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            return f"failed ({p.returncode}): {p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ''}"
        with open(tfile) as f:
            t, rss = f.read().split()[-2:]
        best_t = float(t) if best_t is None else min(best_t, float(t))
        best_rss = int(rss) if best_rss is None else min(best_rss, int(rss))
    if cleanup:
        cleanup()
    return best_t, best_rss


def out_dir():
    return os.path.join(ARGS.scratch, "out")


def clean_out():
    shutil.rmtree(out_dir(), ignore_errors=True)
    os.makedirs(out_dir())


def wf_repair(w, jobs):
    return measure([ARGS.wheelfix, "repair", "-q", "-j", str(jobs), "-w", out_dir(), w["wheel"]], w["env"],
                   ARGS.runs, clean_out)


def naive(w, extra=()):
    return measure([sys.executable, os.path.join(HERE, "naive_repack.py"), w["wheel"], out_dir(), *extra], w["env"],
                   ARGS.runs, clean_out)


def rss_cells(a, b, size):
    """wheelfix RSS MB, naive RSS MB, wheelfix RSS as a fraction of `size` bytes (table cells)."""
    rss = fmt_mb(a[1]) if isinstance(a, tuple) else "n/a"
    nrss = fmt_mb(b[1]) if isinstance(b, tuple) else "n/a"
    frac = f"{a[1] * 1024 / size:.3f}" if isinstance(a, tuple) else "n/a"
    return rss, nrss, frac


def vendor_table(wheels, results):
    print(f"\n### vendoring a large library (-j {ARGS.jobs}) vs naive copy+recompress\n")
    print("| wheel | library | lib MB | wheelfix s | naive s | time ratio | wheelfix RSS MB | naive RSS MB "
          "| RSS / lib size |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for w in wheels:
        a = wf_repair(w, ARGS.jobs)
        b = naive(w, ("--vendor", w["vendor"]))
        results.append({"figure": "vendor", "wheel": w["name"], "jobs": ARGS.jobs, "wheelfix": a, "naive": b})
        rss, nrss, frac = rss_cells(a, b, w["vendor_size"])
        print(f"| {w['name']} | {os.path.basename(w['vendor'])} | {w['vendor_size'] / 1e6:.0f} | {fmt_t(a)} | "
              f"{fmt_t(b)} | {ratio(a, b)} | {rss} | {nrss} | {frac} |", flush=True)


def fmt_t(r):
    return f"{r[0]:.2f}" if isinstance(r, tuple) else r


def fmt_mb(kib):
    return f"{kib / 1024:.0f}"


def ratio(a, b, digits=3):
    if not (isinstance(a, tuple) and isinstance(b, tuple)):
        return "n/a"
    return f"{a[0] / max(b[0], 0.005):.{digits}f}"


def show_table(wheels, results):
    print("\n### show\n")
    print("| wheel | MB (unc.) | wheelfix show s | zipfile -l s | ratio |")
    print("|---|---:|---:|---:|---:|")
    for w in wheels:
        a = measure([ARGS.wheelfix, "show", w["wheel"]], w["env"], ARGS.runs)
        b = measure([sys.executable, "-m", "zipfile", "-l", w["wheel"]], w["env"], ARGS.runs)
        results.append({"figure": "show", "wheel": w["name"], "wheelfix": a, "baseline": b})
        print(f"| {w['name']} | {w['uncompressed'] / 1e6:.1f} | {fmt_t(a)} | {fmt_t(b)} | {ratio(a, b, 2)} |",
              flush=True)


def repair_table(wheels, results):
    print(f"\n### repair (-j {ARGS.jobs}) vs naive unpack+recompress\n")
    print("| wheel | MB (unc.) | MB (whl) | wheelfix s | naive s | time ratio | wheelfix RSS MB | naive RSS MB "
          "| RSS / unc. size |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for w in wheels:
        a = wf_repair(w, ARGS.jobs)
        b = naive(w)
        results.append({"figure": "repair", "wheel": w["name"], "jobs": ARGS.jobs, "wheelfix": a, "naive": b})
        rss, nrss, frac = rss_cells(a, b, w["uncompressed"])
        print(f"| {w['name']} | {w['uncompressed'] / 1e6:.1f} | {w['compressed'] / 1e6:.1f} | {fmt_t(a)} | "
              f"{fmt_t(b)} | {ratio(a, b)} | {rss} | {nrss} | {frac} |", flush=True)


def scaling_table(large, results, first_jn):
    """-j 1 is measured on the 1x wheel only unless --full-scaling (each 4x run is long)."""
    print("\n### scaling of repair with wheel size and -j\n")
    j = ARGS.jobs
    print(f"| wheel | MB (unc.) | -j {j} s | MB/s | time vs 1x | RSS MB | -j 1 s | -j 1 / -j {j} |"
          + (" naive s | ratio |" if ARGS.naive_scale else ""))
    print("|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if ARGS.naive_scale else ""))
    base = None
    for k, w in enumerate(large):
        many = first_jn if k == 0 and first_jn is not None else wf_repair(w, j)
        one = wf_repair(w, 1) if k == 0 or ARGS.full_scaling else None
        row = {"figure": "scaling", "wheel": w["name"], "jN": many, "j1": one}
        if isinstance(many, tuple) and base is None:
            base = many
        speed = f"{w['uncompressed'] / 1e6 / max(many[0], 0.005):.0f}" if isinstance(many, tuple) else "n/a"
        line = (f"| {w['name']} | {w['uncompressed'] / 1e6:.0f} | {fmt_t(many)} | {speed} | "
                f"{ratio(many, base, 2) if base else 'n/a'} | "
                f"{fmt_mb(many[1]) if isinstance(many, tuple) else 'n/a'} | "
                f"{fmt_t(one) if one else '-'} | {ratio(one, many, 2) if one else '-'} |")
        if ARGS.naive_scale:
            nv = naive(w)
            row["naive"] = nv
            line += f" {fmt_t(nv)} | {ratio(many, nv)} |"
        results.append(row)
        print(line, flush=True)


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wheelfix")
    ap.add_argument("scratch")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--naive-scale", action="store_true", help="also run the naive baseline on 2x and 4x")
    ap.add_argument("--full-scaling", action="store_true", help="-j 1 on every size, not only 1x")
    ap.add_argument("--json", help="write the raw results here")
    ARGS = ap.parse_args()
    ARGS.wheelfix = os.path.abspath(ARGS.wheelfix)
    ARGS.scratch = os.path.abspath(ARGS.scratch)
    with open(os.path.join(ARGS.scratch, "manifest.json")) as f:
        wheels = json.load(f)
    large = [w for w in wheels if w["group"] == "large"]
    first = [w for w in wheels if w["group"] == "small"] + large[:1]
    results = []
    print(f"best of {ARGS.runs} runs per figure; times in seconds, RSS = peak resident set size")
    show_table(first, results)
    repair_table(first, results)
    if large:
        first = next((r["wheelfix"] for r in results if r["figure"] == "repair" and r["wheel"] == large[0]["name"]),
                     None)
        scaling_table(large, results, first if isinstance(first, tuple) else None)
    vendor = [w for w in wheels if w["group"] == "vendor"]
    if vendor:
        vendor_table(vendor, results)
    if ARGS.json:
        with open(ARGS.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
