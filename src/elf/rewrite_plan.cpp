// Turns an EditPlan into the final dynamic table, .dynstr placement and
// version-table fixes; the layout step then decides what moves.
#include <algorithm>

#include "elf/rewrite_internal.hpp"
#include "wheelfix/util/mapped_file.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::elf::rw {

using util::make_error;

namespace {

// A dynamic entry being edited; string entries carry their text.
struct Entry {
  Dyn d;
  std::optional<std::uint64_t> old_off;  // current string offset, if any
  std::optional<std::string> text;       // new text (needs placing)
  std::size_t handle = 0;
};

struct Verneed {
  std::uint64_t off = 0;  // file offset of the entry
  std::uint32_t file = 0, next = 0, aux = 0;
  std::uint16_t cnt = 0;
  std::vector<std::uint16_t> indices;  // vna_other of its Vernaux entries
  std::vector<std::uint32_t> names;    // vna_name offsets
  std::optional<std::string> rename;
  bool removed = false;
  std::size_t handle = 0;
};

std::string text_of(const Image& img, const Entry& e) {
  if (e.text) return *e.text;
  if (!e.old_off) return {};
  auto s = img.str(*e.old_off);
  return s ? std::string(*s) : std::string();
}

// The edits write fields of .gnu.version_r entries in place, so no two of
// its 16-byte records (at the file offsets in `starts`) may share bytes.
util::Status check_no_overlap(const Image& img, std::vector<std::uint64_t> starts) {
  std::sort(starts.begin(), starts.end());
  for (std::size_t i = 1; i < starts.size(); ++i)
    if (starts[i] - starts[i - 1] < 16) return make_error(img.name, ": .gnu.version_r entries overlap");
  return {};
}

util::Result<std::vector<Verneed>> read_verneeds(const Image& img) {
  std::vector<Verneed> out;
  WF_TRY(auto start, img.table(DT_VERNEED, 16, ".gnu.version_r"));
  if (!start) return out;
  std::uint64_t off = *start;
  std::vector<std::uint64_t> starts;  // of every entry and auxiliary entry
  // Like the reader: at most DT_VERNEEDNUM entries, so a stray vn_next in
  // the last one is never followed (and never kept in the rebuilt chain).
  const std::uint64_t num = std::min<std::uint64_t>(img.dyn_value(DT_VERNEEDNUM).value_or(65536), 65536);
  for (std::uint64_t i = 0; i < num; ++i) {
    if (!util::in_bounds(off, 16, img.data.size()))
      return make_error(img.name, ": .gnu.version_r entry runs past the end of the file");
    const std::uint8_t* p = img.data.data() + off;
    Verneed v;
    v.off = off;
    v.cnt = img.c.u16(p + 2);
    v.file = img.c.u32(p + 4);
    v.aux = img.c.u32(p + 8);
    v.next = img.c.u32(p + 12);
    if (!img.str(v.file)) return make_error(img.name, ": .gnu.version_r file name: string table index out of bounds (past the end of .dynstr)");
    starts.push_back(off);
    std::uint64_t a = off + v.aux;
    for (std::uint16_t i = 0; i < v.cnt; ++i) {
      if (!util::in_bounds(a, 16, img.data.size()))
        return make_error(img.name, ": .gnu.version_r auxiliary entry runs past the end of the file");
      starts.push_back(a);
      v.indices.push_back(img.c.u16(img.data.data() + a + 6));
      v.names.push_back(img.c.u32(img.data.data() + a + 8));
      std::uint32_t next = img.c.u32(img.data.data() + a + 12);
      if (next == 0) break;
      a += next;
    }
    out.push_back(v);
    if (v.next == 0 || i + 1 == num) {
      WF_CHECK(check_no_overlap(img, std::move(starts)));
      return out;
    }
    off += v.next;
  }
  if (num == 0) return out;
  return make_error(img.name, ": .gnu.version_r chain does not end");
}

// Every .dynstr reference that is not in `entries`/`verneeds` and stays.
util::Status add_other_refs(const Image& img, const SymbolWork& sw,
                            std::vector<std::pair<std::uint64_t, std::uint64_t>>& fixed) {
  auto add = [&](std::uint64_t off, const char* what) -> util::Status {
    auto s = img.str(off);
    if (!s) return make_error(img.name, ": ", what, " name lies outside .dynstr");
    fixed.emplace_back(off, off + s->size());
    return {};
  };
  WF_TRY(auto symtab, img.table(DT_SYMTAB, img.dynsym_count * img.c.sym_size, ".dynsym"));
  if (symtab) {
    std::vector<bool> renamed(img.dynsym_count, false);
    for (const auto& r : sw.renames) renamed[r.first] = true;
    for (std::uint64_t i = 1; i < img.dynsym_count; ++i) {
      if (renamed[i]) continue;
      Sym s = img.c.sym(img.data.data() + *symtab + i * img.c.sym_size);
      if (s.name) WF_CHECK(add(s.name, "a dynamic symbol"));
    }
  }
  WF_TRY(auto verdef, img.table(DT_VERDEF, 20, ".gnu.version_d"));
  for (std::uint64_t off = verdef.value_or(0), n = 0; verdef && n < 65536; ++n) {
    if (!util::in_bounds(off, 20, img.data.size())) return make_error(img.name, ": .gnu.version_d runs past the end of the file");
    const std::uint8_t* p = img.data.data() + off;
    std::uint64_t aux = off + img.c.u32(p + 12);
    for (std::uint16_t k = 0, cnt = img.c.u16(p + 6); k < cnt; ++k) {
      if (!util::in_bounds(aux, 8, img.data.size())) return make_error(img.name, ": .gnu.version_d runs past the end of the file");
      WF_CHECK(add(img.c.u32(img.data.data() + aux), "a version definition"));
      std::uint32_t next = img.c.u32(img.data.data() + aux + 4);
      if (!next) break;
      aux += next;
    }
    std::uint32_t next = img.c.u32(p + 16);
    if (!next) break;
    off += next;
  }
  return {};
}

bool file_is_elf_for(const std::string& path, const Image& img) {
  auto mf = util::MappedFile::open(path);
  if (!mf || mf->size() < img.c.ehdr_size) return false;
  ElfKind k = elf_kind(mf->bytes().data(), mf->size());
  if (k != img.c.kind) return false;
  return Codec(k).ehdr(mf->bytes().data()).machine == img.eh.machine;
}

std::string shrink_rpath(const Image& img, const std::string& rpath, const EditPlan& plan,
                         const std::vector<std::string>& needed) {
  std::vector<bool> found(needed.size(), false);
  std::vector<std::string> keep;
  for (const auto& dir : util::split(rpath, ':')) {
    if (dir.empty()) continue;
    if (dir[0] != '/') {  // $ORIGIN and relative entries are always kept
      keep.push_back(dir);
      continue;
    }
    if (!plan.allowed_rpath_prefixes.empty() &&
        std::none_of(plan.allowed_rpath_prefixes.begin(), plan.allowed_rpath_prefixes.end(),
                     [&](const std::string& p) { return util::starts_with(dir, p); }))
      continue;
    bool useful = false;
    for (std::size_t i = 0; i < needed.size(); ++i)
      if (!found[i] && file_is_elf_for(dir + "/" + needed[i], img)) found[i] = useful = true;
    if (useful) keep.push_back(dir);
  }
  return util::join(keep, ":");
}

}  // namespace

