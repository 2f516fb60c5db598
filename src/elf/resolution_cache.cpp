// build_resolution_cache: the descriptor of the NixOS resolution cache note.
#include "wheelfix/elf/resolution_cache.hpp"

#include <unistd.h>

#include <map>

#include "wheelfix/util/strings.hpp"

namespace wheelfix::elf {

PathProbe system_path_probe() {
  return PathProbe{[](const std::string& p) { return ::access(p.c_str(), R_OK) == 0; },
                   [](const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }};
}

ResolutionCache build_resolution_cache(const std::vector<std::string>& needed, const std::string& run_path,
                                       const PathProbe& probe) {
  ResolutionCache out;
  auto dirs = util::split(run_path, ':');
  if (needed.empty() || run_path.empty()) {
    out.skipped = "no DT_NEEDED entries or run path to resolve";
    return out;
  }
  std::map<std::string, std::string> found;  // sorted by name, as the note is
  auto add = [&](const std::string& lib, const std::string& entry) {
    auto& e = found[lib];
    if (!e.empty()) e += ':';
    e += entry;
  };
  for (const auto& d : dirs) {
    std::string dir(d);
    if (dir.empty()) continue;  // the current folder: meaningless ahead of time
    bool hint = dir.find('$') != std::string::npos || probe.exists(dir + "/glibc-hwcaps");
    for (const auto& lib : needed) {
      if (lib.find('/') != std::string::npos) continue;  // opened by path, never searched
      if (hint) add(lib, "?" + dir);
      else if (probe.readable(dir + "/" + lib)) add(lib, "=" + dir + "/" + lib);
    }
  }
  if (found.empty()) {
    out.skipped = "no libraries resolved against the run path";
    return out;
  }
  for (const auto& [lib, entries] : found) {
    out.descriptor += lib;
    out.descriptor += '\0';
    out.descriptor += entries;
    out.descriptor += '\0';
  }
  out.descriptor += '\0';
  return out;
}

}  // namespace wheelfix::elf
