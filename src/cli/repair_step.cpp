#include "cli/repair_step.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "cli/show_render.hpp"
#include "wheelfix/util/atomic_file.hpp"
#include "wheelfix/util/mapped_file.hpp"
#include "wheelfix/util/strings.hpp"
#include "wheelfix/wheel/zip_format.hpp"

namespace wheelfix::cli {

namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? std::optional<std::string>(v) : std::nullopt;
}

// Why `suffix` cannot end the vendored-library folder name "<dist><suffix>",
// or nullopt: it must keep that name one valid, printable path component.
std::optional<std::string> lib_sdir_problem(const std::string& suffix) {
  if (suffix.find('/') != std::string::npos) return "contains '/'";
  if (util::printable(suffix) != suffix) return "contains control characters or bytes that are not UTF-8";
  if (auto problem = wheel::member_name_problem("dist" + suffix + "/lib.so")) return *problem;
  return std::nullopt;
}

// The piece cache's folder: --cache-dir, $WHEELFIX_CACHE_DIR,
// $XDG_CACHE_HOME/wheelfix, ~/.cache/wheelfix; "" with --no-cache or when
// none of these is set.
std::string cache_folder(const RepairCmdOptions& o) {
  if (o.no_cache) return {};
  if (o.cache_dir) return *o.cache_dir;
  if (auto dir = env("WHEELFIX_CACHE_DIR")) return *dir;
  if (auto xdg = env("XDG_CACHE_HOME")) return *xdg + "/wheelfix";
  if (auto home = env("HOME")) return *home + "/.cache/wheelfix";
  return {};
}

}  // namespace

util::Result<repair::RepairOptions> make_repair_options(const RepairCmdOptions& o, const policy::PolicySet& policies) {
  repair::RepairOptions ro;
  ro.output_dir = o.wheel_dir;
  std::optional<std::string> plat = o.plat;
  if (!plat) plat = env("WHEELFIX_PLAT");
  if (!plat) plat = env("AUDITWHEEL_PLAT");
  if (plat && *plat != "auto") {
    const policy::Policy* p = policies.find(*plat);
    if (!p) return util::make_error("unknown platform policy '", *plat, "'");
    if (p->is_fallback())
      return util::make_error("--plat ", *plat, ": not a policy repair can target (a manylinux or musllinux one is)");
    ro.plat = std::move(plat);
  }
  ro.edit_elf = o.patcher != "none";
  if (!ro.edit_elf && o.strip) return util::make_error("--strip edits ELF files; it cannot be used with --patcher none");
  ro.only_plat = o.only_plat;
  ro.strip = o.strip;
  if (auto problem = lib_sdir_problem(o.lib_sdir))
    return util::make_error("-L/--lib-sdir '", util::printable(o.lib_sdir), "': ", *problem,
                            " (it is the suffix of one folder name, like .libs)");
  ro.lib_sdir = o.lib_sdir;
  ro.level = o.level;
  ro.update_tags = !o.no_update_tags;
  ro.threads = o.jobs;
  ro.cache.dir = cache_folder(o);
  if (o.cache_max_mb > (std::uint64_t{1} << 40)) return util::make_error("--cache-max-mb is larger than 2^40");
  ro.cache.max_bytes = o.cache_max_mb << 20;
  ro.package_owners = repair::make_package_owners(env("DPKG_ADMINDIR").value_or("/var/lib/dpkg"));
  WF_TRY(auto abi, policy::load_stable_abi());
  ro.stable_abi = std::make_shared<const policy::StableAbi>(std::move(abi));
  ro.abi3_lower_bound = o.abi3_lower_bound;
  ro.abi3_warn = o.abi3_warn;
  if (auto sde = env("SOURCE_DATE_EPOCH")) {
    auto v = wheel::parse_source_date_epoch(*sde);
    if (!v) return util::make_error("SOURCE_DATE_EPOCH: ", v.error().message);
    ro.source_date_epoch = std::max<std::int64_t>(*v, wheel::kZipEpochMin);
  }
  return ro;
}

void add_abi3_options(CLI::App& cmd, RepairCmdOptions& o) {
  cmd.add_flag("--abi3-lower-bound", o.abi3_lower_bound,
               "Retag a cp3X-abi3 wheel whose imports need a newer Python to the lowest cp3Y-abi3 that holds");
  cmd.add_flag("--abi3-warn", o.abi3_warn, "Write abi3 wheels whose imports break the tag, with a warning");
}

void add_cache_options(CLI::App& cmd, RepairCmdOptions& o) {
  auto* dir = cmd.add_option("--cache-dir", o.cache_dir,
                             "Cache of compressed pieces of large members (default: $WHEELFIX_CACHE_DIR, "
                             "$XDG_CACHE_HOME/wheelfix, ~/.cache/wheelfix)");
  cmd.add_flag("--no-cache", o.no_cache, "Use no piece cache")->excludes(dir);
  cmd.add_option("--cache-max-mb", o.cache_max_mb,
                 "Size bound of the piece cache in MiB; least recently used pieces go first (default 4096)");
}

nlohmann::json repair_report_json(const repair::RepairReport& r, double seconds) {
  nlohmann::json libs = nlohmann::json::array();
  for (const auto& l : r.vendored)
    libs.push_back({{"name", l.soname}, {"member", l.member}, {"source_path", l.source_path}, {"size", l.size},
                    {"sha256", l.sha256}});
  return {{"input", r.input},       {"output", r.output},     {"ok", true},       {"tag", r.platform_tag},
          {"python_tag", r.python_tag},
          {"policy", r.policy},       {"vendored", libs},       {"warnings", r.warnings},
          {"seconds", seconds},       {"pure", false},          {"copied", false}};
}

