// Content-addressed cache of compressed pieces of large members, shared by
// runs (and concurrent processes) through a folder.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/hash.hpp"
#include "wheelfix/wheel/zip_writer.hpp"

namespace wheelfix::wheel {

// The key of one piece: SHA-256 over a version tag, the compressor's name
// and version, the level, whether the piece ends the stream, the dictionary
// the compressor was primed with (none for libdeflate pieces, whose bytes do
// not depend on what comes before them) and the piece's input bytes.
util::Sha256Digest piece_key(const std::string& compressor, int level, bool last, util::Bytes dictionary,
                             util::Bytes input);

// The key of a member entry, whose payload is the 32-byte keys of the
// member's pieces in order: SHA-256 over another version tag, the
// compressor's name and version, the level, the piece size, the input size
// and the SHA-256 of all of the input. Content-addressed like piece_key(),
// and never equal to one (the tags differ).
util::Sha256Digest member_key(const std::string& compressor, int level, std::uint64_t chunk, std::uint64_t size,
                              const util::Sha256Digest& input_sha256);

// A cache folder. Entries are files <dir>/pieces/<2 hex>/<64 hex> holding a
// header (magic, key, payload size, CRC-32 of the payload) and the payload.
// Writes go to a unique temporary name and are renamed into place, so a
// reader sees a whole entry or none; an entry whose header or checksum is
// wrong is treated as missing. Every method is best effort: a cache that
// cannot be read or written only costs speed, never fails a run. Shareable
// between threads (no mutable state).
class PieceCache {
 public:
  explicit PieceCache(PieceCacheOptions options) : options_(std::move(options)) {}

  // The payload stored under `key`, or nullopt when there is none or it is
  // damaged. A hit marks the entry as recently used (its mtime).
  std::optional<std::vector<std::uint8_t>> get(const util::Sha256Digest& key) const;
  // The payload size of the entry under `key`, from its header and the
  // file's size (the payload itself is not read or checked); nullopt when
  // there is no such entry or the header is wrong.
  std::optional<std::uint64_t> payload_size(const util::Sha256Digest& key) const;
  // Stores `payload` under `key` (atomic rename; errors ignored).
  void put(const util::Sha256Digest& key, util::Bytes payload) const;
  // Removes least recently used entries until the folder holds at most
  // options.max_bytes of entries, and temporary files older than an hour
  // (left by killed runs). Errors ignored.
  void trim() const;

  // Where entry `key` lives.
  std::string entry_path(const util::Sha256Digest& key) const;

 private:
  PieceCacheOptions options_;
};

}  // namespace wheelfix::wheel
