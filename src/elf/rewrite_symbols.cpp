// Symbol edits: clearing symbol versions and renaming dynamic symbols.
#include <algorithm>

#include "elf/rewrite_internal.hpp"

namespace wheelfix::elf::rw {

using util::make_error;

namespace {

util::Result<std::uint64_t> dynsym_offset(const Image& img) {
  if (!img.dyn_value(DT_SYMTAB) || img.dynsym_count == 0)
    return make_error(img.name, ": no dynamic symbol table");
  auto size = util::checked_mul(img.dynsym_count, img.c.sym_size);
  if (!size) return make_error(img.name, ": absurd dynamic symbol count");
  WF_TRY(auto off, img.table(DT_SYMTAB, *size, ".dynsym"));
  return *off;
}

}  // namespace

util::Result<SymbolWork> find_symbol_renames(const Image& img, const EditPlan& plan) {
  SymbolWork work;
  if (plan.rename_dynamic_symbols.empty()) return work;
  WF_TRY(auto symtab, dynsym_offset(img));
  for (std::uint64_t i = 1; i < img.dynsym_count; ++i) {
    Sym s = img.c.sym(img.data.data() + symtab + i * img.c.sym_size);
    auto name = img.str(s.name);
    if (!name) return make_error(img.name, ": dynamic symbol ", std::to_string(i), " has a name outside .dynstr");
    auto it = plan.rename_dynamic_symbols.find(std::string(*name));
    if (it != plan.rename_dynamic_symbols.end() && it->second != *name) work.renames.emplace_back(i, it->second);
  }
  return work;
}

util::Status apply_symbol_edits(const Image& img, const EditPlan& plan, const SymbolWork& work,
                                const std::vector<std::uint64_t>& offsets, Overlay& ov) {
  if (!plan.clear_symbol_version.empty()) {
    WF_TRY(auto symtab, dynsym_offset(img));
    WF_TRY(auto versym, img.table(DT_VERSYM, img.dynsym_count * 2, ".gnu.version"));
    if (versym) {
      std::uint8_t* vs = ov.region(*versym, img.dynsym_count * 2);
      for (std::uint64_t i = 1; i < img.dynsym_count; ++i) {
        Sym s = img.c.sym(img.data.data() + symtab + i * img.c.sym_size);
        auto name = img.str(s.name);
        if (!name) continue;
        bool hit = std::find(plan.clear_symbol_version.begin(), plan.clear_symbol_version.end(), *name) !=
                   plan.clear_symbol_version.end();
        if (hit && (img.c.u16(vs + i * 2) & 0x7fff) > 1) img.c.put16(vs + i * 2, 1);
      }
    }
  }
  if (work.renames.empty()) return {};
  return make_error(img.name, ": --rename-dynamic-symbols is not supported yet");
  (void)offsets;
}

}  // namespace wheelfix::elf::rw
