// Shared helpers for the policy tests: the project's real policy files and a
// small builder for dependency graphs.
#pragma once

#include <catch.hpp>
#include <string>
#include <vector>

#include "wheelfix/policy/evaluate.hpp"

namespace wheelfix::policy::test {

inline std::string policy_dir() { return std::string(WHEELFIX_SOURCE_DIR) + "/policies"; }

inline std::vector<std::string> policy_files() {
  return {policy_dir() + "/manylinux-policy.json", policy_dir() + "/musllinux-policy.json"};
}

// The project's policies, loaded once per test binary.
inline const PolicySet& real_policies() {
  static const PolicySet set = [] {
    auto loaded = load_policies(policy_files());
    if (!loaded.ok()) FAIL(loaded.error().message);
    return std::move(loaded).value();
  }();
  return set;
}

// Builds a Graph: objects are added by path, dependencies by name and the
// path they resolve to (or nothing when not found).
class GraphBuilder {
 public:
  int wheel(const std::string& path, elf::Arch arch = elf::Arch::x86_64, Libc libc = Libc::glibc) {
    return add(path, true, arch, libc);
  }
  int external(const std::string& path, elf::Arch arch = elf::Arch::x86_64, Libc libc = Libc::glibc) {
    return add(path, false, arch, libc);
  }
  ObjectFacts& operator[](int index) { return graph.objects[static_cast<std::size_t>(index)]; }

  // `from` needs `name`, resolved to object `target` (-1: not found).
  void need(int from, const std::string& name, int target = -1) { (*this)[from].deps.push_back({name, target}); }
  void ref(int from, const std::string& library, const std::string& version, bool weak = false) {
    (*this)[from].version_refs.push_back({library, version, weak});
  }

  Graph graph;

 private:
  int add(const std::string& path, bool in_wheel, elf::Arch arch, Libc libc) {
    ObjectFacts o;
    o.path = path;
    o.in_wheel = in_wheel;
    o.arch = arch;
    o.libc = libc;
    auto slash = path.rfind('/');
    o.soname = slash == std::string::npos ? path : path.substr(slash + 1);
    graph.objects.push_back(std::move(o));
    return static_cast<int>(graph.objects.size()) - 1;
  }
};

// The describe() lines of a result's reasons.
inline std::vector<std::string> described(const PolicyResult& r) {
  std::vector<std::string> lines;
  for (const auto& reason : r.reasons) lines.push_back(reason.describe());
  return lines;
}

// The result for policy `name`, or nullptr.
inline const PolicyResult* result_for(const Evaluation& ev, const std::string& name) {
  for (const auto& r : ev.results) {
    if (r.policy->name == name) return &r;
  }
  return nullptr;
}

// Names of the results, in order.
inline std::vector<std::string> result_names(const Evaluation& ev) {
  std::vector<std::string> names;
  for (const auto& r : ev.results) names.push_back(r.policy->name);
  return names;
}

}  // namespace wheelfix::policy::test
