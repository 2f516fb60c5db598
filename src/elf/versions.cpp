// Symbol versioning tables: version requirements (DT_VERNEED,
// .gnu.version_r) and version definitions (DT_VERDEF, .gnu.version_d).
//
// Both are chains of records linked by forward byte offsets inside one
// segment. Every record must fit in the segment, and the total number of
// records visited is capped by what fits in it, so corrupt counts or chains
// that share records cannot make the walk run long.
#include "elf/reader_internal.hpp"

namespace wheelfix::elf::detail {
namespace {

// Remaining record budget for one table: segment bytes / record size.
struct Budget {
  std::uint64_t left;
  bool take() { return left > 0 ? (--left, true) : false; }
};

template <typename E>
util::Status read_vernaux(const Reader<E>& r, util::Bytes region, std::uint64_t off,
                          std::uint64_t cnt, util::Bytes strtab, Budget& budget,
                          VersionNeed& need) {
  for (std::uint64_t j = 0; j < cnt; ++j) {
    auto aux = load<typename E::Vernaux>(region, off);
    if (!aux) return r.fail("version need auxiliary entry at " + hex(off) + " runs past its segment");
    if (!budget.take()) return r.fail("version need entries do not fit in their segment");
    VersionRef ref;
    WF_TRY(ref.name, string_at(r, strtab, aux->vna_name, "version need"));
    ref.hash = aux->vna_hash;
    ref.flags = aux->vna_flags;
    ref.index = aux->vna_other;
    need.versions.push_back(std::move(ref));
    if (aux->vna_next == 0) break;
    off += static_cast<std::uint32_t>(aux->vna_next);  // off < 2^63: no overflow
  }
  return {};
}

template <typename E>
util::Status read_verneed(const Reader<E>& r, const DynamicRefs& dyn, util::Bytes strtab,
                          ElfInfo& out) {
  using Verneed = typename E::Verneed;
  WF_TRY(util::Bytes region, r.map_address(*dyn.verneed, "DT_VERNEED"));
  Budget budget{region.size() / sizeof(typename E::Vernaux)};
  std::uint64_t num = dyn.verneednum.value_or(budget.left);
  if (num > region.size() / sizeof(Verneed)) {
    return r.fail("DT_VERNEEDNUM " + std::to_string(num) + " is larger than its segment holds");
  }
  std::uint64_t off = 0;
  for (std::uint64_t i = 0; i < num; ++i) {
    auto vn = load<Verneed>(region, off);
    if (!vn) return r.fail("version need entry at " + hex(off) + " runs past its segment");
    if (!budget.take()) return r.fail("version need entries do not fit in their segment");
    VersionNeed need;
    WF_TRY(need.file, string_at(r, strtab, vn->vn_file, "version need file"));
    WF_CHECK(read_vernaux(r, region, off + static_cast<std::uint32_t>(vn->vn_aux), vn->vn_cnt,
                          strtab, budget, need));
    out.version_needs.push_back(std::move(need));
    if (vn->vn_next == 0) break;
    off += static_cast<std::uint32_t>(vn->vn_next);
  }
  return {};
}

template <typename E>
util::Status read_verdef(const Reader<E>& r, const DynamicRefs& dyn, util::Bytes strtab,
                         ElfInfo& out) {
  using Verdef = typename E::Verdef;
  WF_TRY(util::Bytes region, r.map_address(*dyn.verdef, "DT_VERDEF"));
  Budget budget{region.size() / sizeof(typename E::Verdaux)};
  std::uint64_t num = dyn.verdefnum.value_or(budget.left);
  if (num > region.size() / sizeof(Verdef)) {
    return r.fail("DT_VERDEFNUM " + std::to_string(num) + " is larger than its segment holds");
  }
  std::uint64_t off = 0;
  for (std::uint64_t i = 0; i < num; ++i) {
    auto vd = load<Verdef>(region, off);
    if (!vd) return r.fail("version definition at " + hex(off) + " runs past its segment");
    if (!budget.take()) return r.fail("version definitions do not fit in their segment");
    VersionDef def;
    def.index = vd->vd_ndx;
    def.flags = vd->vd_flags;
    if (vd->vd_cnt > 0) {  // the first Verdaux names the version; the rest are parents
      std::uint64_t aux_off = off + static_cast<std::uint32_t>(vd->vd_aux);
      auto aux = load<typename E::Verdaux>(region, aux_off);
      if (!aux) return r.fail("version definition name at " + hex(aux_off) + " runs past its segment");
      WF_TRY(def.name, string_at(r, strtab, aux->vda_name, "version definition"));
    }
    out.version_defs.push_back(std::move(def));
    if (vd->vd_next == 0) break;
    off += static_cast<std::uint32_t>(vd->vd_next);
  }
  return {};
}

}  // namespace

template <typename E>
util::Status read_versions(const Reader<E>& r, const DynamicRefs& dyn, util::Bytes strtab,
                           ElfInfo& out) {
  if (dyn.verneed) WF_CHECK(read_verneed(r, dyn, strtab, out));
  if (dyn.verdef) WF_CHECK(read_verdef(r, dyn, strtab, out));
  return {};
}

#define WF_INSTANTIATE(E)                                                                     \
  template util::Status read_versions<E>(const Reader<E>&, const DynamicRefs&, util::Bytes, \
                                         ElfInfo&);
WF_ELF_FOR_EACH_TRAITS(WF_INSTANTIATE)
#undef WF_INSTANTIATE

}  // namespace wheelfix::elf::detail
