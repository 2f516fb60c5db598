// Section header bookkeeping after tables move: sorting by offset and
// renumbering every section index.
#include <algorithm>
#include <numeric>

#include "elf/rewrite_internal.hpp"

namespace wheelfix::elf::rw {

// Sorts section headers by offset and renumbers every reference to a
// section index (sh_link, sh_info, e_shstrndx, symbol st_shndx). Symbols
// defined in a moved section move with it (st_value).
void sort_sections(const Image& img, std::vector<Shdr>& sh, Ehdr& eh, Overlay& ov) {
  if (sh.size() < 2 || sh.size() != img.sh.size()) return;
  std::vector<std::size_t> order(sh.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin() + 1, order.end(), [&](std::size_t a, std::size_t b) {
    return sh[a].offset < sh[b].offset;
  });
  std::vector<std::uint32_t> new_index(sh.size());
  for (std::size_t i = 0; i < order.size(); ++i) new_index[order[i]] = static_cast<std::uint32_t>(i);
  auto map = [&](std::uint32_t idx) { return idx < sh.size() ? new_index[idx] : idx; };
  // Symbols first, while `sh` is still in the old order.
  for (const auto& s : img.sh) {
    if ((s.type != SHT_SYMTAB && s.type != SHT_DYNSYM) || s.entsize != img.c.sym_size ||
        !util::in_bounds(s.offset, s.size, img.data.size()))
      continue;
    std::uint8_t* p = ov.region(s.offset, s.size / s.entsize * s.entsize);
    for (std::uint64_t k = 0; k < s.size / s.entsize; ++k) {
      std::uint8_t* sym = p + k * s.entsize;
      std::uint8_t* field = sym + (img.c.is64 ? 6 : 14);
      std::uint16_t idx = img.c.u16(field);
      if (idx == SHN_UNDEF || idx >= SHN_LORESERVE || idx >= sh.size()) continue;
      img.c.put16(field, static_cast<std::uint16_t>(map(idx)));
      const Shdr& was = img.sh[idx];
      if (sh[idx].addr == was.addr || !(was.flags & SHF_ALLOC)) continue;
      std::uint8_t* value = sym + (img.c.is64 ? 8 : 4);
      std::uint64_t v = img.c.is64 ? img.c.u64(value) : img.c.u32(value);
      if (v < was.addr || v > was.addr + was.size) continue;
      v = v - was.addr + sh[idx].addr;
      if (img.c.is64) img.c.put64(value, v);
      else img.c.put32(value, static_cast<std::uint32_t>(v));
    }
  }
  std::vector<Shdr> out;
  for (auto i : order) out.push_back(sh[i]);
  for (std::size_t i = 1; i < out.size(); ++i) {
    auto& s = out[i];
    s.link = map(s.link);
    bool info_is_index = (s.flags & SHF_INFO_LINK) || s.type == SHT_REL || s.type == SHT_RELA;
    if (info_is_index && s.info) s.info = map(s.info);
  }
  if (eh.shstrndx != SHN_XINDEX) eh.shstrndx = static_cast<std::uint16_t>(map(eh.shstrndx));
  else out[0].link = map(out[0].link);
  sh = std::move(out);
}

namespace {

// Entry alignment of a section type whose content is an array of entries;
// 0 for other types.
std::uint64_t entry_alignment(const Image& img, std::uint32_t type) {
  switch (type) {
    case SHT_DYNAMIC: case SHT_DYNSYM: case SHT_SYMTAB: case SHT_RELA: case SHT_REL: case SHT_GNU_HASH:
      return img.c.word;
    case SHT_HASH: case SHT_GNU_verneed: case SHT_GNU_verdef:
      return 4;
    case SHT_GNU_versym:
      return 2;
    default:
      return 0;
  }
}

}  // namespace

util::Status check_section_names(Image& img) {
  if (img.sh.empty()) return {};
  std::uint64_t idx = img.eh.shstrndx;
  if (idx == 0xffff) idx = img.sh[0].link ? img.sh[0].link : idx;  // SHN_XINDEX: the index is in section 0
  if (idx >= img.sh.size())
    return util::make_error(img.name, ": e_shstrndx ", std::to_string(idx),
                            ": section name string table index out of bounds");
  for (std::size_t i = 1; i < img.sh.size(); ++i) {
    const Shdr& s = img.sh[i];
    std::uint64_t align = entry_alignment(img, s.type);
    if (align && s.size > 0 && s.offset % align != 0)
      return util::make_error(img.name, ": section ", std::to_string(i), ": section content is not naturally aligned");
  }
  if (idx == 0) return {};  // SHN_UNDEF: sections have no names
  const Shdr& names = img.sh[idx];
  if (names.size == 0 || names.type == SHT_NOBITS)
    return util::make_error(img.name, ": section names: string table size is zero");
  // (read_headers checks no SHT_NULL section's bounds: this one may be one)
  auto table = util::slice(img.data, names.offset, names.size);
  if (!table) return util::make_error(img.name, ": section names: data region extends past file end");
  if (table->back() != 0)
    return util::make_error(img.name, ": section names: string table is not zero terminated");
  // The rewriter writes the headers, the dynamic table, .dynstr and the
  // interpreter in place: the name table may share no bytes with them (a
  // corrupt header put it inside the program header table).
  const std::uint64_t lo = names.offset, hi = names.offset + names.size;  // checked above
  auto hit = [&](std::uint64_t a, std::uint64_t b) { return a < hi && lo < b; };
  bool clash = hit(0, img.c.ehdr_size) || hit(img.eh.phoff, img.eh.phoff + img.ph.size() * img.c.phdr_size) ||
               (img.has_dyn && hit(img.dyn_off, img.dyn_off + img.dyn_slots * img.c.dyn_size)) ||
               (!img.dynstr.empty() && hit(img.dynstr_off, img.dynstr_off + img.dynstr.size()));
  for (const auto& p : img.ph)
    clash = clash || (p.type == PT_INTERP && p.filesz && hit(p.offset, p.offset + p.filesz));
  if (clash) return util::make_error(img.name, ": section names: the string table overlaps a table the rewriter writes");
  for (std::size_t i = 1; i < img.sh.size(); ++i) {
    if (img.sh[i].name >= names.size)
      return util::make_error(img.name, ": section ", std::to_string(i), ": section name offset out of bounds");
    if (img.sh[i].name == 0 && img.sh[i].type != SHT_NULL)
      img.warnings.push_back("section header " + std::to_string(i) + " refers to an unnamed section");
  }
  return {};
}

bool keeps_clear_of_section_headers(const Shdr& s) {
  if (s.type == SHT_NOBITS || s.size == 0) return false;
  bool table = s.type == SHT_DYNSYM || s.type == SHT_SYMTAB || s.type == SHT_DYNAMIC || s.type == SHT_HASH ||
               s.type == SHT_GNU_HASH || s.type == SHT_GNU_versym || s.type == SHT_GNU_verdef ||
               s.type == SHT_GNU_verneed || s.type == SHT_NOTE;
  bool mapped = (s.flags & SHF_ALLOC) && s.addr != 0;
  return table || mapped;
}

}  // namespace wheelfix::elf::rw
