#!/usr/bin/env python3
"""Build wheelfix's test wheels: real ELF files packed into real wheels.

Usage: build.py OUTDIR [--only NAME[,NAME...]] [--python EXE]

Compiles the sources in testwheels/src with the local compilers and writes
OUTDIR/<dist>-<version>-<tags>.whl for every wheel the machine can build,
the private libraries some of them need (OUTDIR/<name>-libs/, NOT in the
wheels) and OUTDIR/manifest.json, a list of objects:

  name, dist, version, wheel (file name), arch, kind,
  needs_ld_library_path  folder the wheel's ELF files need on
                         LD_LIBRARY_PATH to be analysed or imported, or null
  private_libs           the libraries in that folder (absolute paths)
  import                 module to import (in a venv of the target python),
                         or null when it cannot be imported on this machine
  call                   python expression, evaluated after `import <import>`,
                         that is True when the extension works (null when
                         import is null)
  scripts                {script name: expected stdout line}

Native extensions are built against the target interpreter: /usr/bin/python3
when it exists (the e2e venvs use it), else the running one; --python or
$WF_TESTWHEELS_PYTHON override.  A wheel whose tools are missing (a cross
compiler, musl-gcc, libpython) is skipped with a "skipped <name>: <why>" line;
any other failure stops the build with exit status 1.

Standard library only.  Output is deterministic: fixed zip timestamps
(SOURCE_DATE_EPOCH when set, else 1980-01-01), sorted entries, fixed modes,
no debug info.
"""

import argparse
import json
import os
import re
import shutil
import sys
import time

sys.dont_write_bytecode = True  # keep testwheels/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wheelpack  # noqa: E402  (sibling module: wheel writer)
from toolchain import (BuildError, Skip, cpu_has_x86_64_v3, expect_readelf,  # noqa: E402
                       need_tool, run, soname_in_ld_cache, target_python)

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "src")
VERSION = "0.1.0"
CFLAGS = ["-O2", "-g0", "-fPIC", "-Wall", "-Wextra",
          "-ffile-prefix-map=%s=testwheels/src" % SRC]

# arch tag -> cross C compiler (glibc toolchains from Debian's gcc-<triplet>).
# The toolchain needs gcc-<triplet> and, for headers and libc.so,
# libc6-dev-<debian arch>-cross.
CROSS = [
    ("aarch64", "aarch64-linux-gnu-gcc", "arm64"),
    ("armv7l", "arm-linux-gnueabihf-gcc", "armhf"),
    ("i686", "i686-linux-gnu-gcc", "i386"),
    ("ppc64le", "powerpc64le-linux-gnu-gcc", "ppc64el"),
    ("s390x", "s390x-linux-gnu-gcc", "s390x"),
    ("riscv64", "riscv64-linux-gnu-gcc", "riscv64"),
]


