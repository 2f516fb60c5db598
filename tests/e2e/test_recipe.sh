#!/usr/bin/env bash
# The Docker recipe (docs/recipes/Dockerfile) without Docker.
#
# Builder stage: compilers and a build-only private library (libwfrecipe,
# built here) are present; the project in tests/e2e/recipe_project is built
# from source into a wheelhouse and repaired with `wheelfix build -r
# requirements.txt -w WHEELHOUSE`, as the Dockerfile's builder stage does.
# Runtime stage: a fresh venv, `pip install --no-index --find-links
# WHEELHOUSE recipedemo` with a PATH that holds python3 only (no compilers),
# LD_LIBRARY_PATH unset and the build-only library hidden, then import and
# call the module as user nobody (when this shell may switch users).
# A control install of the unrepaired wheel must fail in that runtime, so
# the test can tell a repaired wheel from one that only works on the builder.
# Also checks that docs/recipes/github-actions.yml is valid YAML with the
# matrix and index jobs the recipe describes.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_mktemp_dir T
chmod 755 "$T"  # user nobody reads the venv and wheelhouse below

PY=/usr/bin/python3
SRC="$WHEELFIX_SOURCE_DIR/tests/e2e/recipe_project"
RECIPES="$WHEELFIX_SOURCE_DIR/docs/recipes"
command -v cc >/dev/null || wf_skip "no C compiler (cc)"
"$PY" -c 'import setuptools, wheel, pip' 2>/dev/null ||
  wf_skip "$PY lacks setuptools/wheel/pip (Debian: python3-setuptools python3-wheel python3-pip)"

# --- The recipe files still say what this test does -------------------------
grep -q 'wheelfix build -r requirements.txt -w /wheelhouse' "$RECIPES/Dockerfile" ||
  wf_fail "Dockerfile: builder stage no longer runs 'wheelfix build -r requirements.txt -w /wheelhouse'"
grep -q 'pip install --no-index --find-links /wheelhouse' "$RECIPES/Dockerfile" ||
  wf_fail "Dockerfile: runtime stage no longer installs with 'pip install --no-index --find-links /wheelhouse'"
last_user=$(grep -E '^USER ' "$RECIPES/Dockerfile" | tail -n1 | awk '{print $2}')
[ -n "$last_user" ] && [ "$last_user" != root ] && [ "$last_user" != 0 ] ||
  wf_fail "Dockerfile: the runtime stage must end as a non-root USER (got '${last_user:-none}')"

# --- Builder stage -----------------------------------------------------------
# The build-only library: headers and libwfrecipe.so.1 in $T/prefix.
mkdir -p "$T/prefix/include" "$T/prefix/lib"
cp "$SRC/privlib/wfrecipe.h" "$T/prefix/include/"
cc -shared -fPIC -O2 -Wl,-soname,libwfrecipe.so.1 -o "$T/prefix/lib/libwfrecipe.so.1" "$SRC/privlib/wfrecipe.c" ||
  wf_fail "cannot build libwfrecipe.so.1"
ln -s libwfrecipe.so.1 "$T/prefix/lib/libwfrecipe.so"
privlib="$T/prefix/lib/libwfrecipe.so.1"

# pip builds in the source tree (build/, *.egg-info): use a copy.
mkdir -p "$T/src"
cp -r "$SRC" "$T/src/recipedemo"
rm -rf "$T/src/recipedemo/privlib"
echo "./src/recipedemo" >"$T/requirements.txt"

export WF_RECIPE_PREFIX="$T/prefix"
export PIP_DISABLE_PIP_VERSION_CHECK=1
# The unrepaired wheel, for the control below.
"$PY" -m pip wheel -q --no-deps --no-build-isolation --no-index -w "$T/dist" "$T/src/recipedemo" \
  >"$T/pip-wheel.log" 2>&1 || { cat "$T/pip-wheel.log" >&2; wf_fail "pip wheel of the recipe project failed"; }
rm -rf "$T/src/recipedemo/build" "$T/src/recipedemo/src/"*.egg-info
raw=$(ls "$T"/dist/recipedemo-1.0.0-*-linux_*.whl) || wf_fail "pip wheel made no linux_* wheel: $(ls "$T/dist")"

"$WHEELFIX" --help 2>/dev/null | wf_has -E '^ +build +' || wf_fail "this wheelfix has no 'build' command"
echo "builder stage: wheelfix build -r requirements.txt -w wheelhouse"
(cd "$T" && LD_LIBRARY_PATH="$T/prefix/lib" "$WHEELFIX" build -r requirements.txt -w "$T/wheelhouse" \
  --python "$PY" --no-build-isolation --no-index) >"$T/build.log" 2>&1 ||
  { cat "$T/build.log" >&2; wf_fail "wheelfix build -r requirements.txt failed"; }
wheels=("$T"/wheelhouse/recipedemo-*.whl)
[ ${#wheels[@]} -eq 1 ] && [ -f "${wheels[0]}" ] || wf_fail "expected one recipedemo wheel in the wheelhouse: $(ls "$T/wheelhouse")"
case $(basename "${wheels[0]}") in
  *-manylinux*) ;;
  *) wf_fail "wheelhouse wheel is not manylinux-tagged: $(basename "${wheels[0]}")" ;;
