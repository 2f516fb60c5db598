// Search-path configuration for the loader emulation: ld.so.conf, musl's
// path file, the built-in default directories.
#include <glob.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "wheelfix/elf/loader.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::elf {

namespace {

const int kMaxConfDepth = 8;

// Multiarch triplet Debian uses for an arch (for /lib/<triplet>).
const char* multiarch_triplet(Arch arch) {
  switch (arch) {
    case Arch::x86_64: return "x86_64-linux-gnu";
    case Arch::i686: return "i386-linux-gnu";
    case Arch::aarch64: return "aarch64-linux-gnu";
    case Arch::armv7l: return "arm-linux-gnueabihf";
    case Arch::ppc64: return "powerpc64-linux-gnu";
    case Arch::ppc64le: return "powerpc64le-linux-gnu";
    case Arch::s390x: return "s390x-linux-gnu";
    case Arch::riscv64: return "riscv64-linux-gnu";
    case Arch::loongarch64: return "loongarch64-linux-gnu";
    default: return nullptr;
  }
}


void read_conf_file(const std::string& root, const std::string& file, int depth,
                    std::vector<std::string>& out, std::set<std::string>& seen) {
  if (depth > kMaxConfDepth || !seen.insert(file).second) return;
  std::ifstream in(root + file);
  std::string line;
  std::string dir = std::filesystem::path(file).parent_path().string();
  while (std::getline(in, line)) {
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::string_view l = util::trim(line);
    if (l.empty()) continue;
    if (l.starts_with("include") && l.size() > 7 && (l[7] == ' ' || l[7] == '\t')) {
      for (auto& pattern : util::split(util::trim(l.substr(8)), ' ')) {
        if (pattern.empty()) continue;
        std::string abs = pattern[0] == '/' ? pattern : dir + "/" + pattern;
        glob_t g{};
        if (::glob((root + abs).c_str(), 0, nullptr, &g) == 0) {
          for (std::size_t i = 0; i < g.gl_pathc; ++i) {
            std::string found = g.gl_pathv[i];
            read_conf_file(root, found.substr(root.size()), depth + 1, out, seen);
          }
        }
        ::globfree(&g);
      }
      continue;
    }
    if (l.starts_with("hwcap")) continue;
    // Entries may be separated by spaces, tabs, commas or colons.
    std::string entry;
    for (char c : l) {
      if (c == ' ' || c == '\t' || c == ',' || c == ':') {
        if (!entry.empty()) out.push_back(entry);
        entry.clear();
      } else {
        entry.push_back(c);
      }
    }
    if (!entry.empty()) out.push_back(entry);
  }
}

}  // namespace

std::vector<std::string> split_search_path(const std::string& s) { return util::split(s, ':'); }

std::vector<std::string> read_ld_so_conf(const std::string& root) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  read_conf_file(root, "/etc/ld.so.conf", 0, out, seen);
  return out;
}

std::vector<std::string> read_musl_path(const std::string& root, Arch arch) {
  std::ifstream in(root + "/etc/ld-musl-" + musl_arch(arch) + ".path");
  if (!in) return {"/lib", "/usr/local/lib", "/usr/lib"};
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    for (auto& e : util::split(line, ':')) {
      auto t = util::trim(e);
      if (!t.empty()) out.emplace_back(t);
    }
  }
  return out;
}

std::vector<std::string> default_library_paths(Arch arch) {
  std::vector<std::string> out;
  if (const char* t = multiarch_triplet(arch)) {
    out.push_back(std::string("/lib/") + t);
    out.push_back(std::string("/usr/lib/") + t);
  }
  out.insert(out.end(), {"/lib64", "/usr/lib64", "/lib", "/usr/lib"});
  return out;
}

LoaderConfig make_loader_config(const std::string& root, const std::optional<std::string>& ld_library_path,
                                const std::optional<std::string>& ldpaths) {
  LoaderConfig c;
  c.root = root;
  while (!c.root.empty() && c.root.back() == '/') c.root.pop_back();
  if (ld_library_path && !ld_library_path->empty()) c.ld_library_path = split_search_path(*ld_library_path);
  c.conf_paths = read_ld_so_conf(c.root);
  if (ldpaths) c.ldpaths = split_search_path(*ldpaths);
  return c;
}

const char* found_by_name(FoundBy rule) {
  switch (rule) {
    case FoundBy::direct_path: return "path";
    case FoundBy::rpath: return "rpath";
    case FoundBy::ld_library_path: return "ld_library_path";
    case FoundBy::runpath: return "runpath";
    case FoundBy::ld_so_conf: return "ld_so_conf";
    case FoundBy::default_path: return "default";
    case FoundBy::ldpaths: return "ldpaths";
    case FoundBy::musl_path: return "musl_path";
    case FoundBy::not_found: return "not_found";
  }
  return "unknown";
}

const char* musl_arch(Arch arch) {
  switch (arch) {
    case Arch::x86_64: return "x86_64";
    case Arch::i686: return "i386";
    case Arch::aarch64: return "aarch64";
    case Arch::armv7l: return "armhf";
    case Arch::ppc64: return "powerpc64";
    case Arch::ppc64le: return "powerpc64le";
    case Arch::s390x: return "s390x";
    case Arch::riscv64: return "riscv64";
    case Arch::loongarch64: return "loongarch64";
    default: return "unknown";
  }
}

}  // namespace wheelfix::elf
