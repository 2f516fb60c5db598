// `wheelfix build`: sources x interpreters -> pip wheel -> repair -> test.
#include "cli/build_cmd.hpp"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/build_process.hpp"
#include "cli/build_steps.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/repair_step.hpp"
#include "cli/show_render.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::cli {

namespace fs = std::filesystem;

namespace {

// The state of one run: results so far and where messages go.
struct BuildRun {
  BuildContext& ctx;
  std::string log_dir;  // with -q
  nlohmann::json reports = nlohmann::json::array();
  int status = kOk;
};

std::string slug(const std::string& path) {
  std::string base = fs::path(path).filename().string();
  if (base.empty()) base = fs::path(path).parent_path().filename().string();
  for (char& c : base)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  return base.empty() ? "source" : base;
}

std::string job_name(const BuildJob& job) {
  return (job.requirements ? "-r " : "") + job.source + " with " + job.python;
}

// Builds, places and tests one job; records its report.
void run_job(BuildRun& run, const BuildJob& job, std::size_t number) {
  const auto& opts = run.ctx.opts;
  nlohmann::json report = {{"source", job.source}, {"requirements", job.requirements}, {"python", job.python}};
  nlohmann::json wheels = nlohmann::json::array();
  ToolOutput out;
  out.stdout_to_stderr = opts.json;
  if (!run.log_dir.empty()) {
    out.log_file = run.log_dir + "/" + std::to_string(number) + "-" + slug(job.source) + "-" + slug(job.python) + ".log";
    fs::remove(out.log_file);
  }
  auto fail = [&](const std::string& why) {
    std::string msg = "build: " + job_name(job) + ": " + why;
    if (!out.log_file.empty()) msg += " (log: " + out.log_file + ")";
    print_error(msg);
    report["ok"] = false;
    report["error"] = msg;
    if (!out.log_file.empty()) report["log"] = out.log_file;
    run.status = kFailure;
  };
  auto scratch = make_temp_dir("wheelfix-build-");
  if (!scratch) return fail(scratch.error().message);
  bool ok = true;
  auto built = pip_wheel(run.ctx, job, *scratch + "/dist", out);
  if (!built) {
    ok = false;
    fail(built.error().message);
  }
  for (std::size_t i = 0; ok && i < built->size(); ++i) {
    auto placed = place_wheel(run.ctx, (*built)[i]);
    if (!placed) {
      ok = false;
      fail(placed.error().message);
      break;
    }
    for (const auto& w : placed->warnings) print_warning(w);
    nlohmann::json entry = {{"input", fs::path(placed->input).filename().string()}, {"output", placed->output},
                            {"action", placed->action}, {"tag", placed->tag}, {"vendored", placed->vendored}};
    if (opts.test_command) {
      auto tested = test_wheel(run.ctx, job, fs::absolute(placed->output).string(),
                               *scratch + "/test-" + std::to_string(i), out);
      entry["test"] = tested ? "passed" : "failed";
      if (!tested) {
        ok = false;
        fail(fs::path(placed->output).filename().string() + ": " + tested.error().message);
      }
    }
    if (!opts.json && !opts.quiet) std::cout << placed->action << ": " << util::printable(placed->output) << "\n";
    wheels.push_back(entry);
  }
  report["wheels"] = wheels;
  if (ok) {
    report["ok"] = true;
    if (!out.log_file.empty()) fs::remove(out.log_file);
  }
  std::error_code ec;
  fs::remove_all(*scratch, ec);
  run.reports.push_back(report);
}

// Checks the sources before anything runs; false after printing the problem.
bool check_sources(const BuildCmdOptions& o) {
  if (o.sources.empty() && o.requirements.empty()) {
    print_error("build: give at least one project folder, sdist or -r requirements file");
    return false;
  }
  for (const auto& s : o.sources) {
    std::error_code ec;
    if (!fs::exists(s, ec)) {
      print_error("build: " + s + ": no such project folder or sdist");
      return false;
    }
  }
  for (const auto& r : o.requirements) {
    std::error_code ec;
    if (!fs::is_regular_file(r, ec)) {
      print_error("build: -r " + r + ": no such requirements file");
      return false;
    }
  }
  return true;
}

std::vector<BuildJob> make_jobs(const BuildCmdOptions& o) {
  std::vector<std::string> pythons = o.pythons.empty() ? std::vector<std::string>{"python3"} : o.pythons;
  std::vector<BuildJob> jobs;
  for (const auto& py : pythons) {
    for (const auto& s : o.sources) jobs.push_back({s, false, py});
    for (const auto& r : o.requirements) jobs.push_back({r, true, py});
  }
  return jobs;
}

}  // namespace

