// Platform tags of a wheel's name checked against its binaries.
#include "wheelfix/policy/claimed_tags.hpp"

#include <algorithm>
#include <optional>

namespace wheelfix::policy {

namespace {

constexpr elf::Arch kArches[] = {elf::Arch::x86_64,  elf::Arch::i686,    elf::Arch::aarch64,
                                 elf::Arch::armv7l,  elf::Arch::ppc64,   elf::Arch::ppc64le,
                                 elf::Arch::s390x,   elf::Arch::riscv64, elf::Arch::loongarch64};

// A Linux platform tag split into its policy part and arch ("manylinux2014",
// aarch64); nullopt for tags that are not "<linux policy>_<known arch>".
struct SplitTag {
  std::string policy;
  elf::Arch arch;
};

std::optional<SplitTag> split_tag(const std::string& tag) {
  std::optional<SplitTag> best;
  std::size_t best_len = 0;
  for (elf::Arch arch : kArches) {
    std::string suffix = std::string("_") + elf::arch_name(arch);
    if (tag.size() <= suffix.size() || !tag.ends_with(suffix) || suffix.size() <= best_len) continue;
    best = SplitTag{tag.substr(0, tag.size() - suffix.size()), arch};
    best_len = suffix.size();
  }
  if (!best) return std::nullopt;
  const std::string& p = best->policy;
  if (p != "linux" && !p.starts_with("manylinux") && !p.starts_with("musllinux")) return std::nullopt;
  return best;
}

const PolicyResult* result_for(const Evaluation& ev, const Policy& p) {
  for (const auto& r : ev.results)
    if (r.policy && r.policy->name == p.name) return &r;
  return nullptr;
}

// Why `tag` (split as `split`) does not hold, or an empty string.
std::string problem_of(const std::string& tag, const SplitTag& split, const Evaluation& ev,
                       const PolicySet& policies) {
  std::string head = "tagged " + tag + ", but ";
  if (ev.arch != elf::Arch::unknown && split.arch != ev.arch)
    return head + "its ELF files are " + elf::arch_name(ev.arch);
  Libc libc = libc_from_policy_name(split.policy);
  // An assumed libc is no evidence against the name.
  if (libc != Libc::unknown && ev.libc != Libc::unknown && !ev.libc_assumed && libc != ev.libc)
    return head + "its ELF files use " + libc_name(ev.libc);
  const Policy* p = policies.find(split.policy);
  if (!p || p->is_fallback()) return {};
  const PolicyResult* r = result_for(ev, *p);
  if (!r || r->ok) return {};
  // A library missing here says where the wheel is analysed (libcuda, a
  // sibling wheel's library), not what its binaries need: not held against
  // the name.
  std::vector<const Reason*> own;
  for (const Reason& reason : r->reasons)
    if (reason.kind != ReasonKind::missing_library) own.push_back(&reason);
  if (own.empty()) return {};
  std::string why = own.front()->describe();
  if (own.size() > 1) why += " (and " + std::to_string(own.size() - 1) + " more)";
  return head + p->name + " is not reached: " + why;
}

}  // namespace

std::vector<std::string> claimed_tag_problems(std::span<const std::string> platform_tags, const Evaluation& ev,
                                              const PolicySet& policies) {
  std::vector<std::string> out;
  if (ev.results.empty() && ev.arch == elf::Arch::unknown) return out;  // no ELF file
  for (const std::string& tag : platform_tags) {
    auto split = split_tag(tag);
    if (!split) continue;
    if (std::string problem = problem_of(tag, *split, ev, policies); !problem.empty()) out.push_back(problem);
  }
  return out;
}

}  // namespace wheelfix::policy
