// Locating the central directory: end of central directory record, ZIP64
// locator and ZIP64 end record.
#include <string>
#include <utility>

#include "wheel/zip_records.hpp"
#include "wheelfix/util/byte_cursor.hpp"
#include "wheelfix/wheel/zip_reader.hpp"

namespace wheelfix::wheel {

using namespace zipfmt;
using util::make_error;

namespace {

// True when the four bytes at `pos` are an end record signature.
bool end_signature_at(const util::ByteCursor& c, std::uint64_t pos) {
  auto sig = c.le32_at(pos);
  return sig.ok() && *sig == kEndSig;
}

// Where a reader that wants the comment to reach the end of the file finds
// the end record: the last signature whose comment length ends exactly at
// the end of the file.
std::optional<std::uint64_t> locate_end_exact(util::Bytes data) {
  util::ByteCursor c(data);
  std::size_t lowest = data.size() > kEndSize + kMax16 ? data.size() - kEndSize - kMax16 : 0;
  for (std::size_t pos = data.size() - kEndSize + 1; pos-- > lowest;) {
    if (!end_signature_at(c, pos)) continue;
    auto comment = c.le16_at(pos + 20);
    if (comment.ok() && pos + kEndSize + *comment == data.size()) return pos;
  }
  return std::nullopt;
}

// Where Python's zipfile (pip, installer) finds it: the last 22 bytes when
// they are an end record with an empty comment, else the last signature in
// the last 64 KiB + 22 bytes, whatever its comment length says.
std::optional<std::uint64_t> locate_end_last(util::Bytes data) {
  util::ByteCursor c(data);
  std::size_t tail = data.size() - kEndSize;
  if (end_signature_at(c, tail)) {
    auto comment = c.le16_at(tail + 20);
    if (comment.ok() && *comment == 0) return tail;
  }
  std::size_t lowest = data.size() > kEndSize + kMax16 + 1 ? data.size() - kEndSize - kMax16 - 1 : 0;
  for (std::size_t pos = data.size() - 3; pos-- > lowest;) {
    if (end_signature_at(c, pos)) return pos;
  }
  return std::nullopt;
}

// The end record both kinds of reader agree on (its offset and fields), or
// why there is none.
util::Result<std::pair<std::uint64_t, EndRecord>> locate_end(util::Bytes data, const std::string& where) {
  auto last = locate_end_last(data);
  if (!last) return make_error(where, ": no end of central directory record (truncated or not a zip archive)");
  auto exact = locate_end_exact(data);
  if (exact && *exact != *last) {
    return make_error(where, ": the comment of the end of central directory record at offset ",
                      std::to_string(*exact), " holds another end record signature (offset ", std::to_string(*last),
                      "); zip readers disagree on which central directory to use");
  }
  auto record = read_record_at<EndRecord>(data, *last);
  if (!record) {
    return make_error(where, ": end of central directory record at offset ", std::to_string(*last),
                      " is cut off (truncated file?)");
  }
  std::uint64_t comment_end = *last + kEndSize + record->comment_length;
  if (comment_end > data.size()) {
    return make_error(where, ": end of central directory record at offset ", std::to_string(*last),
                      " declares a ", std::to_string(comment_end - *last - kEndSize),
                      "-byte comment but the file ends ", std::to_string(comment_end - data.size()),
                      " bytes before it (truncated file?)");
  }
  if (comment_end < data.size()) {
    return make_error(where, ": ", std::to_string(data.size() - comment_end),
                      " bytes of trailing data after the end of central directory record (offset ",
                      std::to_string(*last), ") and its comment; a wheel must end with them");
  }
  return std::make_pair(*last, *record);
}

// Reads the ZIP64 end record that `locator` (at offset `locator_at`) points
// to and checks that the classic end record `end` agrees with it where it is
// not saturated.
util::Status read_zip64_end(util::Bytes data, std::uint64_t locator_at, const Zip64Locator& locator,
                            const EndRecord& end, const std::string& where, ZipEnd& out) {
  if (locator.end_disk != 0 || locator.total_disks > 1) {
    return make_error(where, ": multi-disk archives are not supported");
  }
  std::uint64_t rec = locator.end_offset;
  // Only the bytes before the locator may hold the record.
  auto z = read_record_at<Zip64EndRecord>(data.first(static_cast<std::size_t>(locator_at)), rec);
  if (!z || z->signature != kZip64EndSig) {
    return make_error(where, ": ZIP64 locator points to no ZIP64 end record (offset ", std::to_string(rec), ")");
  }
  // Python's zipfile ignores the locator's offset and reads the record
  // right before it: a record elsewhere, or one with extensible data, would
  // be read differently by different readers.
  if (rec + kZip64EndSize != locator_at || z->record_size != kZip64EndSize - 12) {
    return make_error(where, ": ZIP64 end record (offset ", std::to_string(rec),
                      ") is not a plain 56-byte record right before its locator");
  }
  if (z->disk != 0 || z->cd_disk != 0 || z->disk_entries != z->entries) {
    return make_error(where, ": multi-disk archives are not supported");
  }
  out.entries = z->entries;
  out.cd_size = z->cd_size;
  out.cd_offset = z->cd_offset;
  out.end_offset = rec;
  out.zip64 = true;
  if ((end.entries != kMax16 && end.entries != out.entries) || (end.cd_size != kMax32 && end.cd_size != out.cd_size) ||
      (end.cd_offset != kMax32 && end.cd_offset != out.cd_offset)) {
    return make_error(where, ": end of central directory record disagrees with its ZIP64 record");
  }
  return {};
}

// The ZIP64 locator right before the end record at `end`, if there is one.
std::optional<Zip64Locator> zip64_locator_before(util::Bytes data, std::uint64_t end) {
  if (end < kZip64LocatorSize) return std::nullopt;
  auto locator = read_record_at<Zip64Locator>(data, end - kZip64LocatorSize);
  if (!locator || locator->signature != kZip64LocatorSig) return std::nullopt;
  return *locator;
}

}  // namespace

util::Result<ZipEnd> find_zip_end(util::Bytes data, const std::string& where) {
  if (data.size() < kEndSize) {
    return make_error(where, ": truncated or not a zip archive (", std::to_string(data.size()),
                      " bytes, too small for an end of central directory record)");
  }
  WF_TRY(auto located, locate_end(data, where));
  const auto& [end, record] = located;
  ZipEnd out;
  if (auto locator = zip64_locator_before(data, end)) {
    WF_CHECK(read_zip64_end(data, end - kZip64LocatorSize, *locator, record, where, out));
  } else {
    if (record.disk != 0 || record.cd_disk != 0 || record.disk_entries != record.entries) {
      return make_error(where, ": multi-disk archives are not supported");
    }
    out.entries = record.entries;
    out.cd_size = record.cd_size;
    out.cd_offset = record.cd_offset;
    out.end_offset = end;
  }
  auto cd_end = util::checked_add(out.cd_offset, out.cd_size);
  if (!cd_end || *cd_end > out.end_offset) {
    return make_error(where, ": central directory (offset ", std::to_string(out.cd_offset), ", size ",
                      std::to_string(out.cd_size), ") is out of range (end records at ",
                      std::to_string(out.end_offset), "; truncated file?)");
  }
  if (*cd_end != out.end_offset) {
    return make_error(where, ": ", std::to_string(out.end_offset - *cd_end),
                      " unexpected bytes between the central directory and the end record");
  }
  return out;
}

}  // namespace wheelfix::wheel
