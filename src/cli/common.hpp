// Helpers shared by the commands that read wheels.
#pragma once

#include <string>
#include <vector>

#include "cli/subcommands.hpp"
#include "wheelfix/policy/policy.hpp"
#include "wheelfix/repair/analyze.hpp"

namespace wheelfix::cli {

// Loads `files`, or the installed policy files when empty. Fails when none
// can be found or one is malformed.
util::Result<policy::PolicySet> load_policy_set(const std::vector<std::string>& files);

// Loader configuration from --root/--ldpaths and LD_LIBRARY_PATH, plus the
// --exclude globs.
repair::AnalyzeOptions make_analyze_options(const SearchOptions& search, const std::vector<std::string>& exclude);

// Opens and validates a wheel, then analyzes it. Errors name the wheel.
util::Result<repair::Analysis> open_and_analyze(const std::string& path, const policy::PolicySet& policies,
                                                const repair::AnalyzeOptions& options);

}  // namespace wheelfix::cli
