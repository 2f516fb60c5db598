// `wheelfix repair WHEEL...`: vendor, patch, retag, write to a wheelhouse.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/repair_step.hpp"
#include "cli/subcommands.hpp"
#include "wheelfix/repair/repair.hpp"

namespace wheelfix::cli {

CLI::App* add_repair_command(CLI::App& app, RepairCmdOptions& o) {
  auto* cmd = app.add_subcommand("repair", "Vendor external libraries into wheels and retag them");
  cmd->add_option("wheels", o.wheels, "Wheel files")->required();
  cmd->add_option("-w,--wheel-dir", o.wheel_dir, "Output folder (default: wheelhouse)");
  cmd->add_option("--plat", o.plat, "Target policy or tag (a floor unless --only-plat); default auto");
  cmd->add_flag("--only-plat", o.only_plat, "Tag exactly --plat, not a better policy");
  cmd->add_option("--exclude", o.exclude, "SONAME glob never vendored (repeatable)")->allow_extra_args(false);
  cmd->add_flag("--strip", o.strip, "Strip symbols from the ELF files");
  cmd->add_option("-L,--lib-sdir", o.lib_sdir, "Suffix of the vendored-library folder (default .libs)");
  cmd->add_option("-z,--zip-compression-level", o.level, "Deflate level 0-9 of rewritten members")
      ->check(CLI::Range(0, 9));
  cmd->add_flag("--no-update-tags", o.no_update_tags, "Keep the file name and WHEEL tags");
  cmd->add_flag("--allow-pure-python-wheel", o.allow_pure, "Copy pure-Python wheels unchanged");
  cmd->add_option("-j,--jobs", o.jobs, "Compression threads (default: all cores)");
  cmd->add_flag("--json", o.json, "One JSON report per wheel");
  cmd->add_flag("-q,--quiet", o.quiet, "Print errors only");
  cmd->add_flag("--disable-isa-ext-check", o.no_isa_check,
                "Do not hold x86-64-v2/v3/v4 instruction use against a tag");
  cmd->add_option("--policy-file", o.policy_files, "Policy JSON file(s) replacing the installed ones");
  add_search_options(*cmd, o.search);
  return cmd;
}

int run_repair(const RepairCmdOptions& o) {
  auto policies = load_policy_set(o.policy_files);
  if (!policies) {
    print_error(policies.error().message);
    return kUsage;
  }
  auto options = make_repair_options(o, *policies);
  if (!options) {
    print_error(options.error().message);
    return kUsage;
  }
  repair::RepairOptions ro = std::move(*options);
  std::error_code ec;
  std::filesystem::create_directories(o.wheel_dir, ec);
  if (ec) {
    print_error(o.wheel_dir + ": cannot create the output folder: " + ec.message());
    return kFailure;
  }
  auto analyze_opts = make_analyze_options(o.search, o.exclude, !o.no_isa_check);
  analyze_opts.threads = o.jobs;
  nlohmann::json reports = nlohmann::json::array();
  int status = kOk;
  for (const auto& path : o.wheels) {
    auto start = std::chrono::steady_clock::now();
    auto fail = [&](const std::string& msg, int code) {
      print_error(msg);
      if (o.json) reports.push_back({{"input", path}, {"ok", false}, {"error", msg}});
      status = combine_status(status, code);
    };
    auto whl = wheel::Wheel::open(path);
    if (!whl) {
      fail(whl.error().message, kFailure);
      continue;
    }
    auto analysis = repair::analyze_wheel(whl->zip(), *policies, analyze_opts);
    if (!analysis) {
      fail(analysis.error().message, kFailure);
      continue;
    }
    if (analysis->pure()) {
      if (!o.allow_pure) {
        fail(path + ": no ELF file in this wheel: a pure-Python wheel needs no repair "
                    "(--allow-pure-python-wheel copies it unchanged)",
             kPurePython);
        continue;
      }
      if (auto st = copy_wheel_unchanged(path, o.wheel_dir); !st) fail(st.error().message, kFailure);
      continue;
    }
    bool show_progress = !o.quiet && !o.json && ::isatty(2);
    std::string label = std::filesystem::path(path).filename().string();
    if (show_progress)
      ro.progress = [&](const char* stage, std::size_t done, std::size_t total, std::uint64_t bytes) {
        std::fprintf(stderr, "\r\033[K%s: %s %zu/%zu, %.1f MB", label.c_str(), stage, done, total, bytes / 1e6);
      };
    auto report = repair::repair_wheel(*whl, *analysis, *policies, ro);
    if (show_progress) std::fprintf(stderr, "\r\033[K");
    if (!report) {
      fail(report.error().message, kFailure);
      continue;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (const auto& w : report->warnings) print_warning(w);
    if (o.json) {
      reports.push_back(repair_report_json(*report, secs));
    } else if (!o.quiet) {
      for (const auto& l : report->vendored) std::cout << "vendored " << l.soname << " as " << l.member << "\n";
      std::cout << "Fixed-up wheel written to " << report->output << "\n";
    }
  }
  if (o.json) std::cout << nlohmann::json{{"schema_version", 1}, {"wheels", reports}}.dump(2) << "\n";
  return status;
}

}  // namespace wheelfix::cli
