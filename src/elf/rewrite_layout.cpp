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

// A run of sections right after the program header table that can move to
// the appended segment so the table can grow in place.
struct Block {
  std::uint64_t start = 0, end = 0;  // file offsets
  std::uint64_t vaddr = 0;           // address of `start`
};

// File offset just past a version definition (`def`) or requirement chain
// starting at `off`, or nullopt when it leaves the file or does not end.
std::optional<std::uint64_t> version_chain_end(const Image& img, std::uint64_t off, bool def) {
  const Codec& c = img.c;
  const std::uint64_t ent = def ? 20 : 16, aux_size = def ? 8 : 16;
  const std::size_t cnt_at = def ? 6 : 2, aux_at = def ? 12 : 8, next_at = def ? 16 : 12, aux_next_at = def ? 4 : 12;
  std::uint64_t end = off;
  for (int guard = 0; guard < 65536; ++guard) {
    if (!util::in_bounds(off, ent, img.data.size())) return std::nullopt;
    const std::uint8_t* p = img.data.data() + off;
    end = std::max(end, off + ent);
    std::uint64_t a = off + c.u32(p + aux_at);
    for (std::uint16_t k = 0, cnt = c.u16(p + cnt_at); k < cnt; ++k) {
      if (!util::in_bounds(a, aux_size, img.data.size())) return std::nullopt;
      end = std::max(end, a + aux_size);
      std::uint32_t next = c.u32(img.data.data() + a + aux_next_at);
      if (!next) break;
      a += next;
    }
    std::uint32_t next = c.u32(p + next_at);
    if (!next) return end;
    off += next;
  }
  return std::nullopt;
}

// File offset just past the table that movable address tag `tag` finds at
// `off` (its size read the way the edits read it), or nullopt.
std::optional<std::uint64_t> table_end(const Image& img, std::int64_t tag, std::uint64_t off) {
  const Codec& c = img.c;
  const std::uint8_t* d = img.data.data();
  const std::uint64_t n = img.dynsym_count;
  std::optional<std::uint64_t> size;
  if (tag == DT_SYMTAB) size = util::checked_mul(n, c.sym_size);
  if (tag == DT_VERSYM) size = util::checked_mul(n, 2);
  if (tag == DT_VERDEF || tag == DT_VERNEED) return version_chain_end(img, off, tag == DT_VERDEF);
  if (tag == DT_HASH) {
    std::uint64_t ent = (img.eh.machine == EM_S390 && c.is64) || img.eh.machine == EM_ALPHA ? 8 : 4;
    if (!util::in_bounds(off, 2 * ent, img.data.size())) return std::nullopt;
    std::uint64_t nb = ent == 8 ? c.u64(d + off) : c.u32(d + off);
    std::uint64_t nc = ent == 8 ? c.u64(d + off + 8) : c.u32(d + off + 4);
    auto slots = util::checked_add(nb, nc);
    if (slots) slots = util::checked_add(*slots, 2);
    if (slots) size = util::checked_mul(*slots, ent);
  }
  if (tag == DT_GNU_HASH) {
    if (!util::in_bounds(off, 16, img.data.size())) return std::nullopt;
    std::uint64_t nb = c.u32(d + off), symoff = c.u32(d + off + 4), bloom = c.u32(d + off + 8);
    size = 16 + bloom * c.word + nb * 4 + (n > symoff ? n - symoff : 0) * 4;  // 32-bit counts: no overflow
  }
  if (!size || !util::in_bounds(off, *size, img.data.size())) return std::nullopt;
  return off + *size;
}

// True when every table a dynamic tag finds inside `b` also ends inside it
// (section headers may say less): a table cut in two cannot move.
bool tables_fit(const Image& img, const Block& b) {
  for (const auto& d : img.dyn) {
    if (!is_movable_address_tag(d.tag) || d.val < b.vaddr || d.val - b.vaddr >= b.end - b.start) continue;
    auto end = table_end(img, d.tag, b.start + (d.val - b.vaddr));
    if (!end || *end > b.end) return false;
  }
  return true;
}

