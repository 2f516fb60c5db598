#!/usr/bin/env bash
# A `wheelfix index` repository against the pips people run: Debian 12's own
# pip (the venv pip of /usr/bin/python3, 23.0.1 there), the pip of the
# python3 on PATH, the pip wheels bundled with other interpreters found here
# (pyenv's, or WF_INDEX_PIP_WHEELS), and uv when it is installed.
#
# The wheels have METADATA Names in other spellings than the requests:
# PyYAML and MarkupSafe (mixed case) are asked for as `PyYaml==5.4`,
# `pyyaml` and (by WF_Chain.App) `markupsafe`; MarkupSafe depends on
# `wf_chain.base`, whose Name is the normalized `wf-chain-base`. pip 22.3 to 23.1 follows the legacy
# data-dist-info-metadata attribute to the .metadata file and compares its
# Name with the request verbatim (pypa/pip#12038), so with that attribute on
# the page every request below fails on Debian 12's pip ("No matching
# distribution found"). Each client installs (fresh venvs), pins with `==`,
# resolves the dependency chain and runs `pip download`, over a loopback
# `python3 -m http.server`; the server log shows which pips used the PEP 658
# .metadata files.
set -euo pipefail
source "${WHEELFIX_SOURCE_DIR:?WHEELFIX_SOURCE_DIR is not set}/tests/e2e/lib.sh"
wf_require_wheelfix
"$WHEELFIX" index --help >/dev/null 2>&1 || wf_skip "'wheelfix index' is not wired into this binary"
/usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null ||
  wf_skip "/usr/bin/python3 cannot make venvs with pip (Debian: python3-venv)"

wf_mktemp_dir T
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_CONFIG_FILE=/dev/null PIP_NO_INPUT=1
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_NO_INDEX

mkwheel() { python3 "$WHEELFIX_SOURCE_DIR/tests/e2e/make_pure_wheel.py" "$T/wh" "$@" >/dev/null; }
mkdir -p "$T/wh"
mkwheel PyYAML 6.0 --module yaml
mkwheel PyYAML 5.4 --module yaml
mkwheel MarkupSafe 2.1.3 --module markupsafe --requires-dist "wf_chain.base>=1"
mkwheel wf-chain-base 1.0 --module wf_chain_base
mkwheel WF_Chain.App 1.0 --module wf_chain_app --requires-dist "pyyaml>=6" --requires-dist "markupsafe>=2"

"$WHEELFIX" index "$T/wh" -o "$T/repo" -q || wf_fail "wheelfix index failed"
page="$T/repo/simple/pyyaml/index.html"
grep -q 'data-core-metadata="sha256=' "$page" || wf_fail "$page: no data-core-metadata attribute"
! grep -rq 'dist-info-metadata' "$T/repo/simple" ||
  wf_fail "the pages carry the legacy dist-info-metadata name, which pip 22.3-23.1 follows into pypa/pip#12038"

wf_http_serve BASE "$T/http.log" python3 -m http.server --bind 127.0.0.1 --directory "$T/repo"
URL="$BASE/simple/"

version_ge() {  # version_ge VERSION MAJOR MINOR
  python3 -c 'import sys; v = tuple(int(x) for x in sys.argv[1].split(".")[:2]); sys.exit(v < (int(sys.argv[2]), int(sys.argv[3])))' "$@"
}
# check_module VENV MODULE VALUE: VENV's python imports MODULE and finds VALUE.
check_module() {
  local got
  got=$("$1/bin/python" -c "import $2; print($2.VALUE)" 2>&1) || wf_fail "$label: import $2: $got"
  wf_assert_eq "$3" "$got" "$label: $2.VALUE"
}

# run_requests VENV_MAKER PIP: the requests every client makes, in fresh
# venvs made by `VENV_MAKER DIR`; `PIP VENV ARGS...` runs the client's pip
# for that venv. Uses $label in messages.
run_requests() {
  local mk=$1 pip=$2 v=$T/venv-$label
  "$mk" "$v-a"
  $pip "$v-a" install -q --index-url "$URL" pyyaml || wf_fail "$label: install pyyaml (lowercase) failed"
  check_module "$v-a" yaml 6.0
  $pip "$v-a" install -q --index-url "$URL" 'PyYaml==5.4' || wf_fail "$label: install PyYaml==5.4 (over 6.0) failed"
  check_module "$v-a" yaml 5.4
  # wf-chain-app -> pyyaml, markupsafe -> wf_chain.base: every dependency
  # spelled otherwise than the Name of the wheel that provides it.
  "$mk" "$v-b"
  $pip "$v-b" install -q --index-url "$URL" wf-chain-app || wf_fail "$label: install wf-chain-app (a dependency chain) failed"
  check_module "$v-b" wf_chain_app 1.0
  check_module "$v-b" yaml 6.0
  check_module "$v-b" markupsafe 2.1.3
  check_module "$v-b" wf_chain_base 1.0
}

