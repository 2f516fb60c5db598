#!/usr/bin/env bash
# What `wheelfix patchelf` edits, as patchelf does: the file a path resolves
# to (a symlink stays a symlink and its target is edited), every hard link of
# it, with its owner and mode kept; an output or target that is not a regular
# file (a device, a FIFO) is written into, never replaced.  /dev/null is
# tried only inside a private mount namespace, over a device node of the
# test's own, so a regression cannot damage this machine.  Every edited
# library is loaded and called.
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
command -v gcc >/dev/null || wf_skip "gcc not installed"
wf_mktemp_dir T
mkdir "$T/bin"
ln -s "$WHEELFIX" "$T/bin/patchelf"
PE="$T/bin/patchelf"
cd "$T"
unset LD_LIBRARY_PATH

cat >lib.c <<'EOF'
int wf_answer(void) { return 42; }
EOF
cat >main.c <<'EOF'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
  void *h = dlopen(argv[1], RTLD_NOW);
  if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  int (*f)(void) = (int (*)(void))dlsym(h, "wf_answer");
  printf("%d\n", f ? f() : -1);
  return 0;
}
EOF
gcc -shared -fPIC -o lib.so lib.c -Wl,-soname,libwf.so.1
gcc -o loader main.c -ldl
soname() { "$PE" --print-soname "$1"; }
# works FILE: the edited library still loads and answers.
works() { wf_assert_eq 42 "$(./loader "$(realpath "$1")")" "calling wf_answer in $1"; }
# grow: a long RUNPATH that does not fit in place, so the file is rewritten
grow=$(printf '/wf/%0200d' 0)

# 1. A symlink stays a symlink; the file it names is edited.
cp lib.so real.so
ln -s real.so link.so
"$PE" --set-rpath "$grow" link.so
[ -L link.so ] || wf_fail "the symlink was replaced by a regular file"
wf_assert_eq real.so "$(readlink link.so)" "symlink target"
wf_assert_eq "$grow" "$("$PE" --print-rpath real.so)" "RUNPATH of the symlink's target"
works real.so

# 2. Hard links stay one file: all names see the edit, the inode is kept.
cp lib.so hard1.so
ln hard1.so hard2.so
inode=$(stat -c %i hard1.so)
"$PE" --set-soname libhard.so.9 --set-rpath "$grow" hard1.so
wf_assert_eq "$inode" "$(stat -c %i hard1.so)" "inode of a hard-linked file"
wf_assert_eq libhard.so.9 "$(soname hard2.so)" "SONAME seen through the other hard link"
wf_assert_eq 2 "$(stat -c %h hard1.so)" "link count"
works hard2.so

# 3. Owner and mode are kept (another user's file, as root).
cp lib.so owned.so
chmod 0751 owned.so
if [ "$(id -u)" -eq 0 ]; then
  chown 1234:5678 owned.so
  "$PE" --set-rpath "$grow" owned.so
  wf_assert_eq "1234:5678" "$(stat -c %u:%g owned.so)" "owner after an in-place edit"
else
  wf_skip_case "owner kept: not root, cannot give a file to another user"
  "$PE" --set-rpath "$grow" owned.so
fi
wf_assert_eq 751 "$(stat -c %a owned.so)" "mode after an in-place edit"
works owned.so

# 4. --output through a symlink writes the file it names.
cp lib.so out-real.so
ln -s out-real.so out-link.so
"$PE" --set-soname libout.so.2 --output out-link.so lib.so
[ -L out-link.so ] || wf_fail "--output replaced a symlink"
wf_assert_eq libout.so.2 "$(soname out-real.so)" "SONAME written through an --output symlink"
works out-real.so

# 5. --output to a FIFO: written into (a reader gets the whole edited file).
mkfifo pipe
cat pipe >from-pipe.so &
reader=$!
"$PE" --set-soname libpipe.so.3 --set-rpath "$grow" --output pipe lib.so
wait "$reader"
[ -p pipe ] || wf_fail "--output replaced the FIFO"
"$PE" --set-soname libpipe.so.3 --set-rpath "$grow" --output expected.so lib.so
cmp -s expected.so from-pipe.so || wf_fail "the FIFO's reader did not get the edited file"
works from-pipe.so

# 6. --output /dev/null (patchelf's own invalid-elf test does this as root):
# over a private device node, in a private mount namespace.
if [ "$(id -u)" -eq 0 ] && wf_can_hide_libs; then
  out=$(unshare -m --propagation private -- bash -c '
    set -e
    mkdir "$1/dev" && mount -t tmpfs tmpfs "$1/dev" && mknod "$1/dev/null" c 1 3
    mount --bind "$1/dev/null" /dev/null
    "$2" --set-soname libnull.so.1 --output /dev/null "$1/lib.so"
    [ -c /dev/null ] || { echo "/dev/null is no longer a device"; exit 1; }
    echo ok' bash "$T" "$PE" 2>&1) || wf_fail "--output /dev/null: $out"
  wf_assert_eq ok "$(tail -n1 <<<"$out")" "--output /dev/null"
  # the namespace's own node: our device file must still be one
  unshare -m --propagation private -- bash -c '
    mkdir -p "$1/dev2" && mount -t tmpfs tmpfs "$1/dev2" && mknod "$1/dev2/null" c 1 3 &&
    "$2" --set-soname x --output "$1/dev2/null" "$1/lib.so" && [ -c "$1/dev2/null" ]' bash "$T" "$PE" ||
    wf_fail "--output to a device node replaced it"
else
  wf_skip_case "--output /dev/null: needs root and a private mount namespace (unshare -m)"
fi

# 7. Bad targets are errors that name them; the input is untouched.
before=$(sha256sum lib.so)
mkdir adir
if err=$("$PE" --set-soname x --output adir lib.so 2>&1); then wf_fail "--output to a folder succeeded"; fi
wf_has -F "adir" <<<"$err" || wf_fail "the error does not name the folder: $err"
wf_assert_eq "$before" "$(sha256sum lib.so)" "input after a failed edit"
echo "patchelf in place: ok"
