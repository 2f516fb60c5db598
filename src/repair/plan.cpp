#include "wheelfix/repair/plan.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "wheelfix/policy/claimed_tags.hpp"
#include "wheelfix/util/hash.hpp"
#include "wheelfix/util/mapped_file.hpp"
#include "wheelfix/util/strings.hpp"

namespace wheelfix::repair {

namespace {

const policy::PolicyResult* result_for(const policy::Evaluation& e, const policy::Policy& p) {
  for (const auto& r : e.results)
    if (r.policy && r.policy->name == p.name) return &r;
  return nullptr;
}

std::string reasons_text(const policy::PolicyResult& r) {
  std::string s;
  for (const auto& reason : r.reasons) s += "\n  - " + reason.describe();
  return s;
}

// Picks the policy to repair to, from --plat / --only-plat and the analysis.
util::Result<const policy::Policy*> choose_target(const Analysis& a, const policy::PolicySet& policies,
                                                  const RepairOptions& o) {
  const auto& e = a.eval;
  std::string wheel = a.wheel_path;
  if (e.arch == elf::Arch::unknown && !e.results.empty()) {
    std::string why;
    for (const auto& r : e.results.front().reasons)
      if (r.kind == policy::ReasonKind::arch) why += "\n  - " + r.describe();
    return util::make_error(wheel, ": no platform tag exists for this wheel:", why);
  }
  if (o.plat) {
    auto wanted = policy::arch_of_tag(*o.plat);
    if (wanted && *wanted != e.arch)
      return util::make_error(wheel, ": --plat ", *o.plat, " is for ", elf::arch_name(*wanted), ", but this wheel is ",
                              elf::arch_name(e.arch));
  }
  if (!o.plat) {
    if (e.best) return e.best;
    if (e.results.empty()) return util::make_error(wheel, ": no policy applies to ", elf::arch_name(e.arch));
    const auto& last = e.results.back();
    return util::make_error(wheel, ": cannot be repaired to any policy; even ", last.policy->name, " fails:",
                            reasons_text(last));
  }
  const policy::Policy* p = policies.find(*o.plat);
  if (!p || p->is_fallback()) return util::make_error("unknown platform policy '", *o.plat, "'");
  const auto* r = result_for(e, *p);
  if (!r)
    return util::make_error(wheel, ": ", p->name, " does not apply to this wheel (", elf::arch_name(e.arch), ", ",
                            policy::libc_name(e.libc), ")");
  if (!r->ok) return util::make_error(wheel, ": cannot be repaired to ", p->name, ":", reasons_text(*r));
  if (o.only_plat || !e.best) return p;
  return e.best->priority >= p->priority ? e.best : p;
}

// RPATH entries of `member` that stay inside the wheel, in order.
std::vector<std::string> inside_entries(const std::string& member, const std::optional<std::string>& path) {
  std::vector<std::string> keep;
  if (!path) return keep;
  std::string dir = std::filesystem::path(member).parent_path().string();
  for (const auto& entry : util::split(*path, ':'))
    if (origin_entry_folder(dir, entry)) keep.push_back(entry);
  return keep;
}

// Appends `entry` to `entries` unless it is there already.
void add_entry(std::vector<std::string>& entries, const std::string& entry) {
  if (std::find(entries.begin(), entries.end(), entry) == entries.end()) entries.push_back(entry);
}

// The RPATH entries graph object `object`, placed in wheel folder
// `from_dir`, needs to reach the in-wheel libraries its own search path
// does not (Analysis::in_wheel), in DT_NEEDED order.
std::vector<std::string> in_wheel_entries(const Analysis& a, int object, const std::string& from_dir) {
  std::vector<std::string> entries;
  for (const auto& link : a.in_wheel) {
    if (link.object != object || !link.needs_rpath()) continue;
    const auto& provider = a.elves[static_cast<std::size_t>(link.provider)].member;
    add_entry(entries, origin_entry(from_dir, std::filesystem::path(provider).parent_path().string()));
  }
  return entries;
}

// Sets the search path of `info` to `entries` when that changes anything.
// `force` writes DT_RPATH (inherited by the libraries it loads, and not
// overridden by LD_LIBRARY_PATH); otherwise the existing tag is kept.
void set_rpath(elf::EditPlan& plan, const elf::ElfInfo& info, const std::vector<std::string>& entries,
               bool force) {
  const auto& existing = info.rpath ? info.rpath : info.runpath;
  bool is_rpath = info.rpath && !info.runpath;
  std::string joined = util::join(entries, ":");
  if (entries.empty()) {
    if (existing) plan.rpath_op = elf::RpathOp::remove;
    return;
  }
  if (existing && *existing == joined && (is_rpath || !force)) return;  // unchanged
  plan.rpath_op = elf::RpathOp::set;
  plan.rpath = joined;
  plan.force_rpath = force || is_rpath || !existing;
}

// The Python script that replaces an ELF program moved out of
// .data/scripts. Names are pasted as escaped literals (pure ASCII, one
// line), so no member name can end the string or the comment early.
std::string launcher_text(const std::string& dist, const std::string& target) {
  std::string target_literal = util::python_string_literal(target);
  return "#!python\n"
         "# Written by wheelfix repair: the ELF program lives beside the vendored\n"
         "# libraries (" + target_literal + ") so that its $ORIGIN RPATH finds them.\n"
         "import os\nimport sys\nfrom importlib.metadata import distribution\n\n"
         "exe = str(distribution(" + util::python_string_literal(dist) + ").locate_file(" + target_literal + "))\n"
         "os.execv(exe, [sys.argv[0]] + sys.argv[1:])\n";
}

bool is_data_script(const std::string& member) {
  auto slash = member.find('/');
  return slash != std::string::npos && member.substr(0, slash).ends_with(".data") &&
         member.compare(slash, 9, "/scripts/") == 0 && member.find('/', slash + 9) == std::string::npos;
}

// SHA-256 of a mapped file, in slices dropped from the resident set once
// hashed (a vendored library can be hundreds of MB).
std::string sha256_hex_released(const util::MappedFile& file) {
  constexpr std::size_t kSlice = 8u << 20;
  util::Sha256 sha;
  for (std::size_t off = 0; off < file.size(); off += kSlice) {
    auto slice = file.bytes().subspan(off, std::min(kSlice, file.size() - off));
    sha.update(slice);
    file.release(slice);
  }
  return util::to_hex(util::as_bytes(sha.finish()));
}

// Applies the abi3 check to the plan: problems are an error unless
// --abi3-lower-bound raises the python tag past the too-new ones and
// --abi3-warn turns what is left into warnings.
util::Status plan_abi3(const wheel::Wheel& wheel, const Analysis& a, const RepairOptions& o, RepairPlan& plan) {
  const auto& name = wheel.filename();
  plan.python_tags = name.python_tags;
  if (!o.stable_abi) return {};
  plan.abi3 = policy::check_abi3(a.graph, name.python_tags, name.abi_tags, *o.stable_abi);
  std::vector<const policy::Abi3Problem*> left;
  for (const auto& p : plan.abi3.problems)
    if (!(o.abi3_lower_bound && p.kind == policy::Abi3ProblemKind::too_new)) left.push_back(&p);
  if (o.abi3_lower_bound && plan.abi3.required && plan.abi3.required != plan.abi3.claimed) {
    plan.python_tags = policy::raise_python_tags(name.python_tags, *plan.abi3.required);
    plan.warnings.push_back("python tag " + util::join(name.python_tags, ".") + " raised to " +
                            util::join(plan.python_tags, ".") + " (--abi3-lower-bound): the ELF files import " +
                            "Stable ABI symbols added in " + plan.abi3.required->to_string());
  }
  if (left.empty()) return {};
  if (o.abi3_warn) {
    for (const auto* p : left) plan.warnings.push_back("abi3: " + p->describe());
    return {};
  }
  std::string why;
  for (const auto* p : left) why += "\n  - " + p->describe();
  std::string hint = "--abi3-warn writes it anyway";
  if (plan.abi3.has_not_stable())
    hint = "no abi3 tag can hold a symbol outside the Stable ABI; " + hint;
  else if (plan.abi3.required)
    hint = "--abi3-lower-bound retags it " + plan.abi3.required->cp_tag() + "-abi3; " + hint;
  std::string claim = plan.abi3.claimed ? plan.abi3.claimed->to_string() : "3";
  return util::make_error(a.wheel_path, ": its abi3 tag does not hold (", util::join(name.python_tags, "."),
                          "-abi3 claims CPython ", claim, " and later; ", hint, "):", why);
}

// Refuses a plan that would add a member the input already has (an input
// that already holds the vendored-library folder, e.g. repaired before):
// the error names the input and the member, before any output exists.
util::Status check_new_members(const wheel::Wheel& wheel, const RepairPlan& plan) {
  auto clash = [&](const std::string& member, const std::string& what) -> util::Status {
    if (!wheel.zip().find(member)) return {};
    return util::make_error(wheel.path(), ": already has a member ", util::printable(member), " where repair would put ",
                            what, " (was it repaired before? -L/--lib-sdir picks another folder)");
  };
  for (const auto& g : plan.grafts) WF_CHECK(clash(g.lib.member, "the vendored " + util::printable(g.lib.soname)));
  for (const auto& [member, fp] : plan.files)
    if (fp.moved_script) WF_CHECK(clash(fp.member, "the program " + util::printable(member)));
  return {};
}

// --patcher none: no ELF file is edited. Vendoring cannot work without
// renaming DT_NEEDED entries and setting RPATH, nor can a file reach a
// library the wheel ships without the RPATH entry repair would add, nor can
// a program be moved out of .data/scripts: all refused. The other edits
// (RPATH cleanup, libpython removal) are left out with a warning.
util::Status drop_elf_edits(const Analysis& a, RepairPlan& plan) {
  const std::string& wheel = a.wheel_path;
  if (!plan.grafts.empty()) {
    std::string libs;
    for (const auto& g : plan.grafts) libs += (libs.empty() ? "" : ", ") + g.lib.soname;
    return util::make_error(wheel, ": needs ", libs,
                            " vendored, which takes ELF edits (DT_NEEDED, RPATH); not possible with --patcher none");
  }
  for (const auto& link : a.in_wheel)
    if (link.needs_rpath() && link.object < static_cast<int>(a.elves.size()))
      return util::make_error(wheel, ": ", util::printable(a.elves[static_cast<std::size_t>(link.object)].member),
                              " reaches ", util::printable(a.elves[static_cast<std::size_t>(link.provider)].member),
                              " only through an RPATH entry repair would add; not possible with --patcher none");
  for (const auto& [member, fp] : plan.files) {
    if (fp.moved_script)
      return util::make_error(wheel, ": ", util::printable(member),
                              " would be moved out of .data/scripts, which takes ELF edits; not possible with "
                              "--patcher none");
    std::vector<std::string> what;
    for (const auto& n : fp.edits.remove_needed) what.push_back("remove DT_NEEDED " + n);
    if (fp.edits.rpath_op != elf::RpathOp::none) what.push_back("rewrite its RPATH");
    if (what.empty()) continue;
    plan.warnings.push_back(util::printable(member) + ": left unedited (--patcher none); a repair would " +
                            util::join(what, ", "));
  }
  plan.files.clear();
  return {};
}

}  // namespace

std::string output_path(const wheel::Wheel& wheel, const RepairPlan& plan, const RepairOptions& o) {
  wheel::WheelFilename name = wheel.filename();
  name.platform_tags = plan.platform_tags;
  if (!plan.python_tags.empty()) name.python_tags = plan.python_tags;
  return o.output_dir + "/" + name.to_string();
}

util::Result<RepairPlan> make_repair_plan(const wheel::Wheel& wheel, const Analysis& a,
                                          const policy::PolicySet& policies, const RepairOptions& o) {
  RepairPlan plan;
  // Retagging replaces only linux_* tags, so a name that already claims
  // what the binaries contradict would carry the claim into the output.
  auto claimed = policy::claimed_tag_problems(wheel.filename().platform_tags, a.eval, policies);
  if (!claimed.empty()) {
    std::string why;
    for (const auto& c : claimed) why += "\n  - " + c;
    return util::make_error(a.wheel_path, ": its file name claims tags its binaries contradict (repair only replaces "
                            "linux_* tags; rename the wheel to linux_<arch> first):", why);
  }
  WF_CHECK(plan_abi3(wheel, a, o, plan));
  WF_TRY(const policy::Policy* target, choose_target(a, policies, o));
  plan.target_set.policies = {*target};
  plan.target = &plan.target_set.policies[0];
  auto ev = policy::evaluate(a.graph, plan.target_set, a.eval_options);
  plan.libs_dir = wheel.filename().distribution + o.lib_sdir;
  plan.platform_tags = o.update_tags ? retag_platforms(wheel.filename().platform_tags, *plan.target, a.eval.arch)
                                     : wheel.filename().platform_tags;
  // A requested policy below the one reached is named too (auditwheel
  // always writes the --plat tag; tools look for it in the file name).
  const policy::Policy* requested = o.plat ? policies.find(*o.plat) : nullptr;
  if (o.update_tags && requested && requested->name != target->name) {
    std::set<std::string> tags(plan.platform_tags.begin(), plan.platform_tags.end());
    for (const auto& t : requested->platform_tags(a.eval.arch)) tags.insert(t);
    plan.platform_tags.assign(tags.begin(), tags.end());
  }
  plan.warnings.insert(plan.warnings.begin(), a.warnings.begin(), a.warnings.end());  // plan_abi3's stay

  // Graft: hash each library for its new name.
  std::map<int, std::string> new_names;  // graph object -> hashed soname
  for (const auto& g : ev.grafted) {
    GraftPlan gp;
    gp.object = g.object;
    gp.lib.soname = g.name;
    gp.lib.source_path = a.host_paths[g.object];
    WF_TRY(auto file, util::MappedFile::open(gp.lib.source_path));
    gp.lib.size = file.size();
    gp.lib.sha256 = sha256_hex_released(file);
    std::string name = hashed_name(g.name, gp.lib.sha256);
    gp.lib.member = plan.libs_dir + "/" + name;
    gp.executable = (std::filesystem::status(gp.lib.source_path).permissions() &
                     std::filesystem::perms::owner_exec) != std::filesystem::perms::none;
    new_names[g.object] = name;
    plan.grafts.push_back(std::move(gp));
  }
  for (auto& gp : plan.grafts) {
    WF_TRY(auto info, elf::parse_file(gp.lib.source_path, elf::ParseOptions{.symbols = false}));
    gp.edits.soname = new_names[gp.object];
    bool needs_graft = false;
    for (const auto& d : a.graph.objects[gp.object].deps) {
      auto it = new_names.find(d.target);
      if (d.target >= 0 && it != new_names.end()) {
        gp.edits.replace_needed.emplace_back(d.name, it->second);
        needs_graft = true;
      }
    }
    std::vector<std::string> entries;
    if (needs_graft) entries.push_back("$ORIGIN");
    for (const auto& e : in_wheel_entries(a, gp.object, plan.libs_dir)) add_entry(entries, e);
    set_rpath(gp.edits, info, entries, true);
  }

  // In-wheel ELF files: rename needed libraries, drop libpython, fix RPATH.
  for (std::size_t i = 0; i < a.elves.size(); ++i) {
    const auto& el = a.elves[i];
    FilePlan fp;
    fp.member = el.member;
    bool needs_graft = false;
    for (const auto& d : a.graph.objects[i].deps) {
      if (policy::is_libpython(d.name)) {
        fp.edits.remove_needed.push_back(d.name);
        plan.warnings.push_back(util::printable(el.member) + " links " + util::printable(d.name) +
                                ": removed (the interpreter provides it)");
        continue;
      }
      auto it = new_names.find(d.target);
      if (d.target >= 0 && it != new_names.end()) {
        fp.edits.replace_needed.emplace_back(d.name, it->second);
        needs_graft = true;
      }
    }
    int object = static_cast<int>(i);
    bool reach = !in_wheel_entries(a, object, "").empty();  // in-wheel libraries to reach
    if ((needs_graft || reach) && is_data_script(el.member)) {
      // Scripts are installed into the environment's bin/, away from the
      // wheel's folders: the program moves beside the vendored libraries.
      std::string name = std::filesystem::path(el.member).filename().string();
      fp.member = plan.libs_dir + "/bin/" + name;
      fp.moved_script = true;
      plan.launchers[el.member] = launcher_text(wheel.filename().distribution, fp.member);
      std::vector<std::string> entries;
      if (needs_graft) entries.push_back("$ORIGIN/..");
      for (const auto& e : in_wheel_entries(a, object, plan.libs_dir + "/bin")) add_entry(entries, e);
      set_rpath(fp.edits, *el.info, entries, true);
    } else {
      std::string dir = std::filesystem::path(el.member).parent_path().string();
      auto entries = inside_entries(el.member, el.info->rpath ? el.info->rpath : el.info->runpath);
      if (needs_graft) add_entry(entries, origin_entry(dir, plan.libs_dir));
      for (const auto& e : in_wheel_entries(a, object, dir)) add_entry(entries, e);
      bool had = el.info->rpath || el.info->runpath;
      if (needs_graft || reach || had) set_rpath(fp.edits, *el.info, entries, needs_graft || reach);
    }
    if (!fp.edits.empty() || fp.moved_script) plan.files[el.member] = std::move(fp);
  }
  WF_CHECK(check_new_members(wheel, plan));
  if (!o.edit_elf) WF_CHECK(drop_elf_edits(a, plan));
  return plan;
}

}  // namespace wheelfix::repair
