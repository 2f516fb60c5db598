# shellcheck shell=bash disable=SC2015,SC2016
# Shared helpers for wheelfix's end-to-end tests.  Source it from a test:
#
#   source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
#
# ctest sets WHEELFIX (the binary), WHEELFIX_SOURCE_DIR and WHEELFIX_BUILD_DIR.
# Exit status convention: 0 pass, 1 fail (wf_fail), 77 skip (wf_skip; ctest
# reports it as skipped).  Nothing here uses the network: venvs come from
# /usr/bin/python3 and pip only installs local files with --no-index.

# Prints "FAIL: <test>: MSG" on stderr and exits 1.
wf_fail() {
  echo "FAIL: $(basename "${0:-e2e}"): $*" >&2
  exit 1
}

# Prints "SKIP: <test>: MSG" on stderr and exits 77.
wf_skip() {
  echo "SKIP: $(basename "${0:-e2e}"): $*" >&2
  exit 77
}

# wf_skip_case MSG: says on stderr that one case of the test is skipped (the
# test goes on); scripts/test.sh lists these "SKIP:" lines in its summary.
wf_skip_case() {
  echo "SKIP: $(basename "${0:-e2e}"): $*" >&2
}

# wf_assert_eq EXPECTED ACTUAL [WHAT]: fails unless the strings are equal.
wf_assert_eq() {
  if [ "$1" != "$2" ]; then
    wf_fail "${3:-value}: expected '$1', got '$2'"
  fi
}

# CMD | wf_has [GREP ARGS...] PATTERN: true when some line of stdin matches.
# Reads all of stdin first: `CMD | grep -q` stops reading at the first match,
# so CMD may die of SIGPIPE while still writing, and under pipefail that
# turns a match into a failure.
wf_has() {
  local text
  text=$(cat)
  grep -q "$@" <<<"$text"
}

# Fails unless $WHEELFIX names an executable.
wf_require_wheelfix() {
  [ -n "${WHEELFIX:-}" ] && [ -x "$WHEELFIX" ] ||
    wf_fail "WHEELFIX is not set to an executable wheelfix binary (got '${WHEELFIX:-}')"
}

# wf_mktemp_dir VAR: creates a temporary folder, stores its path in VAR and
# removes it when the shell that sourced this file exits (WF_KEEP_TMP=1
# keeps it).  Call it directly, not in $(...), or the cleanup runs at once.
wf_mktemp_dir() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/wf-e2e.XXXXXX") || wf_fail "mktemp failed"
  if [ -z "${WF_KEEP_TMP:-}" ]; then
    WF_TMP_DIRS="${WF_TMP_DIRS:-} $dir"
  fi
  trap wf_cleanup EXIT
  printf -v "$1" '%s' "$dir"
}

# The EXIT trap of wf_mktemp_dir and wf_http_serve: stops the background
# servers (WF_BG_PIDS), removes the temporary folders (WF_TMP_DIRS), and
# keeps the script's exit status.
wf_cleanup() {
  local rc=$? pid
  for pid in ${WF_BG_PIDS:-}; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # shellcheck disable=SC2086 # a blank-separated list of folders
  [ -z "${WF_TMP_DIRS:-}" ] || rm -rf $WF_TMP_DIRS
  exit "$rc"
}

# wf_http_serve VAR LOG CMD [ARGS...]: runs `CMD ARGS... PORT` in the
# background (a free port on 127.0.0.1 appended as the last argument, as
# `python3 -m http.server --bind 127.0.0.1 --directory DIR` takes it), its
# output to LOG, waits until http://127.0.0.1:PORT/ answers, and stores
# that URL (no trailing slash) in VAR. The server is stopped when the
# script exits. Fails with LOG when it does not answer within 10 s.
# Call it directly, not in $(...).
wf_http_serve() {
  local var=$1 log=$2 port pid url
  shift 2
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
    wf_fail "wf_http_serve: no free port"
  "$@" "$port" >"$log" 2>&1 &
  pid=$!
  WF_BG_PIDS="${WF_BG_PIDS:-} $pid"
  trap wf_cleanup EXIT
  url="http://127.0.0.1:$port"
  python3 - "$url/" <<'PYEOF' || wf_fail "wf_http_serve: $* did not answer on $url: $(cat "$log")"
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2).read()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PYEOF
  printf -v "$var" '%s' "$url"
}

