#!/usr/bin/env bash
# `wheelfix build` and the pip settings around it.
#  1. The test step installs "from the wheelhouse only" whatever pip is told
#     from outside: a --test-requires package that is not in the wheelhouse
#     but in a folder named by PIP_FIND_LINKS, by a user pip.conf
#     ($XDG_CONFIG_HOME/pip/pip.conf) or by a file in PIP_CONFIG_FILE must
#     fail the test step; the same package put into the wheelhouse passes
#     (so the failures are about where it was found, nothing else).
#  2. --no-binary / --only-binary reach `pip wheel`: a requirement offered
#     both as a prebuilt wheel and as an sdist is copied prebuilt by
#     default, built from the sdist with --no-binary :all:, and with
#     --only-binary :all: an sdist-only requirement fails.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_mktemp_dir T

PY=/usr/bin/python3
"$PY" -c 'import setuptools, wheel, pip, venv' 2>/dev/null ||
  wf_skip "$PY lacks setuptools/wheel/pip/venv (Debian: python3-setuptools python3-wheel python3-pip python3-venv)"
export PIP_DISABLE_PIP_VERSION_CHECK=1
unset PIP_FIND_LINKS PIP_CONFIG_FILE PIP_INDEX_URL PIP_NO_INDEX
MKWHEEL="$WHEELFIX_SOURCE_DIR/tests/e2e/make_pure_wheel.py"

mkdir -p "$T/src" "$T/elsewhere" "$T/xdg/pip"
cp -r "$WHEELFIX_SOURCE_DIR/testwheels/projects/wfbuild_pure" "$T/src/"
python3 "$MKWHEEL" "$T/elsewhere" wfiso-dep 1.0 --module wfiso_dep >/dev/null
printf '[global]\nfind-links = %s\n' "$T/elsewhere" >"$T/xdg/pip/pip.conf"
cd "$T"

# build_with_dep HOUSE [ENV...]: builds wfbuild_pure into HOUSE, testing it
# with --test-requires wfiso-dep and a command importing it; prints the exit status.
build_with_dep() {
  local house=$1 rc=0
  shift
  env "$@" "$WHEELFIX" build -q --python "$PY" --no-build-isolation --no-index -w "$house" src/wfbuild_pure \
    --test-requires wfiso-dep --test-command 'python -c "import wfiso_dep, wfbpure"' >/dev/null 2>"$house.err" || rc=$?
  echo "$rc"
}

# --- 1. outside pip settings do not reach the test step --------------------
for how in env user-config config-file; do
  case $how in
    env) set -- PIP_FIND_LINKS="$T/elsewhere" ;;
    user-config) set -- XDG_CONFIG_HOME="$T/xdg" ;;
    config-file) set -- PIP_CONFIG_FILE="$T/xdg/pip/pip.conf" ;;
  esac
  # The setting does reach a plain pip: the package is found through it.
  "$PY" -m pip download -q --no-index -d "$T/probe-$how" wfiso-dep >/dev/null 2>&1 && wf_fail "probe without $how found wfiso-dep"
  env "$@" "$PY" -m pip download -q --no-index -d "$T/probe-$how" wfiso-dep >/dev/null ||
    wf_fail "the $how setting does not make pip find wfiso-dep, so this test would prove nothing"
  rc=$(build_with_dep "$T/house-$how" "$@")
  wf_assert_eq 1 "$rc" "build exit status with wfiso-dep only in a folder set by $how"
  grep -q "installing the wheel into the test venv failed" "$T/house-$how.err" ||
    wf_fail "$how: the build failed for another reason: $(cat "$T/house-$how.err")"
  grep -q "wfiso-dep" "$T"/house-$how/.wheelfix-logs/*.log ||
    wf_fail "$how: pip's log does not name the missing wfiso-dep"
  echo "ok: $how: a test requirement outside the wheelhouse is not installed"
done
# Control: with wfiso-dep in the wheelhouse, the same build passes.
mkdir -p "$T/house-ok"
cp "$T"/elsewhere/*.whl "$T/house-ok/"
rc=$(build_with_dep "$T/house-ok" PIP_FIND_LINKS="$T/elsewhere")
wf_assert_eq 0 "$rc" "build exit status with wfiso-dep in the wheelhouse ($(cat "$T/house-ok.err"))"

# --- 2. --no-binary / --only-binary -------------------------------------------
# wfnb 1.0: a prebuilt wheel (VALUE "prebuilt") and an sdist (VALUE "sdist")
# in one find-links folder; wfsd 1.0: an sdist only.
mkdir -p "$T/links"
python3 "$MKWHEEL" "$T/links" wfnb 1.0 --value prebuilt >/dev/null
"$PY" - "$T/links" <<'PYEOF' || wf_fail "cannot write the sdists"
import io, sys, tarfile
def sdist(name, value):
    files = {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
                          f'[project]\nname = "{name}"\nversion = "1.0"\n',
        f"{name}/__init__.py": f"VALUE = {value!r}\n",
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
    }
    with tarfile.open(f"{sys.argv[1]}/{name}-1.0.tar.gz", "w:gz") as t:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-1.0/{path}")
            info.size, info.mtime = len(data), 1577836800
            t.addfile(info, io.BytesIO(data))
sdist("wfnb", "sdist")
sdist("wfsd", "sdist")
PYEOF
echo "wfnb==1.0" >"$T/req-nb.txt"
value_in() {  # value_in HOUSE: wfnb's VALUE in the wheelhouse's wheel
  python3 -c 'import glob, sys, zipfile
(w,) = glob.glob(sys.argv[1] + "/wfnb-1.0-*.whl")
print(zipfile.ZipFile(w).read("wfnb/__init__.py").decode().strip())' "$1"
}
"$WHEELFIX" build -q -r req-nb.txt --python "$PY" --no-build-isolation --no-index -f "$T/links" -w "$T/nb-default" ||
  wf_fail "build -r req-nb.txt"
wf_assert_eq "VALUE = 'prebuilt'" "$(value_in "$T/nb-default")" "without --no-binary (pip takes the prebuilt wheel)"
"$WHEELFIX" build -q -r req-nb.txt --python "$PY" --no-build-isolation --no-index -f "$T/links" -w "$T/nb-all" \
  --no-binary :all: || wf_fail "build -r req-nb.txt --no-binary :all:"
wf_assert_eq "VALUE = 'sdist'" "$(value_in "$T/nb-all")" "with --no-binary :all: (built from the sdist)"
"$WHEELFIX" build -q -r req-nb.txt --python "$PY" --no-build-isolation --no-index -f "$T/links" -w "$T/nb-only" \
  --no-binary :all: --only-binary wfnb || wf_fail "build -r req-nb.txt --no-binary :all: --only-binary wfnb"
wf_assert_eq "VALUE = 'prebuilt'" "$(value_in "$T/nb-only")" "with --no-binary :all: --only-binary wfnb"
echo "wfsd==1.0" >"$T/req-sd.txt"
rc=0
"$WHEELFIX" build -q -r req-sd.txt --python "$PY" --no-build-isolation --no-index -f "$T/links" -w "$T/sd-only" \
  --only-binary :all: 2>"$T/sd-only.err" || rc=$?
wf_assert_eq 1 "$rc" "build of an sdist-only requirement with --only-binary :all:"
grep -q -- "--only-binary :all:" "$T/sd-only.err" || wf_fail "the error does not show pip's command line: $(cat "$T/sd-only.err")"
echo "build pip settings: ok"
