// `wheelfix repair WHEEL...`: vendor, patch, retag, write to a wheelhouse.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/progress.hpp"
#include "cli/repair_step.hpp"
#include "cli/show_render.hpp"
#include "wheelfix/repair/plan.hpp"
#include "wheelfix/repair/repair.hpp"
#include "wheelfix/util/job_pool.hpp"
#include "wheelfix/util/parallel.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::cli {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// What one wheel's repair prints and reports, held until every wheel
// before it in the command line has been emitted, so a run's output is in
// input order whichever wheel finishes first.
struct WheelOutcome {
  std::vector<std::pair<bool, std::string>> lines;  // (to stderr, text) in print order
  std::optional<nlohmann::json> report;              // the --json entry
  int status = kOk;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  void out(std::string text) { lines.emplace_back(false, std::move(text)); }
  void err(std::string text) { lines.emplace_back(true, std::move(text)); }
};

// One `repair` invocation over its wheels: the JSON entries and the status.
// Wheels are repaired side by side on the -j budget (util::run_jobs), each
// with its share of threads for its own analysis and compression; what they
// print and report is emitted in input order.
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
  }

  // Repairs `paths` (refusing those in `refused` with their message) on
  // `budget` threads and emits each wheel's output in the order of `paths`.
  void repair_all(const std::vector<std::string>& paths, const std::map<std::size_t, std::string>& refused,
                  unsigned budget);
  // Inputs (by index into `paths`) whose outputs would have the same path
  // as another input's, each with its error naming them all. Checked
  // before anything is written (docs/commands.md).
  std::map<std::size_t, std::string> output_clashes(const std::vector<std::string>& paths);
  int status() const { return status_; }
  const nlohmann::json& reports() const { return reports_; }

 private:
  void repair(const std::string& path, unsigned threads, WheelOutcome& out);
  // -v output: stdout, or stderr when stdout carries the JSON document.
  void verbose(WheelOutcome& out, std::string text) const {
    if (o_.json) out.err(std::move(text));
    else out.out(std::move(text));
  }
  void fail(WheelOutcome& out, const std::string& path, const std::string& msg, int code,
            const std::optional<UnreachedPolicy>& unreached = std::nullopt, bool pure = false,
            const std::vector<policy::Abi3Problem>& abi3 = {});
  void pure_wheel(WheelOutcome& out, const std::string& path, const wheel::Wheel& whl);
  void print_plan(WheelOutcome& out, const wheel::Wheel& whl, const repair::RepairPlan& plan);
  std::optional<std::string> planned_output(const std::string& path);
  // Writes `out`'s lines, adds its report and status (the emitting thread only).
  void emit(WheelOutcome& out);
  // The progress line, shared by the wheels being repaired.
  void progress(const std::string& label, const char* stage, std::size_t done, std::size_t total,
                std::uint64_t bytes);
  void progress_clear() {
    std::lock_guard lock(progress_mutex_);
    progress_.clear();
  }

  const RepairCmdOptions& o_;
  const policy::PolicySet& policies_;
  repair::RepairOptions ro_;
  repair::AnalyzeOptions analyze_;
  ProgressLine progress_;
  std::mutex progress_mutex_;
  std::string progress_label_;
  nlohmann::json reports_ = nlohmann::json::array();
  int status_ = kOk;
};

void RepairRun::progress(const std::string& label, const char* stage, std::size_t done, std::size_t total,
                         std::uint64_t bytes) {
  std::lock_guard lock(progress_mutex_);
  if (label != progress_label_) {
    progress_label_ = label;
    progress_.set_label(label);
  }
  progress_.update(stage, done, total, bytes);
}

void RepairRun::emit(WheelOutcome& out) {
  std::lock_guard lock(progress_mutex_);  // no redraw between its lines
  progress_.clear();
  for (const auto& [to_err, text] : out.lines) {
    if (to_err) std::cerr << text;
    else std::cout << text;
  }
  std::cout.flush();
  if (out.report) reports_.push_back(std::move(*out.report));
  status_ = combine_status(status_, out.status);
}

void RepairRun::fail(WheelOutcome& out, const std::string& path, const std::string& msg, int code,
                     const std::optional<UnreachedPolicy>& unreached, bool pure,
                     const std::vector<policy::Abi3Problem>& abi3) {
  out.err(error_line(msg));
  if (o_.json) out.report = repair_failure_json(path, msg, seconds_since(out.start), unreached, pure, abi3);
  out.status = combine_status(out.status, code);
}

