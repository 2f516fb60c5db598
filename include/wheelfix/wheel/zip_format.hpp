// Low-level ZIP format pieces shared by the reader and the writer: record
// signatures and sizes, little-endian helpers, DOS timestamps and member-name
// rules. Most callers want zip_reader.hpp / zip_writer.hpp instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wheelfix/util/result.hpp"

namespace wheelfix::wheel {

// Compression methods a wheel may use.
enum class ZipMethod : std::uint16_t { stored = 0, deflate = 8 };

namespace zipfmt {

inline constexpr std::uint32_t kLocalSig = 0x04034b50;
inline constexpr std::uint32_t kCentralSig = 0x02014b50;
inline constexpr std::uint32_t kEndSig = 0x06054b50;
inline constexpr std::uint32_t kZip64EndSig = 0x06064b50;
inline constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;

inline constexpr std::size_t kLocalSize = 30;
inline constexpr std::size_t kCentralSize = 46;
inline constexpr std::size_t kEndSize = 22;
inline constexpr std::size_t kZip64EndSize = 56;
inline constexpr std::size_t kZip64LocatorSize = 20;

inline constexpr std::uint16_t kZip64ExtraId = 0x0001;
inline constexpr std::uint16_t kUnicodePathExtraId = 0x7075;
inline constexpr std::uint32_t kDataDescriptorSig = 0x08074b50;
// The highest "version needed to extract" Python's zipfile accepts (6.3).
inline constexpr std::uint16_t kMaxVersionNeeded = 63;
inline constexpr std::uint32_t kMax32 = 0xFFFFFFFFu;
inline constexpr std::uint16_t kMax16 = 0xFFFFu;

inline constexpr std::uint16_t kFlagEncrypted = 0x0001;
inline constexpr std::uint16_t kFlagDataDescriptor = 0x0008;
inline constexpr std::uint16_t kFlagPatchData = 0x0020;
inline constexpr std::uint16_t kFlagStrongEncryption = 0x0040;
inline constexpr std::uint16_t kFlagUtf8 = 0x0800;

inline constexpr std::uint8_t kHostUnix = 3;

// Little-endian loads; the caller has checked that the bytes exist.
inline std::uint16_t le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(le16(p)) | (static_cast<std::uint32_t>(le16(p + 2)) << 16);
}
inline std::uint64_t le64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(le32(p)) | (static_cast<std::uint64_t>(le32(p + 4)) << 32);
}

// Little-endian appends.
inline void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
inline void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v));
  put16(out, static_cast<std::uint16_t>(v >> 16));
}
inline void put64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  put32(out, static_cast<std::uint32_t>(v));
  put32(out, static_cast<std::uint32_t>(v >> 32));
}

}  // namespace zipfmt

// A DOS (MS-DOS FAT) date and time as stored in zip headers.
struct DosDateTime {
  std::uint16_t date = 0;
  std::uint16_t time = 0;
};

// 1980-01-01 00:00:00 UTC, the earliest time a zip header can hold.
inline constexpr std::int64_t kZipEpochMin = 315532800;

// The DOS date/time (UTC) of a Unix time, the SOURCE_DATE_EPOCH convention:
// times before 1980-01-01 become 1980-01-01 00:00:00, times after
// 2107-12-31 23:59:58 become that; odd seconds round down. Never fails.
DosDateTime dos_datetime_from_epoch(std::int64_t epoch);

// Parses a SOURCE_DATE_EPOCH value (decimal seconds, optionally negative).
// Fails with "SOURCE_DATE_EPOCH: '<text>' is not a number of seconds".
util::Result<std::int64_t> parse_source_date_epoch(std::string_view text);

// True when `s` is well-formed UTF-8 (no overlongs, surrogates, or code
// points above U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Why `name` may not be a wheel member name, or nullopt when it may. Refused:
// empty names, non-UTF-8, NUL bytes, backslashes, absolute paths, "." / ".."
// / empty path components (a trailing '/' marks a directory and is allowed).
std::optional<std::string> member_name_problem(std::string_view name);

// `name` for messages: util::printable() (control characters and bytes that
// are not UTF-8 shown as \xNN).
std::string printable_name(std::string_view name);

}  // namespace wheelfix::wheel
