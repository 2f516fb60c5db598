"""Checks `wheelfix show --json` against what each test wheel is built to be.

Usage: check_show.py MANIFEST SHOW_JSON
The expectations follow from how testwheels/build.py makes each wheel (see
testwheels/README.md): which libraries it links, which symbol versions it
references and which properties (ISA note, blacklisted symbol) it carries.
"""
import json
import sys

ALL_MANYLINUX_X86 = ["manylinux_2_5", "manylinux_2_12", "manylinux_2_17", "manylinux_2_24",
                     "manylinux_2_26", "manylinux_2_27", "manylinux_2_28", "manylinux_2_31",
                     "manylinux_2_34", "manylinux_2_35", "manylinux_2_36", "manylinux_2_37",
                     "manylinux_2_38", "manylinux_2_39", "manylinux_2_40", "manylinux_2_41"]

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def policy(report, name):
    for p in report["policies"]:
        if p["name"] == name:
            return p
    raise AssertionError(f"{report['wheel']}: no result for {name}")


def reasons(report, name, kind):
    return [r for r in policy(report, name)["reasons"] if r["kind"] == kind]


def expect_tag(r, tag):
    check(r["tag"] == tag, f"{r['wheel']}: tag {r['tag']!r}, expected {tag!r}")


def expect_libs(r, names):
    got = sorted(lib["name"] for lib in r["external_libs"])
    check(got == sorted(names), f"{r['wheel']}: external libs {got}, expected {sorted(names)}")


