// The top-level command line: picks a subcommand by name, or by the name the
// binary was invoked under (multi-call: a `patchelf` symlink runs patchelf
// mode, an `auditwheel` one accepts auditwheel's command lines).
#include <CLI/CLI.hpp>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli/auditwheel_compat.hpp"
#include "cli/build_cmd.hpp"
#include "cli/commands.hpp"
#include "cli/index_cmd.hpp"
#include "cli/install_links.hpp"
#include "wheelfix/util/mapped_file.hpp"

namespace wheelfix::cli {

namespace {

std::string program_name(const char* argv0) {
  return std::filesystem::path(argv0 ? argv0 : "wheelfix").filename().string();
}

}  // namespace

std::string version_text() {
#ifdef WHEELFIX_STATIC_BUILD
  const char* linking = "statically linked, policies embedded";
#else
  const char* linking = "dynamically linked";
#endif
  return std::string("wheelfix ") + WHEELFIX_VERSION + " (built " + __DATE__ + ", gcc " + __VERSION__ + ", " +
         linking + ")";
}

int main_dispatch(int argc, char** argv) {
  // An input truncated while mapped: a named error, not a SIGBUS crash.
  util::report_mapped_file_faults();
  std::string prog = program_name(argc > 0 ? argv[0] : nullptr);
  if (prog == "patchelf") return patchelf_main(argc, argv);
  if (prog == "auditwheel") return auditwheel_main(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "patchelf") == 0) return patchelf_main(argc - 1, argv + 1);
  if (argc >= 2 && std::strcmp(argv[1], "auditwheel") == 0) return auditwheel_main(argc - 1, argv + 1);

  CLI::App app{"wheelfix: analyze and repair Linux Python wheels", "wheelfix"};
  bool version = false;
  app.add_flag("-V,--version", version, "Print version and build information");
  app.require_subcommand(0, 1);

  ShowOptions show_opts;
  auto* show = add_show_command(app, show_opts);
  LddtreeOptions ldd_opts;
  auto* ldd = add_lddtree_command(app, ldd_opts);
  RepairCmdOptions repair_opts;
  auto* repair = add_repair_command(app, repair_opts);
  BuildCmdOptions build_opts;
  auto* build = add_build_command(app, build_opts);
  IndexCmdOptions index_opts;
  auto* index = add_index_command(app, index_opts);
  InstallLinksOptions links_opts;
  auto* links = add_install_links_command(app, links_opts);
  app.add_subcommand("patchelf", "patchelf-compatible ELF editing (see `wheelfix patchelf --help`)");
  app.add_subcommand("auditwheel", "auditwheel-compatible command lines (see `wheelfix auditwheel --help`)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }
  if (version) {
    std::cout << version_text() << "\n";
    return kOk;
  }
  if (show->parsed()) return run_show(show_opts);
  if (ldd->parsed()) return run_lddtree(ldd_opts);
  if (repair->parsed()) return run_repair(repair_opts);
  if (build->parsed()) return run_build(build_opts);
  if (index->parsed()) return run_index(index_opts);
  if (links->parsed()) return run_install_links(links_opts);
  std::cerr << app.help();
  return kUsage;
}

}  // namespace wheelfix::cli
