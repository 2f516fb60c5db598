// What the ELF reader extracts from a file: the facts the loader emulation,
// the policy engine and the rewriter need.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/result.hpp"

namespace wheelfix::elf {

// Architectures wheels are tagged for; decided by the ELF header (class,
// byte order, e_machine, flags), never by a file name.
enum class Arch { x86_64, i686, aarch64, armv7l, ppc64, ppc64le, s390x, riscv64, loongarch64, unknown };

// The wheel-tag spelling of an architecture ("x86_64", "armv7l", ...).
const char* arch_name(Arch arch);
// The Arch for a wheel-tag spelling, or Arch::unknown.
Arch arch_from_name(std::string_view name);

// The header fields that decide whether the loader accepts a library for a
// given object: class, byte order and machine (plus flags for reporting).
struct Identity {
  bool is64 = false;
  bool big_endian = false;
  std::uint16_t machine = 0;
  std::uint32_t flags = 0;
  std::uint8_t osabi = 0;

  // True when the loader of an object with this identity may load `other`.
  bool compatible_with(const Identity& other) const {
    return is64 == other.is64 && big_endian == other.big_endian && machine == other.machine;
  }
};

// The wheel arch of an object with this identity: class, byte order,
// e_machine and, for 32-bit ARM, EABI5 + hard-float flags (armv7l). Anything
// else (x32, big-endian aarch64, soft-float ARM, ...) is Arch::unknown.
Arch detect_arch(const Identity& id);

// The header fields in words, for messages about an arch no tag exists for:
// "EM_ARM (40), 32-bit little-endian, e_flags 0x05000200 (EABI5, soft-float)".
std::string describe_identity(const Identity& id);

// One version required from a library (a Vernaux entry), e.g. GLIBC_2.17.
struct VersionRef {
  std::string name;
  std::uint32_t hash = 0;
  std::uint16_t flags = 0;  // VER_FLG_WEAK etc.
  std::uint16_t index = 0;  // vna_other: the versym index that refers to it
  bool weak() const { return (flags & 0x2) != 0; }
};

// All versions required from one library (a Verneed entry).
struct VersionNeed {
  std::string file;  // vn_file, e.g. "libc.so.6"
  std::vector<VersionRef> versions;
};

// One version defined by this object (a Verdef entry).
struct VersionDef {
  std::string name;  // first Verdaux name
  std::uint16_t index = 0;
  std::uint16_t flags = 0;  // VER_FLG_BASE for the file's own name
};

enum class SymbolBinding : std::uint8_t { local, global, weak, unique, other };
enum class SymbolType : std::uint8_t { notype, object, func, section, file, common, tls, ifunc, other };

// One entry of the dynamic symbol table (index 0, the null symbol, omitted).
struct DynSymbol {
  std::string name;
  SymbolBinding binding = SymbolBinding::global;
  SymbolType type = SymbolType::notype;
  bool defined = false;         // st_shndx != SHN_UNDEF
  std::string version;          // "" when unversioned or local/global (index 0/1)
  bool version_hidden = false;  // versym bit 15 (name@VER rather than name@@VER)
};

// The facts read from one ELF file.
struct ElfInfo {
  Identity id;
  Arch arch = Arch::unknown;
  std::uint16_t type = 0;  // e_type: ET_EXEC, ET_DYN, ...
  std::optional<std::string> interpreter;  // PT_INTERP contents
  std::vector<std::string> needed;         // DT_NEEDED, in order
  std::optional<std::string> soname;       // DT_SONAME
  std::optional<std::string> rpath;        // DT_RPATH, unsplit
  std::optional<std::string> runpath;      // DT_RUNPATH, unsplit
  std::uint64_t flags = 0;                 // DT_FLAGS
  std::uint64_t flags_1 = 0;               // DT_FLAGS_1
  bool has_dynamic = false;                // a PT_DYNAMIC segment exists
  std::vector<VersionNeed> version_needs;  // .gnu.version_r (DT_VERNEED)
  std::vector<VersionDef> version_defs;    // .gnu.version_d (DT_VERDEF)
  std::vector<DynSymbol> symbols;          // dynamic symbols, filled if asked
  // x86 ISA needed bits from NT_GNU_PROPERTY_TYPE_0
  // (GNU_PROPERTY_X86_ISA_1_NEEDED); nullopt when the note is absent.
  std::optional<std::uint32_t> x86_isa_needed;

  // Highest x86-64 micro-architecture level required (1 = baseline, 2..4 =
  // x86-64-v2..v4), from x86_isa_needed; 1 when the note is absent.
  int x86_isa_level() const;
  // True if PT_INTERP names musl's loader or a DT_NEEDED is libc.musl-*.
  bool is_musl() const;
};

// What to read; symbols are the expensive part on big libraries.
struct ParseOptions {
  bool symbols = true;
};

// True when `data` starts with the ELF magic and a valid class/data byte.
bool is_elf(util::Bytes data);

// Parses an ELF file held in memory (a mapped file or an inflated zip
// member). Only the headers and dynamic tables are touched, so parsing a
// mapped 500 MB library reads a few pages. Works without section headers
// (PT_DYNAMIC is located through the program headers). Every offset, size and
// count is bounds- and overflow-checked: malformed input fails with
// "<name>: <problem>" (e.g. "libfoo.so: program header table runs past the
// end of the file"), never a crash.
util::Result<ElfInfo> parse(util::Bytes data, const std::string& name, ParseOptions options = {});

// Maps `path` and parses it (see parse()).
util::Result<ElfInfo> parse_file(const std::string& path, ParseOptions options = {});

}  // namespace wheelfix::elf
