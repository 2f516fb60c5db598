// The repair plan: which policy, which libraries to graft under which names,
// and the one edit plan per ELF file. Computed before anything is written,
// so a caller can show it (repair -v) and then apply the same plan.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "wheelfix/elf/rewriter.hpp"
#include "wheelfix/policy/abi3.hpp"
#include "wheelfix/repair/repair.hpp"

namespace wheelfix::repair {

struct GraftPlan {
  int object = -1;       // graph object
  VendoredLib lib;       // names, source, size, hash
  elf::EditPlan edits;   // soname, needed renames, RPATH $ORIGIN
  bool executable = false;
};

struct FilePlan {
  std::string member;        // where the (edited) file goes in the output
  elf::EditPlan edits;
  bool moved_script = false; // an ELF from .data/scripts moved beside the libraries
};

struct RepairPlan {
  const policy::Policy* target = nullptr;  // points into `target_set`
  policy::PolicySet target_set;            // the target policy alone
  std::string libs_dir;                    // "<dist>.libs"
  std::vector<GraftPlan> grafts;
  std::map<std::string, FilePlan> files;   // by original member name; only files that change
  std::map<std::string, std::string> launchers;  // .data/scripts member -> launcher text
  std::vector<std::string> platform_tags;  // filename platform set after retagging
  std::vector<std::string> python_tags;    // filename python set (raised by --abi3-lower-bound)
  policy::Abi3Check abi3;                  // the abi3 check of the input (applies=false: none)
  std::vector<std::string> warnings;
};

// Decides everything a repair will do. Reads the libraries to graft (to hash
// them); writes nothing. Fails with "<wheel>: <why>".
util::Result<RepairPlan> make_repair_plan(const wheel::Wheel& wheel, const Analysis& analysis,
                                          const policy::PolicySet& policies, const RepairOptions& options);

// The path of the wheel `plan` produces: options.output_dir, '/', and the
// input's file name with the plan's platform tags.
std::string output_path(const wheel::Wheel& wheel, const RepairPlan& plan, const RepairOptions& options);

// Writes the wheel that `plan` (from make_repair_plan for this wheel,
// analysis and options) describes into options.output_dir, as repair_wheel
// does. Fails, writing nothing, with "<wheel>: <why>".
util::Result<RepairReport> apply_repair_plan(const wheel::Wheel& wheel, const Analysis& analysis,
                                             const RepairPlan& plan, const RepairOptions& options);

}  // namespace wheelfix::repair
