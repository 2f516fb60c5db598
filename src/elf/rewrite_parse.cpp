// Parsing and validation of the parts of an ELF file the rewriter touches.
// Every offset, size and count read from the file is checked before use.
#include <algorithm>
#include <cstring>

#include "elf/rewrite_internal.hpp"
#include "elf/reader_internal.hpp"
#include "elf/unique_entries.hpp"

namespace wheelfix::elf::rw {

using util::make_error;

bool is_movable_section(std::uint32_t type) {
  switch (type) {
    case SHT_NOTE: case SHT_GNU_HASH: case SHT_HASH: case SHT_DYNSYM:
    case SHT_GNU_versym: case SHT_GNU_verneed: case SHT_GNU_verdef:
      return true;
    default:
      return false;
  }
}

bool is_movable_address_tag(std::int64_t tag) {
  switch (tag) {
    case DT_GNU_HASH: case DT_HASH: case DT_SYMTAB: case DT_VERSYM: case DT_VERNEED: case DT_VERDEF:
      return true;
    default:
      return false;
  }
}

bool is_string_tag(std::int64_t tag) {
  switch (tag) {
    case DT_NEEDED: case DT_SONAME: case DT_RPATH: case DT_RUNPATH:
    case DT_AUXILIARY: case DT_FILTER: case DT_CONFIG: case DT_DEPAUDIT: case DT_AUDIT:
      return true;
    default:
      return false;
  }
}

std::optional<std::uint64_t> Image::offset_of(std::uint64_t vaddr, std::uint64_t size) const {
  for (const auto& p : ph) {
    if (p.type != PT_LOAD || vaddr < p.vaddr) continue;
    std::uint64_t rel = vaddr - p.vaddr;
    if (!util::in_bounds(rel, size, p.filesz)) continue;
    auto off = util::checked_add(p.offset, rel);
    if (off && util::in_bounds(*off, size, data.size())) return off;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> Image::dyn_value(std::int64_t tag) const {
  for (const auto& d : dyn)
    if (d.tag == tag) return d.val;
  return std::nullopt;
}

std::optional<std::string_view> Image::str(std::uint64_t off) const {
  auto s = util::c_string_at(dynstr, off);
  if (!s) return std::nullopt;
  return *s;
}

util::Result<std::optional<std::uint64_t>> Image::table(std::int64_t tag, std::uint64_t size,
                                                        const char* what) const {
  auto addr = dyn_value(tag);
  if (!addr) return std::optional<std::uint64_t>{};
  auto off = offset_of(*addr, size);
  if (!off) return make_error(name, ": ", what, " lies outside the file's loaded segments");
  return std::optional<std::uint64_t>{*off};
}

bool Image::executable() const {
  if (eh.type == ET_EXEC) return true;
  return std::any_of(ph.begin(), ph.end(), [](const Phdr& p) { return p.type == PT_INTERP; });
}

namespace {

util::Status read_headers(Image& img) {
  auto d = img.data;
  const auto& c = img.c;
  if (d.size() < c.ehdr_size) return make_error(img.name, ": file is too small for an ELF header");
  img.eh = c.ehdr(d.data());
  if (img.eh.type != ET_EXEC && img.eh.type != ET_DYN)
    return make_error(img.name, ": not an executable or shared library (e_type ", std::to_string(img.eh.type), ")");
  if (img.eh.phnum == 0) return make_error(img.name, ": no program headers");
  if (img.eh.phentsize != c.phdr_size) return make_error(img.name, ": unexpected program header size");
  auto ph_bytes = util::checked_mul(img.eh.phnum, c.phdr_size);
  if (!ph_bytes || !util::in_bounds(img.eh.phoff, *ph_bytes, d.size()))
    return make_error(img.name, ": program header table out of bounds (it runs past the end of the file)");
  detail::UniqueSegmentCheck unique;  // the reader applies the same rule
  for (std::size_t i = 0; i < img.eh.phnum; ++i) {
    Phdr p = c.phdr(d.data() + img.eh.phoff + i * c.phdr_size);
    if (auto duplicate = unique.add(p.type)) return make_error(img.name, ": ", *duplicate);
    if (p.type != PT_NULL && p.type != PT_GNU_STACK && !util::in_bounds(p.offset, p.filesz, d.size()))
      return make_error(img.name, ": segment ", std::to_string(i), " runs past the end of the file");
    if (p.type == PT_LOAD && !util::checked_add(p.vaddr, p.memsz))
      return make_error(img.name, ": segment ", std::to_string(i), " address range overflows");
    if (p.type == PT_LOAD && p.filesz > p.memsz)
      return make_error(img.name, ": segment ", std::to_string(i), " has a file size above its memory size");
    img.ph.push_back(p);
  }
  std::uint64_t shnum = img.eh.shnum;
  if (img.eh.shoff == 0) return {};
  if (img.eh.shentsize != c.shdr_size)
    return make_error(img.name, ": section headers have wrong size (e_shentsize ", std::to_string(img.eh.shentsize),
                      ", expected ", std::to_string(c.shdr_size), ")");
  if (shnum == 0) {  // extended numbering: the count is in section 0
    if (!util::in_bounds(img.eh.shoff, c.shdr_size, d.size()))
      return make_error(img.name, ": section header table runs past the end of the file");
    shnum = c.shdr(d.data() + img.eh.shoff).size;
  }
  auto sh_bytes = util::checked_mul(shnum, c.shdr_size);
  if (!sh_bytes || !util::in_bounds(img.eh.shoff, *sh_bytes, d.size()))
    return make_error(img.name, ": section header table runs past the end of the file");
  for (std::uint64_t i = 0; i < shnum; ++i) {
    Shdr s = c.shdr(d.data() + img.eh.shoff + i * c.shdr_size);
    if (s.type != SHT_NOBITS && s.type != SHT_NULL && !util::in_bounds(s.offset, s.size, d.size()))
      return make_error(img.name, ": section ", std::to_string(i), ": data ",
                        s.offset > d.size() ? "offset" : "region", " extends past file end");
    img.sh.push_back(s);
  }
  return {};
}

// True when the non-empty byte ranges [a, a_end) and [b, b_end) share a byte.
bool overlaps(std::uint64_t a, std::uint64_t a_end, std::uint64_t b, std::uint64_t b_end) {
  return a < b_end && b < a_end;
}

// The rewriter writes PT_INTERP and PT_DYNAMIC in place and rewrites the
// ELF header and program header table, so neither segment may share bytes
// with those headers (one write would undo the other; no linker emits such
// a file).  Nor may PT_NOTE or PT_GNU_PROPERTY: the reader parses them, and
// a rewritten header table would change what they hold.
util::Status check_header_overlap(const Image& img) {
  std::uint64_t ph_end = img.eh.phoff + std::uint64_t{img.eh.phnum} * img.c.phdr_size;  // checked in read_headers
  for (const auto& p : img.ph) {
    const char* what = p.type == PT_INTERP         ? "PT_INTERP"
                       : p.type == PT_DYNAMIC      ? "PT_DYNAMIC"
                       : p.type == PT_NOTE         ? "PT_NOTE"
                       : p.type == PT_GNU_PROPERTY ? "PT_GNU_PROPERTY"
                                                   : nullptr;
    if (!what || p.filesz == 0) continue;
    std::uint64_t end = p.offset + p.filesz;  // in the file: checked in read_headers
    if (overlaps(p.offset, end, 0, img.c.ehdr_size))
      return make_error(img.name, ": ", what, " overlaps the ELF header");
    if (overlaps(p.offset, end, img.eh.phoff, ph_end))
      return make_error(img.name, ": ", what, " overlaps the program header table");
  }
  // The section header table is rewritten in place too. Linkers put it
  // after every segment; patchelf 0.18/0.19 put it inside the PT_LOAD they
  // append, which the loader does not mind (nothing reads it at run time).
  // What must not happen is that writing it back overwrites bytes the
  // loader or another table needs, or the reverse: so it may share bytes
  // with no segment the rewriter writes or the reader parses (PT_DYNAMIC,
  // PT_INTERP, the notes), no section's content and no .dynstr.
  if (!img.sh.empty()) {
    const std::uint64_t sh = img.eh.shoff, sh_end = sh + img.sh.size() * img.c.shdr_size;  // checked in read_headers
    if (overlaps(sh, sh_end, 0, img.c.ehdr_size) || overlaps(sh, sh_end, img.eh.phoff, ph_end))
      return make_error(img.name, ": the section header table overlaps the ELF or program headers");
    // (PT_DYNAMIC, PT_INTERP, the notes and .dynstr: check_table_overlap;
    // the sections: check_section_header_room, once the rest is known good)
  }
  return {};
}


// The section header table may share no bytes with a table the rewriter
// writes or the reader parses, nor with a section the loader maps and uses
// (allocated, at a nonzero address): writing one back would corrupt the
// other. Other sections (a non-allocated or address-0 one) do not matter.
util::Status check_section_header_room(const Image& img) {
  if (img.sh.empty()) return {};
  const std::uint64_t sh = img.eh.shoff, sh_end = sh + img.sh.size() * img.c.shdr_size;  // checked in read_headers
  for (std::size_t i = 0; i < img.sh.size(); ++i) {
    const Shdr& s = img.sh[i];
    if (keeps_clear_of_section_headers(s) && overlaps(sh, sh_end, s.offset, s.offset + s.size))  // bounds checked in read_headers
      return make_error(img.name, ": the section header table overlaps section ", std::to_string(i));
  }
  return {};
}

// The interpreter string, .dynamic, .dynstr strings and the section header
// table are rewritten in place, and the reader parses notes: none of the
// dynamic table, .dynstr, the section headers and the notes may share bytes
// with another of them (notes may overlap each other: PT_GNU_PROPERTY lies
// inside a PT_NOTE). No linker emits such a file, and one write would undo
// another. A PT_INTERP that shares bytes with one of them (patchelf's
// phdr-corruption file) is kept in `interp_clash`: only writing the
// interpreter is refused for it.
util::Status check_table_overlap(Image& img) {
  struct Range {
    const char* what;
    std::uint64_t lo, hi;
    bool note = false;
  };
  std::vector<Range> ranges;
  std::optional<Range> interp;
  for (const auto& p : img.ph) {  // offsets and sizes checked in read_headers
    if (p.filesz == 0) continue;
    if (p.type == PT_INTERP) interp = Range{"PT_INTERP", p.offset, p.offset + p.filesz};
    if (p.type == PT_NOTE || p.type == PT_GNU_PROPERTY) ranges.push_back({"a note segment", p.offset, p.offset + p.filesz, true});
  }
  if (img.has_dyn)  // checked in read_dynamic
    ranges.push_back({img.dyn_ph >= 0 ? "PT_DYNAMIC" : "the .dynamic section", img.dyn_off,
                      img.dyn_off + img.dyn_slots * img.c.dyn_size});
  if (!img.dynstr.empty())
    ranges.push_back({"the dynamic string table", img.dynstr_off, img.dynstr_off + img.dynstr.size()});
  if (!img.sh.empty())  // its bounds are checked in read_headers
    ranges.push_back({"the section header table", img.eh.shoff, img.eh.shoff + img.sh.size() * img.c.shdr_size});
  for (std::size_t i = 0; i < ranges.size(); ++i)
    for (std::size_t j = i + 1; j < ranges.size(); ++j) {
      const Range &a = ranges[i], &b = ranges[j];
      if (!(a.note && b.note) && overlaps(a.lo, a.hi, b.lo, b.hi))
        return make_error(img.name, ": ", a.what, " overlaps ", b.what);
    }
  for (const auto& r : ranges)
    if (interp && overlaps(interp->lo, interp->hi, r.lo, r.hi)) {
      img.interp_clash = std::string("PT_INTERP overlaps ") + r.what;
      break;
    }
  return {};
}

// The SHT_DYNAMIC section of a file without PT_DYNAMIC, when it is a
// plausible table (allocated, mapped where it says, aligned): patchelf edits
// such a file through its section headers, and so do we. -1 when none.
int dynamic_section(const Image& img) {
  for (std::size_t i = 0; i < img.sh.size(); ++i) {
    const Shdr& s = img.sh[i];
    if (s.type != SHT_DYNAMIC || !(s.flags & SHF_ALLOC) || s.size < img.c.dyn_size) continue;
    if (s.offset % img.c.word == 0 && img.offset_of(s.addr, s.size) == s.offset) return static_cast<int>(i);
  }
  return -1;
}

bool has_ph(const Image& img, std::uint32_t type) {
  return std::any_of(img.ph.begin(), img.ph.end(), [&](const Phdr& p) { return p.type == type; });
}

util::Status read_dynamic(Image& img) {
  for (std::size_t i = 0; i < img.ph.size(); ++i)
    if (img.ph[i].type == PT_DYNAMIC) img.dyn_ph = static_cast<int>(i);
  // An empty PT_DYNAMIC (a static program some linkers give one, a .debug
  // file whose .dynamic is NOBITS) is no dynamic table, as for patchelf and
  // the loader: read as if there were none.
  if (img.dyn_ph >= 0 && img.ph[img.dyn_ph].filesz == 0) img.dyn_ph = -1;
  std::uint64_t size = 0;
  if (img.dyn_ph >= 0) {
    img.dyn_off = img.ph[img.dyn_ph].offset;
    size = img.ph[img.dyn_ph].filesz;
  } else if (int s = dynamic_section(img); s >= 0 && !has_ph(img, PT_DYNAMIC)) {
    img.dyn_off = img.sh[s].offset;
    size = img.sh[s].size;
  } else {
    return {};
  }
  img.has_dyn = true;
  img.dyn_slots = size / img.c.dyn_size;
  bool terminated = false;
  detail::UniqueTagCheck unique;  // the reader applies the same rule
  for (std::size_t i = 0; i < img.dyn_slots; ++i) {
    Dyn e = img.c.dyn(img.data.data() + img.dyn_off + i * img.c.dyn_size);
    if (e.tag == DT_NULL) {
      terminated = true;
      break;
    }
    if (auto duplicate = unique.add(e.tag)) return make_error(img.name, ": ", *duplicate);
    img.dyn.push_back(e);
  }
  if (!terminated) return make_error(img.name, ": dynamic table has no DT_NULL terminator");
  auto strtab = img.dyn_value(DT_STRTAB);
  auto strsz = img.dyn_value(DT_STRSZ);
  if (strtab) {
    if (!strsz) return make_error(img.name, ": DT_STRTAB without DT_STRSZ");
    auto off = img.offset_of(*strtab, *strsz);
    if (!off) return make_error(img.name, ": .dynstr lies outside the file's loaded segments");
    img.dynstr_off = *off;
    img.dynstr_addr = *strtab;
    img.dynstr = img.data.subspan(*off, *strsz);
    if (!img.dynstr.empty() && img.dynstr.back() != 0)
      return make_error(img.name, ": .dynstr: string table is not NUL-terminated");
  }
  return {};
}

// sort_sections() edits every symbol table a section header names, so each
// must be what it claims: the SHT_DYNSYM section is where DT_SYMTAB is (or
// there is no dynamic table), and any other symbol table lies outside the
// loaded segments (as linkers and strip leave them).
util::Status check_symbol_sections(const Image& img) {
  auto symtab = img.dyn_value(DT_SYMTAB);
  for (std::size_t i = 0; i < img.sh.size(); ++i) {
    const Shdr& s = img.sh[i];
    if (s.type != SHT_SYMTAB && s.type != SHT_DYNSYM) continue;
    if (s.type == SHT_DYNSYM && symtab && s.addr == *symtab) {
      if (img.offset_of(s.addr, 0) != s.offset)
        return make_error(img.name, ": the .dynsym section header disagrees with its segment about its offset");
      continue;
    }
    // A .dynsym left behind in a file without a dynamic table (strip of a
    // static PIE; patchelf's contiguous-note-sections test file): a real
    // symbol table, renumbered like the others, that nothing else reads.
    if (s.type == SHT_DYNSYM && !img.has_dyn) continue;
    for (const auto& p : img.ph)
      if (p.type == PT_LOAD && p.filesz && s.size &&
          overlaps(s.offset, s.offset + s.size, p.offset, p.offset + p.filesz))
        return make_error(img.name, ": section ", std::to_string(i),
                          " is a symbol table inside a loaded segment, but not the dynamic symbol table");
  }
  return {};
}

// Number of dynamic symbols: from .dynsym's section header, DT_HASH or a
// walk of DT_GNU_HASH.
util::Status count_dynsyms(Image& img) {
  auto symtab = img.dyn_value(DT_SYMTAB);
  if (!symtab) return {};
  for (const auto& s : img.sh)
    if (s.type == SHT_DYNSYM && s.addr == *symtab) {
      img.dynsym_count = s.size / img.c.sym_size;
      if (img.dynsym_count > img.data.size() / img.c.sym_size)
        return make_error(img.name, ": absurd dynamic symbol count");
      return {};
    }
  const auto& c = img.c;
  WF_TRY(auto hash, img.table(DT_HASH, 8, "DT_HASH"));
  if (hash) {
    img.dynsym_count = c.u32(img.data.data() + *hash + 4);
    if (img.dynsym_count > img.data.size() / c.sym_size) return make_error(img.name, ": absurd dynamic symbol count in DT_HASH");
    return {};
  }
  WF_TRY(auto gnu, img.table(DT_GNU_HASH, 16, "DT_GNU_HASH"));
  if (!gnu) return {};
  const std::uint8_t* h = img.data.data() + *gnu;
  std::uint64_t nbuckets = c.u32(h), symoffset = c.u32(h + 4), bloom = c.u32(h + 8);
  auto head = util::checked_add(16, *util::checked_mul(bloom, c.word));
  auto total = head ? util::checked_add(*head, nbuckets * 4ull) : std::nullopt;
  if (nbuckets > (1u << 28) || bloom > (1u << 28) || !total ||
      !util::in_bounds(*gnu, *total, img.data.size()))
    return make_error(img.name, ": DT_GNU_HASH table runs past the end of the file");
  std::uint64_t max_sym = symoffset;
  for (std::uint64_t b = 0; b < nbuckets; ++b) max_sym = std::max<std::uint64_t>(max_sym, c.u32(h + *head + b * 4));
  std::uint64_t chain = *gnu + *total;
  if (max_sym >= symoffset) {
    for (std::uint64_t i = max_sym;; ++i) {
      std::uint64_t at = chain + (i - symoffset) * 4;
      if (!util::in_bounds(at, 4, img.data.size()))
        return make_error(img.name, ": DT_GNU_HASH chain runs past the end of the file");
      if (c.u32(img.data.data() + at) & 1) {
        max_sym = i;
        break;
      }
    }
  }
  img.dynsym_count = max_sym + 1;
  if (img.dynsym_count > img.data.size() / c.sym_size) return make_error(img.name, ": absurd dynamic symbol count in DT_GNU_HASH");
  return {};
}

// A PT_LOAD at the end of the file holding only what this rewriter puts in
// its segment: moved sections (notes, hash tables, version tables...),
// program headers, .dynamic, .dynstr, .interp.
void find_own_segment(Image& img) {
  int last = -1;
  for (std::size_t i = 0; i < img.ph.size(); ++i)
    if (img.ph[i].type == PT_LOAD && (last < 0 || img.ph[i].vaddr > img.ph[last].vaddr)) last = static_cast<int>(i);
  if (last < 0) return;
  const Phdr& s = img.ph[last];
  // It ends the file, or only the section header table follows it (where
  // the rewriter puts it).
  const std::uint64_t seg_end = s.offset + s.filesz;
  const std::uint64_t sh_size = img.sh.size() * img.c.shdr_size;
  const bool sh_behind = !img.sh.empty() && img.eh.shoff >= seg_end && img.eh.shoff - seg_end < 16 &&
                         img.eh.shoff + sh_size == img.data.size();
  if ((seg_end != img.data.size() && !sh_behind) || s.filesz != s.memsz || s.filesz == 0) return;
  // A resolution cache note's own segment is not one to grow.
  if (int k = find_section(img, kResolutionNoteSection); k >= 0 && img.sh[k].offset >= s.offset && img.sh[k].offset < seg_end)
    return;
  std::uint64_t prefix = 0;
  std::uint64_t interp_addr = UINT64_MAX;
  for (std::size_t i = 0; i < img.ph.size(); ++i) {
    const Phdr& p = img.ph[i];
    if (static_cast<int>(i) == last) continue;
    if (p.type == PT_INTERP) interp_addr = p.vaddr;
    if (p.type == PT_LOAD && p.offset + p.filesz > s.offset) return;
    bool inside = p.filesz > 0 && p.offset >= s.offset && p.offset < s.offset + s.filesz;
    if (!inside) continue;
    if (p.type == PT_NOTE || p.type == PT_GNU_PROPERTY) prefix = std::max(prefix, p.offset + p.filesz - s.offset);
    else if (p.type != PT_PHDR && p.type != PT_DYNAMIC && p.type != PT_INTERP) return;
  }
  if (!img.sh.empty() && !sh_behind && img.eh.shoff + sh_size > s.offset) return;
  bool has_ours = false;
  for (const auto& x : img.sh) {
    if (x.type == SHT_NOBITS || x.size == 0 || x.offset < s.offset) continue;
    bool tail_kind = (x.type == SHT_STRTAB && x.addr == img.dynstr_addr) || x.type == SHT_DYNAMIC ||
                     (x.type == SHT_PROGBITS && x.addr == interp_addr);
    if (!tail_kind && !is_movable_section(x.type)) return;
    if (!tail_kind) prefix = std::max(prefix, x.offset + x.size - s.offset);
    has_ours = true;
  }
  if (img.dynstr_off >= s.offset && !img.dynstr.empty()) has_ours = true;
  if (!has_ours) return;
  img.own_seg = last;
  img.own_prefix = prefix;
}

}  // namespace

util::Result<Image> parse_image(util::Bytes data, const std::string& name) {
  Image img;
  img.name = name;
  img.data = data;
  ElfKind kind = elf_kind(data.data(), data.size());
  if (kind == ElfKind::Invalid) return make_error(name, ": not an ELF file");
  img.c = Codec(kind);
  WF_CHECK(read_headers(img));
  WF_CHECK(check_header_overlap(img));
  WF_CHECK(read_dynamic(img));
  WF_CHECK(check_table_overlap(img));
  WF_CHECK(count_dynsyms(img));
  WF_CHECK(check_symbol_sections(img));
  WF_CHECK(check_section_header_room(img));
  WF_CHECK(check_section_names(img));
  find_own_segment(img);
  if (img.dynsym_count) {
    auto off = img.offset_of(*img.dyn_value(DT_SYMTAB), img.dynsym_count * img.c.sym_size);
    if (!off) return make_error(name, ": .dynsym runs past the end of its segment");
    for (std::uint64_t i = 0; i < img.dynsym_count; ++i)
      img.max_sym_size = std::max(img.max_sym_size, img.c.sym(data.data() + *off + i * img.c.sym_size).size);
  }
  return img;
}

std::uint64_t page_size_for(const Image& img, std::uint64_t override_size) {
  if (override_size) return override_size;
  std::uint64_t page = 4096;
  switch (img.eh.machine) {
    case EM_AARCH64: case EM_PPC64: case EM_PPC: case EM_LOONGARCH: case EM_MIPS:
      page = 65536;
      break;
    default:
      break;
  }
  for (const auto& p : img.ph)
    if (p.type == PT_LOAD && p.align > page && p.align <= (1ull << 30) && (p.align & (p.align - 1)) == 0)
      page = p.align;
  return page;
}

}  // namespace wheelfix::elf::rw
