// ELF on-disk structures, one traits struct per class and byte order.
//
// Every multi-byte field is an endian-typed integer that converts to and
// from a native integer, so code written once against a traits struct `E`
// reads and writes 32/64-bit, little/big-endian files alike. The only runtime
// switch on class and byte order is in dispatch().
#pragma once

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif
#ifndef DT_RELRSZ
#define DT_RELRSZ 35
#define DT_RELR 36
#define DT_RELRENT 37
#endif
#ifndef GNU_PROPERTY_X86_ISA_1_NEEDED
#define GNU_PROPERTY_X86_ISA_1_NEEDED 0xc0008002
#endif
#ifndef GNU_PROPERTY_X86_ISA_1_BASELINE
#define GNU_PROPERTY_X86_ISA_1_BASELINE (1U << 0)
#define GNU_PROPERTY_X86_ISA_1_V2 (1U << 1)
#define GNU_PROPERTY_X86_ISA_1_V3 (1U << 2)
#define GNU_PROPERTY_X86_ISA_1_V4 (1U << 3)
#endif

namespace wheelfix::elf {

// An unaligned integer of type T stored in byte order BigEndian.
template <typename T, bool BigEndian>
class EndianInt {
 public:
  EndianInt() = default;
  EndianInt(T v) { *this = v; }
  operator T() const {
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      std::size_t shift = BigEndian ? (sizeof(T) - 1 - i) * 8 : i * 8;
      v |= static_cast<T>(static_cast<T>(b_[i]) << shift);
    }
    return v;
  }
  EndianInt& operator=(T v) {
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      std::size_t shift = BigEndian ? (sizeof(T) - 1 - i) * 8 : i * 8;
      b_[i] = static_cast<std::uint8_t>(static_cast<std::make_unsigned_t<T>>(v) >> shift);
    }
    return *this;
  }

 private:
  std::uint8_t b_[sizeof(T)];
};

template <bool Is64, bool BigEndian>
struct ElfTraits {
  static constexpr bool is64 = Is64;
  static constexpr bool big_endian = BigEndian;
  using U16 = EndianInt<std::uint16_t, BigEndian>;
  using U32 = EndianInt<std::uint32_t, BigEndian>;
  using I32 = EndianInt<std::int32_t, BigEndian>;
  using U64 = EndianInt<std::uint64_t, BigEndian>;
  // Address/offset-sized word and its signed twin.
  using Word = std::conditional_t<Is64, U64, U32>;
  using SWord = std::conditional_t<Is64, EndianInt<std::int64_t, BigEndian>, I32>;
  using Native = std::conditional_t<Is64, std::uint64_t, std::uint32_t>;

  struct Ehdr {
    std::uint8_t e_ident[16];
    U16 e_type;
    U16 e_machine;
    U32 e_version;
    Word e_entry;
    Word e_phoff;
    Word e_shoff;
    U32 e_flags;
    U16 e_ehsize;
    U16 e_phentsize;
    U16 e_phnum;
    U16 e_shentsize;
    U16 e_shnum;
    U16 e_shstrndx;
  };

  struct Phdr64 {
    U32 p_type;
    U32 p_flags;
    Word p_offset;
    Word p_vaddr;
    Word p_paddr;
    Word p_filesz;
    Word p_memsz;
    Word p_align;
  };
  struct Phdr32 {
    U32 p_type;
    Word p_offset;
    Word p_vaddr;
    Word p_paddr;
    Word p_filesz;
    Word p_memsz;
    U32 p_flags;
    Word p_align;
  };
  using Phdr = std::conditional_t<Is64, Phdr64, Phdr32>;

  struct Shdr {
    U32 sh_name;
    U32 sh_type;
    Word sh_flags;
    Word sh_addr;
    Word sh_offset;
    Word sh_size;
    U32 sh_link;
    U32 sh_info;
    Word sh_addralign;
    Word sh_entsize;
  };

  struct Dyn {
    SWord d_tag;
    Word d_val;
  };

  struct Sym64 {
    U32 st_name;
    std::uint8_t st_info;
    std::uint8_t st_other;
    U16 st_shndx;
    U64 st_value;
    U64 st_size;
  };
  struct Sym32 {
    U32 st_name;
    U32 st_value;
    U32 st_size;
    std::uint8_t st_info;
    std::uint8_t st_other;
    U16 st_shndx;
  };
  using Sym = std::conditional_t<Is64, Sym64, Sym32>;