CLI::App* add_build_command(CLI::App& app, BuildCmdOptions& o) {
  auto* cmd = app.add_subcommand("build", "Build wheels from source with pip, repair them into a wheelhouse, test them");
  cmd->add_option("sources", o.sources, "Project folders or sdists");
  cmd->add_option("-r,--requirement", o.requirements, "Requirements file, built with `pip wheel --no-deps -r`")->allow_extra_args(false);
  cmd->add_option("--python", o.pythons, "Interpreter to build with (repeatable; default python3)")->allow_extra_args(false);
  cmd->add_option("-w,--wheel-dir", o.wheel_dir, "The wheelhouse: output folder")->required();
  cmd->add_flag("--no-repair", o.no_repair, "Copy pip's wheels into the wheelhouse as they are");
  cmd->add_option("--test-command", o.test_command,
                  "Shell command run in a fresh venv holding the wheel ({project}, {package}, {wheel})");
  cmd->add_option("--test-requires", o.test_requires,
                  "Packages (blank-separated, repeatable) installed for the test, from the wheelhouse")
      ->allow_extra_args(false);
  cmd->add_flag("--no-build-isolation", o.no_build_isolation, "Passed to pip wheel");
  cmd->add_option("-i,--index-url", o.pip.index_url, "Passed to pip wheel");
  cmd->add_option("--extra-index-url", o.pip.extra_index_urls, "Passed to pip wheel (repeatable)")->allow_extra_args(false);
  cmd->add_option("-f,--find-links", o.pip.find_links, "Passed to pip wheel (repeatable)")->allow_extra_args(false);
  cmd->add_flag("--no-index", o.pip.no_index, "Passed to pip wheel");
  cmd->add_option("--no-binary", o.pip.no_binary,
                  "Passed to pip wheel (repeatable): ':all:' builds every requirement from its sdist")
      ->allow_extra_args(false);
  cmd->add_option("--only-binary", o.pip.only_binary, "Passed to pip wheel after --no-binary (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--plat", o.repair.plat, "Repair target policy or tag (a floor unless --only-plat)");
  cmd->add_flag("--only-plat", o.repair.only_plat, "Tag exactly --plat, not a better policy");
  cmd->add_option("--exclude", o.repair.exclude, "SONAME glob never vendored (repeatable)")->allow_extra_args(false);
  cmd->add_flag("--disable-isa-ext-check", o.repair.no_isa_check,
                "Do not hold x86-64-v2/v3/v4 instruction use against a tag");
  cmd->add_option("-z,--zip-compression-level", o.repair.level, "Deflate level 0-9 of rewritten members")
      ->check(CLI::Range(0, 9));
  cmd->add_option("-j,--jobs", o.repair.jobs, "Compression threads of repair (default: all cores)");
  cmd->add_option("--policy-file", o.repair.policy_files, "Policy JSON file(s) replacing the installed ones")->allow_extra_args(false);
  add_abi3_options(*cmd, o.repair);
  add_search_options(*cmd, o.repair.search);
  cmd->add_flag("--json", o.json, "One JSON report on stdout (tool output goes to stderr)");
  cmd->add_flag("-q,--quiet", o.quiet, "Log tool output to DIR/.wheelfix-logs/ instead of showing it");
  cmd->add_flag("-v,--verbose", o.verbose, "Pass -v to pip");
  return cmd;
}

int run_build(BuildCmdOptions& o) {
  if (!check_sources(o)) return kUsage;
  auto policies = load_policy_set(o.repair.policy_files);
  if (!policies) {
    print_error(policies.error().message);
    return kUsage;
  }
  o.repair.wheel_dir = o.wheel_dir;
  auto repair_opts = make_repair_options(o.repair, *policies);
  if (!repair_opts) {
    print_error(repair_opts.error().message);
    return kUsage;
  }
  auto analyze_opts = make_analyze_options(o.repair.search, o.repair.exclude, !o.repair.no_isa_check);
  analyze_opts.threads = o.repair.jobs;  // -j bounds the analysis too, as in repair
  BuildContext ctx{o, *policies, std::move(analyze_opts), std::move(*repair_opts)};
  BuildRun run{ctx, {}};
  std::error_code ec;
  fs::create_directories(o.wheel_dir, ec);
  if (!ec && o.quiet) {
    run.log_dir = (fs::path(o.wheel_dir) / ".wheelfix-logs").string();
    fs::create_directories(run.log_dir, ec);
  }
  if (ec) {
    print_error(o.wheel_dir + ": cannot create the output folder: " + ec.message());
    return kFailure;
  }
  auto jobs = make_jobs(o);
  bool tty = ::isatty(2);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!o.quiet || tty)
      std::cerr << (o.quiet ? "\r\033[K" : "") << "wheelfix build [" << i + 1 << "/" << jobs.size() << "] "
                << util::printable(job_name(jobs[i])) << (o.quiet ? "" : "\n") << std::flush;
    run_job(run, jobs[i], i + 1);
  }
  if (o.quiet && tty) std::cerr << "\r\033[K" << std::flush;
  if (!run.log_dir.empty()) fs::remove(run.log_dir, ec);  // only when empty: logs of failures stay
  if (o.json) std::cout << json_text(nlohmann::json{{"schema_version", 1}, {"builds", run.reports}});
  return run.status;
}

}  // namespace wheelfix::cli