// Whether section `s` may move with the block behind the program header
// table: a movable type or the interpreter string, never .dynstr.
bool movable_in_block(const Image& img, const Shdr& s, int interp) {
  bool is_interp = interp >= 0 && s.type == SHT_PROGBITS && s.addr == img.ph[interp].vaddr;
  bool is_dynstr = s.type == SHT_STRTAB && s.addr == img.dynstr_addr;
  return (is_movable_section(s.type) || is_interp) && !is_dynstr;
}

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
    if (!movable_in_block(img, *s, interp)) return std::nullopt;
    b.end = std::max(b.end, s->offset + s->size);
  }
  if (b.end < need_end || b.end > seg->offset + seg->filesz || straddles()) return std::nullopt;
  // Addresses in the block are found through `seg` alone: a second PT_LOAD
  // mapping the same bytes elsewhere would keep pointing at the old place.
  for (const auto& p : img.ph)
    if (p.type == PT_LOAD && &p != seg && p.filesz > 0 && p.offset < b.end && img.eh.phoff < p.offset + p.filesz)
      return std::nullopt;
  // Every section the block's bytes hold moves with it, so each must lie
  // wholly inside or outside and be movable (a corrupt section starting in
  // .dynsym and running past the block was moved half out of the file).
  for (const auto& s : img.sh) {
    if (s.type == SHT_NOBITS || s.size == 0 || (s.type == SHT_NULL && !(s.flags & SHF_ALLOC))) continue;
    bool in = s.offset >= b.start && s.offset + s.size <= b.end;
    bool out = s.offset + s.size <= b.start || s.offset >= b.end;
    if (!out && (!in || !movable_in_block(img, s, interp))) return std::nullopt;
  }
  // The grown table must not cover the section headers, which stay.
  std::uint64_t sh_end = img.eh.shoff + img.sh.size() * img.c.shdr_size;
  if (img.eh.shoff < need_end && ph_end < sh_end) return std::nullopt;
  if (!tables_fit(img, b)) return std::nullopt;
  return b;
}

}  // namespace


namespace {

// The layout decisions shared by the steps of lay_out().
struct Layout {
  Layout(const Image& i, LayoutInput& n, Overlay& o) : img(i), in(n), ov(o), eh(i.eh) {}
  const Image& img;
  LayoutInput& in;
  Overlay& ov;
  Ehdr eh;
  int own = -1;
  std::uint64_t own_off = 0, own_keep = 0;
  std::size_t slots = 0;  // .dynamic entries including DT_NULL
  int interp = -1;
  std::optional<std::string> interp_text;
  bool add_stack = false, move_dyn = false, move_str = false, move_interp = false;
  bool move_phdr = false, grow_phdr = false, any_move = false, use_own = false;
  std::optional<Block> block;
  std::vector<std::size_t> slots_free;
  std::size_t extra = 0;
  std::vector<Phdr> nph;
  std::size_t load_at = 0;
  std::vector<std::uint8_t> tail;
  std::uint64_t block_pos = 0, phdr_pos = 0, dyn_pos = 0, str_pos = 0, interp_pos = 0;
  std::uint64_t keep = 0, tail_off = 0, seg_off = 0, seg_vaddr = 0, tail_vaddr = 0;

