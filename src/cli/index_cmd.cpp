// `wheelfix index`: wheelhouses -> static PEP 503/691/658 repository.
#include "cli/index_cmd.hpp"

#include <iostream>

#include "cli/commands.hpp"
#include "cli/subcommands.hpp"
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
  cmd->add_flag("-q,--quiet", opts.quiet, "Print nothing on success");
  return cmd;
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
  std::cout << opts.out_dir << ": added " << s.added_files.size() << " file(s)";
  if (!s.unchanged_files.empty()) std::cout << ", " << s.unchanged_files.size() << " already present";
  std::cout << "; now " << s.total_files << " file(s) in " << s.total_projects << " project(s)\n";
  for (const auto& f : s.added_files) std::cout << "  added " << f << "\n";
  if (!s.updated_projects.empty())
    std::cout << "  pages written: " << util::join(s.updated_projects, ", ") << (s.root_written ? " and the root" : "")
              << "\n";
  else if (s.root_written)
    std::cout << "  pages written: the root\n";
  return kOk;
}

}  // namespace wheelfix::cli
