#!/usr/bin/env bash
# Libraries the wheel already ships satisfy the DT_NEEDED entries that name
# them (the torchlike test wheel, shaped like torch and its CUDA libraries):
# `show` reports them as satisfied inside the wheel and lists no library
# twice; `repair` vendors only the external libraries, once, and gives each
# file the RPATH entries it needs to reach the wheel's copies. The repaired
# wheel is installed into a fresh venv and loaded with the build machine's
# copies hidden, in every load order (each library dlopen'ed alone too), and
# again with decoys of the same SONAMEs in the system search path (a private
# ld.so.cache): the wheel's copies must be the ones loaded, told apart by the
# tag each copy returns.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_build_testwheels
wf_mktemp_dir tmp
unset LD_LIBRARY_PATH
wf_can_hide_libs || wf_skip "cannot hide libraries (unshare -m) here"
command -v gcc >/dev/null || wf_skip "gcc not found (needed for the decoy libraries)"
command -v ldconfig >/dev/null || wf_skip "ldconfig not found (needed for the decoy ld.so.cache)"
[ -f /etc/ld.so.cache ] || wf_skip "/etc/ld.so.cache does not exist (nothing to put the decoys in)"

wheel=$(wf_testwheel torchlike)
libdir=$(wf_tw_field torchlike needs_ld_library_path)
hidden=$(wf_tw_field torchlike private_libs)
ext=$(python3 -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
C="torchlike/_C$ext"
AUX="torchlike/_aux$ext"

# --- show, on the build machine (its library path holds other copies) ------
LD_LIBRARY_PATH="$libdir" "$WHEELFIX" show --json "$wheel" >"$tmp/show.json" || wf_fail "show --json exited $?"
python3 - "$tmp/show.json" "$libdir" "$C" "$AUX" <<'PY' || wf_fail "show --json of torchlike"
import json, sys
doc, libdir, c, aux = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
r = doc["wheels"][0]
external = [x["name"] for x in r["external_libs"]]
inside = [x["name"] for x in r["in_wheel_libs"]]
assert external == ["libwfblas.so.1", "libwfplug.so.1"], external
assert inside == ["libwfsolve.so.1", "libwfsparse.so.1"], inside
assert not set(external) & set(inside), (external, inside)
assert r["tag"].startswith("manylinux"), r["tag"]
by = {x["name"]: x for x in r["in_wheel_libs"]}
assert by["libwfsolve.so.1"]["member"] == "torchlike/lib/libwfsolve.so.1", by
assert by["libwfsolve.so.1"]["needed_by"] == [
    {"file": c, "found_by": "runpath", "via": "RUNPATH of %s: $ORIGIN/lib" % c}], by["libwfsolve.so.1"]
needers = {u["file"]: u["found_by"] for u in by["libwfsparse.so.1"]["needed_by"]}
assert needers == {aux: "added_rpath", "torchlike/lib/libwfsolve.so.1": "added_rpath",
                   libdir + "/libwfplug.so.1": "added_rpath"}, needers
blas = [x for x in r["external_libs"] if x["name"] == "libwfblas.so.1"][0]
assert blas["needed_by"] == ["torchlike/lib/libwfsolve.so.1", "torchlike/lib/libwfsparse.so.1"], blas
# The build machine's copies of the wheel's libraries are nowhere.
text = json.dumps(r)
for name in ("libwfsolve.so.1", "libwfsparse.so.1"):
    assert libdir + "/" + name not in text, name
PY
out=$(LD_LIBRARY_PATH="$libdir" "$WHEELFIX" show "$wheel")
wf_has -F "libwfsparse.so.1 => torchlike/lib/libwfsparse.so.1" <<<"$out" || wf_fail "show text: $out"
wf_has -F "needed by torchlike/lib/libwfsolve.so.1 [RPATH entry repair adds to torchlike/lib/libwfsolve.so.1 for torchlike/lib]" <<<"$out" ||
  wf_fail "show text does not say how libwfsolve reaches libwfsparse: $out"

# --- repair -----------------------------------------------------------------
LD_LIBRARY_PATH="$libdir" "$WHEELFIX" repair --json -w "$tmp/wh" "$wheel" >"$tmp/repair.json" || wf_fail "repair exited $?"
repaired=$(ls "$tmp"/wh/torchlike-*.whl)
python3 "$WHEELFIX_SOURCE_DIR/tests/e2e/check_wheel.py" "$repaired" || wf_fail "invalid repaired wheel"
mkdir -p "$tmp/x"
python3 -m zipfile -e "$repaired" "$tmp/x"
python3 - "$tmp/repair.json" "$tmp/x" <<'PY' || wf_fail "repaired wheel content"
import glob, json, os, re, subprocess, sys
report, root = json.load(open(sys.argv[1]))["wheels"][0], sys.argv[2]
vendored = sorted(v["name"] for v in report["vendored"])
assert vendored == ["libwfblas.so.1", "libwfplug.so.1"], vendored
elves = [p for p in glob.glob(root + "/**/*", recursive=True)
         if os.path.isfile(p) and open(p, "rb").read(4) == b"\x7fELF"]
sonames = {}
for p in elves:
    m = re.search(r"\(SONAME\)\s+Library soname: \[(.*)\]", subprocess.check_output(["readelf", "-d", p], text=True))
    if m:
        sonames.setdefault(m.group(1), []).append(os.path.relpath(p, root))
# One copy per SONAME, and no vendored copy of a library the wheel ships.
assert all(len(v) == 1 for v in sonames.values()), sonames
assert len(elves) == 6, elves
shipped = {os.path.basename(p) for p in elves if "/torchlike.libs/" not in p}
assert not shipped & set(vendored), (shipped, vendored)
PY
# The added entries are DT_RPATH (searched before LD_LIBRARY_PATH); _C keeps
# its RUNPATH, which already reaches libwfsolve.
rp() { readelf -d "${2:-$tmp/x}/$1" | sed -n 's/.*(\(R[UN]*PATH\)).*\[\(.*\)\]/\1 \2/p'; }
wf_assert_eq 'RPATH $ORIGIN/../../torchlike.libs:$ORIGIN' "$(rp torchlike/lib/libwfsolve.so.1)" "libwfsolve's search path"
wf_assert_eq 'RPATH $ORIGIN/../torchlike.libs:$ORIGIN/lib' "$(rp "$AUX")" "_aux's search path"
wf_assert_eq 'RUNPATH $ORIGIN/lib' "$(rp "$C")" "_C's search path"
plug=$(cd "$tmp/x" && ls torchlike.libs/libwfplug-*.so.1)
wf_assert_eq 'RPATH $ORIGIN/../torchlike/lib' "$(rp "$plug")" "vendored libwfplug's search path"

# --exclude leaves a name to the loader: not vendored, and no entry added for it.
LD_LIBRARY_PATH="$libdir" "$WHEELFIX" repair --json --exclude 'libwfsparse*' -w "$tmp/excl" "$wheel" >"$tmp/excl.json" ||
  wf_fail "repair --exclude exited $?"
wf_assert_eq "libwfblas.so.1 libwfplug.so.1" \
  "$(python3 -c 'import json,sys; print(*sorted(v["name"] for v in json.load(open(sys.argv[1]))["wheels"][0]["vendored"]))' "$tmp/excl.json")" \
  "vendored with --exclude 'libwfsparse*'"
mkdir -p "$tmp/xe"
python3 -m zipfile -e "$tmp"/excl/torchlike-*.whl "$tmp/xe"
wf_assert_eq 'RPATH $ORIGIN/../../torchlike.libs' "$(rp torchlike/lib/libwfsolve.so.1 "$tmp/xe")" \
  "libwfsolve's search path with --exclude 'libwfsparse*'"

# --- decoys: other libraries with the same SONAMEs, in a private ld.so.cache --
decoy="$tmp/decoy"
mkdir -p "$decoy"
src="$WHEELFIX_SOURCE_DIR/testwheels/src"
mk() { # mk NAME SOURCE NEEDS...
  local name=$1 source=$2
  shift 2
  gcc -shared -fPIC -O2 -DWF_TAG=9 -I "$src" -Wl,-soname,"$name" -o "$decoy/$name" "$src/$source" \
    -L "$decoy" "${@/#/-l:}" || wf_fail "cannot build decoy $name"
}
mk libwfblas.so.1 wfblas.c
mk libwfsparse.so.1 wfsparse.c libwfblas.so.1
mk libwfsolve.so.1 wfsolve.c libwfsparse.so.1 libwfblas.so.1
mk libwfplug.so.1 wfplug.c libwfsparse.so.1
printf '%s\ninclude /etc/ld.so.conf.d/*.conf\n' "$decoy" >"$tmp/ld.so.conf"
ldconfig -X -f "$tmp/ld.so.conf" -C "$tmp/ld.so.cache" || wf_fail "ldconfig could not write $tmp/ld.so.cache"

# with_cache CACHE CMD...: CMD with CACHE mounted over /etc/ld.so.cache ("" =
# the system's). Runs inside wf_hide_libs's private mount namespace.
with_cache() {
  if [ -n "$1" ]; then mount --bind "$1" /etc/ld.so.cache || exit 125; fi
  shift
  "$@"
}

cat >"$tmp/probe.py" <<'PY'
"""probe.py import MODULE... | probe.py dlopen GLOB FUNCTION
Prints the tags the modules (imported in that order) or the library
(dlopen'ed alone) return, then every libwf* file mapped in the process that
is not under this environment's site-packages."""
import ctypes, glob, importlib, importlib.util, os, sys
site = os.path.dirname(os.path.dirname(importlib.util.find_spec("torchlike").origin))
if sys.argv[1] == "import":
    tags = [importlib.import_module(m).tags() for m in sys.argv[2:]]
else:
    (path,) = glob.glob(os.path.join(site, sys.argv[2]))
    tags = [getattr(ctypes.CDLL(path), sys.argv[3])()]
mapped = {line.split()[-1] for line in open("/proc/self/maps") if "/libwf" in line}
print(" ".join(map(str, tags)), " ".join(sorted(p for p in mapped if not p.startswith(site + "/"))))
PY

# probe VENV CACHE ARGS...: probe.py's line, with the build machine's copies hidden.
probe() {
  local venv=$1 cache=$2
  shift 2
  wf_hide_libs "$hidden" with_cache "$cache" "$venv/bin/python" "$tmp/probe.py" "$@"
}

# Control: the unrepaired wheel does not load without the build machine's
# copies, and loads the decoys when they are on the system search path.
wf_fresh_venv "$tmp/raw"
wf_pip_install "$tmp/raw" "$wheel"
if probe "$tmp/raw" "" import torchlike._C >/dev/null 2>&1; then
  wf_fail "control: the unrepaired wheel imported without the build machine's libraries"
fi
got=$(probe "$tmp/raw" "$tmp/ld.so.cache" import torchlike._C) || wf_fail "control: import with decoys failed"
wf_assert_eq "199 $decoy/libwfblas.so.1 $decoy/libwfsparse.so.1" "$got" "control: unrepaired _C with decoys"

# The repaired wheel: the wheel's copies (tag 1) and the vendored libwfblas
# (3) and libwfplug (4), in every order, with and without decoys.
wf_fresh_venv "$tmp/venv"
wf_pip_install "$tmp/venv" "$repaired"
for cache in "" "$tmp/ld.so.cache"; do
  what=${cache:+with decoys}
  what=${what:-without decoys}
  check() { # check EXPECTED ARGS...
    local want=$1 got
    shift
    got=$(probe "$tmp/venv" "$cache" "$@") || wf_fail "$* ($what) failed"
    wf_assert_eq "$want " "$got" "$* ($what)"
  }
  check "113" import torchlike._C
  check "141" import torchlike._aux
  check "141 113" import torchlike._aux torchlike._C
  check "113 141" import torchlike._C torchlike._aux
  check "113" dlopen torchlike/lib/libwfsolve.so.1 wfsolve_tags
  check "1" dlopen torchlike/lib/libwfsparse.so.1 wfsparse_tag
  check "41" dlopen "torchlike.libs/libwfplug-*.so.1" wfplug_tags
done

# An ELF program in .data/scripts/ that needs a library the wheel ships is
# moved beside the vendored libraries (installers put scripts in bin/), with
# an entry back to torchlike/lib. Added to a copy of torchlike.
mkdir -p "$tmp/sw/src"
python3 -m zipfile -e "$wheel" "$tmp/sw/src"
gcc -O2 -I "$src" -o "$tmp/sw/wftlprobe" "$src/wftl_probe.c" -L "$tmp/sw/src/torchlike/lib" -l:libwfsparse.so.1 \
  -Wl,-rpath-link,"$libdir" || wf_fail "cannot build wftlprobe"
python3 - "$WHEELFIX_SOURCE_DIR/testwheels" "$tmp/sw" "$(basename "$wheel")" <<'PY' || wf_fail "cannot pack torchlike with a script"
import os, sys
sys.dont_write_bytecode = True  # a __pycache__ in testwheels/ would make lib.sh rebuild them
sys.path.insert(0, sys.argv[1])
import wheelpack
root, name = sys.argv[2], sys.argv[3]
files = {}
for folder, _, names in os.walk(os.path.join(root, "src")):
    for n in names:
        member = os.path.relpath(os.path.join(folder, n), os.path.join(root, "src"))
        if ".dist-info/" not in member:
            files[member] = os.path.join(folder, n)
files["torchlike-0.1.0.data/scripts/wftlprobe"] = os.path.join(root, "wftlprobe")
wheelpack.write_wheel(root, "torchlike", "0.1.0", name[len("torchlike-0.1.0-"):-len(".whl")], files)
PY
LD_LIBRARY_PATH="$libdir" "$WHEELFIX" repair -q -w "$tmp/sw/wh" "$tmp/sw/$(basename "$wheel")" || wf_fail "repair of torchlike with a script"
mkdir -p "$tmp/sw/x"
python3 -m zipfile -e "$tmp"/sw/wh/torchlike-*.whl "$tmp/sw/x"
wf_assert_eq 'RPATH $ORIGIN/../../torchlike/lib' "$(rp torchlike.libs/bin/wftlprobe "$tmp/sw/x")" "moved wftlprobe's search path"
wf_fresh_venv "$tmp/sw/venv"
wf_pip_install "$tmp/sw/venv" "$tmp"/sw/wh/torchlike-*.whl
for cache in "" "$tmp/ld.so.cache"; do
  got=$(wf_hide_libs "$hidden" with_cache "$cache" "$tmp/sw/venv/bin/wftlprobe") || wf_fail "wftlprobe (cache '$cache') failed"
  wf_assert_eq "libwfsparse tag 1" "$got" "wftlprobe output (cache '$cache')"
done

# Repairing the repaired wheel: nothing left to vendor or to add.
LD_LIBRARY_PATH="$libdir" "$WHEELFIX" show --json "$repaired" >"$tmp/show2.json" || wf_fail "show of the repaired wheel"
python3 - "$tmp/show2.json" <<'PY' || wf_fail "show --json of the repaired wheel"
import json, sys
r = json.load(open(sys.argv[1]))["wheels"][0]
assert r["external_libs"] == [], r["external_libs"]
names = [x["name"] for x in r["in_wheel_libs"]]
assert len(names) == len(set(names)) == 4, names
hows = {u["found_by"] for x in r["in_wheel_libs"] for u in x["needed_by"]}
assert hows <= {"rpath", "runpath"}, hows
PY
echo "test_repair_inwheel: ok"
