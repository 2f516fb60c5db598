// The RECORD file of a wheel: CSV rows path,hash,size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wheelfix/util/bytes.hpp"
#include "wheelfix/util/result.hpp"
#include "wheelfix/wheel/zip_reader.hpp"

namespace wheelfix::wheel {

// One RECORD row. RECORD's own row has an empty hash and no size.
struct RecordRow {
  std::string path;
  std::string hash;  // "sha256=<urlsafe base64, no padding>" or ""
  std::optional<std::uint64_t> size;
  bool operator==(const RecordRow&) const = default;
};

// Parses RECORD text: ',' separated, '"' quoted ("" inside quotes is a
// quote, quoted fields may hold commas and newlines), '\n' or "\r\n" rows,
// blank lines ignored. Fails with "<where>: line <n>: <problem>" on a row
// without exactly 3 fields, an empty path, a bad size or an unclosed quote.
util::Result<std::vector<RecordRow>> parse_record(std::string_view text, std::string_view where);

// Writes rows as RECORD text, quoting only fields that need it, '\n' ends.
std::string format_record(const std::vector<RecordRow>& rows);

// "sha256=" + urlsafe base64 (no '=') of the SHA-256 of `data`.
std::string record_hash(util::Bytes data);

// The row for a file with content `data`.
RecordRow record_row(std::string path, util::Bytes data);

// True for RECORD signature files (RECORD.jws, RECORD.p7s) of `record_path`,
// which are never listed and which a repair must drop.
bool is_record_signature(std::string_view name, std::string_view record_path);

// One disagreement between RECORD and the archive.
struct RecordMismatch {
  std::string path;
  std::string problem;
  bool operator==(const RecordMismatch&) const = default;
};

// Checks RECORD (`rows`, stored at `record_path`) against the archive:
// every file member other than RECORD and its signatures is listed once,
// with a sha256 hash and size that match its content; every listed path
// exists. Returns the mismatches (empty when all agree), archive order
// first, then rows naming missing files. Members that fail to read are
// reported with the read error. Hashes other than sha256 are reported as
// unsupported. Reads one member at a time.
std::vector<RecordMismatch> verify_record(const std::vector<RecordRow>& rows, const ZipReader& zip,
                                          std::string_view record_path);

}  // namespace wheelfix::wheel