void RepairRun::pure_wheel(WheelOutcome& out, const std::string& path, const wheel::Wheel& whl) {
  if (!o_.allow_pure) {
    fail(out, path,
         path + ": no ELF file in this wheel: a pure-Python wheel needs no repair "
                "(--allow-pure-python-wheel copies it unchanged)",
         kPurePython, std::nullopt, true);
    return;
  }
  std::string output = o_.wheel_dir + "/" + std::filesystem::path(path).filename().string();
  if (auto st = copy_wheel_unchanged(path, o_.wheel_dir); !st) {
    fail(out, path, st.error().message, kFailure);
    return;
  }
  if (o_.json)
    out.report = pure_copy_json(path, output, util::join(whl.filename().platform_tags, "."),
                                util::join(whl.filename().python_tags, "."), seconds_since(out.start));
  if (o_.verbose)
    verbose(out, util::printable(path) + ": pure-Python wheel, copied unchanged to " + util::printable(output) + "\n");
}

void RepairRun::print_plan(WheelOutcome& out, const wheel::Wheel& whl, const repair::RepairPlan& plan) {
  auto lines = describe_plan(plan, ro_.strip);
  std::string text = util::printable(whl.path()) + ": " + util::printable(lines.front()) + "\n";
  for (std::size_t i = 1; i < lines.size(); ++i) text += util::printable(lines[i]) + "\n";
  verbose(out, std::move(text));
}

// Where repair(path) would write, or nullopt when it would fail before
// writing (repair() reports that failure).
std::optional<std::string> RepairRun::planned_output(const std::string& path) {
  auto whl = wheel::Wheel::open(path);
  if (!whl) return std::nullopt;
  auto analysis = repair::analyze_wheel(whl->zip(), policies_, analyze_);
  progress_clear();
  if (!analysis) return std::nullopt;
  if (analysis->pure())
    return o_.allow_pure ? std::optional(o_.wheel_dir + "/" + std::filesystem::path(path).filename().string())
                         : std::nullopt;
  auto plan = repair::make_repair_plan(*whl, *analysis, policies_, ro_);
  if (!plan) return std::nullopt;
  return repair::output_path(*whl, *plan, ro_);
}

std::map<std::size_t, std::string> RepairRun::output_clashes(const std::vector<std::string>& paths) {
  // Only names equal but for their platform tags (and python tags, which
  // --abi3-lower-bound may raise) can meet after retagging: only those
  // inputs are planned here (and again when repaired).
  std::map<std::string, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    auto name = wheel::WheelFilename::parse(paths[i]);
    if (!name) continue;
    name->platform_tags.clear();
    if (ro_.abi3_lower_bound) name->python_tags.clear();
    groups[name->to_string()].push_back(i);
  }
  std::map<std::string, std::vector<std::size_t>> by_output;
  for (const auto& [key, members] : groups) {
    if (members.size() < 2) continue;
    for (std::size_t i : members) {
      progress_.set_label(std::filesystem::path(paths[i]).filename().string());
      if (auto out = planned_output(paths[i])) by_output[*out].push_back(i);
    }
  }
  std::map<std::size_t, std::string> out;
  for (const auto& [output, inputs] : by_output) {
    if (inputs.size() < 2) continue;
    std::string all;
    for (std::size_t i : inputs) all += (all.empty() ? "" : ", ") + paths[i];
    for (std::size_t i : inputs)
      out[i] = paths[i] + ": refused: " + all + " would all be written to " + output +
               " (repair them in separate calls, or give each its own -w folder)";
  }
  return out;
}

