// Locating the central directory: end of central directory record, ZIP64
// locator and ZIP64 end record.
#include <string>

#include "wheelfix/wheel/zip_reader.hpp"

namespace wheelfix::wheel {

using namespace zipfmt;
using util::make_error;

namespace {

// Where a reader that wants the comment to reach the end of the file finds
// the end record: the last signature whose comment length ends exactly at
// the end of the file.
std::optional<std::uint64_t> locate_end_exact(util::Bytes data) {
  const std::uint8_t* p = data.data();
  std::size_t lowest = data.size() > kEndSize + kMax16 ? data.size() - kEndSize - kMax16 : 0;
  for (std::size_t pos = data.size() - kEndSize + 1; pos-- > lowest;) {
    if (le32(p + pos) == kEndSig && pos + kEndSize + le16(p + pos + 20) == data.size()) return pos;
  }
  return std::nullopt;
}

// Where Python's zipfile (pip, installer) finds it: the last 22 bytes when
// they are an end record with an empty comment, else the last signature in
// the last 64 KiB + 22 bytes, whatever its comment length says.
std::optional<std::uint64_t> locate_end_last(util::Bytes data) {
  const std::uint8_t* p = data.data();
  std::size_t tail = data.size() - kEndSize;
  if (le32(p + tail) == kEndSig && le16(p + tail + 20) == 0) return tail;
  std::size_t lowest = data.size() > kEndSize + kMax16 + 1 ? data.size() - kEndSize - kMax16 - 1 : 0;
  for (std::size_t pos = data.size() - 3; pos-- > lowest;) {
    if (le32(p + pos) == kEndSig) return pos;
  }
  return std::nullopt;
}

// The end record both kinds of reader agree on, or why there is none.
util::Result<std::uint64_t> locate_end(util::Bytes data, const std::string& where) {
  auto last = locate_end_last(data);
  if (!last) return make_error(where, ": no end of central directory record (truncated or not a zip archive)");
  auto exact = locate_end_exact(data);
  if (exact && *exact != *last) {
    return make_error(where, ": the comment of the end of central directory record at offset ",
                      std::to_string(*exact), " holds another end record signature (offset ", std::to_string(*last),
                      "); zip readers disagree on which central directory to use");
  }
  if (data.size() - *last < kEndSize) {
    return make_error(where, ": end of central directory record at offset ", std::to_string(*last),
                      " is cut off (truncated file?)");
  }
  std::uint64_t comment_end = *last + kEndSize + le16(data.data() + *last + 20);
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
  return *last;
}

// Reads the ZIP64 end record the locator at `locator` points to and checks
// that the classic end record agrees with it where it is not saturated.
util::Status read_zip64_end(util::Bytes data, std::uint64_t locator, std::uint64_t end,
                            const std::string& where, ZipEnd& out) {
  const std::uint8_t* p = data.data();
  if (le32(p + locator + 4) != 0 || le32(p + locator + 16) > 1) {
    return make_error(where, ": multi-disk archives are not supported");
  }
  std::uint64_t rec = le64(p + locator + 8);
  if (!util::in_bounds(rec, kZip64EndSize, locator) || le32(p + rec) != kZip64EndSig) {
    return make_error(where, ": ZIP64 locator points to no ZIP64 end record (offset ", std::to_string(rec), ")");
  }
  // Python's zipfile ignores the locator's offset and reads the record
  // right before it: a record elsewhere, or one with extensible data, would
  // be read differently by different readers.
  if (rec + kZip64EndSize != locator || le64(p + rec + 4) != kZip64EndSize - 12) {
    return make_error(where, ": ZIP64 end record (offset ", std::to_string(rec),
                      ") is not a plain 56-byte record right before its locator");
  }
  if (le32(p + rec + 16) != 0 || le32(p + rec + 20) != 0 || le64(p + rec + 24) != le64(p + rec + 32)) {
    return make_error(where, ": multi-disk archives are not supported");
  }
  out.entries = le64(p + rec + 32);
  out.cd_size = le64(p + rec + 40);
  out.cd_offset = le64(p + rec + 48);
  out.end_offset = rec;
  out.zip64 = true;
  std::uint16_t n16 = le16(p + end + 10);
  std::uint32_t size32 = le32(p + end + 12), off32 = le32(p + end + 16);
  if ((n16 != kMax16 && n16 != out.entries) || (size32 != kMax32 && size32 != out.cd_size) ||
      (off32 != kMax32 && off32 != out.cd_offset)) {
    return make_error(where, ": end of central directory record disagrees with its ZIP64 record");
  }
  return {};
}

}  // namespace

util::Result<ZipEnd> find_zip_end(util::Bytes data, const std::string& where) {
  if (data.size() < kEndSize) {
    return make_error(where, ": truncated or not a zip archive (", std::to_string(data.size()),
                      " bytes, too small for an end of central directory record)");
  }
  WF_TRY(std::uint64_t end, locate_end(data, where));
  const std::uint8_t* p = data.data();
  ZipEnd out;
  if (end >= kZip64LocatorSize && le32(p + end - kZip64LocatorSize) == kZip64LocatorSig) {
    WF_CHECK(read_zip64_end(data, end - kZip64LocatorSize, end, where, out));
  } else {
    if (le16(p + end + 4) != 0 || le16(p + end + 6) != 0 || le16(p + end + 8) != le16(p + end + 10)) {
      return make_error(where, ": multi-disk archives are not supported");
    }
    out.entries = le16(p + end + 10);
    out.cd_size = le32(p + end + 12);
    out.cd_offset = le32(p + end + 16);
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
