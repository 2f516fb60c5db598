// Policy evaluation: walks the dependency graph once per policy (the
// whitelist decides what is walked) and collects every reason it fails.
#include "wheelfix/policy/evaluate.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "wheelfix/util/strings.hpp"

namespace wheelfix::policy {
namespace {

const char* family_name(Libc libc) {
  return libc == Libc::glibc ? "manylinux" : libc == Libc::musl ? "musllinux" : "linux";
}

// What one policy's walk found.
struct Walk {
  std::set<Reason> reasons;
  std::map<int, GraftedLib> grafted;  // by object index
  std::set<std::pair<std::string, std::string>> libpython;
};

class Walker {
 public:
  Walker(const Graph& graph, const Policy& policy, const EvalOptions& options, elf::Arch arch)
      : graph_(graph), policy_(policy), options_(options) {
    auto it = policy.symbol_versions.find(elf::arch_name(arch));
    if (it != policy.symbol_versions.end()) allowed_ = &it->second;
  }

  // Walks from every in-wheel object; checks each object reached.
  Walk run() {
    std::vector<bool> seen(graph_.objects.size(), false);
    std::deque<int> queue;
    for (std::size_t i = 0; i < graph_.objects.size(); ++i) {
      if (graph_.objects[i].in_wheel) {
        seen[i] = true;
        queue.push_back(static_cast<int>(i));
      }
    }
    while (!queue.empty()) {
      const ObjectFacts& object = graph_.objects[static_cast<std::size_t>(queue.front())];
      queue.pop_front();
      check(object);
      for (const Dependency& dep : object.deps) {
        int next = follow(object, dep);
        if (next >= 0 && !seen[static_cast<std::size_t>(next)]) {
          seen[static_cast<std::size_t>(next)] = true;
          queue.push_back(next);
        }
      }
    }
    for (auto& [index, lib] : walk_.grafted) {
      std::sort(lib.needed_by.begin(), lib.needed_by.end());
      lib.needed_by.erase(std::unique(lib.needed_by.begin(), lib.needed_by.end()), lib.needed_by.end());
    }
    return std::move(walk_);
  }

 private:
  void add(ReasonKind kind, const std::string& file, std::string library, std::string symbol,
           std::string detail = {}) {
    walk_.reasons.insert(Reason{kind, file, std::move(library), std::move(symbol), std::move(detail)});
  }

  // Symbol versions, ISA level and blacklist of one walked object.
  void check(const ObjectFacts& o) {
    for (const SymbolVersionRef& ref : o.version_refs) {
      if (allowed_ == nullptr || is_dynamic_loader(ref.library)) continue;
      auto underscore = ref.version.find('_');
      if (underscore == std::string::npos) continue;
      auto listed = allowed_->find(ref.version.substr(0, underscore));
      if (listed == allowed_->end()) continue;
      if (!listed->second.count(ref.version.substr(underscore + 1))) {
        add(ReasonKind::symbol_version, o.path, ref.library, ref.version);
      }
    }
    if (options_.check_isa && o.arch == elf::Arch::x86_64 && o.isa_level > 1 && !policy_.is_fallback()) {
      add(ReasonKind::isa_level, o.path, {}, "x86-64-v" + std::to_string(o.isa_level), family_name(policy_.libc));
    }
    for (const Dependency& dep : o.deps) {
      auto banned = policy_.blacklist.find(dep.name);
      if (banned == policy_.blacklist.end()) continue;
      for (const std::string& symbol : o.undefined_strong) {
        if (banned->second.count(symbol)) add(ReasonKind::blacklist, o.path, dep.name, symbol);
      }
    }
  }

  bool excluded(const Dependency& dep) const {
    const ObjectFacts* target = nullptr;
    if (dep.target >= 0 && static_cast<std::size_t>(dep.target) < graph_.objects.size()) {
      target = &graph_.objects[static_cast<std::size_t>(dep.target)];
    }
    for (const std::string& glob : options_.exclude) {
      if (util::glob_match(glob, dep.name)) return true;
      if (target && target->soname && util::glob_match(glob, *target->soname)) return true;
    }
    return false;
  }

