// The fixed parts of the zip records the reader parses, as structs read
// through util::ByteCursor (APPNOTE 4.3.7, 4.3.12, 4.3.14-16). Each read()
// takes the record's fixed size from the cursor in one checked step, then
// its fields in order; it fails (cursor unmoved) when the bytes are not
// there, and checks nothing else: the signature is a field for the caller
// to compare, so its message can say which record was expected where.
#pragma once

#include <cstdint>

#include "wheelfix/util/byte_cursor.hpp"
#include "wheelfix/wheel/zip_format.hpp"

namespace wheelfix::wheel::zipfmt {

// Local file header (30 bytes, then name and extra field).
struct LocalHeader {
  std::uint32_t signature = 0;
  std::uint16_t version_needed = 0;
  std::uint16_t flags = 0;
  std::uint16_t method = 0;
  std::uint16_t mod_time = 0;
  std::uint16_t mod_date = 0;
  std::uint32_t crc32 = 0;
  std::uint32_t compressed_size = 0;
  std::uint32_t uncompressed_size = 0;
  std::uint16_t name_length = 0;
  std::uint16_t extra_length = 0;
  static util::Result<LocalHeader> read(util::ByteCursor& c);
};

// Central directory file header (46 bytes, then name, extra, comment).
struct CentralHeader {
  std::uint32_t signature = 0;
  std::uint16_t version_made_by = 0;
  std::uint16_t version_needed = 0;
  std::uint16_t flags = 0;
  std::uint16_t method = 0;
  std::uint16_t mod_time = 0;
  std::uint16_t mod_date = 0;
  std::uint32_t crc32 = 0;
  std::uint32_t compressed_size = 0;
  std::uint32_t uncompressed_size = 0;
  std::uint16_t name_length = 0;
  std::uint16_t extra_length = 0;
  std::uint16_t comment_length = 0;
  std::uint16_t disk_start = 0;
  std::uint16_t internal_attrs = 0;
  std::uint32_t external_attrs = 0;
  std::uint32_t local_header_offset = 0;
  static util::Result<CentralHeader> read(util::ByteCursor& c);
};

// End of central directory record (22 bytes, then the comment).
struct EndRecord {
  std::uint32_t signature = 0;
  std::uint16_t disk = 0;
  std::uint16_t cd_disk = 0;
  std::uint16_t disk_entries = 0;
  std::uint16_t entries = 0;
  std::uint32_t cd_size = 0;
  std::uint32_t cd_offset = 0;
  std::uint16_t comment_length = 0;
  static util::Result<EndRecord> read(util::ByteCursor& c);
};

// ZIP64 end of central directory locator (20 bytes).
struct Zip64Locator {
  std::uint32_t signature = 0;
  std::uint32_t end_disk = 0;
  std::uint64_t end_offset = 0;
  std::uint32_t total_disks = 0;
  static util::Result<Zip64Locator> read(util::ByteCursor& c);
};

// ZIP64 end of central directory record (56 bytes without extensible data).
struct Zip64EndRecord {
  std::uint32_t signature = 0;
  std::uint64_t record_size = 0;  // of what follows this field
  std::uint16_t version_made_by = 0;
  std::uint16_t version_needed = 0;
  std::uint32_t disk = 0;
  std::uint32_t cd_disk = 0;
  std::uint64_t disk_entries = 0;
  std::uint64_t entries = 0;
  std::uint64_t cd_size = 0;
  std::uint64_t cd_offset = 0;
  static util::Result<Zip64EndRecord> read(util::ByteCursor& c);
};

// Reads record R at `offset` of `data`; fails when the record does not fit
// between `offset` and the end of `data`.
template <typename R>
util::Result<R> read_record_at(util::Bytes data, std::uint64_t offset) {
  util::ByteCursor c(data);
  WF_CHECK(c.seek(offset));
  return R::read(c);
}

}  // namespace wheelfix::wheel::zipfmt
