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

std::uint32_t gnu_hash(std::string_view s) {
  std::uint32_t h = 5381;
  for (unsigned char ch : s) h = h * 33 + ch;
  return h;
}

std::uint32_t sysv_hash(std::string_view s) {
  std::uint32_t h = 0;
  for (unsigned char ch : s) {
    h = (h << 4) + ch;
    std::uint32_t g = h & 0xf0000000;
    if (g) h ^= g >> 24;
    h &= ~g;
  }
  return h;
}

// Error when a hash table rebuilt at [off, off + size) would overwrite
// .dynsym or .gnu.version (its header says it is larger than the gap).
util::Status check_apart(const Image& img, std::uint64_t off, std::uint64_t size, const char* what) {
  auto hits = [&](std::uint64_t at, std::uint64_t n) { return off < at + n && at < off + size; };
  WF_TRY(auto symtab, dynsym_offset(img));
  bool hit = hits(symtab, img.dynsym_count * img.c.sym_size);
  auto versym = img.table(DT_VERSYM, img.dynsym_count * 2, ".gnu.version");
  if (versym && *versym) hit = hit || hits(**versym, img.dynsym_count * 2);
  if (hit) return make_error(img.name, ": ", what, " table overlaps .dynsym or .gnu.version");
  return {};
}

// Rebuilds DT_HASH in place for the (new) names.
util::Status rebuild_sysv_hash(const Image& img, const std::vector<std::string>& names, Overlay& ov) {
  WF_TRY(auto hash, img.table(DT_HASH, 8, "DT_HASH"));
  if (!hash) return {};
  std::uint64_t ent = (img.eh.machine == EM_S390 && img.c.is64) || img.eh.machine == EM_ALPHA ? 8 : 4;
  auto rd = [&](const std::uint8_t* p) { return ent == 8 ? img.c.u64(p) : img.c.u32(p); };
  std::uint64_t nbucket = rd(img.data.data() + *hash), nchain = rd(img.data.data() + *hash + ent);
  std::uint64_t total = (2 + nbucket + nchain) * ent;
  if (nbucket == 0 || nbucket > img.data.size() || nchain != names.size() || !util::in_bounds(*hash, total, img.data.size()))
    return make_error(img.name, ": DT_HASH hash table header out of range (does not match .dynsym)");
  WF_CHECK(check_apart(img, *hash, total, "DT_HASH"));
  std::uint8_t* p = ov.region(*hash, total);
  auto wr = [&](std::uint64_t slot, std::uint64_t v) {
    if (ent == 8) img.c.put64(p + slot * 8, v);
    else img.c.put32(p + slot * 4, static_cast<std::uint32_t>(v));
  };
  for (std::uint64_t i = 0; i < nbucket + nchain; ++i) wr(2 + i, 0);
  std::vector<std::uint64_t> bucket(nbucket, 0);
  for (std::uint64_t i = 1; i < names.size(); ++i) {
    std::uint64_t b = sysv_hash(names[i]) % nbucket;
    wr(2 + nbucket + i, bucket[b]);
    bucket[b] = i;
  }
  for (std::uint64_t b = 0; b < nbucket; ++b) wr(2 + b, bucket[b]);
  return {};
}

// Rewrites the symbol index of every relocation through `perm`, once per
// entry: the tables may overlap (DT_RELA/DT_RELASZ may include DT_JMPREL,
// as the ELF spec allows), and the overlay hands back already edited bytes.
util::Status remap_relocations(const Image& img, const std::vector<std::uint64_t>& perm, Overlay& ov) {
  struct Table { std::int64_t addr, size; bool rela; };
  std::vector<std::pair<std::uint64_t, std::uint64_t>> done;  // file ranges already remapped
  auto remapped = [&](std::uint64_t at) {
    for (const auto& [from, to] : done)
      if (at >= from && at < to) return true;
    return false;
  };
  std::optional<std::uint64_t> pltrel = img.dyn_value(DT_PLTREL);
  const Table tables[] = {{DT_RELA, DT_RELASZ, true}, {DT_REL, DT_RELSZ, false},
                          {DT_JMPREL, DT_PLTRELSZ, pltrel.value_or(DT_RELA) == DT_RELA}};
  for (const auto& t : tables) {
    auto size = img.dyn_value(t.size);
    if (!size || !img.dyn_value(t.addr)) continue;
    WF_TRY(auto off, img.table(t.addr, *size, "a relocation table"));
    std::uint64_t entsz = (t.rela ? 3 : 2) * img.c.word;
    std::uint8_t* p = ov.region(*off, *size / entsz * entsz);
    for (std::uint64_t k = 0; k < *size / entsz; ++k) {
      if (remapped(*off + k * entsz)) continue;
      std::uint8_t* info = p + k * entsz + img.c.word;
      std::uint64_t v = img.c.wordv(info);
      std::uint64_t sym = img.c.is64 ? v >> 32 : v >> 8;
      if (sym == 0 || sym >= perm.size() || perm[sym] == sym) continue;
      std::uint64_t type = img.c.is64 ? v & 0xffffffff : v & 0xff;
      v = img.c.is64 ? (perm[sym] << 32) | type : (perm[sym] << 8) | type;
      if (img.c.is64) img.c.put64(info, v);
      else img.c.put32(info, static_cast<std::uint32_t>(v));
    }
    done.emplace_back(*off, *off + *size / entsz * entsz);
  }
  return {};
}

