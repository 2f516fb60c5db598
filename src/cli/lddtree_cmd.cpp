// `wheelfix lddtree FILE`: the dependency tree as the loader would resolve it.
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/commands.hpp"
#include "cli/subcommands.hpp"
#include "wheelfix/elf/loader.hpp"

namespace wheelfix::cli {

namespace {

using elf::DependencyTree;

void print_text(const DependencyTree& tree, int index, int depth, std::set<int>& shown) {
  const auto& obj = tree.objects[index];
  for (const auto& dep : obj.deps) {
    std::cout << std::string(static_cast<std::size_t>(depth + 1) * 4, ' ') << dep.name << " => ";
    if (dep.object < 0) {
      std::cout << "not found\n";
      continue;
    }
    std::cout << *dep.path << " [" << dep.via << "]\n";
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

}  // namespace

void add_search_options(CLI::App& cmd, SearchOptions& opts) {
  cmd.add_option("--ldpaths", opts.ldpaths,
                 "Colon-separated library search path replacing LD_LIBRARY_PATH, ld.so.conf and the defaults");
  cmd.add_option("--root", opts.root, "Resolve libraries inside this sysroot (for cross-arch wheels)");
}

CLI::App* add_lddtree_command(CLI::App& app, LddtreeOptions& opts) {
  auto* cmd = app.add_subcommand("lddtree", "Print the shared-library dependency tree of an ELF file");
  cmd->add_option("file", opts.file, "ELF file")->required();
  cmd->add_flag("--json", opts.json, "Machine-readable output");
  cmd->add_flag("-q,--quiet", opts.quiet, "No output; exit status 1 when a library is not found");
  add_search_options(*cmd, opts.search);
  return cmd;
}

int run_lddtree(const LddtreeOptions& opts) {
  auto info = elf::parse_file(opts.file, elf::ParseOptions{.symbols = false});
  if (!info) {
    print_error(info.error().message);
    return kFailure;
  }
  const char* env = std::getenv("LD_LIBRARY_PATH");
  auto config = elf::make_loader_config(opts.search.root, env ? std::optional<std::string>(env) : std::nullopt,
                                        opts.search.ldpaths);
  elf::DiskObjectSource source(config.root);
  auto tree = elf::resolve_dependencies(opts.file, std::make_shared<const elf::ElfInfo>(std::move(info).value()),
                                        config, source);
  bool missing = false;
  for (const auto& o : tree.objects)
    for (const auto& d : o.deps) missing |= d.object < 0;
  if (opts.quiet) {
    // Only the exit status.
  } else if (opts.json) {
    std::cout << to_json(tree).dump(2) << "\n";
  } else {
    const auto& root = tree.objects[0];
    std::cout << root.path;
    if (root.info->interpreter) std::cout << " (interpreter => " << *root.info->interpreter << ")";
    std::cout << "\n";
    std::set<int> shown{0};
    print_text(tree, 0, 0, shown);
  }
  return missing ? kFailure : kOk;
}

void print_error(const std::string& message) { std::cerr << "wheelfix: error: " << message << "\n"; }
void print_warning(const std::string& message) { std::cerr << "wheelfix: warning: " << message << "\n"; }

}  // namespace wheelfix::cli
