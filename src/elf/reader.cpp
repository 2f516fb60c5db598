// parse(): the ELF reader's entry point. Picks the traits struct once
// (dispatch), then reads the headers, PT_INTERP, PT_DYNAMIC, the versioning
// tables, optionally the dynamic symbols, and the x86 ISA property note.
#include "wheelfix/elf/elf_info.hpp"

#include "elf/reader_internal.hpp"
#include "wheelfix/util/mapped_file.hpp"

namespace wheelfix::elf {
namespace {

using detail::Reader;

template <typename E>
const typename E::Phdr* find_segment(const Reader<E>& r, std::uint32_t type) {
  for (const auto& ph : r.phdrs) {
    if (ph.p_type == type) return &ph;
  }
  return nullptr;
}

template <typename E>
util::Status read_interpreter(const Reader<E>& r, ElfInfo& out) {
  const auto* ph = find_segment(r, PT_INTERP);
  if (!ph) return {};
  auto bytes = util::slice(r.data, ph->p_offset, ph->p_filesz);
  if (!bytes) return r.fail("PT_INTERP runs past the end of the file");
  auto s = util::c_string_at(*bytes, 0);
  if (!s) return r.fail("PT_INTERP is not NUL-terminated");
  out.interpreter = std::string(*s);
  return {};
}

// The dynamic string table: DT_STRSZ bytes at DT_STRTAB (or up to the end of
// its segment when DT_STRSZ is missing).
template <typename E>
util::Result<util::Bytes> string_table(const Reader<E>& r, const detail::DynamicRefs& dyn) {
  if (!dyn.strtab) return util::Bytes{};
  if (dyn.strsz) return r.map_range(*dyn.strtab, *dyn.strsz, "DT_STRTAB");
  return r.map_address(*dyn.strtab, "DT_STRTAB");
}

template <typename E>
util::Status read_dynamic_strings(const Reader<E>& r, const detail::DynamicRefs& dyn,
                                  util::Bytes strtab, ElfInfo& out) {
  using detail::string_at;
  for (std::uint64_t off : dyn.needed) {
    WF_TRY(std::string lib, string_at(r, strtab, off, "DT_NEEDED"));
    out.needed.push_back(std::move(lib));
  }
  if (dyn.soname) {
    WF_TRY(out.soname, string_at(r, strtab, *dyn.soname, "DT_SONAME"));
  }
  if (dyn.rpath) {
    WF_TRY(out.rpath, string_at(r, strtab, *dyn.rpath, "DT_RPATH"));
  }
  if (dyn.runpath) {
    WF_TRY(out.runpath, string_at(r, strtab, *dyn.runpath, "DT_RUNPATH"));
  }
  return {};
}

template <typename E>
util::Status read_dynamic_part(const Reader<E>& r, const ParseOptions& options, ElfInfo& out) {
  const auto* ph = find_segment(r, PT_DYNAMIC);
  if (!ph) return {};
  out.has_dynamic = true;
  WF_TRY(detail::DynamicRefs dyn, detail::read_dynamic(r, *ph));
  out.flags = dyn.flags;
  out.flags_1 = dyn.flags_1;
  WF_TRY(util::Bytes strtab, string_table(r, dyn));
  WF_CHECK(read_dynamic_strings(r, dyn, strtab, out));
  WF_CHECK(detail::read_versions(r, dyn, strtab, out));
  if (options.symbols) WF_CHECK(detail::read_symbols(r, dyn, strtab, out));
  return {};
}

template <typename E>
util::Result<ElfInfo> parse_as(util::Bytes data, const std::string& name,
                               const ParseOptions& options) {
  WF_TRY(Reader<E> r, detail::open_reader<E>(data, name));
  ElfInfo out;
  out.id.is64 = E::is64;
  out.id.big_endian = E::big_endian;
  out.id.machine = r.ehdr.e_machine;
  out.id.flags = r.ehdr.e_flags;
  out.id.osabi = r.ehdr.e_ident[EI_OSABI];
  out.arch = detect_arch(out.id);
  out.type = r.ehdr.e_type;
  WF_CHECK(read_interpreter(r, out));
  WF_CHECK(read_dynamic_part(r, options, out));
  // The property type number is x86-specific (processor range).
  if (out.id.machine == EM_X86_64 || out.id.machine == EM_386) {
    WF_TRY(out.x86_isa_needed, detail::read_x86_isa_needed(r));
  }
  return out;
}

}  // namespace

int ElfInfo::x86_isa_level() const {
  std::uint32_t bits = x86_isa_needed.value_or(0);
  if (bits & GNU_PROPERTY_X86_ISA_1_V4) return 4;
  if (bits & GNU_PROPERTY_X86_ISA_1_V3) return 3;
  if (bits & GNU_PROPERTY_X86_ISA_1_V2) return 2;
  return 1;
}

bool ElfInfo::is_musl() const {
  if (interpreter) {
    std::string_view interp = *interpreter;
    std::string_view base = interp.substr(interp.rfind('/') + 1);  // npos + 1 == 0
    if (base.starts_with("ld-musl-")) return true;
  }
  for (const auto& lib : needed) {
    if (lib.starts_with("libc.musl-")) return true;
  }
  return false;
}

bool is_elf(util::Bytes data) {
  return elf_kind(data.data(), data.size()) != ElfKind::Invalid;
}

util::Result<ElfInfo> parse(util::Bytes data, const std::string& name, ParseOptions options) {
  ElfKind kind = elf_kind(data.data(), data.size());
  if (kind == ElfKind::Invalid) {
    if (data.size() < SELFMAG || std::memcmp(data.data(), ELFMAG, SELFMAG) != 0) {
      return util::make_error(name, ": not an ELF file (no ELF magic)");
    }
    if (data.size() < EI_NIDENT) return util::make_error(name, ": file is too short for an ELF header");
    return util::make_error(name, ": unsupported ELF class or byte order");
  }
  return dispatch(kind, [&]<typename E>() { return parse_as<E>(data, name, options); });
}

util::Result<ElfInfo> parse_file(const std::string& path, ParseOptions options) {
  WF_TRY(util::MappedFile file, util::MappedFile::open(path));
  return parse(file.bytes(), path, options);
}

}  // namespace wheelfix::elf
