#!/usr/bin/env bash
# The recipes in docs/recipes/ run here, without Docker or GitHub: their
# own commands are extracted and run by tests/e2e/run_recipe.py.
#
# Dockerfile. Builder stage: compilers and a build-only private library
# (libwfrecipe, built here) are present; the Dockerfile's builder RUN line
# (`wheelfix build -r requirements.txt -w /wheelhouse --no-binary :all:`)
# builds the requirements from a local folder of sdists and wheels standing
# for the index: recipedemo (tests/e2e/recipe_project, a C extension
# linking libwfrecipe) and wfrpure, which is there both as a prebuilt wheel
# and as an sdist, so --no-binary must make the sdist the one built.
# Runtime stage: its RUN and CMD lines with a PATH that holds python3 and
# rm only (no compilers), LD_LIBRARY_PATH unset; then the module is
# imported and called with the build-only library hidden, as user nobody
# (when this shell may switch users). A control install of the unrepaired
# wheel must fail in that runtime, so the test can tell a repaired wheel
# from one that only works on the builder.
#
# GitHub Actions workflow: the `wheels` job runs for a C-extension project
# and for a pure-Python one (whose wheel makes `wheelfix show` exit 3), then
# the `index` job merges their wheelhouse artifacts. Steps that install
# tools (apt-get, curl, cmake) are skipped: this machine has them, and
# PYTHON (what the uv step writes) is /usr/bin/python3.
#
# No network: PIP_NO_INDEX, PIP_FIND_LINKS and PIP_NO_BUILD_ISOLATION=0
# (pip's inverted spelling of "no isolation") stand in for PyPI.
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

RUNNER="$WHEELFIX_SOURCE_DIR/tests/e2e/run_recipe.py"
last_user=$(grep -E '^USER ' "$RECIPES/Dockerfile" | tail -n1 | awk '{print $2}')
[ -n "$last_user" ] && [ "$last_user" != root ] && [ "$last_user" != 0 ] ||
  wf_fail "Dockerfile: the runtime stage must end as a non-root USER (got '${last_user:-none}')"

# --- The index: sdists and a prebuilt wheel --------------------------------
# The build-only library: headers and libwfrecipe.so.1 in $T/prefix.
mkdir -p "$T/prefix/include" "$T/prefix/lib" "$T/links"
cp "$SRC/privlib/wfrecipe.h" "$T/prefix/include/"
cc -shared -fPIC -O2 -Wl,-soname,libwfrecipe.so.1 -o "$T/prefix/lib/libwfrecipe.so.1" "$SRC/privlib/wfrecipe.c" ||
  wf_fail "cannot build libwfrecipe.so.1"
ln -s libwfrecipe.so.1 "$T/prefix/lib/libwfrecipe.so"
privlib="$T/prefix/lib/libwfrecipe.so.1"
export WF_RECIPE_PREFIX="$T/prefix"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# sdist_of DIR: writes DIR's sdist into $T/links (setuptools works in DIR).
sdist_of() {
  (cd "$1" && "$PY" setup.py -q sdist -d "$T/links") >"$T/sdist.log" 2>&1 ||
    { cat "$T/sdist.log" >&2; wf_fail "sdist of $1"; }
}
mkdir -p "$T/proj"
cp -r "$SRC" "$T/proj/recipedemo"
rm -rf "$T/proj/recipedemo/privlib"
sdist_of "$T/proj/recipedemo"
mkdir -p "$T/proj/wfrpure/wfrpure"
printf 'from setuptools import setup\nsetup(name="wfrpure", version="1.0", packages=["wfrpure"])\n' >"$T/proj/wfrpure/setup.py"
echo 'VALUE = "sdist"' >"$T/proj/wfrpure/wfrpure/__init__.py"
sdist_of "$T/proj/wfrpure"
python3 "$WHEELFIX_SOURCE_DIR/tests/e2e/make_pure_wheel.py" "$T/links" wfrpure 1.0 --value prebuilt >/dev/null
ls "$T/links/recipedemo-1.0.0.tar.gz" "$T/links/wfrpure-1.0.tar.gz" "$T/links/wfrpure-1.0-py3-none-any.whl" >/dev/null ||
  wf_fail "the local index is incomplete: $(ls "$T/links")"
