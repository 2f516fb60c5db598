// Helpers shared by the commands that read wheels.
#pragma once

#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "wheelfix/policy/policy.hpp"
#include "wheelfix/repair/analyze.hpp"
#include "wheelfix/wheel/wheel.hpp"

namespace wheelfix::cli {

// Loads `files`, or the installed policy files when empty. Fails when none
// can be found or one is malformed.
util::Result<policy::PolicySet> load_policy_set(const std::vector<std::string>& files);

// The library search path from the environment: AUDITWHEEL_LD_LIBRARY_PATH
// (searched first, as auditwheel's lddtree does) then LD_LIBRARY_PATH;
// nullopt when neither is set.
std::optional<std::string> library_path_from_env();

// Loader configuration from --root/--ldpaths and LD_LIBRARY_PATH, plus the
// --exclude globs and whether x86-64 ISA levels count (--disable-isa-ext-check).
repair::AnalyzeOptions make_analyze_options(const SearchOptions& search, const std::vector<std::string>& exclude,
                                            bool check_isa = true);

// A wheel opened and validated like `repair` does, and its analysis.
struct AnalyzedWheel {
  wheel::Wheel wheel;
  repair::Analysis analysis;
};

// Opens and validates a wheel (wheel::Wheel::open: file name, archive,
// .dist-info, WHEEL, METADATA, RECORD), then analyzes it. Errors name the
// wheel.
util::Result<AnalyzedWheel> open_and_analyze(const std::string& path, const policy::PolicySet& policies,
                                             const repair::AnalyzeOptions& options);

// RECORD's disagreements with the archive that the central directory shows
// without inflating anything: members not listed, rows naming no member,
// rows listed twice, sizes that differ. Hashes are not checked (that needs
// every member inflated; `repair` checks them). Each item is "<member>:
// <problem>": rows listed twice, then members in archive order, then rows
// naming no member (sorted).
std::vector<std::string> record_listing_problems(const wheel::Wheel& whl);

// record_listing_problems() as one warning naming the wheel (at most
// `max_items` items, then "and N more"), or "" when RECORD agrees.
std::string record_warning(const wheel::Wheel& whl, std::size_t max_items = 5);

// The status of a command over several wheels, given the status so far and
// one wheel's: any kFailure wins, then kPurePython, then kOk.
int combine_status(int so_far, int wheel_status);

}  // namespace wheelfix::cli