# wf_build_testwheels [DIR]: makes sure the test wheels are built and fresh.
# They are built by testwheels/build.py once per build folder, into
# $WHEELFIX_BUILD_DIR/testwheels, and rebuilt when a file under testwheels/
# is newer than that build's manifest.json (a __pycache__ a test's import
# left there does not count: a rebuild removes the wheels and manifest.json
# that other tests are reading); concurrent tests wait on a lock.
# With DIR, the wheels and manifest.json are also copied into DIR (so a test
# may modify them; private library paths in the manifest still point into
# the cache).  Sets WF_TESTWHEELS to the folder holding the wheels (DIR or
# the cache).  Call it directly, not in $(...).  Fails with build.py's log
# if the build fails.
wf_build_testwheels() {
  local src="${WHEELFIX_SOURCE_DIR:?WHEELFIX_SOURCE_DIR is not set}/testwheels"
  local cache="${WHEELFIX_BUILD_DIR:?WHEELFIX_BUILD_DIR is not set}/testwheels"
  mkdir -p "$cache" || wf_fail "cannot create $cache"
  (
    flock 9 || exit 1
    if [ -f "$cache/manifest.json" ] &&
      [ -z "$(find "$src" -name __pycache__ -prune -o -newer "$cache/manifest.json" -print -quit)" ]; then
      exit 0
    fi
    python3 "$src/build.py" "$cache" >"$cache.log" 2>&1
  ) 9>"$cache.lock" || {
    cat "$cache.log" >&2 2>/dev/null
    wf_fail "testwheels/build.py $cache failed (log: $cache.log)"
  }
  WF_TESTWHEELS="$cache"
  if [ -n "${1:-}" ]; then
    mkdir -p "$1" && cp "$cache"/*.whl "$cache/manifest.json" "$1"/ ||
      wf_fail "cannot copy the test wheels into $1"
    WF_TESTWHEELS="$1"
  fi
}

# wf_tw_field NAME FIELD: prints one field of test wheel NAME from
# $WF_TESTWHEELS/manifest.json (null prints nothing, lists one item a line,
# objects as JSON).  Exits 77 (skip) when this machine did not build NAME.
wf_tw_field() {
  local out rc
  out=$(python3 - "${WF_TESTWHEELS:?call wf_build_testwheels first}/manifest.json" "$1" "$2" <<'EOF'
import json, sys
entries = {e["name"]: e for e in json.load(open(sys.argv[1]))}
if sys.argv[2] not in entries:
    sys.exit(3)
value = entries[sys.argv[2]][sys.argv[3]]
if isinstance(value, list):
    print("\n".join(value))
elif isinstance(value, dict):
    print(json.dumps(value, sort_keys=True))
elif value is not None:
    print(value)
EOF
  )
  rc=$?
  if [ $rc -eq 3 ]; then
    # build.py logs why it did not build a wheel: "skipped NAME: WHY"
    wf_skip "test wheel $1 was not built on this machine:" \
      "$(grep -m1 "^skipped $1: " "$WHEELFIX_BUILD_DIR/testwheels.log" 2>/dev/null || echo "no reason logged")"
  fi
  [ $rc -eq 0 ] || wf_fail "cannot read field $2 of test wheel $1"
  echo "$out"
}

# wf_testwheel NAME: prints the path of test wheel NAME (skips if not built).
wf_testwheel() {
  local file
  file=$(wf_tw_field "$1" wheel) || exit $?
  echo "$WF_TESTWHEELS/$file"
}

# wf_fresh_venv DIR: creates an empty venv in DIR from /usr/bin/python3 (the
# interpreter the test wheels are built for).  Fails if venv is unavailable.
# `python3 -m venv` spends seconds of CPU installing pip each time, so one
# template venv per build folder is made once (under a lock) and copied,
# with its own path in bin/ scripts replaced by DIR's.
wf_fresh_venv() {
  local py=/usr/bin/python3 dir
  [ -x "$py" ] || py=$(command -v python3)
  local template="${WHEELFIX_BUILD_DIR:?WHEELFIX_BUILD_DIR is not set}/venv-template"
  (
    flock 9 || exit 1
    [ -x "$template/bin/python" ] && [ -f "$template/.complete" ] && exit 0
    rm -rf "$template"
    "$py" -m venv "$template" >/dev/null 2>&1 && touch "$template/.complete"
  ) 9>"$template.lock" || wf_fail "$py -m venv $template failed (Debian package python3-venv)"
  rm -rf "$1"
  mkdir -p "$(dirname "$1")" && cp -a "$template" "$1" && rm -f "$1/.complete" ||
    wf_fail "cannot copy the template venv to $1"
  dir=$(cd "$1" && pwd)
  grep -rlF "$template" "$1/bin" | while read -r f; do
    sed -i "s|$template|$dir|g" "$f"
  done
}

# wf_pip_install VENV ARGS...: pip install of local files only (no index, no
# dependencies, quiet).
wf_pip_install() {
  local venv=$1
  shift
  PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$venv/bin/python" -m pip install -q --no-index --no-deps "$@"
}

# wf_check_call VENV NAME: in VENV, imports test wheel NAME's module and
# evaluates its manifest "call" expression; fails unless it is True.  Uses
# the environment as it is (set LD_LIBRARY_PATH yourself if needed).
wf_check_call() {
  local module call
  module=$(wf_tw_field "$2" import) || exit $?
  call=$(wf_tw_field "$2" call) || exit $?
  [ -n "$module" ] || wf_fail "test wheel $2 is not importable here"
  "$1/bin/python" -c "import $module
result = ($call)
assert result is True, 'call returned %r' % (result,)" ||
    wf_fail "$2: 'import $module; $call' did not return True"
}

# True when this shell can run commands in a private mount namespace with a
# file hidden under a bind mount (needs root, or user namespaces).
wf_can_hide_libs() {
  if [ -z "${WF_CAN_HIDE_LIBS:-}" ]; then
    local probe
    probe=$(mktemp "${TMPDIR:-/tmp}/wf-hide.XXXXXX") || return 1
    echo probe >"$probe"
    if unshare -m --propagation private -- sh -c \
      'mount --bind /dev/null "$1" && test ! -s "$1"' sh "$probe" >/dev/null 2>&1; then
      WF_CAN_HIDE_LIBS=yes
    else
      WF_CAN_HIDE_LIBS=no
    fi
    rm -f "$probe"
  fi
  [ "$WF_CAN_HIDE_LIBS" = yes ]
}

# wf_hide_libs "LIB1 LIB2 ..." CMD [ARGS...]: runs CMD in a private mount
# namespace where each listed file (blank- or newline-separated paths, which
# must exist) is replaced by an empty file (/dev/null bind-mounted over it),
# so the loader cannot use it.  CMD may be a program or one of this file's
# functions (they and WF_TESTWHEELS are passed into the namespace's bash).
# Returns CMD's exit status.  Skips the test (exit 77) when unshare -m does
# not work here.
wf_hide_libs() {
  local libs=$1 lib
  shift
  wf_can_hide_libs || wf_skip "wf_hide_libs: 'unshare -m' with bind mounts does not work here (needs root)"
  for lib in $libs; do
    [ -e "$lib" ] || wf_fail "wf_hide_libs: $lib does not exist"
  done
  unshare -m --propagation private -- bash -c "$(declare -f)
$(declare -p WF_TESTWHEELS 2>/dev/null)"'
    for lib in $1; do
      mount --bind /dev/null "$lib" || { echo "wf_hide_libs: cannot hide $lib" >&2; exit 125; }
    done
    shift
    "$@"' wf_hide_libs "$libs" "$@"
}
