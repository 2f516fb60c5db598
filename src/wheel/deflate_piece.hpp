// One piece of a large member deflated with libdeflate (no preset
// dictionary) and shaped so that pieces concatenate into one raw deflate
// stream: every piece but the last ends byte-aligned with BFINAL clear.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/result.hpp"

struct libdeflate_compressor;

namespace wheelfix::wheel {

// Where the blocks of a complete raw deflate stream are.
struct DeflateBlockEnds {
  std::uint64_t last_header_bit = 0;  // bit offset of the final block's header (its BFINAL bit)
  std::uint64_t end_bit = 0;          // bit offset just past the final block's end-of-block code
};

// Walks the raw deflate stream `stream` (one or more blocks, the last with
// BFINAL set, nothing after it but zero padding) block by block, decoding
// and skipping its Huffman symbols without producing output (a few times
// faster than inflating it), and says where its final block starts and
// ends. Fails with "deflate: <why>" on a malformed stream or trailing bytes;
// never reads outside `stream`. Distances are not checked against the
// window: use find_last_block_zlib() for a full check.
util::Result<DeflateBlockEnds> find_last_block(util::Bytes stream);

// The same answer found by inflating `stream` with zlib (Z_BLOCK), which
// also checks that it inflates to exactly `expected`; its end_bit is
// rounded up to a whole byte (zlib drops the last byte's unused bits at the
// end of the stream). Fails as above, or
// with "deflate: piece does not inflate to its input".
util::Result<DeflateBlockEnds> find_last_block_zlib(util::Bytes stream, util::Bytes expected);

// Turns the complete stream `stream` into a piece
// that may be followed by more pieces: clears its final block's BFINAL bit
// and appends an empty stored block (3 header bits, zero padding, LEN 0,
// NLEN 0xffff), so it ends on a byte boundary. Fails as find_last_block().
util::Status make_joinable(std::vector<std::uint8_t>& stream);

// Deflates `input` (non-empty) with `compressor` in one call (no
// dictionary) into one complete stream; when `last` is false, makes it
// joinable. The bytes depend only on input, the compressor's level, `last`
// and the libdeflate version. Fails with "deflate: <why>".
util::Result<std::vector<std::uint8_t>> deflate_piece_libdeflate(libdeflate_compressor* compressor,
                                                                 util::Bytes input, bool last);

// Names the piece compressor and its version (part of the piece cache key).
std::string piece_compressor_id();

}  // namespace wheelfix::wheel
