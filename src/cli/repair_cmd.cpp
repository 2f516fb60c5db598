// `wheelfix repair WHEEL...`: vendor, patch, retag, write to a wheelhouse.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/progress.hpp"
#include "cli/repair_step.hpp"
#include "cli/subcommands.hpp"
#include "wheelfix/repair/plan.hpp"
#include "wheelfix/repair/repair.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::cli {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One `repair` invocation over its wheels: the JSON entries and the status.
class RepairRun {
 public:
  RepairRun(const RepairCmdOptions& o, const policy::PolicySet& policies, repair::RepairOptions ro)
      : o_(o), policies_(policies), ro_(std::move(ro)), progress_(progress_wanted(o.quiet)) {
    analyze_ = make_analyze_options(o.search, o.exclude, !o.no_isa_check);
    analyze_.threads = o.jobs;
    // Called from the analysis' worker threads, one call at a time.
    analyze_.progress = [this](std::size_t done, std::size_t total, std::uint64_t bytes) {
      progress_.update("analyzing", done, total, bytes);
    };
    ro_.progress = [this](const char* stage, std::size_t done, std::size_t total, std::uint64_t bytes) {
      progress_.update(stage, done, total, bytes);
    };
  }

  void repair(const std::string& path);
  int status() const { return status_; }
  const nlohmann::json& reports() const { return reports_; }

 private:
  // -v output: stdout, or stderr when stdout carries the JSON document.
  std::ostream& verbose_out() const { return o_.json ? std::cerr : std::cout; }
  void fail(const std::string& path, const std::string& msg, int code,
            const std::optional<UnreachedPolicy>& unreached = std::nullopt, bool pure = false);
  void pure_wheel(const std::string& path, const wheel::Wheel& whl);
  void print_plan(const wheel::Wheel& whl, const repair::RepairPlan& plan);

  const RepairCmdOptions& o_;
  const policy::PolicySet& policies_;
  repair::RepairOptions ro_;
  repair::AnalyzeOptions analyze_;
  ProgressLine progress_;
  nlohmann::json reports_ = nlohmann::json::array();
  int status_ = kOk;
  std::chrono::steady_clock::time_point start_{};
};

void RepairRun::fail(const std::string& path, const std::string& msg, int code,
                     const std::optional<UnreachedPolicy>& unreached, bool pure) {
  progress_.clear();
  print_error(msg);
  if (o_.json) reports_.push_back(repair_failure_json(path, msg, seconds_since(start_), unreached, pure));
  status_ = combine_status(status_, code);
}

void RepairRun::pure_wheel(const std::string& path, const wheel::Wheel& whl) {
  if (!o_.allow_pure) {
    fail(path,
         path + ": no ELF file in this wheel: a pure-Python wheel needs no repair "
                "(--allow-pure-python-wheel copies it unchanged)",
         kPurePython, std::nullopt, true);
    return;
  }
  std::string output = o_.wheel_dir + "/" + std::filesystem::path(path).filename().string();
  if (auto st = copy_wheel_unchanged(path, o_.wheel_dir); !st) {
    fail(path, st.error().message, kFailure);
    return;
  }
  if (o_.json)
    reports_.push_back(
        pure_copy_json(path, output, util::join(whl.filename().platform_tags, "."), seconds_since(start_)));
  if (o_.verbose) verbose_out() << path << ": pure-Python wheel, copied unchanged to " << output << "\n";
}

void RepairRun::print_plan(const wheel::Wheel& whl, const repair::RepairPlan& plan) {
  auto lines = describe_plan(plan, ro_.strip);
  progress_.clear();
  auto& out = verbose_out();
  out << whl.path() << ": " << lines.front() << "\n";
  for (std::size_t i = 1; i < lines.size(); ++i) out << lines[i] << "\n";
}

void RepairRun::repair(const std::string& path) {
  start_ = std::chrono::steady_clock::now();
  progress_.set_label(std::filesystem::path(path).filename().string());
  auto whl = wheel::Wheel::open(path);
  if (!whl) return fail(path, whl.error().message, kFailure);
  auto analysis = repair::analyze_wheel(whl->zip(), policies_, analyze_);
  progress_.clear();
  if (!analysis) return fail(path, analysis.error().message, kFailure);
  if (analysis->pure()) return pure_wheel(path, *whl);
  auto plan = repair::make_repair_plan(*whl, *analysis, policies_, ro_);
  if (!plan) {
    auto unreached = unreached_policy(*analysis, policies_, ro_);
    auto plat_arch = ro_.plat ? policy::arch_of_tag(*ro_.plat) : std::nullopt;
    bool no_tag = analysis->eval.arch == elf::Arch::unknown;  // an input problem, whatever the name
    // A --plat of the other libc family (musllinux for a glibc wheel) is
    // never evaluated for this wheel: unreachable too.
    const policy::Policy* wanted = ro_.plat ? policies_.find(*ro_.plat) : nullptr;
    bool other_family = wanted && std::none_of(analysis->eval.results.begin(), analysis->eval.results.end(),
                                               [&](const policy::PolicyResult& r) { return r.policy == wanted; });
    int code = plat_arch && *plat_arch != analysis->eval.arch && !no_tag ? kUsage
               : (unreached || other_family) && !no_tag                ? o_.unreached_status
                                                                       : kFailure;
    return fail(path, plan.error().message, code, unreached);
  }
  if (o_.verbose) print_plan(*whl, *plan);
  auto report = repair::apply_repair_plan(*whl, *analysis, *plan, ro_);
  progress_.clear();
  if (!report) return fail(path, report.error().message, kFailure, unreached_policy(*analysis, policies_, ro_));
  for (const auto& w : report->warnings) print_warning(w);
  if (o_.json) {
    reports_.push_back(repair_report_json(*report, seconds_since(start_)));
  } else if (!o_.quiet) {
    for (const auto& l : report->vendored) std::cout << "vendored " << l.soname << " as " << l.member << "\n";
    std::cout << "Fixed-up wheel written to " << report->output << "\n";
  }
}

}  // namespace

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
  auto* quiet = cmd->add_flag("-q,--quiet", o.quiet, "Print errors and warnings only");
  cmd->add_flag("-v,--verbose", o.verbose,
                "Print each wheel's plan: libraries vendored (source -> new name), each file's edits")
      ->excludes(quiet);
  cmd->add_flag("--disable-isa-ext-check", o.no_isa_check,
                "Do not hold x86-64-v2/v3/v4 instruction use against a tag");
  cmd->add_option("--policy-file", o.policy_files, "Policy JSON file(s) replacing the installed ones");
  cmd->add_option("--patcher", o.patcher,
                  "patchelf or lief-patchelf: wheelfix's own ELF rewriter (either name); none: edit no ELF file")
      ->check(CLI::IsMember({"patchelf", "lief-patchelf", "none"}));
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
  std::error_code ec;
  std::filesystem::create_directories(o.wheel_dir, ec);
  if (ec) {
    print_error(o.wheel_dir + ": cannot create the output folder: " + ec.message());
    return kFailure;
  }
  RepairRun run(o, *policies, std::move(*options));
  for (const auto& path : o.wheels) run.repair(path);
  if (o.json) std::cout << nlohmann::json{{"schema_version", 1}, {"wheels", run.reports()}}.dump(2) << "\n";
  return run.status();
}

}  // namespace wheelfix::cli
