// DT_NEEDED entries satisfied inside the wheel. The loader looks a name up
// in folders, so a wheel file named like the entry satisfies it once the
// needing file's search path reaches that file's folder: through its own
// RPATH/RUNPATH as built, or through the RPATH entry repair adds. What the
// build machine's library path holds does not matter, and neither does
// which library happens to be loaded first (docs/commands.md).
#include "repair/in_wheel.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "wheelfix/policy/evaluate.hpp"
#include "wheelfix/repair/repair.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::repair {

namespace {

std::string folder_of(const std::string& member) { return std::filesystem::path(member).parent_path().string(); }

bool excluded(const std::string& name, const std::vector<std::string>& exclude) {
  return std::any_of(exclude.begin(), exclude.end(), [&](const std::string& g) { return util::glob_match(g, name); });
}

// Candidates by file name: in-wheel objects, in archive order.
std::map<std::string, std::vector<int>> files_by_name(const Analysis& a) {
  std::map<std::string, std::vector<int>> out;
  for (std::size_t i = 0; i < a.elves.size(); ++i)
    out[std::filesystem::path(a.elves[i].member).filename().string()].push_back(static_cast<int>(i));
  return out;
}

// The first entry of in-wheel object `o`'s own search path (DT_RUNPATH when
// it has one, else DT_RPATH: glibc ignores DT_RPATH beside DT_RUNPATH) whose
// folder holds one of `candidates`.
bool reached_by_own_path(const Analysis& a, int o, const std::vector<int>& candidates, InWheelLink& link) {
  const auto& info = *a.elves[static_cast<std::size_t>(o)].info;
  const auto& path = info.runpath ? info.runpath : info.rpath;
  if (!path) return false;
  std::string dir = folder_of(a.elves[static_cast<std::size_t>(o)].member);
  for (const auto& entry : util::split(*path, ':')) {
    auto folder = origin_entry_folder(dir, entry);
    if (!folder) continue;
    for (int c : candidates) {
      if (folder_of(a.elves[static_cast<std::size_t>(c)].member) != *folder) continue;
      link.provider = c;
      link.rule = info.runpath ? elf::FoundBy::runpath : elf::FoundBy::rpath;
      link.entry = entry;
      return true;
    }
  }
  return false;
}

// Without a path that reaches one: the candidate in the needing file's own
// folder (an in-wheel file has one), else the first by member name.
int chosen_provider(const Analysis& a, int o, const std::vector<int>& candidates) {
  std::optional<std::string> dir;
  if (o < static_cast<int>(a.elves.size())) dir = folder_of(a.elves[static_cast<std::size_t>(o)].member);
  auto key = [&](int c) {
    const auto& m = a.elves[static_cast<std::size_t>(c)].member;
    return std::make_pair(folder_of(m) != dir, m);
  };
  return *std::min_element(candidates.begin(), candidates.end(), [&](int x, int y) { return key(x) < key(y); });
}

// How the link is described where the loader emulation's findings are shown.
elf::Resolution resolution_of(const Analysis& a, const InWheelLink& link, const std::string& name) {
  elf::Resolution r;
  r.name = name;
  const auto& provider = a.elves[static_cast<std::size_t>(link.provider)].member;
  r.path = provider;
  const auto& needer = a.graph.objects[static_cast<std::size_t>(link.object)].path;
  if (link.needs_rpath()) {
    r.rule = elf::FoundBy::rpath;
    std::string folder = folder_of(provider);
    bool vendored = link.object >= static_cast<int>(a.elves.size());
    r.via = "RPATH entry repair adds to " + std::string(vendored ? "the vendored copy of " : "") + needer + " for " +
            (folder.empty() ? "the wheel root" : folder);
  } else {
    r.rule = link.rule;
    r.via = std::string(link.rule == elf::FoundBy::runpath ? "RUNPATH of " : "RPATH of ") + needer + ": " + link.entry;
  }
  return r;
}

}  // namespace

void link_in_wheel_libraries(Analysis& a, const std::vector<std::shared_ptr<const elf::ElfInfo>>& infos,
                             const std::vector<std::string>& exclude) {
  auto by_name = files_by_name(a);
  for (std::size_t o = 0; o < a.graph.objects.size(); ++o) {
    auto& deps = a.graph.objects[o].deps;
    for (std::size_t k = 0; k < deps.size(); ++k) {
      const std::string& name = deps[k].name;
      auto it = by_name.find(name);
      if (it == by_name.end() || name.find('/') != std::string::npos || policy::is_libpython(name) ||
          policy::is_dynamic_loader(name) || excluded(name, exclude))
        continue;
      std::vector<int> candidates;
      for (int c : it->second)
        if (c != static_cast<int>(o) && infos[o] && infos[o]->id.compatible_with(a.elves[static_cast<std::size_t>(c)].info->id))
          candidates.push_back(c);
      if (candidates.empty()) continue;
      InWheelLink link;
      link.object = static_cast<int>(o);
      link.dep = k;
      bool in_wheel = o < a.elves.size();
      if (!in_wheel || !reached_by_own_path(a, link.object, candidates, link))
        link.provider = chosen_provider(a, link.object, candidates);
      deps[k].target = link.provider;
      if (k < a.resolutions[o].size()) a.resolutions[o][k] = resolution_of(a, link, name);
      a.in_wheel.push_back(std::move(link));
    }
  }
}

}  // namespace wheelfix::repair