class Builder:
    """Builds the wheels into outdir; one method per wheel."""

    def __init__(self, outdir, py):
        self.out = os.path.abspath(outdir)
        self.py = py
        self.cc = os.environ.get("CC", "gcc")
        self.cxx = os.environ.get("CXX", "g++")
        self.tags = "%s-%s-linux_" % (py["pytag"], py["abitag"])

    # -- helpers ---------------------------------------------------------
    def work(self, name):
        """A fresh scratch folder for one wheel."""
        path = os.path.join(self.out, ".work", name)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path

    def libs_dir(self, name):
        """OUTDIR/<name>-libs, fresh: private libraries kept out of the wheel."""
        path = os.path.join(self.out, name + "-libs")
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path

    def ext(self, work, stem, sources, extra=(), cc=None):
        """Compiles and links a Python extension; returns its path."""
        need_tool(cc or self.cc)
        out = os.path.join(work, stem + self.py["ext_suffix"])
        srcs = [os.path.join(SRC, s) for s in sources]
        run([cc or self.cc] + CFLAGS + ["-I", self.py["include"], "-I", SRC, "-shared",
                                        "-o", out] + srcs + list(extra))
        return out

    def shlib(self, path, sources, extra=(), cc=None):
        """Builds a shared library whose SONAME is its file name."""
        cc = cc or self.cc
        need_tool(cc)
        run([cc] + CFLAGS + ["-I", SRC, "-shared", "-Wl,-soname," + os.path.basename(path),
                             "-o", path] + [os.path.join(SRC, s) for s in sources] + list(extra))
        return path

    def pack(self, dist, arch, files, summary, tags=None, requires_python=">=3.10"):
        """Writes the wheel; files maps archive name -> local path; tags
        replaces the interpreter's python-abi part ("cp37-abi3-linux_")."""
        return wheelpack.write_wheel(self.out, dist, VERSION, (tags or self.tags) + arch, files,
                                     summary, requires_python=requires_python)

    def entry(self, name, wheel, kind, arch=None, libs=None, importable=True, call=None,
              module=None, scripts=None):
        """One manifest entry."""
        libdir = os.path.dirname(libs[0]) if libs else None
        return {
            "name": name, "dist": name, "version": VERSION, "wheel": wheel,
            "arch": arch or self.py["arch"], "kind": kind,
            "needs_ld_library_path": libdir, "private_libs": list(libs or []),
            "import": (module or name) if importable else None,
            "call": call if importable else None,
            "scripts": scripts or {},
        }

    def simple_ext(self, name, kind, call, extra=(), sources=None, summary=""):
        """A one-file extension module at the wheel root."""
        work = self.work(name)
        so = self.ext(work, name, sources or [name + ".c"], extra)
        wheel = self.pack(name, self.py["arch"], {os.path.basename(so): so}, summary)
        return so, self.entry(name, wheel, kind, call=call)

    # -- the wheels --------------------------------------------------------
    def build_simple(self):
        so, entry = self.simple_ext("simple", "simple", "simple.add(2, 3) == 5",
                                    summary="extension needing only libc")
        expect_readelf(so, ["-d"], r"NEEDED.*\[libc\.so\.6\]", "DT_NEEDED libc.so.6")
        return entry

    def build_privlib(self):
        libs = self.libs_dir("privlib")
        dep = self.shlib(os.path.join(libs, "libwfdep.so.2"), ["wfdep.c"])
        priv = self.shlib(os.path.join(libs, "libwfpriv.so.1"), ["wfpriv.c"],
                          ["-L", libs, "-l:libwfdep.so.2"])
        expect_readelf(priv, ["-d"], r"NEEDED.*\[libwfdep\.so\.2\]", "DT_NEEDED libwfdep.so.2")
        so, entry = self.simple_ext(
            "privlib", "private_lib", 'privlib.describe("abc") == "priv(abc)dep2"',
            extra=["-L", libs, "-Wl,-rpath-link," + libs, "-l:libwfpriv.so.1"],
            summary="extension needing private libwfpriv.so.1 -> libwfdep.so.2")
        expect_readelf(so, ["-d"], r"NEEDED.*\[libwfpriv\.so\.1\]", "DT_NEEDED libwfpriv.so.1")
        entry.update(needs_ld_library_path=libs, private_libs=[priv, dep])
        return entry

    def build_cxxext(self):
        need_tool(self.cxx)
        work = self.work("cxxext")
        so = os.path.join(work, "cxxext" + self.py["ext_suffix"])
        run([self.cxx] + CFLAGS + ["-std=c++17", "-I", self.py["include"], "-I", SRC,
                                   "-shared", "-o", so, os.path.join(SRC, "cxxext.cpp")])
        expect_readelf(so, ["-V"], r"Name: GLIBCXX_", "a GLIBCXX_ version reference")
        expect_readelf(so, ["-V"], r"Name: CXXABI_", "a CXXABI_ version reference")
        wheel = self.pack("cxxext", self.py["arch"], {os.path.basename(so): so},
                          "C++ extension using libstdc++")
        return self.entry("cxxext", wheel, "cxx", call='cxxext.split_count("a bb ccc") == 3')

    def build_futureglibc(self):
        work = self.work("futureglibc")
        obj = os.path.join(work, "futureglibc.o")
        run([self.cc] + CFLAGS + ["-I", self.py["include"], "-I", SRC, "-c", "-o", obj,
                                  os.path.join(SRC, "futureglibc.c")])
        # 1. Link against the real libc to learn which libc versions it binds.
        probe = os.path.join(work, "probe.so")
        run([self.cc, "-shared", "-o", probe, obj])
        syms = run(["readelf", "-W", "--dyn-syms", probe])
        versioned = sorted(set(re.findall(r"\bUND\s+([^@\s]+)@(GLIBC_[0-9.]+)", syms)))
        versioned.append(("wf_future_function", "GLIBC_2.99"))
        # 2. A stub "libc.so.6" defining those symbols at those versions, plus
        #    wf_future_function@@GLIBC_2.99.  Listed first, it hides the real
        #    libc from the static linker (same SONAME), so every libc
        #    reference of the extension is bound to the stub's versions.
        stubdir = os.path.join(work, "stub")
        os.makedirs(stubdir)
        with open(os.path.join(stubdir, "stub.c"), "w") as f:
            for i, (sym, _) in enumerate(versioned):
                f.write('void wf_stub_%d(void) __asm__("%s");\nvoid wf_stub_%d(void) {}\n'
                        % (i, sym, i))
        by_version = {}
        for sym, ver in versioned:
            by_version.setdefault(ver, []).append(sym)
        with open(os.path.join(stubdir, "stub.map"), "w") as f:
            for n, ver in enumerate(sorted(by_version)):
                local = " local: *;" if n == 0 else ""
                f.write("%s { global: %s;%s };\n" % (ver, "; ".join(by_version[ver]), local))
        stub = os.path.join(stubdir, "libc.so.6")
        run([self.cc, "-shared", "-fPIC", "-nostdlib", "-Wl,-soname,libc.so.6",
             "-Wl,--version-script=" + os.path.join(stubdir, "stub.map"), "-o", stub,
             os.path.join(stubdir, "stub.c")])
        # 3. The real extension.
        so = os.path.join(work, "futureglibc" + self.py["ext_suffix"])
        run([self.cc, "-shared", "-o", so, obj, stub])
        expect_readelf(so, ["-V"], r"File: libc\.so\.6(.*\n)*?.*Name: GLIBC_2\.99",
                       "GLIBC_2.99 needed from libc.so.6")
        wheel = self.pack("futureglibc", self.py["arch"], {os.path.basename(so): so},
                          "extension needing GLIBC_2.99 (analysis only)")
        return self.entry("futureglibc", wheel, "future_glibc", importable=False)

    def build_zlibbl(self):
        so, entry = self.simple_ext(
            "zlibbl", "blacklist", 'zlibbl.crc32(b"hello") == __import__("zlib").crc32(b"hello")',
            extra=["-lz"], summary="extension referencing zlib-internal zcalloc")
        expect_readelf(so, ["--dyn-syms"], r"GLOBAL\s+DEFAULT\s+UND\s+zcalloc\b",
                       "undefined non-weak zcalloc")
        expect_readelf(so, ["-d"], r"NEEDED.*\[libz\.so\.1\]", "DT_NEEDED libz.so.1")
        return entry

    def build_isav3(self):
        if self.py["arch"] != "x86_64":
            raise Skip("x86_64 only (target is %s)" % self.py["arch"])
        so, entry = self.simple_ext("isav3", "isa_v3", "isav3.mul(6, 7) == 42",
                                    extra=["-Wl,-z,x86-64-v3"],
                                    summary="extension marked x86-64-v3")
        expect_readelf(so, ["-n"], r"x86 ISA needed:.*x86-64-v3", "an x86-64-v3 ISA-needed note")
        if not cpu_has_x86_64_v3():
            entry.update({"import": None, "call": None})
        return entry

    def build_pylinked(self):
        py = self.py
        ldlib = os.path.join(py["libdir"] or "", py["ldlibrary"] or "")
        if not (py["ldlibrary"] or "").endswith(".so") or not os.path.exists(ldlib):
            raise Skip("%s has no shared libpython (%s)" % (py["executable"], ldlib))
        so, entry = self.simple_ext(
            "pylinked", "libpython", "pylinked.twice(21) == 42",
            extra=["-L", py["libdir"], "-lpython%s%s" % (py["version"], py["abiflags"])],
            summary="extension linked against libpython")
        match = expect_readelf(so, ["-d"], r"NEEDED.*\[(libpython[^\]]+)\]", "DT_NEEDED libpython")
        if not soname_in_ld_cache(match.group(1)):
            entry["needs_ld_library_path"] = py["libdir"]
        return entry

    def abi3_ext(self, name, limited_api, call, summary):
        """A limited-API extension `<name>.abi3.so` built with
        -DPy_LIMITED_API=<limited_api>, in a wheel tagged cp37-abi3."""
        work = self.work(name)
        out = os.path.join(work, name + ".abi3.so")
        need_tool(self.cc)
        run([self.cc] + CFLAGS + ["-DPy_LIMITED_API=" + limited_api, "-I", self.py["include"],
                                  "-I", SRC, "-shared", "-o", out, os.path.join(SRC, name + ".c")])
        wheel = self.pack(name, self.py["arch"], {name + ".abi3.so": out}, summary,
                          tags="cp37-abi3-linux_", requires_python=">=3.7")
        return out, self.entry(name, wheel, "abi3", call=call)

    def build_abi3clean(self):
        so, entry = self.abi3_ext("abi3clean", "0x03070000", 'abi3clean.pair(1, "x") == (1, "x")',
                                  "cp37-abi3 extension using only the 3.7 Stable ABI")
        expect_readelf(so, ["--dyn-syms"], r"UND _Py_Dealloc$", "Py_DECREF's import of _Py_Dealloc")
        return entry

    def build_abi3new(self):
        so, entry = self.abi3_ext("abi3new", "0x030A0000", 'abi3new.utf8_len("h\\u00e9") == 3',
                                  "cp37-abi3 extension importing a 3.10 Stable ABI function")
        expect_readelf(so, ["--dyn-syms"], r"UND PyUnicode_AsUTF8AndSize$",
                       "an import of PyUnicode_AsUTF8AndSize")
        return entry

    def build_abi3priv(self):
        so, entry = self.abi3_ext("abi3priv", "0x03070000", 'abi3priv.le4(258) == b"\\x02\\x01\\x00\\x00"',
                                  "cp37-abi3 extension importing a private CPython function")
        expect_readelf(so, ["--dyn-syms"], r"UND _PyLong_AsByteArray$", "an import of _PyLong_AsByteArray")
        return entry

    def build_muslext(self):
        musl = need_tool("musl-gcc", "musl-gcc not found (Debian package musl-tools)")
        work = self.work("muslext")
        so = self.shlib(os.path.join(work, "_native.so"), ["native.c"], cc=musl)
        expect_readelf(so, ["-d"], r"NEEDED.*\[libc\.so\]", "DT_NEEDED libc.so (musl)")
        wheel = self.pack("muslext", self.py["arch"], {"muslext/_native.so": so},
                          "musl-linked shared library")
        return self.entry("muslext", wheel, "musl", importable=False)

    def build_cross(self, arch, cc, debarch):
        name = "cross_" + arch
        triplet = cc[:-len("-gcc")]
        need_tool(cc, "%s not found (Debian package gcc-%s)" % (cc, triplet))
        if not os.path.isabs(run([cc, "-print-file-name=libc.so"]).strip()):
            raise Skip("%s has no C library (Debian package libc6-dev-%s-cross)" % (cc, debarch))
        so = self.shlib(os.path.join(self.work(name), "_native.so"), ["native.c"], cc=cc)
        expect_readelf(so, ["-d"], r"NEEDED.*\[libc\.so\.6\]", "DT_NEEDED libc.so.6")
        wheel = self.pack(name, arch, {name + "/_native.so": so},
                          "plain %s shared library" % arch)
        return self.entry(name, wheel, "cross", arch=arch, importable=False)

    def build_withscript(self):
        libs = self.libs_dir("withscript")
        lib = self.shlib(os.path.join(libs, "libwfhello.so.1"), ["wfhello_lib.c"])
        work = self.work("withscript")
        exe = os.path.join(work, "wfhello")
        run([self.cc] + [f for f in CFLAGS if f != "-fPIC"] +
            ["-I", SRC, "-o", exe, os.path.join(SRC, "wfhello_main.c"),
             "-L", libs, "-l:libwfhello.so.1"])
        expect_readelf(exe, ["-d"], r"NEEDED.*\[libwfhello\.so\.1\]", "DT_NEEDED libwfhello.so.1")
        so = self.ext(work, "withscript", ["withscript.c"])
        data = "withscript-%s.data/scripts/wfhello" % VERSION
        wheel = self.pack("withscript", self.py["arch"],
                          {os.path.basename(so): so, data: exe},
                          "extension plus an ELF script needing libwfhello.so.1")
        return self.entry("withscript", wheel, "script", libs=[lib], call='withscript.ping() == "pong"',
                          scripts={"wfhello": "hello from wfhello"})

    def build_originrpath(self):
        work = self.work("originrpath")
        inner = self.shlib(os.path.join(work, "libwfinner.so.1"), ["wfinner.c"])
        so = self.ext(work, "_ext", ["originrpath_ext.c"],
                      ["-L", work, "-l:libwfinner.so.1", "-Wl,--enable-new-dtags",
                       "-Wl,-rpath,$ORIGIN/lib"])
        expect_readelf(so, ["-d"], r"RUNPATH.*\[\$ORIGIN/lib\]", "RUNPATH $ORIGIN/lib")
        init = os.path.join(work, "__init__.py")
        with open(init, "w") as f:
            f.write('"""wheelfix test package: _ext finds lib/libwfinner.so.1 via $ORIGIN."""\n')
        wheel = self.pack("originrpath", self.py["arch"], {
            "originrpath/__init__.py": init,
            "originrpath/" + os.path.basename(so): so,
            "originrpath/lib/libwfinner.so.1": inner,
        }, "extension finding an in-wheel library through $ORIGIN")
        return self.entry("originrpath", wheel, "origin_rpath", module="originrpath._ext",
                          call="originrpath._ext.inner(12) == 1234")

    def build_torchlike(self):
        """Libraries shipped in torchlike/lib/ that need each other and external
        ones, found the way torch finds its CUDA libraries: the extension's
        RUNPATH $ORIGIN/lib reaches libwfsolve, which has no search path of
        its own.  The build machine's library path (torchlike-libs/) holds
        other copies of libwfsolve and libwfsparse (tag 2) and the external
        libwfblas (3) and libwfplug (4, needs libwfsparse); the wheel's own
        copies have tag 1 (see wftl.h)."""
        libs = self.libs_dir("torchlike")
        work = self.work("torchlike")
        inwheel = os.path.join(work, "lib")
        os.makedirs(inwheel)

        def lib(folder, name, source, tag, needs=()):
            return self.shlib(os.path.join(folder, name), [source],
                              ["-DWF_TAG=%d" % tag, "-L", libs] + ["-l:" + n for n in needs])

        blas = lib(libs, "libwfblas.so.1", "wfblas.c", 3)
        private = [blas, lib(libs, "libwfsparse.so.1", "wfsparse.c", 2, ["libwfblas.so.1"])]
        private.append(lib(libs, "libwfplug.so.1", "wfplug.c", 4, ["libwfsparse.so.1"]))
        private.append(lib(libs, "libwfsolve.so.1", "wfsolve.c", 2, ["libwfsparse.so.1", "libwfblas.so.1"]))
        sparse = lib(inwheel, "libwfsparse.so.1", "wfsparse.c", 1, ["libwfblas.so.1"])
        solve = lib(inwheel, "libwfsolve.so.1", "wfsolve.c", 1, ["libwfsparse.so.1", "libwfblas.so.1"])
        c_ext = self.ext(work, "_C", ["torchlike_C.c"],
                         ["-L", inwheel, "-l:libwfsolve.so.1", "-Wl,-rpath-link," + libs,
                          "-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/lib"])
        aux = self.ext(work, "_aux", ["torchlike_aux.c"],
                       ["-L", inwheel, "-L", libs, "-l:libwfsparse.so.1", "-l:libwfplug.so.1"])
        expect_readelf(c_ext, ["-d"], r"RUNPATH.*\[\$ORIGIN/lib\]", "RUNPATH $ORIGIN/lib")
        for so in (solve, sparse, aux):
            if re.search(r"R(UN)?PATH", run(["readelf", "-d", so])):
                raise BuildError("%s: has a search path (it must have none)" % so)
        expect_readelf(solve, ["-d"], r"NEEDED.*\[libwfsparse\.so\.1\]", "DT_NEEDED libwfsparse.so.1")
        expect_readelf(aux, ["-d"], r"NEEDED.*\[libwfplug\.so\.1\]", "DT_NEEDED libwfplug.so.1")
        init = os.path.join(work, "__init__.py")
        with open(init, "w") as f:
            f.write('"""wheelfix test package shaped like torch: libraries in torchlike/lib/."""\n')
        wheel = self.pack("torchlike", self.py["arch"], {
            "torchlike/__init__.py": init,
            "torchlike/" + os.path.basename(c_ext): c_ext,
            "torchlike/" + os.path.basename(aux): aux,
            "torchlike/lib/libwfsolve.so.1": solve,
            "torchlike/lib/libwfsparse.so.1": sparse,
        }, "libraries in torchlike/lib/ needing each other and external libraries")
        return self.entry("torchlike", wheel, "in_wheel_libs", libs=private, module="torchlike._C",
                          call="torchlike._C.tags() % 10 == 3 and "
                          "__import__('importlib').import_module('torchlike._aux').tags() // 10 % 10 == 4")

    def recipes(self):
        """(name, callable) for every wheel, in manifest order."""
        items = [(n, getattr(self, "build_" + n)) for n in
                 ("simple", "privlib", "cxxext", "futureglibc", "zlibbl", "isav3",
                  "pylinked", "muslext")]
        items += [("cross_" + a, (lambda a=a, c=c, d=d: self.build_cross(a, c, d)))
                  for a, c, d in CROSS]
        items += [(n, getattr(self, "build_" + n)) for n in ("withscript", "originrpath", "torchlike", "abi3clean",
                                                               "abi3new", "abi3priv")]
        return items