# The unrepaired wheel, for the control below.
"$PY" -m pip wheel -q --no-deps --no-build-isolation --no-index -w "$T/dist" "$T/links/recipedemo-1.0.0.tar.gz" \
  >"$T/pip-wheel.log" 2>&1 || { cat "$T/pip-wheel.log" >&2; wf_fail "pip wheel of the recipe project failed"; }
raw=$(ls "$T"/dist/recipedemo-1.0.0-*-linux_*.whl) || wf_fail "pip wheel made no linux_* wheel: $(ls "$T/dist")"

# --- Dockerfile: builder stage -----------------------------------------------
ROOT="$T/root"
mkdir -p "$T/ctx" "$ROOT/opt/wheelfix/bin" "$T/bbin"
printf '%s\n' "recipedemo==1.0.0" "wfrpure==1.0" >"$T/ctx/requirements.txt"
ln -s "$WHEELFIX" "$ROOT/opt/wheelfix/bin/wheelfix"   # COPY --from=wheelfix-bin
ln -s "$PY" "$T/bbin/python3"                          # the image's python3
echo "builder stage: the Dockerfile's RUN lines"
PATH="$T/bbin:$PATH" LD_LIBRARY_PATH="$T/prefix/lib" PIP_NO_INDEX=1 PIP_FIND_LINKS="$T/links" PIP_NO_BUILD_ISOLATION=0 \
  "$PY" "$RUNNER" dockerfile "$RECIPES/Dockerfile" --stage builder --root "$ROOT" --context "$T/ctx" \
  >"$T/builder.log" 2>&1 || { cat "$T/builder.log" >&2; wf_fail "the Dockerfile's builder stage failed"; }
grep -q '^\[builder\] RUN .*wheelfix build -r requirements.txt -w '"$ROOT"'/wheelhouse --no-binary :all:' "$T/builder.log" ||
  wf_fail "Dockerfile: the builder stage no longer runs 'wheelfix build -r requirements.txt -w /wheelhouse --no-binary :all:'"
wheels=("$ROOT"/wheelhouse/recipedemo-*.whl)
[ ${#wheels[@]} -eq 1 ] && [ -f "${wheels[0]}" ] || wf_fail "expected one recipedemo wheel in the wheelhouse: $(ls "$ROOT/wheelhouse")"
case $(basename "${wheels[0]}") in
  *-manylinux*) ;;
  *) wf_fail "wheelhouse wheel is not manylinux-tagged: $(basename "${wheels[0]}")" ;;
esac

# --- Dockerfile: runtime stage -------------------------------------------------
# PATH with python3 and rm only: no cc, gcc, ld, make.
mkdir -p "$T/rtbin" "$T/home"
ln -s "$PY" "$T/rtbin/python3"
ln -s "$(command -v rm)" "$T/rtbin/rm"
chmod 777 "$T/home"
for tool in cc gcc c++ g++ ld make; do
  if env -i PATH="$T/rtbin" /bin/sh -c "command -v $tool" >/dev/null 2>&1; then
    wf_fail "runtime PATH still finds $tool"
  fi
done
# runtime CMD...: runs CMD in the runtime stage's environment.
rt_env=(/usr/bin/env -i PATH="$T/rtbin" HOME="$T/home" PIP_DISABLE_PIP_VERSION_CHECK=1)
runtime() { "${rt_env[@]}" "$@"; }
echo "runtime stage: the Dockerfile's RUN and CMD lines"
runtime "$PY" "$RUNNER" dockerfile "$RECIPES/Dockerfile" --stage runtime --root "$ROOT" --context "$T/ctx" \
  >"$T/runtime.log" 2>&1 || { cat "$T/runtime.log" >&2; wf_fail "the Dockerfile's runtime stage failed"; }
grep -q '^\[runtime\] RUN .*pip install --no-index --find-links '"$ROOT"'/wheelhouse' "$T/runtime.log" ||
  wf_fail "Dockerfile: the runtime stage no longer installs with 'pip install --no-index --find-links /wheelhouse'"
VENV="$ROOT/opt/venv"
ls "$VENV"/lib/python3*/site-packages/recipedemo.libs/libwfrecipe-*.so.1 >/dev/null 2>&1 ||
  wf_fail "the installed package has no vendored libwfrecipe in recipedemo.libs/"
