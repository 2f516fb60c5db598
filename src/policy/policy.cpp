// Policy and PolicySet queries: arch support, platform tags, lookup by name.
#include "wheelfix/policy/policy.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include "wheelfix/util/strings.hpp"

namespace wheelfix::policy {
namespace {

// Parses a decimal int covering all of `s`; nullopt otherwise.
std::optional<int> parse_int(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// True when `tag` is `base` + "_" + an arch key of `p`'s symbol_versions (or,
// for the archless fallback policy, any known arch).
bool matches_with_arch(const Policy& p, std::string_view base, std::string_view tag) {
  if (tag.size() <= base.size() + 1 || !tag.starts_with(base) || tag[base.size()] != '_') {
    return false;
  }
  std::string_view arch = tag.substr(base.size() + 1);
  if (p.libc == Libc::unknown && p.symbol_versions.empty()) {
    return elf::arch_from_name(arch) != elf::Arch::unknown;
  }
  return p.symbol_versions.count(std::string(arch)) != 0;
}

}  // namespace

Libc libc_from_policy_name(std::string_view name) {
  if (name.starts_with("manylinux")) return Libc::glibc;
  if (name.starts_with("musllinux")) return Libc::musl;
  return Libc::unknown;
}

const char* libc_name(Libc libc) {
  switch (libc) {
    case Libc::glibc: return "glibc";
    case Libc::musl: return "musl";
    case Libc::unknown: break;
  }
  return "unknown";
}

bool Policy::is_fallback() const { return libc == Libc::unknown; }

bool Policy::supports(elf::Arch arch) const {
  if (arch == elf::Arch::unknown) return false;
  if (is_fallback()) return true;
  return symbol_versions.count(elf::arch_name(arch)) != 0;
}

std::vector<std::string> Policy::platform_tags(elf::Arch arch) const {
  std::string suffix = std::string("_") + elf::arch_name(arch);
  std::vector<std::string> tags;
  tags.push_back(name + suffix);
  for (const auto& alias : aliases) tags.push_back(alias + suffix);
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  return tags;
}

std::pair<int, int> Policy::libc_version() const {
  std::string_view rest;
  if (name.starts_with("manylinux_")) {
    rest = std::string_view(name).substr(10);
  } else if (name.starts_with("musllinux_")) {
    rest = std::string_view(name).substr(10);
  } else {
    return {0, 0};
  }
  auto parts = util::split(rest, '_');
  if (parts.size() != 2) return {0, 0};
  auto major = parse_int(parts[0]);
  auto minor = parse_int(parts[1]);
  if (!major || !minor) return {0, 0};
  return {*major, *minor};
}

const Policy* PolicySet::find(std::string_view name) const {
  for (const auto& p : policies) {
    if (p.name == name) return &p;
    for (const auto& alias : p.aliases) {
      if (alias == name) return &p;
    }
  }
  for (const auto& p : policies) {
    if (matches_with_arch(p, p.name, name)) return &p;
    for (const auto& alias : p.aliases) {
      if (matches_with_arch(p, alias, name)) return &p;
    }
  }
  return nullptr;
}

std::optional<elf::Arch> arch_of_tag(std::string_view tag) {
  for (auto arch : {elf::Arch::x86_64, elf::Arch::i686, elf::Arch::aarch64, elf::Arch::armv7l, elf::Arch::ppc64,
                    elf::Arch::ppc64le, elf::Arch::s390x, elf::Arch::riscv64, elf::Arch::loongarch64}) {
    std::string suffix = std::string("_") + elf::arch_name(arch);
    if (tag.size() > suffix.size() && tag.ends_with(suffix)) return arch;
  }
  return std::nullopt;
}

void sort_policies(std::vector<Policy>& policies) {
  auto family_rank = [](Libc libc) {
    return libc == Libc::glibc ? 0 : libc == Libc::musl ? 1 : 2;
  };
  std::stable_sort(policies.begin(), policies.end(), [&](const Policy& a, const Policy& b) {
    int fa = family_rank(a.libc), fb = family_rank(b.libc);
    if (fa != fb) return fa < fb;
    if (a.priority != b.priority) return a.priority > b.priority;
    return a.name < b.name;
  });
}

}  // namespace wheelfix::policy
