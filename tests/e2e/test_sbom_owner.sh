#!/usr/bin/env bash
# The repair SBOM names the Debian package that owns each vendored library:
# a wheel whose extension needs dpkg-owned libraries that no manylinux
# policy whitelists is repaired, and <dist-info>/sboms/wheelfix.cdx.json must
# give each package's name, version and purl as dpkg-query reports them.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_mktemp_dir tmp
unset LD_LIBRARY_PATH WHEELFIX_PLAT AUDITWHEEL_PLAT
command -v dpkg-query >/dev/null || wf_skip "dpkg-query not installed (not a Debian system)"
command -v gcc >/dev/null || wf_skip "gcc not installed"
[ "$(uname -m)" = x86_64 ] || wf_skip "the crafted wheel is tagged linux_x86_64"

# Libraries owned by a package and not whitelisted by any manylinux policy
# (all candidates installed: their versions exercise "+" and "~").
whitelist=$(python3 -c 'import json, sys
print("\n".join(sorted({l for p in json.load(open(sys.argv[1])) for l in p.get("lib_whitelist", [])})))' \
  "$WHEELFIX_SOURCE_DIR/policies/manylinux-policy.json")
ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
distro=$(. /etc/os-release && echo "${ID:-debian}")
: >"$tmp/expected.txt"
paths=()
for soname in libffi.so.8 libffi.so.7 liblzma.so.5 libbz2.so.1.0 libxml2.so.2; do
  grep -qx "$soname" <<<"$whitelist" && continue
  # awk reads all its input (an early exit would SIGPIPE ldconfig, fatal under pipefail).
  p=$("$ldconfig" -p | awk -v n="$soname" '$1 == n && /x86-64/ && !p { p = $NF } END { print p }')
  [ -n "$p" ] || continue
  # The real file, as dpkg lists it (with or without /usr on merged-/usr systems).
  real=$(realpath "$p")
  owner=$(dpkg-query -S "$real" 2>/dev/null || dpkg-query -S "${real#/usr}" 2>/dev/null) || continue
  owner=$(head -n 1 <<<"$owner")
  pkg=${owner%%:*}
  version=$(dpkg-query -W -f='${Version}' "$pkg")
  arch=$(dpkg-query -W -f='${Architecture}' "$pkg")
  echo "$soname $pkg $version $arch" >>"$tmp/expected.txt"
  paths+=("$p")
done
[ "${#paths[@]}" -gt 0 ] || wf_skip "no dpkg-owned, non-whitelisted library among the candidates is installed"
echo "expecting owners:"
cat "$tmp/expected.txt"

# A wheel whose extension needs them (linked by path, no headers needed).
gcc -shared -fPIC -o "$tmp/_native.so" -x c - -x none -Wl,--no-as-needed "${paths[@]}" \
  <<<'int ownerext_answer(void) { return 42; }' 2>"$tmp/gcc.log" ||
  wf_fail "cannot link against ${paths[*]}: $(head -c 2000 "$tmp/gcc.log")"
while read -r soname _; do
  readelf -d "$tmp/_native.so" | wf_has -F "[$soname]" || wf_fail "the extension does not need $soname"
done <"$tmp/expected.txt"
whl="$tmp/ownerext-1.0-py3-none-linux_x86_64.whl"
python3 - "$tmp/_native.so" "$whl" <<'PY'
import base64, hashlib, sys, zipfile
def h(b):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
di = "ownerext-1.0.dist-info/"
members = {
    "ownerext/__init__.py": b"",
    "ownerext/_native.so": open(sys.argv[1], "rb").read(),
    di + "METADATA": b"Metadata-Version: 2.1\nName: ownerext\nVersion: 1.0\n",
    di + "WHEEL": b"Wheel-Version: 1.0\nGenerator: test_sbom_owner\nRoot-Is-Purelib: false\nTag: py3-none-linux_x86_64\n",
}
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    for name, data in members.items():
        z.writestr(name, data)
    z.writestr(di + "RECORD", "".join(f"{n},{h(b)},{len(b)}\n" for n, b in members.items()) + di + "RECORD,,\n")
PY

# The owners come from the dpkg database, read by wheelfix itself: a
# dpkg-query first on PATH that records being run must stay unused.
mkdir -p "$tmp/fakebin"
printf '#!/bin/sh\ntouch "%s"\nexit 2\n' "$tmp/dpkg-query-ran" >"$tmp/fakebin/dpkg-query"
chmod +x "$tmp/fakebin/dpkg-query"
PATH="$tmp/fakebin:$PATH" "$WHEELFIX" repair -q -w "$tmp/out" "$whl" || wf_fail "repair of the crafted wheel"
[ ! -e "$tmp/dpkg-query-ran" ] || wf_fail "repair ran dpkg-query instead of reading the dpkg database"
out=$(ls "$tmp"/out/*.whl)
python3 "$WHEELFIX_SOURCE_DIR/tests/e2e/check_wheel.py" "$out" || wf_fail "invalid output"
python3 - "$out" "$tmp/expected.txt" "$distro" <<'PY' || wf_fail "the SBOM does not name the owning packages"
import json, sys, urllib.parse, zipfile
out, expected, distro = sys.argv[1:]
z = zipfile.ZipFile(out)
doc = json.loads(z.read("ownerext-1.0.dist-info/sboms/wheelfix.cdx.json"))
assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.5", doc
for line in open(expected):
    lib, pkg, version, arch = line.split()
    comps = [c for c in doc["components"] if c["name"] == lib]
    assert len(comps) == 1, (lib, [c["name"] for c in doc["components"]])
    c = comps[0]
    props = {p["name"]: p["value"] for p in c["properties"]}
    assert props.get("wheelfix:package") == "dpkg:" + pkg, (lib, props)
    assert c.get("version") == version, (lib, c.get("version"), version)
    # purl: the version percent-encoded where purl requires it (an epoch's
    # ":" may be given either way).
    purls = {f"pkg:deb/{distro}/{pkg}@{v}?arch={arch}"
             for v in (version, urllib.parse.quote(version, safe=".-_~+"), urllib.parse.quote(version, safe=".-_~+:"))}
    assert c.get("purl") in purls, (lib, c.get("purl"), purls)
    assert props["wheelfix:vendored_as"] in z.namelist(), props
    print(f"SBOM: {lib} -> {c['purl']}")
PY
echo "test_sbom_owner: ok"
