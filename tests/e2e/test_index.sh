#!/usr/bin/env bash
# End-to-end test of `wheelfix index`: two runs (two wheelhouses, like two CI
# matrix jobs) into one folder, served by `python3 -m http.server` on
# 127.0.0.1; a fresh venv's pip installs from it with --index-url (honouring
# data-requires-python, and the PEP 658 .metadata files with pip 23.2 or newer;
# test_index_pips.sh tries more pips and name spellings), and another one
# with --find-links DIR/files --no-index.
set -euo pipefail
source "${WHEELFIX_SOURCE_DIR:?WHEELFIX_SOURCE_DIR is not set}/tests/e2e/lib.sh"
wf_require_wheelfix
"$WHEELFIX" index --help >/dev/null 2>&1 || wf_skip "'wheelfix index' is not wired into this binary"

wf_mktemp_dir TMP
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_CONFIG_FILE=/dev/null

# make_wheel DIR DIST VERSION VALUE [REQUIRES_PYTHON]: a pure-Python wheel
# whose module wf_index_demo.VALUE is VALUE (RECORD with real hashes).
make_wheel() {
  local rp=()
  [ $# -lt 5 ] || rp=(--requires-python "$5")
  python3 "$WHEELFIX_SOURCE_DIR/tests/e2e/make_pure_wheel.py" "$1" "$2" "$3" --value "$4" "${rp[@]}" \
    --file-dist "$(tr 'A-Z.-' 'a-z__' <<<"$2")" >/dev/null || wf_fail "make_pure_wheel.py $*"
}

A=$TMP/job-a B=$TMP/job-b C=$TMP/job-c OUT=$TMP/repo
mkdir -p "$A" "$B" "$C"
make_wheel "$A" WF.Index_Demo 1.0 one ">=3.7"
make_wheel "$B" WF.Index_Demo 1.1 eleven ">=3.7"
make_wheel "$B" WF.Index_Demo 2.0 two "<3"        # pip on Python 3 must skip it
make_wheel "$B" wf-index-helper 0.1 helper
make_wheel "$C" WF.Index_Demo 1.0 "different bytes" ">=3.7"

# Usage errors exit 2; two runs merge into one repository.
set +e
"$WHEELFIX" index "$A" >/dev/null 2>&1
rc=$?
set -e
wf_assert_eq 2 "$rc" "exit status without -o"
"$WHEELFIX" index "$A" -o "$OUT" >"$TMP/run1.out" || wf_fail "first index run failed"
"$WHEELFIX" index "$B" -o "$OUT" >"$TMP/run2.out" || wf_fail "second index run failed"
for f in simple/index.html simple/index.json simple/wf-index-demo/index.html simple/wf-index-demo/index.json \
  simple/wf-index-helper/index.html files/wf_index_demo-1.0-py3-none-any.whl.metadata; do
  [ -f "$OUT/$f" ] || wf_fail "missing $OUT/$f"
done
n=$(grep -c '<a href=' "$OUT/simple/wf-index-demo/index.html")
wf_assert_eq 3 "$n" "files listed for wf-index-demo after two runs"

# A file name already indexed with other content: exit 1, named, nothing written.
before=$(cd "$OUT" && find . -type f -exec sha256sum {} + | sort)
set +e
"$WHEELFIX" index "$C" -o "$OUT" >/dev/null 2>"$TMP/conflict.err"
rc=$?
set -e
wf_assert_eq 1 "$rc" "exit status for a conflicting file"
grep -q "wf_index_demo-1.0-py3-none-any.whl" "$TMP/conflict.err" || wf_fail "conflict error does not name the file: $(cat "$TMP/conflict.err")"
after=$(cd "$OUT" && find . -type f -exec sha256sum {} + | sort)
[ "$before" = "$after" ] || wf_fail "a failed run changed the repository"

# Serve it and install with pip from the index.
wf_http_serve BASE "$TMP/http.log" python3 -m http.server --bind 127.0.0.1 --directory "$OUT"
URL="$BASE/simple/"
python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' "$URL" |
  wf_has 'href="wf-index-demo/"' || wf_fail "the server does not serve the root page"

# Requested by the normalized name, which differs from METADATA's Name
# (WF.Index_Demo); tests/e2e/test_index_pips.sh tries more spellings and pips.
wf_fresh_venv "$TMP/venv-index"
"$TMP/venv-index/bin/python" -m pip install -q --index-url "$URL" wf-index-demo wf-index-helper ||
  wf_fail "pip install --index-url $URL failed"
got=$("$TMP/venv-index/bin/python" -c 'import wf_index_demo, wf_index_helper; print(wf_index_demo.VALUE, wf_index_helper.VALUE)')
wf_assert_eq "eleven helper" "$got" "installed from the index (2.0 requires Python <3)"
"$TMP/venv-index/bin/python" -m pip install -q --index-url "$URL" "WF.Index_Demo==1.0" ||
  wf_fail "pip install WF.Index_Demo==1.0 failed"
got=$("$TMP/venv-index/bin/python" -c 'import wf_index_demo; print(wf_index_demo.VALUE)')
wf_assert_eq "one" "$got" "version 1.0 from the first run"
pip_version=$("$TMP/venv-index/bin/python" -c 'import pip; print(pip.__version__)')
if python3 -c "import sys; sys.exit(0 if tuple(map(int, '$pip_version'.split('.')[:2])) >= (23, 2) else 1)"; then
  grep -q 'GET /files/wf_index_demo-1.1-py3-none-any.whl.metadata' "$TMP/http.log" ||
    wf_fail "pip $pip_version did not fetch the PEP 658 .metadata file"
fi

# The JSON pages (PEP 691), through a server that negotiates like the nginx
# recipe in docs/index.md: index.json when Accept asks for the JSON type.
cat >"$TMP/negotiate.py" <<'EOF'
import http.server, os, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def send_head(self):
        if self.path.endswith("/") and os.path.isdir(self.translate_path(self.path)) and \
                "application/vnd.pypi.simple.v1+json" in self.headers.get("Accept", ""):
            self.path += "index.json"
            self.log_message("negotiated %s", self.path)
        return super().send_head()
    def guess_type(self, path):
        if str(path).endswith("index.json"):
            return "application/vnd.pypi.simple.v1+json"
        return super().guess_type(path)
http.server.test(HandlerClass=lambda *a, **k: Handler(*a, directory=sys.argv[1], **k),
                 bind="127.0.0.1", port=int(sys.argv[2]))
EOF
wf_http_serve JBASE "$TMP/json.log" python3 "$TMP/negotiate.py" "$OUT"
JURL="$JBASE/simple/"
wf_fresh_venv "$TMP/venv-json"
"$TMP/venv-json/bin/python" -m pip install -q --index-url "$JURL" WF.Index_Demo ||
  wf_fail "pip install --index-url $JURL (JSON pages) failed"
got=$("$TMP/venv-json/bin/python" -c 'import wf_index_demo; print(wf_index_demo.VALUE)')
wf_assert_eq "eleven" "$got" "installed through the JSON pages"
grep -q 'negotiated /simple/wf-index-demo/index.json' "$TMP/json.log" ||
  wf_fail "pip was not served the JSON project page: $(cat "$TMP/json.log")"

# The same files with --find-links and no index.
wf_fresh_venv "$TMP/venv-links"
"$TMP/venv-links/bin/python" -m pip install -q --no-index --find-links "$OUT/files" wf-index-demo ||
  wf_fail "pip install --find-links $OUT/files failed"
got=$("$TMP/venv-links/bin/python" -c 'import wf_index_demo; print(wf_index_demo.VALUE)')
wf_assert_eq "eleven" "$got" "installed with --find-links"
echo "PASS: test_index.sh"
