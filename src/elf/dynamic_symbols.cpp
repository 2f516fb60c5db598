// Dynamic symbols (DT_SYMTAB) with their version names (DT_VERSYM).
#include "elf/reader_internal.hpp"

namespace wheelfix::elf::detail {
namespace {

SymbolBinding binding_of(std::uint8_t info) {
  switch (ELF64_ST_BIND(info)) {
    case STB_LOCAL: return SymbolBinding::local;
    case STB_GLOBAL: return SymbolBinding::global;
    case STB_WEAK: return SymbolBinding::weak;
    case STB_GNU_UNIQUE: return SymbolBinding::unique;
    default: return SymbolBinding::other;
  }
}

SymbolType type_of(std::uint8_t info) {
  switch (ELF64_ST_TYPE(info)) {
    case STT_NOTYPE: return SymbolType::notype;
    case STT_OBJECT: return SymbolType::object;
    case STT_FUNC: return SymbolType::func;
    case STT_SECTION: return SymbolType::section;
    case STT_FILE: return SymbolType::file;
    case STT_COMMON: return SymbolType::common;
    case STT_TLS: return SymbolType::tls;
    case STT_GNU_IFUNC: return SymbolType::ifunc;
    default: return SymbolType::other;
  }
}

// Version names by versym index (0x7fff at most), from the Verneed and
// Verdef entries already read; "" for indexes nothing defines.
std::vector<std::string> version_names(const ElfInfo& info) {
  std::vector<std::string> names;
  auto put = [&](std::uint16_t index, const std::string& name) {
    index &= 0x7fff;
    if (index < 2) return;  // 0 = local, 1 = global: no version name
    if (names.size() <= index) names.resize(index + 1u);
    names[index] = name;
  };
  for (const auto& need : info.version_needs) {
    for (const auto& v : need.versions) put(v.index, v.name);
  }
  for (const auto& def : info.version_defs) put(def.index, def.name);
  return names;
}

}  // namespace

template <typename E>
util::Status read_symbols(const Reader<E>& r, const DynamicRefs& dyn, util::Bytes strtab,
                          ElfInfo& out) {
  using Sym = typename E::Sym;
  if (!dyn.symtab) return {};
  WF_TRY(std::uint64_t count, dynamic_symbol_count(r, dyn));
  if (count <= 1) return {};
  auto bytes = util::checked_mul(count, sizeof(Sym));
  if (!bytes) return r.fail("dynamic symbol count " + std::to_string(count) + " is absurd");
  WF_TRY(util::Bytes table, r.map_range(*dyn.symtab, *bytes, "DT_SYMTAB"));
  util::Bytes versym;
  if (dyn.versym) {
    WF_TRY(versym, r.map_range(*dyn.versym, count * 2, "DT_VERSYM"));
  }
  std::vector<std::string> versions = version_names(out);
  out.symbols.reserve(static_cast<std::size_t>(count - 1));
  for (std::uint64_t i = 1; i < count; ++i) {
    auto sym = load<Sym>(table, i * sizeof(Sym));
    DynSymbol s;
    WF_TRY(s.name, string_at(r, strtab, sym->st_name, "dynamic symbol name"));
    s.binding = binding_of(sym->st_info);
    s.type = type_of(sym->st_info);
    s.defined = sym->st_shndx != SHN_UNDEF;
    if (!versym.empty()) {
      std::uint16_t v = *load<typename E::U16>(versym, i * 2);
      s.version_hidden = (v & 0x8000) != 0;
      std::uint16_t index = v & 0x7fff;
      if (index < versions.size()) s.version = versions[index];
    }
    out.symbols.push_back(std::move(s));
  }
  return {};
}

#define WF_INSTANTIATE(E)                                                                    \
  template util::Status read_symbols<E>(const Reader<E>&, const DynamicRefs&, util::Bytes, \
                                        ElfInfo&);
WF_ELF_FOR_EACH_TRAITS(WF_INSTANTIATE)
#undef WF_INSTANTIATE

}  // namespace wheelfix::elf::detail
