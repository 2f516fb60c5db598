// libdeflate pieces joined into one deflate stream (deflate_piece.hpp).
#include "wheel/deflate_piece.hpp"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <string>

namespace wheelfix::wheel {

namespace {

// zlib inflate state for one walk; ended on destruction.
struct Inflater {
  z_stream zs{};
  bool live = false;
  Inflater() { live = inflateInit2(&zs, -15) == Z_OK; }
  ~Inflater() {
    if (live) inflateEnd(&zs);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
};

// Bit offset the inflater has reached: bytes taken, less the bits of the
// last ones it holds unused (data_type's low 6 bits).
std::uint64_t bit_position(const z_stream& zs) {
  return std::uint64_t{zs.total_in} * 8 - static_cast<std::uint64_t>(zs.data_type & 63);
}

}  // namespace

util::Result<DeflateBlockEnds> find_last_block_zlib(util::Bytes stream, util::Bytes expected) {
  if (stream.size() > UINT_MAX || expected.size() > UINT_MAX) {
    return util::make_error("deflate: piece too large to check (", std::to_string(stream.size()), " bytes)");
  }
  Inflater inf;
  if (!inf.live) return util::make_error("deflate: cannot set up zlib inflate");
  std::vector<std::uint8_t> out(expected.size() + 1);  // one spare byte catches excess output
  inf.zs.next_in = const_cast<Bytef*>(stream.data());
  inf.zs.avail_in = static_cast<uInt>(stream.size());
  inf.zs.next_out = out.data();
  inf.zs.avail_out = static_cast<uInt>(out.size());
  DeflateBlockEnds r;
  std::uint64_t block_start = 0;  // header of the block being inflated
  for (;;) {
    int rc = inflate(&inf.zs, Z_BLOCK);
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK) return util::make_error("deflate: piece does not inflate (zlib ", std::to_string(rc), ")");
    if (inf.zs.avail_in == 0 && !(inf.zs.data_type & 128)) {
      return util::make_error("deflate: piece ends inside a block");
    }
    // At a boundary after a block that was not the last one: the next header.
    if ((inf.zs.data_type & 128) && !(inf.zs.data_type & 64)) block_start = bit_position(inf.zs);
  }
  r.last_header_bit = block_start;
  r.end_bit = bit_position(inf.zs);
  std::size_t produced = out.size() - inf.zs.avail_out;
  if (inf.zs.avail_in != 0 || (r.end_bit + 7) / 8 != stream.size()) {
    return util::make_error("deflate: piece has bytes after its final block");
  }
  if (produced != expected.size() || std::memcmp(out.data(), expected.data(), produced) != 0) {
    return util::make_error("deflate: piece does not inflate to its input");
  }
  if (r.last_header_bit >= r.end_bit || !((stream[r.last_header_bit / 8] >> (r.last_header_bit % 8)) & 1)) {
    return util::make_error("deflate: piece's final block header not found");
  }
  return r;
}

util::Status make_joinable(std::vector<std::uint8_t>& stream) {
  WF_TRY(auto ends, find_last_block(util::Bytes(stream)));
  if (!((stream[ends.last_header_bit / 8] >> (ends.last_header_bit % 8)) & 1)) {
    return util::make_error("deflate: piece's final block header not found");
  }
  stream[ends.last_header_bit / 8] &= static_cast<std::uint8_t>(~(1u << (ends.last_header_bit % 8)));
  // The empty stored block's 3 header bits (000) fit in the last byte's
  // zero padding when at least 3 bits are left, else spill into a new byte;
  // then LEN = 0, NLEN = 0xffff on the following byte boundary.
  std::uint64_t spare = stream.size() * 8 - ends.end_bit;
  if (spare < 3) stream.push_back(0);
  for (std::uint8_t b : {0x00, 0x00, 0xff, 0xff}) stream.push_back(b);
  return {};
}

util::Result<std::vector<std::uint8_t>> deflate_piece_libdeflate(libdeflate_compressor* compressor,
                                                                 util::Bytes input, bool last) {
  if (input.empty()) return util::make_error("deflate: empty piece");
  std::size_t bound = libdeflate_deflate_compress_bound(compressor, input.size());
  auto buf = std::make_unique_for_overwrite<std::uint8_t[]>(bound);  // not zero-filled
  std::size_t n = libdeflate_deflate_compress(compressor, input.data(), input.size(), buf.get(), bound);
  if (n == 0) return util::make_error("deflate: libdeflate found no room within its own bound");
  std::vector<std::uint8_t> out;
  out.reserve(n + 5);  // room for make_joinable's empty stored block
  out.assign(buf.get(), buf.get() + n);
  if (!last) WF_CHECK(make_joinable(out));
  return out;
}

std::string piece_compressor_id() { return std::string("libdeflate-") + LIBDEFLATE_VERSION_STRING; }

}  // namespace wheelfix::wheel