namespace {

std::vector<std::string> needed_names(const Image& img, const std::vector<Entry>& es) {
  std::vector<std::string> out;
  for (const auto& e : es)
    if (e.d.tag == DT_NEEDED) out.push_back(text_of(img, e));
  return out;
}

void set_text(Entry& e, const Image& img, const std::string& value) {
  if (e.text || !e.old_off || text_of(img, e) != value) e.text = value;
}

void edit_rpath(const Image& img, const EditPlan& plan, std::vector<Entry>& es) {
  if (plan.rpath_op == RpathOp::none) return;
  auto is_rp = [](const Entry& e) { return e.d.tag == DT_RPATH || e.d.tag == DT_RUNPATH; };
  auto first = std::find_if(es.begin(), es.end(), is_rp);
  std::string current;
  for (const auto& e : es)
    if (e.d.tag == DT_RUNPATH) current = text_of(img, e);
  if (current.empty() && first != es.end()) current = text_of(img, *first);
  if (plan.rpath_op == RpathOp::remove) {
    es.erase(std::remove_if(es.begin(), es.end(), is_rp), es.end());
    return;
  }
  std::string value;
  if (plan.rpath_op == RpathOp::set) value = plan.rpath;
  if (plan.rpath_op == RpathOp::add) value = current.empty() ? plan.rpath : current + ":" + plan.rpath;
  if (plan.rpath_op == RpathOp::shrink) {
    if (first == es.end()) return;
    value = shrink_rpath(img, current, plan, needed_names(img, es));
  }
  std::int64_t tag = plan.force_rpath ? DT_RPATH : DT_RUNPATH;
  if (plan.rpath_op == RpathOp::shrink) tag = first->d.tag;
  if (first == es.end()) {
    Entry e;
    e.d.tag = tag;
    e.text = value;
    es.push_back(e);
    return;
  }
  first->d.tag = tag;
  set_text(*first, img, value);
  std::size_t keep = static_cast<std::size_t>(first - es.begin());
  for (std::size_t i = es.size(); i-- > keep + 1;)
    if (is_rp(es[i])) es.erase(es.begin() + static_cast<std::ptrdiff_t>(i));
}

void edit_needed(const Image& img, const EditPlan& plan, std::vector<Entry>& es,
                 std::vector<Verneed>& vn) {
  for (const auto& [from, to] : plan.replace_needed) {
    for (auto& e : es)
      if (e.d.tag == DT_NEEDED && text_of(img, e) == from) set_text(e, img, to);
    for (auto& v : vn)
      if (!v.rename && img.str(v.file) && *img.str(v.file) == from && from != to) v.rename = to;
  }
  for (const auto& name : plan.remove_needed) {
    es.erase(std::remove_if(es.begin(), es.end(),
                            [&](const Entry& e) { return e.d.tag == DT_NEEDED && text_of(img, e) == name; }),
             es.end());
    for (auto& v : vn)
      if ((v.rename ? *v.rename : std::string(*img.str(v.file))) == name) v.removed = true;
  }
  std::vector<Entry> added;
  auto names = needed_names(img, es);
  for (const auto& name : plan.add_needed) {
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    names.push_back(name);
    Entry e;
    e.d.tag = DT_NEEDED;
    e.text = name;
    added.push_back(e);
  }
  es.insert(es.begin(), added.begin(), added.end());
}

void edit_misc(const Image& img, const EditPlan& plan, std::vector<Entry>& es) {
  auto find = [&](std::int64_t tag) {
    return std::find_if(es.begin(), es.end(), [&](const Entry& e) { return e.d.tag == tag; });
  };
  if (plan.remove_soname) es.erase(std::remove_if(es.begin(), es.end(), [](const Entry& e) { return e.d.tag == DT_SONAME; }), es.end());
  if (plan.soname) {
    auto it = find(DT_SONAME);
    if (it != es.end()) {
      set_text(*it, img, *plan.soname);
    } else {
      Entry e;
      e.d.tag = DT_SONAME;
      e.text = *plan.soname;
      es.insert(es.begin(), e);
    }
  }
  if (plan.no_default_lib) {
    auto it = find(DT_FLAGS_1);
    if (it != es.end()) it->d.val |= DF_1_NODEFLIB;
    else es.push_back(Entry{Dyn{DT_FLAGS_1, DF_1_NODEFLIB}, {}, {}, 0});
  }
  if (plan.add_debug_tag && find(DT_DEBUG) == es.end()) es.push_back(Entry{Dyn{DT_DEBUG, 0}, {}, {}, 0});
}

// Unlinks removed Verneed entries and resets versym indices that pointed
// at their versions to VER_NDX_GLOBAL.
util::Status drop_verneeds(const Image& img, std::vector<Verneed>& vn, std::vector<Entry>& es,
                           Overlay& ov) {
  if (std::none_of(vn.begin(), vn.end(), [](const Verneed& v) { return v.removed; })) return {};
  std::vector<std::uint16_t> dead;
  std::vector<const Verneed*> live;
  for (const auto& v : vn) {
    if (v.removed) dead.insert(dead.end(), v.indices.begin(), v.indices.end());
    else live.push_back(&v);
  }
  auto find = [&](std::int64_t tag) {
    return std::find_if(es.begin(), es.end(), [&](const Entry& e) { return e.d.tag == tag; });
  };
  if (live.empty()) {
    es.erase(find(DT_VERNEED));
    if (find(DT_VERNEEDNUM) != es.end()) es.erase(find(DT_VERNEEDNUM));
  } else {
    auto start = img.dyn_value(DT_VERNEED).value();
    find(DT_VERNEED)->d.val = start + (live[0]->off - vn[0].off);
    if (find(DT_VERNEEDNUM) != es.end()) find(DT_VERNEEDNUM)->d.val = live.size();
    for (std::size_t i = 0; i < live.size(); ++i) {
      std::uint32_t next = i + 1 < live.size() ? static_cast<std::uint32_t>(live[i + 1]->off - live[i]->off) : 0;
      img.c.put32(ov.region(live[i]->off, 16) + 12, next);
    }
  }
  WF_TRY(auto versym, img.table(DT_VERSYM, img.dynsym_count * 2, ".gnu.version"));
  if (versym && img.dynsym_count) {
    std::uint8_t* p = ov.region(*versym, img.dynsym_count * 2);
    for (std::uint64_t i = 0; i < img.dynsym_count; ++i) {
      std::uint16_t v = img.c.u16(p + i * 2) & 0x7fff;
      if (std::find(dead.begin(), dead.end(), v) != dead.end()) img.c.put16(p + i * 2, 1);
    }
  }
  return {};
}

bool touches_dynamic(const EditPlan& p) {
  return p.soname || p.remove_soname || !p.replace_needed.empty() || !p.add_needed.empty() ||
         !p.remove_needed.empty() || p.rpath_op != RpathOp::none || p.no_default_lib ||
         p.add_debug_tag || !p.rename_dynamic_symbols.empty() || !p.clear_symbol_version.empty();
}

// True when PT_INTERP's bytes hold something else too: another section or
// a table a dynamic tag finds there (patchelf's contiguous-note-sections
// file; a corrupt PT_INTERP can cover .dynsym). A new interpreter is then
// not written over them (which zero-fills the rest) but moved.
bool interp_shares_bytes(const Image& img) {
  for (const auto& p : img.ph) {
    if (p.type != PT_INTERP || p.filesz == 0) continue;
    const std::uint64_t lo = p.offset, hi = p.offset + p.filesz;  // checked in read_headers
    for (std::size_t i = 1; i < img.sh.size(); ++i) {
      const Shdr& s = img.sh[i];
      auto end = util::checked_add(s.offset, s.size);
      bool is_interp = s.offset == lo && s.addr == p.vaddr;
      if ((s.flags & SHF_ALLOC) && s.type != SHT_NOBITS && s.size && !is_interp && s.offset < hi && (!end || lo < *end))
        return true;
    }
    for (const auto& d : img.dyn) {
      if (!is_movable_address_tag(d.tag) && d.tag != DT_STRTAB) continue;
      auto off = img.offset_of(d.val, 1);
      if (off && *off >= lo && *off < hi) return true;
    }
  }
  return false;
}

// The DT_NEEDED names and the run paths an entry list gives, to tell
// whether an edit changed what a resolution cache note records.
std::vector<std::string> resolution_inputs(const Image& img, const std::vector<Entry>& es) {
  std::vector<std::string> out;
  for (const auto& e : es)
    if (e.d.tag == DT_NEEDED || e.d.tag == DT_RPATH || e.d.tag == DT_RUNPATH)
      out.push_back(std::to_string(e.d.tag) + "=" + (e.text ? *e.text : text_of(img, e)));
  return out;
}

}  // namespace

