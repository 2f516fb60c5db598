// Child processes of `wheelfix build` (pip, venv, the test command): run
// with an edited environment, output shown or appended to a log file.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "wheelfix/util/result.hpp"

namespace wheelfix::cli {

// How to run one program.
struct RunSpec {
  std::vector<std::string> argv;     // argv[0] is looked up in PATH
  std::vector<std::string> unset;    // environment variables removed
  std::vector<std::string> unset_prefixes;  // and every variable whose name starts with one of these
  std::vector<std::pair<std::string, std::string>> set;  // added or replaced
  std::string cwd;                   // "" = ours
  std::string log_file;              // "" = inherit; else stdout+stderr appended here
  bool stdout_to_stderr = false;     // when inheriting: keep our stdout clean (--json)
};

// Runs the program and waits. Returns its exit status (128 + signal number
// when killed). Fails only when it cannot be started or the log file cannot
// be opened ("<argv0>: <strerror>", "<log>: <strerror>").
util::Result<int> run_program(const RunSpec& spec);

// The program's command line for messages, words with blanks quoted.
std::string describe_command(const std::vector<std::string>& argv);

// A new private folder "<$TMPDIR or /tmp>/<prefix>XXXXXX". Fails with the
// folder and strerror.
util::Result<std::string> make_temp_dir(const std::string& prefix);

}  // namespace wheelfix::cli