got=$(runtime "$VENV/bin/python" -c 'import wfrpure; print(wfrpure.VALUE)')
wf_assert_eq sdist "$got" "wfrpure in the runtime (--no-binary :all: must build it from its sdist, not take the prebuilt wheel)"
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

out=$(hide_and_run "${as_user[@]}" "${rt_env[@]}" "$VENV/bin/python" -c "$check" 2>&1) ||
  wf_fail "the wheelhouse package does not work in the runtime stage: $out"
echo "runtime stage: $out"
if [ ${#as_user[@]} -gt 0 ]; then
  grep -q "^uid $(id -u nobody) " <<<"$out" || wf_fail "did not run as nobody: $out"
fi

# --- The CI recipe: its jobs run -----------------------------------------------
if ! "$PY" -c 'import yaml' 2>/dev/null; then
  wf_skip_case "python3-yaml is not installed: github-actions.yml not run or checked"
  echo "recipe: ok"
  exit 0
fi
G="$T/gha"
mkdir -p "$G/artifacts/wheelfix-x86_64/bin" "$G/ws-native" "$G/ws-pure"
ln -s "$WHEELFIX" "$G/artifacts/wheelfix-x86_64/bin/wheelfix"  # what the wheelfix job uploads
cp -r "$T/proj/recipedemo/." "$G/ws-native/"
cp -r "$T/proj/wfrpure/." "$G/ws-pure/"
# gha JOB WORKSPACE [--set K=V]...: runs JOB of the workflow on a fresh "machine"
# (its own ROOT for /opt); its log in $G/JOB-<workspace>.log.
gha() {
  local job=$1 ws=$2
  shift 2
  echo "github-actions.yml: job $job in $(basename "$ws")"
  PYTHON="$PY" LD_LIBRARY_PATH="$T/prefix/lib" PIP_NO_INDEX=1 PIP_FIND_LINKS="$T/links" PIP_NO_BUILD_ISOLATION=0 \
    "$PY" "$RUNNER" workflow "$RECIPES/github-actions.yml" --job "$job" --workspace "$ws" \
    --artifacts "$G/artifacts" --root "$G/root-$job-$(basename "$ws")" "$@" >"$G/$job-$(basename "$ws").log" 2>&1 ||
    { cat "$G/$job-$(basename "$ws").log" >&2; wf_fail "github-actions.yml: job $job failed in $(basename "$ws")"; }
}
# The matrix values only name the artifacts here: both jobs use $PY.
gha wheels "$G/ws-native" --set matrix.python=3.11 --set matrix.arch=x86_64
gha wheels "$G/ws-pure" --set matrix.python=3.12 --set matrix.arch=x86_64
for step in "run: wheelfix on PATH" "run: Build and repair" "run: Report"; do
  grep -q "^\[wheels\] $step" "$G/wheels-ws-pure.log" || wf_fail "github-actions.yml: the wheels job did not run '$step'"
done
mkdir -p "$G/ws-index"
gha index "$G/ws-index" --set github.repository_owner=example --set github.event.repository.name=demo
"$PY" - "$G/artifacts" <<'EOF' || wf_fail "github-actions.yml: artifacts"
import glob, json, os, sys
art = sys.argv[1]
native = json.load(open(f"{art}/report-py3.11-x86_64/show.json"))
pure = json.load(open(f"{art}/report-py3.12-x86_64/show.json"))
def reports(doc):
    return doc if isinstance(doc, list) else doc.get("wheels", doc.get("reports", [doc]))
assert not any(r.get("pure") for r in reports(native)), native
assert [r.get("pure") for r in reports(pure)] == [True], pure
built = json.load(open(f"{art}/report-py3.12-x86_64/build.json"))
assert built["builds"][0]["wheels"][0]["action"] == "copied", built
(whl,) = glob.glob(f"{art}/wheelhouse-py3.11-x86_64/recipedemo-1.0.0-*manylinux*.whl")
page = open(f"{art}/package-index/simple/recipedemo/index.html").read()
assert "https://example.github.io/demo/files/" + os.path.basename(whl) in page, page
assert os.path.isfile(f"{art}/package-index/simple/wfrpure/index.html")
print("github-actions.yml: wheels (native, pure) and index jobs ran; reports and index ok")
EOF

# --- The CI recipe has the job structure docs/recipes/ci.md describes ----------
if true; then
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
  wf_skip_case "python3-yaml is not installed: github-actions.yml not checked"
fi
echo "recipe: ok"
