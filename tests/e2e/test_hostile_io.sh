#!/usr/bin/env bash
# Hostile files and timing (issue 12, round two):
#  1. SIGKILL, SIGINT and SIGTERM while `repair --strip` waits for strip:
#     nothing is left in the output folder (the scratch files have no name);
#  2. the input wheel truncated while repair reads it (mapped): exit status
#     1 and an error naming the wheel, not a SIGBUS crash; nothing written;
#  3. a FIFO (or a folder) named like a wheel or an ELF file: show, repair
#     and lddtree refuse it at once ("not a regular file") instead of
#     waiting for a writer.
# A fake `strip` first in PATH holds repair at a known point: it records its
# pid and sleeps (1), or truncates the input and runs the real strip (2).
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_build_testwheels
wf_mktemp_dir tmp
unset LD_LIBRARY_PATH WHEELFIX_PLAT AUDITWHEEL_PLAT
simple=$(wf_testwheel simple)
real_strip=$(command -v strip) || wf_skip "strip not found (Debian package binutils)"
mkdir -p "$tmp/sleepbin" "$tmp/truncbin"
cat >"$tmp/sleepbin/strip" <<EOF
#!/bin/sh
echo \$\$ >"$tmp/strip.pid"
exec sleep 60
EOF
cat >"$tmp/truncbin/strip" <<EOF
#!/bin/sh
: >"\$WF_TRUNCATE"
exec "$real_strip" "\$@"
EOF
chmod +x "$tmp/sleepbin/strip" "$tmp/truncbin/strip"

# --- 1. Signals while strip runs.
for sig in KILL INT TERM; do
  out="$tmp/strip-$sig"
  mkdir -p "$out"
  rm -f "$tmp/strip.pid"
  PATH="$tmp/sleepbin:$PATH" env --default-signal=INT,TERM "$WHEELFIX" repair -q --strip -w "$out" "$simple" \
    2>"$tmp/strip-$sig.err" &
  pid=$!
  for _ in $(seq 1 1000); do
    [ -s "$tmp/strip.pid" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  [ -s "$tmp/strip.pid" ] || wf_fail "SIG$sig: repair --strip never ran strip: $(cat "$tmp/strip-$sig.err")"
  kill -s "$sig" "$pid"
  set +e
  wait "$pid"
  rc=$?
  set -e
  kill "$(cat "$tmp/strip.pid")" 2>/dev/null || true  # the fake strip's sleep
  [ "$rc" -ne 0 ] || wf_fail "SIG$sig: repair exited 0"
  [ -z "$(ls -A "$out")" ] || wf_fail "SIG$sig during strip left files in the output folder: $(ls -lA "$out")"
done
# And with the real strip, the stripped wheel is written and nothing else.
"$WHEELFIX" repair -q --strip -w "$tmp/strip-ok" "$simple" || wf_fail "repair --strip failed"
wf_assert_eq 1 "$(ls -A "$tmp/strip-ok" | wc -l)" "files after repair --strip"
echo "ok: no scratch file left by signals during strip"

# --- 2. The input truncated while mapped.
mkdir -p "$tmp/trunc" "$tmp/trunc-out"
victim="$tmp/trunc/$(basename "$simple")"
cp "$simple" "$victim"
rc=0
WF_TRUNCATE=$victim PATH="$tmp/truncbin:$PATH" "$WHEELFIX" repair -q --strip -w "$tmp/trunc-out" "$victim" \
  2>"$tmp/trunc.err" || rc=$?
[ ! -s "$victim" ] || wf_fail "the fake strip did not truncate the input"
wf_assert_eq 1 "$rc" "repair of an input truncated while read: exit status ($(cat "$tmp/trunc.err"))"
grep -qF "wheelfix: error: $victim: the file shrank while it was being read" "$tmp/trunc.err" ||
  wf_fail "the error does not name the truncated input: $(cat "$tmp/trunc.err")"
[ -z "$(ls -A "$tmp/trunc-out")" ] || wf_fail "files written from a truncated input: $(ls -A "$tmp/trunc-out")"
echo "ok: an input truncated while read is an error naming it"

# --- 3. Inputs that are not regular files.
mkdir -p "$tmp/fifo" "$tmp/fifo-out" "$tmp/dir/$(basename "$simple")"
fifo_whl="$tmp/fifo/$(basename "$simple")"
mkfifo "$fifo_whl" "$tmp/fifo/lib.so"
for cmd in "show $fifo_whl" "repair -w $tmp/fifo-out $fifo_whl" "lddtree $tmp/fifo/lib.so" \
  "show $tmp/dir/$(basename "$simple")"; do
  rc=0
  # shellcheck disable=SC2086
  timeout 20 "$WHEELFIX" $cmd >/dev/null 2>"$tmp/fifo.err" || rc=$?
  [ "$rc" -ne 124 ] || wf_fail "$cmd: still waiting after 20 s"
  wf_assert_eq 1 "$rc" "$cmd: exit status ($(cat "$tmp/fifo.err"))"
  grep -q "not a regular file" "$tmp/fifo.err" || wf_fail "$cmd: no clear error: $(cat "$tmp/fifo.err")"
done
[ -z "$(ls -A "$tmp/fifo-out")" ] || wf_fail "repair of a FIFO wrote files"
echo "ok: hostile files and timing"
