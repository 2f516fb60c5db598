// Loader emulation: finds the libraries an ELF object needs the way glibc's
// ld.so (or musl's loader) would, and records by which rule each was found.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wheelfix/elf/elf_info.hpp"
#include "wheelfix/util/result.hpp"

namespace wheelfix::elf {

// The search configuration, as plain data. Paths are as the target system
// sees them (no sysroot prefix); LoaderConfig::root is prepended on access.
struct LoaderConfig {
  std::string root;                         // sysroot ("" = the running system)
  std::vector<std::string> ld_library_path; // LD_LIBRARY_PATH entries
  std::vector<std::string> conf_paths;      // /etc/ld.so.conf (+ includes), in order
  std::vector<std::string> default_paths;   // the loader's built-in directories
  // When set (--ldpaths), replaces LD_LIBRARY_PATH, ld.so.conf and the
  // default paths; RPATH/RUNPATH are still honoured.
  std::optional<std::vector<std::string>> ldpaths;
};

// Reads /etc/ld.so.conf (following `include` globs) under `root`. Missing
// files yield no entries; never fails.
std::vector<std::string> read_ld_so_conf(const std::string& root);
// Reads musl's /etc/ld-musl-<arch>.path under `root`, or musl's built-in
// default (/lib:/usr/local/lib:/usr/lib) when absent.
std::vector<std::string> read_musl_path(const std::string& root, Arch arch);
// musl's name for `arch` in /etc/ld-musl-<name>.path and
// /lib/ld-musl-<name>.so.1 ("i386" for i686, "armhf" for armv7l);
// "unknown" for an arch musl does not name.
const char* musl_arch(Arch arch);
// glibc's built-in directories for objects of `arch` (multiarch, lib64, lib).
std::vector<std::string> default_library_paths(Arch arch);

// Builds a configuration for `root` from LD_LIBRARY_PATH (pass nullopt for
// none) and the system files; `ldpaths` (colon-separated) overrides.
LoaderConfig make_loader_config(const std::string& root, const std::optional<std::string>& ld_library_path,
                                const std::optional<std::string>& ldpaths);

// Splits a colon-separated search path. Empty entries stay as "" (the
// current directory, as the loader treats them).
std::vector<std::string> split_search_path(const std::string& s);

// Which rule found a library.
enum class FoundBy { direct_path, rpath, ld_library_path, runpath, ld_so_conf, default_path, ldpaths, musl_path, not_found };
const char* found_by_name(FoundBy rule);

// How one DT_NEEDED entry was resolved.
struct Resolution {
  std::string name;                 // the DT_NEEDED string
  std::optional<std::string> path;  // where it was found (target-system path)
  FoundBy rule = FoundBy::not_found;
  std::string via;  // e.g. "RUNPATH of pkg/_ext.so: $ORIGIN/../lib", "LD_LIBRARY_PATH"
  int object = -1;  // index into DependencyTree::objects, -1 if not found
};

// One loaded object.
struct LoadedObject {
  std::string path;  // target-system path (or virtual path, see ObjectSource)
  std::shared_ptr<const ElfInfo> info;
  int loader = -1;  // the object that caused it to be loaded (-1 for the root)
  std::vector<Resolution> deps;  // one per DT_NEEDED, in order
};

// Objects in load order (breadth first, as ld.so loads them); objects[0] is
// the root. A library already loaded under the same name is reused.
struct DependencyTree {
  std::vector<LoadedObject> objects;
};

// Supplies parsed ELF objects by target-system path. The default reads files
// under the sysroot; the wheel analyzer overlays wheel members.
class ObjectSource {
 public:
  virtual ~ObjectSource() = default;
  // nullptr when there is no such regular file or it is not a valid ELF
  // object (the loader then keeps searching).
  virtual std::shared_ptr<const ElfInfo> load(const std::string& path) = 0;
};

// Reads files from disk under `root`, caching parse results by path.
class DiskObjectSource : public ObjectSource {
 public:
  explicit DiskObjectSource(std::string root) : root_(std::move(root)) {}
  std::shared_ptr<const ElfInfo> load(const std::string& path) override;

 private:
  std::string root_;
  std::map<std::string, std::shared_ptr<const ElfInfo>> cache_;
};

// Resolves the dependency tree of `root_info` (found at `root_path`) with
// glibc's rules, or musl's when the root is musl-linked. Never fails: libs
// that cannot be found are recorded as FoundBy::not_found.
DependencyTree resolve_dependencies(const std::string& root_path, std::shared_ptr<const ElfInfo> root_info,
                                    const LoaderConfig& config, ObjectSource& source);

}  // namespace wheelfix::elf
