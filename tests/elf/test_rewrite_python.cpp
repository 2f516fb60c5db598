// The repair edit on a Python extension module: graft its dependency under
// a hashed name, rename DT_NEEDED, set RPATH, then import it in python3.
#include <catch.hpp>

#include "test_rewrite_support.hpp"

using namespace wheelfix;
using namespace rwtest;

TEST_CASE("a patched Python extension module imports and works", "[rewrite][python]") {
  std::string includes = capture("python3-config --includes");
  std::string suffix = capture("python3 -c \"import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))\"");
  if (includes.empty() || suffix.size() < 4) {
    WARN("SKIP: python3 development headers not found");
    return;
  }
  includes.pop_back();
  suffix.pop_back();
  auto f = build_fixtures("python");
  REQUIRE(!f.dir.empty());
  std::string pkg = f.dir + "/pkg";
  fs::create_directories(pkg + "/pkg.libs");
  std::string ext = pkg + "/_wfext" + suffix;
  REQUIRE(run("gcc -shared -fPIC " + includes + " -o " + ext + " " + fixtures() + "/pyext.c -L" + f.dir + " -lfix") == 0);
  // Vendor libfix.so (and its own dependency) the way repair does.
  copy(f.libfix, pkg + "/pkg.libs/libfix-5eed1234.so");
  copy(f.libdep, pkg + "/pkg.libs/libdep.so.1");
  elf::EditPlan lib;
  lib.soname = "libfix-5eed1234.so";
  lib.rpath_op = elf::RpathOp::set;
  lib.rpath = "$ORIGIN";
  REQUIRE(elf::rewrite(pkg + "/pkg.libs/libfix-5eed1234.so", lib).ok());
  std::string import = "cd " + f.dir + " && python3 -c 'import pkg._wfext as m; print(m.value())'";
  CHECK(capture(import).empty());  // not importable yet: libfix.so is not on any path
  elf::EditPlan plan;
  plan.replace_needed = {{"libfix.so", "libfix-5eed1234.so"}};
  plan.rpath_op = elf::RpathOp::set;
  plan.rpath = "$ORIGIN/pkg.libs";
  auto r = elf::rewrite(ext, plan);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  CHECK(capture(import) == "42\n");
}
