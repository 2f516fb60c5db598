// Wheel file names (PEP 427): {dist}-{version}(-{build})?-{python}-{abi}-{platform}.whl
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wheelfix/util/result.hpp"

namespace wheelfix::wheel {

// One expanded compatibility tag, e.g. cp311-cp311-manylinux_2_17_x86_64.
struct WheelTag {
  std::string python;
  std::string abi;
  std::string platform;
  // "python-abi-platform".
  std::string to_string() const { return python + "-" + abi + "-" + platform; }
  // Parses "python-abi-platform" (three non-empty parts, no compressed sets);
  // nullopt otherwise.
  static std::optional<WheelTag> parse(std::string_view text);
  bool operator==(const WheelTag&) const = default;
};

// The parts of a wheel file name. Tag fields keep compressed sets split on
// '.', in file-name order.
struct WheelFilename {
  std::string distribution;  // as spelled in the file name
  std::string version;
  std::optional<std::string> build;  // starts with a digit
  std::vector<std::string> python_tags;
  std::vector<std::string> abi_tags;
  std::vector<std::string> platform_tags;

  // Parses a file name (a leading folder path is ignored). Fails with
  // "<name>: <problem>" naming the bad part: missing .whl suffix, wrong
  // number of '-' fields, empty or invalid distribution/version/tag, build
  // tag not starting with a digit.
  static util::Result<WheelFilename> parse(std::string_view filename);
  // The file name, tag sets joined with '.' in their current order.
  std::string to_string() const;
  // Every combination python x abi x platform, in that nesting order.
  std::vector<WheelTag> tags() const;
  // "{distribution}-{version}", the stem of the .dist-info folder name.
  std::string name_version() const { return distribution + "-" + version; }
};

// The PEP 503 normalized project name, the comparable form of a distribution
// name: lowercase, each run of '-', '_' and '.' replaced by one '-'
// ("Foo.Bar_baz" -> "foo-bar-baz"). The one normalizer of the tree (the
// index's project pages and the .dist-info check use it).
std::string normalize_project_name(std::string_view name);

}  // namespace wheelfix::wheel