# pip_client LABEL VENV_MAKER: the requests above with the venv's own pip,
# plus `pip download` of the chain; checks the server log for .metadata use.
pip_client() {
  label=$1
  local mk=$2 v=$T/venv-$1 before pipv
  before=$(wc -l <"$T/http.log")
  run_requests "$mk" pip_in
  pipv=$("$v-a/bin/python" -c 'import pip; print(pip.__version__)')
  "$v-a/bin/python" -m pip download -q --index-url "$URL" -d "$T/dl-$label" 'WF_Chain.App==1.0' ||
    wf_fail "$label: pip download WF_Chain.App==1.0 failed"
  got=$(cd "$T/dl-$label" && ls | sort | tr '\n' ' ')
  wf_assert_eq "MarkupSafe-2.1.3-py3-none-any.whl PyYAML-6.0-py3-none-any.whl WF_Chain_App-1.0-py3-none-any.whl wf_chain_base-1.0-py3-none-any.whl " \
    "$got" "$label: pip download of the chain"
  local fetched
  fetched=$(tail -n +"$((before + 1))" "$T/http.log" | grep -c 'GET /files/[^ ]*\.whl\.metadata' || true)
  if version_ge "$pipv" 23 2; then
    [ "$fetched" -gt 0 ] || wf_fail "$label: pip $pipv fetched no PEP 658 .metadata file (data-core-metadata)"
  else
    wf_assert_eq 0 "$fetched" "$label: .metadata files fetched by pip $pipv (which would trip pypa/pip#12038)"
  fi
  echo "ok: pip $pipv ($label): lowercase, mixed case, == pins, dependency chain, download; .metadata fetched: $fetched"
}
pip_in() { local v=$1; shift; "$v/bin/python" -m pip "$@"; }

# Debian's own pip: a venv of /usr/bin/python3 (ensurepip from python3-pip-whl).
debian_venv() { /usr/bin/python3 -m venv "$1" || wf_fail "/usr/bin/python3 -m venv $1"; }
pip_client debian debian_venv
covered=" $("$T/venv-debian-a/bin/python" -c 'import pip; print(pip.__version__)') "

# The pip of the python3 on PATH, when it is another one.
path_py=$(command -v python3)
path_venv() { "$path_py" -m venv "$1" || wf_fail "$path_py -m venv $1"; }
path_pipv=$("$path_py" -c 'import ensurepip; print(ensurepip.version())' 2>/dev/null || true)
if [ -n "$path_pipv" ] && [[ $covered != *" $path_pipv "* ]]; then
  pip_client path path_venv
  covered+="$path_pipv "
else
  echo "python3 on PATH bundles pip ${path_pipv:-(none)}: already covered or no ensurepip"
fi

# More pip versions: their wheels installed into a venv of /usr/bin/python3.
wheels=${WF_INDEX_PIP_WHEELS:-}
if [ -z "$wheels" ] && command -v pyenv >/dev/null; then
  wheels=$(ls "$(pyenv root)"/versions/*/lib/python3*/ensurepip/_bundled/pip-*.whl 2>/dev/null || true)
fi
for whl in $wheels; do
  pipv=$(basename "$whl" | cut -d- -f2)
  [[ $covered != *" $pipv "* ]] || continue
  version_ge "$pipv" 22 0 || continue  # older pips do not run on Python 3.11
  covered+="$pipv "
  pinned_venv() {
    debian_venv "$1"
    "$1/bin/python" -m pip install -q --no-index "$whl" || wf_fail "installing $whl into $1"
  }
  pip_client "pip$pipv" pinned_venv
done
[ -n "$wheels" ] || wf_skip_case "no other pip wheels (pyenv or WF_INDEX_PIP_WHEELS): only the pips above were tried"

# uv, when installed: its own resolver reads data-core-metadata.
if command -v uv >/dev/null; then
  label=uv
  uv_venv() { uv venv -q --python /usr/bin/python3 "$1" || wf_fail "uv venv $1"; }
  uv_pip() { local v=$1; shift; uv pip "$@" --python "$v/bin/python"; }
  run_requests uv_venv uv_pip
  echo "ok: $(uv --version): lowercase, mixed case, == pins, dependency chain"
else
  wf_skip_case "uv is not installed (Debian 12 has no package): not tried"
fi
echo "PASS: test_index_pips.sh (pips:$covered)"
