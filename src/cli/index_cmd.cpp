// `wheelfix index`: wheelhouses -> static PEP 503/691/658 repository.
#include "cli/index_cmd.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include "cli/commands.hpp"
#include "wheelfix/index/index.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::cli {

CLI::App* add_index_command(CLI::App& app, IndexCmdOptions& opts) {
  auto* cmd = app.add_subcommand("index", "Write or update a static simple repository (PEP 503/691/658) from wheelhouses");
  cmd->add_option("wheelhouses", opts.wheelhouses, "Folders of wheels (not recursive) or .whl files")->required();
  cmd->add_option("-o,--output", opts.out_dir, "Repository folder (created; existing files are kept and merged)")
      ->required();
  cmd->add_option("--base-url", opts.base_url,
                  "URL the repository folder is served at; file links become absolute (default: relative)");
  cmd->add_flag("--link", opts.link, "Hard-link wheels into DIR/files instead of copying (copies when impossible)");
  auto* quiet = cmd->add_flag("-q,--quiet", opts.quiet, "Print nothing on success");
  cmd->add_flag("-v,--verbose", opts.verbose, "List each input wheel: added, unchanged or skipped")->excludes(quiet);
  return cmd;
}

std::vector<std::string> index_file_lines(const std::vector<std::string>& inputs, const index::IndexSummary& summary,
                                          const std::string& files_dir) {
  auto has = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  std::vector<std::string> out;
  std::map<std::string, std::string> seen;  // file name -> first input with it
  for (const auto& path : inputs) {
    std::string name = std::filesystem::path(path).filename().string();
    auto [it, first] = seen.emplace(name, path);
    if (!first)
      out.push_back("skipped " + path + " (same file as " + it->second + ")");
    else if (has(summary.added_files, name))
      out.push_back("added " + name + " (from " + path + ")");
    else if (has(summary.unchanged_files, name))
      out.push_back("unchanged " + name + " (already in " + files_dir + ")");
    else
      out.push_back("skipped " + path);
  }
  return out;
}

int run_index(const IndexCmdOptions& opts) {
  if (opts.base_url && opts.base_url->empty()) {
    print_error("index: --base-url must not be empty");
    return kUsage;
  }
  index::IndexOptions options;
  options.wheelhouses = opts.wheelhouses;
  options.out_dir = opts.out_dir;
  options.base_url = opts.base_url;
  options.link = opts.link;
  auto summary = index::update_index(options);
  if (!summary) {
    print_error(summary.error().message);
    return kFailure;
  }
  if (opts.quiet) return kOk;
  const auto& s = *summary;
  std::cout << util::printable(opts.out_dir) << ": added " << s.added_files.size() << " file(s)";
  if (!s.unchanged_files.empty()) std::cout << ", " << s.unchanged_files.size() << " already present";
  std::cout << "; now " << s.total_files << " file(s) in " << s.total_projects << " project(s)\n";
  // -v: every input (listed again: update_index() read them all already).
  std::optional<std::vector<std::string>> inputs;
  if (opts.verbose) {
    if (auto listed = index::collect_inputs(opts.wheelhouses)) inputs = std::move(listed).value();
  }
  if (inputs) {
    for (const auto& line : index_file_lines(*inputs, s, index::files_dir(opts.out_dir)))
      std::cout << "  " << util::printable(line) << "\n";
  } else {
    for (const auto& f : s.added_files) std::cout << "  added " << util::printable(f) << "\n";
  }
  if (!s.updated_projects.empty())
    std::cout << "  pages written: " << util::printable(util::join(s.updated_projects, ", ")) << (s.root_written ? " and the root" : "")
              << "\n";
  else if (s.root_written)
    std::cout << "  pages written: the root\n";
  return kOk;
}

}  // namespace wheelfix::cli
