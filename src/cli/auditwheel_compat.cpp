#include "cli/auditwheel_compat.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"

namespace wheelfix::cli {

namespace {

// auditwheel's repair flags that wheelfix's `repair` lacks.
struct RepairExtras {
  std::string strip_level = "none";
  bool collect_debug = false;
  bool no_copy_site_libs = false;
};

void add_repair_extras(CLI::App& cmd, RepairExtras& x) {
  cmd.add_option("--strip-level", x.strip_level, "none or all (debug/unneeded are not supported)")
      ->check(CLI::IsMember({"none", "debug", "unneeded", "all"}));
  cmd.add_flag("--collect-debug-symbols", x.collect_debug, "Not supported");
  cmd.add_flag("--no-copy-site-libs", x.no_copy_site_libs, "Not supported");
}

// Applies the extras to `o`; false (after printing why) when one cannot be
// honoured.
bool apply_repair_extras(const RepairExtras& x, RepairCmdOptions& o) {
  if (x.collect_debug || x.no_copy_site_libs) {
    print_error(std::string("auditwheel: ") + (x.collect_debug ? "--collect-debug-symbols" : "--no-copy-site-libs") +
                " is not supported by wheelfix");
    return false;
  }
  if (x.strip_level == "debug" || x.strip_level == "unneeded") {
    print_error("auditwheel: --strip-level=" + x.strip_level + " is not supported by wheelfix (use --strip-level=all)");
    return false;
  }
  if (x.strip_level == "all") o.strip = true;
  return true;
}

// AUDITWHEEL_ZIP_COMPRESSION_LEVEL as the default of -z (-1 = zlib's default, 6).
bool zip_level_from_env(RepairCmdOptions& o) {
  const char* v = std::getenv("AUDITWHEEL_ZIP_COMPRESSION_LEVEL");
  if (!v || !*v) return true;
  std::string s(v);
  if (s == "-1") {
    o.level = 6;
    return true;
  }
  if (s.size() == 1 && s[0] >= '0' && s[0] <= '9') {
    o.level = s[0] - '0';
    return true;
  }
  print_error("auditwheel: AUDITWHEEL_ZIP_COMPRESSION_LEVEL must be -1 or 0-9, not '" + s + "'");
  return false;
}

// AUDITWHEEL_PATCHER as the default of --patcher (the option wins).
bool patcher_from_env(RepairCmdOptions& o) {
  const char* v = std::getenv("AUDITWHEEL_PATCHER");
  if (!v || !*v) return true;
  std::string s(v);
  if (s != "patchelf" && s != "lief-patchelf" && s != "none") {
    print_error("auditwheel: AUDITWHEEL_PATCHER must be patchelf, lief-patchelf or none, not '" + s + "'");
    return false;
  }
  o.patcher = s;
  return true;
}

// `auditwheel addtag [-w DIR] WHEEL...`: the wheel under its best tag, no
// file changed but the name, WHEEL and RECORD (repair with --patcher none).
CLI::App* add_addtag_command(CLI::App& app, RepairCmdOptions& o) {
  auto* cmd = app.add_subcommand("addtag", "Write a copy of wheels tagged with the best policy they reach as built");
  cmd->add_option("wheels", o.wheels, "Wheel files")->required();
  cmd->add_option("-w,--wheel-dir", o.wheel_dir, "Output folder (default: wheelhouse)");
  o.patcher = "none";
  o.plat = "auto";
  return cmd;
}

}  // namespace

int auditwheel_main(int argc, char** argv) {
  CLI::App app{"auditwheel (wheelfix): audit and repair Linux wheels", "auditwheel"};
  bool version = false;
  int verbose = 0;
  app.add_flag("-V,--version", version, "Print version and build information");
  app.add_flag("-v,--verbose", verbose, "More output (repeatable)");
  app.require_subcommand(0, 1);

  ShowOptions show_opts;
  auto* show = add_show_command(app, show_opts);
  LddtreeOptions ldd_opts;
  auto* ldd = add_lddtree_command(app, ldd_opts);
  RepairCmdOptions repair_opts;
  bool env_level_ok = zip_level_from_env(repair_opts);  // before parsing: -z wins
  auto* repair = add_repair_command(app, repair_opts);
  bool env_patcher_ok = patcher_from_env(repair_opts);
  repair_opts.unreached_status = kUsage;  // auditwheel: parser.error, status 2
  RepairExtras extras;
  add_repair_extras(*repair, extras);
  RepairCmdOptions addtag_opts;
  auto* addtag = add_addtag_command(app, addtag_opts);
  addtag_opts.unreached_status = kUsage;

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kOk : kUsage;
  }
  if (version) {
    // Tools read the second word as auditwheel's version.
    std::cout << "auditwheel " << kAuditwheelVersion << " (compatible: " << version_text() << ")\n";
    return kOk;
  }
  if (show->parsed()) {
    show_opts.verbose = show_opts.verbose || verbose > 0;
    int rc = run_show(show_opts);
    return rc == kPurePython ? kFailure : rc;
  }
  if (ldd->parsed()) return run_lddtree(ldd_opts);
  if (repair->parsed()) {
    if (!env_level_ok || !env_patcher_ok) return kUsage;
    if (!apply_repair_extras(extras, repair_opts)) return kUsage;
    int rc = run_repair(repair_opts);
    return rc == kPurePython ? kFailure : rc;
  }
  if (addtag->parsed()) {
    int rc = run_repair(addtag_opts);
    return rc == kPurePython ? kFailure : rc;
  }
  std::cerr << app.help();
  return kUsage;
}

}  // namespace wheelfix::cli
