#include "cli/show_render.hpp"

#include <filesystem>

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

}  // namespace

std::string tag_text(const policy::Evaluation& e) {
  return e.platform_tag.empty() ? "none (no wheel platform tag exists for this architecture)" : e.platform_tag;
}

void render_show_text(std::ostream& out, const repair::Analysis& a, bool verbose) {
  const auto& e = a.eval;
  out << std::filesystem::path(a.wheel_path).filename().string() << "\n";
  out << "  platform tag: " << tag_text(e) << "\n";
  out << "  arch: " << elf::arch_name(e.arch) << ", libc: " << policy::libc_name(e.libc)
      << (e.libc_assumed ? " (assumed: no file says)" : "") << ", "
      << a.elves.size() << " ELF file" << (a.elves.size() == 1 ? "" : "s") << "\n";
  if (verbose)
    for (const auto& el : a.elves) out << "    " << el.member << "\n";
  if (e.grafted.empty()) {
    out << "  external libraries to vendor: none\n";
  } else {
    out << "  external libraries to vendor:\n";
    for (const auto& g : e.grafted) {
      out << "    " << g.name;
      if (g.object >= 0) {
        out << " => " << a.host_paths[g.object];
        if (auto* r = resolution_for(a, g.object)) out << " [" << r->via << "]";
      }
      out << "\n      needed by: ";
      for (std::size_t i = 0; i < g.needed_by.size(); ++i) out << (i ? ", " : "") << g.needed_by[i];
      out << "\n";
    }
  }
  for (const auto& [file, lib] : e.libpython_links)
    out << "  " << file << " links " << lib << ": repair removes this DT_NEEDED (the interpreter provides it)\n";

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
      for (const auto& r : better[i]->reasons) out << "      - " << r.describe() << "\n";
      i = j;
    }
  }
}

nlohmann::json render_show_json(const repair::Analysis& a) {
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
  return j;
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
