// Architecture detection: names, and the Arch and Identity of binaries built
// with the cross compilers present on the machine.
#include <catch.hpp>

#include <elf.h>

#include <string>

#include "elf/test_reader_support.hpp"
#include "wheelfix/elf/elf_info.hpp"
#include "wheelfix/elf/types.hpp"

using namespace wheelfix;
using namespace wheelfix::elf;
using elf::testing::compile_c;
using elf::testing::TempDir;

TEST_CASE("arch names round-trip", "[arch]") {
  for (Arch a : {Arch::x86_64, Arch::i686, Arch::aarch64, Arch::armv7l, Arch::ppc64, Arch::ppc64le,
                 Arch::s390x, Arch::riscv64, Arch::loongarch64}) {
    CHECK(arch_from_name(arch_name(a)) == a);
  }
  CHECK(std::string(arch_name(Arch::armv7l)) == "armv7l");
  CHECK(std::string(arch_name(Arch::ppc64le)) == "ppc64le");
  CHECK(arch_from_name("amd64") == Arch::unknown);
  CHECK(arch_from_name("") == Arch::unknown);
  CHECK(arch_from_name("X86_64") == Arch::unknown);
}

TEST_CASE("detect_arch decides by class, byte order, machine and ARM flags", "[arch]") {
  auto id = [](bool is64, bool be, std::uint16_t machine, std::uint32_t flags = 0) {
    Identity i;
    i.is64 = is64;
    i.big_endian = be;
    i.machine = machine;
    i.flags = flags;
    return i;
  };
  const std::uint32_t hard = EF_ARM_EABI_VER5 | EF_ARM_ABI_FLOAT_HARD;
  CHECK(detect_arch(id(true, false, EM_X86_64)) == Arch::x86_64);
  CHECK(detect_arch(id(false, false, EM_X86_64)) == Arch::unknown);  // x32
  CHECK(detect_arch(id(false, false, EM_386)) == Arch::i686);
  CHECK(detect_arch(id(true, false, EM_AARCH64)) == Arch::aarch64);
  CHECK(detect_arch(id(true, true, EM_AARCH64)) == Arch::unknown);  // aarch64_be
  CHECK(detect_arch(id(false, false, EM_ARM, hard)) == Arch::armv7l);
  CHECK(detect_arch(id(false, false, EM_ARM, EF_ARM_EABI_VER5)) == Arch::unknown);  // soft float
  CHECK(detect_arch(id(false, false, EM_ARM, EF_ARM_EABI_VER4 | EF_ARM_ABI_FLOAT_HARD)) ==
        Arch::unknown);
  CHECK(detect_arch(id(false, true, EM_ARM, hard)) == Arch::unknown);
  CHECK(detect_arch(id(true, true, EM_PPC64)) == Arch::ppc64);
  CHECK(detect_arch(id(true, false, EM_PPC64)) == Arch::ppc64le);
  CHECK(detect_arch(id(false, true, EM_PPC)) == Arch::unknown);
  CHECK(detect_arch(id(true, true, EM_S390)) == Arch::s390x);
  CHECK(detect_arch(id(false, true, EM_S390)) == Arch::unknown);  // s390 (31-bit)
  CHECK(detect_arch(id(true, false, EM_RISCV)) == Arch::riscv64);
  CHECK(detect_arch(id(false, false, EM_RISCV)) == Arch::unknown);
  CHECK(detect_arch(id(true, false, EM_LOONGARCH)) == Arch::loongarch64);
  CHECK(detect_arch(id(true, false, EM_MIPS)) == Arch::unknown);
}

TEST_CASE("describe_identity names the machine, class, byte order and flags", "[arch]") {
  Identity arm;
  arm.machine = EM_ARM;
  arm.flags = EF_ARM_EABI_VER5 | EF_ARM_ABI_FLOAT_SOFT;
  CHECK(describe_identity(arm) == "EM_ARM (40), 32-bit little-endian, e_flags 0x05000200 (EABI5, soft-float)");
  Identity mips;
  mips.is64 = true;
  mips.big_endian = true;
  mips.machine = EM_MIPS;
  mips.flags = 0x80000007;
  CHECK(describe_identity(mips) == "EM_MIPS (8), 64-bit big-endian, e_flags 0x80000007");
  Identity odd;
  odd.machine = 0x1234;
  CHECK(describe_identity(odd) == "EM_4660 (4660), 32-bit little-endian, e_flags 0x00000000");
}