def clean(outdir):
    """Removes what an earlier run wrote (only build.py's own outputs)."""
    for entry in os.listdir(outdir):
        path = os.path.join(outdir, entry)
        if entry.endswith(".whl") or entry == "manifest.json":
            os.remove(path)
        elif entry == ".work" or entry.endswith("-libs"):
            shutil.rmtree(path)


def main(argv):
    ap = argparse.ArgumentParser(description="Build wheelfix's test wheels.")
    ap.add_argument("outdir")
    ap.add_argument("--only", help="comma-separated wheel names to build")
    ap.add_argument("--python", help="target interpreter (default /usr/bin/python3)")
    args = ap.parse_args(argv)
    start = time.monotonic()
    try:
        need_tool("readelf", "readelf not found (binutils)")
        os.makedirs(args.outdir, exist_ok=True)
        clean(args.outdir)
        builder = Builder(args.outdir, target_python(args.python))
        wanted = set(args.only.split(",")) if args.only else None
        manifest = []
        for name, recipe in builder.recipes():
            if wanted is not None and name not in wanted:
                continue
            try:
                manifest.append(recipe())
                print("built %s: %s" % (name, manifest[-1]["wheel"]))
            except Skip as why:
                print("skipped %s: %s" % (name, why))
    except (Skip, BuildError, OSError) as err:
        print("build.py: error: %s" % err, file=sys.stderr)
        return 1
    with open(os.path.join(args.outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    print("wrote %d wheels to %s in %.1fs" % (len(manifest), os.path.abspath(args.outdir),
                                              time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
