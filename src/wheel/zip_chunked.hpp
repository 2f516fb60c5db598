// Chunked, multi-threaded raw deflate of one large member into a scratch
// file (ZipWriter's path for members above ZipWriterOptions::chunked_threshold).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>
#include <string>

#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/hash.hpp"
#include "wheelfix/util/mapped_file.hpp"
#include "wheelfix/util/result.hpp"
#include "wheelfix/util/temp_file.hpp"

namespace wheelfix::wheel {

class PieceCache;

// What deflate_chunked() produced: one raw deflate stream in `file`.
struct ChunkedDeflate {
  util::TempFile file;           // the compressed bytes, from offset 0
  std::uint64_t compressed = 0;  // their count
  std::uint32_t crc32 = 0;       // CRC-32 of the input
};

// Deflates `input` (libdeflate level 1..12) in pieces of `chunk` bytes:
// piece k is compressed on its own (no dictionary; deflate_piece.hpp), all
// but the last made joinable, so the pieces concatenate into one raw deflate
// stream whose bytes depend only on input, level, chunk and the libdeflate
// version, never on `threads` (>= 1) or `cache`. Pieces are taken from and
// stored in `cache` when it is not null. At most 2 * threads pieces are held
// in memory. With `cache` and `input_sha256` (the caller's SHA-256 of all of
// `input`), the pieces' keys are first looked up in a member entry keyed by
// that digest (piece_cache.hpp: member_key), so a warm cache does not hash
// the pieces again; on a miss they are hashed and the member entry written.
// The output goes to an unnamed scratch file in `dir` (or
// $TMPDIR, /tmp when that fails). When `source` is the mapping `input` lies
// in, its pages are dropped from the resident set once compressed. Fails
// with "<dir>: <why>" or "deflate: <why>".
util::Result<ChunkedDeflate> deflate_chunked(util::Bytes input, const util::MappedFile* source, int level,
                                             std::size_t chunk, unsigned threads, const std::string& dir,
                                             const PieceCache* cache = nullptr,
                                             const util::Sha256Digest* input_sha256 = nullptr);

// A member whose pieces are all in the cache: their keys and payload sizes.
struct CachedPieces {
  std::vector<util::Sha256Digest> keys;
  std::vector<std::uint64_t> sizes;
  std::uint64_t compressed = 0;  // the sizes' sum
};

// The pieces deflate_chunked() would produce for `input`, when the member
// entry for `input_sha256` (the SHA-256 of all of `input`) and an entry for
// every piece it lists are in `cache` (headers checked, payloads not read);
// nullopt otherwise.
std::optional<CachedPieces> find_cached(util::Bytes input, int level, std::size_t chunk, const PieceCache& cache,
                                        const util::Sha256Digest& input_sha256);

// Writes the pieces find_cached() found through `write`, in order: the same
// bytes deflate_chunked() gives. A piece whose entry is missing or damaged
// by now is compressed again from `input` (and must come out the recorded
// size). Pages of `source` (the mapping `input` lies in) are dropped as
// pieces are written. Fails with "deflate: <why>" or `write`'s error.
util::Status write_cached(const CachedPieces& pieces, util::Bytes input, const util::MappedFile* source, int level,
                          std::size_t chunk, const PieceCache& cache,
                          const std::function<util::Status(util::Bytes)>& write);

}  // namespace wheelfix::wheel
