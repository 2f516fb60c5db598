// Pieces of `repair` shared by the commands that repair wheels (`repair`,
// `build` and the `auditwheel repair` name).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cli/subcommands.hpp"
#include "wheelfix/policy/policy.hpp"
#include "wheelfix/repair/analyze.hpp"
#include "wheelfix/repair/repair.hpp"
#include "wheelfix/util/result.hpp"

namespace wheelfix::cli {

// The library options of a repair from the command line and the environment:
// --plat, else $WHEELFIX_PLAT, else $AUDITWHEEL_PLAT ("auto" = best);
// SOURCE_DATE_EPOCH (clamped to 1980). Fails (a usage error) on an unknown
// platform or a malformed SOURCE_DATE_EPOCH.
util::Result<repair::RepairOptions> make_repair_options(const RepairCmdOptions& o, const policy::PolicySet& policies);

// One wheel's `--json` report entry (schema_version 1, docs/json-schema.md).
nlohmann::json repair_report_json(const repair::RepairReport& r, double seconds);

// Copies `wheel` byte for byte into folder `dir` (atomically, same name).
util::Status copy_wheel_unchanged(const std::string& wheel, const std::string& dir);

// True when the wheel may go to a wheelhouse as it is: no ELF file (pure),
// or every platform tag of its file name is a manylinux/musllinux tag whose
// policy the analysis reaches with nothing left to graft.
bool already_compatible(const wheel::WheelFilename& name, const repair::Analysis& analysis,
                        const policy::PolicySet& policies);

}  // namespace wheelfix::cli
