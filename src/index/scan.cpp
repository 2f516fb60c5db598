// Wheel file names (the wheel module's parser) and METADATA, read strictly
// but only as far as the index needs.
#include "wheelfix/index/scan.hpp"

#include <cctype>
#include <vector>

#include "wheelfix/util/hash.hpp"
#include "wheelfix/util/strings.hpp"
#include "wheelfix/wheel/wheel.hpp"
#include "wheelfix/wheel/wheel_filename.hpp"
#include "wheelfix/wheel/zip_reader.hpp"

namespace wheelfix::index {

using wheel::normalize_project_name;

namespace {


// Finds the single top-level "X.dist-info/METADATA" member.
util::Result<const wheel::ZipEntry*> find_metadata(const wheel::ZipReader& zip, const std::string& where) {
  const wheel::ZipEntry* found = nullptr;
  constexpr std::string_view suffix = ".dist-info/METADATA";
  for (const auto& e : zip.entries()) {
    if (!util::ends_with(e.name, suffix) || e.name.find('/') != e.name.size() - 9) continue;
    if (found)
      return util::make_error(where, ": more than one .dist-info/METADATA (", found->name, ", ", e.name, ")");
    found = &e;
  }
  if (!found) return util::make_error(where, ": no top-level *.dist-info/METADATA");
  return found;
}

// The .dist-info folder must be "{dist}-{version}" of the file name.
util::Status check_dist_info(std::string_view member, const WheelName& name, const std::string& where) {
  std::string_view stem = member.substr(0, member.size() - std::string_view(".dist-info/METADATA").size());
  auto dash = stem.find('-');
  if (dash == std::string_view::npos ||
      normalize_project_name(stem.substr(0, dash)) != name.project ||
      util::ascii_lower(stem.substr(dash + 1)) != util::ascii_lower(name.version))
    return util::make_error(where, ": ", member, " does not match the file name (expected ",
                            name.distribution, "-", name.version, ".dist-info)");
  return {};
}

}  // namespace

util::Result<WheelName> parse_wheel_name(std::string_view path) {
  WF_TRY(auto parsed, wheel::WheelFilename::parse(path));
  auto slash = path.rfind('/');
  WheelName name;
  name.filename = std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
  name.project = normalize_project_name(parsed.distribution);
  name.distribution = std::move(parsed.distribution);
  name.version = std::move(parsed.version);
  return name;
}

util::Result<std::optional<std::string>> metadata_field(std::string_view text, std::string_view field,
                                                        std::string_view where) {
  std::optional<std::string> value;
  bool in_wanted = false;
  std::size_t line_no = 0;
  std::string wanted = util::ascii_lower(field);
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // end of the header block
    if (line[0] == ' ' || line[0] == '\t') {
      if (line_no == 1)
        return util::make_error(std::string(where), ": line 1: continuation line before any field");
      if (in_wanted) value->append(" ").append(util::trim(line));
      continue;
    }
    in_wanted = false;
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return util::make_error(std::string(where), ": line ", std::to_string(line_no), ": expected 'Name: value'");
    if (!value && util::ascii_lower(util::trim(line.substr(0, colon))) == wanted) {
      value = std::string(util::trim(line.substr(colon + 1)));
      in_wanted = true;
    }
  }
  return value;
}

util::Result<ScannedWheel> scan_wheel(const std::string& path) {
  WF_TRY(auto name, parse_wheel_name(path));
  WF_TRY(auto zip, wheel::ZipReader::open(path));
  WF_TRY(const wheel::ZipEntry* entry, find_metadata(zip, path));
  WF_CHECK(check_dist_info(entry->name, name, path));
  WF_TRY(auto metadata, zip.read_string(*entry, wheel::kMaxMetadataFileSize));
  std::string where = path + ": " + entry->name;
  WF_TRY(auto meta_name, metadata_field(metadata, "Name", where));
  if (!meta_name || meta_name->empty()) return util::make_error(where, ": no Name field");
  if (normalize_project_name(*meta_name) != name.project)
    return util::make_error(where, ": Name '", *meta_name, "' does not match the file name's '",
                            name.distribution, "'");
  WF_TRY(auto requires_python, metadata_field(metadata, "Requires-Python", where));
  if (requires_python && requires_python->empty()) requires_python.reset();

  ScannedWheel out;
  out.path = path;
  out.name = std::move(name);
  out.size = zip.bytes().size();
  out.sha256 = util::to_hex(util::as_bytes(util::sha256(zip.bytes())));
  out.metadata = std::move(metadata);
  out.requires_python = std::move(requires_python);
  return out;
}

}  // namespace wheelfix::index