void RepairRun::repair(const std::string& path, unsigned threads, WheelOutcome& out) {
  out.start = std::chrono::steady_clock::now();
  std::string label = std::filesystem::path(path).filename().string();
  repair::AnalyzeOptions analyze = analyze_;
  analyze.threads = threads;
  analyze.progress = [this, &label](std::size_t done, std::size_t total, std::uint64_t bytes) {
    progress(label, "analyzing", done, total, bytes);
  };
  repair::RepairOptions ro = ro_;
  ro.threads = threads;
  ro.progress = [this, &label](const char* stage, std::size_t done, std::size_t total, std::uint64_t bytes) {
    progress(label, stage, done, total, bytes);
  };
  auto whl = wheel::Wheel::open(path);
  if (!whl) return fail(out, path, whl.error().message, kFailure);
  auto analysis = repair::analyze_wheel(whl->zip(), policies_, analyze);
  if (!analysis) return fail(out, path, analysis.error().message, kFailure);
  if (analysis->pure()) return pure_wheel(out, path, *whl);
  auto plan = repair::make_repair_plan(*whl, *analysis, policies_, ro);
  if (!plan) {
    std::vector<policy::Abi3Problem> abi3;
    if (ro.stable_abi)
      abi3 = policy::check_abi3(analysis->graph, whl->filename().python_tags, whl->filename().abi_tags,
                                *ro.stable_abi).problems;
    auto unreached = unreached_policy(*analysis, policies_, ro);
    auto plat_arch = ro.plat ? policy::arch_of_tag(*ro.plat) : std::nullopt;
    bool no_tag = analysis->eval.arch == elf::Arch::unknown;  // an input problem, whatever the name
    // A --plat of the other libc family (musllinux for a glibc wheel) is
    // never evaluated for this wheel: unreachable too.
    const policy::Policy* wanted = ro.plat ? policies_.find(*ro.plat) : nullptr;
    bool other_family = wanted && std::none_of(analysis->eval.results.begin(), analysis->eval.results.end(),
                                               [&](const policy::PolicyResult& r) { return r.policy == wanted; });
    int code = plat_arch && *plat_arch != analysis->eval.arch && !no_tag ? kUsage
               : (unreached || other_family) && !no_tag                ? o_.unreached_status
                                                                       : kFailure;
    return fail(out, path, plan.error().message, code, unreached, false, abi3);
  }
  if (o_.verbose) print_plan(out, *whl, *plan);
  auto report = repair::apply_repair_plan(*whl, *analysis, *plan, ro);
  if (!report)
    return fail(out, path, report.error().message, kFailure, unreached_policy(*analysis, policies_, ro));
  for (const auto& w : report->warnings) out.err(warning_line(w));
  if (o_.json) {
    out.report = repair_report_json(*report, seconds_since(out.start));
  } else if (!o_.quiet) {
    std::string text;
    for (const auto& l : report->vendored)
      text += "vendored " + util::printable(l.soname) + " as " + util::printable(l.member) + "\n";
    text += "Fixed-up wheel written to " + util::printable(report->output) + "\n";
    out.out(std::move(text));
  }
}

void RepairRun::repair_all(const std::vector<std::string>& paths, const std::map<std::size_t, std::string>& refused,
                           unsigned budget) {
  std::vector<WheelOutcome> outcomes(paths.size());
  std::vector<bool> finished(paths.size(), false);
  std::size_t next_emit = 0;
  std::mutex emit_mutex;
  auto finish = [&](std::size_t i) {
    std::lock_guard lock(emit_mutex);
    finished[i] = true;
    for (; next_emit < paths.size() && finished[next_emit]; ++next_emit) {
      emit(outcomes[next_emit]);
      outcomes[next_emit] = WheelOutcome{};  // its lines and report are no longer needed
    }
  };
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (auto it = refused.find(i); it != refused.end()) {
      fail(outcomes[i], paths[i], it->second, kFailure);
      finish(i);
    } else {
      order.push_back(i);
    }
  }
  // Side by side, the largest wheels first so the small ones fill the end;
  // one at a time (the budget is 1 or there is one wheel), in input order.
  if (budget > 1 && order.size() > 1) {
    std::vector<std::uintmax_t> size(paths.size(), 0);
    for (std::size_t i : order) {
      std::error_code ec;
      size[i] = std::filesystem::file_size(paths[i], ec);
      if (ec) size[i] = 0;
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return size[a] > size[b]; });
  }
  util::run_jobs(order, budget, [&](std::size_t i, unsigned threads) {
    repair(paths[i], threads, outcomes[i]);
    finish(i);
  });
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
  cmd->add_option("-j,--jobs", o.jobs, "Threads, shared by the wheels repaired side by side (default: all cores)");
  cmd->add_flag("--json", o.json, "One JSON report per wheel");
  auto* quiet = cmd->add_flag("-q,--quiet", o.quiet, "Print errors and warnings only");
  cmd->add_flag("-v,--verbose", o.verbose,
                "Print each wheel's plan: libraries vendored (source -> new name), each file's edits")
      ->excludes(quiet);
  cmd->add_flag("--disable-isa-ext-check", o.no_isa_check,
                "Do not hold x86-64-v2/v3/v4 instruction use against a tag");
  cmd->add_option("--policy-file", o.policy_files, "Policy JSON file(s) replacing the installed ones");
  add_abi3_options(*cmd, o);
  add_cache_options(*cmd, o);
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
  auto clashes = run.output_clashes(o.wheels);
  run.repair_all(o.wheels, clashes, util::thread_count(o.jobs));
  if (o.json) std::cout << json_text(nlohmann::json{{"schema_version", 1}, {"wheels", run.reports()}});
  return run.status();
}

}  // namespace wheelfix::cli
