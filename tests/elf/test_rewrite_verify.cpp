// verify_rewrite: the read-back check every rewrite passes before its
// output is kept. A rewriter bug shows as an output that does not parse or
// does not show the edits; both must be caught, and an input only the
// rewriter's own reader accepts must not be.
#include <catch.hpp>

#include <vector>

#include "elf/rewrite_internal.hpp"
#include "test_rewrite_support.hpp"
#include "wheelfix/elf/rewriter.hpp"

using namespace wheelfix;
using namespace rwtest;

namespace {

std::string verify(const std::vector<std::uint8_t>& before, const std::vector<std::uint8_t>& after,
                   const elf::EditPlan& plan) {
  auto st = elf::rw::verify_rewrite(util::Bytes(before.data(), before.size()), util::Bytes(after.data(), after.size()),
                                    "pkg/libfix.so", plan);
  return st.ok() ? std::string("<ok>") : st.error().message;
}

}  // namespace

TEST_CASE("a rewritten file is read back against the plan", "[rewrite][verify]") {
  auto f = build_fixtures("verify");
  REQUIRE(!f.dir.empty());
  const auto lib = read_all(f.libfix);
  elf::EditPlan plan;
  plan.soname = "libfix-0123abcd.so";
  plan.replace_needed = {{"libdep.so.1", "libdep-89abcdef.so.1"}};
  plan.rpath_op = elf::RpathOp::set;
  plan.rpath = "$ORIGIN/../pkg.libs";
  auto out = elf::rewrite_bytes(util::Bytes(lib.data(), lib.size()), "pkg/libfix.so", plan);
  REQUIRE(out.ok());
  REQUIRE(*out);
  const auto& good = **out;
  CHECK(verify(lib, good, plan) == "<ok>");

  // The unchanged input does not show the edits.
  CHECK(verify(lib, lib, plan) ==
        "pkg/libfix.so: the rewritten file does not read back as planned (DT_SONAME is not libfix-0123abcd.so); "
        "it was not kept. Please report this with the input file");
  elf::EditPlan needed_only;
  needed_only.replace_needed = plan.replace_needed;
  CHECK(verify(lib, lib, needed_only).find("(DT_NEEDED libdep.so.1 was not replaced by libdep-89abcdef.so.1)") !=
        std::string::npos);
  elf::EditPlan rpath_only;
  rpath_only.rpath_op = elf::RpathOp::set;
  rpath_only.rpath = plan.rpath;
  CHECK(verify(lib, lib, rpath_only).find("(DT_RUNPATH is not $ORIGIN/../pkg.libs)") != std::string::npos);
  rpath_only.force_rpath = true;
  CHECK(verify(lib, good, rpath_only).find("(DT_RPATH is not") != std::string::npos);
  // A replacement that was removed again is not expected.
  needed_only.remove_needed = {"libdep-89abcdef.so.1"};
  CHECK(verify(lib, lib, needed_only) == "<ok>");

  // An output the reader refuses.
  auto cut = good;
  cut.resize(64);
  CHECK(verify(lib, cut, plan).rfind("pkg/libfix.so: the rewritten file does not read back (", 0) == 0);

  // An input the reader refuses (only the rewriter's reader took it):
  // nothing to compare with.
  auto bad_in = lib;
  bad_in.resize(64);
  CHECK(verify(bad_in, cut, plan) == "<ok>");
}
