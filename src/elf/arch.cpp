// Architecture names and detection from the ELF header.
#include <elf.h>

#include <array>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

#include "wheelfix/elf/elf_info.hpp"
#include "wheelfix/elf/types.hpp"

namespace wheelfix::elf {
namespace {

constexpr std::array<std::pair<Arch, const char*>, 10> kNames{{
    {Arch::x86_64, "x86_64"},
    {Arch::i686, "i686"},
    {Arch::aarch64, "aarch64"},
    {Arch::armv7l, "armv7l"},
    {Arch::ppc64, "ppc64"},
    {Arch::ppc64le, "ppc64le"},
    {Arch::s390x, "s390x"},
    {Arch::riscv64, "riscv64"},
    {Arch::loongarch64, "loongarch64"},
    {Arch::unknown, "unknown"},
}};

// 32-bit little-endian ARM is armv7l only for the EABI5 hard-float ABI that
// manylinux/musllinux armv7l wheels target.
Arch detect_arm(const Identity& id) {
  if (id.is64 || id.big_endian) return Arch::unknown;
  bool eabi5 = (id.flags & EF_ARM_EABIMASK) == EF_ARM_EABI_VER5;
  bool hard_float = (id.flags & EF_ARM_ABI_FLOAT_HARD) != 0;
  return eabi5 && hard_float ? Arch::armv7l : Arch::unknown;
}

constexpr std::array<std::pair<std::uint16_t, const char*>, 18> kMachines{{
    {EM_SPARC, "EM_SPARC"},     {EM_386, "EM_386"},         {EM_68K, "EM_68K"},
    {EM_MIPS, "EM_MIPS"},       {EM_PARISC, "EM_PARISC"},   {EM_PPC, "EM_PPC"},
    {EM_PPC64, "EM_PPC64"},     {EM_S390, "EM_S390"},       {EM_ARM, "EM_ARM"},
    {EM_SH, "EM_SH"},           {EM_SPARCV9, "EM_SPARCV9"}, {EM_IA_64, "EM_IA_64"},
    {EM_X86_64, "EM_X86_64"},   {EM_AARCH64, "EM_AARCH64"}, {EM_RISCV, "EM_RISCV"},
    {EM_LOONGARCH, "EM_LOONGARCH"}, {EM_ALPHA, "EM_ALPHA"}, {EM_MICROBLAZE, "EM_MICROBLAZE"},
}};

// What the flags of a 32-bit ARM file say about its ABI ("EABI5, soft-float").
std::string arm_flags(std::uint32_t flags) {
  std::uint32_t eabi = (flags & EF_ARM_EABIMASK) >> 24;
  std::string s = eabi == 0 ? std::string("old ABI") : "EABI" + std::to_string(eabi);
  if (flags & EF_ARM_ABI_FLOAT_HARD) return s + ", hard-float";
  return s + ((flags & EF_ARM_ABI_FLOAT_SOFT) ? ", soft-float" : ", float ABI not marked (soft-float)");
}

}  // namespace

std::string describe_identity(const Identity& id) {
  std::string name = "EM_" + std::to_string(id.machine);
  for (const auto& [m, n] : kMachines)
    if (m == id.machine) name = n;
  char flags[16];
  std::snprintf(flags, sizeof flags, "0x%08x", id.flags);
  std::string s = name + " (" + std::to_string(id.machine) + "), " + (id.is64 ? "64-bit " : "32-bit ") +
                  (id.big_endian ? "big-endian" : "little-endian") + ", e_flags " + flags;
  if (id.machine == EM_ARM && !id.is64) s += " (" + arm_flags(id.flags) + ")";
  return s;
}

const char* arch_name(Arch arch) {
  for (const auto& [a, n] : kNames) {
    if (a == arch) return n;
  }
  return "unknown";
}

Arch arch_from_name(std::string_view name) {
  for (const auto& [a, n] : kNames) {
    if (name == n) return a;
  }
  return Arch::unknown;
}

Arch detect_arch(const Identity& id) {
  bool le64 = id.is64 && !id.big_endian;
  switch (id.machine) {
    case EM_X86_64: return le64 ? Arch::x86_64 : Arch::unknown;
    case EM_386: return !id.is64 && !id.big_endian ? Arch::i686 : Arch::unknown;
    case EM_AARCH64: return le64 ? Arch::aarch64 : Arch::unknown;
    case EM_ARM: return detect_arm(id);
    case EM_PPC64:
      if (!id.is64) return Arch::unknown;
      return id.big_endian ? Arch::ppc64 : Arch::ppc64le;
    case EM_S390: return id.is64 && id.big_endian ? Arch::s390x : Arch::unknown;
    case EM_RISCV: return le64 ? Arch::riscv64 : Arch::unknown;
    case EM_LOONGARCH: return le64 ? Arch::loongarch64 : Arch::unknown;
    default: return Arch::unknown;
  }
}

}  // namespace wheelfix::elf
