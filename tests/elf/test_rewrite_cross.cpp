// Cross-architecture rewrites: fixtures built with Debian's cross compilers
// (32/64-bit, little/big-endian, 4 KiB and 64 KiB pages), patched, then run
// under qemu-user with the cross sysroot. Missing tools are skipped with a
// message.
#include <catch.hpp>

#include "test_rewrite_support.hpp"

using namespace wheelfix;
using namespace rwtest;

namespace {

struct Target {
  const char* triple;
  const char* qemu;
  std::uint64_t page;  // expected alignment of the added segment
};

const Target kTargets[] = {
    {"aarch64-linux-gnu", "qemu-aarch64", 65536},
    {"arm-linux-gnueabihf", "qemu-arm", 4096},
    {"i686-linux-gnu", "qemu-i386", 4096},
    {"s390x-linux-gnu", "qemu-s390x", 4096},
    {"powerpc64le-linux-gnu", "qemu-ppc64le", 65536},
    {"riscv64-linux-gnu", "qemu-riscv64", 4096},
};

// p_align of the last PT_LOAD, from readelf.
std::uint64_t last_load_align(const std::string& file) {
  std::istringstream in(capture("readelf -lW '" + file + "'"));
  std::uint64_t align = 0;
  for (std::string line; std::getline(in, line);)
    if (line.find("  LOAD ") != std::string::npos) align = std::stoull(line.substr(line.rfind(' ') + 1), nullptr, 16);
  return align;
}

}  // namespace

TEST_CASE("cross-arch: patched programs and libraries run under qemu", "[rewrite][cross]") {
  int ran = 0;
  for (const auto& t : kTargets) {
    std::string cc = std::string(t.triple) + "-gcc";
    std::string sysroot = std::string("/usr/") + t.triple;
    if (!have(cc) || !have(t.qemu) || !fs::exists(sysroot)) {
      WARN("SKIP: " << t.triple << ": compiler, qemu or sysroot missing");
      continue;
    }
    DYNAMIC_SECTION(t.triple) {
      auto f = build_fixtures(std::string("cross-") + t.triple, cc);
      REQUIRE(!f.dir.empty());
      std::string qemu = std::string(t.qemu) + " -L " + sysroot;
      REQUIRE(run_prog(f.pie, qemu) == 0);
      // Repair-style edit on the library, growing edits on both programs.
      fs::create_directories(f.dir + "/libs");
      std::string grafted = f.dir + "/libs/libdep-99aa88bb.so.1";
      copy(f.libdep, grafted);
      elf::EditPlan dep;
      dep.soname = "libdep-99aa88bb.so.1";
      REQUIRE(elf::rewrite(grafted, dep).ok());
      fs::remove(f.libdep);
      elf::EditPlan lib;
      lib.soname = "libfix-cross-" + std::string(40, 'c') + ".so";
      lib.replace_needed = {{"libdep.so.1", "libdep-99aa88bb.so.1"}};
      lib.rpath_op = elf::RpathOp::set;
      lib.rpath = "$ORIGIN/libs";
      auto r = elf::rewrite(f.libfix, lib);
      INFO((r.ok() ? std::string() : r.error().message));
      REQUIRE(r.ok());
      CHECK(r->layout_changed);
      CHECK(last_load_align(f.libfix) == t.page);
      auto li = elf::parse_file(f.libfix);
      REQUIRE(li.ok());
      CHECK(li->soname == lib.soname);
      REQUIRE(li->version_needs.size() >= 1);
      bool renamed = false;
      for (const auto& v : li->version_needs) renamed = renamed || v.file == "libdep-99aa88bb.so.1";
      CHECK(renamed);
      for (const auto& prog : {f.pie, f.nopie}) {
        auto lint_before = elflint(prog);
        auto size_before = file_size(prog);
        elf::EditPlan p;
        p.rpath_op = elf::RpathOp::set;
        p.rpath = "$ORIGIN:$ORIGIN/" + std::string(120, 'p');
        p.add_debug_tag = true;
        auto pr = elf::rewrite(prog, p);
        INFO(prog << ": " << (pr.ok() ? std::string() : pr.error().message));
        REQUIRE(pr.ok());
        CHECK(run_prog(prog, qemu) == 0);
        CHECK(elflint(prog) == lint_before);
        CHECK(file_size(prog) < size_before + 4096);  // no page padding
      }
      ++ran;
    }
  }
  if (ran == 0) WARN("SKIP: no cross toolchain found; nothing ran");
}
