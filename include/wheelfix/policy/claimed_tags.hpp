// Platform tags a wheel's name claims that its binaries contradict.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "wheelfix/policy/evaluate.hpp"
#include "wheelfix/policy/policy.hpp"

namespace wheelfix::policy {

// Checks each platform tag of a wheel's file name ("manylinux_2_17_x86_64",
// "manylinux2014_aarch64", "musllinux_1_2_x86_64", "linux_x86_64"; "any" and
// tags of other platforms are skipped) against the evaluation of its ELF
// files. A tag is contradicted when its arch is not the files' arch, when it
// names a manylinux/musllinux policy of the other libc, or when it names a
// policy the evaluation failed for a reason other than a library missing on
// this machine (that is the machine, not the binaries). Tags naming policies not in `policies` (newer
// ones) are judged on their arch only. Returns one sentence per contradicted
// tag, in the order of `platform_tags`, e.g. "tagged manylinux_2_17_x86_64,
// but its ELF files are aarch64"; empty when the tags hold or the wheel has
// no ELF file. Pure: no I/O.
std::vector<std::string> claimed_tag_problems(std::span<const std::string> platform_tags, const Evaluation& ev,
                                              const PolicySet& policies);

}  // namespace wheelfix::policy
