// Running helper programs (dpkg-query, strip) without a shell.
#pragma once

#include <string>
#include <vector>

#include "wheelfix/util/result.hpp"

namespace wheelfix::util {

// What a finished program returned.
struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;     // standard output (standard error is discarded)
};

// Runs argv[0] (looked up in PATH) with `argv`, capturing standard output.
// Fails only when the program cannot be started ("<argv0>: <strerror>");
// a non-zero exit is reported in ProcessResult::exit_code.
Result<ProcessResult> run_process(const std::vector<std::string>& argv);

// True when `name` is an executable found in PATH.
bool program_exists(const std::string& name);

}  // namespace wheelfix::util
