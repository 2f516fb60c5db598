// ZipReader::stream: inflate a member piece by piece (zlib), with the same
// size, ratio and CRC-32 checks as read() (CRC-32 by libdeflate, several
// times zlib's speed). The compressed input is fed in windows that are
// released from the resident set once consumed, so streaming a member of
// any size keeps the process small.
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <memory>

#include "wheelfix/wheel/zip_reader.hpp"

namespace wheelfix::wheel {

using util::make_error;

util::Status ZipReader::stream(const ZipEntry& e, const std::function<void(util::Bytes)>& consume) const {
  const std::string who = path_ + ": " + printable_name(e.name) + ": ";
  constexpr std::size_t kPiece = 1u << 20;
  constexpr std::size_t kWindow = 8u << 20;  // compressed bytes fed to zlib at once
  util::Bytes in = raw(e);
  std::uint32_t crc = 0;
  std::uint64_t total = 0;
  if (e.method == ZipMethod::stored) {
    for (std::size_t off = 0; off < in.size(); off += kPiece) {
      auto piece = in.subspan(off, std::min(kPiece, in.size() - off));
      crc = libdeflate_crc32(crc, piece.data(), piece.size());
      consume(piece);
      release(piece);
    }
    total = in.size();
  } else {
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return make_error(who, "cannot initialise the inflater");
    std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
    auto out = std::make_unique<std::uint8_t[]>(kPiece);
    std::size_t in_off = 0;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
      if (zs.avail_in == 0 && in_off < in.size()) {
        if (in_off >= kWindow) release(in.subspan(in_off - kWindow, kWindow));
        std::size_t n = std::min<std::size_t>(in.size() - in_off, kWindow);
        zs.next_in = const_cast<Bytef*>(in.data() + in_off);
        zs.avail_in = static_cast<uInt>(n);
        in_off += n;
      }
      zs.next_out = out.get();
      zs.avail_out = static_cast<uInt>(kPiece);
      rc = inflate(&zs, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END) return make_error(who, "corrupt deflate data");
      std::size_t produced = kPiece - zs.avail_out;
      total += produced;
      if (total > e.uncompressed_size)
        return make_error(who, "inflates to more than its declared size of ", std::to_string(e.uncompressed_size),
                          " bytes");
      if (produced) {
        crc = libdeflate_crc32(crc, out.get(), produced);
        consume(util::Bytes(out.get(), produced));
      }
      if (rc == Z_OK && produced == 0 && zs.avail_in == 0 && in_off >= in.size())
        return make_error(who, "deflate data ends early");
    }
    release(in);
    std::uint64_t used = in_off - zs.avail_in;
    if (used != in.size())
      return make_error(who, std::to_string(in.size() - used), " unexpected bytes after the deflate stream");
    auto allowed = util::checked_mul(std::max<std::uint64_t>(used, 1), limits_.max_ratio);
    if (total > limits_.ratio_min_size && allowed && total > *allowed)
      return make_error(who, "compression ratio ", std::to_string(total / std::max<std::uint64_t>(used, 1)),
                        ":1 is over the limit of ", std::to_string(limits_.max_ratio), ":1 (zip bomb?)");
  }
  if (total != e.uncompressed_size)
    return make_error(who, "inflates to ", std::to_string(total), " bytes, not its declared ",
                      std::to_string(e.uncompressed_size));
  if (crc != e.crc32) return make_error(who, "CRC-32 mismatch");
  return {};
}

}  // namespace wheelfix::wheel
