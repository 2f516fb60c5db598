#!/usr/bin/env bash
# The static binary (scripts/build-static.sh, -DWHEELFIX_STATIC=ON): no
# dynamic section / DT_NEEDED, `file` calls it statically linked, and copied
# alone into an empty folder (no policies/ beside it) it runs show, repair and
# the multi-call names with its embedded policies, with the same results as
# the ordinary build. Building it is a second full build, so this test only
# runs when WHEELFIX_STATIC_BINARY names one (skips with 77 otherwise):
#   bash scripts/build-static.sh &&
#   WHEELFIX_STATIC_BINARY=$PWD/build-static/wheelfix ctest -R e2e_test_static
set -euo pipefail
source "$WHEELFIX_SOURCE_DIR/tests/e2e/lib.sh"
wf_require_wheelfix
[ -n "${WHEELFIX_STATIC_BINARY:-}" ] ||
  wf_skip "WHEELFIX_STATIC_BINARY is not set: the static stage runs it (WHEELFIX_TEST_STAGES=static bash scripts/test.sh)"
[ -x "$WHEELFIX_STATIC_BINARY" ] || wf_fail "WHEELFIX_STATIC_BINARY=$WHEELFIX_STATIC_BINARY is not executable"
wf_mktemp_dir T
wf_build_testwheels

# --- no dynamic dependencies ----------------------------------------------------
if readelf -d "$WHEELFIX_STATIC_BINARY" | wf_has '(NEEDED)'; then
  wf_fail "static binary has DT_NEEDED entries: $(readelf -d "$WHEELFIX_STATIC_BINARY" | grep NEEDED)"
fi
readelf -l "$WHEELFIX_STATIC_BINARY" | wf_has 'INTERP' && wf_fail "static binary has a PT_INTERP (needs a loader)"
if command -v file >/dev/null; then
  file -L "$WHEELFIX_STATIC_BINARY" | wf_has "statically linked" ||
    wf_fail "file does not call it statically linked: $(file -L "$WHEELFIX_STATIC_BINARY")"
fi

# --- alone in an empty folder, with the embedded policies -----------------------
mkdir -p "$T/alone"
cp "$WHEELFIX_STATIC_BINARY" "$T/alone/wheelfix"
bin="$T/alone/wheelfix"
"$bin" --version | wf_has "statically linked" || wf_fail "--version: $("$bin" --version)"
cd "$T/alone"
for name in simple privlib cxxext; do
  whl=$(wf_testwheel $name)
  # (Dynamic build, policies beside it) vs (static binary, embedded policies).
  libs="$WF_TESTWHEELS/privlib-libs"
  LD_LIBRARY_PATH="$libs" "$WHEELFIX" show --json "$whl" >"$T/dyn-$name.json" || wf_fail "show $name (dynamic build)"
  LD_LIBRARY_PATH="$libs" env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH="$libs" "$bin" show --json "$whl" \
    >"$T/static-$name.json" || wf_fail "show $name with the static binary (embedded policies)"
  cmp "$T/dyn-$name.json" "$T/static-$name.json" ||
    wf_fail "show --json of $name differs between the dynamic and the static binary"
done
privlib=$(wf_testwheel privlib)
LD_LIBRARY_PATH="$WF_TESTWHEELS/privlib-libs" "$bin" repair -q -w "$T/static-out" "$privlib" || wf_fail "static repair"
LD_LIBRARY_PATH="$WF_TESTWHEELS/privlib-libs" "$WHEELFIX" repair -q -w "$T/dyn-out" "$privlib" || wf_fail "dynamic repair"
cmp "$T"/static-out/*.whl "$T"/dyn-out/*.whl || wf_fail "static and dynamic repair wrote different wheels"
ls "$T/alone" | grep -qv '^wheelfix$' && wf_fail "the static binary wrote files beside itself: $(ls "$T/alone")"

# --- multi-call names work for the static binary too ---------------------------
"$bin" install-links -q "$T/alone" || wf_fail "install-links"
lib=$WF_TESTWHEELS/privlib-libs/libwfpriv.so.1
wf_assert_eq "$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')" "$("$T/alone/patchelf" --print-needed "$lib")" \
  "static patchelf --print-needed"
"$T/alone/auditwheel" show "$(wf_testwheel simple)" | wf_has manylinux_2_5_x86_64 || wf_fail "static auditwheel show"
echo "static: ok"