util::Result<FileEdit> plan_edits(const Image& img, const EditPlan& plan) {
  if (plan.resolution_note) {
    EditPlan rest = plan;
    rest.resolution_note.reset();
    if (!rest.empty()) return make_error(img.name, ": internal error: a resolution cache note is added alone");
    return plan_resolution_note(img, plan);
  }
  FileEdit fe;
  fe.keep = img.data.size();
  Overlay ov(img.data);
  if (touches_dynamic(plan) && !img.has_dyn)
    return make_error(img.name, ": no dynamic section (statically linked?)");
  if (plan.interpreter && !img.interp_clash.empty()) return make_error(img.name, ": ", img.interp_clash);
  if (touches_dynamic(plan) && img.dynstr.empty())
    return make_error(img.name, ": no dynamic string table");

  std::vector<Entry> es;
  for (const auto& d : img.dyn) {
    Entry e{d, {}, {}, 0};
    if (is_string_tag(d.tag)) {
      if (!img.str(d.val)) return make_error(img.name, ": a dynamic entry's string table index out of bounds (it names a string past the end of .dynstr)");
      e.old_off = d.val;
    }
    es.push_back(e);
  }
  const auto recorded = resolution_inputs(img, es);
  WF_TRY(auto vn, read_verneeds(img));
  edit_needed(img, plan, es, vn);
  edit_misc(img, plan, es);
  edit_rpath(img, plan, es);
  WF_TRY(auto sw, find_symbol_renames(img, plan));

  // References that keep their current string.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> fixed;
  for (const auto& e : es)
    if (e.old_off && !e.text) fixed.emplace_back(*e.old_off, *e.old_off + img.str(*e.old_off)->size());
  for (const auto& v : vn) {
    if (!v.rename && !v.removed) fixed.emplace_back(v.file, v.file + img.str(v.file)->size());
    for (auto n : v.names)
      if (auto s = img.str(n)) fixed.emplace_back(n, n + s->size());
  }
  WF_CHECK(add_other_refs(img, sw, fixed));

  StringPlacer placer(img.dynstr, std::move(fixed));
  for (auto& e : es)
    if (e.text) e.handle = placer.place(StrChange{e.old_off, *e.text});
  for (auto& v : vn)
    if (v.rename && !v.removed) v.handle = placer.place(StrChange{v.file, *v.rename});
  for (const auto& [index, name] : sw.renames) {
    Sym s = img.c.sym(img.data.data() + img.offset_of(*img.dyn_value(DT_SYMTAB), 0).value() + index * img.c.sym_size);
    sw.handles.push_back(placer.place(StrChange{s.name, name}));
  }

  bool own_dynstr = img.own_seg >= 0 && !img.dynstr.empty() && img.dynstr_off >= img.ph[img.own_seg].offset;
  bool compact = own_dynstr;
  LayoutInput in;
  in.sh = img.sh;
  in.page_size = plan.page_size;
  in.clobber_old_dynstr = plan.clobber_old_sections;
  in.reserve_slots = plan.reserve_phdr_slots;
  in.execstack = plan.execstack;
  in.interp = plan.interpreter;
  in.interp_must_move = plan.interpreter && interp_shares_bytes(img);
  for (auto& e : es) {
    if (e.text) e.d.val = placer.resolve(e.handle, compact);
    in.dyn.push_back(e.d);
  }
  for (const auto& v : vn)
    if (v.rename && !v.removed) img.c.put32(ov.region(v.off, 16) + 4, static_cast<std::uint32_t>(placer.resolve(v.handle, compact)));
  WF_CHECK(drop_verneeds(img, vn, es, ov));
  if (std::any_of(vn.begin(), vn.end(), [](const Verneed& v) { return v.removed; })) {
    in.dyn.clear();
    for (const auto& e : es) in.dyn.push_back(e.d);
    // The .gnu.version_r section header follows: fewer entries, or none.
    auto live = std::find_if(vn.begin(), vn.end(), [](const Verneed& v) { return !v.removed; });
    auto count = std::count_if(vn.begin(), vn.end(), [](const Verneed& v) { return !v.removed; });
    for (auto& sec : in.sh) {
      if (sec.type != SHT_GNU_verneed || sec.addr != img.dyn_value(DT_VERNEED)) continue;
      if (live == vn.end()) {
        sec.size = 0;  // no entries left
        sec.info = 0;
        continue;
      }
      std::uint64_t shift = live->off - vn[0].off;
      sec.offset += shift;
      sec.addr += shift;
      sec.size = sec.size > shift ? sec.size - shift : 0;
      sec.info = static_cast<std::uint32_t>(count);
    }
  }
  std::vector<std::uint64_t> sym_offsets;
  for (auto h : sw.handles) sym_offsets.push_back(placer.resolve(h, compact));
  WF_CHECK(apply_symbol_edits(img, plan, sw, sym_offsets, ov));

  in.dynstr_must_move = placer.must_move();
  if (placer.must_move() || own_dynstr) in.dynstr = placer.build(compact);
  for (const auto& [off, bytes] : placer.in_place()) in.dynstr_writes.push_back(Patch{img.dynstr_off + off, bytes});
  if (plan.os_abi && *plan.os_abi != img.eh.ident[EI_OSABI]) ov.region(EI_OSABI, 1)[0] = *plan.os_abi;
  // A resolution cache note would lie once DT_NEEDED or the run path change.
  Image laid = img;
  if (resolution_inputs(img, es) != recorded) retire_resolution_note(img, in.sh, laid.ph, ov);
  WF_CHECK(lay_out(laid, std::move(in), ov, fe));
  fe.patches = ov.patches(fe.keep);
  return fe;
}

}  // namespace wheelfix::elf::rw
