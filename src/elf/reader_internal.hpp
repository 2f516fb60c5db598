// Internals of the ELF reader, shared by reader*.cpp, dynamic_*.cpp,
// versions.cpp and notes.cpp. Not part of the module's public API.
//
// Each step is a template over a traits struct E from types.hpp; the
// definitions live in the .cpp files and are explicitly instantiated there
// for the four traits (WF_ELF_FOR_EACH_TRAITS), so the only runtime switch
// on class and byte order stays dispatch() in reader.cpp.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wheelfix/elf/elf_info.hpp"
#include "wheelfix/elf/types.hpp"
#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/result.hpp"

#define WF_ELF_FOR_EACH_TRAITS(X) X(Elf32LE) X(Elf32BE) X(Elf64LE) X(Elf64BE)

namespace wheelfix::elf::detail {

// A copy of the T stored at `offset` in `data`, or nullopt when it does not
// fit. T is one of the byte-array structs of types.hpp (no alignment needs).
template <typename T>
std::optional<T> load(util::Bytes data, std::uint64_t offset) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (!util::in_bounds(offset, sizeof(T), data.size())) return std::nullopt;
  T value;
  std::memcpy(&value, data.data() + offset, sizeof(T));
  return value;
}

// "0x1f40"-style spelling of a number for error messages.
std::string hex(std::uint64_t value);

// The values of PT_DYNAMIC the reader uses; string-valued entries are kept as
// offsets into the dynamic string table.
struct DynamicRefs {
  std::vector<std::uint64_t> needed;
  std::optional<std::uint64_t> soname, rpath, runpath;
  std::optional<std::uint64_t> strtab, strsz, symtab, syment;
  std::optional<std::uint64_t> versym, verneed, verneednum, verdef, verdefnum;
  std::optional<std::uint64_t> hash, gnu_hash;
  std::uint64_t flags = 0;
  std::uint64_t flags_1 = 0;
};

// Per-file parse state: the bytes, the file name for messages and the
// already validated ELF and program headers.
template <typename E>
struct Reader {
  util::Bytes data;
  std::string name;
  typename E::Ehdr ehdr{};
  std::vector<typename E::Phdr> phdrs;

  // "<name>: <problem>".
  util::Error fail(std::string_view problem) const;

  // The file bytes from virtual address `addr` to the end of the file image
  // of the first PT_LOAD segment holding it (clipped to the file). Fails with
  // "<name>: <what> address 0x.. is not in any PT_LOAD segment" when no
  // segment's file image holds it.
  util::Result<util::Bytes> map_address(std::uint64_t addr, std::string_view what) const;

  // Like map_address, but exactly `size` bytes; fails when they do not fit
  // inside the segment's file image.
  util::Result<util::Bytes> map_range(std::uint64_t addr, std::uint64_t size,
                                      std::string_view what) const;
};

// Reads the ELF header and program header table (bounds-checked).
template <typename E>
util::Result<Reader<E>> open_reader(util::Bytes data, const std::string& name);

// Reads the entries of the PT_DYNAMIC segment `dyn` up to DT_NULL.
template <typename E>
util::Result<DynamicRefs> read_dynamic(const Reader<E>& r, const typename E::Phdr& dyn);

// The NUL-terminated string at `offset` of the string table `strtab`; fails
// with "<name>: <what> string offset 0x.. is outside the string table" or
// "... is not NUL-terminated".
template <typename E>
util::Result<std::string> string_at(const Reader<E>& r, util::Bytes strtab, std::uint64_t offset,
                                    std::string_view what);

// Fills out.version_needs and out.version_defs from DT_VERNEED/DT_VERDEF.
template <typename E>
util::Status read_versions(const Reader<E>& r, const DynamicRefs& dyn, util::Bytes strtab,
                           ElfInfo& out);

// Number of dynamic symbols (including the null symbol 0): from the SHT_DYNSYM
// section header when usable, else DT_HASH's nchain, else by walking
// DT_GNU_HASH; 0 when none of them exists.
template <typename E>
util::Result<std::uint64_t> dynamic_symbol_count(const Reader<E>& r, const DynamicRefs& dyn);

// Fills out.symbols from DT_SYMTAB (and DT_VERSYM for version names).
// Needs out.version_needs / out.version_defs already read.
template <typename E>
util::Status read_symbols(const Reader<E>& r, const DynamicRefs& dyn, util::Bytes strtab,
                          ElfInfo& out);

// The GNU_PROPERTY_X86_ISA_1_NEEDED bits of the NT_GNU_PROPERTY_TYPE_0 notes
// in PT_GNU_PROPERTY (or else PT_NOTE) segments, OR-ed; nullopt when absent.
template <typename E>
util::Result<std::optional<std::uint32_t>> read_x86_isa_needed(const Reader<E>& r);

}  // namespace wheelfix::elf::detail
