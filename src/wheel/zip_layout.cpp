// ZipReader's layout check: members, data descriptors and the central
// directory must tile the archive, so that every zip reader (one that walks
// the central directory, one that streams local headers from the start)
// sees the same members with the same data.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "wheelfix/util/byte_cursor.hpp"
#include "wheelfix/wheel/zip_reader.hpp"

namespace wheelfix::wheel {

using namespace zipfmt;
using util::make_error;

namespace {

// True when the `len` bytes at `pos` are a data descriptor for `e` (with or
// without its signature, 32- or 64-bit sizes) holding the central
// directory's CRC and sizes.
bool is_data_descriptor(util::Bytes data, std::uint64_t pos, std::uint64_t len, const ZipEntry& e) {
  auto d = util::slice(data, pos, len);
  if (!d) return false;
  util::ByteCursor c(*d);
  if (len == 16 || len == 24) {
    auto sig = c.le32();
    if (!sig || *sig != kDataDescriptorSig) return false;
  } else if (len != 12 && len != 20) {
    return false;
  }
  bool wide = c.remaining() == 20;
  auto size = [&]() -> util::Result<std::uint64_t> {
    if (wide) return c.le64();
    WF_TRY(std::uint32_t narrow, c.le32());
    return std::uint64_t{narrow};
  };
  auto crc = c.le32();
  auto csize = size();
  auto usize = size();
  return crc && csize && usize && *crc == e.crc32 && *csize == e.compressed_size &&
         *usize == e.uncompressed_size;
}

// True when `bytes` hold a local file header signature (a streaming reader
// would take what follows for a member).
bool has_local_signature(util::Bytes bytes) {
  static constexpr std::array<std::uint8_t, 4> kSig = {'P', 'K', 3, 4};
  return std::search(bytes.begin(), bytes.end(), kSig.begin(), kSig.end()) != bytes.end();
}

}  // namespace

util::Status ZipReader::check_layout(std::uint64_t cd_offset) const {
  util::Bytes data = file_.bytes();
  std::vector<const ZipEntry*> order;
  order.reserve(entries_.size());
  for (const auto& e : entries_) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const ZipEntry* a, const ZipEntry* b) {
    return a->local_header_offset < b->local_header_offset;
  });
  std::uint64_t first = order.empty() ? cd_offset : order.front()->local_header_offset;
  if (has_local_signature(data.first(static_cast<std::size_t>(first)))) {
    return make_error(path_, ": the ", std::to_string(first),
                      " bytes before the first member hold a local header signature (a hidden member?)");
  }
  for (std::size_t i = 0; i < order.size(); ++i) {
    const ZipEntry& e = *order[i];
    std::uint64_t data_end = e.data_offset + e.compressed_size;  // checked in check_local
    std::uint64_t next = i + 1 < order.size() ? order[i + 1]->local_header_offset : cd_offset;
    if (next < data_end) {
      if (next == cd_offset) return make_error(path_, ": central directory overlaps the data of member '",
                                               printable_name(e.name), "'");
      return make_error(path_, ": ", printable_name(order[i + 1]->name), ": overlaps the data of member '",
                        printable_name(e.name), "'");
    }
    std::uint64_t gap = next - data_end;
    if (e.has_data_descriptor() ? is_data_descriptor(data, data_end, gap, e) : gap == 0) continue;
    if (gap == 0) {
      return make_error(path_, ": ", printable_name(e.name),
                        ": the data descriptor flag is set but no data descriptor follows the data");
    }
    std::string what = e.has_data_descriptor() ? " (no data descriptor matching the central directory)" : "";
    return make_error(path_, ": ", std::to_string(gap), " bytes at offset ", std::to_string(data_end),
                      " after member '", printable_name(e.name), "' belong to no member", what);
  }
  return {};
}

}  // namespace wheelfix::wheel
