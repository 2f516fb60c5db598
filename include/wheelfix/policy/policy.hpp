// manylinux / musllinux policies: data model and loading.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "wheelfix/elf/elf_info.hpp"
#include "wheelfix/util/result.hpp"

namespace wheelfix::policy {

enum class Libc { glibc, musl, unknown };

// The libc a policy name implies: "manylinux*" -> glibc, "musllinux*" ->
// musl, anything else (the "linux" fallback) -> unknown.
Libc libc_from_policy_name(std::string_view name);
// "glibc", "musl" or "unknown".
const char* libc_name(Libc libc);

// One policy, as in auditwheel's policy JSON (schema in docs/policies.md).
struct Policy {
  std::string name;                  // "manylinux_2_17", "musllinux_1_2", "linux"
  std::vector<std::string> aliases;  // "manylinux2014"
  int priority = 0;                  // higher = more compatible
  Libc libc = Libc::unknown;         // from the name's prefix
  // arch -> symbol version prefix ("GLIBC") -> allowed versions ("2.17").
  std::map<std::string, std::map<std::string, std::set<std::string>>> symbol_versions;
  std::set<std::string> lib_whitelist;                     // sonames the target provides
  std::map<std::string, std::set<std::string>> blacklist;  // soname -> symbols

  // True for the "linux" fallback (no libc family): it exists for every arch.
  bool is_fallback() const;
  // The policy exists for `arch` (the arch is a key of symbol_versions; the
  // fallback supports every known arch). Always false for Arch::unknown.
  bool supports(elf::Arch arch) const;
  // Platform tags this policy writes for `arch`, name and aliases, sorted in
  // ASCII order: {"manylinux2014_x86_64", "manylinux_2_17_x86_64"}.
  std::vector<std::string> platform_tags(elf::Arch arch) const;
  // For musllinux_X_Y: {X, Y}; for manylinux_X_Y: {X, Y}; else {0, 0}.
  std::pair<int, int> libc_version() const;
};

// All known policies, highest priority first within each libc; families in
// the order glibc, musl, unknown ("linux" last); ties broken by name.
struct PolicySet {
  std::vector<Policy> policies;

  // The policy called `name` or having it as an alias; accepts the arch
  // suffix too ("manylinux2014_x86_64"). nullptr if unknown.
  const Policy* find(std::string_view name) const;
};

// Sorts `policies` in the PolicySet order.
void sort_policies(std::vector<Policy>& policies);

// Parses one policy file (a JSON array of policies). Fails with
// "<source>: <what is wrong>" on malformed JSON or schema violations.
util::Result<std::vector<Policy>> parse_policies(std::string_view json, const std::string& source);

// Reads and merges policy files (later files replace same-named policies),
// then sorts. Fails if a file cannot be read or parsed.
util::Result<PolicySet> load_policies(const std::vector<std::string>& files);

// The default policy files: `<exe dir>/policies/*.json`, else
// `<exe dir>/../share/wheelfix/policies/*.json`. Empty if neither exists.
std::vector<std::string> default_policy_files();

}  // namespace wheelfix::policy