std::optional<UnreachedPolicy> unreached_policy(const repair::Analysis& a, const policy::PolicySet& policies,
                                                const repair::RepairOptions& o) {
  const auto& e = a.eval;
  const policy::PolicyResult* result = nullptr;
  if (!o.plat) {
    if (e.best || e.results.empty()) return std::nullopt;
    result = &e.results.back();
  } else {
    const policy::Policy* p = policies.find(*o.plat);
    if (!p || p->is_fallback()) return std::nullopt;
    for (const auto& r : e.results)
      if (r.policy && r.policy->name == p->name) result = &r;
  }
  if (!result || result->ok || !result->policy) return std::nullopt;
  return UnreachedPolicy{result->policy->name, result->reasons};
}

nlohmann::json repair_failure_json(const std::string& input, const std::string& error, double seconds,
                                   const std::optional<UnreachedPolicy>& unreached, bool pure,
                                   const std::vector<policy::Abi3Problem>& abi3_problems) {
  return {{"input", input},
          {"abi3_problems", abi3_problems_json(abi3_problems)},
          {"ok", false},
          {"error", error},
          {"seconds", seconds},
          {"pure", pure},
          {"unreached_policy", unreached ? nlohmann::json(unreached->policy) : nlohmann::json(nullptr)},
          {"reasons", reasons_json(unreached ? unreached->reasons : std::vector<policy::Reason>{})}};
}

nlohmann::json pure_copy_json(const std::string& input, const std::string& output, const std::string& tag,
                              const std::string& python_tag, double seconds) {
  return {{"input", input},   {"output", output},       {"ok", true},
          {"tag", tag},       {"python_tag", python_tag},
          {"policy", nullptr},      {"vendored", nlohmann::json::array()},
          {"warnings", nlohmann::json::array()},        {"seconds", seconds},
          {"pure", true},     {"copied", true}};
}

std::vector<std::string> describe_edits(const elf::EditPlan& e) {
  std::vector<std::string> out;
  if (e.soname) out.push_back("set DT_SONAME " + *e.soname);
  for (const auto& [from, to] : e.replace_needed) out.push_back("replace DT_NEEDED " + from + " -> " + to);
  for (const auto& n : e.remove_needed) out.push_back("remove DT_NEEDED " + n);
  for (const auto& n : e.add_needed) out.push_back("add DT_NEEDED " + n);
  const char* tag = e.force_rpath ? "DT_RPATH" : "DT_RUNPATH";
  switch (e.rpath_op) {
    case elf::RpathOp::set: out.push_back(std::string("set ") + tag + " " + e.rpath); break;
    case elf::RpathOp::add: out.push_back(std::string("add to ") + tag + " " + e.rpath); break;
    case elf::RpathOp::remove: out.push_back("remove DT_RPATH/DT_RUNPATH"); break;
    case elf::RpathOp::shrink: out.push_back("shrink DT_RPATH/DT_RUNPATH"); break;
    case elf::RpathOp::none: break;
  }
  return out;
}

std::vector<std::string> describe_plan(const repair::RepairPlan& plan, bool strip) {
  std::vector<std::string> out;
  out.push_back("target " + (plan.target ? plan.target->name : std::string("?")) + ", tag " +
                util::join(plan.platform_tags, "."));
  auto add_edits = [&](const elf::EditPlan& edits) {
    for (auto& line : describe_edits(edits)) out.push_back("    " + line);
  };
  for (const auto& g : plan.grafts) {
    out.push_back("  vendor " + g.lib.source_path + " -> " + g.lib.member);
    add_edits(g.edits);
  }
  for (const auto& [member, fp] : plan.files) {
    if (fp.moved_script)
      out.push_back("  move " + member + " -> " + fp.member + " (a launcher script takes its place)");
    else
      out.push_back("  edit " + member);
    add_edits(fp.edits);
  }
  if (plan.grafts.empty() && plan.files.empty()) out.push_back("  nothing to vendor, no ELF file edited");
  if (strip) out.push_back("  strip every ELF file written (--strip)");
  return out;
}

util::Status copy_wheel_unchanged(const std::string& wheel, const std::string& dir) {
  WF_TRY(auto m, util::MappedFile::open(wheel));
  return util::write_file_atomic(dir + "/" + std::filesystem::path(wheel).filename().string(), m.bytes());
}

bool already_compatible(const wheel::WheelFilename& name, const repair::Analysis& analysis,
                        const policy::PolicySet& policies, const policy::StableAbi* stable_abi) {
  if (analysis.pure()) return true;
  if (stable_abi &&
      !policy::check_abi3(analysis.graph, name.python_tags, name.abi_tags, *stable_abi).problems.empty())
    return false;
  if (!analysis.eval.grafted.empty() || !analysis.eval.libpython_links.empty()) return false;
  if (name.platform_tags.empty()) return false;
  std::string arch_suffix = std::string("_") + elf::arch_name(analysis.eval.arch);
  for (const auto& tag : name.platform_tags) {
    if (!tag.ends_with(arch_suffix)) return false;
    const policy::Policy* wanted = policies.find(tag);
    if (!wanted || wanted->is_fallback()) return false;
    bool reached = std::any_of(analysis.eval.results.begin(), analysis.eval.results.end(),
                               [&](const policy::PolicyResult& r) { return r.policy == wanted && r.ok; });
    if (!reached) return false;
  }
  return true;
}

}  // namespace wheelfix::cli