  // Classifies one DT_NEEDED entry; returns the object to walk next or -1.
  int follow(const ObjectFacts& o, const Dependency& dep) {
    if (is_libpython(dep.name)) {
      walk_.libpython.emplace(o.path, dep.name);
      return -1;
    }
    if (policy_.lib_whitelist.count(dep.name) || excluded(dep)) return -1;
    // The dynamic loader is always on the target system: never grafted.
    if (is_dynamic_loader(dep.name)) return -1;
    // A name with a '/' is opened as that path (relative to the current
    // folder, or absolute), never searched for: no vendored copy can serve it.
    if (dep.name.find('/') != std::string::npos) {
      add(ReasonKind::needed_path, o.path, dep.name, {});
      return -1;
    }
    if (dep.target < 0 || static_cast<std::size_t>(dep.target) >= graph_.objects.size()) {
      add(ReasonKind::missing_library, o.path, dep.name, {});
      return -1;
    }
    if (graph_.objects[static_cast<std::size_t>(dep.target)].in_wheel) return -1;
    GraftedLib& lib = walk_.grafted[dep.target];
    if (lib.object < 0) {
      lib.name = dep.name;
      lib.object = dep.target;
    }
    lib.needed_by.push_back(o.path);
    return dep.target;
  }

  const Graph& graph_;
  const Policy& policy_;
  const EvalOptions& options_;
  const std::map<std::string, std::set<std::string>>* allowed_ = nullptr;
  Walk walk_;
};

// Facts about the wheel as a whole: its arch and libc, and the reasons every
// policy fails when the objects disagree.
struct WheelFacts {
  bool has_objects = false;
  elf::Arch arch = elf::Arch::unknown;
  bool musl = false;
  bool glibc = false;
  std::vector<Reason> arch_reasons;
  std::vector<Reason> libc_reasons;
  std::vector<Reason> python_reasons;  // fpectl / UCS2 builds: no policy fits
};

// PEP 513: a wheel needing an fpectl or a UCS2 CPython fits no policy.
void python_build_reasons(const ObjectFacts& o, std::vector<Reason>& out) {
  for (const std::string& s : o.fpectl_symbols) out.push_back(Reason{ReasonKind::fpectl, o.path, {}, s, {}});
  if (!o.ucs2_symbols.empty()) {
    std::string more = o.ucs2_symbols.size() > 1 ? std::to_string(o.ucs2_symbols.size() - 1) : std::string();
    out.push_back(Reason{ReasonKind::ucs2, o.path, {}, o.ucs2_symbols.front(), more});
  }
}

WheelFacts wheel_facts(const Graph& graph) {
  WheelFacts f;
  const ObjectFacts* ref = nullptr;       // first object with a known arch
  const ObjectFacts* first_glibc = nullptr;
  for (const ObjectFacts& o : graph.objects) {
    if (!o.in_wheel) continue;
    f.has_objects = true;
    if (o.arch == elf::Arch::unknown) {
      f.arch_reasons.push_back(Reason{ReasonKind::arch, o.path, {}, o.machine.empty() ? "unknown" : o.machine, {}});
    } else if (ref == nullptr) {
      ref = &o;
    } else if (o.arch != ref->arch) {
      f.arch_reasons.push_back(
          Reason{ReasonKind::arch, o.path, ref->path, elf::arch_name(o.arch), elf::arch_name(ref->arch)});
    }
    python_build_reasons(o, f.python_reasons);
    if (o.libc == Libc::glibc && first_glibc == nullptr) first_glibc = &o;
    f.musl = f.musl || o.libc == Libc::musl;
    f.glibc = f.glibc || o.libc == Libc::glibc;
  }
  if (ref != nullptr && f.arch_reasons.empty()) f.arch = ref->arch;
  if (f.musl && f.glibc) {
    for (const ObjectFacts& o : graph.objects) {
      if (o.in_wheel && o.libc == Libc::musl) {
        f.libc_reasons.push_back(Reason{ReasonKind::libc_mismatch, o.path, first_glibc->path, "musl", "glibc"});
      }
    }
  }
  return f;
}

// The policies of `libc` that are evaluated for this wheel, best first.
std::vector<const Policy*> considered(const PolicySet& set, Libc libc, const WheelFacts& f,
                                      const EvalOptions& options) {
  bool all_fail = !f.arch_reasons.empty();
  std::vector<const Policy*> out;
  for (const Policy& p : set.policies) {
    if (p.libc == libc && (all_fail || p.supports(f.arch))) out.push_back(&p);
  }
  if (libc != Libc::musl || out.empty()) return out;
  // One musllinux policy: the target's musl version, or the newest one.
  const Policy* pick = nullptr;
  for (const Policy* p : out) {
    if (options.musl_version ? p->libc_version() == *options.musl_version
                             : (pick == nullptr || p->libc_version() > pick->libc_version())) {
      pick = p;
    }
  }
  return pick ? std::vector<const Policy*>{pick} : std::vector<const Policy*>{};
}

// Results and walks for the policies of `families`, in that order.
struct FamilyEval {
  std::vector<PolicyResult> results;
  std::vector<Walk> walks;
  int best = -1;  // index of the first ok result
};

FamilyEval evaluate_families(const Graph& graph, const PolicySet& set, const EvalOptions& options,
                             const WheelFacts& f, std::initializer_list<Libc> families) {
  FamilyEval out;
  for (Libc libc : families) {
    for (const Policy* p : considered(set, libc, f, options)) {
      Walk walk = Walker(graph, *p, options, f.arch).run();
      walk.reasons.insert(f.arch_reasons.begin(), f.arch_reasons.end());
      walk.reasons.insert(f.libc_reasons.begin(), f.libc_reasons.end());
      walk.reasons.insert(f.python_reasons.begin(), f.python_reasons.end());
      PolicyResult r{p, walk.reasons.empty(), std::vector<Reason>(walk.reasons.begin(), walk.reasons.end())};
      if (r.ok && out.best < 0) out.best = static_cast<int>(out.results.size());
      out.results.push_back(std::move(r));
      out.walks.push_back(std::move(walk));
    }
  }
  return out;
}

}  // namespace

bool is_dynamic_loader(std::string_view lib) {
  auto slash = lib.rfind('/');
  if (slash != std::string_view::npos) lib = lib.substr(slash + 1);
  return lib.starts_with("ld-linux") || lib.starts_with("ld64.so") || lib.starts_with("ld.so") ||
         lib.starts_with("ld-musl");
}

Evaluation evaluate(const Graph& graph, const PolicySet& policies, const EvalOptions& options) {
  Evaluation ev;
  WheelFacts f = wheel_facts(graph);
  if (!f.has_objects) return ev;
  ev.arch = f.arch;
  ev.libc = f.musl && f.glibc ? Libc::unknown : f.musl ? Libc::musl : f.glibc ? Libc::glibc : Libc::unknown;

  FamilyEval fam;
  if (f.musl && f.glibc) {
    fam = evaluate_families(graph, policies, options, f, {Libc::glibc, Libc::musl});
  } else if (f.musl) {
    fam = evaluate_families(graph, policies, options, f, {Libc::musl});
  } else if (f.glibc) {
    fam = evaluate_families(graph, policies, options, f, {Libc::glibc});
  } else if (options.assumed_libc && *options.assumed_libc != Libc::unknown) {
    // Nothing in the wheel says: the family the caller assumes.
    ev.libc = *options.assumed_libc;
    ev.libc_assumed = true;
    fam = evaluate_families(graph, policies, options, f, {ev.libc});
  } else {
    // No libc linkage: the wheel runs on either; manylinux wins a tie.
    fam = evaluate_families(graph, policies, options, f, {Libc::glibc});
    if (fam.best < 0) {
      FamilyEval musl = evaluate_families(graph, policies, options, f, {Libc::musl});
      if (musl.best >= 0) fam = std::move(musl);
    }
  }

  Walk fallback_walk;
  const Walk* chosen = nullptr;
  if (fam.best >= 0) {
    ev.best = fam.results[static_cast<std::size_t>(fam.best)].policy;
    chosen = &fam.walks[static_cast<std::size_t>(fam.best)];
  } else if (!fam.walks.empty()) {
    chosen = &fam.walks.back();
  } else {
    // No policy applies: repair could still only graft everything external.
    Policy none;
    fallback_walk = Walker(graph, none, options, f.arch).run();
    chosen = &fallback_walk;
  }
  for (const auto& [index, lib] : chosen->grafted) ev.grafted.push_back(lib);
  std::sort(ev.grafted.begin(), ev.grafted.end(), [](const GraftedLib& a, const GraftedLib& b) {
    return a.name != b.name ? a.name < b.name : a.object < b.object;
  });
  ev.libpython_links.assign(chosen->libpython.begin(), chosen->libpython.end());
  ev.results = std::move(fam.results);
  if (ev.best) {
    ev.platform_tag = util::join(ev.best->platform_tags(ev.arch), ".");
  } else if (ev.arch != elf::Arch::unknown) {
    ev.platform_tag = std::string("linux_") + elf::arch_name(ev.arch);
  }  // else: no tag exists ("linux_unknown" is none)
  return ev;
}

}  // namespace wheelfix::policy
