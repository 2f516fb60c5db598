// GNU property notes (NT_GNU_PROPERTY_TYPE_0): the x86 ISA level a binary
// needs (GNU_PROPERTY_X86_ISA_1_NEEDED).
#include "elf/reader_internal.hpp"

namespace wheelfix::elf::detail {
namespace {

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) & ~(a - 1); }

// Scans the properties of one NT_GNU_PROPERTY_TYPE_0 descriptor. Properties
// are padded to 8 bytes in 64-bit files, 4 in 32-bit ones.
template <typename E>
util::Status scan_properties(const Reader<E>& r, util::Bytes desc,
                             std::optional<std::uint32_t>& isa) {
  using U32 = typename E::U32;
  const std::uint64_t pad = E::is64 ? 8 : 4;
  std::uint64_t off = 0;
  while (off + 8 <= desc.size()) {
    std::uint32_t type = *load<U32>(desc, off);
    std::uint64_t datasz = static_cast<std::uint32_t>(*load<U32>(desc, off + 4));
    if (!util::in_bounds(off + 8, datasz, desc.size())) {
      return r.fail("GNU property " + hex(type) + " runs past the end of its note");
    }
    if (type == GNU_PROPERTY_X86_ISA_1_NEEDED && datasz == 4) {
      isa = isa.value_or(0) | static_cast<std::uint32_t>(*load<U32>(desc, off + 8));
    }
    off = align_up(off + 8 + datasz, pad);  // off + 8 + datasz <= desc.size(): no overflow
  }
  return {};
}

// Walks the notes of one note segment whose entries are `align`-aligned.
template <typename E>
util::Status scan_notes(const Reader<E>& r, const typename E::Phdr& ph, std::uint64_t align,
                        std::optional<std::uint32_t>& isa) {
  using Nhdr = typename E::Nhdr;
  auto seg = util::slice(r.data, ph.p_offset, ph.p_filesz);
  if (!seg) return r.fail("note segment at offset " + hex(ph.p_offset) + " runs past the end of the file");
  std::uint64_t off = 0;
  while (off + sizeof(Nhdr) <= seg->size()) {
    auto n = load<Nhdr>(*seg, off);
    std::uint64_t namesz = static_cast<std::uint32_t>(n->n_namesz);
    std::uint64_t descsz = static_cast<std::uint32_t>(n->n_descsz);
    std::uint64_t name_off = off + sizeof(Nhdr);
    std::uint64_t desc_off = align_up(name_off + namesz, align);  // < 2^34: no overflow
    if (!util::in_bounds(desc_off, descsz, seg->size())) {
      return r.fail("note at offset " + hex(ph.p_offset + off) + " runs past the end of its segment");
    }
    bool gnu = namesz == 4 && std::memcmp(seg->data() + name_off, "GNU", 4) == 0;
    if (gnu && n->n_type == NT_GNU_PROPERTY_TYPE_0) {
      WF_CHECK(scan_properties(r, seg->subspan(desc_off, descsz), isa));
    }
    off = align_up(desc_off + descsz, align);
  }
  return {};
}

}  // namespace

template <typename E>
util::Result<std::optional<std::uint32_t>> read_x86_isa_needed(const Reader<E>& r) {
  std::optional<std::uint32_t> isa;
  // PT_GNU_PROPERTY, when present, is exactly the property note; otherwise
  // look through every PT_NOTE segment.
  bool have_property_segment = false;
  for (const auto& ph : r.phdrs) {
    if (ph.p_type != PT_GNU_PROPERTY) continue;
    have_property_segment = true;
    WF_CHECK(scan_notes(r, ph, E::is64 ? 8 : 4, isa));
  }
  if (have_property_segment) return isa;
  for (const auto& ph : r.phdrs) {
    if (ph.p_type == PT_NOTE) WF_CHECK(scan_notes(r, ph, ph.p_align == 8 ? 8 : 4, isa));
  }
  return isa;
}

#define WF_INSTANTIATE(E) \
  template util::Result<std::optional<std::uint32_t>> read_x86_isa_needed<E>(const Reader<E>&);
WF_ELF_FOR_EACH_TRAITS(WF_INSTANTIATE)
#undef WF_INSTANTIATE

}  // namespace wheelfix::elf::detail
