#include "cli/show_render.hpp"

#include <filesystem>
#include <map>
#include <set>

#include "wheelfix/util/strings.hpp"

namespace wheelfix::cli {

namespace {

using policy::PolicyResult;

std::string policy_label(const policy::Policy& p) {
  std::string s = p.name;
  if (!p.aliases.empty()) {
    s += " (";
    for (std::size_t i = 0; i < p.aliases.size(); ++i) s += (i ? ", " : "") + p.aliases[i];
    s += ")";
  }
  return s;
}

// Better policies than the best one (all of them when none is reached).
std::vector<const PolicyResult*> better_results(const policy::Evaluation& e) {
  std::vector<const PolicyResult*> out;
  for (const auto& r : e.results) {
    if (r.policy == e.best) break;
    if (!r.ok) out.push_back(&r);
  }
  return out;
}

const elf::Resolution* resolution_for(const repair::Analysis& a, int object) {
  for (const auto& list : a.resolutions)
    for (const auto& r : list)
      if (r.object >= 0 && r.path && a.graph.objects[object].path == *r.path) return &r;
  return nullptr;
}

// One needing file of an in-wheel library, and how it reaches it.
struct InWheelUse {
  std::string file;      // wheel member, or the path of a library repair vendors
  std::string found_by;  // "rpath", "runpath", or "added_rpath"
  std::string via;
  bool operator<(const InWheelUse& o) const { return file < o.file; }
};

// The libraries inside the wheel that satisfy DT_NEEDED entries, by member,
// with the files that need them: in-wheel files, and the libraries repair
// vendors (the other external libraries stay outside the repaired wheel).
std::map<std::string, std::set<InWheelUse>> in_wheel_uses(const repair::Analysis& a) {
  std::set<int> vendored;
  for (const auto& g : a.eval.grafted) vendored.insert(g.object);
  std::map<std::string, std::set<InWheelUse>> out;
  for (const auto& link : a.in_wheel) {
    bool in_wheel = link.object < static_cast<int>(a.elves.size());
    if (!in_wheel && !vendored.count(link.object)) continue;
    const auto& list = a.resolutions[static_cast<std::size_t>(link.object)];
    std::string via = link.dep < list.size() ? list[link.dep].via : std::string();
    std::string how = link.needs_rpath() ? "added_rpath" : elf::found_by_name(link.rule);
    out[a.elves[static_cast<std::size_t>(link.provider)].member].insert(
        {a.graph.objects[static_cast<std::size_t>(link.object)].path, how, via});
  }
  return out;
}

nlohmann::json version_json(const std::optional<policy::PythonVersion>& v) {
  return v ? nlohmann::json(v->to_string()) : nlohmann::json(nullptr);
}

// The abi3 lines of the text report: whether the tag holds, and each
// import that breaks it.
void render_abi3_text(std::ostream& out, const policy::Abi3Check& c) {
  if (!c.applies) return;
  std::string claim = c.claimed ? c.claimed->cp_tag() + "-abi3 (CPython " + c.claimed->to_string() + " and later)"
                                : std::string("abi3 (no cp3X python tag: versions not checked)");
  out << "  abi3: " << claim << ", " << c.imports << " Python symbol" << (c.imports == 1 ? "" : "s") << " imported";
  if (c.problems.empty()) {
    out << ", all in its Stable ABI\n";
    return;
  }
  out << "; the tag does not hold:\n";
  for (const auto& p : c.problems) out << "    - " << util::printable(p.describe()) << "\n";
  if (c.has_not_stable())
    out << "    no abi3 tag holds (symbols outside the Stable ABI)\n";
  else if (c.required)
    out << "    the lowest tag that holds: " << c.required->cp_tag() << "-abi3 (repair --abi3-lower-bound)\n";
}

}  // namespace

std::string tag_text(const policy::Evaluation& e) {
  return e.platform_tag.empty() ? "none (no wheel platform tag exists for this architecture)" : e.platform_tag;
}

void render_show_text(std::ostream& out, const repair::Analysis& a, const policy::Abi3Check& abi3, bool verbose) {
  const auto& e = a.eval;
  using util::printable;
  out << printable(std::filesystem::path(a.wheel_path).filename().string()) << "\n";
  out << "  platform tag: " << tag_text(e) << "\n";
  out << "  arch: " << elf::arch_name(e.arch) << ", libc: " << policy::libc_name(e.libc)
      << (e.libc_assumed ? " (assumed: no file says)" : "") << ", "
      << a.elves.size() << " ELF file" << (a.elves.size() == 1 ? "" : "s") << "\n";
  if (verbose)
    for (const auto& el : a.elves) out << "    " << printable(el.member) << "\n";
  if (e.grafted.empty()) {
    out << "  external libraries to vendor: none\n";
  } else {
    out << "  external libraries to vendor:\n";
    for (const auto& g : e.grafted) {
      out << "    " << printable(g.name);
      if (g.object >= 0) {
        out << " => " << printable(a.host_paths[g.object]);
        if (auto* r = resolution_for(a, g.object)) out << " [" << printable(r->via) << "]";
      }
      out << "\n      needed by: ";
      for (std::size_t i = 0; i < g.needed_by.size(); ++i) out << (i ? ", " : "") << printable(g.needed_by[i]);
      out << "\n";
    }
  }
  auto uses = in_wheel_uses(a);
  if (!uses.empty()) {
    out << "  libraries inside the wheel that other files need:\n";
    for (const auto& [member, needers] : uses) {
      out << "    " << printable(std::filesystem::path(member).filename().string()) << " => " << printable(member)
          << "\n";
      for (const auto& u : needers)
        out << "      needed by " << printable(u.file) << " [" << printable(u.via) << "]\n";
    }
  }
  for (const auto& [file, lib] : e.libpython_links)
    out << "  " << printable(file) << " links " << printable(lib) << ": repair removes this DT_NEEDED (the interpreter provides it)\n";

  auto better = better_results(e);
  if (!better.empty()) {
    out << "  better policies not reached:\n";
    // Consecutive policies that fail for the same reasons are listed once.
    for (std::size_t i = 0; i < better.size();) {
      std::size_t j = i + 1;
      while (j < better.size() && better[j]->reasons == better[i]->reasons) ++j;
      out << "    " << policy_label(*better[i]->policy);
      if (j - i > 1) out << " .. " << policy_label(*better[j - 1]->policy);
      out << ":\n";
      for (const auto& r : better[i]->reasons) out << "      - " << printable(r.describe()) << "\n";
      i = j;
    }
  }
  render_abi3_text(out, abi3);
}

nlohmann::json render_show_json(const repair::Analysis& a, const policy::Abi3Check& abi3) {
  const auto& e = a.eval;
  nlohmann::json j;
  j["wheel"] = a.wheel_path;
  j["pure"] = a.pure();
  j["arch"] = elf::arch_name(e.arch);
  j["libc"] = policy::libc_name(e.libc);
  j["tag"] = e.platform_tag.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.platform_tag);
  j["libc_assumed"] = e.libc_assumed;
  j["best_policy"] = e.best ? nlohmann::json(e.best->name) : nlohmann::json(nullptr);
  nlohmann::json elves = nlohmann::json::array();
  for (const auto& el : a.elves) elves.push_back(el.member);
  j["elf_files"] = elves;
  nlohmann::json libs = nlohmann::json::array();
  for (const auto& g : e.grafted) {
    nlohmann::json lib;
    lib["name"] = g.name;
    lib["path"] = g.object >= 0 ? nlohmann::json(a.host_paths[g.object]) : nlohmann::json(nullptr);
    const auto* r = g.object >= 0 ? resolution_for(a, g.object) : nullptr;
    lib["found_by"] = r ? nlohmann::json(elf::found_by_name(r->rule)) : nlohmann::json(nullptr);
    lib["via"] = r ? nlohmann::json(r->via) : nlohmann::json(nullptr);
    lib["needed_by"] = g.needed_by;
    libs.push_back(lib);
  }
  j["external_libs"] = libs;
  nlohmann::json inside = nlohmann::json::array();
  for (const auto& [member, needers] : in_wheel_uses(a)) {
    nlohmann::json by = nlohmann::json::array();
    for (const auto& u : needers) by.push_back({{"file", u.file}, {"found_by", u.found_by}, {"via", u.via}});
    inside.push_back({{"name", std::filesystem::path(member).filename().string()}, {"member", member}, {"needed_by", by}});
  }
  j["in_wheel_libs"] = inside;
  nlohmann::json py = nlohmann::json::array();
  for (const auto& [file, lib] : e.libpython_links) py.push_back({{"file", file}, {"library", lib}});
  j["libpython"] = py;
  nlohmann::json policies = nlohmann::json::array();
  for (const auto& r : e.results) {
    nlohmann::json p;
    p["name"] = r.policy->name;
    p["aliases"] = r.policy->aliases;
    p["priority"] = r.policy->priority;
    p["ok"] = r.ok;
    p["reasons"] = reasons_json(r.reasons);
    policies.push_back(p);
  }
  j["policies"] = policies;
  j["abi3"] = abi3_json(abi3);
  return j;
}

