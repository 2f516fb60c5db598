// Names and tags a repair writes: hashed library names, relative RPATHs,
// retagged platform sets.
#include <algorithm>
#include <filesystem>
#include <set>

#include "wheelfix/repair/repair.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::repair {

std::string hashed_name(const std::string& soname, const std::string& sha256_hex) {
  std::string hash = sha256_hex.substr(0, 8);
  // Split before ".so" so versions inside the stem stay readable
  // ("liblber-2.5.so.0" -> "liblber-2.5-<hash>.so.0"); else at the first dot.
  auto pos = soname.find(".so");
  if (pos == std::string::npos || pos == 0) pos = soname.find('.');
  if (pos == std::string::npos) return soname + "-" + hash;
  return soname.substr(0, pos) + "-" + hash + soname.substr(pos);
}

std::string relative_path(const std::string& from_dir, const std::string& to) {
  auto rel = std::filesystem::path(to).lexically_relative(from_dir.empty() ? "." : from_dir);
  return rel.empty() ? "." : rel.string();
}

std::vector<std::string> retag_platforms(const std::vector<std::string>& old_platforms,
                                         const policy::Policy& target, elf::Arch arch) {
  std::set<std::string> tags;
  for (const auto& t : old_platforms)
    if (!t.starts_with("linux_")) tags.insert(t);
  for (const auto& t : target.platform_tags(arch)) tags.insert(t);
  return {tags.begin(), tags.end()};
}

}  // namespace wheelfix::repair
