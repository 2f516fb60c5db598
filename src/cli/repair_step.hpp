// Pieces of `repair` shared by the commands that repair wheels (`repair`,
// `build` and the `auditwheel repair` name).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "wheelfix/repair/plan.hpp"
#include "wheelfix/policy/abi3.hpp"
#include "wheelfix/policy/policy.hpp"
#include "wheelfix/repair/analyze.hpp"
#include "wheelfix/repair/repair.hpp"
#include "wheelfix/util/result.hpp"

namespace wheelfix::cli {

// The library options of a repair from the command line and the environment:
// --plat, else $WHEELFIX_PLAT, else $AUDITWHEEL_PLAT ("auto" = best);
// SOURCE_DATE_EPOCH (clamped to 1980); the Stable ABI data and the abi3
// flags. Fails (a usage error) on an unknown platform, a malformed
// SOURCE_DATE_EPOCH or unreadable Stable ABI data.
util::Result<repair::RepairOptions> make_repair_options(const RepairCmdOptions& o, const policy::PolicySet& policies);

// Registers --abi3-lower-bound and --abi3-warn (repair, build).
void add_abi3_options(CLI::App& cmd, RepairCmdOptions& o);
// Registers --cache-dir, --no-cache and --cache-max-mb.
void add_cache_options(CLI::App& cmd, RepairCmdOptions& o);

// One wheel's `--json` report entry (schema_version 1, docs/json-schema.md);
// `python_tag` is the python tag set written (raised by --abi3-lower-bound).
nlohmann::json repair_report_json(const repair::RepairReport& r, double seconds);

// A policy a repair aims at but the analysis shows it cannot reach.
struct UnreachedPolicy {
  std::string policy;                   // its name
  std::vector<policy::Reason> reasons;  // why, as `show` lists them
};

// The policy a repair with `o` would refuse to repair to, chosen as the
// repair chooses it: --plat when given, else the best policy (when none is
// reached: the last one evaluated, the newest). nullopt when the target is
// reached, unknown, or no policy applies to the wheel at all.
std::optional<UnreachedPolicy> unreached_policy(const repair::Analysis& a, const policy::PolicySet& policies,
                                                const repair::RepairOptions& o);

// The `--json` entry of a wheel that failed: input, ok false, error (as on
// stderr), seconds, pure (refused as a pure-Python wheel), unreached_policy
// (string or null) and its reasons (empty unless a policy was unreachable),
// abi3_problems (the abi3 check's problems, empty when it passed or was not run).
nlohmann::json repair_failure_json(const std::string& input, const std::string& error, double seconds,
                                   const std::optional<UnreachedPolicy>& unreached, bool pure = false,
                                   const std::vector<policy::Abi3Problem>& abi3_problems = {});

// The `--json` entry of a pure-Python wheel copied unchanged to `output`
// (--allow-pure-python-wheel): ok, pure and copied true, `tag` and
// `python_tag` the platform and python tags of its file name, policy null,
// nothing vendored.
nlohmann::json pure_copy_json(const std::string& input, const std::string& output, const std::string& tag,
                              const std::string& python_tag, double seconds);

// The edits of one ELF file, one line each ("set DT_SONAME x", "replace
// DT_NEEDED a -> b", "remove DT_NEEDED x", "set DT_RPATH p", ...), in the
// order the rewriter applies them; empty when there are none.
std::vector<std::string> describe_edits(const elf::EditPlan& edits);

// `repair -v`'s view of a plan, one line each, indented by two spaces per
// level: the target and tag, each vendored library (source -> member) and
// its edits, each in-wheel file edited or moved and its edits.
std::vector<std::string> describe_plan(const repair::RepairPlan& plan, bool strip);

// Copies `wheel` byte for byte into folder `dir` (atomically, same name).
util::Status copy_wheel_unchanged(const std::string& wheel, const std::string& dir);

// True when the wheel may go to a wheelhouse as it is: no ELF file (pure),
// or every platform tag of its file name is a manylinux/musllinux tag whose
// policy the analysis reaches with nothing left to graft, and (with
// `stable_abi`) an abi3 tag holds.
bool already_compatible(const wheel::WheelFilename& name, const repair::Analysis& analysis,
                        const policy::PolicySet& policies, const policy::StableAbi* stable_abi = nullptr);

}  // namespace wheelfix::cli
