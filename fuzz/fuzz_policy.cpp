// libFuzzer target: the policy JSON loader (policy::parse_policies) and the
// queries the evaluator makes on what it returns.  Properties: no crash,
// no exception escaping (nlohmann::json throws; the loader must catch), no
// sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "wheelfix/policy/policy.hpp"

using namespace wheelfix;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  auto parsed = policy::parse_policies(json, "fuzz.json");
  if (!parsed) return 0;
  policy::PolicySet set;
  set.policies = std::move(*parsed);
  policy::sort_policies(set.policies);
  for (const auto& p : set.policies) {
    (void)p.libc_version();
    (void)p.is_fallback();
    for (auto arch : {elf::Arch::x86_64, elf::Arch::aarch64, elf::Arch::i686, elf::Arch::unknown}) {
      (void)p.supports(arch);
      (void)p.platform_tags(arch);
    }
    if (!set.find(p.name)) fuzz::violated("PolicySet::find does not find policy " + p.name);
  }
  return 0;
}
