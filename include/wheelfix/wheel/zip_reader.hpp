// Strict, mapped ZIP reader for wheels: validates the whole archive at open
// and inflates members with CRC and size checks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/mapped_file.hpp"
#include "wheelfix/util/result.hpp"
#include "wheelfix/wheel/zip_format.hpp"

namespace wheelfix::wheel {

// Resource limits checked at open (declared sizes) and on read (actual).
struct ZipLimits {
  std::uint64_t max_member_size = 8ull << 30;   // uncompressed bytes per member
  std::uint64_t max_total_size = 32ull << 30;   // uncompressed bytes, all members
  std::uint64_t max_entries = 1u << 20;         // members in the central directory
  std::uint64_t max_ratio = 1000;               // uncompressed : compressed
  std::uint64_t ratio_min_size = 4ull << 20;    // ratio checked above this size
};

// One member, as the central directory describes it (cross-checked against
// its local header at open).
struct ZipEntry {
  std::string name;
  ZipMethod method = ZipMethod::stored;
  std::uint32_t crc32 = 0;
  std::uint64_t compressed_size = 0;
  std::uint64_t uncompressed_size = 0;
  std::uint64_t local_header_offset = 0;
  std::uint64_t data_offset = 0;  // first byte of the compressed data
  std::uint32_t external_attrs = 0;
  std::uint16_t version_made_by = 0;
  std::uint16_t flags = 0;  // general-purpose bit flags
  DosDateTime modified;

  bool has_data_descriptor() const { return (flags & zipfmt::kFlagDataDescriptor) != 0; }
  bool is_directory() const { return !name.empty() && name.back() == '/'; }
  // The Unix st_mode from the high 16 bits of the external attributes,
  // whatever host made the archive (as pip reads it: zips made on Windows
  // may carry a Unix mode there too); 0 when none is recorded.
  std::uint32_t unix_mode() const { return external_attrs >> 16; }
  // pip's rule: a regular file (S_IFREG in the mode) with any execute bit.
  bool is_executable() const { return (unix_mode() & 0170000) == 0100000 && (unix_mode() & 0111) != 0; }
};

// A validated archive. Open fails with "<archive>: <member>: <problem>" (or
// "<archive>: <problem>" for archive-level damage) on: truncation, a missing
// or bad end record, a central directory out of range, local/central header
// mismatches, duplicate/absolute/'..'/backslash/empty/non-UTF-8 names,
// symlinks or special files, encryption, methods other than stored/deflate,
// sizes or compression ratios over the limits, and on anything two zip
// readers could read differently: an end record signature in the archive
// comment, bytes after the end record, bytes that belong to no member (a
// prefix before the first member is allowed unless it holds a local header
// signature), overlapping members, a non-ASCII name without the UTF-8 flag,
// a Unicode Path extra field naming something else, two ZIP64 extra fields.
// Move-only; entries and raw() views live as long as the reader.
class ZipReader {
 public:
  static util::Result<ZipReader> open(const std::string& path, const ZipLimits& limits = {});

  const std::string& path() const { return path_; }
  const ZipLimits& limits() const { return limits_; }
  // Members in central-directory (archive) order.
  const std::vector<ZipEntry>& entries() const { return entries_; }
  // The member with exactly this name, or nullptr.
  const ZipEntry* find(std::string_view name) const;
  // The compressed bytes of a member (for copying it unchanged).
  util::Bytes raw(const ZipEntry& entry) const;
  // The whole mapped archive.
  util::Bytes bytes() const { return file_.bytes(); }
  // Tells the kernel this process is done with `range` of the mapped archive
  // for now (see util::MappedFile::release); views stay valid.
  void release(util::Bytes range) const { file_.release(range); }

  // Inflates a member into a buffer of its declared size. Fails with
  // "<archive>: <member>: <problem>" when the data is corrupt, inflates to a
  // different size, its real compression ratio is over the limit, data
  // follows the deflate stream, or the CRC-32 does not match.
  util::Result<std::vector<std::uint8_t>> read(const ZipEntry& entry) const;
  // Same as read(), as a string (for text members such as METADATA).
  // Fails first, without reading, with "<archive>: <member>: <n> bytes is
  // over the limit of <max_size> bytes for this file" when the declared size
  // is over `max_size`.
  util::Result<std::string> read_string(const ZipEntry& entry,
                                        std::uint64_t max_size = ~std::uint64_t{0}) const;
  // Same checks, into a caller buffer whose size must equal the member's
  // uncompressed size.
  util::Status read_into(const ZipEntry& entry, std::span<std::uint8_t> out) const;
  // Same checks as read(), but hands the data to `consume` in pieces of at
  // most 1 MiB (stored members: views of the mapped archive, no copy), so a
  // member of any size is processed in bounded memory.
  util::Status stream(const ZipEntry& entry, const std::function<void(util::Bytes)>& consume) const;
  // Reads every member once (one at a time) and returns the first error.
  util::Status verify_all() const;

 private:
  util::Status parse();
  util::Status parse_central(util::Bytes cd, std::uint64_t count, std::uint64_t cd_offset);
  util::Status check_entry(const ZipEntry& e);
  util::Status check_local(ZipEntry& e, std::uint64_t cd_offset) const;
  util::Status check_layout(std::uint64_t cd_offset) const;

  util::MappedFile file_;
  std::string path_;
  ZipLimits limits_;
  std::vector<ZipEntry> entries_;
  std::map<std::string, std::size_t, std::less<>> index_;
  std::uint64_t total_size_ = 0;
};

// Where the central directory is, from the end record (and its ZIP64
// record when a locator precedes it).
struct ZipEnd {
  std::uint64_t cd_offset = 0;
  std::uint64_t cd_size = 0;
  std::uint64_t entries = 0;
  std::uint64_t end_offset = 0;  // where the (ZIP64) end records start
  bool zip64 = false;
};

// Finds and cross-checks the end records of `data`. The end record is the
// one Python's zipfile uses (the last 22 bytes when they are an end record
// without comment, else the last signature in the last 64 KiB + 22 bytes);
// no other end record's comment may reach the end of the file (readers
// would disagree), its own comment must end exactly at the end of the file
// (no trailing data), a ZIP64 end record must be the plain 56 bytes right
// before its locator, the central directory must end exactly where the end
// records begin, and the archive must be a single disk. Fails with
// "<where>: <problem>".
util::Result<ZipEnd> find_zip_end(util::Bytes data, const std::string& where);

}  // namespace wheelfix::wheel
