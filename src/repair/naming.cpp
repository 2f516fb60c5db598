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

std::optional<std::string> origin_entry_folder(const std::string& from_dir, const std::string& entry) {
  std::string rest;
  if (entry.starts_with("${ORIGIN}")) rest = entry.substr(9);
  else if (entry.starts_with("$ORIGIN")) rest = entry.substr(7);
  else return std::nullopt;  // absolute or relative to the working directory: outside
  if (!rest.empty() && rest[0] != '/') return std::nullopt;  // "$ORIGINAL": another token
  auto resolved = (std::filesystem::path(from_dir.empty() ? "." : from_dir) / ("." + rest)).lexically_normal().string();
  while (resolved.size() > 1 && resolved.back() == '/') resolved.pop_back();
  if (resolved == "..") return std::nullopt;
  if (resolved.starts_with("../") || resolved.starts_with("/")) return std::nullopt;
  return resolved == "." ? std::string() : resolved;
}

std::string origin_entry(const std::string& from_dir, const std::string& to_dir) {
  auto rel = std::filesystem::path(relative_path(from_dir, to_dir.empty() ? "." : to_dir)).lexically_normal().string();
  while (rel.size() > 1 && rel.back() == '/') rel.pop_back();  // "../." normalizes to "../"
  return rel == "." ? std::string("$ORIGIN") : "$ORIGIN/" + rel;
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