// Rebuilds DT_GNU_HASH for the new names; when buckets change, reorders
// the hashed part of .dynsym and .gnu.version and remaps relocations.
util::Status rebuild_gnu_hash(const Image& img, std::vector<std::string>& names, std::uint8_t* dynsym,
                              Overlay& ov) {
  WF_TRY(auto gh, img.table(DT_GNU_HASH, 16, "DT_GNU_HASH"));
  if (!gh) return {};
  const auto& c = img.c;
  const std::uint8_t* h = img.data.data() + *gh;
  std::uint64_t nb = c.u32(h), symoff = c.u32(h + 4), bloom = c.u32(h + 8), shift = c.u32(h + 12);
  std::uint64_t n = names.size();
  // GNU ld's table for "nothing hashed" (executables with only undefined
  // symbols) has empty buckets and no chains; it stays as it is.
  if (nb > 0 && util::in_bounds(*gh, 16 + bloom * c.word + nb * 4, img.data.size())) {
    const std::uint8_t* buckets = h + 16 + bloom * c.word;
    bool empty = true;
    for (std::uint64_t b = 0; b < nb && empty; ++b) empty = c.u32(buckets + b * 4) == 0;
    if (empty) return {};
  }
  std::uint64_t total = 16 + bloom * c.word + nb * 4 + (n > symoff ? n - symoff : 0) * 4;
  if (nb == 0 || bloom == 0 || symoff > n || !util::in_bounds(*gh, total, img.data.size()))
    return make_error(img.name, ": DT_GNU_HASH hash table header out of range (does not match .dynsym)");
  if (shift >= 32)  // shifts a 32-bit hash
    return make_error(img.name, ": DT_GNU_HASH bloom shift ", std::to_string(shift), " is out of range");
  WF_CHECK(check_apart(img, *gh, total, "DT_GNU_HASH"));
  std::vector<std::uint32_t> hv(n);
  for (std::uint64_t i = symoff; i < n; ++i) hv[i] = gnu_hash(names[i]);
  std::vector<std::uint64_t> order(n);
  for (std::uint64_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin() + static_cast<std::ptrdiff_t>(symoff), order.end(),
                   [&](std::uint64_t a, std::uint64_t b) { return hv[a] % nb < hv[b] % nb; });
  std::vector<std::uint64_t> perm(n);  // old index -> new index
  bool moved = false;
  for (std::uint64_t i = 0; i < n; ++i) {
    perm[order[i]] = i;
    moved = moved || order[i] != i;
  }
  if (moved) {
    std::vector<std::uint8_t> syms(dynsym, dynsym + n * c.sym_size);
    for (std::uint64_t i = 0; i < n; ++i)
      std::copy_n(syms.begin() + static_cast<std::ptrdiff_t>(order[i] * c.sym_size), c.sym_size, dynsym + i * c.sym_size);
    WF_TRY(auto versym, img.table(DT_VERSYM, n * 2, ".gnu.version"));
    if (versym) {
      std::uint8_t* vs = ov.region(*versym, n * 2);
      std::vector<std::uint8_t> old(vs, vs + n * 2);
      for (std::uint64_t i = 0; i < n; ++i) std::copy_n(old.begin() + static_cast<std::ptrdiff_t>(order[i] * 2), 2, vs + i * 2);
    }
    WF_CHECK(remap_relocations(img, perm, ov));
    std::vector<std::string> sorted(n);
    std::vector<std::uint32_t> hs(n);
    for (std::uint64_t i = 0; i < n; ++i) sorted[i] = names[order[i]], hs[i] = hv[order[i]];
    names = std::move(sorted);
    hv = std::move(hs);
  }
  std::uint8_t* p = ov.region(*gh, total);
  std::uint8_t* bl = p + 16;
  std::uint8_t* buckets = bl + bloom * c.word;
  std::uint8_t* chain = buckets + nb * 4;
  std::fill(bl, p + total, 0);
  const std::uint64_t bits = c.word * 8;
  for (std::uint64_t i = symoff; i < n; ++i) {
    std::uint32_t hh = hv[i];
    std::uint8_t* w = bl + ((hh / bits) % bloom) * c.word;
    std::uint64_t v = c.wordv(w) | (1ull << (hh % bits)) | (1ull << ((hh >> shift) % bits));
    if (c.is64) c.put64(w, v);
    else c.put32(w, static_cast<std::uint32_t>(v));
    std::uint64_t b = hh % nb;
    if (c.u32(buckets + b * 4) == 0) c.put32(buckets + b * 4, static_cast<std::uint32_t>(i));
    bool last = i + 1 == n || hv[i + 1] % nb != b;
    c.put32(chain + (i - symoff) * 4, (hh & ~1u) | (last ? 1u : 0u));
  }
  return {};
}

util::Status rename_symbols(const Image& img, const SymbolWork& work, const std::vector<std::uint64_t>& offsets,
                            Overlay& ov) {
  WF_TRY(auto symtab, dynsym_offset(img));
  std::uint8_t* dynsym = ov.region(symtab, img.dynsym_count * img.c.sym_size);
  std::vector<std::string> names(img.dynsym_count);
  for (std::uint64_t i = 1; i < img.dynsym_count; ++i) {
    auto n = img.str(img.c.sym(img.data.data() + symtab + i * img.c.sym_size).name);
    names[i] = n ? std::string(*n) : std::string();
  }
  for (std::size_t k = 0; k < work.renames.size(); ++k) {
    auto [index, name] = work.renames[k];
    names[index] = name;
    img.c.put32(dynsym + index * img.c.sym_size, static_cast<std::uint32_t>(offsets.at(k)));
  }
  WF_CHECK(rebuild_gnu_hash(img, names, dynsym, ov));
  return rebuild_sysv_hash(img, names, ov);
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
  return rename_symbols(img, work, offsets, ov);
}

}  // namespace wheelfix::elf::rw
