// An opened, validated wheel: archive + file name + .dist-info metadata.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wheelfix/util/result.hpp"
#include "wheelfix/wheel/metadata.hpp"
#include "wheelfix/wheel/record.hpp"
#include "wheelfix/wheel/wheel_filename.hpp"
#include "wheelfix/wheel/zip_reader.hpp"

namespace wheelfix::wheel {

// The largest .dist-info text files a wheel may have (declared sizes):
// METADATA, WHEEL and entry_points.txt, and RECORD (which grows with the
// member count: about 300,000 rows). Larger ones are refused before they
// are read (pip would read them whole too).
inline constexpr std::uint64_t kMaxMetadataFileSize = 8ull << 20;
inline constexpr std::uint64_t kMaxRecordFileSize = 32ull << 20;

// A wheel whose archive passed ZipReader's checks and whose metadata is
// consistent. Move-only (owns the mapped archive).
class Wheel {
 public:
  // Opens and validates `path`. Fails with "<path>: <problem>" when: there
  // is no such file ("<path>: no such file", checked first), the file name
  // does not parse, the archive is refused by ZipReader, there is not
  // exactly one top-level "*.dist-info/" folder, its name is not
  // "{dist}-{version}" matching the file name (distribution compared
  // normalized and case-insensitively, version case-insensitively), WHEEL,
  // RECORD or METADATA is missing or does not parse (WHEEL's Wheel-Version
  // must be 1.x), or one of them, or entry_points.txt, is over the size
// limits above.
  static util::Result<Wheel> open(const std::string& path, const ZipLimits& limits = {});

  const std::string& path() const { return zip_.path(); }
  const WheelFilename& filename() const { return filename_; }
  const ZipReader& zip() const { return zip_; }
  // The .dist-info folder, without a trailing slash ("foo-1.0.dist-info").
  const std::string& dist_info() const { return dist_info_; }
  // The archive path of a file inside .dist-info ("foo-1.0.dist-info/WHEEL").
  std::string dist_info_file(std::string_view file) const { return dist_info_ + "/" + std::string(file); }
  const WheelInfo& wheel_info() const { return wheel_info_; }
  const Metadata& metadata() const { return metadata_; }
  const std::vector<RecordRow>& record() const { return record_; }
  // verify_record() of this wheel's RECORD against its members (reads and
  // hashes every member).
  std::vector<RecordMismatch> verify_record() const;

 private:
  util::Status load_dist_info();

  ZipReader zip_;
  WheelFilename filename_;
  std::string dist_info_;
  WheelInfo wheel_info_;
  Metadata metadata_;
  std::vector<RecordRow> record_;
};

}  // namespace wheelfix::wheel