  bool in_own_tail(std::uint64_t off) const { return own >= 0 && off >= own_keep; }
  std::uint64_t at(std::uint64_t pos) const { return tail_vaddr + pos; }
};

// Decides what moves into the appended segment (a segment added by an
// earlier run is rebuilt only when something new must move; then everything
// in its tail part is emitted again) and writes what fits in place.
util::Status decide_moves(Layout& L) {
  const Image& img = L.img;
  const auto& ph = img.ph;
  const Codec& c = img.c;
  auto& in = L.in;
  auto& ov = L.ov;
  // What must move into the appended segment. A segment added by an earlier
  // run is rebuilt only when something new must move; then everything in
  // its L.tail part is emitted again.
  L.slots = in.dyn.size() + 1;
  L.interp = find_ph(ph, PT_INTERP);
  L.interp_text = in.interp;
  if (in.interp && L.interp < 0) return make_error(img.name, ": no PT_INTERP (not a dynamically linked executable)");
  L.add_stack = in.execstack && *in.execstack && find_ph(ph, PT_GNU_STACK) < 0;
  bool dyn_needed = img.has_dyn && L.slots > img.dyn_slots;
  bool interp_needed = L.interp_text && (L.interp_text->size() + 1 > ph[L.interp].filesz || in.interp_must_move);
  bool rebuild = L.own >= 0 && (in.dynstr_must_move || dyn_needed || interp_needed ||
                              (L.add_stack ? 1u : 0u) + in.reserve_slots > free_slots(ph).size());
  L.move_dyn = dyn_needed || (rebuild && img.has_dyn && L.in_own_tail(img.dyn_off));
  L.move_str = in.dynstr_must_move || (rebuild && !img.dynstr.empty() && L.in_own_tail(img.dynstr_off));
  if (L.move_str && !in.dynstr) return make_error(img.name, ": internal error: .dynstr content missing");
  if (!L.move_str)
    for (const auto& w : in.dynstr_writes) std::copy(w.bytes.begin(), w.bytes.end(), ov.region(w.offset, w.bytes.size()));
  L.move_interp = interp_needed || (rebuild && L.interp >= 0 && L.in_own_tail(ph[L.interp].offset));
  if (L.move_interp && !L.interp_text) {
    auto s = util::c_string_at(img.data.subspan(ph[L.interp].offset, ph[L.interp].filesz), 0);
    L.interp_text = s ? std::string(*s) : std::string();
  } else if (L.interp_text && !L.move_interp) {
    std::uint8_t* p = ov.region(ph[L.interp].offset, ph[L.interp].filesz);
    std::fill(p, p + ph[L.interp].filesz, 0);
    std::copy(L.interp_text->begin(), L.interp_text->end(), p);
  }
  L.move_phdr = rebuild && L.in_own_tail(L.eh.phoff);
  L.any_move = L.move_dyn || L.move_str || L.move_interp || L.move_phdr;
  L.slots_free = free_slots(ph);
  auto extra_entries = [&]() {
    return (L.any_move && L.own < 0 ? 1u : 0u) + (L.add_stack ? 1u : 0u) + in.reserve_slots;
  };
  if (!L.move_phdr && extra_entries() > L.slots_free.size()) {
    L.any_move = true;  // growing the table needs the segment either way
    if (extra_entries() > L.slots_free.size()) {
      std::uint64_t need_end = L.eh.phoff + (ph.size() + extra_entries()) * c.phdr_size;
      if (!(L.own >= 0 && img.own_prefix > 0)) L.block = find_block(img, need_end);
      L.grow_phdr = L.block.has_value();
      L.move_phdr = !L.grow_phdr;
    }
  }
  L.use_own = L.own >= 0 && L.any_move;
  L.extra = extra_entries();

  return {};
}

// The new program header list: free slots consumed, the added PT_LOAD after
// the last PT_LOAD, PT_GNU_STACK flags.
util::Status build_phdrs(Layout& L) {
  const Image& img = L.img;
  const auto& ph = img.ph;
  auto& in = L.in;
  std::size_t consume = (L.move_phdr || L.grow_phdr) ? 0 : L.extra;
  for (std::size_t i = 0; i < ph.size(); ++i) {
    auto end = L.slots_free.begin() + static_cast<std::ptrdiff_t>(std::min(consume, L.slots_free.size()));
    if (std::find(L.slots_free.begin(), end, i) == end) L.nph.push_back(ph[i]);
  }
  L.load_at = L.nph.size();
  if (L.any_move) {
    if (L.use_own) {
      for (std::size_t i = 0; i < L.nph.size(); ++i)
        if (L.nph[i].type == PT_LOAD && L.nph[i].offset == L.own_off && L.nph[i].vaddr == ph[L.own].vaddr) L.load_at = i;
    } else {
      std::size_t last = 0;
      for (std::size_t i = 0; i < L.nph.size(); ++i)
        if (L.nph[i].type == PT_LOAD) last = i + 1;
      L.nph.insert(L.nph.begin() + static_cast<std::ptrdiff_t>(last), Phdr{PT_LOAD});
      L.load_at = last;
    }
  }
  if (L.add_stack) L.nph.push_back(Phdr{PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0, 0, 16});
  while (!L.move_phdr && !L.grow_phdr && L.nph.size() < ph.size()) L.nph.push_back(Phdr{});
  auto null_slots = [&]() { return std::count_if(L.nph.begin(), L.nph.end(), [](const Phdr& p) { return p.type == PT_NULL; }); };
  if (L.move_phdr || L.grow_phdr)  // the reserved slots, at the end
    while (null_slots() < static_cast<std::ptrdiff_t>(in.reserve_slots)) L.nph.push_back(Phdr{});
  for (auto& p : L.nph)
    if (p.type == PT_GNU_STACK && in.execstack)
      p.flags = *in.execstack ? (p.flags | PF_X) : (p.flags & ~static_cast<std::uint32_t>(PF_X));
  if (L.nph.size() >= PN_XNUM) return make_error(img.name, ": too many program headers");

  return {};
}

// Lowest address for the added segment: above `max_end` (the end of every
// PT_LOAD) plus a gap as large as the largest symbol, which keeps tools that
// test "address + symbol size" against segments (eu-elflint) quiet. When
// the bias is kept the gap is also a hole in the file, so there it is at
// most the file's size (a corrupt st_size made 6 KB into 1 GiB). nullopt
// when the address overflows.
std::optional<std::uint64_t> segment_base(const Image& img, std::uint64_t max_end, std::uint64_t page,
                                          bool keep_bias) {
  std::uint64_t gap_limit = keep_bias ? img.data.size() : 1ull << 30;
  auto end = util::checked_add(max_end, std::min<std::uint64_t>(img.max_sym_size, gap_limit));
  if (!end || !util::checked_add(*end, page)) return std::nullopt;
  return align_up(*end, page);
}

// Reserves the appended segment's parts and chooses its file offset and
// address (congruent modulo the page size, above every other segment).
util::Status place_segment(Layout& L) {
  const Image& img = L.img;
  const auto& ph = img.ph;
  const Codec& c = img.c;
  auto& in = L.in;
  // The appended segment: [moved L.block][program headers][.dynamic][.dynstr][.interp].
  if (L.block) {
    L.block_pos = L.block->start % 16;
    L.tail.resize(L.block_pos + (L.block->end - L.block->start), 0);
  }
  if (L.move_phdr) L.phdr_pos = reserve(L.tail, L.nph.size() * c.phdr_size, c.word);
  if (L.move_dyn) L.dyn_pos = reserve(L.tail, L.slots * c.dyn_size, c.word);
  if (L.move_str) L.str_pos = reserve(L.tail, in.dynstr->size(), 1);
  if (L.move_interp) L.interp_pos = reserve(L.tail, L.interp_text->size() + 1, 1);
  L.keep = L.use_own ? L.own_keep : img.data.size();
  L.tail_off = align_up(L.keep, 16);
  L.seg_off = L.tail_off;
  if (L.any_move) {
    std::uint64_t page = page_size_for(img, in.page_size);
    std::uint64_t max_end = 0, first_vaddr = UINT64_MAX, first_off = 0;
    for (std::size_t i = 0; i < ph.size(); ++i) {
      if (ph[i].type != PT_LOAD || (L.own >= 0 && static_cast<int>(i) == L.own)) continue;
      max_end = std::max(max_end, ph[i].vaddr + ph[i].memsz);
      if (ph[i].vaddr < first_vaddr) first_vaddr = ph[i].vaddr, first_off = ph[i].offset;
    }
    // Older kernels compute AT_PHDR from e_phoff and the first PT_LOAD's
    // bias, so a moved table in an executable must L.keep that bias.
    bool keep_bias = L.move_phdr && img.executable();
    if (keep_bias && (first_vaddr < first_off || (first_vaddr - first_off) % page != 0))
      return make_error(img.name, ": cannot move the program headers of this executable (unusual first segment)");
    std::uint64_t bias = first_vaddr - first_off;
    if (L.use_own && img.own_prefix > 0) {
      L.seg_off = L.own_off;
      L.seg_vaddr = ph[L.own].vaddr;
      if (keep_bias && L.seg_vaddr - L.seg_off != bias)
        return make_error(img.name, ": cannot move the program headers of this executable again");
    } else {
      auto base_or = segment_base(img, max_end, page, keep_bias);
      if (!base_or) return make_error(img.name, ": no address space left for the moved tables");
      std::uint64_t base = *base_or;
      if (keep_bias) {
        if (L.tail_off + bias < base) L.tail_off = base - bias;
        L.seg_vaddr = L.tail_off + bias;
      } else {
        L.seg_vaddr = base + L.tail_off % page;
      }
      L.seg_off = L.tail_off;
    }
    L.tail_vaddr = L.seg_vaddr + (L.tail_off - L.seg_off);
    std::uint64_t limit = c.is64 ? UINT64_MAX : 0xffffffffull;
    if (L.tail_vaddr > limit - L.tail.size()) return make_error(img.name, ": no address space left for the moved tables");
    Phdr& load = L.nph[L.load_at];
    load.type = PT_LOAD;
    load.flags = PF_R | (L.move_dyn ? PF_W : 0);
    load.offset = L.seg_off;
    load.vaddr = load.paddr = L.seg_vaddr;
    load.filesz = load.memsz = L.tail_off + L.tail.size() - L.seg_off;
    load.align = page;
  }
  return {};
}

// Zeroes the old bytes of a .dynstr that moved (patchelf overwrites them
// too), so no stale string (a build path) stays in the file. Skipped when
// those bytes lie in the segment being rebuilt (they are cut anyway) or are
// shared with anything still read there: another section, a segment other
// than a load, the headers.
void clobber_old_dynstr(Layout& L) {
  const Image& img = L.img;
  const std::uint64_t lo = img.dynstr_off, hi = lo + img.dynstr.size();
  if (!L.move_str || !L.in.clobber_old_dynstr || img.dynstr.empty() || L.in_own_tail(lo)) return;
  auto hit = [&](std::uint64_t a, std::uint64_t b) { return a < hi && lo < b; };
  if (hit(0, img.c.ehdr_size) || hit(img.eh.phoff, img.eh.phoff + (img.ph.size() + L.extra) * img.c.phdr_size))
    return;
  if (!img.sh.empty() && hit(img.eh.shoff, img.eh.shoff + img.sh.size() * img.c.shdr_size)) return;
  for (const auto& p : img.ph)
    if (p.type != PT_LOAD && p.type != PT_GNU_RELRO && p.filesz > 0 && hit(p.offset, p.offset + p.filesz)) return;
  for (const auto& s : img.sh) {
    bool is_dynstr = s.type == SHT_STRTAB && s.offset == lo && s.addr == img.dynstr_addr;
    if (!is_dynstr && s.type != SHT_NOBITS && s.type != SHT_NULL && s.size > 0 && hit(s.offset, s.offset + s.size))
      return;
  }
  std::uint8_t* p = L.ov.region(lo, hi - lo);
  std::fill(p, p + (hi - lo), 0);
}

// Zeroes [off, off + size) of the original file when no segment maps any of
// it and it lies before the kept end (an old section header table).
void clear_unloaded(Layout& L, std::uint64_t off, std::uint64_t size) {
  if (size == 0 || off + size > L.keep) return;
  for (const auto& p : L.img.ph)
    if (p.filesz > 0 && p.offset < off + size && off < p.offset + p.filesz) return;
  std::uint8_t* p = L.ov.region(off, size);
  std::fill(p, p + size, 0);
}

// Writes program headers, the dynamic table, section headers, the ELF
// header and the moved tables for the decisions in `L`.
util::Status write_tables(Layout& L) {
  const Image& img = L.img;
  const auto& ph = img.ph;
  const Codec& c = img.c;
  auto& in = L.in;
  auto& ov = L.ov;
  clobber_old_dynstr(L);  // first: every later write to those bytes wins

  // Moved L.block: everything inside it shifts by the same amounts.
  const std::uint64_t block_len = L.block ? L.block->end - L.block->start : 0;
  const std::uint64_t d_off = L.block ? L.tail_off + L.block_pos - L.block->start : 0;
  const std::uint64_t d_addr = L.block ? L.at(L.block_pos) - L.block->vaddr : 0;
  auto in_block_off = [&](std::uint64_t off) { return L.block && off >= L.block->start && off < L.block->end; };
  auto in_block_addr = [&](std::uint64_t a) { return L.block && a >= L.block->vaddr && a < L.block->vaddr + block_len; };
  for (auto& p : L.nph) {
    if (p.type != PT_LOAD && p.type != PT_PHDR && p.filesz > 0 && in_block_off(p.offset)) {
      p.offset += d_off;
      p.vaddr += d_addr;
      p.paddr += d_addr;
    }
    if (p.type == PT_PHDR && (L.move_phdr || L.grow_phdr)) {
      if (L.move_phdr) {
        p.offset = L.tail_off + L.phdr_pos;
        p.vaddr = p.paddr = L.at(L.phdr_pos);
      }
      p.filesz = p.memsz = L.nph.size() * c.phdr_size;
    }
    if (p.type == PT_DYNAMIC && L.move_dyn) {
      p.offset = L.tail_off + L.dyn_pos;
      p.vaddr = p.paddr = L.at(L.dyn_pos);
      p.filesz = p.memsz = L.slots * c.dyn_size;
    }
    if (p.type == PT_INTERP && L.move_interp) {
      p.offset = L.tail_off + L.interp_pos;
      p.vaddr = p.paddr = L.at(L.interp_pos);
      p.filesz = p.memsz = L.interp_text->size() + 1;
    }
  }

  // Dynamic table contents.
  for (auto& d : in.dyn) {
    if (d.tag == DT_STRTAB && L.move_str) d.val = L.at(L.str_pos);
    if (d.tag == DT_STRSZ && L.move_str) d.val = in.dynstr->size();
    if (is_movable_address_tag(d.tag) && in_block_addr(d.val)) d.val += d_addr;
  }
  if (img.has_dyn) {
    std::size_t n = L.move_dyn ? L.slots : img.dyn_slots;
    std::uint8_t* p = L.move_dyn ? L.tail.data() + L.dyn_pos : ov.region(img.dyn_off, n * c.dyn_size);
    for (std::size_t i = 0; i < n; ++i) c.put(p + i * c.dyn_size, i < in.dyn.size() ? in.dyn[i] : Dyn{});
  }
  if (L.move_str) std::copy(in.dynstr->begin(), in.dynstr->end(), L.tail.begin() + static_cast<std::ptrdiff_t>(L.str_pos));
  if (L.move_interp) std::copy(L.interp_text->begin(), L.interp_text->end(), L.tail.begin() + static_cast<std::ptrdiff_t>(L.interp_pos));

  // Section headers follow the moved tables and stay sorted by offset.
  bool moved_section = false;
  for (auto& s : in.sh) {
    auto move_to = [&](std::uint64_t pos, std::uint64_t size) {
      s.offset = L.tail_off + pos;
      s.addr = L.at(pos);
      s.size = size;
      moved_section = true;
    };
    if (L.move_str && s.type == SHT_STRTAB && (s.flags & SHF_ALLOC) && s.addr == img.dynstr_addr) {
      move_to(L.str_pos, in.dynstr->size());
    } else if (L.move_dyn && s.type == SHT_DYNAMIC) {
      move_to(L.dyn_pos, L.slots * c.dyn_size);
    } else if (L.move_interp && s.type == SHT_PROGBITS && (s.flags & SHF_ALLOC) && s.addr == ph[L.interp].vaddr) {
      move_to(L.interp_pos, L.interp_text->size() + 1);
    } else if ((s.flags & SHF_ALLOC) && s.type != SHT_NOBITS && in_block_off(s.offset)) {
      s.offset += d_off;
      s.addr += d_addr;
      moved_section = true;
    }
  }
  if (moved_section) sort_sections(img, in.sh, L.eh, ov);
  if (!in.sh.empty() && L.any_move) {
    // Behind the appended segment, at the end of the file (where linkers
    // and patchelf put it); its old place is cleared when nothing loads it.
    clear_unloaded(L, img.eh.shoff, img.sh.size() * c.shdr_size);
    // Past every section still in the file (a cut-off one of a rebuilt
    // segment could lie there); a section it would still overlap (only a
    // corrupt header says so) is refused, as the parser would refuse it.
    std::uint64_t end = L.tail_off + L.tail.size();
    for (const auto& s : in.sh)
      if (s.type != SHT_NOBITS && s.type != SHT_NULL && s.size && util::in_bounds(s.offset, s.size, img.data.size()))
        end = std::max(end, s.offset + s.size);
    L.tail.resize(end - L.tail_off, 0);
    std::uint64_t pos = reserve(L.tail, in.sh.size() * c.shdr_size, c.word);
    L.eh.shoff = L.tail_off + pos;
    const std::uint64_t sh_end = L.eh.shoff + in.sh.size() * c.shdr_size;
    for (std::size_t i = 0; i < in.sh.size(); ++i) {
      const Shdr& s = in.sh[i];
      auto s_end = util::checked_add(s.offset, s.size);  // an SHT_NULL's may be anything
      if (keeps_clear_of_section_headers(s) && s.offset < sh_end && (!s_end || L.eh.shoff < *s_end))
        return make_error(img.name, ": section ", std::to_string(i), " lies where the section header table must go");
    }
    for (std::size_t i = 0; i < in.sh.size(); ++i) c.put(L.tail.data() + pos + i * c.shdr_size, in.sh[i]);
  } else if (!in.sh.empty()) {
    std::uint8_t* p = ov.region(img.eh.shoff, in.sh.size() * c.shdr_size);
    for (std::size_t i = 0; i < in.sh.size(); ++i) c.put(p + i * c.shdr_size, in.sh[i]);
  }

  // The moved block's bytes, with every edit made to them (symbol renames,
  // versions, the dynamic table), before the grown table covers its start.
  if (L.block) {
    std::vector<std::uint8_t> bytes(img.data.begin() + static_cast<std::ptrdiff_t>(L.block->start),
                                    img.data.begin() + static_cast<std::ptrdiff_t>(L.block->end));
    apply_overlay(ov, L.block->start, bytes);
    std::copy(bytes.begin(), bytes.end(), L.tail.begin() + static_cast<std::ptrdiff_t>(L.block_pos));
  }

  // Program headers and the ELF header, last: where the grown table
  // overlaps the block's old place, its region is the newest and wins.
  if (L.move_phdr) L.eh.phoff = L.tail_off + L.phdr_pos;
  L.eh.phnum = static_cast<std::uint16_t>(L.nph.size());
  std::uint8_t* php = L.move_phdr ? L.tail.data() + L.phdr_pos : ov.region(img.eh.phoff, L.nph.size() * c.phdr_size);
  for (std::size_t i = 0; i < L.nph.size(); ++i) c.put(php + i * c.phdr_size, L.nph[i]);
  std::uint8_t* ehp = ov.region(0, c.ehdr_size);
  std::copy_n(ehp, sizeof L.eh.ident, L.eh.ident);  // keeps e_ident edits (OS ABI)
  c.put(ehp, L.eh);
  return {};
}

}  // namespace

util::Status lay_out(const Image& img, LayoutInput in, Overlay& ov, FileEdit& fe) {
  const Codec& c = img.c;
  const std::vector<Phdr>& ph = img.ph;
  Layout L(img, in, ov);
  L.own = img.own_seg;
  L.own_off = L.own >= 0 ? ph[L.own].offset : img.data.size();
  L.own_keep = L.own >= 0 ? L.own_off + img.own_prefix : img.data.size();
  WF_CHECK(decide_moves(L));
  WF_CHECK(build_phdrs(L));
  WF_CHECK(place_segment(L));
  WF_CHECK(write_tables(L));
  fe.keep = L.any_move ? L.keep : img.data.size();
  fe.tail_offset = L.any_move ? L.tail_off : fe.keep;
  fe.tail = std::move(L.tail);
  fe.layout_changed = L.any_move;
  (void)c;
  return {};
}

}  // namespace wheelfix::elf::rw