esac

# --- Runtime stage -----------------------------------------------------------
# PATH with python3 only: no cc, gcc, ld, make.
mkdir -p "$T/rtbin" "$T/home"
ln -s "$PY" "$T/rtbin/python3"
chmod 777 "$T/home"
for tool in cc gcc c++ g++ ld make; do
  if env -i PATH="$T/rtbin" /bin/sh -c "command -v $tool" >/dev/null 2>&1; then
    wf_fail "runtime PATH still finds $tool"
  fi
done
# runtime CMD...: runs CMD in the runtime stage's environment.
rt_env=(/usr/bin/env -i PATH="$T/rtbin" HOME="$T/home" PIP_DISABLE_PIP_VERSION_CHECK=1)
runtime() { "${rt_env[@]}" "$@"; }
runtime "$PY" -m venv "$T/venv" || wf_fail "venv in the runtime environment"
runtime "$T/venv/bin/python" -m pip install -q --no-index --find-links "$T/wheelhouse" recipedemo ||
  wf_fail "pip install --no-index --find-links wheelhouse recipedemo failed"
ls "$T"/venv/lib/python3*/site-packages/recipedemo.libs/libwfrecipe-*.so.1 >/dev/null 2>&1 ||
  wf_fail "the installed package has no vendored libwfrecipe in recipedemo.libs/"
runtime "$PY" -m venv "$T/control" || wf_fail "control venv"
runtime "$T/control/bin/python" -m pip install -q --no-index --no-deps "$raw" || wf_fail "control install"

# As nobody when this shell can switch users (root); else as ourselves.
as_user=()
if [ "$(id -u)" -eq 0 ] && setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups true 2>/dev/null; then
  as_user=("$(command -v setpriv)" --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
  echo "runtime stage: running as nobody"
else
  echo "runtime stage: cannot switch to user nobody here (not root or no setpriv); running as $(id -un)"
fi
check='import recipedemo
r = recipedemo.greet("docker")
assert r == "recipe says hello to docker", r
import os
print("uid", os.getuid(), recipedemo.greet("docker"))'
# The build-only library hidden: a /dev/null bind mount when possible, else
# the prefix folder (ours) moved away for the rest of the test.
hide_and_run() {
  if wf_can_hide_libs; then
    wf_hide_libs "$privlib" "$@"
  else
    "$@"
  fi
}
if ! wf_can_hide_libs; then
  echo "runtime stage: unshare -m unavailable; moving the build-only library folder away instead"
  mv "$T/prefix" "$T/prefix.hidden"
fi

if out=$(hide_and_run "${as_user[@]}" "${rt_env[@]}" "$T/control/bin/python" -c "$check" 2>&1); then
  wf_fail "control: the unrepaired wheel imported without the build-only library: $out"
fi
grep -q "libwfrecipe.so.1" <<<"$out" || wf_fail "control failed for another reason than the hidden library: $out"

out=$(hide_and_run "${as_user[@]}" "${rt_env[@]}" "$T/venv/bin/python" -c "$check" 2>&1) ||
  wf_fail "the wheelhouse package does not work in the runtime stage: $out"
echo "runtime stage: $out"
if [ ${#as_user[@]} -gt 0 ]; then
  grep -q "^uid $(id -u nobody) " <<<"$out" || wf_fail "did not run as nobody: $out"
fi

# --- The CI recipe is valid YAML with the jobs it promises ----------------------
if "$PY" -c 'import yaml' 2>/dev/null; then
  "$PY" - "$RECIPES/github-actions.yml" <<'EOF' || wf_fail "docs/recipes/github-actions.yml"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
jobs = doc["jobs"]
def runs(job):
    return "\n".join(s.get("run", "") for s in job.get("steps", []))
build_jobs = [n for n, j in jobs.items() if "wheelfix build" in runs(j) or "wheelfix repair" in runs(j)]
assert build_jobs, "no job runs wheelfix build or repair"
for n in build_jobs:
    matrix = jobs[n].get("strategy", {}).get("matrix", {})
    assert "python" in matrix and "arch" in matrix, f"{n}: no python x arch matrix"
    assert "--json" in runs(jobs[n]), f"{n}: no --json report"
    uploads = [s.get("with", {}).get("name", "") for s in jobs[n]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert any("wheelhouse" in u for u in uploads), f"{n}: the wheelhouse is not uploaded ({uploads})"
index_jobs = [n for n, j in jobs.items() if "wheelfix index" in runs(j)]
assert index_jobs, "no job runs wheelfix index"
for n in index_jobs:
    needs = jobs[n].get("needs", [])
    needs = [needs] if isinstance(needs, str) else needs
    assert set(build_jobs) <= set(needs), f"{n} does not wait for {build_jobs}"
    downloads = [s for s in jobs[n]["steps"] if "download-artifact" in s.get("uses", "")]
    assert any("wheelhouse" in s.get("with", {}).get("pattern", "") for s in downloads), f"{n}: does not download the wheelhouses"
print("github-actions.yml: build jobs", build_jobs, "index jobs", index_jobs)
EOF
else
  echo "python3-yaml is not installed: github-actions.yml not checked"
fi
echo "recipe: ok"
