// Layout: decides which tables move, builds the one appended segment (or
// rebuilds the one an earlier run added), and rewrites program headers, the
// dynamic table and section headers to match.
#include <algorithm>
#include <numeric>

#include "elf/rewrite_internal.hpp"

namespace wheelfix::elf::rw {

using util::make_error;

namespace {

int find_ph(const std::vector<Phdr>& ph, std::uint32_t type) {
  for (std::size_t i = 0; i < ph.size(); ++i)
    if (ph[i].type == type) return static_cast<int>(i);
  return -1;
}

// Program header slots that may be reused: PT_NULL entries and a PT_NOTE
// that exactly duplicates PT_GNU_PROPERTY.
std::vector<std::size_t> free_slots(const std::vector<Phdr>& ph) {
  std::vector<std::size_t> out;
  int prop = find_ph(ph, PT_GNU_PROPERTY);
  for (std::size_t i = 0; i < ph.size(); ++i) {
    if (ph[i].type == PT_NULL) out.push_back(i);
    if (prop >= 0 && ph[i].type == PT_NOTE && ph[i].offset == ph[prop].offset &&
        ph[i].filesz == ph[prop].filesz)
      out.push_back(i);
  }
  return out;
}

// Appends `size` bytes aligned to `align` to the tail; returns their position.
std::uint64_t reserve(std::vector<std::uint8_t>& tail, std::uint64_t size, std::uint64_t align) {
  std::uint64_t pos = align_up(tail.size(), align);
  tail.resize(pos + size, 0);
  return pos;
}

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

// A run of sections right after the program header table that can move to
// the appended segment so the table can grow in place.
struct Block {
  std::uint64_t start = 0, end = 0;  // file offsets
  std::uint64_t vaddr = 0;           // address of `start`
};

std::optional<Block> find_block(const Image& img, std::uint64_t need_end) {
  if (img.sh.empty()) return std::nullopt;
  std::uint64_t ph_end = img.eh.phoff + img.ph.size() * img.c.phdr_size;
  const Phdr* seg = nullptr;
  for (const auto& p : img.ph)
    if (p.type == PT_LOAD && p.offset <= img.eh.phoff && ph_end <= p.offset + p.filesz) seg = &p;
  if (!seg) return std::nullopt;
  int interp = find_ph(img.ph, PT_INTERP);
  std::vector<const Shdr*> secs;
  for (const auto& s : img.sh)
    if ((s.flags & SHF_ALLOC) && s.type != SHT_NOBITS && s.size > 0 && s.offset >= ph_end) secs.push_back(&s);
  std::sort(secs.begin(), secs.end(), [](const Shdr* a, const Shdr* b) { return a->offset < b->offset; });
  Block b{ph_end, ph_end, seg->vaddr + (ph_end - seg->offset)};
  // Program headers other than loads must lie wholly inside or outside.
  auto straddles = [&]() {
    for (const auto& p : img.ph) {
      if (p.type == PT_LOAD || p.type == PT_PHDR || p.type == PT_GNU_RELRO || p.filesz == 0) continue;
      bool in = p.offset >= b.start && p.offset + p.filesz <= b.end;
      bool out = p.offset + p.filesz <= b.start || p.offset >= b.end;
      if (!in && !out) return true;
    }
    return false;
  };
  for (const Shdr* s : secs) {
    if (b.end >= need_end && !straddles()) break;
    bool is_interp = interp >= 0 && s->type == SHT_PROGBITS && s->addr == img.ph[interp].vaddr;
    bool is_dynstr = s->type == SHT_STRTAB && s->addr == img.dynstr_addr;
    if ((!is_movable_section(s->type) && !is_interp) || is_dynstr) return std::nullopt;
    b.end = std::max(b.end, s->offset + s->size);
  }
  if (b.end < need_end || b.end > seg->offset + seg->filesz || straddles()) return std::nullopt;
  return b;
}

}  // namespace


util::Status lay_out(const Image& img, LayoutInput in, Overlay& ov, FileEdit& fe) {
  const Codec& c = img.c;
  Ehdr eh = img.eh;
  const std::vector<Phdr>& ph = img.ph;
  const int own = img.own_seg;
  const std::uint64_t own_off = own >= 0 ? ph[own].offset : img.data.size();
  const std::uint64_t own_keep = own >= 0 ? own_off + img.own_prefix : img.data.size();
  auto in_own_tail = [&](std::uint64_t off) { return own >= 0 && off >= own_keep; };

  // What must move into the appended segment. A segment added by an earlier
  // run is rebuilt only when something new must move; then everything in
  // its tail part is emitted again.
  std::size_t slots = in.dyn.size() + 1;
  int interp = find_ph(ph, PT_INTERP);
  std::optional<std::string> interp_text = in.interp;
  if (in.interp && interp < 0) return make_error(img.name, ": no PT_INTERP (not a dynamically linked executable)");
  bool add_stack = in.execstack && *in.execstack && find_ph(ph, PT_GNU_STACK) < 0;
  bool dyn_needed = img.dyn_ph >= 0 && slots > img.dyn_slots;
  bool interp_needed = interp_text && interp_text->size() + 1 > ph[interp].filesz;
  bool rebuild = own >= 0 && (in.dynstr_must_move || dyn_needed || interp_needed ||
                              (add_stack && free_slots(ph).empty()));
  bool move_dyn = dyn_needed || (rebuild && img.dyn_ph >= 0 && in_own_tail(ph[img.dyn_ph].offset));
  bool move_str = in.dynstr_must_move || (rebuild && !img.dynstr.empty() && in_own_tail(img.dynstr_off));
  if (move_str && !in.dynstr) return make_error(img.name, ": internal error: .dynstr content missing");
  if (!move_str)
    for (const auto& w : in.dynstr_writes) std::copy(w.bytes.begin(), w.bytes.end(), ov.region(w.offset, w.bytes.size()));
  bool move_interp = interp_needed || (rebuild && interp >= 0 && in_own_tail(ph[interp].offset));
  if (move_interp && !interp_text) {
    auto s = util::c_string_at(img.data.subspan(ph[interp].offset, ph[interp].filesz), 0);
    interp_text = s ? std::string(*s) : std::string();
  } else if (interp_text && !move_interp) {
    std::uint8_t* p = ov.region(ph[interp].offset, ph[interp].filesz);
    std::fill(p, p + ph[interp].filesz, 0);
    std::copy(interp_text->begin(), interp_text->end(), p);
  }
  bool move_phdr = rebuild && in_own_tail(eh.phoff);
  bool any_move = move_dyn || move_str || move_interp || move_phdr;
  auto slots_free = free_slots(ph);
  auto extra_entries = [&]() { return (any_move && own < 0 ? 1u : 0u) + (add_stack ? 1u : 0u); };
  std::optional<Block> block;
  bool grow_phdr = false;
  if (!move_phdr && extra_entries() > slots_free.size()) {
    any_move = true;  // growing the table needs the segment either way
    if (extra_entries() > slots_free.size()) {
      std::uint64_t need_end = eh.phoff + (ph.size() + extra_entries()) * c.phdr_size;
      if (!(own >= 0 && img.own_prefix > 0)) block = find_block(img, need_end);
      grow_phdr = block.has_value();
      move_phdr = !grow_phdr;
    }
  }
  const bool use_own = own >= 0 && any_move;
  const std::size_t extra = extra_entries();

  // New program header list.
  std::vector<Phdr> nph;
  std::size_t consume = (move_phdr || grow_phdr) ? 0 : extra;
  for (std::size_t i = 0; i < ph.size(); ++i) {
    auto end = slots_free.begin() + static_cast<std::ptrdiff_t>(std::min(consume, slots_free.size()));
    if (std::find(slots_free.begin(), end, i) == end) nph.push_back(ph[i]);
  }
  std::size_t load_at = nph.size();
  if (any_move) {
    if (use_own) {
      for (std::size_t i = 0; i < nph.size(); ++i)
        if (nph[i].type == PT_LOAD && nph[i].offset == own_off && nph[i].vaddr == ph[own].vaddr) load_at = i;
    } else {
      std::size_t last = 0;
      for (std::size_t i = 0; i < nph.size(); ++i)
        if (nph[i].type == PT_LOAD) last = i + 1;
      nph.insert(nph.begin() + static_cast<std::ptrdiff_t>(last), Phdr{PT_LOAD});
      load_at = last;
    }
  }
  if (add_stack) nph.push_back(Phdr{PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0, 0, 16});
  while (!move_phdr && !grow_phdr && nph.size() < ph.size()) nph.push_back(Phdr{});
  for (auto& p : nph)
    if (p.type == PT_GNU_STACK && in.execstack)
      p.flags = *in.execstack ? (p.flags | PF_X) : (p.flags & ~static_cast<std::uint32_t>(PF_X));
  if (nph.size() >= PN_XNUM) return make_error(img.name, ": too many program headers");

  // The appended segment: [moved block][program headers][.dynamic][.dynstr][.interp].
  std::vector<std::uint8_t> tail;
  std::uint64_t block_pos = 0, phdr_pos = 0, dyn_pos = 0, str_pos = 0, interp_pos = 0;
  if (block) {
    block_pos = block->start % 16;
    tail.resize(block_pos + (block->end - block->start), 0);
  }
  if (move_phdr) phdr_pos = reserve(tail, nph.size() * c.phdr_size, c.word);
  if (move_dyn) dyn_pos = reserve(tail, slots * c.dyn_size, c.word);
  if (move_str) str_pos = reserve(tail, in.dynstr->size(), 1);
  if (move_interp) interp_pos = reserve(tail, interp_text->size() + 1, 1);
  const std::uint64_t keep = use_own ? own_keep : img.data.size();
  std::uint64_t tail_off = align_up(keep, 16);
  std::uint64_t seg_off = tail_off, seg_vaddr = 0, tail_vaddr = 0;
  if (any_move) {
    std::uint64_t page = page_size_for(img, in.page_size);
    std::uint64_t max_end = 0, first_vaddr = UINT64_MAX, first_off = 0;
    for (std::size_t i = 0; i < ph.size(); ++i) {
      if (ph[i].type != PT_LOAD || (own >= 0 && static_cast<int>(i) == own)) continue;
      max_end = std::max(max_end, ph[i].vaddr + ph[i].memsz);
      if (ph[i].vaddr < first_vaddr) first_vaddr = ph[i].vaddr, first_off = ph[i].offset;
    }
    // Older kernels compute AT_PHDR from e_phoff and the first PT_LOAD's
    // bias, so a moved table in an executable must keep that bias.
    bool keep_bias = move_phdr && img.executable();
    if (keep_bias && (first_vaddr < first_off || (first_vaddr - first_off) % page != 0))
      return make_error(img.name, ": cannot move the program headers of this executable (unusual first segment)");
    std::uint64_t bias = first_vaddr - first_off;
    if (use_own && img.own_prefix > 0) {
      seg_off = own_off;
      seg_vaddr = ph[own].vaddr;
      if (keep_bias && seg_vaddr - seg_off != bias)
        return make_error(img.name, ": cannot move the program headers of this executable again");
    } else {
      // A gap as large as the largest symbol keeps tools that test
      // "address + symbol size" against segments (eu-elflint) quiet.
      std::uint64_t base = align_up(max_end + std::min<std::uint64_t>(img.max_sym_size, 1ull << 30), page);
      if (keep_bias) {
        if (tail_off + bias < base) tail_off = base - bias;
        seg_vaddr = tail_off + bias;
      } else {
        seg_vaddr = base + tail_off % page;
      }
      seg_off = tail_off;
    }
    tail_vaddr = seg_vaddr + (tail_off - seg_off);
    std::uint64_t limit = c.is64 ? UINT64_MAX : 0xffffffffull;
    if (tail_vaddr > limit - tail.size()) return make_error(img.name, ": no address space left for the moved tables");
    Phdr& load = nph[load_at];
    load.type = PT_LOAD;
    load.flags = PF_R | (move_dyn ? PF_W : 0);
    load.offset = seg_off;
    load.vaddr = load.paddr = seg_vaddr;
    load.filesz = load.memsz = tail_off + tail.size() - seg_off;
    load.align = page;
  }
  auto at = [&](std::uint64_t pos) { return tail_vaddr + pos; };

  // Moved block: everything inside it shifts by the same amounts.
  const std::uint64_t block_len = block ? block->end - block->start : 0;
  const std::uint64_t d_off = block ? tail_off + block_pos - block->start : 0;
  const std::uint64_t d_addr = block ? at(block_pos) - block->vaddr : 0;
  auto in_block_off = [&](std::uint64_t off) { return block && off >= block->start && off < block->end; };
  auto in_block_addr = [&](std::uint64_t a) { return block && a >= block->vaddr && a < block->vaddr + block_len; };
  for (auto& p : nph) {
    if (p.type != PT_LOAD && p.type != PT_PHDR && p.filesz > 0 && in_block_off(p.offset)) {
      p.offset += d_off;
      p.vaddr += d_addr;
      p.paddr += d_addr;
    }
    if (p.type == PT_PHDR && (move_phdr || grow_phdr)) {
      if (move_phdr) {
        p.offset = tail_off + phdr_pos;
        p.vaddr = p.paddr = at(phdr_pos);
      }
      p.filesz = p.memsz = nph.size() * c.phdr_size;
    }
    if (p.type == PT_DYNAMIC && move_dyn) {
      p.offset = tail_off + dyn_pos;
      p.vaddr = p.paddr = at(dyn_pos);
      p.filesz = p.memsz = slots * c.dyn_size;
    }
    if (p.type == PT_INTERP && move_interp) {
      p.offset = tail_off + interp_pos;
      p.vaddr = p.paddr = at(interp_pos);
      p.filesz = p.memsz = interp_text->size() + 1;
    }
  }

  // Dynamic table contents.
  for (auto& d : in.dyn) {
    if (d.tag == DT_STRTAB && move_str) d.val = at(str_pos);
    if (d.tag == DT_STRSZ && move_str) d.val = in.dynstr->size();
    if (is_movable_address_tag(d.tag) && in_block_addr(d.val)) d.val += d_addr;
  }
  if (img.dyn_ph >= 0) {
    std::size_t n = move_dyn ? slots : img.dyn_slots;
    std::uint8_t* p = move_dyn ? tail.data() + dyn_pos : ov.region(ph[img.dyn_ph].offset, n * c.dyn_size);
    for (std::size_t i = 0; i < n; ++i) c.put(p + i * c.dyn_size, i < in.dyn.size() ? in.dyn[i] : Dyn{});
  }
  if (move_str) std::copy(in.dynstr->begin(), in.dynstr->end(), tail.begin() + static_cast<std::ptrdiff_t>(str_pos));
  if (move_interp) std::copy(interp_text->begin(), interp_text->end(), tail.begin() + static_cast<std::ptrdiff_t>(interp_pos));

  // Section headers follow the moved tables and stay sorted by offset.
  bool moved_section = false;
  for (auto& s : in.sh) {
    auto move_to = [&](std::uint64_t pos, std::uint64_t size) {
      s.offset = tail_off + pos;
      s.addr = at(pos);
      s.size = size;
      moved_section = true;
    };
    if (move_str && s.type == SHT_STRTAB && (s.flags & SHF_ALLOC) && s.addr == img.dynstr_addr) {
      move_to(str_pos, in.dynstr->size());
    } else if (move_dyn && s.type == SHT_DYNAMIC) {
      move_to(dyn_pos, slots * c.dyn_size);
    } else if (move_interp && s.type == SHT_PROGBITS && (s.flags & SHF_ALLOC) && s.addr == ph[interp].vaddr) {
      move_to(interp_pos, interp_text->size() + 1);
    } else if ((s.flags & SHF_ALLOC) && s.type != SHT_NOBITS && in_block_off(s.offset)) {
      s.offset += d_off;
      s.addr += d_addr;
      moved_section = true;
    }
  }
  if (moved_section) sort_sections(img, in.sh, eh, ov);
  if (!in.sh.empty()) {
    std::uint8_t* p = ov.region(img.eh.shoff, in.sh.size() * c.shdr_size);
    for (std::size_t i = 0; i < in.sh.size(); ++i) c.put(p + i * c.shdr_size, in.sh[i]);
  }

  // Program headers and the ELF header.
  if (move_phdr) eh.phoff = tail_off + phdr_pos;
  eh.phnum = static_cast<std::uint16_t>(nph.size());
  std::uint8_t* php = move_phdr ? tail.data() + phdr_pos : ov.region(img.eh.phoff, nph.size() * c.phdr_size);
  for (std::size_t i = 0; i < nph.size(); ++i) c.put(php + i * c.phdr_size, nph[i]);
  c.put(ov.region(0, c.ehdr_size), eh);

  // The moved block's bytes, with every edit made to them above.
  if (block) {
    std::vector<std::uint8_t> bytes(img.data.begin() + static_cast<std::ptrdiff_t>(block->start),
                                    img.data.begin() + static_cast<std::ptrdiff_t>(block->end));
    apply_overlay(ov, block->start, bytes, img.eh.phoff);
    std::copy(bytes.begin(), bytes.end(), tail.begin() + static_cast<std::ptrdiff_t>(block_pos));
  }

  fe.keep = any_move ? keep : img.data.size();
  fe.tail_offset = any_move ? tail_off : fe.keep;
  fe.tail = std::move(tail);
  fe.layout_changed = any_move;
  return {};
}

}  // namespace wheelfix::elf::rw
