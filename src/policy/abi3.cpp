// The abi3 check of limited-API wheels against the Stable ABI data.
#include "wheelfix/policy/abi3.hpp"

#include <algorithm>
#include <set>

namespace wheelfix::policy {

namespace {

// Names CPython exports: an extension importing one gets it from the
// interpreter.
bool is_python_symbol(const std::string& name) { return name.starts_with("Py") || name.starts_with("_Py"); }

// The lowest CPython 3 version among the python tags; nullopt when none.
std::optional<PythonVersion> claimed_version(std::span<const std::string> python_tags) {
  std::optional<PythonVersion> lowest;
  for (const auto& tag : python_tags)
    if (auto v = PythonVersion::from_cp_tag(tag); v && (!lowest || *v < *lowest)) lowest = v;
  return lowest;
}

}  // namespace

const char* abi3_problem_kind_name(Abi3ProblemKind kind) {
  return kind == Abi3ProblemKind::too_new ? "too_new" : "not_stable";
}

std::string Abi3Problem::describe() const {
  std::string head = file + " imports " + symbol;
  if (kind == Abi3ProblemKind::not_stable) return head + ", which is not in the Stable ABI";
  std::string s = head + ", in the Stable ABI only since " + (added ? added->to_string() : std::string("?"));
  if (claimed) s += " (the tag claims " + claimed->to_string() + ")";
  return s;
}

bool Abi3Check::has_not_stable() const {
  return std::any_of(problems.begin(), problems.end(),
                     [](const Abi3Problem& p) { return p.kind == Abi3ProblemKind::not_stable; });
}

Abi3Check check_abi3(const Graph& graph, std::span<const std::string> python_tags,
                     std::span<const std::string> abi_tags, const StableAbi& abi) {
  Abi3Check check;
  check.applies = std::find(abi_tags.begin(), abi_tags.end(), "abi3") != abi_tags.end();
  if (!check.applies) return check;
  check.claimed = claimed_version(python_tags);
  check.required = check.claimed;
  for (const auto& obj : graph.objects) {
    if (!obj.in_wheel) continue;
    std::set<std::string> imports;
    for (const auto& name : obj.undefined_strong)
      if (is_python_symbol(name)) imports.insert(name);
    check.imports += imports.size();
    for (const auto& name : imports) {
      const StableAbiItem* item = abi.find(name);
      if (!item) {
        check.problems.push_back({Abi3ProblemKind::not_stable, obj.path, name, std::nullopt, check.claimed});
        continue;
      }
      if (!check.claimed || item->added <= *check.claimed) continue;
      check.problems.push_back({Abi3ProblemKind::too_new, obj.path, name, item->added, check.claimed});
      check.required = std::max(*check.required, item->added);
    }
  }
  return check;
}

std::vector<std::string> raise_python_tags(std::span<const std::string> python_tags, PythonVersion version) {
  std::vector<std::string> out;
  auto add = [&](const std::string& tag) {
    if (std::find(out.begin(), out.end(), tag) == out.end()) out.push_back(tag);
  };
  for (const auto& tag : python_tags) {
    auto v = PythonVersion::from_cp_tag(tag);
    add(v && *v < version ? version.cp_tag() : tag);
  }
  if (out.empty()) out.push_back(version.cp_tag());
  return out;
}

}  // namespace wheelfix::policy
