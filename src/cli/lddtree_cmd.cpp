// `wheelfix lddtree FILE`: the dependency tree as the loader would resolve it.
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/lddtree_cmd.hpp"
#include "cli/show_render.hpp"
#include "wheelfix/elf/loader.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::cli {

namespace {

using elf::DependencyTree;

void print_text(const DependencyTree& tree, int index, int depth, std::set<int>& shown) {
  const auto& obj = tree.objects[index];
  for (const auto& dep : obj.deps) {
    std::cout << std::string(static_cast<std::size_t>(depth + 1) * 4, ' ') << util::printable(dep.name) << " => ";
    if (dep.object < 0) {
      std::cout << "not found\n";
      continue;
    }
    std::cout << util::printable(*dep.path) << " [" << util::printable(dep.via) << "]\n";
    if (shown.insert(dep.object).second) print_text(tree, dep.object, depth + 1, shown);
  }
}

nlohmann::json optional_json(const std::optional<std::string>& s) {
  return s ? nlohmann::json(*s) : nlohmann::json(nullptr);
}

nlohmann::json to_json(const DependencyTree& tree) {
  const auto& root = tree.objects[0];
  nlohmann::json j;
  j["schema_version"] = 1;
  j["file"] = root.path;
  j["arch"] = elf::arch_name(root.info->arch);
  j["interpreter"] = optional_json(root.info->interpreter);
  j["needed"] = root.info->needed;
  j["rpath"] = optional_json(root.info->rpath);
  j["runpath"] = optional_json(root.info->runpath);
  nlohmann::json libs = nlohmann::json::object();
  for (std::size_t i = 0; i < tree.objects.size(); ++i) {
    const auto& o = tree.objects[i];
    for (const auto& d : o.deps) {
      if (libs.contains(d.name)) continue;
      nlohmann::json lib;
      lib["path"] = optional_json(d.path);
      lib["found_by"] = elf::found_by_name(d.rule);
      lib["via"] = d.object >= 0 ? nlohmann::json(d.via) : nlohmann::json(nullptr);
      lib["needed"] = d.object >= 0 ? tree.objects[d.object].info->needed : std::vector<std::string>{};
      lib["needed_by"] = o.path;
      libs[d.name] = lib;
    }
  }
  j["libs"] = libs;
  return j;
}

// Prints search_path_lines() under a heading.
void print_search_path(std::ostream& out, const elf::LoaderConfig& config, const std::string& path,
                       const elf::ElfInfo& info) {
  out << "search path for the DT_NEEDED entries of " << util::printable(path) << ", in order:\n";
  auto lines = search_path_lines(config, path, info);
  if (lines.empty()) out << "  (none)\n";
  for (const auto& l : lines) out << "  " << util::printable(l) << "\n";
}

}  // namespace

std::vector<std::string> search_path_lines(const elf::LoaderConfig& config, const std::string& path,
                                           const elf::ElfInfo& info) {
  std::vector<std::string> out;
  auto add = [&](const std::string& label, const std::vector<std::string>& dirs) {
    for (const auto& d : dirs) out.push_back(label + ": " + d);
  };
  auto own = [&](bool runpath) {
    add((runpath ? "RUNPATH of " : "RPATH of ") + path, elf::split_search_path(runpath ? *info.runpath : *info.rpath));
  };
  if (info.is_musl()) {  // musl: RPATH and RUNPATH alike, after LD_LIBRARY_PATH
    if (config.ldpaths) {
      add("--ldpaths", *config.ldpaths);
      return out;
    }
    add("LD_LIBRARY_PATH", config.ld_library_path);
    if (info.runpath || info.rpath) own(info.runpath.has_value());
    add("musl path", elf::read_musl_path(config.root, info.arch));
    return out;
  }
  if (info.rpath && !info.runpath) own(false);
  if (!config.ldpaths) add("LD_LIBRARY_PATH", config.ld_library_path);
  if (info.runpath) own(true);
  if (config.ldpaths) {
    add("--ldpaths", *config.ldpaths);
    return out;
  }
  if (info.flags_1 & 0x800) return out;  // DF_1_NODEFLIB: no ld.so.conf, no default folders
  add("ld.so.conf", config.conf_paths);
  add("default path", config.default_paths.empty() ? elf::default_library_paths(info.arch) : config.default_paths);
  return out;
}

void add_search_options(CLI::App& cmd, SearchOptions& opts) {
  cmd.add_option("--ldpaths", opts.ldpaths,
                 "Colon-separated library search path replacing LD_LIBRARY_PATH, ld.so.conf and the defaults");
  // A mistyped sysroot would otherwise report every library "not found".
  cmd.add_option("--root", opts.root, "Resolve libraries inside this sysroot (for cross-arch wheels)")
      ->check(CLI::ExistingDirectory);
}

CLI::App* add_lddtree_command(CLI::App& app, LddtreeOptions& opts) {
  auto* cmd = app.add_subcommand("lddtree", "Print the shared-library dependency tree of an ELF file");
  cmd->add_option("file", opts.file, "ELF file")->required();
  cmd->add_flag("--json", opts.json, "Machine-readable output");
  auto* quiet = cmd->add_flag("-q,--quiet", opts.quiet, "No output; exit status 1 when a library is not found");
  cmd->add_flag("-v,--verbose", opts.verbose, "Also print the library search path, in order")->excludes(quiet);
  add_search_options(*cmd, opts.search);
  return cmd;
}

int run_lddtree(const LddtreeOptions& opts) {
  auto info = elf::parse_file(opts.file, elf::ParseOptions{.symbols = false});
  if (!info) {
    print_error(info.error().message);
    return kFailure;
  }
  auto config = elf::make_loader_config(opts.search.root, library_path_from_env(), opts.search.ldpaths);
  elf::DiskObjectSource source(config.root);
  auto tree = elf::resolve_dependencies(opts.file, std::make_shared<const elf::ElfInfo>(std::move(info).value()),
                                        config, source);
  bool missing = false;
  for (const auto& o : tree.objects)
    for (const auto& d : o.deps) missing |= d.object < 0;
  if (opts.verbose) print_search_path(opts.json ? std::cerr : std::cout, config, opts.file, *tree.objects[0].info);
  if (opts.quiet) {
    // Only the exit status.
  } else if (opts.json) {
    std::cout << json_text(to_json(tree));
  } else {
    const auto& root = tree.objects[0];
    std::cout << util::printable(root.path);
    if (root.info->interpreter) std::cout << " (interpreter => " << util::printable(*root.info->interpreter) << ")";
    std::cout << "\n";
    std::set<int> shown{0};
    print_text(tree, 0, 0, shown);
  }
  return missing ? kFailure : kOk;
}

namespace {

// `message` with util::printable() applied line by line: the line breaks
// the message is built with stay, control characters inside a line go.
std::string printable_lines(const std::string& message) {
  std::string out;
  for (const auto& line : util::split(message, '\n')) out += (out.empty() ? "" : "\n") + util::printable(line);
  return out;
}

}  // namespace

std::string error_line(const std::string& message) { return "wheelfix: error: " + printable_lines(message) + "\n"; }
std::string warning_line(const std::string& message) {
  return "wheelfix: warning: " + printable_lines(message) + "\n";
}
void print_error(const std::string& message) { std::cerr << error_line(message); }
void print_warning(const std::string& message) { std::cerr << warning_line(message); }

}  // namespace wheelfix::cli