def main():
    manifest = {w["wheel"]: w for w in json.load(open(sys.argv[1]))}
    doc = json.load(open(sys.argv[2]))
    check(doc["schema_version"] == 1, "schema_version")
    seen = set()
    for r in doc["wheels"]:
        name = manifest[r["wheel"].split("/")[-1]]["name"]
        seen.add(name)
        check(r["arch"] == manifest[r["wheel"].split("/")[-1]]["arch"], f"{name}: arch {r['arch']}")
        if name in ("simple", "originrpath"):
            expect_tag(r, "manylinux1_x86_64.manylinux_2_5_x86_64")
            expect_libs(r, [])
            inside = [(x["member"], [(u["file"].split("/")[0], u["found_by"], u["via"].split(": ")[-1])
                                     for u in x["needed_by"]]) for x in r["in_wheel_libs"]]
            want = ([("originrpath/lib/libwfinner.so.1", [("originrpath", "runpath", "$ORIGIN/lib")])]
                    if name == "originrpath" else [])
            check(inside == want, f"{name}: in_wheel_libs {inside}, expected {want}")
        elif name == "privlib":
            expect_tag(r, "manylinux2014_x86_64.manylinux_2_17_x86_64")
            expect_libs(r, ["libwfpriv.so.1", "libwfdep.so.2"])
            sv = reasons(r, "manylinux_2_12", "symbol_version")
            check(any(x["symbol"] == "GLIBC_2.14" and x["library"] == "libc.so.6"
                      and x["file"].endswith("libwfpriv.so.1") for x in sv),
                  f"privlib: manylinux_2_12 reasons {sv} lack GLIBC_2.14 in libwfpriv.so.1")
            lib = [x for x in r["external_libs"] if x["name"] == "libwfpriv.so.1"][0]
            check(lib["found_by"] == "ld_library_path", f"privlib: found_by {lib['found_by']}")
            check(lib["needed_by"] == ["privlib.cpython-311-x86_64-linux-gnu.so"], f"privlib: {lib['needed_by']}")
        elif name == "cxxext":
            expect_tag(r, "manylinux_2_24_x86_64")
            sv = reasons(r, "manylinux_2_17", "symbol_version")
            check(any(x["symbol"].startswith("GLIBCXX_") and x["library"] == "libstdc++.so.6" for x in sv),
                  f"cxxext: manylinux_2_17 lacks a GLIBCXX reason: {sv}")
        elif name == "futureglibc":
            expect_tag(r, "linux_x86_64")
            for p in ALL_MANYLINUX_X86:
                sv = reasons(r, p, "symbol_version")
                check(any(x["symbol"] == "GLIBC_2.99" and x["library"] == "libc.so.6" for x in sv),
                      f"futureglibc: {p} lacks GLIBC_2.99")
        elif name == "zlibbl":
            expect_tag(r, "linux_x86_64")
            for p in ALL_MANYLINUX_X86:
                bl = reasons(r, p, "blacklist")
                check([(x["symbol"], x["library"]) for x in bl] == [("zcalloc", "libz.so.1")],
                      f"zlibbl: {p} blacklist reasons {bl}")
        elif name == "isav3":
            expect_tag(r, "linux_x86_64")
            isa = reasons(r, "manylinux_2_41", "isa_level")
            check(len(isa) == 1 and isa[0]["symbol"] == "x86-64-v3", f"isav3: {isa}")
        elif name == "pylinked":
            expect_tag(r, "manylinux1_x86_64.manylinux_2_5_x86_64")
            check([x["library"] for x in r["libpython"]] == ["libpython3.11.so.1.0"], f"pylinked: {r['libpython']}")
            expect_libs(r, [])
        elif name == "muslext":
            expect_tag(r, "musllinux_1_2_x86_64")
            check(r["libc"] == "musl", f"muslext: libc {r['libc']}")
        elif name == "withscript":
            expect_tag(r, "manylinux_2_34_x86_64")
            expect_libs(r, ["libwfhello.so.1"])
            sv = reasons(r, "manylinux_2_31", "symbol_version")
            check(any(x["symbol"] == "GLIBC_2.34" and "scripts/wfhello" in x["file"] for x in sv),
                  f"withscript: {sv}")
        elif name == "torchlike":
            # Without torchlike-libs on LD_LIBRARY_PATH: the external libraries
            # are missing; the wheel's own libraries still satisfy each other.
            expect_tag(r, "linux_x86_64")
            expect_libs(r, [])
            missing = sorted(x["library"] for x in reasons(r, "manylinux_2_5", "missing_library"))
            check(missing == ["libwfblas.so.1", "libwfblas.so.1", "libwfplug.so.1"], f"torchlike: missing {missing}")
            inside = {x["name"]: sorted((u["file"].split("/")[-1].split(".")[0], u["found_by"]) for u in x["needed_by"])
                      for x in r["in_wheel_libs"]}
            want = {"libwfsolve": [("_C", "runpath")],
                    "libwfsparse": [("_aux", "added_rpath"), ("libwfsolve", "added_rpath")]}
            check(inside == {k + ".so.1": v for k, v in want.items()}, f"torchlike: in_wheel_libs {inside}")
        elif name.startswith("abi3"):
            expect_tag(r, "manylinux1_x86_64.manylinux_2_5_x86_64")
            a = r["abi3"]
            check(a is not None and a["claimed"] == "3.7", f"{name}: abi3 {a}")
            kinds = [(p["kind"], p["symbol"]) for p in a["problems"]] if a else None
            want = {"abi3clean": [], "abi3new": [("too_new", "PyUnicode_AsUTF8AndSize")],
                    "abi3priv": [("not_stable", "_PyLong_AsByteArray")]}[name]
            check(kinds == want, f"{name}: abi3 problems {kinds}, expected {want}")
        elif name.startswith("cross_"):
            arch = name[len("cross_"):]
            expected = {"aarch64": "manylinux2014_aarch64.manylinux_2_17_aarch64",
                        "armv7l": "manylinux2014_armv7l.manylinux_2_17_armv7l",
                        "i686": "manylinux1_i686.manylinux_2_5_i686",
                        "ppc64le": "manylinux2014_ppc64le.manylinux_2_17_ppc64le",
                        "s390x": "manylinux2014_s390x.manylinux_2_17_s390x",
                        "riscv64": "manylinux_2_31_riscv64"}[arch]
            expect_tag(r, expected)
            check(all(p["name"].startswith("manylinux") for p in r["policies"]), f"{name}: policies")
        else:
            failures.append(f"unexpected wheel {name}")
        if not name.startswith("abi3"):
            check(r["abi3"] is None, f"{name}: abi3 {r['abi3']} for a wheel not tagged abi3")
    missing = {m["name"] for m in manifest.values()} - seen
    check(not missing, f"wheels without a report: {missing}")
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    print(f"check_show: {len(seen)} wheels, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
