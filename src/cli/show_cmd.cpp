// `wheelfix show WHEEL...`: the best platform tag of each wheel and why no
// better one fits.
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/show_render.hpp"
#include "wheelfix/policy/abi3.hpp"
#include "wheelfix/policy/claimed_tags.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::cli {

CLI::App* add_show_command(CLI::App& app, ShowOptions& opts) {
  auto* cmd = app.add_subcommand("show", "Report the best manylinux/musllinux tag of wheels, and why");
  cmd->add_option("wheels", opts.wheels, "Wheel files")->required();
  cmd->add_flag("--json", opts.json, "Machine-readable output (docs/json-schema.md)");
  cmd->add_flag("-v,--verbose", opts.verbose, "List the ELF files found");
  cmd->add_flag("-q,--quiet", opts.quiet, "One line per wheel: its best platform tag");
  cmd->add_flag("--disable-isa-ext-check", opts.no_isa_check,
                "Do not hold x86-64-v2/v3/v4 instruction use against a tag");
  cmd->add_flag("--allow-pure-python-wheel", opts.allow_pure,
                "A pure-Python wheel is reported, not an error (exit 0)");
  cmd->add_option("--policy-file", opts.policy_files, "Policy JSON file(s) replacing the installed ones");
  add_search_options(*cmd, opts.search);
  return cmd;
}

int run_show(const ShowOptions& opts) {
  auto policies = load_policy_set(opts.policy_files);
  if (!policies) {
    print_error(policies.error().message);
    return kUsage;
  }
  auto stable_abi = policy::load_stable_abi();
  if (!stable_abi) {
    print_error(stable_abi.error().message);
    return kUsage;
  }
  auto analyze_opts = make_analyze_options(opts.search, {}, !opts.no_isa_check);
  nlohmann::json reports = nlohmann::json::array();
  int status = kOk;
  bool first = true;
  for (const auto& path : opts.wheels) {
    auto opened = open_and_analyze(path, *policies, analyze_opts);
    if (!opened) {
      print_error(opened.error().message);
      status = combine_status(status, kFailure);
      if (opts.json) reports.push_back({{"wheel", path}, {"error", opened.error().message}});
      continue;
    }
    const repair::Analysis& analysis = opened->analysis;
    // RECORD problems do not stop show (repair regenerates RECORD): warned.
    std::vector<std::string> warnings;
    if (auto w = record_warning(opened->wheel); !w.empty()) {
      print_warning(w);
      warnings.push_back(std::move(w));
    }
    for (const auto& w : analysis.warnings) {
      print_warning(w);
      warnings.push_back(w);
    }
    if (analysis.pure()) {
      std::string msg = path + ": no ELF file in this wheel (a pure-Python wheel needs no platform tag)";
      if (opts.json) {
        reports.push_back({{"wheel", path},
                           {"pure", true},
                           {"error", opts.allow_pure ? nlohmann::json(nullptr) : nlohmann::json(msg)},
                           {"warnings", warnings}});
      } else if (opts.allow_pure) {
        std::cout << util::printable(msg) << "\n";
      } else {
        std::cerr << "wheelfix: " << util::printable(msg) << "\n";
      }
      if (!opts.allow_pure) status = combine_status(status, kPurePython);
      continue;
    }
    // A name whose tags the binaries contradict is an error (exit 1), after
    // the report that shows why.
    const auto& name = opened->wheel.filename();
    auto tag_problems = policy::claimed_tag_problems(name.platform_tags, analysis.eval, *policies);
    // So is an abi3 tag whose Stable ABI promise the imports break.
    auto abi3 = policy::check_abi3(analysis.graph, name.python_tags, name.abi_tags, *stable_abi);
    if (opts.json) {
      auto report = render_show_json(analysis, abi3);
      report["warnings"] = warnings;
      report["tag_problems"] = tag_problems;
      reports.push_back(std::move(report));
    } else if (opts.quiet) {
      std::cout << util::printable(path) << ": " << tag_text(analysis.eval) << "\n";
    } else {
      if (!first) std::cout << "\n";
      render_show_text(std::cout, analysis, abi3, opts.verbose);
    }
    for (const auto& problem : tag_problems) print_error(path + ": " + problem);
    for (const auto& problem : abi3.problems) print_error(path + ": abi3: " + problem.describe());
    if (!tag_problems.empty() || !abi3.problems.empty()) status = combine_status(status, kFailure);
    // No wheel tag exists for its arch: an error, after the report that says why.
    if (analysis.eval.platform_tag.empty()) {
      print_error(path + ": no platform tag exists for this wheel (see the arch reasons above)");
      status = combine_status(status, kFailure);
    }
    first = false;
  }
  if (opts.json) {
    nlohmann::json doc = {{"schema_version", kShowSchemaVersion}, {"wheels", reports}};
    std::cout << json_text(doc);
  }
  return status;
}

}  // namespace wheelfix::cli
