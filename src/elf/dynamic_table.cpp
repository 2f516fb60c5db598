// The PT_DYNAMIC segment: DT_NEEDED, DT_SONAME, paths, flags and the
// addresses of the tables the other steps read.
#include "elf/reader_internal.hpp"
#include "elf/unique_entries.hpp"

namespace wheelfix::elf::detail {
namespace {

// Records one dynamic entry in `refs`. Tags the reader does not use are
// ignored.
void record(DynamicRefs& refs, std::int64_t tag, std::uint64_t val) {
  switch (tag) {
    case DT_NEEDED: refs.needed.push_back(val); break;
    case DT_SONAME: refs.soname = val; break;
    case DT_RPATH: refs.rpath = val; break;
    case DT_RUNPATH: refs.runpath = val; break;
    case DT_STRTAB: refs.strtab = val; break;
    case DT_STRSZ: refs.strsz = val; break;
    case DT_SYMTAB: refs.symtab = val; break;
    case DT_SYMENT: refs.syment = val; break;
    case DT_VERSYM: refs.versym = val; break;
    case DT_VERNEED: refs.verneed = val; break;
    case DT_VERNEEDNUM: refs.verneednum = val; break;
    case DT_VERDEF: refs.verdef = val; break;
    case DT_VERDEFNUM: refs.verdefnum = val; break;
    case DT_HASH: refs.hash = val; break;
    case DT_GNU_HASH: refs.gnu_hash = val; break;
    case DT_FLAGS: refs.flags = val; break;
    case DT_FLAGS_1: refs.flags_1 = val; break;
    default: break;
  }
}

}  // namespace

template <typename E>
util::Result<DynamicRefs> read_dynamic(const Reader<E>& r, const typename E::Phdr& dyn) {
  using Dyn = typename E::Dyn;
  auto table = util::slice(r.data, dyn.p_offset, dyn.p_filesz);
  if (!table) return r.fail("PT_DYNAMIC segment runs past the end of the file");
  // The entry count is bounded by the segment, which is bounded by the file.
  std::uint64_t count = table->size() / sizeof(Dyn);
  DynamicRefs refs;
  UniqueTagCheck unique;
  bool terminated = false;
  for (std::uint64_t i = 0; i < count; ++i) {
    auto d = load<Dyn>(*table, i * sizeof(Dyn));
    std::int64_t tag = d->d_tag;
    if (tag == DT_NULL) {
      terminated = true;
      break;
    }
    if (auto duplicate = unique.add(tag)) return r.fail(*duplicate);
    record(refs, tag, d->d_val);
  }
  if (!terminated) return r.fail("PT_DYNAMIC segment has no DT_NULL terminator");
  if (refs.syment && *refs.syment != sizeof(typename E::Sym)) {
    return r.fail("DT_SYMENT " + std::to_string(*refs.syment) +
                  " is not the size of a symbol (" + std::to_string(sizeof(typename E::Sym)) +
                  ")");
  }
  return refs;
}

namespace {

// Symbol count from the section headers: the SHT_DYNSYM section's size.
// nullopt when there are no usable section headers (stripped, removed or
// corrupt: they are optional for loading, so they never fail the parse).
template <typename E>
std::optional<std::uint64_t> count_from_sections(const Reader<E>& r) {
  using Shdr = typename E::Shdr;
  std::uint64_t shoff = r.ehdr.e_shoff;
  std::uint64_t shnum = r.ehdr.e_shnum;
  if (shoff == 0 || r.ehdr.e_shentsize != sizeof(Shdr)) return std::nullopt;
  if (shnum == 0) {  // extended numbering: the count is in section 0's sh_size
    auto first = load<Shdr>(r.data, shoff);
    if (!first) return std::nullopt;
    shnum = first->sh_size;
  }
  auto size = util::checked_mul(shnum, sizeof(Shdr));
  if (!size || !util::in_bounds(shoff, *size, r.data.size())) return std::nullopt;
  for (std::uint64_t i = 0; i < shnum; ++i) {
    auto sh = load<Shdr>(r.data, shoff + i * sizeof(Shdr));
    if (sh->sh_type != SHT_DYNSYM) continue;
    if (sh->sh_entsize != sizeof(typename E::Sym)) return std::nullopt;
    return static_cast<std::uint64_t>(sh->sh_size) / sizeof(typename E::Sym);
  }
  return std::nullopt;
}

// DT_HASH: nbucket, nchain, ...; nchain is the number of symbols.
template <typename E>
util::Result<std::uint64_t> count_from_hash(const Reader<E>& r, std::uint64_t addr) {
  WF_TRY(util::Bytes h, r.map_range(addr, 8, "DT_HASH"));
  auto nchain = load<typename E::U32>(h, 4);
  return static_cast<std::uint64_t>(*nchain);
}

// DT_GNU_HASH: the symbol count is one past the last symbol of the longest
// chain reached from the highest bucket (chains end with bit 0 set).
template <typename E>
util::Result<std::uint64_t> count_from_gnu_hash(const Reader<E>& r, std::uint64_t addr) {
  using U32 = typename E::U32;
  WF_TRY(util::Bytes g, r.map_address(addr, "DT_GNU_HASH"));
  auto header = util::slice(g, 0, 16);
  if (!header) return r.fail("DT_GNU_HASH header runs past the end of its segment");
  std::uint64_t nbuckets = *load<U32>(g, 0);
  std::uint64_t symoffset = *load<U32>(g, 4);
  std::uint64_t bloom_size = *load<U32>(g, 8);
  auto bloom_bytes = util::checked_mul(bloom_size, sizeof(typename E::Word));
  auto buckets_off = bloom_bytes ? util::checked_add(16, *bloom_bytes) : std::nullopt;
  auto buckets_size = util::checked_mul(nbuckets, 4);
  if (!buckets_off || !buckets_size || !util::in_bounds(*buckets_off, *buckets_size, g.size())) {
    return r.fail("DT_GNU_HASH bucket array runs past the end of its segment");
  }
  std::uint64_t max_sym = 0;
  for (std::uint64_t i = 0; i < nbuckets; ++i) {
    max_sym = std::max<std::uint64_t>(max_sym, *load<U32>(g, *buckets_off + i * 4));
  }
  if (max_sym == 0) return symoffset;  // no hashed symbols
  if (max_sym < symoffset) return r.fail("DT_GNU_HASH bucket points below its symoffset");
  std::uint64_t chains_off = *buckets_off + *buckets_size;
  // Each step reads 4 more bytes inside `g`, so the walk ends within g.size()/4 steps.
  for (std::uint64_t sym = max_sym;; ++sym) {
    auto pos = util::checked_add(chains_off, util::checked_mul(sym - symoffset, 4).value_or(~0ull));
    auto value = pos ? load<U32>(g, *pos) : std::nullopt;
    if (!value) return r.fail("DT_GNU_HASH chain runs past the end of its segment");
    if (static_cast<std::uint32_t>(*value) & 1) return sym + 1;
  }
}

}  // namespace

template <typename E>
util::Result<std::uint64_t> dynamic_symbol_count(const Reader<E>& r, const DynamicRefs& dyn) {
  if (auto n = count_from_sections(r)) return *n;
  if (dyn.hash) return count_from_hash(r, *dyn.hash);
  if (dyn.gnu_hash) return count_from_gnu_hash(r, *dyn.gnu_hash);
  return std::uint64_t{0};
}

#define WF_INSTANTIATE(E)                                                                  \
  template util::Result<DynamicRefs> read_dynamic<E>(const Reader<E>&,                     \
                                                     const typename E::Phdr&);             \
  template util::Result<std::uint64_t> dynamic_symbol_count<E>(const Reader<E>&,           \
                                                               const DynamicRefs&);
WF_ELF_FOR_EACH_TRAITS(WF_INSTANTIATE)
#undef WF_INSTANTIATE

}  // namespace wheelfix::elf::detail
