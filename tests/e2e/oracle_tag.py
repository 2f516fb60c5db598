"""An independent reference for the platform tag of an unpacked wheel.

It shares no code with wheelfix: libraries are resolved by the real loader
(`ldd`), DT_NEEDED and version references are read by binutils' `readelf`,
and the policy rules of ../shared/reference/FACTS.md are applied here in a
few lines of Python. Used to cross-check `wheelfix show` on wheels packed
from distribution packages.

Usage: oracle_tag.py UNPACKED_DIR POLICY_JSON -> prints the best policy name
(or "linux") and the sorted names of the libraries to vendor.
"""
import json
import os
import re
import subprocess
import sys


def readelf(args, path):
    return subprocess.run(["readelf", "-W", *args, path], capture_output=True, text=True).stdout


def needed(path):
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", readelf(["-d"], path))


def version_refs(path):
    refs, lib = [], None
    for line in readelf(["-V"], path).splitlines():
        m = re.search(r"File: (\S+)\s+Cnt:", line)
        if m:
            lib = m.group(1)
            continue
        m = re.search(r"Name: (\S+)\s+Flags:", line)
        if m and lib:
            refs.append((lib, m.group(1)))
    return refs


def ldd(path):
    out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    return {m.group(1): m.group(2) for m in re.finditer(r"^\s*(\S+) => (/\S+)", out, re.M)}


def is_elf(path):
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def main():
    root, policy_file = sys.argv[1], sys.argv[2]
    elves = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
             if not os.path.islink(os.path.join(d, f)) and is_elf(os.path.join(d, f))]
    resolved = {}
    for e in elves:
        resolved.update(ldd(e))
    policies = [p for p in json.load(open(policy_file)) if p["name"] != "linux"]
    policies.sort(key=lambda p: -p["priority"])
    best, best_libs = "linux", None
    for p in policies:
        allowed = p["symbol_versions"].get("x86_64")
        if allowed is None:
            continue
        external, todo, objects = set(), list(elves), list(elves)
        while todo:
            obj = todo.pop()
            for n in needed(obj):
                if n in p["lib_whitelist"] or n.startswith("libpython") or n in external:
                    continue
                path = resolved.get(n)
                if path is None or os.path.realpath(path).startswith(os.path.realpath(root)):
                    continue
                external.add(n)
                objects.append(path)
                todo.append(path)
        ok = True
        for obj in objects:
            for lib, ver in version_refs(obj):
                if lib.startswith("ld-linux") or "_" not in ver:
                    continue
                prefix, v = ver.split("_", 1)
                if prefix in allowed and v not in allowed[prefix]:
                    ok = False
        if ok:
            best, best_libs = p["name"], sorted(external)
            break
    print(best)
    print(" ".join(best_libs or []))


if __name__ == "__main__":
    main()
