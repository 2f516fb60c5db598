// Dependency resolution with glibc's (and musl's) search order.
#include "wheelfix/elf/loader.hpp"

#include <deque>
#include <filesystem>

#include "wheelfix/util/strings.hpp"

namespace wheelfix::elf {

namespace {

std::string dir_of(const std::string& path) {
  auto p = std::filesystem::path(path).parent_path().string();
  return p.empty() ? "." : p;
}

// Expands $ORIGIN / ${ORIGIN} against the directory of `holder_path`.
std::string expand_origin(const std::string& entry, const std::string& holder_path) {
  std::string out;
  std::string origin = dir_of(holder_path);
  for (std::size_t i = 0; i < entry.size();) {
    if (entry.compare(i, 9, "${ORIGIN}") == 0) {
      out += origin;
      i += 9;
    } else if (entry.compare(i, 7, "$ORIGIN") == 0 &&
               (i + 7 == entry.size() || !(std::isalnum(static_cast<unsigned char>(entry[i + 7])) || entry[i + 7] == '_'))) {
      out += origin;
      i += 7;
    } else {
      out.push_back(entry[i++]);
    }
  }
  return out;
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;  // empty entry: the current directory
  std::string p = dir.back() == '/' ? dir + name : dir + "/" + name;
  return std::filesystem::path(p).lexically_normal().string();
}

class Resolver {
 public:
  Resolver(const LoaderConfig& config, ObjectSource& source, bool musl)
      : config_(config), source_(source), musl_(musl) {}

  DependencyTree run(const std::string& root_path, std::shared_ptr<const ElfInfo> root_info);

 private:
  bool try_dir(const std::string& dir, const std::string& name, int requester, Resolution& res);
  bool try_list(const std::vector<std::string>& dirs, const std::string& holder, const std::string& name,
                int requester, FoundBy rule, const std::string& via, Resolution& res);
  Resolution resolve(const std::string& name, int requester);
  Resolution resolve_glibc(const std::string& name, int requester);
  Resolution resolve_musl(const std::string& name, int requester);
  int find_loaded(const std::string& name) const;

