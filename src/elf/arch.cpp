// Architecture names and detection from the ELF header.
#include <elf.h>

#include <array>
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

}  // namespace

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