namespace {

struct CrossCase {
  const char* compiler;
  Arch arch;
  bool is64;
  bool big_endian;
  std::uint16_t machine;
  const char* interp_part;  // expected substring of the executable's PT_INTERP
};

}  // namespace

TEST_CASE("cross-compiled binaries give the right Arch and identity", "[arch]") {
  const CrossCase c = GENERATE(
      CrossCase{"cc", Arch::x86_64, true, false, EM_X86_64, "ld-linux-x86-64.so.2"},
      CrossCase{"aarch64-linux-gnu-gcc", Arch::aarch64, true, false, EM_AARCH64, "ld-linux-aarch64.so.1"},
      CrossCase{"arm-linux-gnueabihf-gcc", Arch::armv7l, false, false, EM_ARM, "ld-linux-armhf.so.3"},
      CrossCase{"i686-linux-gnu-gcc", Arch::i686, false, false, EM_386, "ld-linux.so.2"},
      CrossCase{"powerpc64le-linux-gnu-gcc", Arch::ppc64le, true, false, EM_PPC64, "ld64.so.2"},
      CrossCase{"s390x-linux-gnu-gcc", Arch::s390x, true, true, EM_S390, "ld64.so.1"},
      CrossCase{"riscv64-linux-gnu-gcc", Arch::riscv64, true, false, EM_RISCV, "ld-linux-riscv64"});
  INFO(c.compiler);
  if (!elf::testing::have_program(c.compiler)) {
    WARN("SKIP: " + std::string(c.compiler) + " not found: case skipped");
    return;
  }
  TempDir dir;
  std::string lib = compile_c(dir, c.compiler, "lib",
                              "#include <stdio.h>\nint f(int x) { printf(\"%d\", x); return x; }\n",
                              "-shared -fPIC -Wl,-soname,libcross.so.1", "libcross.so.1");
  std::string exe = compile_c(dir, c.compiler, "main", "int main(void) { return 0; }\n", "", "main");
  REQUIRE(!lib.empty());
  REQUIRE(!exe.empty());

  auto l = parse_file(lib);
  INFO((l.ok() ? "" : l.error().message));
  REQUIRE(l.ok());
  CHECK(l->arch == c.arch);
  CHECK(l->id.is64 == c.is64);
  CHECK(l->id.big_endian == c.big_endian);
  CHECK(l->id.machine == c.machine);
  CHECK(l->soname == std::optional<std::string>("libcross.so.1"));
  CHECK(!l->needed.empty());
  bool has_f = false;
  for (const auto& s : l->symbols) has_f |= s.name == "f" && s.defined;
  CHECK(has_f);
  bool has_printf = false;
  for (const auto& s : l->symbols) {
    if (s.name == "printf" && !s.defined) has_printf = s.version.rfind("GLIBC_", 0) == 0;
  }
  CHECK(has_printf);

  auto e = parse_file(exe);
  REQUIRE(e.ok());
  REQUIRE(e->interpreter);
  CHECK(e->interpreter->find(c.interp_part) != std::string::npos);
  CHECK(e->id.compatible_with(l->id));
  CHECK(!e->is_musl());
}

TEST_CASE("object files: big-endian ppc64 and soft-float ARM", "[arch]") {
  TempDir dir;
  const char* src = "int f(int x) { return x + 1; }\n";
  if (elf::testing::have_program("powerpc64le-linux-gnu-gcc")) {
    std::string obj = compile_c(dir, "powerpc64le-linux-gnu-gcc", "f", src, "-mbig-endian -c", "ppc.o");
    REQUIRE(!obj.empty());
    auto info = parse_file(obj);
    REQUIRE(info.ok());
    CHECK(info->type == ET_REL);
    CHECK(info->id.big_endian);
    CHECK(info->arch == Arch::ppc64);
    CHECK(!info->has_dynamic);
  } else {
    WARN("SKIP: powerpc64le-linux-gnu-gcc not found: ppc64 case skipped");
  }
  if (elf::testing::have_program("arm-linux-gnueabihf-gcc")) {
    std::string obj = compile_c(dir, "arm-linux-gnueabihf-gcc", "f", src, "-mfloat-abi=soft -c", "soft.o");
    REQUIRE(!obj.empty());
    auto info = parse_file(obj);
    REQUIRE(info.ok());
    CHECK(info->id.machine == EM_ARM);
    CHECK((info->id.flags & EF_ARM_EABIMASK) == EF_ARM_EABI_VER5);
    CHECK(info->arch == Arch::unknown);  // armv7l wheels mean hard float
  } else {
    WARN("SKIP: arm-linux-gnueabihf-gcc not found: soft-float case skipped");
  }
}
