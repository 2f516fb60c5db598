#!/usr/bin/env bash
# Fault tests for `wheelfix repair`: an output folder that cannot be
# written, a full disk (a small tmpfs, and RLIMIT_FSIZE), SIGKILL and SIGINT
# in the middle of repairing a large wheel, and hundreds of wheels in one
# call.  After every failure: exit status non-zero, a message naming the
# path, no file under the final output name, no temporary file left in the
# output folder, the input unchanged, and a rerun that succeeds.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
wf_build_testwheels
wf_mktemp_dir tmp
simple=$(wf_testwheel simple)

# An ASan build keeps freed memory in quarantine, which would look like
# growth; keep it small for the measurements here.
asan=no
if [ -n "${WHEELFIX_SANITIZED:-}" ] || ldd "$WHEELFIX" 2>/dev/null | wf_has libasan; then
  asan=yes
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
fi

# mkwheels.py SRC OUTDIR COUNT [BIG_MIB]: COUNT copies of wheel SRC under
# distinct names (w<i>), or with BIG_MIB one copy carrying an extra stored
# member of BIG_MIB random MiB (big-0.1.0-...).
cat >"$tmp/mkwheels.py" <<'PY'
import base64, hashlib, os, sys, zipfile
src, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
big = int(sys.argv[4]) if len(sys.argv) > 4 else 0
with zipfile.ZipFile(src) as z:
    members = [(i, z.read(i)) for i in z.infolist()]
old_di = next(i.filename.split("/")[0] for i, _ in members if ".dist-info/" in i.filename)
_, version, plat = os.path.basename(src).split("-", 2)
def h(d):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
for k in range(count):
    dist = "big" if big else f"w{k}"
    di = old_di.replace("simple-", dist + "-", 1)
    rows = []
    with zipfile.ZipFile(os.path.join(out, f"{dist}-{version}-{plat}"), "w", zipfile.ZIP_DEFLATED) as z:
        if big:
            zi = zipfile.ZipInfo("big/blob.bin", (1980, 1, 1, 0, 0, 0))
            zi.external_attr = 0o644 << 16
            sha = hashlib.sha256()
            with z.open(zi, "w", force_zip64=True) as f:
                for _ in range(big):
                    chunk = os.urandom(1 << 20)
                    sha.update(chunk)
                    f.write(chunk)
            rows.append("big/blob.bin,sha256=%s,%d" % (
                base64.urlsafe_b64encode(sha.digest()).rstrip(b"=").decode(), big << 20))
        for info, data in members:
            n = info.filename.replace(old_di, di)
            if n.endswith("/METADATA"):
                data = data.replace(b"Name: simple", b"Name: " + dist.encode())
            if n.endswith("/RECORD"):
                data = ("\n".join(rows + [n + ",,"]) + "\n").encode()
            else:
                rows.append(f"{n},{h(data)},{len(data)}")
            zi = zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0))
            zi.external_attr = info.external_attr
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
PY

# check_clean OUTDIR INPUT SUM: nothing at all in OUTDIR (no final file,
# no temporary), INPUT's checksum is still SUM.
check_clean() {
  [ -z "$(ls -A "$1" 2>/dev/null)" ] || wf_fail "files left in $1: $(ls -A "$1")"
  wf_assert_eq "$3" "$(sha256sum "$2")" "checksum of $2"
}

sum=$(sha256sum "$simple")

# 1. Output folder not writable.
# 1a. Under a regular file: the folder cannot even be created.
touch "$tmp/afile"
set +e
err=$("$WHEELFIX" repair -w "$tmp/afile/out" "$simple" 2>&1 >/dev/null)
rc=$?
set -e
[ "$rc" -ne 0 ] || wf_fail "repair into a folder under a file succeeded"
grep -qF "$tmp/afile/out" <<<"$err" || wf_fail "error does not name the output folder: $err"
wf_assert_eq "$sum" "$(sha256sum "$simple")" "input after a failed repair"

# Private mount namespaces (root) give a read-only folder and a full disk
# that permission bits cannot fake.
can_mount=no
mkdir -p "$tmp/probe"
if unshare -m --propagation private -- mount -t tmpfs -o size=64k tmpfs "$tmp/probe" 2>/dev/null; then
  can_mount=yes
fi
# in_ns SCRIPT: runs bash SCRIPT in a private mount namespace with the
# test's variables exported.
in_ns() {
  WHEELFIX=$WHEELFIX simple=$simple tmp=$tmp unshare -m --propagation private -- bash -c "$1"
}