  struct Rel {
    Word r_offset;
    Word r_info;
  };
  struct Rela {
    Word r_offset;
    Word r_info;
    SWord r_addend;
  };

  // Symbol index and type packed in r_info.
  static std::uint64_t r_sym(std::uint64_t info) { return Is64 ? info >> 32 : info >> 8; }
  static std::uint64_t r_type(std::uint64_t info) { return Is64 ? info & 0xffffffff : info & 0xff; }
  static std::uint64_t r_info(std::uint64_t sym, std::uint64_t type) {
    return Is64 ? (sym << 32) | type : (sym << 8) | (type & 0xff);
  }

  // Symbol versioning (same layout for both classes).
  struct Verneed {
    U16 vn_version;
    U16 vn_cnt;
    U32 vn_file;
    U32 vn_aux;
    U32 vn_next;
  };
  struct Vernaux {
    U32 vna_hash;
    U16 vna_flags;
    U16 vna_other;
    U32 vna_name;
    U32 vna_next;
  };
  struct Verdef {
    U16 vd_version;
    U16 vd_flags;
    U16 vd_ndx;
    U16 vd_cnt;
    U32 vd_hash;
    U32 vd_aux;
    U32 vd_next;
  };
  struct Verdaux {
    U32 vda_name;
    U32 vda_next;
  };

  // Note header; note descriptors are 4-byte aligned, except GNU property
  // notes in 64-bit files, which are 8-byte aligned.
  struct Nhdr {
    U32 n_namesz;
    U32 n_descsz;
    U32 n_type;
  };
};

using Elf32LE = ElfTraits<false, false>;
using Elf32BE = ElfTraits<false, true>;
using Elf64LE = ElfTraits<true, false>;
using Elf64BE = ElfTraits<true, true>;

static_assert(sizeof(Elf64LE::Ehdr) == 64);
static_assert(sizeof(Elf32LE::Ehdr) == 52);
static_assert(sizeof(Elf64LE::Phdr) == 56);
static_assert(sizeof(Elf32LE::Phdr) == 32);
static_assert(sizeof(Elf64LE::Shdr) == 64);
static_assert(sizeof(Elf32LE::Shdr) == 40);
static_assert(sizeof(Elf64LE::Sym) == 24);
static_assert(sizeof(Elf32LE::Sym) == 16);
static_assert(sizeof(Elf64BE::Dyn) == 16);
static_assert(sizeof(Elf32BE::Dyn) == 8);

// Which traits struct a file uses, read from e_ident.
enum class ElfKind { Elf32LE, Elf32BE, Elf64LE, Elf64BE, Invalid };

// Classifies the first bytes of a file: Invalid unless they start with the
// ELF magic followed by a known class and data encoding.
inline ElfKind elf_kind(const std::uint8_t* ident, std::size_t size) {
  if (size < EI_NIDENT || std::memcmp(ident, ELFMAG, SELFMAG) != 0) return ElfKind::Invalid;
  bool is64 = ident[EI_CLASS] == ELFCLASS64;
  bool is32 = ident[EI_CLASS] == ELFCLASS32;
  bool le = ident[EI_DATA] == ELFDATA2LSB;
  bool be = ident[EI_DATA] == ELFDATA2MSB;
  if (!(is64 || is32) || !(le || be)) return ElfKind::Invalid;
  if (is64) return le ? ElfKind::Elf64LE : ElfKind::Elf64BE;
  return le ? ElfKind::Elf32LE : ElfKind::Elf32BE;
}

// Calls fn.template operator()<E>() with the traits struct for `kind`: the
// single runtime switch on class and byte order. `kind` must not be Invalid.
template <typename Fn>
decltype(auto) dispatch(ElfKind kind, Fn&& fn) {
  switch (kind) {
    case ElfKind::Elf32LE: return fn.template operator()<Elf32LE>();
    case ElfKind::Elf32BE: return fn.template operator()<Elf32BE>();
    case ElfKind::Elf64LE: return fn.template operator()<Elf64LE>();
    default: return fn.template operator()<Elf64BE>();
  }
}

}  // namespace wheelfix::elf
