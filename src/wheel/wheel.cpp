#include "wheelfix/wheel/wheel.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "wheelfix/util/strings.hpp"

namespace wheelfix::wheel {

using util::iequals;
using util::make_error;

util::Result<Wheel> Wheel::open(const std::string& path, const ZipLimits& limits) {
  Wheel w;
  // Before the name: an unexpanded glob ("dist/*.whl") is a missing file,
  // not a badly named one.
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return make_error(path, ": no such file");
  auto name = WheelFilename::parse(path);
  if (!name) {
    // parse() names the base name; report the path as given.
    auto slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
    return make_error(dir, name.error().message);
  }
  w.filename_ = std::move(name).value();
  WF_TRY(w.zip_, ZipReader::open(path, limits));
  WF_CHECK(w.load_dist_info());
  return w;
}

util::Status Wheel::load_dist_info() {
  const std::string& p = zip_.path();
  std::set<std::string> folders;
  for (const auto& e : zip_.entries()) {
    auto slash = e.name.find('/');
    if (slash == std::string::npos) continue;
    std::string top = e.name.substr(0, slash);
    if (util::ends_with(top, ".dist-info")) folders.insert(top);
  }
  if (folders.empty()) return make_error(p, ": no .dist-info folder");
  if (folders.size() > 1) {
    return make_error(p, ": more than one .dist-info folder (",
                      util::join(std::vector<std::string>(folders.begin(), folders.end()), ", "), ")");
  }
  dist_info_ = *folders.begin();
  std::string stem = dist_info_.substr(0, dist_info_.size() - std::string_view(".dist-info").size());
  auto dash = stem.find('-');
  if (dash == std::string::npos || stem.find('-', dash + 1) != std::string::npos) {
    return make_error(p, ": ", dist_info_, " is not named {distribution}-{version}.dist-info");
  }
  if (normalize_project_name(stem.substr(0, dash)) != normalize_project_name(filename_.distribution) ||
      !iequals(stem.substr(dash + 1), filename_.version)) {
    return make_error(p, ": ", dist_info_, " does not match the file name (", filename_.name_version(), ")");
  }
  auto text_of = [&](const char* file, std::uint64_t max_size) -> util::Result<std::string> {
    const ZipEntry* e = zip_.find(dist_info_file(file));
    if (!e) return make_error(p, ": missing ", dist_info_file(file));
    return zip_.read_string(*e, max_size);
  };
  // Not read by wheelfix, but pip reads it whole at install time.
  if (const ZipEntry* e = zip_.find(dist_info_file("entry_points.txt"));
      e && e->uncompressed_size > kMaxMetadataFileSize) {
    return make_error(p, ": ", printable_name(e->name), ": ", std::to_string(e->uncompressed_size),
                      " bytes is over the limit of ",
                      std::to_string(kMaxMetadataFileSize), " bytes for this file");
  }
  WF_TRY(std::string wheel_text, text_of("WHEEL", kMaxMetadataFileSize));
  WF_TRY(wheel_info_, WheelInfo::parse(wheel_text, p + ": " + dist_info_file("WHEEL")));
  WF_TRY(std::string metadata_text, text_of("METADATA", kMaxMetadataFileSize));
  WF_TRY(metadata_, Metadata::parse(metadata_text, p + ": " + dist_info_file("METADATA")));
  WF_TRY(std::string record_text, text_of("RECORD", kMaxRecordFileSize));
  WF_TRY(record_, parse_record(record_text, p + ": " + dist_info_file("RECORD")));
  return {};
}

std::vector<RecordMismatch> Wheel::verify_record() const {
  return wheel::verify_record(record_, zip_, dist_info_file("RECORD"));
}

}  // namespace wheelfix::wheel