if [ $can_mount = yes ]; then
  # 1b. A read-only bind mount of an existing, empty output folder.
  mkdir -p "$tmp/ro"
  set +e
  err=$(in_ns 'mount --bind "$tmp/ro" "$tmp/ro" && mount -o remount,ro,bind "$tmp/ro" &&
    "$WHEELFIX" repair -w "$tmp/ro" "$simple"' 2>&1 >/dev/null)
  rc=$?
  set -e
  wf_assert_eq 1 "$rc" "repair into a read-only folder: exit status ($err)"
  grep -qF "$tmp/ro" <<<"$err" || wf_fail "read-only error does not name the folder: $err"
  grep -qi "read-only" <<<"$err" || wf_fail "read-only error does not say why: $err"
  check_clean "$tmp/ro" "$simple" "$sum"

  # 2a. Disk full: a 1 MiB tmpfs as output folder, a wheel of 4 MiB.
  mkdir -p "$tmp/fullsrc" "$tmp/full"
  python3 "$tmp/mkwheels.py" "$simple" "$tmp/fullsrc" 1 4 || wf_fail "mkwheels.py failed"
  big4=$(ls "$tmp"/fullsrc/big-*.whl)
  sum4=$(sha256sum "$big4")
  set +e
  err=$(big4=$big4 in_ns 'mount -t tmpfs -o size=1m tmpfs "$tmp/full" &&
    "$WHEELFIX" repair -w "$tmp/full" "$big4"; rc=$?; ls -A "$tmp/full" >"$tmp/full.ls"; exit $rc' 2>&1 >/dev/null)
  rc=$?
  set -e
  wf_assert_eq 1 "$rc" "repair onto a full disk: exit status ($err)"
  grep -qF "$tmp/full" <<<"$err" || wf_fail "disk-full error does not name the output: $err"
  grep -qi "no space left" <<<"$err" || wf_fail "disk-full error does not say why: $err"
  [ ! -s "$tmp/full.ls" ] || wf_fail "files left on the full disk: $(cat "$tmp/full.ls")"
  wf_assert_eq "$sum4" "$(sha256sum "$big4")" "input after the disk-full failure"

  # 2b. A full TMPDIR: an ELF member over the analysis' in-memory share (its
  # .so padded to 80 MiB) is inflated into $TMPDIR, here a 1 MiB tmpfs.  show
  # and repair fail naming the member, the folder and the remedy.
  mkdir -p "$tmp/bigelf" "$tmp/smalltmp" "$tmp/bigelf-out"
  python3 - "$simple" "$tmp/bigelf" <<'PY' || wf_fail "making the padded-ELF wheel failed"
import base64, hashlib, os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
def h(d):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
with zipfile.ZipFile(src) as z:
    members = [(i.filename, z.read(i)) for i in z.infolist()]
members = [(n, d + bytes(80 << 20) if n.endswith(".so") else d) for n, d in members]
record = next(n for n, _ in members if n.endswith(".dist-info/RECORD"))
rows = "".join(f"{n},{h(d)},{len(d)}\n" for n, d in members if n != record) + record + ",,\n"
with zipfile.ZipFile(os.path.join(out, os.path.basename(src)), "w", zipfile.ZIP_DEFLATED) as z:
    for n, d in members:
        z.writestr(n, rows.encode() if n == record else d)
PY
  bigelf=$(ls "$tmp"/bigelf/*.whl)
  for cmd in show "repair -j 1 -w $tmp/bigelf-out"; do
    set +e
    # shellcheck disable=SC2016
    err=$(bigelf=$bigelf cmd=$cmd in_ns 'mount -t tmpfs -o size=1m tmpfs "$tmp/smalltmp" &&
      TMPDIR="$tmp/smalltmp" "$WHEELFIX" $cmd "$bigelf"' 2>&1 >/dev/null)
    rc=$?
    set -e
    wf_assert_eq 1 "$rc" "$cmd with a full TMPDIR: exit status ($err)"
    grep -qF "$tmp/smalltmp" <<<"$err" || wf_fail "$cmd: full-TMPDIR error does not name the folder: $err"
    grep -q "simple.cpython-311-x86_64-linux-gnu.so: inflating its 80 MiB" <<<"$err" ||
      wf_fail "$cmd: full-TMPDIR error does not name the member: $err"
    grep -q "set TMPDIR" <<<"$err" || wf_fail "$cmd: full-TMPDIR error gives no remedy: $err"
  done
  [ -z "$(ls -A "$tmp/bigelf-out")" ] || wf_fail "repair with a full TMPDIR left files: $(ls -A "$tmp/bigelf-out")"
else
  wf_skip_case "no private mount namespace here (unshare -m refused): read-only and tmpfs cases"
fi

# 2b. Disk full as RLIMIT_FSIZE (works unprivileged): writes beyond 1 MiB
# fail with EFBIG (SIGXFSZ ignored so the process sees the error).
mkdir -p "$tmp/fsrc" "$tmp/fsize"
python3 "$tmp/mkwheels.py" "$simple" "$tmp/fsrc" 1 4 || wf_fail "mkwheels.py failed"
big4=$(ls "$tmp"/fsrc/big-*.whl)
sum4=$(sha256sum "$big4")
set +e
err=$(trap '' XFSZ; ulimit -f 1024; "$WHEELFIX" repair -w "$tmp/fsize" "$big4" 2>&1 >/dev/null)
rc=$?
set -e
wf_assert_eq 1 "$rc" "repair over RLIMIT_FSIZE: exit status ($err)"
grep -qF "$tmp/fsize" <<<"$err" || wf_fail "RLIMIT_FSIZE error does not name the output: $err"
check_clean "$tmp/fsize" "$big4" "$sum4"
"$WHEELFIX" repair -q -w "$tmp/fsize" "$big4" || wf_fail "rerun after RLIMIT_FSIZE failed"
[ "$(ls -A "$tmp/fsize" | wc -l)" -eq 1 ] || wf_fail "rerun left other files: $(ls -A "$tmp/fsize")"

# 3. Signals in the middle of a large repair (a 384 MiB random member, a
# second or more of work).  Background jobs of a non-interactive shell start
# with SIGINT ignored; env --default-signal gives the repair the default
# disposition a user's terminal would.
mkdir -p "$tmp/bigsrc"
python3 "$tmp/mkwheels.py" "$simple" "$tmp/bigsrc" 1 384 || wf_fail "mkwheels.py failed"
big=$(ls "$tmp"/bigsrc/big-*.whl)
bigsum=$(sha256sum "$big")
final=$(basename "$big" | sed 's/linux_x86_64/manylinux1_x86_64.manylinux_2_5_x86_64/')
for sig in KILL INT TERM; do
  out="$tmp/sig-$sig"
  mkdir -p "$out"
  env --default-signal=INT,TERM "$WHEELFIX" repair -q -j 2 -w "$out" "$big" 2>"$tmp/sig-$sig.err" &
  pid=$!
  # Wait until the repair is writing (its output file has data), then strike.
  fd_seen=no
  for _ in $(seq 1 3000); do
    if [ -n "$(find "/proc/$pid/fd" -lname "$out/*" 2>/dev/null | head -1)" ]; then
      fd_seen=yes
      break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  [ $fd_seen = yes ] || wf_fail "SIG$sig: repair never had a file open in $out (finished too fast?)"
  sleep 0.1
  kill -0 "$pid" 2>/dev/null || wf_fail "SIG$sig: repair finished before the signal; use a bigger wheel"
  kill -s "$sig" "$pid"
  set +e
  wait "$pid"
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || wf_fail "SIG$sig: repair exited 0 after the signal"
  [ ! -e "$out/$final" ] || wf_fail "SIG$sig: a file exists under the final name"
  check_clean "$out" "$big" "$bigsum"
  "$WHEELFIX" repair -q -j 2 -w "$out" "$big" || wf_fail "SIG$sig: rerun failed"
  [ -f "$out/$final" ] || wf_fail "SIG$sig: rerun did not write $final: $(ls -A "$out")"
  rm -f "$out/$final"
done

# 4. Many wheels in one call: every one repaired, peak RSS flat in the count.
mkdir -p "$tmp/many200" "$tmp/many20" "$tmp/o200" "$tmp/o20"
python3 "$tmp/mkwheels.py" "$simple" "$tmp/many200" 200 || wf_fail "mkwheels.py failed"
for i in $(seq 0 19); do cp "$tmp"/many200/w$i-*.whl "$tmp/many20/"; done
wf_assert_eq 20 "$(ls "$tmp"/many20/*.whl | wc -l)" "wheels in the 20-wheel set"
rss() {  # OUTDIR WHEELS...: runs repair -j 2 and prints its peak RSS in KiB
  local out=$1
  shift
  /usr/bin/time -v -o "$out.time" "$WHEELFIX" repair -q -j 2 -w "$out" "$@" ||
    wf_fail "repair of $# wheels failed"
  awk -F': ' '/Maximum resident set size/ {print $2}' "$out.time"
}
rss20=$(rss "$tmp/o20" "$tmp"/many20/*.whl)
rss200=$(rss "$tmp/o200" "$tmp"/many200/*.whl)
wf_assert_eq 200 "$(ls "$tmp"/o200/*-manylinux1_x86_64.manylinux_2_5_x86_64.whl | wc -l)" "repaired wheels out of 200"
wf_assert_eq 20 "$(ls "$tmp"/o20/*-manylinux1_x86_64.manylinux_2_5_x86_64.whl | wc -l)" "repaired wheels out of 20"
echo "peak RSS: 20 wheels ${rss20} KiB, 200 wheels ${rss200} KiB"
# Flat: 10x the wheels may cost at most 25% (and 4 MiB) more memory.  Not
# under ASan: its allocator and fake stacks (detect_stack_use_after_return)
# keep memory per thread started, so RSS there measures ASan, not wheelfix.
if [ $asan = no ]; then
  [ "$rss200" -le $((rss20 * 5 / 4 + 4096)) ] ||
    wf_fail "peak RSS grows with the number of wheels: 20 -> ${rss20} KiB, 200 -> ${rss200} KiB"
else
  echo "note: ASan build, peak RSS not compared" >&2
fi
echo "ok: fault tests"
