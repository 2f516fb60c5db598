"""Toolchain and interpreter probing for testwheels/build.py (stdlib only).

run() runs a command and raises BuildError with its output when it fails;
need_tool() raises Skip when a tool is missing; expect_readelf() checks a
property of a built ELF file; target_python() describes the interpreter the
extensions are built for; the cpu/ld-cache probes decide what can be
imported on this machine.
"""

import json
import os
import re
import shutil
import subprocess
import sys

PROBE = r"""
import json, sys, sysconfig, platform
print(json.dumps({
    "executable": sys.executable,
    "impl": sys.implementation.name,
    "version": "%d.%d" % sys.version_info[:2],
    "nodot": "%d%d" % sys.version_info[:2],
    "abiflags": getattr(sys, "abiflags", ""),
    "include": sysconfig.get_paths()["include"],
    "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
    "libdir": sysconfig.get_config_var("LIBDIR"),
    "ldlibrary": sysconfig.get_config_var("LDLIBRARY"),
    "platform": sysconfig.get_platform(),
    "machine": platform.machine(),
}))
"""


class Skip(Exception):
    """A wheel this machine cannot build (a tool is missing)."""


class BuildError(Exception):
    """A build step failed although its tools are present."""


def run(cmd, cwd=None):
    """Runs cmd (a list, no shell); returns stdout; raises BuildError."""
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError("command failed (%d): %s\n%s%s" % (
            proc.returncode, " ".join(cmd), proc.stdout, proc.stderr))
    return proc.stdout


def need_tool(name, why=None):
    """Returns the tool's path or raises Skip naming it."""
    path = shutil.which(name)
    if path is None:
        raise Skip(why or "%s not found on PATH" % name)
    return path


def expect_readelf(path, args, pattern, what):
    """Checks that `readelf -W <args> path` matches pattern (the property the
    wheel exists for); raises BuildError saying what is missing."""
    out = run(["readelf", "-W"] + args + [path])
    match = re.search(pattern, out, re.M)
    if match is None:
        raise BuildError("%s: expected %s (readelf %s), not found" % (
            path, what, " ".join(args)))
    return match


def target_python(explicit):
    """Probes the interpreter the extensions are built for."""
    exe = explicit or os.environ.get("WF_TESTWHEELS_PYTHON")
    if not exe:
        exe = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    info = json.loads(run([exe, "-c", PROBE]))
    impl = {"cpython": "cp", "pypy": "pp"}.get(info["impl"], info["impl"])
    info["pytag"] = "%s%s" % (impl, info["nodot"])
    info["abitag"] = "%s%s%s" % (impl, info["nodot"], info["abiflags"])
    info["arch"] = re.sub(r"[-.]", "_", info["platform"]).split("linux_", 1)[-1]
    if not os.path.exists(os.path.join(info["include"], "Python.h")):
        raise BuildError("%s: no Python.h in %s (install python3-dev)" % (exe, info["include"]))
    return info


def cpu_has_x86_64_v3():
    """True when this CPU runs x86-64-v3 code (asks ld.so, else cpuinfo)."""
    for loader in ("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"):
        if os.path.exists(loader):
            proc = subprocess.run([loader, "--help"], capture_output=True, text=True)
            if "x86-64-v3" in proc.stdout:
                return "x86-64-v3 (supported" in proc.stdout
    try:
        with open("/proc/cpuinfo") as f:
            flags = set(re.search(r"^flags\s*:(.*)$", f.read(), re.M).group(1).split())
    except (OSError, AttributeError):
        return False
    return {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"} <= flags


def soname_in_ld_cache(soname):
    """True when the dynamic loader finds soname without LD_LIBRARY_PATH
    (per `ldconfig -p`; False when ldconfig cannot be run)."""
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    try:
        proc = subprocess.run([ldconfig, "-p"], capture_output=True, text=True)
    except OSError:
        return False
    return any(line.strip().startswith(soname + " ") for line in proc.stdout.splitlines())
