// claimed_tag_problems: a wheel's name against its evaluated binaries.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "wheelfix/policy/claimed_tags.hpp"

using namespace wheelfix;
using namespace wheelfix::policy;
using namespace wheelfix::policy::test;

namespace {

using Tags = std::vector<std::string>;

// An x86_64 glibc extension needing GLIBC_<version>.
Evaluation glibc_ext(const std::string& version, elf::Arch arch = elf::Arch::x86_64) {
  GraphBuilder b;
  int ext = b.wheel("pkg/_ext.so", arch);
  int libc = b.external("/lib/libc.so.6", arch);
  b.need(ext, "libc.so.6", libc);
  b.ref(ext, "libc.so.6", "GLIBC_" + version);
  return evaluate(b.graph, real_policies());
}

}  // namespace

TEST_CASE("tags the binaries reach, or that claim less, hold") {
  Evaluation ev = glibc_ext("2.17");
  const PolicySet& ps = real_policies();
  CHECK(claimed_tag_problems(Tags{"linux_x86_64"}, ev, ps).empty());
  CHECK(claimed_tag_problems(Tags{"manylinux2014_x86_64", "manylinux_2_17_x86_64"}, ev, ps).empty());
  CHECK(claimed_tag_problems(Tags{"manylinux_2_28_x86_64"}, ev, ps).empty());  // less than reached
  CHECK(claimed_tag_problems(Tags{"any"}, ev, ps).empty());
  CHECK(claimed_tag_problems(Tags{"win_amd64", "macosx_11_0_arm64"}, ev, ps).empty());  // not Linux tags
  CHECK(claimed_tag_problems(Tags{"manylinux_2_99_x86_64"}, ev, ps).empty());  // unknown policy: arch only
}

TEST_CASE("a tag for another arch is contradicted") {
  Evaluation ev = glibc_ext("2.17");
  const PolicySet& ps = real_policies();
  CHECK(claimed_tag_problems(Tags{"linux_aarch64"}, ev, ps) ==
        Tags{"tagged linux_aarch64, but its ELF files are x86_64"});
  CHECK(claimed_tag_problems(Tags{"manylinux_2_99_ppc64"}, ev, ps) ==
        Tags{"tagged manylinux_2_99_ppc64, but its ELF files are x86_64"});
  // ppc64le is not read as "ppc64" plus junk, nor the reverse.
  Evaluation le = glibc_ext("2.17", elf::Arch::ppc64le);
  CHECK(claimed_tag_problems(Tags{"manylinux2014_ppc64le"}, le, ps).empty());
  CHECK(claimed_tag_problems(Tags{"manylinux2014_ppc64"}, le, ps) ==
        Tags{"tagged manylinux2014_ppc64, but its ELF files are ppc64le"});
}

TEST_CASE("a policy the binaries do not reach is contradicted, with the first reason") {
  Evaluation ev = glibc_ext("2.17");
  CHECK(claimed_tag_problems(Tags{"manylinux1_x86_64", "manylinux_2_5_x86_64"}, ev, real_policies()) ==
        Tags{"tagged manylinux1_x86_64, but manylinux_2_5 is not reached: symbol version GLIBC_2.17 in "
             "pkg/_ext.so (from libc.so.6)",
             "tagged manylinux_2_5_x86_64, but manylinux_2_5 is not reached: symbol version GLIBC_2.17 in "
             "pkg/_ext.so (from libc.so.6)"});
}

TEST_CASE("a library missing on this machine does not contradict a tag") {
  GraphBuilder b;
  int ext = b.wheel("pkg/_ext.so");
  int libc = b.external("/lib/libc.so.6");
  b.need(ext, "libc.so.6", libc);
  b.ref(ext, "libc.so.6", "GLIBC_2.17");
  b.need(ext, "libcuda.so.1");  // not found here
  Evaluation ev = evaluate(b.graph, real_policies());
  REQUIRE(ev.best == nullptr);  // the missing library fails every policy
  CHECK(claimed_tag_problems(Tags{"manylinux2014_x86_64", "manylinux_2_17_x86_64"}, ev, real_policies()).empty());
  // Its own reasons still count, and only they are quoted.
  CHECK(claimed_tag_problems(Tags{"manylinux_2_5_x86_64"}, ev, real_policies()) ==
        Tags{"tagged manylinux_2_5_x86_64, but manylinux_2_5 is not reached: symbol version GLIBC_2.17 in "
             "pkg/_ext.so (from libc.so.6)"});
}

TEST_CASE("a musllinux tag on glibc binaries is contradicted") {
  Evaluation ev = glibc_ext("2.17");
  CHECK(claimed_tag_problems(Tags{"musllinux_1_2_x86_64"}, ev, real_policies()) ==
        Tags{"tagged musllinux_1_2_x86_64, but its ELF files use glibc"});
}

TEST_CASE("a wheel without ELF files contradicts nothing") {
  Evaluation empty;
  CHECK(claimed_tag_problems(Tags{"manylinux_2_17_aarch64", "linux_x86_64"}, empty, real_policies()).empty());
}
