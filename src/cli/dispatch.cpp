// The top-level command line: picks a subcommand by name, or by the name the
// binary was invoked under (a `patchelf` symlink runs patchelf mode).
#include <CLI/CLI.hpp>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/index_cmd.hpp"
#include "cli/subcommands.hpp"

namespace wheelfix::cli {

namespace {

std::string program_name(const char* argv0) {
  return std::filesystem::path(argv0 ? argv0 : "wheelfix").filename().string();
}

void print_version() {
  std::cout << "wheelfix " << WHEELFIX_VERSION << " (built " << __DATE__ << ", " << __VERSION__ << ")\n";
}

}  // namespace

int main_dispatch(int argc, char** argv) {
  std::string prog = program_name(argc > 0 ? argv[0] : nullptr);
  if (prog == "patchelf") return patchelf_main(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "patchelf") == 0) return patchelf_main(argc - 1, argv + 1);

  CLI::App app{"wheelfix: analyze and repair Linux Python wheels", "wheelfix"};
  bool version = false;
  app.add_flag("--version", version, "Print version and build information");
  app.require_subcommand(0, 1);

  ShowOptions show_opts;
  auto* show = add_show_command(app, show_opts);
  LddtreeOptions ldd_opts;
  auto* ldd = add_lddtree_command(app, ldd_opts);
  RepairCmdOptions repair_opts;
  auto* repair = add_repair_command(app, repair_opts);
  IndexCmdOptions index_opts;
  auto* index = add_index_command(app, index_opts);
  app.add_subcommand("patchelf", "patchelf-compatible ELF editing (see `wheelfix patchelf --help`)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }
  if (version) {
    print_version();
    return kOk;
  }
  if (show->parsed()) return run_show(show_opts);
  if (ldd->parsed()) return run_lddtree(ldd_opts);
  if (repair->parsed()) return run_repair(repair_opts);
  if (index->parsed()) return run_index(index_opts);
  std::cerr << app.help();
  return kUsage;
}

}  // namespace wheelfix::cli
