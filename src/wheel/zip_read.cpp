// ZipReader member reads: inflate into a buffer of the declared size, then
// check size, real compression ratio and CRC-32.
#include <libdeflate.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "wheelfix/wheel/zip_reader.hpp"

namespace wheelfix::wheel {

using util::make_error;

namespace {

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

std::string hex32(std::uint32_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(8, '0');
  for (int i = 7; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = kHex[v & 0xF];
  return s;
}

}  // namespace

util::Status ZipReader::read_into(const ZipEntry& e, std::span<std::uint8_t> out) const {
  const std::string who = path_ + ": " + printable_name(e.name) + ": ";
  if (out.size() != e.uncompressed_size) {
    return make_error(who, "buffer of ", std::to_string(out.size()), " bytes for a member of ",
                      std::to_string(e.uncompressed_size));
  }
  util::Bytes in = raw(e);
  if (e.method == ZipMethod::stored) {
    if (!in.empty()) std::memcpy(out.data(), in.data(), in.size());
  } else {
    std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> d(libdeflate_alloc_decompressor());
    if (!d) return make_error(who, "out of memory for the inflater");
    std::size_t in_used = 0, out_used = 0;
    auto rc = libdeflate_deflate_decompress_ex(d.get(), in.data(), in.size(), out.data(), out.size(),
                                               &in_used, &out_used);
    release(in);
    if (rc == LIBDEFLATE_INSUFFICIENT_SPACE) {
      return make_error(who, "inflates to more than its declared size of ", std::to_string(out.size()), " bytes");
    }
    if (rc != LIBDEFLATE_SUCCESS) return make_error(who, "corrupt deflate data");
    if (out_used != out.size()) {
      return make_error(who, "inflates to ", std::to_string(out_used), " bytes, not its declared ",
                        std::to_string(out.size()));
    }
    auto allowed = util::checked_mul(in_used, limits_.max_ratio);
    if (out_used > limits_.ratio_min_size && allowed && out_used > *allowed) {
      return make_error(who, "compression ratio ", std::to_string(out_used / std::max<std::size_t>(in_used, 1)),
                        ":1 is over the limit of ", std::to_string(limits_.max_ratio), ":1 (zip bomb?)");
    }
    if (in_used != in.size()) {
      return make_error(who, std::to_string(in.size() - in_used), " unexpected bytes after the deflate stream");
    }
  }
  std::uint32_t crc = libdeflate_crc32(0, out.data(), out.size());
  if (crc != e.crc32) {
    return make_error(who, "CRC-32 mismatch (archive says ", hex32(e.crc32), ", data gives ", hex32(crc), ")");
  }
  return {};
}

util::Result<std::vector<std::uint8_t>> ZipReader::read(const ZipEntry& e) const {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(e.uncompressed_size));
  WF_CHECK(read_into(e, out));
  return out;
}

util::Result<std::string> ZipReader::read_string(const ZipEntry& e, std::uint64_t max_size) const {
  if (e.uncompressed_size > max_size) {
    return make_error(path_, ": ", printable_name(e.name), ": ", std::to_string(e.uncompressed_size),
                      " bytes is over the limit of ", std::to_string(max_size), " bytes for this file");
  }
  std::string out(static_cast<std::size_t>(e.uncompressed_size), '\0');
  WF_CHECK(read_into(e, std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(out.data()), out.size())));
  return out;
}

util::Status ZipReader::verify_all() const {
  for (const auto& e : entries_) {
    WF_TRY(auto data, read(e));
    (void)data;
  }
  return {};
}

}  // namespace wheelfix::wheel