  const LoaderConfig& config_;
  ObjectSource& source_;
  bool musl_;
  DependencyTree tree_;
  std::map<std::string, int> by_name_;       // DT_NEEDED name -> loaded object
  std::map<int, Resolution> first_found_;    // object -> how it was first found
};

int Resolver::find_loaded(const std::string& name) const {
  auto it = by_name_.find(name);
  if (it != by_name_.end()) return it->second;
  for (std::size_t i = 0; i < tree_.objects.size(); ++i) {
    const auto& soname = tree_.objects[i].info->soname;
    if (soname && *soname == name) return static_cast<int>(i);
  }
  return -1;
}

bool Resolver::try_dir(const std::string& dir, const std::string& name, int requester, Resolution& res) {
  std::string path = join_path(dir, name);
  auto info = source_.load(path);
  if (!info) return false;
  const auto& req = *tree_.objects[requester].info;
  if (!req.id.compatible_with(info->id)) return false;
  res.path = path;
  // Reuse an object already loaded from the same path.
  for (std::size_t i = 0; i < tree_.objects.size(); ++i) {
    if (tree_.objects[i].path == path) {
      res.object = static_cast<int>(i);
      return true;
    }
  }
  LoadedObject obj;
  obj.path = path;
  obj.info = std::move(info);
  obj.loader = requester;
  tree_.objects.push_back(std::move(obj));
  res.object = static_cast<int>(tree_.objects.size() - 1);
  return true;
}

bool Resolver::try_list(const std::vector<std::string>& dirs, const std::string& holder, const std::string& name,
                        int requester, FoundBy rule, const std::string& via, Resolution& res) {
  for (const auto& d : dirs) {
    std::string dir = holder.empty() ? d : expand_origin(d, holder);
    if (try_dir(dir, name, requester, res)) {
      res.rule = rule;
      res.via = via.empty() ? d : via + ": " + d;
      return true;
    }
  }
  return false;
}

Resolution Resolver::resolve_glibc(const std::string& name, int requester) {
  Resolution res;
  res.name = name;
  const auto& req = tree_.objects[requester];
  // DT_RPATH of the requester and of its loaders, unless the requester has
  // DT_RUNPATH; an object with DT_RUNPATH contributes no RPATH.
  if (!req.info->runpath) {
    for (int l = requester; l >= 0; l = tree_.objects[l].loader) {
      const auto& o = tree_.objects[l];
      if (o.info->runpath || !o.info->rpath) continue;
      if (try_list(split_search_path(*o.info->rpath), o.path, name, requester, FoundBy::rpath,
                   "RPATH of " + o.path, res))
        return res;
    }
  }
  if (config_.ldpaths) {
    if (req.info->runpath &&
        try_list(split_search_path(*req.info->runpath), req.path, name, requester, FoundBy::runpath,
                 "RUNPATH of " + req.path, res))
      return res;
    try_list(*config_.ldpaths, "", name, requester, FoundBy::ldpaths, "--ldpaths", res);
    return res;
  }
  if (try_list(config_.ld_library_path, "", name, requester, FoundBy::ld_library_path, "LD_LIBRARY_PATH", res))
    return res;
  if (req.info->runpath &&
      try_list(split_search_path(*req.info->runpath), req.path, name, requester, FoundBy::runpath,
               "RUNPATH of " + req.path, res))
    return res;
  if (req.info->flags_1 & 0x800 /* DF_1_NODEFLIB */) return res;
  if (try_list(config_.conf_paths, "", name, requester, FoundBy::ld_so_conf, "ld.so.conf", res)) return res;
  auto defaults = config_.default_paths.empty() ? default_library_paths(req.info->arch) : config_.default_paths;
  try_list(defaults, "", name, requester, FoundBy::default_path, "default path", res);
  return res;
}

Resolution Resolver::resolve_musl(const std::string& name, int requester) {
  Resolution res;
  res.name = name;
  if (config_.ldpaths) {
    try_list(*config_.ldpaths, "", name, requester, FoundBy::ldpaths, "--ldpaths", res);
    return res;
  }
  if (try_list(config_.ld_library_path, "", name, requester, FoundBy::ld_library_path, "LD_LIBRARY_PATH", res))
    return res;
  // musl treats DT_RPATH and DT_RUNPATH alike and inherits both.
  for (int l = requester; l >= 0; l = tree_.objects[l].loader) {
    const auto& o = tree_.objects[l];
    const auto& p = o.info->runpath ? o.info->runpath : o.info->rpath;
    if (!p) continue;
    FoundBy rule = o.info->runpath ? FoundBy::runpath : FoundBy::rpath;
    std::string via = std::string(o.info->runpath ? "RUNPATH of " : "RPATH of ") + o.path;
    if (try_list(split_search_path(*p), o.path, name, requester, rule, via, res)) return res;
  }
  try_list(read_musl_path(config_.root, tree_.objects[requester].info->arch), "", name, requester,
           FoundBy::musl_path, "musl path", res);
  return res;
}

Resolution Resolver::resolve(const std::string& name, int requester) {
  if (name.find('/') != std::string::npos) {
    Resolution res;
    res.name = name;
    if (try_dir("", name, requester, res)) {
      res.rule = FoundBy::direct_path;
      res.via = "path in DT_NEEDED";
    }
    return res;
  }
  if (int i = find_loaded(name); i >= 0) {
    auto it = first_found_.find(i);
    Resolution res = it != first_found_.end() ? it->second : Resolution{};
    res.name = name;
    res.object = i;
    res.path = tree_.objects[i].path;
    return res;
  }
  Resolution res = musl_ ? resolve_musl(name, requester) : resolve_glibc(name, requester);
  if (res.object >= 0) {
    by_name_[name] = res.object;
    first_found_.emplace(res.object, res);
  }
  return res;
}

DependencyTree Resolver::run(const std::string& root_path, std::shared_ptr<const ElfInfo> root_info) {
  LoadedObject root;
  root.path = root_path;
  root.info = std::move(root_info);
  tree_.objects.push_back(std::move(root));
  // Breadth first, as ld.so maps dependencies.
  for (std::size_t i = 0; i < tree_.objects.size(); ++i) {
    std::vector<Resolution> deps;
    auto needed = tree_.objects[i].info->needed;  // copy: objects may grow
    for (const auto& name : needed) deps.push_back(resolve(name, static_cast<int>(i)));
    tree_.objects[i].deps = std::move(deps);
  }
  return std::move(tree_);
}

}  // namespace

std::shared_ptr<const ElfInfo> DiskObjectSource::load(const std::string& path) {
  auto it = cache_.find(path);
  if (it != cache_.end()) return it->second;
  std::shared_ptr<const ElfInfo> result;
  std::error_code ec;
  std::string full = root_ + path;
  if (std::filesystem::is_regular_file(full, ec)) {
    auto parsed = parse_file(full, ParseOptions{.symbols = false});
    if (parsed.ok()) result = std::make_shared<const ElfInfo>(std::move(parsed).value());
  }
  cache_[path] = result;
  return result;
}

DependencyTree resolve_dependencies(const std::string& root_path, std::shared_ptr<const ElfInfo> root_info,
                                    const LoaderConfig& config, ObjectSource& source) {
  bool musl = root_info->is_musl();
  Resolver r(config, source, musl);
  return r.run(root_path, std::move(root_info));
}

}  // namespace wheelfix::elf
