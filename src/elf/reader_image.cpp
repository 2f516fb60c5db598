// The reader's view of one file: ELF header, program headers, address to
// file offset mapping and string tables. Every value read from the file is
// checked before it is used as an offset or a size.
#include <cinttypes>
#include <cstdio>

#include "elf/reader_internal.hpp"
#include "elf/unique_entries.hpp"

namespace wheelfix::elf::detail {

std::string hex(std::uint64_t value) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%" PRIx64, value);
  return buf;
}

template <typename E>
util::Error Reader<E>::fail(std::string_view problem) const {
  return util::make_error(name, ": ", std::string(problem));
}

template <typename E>
util::Result<util::Bytes> Reader<E>::map_address(std::uint64_t addr, std::string_view what) const {
  for (const auto& ph : phdrs) {
    if (ph.p_type != PT_LOAD) continue;
    std::uint64_t vaddr = ph.p_vaddr;
    std::uint64_t filesz = ph.p_filesz;
    if (addr < vaddr || addr - vaddr >= filesz) continue;
    std::uint64_t delta = addr - vaddr;
    auto offset = util::checked_add(ph.p_offset, delta);
    if (!offset || *offset >= data.size()) {
      return fail(std::string(what) + " address " + hex(addr) +
                  " maps to a file offset past the end of the file");
    }
    std::uint64_t avail = std::min<std::uint64_t>(filesz - delta, data.size() - *offset);
    return data.subspan(static_cast<std::size_t>(*offset), static_cast<std::size_t>(avail));
  }
  return fail(std::string(what) + " address " + hex(addr) + " is not in any PT_LOAD segment");
}

template <typename E>
util::Result<util::Bytes> Reader<E>::map_range(std::uint64_t addr, std::uint64_t size,
                                               std::string_view what) const {
  WF_TRY(util::Bytes region, map_address(addr, what));
  if (size > region.size()) {
    return fail(std::string(what) + " at " + hex(addr) + " (" + std::to_string(size) +
                " bytes) runs past the end of its PT_LOAD segment or the file");
  }
  return region.first(static_cast<std::size_t>(size));
}

template struct Reader<Elf32LE>;
template struct Reader<Elf32BE>;
template struct Reader<Elf64LE>;
template struct Reader<Elf64BE>;

namespace {

// PT_LOAD segments must be in ascending address order without overlapping
// (the ELF spec and every linker): otherwise an address could map to two
// different file offsets, and readers would disagree about the file.
template <typename E>
util::Status check_load_order(const Reader<E>& r) {
  std::uint64_t prev_end = 0;
  bool first = true;
  for (std::size_t i = 0; i < r.phdrs.size(); ++i) {
    const auto& ph = r.phdrs[i];
    if (ph.p_type != PT_LOAD) continue;
    auto end = util::checked_add(ph.p_vaddr, ph.p_memsz);
    if (!end) return r.fail("PT_LOAD segment " + std::to_string(i) + " wraps around the address space");
    if (!first && ph.p_vaddr < prev_end) {
      return r.fail("PT_LOAD segment " + std::to_string(i) + " at " + hex(ph.p_vaddr) +
                    " overlaps or precedes the previous one (which ends at " + hex(prev_end) + ")");
    }
    prev_end = *end;
    first = false;
  }
  return {};
}

template <typename E>
util::Status read_program_headers(Reader<E>& r) {
  std::uint64_t phnum = r.ehdr.e_phnum;
  if (phnum == 0) return {};
  if (phnum == PN_XNUM) {
    return r.fail("extended program header numbering (e_phnum = PN_XNUM) is not supported");
  }
  if (r.ehdr.e_phentsize != sizeof(typename E::Phdr)) {
    return r.fail("e_phentsize " + std::to_string(r.ehdr.e_phentsize) +
                  " is not the size of a program header (" +
                  std::to_string(sizeof(typename E::Phdr)) + ")");
  }
  // phnum < 0xffff, so the product cannot overflow.
  std::uint64_t size = phnum * sizeof(typename E::Phdr);
  auto table = util::slice(r.data, r.ehdr.e_phoff, size);
  if (!table) return r.fail("program header table runs past the end of the file");
  r.phdrs.resize(static_cast<std::size_t>(phnum));
  std::memcpy(r.phdrs.data(), table->data(), table->size());
  UniqueSegmentCheck unique;  // the rewriter applies the same rule
  for (const auto& ph : r.phdrs)
    if (auto duplicate = unique.add(ph.p_type)) return r.fail(*duplicate);
  return check_load_order(r);
}

}  // namespace

template <typename E>
util::Result<Reader<E>> open_reader(util::Bytes data, const std::string& name) {
  Reader<E> r{data, name, {}, {}};
  auto ehdr = load<typename E::Ehdr>(data, 0);
  if (!ehdr) return r.fail("file is too short for an ELF header");
  r.ehdr = *ehdr;
  WF_CHECK(read_program_headers(r));
  return r;
}

template <typename E>
util::Result<std::string> string_at(const Reader<E>& r, util::Bytes strtab, std::uint64_t offset,
                                    std::string_view what) {
  if (offset >= strtab.size()) {
    return r.fail(std::string(what) + " string offset " + hex(offset) +
                  " is outside the string table");
  }
  auto s = util::c_string_at(strtab, offset);
  if (!s) {
    return r.fail(std::string(what) + " string at offset " + hex(offset) +
                  " is not NUL-terminated inside the string table");
  }
  return std::string(*s);
}

#define WF_INSTANTIATE(E)                                                                      \
  template util::Result<Reader<E>> open_reader<E>(util::Bytes, const std::string&);            \
  template util::Result<std::string> string_at<E>(const Reader<E>&, util::Bytes, std::uint64_t, \
                                                  std::string_view);
WF_ELF_FOR_EACH_TRAITS(WF_INSTANTIATE)
#undef WF_INSTANTIATE

}  // namespace wheelfix::elf::detail
