#include "cli/build_steps.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "cli/build_process.hpp"
#include "cli/repair_step.hpp"
#include "wheelfix/util/strings.hpp"
#include "wheelfix/wheel/wheel.hpp"

namespace wheelfix::cli {

namespace fs = std::filesystem;

namespace {

// Variables that would let the build machine's setup leak into the test.
const std::vector<std::string> kIsolatedVars = {"LD_LIBRARY_PATH", "LD_PRELOAD", "PYTHONPATH", "PYTHONHOME",
                                                "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV"};

// Makes `spec` (venv creation or the test install) blind to pip's settings
// from outside: no PIP_* variable (PIP_FIND_LINKS, PIP_INDEX_URL, ...) and
// no configuration file (PIP_CONFIG_FILE=/dev/null makes pip skip the
// global, user and site files; --isolated, added by the caller to pip's
// own command lines, skips the environment and user file again).
void isolate_from_pip_settings(RunSpec& spec) {
  spec.unset = kIsolatedVars;
  spec.unset_prefixes = {"PIP_"};
  spec.set = {{"PIP_CONFIG_FILE", "/dev/null"}};
}

RunSpec spec_for(std::vector<std::string> argv, const ToolOutput& out) {
  RunSpec s;
  s.argv = std::move(argv);
  s.log_file = out.log_file;
  s.stdout_to_stderr = out.stdout_to_stderr;
  s.set.emplace_back("PIP_DISABLE_PIP_VERSION_CHECK", "1");
  return s;
}

// Runs the spec; fails with "<what> failed (exit N)" unless it exits 0.
util::Status run_step(const RunSpec& spec, const std::string& what) {
  WF_TRY(int rc, run_program(spec));
  if (rc != 0) return util::make_error(what, " failed (exit ", std::to_string(rc), "): ", describe_command(spec.argv));
  return {};
}

void add_index_options(std::vector<std::string>& argv, const PipIndexOptions& pip) {
  if (pip.index_url) argv.insert(argv.end(), {"--index-url", *pip.index_url});
  for (const auto& u : pip.extra_index_urls) argv.insert(argv.end(), {"--extra-index-url", u});
  for (const auto& f : pip.find_links) argv.insert(argv.end(), {"--find-links", f});
  if (pip.no_index) argv.push_back("--no-index");
  for (const auto& v : pip.no_binary) argv.insert(argv.end(), {"--no-binary", v});
  for (const auto& v : pip.only_binary) argv.insert(argv.end(), {"--only-binary", v});
}

std::vector<std::string> wheels_in(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".whl") out.push_back(it->path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

}  // namespace

util::Result<std::vector<std::string>> pip_wheel(const BuildContext& ctx, const BuildJob& job,
                                                 const std::string& out_dir, const ToolOutput& out) {
  std::vector<std::string> argv = {job.python, "-m", "pip", "wheel", "--no-deps", "-w", out_dir};
  if (ctx.opts.verbose) argv.push_back("-v");
  if (ctx.opts.no_build_isolation) argv.push_back("--no-build-isolation");
  add_index_options(argv, ctx.opts.pip);
  if (job.requirements) {
    argv.insert(argv.end(), {"-r", job.source});
  } else {
    argv.push_back(fs::absolute(job.source).lexically_normal().string());
  }
  WF_CHECK(run_step(spec_for(argv, out), "pip wheel"));
  auto wheels = wheels_in(out_dir);
  if (wheels.empty()) return util::make_error("pip wheel wrote no wheel into ", out_dir);
  return wheels;
}

util::Result<PlacedWheel> place_wheel(const BuildContext& ctx, const std::string& path) {
  PlacedWheel placed;
  placed.input = path;
  const std::string& dir = ctx.repair.output_dir;
  auto copy = [&](const char* action, std::string tag) -> util::Result<PlacedWheel> {
    WF_CHECK(copy_wheel_unchanged(path, dir));
    placed.action = action;
    placed.output = (fs::path(dir) / fs::path(path).filename()).string();
    placed.tag = std::move(tag);
    return placed;
  };
  WF_TRY(auto whl, wheel::Wheel::open(path));
  std::string current_tag = util::join(whl.filename().platform_tags, ".");
  if (ctx.opts.no_repair) return copy("unrepaired", current_tag);
  WF_TRY(auto analysis, repair::analyze_wheel(whl.zip(), ctx.policies, ctx.analyze));
  if (already_compatible(whl.filename(), analysis, ctx.policies, ctx.repair.stable_abi.get()))
    return copy("copied", current_tag);
  WF_TRY(auto report, repair::repair_wheel(whl, analysis, ctx.policies, ctx.repair));
  placed.action = "repaired";
  placed.output = report.output;
  placed.tag = report.platform_tag;
  placed.vendored = repair_report_json(report, 0)["vendored"];
  placed.warnings = report.warnings;
  return placed;
}

std::string expand_test_command(const std::string& command, const std::string& project, const std::string& wheel) {
  std::string s = replace_all(command, "{project}", project);
  s = replace_all(s, "{package}", project);
  return replace_all(s, "{wheel}", wheel);
}

util::Status test_wheel(const BuildContext& ctx, const BuildJob& job, const std::string& wheel,
                        const std::string& scratch, const ToolOutput& out) {
  std::string venv = scratch + "/venv";
  std::string cwd = scratch + "/cwd";
  std::error_code ec;
  fs::create_directories(cwd, ec);
  if (ec) return util::make_error(cwd, ": ", ec.message());

  RunSpec make_venv = spec_for({job.python, "-m", "venv", venv}, out);
  isolate_from_pip_settings(make_venv);
  WF_CHECK(run_step(make_venv, "creating the test venv"));

  std::string house = fs::absolute(ctx.repair.output_dir).string();
  std::vector<std::string> install = {venv + "/bin/python", "-m", "pip", "--isolated", "--disable-pip-version-check",
                                      "install", "--no-index", "--find-links", house, wheel};
  for (const auto& group : ctx.opts.test_requires)
    for (const auto& req : util::split(group, ' '))
      if (!util::trim(req).empty()) install.push_back(std::string(util::trim(req)));
  RunSpec pip = spec_for(install, out);
  isolate_from_pip_settings(pip);
  pip.cwd = cwd;
  WF_CHECK(run_step(pip, "installing the wheel into the test venv"));

  fs::path project = fs::absolute(job.source).lexically_normal();
  if (job.requirements) project = project.parent_path();
  std::string command = expand_test_command(*ctx.opts.test_command, project.string(), wheel);
  RunSpec test = spec_for({"/bin/sh", "-c", command}, out);
  test.unset = kIsolatedVars;
  const char* path = std::getenv("PATH");
  test.set.emplace_back("PATH", venv + "/bin" + (path && *path ? std::string(":") + path : std::string()));
  test.set.emplace_back("VIRTUAL_ENV", venv);
  test.cwd = cwd;
  return run_step(test, "the test command");
}

}  // namespace wheelfix::cli
