// The steps of `wheelfix build` for one job: pip wheel, repair or copy into
// the wheelhouse, test in a fresh venv. Used by build_cmd.cpp only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/build_cmd.hpp"
#include "wheelfix/policy/policy.hpp"
#include "wheelfix/repair/analyze.hpp"
#include "wheelfix/repair/repair.hpp"
#include "wheelfix/util/result.hpp"

namespace wheelfix::cli {

// What every step of a run needs.
struct BuildContext {
  const BuildCmdOptions& opts;
  const policy::PolicySet& policies;
  repair::AnalyzeOptions analyze;
  repair::RepairOptions repair;  // output_dir = the wheelhouse
};

// Where one job's tool output goes.
struct ToolOutput {
  std::string log_file;        // "" = the terminal
  bool stdout_to_stderr = false;
};

// A wheel placed in the wheelhouse.
struct PlacedWheel {
  std::string input;   // pip's wheel
  std::string output;  // the file in the wheelhouse
  std::string action;  // "repaired", "copied" (pure or already compatible), "unrepaired" (--no-repair)
  std::string tag;     // platform tag(s) of the output
  nlohmann::json vendored = nlohmann::json::array();
  std::vector<std::string> warnings;
};

// Runs `PY -m pip wheel --no-deps -w OUT ...` for the job. Returns the
// wheels pip wrote, sorted. Fails with "pip wheel failed (exit N)" or
// "pip wheel wrote no wheel" or when the interpreter cannot be started.
util::Result<std::vector<std::string>> pip_wheel(const BuildContext& ctx, const BuildJob& job,
                                                 const std::string& out_dir, const ToolOutput& out);

// Puts one built wheel into the wheelhouse: copied unchanged when pure or
// already compatible (or with --no-repair), else repaired. Fails with the
// analysis or repair error (which names the wheel).
util::Result<PlacedWheel> place_wheel(const BuildContext& ctx, const std::string& wheel);

// Creates a venv in `scratch` with the job's interpreter, installs `wheel`
// (and --test-requires) from the wheelhouse only, and runs the test command
// there without LD_LIBRARY_PATH. Fails naming the step that failed.
util::Status test_wheel(const BuildContext& ctx, const BuildJob& job, const std::string& wheel,
                        const std::string& scratch, const ToolOutput& out);

// `command` with {project}, {package} and {wheel} replaced.
std::string expand_test_command(const std::string& command, const std::string& project, const std::string& wheel);

}  // namespace wheelfix::cli