nlohmann::json abi3_json(const policy::Abi3Check& c) {
  if (!c.applies) return nullptr;
  std::optional<std::string> lowest;
  if (c.claimed && c.required && !c.has_not_stable()) lowest = c.required->cp_tag() + "-abi3";
  return {{"claimed", version_json(c.claimed)},
          {"required", version_json(c.required)},
          {"lowest_tag", lowest ? nlohmann::json(*lowest) : nlohmann::json(nullptr)},
          {"imports", c.imports},
          {"ok", c.problems.empty()},
          {"problems", abi3_problems_json(c.problems)}};
}

nlohmann::json abi3_problems_json(const std::vector<policy::Abi3Problem>& problems) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : problems)
    out.push_back({{"kind", policy::abi3_problem_kind_name(p.kind)},
                   {"file", p.file},
                   {"symbol", p.symbol},
                   {"added", version_json(p.added)},
                   {"claimed", version_json(p.claimed)},
                   {"message", p.describe()}});
  return out;
}

std::string json_text(const nlohmann::json& doc) {
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

nlohmann::json reasons_json(const std::vector<policy::Reason>& reasons) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& reason : reasons) {
    out.push_back({{"kind", policy::reason_kind_name(reason.kind)},
                   {"file", reason.file},
                   {"library", reason.library},
                   {"symbol", reason.symbol},
                   {"detail", reason.detail},
                   {"message", reason.describe()}});
  }
  return out;
}

}  // namespace wheelfix::cli
